#include "shard/key_slot.h"

#include <array>
#include <cstddef>

namespace shoal {
namespace {

// kCrc16[0] is the classic byte-at-a-time table; kCrc16[k][b] is the CRC of byte b followed by k
// zero bytes, so four bytes fold into the register with four independent lookups (slicing-by-4)
// instead of a chain of four dependent ones: routing hashes every key of every command.
using Crc16Tables = std::array<std::array<uint16_t, 256>, 4>;

constexpr Crc16Tables MakeCrc16Tables() {
  Crc16Tables t{};
  for (unsigned i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    t[0][i] = crc;
  }
  for (size_t k = 1; k < t.size(); ++k)
    for (unsigned i = 0; i < 256; ++i)
      t[k][i] = static_cast<uint16_t>((t[k - 1][i] << 8) ^ t[0][t[k - 1][i] >> 8]);
  return t;
}

constexpr Crc16Tables kCrc16 = MakeCrc16Tables();

// Spot checks against the table printed in Redis's crc16.c.
static_assert(kCrc16[0][1] == 0x1021);
static_assert(kCrc16[0][2] == 0x2042);
static_assert(kCrc16[0][255] == 0x1ef0);

}  // namespace

uint16_t Crc16(std::string_view data) {
  uint32_t crc = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  for (; n >= 4; n -= 4, p += 4) {
    crc = kCrc16[3][(crc >> 8) ^ p[0]] ^ kCrc16[2][(crc & 0xff) ^ p[1]] ^ kCrc16[1][p[2]] ^
          kCrc16[0][p[3]];
  }
  for (; n > 0; --n, ++p) crc = ((crc << 8) & 0xffff) ^ kCrc16[0][((crc >> 8) ^ *p) & 0xff];
  return static_cast<uint16_t>(crc);
}

std::string_view HashTag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

uint16_t KeySlot(std::string_view key) { return Crc16(HashTag(key)) & (kNumKeySlots - 1); }

}  // namespace shoal
