// Fuzzes persistence/ (rdb_encoding, lzf) with arbitrary bytes:
//  - Reader::ReadString over the input until it fails: every string it accepts must re-encode
//    (AppendString, with and without LZF) and read back to the same bytes;
//  - LoadFunctionsPayload on the input as is and with a valid DUMP footer appended (so the body
//    parser runs past the CRC check);
//  - lzf::Decompress into an exactly sized buffer; whatever it accepts must survive
//    Compress / Decompress.
// None may read or write outside its buffers (ASan) or fail an invariant.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/lzf.h"
#include "persistence/rdb_encoding.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace rdb = shoal::rdb;
namespace lzf = shoal::lzf;

void CheckStrings(std::string_view in) {
  rdb::Reader reader(in);
  while (reader.remaining() > 0) {
    const size_t before = reader.remaining();
    auto s = reader.ReadString();
    if (!s.ok()) break;
    FUZZ_CHECK(reader.remaining() < before);
    for (bool compress : {false, true}) {
      std::string enc;
      rdb::AppendString(*s, compress, &enc);
      rdb::Reader again(enc);
      auto back = again.ReadString();
      FUZZ_CHECK(back.ok() && *back == *s && again.remaining() == 0);
    }
  }
}

void CheckFunctions(std::string_view in) {
  auto r = rdb::LoadFunctionsPayload(in);
  FUZZ_CHECK(r.ok() || absl::IsInvalidArgument(r.status()));
  std::string framed(in);
  rdb::AppendDumpFooter(&framed);
  FUZZ_CHECK(rdb::VerifyDumpPayload(framed).ok());
  auto codes = rdb::LoadFunctionsPayload(framed);
  if (!codes.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(codes.status()));
    return;
  }
  // What loads dumps again (as FUNCTION2 records) and loads to the same codes.
  std::vector<std::string_view> views(codes->begin(), codes->end());
  auto again = rdb::LoadFunctionsPayload(rdb::DumpFunctions(views, true));
  FUZZ_CHECK(again.ok() && *again == *codes);
}

void CheckLzf(std::string_view in) {
  if (in.empty()) return;
  // The first byte picks the output capacity; exactly sized heap buffers for ASan.
  const size_t cap = static_cast<uint8_t>(in[0]) * 4;
  std::vector<char> src(in.begin() + 1, in.end());
  std::vector<char> out(cap);
  const size_t n = lzf::Decompress(src.data(), src.size(), out.data(), out.size());
  FUZZ_CHECK(n <= cap);
  if (n == 0) return;
  std::vector<char> packed(n + n / 16 + 64);
  const size_t m = lzf::Compress(out.data(), n, packed.data(), packed.size());
  FUZZ_CHECK(m > 0 && m <= packed.size());
  std::vector<char> back(n);
  FUZZ_CHECK(lzf::Decompress(packed.data(), m, back.data(), back.size()) == n);
  FUZZ_CHECK(back == std::vector<char>(out.begin(), out.begin() + n));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckStrings(in);
  CheckFunctions(in);
  CheckLzf(in);
  return 0;
}
