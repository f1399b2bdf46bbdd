#include "shard/dash_table.h"

#include <cstdlib>

#include "shard/hash.h"

namespace shoal {

DashTable::DashTable() {
  dir_.push_back(new Segment());
  segment_count_ = 1;
}

DashTable::~DashTable() {
  Clear();
  delete dir_[0];
}

void DashTable::Clear() {
  Segment* prev = nullptr;
  for (Segment* seg : dir_) {
    if (seg == prev) continue;  // a segment occupies a contiguous run of directory entries
    prev = seg;
    for (auto& bucket : seg->buckets) {
      for (auto& s : bucket) {
        if (!s.empty()) Entry::Free(s.entry());
      }
    }
    if (seg != dir_[0]) delete seg;
  }
  Segment* first = dir_[0];
  *first = Segment();
  dir_.assign(1, first);
  global_depth_ = 0;
  size_ = 0;
  segment_count_ = 1;
}

size_t DashTable::TableBytes() const {
  return dir_.capacity() * sizeof(Segment*) + segment_count_ * sizeof(Segment);
}

unsigned DashTable::SlotHome(unsigned b, const Slot& s) {
  if (b < kBuckets) return (s.v & Slot::kDisplacedBit) ? (b == 0 ? kBuckets - 1 : b - 1) : b;
  return HomeOf(HashKey(s.entry()->key()));
}

DashTable::Slot* DashTable::Find(std::string_view key, uint64_t hash) {
  Segment* seg = SegmentFor(hash);
  unsigned home = HomeOf(hash);
  uint64_t fp = FingerprintBits(hash);
  for (auto& s : seg->buckets[home]) {
    if ((s.v & (Slot::kFpMask | Slot::kDisplacedBit)) == fp && !s.empty() &&
        s.entry()->key() == key)
      return &s;
  }
  for (auto& s : seg->buckets[NextBucket(home)]) {
    if ((s.v & (Slot::kFpMask | Slot::kDisplacedBit)) == (fp | Slot::kDisplacedBit) &&
        s.entry()->key() == key)
      return &s;
  }
  if (seg->stash_mask.test(home)) {
    for (unsigned b = kBuckets; b < kBuckets + kStashBuckets; ++b) {
      for (auto& s : seg->buckets[b]) {
        if ((s.v & Slot::kFpMask) == fp && !s.empty() && s.entry()->key() == key) return &s;
      }
    }
  }
  return nullptr;
}

bool DashTable::TryInsert(Segment* seg, Entry* e, uint64_t hash, Slot** out) {
  unsigned home = HomeOf(hash);
  uint64_t tag = FingerprintBits(hash) | reinterpret_cast<uint64_t>(e) |
                 (e->has_expire() ? Slot::kExpireBit : 0);
  auto place = [&](Slot& s, uint64_t extra) {
    s.v = tag | extra;
    ++seg->size;
    *out = &s;
  };
  for (auto& s : seg->buckets[home]) {
    if (s.empty()) {
      place(s, 0);
      return true;
    }
  }
  const unsigned next = NextBucket(home);
  for (auto& s : seg->buckets[next]) {
    if (s.empty()) {
      place(s, Slot::kDisplacedBit);
      return true;
    }
  }
  // Both full: an entry at home in `next` moves on to the bucket after it (still its group: its
  // home bucket's neighbour, flagged displaced) and the new entry takes its slot.
  for (auto& after : seg->buckets[NextBucket(next)]) {
    if (!after.empty()) continue;
    for (auto& s : seg->buckets[next]) {
      if (!(s.v & Slot::kDisplacedBit)) {
        after.v = s.v | Slot::kDisplacedBit;
        place(s, Slot::kDisplacedBit);
        return true;
      }
    }
    break;
  }
  for (unsigned b = kBuckets; b < kBuckets + kStashBuckets; ++b) {
    for (auto& s : seg->buckets[b]) {
      if (s.empty()) {
        place(s, 0);
        seg->stash_mask.set(home);
        return true;
      }
    }
  }
  return false;
}

DashTable::Slot* DashTable::Insert(Entry* e, uint64_t hash) {
  Slot* out = nullptr;
  while (!TryInsert(SegmentFor(hash), e, hash, &out)) Split(SegmentFor(hash), hash);
  ++size_;
  return out;
}

void DashTable::Erase(Slot* s) {
  --SegmentFor(HashKey(s->entry()->key()))->size;
  s->v = 0;
  --size_;
}

void DashTable::Split(Segment* seg, uint64_t hash) {
  if (seg->local_depth >= kMaxDepth) std::abort();  // 2^32 segments: cannot happen in practice
  if (seg->local_depth == global_depth_) {
    std::vector<Segment*> bigger(dir_.size() * 2);
    for (size_t i = 0; i < dir_.size(); ++i) bigger[2 * i] = bigger[2 * i + 1] = dir_[i];
    dir_.swap(bigger);
    ++global_depth_;
  }
  auto* right = new Segment();
  ++segment_count_;
  right->snap_epoch = seg->snap_epoch;  // each half of a group keeps the group's mark
  right->snap_done = seg->snap_done;
  unsigned depth = seg->local_depth;  // bit index (from the top) that now tells the halves apart
  seg->local_depth = right->local_depth = depth + 1;
  // Every entry's hash first, each entry's key prefetched a few slots ahead: a split reads all
  // the segment's entries, and their cache misses then overlap instead of queueing one by one
  // (the split is the longest single insert there is; table_growth counts them).
  constexpr unsigned kAhead = 8;
  const Slot* slots = &seg->buckets[0][0];
  auto prefetch = [](const Slot& s) {
    if (s.empty()) return;
    const char* e = reinterpret_cast<const char*>(s.entry());
    __builtin_prefetch(e);
    __builtin_prefetch(e + 31);  // a short key may cross into the next line
  };
  uint64_t hashes[kSegmentSlots];
  for (unsigned i = 0; i < kAhead; ++i) prefetch(slots[i]);
  for (unsigned i = 0; i < kSegmentSlots; ++i) {
    if (i + kAhead < kSegmentSlots) prefetch(slots[i + kAhead]);
    if (!slots[i].empty()) hashes[i] = HashKey(slots[i].entry()->key());
  }
  HomeMask new_stash_mask;
  uint32_t left_size = 0;
  for (unsigned b = 0; b < kBuckets + kStashBuckets; ++b) {
    for (unsigned j = 0; j < kSlotsPerBucket; ++j) {
      Slot& s = seg->buckets[b][j];
      if (s.empty()) continue;
      const uint64_t h = hashes[b * kSlotsPerBucket + j];
      if ((h >> (63 - depth)) & 1) {
        Slot* dst;
        Entry* e = s.entry();
        s.v = 0;
        TryInsert(right, e, h, &dst);  // cannot fail: right holds a subset of one segment
      } else {
        ++left_size;
        if (b >= kBuckets) new_stash_mask.set(HomeOf(h));
      }
    }
  }
  seg->size = left_size;
  seg->stash_mask = new_stash_mask;
  // Directory entries of seg: a run of 2^(global-depth) entries; its upper half goes right.
  size_t run = size_t{1} << (global_depth_ - depth);
  size_t first = (global_depth_ == 0 ? 0 : (hash >> (64 - global_depth_))) & ~(run - 1);
  for (size_t i = first + run / 2; i < first + run; ++i) dir_[i] = right;
}

DashTable::Slot* DashTable::RandomSlot(uint64_t rnd) {
  if (size_ == 0) return nullptr;
  size_t start = rnd % dir_.size();
  unsigned first = static_cast<unsigned>((rnd >> 24) % kSegmentSlots);
  for (size_t i = 0; i < dir_.size(); ++i) {
    Segment* seg = dir_[(start + i) % dir_.size()];
    if (seg->size == 0) continue;
    // The first occupied slot at or after a random position: every entry can be chosen.
    Slot* slots = &seg->buckets[0][0];
    for (unsigned j = 0; j < kSegmentSlots; ++j) {
      Slot* s = &slots[(first + j) % kSegmentSlots];
      if (!s->empty()) return s;
    }
  }
  return nullptr;
}

}  // namespace shoal
