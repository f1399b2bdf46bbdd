#include "server/pubsub.h"

#include <absl/container/inlined_vector.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <cstdio>
#include <memory>

#include "base/ascii.h"
#include "base/numbers.h"
#include "protocol/reply_builder.h"
#include "server/connection.h"
#include "server/replicated_names.h"
#include "server/server_state.h"
#include "shard/glob.h"
#include "shard/notify.h"
#include "shard/shard.h"
#include "shard/shard_set.h"

namespace shoal::pubsub {

namespace {

using Entry = ReplicatedNames::Entry;

// Every kind's names, replicated on every thread (server/replicated_names.h).
ReplicatedNames g_names[kKinds];

// Nobody subscribed to anything, anywhere (the calling thread's view): the fast exit of a publish
// and of a keyspace event.
bool NothingRegistered() {
  for (auto& n : g_names)
    if (!n.Local().empty()) return false;
  return true;
}

// What publishes on one thread bring to another during one loop turn, in publish order: per
// publish, the channel's subscribers there and/or those of the matched patterns. One message (one
// allocation of the batch, one queue push) carries them all: the outbox below.
struct Delivery : ShardMsg {
  struct Item {
    Kind kind;  // kChannel (with patterns), kShardChannel or kMonitor
    bool channel_subs;
    uint32_t chan_off, chan_len, msg_off, msg_len;
    uint32_t pat_first, pat_count;  // into pats
  };
  std::string data;  // channel, message and pattern bytes of every item
  std::vector<Item> items;
  std::vector<std::pair<uint32_t, uint32_t>> pats;  // (offset, length) in data
};

void DeliverHere(Kind kind, bool channel_subs, std::string_view channel, std::string_view message,
                 const std::vector<std::string_view>& patterns) {
  if (kind == kMonitor) {
    if (Entry* e = g_names[kMonitor].Find(""); e && !e->local.empty()) {
      std::vector<Connection*> mons = e->local;  // a monitor may close while we write
      for (Connection* c : mons) c->WritePush(message, /*raw=*/true);
    }
    return;
  }
  bool sharded = kind == kShardChannel;
  // Reused per thread (no allocation per message once warm). The subscriber list is copied: one
  // closed by its output limit leaves the list while we iterate.
  thread_local std::string frame;
  thread_local std::vector<Connection*> subs;
  if (channel_subs) {
    if (Entry* e = g_names[kind].Find(channel); e && !e->local.empty()) {
      frame.clear();
      AppendMessageFrame(&frame, sharded ? "smessage" : "message", channel, message);
      subs.assign(e->local.begin(), e->local.end());
      for (Connection* c : subs) c->WritePush(frame);
    }
  }
  for (std::string_view pat : patterns) {
    Entry* e = g_names[kPattern].Find(pat);
    if (e == nullptr || e->local.empty()) continue;
    frame.clear();
    protocol::ReplyBuilder rb(&frame);
    rb.Array(4);
    rb.Bulk("pmessage");
    rb.Bulk(pat);
    rb.Bulk(channel);
    rb.Bulk(message);
    subs.assign(e->local.begin(), e->local.end());
    for (Connection* c : subs) c->WritePush(frame);
  }
}

void RunDelivery(ShardMsg* m, Shard*) {
  auto* d = static_cast<Delivery*>(m);
  std::string_view data = d->data;
  std::vector<std::string_view> pats;
  for (const Delivery::Item& it : d->items) {
    pats.clear();
    for (uint32_t k = 0; k < it.pat_count; ++k) {
      auto [off, len] = d->pats[it.pat_first + k];
      pats.push_back(data.substr(off, len));
    }
    DeliverHere(it.kind, it.channel_subs, data.substr(it.chan_off, it.chan_len),
                data.substr(it.msg_off, it.msg_len), pats);
  }
  delete d;
}

// This thread's open Delivery per target thread, sent once the current loop turn ends (a posted
// flush): a pipeline of publishes to subscribers on another thread costs one message and one
// wake-up there, not one per publish. Every item from this thread to a target keeps its order.
struct Outbox {
  std::vector<Delivery*> open;  // by thread
  std::vector<uint32_t> dirty;
  bool flush_posted = false;
};
thread_local Outbox tl_outbox;

void FlushOutbox() {
  Outbox& ob = tl_outbox;
  Shard::tl_batched = false;  // before the sends below, which would call back here
  thread_local std::vector<uint32_t> sending;
  sending.swap(ob.dirty);
  for (uint32_t t : sending) {
    Delivery* d = ob.open[t];
    ob.open[t] = nullptr;
    Server().shards->shard(t)->Send(d);
  }
  sending.clear();
}

void PostedFlush() {
  tl_outbox.flush_posted = false;
  FlushOutbox();
}

uint32_t Append(std::string* data, std::string_view s) {
  auto off = static_cast<uint32_t>(data->size());
  data->append(s);
  return off;
}

void Enqueue(uint32_t thread, Kind kind, bool channel_subs, std::string_view channel,
             std::string_view message, const std::vector<std::string_view>& patterns) {
  Outbox& ob = tl_outbox;
  if (ob.open.empty()) ob.open.resize(Server().shards->size(), nullptr);
  Delivery*& d = ob.open[thread];
  if (d == nullptr) {
    d = new Delivery;
    d->fn = &RunDelivery;
    d->discard = &DeleteMsg<Delivery>;
    d->deferrable = false;
    d->completion = true;  // connection work only: runs while the shard is parked or lent
    ob.dirty.push_back(thread);
    Shard::tl_batched = true;
  }
  Delivery::Item it{};
  it.kind = kind;
  it.channel_subs = channel_subs;
  it.chan_off = Append(&d->data, channel);
  it.chan_len = static_cast<uint32_t>(channel.size());
  it.msg_off = Append(&d->data, message);
  it.msg_len = static_cast<uint32_t>(message.size());
  it.pat_first = static_cast<uint32_t>(d->pats.size());
  it.pat_count = static_cast<uint32_t>(patterns.size());
  for (std::string_view p : patterns)
    d->pats.emplace_back(Append(&d->data, p), static_cast<uint32_t>(p.size()));
  d->items.push_back(it);
  if (!ob.flush_posted) {
    ob.flush_posted = true;
    boost::asio::post(Shard::Current()->io(), &PostedFlush);
  }
}

// Redis's notifyKeyspaceEvent, after the class check (shard/notify.h).
void PublishKeyspaceEvent(int64_t type, std::string_view event, std::string_view key, uint32_t db) {
  (void)type;
  Shard* cur = Shard::Current();
  if (cur == nullptr || NothingRegistered()) return;
  int64_t flags = ShardSettings::Get(ShardSettings::notify_keyspace_events);
  char dbbuf[24];
  std::string_view dbs(dbbuf, FormatUint64(db, dbbuf));
  std::string chan;
  if (flags & notify::kKeyspace) {
    chan.reserve(16 + dbs.size() + key.size());
    chan.append("__keyspace@").append(dbs).append("__:").append(key);
    Publish(false, chan, event);
  }
  if (flags & notify::kKeyevent) {
    chan.clear();
    chan.append("__keyevent@").append(dbs).append("__:").append(event);
    Publish(false, chan, key);
  }
}

}  // namespace

void DropPending() {
  for (Delivery*& d : tl_outbox.open) {
    delete d;
    d = nullptr;
  }
  tl_outbox.dirty.clear();
  Shard::tl_batched = false;
}

void Init(uint32_t threads) {
  for (auto& n : g_names) n.Init(threads);
  notify::SetHook(&PublishKeyspaceEvent);
  Shard::SetFlushHook(&FlushOutbox);
}

void AppendMessageFrame(std::string* out, std::string_view type, std::string_view channel,
                        std::string_view message) {
  protocol::ReplyBuilder rb(out);
  rb.Array(3);
  rb.Bulk(type);
  rb.Bulk(channel);
  rb.Bulk(message);
}

namespace {
int64_t PublishKind(Kind kind, std::string_view channel, std::string_view message) {
  if (NothingRegistered()) return 0;
  uint32_t self = Shard::Current()->id();
  int64_t receivers = 0;
  // Per target thread: whether the channel's subscribers are there, and the matched patterns.
  struct Target {
    uint32_t thread;
    bool channel_subs = false;
    std::vector<std::string_view> patterns;
  };
  absl::InlinedVector<Target, 4> targets;
  auto target = [&targets](uint32_t t) -> Target& {
    for (auto& x : targets)
      if (x.thread == t) return x;
    targets.push_back(Target{t, false, {}});
    return targets.back();
  };
  if (Entry* e = g_names[kind].Find(channel)) {
    receivers += e->total;
    for (const auto& [t, n] : e->threads) target(t).channel_subs = true;
  }
  if (kind == kChannel) {
    for (auto& [pat, e] : g_names[kPattern].Local()) {
      if (e.total <= 0 || !GlobMatch(pat, channel)) continue;
      receivers += e.total;
      for (const auto& [t, n] : e.threads) target(t).patterns.push_back(pat);
    }
  }
  for (Target& t : targets)
    if (t.thread != self) Enqueue(t.thread, kind, t.channel_subs, channel, message, t.patterns);
  for (Target& t : targets)
    if (t.thread == self) DeliverHere(kind, t.channel_subs, channel, message, t.patterns);
  return receivers;
}
}  // namespace

int64_t Publish(bool sharded, std::string_view channel, std::string_view message) {
  return PublishKind(sharded ? kShardChannel : kChannel, channel, message);
}

// sdscatrepr: a quoted string with C escapes, \xHH for the rest.
static void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (std::isprint(ch)) {
          out->push_back(static_cast<char>(ch));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", ch);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

void FeedMonitors(uint32_t db, std::string_view addr, const std::string_view* args, size_t argc) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char head[64];
  int n = std::snprintf(head, sizeof(head), "+%ld.%06ld [%u ", static_cast<long>(tv.tv_sec),
                        static_cast<long>(tv.tv_usec), db);
  std::string line(head, static_cast<size_t>(n));
  line.append(addr);
  line.append("] ");
  for (size_t j = 0; j < argc; ++j) {
    AppendRepr(&line, args[j]);
    if (j + 1 != argc) line.push_back(' ');
  }
  line.append("\r\n");
  PublishKind(kMonitor, "", line);
}

void Subscribe(Connection* c, Kind kind, std::vector<std::string> names,
               std::function<void()> done) {
  std::vector<std::string> fresh;
  for (auto& n : names)
    if (!c->HasSubscription(kind, n) && std::find(fresh.begin(), fresh.end(), n) == fresh.end())
      fresh.push_back(std::move(n));
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(fresh));
  if (shared->empty()) return done();
  if (kind == kMonitor) g_monitors.fetch_add(1, std::memory_order_relaxed);
  auto self_conn = c->shared_from_this();
  g_names[kind].Broadcast(shared, +1, [self_conn, kind, shared, done = std::move(done)] {
    Connection* conn = self_conn.get();
    if (conn->closed()) {
      // Closed while the threads counted it: take the counts back.
      if (kind == kMonitor) g_monitors.fetch_sub(1, std::memory_order_relaxed);
      g_names[kind].Broadcast(shared, -1, nullptr);
      return done();
    }
    for (const auto& name : *shared) conn->AddSubscription(kind, name);
    g_names[kind].Join(conn, *shared);
    done();
  });
}

void Unsubscribe(Connection* c, Kind kind, std::vector<std::string> names,
                 std::function<void()> done) {
  if (kind == kMonitor && !names.empty()) g_monitors.fetch_sub(1, std::memory_order_relaxed);
  for (const auto& name : names) c->RemoveSubscription(kind, name);
  g_names[kind].Leave(c, names);
  g_names[kind].Broadcast(std::make_shared<const std::vector<std::string>>(std::move(names)), -1,
                          std::move(done));
}

std::vector<std::string> Names(Kind kind, const std::string* pattern) {
  std::vector<std::string> out;
  for (const auto& [name, e] : g_names[kind].Local())
    if (e.total > 0 && (pattern == nullptr || GlobMatch(*pattern, name))) out.push_back(name);
  return out;
}

int64_t NumSubscribers(Kind kind, std::string_view name) {
  Entry* e = g_names[kind].Find(name);
  return e == nullptr ? 0 : e->total;
}

int64_t NumNames(Kind kind) { return g_names[kind].CountNames(); }

}  // namespace shoal::pubsub
