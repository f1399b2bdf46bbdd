// The scripting runtime below the server: SHA-1 names, shebang parsing, the script store, the
// rand48 sequence of math.random, and the interpreter's conversions and sandbox driven through a
// CallHandler that answers from a table (the real commands are covered by test_scripting.py).
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/scripting/function_store.h"
#include "server/scripting/interpreter.h"
#include "server/scripting/script_store.h"
#include "server/scripting/sha1.h"

using namespace shoal;
using namespace shoal::scripting;

TEST_CASE("SHA-1 of script bodies matches FIPS 180-1 and Redis", "[scripting]") {
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  // Redis: SCRIPT LOAD "return 1" / "return 2".
  CHECK(Sha1Hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(Sha1Hex("return 2") == "7f923f79fe76194c868d7e1d0820de36700eb649");
  // Every length around the 55/56/64-byte padding edges against a second formulation.
  std::string a(1000, 'a');
  CHECK(Sha1Hex(a) == "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  for (size_t n : {55, 56, 63, 64, 65, 119, 120}) {
    std::string s(n, 'x');
    CHECK(Sha1Hex(s).size() == 40);
    CHECK(Sha1Hex(s) != Sha1Hex(s + "x"));
  }
}

TEST_CASE("EVAL shebang parsing follows evalExtractShebangFlags", "[scripting]") {
  uint32_t flags;
  size_t len;
  std::string err;
  REQUIRE(ParseEvalShebang("return 1", &flags, &len, &err));
  CHECK(flags == script_flag::kEvalCompat);
  CHECK(len == 0);
  REQUIRE(ParseEvalShebang("#!lua\nreturn 1", &flags, &len, &err));
  CHECK(flags == 0);
  CHECK(len == 5);
  REQUIRE(ParseEvalShebang("#!lua flags=no-writes,allow-oom\nreturn 1", &flags, &len, &err));
  CHECK(flags == (script_flag::kNoWrites | script_flag::kAllowOom));
  REQUIRE(ParseEvalShebang("#!lua flags=\nreturn 1", &flags, &len, &err));
  CHECK(flags == 0);
  CHECK_FALSE(ParseEvalShebang("#!lua", &flags, &len, &err));
  CHECK(err == "Invalid script shebang");
  CHECK_FALSE(ParseEvalShebang("#!python\n", &flags, &len, &err));
  CHECK(err == "Unexpected engine in script shebang: #!python");
  CHECK_FALSE(ParseEvalShebang("#!lua flags=nope\n", &flags, &len, &err));
  CHECK(err == "Unexpected flag in script shebang: nope");
  CHECK_FALSE(ParseEvalShebang("#!lua name=x\n", &flags, &len, &err));
  CHECK(err == "Unknown lua shebang option: name=x");
  CHECK(ScriptFlagByName("allow-cross-slot-keys") == script_flag::kAllowCrossSlot);
  CHECK(ScriptFlagByName("no-cluster") == script_flag::kNoCluster);
  CHECK(ScriptFlagByName("x") == 0);
}

TEST_CASE("the script store is case-insensitive and flushes by epoch", "[scripting]") {
  ScriptStore& st = ScriptStore::Get();
  st.Flush();
  uint64_t e0 = st.epoch();
  std::string err;
  auto s = st.Add("return 'store'", &err);
  REQUIRE(s != nullptr);
  CHECK(s->sha == Sha1Hex("return 'store'"));
  CHECK(s->flags == script_flag::kEvalCompat);
  CHECK(st.Add("return 'store'", &err) == s);  // the same script, not a copy
  std::string upper = s->sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(st.Find(upper) == s);
  CHECK(st.Exists(upper));
  CHECK_FALSE(st.Exists("x"));
  CHECK(st.Find("abc") == nullptr);
  CHECK(st.Count() == 1);
  CHECK(st.MemoryBytes() > 0);
  CHECK(st.Add("#!lua flags=bad\nreturn 1", &err) == nullptr);
  CHECK(err == "Unexpected flag in script shebang: bad");
  st.Flush();
  CHECK(st.epoch() == e0 + 1);
  CHECK(st.Count() == 0);
  CHECK_FALSE(st.Exists(s->sha));
}

TEST_CASE("math.random follows Redis's rand48 sequence", "[scripting]") {
  // redis-server 7.0.15, fresh: math.random() gives 0.39646477363839, 0.84048536971234,
  // 0.35333609737146, 0.44658343468168 (Lrand48() / INT32_MAX).
  Srand48(0);  // make the state known, then reset it to Redis's initial one below
  Srand48(static_cast<int32_t>(0xABCD));  // (seed low 16 bits -> x1, high -> x2 = 0)
  int32_t after_seed = Lrand48();
  Srand48(static_cast<int32_t>(0xABCD));
  CHECK(Lrand48() == after_seed);  // reseeding restarts the sequence
  // Redis's initial state is x = 0x1234ABCD330E: the seed 0x1234ABCD gives exactly that.
  Srand48(static_cast<int32_t>(0x1234ABCD));
  const double expect[] = {0.39646477363839, 0.84048536971234, 0.35333609737146, 0.44658343468168};
  for (double e : expect) {
    double r = static_cast<double>(Lrand48() % INT32_MAX) / INT32_MAX;
    CHECK(r == Approx(e).epsilon(1e-12));
  }
}

namespace {

// A CallHandler with canned replies by command name; records what the script called.
class TableHandler : public CallHandler {
 public:
  std::map<std::string, std::string> replies;  // name -> RESP
  std::vector<std::vector<std::string>> calls;
  bool restart_on_call = false;

  Outcome Call(const std::vector<std::string_view>& argv, int, std::string* out) override {
    calls.emplace_back(argv.begin(), argv.end());
    if (restart_on_call) return Outcome::kRestart;
    auto it = replies.find(std::string(argv[0]));
    if (it == replies.end()) {
      *out = "Unknown Redis command called from script";
      return Outcome::kError;
    }
    *out = it->second;
    return Outcome::kReply;
  }
  bool Interrupted() override { return false; }
  bool KnowsCommand(const std::vector<std::string_view>& argv) override {
    return replies.count(std::string(argv[0])) > 0;
  }
};

// Defines and runs body; returns the reply bytes in protocol `resp`.
std::string Run(const std::string& body, TableHandler& h, int resp = 2,
                std::vector<std::string_view> keys = {}, std::vector<std::string_view> args = {},
                Interpreter::RunStatus* status = nullptr) {
  Interpreter& in = Interpreter::ForThisThread();
  std::string sha = Sha1Hex(body);
  std::string err;
  if (!in.Has(sha) && !in.Define(sha, body, 0, &err)) return "compile: " + err;
  std::string out;
  protocol::ReplyBuilder rb(&out, resp);
  auto st = in.RunEval(sha, keys, args, h, rb);
  if (status != nullptr) *status = st;
  return out;
}

}  // namespace

TEST_CASE("Lua values become Redis replies as in luaReplyToRedisReply", "[scripting]") {
  TableHandler h;
  CHECK(Run("return 1", h) == ":1\r\n");
  CHECK(Run("return 3.99", h) == ":3\r\n");
  CHECK(Run("return -3.99", h) == ":-3\r\n");
  CHECK(Run("return 'x'", h) == "$1\r\nx\r\n");
  CHECK(Run("return true", h) == ":1\r\n");
  CHECK(Run("return false", h) == "$-1\r\n");
  CHECK(Run("return nil", h) == "$-1\r\n");
  CHECK(Run("return {1, 'a', {2}}", h) == "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n");
  CHECK(Run("return {1, nil, 3}", h) == "*1\r\n:1\r\n");
  CHECK(Run("return {ok='fine'}", h) == "+fine\r\n");
  CHECK(Run("return {err='BAD thing'}", h) == "-BAD thing\r\n");
  CHECK(Run("return redis.error_reply('x')", h) == "-ERR x\r\n");
  CHECK(Run("return redis.status_reply('S')", h) == "+S\r\n");
  CHECK(Run("return {double=1.5}", h) == "$3\r\n1.5\r\n");
  CHECK(Run("return {double=1.5}", h, 3) == ",1.5\r\n");
  CHECK(Run("return {big_number='123'}", h, 3) == "(123\r\n");
  CHECK(Run("return {map={a=1}}", h, 3) == "%1\r\n$1\r\na\r\n:1\r\n");
  CHECK(Run("return {set={a=true}}", h, 3) == "~1\r\n$1\r\na\r\n");
  CHECK(Run("redis.setresp(3) return false", h, 3) == "#f\r\n");
  CHECK(Run("return KEYS[1] .. ARGV[1]", h, 2, {"k"}, {"v"}) == "$2\r\nkv\r\n");
}

TEST_CASE("redis.call results become Lua values as in redisProtocolToLuaType", "[scripting]") {
  TableHandler h;
  h.replies = {
      {"int", ":7\r\n"},     {"bulk", "$2\r\nhi\r\n"},     {"nil", "$-1\r\n"},
      {"status", "+OK\r\n"}, {"err", "-WRONGTYPE no\r\n"}, {"arr", "*2\r\n:1\r\n$1\r\nb\r\n"},
      {"null3", "_\r\n"},    {"dbl", ",2.5\r\n"}};
  CHECK(Run("return redis.call('int') + 1", h) == ":8\r\n");
  CHECK(Run("return redis.call('bulk')", h) == "$2\r\nhi\r\n");
  CHECK(Run("return redis.call('nil') == false", h) == ":1\r\n");
  CHECK(Run("return redis.call('status').ok", h) == "$2\r\nOK\r\n");
  CHECK(Run("return redis.call('arr')[2]", h) == "$1\r\nb\r\n");
  CHECK(Run("redis.setresp(3) return redis.call('null3') == nil", h) == ":1\r\n");
  CHECK(Run("redis.setresp(3) return redis.call('dbl').double * 2", h) == ":5\r\n");
  CHECK(Run("return redis.pcall('err').err", h) == "$12\r\nWRONGTYPE no\r\n");
  std::string body = "return redis.call('err')";
  CHECK(Run(body, h) == "-WRONGTYPE no script: " + Sha1Hex(body) + ", on @user_script:1.\r\n");
  body = "return redis.call('nosuch')";
  CHECK(Run(body, h) == "-ERR Unknown Redis command called from script script: " + Sha1Hex(body) +
                            ", on @user_script:1.\r\n");
  // Numbers are passed as %.17g.
  h.calls.clear();
  Run("redis.call('int', 0.1, 3, 2^53)", h);
  REQUIRE(h.calls.size() == 1);
  CHECK(h.calls[0] ==
        std::vector<std::string>{"int", "0.10000000000000001", "3", "9007199254740992"});
  body = "return redis.call({})";
  CHECK(Run(body, h) ==
        "-ERR Lua redis lib command arguments must be strings or integers script: " +
            Sha1Hex(body) + ", on @user_script:1.\r\n");
}

TEST_CASE("the sandbox: read-only globals, no os/io/print, undefined globals raise",
          "[scripting]") {
  TableHandler h;
  std::string body = "x = 1";
  CHECK(Run(body, h) == "-ERR user_script:1: Attempt to modify a readonly table script: " +
                            Sha1Hex(body) + ", on @user_script:1.\r\n");
  body = "return os";
  CHECK(Run(body, h) ==
        "-ERR user_script:1: Script attempted to access nonexistent global variable 'os' script: " +
            Sha1Hex(body) + ", on @user_script:1.\r\n");
  body = "redis.call = nil";
  CHECK(Run(body, h).find("Attempt to modify a readonly table") != std::string::npos);
  body = "rawset(_G, 'y', 1)";
  CHECK(Run(body, h) == "-ERR Attempt to modify a readonly table script: " + Sha1Hex(body) +
                            ", on @user_script:1.\r\n");
  CHECK(Run("return type(print)", h).find("nonexistent global variable 'print'") !=
        std::string::npos);
  CHECK(Run("local n = 0 for k in pairs(redis) do n = n + 1 end return n > 10", h) == ":1\r\n");
  CHECK(Run("return bit.tohex(65535, -2147483648)", h) == "$8\r\n0000FFFF\r\n");
  CHECK(Run("return cjson.encode({1,2})", h) == "$5\r\n[1,2]\r\n");
  CHECK(Run("return type(cmsgpack.pack) .. type(struct.pack)", h) == "$16\r\nfunctionfunction\r\n");
}

TEST_CASE("a restart stops the run and cannot be caught", "[scripting]") {
  TableHandler h;
  h.restart_on_call = true;
  Interpreter::RunStatus st;
  CHECK(Run("return redis.call('x')", h, 2, {}, {}, &st).empty());
  CHECK(st == Interpreter::RunStatus::kRestart);
  CHECK(Run("local ok = pcall(redis.call, 'x') return 'caught'", h, 2, {}, {}, &st).empty());
  CHECK(st == Interpreter::RunStatus::kRestart);
  CHECK(Run("local r = redis.pcall('x') return 'caught'", h, 2, {}, {}, &st).empty());
  CHECK(st == Interpreter::RunStatus::kRestart);
  h.restart_on_call = false;
  CHECK(Run("return 1", h, 2, {}, {}, &st) == ":1\r\n");
  CHECK(st == Interpreter::RunStatus::kDone);
}

TEST_CASE("library shebangs follow functionExtractLibMetaData", "[scripting]") {
  std::string name, err;
  size_t len;
  REQUIRE(ParseLibraryShebang("#!lua name=lib\ncode", &name, &len, &err));
  CHECK(name == "lib");
  CHECK(len == 14);
  REQUIRE(ParseLibraryShebang("#!LUA NAME=Up_1 \r\ncode", &name, &len, &err));
  CHECK(name == "Up_1");
  struct Bad {
    const char* code;
    const char* err;
  };
  for (const Bad& b : std::initializer_list<Bad>{
           {"code", "Missing library metadata"},
           {"#!lua name=x", "Invalid library metadata"},
           {"#!lua\n", "Library name was not given"},
           {"#!lua name=a name=b\n",
            "Invalid metadata value, name argument was given multiple times"},
           {"#!lua name=a x=y\n", "Invalid metadata value given: x=y"},
           {"#!lua name=a-b\n",
            "Library names can only contain letters, numbers, or underscores(_) and must be at "
            "least one character long"},
           {"#!js name=a\n", "Engine 'js' not found"}}) {
    CHECK_FALSE(ParseLibraryShebang(b.code, &name, &len, &err));
    CHECK(err == b.err);
  }
  CHECK(ValidFunctionName("a_B9"));
  CHECK_FALSE(ValidFunctionName(""));
  CHECK_FALSE(ValidFunctionName("a.b"));
}

namespace {

std::shared_ptr<Library> Lib(const std::string& code) {
  auto lib = std::make_shared<Library>();
  std::string err;
  REQUIRE(ParseLibraryShebang(code, &lib->name, &lib->shebang_len, &err));
  lib->code = code;
  REQUIRE(Interpreter::LoadLibrary(lib.get(), &err));
  return lib;
}

}  // namespace

TEST_CASE("loading a library collects its functions, flags and descriptions", "[scripting]") {
  auto lib =
      Lib("#!lua name=l\nredis.register_function('a', function() return 1 end)\n"
          "redis.register_function{function_name='B', callback=function() end, "
          "flags={'NO-WRITES', 'allow-oom'}, description='d'}");
  REQUIRE(lib->functions.size() == 2);
  CHECK(lib->functions[0].name == "a");
  CHECK_FALSE(lib->functions[0].description.has_value());
  CHECK(lib->functions[1].name == "B");
  CHECK(lib->functions[1].flags == (script_flag::kNoWrites | script_flag::kAllowOom));
  CHECK(*lib->functions[1].description == "d");
  auto names = ScriptFlagNames(lib->functions[1].flags);
  CHECK(std::vector<std::string>(names.begin(), names.end()) ==
        std::vector<std::string>{"no-writes", "allow-oom"});
  Library bad;
  std::string err;
  bad.code = "#!lua name=x\nlocal y = 1";
  bad.shebang_len = 12;
  CHECK_FALSE(Interpreter::LoadLibrary(&bad, &err));
  CHECK(err == "No functions registered");
  bad.functions.clear();
  bad.code = "#!lua name=x\nredis.call('get', 'k')";
  CHECK_FALSE(Interpreter::LoadLibrary(&bad, &err));
  CHECK(err ==
        "Error registering functions: ERR user_function:2: Script attempted to access "
        "nonexistent global variable 'call'");
  bad.functions.clear();
  bad.code = "#!lua name=x\nwhile true do end";
  CHECK_FALSE(Interpreter::LoadLibrary(&bad, &err));
  CHECK(err == "Error registering functions: ERR FUNCTION LOAD timeout");
}

TEST_CASE("the function store: names, collisions, replace and restore policies", "[scripting]") {
  FunctionStore& st = FunctionStore::Get();
  st.Flush();
  auto a = Lib("#!lua name=a\nredis.register_function('fa', function() return 1 end)");
  auto b = Lib("#!lua name=b\nredis.register_function('FA', function() return 2 end)");
  uint64_t e0 = st.epoch();
  CHECK_FALSE(st.Add(a, false).has_value());
  CHECK(st.epoch() == e0 + 1);
  CHECK(st.FindFunction("FA").fn == &a->functions[0]);
  CHECK(*st.Add(a, false) == "Library 'a' already exists");
  CHECK(*st.Add(b, true) == "Function FA already exists");  // function names are global
  CHECK_FALSE(st.Add(Lib("#!lua name=a\nredis.register_function('fa2', function() end)"), true));
  CHECK(st.FindFunction("fa").fn == nullptr);
  CHECK(st.FindFunction("fa2").fn != nullptr);
  CHECK_FALSE(st.Delete("A"));  // library names are case-sensitive
  CHECK(st.Delete("a"));
  CHECK(st.LibraryCount() == 0);
  // RESTORE: all or nothing.
  CHECK_FALSE(st.Restore({a}, 'A').has_value());
  CHECK(*st.Restore({Lib("#!lua name=a\nredis.register_function('x', function() end)")}, 'A') ==
        "Library a already exists");
  CHECK(*st.Restore({Lib("#!lua name=c\nredis.register_function('fa', function() end)")}, 'R') ==
        "Function fa already exists");
  CHECK(st.LibraryCount() == 1);
  CHECK_FALSE(st.Restore({b}, 'F').has_value());
  CHECK(st.All().size() == 1);
  CHECK(st.All()[0]->name == "b");
  st.Flush();
  CHECK(st.FunctionCount() == 0);
}
