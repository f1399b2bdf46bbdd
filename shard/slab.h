// Slab: one shard's allocator for small blocks (Entry blocks), with 8-byte size classes.
//
// mimalloc rounds small sizes to 16 bytes and, above 128, to 25% steps; an entry block of a
// 16-byte key and a 32-byte value (55 bytes) takes 64 there and 56 here. Classes are 16..256
// bytes in 8-byte steps; Alloc refuses bigger requests (nullptr: the caller takes mem::Malloc).
//
// Pages are 64 KiB, aligned to 64 KiB, so a block finds its page header by masking its address:
//   [Page header][block][block]...   one size class per page
// A page keeps a local free list (owner only), a bump offset for never-used blocks, and a
// remote free list (an atomic stack any thread pushes to; the owner takes it whole).
//
// Threading. The owner is the thread that currently works on the shard's data: the shard thread,
// or a thread the parked shard is lent to (LentShardScope). That thread sets tl_slab to the
// shard's Slab; Alloc, CollectRemote and the stats' writes happen there only. Free runs on any
// thread: when tl_slab is the block's Slab it is a local free (no atomics), else a remote one
// (the lazyfree thread, another shard after RENAME/MOVE, shutdown): one push and one counter
// increment, no mutex. Remote blocks come back to the local lists when the owner collects them
// (CollectRemote on the shard's cron, and before a new page is taken).
//
// Invariants (per size class): `current` is the page Alloc serves from; the other pages have
// used all their bump space, and those with local free blocks are on the class's partial list.
// A page's `live` counts blocks handed out and not yet collected back (a block on the remote
// list is still live), so live == 0 means no thread holds or is freeing a block of the page:
// such a page (not the current one) goes back to the heap at once.
//
// Pages come from 2 MiB chunks mapped from the OS, 32 pages each, so a page costs 64 KiB of
// address space (a 64 KiB-aligned block from the heap took 128). Once a shard holds
// kSmallChunks chunks (16 MiB of entries), each further chunk asks for a transparent huge page
// (MADV_HUGEPAGE): a keyspace of millions of entries is read through one TLB entry per 2 MiB
// instead of one per 4 KiB, which is most of what a lookup's cache miss costs on a virtual
// machine (docs/BENCHMARKS.md). The small-page chunks first keep a shard with few keys at the
// memory it touched: a huge page is resident whole, so each shard's last chunk may hold up to
// 2 MiB it does not use yet, which only a shard of 16 MiB or more pays. `slab-huge-pages no`
// keeps every chunk mapped from then on on 4 KiB pages (for hosts where the kernel's huge-page
// compaction stalls). A page given back inside a chunk still in use is returned to the OS
// (MADV_DONTNEED), a chunk with no page in use is unmapped: resident memory follows the pages
// held, as before.
//
// Sanitizer builds (SHOAL_SYSTEM_MALLOC) compile and test this class, but entries do not use it
// there: ASan must see each entry's own bounds (shard/entry.cc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace shoal {

class Slab {
 public:
  static constexpr size_t kPageSize = 64 << 10;
  static constexpr size_t kMinBlock = 16;
  static constexpr size_t kMaxBlock = 256;
  static constexpr size_t kStep = 8;
  static constexpr size_t kClasses = (kMaxBlock - kMinBlock) / kStep + 1;
  static constexpr size_t kPageHeader = 96;      // blocks start here, 16-byte aligned
  static constexpr size_t kChunkSize = 2 << 20;  // one transparent huge page
  static constexpr size_t kPagesPerChunk = kChunkSize / kPageSize;
  static constexpr size_t kSmallChunks = 8;  // chunks on 4 KiB pages before huge ones

  Slab();
  // Frees the pages without live blocks. A page whose blocks still live elsewhere (an entry moved
  // to another shard's table) is left allocated and orphaned, with the counter remote frees
  // touch: those blocks stay valid and their frees go nowhere (a leak at shutdown only).
  ~Slab();
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  // Owner only. A block of at least n bytes (its class size), or nullptr when n > kMaxBlock or
  // the page allocation failed. Counts the class size into the calling thread's mem counter.
  void* Alloc(size_t n);
  // Any thread. Counts -BlockSize(p) into the calling thread's mem counter (as mem::Free).
  static void Free(void* p);
  // The class size of a block from any Slab.
  static size_t BlockSize(const void* p);
  // The class size serving n bytes (n <= kMaxBlock).
  static constexpr size_t ClassSize(size_t n) {
    return n <= kMinBlock ? kMinBlock : (n + kStep - 1) / kStep * kStep;
  }

  // How many blocks of n bytes one page holds.
  static constexpr size_t BlocksPerPage(size_t n) {
    return (kPageSize - kPageHeader) / ClassSize(n);
  }

  // Owner only (the shard's cron). Moves blocks other threads freed back to the local lists and
  // releases the pages that became empty, and each class's current page when it is empty (kept
  // until then, so that allocating and freeing one block does not take and drop a page each
  // time). Cheap when no remote free happened since the last call: a load and a look at each
  // class's current page.
  void CollectRemote();

  // Any thread (relaxed reads): pages held and their bytes.
  size_t pages() const { return pages_.load(std::memory_order_relaxed); }
  size_t page_bytes() const { return pages() * kPageSize; }
  // Any thread (a relaxed read): chunks mapped, and those of them marked for huge pages.
  size_t chunks() const { return chunks_count_.load(std::memory_order_relaxed); }
  size_t huge_chunks() const { return huge_count_.load(std::memory_order_relaxed); }
  // Remote frees not collected yet (a relaxed read; for tests).
  int64_t remote_pending() const { return pending_->load(std::memory_order_relaxed); }

 private:
  struct Page;
  struct Chunk {
    uintptr_t base;
    uint32_t used;  // bit i: page i is in use
    bool huge;
  };
  static_assert(kPagesPerChunk == 32, "Chunk::used has a bit per page");
  struct Class {
    Page* current = nullptr;
    Page* all = nullptr;      // every page of the class (doubly linked)
    Page* partial = nullptr;  // non-current pages with local free blocks (doubly linked)
  };

  static Page* PageOf(const void* p) {
    return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~(kPageSize - 1));
  }
  // A free block of the page (local list, then bump space, then its remote list); nullptr when
  // it has none.
  static void* Take(Page* pg);
  // Moves the page's remote list to its local list; returns how many blocks it moved.
  static size_t CollectPage(Page* pg);
  void* AllocSlow(size_t cls);
  // A page's memory from the fullest chunk with room, or a new chunk; nullptr when the OS
  // refuses the mapping. GivePageMemory returns it (owner only, both).
  void* TakePageMemory();
  void GivePageMemory(void* p);
  void FreeLocal(Page* pg, void* p);
  Page* NewPage(size_t cls);
  void ReleasePage(Page* pg);
  void AddPartial(Page* pg);
  void RemovePartial(Page* pg);
  void Sweep();

  Class classes_[kClasses];
  // Remote frees not collected yet: incremented by the freeing thread before its push, so the
  // owner never sees it below the blocks it collects. A heap object because orphaned pages point
  // to it after this Slab is gone (see ~Slab).
  std::atomic<int64_t>* pending_;
  std::atomic<size_t> pages_{0};
  std::vector<Chunk> chunks_;  // by base address
  std::atomic<size_t> chunks_count_{0};
  std::atomic<size_t> huge_count_{0};
};

// The Slab of the shard whose data the calling thread works on now; null elsewhere (connection
// setup, the lazyfree thread, tests). Set by Shard::Start and LentShardScope.
inline thread_local Slab* tl_slab = nullptr;

}  // namespace shoal
