// LEB128-style unsigned varints (7 bits per byte, high bit = more), used for key and value lengths
// inside entry blocks and StrMap nodes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal {

inline size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p; returns the bytes written.
inline size_t PutVarint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  return n;
}

// Reads a varint at p into *v; returns the bytes read.
inline size_t GetVarint(const uint8_t* p, uint64_t* v) {
  uint64_t r = 0;
  size_t n = 0;
  int shift = 0;
  while (p[n] & 0x80) {
    r |= uint64_t{p[n] & 0x7Fu} << shift;
    shift += 7;
    ++n;
  }
  r |= uint64_t{p[n]} << shift;
  *v = r;
  return n + 1;
}

}  // namespace shoal
