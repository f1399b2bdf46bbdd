// Clocks used across the server: wall time for expiry and TIME, monotonic time for durations.
#pragma once

#include <chrono>
#include <cstdint>

namespace shoal {

inline int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t UnixUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Ticks for per-command durations (INFO commandstats): the CPU's time-stamp counter on x86-64
// (constant-rate on every CPU this runs on), steady-clock nanoseconds elsewhere. One rdtsc is a
// few nanoseconds against ~25 for clock_gettime, and every command reads it twice. Convert sums
// with TicksPerUs(), never per command.
inline uint64_t Ticks() {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
#endif
}

namespace clock_internal {
inline int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline const int64_t start_ns = SteadyNs();
inline const uint64_t start_ticks = Ticks();
}  // namespace clock_internal

// The tick rate, measured against the steady clock since the process started (the longer it ran,
// the more exact; a call in the first millisecond waits for it to pass).
inline double TicksPerUs() {
  int64_t ns;
  while ((ns = clock_internal::SteadyNs() - clock_internal::start_ns) < 1'000'000) {
  }
  return static_cast<double>(Ticks() - clock_internal::start_ticks) * 1000.0 /
         static_cast<double>(ns);
}

}  // namespace shoal
