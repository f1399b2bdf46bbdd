// Shard: one thread, one boost::asio::io_context (no per-socket locks: only this thread touches
// its sockets), one partition of the keyspace (DbSlice), and one inbound lock-free MPSC queue
// woken through an eventfd.
//
// Messages (ShardMsg) are intrusive nodes owned by their sender; the shard runs msg->fn on its
// thread. A multi-shard transaction may *park* a shard: from then on deferrable messages (those
// that touch data) wait in a local backlog, in arrival order, until the transaction unparks the
// shard; non-deferrable ones (transaction hops, completions, control) run at once. The shard
// thread never blocks and takes no lock.
//
// Shutdown order: ShardSet::Stop stops every io_context, then joins; DbSlice is destroyed last.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "shard/db_slice.h"
#include "shard/evict.h"
#include "shard/mpsc_queue.h"
#include "shard/settings.h"

namespace boost::asio {
class io_context;
}

namespace shoal {

class Shard;

struct ShardMsg : MpscNode {
  using Fn = void (*)(ShardMsg* self, Shard* shard);
  Fn fn = nullptr;
  bool deferrable = true;
  // The transaction a message belongs to (null for others): while a shard is lent, only its
  // owner's messages and completions run.
  const void* owner = nullptr;
  // A completion: coordinator code for a command of this thread's connections (a transaction's
  // `then`, a batch coming back), which never touches this shard's data itself. Runs even while the
  // shard is lent, so two scripts lending each other's coordinators' shards cannot wait for each
  // other's completions.
  bool completion = false;
  // Frees a message that never ran (sent to a shard whose loop had stopped: shutdown). Null for
  // messages their senders own.
  void (*discard)(ShardMsg* self) = nullptr;
};

// The discard hook of a message type that owns itself (allocated with new, deleted by its fn).
template <class T>
void DeleteMsg(ShardMsg* self) {
  delete static_cast<T*>(self);
}

class Shard {
 public:
  Shard(uint32_t id, unsigned num_dbs);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  uint32_t id() const { return id_; }
  boost::asio::io_context& io() { return *io_; }
  DbSlice& db_slice() { return db_slice_; }
  // Shard thread only: cache mode's eviction for this shard's partition.
  Evictor& evictor() { return evictor_; }

  // Any thread: enqueue and wake the shard.
  void Send(ShardMsg* m) {
    FlushBeforeSend();
    queue_.Push(m);
    Notify();
  }
  // Messages a thread batches on its own (server/pubsub.cc's deliveries) must precede whatever
  // that thread sends after them: while tl_batched is set, every Send (and SequencedSend) first
  // calls the hook, which sends the batches and clears the flag. Causal order holds across
  // batching: an event published before a reply is delivered before anything the reply causes.
  static inline thread_local bool tl_batched = false;
  static void SetFlushHook(void (*hook)()) { flush_hook_ = hook; }
  static void FlushBeforeSend() {
    if (tl_batched) flush_hook_();
  }
  // Any thread: enqueue without waking (the caller calls Notify afterwards; used by the
  // transaction sequencer to keep its critical section free of syscalls).
  void Enqueue(ShardMsg* m) { queue_.Push(m); }
  void Notify();
  // Any thread: runs `work` on this shard's thread (one allocated message, freed after it runs).
  // Deferrable work waits while the shard is parked; non-deferrable runs at once.
  void Post(bool deferrable, std::function<void(Shard&)> work);

  // --- Shard thread only ---
  // True when a command may run inline on this thread right now: not parked, nothing deferred,
  // and no message waiting in the queue (a read hop queued here before must not be overtaken by
  // an inline write: every cross-thread signal is ordered through the receiver's queue).
  bool CanRunInline() const { return parked_by_ == nullptr && backlog_.empty() && queue_.Empty(); }
  void Park(const void* owner) { parked_by_ = owner; }
  // Parks and lends the data to the owner's thread: until Unpark, the owner's coordinator reads and
  // writes this shard's keyspace directly (a script holding several shards), so this thread runs
  // none of the messages that might touch it, not even non-deferrable ones (watch and blocking
  // bookkeeping, control visits): every message but the owner's and completions waits in the
  // backlog.
  void ParkAndLend(const void* owner) {
    parked_by_ = owner;
    lent_ = true;
  }
  // Unparks and replays deferred messages until empty or parked again.
  void Unpark();
  bool parked() const { return parked_by_ != nullptr; }
  // The data is lent to another thread (ParkAndLend): this thread must not touch it.
  bool lent() const { return lent_; }
  bool parked_by(const void* owner) const { return parked_by_ == owner; }
  // Runs a message as if it had arrived through the queue (honours parking).
  void Dispatch(ShardMsg* m);
  // Serves clients blocked on keys that became ready (call after each command; no-op while
  // parked or when nothing is ready).
  void ServeBlocked() {
    if (parked_by_ == nullptr && db_slice_.blocking().HasReady())
      db_slice_.blocking().ServeReady(*this);
  }

  // Starts the thread: it runs on_start (e.g. thread-local setup), then the io_context loop.
  void Start(std::function<void()> on_start);
  // Any thread: asks the loop to stop. Join waits for the thread.
  void Stop();
  void Join();

  // The shard whose thread is calling, or nullptr on other threads.
  static Shard* Current();
  // Called on each shard thread once its loop has stopped (the server drops what its connections
  // still hold of themselves there, so a stop in the middle of a command leaks nothing).
  static void SetLoopExitHook(void (*hook)());

  int64_t busy_messages() const { return messages_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  void ArmWakeup();
  void Drain();
  void ScheduleExpire(int delay_ms);
  // From the cron: once this shard's data shrank by kReturnMemoryDrop or more since the last
  // look, hands the freed pages of this thread's heaps back to the OS (at most once a second),
  // so RSS follows a DEL / FLUSHALL without MEMORY PURGE, as Redis's jemalloc does on its own.
  void ReturnFreedMemory(int64_t now_ms);

  static inline void (*flush_hook_)() = nullptr;
  uint32_t id_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Impl> impl_;
  DbSlice db_slice_;
  Evictor evictor_{this, &db_slice_};
  MpscQueue queue_;
  // Set from the first push until a drain finds the queue empty: while it is set, pushes write no
  // eventfd (the shard is awake and drains again after its current loop turn).
  alignas(64) std::atomic<bool> wake_pending_{false};
  bool redrain_posted_ = false;
  int event_fd_ = -1;
  const void* parked_by_ = nullptr;
  bool lent_ = false;
  std::deque<ShardMsg*> backlog_;
  std::thread thread_;
  std::atomic<int64_t> messages_{0};
  size_t mem_high_ = 0;  // most data bytes seen since the last collect
  int64_t last_collect_ms_ = 0;
};

}  // namespace shoal
