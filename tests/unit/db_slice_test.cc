#include "shard/db_slice.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "shard/quicklist.h"

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

TEST_CASE("DbSlice SwapDbs exchanges tables and counters", "[db_slice]") {
  DbSlice s(0, 3);
  s.SetNow(100);
  s.Add(0, Entry::NewString("a", "zero", 1000, 0));
  s.Add(0, Entry::NewString("b", "zero", 0, 0));
  s.Add(1, Entry::NewString("a", "one", 0, 0));
  s.SwapDbs(0, 1);
  REQUIRE(s.DbSize(0) == 1);
  REQUIRE(s.DbSize(1) == 2);
  REQUIRE(s.ExpiresCount(0) == 0);
  REQUIRE(s.ExpiresCount(1) == 1);
  REQUIRE(s.Find(0, "a")->entry()->str_value() == "one");
  REQUIRE(s.Find(1, "a")->entry()->expire_ms() == 1000);
  REQUIRE(s.Find(0, "b") == nullptr);
  s.SwapDbs(1, 2);
  REQUIRE(s.DbSize(1) == 0);
  REQUIRE(s.DbSize(2) == 2);
  s.SwapDbs(2, 2);
  REQUIRE(s.DbSize(2) == 2);
}

TEST_CASE("WatchTable TouchSwap follows touchAllWatchedKeysInDb", "[db_slice][watch]") {
  // (db, key) -> what the table holds before the swap.
  using P = WatchTable::Presence;
  struct Case {
    P in_watched_db, in_other_db;
    bool watched_expired;
    bool dirty;
    bool expired_after;
  };
  const Case cases[] = {
      {P::kAbsent, P::kAbsent, false, false, false},  // in neither: untouched
      {P::kLive, P::kAbsent, false, true, false},     // deleted
      {P::kAbsent, P::kLive, false, true, false},     // created
      {P::kLive, P::kLive, false, true, false},       // replaced
      {P::kExpired, P::kAbsent, true, false, false},  // stale key replaced with nothing
      {P::kAbsent, P::kExpired, false, false, true},  // nothing replaced with a stale key
      {P::kExpired, P::kExpired, true, false, true},  // stale replaced with stale
      {P::kExpired, P::kLive, true, true, true},      // stale replaced with a live key
      {P::kLive, P::kExpired, false, true, false},    // live replaced with a stale key
  };
  for (const Case& c : cases) {
    for (uint32_t watched_db : {0u, 1u}) {
      WatchTable t;
      auto st = std::make_shared<WatchState>();
      auto bystander = std::make_shared<WatchState>();
      t.Register(watched_db, "x", st, c.watched_expired);
      t.Register(2, "x", bystander, false);  // another db: never touched
      t.TouchSwap(0, 1, [&](uint32_t db, std::string_view key) {
        REQUIRE(key == "x");
        if (db == 2) return P::kLive;
        return db == watched_db ? c.in_watched_db : c.in_other_db;
      });
      REQUIRE(st->Dirty() == c.dirty);
      REQUIRE_FALSE(bystander->Dirty());
      REQUIRE(t.WatchedFresh(watched_db, "x", st.get()) == !c.expired_after);
    }
  }
}

TEST_CASE("DbSlice SwapDbs marks waited keys that now hold a list ready", "[db_slice]") {
  struct NopWaiter : Waiter {
    NopWaiter() : Waiter(ObjType::kList) {}
    void Serve(Shard&, DbIndex, std::string_view) override {}
  };
  DbSlice s(0, 2);
  s.SetNow(100);
  s.Add(1, Entry::NewObject("l", ObjType::kList, ObjEnc::kQuickList, new QuickList, 0, 0));
  s.Add(1, Entry::NewString("str", "v", 0, 0));
  auto w = std::make_shared<NopWaiter>();
  s.blocking().Register(0, "str", w);
  s.SwapDbs(0, 1);
  REQUIRE_FALSE(s.blocking().HasReady());  // a string serves no one
  s.blocking().Register(0, "l", w);
  s.SwapDbs(0, 1);  // l goes back to db 1: nothing to wake in db 0
  REQUIRE_FALSE(s.blocking().HasReady());
  s.SwapDbs(0, 1);
  REQUIRE(s.blocking().HasReady());
}
