// Fuzzes shard/hyperloglog on arbitrary bytes after a valid header (what SET or RESTORE can put in
// a key before PFADD/PFCOUNT/PFMERGE see it): counting, merging, decoding and conversion must stay
// inside the value; register sets and adds must leave a value that is still an HLL (dense ones
// exactly 12304 bytes). When the body describes exactly 16384 registers, the sparse count, the
// dense count and the merged raw registers must all agree.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "shard/hyperloglog.h"
#include "tests/fuzz/fuzz_check.h"

namespace hll = shoal::hll;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  bool dense = in.ConsumeBool();
  size_t max_bytes = in.ConsumeIntegralInRange<size_t>(0, 4000);
  std::string v = hll::NewSparse().substr(0, hll::kHeaderSize);
  if (dense) {
    v[4] = static_cast<char>(hll::kDense);
    std::string body = in.ConsumeBytesAsString(hll::kDenseSize - hll::kHeaderSize);
    body.resize(hll::kDenseSize - hll::kHeaderSize, '\0');
    v += body;
  } else {
    v += in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(0, 256));
  }
  FUZZ_CHECK(hll::IsHll(v));

  bool invalid = false;
  uint64_t card = hll::Count(v, &invalid);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool merged = hll::Merge(max.data(), v);
  if (!dense) hll::Decode(v);
  std::string d = v;
  bool converted = hll::SparseToDense(&d);
  // Like Redis, conversion stops at a VAL past the last register, where counting (which reads the
  // whole body) calls it corrupted: the two agree on bodies that describe exactly 16384.
  bool valid = converted && !invalid;
  if (converted) FUZZ_CHECK(d.size() == hll::kDenseSize && merged);
  if (valid) {
    FUZZ_CHECK(hll::Count(d, nullptr) == card);
    FUZZ_CHECK(hll::CountRaw(max.data()) == card);
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(d.data()) + hll::kHeaderSize;
    for (uint32_t i = 0; i < hll::kRegisters; ++i) FUZZ_CHECK(hll::DenseGet(regs, i) == max[i]);
  }
  if (!converted) FUZZ_CHECK(d == v);

  while (in.remaining_bytes() > 0) {
    int rc;
    if (in.ConsumeBool()) {
      rc = hll::Set(&v, in.ConsumeIntegralInRange<uint32_t>(0, hll::kRegisters - 1),
                    in.ConsumeIntegralInRange<uint8_t>(1, 51), max_bytes);
    } else {
      rc = hll::Add(&v, in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(0, 16)),
                    max_bytes);
    }
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    FUZZ_CHECK(hll::IsHll(v));
    if (hll::Encoding(v) == hll::kSparse && valid) {
      // A valid sparse value stays valid.
      bool bad = false;
      hll::Count(v, &bad);
      FUZZ_CHECK(!bad);
    }
  }
  return 0;
}
