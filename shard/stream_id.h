// A stream entry ID (Redis's streamID): milliseconds and a sequence number, ordered as a pair.
// Parsing and formatting of the "<ms>-<seq>" text form live with the stream commands.
#pragma once

#include <compare>
#include <cstdint>

namespace shoal {

// A consumer group's entries_read when it is not known (Redis's SCG_INVALID_ENTRIES_READ).
inline constexpr int64_t kStreamInvalidEntriesRead = -1;

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  friend constexpr auto operator<=>(const StreamID&, const StreamID&) = default;

  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
};

}  // namespace shoal
