// Per-key access metadata: the 24 bits every Entry keeps (Entry::lru), read the way Redis reads
// robj.lru, depending on maxmemory-policy:
//  - LRU policies (and no policy): the LRU clock in seconds, wrapping every 194 days.
//  - LFU policies: 16 bits of "last decrement time" in minutes and an 8-bit logarithmic counter
//    (new keys start at 5, so they are not evicted before they had a chance to be read).
// Switching policy at run time reinterprets old fields, as in Redis (they adjust over time).
#pragma once

#include <cstdint>

namespace shoal {

// Numbers are the maxmemory-policy config's enum order.
enum class EvictPolicy : int64_t {
  kVolatileLru = 0,
  kVolatileLfu = 1,
  kVolatileRandom = 2,
  kVolatileTtl = 3,
  kAllKeysLru = 4,
  kAllKeysLfu = 5,
  kAllKeysRandom = 6,
  kNoEviction = 7,
};

inline bool IsLfu(EvictPolicy p) {
  return p == EvictPolicy::kVolatileLfu || p == EvictPolicy::kAllKeysLfu;
}
inline bool IsVolatile(EvictPolicy p) { return p <= EvictPolicy::kVolatileTtl; }

// Redis's 24-bit LRU clock in seconds (LRU_CLOCK_RESOLUTION 1000 ms).
inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;
inline uint32_t LruClockFromMs(int64_t ms) {
  return static_cast<uint32_t>(ms / 1000) & kLruClockMax;
}
// Milliseconds since the access stamped `field` (one wrap of the clock is understood).
inline uint64_t LruIdleMs(uint32_t field, uint32_t clock) {
  uint64_t s = clock >= field ? clock - field : clock + (kLruClockMax - field);
  return s * 1000;
}

inline constexpr uint32_t kLfuInitVal = 5;
inline uint32_t LfuMinutes(int64_t ms) { return static_cast<uint32_t>(ms / 60000) & 0xFFFF; }
inline uint32_t LfuField(uint32_t minutes, uint32_t counter) { return (minutes << 8) | counter; }

// The counter after the decay owed since its last decrement time: one step per `decay_minutes`
// (lfu-decay-time; 0 never decays).
inline uint32_t LfuDecayed(uint32_t field, int64_t now_ms, int64_t decay_minutes) {
  uint32_t counter = field & 0xFF;
  if (decay_minutes <= 0) return counter;
  uint32_t now = LfuMinutes(now_ms), ldt = field >> 8;
  uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  uint64_t periods = elapsed / static_cast<uint64_t>(decay_minutes);
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

// One access: decay, then a logarithmic increment with probability 1 / ((c - 5) * factor + 1);
// `uniform` is a random number in [0, 1).
inline uint32_t LfuTouched(uint32_t field, int64_t now_ms, int64_t decay_minutes,
                           int64_t log_factor, double uniform) {
  uint32_t c = LfuDecayed(field, now_ms, decay_minutes);
  if (c < 255) {
    double base = c > kLfuInitVal ? static_cast<double>(c - kLfuInitVal) : 0.0;
    if (uniform < 1.0 / (base * static_cast<double>(log_factor) + 1.0)) ++c;
  }
  return LfuField(LfuMinutes(now_ms), c);
}

// objectSetLRUOrLFU (RESTORE's IDLETIME / FREQ, an RDB's IDLE / FREQ opcodes): the access field
// of a key given a frequency (LFU policies; -1: none given) or an idle time in seconds (other
// policies; -1: none given), else `field` unchanged. An idle time longer than the clock has run
// gives a field half a clock cycle away, as Redis does.
inline uint32_t AccessFieldFor(uint32_t field, bool lfu, int64_t lfu_freq, int64_t lru_idle_s,
                               uint32_t lru_clock, int64_t now_ms) {
  if (lfu) {
    return lfu_freq >= 0 ? LfuField(LfuMinutes(now_ms), static_cast<uint32_t>(lfu_freq)) : field;
  }
  if (lru_idle_s < 0) return field;
  int64_t at = static_cast<int64_t>(lru_clock) - lru_idle_s;
  if (at < 0) at = (int64_t{lru_clock} + kLruClockMax / 2) % kLruClockMax;
  return static_cast<uint32_t>(at);
}

}  // namespace shoal
