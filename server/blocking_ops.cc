// RunBlockingPop: the immediate attempt as one multi-shard transaction, then (when no key has
// data) a Waiter registered on every shard owning a key, woken by BlockingController::ServeReady.
#include "server/blocking_ops.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "server/connection.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "shard/shard_set.h"

namespace shoal {

std::atomic<int64_t> g_blocked_clients{0};

namespace {

void PostTo(uint32_t shard_id, bool deferrable, std::function<void(Shard&)> work) {
  Server().shards->shard(shard_id)->Post(deferrable, std::move(work));
}

// Pops the key at argument position p: op.pop_at when the command keeps state per position
// (streams), op.pop otherwise. On that key's shard.
void PopPosition(const BlockingPop& op, Shard& shard, DbIndex db, ArgSlice args, uint32_t p) {
  if (op.pop_at) return op.pop_at(shard, db, p);
  op.pop(shard, db, args[p]);
}

class BlockedCmd : public Waiter, public std::enable_shared_from_this<BlockedCmd> {
 public:
  // kRetry: woken for a BLMOVE whose destination is on another shard; nothing was popped.
  // kUnblocked: CLIENT UNBLOCK <id> ERROR.
  enum class Outcome {
    kPopped,
    kWrongType,
    kTimeout,
    kDisconnected,
    kUnblocked,
    kRetry,
    kNoBlockMove
  };

  BlockedCmd(CommandContext& ctx, ArgSlice args, BlockingPop op)
      : Waiter(op.type), ctx_(&ctx), args_(args), op_(std::move(op)), db_(ctx.db_index) {
    // No connection: a script's call (ctx.deny_blocking), which never waits.
    home_ = ctx.conn != nullptr ? ctx.conn->home() : nullptr;
    // Ready() may run on a shard while the connection finishes the command (a timeout) and
    // reuses its buffer: it matches keys against copies.
    if (op_.ready)
      for (uint32_t p : op_.keys) key_copies_.emplace_back(p, std::string(args_[p]));
  }

  // --- any shard thread, before Claim ---
  bool Ready(Shard& shard, DbIndex db, std::string_view key, const Entry* e) override {
    if (!op_.ready) return Waiter::Ready(shard, db, key, e);
    for (const auto& [p, k] : key_copies_)
      if (k == key) return op_.ready(shard, db, p, e);
    return false;
  }

  // --- coordinator (connection) thread ---
  void Start() {
    std::vector<uint32_t> pos = op_.keys;
    if (op_.dst >= 0) pos.push_back(static_cast<uint32_t>(op_.dst));
    groups_ = GroupKeys(args_, pos);
    state_.assign(args_.size(), kMissing);
    dst_wrong_ = false;
    tx_done_ = false;
    deferred_.reset();
    tx_ = Transaction::Create(*ctx_, groups_.shards);
    auto self = shared_from_this();
    tx_->Arm([self] { self->Inspect(); });
  }

  // --- any shard thread, after Claim ---
  void Serve(Shard& shard, DbIndex db, std::string_view key) override {
    if (op_.dst < 0) {
      PopKey(shard, db, key);
      return Complete(Outcome::kPopped);
    }
    uint32_t dst_shard = Server().shards->ShardOf(args_[op_.dst]);
    if (dst_shard == shard.id()) {
      if (op_.check_dst && !op_.check_dst(shard, db)) return Complete(Outcome::kWrongType);
      op_.pop(shard, db, key);
      op_.push(shard, db);
      return Complete(Outcome::kPopped);
    }
    // The destination is on another shard: popping here and pushing there by a second message
    // would leave the element in neither list for a while (visible to any reader, a snapshot, a
    // replica). Instead the coordinator runs the immediate path again as one armed transaction on
    // both shards; if another client took the element meanwhile, it waits again.
    Complete(Outcome::kRetry);
  }

 private:
  enum KeyState : uint8_t { kMissing, kReady, kWrong };

  void PopKey(Shard& shard, DbIndex db, std::string_view key) {
    if (!op_.pop_at) return op_.pop(shard, db, key);
    for (const auto& [p, k] : key_copies_)
      if (k == key) return op_.pop_at(shard, db, p);
  }
  void PopAt(Shard& shard, uint32_t p) { PopPosition(op_, shard, db_, args_, p); }

  // Hop 1 (all shards armed): the state of every key, and the destination's type.
  void Inspect() {
    auto self = shared_from_this();
    tx_->Hop(
        [self](Shard& s) {
          DbSlice& slice = s.db_slice();
          for (uint32_t p : self->groups_.For(s.id())) {
            if (static_cast<int64_t>(p) == self->op_.dst) {
              if (self->op_.check_dst && !self->op_.check_dst(s, self->db_))
                self->dst_wrong_ = true;
              // The destination may also be a source (BLMOVE k k): fall through to inspect it.
              bool is_source = false;
              for (uint32_t k : self->op_.keys) is_source |= k == p;
              if (!is_source) continue;
            }
            DbSlice::Slot* slot = slice.Find(self->db_, self->args_[p]);
            if (slot == nullptr) {
              if (self->op_.ready) self->op_.ready(s, self->db_, p, nullptr);
              continue;
            }
            const Entry* e = slot->entry();
            if (e->type() != self->op_.type)
              self->state_[p] = kWrong;
            else if (!self->op_.ready || self->op_.ready(s, self->db_, p, e))
              self->state_[p] = kReady;
          }
        },
        false, [self] { self->Decide(); });
  }

  // On the coordinator: the first existing key in order decides, as Redis's loop over the keys.
  void Decide() {
    auto self = shared_from_this();
    if (pending_abort_) {  // timed out or disconnected while retrying: take nothing
      Outcome o = *pending_abort_;
      return tx_->Hop([](Shard&) {}, true, [self, o] { self->Finish(o); });
    }
    if (op_.all_keys) {
      bool any = false;
      for (uint32_t p : op_.keys) {
        if (state_[p] == kWrong)
          return tx_->Hop([](Shard&) {}, true, [self] { self->Finish(Outcome::kWrongType); });
        any |= state_[p] == kReady;
      }
      if (any) {
        return tx_->Hop(
            [self](Shard& s) {
              for (uint32_t p : self->groups_.For(s.id()))
                if (self->state_[p] == kReady) self->PopAt(s, p);
            },
            true, [self] { self->Finish(Outcome::kPopped); });
      }
    }
    for (uint32_t p : op_.keys) {
      if (state_[p] == kMissing) continue;
      if (state_[p] == kWrong || dst_wrong_) {
        return tx_->Hop([](Shard&) {}, true, [self] { self->Finish(Outcome::kWrongType); });
      }
      uint32_t src_shard = Server().shards->ShardOf(args_[p]);
      tx_->Hop(
          [self, p, src_shard](Shard& s) {
            if (s.id() == src_shard) self->PopAt(s, p);
          },
          op_.dst < 0,
          [self] {
            if (self->op_.dst < 0) return self->Finish(Outcome::kPopped);
            uint32_t dst_shard = Server().shards->ShardOf(self->args_[self->op_.dst]);
            self->tx_->Hop(
                [self, dst_shard](Shard& s) {
                  if (s.id() == dst_shard) self->op_.push(s, self->db_);
                },
                true, [self] { self->Finish(Outcome::kPopped); });
          });
      return;
    }
    if (!op_.block || ctx_->deny_blocking) {
      // Not allowed to block (inside EXEC): as a timeout, except that BLMOVE answers a null bulk
      // there, as Redis does.
      Outcome o = op_.block && op_.dst >= 0 ? Outcome::kNoBlockMove : Outcome::kTimeout;
      return tx_->Hop([](Shard&) {}, true, [self, o] { self->Finish(o); });
    }
    if (retrying_) Rearm();  // waiting again: claimable once registered
    // Nothing to pop: wait on every key, registered while the shards are still armed.
    registered_ = true;
    tx_->Hop(
        [self](Shard& s) {
          for (uint32_t p : self->groups_.For(s.id())) {
            bool is_source = false;
            for (uint32_t k : self->op_.keys) is_source |= k == p;
            if (is_source) s.db_slice().blocking().Register(self->db_, self->args_[p], self);
          }
        },
        true, [self] { self->Block(); });
  }

  // After registration. A shard may already have served the waiter; its Finish was deferred to
  // here (see Finish).
  void Block() {
    tx_.reset();
    tx_done_ = true;
    // The registering transaction's place in the journal is filled now (with nothing: a pop
    // served later logs itself): a client that waits must not hold the stream up.
    if (ctx_->jb != nullptr) ctx_->jb->Finish();
    if (deferred_) return Finish(*deferred_);
    if (!waiting()) return;
    if (ctx_->conn->closed()) {
      if (Cancel()) Finish(Outcome::kDisconnected);
      return;
    }
    if (blocked_) return;  // waiting again after a retry: counted, timer and hook already set
    g_blocked_clients.fetch_add(1, std::memory_order_relaxed);
    blocked_ = true;
    auto self = shared_from_this();
    ctx_->conn->SetBlocked([self](Connection::UnblockReason why) {
      switch (why) {
        case Connection::UnblockReason::kDisconnect:
          return self->Abort(Outcome::kDisconnected, /*defer=*/false);
        case Connection::UnblockReason::kTimeout:
          return self->Abort(Outcome::kTimeout, /*defer=*/true);
        case Connection::UnblockReason::kError:
          return self->Abort(Outcome::kUnblocked, /*defer=*/true);
      }
      return false;
    });
    if (op_.timeout_ms > 0) {
      timer_ = std::make_unique<boost::asio::steady_timer>(home_->io());
      timer_->expires_after(std::chrono::milliseconds(op_.timeout_ms));
      timer_->async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->Abort(Outcome::kTimeout, /*defer=*/false);
      });
    }
  }

  // Connection thread: the timeout, a disconnect or CLIENT UNBLOCK; false when too late (a shard
  // claimed the waiter and serves it). While a retry runs the waiter is claimed; the retry then
  // ends with this outcome instead of waiting again. `defer`: CLIENT UNBLOCK decides within its
  // visit of this thread, and the reply (and what the client sent meanwhile) follows from the
  // thread's own loop, outside that visit.
  bool Abort(Outcome o, bool defer) {
    if (Cancel()) {
      if (!defer) {
        Finish(o);
      } else {
        auto self = shared_from_this();
        boost::asio::post(home_->io(), [self, o] { self->Finish(o); });
      }
      return true;
    }
    if (retrying_ && !pending_abort_) {
      pending_abort_ = o;
      return true;
    }
    return false;
  }

  // Any shard thread: hands the outcome to the connection's thread.
  void Complete(Outcome o) {
    auto self = shared_from_this();
    PostTo(home_->id(), /*deferrable=*/false, [self, o](Shard&) { self->Finish(o); });
  }

  // Connection thread: reply, clean up the other shards' queues, release the connection.
  void Finish(Outcome o) {
    if (registered_ && !tx_done_) {
      // Served while the registering transaction still runs on other shards, which read the
      // arguments: they live in the connection's buffer until Done(), so finish after it ends.
      deferred_ = o;
      return;
    }
    tx_.reset();
    if (registered_) {
      registered_ = false;
      auto self = shared_from_this();
      for (uint32_t i = 0; i < groups_.shards.size(); ++i) {
        std::vector<std::string> keys;
        for (uint32_t p : groups_.positions[i]) keys.emplace_back(args_[p]);
        PostTo(groups_.shards[i], /*deferrable=*/false, [self, keys = std::move(keys)](Shard& s) {
          for (const auto& k : keys) s.db_slice().blocking().Unregister(self->db_, k, self.get());
        });
      }
    }
    if (o == Outcome::kRetry) {
      if (ctx_->conn->closed()) {
        o = Outcome::kDisconnected;
      } else if (pending_abort_) {
        o = *pending_abort_;
      } else {
        // The Unregister messages above reach each shard before the new transaction's arm (one
        // sender, FIFO queues), so the waiter is in no queue when it registers again.
        retrying_ = true;
        return Start();
      }
    }
    if (blocked_) {
      blocked_ = false;
      g_blocked_clients.fetch_sub(1, std::memory_order_relaxed);
      if (timer_) timer_->cancel();
      ctx_->conn->SetBlocked(nullptr);
    }
    switch (o) {
      case Outcome::kPopped:
        op_.reply(*ctx_->rb);
        break;
      case Outcome::kWrongType:
        ctx_->rb->Error(errors::kWrongType);
        break;
      case Outcome::kUnblocked:
        ctx_->rb->Error(errors::kUnblocked);
        break;
      case Outcome::kTimeout:
        if (!op_.block && op_.none) {
          op_.none(*ctx_->rb);
          break;
        }
        ctx_->rb->NullArray();
        break;
      case Outcome::kDisconnected:
      case Outcome::kRetry:
        ctx_->rb->NullArray();
        break;
      case Outcome::kNoBlockMove:
        ctx_->rb->Null();
        break;
    }
    ctx_->Done();
  }

  CommandContext* ctx_;
  ArgSlice args_;
  BlockingPop op_;
  DbIndex db_;
  Shard* home_;
  KeysByShard groups_;
  std::vector<uint8_t> state_;  // per argument position; each written by its key's shard only
  bool dst_wrong_ = false;
  std::shared_ptr<Transaction> tx_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool registered_ = false;  // queued on the shards' controllers (coordinator thread only)
  bool tx_done_ = false;     // the registering transaction has ended on every shard
  std::optional<Outcome> deferred_;
  bool blocked_ = false;   // counted, timer and cancel hook set
  bool retrying_ = false;  // woken for a cross-shard BLMOVE: the immediate path runs again
  std::optional<Outcome> pending_abort_;  // timeout/disconnect/unblock that came during a retry
  std::vector<std::pair<uint32_t, std::string>> key_copies_;  // with op_.ready: (position, key)
};

}  // namespace

void RunBlockingPop(CommandContext& ctx, ArgSlice args, BlockingPop op) {
  ctx.propagate_self = false;  // `pop` logs what it takes, on either path
  if (ctx.shard != nullptr) {
    // Every key on this shard and no waiting: LMPOP/ZMPOP, or any pop inside EXEC (which does not
    // block). The same choice of key as the transaction path below.
    DbSlice& slice = ctx.slice();
    auto pop_at = [&](uint32_t p) { PopPosition(op, *ctx.shard, ctx.db_index, args, p); };
    auto ready = [&](uint32_t p, const Entry* e) {
      return !op.ready || op.ready(*ctx.shard, ctx.db_index, p, e);
    };
    if (op.all_keys) {
      std::vector<uint32_t> ready_keys;
      for (uint32_t p : op.keys) {
        DbSlice::Slot* s = slice.Find(ctx.db_index, args[p]);
        if (s == nullptr) {
          ready(p, nullptr);
          continue;
        }
        if (s->entry()->type() != op.type) return ctx.rb->Error(errors::kWrongType);
        if (ready(p, s->entry())) ready_keys.push_back(p);
      }
      for (uint32_t p : ready_keys) pop_at(p);
      if (!ready_keys.empty()) return op.reply(*ctx.rb);
      if (!op.block && op.none) return op.none(*ctx.rb);
      return ctx.rb->NullArray();
    }
    for (uint32_t p : op.keys) {
      DbSlice::Slot* s = slice.Find(ctx.db_index, args[p]);
      if (s == nullptr) continue;
      if (s->entry()->type() != op.type) return ctx.rb->Error(errors::kWrongType);
      if (!ready(p, s->entry())) continue;
      if (op.dst >= 0 && op.check_dst && !op.check_dst(*ctx.shard, ctx.db_index))
        return ctx.rb->Error(errors::kWrongType);
      pop_at(p);
      if (op.dst >= 0) op.push(*ctx.shard, ctx.db_index);
      return op.reply(*ctx.rb);
    }
    // BLMOVE/BRPOPLPUSH that may not block answer a null bulk, the others a null array.
    if (op.block && op.dst >= 0) return ctx.rb->Null();
    if (!op.block && op.none) return op.none(*ctx.rb);
    return ctx.rb->NullArray();
  }
  std::make_shared<BlockedCmd>(ctx, args, std::move(op))->Start();
}

}  // namespace shoal
