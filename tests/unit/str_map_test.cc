// StrMap unit tests: random operations against std::unordered_map, scan completeness while the
// table grows and shrinks between steps, Random coverage and uniformity, and deep copies.
#include "shard/str_map.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

using namespace shoal;

namespace {

std::unordered_map<std::string, std::string> Contents(const StrMap& m) {
  std::unordered_map<std::string, std::string> out;
  m.ForEach([&](std::string_view k, std::string_view v) {
    REQUIRE(out.emplace(std::string(k), std::string(v)).second);
  });
  return out;
}

// Runs a whole scan; returns every key seen, counting repeats.
std::unordered_map<std::string, int> FullScan(const StrMap& m) {
  std::unordered_map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = m.Scan(cursor, [&](std::string_view k, std::string_view) { ++seen[std::string(k)]; });
  } while (cursor != 0);
  return seen;
}

}  // namespace

TEST_CASE("StrMap empty map", "[strmap]") {
  StrMap m;
  REQUIRE(m.empty());
  REQUIRE(m.size() == 0);
  REQUIRE(m.MallocSize() == 0);
  REQUIRE_FALSE(m.Contains(""));
  REQUIRE_FALSE(m.Erase("a"));
  std::string_view v;
  REQUIRE_FALSE(m.Find("a", &v));
  REQUIRE(m.Scan(0, [](std::string_view, std::string_view) { FAIL("visited"); }) == 0);
  m.ForEach([](std::string_view, std::string_view) { FAIL("visited"); });
  StrMap copy(m);
  REQUIRE(copy.empty());
}

TEST_CASE("StrMap binary keys and values, overwrite and Add", "[strmap]") {
  StrMap m;
  const std::string nul_key("a\0b", 3);
  const std::string long_val(300, 'v');  // two-byte varint length
  REQUIRE(m.Set("", "empty key"));
  REQUIRE(m.Set(nul_key, long_val));
  REQUIRE(m.Add("set-member"));
  REQUIRE_FALSE(m.Add("set-member", "ignored"));
  REQUIRE_FALSE(m.Add(nul_key, "x"));
  REQUIRE(m.size() == 3);
  std::string_view v;
  REQUIRE(m.Find(nul_key, &v));
  REQUIRE(v == long_val);
  REQUIRE_FALSE(m.Find(std::string_view("a\0c", 3), &v));
  REQUIRE(m.Find("set-member", &v));
  REQUIRE(v.empty());
  REQUIRE(m.Find("", &v));
  REQUIRE(v == "empty key");
  REQUIRE_FALSE(m.Set(nul_key, "short"));
  REQUIRE(m.Find(nul_key, &v));
  REQUIRE(v == "short");
  REQUIRE_FALSE(m.Set(nul_key, "SHORT"));  // same length
  REQUIRE(m.Find(nul_key, &v));
  REQUIRE(v == "SHORT");
  // A value read out of the map can be written back to another key and to itself.
  REQUIRE(m.Find("", &v));
  REQUIRE_FALSE(m.Set(nul_key, v));
  REQUIRE(m.Find(nul_key, &v));
  REQUIRE_FALSE(m.Set(nul_key, v.substr(1)));
  REQUIRE(m.Find(nul_key, &v));
  REQUIRE(v == "mpty key");
  REQUIRE(m.size() == 3);
  REQUIRE(m.Erase(""));
  REQUIRE_FALSE(m.Contains(""));
  REQUIRE(m.Erase(nul_key));
  REQUIRE(m.Erase("set-member"));
  REQUIRE(m.empty());
  REQUIRE(m.MallocSize() == 0);
}

TEST_CASE("StrMap random operations match std::unordered_map", "[strmap]") {
  for (uint32_t seed = 0; seed < 300; ++seed) {
    std::mt19937_64 rng(seed);
    StrMap m;
    std::unordered_map<std::string, std::string> model;
    const size_t universe = 1 + rng() % 400;
    const int ops = 200 + static_cast<int>(rng() % 1000);
    // Biased towards inserts first, then towards erases, so the table grows and shrinks.
    for (int op = 0; op < ops; ++op) {
      const std::string key = "k" + std::to_string(rng() % universe);
      std::string value(rng() % 4 == 0 ? rng() % 200 : rng() % 10,
                        'a' + static_cast<char>(op % 26));
      const bool growing = op < ops / 2;
      const unsigned kind = rng() % 10;
      if (kind < (growing ? 4u : 2u)) {
        const bool added = model.count(key) == 0;
        REQUIRE(m.Set(key, value) == added);
        model[key] = value;
      } else if (kind < (growing ? 7u : 3u)) {
        const bool added = model.emplace(key, value).second;
        REQUIRE(m.Add(key, value) == added);
      } else if (kind < 8) {
        REQUIRE(m.Erase(key) == (model.erase(key) == 1));
      } else {
        std::string_view v;
        auto it = model.find(key);
        REQUIRE(m.Find(key, &v) == (it != model.end()));
        REQUIRE(m.Contains(key) == (it != model.end()));
        if (it != model.end()) REQUIRE(v == it->second);
      }
      REQUIRE(m.size() == model.size());
    }
    REQUIRE(Contents(m) == model);
    size_t payload = 0;
    for (const auto& [k, v] : model) payload += k.size() + v.size() + 8;
    REQUIRE(m.MallocSize() >= payload);
    const auto seen = FullScan(m);
    REQUIRE(seen.size() == model.size());
    for (const auto& [k, n] : seen) {
      REQUIRE(model.count(k) == 1);
      REQUIRE(n == 1);  // no resize during this scan: each element exactly once
    }
    for (const auto& [k, v] : model) REQUIRE(m.Erase(k));
    REQUIRE(m.empty());
    REQUIRE(m.MallocSize() == 0);
  }
}

TEST_CASE("StrMap MallocSize tracks buckets and nodes", "[strmap]") {
  StrMap m;
  m.Set("a", "1");
  const size_t one = m.MallocSize();
  REQUIRE(one >= 4 * sizeof(void*) + sizeof(void*) + 4);
  for (int i = 0; i < 1000; ++i) m.Set("key" + std::to_string(i), std::string(50, 'x'));
  REQUIRE(m.MallocSize() >= one + 1000 * (sizeof(void*) + 56 + sizeof(void*)));
  const size_t big = m.MallocSize();
  m.Set("key1", std::string(500, 'y'));
  REQUIRE(m.MallocSize() >= big + 450);
  for (int i = 0; i < 1000; ++i) m.Erase("key" + std::to_string(i));
  REQUIRE(m.MallocSize() == one);
}

TEST_CASE("StrMap scan returns every stable element across grows and shrinks", "[strmap]") {
#ifdef SHOAL_SYSTEM_MALLOC
  // Sanitizer builds (10-40x slower here) look for memory and race errors: fewer seeds do; the
  // release build runs them all. Keeps the three-build CI within its time budget.
  constexpr uint32_t kSeeds = 50;
#else
  constexpr uint32_t kSeeds = 200;
#endif
  for (uint32_t seed = 0; seed < kSeeds; ++seed) {
    std::mt19937_64 rng(seed);
    StrMap m;
    std::unordered_set<std::string> stable;
    const size_t n_stable = 1 + rng() % 100;
    for (size_t i = 0; i < n_stable; ++i) {
      stable.insert("s" + std::to_string(i));
      m.Add("s" + std::to_string(i));
    }
    std::vector<std::string> temp;
    size_t next_temp = 0;
    std::unordered_set<std::string> seen;
    uint64_t cursor = 0;
    size_t sizes_changed = 0;
    do {
      cursor = m.Scan(cursor,
                      [&](std::string_view k, std::string_view) { seen.insert(std::string(k)); });
      const size_t before = m.MallocSize();
      switch (rng() % 4) {
        case 0: {  // grow: several doublings at once
          const size_t add = m.size() > 4000 ? 0 : rng() % (4 * m.size() + 8);
          for (size_t i = 0; i < add; ++i) {
            temp.push_back("t" + std::to_string(next_temp++));
            m.Add(temp.back());
          }
          break;
        }
        case 1:  // shrink: drop almost every temporary element
          while (temp.size() > rng() % 3) {
            m.Erase(temp.back());
            temp.pop_back();
          }
          break;
        default:
          break;
      }
      if (m.MallocSize() != before) ++sizes_changed;
    } while (cursor != 0);
    for (const std::string& k : stable) {
      INFO(k);
      REQUIRE(seen.count(k) == 1);
    }
    if (seed == 0) REQUIRE(sizes_changed > 0);
  }
}

TEST_CASE("StrMap Random reaches every element and matches Find", "[strmap]") {
  StrMap m;
  for (int i = 0; i < 300; ++i) m.Set("m" + std::to_string(i), "v" + std::to_string(i));
  for (int i = 0; i < 280; ++i) m.Erase("m" + std::to_string(i));  // sparse after shrinking
  for (int i = 0; i < 6; ++i) m.Set("m" + std::to_string(i), "v" + std::to_string(i));
  std::unordered_set<std::string> hit;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string_view k, v, found;
    m.Random(rng(), &k, &v);
    REQUIRE(m.Find(k, &found));
    REQUIRE(found == v);
    hit.insert(std::string(k));
  }
  REQUIRE(hit.size() == m.size());
  std::string_view k1, v1, k2, v2;
  m.Random(12345, &k1, &v1);
  m.Random(12345, &k2, &v2);
  REQUIRE(k1 == k2);
}

namespace {

// Upper 1e-6 quantile of chi-square with df degrees of freedom (Wilson-Hilferty).
double Chi2Critical(double df) {
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + 4.7534 * std::sqrt(a), 3);
}

// Chi-square statistic of `draws` Random picks against "every element equally likely".
double RandomChi2(const StrMap& m, int draws, uint64_t seed) {
  std::unordered_map<std::string, int> counts;
  m.ForEach([&](std::string_view k, std::string_view) { counts[std::string(k)] = 0; });
  std::mt19937_64 rng(seed);
  for (int i = 0; i < draws; ++i) {
    std::string_view k, v;
    m.Random(rng(), &k, &v);
    auto it = counts.find(std::string(k));
    REQUIRE(it != counts.end());
    ++it->second;
  }
  const double expected = static_cast<double>(draws) / static_cast<double>(m.size());
  double chi2 = 0;
  for (const auto& [k, n] : counts) chi2 += (n - expected) * (n - expected) / expected;
  return chi2;
}

}  // namespace

TEST_CASE("StrMap Random is uniform over elements, whatever the chain lengths", "[strmap]") {
  auto fill = [](StrMap* m, int n) {
    for (int i = 0; i < n; ++i) m->Set("k" + std::to_string(i));
  };
  SECTION("small table") {
    StrMap m;
    fill(&m, 12);
    REQUIRE(RandomChi2(m, 12 * 500, 1) < Chi2Critical(11));
  }
  SECTION("dense table") {
    StrMap m;
    fill(&m, 700);
    REQUIRE(RandomChi2(m, 700 * 40, 2) < Chi2Critical(699));
  }
  SECTION("full table (load factor 1, long chains)") {
    StrMap m;
    fill(&m, 1024);
    REQUIRE(RandomChi2(m, 1024 * 40, 3) < Chi2Critical(1023));
  }
  SECTION("sparse table after erases (stale chain bound: the exact fallback walk runs too)") {
    StrMap m;
    fill(&m, 1000);
    for (int i = 103; i < 1000; ++i) REQUIRE(m.Erase("k" + std::to_string(i)));
    REQUIRE(m.size() == 103);
    REQUIRE(RandomChi2(m, 103 * 100, 4) < Chi2Critical(102));
  }
  SECTION("one element") {
    StrMap m;
    fill(&m, 1);
    std::string_view k, v;
    m.Random(99, &k, &v);
    REQUIRE(k == "k0");
  }
}

TEST_CASE("StrMap copy constructor deep-copies", "[strmap]") {
  auto* m = new StrMap;
  for (int i = 0; i < 500; ++i) m->Set("f" + std::to_string(i), std::string(i % 150, 'z'));
  StrMap copy(*m);
  REQUIRE(copy.size() == 500);
  REQUIRE(Contents(copy) == Contents(*m));
  REQUIRE(copy.MallocSize() == m->MallocSize());
  const auto expected = Contents(*m);
  m->Set("f1", "changed");
  m->Erase("f2");
  m->Set("new", "x");
  delete m;
  REQUIRE(Contents(copy) == expected);
  REQUIRE(copy.Set("f1", "mine") == false);
  std::string_view v;
  REQUIRE(copy.Find("f1", &v));
  REQUIRE(v == "mine");
  REQUIRE_FALSE(copy.Contains("new"));
}
