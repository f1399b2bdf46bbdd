// ACL rules (server/acl.h): the rule parser and its errors, the descriptions ACL LIST prints (and
// that they rebuild the same user: checked on random rule sequences), the permission checks, the
// ACL LOG's grouping. Over the real command table.
#include "server/acl.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_registry.h"
#include "server/server_state.h"
#include "shard/glob.h"
#include "spdlog/spdlog.h"

using namespace shoal;

namespace {

const CommandRegistry& Registry() {
  if (Server().registry.size() == 0) RegisterAllCommands(Server().registry);
  return Server().registry;
}

// +cmd|first-arg rules log Redis's deprecation warning each time: kept out of the test output.
struct QuietLog {
  spdlog::level::level_enum before = spdlog::get_level();
  QuietLog() { spdlog::set_level(spdlog::level::err); }
  ~QuietLog() { spdlog::set_level(before); }
};

const CommandId& Cmd(std::string_view name) {
  const CommandId* c = Registry().FindOriginal(name);
  REQUIRE(c != nullptr);
  return *c;
}

std::vector<std::string_view> Words(const std::string& s) {
  std::vector<std::string_view> out;
  size_t from = 0;
  while (from < s.size()) {
    size_t sp = s.find(' ', from);
    if (sp == std::string::npos) sp = s.size();
    out.emplace_back(s.data() + from, sp - from);
    from = sp + 1;
  }
  return out;
}

acl::User Make(const std::string& rules) {
  Registry();
  acl::User u = acl::NewUser("u");
  std::vector<std::string_view> w = Words(rules);
  REQUIRE(acl::ApplyRules(u, w) == "");
  return u;
}

int RuleErr(acl::User& u, std::string_view op) {
  int err = 0;
  REQUIRE_FALSE(acl::ApplyRule(u, op, &err));
  return err;
}

acl::Result Run(const acl::User& u, std::vector<std::string_view> args, int* pos = nullptr) {
  const CommandId* c = Registry().Lookup(args);
  REQUIRE(c != nullptr);
  int p = -1;
  acl::Result r = acl::Check(u, *c, args, &p);
  if (pos != nullptr) *pos = p;
  return r;
}

// Same permissions over every command and subcommand of the table (first arguments count only
// where the command itself is denied: that is where they are looked at).
bool SameCommands(const acl::Selector& a, const acl::Selector& b) {
  auto args_of = [](const acl::Selector& s, uint32_t id) {
    for (const auto& f : s.firstargs)
      if (f.first == id) return f.second;
    return std::vector<std::string>{};
  };
  for (const CommandId& c : Registry().all()) {
    if (a.Allowed(c.acl_id) != b.Allowed(c.acl_id)) return false;
    if (!a.Allowed(c.acl_id) && args_of(a, c.acl_id) != args_of(b, c.acl_id)) return false;
    for (const CommandId& s : c.subcommands)
      if (a.Allowed(s.acl_id) != b.Allowed(s.acl_id)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("acl: new and default users are described as Redis does", "[acl]") {
  acl::User u = Make("");
  CHECK(acl::Describe(u) == "off resetchannels -@all");
  acl::User d = Make("+@all ~* &* on nopass");
  CHECK(acl::Describe(d) == "on nopass ~* &* +@all");
  CHECK(d.unrestricted);
  CHECK_FALSE(u.unrestricted);
  acl::User r = Make("on nopass ~* &* +@all reset");
  CHECK(acl::Describe(r) == "off sanitize-payload resetchannels -@all");
}

TEST_CASE("acl: passwords", "[acl]") {
  CHECK(acl::HashPassword("foo") ==
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");
  acl::User u = Make(">foo >bar >foo");
  CHECK(u.passwords.size() == 2);  // no duplicates
  CHECK_FALSE(u.nopass());
  REQUIRE(acl::ApplyRules(u, Words("<foo")) == "");
  CHECK(u.passwords == std::vector<std::string>{acl::HashPassword("bar")});
  CHECK(RuleErr(u, "<foo") == ENODEV);
  CHECK(RuleErr(u, "#abc") == EBADMSG);
  CHECK(RuleErr(u, "#" + std::string(64, 'A')) == EBADMSG);  // upper case is not a hash
  REQUIRE(acl::ApplyRules(u, Words("#" + acl::HashPassword("baz"))) == "");
  CHECK(u.passwords.size() == 2);
  REQUIRE(acl::ApplyRules(u, Words("!" + acl::HashPassword("baz"))) == "");
  CHECK(u.passwords.size() == 1);
  REQUIRE(acl::ApplyRules(u, Words("nopass")) == "");
  CHECK(u.passwords.empty());
  CHECK(u.nopass());
  REQUIRE(acl::ApplyRules(u, Words(">x")) == "");  // a password clears nopass
  CHECK_FALSE(u.nopass());
  REQUIRE(acl::ApplyRules(u, Words("resetpass")) == "");
  CHECK(u.passwords.empty());
  CHECK_FALSE(u.nopass());
}

TEST_CASE("acl: key and channel patterns", "[acl]") {
  acl::User u = Make("%R~r* %W~w* ~a* %RW~b* %R~x %W~x");
  CHECK(acl::DescribeKeys(u.selectors[0]) == "%R~r* %W~w* ~a* ~b* ~x");
  CHECK(RuleErr(u, "%X~k") == EINVAL);
  CHECK(RuleErr(u, "~a b") == EINVAL);
  REQUIRE(acl::ApplyRules(u, Words("allkeys")) == "");
  CHECK(acl::DescribeKeys(u.selectors[0]) == "~*");
  CHECK(RuleErr(u, "~k") == EEXIST);
  REQUIRE(acl::ApplyRules(u, Words("resetkeys ~k")) == "");
  CHECK(acl::DescribeKeys(u.selectors[0]) == "~k");

  REQUIRE(acl::ApplyRules(u, Words("&c1 &c* &c1")) == "");
  CHECK(acl::DescribeChannels(u.selectors[0]) == "&c1 &c*");
  REQUIRE(acl::ApplyRules(u, Words("allchannels")) == "");
  CHECK(RuleErr(u, "&x") == EISDIR);
  REQUIRE(acl::ApplyRules(u, Words("resetchannels")) == "");
  CHECK(acl::DescribeChannels(u.selectors[0]).empty());
}

TEST_CASE("acl: command rules and their errors", "[acl]") {
  QuietLog quiet;
  acl::User u = Make("");
  CHECK(RuleErr(u, "+nosuch") == ENOENT);
  CHECK(RuleErr(u, "-nosuch") == ENOENT);
  CHECK(RuleErr(u, "+@nosuch") == ENOENT);
  CHECK(RuleErr(u, "+") == ENOENT);
  CHECK(RuleErr(u, "garbage") == EINVAL);
  CHECK(RuleErr(u, "+config|") == EINVAL);
  CHECK(RuleErr(u, "+config|nosuch") == ENOENT);
  CHECK(RuleErr(u, "+config|get|maxmemory") == ECHILD);
  CHECK(RuleErr(u, "-select|0") == ENOENT);
  CHECK(std::string(acl::RuleError(ECHILD)) ==
        "Allowing first-arg of a subcommand is not supported");

  REQUIRE(acl::ApplyRules(u, Words("+get +config|get +select|0 +select|1 +select|0")) == "");
  CHECK(acl::DescribeCommands(u.selectors[0]) ==
        "-@all +select|0 +select|1 +config|get +get");  // in the command table's order
  // A container takes its subcommands along; -@all forgets the first arguments.
  REQUIRE(acl::ApplyRules(u, Words("+client")) == "");
  CHECK(u.selectors[0].Allowed(Cmd("client|list").acl_id));
  REQUIRE(acl::ApplyRules(u, Words("-client|list")) == "");
  CHECK_FALSE(u.selectors[0].Allowed(Cmd("client|list").acl_id));
  CHECK(u.selectors[0].Allowed(Cmd("client|id").acl_id));
  REQUIRE(acl::ApplyRules(u, Words("-@all")) == "");
  CHECK(u.selectors[0].firstargs.empty());
  CHECK(acl::DescribeCommands(u.selectors[0]) == "-@all");

  acl::User a = Make("+@all -flushall -@dangerous +info");
  std::string d = acl::DescribeCommands(a.selectors[0]);
  CHECK(d.rfind("+@all", 0) == 0);
  // Redis's best fit: -@admin first (every admin command is denied), then single commands (the
  // admin commands put back in the working copy make @dangerous a poor fit).
  CHECK(d.rfind("+@all -@admin -", 0) == 0);
  CHECK(d.find("-flushall") != std::string::npos);
  CHECK(d.find("info") == std::string::npos);
}

TEST_CASE("acl: ACL SETUSER's argument merging and error texts", "[acl]") {
  acl::User u = acl::NewUser("u");
  std::vector<std::string_view> sel = {"(+get", "~x)", "on"};
  REQUIRE(acl::ApplyRules(u, sel) == "");
  REQUIRE(u.selectors.size() == 2);
  CHECK(acl::Describe(u) == "on resetchannels -@all (~x resetchannels -@all +get)");
  std::vector<std::string_view> open = {"on", "(+get", "~x"};
  CHECK(acl::ApplyRules(u, open) == "Unmatched parenthesis in acl selector starting at '(+get'.");
  std::vector<std::string_view> bad = {"on", "+nosuch"};
  CHECK(acl::ApplyRules(u, bad) ==
        "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  std::vector<std::string_view> clear = {"clearselectors"};
  REQUIRE(acl::ApplyRules(u, clear) == "");
  CHECK(u.selectors.size() == 1);
}

TEST_CASE("acl: a description rebuilds the same user (random rule sequences)", "[acl]") {
  QuietLog quiet;
  Registry();
  const std::vector<std::string> pool = {
      "+@all",          "-@all",         "+@read",      "-@write",
      "+@string",       "-@dangerous",   "+@admin",     "-@slow",
      "+@fast",         "+get",          "-get",        "+set",
      "-client",        "+client|list",  "-config|set", "+config|get",
      "+select|0",      "+debug|object", "~k*",         "%R~r*",
      "%W~w*",          "resetkeys",     "allkeys",     "&ch",
      "resetchannels",  "allchannels",   "(+get ~x)",   "(-@all +@hash)",
      "clearselectors", "nocommands",    "allcommands", "-@keyspace",
      "+@list",         "-@pubsub",      "+@scripting"};
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    acl::User u = acl::NewUser("u");
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      int err;
      acl::ApplyRule(u, pool[rng() % pool.size()], &err);  // EEXIST and EISDIR are fine here
    }
    acl::Finish(u);
    std::string d = acl::Describe(u);
    acl::User v = acl::NewUser("u");
    std::vector<std::string_view> w = Words(d);
    INFO(d);
    REQUIRE(acl::ApplyRules(v, w) == "");
    CHECK(acl::Describe(v) == d);
    REQUIRE(v.selectors.size() == u.selectors.size());
    for (size_t s = 0; s < u.selectors.size(); ++s) {
      CHECK(SameCommands(u.selectors[s], v.selectors[s]));
      CHECK(u.selectors[s].patterns == v.selectors[s].patterns);
      CHECK(u.selectors[s].channels == v.selectors[s].channels);
    }
  }
}

TEST_CASE("acl: compiled key patterns match as the glob matcher does", "[acl]") {
  const char* patterns[] = {"*", "key:*", "key", "k?y", "a*b", "[ab]*", "\\*x", "*:*", "x*y*"};
  const char* keys[] = {"", "key", "key:", "key:1", "kay", "a", "ab", "*x", "b1", "x:y", "xyy"};
  for (const char* pat : patterns) {
    acl::User u = Make(std::string("%RW~") + pat);  // "~*" would be the allkeys alias
    const acl::KeyPattern& kp = u.selectors[0].patterns.at(0);
    for (const char* key : keys) {
      INFO(pat << " / " << key);
      CHECK(kp.Matches(key) == GlobMatch(pat, key));
    }
  }
  CHECK(Make("~*").selectors[0].flags & acl::Selector::kAllKeys);
  CHECK(Make("%R~*").selectors[0].patterns[0].match == acl::KeyPattern::kAny);
  CHECK(Make("~key:*").selectors[0].patterns[0].match == acl::KeyPattern::kPrefix);
  CHECK(Make("~key").selectors[0].patterns[0].match == acl::KeyPattern::kExact);
  CHECK(Make("~k?y*").selectors[0].patterns[0].match == acl::KeyPattern::kGlob);
}

TEST_CASE("acl: the simple-keys fast path names the keys the specs do", "[acl]") {
  int simple = 0;
  for (const CommandId& c : Registry().all()) {
    std::vector<const CommandId*> all{&c};
    for (const CommandId& s : c.subcommands) all.push_back(&s);
    for (const CommandId* cmd : all) {
      if (!cmd->acl_simple_keys) continue;
      ++simple;
      int min_argc = cmd->arity > 0 ? cmd->arity : -cmd->arity;
      int max_argc = cmd->arity > 0 ? cmd->arity : min_argc + 4;
      for (int argc = min_argc; argc <= max_argc; ++argc) {
        std::vector<std::string> storage;
        for (int i = 0; i < argc; ++i) storage.push_back("a" + std::to_string(i));
        std::vector<std::string_view> args(storage.begin(), storage.end());
        std::vector<KeyRef> refs;
        if (!CommandRegistry::KeysWithFlags(*cmd, args, &refs)) continue;
        const LegacyRange& r = cmd->legacy;
        int last = r.last >= 0 ? r.last : argc + r.last;
        int step = r.step > 0 ? r.step : 1;
        std::vector<uint32_t> fast;
        for (int p = r.first; p <= last && p < argc; p += step) fast.push_back(p);
        INFO(cmd->name << " argc " << argc);
        REQUIRE(fast.size() == refs.size());
        for (size_t k = 0; k < refs.size(); ++k) {
          CHECK(refs[k].pos == fast[k]);
          CHECK(refs[k].flags == cmd->acl_key_flags);
        }
      }
    }
  }
  CHECK(simple > 50);
  CHECK(Cmd("get").acl_simple_keys);
  CHECK_FALSE(Cmd("set").acl_simple_keys);  // VARIABLE_FLAGS: GET makes it a read too
}

TEST_CASE("acl: the inline fast path never allows what the full check denies", "[acl]") {
  QuietLog quiet;
  const char* users[] = {"+@all ~k*",           "+get +set %R~k* %W~w*", "-@all +@read ~*",
                         "+@all -@string ~a:*", "+@all &ch ~*",          "+@all resetchannels ~*",
                         "+@write %W~*",        "+@all ~k* (+get ~x*)",  "+select|0 ~*"};
  const char* keys[] = {"k1", "w1", "a:1", "x1", ""};
  int fast = 0;
  for (const char* rules : users) {
    acl::User u = Make(rules);
    for (const CommandId& c : Registry().all()) {
      std::vector<const CommandId*> all{&c};
      for (const CommandId& sub : c.subcommands) all.push_back(&sub);
      for (const CommandId* cmd : all) {
        int argc = cmd->arity > 0 ? cmd->arity : -cmd->arity + 1;
        for (const char* key : keys) {
          std::vector<std::string_view> args(static_cast<size_t>(argc), key);
          args[0] = cmd->name;
          if (cmd->name.find('|') != std::string::npos && argc > 1)
            args[1] = std::string_view(cmd->name).substr(cmd->name.find('|') + 1);
          if (!u.FastAllows(*cmd, args)) continue;
          ++fast;
          int pos;
          INFO(rules << " / " << cmd->name << " " << key);
          CHECK(acl::Check(u, *cmd, args, &pos) == acl::kOk);
        }
      }
    }
  }
  CHECK(fast > 1000);
}

TEST_CASE("acl: permission checks", "[acl]") {
  QuietLog quiet;
  acl::User u = Make("+@all -flushall %R~r* %W~w* ~rw* &news.* &exact");
  int pos = 0;
  CHECK(Run(u, {"get", "r1"}) == acl::kOk);
  CHECK(Run(u, {"set", "r1", "v"}, &pos) == acl::kDeniedKey);
  CHECK(pos == 1);
  CHECK(Run(u, {"set", "w1", "v"}) == acl::kOk);
  CHECK(Run(u, {"get", "w1"}) == acl::kDeniedKey);
  CHECK(Run(u, {"exists", "w1"}) == acl::kOk);  // no ACCESS flag: any pattern will do
  CHECK(Run(u, {"copy", "r1", "w2"}) == acl::kOk);
  CHECK(Run(u, {"copy", "w1", "r2"}, &pos) == acl::kDeniedKey);
  CHECK(pos == 1);
  CHECK(Run(u, {"flushall"}) == acl::kDeniedCmd);
  CHECK(Run(u, {"publish", "news.x", "m"}) == acl::kOk);
  CHECK(Run(u, {"publish", "other", "m"}, &pos) == acl::kDeniedChannel);
  CHECK(pos == 1);
  CHECK(Run(u, {"subscribe", "exact", "news.a", "nope"}, &pos) == acl::kDeniedChannel);
  CHECK(pos == 3);
  CHECK(Run(u, {"psubscribe", "news.*"}) == acl::kOk);  // literal match only
  CHECK(Run(u, {"psubscribe", "news.a*"}) == acl::kDeniedChannel);
  CHECK(Run(u, {"unsubscribe", "nope"}) == acl::kOk);

  // No-auth commands skip the command rules.
  acl::User none = Make("nocommands");
  CHECK(Run(none, {"auth", "x"}) == acl::kOk);
  CHECK(Run(none, {"get", "k"}) == acl::kDeniedCmd);

  // First arguments.
  acl::User sel = Make("-@all +select|0 allkeys");
  CHECK(Run(sel, {"select", "0"}) == acl::kOk);
  CHECK(Run(sel, {"select", "1"}) == acl::kDeniedCmd);

  // Selectors: any one allowing is enough; the error reported is the most specific.
  acl::User s = Make("+get ~a* (+set ~b*)");
  CHECK(Run(s, {"get", "a1"}) == acl::kOk);
  CHECK(Run(s, {"set", "b1", "v"}) == acl::kOk);
  CHECK(Run(s, {"set", "a1", "v"}) == acl::kDeniedKey);
  CHECK(Run(s, {"del", "a1"}) == acl::kDeniedCmd);
  CHECK(acl::FullKeyAccess(Make("+@all ~*"), Cmd("sort"),
                           std::vector<std::string_view>{"sort", "l"}, key_flag::kAccess));
  CHECK_FALSE(acl::FullKeyAccess(Make("+@all ~l*"), Cmd("sort"),
                                 std::vector<std::string_view>{"sort", "l"}, key_flag::kAccess));
  CHECK(acl::FullKeyAccess(Make("+@all %R~*"), Cmd("sort"),
                           std::vector<std::string_view>{"sort", "l"}, key_flag::kAccess));
}

TEST_CASE("acl: the log groups repeats and keeps its maximum length", "[acl]") {
  acl::LogReset();
  int64_t max = acl::log_max_len.load();
  acl::Log(acl::kDeniedCmd, acl::kToplevel, "get", "u", "info1");
  acl::Log(acl::kDeniedCmd, acl::kToplevel, "get", "u", "info2");
  acl::Log(acl::kDeniedKey, acl::kMulti, "k", "u", "info3");
  auto entries = acl::LogEntries(10);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].reason == acl::kDeniedKey);
  CHECK(entries[1].count == 2);
  CHECK(entries[1].client_info == "info2");
  acl::log_max_len.store(3);
  for (int i = 0; i < 10; ++i)
    acl::Log(acl::kDeniedCmd, acl::kToplevel, "cmd" + std::to_string(i), "u", "");
  CHECK(acl::LogEntries(100).size() == 3);
  CHECK(acl::LogEntries(1)[0].object == "cmd9");
  acl::log_max_len.store(max);
  acl::LogReset();
  CHECK(acl::LogEntries(10).empty());
}
