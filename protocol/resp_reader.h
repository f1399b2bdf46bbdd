// Client-side reader of one RESP2/RESP3 value into a small tree (tests, tools, replication).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::protocol {

struct RespValue {
  enum class Type : uint8_t {
    kSimple,     // +str
    kError,      // -str (without the '-')
    kInteger,    // :integer
    kBulk,       // $len str
    kNull,       // RESP2 $-1 (null bulk) or RESP3 _
    kNullArray,  // RESP2 *-1
    kArray,      // *n elems
    kMap,        // %n: elems holds 2n values, key0 value0 key1 value1 ...
    kSet,        // ~n elems
    kPush,       // >n elems
    kDouble,     // ,repr: dbl, str keeps the repr as sent
    kBool,       // #t/#f: integer is 1/0
    kVerbatim,   // =len fmt:text: str = text, format = fmt (3 bytes)
    kBigNumber,  // (digits: str
    kBlobError,  // !len str
  };

  Type type = Type::kNull;
  std::string str;
  std::string format;
  int64_t integer = 0;
  double dbl = 0;
  std::vector<RespValue> elems;

  bool operator==(const RespValue& other) const;
};

// Compact human readable form for test diagnostics, e.g. [bulk "a", int 1].
std::string DebugString(const RespValue& v);
std::ostream& operator<<(std::ostream& os, const RespValue& v);  // writes DebugString(v)

class RespReader {
 public:
  enum class Result { kValue, kNeedMore, kError };

  // Aggregates nested deeper than max_depth are rejected.
  explicit RespReader(size_t max_depth = 512) : max_depth_(max_depth) {}

  // Reads one value from the start of buf. kValue: *out holds it and *consumed is its size in
  // bytes. Attributes (|n ...) preceding a value are read and dropped. kNeedMore: buf is a
  // strict prefix of a value. kError: buf is not RESP; error() says why. Stateless: each call
  // starts from the beginning of buf.
  Result Read(std::string_view buf, RespValue* out, size_t* consumed);
  std::string_view error() const { return error_; }

 private:
  Result ReadValue(std::string_view buf, size_t* pos, RespValue* out, size_t depth);
  Result ReadLine(std::string_view buf, size_t* pos, std::string_view* line);
  Result ReadBlob(std::string_view buf, size_t* pos, int64_t len, std::string* out);
  Result Fail(std::string message);

  size_t max_depth_;
  std::string error_;
};

}  // namespace shoal::protocol
