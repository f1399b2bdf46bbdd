#include "persistence/aof_file.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "base/ascii.h"

namespace shoal::aof {
namespace {

// A byte for a message: itself when printable, else \xNN.
std::string Show(char c) {
  if (c >= 0x20 && c <= 0x7e) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
  return buf;
}

std::string ShowCrlf(std::string_view data, size_t at) {
  char buf[64];
  auto byte = [&](size_t i) { return i < data.size() ? static_cast<unsigned char>(data[i]) : 0; };
  std::snprintf(buf, sizeof(buf), "Expected \\r\\n, got: %02x%02x", byte(at), byte(at + 1));
  return buf;
}

// strtol's blanks within a line (fgets stops at '\n').
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

enum class Read { kOk, kEnd, kBad };

// The walk of one data buffer.
class Scanner {
 public:
  Scanner(std::string_view data, ScanResult* r) : d_(data), r_(r) {}

  // A count or length line at *p as both Redis tools read it: `prefix`, then a number as strtol
  // reads it (blanks but '\n' skipped, a sign, digits; none at all reads as 0), then "\r\n" right
  // after it (redis-check-aof's rule). A value outside [min_value, max] is bad format, reported
  // once the line is read (so the line counts, as in redis-check-aof) or at once if the data ends.
  Read NumberLine(size_t* p, char prefix, uint64_t min_value, uint64_t max, const char* what,
                  uint64_t* value) {
    // Messages are built only on failure: this runs for every line of the file.
    auto eof = [prefix] {
      return std::string("Unexpected end of file reading a '") + prefix + "' line";
    };
    size_t q = *p;
    if (q >= d_.size()) return End(eof());
    if (d_[q] != prefix) {
      return Bad(q, std::string("Expected prefix '") + prefix + "', got: '" + Show(d_[q]) + "'");
    }
    const size_t after = ++q;
    while (q < d_.size() && IsBlank(d_[q])) ++q;
    bool neg = false;
    if (q < d_.size() && (d_[q] == '+' || d_[q] == '-')) neg = d_[q++] == '-';
    const size_t digits = q;
    uint64_t v = 0;
    bool overflow = false;
    for (; q < d_.size() && d_[q] >= '0' && d_[q] <= '9'; ++q) {
      const uint64_t digit = static_cast<uint64_t>(d_[q] - '0');
      if (overflow || v > (UINT64_MAX - digit) / 10) {
        overflow = true;
      } else {
        v = v * 10 + digit;
      }
    }
    // Out of range whatever digits may follow, or (once the line ends) at all.
    const bool hopeless = overflow || (neg && v != 0) || v > max;
    const bool invalid = hopeless || v < min_value;
    auto range_error = [&] { return Bad(after, std::string(what) + " out of range"); };
    if (q == digits) {
      // No number (the data may still bring one after blanks or a sign): strtol's end is right
      // after the prefix, which must then be "\r\n" (a 0).
      if (q >= d_.size()) return End(eof());
      if (d_[after] != '\r') return Bad(after, ShowCrlf(d_, after));
      if (d_[after + 1] != '\n') return Bad(after + 1, ShowCrlf(d_, after));
      q = after;
    } else {
      if (q >= d_.size()) return hopeless ? range_error() : End(eof());
      if (d_[q] != '\r') return Bad(q, ShowCrlf(d_, q));
      if (q + 1 >= d_.size()) return invalid ? range_error() : End(eof());
      if (d_[q + 1] != '\n') return Bad(q + 1, ShowCrlf(d_, q));
    }
    ++r_->lines;
    if (invalid) return range_error();
    *p = q + 2;
    *value = v;
    return Read::kOk;
  }

  // One command at *p (d_[*p] == '*').
  Read ReadCommand(size_t* p, Command* cmd) {
    cmd->argv.clear();
    cmd->begin = *p;
    uint64_t argc = 0;
    if (Read rd = NumberLine(p, '*', 1, INT_MAX, "Argument count", &argc); rd != Read::kOk) {
      return rd;
    }
    // Every argument takes at least 6 bytes ("$0\r\n\r\n"): reserve no more than the data holds.
    cmd->argv.reserve(std::min<uint64_t>(argc, (d_.size() - *p) / 6 + 1));
    for (uint64_t j = 0; j < argc; ++j) {
      uint64_t len = 0;
      if (Read rd =
              NumberLine(p, '$', 0, static_cast<uint64_t>(INT64_MAX) - 2, "Bulk length", &len);
          rd != Read::kOk) {
        return rd;
      }
      const size_t left = d_.size() - *p;
      if (len + 2 > left) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "Expected to read %llu bytes, got %zu bytes",
                      static_cast<unsigned long long>(len + 2), left);
        return End(buf);
      }
      const size_t at = *p + static_cast<size_t>(len);
      if (d_[at] != '\r') return Bad(at, ShowCrlf(d_, at));
      if (d_[at + 1] != '\n') return Bad(at + 1, ShowCrlf(d_, at));
      ++r_->lines;
      cmd->argv.push_back(d_.substr(*p, static_cast<size_t>(len)));
      *p = at + 2;
    }
    cmd->end = *p;
    return Read::kOk;
  }

 private:
  Read End(std::string msg) {
    r_->error = std::move(msg);
    return Read::kEnd;
  }
  Read Bad(size_t at, std::string msg) {
    r_->error_offset = at;
    r_->error = std::move(msg);
    return Read::kBad;
  }

  std::string_view d_;
  ScanResult* r_;
};

}  // namespace

ScanResult ScanCommands(std::string_view data, size_t start,
                        const std::function<bool(const Command&)>& fn) {
  ScanResult r;
  Scanner sc(data, &r);
  size_t pos = std::min(start, data.size());
  size_t last_end = pos;
  size_t commands = 0;
  bool in_multi = false;
  size_t multi_begin = 0, commands_before_multi = 0;
  Command cmd;

  // Ends the walk with `status`; what a cut keeps stops before an open block.
  auto finish = [&](ScanResult::Status status) {
    r.status = status;
    r.open_multi = in_multi;
    r.valid_end = in_multi ? multi_begin : last_end;
    r.commands = in_multi ? commands_before_multi : commands;
    return std::move(r);
  };

  while (pos < data.size()) {
    const char c = data[pos];
    if (c == '#') {
      // An annotation: skipped one fgets chunk at a time, through '\n' or kAnnotationChunk bytes.
      const size_t limit = std::min(data.size(), pos + kAnnotationChunk);
      const size_t nl = data.substr(pos, limit - pos).find('\n');
      pos = nl == std::string_view::npos ? limit : pos + nl + 1;
      continue;
    }
    r.failed_begin = pos;
    if (c != '*') {
      r.error_offset = pos;
      r.error = "Expected '*' or '#' at the start of a command, got: '" + Show(c) + "'";
      if (in_multi) r.failed_begin = multi_begin;
      return finish(ScanResult::Status::kBadFormat);
    }
    switch (sc.ReadCommand(&pos, &cmd)) {
      case Read::kOk:
        break;
      case Read::kEnd:
        r.error_offset = cmd.begin;
        if (in_multi) r.failed_begin = multi_begin;
        return finish(ScanResult::Status::kTruncated);
      case Read::kBad:
        if (in_multi) r.failed_begin = multi_begin;
        return finish(ScanResult::Status::kBadFormat);
    }
    if (EqNoCase(cmd.argv[0], "multi")) {
      if (!in_multi) {
        in_multi = true;
        multi_begin = cmd.begin;
        commands_before_multi = commands;
      }
    } else if (in_multi && EqNoCase(cmd.argv[0], "exec")) {
      in_multi = false;
    }
    ++commands;
    last_end = cmd.end;
    if (!fn(cmd)) {
      r.stopped = true;
      r.status = ScanResult::Status::kOk;
      r.open_multi = in_multi;
      r.valid_end = last_end;
      r.commands = commands;
      r.failed_begin = 0;
      return r;
    }
  }
  if (in_multi) {
    r.error_offset = r.failed_begin = multi_begin;
    r.error = "Reached EOF before reading EXEC for MULTI";
    return finish(ScanResult::Status::kTruncated);
  }
  r.failed_begin = 0;
  return finish(ScanResult::Status::kOk);
}

bool HasRdbPreamble(std::string_view data) { return data.substr(0, 5) == "REDIS"; }

void AppendCommand(const std::vector<std::string_view>& argv, std::string* out) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (std::string_view a : argv) {
    out->push_back('$');
    out->append(std::to_string(a.size()));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

}  // namespace shoal::aof
