// Intrusive multi-producer single-consumer queue (Vyukov). Push is wait-free (one exchange);
// Pop is called by the owning (consumer) thread only.
//
// Contract: a node is owned by the queue between Push and the Pop that returns it. Pop may return
// nullptr while a producer is between its two steps; the producer's wake-up that follows every
// Push (see Shard::Send) makes the consumer drain again, so nothing is lost.
#pragma once

#include <atomic>

namespace shoal {

struct MpscNode {
  MpscNode() = default;
  // Copying a node (e.g. when a vector of messages grows) never copies queue linkage.
  MpscNode(const MpscNode&) : next(nullptr) {}
  MpscNode& operator=(const MpscNode&) { return *this; }
  std::atomic<MpscNode*> next{nullptr};
};

class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread.
  void Push(MpscNode* n) {
    n->next.store(nullptr, std::memory_order_relaxed);
    MpscNode* prev = head_.exchange(n, std::memory_order_acq_rel);
    prev->next.store(n, std::memory_order_release);
  }

  // Consumer thread only: nothing was pushed that Pop has not returned (a push still between its
  // two steps counts as pushed, so the answer errs towards "not empty").
  bool Empty() const { return tail_ == &stub_ && head_.load(std::memory_order_acquire) == &stub_; }

  // Consumer thread only.
  MpscNode* Pop() {
    MpscNode* tail = tail_;
    MpscNode* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // producer mid-push
    Push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

 private:
  alignas(64) std::atomic<MpscNode*> head_;
  alignas(64) MpscNode* tail_;
  MpscNode stub_;
};

}  // namespace shoal
