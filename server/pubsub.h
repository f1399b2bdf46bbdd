// Pub/Sub: channels, patterns and shard channels, and the keyspace-notification hook.
//
// Subscribers live on every thread (a connection's home shard thread). Each shard thread keeps a
// Registry: every channel (pattern, shard channel) anybody subscribes to, with how many subscribers
// each thread has for it, plus the list of its own subscribed connections. The counts are
// replicated on every thread, so PUBLISH (and a keyspace notification emitted on any shard) reads
// only its own thread's registry: no lock, no hop to learn who listens. It then sends one Delivery
// message per thread that has receivers (all the channel's and the matching patterns' subscribers
// of that thread together: one message per thread per publish, never one per subscriber) and
// writes to its own thread's subscribers at once. Patterns are matched once, on the publishing
// thread; the receiving thread finds its subscribers by the matched pattern's name.
//
// Subscribing changes every thread's counts: SUBSCRIBE sends the change to every other thread and
// confirms to the client (and starts delivering to it) only once all of them applied it, so a
// PUBLISH issued anywhere after the confirmation reaches the new subscriber. UNSUBSCRIBE stops
// delivery at once on the subscriber's thread and confirms once every thread dropped the count.
//
// Order: a thread's messages to another travel through the receiver's FIFO queue, so the messages
// of one publisher on one channel reach every subscriber in the order published.
//
// Threading: everything here runs on shard threads; each thread touches only its own Registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

class Connection;

namespace pubsub {

// kMonitor: MONITOR clients subscribe to one internal name, "" (the same registry and delivery).
enum Kind : uint8_t { kChannel = 0, kPattern = 1, kShardChannel = 2, kMonitor = 3 };
constexpr int kKinds = 4;

// Once at startup, before the shard threads start: one registry per thread, and the keyspace
// notification hook.
void Init(uint32_t threads);

// The calling thread's loop stopped (shutdown): frees the deliveries it had not sent yet.
void DropPending();

// PUBLISH / SPUBLISH from the calling shard thread: the number of receivers (a subscriber of the
// channel and of a matching pattern counts twice, as in Redis).
int64_t Publish(bool sharded, std::string_view channel, std::string_view message);

// The connection's thread. Subscribes c to `names` of `kind` (names it already has are skipped,
// duplicates within names are ignored): every thread counts it; then `done` runs on this thread,
// with c subscribed and receiving (immediately with one thread). If c closed meanwhile the
// subscription is undone instead and done still runs.
void Subscribe(Connection* c, Kind kind, std::vector<std::string> names,
               std::function<void()> done);
// Unsubscribes c from `names` (which it must have): delivery to it stops now, `done` runs once
// every thread dropped its count (nullptr: nobody waits, as on close).
void Unsubscribe(Connection* c, Kind kind, std::vector<std::string> names,
                 std::function<void()> done);

// MONITOR (Redis's replicationFeedMonitors): after a command ran, any shard thread sends its line
// ("+<time> [<db> <addr>] \"arg\" ...") to every monitor. `addr` is the client's address, or
// "lua" for a script's calls. Only when MonitorsActive (one relaxed load per command otherwise).
inline std::atomic<int64_t> g_monitors{0};
inline bool MonitorsActive() { return g_monitors.load(std::memory_order_relaxed) > 0; }
void FeedMonitors(uint32_t db, std::string_view addr, const std::string_view* args, size_t argc);

// Introspection, from the calling thread's registry (every thread has every name).
std::vector<std::string> Names(Kind kind, const std::string* pattern);
int64_t NumSubscribers(Kind kind, std::string_view name);
int64_t NumNames(Kind kind);

// The RESP2 frames Redis writes (a RESP3 client gets the same with '>' for the first '*').
void AppendMessageFrame(std::string* out, std::string_view type, std::string_view channel,
                        std::string_view message);

}  // namespace pubsub
}  // namespace shoal
