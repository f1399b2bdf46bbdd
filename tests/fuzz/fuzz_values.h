// Element values for the structure fuzzers: the shapes the encodings treat differently.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

namespace shoal_fuzz {

inline std::string Element(FuzzedDataProvider& in) {
  // Big strings are rare: each one makes every later operation copy it around.
  switch (in.ConsumeIntegralInRange<int>(0, 31)) {
    case 0:  // integers of every width, stored as int entries
      return std::to_string(in.ConsumeIntegral<int64_t>());
    case 1:
      return std::to_string(in.ConsumeIntegralInRange<int64_t>(-5000, 5000));
    case 2: {  // near-integers that must stay strings
      static const char* const kOdd[] = {"-0",
                                         "007",
                                         "+1",
                                         " 1",
                                         "1 ",
                                         "9223372036854775808",
                                         "-9223372036854775809",
                                         "",
                                         "0x10",
                                         "1e3",
                                         "18446744073709551616",
                                         "-"};
      return kOdd[in.ConsumeIntegralInRange<size_t>(0, sizeof(kOdd) / sizeof(kOdd[0]) - 1)];
    }
    case 3: {  // long strings: 12-bit and 32-bit string headers, multi-byte backlens
      // Mostly under 5000 bytes (12-bit header); rarely past 64 KB (32-bit header, 3-byte backlen).
      const uint8_t shape = in.ConsumeIntegral<uint8_t>();
      const size_t len = in.ConsumeIntegralInRange<size_t>(0, shape == 0   ? 70000
                                                              : shape < 16 ? 5000
                                                                           : 300);
      return std::string(len, static_cast<char>(in.ConsumeIntegral<uint8_t>()));
    }
    case 4: {  // around the encoding boundaries
      static const size_t kLens[] = {62,   63,   64,   65,   126,   127,   128,  129,
                                     4094, 4095, 4096, 4097, 16382, 16383, 16384};
      const size_t len =
          kLens[in.ConsumeIntegralInRange<size_t>(0, sizeof(kLens) / sizeof(kLens[0]) - 1)];
      return std::string(len, 'x');
    }
    default:
      return in.ConsumeRandomLengthString(40);
  }
}

}  // namespace shoal_fuzz
