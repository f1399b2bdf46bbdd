// Fuzzes protocol::ReplyBuilder against protocol::RespReader. Two modes (first input byte):
//  - even: replies are built from operations decoded from the input (every ReplyBuilder call,
//    nested aggregates, RESP2 or RESP3), read back with RespReader and compared with the values
//    the calls stand for; the stream must be consumed exactly, and a cut stream must read as
//    kNeedMore, never as a value or an error.
//  - odd: the rest of the input is handed to RespReader as is: no crash, consumed within the
//    buffer, and every strict prefix of a value that reads is kNeedMore.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/numbers.h"
#include "protocol/reply_builder.h"
#include "protocol/resp_reader.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using shoal::protocol::ReplyBuilder;
using shoal::protocol::RespReader;
using shoal::protocol::RespValue;
using Type = RespValue::Type;

constexpr size_t kMaxDepth = 6;

// Simple strings and errors cannot hold line breaks: the builder turns them into spaces.
void NoLineBreaks(std::string& s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
}
constexpr size_t kMaxValues = 400;

struct Gen {
  FuzzedDataProvider& in;
  ReplyBuilder& rb;
  size_t values = 0;

  std::string Str(size_t max) { return in.ConsumeRandomLengthString(max); }

  RespValue Make(Type t) {
    RespValue v;
    v.type = t;
    return v;
  }

  RespValue Aggregate(Type resp3_type, size_t n, size_t depth, bool pairs) {
    RespValue v = Make(rb.resp() >= 3 ? resp3_type : Type::kArray);
    for (size_t i = 0; i < (pairs ? 2 * n : n); ++i) v.elems.push_back(Value(depth + 1));
    return v;
  }

  // Writes one reply through rb and returns what RespReader should read for it.
  RespValue Value(size_t depth) {
    ++values;
    const bool leaf_only = depth >= kMaxDepth || values >= kMaxValues || in.remaining_bytes() == 0;
    const int op = in.ConsumeIntegralInRange<int>(0, leaf_only ? 12 : 17);
    const bool resp3 = rb.resp() >= 3;
    switch (op) {
      case 0: {
        rb.Ok();
        RespValue v = Make(Type::kSimple);
        v.str = "OK";
        return v;
      }
      case 1: {
        std::string s = Str(64);
        NoLineBreaks(s);
        rb.Simple(s);
        RespValue v = Make(Type::kSimple);
        v.str = s;
        return v;
      }
      case 2: {
        std::string msg = Str(64);
        rb.Error(msg);
        size_t b = 0, e = msg.size();
        while (b < e && (msg[b] == '\r' || msg[b] == '\n')) ++b;
        while (e > b && (msg[e - 1] == '\r' || msg[e - 1] == '\n')) --e;
        std::string m = msg.substr(b, e - b);
        NoLineBreaks(m);
        RespValue v = Make(Type::kError);
        v.str = !m.empty() && m[0] == '-' ? m.substr(1) : m;
        return v;
      }
      case 3: {
        int64_t i = in.ConsumeIntegral<int64_t>();
        rb.Integer(i);
        RespValue v = Make(Type::kInteger);
        v.integer = i;
        return v;
      }
      case 4: {
        std::string s = Str(300);
        rb.Bulk(s);
        RespValue v = Make(Type::kBulk);
        v.str = s;
        return v;
      }
      case 5:
        rb.Null();
        return Make(Type::kNull);
      case 6:
        rb.NullArray();
        return Make(resp3 ? Type::kNull : Type::kNullArray);
      case 7: {
        double d;
        switch (in.ConsumeIntegralInRange<int>(0, 4)) {
          case 0:
            d = std::numeric_limits<double>::infinity();
            break;
          case 1:
            d = -std::numeric_limits<double>::infinity();
            break;
          case 2:
            d = static_cast<double>(in.ConsumeIntegral<int32_t>()) / 64;
            break;
          default:
            d = in.ConsumeFloatingPoint<double>();
            break;
        }
        if (std::isnan(d)) d = 0;  // Redis never replies NaN (commands reject it first)
        rb.Double(d);
        RespValue v = Make(resp3 ? Type::kDouble : Type::kBulk);
        v.str = shoal::FormatDouble(d);
        if (resp3) v.dbl = d;
        return v;
      }
      case 8: {
        bool b = in.ConsumeBool();
        rb.Bool(b);
        RespValue v = Make(resp3 ? Type::kBool : Type::kInteger);
        v.integer = b ? 1 : 0;
        return v;
      }
      case 9: {
        std::string type = Str(5);
        std::string text = Str(200);
        rb.Verbatim(text, type);
        RespValue v = Make(resp3 ? Type::kVerbatim : Type::kBulk);
        v.str = text;
        if (resp3) {
          v.format = type.substr(0, 3);
          v.format.resize(3, ' ');
        }
        return v;
      }
      case 10: {
        std::string digits = in.ConsumeBool() ? "-" : "";
        const size_t n = in.ConsumeIntegralInRange<size_t>(1, 60);
        for (size_t i = 0; i < n; ++i)
          digits.push_back(static_cast<char>('0' + in.ConsumeIntegralInRange<int>(0, 9)));
        rb.BigNumber(digits);
        RespValue v = Make(resp3 ? Type::kBigNumber : Type::kBulk);
        v.str = digits;
        return v;
      }
      case 11: {
        std::vector<std::string> items(in.ConsumeIntegralInRange<size_t>(0, 8));
        for (std::string& s : items) s = Str(40);
        std::vector<std::string_view> views(items.begin(), items.end());
        rb.BulkArray(views);
        RespValue v = Make(Type::kArray);
        for (const std::string& s : items) {
          RespValue e = Make(Type::kBulk);
          e.str = s;
          v.elems.push_back(e);
        }
        return v;
      }
      case 12:
        // Switching protocol between replies, as HELLO does.
        rb.set_resp(in.ConsumeBool() ? 3 : 2);
        return Value(depth);
      default: {
        const size_t n = in.ConsumeIntegralInRange<size_t>(0, 5);
        switch (op) {
          case 13:
          case 14:
            rb.Array(n);
            return Aggregate(Type::kArray, n, depth, false);
          case 15:
            rb.Map(n);
            return Aggregate(Type::kMap, n, depth, true);
          case 16:
            rb.Set(n);
            return Aggregate(Type::kSet, n, depth, false);
          default:
            rb.Push(n);
            return Aggregate(Type::kPush, n, depth, false);
        }
      }
    }
  }
};

// Cuts the value's bytes at up to 12 points (all of them for short values, always including the
// last byte) and checks that none of the cut buffers reads as a value or an error.
void CheckPrefixes(RespReader& reader, std::string_view buf, size_t len) {
  const size_t step = len <= 12 ? 1 : len / 12;
  for (size_t k = 0, cut = 0; cut < len; ++k, cut = k < 12 ? k * step : len - 1) {
    if (k > 12) break;
    RespValue v;
    size_t consumed = 0;
    RespReader::Result r = reader.Read(buf.substr(0, cut), &v, &consumed);
    if (r != RespReader::Result::kNeedMore) {
      std::fprintf(stderr, "prefix of %zu/%zu bytes read as %d\n", cut, len, static_cast<int>(r));
    }
    FUZZ_CHECK(r == RespReader::Result::kNeedMore);
  }
}

void RoundTrip(FuzzedDataProvider& in) {
  std::string wire;
  ReplyBuilder rb(&wire, in.ConsumeBool() ? 3 : 2);
  Gen gen{in, rb};
  std::vector<RespValue> expected;
  while (in.remaining_bytes() > 0 && gen.values < kMaxValues) expected.push_back(gen.Value(0));

  RespReader reader;
  std::string_view rest(wire);
  for (const RespValue& want : expected) {
    RespValue got;
    size_t consumed = 0;
    RespReader::Result r = reader.Read(rest, &got, &consumed);
    if (r != RespReader::Result::kValue || !(got == want)) {
      std::fprintf(stderr, "result %d (%s)\nwant %s\ngot  %s\n", static_cast<int>(r),
                   std::string(reader.error()).c_str(), DebugString(want).c_str(),
                   DebugString(got).c_str());
      std::abort();
    }
    FUZZ_CHECK(consumed > 0 && consumed <= rest.size());
    CheckPrefixes(reader, rest, consumed);
    rest.remove_prefix(consumed);
  }
  FUZZ_CHECK(rest.empty());
}

void RawBytes(std::string_view buf) {
  RespReader reader(64);
  RespValue v;
  size_t consumed = 0;
  RespReader::Result r = reader.Read(buf, &v, &consumed);
  if (r == RespReader::Result::kError) FUZZ_CHECK(!reader.error().empty());
  if (r != RespReader::Result::kValue) return;
  FUZZ_CHECK(consumed > 0 && consumed <= buf.size());
  CheckPrefixes(reader, buf, consumed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    RawBytes(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    RoundTrip(in);
  }
  return 0;
}
