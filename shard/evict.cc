#include "shard/evict.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "shard/clock.h"
#include "shard/journal.h"
#include "shard/notify.h"
#include "shard/object.h"
#include "shard/shard.h"

namespace shoal {

namespace {

using Slot = DashTable::Slot;

// An eviction request to one shard; one per shard, reused: `requested` says it is in flight.
// `help`: evict even below the fair share, for a shard that has nothing it may evict.
struct EvictRequest : ShardMsg {
  std::atomic<bool> requested{false};
  std::atomic<bool> help{false};
};

struct alignas(64) Cell {
  std::atomic<int64_t> bytes{0};  // the shard's last published bytes
  // Its last eviction found no key it may evict (volatile-* without TTL keys, or empty).
  std::atomic<bool> stuck{false};
  Shard* shard = nullptr;
  EvictRequest request;
};

std::unique_ptr<Cell[]> g_cells;
unsigned g_shards = 0;
int64_t g_baseline = 0;
alignas(64) std::atomic<int64_t> g_total{0};
std::atomic<int64_t> g_peak{0};  // highest Used() seen at a publish

EvictPolicy Policy() {
  return static_cast<EvictPolicy>(ShardSettings::Get(ShardSettings::maxmemory_policy));
}

// How far a shard's bytes may move before it publishes them: small against its share, so the
// total stays within a fraction of a percent of the truth; 64 KB while there is no limit.
int64_t Slack(int64_t max) {
  if (max == 0) return 64 * 1024;
  int64_t per_shard = (max - g_baseline) / std::max<int64_t>(1, g_shards);
  return std::clamp<int64_t>(per_shard / 256, 1024, 256 * 1024);
}

// Clears the flag first: the node is out of the queue now, and the eviction may ask for a
// continuation with the same node.
void RunRequest(ShardMsg* m, Shard* shard) {
  auto* r = static_cast<EvictRequest*>(m);
  r->requested.store(false, std::memory_order_release);
  shard->evictor().Tick(r->help.exchange(false, std::memory_order_acq_rel));
}

void Request(Cell& c, bool help = false) {
  if (help) c.request.help.store(true, std::memory_order_release);
  if (c.request.requested.exchange(true, std::memory_order_acq_rel)) return;
  c.shard->Send(&c.request);
}

// Used memory from every shard's own counters rather than their last publishes: for the decision
// to evict, which a stale total (a flush another shard has not published yet, a lazyfree job that
// just finished) must not trigger.
int64_t ExactUsed() {
  int64_t used = g_baseline;
  for (unsigned i = 0; i < g_shards; ++i)
    used += static_cast<int64_t>(g_cells[i].shard->db_slice().UsedBytes());
  return used;
}

// True when every shard holding data is stuck (nothing anywhere may be evicted).
bool AllStuck() {
  for (unsigned i = 0; i < g_shards; ++i) {
    if (g_cells[i].bytes.load(std::memory_order_relaxed) > 0 &&
        !g_cells[i].stuck.load(std::memory_order_relaxed))
      return false;
  }
  return true;
}

}  // namespace

uint64_t EvictionTimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * static_cast<uint64_t>(tenacity);
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return UINT64_MAX;
}

namespace memory_budget {

void Init(Shard* const* shards, unsigned n, int64_t baseline) {
  g_cells = std::make_unique<Cell[]>(n);
  for (unsigned i = 0; i < n; ++i) {
    g_cells[i].shard = shards[i];
    g_cells[i].request.fn = &RunRequest;
  }
  g_shards = n;
  g_baseline = baseline;
}

int64_t Used() { return g_baseline + g_total.load(std::memory_order_relaxed); }
int64_t Peak() { return g_peak.load(std::memory_order_relaxed); }
int64_t Baseline() { return g_baseline; }

bool RejectWrites() {
  int64_t max = ShardSettings::Get(ShardSettings::maxmemory);
  if (max == 0 || Used() <= max || ExactUsed() <= max) return false;
  if (Policy() == EvictPolicy::kNoEviction) return true;
  int64_t share = (max - g_baseline) / std::max<int64_t>(1, g_shards);
  for (unsigned i = 0; i < g_shards; ++i)
    if (g_cells[i].bytes.load(std::memory_order_relaxed) > share) Request(g_cells[i]);
  return AllStuck();
}

}  // namespace memory_budget

int64_t Evictor::OwnBytes() const { return static_cast<int64_t>(slice_->UsedBytes()); }

// False for shards the budget does not know (unit tests that run shards without Init).
bool Evictor::Registered() const { return g_cells != nullptr && shard_->id() < g_shards; }

int64_t Evictor::Share(int64_t max) const {
  return (max - g_baseline) / std::max<int64_t>(1, g_shards);
}

void Evictor::Publish() {
  if (!Registered()) return;
  int64_t own = OwnBytes();
  int64_t used = g_baseline + g_total.fetch_add(own - published_, std::memory_order_relaxed) +
                 (own - published_);
  g_cells[shard_->id()].bytes.store(own, std::memory_order_relaxed);
  published_ = own;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (used > peak && !g_peak.compare_exchange_weak(peak, used, std::memory_order_relaxed)) {
  }
}

void Evictor::RequestOthers(int64_t share) {
  for (unsigned i = 0; i < g_shards; ++i) {
    if (i != shard_->id() && g_cells[i].bytes.load(std::memory_order_relaxed) > share)
      Request(g_cells[i]);
  }
}

int64_t Evictor::PublishIfMoved(int64_t max) {
  int64_t own = OwnBytes();
  int64_t slack = Slack(max);
  if (own - published_ > slack || published_ - own > slack) Publish();
  return own;
}

bool Evictor::Check(int64_t max) {
  if (!Registered()) return true;
  int64_t own = PublishIfMoved(max);
  int64_t used = g_baseline + g_total.load(std::memory_order_relaxed);
  if (used <= max || (used = ExactUsed()) <= max) return true;
  if (Policy() == EvictPolicy::kNoEviction) return false;
  int64_t share = Share(max);
  if (own <= share) {
    RequestOthers(share);
    return true;
  }
  if (Evict(std::min(own - share, used - max))) return true;
  return AskForHelp();
}

bool Evictor::AskForHelp() {
  // Redis evicts from the whole keyspace: when this partition has nothing left it may evict, the
  // other shards evict for it (below their share if need be) and the command runs. Only when no
  // shard may evict anything is it refused.
  bool any = false;
  for (unsigned i = 0; i < g_shards; ++i) {
    if (i == shard_->id() || g_cells[i].bytes.load(std::memory_order_relaxed) == 0) continue;
    any |= !g_cells[i].stuck.load(std::memory_order_relaxed);
    Request(g_cells[i], /*help=*/true);  // a stuck shard re-checks: it may have keys again
  }
  return any;
}

void Evictor::Tick(bool help) {
  if (!Registered()) return;
  Publish();  // also samples the peak, like Redis's cron
  int64_t max = ShardSettings::Get(ShardSettings::maxmemory);
  if (max == 0 || shard_->parked()) return;
  int64_t used = g_baseline + g_total.load(std::memory_order_relaxed);
  if (used <= max || (used = ExactUsed()) <= max) {
    g_cells[shard_->id()].stuck.store(false, std::memory_order_relaxed);
    return;
  }
  if (Policy() == EvictPolicy::kNoEviction) return;
  int64_t share = Share(max);
  if (published_ > share) {
    Evict(std::min(published_ - share, used - max));
  } else if (help) {
    // For a stuck shard: this shard's part of the excess (the others help too).
    int64_t helpers = std::max<int64_t>(1, g_shards - 1);
    Evict(std::min(published_, std::max(Slack(max), (used - max + helpers - 1) / helpers)));
  }
}

bool Evictor::Evict(int64_t need) {
  EvictPolicy policy = Policy();
  uint64_t limit =
      EvictionTimeLimitUs(ShardSettings::Get(ShardSettings::maxmemory_eviction_tenacity));
  int64_t start_us = MonotonicUs();
  int64_t start = OwnBytes(), lazy_freed = 0;
  bool ok = true;
  for (unsigned n = 1; start - OwnBytes() + lazy_freed < need; ++n) {
    if (!EvictOne(policy, &lazy_freed)) {
      ok = false;
      break;
    }
    if ((n & 15) == 0 && static_cast<uint64_t>(MonotonicUs() - start_us) > limit) {
      Request(g_cells[shard_->id()]);  // continue from the event loop, after other work
      break;
    }
  }
  Publish();
  g_cells[shard_->id()].stuck.store(!ok, std::memory_order_relaxed);
  return ok;
}

bool Evictor::EvictOne(EvictPolicy policy, int64_t* freed) {
  if (policy == EvictPolicy::kAllKeysRandom || policy == EvictPolicy::kVolatileRandom)
    return EvictRandom(policy, freed);
  unsigned ndb = slice_->num_dbs();
  bool is_volatile = IsVolatile(policy);
  // A round fails only when its candidates were all read or deleted since they were sampled.
  for (int round = 0; round < 16; ++round) {
    bool any = false;
    for (uint32_t db = 0; db < ndb; ++db) any |= Populate(policy, db);
    while (pool_n_ > 0) {
      Candidate& c = pool_[--pool_n_];
      Slot* s = slice_->Find(c.db, c.key);
      if (s == nullptr || (is_volatile && !s->has_expire())) continue;
      if (s->entry()->lru() != c.access) continue;  // read since it was sampled: not idle
      Remove(c.db, s, freed);
      return true;
    }
    // Every sample covers a whole pass when it finds nothing: no key may be evicted.
    if (!any) return false;
  }
  return false;
}

bool Evictor::Populate(EvictPolicy policy, uint32_t db) {
  DashTable& t = slice_->table(db);
  bool is_volatile = IsVolatile(policy);
  if (t.size() == 0 || (is_volatile && slice_->ExpiresCount(db) == 0)) return false;
  if (volatile_cursor_.size() < slice_->num_dbs()) volatile_cursor_.resize(slice_->num_dbs(), 0);
  auto want = static_cast<size_t>(ShardSettings::Get(ShardSettings::maxmemory_samples));
  // First the slots (the table only: their expiry bits say which keys volatile-* may take), with
  // a prefetch of each entry, so the entries' cache misses overlap instead of queueing.
  sampled_.clear();
  auto gather = [&](Slot* s) {
    if (sampled_.size() >= want || (is_volatile && !s->has_expire())) return;
    __builtin_prefetch(s->entry());
    sampled_.push_back(s->entry());
  };
  // Consecutive buckets from a random one (as Redis's dictGetSomeKeys), or for volatile-* from
  // where the last sample stopped; at most one full pass.
  uint64_t start =
      is_volatile ? volatile_cursor_[db] : DashTable::RandomCursor(slice_->NextRandom());
  uint64_t cur = start;
  bool wrapped = false;
  while (sampled_.size() < want && !(wrapped && cur >= start)) {
    cur = t.Traverse(cur, gather);
    wrapped |= cur == 0;
  }
  if (is_volatile) volatile_cursor_[db] = cur;

  int64_t now = slice_->now_ms();
  uint32_t clock = slice_->lru_clock();
  int64_t decay = ShardSettings::Get(ShardSettings::lfu_decay_time);
  for (const Entry* e : sampled_) {
    uint64_t score;
    switch (policy) {
      case EvictPolicy::kVolatileTtl:
        score = UINT64_MAX - static_cast<uint64_t>(e->expire_ms());
        break;
      case EvictPolicy::kVolatileLfu:
      case EvictPolicy::kAllKeysLfu:
        score = 255 - LfuDecayed(e->lru(), now, decay);
        break;
      default:
        score = LruIdleMs(e->lru(), clock);
        break;
    }
    Insert(score, db, e->lru(), e->key());
  }
  return !sampled_.empty();
}

void Evictor::Insert(uint64_t score, uint32_t db, uint32_t access, std::string_view key) {
  if (pool_n_ == kPoolSize && score <= pool_[0].score) return;
  for (size_t i = 0; i < pool_n_; ++i) {
    const Candidate& c = pool_[i];
    if (c.access == access && c.db == db && c.key == key) return;  // already a candidate
  }
  size_t pos;
  if (pool_n_ < kPoolSize) {
    pos = pool_n_++;
  } else {
    // Drop the worst (index 0): rotate it to the end, where its string buffer is reused.
    std::rotate(pool_.begin(), pool_.begin() + 1, pool_.end());
    pos = kPoolSize - 1;
  }
  // Move the new slot down to its sorted place.
  while (pos > 0 && pool_[pos - 1].score > score) {
    std::swap(pool_[pos], pool_[pos - 1]);
    --pos;
  }
  Candidate& c = pool_[pos];
  c.score = score;
  c.db = db;
  c.access = access;
  c.key.assign(key);
}

bool Evictor::EvictRandom(EvictPolicy policy, int64_t* freed) {
  unsigned ndb = slice_->num_dbs();
  bool is_volatile = policy == EvictPolicy::kVolatileRandom;
  for (unsigned i = 0; i < ndb; ++i) {
    uint32_t db = (next_db_ + i) % ndb;
    DashTable& t = slice_->table(db);
    if (t.size() == 0 || (is_volatile && slice_->ExpiresCount(db) == 0)) continue;
    next_db_ = db + 1;
    if (!is_volatile) {
      Slot* s = t.RandomSlot(slice_->NextRandom());
      if (s == nullptr) continue;
      Remove(db, s, freed);
      return true;
    }
    // The first key with a TTL from a random bucket on.
    uint64_t start = DashTable::RandomCursor(slice_->NextRandom());
    uint64_t cur = start;
    Slot* hit = nullptr;
    bool wrapped = false;
    while (hit == nullptr && !(wrapped && cur >= start)) {
      cur = t.Traverse(cur, [&](Slot* s) {
        if (hit == nullptr && s->has_expire()) hit = s;
      });
      wrapped |= cur == 0;
    }
    if (hit == nullptr) continue;
    Remove(db, hit, freed);
    return true;
  }
  return false;
}

void Evictor::Remove(uint32_t db, void* slot, int64_t* freed) {
  bool lazy = ShardSettings::Get(ShardSettings::lazyfree_lazy_eviction) != 0;
  // Redis's performEvictions propagates DEL (UNLINK when lazy) and does not count a change.
  journal::Record(db, {lazy ? "UNLINK" : "DEL", static_cast<Slot*>(slot)->entry()->key()});
  Entry* e = slice_->Detach(db, static_cast<Slot*>(slot));
  slice_->UncountChange();
  // A value freed in the background leaves the counters later: count its estimate now.
  int64_t estimate = 0;
  if (lazy && e->type() != ObjType::kString)
    estimate = static_cast<int64_t>(e->MallocSize() +
                                    ObjectMallocSizeSampled(e->type(), e->enc(), e->object(), 5));
  // Redis's performEvictions: the event follows the delete, which frees the key.
  bool notify = notify::Enabled(notify::kEvicted);
  std::string key;
  if (notify) key = e->key();
  if (slice_->FreeEntry(e, lazy)) *freed += estimate;
  ShardStats::Inc(slice_->stats().evicted_keys);
  if (notify) notify::Emit(notify::kEvicted, "evicted", key, db);
}

}  // namespace shoal
