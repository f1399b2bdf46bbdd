// CRC-64 as Redis computes it for RDB files and DUMP payloads (crc64.c): the Jones polynomial
// 0xad93d23594c935a9, reflected input and output, initial value 0, no final xor. Check value:
// Crc64(0, "123456789") == 0xe9c6d914c4b8d9ca. Slice-by-8 over tables built at compile time; pure,
// callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

// Continues a CRC: Crc64(Crc64(0, a), b) == Crc64(0, a + b), as Redis's crc64(crc, s, l).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

inline uint64_t Crc64(uint64_t crc, std::string_view data) {
  return Crc64(crc, data.data(), data.size());
}

// The CRC of a + b from crc1 = Crc64(0, a), crc2 = Crc64(0, b) and b's length (zlib's
// crc32_combine method, O(log len2) 64x64 matrix squarings): the RDB file's checksum from the
// checksums of sections written by different threads.
uint64_t Crc64Combine(uint64_t crc1, uint64_t crc2, uint64_t len2);

}  // namespace shoal
