// Shared pieces of the collection families (lists, hashes, sets, sorted sets, SORT).
// Shard-side functions run on the owning shard's thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/command_context.h"
#include "shard/entry.h"

namespace shoal {

// DbSlice::FindRead / FindWrite with checkType, for a handler: the live slot of key, or nullptr
// when the key is missing (nothing replied) or holds another type (WRONGTYPE replied,
// *wrong_type set). Shard parts of multi-shard commands call DbSlice's typed lookups directly.
DbSlice::Slot* FindTyped(CommandContext& ctx, std::string_view key, ObjType type, bool* wrong_type);
DbSlice::Slot* FindTypedForWrite(CommandContext& ctx, std::string_view key, ObjType type,
                                 bool* wrong_type);

// Errors of kMulti commands before any shard work: the reply, then the command is done.
void FailMulti(CommandContext& ctx, std::string_view msg);

// Adds a new collection entry (the key must be absent) owning obj; returns its slot.
DbSlice::Slot* AddObject(DbSlice& slice, DbIndex db, std::string_view key, ObjType type, ObjEnc enc,
                         void* obj);
// Stores a collection under key, replacing whatever is there (and its TTL), as the STORE variants
// and COPY do. Returns the slot.
DbSlice::Slot* PutObject(DbSlice& slice, DbIndex db, std::string_view key, ObjType type, ObjEnc enc,
                         void* obj);

// Redis's getTimeoutFromObjectOrReply for blocking commands: seconds as a double, >= 0.
// Returns "" and *timeout_ms (0 = forever) or the error reply.
std::string ParseBlockTimeout(std::string_view arg, int64_t* timeout_ms);

// Redis's getRangeLongFromObjectOrReply-style count parsing ("value is out of range, must be
// positive" etc. are left to each command; this only parses a long).
bool ParseLong(std::string_view s, int64_t* out);

// parseScanCursorOrReply: strtoul over the whole argument as a C string (so "-1" wraps, as in
// Redis); no leading space.
bool ParseScanCursor(std::string_view arg, uint64_t* out);

// HSCAN/SSCAN/ZSCAN: the [MATCH pattern] [COUNT count] options after the cursor.
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  bool Matches(std::string_view s) const;
  // Redis's bound on table steps for one call: 10 * COUNT.
  uint64_t MaxSteps() const;
};
// Parses args[first...]; returns "" or the error reply.
std::string ParseScanOptions(ArgSlice args, size_t first, ScanOptions* out);
// [cursor, [n items follow]]: the reply's head.
void ReplyScanHead(protocol::ReplyBuilder& rb, uint64_t cursor, size_t n);

// A random 64-bit number from the calling thread's generator.
uint64_t RandomU64();

}  // namespace shoal
