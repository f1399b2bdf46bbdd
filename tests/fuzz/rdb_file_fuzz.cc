// Fuzzes the RDB file loader's path (persistence/rdb_file.h ParseFile, then rdb_value.h
// DecodeValue of every record, as the shards do when loading) with arbitrary bytes:
//  - as they are (the CRC must match, or be 0, for the parse to get past the trailer);
//  - behind a valid "REDIS0010" header, with the checksum off, so that mutations reach the
//    opcodes and values.
// Neither may crash, read outside the buffer (ASan), hang, or accept a record whose body the
// decoder does not consume exactly as the parser delimited it.
#include <cstdint>
#include <string>
#include <string_view>

#include "persistence/rdb_file.h"
#include "persistence/rdb_value.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace rdb = shoal::rdb;

void Parse(std::string_view data, bool verify) {
  rdb::ParseOptions opts;
  opts.verify_checksum = verify;
  rdb::ParseHandlers h;
  h.record = [](rdb::Record&& rec) -> absl::Status {
    for (bool deep : {false, true}) {
      rdb::Reader again(rec.body);
      rdb::DecodeOptions dopts;
      dopts.deep = deep;
      auto v = rdb::DecodeValue(again, rec.type, dopts);
      if (!v.ok()) return v.status();
      // ParseFile delimited the body with SkipValue: decoding reads exactly as far.
      FUZZ_CHECK(again.remaining() == 0);
      rdb::FreeDecoded(*v);
    }
    return absl::OkStatus();
  };
  (void)rdb::ParseFile(data, opts, h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Parse(in, /*verify=*/true);
  std::string file = "REDIS0010";
  file.append(in);
  Parse(file, /*verify=*/false);
  return 0;
}
