// Placeholder: the data-structure helper replaces this file.
#include "shard/listpack.h"

#include <mimalloc.h>

namespace shoal::lp {
void Free(uint8_t* lp) { mi_free(lp); }
uint8_t* Clone(const uint8_t*) { return nullptr; }
size_t MallocSize(const uint8_t* lp) { return mi_usable_size(lp); }
}  // namespace shoal::lp
