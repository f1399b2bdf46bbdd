#include "base/numbers.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shoal {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS: the buffer size ld2string and string2ld work with.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;
// Redis's LONG_STR_SIZE: string2ll rejects strings of this length or longer.
constexpr size_t kLongStrSize = 21;

bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int written = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (written < 0 || static_cast<size_t>(written) + 1 > sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(written);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

size_t FormatDouble(double v, char* buf) {
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 3 : 4);
    return v > 0 ? 3 : 4;
  }
  int written = std::snprintf(buf, kDoubleBufSize, "%.17g", v);
  return written < 0 ? 0 : static_cast<size_t>(written);
}

std::string FormatDouble(double v) {
  char buf[kDoubleBufSize];
  return std::string(buf, FormatDouble(v, buf));
}

bool ParseInt64(std::string_view s, int64_t* v) {
  const size_t slen = s.size();
  if (slen == 0 || slen >= kLongStrSize) return false;
  if (slen == 1 && s[0] == '0') {
    if (v != nullptr) *v = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == slen) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t value = static_cast<uint64_t>(s[i++] - '0');
  for (; i < slen; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > UINT64_MAX / 10) return false;
    value *= 10;
    if (value > UINT64_MAX - digit) return false;
    value += digit;
  }
  if (negative) {
    if (value > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    if (v != nullptr) *v = static_cast<int64_t>(0 - value);
  } else {
    if (value > static_cast<uint64_t>(INT64_MAX)) return false;
    if (v != nullptr) *v = static_cast<int64_t>(value);
  }
  return true;
}

bool ParseLongDouble(std::string_view s, long double* v) {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (IsCSpace(buf[0])) return false;
  char* end = nullptr;
  errno = 0;
  long double value = std::strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size() ||
      (errno == ERANGE &&
       (value == HUGE_VALL || value == -HUGE_VALL || std::fpclassify(value) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(value)) {
    return false;
  }
  if (v != nullptr) *v = value;
  return true;
}

bool ParseDouble(std::string_view s, double* v) {
  if (s.empty() || IsCSpace(s[0])) return false;
  char stack_buf[128];
  std::string heap_buf;
  const char* str;
  if (s.size() < sizeof(stack_buf)) {
    std::memcpy(stack_buf, s.data(), s.size());
    stack_buf[s.size()] = '\0';
    str = stack_buf;
  } else {
    heap_buf.assign(s);
    str = heap_buf.c_str();
  }
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(str, &end);
  if (static_cast<size_t>(end - str) != s.size() ||
      (errno == ERANGE &&
       (value == HUGE_VAL || value == -HUGE_VAL || std::fpclassify(value) == FP_ZERO)) ||
      std::isnan(value)) {
    return false;
  }
  if (v != nullptr) *v = value;
  return true;
}

}  // namespace shoal
