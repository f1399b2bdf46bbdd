#include "server/command_registry.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>

#include "base/ascii.h"
#include "base/numbers.h"

namespace shoal {

namespace {

CommandId FromRow(const CommandRow& row, uint64_t family_acl) {
  CommandId c;
  c.name = Lower(row.name);
  c.arity = row.arity;
  c.flags = row.flags;
  c.acl = ImplicitAcl(row.flags, row.acl | (row.subcommands.empty() ? family_acl : 0));
  c.mode = row.mode;
  c.handler = row.fn;
  c.getkeys = row.getkeys;
  c.coordinate = row.coordinate;
  c.runs_in_multi = row.runs_in_multi;
  c.runs_scripts = row.runs_scripts;
  // Redis's processCommand lists these by handler: what a RESP2 subscriber may run.
  static constexpr std::string_view kSubscribedMode[] = {
      "ping",       "subscribe",    "ssubscribe", "unsubscribe", "sunsubscribe",
      "psubscribe", "punsubscribe", "quit",       "reset"};
  c.allowed_subscribed = std::find(std::begin(kSubscribedMode), std::end(kSubscribedMode),
                                   c.name) != std::end(kSubscribedMode);
  c.key_specs = FindKeySpecs(c.name);
  for (const KeySpec& s : c.key_specs) c.variable_key_flags |= (s.flags & key_flag::kVariableFlags);
  c.key_flags_fn = FindKeyFlagsFn(std::string_view(c.name).substr(0, c.name.find('|')));
  if (c.name == "publish" || c.name == "spublish") c.channels = CommandId::Channels::kPublish;
  if (c.name == "subscribe" || c.name == "ssubscribe") c.channels = CommandId::Channels::kSubscribe;
  if (c.name == "psubscribe") c.channels = CommandId::Channels::kPatternSubscribe;
  {
    const KeySpec* only = nullptr;
    int n = 0;
    for (const KeySpec& s : c.key_specs) {
      if (s.flags & key_flag::kNotKey) continue;
      only = &s;
      ++n;
    }
    if (n == 1 && c.getkeys == nullptr && c.key_flags_fn == nullptr &&
        !(only->flags & (key_flag::kVariableFlags | key_flag::kIncomplete)) &&
        only->begin.type == KeySpec::Begin::kIndex && only->find.type == KeySpec::Find::kRange &&
        only->find.limit <= 1) {
      c.acl_simple_keys = true;
      c.acl_key_flags = only->flags;
    }
  }
  c.doc = FindCommandDoc(c.name);
  if (c.doc != nullptr) {
    c.summary = c.doc->summary;
    c.since = c.doc->since;
    c.group = c.doc->group;
  }
  // The keys' one description is the specs: first/last/step and movablekeys follow from them.
  c.legacy = LegacyRangeOf(c.key_specs);
  c.channels_only = !c.key_specs.empty();
  for (const KeySpec& s : c.key_specs) c.channels_only &= (s.flags & key_flag::kNotKey) != 0;
  if (c.legacy.movable) c.flags |= cmd_flag::kMovableKeys;
  const int min_argc = c.arity >= 0 ? c.arity : -c.arity;
  if (c.getkeys == nullptr && row.subcommands.empty() && !c.channels_only && c.legacy.first > 0 &&
      c.legacy.last == c.legacy.first && min_argc > c.legacy.first) {
    c.fixed_key = static_cast<uint32_t>(c.legacy.first);
  }
  for (const CommandRow& sub_row : row.subcommands) {
    CommandId sub = FromRow(sub_row, family_acl);
    if (sub.handler == nullptr) {
      sub.handler = c.handler;
      sub.mode = c.mode;
    }
    c.subcommands.push_back(std::move(sub));
  }
  return c;
}

}  // namespace

uint64_t ImplicitAcl(uint32_t flags, uint64_t acl) {
  if (flags & cmd_flag::kWrite) acl |= acl_cat::kWrite;
  if ((flags & cmd_flag::kReadOnly) && !(acl & acl_cat::kScripting)) acl |= acl_cat::kRead;
  if (flags & cmd_flag::kAdmin) acl |= acl_cat::kAdmin | acl_cat::kDangerous;
  if (flags & cmd_flag::kPubSub) acl |= acl_cat::kPubSub;
  if (flags & cmd_flag::kFast) acl |= acl_cat::kFast;
  if (flags & cmd_flag::kBlocking) acl |= acl_cat::kBlocking;
  if (!(acl & acl_cat::kFast)) acl |= acl_cat::kSlow;
  return acl;
}

bool CommandId::has_keys() const {
  if (getkeys != nullptr) return true;
  for (const KeySpec& s : key_specs)
    if (!(s.flags & key_flag::kNotKey)) return true;
  return false;
}

CommandRegistry& CommandRegistry::AddFamily(uint64_t family_acl,
                                            std::initializer_list<CommandRow> rows) {
  for (const CommandRow& row : rows) Add(row, family_acl);
  return *this;
}

CommandRegistry& CommandRegistry::Add(const CommandRow& row, uint64_t family_acl) {
  CommandId c = FromRow(row, family_acl);
  c.index = static_cast<uint32_t>(commands_.size());
  c.acl_id = next_acl_id_++;
  for (CommandId& sub : c.subcommands) sub.acl_id = next_acl_id_++;
  index_.emplace(c.name, c.index);
  commands_.push_back(std::move(c));
  serial_ = NextSerial();  // Find's cached pointers may point into the old array
  return *this;
}

uint64_t CommandRegistry::NextSerial() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

const CommandId* CommandRegistry::Find(std::string_view name) const {
  constexpr size_t kMaxName = 32;
  if (name.size() > kMaxName) return nullptr;
  // Every command of every batch comes through here, and traffic repeats a few commands: the
  // last name this thread resolved, byte for byte as sent, skips the folding and the hash probe.
  struct Last {
    uint64_t serial = 0;
    size_t len = 0;
    char name[kMaxName];
    const CommandId* cid = nullptr;
  };
  static thread_local Last last;
  if (last.serial == serial_ && last.len == name.size() &&
      std::memcmp(last.name, name.data(), name.size()) == 0)
    return last.cid;
  char buf[kMaxName];
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    buf[i] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch;
  }
  auto it = index_.find(absl::string_view(buf, name.size()));
  if (it == index_.end()) return nullptr;
  last.serial = serial_;
  last.len = name.size();
  std::memcpy(last.name, name.data(), name.size());
  last.cid = &commands_[it->second];
  return last.cid;
}

const CommandId* CommandRegistry::FindOriginal(std::string_view name) const {
  std::string lower = Lower(name);
  std::string_view base = lower;
  size_t bar = base.find('|');
  if (bar != std::string_view::npos) base = base.substr(0, bar);
  for (const CommandId& c : commands_) {
    if (c.name != base) continue;
    if (bar == std::string_view::npos) return &c;
    for (const CommandId& sub : c.subcommands)
      if (sub.name == lower) return &sub;
    return nullptr;
  }
  return nullptr;
}

std::string CommandRegistry::Rename(std::string_view from, std::string_view to) {
  auto it = index_.find(Lower(from));
  if (it == index_.end()) return "No such command in rename-command";
  uint32_t idx = it->second;
  index_.erase(it);
  if (!to.empty() && !index_.emplace(Lower(to), idx).second)
    return "Target command name already exists";
  serial_ = NextSerial();
  return "";
}

const CommandId* CommandRegistry::FindByFullName(std::string_view name) const {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Find(name);
  const CommandId* parent = Find(name.substr(0, bar));
  if (parent == nullptr) return nullptr;
  std::string full = Lower(name);
  for (const CommandId& sub : parent->subcommands)
    if (sub.name == full) return &sub;
  return nullptr;
}

const CommandId* CommandRegistry::Lookup(ArgSlice args) const {
  const CommandId* c = Find(args[0]);
  if (c == nullptr || args.size() == 1 || c->subcommands.empty()) return c;
  std::string full = c->name + "|" + Lower(args[1]);
  for (const CommandId& sub : c->subcommands)
    if (sub.name == full) return &sub;
  return nullptr;
}

bool CommandRegistry::KeysWithFlags(const CommandId& c, ArgSlice args, std::vector<KeyRef>* out) {
  out->clear();
  bool has_spec = false;
  for (const KeySpec& s : c.key_specs) has_spec |= !(s.flags & key_flag::kNotKey);
  // Specs first when their flags hold for every invocation; else the command's own function.
  if (has_spec && !c.variable_key_flags && KeysFromSpecs(c.key_specs, c.arity, args, out))
    return !out->empty();
  if (c.key_flags_fn != nullptr) {
    out->clear();
    c.key_flags_fn(args, out);
  }
  return !out->empty();
}

namespace {

// Keys from one command's first/last/step (derived from its key specs) and getkeys function.
bool TableKeyPositions(const CommandId& c, ArgSlice args, std::vector<uint32_t>* out) {
  const LegacyRange& r = c.legacy;
  if (c.channels_only) return true;  // shard channels: named in the specs, but no keys
  if (r.first <= 0) return c.getkeys == nullptr || c.getkeys(args, out);
  int argc = static_cast<int>(args.size());
  int last = r.last >= 0 ? r.last : argc + r.last;
  if (r.first >= argc) return (c.flags & cmd_flag::kNoMandatoryKeys) != 0;
  if (last >= argc) return false;
  int step = r.step > 0 ? r.step : 1;
  // MSET-style commands need whole groups of `step` arguments.
  if (r.last < 0 && ((argc - r.first) % step) != 0) return false;
  for (int i = r.first; i <= last; i += step) out->push_back(static_cast<uint32_t>(i));
  return c.getkeys == nullptr || c.getkeys(args, out);
}

}  // namespace

bool CommandRegistry::KeyPositions(const CommandId& cmd, ArgSlice args,
                                   std::vector<uint32_t>* out) {
  out->clear();
  if (cmd.subcommands.empty() || args.size() < 2) return TableKeyPositions(cmd, args, out);
  // A container's keys are its subcommand's. An unknown subcommand, or one given too few
  // arguments, has none: the handler replies that error under the subcommand's name.
  for (const CommandId& sub : cmd.subcommands) {
    std::string_view tail = std::string_view(sub.name).substr(sub.name.find('|') + 1);
    if (!EqNoCase(args[1], tail)) continue;
    if (!TableKeyPositions(sub, args, out)) out->clear();
    break;
  }
  return true;
}

void NumKeysPositions(ArgSlice args, size_t numkeys_pos, std::vector<uint32_t>* out) {
  if (numkeys_pos >= args.size()) return;
  int64_t n;
  if (!ParseInt64(args[numkeys_pos], &n) || n <= 0) return;
  if (static_cast<uint64_t>(n) > args.size() - numkeys_pos - 1) return;
  for (int64_t i = 1; i <= n; ++i) out->push_back(static_cast<uint32_t>(numkeys_pos + i));
}

std::vector<std::string_view> FlagNames(uint32_t f) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {cmd_flag::kWrite, "write"},
      {cmd_flag::kReadOnly, "readonly"},
      {cmd_flag::kDenyOom, "denyoom"},
      {cmd_flag::kAdmin, "admin"},
      {cmd_flag::kPubSub, "pubsub"},
      {cmd_flag::kNoScript, "noscript"},
      {cmd_flag::kBlocking, "blocking"},
      {cmd_flag::kLoading, "loading"},
      {cmd_flag::kStale, "stale"},
      {cmd_flag::kSkipMonitor, "skip_monitor"},
      {cmd_flag::kSkipSlowlog, "skip_slowlog"},
      {cmd_flag::kFast, "fast"},
      {cmd_flag::kNoAuth, "no_auth"},
      // may_replicate, sentinel and only_sentinel are hidden, as in Redis.
      {cmd_flag::kNoMandatoryKeys, "no_mandatory_keys"},
      {cmd_flag::kNoAsyncLoading, "no_async_loading"},
      {cmd_flag::kNoMulti, "no_multi"},
      {cmd_flag::kMovableKeys, "movablekeys"},
      {cmd_flag::kAllowBusy, "allow_busy"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames)
    if (f & bit) out.push_back(name);
  return out;
}

std::vector<std::string_view> AclNames(uint64_t a) {
  static constexpr std::pair<uint64_t, std::string_view> kNames[] = {
      {acl_cat::kKeyspace, "@keyspace"},
      {acl_cat::kRead, "@read"},
      {acl_cat::kWrite, "@write"},
      {acl_cat::kSet, "@set"},
      {acl_cat::kSortedSet, "@sortedset"},
      {acl_cat::kList, "@list"},
      {acl_cat::kHash, "@hash"},
      {acl_cat::kString, "@string"},
      {acl_cat::kBitmap, "@bitmap"},
      {acl_cat::kHyperLogLog, "@hyperloglog"},
      {acl_cat::kGeo, "@geo"},
      {acl_cat::kStream, "@stream"},
      {acl_cat::kPubSub, "@pubsub"},
      {acl_cat::kAdmin, "@admin"},
      {acl_cat::kFast, "@fast"},
      {acl_cat::kSlow, "@slow"},
      {acl_cat::kBlocking, "@blocking"},
      {acl_cat::kDangerous, "@dangerous"},
      {acl_cat::kConnection, "@connection"},
      {acl_cat::kTransaction, "@transaction"},
      {acl_cat::kScripting, "@scripting"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames)
    if (a & bit) out.push_back(name);
  return out;
}

void RegisterAllCommands(CommandRegistry& r) {
  RegisterConnectionFamily(r);
  RegisterServerFamily(r);
  RegisterGenericFamily(r);
  RegisterStringFamily(r);
  RegisterBitopsFamily(r);
  RegisterListFamily(r);
  RegisterHashFamily(r);
  RegisterSetFamily(r);
  RegisterZSetFamily(r);
  RegisterSortFamily(r);
  RegisterMemoryFamily(r);
  RegisterTransactionFamily(r);
  RegisterScriptingFamily(r);
  RegisterPubsubFamily(r);
  RegisterPersistenceFamily(r);
  RegisterAclFamily(r);
  RegisterGeoFamily(r);
  RegisterHllFamily(r);
  RegisterStreamFamily(r);
  RegisterStreamGroupFamily(r);
}

}  // namespace shoal
