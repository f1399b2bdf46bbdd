// ZSet: the large sorted-set encoding ("skiplist"): member -> score map plus an index ordered by
// (score, member) with rank queries.
// Threading: owned by one shard.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal {

class ZSet {
 public:
  ZSet();
  ~ZSet();
  ZSet(const ZSet& other);  // deep copy
  ZSet& operator=(const ZSet&) = delete;

  size_t MallocSize() const;
  // (the sorted-set helper adds the rest of the API here)
};

}  // namespace shoal
