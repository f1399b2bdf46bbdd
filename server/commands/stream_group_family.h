// Stream consumer groups (server/commands/stream_group_family.cc): the command family, and the
// pieces the stream family's XINFO and the blocking reads share with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/reply_builder.h"
#include "server/command_registry.h"
#include "shard/db_slice.h"

namespace shoal {

class Stream;

void RegisterStreamGroupFamily(CommandRegistry& r);

// XINFO GROUPS key: the reply for the stream `s` (owning shard's thread).
void ReplyXinfoGroups(const Stream& s, protocol::ReplyBuilder& rb);
// XINFO CONSUMERS key group: the reply, or -NOGROUP when the group does not exist.
void ReplyXinfoConsumers(const Stream& s, std::string_view key, std::string_view group,
                         int64_t now_ms, protocol::ReplyBuilder& rb);

// What XREADGROUP reads with, beyond its keys and IDs.
struct ReadGroupSpec {
  std::string group;
  std::string consumer;
  int64_t count = 0;  // 0: no limit
  bool noack = false;
};

// XGROUP DESTROY (and, through the keyspace, a stream deleted or replaced): clients blocked in
// XREADGROUP on `key` must look again (-NOGROUP / -UNBLOCKED).
void SignalStreamWaiters(DbSlice& slice, DbIndex db, std::string_view key);

}  // namespace shoal
