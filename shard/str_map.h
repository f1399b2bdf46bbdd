// StrMap: a hash table of distinct byte-string keys, each with a byte-string value (empty for
// sets). The large encoding of hashes ("hashtable") and sets; sorted sets use it for
// member -> score (8-byte values).
//
// Chained buckets like Redis's dict, power-of-two bucket count, grown at load factor 1 and shrunk
// below 10%. One mi_malloc node per element: [next][varint klen][key][varint vlen][value].
// Scan uses Redis's reverse-binary cursor, so an element present for a whole scan is returned at
// least once even when the table resizes between calls. Random() is uniform over elements
// (rejection sampling over (bucket, chain position) pairs, see Random), unlike Redis's
// dictGetRandomKey, which favours elements in short chains.
// Views returned (keys, values) stay valid until the next mutation of the map.
// Threading: owned by one shard; no internal synchronisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace shoal {

class StrMap {
 public:
  using Visit = std::function<void(std::string_view key, std::string_view value)>;

  StrMap();
  ~StrMap();
  StrMap(const StrMap& other);  // deep copy
  StrMap& operator=(const StrMap&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Inserts or overwrites; true when the key was new.
  bool Set(std::string_view key, std::string_view value = {});
  // Inserts only when absent; true when added.
  bool Add(std::string_view key, std::string_view value = {});
  // `key` may be a view into this map (e.g. from Random): it is compared before the node is freed.
  bool Erase(std::string_view key);
  bool Contains(std::string_view key) const;
  // The value of key; false when absent.
  bool Find(std::string_view key, std::string_view* value) const;
  // A uniformly random element (the map must not be empty); rnd is a random 64-bit number, from
  // which further numbers are derived. Expected O(buckets * longest chain / size) probes, at most
  // kRandomProbes before an exact O(size + buckets) walk, so every element has probability
  // exactly 1/size (up to the quality of rnd).
  void Random(uint64_t rnd, std::string_view* key, std::string_view* value) const;
  static constexpr int kRandomProbes = 128;
  // Every element once, in table order.
  void ForEach(const Visit& fn) const;
  // One SCAN step (one bucket of the smaller table and its expansions); returns the next cursor,
  // 0 when the scan is complete.
  uint64_t Scan(uint64_t cursor, const Visit& fn) const;
  // Heap bytes: bucket array plus nodes.
  size_t MallocSize() const;

 private:
  struct Node;
  Node** buckets_ = nullptr;
  size_t mask_ = 0;  // bucket count - 1 (bucket count 0 while empty: buckets_ null)
  size_t size_ = 0;
  size_t node_bytes_ = 0;  // mi_usable_size of every node, so MallocSize is O(1)
  // An upper bound of the longest chain: exact after a resize, raised by inserts, never lowered
  // by erases (a stale bound only costs Random more probes).
  size_t max_chain_ = 0;
  void Resize(size_t buckets);
  Node** FindLink(std::string_view key, uint64_t hash) const;
  // Adds a node for a key known to be absent, growing the table first when it is full.
  void Insert(std::string_view key, std::string_view value, uint64_t hash);
  Node* NewNode(std::string_view key, std::string_view value);
  void FreeNode(Node* node);
};

}  // namespace shoal
