// shoal-check-rdb FILE: what redis-check-rdb does for an RDB file: reads every record, decodes and
// deeply validates every value (sanitize-dump-payload yes), checks the CRC, and prints a summary
// in redis-check-rdb's format, or the offset and context of the first error. Exit status 0 when
// the file is valid, 1 when not.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "persistence/rdb_file.h"
#include "persistence/rdb_value.h"

namespace {

using namespace shoal;

const char* TypeName(uint8_t type) {
  switch (type) {
    case rdb::kTypeString:
      return "string";
    case rdb::kTypeList:
      return "list-linked";
    case rdb::kTypeSet:
      return "set-hashtable";
    case rdb::kTypeZSet:
      return "zset-v1";
    case rdb::kTypeHash:
      return "hash-hashtable";
    case rdb::kTypeZSet2:
      return "zset-v2";
    case rdb::kTypeModule:
      return "module-pre-release";
    case rdb::kTypeModule2:
      return "module-value";
    case rdb::kTypeHashZipmap:
      return "hash-zipmap";
    case rdb::kTypeListZiplist:
      return "list-ziplist";
    case rdb::kTypeSetIntset:
      return "set-intset";
    case rdb::kTypeZSetZiplist:
      return "zset-ziplist";
    case rdb::kTypeHashZiplist:
      return "hash-ziplist";
    case rdb::kTypeListQuicklist:
      return "quicklist";
    case rdb::kTypeStreamListpacks:
      return "stream";
    case rdb::kTypeHashListpack:
      return "hash-listpack";
    case rdb::kTypeZSetListpack:
      return "zset-listpack";
    case rdb::kTypeListQuicklist2:
      return "quicklist-v2";
    case rdb::kTypeStreamListpacks2:
      return "stream-v2";
    default:
      return "unknown";
  }
}

int Check(const char* path) {
  std::printf("[offset 0] Checking RDB file %s\n", path);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::printf("Cannot check RDB that is not a file: %s\n", std::strerror(errno));
    return 1;
  }
  struct stat sb;
  fstat(fd, &sb);
  size_t size = static_cast<size_t>(sb.st_size);
  const char* data = "";
  void* map = nullptr;
  if (size > 0) {
    map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      std::printf("Cannot map the file: %s\n", std::strerror(errno));
      return 1;
    }
    data = static_cast<const char*>(map);
  }
  ::close(fd);

  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  uint64_t keys = 0, expires = 0, expired = 0;
  std::string last_key;
  uint8_t last_type = 0;
  bool decoding = false;
  rdb::ParseOptions opts;
  opts.num_dbs = UINT32_MAX;  // any db number is fine for a check
  rdb::ParseHandlers h;
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
  h.record = [&](rdb::Record&& rec) -> absl::Status {
    last_key = rec.key;
    last_type = rec.type;
    decoding = true;
    rdb::Reader r(rec.body);
    rdb::DecodeOptions dopts;
    dopts.deep = true;
    auto v = rdb::DecodeValue(r, rec.type, dopts);
    if (!v.ok()) return v.status();
    rdb::FreeDecoded(*v);
    decoding = false;
    ++keys;
    if (rec.expire_ms != -1) {
      ++expires;
      if (rec.expire_ms < now) ++expired;
    }
    return absl::OkStatus();
  };
  auto sum = rdb::ParseFile(std::string_view(data, size), opts, h);
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
  if (map != nullptr) munmap(map, size);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  return Check(argv[1]);
}
