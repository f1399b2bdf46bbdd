// The command table: one CommandId per command (name, signed arity, flags, key positions, ACL
// categories, execution mode, handler). Existence and arity are checked once, centrally, by the
// connection before routing; keys come only from the table (KeyPositions).
//
// Execution modes:
//  kConnection: runs on the connection's thread; touches no shard data (PING, SELECT, CLIENT...).
//  kShard:      single-key (or keyless data) command; the whole handler runs on the owning shard.
//  kMulti:      coordinator runs on the connection's thread and reaches shards through a
//               Transaction; asynchronous: it must call ctx.Done() exactly once.
// Families register in RegisterAllCommands (command_registry.cc); no self-registration.
//
// ACL categories: a row states only its data-type and extra categories (@string, @keyspace,
// @dangerous...); Add derives the implicit ones from the flags as Redis's
// setImplicitACLCategories does (write -> @write, readonly -> @read, admin -> @admin @dangerous,
// pubsub -> @pubsub, fast -> @fast else @slow, blocking -> @blocking). Key specs and docs come
// from server/command_meta.h, attached by Add too.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_meta.h"

namespace shoal {

class CommandContext;
using ArgSlice = std::span<const std::string_view>;  // args[0] is the command name

namespace cmd_flag {
enum : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kDenyOom = 1 << 2,
  kAdmin = 1 << 3,
  kPubSub = 1 << 4,
  kNoScript = 1 << 5,
  kBlocking = 1 << 6,
  kLoading = 1 << 7,
  kStale = 1 << 8,
  kSkipMonitor = 1 << 9,
  kSkipSlowlog = 1 << 10,
  kFast = 1 << 11,
  kNoAuth = 1 << 12,
  kMayReplicate = 1 << 13,
  kSentinel = 1 << 14,
  kOnlySentinel = 1 << 15,
  kNoMandatoryKeys = 1 << 16,
  kAllowBusy = 1 << 17,
  kNoAsyncLoading = 1 << 18,
  kNoMulti = 1 << 19,
  kMovableKeys = 1 << 20,  // set by CommandRegistry::Add from the key specs
};
}  // namespace cmd_flag

namespace acl_cat {
enum : uint64_t {
  kKeyspace = 1 << 0,
  kRead = 1 << 1,
  kWrite = 1 << 2,
  kSet = 1 << 3,
  kSortedSet = 1 << 4,
  kList = 1 << 5,
  kHash = 1 << 6,
  kString = 1 << 7,
  kBitmap = 1 << 8,
  kHyperLogLog = 1 << 9,
  kGeo = 1 << 10,
  kStream = 1 << 11,
  kPubSub = 1 << 12,
  kAdmin = 1 << 13,
  kFast = 1 << 14,
  kSlow = 1 << 15,
  kBlocking = 1 << 16,
  kDangerous = 1 << 17,
  kConnection = 1 << 18,
  kTransaction = 1 << 19,
  kScripting = 1 << 20,
};
}  // namespace acl_cat

enum class CmdMode : uint8_t { kConnection, kShard, kMulti };

using CmdHandler = void (*)(ArgSlice args, CommandContext& ctx);
// Keys of commands whose key positions depend on the arguments (numkeys, SORT ... STORE): appends
// the positions to `out` (first/last/step keys are added before). Returns false when the arguments
// cannot hold the keys (answered as an arity error); a bad numkeys the command reports itself
// should return true with the keys it can find.
using GetKeysFn = bool (*)(ArgSlice args, std::vector<uint32_t>* out);
// kMulti commands that read keys their key positions do not name (SORT's BY/GET patterns): true
// when this invocation must run on the coordinator (a Transaction over the shards it reads) even
// though its keys share one shard. Called by the router on the connection's thread.
using CoordinateFn = bool (*)(ArgSlice args);

struct CommandId {
  std::string name;  // lower case
  int arity = 0;     // -N: at least N
  uint32_t flags = 0;
  int first_key = 0;  // 0: no keys
  int last_key = 0;   // negative: counted from the end (-1 = last argument)
  int step = 0;
  uint64_t acl = 0;
  CmdMode mode = CmdMode::kConnection;
  CmdHandler handler = nullptr;
  const char* group = "generic";  // COMMAND DOCS
  const char* summary = "";
  const char* since = "1.0.0";
  GetKeysFn getkeys = nullptr;         // extra keys beyond first/last/step (Redis's getkeys_proc)
  CoordinateFn coordinate = nullptr;   // kMulti: see CoordinateFn
  std::vector<CommandId> subcommands;  // COMMAND INFO/DOCS only; dispatch is in the handler
  uint32_t index = 0;                  // dense id for per-command stats
  // Runs at once inside MULTI instead of being queued (MULTI EXEC DISCARD WATCH QUIT RESET).
  bool runs_in_multi = false;
  // Filled by CommandRegistry::Add (also for subcommands):
  std::span<const KeySpec> key_specs;  // empty: no keys
  const CommandDoc* doc = nullptr;     // complexity, history, tips, arguments
  LegacyRange legacy;                  // first/last/step as COMMAND INFO prints them

  bool has_keys() const;  // Redis's doesCommandHaveKeys
};

class CommandRegistry {
 public:
  // Adds a command; `c.index`, the implicit ACL categories, key specs and docs are set here.
  CommandRegistry& Add(CommandId c);
  const CommandId* Find(std::string_view name) const;  // case-insensitive
  // "name" or "container|sub" (COMMAND INFO/DOCS), case-insensitive.
  const CommandId* FindByFullName(std::string_view name) const;
  // The command an invocation runs: the subcommand of a container when args has one
  // (Redis's lookupCommand); nullptr when unknown.
  const CommandId* Lookup(ArgSlice args) const;
  const std::vector<CommandId>& all() const { return commands_; }
  size_t size() const { return commands_.size(); }

  // Argument positions of the keys of this invocation, from the table alone. False when the
  // arguments cannot hold the declared keys (the caller answers the arity error).
  static bool KeyPositions(const CommandId& c, ArgSlice args, std::vector<uint32_t>* out);

  // Keys and their access flags as COMMAND GETKEYS(ANDFLAGS) report them (Redis's
  // getKeysFromCommandWithSpecs): from the key specs, or for commands whose specs are incomplete
  // or have variable flags, from their key-flags function. False when no keys can be found.
  static bool KeysWithFlags(const CommandId& c, ArgSlice args, std::vector<KeyRef>* out);

 private:
  std::vector<CommandId> commands_;
  std::vector<std::pair<std::string, uint32_t>> index_;  // sorted by name
};

// Builds one table entry; family files call it from their RegisterXFamily.
CommandId MakeCommand(const char* group, const char* name, int arity, uint32_t flags, int first_key,
                      int last_key, int step, uint64_t acl, CmdMode mode, CmdHandler handler,
                      const char* summary, const char* since);

// For getkeys functions: the `numkeys` keys that follow args[numkeys_pos]. A numkeys that is not
// a positive integer or exceeds the remaining arguments adds nothing (the command replies its own
// error).
void NumKeysPositions(ArgSlice args, size_t numkeys_pos, std::vector<uint32_t>* out);

// Builds the whole table (called once at startup).
void RegisterAllCommands(CommandRegistry& registry);

// Families, one file each under server/commands/.
void RegisterConnectionFamily(CommandRegistry& r);
void RegisterServerFamily(CommandRegistry& r);
void RegisterGenericFamily(CommandRegistry& r);
void RegisterStringFamily(CommandRegistry& r);
void RegisterBitopsFamily(CommandRegistry& r);
void RegisterListFamily(CommandRegistry& r);
void RegisterHashFamily(CommandRegistry& r);
void RegisterSetFamily(CommandRegistry& r);
void RegisterZSetFamily(CommandRegistry& r);
void RegisterSortFamily(CommandRegistry& r);  // SORT, SORT_RO
void RegisterMemoryFamily(CommandRegistry& r);
void RegisterTransactionFamily(CommandRegistry& r);  // MULTI EXEC DISCARD WATCH UNWATCH

// The implicit ACL categories of these flags (see the top of this file).
uint64_t ImplicitAcl(uint32_t flags, uint64_t acl);

// Flag/ACL names as COMMAND INFO prints them.
std::vector<std::string_view> FlagNames(uint32_t flags);
std::vector<std::string_view> AclNames(uint64_t acl);

}  // namespace shoal
