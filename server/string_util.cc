#include "server/string_util.h"

#include <cctype>
#include <climits>

#include "server/error_strings.h"

namespace shoal {

namespace {
bool EqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}
}  // namespace

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
    } else if (EqNoCase(a, "exat") && !p->keepttl && (unit == kNone || unit == kExAt) &&
               has_next) {
      unit = kExAt;
      expire_arg = args[++j];
    } else if (EqNoCase(a, "pxat") && !p->keepttl && (unit == kNone || unit == kPxAt) &&
               has_next) {
      unit = kPxAt;
      expire_arg = args[++j];
    } else {
      return errors::kSyntax;
    }
  }
  if (unit != kNone) {
    int64_t v;
    if (!protocol::ParseInt64(expire_arg, &v)) return errors::kNotInteger;
    bool seconds = unit == kEx || unit == kExAt;
    bool absolute = unit == kExAt || unit == kPxAt;
    if (!ExpireToAbsoluteMs(v, seconds, absolute, now_ms, &p->expire_at_ms))
      return "ERR invalid expire time in '" + std::string(cmd_name) + "' command";
  }
  return "";
}

void PutString(DbSlice& slice, DbIndex db, std::string_view key, std::string_view value,
               const SetParams& p) {
  DbSlice::Slot* s = slice.Find(db, key);
  int64_t expire = p.expire_at_ms;
  if (s != nullptr && p.keepttl) expire = s->entry()->expire_ms();
  Entry* e = Entry::NewString(key, value, expire, slice.lru_clock());
  if (s == nullptr) {
    slice.Add(db, e);
  } else {
    slice.Replace(db, s, e);
  }
}

void SetString(CommandContext& ctx, std::string_view key, std::string_view value,
               const SetParams& p) {
  DbSlice& slice = ctx.slice();
  DbSlice::Slot* s = slice.FindAndTouch(ctx.db_index, key);
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
  if (ok) PutString(slice, ctx.db_index, key, value, p);
  if (p.get) {
    if (had_old) ctx.rb->Bulk(old);
    else ctx.rb->Null();
  } else if (ok) {
    ctx.rb->Ok();
  } else {
    ctx.rb->Null();
  }
}

}  // namespace shoal
