// Blocking: the per-shard side of BLPOP/BRPOP/BLMOVE/BLMPOP/BZPOPMIN/BZPOPMAX/BZMPOP.
//
// A blocked command is one Waiter, shared by every shard owning one of its keys; each such shard
// queues it under (db, key) in arrival order. When a key of a blockable type is added to the
// keyspace (DbSlice::Add/Replace: LPUSH creating a list, ZADD, LMOVE's destination, RENAME...), the
// shard marks it ready; right after the command that did it (before any later command on that
// shard) ServeReady walks the key's queue first-come first-served and lets each waiter that is
// Ready() for the key's value Claim() and Serve(). Streams are signalled on every XADD (the
// waiters want new entries, not a new key) and when a stream key is deleted (XREADGROUP fails
// then); their waiters decide readiness themselves. Claim is an atomic state change, so a
// waiter registered on several shards, or racing its own timeout or disconnect, is served at most
// once; a served/cancelled waiter left on other shards' queues is skipped and is removed by an
// Unregister message from its connection.
//
// Threading: a controller belongs to its shard (DbSlice); every method on that shard's thread.
// Waiter::state is the only field touched from several threads.
#pragma once

#include <absl/functional/function_ref.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "shard/entry.h"

namespace shoal {

class Shard;
using DbIndex = uint32_t;

class Waiter {
 public:
  enum State : int { kWaiting = 0, kServed = 1, kCancelled = 2 };
  explicit Waiter(ObjType type) : type_(type) {}
  virtual ~Waiter() = default;

  ObjType type() const { return type_; }
  bool waiting() const { return state_.load(std::memory_order_acquire) == kWaiting; }
  // kWaiting -> kServed; true for exactly one caller among Claim and Cancel.
  bool Claim() { return Transition(kServed); }
  // kWaiting -> kCancelled (timeout, disconnect).
  bool Cancel() { return Transition(kCancelled); }
  // Served -> waiting again (a woken BLMOVE that retries). Only while the waiter is in no
  // shard's queue: nothing can Claim it concurrently.
  void Rearm() { state_.store(kWaiting, std::memory_order_release); }

  // Whether the value under key (e; nullptr when the key is gone) can serve this waiter now, on
  // the shard owning key, before any Claim. Default: a value of type() (a list or zset that
  // exists is never empty). Stream readers override it: XREAD wants entries after its ID, and
  // XREADGROUP is also served (with an error) when its key or group went away.
  virtual bool Ready(Shard& shard, DbIndex db, std::string_view key, const Entry* e) {
    (void)shard, (void)db, (void)key;
    return e != nullptr && e->type() == type_;
  }
  // After a successful Claim, on the shard owning `key`, for which Ready was true.
  virtual void Serve(Shard& shard, DbIndex db, std::string_view key) = 0;

 private:
  bool Transition(State to) {
    int expected = kWaiting;
    return state_.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
  ObjType type_;
  std::atomic<int> state_{kWaiting};
};

class BlockingController {
 public:
  void Register(DbIndex db, std::string_view key, std::shared_ptr<Waiter> w);
  void Unregister(DbIndex db, std::string_view key, const Waiter* w);
  // A value of a blockable type was stored under key. Cheap when nobody waits on this shard.
  void SignalReady(DbIndex db, std::string_view key) {
    if (!waiting_.empty()) MarkReady(db, key);
  }
  // SWAPDB replaced db's contents: marks ready every key waited on in db for which
  // `holds_blockable(key)` (a value of a type clients block on is there now), as Redis's
  // scanDatabaseForReadyKeys.
  void SignalDbReady(DbIndex db, absl::FunctionRef<bool(std::string_view)> holds_blockable);
  bool HasReady() const { return !ready_.empty(); }
  // Serves the waiters of every ready key (and of keys made ready while serving).
  void ServeReady(Shard& shard);
  // Keys with at least one waiter (INFO blocked_keys-style figures, tests).
  size_t waited_keys() const { return waiting_.size(); }
  // FLUSHALL/FLUSHDB keep waiters (Redis keeps blocked clients blocked); nothing to do.

 private:
  using Queue = std::deque<std::shared_ptr<Waiter>>;
  void MarkReady(DbIndex db, std::string_view key);
  absl::flat_hash_map<std::pair<DbIndex, std::string>, Queue> waiting_;
  std::vector<std::pair<DbIndex, std::string>> ready_;
};

}  // namespace shoal
