// RDB values: one key's value as Redis 7.0 (RDB version 10) writes it (rdb.c rdbSaveObjectType /
// rdbSaveObject) and every value type Redis 7.0 loads (rdbLoadObject), to and from Shoal's
// structures (shard/object.h). Used by the RDB file (persistence/rdb_file.h), DUMP/RESTORE and
// the AOF base.
//
// Saving writes Shoal's current encoding in Redis's matching RDB type (listpack bodies with
// Redis's 6-byte header, quicklist nodes as QUICKLIST_2 PACKED nodes, intsets verbatim). Loading
// accepts the 7.0 types and the older ones (ziplist, zipmap, plain list, string-score zset,
// ziplist quicklist), validates every structure it adopts (a corrupt value is an error, never a
// crash), and converts as Redis 7.0 does (a listpack over the *-max-listpack-* thresholds becomes
// a hashtable / skiplist; an intset over set-max-intset-entries a hashtable; ziplists become
// listpacks). An empty collection loads as "empty" (the caller skips the key, as Redis does).
//
// Threading: pure functions. DecodeValue allocates the value's structures on the calling thread's
// heap (shard/alloc.h), so call it on the shard thread that will own the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persistence/rdb_encoding.h"
#include "shard/entry.h"

namespace shoal::rdb {

// Value types (rdb.h RDB_TYPE_*).
inline constexpr uint8_t kTypeString = 0;
inline constexpr uint8_t kTypeList = 1;
inline constexpr uint8_t kTypeSet = 2;
inline constexpr uint8_t kTypeZSet = 3;
inline constexpr uint8_t kTypeHash = 4;
inline constexpr uint8_t kTypeZSet2 = 5;
inline constexpr uint8_t kTypeModule = 6;
inline constexpr uint8_t kTypeModule2 = 7;
inline constexpr uint8_t kTypeHashZipmap = 9;
inline constexpr uint8_t kTypeListZiplist = 10;
inline constexpr uint8_t kTypeSetIntset = 11;
inline constexpr uint8_t kTypeZSetZiplist = 12;
inline constexpr uint8_t kTypeHashZiplist = 13;
inline constexpr uint8_t kTypeListQuicklist = 14;
inline constexpr uint8_t kTypeStreamListpacks = 15;
inline constexpr uint8_t kTypeHashListpack = 16;
inline constexpr uint8_t kTypeZSetListpack = 17;
inline constexpr uint8_t kTypeListQuicklist2 = 18;
inline constexpr uint8_t kTypeStreamListpacks2 = 19;

// True for the bytes rdbIsObjectType accepts in RDB 10 (0-7, 9-19).
bool IsValueType(uint8_t type);

// Where the encoder puts its bytes. `buf` grows; between elements of a collection the encoder
// calls Check(), which hands the buffer to Flush() once it holds at least `flush_at` bytes, so a
// file writer never holds more than about flush_at bytes plus one element of a big value. The
// base class never flushes (DUMP builds the whole payload).
class Sink {
 public:
  explicit Sink(size_t flush_at = SIZE_MAX) : flush_at_(flush_at) {}
  virtual ~Sink() = default;
  std::string& buf() { return buf_; }
  void Check() {
    if (buf_.size() >= flush_at_) Flush();
  }
  // Writes out (and clears) buf(). The base class keeps everything.
  virtual void Flush() {}
  // Appends bytes too big to copy into buf() (a big string value): a file sink writes what it
  // holds and then these bytes straight from where they are.
  virtual void WriteLarge(std::string_view bytes) { buf_.append(bytes); }
  // Strings at least this long go through WriteLarge.
  static constexpr size_t kLargeString = 64 * 1024;

 protected:
  std::string buf_;
  size_t flush_at_;
};

// The RDB type byte Redis 7.0 writes for e's type and encoding.
uint8_t ValueType(const Entry* e);
// The value body (no type byte, no key): strings through rdbSaveRawString rules (int encoding,
// LZF with `compress`), collections in e's encoding. Calls sink.Check() between elements.
void EncodeValue(const Entry* e, bool compress, Sink& sink);

// A decoded value: a string's bytes, or a collection object in (type, enc) for Entry::NewObject.
// Owns obj until handed to an Entry (MakeEntry) or freed (FreeDecoded).
struct DecodedValue {
  ObjType type = ObjType::kString;
  ObjEnc enc = ObjEnc::kRaw;  // collections (a string's encoding is chosen by MakeEntry)
  std::string str;            // strings
  void* obj = nullptr;        // collections
  bool empty = false;         // a collection with no elements: Redis skips such keys
};

struct DecodeOptions {
  // sanitize-dump-payload yes: Redis's deep checks, i.e. repeated fields / members in hash and
  // zset listpacks and in the listpack part of a plain hash. Structure (lengths, entry encodings,
  // counts, intset order) is always checked whatever this says, and so are repeats in plain sets,
  // zsets and hashtables, ziplists and zipmaps (Redis checks those always too).
  bool deep = false;
};

// Reads one value body of RDB type `type` from r (positioned after the key). Errors are DataLoss
// / OutOfRange statuses naming what is wrong (Redis's rdbReportCorruptRDB texts where it has one,
// e.g. "Duplicate set members detected"); module types are refused (Unimplemented): Redis's "The
// RDB file contains module data I can't load: no matching module type '<name>'". Streams (15, 19)
// load with their groups; their nodes are always checked deeply (Redis's deep sanitization of
// stream listpacks), since the stream code walks them trusting their layout.
// Conversions read ShardSettings (the *-max-listpack-* / set-max-intset-entries thresholds, the
// fill of lists from list-max-listpack-size) at the time of the call.
absl::StatusOr<DecodedValue> DecodeValue(Reader& r, uint8_t type, const DecodeOptions& opts);
// Advances r over one value body of `type` without building it (the file loader splits records
// this way before decoding them on their shards). Checks lengths only (LZF data is not
// decompressed). Streams (15, 19) and MODULE_2 values (7, self-describing) are skipped too;
// MODULE (6) values cannot be and are refused as DecodeValue refuses them.
absl::Status SkipValue(Reader& r, uint8_t type);
// An entry holding v (consumed). v must not be empty.
Entry* MakeEntry(std::string_view key, DecodedValue&& v, int64_t expire_ms, uint32_t lru);
void FreeDecoded(DecodedValue& v);

// The module name a 64-bit module type id encodes (moduleTypeNameByID: 9 characters of a
// 64-symbol set from the top 54 bits; the low 10 bits are the encoding version).
std::string ModuleNameFromId(uint64_t id);

// DUMP: type byte + body + footer (rdb_encoding.h AppendDumpFooter). Redis's DUMP always allows
// LZF when rdbcompression is on.
std::string DumpPayload(const Entry* e, bool compress);

// RESTORE's parse: VerifyDumpPayload, then the type byte and DecodeValue of the body, with
// Redis's restoreCommand rules (the body is read from the whole payload, footer included, and
// what follows the value is not checked). Errors are InvalidArgument statuses carrying Redis's
// reply text (kErrDumpPayload, kErrBadDataFormat; a module value is a kErrBadDataFormat, as in a
// Redis without that module; so is an empty collection, which rdbLoadObject fails). A value
// returned is never empty.
absl::StatusOr<DecodedValue> RestorePayload(std::string_view payload, const DecodeOptions& opts,
                                            bool skip_checksum = false);

}  // namespace shoal::rdb
