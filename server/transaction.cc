#include "server/transaction.h"

#include <algorithm>

#include "server/server_state.h"
#include "shard/shard_set.h"

namespace shoal {

std::shared_ptr<Transaction> Transaction::Create(std::vector<uint32_t> shards) {
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return std::shared_ptr<Transaction>(new Transaction(std::move(shards)));
}

std::shared_ptr<Transaction> Transaction::CreateAll() {
  std::vector<uint32_t> all(Server().shards->size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  return Create(std::move(all));
}

Transaction::Transaction(std::vector<uint32_t> shards)
    : shards_(std::move(shards)),
      msgs_(shards_.size()),
      set_(Server().shards.get()),
      coordinator_(Shard::Current()) {
  for (auto& m : msgs_) m.tx = this;
  done_msg_.tx = this;
  done_msg_.deferrable = false;
  done_msg_.fn = &Transaction::RunDone;
}

void Transaction::Send(bool sequenced, bool deferrable, ShardMsg::Fn fn) {
  self_ = shared_from_this();
  pending_.store(static_cast<int>(shards_.size()), std::memory_order_relaxed);
  ShardMsg* ptrs[64];
  std::vector<ShardMsg*> many;
  ShardMsg** p = ptrs;
  if (msgs_.size() > 64) {
    many.resize(msgs_.size());
    p = many.data();
  }
  for (size_t i = 0; i < msgs_.size(); ++i) {
    msgs_[i].fn = fn;
    msgs_[i].deferrable = deferrable;
    p[i] = &msgs_[i];
  }
  if (sequenced && shards_.size() > 1) {
    set_->SequencedSend(p, shards_.data(), shards_.size());
  } else {
    for (size_t i = 0; i < shards_.size(); ++i) set_->shard(shards_[i])->Send(p[i]);
  }
}

void Transaction::Execute(ShardFn fn, bool write, Then then) {
  if (shards_.size() == 1 && coordinator_ != nullptr && shards_[0] == coordinator_->id() &&
      coordinator_->CanRunInline()) {
    fn(*coordinator_);
    then();
    return;
  }
  if (write && multi_shard()) {
    auto self = shared_from_this();
    Arm([self, fn = std::move(fn), then = std::move(then)]() mutable {
      self->Hop(std::move(fn), true, std::move(then));
    });
    return;
  }
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = true;
  Send(/*sequenced=*/true, /*deferrable=*/true, &Transaction::RunHop);
}

void Transaction::Arm(Then then) {
  then_ = std::move(then);
  armed_ = true;
  Send(/*sequenced=*/true, /*deferrable=*/true, &Transaction::RunArm);
}

void Transaction::Hop(ShardFn fn, bool conclude, Then then) {
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = conclude;
  // Armed hops bypass the backlog: the shards are parked waiting for exactly these messages.
  Send(/*sequenced=*/!armed_, /*deferrable=*/!armed_, &Transaction::RunHop);
}

void Transaction::Control(ShardFn fn, Then then) {
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = false;
  Send(/*sequenced=*/false, /*deferrable=*/false, &Transaction::RunHop);
}

void Transaction::RunArm(ShardMsg* m, Shard* s) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  s->Park(tx);
  tx->ShardFinished(s, false);
}

void Transaction::RunHop(ShardMsg* m, Shard* s) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  tx->fn_(*s);
  tx->ShardFinished(s, tx->armed_ && tx->conclude_);
}

void Transaction::ShardFinished(Shard* s, bool unpark) {
  // After the decrement the coordinator may free this transaction: touch nothing of it below.
  Shard* coordinator = coordinator_;
  ShardMsg* done = &done_msg_;
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (coordinator == s) {
      done->fn(done, s);  // already on the coordinator thread
    } else {
      coordinator->Send(done);
    }
  }
  if (unpark) s->Unpark();
}

void Transaction::RunDone(ShardMsg* m, Shard*) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  if (tx->conclude_) tx->armed_ = false;
  Then then = std::move(tx->then_);
  tx->then_ = nullptr;
  auto keep = std::move(tx->self_);  // may be the last reference; dies after `then`
  then();
}

}  // namespace shoal
