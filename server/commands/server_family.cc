// Server commands: INFO CONFIG COMMAND TIME SHUTDOWN DEBUG. They run on the connection's thread;
// the ones that need per-shard numbers visit the shards with a control hop.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/ascii.h"
#include "base/numbers.h"
#include "server/acl.h"
#include "server/blocking_ops.h"
#include "server/command_context.h"
#include "server/commands/memory_family.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/scripting/function_store.h"
#include "server/scripting/interpreter.h"
#include "server/scripting/script_store.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "server/tracking.h"
#include "server/transaction.h"
#include "server/version.h"
#include "shard/clock.h"
#include "shard/glob.h"
#include "shard/lazyfree.h"
#include "shard/shard_set.h"
#include "shard/slab.h"

namespace shoal {

namespace {

uint64_t Load(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }

// Redis's bytesToHuman.
std::string Human(double n) {
  char buf[64];
  if (n < 1024)
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "B", static_cast<uint64_t>(n));
  else if (n < 1024.0 * 1024)
    std::snprintf(buf, sizeof(buf), "%.2fK", n / 1024);
  else if (n < 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.2fM", n / (1024 * 1024));
  else if (n < 1024.0 * 1024 * 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.2fG", n / (1024.0 * 1024 * 1024));
  else
    std::snprintf(buf, sizeof(buf), "%.2fT", n / (1024.0 * 1024 * 1024 * 1024));
  return buf;
}

// What INFO needs from each shard thread, collected by a control hop.
struct ShardSnapshot {
  std::vector<std::array<int64_t, 3>> dbs;  // keys, expires, avg_ttl
  ShardMemory mem;
  uint64_t expired = 0, evicted = 0, hits = 0, misses = 0, clients = 0;
  size_t lua_eval = 0, lua_functions = 0;  // this thread's Lua heaps
  size_t slab_pages = 0;                   // the shard's entry slab (shard/slab.h)
  size_t slab_chunks = 0;                  // its 2 MiB chunks
  size_t slab_huge_chunks = 0;             // those marked for transparent huge pages
};

void AppendServer(std::string& s) {
  const ServerState& st = Server();
  struct utsname u;
  uname(&u);
  int64_t now_us = UnixUs();
  int64_t uptime = (now_us / 1000 - st.start_time_ms) / 1000;
  s += "# Server\r\n";
  s += std::string("redis_version:") + kRedisVersion + "\r\n";
  s += "shoal_version:0.1.0\r\n";
  s += "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n";
  s += "redis_mode:standalone\r\n";
  absl::StrAppend(&s, "os:", u.sysname, " ", u.release, " ", u.machine, "\r\n");
  s += "arch_bits:64\r\n";
  s += "monotonic_clock:POSIX clock_gettime\r\n";
  s += "multiplexing_api:epoll\r\n";
  s += "atomicvar_api:c11-builtin\r\n";
  absl::StrAppend(&s, "gcc_version:", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__,
                  "\r\n");
  absl::StrAppend(&s, "process_id:", getpid(), "\r\n");
  s += "process_supervised:no\r\n";
  // The configured port (CONFIG SET port re-binds); the bound one for the tests' port 0.
  int64_t port = st.config.port.load(std::memory_order_relaxed);
  absl::StrAppend(&s, "tcp_port:", port != 0 ? port : st.tcp_port, "\r\n");
  absl::StrAppend(&s, "server_time_usec:", now_us, "\r\n");
  absl::StrAppend(&s, "uptime_in_seconds:", uptime, "\r\n");
  absl::StrAppend(&s, "uptime_in_days:", uptime / 86400, "\r\n");
  absl::StrAppend(&s, "hz:", ShardSettings::hz.load(), "\r\n");
  absl::StrAppend(&s, "configured_hz:", ShardSettings::hz.load(), "\r\n");
  absl::StrAppend(&s, "lru_clock:", LruClockFromMs(now_us / 1000), "\r\n");
  s += "executable:" + st.executable + "\r\n";
  s += "config_file:" + st.config_file + "\r\n";
  absl::StrAppend(&s, "shards:", st.shards->size(), "\r\n");
  s += "io_threads_active:0\r\n";
}

void AppendClients(std::string& s, const std::vector<ShardSnapshot>& snaps) {
  uint64_t clients = 0;
  for (const auto& sn : snaps) clients += sn.clients;
  s += "# Clients\r\n";
  absl::StrAppend(&s, "connected_clients:", clients, "\r\n");
  s += "cluster_connections:0\r\n";
  absl::StrAppend(&s, "maxclients:", Server().config.maxclients.load(), "\r\n");
  uint64_t max_in = 0, max_out = 0;
  for (const auto& ts : Server().thread_stats) {
    max_in = std::max<uint64_t>(max_in, Load(ts->recent_max_input_buffer));
    max_out = std::max<uint64_t>(max_out, Load(ts->recent_max_output_buffer));
  }
  absl::StrAppend(&s, "client_recent_max_input_buffer:", max_in, "\r\n");
  absl::StrAppend(&s, "client_recent_max_output_buffer:", max_out, "\r\n");
  absl::StrAppend(&s, "blocked_clients:", g_blocked_clients.load(std::memory_order_relaxed),
                  "\r\ntracking_clients:", tracking::g_tracking_clients.load(), "\r\n");
}

void AppendMemory(std::string& s, const std::vector<ShardSnapshot>& snaps) {
  std::vector<ShardMemory> shards;
  shards.reserve(snaps.size());
  for (const auto& sn : snaps) shards.push_back(sn.mem);
  MemoryOverview m = SummarizeMemory(shards);
  const Config& cfg = Server().config;
  size_t maxmemory = static_cast<size_t>(ShardSettings::maxmemory.load());
  size_t system =
      static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  auto line = [&s](const char* name, const std::string& v) {
    absl::StrAppend(&s, name, ":", v, "\r\n");
  };
  auto num = [&line](const char* name, int64_t v) { line(name, std::to_string(v)); };
  auto bytes = [&num](const char* name, size_t v) { num(name, static_cast<int64_t>(v)); };
  auto fmt = [](const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), f, v);
    return std::string(buf);
  };
  s += "# Memory\r\n";
  bytes("used_memory", m.used);
  line("used_memory_human", Human(static_cast<double>(m.used)));
  bytes("used_memory_rss", m.rss);
  line("used_memory_rss_human", Human(static_cast<double>(m.rss)));
  bytes("used_memory_peak", m.peak);
  line("used_memory_peak_human", Human(static_cast<double>(m.peak)));
  line("used_memory_peak_perc", fmt("%.2f%%", m.peak_perc));
  bytes("used_memory_overhead", m.overhead);
  bytes("used_memory_startup", m.startup);
  bytes("used_memory_dataset", m.dataset);
  line("used_memory_dataset_perc", fmt("%.2f%%", m.dataset_perc));
  bytes("allocator_allocated", m.allocator_allocated);
  bytes("allocator_active", m.allocator_active);
  bytes("allocator_resident", m.allocator_resident);
  bytes("total_system_memory", system);
  line("total_system_memory_human", Human(static_cast<double>(system)));
  // Scripting: the Lua heaps of every thread's interpreters, the shared script and library stores.
  size_t lua_eval = 0, lua_functions = 0;
  for (const ShardSnapshot& sn : snaps) {
    lua_eval += sn.lua_eval;
    lua_functions += sn.lua_functions;
  }
  const auto& scripts = scripting::ScriptStore::Get();
  const auto& functions = scripting::FunctionStore::Get();
  size_t scripts_eval = scripts.MemoryBytes(), functions_mem = functions.MemoryBytes();
  bytes("used_memory_lua", lua_eval);
  bytes("used_memory_vm_eval", lua_eval);
  line("used_memory_lua_human", Human(static_cast<double>(lua_eval)));
  bytes("used_memory_scripts_eval", scripts_eval);
  bytes("number_of_cached_scripts", scripts.Count());
  bytes("number_of_functions", functions.FunctionCount());
  bytes("number_of_libraries", functions.LibraryCount());
  bytes("used_memory_vm_functions", lua_functions);
  bytes("used_memory_vm_total", lua_eval + lua_functions);
  line("used_memory_vm_total_human", Human(static_cast<double>(lua_eval + lua_functions)));
  bytes("used_memory_functions", functions_mem);
  bytes("used_memory_scripts", scripts_eval + functions_mem);
  line("used_memory_scripts_human", Human(static_cast<double>(scripts_eval + functions_mem)));
  bytes("maxmemory", maxmemory);
  line("maxmemory_human", Human(static_cast<double>(maxmemory)));
  line("maxmemory_policy", cfg.Get("maxmemory-policy").at(0).second);
  line("allocator_frag_ratio", fmt("%.2f", m.allocator_frag));
  num("allocator_frag_bytes", m.allocator_frag_bytes);
  line("allocator_rss_ratio", fmt("%.2f", m.allocator_rss));
  num("allocator_rss_bytes", m.allocator_rss_bytes);
  line("rss_overhead_ratio", fmt("%.2f", m.rss_overhead));
  num("rss_overhead_bytes", m.rss_overhead_bytes);
  line("mem_fragmentation_ratio", fmt("%.2f", m.total_frag));
  num("mem_fragmentation_bytes", m.total_frag_bytes);
  // The eviction budget counts startup memory and data; client buffers are reported apart.
  bytes("mem_not_counted_for_evict", m.clients_normal);
  s += "mem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n";
  bytes("mem_clients_normal", m.clients_normal);
  s += "mem_cluster_links:0\r\nmem_aof_buffer:0\r\n";
  line("mem_allocator", AllocatorName());
  s += "active_defrag_running:0\r\n";
  num("lazyfree_pending_objects", static_cast<int64_t>(lazyfree::PendingObjects()));
  num("lazyfreed_objects", static_cast<int64_t>(lazyfree::FreedObjects()));
  // Shoal's own, after Redis's fields: the shards' entry slabs (shard/slab.h), pages held
  // whether full or not, and the 2 MiB chunks they come from (those asking for huge pages).
  size_t slab_pages = 0, slab_chunks = 0, slab_huge = 0;
  for (const ShardSnapshot& sn : snaps) {
    slab_pages += sn.slab_pages;
    slab_chunks += sn.slab_chunks;
    slab_huge += sn.slab_huge_chunks;
  }
  num("entry_slab_pages", static_cast<int64_t>(slab_pages));
  bytes("entry_slab_bytes", slab_pages * Slab::kPageSize);
  num("entry_slab_chunks", static_cast<int64_t>(slab_chunks));
  num("entry_slab_huge_chunks", static_cast<int64_t>(slab_huge));
}

void AppendStats(std::string& s, const std::vector<ShardSnapshot>& snaps) {
  uint64_t conns = 0, cmds = 0, in = 0, out = 0, rejected = 0, errs = 0, qbl = 0, proto = 0;
  for (const auto& ts : Server().thread_stats) {
    conns += Load(ts->connections_received);
    cmds += Load(ts->commands_processed);
    in += Load(ts->net_input_bytes);
    out += Load(ts->net_output_bytes);
    rejected += Load(ts->rejected_connections);
    qbl += Load(ts->query_buffer_limit_disconnects);
    proto += Load(ts->protocol_errors);
  }
  uint64_t failed = 0;
  for (unsigned sh = 0; sh < Server().cmd_stats.size(); ++sh)
    for (size_t c = 0; c < Server().registry.size(); ++c) {
      const CmdStat& cs = Server().cmd_stats[sh][c];
      failed += Load(cs.failed);
    }
  errs = failed;
  for (const auto& ts : Server().thread_stats) errs += Load(ts->rejected_calls);
  uint64_t expired = 0, evicted = 0, hits = 0, misses = 0;
  for (const auto& sn : snaps) {
    expired += sn.expired;
    evicted += sn.evicted;
    hits += sn.hits;
    misses += sn.misses;
  }
  s += "# Stats\r\n";
  absl::StrAppend(&s, "total_connections_received:", conns, "\r\n");
  absl::StrAppend(&s, "total_commands_processed:", cmds, "\r\n");
  absl::StrAppend(&s, "total_net_input_bytes:", in, "\r\n");
  absl::StrAppend(&s, "total_net_output_bytes:", out, "\r\n");
  absl::StrAppend(&s, "rejected_connections:", rejected, "\r\n");
  absl::StrAppend(&s, "expired_keys:", expired, "\r\n");
  absl::StrAppend(&s, "evicted_keys:", evicted, "\r\n");
  s += "evicted_clients:0\r\n";  // no maxmemory-clients: clients are never evicted
  absl::StrAppend(&s, "keyspace_hits:", hits, "\r\n");
  absl::StrAppend(&s, "keyspace_misses:", misses, "\r\n");
  // Names with subscribers anywhere (INFO runs on a shard thread, whose registry has them all).
  absl::StrAppend(&s, "pubsub_channels:", pubsub::NumNames(pubsub::kChannel), "\r\n");
  absl::StrAppend(&s, "pubsub_patterns:", pubsub::NumNames(pubsub::kPattern), "\r\n");
  absl::StrAppend(&s, "pubsubshard_channels:", pubsub::NumNames(pubsub::kShardChannel), "\r\n");
  absl::StrAppend(&s, "tracking_total_keys:", tracking::g_total_keys.load(), "\r\n");
  absl::StrAppend(&s, "tracking_total_items:", tracking::g_total_items.load(), "\r\n");
  absl::StrAppend(&s, "tracking_total_prefixes:", tracking::NumPrefixes(), "\r\n");
  absl::StrAppend(&s, "total_error_replies:", errs, "\r\n");
  absl::StrAppend(&s, "client_query_buffer_limit_disconnections:", qbl, "\r\n");
  absl::StrAppend(&s, "protocol_errors:", proto, "\r\n");
  absl::StrAppend(&s, "acl_access_denied_auth:", acl::DeniedCount(acl::kDeniedAuth), "\r\n");
  absl::StrAppend(&s, "acl_access_denied_cmd:", acl::DeniedCount(acl::kDeniedCmd), "\r\n");
  absl::StrAppend(&s, "acl_access_denied_key:", acl::DeniedCount(acl::kDeniedKey), "\r\n");
  absl::StrAppend(&s, "acl_access_denied_channel:", acl::DeniedCount(acl::kDeniedChannel), "\r\n");
}

void AppendCpu(std::string& s) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
                "used_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n",
                static_cast<long>(ru.ru_stime.tv_sec), static_cast<long>(ru.ru_stime.tv_usec),
                static_cast<long>(ru.ru_utime.tv_sec), static_cast<long>(ru.ru_utime.tv_usec));
  s += buf;
}

void AppendKeyspace(std::string& s, const std::vector<ShardSnapshot>& snaps) {
  s += "# Keyspace\r\n";
  unsigned ndb = static_cast<unsigned>(Server().config.databases.load());
  for (unsigned db = 0; db < ndb; ++db) {
    int64_t keys = 0, expires = 0, ttl_sum = 0, ttl_n = 0;
    for (const auto& sn : snaps) {
      keys += sn.dbs[db][0];
      expires += sn.dbs[db][1];
      if (sn.dbs[db][2] > 0) {
        ttl_sum += sn.dbs[db][2];
        ++ttl_n;
      }
    }
    if (keys == 0) continue;
    absl::StrAppend(&s, "db", db, ":keys=", keys, ",expires=", expires,
                    ",avg_ttl=", ttl_n ? ttl_sum / ttl_n : 0, "\r\n");
  }
}

void AppendCommandStats(std::string& s) {
  s += "# Commandstats\r\n";
  const auto& all = Server().registry.all();
  const double ticks_per_us = TicksPerUs();
  for (const auto& c : all) {
    uint64_t calls = 0, ticks = 0, rejected = 0, failed = 0;
    for (const auto& per : Server().cmd_stats) {
      calls += Load(per[c.index].calls);
      ticks += Load(per[c.index].ticks);
      rejected += Load(per[c.index].rejected);
      failed += Load(per[c.index].failed);
    }
    if (calls == 0 && rejected == 0 && failed == 0) continue;
    uint64_t usec = static_cast<uint64_t>(static_cast<double>(ticks) / ticks_per_us);
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "cmdstat_%s:calls=%" PRIu64 ",usec=%" PRIu64
                  ",usec_per_call=%.2f"
                  ",rejected_calls=%" PRIu64 ",failed_calls=%" PRIu64 "\r\n",
                  c.name.c_str(), calls, usec, calls ? static_cast<double>(usec) / calls : 0.0,
                  rejected, failed);
    s += buf;
  }
}

void CmdInfo(ArgSlice args, CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < args.size(); ++i) sections.push_back(Lower(args[i]));
  bool all = false, everything = false, dflt = sections.empty();
  for (const auto& sec : sections) {
    if (sec == "all") all = true;
    if (sec == "everything") everything = true;
    if (sec == "default") dflt = true;
  }
  // Decided here, by value: the reply is built after the hop, when args are gone.
  auto want = [sections, all, everything, dflt](std::string_view name, bool in_default) {
    if (everything || (all && name != "commandstats") || (all && name == "commandstats"))
      return true;
    if (dflt && in_default) return true;
    return std::find(sections.begin(), sections.end(), name) != sections.end();
  };
  unsigned n = Server().shards->size();
  auto snaps = std::make_shared<std::vector<ShardSnapshot>>(n);
  unsigned ndb = static_cast<unsigned>(Server().config.databases.load());
  CommandContext* c = &ctx;
  Transaction::ControlAll(
      [snaps, ndb](Shard& shard) {
        ShardSnapshot& sn = (*snaps)[shard.id()];
        DbSlice& slice = shard.db_slice();
        for (DbIndex db = 0; db < ndb; ++db)
          sn.dbs.push_back({static_cast<int64_t>(slice.DbSize(db)),
                            static_cast<int64_t>(slice.ExpiresCount(db)), slice.AvgTtl(db)});
        sn.mem.Collect(shard, ndb);
        sn.slab_pages = slice.slab().pages();
        sn.slab_chunks = slice.slab().chunks();
        sn.slab_huge_chunks = slice.slab().huge_chunks();
        sn.lua_eval = scripting::Interpreter::ThreadMemory(&sn.lua_functions);
        sn.expired = Load(slice.stats().expired_keys);
        sn.evicted = Load(slice.stats().evicted_keys);
        sn.hits = Load(slice.stats().keyspace_hits);
        sn.misses = Load(slice.stats().keyspace_misses);
        sn.clients = Connection::ThreadConnections().size();
      },
      [snaps, c, want] {
        std::string s;
        auto sep = [&] {
          if (!s.empty()) s += "\r\n";
        };
        if (want("server", true)) {
          sep();
          AppendServer(s);
        }
        if (want("clients", true)) {
          sep();
          AppendClients(s, *snaps);
        }
        if (want("memory", true)) {
          sep();
          AppendMemory(s, *snaps);
        }
        if (want("persistence", true)) {
          sep();
          persistence::AppendInfo(s);
        }
        if (want("stats", true)) {
          sep();
          AppendStats(s, *snaps);
        }
        if (want("cpu", true)) {
          sep();
          AppendCpu(s);
        }
        if (want("commandstats", false)) {
          sep();
          AppendCommandStats(s);
        }
        if (want("keyspace", true)) {
          sep();
          AppendKeyspace(s, *snaps);
        }
        c->rb->Verbatim(s);
        c->Done();
      });
}

// ---- CONFIG ----
// Returns true when the reply will come later (RESETSTAT visits the shards).
bool ConfigImpl(ArgSlice args, CommandContext& ctx);

void CmdConfig(ArgSlice args, CommandContext& ctx) {
  if (!ConfigImpl(args, ctx)) ctx.Done();
}

bool ConfigImpl(ArgSlice args, CommandContext& ctx) {
  std::string_view sub = args[1];
  auto& rb = *ctx.rb;
  auto arity = [&](const char* name) {
    rb.Error(std::string("ERR wrong number of arguments for 'config|") + name + "' command");
    return false;
  };
  if (EqNoCase(sub, "get")) {
    if (args.size() < 3) return arity("get");
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 2; i < args.size(); ++i) {
      for (auto& kv : Server().config.Get(args[i])) {
        bool dup = false;
        for (const auto& o : out) dup |= o.first == kv.first;
        if (!dup) out.push_back(std::move(kv));
      }
    }
    rb.Map(out.size());
    for (const auto& [k, v] : out) {
      rb.Bulk(k);
      rb.Bulk(v);
    }
  } else if (EqNoCase(sub, "set")) {
    if (args.size() < 4 || (args.size() % 2) != 0) return arity("set");
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    for (size_t i = 2; i + 1 < args.size(); i += 2) pairs.emplace_back(args[i], args[i + 1]);
    // enable-protected-configs local: Redis's islocalClient (127.0.0.1, ::1, the unix socket).
    bool local = ctx.conn != nullptr && ctx.conn->local_peer();
    std::string err = Server().config.Set(pairs, local);
    if (!err.empty()) {
      rb.Error(err);
      return false;
    }
    rb.Ok();
  } else if (EqNoCase(sub, "resetstat")) {
    if (args.size() != 2) return arity("resetstat");
    CommandContext* c = &ctx;
    Transaction::ControlAll(
        [](Shard& shard) {
          auto& ts = *Server().thread_stats[shard.id()];
          for (auto* a :
               {&ts.connections_received, &ts.commands_processed, &ts.net_input_bytes,
                &ts.net_output_bytes, &ts.rejected_calls, &ts.failed_calls, &ts.protocol_errors,
                &ts.error_replies, &ts.rejected_connections, &ts.query_buffer_limit_disconnects})
            a->store(0, std::memory_order_relaxed);
          CmdStat* cs = Server().cmd_stats[shard.id()].get();
          for (size_t i = 0; i < Server().registry.size(); ++i) {
            cs[i].calls.store(0, std::memory_order_relaxed);
            cs[i].ticks.store(0, std::memory_order_relaxed);
            cs[i].rejected.store(0, std::memory_order_relaxed);
            cs[i].failed.store(0, std::memory_order_relaxed);
          }
          auto& ss = shard.db_slice().stats();
          for (auto* a :
               {&ss.expired_keys, &ss.evicted_keys, &ss.keyspace_hits, &ss.keyspace_misses})
            a->store(0, std::memory_order_relaxed);
        },
        [c] {
          c->rb->Ok();
          c->Done();
        });
    return true;
  } else if (EqNoCase(sub, "help")) {
    static const char* kHelp[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
    };
    ReplyHelp(rb, args[0], kHelp);
  } else {
    ReplyUnknownSubcommand(rb, args[0], sub);
  }
  return false;
}

// ---- COMMAND ----
// Redis's addReplyCommandInfo / addReplyCommandDocs and their helpers (server.c), field for field.
void ReplyStatusSet(protocol::ReplyBuilder& rb, const std::vector<std::string_view>& names) {
  rb.Set(names.size());
  for (auto n : names) rb.Simple(n);
}

void ReplyKeySpecs(protocol::ReplyBuilder& rb, std::span<const KeySpec> specs) {
  rb.Set(specs.size());
  for (const KeySpec& ks : specs) {
    rb.Map(ks.notes != nullptr ? 4 : 3);
    if (ks.notes != nullptr) {
      rb.Bulk("notes");
      rb.Bulk(ks.notes);
    }
    rb.Bulk("flags");
    ReplyStatusSet(rb, KeyFlagNames(ks.flags));
    rb.Bulk("begin_search");
    rb.Map(2);
    rb.Bulk("type");
    switch (ks.begin.type) {
      case KeySpec::Begin::kIndex:
        rb.Bulk("index");
        rb.Bulk("spec");
        rb.Map(1);
        rb.Bulk("index");
        rb.Integer(ks.begin.pos);
        break;
      case KeySpec::Begin::kKeyword:
        rb.Bulk("keyword");
        rb.Bulk("spec");
        rb.Map(2);
        rb.Bulk("keyword");
        rb.Bulk(ks.begin.keyword);
        rb.Bulk("startfrom");
        rb.Integer(ks.begin.startfrom);
        break;
      case KeySpec::Begin::kUnknown:
        rb.Bulk("unknown");
        rb.Bulk("spec");
        rb.Map(0);
        break;
    }
    rb.Bulk("find_keys");
    rb.Map(2);
    rb.Bulk("type");
    switch (ks.find.type) {
      case KeySpec::Find::kRange:
        rb.Bulk("range");
        rb.Bulk("spec");
        rb.Map(3);
        rb.Bulk("lastkey");
        rb.Integer(ks.find.lastkey);
        rb.Bulk("keystep");
        rb.Integer(ks.find.keystep);
        rb.Bulk("limit");
        rb.Integer(ks.find.limit);
        break;
      case KeySpec::Find::kKeynum:
        rb.Bulk("keynum");
        rb.Bulk("spec");
        rb.Map(3);
        rb.Bulk("keynumidx");
        rb.Integer(ks.find.keynumidx);
        rb.Bulk("firstkey");
        rb.Integer(ks.find.firstkey);
        rb.Bulk("keystep");
        rb.Integer(ks.find.keystep);
        break;
      case KeySpec::Find::kUnknown:
        rb.Bulk("unknown");
        rb.Bulk("spec");
        rb.Map(0);
        break;
    }
  }
}

void ReplyCommandInfo(protocol::ReplyBuilder& rb, const CommandId& c) {
  rb.Array(10);
  rb.Bulk(c.name);
  rb.Integer(c.arity);
  ReplyStatusSet(rb, FlagNames(c.flags));
  rb.Integer(c.legacy.first);
  rb.Integer(c.legacy.last);
  rb.Integer(c.legacy.step);
  ReplyStatusSet(rb, AclNames(c.acl));
  size_t ntips = c.doc != nullptr ? c.doc->tips.size() : 0;
  rb.Set(ntips);
  for (size_t i = 0; i < ntips; ++i) rb.Bulk(c.doc->tips[i]);
  ReplyKeySpecs(rb, c.key_specs);
  if (c.subcommands.empty()) return rb.Set(0);
  rb.Array(c.subcommands.size());
  for (const auto& sc : c.subcommands) ReplyCommandInfo(rb, sc);
}

void ReplyCommandArgs(protocol::ReplyBuilder& rb, const std::vector<CommandArg>& args) {
  static constexpr std::string_view kTypes[] = {
      "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block"};
  rb.Array(args.size());
  for (const CommandArg& a : args) {
    bool nested = a.type == CommandArg::Type::kOneOf || a.type == CommandArg::Type::kBlock;
    rb.Map(2 + (a.key_spec_index != -1) + (a.token != nullptr) + (a.summary != nullptr) +
           (a.since != nullptr) + (a.deprecated_since != nullptr) + (a.flags != 0) + nested);
    rb.Bulk("name");
    rb.Bulk(a.name);
    rb.Bulk("type");
    rb.Bulk(kTypes[static_cast<size_t>(a.type)]);
    auto opt = [&rb](std::string_view field, const char* v) {
      if (v == nullptr) return;
      rb.Bulk(field);
      rb.Bulk(v);
    };
    if (a.key_spec_index != -1) {
      rb.Bulk("key_spec_index");
      rb.Integer(a.key_spec_index);
    }
    opt("token", a.token);
    opt("summary", a.summary);
    opt("since", a.since);
    opt("deprecated_since", a.deprecated_since);
    if (a.flags != 0) {
      rb.Bulk("flags");
      std::vector<std::string_view> names;
      if (a.flags & arg_flag::kOptional) names.push_back("optional");
      if (a.flags & arg_flag::kMultiple) names.push_back("multiple");
      if (a.flags & arg_flag::kMultipleToken) names.push_back("multiple_token");
      ReplyStatusSet(rb, names);
    }
    if (nested) {
      rb.Bulk("arguments");
      ReplyCommandArgs(rb, a.args);
    }
  }
}

// The value of one COMMAND DOCS entry (the caller writes the name).
void ReplyCommandDocs(protocol::ReplyBuilder& rb, const CommandId& c) {
  static const CommandDoc kNoDoc;
  const CommandDoc& d = c.doc != nullptr ? *c.doc : kNoDoc;
  rb.Map(3 + (d.complexity != nullptr) + (d.doc_flags != 0) + (d.deprecated_since != nullptr) +
         (d.replaced_by != nullptr) + !d.history.empty() + !d.args.empty() +
         !c.subcommands.empty());
  rb.Bulk("summary");
  rb.Bulk(c.summary);
  rb.Bulk("since");
  rb.Bulk(c.since);
  rb.Bulk("group");
  rb.Bulk(c.group);
  auto opt = [&rb](std::string_view field, const char* v) {
    if (v == nullptr) return;
    rb.Bulk(field);
    rb.Bulk(v);
  };
  opt("complexity", d.complexity);
  if (d.doc_flags != 0) {
    rb.Bulk("doc_flags");
    std::vector<std::string_view> names;
    if (d.doc_flags & doc_flag::kDocDeprecated) names.push_back("deprecated");
    if (d.doc_flags & doc_flag::kDocSyscmd) names.push_back("syscmd");
    ReplyStatusSet(rb, names);
  }
  opt("deprecated_since", d.deprecated_since);
  opt("replaced_by", d.replaced_by);
  if (!d.history.empty()) {
    rb.Bulk("history");
    rb.Set(d.history.size());
    for (const auto& [since, change] : d.history) {
      rb.Array(2);
      rb.Bulk(since);
      rb.Bulk(change);
    }
  }
  if (!d.args.empty()) {
    rb.Bulk("arguments");
    ReplyCommandArgs(rb, d.args);
  }
  if (!c.subcommands.empty()) {
    rb.Bulk("subcommands");
    rb.Map(c.subcommands.size());
    for (const auto& sc : c.subcommands) {
      rb.Bulk(sc.name);
      ReplyCommandDocs(rb, sc);
    }
  }
}

void CmdCommand(ArgSlice args, CommandContext& ctx) {
  auto& rb = *ctx.rb;
  const auto& reg = Server().registry;
  if (args.size() == 1) {
    rb.Array(reg.size());
    for (const auto& c : reg.all()) ReplyCommandInfo(rb, c);
    return;
  }
  std::string_view sub = args[1];
  if (EqNoCase(sub, "count")) {
    if (args.size() != 2)
      return rb.Error("ERR wrong number of arguments for 'command|count' command");
    rb.Integer(static_cast<int64_t>(reg.size()));
  } else if (EqNoCase(sub, "info")) {
    if (args.size() == 2) {
      rb.Array(reg.size());
      for (const auto& c : reg.all()) ReplyCommandInfo(rb, c);
      return;
    }
    rb.Array(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandId* c = reg.FindByFullName(args[i]);
      if (c == nullptr)
        rb.NullArray();
      else
        ReplyCommandInfo(rb, *c);
    }
  } else if (EqNoCase(sub, "docs")) {
    std::vector<const CommandId*> list;
    if (args.size() == 2) {
      for (const auto& c : reg.all()) list.push_back(&c);
    } else {
      for (size_t i = 2; i < args.size(); ++i)
        if (const CommandId* c = reg.FindByFullName(args[i])) list.push_back(c);
    }
    rb.Map(list.size());
    for (const CommandId* c : list) {
      rb.Bulk(c->name);
      ReplyCommandDocs(rb, *c);
    }
  } else if (EqNoCase(sub, "list")) {
    std::string pattern;
    std::string aclcat;
    bool filter_module = false;
    if (args.size() == 5 && EqNoCase(args[2], "filterby")) {
      if (EqNoCase(args[3], "pattern"))
        pattern = args[4];
      else if (EqNoCase(args[3], "aclcat"))
        aclcat = "@" + Lower(args[4]);
      else if (EqNoCase(args[3], "module"))
        filter_module = true;
      else
        return rb.Error(errors::kSyntax);
    } else if (args.size() != 2) {
      return rb.Error(errors::kSyntax);
    }
    std::vector<std::string_view> names;
    for (const auto& c : reg.all()) {
      if (filter_module) continue;
      if (!pattern.empty() && !GlobMatch(pattern, c.name, true)) continue;
      if (!aclcat.empty()) {
        auto cats = AclNames(c.acl);
        if (std::find(cats.begin(), cats.end(), aclcat) == cats.end()) continue;
      }
      names.push_back(c.name);
    }
    rb.Array(names.size());
    for (auto n : names) rb.Bulk(n);
  } else if (EqNoCase(sub, "getkeys") || EqNoCase(sub, "getkeysandflags")) {
    bool with_flags = EqNoCase(sub, "getkeysandflags");
    if (args.size() < 4)
      return rb.Error(std::string("ERR wrong number of arguments for 'command|") +
                      (with_flags ? "getkeysandflags" : "getkeys") + "' command");
    // Redis's getKeysSubcommandImpl, checks in its order.
    ArgSlice inner = args.subspan(2);
    const CommandId* c = reg.Lookup(inner);
    if (c == nullptr) return rb.Error("ERR Invalid command specified");
    if (!c->has_keys()) return rb.Error("ERR The command has no key arguments");
    int argc = static_cast<int>(inner.size());
    if ((c->arity > 0 && argc != c->arity) || argc < -c->arity)
      return rb.Error("ERR Invalid number of arguments specified for command");
    std::vector<KeyRef> keys;
    if (!CommandRegistry::KeysWithFlags(*c, inner, &keys)) {
      if (c->flags & cmd_flag::kNoMandatoryKeys) return rb.Array(0);
      return rb.Error("ERR Invalid arguments specified for command");
    }
    rb.Array(keys.size());
    for (const KeyRef& k : keys) {
      if (!with_flags) {
        rb.Bulk(inner[k.pos]);
        continue;
      }
      rb.Array(2);
      rb.Bulk(inner[k.pos]);
      ReplyStatusSet(rb, KeyFlagNames(k.flags));
    }
  } else if (EqNoCase(sub, "help")) {
    static const char* kHelp[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
    };
    ReplyHelp(rb, args[0], kHelp);
  } else {
    ReplyUnknownSubcommand(rb, args[0], sub);
  }
}

void CmdTime(ArgSlice, CommandContext& ctx) {
  int64_t us = UnixUs();
  ctx.rb->Array(2);
  ctx.rb->Bulk(std::to_string(us / 1000000));
  ctx.rb->Bulk(std::to_string(us % 1000000));
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(ArgSlice args, CommandContext& ctx) {
  auto reply = [&ctx](std::string_view err) {
    ctx.rb->Error(err);
    ctx.Done();
  };
  bool save = false, nosave = false, abort = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (EqNoCase(args[i], "nosave")) {
      nosave = true;
    } else if (EqNoCase(args[i], "save")) {
      save = true;
    } else if (EqNoCase(args[i], "now") || EqNoCase(args[i], "force")) {
    } else if (EqNoCase(args[i], "abort")) {
      abort = true;
    } else {
      return reply(errors::kSyntax);
    }
  }
  if (abort) {
    if (args.size() != 2) return reply(errors::kSyntax);
    return reply("ERR No shutdown in progress.");
  }
  spdlog::warn("User requested shutdown...");
  CommandContext* c = &ctx;
  auto stop = [c] {
    auto keep = c->conn->shared_from_this();  // Close drops the thread's reference
    c->conn->Close();
    if (Server().request_shutdown) Server().request_shutdown();
    c->Done();
  };
  // Redis's prepareForShutdown: SAVE forces a save, NOSAVE skips it, neither saves when save
  // rules exist. The save is stop-the-world: every shard stays held from its cut until the
  // process stops, so nothing acknowledged after it is lost. A failed save cancels the shutdown.
  // While loading, never (the file would be overwritten with half-read data), as Redis.
  if (persistence::Loading() || !(save || (!nosave && persistence::HasSaveRules()))) return stop();
  spdlog::info("Saving the final RDB snapshot before exiting.");
  auto fail = [c] {
    spdlog::warn("Error trying to save the DB, can't exit.");
    c->rb->Error("ERR Errors trying to SHUTDOWN. Check logs.");
    c->Done();
  };
  persistence::CancelSaveAsync([stop, fail] {
    persistence::StartSave(
        persistence::SaveMode::kStopTheWorld,
        [fail](absl::Status st) {
          if (!st.ok()) fail();
        },
        [stop, fail](absl::Status st, std::shared_ptr<Transaction> tx) {
          if (!st.ok()) {
            if (tx) tx->Conclude([] {});
            return fail();
          }
          persistence::HoldUntilExit(std::move(tx));
          stop();
        });
  });
}

// DEBUG SLEEP waits on a timer: the shard thread keeps serving (it never blocks), only this
// client waits, which is what tests use it for.
void CmdDebug(ArgSlice args, CommandContext& ctx) {
  std::string_view sub = args[1];
  if (EqNoCase(sub, "sleep") && args.size() == 3) {
    // As debug.c: strtod() of the argument (a numeric prefix; anything else is 0) times 1e6 as
    // a long long, and nanosleep() of that. A value that is not positive, NaN or out of range
    // (the x86 conversion gives LLONG_MIN, which nanosleep rejects) replies OK at once.
    const double usecs = std::strtod(std::string(args[2]).c_str(), nullptr) * 1e6;
    const int64_t utime = usecs > 0 && usecs < 9.2e18 ? static_cast<int64_t>(usecs) : 0;
    if (utime <= 0) {
      ctx.rb->Ok();
      return ctx.Done();
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(ctx.conn->home()->io());
    timer->expires_after(std::chrono::microseconds(utime));
    CommandContext* c = &ctx;
    timer->async_wait([timer, c](const boost::system::error_code&) {
      c->rb->Ok();
      c->Done();
    });
    return;
  }
  if (EqNoCase(sub, "reload")) {
    // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: MERGE and NOFLUSH are not supported (a reload
    // always empties the dataset first and refuses duplicate keys).
    bool save = true;
    for (size_t i = 2; i < args.size(); ++i) {
      if (EqNoCase(args[i], "nosave")) {
        save = false;
      } else {
        ctx.rb->Error("ERR DEBUG RELOAD only supports the NOSAVE option in Shoal");
        return ctx.Done();
      }
    }
    return persistence::DebugReload(ctx, save);
  }
  if (EqNoCase(sub, "log") && args.size() == 3) {
    spdlog::warn("DEBUG LOG: {}", args[2]);
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "set-active-expire") && args.size() == 3) {
    ShardSettings::active_expire.store(std::atoi(std::string(args[2]).c_str()) != 0 ? 1 : 0);
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "set-skip-checksum-validation") && args.size() == 3) {
    ShardSettings::skip_checksum_validation.store(std::atoi(std::string(args[2]).c_str()) != 0);
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "help") && args.size() == 2) {
    static const char* kHelp[] = {
        "LOG <message>",
        "    Write <message> to the server log.",
        "RELOAD [NOSAVE]",
        "    Save the RDB on disk and reload it back to memory. With NOSAVE the current",
        "    dataset is not saved first.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
    };
    ReplyHelp(*ctx.rb, args[0], kHelp);
  } else {
    ReplySubcommandSyntaxError(*ctx.rb, args[0], sub);
  }
  ctx.Done();
}

}  // namespace

namespace {
// MONITOR: the client subscribes to the monitor feed (server/pubsub.h); every thread learns of it
// before the +OK, so every command that runs after the reply is shown.
void CmdMonitor(ArgSlice, CommandContext& ctx) {
  Connection* c = ctx.conn;
  if (ctx.deny_blocking) {
    ctx.rb->Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return ctx.Done();
  }
  if (c->monitor()) return ctx.Done();  // Redis ignores it, without a reply
  CommandContext* cp = &ctx;
  pubsub::Subscribe(c, pubsub::kMonitor, {std::string()}, [cp] {
    cp->rb->Ok();
    cp->Done();
  });
}
}  // namespace

void RegisterServerFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint64_t kConnectionAcl = acl_cat::kConnection;
  constexpr uint32_t kConfigSub = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint32_t kCommandSub = kLoading | kStale;
  // Server commands share no category. CONFIG and COMMAND list their subcommands for COMMAND
  // INFO/DOCS; the handlers dispatch.
  // clang-format off
  r.AddFamily(0, {
      {.name = "monitor", .arity = 1, .flags = kAdmin | kNoScript | kLoading | kStale,
       .mode = kMulti, .fn = CmdMonitor},
      {.name = "info", .arity = -1, .flags = kLoading | kStale, .mode = kMulti, .fn = CmdInfo,
       .acl = acl_cat::kDangerous},
      {.name = "config", .arity = -2, .mode = kMulti, .fn = CmdConfig, .subcommands = {
           {.name = "config|get", .arity = -3, .flags = kConfigSub},
           {.name = "config|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "config|resetstat", .arity = 2, .flags = kConfigSub},
           {.name = "config|set", .arity = -4, .flags = kConfigSub},
       }},
      {.name = "command", .arity = -1, .flags = kLoading | kStale, .mode = kConnection,
       .fn = CmdCommand, .acl = kConnectionAcl, .subcommands = {
           {.name = "command|count", .arity = 2, .flags = kCommandSub, .acl = kConnectionAcl},
           {.name = "command|docs", .arity = -2, .flags = kCommandSub, .acl = kConnectionAcl},
           {.name = "command|getkeys", .arity = -4, .flags = kCommandSub, .acl = kConnectionAcl},
           {.name = "command|getkeysandflags", .arity = -4, .flags = kCommandSub,
            .acl = kConnectionAcl},
           {.name = "command|help", .arity = 2, .flags = kCommandSub, .acl = kConnectionAcl},
           {.name = "command|info", .arity = -2, .flags = kCommandSub, .acl = kConnectionAcl},
           {.name = "command|list", .arity = -2, .flags = kCommandSub, .acl = kConnectionAcl},
       }},
      {.name = "time", .arity = 1, .flags = kLoading | kStale | kFast, .mode = kConnection,
       .fn = CmdTime},
      {.name = "shutdown", .arity = -1,
       .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
       .mode = kMulti, .fn = CmdShutdown},
      {.name = "debug", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale,
       .mode = kMulti, .fn = CmdDebug},
  });
  // clang-format on
}

}  // namespace shoal
