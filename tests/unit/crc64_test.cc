// persistence/crc64 against Redis's crc64.c: its two test vectors, and the slice-by-8 loop against
// a bit-at-a-time reference at every length and split point.
#include "persistence/crc64.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

namespace shoal {
namespace {

// The textbook reflected CRC, one bit at a time (what crc64.c's _crc64 computes).
uint64_t BitwiseCrc64(uint64_t crc, std::string_view s) {
  for (unsigned char c : s) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  return crc;
}

TEST_CASE("Crc64 matches crc64.c's test vectors", "[persistence][crc64]") {
  CHECK(Crc64(0, "123456789") == 0xe9c6d914c4b8d9caULL);
  CHECK(Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
  // crc64Test hashes sizeof(li): the text and its terminating NUL.
  const char li[] =
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
      "do eiusmod tempor incididunt ut labore et dolore magna "
      "aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
      "ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis "
      "aute irure dolor in reprehenderit in voluptate velit esse "
      "cillum dolore eu fugiat nulla pariatur. Excepteur sint "
      "occaecat cupidatat non proident, sunt in culpa qui officia "
      "deserunt mollit anim id est laborum.";
  CHECK(Crc64(0, li, sizeof(li)) == 0xc7794709e69683b3ULL);
  CHECK(Crc64(0, "", 0) == 0);
  CHECK(Crc64(0x1234, "", 0) == 0x1234);
}

TEST_CASE("Crc64 slice-by-8 equals the bitwise CRC at every length", "[persistence][crc64]") {
  std::mt19937_64 rng(64);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t len = 0; len <= data.size(); ++len) {
    INFO("len " << len);
    const std::string_view s(data.data(), len);
    REQUIRE(Crc64(0, s) == BitwiseCrc64(0, s));
  }
  // Unaligned starts.
  for (size_t start = 1; start < 8; ++start) {
    const std::string_view s(data.data() + start, 100);
    CHECK(Crc64(0, s) == BitwiseCrc64(0, s));
  }
}

TEST_CASE("Crc64 continues across splits", "[persistence][crc64]") {
  std::mt19937_64 rng(7);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint64_t whole = Crc64(0, data);
  for (size_t split = 0; split <= data.size(); split += 37) {
    const std::string_view s(data);
    CHECK(Crc64(Crc64(0, s.substr(0, split)), s.substr(split)) == whole);
  }
}

TEST_CASE("Crc64Combine equals the CRC of the concatenation", "[crc64]") {
  std::string data;
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 5000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data.push_back(static_cast<char>(x));
  }
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{63}, size_t{1000},
                       size_t{4999}, size_t{5000}}) {
    std::string_view a(data.data(), split), b(data.data() + split, data.size() - split);
    CHECK(Crc64Combine(Crc64(0, a), Crc64(0, b), b.size()) == Crc64(0, data));
  }
  // Three pieces folded left to right.
  std::string_view p1(data.data(), 100), p2(data.data() + 100, 2000), p3(data.data() + 2100, 2900);
  uint64_t crc = Crc64Combine(Crc64(0, p1), Crc64(0, p2), p2.size());
  CHECK(Crc64Combine(crc, Crc64(0, p3), p3.size()) == Crc64(0, data));
}

}  // namespace
}  // namespace shoal
