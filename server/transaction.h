// Transaction: runs a command's per-shard work on several shards, atomically and isolated.
//
// Protocol (argument in docs/ARCHITECTURE.md):
//  - Arm: one deferrable "arm" message per shard, all enqueued through ShardSet::SequencedSend,
//    so every shard sees armed transactions in one global order. A shard that dequeues an arm
//    parks: later deferrable messages (other commands, other arms) wait in its backlog.
//  - Hop: once every shard is armed, hops run non-deferrable messages on all the shards (each
//    shard's part may do nothing); the last hop concludes, unparking each shard.
//  - A read-only or single-shard transaction skips arming: its one hop is a deferrable message
//    (sequenced when it spans shards), so it runs after any earlier armed transaction completes
//    on each shard and before any later one starts: it sees a consistent cut.
//  - Control hops (INFO, CLIENT LIST) are non-deferrable and touch no keyspace data.
// Deadlock-freedom: a shard parks only for the earliest armed transaction in the global order
// among those it has dequeued, and that transaction's arm precedes every later one on every shard
// it shares with them, so the wait-for relation follows the global order and has no cycle.
//
// Threading: created and driven on the coordinator thread (the connection's shard thread);
// `then` callbacks run there. Shard functions run on their shard's thread and must copy out what
// they need (no pointers into shard data survive a hop). Owned by a shared_ptr held by the
// caller's callbacks; it must stay alive until the last `then` runs.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "shard/shard.h"

namespace shoal {

class ShardSet;

class Transaction : public std::enable_shared_from_this<Transaction> {
 public:
  using ShardFn = std::function<void(Shard& shard)>;
  using Then = std::function<void()>;

  // `shards`: the shard ids involved (deduplicated and sorted here).
  static std::shared_ptr<Transaction> Create(std::vector<uint32_t> shards);
  // All shards of the set.
  static std::shared_ptr<Transaction> CreateAll();

  const std::vector<uint32_t>& shards() const { return shards_; }
  bool multi_shard() const { return shards_.size() > 1; }

  // One-hop execution: for writes spanning shards, arms first; then runs fn on every shard,
  // concluding. `then` runs on the coordinator thread when all are done (possibly inline, before
  // Execute returns, when the only shard is the caller's own and may run inline).
  void Execute(ShardFn fn, bool write, Then then);

  // Multi-hop use: Arm, then Hop(..., conclude=false) any number of times, and a final
  // Hop(..., conclude=true).
  void Arm(Then then);
  void Hop(ShardFn fn, bool conclude, Then then);

  // Non-deferrable visit of every shard thread, for per-thread state (clients, stats).
  void Control(ShardFn fn, Then then);

 private:
  struct Msg : ShardMsg {
    Transaction* tx = nullptr;
  };
  explicit Transaction(std::vector<uint32_t> shards);
  void Send(bool sequenced, bool deferrable, ShardMsg::Fn fn);
  static void RunArm(ShardMsg* m, Shard* s);
  static void RunHop(ShardMsg* m, Shard* s);
  static void RunDone(ShardMsg* m, Shard* s);
  void ShardFinished(Shard* s, bool unpark);

  std::vector<uint32_t> shards_;
  std::vector<Msg> msgs_;
  ShardSet* set_;
  Shard* coordinator_;
  Msg done_msg_;
  std::atomic<int> pending_{0};
  ShardFn fn_;
  Then then_;
  bool armed_ = false;
  bool conclude_ = false;
  std::shared_ptr<Transaction> self_;  // keeps the transaction alive while a hop is in flight
};

}  // namespace shoal
