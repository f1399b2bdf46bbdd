// Stream consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO
// GROUPS / CONSUMERS (Redis 7.0's t_stream.c, replies and errors byte for byte). The PEL and
// consumer bookkeeping is shard/stream_group.h's; this file parses, replies, notifies and
// propagates.
//
// Signals. Redis changes a stream's groups without signalModifiedKey: XGROUP, XACK, XCLAIM,
// XAUTOCLAIM and XREADGROUP only count server.dirty, so WATCH and client tracking do not see
// them. Here too: GroupChanged announces the change to the snapshot (PreWrite) and counts dirty,
// and touches no watcher. Only XGROUP CREATE MKSTREAM, which creates the key, signals it.
//
// Propagation, as Redis's streamPropagateXCLAIM / streamPropagateGroupID /
// streamPropagateConsumerCreation: XREADGROUP, XCLAIM and XAUTOCLAIM log an idempotent
// `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last` per pending
// entry they create, move or drop, `XGROUP SETID ... ENTRIESREAD n` when a NOACK read (or XCLAIM
// LASTID alone) moved the group, and `XGROUP CREATECONSUMER` for a consumer a NOACK read created;
// never themselves.
#include <algorithm>
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
#include "server/commands/stream_family.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/propagate.h"
#include "server/scripting/interpreter.h"
#include "server/subcommand_reply.h"
#include "shard/journal.h"
#include "shard/notify.h"
#include "shard/stream.h"
#include "shard/stream_group.h"

namespace shoal {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;
using namespace cmd_flag;
using enum CmdMode;

namespace {

// ---- shared pieces ----

// What XREADGROUP reads with, beyond its keys and IDs.
struct ReadGroupSpec {
  std::string group;
  std::string consumer;
  int64_t count = 0;  // 0: no limit
  bool noack = false;
};

// XGROUP DESTROY: clients blocked in XREADGROUP on `key` look again and fail with -NOGROUP (the
// keyspace signals a deleted or replaced stream itself).
void SignalStreamWaiters(DbSlice& slice, DbIndex db, std::string_view key) {
  slice.blocking().SignalReady(db, key);
}

// See the file comment: a change to a stream's groups that Redis does not signal.
void GroupChanged(DbSlice& slice, DbIndex db, std::string_view key, uint64_t dirty = 1) {
  slice.PreWrite(db, key);
  slice.AddDirty(dirty);
}

std::string NoKeyOrGroup(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

std::string NoGroupForKey(std::string_view key, std::string_view group) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
         std::string(key) + "'";
}

void ReplyId(ReplyBuilder& rb, StreamID id) { rb.Bulk(StreamIDString(id)); }

// [id, [field, value ...]] of the entry `id`; false (nothing written) when it is not there.
bool ReplyEntry(Stream& s, StreamID id, ReplyBuilder& rb) {
  Stream::Iterator it(s, id, id, /*rev=*/false);
  StreamID got;
  int64_t fields;
  if (!it.Next(&got, &fields)) return false;
  ReplyStreamEntry(rb, it, got, fields);
  return true;
}

// Redis's streamPropagateXCLAIM: the NACK's state after the change, as an idempotent XCLAIM.
void PropagateClaim(DbIndex db, std::string_view key, std::string_view group, const StreamCG& cg,
                    std::string_view id, const StreamNack& nack) {
  if (!journal::Enabled()) return;
  std::string time = std::to_string(nack.delivery_time);
  std::string count = std::to_string(nack.delivery_count);
  std::string last = StreamIDString(cg.last_id);
  // (Both arms string_view: a std::string arm would make the view dangle on a temporary.)
  std::string_view consumer =
      nack.consumer != nullptr ? std::string_view(nack.consumer->name) : std::string_view();
  journal::Record(db, {"XCLAIM", key, group, consumer, "0", id, "TIME", time, "RETRYCOUNT", count,
                       "FORCE", "JUSTID", "LASTID", last});
}

// Redis's streamPropagateGroupID.
void PropagateGroupId(DbIndex db, std::string_view key, std::string_view group,
                      const StreamCG& cg) {
  if (!journal::Enabled()) return;
  std::string last = StreamIDString(cg.last_id);
  std::string read = std::to_string(cg.entries_read);
  journal::Record(db, {"XGROUP", "SETID", key, group, last, "ENTRIESREAD", read});
}

// streamLookupConsumer (refreshing seen_time) or streamCreateConsumer with its event and dirty.
StreamConsumer* ConsumerFor(DbSlice& slice, DbIndex db, std::string_view key, StreamCG& cg,
                            std::string_view name, bool* created) {
  StreamConsumer* c = FindOrCreateConsumer(cg, name, slice.now_ms(), created);
  if (*created) {
    GroupChanged(slice, db, key);
    notify::Emit(notify::kStream, "xgroup-createconsumer", key, db);
  }
  return c;
}

// ---- XGROUP ----

const char* const kXgroupHelp[] = {
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
};

void CmdXgroup(ArgSlice args, CommandContext& ctx) {
  ReplyBuilder& rb = *ctx.rb;
  // Unknown subcommands and wrong arities, as Redis's processCommand answers them.
  if (!CheckSubcommand(args, rb)) return;
  const std::string_view sub = args[1];
  const size_t argc = args.size();
  if (argc == 2 && EqNoCase(sub, "help")) return ReplyHelp(rb, args[0], kXgroupHelp);

  const bool create = EqNoCase(sub, "create");
  const bool setid = EqNoCase(sub, "setid");
  bool mkstream = false;
  int64_t entries_read = kStreamInvalidEntriesRead;
  Stream* s = nullptr;
  StreamCG* cg = nullptr;
  DbSlice& slice = ctx.slice();
  const DbIndex db = ctx.db_index;
  if (argc >= 4) {
    for (size_t i = 5; i < argc;) {
      if (create && EqNoCase(args[i], "mkstream")) {
        mkstream = true;
        ++i;
      } else if ((create || setid) && EqNoCase(args[i], "entriesread") && i + 1 < argc) {
        if (!ParseInt64(args[i + 1], &entries_read)) return rb.Error(errors::kNotInteger);
        if (entries_read < 0 && entries_read != kStreamInvalidEntriesRead)
          return rb.Error(errors::kCgEntriesRead);
        i += 2;
      } else {
        return ReplySubcommandSyntaxError(rb, args[0], sub);
      }
    }
    bool wrong;
    Slot* slot = FindTypedForWrite(ctx, args[2], ObjType::kStream, &wrong);
    if (wrong) return;
    if (slot != nullptr) s = StreamOf(slot);
  }
  if (argc >= 4 && !mkstream) {
    if (s == nullptr) return rb.Error(errors::kCgXgroupNoKey);
    cg = LookupGroup(s->groups(), args[3]);
    if (cg == nullptr && (setid || EqNoCase(sub, "createconsumer") || EqNoCase(sub, "delconsumer")))
      return rb.Error(NoGroupForKey(args[2], args[3]));
  }

  const std::string_view key = argc >= 3 ? args[2] : std::string_view();
  if (create && argc >= 5 && argc <= 8) {
    StreamID id;
    if (args[4] == "$") {
      id = s != nullptr ? s->last_id() : StreamID::Min();
    } else if (!ParseStreamID(args[4], &id, 0, /*strict=*/true)) {
      return rb.Error(errors::kInvalidStreamId);
    }
    if (s == nullptr) {  // MKSTREAM, now that nothing can fail
      s = new Stream();
      AddObject(slice, db, key, ObjType::kStream, ObjEnc::kStream, s);
    }
    if (LookupGroup(s->groups(), args[3]) != nullptr) return rb.Error(errors::kCgBusyGroup);
    GroupChanged(slice, db, key);
    CreateGroup(s->groups(), args[3], id, entries_read);
    notify::Emit(notify::kStream, "xgroup-create", key, db);
    return rb.Ok();
  }
  if (setid && (argc == 5 || argc == 7)) {
    StreamID id;
    if (args[4] == "$") {
      id = s->last_id();
    } else if (!ParseStreamID(args[4], &id, 0, /*strict=*/false)) {
      return rb.Error(errors::kInvalidStreamId);
    }
    GroupChanged(slice, db, key);
    cg->last_id = id;
    cg->entries_read = entries_read;
    notify::Emit(notify::kStream, "xgroup-setid", key, db);
    return rb.Ok();
  }
  if (EqNoCase(sub, "destroy") && argc == 4) {
    if (cg == nullptr) return rb.Integer(0);
    GroupChanged(slice, db, key);
    DestroyGroup(s->groups(), args[3]);
    notify::Emit(notify::kStream, "xgroup-destroy", key, db);
    // Clients blocked in XREADGROUP on this group get -NOGROUP (signalKeyAsReady).
    SignalStreamWaiters(slice, db, key);
    return rb.Integer(1);
  }
  if (EqNoCase(sub, "createconsumer") && argc == 5) {
    if (LookupConsumer(*cg, args[4]) != nullptr) return rb.Integer(0);
    GroupChanged(slice, db, key);
    CreateConsumer(*cg, args[4], slice.now_ms());
    notify::Emit(notify::kStream, "xgroup-createconsumer", key, db);
    return rb.Integer(1);
  }
  if (EqNoCase(sub, "delconsumer") && argc == 5) {
    StreamConsumer* c = LookupConsumer(*cg, args[4]);
    if (c == nullptr) return rb.Integer(0);
    GroupChanged(slice, db, key);
    size_t pending = *DeleteConsumer(*cg, args[4]);
    notify::Emit(notify::kStream, "xgroup-delconsumer", key, db);
    return rb.Integer(static_cast<int64_t>(pending));
  }
  ReplySubcommandSyntaxError(rb, args[0], sub);
}

// ---- XACK key group id [id ...] ----

void CmdXack(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, args[1], ObjType::kStream, &wrong);
  if (wrong) return;
  StreamCG* cg = slot != nullptr ? LookupGroup(StreamOf(slot)->groups(), args[2]) : nullptr;
  if (cg == nullptr) return ctx.rb->Integer(0);
  // All IDs first: the reply cannot be an error once something was acknowledged.
  std::vector<StreamID> ids(args.size() - 3);
  for (size_t j = 3; j < args.size(); ++j) {
    if (!ParseStreamID(args[j], &ids[j - 3], 0, /*strict=*/true))
      return ctx.rb->Error(errors::kInvalidStreamId);
  }
  int64_t acked = 0;
  for (StreamID id : ids) {
    if (FindNack(*cg, id) == nullptr) continue;
    GroupChanged(ctx.slice(), ctx.db_index, args[1]);
    Ack(*cg, id);
    ++acked;
  }
  ctx.rb->Integer(acked);
}

// ---- XPENDING key group [[IDLE min-idle] start end count [consumer]] ----

void CmdXpending(ArgSlice args, CommandContext& ctx) {
  ReplyBuilder& rb = *ctx.rb;
  const size_t argc = args.size();
  if (argc != 3 && (argc < 6 || argc > 9)) return rb.Error(errors::kSyntax);
  StreamID start = StreamID::Min(), end = StreamID::Max();
  int64_t count = 0, min_idle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc >= 6) {
    size_t at = 3;
    if (EqNoCase(args[3], "idle")) {
      if (!ParseInt64(args[4], &min_idle)) return rb.Error(errors::kNotInteger);
      if (argc < 8) return rb.Error(errors::kSyntax);
      at += 2;
    }
    if (!ParseInt64(args[at + 2], &count)) return rb.Error(errors::kNotInteger);
    if (count < 0) count = 0;
    bool ex;
    if (!ParseStreamInterval(args[at], &start, &ex, 0)) return rb.Error(errors::kInvalidStreamId);
    if (ex && !StreamIDIncr(&start)) return rb.Error(errors::kInvalidStartId);
    if (!ParseStreamInterval(args[at + 1], &end, &ex, UINT64_MAX))
      return rb.Error(errors::kInvalidStreamId);
    if (ex && !StreamIDDecr(&end)) return rb.Error(errors::kInvalidEndId);
    if (at + 3 < argc) {
      consumer_name = args[at + 3];
      has_consumer = true;
    }
  }
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kStream, &wrong);
  if (wrong) return;
  StreamCG* cg = slot != nullptr ? LookupGroup(StreamOf(slot)->groups(), args[2]) : nullptr;
  if (cg == nullptr) return rb.Error(NoKeyOrGroup(args[1], args[2]));

  if (argc == 3) {
    PendingSummary sum = SummarizePending(*cg);
    rb.Array(4);
    rb.Integer(static_cast<int64_t>(sum.count));
    if (sum.count == 0) {
      rb.Null();
      rb.Null();
      rb.NullArray();
      return;
    }
    ReplyId(rb, sum.min);
    ReplyId(rb, sum.max);
    rb.Array(sum.consumers.size());
    for (const auto& [name, n] : sum.consumers) {
      rb.Array(2);
      rb.Bulk(name);
      rb.Bulk(std::to_string(n));
    }
    return;
  }
  const StreamConsumer* consumer = nullptr;
  if (has_consumer) {
    consumer = LookupConsumer(*cg, consumer_name);
    if (consumer == nullptr) return rb.Array(0);
  }
  auto entries = PendingRange(*cg, consumer, start, end, static_cast<size_t>(count), min_idle,
                              ctx.slice().now_ms());
  rb.Array(entries.size());
  for (const PendingEntry& e : entries) {
    rb.Array(4);
    ReplyId(rb, e.id);
    rb.Bulk(e.consumer);
    rb.Integer(static_cast<int64_t>(e.idle));
    rb.Integer(static_cast<int64_t>(e.delivery_count));
  }
}

// ---- XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
//      [FORCE] [JUSTID] [LASTID id] ----

void CmdXclaim(ArgSlice args, CommandContext& ctx) {
  ReplyBuilder& rb = *ctx.rb;
  const std::string_view key = args[1], group = args[2];
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, key, ObjType::kStream, &wrong);
  if (wrong) return;
  Stream* s = slot != nullptr ? StreamOf(slot) : nullptr;
  StreamCG* cg = s != nullptr ? LookupGroup(s->groups(), group) : nullptr;
  if (cg == nullptr) return rb.Error(NoKeyOrGroup(key, group));

  int64_t min_idle;
  if (!ParseInt64(args[4], &min_idle))
    return rb.Error("ERR Invalid min-idle-time argument for XCLAIM");
  if (min_idle < 0) min_idle = 0;
  // The IDs run until the first argument that is not one; options follow.
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < args.size(); ++j) {
    StreamID id;
    if (!ParseStreamID(args[j], &id, 0, /*strict=*/true)) break;
    ids.push_back(id);
  }
  DbSlice& slice = ctx.slice();
  const int64_t now = slice.now_ms();
  int64_t delivery_time = -1, retry_count = -1;
  bool force = false, justid = false;
  StreamID last_id = StreamID::Min();
  for (; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (EqNoCase(opt, "force")) {
      force = true;
    } else if (EqNoCase(opt, "justid")) {
      justid = true;
    } else if (EqNoCase(opt, "idle") && more) {
      if (!ParseInt64(args[++j], &delivery_time))
        return rb.Error("ERR Invalid IDLE option argument for XCLAIM");
      delivery_time = now - delivery_time;
    } else if (EqNoCase(opt, "time") && more) {
      if (!ParseInt64(args[++j], &delivery_time))
        return rb.Error("ERR Invalid TIME option argument for XCLAIM");
    } else if (EqNoCase(opt, "retrycount") && more) {
      if (!ParseInt64(args[++j], &retry_count))
        return rb.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
    } else if (EqNoCase(opt, "lastid") && more) {
      if (!ParseStreamID(args[++j], &last_id, 0, /*strict=*/true))
        return rb.Error(errors::kInvalidStreamId);
    } else {
      return rb.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }

  const DbIndex db = ctx.db_index;
  ctx.propagate_self = false;  // it logs the claims (and the last ID) below
  bool propagate_last_id = false;
  if (last_id > cg->last_id) {
    GroupChanged(slice, db, key, 0);
    cg->last_id = last_id;
    propagate_last_id = true;
  }
  // A bogus time (before the epoch, or in the future) is now: clients compute IDLE from their
  // own clocks.
  if (delivery_time < 0 || delivery_time > now) delivery_time = now;

  std::string body;
  ReplyBuilder out(&body, rb.resp());
  size_t claimed = 0;
  StreamConsumer* consumer = nullptr;
  for (size_t i = 0; i < ids.size(); ++i) {
    const StreamID id = ids[i];
    const std::string_view id_arg = args[5 + i];
    StreamNack* nack = FindNack(*cg, id);
    if (!s->Exists(id)) {
      // Deleted from the stream: the PEL forgets it too (7.0).
      if (nack != nullptr) {
        GroupChanged(slice, db, key);
        PropagateClaim(db, key, group, *cg, id_arg, *nack);
        propagate_last_id = false;
        Ack(*cg, id);
      }
      continue;
    }
    if (force && nack == nullptr) {
      GroupChanged(slice, db, key, 0);
      nack = CreateUnownedNack(*cg, id, static_cast<uint64_t>(now));
    }
    if (nack == nullptr) continue;
    // A NACK FORCE just created has no owner and no idle time to respect.
    if (nack->consumer != nullptr && min_idle > 0 &&
        now - static_cast<int64_t>(nack->delivery_time) < min_idle)
      continue;
    if (consumer == nullptr) {
      bool created;
      consumer = ConsumerFor(slice, db, key, *cg, args[3], &created);
    }
    GroupChanged(slice, db, key);
    ClaimNack(id, *nack, *consumer, static_cast<uint64_t>(delivery_time), retry_count, justid);
    if (justid) {
      ReplyId(out, id);
    } else {
      ReplyEntry(*s, id, out);
    }
    ++claimed;
    PropagateClaim(db, key, group, *cg, id_arg, *nack);
    propagate_last_id = false;
  }
  if (propagate_last_id) {
    PropagateGroupId(db, key, group, *cg);
    slice.AddDirty(1);
  }
  rb.Array(claimed);
  rb.out()->append(body);
}

// ---- XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] ----

void CmdXautoclaim(ArgSlice args, CommandContext& ctx) {
  ReplyBuilder& rb = *ctx.rb;
  const std::string_view key = args[1], group = args[2];
  constexpr int64_t kAttemptsFactor = 10;
  int64_t min_idle;
  if (!ParseInt64(args[4], &min_idle))
    return rb.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  if (min_idle < 0) min_idle = 0;
  StreamID start;
  bool ex;
  if (!ParseStreamInterval(args[5], &start, &ex, 0)) return rb.Error(errors::kInvalidStreamId);
  if (ex && !StreamIDIncr(&start)) return rb.Error(errors::kInvalidStartId);
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (EqNoCase(args[j], "count") && more) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;  // LONG_MAX / max(sizeof(streamID), 10)
      if (!ParseInt64(args[j + 1], &count) || count < 1 || count > kMaxCount)
        return rb.Error(errors::kCountPositive);
      ++j;
    } else if (EqNoCase(args[j], "justid")) {
      justid = true;
    } else {
      return rb.Error(errors::kSyntax);
    }
  }
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, key, ObjType::kStream, &wrong);
  if (wrong) return;
  Stream* s = slot != nullptr ? StreamOf(slot) : nullptr;
  StreamCG* cg = s != nullptr ? LookupGroup(s->groups(), group) : nullptr;
  if (cg == nullptr) return rb.Error(NoKeyOrGroup(key, group));

  DbSlice& slice = ctx.slice();
  const DbIndex db = ctx.db_index;
  const int64_t now = slice.now_ms();
  ctx.propagate_self = false;  // it logs the claims below
  std::string body;
  ReplyBuilder out(&body, rb.resp());
  size_t claimed = 0;
  std::vector<StreamID> deleted;
  StreamConsumer* consumer = nullptr;
  int64_t attempts = count * kAttemptsFactor;
  auto it = cg->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != cg->pel.end()) {
    const StreamID id = it->first;
    StreamNack* nack = it->second.get();
    if (!s->Exists(id)) {
      GroupChanged(slice, db, key);
      PropagateClaim(db, key, group, *cg, StreamIDString(id), *nack);
      Ack(*cg, id);
      deleted.push_back(id);
      it = cg->pel.lower_bound(id);
      --count;  // the reply's size bound counts the deleted IDs too
      continue;
    }
    ++it;
    if (min_idle > 0 && now - static_cast<int64_t>(nack->delivery_time) < min_idle) continue;
    if (consumer == nullptr) {
      bool created;
      consumer = ConsumerFor(slice, db, key, *cg, args[3], &created);
    }
    GroupChanged(slice, db, key);
    ClaimNack(id, *nack, *consumer, static_cast<uint64_t>(now), -1, justid);
    if (justid) {
      ReplyId(out, id);
    } else {
      ReplyEntry(*s, id, out);
    }
    ++claimed;
    --count;
    PropagateClaim(db, key, group, *cg, StreamIDString(id), *nack);
  }
  rb.Array(3);
  ReplyId(rb, it == cg->pel.end() ? StreamID::Min() : it->first);
  rb.Array(claimed);
  rb.out()->append(body);
  rb.Array(deleted.size());
  for (StreamID id : deleted) ReplyId(rb, id);
}

// ---- XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key ... id ... ----

// Serves one key of XREADGROUP on its shard (the immediate path and a blocked client's wake-up
// alike): Redis's streamReplyWithRange with a group, or, for an explicit ID, the consumer's own
// history (streamReplyWithRangeFromConsumerPEL). `gt` is StreamID::Max() for '>'. Appends the
// key's reply element to `out` ([key, entries] in RESP2, key then entries as a map pair in RESP3)
// and returns true, or returns false with nothing written when '>' finds nothing new. A woken
// waiter (`woken`) was found ready by the stream's last ID, as Redis's
// serveClientsBlockedOnStreamKey, and is served even when that entry was deleted since.
bool ServeGroupRead(DbSlice& slice, DbIndex db, std::string_view key, Stream& s, StreamCG& cg,
                    const ReadGroupSpec& spec, StreamID gt, bool woken, ReplyBuilder& out) {
  const bool history = gt != StreamID::Max();
  if (!history) {
    if (!woken &&
        (s.length() == 0 || s.EdgeID(/*first=*/false, /*skip_tombstones=*/true) <= cg.last_id))
      return false;
    gt = cg.last_id;
  }
  const uint64_t now = static_cast<uint64_t>(slice.now_ms());
  GroupChanged(slice, db, key);  // Redis: server.dirty++ per key served
  bool created;
  StreamConsumer* consumer = ConsumerFor(slice, db, key, cg, spec.consumer, &created);
  if (created && spec.noack && journal::Enabled())
    journal::Record(db, {"XGROUP", "CREATECONSUMER", key, spec.group, spec.consumer});

  if (out.resp() == 2) out.Array(2);
  out.Bulk(key);
  StreamID start = gt;
  StreamIDIncr(&start);
  const size_t limit = spec.count > 0 ? static_cast<size_t>(spec.count) : SIZE_MAX;
  std::string body;
  ReplyBuilder entries(&body, out.resp());
  size_t n = 0;
  if (history) {
    for (auto it = consumer->pel.lower_bound(start); it != consumer->pel.end() && n < limit;
         ++it, ++n) {
      if (ReplyEntry(s, it->first, entries)) {
        Redeliver(*it->second, now);
      } else {
        // Acknowledged nowhere but deleted from the stream: the ID with a nil body.
        entries.Array(2);
        ReplyId(entries, it->first);
        entries.NullArray();
      }
    }
  } else {
    bool propagate_last_id = false;
    Stream::Iterator it(s, start, StreamID::Max(), /*rev=*/false);
    StreamID id;
    int64_t fields;
    while (n < limit && it.Next(&id, &fields)) {
      if (AdvanceGroup(cg, s, id) && spec.noack) propagate_last_id = true;
      ReplyStreamEntry(entries, it, id, fields);
      ++n;
      if (!spec.noack) {
        StreamNack* nack = DeliverNew(cg, *consumer, id, now);
        PropagateClaim(db, key, spec.group, cg, StreamIDString(id), *nack);
      }
    }
    if (propagate_last_id) PropagateGroupId(db, key, spec.group, cg);
  }
  out.Array(n);
  out.out()->append(body);
  return true;
}

// Redis's getTimeoutFromObjectOrReply in milliseconds: "" or the error.
const char* ParseBlockMs(std::string_view arg, int64_t* ms) {
  if (!ParseInt64(arg, ms)) return errors::kTimeoutNotInt;
  if (*ms < 0) return errors::kTimeoutNegative;
  return "";
}

// What one XREADGROUP invocation reads, shared by its shards' steps.
struct ReadGroupState {
  ReadGroupSpec spec;
  std::vector<uint32_t> keys;         // argument positions of the keys
  std::vector<StreamID> ids;          // per key: Max() for '>'
  std::vector<std::string> id_error;  // per key: its ID's error, "" when fine
  // Per key, from the check step: its key's error ("" when the stream and the group exist).
  std::vector<std::string> key_error;
  std::vector<std::string> served;  // per key: its reply element, "" when nothing was served
  std::string error;                // the first error in argument order
  // Per key: the next readiness check is the blocking immediate attempt's (set where the check
  // step found the key), which wants a live entry after the group's last ID; a woken waiter's
  // later checks compare the stream's last ID, as Redis's serveClientsBlockedOnStreamKey.
  std::vector<uint8_t> immediate_check;
  int resp = 2;
};

// Redis checks key by key, each key before its ID: the first error in that order.
std::string FirstError(const ReadGroupState& st) {
  for (size_t i = 0; i < st.keys.size(); ++i) {
    if (!st.key_error[i].empty()) return st.key_error[i];
    if (!st.id_error[i].empty()) return st.id_error[i];
  }
  return "";
}

std::string ReadGroupKeyError(DbSlice& slice, DbIndex db, std::string_view key,
                              std::string_view group) {
  bool wrong;
  Slot* slot = slice.FindRead(db, key, ObjType::kStream, &wrong);
  if (wrong) return errors::kWrongType;
  if (slot == nullptr || LookupGroup(StreamOf(slot)->groups(), group) == nullptr)
    return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
           std::string(group) + "' in XREADGROUP with GROUP option";
  return "";
}

void ServeKey(DbSlice& slice, DbIndex db, ArgSlice args, ReadGroupState& st, size_t i) {
  std::string_view key = args[st.keys[i]];
  bool wrong;
  Slot* slot = slice.FindWrite(db, key, ObjType::kStream, &wrong);
  if (slot == nullptr || wrong) return;
  Stream& s = *StreamOf(slot);
  StreamCG* cg = LookupGroup(s.groups(), st.spec.group);
  if (cg == nullptr) return;
  ReplyBuilder out(&st.served[i], st.resp);
  ServeGroupRead(slice, db, key, s, *cg, st.spec, st.ids[i], /*woken=*/false, out);
}

void ReplyServed(const ReadGroupState& st, ReplyBuilder& rb) {
  size_t n = 0;
  for (const std::string& s : st.served) n += !s.empty();
  if (rb.resp() == 2) {
    rb.Array(n);
  } else {
    rb.Map(n);
  }
  for (const std::string& s : st.served) rb.out()->append(s);
}

// A blocked XREADGROUP (all its IDs are '>'): ready when its stream has an entry after the
// group's last ID, and also when the key or the group went away (it then fails). On key i's
// shard.
bool WaiterReady(ReadGroupState& st, size_t i, const Entry* e) {
  const bool immediate = st.immediate_check[i] != 0;
  st.immediate_check[i] = 0;
  if (e == nullptr || e->type() != ObjType::kStream) return true;
  const auto* s = static_cast<const Stream*>(e->object());
  const StreamCG* cg = LookupGroup(s->groups(), st.spec.group);
  if (cg == nullptr) return true;
  // Redis serves a woken client when the stream's last ID moved past the group's, even if that
  // entry is deleted again by then (it gets an empty list); a client about to block blocks.
  if (immediate) return s->length() > 0 && s->EdgeID(false, true) > cg->last_id;
  return s->last_id() > cg->last_id;
}

// Serves a ready waiter's key i (or records why it fails: Redis's -UNBLOCKED / -NOGROUP).
void ServeWaiter(DbSlice& slice, DbIndex db, std::string_view key, ReadGroupState& st, size_t i) {
  Slot* slot = slice.Find(db, key);
  if (slot == nullptr || slot->entry()->type() != ObjType::kStream) {
    st.key_error[i] = errors::kCgKeyGone;
    return;
  }
  slot = slice.FindWrite(db, key);
  Stream& s = *StreamOf(slot);
  StreamCG* cg = LookupGroup(s.groups(), st.spec.group);
  if (cg == nullptr) {
    st.key_error[i] = errors::kCgGroupGone;
    return;
  }
  st.served[i].clear();
  ReplyBuilder out(&st.served[i], st.resp);
  if (journal::tl_unit != nullptr || !journal::Enabled()) {
    ServeGroupRead(slice, db, key, s, *cg, st.spec, StreamID::Max(), /*woken=*/true, out);
    return;
  }
  // Woken after the write that served it: what it logs is one unit of its own (MULTI/EXEC when
  // it is several ops, as Redis propagates one unblocked client), placed right after that write.
  auto unit = std::make_unique<journal::Unit>();
  {
    journal::Scope scope(unit.get());
    ServeGroupRead(slice, db, key, s, *cg, st.spec, StreamID::Max(), /*woken=*/true, out);
  }
  if (unit->empty()) return;
  unit->ticket = journal::Reserve();
  journal::Submit(std::move(unit));
}

// Nothing could be served at once: wait (RunBlockingPop's immediate attempt runs once more in its
// own transaction, so an entry added since is served rather than waited for).
void Block(CommandContext& ctx, ArgSlice args, std::shared_ptr<ReadGroupState> st,
           int64_t timeout) {
  // A woken client gets at most this many entries when it gave no COUNT (Redis's
  // XREAD_BLOCKED_DEFAULT_COUNT).
  if (st->spec.count == 0) st->spec.count = 1000;
  BlockingPop op;
  op.type = ObjType::kStream;
  op.keys = st->keys;
  op.timeout_ms = timeout;
  op.all_keys = true;
  const uint32_t first = st->keys[0];
  op.ready = [st, first](Shard&, DbIndex, uint32_t pos, const Entry* e) {
    return WaiterReady(*st, pos - first, e);
  };
  op.pop_at = [st, args, first](Shard& shard, DbIndex db, uint32_t pos) {
    ServeWaiter(shard.db_slice(), db, args[pos], *st, pos - first);
  };
  op.reply = [st](ReplyBuilder& rb) {
    if (std::string err = FirstError(*st); !err.empty()) return rb.Error(err);
    ReplyServed(*st, rb);
  };
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdXreadgroup(ArgSlice args, CommandContext& ctx) {
  auto st = std::make_shared<ReadGroupState>();
  int64_t timeout = -1;
  size_t streams_at = 0;
  bool has_group = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const size_t more = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqNoCase(o, "block") && more > 0) {
      // Scripts never block; Redis refuses the option there (MULTI just does not block).
      if (ctx.deny_blocking && scripting::RunningScripts::Mine().running.load())
        return FailMulti(ctx, "ERR " + std::string(args[0]) +
                                  " command is not allowed with BLOCK option from scripts");
      if (const char* err = ParseBlockMs(args[++i], &timeout); *err != '\0')
        return FailMulti(ctx, err);
    } else if (EqNoCase(o, "count") && more > 0) {
      if (!ParseInt64(args[++i], &st->spec.count)) return FailMulti(ctx, errors::kNotInteger);
      if (st->spec.count < 0) st->spec.count = 0;
    } else if (EqNoCase(o, "streams") && more > 0) {
      streams_at = i + 1;
      if ((args.size() - streams_at) % 2 != 0) return FailMulti(ctx, errors::kXreadUnbalanced);
      break;
    } else if (EqNoCase(o, "group") && more >= 2) {
      st->spec.group = std::string(args[i + 1]);
      st->spec.consumer = std::string(args[i + 2]);
      has_group = true;
      i += 2;
    } else if (EqNoCase(o, "noack")) {
      st->spec.noack = true;
    } else {
      return FailMulti(ctx, errors::kSyntax);
    }
  }
  if (streams_at == 0) return FailMulti(ctx, errors::kSyntax);
  if (!has_group) return FailMulti(ctx, errors::kCgMissingGroup);
  const size_t nkeys = (args.size() - streams_at) / 2;
  st->resp = ctx.rb->resp();
  st->keys.resize(nkeys);
  st->ids.resize(nkeys);
  st->id_error.resize(nkeys);
  st->key_error.resize(nkeys);
  st->served.resize(nkeys);
  st->immediate_check.resize(nkeys);
  for (size_t i = 0; i < nkeys; ++i) {
    st->keys[i] = static_cast<uint32_t>(streams_at + i);
    std::string_view id = args[streams_at + nkeys + i];
    if (id == "$") {
      st->id_error[i] = errors::kCgDollarInReadgroup;
    } else if (id == ">") {
      st->ids[i] = StreamID::Max();
    } else if (!ParseStreamID(id, &st->ids[i], 0, /*strict=*/true)) {
      st->id_error[i] = errors::kInvalidStreamId;
    }
  }
  ctx.propagate_self = false;  // it logs the XCLAIMs / XGROUP SETIDs of what it delivered

  // Check every key (the first error in argument order wins and nothing is served), then serve:
  // one hop when the keys share a shard, else two in one armed transaction.
  const DbIndex db = ctx.db_index;
  auto check = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    for (uint32_t p : mine) {
      size_t i = p - st->keys[0];
      st->key_error[i] = ReadGroupKeyError(shard.db_slice(), db, args[p], st->spec.group);
      st->immediate_check[i] = st->key_error[i].empty();
    }
  };
  auto serve = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    if (!FirstError(*st).empty()) return;
    for (uint32_t p : mine) ServeKey(shard.db_slice(), db, args, *st, p - st->keys[0]);
  };
  CommandContext* c = &ctx;
  auto then = [st, c, args, timeout] {
    if (std::string err = FirstError(*st); !err.empty()) {
      c->rb->Error(err);
    } else if (std::any_of(st->served.begin(), st->served.end(),
                           [](const std::string& s) { return !s.empty(); })) {
      ReplyServed(*st, *c->rb);
    } else if (timeout >= 0 && !c->deny_blocking) {
      return Block(*c, args, st, timeout);  // it calls Done()
    } else {
      c->rb->NullArray();  // no BLOCK, or inside MULTI: as a timeout
    }
    c->Done();
  };
  if (ctx.shard != nullptr || GroupKeys(args, st->keys).shards.size() == 1) {
    return RunOnKeyShards(
        ctx, args, st->keys, /*write=*/true,
        [check, serve](Shard& shard, const std::vector<uint32_t>& mine) {
          check(shard, mine);
          serve(shard, mine);
        },
        std::move(then));
  }
  std::vector<Phase> phases(2);
  phases[0] = {st->keys, std::move(check)};
  phases[1] = {st->keys, std::move(serve)};
  RunPhases(ctx, args, std::move(phases), std::move(then));
}

}  // namespace

void RegisterStreamGroupFamily(CommandRegistry& r) {
  // clang-format off
  r.AddFamily(acl_cat::kStream, {
      {.name = "xgroup", .arity = -2, .mode = kShard, .fn = CmdXgroup, .subcommands = {
          {.name = "xgroup|create", .arity = -5, .flags = kWrite | kDenyOom},
          {.name = "xgroup|createconsumer", .arity = 5, .flags = kWrite | kDenyOom},
          {.name = "xgroup|delconsumer", .arity = 5, .flags = kWrite},
          {.name = "xgroup|destroy", .arity = 4, .flags = kWrite},
          {.name = "xgroup|help", .arity = 2, .flags = kLoading | kStale},
          {.name = "xgroup|setid", .arity = -5, .flags = kWrite},
      }},
      {.name = "xreadgroup", .arity = -7, .flags = kWrite | kBlocking, .mode = kMulti,
       .fn = CmdXreadgroup, .getkeys = XreadKeys},
      {.name = "xack", .arity = -4, .flags = kWrite | kFast, .mode = kShard, .fn = CmdXack},
      {.name = "xpending", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdXpending},
      {.name = "xclaim", .arity = -6, .flags = kWrite | kFast, .mode = kShard, .fn = CmdXclaim},
      {.name = "xautoclaim", .arity = -6, .flags = kWrite | kFast, .mode = kShard,
       .fn = CmdXautoclaim},
  });
  // clang-format on
}

}  // namespace shoal
