#include "shard/hash.h"

#include <random>

namespace shoal {

const uint64_t kProcessHashSeed = [] {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}();

}  // namespace shoal
