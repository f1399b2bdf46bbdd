// Scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT (Redis 7.0 eval.c / script.c semantics).
//
// A script runs atomically on the shards it holds, synchronously, on one thread
// (docs/ARCHITECTURE.md, "Scripts"):
//  - Its declared keys (KEYS) name its shards; no key: the connection's own shard.
//  - One shard: the whole run is one message on that shard's thread (or runs inline when it is
//    the connection's own shard and may run inline), like any single-shard command.
//  - Several shards: one armed transaction that lends their data to the coordinator's thread
//    (Shard::ParkAndLend); the script runs there and its calls work on each shard's data directly
//    (Transaction kDirect), then one hop concludes.
//  - Undeclared keys: a call whose keys live on a shard the run does not hold stops the run (a
//    restart error nobody can catch), undoes what the run wrote (each key a write touched was
//    copied before its first write), marks the script (by SHA) as one that reaches undeclared
//    keys, and runs it again holding every shard; later runs of that script hold every shard from
//    the start. A run that holds every shard never restarts, so a script runs at most twice and no
//    client ever sees a state between its calls.
#include "server/commands/scripting_family.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "base/ascii.h"
#include "base/numbers.h"
#include "persistence/rdb_encoding.h"
#include "server/acl.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/propagate.h"
#include "server/scripting/function_store.h"
#include "server/scripting/interpreter.h"
#include "server/scripting/script_store.h"
#include "server/scripting/sha1.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "server/tracking.h"
#include "server/transaction.h"
#include "shard/clock.h"
#include "shard/entry.h"
#include "shard/evict.h"
#include "shard/glob.h"
#include "shard/settings.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

using scripting::CallHandler;
using scripting::Interpreter;
using scripting::Script;
using scripting::ScriptStore;
namespace script_flag = scripting::script_flag;

constexpr char kNoScriptErr[] = "NOSCRIPT No matching script. Please use EVAL.";

// Keys of EVAL-like commands: numkeys at 2, the keys after it (Redis's evalGetKeys).
bool EvalKeys(ArgSlice args, std::vector<uint32_t>* out) {
  int64_t n;
  if (!ParseInt64(args[2], &n) || n < 0) return true;  // the command reports it
  if (n > static_cast<int64_t>(args.size()) - 3) return true;
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<uint32_t>(3 + i));
  return true;
}

// What a run runs: an EVAL script or a function (FCALL).
struct RunTarget {
  std::shared_ptr<Script> script;
  scripting::FunctionStore::Found fn;
  uint32_t flags() const { return script ? script->flags : fn.fn->flags; }
  std::atomic<bool>& undeclared_keys() const {
    return script ? script->undeclared_keys : fn.fn->undeclared_keys;
  }
  std::string_view name() const { return script ? std::string_view(script->sha) : fn.fn->name; }
};

// One EVAL / EVALSHA / FCALL invocation, from its routing to its reply. Lives on the coordinator
// (the connection's thread) while its attempts run; each attempt runs the whole script on one
// thread.
class EvalRun final : public std::enable_shared_from_this<EvalRun>, public CallHandler {
 public:
  EvalRun(CommandContext* ctx, RunTarget target, ArgSlice args, int64_t numkeys, bool ro)
      : ctx_(ctx), target_(std::move(target)), command_(args), ro_(ro) {
    for (int64_t i = 0; i < numkeys; ++i) keys_.push_back(args[3 + i]);
    for (size_t i = 3 + numkeys; i < args.size(); ++i) args_.push_back(args[i]);
    resp_ = ctx->rb->resp();
    flags_ = target_.flags();
    tracker_ = ctx->script_tracker;
    ctx->propagate_self = false;  // the commands it calls log themselves (effects replication)
  }

  void Start() {
    ShardSet& set = *Server().shards;
    Shard* home = Shard::Current();
    if (target_.undeclared_keys().load(std::memory_order_relaxed)) {
      for (uint32_t i = 0; i < set.size(); ++i) held_.push_back(i);
    } else {
      for (auto k : keys_) held_.push_back(set.ShardOf(k));
      if (held_.empty()) held_.push_back(home->id());
      std::sort(held_.begin(), held_.end());
      held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
    }
    oom_at_start_ = memory_budget::RejectWrites();
    if (ctx_->tx != nullptr) {
      // A step of EXEC: the EXEC's transaction holds every shard (EVAL coordinates) with the
      // data lent to this thread; the script runs right now, as part of it.
      held_ = ctx_->tx->shards();
      RunHere();
      return AfterAttempt();
    }
    Attempt();
  }

  // --- CallHandler: redis.call / redis.pcall ---
  Outcome Call(const std::vector<std::string_view>& argv, int resp, std::string* out) override {
    const CommandId* cid = Server().registry.Lookup(argv);
    int argc = static_cast<int>(argv.size());
    if (cid == nullptr) {
      *out = "Unknown Redis command called from script";
      return Outcome::kError;
    }
    thread_local std::vector<uint32_t> keys;
    if ((cid->arity > 0 && argc != cid->arity) || argc < -cid->arity ||
        !CommandRegistry::KeyPositions(*cid, argv, &keys)) {
      *out = "Wrong number of args calling Redis command from script";
      return Outcome::kError;
    }
    // Redis refuses NOSCRIPT commands only: the blocking ones without it (XREAD, XREADGROUP,
    // BLMPOP, BZMPOP) run without blocking (ctx.deny_blocking), as inside EXEC.
    if (cid->flags & cmd_flag::kNoScript) {
      *out = "This Redis command is not allowed from script";
      return Outcome::kError;
    }
    if (const acl::User* user = ctx_->user; user != nullptr && !user->unrestricted) {
      // Redis's scriptVerifyACL: the caller's user, logged in the "lua" context.
      int pos = 0;
      acl::Result r = acl::Check(*user, *cid, argv, &pos);
      if (r != acl::kOk) {
        acl::Log(r, acl::kLua, acl::DenialObject(r, *cid, argv, pos), user->name,
                 std::string(ctx_->client_info));
        *out = std::string("The user executing the script ") + acl::CheckErrorMessage(r);
        return Outcome::kError;
      }
    }
    if (read_only_ && (cid->flags & (cmd_flag::kWrite | cmd_flag::kMayReplicate))) {
      *out = "Write commands are not allowed from read-only scripts.";
      return Outcome::kError;
    }
    if (!(flags_ & script_flag::kAllowOom) || (flags_ & script_flag::kEvalCompat)) {
      if (ShardSettings::maxmemory.load() > 0 && !wrote_ && oom_at_start_ &&
          (cid->flags & cmd_flag::kDenyOom)) {
        *out = std::string("-") + errors::kOom;
        return Outcome::kError;
      }
    }
    ShardSet& set = *Server().shards;
    bool all_shards = false;  // the command may reach any shard
    if (cid->mode == CmdMode::kConnection) return CallOnConnection(cid, argv, resp, out);
    if (cid->mode == CmdMode::kMulti &&
        (keys.empty() || (cid->coordinate != nullptr && cid->coordinate(argv))))
      all_shards = true;
    int64_t target = -1;
    if (all_shards) {
      if (held_.size() != set.size()) return Outcome::kRestart;
    } else if (keys.empty()) {
      target = held_[0];
    } else {
      for (size_t k = 0; k < keys.size(); ++k) {
        uint32_t s = set.ShardOf(argv[keys[k]]);
        if (!Holds(s)) return Outcome::kRestart;
        if (k == 0)
          target = s;
        else if (s != target)
          target = -1;
      }
      if (cid->flags & cmd_flag::kBlocking) target = -1;
    }
    if (cid->flags & cmd_flag::kWrite) {
      if (held_.size() != set.size())
        for (uint32_t p : keys) SaveForUndo(set.ShardOf(argv[p]), argv[p]);
      wrote_ = true;
      scripting::RunningScripts::Mine().wrote.store(true, std::memory_order_relaxed);
    }
    protocol::ReplyBuilder rb(out, resp);
    CommandContext ctx;
    ctx.rb = &rb;
    ctx.db_index = db_;
    ctx.cid = cid;
    ctx.deny_blocking = true;
    ctx.user = ctx_->user;
    bool done = false;
    ctx.done_ = [&done] { done = true; };
    uint64_t t0 = Ticks();
    if (target >= 0) {
      Shard& s = *set.shard(static_cast<uint32_t>(target));
      LentShardScope scope(s);
      s.db_slice().SetNow(now_ms_);
      ctx.shard = &s;
      Shard* measured[] = {&s};
      InvokeRecorded(argv, ctx, measured);
    } else {
      if (direct_ == nullptr) direct_ = Transaction::CreateDirect(held_, now_ms_);
      ctx.tx = direct_.get();
      thread_local std::vector<Shard*> measured;
      measured.clear();
      for (uint32_t h : held_) measured.push_back(set.shard(h));
      InvokeRecorded(argv, ctx, measured);
      if (!done) {
        // Every command a script calls completes synchronously on the data the run holds; one
        // that would wait (none known) is refused rather than left half done.
        out->clear();
        *out = "This Redis command is not allowed from script";
        return Outcome::kError;
      }
    }
    if (tracker_.id != 0 && !tracked_ && tracking::TracksReads(*cid)) {
      // Redis 7.0's call() for a script's read command remembers the keys of its caller's
      // command: the script's declared keys (all of them, whatever it read), on their shards,
      // which this run holds.
      tracked_ = true;
      for (std::string_view k : keys_) {
        Shard& s = *set.shard(set.ShardOf(k));
        LentShardScope scope(s);
        s.db_slice().tracking().Remember(k, tracker_);
        s.db_slice().LimitTracking();
      }
    }
    RecordCall(Shard::Current()->id(), cid, t0, out, 0);
    FeedMonitor(cid, db_, "lua", argv);
    return Outcome::kReply;
  }

  bool Interrupted() override {
    return scripting::RunningScripts::CheckInterrupt(target_.name(), [this] {
      return std::vector<std::string>(command_.begin(), command_.end());
    });
  }

  bool KnowsCommand(const std::vector<std::string_view>& argv) override {
    return Server().registry.Lookup(argv) != nullptr;
  }

 private:
  bool Holds(uint32_t s) const { return std::binary_search(held_.begin(), held_.end(), s); }

  // PING, ECHO, TIME, COMMAND, PUBLISH, SPUBLISH, PUBSUB run as they are (a publish is not undone
  // when a run restarts over every shard: it has happened, as a message once sent); SELECT changes
  // the script's database (Redis's script client has its own).
  Outcome CallOnConnection(const CommandId* cid, const std::vector<std::string_view>& argv,
                           int resp, std::string* out) {
    protocol::ReplyBuilder rb(out, resp);
    if (cid->name == "select") {
      DbIndex db;
      if (ParseSelectIndex(argv[1], &db, rb)) {
        db_ = db;
        rb.Ok();
      }
      return Outcome::kReply;
    }
    if (cid->name != "ping" && cid->name != "echo" && cid->name != "time" &&
        cid->name != "command" && cid->name != "publish" && cid->name != "spublish" &&
        cid->name != "pubsub") {
      *out = "This Redis command is not allowed from script";
      return Outcome::kError;
    }
    CommandContext ctx;
    ctx.rb = &rb;
    ctx.db_index = db_;
    ctx.cid = cid;
    ctx.deny_blocking = true;
    ctx.user = ctx_->user;
    uint64_t t0 = Ticks();
    InvokeHandler(argv, ctx);
    RecordCall(Shard::Current()->id(), cid, t0, out, 0);
    FeedMonitor(cid, db_, "lua", argv);
    return Outcome::kReply;
  }

  // --- undo: a copy of each key before the run's first write to it (runs not holding every
  // shard only: those may have to start over) ---
  struct Saved {
    uint32_t shard;
    DbIndex db;
    std::string key;
    Entry* copy;  // null: the key did not exist
  };

  void SaveForUndo(uint32_t shard, std::string_view key) {
    for (const Saved& s : undo_)
      if (s.shard == shard && s.db == db_ && s.key == key) return;
    Shard& sh = *Server().shards->shard(shard);
    LentShardScope scope(sh);
    DbSlice& slice = sh.db_slice();
    DbSlice::Slot* slot = slice.Find(db_, key);
    Entry* copy = nullptr;
    if (slot != nullptr) {
      const Entry* e = slot->entry();
      copy = Entry::Clone(e, e->key(), e->expire_ms());
    }
    undo_.push_back({shard, db_, std::string(key), copy});
  }

  // Puts every saved key back as it was, newest first.
  void Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      Shard& sh = *Server().shards->shard(it->shard);
      LentShardScope scope(sh);
      DbSlice& slice = sh.db_slice();
      DbSlice::Slot* slot = slice.Find(it->db, it->key);
      if (it->copy != nullptr) {
        if (slot != nullptr)
          slice.Replace(it->db, slot, it->copy);
        else
          slice.Add(it->db, it->copy);
      } else if (slot != nullptr) {
        slice.Delete(it->db, slot, /*lazy=*/false);
      }
      it->copy = nullptr;
    }
    undo_.clear();
  }

  void DropUndo() {
    for (Saved& s : undo_) {
      if (s.copy == nullptr) continue;
      Shard& sh = *Server().shards->shard(s.shard);
      LentShardScope scope(sh);
      sh.db_slice().FreeEntry(s.copy, /*lazy=*/false);
    }
    undo_.clear();
  }

  // --- attempts ---
  void Attempt() {
    Shard* home = Shard::Current();
    auto self = shared_from_this();
    if (held_.size() == 1) {
      uint32_t s = held_[0];
      if (s == home->id() && home->CanRunInline()) {
        journal::Builder* jb = journal::tl_unit == nullptr ? ctx_->jb : nullptr;
        {
          std::optional<journal::Scope> scope;
          if (jb != nullptr) scope.emplace(&jb->unit());
          RunHere();
        }
        if (jb != nullptr && !jb->unit().empty()) jb->ReserveNow();  // its place: right here
        home->ServeBlocked();
        return AfterAttempt();
      }
      auto tx = Transaction::CreateOwn({s});
      tx->SetJournal(ctx_->jb, nullptr);
      tx->Execute([self](Shard&) { self->RunHere(); }, /*write=*/false,
                  [self, tx] { self->AfterAttempt(); });
      return;
    }
    own_ = Transaction::CreateOwn(held_);
    own_->SetJournal(ctx_->jb, nullptr);
    own_->LendOnArm();
    own_->Arm([self] {
      self->RunHere();
      self->own_->Conclude([self] {
        self->own_.reset();
        self->AfterAttempt();
      });
    });
  }

  // Runs the script once on this thread, over the held shards' data.
  void RunHere() {
    // One clock for the run: the one the held shards were given (the arm's, or the message's /
    // the loop's on the run's own shard).
    now_ms_ =
        own_ != nullptr ? own_->now_ms() : Server().shards->shard(held_[0])->db_slice().now_ms();
    direct_.reset();
    db_ = ctx_->db_index;
    wrote_ = false;
    read_only_ = ro_ || (!(flags_ & script_flag::kEvalCompat) && (flags_ & script_flag::kNoWrites));
    reply_.clear();
    restart_ = false;
    Interpreter& in = Interpreter::ForThisThread();
    protocol::ReplyBuilder rb(&reply_, resp_);
    const Script* script = target_.script.get();
    if (script != nullptr && !in.Has(script->sha)) {
      uint32_t flags;
      size_t shebang_len;
      std::string err;
      if (!scripting::ParseEvalShebang(script->body, &flags, &shebang_len, &err) ||
          !in.Define(script->sha, script->body, shebang_len, &err)) {
        rb.Error("ERR " + err);
        return;
      }
    }
    // Its effects go to the unit of the message or hop it runs in, else to its command's.
    journal::Unit* unit = journal::tl_unit;
    if (unit == nullptr && ctx_->jb != nullptr) unit = &ctx_->jb->unit();
    journal::Scope scope(unit);
    size_t logged = unit != nullptr ? unit->count() : 0;
    scripting::RunningScripts::Begin(/*eval=*/script != nullptr);
    auto status = script != nullptr ? in.RunEval(script->sha, keys_, args_, *this, rb)
                                    : in.RunFunction(*target_.fn.fn, keys_, args_, *this, rb);
    scripting::RunningScripts::End();
    if (status == Interpreter::RunStatus::kRestart) {
      if (unit != nullptr) unit->Truncate(logged);  // undone: the attempt logged nothing
      Rollback();
      reply_.clear();
      restart_ = true;
    } else {
      DropUndo();
    }
    direct_.reset();
  }

  void AfterAttempt() {
    if (restart_) {
      target_.undeclared_keys().store(true, std::memory_order_relaxed);
      held_.clear();
      for (uint32_t i = 0; i < Server().shards->size(); ++i) held_.push_back(i);
      return Attempt();
    }
    ctx_->rb->out()->append(reply_);
    ctx_->Done();
  }

  CommandContext* ctx_;
  RunTarget target_;
  ArgSlice command_;  // the whole command (FUNCTION STATS); valid until Done
  bool ro_;
  uint32_t flags_ = 0;
  tracking::Client tracker_;  // the tracking caller (id 0: none)
  bool tracked_ = false;      // its keys are remembered (once per run)
  std::vector<std::string_view> keys_, args_;
  int resp_ = 2;
  std::vector<uint32_t> held_;
  bool oom_at_start_ = false;
  std::shared_ptr<Transaction> own_;
  std::shared_ptr<Transaction> direct_;
  int64_t now_ms_ = 0;
  DbIndex db_ = 0;
  bool wrote_ = false;
  bool read_only_ = false;
  bool restart_ = false;
  std::string reply_;
  std::vector<Saved> undo_;
};

// EVALSHA's lookup: this thread's cache first (no lock), then the shared store.
std::shared_ptr<Script> FindScript(std::string_view sha) {
  struct Cache {
    uint64_t epoch = 0;
    absl::flat_hash_map<std::string, std::shared_ptr<Script>> by_sha;
  };
  thread_local Cache cache;
  char key[40];
  if (!scripting::NormalizeSha(sha, key)) return nullptr;
  uint64_t epoch = ScriptStore::Get().epoch();
  if (cache.epoch != epoch) {
    cache.by_sha.clear();
    cache.epoch = epoch;
  }
  std::string k(key, 40);
  auto it = cache.by_sha.find(k);
  if (it != cache.by_sha.end()) return it->second;
  auto s = ScriptStore::Get().Find(k);
  if (s != nullptr) cache.by_sha.emplace(std::move(k), s);
  return s;
}

// Redis's luaCreateFunction: the script by its body, compiled (here, on this thread) and added to
// the store the first time; null with the error reply's text when its shebang is malformed or it
// does not compile (then it is not stored).
std::shared_ptr<Script> LoadScript(std::string_view body, std::string* err) {
  ScriptStore& store = ScriptStore::Get();
  std::string sha = scripting::Sha1Hex(body);
  if (auto known = FindScript(sha)) return known;
  uint32_t flags;
  size_t shebang_len;
  if (!scripting::ParseEvalShebang(body, &flags, &shebang_len, err)) {
    *err = "ERR " + *err;
    return nullptr;
  }
  Interpreter& in = Interpreter::ForThisThread();
  if (!in.Has(sha) && !in.Define(sha, body, shebang_len, err)) {
    *err = "ERR " + *err;
    return nullptr;
  }
  return store.Add(body, err);
}

// EVAL's and FCALL's numkeys (args[2]); false with the error replied (`not_int`: EVAL's and
// FCALL's texts differ).
bool ParseNumKeys(ArgSlice args, const char* not_int, CommandContext& ctx, int64_t* numkeys) {
  if (!ParseInt64(args[2], numkeys)) {
    ctx.rb->Error(not_int);
    return false;
  }
  if (*numkeys > static_cast<int64_t>(args.size()) - 3) {
    ctx.rb->Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    ctx.rb->Error("ERR Number of keys can't be negative");
    return false;
  }
  return true;
}

// scriptPrepareForRun's checks for scripts that declare their flags (shebang scripts, functions);
// false with the error replied.
bool DeclaredFlagsAllow(uint32_t flags, bool ro, CommandContext& ctx) {
  if (flags & script_flag::kEvalCompat) return true;
  if (!(flags & script_flag::kNoWrites) && ro) {
    ctx.rb->Error("ERR Can not execute a script with write flag using *_ro command.");
    return false;
  }
  if (ShardSettings::maxmemory.load() > 0 && memory_budget::RejectWrites() &&
      !(flags & (script_flag::kAllowOom | script_flag::kNoWrites))) {
    // Redis refuses them in processCommand, as denyoom commands (eval/fcallGetCommandFlags).
    ctx.rb->Error(errors::kOom);
    return false;
  }
  return true;
}

// EVAL, EVALSHA and FCALL skip the usual MONITOR line after the command (kSkipMonitor) and feed
// theirs first, so that the script's commands appear after it (Redis's evalCommand).
void FeedScriptCommand(ArgSlice args, const CommandContext& ctx) {
  if (pubsub::MonitorsActive())
    pubsub::FeedMonitors(ctx.db_index, ctx.client_addr, args.data(), args.size());
}

void EvalGeneric(ArgSlice args, CommandContext& ctx, bool evalsha, bool ro) {
  int64_t numkeys;
  if (!ParseNumKeys(args, errors::kNotInteger, ctx, &numkeys)) return ctx.Done();
  std::shared_ptr<Script> script;
  if (evalsha) {
    script = FindScript(args[1]);
    if (script == nullptr) {
      ctx.rb->Error(kNoScriptErr);
      return ctx.Done();
    }
  } else {
    std::string err;
    script = LoadScript(args[1], &err);
    if (script == nullptr) {
      ctx.rb->Error(err);
      return ctx.Done();
    }
  }
  if (!DeclaredFlagsAllow(script->flags, ro, ctx)) return ctx.Done();
  auto run = std::make_shared<EvalRun>(&ctx, RunTarget{std::move(script), {}}, args, numkeys, ro);
  run->Start();
}

void CmdEval(ArgSlice args, CommandContext& ctx) {
  FeedScriptCommand(args, ctx);
  EvalGeneric(args, ctx, false, false);
}
void CmdEvalRo(ArgSlice args, CommandContext& ctx) {
  FeedScriptCommand(args, ctx);
  EvalGeneric(args, ctx, false, true);
}
void CmdEvalsha(ArgSlice args, CommandContext& ctx) {
  FeedScriptCommand(args, ctx);
  if (args[1].size() != 40) {
    ctx.rb->Error(kNoScriptErr);
    return ctx.Done();
  }
  EvalGeneric(args, ctx, true, false);
}
void CmdEvalshaRo(ArgSlice args, CommandContext& ctx) {
  FeedScriptCommand(args, ctx);
  if (args[1].size() != 40) {
    ctx.rb->Error(kNoScriptErr);
    return ctx.Done();
  }
  EvalGeneric(args, ctx, true, true);
}

// FCALL's lookup: this thread's cache first (no lock), then the shared store.
scripting::FunctionStore::Found FindFunction(std::string_view name) {
  using scripting::FunctionStore;
  struct Cache {
    uint64_t epoch = 0;
    absl::flat_hash_map<std::string, FunctionStore::Found> by_name;
  };
  thread_local Cache cache;
  uint64_t epoch = FunctionStore::Get().epoch();
  if (cache.epoch != epoch) {
    cache.by_name.clear();
    cache.epoch = epoch;
  }
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = cache.by_name.find(key);
  if (it != cache.by_name.end()) return it->second;
  auto found = FunctionStore::Get().FindFunction(key);
  if (found.fn != nullptr) cache.by_name.emplace(std::move(key), found);
  return found;
}

void FcallGeneric(ArgSlice args, CommandContext& ctx, bool ro) {
  FeedScriptCommand(args, ctx);
  auto found = FindFunction(args[1]);
  if (found.fn == nullptr) {
    ctx.rb->Error("ERR Function not found");
    return ctx.Done();
  }
  int64_t numkeys;
  if (!ParseNumKeys(args, "ERR Bad number of keys provided", ctx, &numkeys)) return ctx.Done();
  if (!DeclaredFlagsAllow(found.fn->flags, ro, ctx)) return ctx.Done();
  auto run =
      std::make_shared<EvalRun>(&ctx, RunTarget{nullptr, std::move(found)}, args, numkeys, ro);
  run->Start();
}

void CmdFcall(ArgSlice args, CommandContext& ctx) { FcallGeneric(args, ctx, false); }
void CmdFcallRo(ArgSlice args, CommandContext& ctx) { FcallGeneric(args, ctx, true); }

// A library from its code: parsed, compiled and run in a scratch state (FUNCTION LOAD, RESTORE).
std::shared_ptr<scripting::Library> MakeLibrary(std::string_view code, std::string* err) {
  auto lib = std::make_shared<scripting::Library>();
  if (!scripting::ParseLibraryShebang(code, &lib->name, &lib->shebang_len, err)) return nullptr;
  lib->code.assign(code);
  if (!Interpreter::LoadLibrary(lib.get(), err)) return nullptr;
  return lib;
}

void FunctionList(ArgSlice args, protocol::ReplyBuilder& rb) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < args.size(); ++i) {
    if (!with_code && EqNoCase(args[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern && EqNoCase(args[i], "libraryname")) {
      if (i >= args.size() - 1) return rb.Error("ERR library name argument was not given");
      pattern = args[++i];
      continue;
    }
    return rb.Error("ERR Unknown argument " + std::string(args[i]));
  }
  std::vector<std::shared_ptr<const scripting::Library>> libs;
  for (auto& lib : scripting::FunctionStore::Get().All())
    if (!pattern || GlobMatch(*pattern, lib->name, /*nocase=*/true)) libs.push_back(lib);
  rb.Array(libs.size());
  for (const auto& lib : libs) {
    rb.Map(with_code ? 4 : 3);
    rb.Bulk("library_name");
    rb.Bulk(lib->name);
    rb.Bulk("engine");
    rb.Bulk("LUA");
    rb.Bulk("functions");
    rb.Array(lib->functions.size());
    for (const auto& f : lib->functions) {
      rb.Map(3);
      rb.Bulk("name");
      rb.Bulk(f.name);
      rb.Bulk("description");
      if (f.description)
        rb.Bulk(*f.description);
      else
        rb.Null();
      rb.Bulk("flags");
      auto names = scripting::ScriptFlagNames(f.flags);
      rb.Set(names.size());
      for (const char* n : names) rb.Simple(n);
    }
    if (with_code) {
      rb.Bulk("library_code");
      rb.Bulk(lib->code);
    }
  }
}

void FunctionRestore(ArgSlice args, protocol::ReplyBuilder& rb) {
  if (args.size() > 4) return ReplySubcommandSyntaxError(rb, args[0], args[1]);
  char policy = 'A';
  if (args.size() == 4) {
    if (EqNoCase(args[3], "append"))
      policy = 'A';
    else if (EqNoCase(args[3], "replace"))
      policy = 'R';
    else if (EqNoCase(args[3], "flush"))
      policy = 'F';
    else
      return rb.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
  }
  auto codes = rdb::LoadFunctionsPayload(args[2]);
  if (!codes.ok()) return rb.Error(std::string(codes.status().message()));
  // The payload's libraries among themselves, as Redis builds them into a fresh context.
  std::vector<std::shared_ptr<scripting::Library>> libs;
  for (const std::string& code : *codes) {
    std::string err;
    auto lib = MakeLibrary(code, &err);
    if (lib == nullptr) return rb.Error("ERR " + err);
    for (const auto& other : libs) {
      if (other->name == lib->name)
        return rb.Error("ERR Library '" + lib->name + "' already exists");
      for (const auto& f : lib->functions)
        for (const auto& g : other->functions)
          if (absl::EqualsIgnoreCase(f.name, g.name))
            return rb.Error("ERR Function " + f.name + " already exists");
    }
    libs.push_back(std::move(lib));
  }
  if (auto err = scripting::FunctionStore::Get().Restore(std::move(libs), policy))
    return rb.Error("ERR " + *err);
  rb.Ok();
}

void CmdFunction(ArgSlice args, CommandContext& ctx) {
  protocol::ReplyBuilder& rb = *ctx.rb;
  if (!CheckSubcommand(args, rb)) return;
  const CommandId* sub = Server().registry.Lookup(args);
  if ((sub->flags & cmd_flag::kDenyOom) && ShardSettings::maxmemory.load() > 0 &&
      memory_budget::RejectWrites())
    return rb.Error(errors::kOom);
  auto& store = scripting::FunctionStore::Get();
  std::string_view name = sub->name;
  if (name == "function|load") {
    bool replace = false;
    size_t pos = 2;
    while (pos < args.size() - 1) {
      std::string_view opt = args[pos++];
      if (EqNoCase(opt, "replace")) {
        replace = true;
        continue;
      }
      return rb.Error("ERR Unknown option given: " + std::string(opt));
    }
    if (pos >= args.size()) return rb.Error("ERR Function code is missing");
    std::string err;
    auto lib = MakeLibrary(args[pos], &err);
    if (lib == nullptr) return rb.Error("ERR " + err);
    std::string lib_name = lib->name;
    if (auto e = store.Add(std::move(lib), replace)) return rb.Error("ERR " + *e);
    journal::Record(ctx.db_index, args);  // Redis propagates the library changes as they are
    rb.Bulk(lib_name);
  } else if (name == "function|list") {
    FunctionList(args, rb);
  } else if (name == "function|delete") {
    if (!store.Delete(args[2])) return rb.Error("ERR Library not found");
    journal::Record(ctx.db_index, args);
    rb.Ok();
  } else if (name == "function|flush") {
    if (args.size() == 3 && !EqNoCase(args[2], "sync") && !EqNoCase(args[2], "async"))
      return rb.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    if (args.size() > 3) return ReplySubcommandSyntaxError(rb, args[0], args[1]);
    store.Flush();
    journal::Record(ctx.db_index, args);
    rb.Ok();
  } else if (name == "function|dump") {
    std::vector<std::string_view> codes;
    auto libs = store.All();
    for (const auto& lib : libs) codes.push_back(lib->code);
    rb.Bulk(rdb::DumpFunctions(codes, /*compress=*/true));
  } else if (name == "function|restore") {
    size_t before = rb.out()->size();
    FunctionRestore(args, rb);
    if ((*rb.out())[before] != '-') journal::Record(ctx.db_index, args);
  } else if (name == "function|stats") {
    scripting::ReplyFunctionStats(rb);
  } else if (name == "function|kill") {
    if (const char* err = scripting::RunningScripts::Kill(/*eval=*/false)) return rb.Error(err);
    rb.Ok();
  } else {  // help
    static constexpr const char* kHelp[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME "
        "argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored "
        "using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a "
        "restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
        "abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
        "replace the old",
        "      libraries with the new libraries (notice that even on this option there is a "
        "chance of failure",
        "      in case of functions name collision with another library)."};
    ReplyHelp(rb, args[0], kHelp);
  }
}

}  // namespace

bool CheckSubcommand(ArgSlice args, protocol::ReplyBuilder& rb) {
  const CommandId* sub = Server().registry.Lookup(args);
  if (sub == nullptr) {
    ReplyUnknownSubcommand(rb, args[0], args[1]);
    return false;
  }
  int argc = static_cast<int>(args.size());
  if ((sub->arity > 0 && argc != sub->arity) || argc < -sub->arity) {
    rb.Error("ERR wrong number of arguments for '" + sub->name + "' command");
    return false;
  }
  return true;
}

namespace {

void CmdScript(ArgSlice args, CommandContext& ctx) {
  protocol::ReplyBuilder& rb = *ctx.rb;
  if (!CheckSubcommand(args, rb)) return;
  std::string_view sub = args[1];
  size_t argc = args.size();
  if (argc == 2 && EqNoCase(sub, "help")) {
    static constexpr const char* kHelp[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by "
        "the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it."};
    ReplyHelp(rb, args[0], kHelp);
  } else if (argc >= 2 && EqNoCase(sub, "flush")) {
    if (argc > 3 || (argc == 3 && !EqNoCase(args[2], "sync") && !EqNoCase(args[2], "async")))
      return rb.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    ScriptStore::Get().Flush();
    rb.Ok();
  } else if (argc >= 2 && EqNoCase(sub, "exists")) {
    rb.Array(argc - 2);
    for (size_t j = 2; j < argc; ++j) rb.Integer(ScriptStore::Get().Exists(args[j]) ? 1 : 0);
  } else if (argc == 3 && EqNoCase(sub, "load")) {
    std::string err;
    auto s = LoadScript(args[2], &err);
    if (s == nullptr) return rb.Error(err);
    rb.Bulk(s->sha);
  } else if (argc == 2 && EqNoCase(sub, "kill")) {
    if (const char* err = scripting::RunningScripts::Kill(/*eval=*/true)) return rb.Error(err);
    rb.Ok();
  } else if (argc == 3 && EqNoCase(sub, "debug")) {
    if (EqNoCase(args[2], "no")) return rb.Ok();
    if (EqNoCase(args[2], "yes") || EqNoCase(args[2], "sync"))
      return rb.Error("ERR SCRIPT DEBUG is not supported by this server");
    rb.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  } else {
    ReplySubcommandSyntaxError(rb, args[0], sub);
  }
}

}  // namespace

void RegisterScriptingFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  constexpr uint32_t kEvalFlags =
      kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale;
  constexpr uint32_t kEvalRoFlags =
      kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadOnly;
  auto always = [](ArgSlice) { return true; };
  // clang-format off
  r.AddFamily(acl_cat::kScripting, {
      {.name = "eval", .arity = -3, .flags = kEvalFlags, .mode = CmdMode::kMulti, .fn = CmdEval,
       .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "evalsha", .arity = -3, .flags = kEvalFlags, .mode = CmdMode::kMulti,
       .fn = CmdEvalsha, .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "eval_ro", .arity = -3, .flags = kEvalRoFlags, .mode = CmdMode::kMulti,
       .fn = CmdEvalRo, .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "evalsha_ro", .arity = -3, .flags = kEvalRoFlags, .mode = CmdMode::kMulti,
       .fn = CmdEvalshaRo, .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "fcall", .arity = -3, .flags = kEvalFlags, .mode = CmdMode::kMulti, .fn = CmdFcall,
       .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "fcall_ro", .arity = -3, .flags = kEvalRoFlags, .mode = CmdMode::kMulti,
       .fn = CmdFcallRo, .getkeys = EvalKeys, .coordinate = always, .runs_scripts = true},
      {.name = "function", .arity = -2, .mode = CmdMode::kConnection, .fn = CmdFunction,
       .subcommands = {
           {.name = "function|delete", .arity = 3, .flags = kNoScript | kWrite},
           {.name = "function|dump", .arity = 2, .flags = kNoScript},
           {.name = "function|flush", .arity = -2, .flags = kNoScript | kWrite},
           {.name = "function|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "function|kill", .arity = 2, .flags = kNoScript | kAllowBusy},
           {.name = "function|list", .arity = -2, .flags = kNoScript},
           {.name = "function|load", .arity = -3, .flags = kNoScript | kWrite | kDenyOom},
           {.name = "function|restore", .arity = -3, .flags = kNoScript | kWrite | kDenyOom},
           {.name = "function|stats", .arity = 2, .flags = kNoScript | kAllowBusy},
       }},
      {.name = "script", .arity = -2, .mode = CmdMode::kConnection, .fn = CmdScript,
       .subcommands = {

           {.name = "script|exists", .arity = -3, .flags = kNoScript},
           {.name = "script|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "script|debug", .arity = 3, .flags = kNoScript},
           {.name = "script|load", .arity = 3, .flags = kNoScript | kStale},
           {.name = "script|flush", .arity = -2, .flags = kNoScript},
           {.name = "script|kill", .arity = 2, .flags = kNoScript | kAllowBusy},
       }},
  });
  // clang-format on
}

std::optional<std::string> LoadFunctionLibrary(std::string_view code) {
  std::string err;
  auto lib = MakeLibrary(code, &err);
  if (lib == nullptr) return err;
  return scripting::FunctionStore::Get().Add(std::move(lib), /*replace=*/false);
}

}  // namespace shoal
