// Intset unit tests: width boundaries, upgrades that never downgrade, and random operations
// against a std::set model.
#include "shard/intset.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

using namespace shoal;

namespace {

void CheckAgainst(const uint8_t* is, const std::set<int64_t>& model) {
  REQUIRE(intset::Length(is) == model.size());
  uint32_t pos = 0;
  for (int64_t v : model) {
    REQUIRE(intset::Get(is, pos++) == v);
    REQUIRE(intset::Contains(is, v));
  }
  REQUIRE(intset::MallocSize(is) >= intset::BlobLen(is));
}

}  // namespace

TEST_CASE("Intset starts empty at 16 bits", "[intset]") {
  uint8_t* is = intset::New();
  REQUIRE(intset::Length(is) == 0);
  REQUIRE(intset::BlobLen(is) == 8);
  REQUIRE_FALSE(intset::Contains(is, 0));
  REQUIRE_FALSE(intset::Contains(is, INT64_MIN));
  bool removed = true;
  is = intset::Remove(is, 5, &removed);
  REQUIRE_FALSE(removed);
  intset::Free(is);
}

TEST_CASE("Intset widths follow the widest member and never shrink", "[intset]") {
  uint8_t* is = intset::New();
  bool added = false;
  is = intset::Add(is, 5, &added);
  REQUIRE(added);
  is = intset::Add(is, INT16_MAX, &added);
  is = intset::Add(is, INT16_MIN, &added);
  REQUIRE(intset::BlobLen(is) == 8 + 3 * 2);
  REQUIRE_FALSE(intset::Contains(is, INT16_MAX + 1));
  REQUIRE_FALSE(intset::Contains(is, INT64_MAX));
  is = intset::Add(is, INT16_MAX + 1, &added);  // upgrade to 32 bits, appended last
  REQUIRE(added);
  REQUIRE(intset::BlobLen(is) == 8 + 4 * 4);
  CheckAgainst(is, {INT16_MIN, 5, INT16_MAX, INT16_MAX + 1});
  is = intset::Add(is, INT32_MIN, &added);
  REQUIRE(intset::BlobLen(is) == 8 + 5 * 4);
  is = intset::Add(is, int64_t{INT32_MIN} - 1, &added);  // upgrade to 64 bits, inserted first
  REQUIRE(added);
  REQUIRE(intset::BlobLen(is) == 8 + 6 * 8);
  is = intset::Add(is, INT64_MAX, &added);
  is = intset::Add(is, INT64_MIN, &added);
  is = intset::Add(is, INT64_MIN, &added);
  REQUIRE_FALSE(added);
  CheckAgainst(is, {INT64_MIN, int64_t{INT32_MIN} - 1, INT32_MIN, INT16_MIN, 5, INT16_MAX,
                    INT16_MAX + 1, INT64_MAX});
  bool removed = false;
  for (int64_t v : {INT64_MIN, int64_t{INT32_MIN} - 1, int64_t{INT64_MAX}, int64_t{INT32_MIN}}) {
    is = intset::Remove(is, v, &removed);
    REQUIRE(removed);
  }
  is = intset::Remove(is, INT64_MAX, &removed);
  REQUIRE_FALSE(removed);
  REQUIRE(intset::BlobLen(is) == 8 + 4 * 8);  // still 64-bit wide
  CheckAgainst(is, {INT16_MIN, 5, INT16_MAX, INT16_MAX + 1});
  uint8_t* copy = intset::Clone(is);
  is = intset::Remove(is, 5, &removed);
  CheckAgainst(copy, {INT16_MIN, 5, INT16_MAX, INT16_MAX + 1});
  CheckAgainst(is, {INT16_MIN, INT16_MAX, INT16_MAX + 1});
  intset::Free(copy);
  intset::Free(is);
}

TEST_CASE("Intset random operations match a std::set model", "[intset]") {
  for (uint32_t seed = 0; seed < 2000; ++seed) {
    std::mt19937_64 rng(seed);
    uint8_t* is = intset::New();
    std::set<int64_t> model;
    // Each seed draws from ranges of one to three widths, so upgrades happen at random times.
    const unsigned max_bits = 8 + static_cast<unsigned>(rng() % 57);
    auto pick = [&]() -> int64_t {
      if (rng() % 8 == 0 && !model.empty()) {
        auto it = model.begin();
        std::advance(it, static_cast<ptrdiff_t>(rng() % model.size()));
        return *it;
      }
      const unsigned bits = 1 + static_cast<unsigned>(rng() % max_bits);
      return static_cast<int64_t>(rng()) >> (64 - bits);
    };
    uint32_t width = 2;
    const int ops = 10 + static_cast<int>(rng() % 150);
    for (int op = 0; op < ops; ++op) {
      const int64_t v = pick();
      bool changed = false;
      switch (rng() % 4) {
        case 0:
        case 1:
          is = intset::Add(is, v, &changed);
          REQUIRE(changed == model.insert(v).second);
          break;
        case 2:
          is = intset::Remove(is, v, &changed);
          REQUIRE(changed == (model.erase(v) == 1));
          break;
        default:
          REQUIRE(intset::Contains(is, v) == (model.count(v) == 1));
          break;
      }
      // The width is the widest member ever added.
      if (changed && model.count(v) == 1) {
        const uint32_t need = v >= INT16_MIN && v <= INT16_MAX   ? 2
                              : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                                 : 8;
        width = std::max(width, need);
      }
      REQUIRE(intset::BlobLen(is) == 8 + width * model.size());
    }
    CheckAgainst(is, model);
    intset::Free(is);
  }
}

TEST_CASE("Intset validation of untrusted bytes", "[intset]") {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 100; ++round) {
    uint8_t* is = intset::New();
    bool added;
    const size_t n = 1 + rng() % 50;
    for (size_t i = 0; i < n; ++i)
      is = intset::Add(is, static_cast<int64_t>(rng()) >> (rng() % 64), &added);
    const size_t size = intset::BlobLen(is);
    REQUIRE(intset::Validate(is, size));
    REQUIRE_FALSE(intset::Validate(is, size - 1));
    REQUIRE_FALSE(intset::Validate(is, size + 1));
    uint8_t* copy = intset::FromBytes(is, size);
    REQUIRE(intset::BlobLen(copy) == size);
    REQUIRE(std::memcmp(copy, is, size) == 0);
    intset::Free(copy);
    intset::Free(is);
  }
  auto bytes = [](std::initializer_list<int> b) {
    std::vector<uint8_t> v;
    for (int c : b) v.push_back(static_cast<uint8_t>(c));
    return v;
  };
  auto valid = [](const std::vector<uint8_t>& v) { return intset::Validate(v.data(), v.size()); };
  CHECK(valid(bytes({2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0})));
  CHECK(valid(bytes({8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})));        // wider than needed
  CHECK_FALSE(valid(bytes({2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0})));              // descending
  CHECK_FALSE(valid(bytes({2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0})));              // repeated
  CHECK_FALSE(valid(bytes({3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0})));                 // no such width
  CHECK_FALSE(valid(bytes({2, 0, 0, 0, 0, 0, 0, 0})));                          // empty
  CHECK_FALSE(valid(bytes({2, 0, 0, 0, 1, 0, 0})));                             // short header
  CHECK_FALSE(valid(bytes({4, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0})));  // huge length
}
