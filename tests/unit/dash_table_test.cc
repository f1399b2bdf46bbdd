#include "shard/dash_table.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "shard/hash.h"

using namespace shoal;

namespace {

Entry* Make(const std::string& k, const std::string& v = "v", int64_t exp = 0) {
  return Entry::NewString(k, v, exp, 0);
}

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

std::unordered_set<std::string> FullTraverse(DashTable& t) {
  std::unordered_set<std::string> seen;
  uint64_t c = 0;
  do {
    c = t.Traverse(c, [&](DashTable::Slot* s) { seen.insert(std::string(s->entry()->key())); });
  } while (c != 0);
  return seen;
}

}  // namespace

TEST_CASE("DashTable insert, find and erase agree with a reference map", "[dash_table]") {
  for (uint64_t seed : {1u, 2u, 3u, 42u}) {
    DashTable t;
    std::unordered_map<std::string, std::string> ref;
    std::mt19937_64 rng(seed);
    for (int op = 0; op < 60000; ++op) {
      std::string k = Key(rng() % 20000);
      uint64_t h = HashKey(k);
      int what = rng() % 3;
      DashTable::Slot* s = t.Find(k, h);
      REQUIRE((s != nullptr) == (ref.count(k) == 1));
      if (what < 2) {
        std::string v = std::to_string(op);
        if (s == nullptr) {
          DashTable::Slot* ns = t.Insert(Make(k, v), h);
          REQUIRE(ns->entry()->key() == k);
        } else {
          Entry* old = s->entry();
          s->Set(Make(k, v));
          Entry::Free(old);
        }
        ref[k] = v;
      } else if (s != nullptr) {
        Entry* e = s->entry();
        t.Erase(s);
        Entry::Free(e);
        ref.erase(k);
      }
      REQUIRE(t.size() == ref.size());
    }
    char buf[32];
    for (const auto& [k, v] : ref) {
      DashTable::Slot* s = t.Find(k, HashKey(k));
      REQUIRE(s != nullptr);
      REQUIRE(s->entry()->StringBytes(buf) == v);
    }
    REQUIRE(FullTraverse(t).size() == ref.size());
  }
}

TEST_CASE("DashTable grows by splitting segments and keeps every key", "[dash_table]") {
  DashTable t;
  const uint64_t n = 200000;
  for (uint64_t i = 0; i < n; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  REQUIRE(t.size() == n);
  REQUIRE(t.segments() > 1);
  REQUIRE(t.global_depth() >= 8);
  for (uint64_t i = 0; i < n; ++i) REQUIRE(t.Find(Key(i), HashKey(Key(i))) != nullptr);
  REQUIRE(t.Find("missing", HashKey("missing")) == nullptr);
  // Load factor after growth stays reasonable (memory per key).
  double slots = static_cast<double>(t.segments()) * 68 * 8;
  REQUIRE(static_cast<double>(n) / slots > 0.5);
}

TEST_CASE("DashTable traversal returns every key present throughout, while growing",
          "[dash_table]") {
  DashTable t;
  const uint64_t base = 30000;
  for (uint64_t i = 0; i < base; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  std::unordered_set<std::string> seen;
  uint64_t c = 0, extra = base;
  int steps = 0;
  do {
    c = t.Traverse(c, [&](DashTable::Slot* s) { seen.insert(std::string(s->entry()->key())); });
    // Grow by 20 keys per step: many splits and directory doublings during the walk.
    for (int j = 0; j < 20; ++j, ++extra) t.Insert(Make(Key(extra)), HashKey(Key(extra)));
    ++steps;
  } while (c != 0);
  REQUIRE(steps > 100);
  for (uint64_t i = 0; i < base; ++i) REQUIRE(seen.count(Key(i)) == 1);
}

TEST_CASE("DashTable traversal tolerates erasing the visited slot", "[dash_table]") {
  DashTable t;
  for (uint64_t i = 0; i < 5000; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  uint64_t c = 0;
  do {
    c = t.Traverse(c, [&](DashTable::Slot* s) {
      Entry* e = s->entry();
      t.Erase(s);
      Entry::Free(e);
    });
  } while (c != 0);
  REQUIRE(t.size() == 0);
  REQUIRE(FullTraverse(t).empty());
}

TEST_CASE("DashTable slot tags track the expiry bit", "[dash_table]") {
  DashTable t;
  DashTable::Slot* s = t.Insert(Make("a", "1", 12345), HashKey("a"));
  REQUIRE(s->has_expire());
  Entry* old = s->entry();
  s->Set(Make("a", "1", 0));
  Entry::Free(old);
  REQUIRE_FALSE(s->has_expire());
  REQUIRE(t.Find("a", HashKey("a")) == s);
}

TEST_CASE("DashTable Clear and RandomSlot", "[dash_table]") {
  DashTable t;
  REQUIRE(t.RandomSlot(7) == nullptr);
  for (uint64_t i = 0; i < 3000; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  std::unordered_set<std::string> got;
  for (uint64_t r = 0; r < 200; ++r) {
    DashTable::Slot* s = t.RandomSlot(r * 0x9E3779B97F4A7C15ull);
    REQUIRE(s != nullptr);
    got.insert(std::string(s->entry()->key()));
  }
  REQUIRE(got.size() > 20);
  t.Clear();
  REQUIRE(t.size() == 0);
  REQUIRE(t.Find(Key(1), HashKey(Key(1))) == nullptr);
  t.Insert(Make("again"), HashKey("again"));
  REQUIRE(t.size() == 1);
}

// The snapshot's invariant (persistence/snapshot.h): a traversal by groups plus a hook that
// serializes a group before any change to it writes exactly the entries present at the cut, each
// once, with its value as of the cut, while the table keeps changing (inserts that split
// segments and double the directory, deletes, overwrites in place).
TEST_CASE("DashTable group marks give a point-in-time snapshot under changes", "[dash_table]") {
  for (uint64_t seed : {7u, 8u, 9u}) {
    DashTable t;
    std::mt19937_64 rng(seed);
    std::unordered_map<std::string, std::string> ref;
    for (int i = 0; i < 3000; ++i) {
      std::string k = Key(rng() % 5000);
      if (ref.count(k) == 0) {
        ref[k] = "v0";
        t.Insert(Make(k, "v0"), HashKey(k));
      }
    }
    const auto at_cut = ref;
    const uint32_t epoch = 17 + static_cast<uint32_t>(seed);
    std::unordered_map<std::string, std::string> written;
    size_t duplicates = 0;
    auto serialize = [&](DashTable::Group g) {
      if (DashTable::Marked(g, epoch)) return;
      DashTable::Mark(g, epoch);
      t.VisitGroup(g, [&](const Entry* e) {
        char buf[32];
        if (!written.emplace(std::string(e->key()), std::string(e->StringBytes(buf))).second)
          ++duplicates;
      });
    };
    auto hook = [&](const std::string& k) { serialize(t.GroupOf(HashKey(k))); };
    uint64_t cursor = 0;
    int version = 1;
    do {
      DashTable::Group g;
      cursor = t.TraverseGroups(cursor, &g);
      serialize(g);
      // Between steps: a burst of changes (many inserts, so segments split under the cursor).
      for (int op = 0; op < 40; ++op) {
        std::string k = Key(rng() % 20000);
        uint64_t h = HashKey(k);
        DashTable::Slot* s = t.Find(k, h);
        hook(k);
        std::string v = "v" + std::to_string(version++);
        if (s == nullptr) {
          t.Insert(Make(k, v), h);
        } else if (rng() % 3 == 0) {
          Entry* e = s->entry();
          t.Erase(s);
          Entry::Free(e);
        } else {
          Entry* old = s->entry();
          s->Set(Make(k, v));
          Entry::Free(old);
        }
      }
    } while (cursor != 0);
    CHECK(duplicates == 0);
    CHECK(written == at_cut);
    t.Clear();
  }
}

TEST_CASE("DashTable makes room in the next bucket before using the stash", "[dash_table]") {
  // Keys by home bucket, for a one-segment table (no splits: 8 + 8 + 1 keys fit).
  std::unordered_map<unsigned, std::vector<std::string>> by_home;
  for (uint64_t i = 0; by_home[0].size() < 9 || by_home[1].size() < 8; ++i) {
    by_home[DashTable::HomeOf(HashKey(Key(i)))].push_back(Key(i));
  }
  DashTable t;
  std::vector<std::string> in;
  for (size_t i = 0; i < 8; ++i) in.push_back(by_home[1][i]);  // bucket 1 full with its own
  for (size_t i = 0; i < 8; ++i) in.push_back(by_home[0][i]);  // bucket 0 full with its own
  in.push_back(by_home[0][8]);  // neither home nor next has room: an entry of 1 moves on to 2
  for (const auto& k : in) t.Insert(Make(k), HashKey(k));
  REQUIRE(t.segments() == 1);
  REQUIRE(!t.GroupOf(HashKey(in[0])).seg->stash_mask.test(0));  // the stash was not needed
  for (const auto& k : in) {
    DashTable::Slot* s = t.Find(k, HashKey(k));
    REQUIRE(s != nullptr);
    REQUIRE(s->entry()->key() == k);
  }
  // Each key is in its home's group (what snapshots and SCAN visit), and only there.
  for (unsigned home : {0u, 1u}) {
    std::unordered_set<std::string> group;
    t.VisitGroup(DashTable::Group{t.GroupOf(HashKey(by_home[home][0])).seg, home},
                 [&](const Entry* e) { group.insert(std::string(e->key())); });
    REQUIRE(group.size() == (home == 0 ? 9u : 8u));
    for (const auto& k : group) REQUIRE(DashTable::HomeOf(HashKey(k)) == home);
  }
  REQUIRE(FullTraverse(t).size() == in.size());
}

TEST_CASE("DashTable groups partition the keys by home bucket", "[dash_table]") {
  DashTable t;
  const uint64_t n = 20000;
  for (uint64_t i = 0; i < n; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  std::unordered_set<std::string> seen;
  uint64_t c = 0;
  do {
    DashTable::Group g;
    c = t.TraverseGroups(c, &g);
    t.VisitGroup(g, [&](const Entry* e) {
      REQUIRE(DashTable::HomeOf(HashKey(e->key())) == g.home);
      REQUIRE(seen.insert(std::string(e->key())).second);  // no key in two groups
    });
  } while (c != 0);
  REQUIRE(seen.size() == n);
}

TEST_CASE("DashTable cursors past the last home bucket and random cursors", "[dash_table]") {
  DashTable t;
  for (uint64_t i = 0; i < 3000; ++i) t.Insert(Make(Key(i)), HashKey(Key(i)));
  // A client's SCAN cursor may name any bucket bits: the walk goes on and ends.
  for (uint64_t bucket = DashTable::kBuckets; bucket < (1u << DashTable::kBucketBits); ++bucket) {
    uint64_t c = bucket;
    int steps = 0;
    do {
      c = t.Traverse(c, [](DashTable::Slot*) {});
    } while (c != 0 && ++steps < 1000000);
    REQUIRE(c == 0);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    uint64_t c = DashTable::RandomCursor(rng());
    REQUIRE((c & ((1u << DashTable::kBucketBits) - 1)) < DashTable::kBuckets);
  }
}
