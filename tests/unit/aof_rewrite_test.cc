// AOF rewrite command tests (persistence/aof_rewrite.h). The expected bytes are Redis 7.0.15's:
// the same keys were written into a redis-server 7.0.15 (appendonly yes, aof-use-rdb-preamble no),
// BGREWRITEAOF'd, and each key's commands cut out of the BASE file. Small values are the literals
// below; the 64+-item ones (l:130, l:64, si:130, z:100, h:100) are built by Chunked(), whose output
// for those keys was compared byte for byte with Redis's file (the sizes checked here are the
// sizes of Redis's bytes). Hashtable sets and hashes, whose order is Redis's dict order, are
// checked by parsing the commands back: item multisets and chunk sizes.
#include "persistence/aof_rewrite.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/numbers.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/str_map.h"
#include "shard/zset.h"
#include "tests/unit/counting_sink.h"
#include "tests/value_contents.h"

using namespace shoal;
using namespace shoal::rdb;

namespace {

// An entry owning a value built by the test.
struct Value {
  Entry* e;
  Value(std::string_view key, ObjType type, ObjEnc enc, void* obj)
      : e(Entry::NewObject(key, type, enc, obj, 0, 0)) {}
  Value(std::string_view key, std::string_view s) : e(Entry::NewString(key, s, 0, 0)) {}
  ~Value() { Entry::Free(e); }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
};

Value List(std::string_view key, const std::vector<std::string>& items, int fill = -2) {
  auto* ql = new QuickList(fill);
  for (const auto& s : items) ql->Push(QuickList::End::kTail, s);
  return Value(key, ObjType::kList, ObjEnc::kQuickList, ql);
}

Value Intset(std::string_view key, const std::vector<int64_t>& members) {
  uint8_t* is = intset::New();
  bool added;
  for (int64_t v : members) is = intset::Add(is, v, &added);
  return Value(key, ObjType::kSet, ObjEnc::kIntSet, is);
}

Value HashSet(std::string_view key, const std::vector<std::string>& members) {
  auto* map = new StrMap();
  for (const auto& m : members) map->Add(m);
  return Value(key, ObjType::kSet, ObjEnc::kHashTable, map);
}

Value ZsetListpack(std::string_view key, const std::vector<std::pair<std::string, double>>& items) {
  uint8_t* lp = lp::New();
  for (const auto& [m, s] : items) lp = zlp::Insert(lp, m, s);
  return Value(key, ObjType::kZSet, ObjEnc::kListPack, lp);
}

Value ZsetSkiplist(std::string_view key, const std::vector<std::pair<std::string, double>>& items) {
  auto* zs = new ZSet();
  for (const auto& [m, s] : items) zs->Insert(m, s);
  return Value(key, ObjType::kZSet, ObjEnc::kSkipList, zs);
}

Value HashListpack(std::string_view key,
                   const std::vector<std::pair<std::string, std::string>>& pairs) {
  uint8_t* lp = lp::New();
  for (const auto& [f, v] : pairs) {
    lp = lp::Append(lp, f);
    lp = lp::Append(lp, v);
  }
  return Value(key, ObjType::kHash, ObjEnc::kListPack, lp);
}

Value HashTable(std::string_view key,
                const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto* map = new StrMap();
  for (const auto& [f, v] : pairs) map->Set(f, v);
  return Value(key, ObjType::kHash, ObjEnc::kHashTable, map);
}

std::string Encode(const Entry* e, int64_t expire_ms = 0) {
  Sink sink;
  EncodeCommands(e, expire_ms, sink);
  return sink.buf();
}

// One RESP command.
std::string Cmd(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// A collection's items (1 or 2 arguments each) as commands of at most 64 items.
std::string Chunked(const std::string& name, const std::string& key,
                    const std::vector<std::vector<std::string>>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); i += 64) {
    std::vector<std::string> args = {name, key};
    for (size_t j = i; j < std::min(items.size(), i + 64); ++j)
      args.insert(args.end(), items[j].begin(), items[j].end());
    out += Cmd(args);
  }
  return out;
}

// A tiny RESP parser: every command in s, or fails the test on malformed input.
std::vector<std::vector<std::string>> Parse(std::string_view s) {
  std::vector<std::vector<std::string>> cmds;
  size_t pos = 0;
  auto line = [&](char prefix) {
    REQUIRE(pos < s.size());
    REQUIRE(s[pos] == prefix);
    const size_t end = s.find("\r\n", pos);
    REQUIRE(end != std::string_view::npos);
    const long n = std::strtol(std::string(s.substr(pos + 1, end - pos - 1)).c_str(), nullptr, 10);
    pos = end + 2;
    return static_cast<size_t>(n);
  };
  while (pos < s.size()) {
    const size_t argc = line('*');
    std::vector<std::string> args;
    for (size_t i = 0; i < argc; ++i) {
      const size_t len = line('$');
      REQUIRE(pos + len + 2 <= s.size());
      args.emplace_back(s.substr(pos, len));
      REQUIRE(s.substr(pos + len, 2) == "\r\n");
      pos += len + 2;
    }
    cmds.push_back(std::move(args));
  }
  return cmds;
}

// Parses e's commands back and checks their shape (name, key, 64-item chunks with the rest in the
// last) and that the items are e's contents (tests/value_contents.h's form).
void CheckRoundTrip(const Entry* e) {
  const auto cmds = Parse(Encode(e));
  std::string name;
  size_t per_item = 1;
  switch (e->type()) {
    case ObjType::kString:
      name = "SET";
      break;
    case ObjType::kList:
      name = "RPUSH";
      break;
    case ObjType::kSet:
      name = "SADD";
      break;
    case ObjType::kZSet:
      name = "ZADD";
      per_item = 2;
      break;
    case ObjType::kHash:
      name = "HMSET";
      per_item = 2;
      break;
    case ObjType::kStream:
      FAIL("streams are checked by their own test");  // not chunked: one XADD per entry
      break;
  }
  std::vector<std::string> items;
  size_t total = 0;
  for (size_t c = 0; c < cmds.size(); ++c) {
    const auto& args = cmds[c];
    REQUIRE(args.size() >= 2 + per_item);
    CHECK(args[0] == name);
    CHECK(args[1] == e->key());
    const size_t n = (args.size() - 2) / per_item;
    REQUIRE((args.size() - 2) % per_item == 0);
    if (c + 1 < cmds.size()) CHECK(n == kAofRewriteItemsPerCmd);
    CHECK(n <= kAofRewriteItemsPerCmd);
    total += n;
    for (size_t i = 2; i < args.size(); i += per_item) {
      if (e->type() == ObjType::kZSet) {
        // Score then member; the score must read back as the same double.
        items.push_back(args[i + 1] + "=" + FormatDouble(std::strtod(args[i].c_str(), nullptr)));
      } else if (e->type() == ObjType::kHash) {
        items.push_back(args[i] + "=" + args[i + 1]);
      } else {
        items.push_back(args[i]);
      }
    }
  }
  auto want = shoal::testing::ValueContents(e->type(), e->enc(), e->object());
  CHECK(total == want.size());
  if (e->type() != ObjType::kList) {  // lists keep their order; the rest compare as multisets
    std::sort(items.begin(), items.end());
    std::sort(want.begin(), want.end());
  }
  CHECK(items == want);
}

std::vector<std::vector<std::string>> Numbered(const std::string& prefix, int n) {
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < n; ++i) out.push_back({prefix + std::to_string(i)});
  return out;
}

}  // namespace

TEST_CASE("AOF rewrite: strings as Redis 7.0.15 writes them", "[aof]") {
  {
    Value v("s:emb", "hello");
    CHECK(v.e->enc() == ObjEnc::kEmbStr);
    CHECK(Encode(v.e) == "*3\r\n$3\r\nSET\r\n$5\r\ns:emb\r\n$5\r\nhello\r\n");
  }
  {
    Value v("s:int", "12345");
    CHECK(v.e->enc() == ObjEnc::kInt);
    CHECK(Encode(v.e) == "*3\r\n$3\r\nSET\r\n$5\r\ns:int\r\n$5\r\n12345\r\n");
  }
  {
    Value v("s:neg", "-9223372036854775808");
    CHECK(v.e->enc() == ObjEnc::kInt);
    CHECK(Encode(v.e) == "*3\r\n$3\r\nSET\r\n$5\r\ns:neg\r\n$20\r\n-9223372036854775808\r\n");
  }
  {
    Value v("s:raw", std::string(50, 'x'));
    CHECK(v.e->enc() == ObjEnc::kRaw);
    CHECK(Encode(v.e) ==
          "*3\r\n$3\r\nSET\r\n$5\r\ns:raw\r\n$50\r\n" + std::string(50, 'x') + "\r\n");
  }
  {
    Value v("s:empty", "");
    CHECK(Encode(v.e) == std::string("*3\r\n$3\r\nSET\r\n$7\r\ns:empty\r\n$0\r\n\r\n"));
  }
  {
    Value v("s:bin", "a\r\nb\x01");
    CHECK(Encode(v.e) == "*3\r\n$3\r\nSET\r\n$5\r\ns:bin\r\n$5\r\na\r\nb\x01\r\n");
  }
  {
    Value v("s:exp", "val");
    CHECK(Encode(v.e, 4102444800123) ==
          "*3\r\n$3\r\nSET\r\n$5\r\ns:exp\r\n$3\r\nval\r\n"
          "*3\r\n$9\r\nPEXPIREAT\r\n$5\r\ns:exp\r\n$13\r\n4102444800123\r\n");
  }
}

TEST_CASE("AOF rewrite: lists as Redis 7.0.15 writes them", "[aof]") {
  {
    Value v =
        List("l:small", {"a", "1", "-5", "", "9223372036854775807", "12345678901234567890", "3.5"});
    CHECK(Encode(v.e) ==
          std::string("*9\r\n$5\r\nRPUSH\r\n$7\r\nl:small\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\n-5\r\n"
                      "$0\r\n\r\n$19\r\n9223372036854775807\r\n$20\r\n12345678901234567890\r\n"
                      "$3\r\n3.5\r\n"));
  }
  {
    std::vector<std::string> items;
    for (int i = 0; i < 130; ++i) items.push_back("e" + std::to_string(i));
    const std::string want = Chunked("RPUSH", "l:130", Numbered("e", 130));
    CHECK(want.size() == 1270);  // Redis's bytes for this key
    CHECK(want.substr(0, 19) == "*66\r\n$5\r\nRPUSH\r\n$5\r");
    CHECK(want.rfind("*4\r\n$5\r\nRPUSH\r\n$5\r\nl:130\r\n$4\r\ne128\r\n$4\r\ne129\r\n") ==
          want.size() - 46);
    Value one_node = List("l:130", items);
    CHECK(Encode(one_node.e) == want);
    // Many nodes, chunks crossing node boundaries: the same commands.
    Value many_nodes = List("l:130", items, 3);
    CHECK(static_cast<const QuickList*>(many_nodes.e->object())->NodeCount() > 40);
    CHECK(Encode(many_nodes.e) == want);
  }
  {
    std::vector<std::string> items;
    for (int i = 1; i <= 64; ++i) items.push_back(std::to_string(i));
    Value v = List("l:64", items);
    std::vector<std::vector<std::string>> args;
    for (const auto& s : items) args.push_back({s});
    const std::string out = Encode(v.e);
    CHECK(out == Chunked("RPUSH", "l:64", args));
    CHECK(out.size() == 529);  // one command of argc 66
    CHECK(out.substr(0, 5) == "*66\r\n");
    CHECK(Parse(out).size() == 1);
  }
}

TEST_CASE("AOF rewrite: sets as Redis 7.0.15 writes them", "[aof]") {
  {
    Value v = Intset("si:small", {5, -3, 100, 70000, INT64_MIN});
    CHECK(Encode(v.e) ==
          "*7\r\n$4\r\nSADD\r\n$8\r\nsi:small\r\n$20\r\n-9223372036854775808\r\n$2\r\n-3\r\n"
          "$1\r\n5\r\n$3\r\n100\r\n$5\r\n70000\r\n");
  }
  {
    std::vector<int64_t> members;
    for (int64_t i = 129; i >= 0; --i) members.push_back(i);
    Value v = Intset("si:130", members);
    const std::string out = Encode(v.e);
    CHECK(out == Chunked("SADD", "si:130", Numbered("", 130)));
    CHECK(out.size() == 1140);
  }
  {
    // A hashtable set: Redis's dict order differs, so shape and contents only (Redis wrote
    // sh:130 as SADD commands of argc 66, 66, 4).
    std::vector<std::string> members;
    for (int i = 0; i < 130; ++i) members.push_back("m" + std::to_string(i));
    Value v = HashSet("sh:130", members);
    const auto cmds = Parse(Encode(v.e));
    REQUIRE(cmds.size() == 3);
    CHECK(cmds[0].size() == 66);
    CHECK(cmds[1].size() == 66);
    CHECK(cmds[2].size() == 4);
    CheckRoundTrip(v.e);
  }
}

TEST_CASE("AOF rewrite: sorted sets as Redis 7.0.15 writes them", "[aof]") {
  const double inf = std::numeric_limits<double>::infinity();
  {
    // ZADD z:small 1.5 a 1 b -inf c 0.1 d 3 7 1e300 e inf f -0.0 g 2 "".
    Value v = ZsetListpack("z:small", {{"a", 1.5},
                                       {"b", 1},
                                       {"c", -inf},
                                       {"d", 0.1},
                                       {"7", 3},
                                       {"e", 1e300},
                                       {"f", inf},
                                       {"g", -0.0},
                                       {"", 2}});
    CHECK(Encode(v.e) ==
          std::string("*20\r\n$4\r\nZADD\r\n$7\r\nz:small\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n"
                      "$1\r\ng\r\n$19\r\n0.10000000000000001\r\n$1\r\nd\r\n$1\r\n1\r\n$1\r\nb\r\n"
                      "$3\r\n1.5\r\n$1\r\na\r\n$1\r\n2\r\n$0\r\n\r\n$1\r\n3\r\n$1\r\n7\r\n"
                      "$23\r\n1.0000000000000001e+300\r\n$1\r\ne\r\n$3\r\ninf\r\n$1\r\nf\r\n"));
  }
  {
    std::vector<std::pair<std::string, double>> items;
    std::vector<std::vector<std::string>> args;
    for (int i = 99; i >= 0; --i) items.push_back({"m" + std::to_string(i), i});
    for (int i = 0; i < 100; ++i) args.push_back({std::to_string(i), "m" + std::to_string(i)});
    Value v = ZsetListpack("z:100", items);
    const std::string out = Encode(v.e);
    CHECK(out == Chunked("ZADD", "z:100", args));
    CHECK(out.size() == 1733);
    const auto cmds = Parse(out);
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].size() == 130);
    CHECK(cmds[1].size() == 74);
  }
  {
    // A skiplist: Redis walks its dict (argc 130, 130, 6 for zs:130); Shoal goes in rank order,
    // with rioWriteBulkDouble's text for every score.
    std::vector<std::pair<std::string, double>> items;
    std::vector<std::vector<std::string>> args;
    for (int i = 0; i < 130; ++i) items.push_back({"m" + std::to_string(i), i + 0.5});
    std::reverse(items.begin(), items.end());
    for (int i = 0; i < 130; ++i)
      args.push_back({std::to_string(i) + ".5", "m" + std::to_string(i)});
    Value v = ZsetSkiplist("zs:130", items);
    CHECK(Encode(v.e) == Chunked("ZADD", "zs:130", args));
    CheckRoundTrip(v.e);
  }
  {
    Value v = ZsetSkiplist("zs", {{"a", -0.0}, {"b", 0.1}, {"c", -inf}, {"d", 1e-310}});
    CHECK(Encode(v.e) == Chunked("ZADD", "zs",
                                 {{"-inf", "c"},
                                  {"-0", "a"},
                                  {"9.9999999999999694e-311", "d"},
                                  {"0.10000000000000001", "b"}}));
  }
}

TEST_CASE("AOF rewrite: hashes as Redis 7.0.15 writes them", "[aof]") {
  {
    Value v =
        HashListpack("h:small", {{"f1", "v1"}, {"n", "12"}, {"-7", "x"}, {"", "e"}, {"3.0", "y"}});
    CHECK(Encode(v.e) ==
          std::string("*12\r\n$5\r\nHMSET\r\n$7\r\nh:small\r\n$2\r\nf1\r\n$2\r\nv1\r\n$1\r\nn\r\n"
                      "$2\r\n12\r\n$2\r\n-7\r\n$1\r\nx\r\n$0\r\n\r\n$1\r\ne\r\n$3\r\n3.0\r\n"
                      "$1\r\ny\r\n"));
  }
  {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::vector<std::vector<std::string>> args;
    for (int i = 0; i < 100; ++i) {
      pairs.push_back({"f" + std::to_string(i), std::to_string(i)});
      args.push_back({"f" + std::to_string(i), std::to_string(i)});
    }
    Value v = HashListpack("h:100", pairs);
    const std::string out = Encode(v.e);
    CHECK(out == Chunked("HMSET", "h:100", args));
    CHECK(out.size() == 1735);
  }
  {
    Value v = HashListpack("h:exp", {{"a", "b"}});
    CHECK(Encode(v.e, 4102444800000) ==
          "*4\r\n$5\r\nHMSET\r\n$5\r\nh:exp\r\n$1\r\na\r\n$1\r\nb\r\n"
          "*3\r\n$9\r\nPEXPIREAT\r\n$5\r\nh:exp\r\n$13\r\n4102444800000\r\n");
  }
  {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (int i = 0; i < 130; ++i)
      pairs.push_back({"f" + std::to_string(i), "v" + std::to_string(i)});
    Value v = HashTable("hh:130", pairs);
    const auto cmds = Parse(Encode(v.e));
    REQUIRE(cmds.size() == 3);
    CHECK(cmds[0].size() == 130);
    CHECK(cmds[1].size() == 130);
    CHECK(cmds[2].size() == 6);
    CheckRoundTrip(v.e);
  }
}

TEST_CASE("AOF rewrite: SELECT", "[aof]") {
  std::string out;
  AppendSelect(0, &out);
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n");
  AppendSelect(15, &out);
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n");
}

TEST_CASE("AOF rewrite: every type and encoding parses back to its contents", "[aof]") {
  std::mt19937_64 rng(7);
  std::vector<std::string> strs, ints;
  for (int i = 0; i < 1000; ++i) {
    strs.push_back("member-" + std::to_string(rng() % 100000) + "-" + std::to_string(i));
    ints.push_back(std::to_string(static_cast<int64_t>(rng())));
  }
  for (size_t n : {1, 63, 64, 65, 128, 129, 1000}) {
    CAPTURE(n);
    std::vector<std::string> mixed;
    std::vector<int64_t> nums;
    std::vector<std::pair<std::string, double>> scored;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 0; i < n; ++i) {
      mixed.push_back(i % 3 == 0 ? ints[i] : strs[i]);
      nums.push_back(static_cast<int64_t>(rng()) >> (rng() % 64));
      // Repeated scores and integer members included.
      scored.push_back({i % 4 == 0 ? ints[i] : strs[i],
                        i % 5 == 0 ? 1.0 : static_cast<double>(rng() % 1000) / 7.0 - 50});
      pairs.push_back({i % 4 == 0 ? ints[i] : strs[i], i % 2 == 0 ? ints[i] : strs[i]});
    }
    Value list = List("l", mixed);
    Value small_nodes = List("l", mixed, 5);
    Value intset = Intset("s", nums);
    Value set = HashSet("s", mixed);
    Value zlp = ZsetListpack("z", scored);
    Value zsl = ZsetSkiplist("z", scored);
    Value hlp = HashListpack("h", pairs);
    Value ht = HashTable("h", pairs);
    for (const Value* v : {&list, &small_nodes, &intset, &set, &zlp, &zsl, &hlp, &ht}) {
      CAPTURE(TypeName(v->e->type()), EncodingName(v->e->enc()));
      CheckRoundTrip(v->e);
    }
  }
}

TEST_CASE("AOF rewrite: the sink is flushed between the elements of a big value", "[aof]") {
  std::vector<std::string> items;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 20000; ++i) {
    items.push_back("element-" + std::to_string(i));
    pairs.push_back({items.back(), std::to_string(i)});
  }
  Value list = List("l", items);
  Value set = HashSet("s", items);
  Value hash = HashTable("h", pairs);
  for (const Value* v : {&list, &set, &hash}) {
    CountingSink sink(4096);
    EncodeCommands(v->e, 1700000000000, sink);
    CHECK(sink.flushes > 10);
    CHECK(sink.max_flush < 4096 + 200);
    CHECK(sink.all + sink.buf() == Encode(v->e, 1700000000000));
  }
  // A big string goes through WriteLarge, framed as a bulk.
  const std::string big(Sink::kLargeString + 10, 'b');
  Value str("big", big);
  CountingSink sink(4096);
  EncodeCommands(str.e, 0, sink);
  CHECK(sink.large == 1);
  CHECK(sink.all + sink.buf() ==
        "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(big.size()) + "\r\n" + big + "\r\n");
  CHECK(Encode(str.e) == sink.all + sink.buf());
}
