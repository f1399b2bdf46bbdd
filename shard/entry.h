// Entry: one key with its value, expiry and access metadata in a single heap block.
//
//   [type|enc:1][flags:1][lru:3][varint klen][key bytes][expire_ms:8 if flagged][value]
//
// value by encoding: kInt -> 8-byte int64; kEmbStr -> varint len + bytes; kRaw -> pointer to a
// RawStr (separate block with spare capacity, for strings that grow: APPEND, SETRANGE, SETBIT);
// collection types -> pointer to their object (shard/object.h says which structure per encoding).
//
// flags: bit 0 expire_ms present, bit 1 the block is a slab block.
//
// The block comes from the running shard's Slab (tl_slab, 8-byte size classes up to 256 bytes)
// when the calling thread has one, else from mem::Malloc; the flag says which, so any thread
// frees it the right way. A 16-byte key with a 32-byte value takes 55 bytes (5 header, 1 key
// length, 16 key, 1 value length, 32 value): a 56-byte slab block (mimalloc's size class would
// be 64; tests/unit/entry_test.cc checks the figures; docs/ARCHITECTURE.md and
// docs/BENCHMARKS.md quote them). Sanitizer builds never use the slab.
// Threading: an Entry belongs to the shard whose table holds it; only that shard's thread reads or
// writes it. Any function returning a new Entry* may free the old one; callers re-store the
// pointer in the table slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6
};

// Numbers match Redis's OBJ_ENCODING_* so OBJECT ENCODING names map one to one.
enum class ObjEnc : uint8_t {
  kRaw = 0,
  kInt = 1,
  kHashTable = 2,
  kIntSet = 6,
  kSkipList = 7,
  kEmbStr = 8,
  kQuickList = 9,
  kListPack = 11,
  kStream = 10,  // shard/stream.h
};

// Redis creates embstr for strings up to this length (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
inline constexpr size_t kEmbStrLimit = 44;

const char* TypeName(ObjType t);     // "string", "list", ...
const char* EncodingName(ObjEnc e);  // "raw", "int", "embstr", ...

struct RawStr {
  size_t len;
  size_t cap;
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

class Entry {
 public:
  Entry() = delete;

  // A string entry choosing Redis's encoding: int when the value is a canonical int64 of at most
  // 20 chars, embstr up to 44 bytes, raw above. expire_ms == 0 means no expiry.
  // `reuse`: an inline string entry (int/embstr) being replaced; when its block is big enough
  // it is overwritten and returned instead of allocating (the caller must not free it then).
  static Entry* NewString(std::string_view key, std::string_view value, int64_t expire_ms,
                          uint32_t lru, Entry* reuse = nullptr);
  static Entry* NewInt(std::string_view key, int64_t value, int64_t expire_ms, uint32_t lru,
                       Entry* reuse = nullptr);
  // An embstr whatever the bytes (INCRBYFLOAT's result stays a string even if it looks like an
  // integer, as in Redis). Use for values up to kEmbStrLimit bytes.
  static Entry* NewEmbStr(std::string_view key, std::string_view value, int64_t expire_ms,
                          uint32_t lru, Entry* reuse = nullptr);
  // Raw-encoded string with at least `cap` capacity (for APPEND/SETRANGE/SETBIT).
  static Entry* NewRaw(std::string_view key, std::string_view value, size_t cap, int64_t expire_ms,
                       uint32_t lru);
  // A collection entry owning `obj` (see shard/object.h for the structure behind each encoding).
  static Entry* NewObject(std::string_view key, ObjType type, ObjEnc enc, void* obj,
                          int64_t expire_ms, uint32_t lru);
  // Same key and value, new expiry (0 removes it). Frees `e`.
  static Entry* WithExpire(Entry* e, int64_t expire_ms);
  // The same value under another key and expiry (RENAME): the value (inline bytes, or the
  // out-of-line string/object pointer) moves to a new block and `e`'s block is freed.
  static Entry* Rekey(Entry* e, std::string_view new_key, int64_t expire_ms);
  // A copy with another key (COPY, RENAMENX across shards); deep-copies the value (any type).
  static Entry* Clone(const Entry* e, std::string_view new_key, int64_t expire_ms);
  static void Free(Entry* e);

  std::string_view key() const;
  ObjType type() const { return static_cast<ObjType>(bytes()[0] & 0xF); }
  ObjEnc enc() const { return static_cast<ObjEnc>(bytes()[0] >> 4); }
  bool has_expire() const { return bytes()[1] & kFlagExpire; }
  // The block comes from a shard's Slab (shard/slab.h), not from mem::Malloc.
  bool slab_block() const { return bytes()[1] & kFlagSlab; }
  int64_t expire_ms() const;  // 0 when none
  uint32_t lru() const {
    const uint8_t* b = bytes();
    return b[2] | (b[3] << 8) | (uint32_t{b[4]} << 16);
  }
  void set_lru(uint32_t v) {
    uint8_t* b = bytes();
    b[2] = v & 0xFF;
    b[3] = (v >> 8) & 0xFF;
    b[4] = (v >> 16) & 0xFF;
  }

  // Strings.
  int64_t int_value() const;           // enc() == kInt
  std::string_view str_value() const;  // enc() == kEmbStr or kRaw
  RawStr* raw() const;                 // enc() == kRaw
  void set_raw(RawStr* r);             // enc() == kRaw
  // Any string encoding as bytes; ints are printed into `scratch` (>= 21 bytes).
  std::string_view StringBytes(char* scratch) const;

  // Other types: the value object pointer.
  void* object() const;
  // Swaps in another object (after a mutation moved it, or an encoding conversion). The old object
  // is not freed: the caller owns it.
  void set_object(void* obj, ObjEnc enc);

  // Bytes of the entry block plus its out-of-line string (collection objects are not counted
  // here: they change size in place; see ObjectMallocSize).
  size_t MallocSize() const;
  // The whole cost, the collection object included (MEMORY USAGE, DEBUG).
  size_t TotalMallocSize() const;

  // Header byte 1.
  static constexpr uint8_t kFlagExpire = 1;
  static constexpr uint8_t kFlagSlab = 2;

 private:
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  size_t KeyEnd() const;
  size_t ValueOffset() const;
  size_t ValueSize() const;
};

RawStr* NewRawStr(std::string_view value, size_t cap);
// Grows r to hold at least `need` bytes (greedy like sds: doubles up to 1MB, then +1MB).
RawStr* GrowRawStr(RawStr* r, size_t need);
void FreeRawStr(RawStr* r);

}  // namespace shoal
