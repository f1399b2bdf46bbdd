#include "shard/tracking.h"

#include <algorithm>

namespace shoal::tracking {

Hooks g_hooks;

void SetHooks(const Hooks& hooks) { g_hooks = hooks; }

namespace {
void Add(std::atomic<int64_t>& c, int64_t by) { c.fetch_add(by, std::memory_order_relaxed); }
// This absl's string_view is its own type, not std's.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

void Table::Remember(std::string_view key, Client c) {
  auto [it, fresh] = keys_.try_emplace(Absl(key));
  if (fresh) Add(g_total_keys, 1);
  Clients& cs = it->second;
  for (Client& x : cs) {
    if (x.id == c.id) return;
  }
  cs.push_back(c);
  Add(g_total_items, 1);
}

void Table::Invalidate(std::string_view key, bool bcast) {
  auto it = keys_.find(Absl(key));
  if (it == keys_.end()) {
    if (bcast && BcastActive() && g_hooks.invalidate != nullptr)
      g_hooks.invalidate(Clients(), key, true);
    return;
  }
  // Taken out first: the hook may not look at this table, but a key must never be delivered twice.
  Clients cs = std::move(it->second);
  keys_.erase(it);
  Add(g_total_keys, -1);
  Add(g_total_items, -static_cast<int64_t>(cs.size()));
  if (g_hooks.invalidate != nullptr) g_hooks.invalidate(cs, key, bcast && BcastActive());
}

void Table::Clear() {
  if (keys_.empty()) return;
  int64_t items = 0;
  for (const auto& [k, cs] : keys_) items += static_cast<int64_t>(cs.size());
  Add(g_total_keys, -static_cast<int64_t>(keys_.size()));
  Add(g_total_items, -items);
  keys_.clear();
}

bool Table::Limit(int64_t max_keys, int effort) {
  if (max_keys <= 0) return true;
  int64_t total = g_total_keys.load(std::memory_order_relaxed);
  while (total > max_keys) {
    if (keys_.empty() || effort-- <= 0) return false;
    // Several shards may be over at once: each key dropped is first taken off the total, so
    // together they drop exactly the excess (Redis drops keys one by one from its single table).
    if (!g_total_keys.compare_exchange_weak(total, total - 1, std::memory_order_relaxed)) continue;
    // Redis takes a random walk in its radix tree; any key of the table serves the same purpose.
    auto it = keys_.begin();
    std::string key = it->first;
    Clients cs = std::move(it->second);
    keys_.erase(it);
    Add(g_total_items, -static_cast<int64_t>(cs.size()));
    if (g_hooks.invalidate != nullptr) g_hooks.invalidate(cs, key, /*bcast=*/false);
    total = g_total_keys.load(std::memory_order_relaxed);
  }
  return true;
}

}  // namespace shoal::tracking
