#include "persistence/rdb_check.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "persistence/rdb_file.h"
#include "persistence/rdb_value.h"

namespace shoal::rdb {
namespace {

const char* TypeName(uint8_t type) {
  switch (type) {
    case kTypeString:
      return "string";
    case kTypeList:
      return "list-linked";
    case kTypeSet:
      return "set-hashtable";
    case kTypeZSet:
      return "zset-v1";
    case kTypeHash:
      return "hash-hashtable";
    case kTypeZSet2:
      return "zset-v2";
    case kTypeModule:
      return "module-pre-release";
    case kTypeModule2:
      return "module-value";
    case kTypeHashZipmap:
      return "hash-zipmap";
    case kTypeListZiplist:
      return "list-ziplist";
    case kTypeSetIntset:
      return "set-intset";
    case kTypeZSetZiplist:
      return "zset-ziplist";
    case kTypeHashZiplist:
      return "hash-ziplist";
    case kTypeListQuicklist:
      return "quicklist";
    case kTypeStreamListpacks:
      return "stream";
    case kTypeHashListpack:
      return "hash-listpack";
    case kTypeZSetListpack:
      return "zset-listpack";
    case kTypeListQuicklist2:
      return "quicklist-v2";
    case kTypeStreamListpacks2:
      return "stream-v2";
    default:
      return "unknown";
  }
}

}  // namespace

bool CheckAndReport(std::string_view data, size_t* end) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  uint64_t keys = 0, expires = 0, expired = 0;
  std::string last_key;
  uint8_t last_type = 0;
  bool decoding = false;
  ParseOptions opts;
  opts.num_dbs = UINT32_MAX;  // any db number is fine for a check
  ParseHandlers h;
  h.aux = [](std::string_view key, std::string_view value) {
    std::printf("AUX FIELD %.*s = '%.*s'\n", static_cast<int>(key.size()), key.data(),
                static_cast<int>(value.size()), value.data());
    return absl::OkStatus();
  };
  h.resize = [](uint32_t db, uint64_t size, uint64_t exp) {
    std::printf("Selecting DB ID %u (resize: %llu keys, %llu expires)\n", db,
                static_cast<unsigned long long>(size), static_cast<unsigned long long>(exp));
  };
  h.function = [](std::string code) {
    std::printf("FUNCTION library (%zu bytes of code)\n", code.size());
    return absl::OkStatus();
  };
  h.record = [&](Record&& rec) -> absl::Status {
    last_key = rec.key;
    last_type = rec.type;
    decoding = true;
    Reader r(rec.body);
    DecodeOptions dopts;
    dopts.deep = true;
    auto v = DecodeValue(r, rec.type, dopts);
    if (!v.ok()) return v.status();
    FreeDecoded(*v);
    decoding = false;
    ++keys;
    if (rec.expire_ms != -1) {
      ++expires;
      if (rec.expire_ms < now) ++expired;
    }
    return absl::OkStatus();
  };
  auto sum = ParseFile(data, opts, h);
  int rc = 0;
  if (sum.ok()) {
    if (sum->checksum_present) {
      std::printf("[offset %zu] Checksum OK\n", sum->bytes);
    } else {
      std::printf("[offset %zu] RDB file was saved with checksum disabled: no check performed.\n",
                  sum->bytes);
    }
    std::printf("[offset %zu] \\o/ RDB looks OK! \\o/\n", sum->bytes);
  } else {
    std::printf("--- RDB ERROR DETECTED ---\n");
    std::string msg(sum.status().message());
    std::printf("%s\n", msg.c_str());
    if (decoding) {
      std::printf("[additional info] While doing: read-object-value\n");
      std::printf("[additional info] Reading key '%s'\n", last_key.c_str());
      std::printf("[additional info] Reading type %d (%s)\n", last_type, TypeName(last_type));
    }
    rc = 1;
  }
  std::printf("[info] %llu keys read\n", static_cast<unsigned long long>(keys));
  std::printf("[info] %llu expires\n", static_cast<unsigned long long>(expires));
  std::printf("[info] %llu already expired\n", static_cast<unsigned long long>(expired));
  if (sum.ok() && end != nullptr) *end = sum->bytes;
  return rc == 0;
}

}  // namespace shoal::rdb
