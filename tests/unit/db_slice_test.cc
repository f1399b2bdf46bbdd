#include "shard/db_slice.h"

#include <catch2/catch.hpp>
#include <string>

using namespace shoal;

TEST_CASE("DbSlice lazy expiry hides and deletes expired keys", "[db_slice]") {
  DbSlice s(0, 4);
  s.SetNow(1000000);
  s.Add(0, Entry::NewString("a", "1", 1000500, 0));
  s.Add(0, Entry::NewString("b", "2", 0, 0));
  REQUIRE(s.DbSize(0) == 2);
  REQUIRE(s.ExpiresCount(0) == 1);
  REQUIRE(s.Find(0, "a") != nullptr);
  s.SetNow(1000500);
  REQUIRE(s.Find(0, "a") == nullptr);  // expire time reached: gone
  REQUIRE(s.DbSize(0) == 1);
  REQUIRE(s.ExpiresCount(0) == 0);
  REQUIRE(s.stats().expired_keys.load() == 1);
  REQUIRE(s.Find(1, "b") == nullptr);  // dbs are separate
}

TEST_CASE("DbSlice active expiry reclaims keys nobody touches", "[db_slice]") {
  DbSlice s(0, 2);
  s.SetNow(5000);
  for (int i = 0; i < 20000; ++i)
    s.Add(i % 2, Entry::NewString("k" + std::to_string(i), "v", i % 4 == 0 ? 6000 : 0, 0));
  REQUIRE(s.ExpiresCount(0) + s.ExpiresCount(1) == 5000);
  s.SetNow(7000);
  for (int i = 0; i < 1000 && s.ExpiresCount(0) + s.ExpiresCount(1) > 0; ++i) s.ActiveExpire(1000);
  REQUIRE(s.ExpiresCount(0) + s.ExpiresCount(1) == 0);
  REQUIRE(s.DbSize(0) + s.DbSize(1) == 15000);
}

TEST_CASE("DbSlice SetExpire, Replace, Detach keep counters exact", "[db_slice]") {
  DbSlice s(0, 1);
  s.SetNow(100);
  auto* slot = s.Add(0, Entry::NewString("k", "v", 0, 0));
  size_t base = s.UsedBytes();
  s.SetExpire(0, slot, 500);
  REQUIRE(s.ExpiresCount(0) == 1);
  slot = s.Find(0, "k");
  REQUIRE(slot->entry()->expire_ms() == 500);
  s.Replace(0, slot, Entry::NewString("k", "longer value here", 0, 0));
  REQUIRE(s.ExpiresCount(0) == 0);
  REQUIRE(s.UsedBytes() >= base);
  Entry* e = s.Detach(0, s.Find(0, "k"));
  REQUIRE(s.DbSize(0) == 0);
  REQUIRE(e->key() == "k");
  Entry::Free(e);
  REQUIRE(s.DeleteKey(0, "k") == false);
}

TEST_CASE("DbSlice ScanStep skips expired keys and FlushDb empties", "[db_slice]") {
  DbSlice s(0, 1);
  s.SetNow(100);
  for (int i = 0; i < 1000; ++i)
    s.Add(0, Entry::NewString("k" + std::to_string(i), "v", i < 500 ? 150 : 0, 0));
  s.SetNow(200);
  size_t seen = 0;
  uint64_t c = 0;
  do {
    c = s.ScanStep(0, c, [&](const Entry*) { ++seen; });
  } while (c != 0);
  REQUIRE(seen == 500);
  REQUIRE(s.DbSize(0) == 500);
  REQUIRE(s.RandomEntry(0, 12345) != nullptr);
  s.FlushDb(0);
  REQUIRE(s.DbSize(0) == 0);
  REQUIRE(s.RandomEntry(0, 1) == nullptr);
}
