// RunBlockingPop: the immediate attempt as one multi-shard transaction, then (when no key has
// data) a Waiter registered on every shard owning a key, woken by BlockingController::ServeReady.
#include "server/blocking_ops.h"

#include <atomic>
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

// A closure run on another shard's thread (one allocation, freed after it runs).
struct FnMsg : ShardMsg {
  std::function<void(Shard&)> work;
};

void PostTo(uint32_t shard_id, bool deferrable, std::function<void(Shard&)> work) {
  auto* m = new FnMsg;
  m->work = std::move(work);
  m->deferrable = deferrable;
  m->fn = [](ShardMsg* self, Shard* s) {
    auto* fm = static_cast<FnMsg*>(self);
    fm->work(*s);
    delete fm;
  };
  Server().shards->shard(shard_id)->Send(m);
}

class BlockedCmd : public Waiter, public std::enable_shared_from_this<BlockedCmd> {
 public:
  enum class Outcome { kPopped, kWrongType, kTimeout, kDisconnected };

  BlockedCmd(CommandContext& ctx, ArgSlice args, BlockingPop op)
      : Waiter(op.type), ctx_(&ctx), args_(args), op_(std::move(op)), db_(ctx.db_index) {
    home_ = ctx.conn->home();
  }

  // --- coordinator (connection) thread ---
  void Start() {
    std::vector<uint32_t> pos = op_.keys;
    if (op_.dst >= 0) pos.push_back(static_cast<uint32_t>(op_.dst));
    groups_ = GroupKeys(args_, pos);
    state_.assign(args_.size(), kMissing);
    tx_ = Transaction::Create(groups_.shards);
    auto self = shared_from_this();
    tx_->Arm([self] { self->Inspect(); });
  }

  // --- any shard thread, after Claim ---
  void Serve(Shard& shard, DbIndex db, std::string_view key) override {
    if (op_.dst < 0) {
      op_.pop(shard, db, key);
      return Complete(Outcome::kPopped);
    }
    uint32_t dst_shard = Server().shards->ShardOf(args_[op_.dst]);
    if (dst_shard == shard.id()) {
      if (op_.check_dst && !op_.check_dst(shard, db)) return Complete(Outcome::kWrongType);
      op_.pop(shard, db, key);
      op_.push(shard, db);
      return Complete(Outcome::kPopped);
    }
    op_.pop(shard, db, key);
    auto self = shared_from_this();
    uint32_t src_shard = shard.id();
    std::string src(key);
    PostTo(dst_shard, /*deferrable=*/true, [self, db, src_shard, src](Shard& d) {
      if (self->op_.push(d, db)) return self->Complete(Outcome::kPopped);
      PostTo(src_shard, /*deferrable=*/true, [self, db, src](Shard& s) {
        self->op_.restore(s, db, src);
        self->Complete(Outcome::kWrongType);
      });
    });
  }

 private:
  enum KeyState : uint8_t { kMissing, kReady, kWrong };

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
            if (slot == nullptr) continue;
            self->state_[p] = slot->entry()->type() == self->op_.type ? kReady : kWrong;
          }
        },
        false, [self] { self->Decide(); });
  }

  // On the coordinator: the first existing key in order decides, as Redis's loop over the keys.
  void Decide() {
    auto self = shared_from_this();
    for (uint32_t p : op_.keys) {
      if (state_[p] == kMissing) continue;
      if (state_[p] == kWrong || dst_wrong_) {
        return tx_->Hop([](Shard&) {}, true, [self] { self->Finish(Outcome::kWrongType); });
      }
      uint32_t src_shard = Server().shards->ShardOf(args_[p]);
      tx_->Hop(
          [self, p, src_shard](Shard& s) {
            if (s.id() == src_shard) self->op_.pop(s, self->db_, self->args_[p]);
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
    if (!op_.block)
      return tx_->Hop([](Shard&) {}, true, [self] { self->Finish(Outcome::kTimeout); });
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
    if (deferred_) return Finish(*deferred_);
    if (!waiting()) return;
    if (ctx_->conn->closed()) {
      if (Cancel()) Finish(Outcome::kDisconnected);
      return;
    }
    g_blocked_clients.fetch_add(1, std::memory_order_relaxed);
    blocked_ = true;
    auto self = shared_from_this();
    ctx_->conn->SetBlocked([self] {
      if (self->Cancel()) self->Finish(Outcome::kDisconnected);
    });
    if (op_.timeout_ms > 0) {
      timer_ = std::make_unique<boost::asio::steady_timer>(home_->io());
      timer_->expires_after(std::chrono::milliseconds(op_.timeout_ms));
      timer_->async_wait([self](const boost::system::error_code& ec) {
        if (!ec && self->Cancel()) self->Finish(Outcome::kTimeout);
      });
    }
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
    if (blocked_) {
      blocked_ = false;
      g_blocked_clients.fetch_sub(1, std::memory_order_relaxed);
      if (timer_) timer_->cancel();
      ctx_->conn->SetBlocked(nullptr);
    }
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
    switch (o) {
      case Outcome::kPopped:
        op_.reply(*ctx_->rb);
        break;
      case Outcome::kWrongType:
        ctx_->rb->Error(errors::kWrongType);
        break;
      case Outcome::kTimeout:
      case Outcome::kDisconnected:
        ctx_->rb->NullArray();
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
  bool blocked_ = false;  // counted, timer and disconnect hook set
};

}  // namespace

void RunBlockingPop(CommandContext& ctx, ArgSlice args, BlockingPop op) {
  if (ctx.shard != nullptr) {  // LMPOP/ZMPOP whose keys are all on this shard: no transaction
    DbSlice& slice = ctx.slice();
    for (uint32_t p : op.keys) {
      DbSlice::Slot* s = slice.Find(ctx.db_index, args[p]);
      if (s == nullptr) continue;
      if (s->entry()->type() != op.type) return ctx.rb->Error(errors::kWrongType);
      op.pop(*ctx.shard, ctx.db_index, args[p]);
      return op.reply(*ctx.rb);
    }
    return ctx.rb->NullArray();
  }
  std::make_shared<BlockedCmd>(ctx, args, std::move(op))->Start();
}

}  // namespace shoal
