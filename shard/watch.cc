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
  refs.erase(std::remove_if(refs.begin(), refs.end(), [st](const Ref& r) { return r.st.get() == st; }),
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

bool WatchTable::WatchedFresh(uint32_t db, std::string_view key, const WatchState* st) const {
  auto it = keys_.find(std::pair<uint32_t, std::string_view>(db, key));
  if (it == keys_.end()) return false;
  for (const Ref& r : it->second)
    if (r.st.get() == st) return !r.expired;
  return false;
}

}  // namespace shoal
