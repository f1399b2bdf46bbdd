// MEMORY USAGE|STATS|DOCTOR|PURGE|MALLOC-STATS|HELP (Redis object.c semantics), and the memory
// accounting INFO shares with them (memory_family.h).
//
// One table entry routed by its key (argument 2, optional): MEMORY USAGE runs on the key's shard;
// the keyless subcommands run on the connection's thread and visit every shard thread with one
// control hop. The subcommand and its arity are checked here, with Redis's container errors.
#include "server/commands/memory_family.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>

#include "base/ascii.h"
#include "base/numbers.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "server/transaction.h"
#include "shard/alloc.h"
#include "shard/evict.h"
#include "shard/object.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

// MEMORY USAGE's default (OBJ_COMPUTE_SIZE_DEF_SAMPLES).
constexpr size_t kDefaultSamples = 5;
// What a key costs in its table besides its entry: at least its 8-byte DashTable slot.
constexpr size_t kSlotBytes = 8;

size_t ProcessRss() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, rss = 0;
  f >> pages >> rss;
  return rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::atomic<size_t> g_peak{0};

// Ratio and difference the way Redis computes them from its cron_malloc_stats (floats).
void Ratio(size_t num, size_t den, float* ratio, int64_t* bytes) {
  *ratio = den ? static_cast<float>(num) / static_cast<float>(den) : 0;
  *bytes = static_cast<int64_t>(num) - static_cast<int64_t>(den);
}

// Redis's three allocator levels (jemalloc: allocated <= active <= resident). mimalloc 2.0 keeps
// no running total of live bytes in release builds and reports its committed address space as its
// resident set (Linux backs it only when touched), so they come from what is measurable:
// allocated = the live bytes Shoal counts (used memory), active = resident = the process RSS.
// Everything resident beyond what the server counts shows as allocator fragmentation;
// allocator-rss and rss-overhead stay at 1.
void AllocatorFigures(MemoryOverview& m) {
  m.allocator_allocated = m.used;
  m.allocator_active = m.rss;
  m.allocator_resident = m.rss;
  Ratio(m.allocator_active, m.allocator_allocated, &m.allocator_frag, &m.allocator_frag_bytes);
  Ratio(m.allocator_resident, m.allocator_active, &m.allocator_rss, &m.allocator_rss_bytes);
  Ratio(m.rss, m.allocator_resident, &m.rss_overhead, &m.rss_overhead_bytes);
  Ratio(m.rss, m.used, &m.total_frag, &m.total_frag_bytes);
}

}  // namespace

void ShardMemory::Collect(Shard& shard, unsigned num_dbs) {
  DbSlice& slice = shard.db_slice();
  data_bytes = slice.UsedBytes();
  dbs.resize(num_dbs);
  for (DbIndex db = 0; db < num_dbs; ++db) dbs[db] = {slice.DbSize(db), slice.TableBytes(db)};
  for (const Connection* c : Connection::ThreadConnections()) {
    client_bytes += c->BufferBytes();
    ++clients;
  }
}

MemoryOverview SummarizeMemory(const std::vector<ShardMemory>& shards) {
  MemoryOverview m;
  m.startup = Server().startup_memory;
  size_t data = 0, tables = 0;
  std::vector<size_t> db_keys, db_tables;
  for (const ShardMemory& sh : shards) {
    data += sh.data_bytes;
    m.clients_normal += sh.client_bytes;
    m.clients += sh.clients;
    db_keys.resize(std::max(db_keys.size(), sh.dbs.size()));
    db_tables.resize(db_keys.size());
    for (size_t db = 0; db < sh.dbs.size(); ++db) {
      db_keys[db] += sh.dbs[db].keys;
      db_tables[db] += sh.dbs[db].table_bytes;
      tables += sh.dbs[db].table_bytes;
    }
  }
  for (size_t db = 0; db < db_keys.size(); ++db) {
    if (db_keys[db] == 0) continue;
    m.keys += db_keys[db];
    m.dbs.push_back({static_cast<DbIndex>(db), db_tables[db]});
  }
  m.used = m.startup + data + m.clients_normal;
  size_t p = g_peak.load(std::memory_order_relaxed);
  while (m.used > p && !g_peak.compare_exchange_weak(p, m.used, std::memory_order_relaxed)) {
  }
  m.peak = std::max({p, m.used, static_cast<size_t>(memory_budget::Peak())});
  m.overhead = m.startup + tables + m.clients_normal;
  m.dataset = m.used > m.overhead ? m.used - m.overhead : 0;
  size_t net = m.used > m.startup ? m.used - m.startup : 1;
  m.dataset_perc = static_cast<float>(m.dataset) * 100 / static_cast<float>(net);
  m.peak_perc = static_cast<float>(m.used) * 100 / static_cast<float>(m.peak);
  m.bytes_per_key = m.keys ? net / m.keys : 0;
  m.rss = ProcessRss();
  AllocatorFigures(m);
  return m;
}

namespace {

using protocol::ReplyBuilder;

// Visits every shard thread, then calls `then` with the overview on the coordinator's thread.
void WithOverview(std::function<void(const MemoryOverview&)> then) {
  unsigned n = Server().shards->size();
  unsigned ndb = static_cast<unsigned>(Server().config.databases.load());
  auto shards = std::make_shared<std::vector<ShardMemory>>(n);
  Transaction::ControlAll(
      [shards, ndb](Shard& shard) { (*shards)[shard.id()].Collect(shard, ndb); },
      [shards, then = std::move(then)] { then(SummarizeMemory(*shards)); });
}

// A key's share of its table. Slots are only part full (a segment splits when a key finds its
// buckets and the stash full), so once the table has grown past its first segment a key costs
// the table's bytes per key, about twice its slot; a table still in its first segment was there
// before the key and its slot is the only cost.
size_t TableShare(const DbSlice& slice, DbIndex db) {
  size_t keys = slice.DbSize(db);
  if (slice.SegmentCount(db) <= 1 || keys == 0) return kSlotBytes;
  return std::max(kSlotBytes, slice.TableBytes(db) / keys);
}

// ---- MEMORY USAGE key [SAMPLES count] ----
void MemoryUsage(ArgSlice args, CommandContext& ctx) {
  int64_t samples = kDefaultSamples;
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqNoCase(args[j], "samples") && j + 1 < args.size()) {
      if (!ParseInt64(args[j + 1], &samples)) return ctx.rb->Error(errors::kNotInteger);
      if (samples < 0) return ctx.rb->Error(errors::kSyntax);
      ++j;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  DbSlice::Slot* s = ctx.slice().Find(ctx.db_index, args[2]);
  if (s == nullptr) return ctx.rb->Null();
  const Entry* e = s->entry();
  size_t bytes = e->MallocSize() + TableShare(ctx.slice(), ctx.db_index);
  if (e->type() != ObjType::kString)
    bytes +=
        ObjectMallocSizeSampled(e->type(), e->enc(), e->object(), static_cast<size_t>(samples));
  ctx.rb->Integer(static_cast<int64_t>(bytes));
}

// ---- MEMORY STATS ----
void ReplyStats(ReplyBuilder& rb, const MemoryOverview& m) {
  auto num = [&rb](const char* name, int64_t v) {
    rb.Bulk(name);
    rb.Integer(v);
  };
  auto dbl = [&rb](const char* name, float v) {
    rb.Bulk(name);
    rb.Double(v);
  };
  auto sz = [](size_t v) { return static_cast<int64_t>(v); };
  rb.Map(27 + m.dbs.size());
  num("peak.allocated", sz(m.peak));
  num("total.allocated", sz(m.used));
  num("startup.allocated", sz(m.startup));
  num("replication.backlog", 0);
  num("clients.slaves", 0);
  num("clients.normal", sz(m.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (const MemoryOverview::Db& db : m.dbs) {
    rb.Bulk("db." + std::to_string(db.index));
    rb.Map(3);
    // Expiry times live in the entries (counted as data): there is no expires table.
    num("overhead.hashtable.main", sz(db.table_bytes));
    num("overhead.hashtable.expires", 0);
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", sz(m.overhead));
  num("keys.count", sz(m.keys));
  num("keys.bytes-per-key", sz(m.bytes_per_key));
  num("dataset.bytes", sz(m.dataset));
  dbl("dataset.percentage", m.dataset_perc);
  dbl("peak.percentage", m.peak_perc);
  num("allocator.allocated", sz(m.allocator_allocated));
  num("allocator.active", sz(m.allocator_active));
  num("allocator.resident", sz(m.allocator_resident));
  dbl("allocator-fragmentation.ratio", m.allocator_frag);
  num("allocator-fragmentation.bytes", m.allocator_frag_bytes);
  dbl("allocator-rss.ratio", m.allocator_rss);
  num("allocator-rss.bytes", m.allocator_rss_bytes);
  dbl("rss-overhead.ratio", m.rss_overhead);
  num("rss-overhead.bytes", m.rss_overhead_bytes);
  dbl("fragmentation", m.total_frag);
  num("fragmentation.bytes", m.total_frag_bytes);
}

// ---- MEMORY DOCTOR: Redis's report, same thresholds and sentences ----
std::string DoctorReport(const MemoryOverview& m) {
  constexpr size_t kMb = 1024 * 1024;
  constexpr int64_t kTenMb = 10 << 20;
  if (m.used < 5 * kMb)
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.\n";
  bool big_peak = static_cast<float>(m.peak) / static_cast<float>(m.used) > 1.5f;
  bool high_frag = m.total_frag > 1.4f && m.total_frag_bytes > kTenMb;
  bool high_alloc_frag = m.allocator_frag > 1.1f && m.allocator_frag_bytes > kTenMb;
  bool high_alloc_rss = m.allocator_rss > 1.1f && m.allocator_rss_bytes > kTenMb;
  bool high_proc_rss = m.rss_overhead > 1.1f && m.rss_overhead_bytes > kTenMb;
  bool big_client_buf = m.clients > 0 && m.clients_normal / m.clients > 1024 * 200;
  if (!big_peak && !high_frag && !high_alloc_frag && !high_alloc_rss && !high_proc_rss &&
      !big_client_buf)
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this base.\n";
  std::string s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (big_peak)
    s += " * Peak memory: In the past this instance used more than 150% the memory that is "
         "currently using. The allocator is normally not able to release memory after a peak, "
         "so you can expect to see a big fragmentation ratio, however this is actually harmless "
         "and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "
         "is currently bigger than expected, the memory will be used as soon as you fill the "
         "Redis instance with more data. If the memory peak was only occasional and you want to "
         "try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other "
         "option is to shutdown and restart the instance.\n\n";
  if (high_frag)
    s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
         "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
         "than the sum of the logical allocations Redis performed). This problem is usually due "
         "either to a large peak memory (check if there is a peak memory entry above in the "
         "report) or may result from a workload that causes the allocator to fragment memory a "
         "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
         "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
         "currently used allocator is \"" +
         AllocatorName() + "\".\n\n";
  if (high_alloc_frag)
    s += " * High allocator fragmentation: This instance has an allocator external "
         "fragmentation greater than 1.1. This problem is usually due either to a large peak "
         "memory (check if there is a peak memory entry above in the report) or may result from "
         "a workload that causes the allocator to fragment memory a lot. You can try enabling "
         "'activedefrag' config option.\n\n";
  if (high_alloc_rss)
    s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
         "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
         "the sum what the allocator actually holds). This problem is usually due to a large "
         "peak memory (check if there is a peak memory entry above in the report), you can try "
         "the MEMORY PURGE command to reclaim it.\n\n";
  if (high_proc_rss)
    s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
         "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
         "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
         "Modules.\n\n";
  if (big_client_buf)
    s += " * Big client buffers: The clients output buffers in this instance are greater than "
         "200K per client (on average). This may result from different causes, like Pub/Sub "
         "clients subscribed to channels bot not receiving data fast enough, so that data piles "
         "on the Redis instance output buffer, or clients sending commands with large replies "
         "or very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
         "command in order to investigate the issue if it causes problems in your instance, or "
         "to understand better why certain clients are using a big amount of memory.\n\n";
  s += "I'm here to keep you safe, Sam. I want to help you.\n";
  return s;
}

// ---- MEMORY MALLOC-STATS ----
void MallocStats(ReplyBuilder& rb) {
#ifdef SHOAL_SYSTEM_MALLOC
  rb.Bulk("Stats not supported for the current allocator");
#else
  std::string text;
  mi_stats_print_out(
      [](const char* msg, void* arg) { static_cast<std::string*>(arg)->append(msg); }, &text);
  rb.Verbatim(text);
#endif
}

void CmdMemory(ArgSlice args, CommandContext& ctx) {
  std::string sub = Lower(args[1]);
  static constexpr const char* kSubs[] = {"usage", "stats",        "doctor",
                                          "purge", "malloc-stats", "help"};
  if (std::find(std::begin(kSubs), std::end(kSubs), sub) == std::end(kSubs)) {
    ReplyUnknownSubcommand(*ctx.rb, args[0], args[1]);
    return ctx.Done();
  }
  if (sub == "usage" ? args.size() < 3 : args.size() != 2) {
    ctx.rb->Error("ERR wrong number of arguments for 'memory|" + sub + "' command");
    return ctx.Done();
  }
  // From here a key (argument 2) means USAGE, run on the key's shard; the others have none and
  // run as coordinators on the connection's thread.
  if (sub == "usage") {
    MemoryUsage(args, ctx);
    return ctx.Done();
  }
  CommandContext* c = &ctx;
  if (sub == "stats") {
    WithOverview([c](const MemoryOverview& m) {
      ReplyStats(*c->rb, m);
      c->Done();
    });
  } else if (sub == "doctor") {
    WithOverview([c](const MemoryOverview& m) {
      c->rb->Verbatim(DoctorReport(m));
      c->Done();
    });
  } else if (sub == "purge") {
    Transaction::ControlAll([](Shard&) { mem::CollectThreadHeap(true); },
                            [c] {
                              c->rb->Ok();
                              c->Done();
                            });
  } else if (sub == "malloc-stats") {
    MallocStats(*ctx.rb);
    ctx.Done();
  } else {
    static constexpr const char* kHelp[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
    };
    ReplyHelp(*ctx.rb, args[0], kHelp);
    ctx.Done();
  }
}

}  // namespace

std::string AllocatorName() {
#ifdef SHOAL_SYSTEM_MALLOC
  return "libc";
#else
  return "mimalloc-" + std::to_string(mi_version());
#endif
}

void RegisterMemoryFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // The container has no flags and no keys; an invocation's keys are its subcommand's
  // (KeyPositions), so MEMORY USAGE k finds k.
  // clang-format off
  r.Add({.name = "memory", .arity = -2, .mode = kMulti, .fn = CmdMemory, .subcommands = {
      {.name = "memory|doctor", .arity = 2},
      {.name = "memory|help", .arity = 2, .flags = kLoading | kStale},
      {.name = "memory|malloc-stats", .arity = 2},
      {.name = "memory|purge", .arity = 2},
      {.name = "memory|stats", .arity = 2},
      {.name = "memory|usage", .arity = -3, .flags = kReadOnly},
  }});
  // clang-format on
}

}  // namespace shoal
