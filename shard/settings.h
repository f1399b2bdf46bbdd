// Settings the shards read on their own threads: the one home of each of them. The CONFIG table
// (server/config.cc) points at these atomics, so CONFIG SET and the config file write them here
// directly, from any thread; readers load them relaxed (a new value takes effect for the next
// check that reads it, as in Redis). Settings only the server layer reads stay in server/Config.
#pragma once

#include <atomic>
#include <cstdint>

#include "shard/access.h"

namespace shoal {

struct ShardSettings {
  static inline std::atomic<int64_t> hz{10};            // active expiry runs hz times per second
  static inline std::atomic<int64_t> active_expire{1};  // DEBUG SET-ACTIVE-EXPIRE
  // DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE payloads (and RDB files) skip the CRC64 check.
  static inline std::atomic<int64_t> skip_checksum_validation{0};
  // Collection encoding thresholds (Redis's config names; CONFIG SET takes effect for the next
  // write that checks them, as in Redis).
  static inline std::atomic<int64_t> hash_max_listpack_entries{512};
  static inline std::atomic<int64_t> hash_max_listpack_value{64};
  static inline std::atomic<int64_t> set_max_intset_entries{512};
  static inline std::atomic<int64_t> zset_max_listpack_entries{128};
  static inline std::atomic<int64_t> zset_max_listpack_value{64};
  static inline std::atomic<int64_t> list_max_listpack_size{-2};
  static inline std::atomic<int64_t> stream_node_max_bytes{4096};  // shard/stream.h node limits
  static inline std::atomic<int64_t> stream_node_max_entries{100};
  // Cache mode (Redis's names; shard/evict.h).
  static inline std::atomic<int64_t> maxmemory{0};  // bytes; 0: no limit
  static inline std::atomic<int64_t> maxmemory_policy{
      static_cast<int64_t>(EvictPolicy::kNoEviction)};
  static inline std::atomic<int64_t> maxmemory_samples{5};
  static inline std::atomic<int64_t> maxmemory_eviction_tenacity{10};
  static inline std::atomic<int64_t> lfu_log_factor{10};
  static inline std::atomic<int64_t> lfu_decay_time{1};
  static inline std::atomic<int64_t> lazyfree_lazy_eviction{0};
  static inline std::atomic<int64_t> lazyfree_lazy_expire{0};
  static inline std::atomic<int64_t> lazyfree_lazy_server_del{0};
  static inline std::atomic<int64_t> lazyfree_lazy_user_del{0};
  static inline std::atomic<int64_t> lazyfree_lazy_user_flush{0};
  // slab-huge-pages (Shoal's own): the entry slabs' chunks past a shard's first 16 MiB ask for
  // transparent huge pages (shard/slab.h); read when a chunk is mapped.
  static inline std::atomic<int64_t> slab_huge_pages{1};
  // notify-keyspace-events, as Redis's NOTIFY_* flags (shard/notify.h); 0: none.
  static inline std::atomic<int64_t> notify_keyspace_events{0};
  // tracking-table-max-keys: keys in the client-side caching tables, all shards together (0: no
  // limit); over it, keys are dropped with an invalidation (shard/tracking.h).
  static inline std::atomic<int64_t> tracking_table_max_keys{1000000};
  // CLIENT PAUSE's end (unix ms) while clients are paused: until then the active expiry cycle does
  // not run (Redis pauses expiry with the clients).
  static inline std::atomic<int64_t> expire_paused_until_ms{0};
  // hll-sparse-max-bytes: a sparse HyperLogLog that would grow past it turns dense.
  static inline std::atomic<int64_t> hll_sparse_max_bytes{3000};
  static int64_t Get(const std::atomic<int64_t>& v) { return v.load(std::memory_order_relaxed); }
};

}  // namespace shoal
