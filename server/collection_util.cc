#include "server/collection_util.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <random>

#include "base/numbers.h"
#include "server/error_strings.h"
#include "server/string_util.h"
#include "shard/clock.h"
#include "shard/glob.h"

namespace shoal {

DbSlice::Slot* FindTyped(CommandContext& ctx, std::string_view key, ObjType type,
                         bool* wrong_type) {
  DbSlice::Slot* s = ctx.slice().FindRead(ctx.db_index, key, type, wrong_type);
  if (*wrong_type) ctx.rb->Error(errors::kWrongType);
  return s;
}

DbSlice::Slot* FindTypedForWrite(CommandContext& ctx, std::string_view key, ObjType type,
                                 bool* wrong_type) {
  DbSlice::Slot* s = ctx.slice().FindWrite(ctx.db_index, key, type, wrong_type);
  if (*wrong_type) ctx.rb->Error(errors::kWrongType);
  return s;
}

void FailMulti(CommandContext& ctx, std::string_view msg) {
  ctx.rb->Error(msg);
  ctx.Done();
}

DbSlice::Slot* AddObject(DbSlice& slice, DbIndex db, std::string_view key, ObjType type, ObjEnc enc,
                         void* obj) {
  return slice.Add(db, Entry::NewObject(key, type, enc, obj, 0, slice.access_stamp()));
}

DbSlice::Slot* PutObject(DbSlice& slice, DbIndex db, std::string_view key, ObjType type, ObjEnc enc,
                         void* obj) {
  Entry* e = Entry::NewObject(key, type, enc, obj, 0, slice.access_stamp());
  DbSlice::Slot* s = slice.Find(db, key);
  if (s == nullptr) return slice.Add(db, e);
  slice.Replace(db, s, e);
  return s;
}

std::string ParseBlockTimeout(std::string_view arg, int64_t* timeout_ms) {
  long double secs;
  if (!ParseLongDouble(arg, &secs)) return errors::kTimeoutNotFloat;
  long double ms = secs * 1000.0L;
  if (ms < 0) return errors::kTimeoutNegative;
  // Redis rounds up to whole milliseconds (ceill): any positive timeout, however small, is at
  // least 1 ms; only 0 means "forever".
  if (ms >= static_cast<long double>(LLONG_MAX - UnixMs())) return "ERR timeout is out of range";
  *timeout_ms = static_cast<int64_t>(ceill(ms));
  return "";
}

bool ParseLong(std::string_view s, int64_t* out) { return ParseInt64(s, out); }

bool ParseScanCursor(std::string_view arg, uint64_t* out) {
  std::string s(arg);
  if (!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

bool ScanOptions::Matches(std::string_view s) const {
  return !use_pattern || GlobMatch(pattern, s);
}

uint64_t ScanOptions::MaxSteps() const {
  return count > INT64_MAX / 10 ? UINT64_MAX : static_cast<uint64_t>(count) * 10;
}

std::string ParseScanOptions(ArgSlice args, size_t first, ScanOptions* out) {
  for (size_t i = first; i < args.size(); i += 2) {
    bool has_value = i + 1 < args.size();
    if (EqNoCaseC(args[i], "count") && has_value) {
      if (!ParseInt64(args[i + 1], &out->count)) return errors::kNotInteger;
      if (out->count < 1) return errors::kSyntax;
    } else if (EqNoCaseC(args[i], "match") && has_value) {
      out->pattern = args[i + 1];
      out->use_pattern = out->pattern != "*";
    } else {
      return errors::kSyntax;
    }
  }
  return "";
}

void ReplyScanHead(protocol::ReplyBuilder& rb, uint64_t cursor, size_t n) {
  char buf[kInt64BufSize];
  rb.Array(2);
  rb.Bulk(std::string_view(buf, FormatInt64(static_cast<int64_t>(cursor), buf)));
  rb.Array(n);
}

uint64_t RandomU64() {
  static thread_local std::mt19937_64 gen(std::random_device{}());
  return gen();
}

}  // namespace shoal
