// Configuration: redis.conf syntax (file and --name value arguments), CONFIG GET/SET.
// Each parameter is a row of the table in config.cc with its name, type, limits, mutability and
// storage. Values are atomics: readable from any thread without a lock. The settings the shards
// read (hz, maxmemory*, lfu-*, lazyfree-*, encoding thresholds) are not members here: their one
// home is ShardSettings (shard/settings.h), which the table points at.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal {

enum class LogLevel : int { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

class Config {
 public:
  Config();

  std::atomic<int64_t> port{6379};
  std::atomic<int64_t> databases{16};
  std::atomic<int64_t> shards{0};  // 0: one per usable CPU
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int64_t> client_query_buffer_limit{1024LL * 1024 * 1024};
  std::atomic<int64_t> loglevel{static_cast<int>(LogLevel::kNotice)};
  std::atomic<int64_t> tcp_backlog{511};
  std::atomic<int64_t> tcp_keepalive{300};
  // Transport (server/listener.h, server/tls.h). protected-mode: with no password on the default
  // user, only loopback and unix socket clients are served (Redis's clientAcceptHandler).
  std::atomic<int64_t> protected_mode{1};
  std::atomic<int64_t> unixsocketperm{0};  // octal in the config; 0: the umask decides
  std::atomic<int64_t> tls_port{0};
  enum TlsAuthClients { kTlsAuthNo = 0, kTlsAuthYes = 1, kTlsAuthOptional = 2 };
  std::atomic<int64_t> tls_auth_clients{kTlsAuthYes};
  std::atomic<int64_t> tls_prefer_server_ciphers{0};
  std::atomic<int64_t> tls_session_caching{1};
  std::atomic<int64_t> tls_session_cache_size{20 * 1024};
  std::atomic<int64_t> tls_session_cache_timeout{300};
  // Accepted and shown (Shoal makes no replication or cluster links yet).
  std::atomic<int64_t> tls_cluster{0};
  std::atomic<int64_t> tls_replication{0};
  std::atomic<int64_t> maxclients{10000};
  std::atomic<int64_t> timeout{0};  // idle client timeout, seconds (0: never)
  // AOF (server/aof.h keeps appendfilename and appenddirname).
  std::atomic<int64_t> appendonly{0};
  std::atomic<int64_t> appendfsync{2};  // no, always, everysec
  std::atomic<int64_t> no_appendfsync_on_rewrite{0};
  std::atomic<int64_t> auto_aof_rewrite_percentage{100};
  std::atomic<int64_t> auto_aof_rewrite_min_size{64LL * 1024 * 1024};
  std::atomic<int64_t> aof_load_truncated{1};
  std::atomic<int64_t> aof_use_rdb_preamble{1};
  std::atomic<int64_t> aof_timestamp_enabled{0};
  std::atomic<int64_t> aof_rewrite_incremental_fsync{1};
  std::atomic<int64_t> aof_disable_auto_gc{0};
  // RDB (server/persistence.h keeps save, dir and dbfilename).
  std::atomic<int64_t> rdbcompression{1};
  std::atomic<int64_t> rdbchecksum{1};
  std::atomic<int64_t> stop_writes_on_bgsave_error{1};
  std::atomic<int64_t> rdb_save_incremental_fsync{1};
  std::atomic<int64_t> rdb_key_save_delay{0};        // microseconds per key (a test knob)
  std::atomic<int64_t> key_load_delay{0};            // microseconds per key loaded (a test knob)
  std::atomic<int64_t> enable_protected_configs{0};  // no, yes, local
  // Accepted and shown as Redis does, but quicklist nodes are never LZF-compressed.
  std::atomic<int64_t> list_compress_depth{0};
  // sanitize-dump-payload: Redis's SANITIZE_DUMP_* (no, yes, clients): deep checks of RESTORE
  // payloads (duplicates in listpacks and ziplists). "clients" checks every client's RESTORE
  // but those of users with skip-sanitize-payload (Shoal has no replication link yet).
  enum SanitizeDump { kSanitizeNo = 0, kSanitizeYes = 1, kSanitizeClients = 2 };
  std::atomic<int64_t> sanitize_dump_payload{kSanitizeNo};

  // client-output-buffer-limit, per class (Redis's CLIENT_TYPE_OBUF_*): bytes, bytes, seconds;
  // 0 disables a limit. Only the normal class is enforced (no replicas yet; pub/sub clients are
  // not a class of their own yet).
  enum ObufClass { kObufNormal = 0, kObufReplica = 1, kObufPubsub = 2, kObufClasses = 3 };
  struct ObufLimit {
    std::atomic<int64_t> hard{0}, soft{0}, soft_seconds{0};
  };
  ObufLimit obuf_limits[kObufClasses];

  // Strings are written only before the threads start (immutable parameters), except bind.
  // bind: Redis 7.0's default (CONFIG_DEFAULT_BINDADDR); "-" marks an optional address. Read it
  // with Bind() once the threads run.
  std::vector<std::string> bind{"*", "-::*"};
  std::string logfile;
  std::string unixsocket;
  // Mutable strings: read with String(), written by CONFIG SET under one lock.
  std::string bind_source_addr;  // outgoing connections only: Shoal makes none yet
  std::string tls_cert_file, tls_key_file, tls_key_file_pass;
  std::string tls_client_cert_file, tls_client_key_file, tls_client_key_file_pass;
  std::string tls_dh_params_file, tls_ca_cert_file, tls_ca_cert_dir;
  std::string tls_protocols, tls_ciphers, tls_ciphersuites;
  // A mutable string parameter's value (any thread).
  std::string String(const std::string Config::*field) const;
  // The bind list (any thread; CONFIG SET bind changes it).
  std::vector<std::string> Bind() const;

  // Parses a whole redis.conf text. On error returns false and fills `err` with Redis's
  // "FATAL CONFIG FILE ERROR" report body.
  bool LoadText(std::string_view text, std::string* err);
  // One directive: name and its arguments, at startup (immutable ones allowed).
  bool ApplyStartup(std::string_view name, const std::vector<std::string>& args, std::string* err);

  // CONFIG GET: name/value pairs matching the glob pattern.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  // CONFIG SET name value [name value ...], all or nothing. Returns "" or the error reply.
  // `local_client`: the caller is a loopback client (enable-protected-configs local).
  std::string Set(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                  bool local_client = false);

  // Called after a successful set of a parameter (e.g. to push hz to the shards).
  void OnChange(std::string_view name);
};

// The memory limit of this process's cgroup (v2 memory.max of its own group or the root, else v1
// memory.limit_in_bytes), or 0 when there is none. The paths are parameters for the tests.
int64_t CgroupMemoryLimit(const std::string& sys_root = "/sys/fs/cgroup",
                          const std::string& self_cgroup = "/proc/self/cgroup");
// The warnings a maxmemory value deserves against the used memory and the cgroup limit (0: none):
// below 1MB at startup (Redis's), below the used memory on CONFIG SET (Redis's), and no
// maxmemory or one above the cgroup limit (the kernel would kill the server before eviction).
std::vector<std::string> MaxmemoryWarnings(int64_t maxmemory, int64_t used, int64_t cgroup_limit,
                                           bool at_startup);
// Logs MaxmemoryWarnings for this process (startup and CONFIG SET maxmemory).
void WarnAboutMaxmemory(int64_t maxmemory, bool at_startup);

// Redis's adjustOpenFilesLimit: raises RLIMIT_NOFILE to maxclients + kMinReservedFds (or as close
// as the OS allows, with Redis's log lines) and returns the maxclients the limit can serve.
// Exits when the limit cannot even hold the reserved descriptors (as Redis does).
constexpr int64_t kMinReservedFds = 32;  // CONFIG_MIN_RESERVED_FDS
int64_t AdjustOpenFilesLimit(int64_t maxclients);

// Splits a line into arguments like Redis's sdssplitargs (quotes, escapes: config lines, ACL
// selectors). False on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// "1gb" -> 1073741824 like Redis memtoull; false when not a memory value.
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace shoal
