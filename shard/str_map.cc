// StrMap: chained hash table with one mi_malloc node per element, resized in one step, scanned
// with Redis's reverse-binary cursor.
#include "shard/str_map.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "shard/alloc.h"
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

StrMap::StrMap() = default;

StrMap::~StrMap() {
  if (buckets_ == nullptr) return;
  for (size_t b = 0; b <= mask_; ++b) {
    for (Node* n = buckets_[b]; n != nullptr;) {
      Node* next = n->next;
      mem::Free(n);
      n = next;
    }
  }
  mem::Free(buckets_);
}

StrMap::StrMap(const StrMap& other)
    : mask_(other.mask_), size_(other.size_), max_chain_(other.max_chain_) {
  if (other.buckets_ == nullptr) return;
  buckets_ = static_cast<Node**>(mem::Calloc(mask_ + 1, sizeof(Node*)));
  for (size_t b = 0; b <= mask_; ++b) {
    Node** link = &buckets_[b];
    for (const Node* n = other.buckets_[b]; n != nullptr; n = n->next) {
      const size_t size = n->Size();
      auto* copy = static_cast<Node*>(mem::Malloc(size));
      std::memcpy(copy, n, size);
      node_bytes_ += mem::UsableSize(copy);
      *link = copy;
      link = &copy->next;
    }
    *link = nullptr;
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

void StrMap::Resize(size_t buckets) {
  if (buckets == mask_ + 1 && buckets_ != nullptr) return;
  auto* table = static_cast<Node**>(mem::Calloc(buckets, sizeof(Node*)));
  const size_t mask = buckets - 1;
  if (buckets_ != nullptr) {
    for (size_t b = 0; b <= mask_; ++b) {
      for (Node* n = buckets_[b]; n != nullptr;) {
        Node* next = n->next;
        Node** head = &table[HashKey(n->key()) & mask];
        n->next = *head;
        *head = n;
        n = next;
      }
    }
    mem::Free(buckets_);
  }
  buckets_ = table;
  mask_ = mask;
  max_chain_ = 0;
  for (size_t b = 0; b <= mask_; ++b) {
    size_t len = 0;
    for (const Node* n = buckets_[b]; n != nullptr; n = n->next) ++len;
    max_chain_ = std::max(max_chain_, len);
  }
}

StrMap::Node** StrMap::FindLink(std::string_view key, uint64_t hash) const {
  Node** link = &buckets_[hash & mask_];
  for (; *link != nullptr; link = &(*link)->next) {
    if ((*link)->key() == key) break;
  }
  return link;
}

void StrMap::Insert(std::string_view key, std::string_view value, uint64_t hash) {
  if (buckets_ == nullptr) {
    Resize(kMinBuckets);
  } else if (size_ > mask_) {
    Resize((mask_ + 1) * 2);
  }
  Node** head = &buckets_[hash & mask_];
  Node* n = NewNode(key, value);
  n->next = *head;
  *head = n;
  ++size_;
  size_t len = 0;
  for (const Node* c = n; c != nullptr; c = c->next) ++len;
  max_chain_ = std::max(max_chain_, len);
}

bool StrMap::Set(std::string_view key, std::string_view value) {
  const uint64_t hash = HashKey(key);
  if (buckets_ != nullptr) {
    Node** link = FindLink(key, hash);
    if (Node* old = *link; old != nullptr) {
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
  }
  Insert(key, value, hash);
  return true;
}

bool StrMap::Add(std::string_view key, std::string_view value) {
  const uint64_t hash = HashKey(key);
  if (buckets_ != nullptr && *FindLink(key, hash) != nullptr) return false;
  Insert(key, value, hash);
  return true;
}

bool StrMap::Erase(std::string_view key) {
  if (buckets_ == nullptr) return false;
  Node** link = FindLink(key, HashKey(key));
  Node* n = *link;
  if (n == nullptr) return false;
  *link = n->next;
  FreeNode(n);
  --size_;
  if (size_ == 0) {
    mem::Free(buckets_);
    buckets_ = nullptr;
    mask_ = 0;
    max_chain_ = 0;
  } else if (mask_ + 1 > kMinBuckets && size_ * 10 < mask_ + 1) {
    // As Redis's dictResize: the smallest power of two holding every element.
    Resize(std::max(kMinBuckets, std::bit_ceil(size_)));
  }
  return true;
}

bool StrMap::Contains(std::string_view key) const {
  return buckets_ != nullptr && *FindLink(key, HashKey(key)) != nullptr;
}

bool StrMap::Find(std::string_view key, std::string_view* value) const {
  if (buckets_ == nullptr) return false;
  const Node* n = *FindLink(key, HashKey(key));
  if (n == nullptr) return false;
  *value = n->value();
  return true;
}

void StrMap::Random(uint64_t rnd, std::string_view* key, std::string_view* value) const {
  uint64_t state = rnd;
  // Rejection sampling: a uniform (bucket, position < max_chain_) pair names each element with
  // the same probability, 1 / (buckets * max_chain_); pairs past the end of a chain are drawn
  // again. (A random non-empty bucket, then a random element of its chain, would favour elements
  // in short chains.)
  for (int probe = 0; probe < kRandomProbes; ++probe) {
    const Node* n = buckets_[NextRandom(&state) & mask_];
    for (uint64_t i = NextRandom(&state) % max_chain_; n != nullptr && i > 0; --i) n = n->next;
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
    for (const Node* n = buckets_[b]; n != nullptr; n = n->next) {
      if (i-- == 0) {
        *key = n->key();
        *value = n->value();
        return;
      }
    }
  }
}

void StrMap::ForEach(const Visit& fn) const {
  if (buckets_ == nullptr) return;
  for (size_t b = 0; b <= mask_; ++b) {
    for (const Node* n = buckets_[b]; n != nullptr; n = n->next) fn(n->key(), n->value());
  }
}

uint64_t StrMap::Scan(uint64_t cursor, const Visit& fn) const {
  if (buckets_ == nullptr) return 0;
  for (const Node* n = buckets_[cursor & mask_]; n != nullptr; n = n->next) {
    fn(n->key(), n->value());
  }
  // Increment the reversed cursor: the bits above the mask are set so the carry propagates
  // into the bits that a larger table would use, which keeps resizes between calls safe.
  cursor |= ~static_cast<uint64_t>(mask_);
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

size_t StrMap::MallocSize() const {
  return node_bytes_ + (buckets_ != nullptr ? mem::UsableSize(buckets_) : 0);
}

}  // namespace shoal
