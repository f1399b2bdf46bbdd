// Lazyfree: big values and whole key tables freed on a background thread (Redis's lazyfree), so
// UNLINK, FLUSHALL ASYNC and the lazyfree-lazy-* settings never stall a shard on a big free.
//
// A value goes to the background only when freeing it touches more than kEffortThreshold heap
// blocks (Redis's LAZYFREE_THRESHOLD); smaller ones are cheaper to free on the spot. The
// background thread counts what it frees into the owning shard's lazy counter (one writer: this
// thread), so the shard's used bytes fall as the frees happen.
//
// Threading: Free* from shard threads; Start/Stop from main (Stop drains the queue first).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shoal {

class DashTable;
class Entry;

namespace lazyfree {

inline constexpr size_t kEffortThreshold = 64;

void Start();
// Frees everything still queued, then ends the thread.
void Stop();

// Frees e now, or on the background thread when `lazy`, the thread runs and e is big; the
// background frees count into `counter`. Returns true when queued.
bool FreeEntry(Entry* e, bool lazy, std::atomic<int64_t>* counter);
// Frees a detached table with all its entries in the background (or now when the thread is not
// running).
void FreeTable(DashTable* t, std::atomic<int64_t>* counter);

// INFO: objects queued and not freed yet; objects freed in the background since start.
uint64_t PendingObjects();
uint64_t FreedObjects();

}  // namespace lazyfree
}  // namespace shoal
