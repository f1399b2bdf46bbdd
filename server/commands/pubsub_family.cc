// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH
// SPUBLISH PUBSUB. The registry and delivery are in server/pubsub.h.
//
// (UN)SUBSCRIBE are coordinators (kMulti without keys): they answer once every thread counted the
// change, so a PUBLISH sent anywhere after the reply reaches the new subscriber. PUBLISH runs on
// the connection's thread and reads only that thread's registry.
#include <algorithm>
#include <string>
#include <vector>

#include "base/ascii.h"
#include "server/command_context.h"
#include "server/command_registry.h"
#include "server/connection.h"
#include "server/multi_key.h"
#include "server/pubsub.h"
#include "server/subcommand_reply.h"

namespace shoal {

namespace {

using pubsub::Kind;

struct KindInfo {
  const char* subscribe;
  const char* unsubscribe;
};
constexpr KindInfo kKindInfo[pubsub::kKinds] = {
    {"subscribe", "unsubscribe"},
    {"psubscribe", "punsubscribe"},
    {"ssubscribe", "sunsubscribe"},
    {"monitor", "monitor"},  // MONITOR (server_family.cc) has no replies of this kind
};

// The count Redis shows in a (un)subscribe reply: channels + patterns, or the shard channels.
size_t ReplyCount(const Connection& c, Kind kind) {
  return kind == pubsub::kShardChannel ? c.SubscriptionCount(pubsub::kShardChannel)
                                       : c.ChannelAndPatternCount();
}

void ReplyConfirm(protocol::ReplyBuilder& rb, const char* type, const std::string* name,
                  size_t count) {
  rb.Push(3);
  rb.Bulk(type);
  if (name != nullptr)
    rb.Bulk(*name);
  else
    rb.Null();
  rb.Integer(static_cast<int64_t>(count));
}

void SubscribeGeneric(ArgSlice args, CommandContext& ctx, Kind kind) {
  Connection* c = ctx.conn;
  if (kind == pubsub::kShardChannel && ctx.deny_blocking) {
    // Redis lets SUBSCRIBE and PSUBSCRIBE run inside EXEC (for compatibility), not SSUBSCRIBE.
    ctx.rb->Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return ctx.Done();
  }
  // Which arguments add a subscription (Redis counts up only for those).
  std::vector<std::string> names(args.begin() + 1, args.end());
  std::vector<bool> adds(names.size());
  for (size_t j = 0; j < names.size(); ++j)
    adds[j] = !c->HasSubscription(kind, names[j]) &&
              std::find(names.begin(), names.begin() + j, names[j]) == names.begin() + j;
  size_t before = ReplyCount(*c, kind);
  CommandContext* cp = &ctx;
  pubsub::Subscribe(c, kind, names, [cp, kind, before, names, adds] {
    size_t count = before;
    for (size_t j = 0; j < names.size(); ++j) {
      if (adds[j]) ++count;
      ReplyConfirm(*cp->rb, kKindInfo[kind].subscribe, &names[j], count);
    }
    cp->Done();
  });
}

void UnsubscribeGeneric(ArgSlice args, CommandContext& ctx, Kind kind) {
  Connection* c = ctx.conn;
  const char* type = kKindInfo[kind].unsubscribe;
  std::vector<std::string> names;
  if (args.size() == 1) {
    names = c->Subscriptions(kind);
  } else {
    names.assign(args.begin() + 1, args.end());
  }
  size_t count = ReplyCount(*c, kind);
  std::vector<std::string> removed;
  for (const auto& n : names) {
    bool had = c->HasSubscription(kind, n) &&
               std::find(removed.begin(), removed.end(), n) == removed.end();
    if (had) {
      removed.push_back(n);
      --count;
    }
    // With no argument only the subscriptions it had are named (one nil reply when none).
    ReplyConfirm(*ctx.rb, type, &n, count);
  }
  if (names.empty()) ReplyConfirm(*ctx.rb, type, nullptr, count);
  if (removed.empty()) return ctx.Done();
  CommandContext* cp = &ctx;
  pubsub::Unsubscribe(c, kind, std::move(removed), [cp] { cp->Done(); });
}

void CmdSubscribe(ArgSlice args, CommandContext& ctx) {
  SubscribeGeneric(args, ctx, pubsub::kChannel);
}
void CmdPsubscribe(ArgSlice args, CommandContext& ctx) {
  SubscribeGeneric(args, ctx, pubsub::kPattern);
}
void CmdSsubscribe(ArgSlice args, CommandContext& ctx) {
  SubscribeGeneric(args, ctx, pubsub::kShardChannel);
}
void CmdUnsubscribe(ArgSlice args, CommandContext& ctx) {
  UnsubscribeGeneric(args, ctx, pubsub::kChannel);
}
void CmdPunsubscribe(ArgSlice args, CommandContext& ctx) {
  UnsubscribeGeneric(args, ctx, pubsub::kPattern);
}
void CmdSunsubscribe(ArgSlice args, CommandContext& ctx) {
  UnsubscribeGeneric(args, ctx, pubsub::kShardChannel);
}

void CmdPublish(ArgSlice args, CommandContext& ctx) {
  ctx.rb->Integer(pubsub::Publish(false, args[1], args[2]));
}

void CmdSpublish(ArgSlice args, CommandContext& ctx) {
  ctx.rb->Integer(pubsub::Publish(true, args[1], args[2]));
}

void ReplyNames(protocol::ReplyBuilder& rb, Kind kind, ArgSlice args) {
  std::string pat;
  if (args.size() == 3) pat = args[2];
  auto names = pubsub::Names(kind, args.size() == 3 ? &pat : nullptr);
  rb.Array(names.size());
  for (const auto& n : names) rb.Bulk(n);
}

void ReplyNumSub(protocol::ReplyBuilder& rb, Kind kind, ArgSlice args) {
  // Redis answers a flat array (a map in spirit, but addReplyArrayLen in 7.0).
  rb.Array((args.size() - 2) * 2);
  for (size_t j = 2; j < args.size(); ++j) {
    rb.Bulk(args[j]);
    rb.Integer(pubsub::NumSubscribers(kind, args[j]));
  }
}

void CmdPubsub(ArgSlice args, CommandContext& ctx) {
  protocol::ReplyBuilder& rb = *ctx.rb;
  if (!CheckSubcommand(args, rb)) return;
  std::string_view sub = args[1];
  size_t argc = args.size();
  if (argc == 2 && EqNoCase(sub, "help")) {
    static constexpr const char* kHelp[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: "
        "'*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)"};
    return ReplyHelp(rb, args[0], kHelp);
  }
  if (EqNoCase(sub, "channels") && (argc == 2 || argc == 3))
    return ReplyNames(rb, pubsub::kChannel, args);
  if (EqNoCase(sub, "numsub")) return ReplyNumSub(rb, pubsub::kChannel, args);
  if (EqNoCase(sub, "numpat") && argc == 2) return rb.Integer(pubsub::NumNames(pubsub::kPattern));
  if (EqNoCase(sub, "shardchannels") && (argc == 2 || argc == 3))
    return ReplyNames(rb, pubsub::kShardChannel, args);
  if (EqNoCase(sub, "shardnumsub")) return ReplyNumSub(rb, pubsub::kShardChannel, args);
  ReplySubcommandSyntaxError(rb, args[0], sub);
}

}  // namespace

void RegisterPubsubFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kSub = kPubSub | kNoScript | kLoading | kStale | kSentinel;
  constexpr uint32_t kPub = kPubSub | kLoading | kStale | kFast | kMayReplicate;
  constexpr uint32_t kInfo = kPubSub | kLoading | kStale;
  // clang-format off
  r.AddFamily(0, {
      {.name = "subscribe", .arity = -2, .flags = kSub, .mode = kMulti, .fn = CmdSubscribe},
      {.name = "unsubscribe", .arity = -1, .flags = kSub, .mode = kMulti, .fn = CmdUnsubscribe},
      {.name = "psubscribe", .arity = -2, .flags = kSub, .mode = kMulti, .fn = CmdPsubscribe},
      {.name = "punsubscribe", .arity = -1, .flags = kSub, .mode = kMulti,
       .fn = CmdPunsubscribe},
      {.name = "ssubscribe", .arity = -2, .flags = kSub & ~kSentinel, .mode = kMulti,
       .fn = CmdSsubscribe},
      {.name = "sunsubscribe", .arity = -1, .flags = kSub & ~kSentinel, .mode = kMulti,
       .fn = CmdSunsubscribe},
      {.name = "publish", .arity = 3, .flags = kPub | kSentinel, .mode = kConnection,
       .fn = CmdPublish},
      {.name = "spublish", .arity = 3, .flags = kPub, .mode = kConnection, .fn = CmdSpublish},
      {.name = "pubsub", .arity = -2, .mode = kConnection, .fn = CmdPubsub, .subcommands = {
           {.name = "pubsub|channels", .arity = -2, .flags = kInfo},
           {.name = "pubsub|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "pubsub|numpat", .arity = 2, .flags = kInfo},
           {.name = "pubsub|numsub", .arity = -2, .flags = kInfo},
           {.name = "pubsub|shardchannels", .arity = -2, .flags = kInfo},
           {.name = "pubsub|shardnumsub", .arity = -2, .flags = kInfo},
       }},
  });
  // clang-format on
}

}  // namespace shoal
