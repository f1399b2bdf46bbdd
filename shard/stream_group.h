// Stream consumer groups (Redis's streamCG, streamConsumer, streamNACK): the data a stream's
// groups hold, and the operations XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, XPENDING and
// XINFO perform on it. A group's PEL owns the pending entries; each consumer's PEL points at the
// ones delivered to it (the same NACK object, as in Redis), so XACK/XCLAIM update both in one
// step. Ordered maps because XPENDING, XINFO and XAUTOCLAIM walk IDs and names in order.
//
// Invariant (every operation below keeps it): a NACK in the group PEL under ID i with consumer c
// is in c's PEL under i, and every consumer PEL entry is such a NACK. Only a NACK created by
// XCLAIM FORCE has no consumer, and only until the same call claims it.
//
// Thread: the owning shard's, like the stream that holds the groups. Times are unix ms passed in
// by the caller (one clock per command).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "shard/stream_id.h"

namespace shoal {

class Stream;
struct StreamConsumer;

// One pending (delivered, not yet acknowledged) entry.
struct StreamNack {
  uint64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  uint64_t seen_time = 0;                      // unix ms of the last interaction
  absl::btree_map<StreamID, StreamNack*> pel;  // points into the group's PEL
};

struct StreamCG {
  StreamID last_id;           // last ID delivered to this group
  int64_t entries_read = -1;  // logical read counter; -1 = unknown (SCG_INVALID_ENTRIES_READ)
  absl::btree_map<StreamID, std::unique_ptr<StreamNack>> pel;
  absl::btree_map<std::string, std::unique_ptr<StreamConsumer>> consumers;
};

// A stream's groups by name (byte order, as Redis's rax lists them).
using StreamGroups = absl::btree_map<std::string, std::unique_ptr<StreamCG>>;

// --- Groups ---
StreamCG* LookupGroup(const StreamGroups& groups, std::string_view name);
// nullptr when a group of that name exists (-BUSYGROUP).
StreamCG* CreateGroup(StreamGroups& groups, std::string_view name, StreamID last_id,
                      int64_t entries_read);
// false when there was no such group. Frees its NACKs and consumers.
bool DestroyGroup(StreamGroups& groups, std::string_view name);

// --- Consumers ---
// Does not touch seen_time (Redis's SLC_NO_REFRESH); callers that "interact" set it.
StreamConsumer* LookupConsumer(const StreamCG& cg, std::string_view name);
// nullptr when the consumer exists.
StreamConsumer* CreateConsumer(StreamCG& cg, std::string_view name, uint64_t now_ms);
// Looks up (refreshing seen_time) or creates; *created tells which.
StreamConsumer* FindOrCreateConsumer(StreamCG& cg, std::string_view name, uint64_t now_ms,
                                     bool* created);
// Deletes the consumer and its pending entries from the group PEL; returns how many it had,
// or nullopt when there was no such consumer.
std::optional<size_t> DeleteConsumer(StreamCG& cg, std::string_view name);

// --- Delivery, acknowledgement, claiming ---
// XREADGROUP '>' delivered `id` to `consumer`: a fresh NACK (count 1, time now), or, when the
// group already had one for `id` (the group's last ID was set back by XGROUP SETID), that NACK
// moved to `consumer` with count 1 and time now.
StreamNack* DeliverNew(StreamCG& cg, StreamConsumer& consumer, StreamID id, uint64_t now_ms);
// XREADGROUP with an explicit ID served `nack` again from its consumer's history.
inline void Redeliver(StreamNack& nack, uint64_t now_ms) {
  nack.delivery_time = now_ms;
  ++nack.delivery_count;
}
StreamNack* FindNack(const StreamCG& cg, StreamID id);
// Removes `id` from the group PEL and its consumer's PEL; false when it was not pending.
bool Ack(StreamCG& cg, StreamID id);
// XCLAIM FORCE on an entry not pending: a NACK with no consumer, count 1 and time now (Redis's
// streamCreateNACK(NULL)), to be claimed by ClaimNack in the same step.
StreamNack* CreateUnownedNack(StreamCG& cg, StreamID id, uint64_t now_ms);
// Gives the pending `id` (whose NACK is `nack`) to `consumer` with the given delivery time.
// retry_count >= 0 sets the delivery count; otherwise it is incremented unless `justid`.
void ClaimNack(StreamID id, StreamNack& nack, StreamConsumer& consumer, uint64_t delivery_time,
               int64_t retry_count, bool justid);

// --- XPENDING ---
struct PendingSummary {
  size_t count = 0;
  StreamID min, max;                                      // meaningful when count > 0
  std::vector<std::pair<std::string, size_t>> consumers;  // those with pending entries, by name
};
PendingSummary SummarizePending(const StreamCG& cg);

struct PendingEntry {
  StreamID id;
  std::string consumer;
  uint64_t idle = 0;  // ms since the last delivery, clamped at 0
  uint64_t delivery_count = 0;
};
// Entries with start <= id <= end, at most `count`, idle >= min_idle (when min_idle > 0), from
// `consumer`'s PEL when given, else the group's.
std::vector<PendingEntry> PendingRange(const StreamCG& cg, const StreamConsumer* consumer,
                                       StreamID start, StreamID end, size_t count, int64_t min_idle,
                                       uint64_t now_ms);

// --- Lag and entries_read (Redis 7.0), over the stream's own counters (shard/stream.h) ---
// Redis's streamReplyWithCGLag: nullopt when the lag cannot be known (nil in XINFO GROUPS).
std::optional<int64_t> GroupLag(const Stream& s, const StreamCG& cg);
// A group read the entry `id`: moves last_id forward and keeps entries_read as Redis's
// streamReplyWithRange does. Returns false (and changes nothing) when id <= last_id.
bool AdvanceGroup(StreamCG& cg, const Stream& s, StreamID id);

}  // namespace shoal
