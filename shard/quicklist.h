// QuickList: the list encoding ("quicklist"): a doubly linked list of listpack nodes, each node
// bounded by list-max-listpack-size (negative: -1..-5 = 4/8/16/32/64 KB per node; positive: max
// elements per node), as Redis 7.0's quicklist (no compression).
// Threading: owned by one shard.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal {

class QuickList {
 public:
  QuickList();
  ~QuickList();
  QuickList(const QuickList& other);  // deep copy
  QuickList& operator=(const QuickList&) = delete;

  size_t MallocSize() const;  // nodes plus their listpacks
  // (the list helper adds the rest of the API here)
};

}  // namespace shoal
