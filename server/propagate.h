// What a command logs to the journal (shard/journal.h): the command-level half of propagation
// (Redis's call() propagating c->argv when server.dirty moved, and rewriteClientCommandVector).
//
// A command logs one op when it changed data: its arguments, or the form its handler set with
// CommandContext::Propagate (SET EX -> SET PXAT, EXPIRE -> PEXPIREAT, INCRBYFLOAT -> SET KEEPTTL,
// SPOP -> SREM, ...). Containers log their effects instead of themselves (EXEC: its commands;
// scripts: the commands they call; blocking and MPOP pops: the pops that happened), by clearing
// propagate_self. The keyspace adds its own ops: lazy and active expiry and eviction log DEL
// (shard/db_slice.cc, shard/evict.cc).
//
// Threading: on the thread that ran the command (a shard thread, or the coordinator for kMulti).
#pragma once

#include <span>

#include "server/command_context.h"
#include "server/command_registry.h"

namespace shoal {

// Appends the command's op to `into` (nullptr: the current unit, journal::tl_unit, or a unit of
// its own) when ctx.propagate_self. Does nothing while the journal is off.
void RecordCommand(ArgSlice args, const CommandContext& ctx, journal::Unit* into = nullptr);

// The sum of the shards' dirty counters (a synchronous call's "did it change anything").
uint64_t DirtyOf(std::span<Shard* const> shards);

// Runs a command synchronously on data this thread holds (`shards`: whose dirty counters show
// whether it changed something) and records its op into the current unit when it did.
void InvokeRecorded(ArgSlice args, CommandContext& ctx, std::span<Shard* const> shards);

// A number as a decimal string (PXAT / PEXPIREAT / ABSTTL arguments).
std::string MsString(int64_t ms);

// How Redis logs a key deleted because its new expiry is already past (EXPIRE, GETEX, RESTORE):
// DEL, or UNLINK under lazyfree-lazy-expire.
void PropagateExpiredDelete(CommandContext& ctx, std::string_view key);

}  // namespace shoal
