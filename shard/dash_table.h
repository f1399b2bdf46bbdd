// DashTable: a shard's key table. Extendible hashing over fixed-size segments (the design of
// Dragonfly's dashtable, written for Shoal):
//  - A directory of 2^global_depth segment pointers, indexed by the top bits of the 64-bit hash.
//  - A segment is exactly 5 KB (one of mimalloc's size classes, no slack): a 64-byte header, then
//    72 buckets of 8 slots plus 7 stash buckets (632 slots), each bucket one cache line. An entry
//    lives in its home bucket (HomeOf(hash): the low 32 hash bits mapped onto 0..71), the next
//    bucket, or a stash bucket. When both the home and the next bucket are full, an entry of the
//    next bucket that is at home there moves on to the bucket after it (its own "next"), making
//    room before the stash is used, so segments split fuller (benchmarks/table_growth.cc: 12.45
//    segment bytes per key averaged over growth, against 15.2 for the 4.3 KB segment that
//    mimalloc served from 5 KB; docs/BENCHMARKS.md).
//  - A full segment splits in two (only its own <= 632 entries move); the directory doubles when
//    needed (a pointer copy). There is never a whole-table rehash, so the longest stall is bounded
//    by one split plus one directory doubling.
//  - Entries never leave their group (home bucket) except when their segment splits, and a split
//    keeps their home bucket, so a cursor made of (segment hash prefix, home bucket) visits every
//    entry that stays in the table for the whole traversal at least once, while the table grows
//    (see Traverse).
// A slot is 8 bytes: a 48-bit Entry pointer plus tag bits (hash fingerprint, "displaced" and
// "has expiry"), so lookups compare fingerprints without touching the entry.
//
// Threading: owned by one shard; every call on that shard's thread only.
// Invalidation: Slot* returned by Find/Insert stay valid until the next Insert (which may split);
// Erase and value replacement through the slot never move other entries.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "shard/entry.h"

namespace shoal {

class DashTable {
 public:
  static constexpr unsigned kBucketBits = 7;  // cursor bits for the home bucket
  static constexpr unsigned kBuckets = 72;    // home buckets; < 2^kBucketBits
  static constexpr unsigned kStashBuckets = 7;
  static constexpr unsigned kSlotsPerBucket = 8;
  static constexpr unsigned kSegmentSlots = (kBuckets + kStashBuckets) * kSlotsPerBucket;
  static constexpr unsigned kMaxDepth = 32;

  // One table slot: tagged entry pointer; 0 means empty.
  struct Slot {
    uint64_t v = 0;
    static constexpr uint64_t kPtrMask = (uint64_t{1} << 48) - 1;
    static constexpr uint64_t kExpireBit = uint64_t{1} << 63;
    static constexpr uint64_t kDisplacedBit = uint64_t{1} << 62;
    static constexpr uint64_t kFpMask = uint64_t{0x3FFF} << 48;  // FingerprintBits
    Entry* entry() const { return reinterpret_cast<Entry*>(v & kPtrMask); }
    bool empty() const { return v == 0; }
    bool has_expire() const { return v & kExpireBit; }
    // Replaces the entry (same key), refreshing the expiry bit from it.
    void Set(Entry* e) {
      v = (v & ~(kPtrMask | kExpireBit)) | reinterpret_cast<uint64_t>(e) |
          (e->has_expire() ? kExpireBit : 0);
    }
  };

  // The home bucket of a hash: its low 32 bits scaled onto 0..kBuckets-1 (the fingerprint uses
  // bits 6..19 and the directory the top bits, so the three stay nearly independent).
  static unsigned HomeOf(uint64_t hash) {
    return static_cast<unsigned>(((hash & 0xFFFFFFFF) * kBuckets) >> 32);
  }
  static unsigned NextBucket(unsigned b) { return b + 1 == kBuckets ? 0 : b + 1; }
  // A traversal cursor for a random position (RANDOMKEY, eviction sampling).
  static uint64_t RandomCursor(uint64_t rnd) { return ((rnd >> 32) << kBucketBits) | HomeOf(rnd); }

  DashTable();
  ~DashTable();
  DashTable(const DashTable&) = delete;
  DashTable& operator=(const DashTable&) = delete;

  Slot* Find(std::string_view key, uint64_t hash);
  // The key must not be present. Returns the slot now holding e.
  Slot* Insert(Entry* e, uint64_t hash);
  // Empties the slot; the caller frees the entry.
  void Erase(Slot* s);

  // Batch prefetch (DbSlice::PrefetchBuckets / PrefetchEntries): pulls the home bucket of `hash`
  // toward the cache; then, once that bucket has had time to arrive, the entries whose fingerprint
  // matches. Hints only: they change nothing.
  void PrefetchBucket(uint64_t hash) const;
  void PrefetchEntries(uint64_t hash) const;
  // Frees every entry and returns to an empty table.
  void Clear();

  size_t size() const { return size_; }
  size_t segments() const { return segment_count_; }
  unsigned global_depth() const { return global_depth_; }
  // Bytes of table structure (directory + segments), not counting entries.
  size_t TableBytes() const;

  // Visits the entries whose home is the bucket named by `cursor` (0 = start) in one segment, and
  // returns the next cursor, 0 when the traversal is complete. fn(Slot*) may Erase that slot or
  // Set it, but must not Insert. Guarantee: an entry present from the first to the last call is
  // visited at least once; it may be visited twice if its segment split meanwhile.
  template <typename Fn>
  uint64_t Traverse(uint64_t cursor, Fn&& fn);

  // A uniformly chosen segment's random non-empty slot, or nullptr when empty.
  Slot* RandomSlot(uint64_t rnd);

  // ---- Groups and snapshot marks (persistence/snapshot.h) ----
  // A group is what one Traverse step visits: the entries of one segment whose home bucket is
  // `home`. Entries never change group except when their segment splits, and then the two halves
  // of a group stay groups of the same home. Each segment keeps one mark bit per home for one
  // snapshot epoch: a snapshot serializes a group and marks it before the group first changes
  // after the snapshot's cut, or when its traversal reaches it, whichever comes first. A split
  // copies the marks to the new segment, so a group serialized before the split is not serialized
  // again in either half.
  struct Segment;
  // One bit per home bucket.
  struct HomeMask {
    uint64_t w[2] = {0, 0};
    bool test(unsigned h) const { return w[h >> 6] >> (h & 63) & 1; }
    void set(unsigned h) { w[h >> 6] |= uint64_t{1} << (h & 63); }
  };
  struct Group {
    Segment* seg;
    unsigned home;
  };
  Group GroupOf(uint64_t hash) const { return {SegmentFor(hash), HomeOf(hash)}; }
  static bool Marked(Group g, uint32_t epoch);
  static void Mark(Group g, uint32_t epoch);
  // fn(const Entry*) for each entry of the group.
  template <typename Fn>
  void VisitGroup(Group g, Fn&& fn) {
    VisitHome(g.seg, g.home, [&fn](Slot* s) { fn(static_cast<const Entry*>(s->entry())); });
  }
  // Traverse by groups: fn(Group) for the group named by cursor, empty or not; returns the next
  // cursor, 0 when done. Every group of the table is named at least once between the first and
  // the last call, whatever splits happen in between (a group split meanwhile may be named twice:
  // its marks tell).
  uint64_t TraverseGroups(uint64_t cursor, Group* g) const;

 private:
  Segment* SegmentFor(uint64_t hash) const {
    return dir_[global_depth_ == 0 ? 0 : hash >> (64 - global_depth_)];
  }
  bool TryInsert(Segment* seg, Entry* e, uint64_t hash, Slot** out);
  void Split(Segment* seg, uint64_t hash);
  Segment* SegmentForPrefix(uint32_t prefix) const {
    return dir_[global_depth_ == 0 ? 0 : prefix >> (32 - global_depth_)];
  }
  // Home bucket of the slot at (bucket b, slot) of a segment.
  static unsigned SlotHome(unsigned b, const Slot& s);
  // Visits slots with home bucket `home` in seg.
  template <typename Fn>
  void VisitHome(Segment* seg, unsigned home, Fn&& fn);

  std::vector<Segment*> dir_;
  unsigned global_depth_ = 0;
  size_t size_ = 0;
  size_t segment_count_ = 0;
};

struct alignas(64) DashTable::Segment {
  uint32_t local_depth = 0;
  uint32_t size = 0;
  uint32_t snap_epoch = 0;  // the snapshot epoch snap_done is for (0: none)
  HomeMask stash_mask;      // bit h: an entry with home bucket h may sit in the stash
  HomeMask snap_done;       // bit h: group h is serialized for snap_epoch
  alignas(64) Slot buckets[kBuckets + kStashBuckets][kSlotsPerBucket];
};
static_assert(sizeof(DashTable::Segment) == 5120, "a segment fills one allocator size class");
static_assert(DashTable::kBuckets <= 128 && DashTable::kBuckets < (1u << DashTable::kBucketBits),
              "homes index 64-bit masks and fit the cursor's bucket bits");

inline uint64_t FingerprintBits(uint64_t hash) { return ((hash >> 6) & 0x3FFF) << 48; }

template <typename Fn>
void DashTable::VisitHome(Segment* seg, unsigned home, Fn&& fn) {
  for (auto& s : seg->buckets[home]) {
    if (!s.empty() && !(s.v & Slot::kDisplacedBit)) fn(&s);
  }
  for (auto& s : seg->buckets[NextBucket(home)]) {
    if (!s.empty() && (s.v & Slot::kDisplacedBit)) fn(&s);
  }
  if (seg->stash_mask.test(home)) {
    for (unsigned b = kBuckets; b < kBuckets + kStashBuckets; ++b) {
      for (auto& s : seg->buckets[b]) {
        if (!s.empty() && SlotHome(b, s) == home) fn(&s);
      }
    }
  }
}

inline void DashTable::PrefetchBucket(uint64_t hash) const {
  __builtin_prefetch(&SegmentFor(hash)->buckets[HomeOf(hash)]);
  asm volatile("");  // see PrefetchEntries
}

inline void DashTable::PrefetchEntries(uint64_t hash) const {
  const uint64_t fp = FingerprintBits(hash);
  for (const Slot& s : SegmentFor(hash)->buckets[HomeOf(hash)]) {
    if ((s.v & (Slot::kFpMask | Slot::kDisplacedBit)) == fp && !s.empty()) {
      // The header and key, and the line after for a key or value that crosses into it.
      const char* e = reinterpret_cast<const char*>(s.entry());
      __builtin_prefetch(e);
      __builtin_prefetch(e + 63);
    }
  }
  // GCC treats prefetches as free of side effects, finds this function pure and, returning
  // nothing, drops every call to it. An empty volatile asm is a side effect it keeps.
  asm volatile("");
}

inline bool DashTable::Marked(Group g, uint32_t epoch) {
  return g.seg->snap_epoch == epoch && g.seg->snap_done.test(g.home);
}

inline void DashTable::Mark(Group g, uint32_t epoch) {
  if (g.seg->snap_epoch != epoch) {
    g.seg->snap_epoch = epoch;
    g.seg->snap_done = HomeMask();
  }
  g.seg->snap_done.set(g.home);
}

inline uint64_t DashTable::TraverseGroups(uint64_t cursor, Group* g) const {
  uint32_t prefix = static_cast<uint32_t>(cursor >> kBucketBits);
  // A cursor from a client may name a bucket past the last home: it means the segment's last.
  unsigned home = std::min<unsigned>(cursor & ((1u << kBucketBits) - 1), kBuckets - 1);
  Segment* seg = SegmentForPrefix(prefix);
  *g = {seg, home};
  uint64_t span = uint64_t{1} << (32 - seg->local_depth);
  uint64_t start = prefix & ~(span - 1);
  if (++home < kBuckets) return (start << kBucketBits) | home;
  uint64_t next = start + span;
  if (next >= (uint64_t{1} << 32)) return 0;
  return next << kBucketBits;
}

template <typename Fn>
uint64_t DashTable::Traverse(uint64_t cursor, Fn&& fn) {
  Group g;
  uint64_t next = TraverseGroups(cursor, &g);
  if (g.seg->size != 0) VisitHome(g.seg, g.home, fn);
  return next;
}

}  // namespace shoal
