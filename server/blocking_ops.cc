// Placeholder until the blocking implementation lands.
#include "server/blocking_ops.h"

namespace shoal {
void RunBlockingPop(CommandContext& ctx, ArgSlice, BlockingPop) {
  ctx.rb->Error("ERR blocking commands are not implemented yet");
  ctx.Done();
}
}  // namespace shoal
