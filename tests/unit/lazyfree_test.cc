// Lazyfree: big values and whole tables freed on the background thread, their bytes counted back
// to the owning shard; small values freed on the spot.
#include "shard/lazyfree.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "shard/alloc.h"
#include "shard/db_slice.h"
#include "shard/str_map.h"

using namespace shoal;

namespace {
// Waits (bounded) for the background thread to finish what was queued.
bool Drained() {
  for (int i = 0; i < 5000; ++i) {
    if (lazyfree::PendingObjects() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}
}  // namespace

TEST_CASE("lazyfree frees big values and tables in the background", "[lazyfree]") {
  DbSlice s(0, 2);
  mem::SetThreadCounter(s.heap_counter());
  s.SetNow(1000);
  lazyfree::Start();
  size_t base = s.UsedBytes();

  auto* m = new StrMap();
  for (int i = 0; i < 1000; ++i) m->Set("field" + std::to_string(i), "value");
  s.Add(0, Entry::NewObject("big", ObjType::kHash, ObjEnc::kHashTable, m, 0, 0));
  s.Add(0, Entry::NewString("small", "v", 0, 0));
  REQUIRE(s.UsedBytes() > base + 1000 * 16);

  uint64_t freed = lazyfree::FreedObjects();
  REQUIRE(s.DeleteKey(0, "small", /*lazy=*/true));  // one block: freed on the spot
  REQUIRE(lazyfree::FreedObjects() == freed);
  REQUIRE(s.DeleteKey(0, "big", /*lazy=*/true));
  REQUIRE(Drained());
  REQUIRE(lazyfree::FreedObjects() == freed + 1);
  REQUIRE(s.UsedBytes() == base);  // the thread's frees count against this shard

  // A big value deleted without `lazy` never reaches the thread.
  auto* m2 = new StrMap();
  for (int i = 0; i < 1000; ++i) m2->Set("f" + std::to_string(i), "v");
  s.Add(1, Entry::NewObject("h", ObjType::kHash, ObjEnc::kHashTable, m2, 0, 0));
  REQUIRE(s.DeleteKey(1, "h", /*lazy=*/false));
  REQUIRE(lazyfree::FreedObjects() == freed + 1);
  REQUIRE(s.UsedBytes() == base);

  // FLUSHALL ASYNC: the tables go whole; the shard has empty ones at once.
  for (int i = 0; i < 5000; ++i) s.Add(i % 2, Entry::NewString("k" + std::to_string(i), "v", 0, 0));
  s.FlushAll(/*lazy=*/true);
  REQUIRE(s.DbSize(0) + s.DbSize(1) == 0);
  REQUIRE(Drained());
  REQUIRE(lazyfree::FreedObjects() == freed + 1 + 5000);
  REQUIRE(s.UsedBytes() == base);

  lazyfree::Stop();
  // Stopped: lazy requests free synchronously.
  auto* m3 = new StrMap();
  for (int i = 0; i < 1000; ++i) m3->Set("f" + std::to_string(i), "v");
  s.Add(0, Entry::NewObject("h", ObjType::kHash, ObjEnc::kHashTable, m3, 0, 0));
  REQUIRE(s.DeleteKey(0, "h", /*lazy=*/true));
  REQUIRE(lazyfree::FreedObjects() == freed + 1 + 5000);
  REQUIRE(s.UsedBytes() == base);
  mem::SetThreadCounter(nullptr);
}
