// Cache mode: Redis's maxmemory with its eight policies, evicting per shard.
//
// Budget. Used memory, as measured against maxmemory, is the startup baseline plus every shard's
// data bytes (DbSlice::UsedBytes: heap counters and key tables). Client buffers are reported
// apart (INFO mem_not_counted_for_evict) and not counted. Each shard publishes its bytes into a
// process-wide total whenever they moved by more than a small slack since the last publish, so
// the total is one atomic load and is off by at most shards x slack. It is only a filter: when it
// says "over", the decision to evict sums every shard's exact counters.
//
// Fairness. A shard may hold more than its fair share ((maxmemory - baseline) / shards) while the
// total is within maxmemory: a hot shard is not starved by cold ones. When the total is over,
// only shards above their share evict, each from its own partition: the shard about to run a
// command evicts itself when it is above its share; otherwise it asks the shards above their
// share to evict (one message each, deduplicated) and its command goes ahead. A shard above its
// share with nothing it may evict (volatile-* without TTL keys) asks the others to evict for it,
// below their share if need be, as Redis evicts from the whole keyspace; a denyoom command gets
// OOM only when no shard may evict anything. Every shard also checks on its cron tick, so memory
// written by multi-shard transactions is reclaimed too.
//
// Choice of victims. Redis's approximation: each round samples maxmemory-samples keys per
// database into a pool of the 16 best candidates (highest idle time, lowest LFU counter, nearest
// expiry); the best candidate still present and unchanged since it was sampled is evicted (a key
// read after it was sampled is skipped, where Redis would still evict it). The random policies
// take a random key. volatile-* consider keys with a TTL only.
//
// Time. One check evicts for at most the time maxmemory-eviction-tenacity allows (500 us at the
// default 10, as Redis); if still over, it lets the command run and continues from the shard's
// event loop right after.
//
// Threading: an Evictor belongs to its shard and runs on that shard's thread; MemoryBudget's
// functions are for any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shard/access.h"
#include "shard/settings.h"

namespace shoal {

class Shard;
class DbSlice;
class Entry;

namespace memory_budget {

// Before the shard threads start: the number of shards and the baseline (startup) bytes.
void Init(Shard* const* shards, unsigned n, int64_t baseline);
// Used memory as the budget sees it (baseline + published shard bytes).
int64_t Used();
int64_t Baseline();
// The highest Used() seen when a shard published (every cron tick, and on every change beyond the
// slack while maxmemory is set): INFO's used_memory_peak is at least this.
int64_t Peak();
// True when a denyoom command must get the OOM error before running anywhere: used memory is over
// maxmemory and either the policy is noeviction or no shard may evict anything.
// Also asks the shards above their share to evict. For commands coordinated across shards.
bool RejectWrites();

}  // namespace memory_budget

class Evictor {
 public:
  Evictor(Shard* shard, DbSlice* slice) : shard_(shard), slice_(slice) {}

  // Before a command runs on this shard (Redis's performEvictions before each command). Returns
  // false when used memory is over maxmemory and it could not make room here: the caller refuses
  // a denyoom command with OOM. A no-op returning true while maxmemory is 0.
  bool BeforeCommand() {
    int64_t max = ShardSettings::Get(ShardSettings::maxmemory);
    return max == 0 || Check(max);
  }
  // Cron tick and eviction requests from other shards: evicts if this shard is above its share
  // while the total is over, or (`help`) its part of the excess for a shard that has nothing left
  // it may evict.
  void Tick(bool help = false);
  // Publishes this shard's bytes to the process-wide total now.
  void Publish();
  // After each message the shard ran (batches, transaction hops) and each command: publishes
  // when the bytes moved by more than the slack, so the total follows multi-shard writes and
  // deletes at once. Also while maxmemory is 0 (with a coarser slack): a limit set later starts
  // from a total that is already fresh.
  void AfterMessage() { PublishIfMoved(ShardSettings::Get(ShardSettings::maxmemory)); }

 private:
  struct Candidate {
    uint64_t score = 0;  // higher = better to evict
    uint32_t db = 0;
    uint32_t access = 0;  // the access field when sampled
    std::string key;
  };

  bool Check(int64_t max);
  // Publishes when the bytes moved by more than the slack; returns this shard's bytes.
  int64_t PublishIfMoved(int64_t max);
  // Evicts until `need` bytes are freed, nothing is left to evict (false) or time runs out (then
  // it schedules a continuation and returns true).
  bool Evict(int64_t need);
  // Evicts one key; its bytes (estimated for a value freed lazily) go to *freed. False when no
  // key may be evicted.
  bool EvictOne(EvictPolicy policy, int64_t* freed);
  bool EvictRandom(EvictPolicy policy, int64_t* freed);
  // Samples keys of db into the pool; false when it found none it may evict.
  bool Populate(EvictPolicy policy, uint32_t db);
  void Insert(uint64_t score, uint32_t db, uint32_t access, std::string_view key);
  void Remove(uint32_t db, void* slot, int64_t* freed);
  int64_t OwnBytes() const;
  bool Registered() const;
  int64_t Share(int64_t max) const;
  void RequestOthers(int64_t share);
  // When this shard may evict nothing: asks the others to evict for it; false when none can.
  bool AskForHelp();

  Shard* shard_;
  DbSlice* slice_;
  int64_t published_ = 0;
  bool continuation_pending_ = false;
  // Redis's EVPOOL_SIZE; sorted by score, ascending; the best candidate is last.
  static constexpr size_t kPoolSize = 16;
  std::array<Candidate, kPoolSize> pool_;
  size_t pool_n_ = 0;
  unsigned next_db_ = 0;  // the random policies rotate over databases
  // volatile-* sample each database along one cursor, so every key with a TTL is seen within
  // one pass even when few keys have one.
  std::vector<uint64_t> volatile_cursor_;
  std::vector<const Entry*> sampled_;  // Populate's scratch (keeps its capacity)
};

// Redis's evictionTimeLimitUs: 50 us per tenacity step up to 10, then +15% per step; 100: none.
uint64_t EvictionTimeLimitUs(int64_t tenacity);

}  // namespace shoal
