// Blocking pops for the list and sorted-set families: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP. The family file parses its arguments and describes the pop; this
// runs it: at once when a key has data, else blocks the client until a key gets data (any shard),
// the timeout passes, the client disconnects, or CLIENT UNBLOCK cancels it (answering as on
// timeout, or with the UNBLOCKED error). Per-shard waiter queues: shard/blocking.h.
//
// Immediate path (one atomic, isolated multi-shard transaction): every shard owning a key reports
// its keys' state; the first key in `keys` order that exists decides (WRONGTYPE, or pop from it);
// when none exists the waiter is registered on every shard in the same transaction, so no push can
// slip in between the check and the registration.
// Woken path: the shard where a key became ready pops (after Claim, so exactly once) and posts the
// result to the connection's thread. A BLMOVE whose destination is on another shard does not pop
// there: the connection runs the immediate path again, one armed transaction over both shards, so
// the element is never in neither list; if someone else took it meanwhile the client waits again
// (its timeout keeps running). Inside EXEC (ctx.deny_blocking) nothing blocks: the command answers
// as on timeout (BLMOVE/BRPOPLPUSH: a null bulk, as Redis).
//
// Threading: RunBlockingPop on the connection's thread (kMulti handler). `pop`, `check_dst` and
// `push` run on shard threads and write only into the command's own captured state; `reply` (and
// the timeout's null reply) runs on the connection's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "server/command_context.h"

namespace shoal {

struct BlockingPop {
  ObjType type = ObjType::kList;  // the keys must hold this type (WRONGTYPE otherwise)
  std::vector<uint32_t> keys;     // argument positions of the keys, in the order to try
  int64_t timeout_ms = 0;         // 0: block forever
  // false: LMPOP/ZMPOP -- the same choice of key, but a null array instead of waiting.
  bool block = true;
  int64_t dst = -1;  // BLMOVE/BRPOPLPUSH: argument position of the destination
  // On the shard owning `key`, which holds a non-empty value of `type`: pop what the command
  // takes and keep it in captured state (delete the key when it becomes empty). It signals the
  // key (DbSlice::Modified), as `push` signals the destination it changes. `pop` and `push` emit
  // the command's keyspace events on both paths (served after a write, they follow that write's
  // own events, as in Redis); a BLMOVE whose keys share a shard emits the source's pop events in
  // `push`, after the destination's push event, in Redis's order.
  std::function<void(Shard& shard, DbIndex db, std::string_view key)> pop;
  // BLMOVE: on the destination's shard before popping (immediate path only): false when the
  // destination holds another type (the command then answers WRONGTYPE and pops nothing).
  std::function<bool(Shard& shard, DbIndex db)> check_dst;
  // BLMOVE: on the destination's shard after the pop (checked by check_dst in the same armed
  // transaction, or on the same shard): push the element.
  std::function<bool(Shard& shard, DbIndex db)> push;
  // Streams (XREAD, XREADGROUP): whether the key at argument position `pos` can be served now,
  // given its value (nullptr when the key is missing; of another type only for a waiter, after
  // the key was replaced). Replaces "the key exists" on both paths. The immediate path calls it
  // once for every key of the right type or missing (a missing key stays not ready whatever it
  // answers), before any waiter call, so it may record what it saw (XREAD resolves `$` there).
  // On the key's shard; each call writes only state of its own position.
  std::function<bool(Shard& shard, DbIndex db, uint32_t pos, const Entry* e)> ready;
  // Immediate path: `pop` every ready key (on its shard, in parallel across shards; each writes
  // its own position's state), not just the first, after checking that no key has another type
  // (XREAD answers for every stream with data). A woken waiter still pops just the key that woke
  // it.
  bool all_keys = false;
  // Instead of `pop` when set: the same, told the key's argument position (streams keep state
  // per position; a key may be named twice).
  std::function<void(Shard& shard, DbIndex db, uint32_t pos)> pop_at;
  // Connection thread, instead of the null array, when nothing was popped and the command may
  // not block (block = false): XREAD reports a bad ID this way after the type checks of the keys
  // before it, in Redis's order.
  std::function<void(protocol::ReplyBuilder& rb)> none;
  // Connection thread, after a pop: the command's reply.
  std::function<void(protocol::ReplyBuilder& rb)> reply;
};

// Clients waiting in a blocking command right now (INFO blocked_clients).
extern std::atomic<int64_t> g_blocked_clients;

// Runs op for the kMulti command in ctx (keys may span shards); calls ctx.Done() exactly once.
// On timeout the reply is a null array (Redis 7.0 answers that for every blocking pop, BLMOVE
// included; RESP3 null). The connection never runs a kBlocking command through the single-shard
// shortcut, so a blocking op always has ctx.conn (except a script's call, which has
// ctx.deny_blocking and never waits); a non-blocking one (LMPOP, ZMPOP) may run on its
// only shard (ctx.shard set), inline.
void RunBlockingPop(CommandContext& ctx, ArgSlice args, BlockingPop op);

}  // namespace shoal
