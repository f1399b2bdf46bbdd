#include "protocol/request_parser.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace shoal::protocol {
namespace {

using namespace std::string_literals;
using Result = RequestParser::Result;
using Args = std::vector<std::string>;

// What a connection sees when it feeds a byte stream to the parser.
struct Outcome {
  std::vector<Args> commands;  // zero-arg commands are recorded as empty Args
  std::string error;           // non-empty if the parser reported kError
  size_t leftover = 0;         // unconsumed bytes at the end (incomplete command)

  bool operator==(const Outcome& o) const {
    return commands == o.commands && error == o.error && leftover == o.leftover;
  }
};

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

std::string Describe(const Outcome& o);

std::ostream& operator<<(std::ostream& os, const Outcome& o) { return os << Describe(o); }

std::string Describe(const Outcome& o) {
  std::string s = "{";
  for (const Args& args : o.commands) {
    s += "[";
    for (const std::string& a : args) s += "\"" + Escape(a) + "\" ";
    s += "]";
  }
  s += " error=\"" + o.error + "\" leftover=" + std::to_string(o.leftover) + "}";
  return s;
}

// A buffer that lives in a fresh heap block after every change, so that any view or pointer the
// parser kept into an older block is a use-after-free under ASan, and offsets are all that
// survive.
class MovingBuffer {
 public:
  void Append(std::string_view bytes) { Replace(view(), bytes, 0); }
  void Drop(size_t n) { Replace(view().substr(n), {}, 0); }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  void Replace(std::string_view keep, std::string_view add, size_t) {
    auto fresh = std::make_unique<char[]>(keep.size() + add.size() + 1);
    if (!keep.empty()) std::memcpy(fresh.get(), keep.data(), keep.size());
    if (!add.empty()) std::memcpy(fresh.get() + keep.size(), add.data(), add.size());
    size_ = keep.size() + add.size();
    data_ = std::move(fresh);
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
};

// Feeds `input` in chunks ending at each offset of `cuts` (ascending) and then the rest.
Outcome Feed(std::string_view input, const std::vector<size_t>& cuts,
             ParserLimits limits = ParserLimits()) {
  RequestParser parser(limits);
  MovingBuffer buffer;
  Outcome outcome;
  size_t prev = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    buffer.Append(input.substr(prev, end - prev));
    prev = end;
    for (;;) {
      Result r = parser.Parse(buffer.view());
      if (r == Result::kNeedMore) {
        REQUIRE(parser.consumed() == 0);
        break;
      }
      if (r == Result::kError) {
        outcome.error = std::string(parser.error());
        REQUIRE(!outcome.error.empty());
        REQUIRE(parser.Parse(buffer.view()) == Result::kError);  // sticky
        return outcome;
      }
      REQUIRE(parser.consumed() > 0);
      REQUIRE(parser.consumed() <= buffer.view().size());
      Args args;
      for (std::string_view a : parser.args()) args.emplace_back(a);
      outcome.commands.push_back(std::move(args));
      buffer.Drop(parser.consumed());
    }
  }
  outcome.leftover = buffer.view().size();
  return outcome;
}

Outcome FeedWhole(std::string_view input, ParserLimits limits = ParserLimits()) {
  return Feed(input, {}, limits);
}

Outcome Commands(std::vector<Args> commands, size_t leftover = 0) {
  Outcome o;
  o.commands = std::move(commands);
  o.leftover = leftover;
  return o;
}

Outcome Error(std::vector<Args> commands, std::string error) {
  Outcome o;
  o.commands = std::move(commands);
  o.error = std::move(error);
  return o;
}

std::string Multibulk(const Args& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

struct Case {
  std::string name;
  std::string input;
  Outcome expected;
};

// Every behaviour below was checked against redis-server 7.0.15 over a socket.
std::vector<Case> Corpus() {
  std::vector<Case> c;
  // --- multibulk ---
  c.push_back({"ping", "*1\r\n$4\r\nPING\r\n", Commands({{"PING"}})});
  c.push_back({"set", "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n",
               Commands({{"SET", "key", "value"}})});
  c.push_back({"binary bulk", "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\0c\r\n"s,
               Commands({{"ECHO", "a\r\nb\0c"s}})});
  c.push_back(
      {"bulk of CRLFs", "*2\r\n$1\r\n\r\r\n$4\r\n\r\n\r\n\r\n", Commands({{"\r", "\r\n\r\n"}})});
  c.push_back({"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", Commands({{"ECHO", ""}})});
  c.push_back({"star zero", "*0\r\n", Commands({{}})});
  c.push_back({"star minus one", "*-1\r\n", Commands({{}})});
  c.push_back({"star minus five", "*-5\r\n", Commands({{}})});
  c.push_back(
      {"bulk looks like header", "*2\r\n$2\r\n*1\r\n$2\r\n$3\r\n", Commands({{"*1", "$3"}})});
  c.push_back({"high bytes", "*1\r\n$3\r\n\xff\x80\x00\r\n"s, Commands({{"\xff\x80\x00"s}})});
  // Redis skips the two bytes after a bulk payload and the byte after a header's '\r' without
  // looking at them.
  c.push_back({"unchecked bulk terminator", "*1\r\n$4\r\nPINGxx", Commands({{"PING"}})});
  c.push_back({"unchecked header lf", "*1\rX$4\r\nPING\r\n", Commands({{"PING"}})});
  c.push_back({"unchecked bulk header lf", "*1\r\n$4\rXPING\r\n", Commands({{"PING"}})});
  // --- inline ---
  c.push_back({"inline crlf", "PING\r\n", Commands({{"PING"}})});
  c.push_back({"inline lf", "PING\n", Commands({{"PING"}})});
  c.push_back({"inline args", "SET k v\r\n", Commands({{"SET", "k", "v"}})});
  c.push_back({"inline blanks", "  set   k\t v  \r\n", Commands({{"set", "k", "v"}})});
  c.push_back({"inline empty lines", "\r\n\n   \t\r\nPING\n", Commands({{}, {}, {}, {"PING"}})});
  c.push_back({"inline not star", "$3\r\n", Commands({{"$3"}})});
  c.push_back({"inline double quotes", "SET \"a b\" 'c d'\r\n", Commands({{"SET", "a b", "c d"}})});
  c.push_back({"inline escapes", "ECHO \"\\x41\\x4a\\x4A\\xZZ\\x4\\n\\r\\t\\b\\a\\\"\\\\\\q\"\r\n",
               Commands({{"ECHO", "AJJxZZx4\n\r\t\b\a\"\\q"}})});
  c.push_back({"inline hex zero and ff", "ECHO \"\\x00\\xff\"\n", Commands({{"ECHO", "\0\xff"s}})});
  c.push_back({"inline single quote escapes", "ECHO 'it\\'s' 'a\\nb'\r\n",
               Commands({{"ECHO", "it's", "a\\nb"}})});
  c.push_back({"inline empty quotes", "ECHO \"\" ''\r\n", Commands({{"ECHO", "", ""}})});
  c.push_back(
      {"inline quote mid token", "ECHO a\"b c\" d'e f'\r\n", Commands({{"ECHO", "ab c", "de f"}})});
  c.push_back({"inline quote then tab", "ECHO \"x\"\ty\r\n", Commands({{"ECHO", "x", "y"}})});
  // The closing quote may be followed by any isspace() byte, \v and \f included.
  c.push_back({"inline quote then vt", "ECHO 'x'\v\r\n", Commands({{"ECHO", "x"}})});
  c.push_back({"inline quote then ff", "ECHO \"x\"\f\r\n", Commands({{"ECHO", "x"}})});
  // Leading \v is skipped as blank, but \v does not end an unquoted token.
  c.push_back({"inline vt blank", "ECHO \vx\r\n", Commands({{"ECHO", "x"}})});
  c.push_back({"inline vt in token", "ECHO a\vx\r\n", Commands({{"ECHO", "a\vx"}})});
  c.push_back({"inline cr cr lf", "ECHO a\r\r\n", Commands({{"ECHO", "a"}})});
  c.push_back({"inline inner cr", "a\rb\n", Commands({{"a", "b"}})});
  c.push_back({"inline raw cr in quotes", "ECHO \"a\rb\"\n", Commands({{"ECHO", "a\rb"}})});
  c.push_back({"inline backslash unquoted", "ECHO a\\nb\r\n", Commands({{"ECHO", "a\\nb"}})});
  // --- pipelines ---
  c.push_back({"pipeline mixed",
               "PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO \"x y\"\n*0\r\n\r\nGET k\r\n",
               Commands({{"PING"}, {"ECHO", "hi"}, {"ECHO", "x y"}, {}, {}, {"GET", "k"}})});
  c.push_back(
      {"pipeline partial tail", "PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk", Commands({{"PING"}}, 18)});
  // --- incomplete input ---
  c.push_back({"partial inline", "PING", Commands({}, 4)});
  c.push_back({"only star", "*", Commands({}, 1)});
  c.push_back({"huge count waits", "*2147483647\r\n", Commands({}, 13)});
  c.push_back({"max bulk waits", "*1\r\n$536870912\r\n", Commands({}, 16)});
  // strchr() stops at a NUL: Redis never sees the line end and waits (until the size limit).
  c.push_back({"nul in bulk header", "*1\r\n\0\r\n"s, Commands({}, 7)});
  c.push_back({"nul in inline", "ECHO a\0b\r\nPING\r\n"s, Commands({}, 16)});
  c.push_back({"nul in count", "*1\0\r\n$4\r\nPING\r\n"s, Commands({}, 15)});
  // --- errors ---
  const std::string kBadCount = "Protocol error: invalid multibulk length";
  const std::string kBadBulk = "Protocol error: invalid bulk length";
  const std::string kUnbalanced = "Protocol error: unbalanced quotes in request";
  for (const char* count : {"+1", "01", "", " 1", "1 ", "-0", "abc", "2147483648",
                            "9223372036854775808", "1x", "0x1", "1.0"}) {
    c.push_back(
        {"bad count '"s + count + "'", "*"s + count + "\r\n$4\r\nPING\r\n", Error({}, kBadCount)});
  }
  c.push_back({"count spans lf", "*1\n$3\r\nfoo\r\n", Error({}, kBadCount)});
  for (const char* len :
       {"+4", "04", "-1", "-2", "", " 4", "4 ", "536870913", "4x", "99999999999999999999"}) {
    c.push_back(
        {"bad bulk len '"s + len + "'", "*1\r\n$"s + len + "\r\nPING\r\n", Error({}, kBadBulk)});
  }
  c.push_back(
      {"expected dollar x", "*1\r\nx\r\n", Error({}, "Protocol error: expected '$', got 'x'")});
  c.push_back({"expected dollar colon", "*2\r\n$1\r\nx\r\n:1\r\n",
               Error({}, "Protocol error: expected '$', got ':'")});
  c.push_back(
      {"expected dollar cr", "*1\r\n\r\r\n", Error({}, "Protocol error: expected '$', got ' '")});
  c.push_back(
      {"expected dollar lf", "*1\r\n\n\r\n", Error({}, "Protocol error: expected '$', got ' '")});
  c.push_back({"expected dollar star", "*2\r\n$1\r\na\r\n*1\r\n",
               Error({}, "Protocol error: expected '$', got '*'")});
  c.push_back({"unbalanced double", "PING \"a\r\n", Error({}, kUnbalanced)});
  c.push_back({"unbalanced single", "PING 'a\r\n", Error({}, kUnbalanced)});
  c.push_back({"quote followed by text", "ECHO \"a\"b\r\n", Error({}, kUnbalanced)});
  c.push_back({"squote followed by text", "ECHO 'a'b\r\n", Error({}, kUnbalanced)});
  c.push_back({"mid token quote followed by text", "ECHO a\"b c\"d\r\n", Error({}, kUnbalanced)});
  c.push_back({"escaped closing quote", "ECHO \"a\\\"\r\n", Error({}, kUnbalanced)});
  c.push_back({"trailing backslash", "ECHO \"a\\\n", Error({}, kUnbalanced)});
  c.push_back({"pipeline then error", "PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n",
               Error({{"PING"}, {"PING"}}, kBadCount)});
  return c;
}

std::vector<size_t> RandomCuts(std::mt19937& rng, size_t size, size_t count) {
  std::vector<size_t> cuts;
  if (size == 0) return cuts;
  std::uniform_int_distribution<size_t> dist(0, size);
  for (size_t i = 0; i < count; ++i) cuts.push_back(dist(rng));
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

std::vector<size_t> EveryByte(size_t size) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < size; ++i) cuts.push_back(i);
  return cuts;
}

void CheckAllSplits(const std::string& name, const std::string& input, const Outcome& expected,
                    ParserLimits limits = ParserLimits()) {
  INFO("case: " << name << " input: " << Escape(input));
  Outcome whole = FeedWhole(input, limits);
  INFO("whole: " << Describe(whole) << " expected: " << Describe(expected));
  REQUIRE(whole == expected);
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    Outcome split = Feed(input, {cut}, limits);
    INFO("cut at " << cut << ": " << Describe(split));
    REQUIRE(split == expected);
  }
  Outcome bytewise = Feed(input, EveryByte(input.size()), limits);
  INFO("byte by byte: " << Describe(bytewise));
  REQUIRE(bytewise == expected);
  std::mt19937 rng(static_cast<uint32_t>(input.size()));
  for (int i = 0; i < 20; ++i) {
    Outcome random = Feed(input, RandomCuts(rng, input.size(), 1 + i % 5), limits);
    INFO("random cuts: " << Describe(random));
    REQUIRE(random == expected);
  }
}

TEST_CASE("Corpus parses identically for every split", "[request_parser]") {
  for (const Case& c : Corpus()) CheckAllSplits(c.name, c.input, c.expected);
}

TEST_CASE("Concatenated corpus parses as a pipeline", "[request_parser]") {
  std::string stream;
  Outcome expected;
  for (const Case& c : Corpus()) {
    if (!c.expected.error.empty() || c.expected.leftover != 0) continue;
    stream += c.input;
    for (const Args& a : c.expected.commands) expected.commands.push_back(a);
  }
  CheckAllSplits("all complete cases", stream, expected);

  // The same stream followed by each error case: everything before is executed, then the error.
  for (const Case& c : Corpus()) {
    if (c.expected.error.empty()) continue;
    Outcome with_error = expected;
    for (const Args& a : c.expected.commands) with_error.commands.push_back(a);
    with_error.error = c.expected.error;
    std::string s = stream + c.input;
    std::mt19937 rng(7);
    Outcome got = Feed(s, RandomCuts(rng, s.size(), 8));
    INFO(c.name << ": " << Describe(got));
    REQUIRE(got == with_error);
  }
}

TEST_CASE("Zero-arg commands report consumed bytes", "[request_parser]") {
  RequestParser p;
  REQUIRE(p.Parse("*0\r\n*-1\r\n") == Result::kCommand);
  CHECK(p.args().empty());
  CHECK(p.consumed() == 4);
  REQUIRE(p.Parse("*-1\r\n") == Result::kCommand);
  CHECK(p.args().empty());
  CHECK(p.consumed() == 5);
  REQUIRE(p.Parse("  \r\nPING") == Result::kCommand);
  CHECK(p.args().empty());
  CHECK(p.consumed() == 4);
  REQUIRE(p.Parse("\n") == Result::kCommand);
  CHECK(p.consumed() == 1);
  CHECK(p.Parse("") == Result::kNeedMore);
  CHECK(p.consumed() == 0);
}

TEST_CASE("Args view into the caller's buffer", "[request_parser]") {
  RequestParser p;
  std::string buf = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  REQUIRE(p.Parse(buf) == Result::kCommand);
  REQUIRE(p.args().size() == 2);
  CHECK(p.args()[0].data() == buf.data() + 8);
  CHECK(p.args()[1].data() == buf.data() + 17);
  CHECK_FALSE(p.has_owned_args());

  buf = "SET plain \"quoted\"\r\n";
  REQUIRE(p.Parse(buf) == Result::kCommand);
  REQUIRE(p.args().size() == 3);
  CHECK(p.args()[0].data() == buf.data());
  CHECK(p.args()[1].data() == buf.data() + 4);
  CHECK(p.args()[2] == "quoted");
  CHECK((p.args()[2].data() < buf.data() || p.args()[2].data() >= buf.data() + buf.size()));
  CHECK(p.has_owned_args());

  buf = "SET plain words\r\n";
  REQUIRE(p.Parse(buf) == Result::kCommand);
  CHECK_FALSE(p.has_owned_args());
  for (std::string_view a : p.args()) {
    CHECK(a.data() >= buf.data());
    CHECK(a.data() + a.size() <= buf.data() + buf.size());
  }
}

TEST_CASE("Errors are sticky until Reset", "[request_parser]") {
  RequestParser p;
  REQUIRE(p.Parse("*x\r\n") == Result::kError);
  CHECK(p.error() == "Protocol error: invalid multibulk length");
  CHECK(p.Parse("PING\r\n") == Result::kError);
  CHECK(p.consumed() == 0);
  CHECK(p.args().empty());
  p.Reset();
  CHECK(p.error().empty());
  REQUIRE(p.Parse("PING\r\n") == Result::kCommand);
  CHECK(p.args().size() == 1);
}

TEST_CASE("Reset drops a partial command", "[request_parser]") {
  RequestParser p;
  REQUIRE(p.Parse("*2\r\n$3\r\nGET\r\n$1") == Result::kNeedMore);
  p.Reset();
  REQUIRE(p.Parse("PING\r\n") == Result::kCommand);
  REQUIRE(p.args().size() == 1);
  CHECK(p.args()[0] == "PING");
}

TEST_CASE("Progress is kept as offsets and parsed bytes are not re-read", "[request_parser]") {
  RequestParser p;
  std::string first = "*2\r\n$3\r\nfoo\r\n$3\r\nba";
  REQUIRE(p.Parse(first) == Result::kNeedMore);
  // Same prefix at a different address, except the already parsed header is now garbage. A
  // parser that started over would fail or wait for 9 args; a resuming one never looks back.
  std::string moved = "*9\r\n$3\r\nfoo\r\n$3\r\nbar\r\n";
  REQUIRE(p.Parse(moved) == Result::kCommand);
  REQUIRE(p.args().size() == 2);
  CHECK(p.args()[0] == "foo");
  CHECK(p.args()[1] == "bar");
  CHECK(p.args()[0].data() == moved.data() + 8);
  CHECK(p.consumed() == moved.size());

  // Same for an inline line: the scanned part is not scanned again.
  REQUIRE(p.Parse("ECHO abc") == Result::kNeedMore);
  REQUIRE(p.Parse("ECHO abcd\n") == Result::kCommand);
  REQUIRE(p.args().size() == 2);
  CHECK(p.args()[1] == "abcd");
}

TEST_CASE("A shrunken buffer restarts the command", "[request_parser]") {
  RequestParser p;
  REQUIRE(p.Parse("*2\r\n$3\r\nfoo\r\n$3\r\nba") == Result::kNeedMore);
  REQUIRE(p.Parse("PING\r\n") == Result::kCommand);
  REQUIRE(p.args().size() == 1);
  CHECK(p.args()[0] == "PING");
}

TEST_CASE("bytes_needed_hint announces the end of the pending bulk", "[request_parser]") {
  RequestParser p;
  std::string head = "*2\r\n$3\r\nSET\r\n$100000\r\n";
  CHECK(p.bytes_needed_hint() == 0);
  REQUIRE(p.Parse("*2\r\n$3\r\nSE") == Result::kNeedMore);
  CHECK(p.bytes_needed_hint() == 4 + 4 + 5);
  REQUIRE(p.Parse("*2\r\n$3\r\nSET\r\n$100") == Result::kNeedMore);
  CHECK(p.bytes_needed_hint() == 0);  // waiting for a header, not a payload
  std::string buf = head + "abc";
  REQUIRE(p.Parse(buf) == Result::kNeedMore);
  const size_t need = head.size() + 100000 + 2;
  CHECK(p.bytes_needed_hint() == need);
  buf.reserve(need);
  buf.append(100000 - 3, 'x');
  REQUIRE(p.Parse(buf) == Result::kNeedMore);
  CHECK(p.bytes_needed_hint() == need);
  buf += "\r";
  REQUIRE(p.Parse(buf) == Result::kNeedMore);
  buf += "\n";
  REQUIRE(buf.size() == need);
  REQUIRE(p.Parse(buf) == Result::kCommand);
  CHECK(p.consumed() == need);
  CHECK(p.args()[1].size() == 100000);
  CHECK(p.bytes_needed_hint() == 0);
}

TEST_CASE("Inline size limit", "[request_parser]") {
  const size_t k = 64 * 1024;
  const std::string kTooBig = "Protocol error: too big inline request";
  CHECK(FeedWhole(std::string(k, 'A')) == Commands({}, k));
  CHECK(FeedWhole(std::string(k + 1, 'A')) == Error({}, kTooBig));
  // Checked only while no newline is in the buffer, as Redis does.
  Outcome long_line = FeedWhole(std::string(k + 10, 'A') + "\n");
  REQUIRE(long_line.commands.size() == 1);
  CHECK(long_line.commands[0][0].size() == k + 10);
  // The limit applies to everything buffered, e.g. a NUL-blocked line followed by more data.
  CHECK(FeedWhole("ECHO \0"s + std::string(k, 'A')) == Error({}, kTooBig));
  // Chunked arrival trips the check as soon as the buffer passes the limit.
  std::string big(k + 100, 'A');
  big += "\n";
  CHECK(Feed(big, {k, k + 1}) == Error({}, kTooBig));
  CHECK(Feed(big, {k}) == Commands({{std::string(k + 100, 'A')}}));
  // Custom limit.
  ParserLimits limits;
  limits.max_inline_len = 10;
  CHECK(FeedWhole("0123456789", limits) == Commands({}, 10));
  CHECK(FeedWhole("0123456789A", limits) == Error({}, kTooBig));
  // Every incomplete line stays within 10 bytes here, however the input is split.
  CheckAllSplits("short limit", "PING\r\nECHO 0123\r\n", Commands({{"PING"}, {"ECHO", "0123"}}),
                 limits);
}

TEST_CASE("Multibulk header size limits", "[request_parser]") {
  const size_t k = 64 * 1024;
  const std::string kMbulk = "Protocol error: too big mbulk count string";
  const std::string kBulk = "Protocol error: too big bulk count string";
  CHECK(FeedWhole("*" + std::string(k - 1, '1')) == Commands({}, k));
  CHECK(FeedWhole("*" + std::string(k, '1')) == Error({}, kMbulk));
  // With the '\r' present it is just a bad number.
  CHECK(FeedWhole("*" + std::string(k, '1') + "\r\n") ==
        Error({}, "Protocol error: invalid multibulk length"));
  CHECK(FeedWhole("*1\r\n$" + std::string(k - 1, '1')) == Commands({}, k + 4));
  CHECK(FeedWhole("*1\r\n$" + std::string(k, '1')) == Error({}, kBulk));
  // Only the bytes from the bulk header on count.
  std::string prefix = "*3\r\n$1\r\nx\r\n$1\r\n\0AA"s;
  CHECK(FeedWhole(prefix + std::string(k, 'A')) == Commands({}, prefix.size() + k));
  CHECK(FeedWhole(prefix + std::string(k + 1, 'A')) == Error({}, kBulk));
  ParserLimits limits;
  limits.max_inline_len = 4;
  CHECK(FeedWhole("*100", limits) == Commands({}, 4));
  CHECK(FeedWhole("*1000", limits) == Error({}, kMbulk));
  CHECK(FeedWhole("*1000\r\n$123", limits) == Commands({}, 11));
  CHECK(FeedWhole("*1000\r\n$12345", limits) == Error({}, kBulk));
}

TEST_CASE("Bulk length limit", "[request_parser]") {
  ParserLimits limits;
  limits.max_bulk_len = 5;
  CheckAllSplits("at limit", "*1\r\n$5\r\nhello\r\n", Commands({{"hello"}}), limits);
  CheckAllSplits("over limit", "*1\r\n$6\r\nhello!\r\n",
                 Error({}, "Protocol error: invalid bulk length"), limits);
  CHECK(FeedWhole("*1\r\n$536870912\r\n") == Commands({}, 16));
  CHECK(FeedWhole("*1\r\n$536870913\r\n") == Error({}, "Protocol error: invalid bulk length"));
  limits.max_bulk_len = INT64_MAX;
  CHECK(FeedWhole("*1\r\n$9223372036854775807\r\n", limits) == Commands({}, 26));
  RequestParser p(limits);
  REQUIRE(p.Parse("*1\r\n$9223372036854775807\r\nab") == Result::kNeedMore);
  CHECK(p.bytes_needed_hint() > 0);  // saturated, no overflow
}

TEST_CASE("Unauthenticated limits", "[request_parser]") {
  ParserLimits limits;
  limits.auth_required = true;
  CHECK(FeedWhole("*10\r\n", limits) == Commands({}, 5));
  CHECK(FeedWhole("*11\r\n", limits) ==
        Error({}, "Protocol error: unauthenticated multibulk length"));
  CHECK(FeedWhole("*1\r\n$16384\r\n", limits) == Commands({}, 12));
  CHECK(FeedWhole("*1\r\n$16385\r\n", limits) ==
        Error({}, "Protocol error: unauthenticated bulk length"));
  // The generic checks come first.
  CHECK(FeedWhole("*2147483648\r\n", limits) ==
        Error({}, "Protocol error: invalid multibulk length"));
  CHECK(FeedWhole("*1\r\n$-1\r\n", limits) == Error({}, "Protocol error: invalid bulk length"));
  // Inline requests are not limited.
  CHECK(FeedWhole("PING a b c d e f g h i j k l\r\n", limits).commands[0].size() == 13);
  // Limits can change between commands (after AUTH).
  RequestParser p(limits);
  REQUIRE(p.Parse(Multibulk({"AUTH", "pw"})) == Result::kCommand);
  limits.auth_required = false;
  p.set_limits(limits);
  CHECK(p.limits().auth_required == false);
  Args many(11, "x");
  REQUIRE(p.Parse(Multibulk(many)) == Result::kCommand);
  CHECK(p.args().size() == 11);
}

TEST_CASE("NUL-blocked lines wait for the size limit", "[request_parser]") {
  const size_t k = 64 * 1024;
  CHECK(FeedWhole("*1\r\n\0\r\n"s + std::string(k - 3, 'x')) == Commands({}, k + 4));
  CHECK(FeedWhole("*1\r\n\0\r\n"s + std::string(k - 2, 'x')) ==
        Error({}, "Protocol error: too big bulk count string"));
  CHECK(FeedWhole("*1\0\r\n"s + std::string(k - 5, 'x')) == Commands({}, k));
  CHECK(FeedWhole("*1\0\r\n"s + std::string(k - 4, 'x')) ==
        Error({}, "Protocol error: too big mbulk count string"));
  // A NUL inside a bulk payload is just data.
  CheckAllSplits("nul payload", "*2\r\n$1\r\n\0\r\n$2\r\n\0\0\r\n"s, Commands({{"\0"s, "\0\0"s}}));
}

TEST_CASE("Random commands round trip in both encodings", "[request_parser]") {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> small(0, 6);
  std::string stream;
  Outcome expected;
  for (int i = 0; i < 300; ++i) {
    Args args;
    int argc = 1 + small(rng);
    for (int j = 0; j < argc; ++j) {
      std::string a;
      int len = small(rng) * small(rng);
      for (int b = 0; b < len; ++b) a.push_back(static_cast<char>(byte(rng)));
      args.push_back(a);
    }
    if (i % 2 == 0) {
      stream += Multibulk(args);
    } else {
      // Inline, every byte hex-escaped inside double quotes.
      for (size_t j = 0; j < args.size(); ++j) {
        stream += j == 0 ? "\"" : (i % 3 == 0 ? "\t\"" : " \"");
        for (char ch : args[j]) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02X", static_cast<unsigned char>(ch));
          stream += buf;
        }
        stream += "\"";
      }
      stream += i % 4 == 1 ? "\n" : "\r\n";
    }
    expected.commands.push_back(args);
  }
  REQUIRE(FeedWhole(stream) == expected);
  for (int round = 0; round < 30; ++round) {
    Outcome got = Feed(stream, RandomCuts(rng, stream.size(), 1 + round * 7));
    REQUIRE(got == expected);
  }
  REQUIRE(Feed(stream, EveryByte(stream.size())) == expected);
}

TEST_CASE("A 1M-argument MSET arriving in 16KB reads parses in linear time", "[request_parser]") {
  const size_t kArgs = 1'000'001;  // MSET + 500000 key/value pairs
  std::string stream = "*" + std::to_string(kArgs) + "\r\n$4\r\nMSET\r\n";
  for (size_t i = 1; i < kArgs; ++i) {
    std::string a = (i % 2 ? "key:" : "val:") + std::to_string((i - 1) / 2);
    stream += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  }
  stream += "*1\r\n$4\r\nPING\r\n";
  RequestParser p;
  std::string buf;
  size_t calls = 0;
  size_t commands = 0;
  size_t chunks = 0;
  for (size_t fed = 0; fed < stream.size(); fed += 16 * 1024, ++chunks) {
    buf.append(stream, fed, 16 * 1024);
    if (chunks % 128 == 0) {
      std::string moved(buf);  // the caller moves its buffer now and then
      buf.swap(moved);
    }
    Result r;
    while ((r = p.Parse(buf)) == Result::kCommand) {
      ++calls;
      if (commands == 0) {
        REQUIRE(p.args().size() == kArgs);
        CHECK(p.args()[0] == "MSET");
        CHECK(p.args()[1] == "key:0");
        CHECK(p.args()[2] == "val:0");
        CHECK(p.args()[kArgs - 1] == "val:499999");
      } else {
        REQUIRE(p.args().size() == 1);
        CHECK(p.args()[0] == "PING");
      }
      ++commands;
      buf.erase(0, p.consumed());
    }
    ++calls;
    REQUIRE(r == Result::kNeedMore);
  }
  CHECK(commands == 2);
  CHECK(buf.empty());
  CHECK(calls == chunks + 2);
}

TEST_CASE("Big bulk payloads are skipped by length", "[request_parser]") {
  // A 4MB payload full of CR, LF and NUL bytes, fed in 16KB reads.
  std::string payload;
  for (int i = 0; i < 4 * 1024 * 1024; ++i) payload.push_back("\r\n\0*$"[i % 5]);
  std::string stream = Multibulk({"SET", "k", payload}) + "PING\r\n";
  RequestParser p;
  std::string buf;
  std::vector<Args> got;
  for (size_t fed = 0; fed < stream.size(); fed += 16 * 1024) {
    buf.append(stream, fed, 16 * 1024);
    if (const size_t hint = p.bytes_needed_hint(); hint > buf.capacity()) buf.reserve(hint);
    while (p.Parse(buf) == Result::kCommand) {
      got.emplace_back(p.args().begin(), p.args().end());
      buf.erase(0, p.consumed());
    }
  }
  REQUIRE(got.size() == 2);
  CHECK(got[0][2] == payload);
  CHECK(got[1] == Args{"PING"});
}

TEST_CASE("Many small pipelined commands", "[request_parser]") {
  std::string stream;
  for (int i = 0; i < 20000; ++i) {
    stream += i % 2 ? Multibulk({"INCR", "counter:" + std::to_string(i)})
                    : "INCR counter:" + std::to_string(i) + "\r\n";
  }
  std::vector<size_t> cuts;
  for (size_t cut = 1000; cut < stream.size(); cut += 1000 + cut % 7) cuts.push_back(cut);
  Outcome got = Feed(stream, cuts);
  REQUIRE(got.commands.size() == 20000);
  CHECK(got.commands[19999] == Args{"INCR", "counter:19999"});
  CHECK(got.leftover == 0);
  CHECK(got.error.empty());
}

TEST_CASE("Whole commands (one-pass path) and byte-by-byte feeding (resumable path) agree",
          "[request_parser]") {
  // A whole command in the buffer takes ParseWholeMultibulk; fed one byte at a time, a command is
  // never whole when its parse starts, so every byte goes through ParseMultibulk. Mutated
  // pipelines (bad lengths, signs, NULs, short payloads, wrong prefixes) and tight limits must
  // give the same commands, the same error and the same leftover both ways.
  std::mt19937 rng(777);
  const std::string alphabet = "*$\r\n0123456789-+ x\0"s;
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> small(0, 5);
  ParserLimits tight;
  tight.max_bulk_len = 6;
  ParserLimits unauth;
  unauth.auth_required = true;
  for (int round = 0; round < 400; ++round) {
    std::string stream;
    for (int c = 0, n = 1 + small(rng); c < n; ++c) {
      Args args;
      for (int a = 0, argc = 1 + small(rng) * (round % 7 == 0 ? 3 : 1); a < argc; ++a)
        args.push_back(std::string(static_cast<size_t>(small(rng) * small(rng)), 'k'));
      stream += Multibulk(args);
    }
    for (int m = 0, mutations = small(rng); m < mutations; ++m) {
      std::uniform_int_distribution<size_t> at(0, stream.size() - 1);
      size_t i = at(rng);
      switch (small(rng)) {
        case 0:
          stream.erase(i, 1);
          break;
        case 1:
          stream.insert(i, 1, alphabet[pick(rng)]);
          break;
        default:
          stream[i] = alphabet[pick(rng)];
      }
      if (stream.empty()) stream = "*";
    }
    for (const ParserLimits& limits : {ParserLimits(), tight, unauth}) {
      Outcome whole = FeedWhole(stream, limits);
      Outcome bytewise = Feed(stream, EveryByte(stream.size()), limits);
      INFO("input: " << Escape(stream) << " whole: " << Describe(whole));
      REQUIRE(bytewise == whole);
    }
  }
}

TEST_CASE("Length lines: the one-pass digits path agrees with string2ll's rules",
          "[request_parser]") {
  // Plain lengths of up to 18 digits take FastLengthLine; anything else the general path. Both
  // must give Redis's results at every boundary between them.
  ParserLimits limits;
  limits.max_bulk_len = INT64_MAX;
  const std::string kBulk = "Protocol error: invalid bulk length";
  const std::string kMbulk = "Protocol error: invalid multibulk length";
  CheckAllSplits("plain", "*1\r\n$3\r\nabc\r\n", Commands({{"abc"}}), limits);
  CheckAllSplits("zero length", "*1\r\n$0\r\n\r\n", Commands({{""}}), limits);
  CheckAllSplits("leading zero bulk", "*1\r\n$03\r\nabc\r\n", Error({}, kBulk), limits);
  CheckAllSplits("leading zero count", "*01\r\n$3\r\nabc\r\n", Error({}, kMbulk), limits);
  CheckAllSplits("plus sign", "*1\r\n$+3\r\nabc\r\n", Error({}, kBulk), limits);
  CheckAllSplits("negative bulk", "*1\r\n$-1\r\n", Error({}, kBulk), limits);
  // 18 digits (the fast path's longest), 19 (the general path), 20 (over INT64_MAX).
  CHECK(FeedWhole("*1\r\n$999999999999999999\r\n", limits) == Commands({}, 25));
  CHECK(FeedWhole("*1\r\n$9223372036854775800\r\n", limits) == Commands({}, 26));
  CHECK(FeedWhole("*1\r\n$99999999999999999999\r\n", limits) == Error({}, kBulk));
  CHECK(FeedWhole("*999999999999999999\r\n") == Error({}, kMbulk));  // > INT_MAX
  CHECK(FeedWhole("*9999999999999999999\r\n") == Error({}, kMbulk));
  // A digit run not ended by '\r' (a space, a NUL) is not a length.
  CHECK(FeedWhole("*1\r\n$3 \r\nabc\r\n", limits) == Error({}, kBulk));
  CHECK(FeedWhole("*1\r\n$3\0\r\nabc\r\n"s, limits) == Commands({}, 14));  // waits, as Redis
}

// ---- PeekSecondArgs: the batch prefetch's look-ahead ----

// The second arguments PeekSecondArgs finds ("-" for a command with none), one per command.
std::vector<std::string> Peek(std::string_view buf, size_t max = 64) {
  std::vector<std::string_view> out(max);
  size_t n = PeekSecondArgs(buf, out.data(), max);
  REQUIRE(n <= max);
  std::vector<std::string> got;
  for (size_t i = 0; i < n; ++i) {
    if (out[i].data() == nullptr) {
      got.emplace_back("-");
      continue;
    }
    // Every view lies inside buf.
    REQUIRE(out[i].data() >= buf.data());
    REQUIRE(out[i].data() + out[i].size() <= buf.data() + buf.size());
    got.emplace_back(out[i]);
  }
  return got;
}

TEST_CASE("PeekSecondArgs finds each whole command's second argument", "[request_parser]") {
  using V = std::vector<std::string>;
  std::string pipeline = Multibulk({"GET", "k1"}) + Multibulk({"PING"}) +
                         Multibulk({"SET", "k\r\n2", "v\r\n$3\r\n"}) +
                         Multibulk({"MSET", "a", "1", "b", "2"}) + Multibulk({"GET", ""});
  CHECK(Peek(pipeline) == V{"k1", "-", "k\r\n2", "a", ""});
  CHECK(Peek(pipeline, 3) == V{"k1", "-", "k\r\n2"});
  CHECK(Peek("").empty());
  // It stops at what the real parser would have to look at closely, keeping what came before.
  const std::string get = Multibulk({"GET", "x"});
  for (std::string tail : {"GET y\r\n"s, "*2\r\n$3\r\nGET\r\n$-1\r\n"s, "*0\r\n"s, "*-1\r\n"s,
                           "*02\r\n$3\r\nGET\r\n$1\r\ny\r\n"s, "*2\r\n$03\r\nGET\r\n$1\r\ny\r\n"s,
                           "*2\r$3\r\nGET\r\n$1\r\ny\r\n"s, "*2\r\n$3\r\nGET\r\n$1\ry\r\n"s,
                           "*1025\r\n"s, "*2\r\n$3\r\nGET\r\n+1\r\ny\r\n"s, "\r\n"s}) {
    INFO(Escape(tail));
    CHECK(Peek(get + tail + get) == V{"x"});
  }
  // A payload's CRLF is not checked (the real parser decides): the length alone finds the next.
  CHECK(Peek("*2\r\n$3\r\nGET\r\n$1\r\nyXX" + get) == V{"y", "x"});
}

TEST_CASE("PeekSecondArgs agrees with the parser on every prefix of a pipeline",
          "[request_parser]") {
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::string stream;
    std::vector<size_t> ends;         // where each command ends in stream
    std::vector<std::string> second;  // its second argument, "-" when it has none
    size_t commands = 1 + rng() % 12;
    for (size_t c = 0; c < commands; ++c) {
      Args args;
      size_t argc = 1 + rng() % 4;
      for (size_t k = 0; k < argc; ++k) {
        std::string a;
        size_t len = rng() % 3 == 0 ? rng() % 40 : rng() % 4;
        for (size_t b = 0; b < len; ++b) a.push_back(static_cast<char>(rng() % 256));
        args.push_back(a);
      }
      stream += Multibulk(args);
      ends.push_back(stream.size());
      second.push_back(argc >= 2 ? args[1] : "-");
    }
    // The real parser reads the same commands.
    Outcome parsed = FeedWhole(stream);
    REQUIRE(parsed.commands.size() == commands);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      std::vector<std::string> want;
      for (size_t c = 0; c < commands && ends[c] <= cut; ++c) {
        if (parsed.commands[c].size() >= 2) REQUIRE(parsed.commands[c][1] == second[c]);
        want.push_back(second[c]);
      }
      // Kept in a block of its own size, so that a read past `cut` is an ASan error.
      auto prefix = std::make_unique<char[]>(cut);
      std::memcpy(prefix.get(), stream.data(), cut);
      INFO("round " << round << " cut " << cut);
      std::string_view view(prefix.get(), cut);
      REQUIRE(Peek(view) == want);
      // At most `max` commands, the first ones.
      want.resize(std::min<size_t>(want.size(), 3));
      REQUIRE(Peek(view, 3) == want);
    }
  }
}

}  // namespace
}  // namespace shoal::protocol
