// Sorted sets in both encodings, and the read interface the command families use on either.
//
//  * ZSet: the large encoding ("skiplist"). A skiplist with spans (Pugh's, as Redis: ordered by
//    (score, member bytes), O(log n) insert/delete/rank/select) whose nodes are also chained in a
//    hash table by member, so a member's score is found in O(1). A node is one mi_malloc block
//    holding the score, the links and the member bytes: the member is stored once.
//    The member table has 2^bits buckets indexed by the top bits of the member's hash, grows past
//    load factor 1 and shrinks below 1/8. Resizes are incremental, as Redis's dict (and StrMap):
//    two bucket arrays are live while one is under way; every Find, Insert and removal first
//    moves one old bucket (visiting at most 10 empty ones), new members go to the new array and
//    lookups search both, and no new resize starts until the old array is empty. A range
//    removal (EraseRanks, EraseRange) is owed one step per element it removed, so one that
//    empties most of a large set also finishes the shrink it starts. A large new array is zeroed
//    step by step before use (shard/pending_buckets.h). Nodes are relinked, never moved, so Node
//    pointers stay valid across lookups and resizes.
//  * zlp: the small encoding, a listpack of member, score, member, score ... in (score, member)
//    order (shard/listpack.h). Integral scores within Redis's double2ll range are stored as
//    integers (as Redis does, so -0 reads back as 0 there too); other scores as the shortest
//    decimal string that reads back as the same double.
//  * ZView / ZIter: read access in rank order to a value of either encoding (commands, SORT).
//
// Threading: plain data owned by one shard; no internal synchronisation (ZSet lookups take rehash
// steps, so even its const calls must not overlap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "shard/entry.h"
#include "shard/pending_buckets.h"

namespace shoal {

// A score interval (Redis's zrangespec): min and max, each inclusive or exclusive.
struct ZScoreRange {
  double min = 0;
  double max = 0;
  bool minex = false;
  bool maxex = false;
  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  // Ranges that can hold nothing whatever the set (Redis checks these first).
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// A member interval for the BYLEX commands (Redis's zlexrangespec). An end is "-" (below every
// string), "+" (above every string) or a string, inclusive or exclusive.
struct ZLexRange {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue };
  Kind min_kind = kMinusInf;
  Kind max_kind = kPlusInf;
  bool minex = false;
  bool maxex = false;
  std::string_view min;  // kValue only
  std::string_view max;
  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
  bool Empty() const;
};

// Byte-wise member order (memcmp, then the shorter first), as sdscmp.
int CompareMembers(std::string_view a, std::string_view b);

class ZSet {
 public:
  struct Level;
  // One element. Pointers to it stay valid until it is removed (a new score keeps the node).
  class Node {
   public:
    double score() const { return score_; }
    std::string_view member() const;
    const Node* next() const;  // the next element in rank order, or nullptr
    const Node* prev() const { return backward_; }

   private:
    friend class ZSet;
    Level* levels();
    const Level* levels() const;
    double score_;
    Node* backward_;
    Node* chain_;  // next node in the same hash bucket
    uint32_t len_;
    uint32_t level_ : 8;
    uint32_t hash24_ : 24;  // top 24 bits of the member's hash
  };
  struct Level {
    Node* forward;
    size_t span;  // elements between this node and `forward` at this level, forward included
  };

  ZSet();
  ~ZSet();
  ZSet(const ZSet& other);  // deep copy
  ZSet& operator=(const ZSet&) = delete;

  size_t size() const { return length_; }
  // Heap bytes: nodes, bucket array(s), header and the object itself.
  size_t MallocSize() const;

  // The element holding member, or nullptr.
  const Node* Find(std::string_view member) const;
  // Adds a member that is not present.
  void Insert(std::string_view member, double score);
  // Changes the score of an element (from Find); the node stays valid.
  void UpdateScore(const Node* node, double score);
  // Removes member; false when absent.
  bool Erase(std::string_view member);
  // Removes an element (from Find or the order accessors).
  void EraseNode(const Node* node);

  // Rank order.
  const Node* First() const { return length_ ? header_levels()[0].forward : nullptr; }
  const Node* Last() const { return tail_; }
  const Node* AtRank(size_t rank) const;  // 0-based; nullptr when rank >= size()
  size_t RankOf(const Node* node) const;  // 0-based
  // Redis's zslFirstInRange/zslLastInRange and the lex variants: nullptr when none.
  const Node* FirstIn(const ZScoreRange& r) const;
  const Node* LastIn(const ZScoreRange& r) const;
  const Node* FirstIn(const ZLexRange& r) const;
  const Node* LastIn(const ZLexRange& r) const;

  // Range deletions; each returns the number of elements removed. Ranks are 0-based inclusive.
  size_t EraseRanks(size_t start, size_t end);
  size_t EraseRange(const ZScoreRange& r);
  size_t EraseRange(const ZLexRange& r);

  // One ZSCAN step: visits the elements of one hash bucket (while rehashing: one bucket of the
  // smaller array and its expansions in the larger one, as Redis's dictScan) and returns the next
  // cursor (0 when the scan is complete). An element present for a whole scan is visited at least
  // once even if the table resizes or rehashes in between (the cursor is a 32-bit hash prefix,
  // Redis's reverse-binary cursor read from the top bit down: buckets only split or merge). Takes
  // no rehash step, and none is taken while fn runs, so fn may call Find.
  uint64_t Scan(uint64_t cursor, const std::function<void(const Node*)>& fn) const;

  // Member table introspection (tests): true while a resize is in progress (two bucket arrays,
  // or a new one still being zeroed); the buckets of every array, the one being zeroed included.
  bool rehashing() const { return tables_[1] != nullptr || pending_.active(); }
  bool zeroing() const { return pending_.active(); }  // a new array is still being zeroed
  size_t bucket_count() const;
  // Moves up to n old buckets (visiting at most 10 * n empty ones) or zeroes up to n chunks of a
  // pending array; true when more remains.
  bool RehashSteps(size_t n);

 private:
  static constexpr int kMaxLevel = 32;
  // Pauses rehash steps while Scan runs its visitor.
  struct PauseRehash;
  static Node* NewNode(int level, std::string_view member, double score, uint64_t hash);
  Level* header_levels() const;
  static bool Less(const Node* n, double score, std::string_view member);
  // Fills update[] (and rank[] when not null) with the last node before (score, member) at
  // every level.
  void FindPath(double score, std::string_view member, Node** update, size_t* rank) const;
  void Link(Node* x, Node** update, const size_t* rank);
  void Unlink(Node* x, Node** update);
  // Member table. Every element is chained in it before it is linked into the skiplist and
  // unchained before it is unlinked, so length_ counts the chained nodes whenever a rehash step
  // runs (a resize that starts takes length_ as the old array's count).
  static size_t BucketOf(uint64_t hash, unsigned bits) { return hash >> (64 - bits); }
  // A hash of n's member good for bucket indexes of up to `bits` bits: the stored top 24 bits
  // while they are enough, else the member hashed again.
  static uint64_t NodeHash(const Node* n, unsigned bits);
  // Chains a new node (grows first when the table is full).
  void ChainInsert(Node* n, uint64_t hash);
  // Unchains a node.
  void ChainRemove(Node* n);
  // After removals (length_ already lowered): frees the table when empty, else starts a shrink
  // when it is below 1/8 full and no resize is under way.
  void MaybeShrink();
  void StartRehash(unsigned bits);
  // The (zeroed) new array becomes tables_[1]: every element is still in tables_[0].
  void ActivateNewTable(Node** table, unsigned bits) const;
  // Zeroes up to n chunks of the pending array, or moves up to n old buckets; true when more
  // remains (false also when not rehashing).
  bool Rehash(size_t n) const;
  // One step unless paused or not rehashing.
  void RehashStep() const {
    if (rehashing() && pause_rehash_ == 0) Rehash(1);
  }
  void MoveBucket(size_t b) const;
  void FinishRehash() const;
  void FreeTables();
  void FreeNode(Node* n);
  template <typename Pred>
  size_t EraseWhile(Node* x, Node** update, Pred in_range);

  Node* header_;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  // The member table is mutable because lookups (const) take rehash steps. tables_[0] is the
  // table (the old one while rehashing, its buckets below rehash_idx_ already moved and null),
  // 2^bits_[0] buckets; tables_[1] is the new one, non-null only while rehashing. No array while
  // empty. A new array is 2^32 buckets at most, so cursors fit in 32 bits.
  mutable Node** tables_[2] = {nullptr, nullptr};
  mutable unsigned bits_[2] = {0, 0};
  mutable size_t rehash_idx_ = 0;  // while rehashing: the next old bucket to move
  mutable size_t old_size_ = 0;    // while rehashing: elements still in tables_[0]
  // A large new array being zeroed before it becomes tables_[1]; no element is in it.
  mutable PendingBuckets<Node*> pending_;
  mutable int pause_rehash_ = 0;  // > 0 while Scan runs its visitor
  size_t node_bytes_ = 0;
};

// The listpack encoding of sorted sets.
namespace zlp {

inline constexpr size_t kScoreBufSize = 32;

uint32_t Length(const uint8_t* lp);  // elements (pairs)
// The score stored in the element at sptr.
double ScoreAt(const uint8_t* sptr);
// The listpack form of a score, written into buf (kScoreBufSize bytes).
std::string_view EncodeScore(double score, char* buf);
// The member element equal to member, or nullptr; *score gets its score.
uint8_t* Find(uint8_t* lp, std::string_view member, double* score);
// Inserts (member, score) at its ordered position; the member must be absent.
uint8_t* Insert(uint8_t* lp, std::string_view member, double score);
// Deletes the member at eptr and its score.
uint8_t* Delete(uint8_t* lp, uint8_t* eptr);
// Deletes `count` pairs starting at pair index `start`.
uint8_t* DeleteRanks(uint8_t* lp, size_t start, size_t count);
// Pair index of the first member element in range (Redis's zzlFirstInRange and friends, which
// scan linearly) and the count of pairs from there that stay in range; count 0 when none.
void FindRange(uint8_t* lp, const ZScoreRange& r, size_t* start, size_t* count);
void FindRange(uint8_t* lp, const ZLexRange& r, size_t* start, size_t* count);
// Encoding conversions; the source is left untouched. A member that repeats in lp (only a
// listpack loaded from an RDB or RESTORE payload without deep checks can hold one) keeps its first
// score; *repeated (when given) tells whether that happened.
ZSet* ToZSet(const uint8_t* lp, bool* repeated = nullptr);
uint8_t* FromZSet(const ZSet& zs);

}  // namespace zlp

// A read cursor in rank order over a sorted set of either encoding.
class ZIter {
 public:
  ZIter() = default;
  ZIter(uint8_t* lp, uint8_t* eptr);  // listpack: eptr is a member element (or nullptr)
  explicit ZIter(const ZSet::Node* node);
  ZIter(const ZIter& other);
  ZIter& operator=(const ZIter& other);

  bool valid() const { return node_ != nullptr || eptr_ != nullptr; }
  // Valid until the iterator moves or the set changes.
  std::string_view member() const;
  double score() const;
  void Next();
  void Prev();

 private:
  void Load();
  uint8_t* lp_ = nullptr;
  uint8_t* eptr_ = nullptr;
  const ZSet::Node* node_ = nullptr;
  double score_ = 0;
  std::string_view member_;
  char buf_[24];  // listpack integer members, printed
};

// A sorted-set value as an Entry stores it: (encoding, object), read-only access.
class ZView {
 public:
  ZView(ObjEnc enc, void* obj) : enc_(enc), obj_(obj) {}
  explicit ZView(const Entry* e) : ZView(e->enc(), e->object()) {}

  bool listpack() const { return enc_ == ObjEnc::kListPack; }
  uint8_t* lp() const { return static_cast<uint8_t*>(obj_); }
  const ZSet* zs() const { return static_cast<const ZSet*>(obj_); }

  size_t size() const;
  bool Score(std::string_view member, double* score) const;
  // 0-based ascending rank of member; false when absent.
  bool Rank(std::string_view member, size_t* rank) const;
  ZIter AtRank(size_t rank) const;  // invalid iterator when rank >= size()
  ZIter First() const { return AtRank(0); }
  // Where a forward (or reverse) walk over a range starts, as Redis picks it; invalid when the
  // range holds nothing.
  ZIter FirstIn(const ZScoreRange& r) const;
  ZIter LastIn(const ZScoreRange& r) const;
  ZIter FirstIn(const ZLexRange& r) const;
  ZIter LastIn(const ZLexRange& r) const;
  // Elements in r (ZCOUNT, ZLEXCOUNT), counted as Redis does.
  size_t Count(const ZScoreRange& r) const;
  size_t Count(const ZLexRange& r) const;

 private:
  ObjEnc enc_;
  void* obj_;
};

}  // namespace shoal
