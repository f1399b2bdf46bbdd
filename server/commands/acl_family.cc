// ACL and AUTH (Redis 7.0's acl.c commands); the rules and the user table are in server/acl.h.
//
// ACL runs as a kMulti command on the connection's thread: DELUSER, LOAD and SETUSER may have to
// close connections of other threads (a deleted user's, or subscribers that lost a channel),
// which they reach through ForAllConnections before answering.
#include <random>

#include "base/ascii.h"
#include "base/numbers.h"
#include "server/acl.h"
#include "server/command_context.h"
#include "server/command_registry.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "shard/clock.h"

namespace shoal {

namespace {

// Closes the connections `should_close` picks on every thread (the caller's own after its reply,
// as Redis's CLIENT_CLOSE_AFTER_COMMAND), then runs `then`.
void CloseConnections(CommandContext& ctx, std::function<bool(Connection*)> should_close,
                      std::function<void()> then) {
  uint64_t me = ctx.conn->id();
  ForAllConnections(
      [should_close = std::move(should_close), me](Connection* c) {
        if (!should_close(c)) return;
        if (c->id() == me)
          c->CloseAfterReply();
        else
          c->Close();
      },
      std::move(then));
}

// Redis's ACLKillPubsubClientsIfNeeded: subscribers of `name` whose channels or patterns the new
// rules no longer allow are closed.
bool ChannelsShrank(const acl::User& before, const acl::User& after) {
  for (const acl::Selector& s : after.selectors)
    if (s.flags & acl::Selector::kAllChannels) return false;
  std::vector<std::string> upcoming;
  for (const acl::Selector& s : after.selectors)
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  for (const acl::Selector& s : before.selectors) {
    if (s.flags & acl::Selector::kAllChannels) return true;
    for (const std::string& c : s.channels)
      if (std::find(upcoming.begin(), upcoming.end(), c) == upcoming.end()) return true;
  }
  return false;
}

// Only called when no selector of `now` has allchannels (ChannelsShrank), so its channel lists
// are Redis's "upcoming" list.
bool LostAChannel(Connection* c, const acl::User& now) {
  if (!c->subscribed()) return false;
  for (const std::string& p : c->Subscriptions(pubsub::kPattern))
    if (!acl::ChannelAllowed(now, p, true)) return true;
  for (auto kind : {pubsub::kChannel, pubsub::kShardChannel})
    for (const std::string& ch : c->Subscriptions(kind))
      if (!acl::ChannelAllowed(now, ch, false)) return true;
  return false;
}

void ReplyGetUser(protocol::ReplyBuilder& rb, const acl::User& u) {
  auto selector = [&rb](const acl::Selector& s) {
    rb.Bulk("commands");
    rb.Bulk(acl::DescribeCommands(s));
    rb.Bulk("keys");
    rb.Bulk(acl::DescribeKeys(s));
    rb.Bulk("channels");
    rb.Bulk(acl::DescribeChannels(s));
  };
  rb.Map(6);
  rb.Bulk("flags");
  auto flags = acl::FlagNames(u);
  rb.Set(flags.size());
  for (std::string_view f : flags) rb.Bulk(f);
  rb.Bulk("passwords");
  rb.Array(u.passwords.size());
  for (const std::string& p : u.passwords) rb.Bulk(p);
  selector(u.selectors[0]);
  rb.Bulk("selectors");
  rb.Array(u.selectors.size() - 1);
  for (size_t i = 1; i < u.selectors.size(); ++i) {
    rb.Map(3);
    selector(u.selectors[i]);
  }
}

void ReplyLog(protocol::ReplyBuilder& rb, const std::vector<acl::LogEntry>& entries) {
  static constexpr const char* kReasons[] = {"unknown", "command", "key", "auth", "channel"};
  static constexpr const char* kContexts[] = {"toplevel", "lua", "multi"};
  int64_t now = UnixMs();
  rb.Array(entries.size());
  for (const acl::LogEntry& le : entries) {
    rb.Map(7);
    rb.Bulk("count");
    rb.Integer(static_cast<int64_t>(le.count));
    rb.Bulk("reason");
    rb.Bulk(kReasons[le.reason]);
    rb.Bulk("context");
    rb.Bulk(kContexts[le.context]);
    rb.Bulk("object");
    rb.Bulk(le.object);
    rb.Bulk("username");
    rb.Bulk(le.username);
    rb.Bulk("age-seconds");
    rb.Double(static_cast<double>(now - le.ctime_ms) / 1000);
    rb.Bulk("client-info");
    rb.Bulk(le.client_info);
  }
}

constexpr const char* kAclHelp[] = {
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
};

void AclDryRun(ArgSlice args, protocol::ReplyBuilder& rb) {
  acl::UserPtr u = acl::Get(args[2]);
  if (u == nullptr) return rb.Error("ERR User '" + std::string(args[2]) + "' not found");
  ArgSlice cmd_args = args.subspan(3);
  const CommandId* cmd = Server().registry.Lookup(cmd_args);
  if (cmd == nullptr) return rb.Error("ERR Command '" + std::string(args[3]) + "' not found");
  int argc = static_cast<int>(cmd_args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity)
    return rb.Error("ERR wrong number of arguments for '" + cmd->name + "' command");
  int pos = 0;
  acl::Result r = acl::Check(*u, *cmd, cmd_args, &pos);
  if (r == acl::kOk) return rb.Ok();
  if (r == acl::kDeniedCmd)
    return rb.Bulk("This user has no permissions to run the '" + cmd->name + "' command");
  std::string what = r == acl::kDeniedKey ? "key" : "channel";
  rb.Bulk("This user has no permissions to access the '" + std::string(cmd_args[pos]) + "' " +
          what);
}

void CmdAcl(ArgSlice args, CommandContext& ctx) {
  std::string_view sub = args[1];
  protocol::ReplyBuilder& rb = *ctx.rb;
  size_t argc = args.size();
  auto done = [&ctx] { ctx.Done(); };
  if (EqNoCase(sub, "setuser") && argc >= 3) {
    std::string_view name = args[2];
    for (char c : name) {
      if (std::isspace(static_cast<unsigned char>(c)) || c == 0) {
        rb.Error("ERR Usernames can't contain spaces or null characters");
        return done();
      }
    }
    acl::UserPtr before, after;
    std::string err = acl::SetUser(name, args.subspan(3), &before, &after);
    if (!err.empty()) {
      rb.Error("ERR " + err);
      return done();
    }
    if (before == nullptr || !ChannelsShrank(*before, *after)) {
      rb.Ok();
      return done();
    }
    std::string uname(name);
    CommandContext* c = &ctx;
    return CloseConnections(
        ctx,
        [uname, after](Connection* conn) {
          return conn->user().name == uname && LostAChannel(conn, *after);
        },
        [c] {
          c->rb->Ok();
          c->Done();
        });
  }
  if (EqNoCase(sub, "deluser") && argc >= 3) {
    for (size_t j = 2; j < argc; ++j) {
      if (args[j] == "default") {
        rb.Error("ERR The 'default' user cannot be removed");
        return done();
      }
    }
    auto deleted = std::make_shared<std::vector<std::string>>();
    for (size_t j = 2; j < argc; ++j)
      if (acl::DelUser(args[j])) deleted->emplace_back(args[j]);
    CommandContext* c = &ctx;
    return CloseConnections(
        ctx,
        [deleted](Connection* conn) {
          return std::find(deleted->begin(), deleted->end(), conn->user().name) != deleted->end();
        },
        [c, deleted] {
          c->rb->Integer(static_cast<int64_t>(deleted->size()));
          c->Done();
        });
  }
  if (EqNoCase(sub, "getuser") && argc == 3) {
    acl::UserPtr u = acl::Get(args[2]);
    if (u == nullptr)
      rb.Null();
    else
      ReplyGetUser(rb, *u);
    return done();
  }
  if ((EqNoCase(sub, "list") || EqNoCase(sub, "users")) && argc == 2) {
    bool names = EqNoCase(sub, "users");
    auto users = acl::AllUsers();
    rb.Array(users.size());
    for (const acl::UserPtr& u : users)
      rb.Bulk(names ? u->name : "user " + u->name + " " + acl::Describe(*u));
    return done();
  }
  if (EqNoCase(sub, "whoami") && argc == 2) {
    rb.Bulk(ctx.conn->user().name);
    return done();
  }
  if (acl::AclFile().empty() && (EqNoCase(sub, "load") || EqNoCase(sub, "save"))) {
    rb.Error(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
        "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
        "Redis configuration file set) in order to store users in the Redis configuration.");
    return done();
  }
  if (EqNoCase(sub, "load") && argc == 2) {
    // The old users are gone: connections authenticated as any of them are closed, except the
    // default user's, whose rules are replaced in place (Redis's ACLLoadFromFile).
    auto before = std::make_shared<std::vector<acl::UserPtr>>(acl::AllUsers());
    std::string errors = acl::LoadFile();
    if (!errors.empty()) {
      rb.Error("ERR " + errors);
      return done();
    }
    CommandContext* c = &ctx;
    return CloseConnections(
        ctx, [](Connection* conn) { return conn->user().name != "default"; },
        [c] {
          c->rb->Ok();
          c->Done();
        });
  }
  if (EqNoCase(sub, "save") && argc == 2) {
    if (acl::SaveFile())
      rb.Ok();
    else
      rb.Error(
          "ERR There was an error trying to save the ACLs. Please check the server logs for more "
          "information");
    return done();
  }
  if (EqNoCase(sub, "cat") && argc == 2) {
    auto names = acl::CategoryNames();
    rb.Array(names.size());
    for (std::string_view n : names) rb.Bulk(n);
    return done();
  }
  if (EqNoCase(sub, "cat") && argc == 3) {
    uint64_t flag = acl::CategoryFlag(args[2]);
    if (flag == 0) {
      rb.Error("ERR Unknown category '" + std::string(args[2].substr(0, 128)) + "'");
      return done();
    }
    std::vector<const std::string*> out;
    for (const CommandId& c : Server().registry.all()) {
      if (c.acl & flag) out.push_back(&c.name);
      for (const CommandId& s : c.subcommands)
        if (s.acl & flag) out.push_back(&s.name);
    }
    rb.Array(out.size());
    for (const std::string* n : out) rb.Bulk(*n);
    return done();
  }
  if (EqNoCase(sub, "genpass") && (argc == 2 || argc == 3)) {
    constexpr int64_t kMaxBits = 4096;
    int64_t bits = 256;
    if (argc == 3 && !ParseInt64(args[2], &bits)) {
      rb.Error(errors::kNotInteger);
      return done();
    }
    if (bits <= 0 || bits > kMaxBits) {
      rb.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
      return done();
    }
    size_t chars = static_cast<size_t>((bits + 3) / 4);
    static constexpr char kHex[] = "0123456789abcdef";
    std::random_device rd;
    std::string pass;
    pass.reserve(chars);
    while (pass.size() < chars) {
      uint32_t r = rd();
      for (int k = 0; k < 8 && pass.size() < chars; ++k, r >>= 4) pass += kHex[r & 15];
    }
    rb.Bulk(pass);
    return done();
  }
  if (EqNoCase(sub, "log") && (argc == 2 || argc == 3)) {
    int64_t count = 10;
    if (argc == 3) {
      if (EqNoCase(args[2], "reset")) {
        acl::LogReset();
        rb.Ok();
        return done();
      }
      if (!ParseInt64(args[2], &count)) {
        rb.Error(errors::kNotInteger);
        return done();
      }
      if (count < 0) count = 0;
    }
    ReplyLog(rb, acl::LogEntries(static_cast<size_t>(count)));
    return done();
  }
  if (EqNoCase(sub, "dryrun") && argc >= 4) {
    AclDryRun(args, rb);
    return done();
  }
  if (EqNoCase(sub, "help") && argc == 2) {
    ReplyHelp(rb, args[0], kAclHelp);
    return done();
  }
  if (Server().registry.FindByFullName("acl|" + std::string(sub)) != nullptr)
    ReplySubcommandSyntaxError(rb, args[0], sub);
  else
    ReplyUnknownSubcommand(rb, args[0], sub);
  done();
}

// AUTH [username] password
void CmdAuth(ArgSlice args, CommandContext& ctx) {
  if (args.size() > 3) return ctx.rb->Error(errors::kSyntax);
  std::string_view user = "default", pass;
  if (args.size() == 2) {
    if (acl::Default()->nopass())
      return ctx.rb->Error(
          "ERR AUTH <password> called without any password configured for the default user. Are "
          "you sure your configuration is correct?");
    pass = args[1];
  } else {
    user = args[1];
    pass = args[2];
  }
  if (ctx.conn->Authenticate(user, pass, args[0]))
    ctx.rb->Ok();
  else
    ctx.rb->Error("WRONGPASS invalid username-password pair or user is disabled.");
}

}  // namespace

void RegisterAclFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kSub = kNoScript | kLoading | kStale | kSentinel;
  // clang-format off
  r.Add({.name = "auth", .arity = -2,
         .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kSentinel | kAllowBusy,
         .mode = kConnection, .fn = CmdAuth}, acl_cat::kConnection);
  // The subcommands are for COMMAND INFO/DOCS and the ACL bitmaps; CmdAcl dispatches.
  r.Add({.name = "acl", .arity = -2, .flags = kSentinel, .mode = kMulti, .fn = CmdAcl,
         .subcommands = {
             {.name = "acl|cat", .arity = -2, .flags = kSub},
             {.name = "acl|deluser", .arity = -3, .flags = kAdmin | kSub},
             {.name = "acl|dryrun", .arity = -4, .flags = kAdmin | kSub},
             {.name = "acl|genpass", .arity = -2, .flags = kSub},
             {.name = "acl|getuser", .arity = 3, .flags = kAdmin | kSub},
             {.name = "acl|help", .arity = 2, .flags = kLoading | kStale | kSentinel},
             {.name = "acl|list", .arity = 2, .flags = kAdmin | kSub},
             {.name = "acl|load", .arity = 2, .flags = kAdmin | kSub},
             {.name = "acl|log", .arity = -2, .flags = kAdmin | kSub},
             {.name = "acl|save", .arity = 2, .flags = kAdmin | kSub},
             {.name = "acl|setuser", .arity = -3, .flags = kAdmin | kSub},
             {.name = "acl|users", .arity = 2, .flags = kAdmin | kSub},
             {.name = "acl|whoami", .arity = 2, .flags = kSub},
         }});
  // clang-format on
}

}  // namespace shoal
