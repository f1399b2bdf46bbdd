// DbSlice: one shard's partition of every logical database (SELECT 0..databases-1).
// Owns the DashTables, expiry (lazy on lookup + an active cycle) and the access clock.
//
// Threading: owned by its Shard; every method on that shard's thread only. Nothing outside the
// shard keeps a Slot* or Entry* across a hop: callbacks copy what they need.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shard/blocking.h"
#include "shard/dash_table.h"

namespace shoal {

using DbIndex = uint32_t;

// Counters written by the owning shard only, read by INFO from any thread.
struct ShardStats {
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> expire_cycles{0};

  static void Inc(std::atomic<uint64_t>& c, uint64_t by = 1) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
};

// Redis's 24-bit LRU clock in seconds (LRU_CLOCK_RESOLUTION 1000 ms).
inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;
inline uint32_t LruClockFromMs(int64_t ms) {
  return static_cast<uint32_t>(ms / 1000) & kLruClockMax;
}

class DbSlice {
 public:
  using Slot = DashTable::Slot;

  DbSlice(uint32_t shard_id, unsigned num_dbs);
  ~DbSlice();

  // The time commands see; set once per batch of commands (Redis caches it per command call).
  void SetNow(int64_t now_ms) {
    now_ms_ = now_ms;
    lru_clock_ = LruClockFromMs(now_ms);
  }
  int64_t now_ms() const { return now_ms_; }
  uint32_t lru_clock() const { return lru_clock_; }

  // Finds a live key; an expired one is deleted on the way (lazy expiry) and reported missing.
  // Does not touch the access clock or the hit/miss counters.
  Slot* Find(DbIndex db, std::string_view key);
  // Find for commands that read or write the key: updates the LRU clock and hit/miss counters.
  Slot* FindAndTouch(DbIndex db, std::string_view key);

  // Adds a new key (must be absent). Returns its slot (valid until the next Add).
  Slot* Add(DbIndex db, Entry* e);
  // Puts `e` (same key) in place of the slot's entry, freeing the old one unless it is `e`
  // (an entry rewritten in its own block, e.g. Entry::NewString with `reuse`; its out-of-line
  // size must not have changed).
  void Replace(DbIndex db, Slot* slot, Entry* e);
  // Sets or clears (0) the expiry of the entry in slot.
  void SetExpire(DbIndex db, Slot* slot, int64_t expire_ms);
  // Removes and frees the entry.
  void Delete(DbIndex db, Slot* slot);
  bool DeleteKey(DbIndex db, std::string_view key);
  // Removes the entry from the table without freeing it (the caller owns it).
  Entry* Detach(DbIndex db, Slot* slot);

  void FlushDb(DbIndex db);
  void FlushAll();
  size_t DbSize(DbIndex db) const { return dbs_[db]->table.size(); }
  size_t ExpiresCount(DbIndex db) const { return dbs_[db]->expires; }
  unsigned num_dbs() const { return static_cast<unsigned>(dbs_.size()); }
  // Sum of ttl over keys with expiry is not tracked exactly; Redis reports a running estimate.
  int64_t AvgTtl(DbIndex db) const { return dbs_[db]->avg_ttl; }

  // Visits one table step from cursor; fn(Entry*) sees live (non-expired) entries only.
  // Returns the next cursor (0 = done).
  uint64_t ScanStep(DbIndex db, uint64_t cursor, const std::function<void(const Entry*)>& fn);

  // A random live entry of db, or nullptr when the db is empty.
  const Entry* RandomEntry(DbIndex db, uint64_t rnd);

  // One slice of the active expiry cycle: walks the tables from where the last slice stopped,
  // deleting expired keys, for at most `budget_us` microseconds. Returns true if it ran out of
  // time while still finding many expired keys (the caller schedules the next slice sooner).
  bool ActiveExpire(int64_t budget_us);

  // Swaps the contents of two dbs (SWAPDB later) is not needed yet.

  size_t SegmentCount(DbIndex db) const { return dbs_[db]->table.segments(); }
  // Bytes held by this shard's data: its heap counter (entries, strings, collection structures)
  // plus the tables. Blocks moved across shards (RENAME/COPY) count where they were freed, so
  // one shard's figure can drift by what crossed; the sum over shards is exact.
  size_t UsedBytes() const;
  // The counter the owning shard thread registers with mem::SetThreadCounter.
  std::atomic<int64_t>* heap_counter() { return &heap_bytes_; }

  ShardStats& stats() { return stats_; }
  // Clients blocked on this shard's keys (Add/Replace signal it when a list or zset appears).
  BlockingController& blocking() { return blocking_; }
  uint32_t shard_id() const { return shard_id_; }

 private:
  struct Db {
    DashTable table;
    size_t expires = 0;
    int64_t avg_ttl = 0;
    uint64_t expire_cursor = 0;
  };
  bool ExpireIfNeeded(DbIndex db, Slot* slot);

  uint32_t shard_id_;
  int64_t now_ms_ = 0;
  uint32_t lru_clock_ = 0;
  std::vector<std::unique_ptr<Db>> dbs_;
  unsigned expire_db_ = 0;  // where the active cycle resumes
  // Heap bytes of this shard's data (entries, strings, collections): the shard thread's
  // shard/alloc.h counter. Written by the shard thread only; read by INFO from any thread.
  std::atomic<int64_t> heap_bytes_{0};
  ShardStats stats_;
  BlockingController blocking_;
};

}  // namespace shoal
