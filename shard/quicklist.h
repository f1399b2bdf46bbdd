// QuickList: the list encoding ("quicklist"): a doubly linked list of listpack nodes, each node
// bounded by list-max-listpack-size (the list's `fill`; negative: -1..-5 = 4/8/16/32/64 KB of
// listpack bytes per node; positive: at most that many elements per node, and at most 8 KB unless
// the node holds a single element), as Redis 7.0's quicklist without compression.
//
// Costs: push/pop at either end O(1) (plus the node's listpack realloc); access by index walks
// nodes from the nearer end, then one node (O(nodes + node size)); insert/delete/replace at a
// position O(node size). Deletions merge a node into a neighbour when both fit in one node, so
// LREM/LTRIM/pops never leave a trail of nearly empty nodes; inserts into a full node split it.
// Elements are byte strings; those that are canonical int64s are stored as integers (listpack).
//
// Iteration: an Iterator (At, Begin, Last) walks both ways from any index; Get() returns views into
// the node's listpack, valid until the next mutation of the list. Mutations through the list's
// *At(Iterator&) methods keep that iterator valid (pointing as each method says); any other
// mutation invalidates every iterator.
//
// Building a list (SORT ... STORE, RPUSH): construct with the fill to use (ShardSettings'
// list_max_listpack_size at creation, as Redis fixes it per list) and Push(kTail, ...).
// Threading: owned by one shard; no internal synchronisation.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

class QuickList {
  struct Node;

 public:
  enum class End : uint8_t { kHead, kTail };

  // fill: list-max-listpack-size as Redis takes it (below -5 means -5, above 32767 means 32767,
  // 0 behaves as 1).
  explicit QuickList(int fill = -2);
  ~QuickList();
  QuickList(const QuickList& other);  // deep copy, same fill
  QuickList& operator=(const QuickList&) = delete;

  size_t Size() const { return count_; }
  bool Empty() const { return count_ == 0; }
  int fill() const { return fill_; }
  size_t NodeCount() const { return nodes_; }
  // Heap bytes: this object, its nodes and their listpacks (walks the nodes).
  size_t MallocSize() const;
  // Sampling for MEMORY USAGE: heap bytes (node + listpack) of the first `nodes` nodes from the
  // head, with their element count in *elems. O(nodes).
  size_t HeadNodesBytes(size_t nodes, size_t* elems) const;
  // Structure check (unit tests): links, counts, no empty node, every node holding more than one
  // element within the fill's limit. Walks everything.
  bool Validate() const;

  // ---- Whole nodes (RDB / DUMP) ----
  // Visits every node's listpack, head to tail (read only).
  void ForEachNode(absl::FunctionRef<void(const uint8_t* lp)> fn) const;
  // Appends a listpack's elements at the tail, taking ownership of it: as a node of its own, kept
  // as it is, when it holds one element or fits the fill's limit; else its elements are pushed one
  // by one (which may fill the tail node) and it is freed, as is an empty one. Either way the
  // invariants Validate checks hold.
  void AppendListpack(uint8_t* lp);

  // ---- Ends ----
  void Push(End end, std::string_view value);
  // Removes the element at `end`, copying it into *out (when not null). False when empty.
  bool Pop(End end, std::string* out);

  // ---- Positions ----
  class Iterator {
   public:
    Iterator() = default;
    bool Valid() const { return pos_ != nullptr; }
    // The element's bytes; an integer element is printed into `scratch` (>= 21 bytes).
    std::string_view Get(char* scratch) const;
    bool Equals(std::string_view s) const;
    // One step towards the tail / the head; the iterator becomes invalid past the end.
    void Next();
    void Prev();

   private:
    friend class QuickList;
    Node* node_ = nullptr;
    uint8_t* pos_ = nullptr;
    uint32_t offset_ = 0;  // index of pos_ within node_
  };

  // The element at index (negative counts from the tail: -1 is the last); invalid when out of
  // range.
  Iterator At(int64_t index) const;
  Iterator Begin() const { return At(0); }
  Iterator Last() const { return At(-1); }

  // Inserts value before or after the element at `it`. `it` becomes invalid.
  void InsertAt(Iterator& it, std::string_view value, bool after);
  // Replaces the element at `it` (which stays valid and points at the new value).
  void ReplaceAt(Iterator& it, std::string_view value);
  // Deletes the element at `it`; `it` moves to the element that followed it in the direction of
  // travel (towards the tail when `forward`, else towards the head), or becomes invalid.
  void DeleteAt(Iterator& it, bool forward);

  // Replaces the element at index; false when out of range (LSET).
  bool Replace(int64_t index, std::string_view value);
  // Deletes `count` elements starting at index (negative from the tail), clamped at the tail end.
  // Whole nodes in the range are freed without visiting their elements (LTRIM, LPOP count).
  void DeleteRange(int64_t index, int64_t count);

 private:
  // The listpack for a new head or tail node pushed past `full_end` (null: the list is empty).
  uint8_t* NewEndListpack(const Node* full_end) const;
  // Whether node may take one more element of `bytes` listpack bytes.
  bool AllowInsert(const Node* n, size_t bytes) const;
  // Whether a and b together fit in one node.
  bool AllowMerge(const Node* a, const Node* b) const;
  Node* NewNode(uint8_t* lp);
  void FreeNode(Node* n);
  void LinkAfter(Node* n, Node* prev);  // prev == nullptr: link as the new head
  void Unlink(Node* n);
  // Moves the elements [offset, end) of n into a new node linked after it; returns it.
  Node* Split(Node* n, uint32_t offset);
  // Appends b's elements to a (b follows a) and frees b; an iterator on either is re-aimed.
  void Merge(Node* a, Node* b, Iterator* it);
  // After n shrank: merge it with a neighbour when the two fit in one node.
  void TryMergeAround(Node* n, Iterator* it);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;
  uint32_t nodes_ = 0;
  int fill_;
};

}  // namespace shoal
