#include "server/tracking.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <map>
#include <memory>

#include "base/ascii.h"
#include "base/numbers.h"
#include "protocol/reply_builder.h"
#include "server/connection.h"
#include "server/replicated_names.h"
#include "server/server_state.h"
#include "shard/shard.h"
#include "shard/shard_set.h"

namespace shoal::tracking {

namespace {

// BCAST prefixes, replicated on every thread (server/replicated_names.h).
ReplicatedNames g_prefixes;
// --- Delivery (the receiving threads) ---

constexpr std::string_view kInvalidateHead = "*2\r\n$10\r\ninvalidate\r\n";
constexpr std::string_view kMessageHead = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

// On the redirect target's thread: the invalidation `payload` (the keys array, or a null) of
// tracking client `origin` (on thread `origin_thread`).
void DeliverRedirected(uint64_t redirect, uint64_t origin, uint32_t origin_thread,
                       const std::string& payload) {
  Connection* r = Connection::FindOnThread(redirect);
  if (r == nullptr) {
    // Redis's sendTrackingMessage: the tracking client learns its redirection is broken.
    RunOnThread(origin_thread, [origin, redirect] {
      Connection* c = Connection::FindOnThread(origin);
      if (c == nullptr || !c->tracking.on || c->tracking.redirect != redirect) return;
      c->tracking.broken_redir = true;
      if (c->resp > 2) {
        std::string frame = "*2\r\n$21\r\ntracking-redir-broken\r\n:";
        frame += std::to_string(redirect);
        frame += "\r\n";
        c->WriteInvalidation(frame);
      }
    });
    return;
  }
  std::string frame;
  if (r->resp > 2) {
    frame.append(kInvalidateHead);
  } else if (r->subscribed()) {
    frame.append(kMessageHead);
  } else {
    return;  // RESP2 and not in pub/sub mode: nothing can carry it
  }
  frame.append(payload);
  r->WriteInvalidation(frame);
}

// Redis's sendTrackingMessage, on c's thread.
void SendTrackingMessage(Connection* c, std::string payload) {
  if (c->tracking.redirect != 0) {
    uint64_t redirect = c->tracking.redirect, origin = c->id();
    uint32_t rt = c->tracking.redirect_thread, self = c->home()->id();
    if (rt == self) return DeliverRedirected(redirect, origin, self, payload);
    RunOnThread(rt, [redirect, origin, self, payload = std::move(payload)] {
      DeliverRedirected(redirect, origin, self, payload);
    });
    return;
  }
  if (c->resp <= 2) return;  // RESP2 without redirection: no way to push
  std::string frame(kInvalidateHead);
  frame.append(payload);
  c->WriteInvalidation(frame);
}

std::string OneKeyPayload(std::string_view key) {
  std::string p;
  protocol::ReplyBuilder rb(&p);
  rb.Array(1);
  rb.Bulk(key);
  return p;
}

// What one event loop cycle of one thread sends to one receiving thread.
struct Parcel {
  // Table keys: (client id, key, the client whose command changed it).
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> keys;
  // BCAST: prefix -> key -> the client that changed it last (byte order, as Redis's rax).
  std::map<std::string, std::map<std::string, uint64_t>> bcast;
};

void Deliver(Parcel& p) {
  for (auto& [id, key, writer] : p.keys) {
    Connection* c = Connection::FindOnThread(id);
    // A client that turned tracking off, or switched to BCAST since, gets nothing (Redis checks
    // the flags when it invalidates: the table keeps ids lazily).
    if (c == nullptr || !c->tracking.on || c->tracking.bcast) continue;
    if (c->tracking.noloop && writer == id) continue;
    SendTrackingMessage(c, OneKeyPayload(key));
  }
  if (p.bcast.empty()) return;
  for (auto& [prefix, keys] : p.bcast) {
    ReplicatedNames::Entry* e = g_prefixes.Find(prefix);
    if (e == nullptr || e->local.empty()) continue;
    std::string all;        // trackingBuildBroadcastReply(NULL, keys), built once
    auto conns = e->local;  // a copy: a write may close a client over its output limit
    for (Connection* c : conns) {
      if (!c->tracking.noloop) {
        if (all.empty()) {
          protocol::ReplyBuilder rb(&all);
          rb.Array(keys.size());
          for (const auto& [k, w] : keys) rb.Bulk(k);
        }
        SendTrackingMessage(c, all);
        continue;
      }
      // NOLOOP: the keys this client changed itself are left out; nothing if none remains.
      size_t n = 0;
      for (const auto& [k, w] : keys) n += w != c->id();
      if (n == 0) continue;
      std::string own;
      protocol::ReplyBuilder rb(&own);
      rb.Array(n);
      for (const auto& [k, w] : keys)
        if (w != c->id()) rb.Bulk(k);
      SendTrackingMessage(c, std::move(own));
    }
  }
}

// --- Collection (the changing thread) ---

struct Outbox {
  absl::flat_hash_map<uint32_t, Parcel> parcels;  // by receiving thread
  bool scheduled = false;
};
thread_local Outbox tl_outbox;

void FlushOutbox() {
  Outbox& box = tl_outbox;
  box.scheduled = false;
  auto parcels = std::move(box.parcels);
  box.parcels.clear();
  for (auto& [thread, parcel] : parcels) {
    auto shared = std::make_shared<Parcel>(std::move(parcel));
    RunOnThread(thread, [shared] { Deliver(*shared); });
  }
}

// The shard hook (shard/tracking.h): on the thread that changed `key`.
void OnInvalidate(const Clients& clients, std::string_view key, bool bcast) {
  Shard* cur = Shard::Current();
  if (cur == nullptr) return;  // no thread to deliver from (teardown)
  Outbox& box = tl_outbox;
  uint64_t writer = tl_current_client;
  for (const Client& c : clients) box.parcels[c.thread].keys.emplace_back(c.id, key, writer);
  if (bcast) {
    for (auto& [prefix, e] : g_prefixes.Local()) {
      if (e.total <= 0 || key.substr(0, prefix.size()) != prefix) continue;
      for (const auto& [thread, n] : e.threads)
        box.parcels[thread].bcast[prefix][std::string(key)] = writer;
    }
  }
  if (box.parcels.empty()) return;
  if (!box.scheduled) {
    // Sent when this loop cycle's handler returns (Redis's beforeSleep for BCAST): one message
    // per receiving thread, whatever the number of keys.
    box.scheduled = true;
    boost::asio::post(cur->io(), &FlushOutbox);
  }
}

}  // namespace

void Init(uint32_t threads) {
  g_prefixes.Init(threads);
  Hooks h;
  h.invalidate = &OnInvalidate;
  SetHooks(h);
}

int64_t NumPrefixes() { return g_prefixes.CountNames(); }

void AddPrefixes(Connection* c, std::vector<std::string> prefixes, std::function<void()> done) {
  std::vector<std::string> fresh;
  for (auto& p : prefixes) {
    if (std::find(c->tracking.prefixes.begin(), c->tracking.prefixes.end(), p) ==
            c->tracking.prefixes.end() &&
        std::find(fresh.begin(), fresh.end(), p) == fresh.end())
      fresh.push_back(std::move(p));
  }
  if (fresh.empty()) return done();
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(fresh));
  g_bcast_prefixes.fetch_add(static_cast<int64_t>(shared->size()), std::memory_order_relaxed);
  auto self_conn = c->shared_from_this();
  g_prefixes.Broadcast(shared, +1, [self_conn, shared, done = std::move(done)] {
    Connection* conn = self_conn.get();
    if (conn->closed()) {
      g_bcast_prefixes.fetch_sub(static_cast<int64_t>(shared->size()), std::memory_order_relaxed);
      g_prefixes.Broadcast(shared, -1, nullptr);
      return done();
    }
    auto& mine = conn->tracking.prefixes;
    for (const auto& p : *shared) mine.insert(std::lower_bound(mine.begin(), mine.end(), p), p);
    g_prefixes.Join(conn, *shared);
    done();
  });
}

void RemoveAllPrefixes(Connection* c, std::function<void()> done) {
  std::vector<std::string> names = std::move(c->tracking.prefixes);
  c->tracking.prefixes.clear();
  if (names.empty()) {
    if (done) done();
    return;
  }
  g_prefixes.Leave(c, names);
  g_bcast_prefixes.fetch_sub(static_cast<int64_t>(names.size()), std::memory_order_relaxed);
  g_prefixes.Broadcast(std::make_shared<const std::vector<std::string>>(std::move(names)), -1,
                       std::move(done));
}

void InvalidateAllOnFlush() {
  if (g_tracking_clients.load(std::memory_order_relaxed) == 0) return;
  uint32_t n = Server().shards->size();
  for (uint32_t t = 0; t < n; ++t) {
    RunOnThread(t, [] {
      for (Connection* c : Connection::ThreadConnections()) {
        if (!c->tracking.on) continue;
        // Redis writes shared.null[c->resp], the tracking client's own null, also when it is
        // redirected to a client of the other protocol.
        SendTrackingMessage(c, c->resp > 2 ? "_\r\n" : "$-1\r\n");
      }
    });
  }
}

bool TracksReads(const CommandId& cid) {
  if (!(cid.flags & cmd_flag::kReadOnly) || (cid.flags & cmd_flag::kPubSub)) return false;
  return cid.name != "eval_ro" && cid.name != "evalsha_ro" && cid.name != "fcall_ro";
}

void RememberKeys(const CommandId& cid, ArgSlice args, Client client, Shard& s) {
  static thread_local std::vector<uint32_t> pos;
  if (!CommandRegistry::KeyPositions(cid, args, &pos)) return;
  ShardSet& set = *Server().shards;
  DbSlice& slice = s.db_slice();
  for (uint32_t p : pos)
    if (set.ShardOf(args[p]) == s.id()) slice.tracking().Remember(args[p], client);
  slice.LimitTracking();
}

void RememberKeys(const std::vector<std::string>& keys, Client client, Shard& s) {
  ShardSet& set = *Server().shards;
  DbSlice& slice = s.db_slice();
  for (const auto& k : keys)
    if (set.ShardOf(k) == s.id()) slice.tracking().Remember(k, client);
  slice.LimitTracking();
}

}  // namespace shoal::tracking
