// Client-side caching (Redis 7.0's CLIENT TRACKING), the server's part: who tracks, BCAST
// prefixes on every thread, and delivering invalidations to the clients' threads.
//
// Default mode: a tracking client's read-only commands remember their keys in the tracking table
// of each key's shard (shard/tracking.h), in the same message that runs the read (so no write can
// fall between the read and the registration). A change of a remembered key hands the clients to
// the hook installed here (Init), on the thread that made the change.
//
// BCAST mode: the prefixes are replicated on every thread like pub/sub channels: each thread keeps
// every prefix anybody registered with how many clients each thread has for it, plus its own
// clients. A change anywhere is matched against the changing thread's copy, no hop needed.
// CLIENT TRACKING ON BCAST answers once every thread counted the new prefixes, so a write issued
// anywhere after the reply is seen.
//
// Delivery: the changing thread collects its invalidations in an outbox during one event loop
// cycle (Redis sends BCAST invalidations once per cycle, from beforeSleep, and so do we: one
// array per prefix with the keys in byte order) and then sends one message per target thread,
// through that thread's queue (completion class: runs while the shard is parked or lent). There the
// clients are found by id (Connection::FindOnThread), checked (still tracking, NOLOOP, not BCAST
// for table keys) and written to: a RESP3 push `invalidate`, or through REDIRECT to the target's
// thread, where it becomes a push (RESP3) or a `__redis__:invalidate` pub/sub message (RESP2
// subscriber). A REDIRECT whose client went away marks the tracking client broken and pushes it
// `tracking-redir-broken` (RESP3), as Redis. An invalidation reaches a client after the replies
// of the batch of commands it is answering (Redis sends a client's own invalidations after the
// command's reply: tracking_pending_keys).
//
// Threading: every function here runs on a shard thread; a connection is touched on its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_registry.h"
#include "shard/tracking.h"

namespace shoal {

class Connection;
class Shard;

namespace tracking {

// Once at startup, before the shard threads start: the per-thread registries and the hook.
void Init(uint32_t threads);

// Clients with tracking on (INFO tracking_clients).
inline std::atomic<int64_t> g_tracking_clients{0};
// Distinct BCAST prefixes (INFO tracking_total_prefixes), from the calling thread's copy.
int64_t NumPrefixes();

// The connection's thread: registers c for `prefixes` (those it has already are skipped) on
// every thread; `done` runs once all counted them, with c receiving (c closed meanwhile: undone).
void AddPrefixes(Connection* c, std::vector<std::string> prefixes, std::function<void()> done);
// Drops all of c's prefixes: delivery stops now; `done` (may be null) once every thread dropped.
void RemoveAllPrefixes(Connection* c, std::function<void()> done);

// FLUSHALL/FLUSHDB (any shard thread): a null invalidation to every tracking client.
void InvalidateAllOnFlush();

// The shard's thread (or the thread its data is lent to): remembers for `client` the keys of a
// read-only command that live on shard `s` (trackingRememberKeys), keys from the command table.
void RememberKeys(const CommandId& cid, ArgSlice args, Client client, Shard& s);
// The same for keys already picked (a multi-shard read's keys): those of shard `s`.
void RememberKeys(const std::vector<std::string>& keys, Client client, Shard& s);

// Redis's test for trackingRememberKeys in call(): a read-only command, not EVAL_RO/EVALSHA_RO/
// FCALL_RO (their scripts' commands count, not the script), nor a pub/sub one.
bool TracksReads(const CommandId& cid);

}  // namespace tracking
}  // namespace shoal
