#include "persistence/lzf.h"

#include <cstdint>
#include <cstring>
#include <memory>

namespace shoal::lzf {
namespace {

constexpr unsigned kHashLog = 16;  // liblzf's HLOG as Redis builds it
constexpr size_t kHashSize = size_t{1} << kHashLog;
constexpr size_t kMaxLiteral = 1 << 5;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxRef = (1 << 8) + (1 << 3);

// liblzf's IDX in its VERY_FAST build; h holds the next three input bytes. Only the low 24 bits of
// h reach the result, so computing h afresh equals liblzf's rolling hval.
inline size_t HashIndex(uint32_t h) {
  return ((h >> (3 * 8 - kHashLog)) - h * 5) & (kHashSize - 1);
}

inline uint32_t Trigram(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}

// The hash table without a clear per call: a slot holds base + position, and a slot below the
// current call's base is empty. Each call advances base past every value it could have stored.
struct HashTable {
  std::unique_ptr<uint64_t[]> slots = std::make_unique<uint64_t[]>(kHashSize);  // zeroed
  uint64_t base = 1;
};

}  // namespace

size_t Compress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  if (in_len == 0 || out_cap == 0) return 0;
  const auto* in = static_cast<const uint8_t*>(in_data);
  auto* out = static_cast<uint8_t*>(out_data);
  thread_local HashTable table;
  uint64_t* const slots = table.slots.get();
  const uint64_t base = table.base;
  table.base += in_len + 1;

  // The index arithmetic follows liblzf's pointer code step for step, including where it checks
  // the output size, so that results (and refusals) are the same.
  const ptrdiff_t out_end = static_cast<ptrdiff_t>(out_cap);
  ptrdiff_t op = 1;  // out[op - lit - 1] is the current literal run's header
  ptrdiff_t lit = 0;
  size_t ip = 0;
  while (ip + 2 < in_len) {
    uint64_t& slot = slots[HashIndex(Trigram(in + ip))];
    const bool have_ref = slot >= base;
    const size_t ref = have_ref ? static_cast<size_t>(slot - base) : 0;
    slot = base + ip;
    // ref > 0: liblzf never matches against the first input byte (its "ref > in_data" test).
    if (have_ref && ref > 0 && ip - ref - 1 < kMaxOffset && in[ref + 2] == in[ip + 2] &&
        in[ref] == in[ip] && in[ref + 1] == in[ip + 1]) {
      const size_t off = ip - ref - 1;
      size_t len = 2;
      size_t max_len = in_len - ip - len;
      if (max_len > kMaxRef) max_len = kMaxRef;
      if (op + 3 + 1 >= out_end && op - (lit == 0) + 3 + 1 >= out_end) return 0;
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // close the run
      op -= (lit == 0);                                   // or drop an empty one
      // liblzf's unrolled first 16 comparisons ignore max_len (the input is long enough for them);
      // a match may therefore end up to two bytes past max_len.
      bool mismatch = false;
      if (max_len > 16) {
        for (int k = 0; k < 16; ++k) {
          ++len;
          if (in[ref + len] != in[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do {
          ++len;
        } while (len < max_len && in[ref + len] == in[ip + len]);
      }
      len -= 2;  // now the match length minus 2
      ++ip;
      if (len < 7) {
        out[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        out[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        out[op++] = static_cast<uint8_t>(len - 7);
      }
      out[op++] = static_cast<uint8_t>(off);
      lit = 0;
      ++op;  // start a run
      ip += len + 1;
      if (ip + 2 >= in_len) break;
      // VERY_FAST: only the last two positions of the match enter the table.
      ip -= 2;
      slots[HashIndex(Trigram(in + ip))] = base + ip;
      ++ip;
      slots[HashIndex(Trigram(in + ip))] = base + ip;
      ++ip;
    } else {
      if (op >= out_end) return 0;
      ++lit;
      out[op++] = in[ip++];
      if (lit == static_cast<ptrdiff_t>(kMaxLiteral)) {
        out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        ++op;
      }
    }
  }
  if (op + 3 > out_end) return 0;  // at most 3 bytes are still to come
  while (ip < in_len) {
    ++lit;
    out[op++] = in[ip++];
    if (lit == static_cast<ptrdiff_t>(kMaxLiteral)) {
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      ++op;
    }
  }
  out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
  op -= (lit == 0);
  return static_cast<size_t>(op);
}

size_t Decompress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  const auto* in = static_cast<const uint8_t*>(in_data);
  auto* out = static_cast<uint8_t*>(out_data);
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    const unsigned ctrl = in[ip++];
    if (ctrl < (1 << 5)) {
      const size_t run = ctrl + 1;
      if (run > out_cap - op || run > in_len - ip) return 0;
      std::memcpy(out + op, in + ip, run);
      op += run;
      ip += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (ip >= in_len) return 0;
    if (len == 7) {
      len += in[ip++];
      if (ip >= in_len) return 0;
    }
    const size_t back = ((size_t{ctrl} & 0x1f) << 8) + in[ip++] + 1;
    len += 2;
    if (len > out_cap - op || back > op) return 0;
    // Byte by byte: source and destination overlap when back < len (a run of a repeated pattern).
    const uint8_t* ref = out + op - back;
    if (back >= len) {
      std::memcpy(out + op, ref, len);
    } else {
      for (size_t k = 0; k < len; ++k) out[op + k] = ref[k];
    }
    op += len;
  }
  return op;
}

}  // namespace shoal::lzf
