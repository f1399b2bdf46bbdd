// Strings (Redis 7.0 t_string.c semantics): GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET
// MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS.
// Handlers run on the owning shard (kShard) or coordinate several shards (kMulti: MGET, MSET,
// MSETNX, and LCS, which reads its two keys in one consistent hop and computes on the
// coordinator). SET's option parsing and the write itself are shared with the bitmap family
// (server/string_util.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/numbers.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/propagate.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "shard/notify.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

// ---- GET ----
void CmdGet(ArgSlice args, CommandContext& ctx) {
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Null();
  const Entry* e = s->entry();
  if (e->type() != ObjType::kString) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  ctx.rb->Bulk(e->StringBytes(buf));
}

// ---- SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] ----
void CmdSet(ArgSlice args, CommandContext& ctx) {
  SetParams p;
  std::string err = ParseSetOptions(args, 3, /*allow_get=*/true, ctx.slice().now_ms(), "set", &p);
  if (!err.empty()) return ctx.rb->Error(err);
  SetString(ctx, args[1], args[2], p);
  if (!journal::Enabled()) return;
  // setGenericCommand's propagation: a relative expiry as PXAT (NX/XX/GET dropped), GET dropped.
  bool pxat = false;
  for (size_t j = 3; j < args.size(); ++j) pxat |= EqNoCaseC(args[j], "pxat");
  if (p.expire_at_ms != 0 && !pxat) {
    ctx.Propagate(
        {"SET", std::string(args[1]), std::string(args[2]), "PXAT", MsString(p.expire_at_ms)});
  } else if (p.get && p.expire_at_ms == 0) {
    std::vector<std::string> argv;
    for (size_t j = 0; j < args.size(); ++j)
      if (j < 3 || !EqNoCaseC(args[j], "get")) argv.emplace_back(args[j]);
    ctx.Propagate(std::move(argv));
  }
}

// ---- MGET key [key ...] ----
void CmdMget(ArgSlice args, CommandContext& ctx) {
  struct State {
    std::vector<std::string> values;
    std::vector<char> present;
  };
  auto st = std::make_shared<State>();
  st->values.resize(args.size());
  st->present.resize(args.size(), 0);
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); ++i) pos.push_back(i);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  RunOnKeyShards(
      ctx, args, pos, /*write=*/false,
      [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
        DbSlice& slice = shard.db_slice();
        char buf[32];
        for (uint32_t p : mine) {
          Slot* s = slice.FindRead(db, args[p]);
          if (s == nullptr || s->entry()->type() != ObjType::kString) continue;
          st->values[p] = s->entry()->StringBytes(buf);
          st->present[p] = 1;
        }
      },
      [st, c, n = args.size()] {
        c->rb->Array(n - 1);
        for (size_t i = 1; i < n; ++i) {
          if (st->present[i])
            c->rb->Bulk(st->values[i]);
          else
            c->rb->Null();
        }
        c->Done();
      });
}

// ---- MSET / MSETNX ----
void MsetGeneric(ArgSlice args, CommandContext& ctx, bool nx) {
  if (args.size() % 2 == 0) {
    return ctx.rb->Error("ERR wrong number of arguments for '" + ctx.cid->name + "' command");
  }
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); i += 2) pos.push_back(i);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  if (!nx) {
    RunOnKeyShards(
        ctx, args, pos, /*write=*/true,
        [args, db](Shard& shard, const std::vector<uint32_t>& mine) {
          for (uint32_t p : mine) {
            SetParams sp;
            PutString(shard.db_slice(), db, args[p], args[p + 1], sp);
          }
        },
        [c] {
          c->rb->Ok();
          c->Done();
        });
    return;
  }
  // MSETNX: check every key, then write only if none exists, all while the shards are armed (on
  // one shard the same steps run inline).
  auto any_exists = std::make_shared<std::atomic<bool>>(false);
  auto groups = std::make_shared<KeysByShard>(GroupKeys(args, pos));
  auto tx = Transaction::Create(ctx, groups->shards);
  tx->Arm([tx, groups, any_exists, args, db, c] {
    tx->Hop(
        [groups, any_exists, args, db](Shard& shard) {
          for (uint32_t p : groups->For(shard.id()))
            if (shard.db_slice().Find(db, args[p]) != nullptr) any_exists->store(true);
        },
        false,
        [tx, groups, any_exists, args, db, c] {
          bool exists = any_exists->load();
          tx->Hop(
              [groups, exists, args, db](Shard& shard) {
                if (exists) return;
                for (uint32_t p : groups->For(shard.id()))
                  PutString(shard.db_slice(), db, args[p], args[p + 1], SetParams{});
              },
              true,
              [c, exists] {
                c->rb->Integer(exists ? 0 : 1);
                c->Done();
              });
        });
  });
}

void CmdMset(ArgSlice args, CommandContext& ctx) { MsetGeneric(args, ctx, false); }
void CmdMsetnx(ArgSlice args, CommandContext& ctx) { MsetGeneric(args, ctx, true); }

constexpr char kDecrementOverflow[] = "ERR decrement would overflow";
constexpr char kLcsNotStrings[] = "ERR The specified keys must contain string values";
constexpr char kLcsLenAndIdx[] =
    "ERR If you want both the length and indexes, please just use IDX.";
constexpr char kLcsTooLong[] = "ERR String too long for LCS";
constexpr char kLcsExceedsBulkLen[] =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr char kLcsNoMemory[] =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

std::string InvalidExpireTime(const CommandContext& ctx) {
  return "ERR invalid expire time in '" + ctx.cid->name + "' command";
}

bool IsString(const Entry* e) { return e->type() == ObjType::kString; }

// createStringObject: embstr up to 44 bytes, raw above, never int (INCRBYFLOAT's result).
Entry* NewPlainString(std::string_view key, std::string_view value, int64_t expire_ms,
                      uint32_t lru) {
  if (value.size() <= kEmbStrLimit) return Entry::NewEmbStr(key, value, expire_ms, lru);
  return Entry::NewRaw(key, value, value.size(), expire_ms, lru);
}

// ---- SETNX key value ----
void CmdSetnx(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  if (slice.FindWrite(ctx.db_index, args[1]) != nullptr) return ctx.rb->Integer(0);
  slice.Add(ctx.db_index, Entry::NewString(args[1], args[2], 0, slice.access_stamp()));
  notify::Emit(notify::kString, "set", args[1], ctx.db_index);
  ctx.rb->Integer(1);
}

// ---- SETEX key seconds value / PSETEX key milliseconds value ----
void SetexGeneric(ArgSlice args, CommandContext& ctx, bool seconds) {
  int64_t v;
  if (!ParseInt64(args[2], &v)) return ctx.rb->Error(errors::kNotInteger);
  SetParams p;
  if (!ExpireToAbsoluteMs(v, seconds, /*absolute=*/false, ctx.slice().now_ms(), &p.expire_at_ms))
    return ctx.rb->Error(InvalidExpireTime(ctx));
  PutString(ctx.slice(), ctx.db_index, args[1], args[3], p);
  if (journal::Enabled())
    ctx.Propagate(
        {"SET", std::string(args[1]), std::string(args[3]), "PXAT", MsString(p.expire_at_ms)});
  ctx.rb->Ok();
}
void CmdSetex(ArgSlice args, CommandContext& ctx) { SetexGeneric(args, ctx, true); }
void CmdPsetex(ArgSlice args, CommandContext& ctx) { SetexGeneric(args, ctx, false); }

// getGenericCommand: replies the value (or null); false on WRONGTYPE (already replied).
bool ReplyGet(CommandContext& ctx, Slot* s) {
  if (s == nullptr) {
    ctx.rb->Null();
    return true;
  }
  if (!IsString(s->entry())) {
    ctx.rb->Error(errors::kWrongType);
    return false;
  }
  char buf[32];
  ctx.rb->Bulk(s->entry()->StringBytes(buf));
  return true;
}

// ---- GETSET key value ----
void CmdGetset(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  if (!ReplyGet(ctx, slice.FindRead(ctx.db_index, args[1]))) return;
  PutString(slice, ctx.db_index, args[1], args[2], SetParams{});  // drops the TTL
  if (journal::Enabled()) ctx.Propagate({"SET", std::string(args[1]), std::string(args[2])});
}

// ---- GETDEL key ----
void CmdGetdel(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindRead(ctx.db_index, args[1]);
  if (!ReplyGet(ctx, s) || s == nullptr) return;
  slice.Delete(ctx.db_index, s);
  notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
  // getdelCommand: logged as DEL, or UNLINK under lazyfree-lazy-user-del.
  if (journal::Enabled()) {
    bool lazy = ShardSettings::Get(ShardSettings::lazyfree_lazy_user_del) != 0;
    ctx.Propagate({lazy ? "UNLINK" : "DEL", std::string(args[1])});
  }
}

// ---- GETEX key [EX seconds | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST] ----
void CmdGetex(ArgSlice args, CommandContext& ctx) {
  enum : unsigned { kEx = 1, kPx = 2, kExat = 4, kPxat = 8, kPersist = 16 };
  unsigned flags = 0;
  std::string_view expire;
  bool have_expire = false;
  // parseExtendedStringArgumentsOrReply(COMMAND_GET): a repeated EX/PX/... is accepted (the
  // last wins), mixing two kinds is a syntax error.
  for (size_t j = 2; j < args.size(); ++j) {
    std::string_view opt = args[j];
    bool has_next = j + 1 < args.size();
    if (EqNoCaseC(opt, "persist") && !(flags & (kEx | kExat | kPx | kPxat))) {
      flags |= kPersist;
    } else if (EqNoCaseC(opt, "ex") && !(flags & (kPersist | kExat | kPx | kPxat)) && has_next) {
      flags |= kEx;
      expire = args[++j];
      have_expire = true;
    } else if (EqNoCaseC(opt, "px") && !(flags & (kPersist | kEx | kExat | kPxat)) && has_next) {
      flags |= kPx;
      expire = args[++j];
      have_expire = true;
    } else if (EqNoCaseC(opt, "exat") && !(flags & (kPersist | kEx | kPx | kPxat)) && has_next) {
      flags |= kExat;
      expire = args[++j];
      have_expire = true;
    } else if (EqNoCaseC(opt, "pxat") && !(flags & (kPersist | kEx | kExat | kPx)) && has_next) {
      flags |= kPxat;
      expire = args[++j];
      have_expire = true;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Null();
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  int64_t at = 0;
  if (have_expire) {
    int64_t v;
    if (!ParseInt64(expire, &v)) return ctx.rb->Error(errors::kNotInteger);
    bool seconds = flags & (kEx | kExat);
    bool absolute = flags & (kExat | kPxat);
    if (!ExpireToAbsoluteMs(v, seconds, absolute, slice.now_ms(), &at))
      return ctx.rb->Error(InvalidExpireTime(ctx));
  }
  char buf[32];
  ctx.rb->Bulk(s->entry()->StringBytes(buf));
  // Logged as Redis's getexCommand does: DEL/UNLINK, PEXPIREAT, PERSIST.
  if ((flags & (kExat | kPxat)) && at <= slice.now_ms()) {
    slice.Delete(ctx.db_index, s);
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
    PropagateExpiredDelete(ctx, args[1]);
  } else if (have_expire) {
    slice.SetExpire(ctx.db_index, s, at);
    notify::Emit(notify::kGeneric, "expire", args[1], ctx.db_index);
    ctx.Propagate({"PEXPIREAT", std::string(args[1]), MsString(at)});
  } else if ((flags & kPersist) && s->entry()->has_expire()) {
    slice.SetExpire(ctx.db_index, s, 0);
    notify::Emit(notify::kGeneric, "persist", args[1], ctx.db_index);
    ctx.Propagate({"PERSIST", std::string(args[1])});
  }
}

// ---- APPEND key value ----
void CmdAppend(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  std::string_view val = args[2];
  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  if (s == nullptr) {
    slice.Add(ctx.db_index, Entry::NewString(args[1], val, 0, slice.access_stamp()));
    notify::Emit(notify::kString, "append", args[1], ctx.db_index);
    return ctx.rb->Integer(static_cast<int64_t>(val.size()));
  }
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  size_t olen = s->entry()->StringBytes(buf).size();
  if (!StringLengthOk(olen, val.size())) return ctx.rb->Error(errors::kStringTooBig);
  slice.Modified(ctx.db_index, args[1]);  // even for an empty value, as Redis
  RawStr* r = UnshareRawString(slice, ctx.db_index, s, olen + val.size());
  if (!val.empty()) std::memcpy(r->data() + olen, val.data(), val.size());
  notify::Emit(notify::kString, "append", args[1], ctx.db_index);
  ctx.rb->Integer(static_cast<int64_t>(r->len));
}

// ---- STRLEN key ----
void CmdStrlen(ArgSlice args, CommandContext& ctx) {
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(0);
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  ctx.rb->Integer(static_cast<int64_t>(s->entry()->StringBytes(buf).size()));
}

// ---- INCR / DECR / INCRBY / DECRBY ----
void IncrDecr(CommandContext& ctx, std::string_view key, int64_t incr) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, key);
  int64_t value = 0;
  if (s != nullptr) {
    const Entry* e = s->entry();
    if (!IsString(e)) return ctx.rb->Error(errors::kWrongType);
    if (e->enc() == ObjEnc::kInt) {
      value = e->int_value();
    } else if (!ParseInt64(e->str_value(), &value)) {
      return ctx.rb->Error(errors::kNotInteger);
    }
  }
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value)))
    return ctx.rb->Error(errors::kOverflow);
  value += incr;
  if (s != nullptr) {
    Entry* e = s->entry();
    slice.Replace(ctx.db_index, s, Entry::NewInt(key, value, e->expire_ms(), e->lru()));
  } else {
    slice.Add(ctx.db_index, Entry::NewInt(key, value, 0, slice.access_stamp()));
  }
  notify::Emit(notify::kString, "incrby", key, ctx.db_index);  // INCR, DECR and DECRBY too
  ctx.rb->Integer(value);
}

void CmdIncr(ArgSlice args, CommandContext& ctx) { IncrDecr(ctx, args[1], 1); }
void CmdDecr(ArgSlice args, CommandContext& ctx) { IncrDecr(ctx, args[1], -1); }

void CmdIncrby(ArgSlice args, CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64(args[2], &incr)) return ctx.rb->Error(errors::kNotInteger);
  IncrDecr(ctx, args[1], incr);
}

void CmdDecrby(ArgSlice args, CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64(args[2], &incr)) return ctx.rb->Error(errors::kNotInteger);
  if (incr == INT64_MIN) return ctx.rb->Error(kDecrementOverflow);
  IncrDecr(ctx, args[1], -incr);
}

// ---- INCRBYFLOAT key increment ----
void CmdIncrbyfloat(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  long double value = 0;
  if (s != nullptr) {
    const Entry* e = s->entry();
    if (!IsString(e)) return ctx.rb->Error(errors::kWrongType);
    if (e->enc() == ObjEnc::kInt) {
      value = static_cast<long double>(e->int_value());
    } else if (!ParseLongDouble(e->str_value(), &value)) {
      return ctx.rb->Error(errors::kNotFloat);
    }
  }
  long double incr;
  if (!ParseLongDouble(args[2], &incr)) return ctx.rb->Error(errors::kNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.rb->Error(errors::kNanOrInf);
  std::string out = FormatLongDouble(value);
  if (s != nullptr) {
    Entry* e = s->entry();
    slice.Replace(ctx.db_index, s, NewPlainString(args[1], out, e->expire_ms(), e->lru()));
  } else {
    slice.Add(ctx.db_index, NewPlainString(args[1], out, 0, slice.access_stamp()));
  }
  notify::Emit(notify::kString, "incrbyfloat", args[1], ctx.db_index);
  // Replayed as the value it produced (float formatting must not differ on replay).
  if (journal::Enabled()) ctx.Propagate({"SET", std::string(args[1]), out, "KEEPTTL"});
  ctx.rb->Bulk(out);
}

// ---- GETRANGE key start end (SUBSTR) ----
void CmdGetrange(ArgSlice args, CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end))
    return ctx.rb->Error(errors::kNotInteger);
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Bulk("");
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  std::string_view str = s->entry()->StringBytes(buf);
  int64_t len = static_cast<int64_t>(str.size());
  if (start < 0 && end < 0 && start > end) return ctx.rb->Bulk("");
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return ctx.rb->Bulk("");
  ctx.rb->Bulk(str.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// ---- SETRANGE key offset value ----
void CmdSetrange(ArgSlice args, CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(args[2], &offset)) return ctx.rb->Error(errors::kNotInteger);
  if (offset < 0) return ctx.rb->Error(errors::kOffsetRange);
  std::string_view val = args[3];
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  RawStr* r;
  if (s == nullptr) {
    if (val.empty()) return ctx.rb->Integer(0);
    if (!StringLengthOk(static_cast<uint64_t>(offset), val.size()))
      return ctx.rb->Error(errors::kStringTooBig);
    r = AddZeroedRawString(slice, ctx.db_index, args[1], static_cast<size_t>(offset) + val.size());
  } else {
    if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
    char buf[32];
    size_t olen = s->entry()->StringBytes(buf).size();
    if (val.empty()) return ctx.rb->Integer(static_cast<int64_t>(olen));
    if (!StringLengthOk(static_cast<uint64_t>(offset), val.size()))
      return ctx.rb->Error(errors::kStringTooBig);
    slice.Modified(ctx.db_index, args[1]);  // even when the bytes are the same, as Redis
    r = UnshareRawString(slice, ctx.db_index, s, static_cast<size_t>(offset) + val.size());
  }
  std::memcpy(r->data() + offset, val.data(), val.size());
  notify::Emit(notify::kString, "setrange", args[1], ctx.db_index);
  ctx.rb->Integer(static_cast<int64_t>(r->len));
}

// ---- LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] ----
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

void LcsReply(ArgSlice args, ReplyBuilder& rb, const std::string& a, const std::string& b) {
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    bool moreargs = j + 1 < args.size();
    if (EqNoCaseC(opt, "idx")) {
      getidx = true;
    } else if (EqNoCaseC(opt, "len")) {
      getlen = true;
    } else if (EqNoCaseC(opt, "withmatchlen")) {
      withmatchlen = true;
    } else if (EqNoCaseC(opt, "minmatchlen") && moreargs) {
      if (!ParseInt64(args[j + 1], &minmatchlen)) return rb.Error(errors::kNotInteger);
      if (minmatchlen < 0) minmatchlen = 0;
      ++j;
    } else {
      return rb.Error(errors::kSyntax);
    }
  }
  if (getlen && getidx) return rb.Error(kLcsLenAndIdx);
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return rb.Error(kLcsTooLong);

  uint32_t alen = static_cast<uint32_t>(a.size());
  uint32_t blen = static_cast<uint32_t>(b.size());
  unsigned long long lcssize = static_cast<unsigned long long>(alen + 1ull) * (blen + 1ull);
  unsigned long long lcsalloc = lcssize * sizeof(uint32_t);
  std::unique_ptr<uint32_t, FreeDeleter> table;
  if (lcsalloc < SIZE_MAX && lcsalloc / lcssize == sizeof(uint32_t)) {
    if (lcsalloc > static_cast<unsigned long long>(Server().config.proto_max_bulk_len.load()))
      return rb.Error(kLcsExceedsBulkLen);
    table.reset(static_cast<uint32_t*>(std::malloc(lcsalloc)));
  }
  if (!table) return rb.Error(kLcsNoMemory);
  uint32_t* lcs = table.get();
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return lcs[j + i * (blen + 1ull)]; };

  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        uint32_t l1 = at(i - 1, j), l2 = at(i, j - 1);
        at(i, j) = l1 > l2 ? l1 : l2;
      }
    }
  }

  uint32_t idx = at(alen, blen);
  bool computelcs = getidx || !getlen;
  std::string result;
  if (computelcs) result.resize(idx);
  struct Range {
    uint32_t as, ae, bs, be, len;
  };
  std::vector<Range> ranges;
  uint32_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    bool emit_range = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = i - 1;
        arange_end = i - 1;
        brange_start = j - 1;
        brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        arange_start--;
        brange_start--;
      } else {
        emit_range = true;
      }
      if (arange_start == 0 || brange_start == 0) emit_range = true;
      idx--;
      i--;
      j--;
    } else {
      uint32_t l1 = at(i - 1, j), l2 = at(i, j - 1);
      if (l1 > l2)
        i--;
      else
        j--;
      if (arange_start != alen) emit_range = true;
    }
    uint32_t match_len = arange_end - arange_start + 1;
    if (emit_range) {
      if (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen))
        ranges.push_back({arange_start, arange_end, brange_start, brange_end, match_len});
      arange_start = alen;
    }
  }

  if (getidx) {
    rb.Map(2);
    rb.Bulk("matches");
    rb.Array(ranges.size());
    for (const Range& r : ranges) {
      rb.Array(withmatchlen ? 3 : 2);
      rb.Array(2);
      rb.Integer(r.as);
      rb.Integer(r.ae);
      rb.Array(2);
      rb.Integer(r.bs);
      rb.Integer(r.be);
      if (withmatchlen) rb.Integer(r.len);
    }
    rb.Bulk("len");
    rb.Integer(at(alen, blen));
  } else if (getlen) {
    rb.Integer(at(alen, blen));
  } else {
    rb.Bulk(result);
  }
}

void CmdLcs(ArgSlice args, CommandContext& ctx) {
  struct State {
    std::string value[3];     // [1], [2]: the keys' strings ("" when missing)
    char wrong_type[3] = {};  // written by the shard owning that key only
  };
  auto st = std::make_shared<State>();
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  RunOnKeyShards(
      ctx, args, {1, 2}, /*write=*/false,
      [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
        DbSlice& slice = shard.db_slice();
        char buf[32];
        for (uint32_t p : mine) {
          Slot* s = slice.FindRead(db, args[p]);
          if (s == nullptr) continue;
          if (!IsString(s->entry())) {
            st->wrong_type[p] = 1;
            continue;
          }
          st->value[p] = s->entry()->StringBytes(buf);
        }
      },
      [st, args, c] {
        if (st->wrong_type[1] || st->wrong_type[2])
          c->rb->Error(kLcsNotStrings);
        else
          LcsReply(args, *c->rb, st->value[1], st->value[2]);
        c->Done();
      });
}

}  // namespace

void RegisterStringFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kString, {
      {.name = "get", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdGet},
      {.name = "set", .arity = -3, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdSet},
      {.name = "mget", .arity = -2, .flags = kReadOnly | kFast, .mode = kMulti, .fn = CmdMget},
      {.name = "mset", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdMset},
      {.name = "msetnx", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdMsetnx},
      {.name = "setnx", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdSetnx},
      {.name = "setex", .arity = 4, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdSetex},
      {.name = "psetex", .arity = 4, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdPsetex},
      {.name = "getset", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdGetset},
      {.name = "getdel", .arity = 2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdGetdel},
      {.name = "getex", .arity = -2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdGetex},
      {.name = "append", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdAppend},
      {.name = "strlen", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdStrlen},
      {.name = "incr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdIncr},
      {.name = "decr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdDecr},
      {.name = "incrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdIncrby},
      {.name = "decrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdDecrby},
      {.name = "incrbyfloat", .arity = 3, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdIncrbyfloat},
      {.name = "getrange", .arity = 4, .flags = kReadOnly, .mode = kShard, .fn = CmdGetrange},
      {.name = "substr", .arity = 4, .flags = kReadOnly, .mode = kShard, .fn = CmdGetrange},
      {.name = "setrange", .arity = 4, .flags = kWrite | kDenyOom, .mode = kShard,
       .fn = CmdSetrange},
      {.name = "lcs", .arity = -3, .flags = kReadOnly, .mode = kMulti, .fn = CmdLcs},
  });
  // clang-format on
}

}  // namespace shoal
