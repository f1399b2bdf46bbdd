// The retired encodings RDB files from Redis <= 6.2 hold, read only (Shoal converts them while
// loading, as Redis 7.0 does): the ziplist (list values, list quicklist nodes, small hashes and
// sorted sets; Redis's ziplist.c) and the zipmap (hashes of Redis <= 2.4; zipmap.c).
// Pure functions over untrusted bytes: they never read outside them, whatever they hold.
// Callable from any thread.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstdint>
#include <string_view>

namespace shoal::rdb {

// One ziplist entry as read: an integer, or a view of the string's bytes inside the ziplist.
struct ZiplistEntry {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
};

// Walks a ziplist with the checks of Redis's ziplistValidateIntegrity (deep):
//   [u32 total bytes][u32 offset of the last entry][u16 count, 65535 when unknown] entries 0xFF
//   entry: [prevlen: 1 byte < 254, or 0xFE + u32][encoding (+ length)][payload]
// The header's total equals zl.size(), 0xFF ends it, every entry has a known encoding, lies within
// the bytes and states the previous entry's size; the tail offset names the last entry and the
// count (unless 65535) matches. `fn` sees each entry in order (before the checks that need the
// whole walk) and may stop the walk by returning false. Returns true when the bytes are valid and
// fn accepted every entry.
bool ForEachZiplistEntry(std::string_view zl, absl::FunctionRef<bool(const ZiplistEntry&)> fn);

// Walks a zipmap with the checks of Redis's zipmapValidateIntegrity (deep):
//   [u8 count, 254 when unknown] (field value)* 0xFF
//   field: [len: 1 byte < 254, or 254 + u32 LE][bytes]
//   value: [len][u8 free][bytes][free bytes]
// At least one pair; the count (unless 254) matches. `fn` sees each pair in order and may stop the
// walk by returning false. Returns true when the bytes are valid and fn accepted every pair.
bool ForEachZipmapPair(std::string_view zm,
                       absl::FunctionRef<bool(std::string_view field, std::string_view value)> fn);

}  // namespace shoal::rdb
