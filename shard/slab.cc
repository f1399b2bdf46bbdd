#include "shard/slab.h"

#include <sys/mman.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <algorithm>
#include <bit>
#include <new>

#include "shard/alloc.h"
#include "shard/settings.h"

namespace shoal {

struct Slab::Page {
  // Null once the Slab is gone with blocks of this page alive (every free is remote then).
  std::atomic<Slab*> owner;
  std::atomic<int64_t>* pending;
  std::atomic<void*> remote{nullptr};  // blocks freed by other threads (a Treiber stack)
  uint32_t block_size;
  uint32_t capacity;
  uint32_t live = 0;
  uint32_t bumped = 0;    // blocks handed out from the never-used space
  void* local = nullptr;  // owner's free list
  Page* prev = nullptr;
  Page* next = nullptr;
  Page* pprev = nullptr;
  Page* pnext = nullptr;
  bool in_partial = false;
  uint8_t cls;

  uint8_t* blocks() { return reinterpret_cast<uint8_t*>(this) + kPageHeader; }
};

namespace {

void* Next(void* b) { return *static_cast<void**>(b); }
void SetNext(void* b, void* next) { *static_cast<void**>(b) = next; }

// A 2 MiB-aligned, 2 MiB mapping: twice the size mapped, the ends trimmed.
void* MapChunk(bool huge) {
  constexpr size_t kSize = Slab::kChunkSize;
  void* raw = mmap(nullptr, 2 * kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t base = (start + kSize - 1) & ~(kSize - 1);
  if (base > start) munmap(raw, base - start);
  if (uintptr_t end = start + 2 * kSize; end > base + kSize)
    munmap(reinterpret_cast<void*>(base + kSize), end - (base + kSize));
  // Refused where the kernel has no transparent huge pages: the chunk then has 4 KiB pages.
  if (huge) madvise(reinterpret_cast<void*>(base), kSize, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(base);
}

}  // namespace

size_t Slab::CollectPage(Page* pg) {
  // acquire: pairs with the pushers' release, so their writes to the blocks happened before.
  void* list = pg->remote.exchange(nullptr, std::memory_order_acquire);
  if (list == nullptr) return 0;
  size_t n = 1;
  void* tail = list;
  while (Next(tail) != nullptr) {
    tail = Next(tail);
    n++;
  }
  SetNext(tail, pg->local);
  pg->local = list;
  pg->live -= static_cast<uint32_t>(n);
  pg->pending->fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
  return n;
}

inline void* Slab::Take(Page* pg) {
  void* b = pg->local;
  if (b == nullptr) {
    if (pg->bumped < pg->capacity) {
      b = pg->blocks() + size_t{pg->bumped++} * pg->block_size;
      pg->live++;
      return b;
    }
    if (pg->remote.load(std::memory_order_relaxed) == nullptr) return nullptr;
    CollectPage(pg);
    b = pg->local;
  }
  pg->local = Next(b);
  pg->live++;
  return b;
}

Slab::Slab() : pending_(new std::atomic<int64_t>(0)) {
  static_assert(sizeof(Page) <= kPageHeader && kPageHeader % 16 == 0);
}

Slab::~Slab() {
  // Every thread that touched this Slab as its owner has handed it back (the shard thread has
  // ended); blocks may still be freed remotely, and those pages must outlive us.
  bool orphans = false;
  for (Class& k : classes_) {
    Page* pg = k.all;
    while (pg != nullptr) {
      Page* next = pg->next;
      CollectPage(pg);
      if (pg->live == 0) {
        pg->~Page();
        GivePageMemory(pg);
      } else {
        pg->owner.store(nullptr, std::memory_order_relaxed);
        orphans = true;
#ifdef __SANITIZE_ADDRESS__
        // The page is OS memory, which LeakSanitizer does not scan: it would report the
        // counter the page points to (kept on purpose) as leaked.
        __lsan_register_root_region(pg, kPageSize);
#endif
      }
      pg = next;
    }
  }
  // With no live block left no thread can be inside a remote free (a block is pushed after the
  // counter's increment and is live until collected), so the counter may go.
  if (!orphans) delete pending_;
}

void* Slab::Alloc(size_t n) {
  if (n > kMaxBlock) return nullptr;
  size_t cls = n <= kMinBlock ? 0 : (n - kMinBlock + kStep - 1) / kStep;
  void* b = nullptr;
  if (Page* pg = classes_[cls].current; pg != nullptr) b = Take(pg);
  if (b == nullptr) {
    b = AllocSlow(cls);
    if (b == nullptr) return nullptr;
  }
  mem::Count(static_cast<int64_t>(kMinBlock + cls * kStep));
  return b;
}

void* Slab::AllocSlow(size_t cls) {
  Class& k = classes_[cls];
  // A page with free blocks the owner freed (or collected) before.
  if (Page* pg = k.partial; pg != nullptr) {
    RemovePartial(pg);
    k.current = pg;
    return Take(pg);
  }
  // Blocks other threads freed, before taking a new page: this class's may serve right away,
  // and the other classes' pages that became empty go back to the heap.
  if (pending_->load(std::memory_order_relaxed) != 0) {
    Sweep();
    if (k.current != nullptr) {
      if (void* b = Take(k.current)) return b;
    }
    if (Page* pg = k.partial; pg != nullptr) {
      RemovePartial(pg);
      k.current = pg;
      return Take(pg);
    }
  }
  Page* pg = NewPage(cls);
  if (pg == nullptr) return nullptr;
  k.current = pg;
  return Take(pg);
}

void Slab::Free(void* p) {
  Page* pg = PageOf(p);
  mem::Count(-static_cast<int64_t>(pg->block_size));
  Slab* s = tl_slab;
  if (s != nullptr && pg->owner.load(std::memory_order_relaxed) == s) {
    s->FreeLocal(pg, p);
    return;
  }
  // Counter first: while the block is not on the list it is live, which keeps the page and the
  // counter allocated (see ~Slab). Only the owner takes the list, and whole (exchange), so a
  // plain Treiber push has no ABA.
  pg->pending->fetch_add(1, std::memory_order_relaxed);
  void* head = pg->remote.load(std::memory_order_relaxed);
  do {
    SetNext(p, head);
  } while (!pg->remote.compare_exchange_weak(head, p, std::memory_order_release,
                                             std::memory_order_relaxed));
}

size_t Slab::BlockSize(const void* p) { return PageOf(p)->block_size; }

void Slab::FreeLocal(Page* pg, void* p) {
  SetNext(p, pg->local);
  pg->local = p;
  pg->live--;
  Class& k = classes_[pg->cls];
  if (pg == k.current) return;
  if (pg->live == 0) {
    ReleasePage(pg);
  } else if (!pg->in_partial) {
    AddPartial(pg);  // it was full
  }
}

void Slab::CollectRemote() {
  if (pending_->load(std::memory_order_relaxed) != 0) Sweep();
  for (Class& k : classes_) {
    if (k.current != nullptr && k.current->live == 0) ReleasePage(k.current);
  }
}

void Slab::Sweep() {
  for (Class& k : classes_) {
    Page* pg = k.all;
    while (pg != nullptr) {
      Page* next = pg->next;
      if (pg->remote.load(std::memory_order_relaxed) != nullptr && CollectPage(pg) != 0 &&
          pg != k.current) {
        if (pg->live == 0) {
          ReleasePage(pg);
        } else if (!pg->in_partial) {
          AddPartial(pg);
        }
      }
      pg = next;
    }
  }
}

void* Slab::TakePageMemory() {
  constexpr uint32_t kAll = ~uint32_t{0};
  // The fullest chunk with room, so that the emptier ones may drain and be unmapped.
  auto it = chunks_.end();
  int best = -1;
  for (auto c = chunks_.begin(); c != chunks_.end(); ++c) {
    int n = std::popcount(c->used);
    if (c->used != kAll && n > best) {
      best = n;
      it = c;
    }
  }
  if (it == chunks_.end()) {
    bool huge =
        chunks_.size() >= kSmallChunks && ShardSettings::Get(ShardSettings::slab_huge_pages) != 0;
    void* base = MapChunk(huge);
    if (base == nullptr) return nullptr;
    Chunk c{reinterpret_cast<uintptr_t>(base), 0, huge};
    it = chunks_.insert(std::upper_bound(chunks_.begin(), chunks_.end(), c.base,
                                         [](uintptr_t b, const Chunk& x) { return b < x.base; }),
                        c);
    chunks_count_.store(chunks_.size(), std::memory_order_relaxed);
    if (huge)
      huge_count_.store(huge_count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  unsigned i = static_cast<unsigned>(std::countr_one(it->used));
  it->used |= uint32_t{1} << i;
  return reinterpret_cast<void*>(it->base + i * kPageSize);
}

void Slab::GivePageMemory(void* p) {
  uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  uintptr_t base = addr & ~(kChunkSize - 1);
  auto it = std::lower_bound(chunks_.begin(), chunks_.end(), base,
                             [](const Chunk& x, uintptr_t b) { return x.base < b; });
  it->used &= ~(uint32_t{1} << ((addr - base) / kPageSize));
  if (it->used != 0) {
    // The chunk stays: its other pages hold blocks. This page's memory goes back to the OS (a
    // huge page is split for it); the next use of the page faults it in again.
    madvise(p, kPageSize, MADV_DONTNEED);
    return;
  }
  munmap(reinterpret_cast<void*>(base), kChunkSize);
  if (it->huge)
    huge_count_.store(huge_count_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  chunks_.erase(it);
  chunks_count_.store(chunks_.size(), std::memory_order_relaxed);
}

Slab::Page* Slab::NewPage(size_t cls) {
  void* mem = TakePageMemory();
  if (mem == nullptr) return nullptr;
  auto* pg = new (mem) Page;
  pg->owner.store(this, std::memory_order_relaxed);
  pg->pending = pending_;
  pg->block_size = static_cast<uint32_t>(kMinBlock + cls * kStep);
  pg->capacity = static_cast<uint32_t>((kPageSize - kPageHeader) / pg->block_size);
  pg->cls = static_cast<uint8_t>(cls);
  Class& k = classes_[cls];
  pg->next = k.all;
  if (k.all != nullptr) k.all->prev = pg;
  k.all = pg;
  pages_.store(pages_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return pg;
}

void Slab::ReleasePage(Page* pg) {
  Class& k = classes_[pg->cls];
  if (pg->in_partial) RemovePartial(pg);
  if (pg->prev != nullptr)
    pg->prev->next = pg->next;
  else
    k.all = pg->next;
  if (pg->next != nullptr) pg->next->prev = pg->prev;
  if (k.current == pg) k.current = nullptr;
  pages_.store(pages_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  pg->~Page();
  GivePageMemory(pg);
}

void Slab::AddPartial(Page* pg) {
  Class& k = classes_[pg->cls];
  pg->pprev = nullptr;
  pg->pnext = k.partial;
  if (k.partial != nullptr) k.partial->pprev = pg;
  k.partial = pg;
  pg->in_partial = true;
}

void Slab::RemovePartial(Page* pg) {
  Class& k = classes_[pg->cls];
  if (pg->pprev != nullptr)
    pg->pprev->pnext = pg->pnext;
  else
    k.partial = pg->pnext;
  if (pg->pnext != nullptr) pg->pnext->pprev = pg->pprev;
  pg->pprev = pg->pnext = nullptr;
  pg->in_partial = false;
}

}  // namespace shoal
