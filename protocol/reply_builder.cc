#include "protocol/reply_builder.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shoal::protocol {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS: the buffer size ld2string and string2ld work with.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;
// Redis's LONG_STR_SIZE: string2ll rejects strings of this length or longer.
constexpr size_t kLongStrSize = 21;

constexpr char kDigitPairs[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t DigitCount(uint64_t v) {
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

// Writes the decimal digits of v (no NUL) and returns their count.
size_t FormatUint64(uint64_t v, char* buf) {
  const size_t len = DigitCount(v);
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

bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ReplyBuilder

void ReplyBuilder::Ok() { out_->append("+OK\r\n", 5); }

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view msg) {
  // sdstrim(s, "\r\n") followed by sdsmapchars(s, "\r\n", "  ", 2).
  size_t begin = 0;
  size_t end = msg.size();
  while (begin < end && (msg[begin] == '\r' || msg[begin] == '\n')) ++begin;
  while (end > begin && (msg[end - 1] == '\r' || msg[end - 1] == '\n')) --end;
  msg = msg.substr(begin, end - begin);
  if (msg.empty() || msg[0] != '-') out_->push_back('-');
  const size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) {
  char buf[kInt64BufSize + 3];
  buf[0] = ':';
  size_t n = FormatInt64(v, buf + 1);
  buf[n + 1] = '\r';
  buf[n + 2] = '\n';
  out_->append(buf, n + 3);
}

void ReplyBuilder::Bulk(std::string_view s) {
  char header[kInt64BufSize + 3];
  header[0] = '$';
  size_t n = FormatUint64(s.size(), header + 1);
  header[n + 1] = '\r';
  header[n + 2] = '\n';
  const size_t total = n + 3 + s.size() + 2;
  if (out_->capacity() - out_->size() < total) out_->reserve(out_->size() + total);
  out_->append(header, n + 3);
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::AggregateHeader(char prefix, size_t n) {
  char header[kInt64BufSize + 3];
  header[0] = prefix;
  size_t len = FormatUint64(n, header + 1);
  header[len + 1] = '\r';
  header[len + 2] = '\n';
  out_->append(header, len + 3);
}

void ReplyBuilder::Array(size_t n) { AggregateHeader('*', n); }

void ReplyBuilder::Map(size_t n) {
  if (resp_ >= 3) {
    AggregateHeader('%', n);
  } else {
    AggregateHeader('*', n * 2);
  }
}

void ReplyBuilder::Set(size_t n) { AggregateHeader(resp_ >= 3 ? '~' : '*', n); }

void ReplyBuilder::Push(size_t n) { AggregateHeader(resp_ >= 3 ? '>' : '*', n); }

void ReplyBuilder::Double(double d) {
  char buf[kDoubleBufSize];
  std::string_view repr(buf, FormatDouble(d, buf));
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(repr);
    out_->append("\r\n", 2);
  } else {
    Bulk(repr);
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view type) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  char header[kInt64BufSize + 7];
  header[0] = '=';
  size_t n = FormatUint64(text.size() + 4, header + 1) + 1;
  header[n++] = '\r';
  header[n++] = '\n';
  for (size_t i = 0; i < 3; ++i) header[n++] = i < type.size() ? type[i] : ' ';
  header[n++] = ':';
  out_->append(header, n);
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BulkArray(const std::vector<std::string_view>& items) {
  Array(items.size());
  for (std::string_view item : items) Bulk(item);
}

// ---------------------------------------------------------------------------------------------
// Number helpers

size_t FormatInt64(int64_t v, char* buf) {
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

}  // namespace shoal::protocol
