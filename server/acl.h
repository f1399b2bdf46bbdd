// Access control: users, their rules and the permission checks (Redis 7.0's acl.c semantics, our
// own code). Rule strings, error texts, ACL LIST / GETUSER output, the ACL file format and the ACL
// LOG are Redis's byte for byte.
//
// Shape:
//  - A User is an immutable snapshot: ACL SETUSER builds a new one from a copy and publishes it.
//    The user table (name -> snapshot), the ACL LOG and the ACL file are behind one mutex, taken
//    only by ACL commands, AUTH, and a connection that sees the table changed.
//  - A connection holds a shared_ptr to its user's snapshot and the table version it read it at.
//    Per command it compares that version with Version() (one relaxed load); only when the table
//    changed does it take the mutex to fetch its user's new snapshot. Users with every command,
//    key and channel (the default user as shipped) are `unrestricted`: no check runs for them.
//  - Command permissions are a bitmap over CommandId::acl_id (commands and subcommands), as
//    Redis's allowed_commands; key and channel checks use the key specs' flags (KeysWithFlags).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_registry.h"

namespace shoal {

namespace acl {

// Redis's ACL_* results (their order matters: a later selector's error wins when larger).
enum Result : int { kOk = 0, kDeniedCmd = 1, kDeniedKey = 2, kDeniedAuth = 3, kDeniedChannel = 4 };
// Where a denial happened (ACL LOG "context").
enum Context : int { kToplevel = 0, kLua = 1, kMulti = 2 };

// Key pattern permissions (%R~ %W~ %RW~, ~ = both).
enum : int { kRead = 1, kWrite = 2, kAll = 3 };

struct KeyPattern {
  std::string pattern;
  int flags = kAll;
  // How `pattern` matches, decided when the rule is applied: most patterns are "*", a prefix
  // ("app:*") or a literal, which need no glob matcher.
  enum Match : uint8_t { kGlob, kAny, kPrefix, kExact };
  Match match = kGlob;
  bool operator==(const KeyPattern& o) const = default;
  bool Matches(std::string_view key) const {
    switch (match) {
      case kAny:
        return !key.empty();  // Redis's stringmatchlen: "*" does not match ""
      case kExact:
        return key == pattern;
      case kPrefix: {
        size_t n = pattern.size() - 1;
        if (key.size() < n) return false;
        for (size_t i = 0; i < n; ++i)  // prefixes are short: no memcmp call
          if (key[i] != pattern[i]) return false;
        return true;
      }
      default:
        return GlobMatches(key);
    }
  }
  bool GlobMatches(std::string_view key) const;
};

struct Selector {
  enum : uint32_t { kRoot = 1, kAllKeys = 2, kAllChannels = 4, kAllCommands = 8 };
  uint32_t flags = 0;
  // +@all / allcommands given (and no -@all after): ACL LIST starts from "+@all" (Redis's
  // reserved "future commands" bit).
  bool future = false;
  std::vector<uint64_t> allowed;  // bit per CommandId::acl_id
  // Allowed first arguments of otherwise denied commands (+select|0): acl_id -> args.
  std::vector<std::pair<uint32_t, std::vector<std::string>>> firstargs;
  std::vector<KeyPattern> patterns;
  std::vector<std::string> channels;

  bool Allowed(uint32_t id) const { return (allowed[id >> 6] >> (id & 63)) & 1; }
  bool operator==(const Selector& o) const = default;
};

// Inline pieces of the checks (Connection::Route's fast path).
inline int NeedOf(uint32_t spec_flags) {
  int need = 0;
  if (spec_flags & key_flag::kAccess) need |= kRead;
  if (spec_flags & (key_flag::kInsert | key_flag::kDelete | key_flag::kUpdate)) need |= kWrite;
  return need;
}
inline bool KeyAllowed(const Selector& s, std::string_view key, int need) {
  for (const KeyPattern& p : s.patterns)
    if ((p.flags & need) == need && p.Matches(key)) return true;
  return false;
}

// A command with acl_simple_keys: the first key argument `s` does not allow, or -1.
inline int FirstDeniedSimpleKey(const Selector& s, const CommandId& cmd,
                                std::span<const std::string_view> args) {
  const LegacyRange& r = cmd.legacy;
  int argc = static_cast<int>(args.size());
  int last = r.last >= 0 ? r.last : argc + r.last;
  int step = r.step > 0 ? r.step : 1;
  int need = NeedOf(cmd.acl_key_flags);
  for (int p = r.first; p <= last && p < argc; p += step)
    if (!KeyAllowed(s, args[p], need)) return p;
  return -1;
}

struct User {
  enum : uint32_t {
    kEnabled = 1,
    kDisabled = 2,
    kNoPass = 4,
    kSkipSanitize = 8,
    kSanitize = 16,
  };
  std::string name;
  uint32_t flags = kDisabled;
  std::vector<std::string> passwords;  // SHA-256, lower-case hex
  std::vector<Selector> selectors;     // [0] is the root selector
  // Every command, key and channel in one selector: the checks can be skipped.
  bool unrestricted = false;
  // One selector and no first-argument rules: FastAllows can decide the common cases.
  bool single = false;

  // True when the command is certainly allowed, checked inline for the usual shape (allowed by
  // the bitmap, keys that are a plain range, no channels); false means "run Check", which decides
  // and may still allow.
  bool FastAllows(const CommandId& cmd, std::span<const std::string_view> args) const {
    if (!single) return false;
    const Selector& s = selectors[0];
    if (!(s.flags & Selector::kAllCommands) && !(cmd.flags & cmd_flag::kNoAuth) &&
        !s.Allowed(cmd.acl_id))
      return false;
    if (!(s.flags & Selector::kAllChannels) && cmd.channels != CommandId::Channels::kNone)
      return false;
    if (s.flags & Selector::kAllKeys) return true;
    if (!cmd.acl_simple_keys) {
      // SET, BITFIELD, SORT: their key-flags function says how each key is used.
      if (!cmd.variable_key_flags || cmd.key_flags_fn == nullptr) return !cmd.has_keys();
      thread_local std::vector<KeyRef> refs;
      refs.clear();
      cmd.key_flags_fn(args, &refs);
      for (const KeyRef& k : refs)
        if (!KeyAllowed(s, args[k.pos], NeedOf(k.flags))) return false;
      return true;
    }
    return FirstDeniedSimpleKey(s, cmd, args) < 0;
  }

  bool enabled() const { return flags & kEnabled; }
  bool nopass() const { return flags & kNoPass; }
};
using UserPtr = std::shared_ptr<const User>;

// --- rules (pure: no global state but the command table and acl-pubsub-default) ---

// A new user as ACL SETUSER creates it (off, no passwords, no commands, channels per
// acl-pubsub-default).
User NewUser(std::string_view name);
// Applies one rule (Redis's ACLSetUser); false and an errno-like code on error.
bool ApplyRule(User& u, std::string_view op, int* err);
// Redis's ACLSetUserStringError for that code.
const char* RuleError(int err);
// Applies rules as ACL SETUSER does (selectors split over several arguments are merged first);
// "" on success, else Redis's error text (without "ERR ").
std::string ApplyRules(User& u, std::span<const std::string_view> rules);
// Recomputes User::unrestricted after changes.
void Finish(User& u);

// ACL LIST's text of a user (after "user <name> ").
std::string Describe(const User& u);
// GETUSER's parts of one selector.
std::string DescribeCommands(const Selector& s);
std::string DescribeKeys(const Selector& s);
std::string DescribeChannels(const Selector& s);
// Flag names in Redis's order (GETUSER "flags").
std::vector<std::string_view> FlagNames(const User& u);

// ACL CAT: the category names in Redis's order, and a name's acl_cat flag (0: unknown).
std::vector<std::string_view> CategoryNames();
uint64_t CategoryFlag(std::string_view name);

// SHA-256 of a password, lower-case hex (Redis's ACLHashPassword).
std::string HashPassword(std::string_view pass);

// --- checks ---

// Whether `u` may run `cmd` (a container's subcommand when there is one) with `args`; on a key or
// channel denial *pos is the argument index (Redis's ACLCheckAllUserCommandPerm).
Result Check(const User& u, const CommandId& cmd, std::span<const std::string_view> args, int* pos);
// Whether some selector of `u` allows `cmd` and grants `key_flags` (key_flag::kAccess...) on
// every key (Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess: SORT's BY and GET).
bool FullKeyAccess(const User& u, const CommandId& cmd, std::span<const std::string_view> args,
                   uint32_t key_flags);
// Whether `u` may access channel `ch` (is_pattern: PSUBSCRIBE's literal match).
bool ChannelAllowed(const User& u, std::string_view ch, bool is_pattern);
// Redis's getAclErrorMessage (the script error's tail).
const char* CheckErrorMessage(Result r);

// --- the user table ---

// Bumped by every change to the user table.
uint64_t Version();
// The user's current snapshot, or null when it does not exist.
UserPtr Get(std::string_view name);
UserPtr Default();
// Whether new connections must authenticate (the default user has a password or is off).
bool AuthRequired();
// Authenticates: the user's snapshot when the pair is valid (kOk), else null.
UserPtr Authenticate(std::string_view name, std::string_view pass);

// ACL SETUSER: "" or the error text. Applies atomically (all rules or none). `old`/`now` receive
// the previous snapshot (null when new) and the new one (for killing subscribers).
std::string SetUser(std::string_view name, std::span<const std::string_view> rules, UserPtr* old,
                    UserPtr* now);
// ACL DELUSER of one name: true when it existed.
bool DelUser(std::string_view name);
// Snapshots of every user, by name (ACL LIST / USERS order).
std::vector<UserPtr> AllUsers();
// requirepass: the default user gets this password (empty: nopass), as Redis's
// ACLUpdateDefaultUserPassword.
void SetRequirePass(std::string_view pass);
std::string GetRequirePass();

// The ACL file: aclfile's path ("" none), ACL LOAD ("" or the errors) and ACL SAVE.
void SetAclFile(std::string path);
const std::string& AclFile();
std::string LoadFile();
bool SaveFile();
// `user` lines of the config file, validated when read (Redis's ACLAppendUserForLoading); ""
// or the error. Applied by LoadAtStartup.
std::string AddConfigUser(const std::vector<std::string>& args);
// Loads the config's users or the ACL file (Redis's ACLLoadUsersAtStartup); false with the log
// line to print before exiting.
bool LoadAtStartup(std::string* err);
// acl-pubsub-default as its enum index: 0 allchannels (new users get every channel), 1
// resetchannels (the default).
extern std::atomic<int64_t> pubsub_default;

// --- ACL LOG ---
struct LogEntry {
  uint64_t count = 1;
  Result reason = kDeniedCmd;
  Context context = kToplevel;
  std::string object, username, client_info;
  int64_t ctime_ms = 0;
};
void Log(Result reason, Context context, std::string object, std::string username,
         std::string client_info);
std::vector<LogEntry> LogEntries(size_t count);
void LogReset();
extern std::atomic<int64_t> log_max_len;  // acllog-max-len
// Denials by reason since start (INFO stats acl_access_denied_*, as Redis 7.2 names them).
uint64_t DeniedCount(Result reason);

// The ACL LOG object of a denial: the command's full name, or the argument at `pos`.
std::string DenialObject(Result r, const CommandId& cmd, std::span<const std::string_view> args,
                         int pos);
// The -NOPERM reply of a denial at the top level (Redis's processCommand).
std::string NoPermError(Result r, const CommandId& cmd);

}  // namespace acl
}  // namespace shoal
