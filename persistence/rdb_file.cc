#include "persistence/rdb_file.h"

#include <cstring>

#include "persistence/crc64.h"
#include "persistence/rdb_encoding.h"
#include "persistence/rdb_value.h"

namespace shoal::rdb {
namespace {

void AppendAux(std::string_view key, std::string_view value, std::string* out) {
  out->push_back(static_cast<char>(kOpcodeAux));
  AppendString(key, /*compress=*/false, out);
  AppendString(value, /*compress=*/false, out);
}

// An error of the parse at `offset`.
absl::Status At(const absl::Status& st, size_t offset) {
  return absl::Status(st.code(),
                      std::string(st.message()) + " (offset " + std::to_string(offset) + ")");
}

}  // namespace

void AppendInt64Le(int64_t v, std::string* out) {
  AppendLittleEndian(static_cast<uint64_t>(v), 8, out);
}

std::string FileHeader(const HeaderInfo& h) {
  std::string out = "REDIS00" + std::to_string(kVersion);
  AppendAux("redis-ver", h.redis_ver, &out);
  AppendAux("redis-bits", "64", &out);
  AppendAux("ctime", std::to_string(h.ctime_s), &out);
  AppendAux("used-mem", std::to_string(h.used_mem), &out);
  AppendAux("aof-base", h.aof_base ? "1" : "0", &out);
  for (const std::string& code : h.functions) {
    out.push_back(static_cast<char>(kOpcodeFunction2));
    AppendString(code, h.compress, &out);
  }
  return out;
}

std::string FileTrailer(uint64_t crc, bool checksum) {
  std::string out(1, static_cast<char>(kOpcodeEof));
  crc = Crc64(crc, out);
  AppendLittleEndian(checksum ? crc : 0, 8, &out);
  return out;
}

absl::StatusOr<ParseSummary> ParseFile(std::string_view data, const ParseOptions& opts,
                                       const ParseHandlers& handlers) {
  ParseSummary sum;
  if (data.size() < kMagicSize || data.substr(0, 5) != "REDIS") {
    return absl::DataLossError("Wrong signature trying to load DB from file (offset 0)");
  }
  int version = 0;
  for (char c : data.substr(5, 4)) {
    if (c < '0' || c > '9') {
      version = -1;
      break;
    }
    version = version * 10 + (c - '0');
  }
  if (version < 1 || version > kVersion) {
    return absl::FailedPreconditionError("Can't handle RDB format version " +
                                         std::to_string(version) + " (offset 5)");
  }
  sum.version = version;
  Reader r(data);
  if (!r.ReadRaw(kMagicSize).ok()) return absl::OutOfRangeError("Short read (offset 0)");

  uint32_t db = 0;
  Record rec;
  bool have_attrs = false;
  size_t rec_start = r.position();
  while (true) {
    const size_t at = r.position();
    if (!have_attrs) rec_start = at;
    auto type = r.ReadByte();
    if (!type.ok()) return At(type.status(), at);
    switch (*type) {
      case kOpcodeExpireTime: {
        auto b = r.ReadRaw(4);
        if (!b.ok()) return At(b.status(), at);
        rec.expire_ms =
            static_cast<int64_t>(static_cast<int32_t>(LoadLittleEndian(b->data(), 4))) * 1000;
        have_attrs = true;
        continue;
      }
      case kOpcodeExpireTimeMs: {
        auto b = r.ReadRaw(8);
        if (!b.ok()) return At(b.status(), at);
        rec.expire_ms = static_cast<int64_t>(LoadLittleEndian(b->data(), 8));
        have_attrs = true;
        continue;
      }
      case kOpcodeFreq: {
        auto b = r.ReadByte();
        if (!b.ok()) return At(b.status(), at);
        rec.freq = *b;
        have_attrs = true;
        continue;
      }
      case kOpcodeIdle: {
        auto l = r.ReadLen();
        if (!l.ok()) return At(l.status(), at);
        rec.idle_s = static_cast<int64_t>(l->value);
        have_attrs = true;
        continue;
      }
      case kOpcodeEof:
        break;
      case kOpcodeSelectDb: {
        auto l = r.ReadLen();
        if (!l.ok()) return At(l.status(), at);
        if (l->value >= opts.num_dbs) {
          return At(absl::FailedPreconditionError(
                        "FATAL: Data file was created with a Redis server configured to handle "
                        "more than " +
                        std::to_string(opts.num_dbs) + " databases"),
                    at);
        }
        db = static_cast<uint32_t>(l->value);
        continue;
      }
      case kOpcodeResizeDb: {
        auto size = r.ReadLen();
        if (!size.ok()) return At(size.status(), at);
        auto expires = r.ReadLen();
        if (!expires.ok()) return At(expires.status(), at);
        if (handlers.resize) handlers.resize(db, size->value, expires->value);
        continue;
      }
      case kOpcodeAux: {
        auto key = r.ReadString();
        if (!key.ok()) return At(key.status(), at);
        auto value = r.ReadString();
        if (!value.ok()) return At(value.status(), at);
        ++sum.aux_fields;
        if (handlers.aux) {
          if (absl::Status st = handlers.aux(*key, *value); !st.ok()) return At(st, at);
        }
        continue;
      }
      case kOpcodeModuleAux: {
        auto id = r.ReadLen();
        if (!id.ok()) return At(id.status(), at);
        return At(absl::FailedPreconditionError(
                      "The RDB file contains AUX module data I can't load: no matching module '" +
                      ModuleNameFromId(id->value) + "'"),
                  at);
      }
      case kOpcodeFunction2: {
        auto code = r.ReadString();
        if (!code.ok()) return At(code.status(), at);
        ++sum.functions;
        if (handlers.function) {
          if (absl::Status st = handlers.function(*std::move(code)); !st.ok()) return At(st, at);
        }
        continue;
      }
      case kOpcodeFunction:
        return At(absl::FailedPreconditionError(
                      "Pre-release function format (7.0 release candidates) is not supported"),
                  at);
      default: {
        if (!IsValueType(*type)) {
          return At(absl::DataLossError("Unknown RDB encoding type " + std::to_string(*type)), at);
        }
        if (*type == kTypeModule || *type == kTypeModule2) {
          auto key = r.ReadString();
          if (!key.ok()) return At(key.status(), at);
          auto id = r.ReadLen();
          if (!id.ok()) return At(id.status(), at);
          return At(absl::FailedPreconditionError(
                        "The RDB file contains module data I can't load: no matching module "
                        "type '" +
                        ModuleNameFromId(id->value) + "'"),
                    at);
        }
        auto key = r.ReadString();
        if (!key.ok()) return At(key.status(), at);
        const size_t body_at = r.position();
        if (absl::Status st = SkipValue(r, *type); !st.ok()) return At(st, body_at);
        rec.db = db;
        rec.key = *std::move(key);
        rec.type = *type;
        rec.body = data.substr(body_at, r.position() - body_at);
        rec.offset = rec_start;
        ++sum.keys;
        if (rec.expire_ms != -1) ++sum.expires;
        if (handlers.record) {
          if (absl::Status st = handlers.record(std::move(rec)); !st.ok()) return At(st, rec_start);
        }
        rec = Record();
        have_attrs = false;
        continue;
      }
    }
    break;  // EOF
  }
  const size_t eof_end = r.position();
  if (version >= 5) {
    auto b = r.ReadRaw(8);
    if (!b.ok()) return At(b.status(), eof_end);
    uint64_t stored = LoadLittleEndian(b->data(), 8);
    sum.checksum_present = stored != 0;
    if (stored != 0 && opts.verify_checksum) {
      uint64_t expected = Crc64(0, data.substr(0, eof_end));
      if (stored != expected) {
        char buf[128];
        std::snprintf(buf, sizeof(buf), "Wrong RDB checksum expected: (%llx) but got (%llx)",
                      static_cast<unsigned long long>(expected),
                      static_cast<unsigned long long>(stored));
        return At(absl::DataLossError(buf), eof_end);
      }
    }
  }
  sum.bytes = r.position();
  return sum;
}

}  // namespace shoal::rdb
