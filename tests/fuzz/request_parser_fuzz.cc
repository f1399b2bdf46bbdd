// Fuzzes protocol::RequestParser (multibulk and inline requests) differentially: the input parsed
// from one buffer must give the same commands, the same error and the same unconsumed tail as the
// same bytes arriving in small chunks (the resumable path a socket read takes), and every
// kCommand must consume at least one byte and no more than the buffer holds.
//
// Input: byte 0 = flags (bit 0: auth_required limits), byte 1 = chunking seed, rest = request
// bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using shoal::protocol::ParserLimits;
using shoal::protocol::RequestParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  bool error = false;
  std::string error_message;
  size_t unconsumed = 0;  // bytes left after the last command (0 after an error)

  bool operator==(const Outcome&) const = default;
};

// Parses every command at the front of *pending, dropping what each consumed. False on kError.
bool Drain(RequestParser& parser, std::string* pending, Outcome* out) {
  for (;;) {
    RequestParser::Result r = parser.Parse(*pending);
    if (r == RequestParser::Result::kNeedMore) {
      FUZZ_CHECK(parser.consumed() == 0);
      return true;
    }
    if (r == RequestParser::Result::kError) {
      FUZZ_CHECK(!parser.error().empty());
      // The error is sticky.
      FUZZ_CHECK(parser.Parse(*pending) == RequestParser::Result::kError);
      out->error = true;
      out->error_message = std::string(parser.error());
      return false;
    }
    FUZZ_CHECK(parser.consumed() > 0 && parser.consumed() <= pending->size());
    std::vector<std::string> args;
    const char* lo = pending->data();
    const char* hi = lo + pending->size();
    for (std::string_view a : parser.args()) {
      // Views point into the buffer unless the parser says it owns some of them.
      if (!parser.has_owned_args()) FUZZ_CHECK(a.data() >= lo && a.data() + a.size() <= hi);
      args.emplace_back(a);
    }
    if (!args.empty()) out->commands.push_back(std::move(args));
    pending->erase(0, parser.consumed());
  }
}

Outcome OneShot(std::string_view input, const ParserLimits& limits) {
  Outcome out;
  RequestParser parser(limits);
  std::string pending(input);
  Drain(parser, &pending, &out);
  // After an error the tail is whatever had arrived: not comparable.
  out.unconsumed = out.error ? 0 : pending.size();
  return out;
}

Outcome Chunked(std::string_view input, const ParserLimits& limits, uint8_t seed) {
  Outcome out;
  RequestParser parser(limits);
  std::string pending;
  uint32_t state = seed * 2654435761u + 1;
  size_t at = 0;
  while (at < input.size()) {
    state = state * 1103515245u + 12345u;
    // Mostly tiny chunks (1..8 bytes), sometimes up to 64, to land on every boundary.
    size_t n =
        seed == 0 ? 1 : ((state >> 16) % 8 == 0 ? 1 + (state >> 8) % 64 : 1 + (state >> 20) % 8);
    n = std::min(n, input.size() - at);
    pending.append(input.substr(at, n));
    at += n;
    // A fresh copy each time, so stale views into an old buffer would be caught by ASan.
    std::string moved(pending);
    pending.swap(moved);
    if (!Drain(parser, &pending, &out)) break;
  }
  // After an error the tail is whatever had arrived: not comparable.
  out.unconsumed = out.error ? 0 : pending.size();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ParserLimits limits;
  limits.auth_required = (data[0] & 1) != 0;
  const uint8_t seed = data[1];
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = OneShot(input, limits);
  Outcome chunked = Chunked(input, limits, seed);
  FUZZ_CHECK(whole == chunked);
  return 0;
}
