// Number helpers (base/numbers.h) against Redis's util.c semantics: string2ll, string2ld,
// string2d, ld2string and addReplyDouble's format.
#include "base/numbers.h"

#include <catch2/catch.hpp>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace shoal {
namespace {

using namespace std::string_literals;

TEST_CASE("ParseInt64 has string2ll semantics", "[numbers]") {
  int64_t v = 7;
  CHECK(ParseInt64("0", &v));
  CHECK(v == 0);
  CHECK(ParseInt64("-1", &v));
  CHECK(v == -1);
  CHECK(ParseInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  CHECK(ParseInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  CHECK(ParseInt64("123", nullptr));
  for (const char* bad : {"",
                          "-",
                          "-0",
                          "+1",
                          "+0",
                          " 1",
                          "1 ",
                          "01",
                          "00",
                          "-01",
                          "1a",
                          "a1",
                          "0x10",
                          "1.0",
                          "1e3",
                          "9223372036854775808",
                          "-9223372036854775809",
                          "18446744073709551615",
                          "18446744073709551616",
                          "99999999999999999999",
                          "000000000000000000001",
                          "--1",
                          "1-"}) {
    INFO("'" << bad << "'");
    v = 7;
    CHECK_FALSE(ParseInt64(bad, &v));
    CHECK(v == 7);
  }
  CHECK_FALSE(ParseInt64("1\0"s, &v));
  CHECK_FALSE(ParseInt64("\0"s, &v));
  // Views are not NUL terminated: only the view's bytes count.
  std::string_view digits = "12345";
  CHECK(ParseInt64(digits.substr(0, 2), &v));
  CHECK(v == 12);
}

TEST_CASE("FormatDouble matches addReplyDouble", "[numbers]") {
  // Expected strings are what redis-server 7.0.15 ZSCORE returned for these scores.
  CHECK(FormatDouble(1.1) == "1.1000000000000001");
  CHECK(FormatDouble(0.1) == "0.10000000000000001");
  CHECK(FormatDouble(1.5) == "1.5");
  CHECK(FormatDouble(0) == "0");
  CHECK(FormatDouble(1e17) == "1e+17");
  CHECK(FormatDouble(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(FormatDouble(1e308) == "1e+308");
  CHECK(FormatDouble(1e-300) == "1e-300");
  CHECK(FormatDouble(2.5e-310) == "2.5000000000000171e-310");
  CHECK(FormatDouble(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(FormatDouble(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(FormatDouble(-0.0) == "-0");
  CHECK(FormatDouble(-2.5) == "-2.5");
  CHECK(FormatDouble(DBL_MAX) == "1.7976931348623157e+308");
  CHECK(FormatDouble(12345678901234567.0) == "12345678901234568");
  CHECK(FormatDouble(1234567890123456.0) == "1234567890123456");
}

TEST_CASE("FormatLongDouble matches INCRBYFLOAT", "[numbers]") {
  // Each pair: INCRBYFLOAT on a missing key by `incr` returned `expected` on Redis 7.0.15.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "0"},
      {"-0", "0"},
      {"1.1", "1.1"},
      {"-1.1", "-1.1"},
      {"3.0e3", "3000"},
      {"1e17", "100000000000000000"},
      {"1e20", "100000000000000000000"},
      {"0.1", "0.1"},
      {"1e-5", "0.00001"},
      {"1e-17", "0.00000000000000001"},
      {"0.1e-16", "0.00000000000000001"},
      {"0.5e-17", "0"},
      {"1e-20", "0"},
      {"2.5e-310", "0"},
      {"5.0e3", "5000"},
      {"-5.0e3", "-5000"},
      {"10.5", "10.5"},
      {"123.456", "123.456"},
      {"-123.456", "-123.456"},
      {"1e18", "1000000000000000000"},
      {"9007199254740993", "9007199254740993"},
      {"1.23456789012345678", "1.23456789012345678"},
      {"3.14159265358979323846", "3.14159265358979324"},
      {"1e308",
       "9999999999999999999668587965584564566056009984741556720779704799492173486883806187210012"
       "6921888539320446747225054013223152134749593960583597420814430196418767959100019603190778"
       "6631096045071066679391533957889389145605435630612683649016186302170865892534448816237913"
       "00855757318142424510452728255046343928578048"},
  };
  for (const auto& [incr, expected] : cases) {
    INFO(incr);
    long double v;
    REQUIRE(ParseLongDouble(incr, &v));
    CHECK(FormatLongDouble(0.0L + v) == expected);
  }
  // INCRBYFLOAT k 0.1 on "10.50" gives "10.6"; on "5.0e3" by "2.0e2" gives "5200"; "0x10" + 1
  // gives "17"; "+1.5" + 1 gives "2.5".
  auto incr = [](const std::string& cur, const std::string& by) {
    long double a, b;
    REQUIRE(ParseLongDouble(cur, &a));
    REQUIRE(ParseLongDouble(by, &b));
    return FormatLongDouble(a + b);
  };
  CHECK(incr("10.50", "0.1") == "10.6");
  CHECK(incr("5.0e3", "2.0e2") == "5200");
  CHECK(incr("0x10", "1") == "17");
  CHECK(incr("+1.5", "1") == "2.5");
  // Huge values print every digit.
  long double big;
  REQUIRE(ParseLongDouble("1e4000", &big));
  std::string s = FormatLongDouble(big);
  CHECK(s.size() == 4000);  // INCRBYFLOAT k 1e4000 returns 4000 digits
  CHECK(s.rfind("99999999999999999999654638730996237849324925835069", 0) == 0);
  REQUIRE(ParseLongDouble("1.18e4932", &big));
  CHECK(FormatLongDouble(big).rfind("11800000000000000000006528129180936992026904371401", 0) == 0);
  CHECK(FormatLongDouble(std::numeric_limits<long double>::infinity()) == "inf");
  CHECK(FormatLongDouble(-std::numeric_limits<long double>::infinity()) == "-inf");
  CHECK(FormatLongDouble(-0.0L) == "0");
  CHECK(FormatLongDouble(100.0L) == "100");
  CHECK(FormatLongDouble(-0.5L) == "-0.5");
}

TEST_CASE("ParseLongDouble has string2ld semantics", "[numbers]") {
  long double v = 7;
  CHECK(ParseLongDouble("1.5", &v));
  CHECK(v == 1.5L);
  CHECK(ParseLongDouble("+1", &v));
  CHECK(v == 1.0L);
  CHECK(ParseLongDouble("inf", &v));
  CHECK(std::isinf(v));
  CHECK(ParseLongDouble("-Infinity", &v));
  CHECK(std::isinf(v));
  CHECK(ParseLongDouble("1e309", &v));  // fits a long double
  CHECK(ParseLongDouble("1e4000", &v));
  CHECK(ParseLongDouble("-0", &v));
  CHECK(ParseLongDouble(".5", &v));
  CHECK(ParseLongDouble("5.", &v));
  CHECK(ParseLongDouble("0x1p3", &v));
  CHECK(v == 8.0L);
  for (const char* bad : {"", " 1", "1 ", "\t1", "nan", "NaN", "-nan", "1e5000", "-1e5000",
                          "1e-5000", "abc", "1.5x", "e5", ".", "-", "+", "1,5"}) {
    INFO("'" << bad << "'");
    v = 7;
    CHECK_FALSE(ParseLongDouble(bad, &v));
    CHECK(v == 7);
  }
  CHECK_FALSE(ParseLongDouble("1\0"s, &v));
  CHECK(ParseLongDouble(std::string_view("12.5xyz").substr(0, 4), &v));
  CHECK(v == 12.5L);
  // MAX_LONG_DOUBLE_CHARS: strings of 5120 bytes or more are rejected.
  std::string long_one = "1." + std::string(5117, '0');
  REQUIRE(long_one.size() == 5119);
  CHECK(ParseLongDouble(long_one, &v));
  CHECK(v == 1.0L);
  CHECK_FALSE(ParseLongDouble(long_one + "0", &v));
}

TEST_CASE("ParseDouble has string2d semantics", "[numbers]") {
  double v = 7;
  CHECK(ParseDouble("1.5", &v));
  CHECK(v == 1.5);
  CHECK(ParseDouble("+1.5", &v));
  CHECK(v == 1.5);
  CHECK(ParseDouble("-0", &v));
  CHECK(v == 0);
  CHECK(std::signbit(v));
  CHECK(ParseDouble("inf", &v));
  CHECK(v == std::numeric_limits<double>::infinity());
  CHECK(ParseDouble("-inf", &v));
  CHECK(v == -std::numeric_limits<double>::infinity());
  CHECK(ParseDouble("+inf", &v));
  CHECK(ParseDouble("infinity", &v));
  CHECK(ParseDouble("1e308", &v));
  CHECK(v == 1e308);
  CHECK(ParseDouble("4.9e-324", &v));  // denormal: ERANGE but not zero
  CHECK(v > 0);
  CHECK(ParseDouble("0x10", &v));
  CHECK(v == 16);
  CHECK(ParseDouble("1E3", &v));
  CHECK(v == 1000);
  for (const char* bad : {"", " 1", "1 ", "\n1", "nan", "-nan", "NAN", "1e309", "-1e309", "1e-400",
                          "abc", "1.5x", "e5", ".", "-", "1,5", "1..2"}) {
    INFO("'" << bad << "'");
    v = 7;
    CHECK_FALSE(ParseDouble(bad, &v));
    CHECK(v == 7);
  }
  // 1e308*10 overflows a double.
  CHECK_FALSE(ParseDouble(FormatDouble(1e308) + "0", &v));
  CHECK_FALSE(ParseDouble("1\0"s, &v));
  CHECK(ParseDouble(std::string_view("2.25abc").substr(0, 4), &v));
  CHECK(v == 2.25);
  // Long inputs take the heap path.
  std::string long_one = "1." + std::string(300, '0') + "1";
  CHECK(ParseDouble(long_one, &v));
  CHECK(v == 1.0);
  CHECK_FALSE(ParseDouble(long_one + " ", &v));
  // 17 significant digits round trip exactly.
  for (double d : {0.1, 1.1, 1e17, 2.5e-310, 123456789.123456789, -DBL_MAX, DBL_MIN}) {
    double back;
    REQUIRE(ParseDouble(FormatDouble(d), &back));
    CHECK(back == d);
  }
}

}  // namespace
}  // namespace shoal
