// Connection commands: PING ECHO QUIT SELECT HELLO RESET CLIENT. They run on the connection's
// thread and touch only connection state (CLIENT LIST/KILL/UNBLOCK visit every thread's
// connections).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>

#include "base/ascii.h"
#include "base/numbers.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/error_strings.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "server/tracking.h"
#include "server/transaction.h"
#include "server/version.h"
#include "shard/clock.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

void CmdPing(ArgSlice args, CommandContext& ctx) {
  if (args.size() > 2) return ctx.rb->Error("ERR wrong number of arguments for 'ping' command");
  if (ctx.conn != nullptr && ctx.conn->subscribed() && ctx.rb->resp() == 2) {
    // RESP2 subscribed mode: PING answers as a message-like array (Redis's pingCommand).
    ctx.rb->Array(2);
    ctx.rb->Bulk("pong");
    return ctx.rb->Bulk(args.size() == 1 ? std::string_view() : args[1]);
  }
  if (args.size() == 1) return ctx.rb->Simple("PONG");
  ctx.rb->Bulk(args[1]);
}

void CmdEcho(ArgSlice args, CommandContext& ctx) { ctx.rb->Bulk(args[1]); }

void CmdQuit(ArgSlice, CommandContext& ctx) {
  ctx.rb->Ok();
  ctx.conn->CloseAfterReply();
}

}  // namespace

bool ParseSelectIndex(std::string_view arg, DbIndex* db, protocol::ReplyBuilder& rb) {
  int64_t idx;
  if (!ParseInt64(arg, &idx)) {
    rb.Error(errors::kNotInteger);
    return false;
  }
  // getIntFromObjectOrReply: an index that does not fit in an int is a range error first.
  if (idx < INT_MIN || idx > INT_MAX) {
    rb.Error(errors::kIntRange);
    return false;
  }
  if (idx < 0 || idx >= Server().config.databases.load()) {
    rb.Error(errors::kDbIndexRange);
    return false;
  }
  *db = static_cast<DbIndex>(idx);
  return true;
}

void ForAllConnections(std::function<void(Connection*)> fn, std::function<void()> then) {
  Transaction::ControlAll(
      [fn = std::move(fn)](Shard&) {
        for (Connection* c : Connection::ThreadConnections()) fn(c);
      },
      std::move(then));
}

namespace {

void CmdSelect(ArgSlice args, CommandContext& ctx) {
  DbIndex db;
  if (!ParseSelectIndex(args[1], &db, *ctx.rb)) return;
  ctx.conn->db = db;
  ctx.rb->Ok();
}

void HelloReply(CommandContext& ctx) {
  auto& rb = *ctx.rb;
  rb.Map(7);
  rb.Bulk("server");
  rb.Bulk("redis");
  rb.Bulk("version");
  rb.Bulk(kRedisVersion);
  rb.Bulk("proto");
  rb.Integer(ctx.conn->resp);
  rb.Bulk("id");
  rb.Integer(static_cast<int64_t>(ctx.conn->id()));
  rb.Bulk("mode");
  rb.Bulk("standalone");
  rb.Bulk("role");
  rb.Bulk("master");
  rb.Bulk("modules");
  rb.Array(0);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void CmdHello(ArgSlice args, CommandContext& ctx) {
  int64_t ver = 0;
  size_t j = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &ver))
      return ctx.rb->Error("ERR Protocol version is not an integer or out of range");
    ++j;
    if (ver < 2 || ver > 3) return ctx.rb->Error(errors::kNoProto);
  }
  std::string_view setname;
  bool has_setname = false;
  for (; j < args.size(); ++j) {
    size_t more = args.size() - j - 1;
    if (EqNoCase(args[j], "auth") && more >= 2) {
      if (!ctx.conn->Authenticate(args[j + 1], args[j + 2], args[0]))
        return ctx.rb->Error("WRONGPASS invalid username-password pair or user is disabled.");
      j += 2;
    } else if (EqNoCase(args[j], "setname") && more >= 1) {
      setname = args[++j];
      has_setname = true;
    } else {
      return ctx.rb->Error("ERR Syntax error in HELLO option '" + std::string(args[j]) + "'");
    }
  }
  if (has_setname) {
    for (char c : setname) {
      if (c < '!' || c > '~')
        return ctx.rb->Error(
            "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    ctx.conn->name = std::string(setname);
  }
  if (!ctx.conn->authenticated())
    return ctx.rb->Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
  if (ver != 0) {
    ctx.conn->resp = static_cast<int>(ver);
    ctx.rb->set_resp(static_cast<int>(ver));
  }
  HelloReply(ctx);
}

// A coordinator (kMulti): it answers once every thread dropped the connection's subscriptions.
void CmdReset(ArgSlice, CommandContext& ctx) {
  CommandContext* c = &ctx;
  ctx.conn->ResetState([c] {
    c->rb->set_resp(2);
    c->rb->Simple("RESET");
    c->Done();
  });
}

// CLIENT LIST / KILL TYPE: Redis's getClientTypeByName. Every client here is normal or pubsub
// (subscribed to anything; a monitor counts as normal, as in Redis); there are no masters or
// replicas yet.
enum class TypeFilter { kAny, kNormal, kPubsub, kNone };

bool ParseTypeFilter(std::string_view t, TypeFilter* out) {
  if (EqNoCase(t, "normal")) {
    *out = TypeFilter::kNormal;
  } else if (EqNoCase(t, "pubsub")) {
    *out = TypeFilter::kPubsub;
  } else if (EqNoCase(t, "master") || EqNoCase(t, "replica") || EqNoCase(t, "slave")) {
    *out = TypeFilter::kNone;
  } else {
    return false;
  }
  return true;
}

bool TypeMatches(TypeFilter f, const Connection& c) {
  switch (f) {
    case TypeFilter::kAny:
      return true;
    case TypeFilter::kNormal:
      return !c.subscribed();
    case TypeFilter::kPubsub:
      return c.subscribed();
    case TypeFilter::kNone:
      return false;
  }
  return false;
}

void ClientList(ArgSlice args, CommandContext& ctx) {
  // CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]
  std::vector<uint64_t> ids;
  TypeFilter type = TypeFilter::kAny;
  for (size_t j = 2; j < args.size(); ++j) {
    if (EqNoCase(args[j], "type") && j + 1 < args.size()) {
      std::string_view t = args[++j];
      if (!ParseTypeFilter(t, &type)) {
        ctx.rb->Error("ERR Unknown client type '" + std::string(t) + "'");
        return ctx.Done();
      }
    } else if (EqNoCase(args[j], "id") && j + 1 < args.size()) {
      for (++j; j < args.size(); ++j) {
        int64_t id;
        if (!ParseInt64(args[j], &id) || id <= 0) {
          ctx.rb->Error("ERR Invalid client ID");
          return ctx.Done();
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.rb->Error(errors::kSyntax);
      return ctx.Done();
    }
  }
  unsigned n = Server().shards->size();
  auto per_thread = std::make_shared<std::vector<std::vector<std::pair<uint64_t, std::string>>>>(n);
  CommandContext* c = &ctx;
  ForAllConnections(
      [per_thread, ids, type](Connection* conn) {
        if (!TypeMatches(type, *conn)) return;
        if (!ids.empty() && std::find(ids.begin(), ids.end(), conn->id()) == ids.end()) return;
        (*per_thread)[conn->home()->id()].emplace_back(conn->id(), conn->Info());
      },
      [per_thread, c] {
        std::vector<std::pair<uint64_t, std::string>> all;
        for (auto& v : *per_thread)
          for (auto& l : v) all.push_back(std::move(l));
        std::sort(all.begin(), all.end());
        std::string out;
        for (auto& [id, line] : all) {
          out += line;
          out += '\n';
        }
        c->rb->Verbatim(out);
        c->Done();
      });
}

struct KillFilter {
  bool old_style = false;
  std::string addr, laddr;
  int64_t id = 0;
  bool has_id = false;
  bool skipme = true;
  TypeFilter type = TypeFilter::kAny;
  std::string user;
  bool has_user = false;
};

void ClientKill(ArgSlice args, CommandContext& ctx) {
  KillFilter f;
  if (args.size() == 3) {
    f.old_style = true;
    f.addr = args[2];
    f.skipme = false;
  } else if (args.size() > 3 && (args.size() - 2) % 2 == 0) {
    for (size_t j = 2; j + 1 < args.size(); j += 2) {
      std::string_view opt = args[j], val = args[j + 1];
      if (EqNoCase(opt, "id")) {
        if (!ParseInt64(val, &f.id) || f.id <= 0) {
          ctx.rb->Error("ERR client-id should be greater than 0");
          return ctx.Done();
        }
        f.has_id = true;
      } else if (EqNoCase(opt, "addr")) {
        f.addr = val;
      } else if (EqNoCase(opt, "laddr")) {
        f.laddr = val;
      } else if (EqNoCase(opt, "type")) {
        if (!ParseTypeFilter(val, &f.type)) {
          ctx.rb->Error("ERR Unknown client type '" + std::string(val) + "'");
          return ctx.Done();
        }
      } else if (EqNoCase(opt, "user")) {
        f.user = val;
        f.has_user = true;
      } else if (EqNoCase(opt, "skipme")) {
        if (EqNoCase(val, "yes"))
          f.skipme = true;
        else if (EqNoCase(val, "no"))
          f.skipme = false;
        else {
          ctx.rb->Error(errors::kSyntax);
          return ctx.Done();
        }
      } else {
        ctx.rb->Error(errors::kSyntax);
        return ctx.Done();
      }
    }
  } else {
    ctx.rb->Error(errors::kSyntax);
    return ctx.Done();
  }
  if (f.has_user && acl::Get(f.user) == nullptr) {
    ctx.rb->Error("ERR No such user '" + f.user + "'");
    return ctx.Done();
  }
  auto killed = std::make_shared<std::atomic<int64_t>>(0);
  uint64_t me = ctx.conn->id();
  Connection* self = ctx.conn;
  CommandContext* c = &ctx;
  ForAllConnections(
      [f, killed, me](Connection* conn) {
        if (!TypeMatches(f.type, *conn)) return;
        if (f.has_id && conn->id() != static_cast<uint64_t>(f.id)) return;
        if (!f.addr.empty() && conn->addr() != f.addr) return;
        if (!f.laddr.empty() && conn->laddr() != f.laddr) return;
        if (f.has_user && f.user != conn->user().name) return;
        if (f.skipme && conn->id() == me) return;
        killed->fetch_add(1);
        if (conn->id() == me) {
          conn->CloseAfterReply();
        } else {
          conn->Close();
        }
      },
      [f, killed, c, self] {
        (void)self;
        if (f.old_style) {
          if (killed->load() == 0)
            c->rb->Error(errors::kNoSuchClient);
          else
            c->rb->Ok();
        } else {
          c->rb->Integer(killed->load());
        }
        c->Done();
      });
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: the target may live on any thread; the visit of its
// thread cancels its blocked command there (Connection::Unblock), which then answers as on
// timeout or with the UNBLOCKED error.
void ClientUnblock(ArgSlice args, CommandContext& ctx) {
  auto reason = Connection::UnblockReason::kTimeout;
  if (args.size() == 4) {
    if (EqNoCase(args[3], "timeout")) {
      reason = Connection::UnblockReason::kTimeout;
    } else if (EqNoCase(args[3], "error")) {
      reason = Connection::UnblockReason::kError;
    } else {
      ctx.rb->Error(errors::kUnblockReason);
      return ctx.Done();
    }
  }
  int64_t id;
  if (!ParseInt64(args[2], &id)) {
    ctx.rb->Error(errors::kNotInteger);
    return ctx.Done();
  }
  auto unblocked = std::make_shared<std::atomic<bool>>(false);
  CommandContext* c = &ctx;
  Transaction::ControlAll(
      [id, reason, unblocked](Shard&) {
        for (Connection* conn : Connection::ThreadConnections()) {
          if (static_cast<int64_t>(conn->id()) != id) continue;
          if (conn->Unblock(reason)) unblocked->store(true);
          return;
        }
      },
      [unblocked, c] {
        c->rb->Integer(unblocked->load() ? 1 : 0);
        c->Done();
      });
}

// --- Client-side caching: CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO ---

// stringCheckPrefix: two prefixes overlap when one starts with the other.
bool PrefixesOverlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// Redis's %s of an sds: up to the first NUL byte.
std::string CStr(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

struct TrackingOptions {
  bool bcast = false, optin = false, optout = false, noloop = false;
  int64_t redirect = 0;
  size_t redirect_pos = 0;  // the argument the REDIRECT id is at (0: none)
  std::vector<std::string> prefixes;
  std::string error;  // the first parse error
  size_t error_pos = 0;
};

// CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP], after
// the options were parsed and the REDIRECT client (if any) found on `redirect_thread`.
void ClientTrackingApply(ArgSlice args, CommandContext& ctx, TrackingOptions& o,
                         uint32_t redirect_thread) {
  Connection* conn = ctx.conn;
  auto& t = conn->tracking;
  if (EqNoCase(args[2], "off")) {
    CommandContext* c = &ctx;
    return conn->DisableTracking([c] {
      c->rb->Ok();
      c->Done();
    });
  }
  if (!EqNoCase(args[2], "on")) {
    ctx.rb->Error(errors::kSyntax);
    return ctx.Done();
  }
  auto fail = [&ctx](std::string_view msg) {
    ctx.rb->Error(msg);
    ctx.Done();
  };
  if (!o.bcast && !o.prefixes.empty())
    return fail("ERR PREFIX option requires BCAST mode to be enabled");
  if (t.on && t.bcast != o.bcast)
    return fail(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  if (o.bcast && (o.optin || o.optout))
    return fail("ERR OPTIN and OPTOUT are not compatible with BCAST");
  if (o.optin && o.optout) return fail("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((o.optin && t.optout) || (o.optout && t.optin))
    return fail(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  if (o.bcast) {
    // checkPrefixCollisionsOrReply, including its quirk: a collision between two given prefixes
    // found for i > 0 is reported and then tracking is enabled anyway, so Redis answers the error
    // and +OK (two replies). Kept, byte for byte.
    for (size_t i = 0; i < o.prefixes.size(); ++i) {
      for (const auto& have : t.prefixes) {
        if (PrefixesOverlap(have, o.prefixes[i]))
          return fail("ERR Prefix '" + CStr(o.prefixes[i]) +
                      "' overlaps with an existing prefix '" + CStr(have) +
                      "'. Prefixes for a single client must not overlap.");
      }
      bool reported = false;
      for (size_t j = i + 1; j < o.prefixes.size(); ++j) {
        if (PrefixesOverlap(o.prefixes[i], o.prefixes[j])) {
          ctx.rb->Error("ERR Prefix '" + CStr(o.prefixes[i]) +
                        "' overlaps with another provided prefix '" + CStr(o.prefixes[j]) +
                        "'. Prefixes for a single client must not overlap.");
          if (i == 0) return ctx.Done();
          reported = true;
          break;
        }
      }
      if (reported) break;
    }
  }
  // enableTracking
  if (!t.on) tracking::g_tracking_clients.fetch_add(1, std::memory_order_relaxed);
  t.on = true;
  t.broken_redir = t.bcast = t.optin = t.optout = t.noloop = false;
  t.redirect = static_cast<uint64_t>(o.redirect);
  t.redirect_thread = redirect_thread;
  t.optin = o.optin;
  t.optout = o.optout;
  t.noloop = o.noloop;
  if (!o.bcast) {
    ctx.rb->Ok();
    return ctx.Done();
  }
  t.bcast = true;
  if (o.prefixes.empty()) o.prefixes.emplace_back();  // BCAST alone: every key
  CommandContext* c = &ctx;
  // Answered once every thread knows the prefixes: a write anywhere after the reply is seen.
  tracking::AddPrefixes(conn, std::move(o.prefixes), [c] {
    c->rb->Ok();
    c->Done();
  });
}

void ClientTracking(ArgSlice args, CommandContext& ctx) {
  auto o = std::make_shared<TrackingOptions>();
  auto error = [&o](size_t j, std::string msg) {
    if (o->error.empty()) {
      o->error = std::move(msg);
      o->error_pos = j;
    }
  };
  for (size_t j = 3; j < args.size() && o->error.empty(); ++j) {
    size_t more = args.size() - 1 - j;
    if (EqNoCase(args[j], "redirect") && more > 0) {
      ++j;
      if (o->redirect_pos != 0) {
        error(j, "ERR A client can only redirect to a single other client");
      } else if (!ParseInt64(args[j], &o->redirect)) {
        error(j, errors::kNotInteger);
      } else {
        o->redirect_pos = j;
      }
    } else if (EqNoCase(args[j], "bcast")) {
      o->bcast = true;
    } else if (EqNoCase(args[j], "optin")) {
      o->optin = true;
    } else if (EqNoCase(args[j], "optout")) {
      o->optout = true;
    } else if (EqNoCase(args[j], "noloop")) {
      o->noloop = true;
    } else if (EqNoCase(args[j], "prefix") && more > 0) {
      o->prefixes.emplace_back(args[++j]);
    } else {
      error(j, errors::kSyntax);
    }
  }
  if (o->redirect_pos == 0) {
    if (!o->error.empty()) {
      ctx.rb->Error(o->error);
      return ctx.Done();
    }
    return ClientTrackingApply(args, ctx, *o, 0);
  }
  // Redis requires the REDIRECT client to exist now (it may go away later); its thread is found
  // once, here, and invalidations are forwarded there.
  auto after = [o, args, c = &ctx](int64_t thread) {
    if (thread < 0) {
      c->rb->Error("ERR The client ID you want redirect to does not exist");
      return c->Done();
    }
    if (!o->error.empty()) {  // an error after the REDIRECT (a second REDIRECT...)
      c->rb->Error(o->error);
      return c->Done();
    }
    ClientTrackingApply(args, *c, *o, static_cast<uint32_t>(thread));
  };
  if (o->redirect > 0 && Connection::FindOnThread(static_cast<uint64_t>(o->redirect)) != nullptr)
    return after(ctx.conn->home()->id());
  if (o->redirect <= 0) return after(-1);
  auto found = std::make_shared<std::atomic<int64_t>>(-1);
  uint64_t id = static_cast<uint64_t>(o->redirect);
  Transaction::ControlAll(
      [found, id](Shard& s) {
        if (Connection::FindOnThread(id) != nullptr) found->store(s.id());
      },
      [found, after] { after(found->load()); });
}

void ClientCaching(ArgSlice args, CommandContext& ctx) {
  auto& t = ctx.conn->tracking;
  if (!t.on)
    return ctx.rb->Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
  if (EqNoCase(args[2], "yes")) {
    if (!t.optin)
      return ctx.rb->Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (EqNoCase(args[2], "no")) {
    if (!t.optout)
      return ctx.rb->Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else {
    return ctx.rb->Error(errors::kSyntax);
  }
  t.caching = true;
  ctx.rb->Ok();
}

void ClientTrackingInfo(CommandContext& ctx) {
  const auto& t = ctx.conn->tracking;
  auto& rb = *ctx.rb;
  rb.Map(3);
  rb.Bulk("flags");
  std::vector<std::string_view> flags{t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) {
    flags.push_back("optin");
    if (t.caching) flags.push_back("caching-yes");
  }
  if (t.optout) {
    flags.push_back("optout");
    if (t.caching) flags.push_back("caching-no");
  }
  if (t.noloop) flags.push_back("noloop");
  if (t.broken_redir) flags.push_back("broken_redirect");
  rb.Set(flags.size());
  for (auto f : flags) rb.Bulk(f);
  rb.Bulk("redirect");
  rb.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  rb.Bulk("prefixes");
  rb.Array(t.prefixes.size());
  for (const auto& p : t.prefixes) rb.Bulk(p);
}

void CmdClient(ArgSlice args, CommandContext& ctx) {
  std::string_view sub = args[1];
  auto arity_err = [&] {
    ctx.rb->Error("ERR wrong number of arguments for 'client|" + std::string([&] {
                    std::string l(sub);
                    for (char& ch : l)
                      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                    return l;
                  }()) +
                  "' command");
    ctx.Done();
  };
  Connection* conn = ctx.conn;
  if (EqNoCase(sub, "id")) {
    if (args.size() != 2) return arity_err();
    ctx.rb->Integer(static_cast<int64_t>(conn->id()));
  } else if (EqNoCase(sub, "getname")) {
    if (args.size() != 2) return arity_err();
    if (conn->name.empty())
      ctx.rb->Null();
    else
      ctx.rb->Bulk(conn->name);
  } else if (EqNoCase(sub, "setname")) {
    if (args.size() != 3) return arity_err();
    for (char ch : args[2]) {
      if (ch < '!' || ch > '~') {
        ctx.rb->Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return ctx.Done();
      }
    }
    conn->name = std::string(args[2]);
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "info")) {
    if (args.size() != 2) return arity_err();
    ctx.rb->Verbatim(conn->Info() + "\n");
  } else if (EqNoCase(sub, "list")) {
    return ClientList(args, ctx);
  } else if (EqNoCase(sub, "kill")) {
    if (args.size() < 3) return arity_err();
    return ClientKill(args, ctx);
  } else if (EqNoCase(sub, "unblock")) {
    if (args.size() < 3) return arity_err();
    if (args.size() > 4) {
      ReplySubcommandSyntaxError(*ctx.rb, args[0], sub);
      return ctx.Done();
    }
    return ClientUnblock(args, ctx);
  } else if (EqNoCase(sub, "no-evict")) {
    if (args.size() != 3) return arity_err();
    if (EqNoCase(args[2], "on"))
      conn->no_evict = true;
    else if (EqNoCase(args[2], "off"))
      conn->no_evict = false;
    else {
      ctx.rb->Error(errors::kSyntax);
      return ctx.Done();
    }
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "pause")) {
    // CLIENT PAUSE timeout [WRITE|ALL]
    if (args.size() != 3 && args.size() != 4) return arity_err();
    auto type = Connection::kPauseAll;
    if (args.size() == 4) {
      if (EqNoCase(args[3], "write")) {
        type = Connection::kPauseWrite;
      } else if (!EqNoCase(args[3], "all")) {
        ctx.rb->Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
        return ctx.Done();
      }
    }
    int64_t ms;
    if (!ParseInt64(args[2], &ms)) {
      ctx.rb->Error(errors::kTimeoutNotInt);
      return ctx.Done();
    }
    if (ms < 0) {
      ctx.rb->Error(errors::kTimeoutNegative);
      return ctx.Done();
    }
    Connection::Pause(type, ms > 0 ? UnixMs() + ms : 0);
    ctx.rb->Ok();
  } else if (EqNoCase(sub, "unpause")) {
    if (args.size() != 2) return arity_err();
    Connection::Unpause();
    CommandContext* c = &ctx;
    return ForAllConnections([](Connection* conn) { conn->ResumePostponed(); },
                             [c] {
                               c->rb->Ok();
                               c->Done();
                             });
  } else if (EqNoCase(sub, "reply")) {
    if (args.size() != 3) return arity_err();
    if (EqNoCase(args[2], "on")) {
      conn->reply_mode = Connection::ReplyMode::kOn;
      ctx.rb->Ok();
    } else if (EqNoCase(args[2], "off")) {
      conn->reply_mode = Connection::ReplyMode::kOff;
    } else if (EqNoCase(args[2], "skip")) {
      if (conn->reply_mode != Connection::ReplyMode::kOff) conn->SkipNextReply();
    } else {
      ctx.rb->Error(errors::kSyntax);
    }
  } else if (EqNoCase(sub, "tracking")) {
    if (args.size() < 3) return arity_err();
    return ClientTracking(args, ctx);
  } else if (EqNoCase(sub, "caching")) {
    if (args.size() != 3) return arity_err();
    ClientCaching(args, ctx);
  } else if (EqNoCase(sub, "getredir")) {
    if (args.size() != 2) return arity_err();
    const auto& t = conn->tracking;
    ctx.rb->Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  } else if (EqNoCase(sub, "trackinginfo")) {
    if (args.size() != 2) return arity_err();
    ClientTrackingInfo(ctx);
  } else if (EqNoCase(sub, "help")) {
    static const char* kHelp[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
    };
    ReplyHelp(*ctx.rb, args[0], kHelp);
  } else {
    ReplyUnknownSubcommand(*ctx.rb, args[0], sub);
  }
  ctx.Done();
}

}  // namespace

void RegisterConnectionFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint32_t kSub = kNoScript | kLoading | kStale;
  // clang-format off
  r.AddFamily(acl_cat::kConnection, {
      {.name = "ping", .arity = -1, .flags = kFast, .mode = kConnection, .fn = CmdPing},
      {.name = "echo", .arity = 2, .flags = kLoading | kStale | kFast, .mode = kConnection,
       .fn = CmdEcho},
      {.name = "quit", .arity = -1,
       .flags = kAllowBusy | kNoScript | kNoAuth | kFast | kLoading | kStale,
       .mode = kConnection, .fn = CmdQuit, .runs_in_multi = true},
      {.name = "select", .arity = 2, .flags = kLoading | kStale | kFast, .mode = kConnection,
       .fn = CmdSelect},
      {.name = "hello", .arity = -1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .mode = kConnection, .fn = CmdHello},
      {.name = "reset", .arity = 1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .mode = kMulti, .fn = CmdReset, .runs_in_multi = true},
      // The subcommands are for COMMAND INFO/DOCS; CmdClient dispatches.
      {.name = "client", .arity = -2, .mode = kMulti, .fn = CmdClient, .subcommands = {
           {.name = "client|getname", .arity = 2, .flags = kSub},
           {.name = "client|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "client|id", .arity = 2, .flags = kSub},
           {.name = "client|info", .arity = 2, .flags = kSub},
           {.name = "client|kill", .arity = -3, .flags = kAdmin | kSub},
           {.name = "client|list", .arity = -2, .flags = kAdmin | kSub},
           {.name = "client|no-evict", .arity = 3, .flags = kAdmin | kSub},
           {.name = "client|pause", .arity = -3, .flags = kAdmin | kSub},
           {.name = "client|unpause", .arity = 2, .flags = kAdmin | kSub},
           {.name = "client|reply", .arity = 3, .flags = kSub},
           {.name = "client|setname", .arity = 3, .flags = kSub},
           {.name = "client|unblock", .arity = -3, .flags = kAdmin | kSub},
           {.name = "client|tracking", .arity = -3, .flags = kSub},
           {.name = "client|caching", .arity = 3, .flags = kSub},
           {.name = "client|getredir", .arity = 2, .flags = kSub},
           {.name = "client|trackinginfo", .arity = 2, .flags = kSub},
       }},
  });
  // clang-format on
}

}  // namespace shoal
