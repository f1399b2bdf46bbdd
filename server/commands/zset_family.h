// What the sorted-set family lends to the families built on sorted sets (GEO): ZADD itself and
// the STORE commands' way of writing a result. Shard-side: call on the key's shard thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/command_context.h"

namespace shoal {

// A member and its score copied out of a shard.
using ZElement = std::pair<std::string, double>;

// (score, member bytes) order, the order of a sorted set.
bool ZElementLess(const ZElement& a, const ZElement& b);

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ... with ZADD's arguments in args (args[0]
// is not read): replies, notifies ("zadd") and signals exactly as ZADD. kShard context.
void ZaddCommand(ArgSlice args, CommandContext& ctx);

// Stores elems (sorted by ZElementLess, members distinct) under key as a new sorted set in the
// encoding Redis gives a STORE result, replacing the key and its TTL, and emits `event`; or
// deletes the key when elems is empty ("del" when there was one).
void StoreSortedSet(DbSlice& slice, DbIndex db, std::string_view key,
                    const std::vector<ZElement>& elems, const char* event);

}  // namespace shoal
