// StrMap: chained hash table with one mi_malloc node per element, resized incrementally (two
// bucket arrays while rehashing, as Redis's dict), scanned with Redis's reverse-binary cursor.
#include "shard/str_map.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "shard/alloc.h"
#include "shard/clock.h"
#include "shard/hash.h"
#include "shard/varint.h"

namespace shoal {

namespace {

constexpr size_t kMinBuckets = 4;

// SplitMix64: turns the caller's one random number into as many as Random needs.
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

struct StrMap::Node {
  Node* next;

  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }

  std::string_view key() const {
    uint64_t len;
    const uint8_t* p = data() + GetVarint(data(), &len);
    return std::string_view(reinterpret_cast<const char*>(p), len);
  }

  std::string_view value() const {
    const std::string_view k = key();
    const auto* end = reinterpret_cast<const uint8_t*>(k.data() + k.size());
    uint64_t len;
    const uint8_t* p = end + GetVarint(end, &len);
    return std::string_view(reinterpret_cast<const char*>(p), len);
  }

  // Bytes in use: header, both varints and both strings.
  size_t Size() const {
    const std::string_view v = value();
    return static_cast<size_t>(reinterpret_cast<const uint8_t*>(v.data() + v.size()) -
                               reinterpret_cast<const uint8_t*>(this));
  }
};

struct StrMap::PauseRehash {
  const StrMap* map;
  explicit PauseRehash(const StrMap* m) : map(m) { ++map->pause_rehash_; }
  ~PauseRehash() { --map->pause_rehash_; }
  PauseRehash(const PauseRehash&) = delete;
  PauseRehash& operator=(const PauseRehash&) = delete;
};

StrMap::StrMap() = default;

void StrMap::FreeTable(Node** table, size_t buckets) {
  if (table == nullptr) return;
  for (size_t b = 0; b < buckets; ++b) {
    for (Node* n = table[b]; n != nullptr;) {
      Node* next = n->next;
      mem::Free(n);
      n = next;
    }
  }
  mem::Free(table);
}

StrMap::~StrMap() {
  FreeTable(tables_[0], masks_[0] + 1);
  FreeTable(tables_[1], masks_[1] + 1);
}

StrMap::Node** StrMap::CopyTable(Node* const* src, size_t buckets, size_t* node_bytes) {
  auto* table = static_cast<Node**>(mem::Calloc(buckets, sizeof(Node*)));
  for (size_t b = 0; b < buckets; ++b) {
    Node** link = &table[b];
    for (const Node* n = src[b]; n != nullptr; n = n->next) {
      const size_t size = n->Size();
      auto* copy = static_cast<Node*>(mem::Malloc(size));
      std::memcpy(copy, n, size);
      *node_bytes += mem::UsableSize(copy);
      *link = copy;
      link = &copy->next;
    }
    *link = nullptr;
  }
  return table;
}

StrMap::StrMap(const StrMap& other)
    : masks_{other.masks_[0], other.masks_[1]},
      rehash_idx_(other.rehash_idx_),
      old_size_(other.old_size_),
      max_chain_{other.max_chain_[0], other.max_chain_[1]},
      pending_(other.pending_),
      size_(other.size_) {
  // Same arrays, same chains in the same order: the copy is in the same rehash state, so a scan
  // cursor of the original works on it too.
  for (int t = 0; t < 2; ++t) {
    if (other.tables_[t] != nullptr)
      tables_[t] = CopyTable(other.tables_[t], masks_[t] + 1, &node_bytes_);
  }
}

StrMap::Node* StrMap::NewNode(std::string_view key, std::string_view value) {
  const size_t size =
      sizeof(Node) + VarintLen(key.size()) + key.size() + VarintLen(value.size()) + value.size();
  auto* n = static_cast<Node*>(mem::Malloc(size));
  n->next = nullptr;
  uint8_t* p = n->data() + PutVarint(n->data(), key.size());
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  p += key.size();
  p += PutVarint(p, value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  node_bytes_ += mem::UsableSize(n);
  return n;
}

void StrMap::FreeNode(Node* node) {
  node_bytes_ -= mem::UsableSize(node);
  mem::Free(node);
}

size_t StrMap::bucket_count() const {
  size_t n = pending_.count();
  for (int t = 0; t < 2; ++t) {
    if (tables_[t] != nullptr) n += masks_[t] + 1;
  }
  return n;
}

void StrMap::StartRehash(size_t buckets) {
  // The only allocation of a resize; a large array is zeroed by the next steps first.
  if (Node** table = pending_.Start(buckets)) ActivateNewTable(table, buckets);
}

void StrMap::ActivateNewTable(Node** table, size_t buckets) const {
  tables_[1] = table;
  masks_[1] = buckets - 1;
  max_chain_[1] = 0;
  rehash_idx_ = 0;
  old_size_ = size_;
}

void StrMap::MoveBucket(size_t b) const {
  Node** table = tables_[1];
  const size_t mask = masks_[1];
  for (Node* n = tables_[0][b]; n != nullptr;) {
    Node* next = n->next;
    Node** head = &table[HashKey(n->key()) & mask];
    n->next = *head;
    *head = n;
    size_t len = 0;
    for (const Node* c = n; c != nullptr; c = c->next) ++len;
    max_chain_[1] = std::max(max_chain_[1], len);
    --old_size_;
    n = next;
  }
  tables_[0][b] = nullptr;
}

void StrMap::FinishRehash() const {
  mem::Free(tables_[0]);
  tables_[0] = tables_[1];
  masks_[0] = masks_[1];
  max_chain_[0] = max_chain_[1];
  tables_[1] = nullptr;
  masks_[1] = 0;
  max_chain_[1] = 0;
  rehash_idx_ = 0;
  old_size_ = 0;
}

bool StrMap::Rehash(size_t n) const {
  if (pending_.active()) {
    const size_t buckets = pending_.count();
    if (Node** table = pending_.Step(n)) ActivateNewTable(table, buckets);
    return true;
  }
  if (tables_[1] == nullptr) return false;
  if (pending_buckets::MoveOldBuckets(tables_[0], rehash_idx_, old_size_, n,
                                      [this](size_t b) { MoveBucket(b); }))
    return true;
  FinishRehash();
  return false;
}

bool StrMap::RehashSteps(size_t n) { return n > 0 ? Rehash(n) : rehashing(); }

bool StrMap::RehashFor(int64_t budget_us) {
  const int64_t deadline = MonotonicUs() + budget_us;
  while (Rehash(100)) {
    if (MonotonicUs() >= deadline) return true;
  }
  return false;
}

StrMap::Node** StrMap::FindLink(std::string_view key, uint64_t hash, int* table) const {
  for (int t = 0; t < 2; ++t) {
    if (tables_[t] == nullptr) break;
    const size_t b = hash & masks_[t];
    // An old bucket below rehash_idx_ has moved already: skip its (cold) slot.
    if (t == 0 && tables_[1] != nullptr && b < rehash_idx_) continue;
    for (Node** link = &tables_[t][b]; *link != nullptr; link = &(*link)->next) {
      if ((*link)->key() == key) {
        *table = t;
        return link;
      }
    }
  }
  return nullptr;
}

void StrMap::Insert(std::string_view key, std::string_view value, uint64_t hash) {
  if (tables_[0] == nullptr) {
    tables_[0] = static_cast<Node**>(mem::Calloc(kMinBuckets, sizeof(Node*)));
    masks_[0] = kMinBuckets - 1;
  } else if (!rehashing() && size_ > masks_[0]) {
    StartRehash((masks_[0] + 1) * 2);
  }
  const int t = tables_[1] != nullptr ? 1 : 0;
  Node** head = &tables_[t][hash & masks_[t]];
  Node* n = NewNode(key, value);
  n->next = *head;
  *head = n;
  ++size_;
  size_t len = 0;
  for (const Node* c = n; c != nullptr; c = c->next) ++len;
  max_chain_[t] = std::max(max_chain_[t], len);
}

bool StrMap::Set(std::string_view key, std::string_view value) {
  RehashStep();
  const uint64_t hash = HashKey(key);
  int t;
  if (Node** link = FindLink(key, hash, &t); link != nullptr) {
    Node* old = *link;
    const std::string_view v = old->value();
    if (v.size() == value.size()) {
      // Same length: same layout, so the bytes are overwritten in place.
      if (!value.empty()) std::memmove(const_cast<char*>(v.data()), value.data(), value.size());
      return false;
    }
    Node* n = NewNode(key, value);
    n->next = old->next;
    *link = n;
    FreeNode(old);
    return false;
  }
  Insert(key, value, hash);
  return true;
}

bool StrMap::Add(std::string_view key, std::string_view value) {
  RehashStep();
  const uint64_t hash = HashKey(key);
  int t;
  if (FindLink(key, hash, &t) != nullptr) return false;
  Insert(key, value, hash);
  return true;
}

bool StrMap::Erase(std::string_view key) {
  if (size_ == 0) return false;
  RehashStep();
  int t;
  Node** link = FindLink(key, HashKey(key), &t);
  if (link == nullptr) return false;
  Node* n = *link;
  *link = n->next;
  FreeNode(n);
  --size_;
  if (size_ == 0) {
    for (int i = 0; i < 2; ++i) {
      if (tables_[i] != nullptr) mem::Free(tables_[i]);
      tables_[i] = nullptr;
      masks_[i] = 0;
      max_chain_[i] = 0;
    }
    pending_.Free();
    rehash_idx_ = 0;
    old_size_ = 0;
    return true;
  }
  if (tables_[1] != nullptr) {
    if (t == 0 && --old_size_ == 0) FinishRehash();
    return true;
  }
  if (pending_.active()) return true;
  if (masks_[0] + 1 > kMinBuckets && size_ * 10 < masks_[0] + 1) {
    // As Redis's dictResize: the smallest power of two holding every element.
    StartRehash(std::max(kMinBuckets, std::bit_ceil(size_)));
  }
  return true;
}

bool StrMap::Contains(std::string_view key) const {
  if (size_ == 0) return false;
  RehashStep();
  int t;
  return FindLink(key, HashKey(key), &t) != nullptr;
}

bool StrMap::Find(std::string_view key, std::string_view* value) const {
  if (size_ == 0) return false;
  RehashStep();
  int t;
  Node** link = FindLink(key, HashKey(key), &t);
  if (link == nullptr) return false;
  *value = (*link)->value();
  return true;
}

void StrMap::Random(uint64_t rnd, std::string_view* key, std::string_view* value) const {
  uint64_t state = rnd;
  // The live buckets: the old table's from rehash_idx_ on (those below are empty), then every
  // bucket of the new table while rehashing.
  const size_t first_old = tables_[1] != nullptr ? rehash_idx_ : 0;
  const size_t old_buckets = masks_[0] + 1 - first_old;
  const size_t buckets = old_buckets + (tables_[1] != nullptr ? masks_[1] + 1 : 0);
  const size_t max_chain = std::max(max_chain_[0], max_chain_[1]);
  auto bucket = [&](size_t i) -> const Node* {
    return i < old_buckets ? tables_[0][first_old + i] : tables_[1][i - old_buckets];
  };
  // Rejection sampling: a uniform (live bucket, position < max_chain) pair names each element with
  // the same probability, 1 / (buckets * max_chain), whichever table holds it; pairs past the end
  // of a chain are drawn again. (A random non-empty bucket, then a random element of its chain,
  // would favour elements in short chains.)
  for (int probe = 0; probe < kRandomProbes; ++probe) {
    const Node* n = bucket(NextRandom(&state) % buckets);
    for (uint64_t i = NextRandom(&state) % max_chain; n != nullptr && i > 0; --i) n = n->next;
    if (n != nullptr) {
      *key = n->key();
      *value = n->value();
      return;
    }
  }
  // Every probe missed (a table left sparse by erases, or a very long chain): an exact pick by
  // index. Whether this walk runs does not depend on which element it returns, so the result
  // stays uniform.
  uint64_t i = NextRandom(&state) % size_;
  for (size_t b = 0;; ++b) {
    for (const Node* n = bucket(b); n != nullptr; n = n->next) {
      if (i-- == 0) {
        *key = n->key();
        *value = n->value();
        return;
      }
    }
  }
}

void StrMap::ForEach(const Visit& fn) const {
  if (size_ == 0) return;
  PauseRehash pause(this);
  const size_t first_old = tables_[1] != nullptr ? rehash_idx_ : 0;
  for (size_t b = first_old; b <= masks_[0]; ++b) {
    for (const Node* n = tables_[0][b]; n != nullptr; n = n->next) fn(n->key(), n->value());
  }
  if (tables_[1] == nullptr) return;
  for (size_t b = 0; b <= masks_[1]; ++b) {
    for (const Node* n = tables_[1][b]; n != nullptr; n = n->next) fn(n->key(), n->value());
  }
}

uint64_t StrMap::Scan(uint64_t cursor, const Visit& fn) const {
  if (size_ == 0) return 0;
  PauseRehash pause(this);
  auto emit = [&fn](const Node* n) {
    for (; n != nullptr; n = n->next) fn(n->key(), n->value());
  };
  // Incrementing the reversed cursor with the bits above `mask` set propagates the carry into
  // the bits that a larger table would use, which keeps resizes between calls safe.
  auto next = [](uint64_t v, size_t mask) {
    v |= ~static_cast<uint64_t>(mask);
    v = ReverseBits(v);
    ++v;
    return ReverseBits(v);
  };
  if (tables_[1] == nullptr) {
    emit(tables_[0][cursor & masks_[0]]);
    return next(cursor, masks_[0]);
  }
  // Rehashing (Redis's dictScan): the cursor's bucket in the smaller table, then every bucket of
  // the larger table that it expands to (those whose low bits are the small bucket's index).
  const int small = masks_[0] <= masks_[1] ? 0 : 1;
  const int large = 1 - small;
  const size_t m0 = masks_[small];
  const size_t m1 = masks_[large];
  emit(tables_[small][cursor & m0]);
  do {
    emit(tables_[large][cursor & m1]);
    cursor = next(cursor, m1);
  } while ((cursor & (m0 ^ m1)) != 0);
  return cursor;
}

size_t StrMap::MallocSize() const {
  size_t bytes = node_bytes_ + pending_.MallocSize();
  for (int t = 0; t < 2; ++t) {
    if (tables_[t] != nullptr) bytes += mem::UsableSize(tables_[t]);
  }
  return bytes;
}

}  // namespace shoal
