// Stream commands without consumer groups: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID,
// XREAD (blocking through server/blocking_ops.h) and XINFO. The data structure and its
// operations are shard/stream.h; replies, errors, events and propagation follow t_stream.c.
#include "server/commands/stream_family.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/ascii.h"
#include "base/numbers.h"
#include "server/blocking_ops.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/scripting/interpreter.h"
#include "server/subcommand_reply.h"
#include "shard/notify.h"
#include "shard/settings.h"
#include "shard/stream.h"
#include "shard/stream_group.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kIdZero[] = "ERR The ID specified in XADD must be greater than 0-0";
constexpr char kIdTooSmall[] =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
constexpr char kTooLarge[] = "ERR Elements are too large to be stored";
constexpr char kExhausted[] =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
constexpr char kMaxlenMinid[] =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
constexpr char kLimitNoStrategy[] =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
constexpr char kLimitNoApprox[] =
    "ERR syntax error, LIMIT cannot be used without the special ~ option";
constexpr char kXtrimNoStrategy[] =
    "ERR syntax error, XTRIM must be called with a trimming strategy";

StreamNodeLimits NodeLimits() {
  StreamNodeLimits l;
  l.max_bytes = static_cast<size_t>(ShardSettings::Get(ShardSettings::stream_node_max_bytes));
  l.max_entries = ShardSettings::Get(ShardSettings::stream_node_max_entries);
  return l;
}

// The entries of [start, end] (at most count; 0 = all) as streamReplyWithRange writes them.
size_t ReplyRange(ReplyBuilder& rb, Stream& s, StreamID start, StreamID end, int64_t count,
                  bool rev) {
  std::string body;
  ReplyBuilder b(&body, rb.resp());
  size_t n = 0;
  Stream::Iterator it(s, start, end, rev);
  StreamID id;
  int64_t nf;
  while ((count == 0 || static_cast<int64_t>(n) < count) && it.Next(&id, &nf)) {
    ReplyStreamEntry(b, it, id, nf);
    ++n;
  }
  rb.Array(n);
  rb.out()->append(body);
  return n;
}

// One entry ([id, [f, v ...]]) or nullptr (XINFO STREAM's first-entry / last-entry).
void ReplyEdgeEntry(ReplyBuilder& rb, Stream& s, bool rev) {
  Stream::Iterator it(s, StreamID::Min(), StreamID::Max(), rev);
  StreamID id;
  int64_t nf;
  if (!it.Next(&id, &nf)) return rb.Null();
  ReplyStreamEntry(rb, it, id, nf);
}

// ---- XADD / XTRIM options (streamParseAddOrTrimArgsOrReply) ----
struct AddTrimArgs {
  StreamTrimArgs trim;
  size_t trim_arg_idx = 0;  // position of the MAXLEN count / MINID id
  StreamID id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
  size_t id_pos = 0;  // XADD: position of the ID
};

// Returns "" or the error; *a filled. `obey`: the AOF loader's command (Redis's mustObeyClient),
// whose trim is never limited.
std::string ParseAddTrim(ArgSlice args, bool xadd, bool obey, AddTrimArgs* a) {
  size_t i = 2;
  bool limit_given = false;
  for (; i < args.size(); i++) {
    size_t moreargs = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") {
      break;
    } else if ((EqNoCase(opt, "maxlen") || EqNoCase(opt, "minid")) && moreargs) {
      bool maxlen = EqNoCase(opt, "maxlen");
      if (a->trim.strategy != StreamTrimArgs::kNone) return kMaxlenMinid;
      a->trim.approx = false;
      std::string_view next = args[i + 1];
      if (moreargs >= 2 && next == "~") {
        a->trim.approx = true;
        i++;
      } else if (moreargs >= 2 && next == "=") {
        i++;
      }
      if (maxlen) {
        if (!ParseInt64(args[i + 1], &a->trim.maxlen)) return errors::kNotInteger;
        if (a->trim.maxlen < 0) return "ERR The MAXLEN argument must be >= 0.";
      } else if (!ParseStreamID(args[i + 1], &a->trim.minid, 0, true)) {
        return errors::kInvalidStreamId;
      }
      i++;
      a->trim.strategy = maxlen ? StreamTrimArgs::kMaxLen : StreamTrimArgs::kMinId;
      a->trim_arg_idx = i;
    } else if (EqNoCase(opt, "limit") && moreargs) {
      if (!ParseInt64(args[i + 1], &a->trim.limit)) return errors::kNotInteger;
      if (a->trim.limit < 0) return "ERR The LIMIT argument must be >= 0.";
      limit_given = true;
      i++;
    } else if (xadd && EqNoCase(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      bool seq_given = true;
      if (!ParseStreamID(opt, &a->id, 0, true, &seq_given)) return errors::kInvalidStreamId;
      a->seq_given = seq_given;
      a->id_given = true;
      break;
    } else {
      return errors::kSyntax;
    }
  }
  a->id_pos = i;
  if (a->trim.limit && a->trim.strategy == StreamTrimArgs::kNone) return kLimitNoStrategy;
  if (!xadd && a->trim.strategy == StreamTrimArgs::kNone) return kXtrimNoStrategy;
  if (obey) {
    // Logged `~ n [LIMIT m]` became `= <result> [LIMIT m]`: replayed exactly, no limit.
    a->trim.limit = 0;
  } else if (limit_given) {
    if (!a->trim.approx) return kLimitNoApprox;
  } else if (a->trim.approx) {
    int64_t limit = 100 * ShardSettings::Get(ShardSettings::stream_node_max_entries);
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a->trim.limit = limit;
  } else {
    a->trim.limit = 0;
  }
  return "";
}

// streamRewriteApproxSpecifier + streamRewriteTrimArgument: `~ <n>` is logged as `= <result>`.
void RewriteApproxTrim(std::vector<std::string>* argv, const AddTrimArgs& a, Stream& s) {
  (*argv)[a.trim_arg_idx - 1] = "=";
  if (a.trim.strategy == StreamTrimArgs::kMaxLen)
    (*argv)[a.trim_arg_idx] = std::to_string(s.length());
  else
    (*argv)[a.trim_arg_idx] = StreamIDString(s.EdgeID(true, false));
}

std::vector<std::string> ArgsCopy(ArgSlice args) {
  return std::vector<std::string>(args.begin(), args.end());
}

// ---- XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ... --
void CmdXadd(ArgSlice args, CommandContext& ctx) {
  AddTrimArgs a;
  if (std::string err = ParseAddTrim(args, true, ctx.user == nullptr, &a); !err.empty())
    return ctx.rb->Error(err);
  size_t field_pos = a.id_pos + 1;
  if (args.size() < field_pos + 2 || (args.size() - field_pos) % 2 == 1)
    return ctx.rb->Error("ERR wrong number of arguments for 'xadd' command");
  if (a.id_given && a.seq_given && a.id == StreamID::Min()) return ctx.rb->Error(kIdZero);

  DbSlice& slice = ctx.slice();
  bool wrong;
  Slot* slot = slice.FindWrite(ctx.db_index, args[1], ObjType::kStream, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (slot == nullptr && a.no_mkstream) return ctx.rb->Null();
  std::unique_ptr<Stream> fresh;
  Stream* s;
  if (slot == nullptr) {
    fresh = std::make_unique<Stream>();
    s = fresh.get();
  } else {
    s = StreamOf(slot);
  }
  if (s->last_id() == StreamID::Max()) return ctx.rb->Error(kExhausted);

  StreamID id;
  if (!fresh) slice.PreWrite(ctx.db_index, args[1]);  // Modified follows a successful append
  auto res = s->Append(args.subspan(field_pos), a.id_given ? &a.id : nullptr, a.seq_given,
                       static_cast<uint64_t>(slice.now_ms()), NodeLimits(), &id);
  if (res != Stream::AppendResult::kOk)
    return ctx.rb->Error(res == Stream::AppendResult::kIdTooSmall ? kIdTooSmall : kTooLarge);
  if (fresh) {
    AddObject(slice, ctx.db_index, args[1], ObjType::kStream, ObjEnc::kStream, fresh.release());
  } else {
    slice.Modified(ctx.db_index, args[1]);
    slice.blocking().SignalReady(ctx.db_index, args[1]);
  }
  std::string id_str = StreamIDString(id);
  ctx.rb->Bulk(id_str);
  notify::Emit(notify::kStream, "xadd", args[1], ctx.db_index);

  std::vector<std::string> argv;
  bool rewrite = false;
  if (a.trim.strategy != StreamTrimArgs::kNone) {
    if (s->Trim(a.trim)) notify::Emit(notify::kStream, "xtrim", args[1], ctx.db_index);
    if (a.trim.approx) {
      argv = ArgsCopy(args);
      RewriteApproxTrim(&argv, a, *s);
      rewrite = true;
    }
  }
  // The generated ID is what replicas and the AOF must use.
  if (!a.id_given || !a.seq_given) {
    if (!rewrite) argv = ArgsCopy(args);
    argv[a.id_pos] = id_str;
    rewrite = true;
  }
  if (rewrite) ctx.Propagate(std::move(argv));
}

// ---- XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n] ----
void RangeGeneric(ArgSlice args, CommandContext& ctx, bool rev) {
  std::string_view start_arg = rev ? args[3] : args[2];
  std::string_view end_arg = rev ? args[2] : args[3];
  StreamID start, end;
  bool startex, endex;
  if (!ParseStreamInterval(start_arg, &start, &startex, 0))
    return ctx.rb->Error(errors::kInvalidStreamId);
  if (startex && !StreamIDIncr(&start)) return ctx.rb->Error(errors::kInvalidStartId);
  if (!ParseStreamInterval(end_arg, &end, &endex, UINT64_MAX))
    return ctx.rb->Error(errors::kInvalidStreamId);
  if (endex && !StreamIDDecr(&end)) return ctx.rb->Error(errors::kInvalidEndId);
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); j++) {
    if (EqNoCase(args[j], "count") && j + 1 < args.size()) {
      if (!ParseInt64(args[j + 1], &count)) return ctx.rb->Error(errors::kNotInteger);
      if (count < 0) count = 0;
      j++;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kStream, &wrong);
  if (wrong) return;
  if (slot == nullptr) return ctx.rb->Array(0);
  if (count == 0) return ctx.rb->NullArray();
  ReplyRange(*ctx.rb, *StreamOf(slot), start, end, count == -1 ? 0 : count, rev);
}

void CmdXrange(ArgSlice args, CommandContext& ctx) { RangeGeneric(args, ctx, false); }
void CmdXrevrange(ArgSlice args, CommandContext& ctx) { RangeGeneric(args, ctx, true); }

// ---- XLEN key ----
void CmdXlen(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kStream, &wrong);
  if (wrong) return;
  ctx.rb->Integer(slot == nullptr ? 0 : static_cast<int64_t>(StreamOf(slot)->length()));
}

// ---- XDEL key id [id ...] ----
void CmdXdel(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  bool wrong;
  Slot* slot = slice.FindWrite(ctx.db_index, args[1], ObjType::kStream, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (slot == nullptr) return ctx.rb->Integer(0);
  // Every ID is checked before any is deleted (no half-done command on a bad ID).
  std::vector<StreamID> ids(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++)
    if (!ParseStreamID(args[j], &ids[j - 2], 0, true))
      return ctx.rb->Error(errors::kInvalidStreamId);
  Stream* s = StreamOf(slot);
  int64_t deleted = 0;
  for (StreamID id : ids) {
    if (!s->Exists(id)) continue;
    if (deleted == 0) slice.Modified(ctx.db_index, args[1]);
    s->Delete(id);
    ++deleted;
  }
  if (deleted) {
    slice.AddDirty(static_cast<uint64_t>(deleted - 1));
    notify::Emit(notify::kStream, "xdel", args[1], ctx.db_index);
  }
  ctx.rb->Integer(deleted);
}

// ---- XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] ----
void CmdXtrim(ArgSlice args, CommandContext& ctx) {
  AddTrimArgs a;
  if (std::string err = ParseAddTrim(args, false, ctx.user == nullptr, &a); !err.empty())
    return ctx.rb->Error(err);
  DbSlice& slice = ctx.slice();
  bool wrong;
  Slot* slot = slice.FindWrite(ctx.db_index, args[1], ObjType::kStream, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (slot == nullptr) return ctx.rb->Integer(0);
  Stream* s = StreamOf(slot);
  // Whether anything goes is known only after trimming: the snapshot hears of the key before,
  // the rest of the write path (WATCH, dirty, tracking) after, on this thread.
  slice.PreWrite(ctx.db_index, args[1]);
  int64_t deleted = s->Trim(a.trim);
  if (deleted) {
    slice.Modified(ctx.db_index, args[1], static_cast<uint64_t>(deleted));
    notify::Emit(notify::kStream, "xtrim", args[1], ctx.db_index);
    if (a.trim.approx) {
      std::vector<std::string> argv = ArgsCopy(args);
      RewriteApproxTrim(&argv, a, *s);
      ctx.Propagate(std::move(argv));
    }
  }
  ctx.rb->Integer(deleted);
}

// ---- XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] ----
void CmdXsetid(ArgSlice args, CommandContext& ctx) {
  StreamID id, max_xdel;
  int64_t entries_added = -1;
  if (!ParseStreamID(args[2], &id, 0, true)) return ctx.rb->Error(errors::kInvalidStreamId);
  for (size_t i = 3; i < args.size();) {
    bool more = i + 1 < args.size();
    if (EqNoCase(args[i], "entriesadded") && more) {
      if (!ParseInt64(args[i + 1], &entries_added)) return ctx.rb->Error(errors::kNotInteger);
      if (entries_added < 0) return ctx.rb->Error("ERR entries_added must be positive");
      i += 2;
    } else if (EqNoCase(args[i], "maxdeletedid") && more) {
      if (!ParseStreamID(args[i + 1], &max_xdel, 0, true))
        return ctx.rb->Error(errors::kInvalidStreamId);
      if (id < max_xdel)
        return ctx.rb->Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      i += 2;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  DbSlice& slice = ctx.slice();
  bool wrong;
  Slot* slot = slice.FindWrite(ctx.db_index, args[1], ObjType::kStream, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (slot == nullptr) return ctx.rb->Error(errors::kNoSuchKey);
  Stream* s = StreamOf(slot);
  if (s->length() > 0) {
    if (id < s->EdgeID(false, true))
      return ctx.rb->Error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added))
      return ctx.rb->Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
  }
  // Redis 7.0's xsetidCommand counts the change but does not signal the key (WATCH and
  // client-side caching do not see it); the snapshot still must.
  slice.PreWrite(ctx.db_index, args[1]);
  slice.AddDirty(1);
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (max_xdel != StreamID::Min()) s->set_max_deleted_entry_id(max_xdel);
  ctx.rb->Ok();
  notify::Emit(notify::kStream, "xsetid", args[1], ctx.db_index);
}

// ---- XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ... ----

// What an XREAD collects: per stream, the ID its entries must follow and, once read, the reply
// part for it. Each position is written only by its key's shard (blocking_ops.h's contract).
struct XreadState {
  size_t streams_arg = 0;
  int64_t count = 0;
  int resp = 2;
  std::vector<std::string> keys;
  std::vector<StreamID> gt;
  std::vector<uint8_t> dollar;    // `$`: gt is the stream's last ID when the command ran
  std::vector<uint8_t> seen;      // the immediate path looked at this key (later: a waiter)
  std::vector<uint8_t> woken;     // served as a waiter
  std::vector<uint8_t> has;       // entries were read for this stream
  std::vector<std::string> body;  // [key, entries] reply part
};

void CmdXread(ArgSlice args, CommandContext& ctx) {
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  for (size_t i = 1; i < args.size(); i++) {
    size_t moreargs = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqNoCase(o, "block") && moreargs) {
      // Scripts never block; Redis refuses the option there (MULTI just does not block).
      if (ctx.deny_blocking && scripting::RunningScripts::Mine().running.load())
        return FailMulti(ctx, "ERR " + std::string(args[0]) +
                                  " command is not allowed with BLOCK option from scripts");
      i++;
      if (!ParseInt64(args[i], &timeout)) return FailMulti(ctx, errors::kTimeoutNotInt);
      if (timeout < 0) return FailMulti(ctx, errors::kTimeoutNegative);
    } else if (EqNoCase(o, "count") && moreargs) {
      i++;
      if (!ParseInt64(args[i], &count)) return FailMulti(ctx, errors::kNotInteger);
      if (count < 0) count = 0;
    } else if (EqNoCase(o, "streams") && moreargs) {
      streams_arg = i + 1;
      streams_count = args.size() - streams_arg;
      if (streams_count % 2 != 0) return FailMulti(ctx, errors::kXreadUnbalanced);
      streams_count /= 2;
      break;
    } else if (EqNoCase(o, "group") && moreargs >= 2) {
      return FailMulti(ctx,
                       "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                       "instead.");
    } else if (EqNoCase(o, "noack")) {
      return FailMulti(ctx,
                       "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                       "instead.");
    } else {
      return FailMulti(ctx, errors::kSyntax);
    }
  }
  if (streams_arg == 0) return FailMulti(ctx, errors::kSyntax);

  auto st = std::make_shared<XreadState>();
  st->streams_arg = streams_arg;
  st->count = count;
  st->resp = ctx.rb->resp();
  st->gt.resize(streams_count);
  st->dollar.assign(streams_count, 0);
  st->seen.assign(streams_count, 0);
  st->woken.assign(streams_count, 0);
  st->has.assign(streams_count, 0);
  st->body.resize(streams_count);
  std::string id_error;
  size_t checked = streams_count;  // keys whose type Redis checks before answering id_error
  for (size_t k = 0; k < streams_count; k++) {
    std::string_view id = args[streams_arg + streams_count + k];
    st->keys.emplace_back(args[streams_arg + k]);
    if (id == "$") {
      st->dollar[k] = 1;
    } else if (id == ">") {
      id_error =
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
          "<consumer> option.";
    } else if (!ParseStreamID(id, &st->gt[k], 0, true)) {
      id_error = errors::kInvalidStreamId;
    }
    if (!id_error.empty()) {
      checked = k + 1;
      break;
    }
  }

  BlockingPop op;
  op.type = ObjType::kStream;
  for (size_t k = 0; k < checked; k++) op.keys.push_back(static_cast<uint32_t>(streams_arg + k));
  if (!id_error.empty()) {
    // xreadCommand checks each key's type before parsing its ID: WRONGTYPE from a key up to the
    // bad one wins, else the ID's error. Nothing is read.
    op.block = false;
    op.all_keys = true;
    op.ready = [](Shard&, DbIndex, uint32_t, const Entry*) { return false; };
    op.none = [id_error](ReplyBuilder& rb) { rb.Error(id_error); };
    op.reply = [](ReplyBuilder& rb) { rb.NullArray(); };  // not reached: nothing is ready
    return RunBlockingPop(ctx, args, std::move(op));
  }
  op.timeout_ms = timeout > 0 ? timeout : 0;
  op.block = timeout != -1;
  op.all_keys = true;
  op.ready = [st](Shard&, DbIndex, uint32_t pos, const Entry* e) {
    size_t k = pos - st->streams_arg;
    const Stream* s = e != nullptr && e->type() == ObjType::kStream
                          ? static_cast<const Stream*>(e->object())
                          : nullptr;
    if (!st->seen[k]) {
      // The immediate path: `$` is the stream's last ID as the command found it; otherwise
      // entries after the ID must be there (streamLastValidID, as xreadCommand).
      st->seen[k] = 1;
      if (st->dollar[k]) {
        st->gt[k] = s != nullptr ? s->last_id() : StreamID::Min();
        return false;
      }
      return s != nullptr && s->length() > 0 && s->EdgeID(false, true) > st->gt[k];
    }
    // A waiter: Redis 7.0's serveClientsBlockedOnStreamKey compares the stream's last ID, so an
    // entry added and gone again (XADD then XDEL in EXEC, XADD MAXLEN 0) still answers, with an
    // empty list for the key.
    if (s == nullptr || s->last_id() <= st->gt[k]) return false;
    st->woken[k] = 1;
    return true;
  };
  op.pop_at = [st](Shard& shard, DbIndex db, uint32_t pos) {
    size_t k = pos - st->streams_arg;
    Slot* slot = shard.db_slice().Find(db, st->keys[k]);
    if (slot == nullptr) return;
    StreamID start = st->gt[k];
    StreamIDIncr(&start);
    ReplyBuilder b(&st->body[k], st->resp);
    if (st->resp == 2) b.Array(2);
    b.Bulk(st->keys[k]);
    // A served waiter reads at most XREAD_BLOCKED_DEFAULT_COUNT entries without COUNT.
    int64_t count = st->count == 0 && st->woken[k] ? 1000 : st->count;
    ReplyRange(b, *StreamOf(slot), start, StreamID::Max(), count, false);
    st->has[k] = 1;
  };
  op.reply = [st](ReplyBuilder& rb) {
    size_t n = 0;
    for (uint8_t h : st->has) n += h;
    if (n == 0) return rb.NullArray();
    st->resp == 2 ? rb.Array(n) : rb.Map(n);
    for (size_t k = 0; k < st->has.size(); k++)
      if (st->has[k]) rb.out()->append(st->body[k]);
  };
  RunBlockingPop(ctx, args, std::move(op));
}

// ---- XINFO STREAM key [FULL [COUNT n]] / GROUPS key / CONSUMERS key group / HELP ----
void ReplyLag(ReplyBuilder& rb, const Stream& s, const StreamCG& cg) {
  std::optional<int64_t> lag = GroupLag(s, cg);  // streamReplyWithCGLag
  lag ? rb.Integer(*lag) : rb.Null();
}

void ReplyEntriesRead(ReplyBuilder& rb, const StreamCG& cg) {
  if (cg.entries_read != kStreamInvalidEntriesRead) return rb.Integer(cg.entries_read);
  rb.Null();
}

void XinfoStream(ArgSlice args, CommandContext& ctx, Stream& s) {
  ReplyBuilder& rb = *ctx.rb;
  bool full = args.size() > 3;
  int64_t count = 10;
  if (full) {
    if ((args.size() != 4 && args.size() != 6) || !EqNoCase(args[3], "full") ||
        (args.size() == 6 && !EqNoCase(args[4], "count")))
      return ReplySubcommandSyntaxError(rb, args[0], args[1]);
    if (args.size() == 6) {
      if (!ParseInt64(args[5], &count)) return rb.Error(errors::kNotInteger);
      if (count < 0) count = 10;
    }
  }
  rb.Map(full ? 9 : 10);
  rb.Bulk("length");
  rb.Integer(static_cast<int64_t>(s.length()));
  rb.Bulk("radix-tree-keys");
  rb.Integer(static_cast<int64_t>(s.NodeCount()));
  rb.Bulk("radix-tree-nodes");
  rb.Integer(static_cast<int64_t>(s.RaxNodeCount()));
  rb.Bulk("last-generated-id");
  rb.Bulk(StreamIDString(s.last_id()));
  rb.Bulk("max-deleted-entry-id");
  rb.Bulk(StreamIDString(s.max_deleted_entry_id()));
  rb.Bulk("entries-added");
  rb.Integer(static_cast<int64_t>(s.entries_added()));
  rb.Bulk("recorded-first-entry-id");
  rb.Bulk(StreamIDString(s.first_id()));
  if (!full) {
    rb.Bulk("groups");
    rb.Integer(static_cast<int64_t>(s.groups().size()));
    rb.Bulk("first-entry");
    ReplyEdgeEntry(rb, s, false);
    rb.Bulk("last-entry");
    ReplyEdgeEntry(rb, s, true);
    return;
  }
  rb.Bulk("entries");
  ReplyRange(rb, s, StreamID::Min(), StreamID::Max(), count, false);
  rb.Bulk("groups");
  rb.Array(s.groups().size());
  for (const auto& [name, cg] : s.groups()) {
    rb.Map(7);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("last-delivered-id");
    rb.Bulk(StreamIDString(cg->last_id));
    rb.Bulk("entries-read");
    ReplyEntriesRead(rb, *cg);
    rb.Bulk("lag");
    ReplyLag(rb, s, *cg);
    rb.Bulk("pel-count");
    rb.Integer(static_cast<int64_t>(cg->pel.size()));
    rb.Bulk("pending");
    size_t n = cg->pel.size();
    if (count && static_cast<size_t>(count) < n) n = static_cast<size_t>(count);
    rb.Array(n);
    size_t i = 0;
    for (auto it = cg->pel.begin(); i < n; ++it, ++i) {
      rb.Array(4);
      rb.Bulk(StreamIDString(it->first));
      rb.Bulk(it->second->consumer->name);
      rb.Integer(static_cast<int64_t>(it->second->delivery_time));
      rb.Integer(static_cast<int64_t>(it->second->delivery_count));
    }
    rb.Bulk("consumers");
    rb.Array(cg->consumers.size());
    for (const auto& [cname, c] : cg->consumers) {
      rb.Map(4);
      rb.Bulk("name");
      rb.Bulk(cname);
      rb.Bulk("seen-time");
      rb.Integer(static_cast<int64_t>(c->seen_time));
      rb.Bulk("pel-count");
      rb.Integer(static_cast<int64_t>(c->pel.size()));
      rb.Bulk("pending");
      size_t m = c->pel.size();
      if (count && static_cast<size_t>(count) < m) m = static_cast<size_t>(count);
      rb.Array(m);
      size_t j = 0;
      for (auto it = c->pel.begin(); j < m; ++it, ++j) {
        rb.Array(3);
        rb.Bulk(StreamIDString(it->first));
        rb.Integer(static_cast<int64_t>(it->second->delivery_time));
        rb.Integer(static_cast<int64_t>(it->second->delivery_count));
      }
    }
  }
}

void CmdXinfo(ArgSlice args, CommandContext& ctx) {
  ReplyBuilder& rb = *ctx.rb;
  if (EqNoCase(args[1], "help")) {
    if (args.size() != 2) return ReplySubcommandSyntaxError(rb, args[0], args[1]);
    static constexpr const char* kHelp[] = {
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    };
    return ReplyHelp(rb, args[0], kHelp);
  }
  std::string_view opt = args[1];
  if (!EqNoCase(opt, "consumers") && !EqNoCase(opt, "groups") && !EqNoCase(opt, "stream"))
    return ReplyUnknownSubcommand(rb, args[0], args[1]);
  if (args.size() < 3) return ReplySubcommandSyntaxError(rb, args[0], args[1]);
  bool wrong;
  Slot* slot = FindTyped(ctx, args[2], ObjType::kStream, &wrong);
  if (wrong) return;
  if (slot == nullptr) return rb.Error(errors::kNoSuchKey);
  Stream& s = *StreamOf(slot);
  if (EqNoCase(opt, "consumers") && args.size() == 4) {
    auto g = s.groups().find(std::string(args[3]));
    if (g == s.groups().end())
      return rb.Error("NOGROUP No such consumer group '" + std::string(args[3]) +
                      "' for key name '" + std::string(args[2]) + "'");
    rb.Array(g->second->consumers.size());
    int64_t now = ctx.slice().now_ms();
    for (const auto& [cname, c] : g->second->consumers) {
      int64_t idle = now - static_cast<int64_t>(c->seen_time);
      if (idle < 0) idle = 0;
      rb.Map(3);
      rb.Bulk("name");
      rb.Bulk(cname);
      rb.Bulk("pending");
      rb.Integer(static_cast<int64_t>(c->pel.size()));
      rb.Bulk("idle");
      rb.Integer(idle);
    }
  } else if (EqNoCase(opt, "groups") && args.size() == 3) {
    rb.Array(s.groups().size());
    for (const auto& [name, cg] : s.groups()) {
      rb.Map(6);
      rb.Bulk("name");
      rb.Bulk(name);
      rb.Bulk("consumers");
      rb.Integer(static_cast<int64_t>(cg->consumers.size()));
      rb.Bulk("pending");
      rb.Integer(static_cast<int64_t>(cg->pel.size()));
      rb.Bulk("last-delivered-id");
      rb.Bulk(StreamIDString(cg->last_id));
      rb.Bulk("entries-read");
      ReplyEntriesRead(rb, *cg);
      rb.Bulk("lag");
      ReplyLag(rb, s, *cg);
    }
  } else if (EqNoCase(opt, "stream")) {
    XinfoStream(args, ctx, s);
  } else {
    ReplySubcommandSyntaxError(rb, args[0], args[1]);
  }
}

}  // namespace

void ReplyStreamEntry(ReplyBuilder& rb, Stream::Iterator& it, StreamID id, int64_t fields) {
  rb.Array(2);
  rb.Bulk(StreamIDString(id));
  rb.Array(static_cast<size_t>(fields) * 2);
  while (fields--) {
    std::string_view f, v;
    it.Field(&f, &v);
    rb.Bulk(f);
    rb.Bulk(v);
  }
}

bool XreadKeys(ArgSlice args, std::vector<uint32_t>* out) {
  size_t streams_pos = 0;
  for (size_t i = 1; i < args.size(); i++) {
    std::string_view a = args[i];
    if (EqNoCase(a, "block") || EqNoCase(a, "count")) {
      i++;
    } else if (EqNoCase(a, "group")) {
      i += 2;
    } else if (EqNoCase(a, "noack")) {
    } else if (EqNoCase(a, "streams")) {
      streams_pos = i;
      break;
    } else {
      break;
    }
  }
  if (streams_pos == 0) return true;
  size_t num = args.size() - streams_pos - 1;
  if (num == 0 || num % 2 != 0) return true;
  for (size_t k = 0; k < num / 2; k++) out->push_back(static_cast<uint32_t>(streams_pos + 1 + k));
  return true;
}

void RegisterStreamFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kStream, {
      {.name = "xadd", .arity = -5, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdXadd},
      {.name = "xrange", .arity = -4, .flags = kReadOnly, .mode = kShard, .fn = CmdXrange},
      {.name = "xrevrange", .arity = -4, .flags = kReadOnly, .mode = kShard, .fn = CmdXrevrange},
      {.name = "xlen", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdXlen},
      {.name = "xdel", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdXdel},
      {.name = "xtrim", .arity = -4, .flags = kWrite, .mode = kShard, .fn = CmdXtrim},
      {.name = "xsetid", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdXsetid},
      {.name = "xread", .arity = -4, .flags = kReadOnly | kBlocking, .mode = kMulti,
       .fn = CmdXread, .getkeys = XreadKeys},
      // XINFO: routed by its subcommand's key, as OBJECT.
      {.name = "xinfo", .arity = -2, .mode = kShard, .fn = CmdXinfo, .subcommands = {
           {.name = "xinfo|consumers", .arity = 4, .flags = kReadOnly},
           {.name = "xinfo|groups", .arity = 3, .flags = kReadOnly},
           {.name = "xinfo|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "xinfo|stream", .arity = -3, .flags = kReadOnly},
       }},
  });
  // clang-format on
}

}  // namespace shoal
