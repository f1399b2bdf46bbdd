// Client-side caching (Redis's tracking.c), the shard's part: the tracking table of one shard
// and the hook through which it reports changes.
//
// A tracking client (CLIENT TRACKING ON, default mode) that reads a key is remembered in the table
// of the key's shard: key name -> the clients (id, home thread) that may cache it. Redis tracks by
// key name whatever the db, and so does the table. When the key changes (DbSlice::PreChange or
// Modified: any write, expiry, eviction), the shard hands the clients to the hook and forgets the
// key until it is read again. BCAST clients are not in the table: while any BCAST prefix exists
// anywhere (g_bcast_prefixes), every change is also handed to the hook, which matches prefixes.
//
// shard/ knows nothing of connections: the server installs the hook at startup (server/tracking.h)
// and delivers the invalidations to the clients' threads through their queues.
//
// Threading: a table belongs to its DbSlice (its shard's thread, or the thread its data is lent
// to). The counters below are atomics read by INFO and by the table limit from any thread.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::tracking {

// A client that may cache a key: its id and the thread it lives on.
struct Client {
  uint64_t id = 0;
  uint32_t thread = 0;
  bool operator==(const Client& o) const { return id == o.id; }
};
using Clients = absl::InlinedVector<Client, 2>;

// The keys a tracking client's read spanning shards remembers, each on its shard, in the hop
// that reads it (server/transaction.cc).
struct ReadKeys {
  Client client;
  std::vector<std::string> keys;
};

// The server's delivery (installed once at startup, before the shard threads start).
struct Hooks {
  // `key` changed and `clients` had it in their table (the key is forgotten already). `bcast`:
  // BCAST prefixes must also be matched (false when the table limit drops the key).
  void (*invalidate)(const Clients& clients, std::string_view key, bool bcast) = nullptr;
};
void SetHooks(const Hooks& hooks);
extern Hooks g_hooks;

// Registrations of BCAST prefixes anywhere (> 0: every change must be matched).
inline std::atomic<int64_t> g_bcast_prefixes{0};
inline bool BcastActive() { return g_bcast_prefixes.load(std::memory_order_relaxed) > 0; }

// The client whose command runs on this thread right now (0: none, e.g. the active expiry cycle):
// NOLOOP clients get no invalidation for their own changes (Redis's server.current_client).
inline thread_local uint64_t tl_current_client = 0;
class CurrentClientScope {
 public:
  explicit CurrentClientScope(uint64_t id) : saved_(tl_current_client) { tl_current_client = id; }
  ~CurrentClientScope() { tl_current_client = saved_; }
  CurrentClientScope(const CurrentClientScope&) = delete;
  CurrentClientScope& operator=(const CurrentClientScope&) = delete;

 private:
  uint64_t saved_;
};

// Keys and (key, client) items in all tables together (INFO tracking_total_keys/items, and the
// tracking-table-max-keys limit, which is process-wide as Redis's).
inline std::atomic<int64_t> g_total_keys{0};
inline std::atomic<int64_t> g_total_items{0};

class Table {
 public:
  Table() = default;
  ~Table() { Clear(); }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // trackingRememberKeys, for one key.
  void Remember(std::string_view key, Client c);
  // trackingInvalidateKey: the key changed. Hands its clients (if any) to the hook, forgets it.
  void Invalidate(std::string_view key, bool bcast);
  // FLUSHALL/FLUSHDB: Redis frees the whole table (every db); the null invalidation goes to every
  // tracking client from the flush command itself (server side), not from here.
  void Clear();
  // trackingLimitUsedSlots: while the total is over tracking-table-max-keys (0: no limit), drops
  // keys of this table (with an invalidation) at most `effort` of them; true when it ended under.
  bool Limit(int64_t max_keys, int effort);

 private:
  absl::flat_hash_map<std::string, Clients> keys_;
};

// A change of `key` in a table (the write path's call): cheap when nobody tracks.
inline void OnChange(Table& t, std::string_view key) {
  if (!t.empty() || BcastActive()) t.Invalidate(key, /*bcast=*/true);
}

}  // namespace shoal::tracking
