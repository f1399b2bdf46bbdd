#include "server/replicated_names.h"

#include <algorithm>

#include "base/ascii.h"
#include "server/server_state.h"
#include "shard/shard.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {
struct TaskMsg : ShardMsg {
  std::function<void()> work;
};
}  // namespace

void RunOnThread(uint32_t thread, std::function<void()> work) {
  auto* m = new TaskMsg;
  m->work = std::move(work);
  m->deferrable = false;
  m->completion = true;
  m->fn = [](ShardMsg* self, Shard*) {
    auto* t = static_cast<TaskMsg*>(self);
    t->work();
    delete t;
  };
  m->discard = &DeleteMsg<TaskMsg>;
  Server().shards->shard(thread)->Send(m);
}

void ReplicatedNames::Init(uint32_t threads) {
  maps_.clear();
  for (uint32_t i = 0; i < threads; ++i) maps_.push_back(std::make_unique<Map>());
}

ReplicatedNames::Map& ReplicatedNames::Local() { return *maps_[Shard::Current()->id()]; }

ReplicatedNames::Entry* ReplicatedNames::Find(std::string_view name) {
  Map& map = Local();
  auto it = map.find(ToAbsl(name));
  return it == map.end() ? nullptr : &it->second;
}

void ReplicatedNames::Count(Map& map, const std::string& name, uint32_t thread, int delta) {
  auto it = map.find(name);
  if (it == map.end()) {
    if (delta < 0) return;
    it = map.emplace(name, Entry{}).first;
  }
  Entry& e = it->second;
  e.total += delta;
  auto t = std::find_if(e.threads.begin(), e.threads.end(),
                        [thread](const auto& p) { return p.first == thread; });
  if (t == e.threads.end()) {
    if (delta > 0) e.threads.emplace_back(thread, static_cast<uint32_t>(delta));
  } else {
    t->second += delta;
    if (t->second == 0) e.threads.erase(t);
  }
  if (e.total <= 0 && e.local.empty()) map.erase(it);
}

void ReplicatedNames::Broadcast(std::shared_ptr<const std::vector<std::string>> names, int delta,
                                std::function<void()> after) {
  uint32_t self = Shard::Current()->id();
  uint32_t n = static_cast<uint32_t>(maps_.size());
  for (const auto& name : *names) Count(*maps_[self], name, self, delta);
  if (n == 1) {
    if (after) after();
    return;
  }
  auto remaining = std::make_shared<uint32_t>(n - 1);
  auto shared_after = std::make_shared<std::function<void()>>(std::move(after));
  for (uint32_t t = 0; t < n; ++t) {
    if (t == self) continue;
    RunOnThread(t, [this, t, self, names, delta, remaining, shared_after] {
      for (const auto& name : *names) Count(*maps_[t], name, self, delta);
      if (!*shared_after) return;
      RunOnThread(self, [remaining, shared_after] {
        if (--*remaining == 0) (*shared_after)();
      });
    });
  }
}

void ReplicatedNames::Join(Connection* c, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (Entry* e = Find(name)) e->local.push_back(c);
}

void ReplicatedNames::Leave(Connection* c, const std::vector<std::string>& names) {
  Map& map = Local();
  for (const auto& name : names) {
    auto it = map.find(name);
    if (it == map.end()) continue;
    auto& local = it->second.local;
    local.erase(std::remove(local.begin(), local.end(), c), local.end());
  }
}

int64_t ReplicatedNames::CountNames() {
  int64_t n = 0;
  for (const auto& [name, e] : Local()) n += e.total > 0;
  return n;
}

}  // namespace shoal
