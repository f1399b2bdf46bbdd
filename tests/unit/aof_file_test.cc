// persistence/aof_file against Redis 7.0.15: files a real redis-server 7.0.15 wrote (an INCR file
// with a timestamp annotation and a MULTI block, an RDB base file) must scan as it loads them,
// and the verdicts, ok_up_to offsets and line counts below are those redis-check-aof 7.0.15 gave
// for the same bytes (and, for the truncations, where redis-server 7.0.15 with
// aof-load-truncated truncated the file). Truncation at every byte offset of streams with and
// without a MULTI block, bad format cases, MULTI / EXEC rules, the scan's stop.
#include "persistence/aof_file.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "persistence/rdb_file.h"

namespace shoal::aof {
namespace {

using namespace std::literals;
using Status = ScanResult::Status;

std::string FromHex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::string Cmd(const std::vector<std::string_view>& argv) {
  std::string out;
  AppendCommand(argv, &out);
  return out;
}

// The commands a scan handed over, each as its arguments joined by ' '.
struct Collected {
  std::vector<std::string> cmds;
  std::vector<std::pair<size_t, size_t>> spans;
  std::function<bool(const Command&)> Fn() {
    return [this](const Command& c) {
      std::string s;
      for (size_t i = 0; i < c.argv.size(); ++i) {
        if (i > 0) s.push_back(' ');
        s.append(c.argv[i]);
      }
      cmds.push_back(std::move(s));
      spans.emplace_back(c.begin, c.end);
      return true;
    };
  }
};

ScanResult Scan(std::string_view data, size_t start = 0) {
  return ScanCommands(data, start, [](const Command&) { return true; });
}

// redis-server 7.0.15 (aof-timestamp-enabled yes): appendonly.aof.1.incr.aof after SET foo bar
// and MULTI / SET a 1 / INCR a / EXEC. redis-check-aof: valid, ok_up_to_line=31.
constexpr char kRedisIncr[] =
    "#TS:1796592695\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$3\r\nfoo\r\n$3\r\n"
    "bar\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1"
    "\r\na\r\n*1\r\n$4\r\nEXEC\r\n";

// redis-server 7.0.15: appendonly.aof.2.base.rdb (aof-use-rdb-preamble yes) holding foo=bar, a=2.
constexpr char kRedisBaseRdbHex[] =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374"
    "696d65c230d4156bfa08757365642d6d656dc270d80f00fa08616f662d62617365c001fe00fb02000003666f6f"
    "03626172000161c002ff120a7dde3a420fd5";

TEST_CASE("aof file: Redis 7.0.15's INCR file", "[aof]") {
  const std::string data = kRedisIncr;
  Collected got;
  ScanResult r = ScanCommands(data, 0, got.Fn());
  CHECK(r.status == Status::kOk);
  CHECK(r.valid_end == data.size());
  CHECK(r.commands == 6);
  CHECK(!r.open_multi);
  CHECK(!r.stopped);
  CHECK(r.error.empty());
  CHECK(r.lines + 1 == 31);
  CHECK(got.cmds ==
        std::vector<std::string>{"SELECT 0", "set foo bar", "MULTI", "SET a 1", "INCR a", "EXEC"});
  CHECK(got.spans.front() == std::pair<size_t, size_t>{16, 16 + 23});
  CHECK(got.spans.back().second == data.size());
  CHECK(!HasRdbPreamble(data));
}

TEST_CASE("aof file: an RDB base, and an RDB preamble with a command tail", "[aof]") {
  const std::string rdb_part = FromHex(kRedisBaseRdbHex);
  REQUIRE(rdb_part.size() == 108);
  CHECK(HasRdbPreamble(rdb_part));
  auto sum = rdb::ParseFile(rdb_part, rdb::ParseOptions(), rdb::ParseHandlers());
  REQUIRE(sum.ok());
  CHECK(sum->bytes == rdb_part.size());
  CHECK(sum->keys == 2);
  ScanResult base = Scan(rdb_part, sum->bytes);
  CHECK(base.status == Status::kOk);
  CHECK(base.valid_end == 108);
  CHECK(base.commands == 0);

  // An old-style preamble AOF: the RDB, then commands.
  const std::string tail = "#TS:5\r\n" + Cmd({"SET", "k", "v"}) + Cmd({"DEL", "k"});
  const std::string data = rdb_part + tail;
  auto sum2 = rdb::ParseFile(data, rdb::ParseOptions(), rdb::ParseHandlers());
  REQUIRE(sum2.ok());
  CHECK(sum2->bytes == 108);
  Collected got;
  ScanResult r = ScanCommands(data, sum2->bytes, got.Fn());
  CHECK(r.status == Status::kOk);
  CHECK(r.valid_end == data.size());
  CHECK(got.cmds == std::vector<std::string>{"SET k v", "DEL k"});
  CHECK(got.spans[0].first == 108 + 7);

  // The tail cut in its first command: what a truncation keeps is the RDB part.
  ScanResult cut = Scan(std::string_view(data).substr(0, 108 + 7 + 5), 108);
  CHECK(cut.status == Status::kTruncated);
  CHECK(cut.valid_end == 108);
  CHECK(cut.error_offset == 108 + 7);
  CHECK(cut.commands == 0);

  CHECK(HasRdbPreamble("REDIS"));
  CHECK(!HasRdbPreamble("REDI"));
  CHECK(!HasRdbPreamble("redis0010"));
  CHECK(!HasRdbPreamble(""));
}

TEST_CASE("aof file: AppendCommand and binary arguments", "[aof]") {
  const std::vector<std::string_view> argv = {"SET", "k\r\n*1\r\n", "", "\0\xff$"sv};
  const std::string data = Cmd(argv);
  CHECK(data == "*4\r\n$3\r\nSET\r\n$7\r\nk\r\n*1\r\n\r\n$0\r\n\r\n$3\r\n\0\xff$\r\n"s);
  std::vector<std::string_view> seen;
  ScanResult r = ScanCommands(data, 0, [&](const Command& c) {
    seen = c.argv;
    CHECK(c.begin == 0);
    CHECK(c.end == data.size());
    // Views into the data.
    CHECK(c.argv[1].data() == data.data() + 17);
    return true;
  });
  CHECK(r.status == Status::kOk);
  CHECK(seen == argv);
  CHECK(r.lines == 9);
  CHECK(Scan("").status == Status::kOk);
  CHECK(Scan(data, data.size()).valid_end == data.size());
  CHECK(Scan(data, data.size() + 5).valid_end == data.size());
}

// What a scan of data[0, n) must give, from the layout of the whole stream.
struct Item {
  size_t begin, end;
  std::string name;  // argv[0]; "" for an annotation
};

void CheckEveryCut(const std::string& data, const std::vector<Item>& items) {
  for (size_t n = 0; n <= data.size(); ++n) {
    INFO("cut at " << n);
    const std::string_view cut = std::string_view(data).substr(0, n);
    Collected got;
    ScanResult r = ScanCommands(cut, 0, got.Fn());

    size_t complete = 0, last_end = 0, before_multi = 0, multi_begin = 0;
    bool in_multi = false;
    const Item* partial = nullptr;
    for (const Item& it : items) {
      if (it.end <= n) {
        if (it.name.empty()) continue;
        if (it.name == "MULTI" && !in_multi) {
          in_multi = true;
          multi_begin = it.begin;
          before_multi = complete;
        } else if (it.name == "EXEC") {
          in_multi = false;
        }
        ++complete;
        last_end = it.end;
      } else if (it.begin < n && !it.name.empty()) {
        partial = &it;
      }
    }
    CHECK(got.cmds.size() == complete);
    CHECK(r.open_multi == in_multi);
    CHECK(!r.stopped);
    if (partial != nullptr) {
      CHECK(r.status == Status::kTruncated);
      CHECK(r.error_offset == partial->begin);
      CHECK(r.failed_begin == (in_multi ? multi_begin : partial->begin));
    } else if (in_multi) {
      CHECK(r.status == Status::kTruncated);
      CHECK(r.error == "Reached EOF before reading EXEC for MULTI");
      CHECK(r.error_offset == multi_begin);
      CHECK(r.failed_begin == multi_begin);
    } else {
      CHECK(r.status == Status::kOk);
    }
    CHECK(r.valid_end == (in_multi ? multi_begin : last_end));
    CHECK(r.commands == (in_multi ? before_multi : complete));
  }
}

std::vector<Item> Layout(const std::vector<std::string>& pieces, std::string* data) {
  std::vector<Item> items;
  for (const std::string& p : pieces) {
    std::string name;
    if (p[0] == '*') {
      ScanCommands(p, 0, [&](const Command& c) {
        name = c.argv[0];
        return true;
      });
    }
    items.push_back({data->size(), data->size() + p.size(), name});
    data->append(p);
  }
  return items;
}

TEST_CASE("aof file: truncation at every byte offset", "[aof]") {
  SECTION("plain commands and annotations") {
    std::string data;
    auto items = Layout({"#TS:1\r\n", Cmd({"SET", "a", "1"}), "#TS:12\r\n", Cmd({"INCR", "a"}),
                         Cmd({"DEL", "a"}), "#TS:13\r\n"},
                        &data);
    CheckEveryCut(data, items);
  }
  SECTION("a MULTI block") {
    std::string data;
    auto items = Layout({Cmd({"SET", "a", "1"}), "#TS:3\r\n", Cmd({"MULTI"}), Cmd({"INCR", "a"}),
                         "#TS:5\r\n", Cmd({"INCR", "a"}), Cmd({"EXEC"}), Cmd({"GET", "a"})},
                        &data);
    CheckEveryCut(data, items);
  }
  SECTION("a block first, two blocks, lower case") {
    std::string data;
    auto items = Layout({Cmd({"multi"}), Cmd({"SET", "k", ""}), Cmd({"exec"}), Cmd({"Multi"}),
                         Cmd({"DEL", "k"}), Cmd({"eXeC"})},
                        &data);
    for (Item& it : items) {
      for (char& ch : it.name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    CheckEveryCut(data, items);
  }
}

TEST_CASE("aof file: where redis-server 7.0.15 and redis-check-aof 7.0.15 cut", "[aof]") {
  // redis-check-aof: ok_up_to=21 (the start of the cut command, after the annotation),
  // ok_up_to_line=5; redis-server with aof-load-truncated: truncated at 14 (after PING).
  const std::string t1 = "*1\r\n$4\r\nPING\r\n#TS:5\r\n*2\r\n$3";
  ScanResult r = Scan(t1);
  CHECK(r.status == Status::kTruncated);
  CHECK(r.valid_end == 14);
  CHECK(r.failed_begin == 21);
  CHECK(r.error_offset == 21);
  CHECK(r.lines + 1 == 5);
  CHECK(r.commands == 1);

  // SET, MULTI, INCR then a cut INCR: redis-check-aof ok_up_to=27 (the MULTI),
  // ok_up_to_line=17; redis-server truncates at 63, after the INCR, and drops the rest of the
  // block at its next load.
  const std::string t2 = Cmd({"SET", "a", "1"}) + Cmd({"MULTI"}) + Cmd({"INCR", "a"}) + "*2\r\n$4";
  r = Scan(t2);
  CHECK(r.status == Status::kTruncated);
  CHECK(r.open_multi);
  CHECK(r.valid_end == 27);
  CHECK(r.failed_begin == 27);
  CHECK(r.error_offset == 63);
  CHECK(r.commands == 1);
  CHECK(r.lines + 1 == 17);
}

TEST_CASE("aof file: annotations are read in fgets chunks", "[aof]") {
  const std::string ping = Cmd({"PING"});
  // A 1023-byte chunk ends the annotation; what follows is a command (redis-check-aof: valid,
  // ok_up_to_line=4).
  ScanResult r = Scan("#" + std::string(1022, 'x') + ping);
  CHECK(r.status == Status::kOk);
  CHECK(r.commands == 1);
  CHECK(r.lines + 1 == 4);
  r = Scan("#" + std::string(1020, 'x') + "\r\n" + ping);
  CHECK(r.status == Status::kOk);
  CHECK(r.commands == 1);
  // Longer: the rest of the line is read as an item (redis-check-aof: "format error",
  // ok_up_to=1023).
  r = Scan("#" + std::string(1023, 'x') + "\r\n" + ping);
  CHECK(r.status == Status::kBadFormat);
  CHECK(r.failed_begin == 1023);
  r = Scan("#" + std::string(1021, 'x') + "\r\n" + ping);
  CHECK(r.status == Status::kBadFormat);
  CHECK(r.error_offset == 1023);
  // Cut annotations and annotations of any kind are skipped.
  CHECK(Scan(ping + "#partial").status == Status::kOk);
  CHECK(Scan("#").status == Status::kOk);
  r = Scan("#a\n#b\r\n" + ping + "# c\r\n");
  CHECK(r.status == Status::kOk);
  CHECK(r.valid_end == 7 + ping.size());
}

struct BadCase {
  std::string data;
  Status status;
  size_t error_offset;
  size_t failed_begin;
};

TEST_CASE("aof file: bad format and truncation cases", "[aof]") {
  const std::string ok = Cmd({"SET", "a", "1"});  // 27 bytes
  const size_t o = ok.size();
  const std::vector<BadCase> cases = {
      // Not a command.
      {"x", Status::kBadFormat, 0, 0},
      {"\r\n", Status::kBadFormat, 0, 0},
      {"\0"s, Status::kBadFormat, 0, 0},
      {ok + "$1\r\na\r\n", Status::kBadFormat, o, o},
      {ok + " *1\r\n", Status::kBadFormat, o, o},
      // The count.
      {"*0\r\n", Status::kBadFormat, 1, 0},
      {"*\r\n", Status::kBadFormat, 1, 0},
      {"*-1\r\n", Status::kBadFormat, 1, 0},
      {"*-0\r\n", Status::kBadFormat, 1, 0},
      {"*-1", Status::kBadFormat, 1, 0},
      {"*2147483648\r\n", Status::kBadFormat, 1, 0},
      {"*99999999999999999999999", Status::kBadFormat, 1, 0},
      {"*1x\r\n", Status::kBadFormat, 2, 0},
      {"*1\n", Status::kBadFormat, 2, 0},
      {"*1\r\r", Status::kBadFormat, 3, 0},
      {"*x", Status::kBadFormat, 1, 0},
      {"* x", Status::kBadFormat, 1, 0},
      {"*+\r\n", Status::kBadFormat, 1, 0},
      {"*\rx", Status::kBadFormat, 2, 0},
      // The bulks.
      {"*1\r\n#TS:1\r\n", Status::kBadFormat, 4, 0},
      {"*1\r\n*1\r\n", Status::kBadFormat, 4, 0},
      {"*1\r\n$-1\r\n", Status::kBadFormat, 5, 0},
      {"*1\r\n$9223372036854775806\r\n", Status::kBadFormat, 5, 0},
      {"*1\r\n$3\r\nfooXY", Status::kBadFormat, 11, 0},
      {"*1\r\n$3\r\nfoo\rX", Status::kBadFormat, 12, 0},
      {"*1\r\n$3\r\nfoo\n\r", Status::kBadFormat, 11, 0},
      {ok + "*2\r\n$3\r\nDEL\r\n$1\r\na\r\r", Status::kBadFormat, o + 19, o},
      // Cut: every byte so far could still be right.
      {"*", Status::kTruncated, 0, 0},
      {"*1", Status::kTruncated, 0, 0},
      {"*0", Status::kTruncated, 0, 0},  // "*01\r\n" is a count of 1
      {"*-0", Status::kTruncated, 0, 0},
      {"* ", Status::kTruncated, 0, 0},
      {"*\r", Status::kTruncated, 0, 0},
      {"*1\r", Status::kTruncated, 0, 0},
      {"*1\r\n", Status::kTruncated, 0, 0},
      {"*1\r\n$", Status::kTruncated, 0, 0},
      {"*1\r\n$-", Status::kTruncated, 0, 0},
      {"*1\r\n$3\r\nfo", Status::kTruncated, 0, 0},
      {"*1\r\n$3\r\nfoo", Status::kTruncated, 0, 0},
      {"*1\r\n$3\r\nfoo\r", Status::kTruncated, 0, 0},
      {"*1\r\n$100\r\nab\r\n", Status::kTruncated, 0, 0},
      {"*2147483647\r\n", Status::kTruncated, 0, 0},
      {"*1\r\n$9223372036854775805\r\n", Status::kTruncated, 0, 0},
      {ok + "*2\r\n$3\r\nDEL\r\n$1\r\na\r", Status::kTruncated, o, o},
  };
  for (const BadCase& c : cases) {
    INFO("data: " << c.data);
    ScanResult r = Scan(c.data);
    CHECK(r.status == c.status);
    CHECK(r.error_offset == c.error_offset);
    CHECK(r.failed_begin == c.failed_begin);
    CHECK(!r.error.empty());
    CHECK(r.valid_end == (c.failed_begin == o ? o : 0));
  }
}

TEST_CASE("aof file: what strtol reads is read", "[aof]") {
  // Both Redis tools take these (redis-check-aof: valid).
  const std::vector<std::string> lenient = {
      "*1\r\n$\r\n\r\n",           // no digits: an empty bulk
      "* 1\r\n$4\r\nPING\r\n",     // blanks
      "*+1\r\n$4\r\nPING\r\n",     // a sign
      "*\t\r1\r\n$4\r\nPING\r\n",  // '\r' is a blank too
      "*001\r\n$04\r\nPING\r\n",   // leading zeros
      "*1\r\n$-0\r\n\r\n",         // -0
  };
  for (const std::string& d : lenient) {
    INFO(d);
    ScanResult r = Scan(d);
    CHECK(r.status == Status::kOk);
    CHECK(r.commands == 1);
  }
  std::vector<std::string_view> argv;
  ScanCommands("*2\r\n$ 4\r\nPING\r\n$\r\n\r\n", 0, [&](const Command& c) {
    argv = c.argv;
    return true;
  });
  CHECK(argv == std::vector<std::string_view>{"PING", ""});
}

TEST_CASE("aof file: bad format inside a MULTI block", "[aof]") {
  const std::string pre = Cmd({"SET", "a", "1"});
  const std::string data = pre + Cmd({"MULTI"}) + Cmd({"INCR", "a"}) + "*1\r\n$4\r\nEXECxx";
  ScanResult r = Scan(data);
  CHECK(r.status == Status::kBadFormat);
  CHECK(r.open_multi);
  CHECK(r.valid_end == pre.size());
  CHECK(r.failed_begin == pre.size());
  CHECK(r.error_offset == data.size() - 2);
  CHECK(r.commands == 1);
  CHECK(r.error == "Expected \\r\\n, got: 7878");
}

TEST_CASE("aof file: MULTI and EXEC", "[aof]") {
  const std::string m = Cmd({"MULTI"});
  const std::string e = Cmd({"EXEC"});
  const std::string s = Cmd({"SET", "a", "1"});
  // An EXEC outside a block changes nothing (the loader ignores its error).
  ScanResult r = Scan(e + s);
  CHECK(r.status == Status::kOk);
  CHECK(r.commands == 2);
  // A MULTI inside a block does not move where the block began.
  r = Scan(s + m + s + m + s);
  CHECK(r.status == Status::kTruncated);
  CHECK(r.open_multi);
  CHECK(r.valid_end == s.size());
  CHECK(r.commands == 1);
  r = Scan(s + m + s + m + s + e);
  CHECK(r.status == Status::kOk);
  CHECK(r.commands == 6);
  // Recognized by argv[0] whatever the arity.
  r = Scan(Cmd({"multi", "x"}) + s);
  CHECK(r.status == Status::kTruncated);
  CHECK(r.valid_end == 0);
  r = Scan(Cmd({"multi", "x"}) + s + Cmd({"exec", "y", "z"}));
  CHECK(r.status == Status::kOk);
  // Not MULTI: a longer name, or a later argument.
  CHECK(Scan(Cmd({"MULTIX"}) + s).status == Status::kOk);
  CHECK(Scan(Cmd({"SET", "MULTI", "1"})).status == Status::kOk);
  // A block that ends at the end of a stream started past it.
  r = Scan(s + m, s.size());
  CHECK(r.status == Status::kTruncated);
  CHECK(r.valid_end == s.size());
}

TEST_CASE("aof file: fn stops the scan", "[aof]") {
  const std::string data = Cmd({"SET", "a", "1"}) + Cmd({"MULTI"}) + Cmd({"INCR", "a"}) + "junk";
  int calls = 0;
  ScanResult r = ScanCommands(data, 0, [&](const Command& c) {
    ++calls;
    return c.argv[0] != "MULTI";
  });
  CHECK(calls == 2);
  CHECK(r.stopped);
  CHECK(r.status == Status::kOk);
  CHECK(r.open_multi);
  CHECK(r.valid_end == 27 + 15);
  CHECK(r.commands == 2);
  CHECK(r.lines == 7 + 3);
}

}  // namespace
}  // namespace shoal::aof
