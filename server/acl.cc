#include "server/acl.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "base/ascii.h"
#include "server/command_registry.h"
#include "server/server_state.h"
#include "shard/clock.h"
#include "shard/glob.h"
#include "spdlog/spdlog.h"

namespace shoal::acl {

std::atomic<int64_t> pubsub_default{1};
std::atomic<int64_t> log_max_len{128};

namespace {

constexpr size_t kBitWords = 16;  // 1024 command ids, as Redis's USER_COMMAND_BITS_COUNT

struct Category {
  const char* name;
  uint64_t flag;
};
// Redis's ACLCommandCategories, in its order (ACL CAT, the describe loop).
constexpr Category kCategories[] = {
    {"keyspace", acl_cat::kKeyspace},
    {"read", acl_cat::kRead},
    {"write", acl_cat::kWrite},
    {"set", acl_cat::kSet},
    {"sortedset", acl_cat::kSortedSet},
    {"list", acl_cat::kList},
    {"hash", acl_cat::kHash},
    {"string", acl_cat::kString},
    {"bitmap", acl_cat::kBitmap},
    {"hyperloglog", acl_cat::kHyperLogLog},
    {"geo", acl_cat::kGeo},
    {"stream", acl_cat::kStream},
    {"pubsub", acl_cat::kPubSub},
    {"admin", acl_cat::kAdmin},
    {"fast", acl_cat::kFast},
    {"slow", acl_cat::kSlow},
    {"blocking", acl_cat::kBlocking},
    {"dangerous", acl_cat::kDangerous},
    {"connection", acl_cat::kConnection},
    {"transaction", acl_cat::kTransaction},
    {"scripting", acl_cat::kScripting},
};

// errno-like codes of ApplyRule (Redis's).
enum : int {
  kEInval = EINVAL,
  kENoEnt = ENOENT,
  kEExist = EEXIST,
  kEIsDir = EISDIR,
  kENoDev = ENODEV,
  kEBadMsg = EBADMSG,
  kEAlready = EALREADY,
  kEChild = ECHILD
};

bool HasSpaces(std::string_view s) {
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  return false;
}

Selector NewSelector(uint32_t flags) {
  Selector s;
  s.flags = flags | (pubsub_default.load() == 0 ? uint32_t{Selector::kAllChannels} : 0u);
  s.allowed.assign(kBitWords, 0);
  return s;
}

void SetBit(Selector& s, uint32_t id, bool value) {
  if (id >= kBitWords * 64) return;
  if (value) {
    s.allowed[id >> 6] |= uint64_t{1} << (id & 63);
  } else {
    s.allowed[id >> 6] &= ~(uint64_t{1} << (id & 63));
    s.flags &= ~Selector::kAllCommands;
  }
}

void ResetFirstArgs(Selector& s, uint32_t id) {
  s.firstargs.erase(std::remove_if(s.firstargs.begin(), s.firstargs.end(),
                                   [id](const auto& f) { return f.first == id; }),
                    s.firstargs.end());
}

const std::vector<std::string>* FirstArgs(const Selector& s, uint32_t id) {
  for (const auto& f : s.firstargs)
    if (f.first == id) return &f.second;
  return nullptr;
}

// Redis's ACLChangeSelectorPerm: a container takes its subcommands along.
void ChangePerm(Selector& s, const CommandId& cmd, bool allow) {
  SetBit(s, cmd.acl_id, allow);
  ResetFirstArgs(s, cmd.acl_id);
  for (const CommandId& sub : cmd.subcommands) SetBit(s, sub.acl_id, allow);
}

void ChangeCategory(Selector& s, uint64_t flag, bool allow) {
  for (const CommandId& c : Server().registry.all()) {
    if (c.acl & flag) ChangePerm(s, c, allow);
    for (const CommandId& sub : c.subcommands)
      if (sub.acl & flag) ChangePerm(s, sub, allow);
  }
}

void CountCategory(const Selector& s, uint64_t flag, unsigned long* on, unsigned long* off) {
  *on = *off = 0;
  auto count = [&](const CommandId& c) {
    if (!(c.acl & flag)) return;
    if (s.Allowed(c.acl_id))
      ++*on;
    else
      ++*off;
  };
  for (const CommandId& c : Server().registry.all()) {
    count(c);
    for (const CommandId& sub : c.subcommands) count(sub);
  }
}

KeyPattern CompilePattern(std::string_view pat, int flags) {
  KeyPattern p{std::string(pat), flags, KeyPattern::kGlob};
  size_t special = pat.find_first_of("*?[\\");
  if (pat == "*")
    p.match = KeyPattern::kAny;
  else if (special == std::string_view::npos)
    p.match = KeyPattern::kExact;
  else if (special == pat.size() - 1 && pat.back() == '*')
    p.match = KeyPattern::kPrefix;
  return p;
}

// Redis's ACLSetSelector.
bool ApplySelectorRule(Selector& s, std::string_view op, int* err) {
  auto fail = [err](int e) {
    *err = e;
    return false;
  };
  char op1 = op.size() > 1 ? op[1] : '\0';
  if (EqNoCase(op, "allkeys") || EqNoCase(op, "~*")) {
    s.flags |= Selector::kAllKeys;
    s.patterns.clear();
  } else if (EqNoCase(op, "resetkeys")) {
    s.flags &= ~Selector::kAllKeys;
    s.patterns.clear();
  } else if (EqNoCase(op, "allchannels") || EqNoCase(op, "&*")) {
    s.flags |= Selector::kAllChannels;
    s.channels.clear();
  } else if (EqNoCase(op, "resetchannels")) {
    s.flags &= ~Selector::kAllChannels;
    s.channels.clear();
  } else if (EqNoCase(op, "allcommands") || EqNoCase(op, "+@all")) {
    std::fill(s.allowed.begin(), s.allowed.end(), ~uint64_t{0});
    s.flags |= Selector::kAllCommands;
    s.future = true;
    s.firstargs.clear();
  } else if (EqNoCase(op, "nocommands") || EqNoCase(op, "-@all")) {
    std::fill(s.allowed.begin(), s.allowed.end(), 0);
    s.flags &= ~Selector::kAllCommands;
    s.future = false;
    s.firstargs.clear();
  } else if (!op.empty() && (op[0] == '~' || op[0] == '%')) {
    if (s.flags & Selector::kAllKeys) return fail(kEExist);
    int flags = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); ++offset) {
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(flags & kRead)) {
          flags |= kRead;
        } else if (c == 'W' && !(flags & kWrite)) {
          flags |= kWrite;
        } else if (op[offset] == '~') {
          ++offset;
          break;
        } else {
          return fail(kEInval);
        }
      }
      if (flags == 0) return fail(kEInval);
    } else {
      flags = kAll;
    }
    std::string_view pat = op.substr(std::min(offset, op.size()));
    if (HasSpaces(pat)) return fail(kEInval);
    auto it = std::find_if(s.patterns.begin(), s.patterns.end(),
                           [&](const KeyPattern& k) { return k.pattern == pat; });
    if (it == s.patterns.end())
      s.patterns.push_back(CompilePattern(pat, flags));
    else
      it->flags |= flags;
    s.flags &= ~Selector::kAllKeys;
  } else if (!op.empty() && op[0] == '&') {
    if (s.flags & Selector::kAllChannels) return fail(kEIsDir);
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return fail(kEInval);
    if (std::find(s.channels.begin(), s.channels.end(), pat) == s.channels.end())
      s.channels.emplace_back(pat);
    s.flags &= ~Selector::kAllChannels;
  } else if (!op.empty() && op[0] == '+' && op1 != '@') {
    std::string_view name = op.substr(1);
    size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const CommandId* cmd = Server().registry.FindOriginal(name);
      if (cmd == nullptr) return fail(kENoEnt);
      ChangePerm(s, *cmd, true);
    } else {
      std::string_view base = name.substr(0, bar), sub = name.substr(bar + 1);
      const CommandId* cmd = Server().registry.FindOriginal(base);
      if (cmd == nullptr) return fail(kENoEnt);
      if (base.find('|') != std::string_view::npos) return fail(kEChild);  // a subcommand's
      if (sub.empty()) return fail(kEInval);
      if (!cmd->subcommands.empty()) {
        const CommandId* subcmd = Server().registry.FindOriginal(name);
        if (subcmd == nullptr) return fail(kENoEnt);
        ChangePerm(s, *subcmd, true);
      } else {
        spdlog::warn(
            "Deprecation warning: Allowing a first arg of an otherwise blocked command is a "
            "misuse of ACL and may get disabled in the future (offender: +{})",
            name);
        std::vector<std::string>* args = nullptr;
        for (auto& f : s.firstargs)
          if (f.first == cmd->acl_id) args = &f.second;
        if (args == nullptr) {
          s.firstargs.emplace_back(cmd->acl_id, std::vector<std::string>{});
          args = &s.firstargs.back().second;
        }
        bool have = false;
        for (const std::string& a : *args) have |= EqNoCase(a, sub);
        if (!have) args->emplace_back(sub);
      }
    }
  } else if (!op.empty() && op[0] == '-' && op1 != '@') {
    const CommandId* cmd = Server().registry.FindOriginal(op.substr(1));
    if (cmd == nullptr) return fail(kENoEnt);
    ChangePerm(s, *cmd, false);
  } else if (!op.empty() && (op[0] == '+' || op[0] == '-') && op1 == '@') {
    uint64_t flag = CategoryFlag(op.substr(2));
    if (flag == 0) return fail(kENoEnt);
    ChangeCategory(s, flag, op[0] == '+');
  } else {
    return fail(kEInval);
  }
  return true;
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h)
    if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
  return true;
}

// Redis's ACLMergeSelectorArguments: "(" ... ")" spread over several arguments become one.
// False with the index of the unmatched opening argument.
bool MergeSelectors(std::span<const std::string_view> args, std::vector<std::string>* out,
                    size_t* bad) {
  out->clear();
  std::string sel;
  int64_t open = -1;
  for (size_t j = 0; j < args.size(); ++j) {
    std::string_view op = args[j];
    if (!op.empty() && op[0] == '(' && op.back() != ')') {
      sel = std::string(op);
      open = static_cast<int64_t>(j);
      continue;
    }
    if (open != -1) {
      sel += " ";
      sel += op;
      if (!op.empty() && op.back() == ')') {
        open = -1;
        out->push_back(std::move(sel));
      }
      continue;
    }
    out->emplace_back(op);
  }
  if (open != -1) {
    *bad = static_cast<size_t>(open);
    return false;
  }
  return true;
}

std::string PatternString(const KeyPattern& p) {
  const char* prefix = p.flags == kAll ? "~" : p.flags == kRead ? "%R~" : "%W~";
  return prefix + p.pattern;
}

// --- the user table ---

// Redis's ACLCreateDefaultUser.
UserPtr InitialDefaultUser() {
  User d = NewUser("default");
  int err;
  for (std::string_view op : {"+@all", "~*", "&*", "on", "nopass"}) ApplyRule(d, op, &err);
  Finish(d);
  return std::make_shared<const User>(std::move(d));
}

struct Table {
  std::mutex mu;
  std::map<std::string, UserPtr, std::less<>> users;
  std::string aclfile;
  std::vector<std::vector<std::string>> config_users;  // name, rules...
  std::deque<LogEntry> log;
  std::string requirepass;
  Table() { users.emplace("default", InitialDefaultUser()); }
};

Table& T() {
  static Table* t = new Table();  // lives until exit: connection threads read it
  return *t;
}

std::atomic<uint64_t> g_version{1};
std::atomic<bool> g_auth_required{false};

// Under T().mu: the table changed.
void Published() {
  auto it = T().users.find("default");
  const User& d = *it->second;
  g_auth_required.store(!d.nopass() || !d.enabled());
  Server().default_user_nopass.store(d.nopass());
  g_version.fetch_add(1);
}

}  // namespace

bool KeyPattern::GlobMatches(std::string_view key) const { return GlobMatch(pattern, key); }

uint64_t CategoryFlag(std::string_view name) {
  for (const Category& c : kCategories)
    if (EqNoCase(name, c.name)) return c.flag;
  return 0;
}

std::vector<std::string_view> CategoryNames() {
  std::vector<std::string_view> out;
  for (const Category& c : kCategories) out.push_back(c.name);
  return out;
}

User NewUser(std::string_view name) {
  User u;
  u.name = std::string(name);
  u.flags = User::kDisabled;
  u.selectors.push_back(NewSelector(Selector::kRoot));
  return u;
}

void Finish(User& u) {
  constexpr uint32_t kAllOf = Selector::kAllCommands | Selector::kAllKeys | Selector::kAllChannels;
  u.unrestricted = false;
  for (const Selector& s : u.selectors) u.unrestricted |= (s.flags & kAllOf) == kAllOf;
  u.single = u.selectors.size() == 1 && u.selectors[0].firstargs.empty();
}

bool ApplyRule(User& u, std::string_view op, int* err) {
  if (op.empty()) return true;
  if (EqNoCase(op, "on")) {
    u.flags = (u.flags | User::kEnabled) & ~User::kDisabled;
  } else if (EqNoCase(op, "off")) {
    u.flags = (u.flags | User::kDisabled) & ~User::kEnabled;
  } else if (EqNoCase(op, "skip-sanitize-payload")) {
    u.flags = (u.flags | User::kSkipSanitize) & ~User::kSanitize;
  } else if (EqNoCase(op, "sanitize-payload")) {
    u.flags = (u.flags | User::kSanitize) & ~User::kSkipSanitize;
  } else if (EqNoCase(op, "nopass")) {
    u.flags |= User::kNoPass;
    u.passwords.clear();
  } else if (EqNoCase(op, "resetpass")) {
    u.flags &= ~User::kNoPass;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#' || op[0] == '<' || op[0] == '!') {
    // >pass / #hash add a password, <pass / !hash remove one.
    std::string hash;
    if (op[0] == '>' || op[0] == '<') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) {
        *err = kEBadMsg;
        return false;
      }
      hash = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (op[0] == '>' || op[0] == '#') {
      if (it == u.passwords.end()) u.passwords.push_back(std::move(hash));
      u.flags &= ~User::kNoPass;
    } else if (it != u.passwords.end()) {
      u.passwords.erase(it);
    } else {
      *err = kENoDev;
      return false;
    }
  } else if (op[0] == '(' && op.back() == ')') {
    Selector s = NewSelector(0);
    std::vector<std::string> parts;
    if (!SplitArgs(op.substr(1, op.size() - 2), &parts)) {
      *err = kEInval;
      return false;
    }
    for (const std::string& p : parts)
      if (!ApplySelectorRule(s, p, err)) return false;
    u.selectors.push_back(std::move(s));
  } else if (EqNoCase(op, "clearselectors")) {
    u.selectors.resize(1);
  } else if (EqNoCase(op, "reset")) {
    for (std::string_view r : {"resetpass", "resetkeys", "resetchannels"}) ApplyRule(u, r, err);
    if (pubsub_default.load() == 0) ApplyRule(u, "allchannels", err);
    for (std::string_view r : {"off", "sanitize-payload", "clearselectors", "-@all"})
      ApplyRule(u, r, err);
  } else {
    return ApplySelectorRule(u.selectors[0], op, err);
  }
  return true;
}

const char* RuleError(int err) {
  switch (err) {
    case kENoEnt:
      return "Unknown command or category name in ACL";
    case kEInval:
      return "Syntax error";
    case kEExist:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
             "does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case kEIsDir:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
             "does not have any effect. Try 'resetchannels' to start with an empty list of "
             "channels";
    case kENoDev:
      return "The password you are trying to remove from the user does not exist";
    case kEBadMsg:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case kEAlready:
      return "Duplicate user found. A user can only be defined once in config files";
    case kEChild:
      return "Allowing first-arg of a subcommand is not supported";
    default:
      return "Wrong format";
  }
}

std::string ApplyRules(User& u, std::span<const std::string_view> rules) {
  std::vector<std::string> merged;
  size_t bad = 0;
  if (!MergeSelectors(rules, &merged, &bad))
    return "Unmatched parenthesis in acl selector starting at '" + std::string(rules[bad]) + "'.";
  for (const std::string& op : merged) {
    int err = 0;
    if (!ApplyRule(u, op, &err))
      return "Error in ACL SETUSER modifier '" + op + "': " + RuleError(err);
  }
  Finish(u);
  return "";
}

std::string HashPassword(std::string_view pass) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(pass.data(), pass.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// Redis's ACLDescribeSelectorCommandRules: start from +@all or -@all, add the categories that
// fit best, then single commands until the bitmap matches exactly.
std::string DescribeCommands(const Selector& sel) {
  std::string rules;
  bool additive = !sel.future;
  Selector fake = NewSelector(0);
  int err;
  rules = additive ? "-@all " : "+@all ";
  ApplySelectorRule(fake, additive ? "-@all" : "+@all", &err);
  Selector temp = NewSelector(0);
  temp.allowed = sel.allowed;
  bool applied[std::size(kCategories)] = {};
  while (true) {
    int best = -1;
    unsigned long mindiff = INT_MAX, maxsame = 0;
    for (size_t j = 0; j < std::size(kCategories); ++j) {
      if (applied[j]) continue;
      unsigned long on, off;
      CountCategory(temp, kCategories[j].flag, &on, &off);
      unsigned long diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best == -1) break;
    ChangeCategory(fake, kCategories[best].flag, additive);
    ChangeCategory(temp, kCategories[best].flag, !additive);
    rules += additive ? "+@" : "-@";
    rules += kCategories[best].name;
    rules += ' ';
    applied[best] = true;
  }
  auto single = [&](const CommandId& c, const std::string& full) {
    bool userbit = sel.Allowed(c.acl_id), fakebit = fake.Allowed(c.acl_id);
    if (userbit != fakebit) {
      rules += userbit ? '+' : '-';
      rules += full;
      rules += ' ';
      ChangePerm(fake, c, userbit);
    }
  };
  for (const CommandId& c : Server().registry.all()) {
    single(c, c.name);
    for (const CommandId& sub : c.subcommands) single(sub, sub.name);
    if (!sel.Allowed(c.acl_id)) {
      if (const auto* args = FirstArgs(sel, c.acl_id))
        for (const std::string& a : *args) rules += "+" + c.name + "|" + a + " ";
    }
  }
  if (!rules.empty()) rules.pop_back();
  return rules;
}

std::string DescribeKeys(const Selector& s) {
  if (s.flags & Selector::kAllKeys) return "~*";
  std::string out;
  for (const KeyPattern& p : s.patterns) {
    if (!out.empty()) out += ' ';
    out += PatternString(p);
  }
  return out;
}

std::string DescribeChannels(const Selector& s) {
  if (s.flags & Selector::kAllChannels) return "&*";
  std::string out;
  for (const std::string& c : s.channels) {
    if (!out.empty()) out += ' ';
    out += "&" + c;
  }
  return out;
}

namespace {
std::string DescribeSelector(const Selector& s) {
  std::string res;
  if (s.flags & Selector::kAllKeys) {
    res += "~* ";
  } else {
    for (const KeyPattern& p : s.patterns) res += PatternString(p) + " ";
  }
  if (s.flags & Selector::kAllChannels) {
    res += "&* ";
  } else {
    res += "resetchannels ";
    for (const std::string& c : s.channels) res += "&" + c + " ";
  }
  res += DescribeCommands(s);
  return res;
}
}  // namespace

std::vector<std::string_view> FlagNames(const User& u) {
  std::vector<std::string_view> out;
  if (u.flags & User::kEnabled) out.push_back("on");
  if (u.flags & User::kDisabled) out.push_back("off");
  if (u.flags & User::kNoPass) out.push_back("nopass");
  if (u.flags & User::kSkipSanitize) out.push_back("skip-sanitize-payload");
  if (u.flags & User::kSanitize) out.push_back("sanitize-payload");
  return out;
}

std::string Describe(const User& u) {
  std::string res;
  for (std::string_view f : FlagNames(u)) {
    res += f;
    res += ' ';
  }
  for (const std::string& p : u.passwords) res += "#" + p + " ";
  for (const Selector& s : u.selectors) {
    if (s.flags & Selector::kRoot)
      res += DescribeSelector(s);
    else
      res += " (" + DescribeSelector(s) + ")";
  }
  return res;
}

// --- checks ---

namespace {

bool ChannelInList(const std::vector<std::string>& list, std::string_view ch, bool is_pattern) {
  for (const std::string& p : list)
    if (is_pattern ? p == ch : GlobMatch(p, ch)) return true;
  return false;
}

// The keys of the command being checked, found once for all selectors (Redis's
// aclKeyResultCache); commands whose keys are a plain range with one set of flags (GET, DEL...)
// need no list.
struct KeyCache {
  bool init = false;
  std::vector<KeyRef>* keys = nullptr;
  const std::vector<KeyRef>& Get(const CommandId& cmd, std::span<const std::string_view> args) {
    if (!init) {
      thread_local std::vector<KeyRef> tl_keys;
      keys = &tl_keys;
      keys->clear();
      CommandRegistry::KeysWithFlags(cmd, args, keys);
      init = true;
    }
    return *keys;
  }
};

Result CheckKeys(const Selector& s, const CommandId& cmd, std::span<const std::string_view> args,
                 int* pos, KeyCache* cache) {
  if (cmd.acl_simple_keys) {
    int p = FirstDeniedSimpleKey(s, cmd, args);
    if (p < 0) return kOk;
    *pos = p;
    return kDeniedKey;
  }
  if (!cmd.has_keys()) return kOk;
  for (const KeyRef& k : cache->Get(cmd, args)) {
    if (!KeyAllowed(s, args[k.pos], NeedOf(k.flags))) {
      *pos = static_cast<int>(k.pos);
      return kDeniedKey;
    }
  }
  return kOk;
}

Result CheckSelector(const Selector& s, const CommandId& cmd,
                     std::span<const std::string_view> args, int* pos, KeyCache* cache) {
  if (!(s.flags & Selector::kAllCommands) && !(cmd.flags & cmd_flag::kNoAuth) &&
      !s.Allowed(cmd.acl_id)) {
    const auto* fa = FirstArgs(s, cmd.acl_id);
    if (args.size() < 2 || fa == nullptr) return kDeniedCmd;
    size_t idx = cmd.name.find('|') != std::string::npos ? 2 : 1;
    bool match = false;
    for (const std::string& a : *fa) match |= idx < args.size() && EqNoCase(args[idx], a);
    if (!match) return kDeniedCmd;
  }
  if (!(s.flags & Selector::kAllKeys)) {
    Result r = CheckKeys(s, cmd, args, pos, cache);
    if (r != kOk) return r;
  }
  if (!(s.flags & Selector::kAllChannels) && cmd.channels != CommandId::Channels::kNone) {
    using Ch = CommandId::Channels;
    bool pattern = cmd.channels == Ch::kPatternSubscribe;
    size_t end = cmd.channels == Ch::kPublish ? std::min<size_t>(args.size(), 2) : args.size();
    for (size_t j = 1; j < end; ++j) {
      if (!ChannelInList(s.channels, args[j], pattern)) {
        *pos = static_cast<int>(j);
        return kDeniedChannel;
      }
    }
  }
  return kOk;
}

}  // namespace

Result Check(const User& u, const CommandId& cmd, std::span<const std::string_view> args,
             int* pos) {
  if (u.unrestricted) return kOk;
  Result relevant = kDeniedCmd;
  int last = 0;
  KeyCache cache;
  for (const Selector& s : u.selectors) {
    int local = 0;
    Result r = CheckSelector(s, cmd, args, &local, &cache);
    if (r == kOk) return kOk;
    if (r > relevant || (r == relevant && local > last)) {
      relevant = r;
      last = local;
    }
  }
  *pos = last;
  return relevant;
}

bool FullKeyAccess(const User& u, const CommandId& cmd, std::span<const std::string_view> args,
                   uint32_t key_flags) {
  int need = NeedOf(key_flags);
  KeyCache cache;
  for (const Selector& s : u.selectors) {
    int pos = 0;
    if (CheckSelector(s, cmd, args, &pos, &cache) != kOk) continue;
    if (s.flags & Selector::kAllKeys) return true;
    for (const KeyPattern& p : s.patterns)
      if ((p.flags & need) == need && p.pattern == "*") return true;
  }
  return false;
}

bool ChannelAllowed(const User& u, std::string_view ch, bool is_pattern) {
  for (const Selector& s : u.selectors) {
    if (s.flags & Selector::kAllChannels) return true;
    if (ChannelInList(s.channels, ch, is_pattern)) return true;
  }
  return false;
}

const char* CheckErrorMessage(Result r) {
  switch (r) {
    case kDeniedCmd:
      return "can't run this command or subcommand";
    case kDeniedKey:
      return "can't access at least one of the keys mentioned in the command arguments";
    case kDeniedChannel:
      return "can't publish to the channel mentioned in the command";
    default:
      return "lacking the permissions for the command";
  }
}

std::string DenialObject(Result r, const CommandId& cmd, std::span<const std::string_view> args,
                         int pos) {
  if (r == kDeniedCmd) return cmd.name;
  if ((r == kDeniedKey || r == kDeniedChannel) && pos >= 0 &&
      static_cast<size_t>(pos) < args.size())
    return std::string(args[pos]);
  return "";
}

std::string NoPermError(Result r, const CommandId& cmd) {
  switch (r) {
    case kDeniedCmd:
      return "NOPERM this user has no permissions to run the '" + cmd.name + "' command";
    case kDeniedKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case kDeniedChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return "NOPERM no permission";
  }
}

// --- the user table ---

uint64_t Version() { return g_version.load(std::memory_order_relaxed); }

UserPtr Get(std::string_view name) {
  std::lock_guard lk(T().mu);
  auto it = T().users.find(name);
  return it == T().users.end() ? nullptr : it->second;
}

UserPtr Default() { return Get("default"); }

bool AuthRequired() { return g_auth_required.load(std::memory_order_relaxed); }

UserPtr Authenticate(std::string_view name, std::string_view pass) {
  UserPtr u = Get(name);
  if (u == nullptr || !u->enabled()) return nullptr;
  if (u->nopass()) return u;
  std::string hashed = HashPassword(pass);
  for (const std::string& p : u->passwords) {
    // Time-independent comparison (both are 64 hex digits).
    int diff = 0;
    for (size_t j = 0; j < hashed.size() && j < p.size(); ++j) diff |= hashed[j] ^ p[j];
    if (diff == 0 && p.size() == hashed.size()) return u;
  }
  return nullptr;
}

std::string SetUser(std::string_view name, std::span<const std::string_view> rules, UserPtr* old,
                    UserPtr* now) {
  std::lock_guard lk(T().mu);
  auto it = T().users.find(name);
  User u = it != T().users.end() ? *it->second : NewUser(name);
  *old = it != T().users.end() ? it->second : nullptr;
  std::string err = ApplyRules(u, rules);
  if (!err.empty()) return err;
  auto snap = std::make_shared<const User>(std::move(u));
  if (it != T().users.end())
    it->second = snap;
  else
    T().users.emplace(std::string(name), snap);
  *now = snap;
  Published();
  return "";
}

bool DelUser(std::string_view name) {
  std::lock_guard lk(T().mu);
  auto it = T().users.find(name);
  if (it == T().users.end()) return false;
  T().users.erase(it);
  Published();
  return true;
}

std::vector<UserPtr> AllUsers() {
  std::lock_guard lk(T().mu);
  std::vector<UserPtr> out;
  for (const auto& [n, u] : T().users) out.push_back(u);
  return out;
}

void SetRequirePass(std::string_view pass) {
  std::lock_guard lk(T().mu);
  T().requirepass = std::string(pass);
  auto it = T().users.find("default");
  User u = *it->second;
  int err;
  ApplyRule(u, "resetpass", &err);
  if (!pass.empty())
    ApplyRule(u, ">" + std::string(pass), &err);
  else
    ApplyRule(u, "nopass", &err);
  Finish(u);
  it->second = std::make_shared<const User>(std::move(u));
  Published();
}

std::string GetRequirePass() {
  std::lock_guard lk(T().mu);
  return T().requirepass;
}

void SetAclFile(std::string path) {
  std::lock_guard lk(T().mu);
  T().aclfile = std::move(path);
}

const std::string& AclFile() { return T().aclfile; }  // immutable after startup

std::string LoadFile() {
  std::lock_guard lk(T().mu);
  const std::string& fname = T().aclfile;
  std::ifstream in(fname, std::ios::binary);
  if (!in) {
    return "Error loading ACLs, opening file '" + fname + "': " + std::strerror(errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::map<std::string, UserPtr, std::less<>> users;
  std::string errors;
  size_t linenum = 0, pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++linenum;
    auto trim = [](std::string_view s, std::string_view chars) {
      while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
      while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
      return s;
    };
    line = trim(line, " \t\r\n");
    if (line.empty()) {
      if (nl == text.size()) break;
      continue;
    }
    std::vector<std::string_view> argv;
    for (size_t from = 0; from <= line.size();) {
      size_t sp = line.find(' ', from);
      if (sp == std::string_view::npos) sp = line.size();
      argv.push_back(line.substr(from, sp - from));
      from = sp + 1;
    }
    std::string where = fname + ":" + std::to_string(linenum);
    if (argv[0] != "user" || argv.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
    } else if (HasSpaces(argv[1])) {
      errors +=
          "'" + where + ": username '" + std::string(argv[1]) + "' contains invalid characters. ";
    } else if (users.count(argv[1])) {
      errors += "WARNING: Duplicate user '" + std::string(argv[1]) + "' found on line " +
                std::to_string(linenum) + ". ";
    } else {
      User u = NewUser(argv[1]);
      std::vector<std::string> merged;
      size_t bad;
      std::span<const std::string_view> rules(argv.data() + 2, argv.size() - 2);
      if (!MergeSelectors(rules, &merged, &bad)) {
        errors += where + ": Unmatched parenthesis in selector definition.";
      } else {
        bool syntax_error = false;
        for (std::string& op : merged) {
          std::string_view t = trim(op, "\t\r\n");
          int err = 0;
          if (!ApplyRule(u, t, &err)) {
            if (err == kENoEnt) {
              errors += where + ": Error in applying operation '" + std::string(t) +
                        "': " + RuleError(err) + ". ";
            } else if (!syntax_error) {
              errors += where + ": " + RuleError(err) + ". ";
              syntax_error = true;
            }
          }
        }
      }
      Finish(u);
      std::string name = u.name;
      users.emplace(std::move(name), std::make_shared<const User>(std::move(u)));
    }
    if (nl == text.size()) break;
  }
  if (!errors.empty())
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  if (users.find("default") == users.end()) users.emplace("default", InitialDefaultUser());
  T().users = std::move(users);
  Published();
  return "";
}

bool SaveFile() {
  std::string text;
  for (const UserPtr& u : AllUsers()) text += "user " + u->name + " " + Describe(*u) + "\n";
  std::lock_guard lk(T().mu);
  const std::string& fname = T().aclfile;
  std::string tmp = fname + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(UnixMs());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    spdlog::warn("Opening temp ACL file for ACL SAVE: {}", std::strerror(errno));
    return false;
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok &= std::fclose(f) == 0;
  if (!ok) {
    spdlog::warn("Writing ACL file for ACL SAVE: {}", std::strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), fname.c_str()) == -1) {
    spdlog::warn("Renaming ACL file for ACL SAVE: {}", std::strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

std::string AddConfigUser(const std::vector<std::string>& args) {
  // args: the user name, then its rules (the directive's name is not included).
  std::lock_guard lk(T().mu);
  for (const auto& cu : T().config_users) {
    if (cu[0] == args[0]) {
      return std::string("Error in user declaration '") + args[0] + "': " + RuleError(kEAlready);
    }
  }
  std::vector<std::string_view> rules(args.begin() + 1, args.end());
  std::vector<std::string> merged;
  size_t bad = 0;
  // Redis reports argv[index] of the directive's arguments ("user" included) for these.
  auto word = [&](size_t j) {
    return j == 0 ? std::string("user") : j - 1 < args.size() ? args[j - 1] : std::string();
  };
  if (!MergeSelectors(rules, &merged, &bad))
    return "Error in user declaration '" + word(bad) + "': " + RuleError(0);
  User fake = NewUser("__fakeuser__");
  for (size_t j = 0; j < merged.size(); ++j) {
    int err = 0;
    if (!ApplyRule(fake, merged[j], &err) && err != kENoEnt)
      return "Error in user declaration '" + word(j) + "': " + RuleError(err);
  }
  std::vector<std::string> copy{args[0]};
  copy.insert(copy.end(), merged.begin(), merged.end());
  T().config_users.push_back(std::move(copy));
  return "";
}

bool LoadAtStartup(std::string* err) {
  std::vector<std::vector<std::string>> config_users;
  std::string aclfile;
  {
    std::lock_guard lk(T().mu);
    config_users = T().config_users;
    aclfile = T().aclfile;
  }
  if (!aclfile.empty() && !config_users.empty()) {
    *err =
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.";
    return false;
  }
  {
    std::lock_guard lk(T().mu);
    for (const auto& cu : config_users) {
      if (HasSpaces(cu[0])) {
        spdlog::warn("Spaces not allowed in ACL usernames");
        *err = "Critical error while loading ACLs. Exiting.";
        return false;
      }
      auto it = T().users.find(cu[0]);
      User u = NewUser(cu[0]);
      int e = 0;
      if (it != T().users.end()) {  // only "default" can exist already
        u = *it->second;
        ApplyRule(u, "reset", &e);
      }
      for (size_t j = 1; j < cu.size(); ++j) {
        if (!ApplyRule(u, cu[j], &e)) {
          spdlog::warn("Error loading ACL rule '{}' for the user named '{}': {}", cu[j], cu[0],
                       RuleError(e));
          *err = "Critical error while loading ACLs. Exiting.";
          return false;
        }
      }
      if (u.flags & User::kDisabled)
        spdlog::info(
            "The user '{}' is disabled (there is no 'on' modifier in the user description). Make "
            "sure this is not a configuration error.",
            cu[0]);
      Finish(u);
      T().users[cu[0]] = std::make_shared<const User>(std::move(u));
    }
    Published();
  }
  if (!aclfile.empty()) {
    std::string errors = LoadFile();
    if (!errors.empty()) {
      *err = "Aborting Redis startup because of ACL errors: " + errors;
      return false;
    }
  }
  return true;
}

// --- ACL LOG ---

namespace {
std::atomic<uint64_t> g_denied[5];
}

uint64_t DeniedCount(Result reason) { return g_denied[reason].load(std::memory_order_relaxed); }

void Log(Result reason, Context context, std::string object, std::string username,
         std::string client_info) {
  g_denied[reason].fetch_add(1, std::memory_order_relaxed);
  LogEntry le;
  le.reason = reason;
  le.context = context;
  le.object = std::move(object);
  le.username = std::move(username);
  le.client_info = std::move(client_info);
  le.ctime_ms = UnixMs();
  std::lock_guard lk(T().mu);
  auto& log = T().log;
  size_t scan = std::min<size_t>(10, log.size());
  for (size_t i = 0; i < scan; ++i) {
    LogEntry& cur = log[i];
    int64_t delta = cur.ctime_ms - le.ctime_ms;
    if (cur.reason == le.reason && cur.context == le.context &&
        (delta < 0 ? -delta : delta) <= 60000 && cur.object == le.object &&
        cur.username == le.username) {
      LogEntry m = std::move(cur);
      log.erase(log.begin() + static_cast<int64_t>(i));
      m.client_info = std::move(le.client_info);
      m.ctime_ms = le.ctime_ms;
      ++m.count;
      log.push_front(std::move(m));
      return;
    }
  }
  log.push_front(std::move(le));
  while (static_cast<int64_t>(log.size()) > log_max_len.load()) log.pop_back();
}

std::vector<LogEntry> LogEntries(size_t count) {
  std::lock_guard lk(T().mu);
  auto& log = T().log;
  count = std::min(count, log.size());
  return {log.begin(), log.begin() + static_cast<int64_t>(count)};
}

void LogReset() {
  std::lock_guard lk(T().mu);
  T().log.clear();
}

}  // namespace shoal::acl
