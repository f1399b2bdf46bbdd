// Sorted sets: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK, the ZRANGE
// family and ZRANGESTORE, ZREMRANGEBY*, ZPOPMIN/ZPOPMAX/ZMPOP and their blocking forms,
// ZRANDMEMBER, ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD and ZSCAN (Redis 7.0 t_zset.c semantics).
//
// Values are a listpack while they stay within zset-max-listpack-entries/-value, a ZSet
// (shard/zset.h) beyond; they convert exactly when Redis converts and never back, except that the
// STORE commands pick the encoding of the result as Redis does. Single-key commands run on the
// key's shard (kShard). Multi-key ones are kMulti: reads through RunOnKeyShards, writes through
// RunPhases (read the sources, then write the destination; ZMPOP: inspect, then pop from the first
// existing key), blocking pops through RunBlockingPop. Shard functions copy what they read into
// the command's own state; nothing points into shard data after a hop. The exception is the
// algebra (ZUNION/ZINTER/ZDIFF and their STOREs), which reads its sources where they lie
// (SetOpGeneric).
#include "server/commands/zset_family.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "base/numbers.h"
#include "server/blocking_ops.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/set_ref.h"
#include "server/string_util.h"
#include "shard/glob.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/notify.h"
#include "shard/object.h"
#include "shard/str_map.h"
#include "shard/zset.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kMinMaxNotFloat[] = "ERR min or max is not a float";
constexpr char kMinMaxNotLex[] = "ERR min or max not valid string range item";
constexpr char kNan[] = "ERR resulting score is not a number (NaN)";
constexpr char kXxNx[] = "ERR XX and NX options at the same time are not compatible";
constexpr char kGtLtNx[] = "ERR GT, LT, and/or NX options at the same time are not compatible";
constexpr char kIncrPair[] = "ERR INCR option supports a single increment-element pair";
constexpr char kLimitRank[] =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
constexpr char kScoresLex[] =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
constexpr char kWeightNotFloat[] = "ERR weight value is not a float";

// A member and its score copied out of a shard.
using Element = std::pair<std::string, double>;

int64_t MaxListpackEntries() {
  return ShardSettings::Get(ShardSettings::zset_max_listpack_entries);
}
int64_t MaxListpackValue() { return ShardSettings::Get(ShardSettings::zset_max_listpack_value); }

// A value that may hold these elements (count, longest member) is a listpack in Redis.
bool FitsListpack(size_t count, size_t max_len) {
  return static_cast<int64_t>(count) <= MaxListpackEntries() &&
         static_cast<int64_t>(max_len) <= MaxListpackValue();
}

bool ElementLess(const Element& a, const Element& b) {
  return a.second < b.second || (a.second == b.second && CompareMembers(a.first, b.first) < 0);
}

// A new sorted-set value holding `elems` (sorted by ElementLess, members distinct), in the
// encoding Redis gives a STORE result (zsetConvertToListpackIfNeeded).
std::pair<ObjEnc, void*> BuildValue(const std::vector<Element>& elems) {
  size_t max_len = 0;
  for (const auto& e : elems) max_len = std::max(max_len, e.first.size());
  if (FitsListpack(elems.size(), max_len)) {
    uint8_t* lp = lp::New();
    char buf[zlp::kScoreBufSize];
    for (const auto& e : elems) {
      lp = lp::Append(lp, e.first);
      lp = lp::Append(lp, zlp::EncodeScore(e.second, buf));
    }
    return {ObjEnc::kListPack, lp};
  }
  auto* zs = new ZSet();
  for (const auto& e : elems) zs->Insert(e.first, e.second);
  return {ObjEnc::kSkipList, zs};
}

// Stores elems (sorted by ElementLess) under key, replacing the key and its TTL, and emits
// `event`; or deletes the key when elems is empty (`del` when there was one).
void StoreResult(DbSlice& slice, DbIndex db, std::string_view key,
                 const std::vector<Element>& elems, const char* event) {
  if (elems.empty()) {
    if (slice.DeleteKey(db, key)) notify::Emit(notify::kGeneric, "del", key, db);
    return;
  }
  auto [enc, obj] = BuildValue(elems);
  PutObject(slice, db, key, ObjType::kZSet, enc, obj);
  notify::Emit(notify::kZset, event, key, db);
}

// ---- range arguments ----

// zslParseRange: strtod over the argument as a C string, "(" making the end exclusive; NaN and
// trailing bytes refused (leading spaces, hex and "inf" are accepted, as strtod takes them).
bool ParseScoreBound(std::string_view arg, double* v, bool* ex) {
  std::string s(arg);
  const char* p = s.c_str();
  *ex = *p == '(';
  if (*ex) ++p;
  char* end = nullptr;
  *v = std::strtod(p, &end);
  return *end == '\0' && !std::isnan(*v);
}

bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// zslParseLexRangeItem: "-" / "+" alone (up to a NUL, as a C string), or "(" / "[" + bytes.
bool ParseLexBound(std::string_view arg, ZLexRange::Kind* kind, std::string_view* v, bool* ex) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() > 1 && arg[1] != '\0') return false;
      *kind = arg[0] == '+' ? ZLexRange::kPlusInf : ZLexRange::kMinusInf;
      *ex = true;
      return true;
    case '(':
    case '[':
      *kind = ZLexRange::kValue;
      *ex = arg[0] == '(';
      *v = arg.substr(1);
      return true;
    default:
      return false;
  }
}

bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* r) {
  return ParseLexBound(min, &r->min_kind, &r->min, &r->minex) &&
         ParseLexBound(max, &r->max_kind, &r->max, &r->maxex);
}

// Redis's clamping of a rank range (negative ranks count from the end): false when it is empty,
// else it is the *count ranks from *first (counted from the walk's starting end).
bool ClampRanks(int64_t llen, int64_t start, int64_t end, int64_t* first, int64_t* count) {
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return false;
  if (end >= llen) end = llen - 1;
  *first = start;
  *count = end - start + 1;
  return true;
}

// ---- ZADD / ZINCRBY ----

enum AddFlag : int { kIncr = 1, kNx = 2, kXx = 4, kGt = 8, kLt = 16, kCh = 32 };
enum AddOut : int { kNop = 1, kAdded = 2, kUpdated = 4, kNanOut = 8 };

// zsetAdd on the value in e: adds or updates member under the NX/XX/GT/LT/INCR rules, converting a
// listpack that would outgrow its limits. Returns AddOut bits; *newscore gets the resulting score
// when the element was added or updated. before_change() runs right before the value changes
// (only when it does).
template <typename BeforeChange>
int ZsetAdd(Entry* e, double score, std::string_view member, int flags, double* newscore,
            BeforeChange&& before_change) {
  const bool incr = flags & kIncr, nx = flags & kNx, xx = flags & kXx, gt = flags & kGt,
             lt = flags & kLt;
  bool zs_new = false;  // converted just now, after before_change()
  if (e->enc() == ObjEnc::kListPack) {
    auto* lp = static_cast<uint8_t*>(e->object());
    double cur;
    if (uint8_t* eptr = zlp::Find(lp, member, &cur)) {
      if (nx) return kNop;
      if (incr) {
        score += cur;
        if (std::isnan(score)) return kNanOut;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return kNop;
      *newscore = score;
      if (score == cur) return 0;
      before_change();
      lp = zlp::Delete(lp, eptr);
      e->set_object(zlp::Insert(lp, member, score), ObjEnc::kListPack);
      return kUpdated;
    }
    if (xx) return kNop;
    before_change();
    if (static_cast<int64_t>(zlp::Length(lp)) + 1 <= MaxListpackEntries() &&
        static_cast<int64_t>(member.size()) <= MaxListpackValue()) {
      e->set_object(zlp::Insert(lp, member, score), ObjEnc::kListPack);
      *newscore = score;
      return kAdded;
    }
    e->set_object(zlp::ToZSet(lp), ObjEnc::kSkipList);
    lp::Free(lp);
    zs_new = true;
  }
  auto* zs = static_cast<ZSet*>(e->object());
  if (const ZSet::Node* n = zs->Find(member)) {
    if (nx) return kNop;
    double cur = n->score();
    if (incr) {
      score += cur;
      if (std::isnan(score)) return kNanOut;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return kNop;
    *newscore = score;
    if (score == cur) return 0;
    before_change();
    zs->UpdateScore(n, score);
    return kUpdated;
  }
  if (xx) return kNop;
  if (!zs_new) before_change();
  zs->Insert(member, score);
  *newscore = score;
  return kAdded;
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY shares it.
void ZaddGeneric(ArgSlice args, CommandContext& ctx, int flags) {
  size_t idx = 2;
  for (; idx < args.size(); ++idx) {
    std::string_view o = args[idx];
    if (EqNoCaseC(o, "nx"))
      flags |= kNx;
    else if (EqNoCaseC(o, "xx"))
      flags |= kXx;
    else if (EqNoCaseC(o, "ch"))
      flags |= kCh;
    else if (EqNoCaseC(o, "incr"))
      flags |= kIncr;
    else if (EqNoCaseC(o, "gt"))
      flags |= kGt;
    else if (EqNoCaseC(o, "lt"))
      flags |= kLt;
    else
      break;
  }
  size_t elements = args.size() - idx;
  if (elements % 2 != 0 || elements == 0) return ctx.rb->Error(errors::kSyntax);
  elements /= 2;
  const bool incr = flags & kIncr, nx = flags & kNx, xx = flags & kXx, gt = flags & kGt,
             lt = flags & kLt;
  if (nx && xx) return ctx.rb->Error(kXxNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return ctx.rb->Error(kGtLtNx);
  if (incr && elements > 1) return ctx.rb->Error(kIncrPair);
  // Every score is checked before anything changes.
  double inline_scores[8];
  std::vector<double> heap_scores;
  double* scores = inline_scores;
  if (elements > std::size(inline_scores)) {
    heap_scores.resize(elements);
    scores = heap_scores.data();
  }
  for (size_t j = 0; j < elements; ++j)
    if (!ParseDouble(args[idx + 2 * j], &scores[j])) return ctx.rb->Error(errors::kNotFloat);

  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  DbSlice& slice = ctx.slice();
  // Redis signals the key when an element was added or updated; a new key was signalled by Add.
  bool signalled = slot == nullptr;
  auto before_change = [&] {
    if (!signalled) slice.Modified(ctx.db_index, args[1], 0);
    signalled = true;
  };
  const bool created = slot == nullptr && !xx;
  if (created) {
    // Redis 7.0 sizes a new key by its first member only; later members convert it if needed.
    std::string_view first = args[idx + 1];
    bool listpack =
        MaxListpackEntries() != 0 && static_cast<int64_t>(first.size()) <= MaxListpackValue();
    slot = AddObject(ctx.slice(), ctx.db_index, args[1], ObjType::kZSet,
                     listpack ? ObjEnc::kListPack : ObjEnc::kSkipList,
                     listpack ? static_cast<void*>(lp::New()) : new ZSet());
  }
  if (slot != nullptr) {
    for (size_t j = 0; j < elements; ++j) {
      double newscore = 0;
      int out =
          ZsetAdd(slot->entry(), scores[j], args[idx + 2 * j + 1], flags, &newscore, before_change);
      if (out & kNanOut) return ctx.rb->Error(kNan);
      if (out & kAdded) ++added;
      if (out & kUpdated) ++updated;
      if (!(out & kNop)) ++processed;
      score = newscore;
    }
  }
  // server.dirty += added + updated (Add counted one for a new key).
  uint64_t changes = static_cast<uint64_t>(added + updated);
  if (slot != nullptr && changes > 0) slice.AddDirty(created ? changes - 1 : changes);
  if (changes > 0) notify::Emit(notify::kZset, incr ? "zincr" : "zadd", args[1], ctx.db_index);
  if (incr) {
    if (processed)
      ctx.rb->Double(score);
    else
      ctx.rb->Null();
  } else {
    ctx.rb->Integer((flags & kCh) ? added + updated : added);
  }
}

void CmdZadd(ArgSlice args, CommandContext& ctx) { ZaddGeneric(args, ctx, 0); }
void CmdZincrby(ArgSlice args, CommandContext& ctx) { ZaddGeneric(args, ctx, kIncr); }

// ---- ZREM key member [member ...] ----
void CmdZrem(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, args[1], ObjType::kZSet, &wrong);
  if (slot == nullptr) {
    if (!wrong) ctx.rb->Integer(0);
    return;
  }
  Entry* e = slot->entry();
  int64_t deleted = 0;
  bool emptied = false;
  // Signals before the first member that is there goes (Redis: when any is deleted).
  auto before_delete = [&] {
    if (deleted == 0) ctx.slice().Modified(ctx.db_index, args[1]);
  };
  for (size_t j = 2; j < args.size(); ++j) {
    if (e->enc() == ObjEnc::kListPack) {
      auto* lp = static_cast<uint8_t*>(e->object());
      double cur;
      if (uint8_t* eptr = zlp::Find(lp, args[j], &cur)) {
        before_delete();
        e->set_object(zlp::Delete(lp, eptr), ObjEnc::kListPack);
        ++deleted;
      }
    } else if (auto* zs = static_cast<ZSet*>(e->object()); zs->Find(args[j]) != nullptr) {
      before_delete();
      zs->Erase(args[j]);
      ++deleted;
    }
    if (ZView(e).size() == 0) {
      ctx.slice().Delete(ctx.db_index, slot);
      emptied = true;
      break;
    }
  }
  if (deleted > 0) {
    notify::Emit(notify::kZset, "zrem", args[1], ctx.db_index);
    if (emptied) notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  }
  if (deleted > 1) ctx.slice().AddDirty(static_cast<uint64_t>(deleted - 1));
  ctx.rb->Integer(deleted);
}

// ---- ZCARD / ZSCORE / ZMSCORE / ZRANK / ZREVRANK / ZCOUNT / ZLEXCOUNT ----
void CmdZcard(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Integer(slot == nullptr ? 0 : static_cast<int64_t>(ZView(slot->entry()).size()));
}

void CmdZscore(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  double score;
  if (slot == nullptr || !ZView(slot->entry()).Score(args[2], &score)) return ctx.rb->Null();
  ctx.rb->Double(score);
}

void CmdZmscore(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    double score;
    if (slot == nullptr || !ZView(slot->entry()).Score(args[j], &score))
      ctx.rb->Null();
    else
      ctx.rb->Double(score);
  }
}

void RankGeneric(ArgSlice args, CommandContext& ctx, bool reverse) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  if (slot == nullptr) return ctx.rb->Null();
  ZView v(slot->entry());
  size_t rank;
  if (!v.Rank(args[2], &rank)) return ctx.rb->Null();
  ctx.rb->Integer(static_cast<int64_t>(reverse ? v.size() - 1 - rank : rank));
}

void CmdZrank(ArgSlice args, CommandContext& ctx) { RankGeneric(args, ctx, false); }
void CmdZrevrank(ArgSlice args, CommandContext& ctx) { RankGeneric(args, ctx, true); }

void CmdZcount(ArgSlice args, CommandContext& ctx) {
  ZScoreRange r;
  if (!ParseScoreRange(args[2], args[3], &r)) return ctx.rb->Error(kMinMaxNotFloat);
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Integer(slot == nullptr ? 0 : static_cast<int64_t>(ZView(slot->entry()).Count(r)));
}

void CmdZlexcount(ArgSlice args, CommandContext& ctx) {
  ZLexRange r;
  if (!ParseLexRange(args[2], args[3], &r)) return ctx.rb->Error(kMinMaxNotLex);
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Integer(slot == nullptr ? 0 : static_cast<int64_t>(ZView(slot->entry()).Count(r)));
}

// ---- ZRANGE family ----

struct RangeReq {
  enum Type { kAuto, kRank, kScore, kLex };
  Type type = kAuto;
  int dir = 0;  // 0: not given yet, 1: forward, -1: reverse
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;
  int64_t start = 0;
  int64_t end = 0;
  ZScoreRange score;
  ZLexRange lex;
};

// zrangeGenericCommand's argument parsing: options after <key> <min> <max>, then the range.
// Returns "" or the error reply.
std::string ParseRangeArgs(ArgSlice args, size_t key_idx, bool store, RangeReq* r) {
  for (size_t j = key_idx + 3; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view o = args[j];
    if (!store && EqNoCaseC(o, "withscores")) {
      r->withscores = true;
    } else if (EqNoCaseC(o, "limit") && left >= 2) {
      if (!ParseLong(args[j + 1], &r->offset) || !ParseLong(args[j + 2], &r->limit))
        return errors::kNotInteger;
      j += 2;
    } else if (r->dir == 0 && EqNoCaseC(o, "rev")) {
      r->dir = -1;
    } else if (r->type == RangeReq::kAuto && EqNoCaseC(o, "bylex")) {
      r->type = RangeReq::kLex;
    } else if (r->type == RangeReq::kAuto && EqNoCaseC(o, "byscore")) {
      r->type = RangeReq::kScore;
    } else {
      return errors::kSyntax;
    }
  }
  if (r->dir == 0) r->dir = 1;
  if (r->type == RangeReq::kAuto) r->type = RangeReq::kRank;
  if (r->limit != -1 && r->type == RangeReq::kRank) return kLimitRank;
  if (r->withscores && r->type == RangeReq::kLex) return kScoresLex;
  size_t minidx = key_idx + 1, maxidx = key_idx + 2;
  if (r->dir < 0 && r->type != RangeReq::kRank) std::swap(minidx, maxidx);
  switch (r->type) {
    case RangeReq::kScore:
      if (!ParseScoreRange(args[minidx], args[maxidx], &r->score)) return kMinMaxNotFloat;
      break;
    case RangeReq::kLex:
      if (!ParseLexRange(args[minidx], args[maxidx], &r->lex)) return kMinMaxNotLex;
      break;
    default:
      if (!ParseLong(args[minidx], &r->start) || !ParseLong(args[maxidx], &r->end))
        return errors::kNotInteger;
  }
  return "";
}

// Calls fn(iter) on every element of the range, in reply order; returns how many. Score and lex
// ranges start where Redis starts them, skip `offset` elements and stop at the first element out
// of range or after `limit` (negative: no limit).
template <typename Fn>
size_t WalkRange(const ZView& v, const RangeReq& r, Fn&& fn) {
  const bool rev = r.dir < 0;
  auto step = [rev](ZIter& it) {
    if (rev)
      it.Prev();
    else
      it.Next();
  };
  if (r.type == RangeReq::kRank) {
    int64_t llen = static_cast<int64_t>(v.size()), first, count;
    if (!ClampRanks(llen, r.start, r.end, &first, &count)) return 0;
    ZIter it = v.AtRank(static_cast<size_t>(rev ? llen - 1 - first : first));
    for (int64_t i = 0; i < count; ++i, step(it)) fn(it);
    return static_cast<size_t>(count);
  }
  // Redis's `while (ln && offset--)` never ends early for a negative offset: nothing is left.
  if (r.offset < 0) return 0;
  const bool by_score = r.type == RangeReq::kScore;
  ZIter it = by_score ? (rev ? v.LastIn(r.score) : v.FirstIn(r.score))
                      : (rev ? v.LastIn(r.lex) : v.FirstIn(r.lex));
  for (int64_t skip = r.offset; it.valid() && skip > 0; --skip) step(it);
  size_t n = 0;
  for (int64_t limit = r.limit; it.valid() && limit != 0; --limit, step(it)) {
    bool in = by_score ? (rev ? r.score.GteMin(it.score()) : r.score.LteMax(it.score()))
                       : (rev ? r.lex.GteMin(it.member()) : r.lex.LteMax(it.member()));
    if (!in) break;
    fn(it);
    ++n;
  }
  return n;
}

// Array header for n elements, with or without scores (RESP3: [member, score] pairs).
void ElementsHeader(ReplyBuilder* rb, size_t n, bool withscores) {
  rb->Array(withscores && rb->resp() == 2 ? 2 * n : n);
}

void ElementReply(ReplyBuilder* rb, std::string_view member, double score, bool withscores) {
  if (withscores && rb->resp() > 2) rb->Array(2);
  rb->Bulk(member);
  if (withscores) rb->Double(score);
}

void ReplyElements(ReplyBuilder* rb, const std::vector<Element>& elems, bool withscores) {
  ElementsHeader(rb, elems.size(), withscores);
  for (const auto& e : elems) ElementReply(rb, e.first, e.second, withscores);
}

void RangeGeneric(ArgSlice args, CommandContext& ctx, RangeReq::Type type, int dir) {
  RangeReq r;
  r.type = type;
  r.dir = dir;
  std::string err = ParseRangeArgs(args, 1, /*store=*/false, &r);
  if (!err.empty()) return ctx.rb->Error(err);
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  if (slot == nullptr) return ctx.rb->Array(0);
  ZView v(slot->entry());
  size_t n;
  if (r.type == RangeReq::kRank) {
    int64_t first, count;
    n = ClampRanks(static_cast<int64_t>(v.size()), r.start, r.end, &first, &count) ? count : 0;
  } else {
    n = WalkRange(v, r, [](const ZIter&) {});
  }
  ReplyBuilder* rb = ctx.rb;
  const bool ws = r.withscores;
  ElementsHeader(rb, n, ws);
  WalkRange(v, r, [rb, ws](const ZIter& it) { ElementReply(rb, it.member(), it.score(), ws); });
}

void CmdZrange(ArgSlice args, CommandContext& ctx) { RangeGeneric(args, ctx, RangeReq::kAuto, 0); }
void CmdZrevrange(ArgSlice args, CommandContext& ctx) {
  RangeGeneric(args, ctx, RangeReq::kRank, -1);
}
void CmdZrangebyscore(ArgSlice args, CommandContext& ctx) {
  RangeGeneric(args, ctx, RangeReq::kScore, 1);
}
void CmdZrevrangebyscore(ArgSlice args, CommandContext& ctx) {
  RangeGeneric(args, ctx, RangeReq::kScore, -1);
}
void CmdZrangebylex(ArgSlice args, CommandContext& ctx) {
  RangeGeneric(args, ctx, RangeReq::kLex, 1);
}
void CmdZrevrangebylex(ArgSlice args, CommandContext& ctx) {
  RangeGeneric(args, ctx, RangeReq::kLex, -1);
}

// ---- ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] ----
void CmdZrangestore(ArgSlice args, CommandContext& ctx) {
  auto r = std::make_shared<RangeReq>();
  std::string err = ParseRangeArgs(args, 2, /*store=*/true, r.get());
  if (!err.empty()) return FailMulti(ctx, err);
  struct State {
    bool wrong = false;
    std::vector<Element> elems;
  };
  auto st = std::make_shared<State>();
  const DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  std::vector<Phase> phases;
  phases.push_back({{2}, [st, r, args, db](Shard& shard, const std::vector<uint32_t>&) {
                      bool wrong;
                      Slot* s = shard.db_slice().FindRead(db, args[2], ObjType::kZSet, &wrong);
                      st->wrong = wrong;
                      if (s == nullptr) return;
                      WalkRange(ZView(s->entry()), *r, [&st](const ZIter& it) {
                        st->elems.emplace_back(std::string(it.member()), it.score());
                      });
                    }});
  phases.push_back({{1}, [st, r, args, db](Shard& shard, const std::vector<uint32_t>&) {
                      if (st->wrong) return;
                      // Redis fills the destination with zsetAdd, starting from a listpack unless
                      // a rank range is known to be too long: elements added while it was still
                      // a listpack lost the sign of a -0 score there.
                      auto& elems = st->elems;
                      int64_t entries = MaxListpackEntries(), value = MaxListpackValue();
                      bool as_listpack = r->type != RangeReq::kRank ||
                                         static_cast<int64_t>(elems.size()) <= entries;
                      for (size_t i = 0; as_listpack && i < elems.size(); ++i) {
                        if (static_cast<int64_t>(i) + 1 > entries ||
                            static_cast<int64_t>(elems[i].first.size()) > value)
                          break;
                        if (elems[i].second == 0) elems[i].second = 0.0;
                      }
                      if (r->dir < 0) std::reverse(elems.begin(), elems.end());
                      StoreResult(shard.db_slice(), db, args[1], elems, "zrangestore");
                    }});
  RunPhases(ctx, args, std::move(phases), [st, c] {
    if (st->wrong)
      c->rb->Error(errors::kWrongType);
    else
      c->rb->Integer(static_cast<int64_t>(st->elems.size()));
    c->Done();
  });
}

// ---- ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX key min max ----
void RemRangeGeneric(ArgSlice args, CommandContext& ctx, RangeReq::Type type) {
  RangeReq r;
  r.type = type;
  if (type == RangeReq::kRank) {
    if (!ParseLong(args[2], &r.start) || !ParseLong(args[3], &r.end))
      return ctx.rb->Error(errors::kNotInteger);
  } else if (type == RangeReq::kScore) {
    if (!ParseScoreRange(args[2], args[3], &r.score)) return ctx.rb->Error(kMinMaxNotFloat);
  } else if (!ParseLexRange(args[2], args[3], &r.lex)) {
    return ctx.rb->Error(kMinMaxNotLex);
  }
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, args[1], ObjType::kZSet, &wrong);
  if (slot == nullptr) {
    if (!wrong) ctx.rb->Integer(0);
    return;
  }
  Entry* e = slot->entry();
  ZView v(e);
  size_t deleted = 0;
  if (type == RangeReq::kRank) {
    int64_t first, count;
    if (!ClampRanks(static_cast<int64_t>(v.size()), r.start, r.end, &first, &count))
      return ctx.rb->Integer(0);
    deleted = static_cast<size_t>(count);
    ctx.slice().Modified(ctx.db_index, args[1], deleted);
    if (v.listpack())
      e->set_object(zlp::DeleteRanks(v.lp(), first, deleted), ObjEnc::kListPack);
    else
      static_cast<ZSet*>(e->object())->EraseRanks(first, first + count - 1);
  } else if (v.listpack()) {
    size_t start;
    if (type == RangeReq::kScore)
      zlp::FindRange(v.lp(), r.score, &start, &deleted);
    else
      zlp::FindRange(v.lp(), r.lex, &start, &deleted);
    if (deleted > 0) {
      ctx.slice().Modified(ctx.db_index, args[1], deleted);
      e->set_object(zlp::DeleteRanks(v.lp(), start, deleted), ObjEnc::kListPack);
    }
  } else {
    auto* zs = static_cast<ZSet*>(e->object());
    bool any = (type == RangeReq::kScore ? zs->FirstIn(r.score) : zs->FirstIn(r.lex)) != nullptr;
    if (any) {
      ctx.slice().Modified(ctx.db_index, args[1], 0);
      deleted = type == RangeReq::kScore ? zs->EraseRange(r.score) : zs->EraseRange(r.lex);
      ctx.slice().AddDirty(deleted);
    }
  }
  const bool emptied = ZView(e).size() == 0;
  if (emptied) ctx.slice().Delete(ctx.db_index, slot);
  if (deleted > 0) {
    notify::Emit(notify::kZset,
                 type == RangeReq::kRank    ? "zremrangebyrank"
                 : type == RangeReq::kScore ? "zremrangebyscore"
                                            : "zremrangebylex",
                 args[1], ctx.db_index);
    if (emptied) notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  }
  ctx.rb->Integer(static_cast<int64_t>(deleted));
}

void CmdZremrangebyrank(ArgSlice args, CommandContext& ctx) {
  RemRangeGeneric(args, ctx, RangeReq::kRank);
}
void CmdZremrangebyscore(ArgSlice args, CommandContext& ctx) {
  RemRangeGeneric(args, ctx, RangeReq::kScore);
}
void CmdZremrangebylex(ArgSlice args, CommandContext& ctx) {
  RemRangeGeneric(args, ctx, RangeReq::kLex);
}

// ---- pops ----

// Pops up to `count` (> 0) elements from the lowest (or highest) end of the zset in slot (the
// key `key`, which outlives the entry), calling fn(member, score) on each in pop order before it
// is removed; deletes the key when it empties. Every pop path comes here (ZPOPMIN/ZPOPMAX, ZMPOP,
// and the immediate and served BZPOPMIN/BZPOPMAX/BZMPOP), so it emits their events, as Redis's
// genericZpopCommand does for all of them.
template <typename Fn>
size_t PopElements(DbSlice& slice, DbIndex db, std::string_view key, Slot* slot, bool max,
                   size_t count, Fn&& fn) {
  Entry* e = slot->entry();
  ZView v(e);
  size_t size = v.size();
  size_t n = std::min(count, size);
  slice.Modified(db, key, n);
  ZIter it = v.AtRank(max ? size - 1 : 0);
  for (size_t i = 0; i < n; ++i) {
    fn(it.member(), it.score());
    if (max)
      it.Prev();
    else
      it.Next();
  }
  size_t first = max ? size - n : 0;
  if (n == size) {
    slice.Delete(db, slot);
  } else if (v.listpack()) {
    e->set_object(zlp::DeleteRanks(v.lp(), first, n), ObjEnc::kListPack);
  } else {
    static_cast<ZSet*>(e->object())->EraseRanks(first, first + n - 1);
  }
  if (n > 0) {
    notify::Emit(notify::kZset, max ? "zpopmax" : "zpopmin", key, db);
    if (n == size) notify::Emit(notify::kGeneric, "del", key, db);
  }
  return n;
}

void CopyPop(DbSlice& slice, DbIndex db, std::string_view key, bool max, size_t count,
             std::vector<Element>* out) {
  PopElements(slice, db, key, slice.FindWrite(db, key), max, count,
              [out](std::string_view m, double s) { out->emplace_back(std::string(m), s); });
}

// ZPOPMIN / ZPOPMAX key [count]
void PopGeneric(ArgSlice args, CommandContext& ctx, bool max) {
  if (args.size() > 3) return ctx.rb->Error(errors::kSyntax);
  int64_t count = -1;  // not given: one element, flat reply
  if (args.size() == 3 && (!ParseLong(args[2], &count) || count < 0))
    return ctx.rb->Error(errors::kPositiveCount);
  bool wrong;
  Slot* slot = FindTypedForWrite(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  if (slot == nullptr || count == 0) return ctx.rb->Array(0);
  ReplyBuilder* rb = ctx.rb;
  const bool nested = rb->resp() > 2 && count != -1;
  size_t want = count == -1 ? 1 : static_cast<size_t>(count);
  size_t n = std::min(want, ZView(slot->entry()).size());
  rb->Array(nested ? n : 2 * n);
  PopElements(ctx.slice(), ctx.db_index, args[1], slot, max, want,
              [rb, nested](std::string_view m, double s) {
                if (nested) rb->Array(2);
                rb->Bulk(m);
                rb->Double(s);
              });
}

void CmdZpopmin(ArgSlice args, CommandContext& ctx) { PopGeneric(args, ctx, false); }
void CmdZpopmax(ArgSlice args, CommandContext& ctx) { PopGeneric(args, ctx, true); }

// ZMPOP/BZMPOP arguments after the timeout: numkeys key [key ...] MIN|MAX [COUNT count].
struct MpopArgs {
  std::vector<uint32_t> keys;
  bool max = false;
  size_t count = 1;
};

// zmpopGenericCommand's parsing; "" or the error reply.
std::string ParseMpop(ArgSlice args, size_t numkeys_idx, MpopArgs* m) {
  int64_t numkeys;
  if (!ParseLong(args[numkeys_idx], &numkeys) || numkeys < 1) return errors::kNumkeysPositive;
  if (static_cast<uint64_t>(numkeys) >= args.size() - numkeys_idx - 1) return errors::kSyntax;
  size_t where = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  if (EqNoCaseC(args[where], "min"))
    m->max = false;
  else if (EqNoCaseC(args[where], "max"))
    m->max = true;
  else
    return errors::kSyntax;
  bool have_count = false;
  for (size_t j = where + 1; j < args.size(); ++j) {
    if (!have_count && EqNoCaseC(args[j], "count") && j + 1 < args.size()) {
      int64_t c;
      if (!ParseLong(args[++j], &c) || c < 1) return errors::kCountGreaterThanZero;
      m->count = static_cast<size_t>(c);
      have_count = true;
    } else {
      return errors::kSyntax;
    }
  }
  for (size_t p = numkeys_idx + 1; p < where; ++p) m->keys.push_back(static_cast<uint32_t>(p));
  return "";
}

// [key, [[member, score], ...]] (both protocols).
void ReplyKeyElements(ReplyBuilder* rb, std::string_view key, const std::vector<Element>& elems) {
  rb->Array(2);
  rb->Bulk(key);
  rb->Array(elems.size());
  for (const auto& e : elems) {
    rb->Array(2);
    rb->Bulk(e.first);
    rb->Double(e.second);
  }
}

struct PopResult {
  std::string key;
  std::vector<Element> elems;
};

// BZPOPMIN / BZPOPMAX key [key ...] timeout
void BlockingPopGeneric(ArgSlice args, CommandContext& ctx, bool max) {
  BlockingPop op;
  op.type = ObjType::kZSet;
  std::string err = ParseBlockTimeout(args.back(), &op.timeout_ms);
  if (!err.empty()) return FailMulti(ctx, err);
  for (uint32_t p = 1; p + 1 < args.size(); ++p) op.keys.push_back(p);
  auto res = std::make_shared<PopResult>();
  op.pop = [res, max](Shard& shard, DbIndex db, std::string_view key) {
    DbSlice& slice = shard.db_slice();
    res->key = key;
    journal::Record(db, {max ? "ZPOPMAX" : "ZPOPMIN", key});  // the pop that happened
    CopyPop(slice, db, key, max, 1, &res->elems);
  };
  op.reply = [res](ReplyBuilder& rb) {
    rb.Array(3);
    rb.Bulk(res->key);
    rb.Bulk(res->elems[0].first);
    rb.Double(res->elems[0].second);
  };
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdBzpopmin(ArgSlice args, CommandContext& ctx) { BlockingPopGeneric(args, ctx, false); }
void CmdBzpopmax(ArgSlice args, CommandContext& ctx) { BlockingPopGeneric(args, ctx, true); }

// ZMPOP numkeys ... / BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the first
// existing key in argument order decides (WRONGTYPE, or pop from it); BZMPOP waits when none
// exists, ZMPOP answers nil. BZMPOP's timeout is checked after the other arguments, as in Redis.
void MpopGeneric(ArgSlice args, CommandContext& ctx, bool blocking) {
  auto mp = std::make_shared<MpopArgs>();
  std::string err = ParseMpop(args, blocking ? 2 : 1, mp.get());
  if (!err.empty()) return FailMulti(ctx, err);
  BlockingPop op;
  op.type = ObjType::kZSet;
  op.block = blocking;
  if (blocking) {
    err = ParseBlockTimeout(args[1], &op.timeout_ms);
    if (!err.empty()) return FailMulti(ctx, err);
  }
  op.keys = mp->keys;
  auto res = std::make_shared<PopResult>();
  op.pop = [res, mp](Shard& shard, DbIndex db, std::string_view key) {
    DbSlice& slice = shard.db_slice();
    res->key = key;
    CopyPop(slice, db, key, mp->max, mp->count, &res->elems);
    if (journal::Enabled())  // the pop that happened, with the count taken
      journal::Record(db,
                      {mp->max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(res->elems.size())});
  };
  op.reply = [res](ReplyBuilder& rb) { ReplyKeyElements(&rb, res->key, res->elems); };
  RunBlockingPop(ctx, args, std::move(op));
}

void CmdZmpop(ArgSlice args, CommandContext& ctx) { MpopGeneric(args, ctx, false); }
void CmdBzmpop(ArgSlice args, CommandContext& ctx) { MpopGeneric(args, ctx, true); }

// ---- ZRANDMEMBER key [count [WITHSCORES]] ----
void RandomWithCount(CommandContext& ctx, std::string_view key, int64_t l, bool withscores) {
  bool wrong;
  Slot* slot = FindTyped(ctx, key, ObjType::kZSet, &wrong);
  if (wrong) return;
  ReplyBuilder* rb = ctx.rb;
  if (slot == nullptr || l == 0) return rb->Array(0);
  ZView v(slot->entry());
  const size_t size = v.size();
  const bool unique = l > 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  auto emit = [rb, withscores](const ZIter& it) {
    ElementReply(rb, it.member(), it.score(), withscores);
  };
  // Repetitions allowed (or a single element): independent uniform picks.
  if (!unique || count == 1) {
    ElementsHeader(rb, count, withscores);
    for (uint64_t i = 0; i < count; ++i) emit(v.AtRank(RandomU64() % size));
    return;
  }
  // The whole set, in Redis's iteration order (from the highest rank down).
  if (count >= size) {
    ElementsHeader(rb, size, withscores);
    for (ZIter it = v.AtRank(size - 1); it.valid(); it.Prev()) emit(it);
    return;
  }
  // Distinct ranks: a partial Fisher-Yates shuffle when many are wanted, else rejection.
  std::vector<size_t> ranks;
  ranks.reserve(count);
  if (count * 3 > size) {
    std::vector<size_t> all(size);
    for (size_t i = 0; i < size; ++i) all[i] = i;
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + RandomU64() % (size - i);
      std::swap(all[i], all[j]);
      ranks.push_back(all[i]);
    }
  } else {
    absl::flat_hash_set<size_t> seen;
    while (ranks.size() < count) {
      size_t r = RandomU64() % size;
      if (seen.insert(r).second) ranks.push_back(r);
    }
  }
  // A listpack answers in its own order, as Redis's lpRandomPairsUnique does.
  if (v.listpack()) std::sort(ranks.begin(), ranks.end());
  ElementsHeader(rb, count, withscores);
  for (size_t r : ranks) emit(v.AtRank(r));
}

void CmdZrandmember(ArgSlice args, CommandContext& ctx) {
  if (args.size() >= 3) {
    int64_t l;
    if (!ParseLong(args[2], &l)) return ctx.rb->Error(errors::kNotInteger);
    if (l == INT64_MIN) return ctx.rb->Error(errors::kRandomCountRange);
    bool withscores = false;
    if (args.size() > 4 || (args.size() == 4 && !EqNoCaseC(args[3], "withscores")))
      return ctx.rb->Error(errors::kSyntax);
    if (args.size() == 4) {
      withscores = true;
      if (l < -INT64_MAX / 2 || l > INT64_MAX / 2)
        return ctx.rb->Error("ERR value is out of range");
    }
    return RandomWithCount(ctx, args[1], l, withscores);
  }
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  if (slot == nullptr) return ctx.rb->Null();
  ZView v(slot->entry());
  ctx.rb->Bulk(v.AtRank(RandomU64() % v.size()).member());
}

// ---- ZSCAN key cursor [MATCH pattern] [COUNT count] ----

// How a listpack stores a score (Redis keeps double2ll integers as integers, the rest as %.17g):
// ZSCAN shows that stored form.
std::string ListpackScoreString(double score) {
  if (score >= -4611686018427387904.0 && score <= 4611686018427387904.0) {
    auto v = static_cast<int64_t>(score);
    if (static_cast<double>(v) == score) return std::to_string(v);
  }
  return FormatDouble(score);
}

void CmdZscan(ArgSlice args, CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.rb->Error(errors::kInvalidCursor);
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ReplyBuilder* rb = ctx.rb;
  if (slot == nullptr) return ReplyScanHead(*rb, 0, 0);
  ScanOptions opt;
  if (std::string err = ParseScanOptions(args, 3, &opt); !err.empty()) return rb->Error(err);
  std::vector<std::pair<std::string, std::string>> out;  // member, score as text
  auto take = [&](std::string_view member, std::string score) {
    if (!opt.Matches(member)) return;
    out.emplace_back(std::string(member), std::move(score));
  };
  ZView v(slot->entry());
  uint64_t next = 0;
  if (v.listpack()) {
    // A listpack is small: Redis returns all of it at once.
    for (ZIter it = v.First(); it.valid(); it.Next())
      take(it.member(), ListpackScoreString(it.score()));
  } else {
    std::vector<const ZSet::Node*> nodes;
    const ZSet* zs = v.zs();
    uint64_t steps = opt.MaxSteps();
    next = cursor;
    do {
      next = zs->Scan(next, [&nodes](const ZSet::Node* n) { nodes.push_back(n); });
    } while (next != 0 && steps-- > 0 && static_cast<int64_t>(nodes.size()) < opt.count);
    for (const ZSet::Node* n : nodes) take(n->member(), FormatDouble(n->score()));
  }
  ReplyScanHead(*rb, next, out.size() * 2);
  for (const auto& [m, score] : out) {
    rb->Bulk(m);
    rb->Bulk(score);
  }
}

// ---- ZUNION / ZINTER / ZDIFF [+STORE], ZINTERCARD ----

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct SetOpArgs {
  SetOp op = SetOp::kUnion;
  bool store = false;
  bool card_only = false;
  std::vector<uint32_t> keys;  // source positions, in argument order
  std::vector<double> weights;
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  std::string option_error;  // reported after WRONGTYPE, as Redis parses options after lookups
};

// zunionInterDiffGenericCommand's numkeys and option parsing. Returns "" or an error to report at
// once (numkeys); option errors go to a->option_error.
std::string ParseSetOp(ArgSlice args, size_t numkeys_idx, CommandContext& ctx, SetOpArgs* a) {
  int64_t setnum;
  if (!ParseLong(args[numkeys_idx], &setnum)) return errors::kNotInteger;
  if (setnum < 1) return "ERR at least 1 input key is needed for '" + ctx.cid->name + "' command";
  if (setnum > static_cast<int64_t>(args.size() - numkeys_idx - 1)) return errors::kSyntax;
  size_t j = numkeys_idx + 1;
  for (int64_t i = 0; i < setnum; ++i, ++j) a->keys.push_back(static_cast<uint32_t>(j));
  a->weights.assign(static_cast<size_t>(setnum), 1.0);
  const bool diff = a->op == SetOp::kDiff;
  while (j < args.size()) {
    size_t remaining = args.size() - j;
    std::string_view o = args[j];
    if (!diff && !a->card_only && remaining >= static_cast<size_t>(setnum) + 1 &&
        EqNoCaseC(o, "weights")) {
      ++j;
      for (int64_t i = 0; i < setnum; ++i, ++j) {
        if (!ParseDouble(args[j], &a->weights[i])) {
          a->option_error = kWeightNotFloat;
          return "";
        }
      }
    } else if (!diff && !a->card_only && remaining >= 2 && EqNoCaseC(o, "aggregate")) {
      std::string_view v = args[j + 1];
      if (EqNoCaseC(v, "sum")) {
        a->aggregate = Aggregate::kSum;
      } else if (EqNoCaseC(v, "min")) {
        a->aggregate = Aggregate::kMin;
      } else if (EqNoCaseC(v, "max")) {
        a->aggregate = Aggregate::kMax;
      } else {
        a->option_error = errors::kSyntax;
        return "";
      }
      j += 2;
    } else if (!a->store && !a->card_only && EqNoCaseC(o, "withscores")) {
      a->withscores = true;
      ++j;
    } else if (a->card_only && remaining >= 2 && EqNoCaseC(o, "limit")) {
      if (!ParseLong(args[j + 1], &a->limit) || a->limit < 0) {
        a->option_error = errors::kLimitNegative;
        return "";
      }
      j += 2;
    } else {
      a->option_error = errors::kSyntax;
      return "";
    }
  }
  return "";
}

// One source of the operation: a sorted set, or a set (every score 1), read where it lies (on the
// command's own shard, or on shards lent to its thread) or, for a read across shards, a clone
// (a copy that outlives its shard's hop; SetOpState frees it).
struct Source {
  enum : uint8_t { kMissing, kPresent, kWrong };
  uint8_t state = kMissing;
  ObjType type = ObjType::kZSet;
  ObjEnc enc = ObjEnc::kListPack;
  void* obj = nullptr;

  SetRef set() const { return {enc, obj}; }
  size_t Size() const {
    if (state != kPresent) return 0;
    return type == ObjType::kZSet ? ZView(enc, obj).size() : set().Size();
  }
  // The member's score (1 in a set); false when absent.
  bool Score(std::string_view member, double* score) const {
    if (state != kPresent) return false;
    if (type == ObjType::kZSet) return ZView(enc, obj).Score(member, score);
    *score = 1.0;
    return set().Contains(member);
  }
  // f(member, score) for every element (a sorted set by rank, a set as ForEachMember walks it).
  // The member is valid during the call.
  template <class F>
  void ForEach(F&& f) const {
    if (state != kPresent) return;
    if (type == ObjType::kZSet) {
      ZView v(enc, obj);
      for (ZIter it = v.First(); it.valid(); it.Next()) f(it.member(), it.score());
      return;
    }
    ForEachMember(set(), [&f](const Member& m) {
      f(m.str, 1.0);
      return true;
    });
  }
};

// A read lookup for the STORE variants too (keymiss, keyspace hits and misses), as Redis's
// lookupKeyRead of every source. `clone`: a copy that outlives the hop. `record`: false for a key
// an earlier attempt of the same command looked up already (no second hit, miss or keymiss).
void ReadSource(DbSlice& slice, DbIndex db, std::string_view key, bool clone, Source* src,
                bool record = true) {
  Slot* s = record ? slice.FindRead(db, key) : slice.Find(db, key);
  if (s == nullptr) return;
  const Entry* e = s->entry();
  if (e->type() != ObjType::kZSet && e->type() != ObjType::kSet) {
    src->state = Source::kWrong;
    return;
  }
  src->state = Source::kPresent;
  src->type = e->type();
  src->enc = e->enc();
  src->obj = clone ? CloneObject(e->type(), e->enc(), e->object()) : e->object();
}

// The elements of the sources at `mine` (no access recorded: a size check before the reads).
size_t SourceElements(DbSlice& slice, DbIndex db, ArgSlice args,
                      const std::vector<uint32_t>& mine) {
  size_t n = 0;
  for (uint32_t p : mine) {
    Slot* s = slice.Find(db, args[p]);
    if (s == nullptr) continue;
    const Entry* e = s->entry();
    if (e->type() != ObjType::kZSet && e->type() != ObjType::kSet) continue;
    Source src;
    src.state = Source::kPresent;
    src.type = e->type();
    src.enc = e->enc();
    src.obj = e->object();
    n += src.Size();
  }
  return n;
}

// The most elements one shard's sources of a read may hold for an own transaction to copy them
// (one read hop) rather than hold the shards and read them in place (ReadSources).
constexpr size_t kCopyMaxElements = 128;

void AggregateInto(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      // +inf + -inf is NaN: Redis makes it 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

// The operation over the sources: the result sorted by (score, member), or with card_only just
// its cardinality (stopping at a->limit when set). Like Redis, an intersection walks the smallest
// source and looks each member up in the others, and a difference walks the first one, so both
// cost what that source costs, however large the others are.
void ComputeSetOp(const SetOpArgs& a, const std::vector<Source>& src, std::vector<Element>* out,
                  int64_t* card) {
  std::vector<size_t> order(src.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Smallest first, as Redis sorts the inputs (DIFF keeps the first set first).
  if (a.op != SetOp::kDiff) {
    std::stable_sort(order.begin(), order.end(),
                     [&src](size_t x, size_t y) { return src[x].Size() < src[y].Size(); });
  }
  auto weighted = [](double w, double s) {
    double v = w * s;
    return std::isnan(v) ? 0.0 : v;
  };
  if (a.op == SetOp::kUnion) {
    absl::flat_hash_map<std::string, size_t> at;  // member -> its index in out
    for (size_t i : order) {
      src[i].ForEach([&](std::string_view m, double s) {
        double score = weighted(a.weights[i], s);
        auto [it, inserted] = at.try_emplace(absl::string_view(m.data(), m.size()), out->size());
        if (inserted)
          out->emplace_back(std::string(m), score);
        else
          AggregateInto(&(*out)[it->second].second, score, a.aggregate);
      });
    }
  } else if (a.op == SetOp::kInter) {
    bool done = false;
    src[order[0]].ForEach([&](std::string_view m, double s) {
      if (done) return;
      double score = weighted(a.weights[order[0]], s);
      for (size_t k = 1; k < order.size(); ++k) {
        double other;
        if (!src[order[k]].Score(m, &other)) return;
        AggregateInto(&score, other * a.weights[order[k]], a.aggregate);
      }
      if (a.card_only) {
        ++*card;
        done = a.limit != 0 && *card >= a.limit;
      } else {
        out->emplace_back(std::string(m), score);
      }
    });
  } else {
    src[0].ForEach([&](std::string_view m, double s) {
      double ignored;
      for (size_t k = 1; k < src.size(); ++k)
        if (src[k].Score(m, &ignored)) return;
      out->emplace_back(std::string(m), s);
    });
  }
  if (!a.card_only) std::sort(out->begin(), out->end(), ElementLess);
}

struct SetOpState {
  SetOpArgs args;
  std::vector<Source> src;      // read in place (or, for a STORE inside EXEC, clones)
  std::vector<Source> copies;   // a read across shards: clones of small sources (ReadSources)
  std::vector<char> looked_up;  // per copied source: its lookup was recorded
  bool owned = false;           // src holds clones
  std::vector<Element> result;
  int64_t card = 0;
  bool wrong = false;

  SetOpState() = default;
  SetOpState(const SetOpState&) = delete;
  SetOpState& operator=(const SetOpState&) = delete;
  ~SetOpState() {
    auto free_all = [](std::vector<Source>& v) {
      for (Source& s : v)
        if (s.state == Source::kPresent) FreeObject(s.type, s.enc, s.obj);
    };
    free_all(copies);
    if (owned) free_all(src);
  }
  // WRONGTYPE (any source) wins over option errors, which win over the result.
  bool Failed() const { return wrong || !args.option_error.empty(); }
  void Settle(const std::vector<Source>& from) {
    for (const Source& s : from) wrong |= s.state == Source::kWrong;
    if (!Failed()) ComputeSetOp(args, from, &result, &card);
  }
};

// The sources at `mine` (a STORE's destination skipped) into `into`, indexed by key order.
void CollectSources(SetOpState& st, ArgSlice args, DbIndex db, Shard& shard,
                    const std::vector<uint32_t>& mine, bool clone, std::vector<Source>* into) {
  uint32_t first_key = st.args.keys.front();
  for (uint32_t p : mine) {
    if (p < first_key) continue;  // the destination of a STORE command
    const size_t i = p - first_key;
    const bool record = st.looked_up.empty() || st.looked_up[i] == 0;
    ReadSource(shard.db_slice(), db, args[p], clone, &(*into)[i], record);
    if (clone && into == &st.copies) st.looked_up[i] = 1;
  }
}

// Reads go through ReadSources: in place on one shard or in a script, copies of small sources
// across shards, the shards held and the sources read in place when some are large. STOREs hold
// every shard involved anyway: with them lent to this thread (RunPhasesInPlace) they read in
// place too, and only inside EXEC across shards (parked, not lent) copy.
void SetOpGeneric(ArgSlice args, CommandContext& ctx, SetOp op, bool store, bool card_only) {
  auto st = std::make_shared<SetOpState>();
  st->args.op = op;
  st->args.store = store;
  st->args.card_only = card_only;
  std::string err = ParseSetOp(args, store ? 2 : 1, ctx, &st->args);
  if (!err.empty()) return FailMulti(ctx, err);
  const size_t n = st->args.keys.size();
  st->src.resize(n);
  const DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  auto reply_error = [st, c] {
    c->rb->Error(st->wrong ? std::string(errors::kWrongType) : st->args.option_error);
  };
  if (!store) {
    st->copies.resize(n);
    st->looked_up.resize(n);
    SourceReads reads;
    reads.small = [args, db](Shard& shard, const std::vector<uint32_t>& mine) {
      return SourceElements(shard.db_slice(), db, args, mine) <= kCopyMaxElements;
    };
    reads.copy = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
      CollectSources(*st, args, db, shard, mine, /*clone=*/true, &st->copies);
    };
    reads.read = [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
      CollectSources(*st, args, db, shard, mine, /*clone=*/false, &st->src);
    };
    reads.compute = [st, c, reply_error](bool copied) {
      st->Settle(copied ? st->copies : st->src);
      if (st->Failed())
        reply_error();
      else if (st->args.card_only)
        c->rb->Integer(st->card);
      else
        ReplyElements(c->rb, st->result, st->args.withscores);
    };
    return ReadSources(ctx, args, st->args.keys, std::move(reads));
  }
  const bool in_place = CanRunInPlace(ctx);
  st->owned = !in_place;
  std::vector<Phase> phases;
  phases.push_back(
      {st->args.keys, [st, args, db, in_place](Shard& shard, const std::vector<uint32_t>& mine) {
         CollectSources(*st, args, db, shard, mine, /*clone=*/!in_place, &st->src);
       }});
  phases.push_back({{1}, [st, args, db](Shard& shard, const std::vector<uint32_t>&) {
                      st->Settle(st->src);
                      if (st->Failed()) return;
                      const SetOp op = st->args.op;
                      StoreResult(shard.db_slice(), db, args[1], st->result,
                                  op == SetOp::kUnion   ? "zunionstore"
                                  : op == SetOp::kInter ? "zinterstore"
                                                        : "zdiffstore");
                    }});
  auto reply = [st, c, reply_error] {
    if (st->Failed())
      reply_error();
    else
      c->rb->Integer(static_cast<int64_t>(st->result.size()));
  };
  RunPhasesThenReply(ctx, args, std::move(phases), std::move(reply));
}

void CmdZunion(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kUnion, false, false);
}
void CmdZinter(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kInter, false, false);
}
void CmdZdiff(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kDiff, false, false);
}
void CmdZunionstore(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kUnion, true, false);
}
void CmdZinterstore(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kInter, true, false);
}
void CmdZdiffstore(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kDiff, true, false);
}
void CmdZintercard(ArgSlice args, CommandContext& ctx) {
  SetOpGeneric(args, ctx, SetOp::kInter, false, true);
}

// ---- key positions of the numkeys commands ----
bool NumKeysAt1(ArgSlice args, std::vector<uint32_t>* out) {
  NumKeysPositions(args, 1, out);
  return true;
}
bool NumKeysAt2(ArgSlice args, std::vector<uint32_t>* out) {
  NumKeysPositions(args, 2, out);
  return true;
}

}  // namespace

bool ZElementLess(const ZElement& a, const ZElement& b) { return ElementLess(a, b); }

void ZaddCommand(ArgSlice args, CommandContext& ctx) { ZaddGeneric(args, ctx, 0); }

void StoreSortedSet(DbSlice& slice, DbIndex db, std::string_view key,
                    const std::vector<ZElement>& elems, const char* event) {
  StoreResult(slice, db, key, elems, event);
}

void RegisterZSetFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kBlock = kWrite | kNoScript | kBlocking;
  // clang-format off
  r.AddFamily(acl_cat::kSortedSet, {
      {.name = "zadd", .arity = -4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdZadd},
      {.name = "zincrby", .arity = 4, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdZincrby},
      {.name = "zrem", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdZrem},
      {.name = "zcard", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdZcard},
      {.name = "zcount", .arity = 4, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdZcount},
      {.name = "zlexcount", .arity = 4, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdZlexcount},
      {.name = "zscore", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdZscore},
      {.name = "zmscore", .arity = -3, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdZmscore},
      {.name = "zrank", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdZrank},
      {.name = "zrevrank", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdZrevrank},
      {.name = "zrange", .arity = -4, .flags = kReadOnly, .mode = kShard, .fn = CmdZrange},
      {.name = "zrangebyscore", .arity = -4, .flags = kReadOnly, .mode = kShard,
       .fn = CmdZrangebyscore},
      {.name = "zrevrangebyscore", .arity = -4, .flags = kReadOnly, .mode = kShard,
       .fn = CmdZrevrangebyscore},
      {.name = "zrangebylex", .arity = -4, .flags = kReadOnly, .mode = kShard,
       .fn = CmdZrangebylex},
      {.name = "zrevrangebylex", .arity = -4, .flags = kReadOnly, .mode = kShard,
       .fn = CmdZrevrangebylex},
      {.name = "zrevrange", .arity = -4, .flags = kReadOnly, .mode = kShard, .fn = CmdZrevrange},
      {.name = "zrangestore", .arity = -5, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdZrangestore},
      {.name = "zremrangebyrank", .arity = 4, .flags = kWrite, .mode = kShard,
       .fn = CmdZremrangebyrank},
      {.name = "zremrangebyscore", .arity = 4, .flags = kWrite, .mode = kShard,
       .fn = CmdZremrangebyscore},
      {.name = "zremrangebylex", .arity = 4, .flags = kWrite, .mode = kShard,
       .fn = CmdZremrangebylex},
      {.name = "zpopmin", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdZpopmin},
      {.name = "zpopmax", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdZpopmax},
      {.name = "zmpop", .arity = -4, .flags = kWrite, .mode = kMulti, .fn = CmdZmpop,
       .getkeys = NumKeysAt1},
      {.name = "bzpopmin", .arity = -3, .flags = kBlock | kFast, .mode = kMulti, .fn = CmdBzpopmin},
      {.name = "bzpopmax", .arity = -3, .flags = kBlock | kFast, .mode = kMulti, .fn = CmdBzpopmax},
      {.name = "bzmpop", .arity = -5, .flags = kWrite | kBlocking, .mode = kMulti, .fn = CmdBzmpop,
       .getkeys = NumKeysAt2},
      {.name = "zrandmember", .arity = -2, .flags = kReadOnly, .mode = kShard,
       .fn = CmdZrandmember},
      {.name = "zunion", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdZunion,
       .getkeys = NumKeysAt1},
      {.name = "zinter", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdZinter,
       .getkeys = NumKeysAt1},
      {.name = "zdiff", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdZdiff,
       .getkeys = NumKeysAt1},
      {.name = "zunionstore", .arity = -4, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdZunionstore, .getkeys = NumKeysAt2},
      {.name = "zinterstore", .arity = -4, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdZinterstore, .getkeys = NumKeysAt2},
      {.name = "zdiffstore", .arity = -4, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdZdiffstore, .getkeys = NumKeysAt2},
      {.name = "zintercard", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdZintercard,
       .getkeys = NumKeysAt1},
      {.name = "zscan", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdZscan},
  });
  // clang-format on
}

}  // namespace shoal
