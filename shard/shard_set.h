// ShardSet: the N shards and the routing function. slot = CRC16(hashtag(key)) % 16384 (Redis
// Cluster's function), shard = slot % N, so keys sharing a {tag} share a shard.
//
// SequencedSend is the transaction sequencer: it enqueues one message on each of several shards
// inside one short critical section, so every shard sees multi-shard operations in one global
// order (the deadlock-freedom argument in docs/ARCHITECTURE.md rests on this). The section holds
// only pointer pushes (no syscall, no allocation); wake-ups happen after it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "shard/key_slot.h"
#include "shard/shard.h"

namespace shoal {

class ShardSet {
 public:
  ShardSet(unsigned num_shards, unsigned num_dbs);
  ~ShardSet();

  unsigned size() const { return static_cast<unsigned>(shards_.size()); }
  Shard* shard(unsigned i) { return shards_[i].get(); }
  uint32_t ShardOf(std::string_view key) const {
    return shards_.size() == 1 ? 0 : KeySlot(key) % shards_.size();
  }

  // msgs[i] goes to shard ids[i]; all in one global order relative to other SequencedSends.
  void SequencedSend(ShardMsg* const* msgs, const uint32_t* ids, size_t n);

  void Start(const std::function<void(Shard*)>& on_start);
  void Stop();
  void Join();

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
  alignas(64) std::atomic<bool> seq_lock_{false};
};

}  // namespace shoal
