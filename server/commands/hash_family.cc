// Hashes: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY
// HINCRBYFLOAT HRANDFIELD HSCAN (Redis 7.0 t_hash.c semantics). Every handler runs on the shard
// owning its key (kShard).
//
// Encodings: a listpack [field, value, field, value ...] while the hash has at most
// hash-max-listpack-entries fields and every field and value is at most hash-max-listpack-value
// bytes; past either limit it becomes a StrMap ("hashtable") and never goes back, as in Redis.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/numbers.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/string_util.h"
#include "shard/glob.h"
#include "shard/listpack.h"
#include "shard/notify.h"
#include "shard/str_map.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kHashNotInteger[] = "ERR hash value is not an integer";
constexpr char kHashNotFloat[] = "ERR hash value is not a float";
constexpr char kIncrNanOrInf[] = "ERR value is NaN or Infinity";
constexpr char kOutOfRange[] = "ERR value is out of range";

// Redis refuses to grow a listpack past 1 GB (LISTPACK_MAX_SAFETY_SIZE) and converts instead.
constexpr size_t kListpackSafetySize = size_t{1} << 30;
// Bytes a listpack element printed as text may need (an int64 and its NUL).
constexpr size_t kScratch = 24;

uint8_t* Lp(const Entry* e) { return static_cast<uint8_t*>(e->object()); }
StrMap* Map(const Entry* e) { return static_cast<StrMap*>(e->object()); }
bool IsListpack(const Entry* e) { return e->enc() == ObjEnc::kListPack; }

size_t MaxValue() {
  return static_cast<size_t>(ShardSettings::Get(ShardSettings::hash_max_listpack_value));
}
size_t MaxEntries() {
  return static_cast<size_t>(ShardSettings::Get(ShardSettings::hash_max_listpack_entries));
}

size_t HashLen(const Entry* e) { return IsListpack(e) ? lp::Length(Lp(e)) / 2 : Map(e)->size(); }

// The listpack position of field, or nullptr.
uint8_t* LpFindField(uint8_t* lpp, std::string_view field) {
  uint8_t* first = lp::First(lpp);
  return first == nullptr ? nullptr : lp::Find(lpp, first, field, 1);
}

// The value of field (listpack integers are printed into scratch); false when absent.
bool HashGet(const Entry* e, std::string_view field, char* scratch, std::string_view* value) {
  if (!IsListpack(e)) return Map(e)->Find(field, value);
  uint8_t* lpp = Lp(e);
  uint8_t* p = LpFindField(lpp, field);
  if (p == nullptr) return false;
  *value = lp::Get(lp::Next(lpp, p)).Str(scratch);
  return true;
}

// Calls fn(field, value) for every pair, in the encoding's order.
template <typename Fn>
void ForEachPair(const Entry* e, Fn&& fn) {
  if (IsListpack(e)) {
    uint8_t* lpp = Lp(e);
    char fbuf[kScratch], vbuf[kScratch];
    for (uint8_t* p = lp::First(lpp); p != nullptr;) {
      uint8_t* v = lp::Next(lpp, p);
      fn(lp::Get(p).Str(fbuf), lp::Get(v).Str(vbuf));
      p = lp::Next(lpp, v);
    }
    return;
  }
  Map(e)->ForEach([&fn](std::string_view k, std::string_view v) { fn(k, v); });
}

// hashTypeConvert: listpack -> hashtable.
void ConvertToMap(Entry* e) {
  auto* map = new StrMap();
  ForEachPair(e, [map](std::string_view f, std::string_view v) { map->Set(f, v); });
  uint8_t* old = Lp(e);
  e->set_object(map, ObjEnc::kHashTable);
  lp::Free(old);
}

// hashTypeTryConversion: converts before a write whose arguments args[from..] would not fit the
// listpack limits.
void ConvertForArgs(Entry* e, ArgSlice args, size_t from) {
  if (!IsListpack(e)) return;
  size_t sum = 0;
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i].size() > MaxValue()) return ConvertToMap(e);
    sum += args[i].size();
  }
  if (lp::Bytes(Lp(e)) + sum > kListpackSafetySize) ConvertToMap(e);
}

// hashTypeSet: inserts or overwrites; true when the field is new. Converts when the pair is too
// long for the listpack (HINCRBY* reach here without ConvertForArgs) or the hash grows past
// hash-max-listpack-entries.
bool HashSet(Entry* e, std::string_view field, std::string_view value) {
  if (IsListpack(e) && (field.size() > MaxValue() || value.size() > MaxValue())) ConvertToMap(e);
  if (!IsListpack(e)) return Map(e)->Set(field, value);
  uint8_t* lpp = Lp(e);
  uint8_t* p = LpFindField(lpp, field);
  if (p != nullptr) {
    e->set_object(lp::Replace(lpp, lp::Next(lpp, p), value, nullptr), ObjEnc::kListPack);
    return false;
  }
  lpp = lp::Append(lp::Append(lpp, field), value);
  e->set_object(lpp, ObjEnc::kListPack);
  if (lp::Length(lpp) / 2 > MaxEntries()) ConvertToMap(e);
  return true;
}

bool HashDelete(Entry* e, std::string_view field) {
  if (!IsListpack(e)) return Map(e)->Erase(field);
  uint8_t* lpp = Lp(e);
  uint8_t* p = LpFindField(lpp, field);
  if (p == nullptr) return false;
  uint8_t* value = nullptr;
  lpp = lp::Delete(lpp, p, &value);
  e->set_object(lp::Delete(lpp, value, nullptr), ObjEnc::kListPack);
  return true;
}

// hashTypeLookupWriteOrCreate: the hash under key, created empty when missing (*created set: the
// creation signalled the key); nullptr (and WRONGTYPE replied) when the key holds another type.
// The caller stores at least one field, and signals an existing key (DbSlice::Modified) before
// changing it.
Entry* LookupWriteOrCreate(CommandContext& ctx, std::string_view key, bool* created) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, key);
  *created = s == nullptr;
  if (s == nullptr) {
    s = AddObject(slice, ctx.db_index, key, ObjType::kHash, ObjEnc::kListPack, lp::New());
  } else if (s->entry()->type() != ObjType::kHash) {
    ctx.rb->Error(errors::kWrongType);
    return nullptr;
  }
  return s->entry();
}

// lookupKeyRead + checkType: the hash under key, or nullptr (WRONGTYPE replied when *wrong).
Entry* LookupRead(CommandContext& ctx, std::string_view key, bool* wrong) {
  Slot* s = FindTyped(ctx, key, ObjType::kHash, wrong);
  return s == nullptr ? nullptr : s->entry();
}

// ---- HSET key field value [field value ...] / HMSET ----
void HsetGeneric(ArgSlice args, CommandContext& ctx, bool hmset) {
  if (args.size() % 2 == 1) {
    return ctx.rb->Error("ERR wrong number of arguments for '" + ctx.cid->name + "' command");
  }
  bool new_key;
  Entry* e = LookupWriteOrCreate(ctx, args[1], &new_key);
  if (e == nullptr) return;
  // Every pair counts as a change, as in Redis (even one that sets a field to its value).
  const uint64_t pairs = (args.size() - 2) / 2;
  if (new_key)
    ctx.slice().AddDirty(pairs - 1);
  else
    ctx.slice().Modified(ctx.db_index, args[1], pairs);
  ConvertForArgs(e, args, 2);
  int64_t created = 0;
  for (size_t i = 2; i < args.size(); i += 2) created += HashSet(e, args[i], args[i + 1]);
  notify::Emit(notify::kHash, "hset", args[1], ctx.db_index);
  if (hmset) return ctx.rb->Ok();
  ctx.rb->Integer(created);
}

void CmdHset(ArgSlice args, CommandContext& ctx) { HsetGeneric(args, ctx, false); }
void CmdHmset(ArgSlice args, CommandContext& ctx) { HsetGeneric(args, ctx, true); }

// ---- HSETNX key field value ----
void CmdHsetnx(ArgSlice args, CommandContext& ctx) {
  bool new_key;
  Entry* e = LookupWriteOrCreate(ctx, args[1], &new_key);
  if (e == nullptr) return;
  char scratch[kScratch];
  std::string_view old;
  // Redis 7.0 checks for the field before the length conversion: an existing field leaves the
  // encoding alone whatever the value's length.
  if (HashGet(e, args[2], scratch, &old)) return ctx.rb->Integer(0);
  if (!new_key) ctx.slice().Modified(ctx.db_index, args[1]);
  ConvertForArgs(e, args, 2);
  HashSet(e, args[2], args[3]);
  notify::Emit(notify::kHash, "hset", args[1], ctx.db_index);
  ctx.rb->Integer(1);
}

// ---- HGET key field ----
void CmdHget(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  char scratch[kScratch];
  std::string_view v;
  if (e == nullptr || !HashGet(e, args[2], scratch, &v)) return ctx.rb->Null();
  ctx.rb->Bulk(v);
}

// ---- HMGET key field [field ...] ----
void CmdHmget(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.rb->Array(args.size() - 2);
  char scratch[kScratch];
  std::string_view v;
  for (size_t i = 2; i < args.size(); ++i) {
    if (e != nullptr && HashGet(e, args[i], scratch, &v))
      ctx.rb->Bulk(v);
    else
      ctx.rb->Null();
  }
}

// ---- HDEL key field [field ...] ----
void CmdHdel(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(0);
  Entry* e = s->entry();
  if (e->type() != ObjType::kHash) return ctx.rb->Error(errors::kWrongType);
  int64_t deleted = 0;
  bool removed = false;
  for (size_t i = 2; i < args.size(); ++i) {
    // Signal before the first field that is really there goes.
    if (deleted == 0) {
      char scratch[kScratch];
      std::string_view v;
      if (!HashGet(e, args[i], scratch, &v)) continue;
      slice.Modified(ctx.db_index, args[1]);
    }
    if (!HashDelete(e, args[i])) continue;
    if (++deleted > 1) slice.AddDirty(1);
    if (HashLen(e) == 0) {
      slice.Delete(ctx.db_index, s);
      removed = true;
      break;
    }
  }
  if (deleted > 0) notify::Emit(notify::kHash, "hdel", args[1], ctx.db_index);
  if (removed) notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  ctx.rb->Integer(deleted);
}

// ---- HLEN key ----
void CmdHlen(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.rb->Integer(e == nullptr ? 0 : static_cast<int64_t>(HashLen(e)));
}

// ---- HSTRLEN key field ----
void CmdHstrlen(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  char scratch[kScratch];
  std::string_view v;
  if (e == nullptr || !HashGet(e, args[2], scratch, &v)) return ctx.rb->Integer(0);
  ctx.rb->Integer(static_cast<int64_t>(v.size()));
}

// ---- HEXISTS key field ----
void CmdHexists(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  char scratch[kScratch];
  std::string_view v;
  ctx.rb->Integer(e != nullptr && HashGet(e, args[2], scratch, &v) ? 1 : 0);
}

// ---- HKEYS / HVALS / HGETALL key ----
void HgetallGeneric(ArgSlice args, CommandContext& ctx, bool keys, bool values) {
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  size_t n = e == nullptr ? 0 : HashLen(e);
  if (keys && values)
    ctx.rb->Map(n);
  else
    ctx.rb->Array(n);
  if (e == nullptr) return;
  ReplyBuilder* rb = ctx.rb;
  ForEachPair(e, [rb, keys, values](std::string_view f, std::string_view v) {
    if (keys) rb->Bulk(f);
    if (values) rb->Bulk(v);
  });
}

void CmdHkeys(ArgSlice args, CommandContext& ctx) { HgetallGeneric(args, ctx, true, false); }
void CmdHvals(ArgSlice args, CommandContext& ctx) { HgetallGeneric(args, ctx, false, true); }
void CmdHgetall(ArgSlice args, CommandContext& ctx) { HgetallGeneric(args, ctx, true, true); }

// ---- HINCRBY key field increment ----
void CmdHincrby(ArgSlice args, CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64(args[3], &incr)) return ctx.rb->Error(errors::kNotInteger);
  bool new_key;
  Entry* e = LookupWriteOrCreate(ctx, args[1], &new_key);
  if (e == nullptr) return;
  char scratch[kScratch];
  std::string_view old;
  int64_t value = 0;
  if (HashGet(e, args[2], scratch, &old) && !ParseInt64(old, &value))
    return ctx.rb->Error(kHashNotInteger);
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value)))
    return ctx.rb->Error(errors::kOverflow);
  value += incr;
  if (!new_key) ctx.slice().Modified(ctx.db_index, args[1]);
  char buf[kInt64BufSize];
  HashSet(e, args[2], std::string_view(buf, FormatInt64(value, buf)));
  notify::Emit(notify::kHash, "hincrby", args[1], ctx.db_index);
  ctx.rb->Integer(value);
}

// ---- HINCRBYFLOAT key field increment ----
void CmdHincrbyfloat(ArgSlice args, CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) return ctx.rb->Error(errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.rb->Error(kIncrNanOrInf);
  bool new_key;
  Entry* e = LookupWriteOrCreate(ctx, args[1], &new_key);
  if (e == nullptr) return;
  char scratch[kScratch];
  std::string_view old;
  long double value = 0;
  if (HashGet(e, args[2], scratch, &old) && !ParseLongDouble(old, &value))
    return ctx.rb->Error(kHashNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.rb->Error(errors::kNanOrInf);
  std::string out = FormatLongDouble(value);
  if (!new_key) ctx.slice().Modified(ctx.db_index, args[1]);
  HashSet(e, args[2], out);
  notify::Emit(notify::kHash, "hincrbyfloat", args[1], ctx.db_index);
  // Replayed as the value it produced (hincrbyfloatCommand's HSET).
  if (journal::Enabled()) ctx.Propagate({"HSET", std::string(args[1]), std::string(args[2]), out});
  ctx.rb->Bulk(out);
}

// ---- HRANDFIELD key [count [WITHVALUES]] ----

// One field (and its value) of a hash picked for the reply: a listpack field position, or views
// into the StrMap (valid while the handler runs: nothing mutates the hash meanwhile).
struct Pick {
  uint8_t* lp_field = nullptr;
  std::string_view field, value;
};

void ReplyPick(ReplyBuilder* rb, uint8_t* lpp, const Pick& p, bool withvalues) {
  if (withvalues && rb->resp() > 2) rb->Array(2);
  if (p.lp_field != nullptr) {
    char buf[kScratch];
    rb->Bulk(lp::Get(p.lp_field).Str(buf));
    if (withvalues) rb->Bulk(lp::Get(lp::Next(lpp, p.lp_field)).Str(buf));
    return;
  }
  rb->Bulk(p.field);
  if (withvalues) rb->Bulk(p.value);
}

// Every pair of the hash as picks.
std::vector<Pick> AllPicks(const Entry* e) {
  std::vector<Pick> all;
  all.reserve(HashLen(e));
  if (IsListpack(e)) {
    uint8_t* lpp = Lp(e);
    for (uint8_t* p = lp::First(lpp); p != nullptr; p = lp::Next(lpp, lp::Next(lpp, p)))
      all.push_back(Pick{p, {}, {}});
  } else {
    Map(e)->ForEach([&all](std::string_view f, std::string_view v) {
      all.push_back(Pick{nullptr, f, v});
    });
  }
  return all;
}

void HrandfieldWithCount(CommandContext& ctx, Entry* e, int64_t l, bool withvalues) {
  ReplyBuilder* rb = ctx.rb;
  if (e == nullptr || l == 0) return rb->Array(0);
  size_t size = HashLen(e);
  bool uniq = l > 0;
  uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  uint8_t* lpp = IsListpack(e) ? Lp(e) : nullptr;
  size_t width = withvalues && rb->resp() == 2 ? 2 : 1;

  // Repeats allowed (negative count), or a single field: independent samples, in random order.
  if (!uniq || count == 1) {
    rb->Array(count * width);
    if (lpp != nullptr) {
      std::vector<Pick> all = AllPicks(e);
      while (count--) ReplyPick(rb, lpp, all[RandomU64() % all.size()], withvalues);
    } else {
      const StrMap* map = Map(e);
      Pick p;
      while (count--) {
        map->Random(RandomU64(), &p.field, &p.value);
        ReplyPick(rb, nullptr, p, withvalues);
      }
    }
    return;
  }

  rb->Array(std::min<uint64_t>(count, size) * width);
  // The whole hash, in its own order.
  if (count >= size) {
    for (const Pick& p : AllPicks(e)) ReplyPick(rb, lpp, p, withvalues);
    return;
  }
  // A few distinct fields of a big table: random draws until `count` distinct ones, like Redis's
  // CASE 4 (cheaper than listing the table).
  if (lpp == nullptr && count * 3 <= size) {
    const StrMap* map = Map(e);
    absl::flat_hash_set<std::string_view> seen;
    Pick p;
    while (seen.size() < count) {
      map->Random(RandomU64(), &p.field, &p.value);
      if (seen.insert(p.field).second) ReplyPick(rb, nullptr, p, withvalues);
    }
    return;
  }
  // Otherwise a partial Fisher-Yates shuffle of every pair.
  std::vector<Pick> all = AllPicks(e);
  for (size_t i = 0; i < count; ++i) {
    std::swap(all[i], all[i + RandomU64() % (all.size() - i)]);
    ReplyPick(rb, lpp, all[i], withvalues);
  }
}

void CmdHrandfield(ArgSlice args, CommandContext& ctx) {
  if (args.size() >= 3) {
    int64_t l;
    if (!ParseInt64(args[2], &l)) return ctx.rb->Error(errors::kNotInteger);
    if (l == INT64_MIN) return ctx.rb->Error(errors::kRandomCountRange);
    bool withvalues = false;
    if (args.size() > 4 || (args.size() == 4 && !EqNoCaseC(args[3], "withvalues")))
      return ctx.rb->Error(errors::kSyntax);
    if (args.size() == 4) {
      withvalues = true;
      if (l < -INT64_MAX / 2 || l > INT64_MAX / 2) return ctx.rb->Error(kOutOfRange);
    }
    bool wrong;
    Entry* e = LookupRead(ctx, args[1], &wrong);
    if (wrong) return;
    return HrandfieldWithCount(ctx, e, l, withvalues);
  }
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.rb->Null();
  if (IsListpack(e)) {
    uint8_t* lpp = Lp(e);
    char buf[kScratch];
    return ctx.rb->Bulk(lp::Get(lp::Seek(lpp, 2 * (RandomU64() % HashLen(e)))).Str(buf));
  }
  std::string_view f, v;
  Map(e)->Random(RandomU64(), &f, &v);
  ctx.rb->Bulk(f);
}

// ---- HSCAN key cursor [MATCH pattern] [COUNT count] ----

void CmdHscan(ArgSlice args, CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.rb->Error(errors::kInvalidCursor);
  bool wrong;
  Entry* e = LookupRead(ctx, args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) return ReplyScanHead(*ctx.rb, 0, 0);
  ScanOptions opt;
  if (std::string err = ParseScanOptions(args, 3, &opt); !err.empty()) return ctx.rb->Error(err);
  ReplyBuilder* rb = ctx.rb;
  if (IsListpack(e)) {
    // A listpack hash is small: it is returned whole, with cursor 0, as in Redis. Two passes
    // (count, then reply) keep listpack integers in stack scratch.
    size_t n = 0;
    ForEachPair(e, [&](std::string_view f, std::string_view) { n += opt.Matches(f); });
    ReplyScanHead(*rb, 0, n * 2);
    ForEachPair(e, [&](std::string_view f, std::string_view v) {
      if (!opt.Matches(f)) return;
      rb->Bulk(f);
      rb->Bulk(v);
    });
    return;
  }
  // Redis stops once it holds COUNT reply items (a field and its value count two) or after 10 *
  // COUNT table steps; MATCH filters afterwards. The views stay valid: nothing mutates the hash
  // while the handler runs.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  uint64_t max_steps = opt.MaxSteps();
  const StrMap* map = Map(e);
  uint64_t next = cursor;
  do {
    next = map->Scan(
        next, [&pairs](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
  } while (next != 0 && max_steps-- > 0 && pairs.size() * 2 < static_cast<uint64_t>(opt.count));
  std::erase_if(pairs, [&](const auto& p) { return !opt.Matches(p.first); });
  ReplyScanHead(*rb, next, pairs.size() * 2);
  for (const auto& [f, v] : pairs) {
    rb->Bulk(f);
    rb->Bulk(v);
  }
}

}  // namespace

void RegisterHashFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kHash, {
      {.name = "hset", .arity = -4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdHset},
      {.name = "hsetnx", .arity = 4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdHsetnx},
      {.name = "hget", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdHget},
      {.name = "hmget", .arity = -3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdHmget},
      {.name = "hmset", .arity = -4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdHmset},
      {.name = "hdel", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdHdel},
      {.name = "hlen", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdHlen},
      {.name = "hstrlen", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdHstrlen},
      {.name = "hexists", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdHexists},
      {.name = "hkeys", .arity = 2, .flags = kReadOnly, .mode = kShard, .fn = CmdHkeys},
      {.name = "hvals", .arity = 2, .flags = kReadOnly, .mode = kShard, .fn = CmdHvals},
      {.name = "hgetall", .arity = 2, .flags = kReadOnly, .mode = kShard, .fn = CmdHgetall},
      {.name = "hincrby", .arity = 4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdHincrby},
      {.name = "hincrbyfloat", .arity = 4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdHincrbyfloat},
      {.name = "hrandfield", .arity = -2, .flags = kReadOnly, .mode = kShard, .fn = CmdHrandfield},
      {.name = "hscan", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdHscan},
  });
  // clang-format on
}

}  // namespace shoal
