#include "server/propagate.h"

#include <absl/strings/str_cat.h>

#include "server/multi_key.h"
#include "shard/settings.h"

namespace shoal {

void RecordCommand(ArgSlice args, const CommandContext& ctx, journal::Unit* into) {
  if (!ctx.propagate_self || !journal::Enabled()) return;
  if (ctx.rewrite.empty()) {
    if (into != nullptr) return into->Append(ctx.db_index, args);
    return journal::Record(ctx.db_index, args);
  }
  absl::InlinedVector<std::string_view, 8> argv(ctx.rewrite.begin(), ctx.rewrite.end());
  if (into != nullptr) return into->Append(ctx.db_index, argv);
  journal::Record(ctx.db_index, argv);
}

uint64_t DirtyOf(std::span<Shard* const> shards) {
  uint64_t sum = 0;
  for (Shard* s : shards) sum += s->db_slice().dirty();
  return sum;
}

void InvokeRecorded(ArgSlice args, CommandContext& ctx, std::span<Shard* const> shards) {
  if (!journal::Enabled()) return InvokeHandler(args, ctx);
  uint64_t before = DirtyOf(shards);
  InvokeHandler(args, ctx);
  if (DirtyOf(shards) != before || ctx.changed) RecordCommand(args, ctx);
}

std::string MsString(int64_t ms) { return absl::StrCat(ms); }

void PropagateExpiredDelete(CommandContext& ctx, std::string_view key) {
  bool lazy = ShardSettings::Get(ShardSettings::lazyfree_lazy_expire) != 0;
  ctx.Propagate({lazy ? "UNLINK" : "DEL", std::string(key)});
}

}  // namespace shoal
