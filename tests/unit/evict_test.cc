// Cache mode: the access-field arithmetic (shard/access.h) and the evictor's choice of victims
// (shard/evict.h), driven on one shard that is never started: the test thread plays the shard.
#include "shard/evict.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "shard/alloc.h"
#include "shard/shard.h"

using namespace shoal;

TEST_CASE("LRU idle time in ms, across one clock wrap", "[evict]") {
  REQUIRE(LruIdleMs(100, 100) == 0);
  REQUIRE(LruIdleMs(10, 15) == 5000);
  REQUIRE(LruIdleMs(kLruClockMax - 1, 1) == 2000);
  REQUIRE(LruClockFromMs(int64_t{kLruClockMax + 5} * 1000) == 4);
}

TEST_CASE("LFU counter decays one step per decay period and saturates at 255", "[evict]") {
  int64_t t0 = 600 * 60000;  // minute 600
  uint32_t f = LfuField(LfuMinutes(t0), 10);
  REQUIRE(LfuDecayed(f, t0, 1) == 10);
  REQUIRE(LfuDecayed(f, t0 + 3 * 60000, 1) == 7);
  REQUIRE(LfuDecayed(f, t0 + 3 * 60000, 2) == 9);    // one full 2-minute period
  REQUIRE(LfuDecayed(f, t0 + 30 * 60000, 1) == 0);   // more periods than the counter
  REQUIRE(LfuDecayed(f, t0 + 30 * 60000, 0) == 10);  // lfu-decay-time 0: never decays
  // The minutes field wraps at 65536; Redis counts a wrapped span as 65535 - ldt + now.
  uint32_t late = LfuField(65530, 20);
  REQUIRE(LfuDecayed(late, int64_t{65536 + 4} * 60000, 1) == 11);

  // Increments: always below the initial value's next step, rarely at high counts.
  REQUIRE((LfuTouched(LfuField(LfuMinutes(t0), 5), t0, 1, 10, 0.99) & 0xFF) == 6);
  REQUIRE((LfuTouched(LfuField(LfuMinutes(t0), 15), t0, 1, 10, 0.5) & 0xFF) == 15);
  REQUIRE((LfuTouched(LfuField(LfuMinutes(t0), 15), t0, 1, 10, 0.005) & 0xFF) == 16);
  REQUIRE((LfuTouched(LfuField(LfuMinutes(t0), 255), t0, 1, 10, 0.0) & 0xFF) == 255);
  // A touch stamps the current minute.
  REQUIRE((LfuTouched(LfuField(1, 7), t0, 0, 10, 0.9) >> 8) == LfuMinutes(t0));
}

TEST_CASE("Eviction time limit follows maxmemory-eviction-tenacity", "[evict]") {
  REQUIRE(EvictionTimeLimitUs(0) == 0);
  REQUIRE(EvictionTimeLimitUs(10) == 500);
  REQUIRE(EvictionTimeLimitUs(11) == 575);
  REQUIRE(EvictionTimeLimitUs(99) > 60ull * 1000 * 1000);
  REQUIRE(EvictionTimeLimitUs(100) == UINT64_MAX);
}

namespace {

// One shard whose data the test thread owns, with a budget of one shard and no baseline.
struct EvictFixture {
  Shard shard{0, 2};
  DbSlice& slice = shard.db_slice();
  EvictFixture() {
    mem::SetThreadCounter(slice.heap_counter());
    Shard* p = &shard;
    memory_budget::Init(&p, 1, 0);
    ShardSettings::maxmemory_samples.store(5);
    ShardSettings::lazyfree_lazy_eviction.store(0);
    // No time limit: a slow (sanitizer) build must not stop a check half way.
    ShardSettings::maxmemory_eviction_tenacity.store(100);
  }
  ~EvictFixture() {
    ShardSettings::maxmemory.store(0);
    ShardSettings::maxmemory_policy.store(static_cast<int64_t>(EvictPolicy::kNoEviction));
    ShardSettings::maxmemory_samples.store(5);
    ShardSettings::maxmemory_eviction_tenacity.store(10);
    slice.FlushAll();
    mem::SetThreadCounter(nullptr);
  }
  void Policy(EvictPolicy p) {
    ShardSettings::maxmemory_policy.store(static_cast<int64_t>(p));
    slice.SetNow(slice.now_ms());
  }
  void Add(const std::string& key, int64_t expire_ms, DbIndex db = 0) {
    slice.Add(db, Entry::NewString(key, std::string(100, 'v'), expire_ms, slice.access_stamp()));
  }
  // Sets maxmemory `bytes` below the current use and runs one check.
  bool Squeeze(size_t bytes) {
    size_t used = slice.UsedBytes();
    ShardSettings::maxmemory.store(static_cast<int64_t>(used - bytes));
    return shard.evictor().BeforeCommand();
  }
  // Bytes one key added by Add costs with this allocator: its heap bytes only. (Measured on
  // UsedBytes, the probe's insert could split a key-table segment and count a whole segment,
  // which no eviction gives back: segments never merge. The hash seed is random per process, so
  // that made the tests below fail now and then.)
  size_t KeyBytes() {
    int64_t before = slice.heap_counter()->load();
    Add("probe", 0, 1);
    int64_t after = slice.heap_counter()->load();
    slice.DeleteKey(1, "probe", false);
    return static_cast<size_t>(after - before);
  }
  bool Has(const std::string& key, DbIndex db = 0) { return slice.Find(db, key) != nullptr; }
};

}  // namespace

TEST_CASE("noeviction refuses and deletes nothing", "[evict]") {
  EvictFixture f;
  f.slice.SetNow(1000000);
  f.Policy(EvictPolicy::kNoEviction);
  for (int i = 0; i < 100; ++i) f.Add("k" + std::to_string(i), 0);
  REQUIRE_FALSE(f.Squeeze(10 * f.KeyBytes()));
  REQUIRE(f.slice.DbSize(0) == 100);
  REQUIRE(f.slice.stats().evicted_keys.load() == 0);
}

TEST_CASE("volatile policies never evict keys without a TTL", "[evict]") {
  for (EvictPolicy p : {EvictPolicy::kVolatileLru, EvictPolicy::kVolatileLfu,
                        EvictPolicy::kVolatileRandom, EvictPolicy::kVolatileTtl}) {
    EvictFixture f;
    f.slice.SetNow(1000000);
    f.Policy(p);
    for (int i = 0; i < 300; ++i) f.Add("p" + std::to_string(i), 0);
    for (int i = 0; i < 100; ++i) f.Add("t" + std::to_string(i), 5000000 + i);
    size_t key = f.KeyBytes();
    REQUIRE(f.Squeeze(50 * key));
    for (int i = 0; i < 300; ++i) REQUIRE(f.Has("p" + std::to_string(i)));
    REQUIRE(f.slice.ExpiresCount(0) < 100);
    REQUIRE(f.slice.stats().evicted_keys.load() == 100 - f.slice.ExpiresCount(0));
    // More than the TTL keys hold: they all go, then the check fails (OOM for writes).
    REQUIRE_FALSE(f.Squeeze(200 * key));
    REQUIRE(f.slice.ExpiresCount(0) == 0);
    REQUIRE(f.slice.DbSize(0) == 300);
  }
}

TEST_CASE("volatile-ttl with samples covering every key evicts nearest expiries first", "[evict]") {
  EvictFixture f;
  f.slice.SetNow(1000000);
  f.Policy(EvictPolicy::kVolatileTtl);
  ShardSettings::maxmemory_samples.store(10000);
  for (int i = 0; i < 400; ++i) f.Add("t" + std::to_string(i), 2000000 + 1000 * i);
  REQUIRE(f.Squeeze(100 * f.KeyBytes()));
  size_t left = f.slice.DbSize(0);
  REQUIRE(left < 400);
  // Survivors are exactly the longest TTLs.
  for (int i = 0; i < 400; ++i) REQUIRE(f.Has("t" + std::to_string(i)) == (i >= 400 - (int)left));
}

TEST_CASE("allkeys-lru keeps recently read keys", "[evict]") {
  EvictFixture f;
  f.Policy(EvictPolicy::kAllKeysLru);
  ShardSettings::maxmemory_samples.store(10000);
  f.slice.SetNow(1000000);
  for (int i = 0; i < 400; ++i) f.Add("k" + std::to_string(i), 0, i % 2);
  f.slice.SetNow(1010000);  // 10 s later: read every fourth key
  for (int i = 0; i < 400; i += 4) REQUIRE(f.slice.FindRead(i % 2, "k" + std::to_string(i)));
  REQUIRE(f.Squeeze(250 * f.KeyBytes()));
  REQUIRE(f.slice.DbSize(0) + f.slice.DbSize(1) < 400);
  for (int i = 0; i < 400; i += 4) REQUIRE(f.Has("k" + std::to_string(i), i % 2));
}

TEST_CASE("allkeys-lfu keeps frequently read keys", "[evict]") {
  EvictFixture f;
  f.Policy(EvictPolicy::kAllKeysLfu);
  ShardSettings::maxmemory_samples.store(10000);
  f.slice.SetNow(1000000);
  for (int i = 0; i < 400; ++i) f.Add("k" + std::to_string(i), 0);
  for (int n = 0; n < 20; ++n)
    for (int i = 0; i < 400; i += 5) f.slice.FindRead(0, "k" + std::to_string(i));
  REQUIRE(f.Squeeze(250 * f.KeyBytes()));
  REQUIRE(f.slice.DbSize(0) < 400);
  for (int i = 0; i < 400; i += 5) REQUIRE(f.Has("k" + std::to_string(i)));
}

TEST_CASE("allkeys-random frees enough and counts evictions", "[evict]") {
  EvictFixture f;
  f.Policy(EvictPolicy::kAllKeysRandom);
  f.slice.SetNow(1000000);
  for (int i = 0; i < 1000; ++i) f.Add("k" + std::to_string(i), 0, i % 2);
  size_t key = f.KeyBytes();
  size_t before = f.slice.UsedBytes();
  REQUIRE(f.Squeeze(300 * key));
  REQUIRE(f.slice.UsedBytes() <= before - 300 * key);
  size_t left = f.slice.DbSize(0) + f.slice.DbSize(1);
  REQUIRE(f.slice.stats().evicted_keys.load() == 1000 - left);
  // Under the limit again: nothing more goes.
  REQUIRE(f.shard.evictor().BeforeCommand());
  REQUIRE(f.slice.DbSize(0) + f.slice.DbSize(1) == left);
}

TEST_CASE("an empty keyspace cannot make room", "[evict]") {
  EvictFixture f;
  f.Policy(EvictPolicy::kAllKeysLru);
  f.slice.SetNow(1000000);
  ShardSettings::maxmemory.store(1);
  REQUIRE_FALSE(f.shard.evictor().BeforeCommand());
}
