// Stream consumer groups (Redis's streamCG, streamConsumer, streamNACK): the data a stream's
// groups hold. A group's PEL owns the pending entries; each consumer's PEL points at the ones
// delivered to it (the same NACK object, as in Redis), so XACK/XCLAIM update both in one step.
// Ordered maps because XPENDING, XINFO and XAUTOCLAIM walk IDs and names in order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/btree_map.h"
#include "shard/stream_id.h"

namespace shoal {

struct StreamConsumer;

// One pending (delivered, not yet acknowledged) entry.
struct StreamNack {
  uint64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  uint64_t seen_time = 0;                       // unix ms of the last interaction
  absl::btree_map<StreamID, StreamNack*> pel;  // points into the group's PEL
};

struct StreamCG {
  StreamID last_id;             // last ID delivered to this group
  int64_t entries_read = -1;    // logical read counter; -1 = unknown (SCG_INVALID_ENTRIES_READ)
  absl::btree_map<StreamID, std::unique_ptr<StreamNack>> pel;
  absl::btree_map<std::string, std::unique_ptr<StreamConsumer>> consumers;
};

// A stream's groups by name (byte order, as Redis's rax lists them).
using StreamGroups = absl::btree_map<std::string, std::unique_ptr<StreamCG>>;

}  // namespace shoal
