// BlockingController: FIFO service, type matching, claims racing other shards, unregistering.
#include "shard/blocking.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "shard/quicklist.h"
#include "shard/shard.h"

namespace shoal {
namespace {

// Records who was served; each serve "pops" the whole key (deletes it).
struct FakeWaiter : Waiter {
  FakeWaiter(ObjType t, std::vector<std::string>* log, std::string name, bool consume)
      : Waiter(t), log_(log), name_(std::move(name)), consume_(consume) {}
  void Serve(Shard& shard, DbIndex db, std::string_view key) override {
    log_->push_back(name_ + ":" + std::string(key));
    if (consume_) shard.db_slice().DeleteKey(db, key);
  }
  std::vector<std::string>* log_;
  std::string name_;
  bool consume_;
};

void AddList(DbSlice& slice, std::string_view key) {
  slice.Add(0, Entry::NewObject(key, ObjType::kList, ObjEnc::kQuickList, new QuickList, 0, 0));
}

}  // namespace

TEST_CASE("blocking: waiters are served first come first served", "[blocking]") {
  Shard shard(0, 1);
  std::vector<std::string> log;
  auto a = std::make_shared<FakeWaiter>(ObjType::kList, &log, "a", true);
  auto b = std::make_shared<FakeWaiter>(ObjType::kList, &log, "b", true);
  BlockingController& bc = shard.db_slice().blocking();
  bc.Register(0, "k", a);
  bc.Register(0, "k", b);
  REQUIRE(bc.waited_keys() == 1);
  REQUIRE_FALSE(bc.HasReady());
  AddList(shard.db_slice(), "k");
  REQUIRE(bc.HasReady());
  shard.ServeBlocked();
  REQUIRE(log == std::vector<std::string>{"a:k"});  // a consumed the key; b keeps waiting
  REQUIRE(bc.waited_keys() == 1);
  AddList(shard.db_slice(), "k");
  shard.ServeBlocked();
  REQUIRE(log == std::vector<std::string>{"a:k", "b:k"});
  REQUIRE(bc.waited_keys() == 0);
  REQUIRE_FALSE(a->waiting());
}

TEST_CASE("blocking: a key of another type does not serve the waiter", "[blocking]") {
  Shard shard(0, 1);
  std::vector<std::string> log;
  auto z = std::make_shared<FakeWaiter>(ObjType::kZSet, &log, "z", true);
  auto l = std::make_shared<FakeWaiter>(ObjType::kList, &log, "l", true);
  BlockingController& bc = shard.db_slice().blocking();
  bc.Register(0, "k", z);
  bc.Register(0, "k", l);
  AddList(shard.db_slice(), "k");
  shard.ServeBlocked();
  REQUIRE(log == std::vector<std::string>{"l:k"});
  REQUIRE(z->waiting());
  REQUIRE(bc.waited_keys() == 1);
}

TEST_CASE("blocking: claimed or cancelled waiters are skipped and dropped", "[blocking]") {
  Shard shard(0, 1);
  std::vector<std::string> log;
  auto served_elsewhere = std::make_shared<FakeWaiter>(ObjType::kList, &log, "x", true);
  auto cancelled = std::make_shared<FakeWaiter>(ObjType::kList, &log, "c", true);
  auto live = std::make_shared<FakeWaiter>(ObjType::kList, &log, "live", false);
  BlockingController& bc = shard.db_slice().blocking();
  bc.Register(0, "k", served_elsewhere);
  bc.Register(0, "k", cancelled);
  bc.Register(0, "k", live);
  REQUIRE(served_elsewhere->Claim());  // another shard won it
  REQUIRE(cancelled->Cancel());        // its timeout fired
  REQUIRE_FALSE(cancelled->Claim());
  AddList(shard.db_slice(), "k");
  shard.ServeBlocked();
  REQUIRE(log == std::vector<std::string>{"live:k"});
  REQUIRE(bc.waited_keys() == 0);
}

TEST_CASE("blocking: a non-consuming serve lets the next waiter in", "[blocking]") {
  Shard shard(0, 1);
  std::vector<std::string> log;
  BlockingController& bc = shard.db_slice().blocking();
  std::vector<std::shared_ptr<FakeWaiter>> ws;
  for (int i = 0; i < 3; ++i) {
    ws.push_back(std::make_shared<FakeWaiter>(ObjType::kList, &log, std::to_string(i), false));
    bc.Register(0, "k", ws.back());
  }
  AddList(shard.db_slice(), "k");
  shard.ServeBlocked();
  REQUIRE(log == std::vector<std::string>{"0:k", "1:k", "2:k"});
}

TEST_CASE("blocking: unregister and other dbs", "[blocking]") {
  Shard shard(0, 2);
  std::vector<std::string> log;
  auto w = std::make_shared<FakeWaiter>(ObjType::kList, &log, "w", true);
  BlockingController& bc = shard.db_slice().blocking();
  bc.Register(1, "k", w);
  AddList(shard.db_slice(), "k");  // db 0: nobody waits there
  REQUIRE_FALSE(bc.HasReady());
  bc.Unregister(1, "k", w.get());
  REQUIRE(bc.waited_keys() == 0);
  shard.db_slice().Add(
      1, Entry::NewObject("k", ObjType::kList, ObjEnc::kQuickList, new QuickList, 0, 0));
  shard.ServeBlocked();
  REQUIRE(log.empty());
}

}  // namespace shoal
