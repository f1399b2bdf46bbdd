#include "shard/db_slice.h"

#include <algorithm>

#include "shard/clock.h"
#include "shard/hash.h"
#include "shard/journal.h"
#include "shard/lazyfree.h"
#include "shard/notify.h"
#include "shard/settings.h"

namespace shoal {

namespace {

// The types blocked clients wait for (BLPOP & co., BZPOPMIN & co., XREAD/XREADGROUP).
bool Blockable(ObjType t) {
  return t == ObjType::kList || t == ObjType::kZSet || t == ObjType::kStream;
}

}  // namespace

DbSlice::DbSlice(uint32_t shard_id, unsigned num_dbs)
    : shard_id_(shard_id), rng_(0x9E3779B97F4A7C15ull * (shard_id + 1)) {
  for (unsigned i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Db>());
  RecountTables();
}

// Frees every entry: the process may live on after the shards stop (tests, and leak checkers
// must see nothing left).
DbSlice::~DbSlice() { FlushAll(); }

void DbSlice::SetNow(int64_t now_ms) {
  now_ms_ = now_ms;
  lru_clock_ = LruClockFromMs(now_ms);
  lfu_ = IsLfu(static_cast<EvictPolicy>(ShardSettings::Get(ShardSettings::maxmemory_policy)));
  access_stamp_ = lfu_ ? LfuField(LfuMinutes(now_ms), kLfuInitVal) : lru_clock_;
}

bool DbSlice::ExpireIfNeeded(DbIndex db, Slot* slot) {
  if (!slot->has_expire()) return false;
  if (slot->entry()->expire_ms() > now_ms_) return false;
  DeleteExpired(db, slot, ShardSettings::Get(ShardSettings::lazyfree_lazy_expire) != 0);
  return true;
}

void DbSlice::DeleteExpired(DbIndex db, Slot* slot, bool lazy) {
  ShardStats::Inc(stats_.expired_keys);
  // Redis's deleteExpiredKeyAndPropagate: DEL (UNLINK under lazyfree-lazy-expire) goes to the
  // journal; the delete is not counted as a change (server.dirty); the event follows the delete,
  // which frees the key.
  journal::Record(db, {lazy ? "UNLINK" : "DEL", slot->entry()->key()});
  if (!notify::Enabled(notify::kExpired)) {
    Delete(db, slot, lazy);
    return UncountChange();
  }
  std::string key(slot->entry()->key());
  Delete(db, slot, lazy);
  UncountChange();
  notify::Emit(notify::kExpired, "expired", key, db);
}

DbSlice::Slot* DbSlice::Find(DbIndex db, std::string_view key) {
  Slot* s = dbs_[db]->table->Find(key, HashKey(key));
  if (s == nullptr || ExpireIfNeeded(db, s)) return nullptr;
  return s;
}

DbSlice::Slot* DbSlice::FindRead(DbIndex db, std::string_view key) {
  Slot* s = Find(db, key);
  if (s == nullptr) {
    ShardStats::Inc(stats_.keyspace_misses);
    notify::Emit(notify::kKeyMiss, "keymiss", key, db);
    return nullptr;
  }
  ShardStats::Inc(stats_.keyspace_hits);
  Touch(s->entry());
  return s;
}

void DbSlice::PrefetchBuckets(DbIndex db, const std::string_view* keys, size_t n,
                              uint64_t* hashes) const {
  const DashTable& table = *dbs_[db]->table;
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = HashKey(keys[i]);
    table.PrefetchBucket(hashes[i]);
  }
}

void DbSlice::PrefetchEntries(DbIndex db, const uint64_t* hashes, size_t n) const {
  const DashTable& table = *dbs_[db]->table;
  for (size_t i = 0; i < n; ++i) table.PrefetchEntries(hashes[i]);
}

void DbSlice::Touch(Entry* e) {
  if (lfu_) {
    double uniform = static_cast<double>(NextRandom() >> 11) * 0x1.0p-53;
    e->set_lru(LfuTouched(e->lru(), now_ms_, ShardSettings::Get(ShardSettings::lfu_decay_time),
                          ShardSettings::Get(ShardSettings::lfu_log_factor), uniform));
  } else {
    e->set_lru(lru_clock_);
  }
}

DbSlice::Slot* DbSlice::FindWrite(DbIndex db, std::string_view key) {
  Slot* s = Find(db, key);
  if (s != nullptr) Touch(s->entry());
  return s;
}

DbSlice::Slot* DbSlice::FindRead(DbIndex db, std::string_view key, ObjType type, bool* wrong_type) {
  Slot* s = FindRead(db, key);
  *wrong_type = s != nullptr && s->entry()->type() != type;
  return *wrong_type ? nullptr : s;
}

DbSlice::Slot* DbSlice::FindWrite(DbIndex db, std::string_view key, ObjType type,
                                  bool* wrong_type) {
  Slot* s = FindWrite(db, key);
  *wrong_type = s != nullptr && s->entry()->type() != type;
  return *wrong_type ? nullptr : s;
}

bool DbSlice::KeyIsExpired(DbIndex db, std::string_view key) {
  Slot* s = dbs_[db]->table->Find(key, HashKey(key));
  return s != nullptr && s->has_expire() && s->entry()->expire_ms() <= now_ms_;
}

void DbSlice::PreFlush(DbIndex db) {
  if (dbs_[db]->table->size() > 0) AddDirty(1);
  tracking_.Clear();  // Redis frees the whole tracking table on any flush
  if (watches_.empty()) return;
  DashTable& t = *dbs_[db]->table;
  watches_.TouchDb(db, [&t](std::string_view k) { return t.Find(k, HashKey(k)) != nullptr; });
}

void DbSlice::LimitTracking() {
  if (tracking_.empty()) return;
  int64_t max_keys = ShardSettings::Get(ShardSettings::tracking_table_max_keys);
  if (max_keys == 0 || tracking::g_total_keys.load(std::memory_order_relaxed) <= max_keys) {
    tracking_over_ = 0;
    return;
  }
  // Redis's effort: 100 keys per run, more each time a run ended still over the limit.
  if (tracking_.Limit(max_keys, static_cast<int>(100 * (std::min(tracking_over_, 1000u) + 1))))
    tracking_over_ = 0;
  else
    ++tracking_over_;
}

void DbSlice::PreSwap(DbIndex a, DbIndex b) {
  if (dbs_[a]->table->size() > 0 || dbs_[b]->table->size() > 0) AddDirty(1);
  if (watches_.empty()) return;
  // Raw table lookups: an expired key not yet deleted counts as there (and as expired), as in
  // Redis's dictFind + keyIsExpired.
  watches_.TouchSwap(a, b, [this](uint32_t db, std::string_view k) {
    Slot* s = dbs_[db]->table->Find(k, HashKey(k));
    if (s == nullptr) return WatchTable::Presence::kAbsent;
    bool expired = s->has_expire() && s->entry()->expire_ms() <= now_ms_;
    return expired ? WatchTable::Presence::kExpired : WatchTable::Presence::kLive;
  });
}

void DbSlice::SwapDbs(DbIndex a, DbIndex b) {
  if (a == b) return;
  PreSwap(a, b);
  // A waited key that holds a stream now and will not after the swap fails its XREADGROUP
  // waiters (Redis's scanDatabaseForDeletedStreams(emptied, replaced_with)).
  auto is_stream = [this](DbIndex db, std::string_view k) {
    Slot* s = dbs_[db]->table->Find(k, HashKey(k));
    return s != nullptr && s->entry()->type() == ObjType::kStream;
  };
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    blocking_.SignalDbReady(from, [&, from = from, to = to](std::string_view k) {
      return is_stream(from, k) && !is_stream(to, k);
    });
  }
  std::swap(dbs_[a], dbs_[b]);
  // Clients stay blocked on their db index; keys they wait on may exist there now (Redis's
  // scanDatabaseForReadyKeys). An expired one is deleted when served, leaving them blocked.
  for (DbIndex db : {a, b}) {
    DashTable& t = *dbs_[db]->table;
    blocking_.SignalDbReady(db, [&t](std::string_view k) {
      Slot* s = t.Find(k, HashKey(k));
      return s != nullptr && Blockable(s->entry()->type());
    });
  }
}

DbSlice::Slot* DbSlice::Add(DbIndex db, Entry* e) {
  PreChange(db, e->key(), WatchTable::Change::kWrite);
  Db& d = *dbs_[db];
  if (e->has_expire()) ++d.expires;
  if (Blockable(e->type())) blocking_.SignalReady(db, e->key());
  size_t segments = d.table->segments();
  Slot* slot = d.table->Insert(e, HashKey(e->key()));
  if (d.table->segments() != segments) RecountTables();  // a segment split
  notify::Emit(notify::kNew, "new", e->key(), db);       // Redis's dbAdd
  return slot;
}

void DbSlice::Replace(DbIndex db, Slot* slot, Entry* e) {
  PreChange(db, slot->entry()->key(), WatchTable::Change::kWrite);
  ReplaceEntry(db, slot, e);
}

void DbSlice::Reencode(DbIndex db, Slot* slot, Entry* e) { ReplaceEntry(db, slot, e); }

void DbSlice::ReplaceEntry(DbIndex db, Slot* slot, Entry* e) {
  Entry* old = slot->entry();
  Db& d = *dbs_[db];
  // The slot's tag still holds the old expiry bit, also when `e` reused the old block.
  d.expires += static_cast<size_t>(e->has_expire()) - static_cast<size_t>(slot->has_expire());
  // A stream replaced by another type fails its XREADGROUP waiters (Redis's
  // signalDeletedKeyAsReady): signalled like a new blockable value.
  const bool was_stream = old->type() == ObjType::kStream;
  if (old != e) {
    if (lfu_) e->set_lru(old->lru());
    FreeEntry(old, LazyServerDel());
  }
  slot->Set(e);
  if (Blockable(e->type()) || was_stream) blocking_.SignalReady(db, e->key());
}

void DbSlice::SetExpire(DbIndex db, Slot* slot, int64_t expire_ms) {
  Entry* old = slot->entry();
  PreChange(db, old->key(), WatchTable::Change::kWrite);
  Db& d = *dbs_[db];
  bool had = old->has_expire();
  Entry* e = Entry::WithExpire(old, expire_ms);  // may free old
  d.expires += static_cast<size_t>(e->has_expire()) - static_cast<size_t>(had);
  slot->Set(e);
}

Entry* DbSlice::Detach(DbIndex db, Slot* slot) {
  Entry* e = slot->entry();
  PreChange(db, e->key(), WatchTable::Change::kDelete);
  // XREADGROUP waiters learn that their stream is gone (Redis's signalDeletedKeyAsReady).
  if (e->type() == ObjType::kStream) blocking_.SignalReady(db, e->key());
  Db& d = *dbs_[db];
  d.expires -= e->has_expire();
  d.table->Erase(slot);
  return e;
}

bool DbSlice::LazyServerDel() {
  return ShardSettings::Get(ShardSettings::lazyfree_lazy_server_del) != 0;
}

bool DbSlice::FreeEntry(Entry* e, bool lazy) {
  return lazyfree::FreeEntry(e, lazy, &lazy_freed_bytes_);
}

void DbSlice::Delete(DbIndex db, Slot* slot, bool lazy) { FreeEntry(Detach(db, slot), lazy); }

bool DbSlice::DeleteKey(DbIndex db, std::string_view key, bool lazy) {
  Slot* s = Find(db, key);
  if (s == nullptr) return false;
  Delete(db, s, lazy);
  return true;
}

void DbSlice::FlushDb(DbIndex db, bool lazy) {
  PreFlush(db);
  Db& d = *dbs_[db];
  // XREADGROUP waiters on streams the flush removes fail (Redis's scanDatabaseForDeletedStreams).
  blocking_.SignalDbReady(db, [&d](std::string_view k) {
    Slot* s = d.table->Find(k, HashKey(k));
    return s != nullptr && s->entry()->type() == ObjType::kStream;
  });
  if (listener_ != nullptr && listener_->TakeTable(d.table)) {
    d.table = std::make_unique<DashTable>();
  } else if (lazy && d.table->size() > 0) {
    lazyfree::FreeTable(d.table.release(), &lazy_freed_bytes_);
    d.table = std::make_unique<DashTable>();
  } else {
    d.table->Clear();
  }
  RecountTables();
  d.expires = 0;
  d.avg_ttl = 0;
  d.expire_cursor = 0;
}

bool DbSlice::AddLoaded(DbIndex db, Entry* e) {
  Db& d = *dbs_[db];
  uint64_t hash = HashKey(e->key());
  if (d.table->Find(e->key(), hash) != nullptr) return false;
  if (e->has_expire()) ++d.expires;
  size_t segments = d.table->segments();
  d.table->Insert(e, hash);
  if (d.table->segments() != segments) RecountTables();
  return true;
}

void DbSlice::DropTable(std::unique_ptr<DashTable> t) {
  if (t != nullptr) lazyfree::FreeTable(t.release(), &lazy_freed_bytes_);
}

void DbSlice::FlushAll(bool lazy) {
  for (DbIndex i = 0; i < dbs_.size(); ++i) FlushDb(i, lazy);
}

uint64_t DbSlice::ScanStep(DbIndex db, uint64_t cursor,
                           const std::function<void(const Entry*)>& fn) {
  Db& d = *dbs_[db];
  // Collect expired slots first: erasing during the visit is allowed, but deleting here keeps
  // the callback's view simple.
  return d.table->Traverse(cursor, [&](Slot* s) {
    if (s->has_expire() && s->entry()->expire_ms() <= now_ms_) {
      DeleteExpired(db, s, ShardSettings::Get(ShardSettings::lazyfree_lazy_expire) != 0);
      return;
    }
    fn(s->entry());
  });
}

const Entry* DbSlice::RandomEntry(DbIndex db, uint64_t rnd) {
  Db& d = *dbs_[db];
  // Bounded retries so a db full of expired keys cannot loop forever (Redis does the same).
  for (int i = 0; i < 100 && d.table->size() > 0; ++i) {
    Slot* s = d.table->RandomSlot(rnd);
    if (s == nullptr) return nullptr;
    if (s->has_expire() && s->entry()->expire_ms() <= now_ms_) {
      DeleteExpired(db, s, ShardSettings::Get(ShardSettings::lazyfree_lazy_expire) != 0);
      rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
      continue;
    }
    return s->entry();
  }
  return nullptr;
}

bool DbSlice::ActiveExpire(int64_t budget_us) {
  // CLIENT PAUSE: the active cycle waits (a lookup still deletes the keys it finds expired).
  if (now_ms_ < ShardSettings::Get(ShardSettings::expire_paused_until_ms)) return false;
  ShardStats::Inc(stats_.expire_cycles);
  int64_t deadline = MonotonicUs() + budget_us;
  size_t checked = 0, expired = 0;
  bool lazy_expire = ShardSettings::Get(ShardSettings::lazyfree_lazy_expire) != 0;
  for (unsigned n = 0; n < dbs_.size(); ++n) {
    DbIndex db = (expire_db_ + n) % dbs_.size();
    Db& d = *dbs_[db];
    if (d.expires == 0) continue;
    unsigned steps = 0;
    int64_t ttl_sum = 0, ttl_n = 0;
    do {
      d.expire_cursor = d.table->Traverse(d.expire_cursor, [&](Slot* s) {
        if (!s->has_expire()) return;
        ++checked;
        int64_t when = s->entry()->expire_ms();
        if (when <= now_ms_) {
          DeleteExpired(db, s, lazy_expire);
          ++expired;
        } else {
          ttl_sum += when - now_ms_;
          ++ttl_n;
        }
      });
      if ((++steps & 63) == 0 && MonotonicUs() >= deadline) {
        expire_db_ = db;
        if (ttl_n) d.avg_ttl = (d.avg_ttl / 50) * 49 + (ttl_sum / ttl_n) / 50;
        return checked > 0 && expired * 10 > checked;
      }
    } while (d.expire_cursor != 0 && d.expires > 0);
    if (ttl_n) d.avg_ttl = ttl_sum / ttl_n;
    if (d.expires == 0) d.avg_ttl = 0;
  }
  return false;
}

void DbSlice::RecountTables() {
  size_t bytes = 0;
  for (const auto& d : dbs_) bytes += d->table->TableBytes();
  table_bytes_.store(bytes, std::memory_order_relaxed);
}

size_t DbSlice::UsedBytes() const {
  size_t table = table_bytes_.load(std::memory_order_relaxed);
  int64_t heap = heap_bytes_.load(std::memory_order_relaxed) +
                 lazy_freed_bytes_.load(std::memory_order_relaxed);
  return table + static_cast<size_t>(heap > 0 ? heap : 0);
}

}  // namespace shoal
