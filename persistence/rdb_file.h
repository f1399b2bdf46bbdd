// The RDB file as Redis 7.0 writes and reads it (rdb.c rdbSaveRio / rdbLoadRioWithLoadingCtx):
//
//   "REDIS0010"  AUX*  FUNCTION2*  { SELECTDB RESIZEDB { [EXPIRETIME_MS] [IDLE|FREQ] type key
//   value }* }*  EOF  CRC64 (8 bytes LE; 0 when rdbchecksum is off)
//
// Shoal writes the header here, each shard's records in its own section (persistence/snapshot.h,
// every section opening each db it writes with SELECTDB + RESIZEDB, which Redis's loader accepts
// anywhere), then EOF and the CRC folded from the pieces' CRCs (Crc64Combine). ParseFile walks a
// whole file in memory for the loader (server/persistence.cc) and shoal-check-rdb: it checks
// every length and opcode, hands each key's record (with its value's bytes, not decoded) to the
// caller, and verifies the checksum. Errors name the byte offset where reading failed.
//
// Threading: pure functions; ParseFile calls its handlers on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shoal::rdb {

// Opcodes (rdb.h RDB_OPCODE_*).
inline constexpr uint8_t kOpcodeModuleAux = 247;
inline constexpr uint8_t kOpcodeIdle = 248;
inline constexpr uint8_t kOpcodeFreq = 249;
inline constexpr uint8_t kOpcodeAux = 250;
inline constexpr uint8_t kOpcodeResizeDb = 251;
inline constexpr uint8_t kOpcodeExpireTimeMs = 252;
inline constexpr uint8_t kOpcodeExpireTime = 253;
inline constexpr uint8_t kOpcodeSelectDb = 254;
inline constexpr uint8_t kOpcodeEof = 255;

inline constexpr size_t kMagicSize = 9;  // "REDIS0010"

struct HeaderInfo {
  std::string redis_ver;  // the AUX redis-ver
  int64_t ctime_s = 0;
  uint64_t used_mem = 0;
  bool aof_base = false;
  bool compress = true;                // rdbcompression, for the function codes
  std::vector<std::string> functions;  // FUNCTION2 library codes
};

// Magic, AUX fields (redis-ver, redis-bits, ctime, used-mem, aof-base, as rdbSaveInfoAuxFields)
// and the function libraries.
std::string FileHeader(const HeaderInfo& h);
// EOF and the checksum of everything before it (`crc` = Crc64 of the file so far; 0 written when
// `checksum` is off).
std::string FileTrailer(uint64_t crc, bool checksum);
void AppendInt64Le(int64_t v, std::string* out);

// ---- Reading ----

// One key as the file has it. `body` is the value's bytes (decode with rdb_value.h DecodeValue
// of `type`), a view into the parsed buffer.
struct Record {
  uint32_t db = 0;
  std::string key;
  uint8_t type = 0;
  int64_t expire_ms = -1;  // -1: none
  int64_t idle_s = -1;     // IDLE, -1: none
  int freq = -1;           // FREQ, -1: none
  std::string_view body;
  size_t offset = 0;  // of the record's first byte (its first opcode)
};

struct ParseOptions {
  unsigned num_dbs = 16;        // a SELECTDB at or past it is an error, as in Redis
  bool verify_checksum = true;  // rdbchecksum
};

struct ParseHandlers {
  // Each may return an error to stop the parse (it is reported with the record's offset).
  std::function<absl::Status(Record&&)> record;
  std::function<absl::Status(std::string_view key, std::string_view value)> aux;
  std::function<absl::Status(std::string code)> function;
  std::function<void(uint32_t db, uint64_t size, uint64_t expires)> resize;
};

struct ParseSummary {
  int version = 0;
  uint64_t keys = 0;
  uint64_t expires = 0;
  uint64_t aux_fields = 0;
  uint64_t functions = 0;
  bool checksum_present = false;  // false: saved with rdbchecksum no (or a pre-v5 file)
  size_t bytes = 0;               // up to the end of the checksum
};

// Walks the file. Errors are DataLoss (corrupt), OutOfRange (truncated), FailedPrecondition
// (an RDB version, module or type Shoal cannot load), each message ending "... (offset N)".
absl::StatusOr<ParseSummary> ParseFile(std::string_view data, const ParseOptions& opts,
                                       const ParseHandlers& handlers);

}  // namespace shoal::rdb
