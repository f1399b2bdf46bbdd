// Placeholder: the data-structure helper replaces this file.
#include "shard/intset.h"

#include <mimalloc.h>

namespace shoal::intset {
void Free(uint8_t* is) { mi_free(is); }
uint8_t* Clone(const uint8_t*) { return nullptr; }
size_t MallocSize(const uint8_t* is) { return mi_usable_size(is); }
}  // namespace shoal::intset
