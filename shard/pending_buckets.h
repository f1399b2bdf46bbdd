// PendingBuckets: the new bucket array of an incremental resize, for the chained hash tables that
// rehash as Redis's dict (StrMap, ZSet's member table).
//
// A small array (up to 8192 buckets, 64 KB) is calloc'ed at once. A larger one is not: mimalloc
// zeroes a large calloc eagerly (about 70 ms for the 128 MB of a 16M-bucket array), where Redis's
// jemalloc gets lazily zeroed pages. It is malloc'ed uninitialised (31 us for 128 MB) and zeroed
// 2048 buckets (16 KB, four pages) per rehash step; the table takes it once it is all zeroed and
// meanwhile keeps inserting into its old array.
//
// Threading: the thresholds are process-wide (set them only in tests, before any table is used);
// an instance belongs to its table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "shard/alloc.h"

namespace shoal {

namespace pending_buckets {

inline constexpr size_t kSyncZeroBuckets = 8192;
inline constexpr size_t kZeroChunkBuckets = 2048;
inline size_t g_sync_zero_buckets = kSyncZeroBuckets;
inline size_t g_zero_chunk_buckets = kZeroChunkBuckets;

// Tests: new arrays up to sync_buckets are calloc'ed, larger ones zeroed chunk_buckets per step
// (0, 0: the defaults, 8192 and 2048), for every table type. Not thread-safe: call before any
// table is in use.
inline void SetZeroingForTests(size_t sync_buckets, size_t chunk_buckets) {
  g_sync_zero_buckets = sync_buckets != 0 ? sync_buckets : kSyncZeroBuckets;
  g_zero_chunk_buckets = chunk_buckets != 0 ? chunk_buckets : kZeroChunkBuckets;
}

// One bounded step of an incremental rehash (Redis's dictRehash), for the tables that keep their
// old array in `old`: moves up to n non-empty buckets from `idx` on with move(bucket), visiting at
// most 10 * n empty ones. `remaining` counts the elements still in `old` (move lowers it). True
// while elements remain there.
template <typename T, typename Move>
bool MoveOldBuckets(const T* old, size_t& idx, const size_t& remaining, size_t n, Move&& move) {
  size_t empty_visits = n < SIZE_MAX / 10 ? n * 10 : SIZE_MAX;
  while (n-- > 0 && remaining > 0) {
    // Elements remain, so a non-empty bucket lies at or past idx.
    while (old[idx] == nullptr) {
      ++idx;
      if (--empty_visits == 0) return true;
    }
    move(idx++);
  }
  return remaining > 0;
}

}  // namespace pending_buckets

// T is the bucket type (a node pointer); a zeroed bucket is an empty chain.
template <typename T>
class PendingBuckets {
 public:
  PendingBuckets() = default;
  ~PendingBuckets() { Free(); }
  // A copy zeroed as far as `other`: a copied table stays in the same phase of its resize.
  PendingBuckets(const PendingBuckets& other) : count_(other.count_), zeroed_(other.zeroed_) {
    if (other.array_ == nullptr) return;
    array_ = static_cast<T*>(mem::Malloc(count_ * sizeof(T)));
    std::memset(static_cast<void*>(array_), 0, zeroed_ * sizeof(T));
  }
  PendingBuckets& operator=(const PendingBuckets&) = delete;

  // The new array of `count` buckets: returned zeroed when small; otherwise allocated, kept here
  // and nullptr returned (Step zeroes it). Not while one is pending.
  T* Start(size_t count) {
    if (count <= pending_buckets::g_sync_zero_buckets)
      return static_cast<T*>(mem::Calloc(count, sizeof(T)));
    array_ = static_cast<T*>(mem::Malloc(count * sizeof(T)));
    count_ = count;
    zeroed_ = 0;
    return nullptr;
  }

  // True while an array is being zeroed.
  bool active() const { return array_ != nullptr; }
  // Buckets of the pending array (0 when none).
  size_t count() const { return count_; }

  // Zeroes up to n chunks. Returns the array once all of it is zeroed (handing it over: nothing is
  // pending from then on), nullptr while more remains. Only while active().
  T* Step(size_t n) {
    const size_t chunk_buckets = pending_buckets::g_zero_chunk_buckets;
    const size_t left = count_ - zeroed_;
    const size_t chunk = n < left / chunk_buckets ? n * chunk_buckets : left;
    std::memset(static_cast<void*>(array_ + zeroed_), 0, chunk * sizeof(T));
    zeroed_ += chunk;
    if (zeroed_ < count_) return nullptr;
    T* done = array_;
    array_ = nullptr;
    count_ = 0;
    zeroed_ = 0;
    return done;
  }

  // Heap bytes of the pending array.
  size_t MallocSize() const { return array_ != nullptr ? mem::UsableSize(array_) : 0; }

  // Drops the pending array (the table emptied or is being destroyed).
  void Free() {
    mem::Free(array_);
    array_ = nullptr;
    count_ = 0;
    zeroed_ = 0;
  }

 private:
  T* array_ = nullptr;
  size_t count_ = 0;
  size_t zeroed_ = 0;  // buckets from zeroed_ on are still uninitialised
};

}  // namespace shoal
