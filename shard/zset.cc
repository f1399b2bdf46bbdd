// Sorted sets: the skiplist + member hash (ZSet), the listpack encoding (zlp) and the read
// interface over both (ZIter, ZView). See zset.h for the layouts.
#include "shard/zset.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <random>

#include "base/numbers.h"
#include "shard/alloc.h"
#include "shard/hash.h"
#include "shard/listpack.h"

namespace shoal {

namespace {

// A process-wide random seed, so members cannot be crafted to collide in every server.
uint64_t MemberSeed() {
  static const uint64_t seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  return seed;
}

uint64_t HashMember(std::string_view m) { return HashKey(m, MemberSeed()); }

// Level distribution of Redis (p = 1/4, at most 32): each further level needs two zero bits.
int RandomLevel() {
  static thread_local uint64_t state = (uint64_t{std::random_device{}()} << 32) | 1;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  uint64_t r = state * 0x2545F4914F6CDD1Dull;
  int level = 1;
  while (level < 32 && (r & 3) == 0) {
    ++level;
    r >>= 2;
  }
  return level;
}

// sdscmplex's order of range ends: "-" below everything, "+" above everything.
int LexCmp(ZLexRange::Kind ka, std::string_view a, ZLexRange::Kind kb, std::string_view b) {
  if (ka == kb && ka != ZLexRange::kValue) return 0;
  if (ka == ZLexRange::kMinusInf || kb == ZLexRange::kPlusInf) return -1;
  if (ka == ZLexRange::kPlusInf || kb == ZLexRange::kMinusInf) return 1;
  return CompareMembers(a, b);
}

}  // namespace

int CompareMembers(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool ZLexRange::GteMin(std::string_view v) const {
  int c = LexCmp(kValue, v, min_kind, min);
  return minex ? c > 0 : c >= 0;
}

bool ZLexRange::LteMax(std::string_view v) const {
  int c = LexCmp(kValue, v, max_kind, max);
  return maxex ? c < 0 : c <= 0;
}

bool ZLexRange::Empty() const {
  int c = LexCmp(min_kind, min, max_kind, max);
  return c > 0 || (c == 0 && (minex || maxex));
}

// ---------------------------------------------------------------------------------------------
// ZSet

ZSet::Level* ZSet::Node::levels() {
  return reinterpret_cast<Level*>(reinterpret_cast<char*>(this) + sizeof(Node));
}
const ZSet::Level* ZSet::Node::levels() const {
  return reinterpret_cast<const Level*>(reinterpret_cast<const char*>(this) + sizeof(Node));
}
std::string_view ZSet::Node::member() const {
  return {reinterpret_cast<const char*>(levels() + level_), len_};
}
const ZSet::Node* ZSet::Node::next() const { return levels()[0].forward; }

ZSet::Node* ZSet::NewNode(int level, std::string_view member, double score, uint64_t hash) {
  size_t bytes = sizeof(Node) + sizeof(Level) * level + member.size();
  auto* n = static_cast<Node*>(mem::Malloc(bytes));
  n->score_ = score;
  n->backward_ = nullptr;
  n->chain_ = nullptr;
  n->len_ = static_cast<uint32_t>(member.size());
  n->level_ = static_cast<uint32_t>(level);
  n->hash24_ = static_cast<uint32_t>(hash >> 40);
  for (int i = 0; i < level; ++i) n->levels()[i] = Level{nullptr, 0};
  if (!member.empty()) std::memcpy(n->levels() + level, member.data(), member.size());
  return n;
}

ZSet::ZSet() : header_(NewNode(kMaxLevel, {}, 0, 0)) {}

ZSet::~ZSet() {
  Node* n = header_levels()[0].forward;
  while (n != nullptr) {
    Node* next = n->levels()[0].forward;
    mem::Free(n);
    n = next;
  }
  mem::Free(header_);
  FreeTables();
}

ZSet::ZSet(const ZSet& other) : ZSet() {
  for (const Node* n = other.First(); n != nullptr; n = n->next()) Insert(n->member(), n->score());
}

ZSet::Level* ZSet::header_levels() const { return header_->levels(); }

size_t ZSet::MallocSize() const {
  size_t bytes = sizeof(ZSet) + mem::UsableSize(header_) + node_bytes_ + pending_.MallocSize();
  for (Node** table : tables_) {
    if (table != nullptr) bytes += mem::UsableSize(table);
  }
  return bytes;
}

bool ZSet::Less(const Node* n, double score, std::string_view member) {
  return n->score_ < score || (n->score_ == score && CompareMembers(n->member(), member) < 0);
}

void ZSet::FindPath(double score, std::string_view member, Node** update, size_t* rank) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    if (rank != nullptr) rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    Node* f;
    while ((f = x->levels()[i].forward) != nullptr && Less(f, score, member)) {
      if (rank != nullptr) rank[i] += x->levels()[i].span;
      x = f;
    }
    update[i] = x;
  }
}

void ZSet::Link(Node* x, Node** update, const size_t* rank_in) {
  size_t rank[kMaxLevel];
  std::memcpy(rank, rank_in, sizeof(size_t) * level_);
  int level = static_cast<int>(x->level_);
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    Level& ul = update[i]->levels()[i];
    x->levels()[i].forward = ul.forward;
    ul.forward = x;
    x->levels()[i].span = ul.span - (rank[0] - rank[i]);
    ul.span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) update[i]->levels()[i].span++;
  x->backward_ = update[0] == header_ ? nullptr : update[0];
  Node* next = x->levels()[0].forward;
  if (next != nullptr)
    next->backward_ = x;
  else
    tail_ = x;
  ++length_;
}

void ZSet::Unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; ++i) {
    Level& ul = update[i]->levels()[i];
    if (ul.forward == x) {
      ul.span += x->levels()[i].span - 1;
      ul.forward = x->levels()[i].forward;
    } else {
      ul.span -= 1;
    }
  }
  Node* next = x->levels()[0].forward;
  if (next != nullptr)
    next->backward_ = x->backward_;
  else
    tail_ = x->backward_;
  while (level_ > 1 && header_levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

// ---- member table ----

struct ZSet::PauseRehash {
  const ZSet* zs;
  explicit PauseRehash(const ZSet* z) : zs(z) { ++zs->pause_rehash_; }
  ~PauseRehash() { --zs->pause_rehash_; }
  PauseRehash(const PauseRehash&) = delete;
  PauseRehash& operator=(const PauseRehash&) = delete;
};

uint64_t ZSet::NodeHash(const Node* n, unsigned bits) {
  if (bits <= 24) return uint64_t{n->hash24_} << 40;
  return HashMember(n->member());
}

size_t ZSet::bucket_count() const {
  size_t n = pending_.count();
  for (int t = 0; t < 2; ++t) {
    if (tables_[t] != nullptr) n += size_t{1} << bits_[t];
  }
  return n;
}

void ZSet::StartRehash(unsigned bits) {
  // The only allocation of a resize; a large array is zeroed by the next steps first.
  if (Node** table = pending_.Start(size_t{1} << bits)) ActivateNewTable(table, bits);
}

void ZSet::ActivateNewTable(Node** table, unsigned bits) const {
  tables_[1] = table;
  bits_[1] = bits;
  rehash_idx_ = 0;
  old_size_ = length_;  // every chained element (see ChainInsert/ChainRemove's callers)
}

void ZSet::MoveBucket(size_t b) const {
  Node** table = tables_[1];
  const unsigned bits = bits_[1];
  for (Node* n = tables_[0][b]; n != nullptr;) {
    Node* next = n->chain_;
    Node** head = &table[BucketOf(NodeHash(n, bits), bits)];
    n->chain_ = *head;
    *head = n;
    --old_size_;
    n = next;
  }
  tables_[0][b] = nullptr;
}

void ZSet::FinishRehash() const {
  mem::Free(tables_[0]);
  tables_[0] = tables_[1];
  bits_[0] = bits_[1];
  tables_[1] = nullptr;
  bits_[1] = 0;
  rehash_idx_ = 0;
  old_size_ = 0;
}

bool ZSet::Rehash(size_t n) const {
  if (pending_.active()) {
    const unsigned bits = static_cast<unsigned>(std::countr_zero(pending_.count()));
    if (Node** table = pending_.Step(n)) ActivateNewTable(table, bits);
    return true;
  }
  if (tables_[1] == nullptr) return false;
  if (pending_buckets::MoveOldBuckets(tables_[0], rehash_idx_, old_size_, n,
                                      [this](size_t b) { MoveBucket(b); }))
    return true;
  FinishRehash();
  return false;
}

bool ZSet::RehashSteps(size_t n) { return n > 0 ? Rehash(n) : rehashing(); }

void ZSet::FreeTables() {
  for (int t = 0; t < 2; ++t) {
    mem::Free(tables_[t]);
    tables_[t] = nullptr;
    bits_[t] = 0;
  }
  pending_.Free();
  rehash_idx_ = 0;
  old_size_ = 0;
}

void ZSet::ChainInsert(Node* n, uint64_t hash) {
  // Load factor at most 1, like Redis's dict; 2^32 buckets at most keeps cursors in 32 bits.
  if (tables_[0] == nullptr) {
    tables_[0] = static_cast<Node**>(mem::Calloc(4, sizeof(Node*)));
    bits_[0] = 2;
  } else {
    RehashStep();
    // n is not counted in length_ yet: the table is full when it holds as many as buckets.
    if (!rehashing() && length_ >= (size_t{1} << bits_[0]) && bits_[0] < 32)
      StartRehash(bits_[0] + 1);
  }
  // While rehashing new elements go to the new array, so the old one only empties.
  const int t = tables_[1] != nullptr ? 1 : 0;
  Node** head = &tables_[t][BucketOf(hash, bits_[t])];
  n->chain_ = *head;
  *head = n;
}

void ZSet::ChainRemove(Node* n) {
  RehashStep();
  const uint64_t hash = NodeHash(n, std::max(bits_[0], bits_[1]));
  // In the old array only when its bucket there has not moved yet (and even then it may be a
  // newer element, in the new array).
  const size_t b0 = BucketOf(hash, bits_[0]);
  if (tables_[1] == nullptr || b0 >= rehash_idx_) {
    for (Node** link = &tables_[0][b0]; *link != nullptr; link = &(*link)->chain_) {
      if (*link == n) {
        *link = n->chain_;
        if (tables_[1] != nullptr && --old_size_ == 0) FinishRehash();
        return;
      }
    }
  }
  Node** link = &tables_[1][BucketOf(hash, bits_[1])];
  while (*link != n) link = &(*link)->chain_;
  *link = n->chain_;
}

void ZSet::MaybeShrink() {
  if (length_ == 0) {
    FreeTables();
    return;
  }
  // Shrink below 1/8 full (grow happens above 1/1), so a table never flips back and forth.
  if (!rehashing() && bits_[0] > 2 && length_ * 8 < (size_t{1} << bits_[0])) {
    unsigned bits = 2;
    while ((size_t{1} << bits) < length_ * 2) ++bits;
    StartRehash(bits);
  }
}

void ZSet::FreeNode(Node* n) {
  node_bytes_ -= mem::UsableSize(n);
  mem::Free(n);
}

const ZSet::Node* ZSet::Find(std::string_view member) const {
  if (tables_[0] == nullptr) return nullptr;
  RehashStep();
  const uint64_t h = HashMember(member);
  const auto tag = static_cast<uint32_t>(h >> 40);
  for (int t = 0; t < 2 && tables_[t] != nullptr; ++t) {
    const size_t b = BucketOf(h, bits_[t]);
    // An old bucket below rehash_idx_ has moved already: skip its (cold) slot.
    if (t == 0 && tables_[1] != nullptr && b < rehash_idx_) continue;
    for (const Node* n = tables_[t][b]; n != nullptr; n = n->chain_) {
      if (n->hash24_ == tag && n->member() == member) return n;
    }
  }
  return nullptr;
}

void ZSet::Insert(std::string_view member, double score) {
  uint64_t h = HashMember(member);
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindPath(score, member, update, rank);
  Node* x = NewNode(RandomLevel(), member, score, h);
  node_bytes_ += mem::UsableSize(x);
  ChainInsert(x, h);  // first: see the member table's comment in zset.h
  Link(x, update, rank);
}

void ZSet::UpdateScore(const Node* node, double score) {
  Node* x = const_cast<Node*>(node);
  Node* next = x->levels()[0].forward;
  // Redis's shortcut: the node keeps its place when the new score still sits strictly between
  // its neighbours' scores.
  if ((x->backward_ == nullptr || x->backward_->score_ < score) &&
      (next == nullptr || next->score_ > score)) {
    x->score_ = score;
    return;
  }
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindPath(x->score_, x->member(), update, nullptr);
  Unlink(x, update);
  x->score_ = score;
  FindPath(score, x->member(), update, rank);
  Link(x, update, rank);
}

void ZSet::EraseNode(const Node* node) {
  Node* x = const_cast<Node*>(node);
  Node* update[kMaxLevel];
  FindPath(x->score_, x->member(), update, nullptr);
  ChainRemove(x);
  Unlink(x, update);
  FreeNode(x);
  MaybeShrink();
}

bool ZSet::Erase(std::string_view member) {
  const Node* n = Find(member);
  if (n == nullptr) return false;
  EraseNode(n);
  return true;
}

const ZSet::Node* ZSet::AtRank(size_t rank0) const {
  if (rank0 >= length_) return nullptr;
  size_t rank = rank0 + 1;
  size_t traversed = 0;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr && traversed + x->levels()[i].span <= rank) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

size_t ZSet::RankOf(const Node* node) const {
  size_t rank = 0;
  const Node* x = header_;
  double score = node->score_;
  std::string_view member = node->member();
  for (int i = level_ - 1; i >= 0; --i) {
    const Node* f;
    while (
        (f = x->levels()[i].forward) != nullptr &&
        (f->score_ < score || (f->score_ == score && CompareMembers(f->member(), member) <= 0))) {
      rank += x->levels()[i].span;
      x = f;
    }
    if (x == node) return rank - 1;
  }
  return rank - 1;
}

const ZSet::Node* ZSet::FirstIn(const ZScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->score_) || !r.LteMax(First()->score_))
    return nullptr;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    const Node* f;
    while ((f = x->levels()[i].forward) != nullptr && !r.GteMin(f->score_)) x = f;
  }
  x = x->levels()[0].forward;
  return r.LteMax(x->score_) ? x : nullptr;
}

const ZSet::Node* ZSet::LastIn(const ZScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->score_) || !r.LteMax(First()->score_))
    return nullptr;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    const Node* f;
    while ((f = x->levels()[i].forward) != nullptr && r.LteMax(f->score_)) x = f;
  }
  return r.GteMin(x->score_) ? x : nullptr;
}

const ZSet::Node* ZSet::FirstIn(const ZLexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->member()) || !r.LteMax(First()->member()))
    return nullptr;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    const Node* f;
    while ((f = x->levels()[i].forward) != nullptr && !r.GteMin(f->member())) x = f;
  }
  x = x->levels()[0].forward;
  return r.LteMax(x->member()) ? x : nullptr;
}

const ZSet::Node* ZSet::LastIn(const ZLexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->member()) || !r.LteMax(First()->member()))
    return nullptr;
  const Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    const Node* f;
    while ((f = x->levels()[i].forward) != nullptr && r.LteMax(f->member())) x = f;
  }
  return r.GteMin(x->member()) ? x : nullptr;
}

template <typename Pred>
size_t ZSet::EraseWhile(Node* x, Node** update, Pred in_range) {
  size_t removed = 0;
  while (x != nullptr && in_range(x)) {
    Node* next = x->levels()[0].forward;
    ChainRemove(x);
    Unlink(x, update);
    FreeNode(x);
    ++removed;
    x = next;
  }
  if (removed > 0) {
    MaybeShrink();
    // Each removal is owed a rehash step, which the loop's ChainRemove calls took before a shrink
    // was due: a shrink this range started gets them now, so deleting most of a large set frees
    // its old array at once (in time proportional to what the command already did).
    if (rehashing() && Rehash(removed)) Rehash(removed);
  }
  return removed;
}

size_t ZSet::EraseRanks(size_t start0, size_t end0) {
  Node* update[kMaxLevel];
  size_t start = start0 + 1;
  size_t traversed = 0;
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr && traversed + x->levels()[i].span < start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  size_t count = end0 - start0 + 1;
  return EraseWhile(x->levels()[0].forward, update, [&count](const Node*) { return count-- > 0; });
}

size_t ZSet::EraseRange(const ZScoreRange& r) {
  Node* update[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    Node* f;
    while ((f = x->levels()[i].forward) != nullptr && !r.GteMin(f->score_)) x = f;
    update[i] = x;
  }
  return EraseWhile(x->levels()[0].forward, update,
                    [&r](const Node* n) { return r.LteMax(n->score_); });
}

size_t ZSet::EraseRange(const ZLexRange& r) {
  Node* update[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    Node* f;
    while ((f = x->levels()[i].forward) != nullptr && !r.GteMin(f->member())) x = f;
    update[i] = x;
  }
  return EraseWhile(x->levels()[0].forward, update,
                    [&r](const Node* n) { return r.LteMax(n->member()); });
}

uint64_t ZSet::Scan(uint64_t cursor, const std::function<void(const Node*)>& fn) const {
  if (tables_[0] == nullptr) return 0;
  PauseRehash pause(this);
  auto emit = [&fn](const Node* n) {
    for (; n != nullptr; n = n->chain_) fn(n);
  };
  // The cursor is the 32-bit hash prefix where the next bucket starts; bucket b of 2^bits covers
  // the prefixes [b << (32 - bits), (b + 1) << (32 - bits)). (Redis's reverse-binary cursor over
  // low-bit buckets is the same walk: its reversed cursor is this prefix.) A cursor from a table
  // of other size names the bucket holding its prefix, so a resize between calls skips nothing.
  const uint64_t prefix = cursor & 0xFFFFFFFFull;
  int small = 0;
  if (tables_[1] != nullptr) {
    // Rehashing (Redis's dictScan): the cursor's bucket in the smaller array, then every bucket of
    // the larger array that it splits into (the same prefixes), from the cursor's one on. An
    // element is in exactly one of the two arrays, under its own prefix either way.
    small = bits_[0] <= bits_[1] ? 0 : 1;
    const int large = 1 - small;
    const unsigned bs = bits_[small];
    const unsigned bl = bits_[large];
    const uint64_t s = prefix >> (32 - bs);
    emit(tables_[small][s]);
    for (uint64_t b = prefix >> (32 - bl); b < (s + 1) << (bl - bs); ++b) emit(tables_[large][b]);
  } else {
    emit(tables_[0][prefix >> (32 - bits_[0])]);
  }
  const unsigned bits = bits_[small];
  const uint64_t next = (prefix >> (32 - bits)) + 1;
  return next == (uint64_t{1} << bits) ? 0 : next << (32 - bits);
}

// ---------------------------------------------------------------------------------------------
// zlp

namespace zlp {

namespace {

std::string_view MemberAt(const uint8_t* eptr, char* scratch) { return lp::Get(eptr).Str(scratch); }

// Predicates of a range on one (member, score) pair.
bool GteMin(const ZScoreRange& r, const uint8_t*, const uint8_t* sptr) {
  return r.GteMin(ScoreAt(sptr));
}
bool LteMax(const ZScoreRange& r, const uint8_t*, const uint8_t* sptr) {
  return r.LteMax(ScoreAt(sptr));
}
bool GteMin(const ZLexRange& r, const uint8_t* eptr, const uint8_t*) {
  char buf[24];
  return r.GteMin(MemberAt(eptr, buf));
}
bool LteMax(const ZLexRange& r, const uint8_t* eptr, const uint8_t*) {
  char buf[24];
  return r.LteMax(MemberAt(eptr, buf));
}

// zzlIsInRange / zzlIsInLexRange: the range can hold elements of this listpack.
template <typename R>
bool MayHold(uint8_t* lp, const R& r) {
  if (r.Empty()) return false;
  uint8_t* last = lp::Last(lp);
  if (last == nullptr) return false;
  if (!GteMin(r, lp::Prev(lp, last), last)) return false;
  uint8_t* first = lp::First(lp);
  return LteMax(r, first, lp::Next(lp, first));
}

template <typename R>
void FindRangeT(uint8_t* lp, const R& r, size_t* start, size_t* count) {
  *start = 0;
  *count = 0;
  if (!MayHold(lp, r)) return;
  size_t idx = 0;
  uint8_t* eptr = lp::First(lp);
  while (eptr != nullptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    if (GteMin(r, eptr, sptr)) {
      *start = idx;
      while (eptr != nullptr && LteMax(r, eptr, lp::Next(lp, eptr))) {
        ++*count;
        eptr = lp::Next(lp, lp::Next(lp, eptr));
      }
      return;
    }
    eptr = lp::Next(lp, sptr);
    ++idx;
  }
}

// zzlLastInRange / zzlLastInLexRange: from the tail, the first pair within max, if within min.
template <typename R>
uint8_t* LastInT(uint8_t* lp, const R& r) {
  if (!MayHold(lp, r)) return nullptr;
  uint8_t* sptr = lp::Last(lp);
  while (sptr != nullptr) {
    uint8_t* eptr = lp::Prev(lp, sptr);
    if (LteMax(r, eptr, sptr)) return GteMin(r, eptr, sptr) ? eptr : nullptr;
    sptr = lp::Prev(lp, eptr);
  }
  return nullptr;
}

}  // namespace

uint32_t Length(const uint8_t* lp) { return lp::Length(lp) / 2; }

double ScoreAt(const uint8_t* sptr) {
  lp::Elem e = lp::Get(sptr);
  if (e.is_int) return static_cast<double>(e.ival);
  double d = 0;
  std::from_chars(e.sval.data(), e.sval.data() + e.sval.size(), d);
  return d;
}

std::string_view EncodeScore(double score, char* buf) {
  // double2ll's range: [-LLONG_MAX/2, LLONG_MAX/2] as doubles.
  if (score >= -4611686018427387904.0 && score <= 4611686018427387904.0) {
    auto v = static_cast<int64_t>(score);
    if (static_cast<double>(v) == score) return {buf, FormatInt64(v, buf)};
  }
  auto res = std::to_chars(buf, buf + kScoreBufSize, score);
  return {buf, static_cast<size_t>(res.ptr - buf)};
}

uint8_t* Find(uint8_t* lp, std::string_view member, double* score) {
  uint8_t* eptr = lp::First(lp);
  while (eptr != nullptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    if (lp::Eq(eptr, member)) {
      *score = ScoreAt(sptr);
      return eptr;
    }
    eptr = lp::Next(lp, sptr);
  }
  return nullptr;
}

uint8_t* Insert(uint8_t* lp, std::string_view member, double score) {
  char sbuf[kScoreBufSize];
  std::string_view s = EncodeScore(score, sbuf);
  char mbuf[24];
  uint8_t* eptr = lp::First(lp);
  while (eptr != nullptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    double cur = ScoreAt(sptr);
    if (cur > score || (cur == score && CompareMembers(MemberAt(eptr, mbuf), member) > 0)) {
      uint8_t* m = nullptr;
      lp = lp::Insert(lp, eptr, member, /*before=*/true, &m);
      return lp::Insert(lp, m, s, /*before=*/false, nullptr);
    }
    eptr = lp::Next(lp, sptr);
  }
  lp = lp::Append(lp, member);
  return lp::Append(lp, s);
}

uint8_t* Delete(uint8_t* lp, uint8_t* eptr) {
  uint8_t* sptr = nullptr;
  lp = lp::Delete(lp, eptr, &sptr);
  return lp::Delete(lp, sptr, nullptr);
}

uint8_t* DeleteRanks(uint8_t* lp, size_t start, size_t count) {
  return lp::DeleteRange(lp, static_cast<int64_t>(2 * start), static_cast<uint32_t>(2 * count));
}

void FindRange(uint8_t* lp, const ZScoreRange& r, size_t* start, size_t* count) {
  FindRangeT(lp, r, start, count);
}
void FindRange(uint8_t* lp, const ZLexRange& r, size_t* start, size_t* count) {
  FindRangeT(lp, r, start, count);
}

ZSet* ToZSet(const uint8_t* lp_in, bool* repeated) {
  auto* lp = const_cast<uint8_t*>(lp_in);
  auto* zs = new ZSet();
  char buf[24];
  if (repeated != nullptr) *repeated = false;
  for (uint8_t* eptr = lp::First(lp); eptr != nullptr;) {
    uint8_t* sptr = lp::Next(lp, eptr);
    std::string_view member = MemberAt(eptr, buf);
    if (zs->Find(member) == nullptr)
      zs->Insert(member, ScoreAt(sptr));
    else if (repeated != nullptr)
      *repeated = true;
    eptr = lp::Next(lp, sptr);
  }
  return zs;
}

uint8_t* FromZSet(const ZSet& zs) {
  uint8_t* lp = lp::New();
  char buf[kScoreBufSize];
  for (const ZSet::Node* n = zs.First(); n != nullptr; n = n->next()) {
    lp = lp::Append(lp, n->member());
    lp = lp::Append(lp, EncodeScore(n->score(), buf));
  }
  return lp;
}

}  // namespace zlp

// ---------------------------------------------------------------------------------------------
// ZIter / ZView

ZIter::ZIter(uint8_t* lp, uint8_t* eptr) : lp_(lp), eptr_(eptr) { Load(); }

ZIter::ZIter(const ZSet::Node* node) : node_(node) { Load(); }

ZIter::ZIter(const ZIter& o) : lp_(o.lp_), eptr_(o.eptr_), node_(o.node_) { Load(); }

ZIter& ZIter::operator=(const ZIter& o) {
  lp_ = o.lp_;
  eptr_ = o.eptr_;
  node_ = o.node_;
  Load();
  return *this;
}

void ZIter::Load() {
  if (node_ != nullptr) {
    member_ = node_->member();
    score_ = node_->score();
  } else if (eptr_ != nullptr) {
    member_ = lp::Get(eptr_).Str(buf_);
    score_ = zlp::ScoreAt(lp::Next(lp_, eptr_));
  }
}

std::string_view ZIter::member() const { return member_; }
double ZIter::score() const { return score_; }

void ZIter::Next() {
  if (node_ != nullptr) {
    node_ = node_->next();
  } else {
    eptr_ = lp::Next(lp_, lp::Next(lp_, eptr_));
  }
  Load();
}

void ZIter::Prev() {
  if (node_ != nullptr) {
    node_ = node_->prev();
  } else {
    uint8_t* sptr = lp::Prev(lp_, eptr_);
    eptr_ = sptr == nullptr ? nullptr : lp::Prev(lp_, sptr);
  }
  Load();
}

size_t ZView::size() const { return listpack() ? zlp::Length(lp()) : zs()->size(); }

bool ZView::Score(std::string_view member, double* score) const {
  if (listpack()) return zlp::Find(lp(), member, score) != nullptr;
  const ZSet::Node* n = zs()->Find(member);
  if (n == nullptr) return false;
  *score = n->score();
  return true;
}

bool ZView::Rank(std::string_view member, size_t* rank) const {
  if (listpack()) {
    size_t r = 0;
    uint8_t* l = lp();
    for (uint8_t* eptr = lp::First(l); eptr != nullptr; eptr = lp::Next(l, lp::Next(l, eptr))) {
      if (lp::Eq(eptr, member)) {
        *rank = r;
        return true;
      }
      ++r;
    }
    return false;
  }
  const ZSet::Node* n = zs()->Find(member);
  if (n == nullptr) return false;
  *rank = zs()->RankOf(n);
  return true;
}

ZIter ZView::AtRank(size_t rank) const {
  if (rank >= size()) return ZIter();
  if (listpack()) return ZIter(lp(), lp::Seek(lp(), static_cast<int64_t>(2 * rank)));
  return ZIter(zs()->AtRank(rank));
}

ZIter ZView::FirstIn(const ZScoreRange& r) const {
  if (!listpack()) return ZIter(zs()->FirstIn(r));
  size_t start, count;
  zlp::FindRange(lp(), r, &start, &count);
  return count == 0 ? ZIter() : AtRank(start);
}

ZIter ZView::FirstIn(const ZLexRange& r) const {
  if (!listpack()) return ZIter(zs()->FirstIn(r));
  size_t start, count;
  zlp::FindRange(lp(), r, &start, &count);
  return count == 0 ? ZIter() : AtRank(start);
}

ZIter ZView::LastIn(const ZScoreRange& r) const {
  if (!listpack()) return ZIter(zs()->LastIn(r));
  return ZIter(lp(), zlp::LastInT(lp(), r));
}

ZIter ZView::LastIn(const ZLexRange& r) const {
  if (!listpack()) return ZIter(zs()->LastIn(r));
  return ZIter(lp(), zlp::LastInT(lp(), r));
}

namespace {
// ZCOUNT/ZLEXCOUNT on a skiplist: from the first element in range to the end, less what follows
// the last element in range.
template <typename R>
size_t CountT(const ZSet& zs, const R& r) {
  const ZSet::Node* first = zs.FirstIn(r);
  if (first == nullptr) return 0;
  size_t count = zs.size() - zs.RankOf(first);
  const ZSet::Node* last = zs.LastIn(r);
  if (last != nullptr) count -= zs.size() - zs.RankOf(last) - 1;
  return count;
}
}  // namespace

size_t ZView::Count(const ZScoreRange& r) const {
  if (!listpack()) return CountT(*zs(), r);
  size_t start, count;
  zlp::FindRange(lp(), r, &start, &count);
  return count;
}

size_t ZView::Count(const ZLexRange& r) const {
  if (!listpack()) return CountT(*zs(), r);
  size_t start, count;
  zlp::FindRange(lp(), r, &start, &count);
  return count;
}

}  // namespace shoal
