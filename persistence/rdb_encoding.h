// RDB primitives as Redis 7.0 (RDB version 10) writes and reads them (rdb.c): lengths, strings
// (integer-encoded, LZF-compressed, verbatim), the DUMP payload footer (cluster.c
// createDumpPayload / verifyDumpPayload) and the FUNCTION DUMP / RESTORE payload (functions.c).
// Pure functions and a reader over a caller-owned buffer; no server state. Callable from any
// thread; a Reader is used by one thread at a time and must not outlive its buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shoal::rdb {

inline constexpr uint16_t kVersion = 10;  // RDB_VERSION in Redis 7.0

// Opcodes (rdb.h) used by this layer so far.
inline constexpr uint8_t kOpcodeFunction2 = 245;  // library code as one string (7.0 GA)
inline constexpr uint8_t kOpcodeFunction = 246;   // name, engine, [description], code (7.0-rc1/2)

// Length encoding: the top two bits of the first byte.
inline constexpr uint8_t kLen6Bit = 0;      // 00xxxxxx
inline constexpr uint8_t kLen14Bit = 1;     // 01xxxxxx xxxxxxxx (big endian)
inline constexpr uint8_t kLen32Bit = 0x80;  // 0x80 + u32 big endian
inline constexpr uint8_t kLen64Bit = 0x81;  // 0x81 + u64 big endian
inline constexpr uint8_t kEncVal = 3;       // 11xxxxxx: a special string encoding follows
// Special string encodings (the low six bits after kEncVal).
inline constexpr uint8_t kEncInt8 = 0;   // 0xC0 + int8
inline constexpr uint8_t kEncInt16 = 1;  // 0xC1 + int16 little endian
inline constexpr uint8_t kEncInt32 = 2;  // 0xC2 + int32 little endian
inline constexpr uint8_t kEncLzf = 3;    // 0xC3 + len compressed + len original + LZF bytes

// DUMP payload footer: RDB version (u16 LE) + CRC64 (u64 LE) of everything before the CRC.
inline constexpr size_t kDumpFooterSize = 10;

// Error replies (without the leading '-'), byte-identical to Redis 7.0.15. RESTORE and FUNCTION
// RESTORE both answer kErrDumpPayload when VerifyDumpPayload fails.
inline constexpr char kErrDumpPayload[] = "ERR DUMP payload version or checksum are wrong";
inline constexpr char kErrBadDataFormat[] = "ERR Bad data format";  // RESTORE, body unreadable
// FUNCTION RESTORE, body unreadable (functionRestoreCommand / rdbFunctionLoad).
inline constexpr char kErrFunctionReadType[] = "ERR can not read data type";
inline constexpr char kErrFunctionNotFunction[] = "ERR given type is not a function";
inline constexpr char kErrFunctionPayload[] = "ERR Failed loading library payload";
inline constexpr char kErrFunctionName[] = "ERR Failed loading library name";
inline constexpr char kErrFunctionEngine[] = "ERR Failed loading engine name";
inline constexpr char kErrFunctionDescFlag[] = "ERR Failed loading library description indicator";
inline constexpr char kErrFunctionDesc[] = "ERR Failed loading library description";
inline constexpr char kErrFunctionBlob[] = "ERR Failed loading library blob";

// ---- Writing (appends to *out) ----

// rdbSaveLen: the shortest of the 6/14/32/64-bit forms.
void AppendLen(uint64_t len, std::string* out);

// rdbEncodeInteger: writes the 0xC0/0xC1/0xC2 form of value into enc (>= 5 bytes) and returns its
// size, or 0 when value does not fit in 32 bits.
size_t EncodeInteger(int64_t value, uint8_t* enc);

// rdbSaveRawString: a string of at most 11 bytes that string2ll accepts and that fits in 32 bits
// is integer-encoded; else, with `compress` (config rdbcompression) and more than 20 bytes, LZF
// when it fits in len - 4 bytes; else length + bytes.
void AppendString(std::string_view s, bool compress, std::string* out);

// rdbSaveLongLongAsStringObject (an integer-encoded string value): integer encoding when it fits
// in 32 bits, else length + decimal digits.
void AppendInt64String(int64_t value, std::string* out);

// rdbSaveMillisecondTime and friends: `bytes` bytes of v, little endian.
void AppendLittleEndian(uint64_t v, int bytes, std::string* out);
uint64_t LoadLittleEndian(const char* p, int bytes);

// ---- Reading ----

// Reads RDB primitives from a buffer. A failed read returns an error status (OutOfRange when the
// buffer ends early, DataLoss when the bytes are not a valid encoding) and leaves the position
// somewhere inside the buffer; the reader is not meant to continue after an error. No read looks
// outside the buffer, and no allocation exceeds what the remaining bytes can justify.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  struct Len {
    uint64_t value;  // the length, or the encoding (kEncInt8 ...) when `encoded`
    bool encoded;    // the first byte was 11xxxxxx
  };

  // rdbLoadType: one byte (a type or opcode).
  absl::StatusOr<uint8_t> ReadByte();
  // rdbLoadLenByRef. Redis's rdbLoadLen(rdb, NULL) callers ignore `encoded`; so may ours.
  absl::StatusOr<Len> ReadLen();
  // rdbGenericLoadStringObject: every string form. Integer forms come back as decimal digits
  // (ll2string). As Redis, an LZF string whose original length is 0 reads as "" whatever its
  // compressed bytes are (liblzf reports errors as 0 bytes written).
  absl::StatusOr<std::string> ReadString();
  // Advances over one string of any form without building it (LZF data is not decompressed).
  absl::Status SkipString();
  // The next n bytes as they are (a view into the buffer).
  absl::StatusOr<std::string_view> ReadRaw(size_t n);

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  absl::StatusOr<std::string> ReadIntegerString(uint64_t enc);
  absl::StatusOr<std::string> ReadLzfString();

  std::string_view data_;
  size_t pos_ = 0;
};

// ---- DUMP payloads ----

// Appends the footer to a serialized body: RDB version 10 (u16 LE), then the CRC64 (u64 LE) of
// everything before it, body and version included.
void AppendDumpFooter(std::string* payload);

// verifyDumpPayload: at least 10 bytes, footer version <= 10 and a matching CRC64 (the CRC is
// not checked with skip_checksum, Redis's DEBUG SET-SKIP-CHECKSUM-VALIDATION). On failure an
// InvalidArgument status whose message is kErrDumpPayload. *rdb_version (when given) receives the
// footer's version whenever the payload has a footer, even when the check fails.
absl::Status VerifyDumpPayload(std::string_view payload, uint16_t* rdb_version = nullptr,
                               bool skip_checksum = false);

// FUNCTION DUMP's reply: for each library, opcode 245 and its code as an RDB string
// (AppendString with `compress` = rdbcompression), then the DUMP footer.
std::string DumpFunctions(const std::vector<std::string_view>& codes, bool compress);

// FUNCTION RESTORE's parse of a payload, before any library is created: the codes in payload
// order. Opcode 246 records (7.0-rc1/2) are accepted and turned into 7.0 code as Redis does
// ("#!<engine> name=<name>\n<code>", the description dropped). Mirrors functionRestoreCommand
// exactly, including that records are read while more than 10 bytes remain and may read into the
// footer. Errors are InvalidArgument statuses whose message is Redis's reply (kErr* above).
absl::StatusOr<std::vector<std::string>> LoadFunctionsPayload(std::string_view payload,
                                                              bool skip_checksum = false);

}  // namespace shoal::rdb
