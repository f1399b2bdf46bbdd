// Heap calls of the shard data structures (entries, listpacks, intsets, tables, quicklists,
// skiplists). mimalloc in normal builds. Sanitizer builds define SHOAL_SYSTEM_MALLOC and get the C
// library's allocator instead, so ASan sees every block's bounds and lifetime (it cannot see
// inside mimalloc's pages).
//
// A shard thread allocates from a mimalloc heap of its own (CreateThreadHeap), apart from the
// thread's connection buffers; blocks freed by other threads go back to the heap that owns them.
//
// Every call also keeps the calling thread's byte counter (usable sizes allocated minus freed):
// a shard thread counts into its DbSlice, so a shard knows the bytes its data holds. A value that
// moves to another shard (RENAME/COPY across shards) hands its bytes over with Count; the
// lazyfree thread counts into the owning shard's lazy counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#ifdef SHOAL_SYSTEM_MALLOC
#include <malloc.h>

#include <cstdlib>
#else
#include <mimalloc.h>
#endif

namespace shoal::mem {

// The calling thread's counter; null on threads that never set one (they count into Unowned()).
inline thread_local std::atomic<int64_t>* tl_counter = nullptr;
// Bytes counted by threads without a counter of their own (startup, tests).
inline std::atomic<int64_t> g_unowned{0};

// The calling thread counts into `c` from now on (one writing thread per counter).
inline void SetThreadCounter(std::atomic<int64_t>* c) { tl_counter = c; }
inline int64_t Unowned() { return g_unowned.load(std::memory_order_relaxed); }

#ifdef SHOAL_SYSTEM_MALLOC
inline void CreateThreadHeap() {}
inline void CollectThreadHeap(bool) { malloc_trim(0); }
#else
// The calling thread's shard-data heap; null on other threads (they use their default heap).
inline thread_local mi_heap_t* tl_heap = nullptr;
// Gives the calling (shard) thread its own heap for shard data. mimalloc deletes it, moving any
// live blocks to the thread's default heap, when the thread ends.
inline void CreateThreadHeap() { tl_heap = mi_heap_new(); }
// Returns the calling thread's free pages to the OS (MEMORY PURGE); `force` also collects pages
// held for reuse. Call on each shard thread.
inline void CollectThreadHeap(bool force) {
  if (tl_heap != nullptr) mi_heap_collect(tl_heap, force);
  mi_collect(force);
}
#endif

#ifdef SHOAL_SYSTEM_MALLOC
inline size_t UsableSize(const void* p) { return malloc_usable_size(const_cast<void*>(p)); }
#else
inline size_t UsableSize(const void* p) { return mi_usable_size(p); }
#endif

inline void Count(int64_t delta) {
  if (std::atomic<int64_t>* c = tl_counter)
    c->store(c->load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  else
    g_unowned.fetch_add(delta, std::memory_order_relaxed);
}

inline void* Counted(void* p) {
  if (p != nullptr) Count(static_cast<int64_t>(UsableSize(p)));
  return p;
}

#ifdef SHOAL_SYSTEM_MALLOC
inline void* Malloc(size_t n) { return Counted(std::malloc(n)); }
inline void* Calloc(size_t count, size_t size) { return Counted(std::calloc(count, size)); }
inline void* RawRealloc(void* p, size_t n) { return std::realloc(p, n); }
inline void RawFree(void* p) { std::free(p); }
#else
inline void* Malloc(size_t n) {
  return Counted(tl_heap != nullptr ? mi_heap_malloc(tl_heap, n) : mi_malloc(n));
}
inline void* Calloc(size_t count, size_t size) {
  return Counted(tl_heap != nullptr ? mi_heap_calloc(tl_heap, count, size)
                                    : mi_calloc(count, size));
}
inline void* RawRealloc(void* p, size_t n) {
  return tl_heap != nullptr ? mi_heap_realloc(tl_heap, p, n) : mi_realloc(p, n);
}
inline void RawFree(void* p) { mi_free(p); }
#endif

inline void* Realloc(void* p, size_t n) {
  int64_t before = p != nullptr ? static_cast<int64_t>(UsableSize(p)) : 0;
  void* np = RawRealloc(p, n);
  if (np != nullptr) Count(static_cast<int64_t>(UsableSize(np)) - before);
  return np;
}

inline void Free(void* p) {
  if (p == nullptr) return;
  Count(-static_cast<int64_t>(UsableSize(p)));
  RawFree(p);
}

}  // namespace shoal::mem
