// Strings: GET SET ... (Redis t_string.c semantics). Handlers run on the owning shard (kShard) or
// coordinate several shards (kMulti: MGET, MSET, MSETNX, LCS).
#include <cstring>
#include <memory>

#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/string_util.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

// ---- GET ----
void CmdGet(ArgSlice args, CommandContext& ctx) {
  Slot* s = ctx.slice().FindAndTouch(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Null();
  const Entry* e = s->entry();
  if (e->type() != ObjType::kString) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  ctx.rb->Bulk(e->StringBytes(buf));
}

// ---- SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] ----
void CmdSet(ArgSlice args, CommandContext& ctx) {
  SetParams p;
  std::string err = ParseSetOptions(args, 3, /*allow_get=*/true, ctx.slice().now_ms(), "set", &p);
  if (!err.empty()) return ctx.rb->Error(err);
  SetString(ctx, args[1], args[2], p);
}

// ---- MGET key [key ...] ----
void CmdMget(ArgSlice args, CommandContext& ctx) {
  struct State {
    std::vector<std::string> values;
    std::vector<char> present;
  };
  auto st = std::make_shared<State>();
  st->values.resize(args.size());
  st->present.resize(args.size(), 0);
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); ++i) pos.push_back(i);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  RunOnKeyShards(
      ctx, args, pos, /*write=*/false,
      [st, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
        DbSlice& slice = shard.db_slice();
        char buf[32];
        for (uint32_t p : mine) {
          Slot* s = slice.FindAndTouch(db, args[p]);
          if (s == nullptr || s->entry()->type() != ObjType::kString) continue;
          st->values[p] = s->entry()->StringBytes(buf);
          st->present[p] = 1;
        }
      },
      [st, c, n = args.size()] {
        c->rb->Array(n - 1);
        for (size_t i = 1; i < n; ++i) {
          if (st->present[i])
            c->rb->Bulk(st->values[i]);
          else
            c->rb->Null();
        }
        c->Done();
      });
}

// ---- MSET / MSETNX ----
void MsetGeneric(ArgSlice args, CommandContext& ctx, bool nx) {
  if (args.size() % 2 == 0) {
    return ctx.rb->Error("ERR wrong number of arguments for '" + ctx.cid->name + "' command");
  }
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); i += 2) pos.push_back(i);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  if (!nx) {
    RunOnKeyShards(
        ctx, args, pos, /*write=*/true,
        [args, db](Shard& shard, const std::vector<uint32_t>& mine) {
          for (uint32_t p : mine) {
            SetParams sp;
            PutString(shard.db_slice(), db, args[p], args[p + 1], sp);
          }
        },
        [c] {
          c->rb->Ok();
          c->Done();
        });
    return;
  }
  // MSETNX: check every key, then write only if none exists, all while the shards are armed (on
  // one shard the same steps run inline).
  auto any_exists = std::make_shared<std::atomic<bool>>(false);
  auto groups = std::make_shared<KeysByShard>(GroupKeys(args, pos));
  auto tx = Transaction::Create(ctx, groups->shards);
  tx->Arm([tx, groups, any_exists, args, db, c] {
    tx->Hop(
        [groups, any_exists, args, db](Shard& shard) {
          for (uint32_t p : groups->For(shard.id()))
            if (shard.db_slice().Find(db, args[p]) != nullptr) any_exists->store(true);
        },
        false,
        [tx, groups, any_exists, args, db, c] {
          bool exists = any_exists->load();
          tx->Hop(
              [groups, exists, args, db](Shard& shard) {
                if (exists) return;
                for (uint32_t p : groups->For(shard.id()))
                  PutString(shard.db_slice(), db, args[p], args[p + 1], SetParams{});
              },
              true,
              [c, exists] {
                c->rb->Integer(exists ? 0 : 1);
                c->Done();
              });
        });
  });
}

void CmdMset(ArgSlice args, CommandContext& ctx) { MsetGeneric(args, ctx, false); }
void CmdMsetnx(ArgSlice args, CommandContext& ctx) { MsetGeneric(args, ctx, true); }

}  // namespace

void RegisterStringFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  constexpr uint64_t kReadAcl = acl_cat::kRead | acl_cat::kString;
  constexpr uint64_t kWriteAcl = acl_cat::kWrite | acl_cat::kString;
  auto add = [&](auto&&... a) { r.Add(MakeCommand("string", a...)); };
  add("get", 2, kReadOnly | kFast, 1, 1, 1, kReadAcl | acl_cat::kFast, CmdMode::kShard, CmdGet,
      "Get the value of a key", "1.0.0");
  add("set", -3, kWrite | kDenyOom, 1, 1, 1, kWriteAcl | acl_cat::kSlow, CmdMode::kShard, CmdSet,
      "Set the string value of a key", "1.0.0");
  add("mget", -2, kReadOnly | kFast, 1, -1, 1, kReadAcl | acl_cat::kFast, CmdMode::kMulti, CmdMget,
      "Get the values of all the given keys", "1.0.0");
  add("mset", -3, kWrite | kDenyOom, 1, -1, 2, kWriteAcl | acl_cat::kSlow, CmdMode::kMulti, CmdMset,
      "Set multiple keys to multiple values", "1.0.1");
  add("msetnx", -3, kWrite | kDenyOom, 1, -1, 2, kWriteAcl | acl_cat::kSlow, CmdMode::kMulti,
      CmdMsetnx, "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1");
  RegisterMoreStringCommands(r);
}

}  // namespace shoal
