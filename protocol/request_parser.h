// Incremental, resumable parser of Redis client requests (RESP multibulk and inline commands),
// byte-compatible with Redis 7.0 (networking.c processMultibulkBuffer / processInlineBuffer,
// sds.c sdssplitargs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  // Redis's authRequired(c): while the connection still has to AUTH, a multibulk count > 10
  // ("Protocol error: unauthenticated multibulk length") and a bulk length > 16384
  // ("Protocol error: unauthenticated bulk length") are protocol errors. Inline requests are
  // not limited by this. The server sets it while the client is unauthenticated.
  bool auth_required = false;
};

class RequestParser {
 public:
  enum class Result { kCommand, kNeedMore, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Takes effect for the checks made from the next Parse call on.
  void set_limits(ParserLimits l) { limits_ = l; }
  const ParserLimits& limits() const { return limits_; }

  // `buf` holds all unconsumed input bytes, starting at the first byte of the current (possibly
  // partial) command.
  // kCommand: a whole command is at the start of buf. args() views into buf (or into the
  //   parser's own storage for inline args that needed unescaping) and stays valid until the
  //   next Parse/Reset call or until the caller changes buf. consumed() is the number of bytes to
  //   drop from the front of buf. A command with zero args (empty inline line, *0, *-1 or any
  //   negative count) is reported as kCommand with args().empty(): just drop consumed() bytes.
  // kNeedMore: buf is an incomplete prefix. Progress is kept as offsets into buf, so the caller
  //   may move/reallocate the buffer and call Parse again with the same prefix plus more bytes;
  //   already parsed bytes are not looked at again and bulk payloads are skipped by length.
  //   consumed() is 0.
  // kError: error() is Redis's message without the leading "-ERR ". Redis replies
  //   "-ERR <error()>" and closes the connection. The error is sticky: Parse keeps returning
  //   kError until Reset().
  Result Parse(std::string_view buf);

  const std::vector<std::string_view>& args() const { return args_; }
  // True when at least one of args() lives in the parser's own storage rather than in buf (only
  // inline commands with quoted arguments). Such args die on the next Parse/Reset call; callers
  // that keep args past that must copy them. Any arg may be affected, not only args()[0].
  bool has_owned_args() const { return has_owned_args_; }
  size_t consumed() const { return consumed_; }
  std::string_view error() const { return error_; }

  // While waiting for a bulk payload: the total number of bytes buf must hold to complete the
  // current bulk (header bytes before it included). 0 when not waiting for a payload.
  size_t bytes_needed_hint() const;

  // Forgets any partial command and a sticky error; the next Parse starts a new command.
  void Reset();

 private:
  enum class State : uint8_t {
    kStart,         // nothing parsed of the current command
    kInline,        // looking for the inline line's '\n'
    kMultibulkLen,  // looking for the "*<count>\r" line
    kBulkLen,       // looking for a "$<len>\r" line at pos_
    kBulkPayload,   // waiting for bulk_len_ + 2 bytes at pos_
    kError,
  };

  struct ArgSpan {
    size_t offset;
    size_t len;
  };

  Result ParseInline(std::string_view buf);
  Result ParseMultibulk(std::string_view buf);
  // The common case in one pass, straight into args_: a whole, plainly formed multibulk command
  // at the start of buf (the lengths FastLengthLine reads, within the limits). False, with args_
  // empty and nothing else changed, for anything else (a partial command, a count <= 0, a
  // length the general path must read or refuse): ParseMultibulk then decides, with its errors.
  bool ParseWholeMultibulk(std::string_view buf);
  // Like strchr(buf + scan_pos_, ch) on a NUL terminated buffer: finds the first `ch` at or after
  // scan_pos_, but a NUL byte before it hides it (as in Redis). Advances scan_pos_.
  bool FindLineEnd(std::string_view buf, char ch, size_t* found);
  bool SplitInline(std::string_view line);
  Result Fail(std::string_view message);
  Result CompleteCommand(std::string_view buf, size_t consumed);
  void ClearProgress();

  ParserLimits limits_;
  State state_ = State::kStart;
  size_t pos_ = 0;       // offset of the first byte not parsed yet
  size_t scan_pos_ = 0;  // offset where the search for the current line's terminator resumes
  int64_t multibulk_left_ = 0;
  int64_t bulk_len_ = 0;
  size_t consumed_ = 0;
  bool has_owned_args_ = false;
  std::vector<ArgSpan> spans_;
  std::vector<std::string_view> args_;
  std::string unescaped_;
  std::string error_;
};

// Looks ahead without parsing for real (Connection's batch prefetch): for each whole multibulk
// command at the start of `buf`, in order, at most `max` of them, out[i] is its second argument
// (for most commands, the first key), or a view with a null data() when it has only one.
// Returns how many commands it looked at. Stops early at the first thing that is not a plainly
// formed multibulk command (an inline command, a partial command, anything the real parser would
// have to look at more closely). The views point into buf. A hint only: nothing it returns is
// validated beyond what finding the argument needs.
size_t PeekSecondArgs(std::string_view buf, std::string_view* out, size_t max);

}  // namespace shoal::protocol
