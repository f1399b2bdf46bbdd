// Listpack: a compact, contiguous sequence of elements, each a byte string or an int64, in one
// mi_malloc block (Redis's listpack idea, our own code). Small hashes, small sorted sets and every
// quicklist node use it.
//
// Layout: [u32 total bytes][u32 element count][entries ...][0xFF]
// Entry:  [encoding byte(s) + payload][backlen: their size, 1..5 bytes, read backwards]
// Encodings (first byte): 0xxxxxxx 7-bit uint; 10xxxxxx string up to 63 bytes; 110xxxxx +1 byte
// 13-bit int; 1110xxxx +1 byte string up to 4095; 0xF0 + u32 len string; 0xF1/0xF2/0xF3/0xF4
// int16/int24/int32/int64. A string that is a canonical int64 (as Redis's string2ll accepts, at
// most 20 chars) is stored as an integer and read back as the same digits.
//
// Positions are uint8_t* into the block. Any mutation may move the block: it returns the new one
// and every position into the old one is invalid (mutations that need a position afterwards return
// it through an out parameter).
// Threading: plain data, owned by one shard; no internal synchronisation.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::lp {

// An empty listpack. `capacity`: bytes to allocate up front, so that appends up to that size grow
// in place (Redis's lpNew(prealloc); the stream's tail node uses it). Growth beyond the block
// reallocates; ShrinkToFit gives the unused end back.
uint8_t* New(size_t capacity = 0);
uint8_t* ShrinkToFit(uint8_t* lp);
void Free(uint8_t* lp);
uint8_t* Clone(const uint8_t* lp);
size_t MallocSize(const uint8_t* lp);  // mi_usable_size of the block
size_t Bytes(const uint8_t* lp);       // bytes in use (header to end marker)
uint32_t Length(const uint8_t* lp);    // number of elements

// One element as read: an integer or a view of the string bytes inside the listpack.
struct Elem {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
  // The element as bytes; integers are printed into `scratch` (at least 21 bytes).
  std::string_view Str(char* scratch) const;
};

uint8_t* First(uint8_t* lp);                // nullptr when empty
uint8_t* Last(uint8_t* lp);                 // nullptr when empty
uint8_t* Next(uint8_t* lp, uint8_t* p);     // nullptr after the last
uint8_t* Prev(uint8_t* lp, uint8_t* p);     // nullptr before the first
uint8_t* Seek(uint8_t* lp, int64_t index);  // negative counts from the end; nullptr out of range
Elem Get(const uint8_t* p);
// True when the element's bytes equal s (an int element compares as its decimal digits).
bool Eq(const uint8_t* p, std::string_view s);
// From p (inclusive), the first element equal to s, looking at p and then every (skip+1)-th
// element (skip = 1 looks only at fields of a field/value listpack). nullptr when none.
uint8_t* Find(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip);

// Mutations. Strings that are canonical int64s are stored as integers.
uint8_t* Append(uint8_t* lp, std::string_view s);
uint8_t* AppendInt(uint8_t* lp, int64_t v);
uint8_t* Prepend(uint8_t* lp, std::string_view s);
// Inserts s before (before = true) or after p; *out (when not null) gets the new element.
uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, bool before, uint8_t** out);
// Replaces the element at p with s; *out (when not null) gets its new position.
uint8_t* Replace(uint8_t* lp, uint8_t* p, std::string_view s, uint8_t** out);
// Deletes the element at p; *next (when not null) gets the element that followed it, or nullptr.
uint8_t* Delete(uint8_t* lp, uint8_t* p, uint8_t** next);
// Deletes `count` elements starting at index (negative from the end); clamps at the end.
uint8_t* DeleteRange(uint8_t* lp, int64_t index, uint32_t count);

// The bytes one more element holding s would add (for size limits such as list-max-listpack-size).
size_t EntrySize(std::string_view s);

// ---- Redis's layout (RDB files, DUMP payloads) ----
// Redis 7.0 writes listpacks with a 6-byte header, [u32 total bytes][u16 element count, 65535
// when the count is 65535 or more], followed by the same entries and 0xFF as here.
inline constexpr size_t kRedisHeaderSize = 6;
inline constexpr uint16_t kRedisUnknownCount = 65535;  // LP_HDR_NUMELE_UNKNOWN

// Appends lp in Redis's layout (Bytes(lp) - 2 bytes) to *out.
void AppendRedisLayout(const uint8_t* lp, std::string* out);
// Checks untrusted bytes in Redis's layout fully: the header's total equals bytes.size(); every
// entry has a known encoding, lies within the bytes and ends with the canonical backlen of its
// size; no string entry holds a canonical integer (Redis and Shoal store those as integers, and
// lookups rely on it); 0xFF follows the last entry and ends the bytes; the header's count (unless
// 65535) equals the entries. `on_entry` sees each entry in order (a position Get accepts, valid
// while `bytes` is) and may reject it by returning false. Returns the element count, or -1.
// Never reads outside `bytes`.
int64_t ValidateRedisLayout(std::string_view bytes,
                            absl::FunctionRef<bool(const uint8_t* entry)> on_entry);
// A new listpack holding the entries of Redis-layout bytes that ValidateRedisLayout accepted
// (`count`: what it returned).
uint8_t* FromRedisLayout(std::string_view bytes, uint32_t count);

}  // namespace shoal::lp
