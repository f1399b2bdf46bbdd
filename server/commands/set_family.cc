// Sets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD
// SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN (Redis 7.0 t_set.c semantics).
//
// A set is an intset while every member is an integer (string2ll rules) and it holds at most
// set-max-intset-entries members, else a StrMap with empty values; it never converts back, except
// where Redis builds a fresh set (STORE results, SPOP rebuilding the remainder).
//
// Single-key commands are kShard. The multi-key ones are kMulti. When all keys share one shard the
// command runs there directly on the live objects. Across shards, SINTER, SUNION, SDIFF,
// SINTERCARD and the STORE variants hold their shards lent to the coordinator thread and read
// the live objects there too (RunPhasesInPlace, ReadSources: no copy, so SINTER of a small set
// with a huge one costs what the small one does, as in Redis); a read whose sources are all small
// copies them in one read hop instead, which costs one round of messages less, and inside EXEC,
// whose shards are parked but not lent, the sources are cloned on their shards. SMOVE is an
// ordered write (RunPhases).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/numbers.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/set_ref.h"
#include "server/string_util.h"
#include "shard/glob.h"
#include "shard/intset.h"
#include "shard/notify.h"
#include "shard/object.h"
#include "shard/str_map.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

// Redis caps the setting at 2^30 because of intset internals.
size_t MaxIntsetEntries() {
  int64_t v = ShardSettings::Get(ShardSettings::set_max_intset_entries);
  return static_cast<size_t>(std::clamp<int64_t>(v, 0, int64_t{1} << 30));
}

// ---- Set values ----

void ReplyInt(ReplyBuilder* rb, int64_t v) {
  char buf[kInt64BufSize];
  rb->Bulk(std::string_view(buf, FormatInt64(v, buf)));
}

// A set value being built or changed; the setters keep enc/obj current through conversions.
struct SetObj {
  ObjEnc enc = ObjEnc::kIntSet;
  void* obj = nullptr;

  uint8_t* is() const { return static_cast<uint8_t*>(obj); }
  StrMap* map() const { return static_cast<StrMap*>(obj); }
  SetRef ref() const { return {enc, obj}; }
  size_t Size() const { return ref().Size(); }

  static SetObj Of(const Entry* e) { return {e->enc(), e->object()}; }
  // setTypeCreate: the encoding a new set takes for its first member.
  static SetObj For(std::string_view first) {
    int64_t v;
    if (ParseInt64(first, &v)) return {ObjEnc::kIntSet, intset::New()};
    return {ObjEnc::kHashTable, new StrMap()};
  }
  static SetObj EmptyIntset() { return {ObjEnc::kIntSet, intset::New()}; }

  void ConvertToMap() {
    auto* map = new StrMap();
    char buf[kInt64BufSize];
    for (uint32_t i = 0, n = intset::Length(is()); i < n; ++i)
      map->Add(std::string_view(buf, FormatInt64(intset::Get(is(), i), buf)));
    intset::Free(is());
    obj = map;
    enc = ObjEnc::kHashTable;
  }

  bool AddInt(int64_t v, std::string_view str) {
    if (enc == ObjEnc::kIntSet) {
      bool added;
      obj = intset::Add(is(), v, &added);
      if (added && intset::Length(is()) > MaxIntsetEntries()) ConvertToMap();
      return added;
    }
    return map()->Add(str);
  }
  // setTypeAdd: true when the member was new.
  bool Add(const Member& m) {
    if (enc == ObjEnc::kIntSet) {
      int64_t v = m.ll;
      if (m.is_int || ParseInt64(m.str, &v)) return AddInt(v, m.str);
      ConvertToMap();
    }
    return map()->Add(m.str);
  }
  bool Add(std::string_view s) { return Add(Member{s}); }
  // setTypeRemove: true when the member was there.
  bool Remove(std::string_view s) {
    if (enc != ObjEnc::kIntSet) return map()->Erase(s);
    int64_t v;
    if (!ParseInt64(s, &v)) return false;
    bool removed;
    obj = intset::Remove(is(), v, &removed);
    return removed;
  }
  void Free() {
    FreeObject(ObjType::kSet, enc, obj);
    obj = nullptr;
  }
};

// Stores a changed value back into its entry (mutations and conversions may move it).
void StoreBack(Entry* e, const SetObj& so) {
  if (so.obj != e->object() || so.enc != e->enc()) e->set_object(so.obj, so.enc);
}

// Stores back, or deletes the key when the set became empty (Redis never keeps empty sets).
// Returns true when it deleted the key.
bool StoreOrDelete(DbSlice& slice, DbIndex db, Slot* s, const SetObj& so) {
  StoreBack(s->entry(), so);
  if (so.Size() != 0) return false;
  slice.Delete(db, s);
  return true;
}

// ---- SADD key member [member ...] ----
void CmdSadd(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTypedForWrite(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  DbSlice& slice = ctx.slice();
  int64_t added = 0;
  if (s == nullptr) {
    SetObj so = SetObj::For(args[2]);
    for (size_t i = 2; i < args.size(); ++i) added += so.Add(args[i]);
    AddObject(slice, ctx.db_index, args[1], ObjType::kSet, so.enc, so.obj);
  } else {
    SetObj so = SetObj::Of(s->entry());
    for (size_t i = 2; i < args.size(); ++i) {
      if (added == 0) {  // signal before the first member that is new
        if (so.ref().Contains(args[i])) continue;
        slice.Modified(ctx.db_index, args[1]);
      }
      added += so.Add(args[i]);
    }
    StoreBack(s->entry(), so);
  }
  if (added > 0) notify::Emit(notify::kSet, "sadd", args[1], ctx.db_index);
  if (added > 1) slice.AddDirty(added - 1);  // Redis: server.dirty += added
  ctx.rb->Integer(added);
}

// ---- SREM key member [member ...] ----
void CmdSrem(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTypedForWrite(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.rb->Integer(0);
  DbSlice& slice = ctx.slice();
  SetObj so = SetObj::Of(s->entry());
  int64_t removed = 0;
  for (size_t i = 2; i < args.size() && so.Size() > 0; ++i) {
    if (removed == 0) {  // signal before the first member that is there
      if (!so.ref().Contains(args[i])) continue;
      slice.Modified(ctx.db_index, args[1]);
    }
    removed += so.Remove(args[i]);
  }
  if (removed > 1) slice.AddDirty(removed - 1);
  const bool emptied = StoreOrDelete(slice, ctx.db_index, s, so);
  if (removed > 0) {
    notify::Emit(notify::kSet, "srem", args[1], ctx.db_index);
    if (emptied) notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  }
  ctx.rb->Integer(removed);
}

// ---- SMEMBERS key ----
void CmdSmembers(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.rb->Set(0);
  SetRef ref = RefOf(s->entry());
  ctx.rb->Set(ref.Size());
  ForEachMember(ref, [&](const Member& m) {
    ctx.rb->Bulk(m.str);
    return true;
  });
}

// ---- SISMEMBER key member ----
void CmdSismember(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  ctx.rb->Integer(s != nullptr && RefOf(s->entry()).Contains(args[2]) ? 1 : 0);
}

// ---- SMISMEMBER key member [member ...] ----
void CmdSmismember(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  SetRef ref = s != nullptr ? RefOf(s->entry()) : SetRef{};
  ctx.rb->Array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.rb->Integer(ref.Contains(args[i]) ? 1 : 0);
}

// ---- SCARD key ----
void CmdScard(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  ctx.rb->Integer(s != nullptr ? static_cast<int64_t>(RefOf(s->entry()).Size()) : 0);
}

// ---- Random members (SPOP, SRANDMEMBER) ----

// Uniform access to one encoding's members, so the sampling algorithms are written once.
struct IntsetMembers {
  const uint8_t* is;
  size_t size() const { return intset::Length(is); }
  int64_t Random() const { return intset::Get(is, RandomU64() % intset::Length(is)); }
  template <class F>
  void ForEach(F&& f) const {
    for (uint32_t i = 0, n = intset::Length(is); i < n; ++i) f(intset::Get(is, i));
  }
};

struct MapMembers {
  const StrMap* map;
  size_t size() const { return map->size(); }
  std::string_view Random() const {
    std::string_view k, v;
    map->Random(RandomU64(), &k, &v);
    return k;
  }
  template <class F>
  void ForEach(F&& f) const {
    map->ForEach([&](std::string_view k, std::string_view) { f(k); });
  }
};

void ReplyMember(ReplyBuilder* rb, int64_t v) { ReplyInt(rb, v); }
void ReplyMember(ReplyBuilder* rb, std::string_view m) { rb->Bulk(m); }

// SRANDMEMBER with a count, after the count == 0 case. Redis's cases: repeats allowed (negative
// count) or a single member: independent draws; count >= size: the whole set; count close to the
// size: drop random members from a copy of all; otherwise draw until `count` distinct.
template <class M>
void RandomMembers(const M& m, uint64_t count, bool unique, ReplyBuilder* rb) {
  using Item = decltype(m.Random());
  const size_t size = m.size();
  if (!unique || count == 1) {
    rb->Array(count);
    for (uint64_t i = 0; i < count; ++i) ReplyMember(rb, m.Random());
    return;
  }
  if (count >= size) {
    rb->Array(size);
    m.ForEach([&](Item v) { ReplyMember(rb, v); });
    return;
  }
  if (count * 3 > size) {
    std::vector<Item> items;
    items.reserve(size);
    m.ForEach([&](Item v) { items.push_back(v); });
    while (items.size() > count) {
      size_t i = RandomU64() % items.size();
      items[i] = items.back();
      items.pop_back();
    }
    rb->Array(count);
    for (const Item& v : items) ReplyMember(rb, v);
    return;
  }
  absl::flat_hash_set<Item> picked;
  picked.reserve(count);
  while (picked.size() < count) picked.insert(m.Random());
  rb->Array(count);
  for (const Item& v : picked) ReplyMember(rb, v);
}

// Removes one random member from a non-empty set and replies it (and keeps a copy in *popped
// when given: the journal logs SPOP as the SREMs of what it took).
void PopRandom(SetObj* so, ReplyBuilder* rb, std::vector<std::string>* popped) {
  if (so->enc == ObjEnc::kIntSet) {
    int64_t v = IntsetMembers{so->is()}.Random();
    ReplyInt(rb, v);
    if (popped != nullptr) popped->push_back(std::to_string(v));
    bool removed;
    so->obj = intset::Remove(so->is(), v, &removed);
    return;
  }
  // Erase reads the key before it frees the node holding it.
  std::string_view k = MapMembers{so->map()}.Random();
  rb->Bulk(k);
  if (popped != nullptr) popped->emplace_back(k);
  so->map()->Erase(k);
}

// spopCommand's propagation: each member taken as an SREM (several: one unit, so MULTI/EXEC).
void PropagatePopped(CommandContext& ctx, std::string_view key,
                     const std::vector<std::string>& popped) {
  ctx.propagate_self = false;
  for (const std::string& m : popped) journal::Record(ctx.db_index, {"SREM", key, m});
}

// Moves one random member of a non-empty set into *keep, which is created for the first one as
// setTypeCreate would (so a remainder of integers becomes an intset again).
void MoveRandom(SetObj* so, SetObj* keep) {
  if (so->enc == ObjEnc::kIntSet) {
    int64_t v = IntsetMembers{so->is()}.Random();
    if (keep->obj == nullptr) *keep = SetObj::EmptyIntset();
    char buf[kInt64BufSize];
    keep->AddInt(v, std::string_view(buf, FormatInt64(v, buf)));
    bool removed;
    so->obj = intset::Remove(so->is(), v, &removed);
    return;
  }
  std::string_view k = MapMembers{so->map()}.Random();
  if (keep->obj == nullptr) *keep = SetObj::For(k);
  keep->Add(k);
  so->map()->Erase(k);
}

// ---- SPOP key [count] ----
void SpopWithCount(ArgSlice args, CommandContext& ctx) {
  int64_t n;
  if (!ParseInt64(args[2], &n) || n < 0) return ctx.rb->Error(errors::kPositiveCount);
  bool wrong;
  Slot* s = FindTypedForWrite(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  if (s == nullptr || n == 0) return ctx.rb->Set(0);
  const uint64_t count = static_cast<uint64_t>(n);
  Entry* e = s->entry();
  SetObj so = SetObj::Of(e);
  const size_t size = so.Size();
  ctx.slice().Modified(ctx.db_index, args[1]);
  // Redis announces the pop before it takes anything (and the delete of an emptied set after).
  notify::Emit(notify::kSet, "spop", args[1], ctx.db_index);
  const bool journal = journal::Enabled();
  std::vector<std::string> popped;
  if (count >= size) {
    ctx.rb->Set(size);
    ForEachMember(so.ref(), [&](const Member& m) {
      ctx.rb->Bulk(m.str);
      return true;
    });
    ctx.slice().Delete(ctx.db_index, s);
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
    if (journal) ctx.Propagate({"DEL", std::string(args[1])});
    return;
  }
  const uint64_t remaining = size - count;
  if (remaining * 5 > count) {
    // Few members asked for: pop them one by one.
    ctx.rb->Set(count);
    for (uint64_t i = 0; i < count; ++i) PopRandom(&so, ctx.rb, journal ? &popped : nullptr);
    StoreBack(e, so);
    if (journal) PropagatePopped(ctx, args[1], popped);
    return;
  }
  // Most of the set asked for: move the few that stay into a new set (which takes the encoding a
  // fresh set would, as in Redis) and reply with what is left in the old one.
  SetObj keep;
  for (uint64_t i = 0; i < remaining; ++i) MoveRandom(&so, &keep);
  ctx.rb->Set(count);
  ForEachMember(so.ref(), [&](const Member& m) {
    ctx.rb->Bulk(m.str);
    if (journal) popped.emplace_back(m.str);
    return true;
  });
  so.Free();
  e->set_object(keep.obj, keep.enc);
  if (journal) PropagatePopped(ctx, args[1], popped);
}

void CmdSpop(ArgSlice args, CommandContext& ctx) {
  if (args.size() == 3) return SpopWithCount(args, ctx);
  if (args.size() > 3) return ctx.rb->Error(errors::kSyntax);
  bool wrong;
  Slot* s = FindTypedForWrite(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.rb->Null();
  ctx.slice().Modified(ctx.db_index, args[1]);
  SetObj so = SetObj::Of(s->entry());
  std::vector<std::string> popped;
  PopRandom(&so, ctx.rb, journal::Enabled() ? &popped : nullptr);
  if (!popped.empty()) PropagatePopped(ctx, args[1], popped);
  notify::Emit(notify::kSet, "spop", args[1], ctx.db_index);
  if (StoreOrDelete(ctx.slice(), ctx.db_index, s, so))
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
}

// ---- SRANDMEMBER key [count] ----
void CmdSrandmember(ArgSlice args, CommandContext& ctx) {
  if (args.size() > 3) return ctx.rb->Error(errors::kSyntax);
  int64_t n = 0;
  if (args.size() == 3) {
    if (!ParseInt64(args[2], &n)) return ctx.rb->Error(errors::kNotInteger);
    if (n == INT64_MIN) return ctx.rb->Error(errors::kRandomCountRange);
  }
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  if (args.size() == 2) {
    if (s == nullptr) return ctx.rb->Null();
    SetRef ref = RefOf(s->entry());
    if (ref.enc == ObjEnc::kIntSet) return ReplyInt(ctx.rb, IntsetMembers{ref.is()}.Random());
    return ctx.rb->Bulk(MapMembers{ref.map()}.Random());
  }
  if (s == nullptr || n == 0) return ctx.rb->Array(0);
  const bool unique = n > 0;
  const uint64_t count = unique ? static_cast<uint64_t>(n) : static_cast<uint64_t>(-n);
  SetRef ref = RefOf(s->entry());
  if (ref.enc == ObjEnc::kIntSet)
    return RandomMembers(IntsetMembers{ref.is()}, count, unique, ctx.rb);
  RandomMembers(MapMembers{ref.map()}, count, unique, ctx.rb);
}

// ---- SMOVE source destination member ----

struct SmoveState {
  bool src_exists = false;
  bool src_wrong = false;
  bool dst_wrong = false;
  bool has_member = false;
};

// Looks at the source (position 1) or the destination (position 2).
void SmoveCheck(DbSlice& slice, DbIndex db, ArgSlice args, uint32_t pos, SmoveState* st) {
  Slot* s = slice.FindWrite(db, args[pos]);
  bool wrong = s != nullptr && s->entry()->type() != ObjType::kSet;
  if (pos == 2) {
    st->dst_wrong = wrong;
    return;
  }
  st->src_exists = s != nullptr;
  st->src_wrong = wrong;
  st->has_member = s != nullptr && !wrong && RefOf(s->entry()).Contains(args[3]);
}

bool SmoveMoves(const SmoveState& st, ArgSlice args) {
  return st.src_exists && !st.src_wrong && !st.dst_wrong && st.has_member && args[1] != args[2];
}

// Redis's order of checks: a missing source answers 0 before any type check; moving to the same
// set only tells whether the member is there.
void SmoveReply(const SmoveState& st, ReplyBuilder* rb) {
  if (!st.src_exists) return rb->Integer(0);
  if (st.src_wrong || st.dst_wrong) return rb->Error(errors::kWrongType);
  rb->Integer(st.has_member ? 1 : 0);
}

// Removes the member from the source (position 1) or adds it to the destination (position 2). As
// Redis, the destination is signalled (and `sadd` emitted) only when the member is new there.
void SmoveApply(DbSlice& slice, DbIndex db, ArgSlice args, uint32_t pos) {
  std::string_view member = args[3];
  Slot* s = slice.Find(db, args[pos]);
  if (pos == 1) {
    if (s == nullptr) return;  // expired since the check (time moves between hops)
    slice.Modified(db, args[1]);
    SetObj so = SetObj::Of(s->entry());
    so.Remove(member);
    const bool emptied = StoreOrDelete(slice, db, s, so);
    notify::Emit(notify::kSet, "srem", args[1], db);
    if (emptied) notify::Emit(notify::kGeneric, "del", args[1], db);
    return;
  }
  if (s == nullptr) {
    SetObj so = SetObj::For(member);
    so.Add(member);
    AddObject(slice, db, args[2], ObjType::kSet, so.enc, so.obj);
  } else {
    SetObj so = SetObj::Of(s->entry());
    if (so.ref().Contains(member)) return;
    slice.Modified(db, args[2]);
    so.Add(member);
    StoreBack(s->entry(), so);
  }
  notify::Emit(notify::kSet, "sadd", args[2], db);
}

void CmdSmove(ArgSlice args, CommandContext& ctx) {
  const DbIndex db = ctx.db_index;
  // Check both keys, then remove and add in one hop (one shard or two: RunPhases runs the phases
  // inline when both keys are on the command's shard).
  auto st = std::make_shared<SmoveState>();
  std::vector<Phase> phases(2);
  phases[0].positions = {1, 2};
  phases[0].fn = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    for (uint32_t p : mine) SmoveCheck(shard.db_slice(), db, args, p, st.get());
  };
  phases[1].positions = {1, 2};
  phases[1].fn = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    if (!SmoveMoves(*st, args)) return;
    for (uint32_t p : mine) SmoveApply(shard.db_slice(), db, args, p);
  };
  CommandContext* c = &ctx;
  RunPhases(ctx, args, std::move(phases), [st, c] {
    SmoveReply(*st, c->rb);
    c->Done();
  });
}

// ---- SINTER, SUNION, SDIFF, SINTERCARD and the STORE variants ----

enum class SetOp : uint8_t { kUnion, kDiff, kInter };

// The sources of a set operation, one per key in argument order: the live objects (on the
// command's own shard, or on shards lent to its thread), or, inside EXEC across shards, clones
// this struct owns.
struct Sources {
  std::vector<SetRef> sets;
  std::vector<char> wrong;      // per source: the key holds another type
  std::vector<char> looked_up;  // per source: its lookup was recorded (a first, copying attempt)
  bool owned = false;

  Sources() = default;
  Sources(const Sources&) = delete;
  Sources& operator=(const Sources&) = delete;
  ~Sources() {
    if (!owned) return;
    for (SetRef& r : sets)
      if (r.obj != nullptr) FreeObject(ObjType::kSet, r.enc, const_cast<void*>(r.obj));
  }
  bool AnyWrong() const { return std::find(wrong.begin(), wrong.end(), 1) != wrong.end(); }
};

// Reads source i (key args[pos]) on the shard owning it; `clone`: a copy that outlives the hop.
// `record`: the lookup counts as Redis's lookupKeyRead does (access time, keyspace hit or miss,
// keymiss event); false for a key an earlier attempt of the same command looked up already.
void ReadSource(DbSlice& slice, DbIndex db, std::string_view key, bool clone, size_t i,
                Sources* src, bool record = true) {
  bool wrong = false;
  Slot* s;
  if (record) {
    s = slice.FindRead(db, key, ObjType::kSet, &wrong);
  } else {
    s = slice.Find(db, key);
    if (s != nullptr && s->entry()->type() != ObjType::kSet) {
      wrong = true;
      s = nullptr;
    }
  }
  src->wrong[i] = wrong;
  if (s == nullptr) return;
  SetRef r = RefOf(s->entry());
  if (clone) r.obj = CloneObject(ObjType::kSet, r.enc, r.obj);
  src->sets[i] = r;
}

// Calls f(member) for each member of the intersection until f returns false. Smallest set first,
// checking the others, as Redis does.
template <class F>
void ForEachInInter(std::vector<SetRef> sets, F&& f) {
  for (const SetRef& r : sets)
    if (r.obj == nullptr) return;  // intersection with an empty set
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetRef& a, const SetRef& b) { return a.Size() < b.Size(); });
  ForEachMember(sets[0], [&](const Member& m) {
    for (size_t j = 1; j < sets.size(); ++j)
      if (!sets[j].Contains(m)) return true;
    return f(m);
  });
}

// SUNION/SDIFF (and the STORE of SINTER): the result as a new set built member by member, so it
// takes the encoding Redis's setTypeAdd sequence gives it. `first_repeats`: a later source is the
// first key again (SDIFF is then empty).
SetObj BuildSetOp(SetOp op, std::vector<SetRef> sets, bool first_repeats) {
  SetObj out = SetObj::EmptyIntset();
  auto add = [&](const Member& m) {
    out.Add(m);
    return true;
  };
  if (op == SetOp::kInter) {
    ForEachInInter(std::move(sets), add);
    return out;
  }
  if (op == SetOp::kUnion) {
    for (const SetRef& r : sets) ForEachMember(r, add);
    return out;
  }
  if (sets[0].obj == nullptr || first_repeats) return out;
  // Redis picks the cheaper of: (1) each member of the first set not in any other; (2) add the
  // first set, remove the others. They differ in the encoding of the result, so choose the same.
  uint64_t work_one = 0, work_two = 0;
  for (const SetRef& r : sets) {
    if (r.obj == nullptr) continue;
    work_one += sets[0].Size();
    work_two += r.Size();
  }
  if (work_one / 2 <= work_two) {
    // Larger sets first: a member is more likely to be found early.
    std::stable_sort(sets.begin() + 1, sets.end(),
                     [](const SetRef& a, const SetRef& b) { return a.Size() > b.Size(); });
    ForEachMember(sets[0], [&](const Member& m) {
      for (size_t j = 1; j < sets.size(); ++j)
        if (sets[j].Contains(m)) return true;
      out.Add(m);
      return true;
    });
    return out;
  }
  ForEachMember(sets[0], add);
  for (size_t j = 1; j < sets.size() && out.Size() > 0; ++j) {
    ForEachMember(sets[j], [&](const Member& m) {
      out.Remove(m.str);
      return out.Size() > 0;
    });
  }
  return out;
}

// The reply of SINTER/SUNION/SDIFF/SINTERCARD (limit: SINTERCARD's LIMIT, 0 = none).
void ReplySetOp(SetOp op, bool card, uint64_t limit, const Sources& src, bool first_repeats,
                ReplyBuilder* rb) {
  if (src.AnyWrong()) return rb->Error(errors::kWrongType);
  if (card) {
    uint64_t n = 0;
    ForEachInInter(src.sets, [&](const Member&) { return ++n != limit; });
    return rb->Integer(static_cast<int64_t>(n));
  }
  if (op == SetOp::kInter) {
    // Members are written as found; the count is known only at the end.
    std::string body;
    ReplyBuilder body_rb(&body, rb->resp());
    size_t n = 0;
    ForEachInInter(src.sets, [&](const Member& m) {
      body_rb.Bulk(m.str);
      ++n;
      return true;
    });
    rb->Set(n);
    rb->out()->append(body);
    return;
  }
  SetObj result = BuildSetOp(op, src.sets, first_repeats);
  rb->Set(result.Size());
  ForEachMember(result.ref(), [&](const Member& m) {
    rb->Bulk(m.str);
    return true;
  });
  result.Free();
}

// Computes the STORE result on the destination's shard and stores it (an empty result deletes
// the destination). Returns the result's size.
int64_t StoreSetOp(SetOp op, const Sources& src, bool first_repeats, DbSlice& slice, DbIndex db,
                   std::string_view dst) {
  SetObj result = BuildSetOp(op, src.sets, first_repeats);
  const size_t size = result.Size();
  if (size == 0) {
    result.Free();
    if (slice.DeleteKey(db, dst)) notify::Emit(notify::kGeneric, "del", dst, db);
    return 0;
  }
  PutObject(slice, db, dst, ObjType::kSet, result.enc, result.obj);
  notify::Emit(notify::kSet,
               op == SetOp::kUnion  ? "sunionstore"
               : op == SetOp::kDiff ? "sdiffstore"
                                    : "sinterstore",
               dst, db);
  return static_cast<int64_t>(size);
}

// Whether a key after the first names the first key again.
bool FirstRepeats(ArgSlice args, const std::vector<uint32_t>& pos) {
  for (size_t i = 1; i < pos.size(); ++i)
    if (args[pos[i]] == args[pos[0]]) return true;
  return false;
}

// The most members one shard's sources of a set read may hold for an own transaction to copy
// them (one read hop) rather than hold the shards and read them in place (an arm and a
// conclusion): on the development machine a round of messages costs about what copying a hundred
// members does (~11 us against ~75 ns a member).
constexpr size_t kCopyMaxMembers = 128;

// The members of the sets at `mine` (no access recorded: a size check before the real reads).
size_t SourceMembers(DbSlice& slice, DbIndex db, ArgSlice args, const std::vector<uint32_t>& mine) {
  size_t n = 0;
  for (uint32_t p : mine) {
    Slot* s = slice.Find(db, args[p]);
    if (s != nullptr && s->entry()->type() == ObjType::kSet) n += RefOf(s->entry()).Size();
  }
  return n;
}

// The read commands: keys at `pos`.
void SetOpRead(ArgSlice args, CommandContext& ctx, SetOp op, std::vector<uint32_t> pos, bool card,
               uint64_t limit) {
  const DbIndex db = ctx.db_index;
  const bool first_repeats = FirstRepeats(args, pos);
  if (ctx.shard != nullptr) {
    Sources src;
    src.sets.resize(pos.size());
    src.wrong.resize(pos.size());
    for (size_t i = 0; i < pos.size(); ++i) {
      ReadSource(ctx.slice(), db, args[pos[i]], /*clone=*/false, i, &src);
      if (src.wrong[i]) break;  // Redis stops at the first wrong type
    }
    ReplySetOp(op, card, limit, src, first_repeats, ctx.rb);
    return ctx.Done();
  }
  // Across shards: copies of small sources, the others in place (ReadSources). A key the
  // copying attempt looked up is not recorded again in place (one hit or miss, one keymiss).
  struct State {
    Sources copies, live;
  };
  auto st = std::make_shared<State>();
  for (Sources* s : {&st->copies, &st->live}) {
    s->sets.resize(pos.size());
    s->wrong.resize(pos.size());
  }
  st->copies.owned = true;
  st->copies.looked_up.resize(pos.size());
  const uint32_t first = pos[0];  // the keys are consecutive arguments
  CommandContext* c = &ctx;
  SourceReads reads;
  reads.small = [args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    return SourceMembers(shard.db_slice(), db, args, mine) <= kCopyMaxMembers;
  };
  reads.copy = [st, first, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    for (uint32_t p : mine) {
      ReadSource(shard.db_slice(), db, args[p], /*clone=*/true, p - first, &st->copies);
      st->copies.looked_up[p - first] = 1;
    }
  };
  reads.read = [st, first, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
    for (uint32_t p : mine) {
      const size_t i = p - first;
      ReadSource(shard.db_slice(), db, args[p], /*clone=*/false, i, &st->live,
                 /*record=*/st->copies.looked_up[i] == 0);
    }
  };
  reads.compute = [st, c, op, card, limit, first_repeats](bool copied) {
    ReplySetOp(op, card, limit, copied ? st->copies : st->live, first_repeats, c->rb);
  };
  ReadSources(ctx, args, std::move(pos), std::move(reads));
}

// The STORE commands: destination args[1], sources args[2...].
void SetOpStore(ArgSlice args, CommandContext& ctx, SetOp op) {
  const DbIndex db = ctx.db_index;
  std::vector<uint32_t> pos;
  for (uint32_t i = 2; i < args.size(); ++i) pos.push_back(i);
  const bool first_repeats = FirstRepeats(args, pos);
  if (ctx.shard != nullptr) {
    Sources src;
    src.sets.resize(pos.size());
    src.wrong.resize(pos.size());
    for (size_t i = 0; i < pos.size(); ++i) {
      ReadSource(ctx.slice(), db, args[pos[i]], /*clone=*/false, i, &src);
      if (src.wrong[i]) {
        return FailMulti(ctx, errors::kWrongType);
      }
    }
    ctx.rb->Integer(StoreSetOp(op, src, first_repeats, ctx.slice(), db, args[1]));
    return ctx.Done();
  }
  // Read the sources, then build and store the result on the destination's shard, all in one
  // armed transaction: in place where the shards can lend their data to this thread, else
  // (inside EXEC) from copies.
  const bool in_place = CanRunInPlace(ctx);
  struct State {
    Sources src;
    int64_t stored = 0;
  };
  auto st = std::make_shared<State>();
  st->src.owned = !in_place;
  st->src.sets.resize(pos.size());
  st->src.wrong.resize(pos.size());
  std::vector<Phase> phases(2);
  phases[0].positions = pos;
  phases[0].fn = [st, args, db, in_place](Shard& shard, const std::vector<uint32_t>& mine) {
    for (uint32_t p : mine)
      ReadSource(shard.db_slice(), db, args[p], /*clone=*/!in_place, p - 2, &st->src);
  };
  phases[1].positions = {1};
  phases[1].fn = [st, args, db, op, first_repeats](Shard& shard, const std::vector<uint32_t>&) {
    if (st->src.AnyWrong()) return;
    st->stored = StoreSetOp(op, st->src, first_repeats, shard.db_slice(), db, args[1]);
  };
  CommandContext* c = &ctx;
  auto reply = [st, c] {
    if (st->src.AnyWrong()) {
      c->rb->Error(errors::kWrongType);
    } else {
      c->rb->Integer(st->stored);
    }
  };
  RunPhasesThenReply(ctx, args, std::move(phases), std::move(reply));
}

std::vector<uint32_t> PositionsFrom(ArgSlice args, uint32_t first) {
  std::vector<uint32_t> pos;
  for (uint32_t i = first; i < args.size(); ++i) pos.push_back(i);
  return pos;
}

void CmdSinter(ArgSlice args, CommandContext& ctx) {
  SetOpRead(args, ctx, SetOp::kInter, PositionsFrom(args, 1), false, 0);
}
void CmdSunion(ArgSlice args, CommandContext& ctx) {
  SetOpRead(args, ctx, SetOp::kUnion, PositionsFrom(args, 1), false, 0);
}
void CmdSdiff(ArgSlice args, CommandContext& ctx) {
  SetOpRead(args, ctx, SetOp::kDiff, PositionsFrom(args, 1), false, 0);
}
void CmdSinterstore(ArgSlice args, CommandContext& ctx) { SetOpStore(args, ctx, SetOp::kInter); }
void CmdSunionstore(ArgSlice args, CommandContext& ctx) { SetOpStore(args, ctx, SetOp::kUnion); }
void CmdSdiffstore(ArgSlice args, CommandContext& ctx) { SetOpStore(args, ctx, SetOp::kDiff); }

// ---- SINTERCARD numkeys key [key ...] [LIMIT limit] ----
void CmdSintercard(ArgSlice args, CommandContext& ctx) {
  auto fail = [&](std::string_view msg) { FailMulti(ctx, msg); };
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys) || numkeys < 1) return fail(errors::kNumkeysPositive);
  if (static_cast<uint64_t>(numkeys) > args.size() - 2) return fail(errors::kTooManyKeys);
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < args.size(); ++i) {
    if (EqNoCaseC(args[i], "limit") && i + 1 < args.size()) {
      ++i;
      if (!ParseInt64(args[i], &limit) || limit < 0) return fail(errors::kLimitNegative);
    } else {
      return fail(errors::kSyntax);
    }
  }
  std::vector<uint32_t> pos;
  for (uint32_t i = 0; i < numkeys; ++i) pos.push_back(2 + i);
  SetOpRead(args, ctx, SetOp::kInter, std::move(pos), true, static_cast<uint64_t>(limit));
}

bool SintercardKeys(ArgSlice args, std::vector<uint32_t>* out) {
  NumKeysPositions(args, 1, out);
  return true;
}

// ---- SSCAN key cursor [MATCH pattern] [COUNT count] ----

void CmdSscan(ArgSlice args, CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.rb->Error(errors::kInvalidCursor);
  bool wrong;
  Slot* s = FindTyped(ctx, args[1], ObjType::kSet, &wrong);
  if (wrong) return;
  // Redis answers an empty scan before it looks at the options.
  if (s == nullptr) return ReplyScanHead(*ctx.rb, 0, 0);
  ScanOptions opt;
  if (std::string err = ParseScanOptions(args, 3, &opt); !err.empty()) return ctx.rb->Error(err);
  SetRef ref = RefOf(s->entry());
  std::vector<std::string_view> found;
  std::string ints;  // intset members, printed back to back (views are taken once it is final)
  std::vector<uint32_t> ends;
  if (ref.enc == ObjEnc::kIntSet) {
    // An intset is returned whole, with cursor 0, whatever the cursor and COUNT.
    ForEachMember(ref, [&](const Member& m) {
      if (opt.Matches(m.str)) {
        ints.append(m.str);
        ends.push_back(static_cast<uint32_t>(ints.size()));
      }
      return true;
    });
    uint32_t start = 0;
    for (uint32_t end : ends) {
      found.emplace_back(ints.data() + start, end - start);
      start = end;
    }
    cursor = 0;
  } else {
    uint64_t steps = opt.MaxSteps();
    size_t seen = 0;
    const StrMap::Visit visit = [&](std::string_view k, std::string_view) {
      ++seen;
      if (opt.Matches(k)) found.push_back(k);
    };
    do {
      cursor = ref.map()->Scan(cursor, visit);
    } while (cursor != 0 && steps-- > 0 && seen < static_cast<uint64_t>(opt.count));
  }
  ReplyScanHead(*ctx.rb, cursor, found.size());
  for (std::string_view m : found) ctx.rb->Bulk(m);
}

}  // namespace

void RegisterSetFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kSet, {
      {.name = "sadd", .arity = -3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdSadd},
      {.name = "srem", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdSrem},
      {.name = "smembers", .arity = 2, .flags = kReadOnly, .mode = kShard, .fn = CmdSmembers},
      {.name = "sismember", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdSismember},
      {.name = "smismember", .arity = -3, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdSmismember},
      {.name = "scard", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdScard},
      {.name = "spop", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdSpop},
      {.name = "srandmember", .arity = -2, .flags = kReadOnly, .mode = kShard,
       .fn = CmdSrandmember},
      {.name = "smove", .arity = 4, .flags = kWrite | kFast, .mode = kMulti, .fn = CmdSmove},
      {.name = "sinter", .arity = -2, .flags = kReadOnly, .mode = kMulti, .fn = CmdSinter},
      {.name = "sintercard", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdSintercard,
       .getkeys = SintercardKeys},
      {.name = "sunion", .arity = -2, .flags = kReadOnly, .mode = kMulti, .fn = CmdSunion},
      {.name = "sdiff", .arity = -2, .flags = kReadOnly, .mode = kMulti, .fn = CmdSdiff},
      {.name = "sinterstore", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdSinterstore},
      {.name = "sunionstore", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdSunionstore},
      {.name = "sdiffstore", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdSdiffstore},
      {.name = "sscan", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdSscan},
  });
  // clang-format on
}

}  // namespace shoal
