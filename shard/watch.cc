#include "shard/watch.h"

#include <algorithm>

namespace shoal {

void WatchTable::Register(uint32_t db, std::string_view key, std::shared_ptr<WatchState> st,
                          bool expired) {
  auto it = keys_.find(std::pair<uint32_t, std::string_view>(db, key));
  if (it == keys_.end()) it = keys_.emplace(Key(db, std::string(key)), std::vector<Ref>()).first;
  for (const Ref& r : it->second)
    if (r.st == st) return;  // already watched by this client
  it->second.push_back(Ref{std::move(st), expired});
}

void WatchTable::Unregister(uint32_t db, std::string_view key, const WatchState* st) {
  auto it = keys_.find(std::pair<uint32_t, std::string_view>(db, key));
  if (it == keys_.end()) return;
  auto& refs = it->second;
  refs.erase(
      std::remove_if(refs.begin(), refs.end(), [st](const Ref& r) { return r.st.get() == st; }),
      refs.end());
  if (refs.empty()) keys_.erase(it);
}

void WatchTable::Mark(Ref& r, Change change) {
  if (r.expired) {
    // Watched while already expired: its deletion is no logical change (Redis clears the flag,
    // as a deleted key is no longer "expired"); anything else is.
    r.expired = false;
    if (change == Change::kDelete) return;
  }
  r.st->dirty.store(true, std::memory_order_release);
}

void WatchTable::Touch(uint32_t db, std::string_view key, Change change) {
  auto it = keys_.find(std::pair<uint32_t, std::string_view>(db, key));
  if (it == keys_.end()) return;
  for (Ref& r : it->second) Mark(r, change);
}

void WatchTable::TouchSwap(uint32_t a, uint32_t b, Probe probe) {
  if (a == b) return;
  for (auto& [k, refs] : keys_) {
    if (k.first != a && k.first != b) continue;
    uint32_t other = k.first == a ? b : a;
    Presence emptied = probe(k.first, k.second);
    Presence replacement = probe(other, k.second);
    if (emptied == Presence::kAbsent && replacement == Presence::kAbsent) continue;
    for (Ref& r : refs) {
      if (r.expired) {
        if (replacement == Presence::kAbsent) {
          r.expired = false;  // the expired key is now deleted: no logical change
          continue;
        }
        if (replacement == Presence::kExpired) continue;  // still expired
      } else if (emptied == Presence::kAbsent && replacement == Presence::kExpired) {
        r.expired = true;  // a missing key replaced with an expired one: still missing
        continue;
      }
      r.st->dirty.store(true, std::memory_order_release);
    }
  }
}

bool WatchTable::WatchedFresh(uint32_t db, std::string_view key, const WatchState* st) const {
  auto it = keys_.find(std::pair<uint32_t, std::string_view>(db, key));
  if (it == keys_.end()) return false;
  for (const Ref& r : it->second)
    if (r.st.get() == st) return !r.expired;
  return false;
}

}  // namespace shoal
