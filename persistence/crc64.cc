#include "persistence/crc64.h"

#include <array>
#include <bit>
#include <cstring>

namespace shoal {
namespace {

// The Jones polynomial bit-reversed, for the right-shifting (reflected) form.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

using Tables = std::array<std::array<uint64_t, 256>, 8>;

// tables[0] is the classic byte table; tables[k][b] is the CRC of byte b followed by k zero bytes,
// which lets the loop fold 8 input bytes with 8 independent lookups.
constexpr Tables MakeTables() {
  Tables t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
    t[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

// The byte-at-a-time form, for the compile-time check against crc64.c's test vector.
constexpr uint64_t Crc64Bytewise(std::string_view s) {
  uint64_t crc = 0;
  for (char c : s) crc = kTables[0][(crc ^ static_cast<unsigned char>(c)) & 0xff] ^ (crc >> 8);
  return crc;
}
static_assert(Crc64Bytewise("123456789") == 0xe9c6d914c4b8d9caULL);

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  // The slice-by-8 step reads the input as a little-endian word (it folds the low byte first).
  static_assert(std::endian::native == std::endian::little, "slice-by-8 assumes little endian");
  while (len >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc ^= word;
    crc = kTables[7][crc & 0xff] ^ kTables[6][(crc >> 8) & 0xff] ^ kTables[5][(crc >> 16) & 0xff] ^
          kTables[4][(crc >> 24) & 0xff] ^ kTables[3][(crc >> 32) & 0xff] ^
          kTables[2][(crc >> 40) & 0xff] ^ kTables[1][(crc >> 48) & 0xff] ^ kTables[0][crc >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = kTables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace shoal

namespace shoal {
namespace {

// GF(2) matrix helpers for Crc64Combine (the method of zlib's crc32_combine): a 64x64 bit matrix
// is 64 column vectors; times() applies it to a vector.
uint64_t Gf2Times(const uint64_t* mat, uint64_t vec) {
  uint64_t sum = 0;
  for (; vec != 0; vec >>= 1, ++mat) {
    if (vec & 1) sum ^= *mat;
  }
  return sum;
}

void Gf2Square(uint64_t* square, const uint64_t* mat) {
  for (int n = 0; n < 64; ++n) square[n] = Gf2Times(mat, mat[n]);
}

}  // namespace

uint64_t Crc64Combine(uint64_t crc1, uint64_t crc2, uint64_t len2) {
  if (len2 == 0) return crc1;
  uint64_t even[64], odd[64];
  odd[0] = kReflectedPoly;  // the operator for one zero bit
  for (int n = 1; n < 64; ++n) odd[n] = uint64_t{1} << (n - 1);
  Gf2Square(even, odd);  // two zero bits
  Gf2Square(odd, even);  // four zero bits
  // Apply len2 zero bytes to crc1: squaring gives the operators for 1, 2, 4 ... bytes.
  do {
    Gf2Square(even, odd);
    if (len2 & 1) crc1 = Gf2Times(even, crc1);
    len2 >>= 1;
    if (len2 == 0) break;
    Gf2Square(odd, even);
    if (len2 & 1) crc1 = Gf2Times(odd, crc1);
    len2 >>= 1;
  } while (len2 != 0);
  return crc1 ^ crc2;
}

}  // namespace shoal
