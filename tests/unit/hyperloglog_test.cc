// Unit tests for the HyperLogLog data structure (shard/hyperloglog.h): dense register packing,
// the sparse opcodes and their promotion to dense, merges, Redis's estimator within its error
// bounds, and corrupted values (random bytes after a valid header) handled without reading or
// writing outside the value.
#include "shard/hyperloglog.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace shoal::hll {
namespace {

std::string Ele(uint64_t i) { return "ele:" + std::to_string(i); }

std::string NewDense() {
  std::string v = NewSparse();
  REQUIRE(SparseToDense(&v));
  return v;
}

const uint8_t* Regs(const std::string& v) {
  return reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize;
}

}  // namespace

TEST_CASE("hll: PFADD a b c gives Redis's bytes", "[hll]") {
  // GET of `PFADD h a b c` on Redis 7.0.15 (hash, register choice and sparse opcodes all show).
  std::string v = NewSparse();
  for (const char* e : {"a", "b", "c"}) REQUIRE(Add(&v, e, 3000) == 1);
  InvalidateCache(v.data());
  std::string hex;
  for (unsigned char ch : v) {
    static const char* kHex = "0123456789abcdef";
    hex += kHex[ch >> 4];
    hex += kHex[ch & 15];
  }
  CHECK(hex == "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  CHECK(Decode(v) == "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  // Every tail length hashes (no reads past the end) and differs.
  std::string s = "abcdefghijklmnop";
  std::vector<uint64_t> seen;
  for (size_t n = 0; n <= s.size(); ++n) seen.push_back(MurmurHash64A(s.data(), n, kSeed));
  std::sort(seen.begin(), seen.end());
  CHECK(std::unique(seen.begin(), seen.end()) == seen.end());
}

TEST_CASE("hll: empty sparse value layout", "[hll]") {
  std::string v = NewSparse();
  REQUIRE(v.size() == kHeaderSize + 2);
  CHECK(v.substr(0, 4) == "HYLL");
  CHECK(Encoding(v) == kSparse);
  CHECK(IsHll(v));
  CHECK(CacheValid(v));
  CHECK(CachedCard(v) == 0);
  // One XZERO of 16384 registers: 01 111111 11111111.
  CHECK(static_cast<uint8_t>(v[16]) == 0x7f);
  CHECK(static_cast<uint8_t>(v[17]) == 0xff);
  CHECK(Decode(v) == "Z:16384");
  bool invalid = false;
  CHECK(Count(v, &invalid) == 0);
  CHECK_FALSE(invalid);
}

TEST_CASE("hll: IsHll checks header, encoding and dense size", "[hll]") {
  CHECK_FALSE(IsHll(""));
  CHECK_FALSE(IsHll("HYLL"));
  std::string v = NewSparse();
  v[0] = 'h';
  CHECK_FALSE(IsHll(v));
  v = NewSparse();
  v[4] = 2;
  CHECK_FALSE(IsHll(v));
  v = NewSparse();
  v[4] = kDense;  // dense but sparse-sized
  CHECK_FALSE(IsHll(v));
  CHECK(IsHll(NewDense()));
  std::string d = NewDense();
  d.push_back('x');
  CHECK_FALSE(IsHll(d));
}

TEST_CASE("hll: dense registers round trip", "[hll]") {
  std::mt19937 rng(7);
  std::vector<uint8_t> want(kRegisters);
  std::string v = NewDense();
  uint8_t* regs = reinterpret_cast<uint8_t*>(v.data()) + kHeaderSize;
  for (int round = 0; round < 20; ++round) {
    for (uint32_t i = 0; i < kRegisters; ++i) {
      want[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSet(regs, i, want[i]);
    }
    for (uint32_t i = 0; i < kRegisters; ++i) REQUIRE(DenseGet(regs, i) == want[i]);
  }
  CHECK(v.size() == kDenseSize);
  CHECK(v.substr(0, 4) == "HYLL");
}

TEST_CASE("hll: sparse set splits runs and merges equal values", "[hll]") {
  std::string v = NewSparse();
  REQUIRE(Set(&v, 0, 3, 3000) == 1);
  CHECK(Decode(v) == "v:3,1 Z:16383");
  CHECK_FALSE(CacheValid(v));
  REQUIRE(Set(&v, 1, 3, 3000) == 1);  // merges with the previous VAL
  CHECK(Decode(v) == "v:3,2 Z:16382");
  REQUIRE(Set(&v, 100, 5, 3000) == 1);
  CHECK(Decode(v) == "v:3,2 Z:98 v:5,1 Z:16283");
  REQUIRE(Set(&v, 3, 2, 3000) == 1);
  CHECK(Decode(v) == "v:3,2 z:1 v:2,1 Z:96 v:5,1 Z:16283");
  CHECK(Set(&v, 100, 4, 3000) == 0);  // lower than the register
  CHECK(Set(&v, 100, 5, 3000) == 0);
  REQUIRE(Set(&v, 16383, 1, 3000) == 1);
  CHECK(Decode(v) == "v:3,2 z:1 v:2,1 Z:96 v:5,1 Z:16282 v:1,1");
  // A count above 32 cannot be a VAL: the value turns dense.
  REQUIRE(Set(&v, 7, 40, 3000) == 1);
  CHECK(Encoding(v) == kDense);
  CHECK(v.size() == kDenseSize);
  const uint8_t* regs = Regs(v);
  CHECK(DenseGet(regs, 0) == 3);
  CHECK(DenseGet(regs, 1) == 3);
  CHECK(DenseGet(regs, 2) == 0);
  CHECK(DenseGet(regs, 3) == 2);
  CHECK(DenseGet(regs, 7) == 40);
  CHECK(DenseGet(regs, 100) == 5);
  CHECK(DenseGet(regs, 16383) == 1);
}

TEST_CASE("hll: sparse and dense agree, promotion at hll-sparse-max-bytes", "[hll]") {
  for (size_t max_bytes : {size_t{0}, size_t{100}, size_t{3000}, size_t{20000}}) {
    std::string sparse = NewSparse();
    std::string dense = NewDense();
    bool promoted = false;
    for (uint64_t i = 0; i < 5000; ++i) {
      int a = Add(&sparse, Ele(i), max_bytes);
      int b = Add(&dense, Ele(i), max_bytes);
      REQUIRE(a == b);
      if (Encoding(sparse) == kSparse) {
        REQUIRE(sparse.size() <= std::max<size_t>(max_bytes, NewSparse().size()));
      } else if (!promoted) {
        promoted = true;
      }
      if (i % 250 == 0) {
        bool invalid = false;
        REQUIRE(Count(sparse, &invalid) == Count(dense, nullptr));
        REQUIRE_FALSE(invalid);
      }
    }
    if (max_bytes <= 3000) CHECK(promoted);
    std::string as_dense = sparse;
    REQUIRE(SparseToDense(&as_dense));
    CHECK(std::memcmp(Regs(as_dense), Regs(dense), kDenseSize - kHeaderSize) == 0);
  }
}

TEST_CASE("hll: estimates within Redis's error bounds", "[hll]") {
  std::string v = NewSparse();
  double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t checkpoint = 1;
  for (uint64_t i = 1; i <= 1000000; ++i) {
    Add(&v, Ele(i * 2654435761ULL), 3000);
    if (i != checkpoint) continue;
    uint64_t card = Count(v, nullptr);
    double err = std::fabs(static_cast<double>(card) - static_cast<double>(i));
    double maxerr = std::ceil(relerr * 6 * static_cast<double>(i));
    INFO("n=" << i << " card=" << card);
    CHECK(err <= maxerr);
    checkpoint *= 10;
  }
}

TEST_CASE("hll: merge gives the union's registers", "[hll]") {
  std::string a = NewSparse(), b = NewDense(), all = NewDense();
  for (uint64_t i = 0; i < 2000; ++i) {
    Add(i % 2 ? &a : &b, Ele(i), 3000);
    Add(&all, Ele(i), 3000);
  }
  std::vector<uint8_t> max(kRegisters, 0);
  REQUIRE(Merge(max.data(), a));
  REQUIRE(Merge(max.data(), b));
  for (uint32_t i = 0; i < kRegisters; ++i) REQUIRE(max[i] == DenseGet(Regs(all), i));
  CHECK(CountRaw(max.data()) == Count(all, nullptr));

  // ApplyRaw into an empty sparse value rebuilds the same registers.
  std::string dest = NewSparse();
  REQUIRE(ApplyRaw(&dest, max.data(), /*to_dense=*/false, 3000));
  CHECK_FALSE(CacheValid(dest));
  std::string dd = dest;
  REQUIRE(SparseToDense(&dd));
  CHECK(std::memcmp(Regs(dd), Regs(all), kDenseSize - kHeaderSize) == 0);
  std::string dest2 = NewSparse();
  REQUIRE(ApplyRaw(&dest2, max.data(), /*to_dense=*/true, 3000));
  CHECK(Encoding(dest2) == kDense);
  CHECK(std::memcmp(Regs(dest2), Regs(all), kDenseSize - kHeaderSize) == 0);
}

TEST_CASE("hll: cached cardinality bytes", "[hll]") {
  std::string v = NewSparse();
  SetCachedCard(v.data(), 0x0102030405060708ULL);
  CHECK(CachedCard(v) == 0x0102030405060708ULL);
  CHECK(static_cast<uint8_t>(v[8]) == 0x08);
  CHECK(CacheValid(v));
  InvalidateCache(v.data());
  CHECK_FALSE(CacheValid(v));
}

TEST_CASE("hll: corrupted sparse bodies are detected", "[hll]") {
  std::string v = NewSparse();
  Add(&v, "a", 3000);
  std::string tail = v + "hello";  // registers past 16384
  bool invalid = false;
  Count(tail, &invalid);
  CHECK(invalid);
  std::vector<uint8_t> max(kRegisters, 0);
  CHECK_FALSE(Merge(max.data(), tail));
  std::string cut = v.substr(0, v.size() - 1);  // an XZERO cut short
  invalid = false;
  Count(cut, &invalid);
  CHECK(invalid);
  std::string empty = v.substr(0, kHeaderSize);
  CHECK(Set(&empty, 5, 3, 3000) == -1);
  std::string copy = tail;
  CHECK_FALSE(SparseToDense(&copy));
  CHECK(copy == tail);
}

TEST_CASE("hll: random bytes after a valid header never escape the value", "[hll]") {
  // Under ASan this catches any read or write out of bounds; here it checks nothing crashes and
  // every function answers.
  std::mt19937_64 rng(42);
  for (int round = 0; round < 3000; ++round) {
    size_t len = rng() % 64;
    std::string v = NewSparse().substr(0, kHeaderSize);
    for (size_t i = 0; i < len; ++i) v.push_back(static_cast<char>(rng() & 0xff));
    REQUIRE(IsHll(v));
    bool invalid = false;
    Count(v, &invalid);
    Decode(v);
    std::vector<uint8_t> max(kRegisters, 0);
    Merge(max.data(), v);
    std::string w = v;
    for (int k = 0; k < 20; ++k) {
      int rc = Set(&w, static_cast<uint32_t>(rng() % kRegisters),
                   static_cast<uint8_t>(1 + rng() % 63), 3000);
      REQUIRE(rc >= -1);
      REQUIRE(rc <= 1);
      REQUIRE(w.size() >= kHeaderSize);
      if (Encoding(w) == kDense) REQUIRE(w.size() == kDenseSize);
    }
    std::string a = v;
    for (int k = 0; k < 5; ++k) REQUIRE(Add(&a, std::to_string(rng()), rng() % 200) >= -1);
    std::string m = v;
    std::vector<uint8_t> src(kRegisters, 0);
    for (int k = 0; k < 50; ++k) src[rng() % kRegisters] = static_cast<uint8_t>(rng() % 64);
    ApplyRaw(&m, src.data(), rng() % 2 == 0, 3000);
    std::string d = v;
    SparseToDense(&d);
    REQUIRE((Encoding(d) == kSparse || d.size() == kDenseSize));
  }
}

}  // namespace shoal::hll
