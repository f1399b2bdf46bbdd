// The key specs (server/key_specs.cc) are the one description of a command's keys: COMMAND
// INFO/GETKEYS report them, and routing uses the first/last/step CommandRegistry::Add derives from
// them plus the command's getkeys function for the keys beyond that range. For every command, on
// sample argument lists, routing must name exactly the keys the specs do.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "server/command_registry.h"
#include "server/server_state.h"

using namespace shoal;

namespace {

const CommandRegistry& Registry() {
  static const CommandRegistry* r = [] {
    auto* reg = new CommandRegistry();
    RegisterAllCommands(*reg);
    return reg;
  }();
  return *r;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The key positions routing uses, or nullopt-like false when the table rejects the arguments.
bool RoutingKeys(const CommandId& c, const std::vector<std::string>& argv,
                 std::set<uint32_t>* out) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  std::vector<uint32_t> pos;
  if (!CommandRegistry::KeyPositions(c, args, &pos)) return false;
  out->insert(pos.begin(), pos.end());
  return true;
}

std::set<uint32_t> SpecKeys(const CommandId& c, const std::vector<std::string>& argv) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  std::vector<KeyRef> keys;
  std::set<uint32_t> out;
  if (CommandRegistry::KeysWithFlags(c, args, &keys))
    for (const KeyRef& k : keys) out.insert(k.pos);
  return out;
}

// Argument lists the arity allows, every argument "1" (a valid numkeys, never a keyword).
std::vector<std::vector<std::string>> Samples(const CommandId& c, std::vector<std::string> head) {
  std::vector<std::vector<std::string>> out;
  int min = c.arity > 0 ? c.arity : -c.arity;
  int max = c.arity > 0 ? c.arity : min + 5;
  for (int n = std::max<int>(min, head.size()); n <= max; ++n) {
    std::vector<std::string> argv = head;
    while (static_cast<int>(argv.size()) < n) argv.push_back("1");
    out.push_back(argv);
  }
  return out;
}

// Shard channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH): every spec is NOT_KEY, yet Redis derives the
// legacy first/last/step from them (COMMAND INFO shows 1 -1 1) while GETKEYS finds no key. Their
// "keys" are channel names: these commands never route by them (they run on the connection's
// thread), so routing and specs are not compared for them.
bool OnlyChannels(const CommandId& c) {
  if (c.key_specs.empty()) return false;
  for (const KeySpec& s : c.key_specs)
    if (!(s.flags & key_flag::kNotKey)) return false;
  return true;
}

void CheckAgree(const CommandId& routed, const CommandId& spec_cmd,
                const std::vector<std::string>& argv) {
  if (OnlyChannels(spec_cmd)) return;
  // PFMERGE destkey alone: Redis's getKeysUsingKeySpecs fails on the source spec, whose begin
  // index is past the arguments (COMMAND GETKEYS PFMERGE k answers "Invalid arguments"), while the
  // legacy range 1 -1 1 routes by the destination, as it must.
  if (spec_cmd.name == "pfmerge" && argv.size() == 2) return;
  std::set<uint32_t> routing;
  if (!RoutingKeys(routed, argv, &routing)) return;  // the table answers an arity error
  std::set<uint32_t> specs = SpecKeys(spec_cmd, argv);
  std::string line;
  for (const auto& a : argv) line += a + " ";
  INFO("command line: " << line);
  CHECK(routing == specs);
}

}  // namespace

TEST_CASE("every command with keys has key specs, and only those", "[key_specs]") {
  auto check = [](const CommandId& c) {
    INFO(c.name);
    bool routed_keys = c.legacy.first > 0 || c.getkeys != nullptr;
    bool spec_keys = false;
    for (const KeySpec& s : c.key_specs) spec_keys |= !(s.flags & key_flag::kNotKey);
    CHECK(routed_keys == (spec_keys || OnlyChannels(c)));
    // Keys the derived first/last/step cannot reach need the row's getkeys, or routing misses them.
    if (c.flags & cmd_flag::kMovableKeys) CHECK(c.getkeys != nullptr);
    CHECK(c.doc != nullptr);
    CHECK(std::string_view(c.summary) != "");
    CHECK(std::string_view(c.since) != "");
    CHECK(std::string_view(c.group) != "");
  };
  for (const CommandId& c : Registry().all()) {
    check(c);
    for (const CommandId& sub : c.subcommands) check(sub);
  }
}

TEST_CASE("key specs agree with routing key positions", "[key_specs]") {
  for (const CommandId& c : Registry().all()) {
    if (c.subcommands.empty()) {
      for (const auto& argv : Samples(c, {c.name})) CheckAgree(c, c, argv);
      continue;
    }
    for (const CommandId& sub : c.subcommands) {
      std::string tail = sub.name.substr(sub.name.find('|') + 1);
      for (const auto& argv : Samples(sub, {c.name, tail})) CheckAgree(c, sub, argv);
    }
  }
}

TEST_CASE("a command's fixed key is what KeyPositions finds on every line the arity allows",
          "[key_specs]") {
  // Route skips KeyPositions for commands with a fixed_key: the shortcut must name the same keys.
  size_t fixed = 0;
  for (const CommandId& c : Registry().all()) {
    if (c.fixed_key == 0) continue;
    ++fixed;
    INFO(c.name);
    CHECK(c.subcommands.empty());
    for (const auto& argv : Samples(c, {c.name})) {
      std::set<uint32_t> routed;
      REQUIRE(RoutingKeys(c, argv, &routed));
      CHECK(routed == std::set<uint32_t>{c.fixed_key});
    }
  }
  const CommandRegistry& r = Registry();
  for (const char* name : {"get", "set", "incr", "hset", "lpush", "sadd", "zadd", "expire"}) {
    INFO(name);
    CHECK(r.Find(name)->fixed_key == 1);
  }
  for (const char* name : {"mget", "mset", "del", "exists", "eval", "ping", "sinter", "xread"}) {
    INFO(name);
    CHECK(r.Find(name)->fixed_key == 0);
  }
  CHECK(fixed > 100);
}

TEST_CASE("key specs agree with routing on option-bearing command lines", "[key_specs]") {
  static const char* kLines[] = {
      "set k v get",
      "set k v nx ex 10",
      "sort k by w get # store d limit 0 1",
      "sort k store d",
      "sort_ro k by w",
      "mset a 1 b 2 c 3",
      "msetnx a 1 b 2",
      "mget a b c",
      "blpop a b c 0",
      "bzpopmin a b 0",
      "lmpop 2 a b left count 3",
      "blmpop 0 3 a b c right",
      "zmpop 2 a b min",
      "bzmpop 1 2 a b max count 2",
      "zunionstore d 2 a b weights 1 2 aggregate max",
      "zinterstore d 3 a b c",
      "zdiffstore d 2 a b",
      "zunion 2 a b withscores",
      "zinter 3 a b c",
      "zdiff 2 a b",
      "zintercard 2 a b limit 5",
      "sintercard 3 a b c limit 1",
      "zrangestore d s 0 -1 rev",
      "bitop and d a b c",
      "bitfield k get u8 0 set u8 0 1",
      "copy a b db 1 replace",
      "lcs a b len",
      "object encoding k",
      "memory usage k samples 5",
  };
  for (const char* line : kLines) {
    auto argv = Split(line);
    const CommandId* c = Registry().Find(argv[0]);
    REQUIRE(c != nullptr);
    std::vector<std::string_view> args(argv.begin(), argv.end());
    const CommandId* spec_cmd = Registry().Lookup(args);
    REQUIRE(spec_cmd != nullptr);
    CheckAgree(*c, *spec_cmd, argv);
  }
}

TEST_CASE("key flags follow the arguments where the specs say they vary", "[key_specs]") {
  auto flags = [](const std::string& line) {
    auto argv = Split(line);
    std::vector<std::string_view> args(argv.begin(), argv.end());
    std::vector<KeyRef> keys;
    REQUIRE(CommandRegistry::KeysWithFlags(*Registry().Lookup(args), args, &keys));
    std::vector<std::pair<uint32_t, std::vector<std::string_view>>> out;
    for (const KeyRef& k : keys) out.emplace_back(k.pos, KeyFlagNames(k.flags));
    return out;
  };
  using V = std::vector<std::pair<uint32_t, std::vector<std::string_view>>>;
  CHECK(flags("set k v") == V{{1, {"OW", "update"}}});
  CHECK(flags("set k v GET") == V{{1, {"RW", "access", "update"}}});
  CHECK(flags("bitfield k get u8 0") == V{{1, {"RO", "access"}}});
  CHECK(flags("bitfield k incrby u8 0 1") == V{{1, {"RW", "access", "update"}}});
  CHECK(flags("sort k store d") == V{{1, {"RO", "access"}}, {3, {"OW", "update"}}});
  CHECK(flags("lmove a b left right") == V{{1, {"RW", "access", "delete"}}, {2, {"RW", "insert"}}});
  CHECK(flags("zunionstore d 2 a b") ==
        V{{1, {"OW", "update"}}, {3, {"RO", "access"}}, {4, {"RO", "access"}}});
}

TEST_CASE("implicit ACL categories come from the flags", "[key_specs]") {
  auto cats = [](const char* name) {
    const CommandId* c = Registry().Find(name);
    REQUIRE(c != nullptr);
    auto v = AclNames(c->acl);
    return std::vector<std::string>(v.begin(), v.end());
  };
  using V = std::vector<std::string>;
  CHECK(cats("get") == V{"@read", "@string", "@fast"});
  CHECK(cats("set") == V{"@write", "@string", "@slow"});
  CHECK(cats("sadd") == V{"@write", "@set", "@fast"});
  CHECK(cats("blpop") == V{"@write", "@list", "@slow", "@blocking"});
  CHECK(cats("shutdown") == V{"@admin", "@slow", "@dangerous"});
  CHECK(cats("ping") == V{"@fast", "@connection"});
}

TEST_CASE("COMMAND INFO's first/last/step come from the specs", "[key_specs]") {
  auto legacy = [](const char* name) {
    const CommandId* c = Registry().Find(name);
    REQUIRE(c != nullptr);
    return std::vector<int>{c->legacy.first, c->legacy.last, c->legacy.step,
                            (c->flags & cmd_flag::kMovableKeys) ? 1 : 0};
  };
  CHECK(legacy("get") == std::vector<int>{1, 1, 1, 0});
  CHECK(legacy("mset") == std::vector<int>{1, -1, 2, 0});
  CHECK(legacy("blpop") == std::vector<int>{1, -2, 1, 0});
  CHECK(legacy("bitop") == std::vector<int>{2, -1, 1, 0});
  CHECK(legacy("zunionstore") == std::vector<int>{1, 1, 1, 1});
  CHECK(legacy("lmpop") == std::vector<int>{0, 0, 0, 1});
  CHECK(legacy("sort") == std::vector<int>{1, 1, 1, 1});
  CHECK(legacy("object") == std::vector<int>{0, 0, 0, 0});
}
