// Unit tests for the consumer-group operations (shard/stream_group.h): groups and consumers,
// delivery, XACK, XCLAIM's claim, consumer deletion, XPENDING's summary and ranges, and the
// Redis 7.0 lag / entries_read arithmetic; a random sequence of operations checks after every
// step that the group PEL and the consumer PELs agree.
#include "shard/stream_group.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shard/stream.h"

namespace shoal {
namespace {

// The invariant of stream_group.h: group PEL and consumer PELs describe the same pairs.
void CheckAgreement(const StreamCG& cg) {
  size_t in_consumers = 0;
  for (const auto& [name, consumer] : cg.consumers) {
    REQUIRE(consumer->name == name);
    for (const auto& [id, nack] : consumer->pel) {
      auto it = cg.pel.find(id);
      REQUIRE(it != cg.pel.end());
      REQUIRE(it->second.get() == nack);
      REQUIRE(nack->consumer == consumer.get());
      ++in_consumers;
    }
  }
  REQUIRE(in_consumers == cg.pel.size());
  for (const auto& [id, nack] : cg.pel) {
    REQUIRE(nack->consumer != nullptr);
    REQUIRE(nack->consumer->pel.count(id) == 1);
  }
}

StreamID Id(uint64_t ms, uint64_t seq = 0) { return {ms, seq}; }

TEST_CASE("groups: create, lookup, destroy", "[streamcg]") {
  StreamGroups groups;
  StreamCG* g = CreateGroup(groups, "g1", Id(5), 3);
  REQUIRE(g != nullptr);
  REQUIRE(g->last_id == Id(5));
  REQUIRE(g->entries_read == 3);
  REQUIRE(CreateGroup(groups, "g1", Id(1), -1) == nullptr);
  REQUIRE(LookupGroup(groups, "g1") == g);
  REQUIRE(LookupGroup(groups, "g2") == nullptr);
  REQUIRE(CreateGroup(groups, "a", Id(0), -1) != nullptr);
  REQUIRE(groups.begin()->first == "a");  // byte order
  REQUIRE(DestroyGroup(groups, "g1"));
  REQUIRE_FALSE(DestroyGroup(groups, "g1"));
  REQUIRE(groups.size() == 1);
}

TEST_CASE("consumers: create, refresh, delete with pending", "[streamcg]") {
  StreamCG cg;
  StreamConsumer* alice = CreateConsumer(cg, "alice", 100);
  REQUIRE(alice != nullptr);
  REQUIRE(alice->seen_time == 100);
  REQUIRE(CreateConsumer(cg, "alice", 200) == nullptr);
  REQUIRE(alice->seen_time == 100);
  bool created = true;
  REQUIRE(FindOrCreateConsumer(cg, "alice", 300, &created) == alice);
  REQUIRE_FALSE(created);
  REQUIRE(alice->seen_time == 300);
  StreamConsumer* bob = FindOrCreateConsumer(cg, "bob", 400, &created);
  REQUIRE(created);
  REQUIRE(LookupConsumer(cg, "bob") == bob);

  DeliverNew(cg, *alice, Id(1), 500);
  DeliverNew(cg, *alice, Id(2), 500);
  DeliverNew(cg, *bob, Id(3), 500);
  CheckAgreement(cg);
  REQUIRE(DeleteConsumer(cg, "alice") == std::optional<size_t>(2));
  CheckAgreement(cg);
  REQUIRE(cg.pel.size() == 1);
  REQUIRE(DeleteConsumer(cg, "alice") == std::nullopt);
  REQUIRE(DeleteConsumer(cg, "bob") == std::optional<size_t>(1));
  REQUIRE(cg.pel.empty());
  REQUIRE(cg.consumers.empty());
}

TEST_CASE("delivery: new, redelivery of a pending ID moves it", "[streamcg]") {
  StreamCG cg;
  StreamConsumer* a = CreateConsumer(cg, "a", 0);
  StreamConsumer* b = CreateConsumer(cg, "b", 0);
  StreamNack* n = DeliverNew(cg, *a, Id(7), 1000);
  REQUIRE(n->delivery_count == 1);
  REQUIRE(n->delivery_time == 1000);
  Redeliver(*n, 1500);
  REQUIRE(n->delivery_count == 2);
  REQUIRE(n->delivery_time == 1500);
  // The group's last ID set back (XGROUP SETID): the same ID delivered to b again.
  StreamNack* again = DeliverNew(cg, *b, Id(7), 2000);
  REQUIRE(again == n);
  REQUIRE(n->consumer == b);
  REQUIRE(n->delivery_count == 1);
  REQUIRE(n->delivery_time == 2000);
  REQUIRE(a->pel.empty());
  CheckAgreement(cg);
  // Delivered to the same consumer again: still one entry.
  DeliverNew(cg, *b, Id(7), 2500);
  REQUIRE(b->pel.size() == 1);
  CheckAgreement(cg);
}

TEST_CASE("ack", "[streamcg]") {
  StreamCG cg;
  StreamConsumer* a = CreateConsumer(cg, "a", 0);
  DeliverNew(cg, *a, Id(1), 0);
  DeliverNew(cg, *a, Id(2), 0);
  REQUIRE(Ack(cg, Id(1)));
  REQUIRE_FALSE(Ack(cg, Id(1)));
  REQUIRE_FALSE(Ack(cg, Id(9)));
  REQUIRE(FindNack(cg, Id(1)) == nullptr);
  REQUIRE(FindNack(cg, Id(2)) != nullptr);
  REQUIRE(a->pel.size() == 1);
  CheckAgreement(cg);
}

TEST_CASE("claim: time, retry count, justid, force", "[streamcg]") {
  StreamCG cg;
  StreamConsumer* a = CreateConsumer(cg, "a", 0);
  StreamConsumer* b = CreateConsumer(cg, "b", 0);
  StreamNack* n = DeliverNew(cg, *a, Id(1), 100);

  ClaimNack(Id(1), *n, *b, 200, -1, false);
  REQUIRE(n->consumer == b);
  REQUIRE(n->delivery_count == 2);
  REQUIRE(n->delivery_time == 200);
  CheckAgreement(cg);

  ClaimNack(Id(1), *n, *b, 300, -1, true);  // JUSTID: count kept
  REQUIRE(n->delivery_count == 2);
  REQUIRE(b->pel.size() == 1);

  ClaimNack(Id(1), *n, *a, 400, 7, false);  // RETRYCOUNT wins over the increment
  REQUIRE(n->delivery_count == 7);
  REQUIRE(n->consumer == a);
  REQUIRE(b->pel.empty());
  CheckAgreement(cg);

  // FORCE: an entry nobody had pending.
  StreamNack* f = CreateUnownedNack(cg, Id(5), 450);
  REQUIRE(f->consumer == nullptr);
  REQUIRE(f->delivery_count == 1);
  REQUIRE(f->delivery_time == 450);
  ClaimNack(Id(5), *f, *b, 500, -1, true);
  REQUIRE(f->delivery_count == 1);
  ClaimNack(Id(5), *f, *b, 500, -1, false);
  REQUIRE(f->delivery_count == 2);
  CheckAgreement(cg);
}

TEST_CASE("pending: summary and ranges", "[streamcg]") {
  StreamCG cg;
  StreamConsumer* a = CreateConsumer(cg, "a", 0);
  StreamConsumer* b = CreateConsumer(cg, "b", 0);
  CreateConsumer(cg, "c", 0);  // no pending entries: not in the summary
  PendingSummary empty = SummarizePending(cg);
  REQUIRE(empty.count == 0);
  REQUIRE(empty.consumers.empty());

  DeliverNew(cg, *b, Id(1), 1000);
  DeliverNew(cg, *a, Id(2), 2000);
  DeliverNew(cg, *b, Id(3), 3000);
  PendingSummary s = SummarizePending(cg);
  REQUIRE(s.count == 3);
  REQUIRE(s.min == Id(1));
  REQUIRE(s.max == Id(3));
  REQUIRE(s.consumers.size() == 2);
  REQUIRE(s.consumers[0] == std::make_pair(std::string("a"), size_t{1}));
  REQUIRE(s.consumers[1] == std::make_pair(std::string("b"), size_t{2}));

  auto all = PendingRange(cg, nullptr, StreamID::Min(), StreamID::Max(), 10, 0, 3500);
  REQUIRE(all.size() == 3);
  REQUIRE(all[0].id == Id(1));
  REQUIRE(all[0].consumer == "b");
  REQUIRE(all[0].idle == 2500);
  REQUIRE(all[0].delivery_count == 1);
  REQUIRE(PendingRange(cg, nullptr, Id(2), Id(2), 10, 0, 3500).size() == 1);
  REQUIRE(PendingRange(cg, nullptr, StreamID::Min(), StreamID::Max(), 2, 0, 3500).size() == 2);
  REQUIRE(PendingRange(cg, nullptr, StreamID::Min(), StreamID::Max(), 0, 0, 3500).empty());
  auto of_b = PendingRange(cg, b, StreamID::Min(), StreamID::Max(), 10, 0, 3500);
  REQUIRE(of_b.size() == 2);
  REQUIRE(of_b[1].id == Id(3));
  // IDLE filter: only entries idle at least 1500 ms; skipped ones do not use up the count.
  auto idle = PendingRange(cg, nullptr, StreamID::Min(), StreamID::Max(), 1, 1500, 3500);
  REQUIRE(idle.size() == 1);
  REQUIRE(idle[0].id == Id(1));
  idle = PendingRange(cg, nullptr, Id(2), StreamID::Max(), 5, 1500, 3500);
  REQUIRE(idle.size() == 1);
  REQUIRE(idle[0].id == Id(2));
  // A delivery time in the future reads as idle 0.
  REQUIRE(PendingRange(cg, nullptr, Id(3), Id(3), 1, 0, 2000)[0].idle == 0);
}

// A stream holding entries ms-0 for each ms in [from, to].
void AddEntries(Stream& s, uint64_t from, uint64_t to) {
  const std::vector<std::string_view> fv = {"f", "v"};
  for (uint64_t ms = from; ms <= to; ++ms) {
    StreamID id = Id(ms), added;
    REQUIRE(s.Append(fv, &id, /*seq_given=*/true, 0, StreamNodeLimits{}, &added) ==
            Stream::AppendResult::kOk);
  }
}

TEST_CASE("lag and entries_read arithmetic", "[streamcg]") {
  Stream s;
  StreamCG cg;
  // Never used stream: lag 0.
  REQUIRE(GroupLag(s, cg) == std::optional<int64_t>(0));

  AddEntries(s, 1, 5);
  // A group created at 0 with unknown entries_read: the lag is estimated from 0-0.
  REQUIRE(GroupLag(s, cg) == std::optional<int64_t>(5));
  // Reading 1..3 one by one: the counter becomes known at the first entry and then counts.
  REQUIRE(AdvanceGroup(cg, s, Id(1)));
  REQUIRE(cg.entries_read == 1);
  REQUIRE(AdvanceGroup(cg, s, Id(2)));
  REQUIRE(AdvanceGroup(cg, s, Id(3)));
  REQUIRE(cg.entries_read == 3);
  REQUIRE_FALSE(AdvanceGroup(cg, s, Id(3)));
  REQUIRE(cg.last_id == Id(3));
  REQUIRE(GroupLag(s, cg) == std::optional<int64_t>(2));

  // XDEL of 4 (a tombstone ahead of the group): the lag is unknown.
  REQUIRE(s.Delete(Id(4)));
  REQUIRE(GroupLag(s, cg) == std::nullopt);
  // Reading 5 over the tombstone: Redis 7.0 checks for tombstones from the new ID on only, so
  // the counter just counts on (4, lag 1), as redis-server 7.0.15 answers.
  REQUIRE(AdvanceGroup(cg, s, Id(5)));
  REQUIRE(cg.entries_read == 4);
  REQUIRE(GroupLag(s, cg) == std::optional<int64_t>(1));
  // An unknown counter reading the last entry becomes exact.
  cg.entries_read = kStreamInvalidEntriesRead;
  cg.last_id = Id(3);
  REQUIRE(AdvanceGroup(cg, s, Id(5)));
  REQUIRE(cg.entries_read == 5);
  REQUIRE(GroupLag(s, cg) == std::optional<int64_t>(0));

  // A group with unknown entries_read at a middle ID: unknown lag.
  StreamCG mid;
  mid.last_id = Id(2);
  REQUIRE(GroupLag(s, mid) == std::nullopt);
  // A known counter with no tombstone ahead is used as is.
  mid.entries_read = 2;
  REQUIRE(s.Delete(Id(1)));
  REQUIRE(GroupLag(s, mid) == std::nullopt);  // the tombstone at 4 is still ahead of 2
  StreamCG late;
  late.last_id = Id(5);
  late.entries_read = 5;
  REQUIRE(GroupLag(s, late) == std::optional<int64_t>(0));
}

TEST_CASE("random operation sequence keeps the PELs in agreement", "[streamcg]") {
  std::mt19937_64 rng(GENERATE(1, 2, 3, 4));
  StreamCG cg;
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  // Reference model: id -> (consumer, count).
  std::map<StreamID, std::pair<std::string, uint64_t>> model;
  uint64_t now = 1000;
  for (int step = 0; step < 3000; ++step) {
    now += rng() % 3;
    StreamID id = Id(rng() % 64);
    const std::string& name = names[rng() % names.size()];
    switch (rng() % 6) {
      case 0:
      case 1: {
        bool created;
        StreamConsumer* c = FindOrCreateConsumer(cg, name, now, &created);
        DeliverNew(cg, *c, id, now);
        model[id] = {name, 1};
        break;
      }
      case 2:
        REQUIRE(Ack(cg, id) == (model.erase(id) == 1));
        break;
      case 3: {
        bool created;
        StreamConsumer* c = FindOrCreateConsumer(cg, name, now, &created);
        StreamNack* n = FindNack(cg, id);
        bool force = rng() % 2;
        bool fresh = n == nullptr && force;
        if (fresh) n = CreateUnownedNack(cg, id, now);
        if (n == nullptr) break;
        if (fresh) model[id] = {"", 1};
        bool justid = rng() % 2;
        int64_t retry = rng() % 3 == 0 ? static_cast<int64_t>(rng() % 10) : -1;
        ClaimNack(id, *n, *c, now, retry, justid);
        auto& m = model[id];
        m.first = name;
        if (retry >= 0) {
          m.second = static_cast<uint64_t>(retry);
        } else if (!justid) {
          ++m.second;
        }
        break;
      }
      case 4: {
        size_t expect = 0;
        for (auto it = model.begin(); it != model.end();) {
          if (it->second.first == name) {
            ++expect;
            it = model.erase(it);
          } else {
            ++it;
          }
        }
        auto got = DeleteConsumer(cg, name);
        if (got) {
          REQUIRE(*got == expect);
        } else {
          REQUIRE(expect == 0);
        }
        break;
      }
      case 5:
        if (StreamNack* n = FindNack(cg, id)) {
          Redeliver(*n, now);
          ++model[id].second;
        }
        break;
    }
    CheckAgreement(cg);
    REQUIRE(cg.pel.size() == model.size());
    for (const auto& [mid, owner] : model) {
      StreamNack* n = FindNack(cg, mid);
      REQUIRE(n != nullptr);
      REQUIRE(n->consumer->name == owner.first);
      REQUIRE(n->delivery_count == owner.second);
    }
    PendingSummary s = SummarizePending(cg);
    REQUIRE(s.count == model.size());
    size_t total = 0;
    for (const auto& [n, c] : s.consumers) total += c;
    REQUIRE(total == model.size());
  }
}

}  // namespace
}  // namespace shoal
