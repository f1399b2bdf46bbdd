#include "protocol/resp_reader.h"

#include <cmath>
#include <cstring>
#include <ostream>
#include <utility>

#include "base/numbers.h"

namespace shoal::protocol {
namespace {

const char* TypeName(RespValue::Type type) {
  switch (type) {
    case RespValue::Type::kSimple:
      return "simple";
    case RespValue::Type::kError:
      return "error";
    case RespValue::Type::kInteger:
      return "int";
    case RespValue::Type::kBulk:
      return "bulk";
    case RespValue::Type::kNull:
      return "null";
    case RespValue::Type::kNullArray:
      return "nullarray";
    case RespValue::Type::kArray:
      return "array";
    case RespValue::Type::kMap:
      return "map";
    case RespValue::Type::kSet:
      return "set";
    case RespValue::Type::kPush:
      return "push";
    case RespValue::Type::kDouble:
      return "double";
    case RespValue::Type::kBool:
      return "bool";
    case RespValue::Type::kVerbatim:
      return "verbatim";
    case RespValue::Type::kBigNumber:
      return "bignum";
    case RespValue::Type::kBlobError:
      return "bloberror";
  }
  return "?";
}

void AppendQuoted(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xf]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendDebug(const RespValue& v, std::string* out) {
  out->append(TypeName(v.type));
  switch (v.type) {
    case RespValue::Type::kInteger:
    case RespValue::Type::kBool:
      out->push_back(' ');
      out->append(std::to_string(v.integer));
      break;
    case RespValue::Type::kNull:
    case RespValue::Type::kNullArray:
      break;
    case RespValue::Type::kArray:
    case RespValue::Type::kMap:
    case RespValue::Type::kSet:
    case RespValue::Type::kPush:
      out->append("[");
      for (size_t i = 0; i < v.elems.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendDebug(v.elems[i], out);
      }
      out->append("]");
      break;
    case RespValue::Type::kVerbatim:
      out->push_back(' ');
      out->append(v.format);
      out->push_back(':');
      AppendQuoted(v.str, out);
      break;
    default:
      out->push_back(' ');
      AppendQuoted(v.str, out);
      break;
  }
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

}  // namespace

bool RespValue::operator==(const RespValue& other) const {
  return type == other.type && str == other.str && format == other.format &&
         integer == other.integer && SameDouble(dbl, other.dbl) && elems == other.elems;
}

std::string DebugString(const RespValue& v) {
  std::string out;
  AppendDebug(v, &out);
  return out;
}

std::ostream& operator<<(std::ostream& os, const RespValue& v) { return os << DebugString(v); }

RespReader::Result RespReader::Read(std::string_view buf, RespValue* out, size_t* consumed) {
  error_.clear();
  size_t pos = 0;
  RespValue value;
  Result result = ReadValue(buf, &pos, &value, 0);
  if (result != Result::kValue) return result;
  *out = std::move(value);
  *consumed = pos;
  return Result::kValue;
}

RespReader::Result RespReader::Fail(std::string message) {
  error_ = std::move(message);
  return Result::kError;
}

// Reads up to "\r\n" starting at *pos; *line excludes the terminator.
RespReader::Result RespReader::ReadLine(std::string_view buf, size_t* pos, std::string_view* line) {
  const size_t start = *pos;
  for (size_t i = start; i < buf.size(); ++i) {
    if (buf[i] == '\n') return Fail("bare \\n in line");
    if (buf[i] == '\r') {
      if (i + 1 == buf.size()) return Result::kNeedMore;
      if (buf[i + 1] != '\n') return Fail("\\r not followed by \\n");
      *line = buf.substr(start, i - start);
      *pos = i + 2;
      return Result::kValue;
    }
  }
  return Result::kNeedMore;
}

RespReader::Result RespReader::ReadBlob(std::string_view buf, size_t* pos, int64_t len,
                                        std::string* out) {
  const size_t available = buf.size() - *pos;
  if (available < 2 || available - 2 < static_cast<uint64_t>(len)) {
    // Report a bad terminator as soon as it is visible.
    if (available > static_cast<uint64_t>(len) && buf[*pos + len] != '\r') {
      return Fail("blob not terminated by \\r\\n");
    }
    return Result::kNeedMore;
  }
  const size_t n = static_cast<size_t>(len);
  if (buf[*pos + n] != '\r' || buf[*pos + n + 1] != '\n') {
    return Fail("blob not terminated by \\r\\n");
  }
  out->assign(buf.substr(*pos, n));
  *pos += n + 2;
  return Result::kValue;
}

RespReader::Result RespReader::ReadValue(std::string_view buf, size_t* pos, RespValue* out,
                                         size_t depth) {
  using Type = RespValue::Type;
  if (depth > max_depth_) return Fail("nesting too deep");
  for (;;) {
    if (*pos >= buf.size()) return Result::kNeedMore;
    const char prefix = buf[*pos];
    ++*pos;
    std::string_view line;
    Result r = ReadLine(buf, pos, &line);
    if (r != Result::kValue) return r;
    *out = RespValue();
    switch (prefix) {
      case '+':
      case '-':
        out->type = prefix == '+' ? Type::kSimple : Type::kError;
        out->str.assign(line);
        return Result::kValue;
      case ':':
        out->type = Type::kInteger;
        if (!ParseInt64(line, &out->integer)) return Fail("invalid integer");
        return Result::kValue;
      case '_':
        if (!line.empty()) return Fail("invalid null");
        out->type = Type::kNull;
        return Result::kValue;
      case '#':
        if (line != "t" && line != "f") return Fail("invalid boolean");
        out->type = Type::kBool;
        out->integer = line == "t" ? 1 : 0;
        return Result::kValue;
      case ',': {
        out->type = Type::kDouble;
        out->str.assign(line);
        if (line == "nan" || line == "-nan") {
          out->dbl = line[0] == '-' ? -std::nan("") : std::nan("");
        } else if (!ParseDouble(line, &out->dbl)) {
          return Fail("invalid double");
        }
        return Result::kValue;
      }
      case '(': {
        size_t i = !line.empty() && line[0] == '-' ? 1 : 0;
        if (i == line.size()) return Fail("invalid big number");
        for (; i < line.size(); ++i) {
          if (line[i] < '0' || line[i] > '9') return Fail("invalid big number");
        }
        out->type = Type::kBigNumber;
        out->str.assign(line);
        return Result::kValue;
      }
      case '$':
      case '!':
      case '=': {
        if (line == "?") return Fail("streamed strings are not supported");
        int64_t len;
        if (!ParseInt64(line, &len) || len < -1) return Fail("invalid blob length");
        if (len == -1) {
          if (prefix != '$') return Fail("invalid blob length");
          out->type = Type::kNull;
          return Result::kValue;
        }
        r = ReadBlob(buf, pos, len, &out->str);
        if (r != Result::kValue) return r;
        if (prefix == '$') {
          out->type = Type::kBulk;
        } else if (prefix == '!') {
          out->type = Type::kBlobError;
        } else {
          if (out->str.size() < 4 || out->str[3] != ':') return Fail("invalid verbatim string");
          out->type = Type::kVerbatim;
          out->format = out->str.substr(0, 3);
          out->str.erase(0, 4);
        }
        return Result::kValue;
      }
      case '*':
      case '%':
      case '~':
      case '>':
      case '|': {
        if (line == "?") return Fail("streamed aggregates are not supported");
        int64_t count;
        if (!ParseInt64(line, &count) || count < -1) return Fail("invalid aggregate length");
        if (count == -1) {
          if (prefix != '*') return Fail("invalid aggregate length");
          out->type = Type::kNullArray;
          return Result::kValue;
        }
        const bool pairs = prefix == '%' || prefix == '|';
        if (pairs && count > INT64_MAX / 2) return Fail("invalid aggregate length");
        const uint64_t n = static_cast<uint64_t>(pairs ? count * 2 : count);
        // Every element takes at least 3 bytes, which bounds the reservation.
        if (n > (buf.size() - *pos) / 3 + 1) {
          out->elems.reserve((buf.size() - *pos) / 3 + 1);
        } else {
          out->elems.reserve(static_cast<size_t>(n));
        }
        for (uint64_t i = 0; i < n; ++i) {
          RespValue elem;
          r = ReadValue(buf, pos, &elem, depth + 1);
          if (r != Result::kValue) return r;
          out->elems.push_back(std::move(elem));
        }
        if (prefix == '|') continue;  // attribute: drop it and read the value it annotates
        out->type = prefix == '*'   ? Type::kArray
                    : prefix == '%' ? Type::kMap
                    : prefix == '~' ? Type::kSet
                                    : Type::kPush;
        return Result::kValue;
      }
      default:
        return Fail(std::string("unknown type byte '") + prefix + "'");
    }
  }
}

}  // namespace shoal::protocol
