// Unit tests for the sorted-set encodings (shard/zset.h): the skiplist + hash ZSet and the
// listpack helpers, driven by random operations against a std::set/std::map reference model; the
// ZSet member table also in the middle of incremental rehashes (two bucket arrays live).
#include "shard/zset.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "shard/alloc.h"
#include "shard/listpack.h"
#include "shard/pending_buckets.h"

namespace shoal {
namespace {

struct Key {
  double score;
  std::string member;
  bool operator<(const Key& o) const {
    if (score != o.score) return score < o.score;
    return CompareMembers(member, o.member) < 0;
  }
};

// The reference: ordered (score, member) pairs plus member -> score.
struct Model {
  std::set<Key> order;
  std::map<std::string, double> scores;

  void Set(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) order.erase(Key{it->second, m});
    scores[m] = s;
    order.insert(Key{s, m});
  }
  bool Erase(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return false;
    order.erase(Key{it->second, m});
    scores.erase(it);
    return true;
  }
  std::vector<Key> Vec() const { return {order.begin(), order.end()}; }
};

std::string RandomMember(std::mt19937_64& rng, int universe) {
  int v = static_cast<int>(rng() % universe);
  switch (rng() % 4) {
    case 0:
      return std::to_string(v);  // integer-looking: stored as an int in a listpack
    case 1:
      return "m" + std::to_string(v);
    case 2:
      return std::string(v % 5, 'a') + std::to_string(v);
    default:
      return std::string(1, static_cast<char>('a' + v % 26)) + std::string(v % 3, '\xff');
  }
}

double RandomScore(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return static_cast<double>(static_cast<int>(rng() % 7) - 3);  // many ties
    case 1:
      return static_cast<double>(rng() % 1000) / 8.0;
    case 2:
      return (rng() % 2 ? 1 : -1) * std::numeric_limits<double>::infinity();
    case 3:
      return std::ldexp(static_cast<double>(rng() % 1000) - 500, static_cast<int>(rng() % 200));
    default:
      return 0.0;
  }
}

ZScoreRange RandomScoreRange(std::mt19937_64& rng) {
  ZScoreRange r;
  r.min = RandomScore(rng);
  r.max = rng() % 4 == 0 ? r.min : RandomScore(rng);
  if (rng() % 3 == 0 && r.min > r.max) std::swap(r.min, r.max);
  r.minex = rng() % 3 == 0;
  r.maxex = rng() % 3 == 0;
  return r;
}

// Lex ranges are only meaningful when every score is equal; the callers use them on such sets.
ZLexRange RandomLexRange(std::mt19937_64& rng, std::string* a, std::string* b, int universe) {
  ZLexRange r;
  *a = RandomMember(rng, universe);
  *b = RandomMember(rng, universe);
  if (rng() % 2 && CompareMembers(*a, *b) > 0) std::swap(*a, *b);
  auto pick = [&rng](ZLexRange::Kind* kind, bool* ex, std::string_view* v, const std::string& s) {
    switch (rng() % 6) {
      case 0:
        *kind = ZLexRange::kMinusInf;
        *ex = true;
        return;
      case 1:
        *kind = ZLexRange::kPlusInf;
        *ex = true;
        return;
      default:
        *kind = ZLexRange::kValue;
        *ex = rng() % 2;
        *v = s;
    }
  };
  pick(&r.min_kind, &r.minex, &r.min, *a);
  pick(&r.max_kind, &r.maxex, &r.max, *b);
  return r;
}

// Reference answers for a range over a model: the elements whose predicate holds.
template <typename R, typename V>
std::vector<Key> InRange(const Model& m, const R& r, V value) {
  std::vector<Key> out;
  for (const Key& k : m.order)
    if (r.GteMin(value(k)) && r.LteMax(value(k))) out.push_back(k);
  return out;
}

std::vector<Key> Walk(ZIter it, bool reverse, const std::function<bool(const ZIter&)>& in) {
  std::vector<Key> out;
  while (it.valid() && in(it)) {
    out.push_back(Key{it.score(), std::string(it.member())});
    if (reverse)
      it.Prev();
    else
      it.Next();
  }
  return out;
}

bool SameKeys(const std::vector<Key>& a, const std::vector<Key>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].member != b[i].member) return false;
    if (std::memcmp(&a[i].score, &b[i].score, sizeof(double)) != 0 &&
        !(a[i].score == 0 && b[i].score == 0))
      return false;
  }
  return true;
}

std::vector<Key> All(const ZView& v) {
  return Walk(v.First(), false, [](const ZIter&) { return true; });
}

// Checks every read of ZView against the model.
void CheckView(const ZView& v, const Model& m, std::mt19937_64& rng, bool same_scores, int uni) {
  REQUIRE(v.size() == m.scores.size());
  std::vector<Key> ref = m.Vec();
  REQUIRE(SameKeys(All(v), ref));
  // Reverse walk from the last rank.
  if (!ref.empty()) {
    std::vector<Key> rev = Walk(v.AtRank(ref.size() - 1), true, [](const ZIter&) { return true; });
    std::reverse(rev.begin(), rev.end());
    REQUIRE(SameKeys(rev, ref));
  }
  for (int i = 0; i < 5 && !ref.empty(); ++i) {
    size_t r = rng() % ref.size();
    ZIter it = v.AtRank(r);
    REQUIRE(it.valid());
    REQUIRE(it.member() == ref[r].member);
    size_t rank = 0;
    REQUIRE(v.Rank(ref[r].member, &rank));
    REQUIRE(rank == r);
    double s = 0;
    REQUIRE(v.Score(ref[r].member, &s));
    REQUIRE(s == ref[r].score);
  }
  REQUIRE_FALSE(v.AtRank(ref.size()).valid());
  std::string absent = "absent-" + std::to_string(rng() % 10);
  size_t rank;
  double s;
  REQUIRE_FALSE(v.Rank(absent, &rank));
  REQUIRE_FALSE(v.Score(absent, &s));
  for (int i = 0; i < 4; ++i) {
    ZScoreRange r = RandomScoreRange(rng);
    auto score_of = [](const Key& k) { return k.score; };
    std::vector<Key> want = r.Empty() ? std::vector<Key>{} : InRange(m, r, score_of);
    auto fwd = Walk(v.FirstIn(r), false, [&r](const ZIter& it) { return r.LteMax(it.score()); });
    REQUIRE(SameKeys(fwd, want));
    auto bwd = Walk(v.LastIn(r), true, [&r](const ZIter& it) { return r.GteMin(it.score()); });
    std::reverse(bwd.begin(), bwd.end());
    REQUIRE(SameKeys(bwd, want));
    REQUIRE(v.Count(r) == want.size());
  }
  if (same_scores) {
    for (int i = 0; i < 4; ++i) {
      std::string a, b;
      ZLexRange r = RandomLexRange(rng, &a, &b, uni);
      auto member_of = [](const Key& k) { return std::string_view(k.member); };
      std::vector<Key> want = r.Empty() ? std::vector<Key>{} : InRange(m, r, member_of);
      auto fwd = Walk(v.FirstIn(r), false, [&r](const ZIter& it) { return r.LteMax(it.member()); });
      REQUIRE(SameKeys(fwd, want));
      auto bwd = Walk(v.LastIn(r), true, [&r](const ZIter& it) { return r.GteMin(it.member()); });
      std::reverse(bwd.begin(), bwd.end());
      REQUIRE(SameKeys(bwd, want));
      REQUIRE(v.Count(r) == want.size());
    }
  }
}

// One random mutation applied to both the model and a sorted set of either encoding.
struct Subject {
  bool listpack;
  uint8_t* lp = nullptr;
  ZSet* zs = nullptr;
  explicit Subject(bool use_lp) : listpack(use_lp) {
    if (use_lp)
      lp = lp::New();
    else
      zs = new ZSet();
  }
  ~Subject() {
    if (lp != nullptr) lp::Free(lp);
    delete zs;
  }
  ZView view() const {
    return listpack ? ZView(ObjEnc::kListPack, lp) : ZView(ObjEnc::kSkipList, zs);
  }
  bool Score(const std::string& m, double* s) { return view().Score(m, s); }
  void Set(const std::string& m, double s) {
    if (listpack) {
      double cur;
      uint8_t* e = zlp::Find(lp, m, &cur);
      if (e != nullptr) lp = zlp::Delete(lp, e);
      lp = zlp::Insert(lp, m, s);
      return;
    }
    const ZSet::Node* n = zs->Find(m);
    if (n != nullptr)
      zs->UpdateScore(n, s);
    else
      zs->Insert(m, s);
  }
  bool Erase(const std::string& m) {
    if (listpack) {
      double cur;
      uint8_t* e = zlp::Find(lp, m, &cur);
      if (e == nullptr) return false;
      lp = zlp::Delete(lp, e);
      return true;
    }
    return zs->Erase(m);
  }
};

void RunRandom(uint64_t seed, bool use_lp, int ops, int universe, bool same_scores) {
  std::mt19937_64 rng(seed);
  Model m;
  Subject z(use_lp);
  for (int op = 0; op < ops; ++op) {
    std::string member = RandomMember(rng, universe);
    double score = same_scores ? 1.0 : RandomScore(rng);
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        z.Set(member, score);
        m.Set(member, score);
        break;
      case 4:
      case 5:
        REQUIRE(z.Erase(member) == m.Erase(member));
        break;
      case 6: {  // delete a rank range
        if (m.order.empty()) break;
        size_t a = rng() % m.order.size(), b = rng() % m.order.size();
        if (a > b) std::swap(a, b);
        if (rng() % 2) b = a + rng() % 3;
        if (b >= m.order.size()) b = m.order.size() - 1;
        std::vector<Key> ref = m.Vec();
        size_t removed;
        if (use_lp) {
          z.lp = zlp::DeleteRanks(z.lp, a, b - a + 1);
          removed = b - a + 1;
        } else {
          removed = z.zs->EraseRanks(a, b);
        }
        REQUIRE(removed == b - a + 1);
        for (size_t i = a; i <= b; ++i) m.Erase(ref[i].member);
        break;
      }
      case 7: {  // delete a score range
        if (rng() % 3) break;
        ZScoreRange r = RandomScoreRange(rng);
        std::vector<Key> want = InRange(m, r, [](const Key& k) { return k.score; });
        size_t removed;
        if (use_lp) {
          size_t start, count;
          zlp::FindRange(z.lp, r, &start, &count);
          z.lp = zlp::DeleteRanks(z.lp, start, count);
          removed = count;
        } else {
          removed = z.zs->EraseRange(r);
        }
        REQUIRE(removed == want.size());
        for (const Key& k : want) m.Erase(k.member);
        break;
      }
      case 8: {  // delete a lex range
        if (!same_scores || rng() % 3) break;
        std::string a, b;
        ZLexRange r = RandomLexRange(rng, &a, &b, universe);
        std::vector<Key> want =
            InRange(m, r, [](const Key& k) { return std::string_view(k.member); });
        if (r.Empty()) want.clear();
        size_t removed;
        if (use_lp) {
          size_t start, count;
          zlp::FindRange(z.lp, r, &start, &count);
          z.lp = zlp::DeleteRanks(z.lp, start, count);
          removed = count;
        } else {
          removed = z.zs->EraseRange(r);
        }
        REQUIRE(removed == want.size());
        for (const Key& k : want) m.Erase(k.member);
        break;
      }
      default: {
        double s = 0;
        auto it = m.scores.find(member);
        bool found = z.Score(member, &s);
        REQUIRE(found == (it != m.scores.end()));
        if (found) REQUIRE(s == it->second);
      }
    }
    if (op % 25 == 24 || op == ops - 1) CheckView(z.view(), m, rng, same_scores, universe);
  }
}

TEST_CASE("skiplist matches the reference model over many seeds", "[zset]") {
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    int universe = seed % 3 == 0 ? 8 : (seed % 3 == 1 ? 60 : 400);
    RunRandom(seed, /*use_lp=*/false, 150, universe, /*same_scores=*/seed % 4 == 0);
  }
}

TEST_CASE("listpack encoding matches the reference model over many seeds", "[zset]") {
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    int universe = seed % 2 == 0 ? 8 : 60;
    RunRandom(seed * 7919, /*use_lp=*/true, 120, universe, /*same_scores=*/seed % 4 == 0);
  }
}

TEST_CASE("large skiplist: ranks, bucket growth and shrink", "[zset]") {
  ZSet zs;
  const int n = 20000;
  for (int i = 0; i < n; ++i) zs.Insert("member:" + std::to_string(i), (i * 7919) % n);
  REQUIRE(zs.size() == static_cast<size_t>(n));
  for (int r = 0; r < n; r += 97) {
    const ZSet::Node* node = zs.AtRank(r);
    REQUIRE(node != nullptr);
    REQUIRE(node->score() == r);  // scores are a permutation of 0..n-1
    REQUIRE(zs.RankOf(node) == static_cast<size_t>(r));
    REQUIRE(zs.Find(node->member()) == node);
  }
  size_t before = zs.MallocSize();
  REQUIRE(zs.EraseRanks(0, n - 11) == static_cast<size_t>(n - 10));
  REQUIRE(zs.size() == 10);
  REQUIRE(zs.MallocSize() < before / 100);
  double last = -1;
  for (const ZSet::Node* x = zs.First(); x != nullptr; x = x->next()) {
    REQUIRE(x->score() > last);
    REQUIRE(zs.Find(x->member()) == x);
    last = x->score();
  }
  REQUIRE(zs.Last()->score() == n - 1);
}

TEST_CASE("copy is deep and equal", "[zset]") {
  ZSet a;
  for (int i = 0; i < 300; ++i) a.Insert("k" + std::to_string(i), i % 17);
  ZSet b(a);
  a.Erase("k5");
  a.UpdateScore(a.Find("k6"), 1000);
  REQUIRE(b.size() == 300);
  REQUIRE(b.Find("k5") != nullptr);
  REQUIRE(b.Find("k6")->score() == 6);
  const ZSet::Node* x = a.First();
  size_t n = 0;
  for (const ZSet::Node* y = b.First(); y != nullptr; y = y->next()) ++n;
  REQUIRE(n == 300);
  REQUIRE(x != nullptr);
}

TEST_CASE("scan visits every element present for the whole scan", "[zset]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    ZSet zs;
    std::set<std::string> stable;
    for (int i = 0; i < 500; ++i) {
      std::string m = "s" + std::to_string(i);
      zs.Insert(m, i);
      stable.insert(m);
    }
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int churn = 0;
    do {
      cursor = zs.Scan(cursor, [&seen](const ZSet::Node* n) { seen.emplace(n->member()); });
      // Grow and shrink the table between steps with elements that come and go.
      if (churn >= 5000) continue;
      if (round % 2 == 0) {
        for (int k = 0; k < 50; ++k) zs.Insert("tmp" + std::to_string(churn++), -1);
      } else {
        for (int k = 0; k < 50; ++k) zs.Insert("tmp" + std::to_string(churn++), -1);
        for (int k = churn - 50; k < churn; ++k) zs.Erase("tmp" + std::to_string(k));
      }
    } while (cursor != 0);
    for (const std::string& m : stable) REQUIRE(seen.count(m) == 1);
  }
  ZSet empty;
  REQUIRE(empty.Scan(0, [](const ZSet::Node*) { FAIL("visited an element of an empty set"); }) ==
          0);
}

TEST_CASE("listpack scores round-trip and integers stay integers", "[zset]") {
  std::mt19937_64 rng(7);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                -1.0,
                                0.1,
                                0.1 + 0.2,
                                1e300,
                                -1e-300,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                4611686018427387904.0,
                                -4611686018427387904.0,
                                4611686018427387904.0 * 2,
                                9007199254740993.0,
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::max()};
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isnan(d)) values.push_back(d);
  }
  for (double d : values) {
    uint8_t* lp = lp::New();
    lp = zlp::Insert(lp, "m", d);
    double got = 0;
    REQUIRE(zlp::Find(lp, "m", &got) != nullptr);
    if (d == 0) {
      REQUIRE(got == 0);
      REQUIRE_FALSE(std::signbit(got));  // Redis stores -0 as the integer 0 in a listpack
    } else {
      REQUIRE(std::memcmp(&got, &d, sizeof d) == 0);
    }
    lp::Elem e = lp::Get(lp::Next(lp, lp::First(lp)));
    bool integral_in_range =
        std::fabs(d) <= 4611686018427387904.0 && d == static_cast<double>(static_cast<int64_t>(d));
    if (integral_in_range) REQUIRE(e.is_int);
    lp::Free(lp);
  }
}

TEST_CASE("encoding conversions keep order and scores", "[zset]") {
  uint8_t* lp = lp::New();
  std::mt19937_64 rng(3);
  Model m;
  for (int i = 0; i < 100; ++i) {
    std::string member = RandomMember(rng, 200);
    double s = RandomScore(rng);
    double cur;
    if (uint8_t* e = zlp::Find(lp, member, &cur)) lp = zlp::Delete(lp, e);
    lp = zlp::Insert(lp, member, s);
    m.Set(member, s == 0 ? 0.0 : s);
  }
  ZSet* zs = zlp::ToZSet(lp);
  REQUIRE(SameKeys(All(ZView(ObjEnc::kSkipList, zs)), m.Vec()));
  uint8_t* back = zlp::FromZSet(*zs);
  REQUIRE(lp::Bytes(back) == lp::Bytes(lp));
  REQUIRE(std::memcmp(back, lp, lp::Bytes(lp)) == 0);
  lp::Free(back);
  lp::Free(lp);
  delete zs;
}

TEST_CASE("lex range ends", "[zset]") {
  ZLexRange r;  // - +
  REQUIRE(r.GteMin(""));
  REQUIRE(r.LteMax("\xff\xff"));
  REQUIRE_FALSE(r.Empty());
  r.min_kind = ZLexRange::kPlusInf;  // "+" .. "+": equal ends, exclusive as the parser sets them
  r.minex = r.maxex = true;
  REQUIRE_FALSE(r.GteMin("zzz"));
  REQUIRE(r.Empty());
  ZLexRange v;
  v.min_kind = v.max_kind = ZLexRange::kValue;
  v.min = "b";
  v.max = "b";
  REQUIRE_FALSE(v.Empty());
  REQUIRE(v.GteMin("b"));
  REQUIRE(v.LteMax("b"));
  REQUIRE_FALSE(v.LteMax(std::string_view("b\0", 2)));
  v.maxex = true;
  REQUIRE(v.Empty());
  REQUIRE(CompareMembers("a", "ab") < 0);
  REQUIRE(CompareMembers("\xff", "a") > 0);
  REQUIRE(CompareMembers("", "") == 0);
}

// ---------------------------------------------------------------------------------------------
// Incremental rehashing of the member table

// Small arrays zeroed step by step (the default: only past 8192 buckets), for the scope.
struct SmallZeroing {
  SmallZeroing(size_t sync_buckets, size_t chunk_buckets) {
    pending_buckets::SetZeroingForTests(sync_buckets, chunk_buckets);
  }
  ~SmallZeroing() { pending_buckets::SetZeroingForTests(0, 0); }
  SmallZeroing(const SmallZeroing&) = delete;
  SmallZeroing& operator=(const SmallZeroing&) = delete;
};

// Every element in rank order must be what Find returns for its member, and the set must hold
// exactly the model's members with the model's scores.
void CheckMembers(const ZSet& zs, const std::unordered_map<std::string, double>& model) {
  REQUIRE(zs.size() == model.size());
  size_t n = 0;
  for (const ZSet::Node* x = zs.First(); x != nullptr; x = x->next(), ++n) {
    auto it = model.find(std::string(x->member()));
    REQUIRE(it != model.end());
    REQUIRE(x->score() == it->second);
    REQUIRE(zs.Find(x->member()) == x);
  }
  REQUIRE(n == model.size());
}

// A whole scan of a set that does not change meanwhile: member -> times seen.
std::unordered_map<std::string, int> FullScan(const ZSet& zs) {
  std::unordered_map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = zs.Scan(cursor, [&seen](const ZSet::Node* n) { ++seen[std::string(n->member())]; });
  } while (cursor != 0);
  return seen;
}

// Takes rehash steps through lookups of a member that is never present.
void FinishRehash(const ZSet& zs) {
  while (zs.rehashing()) REQUIRE(zs.Find("\x01never a member") == nullptr);
}

TEST_CASE("ZSet incremental rehash: model test across many grows and shrinks", "[zset]") {
#ifdef SHOAL_SYSTEM_MALLOC
  constexpr uint32_t kSeeds = 6;
#else
  constexpr uint32_t kSeeds = 24;
#endif
  size_t grows = 0, shrinks = 0, ops_mid_rehash = 0, ops_zeroing = 0, steps_api = 0;
  size_t range_erases = 0;
  for (uint32_t seed = 0; seed < kSeeds; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    // Odd seeds: new arrays past 16 buckets are zeroed 4 buckets per step before use.
    std::unique_ptr<SmallZeroing> zeroing;
    if (seed % 2 == 1) zeroing = std::make_unique<SmallZeroing>(16, 4);
    // Every mem:: call of this thread counts into Unowned(): the set's blocks (header, nodes,
    // bucket arrays) are the only ones here, so they must add up to its MallocSize (less the
    // ZSet object itself, from operator new) at every step.
    const int64_t base = mem::Unowned();
    auto* zs = new ZSet;
    std::unordered_map<std::string, double> model;
    std::vector<std::string> members;  // the model's keys, for picking present ones
    std::unordered_map<std::string, size_t> index;
    auto model_add = [&](const std::string& m, double s) {
      model[m] = s;
      index[m] = members.size();
      members.push_back(m);
    };
    auto model_erase = [&](const std::string& m) {
      const size_t i = index.at(m);
      index[members.back()] = i;
      std::swap(members[i], members.back());
      members.pop_back();
      index.erase(m);
      model.erase(m);
    };
    const size_t universe = 5000;
    size_t target = 0;
    size_t last_buckets = 0;
    bool was_rehashing = false;
    for (int op = 0; op < 30000; ++op) {
      if (op % 2000 == 0) target = rng() % 2 == 0 ? rng() % 30 : rng() % universe;
      const bool grow = model.size() < target;
      const std::string member = !grow && !members.empty() && rng() % 4 != 0
                                     ? members[rng() % members.size()]
                                     : "m" + std::to_string(rng() % universe);
      const double score = static_cast<double>(rng() % 64);
      const unsigned kind = rng() % 20;
      if (kind < (grow ? 9u : 2u)) {  // ZADD
        if (const ZSet::Node* n = zs->Find(member)) {
          zs->UpdateScore(n, score);
          model[member] = score;
          REQUIRE(zs->Find(member) == n);
        } else {
          REQUIRE(model.count(member) == 0);
          zs->Insert(member, score);
          model_add(member, score);
        }
      } else if (kind < 14) {  // ZREM
        REQUIRE(zs->Erase(member) == (model.count(member) == 1));
        if (model.count(member) == 1) model_erase(member);
      } else if (kind < 15 && !model.empty()) {  // ZREMRANGEBYRANK of a few elements
        const size_t start = rng() % model.size();
        const size_t end = std::min(model.size() - 1, start + rng() % 4);
        std::vector<std::string> gone;
        for (const ZSet::Node* x = zs->AtRank(start); gone.size() < end - start + 1; x = x->next())
          gone.emplace_back(x->member());
        REQUIRE(zs->EraseRanks(start, end) == end - start + 1);
        for (const std::string& m : gone) model_erase(m);
        ++range_erases;
      } else if (kind < 19) {  // ZSCORE
        const ZSet::Node* n = zs->Find(member);
        auto it = model.find(member);
        REQUIRE((n != nullptr) == (it != model.end()));
        if (n != nullptr) {
          REQUIRE(n->member() == member);
          REQUIRE(n->score() == it->second);
        }
      } else {
        const bool was = zs->rehashing();
        const bool more = zs->RehashSteps(rng() % 3);
        if (was) ++steps_api;
        REQUIRE(more == zs->rehashing());
      }
      REQUIRE(zs->size() == model.size());
      REQUIRE(static_cast<int64_t>(zs->MallocSize() - sizeof(ZSet)) == mem::Unowned() - base);
      if (zs->rehashing()) {
        ++ops_mid_rehash;
        if (zs->zeroing()) ++ops_zeroing;
        if (!was_rehashing) {
          // A grow doubles (B -> B + 2B buckets live), a shrink at least quarters.
          if (zs->bucket_count() > 2 * last_buckets)
            ++grows;
          else
            ++shrinks;
        }
        if (op % 61 == 0) {
          CheckMembers(*zs, model);
          // Scan of a set that does not change between calls: each element exactly once, also
          // with two arrays live.
          const auto seen = FullScan(*zs);
          REQUIRE(seen.size() == model.size());
          for (const auto& [m, n] : seen) REQUIRE(n == 1);
        }
      } else if (op % 499 == 0) {
        CheckMembers(*zs, model);
      }
      last_buckets = zs->bucket_count();
      was_rehashing = zs->rehashing();
    }
    CheckMembers(*zs, model);
    delete zs;
    REQUIRE(mem::Unowned() == base);
  }
  // The operations did run in the middle of both kinds of resize.
  INFO("grows " << grows << ", shrinks " << shrinks << ", ops mid-rehash " << ops_mid_rehash);
  REQUIRE(grows > 10 * kSeeds);
  REQUIRE(shrinks > 2 * kSeeds);
  REQUIRE(ops_mid_rehash > 400 * kSeeds);
  REQUIRE(ops_zeroing > 100 * kSeeds);
  REQUIRE(steps_api > 10 * kSeeds);
  REQUIRE(range_erases > 100 * kSeeds);
}

TEST_CASE("ZSet scan returns every stable element across grows, shrinks and rehash steps",
          "[zset]") {
#ifdef SHOAL_SYSTEM_MALLOC
  constexpr uint32_t kSeeds = 50;
#else
  constexpr uint32_t kSeeds = 200;
#endif
  size_t calls_mid_rehash = 0;
  for (uint32_t seed = 0; seed < kSeeds; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    std::unique_ptr<SmallZeroing> zeroing;
    if (seed % 3 == 2) zeroing = std::make_unique<SmallZeroing>(16, 4);
    ZSet zs;
    std::unordered_set<std::string> stable;
    const size_t n_stable = 1 + rng() % 100;
    for (size_t i = 0; i < n_stable; ++i) {
      stable.insert("s" + std::to_string(i));
      zs.Insert("s" + std::to_string(i), static_cast<double>(i));
    }
    std::vector<std::string> temp;
    size_t next_temp = 0;
    std::unordered_set<std::string> seen;
    uint64_t cursor = 0;
    do {
      if (zs.rehashing()) ++calls_mid_rehash;
      cursor = zs.Scan(cursor, [&](const ZSet::Node* n) {
        seen.emplace(n->member());
        // A visitor may look members up: no rehash step runs under the scan.
        REQUIRE(zs.Find(n->member()) == n);
      });
      switch (rng() % 5) {
        case 0: {  // grow: several doublings at once
          const size_t add = zs.size() > 4000 ? 0 : rng() % (4 * zs.size() + 8);
          for (size_t i = 0; i < add; ++i) {
            temp.push_back("t" + std::to_string(next_temp++));
            zs.Insert(temp.back(), -1);
          }
          break;
        }
        case 1:  // shrink: drop almost every temporary element
          while (temp.size() > rng() % 3) {
            REQUIRE(zs.Erase(temp.back()));
            temp.pop_back();
          }
          break;
        case 2:
          zs.RehashSteps(rng() % 4);
          break;
        default:
          break;
      }
    } while (cursor != 0);
    for (const std::string& m : stable) {
      INFO(m);
      REQUIRE(seen.count(m) == 1);
    }
  }
  REQUIRE(calls_mid_rehash > 10 * kSeeds);
}

TEST_CASE("ZSet copy mid-rehash is deep, equal and accounted", "[zset]") {
  // Copies taken in every phase of a grow and of a shrink: while a new array is zeroed, while
  // buckets move, and after.
  SmallZeroing zeroing(16, 4);
  const int64_t base = mem::Unowned();
  auto* zs = new ZSet;
  std::unordered_map<std::string, double> model;
  int next = 0;
  size_t copies_mid_rehash = 0;
  auto check_copy = [&]() {
    const bool mid = zs->rehashing();
    const int64_t before = mem::Unowned();
    const size_t source_bytes = zs->MallocSize();
    auto* copy = new ZSet(*zs);
    if (mid) ++copies_mid_rehash;
    REQUIRE(static_cast<int64_t>(copy->MallocSize() - sizeof(ZSet)) == mem::Unowned() - before);
    CheckMembers(*copy, model);
    REQUIRE(zs->rehashing() == mid);  // copying takes no step of the source
    // Independent: changing the copy leaves the source alone, and the other way round.
    if (!model.empty()) {
      const std::string victim = std::string(zs->First()->member());
      REQUIRE(copy->Erase(victim));
      REQUIRE(zs->Find(victim) != nullptr);
    }
    copy->Insert("only-in-copy", 1);
    REQUIRE(zs->Find("only-in-copy") == nullptr);
    delete copy;
    // Every byte of the copy is back; the source's lookups took rehash steps, which may have
    // freed an old array of its own.
    REQUIRE(mem::Unowned() - before ==
            static_cast<int64_t>(zs->MallocSize()) - static_cast<int64_t>(source_bytes));
  };
  for (int round = 0; round < 3; ++round) {
    while (model.size() < 600) {
      const std::string m = "k" + std::to_string(next++);
      zs->Insert(m, next % 17);
      model[m] = next % 17;
      if (next % 7 == 0) check_copy();
    }
    while (model.size() > 5) {
      const std::string m = std::string(zs->Last()->member());
      REQUIRE(zs->Erase(m));
      model.erase(m);
      if (model.size() % 7 == 0) check_copy();
    }
  }
  REQUIRE(copies_mid_rehash > 50);
  REQUIRE(static_cast<int64_t>(zs->MallocSize() - sizeof(ZSet)) == mem::Unowned() - base);
  delete zs;
  REQUIRE(mem::Unowned() == base);
}

TEST_CASE("ZSet lookups finish a resize one bucket each; nodes stay put", "[zset]") {
  ZSet zs;
  int next = 0;
  // Grow until the rehash of a 4096-bucket table into 8192 has just started.
  while (zs.bucket_count() != 4096 + 8192) {
    zs.Insert("k" + std::to_string(next), next);
    ++next;
  }
  REQUIRE(zs.rehashing());
  const ZSet::Node* k1 = zs.Find("k1");
  REQUIRE(k1 != nullptr);
  const std::string_view view = k1->member();
  const int64_t before = mem::Unowned();
  const size_t size_before = zs.MallocSize();
  int lookups = 0;
  while (zs.rehashing()) {
    // No lookup allocates: the bytes held never go up (they drop when the old array is freed).
    REQUIRE(mem::Unowned() <= before);
    REQUIRE(zs.Find("k" + std::to_string(lookups % next)) != nullptr);
    ++lookups;
  }
  // About 63% of 4096 buckets hold elements at load factor 1 and a step moves at most one.
  REQUIRE(lookups > 2000);
  REQUIRE(lookups <= 4096);
  REQUIRE(zs.bucket_count() == 8192);
  REQUIRE(zs.MallocSize() < size_before);
  REQUIRE(zs.Find("k1") == k1);  // relinked, not moved
  REQUIRE(view == "k1");
  REQUIRE(zs.size() == static_cast<size_t>(next));
  for (int i = 0; i < next; ++i) REQUIRE(zs.Find("k" + std::to_string(i))->score() == i);
}

TEST_CASE("ZSet large new arrays are zeroed step by step, then filled", "[zset]") {
  // Defaults: the 32768-bucket array (256 KB) of the grow past 16384 elements is zeroed 2048
  // buckets per step (16 steps), then the 16384 old buckets move one per step.
  ZSet zs;
  int next = 0;
  while (zs.bucket_count() != 16384 + 32768) zs.Insert("k" + std::to_string(next++), 0);
  REQUIRE(zs.rehashing());
  REQUIRE(zs.zeroing());
  REQUIRE(zs.MallocSize() >= 8 * (16384 + 32768));
  const int64_t before = mem::Unowned();
  int lookups = 0;
  while (zs.rehashing()) {
    REQUIRE(mem::Unowned() <= before);
    REQUIRE(zs.zeroing() == (lookups < 16));  // 16 chunks of 2048 buckets, then the moves
    REQUIRE(zs.Find("k" + std::to_string(lookups % next)) != nullptr);
    ++lookups;
  }
  REQUIRE(lookups > 16 + 8000);
  REQUIRE(lookups <= 16 + 16384);
  REQUIRE(zs.bucket_count() == 32768);
  for (int i = 0; i < next; ++i) REQUIRE(zs.Find("k" + std::to_string(i)) != nullptr);
}

TEST_CASE("ZSet shrinks: one step per removal, a range removal frees the old array", "[zset]") {
  ZSet zs;
  for (int i = 0; i < 3000; ++i) zs.Insert("k" + std::to_string(i), i);
  FinishRehash(zs);
  REQUIRE(zs.bucket_count() == 4096);
  // ZREM down to below 1/8 full: a shrink to 2 * 511 -> 1024 buckets starts and moves a bucket
  // per later removal or lookup, so two arrays stay live for a while.
  int i = 0;
  while (!zs.rehashing()) REQUIRE(zs.Erase("k" + std::to_string(i++)));
  REQUIRE(zs.size() == 511);
  REQUIRE(zs.bucket_count() == 4096 + 1024);
  REQUIRE(zs.Erase("k" + std::to_string(i++)));
  REQUIRE(zs.rehashing());  // one removal is one step
  FinishRehash(zs);
  REQUIRE(zs.bucket_count() == 1024);
  // A range deletion of most elements finishes the shrink it starts in the same call.
  REQUIRE(zs.EraseRanks(0, zs.size() - 4) == 507);
  REQUIRE_FALSE(zs.rehashing());
  REQUIRE(zs.bucket_count() == 8);
  for (const ZSet::Node* x = zs.First(); x != nullptr; x = x->next())
    REQUIRE(zs.Find(x->member()) == x);
  // Emptied: no array at all.
  REQUIRE(zs.EraseRanks(0, 2) == 3);
  REQUIRE(zs.bucket_count() == 0);
  REQUIRE(zs.Find("k2999") == nullptr);
  zs.Insert("again", 1);
  REQUIRE(zs.bucket_count() == 4);
  REQUIRE(zs.Find("again")->score() == 1);
}

}  // namespace
}  // namespace shoal
