#include "server/string_util.h"

#include <cctype>
#include <climits>
#include <cstring>

#include "base/ascii.h"
#include "base/numbers.h"
#include "server/error_strings.h"
#include "server/server_state.h"
#include "shard/notify.h"

namespace shoal {

namespace {}  // namespace

bool ExpireToAbsoluteMs(int64_t v, bool seconds, bool absolute, int64_t now_ms, int64_t* out) {
  if (v <= 0) return false;
  if (seconds) {
    if (v > LLONG_MAX / 1000) return false;
    v *= 1000;
  }
  if (!absolute) {
    if (v > LLONG_MAX - now_ms) return false;
    v += now_ms;
  }
  *out = v;
  return true;
}

std::string ParseSetOptions(ArgSlice args, size_t first, bool allow_get, int64_t now_ms,
                            std::string_view cmd_name, SetParams* p) {
  // Like Redis's parseExtendedStringArgumentsOrReply: all option syntax first (a repeated EX/PX
  // overrides the earlier one), then the expire value.
  enum { kNone, kEx, kPx, kExAt, kPxAt } unit = kNone;
  std::string_view expire_arg;
  for (size_t j = first; j < args.size(); ++j) {
    std::string_view a = args[j];
    bool has_next = j + 1 < args.size();
    if (EqNoCase(a, "nx") && p->cond != SetParams::Cond::kXx) {
      p->cond = SetParams::Cond::kNx;
    } else if (EqNoCase(a, "xx") && p->cond != SetParams::Cond::kNx) {
      p->cond = SetParams::Cond::kXx;
    } else if (EqNoCase(a, "get") && allow_get) {
      p->get = true;
    } else if (EqNoCase(a, "keepttl") && unit == kNone) {
      p->keepttl = true;
    } else if (EqNoCase(a, "ex") && !p->keepttl && (unit == kNone || unit == kEx) && has_next) {
      unit = kEx;
      expire_arg = args[++j];
    } else if (EqNoCase(a, "px") && !p->keepttl && (unit == kNone || unit == kPx) && has_next) {
      unit = kPx;
      expire_arg = args[++j];
    } else if (EqNoCase(a, "exat") && !p->keepttl && (unit == kNone || unit == kExAt) && has_next) {
      unit = kExAt;
      expire_arg = args[++j];
    } else if (EqNoCase(a, "pxat") && !p->keepttl && (unit == kNone || unit == kPxAt) && has_next) {
      unit = kPxAt;
      expire_arg = args[++j];
    } else {
      return errors::kSyntax;
    }
  }
  if (unit != kNone) {
    int64_t v;
    if (!ParseInt64(expire_arg, &v)) return errors::kNotInteger;
    bool seconds = unit == kEx || unit == kExAt;
    bool absolute = unit == kExAt || unit == kPxAt;
    if (!ExpireToAbsoluteMs(v, seconds, absolute, now_ms, &p->expire_at_ms))
      return "ERR invalid expire time in '" + std::string(cmd_name) + "' command";
  }
  return "";
}

void PutString(DbSlice& slice, DbIndex db, std::string_view key, std::string_view value,
               const SetParams& p) {
  PutStringAt(slice, db, slice.Find(db, key), key, value, p);
}

void PutStringAt(DbSlice& slice, DbIndex db, DbSlice::Slot* s, std::string_view key,
                 std::string_view value, const SetParams& p) {
  int64_t expire = p.expire_at_ms;
  if (s != nullptr && p.keepttl) expire = s->entry()->expire_ms();
  // NewString may rewrite the old entry in its own block: announce the change first.
  if (s != nullptr) slice.PreWrite(db, key);
  Entry* e = Entry::NewString(key, value, expire, slice.access_stamp(),
                              s != nullptr ? s->entry() : nullptr);
  if (s == nullptr) {
    slice.Add(db, e);
  } else {
    slice.Replace(db, s, e);
  }
  // Here for all of SET, SETEX, PSETEX, GETSET, MSET and MSETNX: in Redis each is a "set", then
  // (setGenericCommand) an "expire" when the command gave a TTL.
  notify::Emit(notify::kString, "set", key, db);
  if (p.expire_at_ms != 0) notify::Emit(notify::kGeneric, "expire", key, db);
}

void SetString(CommandContext& ctx, std::string_view key, std::string_view value,
               const SetParams& p) {
  DbSlice& slice = ctx.slice();
  // Redis's setGenericCommand: GET reads the key (lookupKeyRead: a hit or miss, keymiss), plain
  // SET only looks it up for writing.
  DbSlice::Slot* s = p.get ? slice.FindRead(ctx.db_index, key) : slice.FindWrite(ctx.db_index, key);
  std::string old;
  bool had_old = false;
  if (p.get && s != nullptr) {
    if (s->entry()->type() != ObjType::kString) return ctx.rb->Error(errors::kWrongType);
    char buf[32];
    old = s->entry()->StringBytes(buf);
    had_old = true;
  }
  bool ok = !((p.cond == SetParams::Cond::kNx && s != nullptr) ||
              (p.cond == SetParams::Cond::kXx && s == nullptr));
  if (ok) PutStringAt(slice, ctx.db_index, s, key, value, p);  // s is still valid: no insert since
  if (p.get) {
    if (had_old)
      ctx.rb->Bulk(old);
    else
      ctx.rb->Null();
  } else if (ok) {
    ctx.rb->Ok();
  } else {
    ctx.rb->Null();
  }
}

// checkStringLength: false when size + append exceeds proto-max-bulk-len (or overflows).
bool StringLengthOk(uint64_t size, uint64_t append) {
  uint64_t max = static_cast<uint64_t>(Server().config.proto_max_bulk_len.load());
  return append <= max && size <= max - append;
}

// Capacity sds's greedy growth gives a string that must hold `need` bytes (sdsMakeRoomFor).
namespace {
size_t GreedyCapacity(size_t need) {
  constexpr size_t kMaxPrealloc = 1024 * 1024;
  return need < kMaxPrealloc ? need * 2 : need + kMaxPrealloc;
}
}  // namespace

// dbUnshareStringValue + sdsgrowzero: makes the string in `slot` raw-encoded and at least
// `min_len` bytes long (growth zero filled), and returns it for in-place writes. The TTL is kept.
// A raw entry with enough capacity is written in place; otherwise the entry is replaced by a new
// raw one (growing greedily; DbSlice::Reencode). Signals nothing: the caller signals the key
// (DbSlice::Modified) before, when it changes the string (growing it is a change).
RawStr* UnshareRawString(DbSlice& slice, DbIndex db, DbSlice::Slot* slot, size_t min_len) {
  Entry* e = slot->entry();
  if (e->enc() == ObjEnc::kRaw && e->raw()->cap >= min_len) {
    RawStr* r = e->raw();
    if (min_len > r->len) {
      std::memset(r->data() + r->len, 0, min_len - r->len);
      r->len = min_len;
    }
    return r;
  }
  char buf[32];
  std::string_view cur = e->StringBytes(buf);
  size_t cap = min_len > cur.size() ? GreedyCapacity(min_len) : cur.size();
  Entry* ne = Entry::NewRaw(e->key(), cur, cap, e->expire_ms(), e->lru());
  RawStr* r = ne->raw();
  if (min_len > r->len) {
    std::memset(r->data() + r->len, 0, min_len - r->len);
    r->len = min_len;
  }
  slice.Reencode(db, slot, ne);  // frees e (and `cur` with it, no longer used)
  return r;
}

// createObject(OBJ_STRING, sdsnewlen(NULL, len)) + dbAdd: a new raw string of `len` zero bytes.
RawStr* AddZeroedRawString(DbSlice& slice, DbIndex db, std::string_view key, size_t len) {
  Entry* e = Entry::NewRaw(key, std::string_view(), len, 0, slice.access_stamp());
  RawStr* r = e->raw();
  if (len > 0) std::memset(r->data(), 0, len);
  r->len = len;
  slice.Add(db, e);
  return r;
}

// Option keywords are compared as C strings by Redis (strcasecmp / opt[2] == '\0'): an argument
// matches up to its first NUL byte.
std::string_view CStr(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

bool EqNoCaseC(std::string_view arg, std::string_view lower) {
  arg = CStr(arg);
  if (arg.size() != lower.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace shoal
