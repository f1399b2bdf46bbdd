// The AOF rewrite's command form of one key, as Redis 7.0 writes a BASE file without an RDB
// preamble (aof.c rewriteAppendOnlyFileRio with rewriteListObject, rewriteSetObject,
// rewriteSortedSetObject and rewriteHashObject). Every command is a RESP array of bulk strings,
// "*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per argument, with Redis's spelling of the names:
//   - strings: SET key value (an int-encoded value as its decimal digits);
//   - lists: RPUSH key e1 .. e64, head to tail;
//   - sets: SADD key m1 .. m64 (an intset in ascending order, a hashtable in its own order);
//   - sorted sets: ZADD key score1 member1 .. score64 member64. A listpack goes in its (ascending
//     score) order; Redis walks a skiplist zset's dict, in no particular order, where Shoal walks
//     the skiplist in ascending score (the same members and scores; ZADD in rank order also
//     rebuilds the set cheapest). Scores are rioWriteBulkDouble's "%.17g" ("inf", "-inf", "-0",
//     "0.10000000000000001"), listpack integers their decimal digits;
//   - hashes: HMSET key f1 v1 .. f64 v64 (a listpack in its order, a hashtable in its own);
//   - then PEXPIREAT key <unix ms> when the key has an expiry.
// A collection goes out in commands of at most kAofRewriteItemsPerCmd items (pairs for ZADD and
// HMSET), the last one holding what is left: 130 list elements are RPUSH commands of 64, 64 and 2
// elements (argc 66, 66, 4).
//
// Threading: pure functions of their arguments; the caller owns the entry (its shard thread, or a
// snapshot of it) for the duration of the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "persistence/rdb_value.h"
#include "shard/entry.h"

namespace shoal::rdb {

// AOF_REWRITE_ITEMS_PER_CMD (server.h).
inline constexpr size_t kAofRewriteItemsPerCmd = 64;

// Redis 7.0's rewrite commands for one key: SET for strings; RPUSH / SADD / ZADD / HMSET with at
// most kAofRewriteItemsPerCmd items per command (ZADD: score then member; HMSET: field then
// value), in the structure's order (lists head to tail, zsets by ascending score); then
// PEXPIREAT key <ms> when expire_ms != 0. Calls sink.Check() after every element so big values
// are flushed in pieces, and hands a string value of at least Sink::kLargeString bytes to
// sink.WriteLarge.
void EncodeCommands(const Entry* e, int64_t expire_ms, Sink& sink);

// "SELECT <db>" as a RESP command (written at the start of each db's section), appended to *out.
void AppendSelect(unsigned db, std::string* out);

}  // namespace shoal::rdb
