// Helpers for commands whose keys may live on several shards.
#pragma once

#include <functional>
#include <vector>

#include "server/command_context.h"
#include "server/pubsub.h"
#include "server/transaction.h"

namespace shoal {

// The keys of a multi-key command grouped by owning shard. `positions` are argument indexes.
struct KeysByShard {
  std::vector<uint32_t> shards;                  // distinct shard ids, sorted
  std::vector<std::vector<uint32_t>> positions;  // positions[i]: arg indexes owned by shards[i]
  const std::vector<uint32_t>& For(uint32_t shard_id) const;
};
KeysByShard GroupKeys(ArgSlice args, const std::vector<uint32_t>& positions);

// Runs fn(shard, arg positions owned by it) on every shard owning some of the keys, atomically and
// isolated (armed first when `write` and more than one shard), then `then` on the coordinator
// thread. When the command was routed to its only shard (ctx.shard set), both run inline.
// fn runs on shard threads: it writes results only into per-key slots it owns.
void RunOnKeyShards(CommandContext& ctx, ArgSlice args, const std::vector<uint32_t>& positions,
                    bool write, std::function<void(Shard&, const std::vector<uint32_t>&)> fn,
                    std::function<void()> then);

// A write whose steps must run in order on different shards (SMOVE: take from the source, then
// add to the destination; SINTERSTORE: read the sources, then store). One armed transaction over
// every shard owning any key of any phase; phase i runs its fn on each shard owning some of its
// positions (one hop per phase, in order; fn gets the positions that shard owns), then `then` runs
// on the coordinator thread. Later phases read earlier phases' results from captured state.
// When the command was routed to its only shard (ctx.shard set) everything runs inline.
struct Phase {
  std::vector<uint32_t> positions;
  std::function<void(Shard&, const std::vector<uint32_t>& mine)> fn;
};
void RunPhases(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
               std::function<void()> then);

// RunPhases without copies: when CanRunInPlace(ctx), every shard owning a key lends its data to
// the coordinator thread (an own transaction arms with LendOnArm; a script's shards are lent
// already; an inline command owns its only shard), the phases run there in order, then `held`
// runs while the data is still held, so it may read what the phases found in place (a set
// operation's sources); `then` runs after the shards are released. One round of arm messages
// and one release per shard that nobody waits for (Transaction::Conclude), whatever the number of
// phases. Only when CanRunInPlace(ctx): a transaction
// joined to EXEC stops the server (Transaction::RunLent).
bool CanRunInPlace(const CommandContext& ctx);
// RunPhasesInPlace when CanRunInPlace(ctx), else RunPhases (whose phases must then copy what
// later ones read); either way reply() builds the reply and ctx.Done() follows.
void RunPhasesThenReply(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
                        std::function<void()> reply);

// A read of sources that may be large, on keys of several shards (the set algebra), done the
// cheapest way the context allows, then compute(copied) and ctx.Done():
//  - on one shard (ctx.shard) or in a script (its shards lent already): read() on each shard's
//    sources in place;
//  - inside EXEC across shards (parked, not lent): copy() on each shard, in one read hop;
//  - alone across shards: one read hop in which each shard copy()s its sources if small() says
//    they are small enough; if some shard's were not, the shards are held and lent
//    (RunPhasesInPlace) and read() runs on each in place instead. Holding also parks the shards
//    while the coordinator computes and releases each with a message of its own: for small
//    sources it measured 0.46x the copying hop's throughput (docs/BENCHMARKS.md), so small
//    sources are copied and large ones never are.
// compute(true) uses the copies; compute(false) the sources in place, while still held.
struct SourceReads {
  std::function<bool(Shard&, const std::vector<uint32_t>&)> small;
  std::function<void(Shard&, const std::vector<uint32_t>&)> copy;
  std::function<void(Shard&, const std::vector<uint32_t>&)> read;
  std::function<void(bool copied)> compute;
};
void ReadSources(CommandContext& ctx, ArgSlice args, std::vector<uint32_t> positions,
                 SourceReads reads);
void RunPhasesInPlace(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
                      std::function<void()> held, std::function<void()> then);

// The dispatcher's one way to run a command's handler (connections, EXEC, later scripts). It adds
// no write-path signal of its own: handlers signal exactly what they change (DbSlice::Modified
// for in-place edits; the mutators for the rest).
void InvokeHandler(ArgSlice args, CommandContext& ctx);
// Counts one finished call in `thread`'s per-command stats; a reply that starts with '-' at
// `before` in `out` is a failed call. t0: Ticks() when the call started (shard/clock.h).
void RecordCall(uint32_t thread, const CommandId* cid, uint64_t t0, const std::string* out,
                size_t before);

// After a command ran: its MONITOR line (Redis's call(): not for admin or skip-monitor commands,
// judged by the subcommand's flags; AUTH's and HELLO AUTH's secrets redacted). One relaxed load
// when nobody monitors.
void FeedMonitorLine(const CommandId* cid, DbIndex db, std::string_view addr, ArgSlice args);
inline void FeedMonitor(const CommandId* cid, DbIndex db, std::string_view addr, ArgSlice args) {
  if (pubsub::MonitorsActive()) FeedMonitorLine(cid, db, addr, args);
}

// SELECT's index check (connections and scripts): false with the error replied.
bool ParseSelectIndex(std::string_view arg, DbIndex* db, protocol::ReplyBuilder& rb);

// A container's subcommand (SCRIPT LOAD, FUNCTION LIST...): false with Redis's error replied
// when it is unknown or has the wrong number of arguments (processCommand's checks).
bool CheckSubcommand(ArgSlice args, protocol::ReplyBuilder& rb);

// All key positions of this invocation from the command table.
std::vector<uint32_t> KeyPositionsOf(const CommandContext& ctx, ArgSlice args);

}  // namespace shoal
