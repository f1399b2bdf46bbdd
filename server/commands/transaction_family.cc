// Transactions: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0 multi.c semantics).
//
// MULTI puts the connection in queuing mode: every command but MULTI EXEC DISCARD WATCH QUIT
// RESET is checked (existence, arity, no-multi, OOM) and queued by Connection::QueueCommand; a
// refusal flags the transaction and EXEC then answers EXECABORT. EXEC runs the queue at once:
//  - Each queued command is a step of one of three kinds: on a shard (a single-key command, or a
//    multi-key one whose keys share a shard: it runs there with ctx.shard set), on the coordinator
//    (a multi-shard or keyless data command: it runs as a joined part of the EXEC's transaction,
//    ctx.tx), or on the connection (SELECT, PING ...).
//  - Fast paths: when every step is on the connection's own shard (or on the connection) and that
//    shard may run inline, everything runs right there, synchronously: no message at all; when
//    every step and watched key is on one other shard, the whole EXEC is one message there.
//  - Otherwise one armed transaction over the union of the steps' shards and the watched keys'
//    shards (every shard when a keyless data command is queued). Once armed, the watched keys are
//    checked; then consecutive shard steps travel as one hop (one message per shard), coordinator
//    steps join the transaction, connection steps run between hops; the last hop (the last shard
//    steps' hop, when they end the queue) concludes.
//  - One clock for the whole EXEC (the transaction's); blocking commands do not block
//    (ctx.deny_blocking); clients blocked on keys the EXEC fills are served when each shard
//    unparks, after the whole EXEC. Runtime errors are per command, no rollback.
// WATCH registers the client's WatchState on each key's shard (shard/watch.h) in a sequenced read
// hop, so every change ordered after it there marks the state dirty (DbSlice::PreChange for the
// mutators, DbSlice::Modified for in-place edits: only real changes, as Redis's
// signalModifiedKey).
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/command_context.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/propagate.h"
#include "server/server_state.h"
#include "server/tracking.h"
#include "server/transaction.h"
#include "shard/clock.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

constexpr char kExecAbort[] = "EXECABORT Transaction discarded because of previous errors.";

class ExecRun : public std::enable_shared_from_this<ExecRun> {
 public:
  enum class Where : uint8_t { kConnection, kShard, kCoordinator };
  struct Step {
    const CommandId* cid;
    std::vector<std::string> argv;
    std::vector<std::string_view> args;
    Where where;
    uint32_t shard = 0;   // kShard
    bool denied = false;  // the ACL refused it at EXEC time: `reply` holds the error
    std::string reply;
    DbIndex db = 0;  // kShard: the db when its hop was sent
    int resp = 2;
    bool track = false;  // a tracking client's read: remembers its keys where it runs
    std::unique_ptr<CommandContext> ctx;         // kCoordinator: lives until its Done
    std::unique_ptr<protocol::ReplyBuilder> rb;  // likewise
  };

  ExecRun(Connection* conn, CommandContext* exec_ctx) : conn_(conn), exec_ctx_(exec_ctx) {}

  // Plans the steps and the shards; runs the fast path or arms.
  void Start(std::vector<Connection::QueuedCmd> cmds) {
    ShardSet& set = *Server().shards;
    Shard* home = conn_->home();
    std::vector<uint32_t> shards;
    bool all_shards = false, any_coordinator = false, any_connection = false;
    std::vector<uint32_t> keys;
    for (auto& q : cmds) {
      Step st;
      st.cid = q.cid;
      st.argv = std::move(q.argv);
      st.args.assign(st.argv.begin(), st.argv.end());
      CommandRegistry::KeyPositions(*st.cid, st.args, &keys);
      if (exec_ctx_->user != nullptr && !exec_ctx_->user->unrestricted && Denied(st)) {
        st.where = Where::kConnection;
        any_connection = true;
        steps_.push_back(std::move(st));
        continue;
      }
      // Decided as the EXEC starts, as Redis's call() of each queued command (CLIENT CACHING
      // given before MULTI counts for the whole transaction).
      st.track =
          conn_->tracking.on && conn_->TrackThis(Server().registry.Resolve(*st.cid, st.args));
      if (st.cid->mode == CmdMode::kConnection) {
        st.where = Where::kConnection;
        any_connection = true;
      } else {
        // A command that may read keys beyond its own (SORT BY/GET patterns) coordinates.
        bool coordinate = st.cid->coordinate != nullptr && st.cid->coordinate(st.args);
        bool one_shard = st.cid->mode == CmdMode::kShard || (!keys.empty() && !coordinate);
        uint32_t target = keys.empty() ? home->id() : set.ShardOf(st.args[keys[0]]);
        for (size_t k = 1; k < keys.size() && one_shard; ++k)
          one_shard = set.ShardOf(st.args[keys[k]]) == target;
        if (one_shard) {
          st.where = Where::kShard;
          st.shard = target;
          shards.push_back(target);
        } else {
          st.where = Where::kCoordinator;
          any_coordinator = true;
          // A keyless data command, or one that forms keys from its arguments (SORT BY/GET),
          // may reach any shard.
          if (keys.empty() || coordinate) all_shards = true;
          for (uint32_t p : keys) shards.push_back(set.ShardOf(st.args[p]));
        }
      }
      steps_.push_back(std::move(st));
    }
    for (const auto& w : conn_->watched) shards.push_back(set.ShardOf(w.second));
    if (all_shards) {
      shards.clear();
      for (uint32_t i = 0; i < set.size(); ++i) shards.push_back(i);
    }
    bool only_home = true;
    for (uint32_t s : shards) only_home &= s == home->id();
    if (!any_coordinator && only_home && home->CanRunInline()) return RunInline(*home);
    std::sort(shards.begin(), shards.end());
    shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
    bool lend = false;  // a script step works on the data directly
    for (const Step& st : steps_) lend |= st.cid->runs_scripts;
    if (!any_coordinator && !any_connection &&
        (shards.size() == 1 || (conn_->watched.empty() && !conn_->watch_state->Dirty() && !lend)))
      return RunInOneHop(std::move(shards));
    tx_ = Transaction::CreateOwn(std::move(shards));
    tx_->SetJournal(exec_ctx_->jb, nullptr);
    if (lend) tx_->LendOnArm();
    auto self = shared_from_this();
    tx_->Arm([self] { self->CheckWatched(); });
  }

 private:
  // --- fast path: everything on the connection's own shard, synchronously ---
  void RunInline(Shard& home) {
    if (WatchedKeyExpiredHere(home) || conn_->watch_state->Dirty()) return Abort();
    conn_->Unwatch();
    journal::Builder* jb = exec_ctx_->jb;
    std::optional<journal::Scope> scope;
    if (jb != nullptr) scope.emplace(jb->shard_buffer(home.id()));
    for (size_t i = 0; i < steps_.size(); ++i) {
      Step& st = steps_[i];
      if (st.where == Where::kConnection) {
        RunOnConnection(st);
      } else {
        st.db = conn_->db;
        st.resp = conn_->resp;
        RunOnShard(st, home);
      }
    }
    if (jb != nullptr) {
      jb->Merge();
      if (!jb->unit().empty()) jb->ReserveNow();  // its place: right here, on this shard
    }
    scope.reset();
    home.ServeBlocked();  // clients the EXEC woke are served after all of it
    Reply();
  }

  // --- only shard steps: the whole EXEC is one message per shard ---
  // On one shard a single message is atomic: no arming, and the watched keys (all there) are
  // checked in it. On several shards (no WATCH, so nothing to check between arming and running)
  // each message arms and runs its shard's steps (Transaction::Execute of a write).
  void RunInOneHop(std::vector<uint32_t> shards) {
    auto self = shared_from_this();
    for (Step& st : steps_) {
      st.db = conn_->db;
      st.resp = conn_->resp;
    }
    auto watch = conn_->watch_state;
    bool several = shards.size() > 1;
    auto tx = Transaction::CreateOwn(std::move(shards));
    tx->SetJournal(exec_ctx_->jb, nullptr);
    tx->Execute(
        [self, watch](Shard& s) {
          if (self->WatchedKeyExpiredHere(s) || watch->Dirty()) {
            self->watched_expired_.store(true);
            return;
          }
          for (Step& st : self->steps_)
            if (st.shard == s.id()) self->RunOnShard(st, s);
        },
        /*write=*/several,
        [self, tx] {
          self->conn_->Unwatch();
          if (self->watched_expired_.load()) return self->Abort();
          self->Reply();
        });
  }

  // Redis's isWatchedKeyExpired, for the watched keys that live on `s` (their shard's thread).
  bool WatchedKeyExpiredHere(Shard& s) {
    ShardSet& set = *Server().shards;
    DbSlice& slice = s.db_slice();
    for (const auto& [db, key] : conn_->watched) {
      if (set.ShardOf(key) != s.id()) continue;
      if (slice.watches().WatchedFresh(db, key, conn_->watch_state.get()) &&
          slice.KeyIsExpired(db, key))
        return true;
    }
    return false;
  }

  // --- general path: one armed transaction ---
  void CheckWatched() {
    auto self = shared_from_this();
    if (conn_->watched.empty()) return AfterWatchCheck();
    std::vector<uint32_t> wshards;
    for (const auto& w : conn_->watched) wshards.push_back(Server().shards->ShardOf(w.second));
    CommandContext join;
    join.tx = tx_.get();
    auto check = Transaction::Create(join, std::move(wshards));
    check->Hop(
        [self](Shard& s) {
          if (self->WatchedKeyExpiredHere(s)) self->watched_expired_.store(true);
        },
        false, [self, check] { self->AfterWatchCheck(); });
  }

  void AfterWatchCheck() {
    auto self = shared_from_this();
    if (watched_expired_.load() || conn_->watch_state->Dirty()) {
      return tx_->Conclude([self] { self->Abort(); });
    }
    conn_->Unwatch();
    Next();
  }

  // Runs steps from next_ until one must wait; concludes after the last.
  void Next() {
    auto self = shared_from_this();
    while (next_ < steps_.size()) {
      Step& st = steps_[next_];
      if (st.where == Where::kConnection) {
        RunOnConnection(st);
        ++next_;
        continue;
      }
      if (st.where == Where::kCoordinator) return RunOnCoordinator(st);
      // A run of consecutive shard steps: one hop, one message per shard involved.
      size_t end = next_;
      std::vector<uint32_t> hop_shards;
      while (end < steps_.size() && steps_[end].where == Where::kShard) {
        steps_[end].db = conn_->db;
        steps_[end].resp = conn_->resp;
        hop_shards.push_back(steps_[end].shard);
        ++end;
      }
      size_t begin = next_;
      next_ = end;
      auto fn = [self, begin, end](Shard& s) {
        for (size_t i = begin; i < end; ++i)
          if (self->steps_[i].shard == s.id()) self->RunOnShard(self->steps_[i], s);
      };
      // The last steps conclude the transaction in the same hop (one round trip less).
      if (end == steps_.size()) return tx_->Hop(fn, true, [self] { self->Reply(); });
      CommandContext join;
      join.tx = tx_.get();
      auto hop = Transaction::Create(join, std::move(hop_shards));
      hop->SetJournal(exec_ctx_->jb, nullptr);
      return hop->Hop(fn, false, [self, hop] { self->Next(); });
    }
    tx_->Conclude([self] { self->Reply(); });
  }

  // Redis's execCommand checks every queued command again: the rules may have changed since it
  // was queued.
  bool Denied(Step& st) {
    const CommandId* eff = Server().registry.Resolve(*st.cid, st.args);
    acl::Result r;
    if (eff == nullptr || conn_->AclAllows(*eff, st.args, acl::kMulti, &r)) return false;
    const char* reason = r == acl::kDeniedCmd ? "no permission to execute the command or subcommand"
                         : r == acl::kDeniedKey ? "no permission to touch the specified keys"
                         : r == acl::kDeniedChannel
                             ? "no permission to access one of the channels used as arguments"
                             : "no permission";
    protocol::ReplyBuilder rb(&st.reply, conn_->resp);
    rb.Error(std::string("NOPERM ACLs rules changed between the moment the transaction was "
                         "accumulated and the EXEC call. This command is no longer allowed for "
                         "the following reason: ") +
             reason);
    st.denied = true;
    return true;
  }

  void RunOnConnection(Step& st) {
    if (st.denied) return;
    CommandContext ctx;
    protocol::ReplyBuilder rb(&st.reply, conn_->resp);
    ctx.rb = &rb;
    ctx.db_index = conn_->db;
    ctx.conn = conn_;
    ctx.cid = st.cid;
    ctx.deny_blocking = true;
    ctx.client_addr = conn_->addr();
    ctx.user = exec_ctx_->user;
    ctx.client_info = exec_ctx_->client_info;
    uint64_t t0 = Ticks();
    tracking::CurrentClientScope current(conn_->id());
    {
      std::optional<Transaction::EnclosedControls> enclosed;
      if (tx_ != nullptr) enclosed.emplace(*tx_);
      InvokeHandler(st.args, ctx);
    }
    RecordCall(conn_->home()->id(), st.cid, t0, &st.reply, 0);
    FeedMonitor(st.cid, ctx.db_index, conn_->addr(), st.args);
  }

  // On the step's shard thread; synchronous (a kMulti handler with ctx.shard set runs inline).
  void RunOnShard(Step& st, Shard& s) {
    CommandContext ctx;
    protocol::ReplyBuilder rb(&st.reply, st.resp);
    ctx.rb = &rb;
    ctx.db_index = st.db;
    ctx.shard = &s;
    ctx.cid = st.cid;
    ctx.deny_blocking = true;
    ctx.client_addr = conn_->addr();
    ctx.user = exec_ctx_->user;
    ctx.client_info = exec_ctx_->client_info;
    uint64_t t0 = Ticks();
    tracking::CurrentClientScope current(conn_->id());
    Shard* shards[] = {&s};
    journal::tl_order = static_cast<uint32_t>(&st - steps_.data()) + 1;  // EXEC's order, merged
    InvokeRecorded(st.args, ctx, shards);
    journal::tl_order = 0;
    if (st.track) tracking::RememberKeys(*st.cid, st.args, {conn_->id(), conn_->home()->id()}, s);
    RecordCall(s.id(), st.cid, t0, &st.reply, 0);
    FeedMonitor(st.cid, st.db, conn_->addr(), st.args);
  }

  void RunOnCoordinator(Step& st) {
    auto self = shared_from_this();
    st.rb = std::make_unique<protocol::ReplyBuilder>(&st.reply, conn_->resp);
    st.ctx = std::make_unique<CommandContext>();
    CommandContext& ctx = *st.ctx;
    ctx.rb = st.rb.get();
    ctx.db_index = conn_->db;
    ctx.conn = conn_;
    ctx.cid = st.cid;
    ctx.tx = tx_.get();
    ctx.jb = exec_ctx_->jb;
    ctx.deny_blocking = true;
    ctx.client_addr = conn_->addr();
    ctx.user = exec_ctx_->user;
    ctx.client_info = exec_ctx_->client_info;
    if (st.cid->runs_scripts && conn_->TracksScriptReads())
      ctx.script_tracker = {conn_->id(), conn_->home()->id()};
    if (st.track) {
      static thread_local std::vector<uint32_t> pos;
      auto rk = std::make_shared<tracking::ReadKeys>();
      rk->client = {conn_->id(), conn_->home()->id()};
      if (CommandRegistry::KeyPositions(*st.cid, st.args, &pos))
        for (uint32_t p : pos) rk->keys.emplace_back(st.args[p]);
      if (!rk->keys.empty()) ctx.track = std::move(rk);
    }
    uint64_t t0 = Ticks();
    const CommandId* cid = st.cid;
    std::string* out = &st.reply;
    ctx.done_ = [self, t0, cid, out, &st] {
      if (st.ctx->jb != nullptr) {
        st.ctx->jb->Merge();
        if (st.ctx->changed) RecordCommand(st.args, *st.ctx, &st.ctx->jb->unit());
      }
      RecordCall(self->conn_->home()->id(), cid, t0, out, 0);
      FeedMonitor(cid, st.ctx->db_index, self->conn_->addr(), st.args);
      ++self->next_;
      self->Next();
    };
    Transaction::EnclosedControls enclosed(*tx_);
    tracking::CurrentClientScope current(conn_->id());
    InvokeHandler(st.args, ctx);
  }

  void Abort() {
    tx_.reset();
    conn_->Unwatch();
    exec_ctx_->rb->NullArray();
    exec_ctx_->Done();
  }

  void Reply() {
    tx_.reset();
    protocol::ReplyBuilder& rb = *exec_ctx_->rb;
    rb.Array(steps_.size());
    for (const Step& st : steps_) rb.out()->append(st.reply);
    exec_ctx_->Done();
  }

  Connection* conn_;
  CommandContext* exec_ctx_;
  std::vector<Step> steps_;
  size_t next_ = 0;
  std::shared_ptr<Transaction> tx_;
  std::atomic<bool> watched_expired_{false};
};

void CmdMulti(ArgSlice, CommandContext& ctx) {
  Connection& c = *ctx.conn;
  if (c.multi.active) return ctx.rb->Error("ERR MULTI calls can not be nested");
  c.multi.active = true;
  ctx.rb->Ok();
}

void CmdDiscard(ArgSlice, CommandContext& ctx) {
  Connection& c = *ctx.conn;
  if (!c.multi.active) return ctx.rb->Error("ERR DISCARD without MULTI");
  c.DiscardMulti();
  c.Unwatch();
  ctx.rb->Ok();
}

void CmdExec(ArgSlice, CommandContext& ctx) {
  Connection& c = *ctx.conn;
  if (!c.multi.active) {
    ctx.rb->Error("ERR EXEC without MULTI");
    return ctx.Done();
  }
  if (c.multi.error) {
    c.DiscardMulti();
    c.Unwatch();
    ctx.rb->Error(kExecAbort);
    return ctx.Done();
  }
  // The OOM check Redis makes before a denyoom command, made for the queued ones (rejectCommand
  // on EXEC: execCommandAbort).
  if ((c.multi.flags & cmd_flag::kDenyOom) && memory_budget::RejectWrites()) {
    c.DiscardMulti();
    c.Unwatch();
    ctx.rb->Error(std::string("EXECABORT Transaction discarded because of: ") + errors::kOom);
    Bump(Server().cmd_stats[c.home()->id()][ctx.cid->index].rejected);
    return ctx.Done();
  }
  ctx.propagate_self = false;  // its commands log themselves, as one unit
  auto run = std::make_shared<ExecRun>(&c, &ctx);
  std::vector<Connection::QueuedCmd> cmds = std::move(c.multi.cmds);
  c.DiscardMulti();
  run->Start(std::move(cmds));
}

void CmdWatch(ArgSlice args, CommandContext& ctx) {
  Connection& c = *ctx.conn;
  if (c.multi.active) {
    ctx.rb->Error("ERR WATCH inside MULTI is not allowed");
    return ctx.Done();
  }
  if (c.watch_state->Dirty()) {  // no point in watching more: EXEC will fail anyway
    ctx.rb->Ok();
    return ctx.Done();
  }
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); ++i) {
    bool known = false;
    for (const auto& [db, key] : c.watched) known |= db == ctx.db_index && key == args[i];
    for (uint32_t p : pos) known |= args[p] == args[i];
    if (!known) pos.push_back(i);
  }
  for (uint32_t p : pos) c.watched.emplace_back(ctx.db_index, std::string(args[p]));
  DbIndex db = ctx.db_index;
  auto st = c.watch_state;
  CommandContext* cp = &ctx;
  RunOnKeyShards(
      ctx, args, pos, /*write=*/false,
      [args, db, st](Shard& s, const std::vector<uint32_t>& mine) {
        DbSlice& slice = s.db_slice();
        for (uint32_t p : mine)
          slice.watches().Register(db, args[p], st, slice.KeyIsExpired(db, args[p]));
      },
      [cp] {
        cp->rb->Ok();
        cp->Done();
      });
}

void CmdUnwatch(ArgSlice, CommandContext& ctx) {
  ctx.conn->Unwatch();
  ctx.rb->Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy;
  // MULTI EXEC DISCARD WATCH run at once inside MULTI (Redis's processCommand); WATCH registers the
  // connection's own state, so never through the single-shard shortcut.
  // clang-format off
  r.AddFamily(acl_cat::kTransaction, {
      {.name = "multi", .arity = 1, .flags = kFlags, .mode = kConnection, .fn = CmdMulti,
       .runs_in_multi = true},
      {.name = "exec", .arity = 1, .flags = kNoScript | kLoading | kStale | kSkipSlowlog,
       .mode = kMulti, .fn = CmdExec, .runs_in_multi = true},
      {.name = "discard", .arity = 1, .flags = kFlags, .mode = kConnection, .fn = CmdDiscard,
       .runs_in_multi = true},
      {.name = "watch", .arity = -2, .flags = kFlags, .mode = kMulti, .fn = CmdWatch,
       .coordinate = [](ArgSlice) { return true; }, .runs_in_multi = true},
      {.name = "unwatch", .arity = 1, .flags = kFlags, .mode = kConnection, .fn = CmdUnwatch},
  });
  // clang-format on
}

}  // namespace shoal
