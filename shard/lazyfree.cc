#include "shard/lazyfree.h"

#include <thread>

#include "shard/alloc.h"
#include "shard/dash_table.h"
#include "shard/entry.h"
#include "shard/mpsc_queue.h"
#include "shard/object.h"

namespace shoal::lazyfree {

namespace {

struct Job : MpscNode {
  Entry* entry = nullptr;
  DashTable* table = nullptr;
  std::atomic<int64_t>* counter = nullptr;
  uint64_t objects = 0;
  bool stop = false;
};

MpscQueue g_queue;
std::atomic<uint64_t> g_pushed{0};
std::atomic<bool> g_running{false};
std::atomic<uint64_t> g_pending{0};
std::atomic<uint64_t> g_freed{0};
std::thread g_thread;

void Push(Job* j) {
  g_pending.fetch_add(j->objects, std::memory_order_relaxed);
  g_queue.Push(j);
  g_pushed.fetch_add(1, std::memory_order_release);
  g_pushed.notify_one();
}

void Run() {
  while (true) {
    uint64_t seen = g_pushed.load(std::memory_order_acquire);
    while (MpscNode* n = g_queue.Pop()) {
      Job* j = static_cast<Job*>(n);
      if (j->stop) {
        delete j;
        return;
      }
      mem::SetThreadCounter(j->counter);
      if (j->entry != nullptr) Entry::Free(j->entry);
      if (j->table != nullptr) delete j->table;  // frees its entries
      mem::SetThreadCounter(nullptr);
      g_pending.fetch_sub(j->objects, std::memory_order_relaxed);
      g_freed.fetch_add(j->objects, std::memory_order_relaxed);
      delete j;
    }
    g_pushed.wait(seen, std::memory_order_acquire);
  }
}

size_t FreeEffort(const Entry* e) {
  if (e->type() == ObjType::kString) return 1;
  return ObjectFreeEffort(e->type(), e->enc(), e->object());
}

}  // namespace

void Start() {
  if (g_running.exchange(true)) return;
  g_thread = std::thread(Run);
}

void Stop() {
  if (!g_running.exchange(false)) return;
  auto* j = new Job();
  j->stop = true;
  Push(j);
  g_thread.join();
}

bool FreeEntry(Entry* e, bool lazy, std::atomic<int64_t>* counter) {
  if (!lazy || !g_running.load(std::memory_order_relaxed) || FreeEffort(e) <= kEffortThreshold) {
    Entry::Free(e);
    return false;
  }
  auto* j = new Job();
  j->entry = e;
  j->counter = counter;
  j->objects = 1;
  Push(j);
  return true;
}

void FreeTable(DashTable* t, std::atomic<int64_t>* counter) {
  if (!g_running.load(std::memory_order_relaxed)) {
    delete t;
    return;
  }
  auto* j = new Job();
  j->table = t;
  j->counter = counter;
  j->objects = t->size();
  Push(j);
}

uint64_t PendingObjects() { return g_pending.load(std::memory_order_relaxed); }
uint64_t FreedObjects() { return g_freed.load(std::memory_order_relaxed); }

}  // namespace shoal::lazyfree
