// DbSlice: one shard's partition of every logical database (SELECT 0..databases-1).
// Owns the DashTables, expiry (lazy on lookup + an active cycle) and the access clock.
//
// Threading: owned by its Shard; every method on that shard's thread only. Nothing outside the
// shard keeps a Slot* or Entry* across a hop: callbacks copy what they need.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shard/access.h"
#include "shard/blocking.h"
#include "shard/dash_table.h"
#include "shard/hash.h"
#include "shard/slab.h"
#include "shard/tracking.h"
#include "shard/watch.h"

namespace shoal {

using DbIndex = uint32_t;

// Counters written by the owning shard only, read by INFO from any thread.
struct ShardStats {
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> expire_cycles{0};
  std::atomic<uint64_t> evicted_keys{0};

  static void Inc(std::atomic<uint64_t>& c, uint64_t by = 1) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
};

// The snapshot's serialize-before-change (persistence/snapshot.h): told before any change to a
// key table while a snapshot of it runs. At most one per slice; shard thread only.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Before a change to the key of `hash` in `table` (an add, a replace, an in-place edit, an
  // expiry, a delete). Must not call back into the slice.
  virtual void BeforeChange(DashTable& table, uint64_t hash) = 0;
  // Before FlushDb frees `table`: true when the listener took it (it walks and frees it itself);
  // the db then starts over with a fresh table.
  virtual bool TakeTable(std::unique_ptr<DashTable>& table) = 0;
};

class DbSlice {
 public:
  using Slot = DashTable::Slot;

  DbSlice(uint32_t shard_id, unsigned num_dbs);
  ~DbSlice();

  // The time commands see; set once per batch of commands (Redis caches it per command call).
  // Also reads maxmemory-policy, which decides how access fields are kept (shard/access.h).
  void SetNow(int64_t now_ms);
  int64_t now_ms() const { return now_ms_; }
  // The access field of a key created now: the LRU clock, or the LFU start (now, counter 5).
  uint32_t access_stamp() const { return access_stamp_; }
  uint32_t lru_clock() const { return lru_clock_; }
  bool lfu() const { return lfu_; }

  // Finds a live key; an expired one is deleted on the way (lazy expiry) and reported missing.
  // Does not touch the access field or the hit/miss counters.
  Slot* Find(DbIndex db, std::string_view key);
  // The two lookups commands use (Redis's lookupKeyRead / lookupKeyWrite): a live key, its access
  // recorded (LRU clock or LFU counter); the read lookup also counts a keyspace hit or miss.
  // Changing what a write lookup found in place is announced with Modified (the write path,
  // below); the mutators announce their own changes.
  Slot* FindRead(DbIndex db, std::string_view key);
  Slot* FindWrite(DbIndex db, std::string_view key);
  // The same with checkType: nullptr, and *wrong_type set, when the key holds another type.
  Slot* FindRead(DbIndex db, std::string_view key, ObjType type, bool* wrong_type);
  Slot* FindWrite(DbIndex db, std::string_view key, ObjType type, bool* wrong_type);
  // Records an access to e (the LRU clock, or an LFU increment).
  void Touch(Entry* e);
  // Before a batch of commands runs (Valkey 8's memory access amortization), in two steps: every
  // key's table bucket (hashes[i] = the key's hash), then, once the buckets have had time to
  // arrive (after the batch's first command ran), every entry they point to with the key's
  // fingerprint. The cache misses of a batch then overlap instead of stalling one command after
  // another. Hints: they change nothing.
  void PrefetchBuckets(DbIndex db, const std::string_view* keys, size_t n, uint64_t* hashes) const;
  void PrefetchEntries(DbIndex db, const uint64_t* hashes, size_t n) const;
  // Whether prefetching pays for db: its table, times `shards` (the other shards' tables are
  // about as big and share the caches), holds more keys than the caches do (~80 bytes a key).
  // Below that the keys are mostly cached already and the look-ahead would only cost.
  static constexpr size_t kPrefetchMinKeys = size_t{1} << 18;
  bool PrefetchPays(DbIndex db, size_t shards) const {
    return DbSize(db) * shards >= kPrefetchMinKeys;
  }

  // Adds a new key (must be absent). Returns its slot (valid until the next Add).
  Slot* Add(DbIndex db, Entry* e);
  // Puts `e` (same key) in place of the slot's entry, freeing the old one unless it is `e`
  // (an entry rewritten in its own block, e.g. Entry::NewString with `reuse`; its out-of-line
  // size must not have changed). The old value is a server delete (lazyfree-lazy-server-del);
  // under an LFU policy the key keeps its counter, as Redis's overwrite does.
  void Replace(DbIndex db, Slot* slot, Entry* e);
  // Replace for an `e` that holds the same value in another encoding or a bigger block (Redis's
  // dbUnshareStringValue: an int or embstr string made raw for in-place edits). The value does not
  // change, so nothing is signalled; the caller signals the edit it then makes (Modified).
  void Reencode(DbIndex db, Slot* slot, Entry* e);
  // Sets or clears (0) the expiry of the entry in slot.
  void SetExpire(DbIndex db, Slot* slot, int64_t expire_ms);
  // Removes and frees the entry; `lazy` frees a big value on the lazyfree thread. Without `lazy`,
  // a delete made by the server for a command (a STORE emptying its destination, a collection
  // left empty) follows lazyfree-lazy-server-del, as Redis's dbDelete.
  void Delete(DbIndex db, Slot* slot, bool lazy);
  void Delete(DbIndex db, Slot* slot) { Delete(db, slot, LazyServerDel()); }
  bool DeleteKey(DbIndex db, std::string_view key, bool lazy);
  bool DeleteKey(DbIndex db, std::string_view key) { return DeleteKey(db, key, LazyServerDel()); }
  // Frees an entry no table holds any more (lazily when `lazy` and it is big: returns true then).
  bool FreeEntry(Entry* e, bool lazy);
  // Removes the entry from the table without freeing it (the caller owns it).
  Entry* Detach(DbIndex db, Slot* slot);
  // Loading (RDB, Redis's dbAddRDBLoad): adds e without any signal or event; false (e not
  // taken) when the key exists.
  bool AddLoaded(DbIndex db, Entry* e);
  // Frees a table no db holds any more (one a snapshot took from FlushDb), on the lazyfree
  // thread.
  void DropTable(std::unique_ptr<DashTable> t);

  // `lazy`: the old table and its entries are freed on the lazyfree thread (FLUSHALL ASYNC).
  void FlushDb(DbIndex db, bool lazy = false);
  void FlushAll(bool lazy = false);
  // SWAPDB: exchanges the contents of dbs a and b (tables, expiry count, avg_ttl, the active
  // cycle's cursor). What clients watch or wait on stays with the db index (Redis's
  // dbSwapDatabases): the watches are touched first (PreSwap), and afterwards every key a client
  // waits on in either db that now holds a value is marked ready (served at the next
  // ServeBlocked, as after any command).
  void SwapDbs(DbIndex a, DbIndex b);
  size_t DbSize(DbIndex db) const { return dbs_[db]->table->size(); }
  size_t ExpiresCount(DbIndex db) const { return dbs_[db]->expires; }
  unsigned num_dbs() const { return static_cast<unsigned>(dbs_.size()); }
  // Sum of ttl over keys with expiry is not tracked exactly; Redis reports a running estimate.
  int64_t AvgTtl(DbIndex db) const { return dbs_[db]->avg_ttl; }

  // Visits one table step from cursor; fn(Entry*) sees live (non-expired) entries only.
  // Returns the next cursor (0 = done).
  uint64_t ScanStep(DbIndex db, uint64_t cursor, const std::function<void(const Entry*)>& fn);

  // A random live entry of db, or nullptr when the db is empty.
  const Entry* RandomEntry(DbIndex db, uint64_t rnd);

  // One slice of the active expiry cycle: walks the tables from where the last slice stopped,
  // deleting expired keys, for at most `budget_us` microseconds. Returns true if it ran out of
  // time while still finding many expired keys (the caller schedules the next slice sooner).
  bool ActiveExpire(int64_t budget_us);

  // --- The write path ---
  // Two signals, both right before the change they announce. They are where WATCH marks
  // transactions dirty, the dirty counter counts and client-side caching invalidates (the
  // tracking table, shard/tracking.h); the snapshot's serialize-before-change and the journal
  // will hang here too.
  //
  // PreChange: the structural hook. The mutators above call it for the key they change (Add,
  // Replace, SetExpire, Detach and so Delete, lazy and active expiry, eviction); FlushDb calls
  // PreFlush, SwapDbs PreSwap. Callers of the mutators never call it themselves.
  //
  // Modified: the in-place signal (Redis's signalModifiedKey + server.dirty). A handler that
  // edits a value it found with FindWrite without going through a mutator (LPUSH onto a list,
  // APPEND, HINCRBY, SADD of a new member ...) calls it right before the first edit that really
  // changes something, once per key and command, and only then: a write that turns out to change
  // nothing (SADD of a member already there, LREM of nothing, SET NX on an existing key) calls
  // neither signal, so it does not abort a WATCHer's EXEC, as in Redis. A handler may look first
  // (find that a member is absent) and signal before editing. `dirty_by` is what Redis adds to
  // server.dirty (SADD: the members added); a count known only after the edits goes to
  // AddDirty. Dirty may differ from Redis's by one where a command both edits a value and then
  // deletes or replaces it through a mutator (SREM emptying a set, SPOP of the last member): both
  // signals count. Handlers never change an Entry found any other way.
  void PreChange(DbIndex db, std::string_view key, WatchTable::Change change) {
    AddDirty(1);
    PreWrite(db, key);
    if (!watches_.empty()) watches_.Touch(db, key, change);
    tracking::OnChange(tracking_, key);
  }
  void Modified(DbIndex db, std::string_view key, uint64_t dirty_by = 1) {
    AddDirty(dirty_by);
    PreWrite(db, key);
    if (!watches_.empty()) watches_.Touch(db, key, WatchTable::Change::kWrite);
    tracking::OnChange(tracking_, key);
  }
  // The snapshot part of the signals alone, for a change that must be announced before the
  // mutator runs: a string rewritten in its own block (Entry::NewString with `reuse`) before
  // Replace. Announcing a key twice is harmless.
  void PreWrite(DbIndex db, std::string_view key) {
    if (listener_ != nullptr) listener_->BeforeChange(*dbs_[db]->table, HashKey(key));
  }
  // Changes counted after the Modified signal that announced them (server.dirty += n).
  void AddDirty(uint64_t n) {
    dirty_.store(dirty_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Expiry and eviction are not changes in Redis's count (server.dirty) nor in what a command
  // is judged to have changed (the journal): called right after the delete that counted one.
  void UncountChange() {
    dirty_.store(dirty_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  void PreFlush(DbIndex db);
  void PreSwap(DbIndex a, DbIndex b);
  // Changes made to this shard's data since start (Redis's server.dirty, per shard). Any thread
  // may read it (the save rules sum every shard's).
  uint64_t dirty() const { return dirty_.load(std::memory_order_relaxed); }
  // The running snapshot's hook (nullptr: none). Shard thread only.
  void SetChangeListener(ChangeListener* l) { listener_ = l; }
  ChangeListener* change_listener() const { return listener_; }
  // Keys watched on this shard (WATCH), and whether any is.
  WatchTable& watches() { return watches_; }
  bool watching() const { return !watches_.empty(); }
  // Keys tracking clients read on this shard (client-side caching).
  tracking::Table& tracking() { return tracking_; }
  // From the cron and after keys were remembered: Redis's trackingLimitUsedSlots, for this table.
  void LimitTracking();
  // keyIsExpired: the key is present and past its TTL (not deleted here).
  bool KeyIsExpired(DbIndex db, std::string_view key);

  size_t SegmentCount(DbIndex db) const { return dbs_[db]->table->segments(); }
  // Bytes of db's key table structure (directory + segments), entries not included.
  size_t TableBytes(DbIndex db) const { return dbs_[db]->table->TableBytes(); }
  // The key table itself, for the evictor's sampling (shard/evict.h) only.
  DashTable& table(DbIndex db) { return *dbs_[db]->table; }
  // Bytes held by this shard's data: its heap counter (entries, strings, collection structures)
  // plus the tables, less what the lazyfree thread freed. Any thread may call it. Values moved
  // across shards (RENAME/COPY) hand their bytes over (estimated for big collections, so a shard's
  // figure may drift by that estimate's error); the sum over shards is exact.
  size_t UsedBytes() const;
  // The counter the owning shard thread registers with mem::SetThreadCounter.
  std::atomic<int64_t>* heap_counter() { return &heap_bytes_; }
  // A random number from the shard's generator (LFU increments, eviction sampling).
  uint64_t NextRandom() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }

  ShardStats& stats() { return stats_; }
  // Clients blocked on this shard's keys (Add/Replace signal it when a list or zset appears).
  BlockingController& blocking() { return blocking_; }
  uint32_t shard_id() const { return shard_id_; }
  // The shard's small-block allocator for entries (shard/slab.h): the thread working on this
  // shard's data installs it as tl_slab.
  Slab& slab() { return slab_; }

 private:
  struct Db {
    std::unique_ptr<DashTable> table = std::make_unique<DashTable>();
    size_t expires = 0;
    int64_t avg_ttl = 0;
    uint64_t expire_cursor = 0;
  };
  bool ExpireIfNeeded(DbIndex db, Slot* slot);
  // Deletes a key found past its TTL: counts it and emits the `expired` event.
  void DeleteExpired(DbIndex db, Slot* slot, bool lazy);
  void ReplaceEntry(DbIndex db, Slot* slot, Entry* e);  // Replace without the signal
  // Recomputes table_bytes_ (after a segment split or a flush).
  void RecountTables();
  static bool LazyServerDel();

  // First member, destroyed last: the tables' entries are freed before it.
  Slab slab_;
  uint32_t shard_id_;
  int64_t now_ms_ = 0;
  uint32_t lru_clock_ = 0;
  uint32_t access_stamp_ = 0;
  bool lfu_ = false;
  uint64_t rng_;
  std::vector<std::unique_ptr<Db>> dbs_;
  unsigned expire_db_ = 0;  // where the active cycle resumes
  // Heap bytes of this shard's data (entries, strings, collections): the shard thread's
  // shard/alloc.h counter. Written by the shard thread only; read by INFO from any thread.
  std::atomic<int64_t> heap_bytes_{0};
  // Σ TableBytes over the dbs, kept by Add and FlushDb; atomic like the counters, so that
  // UsedBytes may be read from any thread (the eviction budget sums every shard's).
  std::atomic<size_t> table_bytes_{0};
  // What the lazyfree thread freed of this shard's data (negative; written by that thread only).
  std::atomic<int64_t> lazy_freed_bytes_{0};
  ShardStats stats_;
  BlockingController blocking_;
  WatchTable watches_;
  tracking::Table tracking_;
  unsigned tracking_over_ = 0;  // consecutive limit runs that ended still over (effort grows)
  std::atomic<uint64_t> dirty_{0};
  ChangeListener* listener_ = nullptr;
};

}  // namespace shoal
