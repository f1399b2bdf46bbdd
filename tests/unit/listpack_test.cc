// Listpack unit tests: per-encoding sizes at every boundary, integer canonicalisation, lookups,
// and random mutations checked against a std::vector model.
#include "shard/listpack.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/numbers.h"

using namespace shoal;

namespace {

std::string ElemStr(const uint8_t* p) {
  char buf[kInt64BufSize];
  return std::string(lp::Get(p).Str(buf));
}

// Checks length, byte count, forward and backward traversal and Seek against the model.
void CheckAgainst(uint8_t* lp, const std::vector<std::string>& model) {
  REQUIRE(lp::Length(lp) == model.size());
  size_t bytes = 9;
  for (const std::string& s : model) bytes += lp::EntrySize(s);
  REQUIRE(lp::Bytes(lp) == bytes);
  REQUIRE(lp::MallocSize(lp) >= bytes);
  size_t i = 0;
  for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p), ++i) {
    REQUIRE(i < model.size());
    REQUIRE(ElemStr(p) == model[i]);
  }
  REQUIRE(i == model.size());
  for (uint8_t* p = lp::Last(lp); p != nullptr; p = lp::Prev(lp, p)) {
    REQUIRE(i > 0);
    --i;
    REQUIRE(ElemStr(p) == model[i]);
  }
  REQUIRE(i == 0);
  const int64_t n = static_cast<int64_t>(model.size());
  REQUIRE(lp::Seek(lp, n) == nullptr);
  REQUIRE(lp::Seek(lp, -n - 1) == nullptr);
  if (n > 0) {
    REQUIRE(lp::Seek(lp, 0) == lp::First(lp));
    REQUIRE(lp::Seek(lp, -1) == lp::Last(lp));
  } else {
    REQUIRE(lp::First(lp) == nullptr);
    REQUIRE(lp::Last(lp) == nullptr);
  }
}

size_t OneElementBytes(std::string_view s) {
  uint8_t* lp = lp::Append(lp::New(), s);
  const size_t n = lp::Bytes(lp) - 9;
  REQUIRE(ElemStr(lp::First(lp)) == s);
  lp::Free(lp);
  return n;
}

size_t OneIntBytes(int64_t v) {
  uint8_t* lp = lp::AppendInt(lp::New(), v);
  const size_t n = lp::Bytes(lp) - 9;
  lp::Elem e = lp::Get(lp::First(lp));
  REQUIRE(e.is_int);
  REQUIRE(e.ival == v);
  lp::Free(lp);
  return n;
}

}  // namespace

TEST_CASE("Listpack starts empty", "[listpack]") {
  uint8_t* lp = lp::New();
  REQUIRE(lp::Length(lp) == 0);
  REQUIRE(lp::Bytes(lp) == 9);
  REQUIRE(lp::First(lp) == nullptr);
  REQUIRE(lp::Last(lp) == nullptr);
  REQUIRE(lp::Seek(lp, 0) == nullptr);
  REQUIRE(lp::Seek(lp, -1) == nullptr);
  REQUIRE(lp::Find(lp, lp::First(lp), "a", 0) == nullptr);
  REQUIRE(lp::DeleteRange(lp, 0, 5) == lp);
  lp::Free(lp);
}

TEST_CASE("Listpack string sizes match Redis at every length boundary", "[listpack]") {
  // Encoding header + payload + backlen, as Redis's listpack stores them.
  REQUIRE(OneElementBytes("") == 2);
  REQUIRE(OneElementBytes("abcdefghij") == 12);
  REQUIRE(OneElementBytes(std::string(63, 'a')) == 65);
  REQUIRE(OneElementBytes(std::string(64, 'a')) == 67);
  REQUIRE(OneElementBytes(std::string(125, 'a')) == 128);  // encoded 127: 1-byte backlen
  REQUIRE(OneElementBytes(std::string(126, 'a')) == 130);  // encoded 128: 2-byte backlen
  REQUIRE(OneElementBytes(std::string(4095, 'a')) == 4099);
  REQUIRE(OneElementBytes(std::string(4096, 'a')) == 4103);
  REQUIRE(OneElementBytes(std::string(16377, 'a')) == 16384);
  REQUIRE(OneElementBytes(std::string(16378, 'a')) == 16386);
  REQUIRE(OneElementBytes(std::string(3000000, 'a')) == 3000005 + 4);
  for (size_t len : {0, 1, 62, 63, 64, 65, 4094, 4095, 4096, 4097, 70000}) {
    REQUIRE(OneElementBytes(std::string(len, 'x')) == lp::EntrySize(std::string(len, 'x')));
  }
}

TEST_CASE("Listpack integer sizes match Redis for every width", "[listpack]") {
  REQUIRE(OneIntBytes(0) == 2);
  REQUIRE(OneIntBytes(127) == 2);  // 7-bit
  REQUIRE(OneIntBytes(128) == 3);  // 13-bit
  REQUIRE(OneIntBytes(-1) == 3);
  REQUIRE(OneIntBytes(4095) == 3);
  REQUIRE(OneIntBytes(-4096) == 3);
  REQUIRE(OneIntBytes(4096) == 4);  // 16-bit
  REQUIRE(OneIntBytes(-4097) == 4);
  REQUIRE(OneIntBytes(INT16_MAX) == 4);
  REQUIRE(OneIntBytes(INT16_MIN) == 4);
  REQUIRE(OneIntBytes(INT16_MAX + 1) == 5);  // 24-bit
  REQUIRE(OneIntBytes(INT16_MIN - 1) == 5);
  REQUIRE(OneIntBytes((1 << 23) - 1) == 5);
  REQUIRE(OneIntBytes(-(1 << 23)) == 5);
  REQUIRE(OneIntBytes(1 << 23) == 6);  // 32-bit
  REQUIRE(OneIntBytes(-(1 << 23) - 1) == 6);
  REQUIRE(OneIntBytes(INT32_MAX) == 6);
  REQUIRE(OneIntBytes(INT32_MIN) == 6);
  REQUIRE(OneIntBytes(int64_t{INT32_MAX} + 1) == 10);  // 64-bit
  REQUIRE(OneIntBytes(int64_t{INT32_MIN} - 1) == 10);
  REQUIRE(OneIntBytes(INT64_MAX) == 10);
  REQUIRE(OneIntBytes(INT64_MIN) == 10);
}

TEST_CASE("Listpack stores canonical integer strings as integers only", "[listpack]") {
  for (std::string s : {"0", "127", "-1", "4095", "-4096", "32767", "-8388608", "2147483647",
                        "9223372036854775807", "-9223372036854775808"}) {
    INFO(s);
    uint8_t* lp = lp::Append(lp::New(), s);
    lp::Elem e = lp::Get(lp::First(lp));
    REQUIRE(e.is_int);
    REQUIRE(ElemStr(lp::First(lp)) == s);
    REQUIRE(lp::Eq(lp::First(lp), s));
    REQUIRE(lp::EntrySize(s) == lp::Bytes(lp) - 9);
    lp::Free(lp);
  }
  for (std::string s : {"01", "+1", " 1", "1 ", "-0", "00", "-", "9223372036854775808",
                        "-9223372036854775809", "1.0", "0x10", "123456789012345678901"}) {
    INFO(s);
    uint8_t* lp = lp::Append(lp::New(), s);
    lp::Elem e = lp::Get(lp::First(lp));
    REQUIRE_FALSE(e.is_int);
    REQUIRE(e.sval == s);
    REQUIRE(lp::Eq(lp::First(lp), s));
    REQUIRE(lp::Bytes(lp) - 9 == 2 + s.size());
    lp::Free(lp);
  }
}

TEST_CASE("Listpack Eq and Find tell integers and look-alike strings apart", "[listpack]") {
  uint8_t* lp = lp::New();
  for (std::string s : {"1", "01", "+1", "a", "1", "-0", "0", "x", "100000", "y"}) {
    lp = lp::Append(lp, s);
  }
  REQUIRE(lp::Eq(lp::Seek(lp, 0), "1"));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 0), "01"));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 0), "+1"));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 0), "1 "));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 1), "1"));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 5), "0"));
  REQUIRE(lp::Eq(lp::Seek(lp, 5), "-0"));
  REQUIRE_FALSE(lp::Eq(lp::Seek(lp, 8), "10000"));
  REQUIRE(lp::Find(lp, lp::First(lp), "01", 0) == lp::Seek(lp, 1));
  REQUIRE(lp::Find(lp, lp::First(lp), "0", 0) == lp::Seek(lp, 6));
  REQUIRE(lp::Find(lp, lp::First(lp), "missing", 0) == nullptr);
  // skip = 1: only even positions (fields of a field/value listpack) are looked at.
  REQUIRE(lp::Find(lp, lp::First(lp), "01", 1) == nullptr);
  REQUIRE(lp::Find(lp, lp::First(lp), "a", 1) == nullptr);
  REQUIRE(lp::Find(lp, lp::First(lp), "1", 1) == lp::Seek(lp, 0));
  REQUIRE(lp::Find(lp, lp::Seek(lp, 1), "1", 1) == nullptr);
  REQUIRE(lp::Find(lp, lp::Seek(lp, 2), "1", 1) == lp::Seek(lp, 4));
  REQUIRE(lp::Find(lp, lp::First(lp), "100000", 1) == lp::Seek(lp, 8));
  REQUIRE(lp::Find(lp, lp::First(lp), "y", 1) == nullptr);
  REQUIRE(lp::Find(lp, lp::Seek(lp, 1), "y", 1) == lp::Seek(lp, 9));
  lp::Free(lp);
}

TEST_CASE("Listpack mutations return positions in the moved block", "[listpack]") {
  uint8_t* lp = lp::New();
  lp = lp::Append(lp, "b");
  lp = lp::Prepend(lp, "a");
  lp = lp::AppendInt(lp, 42);
  uint8_t* out = nullptr;
  lp = lp::Insert(lp, lp::Seek(lp, 1), std::string(5000, 'z'), false, &out);
  REQUIRE(out == lp::Seek(lp, 2));
  lp = lp::Insert(lp, lp::Seek(lp, 0), "-5", true, &out);
  REQUIRE(out == lp::First(lp));
  REQUIRE(lp::Get(out).ival == -5);
  lp = lp::Replace(lp, lp::Seek(lp, 3), "short", &out);
  REQUIRE(out == lp::Seek(lp, 3));
  REQUIRE(ElemStr(out) == "short");
  lp = lp::Replace(lp, out, std::string(300, 'q'), &out);
  REQUIRE(ElemStr(out) == std::string(300, 'q'));
  CheckAgainst(lp, {"-5", "a", "b", std::string(300, 'q'), "42"});
  uint8_t* next = nullptr;
  lp = lp::Delete(lp, lp::Seek(lp, 1), &next);
  REQUIRE(next == lp::Seek(lp, 1));
  REQUIRE(ElemStr(next) == "b");
  lp = lp::Delete(lp, lp::Last(lp), &next);
  REQUIRE(next == nullptr);
  CheckAgainst(lp, {"-5", "b", std::string(300, 'q')});
  // A value viewed inside the listpack itself can be written back into it.
  lp::Elem e = lp::Get(lp::Last(lp));
  lp = lp::Prepend(lp, e.sval);
  e = lp::Get(lp::Seek(lp, 2));
  lp = lp::Replace(lp, lp::Seek(lp, 1), e.sval, nullptr);
  CheckAgainst(lp, {std::string(300, 'q'), "b", "b", std::string(300, 'q')});
  uint8_t* copy = lp::Clone(lp);
  lp = lp::DeleteRange(lp, -3, 100);
  CheckAgainst(lp, {std::string(300, 'q')});
  CheckAgainst(copy, {std::string(300, 'q'), "b", "b", std::string(300, 'q')});
  lp = lp::DeleteRange(lp, 0, 1);
  CheckAgainst(lp, {});
  lp::Free(lp);
  lp::Free(copy);
}

TEST_CASE("Listpack random operations match a vector model", "[listpack]") {
  const std::vector<std::string> interesting = {"",
                                                "0",
                                                "-0",
                                                "01",
                                                "+1",
                                                " 1",
                                                "127",
                                                "128",
                                                "-1",
                                                "4095",
                                                "4096",
                                                "-4096",
                                                "-4097",
                                                "32767",
                                                "32768",
                                                "-32768",
                                                "-32769",
                                                "8388607",
                                                "8388608",
                                                "-8388608",
                                                "-8388609",
                                                "2147483647",
                                                "2147483648",
                                                "-2147483648",
                                                "-2147483649",
                                                "9223372036854775807",
                                                "-9223372036854775808",
                                                "9223372036854775808",
                                                std::string(63, 'a'),
                                                std::string(64, 'b'),
                                                std::string(125, 'c'),
                                                std::string(126, 'd'),
                                                std::string(4095, 'e'),
                                                std::string(4096, 'f')};
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&]() -> std::string {
      switch (rng() % 4) {
        case 0:
          return interesting[rng() % interesting.size()];
        case 1:
          return std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64));
        default: {
          std::string s(rng() % 20, 'x');
          for (char& c : s) c = static_cast<char>('0' + rng() % 12);  // digits and ':' ';'
          return s;
        }
      }
    };
    std::vector<std::string> model;
    uint8_t* lp = lp::New();
    const int ops = 20 + static_cast<int>(rng() % 60);
    for (int op = 0; op < ops; ++op) {
      const size_t n = model.size();
      const unsigned kind = rng() % 10;
      if (kind == 0 || n == 0) {
        std::string s = pick();
        lp = lp::Append(lp, s);
        model.push_back(s);
      } else if (kind == 1) {
        const int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
        lp = lp::AppendInt(lp, v);
        model.push_back(std::to_string(v));
      } else if (kind == 2) {
        std::string s = pick();
        lp = lp::Prepend(lp, s);
        model.insert(model.begin(), s);
      } else if (kind == 3 || kind == 4) {
        const size_t i = rng() % n;
        const bool before = rng() % 2 == 0;
        std::string s = pick();
        uint8_t* out = nullptr;
        lp = lp::Insert(lp, lp::Seek(lp, static_cast<int64_t>(i)), s, before, &out);
        const size_t at = before ? i : i + 1;
        model.insert(model.begin() + static_cast<ptrdiff_t>(at), s);
        REQUIRE(out == lp::Seek(lp, static_cast<int64_t>(at)));
      } else if (kind == 5) {
        const int64_t i = static_cast<int64_t>(rng() % n) - static_cast<int64_t>(n);
        std::string s = pick();
        uint8_t* out = nullptr;
        lp = lp::Replace(lp, lp::Seek(lp, i), s, &out);
        model[static_cast<size_t>(i + static_cast<int64_t>(n))] = s;
        REQUIRE(ElemStr(out) == s);
      } else if (kind == 6 || kind == 7) {
        const size_t i = rng() % n;
        uint8_t* next = nullptr;
        lp = lp::Delete(lp, lp::Seek(lp, static_cast<int64_t>(i)), &next);
        model.erase(model.begin() + static_cast<ptrdiff_t>(i));
        REQUIRE(next == lp::Seek(lp, static_cast<int64_t>(i)));
      } else if (kind == 8) {
        const int64_t i = static_cast<int64_t>(rng() % (2 * n + 2)) - static_cast<int64_t>(n);
        const uint32_t count = static_cast<uint32_t>(rng() % 5);
        lp = lp::DeleteRange(lp, i, count);
        const int64_t start = i < 0 ? i + static_cast<int64_t>(n) : i;
        if (start >= 0 && start < static_cast<int64_t>(n)) {
          const size_t end = std::min(n, static_cast<size_t>(start) + count);
          model.erase(model.begin() + start, model.begin() + static_cast<ptrdiff_t>(end));
        }
      } else {
        const std::string s = rng() % 2 == 0 ? pick() : model[rng() % n];
        const unsigned skip = static_cast<unsigned>(rng() % 2);
        size_t expect = n;
        for (size_t i = 0; i < n; i += skip + 1) {
          if (model[i] == s) {
            expect = i;
            break;
          }
        }
        uint8_t* found = lp::Find(lp, lp::First(lp), s, skip);
        REQUIRE(found == (expect == n ? nullptr : lp::Seek(lp, static_cast<int64_t>(expect))));
      }
      if (n > 0 && model.size() > 0) {
        const int64_t i = static_cast<int64_t>(rng() % model.size());
        REQUIRE(ElemStr(lp::Seek(lp, i)) == model[static_cast<size_t>(i)]);
        REQUIRE(ElemStr(lp::Seek(lp, i - static_cast<int64_t>(model.size()))) ==
                model[static_cast<size_t>(i)]);
        REQUIRE(lp::Eq(lp::Seek(lp, i), model[static_cast<size_t>(i)]));
      }
    }
    CheckAgainst(lp, model);
    lp::Free(lp);
  }
}

TEST_CASE("Listpack in Redis's layout: transcode and validation", "[listpack]") {
  std::mt19937_64 rng(3);
  const auto any = [](const uint8_t*) { return true; };
  for (int round = 0; round < 200; ++round) {
    uint8_t* lp = lp::New();
    const size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          lp = lp::AppendInt(lp, static_cast<int64_t>(rng()) >> (rng() % 64));
          break;
        case 1:
          lp = lp::Append(lp, std::string(rng() % 5000, 'x'));
          break;
        default:
          lp = lp::Append(lp, std::string(rng() % 70, 'y') + "z");
          break;
      }
    }
    std::string redis;
    lp::AppendRedisLayout(lp, &redis);
    REQUIRE(redis.size() == lp::Bytes(lp) - 2);
    REQUIRE(lp::ValidateRedisLayout(redis, any) == static_cast<int64_t>(n));
    uint8_t* back = lp::FromRedisLayout(redis, static_cast<uint32_t>(n));
    REQUIRE(lp::Bytes(back) == lp::Bytes(lp));
    REQUIRE(std::memcmp(back, lp, lp::Bytes(lp)) == 0);
    // Every truncation fails (every length of a small listpack, a sample of a big one's plus
    // its last 64: the check is linear, so all of a 200 KB one would be quadratic); a changed
    // byte fails or still reads as a sound listpack.
    std::vector<size_t> lengths;
    for (size_t len = 0; len < redis.size(); ++len) {
      if (redis.size() <= 2048 || len + 64 >= redis.size() || rng() % (redis.size() / 256) == 0)
        lengths.push_back(len);
    }
    for (size_t len : lengths) {
      std::string cut = redis.substr(0, len);
      if (len >= 4) {  // a header that agrees with the size
        for (int b = 0; b < 4; ++b) cut[b] = static_cast<char>(len >> (8 * b));
      }
      REQUIRE(lp::ValidateRedisLayout(cut, any) < 0);
    }
    for (int k = 0; k < 20 && !redis.empty(); ++k) {
      std::string bad = redis;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      const int64_t count = lp::ValidateRedisLayout(bad, any);
      if (count < 0) continue;
      uint8_t* ok = lp::FromRedisLayout(bad, static_cast<uint32_t>(count));
      std::vector<std::string> fwd;
      for (uint8_t* p = lp::First(ok); p != nullptr; p = lp::Next(ok, p)) fwd.push_back(ElemStr(p));
      REQUIRE(fwd.size() == static_cast<size_t>(count));
      for (uint8_t* p = lp::Last(ok); p != nullptr; p = lp::Prev(ok, p)) {
        REQUIRE(ElemStr(p) == fwd.back());
        fwd.pop_back();
      }
      lp::Free(ok);
    }
    lp::Free(back);
    lp::Free(lp);
  }
}

TEST_CASE("Listpack in Redis's layout: counts past 65534 and refused shapes", "[listpack]") {
  const auto any = [](const uint8_t*) { return true; };
  uint8_t* lp = lp::New();
  for (int i = 0; i < 70000; ++i) lp = lp::AppendInt(lp, i % 100);
  std::string redis;
  lp::AppendRedisLayout(lp, &redis);
  CHECK(static_cast<uint8_t>(redis[4]) == 0xFF);
  CHECK(static_cast<uint8_t>(redis[5]) == 0xFF);
  CHECK(lp::ValidateRedisLayout(redis, any) == 70000);
  lp::Free(lp);
  auto bytes = [](std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s.push_back(static_cast<char>(c));
    return s;
  };
  // "a" "b": valid; then the count wrong, a string holding "12", a bad backlen, an unknown
  // encoding, 0xFF inside, bytes after the terminator, and the callback refusing.
  CHECK(lp::ValidateRedisLayout(bytes({13, 0, 0, 0, 2, 0, 0x81, 'a', 2, 0x81, 'b', 2, 0xFF}),
                                any) == 2);
  CHECK(lp::ValidateRedisLayout(bytes({13, 0, 0, 0, 0xFF, 0xFF, 0x81, 'a', 2, 0x81, 'b', 2, 0xFF}),
                                any) == 2);
  CHECK(lp::ValidateRedisLayout(bytes({13, 0, 0, 0, 3, 0, 0x81, 'a', 2, 0x81, 'b', 2, 0xFF}), any) <
        0);
  CHECK(lp::ValidateRedisLayout(bytes({11, 0, 0, 0, 1, 0, 0x82, '1', '2', 3, 0xFF}), any) < 0);
  CHECK(lp::ValidateRedisLayout(bytes({13, 0, 0, 0, 2, 0, 0x81, 'a', 3, 0x81, 'b', 2, 0xFF}), any) <
        0);
  CHECK(lp::ValidateRedisLayout(bytes({9, 0, 0, 0, 1, 0, 0xF5, 1, 0xFF}), any) < 0);
  CHECK(lp::ValidateRedisLayout(bytes({10, 0, 0, 0, 1, 0, 0x05, 1, 0xFF, 0xFF}), any) < 0);
  CHECK(lp::ValidateRedisLayout(bytes({7, 0, 0, 0, 0, 0, 0xFF}), any) == 0);
  CHECK(lp::ValidateRedisLayout(bytes({9, 0, 0, 0, 1, 0, 0x05, 1, 0xFF}),
                                [](const uint8_t*) { return false; }) < 0);
}
