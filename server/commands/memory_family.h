// Memory accounting shared by INFO's "# Memory" section, MEMORY STATS and MEMORY DOCTOR (Redis's
// getMemoryOverheadData): what each shard thread reports in one control hop, and the
// process-wide figures derived from it.
//
// used_memory = startup + Σ shard DbSlice::UsedBytes() + client buffers; the overhead is startup
// + key tables + client buffers, the dataset the rest. Client buffers are the query and reply
// buffers of every connection (Connection::BufferBytes), summed per shard thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "shard/db_slice.h"

namespace shoal {

class Shard;

// One shard thread's share, filled on that thread by Collect.
struct ShardMemory {
  struct Db {
    size_t keys = 0;
    size_t table_bytes = 0;  // DbSlice::TableBytes
  };
  size_t data_bytes = 0;    // DbSlice::UsedBytes
  size_t client_bytes = 0;  // buffers of the connections living on this thread
  size_t clients = 0;       // those connections
  std::vector<Db> dbs;

  void Collect(Shard& shard, unsigned num_dbs);
};

// The process-wide view. Byte differences that may be negative (fragmentation below 1) are
// signed, as Redis prints them.
struct MemoryOverview {
  struct Db {
    DbIndex index = 0;
    size_t table_bytes = 0;
  };
  size_t used = 0;
  size_t peak = 0;
  size_t startup = 0;
  size_t clients_normal = 0;
  size_t clients = 0;  // connected clients
  size_t overhead = 0;
  size_t dataset = 0;
  size_t keys = 0;
  size_t bytes_per_key = 0;
  float dataset_perc = 0;
  float peak_perc = 0;
  std::vector<Db> dbs;  // databases holding keys
  // The process and the allocator (AllocatorFigures in memory_family.cc says what stands for
  // what with mimalloc).
  size_t rss = 0;
  size_t allocator_allocated = 0;
  size_t allocator_active = 0;
  size_t allocator_resident = 0;
  float allocator_frag = 0;
  int64_t allocator_frag_bytes = 0;
  float allocator_rss = 0;
  int64_t allocator_rss_bytes = 0;
  float rss_overhead = 0;
  int64_t rss_overhead_bytes = 0;
  float total_frag = 0;
  int64_t total_frag_bytes = 0;
};

// Sums the shards' reports and updates the peak (used_memory_peak: the highest used memory any
// INFO or MEMORY call has seen). Any thread.
MemoryOverview SummarizeMemory(const std::vector<ShardMemory>& shards);

// INFO mem_allocator and MEMORY DOCTOR's allocator name: "mimalloc-<version>", or "libc" in the
// sanitizer builds (SHOAL_SYSTEM_MALLOC), as Redis names the C library's allocator.
std::string AllocatorName();

}  // namespace shoal
