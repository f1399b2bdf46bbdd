#include "server/config.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>

#include "absl/container/flat_hash_set.h"
#include "base/ascii.h"
#include "base/numbers.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/listener.h"
#include "server/persistence.h"
#include "server/scripting/interpreter.h"
#include "server/server_state.h"
#include "server/tls.h"
#include "shard/evict.h"
#include "shard/glob.h"
#include "shard/notify.h"
#include "shard/settings.h"

namespace shoal {

namespace {

// kEvents: notify-keyspace-events, an int of flags written as Redis's class characters.
enum class Kind {
  kInt,
  kMemory,
  kEnum,
  kBool,
  kBindList,
  kString,
  kObufLimits,
  kEvents,
  kCustom,  // stored and checked elsewhere (Param::custom)
  kOctal,   // an int written in octal (unixsocketperm)
};

// A parameter whose value lives with its feature (server/persistence.h: save, dir, dbfilename):
// read, checked and applied through these. `multi_arg`: config-file arguments are joined with
// spaces (save 900 1).
struct CustomParam {
  std::string (*get)();
  std::string (*check)(std::string_view value);  // "" or the reason
  void (*apply)(std::string_view value, bool startup);
  bool multi_arg = false;
};

std::string GetAclFile() { return acl::AclFile(); }
std::string NoCheck(std::string_view) { return ""; }
void ApplyAclFile(std::string_view v, bool) { acl::SetAclFile(std::string(v)); }
void ApplyRequirePass(std::string_view v, bool) { acl::SetRequirePass(v); }
const CustomParam kAclFileParam{GetAclFile, NoCheck, ApplyAclFile};
const CustomParam kRequirePassParam{acl::GetRequirePass, NoCheck, ApplyRequirePass};

const CustomParam kSaveParam{persistence::GetSave, persistence::CheckSave, persistence::ApplySave,
                             true};
const CustomParam kDirParam{persistence::GetDir, persistence::CheckDir, persistence::ApplyDir};
const CustomParam kDbFilenameParam{persistence::GetDbFilename, persistence::CheckDbFilename,
                                   persistence::ApplyDbFilename};
const CustomParam kAppendFilenameParam{aof::GetAppendFilename, aof::CheckAppendFilename,
                                       aof::ApplyAppendFilename};
const CustomParam kAppendDirnameParam{aof::GetAppendDirname, aof::CheckAppendDirname,
                                      aof::ApplyAppendDirname};

// Where an integer parameter is stored: a Config member (read by the server layer only) or one of
// the ShardSettings atomics (read by the shards; shard/settings.h is their one home).
class IntRef {
 public:
  IntRef(std::nullptr_t) {}
  IntRef(std::atomic<int64_t> Config::*member) : member_(member) {}
  IntRef(std::atomic<int64_t>* shared) : shared_(shared) {}
  std::atomic<int64_t>& Of(Config& c) const { return shared_ != nullptr ? *shared_ : c.*member_; }
  const std::atomic<int64_t>& Of(const Config& c) const {
    return shared_ != nullptr ? *shared_ : c.*member_;
  }
  bool Is(const std::atomic<int64_t>* shared) const { return shared_ == shared; }

 private:
  std::atomic<int64_t> Config::*member_ = nullptr;
  std::atomic<int64_t>* shared_ = nullptr;
};

struct Param {
  const char* name;
  Kind kind;
  bool mutable_;
  int64_t min, max;
  std::vector<const char*> enum_names;
  IntRef ival;
  std::string Config::*sval;
  // Values that parse but that Shoal cannot honour yet (the feature belongs to a later issue):
  // returns the reason, or nullptr when the value is fine.
  const char* (*unsupported)(int64_t v, std::string_view s) = nullptr;
  const CustomParam* custom = nullptr;
  // Redis's PROTECTED_CONFIG: CONFIG SET only with enable-protected-configs yes (or local, from a
  // loopback client).
  bool protected_ = false;
  // Redis's apply function: runs once per CONFIG SET call that changed a parameter sharing it,
  // after every value is stored; on failure (Redis's reason) the call's values are restored.
  const char* (*apply)() = nullptr;
  // Redis's VOLATILE_CONFIG (a file path whose file may change): setting the value it has still
  // counts as a change, so the apply hook runs (CONFIG SET tls-cert-file <same path> reloads).
  bool volatile_ = false;
};

// Mutable string parameters (Kind::kString rows whose mutable_ is set, and bind) are read and
// written under this lock; the immutable ones are written only before the threads start.
std::mutex g_string_mu;
constexpr size_t kMaxBindAddrs = 16;  // CONFIG_BINDADDR_MAX

// CONFIG SET bind's value: sdssplitlen(value, " "), empty parts dropped; "" is no address.
std::vector<std::string> SplitBind(std::string_view v) {
  std::vector<std::string> out;
  for (size_t from = 0; from <= v.size();) {
    size_t sp = v.find(' ', from);
    if (sp == std::string_view::npos) sp = v.size();
    if (sp > from) out.emplace_back(v.substr(from, sp - from));
    from = sp + 1;
  }
  return out;
}

// A tls-* row (Redis's applyTlsCfg rebuilds the context when one changes).
Param TlsString(const char* name) {
  static const std::pair<const char*, std::string Config::*> kFields[] = {
      {"tls-cert-file", &Config::tls_cert_file},
      {"tls-key-file", &Config::tls_key_file},
      {"tls-key-file-pass", &Config::tls_key_file_pass},
      {"tls-client-cert-file", &Config::tls_client_cert_file},
      {"tls-client-key-file", &Config::tls_client_key_file},
      {"tls-client-key-file-pass", &Config::tls_client_key_file_pass},
      {"tls-dh-params-file", &Config::tls_dh_params_file},
      {"tls-ca-cert-file", &Config::tls_ca_cert_file},
      {"tls-ca-cert-dir", &Config::tls_ca_cert_dir},
      {"tls-protocols", &Config::tls_protocols},
      {"tls-ciphers", &Config::tls_ciphers},
      {"tls-ciphersuites", &Config::tls_ciphersuites},
  };
  std::string Config::*field = nullptr;
  for (const auto& [n, f] : kFields)
    if (std::string_view(n) == name) field = f;
  Param p{name, Kind::kString, true, 0, 0, {}, nullptr, field};
  p.apply = &tls::ApplyConfig;
  std::string_view n = name;
  p.volatile_ = n.ends_with("-file") || n == "tls-ca-cert-dir";
  return p;
}

Param TlsInt(const char* name, Kind kind, std::atomic<int64_t> Config::*member, int64_t min,
             int64_t max) {
  Param p{name, kind, true, min, max, {}, member, nullptr};
  p.apply = &tls::ApplyConfig;
  return p;
}

const char* NoTimestamps(int64_t v, std::string_view) {
  return v == 0 ? nullptr : "aof-timestamp-enabled yes is not supported";
}

const std::vector<Param>& Params() {
  static const std::vector<Param> kParams = {
      {"port",
       Kind::kInt,
       true,
       0,
       65535,
       {},
       &Config::port,
       nullptr,
       nullptr,
       nullptr,
       false,
       &Listener::ApplyPort},
      {"databases", Kind::kInt, false, 1, INT_MAX, {}, &Config::databases, nullptr},
      {"shards", Kind::kInt, false, 0, 1024, {}, &Config::shards, nullptr},
      {"hz", Kind::kInt, true, 0, INT_MAX, {}, &ShardSettings::hz, nullptr},
      {"proto-max-bulk-len",
       Kind::kMemory,
       true,
       1024 * 1024,
       LLONG_MAX,
       {},
       &Config::proto_max_bulk_len,
       nullptr},
      {"client-query-buffer-limit",
       Kind::kMemory,
       true,
       1024 * 1024,
       LONG_MAX,
       {},
       &Config::client_query_buffer_limit,
       nullptr},
      {"loglevel",
       Kind::kEnum,
       true,
       0,
       3,
       {"debug", "verbose", "notice", "warning"},
       &Config::loglevel,
       nullptr},
      {"tcp-backlog", Kind::kInt, false, 0, INT_MAX, {}, &Config::tcp_backlog, nullptr},
      {"tcp-keepalive", Kind::kInt, true, 0, INT_MAX, {}, &Config::tcp_keepalive, nullptr},
      {"maxclients", Kind::kInt, true, 1, INT_MAX, {}, &Config::maxclients, nullptr},
      {"bind",
       Kind::kBindList,
       true,
       0,
       0,
       {},
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       false,
       &Listener::ApplyBind},
      {"client-output-buffer-limit", Kind::kObufLimits, true, 0, 0, {}, nullptr, nullptr},
      {"logfile", Kind::kString, false, 0, 0, {}, nullptr, &Config::logfile},
      {"timeout", Kind::kInt, true, 0, INT_MAX, {}, &Config::timeout, nullptr},
      {"notify-keyspace-events",
       Kind::kEvents,
       true,
       0,
       0,
       {},
       &ShardSettings::notify_keyspace_events,
       nullptr},
      // busy-reply-threshold and its old name lua-time-limit: one setting, in milliseconds.
      {"busy-reply-threshold",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &scripting::ScriptSettings::busy_reply_threshold_ms,
       nullptr},
      {"lua-time-limit",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &scripting::ScriptSettings::busy_reply_threshold_ms,
       nullptr},
      {"maxmemory", Kind::kMemory, true, 0, LLONG_MAX, {}, &ShardSettings::maxmemory, nullptr},
      {"maxmemory-policy",
       Kind::kEnum,
       true,
       0,
       7,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"},
       &ShardSettings::maxmemory_policy,
       nullptr},
      {"maxmemory-samples",
       Kind::kInt,
       true,
       1,
       INT_MAX,
       {},
       &ShardSettings::maxmemory_samples,
       nullptr},
      {"maxmemory-eviction-tenacity",
       Kind::kInt,
       true,
       0,
       100,
       {},
       &ShardSettings::maxmemory_eviction_tenacity,
       nullptr},
      {"tracking-table-max-keys",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::tracking_table_max_keys,
       nullptr},
      {"lfu-log-factor", Kind::kInt, true, 0, INT_MAX, {}, &ShardSettings::lfu_log_factor, nullptr},
      {"lfu-decay-time", Kind::kInt, true, 0, INT_MAX, {}, &ShardSettings::lfu_decay_time, nullptr},
      {"lazyfree-lazy-eviction",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &ShardSettings::lazyfree_lazy_eviction,
       nullptr},
      {"lazyfree-lazy-expire",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &ShardSettings::lazyfree_lazy_expire,
       nullptr},
      {"lazyfree-lazy-server-del",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &ShardSettings::lazyfree_lazy_server_del,
       nullptr},
      {"lazyfree-lazy-user-del",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &ShardSettings::lazyfree_lazy_user_del,
       nullptr},
      {"lazyfree-lazy-user-flush",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &ShardSettings::lazyfree_lazy_user_flush,
       nullptr},
      {"slab-huge-pages", Kind::kBool, true, 0, 1, {}, &ShardSettings::slab_huge_pages, nullptr},
      {"appendonly", Kind::kBool, true, 0, 1, {}, &Config::appendonly, nullptr},
      {"appendfilename",
       Kind::kCustom,
       false,
       0,
       0,
       {},
       nullptr,
       nullptr,
       nullptr,
       &kAppendFilenameParam},
      {"appenddirname",
       Kind::kCustom,
       false,
       0,
       0,
       {},
       nullptr,
       nullptr,
       nullptr,
       &kAppendDirnameParam},
      {"appendfsync",
       Kind::kEnum,
       true,
       0,
       2,
       {"no", "always", "everysec"},
       &Config::appendfsync,
       nullptr},
      {"no-appendfsync-on-rewrite",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &Config::no_appendfsync_on_rewrite,
       nullptr},
      {"auto-aof-rewrite-percentage",
       Kind::kInt,
       true,
       0,
       INT_MAX,
       {},
       &Config::auto_aof_rewrite_percentage,
       nullptr},
      {"auto-aof-rewrite-min-size",
       Kind::kMemory,
       true,
       0,
       LLONG_MAX,
       {},
       &Config::auto_aof_rewrite_min_size,
       nullptr},
      {"aof-load-truncated", Kind::kBool, true, 0, 1, {}, &Config::aof_load_truncated, nullptr},
      {"aof-use-rdb-preamble", Kind::kBool, true, 0, 1, {}, &Config::aof_use_rdb_preamble, nullptr},
      {"aof-timestamp-enabled",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &Config::aof_timestamp_enabled,
       nullptr,
       NoTimestamps},
      {"aof-rewrite-incremental-fsync",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &Config::aof_rewrite_incremental_fsync,
       nullptr},
      {"aof-disable-auto-gc", Kind::kBool, true, 0, 1, {}, &Config::aof_disable_auto_gc, nullptr},
      {"save", Kind::kCustom, true, 0, 0, {}, nullptr, nullptr, nullptr, &kSaveParam},
      {"requirepass", Kind::kCustom, true, 0, 0, {}, nullptr, nullptr, nullptr, &kRequirePassParam},
      {"aclfile", Kind::kCustom, false, 0, 0, {}, nullptr, nullptr, nullptr, &kAclFileParam},
      {"acllog-max-len", Kind::kInt, true, 0, LONG_MAX, {}, &acl::log_max_len, nullptr},
      {"acl-pubsub-default",
       Kind::kEnum,
       true,
       0,
       1,
       {"allchannels", "resetchannels"},
       &acl::pubsub_default,
       nullptr},
      {"dir", Kind::kCustom, true, 0, 0, {}, nullptr, nullptr, nullptr, &kDirParam, true},
      {"dbfilename",
       Kind::kCustom,
       true,
       0,
       0,
       {},
       nullptr,
       nullptr,
       nullptr,
       &kDbFilenameParam,
       true},
      {"enable-protected-configs",
       Kind::kEnum,
       false,
       0,
       2,
       {"no", "yes", "local"},
       &Config::enable_protected_configs,
       nullptr},
      {"rdbcompression", Kind::kBool, true, 0, 1, {}, &Config::rdbcompression, nullptr},
      {"rdbchecksum", Kind::kBool, false, 0, 1, {}, &Config::rdbchecksum, nullptr},
      {"rdb-save-incremental-fsync",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &Config::rdb_save_incremental_fsync,
       nullptr},
      {"key-load-delay", Kind::kInt, true, INT_MIN, INT_MAX, {}, &Config::key_load_delay, nullptr},
      {"stop-writes-on-bgsave-error",
       Kind::kBool,
       true,
       0,
       1,
       {},
       &Config::stop_writes_on_bgsave_error,
       nullptr},
      {"rdb-key-save-delay",
       Kind::kInt,
       true,
       INT_MIN,
       INT_MAX,
       {},
       &Config::rdb_key_save_delay,
       nullptr},
      {"sanitize-dump-payload",
       Kind::kEnum,
       true,
       0,
       2,
       {"no", "yes", "clients"},
       &Config::sanitize_dump_payload,
       nullptr},
      // Collection encodings; the *-ziplist-* rows are Redis's aliases of the same settings.
      {"hash-max-listpack-entries",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::hash_max_listpack_entries,
       nullptr},
      {"hash-max-ziplist-entries",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::hash_max_listpack_entries,
       nullptr},
      {"hash-max-listpack-value",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::hash_max_listpack_value,
       nullptr},
      {"hash-max-ziplist-value",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::hash_max_listpack_value,
       nullptr},
      {"set-max-intset-entries",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::set_max_intset_entries,
       nullptr},
      {"zset-max-listpack-entries",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::zset_max_listpack_entries,
       nullptr},
      {"zset-max-ziplist-entries",
       Kind::kInt,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::zset_max_listpack_entries,
       nullptr},
      {"zset-max-listpack-value",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::zset_max_listpack_value,
       nullptr},
      {"zset-max-ziplist-value",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::zset_max_listpack_value,
       nullptr},
      {"list-max-listpack-size",
       Kind::kInt,
       true,
       INT_MIN,
       INT_MAX,
       {},
       &ShardSettings::list_max_listpack_size,
       nullptr},
      {"list-max-ziplist-size",
       Kind::kInt,
       true,
       INT_MIN,
       INT_MAX,
       {},
       &ShardSettings::list_max_listpack_size,
       nullptr},
      {"list-compress-depth",
       Kind::kInt,
       true,
       0,
       INT_MAX,
       {},
       &Config::list_compress_depth,
       nullptr},
      // Transport (server/listener.h, server/tls.h). port, tls-port and bind re-bind on CONFIG
      // SET (Listener's apply hooks), as Redis 7.0's.
      {"protected-mode", Kind::kBool, true, 0, 1, {}, &Config::protected_mode, nullptr},
      {"unixsocket", Kind::kString, false, 0, 0, {}, nullptr, &Config::unixsocket},
      {"unixsocketperm", Kind::kOctal, false, 0, 0777, {}, &Config::unixsocketperm, nullptr},
      {"bind-source-addr", Kind::kString, true, 0, 0, {}, nullptr, &Config::bind_source_addr},
      {"tls-port",
       Kind::kInt,
       true,
       0,
       65535,
       {},
       &Config::tls_port,
       nullptr,
       nullptr,
       nullptr,
       false,
       &Listener::ApplyTlsPort},
      TlsInt("tls-session-cache-size", Kind::kInt, &Config::tls_session_cache_size, 0, INT_MAX),
      TlsInt("tls-session-cache-timeout", Kind::kInt, &Config::tls_session_cache_timeout, 0,
             INT_MAX),
      TlsInt("tls-cluster", Kind::kBool, &Config::tls_cluster, 0, 1),
      TlsInt("tls-replication", Kind::kBool, &Config::tls_replication, 0, 1),
      {"tls-auth-clients",
       Kind::kEnum,
       true,
       0,
       2,
       {"no", "yes", "optional"},
       &Config::tls_auth_clients,
       nullptr},
      TlsInt("tls-prefer-server-ciphers", Kind::kBool, &Config::tls_prefer_server_ciphers, 0, 1),
      TlsInt("tls-session-caching", Kind::kBool, &Config::tls_session_caching, 0, 1),
      TlsString("tls-cert-file"),
      TlsString("tls-key-file"),
      TlsString("tls-key-file-pass"),
      TlsString("tls-client-cert-file"),
      TlsString("tls-client-key-file"),
      TlsString("tls-client-key-file-pass"),
      TlsString("tls-dh-params-file"),
      TlsString("tls-ca-cert-file"),
      TlsString("tls-ca-cert-dir"),
      TlsString("tls-protocols"),
      TlsString("tls-ciphers"),
      TlsString("tls-ciphersuites"),
      {"hll-sparse-max-bytes",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::hll_sparse_max_bytes,
       nullptr},
      {"stream-node-max-bytes",
       Kind::kMemory,
       true,
       0,
       LONG_MAX,
       {},
       &ShardSettings::stream_node_max_bytes,
       nullptr},
      {"stream-node-max-entries",
       Kind::kInt,
       true,
       0,
       LLONG_MAX,
       {},
       &ShardSettings::stream_node_max_entries,
       nullptr},
  };
  return kParams;
}

const Param* FindParam(std::string_view name) {
  for (const auto& p : Params()) {
    if (EqNoCase(name, p.name)) return &p;
  }
  return nullptr;
}

// Parses `value` for p; returns "" or the reason (Redis's wording).
std::string ParseValue(const Param& p, std::string_view value, int64_t* out) {
  switch (p.kind) {
    case Kind::kInt: {
      int64_t v;
      if (!ParseInt64(value, &v)) return "argument couldn't be parsed into an integer";
      if (v < p.min || v > p.max)
        return "argument must be between " + std::to_string(p.min) + " and " +
               std::to_string(p.max) + " inclusive";
      *out = v;
      return "";
    }
    case Kind::kMemory: {
      int64_t v;
      if (!ParseMemory(value, &v)) return "argument must be a memory value";
      if (v < p.min || v > p.max)
        return "argument must be between " + std::to_string(p.min) + " and " +
               std::to_string(p.max) + " inclusive";
      *out = v;
      return "";
    }
    case Kind::kBool: {
      std::string v = Lower(value);
      if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
      *out = v == "yes";
      return "";
    }
    case Kind::kEnum: {
      for (size_t i = 0; i < p.enum_names.size(); ++i) {
        std::string_view n = p.enum_names[i];
        if (EqNoCase(value, n)) {
          *out = static_cast<int64_t>(i);
          return "";
        }
      }
      std::string msg = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < p.enum_names.size(); ++i) {
        if (i) msg += ", ";
        msg += p.enum_names[i];
      }
      return msg;
    }
    case Kind::kOctal: {
      // strtoll(value, &end, 8), the whole value consumed.
      std::string v(value);
      char* end = nullptr;
      errno = 0;
      long long n = std::strtoll(v.c_str(), &end, 8);
      if (errno != 0 || *end != '\0') return "argument couldn't be parsed as an octal number";
      if (n < p.min || n > p.max)  // the bounds in octal too ("between 0 and 777")
        return fmt::format("argument must be between {:o} and {:o} inclusive", p.min, p.max);
      *out = n;
      return "";
    }
    case Kind::kEvents: {
      int64_t v = notify::FlagsFromString(value);
      if (v < 0) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      *out = v;
      return "";
    }
    default:
      return "";
  }
}

std::string FormatValue(const Config& c, const Param& p) {
  switch (p.kind) {
    case Kind::kInt:
    case Kind::kMemory:
      return std::to_string(p.ival.Of(c).load());
    case Kind::kEnum:
      return p.enum_names[p.ival.Of(c).load()];
    case Kind::kBool:
      return p.ival.Of(c).load() ? "yes" : "no";
    case Kind::kEvents:
      return notify::FlagsToString(p.ival.Of(c).load());
    case Kind::kBindList: {
      std::string s;
      for (const auto& b : c.Bind()) {
        if (!s.empty()) s += ' ';
        s += b;
      }
      return s;
    }
    case Kind::kString:
      return c.String(p.sval);
    case Kind::kOctal:
      return fmt::format("{:o}", p.ival.Of(c).load());
    case Kind::kCustom:
      return p.custom->get();
    case Kind::kObufLimits: {
      static constexpr const char* kNames[] = {"normal", "slave", "pubsub"};
      std::string s;
      for (int k = 0; k < Config::kObufClasses; ++k) {
        if (k) s += ' ';
        s += fmt::format("{} {} {} {}", kNames[k], c.obuf_limits[k].hard.load(),
                         c.obuf_limits[k].soft.load(), c.obuf_limits[k].soft_seconds.load());
      }
      return s;
    }
  }
  return "";
}

// Redis's updateClientOutputBufferLimit: "<class> <hard> <soft> <soft_seconds>"... all or
// nothing. Returns "" or Redis's error; fills vals/set for the classes named.
std::string ParseObufLimits(const std::vector<std::string>& args,
                            int64_t vals[Config::kObufClasses][3], bool set[Config::kObufClasses]) {
  if (args.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  for (size_t j = 0; j < args.size(); j += 4) {
    int cls;
    std::string name = Lower(args[j]);
    if (name == "normal")
      cls = Config::kObufNormal;
    else if (name == "slave" || name == "replica")
      cls = Config::kObufReplica;
    else if (name == "pubsub")
      cls = Config::kObufPubsub;
    else
      return "Invalid client class specified in buffer limit configuration.";
    int64_t hard, soft, secs = 0;
    // strtoll() in Redis: an empty string is 0.
    if (!ParseMemory(args[j + 1], &hard) || !ParseMemory(args[j + 2], &soft) ||
        (!args[j + 3].empty() && !ParseInt64(args[j + 3], &secs)) || secs < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    vals[cls][0] = hard;
    vals[cls][1] = soft;
    vals[cls][2] = secs;
    set[cls] = true;
  }
  return "";
}

void StoreObufLimits(Config& c, int64_t vals[Config::kObufClasses][3],
                     const bool set[Config::kObufClasses]) {
  for (int k = 0; k < Config::kObufClasses; ++k) {
    if (!set[k]) continue;
    c.obuf_limits[k].hard.store(vals[k][0]);
    c.obuf_limits[k].soft.store(vals[k][1]);
    c.obuf_limits[k].soft_seconds.store(vals[k][2]);
  }
}

}  // namespace

Config::Config() {
  // Redis's defaults: normal 0 0 0, slave 256mb 64mb 60, pubsub 32mb 8mb 60.
  obuf_limits[kObufReplica].hard.store(256LL * 1024 * 1024);
  obuf_limits[kObufReplica].soft.store(64LL * 1024 * 1024);
  obuf_limits[kObufReplica].soft_seconds.store(60);
  obuf_limits[kObufPubsub].hard.store(32LL * 1024 * 1024);
  obuf_limits[kObufPubsub].soft.store(8LL * 1024 * 1024);
  obuf_limits[kObufPubsub].soft_seconds.store(60);
}

int64_t CgroupMemoryLimit(const std::string& sys_root, const std::string& self_cgroup) {
  // cgroup v2: the process's own group (from /proc/self/cgroup, "0::/path"), then the root.
  std::string path;
  {
    std::ifstream cg(self_cgroup);
    std::string line;
    while (std::getline(cg, line))
      if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  for (const std::string& dir : {sys_root + path, sys_root}) {
    std::ifstream f(dir + "/memory.max");
    std::string v;
    if (f >> v) {
      int64_t limit;
      return v != "max" && ParseInt64(v, &limit) && limit > 0 ? limit : 0;
    }
  }
  std::ifstream v1(sys_root + "/memory/memory.limit_in_bytes");
  int64_t limit = 0;
  // v1 reports "no limit" as a huge page-rounded number.
  if ((v1 >> limit) && limit > 0 && limit < (int64_t{1} << 62)) return limit;
  return 0;
}

std::vector<std::string> MaxmemoryWarnings(int64_t maxmemory, int64_t used, int64_t cgroup_limit,
                                           bool at_startup) {
  std::vector<std::string> out;
  if (at_startup && maxmemory > 0 && maxmemory < 1024 * 1024)
    out.push_back(fmt::format(
        "WARNING: You specified a maxmemory value that is less than 1MB (current value is {} "
        "bytes). Are you sure this is what you really want?",
        maxmemory));
  if (!at_startup && maxmemory > 0 && used > maxmemory)
    out.push_back(fmt::format(
        "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current "
        "memory usage ({}). This will result in key eviction and/or the inability to accept new "
        "write commands depending on the maxmemory-policy.",
        maxmemory, used));
  if (cgroup_limit > 0 && maxmemory == 0)
    out.push_back(fmt::format(
        "WARNING: the cgroup memory limit is {} bytes and maxmemory is 0 (no limit): the data can "
        "grow past the limit and the kernel will kill the server. Set maxmemory below it.",
        cgroup_limit));
  else if (cgroup_limit > 0 && maxmemory > cgroup_limit)
    out.push_back(fmt::format(
        "WARNING: maxmemory ({} bytes) is above the cgroup memory limit ({} bytes): the kernel "
        "will kill the server before eviction starts. Set maxmemory below the limit.",
        maxmemory, cgroup_limit));
  return out;
}

void WarnAboutMaxmemory(int64_t maxmemory, bool at_startup) {
  for (const std::string& w :
       MaxmemoryWarnings(maxmemory, memory_budget::Used(), CgroupMemoryLimit(), at_startup))
    spdlog::warn("{}", w);
}

int64_t AdjustOpenFilesLimit(int64_t maxclients) {
  rlim_t maxfiles = static_cast<rlim_t>(maxclients + kMinReservedFds);
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == -1) {
    spdlog::warn(
        "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients "
        "configuration accordingly.",
        std::strerror(errno));
    return 1024 - kMinReservedFds;
  }
  rlim_t oldlimit = limit.rlim_cur;
  if (oldlimit >= maxfiles) return maxclients;
  // Try maxfiles, then lower by 16 at a time, down to what we have.
  rlim_t bestlimit = maxfiles;
  int setrlimit_error = 0;
  while (bestlimit > oldlimit) {
    const rlim_t decr_step = 16;
    limit.rlim_cur = bestlimit;
    limit.rlim_max = bestlimit;
    if (setrlimit(RLIMIT_NOFILE, &limit) != -1) break;
    setrlimit_error = errno;
    if (bestlimit < decr_step) {
      bestlimit = oldlimit;
      break;
    }
    bestlimit -= decr_step;
  }
  if (bestlimit < oldlimit) bestlimit = oldlimit;
  if (bestlimit < maxfiles) {
    int64_t old_maxclients = maxclients;
    maxclients = static_cast<int64_t>(bestlimit) - kMinReservedFds;
    if (bestlimit <= static_cast<rlim_t>(kMinReservedFds)) {
      spdlog::warn(
          "Your current 'ulimit -n' of {} is not enough for the server to start. Please increase "
          "your open file limit to at least {}. Exiting.",
          static_cast<unsigned long long>(oldlimit), static_cast<unsigned long long>(maxfiles));
      spdlog::default_logger()->flush();
      std::exit(1);
    }
    spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
                 old_maxclients, static_cast<unsigned long long>(maxfiles));
    spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.",
                 static_cast<unsigned long long>(maxfiles), std::strerror(setrlimit_error));
    spdlog::warn(
        "Current maximum open files is {}. maxclients has been reduced to {} to compensate for "
        "low ulimit. If you need higher maxclients increase 'ulimit -n'.",
        static_cast<unsigned long long>(bestlimit), maxclients);
  } else {
    spdlog::info("Increased maximum number of open files to {} (it was originally set to {}).",
                 static_cast<unsigned long long>(maxfiles),
                 static_cast<unsigned long long>(oldlimit));
  }
  return maxclients;
}

bool ParseMemory(std::string_view s, int64_t* out) {
  size_t i = 0;
  while (i < s.size() &&
         (std::isdigit(static_cast<unsigned char>(s[i])) || (i == 0 && s[i] == '-')))
    ++i;
  std::string_view num = s.substr(0, i);
  std::string unit = Lower(s.substr(i));
  int64_t mul;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000LL * 1000;
  else if (unit == "mb")
    mul = 1024LL * 1024;
  else if (unit == "g")
    mul = 1000LL * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024LL * 1024 * 1024;
  else
    return false;
  int64_t v;
  if (!ParseInt64(num, &v) || v < 0) return false;
  if (v > LLONG_MAX / mul) return false;
  *out = v * mul;
  return true;
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= line.size()) return false;
        if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x' &&
            std::isxdigit(static_cast<unsigned char>(line[i + 2])) &&
            std::isxdigit(static_cast<unsigned char>(line[i + 3]))) {
          cur += static_cast<char>(std::stoi(std::string(line.substr(i + 2, 2)), nullptr, 16));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          char c = line[i];
          cur += c == 'n'   ? '\n'
                 : c == 'r' ? '\r'
                 : c == 't' ? '\t'
                 : c == 'b' ? '\b'
                 : c == 'a' ? '\a'
                            : c;
        } else if (line[i] == '"') {
          if (i + 1 < line.size() && !std::isspace(static_cast<unsigned char>(line[i + 1])))
            return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else if (insq) {
        if (i >= line.size()) return false;
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          ++i;
          cur += '\'';
        } else if (line[i] == '\'') {
          if (i + 1 < line.size() && !std::isspace(static_cast<unsigned char>(line[i + 1])))
            return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else {
        if (i >= line.size()) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          inq = true;
        } else if (c == '\'') {
          insq = true;
        } else {
          cur += c;
        }
      }
      if (i < line.size()) ++i;
    }
    out->push_back(std::move(cur));
  }
}

bool Config::ApplyStartup(std::string_view name, const std::vector<std::string>& args,
                          std::string* err) {
  // Directives that are no parameter (CONFIG GET does not show them).
  if (EqNoCase(name, "user") && !args.empty()) {
    *err = acl::AddConfigUser(args);
    return err->empty();
  }
  if (EqNoCase(name, "rename-command") && args.size() == 2) {
    *err = Server().registry.Rename(args[0], args[1]);
    return err->empty();
  }
  const Param* p = FindParam(name);
  if (p == nullptr) {
    *err = "Bad directive or wrong number of arguments";
    return false;
  }
  if (p->kind == Kind::kBindList) {
    if (args.empty()) {
      *err = "Bad directive or wrong number of arguments";
      return false;
    }
    // A multi-argument config given as one argument ("--bind '127.0.0.1 -::1'") is split on
    // spaces, as Redis 7 does.
    std::vector<std::string> split;
    if (args.size() == 1) {
      for (size_t from = 0; from <= args[0].size();) {
        size_t sp = args[0].find(' ', from);
        if (sp == std::string::npos) sp = args[0].size();
        if (sp > from) split.push_back(args[0].substr(from, sp - from));
        from = sp + 1;
      }
    }
    if ((args.size() == 1 ? split : args).size() > kMaxBindAddrs) {
      *err = "Too many bind addresses specified.";
      return false;
    }
    std::lock_guard<std::mutex> lock(g_string_mu);
    bind = args.size() == 1 ? split : args;  // bind "": no TCP listener
    return true;
  }
  if (p->kind == Kind::kObufLimits) {
    // A multi-argument config: one argument is split like a config line ("--name 'a b c'").
    std::vector<std::string> split;
    if (args.size() == 1 && !args[0].empty() && !SplitArgs(args[0], &split)) {
      *err = "Unbalanced quotes in configuration line";
      return false;
    }
    int64_t vals[kObufClasses][3];
    bool set[kObufClasses] = {false, false, false};
    *err = ParseObufLimits(args.size() == 1 && !args[0].empty() ? split : args, vals, set);
    if (!err->empty()) return false;
    StoreObufLimits(*this, vals, set);
    return true;
  }
  if (p->kind == Kind::kCustom && (p->custom->multi_arg || args.size() == 1)) {
    std::string value = args.empty() ? "" : args[0];
    for (size_t i = 1; i < args.size(); ++i) value += " " + args[i];
    *err = p->custom->check(value);
    if (!err->empty()) return false;
    p->custom->apply(value, /*startup=*/true);
    return true;
  }
  if (args.size() != 1) {
    *err = "wrong number of arguments";
    return false;
  }
  if (p->kind == Kind::kString) {
    if (p->unsupported != nullptr) {
      if (const char* why = p->unsupported(0, args[0])) {
        *err = why;
        return false;
      }
    }
    std::lock_guard<std::mutex> lock(g_string_mu);
    this->*p->sval = args[0];
    return true;
  }
  int64_t v;
  std::string why = ParseValue(*p, args[0], &v);
  if (why.empty() && p->unsupported != nullptr && p->unsupported(v, args[0]) != nullptr)
    why = p->unsupported(v, args[0]);
  if (!why.empty()) {
    *err = why;
    return false;
  }
  p->ival.Of(*this).store(v);
  OnChange(p->name);
  return true;
}

bool Config::LoadText(std::string_view text, std::string* err) {
  size_t line_no = 0, pos = 0;
  std::vector<std::string> argv;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.empty() || line[0] == '#') {
      if (nl == text.size()) break;
      continue;
    }
    std::string why;
    if (!SplitArgs(line, &argv)) {
      why = "Unbalanced quotes in configuration line";
    } else if (!argv.empty()) {
      std::vector<std::string> rest(argv.begin() + 1, argv.end());
      ApplyStartup(argv[0], rest, &why);
    }
    if (!why.empty()) {
      *err = "Reading the configuration file, at line " + std::to_string(line_no) + "\n>>> '" +
             std::string(line) + "'\n" + why;
      return false;
    }
    if (nl == text.size()) break;
  }
  return true;
}

std::vector<std::string> Config::Bind() const {
  std::lock_guard<std::mutex> lock(g_string_mu);
  return bind;
}

std::string Config::String(const std::string Config::*field) const {
  std::lock_guard<std::mutex> lock(g_string_mu);
  return this->*field;
}

std::vector<std::pair<std::string, std::string>> Config::Get(std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : Params()) {
    if (GlobMatch(pattern, p.name, true)) out.emplace_back(p.name, FormatValue(*this, p));
  }
  return out;
}

std::string Config::Set(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                        bool local_client) {
  // Validate everything first, then store: each parameter is one atomic, so concurrent CONFIG
  // SETs need no lock (they interleave per parameter, as Redis's are serialized per call).
  std::vector<std::pair<const Param*, int64_t>> parsed;
  absl::flat_hash_set<const Param*> seen;
  int64_t obuf_vals[kObufClasses][3];
  bool obuf_set[kObufClasses] = {false, false, false};
  for (const auto& [name, value] : pairs) {
    const Param* p = FindParam(name);
    if (p == nullptr)
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
             "'";
    auto fail = [&](std::string_view why) {
      return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
             std::string(why);
    };
    if (!seen.insert(p).second) return fail("duplicate parameter");
    if (!p->mutable_) return fail("can't set immutable config");
    int64_t protect = enable_protected_configs.load();
    if (p->protected_ && !(protect == 1 || (protect == 2 && local_client)))
      return fail("can't set protected config");
    int64_t v = 0;
    std::string why;
    if (p->kind == Kind::kObufLimits) {
      // sdssplitlen(value, " "): split on each single space.
      std::vector<std::string> args;
      for (size_t from = 0; !value.empty() && from <= value.size();) {
        size_t sp = value.find(' ', from);
        if (sp == std::string_view::npos) sp = value.size();
        args.emplace_back(value.substr(from, sp - from));
        from = sp + 1;
      }
      why = ParseObufLimits(args, obuf_vals, obuf_set);
    } else if (p->kind == Kind::kCustom) {
      why = p->custom->check(value);
    } else if (p->kind == Kind::kBindList) {
      if (SplitBind(value).size() > kMaxBindAddrs) why = "Too many bind addresses specified.";
    } else if (p->kind != Kind::kString) {
      why = ParseValue(*p, value, &v);
    }
    if (why.empty() && p->unsupported != nullptr && p->unsupported(v, value) != nullptr)
      why = p->unsupported(v, value);
    if (!why.empty()) return fail(why);
    parsed.emplace_back(p, v);
  }
  std::vector<int64_t> old;
  std::vector<std::string> old_str(parsed.size());
  // Redis's apply functions of the parameters that changed, once each, in order.
  std::vector<std::pair<const char* (*)(), const Param*>> applies;
  auto is_int = [](const Param* p) {
    return p->kind != Kind::kString && p->kind != Kind::kObufLimits && p->kind != Kind::kCustom &&
           p->kind != Kind::kBindList;
  };
  std::vector<std::string> old_bind;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const auto& [p, v] = parsed[i];
    bool changed = false;
    if (is_int(p)) {
      old.push_back(p->ival.Of(*this).exchange(v));
      changed = old.back() != v;
    } else {
      old.push_back(0);
      if (p->kind == Kind::kString) {
        std::lock_guard<std::mutex> lock(g_string_mu);
        old_str[i] = std::move(this->*p->sval);
        this->*p->sval = std::string(pairs[i].second);
        changed = old_str[i] != this->*p->sval || p->volatile_;
      } else if (p->kind == Kind::kBindList) {
        std::lock_guard<std::mutex> lock(g_string_mu);
        old_bind = std::move(bind);
        bind = SplitBind(pairs[i].second);
        changed = old_bind != bind;
      }
    }
    if (changed && p->apply != nullptr &&
        std::none_of(applies.begin(), applies.end(),
                     [&](const auto& a) { return a.first == p->apply; }))
      applies.emplace_back(p->apply, p);
  }
  auto restore = [&] {
    for (size_t k = 0; k < parsed.size(); ++k) {
      const Param* q = parsed[k].first;
      if (is_int(q)) {
        q->ival.Of(*this).store(old[k]);
      } else if (q->kind == Kind::kString) {
        std::lock_guard<std::mutex> lock(g_string_mu);
        this->*q->sval = old_str[k];
      } else if (q->kind == Kind::kBindList) {
        std::lock_guard<std::mutex> lock(g_string_mu);
        bind = old_bind;
      }
    }
  };
  // Applying: maxclients must fit the open files limit (Redis's updateMaxclients); on failure
  // every parameter of this call goes back to its old value.
  for (size_t i = 0; i < parsed.size(); ++i) {
    const auto& [p, v] = parsed[i];
    if (std::string_view(p->name) == "maxclients" && v > old[i]) {
      int64_t can = AdjustOpenFilesLimit(v);
      if (can != v) {
        restore();
        return "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The "
               "operating system is not able to handle the specified number of clients, try "
               "with " +
               std::to_string(can);
      }
    }
  }
  for (const auto& [fn, p] : applies) {
    if (const char* why = fn()) {
      spdlog::warn(
          "Failed applying new configuration. Possibly related to new {} setting. Restoring "
          "previous settings.",
          p->name);
      restore();
      // Redis re-runs the apply functions on the restored values (restoreBackupConfig).
      for (const auto& a : applies) a.first();
      return "ERR CONFIG SET failed (possibly related to argument '" + std::string(p->name) +
             "') - " + why;
    }
  }
  StoreObufLimits(*this, obuf_vals, obuf_set);
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Param* p = parsed[i].first;
    if (p->kind == Kind::kCustom) p->custom->apply(pairs[i].second, /*startup=*/false);
  }
  for (const auto& [p, v] : parsed) {
    OnChange(p->name);
    if (p->ival.Is(&ShardSettings::maxmemory)) WarnAboutMaxmemory(v, /*at_startup=*/false);
  }
  return "";
}

void Config::OnChange(std::string_view name) {
  if (name == "hz") {
    // config.c updateHZ: hz is a hint, accepted within 0..INT_MAX but stored capped to
    // CONFIG_MIN_HZ..CONFIG_MAX_HZ (CONFIG GET shows the capped value). Uncapped, a huge hz made
    // the shard cron period 0 ms and pinned a CPU while idle.
    constexpr int64_t kMinHz = 1, kMaxHz = 500;
    ShardSettings::hz.store(std::clamp(ShardSettings::hz.load(), kMinHz, kMaxHz));
  }
  if (name == "stop-writes-on-bgsave-error") persistence::UpdateGate();
  // At startup (no shards yet) the value only decides what loads; at run time it starts or stops
  // the AOF.
  if (name == "appendonly" && Server().shards != nullptr) aof::ApplyAppendOnly(appendonly.load());
  if (name == "loglevel") {
    static constexpr spdlog::level::level_enum kLevels[] = {
        spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn};
    spdlog::set_level(kLevels[loglevel.load()]);
  }
}

}  // namespace shoal
