#include "protocol/request_parser.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "base/numbers.h"

namespace shoal::protocol {
namespace {

// Unauthenticated clients may not announce more than this (networking.c, CVE-2021-32675).
constexpr int64_t kUnauthMaxMultibulkLen = 10;
constexpr int64_t kUnauthMaxBulkLen = 16384;
// Redis preallocates argv for at most this many arguments up front.
constexpr int64_t kMaxArgvPrealloc = 1024;
// Vectors/strings grown past these sizes by one huge command are released before the next one.
constexpr size_t kMaxRetainedArgs = 4096;
constexpr size_t kMaxRetainedBytes = 128 * 1024;

// isspace() in the C locale.
bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexDigitToInt(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

RequestParser::Result RequestParser::Parse(std::string_view buf) {
  if (state_ == State::kError) return Result::kError;
  consumed_ = 0;
  args_.clear();
  has_owned_args_ = false;
  if (state_ == State::kStart) {
    if (args_.capacity() > kMaxRetainedArgs) {
      args_ = std::vector<std::string_view>();
      spans_ = std::vector<ArgSpan>();
    }
    if (unescaped_.capacity() > kMaxRetainedBytes) unescaped_ = std::string();
    if (buf.empty()) return Result::kNeedMore;
    if (buf[0] == '*' && ParseWholeMultibulk(buf)) return Result::kCommand;
    pos_ = 0;
    scan_pos_ = 0;
    state_ = buf[0] == '*' ? State::kMultibulkLen : State::kInline;
  } else if (buf.size() < pos_ || buf.size() < scan_pos_) {
    // The caller dropped bytes it had to keep: there is nothing to resume, start over.
    ClearProgress();
    return Parse(buf);
  }
  if (state_ == State::kInline) return ParseInline(buf);
  return ParseMultibulk(buf);
}

bool RequestParser::FindLineEnd(std::string_view buf, char ch, size_t* found) {
  const size_t from = std::max(scan_pos_, pos_);
  if (from >= buf.size()) {
    scan_pos_ = from;
    return false;
  }
  const char* base = buf.data();
  const size_t n = buf.size() - from;
  const char* hit = static_cast<const char*>(std::memchr(base + from, ch, n));
  const size_t limit = hit != nullptr ? static_cast<size_t>(hit - base) : buf.size();
  if (limit > from) {
    const char* nul = static_cast<const char*>(std::memchr(base + from, '\0', limit - from));
    if (nul != nullptr) {
      // strchr() in Redis stops here: the terminator is invisible until the command is dropped.
      scan_pos_ = static_cast<size_t>(nul - base);
      return false;
    }
  }
  scan_pos_ = limit;
  if (hit == nullptr) return false;
  *found = limit;
  return true;
}

RequestParser::Result RequestParser::ParseInline(std::string_view buf) {
  size_t newline;
  if (!FindLineEnd(buf, '\n', &newline)) {
    if (buf.size() > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    return Result::kNeedMore;
  }
  size_t line_end = newline;
  if (line_end > 0 && buf[line_end - 1] == '\r') --line_end;
  if (!SplitInline(buf.substr(0, line_end))) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  consumed_ = newline + 1;
  ClearProgress();
  return Result::kCommand;
}

// sdssplitargs() over `line` (which holds no NUL byte), appending to args_.
bool RequestParser::SplitInline(std::string_view line) {
  const char* p = line.data();
  const char* const end = p + line.size();
  // *(p + k) on Redis's NUL terminated copy of the line.
  auto at = [end](const char* q) -> char { return q < end ? *q : '\0'; };
  unescaped_.clear();
  // Unescaping never makes a token longer, so views into unescaped_ stay valid.
  unescaped_.reserve(line.size());
  for (;;) {
    while (p < end && IsCSpace(*p)) ++p;
    if (p == end) return true;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    bool copying = false;  // token (partly) quoted: it is built in unescaped_
    const char* token_start = p;
    const char* token_end = p;
    size_t copy_start = 0;
    auto start_copy = [&]() {
      if (copying) return;
      copying = true;
      copy_start = unescaped_.size();
      unescaped_.append(token_start, static_cast<size_t>(p - token_start));
    };
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          unescaped_.push_back(
              static_cast<char>(HexDigitToInt(at(p + 2)) * 16 + HexDigitToInt(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          char unescaped;
          switch (*p) {
            case 'n':
              unescaped = '\n';
              break;
            case 'r':
              unescaped = '\r';
              break;
            case 't':
              unescaped = '\t';
              break;
            case 'b':
              unescaped = '\b';
              break;
            case 'a':
              unescaped = '\a';
              break;
            default:
              unescaped = *p;
              break;
          }
          unescaped_.push_back(unescaped);
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          unescaped_.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          unescaped_.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          unescaped_.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            token_end = p;
            done = true;
            break;
          case '"':
            start_copy();
            in_double = true;
            break;
          case '\'':
            start_copy();
            in_single = true;
            break;
          default:
            if (copying) unescaped_.push_back(c);
            break;
        }
      }
      if (p < end) ++p;
    }
    if (copying) {
      has_owned_args_ = true;
      args_.emplace_back(unescaped_.data() + copy_start, unescaped_.size() - copy_start);
    } else {
      args_.emplace_back(token_start, static_cast<size_t>(token_end - token_start));
    }
  }
}

namespace {

// The common length line, "<digits>\r" from `from` with the byte after the '\r' present: its
// value and its '\r' in one pass over a few bytes, instead of two memchr calls (the '\r', a NUL
// before it) and ParseInt64. Anything else (no '\r' yet, a sign, a leading zero, junk, a NUL, more
// than 18 digits) returns false for the general path to decide, with Redis's errors.
bool FastLengthLine(std::string_view buf, size_t from, int64_t* value, size_t* cr) {
  constexpr size_t kMaxDigits = 18;  // below INT64_MAX: no overflow to check
  const size_t end = std::min(buf.size(), from + kMaxDigits);
  size_t i = from;
  int64_t n = 0;
  for (; i < end; ++i) {
    unsigned d = static_cast<unsigned char>(buf[i]) - unsigned{'0'};
    if (d > 9) break;
    n = n * 10 + d;
  }
  const size_t digits = i - from;
  // A 19th digit is no '\r': longer numbers take the general path.
  if (digits == 0 || i + 1 >= buf.size() || buf[i] != '\r') return false;
  if (buf[from] == '0' && digits > 1) return false;  // string2ll refuses leading zeros
  *value = n;
  *cr = i;
  return true;
}

// A whole, plainly formed multibulk command at buf[pos]: the count and every length as
// FastLengthLine reads them (and, when kLf, a '\n' after each of their '\r'), 1 to max_count
// arguments of at most max_len bytes, each payload and the two bytes after it present. Calls
// arg(k, view) for each argument in order; returns the offset just past the command, or 0 when
// it is anything else (arg may have been called for the arguments before that point).
template <bool kLf, typename ArgFn>
size_t WalkWholeMultibulk(std::string_view buf, size_t pos, int64_t max_count, int64_t max_len,
                          ArgFn&& arg) {
  auto header = [&](char prefix, int64_t* value) {
    size_t cr;
    if (pos >= buf.size() || buf[pos] != prefix || !FastLengthLine(buf, pos + 1, value, &cr) ||
        (kLf && buf[cr + 1] != '\n')) {
      return false;
    }
    pos = cr + 2;  // FastLengthLine saw the byte after '\r': pos <= buf.size()
    return true;
  };
  int64_t count;
  if (!header('*', &count) || count < 1 || count > max_count) return 0;
  for (int64_t k = 0; k < count; ++k) {
    int64_t len;
    if (!header('$', &len) || len > max_len) return 0;
    // The payload and the two bytes after it, which Redis skips without checking them.
    const size_t available = buf.size() - pos;
    if (available < 2 || available - 2 < static_cast<uint64_t>(len)) return 0;
    arg(k, std::string_view(buf.data() + pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len) + 2;
  }
  return pos;
}

}  // namespace

RequestParser::Result RequestParser::ParseMultibulk(std::string_view buf) {
  if (state_ == State::kMultibulkLen) {
    size_t cr;
    int64_t count;
    if (!FastLengthLine(buf, 1, &count, &cr)) {
      if (!FindLineEnd(buf, '\r', &cr)) {
        if (buf.size() > limits_.max_inline_len) {
          return Fail("Protocol error: too big mbulk count string");
        }
        return Result::kNeedMore;
      }
      // Redis wants the byte after '\r' to be there too, but never checks that it is '\n'.
      if (cr + 1 >= buf.size()) return Result::kNeedMore;
      if (!ParseInt64(buf.substr(1, cr - 1), &count)) {
        return Fail("Protocol error: invalid multibulk length");
      }
    }
    if (count > INT_MAX) return Fail("Protocol error: invalid multibulk length");
    if (count > kUnauthMaxMultibulkLen && limits_.auth_required) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    pos_ = cr + 2;
    scan_pos_ = pos_;
    if (count <= 0) return CompleteCommand(buf, pos_);
    multibulk_left_ = count;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(std::min(count, kMaxArgvPrealloc)));
    state_ = State::kBulkLen;
  }

  while (multibulk_left_ > 0) {
    if (state_ == State::kBulkLen) {
      size_t cr;
      int64_t len;
      if (pos_ >= buf.size() || buf[pos_] != '$' || !FastLengthLine(buf, pos_ + 1, &len, &cr)) {
        if (!FindLineEnd(buf, '\r', &cr)) {
          if (buf.size() - pos_ > limits_.max_inline_len) {
            return Fail("Protocol error: too big bulk count string");
          }
          return Result::kNeedMore;
        }
        if (cr + 1 >= buf.size()) return Result::kNeedMore;
        if (buf[pos_] != '$') {
          // addReplyErrorFormat maps '\r' and '\n' to spaces.
          char got = buf[pos_];
          if (got == '\r' || got == '\n') got = ' ';
          std::string message = "Protocol error: expected '$', got '";
          message.push_back(got);
          message.push_back('\'');
          return Fail(message);
        }
        if (!ParseInt64(buf.substr(pos_ + 1, cr - pos_ - 1), &len) || len < 0) {
          return Fail("Protocol error: invalid bulk length");
        }
      }
      if (len > limits_.max_bulk_len) return Fail("Protocol error: invalid bulk length");
      if (len > kUnauthMaxBulkLen && limits_.auth_required) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      pos_ = cr + 2;
      bulk_len_ = len;
      state_ = State::kBulkPayload;
    }
    // The payload is followed by two bytes that Redis skips without checking them.
    const size_t available = buf.size() - pos_;
    if (available < 2 || available - 2 < static_cast<uint64_t>(bulk_len_)) {
      return Result::kNeedMore;
    }
    spans_.push_back(ArgSpan{pos_, static_cast<size_t>(bulk_len_)});
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    scan_pos_ = pos_;
    --multibulk_left_;
    state_ = State::kBulkLen;
  }
  return CompleteCommand(buf, pos_);
}

bool RequestParser::ParseWholeMultibulk(std::string_view buf) {
  // Within the limits the general path enforces; anything past them is its to refuse.
  int64_t max_count = kMaxArgvPrealloc, max_len = limits_.max_bulk_len;
  if (limits_.auth_required) [[unlikely]] {
    max_count = kUnauthMaxMultibulkLen;
    max_len = std::min(max_len, kUnauthMaxBulkLen);
  }
  size_t end = WalkWholeMultibulk</*kLf=*/false>(
      buf, 0, max_count, max_len, [this](int64_t, std::string_view a) { args_.emplace_back(a); });
  if (end == 0) {
    args_.clear();
    return false;
  }
  consumed_ = end;
  return true;
}

RequestParser::Result RequestParser::CompleteCommand(std::string_view buf, size_t consumed) {
  args_.reserve(spans_.size());
  for (const ArgSpan& span : spans_) args_.emplace_back(buf.data() + span.offset, span.len);
  spans_.clear();
  consumed_ = consumed;
  ClearProgress();
  return Result::kCommand;
}

RequestParser::Result RequestParser::Fail(std::string_view message) {
  ClearProgress();
  has_owned_args_ = false;
  spans_.clear();
  args_.clear();
  consumed_ = 0;
  error_.assign(message);
  state_ = State::kError;
  return Result::kError;
}

size_t RequestParser::bytes_needed_hint() const {
  if (state_ != State::kBulkPayload) return 0;
  const uint64_t len = static_cast<uint64_t>(bulk_len_);
  if (len > SIZE_MAX - 2 - pos_) return SIZE_MAX;
  return pos_ + static_cast<size_t>(len) + 2;
}

void RequestParser::ClearProgress() {
  state_ = State::kStart;
  pos_ = 0;
  scan_pos_ = 0;
  multibulk_left_ = 0;
  bulk_len_ = 0;
}

void RequestParser::Reset() {
  ClearProgress();
  has_owned_args_ = false;
  spans_.clear();
  args_.clear();
  consumed_ = 0;
  error_.clear();
}

size_t PeekSecondArgs(std::string_view buf, std::string_view* out, size_t max) {
  constexpr int64_t kMaxArgs = 1024;  // a longer command is no usual batch member: stop there
  size_t pos = 0, found = 0;
  for (; found < max; ++found) {
    std::string_view second;
    size_t end = WalkWholeMultibulk</*kLf=*/true>(buf, pos, kMaxArgs, INT64_MAX,
                                                  [&second](int64_t k, std::string_view a) {
                                                    if (k == 1) second = a;
                                                  });
    if (end == 0) break;
    out[found] = second;
    pos = end;
  }
  return found;
}

}  // namespace shoal::protocol
