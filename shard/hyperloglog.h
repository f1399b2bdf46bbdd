// HyperLogLog values with Redis 7.0's exact byte layout (hyperloglog.c): a 16-byte header ("HYLL",
// encoding, 3 unused bytes, the cached cardinality little endian with the MSB of card[7] marking it
// stale), then either 16384 6-bit registers packed little endian (dense, 12304 bytes in all) or
// a run-length sparse form (ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx opcodes).
// Elements hash with MurmurHash64A (seed 0xadc83b19), so the same PFADDs give the same bytes as
// Redis; counts use Redis 7.0's estimator (hllTau/hllSigma).
//
// Pure data structure: no server or shard dependencies. Every function that reads a value takes
// its bytes as given and never reads or writes outside them, whatever they hold (a corrupted
// sparse body is reported, not trusted). Functions that take a value require IsHll(value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::hll {

inline constexpr int kP = 14;
inline constexpr int kQ = 64 - kP;
inline constexpr uint32_t kRegisters = 1u << kP;
inline constexpr int kBits = 6;
inline constexpr uint8_t kRegisterMax = (1 << kBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr uint8_t kMaxEncoding = 1;
inline constexpr int kSparseValMaxValue = 32;
inline constexpr uint64_t kSeed = 0xadc83b19ULL;

// Raw registers: one byte per register (what merges gather and PFCOUNT of several keys counts).
using RawRegisters = uint8_t[kRegisters];

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);
// hllPatLen: the register an element maps to and its run of zeros plus one (1..kQ+1).
uint8_t PatLen(std::string_view ele, uint32_t* index);

// isHLLObjectOrReply's checks: at least a header, the magic, a known encoding, and for dense the
// exact size. A value failing them is "not a valid HyperLogLog string value" (WRONGTYPE).
bool IsHll(std::string_view v);
inline uint8_t Encoding(std::string_view v) { return static_cast<uint8_t>(v[4]); }

// createHLLObject: an empty sparse HLL (one XZERO opcode), cache valid at 0.
std::string NewSparse();

// The cached cardinality.
inline bool CacheValid(std::string_view v) { return (static_cast<uint8_t>(v[15]) & 0x80) == 0; }
uint64_t CachedCard(std::string_view v);
void SetCachedCard(char* v, uint64_t card);
inline void InvalidateCache(char* v) { v[15] = static_cast<char>(v[15] | 0x80); }

// Dense registers (`regs` points past the header).
inline uint8_t DenseGet(const uint8_t* regs, uint32_t i) {
  size_t byte = i * kBits / 8;
  unsigned fb = i * kBits & 7;
  unsigned b0 = regs[byte];
  unsigned b1 = byte + 1 < kDenseSize - kHeaderSize ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}
inline void DenseSet(uint8_t* regs, uint32_t i, uint8_t val) {
  size_t byte = i * kBits / 8;
  unsigned fb = i * kBits & 7;
  unsigned fb8 = 8 - fb;
  unsigned v = val;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (byte + 1 < kDenseSize - kHeaderSize)
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
}
// hllDenseSet: raises register i to `count`; true when it changed.
inline bool DenseSetMax(uint8_t* regs, uint32_t i, uint8_t count) {
  if (count <= DenseGet(regs, i)) return false;
  DenseSet(regs, i, count);
  return true;
}

// hllSparseToDense: no-op for a dense value; false (value unchanged) when the sparse body does
// not describe exactly kRegisters registers.
bool SparseToDense(std::string* v);
// hllSparseSet / hllDenseSet: raises register `index` to `count`. A sparse value that would grow
// past `sparse_max_bytes`, or needs a count above 32, turns dense. 1: changed (cache marked
// stale for sparse, as Redis), 0: not, -1: corrupted sparse body.
int Set(std::string* v, uint32_t index, uint8_t count, size_t sparse_max_bytes);
// hllAdd: 1 changed, 0 not, -1 corrupted.
int Add(std::string* v, std::string_view ele, size_t sparse_max_bytes);

// hllCount for a value: the estimate; *invalid set (when given) for a sparse body that does not
// describe exactly kRegisters registers.
uint64_t Count(std::string_view v, bool* invalid);
// hllCount for raw registers (HLL_RAW).
uint64_t CountRaw(const uint8_t* regs);
// hllMerge: raises max[i] to each register of v; false for a corrupted sparse body.
bool Merge(uint8_t* max, std::string_view v);
// PFMERGE's write: sets each non-zero max[i] into `v` (turning it dense first when `to_dense`),
// then marks the cache stale. False when v is a corrupted sparse value that cannot turn dense.
bool ApplyRaw(std::string* v, const uint8_t* max, bool to_dense, size_t sparse_max_bytes);

// PFDEBUG DECODE of a sparse value: "z:N", "Z:N", "v:VAL,LEN" separated by spaces.
std::string Decode(std::string_view v);

}  // namespace shoal::hll
