// Ziplist and zipmap readers: every offset is checked against the end before it is read, in
// size_t arithmetic, so no declared length (up to 2^32) can wrap or reach past the bytes.
#include "persistence/rdb_legacy.h"

#include <cstddef>

namespace shoal::rdb {

namespace {

uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

constexpr size_t kZiplistHeaderSize = 10;
constexpr uint8_t kZiplistEnd = 0xFF;
constexpr uint8_t kZiplistBigPrevlen = 0xFE;
// Encodings (the first byte after prevlen). Strings: the top two bits, with the length.
constexpr uint8_t kZipStrMask = 0xC0;
constexpr uint8_t kZipStr06 = 0x00;
constexpr uint8_t kZipStr14 = 0x40;
constexpr uint8_t kZipStr32 = 0x80;
constexpr uint8_t kZipInt16 = 0xC0;
constexpr uint8_t kZipInt32 = 0xD0;
constexpr uint8_t kZipInt64 = 0xE0;
constexpr uint8_t kZipInt24 = 0xF0;
constexpr uint8_t kZipInt8 = 0xFE;
constexpr uint8_t kZipImmMin = 0xF1;  // 1111xxxx: the value xxxx - 1, 0..12
constexpr uint8_t kZipImmMax = 0xFD;

// zipEncodingLenSize: the bytes of the encoding field, 0 for an unknown encoding.
size_t EncodingSize(uint8_t enc) {
  if (enc == kZipInt16 || enc == kZipInt32 || enc == kZipInt24 || enc == kZipInt64 ||
      enc == kZipInt8 || (enc >= kZipImmMin && enc <= kZipImmMax) || enc == kZipStr06)
    return 1;
  if (enc == kZipStr14) return 2;
  if (enc == kZipStr32) return 5;
  return 0;
}

// zipIntSize.
size_t IntSize(uint8_t enc) {
  switch (enc) {
    case kZipInt8:
      return 1;
    case kZipInt16:
      return 2;
    case kZipInt24:
      return 3;
    case kZipInt32:
      return 4;
    case kZipInt64:
      return 8;
    default:
      return 0;  // immediate
  }
}

int64_t LoadInt(const uint8_t* p, uint8_t enc) {
  switch (enc) {
    case kZipInt8:
      return static_cast<int8_t>(p[0]);
    case kZipInt16:
      return static_cast<int16_t>(LoadLE(p, 2));
    case kZipInt24:
      // The 24 bits at the top of an int32, shifted back to sign-extend them.
      return static_cast<int32_t>(static_cast<uint32_t>(LoadLE(p, 3)) << 8) >> 8;
    case kZipInt32:
      return static_cast<int32_t>(LoadLE(p, 4));
    case kZipInt64:
      return static_cast<int64_t>(LoadLE(p, 8));
    default:
      return (enc & 0x0F) - 1;
  }
}

constexpr uint8_t kZipmapBigLen = 254;
constexpr uint8_t kZipmapEnd = 255;

// A zipmap length at off (which is < last): its value and the bytes it takes, or false when those
// bytes reach `last` (the terminator).
bool ZipmapLen(const uint8_t* zm, size_t off, size_t last, uint64_t* len, size_t* bytes) {
  *bytes = zm[off] < kZipmapBigLen ? 1 : 5;
  if (*bytes > last - off) return false;
  *len = *bytes == 1 ? zm[off] : LoadLE(zm + off + 1, 4);
  return true;
}

}  // namespace

bool ForEachZiplistEntry(std::string_view bytes, absl::FunctionRef<bool(const ZiplistEntry&)> fn) {
  const auto* zl = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  if (size < kZiplistHeaderSize + 1) return false;
  if (LoadLE(zl, 4) != size || zl[size - 1] != kZiplistEnd) return false;
  const size_t last = size - 1;  // the terminator: no entry byte may be there or beyond
  const uint64_t tail = LoadLE(zl + 4, 4);
  if (tail > last) return false;
  size_t off = kZiplistHeaderSize;
  size_t prev = 0;      // offset of the previous entry (0: none yet)
  size_t prev_raw = 0;  // its size
  uint64_t count = 0;
  while (zl[off] != kZiplistEnd) {
    const size_t prevlen_size = zl[off] < kZiplistBigPrevlen ? 1 : 5;
    if (prevlen_size > last - off) return false;
    const uint64_t prevlen = prevlen_size == 1 ? zl[off] : LoadLE(zl + off + 1, 4);
    if (prevlen != prev_raw) return false;
    const size_t enc_off = off + prevlen_size;
    uint8_t enc = zl[enc_off];
    if (enc < kZipStrMask) enc &= kZipStrMask;
    const size_t enc_size = EncodingSize(enc);
    if (enc_size == 0 || enc_size > last - enc_off) return false;
    const uint8_t* e = zl + enc_off;
    uint64_t len;
    if (enc == kZipStr06) {
      len = e[0] & 0x3F;
    } else if (enc == kZipStr14) {
      len = (uint64_t{e[0] & 0x3Fu} << 8) | e[1];
    } else if (enc == kZipStr32) {
      len = (uint64_t{e[1]} << 24) | (uint64_t{e[2]} << 16) | (uint64_t{e[3]} << 8) | e[4];
    } else {
      len = IntSize(enc);
    }
    const size_t payload = enc_off + enc_size;
    if (len > last - payload) return false;
    ZiplistEntry entry;
    if (enc < kZipStrMask) {
      entry.sval = std::string_view(reinterpret_cast<const char*>(zl + payload), len);
    } else {
      entry.is_int = true;
      entry.ival = LoadInt(zl + payload, enc);
    }
    if (!fn(entry)) return false;
    prev = off;
    prev_raw = payload + len - off;
    off = payload + len;
    ++count;
  }
  if (off != last) return false;
  if (count > 0 && prev != tail) return false;
  const uint64_t declared = LoadLE(zl + 8, 2);
  return declared == UINT16_MAX || declared == count;
}

bool ForEachZipmapPair(std::string_view bytes,
                       absl::FunctionRef<bool(std::string_view, std::string_view)> fn) {
  const auto* zm = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  if (size < 2 || zm[size - 1] != kZipmapEnd) return false;
  const size_t last = size - 1;
  auto view = [zm](size_t off, uint64_t len) {
    return std::string_view(reinterpret_cast<const char*>(zm + off), len);
  };
  size_t off = 1;  // after the count
  uint64_t count = 0;
  while (zm[off] != kZipmapEnd) {
    uint64_t flen, vlen;
    size_t bytes_len;
    if (!ZipmapLen(zm, off, last, &flen, &bytes_len)) return false;
    off += bytes_len;
    if (flen > last - off) return false;
    const std::string_view field = view(off, flen);
    off += flen;
    if (!ZipmapLen(zm, off, last, &vlen, &bytes_len)) return false;
    off += bytes_len;
    if (off >= last) return false;  // the free byte would be the terminator
    const uint8_t free_bytes = zm[off++];
    if (vlen > last - off || free_bytes > last - off - vlen) return false;
    const std::string_view value = view(off, vlen);
    off += vlen + free_bytes;
    if (!fn(field, value)) return false;
    ++count;
  }
  if (count == 0) return false;
  return zm[0] == kZipmapBigLen || zm[0] == count;
}

}  // namespace shoal::rdb
