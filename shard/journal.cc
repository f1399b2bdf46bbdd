#include "shard/journal.h"

#include <absl/strings/numbers.h>

#include <algorithm>

namespace shoal::journal {

namespace {

std::atomic<bool> g_enabled{false};
// The next ticket (0 is "none").
alignas(64) std::atomic<uint64_t> g_counter{1};
alignas(64) MpscQueue g_queue;
uint32_t g_shards = 1;
// Bumped each time recording starts: a Builder made before that drops ops it never placed.
std::atomic<uint64_t> g_epoch{0};

void Push(Unit* u) { g_queue.Push(u); }

}  // namespace

void AppendResp(std::span<const std::string_view> argv, std::string* out) {
  char num[32];
  out->push_back('*');
  out->append(num, absl::numbers_internal::FastIntToBuffer(argv.size(), num) - num);
  out->append("\r\n");
  for (std::string_view a : argv) {
    out->push_back('$');
    out->append(num, absl::numbers_internal::FastIntToBuffer(a.size(), num) - num);
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

void Unit::Append(uint32_t db, std::span<const std::string_view> argv) {
  AppendResp(argv, &resp);
  ends.push_back({db, static_cast<uint32_t>(resp.size()), tl_order});
}

void Unit::Take(Unit& other) {
  if (other.empty()) return;
  uint32_t base = static_cast<uint32_t>(resp.size());
  resp += other.resp;
  for (const Op& o : other.ends) ends.push_back({o.db, base + o.end, o.order});
  other.Clear();
}

void Init(uint32_t shards) { g_shards = shards; }

bool Enabled() { return g_enabled.load(std::memory_order_relaxed); }

uint64_t SetEnabled(bool on) {
  if (on && !g_enabled.load(std::memory_order_relaxed)) g_epoch.fetch_add(1);
  g_enabled.store(on, std::memory_order_relaxed);
  return g_counter.load(std::memory_order_relaxed);
}

uint64_t Reserve() { return g_counter.fetch_add(1, std::memory_order_relaxed); }

void Submit(std::unique_ptr<Unit> u) { Push(u.release()); }

void Record(uint32_t db, std::span<const std::string_view> argv) {
  if (!Enabled()) return;
  if (tl_unit != nullptr) return tl_unit->Append(db, argv);
  auto u = std::make_unique<Unit>();
  u->Append(db, argv);
  u->ticket = Reserve();
  Submit(std::move(u));
}

Builder::Builder() : unit_(std::make_unique<Unit>()), bufs_(g_shards), epoch_(g_epoch.load()) {}

void Builder::Merge() {
  bool ordered = false;
  for (const Unit& b : bufs_)
    for (const Unit::Op& o : b.ends) ordered |= o.order != 0;
  if (!ordered) {
    for (Unit& b : bufs_) unit_->Take(b);
    return;
  }
  struct Ref {
    uint32_t order, buf, i;
  };
  std::vector<Ref> refs;
  for (uint32_t b = 0; b < bufs_.size(); ++b)
    for (uint32_t i = 0; i < bufs_[b].count(); ++i) refs.push_back({bufs_[b].ends[i].order, b, i});
  std::stable_sort(refs.begin(), refs.end(),
                   [](const Ref& x, const Ref& y) { return x.order < y.order; });
  for (const Ref& r : refs) {
    const Unit& b = bufs_[r.buf];
    unit_->resp += b.op(r.i);
    unit_->ends.push_back({b.db(r.i), static_cast<uint32_t>(unit_->resp.size()), r.order});
  }
  for (Unit& b : bufs_) b.Clear();
}

uint64_t Builder::Finish() {
  Merge();
  if (unit_->ticket == 0) {
    // Ops never given a place (a path that took no ticket): placed now, unless recording
    // restarted since (then what they did is in the rewrite's base already).
    if (unit_->empty() || !Enabled() || g_epoch.load() != epoch_) {
      unit_->Clear();
      epoch_ = g_epoch.load();
      return 0;
    }
    unit_->ticket = Reserve();
  }
  uint64_t t = unit_->empty() ? 0 : unit_->ticket;  // an empty unit only fills its place
  Submit(std::move(unit_));
  unit_ = std::make_unique<Unit>();
  epoch_ = g_epoch.load();
  return t;
}

Consumer::Consumer() = default;

Consumer::~Consumer() {
  // Drop whatever is still queued.
  while (MpscNode* n = g_queue.Pop()) delete static_cast<Unit*>(n);
}

void Consumer::Reset(uint64_t first) {
  next_ = first;
  window_.clear();
  window_count_ = 0;
}

size_t Consumer::Take(std::vector<std::unique_ptr<Unit>>* out) {
  while (MpscNode* n = g_queue.Pop()) {
    std::unique_ptr<Unit> u(static_cast<Unit*>(n));
    if (u->ticket < next_) continue;  // from before the stream (re)started
    size_t at = u->ticket - next_;
    if (at >= window_.size()) window_.resize(std::max<size_t>(at + 1, window_.size() * 2));
    window_[at] = std::move(u);
    ++window_count_;
  }
  size_t taken = 0;
  while (taken < window_.size() && window_[taken] != nullptr) ++taken;
  for (size_t i = 0; i < taken; ++i) out->push_back(std::move(window_[i]));
  window_.erase(window_.begin(), window_.begin() + static_cast<ptrdiff_t>(taken));
  window_count_ -= taken;
  next_ += taken;
  return taken;
}

}  // namespace shoal::journal
