#include "persistence/aof_manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/ascii.h"

namespace shoal::aof {
namespace {

// The C locale's isspace / isprint (Redis never sets LC_CTYPE; a byte >= 0x80 is neither).
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsPrint(char c) { return c >= 0x20 && c <= 0x7e; }
bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (c <= '9') return c - '0';
  if (c >= 'a') return c - 'a' + 10;
  return c - 'A' + 10;
}

// What a C string holding s is: s up to its first NUL.
std::string_view CString(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// atoll: leading whitespace, a sign, digits; saturates as glibc's strtoll does; 0 when none.
int64_t AtoLL(std::string_view s) {
  std::string z(CString(s));
  return std::strtoll(z.c_str(), nullptr, 10);
}

// sdstrim(s, " \t\r\n").
std::string_view Trim(std::string_view s) {
  auto strip = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t b = 0, e = s.size();
  while (b < e && strip(s[b])) ++b;
  while (e > b && strip(s[e - 1])) --e;
  return s.substr(b, e - b);
}

void AppendLine(const FileInfo& f, char type, std::string* out) {
  out->append("file ");
  if (NeedsRepr(f.name)) {
    out->append(Repr(f.name));
  } else {
    out->append(f.name);
  }
  out->append(" seq ");
  out->append(std::to_string(f.seq));
  out->append(" type ");
  out->push_back(type);
  out->push_back('\n');
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string p = dir;
  if (p.back() != '/') p.push_back('/');
  p.append(name);
  return p;
}

}  // namespace

std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  line = CString(line);
  // Past the end reads as the C string's NUL.
  auto at = [&](size_t i) -> char { return i < line.size() ? line[i] : '\0'; };
  std::vector<std::string> out;
  size_t p = 0;
  while (true) {
    while (at(p) != '\0' && IsSpace(at(p))) ++p;
    if (at(p) == '\0') return out;
    bool inq = false, insq = false, done = false;
    std::string cur;
    while (!done) {
      const char c = at(p);
      if (inq) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          cur.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (at(p)) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(at(p));
              break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;  // unterminated quotes
        } else {
          cur.push_back(c);
        }
      } else if (insq) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          cur.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            cur.push_back(c);
            break;
        }
      }
      if (at(p) != '\0') ++p;
    }
    out.push_back(std::move(cur));
  }
}

bool NeedsRepr(std::string_view s) {
  for (char c : s) {
    if (c == '\\' || c == '"' || !IsPrint(c) || IsSpace(c)) return true;
  }
  return false;
}

std::string Repr(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      default:
        if (IsPrint(c)) {
          out.push_back(c);
        } else {
          char buf[5];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out.append(buf);
        }
        break;
    }
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<Manifest> ParseManifest(std::string_view text) {
  if (text.empty()) return absl::DataLossError("Found an empty AOF manifest");
  Manifest m;
  int64_t maxseq = 0;
  int linenum = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    // One fgets(buf, kManifestMaxLine + 1): up to and including '\n', at most kManifestMaxLine.
    const size_t limit = std::min(text.size(), pos + kManifestMaxLine);
    const size_t nl = text.substr(pos, limit - pos).find('\n');
    const size_t chunk_end = nl == std::string_view::npos ? limit : pos + nl + 1;
    const std::string_view chunk = CString(text.substr(pos, chunk_end - pos));
    pos = chunk_end;
    ++linenum;
    if (!chunk.empty() && chunk[0] == '#') continue;
    if (chunk.find('\n') == std::string_view::npos) {
      return absl::DataLossError("The AOF manifest file contains too long line");
    }
    const std::string_view line = Trim(chunk);
    auto fail = [&](const char* err) {
      return absl::DataLossError(std::string(err) + " (at line " + std::to_string(linenum) + ": '" +
                                 std::string(line) + "')");
    };
    if (line.empty()) return fail("Invalid AOF manifest file format");
    auto args = SplitArgs(line);
    if (!args || args->size() < 6 || args->size() % 2 != 0) {
      return fail("Invalid AOF manifest file format");
    }
    FileInfo fi;
    bool have_name = false;
    int64_t seq = 0;
    char type = '\0';
    for (size_t i = 0; i < args->size(); i += 2) {
      // Redis compares and copies the tokens as C strings.
      const std::string_view key = CString((*args)[i]);
      const std::string_view value = CString((*args)[i + 1]);
      if (EqNoCase(key, "file")) {
        fi.name = std::string(value);
        have_name = true;
        if (fi.name.find('/') != std::string::npos || fi.name.find('\\') != std::string::npos) {
          return fail("File can't be a path, just a filename");
        }
      } else if (EqNoCase(key, "seq")) {
        seq = AtoLL(value);
      } else if (EqNoCase(key, "type")) {
        type = value.empty() ? '\0' : value[0];
      }
    }
    if (!have_name || seq == 0 || type == '\0') return fail("Invalid AOF manifest file format");
    fi.seq = seq;
    switch (type) {
      case static_cast<char>(FileType::kBase):
        if (m.base) return fail("Found duplicate base file information");
        fi.type = FileType::kBase;
        m.curr_base_seq = seq;
        m.base = std::move(fi);
        break;
      case static_cast<char>(FileType::kHistory):
        fi.type = FileType::kHistory;
        m.history.push_back(std::move(fi));
        break;
      case static_cast<char>(FileType::kIncr):
        if (seq <= maxseq) return fail("Found a non-monotonic sequence number");
        fi.type = FileType::kIncr;
        m.curr_incr_seq = seq;
        maxseq = seq;
        m.incrs.push_back(std::move(fi));
        break;
      default:
        return fail("Unknown AOF file type");
    }
  }
  return m;
}

std::string FormatManifest(const Manifest& m) {
  std::string out;
  if (m.base) AppendLine(*m.base, static_cast<char>(FileType::kBase), &out);
  for (const FileInfo& f : m.history) AppendLine(f, static_cast<char>(FileType::kHistory), &out);
  for (const FileInfo& f : m.incrs) AppendLine(f, static_cast<char>(FileType::kIncr), &out);
  return out;
}

std::string BaseName(std::string_view appendfilename, int64_t seq, bool rdb_preamble) {
  std::string out(appendfilename);
  out.push_back('.');
  out.append(std::to_string(seq));
  out.append(rdb_preamble ? ".base.rdb" : ".base.aof");
  return out;
}

std::string IncrName(std::string_view appendfilename, int64_t seq) {
  std::string out(appendfilename);
  out.push_back('.');
  out.append(std::to_string(seq));
  out.append(".incr.aof");
  return out;
}

std::string ManifestName(std::string_view appendfilename) {
  return std::string(appendfilename) + ".manifest";
}

std::string TempName(std::string_view name) { return "temp-" + std::string(name); }

std::string TempIncrName(std::string_view appendfilename) {
  return "temp-" + std::string(appendfilename) + ".incr";
}

absl::Status WriteFileDurably(const std::string& dir, const std::string& name,
                              std::string_view content) {
  const std::string tmp_name = TempName(name);
  const std::string tmp_path = JoinPath(dir, tmp_name);
  const std::string path = JoinPath(dir, name);

  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1) return absl::ErrnoToStatus(errno, "Can't open the file " + tmp_path);
  auto fail = [&](int err, const std::string& what) {
    ::close(fd);
    ::unlink(tmp_path.c_str());
    return absl::ErrnoToStatus(err, what);
  };
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "Error trying to write the temporary file " + tmp_path);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) == -1) return fail(errno, "Fail to fsync the temp file " + tmp_path);
  if (::close(fd) == -1) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    return absl::ErrnoToStatus(err, "Error closing the temp file " + tmp_path);
  }
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    return absl::ErrnoToStatus(
        err, "Error trying to rename the temporary file " + tmp_path + " into " + path);
  }
  // The directory: the rename reaches the disk (fsyncFileDir).
  const std::string dir_path = dir.empty() ? "." : dir;
  int dfd = ::open(dir_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd == -1) {
    if (errno == EISDIR) return absl::OkStatus();
    return absl::ErrnoToStatus(errno, "Fail to open directory " + dir_path);
  }
  if (::fsync(dfd) == -1 && errno != EBADF && errno != EINVAL) {
    int err = errno;
    ::close(dfd);
    return absl::ErrnoToStatus(err, "Fail to fsync directory " + dir_path);
  }
  ::close(dfd);
  return absl::OkStatus();
}

}  // namespace shoal::aof
