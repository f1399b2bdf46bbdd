// Keyspace notifications (Redis's notify.c): the event classes of `notify-keyspace-events` and
// the one call shard code and commands make after a change, Emit.
//
// Emit runs on the thread that made the change (a shard thread, or a script's thread working on
// lent data) right after it, as Redis's notifyKeyspaceEvent. When the class is enabled it hands
// the event to the hook the server installed at startup (server/pubsub.cc), which publishes
// `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>` from that thread. shard/ knows nothing
// of pub/sub: it only calls the hook. Disabled classes cost one relaxed load.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "shard/settings.h"

namespace shoal::notify {

// Redis's NOTIFY_* values (server.h), so flags strings and tests match.
enum : int64_t {
  kKeyspace = 1 << 0,  // K
  kKeyevent = 1 << 1,  // E
  kGeneric = 1 << 2,   // g
  kString = 1 << 3,    // $
  kList = 1 << 4,      // l
  kSet = 1 << 5,       // s
  kHash = 1 << 6,      // h
  kZset = 1 << 7,      // z
  kExpired = 1 << 8,   // x
  kEvicted = 1 << 9,   // e
  kStream = 1 << 10,   // t
  kKeyMiss = 1 << 11,  // m (not part of A)
  kLoaded = 1 << 12,   // module only
  kModule = 1 << 13,   // d
  kNew = 1 << 14,      // n (not part of A)
  kAll =
      kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
};

// Redis's keyspaceEventsStringToFlags: -1 on an unknown class character.
int64_t FlagsFromString(std::string_view classes);
// Redis's keyspaceEventsFlagsToString.
std::string FlagsToString(int64_t flags);

using Hook = void (*)(int64_t type, std::string_view event, std::string_view key, uint32_t db);
// Installed once at startup, before the shard threads start.
void SetHook(Hook hook);
extern Hook g_hook;

// True when events of `type` are published (callers that must copy a key before it is freed check
// this first).
inline bool Enabled(int64_t type) {
  return (ShardSettings::Get(ShardSettings::notify_keyspace_events) & type) != 0;
}

// notifyKeyspaceEvent(type, event, key, db).
inline void Emit(int64_t type, std::string_view event, std::string_view key, uint32_t db) {
  if (Enabled(type) && g_hook != nullptr) g_hook(type, event, key, db);
}

}  // namespace shoal::notify
