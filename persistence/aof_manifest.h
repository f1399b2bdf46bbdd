// The manifest of Redis 7.0's multi-part AOF (aof.c, "AOF Manifest file implementation"), and the
// names of the files it lists. The AOF lives in a directory (appenddirname, default
// "appendonlydir") holding one BASE file (a snapshot, RDB or commands), INCR files (the commands
// written since, in sequence order), HISTORY files (the previous BASE and INCRs, kept until
// deleted) and `<appendfilename>.manifest`, one line per file:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.2.incr.aof seq 2 type i
//
// ParseManifest reads a manifest exactly as aofLoadManifestFromFile does (the server's loader and
// redis-check-aof use the same function), FormatManifest writes the bytes getAofManifestAsString
// writes, and WriteFileDurably replaces a file the way writeAofManifestFile does (temp file,
// fsync, rename, fsync of the directory), so a crash leaves the old manifest or the new one.
// Shoal's server and shoal-check-aof (persistence/check_aof.cc) use these; the command part of
// the files is persistence/aof_file.h.
//
// Threading: pure functions (WriteFileDurably does blocking file I/O on the calling thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shoal::aof {

enum class FileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct FileInfo {
  std::string name;
  int64_t seq = 0;
  FileType type = FileType::kIncr;
};

struct Manifest {
  std::optional<FileInfo> base;
  std::vector<FileInfo> incrs;  // in seq order (strictly increasing)
  std::vector<FileInfo> history;
  int64_t curr_base_seq = 0;  // the base's seq (0: none)
  int64_t curr_incr_seq = 0;  // the last incr's seq (0: none)
};

// fgets's buffer in aofLoadManifestFromFile: a line (with its '\n') longer than this is an error.
inline constexpr size_t kManifestMaxLine = 1024;

// aofLoadManifestFromFile. The text is read in fgets chunks of at most kManifestMaxLine bytes;
// a chunk starting with '#' is skipped (a comment longer than that goes on as a line of its
// own, as in Redis); any other must end in '\n' before a NUL ("The AOF manifest file contains
// too long line", also for a last line without '\n'); it is trimmed of " \t\r\n" (empty: "Invalid
// AOF manifest file format") and split as sdssplitargs splits (quotes, escapes; unbalanced quotes
// are the same format error), needing >= 6 tokens and an even count. Keys are matched without
// case, unknown keys are ignored, a repeated key's last value wins; the seq is read as atoll
// reads it (0, e.g. "abc", is missing), the type is the value's first character. Errors (DataLoss)
// carry Redis's messages: "Found an empty AOF manifest" (zero bytes), "Invalid AOF manifest file
// format" (a key missing, tokens, quotes), "File can't be a path, just a filename" ('/' or '\'),
// "Found duplicate base file information", "Found a non-monotonic sequence number" (incr seqs
// must be positive and rise strictly), "Unknown AOF file type"; all but the empty and the long
// line errors name the line: "... (at line N: '<trimmed line>')". A text of comments only is no
// error in Redis: it gives a manifest with no files, which the loader treats as no AOF at all.
absl::StatusOr<Manifest> ParseManifest(std::string_view text);

// getAofManifestAsString: the base line, then the history lines, then the incr lines, each
// "file <name> seq <seq> type <b|h|i>\n", the type from the list the entry is in. A name holding
// a space, a '"' or '\', or a byte outside 0x21..0x7e is written quoted as sdscatrepr writes it
// ("my file.aof.1.base.rdb" -> "\"my file.aof.1.base.rdb\""). As in Redis, a name with a single
// quote is written bare (and would not parse back).
std::string FormatManifest(const Manifest& m);

// sdssplitargs: the tokens of a line, or nullopt for unbalanced quotes or a closing quote
// followed by something other than a space. Stops at a NUL, as Redis reads a C string.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);
// sdsneedsrepr / sdscatrepr.
bool NeedsRepr(std::string_view s);
std::string Repr(std::string_view s);

// ---- Names (aof.c's naming rules), from appendfilename (default "appendonly.aof") ----

// "<appendfilename>.<seq>.base.rdb" (aof-use-rdb-preamble yes) or ".base.aof".
std::string BaseName(std::string_view appendfilename, int64_t seq, bool rdb_preamble);
// "<appendfilename>.<seq>.incr.aof".
std::string IncrName(std::string_view appendfilename, int64_t seq);
// "<appendfilename>.manifest".
std::string ManifestName(std::string_view appendfilename);
// "temp-<name>": the manifest's temporary name is TempName(ManifestName(appendfilename)).
std::string TempName(std::string_view name);
// "temp-<appendfilename>.incr": the INCR opened while a rewrite runs with AOF off
// (getTempIncrAofName).
std::string TempIncrName(std::string_view appendfilename);

// Writes `content` to dir/TempName(name), fsyncs it, renames it over dir/name and fsyncs dir
// (writeAofManifestFile's steps; a directory fsync refused with EINVAL/EBADF is ignored, as
// fsyncFileDir ignores it). An error carries strerror and the step; the temp file is removed on
// failure. An empty dir means the current directory.
absl::Status WriteFileDurably(const std::string& dir, const std::string& name,
                              std::string_view content);

}  // namespace shoal::aof
