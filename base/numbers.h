// Redis-identical number formatting and parsing (util.c's ll2string, string2ll, ld2string,
// string2ld, string2d; addReplyDouble's "%.17g"). The base layer: used by protocol/ (replies,
// request lengths) and shard/ (integer-encoded values, listpacks, scores) alike; it includes
// nothing of theirs. Pure functions, callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

// Bytes FormatInt64 may write, including the trailing NUL.
inline constexpr size_t kInt64BufSize = 21;

namespace numbers_internal {

inline constexpr char kDigitPairs[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline size_t DigitCount(uint64_t v) {
  size_t n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

}  // namespace numbers_internal

// Writes the decimal digits of v (no NUL) into buf (>= kInt64BufSize bytes) and returns their
// count. Inline: the reply builder's hot path (bulk lengths, integers).
inline size_t FormatUint64(uint64_t v, char* buf) {
  using numbers_internal::kDigitPairs;
  const size_t len = numbers_internal::DigitCount(v);
  char* p = buf + len;
  while (v >= 100) {
    const unsigned i = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  if (v < 10) {
    *--p = static_cast<char>('0' + v);
  } else {
    const unsigned i = static_cast<unsigned>(v) * 2;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  return len;
}

// ll2string: writes the decimal form of v plus a NUL into buf (>= kInt64BufSize bytes) and
// returns the length without the NUL.
inline size_t FormatInt64(int64_t v, char* buf) {
  size_t n;
  if (v < 0) {
    buf[0] = '-';
    // Two's complement negation through uint64_t is well defined for INT64_MIN too.
    n = FormatUint64(0 - static_cast<uint64_t>(v), buf + 1) + 1;
  } else {
    n = FormatUint64(static_cast<uint64_t>(v), buf);
  }
  buf[n] = '\0';
  return n;
}

// ld2string(..., LD_STR_HUMAN) as INCRBYFLOAT/HINCRBYFLOAT store it: "%.17Lf" with trailing
// zeros (and a trailing '.') removed, "-0" turned into "0", "inf"/"-inf" for infinities.
std::string FormatLongDouble(long double v);
// What addReplyDouble writes: "%.17g", or "inf"/"-inf".
std::string FormatDouble(double v);
// The same into buf (at least kDoubleBufSize bytes, no NUL); returns the length. No allocation.
inline constexpr size_t kDoubleBufSize = 32;
size_t FormatDouble(double v, char* buf);
// string2ll: optional '-', no '+', no leading zeros (except "0"), no spaces, no "-0",
// at most 20 bytes, range checked.
bool ParseInt64(std::string_view s, int64_t* v);
// string2ld: strtold over the whole string; rejects empty, >= 5120 bytes, leading space,
// trailing garbage, nan, overflow and underflow to zero. Accepts "inf", "+1", hex floats.
bool ParseLongDouble(std::string_view s, long double* v);
// string2d / getDoubleFromObject: strtod over the whole string; rejects empty, leading space,
// trailing garbage, nan, overflow (e.g. "1e309") and underflow to zero. Accepts "inf", "+1".
bool ParseDouble(std::string_view s, double* v);

}  // namespace shoal
