// Redis Cluster key -> hash slot mapping (src/cluster.c keyHashSlot, src/crc16.c).
#pragma once

#include <cstdint>
#include <string_view>

namespace shoal {

// Number of Redis Cluster hash slots; KeySlot() returns a value in [0, kNumKeySlots).
inline constexpr uint16_t kNumKeySlots = 16384;

// CRC16-CCITT (XMODEM): polynomial 0x1021, init 0, no reflection, no final xor. This is the CRC
// Redis Cluster uses; Crc16("123456789") == 0x31C3.
uint16_t Crc16(std::string_view data);

// The part of `key` that is hashed: if the key contains a '{' and a '}' after the first '{' with
// at least one byte between them, the bytes between the first '{' and the first '}' after it;
// otherwise the whole key. The result views into `key`.
std::string_view HashTag(std::string_view key);

// Crc16(HashTag(key)) & 16383, identical to Redis's keyHashSlot().
uint16_t KeySlot(std::string_view key);

}  // namespace shoal
