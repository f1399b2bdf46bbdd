// Consumer-group operations over the types in stream_group.h. They mirror t_stream.c's
// streamCreateCG ... streamDelConsumer and the PEL work inside XREADGROUP / XACK / XCLAIM,
// keeping the group PEL and the consumer PELs in agreement.
#include "shard/stream_group.h"

#include "absl/strings/string_view.h"
#include "shard/stream.h"

namespace shoal {

namespace {
// Debian's abseil has its own string_view; the btree's heterogeneous lookup takes that one.
absl::string_view Key(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

StreamCG* LookupGroup(const StreamGroups& groups, std::string_view name) {
  auto it = groups.find(Key(name));
  return it == groups.end() ? nullptr : it->second.get();
}

StreamCG* CreateGroup(StreamGroups& groups, std::string_view name, StreamID last_id,
                      int64_t entries_read) {
  auto [it, inserted] = groups.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamCG>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool DestroyGroup(StreamGroups& groups, std::string_view name) {
  auto it = groups.find(Key(name));
  if (it == groups.end()) return false;
  groups.erase(it);
  return true;
}

StreamConsumer* LookupConsumer(const StreamCG& cg, std::string_view name) {
  auto it = cg.consumers.find(Key(name));
  return it == cg.consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* CreateConsumer(StreamCG& cg, std::string_view name, uint64_t now_ms) {
  auto [it, inserted] = cg.consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

StreamConsumer* FindOrCreateConsumer(StreamCG& cg, std::string_view name, uint64_t now_ms,
                                     bool* created) {
  if (StreamConsumer* c = LookupConsumer(cg, name)) {
    c->seen_time = now_ms;
    *created = false;
    return c;
  }
  *created = true;
  return CreateConsumer(cg, name, now_ms);
}

std::optional<size_t> DeleteConsumer(StreamCG& cg, std::string_view name) {
  auto it = cg.consumers.find(Key(name));
  if (it == cg.consumers.end()) return std::nullopt;
  size_t pending = it->second->pel.size();
  for (const auto& [id, nack] : it->second->pel) cg.pel.erase(id);
  cg.consumers.erase(it);
  return pending;
}

StreamNack* DeliverNew(StreamCG& cg, StreamConsumer& consumer, StreamID id, uint64_t now_ms) {
  auto [it, inserted] = cg.pel.try_emplace(id);
  if (inserted) {
    it->second = std::make_unique<StreamNack>();
  } else if (it->second->consumer != nullptr) {
    it->second->consumer->pel.erase(id);
  }
  StreamNack* nack = it->second.get();
  nack->delivery_time = now_ms;
  nack->delivery_count = 1;
  nack->consumer = &consumer;
  consumer.pel.insert_or_assign(id, nack);
  return nack;
}

StreamNack* FindNack(const StreamCG& cg, StreamID id) {
  auto it = cg.pel.find(id);
  return it == cg.pel.end() ? nullptr : it->second.get();
}

bool Ack(StreamCG& cg, StreamID id) {
  auto it = cg.pel.find(id);
  if (it == cg.pel.end()) return false;
  if (StreamConsumer* owner = it->second->consumer) owner->pel.erase(id);
  cg.pel.erase(it);
  return true;
}

StreamNack* CreateUnownedNack(StreamCG& cg, StreamID id, uint64_t now_ms) {
  auto [it, inserted] = cg.pel.try_emplace(id);
  if (inserted) {
    it->second = std::make_unique<StreamNack>();
    it->second->delivery_time = now_ms;
    it->second->delivery_count = 1;
  }
  return it->second.get();
}

void ClaimNack(StreamID id, StreamNack& nack, StreamConsumer& consumer, uint64_t delivery_time,
               int64_t retry_count, bool justid) {
  nack.delivery_time = delivery_time;
  if (retry_count >= 0) {
    nack.delivery_count = static_cast<uint64_t>(retry_count);
  } else if (!justid) {
    ++nack.delivery_count;
  }
  if (nack.consumer != &consumer) {
    if (nack.consumer != nullptr) nack.consumer->pel.erase(id);
    consumer.pel.insert_or_assign(id, &nack);
    nack.consumer = &consumer;
  }
}

PendingSummary SummarizePending(const StreamCG& cg) {
  PendingSummary out;
  out.count = cg.pel.size();
  if (out.count == 0) return out;
  out.min = cg.pel.begin()->first;
  out.max = cg.pel.rbegin()->first;
  for (const auto& [name, consumer] : cg.consumers) {
    if (!consumer->pel.empty()) out.consumers.emplace_back(name, consumer->pel.size());
  }
  return out;
}

namespace {

template <typename Pel>
void CollectPending(const Pel& pel, StreamID start, StreamID end, size_t count, int64_t min_idle,
                    uint64_t now_ms, std::vector<PendingEntry>* out) {
  for (auto it = pel.lower_bound(start); count > 0 && it != pel.end() && it->first <= end; ++it) {
    const StreamNack& nack = *it->second;
    int64_t idle = static_cast<int64_t>(now_ms) - static_cast<int64_t>(nack.delivery_time);
    if (min_idle > 0 && idle < min_idle) continue;
    --count;
    out->push_back({it->first, nack.consumer ? nack.consumer->name : std::string(),
                    static_cast<uint64_t>(idle < 0 ? 0 : idle), nack.delivery_count});
  }
}

}  // namespace

std::vector<PendingEntry> PendingRange(const StreamCG& cg, const StreamConsumer* consumer,
                                       StreamID start, StreamID end, size_t count, int64_t min_idle,
                                       uint64_t now_ms) {
  std::vector<PendingEntry> out;
  if (consumer != nullptr) {
    CollectPending(consumer->pel, start, end, count, min_idle, now_ms, &out);
  } else {
    CollectPending(cg.pel, start, end, count, min_idle, now_ms, &out);
  }
  return out;
}

std::optional<int64_t> GroupLag(const Stream& s, const StreamCG& cg) {
  const auto added = static_cast<int64_t>(s.entries_added());
  if (added == 0) return 0;  // a stream nothing was ever added to
  // No tombstone after the group's position: its counter (when known) is exact.
  if (cg.entries_read != kStreamInvalidEntriesRead && !s.RangeHasTombstones(&cg.last_id, nullptr)) {
    return added - cg.entries_read;
  }
  int64_t read = s.EstimateDistanceFromFirstEverEntry(cg.last_id);
  if (read == kStreamInvalidEntriesRead) return std::nullopt;
  return added - read;
}

bool AdvanceGroup(StreamCG& cg, const Stream& s, StreamID id) {
  if (id <= cg.last_id) return false;
  if (cg.entries_read != kStreamInvalidEntriesRead && !s.RangeHasTombstones(&id, nullptr)) {
    ++cg.entries_read;
  } else if (s.entries_added() != 0) {
    cg.entries_read = s.EstimateDistanceFromFirstEverEntry(id);
  }
  cg.last_id = id;
  return true;
}

}  // namespace shoal
