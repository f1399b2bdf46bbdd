// shoal-check-aof [--fix] FILE: what redis-check-aof 7.0 does (redis-check-aof.c) for a
// multi-part AOF's manifest or a single AOF file, with its messages and exit status.
//
// FILE is a manifest when a line not starting with '#' starts with "file" (then every BASE and
// INCR file it lists is checked, in the manifest's directory, in load order; HISTORY files are
// not), else an RDB-preamble AOF when it is at least 8 bytes and starts with "REDIS", else a
// plain AOF. A file with an RDB part has it walked and every value deeply validated (as
// shoal-check-rdb does; redis-check-aof runs redis-check-rdb on it), then its command tail is
// scanned (persistence/aof_file.h). A file that is not valid is reported as "AOF analyzed:
// filename=..., size=..., ok_up_to=..., ok_up_to_line=..., diff=..." with redis-check-aof's
// ok_up_to (the start of the first bad command, or of the open MULTI block) and ok_up_to_line
// (lines read, counted across files); with --fix, after "Continue? [y/N]:" is answered 'y' on
// stdin, it is truncated there, which only the last file may be. Beyond the load rules,
// redis-check-aof's own: a MULTI inside a block and an EXEC outside one are errors. Exit status 0
// when everything is valid (or was fixed), 1 otherwise. --truncate-to-timestamp is not supported.
#include <fcntl.h>
#include <libgen.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "persistence/aof_file.h"
#include "persistence/aof_manifest.h"
#include "persistence/rdb_check.h"

namespace {

using namespace shoal;

[[noreturn]] void Exit(int code) {
  std::fflush(stdout);
  std::exit(code);
}

// A file mapped read-only (empty files are not mapped).
class MappedFile {
 public:
  // Returns false with errno set when the file cannot be opened, stat'ed or mapped.
  bool Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat sb;
    if (::fstat(fd, &sb) == -1) {
      int err = errno;
      ::close(fd);
      errno = err;
      return false;
    }
    size_ = static_cast<size_t>(sb.st_size);
    if (size_ > 0) {
      map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map_ == MAP_FAILED) {
        int err = errno;
        map_ = nullptr;
        ::close(fd);
        errno = err;
        return false;
      }
    }
    ::close(fd);
    return true;
  }
  ~MappedFile() {
    if (map_ != nullptr) ::munmap(map_, size_);
  }
  std::string_view data() const {
    return map_ == nullptr ? std::string_view() : std::string_view(static_cast<char*>(map_), size_);
  }
  size_t size() const { return size_; }

 private:
  void* map_ = nullptr;
  size_t size_ = 0;
};

// redis-check-aof's line counter: it starts at 1 and is never reset between files.
long long g_line = 1;

// The RDB part, as redis-check-rdb checks it. Returns false when it is not sane; *end is where
// the commands (if any) start.
bool CheckRdb(const std::string& name, std::string_view data, size_t* end) {
  std::printf("[offset 0] Checking RDB file %s\n", name.c_str());
  return rdb::CheckAndReport(data, end);
}

enum class Checked { kOk, kEmpty, kTruncated };

// checkSingleAof: `name` is what the messages call the file.
Checked CheckSingle(const std::string& name, const std::string& path, bool last_file, bool fix,
                    bool preamble) {
  MappedFile f;
  if (!f.Open(path)) {
    std::printf("Cannot open file %s: %s, aborting...\n", path.c_str(), std::strerror(errno));
    Exit(1);
  }
  const size_t size = f.size();
  if (size == 0) return Checked::kEmpty;
  const std::string_view data = f.data();

  size_t start = 0;
  if (preamble) {
    if (!CheckRdb(name, data, &start)) {
      std::printf("RDB preamble of AOF file is not sane, aborting.\n");
      Exit(1);
    }
    std::printf("RDB preamble is OK, proceeding with AOF tail...\n");
  }

  // redis-check-aof's transaction rules on top of the loader's.
  int multi = 0;
  size_t multi_begin = 0;
  size_t stop_pos = 0;
  size_t stop_epos = 0;
  size_t stop_unread_lines = 0;
  std::string stop_error;
  auto result = aof::ScanCommands(data, start, [&](const aof::Command& c) {
    const bool is_multi = EqNoCase(c.argv[0], "multi");
    const bool is_exec = EqNoCase(c.argv[0], "exec");
    if (!is_multi && !is_exec) return true;
    stop_epos = static_cast<size_t>(c.argv[0].data() - data.data());
    stop_unread_lines = 2 * (c.argv.size() - 1);  // it stops reading after argv[0]
    if (is_multi) {
      if (multi++ == 0) {
        multi_begin = c.begin;
        return true;
      }
      stop_pos = multi_begin;
      stop_error = "Unexpected MULTI in AOF " + path;
      return false;
    }
    if (--multi == 0) return true;
    stop_pos = c.begin;
    stop_error = "Unexpected EXEC in AOF " + path;
    return false;
  });

  size_t pos = size;
  if (result.stopped) {
    pos = stop_pos;
    g_line += static_cast<long long>(result.lines - stop_unread_lines);
    std::printf("0x%16llx: %s\n", static_cast<unsigned long long>(stop_epos), stop_error.c_str());
  } else {
    g_line += static_cast<long long>(result.lines);
    if (result.status != aof::ScanResult::Status::kOk) {
      pos = result.failed_begin;
      if (result.status == aof::ScanResult::Status::kBadFormat &&
          result.error.rfind("Expected '*' or '#'", 0) == 0) {
        std::printf("AOF %s format error\n", name.c_str());
      } else {
        std::printf("0x%16llx: %s\n", static_cast<unsigned long long>(result.error_offset),
                    result.error.c_str());
      }
    }
  }

  const size_t diff = size - pos;
  std::printf(
      "AOF analyzed: filename=%s, size=%lld, ok_up_to=%lld, ok_up_to_line=%lld, diff=%lld\n",
      name.c_str(), static_cast<long long>(size), static_cast<long long>(pos), g_line,
      static_cast<long long>(diff));
  if (diff == 0) return Checked::kOk;
  if (!fix) {
    std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
    Exit(1);
  }
  if (!last_file) {
    std::printf("Failed to truncate AOF %s because it is not the last file\n", name.c_str());
    Exit(1);
  }
  std::printf("This will shrink the AOF %s from %lld bytes, with %lld bytes, to %lld bytes\n",
              name.c_str(), static_cast<long long>(size), static_cast<long long>(diff),
              static_cast<long long>(pos));
  std::printf("Continue? [y/N]: ");
  std::fflush(stdout);
  const int answer = std::getchar();
  if (answer != 'y' && answer != 'Y') {
    std::printf("Aborting...\n");
    Exit(1);
  }
  if (::truncate(path.c_str(), static_cast<off_t>(pos)) == -1) {
    std::printf("Failed to truncate AOF %s\n", name.c_str());
    Exit(1);
  }
  return Checked::kTruncated;
}

// fileIsRDB: at least 8 bytes (room for the header), starting with "REDIS".
bool FileIsRdb(const std::string& path) {
  MappedFile f;
  if (!f.Open(path)) {
    std::printf("Cannot open file %s: %s\n", path.c_str(), std::strerror(errno));
    Exit(1);
  }
  return f.size() >= 8 && aof::HasRdbPreamble(f.data());
}

// fileIsManifest: an fgets chunk of the manifest's size not starting with '#' starts with "file".
bool FileIsManifest(const std::string& path) {
  MappedFile f;
  if (!f.Open(path)) {
    std::printf("Cannot open file %s: %s\n", path.c_str(), std::strerror(errno));
    Exit(1);
  }
  const std::string_view data = f.data();
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t limit = std::min(data.size(), pos + aof::kManifestMaxLine);
    const size_t nl = data.substr(pos, limit - pos).find('\n');
    const size_t end = nl == std::string_view::npos ? limit : pos + nl + 1;
    std::string_view chunk = data.substr(pos, end - pos);
    chunk = chunk.substr(0, chunk.find('\0'));  // fgets's buffer is read as a C string
    if (chunk.rfind("file", 0) == 0) return true;
    pos = end;
  }
  return false;
}

void Report(const char* kind, const std::string& name, Checked ret) {
  switch (ret) {
    case Checked::kOk:
      std::printf("%s%s is valid\n", kind, name.c_str());
      break;
    case Checked::kEmpty:
      std::printf("%s%s is empty\n", kind, name.c_str());
      break;
    case Checked::kTruncated:
      std::printf("Successfully truncated AOF %s\n", name.c_str());
      break;
  }
}

void CheckMultiPart(const std::string& dir, const std::string& manifest_path, bool fix) {
  std::printf("Start checking Multi Part AOF\n");
  MappedFile mf;
  if (!mf.Open(manifest_path)) {
    std::printf("Fatal error: can't open the AOF manifest file %s for reading: %s\n",
                manifest_path.c_str(), std::strerror(errno));
    Exit(1);
  }
  auto am = aof::ParseManifest(mf.data());
  if (!am.ok()) {
    std::printf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n\n");
    std::printf("%s\n", std::string(am.status().message()).c_str());
    Exit(1);
  }
  const size_t total = (am->base ? 1 : 0) + am->incrs.size();
  size_t n = 0;
  if (am->base) {
    const std::string& name = am->base->name;
    const std::string path = dir + "/" + name;
    const bool last = ++n == total;
    const bool rdb = FileIsRdb(path);
    std::printf("Start to check BASE AOF (%s format).\n", rdb ? "RDB" : "RESP");
    Report("BASE AOF ", name, CheckSingle(name, path, last, fix, rdb));
  }
  if (!am->incrs.empty()) {
    std::printf("Start to check INCR files.\n");
    for (const aof::FileInfo& fi : am->incrs) {
      const std::string path = dir + "/" + fi.name;
      const bool last = ++n == total;
      Report("INCR AOF ", fi.name, CheckSingle(fi.name, path, last, fix, false));
    }
  }
  std::printf("All AOF files and manifest are valid\n");
}

[[noreturn]] void Usage(const char* argv0) {
  std::printf("Usage: %s [--fix] <file.manifest|file.aof>\n", argv0);
  Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  bool fix = false;
  std::string path;
  if (argc == 2) {
    path = argv[1];
  } else if (argc == 3 && std::strcmp(argv[1], "--fix") == 0) {
    path = argv[2];
    fix = true;
  } else {
    Usage(argv[0]);
  }
  std::string dir_buf = path;  // dirname may modify its argument
  const std::string dir = ::dirname(dir_buf.data());

  if (FileIsManifest(path)) {
    CheckMultiPart(dir, path, fix);
  } else {
    std::printf("Start checking Old-Style AOF\n");
    Report("AOF ", path, CheckSingle(path, path, true, fix, FileIsRdb(path)));
  }
  Exit(0);
}
