// The journal's ordering machinery (shard/journal.h): units formatted as RESP, the Builder's
// merge of per-shard buffers, and the Consumer handing units out in ticket order across gaps.
#include "shard/journal.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace shoal::journal {
namespace {

std::unique_ptr<Unit> Make(uint64_t ticket, std::string_view arg) {
  auto u = std::make_unique<Unit>();
  u->ticket = ticket;
  u->Append(0, {"SET", arg, "1"});
  return u;
}

std::vector<uint64_t> TakeTickets(Consumer& c) {
  std::vector<std::unique_ptr<Unit>> out;
  c.Take(&out);
  std::vector<uint64_t> t;
  for (auto& u : out) t.push_back(u->ticket);
  return t;
}

// The stream starts where the counter is now (other tests may have taken tickets).
struct StreamOn {
  uint64_t first;
  StreamOn() : first(SetEnabled(true)) {}
  ~StreamOn() { SetEnabled(false); }
};

}  // namespace

TEST_CASE("journal units are RESP arrays of bulks, with their dbs", "[journal]") {
  Unit u;
  u.Append(3, {"SET", "k", "v"});
  u.Append(0, {"DEL", ""});
  REQUIRE(u.count() == 2);
  CHECK(u.op(0) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  CHECK(u.op(1) == "*2\r\n$3\r\nDEL\r\n$0\r\n\r\n");
  CHECK(u.db(0) == 3);
  CHECK(u.db(1) == 0);
  u.Truncate(1);
  CHECK(u.count() == 1);
  CHECK(u.resp == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  Unit other;
  other.Append(5, {"INCR", "n"});
  u.Take(other);
  CHECK(other.empty());
  REQUIRE(u.count() == 2);
  CHECK(u.op(1) == "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n");
  CHECK(u.db(1) == 5);
}

TEST_CASE("the consumer hands units out in ticket order, waiting at gaps", "[journal]") {
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  uint64_t t0 = Reserve(), t1 = Reserve(), t2 = Reserve(), t3 = Reserve();
  Submit(Make(t2, "c"));
  Submit(Make(t3, "d"));
  CHECK(TakeTickets(c).empty());  // t0 and t1 not in yet
  CHECK(c.waiting() == 2);
  Submit(Make(t0, "a"));
  CHECK(TakeTickets(c) == std::vector<uint64_t>{t0});
  Submit(Make(t1, "b"));
  CHECK(TakeTickets(c) == std::vector<uint64_t>{t1, t2, t3});
  CHECK(c.next() == t3 + 1);
  CHECK(c.waiting() == 0);
}

TEST_CASE("units from before the stream started are dropped", "[journal]") {
  uint64_t old = Reserve();
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  Submit(Make(old, "old"));
  uint64_t t = Reserve();
  Submit(Make(t, "new"));
  CHECK(TakeTickets(c) == std::vector<uint64_t>{t});
}

TEST_CASE("Record places an op in the current unit, or alone with a ticket", "[journal]") {
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  Unit mine;
  {
    Scope scope(&mine);
    Record(2, {"SET", "x", "1"});
  }
  CHECK(mine.count() == 1);
  Record(0, {"DEL", "y"});  // no unit: its own, submitted at once
  std::vector<std::unique_ptr<Unit>> out;
  c.Take(&out);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->op(0) == "*2\r\n$3\r\nDEL\r\n$1\r\ny\r\n");
  SetEnabled(false);
  Record(0, {"DEL", "z"});  // off: nothing
  out.clear();
  c.Take(&out);
  CHECK(out.empty());
}

TEST_CASE("a builder merges shard buffers by order key, then shard", "[journal]") {
  Init(3);
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  {
    Builder b;
    b.ReserveNow();
    // Steps 2 and 1 of an EXEC ran on shards 0 and 2; an unordered op (0) sorts first.
    tl_order = 2;
    b.shard_buffer(0)->Append(0, {"SET", "second", "1"});
    tl_order = 1;
    b.shard_buffer(2)->Append(0, {"SET", "first", "1"});
    tl_order = 0;
    b.shard_buffer(1)->Append(0, {"DEL", "expired"});
    b.Merge();
    b.unit().Append(0, {"SET", "coordinator", "1"});
    uint64_t t = b.Finish();
    CHECK(t != 0);
  }
  std::vector<std::unique_ptr<Unit>> out;
  c.Take(&out);
  REQUIRE(out.size() == 1);
  const Unit& u = *out[0];
  REQUIRE(u.count() == 4);
  CHECK(u.op(0).find("expired") != std::string_view::npos);
  CHECK(u.op(1).find("first") != std::string_view::npos);
  CHECK(u.op(2).find("second") != std::string_view::npos);
  CHECK(u.op(3).find("coordinator") != std::string_view::npos);
  Init(1);
}

TEST_CASE("a builder with a ticket and no ops still fills its place", "[journal]") {
  Init(2);
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  uint64_t after;
  {
    Builder b;
    b.ReserveNow();
    after = Reserve();
    Submit(Make(after, "after"));
    CHECK(TakeTickets(c).empty());  // waits for the builder's ticket
    CHECK(b.Finish() == 0);         // no ops: nothing to wait for, but the place is filled
  }
  auto t = TakeTickets(c);
  REQUIRE(t.size() == 2);
  CHECK(t[1] == after);
  Init(1);
}

TEST_CASE("producers on many threads: every unit once, in ticket order", "[journal]") {
  StreamOn on;
  Consumer c;
  c.Reset(on.first);
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.emplace_back([] {
      for (int j = 0; j < kEach; ++j) Record(0, {"INCR", "n"});
    });
  std::vector<uint64_t> seen;
  while (seen.size() < static_cast<size_t>(kThreads * kEach)) {
    auto t = TakeTickets(c);
    seen.insert(seen.end(), t.begin(), t.end());
    if (t.empty()) std::this_thread::yield();
  }
  for (auto& t : ts) t.join();
  for (size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i] == on.first + i);
}

}  // namespace shoal::journal
