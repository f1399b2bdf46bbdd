// Intset: sorted int64 array in the narrowest of three widths, with binary search and upgrades.
#include "shard/intset.h"

#include <cstring>

#include "shard/alloc.h"

namespace shoal::intset {

namespace {

constexpr size_t kHeaderSize = 8;

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void StoreU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

uint32_t Width(const uint8_t* is) { return LoadU32(is); }
void SetLength(uint8_t* is, uint32_t n) { StoreU32(is + 4, n); }

uint32_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

// Members are stored little-endian, as the layout says; every target this builds for is
// little-endian, so a memcpy of the native integer is that encoding.
int64_t GetAt(const uint8_t* is, uint32_t width, uint32_t pos) {
  const uint8_t* p = is + kHeaderSize + size_t{pos} * width;
  if (width == 2) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (width == 4) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void SetAt(uint8_t* is, uint32_t width, uint32_t pos, int64_t v) {
  uint8_t* p = is + kHeaderSize + size_t{pos} * width;
  if (width == 2) {
    const auto x = static_cast<int16_t>(v);
    std::memcpy(p, &x, 2);
  } else if (width == 4) {
    const auto x = static_cast<int32_t>(v);
    std::memcpy(p, &x, 4);
  } else {
    std::memcpy(p, &v, 8);
  }
}

// Binary search: true when found; *pos gets the position of v or where it would be inserted.
bool Search(const uint8_t* is, int64_t v, uint32_t* pos) {
  const uint32_t width = Width(is);
  uint32_t lo = 0, hi = Length(is);
  // Values outside the current range need no search (appends of growing ids are common).
  if (hi == 0 || v > GetAt(is, width, hi - 1)) {
    *pos = hi;
    return false;
  }
  if (v < GetAt(is, width, 0)) {
    *pos = 0;
    return false;
  }
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const int64_t cur = GetAt(is, width, mid);
    if (cur == v) {
      *pos = mid;
      return true;
    }
    if (cur < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

uint8_t* Resize(uint8_t* is, uint32_t width, uint32_t len) {
  return static_cast<uint8_t*>(mem::Realloc(is, kHeaderSize + size_t{width} * len));
}

// Rewrites every member at the wider width and adds v, which is outside the old range (it needs
// the wider width), so it goes first or last.
uint8_t* UpgradeAndAdd(uint8_t* is, int64_t v) {
  const uint32_t old_width = Width(is);
  const uint32_t width = WidthFor(v);
  const uint32_t len = Length(is);
  is = Resize(is, width, len + 1);
  const uint32_t shift = v < 0 ? 1 : 0;
  // Back to front, so no member is overwritten before it is read.
  for (uint32_t i = len; i-- > 0;) SetAt(is, width, i + shift, GetAt(is, old_width, i));
  SetAt(is, width, v < 0 ? 0 : len, v);
  StoreU32(is, width);
  SetLength(is, len + 1);
  return is;
}

}  // namespace

uint8_t* New() {
  auto* is = static_cast<uint8_t*>(mem::Malloc(kHeaderSize));
  StoreU32(is, 2);
  SetLength(is, 0);
  return is;
}

void Free(uint8_t* is) { mem::Free(is); }

uint8_t* Clone(const uint8_t* is) {
  const size_t n = BlobLen(is);
  auto* copy = static_cast<uint8_t*>(mem::Malloc(n));
  std::memcpy(copy, is, n);
  return copy;
}

size_t MallocSize(const uint8_t* is) { return mem::UsableSize(is); }
uint32_t Length(const uint8_t* is) { return LoadU32(is + 4); }

bool Contains(const uint8_t* is, int64_t v) {
  uint32_t pos;
  return WidthFor(v) <= Width(is) && Search(is, v, &pos);
}

uint8_t* Add(uint8_t* is, int64_t v, bool* added) {
  const uint32_t width = Width(is);
  if (WidthFor(v) > width) {
    *added = true;
    return UpgradeAndAdd(is, v);
  }
  uint32_t pos;
  if (Search(is, v, &pos)) {
    *added = false;
    return is;
  }
  const uint32_t len = Length(is);
  is = Resize(is, width, len + 1);
  uint8_t* at = is + kHeaderSize + size_t{pos} * width;
  std::memmove(at + width, at, size_t{len - pos} * width);
  SetAt(is, width, pos, v);
  SetLength(is, len + 1);
  *added = true;
  return is;
}

uint8_t* Remove(uint8_t* is, int64_t v, bool* removed) {
  uint32_t pos;
  const uint32_t width = Width(is);
  if (WidthFor(v) > width || !Search(is, v, &pos)) {
    *removed = false;
    return is;
  }
  const uint32_t len = Length(is);
  uint8_t* at = is + kHeaderSize + size_t{pos} * width;
  std::memmove(at, at + width, size_t{len - pos - 1} * width);
  SetLength(is, len - 1);
  *removed = true;
  return Resize(is, width, len - 1);
}

int64_t Get(const uint8_t* is, uint32_t pos) { return GetAt(is, Width(is), pos); }

size_t BlobLen(const uint8_t* is) { return kHeaderSize + size_t{Width(is)} * Length(is); }

bool Validate(const uint8_t* p, size_t size) {
  if (size < kHeaderSize) return false;
  const uint32_t width = Width(p);
  if (width != 2 && width != 4 && width != 8) return false;
  const uint32_t len = Length(p);
  if (len == 0 || kHeaderSize + uint64_t{width} * len != size) return false;
  for (uint32_t i = 1; i < len; ++i) {
    if (GetAt(p, width, i - 1) >= GetAt(p, width, i)) return false;
  }
  return true;
}

uint8_t* FromBytes(const uint8_t* p, size_t size) {
  auto* is = static_cast<uint8_t*>(mem::Malloc(size));
  std::memcpy(is, p, size);
  return is;
}

}  // namespace shoal::intset
