// Fuzzes the AOF's text formats with arbitrary bytes (persistence/aof_file.h, aof_manifest.h):
//  - ScanCommands, the loader's and shoal-check-aof's reader: no crash, no read outside the
//    buffer (ASan); the commands it hands out lie inside the data, in order, and before
//    valid_end; a scan stopped at valid_end of a truncated input, rescanned, is clean;
//  - ParseManifest: a manifest it accepts formats to text that parses back to the same files.
#include <cstdint>
#include <string>
#include <string_view>

#include "persistence/aof_file.h"
#include "persistence/aof_manifest.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace aof = shoal::aof;

void Scan(std::string_view data) {
  size_t last_end = 0;
  auto r = aof::ScanCommands(data, 0, [&](const aof::Command& c) {
    FUZZ_CHECK(!c.argv.empty());
    FUZZ_CHECK(c.begin >= last_end && c.begin < c.end && c.end <= data.size());
    for (std::string_view a : c.argv)
      FUZZ_CHECK(a.data() >= data.data() + c.begin && a.data() + a.size() <= data.data() + c.end);
    last_end = c.end;
    return true;
  });
  FUZZ_CHECK(r.valid_end <= data.size());
  // A clean scan keeps everything up to its last command (trailing annotations aside).
  if (r.status == aof::ScanResult::Status::kOk && !r.open_multi)
    FUZZ_CHECK(r.valid_end == last_end);
  if (r.status == aof::ScanResult::Status::kTruncated) {
    // What a truncation keeps (aof-load-truncated, --fix) reads back without an error.
    auto again =
        aof::ScanCommands(data.substr(0, r.valid_end), 0, [](const aof::Command&) { return true; });
    FUZZ_CHECK(again.status == aof::ScanResult::Status::kOk);
  }
}

bool SameFiles(const aof::Manifest& a, const aof::Manifest& b) {
  auto same = [](const aof::FileInfo& x, const aof::FileInfo& y) {
    return x.name == y.name && x.seq == y.seq && x.type == y.type;
  };
  if (a.base.has_value() != b.base.has_value()) return false;
  if (a.base && !same(*a.base, *b.base)) return false;
  if (a.incrs.size() != b.incrs.size() || a.history.size() != b.history.size()) return false;
  for (size_t i = 0; i < a.incrs.size(); ++i)
    if (!same(a.incrs[i], b.incrs[i])) return false;
  for (size_t i = 0; i < a.history.size(); ++i)
    if (!same(a.history[i], b.history[i])) return false;
  return true;
}

void Manifest(std::string_view data) {
  auto m = aof::ParseManifest(data);
  if (!m.ok()) return;
  // Comments alone name no file (Redis: no AOF), and an empty text is an error (Redis: "Found an
  // empty AOF manifest"): only a manifest naming files can round-trip.
  if (!m->base && m->incrs.empty() && m->history.empty()) return;
  std::string text = aof::FormatManifest(*m);
  // A name of unprintable bytes is written \xHH-escaped, four bytes each: past the 1024-byte line
  // Redis reads, it does not read back (as in Redis).
  size_t line = 0;
  for (char ch : text) {
    if (ch == '\n') line = 0;
    if (++line >= aof::kManifestMaxLine) return;
  }
  auto back = aof::ParseManifest(text);
  // Redis writes an empty name, or one holding a single quote, bare, and then cannot read it
  // back (sdsneedsrepr): only other names must round-trip.
  bool quote = false;
  auto has_quote = [](const std::string& n) {
    return n.empty() || n.find('\'') != std::string::npos;
  };
  if (m->base) quote |= has_quote(m->base->name);
  for (const auto& f : m->incrs) quote |= has_quote(f.name);
  for (const auto& f : m->history) quote |= has_quote(f.name);
  if (quote) return;
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(SameFiles(*m, *back));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Scan(in);
  Manifest(in);
  return 0;
}
