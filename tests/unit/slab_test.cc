// Slab: size classes, block placement, page release, remote frees from other threads (this file
// runs under TSan too) and the byte counting.
#include "shard/slab.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "shard/alloc.h"
#include "shard/settings.h"

using namespace shoal;

namespace {

struct Block {
  uint8_t* p;
  size_t n;     // requested
  uint8_t tag;  // every byte of the request holds it
};

Block Make(Slab& s, size_t n, uint8_t tag) {
  auto* p = static_cast<uint8_t*>(s.Alloc(n));
  REQUIRE(p != nullptr);
  std::memset(p, tag, n);
  return {p, n, tag};
}

bool Intact(const Block& b) {
  for (size_t i = 0; i < b.n; ++i) {
    if (b.p[i] != b.tag) return false;
  }
  return true;
}

// The calling thread counts into a local counter while alive.
struct CountInto {
  explicit CountInto(std::atomic<int64_t>* c) { mem::SetThreadCounter(c); }
  ~CountInto() { mem::SetThreadCounter(nullptr); }
};

// A slab the calling thread owns (tl_slab) and counts into `counter`, while alive.
struct OwnedSlab {
  std::atomic<int64_t> counter{0};
  CountInto scope{&counter};
  Slab slab;
  OwnedSlab() { tl_slab = &slab; }
  ~OwnedSlab() { tl_slab = nullptr; }
  // Every block freed: nothing counted, and once collected no page held.
  void RequireAllReturned() {
    REQUIRE(counter.load() == 0);
    slab.CollectRemote();
    REQUIRE(slab.pages() == 0);
  }
};

}  // namespace

TEST_CASE("Slab serves every class size and refuses bigger requests", "[slab]") {
  OwnedSlab owned;
  Slab& s = owned.slab;
  std::atomic<int64_t>& counter = owned.counter;
  for (size_t n = 0; n <= Slab::kMaxBlock; ++n) {
    void* p = s.Alloc(n);
    REQUIRE(p != nullptr);
    size_t want = n <= 16 ? 16 : (n + 7) / 8 * 8;
    REQUIRE(Slab::ClassSize(n) == want);
    REQUIRE(Slab::BlockSize(p) == want);
    REQUIRE(reinterpret_cast<uintptr_t>(p) % 8 == 0);
    REQUIRE(counter.load() == static_cast<int64_t>(want));
    Slab::Free(p);
    REQUIRE(counter.load() == 0);
  }
  REQUIRE(s.Alloc(Slab::kMaxBlock + 1) == nullptr);
  REQUIRE(s.Alloc(4096) == nullptr);
  REQUIRE(counter.load() == 0);
  REQUIRE(s.pages() == Slab::kClasses);  // each class keeps its (empty) current page
  REQUIRE(s.page_bytes() == Slab::kClasses * Slab::kPageSize);
  owned.RequireAllReturned();
}

TEST_CASE("Slab blocks do not overlap and keep their bytes through churn", "[slab]") {
  OwnedSlab owned;
  Slab& s = owned.slab;
  std::atomic<int64_t>& counter = owned.counter;
  std::mt19937_64 rng(7);
  std::vector<Block> live;
  uint8_t tag = 0;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 20000; ++i) live.push_back(Make(s, rng() % (Slab::kMaxBlock + 1), ++tag));
    std::shuffle(live.begin(), live.end(), rng);
    for (size_t i = 0; i < live.size() / 2; ++i) {
      REQUIRE(Intact(live.back()));
      Slab::Free(live.back().p);
      live.pop_back();
    }
  }
  std::vector<Block> sorted = live;
  std::sort(sorted.begin(), sorted.end(), [](const Block& a, const Block& b) { return a.p < b.p; });
  int64_t bytes = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Block& b = sorted[i];
    REQUIRE(Intact(b));
    size_t size = Slab::BlockSize(b.p);
    REQUIRE(size == Slab::ClassSize(b.n));
    REQUIRE(reinterpret_cast<uintptr_t>(b.p) % 8 == 0);
    // Inside its page, after the header.
    uintptr_t page = reinterpret_cast<uintptr_t>(b.p) & ~(Slab::kPageSize - 1);
    REQUIRE(reinterpret_cast<uintptr_t>(b.p) >= page + Slab::kPageHeader);
    REQUIRE(reinterpret_cast<uintptr_t>(b.p) + size <= page + Slab::kPageSize);
    if (i + 1 < sorted.size()) REQUIRE(b.p + size <= sorted[i + 1].p);
    bytes += static_cast<int64_t>(size);
  }
  REQUIRE(counter.load() == bytes);
  for (const Block& b : live) Slab::Free(b.p);
  owned.RequireAllReturned();
}

TEST_CASE("Slab releases a page when its last block goes", "[slab]") {
  OwnedSlab owned;
  Slab& s = owned.slab;
  const size_t per_page = Slab::BlocksPerPage(56);
  REQUIRE(per_page == (Slab::kPageSize - Slab::kPageHeader) / 56);
  std::vector<void*> blocks;
  for (size_t i = 0; i < 4 * per_page; ++i) blocks.push_back(s.Alloc(55));
  REQUIRE(s.pages() == 4);
  // Empty the first page (not the current one): it goes at once.
  for (size_t i = 0; i < per_page; ++i) Slab::Free(blocks[i]);
  REQUIRE(s.pages() == 3);
  // One free block in the second page: once the current page is full, the next allocation takes
  // it before a new page.
  Slab::Free(blocks[per_page]);
  void* again = s.Alloc(49);
  REQUIRE(again == blocks[per_page]);
  REQUIRE(s.pages() == 3);
  blocks[per_page] = again;
  blocks.push_back(s.Alloc(50));
  REQUIRE(s.pages() == 4);
  for (size_t i = per_page; i < blocks.size(); ++i) Slab::Free(blocks[i]);
  REQUIRE(s.pages() == 1);  // the current page stays until the cron looks
  owned.RequireAllReturned();
}

// Whether every 4 KiB page of [p, p + n) is resident.
std::vector<bool> Resident(void* p, size_t n) {
  std::vector<unsigned char> v(n / 4096);
  REQUIRE(mincore(p, n, v.data()) == 0);
  std::vector<bool> out;
  for (unsigned char c : v) out.push_back(c & 1);
  return out;
}

TEST_CASE("Slab pages come from 2 MiB chunks and go back to the OS", "[slab]") {
  OwnedSlab owned;
  Slab& s = owned.slab;
  const size_t per_page = Slab::BlocksPerPage(56);
  // Eight chunks' pages and one more: the first kSmallChunks keep 4 KiB pages, the next asks for
  // a huge page.
  const size_t pages = Slab::kSmallChunks * Slab::kPagesPerChunk + 1;
  std::vector<void*> blocks;
  for (size_t i = 0; i < pages * per_page; ++i) {
    blocks.push_back(s.Alloc(56));
    std::memset(blocks.back(), 1, 56);
  }
  REQUIRE(s.pages() == pages);
  REQUIRE(s.chunks() == Slab::kSmallChunks + 1);
  REQUIRE(s.huge_chunks() == 1);
  // Pages are 64 KiB apart inside 2 MiB-aligned chunks: one base per chunk.
  std::vector<uintptr_t> bases;
  for (void* b : blocks) bases.push_back(reinterpret_cast<uintptr_t>(b) & ~(Slab::kChunkSize - 1));
  std::sort(bases.begin(), bases.end());
  bases.erase(std::unique(bases.begin(), bases.end()), bases.end());
  REQUIRE(bases.size() == Slab::kSmallChunks + 1);
  // A page given back while its chunk stays is no longer resident; its neighbours are.
  auto page_of = [](void* b) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(b) & ~(Slab::kPageSize - 1));
  };
  void* third = page_of(blocks[2 * per_page]);
  REQUIRE(Resident(third, Slab::kPageSize) == std::vector<bool>(Slab::kPageSize / 4096, true));
  for (size_t i = 2 * per_page; i < 3 * per_page; ++i) Slab::Free(blocks[i]);
  REQUIRE(s.pages() == pages - 1);
  REQUIRE(s.chunks() == Slab::kSmallChunks + 1);
  REQUIRE(Resident(third, Slab::kPageSize) == std::vector<bool>(Slab::kPageSize / 4096, false));
  REQUIRE(Resident(page_of(blocks[per_page]), 4096) == std::vector<bool>{true});
  // The next page comes from the fullest chunk with room: the same memory, in use again.
  std::vector<void*> more;
  for (size_t i = 0; i < per_page; ++i) more.push_back(s.Alloc(120));
  REQUIRE(page_of(more[0]) == third);
  REQUIRE(s.chunks() == Slab::kSmallChunks + 1);
  for (void* b : more) Slab::Free(b);
  // Everything freed: every chunk is unmapped.
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i < 2 * per_page || i >= 3 * per_page) Slab::Free(blocks[i]);
  }
  owned.RequireAllReturned();
  REQUIRE(s.chunks() == 0);
  REQUIRE(s.huge_chunks() == 0);

  // slab-huge-pages no: chunks mapped from then on keep 4 KiB pages.
  ShardSettings::slab_huge_pages.store(0);
  for (size_t i = 0; i < pages * per_page; ++i) blocks[i] = s.Alloc(56);
  ShardSettings::slab_huge_pages.store(1);
  REQUIRE(s.chunks() == Slab::kSmallChunks + 1);
  REQUIRE(s.huge_chunks() == 0);
  for (size_t i = 0; i < pages * per_page; ++i) Slab::Free(blocks[i]);
  owned.RequireAllReturned();
  REQUIRE(s.chunks() == 0);
}

TEST_CASE("Slab matches a model under random allocs and frees", "[slab]") {
  OwnedSlab owned;
  Slab& s = owned.slab;
  std::atomic<int64_t>& counter = owned.counter;
  std::mt19937_64 rng(GENERATE(1, 2, 3));
  std::vector<Block> live;
  std::vector<size_t> per_class(Slab::kClasses, 0);
  int64_t bytes = 0;
  uint8_t tag = 0;
  auto cls = [](size_t n) { return (Slab::ClassSize(n) - Slab::kMinBlock) / Slab::kStep; };
  for (int step = 0; step < 200000; ++step) {
    // Phases that grow and shrink, so pages fill up and empty again.
    bool grow = (step / 20000) % 2 == 0;
    if (live.empty() || rng() % 100 < (grow ? 70u : 30u)) {
      // Few sizes at a time, so classes hold many blocks.
      size_t n = (rng() % 12) * 23 % (Slab::kMaxBlock + 1 + 40);
      if (n > Slab::kMaxBlock) {
        REQUIRE(s.Alloc(n) == nullptr);
        continue;
      }
      live.push_back(Make(s, n, ++tag));
      REQUIRE(Slab::BlockSize(live.back().p) == Slab::ClassSize(n));
      per_class[cls(n)]++;
      bytes += static_cast<int64_t>(Slab::ClassSize(n));
    } else {
      size_t i = rng() % live.size();
      Block b = live[i];
      live[i] = live.back();
      live.pop_back();
      REQUIRE(Intact(b));
      per_class[cls(b.n)]--;
      bytes -= static_cast<int64_t>(Slab::ClassSize(b.n));
      Slab::Free(b.p);
    }
    REQUIRE(counter.load() == bytes);
    if (step % 1000 == 0) {
      // Each class's pages hold its blocks; beyond what they need, the partly used pages are at
      // most one per page's worth of free blocks (so a bound, not an equality).
      size_t min_pages = 0;
      for (size_t c = 0; c < Slab::kClasses; ++c) {
        size_t per_page = Slab::BlocksPerPage(Slab::kMinBlock + c * Slab::kStep);
        min_pages += (per_class[c] + per_page - 1) / per_page;
      }
      REQUIRE(s.pages() >= min_pages);
    }
  }
  for (const Block& b : live) {
    REQUIRE(Intact(b));
    Slab::Free(b.p);
  }
  REQUIRE(s.pages() <= Slab::kClasses);  // only empty current pages remain
  owned.RequireAllReturned();
}

TEST_CASE("Slab takes frees from other threads and reuses the blocks", "[slab]") {
  std::atomic<int64_t> owner_counter{0};
  CountInto scope(&owner_counter);
  Slab s;
  tl_slab = &s;
  constexpr int kThreads = 3;
  constexpr size_t kPerThread = 20000;
  std::vector<std::vector<Block>> handed(kThreads);
  uint8_t tag = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < kPerThread; ++i) handed[t].push_back(Make(s, 20 + (i % 5) * 8, ++tag));
  }
  const int64_t handed_bytes = owner_counter.load();
  std::atomic<int64_t> thread_counters[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    thread_counters[t].store(0);
    threads.emplace_back([&, t] {
      mem::SetThreadCounter(&thread_counters[t]);  // no tl_slab here: every free is remote
      for (const Block& b : handed[t]) Slab::Free(b.p);
      mem::SetThreadCounter(nullptr);
    });
  }
  // Meanwhile the owner keeps allocating and freeing (same classes) and collecting.
  std::vector<Block> own;
  for (int i = 0; i < 30000; ++i) {
    own.push_back(Make(s, 20 + (i % 5) * 8, ++tag));
    if (i % 3 == 0) {
      Slab::Free(own[own.size() / 2].p);
      own[own.size() / 2] = own.back();
      own.pop_back();
    }
    if (i % 1000 == 0) s.CollectRemote();
  }
  for (std::thread& t : threads) t.join();
  int64_t remote_bytes = 0;
  for (auto& c : thread_counters) remote_bytes += c.load();
  REQUIRE(remote_bytes == -handed_bytes);
  for (const Block& b : own) REQUIRE(Intact(b));

  // After a collect every remote block is free for the owner again (or its page went back):
  // allocating as many again leaves the pages no fuller than the blocks need, plus one partly
  // used page per class.
  s.CollectRemote();
  REQUIRE(s.remote_pending() == 0);
  for (int t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < kPerThread; ++i) own.push_back(Make(s, 20 + (i % 5) * 8, ++tag));
  }
  std::vector<size_t> per_class(Slab::kClasses, 0);
  for (const Block& b : own) per_class[(Slab::ClassSize(b.n) - Slab::kMinBlock) / Slab::kStep]++;
  size_t min_pages = 0;
  for (size_t c = 0; c < Slab::kClasses; ++c) {
    size_t per_page = Slab::BlocksPerPage(Slab::kMinBlock + c * Slab::kStep);
    min_pages += (per_class[c] + per_page - 1) / per_page;
  }
  REQUIRE(s.pages() >= min_pages);
  REQUIRE(s.pages() <= min_pages + 5);
  int64_t own_bytes = 0;
  for (const Block& b : own) {
    REQUIRE(Intact(b));
    own_bytes += static_cast<int64_t>(Slab::BlockSize(b.p));
  }
  REQUIRE(owner_counter.load() + remote_bytes == own_bytes);

  // Blocks freed remotely only: the collect releases their pages.
  std::thread([&] {
    for (const Block& b : own) Slab::Free(b.p);
  }).join();
  REQUIRE(s.remote_pending() == static_cast<int64_t>(own.size()));
  s.CollectRemote();
  REQUIRE(s.remote_pending() == 0);
  REQUIRE(s.pages() == 0);
  tl_slab = nullptr;
}

TEST_CASE("Slab leaves pages with live blocks valid after it is gone", "[slab]") {
  std::vector<void*> blocks;
  {
    Slab s;
    tl_slab = &s;
    for (int i = 0; i < 10; ++i) blocks.push_back(s.Alloc(40));
    Slab::Free(blocks.back());  // local
    blocks.pop_back();
    tl_slab = nullptr;
  }
  // An orphaned page: frees from any thread are remote and harmless. The page and the counter
  // stay allocated on purpose; a global keeps a pointer into the page so that LeakSanitizer sees
  // it reachable.
  static void* const* orphan = new void*(blocks.front());
  REQUIRE(*orphan == blocks.front());
  Slab other;
  tl_slab = &other;
  for (void* p : blocks) {
    REQUIRE(Slab::BlockSize(p) == 40);
    std::memset(p, 1, 40);
    Slab::Free(p);
  }
  tl_slab = nullptr;
}
