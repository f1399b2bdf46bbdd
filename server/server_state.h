// Process-wide state: config, command table, shards, global counters. Built in main before the
// shard threads start; immutable after that except for atomics and the config (whose setters are
// safe from any thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/command_registry.h"
#include "server/config.h"

namespace shoal {

class ShardSet;

// Per-command counters; one array per shard thread, written by that thread only.
struct CmdStat {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> ticks{0};  // Ticks() spent (shard/clock.h): usec = ticks / TicksPerUs()
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> failed{0};
};

inline void Bump(std::atomic<uint64_t>& c, uint64_t by = 1) {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// Per-thread connection counters, written by the owning thread.
struct ThreadStats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> connected_clients{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> rejected_calls{0};
  std::atomic<uint64_t> failed_calls{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> error_replies{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> query_buffer_limit_disconnects{0};
  // The largest query / output buffer of this thread's clients in the last seconds (INFO clients).
  std::atomic<uint64_t> recent_max_input_buffer{0};
  std::atomic<uint64_t> recent_max_output_buffer{0};
};

struct ServerState {
  Config config;
  CommandRegistry registry;
  std::unique_ptr<ShardSet> shards;
  std::vector<std::unique_ptr<CmdStat[]>> cmd_stats;       // [shard][command index]
  std::vector<std::unique_ptr<ThreadStats>> thread_stats;  // [shard]
  std::atomic<uint64_t> next_client_id{1};
  int64_t start_time_ms = 0;
  size_t startup_memory = 0;  // heap bytes once the server was set up (used_memory_startup)
  std::string executable;
  std::string config_file;
  int tcp_port = 0;
  // Any thread: stops the server (a save, when wanted, was made before: SHUTDOWN's handler,
  // SIGTERM's in main.cc).
  std::function<void()> request_shutdown;
  std::atomic<bool> shutting_down{false};
  // The default user has no password (`nopass`): protected mode then serves only loopback
  // clients. Kept current by the ACL code (server/acl.cc) whenever the default user changes.
  std::atomic<bool> default_user_nopass{true};
};

ServerState* NewServerState();
// Inline: every command reads it several times (one guard-byte test once it exists). Forced:
// GCC kept an out-of-line copy for the biggest callers (35 instructions per GET under callgrind).
[[gnu::always_inline]] inline ServerState& Server() {
  static ServerState* const state = NewServerState();  // lives until exit; shard threads use it
  return *state;
}

// Builds the command table, the shard set (not started) and the per-thread counters from the
// config. Once, before the shards start (main, and the unit tests' in-process server).
void CreateShards(unsigned nshards);

}  // namespace shoal
