// Unit tests for streams (shard/stream.h): ID parsing and formatting, the node encoding in
// Redis's layout (master entry, SAMEFIELDS, DELETED flags, lp-count), iteration both ways, and a
// property test of random XADD/XDEL/XTRIM sequences under random node limits against a std::map
// model.
#include "shard/stream.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "shard/listpack.h"

namespace shoal {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Model = std::map<StreamID, Fields>;

int64_t Int(const uint8_t* p) {
  lp::Elem e = lp::Get(p);
  REQUIRE(e.is_int);
  return e.ival;
}

StreamID Add(Stream& s, const Fields& f, const StreamID* id, const StreamNodeLimits& lim,
             Stream::AppendResult want = Stream::AppendResult::kOk, bool seq_given = true) {
  std::vector<std::string_view> fv;
  for (const auto& [k, v] : f) {
    fv.push_back(k);
    fv.push_back(v);
  }
  StreamID added;
  REQUIRE(s.Append(fv, id, seq_given, 1000, lim, &added) == want);
  return added;
}

std::vector<std::pair<StreamID, Fields>> Range(Stream& s, StreamID a, StreamID b, bool rev) {
  std::vector<std::pair<StreamID, Fields>> out;
  Stream::Iterator it(s, a, b, rev);
  StreamID id;
  int64_t nf;
  while (it.Next(&id, &nf)) {
    Fields f;
    while (nf--) {
      std::string_view k, v;
      it.Field(&k, &v);
      f.emplace_back(std::string(k), std::string(v));
    }
    out.emplace_back(id, std::move(f));
  }
  return out;
}

std::vector<std::pair<StreamID, Fields>> ModelRange(const Model& m, StreamID a, StreamID b,
                                                    bool rev) {
  std::vector<std::pair<StreamID, Fields>> out;
  if (a > b) return out;
  for (auto it = m.lower_bound(a); it != m.end() && it->first <= b; ++it) out.push_back(*it);
  if (rev) std::reverse(out.begin(), out.end());
  return out;
}

// Walks every node's raw listpack and checks the layout invariants.
void CheckNodes(const Stream& s, const StreamNodeLimits& lim) {
  uint64_t live_total = 0;
  for (const auto& [master, node] : s.nodes()) {
    uint8_t* lp = node;
    uint8_t* p = lp::First(lp);
    int64_t count = Int(p);
    p = lp::Next(lp, p);
    int64_t deleted = Int(p);
    p = lp::Next(lp, p);
    int64_t nmaster = Int(p);
    std::vector<std::string> master_fields;
    char buf[24];
    for (int64_t i = 0; i < nmaster; i++) {
      p = lp::Next(lp, p);
      master_fields.emplace_back(lp::Get(p).Str(buf));
    }
    p = lp::Next(lp, p);
    REQUIRE(Int(p) == 0);
    REQUIRE(count > 0);
    int64_t live = 0, dead = 0, total = 0;
    bool first = true;
    for (p = lp::Next(lp, p); p != nullptr; p = lp::Next(lp, p)) {
      int64_t flags = Int(p);
      p = lp::Next(lp, p);
      int64_t ms = Int(p);
      p = lp::Next(lp, p);
      int64_t seq = Int(p);
      if (first) {
        REQUIRE(ms == 0);
        REQUIRE(seq == 0);
        REQUIRE((flags & kStreamItemSameFields));
        first = false;
      }
      int64_t nf = nmaster;
      int64_t elems = 3;
      if (!(flags & kStreamItemSameFields)) {
        p = lp::Next(lp, p);
        nf = Int(p);
        elems += 1 + 2 * nf;
      } else {
        elems += nf;
      }
      for (int64_t i = 0; i < elems - 3 - ((flags & kStreamItemSameFields) ? 0 : 1); i++)
        p = lp::Next(lp, p);
      p = lp::Next(lp, p);
      REQUIRE(Int(p) == elems);
      (flags & kStreamItemDeleted) ? ++dead : ++live;
      ++total;
    }
    REQUIRE(live == count);
    REQUIRE(dead == deleted);
    if (lim.max_entries > 0) REQUIRE(total <= lim.max_entries);
    live_total += static_cast<uint64_t>(live);
  }
  REQUIRE(live_total == s.length());
}

void CheckAgainst(Stream& s, const Model& m, const StreamNodeLimits& lim, std::mt19937_64& rng) {
  REQUIRE(s.length() == m.size());
  CheckNodes(s, lim);
  if (m.empty()) {
    REQUIRE(s.first_id() == StreamID::Min());
  } else {
    REQUIRE(s.first_id() == m.begin()->first);
    REQUIRE(s.last_id() >= m.rbegin()->first);
    REQUIRE(s.EdgeID(true, true) == m.begin()->first);
    REQUIRE(s.EdgeID(false, true) == m.rbegin()->first);
  }
  REQUIRE(Range(s, StreamID::Min(), StreamID::Max(), false) ==
          ModelRange(m, StreamID::Min(), StreamID::Max(), false));
  REQUIRE(Range(s, StreamID::Min(), StreamID::Max(), true) ==
          ModelRange(m, StreamID::Min(), StreamID::Max(), true));
  for (int k = 0; k < 3; k++) {
    uint64_t hi = s.last_id().ms + 2;
    StreamID a{rng() % hi, rng() % 4};
    StreamID b{rng() % hi, rng() % 4};
    bool rev = rng() & 1;
    REQUIRE(Range(s, a, b, rev) == ModelRange(m, a, b, rev));
  }
}

}  // namespace

TEST_CASE("stream IDs parse and format as Redis's", "[stream]") {
  StreamID id;
  REQUIRE(ParseStreamID("1-2", &id, 0, true));
  REQUIRE(id == StreamID{1, 2});
  REQUIRE(ParseStreamID("5", &id, 7, true));
  REQUIRE(id == StreamID{5, 7});
  REQUIRE(ParseStreamID("-", &id, 0, false));
  REQUIRE(id == StreamID::Min());
  REQUIRE(ParseStreamID("+", &id, 0, false));
  REQUIRE(id == StreamID::Max());
  REQUIRE_FALSE(ParseStreamID("-", &id, 0, true));
  REQUIRE_FALSE(ParseStreamID("+", &id, 0, true));
  REQUIRE_FALSE(ParseStreamID("", &id, 0, false));
  REQUIRE_FALSE(ParseStreamID("1-", &id, 0, false));
  REQUIRE_FALSE(ParseStreamID("a-1", &id, 0, false));
  REQUIRE_FALSE(ParseStreamID("1-2-3", &id, 0, false));
  REQUIRE(ParseStreamID("18446744073709551615-18446744073709551615", &id, 0, true));
  REQUIRE(id == StreamID::Max());
  REQUIRE_FALSE(ParseStreamID("18446744073709551616", &id, 0, true));
  bool seq_given = true;
  REQUIRE(ParseStreamID("3-*", &id, 0, true, &seq_given));
  REQUIRE_FALSE(seq_given);
  REQUIRE(id.ms == 3);
  REQUIRE_FALSE(ParseStreamID("3-*", &id, 0, true));
  REQUIRE(StreamIDString({12, 34}) == "12-34");
  char be[16];
  EncodeStreamIDBE({0x0102030405060708ull, 9}, be);
  REQUIRE(be[0] == 1);
  REQUIRE(be[7] == 8);
  REQUIRE(be[15] == 9);
  REQUIRE(DecodeStreamIDBE(be) == StreamID{0x0102030405060708ull, 9});
  StreamID m = StreamID::Max();
  REQUIRE_FALSE(StreamIDIncr(&m));
  REQUIRE(m == StreamID::Min());
  REQUIRE_FALSE(StreamIDDecr(&m));
  REQUIRE(m == StreamID::Max());
}

TEST_CASE("stream append generates and validates IDs", "[stream]") {
  StreamNodeLimits lim;
  Stream s;
  StreamID id = Add(s, {{"a", "1"}}, nullptr, lim);
  REQUIRE(id == StreamID{1000, 0});
  REQUIRE(Add(s, {{"a", "2"}}, nullptr, lim) == StreamID{1000, 1});
  StreamID small{5, 0};
  Add(s, {{"a", "x"}}, &small, lim, Stream::AppendResult::kIdTooSmall);
  StreamID same_ms{1000, 0};
  REQUIRE(Add(s, {{"a", "3"}}, &same_ms, lim, Stream::AppendResult::kOk, false) ==
          StreamID{1000, 2});
  StreamID later{2000, 0};
  REQUIRE(Add(s, {{"a", "4"}}, &later, lim, Stream::AppendResult::kOk, false) == StreamID{2000, 0});
  REQUIRE(s.length() == 4);
  REQUIRE(s.entries_added() == 4);
  REQUIRE(s.first_id() == StreamID{1000, 0});
  REQUIRE(s.last_id() == StreamID{2000, 0});
}

TEST_CASE("stream nodes use Redis's layout", "[stream]") {
  StreamNodeLimits lim{4096, 3};
  Stream s;
  StreamID ids[5] = {{1, 0}, {1, 1}, {2, 0}, {3, 5}, {4, 0}};
  Add(s, {{"f", "v"}, {"g", "100"}}, &ids[0], lim);
  Add(s, {{"f", "w"}, {"g", "x"}}, &ids[1], lim);   // SAMEFIELDS
  Add(s, {{"other", "y"}}, &ids[2], lim);           // own fields
  Add(s, {{"f", "z"}, {"g", "-7"}}, &ids[3], lim);  // new node (3 entries per node)
  REQUIRE(s.nodes().size() == 2);
  uint8_t* lp = s.nodes().begin()->second;
  // master: count 3, deleted 0, 2 fields f g, 0; entries:
  // [2 0 0 v 100 5] [2 0 1 w x 5] [0 1 0 1 other y 6]
  std::vector<std::string> want = {"3", "0",   "2", "f", "g",     "0", "2", "0", "0",
                                   "v", "100", "5", "2", "0",     "1", "w", "x", "5",
                                   "0", "1",   "0", "1", "other", "y", "6"};
  std::vector<std::string> got;
  char buf[24];
  for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p))
    got.emplace_back(lp::Get(p).Str(buf));
  REQUIRE(got == want);
  REQUIRE(s.nodes().rbegin()->first == StreamID{3, 5});
  // Delete flags and counts.
  REQUIRE(s.Delete({1, 1}));
  REQUIRE_FALSE(s.Delete({1, 1}));
  lp = s.nodes().begin()->second;
  REQUIRE(Int(lp::First(lp)) == 2);
  REQUIRE(Int(lp::Next(lp, lp::First(lp))) == 1);
  REQUIRE(Int(lp::Seek(lp, 12)) == (kStreamItemSameFields | kStreamItemDeleted));
  REQUIRE(s.max_deleted_entry_id() == StreamID{1, 1});
  REQUIRE(s.length() == 3);
  // Deleting the node's last live entries frees it.
  REQUIRE(s.Delete({1, 0}));
  REQUIRE(s.first_id() == StreamID{2, 0});
  REQUIRE(s.Delete({2, 0}));
  REQUIRE(s.nodes().size() == 1);
  REQUIRE(s.first_id() == StreamID{3, 5});
  // Rebuilding from the nodes' Redis layout gives the same bytes back.
  std::string redis;
  lp::AppendRedisLayout(s.nodes().begin()->second, &redis);
  REQUIRE(redis.size() == lp::Bytes(s.nodes().begin()->second) - 2);
}

TEST_CASE("stream range tombstones and first-ever distance", "[stream]") {
  StreamNodeLimits lim;
  Stream s;
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({5, 0}) == 0);
  for (uint64_t i = 1; i <= 5; i++) {
    StreamID id{i, 0};
    Add(s, {{"a", "b"}}, &id, lim);
  }
  REQUIRE_FALSE(s.RangeHasTombstones(nullptr, nullptr));
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({5, 0}) == 5);
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({1, 0}) == 1);
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({0, 5}) == 0);
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({3, 0}) == kStreamInvalidEntriesRead);
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({6, 0}) == kStreamInvalidEntriesRead);
  s.Delete({3, 0});
  StreamID a{2, 0}, b{4, 0}, c{3, 1};
  REQUIRE(s.RangeHasTombstones(&a, &b));
  REQUIRE_FALSE(s.RangeHasTombstones(&c, nullptr));
  REQUIRE(s.EstimateDistanceFromFirstEverEntry({0, 1}) == kStreamInvalidEntriesRead);
}

TEST_CASE("stream trims exactly and approximately", "[stream]") {
  StreamNodeLimits lim{4096, 10};
  Stream s;
  for (uint64_t i = 1; i <= 35; i++) {
    StreamID id{i, 0};
    Add(s, {{"a", std::to_string(i)}}, &id, lim);
  }
  StreamTrimArgs approx{StreamTrimArgs::kMaxLen, true, 0, 22, {}};
  REQUIRE(s.Trim(approx) == 10);  // only whole nodes: 35 -> 25
  REQUIRE(s.length() == 25);
  REQUIRE(s.first_id() == StreamID{11, 0});
  StreamTrimArgs exact{StreamTrimArgs::kMaxLen, false, 0, 22, {}};
  REQUIRE(s.Trim(exact) == 3);
  REQUIRE(s.first_id() == StreamID{14, 0});
  StreamTrimArgs minid{StreamTrimArgs::kMinId, false, 0, 0, {30, 0}};
  REQUIRE(s.Trim(minid) == 16);  // 14..29 go, through two nodes (one flagged, one freed)
  REQUIRE(s.first_id() == StreamID{30, 0});
  StreamTrimArgs approx_min{StreamTrimArgs::kMinId, true, 0, 0, {35, 0}};
  REQUIRE(s.Trim(approx_min) == 1);  // the node 21..30 holds only 30 live: it goes whole
  REQUIRE(s.first_id() == StreamID{31, 0});
}

TEST_CASE("stream random operations match a model", "[stream]") {
  std::mt19937_64 rng(Catch::rngSeed() + 16);
  for (int round = 0; round < 40; round++) {
    StreamNodeLimits lim;
    lim.max_entries = static_cast<int64_t>(rng() % 8);  // 0: no entry limit
    lim.max_bytes = (rng() % 3 == 0) ? 0 : 40 + rng() % 300;
    Stream s;
    Model m;
    uint64_t now = 1;
    const char* names[] = {"a", "b", "c", "123", "-5"};
    for (int step = 0; step < 300; step++) {
      int op = static_cast<int>(rng() % 10);
      if (op < 5 || m.empty()) {
        Fields f;
        int nf = 1 + static_cast<int>(rng() % 3);
        bool same = rng() % 3 != 0;
        for (int i = 0; i < nf; i++)
          f.emplace_back(same ? names[i] : names[rng() % 5],
                         std::to_string(static_cast<int64_t>(rng() % 2000) - 1000) +
                             std::string(rng() % 3 == 0 ? rng() % 20 : 0, 'x'));
        StreamID added;
        if (rng() % 2) {
          now += rng() % 3;
          added = Add(s, f, nullptr, lim);
          (void)now;
        } else {
          StreamID id = s.last_id();
          id.ms += rng() % 3;
          id.seq += 1 + rng() % 3;
          added = Add(s, f, &id, lim);
          REQUIRE(added == id);
        }
        m[added] = f;
      } else if (op < 7) {
        StreamID victim;
        if (rng() % 4 == 0) {
          victim = {rng() % (s.last_id().ms + 1), rng() % 3};
        } else {
          auto it = m.begin();
          std::advance(it, static_cast<long>(rng() % m.size()));
          victim = it->first;
        }
        bool had = m.erase(victim) > 0;
        REQUIRE(s.Delete(victim) == had);
        if (had) REQUIRE(s.max_deleted_entry_id() >= victim);
      } else {
        StreamTrimArgs t;
        t.approx = rng() % 2;
        if (rng() % 2) {
          t.strategy = StreamTrimArgs::kMaxLen;
          t.maxlen = static_cast<int64_t>(rng() % (m.size() + 3));
        } else {
          t.strategy = StreamTrimArgs::kMinId;
          t.minid = {rng() % (s.last_id().ms + 2), rng() % 3};
        }
        if (t.approx && rng() % 3 == 0) t.limit = static_cast<int64_t>(rng() % 10);
        size_t before = m.size();
        int64_t n = s.Trim(t);
        REQUIRE(n >= 0);
        REQUIRE(static_cast<size_t>(n) <= before);
        if (t.limit) REQUIRE(n <= t.limit);
        if (t.approx) {
          // Whole nodes from the head: the n oldest entries, never past the target.
          for (int64_t i = 0; i < n; i++) {
            if (t.strategy == StreamTrimArgs::kMinId) REQUIRE(m.begin()->first < t.minid);
            m.erase(m.begin());
          }
          if (t.strategy == StreamTrimArgs::kMaxLen && n > 0)
            REQUIRE(m.size() >= static_cast<size_t>(t.maxlen));
        } else if (t.strategy == StreamTrimArgs::kMaxLen) {
          while (m.size() > static_cast<size_t>(t.maxlen)) m.erase(m.begin());
          REQUIRE(static_cast<size_t>(n) == before - m.size());
        } else {
          while (!m.empty() && m.begin()->first < t.minid) m.erase(m.begin());
          REQUIRE(static_cast<size_t>(n) == before - m.size());
        }
      }
      CheckAgainst(s, m, lim, rng);
    }
    // A copy is equal and independent.
    Stream copy(s);
    REQUIRE(Range(copy, StreamID::Min(), StreamID::Max(), false) ==
            ModelRange(m, StreamID::Min(), StreamID::Max(), false));
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE("stream rax node count matches Redis's rax", "[stream]") {
  // Figures read from redis-server 7.0.15 (XINFO STREAM radix-tree-nodes, one entry per node).
  StreamNodeLimits lim{4096, 1};
  Stream s;
  REQUIRE(s.RaxNodeCount() == 1);
  const size_t want[] = {2, 6, 8, 10, 12};
  for (uint64_t i = 1; i <= 5; i++) {
    StreamID id{i, 0};
    Add(s, {{"a", "b"}}, &id, lim);
    REQUIRE(s.RaxNodeCount() == want[i - 1]);
  }
  // Keys that differ in more than one byte: a shared run under each branch.
  Stream t;
  for (uint64_t ms : {1ull, 2ull, 1ull << 40, (1ull << 40) + 1}) {
    StreamID id{ms, 0};
    Add(t, {{"a", "b"}}, &id, lim);
  }
  // head run (3 bytes) + branch + [run + branch + 2 * (run + leaf)] * 2
  REQUIRE(t.RaxNodeCount() == 2 + 2 * (2 + 2 * 2));
}

}  // namespace shoal
