// Lists: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS
// LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (Redis 7.0 t_list.c
// semantics). Every list is a QuickList (OBJECT ENCODING "quicklist").
//
// Single-key commands are kShard. LMOVE/RPOPLPUSH and LMPOP are kMulti: their keys may live on
// several shards, so they run as ordered phases of one armed transaction (RunPhases), checking in
// Redis's order before anything is popped. The blocking commands describe their pop to
// RunBlockingPop (server/blocking_ops.h), which runs it at once or when a key gets data.
#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "server/blocking_ops.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "shard/notify.h"
#include "shard/quicklist.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;
using End = QuickList::End;

constexpr char kIndexOutOfRange[] = "ERR index out of range";
constexpr char kRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
constexpr char kCountNegative[] = "ERR COUNT can't be negative";
constexpr char kMaxlenNegative[] = "ERR MAXLEN can't be negative";

// What the first phase of a multi-shard command found under a key.
enum class KeyState : uint8_t { kMissing, kWrongType, kList };

QuickList* ListOf(Slot* s) { return static_cast<QuickList*>(s->entry()->object()); }

// A new, empty list with the node size configured now (Redis fixes it when it creates the list).
QuickList* NewList() {
  int64_t fill = ShardSettings::Get(ShardSettings::list_max_listpack_size);
  return new QuickList(static_cast<int>(std::clamp<int64_t>(fill, INT_MIN, INT_MAX)));
}

const char* PushEvent(End end) { return end == End::kHead ? "lpush" : "rpush"; }
const char* PopEvent(End end) { return end == End::kHead ? "lpop" : "rpop"; }

// listElementsRemoved's events: the pop, then `del` when the pop emptied (and deleted) the list.
void EmitPopped(DbIndex db, std::string_view key, End end, bool emptied) {
  notify::Emit(notify::kList, PopEvent(end), key, db);
  if (emptied) notify::Emit(notify::kGeneric, "del", key, db);
}

// getLongFromObjectOrReply: replies "value is not an integer or out of range" on failure.
bool ParseLongOr(std::string_view arg, int64_t* out, ReplyBuilder* rb) {
  if (ParseLong(arg, out)) return true;
  rb->Error(errors::kNotInteger);
  return false;
}

// getRangeLongFromObjectOrReply with a message: `msg` for a non-integer or a value out of range.
bool ParseRange(std::string_view arg, int64_t min, int64_t* out, const char* msg,
                ReplyBuilder* rb) {
  if (ParseLong(arg, out) && *out >= min) return true;
  rb->Error(msg);
  return false;
}

// getListPositionFromObjectOrReply: LEFT -> head, RIGHT -> tail.
bool ParseEnd(std::string_view arg, End* end) {
  if (EqNoCaseC(arg, "left")) {
    *end = End::kHead;
  } else if (EqNoCaseC(arg, "right")) {
    *end = End::kTail;
  } else {
    return false;
  }
  return true;
}

// Pushes values one by one at `end` of the list in `s`, creating it when s is null. Returns the
// new length. Signals the key (every push changes it; dirty counts each element, as Redis) and
// emits the push event.
size_t PushAll(DbSlice& slice, DbIndex db, std::string_view key, Slot* s, ArgSlice values,
               End end) {
  QuickList* ql;
  if (s != nullptr) {
    slice.Modified(db, key, values.size());
    ql = ListOf(s);
    for (std::string_view v : values) ql->Push(end, v);
  } else {
    ql = NewList();
    for (std::string_view v : values) ql->Push(end, v);
    AddObject(slice, db, key, ObjType::kList, ObjEnc::kQuickList, ql);
    slice.AddDirty(values.size() - 1);  // Add counted one
  }
  notify::Emit(notify::kList, PushEvent(end), key, db);
  return ql->Size();
}

void PushOne(DbSlice& slice, DbIndex db, std::string_view key, Slot* s, std::string_view value,
             End end) {
  PushAll(slice, db, key, s, ArgSlice(&value, 1), end);
}

// Copies (and removes) up to `count` (> 0) elements from `end` of the non-empty list under key
// (in s), in pop order; deletes the key when the list becomes empty. `key` outlives the deletion.
void PopRange(DbSlice& slice, DbIndex db, std::string_view key, Slot* s, End end, int64_t count,
              std::vector<std::string>* out) {
  QuickList* ql = ListOf(s);
  int64_t n = std::min<int64_t>(count, static_cast<int64_t>(ql->Size()));
  slice.Modified(db, key, static_cast<uint64_t>(n));
  char buf[32];
  out->reserve(n);
  auto it = end == End::kHead ? ql->Begin() : ql->Last();
  for (int64_t i = 0; i < n; ++i) {
    out->emplace_back(it.Get(buf));
    end == End::kHead ? it.Next() : it.Prev();
  }
  ql->DeleteRange(end == End::kHead ? 0 : -n, n);
  const bool emptied = ql->Empty();
  if (emptied) slice.Delete(db, s);
  EmitPopped(db, key, end, emptied);
}

void ReplyStrings(ReplyBuilder* rb, const std::vector<std::string>& items) {
  rb->Array(items.size());
  for (const std::string& s : items) rb->Bulk(s);
}

// ---- LPUSH / RPUSH / LPUSHX / RPUSHX key element [element ...] ----
void PushGeneric(ArgSlice args, CommandContext& ctx, End end, bool only_existing) {
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr && only_existing) return ctx.rb->Integer(0);
  size_t len = PushAll(ctx.slice(), ctx.db_index, args[1], s, args.subspan(2), end);
  ctx.rb->Integer(static_cast<int64_t>(len));
}

void CmdLpush(ArgSlice args, CommandContext& ctx) { PushGeneric(args, ctx, End::kHead, false); }
void CmdRpush(ArgSlice args, CommandContext& ctx) { PushGeneric(args, ctx, End::kTail, false); }
void CmdLpushx(ArgSlice args, CommandContext& ctx) { PushGeneric(args, ctx, End::kHead, true); }
void CmdRpushx(ArgSlice args, CommandContext& ctx) { PushGeneric(args, ctx, End::kTail, true); }

// ---- LPOP / RPOP key [count] ----
void PopGeneric(ArgSlice args, CommandContext& ctx, End end) {
  if (args.size() > 3) {
    return ctx.rb->Error("ERR wrong number of arguments for '" + ctx.cid->name + "' command");
  }
  const bool has_count = args.size() == 3;
  int64_t count = 0;
  if (has_count && !ParseRange(args[2], 0, &count, errors::kPositiveCount, ctx.rb)) return;
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr) return has_count ? ctx.rb->NullArray() : ctx.rb->Null();
  if (has_count && count == 0) return ctx.rb->Array(0);
  QuickList* ql = ListOf(s);
  char buf[32];
  ctx.slice().Modified(ctx.db_index, args[1],
                       has_count ? std::min<uint64_t>(count, ql->Size()) : 1);
  if (!has_count) {
    ctx.rb->Bulk((end == End::kHead ? ql->Begin() : ql->Last()).Get(buf));
    ql->Pop(end, nullptr);
  } else {
    int64_t n = std::min<int64_t>(count, static_cast<int64_t>(ql->Size()));
    ctx.rb->Array(n);
    auto it = end == End::kHead ? ql->Begin() : ql->Last();
    for (int64_t i = 0; i < n; ++i) {
      ctx.rb->Bulk(it.Get(buf));
      end == End::kHead ? it.Next() : it.Prev();
    }
    ql->DeleteRange(end == End::kHead ? 0 : -n, n);
  }
  const bool emptied = ql->Empty();
  if (emptied) ctx.slice().Delete(ctx.db_index, s);
  EmitPopped(ctx.db_index, args[1], end, emptied);
}

void CmdLpop(ArgSlice args, CommandContext& ctx) { PopGeneric(args, ctx, End::kHead); }
void CmdRpop(ArgSlice args, CommandContext& ctx) { PopGeneric(args, ctx, End::kTail); }

// ---- LLEN key ----
void CmdLlen(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kList, &wrong);
  if (wrong) return;
  ctx.rb->Integer(s == nullptr ? 0 : static_cast<int64_t>(ListOf(s)->Size()));
}

// ---- LRANGE key start stop ----
void CmdLrange(ArgSlice args, CommandContext& ctx) {
  int64_t start, end;
  if (!ParseLongOr(args[2], &start, ctx.rb) || !ParseLongOr(args[3], &end, ctx.rb)) return;
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kList, &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.rb->Array(0);
  const QuickList* ql = ListOf(s);
  const int64_t len = static_cast<int64_t>(ql->Size());
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return ctx.rb->Array(0);
  if (end >= len) end = len - 1;
  const int64_t n = end - start + 1;
  ctx.rb->Array(n);
  char buf[32];
  auto it = ql->At(start);
  for (int64_t i = 0; i < n; ++i, it.Next()) ctx.rb->Bulk(it.Get(buf));
}

// ---- LINDEX key index ----
void CmdLindex(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kList, &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.rb->Null();
  int64_t index;
  if (!ParseLongOr(args[2], &index, ctx.rb)) return;
  auto it = ListOf(s)->At(index);
  if (!it.Valid()) return ctx.rb->Null();
  char buf[32];
  ctx.rb->Bulk(it.Get(buf));
}

// ---- LSET key index element ----
void CmdLset(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr) return ctx.rb->Error(errors::kNoSuchKey);
  int64_t index;
  if (!ParseLongOr(args[2], &index, ctx.rb)) return;
  QuickList* ql = ListOf(s);
  if (!ql->At(index).Valid()) return ctx.rb->Error(kIndexOutOfRange);
  ctx.slice().Modified(ctx.db_index, args[1]);
  ql->Replace(index, args[3]);
  notify::Emit(notify::kList, "lset", args[1], ctx.db_index);
  ctx.rb->Ok();
}

// ---- LINSERT key BEFORE|AFTER pivot element ----
void CmdLinsert(ArgSlice args, CommandContext& ctx) {
  bool after;
  if (EqNoCaseC(args[2], "after")) {
    after = true;
  } else if (EqNoCaseC(args[2], "before")) {
    after = false;
  } else {
    return ctx.rb->Error(errors::kSyntax);
  }
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr) return ctx.rb->Integer(0);
  QuickList* ql = ListOf(s);
  for (auto it = ql->Begin(); it.Valid(); it.Next()) {
    if (it.Equals(args[3])) {
      ctx.slice().Modified(ctx.db_index, args[1]);
      ql->InsertAt(it, args[4], after);
      notify::Emit(notify::kList, "linsert", args[1], ctx.db_index);
      return ctx.rb->Integer(static_cast<int64_t>(ql->Size()));
    }
  }
  ctx.rb->Integer(-1);
}

// ---- LREM key count element ----
void CmdLrem(ArgSlice args, CommandContext& ctx) {
  int64_t count;
  if (!ParseLongOr(args[2], &count, ctx.rb)) return;
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr) return ctx.rb->Integer(0);
  QuickList* ql = ListOf(s);
  const bool forward = count >= 0;
  // Redis negates a negative count; LONG_MIN stays "remove every match", as here.
  const uint64_t limit = forward ? static_cast<uint64_t>(count) : 0 - static_cast<uint64_t>(count);
  uint64_t removed = 0;
  auto it = forward ? ql->Begin() : ql->Last();
  while (it.Valid()) {
    if (it.Equals(args[3])) {
      if (removed == 0) ctx.slice().Modified(ctx.db_index, args[1]);
      ql->DeleteAt(it, forward);
      if (++removed == limit) break;
    } else {
      forward ? it.Next() : it.Prev();
    }
  }
  if (removed > 1) ctx.slice().AddDirty(removed - 1);
  if (removed > 0) notify::Emit(notify::kList, "lrem", args[1], ctx.db_index);
  if (ql->Empty()) {
    ctx.slice().Delete(ctx.db_index, s);
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  }
  ctx.rb->Integer(static_cast<int64_t>(removed));
}

// ---- LTRIM key start stop ----
void CmdLtrim(ArgSlice args, CommandContext& ctx) {
  int64_t start, end;
  if (!ParseLongOr(args[2], &start, ctx.rb) || !ParseLongOr(args[3], &end, ctx.rb)) return;
  bool wrong;
  Slot* s = ctx.slice().FindWrite(ctx.db_index, args[1], ObjType::kList, &wrong);
  if (wrong) return ctx.rb->Error(errors::kWrongType);
  if (s == nullptr) return ctx.rb->Ok();
  QuickList* ql = ListOf(s);
  const int64_t len = static_cast<int64_t>(ql->Size());
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= len) {
    ltrim = len;
    rtrim = 0;
  } else {
    if (end >= len) end = len - 1;
    ltrim = start;
    rtrim = len - end - 1;
  }
  // Redis signals LTRIM even when nothing is trimmed; dirty counts the trimmed elements.
  ctx.slice().Modified(ctx.db_index, args[1], static_cast<uint64_t>(ltrim + rtrim));
  ql->DeleteRange(0, ltrim);
  ql->DeleteRange(-rtrim, rtrim);
  notify::Emit(notify::kList, "ltrim", args[1], ctx.db_index);  // even when nothing was trimmed
  if (ql->Empty()) {
    ctx.slice().Delete(ctx.db_index, s);
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  }
  ctx.rb->Ok();
}

// ---- LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] ----
void CmdLpos(ArgSlice args, CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (EqNoCaseC(args[j], "rank") && more) {
      if (!ParseLongOr(args[++j], &rank, ctx.rb)) return;
      if (rank == 0) return ctx.rb->Error(kRankZero);
    } else if (EqNoCaseC(args[j], "count") && more) {
      if (!ParseRange(args[++j], 0, &count, kCountNegative, ctx.rb)) return;
    } else if (EqNoCaseC(args[j], "maxlen") && more) {
      if (!ParseRange(args[++j], 0, &maxlen, kMaxlenNegative, ctx.rb)) return;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  // A negative rank searches from the tail. Redis negates it in a long, so LONG_MIN stays
  // negative and then matches from the first hit on: the wrapping arithmetic below keeps that.
  const bool from_head = rank > 0;
  if (rank < 0) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return count != -1 ? ctx.rb->Array(0) : ctx.rb->Null();
  if (s->entry()->type() != ObjType::kList) return ctx.rb->Error(errors::kWrongType);
  const QuickList* ql = ListOf(s);
  const int64_t len = static_cast<int64_t>(ql->Size());
  std::vector<int64_t> found;
  int64_t matches = 0;
  int64_t index = 0;
  for (auto it = from_head ? ql->Begin() : ql->Last();
       it.Valid() && (maxlen == 0 || index < maxlen); ++index) {
    if (it.Equals(args[2])) {
      ++matches;
      if (matches >= rank) {
        found.push_back(from_head ? index : len - index - 1);
        if (count == -1) break;
        const int64_t taken =
            static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
        if (count != 0 && taken >= count) break;
      }
    }
    from_head ? it.Next() : it.Prev();
  }
  if (count != -1) {
    ctx.rb->Array(found.size());
    for (int64_t i : found) ctx.rb->Integer(i);
  } else if (found.empty()) {
    ctx.rb->Null();
  } else {
    ctx.rb->Integer(found[0]);
  }
}

// ---- LMOVE source destination LEFT|RIGHT LEFT|RIGHT, RPOPLPUSH source destination ----
//
// Phases (one armed transaction when the keys span shards): 1) on both keys' shards, the state of
// the source and whether the destination holds another type; 2) on the source's shard, the pop
// (or, for source == destination, the rotation in place, which keeps the key and its TTL);
// 3) on the destination's shard, the push.
//
// Events in Redis's order: the destination's push, then the source's pop (and `del` when it
// emptied). When both keys are on one shard, the source's events wait for the push (MovePush);
// across shards, each shard emits its own key's events. BLMOVE/BRPOPLPUSH move the same way
// (their state: value and src_emptied).
struct MoveState {
  KeyState src = KeyState::kMissing;
  bool dst_wrong = false;
  bool popped = false;
  bool src_emptied = false;
  std::string value;
};

// The element moved from `from` of src to `to` of dst.
struct MoveSpec {
  std::string_view src, dst;
  End from, to;
  bool same_key() const { return src == dst; }
  // Whether the source's events wait for the push (see above).
  bool one_shard() const {
    const ShardSet& shards = *Server().shards;
    return shards.ShardOf(src) == shards.ShardOf(dst);
  }
};

// Pops from `from` of the non-empty source list in slot s and, when the source is also the
// destination, pushes back at `to` in place. Otherwise deletes the source when it becomes empty
// (*emptied).
void MovePop(DbSlice& slice, DbIndex db, Slot* s, const MoveSpec& m, std::string* value,
             bool* emptied) {
  slice.Modified(db, m.src);
  QuickList* ql = ListOf(s);
  ql->Pop(m.from, value);
  if (m.same_key()) {
    *emptied = false;
    ql->Push(m.to, *value);
    notify::Emit(notify::kList, PushEvent(m.to), m.dst, db);
    notify::Emit(notify::kList, PopEvent(m.from), m.src, db);
    return;
  }
  *emptied = ql->Empty();
  if (*emptied) slice.Delete(db, s);
  if (!m.one_shard()) EmitPopped(db, m.src, m.from, *emptied);
}

// After MovePop (different keys): pushes the element on the destination (d: its slot, or null),
// then emits the source's events when they waited for the push.
void MovePush(DbSlice& slice, DbIndex db, Slot* d, const MoveSpec& m, std::string_view value,
              bool src_emptied) {
  PushOne(slice, db, m.dst, d, value, m.to);
  if (m.one_shard()) EmitPopped(db, m.src, m.from, src_emptied);
}

void MoveGeneric(ArgSlice args, CommandContext& ctx, End from, End to) {
  auto st = std::make_shared<MoveState>();
  const DbIndex db = ctx.db_index;
  const MoveSpec m{args[1], args[2], from, to};
  CommandContext* c = &ctx;
  std::vector<Phase> phases;
  phases.push_back({{1, 2}, [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
                      DbSlice& slice = shard.db_slice();
                      for (uint32_t p : mine) {
                        Slot* s = slice.FindWrite(db, args[p]);
                        bool wrong = s != nullptr && s->entry()->type() != ObjType::kList;
                        if (p == 1) {
                          st->src = s == nullptr ? KeyState::kMissing
                                    : wrong      ? KeyState::kWrongType
                                                 : KeyState::kList;
                        } else {
                          st->dst_wrong = wrong;
                        }
                      }
                    }});
  phases.push_back({{1}, [st, args, db, m](Shard& shard, const std::vector<uint32_t>&) {
                      if (st->src != KeyState::kList || st->dst_wrong) return;
                      DbSlice& slice = shard.db_slice();
                      Slot* s = slice.Find(db, args[1]);
                      if (s == nullptr) {  // expired between the phases
                        st->src = KeyState::kMissing;
                        return;
                      }
                      MovePop(slice, db, s, m, &st->value, &st->src_emptied);
                      st->popped = true;
                    }});
  phases.push_back({{2}, [st, args, db, m](Shard& shard, const std::vector<uint32_t>&) {
                      if (!st->popped || m.same_key()) return;
                      DbSlice& slice = shard.db_slice();
                      MovePush(slice, db, slice.Find(db, args[2]), m, st->value, st->src_emptied);
                    }});
  RunPhases(ctx, args, std::move(phases), [st, c] {
    if (st->src == KeyState::kMissing)
      c->rb->Null();
    else if (!st->popped)
      c->rb->Error(errors::kWrongType);
    else
      c->rb->Bulk(st->value);
    c->Done();
  });
}

void CmdLmove(ArgSlice args, CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(args[3], &from) || !ParseEnd(args[4], &to)) return FailMulti(ctx, errors::kSyntax);
  MoveGeneric(args, ctx, from, to);
}

void CmdRpoplpush(ArgSlice args, CommandContext& ctx) {
  MoveGeneric(args, ctx, End::kTail, End::kHead);
}

// ---- LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] (and BLMPOP's arguments) ----
struct MpopArgs {
  std::vector<uint32_t> keys;  // argument positions
  End end = End::kHead;
  int64_t count = 1;
};

// lmpopGenericCommand's parsing; numkeys is at args[numkeys_pos]. Replies the error on failure.
bool ParseMpop(ArgSlice args, size_t numkeys_pos, MpopArgs* out, ReplyBuilder* rb) {
  int64_t numkeys;
  if (!ParseRange(args[numkeys_pos], 1, &numkeys, errors::kNumkeysPositive, rb)) return false;
  const uint64_t where = numkeys_pos + static_cast<uint64_t>(numkeys) + 1;
  if (where >= args.size()) {
    rb->Error(errors::kSyntax);
    return false;
  }
  if (!ParseEnd(args[where], &out->end)) {
    rb->Error(errors::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where + 1; j < args.size(); ++j) {
    if (!has_count && EqNoCaseC(args[j], "count") && j + 1 < args.size()) {
      if (!ParseRange(args[++j], 1, &out->count, errors::kCountGreaterThanZero, rb)) return false;
      has_count = true;
    } else {
      rb->Error(errors::kSyntax);
      return false;
    }
  }
  for (uint64_t p = numkeys_pos + 1; p < where; ++p) out->keys.push_back(static_cast<uint32_t>(p));
  return true;
}

bool LmpopKeys(ArgSlice args, std::vector<uint32_t>* out) {
  NumKeysPositions(args, 1, out);
  return true;
}

bool BlmpopKeys(ArgSlice args, std::vector<uint32_t>* out) {
  NumKeysPositions(args, 2, out);
  return true;
}

// The reply of LMPOP/BLMPOP: [key, [elements...]].
void ReplyKeyAndElements(ReplyBuilder* rb, std::string_view key,
                         const std::vector<std::string>& items) {
  rb->Array(2);
  rb->Bulk(key);
  ReplyStrings(rb, items);
}

// ---- Blocking: BLPOP/BRPOP key [key ...] timeout, BLMPOP timeout numkeys ..., BLMOVE,
// BRPOPLPUSH ----
struct PopResult {
  std::string key;
  std::vector<std::string> items;
};

void BlockingPopGeneric(ArgSlice args, CommandContext& ctx, End end) {
  BlockingPop op;
  std::string err = ParseBlockTimeout(args.back(), &op.timeout_ms);
  if (!err.empty()) return FailMulti(ctx, err);
  for (uint32_t p = 1; p + 1 < args.size(); ++p) op.keys.push_back(p);
  auto res = std::make_shared<PopResult>();
  op.pop = [res, end](Shard& shard, DbIndex db, std::string_view key) {
    DbSlice& slice = shard.db_slice();
    res->key = key;
    // Logged as the pop that happened (Redis: [LR]POP instead of B[LR]POP).
    journal::Record(db, {end == End::kHead ? "LPOP" : "RPOP", key});
    PopRange(slice, db, key, slice.FindWrite(db, key), end, 1, &res->items);
  };
  op.reply = [res](ReplyBuilder& rb) {
    rb.Array(2);
    rb.Bulk(res->key);
    rb.Bulk(res->items[0]);
  };
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdBlpop(ArgSlice args, CommandContext& ctx) { BlockingPopGeneric(args, ctx, End::kHead); }
void CmdBrpop(ArgSlice args, CommandContext& ctx) { BlockingPopGeneric(args, ctx, End::kTail); }

// LMPOP numkeys ... / BLMPOP timeout numkeys ...: the first existing key in argument order
// decides (WRONGTYPE, or pop from it); BLMPOP waits when none exists, LMPOP answers nil.
void MpopGeneric(ArgSlice args, CommandContext& ctx, bool blocking) {
  auto mp = std::make_shared<MpopArgs>();
  if (!ParseMpop(args, blocking ? 2 : 1, mp.get(), ctx.rb)) return ctx.Done();
  BlockingPop op;
  op.block = blocking;
  if (blocking) {
    std::string err = ParseBlockTimeout(args[1], &op.timeout_ms);
    if (!err.empty()) return FailMulti(ctx, err);
  }
  op.keys = mp->keys;
  auto res = std::make_shared<PopResult>();
  op.pop = [res, mp](Shard& shard, DbIndex db, std::string_view key) {
    DbSlice& slice = shard.db_slice();
    res->key = key;
    PopRange(slice, db, key, slice.FindWrite(db, key), mp->end, mp->count, &res->items);
    // Logged as the pop that happened, with the count taken.
    if (journal::Enabled())
      journal::Record(
          db, {mp->end == End::kHead ? "LPOP" : "RPOP", key, std::to_string(res->items.size())});
  };
  op.reply = [res](ReplyBuilder& rb) { ReplyKeyAndElements(&rb, res->key, res->items); };
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdLmpop(ArgSlice args, CommandContext& ctx) { MpopGeneric(args, ctx, false); }
void CmdBlmpop(ArgSlice args, CommandContext& ctx) { MpopGeneric(args, ctx, true); }

void BlockingMoveGeneric(ArgSlice args, CommandContext& ctx, End from, End to,
                         std::string_view timeout) {
  BlockingPop op;
  std::string err = ParseBlockTimeout(timeout, &op.timeout_ms);
  if (!err.empty()) return FailMulti(ctx, err);
  op.keys = {1};
  op.dst = 2;
  const MoveSpec m{args[1], args[2], from, to};
  auto st = std::make_shared<MoveState>();
  op.check_dst = [m](Shard& shard, DbIndex db) {
    Slot* s = shard.db_slice().Find(db, m.dst);
    return s == nullptr || s->entry()->type() == ObjType::kList;
  };
  const bool rpoplpush = EqNoCaseC(args[0], "brpoplpush");
  op.pop = [st, m, rpoplpush](Shard& shard, DbIndex db, std::string_view key) {
    DbSlice& slice = shard.db_slice();
    // Logged as the move that happens (the push follows in the same transaction or message).
    if (rpoplpush)
      journal::Record(db, {"RPOPLPUSH", m.src, m.dst});
    else
      journal::Record(db, {"LMOVE", m.src, m.dst, m.from == End::kHead ? "LEFT" : "RIGHT",
                           m.to == End::kHead ? "LEFT" : "RIGHT"});
    MovePop(slice, db, slice.FindWrite(db, key), m, &st->value, &st->src_emptied);
  };
  op.push = [st, m](Shard& shard, DbIndex db) {
    if (m.same_key()) return true;
    DbSlice& slice = shard.db_slice();
    bool wrong;
    Slot* s = slice.FindWrite(db, m.dst, ObjType::kList, &wrong);
    if (wrong) return false;
    MovePush(slice, db, s, m, st->value, st->src_emptied);
    return true;
  };
  op.reply = [st](ReplyBuilder& rb) { rb.Bulk(st->value); };
  // Redis 7.0 answers every timed-out list pop, BLMOVE included, with a null array.
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdBlmove(ArgSlice args, CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(args[3], &from) || !ParseEnd(args[4], &to)) return FailMulti(ctx, errors::kSyntax);
  BlockingMoveGeneric(args, ctx, from, to, args[5]);
}

void CmdBrpoplpush(ArgSlice args, CommandContext& ctx) {
  BlockingMoveGeneric(args, ctx, End::kTail, End::kHead, args[3]);
}

}  // namespace

void RegisterListFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kBlock = kWrite | kNoScript | kBlocking;
  // clang-format off
  r.AddFamily(acl_cat::kList, {
      {.name = "lpush", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdLpush},
      {.name = "rpush", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdRpush},
      {.name = "lpushx", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdLpushx},
      {.name = "rpushx", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdRpushx},
      {.name = "lpop", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdLpop},
      {.name = "rpop", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdRpop},
      {.name = "llen", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdLlen},
      {.name = "lrange", .arity = 4, .flags = kReadOnly, .mode = kShard, .fn = CmdLrange},
      {.name = "lindex", .arity = 3, .flags = kReadOnly, .mode = kShard, .fn = CmdLindex},
      {.name = "lset", .arity = 4, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdLset},
      {.name = "linsert", .arity = 5, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdLinsert},
      {.name = "lrem", .arity = 4, .flags = kWrite, .mode = kShard, .fn = CmdLrem},
      {.name = "ltrim", .arity = 4, .flags = kWrite, .mode = kShard, .fn = CmdLtrim},
      {.name = "lpos", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdLpos},
      {.name = "lmove", .arity = 5, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdLmove},
      {.name = "rpoplpush", .arity = 3, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdRpoplpush},
      {.name = "lmpop", .arity = -4, .flags = kWrite, .mode = kMulti, .fn = CmdLmpop,
       .getkeys = LmpopKeys},
      {.name = "blpop", .arity = -3, .flags = kBlock, .mode = kMulti, .fn = CmdBlpop},
      {.name = "brpop", .arity = -3, .flags = kBlock, .mode = kMulti, .fn = CmdBrpop},
      {.name = "blmove", .arity = 6, .flags = kBlock | kDenyOom, .mode = kMulti, .fn = CmdBlmove},
      {.name = "brpoplpush", .arity = 4, .flags = kBlock | kDenyOom, .mode = kMulti,
       .fn = CmdBrpoplpush},
      {.name = "blmpop", .arity = -5, .flags = kWrite | kBlocking, .mode = kMulti, .fn = CmdBlmpop,
       .getkeys = BlmpopKeys},
  });
  // clang-format on
}

}  // namespace shoal
