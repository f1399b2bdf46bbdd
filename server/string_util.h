// Shared pieces of the string commands (SET's option parsing and the write itself), used by the
// string and bitmap families. Shard-side functions run on the owning shard's thread.
#pragma once

#include <string>
#include <string_view>

#include "server/command_context.h"

namespace shoal {

struct SetParams {
  enum class Cond { kNone, kNx, kXx };
  Cond cond = Cond::kNone;
  bool get = false;
  bool keepttl = false;
  int64_t expire_at_ms = 0;  // absolute unix ms; 0: no expiry
};

// Parses SET-style options from args[first...]. Returns "" or the error reply.
std::string ParseSetOptions(ArgSlice args, size_t first, bool allow_get, int64_t now_ms,
                            std::string_view cmd_name, SetParams* p);

// Converts a relative/absolute expire argument like Redis; returns false on "invalid expire time".
bool ExpireToAbsoluteMs(int64_t v, bool seconds, bool absolute, int64_t now_ms, int64_t* out);

// SET semantics with conditions and GET; writes the reply.
void SetString(CommandContext& ctx, std::string_view key, std::string_view value,
               const SetParams& p);

// Stores key=value (replacing any type), honouring p.keepttl and p.expire_at_ms, and emits "set"
// (and "expire" when p.expire_at_ms is given). No reply.
void PutString(DbSlice& slice, DbIndex db, std::string_view key, std::string_view value,
               const SetParams& p);
// The same when the caller already looked the key up: `s` is its live slot or nullptr.
void PutStringAt(DbSlice& slice, DbIndex db, DbSlice::Slot* s, std::string_view key,
                 std::string_view value, const SetParams& p);

// checkStringLength: false when size + append exceeds proto-max-bulk-len (or overflows).
bool StringLengthOk(uint64_t size, uint64_t append);
// dbUnshareStringValue + sdsgrowzero: makes the string in `slot` raw and at least `min_len`
// bytes (zero filled), keeping the TTL; returns it for in-place writes. Signals nothing: the
// caller calls DbSlice::Modified first when it changes the string (growing it included).
RawStr* UnshareRawString(DbSlice& slice, DbIndex db, DbSlice::Slot* slot, size_t min_len);
// A new raw string of `len` zero bytes under `key` (which must be absent).
RawStr* AddZeroedRawString(DbSlice& slice, DbIndex db, std::string_view key, size_t len);
// Redis compares option keywords as C strings: an argument counts up to its first NUL byte.
std::string_view CStr(std::string_view s);
// Case-insensitive keyword match with CStr semantics; `lower` is lower case.
bool EqNoCaseC(std::string_view arg, std::string_view lower);

}  // namespace shoal
