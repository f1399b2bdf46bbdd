// The command part of an AOF file as Redis 7.0 writes it (feedAppendOnlyFile, the AOF rewrite) and
// reads it (loadSingleAppendOnlyFile): after an optional RDB preamble ("REDIS..."; a BASE file
// may be nothing else), a sequence of
//   - commands, RESP arrays of bulk strings: "*<argc>\r\n" then argc times "$<len>\r\n<len
//     bytes>\r\n", argc >= 1;
//   - annotation lines starting with '#' ("#TS:<unix time>\r\n" with aof-timestamp-enabled),
//     read as Redis reads them: fgets chunks of at most kAnnotationChunk bytes, so the part of a
//     longer line past the chunk is read as the next item;
//   - MULTI ... EXEC blocks (the commands of a transaction); if the data ends inside one, the
//     block is cut off as a truncation would be (Redis: "Revert incomplete MULTI/EXEC
//     transaction"), from its MULTI on, as redis-check-aof cuts it. (Redis's loader cuts a block
//     that ends in a short read after its last complete command, and the rest of the block at
//     the next load; one that ends cleanly after the last complete command before the MULTI,
//     which drops annotations in between. What gets executed is the same: nothing of the block.)
// ScanCommands walks them for the server's loader and shoal-check-aof without copying. It reads
// the format as strictly as redis-check-aof: a count or length is what strtol reads after the
// '*' or '$' (blanks, a sign, leading zeros; no digits at all reads as 0, so "$\r\n" is an empty
// bulk), and "\r\n" must follow it and every bulk. Where Redis's loader is looser (it takes any
// two bytes after a bulk, a count line "*3xyz", a line ending in a bare '\n') Shoal reports bad
// format, as redis-check-aof does; where redis-check-aof is looser than the loader (it takes
// "*0\r\n" and "*-1\r\n" as empty commands) Shoal takes the loader's rule: argc < 1 is bad
// format. A negative length or one past 2^63 - 3 is bad format (redis-check-aof: out of range;
// the loader fails to allocate it), and so is a count past INT_MAX (the loader reads it as an
// int). There is no other limit: a length past the end of the data is a truncation.
//
// Truncation vs bad format follows both Redis tools: the data ending inside a command (in its
// count line, a length line, a bulk or the CRLF after it) is a truncation as long as every byte
// read so far could still be part of a valid command; a byte that cannot be (a command not
// starting with '*', a '$' missing, a missing CR or LF) is bad format at that byte, and so is a
// number out of range whatever digits follow. An annotation cut by the end of the data is fine
// (it is skipped, as Redis skips it).
//
// Threading: pure functions; ScanCommands calls fn on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::aof {

// AOF_ANNOTATION_LINE_MAX_LEN: fgets(buf, 1024) reads an annotation 1023 bytes at a time.
inline constexpr size_t kAnnotationChunk = 1023;

struct Command {
  std::vector<std::string_view> argv;  // views into the data
  size_t begin = 0, end = 0;           // [begin, end): "*" through the last bulk's "\r\n"
};

struct ScanResult {
  enum class Status { kOk, kTruncated, kBadFormat };
  Status status = Status::kOk;
  // The end of the last complete command (`start` when none), i.e. what a truncation keeps.
  // When the scan ends inside an open MULTI block (truncated, bad format, or the data ending
  // before EXEC): where that block's MULTI began (Redis reverts to before MULTI). When fn stops
  // the scan: the end of the command it stopped at.
  size_t valid_end = 0;
  // Where reading failed. kTruncated: where the incomplete command began (the open block's MULTI
  // when the data ended before EXEC); kBadFormat: the offending byte.
  size_t error_offset = 0;
  // kTruncated / kBadFormat: where the command (or the line not starting with '*') that failed
  // began, or the open block's MULTI: redis-check-aof's ok_up_to (it keeps annotations before
  // the failed command, which valid_end does not).
  size_t failed_begin = 0;
  std::string error;    // human-readable reason (redis-check-aof's wording where it has one)
  size_t commands = 0;  // complete commands walked, not counting those after valid_end
  // The scan ended inside MULTI without its EXEC. With status kTruncated and the data complete
  // otherwise (error_offset == failed_begin == valid_end == the MULTI), it is the missing EXEC
  // at the end that Redis treats as a truncation (fatal unless it is the last file).
  bool open_multi = false;
  bool stopped = false;  // fn returned false (status is kOk)
  // Protocol lines read, each "\r\n" consumed (count lines, length lines, bulks), those of the
  // incomplete or bad command included; annotations are not counted. redis-check-aof's
  // ok_up_to_line is 1 + this (summed over the files it checks).
  size_t lines = 0;
};

// Walks data[start..] (start: 0, or the end of the RDB preamble); calls fn for each complete
// command in order, MULTI and the commands after it included as they come (Redis only queues
// them until EXEC: when the result says the block was cut off, the caller drops them). fn may
// return false to stop. MULTI and EXEC are recognized without case by argv[0], whatever the
// arity; a MULTI inside a block and an EXEC outside one change nothing (Redis's loader answers
// them with errors nobody reads; redis-check-aof, and shoal-check-aof, report them). Only EXEC
// ends a block (the loader queues a DISCARD like any command).
ScanResult ScanCommands(std::string_view data, size_t start,
                        const std::function<bool(const Command&)>& fn);

// Whether data starts with an RDB preamble: its first 5 bytes are "REDIS" (the loader's test;
// redis-check-aof also wants the file to be at least 8 bytes long).
bool HasRdbPreamble(std::string_view data);

// One command as feedAppendOnlyFile writes it (catAppendOnlyGenericCommand), for tests and
// writers: "*<argc>\r\n" then "$<len>\r\n<arg>\r\n" for each argument.
void AppendCommand(const std::vector<std::string_view>& argv, std::string* out);

}  // namespace shoal::aof
