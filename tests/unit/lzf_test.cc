// persistence/lzf: round trips, byte-identity with Redis 7.0's lzf_compress (sizes and CRC64s of
// its output recorded from Redis's lzf_c.c for generated inputs), output-size refusals, and a
// decompressor that stays inside its buffers on arbitrary bytes.
#include "persistence/lzf.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "persistence/crc64.h"

namespace shoal {
namespace {

// Text over `alphabet` printable characters with back copies of up to 300 bytes from up to 9000
// bytes back: matches at every offset and length LZF encodes. The vectors below were produced by
// Redis 7.0.15's lzf_c.c (cleared hash table) on exactly these inputs.
std::string MakeLzfInput(uint64_t seed, size_t len, unsigned alphabet) {
  uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  std::string in;
  while (in.size() < len) {
    if (in.size() > 8 && next() % 3 == 0) {
      const size_t back = 1 + next() % std::min<size_t>(in.size(), 9000);
      const size_t n = 1 + next() % 300;
      for (size_t k = 0; k < n && in.size() < len; ++k) in.push_back(in[in.size() - back]);
    } else {
      in.push_back(static_cast<char>('!' + next() % alphabet));
    }
  }
  return in;
}

struct RedisVector {
  uint64_t seed;
  size_t len;
  unsigned alphabet;
  size_t compressed_len;  // lzf_compress(in, len, out, len - 4); 0 = refused
  uint64_t crc;           // Crc64 of the compressed bytes
};

const RedisVector kRedisVectors[] = {
    {1, 21, 1, 6, 0x48b0aa5a00c0853dULL},         {2, 21, 2, 0, 0x0000000000000000ULL},
    {3, 21, 4, 16, 0x932402e517983f19ULL},        {4, 21, 16, 0, 0x0000000000000000ULL},
    {5, 21, 64, 0, 0x0000000000000000ULL},        {6, 21, 94, 0, 0x0000000000000000ULL},
    {7, 22, 1, 8, 0xaf1311e5cc750289ULL},         {8, 22, 2, 16, 0x63b1b15922268e5bULL},
    {9, 22, 4, 17, 0x83f330df08b7e4dbULL},        {10, 22, 16, 17, 0xa803c8dce10b311eULL},
    {11, 22, 64, 0, 0x0000000000000000ULL},       {12, 22, 94, 16, 0x5cfb8498cde23c7aULL},
    {13, 25, 1, 9, 0x8e329eeba7796b3aULL},        {14, 25, 2, 17, 0x43f9b6d2c26915fdULL},
    {15, 25, 4, 15, 0x2bf6977345ef0b22ULL},       {16, 25, 16, 19, 0x1eadc641532afb34ULL},
    {17, 25, 64, 17, 0x70dec8846607ec93ULL},      {18, 25, 94, 16, 0xde6de1a0456ab94dULL},
    {19, 33, 1, 9, 0x20e9a6a8710d74fcULL},        {20, 33, 2, 18, 0x050882e1f4ab5e32ULL},
    {21, 33, 4, 15, 0x58b8e079b7b3534bULL},       {22, 33, 16, 19, 0xef59253d15fc53faULL},
    {23, 33, 64, 17, 0x58d54fdf1391eb0fULL},      {24, 33, 94, 19, 0xca29e4f816dc2bc4ULL},
    {25, 40, 1, 9, 0x2889141536dc1c3dULL},        {26, 40, 2, 16, 0x1796ab186c4be72cULL},
    {27, 40, 4, 16, 0xcf8b9ee800d048c1ULL},       {28, 40, 16, 16, 0x70a5815fdeb9ee04ULL},
    {29, 40, 64, 20, 0x82558ce0265f8e3fULL},      {30, 40, 94, 20, 0x2b739a0e4285d301ULL},
    {31, 64, 1, 9, 0xf0bd7a8214d7af1cULL},        {32, 64, 2, 22, 0xd991851d9dbcba22ULL},
    {33, 64, 4, 21, 0x43a8ab96b5be1a04ULL},       {34, 64, 16, 22, 0xf4d28c981892fffeULL},
    {35, 64, 64, 17, 0x566e7c9738d723eeULL},      {36, 64, 94, 16, 0x24cb6c2d4ffb4670ULL},
    {37, 100, 1, 9, 0xc970410592b382aaULL},       {38, 100, 2, 12, 0x5404fb670c26dfbaULL},
    {39, 100, 4, 16, 0x5370195e8f569f2fULL},      {40, 100, 16, 17, 0xb6ac199b0456f616ULL},
    {41, 100, 64, 16, 0xd0aab2b1beff1bbbULL},     {42, 100, 94, 17, 0x4aa6abb0f2b881eaULL},
    {43, 128, 1, 9, 0x4629b3b35b823e68ULL},       {44, 128, 2, 19, 0xe89cbabf01d2e9a4ULL},
    {45, 128, 4, 16, 0x86712cff5b469efbULL},      {46, 128, 16, 24, 0x495fc9e796c99243ULL},
    {47, 128, 64, 16, 0x9e623fd5190bd131ULL},     {48, 128, 94, 17, 0xeda460ac7e890d78ULL},
    {49, 300, 1, 12, 0xb8f569aeb9ef6d1dULL},      {50, 300, 2, 17, 0x7f72ff29da833ff5ULL},
    {51, 300, 4, 18, 0xbdfa2810f4a65adcULL},      {52, 300, 16, 42, 0xcf08439122588f8eULL},
    {53, 300, 64, 23, 0x9a2405b1bc9759afULL},     {54, 300, 94, 26, 0x6750707c6c5ca52fULL},
    {55, 1000, 1, 18, 0xd1a39f21e9fef54eULL},     {56, 1000, 2, 59, 0x4bbce80c032ad406ULL},
    {57, 1000, 4, 62, 0x410cafcfbd4dd15cULL},     {58, 1000, 16, 243, 0xd7fa14a03599dc1bULL},
    {59, 1000, 64, 142, 0x9f114ada48e50018ULL},   {60, 1000, 94, 66, 0xee051b8f29054b7cULL},
    {61, 4096, 1, 54, 0x80e7ec56d00dc462ULL},     {62, 4096, 2, 422, 0xbebedcff7b610225ULL},
    {63, 4096, 4, 530, 0x97d4c00872f175a7ULL},    {64, 4096, 16, 392, 0xa2dd95dd2649b2b8ULL},
    {65, 4096, 64, 410, 0x85def2f8c3291bd3ULL},   {66, 4096, 94, 281, 0xede82a37289dad3aULL},
    {67, 8200, 1, 102, 0x6bd27373b325126dULL},    {68, 8200, 2, 1631, 0x5f2b3c86e3a1aa62ULL},
    {69, 8200, 4, 927, 0x4603c5841b96e0b5ULL},    {70, 8200, 16, 796, 0xc108d0a07eb41e10ULL},
    {71, 8200, 64, 1052, 0x1ac991964d800f9aULL},  {72, 8200, 94, 884, 0x6e1ef4b5e4c99922ULL},
    {73, 20000, 1, 234, 0x7daabe2cad7118e5ULL},   {74, 20000, 2, 4162, 0xd948bd3364e37efeULL},
    {75, 20000, 4, 3136, 0x328accf0d50d6bd4ULL},  {76, 20000, 16, 2352, 0x2222e1e8eae5b51aULL},
    {77, 20000, 64, 2182, 0x0ffb14d6f8c060feULL}, {78, 20000, 94, 1952, 0x3bd819cbc2f1d0beULL},
    {79, 70000, 1, 804, 0x06332220cf5f72b3ULL},   {80, 70000, 2, 23251, 0xa282244cebed21fdULL},
    {81, 70000, 4, 16929, 0x48e2e69833fc316dULL}, {82, 70000, 16, 8427, 0x511ac0c29a44de8fULL},
    {83, 70000, 64, 8621, 0x5d0e53f540e4d252ULL}, {84, 70000, 94, 7293, 0x647876e00216a804ULL},
};

std::string Compress(const std::string& in, size_t cap) {
  std::string out(cap, '\0');
  out.resize(lzf::Compress(in.data(), in.size(), out.data(), cap));
  return out;
}

std::string Decompress(const std::string& in, size_t cap, size_t* n) {
  std::string out(cap, '\0');
  *n = lzf::Decompress(in.data(), in.size(), out.data(), cap);
  out.resize(*n);
  return out;
}

TEST_CASE("lzf::Compress output is byte-identical to Redis's lzf_compress", "[persistence][lzf]") {
  for (const RedisVector& v : kRedisVectors) {
    INFO("seed " << v.seed << " len " << v.len << " alphabet " << v.alphabet);
    const std::string in = MakeLzfInput(v.seed, v.len, v.alphabet);
    REQUIRE(in.size() == v.len);
    const std::string out = Compress(in, v.len - 4);
    CHECK(out.size() == v.compressed_len);
    if (!out.empty()) {
      CHECK(Crc64(0, out) == v.crc);
      size_t n;
      CHECK(Decompress(out, in.size(), &n) == in);
    }
  }
}

TEST_CASE("lzf known encodings", "[persistence][lzf]") {
  // 21 x 'a' as Redis stores it (DUMP of SET k aaaaaaaaaaaaaaaaaaaaa): literal "aa", then one
  // back reference of 19 bytes at offset 1 (111 00000, 19 - 9 = 10, offset byte 0).
  const std::string a21(21, 'a');
  CHECK(Compress(a21, 17) == std::string("\x01"
                                         "aa"
                                         "\xe0\x0a\x00",
                                         6));
  // Too short to hold anything: liblzf needs room for the pending run header.
  CHECK(lzf::Compress("ab", 2, nullptr, 0) == 0);
  CHECK(lzf::Compress(nullptr, 0, nullptr, 0) == 0);
  CHECK(Compress("a", 4) == std::string("\x00"
                                        "a",
                                        2));
  CHECK(Compress("ab", 4) == std::string("\x01"
                                         "ab",
                                         3));
  CHECK(Compress("abc", 5) == std::string("\x02"
                                          "abc",
                                          4));
  CHECK(Compress("abc", 4).empty());  // liblzf's conservative check refuses an exact fit
  // A 32-byte literal run is split: 33 distinct bytes need two headers.
  std::string distinct;
  for (int i = 0; i < 33; ++i) distinct.push_back(static_cast<char>(i * 7));
  const std::string out = Compress(distinct, 64);
  REQUIRE(out.size() == 35);
  CHECK(out[0] == 31);
  CHECK(out[33] == 0);
}

TEST_CASE("lzf round trips random inputs", "[persistence][lzf]") {
  std::mt19937_64 rng(20240601);
  for (int iter = 0; iter < 400; ++iter) {
    const size_t len =
        iter < 50 ? static_cast<size_t>(iter) : rng() % (iter % 20 == 0 ? 100000 : 2000);
    const std::string in = MakeLzfInput(rng(), len, 1 + static_cast<unsigned>(rng() % 94));
    const std::string out = Compress(in, len + len / 16 + 64);  // always enough room
    INFO("len " << len);
    if (len > 0) REQUIRE(!out.empty());
    size_t n;
    CHECK(Decompress(out, len, &n) == in);
    CHECK(n == len);
  }
}

TEST_CASE("lzf::Compress never writes past out_cap", "[persistence][lzf]") {
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t len = 1 + rng() % 500;
    const std::string in = MakeLzfInput(rng(), len, 1 + static_cast<unsigned>(rng() % 94));
    const size_t cap = rng() % (len + 40);
    std::vector<uint8_t> buf(cap + 16, 0xAB);
    const size_t n = lzf::Compress(in.data(), in.size(), buf.data(), cap);
    INFO("len " << len << " cap " << cap);
    CHECK(n <= cap);
    for (size_t i = cap; i < buf.size(); ++i) REQUIRE(buf[i] == 0xAB);
    if (n > 0) {
      std::string back(len, '\0');
      CHECK(lzf::Decompress(buf.data(), n, back.data(), len) == len);
      CHECK(back == in);
    }
  }
}

TEST_CASE("lzf::Decompress rejects malformed streams", "[persistence][lzf]") {
  size_t n;
  // Literal run longer than the input.
  Decompress(std::string("\x05"
                         "abc",
                         4),
             100, &n);
  CHECK(n == 0);
  // Output too small for a literal run.
  Decompress(std::string("\x02"
                         "abc",
                         4),
             2, &n);
  CHECK(n == 0);
  // Back reference missing its offset byte / its length byte.
  Decompress(std::string("\x00"
                         "a"
                         "\x20",
                         3),
             100, &n);
  CHECK(n == 0);
  Decompress(std::string("\x00"
                         "a"
                         "\xe0",
                         3),
             100, &n);
  CHECK(n == 0);
  Decompress(std::string("\x00"
                         "a"
                         "\xe0\x05",
                         4),
             100, &n);
  CHECK(n == 0);
  // Back reference before the start of the output.
  Decompress(std::string("\x00"
                         "a"
                         "\x20\x01",
                         4),
             100, &n);
  CHECK(n == 0);
  Decompress(std::string("\x20\x00", 2), 100, &n);
  CHECK(n == 0);
  // Back reference past the end of the output.
  Decompress(std::string("\x00"
                         "a"
                         "\x20\x00",
                         4),
             3, &n);
  CHECK(n == 0);
  // The same one with room: "a" then 3 copies at distance 1.
  CHECK(Decompress(std::string("\x00"
                               "a"
                               "\x20\x00",
                               4),
                   4, &n) == "aaaa");
}

TEST_CASE("lzf::Decompress on every prefix of a valid stream", "[persistence][lzf]") {
  const std::string in = MakeLzfInput(5, 3000, 8);
  const std::string out = Compress(in, in.size());
  REQUIRE(!out.empty());
  for (size_t cut = 0; cut < out.size(); ++cut) {
    std::string back(in.size(), '\0');
    // A prefix either breaks a token or ends early: never the full length.
    REQUIRE(lzf::Decompress(out.data(), cut, back.data(), back.size()) < in.size());
  }
}

TEST_CASE("lzf::Decompress stays in bounds on random bytes", "[persistence][lzf]") {
  std::mt19937_64 rng(12345);
  size_t accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const size_t len = rng() % 64;
    // Exactly sized heap buffers, so an ASan build flags any stray access.
    std::vector<uint8_t> in(len);
    for (auto& c : in) {
      c = static_cast<uint8_t>(rng());
      if (rng() % 2) c &= 0x3f;  // more short back references
    }
    const size_t cap = rng() % 300;
    std::vector<uint8_t> out(cap);
    const size_t n = lzf::Decompress(in.data(), in.size(), out.data(), cap);
    REQUIRE(n <= cap);
    accepted += n > 0;
  }
  CHECK(accepted > 0);
}

}  // namespace
}  // namespace shoal
