// Fuzzes shard/intset through its public API (there is no "validate arbitrary bytes" entry point):
// adds, removes and lookups decoded from the input run on an intset and on a std::set model;
// after each one the members must read back sorted and equal to the model, the width must hold
// every member and BlobLen must be header + width * length.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <set>

#include "shard/intset.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace intset = shoal::intset;

int64_t Value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return in.ConsumeIntegralInRange<int64_t>(-40, 40);
    case 1:
      return in.ConsumeIntegral<int16_t>();
    case 2:
      return in.ConsumeIntegral<int32_t>();
    case 3: {  // the width boundaries
      static const int64_t kEdges[] = {INT16_MIN, INT16_MIN - 1,
                                       INT16_MAX, INT16_MAX + 1,
                                       INT32_MIN, int64_t{INT32_MIN} - 1,
                                       INT32_MAX, int64_t{INT32_MAX} + 1,
                                       INT64_MIN, INT64_MAX,
                                       0,         -1};
      return kEdges[in.ConsumeIntegralInRange<size_t>(0, sizeof(kEdges) / sizeof(kEdges[0]) - 1)];
    }
    default:
      return in.ConsumeIntegral<int64_t>();
  }
}

uint32_t Width(const uint8_t* is) {
  uint32_t w;
  std::memcpy(&w, is, 4);
  return w;
}

void Check(const uint8_t* is, const std::set<int64_t>& m) {
  FUZZ_CHECK(intset::Length(is) == m.size());
  const uint32_t w = Width(is);
  FUZZ_CHECK(w == 2 || w == 4 || w == 8);
  FUZZ_CHECK(intset::BlobLen(is) == 8 + size_t{w} * m.size());
  FUZZ_CHECK(intset::BlobLen(is) <= intset::MallocSize(is));
  uint32_t i = 0;
  for (int64_t v : m) {
    FUZZ_CHECK(intset::Get(is, i) == v);
    if (w == 2) FUZZ_CHECK(v >= INT16_MIN && v <= INT16_MAX);
    if (w == 4) FUZZ_CHECK(v >= INT32_MIN && v <= INT32_MAX);
    ++i;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  uint8_t* is = intset::New();
  std::set<int64_t> m;
  Check(is, m);
  while (in.remaining_bytes() > 0) {
    const int op = in.ConsumeIntegralInRange<int>(0, 4);
    // Half the time a value already in the set.
    int64_t v = Value(in);
    if (!m.empty() && in.ConsumeBool()) {
      auto it = m.begin();
      std::advance(it, in.ConsumeIntegralInRange<size_t>(0, m.size() - 1));
      v = *it;
    }
    if (op <= 1) {
      bool added = false;
      is = intset::Add(is, v, &added);
      FUZZ_CHECK(added == m.insert(v).second);
    } else if (op <= 3) {
      bool removed = false;
      is = intset::Remove(is, v, &removed);
      FUZZ_CHECK(removed == (m.erase(v) == 1));
    } else {
      FUZZ_CHECK(intset::Contains(is, v) == (m.count(v) == 1));
      uint8_t* c = intset::Clone(is);
      intset::Free(is);
      is = c;
    }
    Check(is, m);
  }
  intset::Free(is);
  return 0;
}
