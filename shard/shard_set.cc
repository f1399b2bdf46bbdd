#include "shard/shard_set.h"

#include <thread>

namespace shoal {

namespace {
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

ShardSet::ShardSet(unsigned num_shards, unsigned num_dbs) {
  for (unsigned i = 0; i < num_shards; ++i) shards_.push_back(std::make_unique<Shard>(i, num_dbs));
}

ShardSet::~ShardSet() = default;

void ShardSet::SequencedSend(ShardMsg* const* msgs, const uint32_t* ids, size_t n) {
  Shard::FlushBeforeSend();  // outside the critical section: it may write eventfds
  unsigned spins = 0;
  while (seq_lock_.exchange(true, std::memory_order_acquire)) {
    while (seq_lock_.load(std::memory_order_relaxed)) {
      if (++spins > 64)
        std::this_thread::yield();  // holder was preempted
      else
        CpuRelax();
    }
  }
  for (size_t i = 0; i < n; ++i) shards_[ids[i]]->Enqueue(msgs[i]);
  seq_lock_.store(false, std::memory_order_release);
  for (size_t i = 0; i < n; ++i) shards_[ids[i]]->Notify();
}

void ShardSet::Start(const std::function<void(Shard*)>& on_start) {
  for (auto& s : shards_) {
    Shard* sp = s.get();
    sp->Start([on_start, sp] { on_start(sp); });
  }
}

void ShardSet::Stop() {
  for (auto& s : shards_) s->Stop();
}

void ShardSet::Join() {
  for (auto& s : shards_) s->Join();
}

}  // namespace shoal
