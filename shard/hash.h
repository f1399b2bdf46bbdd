// 64-bit hash of keys inside a shard's table (wyhash-style multiply-mix). Independent of the
// CRC16 slot routing in key_slot.h: the shard is chosen by CRC16, the position inside the
// shard's table by this hash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace shoal {

namespace hash_internal {
inline uint64_t Mum(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t R64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t R32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace hash_internal

// Chosen at random when the process starts: tables keyed by client data (the key table, hash and
// set members) hash with it, so nobody can precompute keys that collide (hash flooding).
// (Defined in shard/hash.cc.)
extern const uint64_t kProcessHashSeed;

inline uint64_t HashKey(std::string_view key, uint64_t seed = kProcessHashSeed) {
  using hash_internal::Mum;
  using hash_internal::R32;
  using hash_internal::R64;
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                     k2 = 0x8ebc6af09c88c6e3ull, k3 = 0x589965cc75374cc3ull;
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  size_t n = key.size();
  seed ^= Mum(seed ^ k0, k1);
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      a = (R32(p) << 32) | R32(p + ((n >> 3) << 2));
      b = (R32(p + n - 4) << 32) | R32(p + n - 4 - ((n >> 3) << 2));
    } else if (n > 0) {
      a = (uint64_t{p[0]} << 16) | (uint64_t{p[n >> 1]} << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    if (i > 48) {
      uint64_t s1 = seed, s2 = seed;
      do {
        seed = Mum(R64(p) ^ k1, R64(p + 8) ^ seed);
        s1 = Mum(R64(p + 16) ^ k2, R64(p + 24) ^ s1);
        s2 = Mum(R64(p + 32) ^ k3, R64(p + 40) ^ s2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= s1 ^ s2;
    }
    while (i > 16) {
      seed = Mum(R64(p) ^ k1, R64(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = R64(p + i - 16);
    b = R64(p + i - 8);
  }
  a ^= k1;
  b ^= seed;
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  a = static_cast<uint64_t>(r);
  b = static_cast<uint64_t>(r >> 64);
  return Mum(a ^ k0 ^ n, b ^ k1);
}

}  // namespace shoal
