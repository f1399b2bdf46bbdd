#include "server/transaction.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "server/command_context.h"
#include "server/server_state.h"
#include "server/tracking.h"
#include "shard/alloc.h"
#include "shard/clock.h"
#include "shard/shard_set.h"
#include "shard/slab.h"

namespace shoal {

namespace {

std::vector<uint32_t> Normalized(std::vector<uint32_t> shards) {
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

std::vector<uint32_t> AllShards() {
  std::vector<uint32_t> all(Server().shards->size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

// Invariant violations of the transaction protocol are bugs that would wedge shards or race on
// their data: stop loudly rather than run on.
[[noreturn]] void Violation(const char* what) {
  spdlog::critical("transaction invariant violated: {}", what);
  std::abort();
}

}  // namespace

std::shared_ptr<Transaction> Transaction::Create(const CommandContext& ctx,
                                                 std::vector<uint32_t> shards) {
  shards = Normalized(std::move(shards));
  if (ctx.shard != nullptr) {
    for (uint32_t s : shards)
      if (s != ctx.shard->id()) Violation("an inline command reached another shard");
    return std::shared_ptr<Transaction>(
        new Transaction(std::move(shards), Kind::kInline, nullptr, ctx.shard));
  }
  if (ctx.tx != nullptr && ctx.tx->kind_ == Kind::kDirect) {
    for (uint32_t s : shards)
      if (!ctx.tx->Includes(s)) Violation("a script's command reached a shard it does not hold");
    return std::shared_ptr<Transaction>(
        new Transaction(std::move(shards), Kind::kDirect, ctx.tx, nullptr));
  }
  if (ctx.tx != nullptr) {
    for (uint32_t s : shards)
      if (!ctx.tx->Includes(s)) Violation("a joined transaction reached a shard not armed");
    auto tx = std::shared_ptr<Transaction>(
        new Transaction(std::move(shards), Kind::kJoined, ctx.tx, nullptr));
    tx->track_ = ctx.track;
    tx->SetJournal(ctx.jb, &ctx.changed);
    return tx;
  }
  auto tx = CreateOwn(std::move(shards));
  tx->track_ = ctx.track;
  tx->SetJournal(ctx.jb, &ctx.changed);
  return tx;
}

std::shared_ptr<Transaction> Transaction::CreateAll(const CommandContext& ctx) {
  return Create(ctx, AllShards());
}

std::shared_ptr<Transaction> Transaction::CreateOwn(std::vector<uint32_t> shards) {
  return std::shared_ptr<Transaction>(
      new Transaction(Normalized(std::move(shards)), Kind::kOwn, nullptr, nullptr));
}

std::shared_ptr<Transaction> Transaction::CreateDirect(std::vector<uint32_t> shards,
                                                       int64_t now_ms) {
  auto tx = std::shared_ptr<Transaction>(
      new Transaction(Normalized(std::move(shards)), Kind::kDirect, nullptr, nullptr));
  tx->now_ms_ = now_ms;
  return tx;
}

LentShardScope::LentShardScope(Shard& shard) : saved_(mem::tl_counter), saved_slab_(tl_slab) {
  mem::SetThreadCounter(shard.db_slice().heap_counter());
  tl_slab = &shard.db_slice().slab();
}

LentShardScope::~LentShardScope() {
  mem::SetThreadCounter(saved_);
  tl_slab = saved_slab_;
}

void Transaction::RunDirect(const ShardFn& fn) {
  for (uint32_t id : shards_) {
    Shard& s = *set_->shard(id);
    LentShardScope scope(s);
    s.db_slice().SetNow(now_ms_);
    fn(s);
  }
}

Transaction::Transaction(std::vector<uint32_t> shards, Kind kind, const Transaction* enclosing,
                         Shard* inline_shard)
    : shards_(std::move(shards)),
      msgs_(shards_.size()),
      set_(Server().shards.get()),
      coordinator_(Shard::Current()),
      kind_(kind),
      inline_shard_(inline_shard) {
  if (coordinator_ == nullptr) Violation("transaction created off the shard threads");
  // Created by a command's handler (or a step of its enclosing transaction's).
  client_ = enclosing != nullptr ? enclosing->client_ : tracking::tl_current_client;
  switch (kind_) {
    case Kind::kOwn:
      now_ms_ = UnixMs();
      break;
    case Kind::kJoined:
      now_ms_ = enclosing->now_ms_;
      armed_ = true;  // the enclosing transaction holds the shards
      break;
    case Kind::kInline:
      now_ms_ = inline_shard_->db_slice().now_ms();
      break;
    case Kind::kDirect:
      if (enclosing != nullptr) now_ms_ = enclosing->now_ms_;
      armed_ = true;
      break;
  }
  // A joined transaction's messages belong to the enclosing one: they run on its lent shards.
  const void* owner = kind_ == Kind::kJoined ? enclosing->owner_ : this;
  owner_ = owner;
  for (auto& m : msgs_) {
    m.tx = this;
    m.owner = owner;
  }
  done_msg_.tx = this;
  done_msg_.owner = owner;
  done_msg_.deferrable = false;  // completions never wait behind a backlog
  done_msg_.completion = true;
  done_msg_.fn = &Transaction::RunDone;
}

namespace {
struct UnparkMsg : ShardMsg {};

// Unparks `shard` if `owner` parks it, by a message of its own (nobody waits for it).
void SendUnpark(Shard* shard, const void* owner) {
  auto* m = new UnparkMsg;
  m->owner = owner;
  m->deferrable = false;
  m->fn = [](ShardMsg* self, Shard* s) {
    auto* um = static_cast<UnparkMsg*>(self);
    if (s->parked_by(um->owner)) s->Unpark();
    delete um;
  };
  m->discard = &DeleteMsg<UnparkMsg>;
  shard->Send(m);
}
}  // namespace

Transaction::~Transaction() {
  if (kind_ != Kind::kOwn || !armed_) return;
  spdlog::critical("an armed transaction was dropped before concluding; unparking its shards");
  for (uint32_t id : shards_) SendUnpark(set_->shard(id), this);
}

bool Transaction::Includes(uint32_t shard) const {
  return std::binary_search(shards_.begin(), shards_.end(), shard);
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
  if (kind_ == Kind::kDirect) {
    RunDirect(fn);
    return then();
  }
  if (kind_ == Kind::kInline || shards_.empty()) {
    if (!shards_.empty()) fn(*inline_shard_);
    then();
    return;
  }
  if (kind_ == Kind::kJoined) return Hop(std::move(fn), true, std::move(then));
  if (shards_.size() == 1 && shards_[0] == coordinator_->id() && coordinator_->CanRunInline()) {
    tracking::CurrentClientScope current(client_);
    if (track_) tracking::RememberKeys(track_->keys, track_->client, *coordinator_);
    fn_ = std::move(fn);
    RunOn(*coordinator_);
    fn_ = nullptr;
    if (jb_ != nullptr) jb_->Merge();
    if (changed_.load(std::memory_order_relaxed) && changed_out_ != nullptr) *changed_out_ = true;
    // Keys this made ready (a FLUSHALL failing XREADGROUP waiters) are served as after any shard
    // message: by a message of their own, after this command (and its journal unit) completes.
    if (coordinator_->db_slice().blocking().HasReady())
      coordinator_->Post(/*deferrable=*/true, [](Shard&) {});
    then();
    return;
  }
  if (write && multi_shard()) {
    // Arms and runs in one message per shard (the header's protocol), then concludes.
    fn_ = std::move(fn);
    armed_ = true;
    conclude_ = false;
    // `this` lives while RunDone runs then_ (it holds self_).
    then_ = [this, then = std::move(then)]() mutable {
      fn_ = nullptr;
      if (jb_ != nullptr && journal::Enabled()) jb_->ReserveNow();  // every shard is parked here
      Conclude(std::move(then));
    };
    Send(/*sequenced=*/true, /*deferrable=*/true, &Transaction::RunArmHop);
    return;
  }
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = true;
  Send(/*sequenced=*/true, /*deferrable=*/true, &Transaction::RunHop);
}

void Transaction::Arm(Then then) {
  if (kind_ != Kind::kOwn || shards_.empty()) return then();

  if (jb_ != nullptr) {
    // All shards armed: this transaction's place in the journal.
    then_ = [jb = jb_, then = std::move(then)] {
      if (journal::Enabled()) jb->ReserveNow();
      then();
    };
  } else {
    then_ = std::move(then);
  }
  armed_ = true;
  Send(/*sequenced=*/true, /*deferrable=*/true, &Transaction::RunArm);
}

void Transaction::Hop(ShardFn fn, bool conclude, Then then) {
  if (kind_ == Kind::kDirect) {
    RunDirect(fn);
    return then();
  }
  if (kind_ == Kind::kInline || shards_.empty()) {
    if (!shards_.empty()) fn(*inline_shard_);
    if (conclude) armed_ = false;
    return then();
  }
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = conclude;
  // Armed hops bypass the backlog: the shards are parked waiting for exactly these messages.
  Send(/*sequenced=*/!armed_, /*deferrable=*/!armed_, &Transaction::RunHop);
}

void Transaction::Conclude(Then then) {
  if (kind_ != Kind::kOwn || !armed_) return then();
  armed_ = false;
  bool own = false;
  for (uint32_t id : shards_) {
    if (id == coordinator_->id())
      own = true;
    else
      SendUnpark(set_->shard(id), this);
  }
  // The coordinator's own shard needs no message: unparked here, it may run this connection's
  // next command inline.
  if (own) coordinator_->Unpark();
  then();
}

void Transaction::RunLent(const ShardFn& fn) {
  if (kind_ == Kind::kDirect) return RunDirect(fn);
  if (kind_ == Kind::kInline || shards_.empty()) {
    if (!shards_.empty()) fn(*inline_shard_);
    return;
  }
  if (kind_ != Kind::kOwn || !armed_ || !lend_) Violation("RunLent on shards not lent");
  fn_ = fn;
  for (uint32_t id : shards_) {
    Shard& s = *set_->shard(id);
    LentShardScope scope(s);
    s.db_slice().SetNow(now_ms_);
    tracking::CurrentClientScope current(client_);
    if (track_) tracking::RememberKeys(track_->keys, track_->client, s);
    RunOn(s);
  }
  fn_ = nullptr;
  if (jb_ != nullptr) jb_->Merge();
  if (changed_out_ != nullptr && changed_.load(std::memory_order_relaxed)) *changed_out_ = true;
}

void Transaction::ControlAll(ShardFn fn, Then then) {
  CreateOwn(AllShards())->Control(std::move(fn), std::move(then));
}

namespace {
thread_local const void* tl_enclosing_owner = nullptr;
}  // namespace

Transaction::EnclosedControls::EnclosedControls(const Transaction& enclosing)
    : saved_(tl_enclosing_owner) {
  tl_enclosing_owner = enclosing.owner_;
}

Transaction::EnclosedControls::~EnclosedControls() { tl_enclosing_owner = saved_; }

void Transaction::Control(ShardFn fn, Then then) {
  if (tl_enclosing_owner != nullptr) {
    // Issued by a step of a transaction that holds (maybe lent) shards: its visits are part of it.
    for (auto& m : msgs_) m.owner = tl_enclosing_owner;
    done_msg_.owner = tl_enclosing_owner;
  }
  fn_ = std::move(fn);
  then_ = std::move(then);
  conclude_ = false;
  Send(/*sequenced=*/false, /*deferrable=*/false, &Transaction::RunHop);
}

void Transaction::RunArm(ShardMsg* m, Shard* s) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  if (tx->lend_)
    s->ParkAndLend(tx);
  else
    s->Park(tx);
  s->db_slice().SetNow(tx->now_ms_);
  tx->ShardFinished(s, false);
}

void Transaction::RunArmHop(ShardMsg* m, Shard* s) {
  s->Park(static_cast<Msg*>(m)->tx);
  RunHop(m, s);  // not concluding: the shard stays parked until Conclude
}

void Transaction::RunHop(ShardMsg* m, Shard* s) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  s->db_slice().SetNow(tx->now_ms_);  // one clock for the whole command on every shard
  tracking::CurrentClientScope current(tx->client_);
  // A tracking client's read remembers its keys in the message that reads them.
  if (tx->track_) tracking::RememberKeys(tx->track_->keys, tx->track_->client, *s);
  tx->RunOn(*s);
  tx->ShardFinished(s, tx->kind_ == Kind::kOwn && tx->armed_ && tx->conclude_);
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

void Transaction::RunOn(Shard& s) {
  if (jb_ == nullptr || !journal::Enabled()) return fn_(s);
  // An armed transaction's hops record into its unit; so does a single-shard one, which takes
  // its place right here. A read spanning shards unarmed lets each shard place its own ops
  // (lazy expiries) at once.
  bool holds = armed_ || shards_.size() == 1;
  journal::Unit* buf = jb_->shard_buffer(s.id());
  journal::Scope scope(holds ? buf : nullptr);
  uint64_t before = s.db_slice().dirty();
  fn_(s);
  bool changed = s.db_slice().dirty() != before;
  if (changed) changed_.store(true, std::memory_order_relaxed);
  if (!armed_ && shards_.size() == 1 && (changed || !buf->empty())) jb_->ReserveNow();
}

void Transaction::RunDone(ShardMsg* m, Shard*) {
  Transaction* tx = static_cast<Msg*>(m)->tx;
  if (tx->jb_ != nullptr) tx->jb_->Merge();
  if (tx->changed_out_ != nullptr && tx->changed_.load(std::memory_order_relaxed))
    *tx->changed_out_ = true;
  if (tx->conclude_ && tx->kind_ == Kind::kOwn) tx->armed_ = false;
  Then then = std::move(tx->then_);
  tx->then_ = nullptr;
  auto keep = std::move(tx->self_);  // may be the last reference; dies after `then`
  then();
}

}  // namespace shoal
