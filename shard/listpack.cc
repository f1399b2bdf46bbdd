// Listpack: encoding, decoding and in-place mutation of the compact element sequence described in
// listpack.h.
#include "shard/listpack.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "base/numbers.h"
#include "shard/alloc.h"

namespace shoal::lp {

namespace {

constexpr size_t kHeaderSize = 8;
constexpr uint8_t kEof = 0xFF;

constexpr uint8_t kEncInt16 = 0xF1;
constexpr uint8_t kEncInt24 = 0xF2;
constexpr uint8_t kEncInt32 = 0xF3;
constexpr uint8_t kEncInt64 = 0xF4;
constexpr uint8_t kEncStr32 = 0xF0;

// Longest integer entry: 0xF4, int64 and a 1-byte backlen (string headers take at most 5).
constexpr size_t kMaxIntEntry = 10;

uint32_t LoadU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void StoreU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

void StoreLE(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void SetBytes(uint8_t* lp, size_t n) { StoreU32(lp, static_cast<uint32_t>(n)); }
void SetLength(uint8_t* lp, uint32_t n) { StoreU32(lp + 4, n); }

// Thresholds as Redis's lpEncodeBacklen, so per-element memory matches Redis byte for byte.
size_t BacklenSize(size_t encoded) {
  if (encoded <= 127) return 1;
  if (encoded < 16383) return 2;
  if (encoded < 2097151) return 3;
  if (encoded < 268435455) return 4;
  return 5;
}

// The byte nearest the entry start has bit 7 clear; every later byte has it set, so a reader
// walking backwards from the last byte knows when to stop. The last byte holds the low 7 bits.
void WriteBacklen(uint8_t* p, size_t encoded, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = static_cast<uint8_t>((encoded >> (7 * i)) & 127);
    if (i + 1 < n) b |= 128;
    p[n - 1 - i] = b;
  }
}

// Reads the backlen whose last byte is at q; *n gets its size in bytes.
size_t ReadBacklen(const uint8_t* q, size_t* n) {
  size_t v = 0;
  unsigned shift = 0;
  size_t count = 0;
  while (true) {
    const uint8_t b = *q;
    v |= size_t{b & 127u} << shift;
    ++count;
    if ((b & 128) == 0) break;
    shift += 7;
    --q;
  }
  *n = count;
  return v;
}

// Size of the encoding byte(s) plus payload of the entry at p (the backlen excluded).
size_t EncodedSize(const uint8_t* p) {
  const uint8_t b = p[0];
  if (b < 0x80) return 1;
  if (b < 0xC0) return 1 + (b & 0x3F);
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 2 + ((size_t{b & 0x0Fu} << 8) | p[1]);
  switch (b) {
    case kEncStr32:
      return 5 + LoadU32(p + 1);
    case kEncInt16:
      return 3;
    case kEncInt24:
      return 4;
    case kEncInt32:
      return 5;
    default:
      return 9;
  }
}

size_t EntryBytes(const uint8_t* p) {
  const size_t enc = EncodedSize(p);
  return enc + BacklenSize(enc);
}

// Writes the whole integer entry (encoding, payload, backlen) for v; returns its size.
size_t EncodeInt(int64_t v, uint8_t* buf) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    buf[0] = static_cast<uint8_t>(v);
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
    buf[0] = static_cast<uint8_t>(0xC0 | (u >> 8));
    buf[1] = static_cast<uint8_t>(u);
    enc = 2;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    buf[0] = kEncInt16;
    StoreLE(buf + 1, static_cast<uint64_t>(v), 2);
    enc = 3;
  } else if (v >= -(int64_t{1} << 23) && v < (int64_t{1} << 23)) {
    buf[0] = kEncInt24;
    StoreLE(buf + 1, static_cast<uint64_t>(v), 3);
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    buf[0] = kEncInt32;
    StoreLE(buf + 1, static_cast<uint64_t>(v), 4);
    enc = 5;
  } else {
    buf[0] = kEncInt64;
    StoreLE(buf + 1, static_cast<uint64_t>(v), 8);
    enc = 9;
  }
  const size_t bl = BacklenSize(enc);
  WriteBacklen(buf + enc, enc, bl);
  return enc + bl;
}

// Writes the string encoding header for a payload of len bytes; returns the header size.
size_t EncodeStrHeader(size_t len, uint8_t* buf) {
  if (len <= 63) {
    buf[0] = static_cast<uint8_t>(0x80 | len);
    return 1;
  }
  if (len <= 4095) {
    buf[0] = static_cast<uint8_t>(0xE0 | (len >> 8));
    buf[1] = static_cast<uint8_t>(len);
    return 2;
  }
  buf[0] = kEncStr32;
  StoreU32(buf + 1, static_cast<uint32_t>(len));
  return 5;
}

// An element about to be written: either a fully encoded integer entry in `buf`, or a string
// header in `buf` followed by the payload `str` and the backlen.
struct Pending {
  uint8_t buf[kMaxIntEntry];
  size_t head = 0;  // bytes of buf to write first
  std::string_view str;
  size_t size = 0;  // whole entry size

  void Write(uint8_t* dst) const {
    std::memcpy(dst, buf, head);
    if (head == size) return;  // an integer: buf holds the whole entry
    if (!str.empty()) std::memcpy(dst + head, str.data(), str.size());
    const size_t enc = head + str.size();
    WriteBacklen(dst + enc, enc, size - enc);
  }
};

void PrepareInt(int64_t v, Pending* e) {
  e->size = e->head = EncodeInt(v, e->buf);
  e->str = {};
}

void Prepare(std::string_view s, Pending* e) {
  int64_t v;
  if (ParseInt64(s, &v)) return PrepareInt(v, e);
  e->head = EncodeStrHeader(s.size(), e->buf);
  e->str = s;
  const size_t enc = e->head + s.size();
  e->size = enc + BacklenSize(enc);
}

// Replaces the `old_size` bytes at offset `off` by the entry e; count_delta adjusts the element
// count. One memmove of the tail, one realloc.
uint8_t* Splice(uint8_t* lp, size_t off, size_t old_size, const Pending* e, int count_delta) {
  const size_t total = Bytes(lp);
  // A string read out of this very listpack would move with the realloc and memmove below.
  Pending own;
  std::string copy;
  if (e != nullptr && !e->str.empty()) {
    const auto* d = reinterpret_cast<const uint8_t*>(e->str.data());
    if (d >= lp && d < lp + total) {
      copy.assign(e->str);
      own = *e;
      own.str = copy;
      e = &own;
    }
  }
  const size_t new_size = e != nullptr ? e->size : 0;
  const size_t tail = total - off - old_size;
  const size_t new_total = total - old_size + new_size;
  if (new_size > old_size) {
    // Within the block (a preallocated listpack: New(capacity)) it grows in place.
    if (new_total > mem::UsableSize(lp)) lp = static_cast<uint8_t*>(mem::Realloc(lp, new_total));
    std::memmove(lp + off + new_size, lp + off + old_size, tail);
  } else if (new_size < old_size) {
    std::memmove(lp + off + new_size, lp + off + old_size, tail);
    lp = static_cast<uint8_t*>(mem::Realloc(lp, new_total));
  }
  if (e != nullptr) e->Write(lp + off);
  SetBytes(lp, new_total);
  SetLength(lp, static_cast<uint32_t>(static_cast<int64_t>(Length(lp)) + count_delta));
  return lp;
}

uint8_t* InsertAt(uint8_t* lp, size_t off, const Pending& e, uint8_t** out) {
  lp = Splice(lp, off, 0, &e, 1);
  if (out != nullptr) *out = lp + off;
  return lp;
}

// The string s once it is known whether it would be stored as an integer: elements compare
// against it without reparsing.
struct Needle {
  std::string_view s;
  bool is_int;
  int64_t ival;

  explicit Needle(std::string_view str) : s(str) { is_int = ParseInt64(str, &ival); }

  // A stored string is never a canonical integer, so int/string pairs never match.
  bool Matches(const uint8_t* p) const {
    const uint8_t b = p[0];
    const bool str_elem = (b >= 0x80 && b < 0xC0) || (b >= 0xE0 && b <= kEncStr32);
    if (str_elem != !is_int) return false;
    const Elem e = Get(p);
    if (is_int) return e.ival == ival;
    return e.sval.size() == s.size() && std::memcmp(e.sval.data(), s.data(), s.size()) == 0;
  }
};

}  // namespace

std::string_view Elem::Str(char* scratch) const {
  if (!is_int) return sval;
  return std::string_view(scratch, FormatInt64(ival, scratch));
}

uint8_t* New(size_t capacity) {
  auto* lp = static_cast<uint8_t*>(mem::Malloc(std::max<size_t>(kHeaderSize + 1, capacity)));
  SetBytes(lp, kHeaderSize + 1);
  SetLength(lp, 0);
  lp[kHeaderSize] = kEof;
  return lp;
}

uint8_t* ShrinkToFit(uint8_t* lp) {
  const size_t total = Bytes(lp);
  if (mem::UsableSize(lp) <= total) return lp;
  // Not Realloc: mimalloc keeps a block that is still half used where it is.
  auto* fit = static_cast<uint8_t*>(mem::Malloc(total));
  std::memcpy(fit, lp, total);
  mem::Free(lp);
  return fit;
}

void Free(uint8_t* lp) { mem::Free(lp); }

uint8_t* Clone(const uint8_t* lp) {
  const size_t n = Bytes(lp);
  auto* copy = static_cast<uint8_t*>(mem::Malloc(n));
  std::memcpy(copy, lp, n);
  return copy;
}

size_t MallocSize(const uint8_t* lp) { return mem::UsableSize(lp); }
size_t Bytes(const uint8_t* lp) { return LoadU32(lp); }
uint32_t Length(const uint8_t* lp) { return LoadU32(lp + 4); }

uint8_t* First(uint8_t* lp) {
  uint8_t* p = lp + kHeaderSize;
  return *p == kEof ? nullptr : p;
}

uint8_t* Last(uint8_t* lp) {
  if (Length(lp) == 0) return nullptr;
  return Prev(lp, lp + Bytes(lp) - 1);
}

uint8_t* Next(uint8_t*, uint8_t* p) {
  p += EntryBytes(p);
  return *p == kEof ? nullptr : p;
}

uint8_t* Prev(uint8_t* lp, uint8_t* p) {
  if (p == lp + kHeaderSize) return nullptr;
  size_t bl;
  const size_t enc = ReadBacklen(p - 1, &bl);
  return p - bl - enc;
}

uint8_t* Seek(uint8_t* lp, int64_t index) {
  const int64_t len = Length(lp);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return nullptr;
  if (index < len / 2) {
    uint8_t* p = lp + kHeaderSize;
    for (int64_t i = 0; i < index; ++i) p += EntryBytes(p);
    return p;
  }
  uint8_t* p = Last(lp);
  for (int64_t i = len - 1; i > index; --i) p = Prev(lp, p);
  return p;
}

Elem Get(const uint8_t* p) {
  Elem e;
  const uint8_t b = p[0];
  if (b < 0x80) {
    e.is_int = true;
    e.ival = b;
  } else if (b < 0xC0) {
    e.sval = std::string_view(reinterpret_cast<const char*>(p + 1), b & 0x3F);
  } else if (b < 0xE0) {
    const uint32_t u = (uint32_t{b & 0x1Fu} << 8) | p[1];
    e.is_int = true;
    e.ival = u >= (1u << 12) ? static_cast<int64_t>(u) - (1 << 13) : u;
  } else if (b < 0xF0) {
    const size_t len = (size_t{b & 0x0Fu} << 8) | p[1];
    e.sval = std::string_view(reinterpret_cast<const char*>(p + 2), len);
  } else if (b == kEncStr32) {
    e.sval = std::string_view(reinterpret_cast<const char*>(p + 5), LoadU32(p + 1));
  } else {
    e.is_int = true;
    switch (b) {
      case kEncInt16:
        e.ival = static_cast<int16_t>(LoadLE(p + 1, 2));
        break;
      case kEncInt24:
        // Shift the 24-bit value to the top of an int32 and back to sign-extend it.
        e.ival = static_cast<int32_t>(static_cast<uint32_t>(LoadLE(p + 1, 3)) << 8) >> 8;
        break;
      case kEncInt32:
        e.ival = static_cast<int32_t>(LoadLE(p + 1, 4));
        break;
      default:
        e.ival = static_cast<int64_t>(LoadLE(p + 1, 8));
        break;
    }
  }
  return e;
}

bool Eq(const uint8_t* p, std::string_view s) { return Needle(s).Matches(p); }

uint8_t* Find(uint8_t*, uint8_t* p, std::string_view s, unsigned skip) {
  const Needle needle(s);
  while (p != nullptr && *p != kEof) {
    if (needle.Matches(p)) return p;
    p += EntryBytes(p);
    for (unsigned i = 0; i < skip && *p != kEof; ++i) p += EntryBytes(p);
  }
  return nullptr;
}

uint8_t* Append(uint8_t* lp, std::string_view s) {
  Pending e;
  Prepare(s, &e);
  return InsertAt(lp, Bytes(lp) - 1, e, nullptr);
}

uint8_t* AppendInt(uint8_t* lp, int64_t v) {
  Pending e;
  PrepareInt(v, &e);
  return InsertAt(lp, Bytes(lp) - 1, e, nullptr);
}

uint8_t* Prepend(uint8_t* lp, std::string_view s) {
  Pending e;
  Prepare(s, &e);
  return InsertAt(lp, kHeaderSize, e, nullptr);
}

uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, bool before, uint8_t** out) {
  Pending e;
  Prepare(s, &e);
  size_t off = static_cast<size_t>(p - lp);
  if (!before) off += EntryBytes(p);
  return InsertAt(lp, off, e, out);
}

uint8_t* Replace(uint8_t* lp, uint8_t* p, std::string_view s, uint8_t** out) {
  Pending e;
  Prepare(s, &e);
  const size_t off = static_cast<size_t>(p - lp);
  lp = Splice(lp, off, EntryBytes(p), &e, 0);
  if (out != nullptr) *out = lp + off;
  return lp;
}

uint8_t* Delete(uint8_t* lp, uint8_t* p, uint8_t** next) {
  const size_t off = static_cast<size_t>(p - lp);
  lp = Splice(lp, off, EntryBytes(p), nullptr, -1);
  if (next != nullptr) *next = lp[off] == kEof ? nullptr : lp + off;
  return lp;
}

uint8_t* DeleteRange(uint8_t* lp, int64_t index, uint32_t count) {
  uint8_t* start = Seek(lp, index);
  if (start == nullptr || count == 0) return lp;
  uint8_t* end = start;
  uint32_t n = 0;
  while (n < count && *end != kEof) {
    end += EntryBytes(end);
    ++n;
  }
  const size_t off = static_cast<size_t>(start - lp);
  const size_t total = Bytes(lp);
  const size_t removed = static_cast<size_t>(end - start);
  std::memmove(start, end, total - off - removed);
  lp = static_cast<uint8_t*>(mem::Realloc(lp, total - removed));
  SetBytes(lp, total - removed);
  SetLength(lp, Length(lp) - n);
  return lp;
}

size_t EntrySize(std::string_view s) {
  Pending e;
  Prepare(s, &e);
  return e.size;
}

// ---- Redis's layout ----

void AppendRedisLayout(const uint8_t* lp, std::string* out) {
  const size_t total = Bytes(lp);
  const uint32_t count = Length(lp);
  uint8_t header[kRedisHeaderSize];
  StoreU32(header, static_cast<uint32_t>(total - (kHeaderSize - kRedisHeaderSize)));
  StoreLE(header + 4, count < kRedisUnknownCount ? count : kRedisUnknownCount, 2);
  out->append(reinterpret_cast<const char*>(header), kRedisHeaderSize);
  out->append(reinterpret_cast<const char*>(lp) + kHeaderSize, total - kHeaderSize);
}

int64_t ValidateRedisLayout(std::string_view bytes,
                            absl::FunctionRef<bool(const uint8_t* entry)> on_entry) {
  const auto* lp = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  // Shoal's header is 2 bytes longer: the converted listpack must still fit its u32 total.
  if (size < kRedisHeaderSize + 1 || size > UINT32_MAX - (kHeaderSize - kRedisHeaderSize))
    return -1;
  if (LoadU32(lp) != size || lp[size - 1] != kEof) return -1;
  const size_t eof = size - 1;
  size_t off = kRedisHeaderSize;
  int64_t count = 0;
  while (off < eof) {
    const uint8_t* p = lp + off;
    const uint8_t b = p[0];
    size_t head;         // encoding bytes that must be present to know the entry's size
    bool is_str = true;  // else an integer
    if (b < 0x80 || (b >= 0xC0 && b < 0xE0) || (b >= kEncInt16 && b <= kEncInt64)) {
      head = 1;
      is_str = false;
    } else if (b < 0xC0) {
      head = 1;
    } else if (b < 0xF0) {
      head = 2;
    } else if (b == kEncStr32) {
      head = 5;
    } else {
      return -1;  // 0xF5..0xFE are no encoding; 0xFF ends the listpack before its last byte
    }
    if (head > eof - off) return -1;
    const size_t enc = EncodedSize(p);  // at most 5 + 2^32: no overflow in size_t
    const size_t bl = BacklenSize(enc);
    if (enc + bl > eof - off) return -1;
    uint8_t want[5];
    WriteBacklen(want, enc, bl);
    if (std::memcmp(want, p + enc, bl) != 0) return -1;
    if (is_str) {
      int64_t v;
      if (ParseInt64(Get(p).sval, &v)) return -1;
    }
    if (!on_entry(p)) return -1;
    off += enc + bl;
    ++count;
  }
  const uint64_t declared = LoadLE(lp + 4, 2);
  if (declared != kRedisUnknownCount && static_cast<int64_t>(declared) != count) return -1;
  return count;
}

uint8_t* FromRedisLayout(std::string_view bytes, uint32_t count) {
  const size_t body = bytes.size() - kRedisHeaderSize;
  auto* lp = static_cast<uint8_t*>(mem::Malloc(kHeaderSize + body));
  SetBytes(lp, kHeaderSize + body);
  SetLength(lp, count);
  std::memcpy(lp + kHeaderSize, bytes.data() + kRedisHeaderSize, body);
  return lp;
}

}  // namespace shoal::lp
