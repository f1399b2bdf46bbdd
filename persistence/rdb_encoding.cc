#include "persistence/rdb_encoding.h"

#include <cstring>
#include <memory>
#include <utility>

#include "base/numbers.h"
#include "persistence/crc64.h"
#include "persistence/lzf.h"

namespace shoal::rdb {
namespace {

void AppendBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

}  // namespace

void AppendLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t LoadLittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

namespace {

absl::Status Truncated() { return absl::OutOfRangeError("Unexpected EOF reading RDB data"); }

// rdbSaveLzfStringObject: kept only when liblzf fits it in len - 4 bytes.
bool AppendLzfString(std::string_view s, std::string* out) {
  if (s.size() <= 4) return false;
  const size_t cap = s.size() - 4;
  auto buf = std::make_unique_for_overwrite<char[]>(cap);
  const size_t clen = lzf::Compress(s.data(), s.size(), buf.get(), cap);
  if (clen == 0) return false;
  out->push_back(static_cast<char>((kEncVal << 6) | kEncLzf));
  AppendLen(clen, out);
  AppendLen(s.size(), out);
  out->append(buf.get(), clen);
  return true;
}

}  // namespace

void AppendLen(uint64_t len, std::string* out) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len | (kLen6Bit << 6)));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>((len >> 8) | (kLen14Bit << 6)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(kLen32Bit));
    AppendBigEndian(len, 4, out);
  } else {
    out->push_back(static_cast<char>(kLen64Bit));
    AppendBigEndian(len, 8, out);
  }
}

size_t EncodeInteger(int64_t value, uint8_t* enc) {
  const auto u = static_cast<uint64_t>(value);
  size_t bytes;
  if (value >= INT8_MIN && value <= INT8_MAX) {
    enc[0] = (kEncVal << 6) | kEncInt8;
    bytes = 1;
  } else if (value >= INT16_MIN && value <= INT16_MAX) {
    enc[0] = (kEncVal << 6) | kEncInt16;
    bytes = 2;
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    enc[0] = (kEncVal << 6) | kEncInt32;
    bytes = 4;
  } else {
    return 0;
  }
  for (size_t i = 0; i < bytes; ++i) enc[1 + i] = static_cast<uint8_t>(u >> (8 * i));
  return bytes + 1;
}

void AppendString(std::string_view s, bool compress, std::string* out) {
  if (s.size() <= 11) {
    int64_t value;
    uint8_t enc[5];
    size_t n;
    if (ParseInt64(s, &value) && (n = EncodeInteger(value, enc)) > 0) {
      out->append(reinterpret_cast<const char*>(enc), n);
      return;
    }
  }
  // Under 21 bytes LZF cannot save the 4 bytes it must (Redis's comment: not even for "aaa...").
  if (compress && s.size() > 20 && AppendLzfString(s, out)) return;
  AppendLen(s.size(), out);
  out->append(s);
}

void AppendInt64String(int64_t value, std::string* out) {
  uint8_t enc[5];
  if (const size_t n = EncodeInteger(value, enc); n > 0) {
    out->append(reinterpret_cast<const char*>(enc), n);
    return;
  }
  char buf[kInt64BufSize];
  const size_t len = FormatInt64(value, buf);
  AppendLen(len, out);
  out->append(buf, len);
}

absl::StatusOr<uint8_t> Reader::ReadByte() {
  if (remaining() < 1) return Truncated();
  return static_cast<uint8_t>(data_[pos_++]);
}

absl::StatusOr<Reader::Len> Reader::ReadLen() {
  if (remaining() < 1) return Truncated();
  const auto first = static_cast<uint8_t>(data_[pos_++]);
  const int type = first >> 6;
  if (type == kEncVal) return Len{first & 0x3fu, true};
  if (type == kLen6Bit) return Len{first & 0x3fu, false};
  if (type == kLen14Bit) {
    if (remaining() < 1) return Truncated();
    const auto second = static_cast<uint8_t>(data_[pos_++]);
    return Len{(uint64_t{first & 0x3fu} << 8) | second, false};
  }
  int bytes;
  if (first == kLen32Bit) {
    bytes = 4;
  } else if (first == kLen64Bit) {
    bytes = 8;
  } else {
    return absl::DataLossError("Unknown length encoding " + std::to_string(type) +
                               " in rdbLoadLen()");
  }
  if (remaining() < static_cast<size_t>(bytes)) return Truncated();
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
  return Len{v, false};
}

absl::StatusOr<std::string> Reader::ReadString() {
  auto len = ReadLen();
  if (!len.ok()) return len.status();
  if (len->encoded) {
    switch (len->value) {
      case kEncInt8:
      case kEncInt16:
      case kEncInt32:
        return ReadIntegerString(len->value);
      case kEncLzf:
        return ReadLzfString();
      default:
        return absl::DataLossError("Unknown RDB string encoding type " +
                                   std::to_string(len->value));
    }
  }
  if (len->value > remaining()) return Truncated();
  std::string s(data_.substr(pos_, len->value));
  pos_ += len->value;
  return s;
}

absl::Status Reader::SkipString() {
  auto len = ReadLen();
  if (!len.ok()) return len.status();
  uint64_t skip = len->value;
  if (len->encoded) {
    switch (len->value) {
      case kEncInt8:
        skip = 1;
        break;
      case kEncInt16:
        skip = 2;
        break;
      case kEncInt32:
        skip = 4;
        break;
      case kEncLzf: {
        auto clen = ReadLen();
        if (!clen.ok()) return clen.status();
        if (auto orig = ReadLen(); !orig.ok()) return orig.status();
        skip = clen->value;
        break;
      }
      default:
        return absl::DataLossError("Unknown RDB string encoding type " +
                                   std::to_string(len->value));
    }
  }
  return ReadRaw(skip).status();
}

absl::StatusOr<std::string_view> Reader::ReadRaw(size_t n) {
  if (n > remaining()) return Truncated();
  std::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

absl::StatusOr<std::string> Reader::ReadIntegerString(uint64_t enc) {
  const int bytes = enc == kEncInt8 ? 1 : enc == kEncInt16 ? 2 : 4;
  if (remaining() < static_cast<size_t>(bytes)) return Truncated();
  const uint64_t raw = LoadLittleEndian(data_.data() + pos_, bytes);
  pos_ += bytes;
  int64_t value;
  if (bytes == 1) {
    value = static_cast<int8_t>(raw);
  } else if (bytes == 2) {
    value = static_cast<int16_t>(raw);
  } else {
    value = static_cast<int32_t>(raw);
  }
  char buf[kInt64BufSize];
  return std::string(buf, FormatInt64(value, buf));
}

absl::StatusOr<std::string> Reader::ReadLzfString() {
  // Redis reads both lengths with rdbLoadLen(rdb, NULL): an 11xxxxxx byte counts as its 6 bits.
  auto clen = ReadLen();
  if (!clen.ok()) return clen.status();
  auto len = ReadLen();
  if (!len.ok()) return len.status();
  if (clen->value > remaining()) return Truncated();
  const std::string_view compressed = data_.substr(pos_, clen->value);
  pos_ += clen->value;
  // Redis allocates the declared length first; refusing what no LZF stream of this size can
  // produce keeps a forged length from allocating gigabytes here.
  if (len->value > lzf::MaxDecompressedSize(compressed.size())) {
    return absl::DataLossError("Invalid LZF compressed string");
  }
  std::string s(len->value, '\0');
  if (lzf::Decompress(compressed.data(), compressed.size(), s.data(), s.size()) != s.size()) {
    return absl::DataLossError("Invalid LZF compressed string");
  }
  return s;
}

void AppendDumpFooter(std::string* payload) {
  AppendLittleEndian(kVersion, 2, payload);
  AppendLittleEndian(Crc64(0, *payload), 8, payload);
}

absl::Status VerifyDumpPayload(std::string_view payload, uint16_t* rdb_version,
                               bool skip_checksum) {
  if (payload.size() < kDumpFooterSize) return absl::InvalidArgumentError(kErrDumpPayload);
  const char* footer = payload.data() + payload.size() - kDumpFooterSize;
  const auto version = static_cast<uint16_t>(LoadLittleEndian(footer, 2));
  if (rdb_version != nullptr) *rdb_version = version;
  if (version > kVersion) return absl::InvalidArgumentError(kErrDumpPayload);
  if (skip_checksum) return absl::OkStatus();
  const uint64_t crc = Crc64(0, payload.substr(0, payload.size() - 8));
  if (crc != LoadLittleEndian(footer + 2, 8)) return absl::InvalidArgumentError(kErrDumpPayload);
  return absl::OkStatus();
}

std::string DumpFunctions(const std::vector<std::string_view>& codes, bool compress) {
  std::string payload;
  for (std::string_view code : codes) {
    payload.push_back(static_cast<char>(kOpcodeFunction2));
    AppendString(code, compress, &payload);
  }
  AppendDumpFooter(&payload);
  return payload;
}

absl::StatusOr<std::vector<std::string>> LoadFunctionsPayload(std::string_view payload,
                                                              bool skip_checksum) {
  if (absl::Status st = VerifyDumpPayload(payload, nullptr, skip_checksum); !st.ok()) return st;
  // Redis reads with a rio over the whole payload, footer included: a record may run into it.
  Reader reader(payload);
  std::vector<std::string> codes;
  while (reader.remaining() > kDumpFooterSize) {
    auto type = reader.ReadByte();
    if (!type.ok()) return absl::InvalidArgumentError(kErrFunctionReadType);
    if (*type == kOpcodeFunction2) {
      auto code = reader.ReadString();
      if (!code.ok()) return absl::InvalidArgumentError(kErrFunctionPayload);
      codes.push_back(*std::move(code));
    } else if (*type == kOpcodeFunction) {
      auto name = reader.ReadString();
      if (!name.ok()) return absl::InvalidArgumentError(kErrFunctionName);
      auto engine = reader.ReadString();
      if (!engine.ok()) return absl::InvalidArgumentError(kErrFunctionEngine);
      auto has_desc = reader.ReadLen();
      // UINT64_MAX is rdbLoadLen's error value (RDB_LENERR), so Redis fails on it too.
      if (!has_desc.ok() || has_desc->value == UINT64_MAX) {
        return absl::InvalidArgumentError(kErrFunctionDescFlag);
      }
      if (has_desc->value != 0 && !reader.ReadString().ok()) {
        return absl::InvalidArgumentError(kErrFunctionDesc);
      }
      auto blob = reader.ReadString();
      if (!blob.ok()) return absl::InvalidArgumentError(kErrFunctionBlob);
      // Redis joins them with sdscatfmt's %s: each part as a C string, cut at its first NUL.
      auto c_str = [](const std::string& v) { return std::string_view(v.c_str()); };
      std::string code = "#!";
      code.append(c_str(*engine)).append(" name=").append(c_str(*name)).append("\n");
      code.append(c_str(*blob));
      codes.push_back(std::move(code));
    } else {
      return absl::InvalidArgumentError(kErrFunctionNotFunction);
    }
  }
  return codes;
}

}  // namespace shoal::rdb
