// Heap calls of the shard data structures (entries, listpacks, intsets, tables, quicklists,
// skiplists). mimalloc in normal builds. Sanitizer builds define SHOAL_SYSTEM_MALLOC and get the C
// library's allocator instead, so ASan sees every block's bounds and lifetime (it cannot see
// inside mimalloc's pages).
#pragma once

#include <cstddef>

#ifdef SHOAL_SYSTEM_MALLOC
#include <malloc.h>

#include <cstdlib>
#else
#include <mimalloc.h>
#endif

namespace shoal::mem {

#ifdef SHOAL_SYSTEM_MALLOC
inline void* Malloc(size_t n) { return std::malloc(n); }
inline void* Calloc(size_t count, size_t size) { return std::calloc(count, size); }
inline void* Realloc(void* p, size_t n) { return std::realloc(p, n); }
inline void Free(void* p) { std::free(p); }
inline size_t UsableSize(const void* p) { return malloc_usable_size(const_cast<void*>(p)); }
#else
inline void* Malloc(size_t n) { return mi_malloc(n); }
inline void* Calloc(size_t count, size_t size) { return mi_calloc(count, size); }
inline void* Realloc(void* p, size_t n) { return mi_realloc(p, n); }
inline void Free(void* p) { mi_free(p); }
inline size_t UsableSize(const void* p) { return mi_usable_size(p); }
#endif

}  // namespace shoal::mem
