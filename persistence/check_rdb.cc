// shoal-check-rdb FILE: what redis-check-rdb does for an RDB file: reads every record, decodes and
// deeply validates every value (sanitize-dump-payload yes), checks the CRC, and prints a summary
// in redis-check-rdb's format, or the offset and context of the first error. Exit status 0 when
// the file is valid, 1 when not.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "persistence/rdb_check.h"

namespace {

using namespace shoal;

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
  bool ok = rdb::CheckAndReport(std::string_view(data, size), nullptr);
  if (map != nullptr) munmap(map, size);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  return Check(argv[1]);
}
