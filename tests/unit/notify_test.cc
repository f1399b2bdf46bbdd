#include "shard/notify.h"

#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "shard/db_slice.h"
#include "shard/entry.h"

using namespace shoal;

TEST_CASE("notify-keyspace-events parses every class letter as Redis", "[notify]") {
  using namespace notify;
  REQUIRE(FlagsFromString("") == 0);
  REQUIRE(FlagsFromString("K") == kKeyspace);
  REQUIRE(FlagsFromString("E") == kKeyevent);
  REQUIRE(FlagsFromString("g$lshzxetd") == kAll);
  REQUIRE(FlagsFromString("A") == kAll);
  REQUIRE((FlagsFromString("A") & (kKeyMiss | kNew)) == 0);  // m and n are not part of A
  REQUIRE(FlagsFromString("mn") == (kKeyMiss | kNew));
  REQUIRE(FlagsFromString("KEA") == (kKeyspace | kKeyevent | kAll));
  REQUIRE(FlagsFromString("AAg") == kAll);
  REQUIRE(FlagsFromString("a") == -1);  // case matters
  REQUIRE(FlagsFromString("KEq") == -1);
  REQUIRE(FlagsFromString(std::string_view("K\0E", 3)) == -1);
}

TEST_CASE("notify-keyspace-events is shown as Redis shows it", "[notify]") {
  using namespace notify;
  REQUIRE(FlagsToString(0).empty());
  REQUIRE(FlagsToString(FlagsFromString("KEA")) == "AKE");
  REQUIRE(FlagsToString(FlagsFromString("Ag$lshzxetdKEmn")) == "AKEm");  // n hides under A
  REQUIRE(FlagsToString(FlagsFromString("nK")) == "nK");
  REQUIRE(FlagsToString(FlagsFromString("xg")) == "gx");
  REQUIRE(FlagsToString(FlagsFromString("t$")) == "$t");
  // Every string it prints parses back to the same flags, except Redis's own quirk: with every
  // class of A set, `n` is not printed (keyspaceEventsFlagsToString writes "A" and stops).
  REQUIRE(FlagsFromString(FlagsToString(FlagsFromString("An"))) == FlagsFromString("A"));
  for (const char* s : {"", "K", "E", "g", "$", "l", "s", "h", "z", "x", "e", "t", "d", "m", "n",
                        "KEg$lshzxetdm", "g$lshzxetn", "Ex", "Kl"}) {
    int64_t f = FlagsFromString(s);
    REQUIRE(FlagsFromString(FlagsToString(f)) == f);
  }
}

namespace {
std::vector<std::tuple<std::string, std::string, uint32_t>> g_events;
void Record(int64_t, std::string_view event, std::string_view key, uint32_t db) {
  g_events.emplace_back(std::string(event), std::string(key), db);
}
}  // namespace

TEST_CASE("the keyspace emits new, keymiss and expired only when enabled", "[notify]") {
  g_events.clear();
  notify::SetHook(&Record);
  ShardSettings::notify_keyspace_events.store(notify::FlagsFromString("KEnmx"));
  DbSlice s(0, 4);
  s.SetNow(1000000);
  s.Add(2, Entry::NewString("a", "1", 1000500, 0));
  REQUIRE(s.FindRead(2, "nope") == nullptr);
  REQUIRE(s.FindWrite(2, "nope2") == nullptr);  // a write lookup is no keymiss
  s.SetNow(1000600);
  REQUIRE(s.FindRead(2, "a") == nullptr);  // lazy expiry: expired, then the miss
  using E = std::tuple<std::string, std::string, uint32_t>;
  REQUIRE(g_events ==
          std::vector<E>{
              {"new", "a", 2}, {"keymiss", "nope", 2}, {"expired", "a", 2}, {"keymiss", "a", 2}});
  g_events.clear();
  ShardSettings::notify_keyspace_events.store(notify::FlagsFromString("KEA"));  // no n, no m
  s.Add(0, Entry::NewString("b", "1", 0, 0));
  REQUIRE(s.FindRead(0, "zz") == nullptr);
  REQUIRE(g_events.empty());
  ShardSettings::notify_keyspace_events.store(0);
  notify::SetHook(nullptr);
}
