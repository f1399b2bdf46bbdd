// Transaction: runs a command's per-shard work on several shards, atomically and isolated.
//
// Protocol (argument in docs/ARCHITECTURE.md):
//  - Arm: one deferrable "arm" message per shard, all enqueued through ShardSet::SequencedSend,
//    so every shard sees armed transactions in one global order. A shard that dequeues an arm
//    parks: later deferrable messages (other commands, other arms) wait in its backlog.
//  - Hop: once every shard is armed, hops run non-deferrable messages on all the shards (each
//    shard's part may do nothing); the last hop concludes, unparking each shard, or Conclude
//    unparks them with one message each that nobody waits for.
//  - A write spanning shards in one hop (Execute: MSET, DEL, an EXEC without WATCH) arms and runs
//    in the same message: each shard parks, runs its part and stays parked until every shard has
//    run, then Conclude. One round trip instead of two: no shard shows its part before all have
//    run, since each stays parked until then.
//  - A read-only or single-shard transaction skips arming: its one hop is a deferrable message
//    (sequenced when it spans shards), so it runs after any earlier armed transaction completes
//    on each shard and before any later one starts: it sees a consistent cut.
//  - Control hops (INFO, CLIENT LIST) are non-deferrable and touch no keyspace data.
// Deadlock-freedom: a shard parks only for the earliest armed transaction in the global order
// among those it has dequeued, and that transaction's arm precedes every later one on every shard
// it shares with them, so the wait-for relation follows the global order and has no cycle.
//
// Composition: commands never build a transaction on their own; they ask for one with
// Transaction::Create(ctx, shards), and what they get depends on where they run:
//  - kOwn:    the command runs alone: a fresh transaction (arms, hops, concludes) as above.
//  - kJoined: the command runs inside an enclosing armed transaction (ctx.tx: EXEC, later a
//             script). Its shards must be among the enclosing one's. Arm is a no-op, hops are
//             non-deferrable messages to the (already parked) shards, nothing concludes: the
//             enclosing transaction does, once. So no arm is ever issued while shards are held.
//  - kInline: the command already runs on its only shard (ctx.shard: the single-shard shortcut,
//             or a command inside an EXEC on one shard): Arm and Hop run synchronously there.
//  - kDirect: the command runs inside a script that holds its shards with their data lent to the
//             script's thread (Shard::ParkAndLend): Arm and Hop run synchronously right there,
//             on each shard's data in turn (LentShardScope). A script's redis.call must return a
//             value, so every command it calls completes before Execute/Hop returns.
// The same straight-line code of a command (Arm, Hop, Hop(conclude)) thus serves all four.
//
// Time: a transaction takes one clock reading when created (or its enclosing one's) and every
// hop sets its shard's clock to it, so one command sees one time on every shard (Redis caches
// the time per command; fixed_time_expire).
//
// Guard: an armed kOwn transaction that is destroyed before concluding would wedge its shards;
// the destructor unparks them (and logs the bug), so an armed transaction concludes on every path.
//
// Threading: created (only on a shard thread: Create checks) and driven on the coordinator thread
// (the connection's shard thread); `then` callbacks run there. Shard functions run on their
// shard's thread and must copy out what they need (no pointers into shard data survive a hop).
// Owned by a shared_ptr held by the caller's callbacks; it must stay alive until the last `then`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "shard/journal.h"
#include "shard/shard.h"
#include "shard/tracking.h"

namespace shoal {

class CommandContext;
class ShardSet;

class Transaction : public std::enable_shared_from_this<Transaction> {
 public:
  using ShardFn = std::function<void(Shard& shard)>;
  using Then = std::function<void()>;
  enum class Kind { kOwn, kJoined, kInline, kDirect };

  // The transaction a command running in ctx uses for `shards` (deduplicated and sorted here).
  static std::shared_ptr<Transaction> Create(const CommandContext& ctx,
                                             std::vector<uint32_t> shards);
  // All shards of the set.
  static std::shared_ptr<Transaction> CreateAll(const CommandContext& ctx);
  // A transaction of its own, outside any command context (EXEC itself, a woken blocked client).
  static std::shared_ptr<Transaction> CreateOwn(std::vector<uint32_t> shards);
  // The enclosing transaction of a script run on `shards`, whose data this thread holds (lent by
  // an armed kOwn transaction, or the shard of the message or inline run the script is in). Its
  // clock is now_ms.
  static std::shared_ptr<Transaction> CreateDirect(std::vector<uint32_t> shards, int64_t now_ms);
  ~Transaction();

  const std::vector<uint32_t>& shards() const { return shards_; }
  bool multi_shard() const { return shards_.size() > 1; }
  Kind kind() const { return kind_; }
  int64_t now_ms() const { return now_ms_; }
  bool Includes(uint32_t shard) const;

  // One-hop execution: runs fn on every shard and concludes; a write spanning shards arms in the
  // same message (see the protocol above). `then` runs on the coordinator thread when all are
  // done (possibly inline, before Execute returns, when the only shard is the caller's own and may
  // run inline).
  void Execute(ShardFn fn, bool write, Then then);

  // Multi-hop use: Arm, then Hop(..., conclude=false) any number of times, and a final
  // Hop(..., conclude=true) or Conclude.
  void Arm(Then then);
  // kOwn, before Arm: the armed shards lend their data to this (the coordinator's) thread.
  void LendOnArm() { lend_ = true; }
  void Hop(ShardFn fn, bool conclude, Then then);
  // Concludes without a last hop, when the last step has nothing left to run on the shards: each
  // shard is unparked by a message nobody waits for (the coordinator's own at once), then `then`
  // runs. What the transaction wrote is visible from here: a command that reaches a shard after
  // `then` finds it unparked or waits behind the unpark in its queue. Nothing for a transaction
  // that holds no shards of its own (joined, direct, inline, not armed).
  void Conclude(Then then);
  // After Arm (kOwn with LendOnArm; kDirect; kInline): runs fn on every shard's data right here,
  // synchronously, as a hop would run it there (clock, current client, tracking, journal). What
  // fn finds stays valid until the concluding Hop, since nothing else runs on lent shards.
  void RunLent(const ShardFn& fn);

  // The journal (shard/journal.h): hops record into jb's per-shard buffers, merged after each
  // hop; an armed transaction takes jb's ticket when all its shards are armed, a single-shard
  // one right after its hop changed something, on that shard. *changed is set (coordinator
  // thread) when a hop changed data. Create(ctx) takes both from ctx; CreateOwn callers set them.
  void SetJournal(journal::Builder* jb, bool* changed) {
    jb_ = jb;
    changed_out_ = changed;
  }

  // Non-deferrable visit of every shard thread, for per-thread state (clients, stats): touches no
  // keyspace data, so it needs no transaction context and runs the same inside EXEC.
  static void ControlAll(ShardFn fn, Then then);
  // While alive, ControlAll visits started on this thread belong to `enclosing` (a step of an EXEC
  // that lends its shards to a script runs INFO: its visits must run on the lent shards).
  class EnclosedControls {
   public:
    explicit EnclosedControls(const Transaction& enclosing);
    ~EnclosedControls();
    EnclosedControls(const EnclosedControls&) = delete;
    EnclosedControls& operator=(const EnclosedControls&) = delete;

   private:
    const void* saved_;
  };

 private:
  struct Msg : ShardMsg {
    Transaction* tx = nullptr;
  };
  Transaction(std::vector<uint32_t> shards, Kind kind, const Transaction* enclosing,
              Shard* inline_shard);
  void Control(ShardFn fn, Then then);
  void Send(bool sequenced, bool deferrable, ShardMsg::Fn fn);
  static void RunArm(ShardMsg* m, Shard* s);
  static void RunArmHop(ShardMsg* m, Shard* s);
  static void RunHop(ShardMsg* m, Shard* s);
  static void RunDone(ShardMsg* m, Shard* s);
  void ShardFinished(Shard* s, bool unpark);
  void RunDirect(const ShardFn& fn);
  // Runs fn_ on s (a hop, or Execute's inline run), recording into the journal as described at
  // SetJournal.
  void RunOn(Shard& s);

  std::vector<uint32_t> shards_;
  std::vector<Msg> msgs_;
  ShardSet* set_;
  Shard* coordinator_;
  Kind kind_;
  Shard* inline_shard_ = nullptr;  // kInline
  int64_t now_ms_ = 0;
  Msg done_msg_;
  std::atomic<int> pending_{0};
  ShardFn fn_;
  Then then_;
  bool armed_ = false;
  bool conclude_ = false;
  bool lend_ = false;
  // The client whose command this is (0: none), current on every shard its hops run on (NOLOOP),
  // and, for a tracking client's read, the keys each hop remembers on its shard.
  uint64_t client_ = 0;
  std::shared_ptr<const tracking::ReadKeys> track_;
  journal::Builder* jb_ = nullptr;
  bool* changed_out_ = nullptr;
  std::atomic<bool> changed_{false};
  const void* owner_ = nullptr;        // what its messages carry as ShardMsg::owner
  std::shared_ptr<Transaction> self_;  // keeps the transaction alive while a hop is in flight
};

// While alive, the calling thread works on `shard`'s data: its allocations count into that
// shard's memory and new entries come from its slab (tl_slab); the shard is parked and lent, or
// is the calling thread's own.
class LentShardScope {
 public:
  explicit LentShardScope(Shard& shard);
  ~LentShardScope();
  LentShardScope(const LentShardScope&) = delete;
  LentShardScope& operator=(const LentShardScope&) = delete;

 private:
  std::atomic<int64_t>* saved_;
  Slab* saved_slab_;
};

}  // namespace shoal
