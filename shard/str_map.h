// StrMap: a hash table of distinct byte-string keys, each with a byte-string value (empty for
// sets). The large encoding of hashes ("hashtable") and sets ("hashtable").
//
// Chained buckets like Redis's dict, power-of-two bucket count, grown at load factor 1 and shrunk
// below 10%. One mi_malloc node per element: [next][varint klen][key][varint vlen][value].
//
// Resizes are incremental, as Redis's dict: a resize allocates the new bucket array and from then
// on two arrays are live (the old one, tables_[0], and the new one, tables_[1]) until every old
// bucket has been moved. Each Set/Add/Erase and each Find/Contains first moves one old bucket
// (visiting at most 10 empty ones), new elements go to the new array, and lookups search both, so
// no single operation rehashes more than a bucket; RehashSteps/RehashFor move more on demand.
// While rehashing the table neither grows nor shrinks again (as Redis).
// A new array larger than 8192 buckets (64 KB) is not calloc'ed: mimalloc zeroes a large calloc
// eagerly (about 70 ms for the 128 MB of a 16M-bucket array), where Redis's jemalloc gets lazily
// zeroed pages. It is allocated uninitialised and zeroed 2048 buckets per step first
// (shard/pending_buckets.h, shared with ZSet); meanwhile inserts still go to the old array (its
// load factor passes 1 by at most a few thousandths).
//
// Scan uses Redis's reverse-binary cursor and, while rehashing, visits a bucket of the smaller
// array and all its expansions in the larger one, so an element present for a whole scan is
// returned at least once even when the table resizes or rehashes between calls. Random() is
// uniform over elements (rejection sampling over (bucket, chain position) pairs of both arrays,
// see Random), unlike Redis's dictGetRandomKey, which favours elements in short chains.
//
// Views returned (keys, values) stay valid until the next mutation of the map: a rehash step
// (which lookups also take) relinks nodes but never moves or frees them. ForEach and Scan pause
// rehashing while they run, so their visitors may look keys up in the same map (as Redis's safe
// iterators).
// Threading: owned by one shard; no internal synchronisation (lookups change the rehash state, so
// even const calls must not overlap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "shard/pending_buckets.h"

namespace shoal {

class StrMap {
 public:
  using Visit = std::function<void(std::string_view key, std::string_view value)>;

  StrMap();
  ~StrMap();
  StrMap(const StrMap& other);  // deep copy, in the same rehash state
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
  // exactly 1/size (up to the quality of rnd). Takes no rehash step.
  void Random(uint64_t rnd, std::string_view* key, std::string_view* value) const;
  static constexpr int kRandomProbes = 128;
  // Every element once, in table order.
  void ForEach(const Visit& fn) const;
  // One SCAN step (one bucket of the smaller table and its expansions); returns the next cursor,
  // 0 when the scan is complete.
  uint64_t Scan(uint64_t cursor, const Visit& fn) const;
  // Heap bytes: bucket array(s) plus nodes.
  size_t MallocSize() const;

  // True while a resize is in progress (two bucket arrays allocated).
  bool rehashing() const { return tables_[1] != nullptr || pending_.active(); }
  // Buckets of both arrays, the one being zeroed included (for tests and introspection).
  size_t bucket_count() const;
  // Moves up to n old buckets (visiting at most 10 * n empty ones), as Redis's dictRehash; true
  // when more remains.
  bool RehashSteps(size_t n);
  // Rehashes in batches of 100 buckets until done or about budget_us microseconds have passed,
  // as Redis's dictRehashMilliseconds; true when more remains.
  bool RehashFor(int64_t budget_us);

 private:
  struct Node;
  // Pauses rehash steps while ForEach/Scan call their visitor.
  struct PauseRehash;

  // The rehash state is mutable because lookups (const) take rehash steps too. tables_[0] is
  // the table (the old one while rehashing, its buckets below rehash_idx_ already moved and
  // null); tables_[1] is the new table, non-null only while rehashing. No table while empty.
  mutable Node** tables_[2] = {nullptr, nullptr};
  mutable size_t masks_[2] = {0, 0};  // bucket count - 1 of each table
  mutable size_t rehash_idx_ = 0;     // while rehashing: the next old bucket to move
  mutable size_t old_size_ = 0;       // while rehashing: elements still in tables_[0]
  // Upper bounds of the longest chain of each table: raised by inserts and by moves, never
  // lowered by erases (a stale bound only costs Random more probes).
  mutable size_t max_chain_[2] = {0, 0};
  // A large new array being zeroed before it becomes tables_[1] (tests shrink the thresholds with
  // pending_buckets::SetZeroingForTests). No element is in it.
  mutable PendingBuckets<Node*> pending_;
  mutable int pause_rehash_ = 0;  // > 0 while ForEach/Scan run their visitors
  size_t size_ = 0;
  size_t node_bytes_ = 0;  // mi_usable_size of every node, so MallocSize is O(1)

  // Starts a resize to `buckets` (not while rehashing; the map must not be empty).
  void StartRehash(size_t buckets);
  // The (zeroed) new array becomes tables_[1]: every element is still in tables_[0].
  void ActivateNewTable(Node** table, size_t buckets) const;
  // Zeroes up to n chunks of the pending array, or moves up to n old buckets; true when more
  // remains (false also when not rehashing).
  bool Rehash(size_t n) const;
  // One step (one bucket, or one chunk zeroed) unless paused or not rehashing.
  void RehashStep() const {
    if (rehashing() && pause_rehash_ == 0) Rehash(1);
  }
  void MoveBucket(size_t b) const;
  void FinishRehash() const;
  // The link pointing at key's node, null when absent; *table gets the table holding it.
  Node** FindLink(std::string_view key, uint64_t hash, int* table) const;
  // Adds a node for a key known to be absent, starting a grow first when the table is full.
  void Insert(std::string_view key, std::string_view value, uint64_t hash);
  Node* NewNode(std::string_view key, std::string_view value);
  void FreeNode(Node* node);
  static Node** CopyTable(Node* const* src, size_t buckets, size_t* node_bytes);
  static void FreeTable(Node** table, size_t buckets);
};

}  // namespace shoal
