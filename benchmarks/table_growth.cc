// Grows one shard's key table (DbSlice) from 0 to N keys and reports the longest single insert
// (the worst stall: a segment split or a directory doubling) and the bytes per key.
// Usage: table_growth [N=10000000] [value_bytes=32]
#include <mimalloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "shard/alloc.h"
#include "shard/db_slice.h"
#include "shard/slab.h"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  size_t vlen = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 32;
  shoal::DbSlice slice(0, 1);
  shoal::mem::SetThreadCounter(slice.heap_counter());  // as a shard thread does
  shoal::tl_slab = &slice.slab();                      // entries from the shard's slab, too
  slice.SetNow(1);
  std::string value(vlen, 'x');
  char key[32];
  size_t rss0, commit0, peak, dummy;
  mi_process_info(&dummy, &dummy, &dummy, &rss0, &peak, &commit0, &peak, &dummy);
  double worst_us = 0, total_s = 0;
  // Segment bytes per key sampled along the growth (from n/4 on): the table's fill swings
  // between splits, so one key count alone says little about it.
  double seg_bytes_sum = 0;
  size_t seg_samples = 0;
  size_t worst_at = 0, over_100us = 0, over_1ms = 0;
  auto t_all = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    int kl = std::snprintf(key, sizeof(key), "key:%012zu", i);
    auto t0 = Clock::now();
    slice.Add(0, shoal::Entry::NewString(std::string_view(key, kl), value, 0, 0));
    double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (i >= n / 4 && i % 4096 == 0) {
      seg_bytes_sum +=
          static_cast<double>(slice.SegmentCount(0) * sizeof(shoal::DashTable::Segment)) /
          static_cast<double>(i + 1);
      ++seg_samples;
    }
    over_100us += us > 100;
    over_1ms += us > 1000;
    if (us > worst_us) {
      worst_us = us;
      worst_at = i;
    }
  }
  total_s = std::chrono::duration<double>(Clock::now() - t_all).count();
  size_t rss1, commit1;
  mi_process_info(&dummy, &dummy, &dummy, &rss1, &peak, &commit1, &peak, &dummy);
  std::printf("keys:                 %zu (16-byte keys, %zu-byte values)\n", n, vlen);
  std::printf("inserts/s:            %.0f\n", static_cast<double>(n) / total_s);
  std::printf("longest single insert: %.1f us (at key %zu)\n", worst_us, worst_at);
  std::printf("inserts over 100 us:  %zu, over 1 ms: %zu (a busy machine preempts us too)\n",
              over_100us, over_1ms);
  std::printf("segments: %zu\n", slice.SegmentCount(0));
  std::printf("segment bytes/key:     %.2f at the end, %.2f mean from %zu keys on\n",
              static_cast<double>(slice.SegmentCount(0) * sizeof(shoal::DashTable::Segment)) /
                  static_cast<double>(n),
              seg_samples ? seg_bytes_sum / static_cast<double>(seg_samples) : 0.0, n / 4);
  std::printf("bytes/key (accounted): %.1f\n", static_cast<double>(slice.UsedBytes()) / n);
  std::printf("bytes/key (committed): %.1f\n", static_cast<double>(commit1 - commit0) / n);
  std::printf("bytes/key (rss):       %.1f\n", static_cast<double>(rss1 - rss0) / n);
  shoal::tl_slab = nullptr;
  return 0;
}
