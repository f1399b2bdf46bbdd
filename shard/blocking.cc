#include "shard/blocking.h"

#include <algorithm>

#include "shard/shard.h"

namespace shoal {

void BlockingController::Register(DbIndex db, std::string_view key, std::shared_ptr<Waiter> w) {
  waiting_[{db, std::string(key)}].push_back(std::move(w));
}

void BlockingController::Unregister(DbIndex db, std::string_view key, const Waiter* w) {
  auto it = waiting_.find({db, std::string(key)});
  if (it == waiting_.end()) return;
  Queue& q = it->second;
  q.erase(std::remove_if(q.begin(), q.end(), [w](const auto& p) { return p.get() == w; }), q.end());
  if (q.empty()) waiting_.erase(it);
}

void BlockingController::MarkReady(DbIndex db, std::string_view key) {
  std::pair<DbIndex, std::string> k{db, std::string(key)};
  if (waiting_.find(k) == waiting_.end()) return;
  if (std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(std::move(k));
}

void BlockingController::SignalDbReady(DbIndex db,
                                       absl::FunctionRef<bool(std::string_view)> holds_blockable) {
  for (const auto& [k, q] : waiting_)
    if (k.first == db && holds_blockable(k.second)) MarkReady(db, k.second);
}

void BlockingController::ServeReady(Shard& shard) {
  DbSlice& slice = shard.db_slice();
  while (!ready_.empty()) {
    std::vector<std::pair<DbIndex, std::string>> keys;
    keys.swap(ready_);
    for (const auto& k : keys) {
      auto it = waiting_.find(k);
      if (it == waiting_.end()) continue;
      // Serving may register nothing and erase nothing in waiting_ (Unregister comes by message),
      // so `it` stays valid; only this queue is edited here.
      Queue& q = it->second;
      for (auto w = q.begin(); w != q.end();) {
        if (!(*w)->waiting()) {
          w = q.erase(w);
          continue;
        }
        DbSlice::Slot* s = slice.Find(k.first, k.second);
        if (!(*w)->Ready(shard, k.first, k.second, s == nullptr ? nullptr : s->entry())) {
          ++w;
          continue;
        }
        std::shared_ptr<Waiter> keep = *w;
        w = q.erase(w);
        if (keep->Claim()) keep->Serve(shard, k.first, k.second);
      }
      if (q.empty()) waiting_.erase(it);
    }
  }
}

}  // namespace shoal
