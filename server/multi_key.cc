#include "server/multi_key.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "base/ascii.h"
#include "server/server_state.h"
#include "shard/clock.h"
#include "shard/shard_set.h"

namespace shoal {

const std::vector<uint32_t>& KeysByShard::For(uint32_t shard_id) const {
  static const std::vector<uint32_t> kEmpty;
  auto it = std::lower_bound(shards.begin(), shards.end(), shard_id);
  if (it == shards.end() || *it != shard_id) return kEmpty;
  return positions[it - shards.begin()];
}

KeysByShard GroupKeys(ArgSlice args, const std::vector<uint32_t>& positions) {
  KeysByShard g;
  std::vector<std::pair<uint32_t, uint32_t>> owned;  // (shard, position)
  owned.reserve(positions.size());
  for (uint32_t p : positions) owned.emplace_back(Server().shards->ShardOf(args[p]), p);
  std::stable_sort(owned.begin(), owned.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [s, p] : owned) {
    if (g.shards.empty() || g.shards.back() != s) {
      g.shards.push_back(s);
      g.positions.emplace_back();
    }
    g.positions.back().push_back(p);
  }
  return g;
}

void InvokeHandler(ArgSlice args, CommandContext& ctx) { ctx.cid->handler(args, ctx); }

void RecordCall(uint32_t thread, const CommandId* cid, uint64_t t0, const std::string* out,
                size_t before) {
  CmdStat& st = Server().cmd_stats[thread][cid->index];
  Bump(st.calls);
  Bump(st.ticks, Ticks() - t0);
  if (out->size() > before && (*out)[before] == '-') Bump(st.failed);
}

void FeedMonitorLine(const CommandId* cid, DbIndex db, std::string_view addr, ArgSlice args) {
  if ((cid = Server().registry.Resolve(*cid, args)) == nullptr) return;
  if (cid->flags & (cmd_flag::kAdmin | cmd_flag::kSkipMonitor)) return;
  bool auth = cid->name == "auth";
  if (!auth && cid->name != "hello")
    return pubsub::FeedMonitors(db, addr, args.data(), args.size());
  // Redis's redactClientCommandArgument: AUTH's arguments, HELLO AUTH's user name and password.
  std::vector<std::string_view> shown(args.begin(), args.end());
  for (size_t j = 1; j < shown.size(); ++j) {
    if (auth) {
      shown[j] = "(redacted)";
    } else if (EqNoCase(args[j], "auth") && j + 2 < shown.size()) {
      shown[j + 1] = shown[j + 2] = "(redacted)";
      j += 2;
    }
  }
  pubsub::FeedMonitors(db, addr, shown.data(), shown.size());
}

std::vector<uint32_t> KeyPositionsOf(const CommandContext& ctx, ArgSlice args) {
  std::vector<uint32_t> pos;
  CommandRegistry::KeyPositions(*ctx.cid, args, &pos);
  return pos;
}

void RunOnKeyShards(CommandContext& ctx, ArgSlice args, const std::vector<uint32_t>& positions,
                    bool write, std::function<void(Shard&, const std::vector<uint32_t>&)> fn,
                    std::function<void()> then) {
  if (ctx.shard != nullptr) {
    fn(*ctx.shard, positions);
    then();
    return;
  }
  auto groups = std::make_shared<KeysByShard>(GroupKeys(args, positions));
  auto tx = Transaction::Create(ctx, groups->shards);
  tx->Execute([groups, fn = std::move(fn)](Shard& s) { fn(s, groups->For(s.id())); }, write,
              std::move(then));
}

namespace {
struct PhaseRun {
  std::vector<Phase> phases;
  std::vector<KeysByShard> groups;
  std::shared_ptr<Transaction> tx;
  std::function<void()> then;
  size_t next = 0;
  // The phases' keys grouped by shard, and the transaction over every shard of any phase.
  static std::shared_ptr<PhaseRun> Make(CommandContext& ctx, ArgSlice args,
                                        std::vector<Phase> phases) {
    auto run = std::make_shared<PhaseRun>();
    std::vector<uint32_t> all;
    for (auto& p : phases) {
      run->groups.push_back(GroupKeys(args, p.positions));
      all.insert(all.end(), p.positions.begin(), p.positions.end());
    }
    run->phases = std::move(phases);
    run->tx = Transaction::Create(ctx, GroupKeys(args, all).shards);
    return run;
  }
  static void Step(const std::shared_ptr<PhaseRun>& run) {
    size_t i = run->next++;
    bool last = run->next == run->phases.size();
    run->tx->Hop(
        [run, i](Shard& s) {
          const auto& mine = run->groups[i].For(s.id());
          if (!mine.empty()) run->phases[i].fn(s, mine);
        },
        last,
        [run, last] {
          if (last) {
            auto then = std::move(run->then);
            run->tx.reset();
            then();
          } else {
            Step(run);
          }
        });
  }
};
}  // namespace

void RunPhases(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
               std::function<void()> then) {
  if (ctx.shard != nullptr) {
    for (auto& p : phases) p.fn(*ctx.shard, p.positions);
    then();
    return;
  }
  auto run = PhaseRun::Make(ctx, args, std::move(phases));
  run->then = std::move(then);
  run->tx->Arm([run] { PhaseRun::Step(run); });
}

bool CanRunInPlace(const CommandContext& ctx) {
  // What Transaction::Create(ctx) makes: inline, own, or (in a script) direct, all lendable; a
  // command inside EXEC joins its transaction, whose shards are parked but not lent.
  return ctx.shard != nullptr || ctx.tx == nullptr || ctx.tx->kind() == Transaction::Kind::kDirect;
}

void RunPhasesInPlace(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
                      std::function<void()> held, std::function<void()> then) {
  if (ctx.shard != nullptr) {
    for (auto& p : phases) p.fn(*ctx.shard, p.positions);
    held();
    then();
    return;
  }
  auto run = PhaseRun::Make(ctx, args, std::move(phases));
  run->tx->LendOnArm();
  run->tx->Arm([run, held = std::move(held), then = std::move(then)]() mutable {
    for (size_t i = 0; i < run->phases.size(); ++i) {
      run->tx->RunLent([&run, i](Shard& s) {
        const auto& mine = run->groups[i].For(s.id());
        if (!mine.empty()) run->phases[i].fn(s, mine);
      });
    }
    held();
    run->tx->Conclude([run, then = std::move(then)] {
      run->tx.reset();
      then();
    });
  });
}

void RunPhasesThenReply(CommandContext& ctx, ArgSlice args, std::vector<Phase> phases,
                        std::function<void()> reply) {
  CommandContext* c = &ctx;
  if (CanRunInPlace(ctx))
    return RunPhasesInPlace(ctx, args, std::move(phases), std::move(reply), [c] { c->Done(); });
  RunPhases(ctx, args, std::move(phases), [reply = std::move(reply), c] {
    reply();
    c->Done();
  });
}

void ReadSources(CommandContext& ctx, ArgSlice args, std::vector<uint32_t> positions,
                 SourceReads reads) {
  auto r = std::make_shared<SourceReads>(std::move(reads));
  CommandContext* c = &ctx;
  auto in_place = [r, c, args, positions] {
    std::vector<Phase> phases(1);
    phases[0] = {positions, r->read};
    RunPhasesInPlace(
        *c, args, std::move(phases), [r] { r->compute(false); }, [c] { c->Done(); });
  };
  if (ctx.shard != nullptr || (ctx.tx != nullptr && ctx.tx->kind() == Transaction::Kind::kDirect))
    return in_place();
  const bool joined = ctx.tx != nullptr;  // inside EXEC: copies whatever their size
  auto large = std::make_shared<std::atomic<bool>>(false);
  RunOnKeyShards(
      ctx, args, positions, /*write=*/false,
      [r, large, joined](Shard& s, const std::vector<uint32_t>& mine) {
        if (!joined && !r->small(s, mine)) {
          large->store(true, std::memory_order_relaxed);
          return;
        }
        r->copy(s, mine);
      },
      [r, large, c, in_place] {
        if (large->load(std::memory_order_relaxed)) return in_place();
        r->compute(true);
        c->Done();
      });
}

}  // namespace shoal
