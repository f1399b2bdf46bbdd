// SAVE, BGSAVE, LASTSAVE (Redis's rdb.c commands). The jobs themselves are server/persistence.h;
// SHUTDOWN and DEBUG RELOAD are in server_family.cc and use it too.
#include <string>

#include "base/ascii.h"
#include "server/aof.h"
#include "server/command_context.h"
#include "server/command_registry.h"
#include "server/error_strings.h"
#include "server/persistence.h"
#include "server/transaction.h"

namespace shoal {
namespace {

// SAVE: Redis blocks the whole server while it writes; Shoal saves the same instant (the cut)
// while every other client goes on, and replies once the file is on disk.
void CmdSave(ArgSlice, CommandContext& ctx) {
  CommandContext* c = &ctx;
  persistence::StartSave(
      persistence::SaveMode::kForeground,
      [c](absl::Status st) {
        if (st.ok()) return;
        c->rb->Error(std::string(st.message()));
        c->Done();
      },
      [c](absl::Status st, std::shared_ptr<Transaction>) {
        if (st.ok()) {
          c->rb->Ok();
        } else {
          c->rb->Error("ERR");  // Redis's shared.err
        }
        c->Done();
      });
}

// BGSAVE [SCHEDULE]: inside MULTI/EXEC it is scheduled, as Redis does while in_exec.
void CmdBgsave(ArgSlice args, CommandContext& ctx) {
  if (args.size() > 1 && !(args.size() == 2 && EqNoCase(args[1], "schedule"))) {
    ctx.rb->Error(errors::kSyntax);
    return ctx.Done();
  }
  if (persistence::AofRewriteRunning()) {
    // As Redis with an AOF child: scheduled on request, refused otherwise.
    if (args.size() == 2) {
      persistence::ScheduleBgsave();
      ctx.rb->Simple("Background saving scheduled");
    } else {
      ctx.rb->Error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    return ctx.Done();
  }
  if (persistence::SaveInProgress()) {
    ctx.rb->Error("ERR Background save already in progress");
    return ctx.Done();
  }
  if (ctx.tx != nullptr) {
    persistence::ScheduleBgsave();
    ctx.rb->Simple("Background saving scheduled");
    return ctx.Done();
  }
  CommandContext* c = &ctx;
  persistence::StartSave(
      persistence::SaveMode::kBackground,
      [c](absl::Status st) {
        if (st.ok()) {
          c->rb->Simple("Background saving started");
        } else {
          c->rb->Error(std::string(st.message()));
        }
        c->Done();
      },
      nullptr);
}

void CmdBgrewriteaof(ArgSlice, CommandContext& ctx) { aof::BgRewrite(ctx); }

void CmdLastsave(ArgSlice, CommandContext& ctx) {
  ctx.rb->Integer(persistence::LastSaveTime());
  ctx.Done();
}

}  // namespace

void RegisterPersistenceFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(0, {
      {.name = "save", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
       .mode = kMulti, .fn = CmdSave},
      {.name = "bgsave", .arity = -1, .flags = kAdmin | kNoScript | kNoAsyncLoading,
       .mode = kMulti, .fn = CmdBgsave},
      {.name = "bgrewriteaof", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading,
       .mode = kMulti, .fn = CmdBgrewriteaof},
      {.name = "lastsave", .arity = 1, .flags = kLoading | kStale | kFast, .mode = kMulti,
       .fn = CmdLastsave, .acl = acl_cat::kAdmin | acl_cat::kDangerous},
  });
  // clang-format on
}

}  // namespace shoal
