#include "protocol/reply_builder.h"

#include <catch2/catch.hpp>
#include <cfloat>
#include <climits>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "protocol/resp_reader.h"

namespace shoal::protocol {
namespace {

using namespace std::string_literals;
using Type = RespValue::Type;

std::string Build(int resp, const std::function<void(ReplyBuilder&)>& fn) {
  std::string out;
  ReplyBuilder rb(&out, resp);
  fn(rb);
  return out;
}

RespValue Str(Type type, std::string s) {
  RespValue v;
  v.type = type;
  v.str = std::move(s);
  return v;
}

RespValue Int(int64_t i) {
  RespValue v;
  v.type = Type::kInteger;
  v.integer = i;
  return v;
}

RespValue Bool(bool b) {
  RespValue v;
  v.type = Type::kBool;
  v.integer = b ? 1 : 0;
  return v;
}

RespValue Dbl(double d, std::string repr) {
  RespValue v;
  v.type = Type::kDouble;
  v.dbl = d;
  v.str = std::move(repr);
  return v;
}

RespValue Agg(Type type, std::vector<RespValue> elems) {
  RespValue v;
  v.type = type;
  v.elems = std::move(elems);
  return v;
}

RespValue Of(Type type) {
  RespValue v;
  v.type = type;
  return v;
}

RespValue Verb(std::string format, std::string text) {
  RespValue v;
  v.type = Type::kVerbatim;
  v.format = std::move(format);
  v.str = std::move(text);
  return v;
}

// Reads `wire` as exactly one value, also checking that every strict prefix needs more and that
// trailing bytes are left alone.
RespValue ReadExactlyOne(const std::string& wire) {
  RespReader reader;
  RespValue value;
  size_t consumed = 0;
  INFO("wire: " << wire);
  REQUIRE(reader.Read(wire, &value, &consumed) == RespReader::Result::kValue);
  REQUIRE(consumed == wire.size());
  for (size_t i = 0; i < wire.size(); ++i) {
    RespValue partial;
    size_t c = 0;
    INFO("prefix of " << i << " bytes");
    REQUIRE(reader.Read(std::string_view(wire).substr(0, i), &partial, &c) ==
            RespReader::Result::kNeedMore);
  }
  RespValue again;
  REQUIRE(reader.Read(wire + "+next\r\n", &again, &consumed) == RespReader::Result::kValue);
  REQUIRE(consumed == wire.size());
  REQUIRE(again == value);
  return value;
}

struct ReplyCase {
  std::string name;
  std::function<void(ReplyBuilder&)> build;
  std::string resp2;
  std::string resp3;
  RespValue value2;
  RespValue value3;
};

std::vector<ReplyCase> ReplyCases() {
  const double kInf = std::numeric_limits<double>::infinity();
  std::vector<ReplyCase> c;
  c.push_back({"ok", [](ReplyBuilder& rb) { rb.Ok(); }, "+OK\r\n", "+OK\r\n",
               Str(Type::kSimple, "OK"), Str(Type::kSimple, "OK")});
  c.push_back({"simple", [](ReplyBuilder& rb) { rb.Simple("QUEUED"); }, "+QUEUED\r\n",
               "+QUEUED\r\n", Str(Type::kSimple, "QUEUED"), Str(Type::kSimple, "QUEUED")});
  c.push_back({"error", [](ReplyBuilder& rb) { rb.Error("ERR syntax error"); },
               "-ERR syntax error\r\n", "-ERR syntax error\r\n",
               Str(Type::kError, "ERR syntax error"), Str(Type::kError, "ERR syntax error")});
  c.push_back({"error newlines", [](ReplyBuilder& rb) { rb.Error("\r\nERR a\r\nb\nc\r\n"); },
               "-ERR a  b c\r\n", "-ERR a  b c\r\n", Str(Type::kError, "ERR a  b c"),
               Str(Type::kError, "ERR a  b c")});
  c.push_back({"error dash", [](ReplyBuilder& rb) { rb.Error("-WRONGTYPE x"); }, "-WRONGTYPE x\r\n",
               "-WRONGTYPE x\r\n", Str(Type::kError, "WRONGTYPE x"),
               Str(Type::kError, "WRONGTYPE x")});
  c.push_back({"integer", [](ReplyBuilder& rb) { rb.Integer(42); }, ":42\r\n", ":42\r\n", Int(42),
               Int(42)});
  c.push_back({"integer min", [](ReplyBuilder& rb) { rb.Integer(INT64_MIN); },
               ":-9223372036854775808\r\n", ":-9223372036854775808\r\n", Int(INT64_MIN),
               Int(INT64_MIN)});
  c.push_back({"integer max", [](ReplyBuilder& rb) { rb.Integer(INT64_MAX); },
               ":9223372036854775807\r\n", ":9223372036854775807\r\n", Int(INT64_MAX),
               Int(INT64_MAX)});
  c.push_back({"bulk", [](ReplyBuilder& rb) { rb.Bulk("hello"); }, "$5\r\nhello\r\n",
               "$5\r\nhello\r\n", Str(Type::kBulk, "hello"), Str(Type::kBulk, "hello")});
  c.push_back({"bulk empty", [](ReplyBuilder& rb) { rb.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n",
               Str(Type::kBulk, ""), Str(Type::kBulk, "")});
  c.push_back({"bulk binary", [](ReplyBuilder& rb) { rb.Bulk("a\r\n\0b"s); }, "$5\r\na\r\n\0b\r\n"s,
               "$5\r\na\r\n\0b\r\n"s, Str(Type::kBulk, "a\r\n\0b"s),
               Str(Type::kBulk, "a\r\n\0b"s)});
  c.push_back({"null", [](ReplyBuilder& rb) { rb.Null(); }, "$-1\r\n", "_\r\n", Of(Type::kNull),
               Of(Type::kNull)});
  c.push_back({"null array", [](ReplyBuilder& rb) { rb.NullArray(); }, "*-1\r\n", "_\r\n",
               Of(Type::kNullArray), Of(Type::kNull)});
  c.push_back({"array",
               [](ReplyBuilder& rb) {
                 rb.Array(3);
                 rb.Integer(1);
                 rb.Bulk("two");
                 rb.Null();
               },
               "*3\r\n:1\r\n$3\r\ntwo\r\n$-1\r\n", "*3\r\n:1\r\n$3\r\ntwo\r\n_\r\n",
               Agg(Type::kArray, {Int(1), Str(Type::kBulk, "two"), Of(Type::kNull)}),
               Agg(Type::kArray, {Int(1), Str(Type::kBulk, "two"), Of(Type::kNull)})});
  c.push_back({"empty array", [](ReplyBuilder& rb) { rb.Array(0); }, "*0\r\n", "*0\r\n",
               Agg(Type::kArray, {}), Agg(Type::kArray, {})});
  c.push_back({"map",
               [](ReplyBuilder& rb) {
                 rb.Map(2);
                 rb.Bulk("a");
                 rb.Integer(1);
                 rb.Bulk("b");
                 rb.Array(1);
                 rb.Bulk("x");
               },
               "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n",
               "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n",
               Agg(Type::kArray, {Str(Type::kBulk, "a"), Int(1), Str(Type::kBulk, "b"),
                                  Agg(Type::kArray, {Str(Type::kBulk, "x")})}),
               Agg(Type::kMap, {Str(Type::kBulk, "a"), Int(1), Str(Type::kBulk, "b"),
                                Agg(Type::kArray, {Str(Type::kBulk, "x")})})});
  c.push_back({"set",
               [](ReplyBuilder& rb) {
                 rb.Set(2);
                 rb.Bulk("m1");
                 rb.Bulk("m2");
               },
               "*2\r\n$2\r\nm1\r\n$2\r\nm2\r\n", "~2\r\n$2\r\nm1\r\n$2\r\nm2\r\n",
               Agg(Type::kArray, {Str(Type::kBulk, "m1"), Str(Type::kBulk, "m2")}),
               Agg(Type::kSet, {Str(Type::kBulk, "m1"), Str(Type::kBulk, "m2")})});
  c.push_back({"push",
               [](ReplyBuilder& rb) {
                 rb.Push(3);
                 rb.Bulk("message");
                 rb.Bulk("ch");
                 rb.Bulk("hi");
               },
               "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
               ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
               Agg(Type::kArray,
                   {Str(Type::kBulk, "message"), Str(Type::kBulk, "ch"), Str(Type::kBulk, "hi")}),
               Agg(Type::kPush,
                   {Str(Type::kBulk, "message"), Str(Type::kBulk, "ch"), Str(Type::kBulk, "hi")})});
  // Doubles as Redis 7.0.15 ZSCORE sends them.
  c.push_back({"double", [](ReplyBuilder& rb) { rb.Double(1.1); }, "$18\r\n1.1000000000000001\r\n",
               ",1.1000000000000001\r\n", Str(Type::kBulk, "1.1000000000000001"),
               Dbl(1.1, "1.1000000000000001")});
  c.push_back({"double exp", [](ReplyBuilder& rb) { rb.Double(1e17); }, "$5\r\n1e+17\r\n",
               ",1e+17\r\n", Str(Type::kBulk, "1e+17"), Dbl(1e17, "1e+17")});
  c.push_back({"double inf", [kInf](ReplyBuilder& rb) { rb.Double(kInf); }, "$3\r\ninf\r\n",
               ",inf\r\n", Str(Type::kBulk, "inf"), Dbl(kInf, "inf")});
  c.push_back({"double -inf", [kInf](ReplyBuilder& rb) { rb.Double(-kInf); }, "$4\r\n-inf\r\n",
               ",-inf\r\n", Str(Type::kBulk, "-inf"), Dbl(-kInf, "-inf")});
  // GEOPOS's coordinates (addReplyHumanLongDouble): a repr formatted by the caller.
  c.push_back({"double repr", [](ReplyBuilder& rb) { rb.DoubleRepr("13.36138933897018433"); },
               "$20\r\n13.36138933897018433\r\n", ",13.36138933897018433\r\n",
               Str(Type::kBulk, "13.36138933897018433"),
               Dbl(13.36138933897018433, "13.36138933897018433")});
  c.push_back({"bool true", [](ReplyBuilder& rb) { rb.Bool(true); }, ":1\r\n", "#t\r\n", Int(1),
               Bool(true)});
  c.push_back({"bool false", [](ReplyBuilder& rb) { rb.Bool(false); }, ":0\r\n", "#f\r\n", Int(0),
               Bool(false)});
  c.push_back({"verbatim", [](ReplyBuilder& rb) { rb.Verbatim("a\r\nb"); }, "$4\r\na\r\nb\r\n",
               "=8\r\ntxt:a\r\nb\r\n", Str(Type::kBulk, "a\r\nb"), Verb("txt", "a\r\nb")});
  c.push_back({"verbatim short type", [](ReplyBuilder& rb) { rb.Verbatim("x", "md"); },
               "$1\r\nx\r\n", "=5\r\nmd :x\r\n", Str(Type::kBulk, "x"), Verb("md ", "x")});
  c.push_back({"verbatim long type", [](ReplyBuilder& rb) { rb.Verbatim("", "markdown"); },
               "$0\r\n\r\n", "=4\r\nmar:\r\n", Str(Type::kBulk, ""), Verb("mar", "")});
  c.push_back(
      {"big number",
       [](ReplyBuilder& rb) { rb.BigNumber("-3492890328409238509324850943850943825024385"); },
       "$44\r\n-3492890328409238509324850943850943825024385\r\n",
       "(-3492890328409238509324850943850943825024385\r\n",
       Str(Type::kBulk, "-3492890328409238509324850943850943825024385"),
       Str(Type::kBigNumber, "-3492890328409238509324850943850943825024385")});
  c.push_back(
      {"bulk array",
       [](ReplyBuilder& rb) {
         rb.BulkArray({"a", "", "ccc"});
       },
       "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n", "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n",
       Agg(Type::kArray, {Str(Type::kBulk, "a"), Str(Type::kBulk, ""), Str(Type::kBulk, "ccc")}),
       Agg(Type::kArray, {Str(Type::kBulk, "a"), Str(Type::kBulk, ""), Str(Type::kBulk, "ccc")})});
  return c;
}

TEST_CASE("ReplyBuilder writes exact RESP2 and RESP3 bytes", "[reply_builder]") {
  for (const ReplyCase& c : ReplyCases()) {
    INFO(c.name);
    CHECK(Build(2, c.build) == c.resp2);
    CHECK(Build(3, c.build) == c.resp3);
  }
}

TEST_CASE("ReplyBuilder output round trips through RespReader", "[reply_builder][resp_reader]") {
  for (const ReplyCase& c : ReplyCases()) {
    INFO(c.name);
    CHECK(ReadExactlyOne(Build(2, c.build)) == c.value2);
    CHECK(ReadExactlyOne(Build(3, c.build)) == c.value3);
  }
}

TEST_CASE("ReplyBuilder appends and switches protocol", "[reply_builder]") {
  std::string out = "prefix";
  ReplyBuilder rb(&out);
  CHECK(rb.resp() == 2);
  CHECK(rb.out() == &out);
  rb.Null();
  rb.set_resp(3);
  CHECK(rb.resp() == 3);
  rb.Null();
  CHECK(out == "prefix$-1\r\n_\r\n");
}

TEST_CASE("Integer and bulk lengths match std::to_string", "[reply_builder]") {
  std::vector<int64_t> values = {
      0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
  for (int64_t p = 1, i = 0; i < 18; ++i, p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, -p + 1, -p, -p - 1}) values.push_back(v);
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<int64_t>(rng() >> (i % 64)));
  for (int64_t v : values) {
    char buf[kInt64BufSize];
    size_t n = FormatInt64(v, buf);
    REQUIRE(std::string(buf, n) == std::to_string(v));
    REQUIRE(buf[n] == '\0');
    REQUIRE(Build(2, [v](ReplyBuilder& rb) { rb.Integer(v); }) == ":" + std::to_string(v) + "\r\n");
    int64_t parsed;
    REQUIRE(ParseInt64(std::to_string(v), &parsed));
    REQUIRE(parsed == v);
  }
  for (size_t len : {0, 1, 9, 10, 99, 100, 1000, 65536, 1 << 20}) {
    std::string payload(len, 'z');
    std::string out = Build(3, [&](ReplyBuilder& rb) { rb.Bulk(payload); });
    REQUIRE(out == "$" + std::to_string(len) + "\r\n" + payload + "\r\n");
  }
}

// --- RespReader --------------------------------------------------------------------------------

TEST_CASE("RespReader reads every RESP3 type at every split", "[resp_reader]") {
  const std::vector<std::pair<std::string, RespValue>> cases = {
      {"+OK\r\n", Str(Type::kSimple, "OK")},
      {"+\r\n", Str(Type::kSimple, "")},
      {"-ERR boom\r\n", Str(Type::kError, "ERR boom")},
      {":-12\r\n", Int(-12)},
      {":0\r\n", Int(0)},
      {"$3\r\nfoo\r\n", Str(Type::kBulk, "foo")},
      {"$2\r\n\r\n\r\n", Str(Type::kBulk, "\r\n")},
      {"$-1\r\n", Of(Type::kNull)},
      {"*-1\r\n", Of(Type::kNullArray)},
      {"_\r\n", Of(Type::kNull)},
      {",3.5\r\n", Dbl(3.5, "3.5")},
      {",-1e+17\r\n", Dbl(-1e17, "-1e+17")},
      {",inf\r\n", Dbl(std::numeric_limits<double>::infinity(), "inf")},
      {",-inf\r\n", Dbl(-std::numeric_limits<double>::infinity(), "-inf")},
      {",nan\r\n", Dbl(std::nan(""), "nan")},
      {"#t\r\n", Bool(true)},
      {"#f\r\n", Bool(false)},
      {"=15\r\ntxt:Some string\r\n", Verb("txt", "Some string")},
      {"(3492890328409238509324850943850943825024385\r\n",
       Str(Type::kBigNumber, "3492890328409238509324850943850943825024385")},
      {"!21\r\nSYNTAX invalid syntax\r\n", Str(Type::kBlobError, "SYNTAX invalid syntax")},
      {"*2\r\n:1\r\n*1\r\n+x\r\n",
       Agg(Type::kArray, {Int(1), Agg(Type::kArray, {Str(Type::kSimple, "x")})})},
      {"%1\r\n+k\r\n:2\r\n", Agg(Type::kMap, {Str(Type::kSimple, "k"), Int(2)})},
      {"%0\r\n", Agg(Type::kMap, {})},
      {"~2\r\n#t\r\n_\r\n", Agg(Type::kSet, {Bool(true), Of(Type::kNull)})},
      {">2\r\n+pubsub\r\n$1\r\nm\r\n",
       Agg(Type::kPush, {Str(Type::kSimple, "pubsub"), Str(Type::kBulk, "m")})},
      // Attributes are dropped, wherever they appear.
      {"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2039123\r\n",
       Agg(Type::kArray, {Int(2039123)})},
      {"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n", Agg(Type::kArray, {Int(1), Int(2)})},
  };
  for (const auto& [wire, expected] : cases) {
    INFO(wire);
    CHECK(ReadExactlyOne(wire) == expected);
  }
}

TEST_CASE("RespReader parses a real Redis 7.0 HELLO 3 reply", "[resp_reader]") {
  const std::string wire =
      "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
      "$2\r\nid\r\n:181\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
      "$7\r\nmodules\r\n*0\r\n";
  RespValue v = ReadExactlyOne(wire);
  REQUIRE(v.type == Type::kMap);
  REQUIRE(v.elems.size() == 14);
  CHECK(v.elems[3].str == "7.0.15");
  CHECK(v.elems[5].integer == 3);
  CHECK(v.elems[13].type == Type::kArray);
}

TEST_CASE("RespReader rejects malformed input", "[resp_reader]") {
  for (const std::string bad : {"?x\r\n",        ":abc\r\n",       ":+1\r\n",
                                ":1\n",          "+a\rb\r\n",      "+a\nb\r\n",
                                "$3\r\nabcXY",   "$3\r\nabc\rX",   "$-2\r\n",
                                "$x\r\n",        "#x\r\n",         "#\r\n",
                                "_x\r\n",        ",abc\r\n",       ",\r\n",
                                "(12a\r\n",      "(\r\n",          "(-\r\n",
                                "=3\r\nabc\r\n", "=4\r\nabcd\r\n", "%-1\r\n",
                                "~-1\r\n",       "*-2\r\n",        "$?\r\n",
                                "*?\r\n",        "!-1\r\n",        "*1\r\n$1\r\nab\r\n"}) {
    INFO(bad);
    RespReader reader;
    RespValue v;
    size_t consumed = 0;
    CHECK(reader.Read(bad, &v, &consumed) == RespReader::Result::kError);
    CHECK(!reader.error().empty());
  }
}

TEST_CASE("RespReader limits nesting", "[resp_reader]") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  RespValue v;
  size_t consumed;
  RespReader shallow(50);
  CHECK(shallow.Read(deep, &v, &consumed) == RespReader::Result::kError);
  RespReader normal;
  REQUIRE(normal.Read(deep, &v, &consumed) == RespReader::Result::kValue);
  CHECK(consumed == deep.size());
  std::string very_deep;
  for (int i = 0; i < 100000; ++i) very_deep += "*1\r\n";
  CHECK(normal.Read(very_deep, &v, &consumed) == RespReader::Result::kError);
}

TEST_CASE("A random reply tree round trips at every split", "[reply_builder][resp_reader]") {
  std::mt19937 rng(4242);
  for (int resp : {2, 3}) {
    std::string out;
    ReplyBuilder rb(&out, resp);
    std::function<void(int)> emit = [&](int depth) {
      switch (depth > 3 ? rng() % 6 : rng() % 10) {
        case 0:
          rb.Integer(static_cast<int64_t>(rng()) - (1LL << 31));
          break;
        case 1:
          rb.Bulk(std::string(rng() % 20, static_cast<char>(rng())));
          break;
        case 2:
          rb.Double(static_cast<double>(rng()) / 7.0);
          break;
        case 3:
          rb.Bool(rng() % 2);
          break;
        case 4:
          rb.Null();
          break;
        case 5:
          rb.Verbatim("v" + std::to_string(rng()));
          break;
        case 6: {
          size_t n = rng() % 4;
          rb.Array(n);
          for (size_t i = 0; i < n; ++i) emit(depth + 1);
          break;
        }
        case 7: {
          size_t n = rng() % 3;
          rb.Map(n);
          for (size_t i = 0; i < 2 * n; ++i) emit(depth + 1);
          break;
        }
        case 8: {
          size_t n = rng() % 3;
          rb.Set(n);
          for (size_t i = 0; i < n; ++i) emit(depth + 1);
          break;
        }
        default: {
          rb.Push(2);
          rb.Simple("s");
          rb.Error("ERR e");
          break;
        }
      }
    };
    for (int i = 0; i < 40; ++i) {
      out.clear();
      rb.Array(3);
      for (int j = 0; j < 3; ++j) emit(0);
      RespValue v = ReadExactlyOne(out);
      CHECK(v.elems.size() == 3);
    }
  }
}

}  // namespace
}  // namespace shoal::protocol
