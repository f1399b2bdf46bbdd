// HyperLogLog encodings, register updates, merges and the Redis 7.0 estimator (see the header).
#include "shard/hyperloglog.h"

#include <cmath>
#include <cstring>

namespace shoal::hll {

namespace {

constexpr uint8_t kXZeroBit = 0x40;
constexpr uint8_t kValBit = 0x80;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5/ln(2)

bool IsZeroOp(uint8_t b) { return (b & 0xc0) == 0; }
bool IsXZeroOp(uint8_t b) { return (b & 0xc0) == kXZeroBit; }
bool IsValOp(uint8_t b) { return (b & kValBit) != 0; }
int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
int ValLen(uint8_t b) { return (b & 0x3) + 1; }
uint8_t ValOp(int val, int len) {
  return static_cast<uint8_t>(((val - 1) << 2 | (len - 1)) | kValBit);
}
uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
void XZeroOp(uint8_t* p, int len) {
  int l = len - 1;
  p[0] = static_cast<uint8_t>((l >> 8) | kXZeroBit);
  p[1] = static_cast<uint8_t>(l & 0xff);
}

uint8_t* Bytes(std::string* v) { return reinterpret_cast<uint8_t*>(v->data()); }
const uint8_t* Bytes(std::string_view v) { return reinterpret_cast<const uint8_t*>(v.data()); }

// The byte after an opcode at p: an XZERO cut short by the end of the value reads 0 there, as
// Redis reads the sds terminator.
uint8_t Next(const uint8_t* p, size_t i, size_t end) { return i + 1 < end ? p[i + 1] : 0; }

// Visits the sparse body's runs: fn(first register, run length, value). Stops at a VAL run that
// would pass kRegisters (Redis's overflow check). Returns the registers covered.
template <typename Fn>
uint64_t WalkSparse(std::string_view v, Fn fn) {
  const uint8_t* p = Bytes(v);
  size_t end = v.size();
  uint64_t idx = 0;
  for (size_t i = kHeaderSize; i < end;) {
    uint8_t b = p[i];
    if (IsZeroOp(b)) {
      idx += ZeroLen(b);
      i++;
    } else if (IsXZeroOp(b)) {
      idx += XZeroLen(b, Next(p, i, end));
      i += 2;
    } else {
      int runlen = ValLen(b);
      if (runlen + idx > kRegisters) break;
      fn(static_cast<uint32_t>(idx), runlen, ValValue(b));
      idx += runlen;
      i++;
    }
  }
  return idx;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

// The estimator of "New cardinality estimation algorithms for HyperLogLog sketches" (Ertl), as
// Redis 7.0 computes it from the register histogram.
uint64_t Estimate(const int* reghisto) {
  double m = kRegisters;
  double z = m * Tau((m - reghisto[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += reghisto[j];
    z *= 0.5;
  }
  z += m * Sigma(reghisto[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

void DenseHisto(const uint8_t* r, int* reghisto) {
  // 16 registers in every 12 bytes.
  for (int j = 0; j < 1024; j++, r += 12) {
    reghisto[r[0] & 63]++;
    reghisto[(r[0] >> 6 | r[1] << 2) & 63]++;
    reghisto[(r[1] >> 4 | r[2] << 4) & 63]++;
    reghisto[(r[2] >> 2) & 63]++;
    reghisto[r[3] & 63]++;
    reghisto[(r[3] >> 6 | r[4] << 2) & 63]++;
    reghisto[(r[4] >> 4 | r[5] << 4) & 63]++;
    reghisto[(r[5] >> 2) & 63]++;
    reghisto[r[6] & 63]++;
    reghisto[(r[6] >> 6 | r[7] << 2) & 63]++;
    reghisto[(r[7] >> 4 | r[8] << 4) & 63]++;
    reghisto[(r[8] >> 2) & 63]++;
    reghisto[r[9] & 63]++;
    reghisto[(r[9] >> 6 | r[10] << 2) & 63]++;
    reghisto[(r[10] >> 4 | r[11] << 4) & 63]++;
    reghisto[(r[11] >> 2) & 63]++;
  }
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  // Redis hashes with an int length.
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int64_t>(static_cast<int>(len))) * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little endian, any host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7:
      h ^= static_cast<uint64_t>(data[6]) << 48;
      [[fallthrough]];
    case 6:
      h ^= static_cast<uint64_t>(data[5]) << 40;
      [[fallthrough]];
    case 5:
      h ^= static_cast<uint64_t>(data[4]) << 32;
      [[fallthrough]];
    case 4:
      h ^= static_cast<uint64_t>(data[3]) << 24;
      [[fallthrough]];
    case 3:
      h ^= static_cast<uint64_t>(data[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint64_t>(data[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

uint8_t PatLen(std::string_view ele, uint32_t* index) {
  uint64_t hash = MurmurHash64A(ele.data(), ele.size(), kSeed);
  *index = static_cast<uint32_t>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the loop ends, count <= kQ + 1
  return static_cast<uint8_t>(__builtin_ctzll(hash) + 1);
}

bool IsHll(std::string_view v) {
  if (v.size() < kHeaderSize) return false;
  if (v.substr(0, 4) != "HYLL") return false;
  uint8_t enc = Encoding(v);
  if (enc > kMaxEncoding) return false;
  if (enc == kDense && v.size() != kDenseSize) return false;
  return true;
}

std::string NewSparse() {
  constexpr uint32_t kOps = (kRegisters + kSparseXZeroMaxLen - 1) / kSparseXZeroMaxLen;
  std::string s(kHeaderSize + kOps * 2, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  uint8_t* p = Bytes(&s) + kHeaderSize;
  for (uint32_t aux = kRegisters; aux > 0;) {
    int xzero = aux < static_cast<uint32_t>(kSparseXZeroMaxLen) ? static_cast<int>(aux)
                                                                : kSparseXZeroMaxLen;
    XZeroOp(p, xzero);
    p += 2;
    aux -= static_cast<uint32_t>(xzero);
  }
  return s;
}

uint64_t CachedCard(std::string_view v) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(v[8 + i]);
  return card;
}

void SetCachedCard(char* v, uint64_t card) {
  for (int i = 0; i < 8; ++i) v[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

bool SparseToDense(std::string* v) {
  if (Encoding(*v) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), v->data(), kHeaderSize);  // magic, cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Bytes(&dense) + kHeaderSize;
  uint64_t idx = WalkSparse(*v, [regs](uint32_t first, int runlen, int val) {
    for (int k = 0; k < runlen; ++k) DenseSet(regs, first + k, static_cast<uint8_t>(val));
  });
  if (idx != kRegisters) return false;
  *v = std::move(dense);
  return true;
}

namespace {

// hllSparseSet on a sparse value.
int SparseSet(std::string* v, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  auto promote = [&]() -> int {
    if (!SparseToDense(v)) return -1;
    return DenseSetMax(Bytes(v) + kHeaderSize, index, count) ? 1 : 0;
  };
  if (count > kSparseValMaxValue) return promote();

  // Find the opcode covering `index`.
  const uint8_t* p = Bytes(*v);
  size_t end = v->size();
  size_t i = kHeaderSize;
  long first = 0, span = 0;
  size_t prev = 0;
  bool has_prev = false;
  while (i < end) {
    size_t oplen = 1;
    uint8_t b = p[i];
    if (IsZeroOp(b)) {
      span = ZeroLen(b);
    } else if (IsValOp(b)) {
      span = ValLen(b);
    } else {
      span = XZeroLen(b, Next(p, i, end));
      oplen = 2;
    }
    if (static_cast<long>(index) <= first + span - 1) break;
    prev = i;
    has_prev = true;
    i += oplen;
    first += span;
  }
  if (span == 0 || i >= end) return -1;

  uint8_t op = p[i];
  bool is_zero = IsZeroOp(op), is_xzero = IsXZeroOp(op), is_val = IsValOp(op);
  long runlen = is_zero ? ZeroLen(op) : is_xzero ? XZeroLen(op, Next(p, i, end)) : ValLen(op);
  bool rewritten = false;
  if (is_val) {
    if (ValValue(op) >= count) return 0;
    if (runlen == 1) {
      Bytes(v)[i] = ValOp(count, 1);
      rewritten = true;
    }
  }
  if (!rewritten && is_zero && runlen == 1) {
    Bytes(v)[i] = ValOp(count, 1);
    rewritten = true;
  }
  if (!rewritten) {
    // Split the run into up to three: before, the new VAL, after.
    uint8_t seq[5];
    size_t n = 0;
    long last = first + span - 1;
    auto zeros = [&](long len) {
      if (len > kSparseZeroMaxLen) {
        XZeroOp(seq + n, static_cast<int>(len));
        n += 2;
      } else {
        seq[n++] = ZeroOp(static_cast<int>(len));
      }
    };
    if (is_zero || is_xzero) {
      if (index != first) zeros(index - first);
      seq[n++] = ValOp(count, 1);
      if (index != last) zeros(last - index);
    } else {
      int curval = ValValue(op);
      if (index != first) seq[n++] = ValOp(curval, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) seq[n++] = ValOp(curval, static_cast<int>(last - index));
    }
    size_t oldlen = is_xzero ? 2 : 1;
    long deltalen = static_cast<long>(n) - static_cast<long>(oldlen);
    if (deltalen > 0 && end + deltalen > sparse_max_bytes) return promote();
    // An XZERO cut short by the end has one real byte.
    size_t real_old = i + oldlen <= end ? oldlen : end - i;
    v->replace(i, real_old, reinterpret_cast<const char*>(seq), n);
  }

  // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one.
  uint8_t* q = Bytes(v);
  end = v->size();
  size_t j = has_prev ? prev : kHeaderSize;
  int scanlen = 5;
  while (j < end && scanlen--) {
    if (IsXZeroOp(q[j])) {
      j += 2;
      continue;
    }
    if (IsZeroOp(q[j])) {
      j++;
      continue;
    }
    if (j + 1 < end && IsValOp(q[j + 1])) {
      int v1 = ValValue(q[j]);
      int v2 = ValValue(q[j + 1]);
      if (v1 == v2) {
        int len = ValLen(q[j]) + ValLen(q[j + 1]);
        if (len <= kSparseValMaxLen) {
          q[j + 1] = ValOp(v1, len);
          v->erase(j, 1);
          q = Bytes(v);
          end--;
          continue;
        }
      }
    }
    j++;
  }
  InvalidateCache(v->data());
  return 1;
}

}  // namespace

int Set(std::string* v, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  switch (Encoding(*v)) {
    case kDense:
      return DenseSetMax(Bytes(v) + kHeaderSize, index, count) ? 1 : 0;
    case kSparse:
      return SparseSet(v, index, count, sparse_max_bytes);
    default:
      return -1;
  }
}

int Add(std::string* v, std::string_view ele, size_t sparse_max_bytes) {
  uint32_t index;
  uint8_t count = PatLen(ele, &index);
  return Set(v, index, count, sparse_max_bytes);
}

uint64_t Count(std::string_view v, bool* invalid) {
  int reghisto[64] = {0};
  if (Encoding(v) == kDense) {
    DenseHisto(Bytes(v) + kHeaderSize, reghisto);
  } else {
    // hllSparseRegHisto: zero runs count too, without the overflow check.
    const uint8_t* p = Bytes(v);
    size_t end = v.size();
    uint64_t idx = 0;
    for (size_t i = kHeaderSize; i < end;) {
      uint8_t b = p[i];
      if (IsZeroOp(b)) {
        idx += ZeroLen(b);
        reghisto[0] += ZeroLen(b);
        i++;
      } else if (IsXZeroOp(b)) {
        int len = XZeroLen(b, Next(p, i, end));
        idx += len;
        reghisto[0] += len;
        i += 2;
      } else {
        idx += ValLen(b);
        reghisto[ValValue(b)] += ValLen(b);
        i++;
      }
    }
    if (idx != kRegisters && invalid != nullptr) *invalid = true;
  }
  return Estimate(reghisto);
}

uint64_t CountRaw(const uint8_t* regs) {
  int reghisto[64] = {0};
  for (uint32_t j = 0; j < kRegisters; ++j) reghisto[regs[j] & 63]++;
  return Estimate(reghisto);
}

bool Merge(uint8_t* max, std::string_view v) {
  if (Encoding(v) == kDense) {
    const uint8_t* regs = Bytes(v) + kHeaderSize;
    for (uint32_t i = 0; i < kRegisters; ++i) {
      uint8_t val = DenseGet(regs, i);
      if (val > max[i]) max[i] = val;
    }
    return true;
  }
  uint64_t idx = WalkSparse(v, [max](uint32_t first, int runlen, int val) {
    for (int k = 0; k < runlen; ++k)
      if (val > max[first + k]) max[first + k] = static_cast<uint8_t>(val);
  });
  return idx == kRegisters;
}

bool ApplyRaw(std::string* v, const uint8_t* max, bool to_dense, size_t sparse_max_bytes) {
  if (to_dense && !SparseToDense(v)) return false;
  for (uint32_t j = 0; j < kRegisters; ++j) {
    if (max[j] == 0) continue;
    // Redis ignores a sparse set that finds the body corrupted and goes on.
    Set(v, j, max[j], sparse_max_bytes);
  }
  InvalidateCache(v->data());
  return true;
}

std::string Decode(std::string_view v) {
  std::string out;
  const uint8_t* p = Bytes(v);
  size_t end = v.size();
  for (size_t i = kHeaderSize; i < end;) {
    uint8_t b = p[i];
    if (!out.empty()) out += ' ';
    if (IsZeroOp(b)) {
      out += "z:" + std::to_string(ZeroLen(b));
      i++;
    } else if (IsXZeroOp(b)) {
      out += "Z:" + std::to_string(XZeroLen(b, Next(p, i, end)));
      i += 2;
    } else {
      out += "v:" + std::to_string(ValValue(b)) + "," + std::to_string(ValLen(b));
      i++;
    }
  }
  return out;
}

}  // namespace shoal::hll
