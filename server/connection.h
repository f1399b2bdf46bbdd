// Connection: one client socket, living on one shard thread (its "home") for its whole life.
//
// Data path: read -> parse every complete command in the buffer -> route each one:
//   kConnection commands run at once; kShard commands run inline when their shard is the home
//   shard and may run inline, else they are appended to that shard's batch message (one message
//   and one wake-up per shard per read); kMulti commands are barriers: earlier commands finish,
//   then the coordinator runs (asynchronously).
// Replies are produced in request order: while no earlier command of the batch is in flight they
// go straight to the output buffer, else into the command's slot; the whole batch is written
// with one write.
//
// Threading: every member is touched on the home thread only, except PendingCmd entries that a
// shard executes while their batch message is with it (the home thread does not touch them then;
// the queue hand-off orders the accesses).
// Lifetime: owned by shared_ptrs held by pending asio handlers and, while commands are in flight
// at other shards, by inflight_self_.
//
// Transport: the socket is a generic stream socket (TCP over IPv4/IPv6, or a unix socket). A TLS
// client also has a tls::Session (server/tls.h) layered on that socket: its reads and writes go
// through the session's asynchronous operations, while a plaintext client's replies are sent with
// a direct non-blocking send (the one branch on the hot path is `tls_ != nullptr`). TLS clients
// are not served by ServeWhileBusy (their bytes in the kernel are ciphertext) and always read into
// a buffer (the session may hold decrypted bytes that the socket's readiness does not show).
#pragma once

#include <absl/container/flat_hash_set.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"
#include "server/acl.h"
#include "server/client_socket.h"
#include "server/command_context.h"
#include "server/pubsub.h"
#include "shard/shard.h"
#include "shard/watch.h"

namespace shoal {

namespace tls {
class Context;
class Session;
}  // namespace tls

// A connection's query buffer: raw bytes that are never zero-filled, so memory is committed only
// for input that arrived (a client announcing a 512MB bulk costs nothing until it sends it).
class QueryBuffer {
 public:
  QueryBuffer() = default;
  QueryBuffer(const QueryBuffer&) = delete;
  QueryBuffer& operator=(const QueryBuffer&) = delete;
  ~QueryBuffer() { std::free(data_); }
  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return size_; }
  // Makes the buffer exactly n bytes (0 frees it), keeping its first `keep` bytes (keep <= n).
  void Reallocate(size_t n, size_t keep);

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class ReplyMode { kOn, kOff, kSkip };

  // `fd`: a connected stream socket the connection owns from here on (it closes it). `tls`: the
  // TLS context of the listener that accepted it (null: plaintext). Any thread (the acceptor's):
  // the descriptor is registered with home's io_context only in Start, on home's thread, which
  // alone touches its sockets (see Shard).
  Connection(int fd, Shard* home, std::shared_ptr<tls::Context> tls = nullptr);
  ~Connection();
  // Home thread: registers the socket, then the TLS handshake (if any), protected mode's
  // admission, reading.
  void Start();
  bool unix_socket() const { return unix_; }
  // Redis's islocalClient: a unix socket client, or a peer address of exactly 127.0.0.1 or ::1.
  bool local_peer() const { return local_peer_; }
  bool is_tls() const { return tls_ != nullptr; }

  // --- client state, home thread only ---
  uint64_t id() const { return id_; }
  Shard* home() const { return home_; }
  DbIndex db = 0;
  int resp = 2;
  std::string name;
  ReplyMode reply_mode = ReplyMode::kOn;
  bool no_evict = false;
  std::string_view addr() const { return addr_; }
  std::string_view laddr() const { return laddr_; }

  // A TLS client that has not completed its handshake after this long is closed by the sweep.
  static constexpr int64_t kTlsHandshakeTimeoutMs = 10000;
  bool handshaking() const { return handshaking_; }
  // Milliseconds since the last input, 0 while commands are in flight.
  int64_t IdleMs(int64_t now_ms) const;
  // One CLIENT LIST line (no trailing newline).
  std::string Info() const;
  // Closes now (home thread). Commands in flight finish and are dropped.
  void Close();
  bool closed() const { return closed_; }
  // Why a blocked command stops waiting without being served: the client disconnected, or
  // CLIENT UNBLOCK asked it to answer as on timeout or with the UNBLOCKED error.
  enum class UnblockReason { kDisconnect, kTimeout, kError };
  // A blocking command waiting for data sets how to cancel it (nullptr when it stops waiting);
  // the hook returns whether it did cancel (false when the command is being served already).
  // Blocking sends the replies of the commands before it at once; while blocked the socket keeps
  // being read (into a side buffer, bounded by the query buffer limit) so a disconnect is seen;
  // what arrives is parsed after the command ends.
  void SetBlocked(std::function<bool(UnblockReason)> cancel);
  bool blocked() const { return static_cast<bool>(cancel_blocked_); }
  // CLIENT UNBLOCK (home thread): cancels the blocked command for `reason` (kTimeout or kError);
  // false when there is none to cancel.
  bool Unblock(UnblockReason reason);
  // Closes after the current batch's replies are written (QUIT, CLIENT KILL of oneself).
  void CloseAfterReply() { close_after_write_ = true; }
  // CLIENT REPLY SKIP: the next command's reply is dropped.
  void SkipNextReply() { skip_next_reply_ = true; }
  // Clears per-connection state (RESET): also discards a MULTI and unwatches, and goes back to
  // the default user (authenticated when it needs no password). `done` runs on this thread once
  // every thread dropped the subscriptions and BCAST prefixes (a PUBLISH sent after RESET's reply
  // reaches nobody, as in Redis).
  void ResetState(std::function<void()> done);

  // --- ACL (server/acl.h), home thread only ---
  // The user this connection runs as (a snapshot refreshed when the user table changes).
  const acl::User& user() const { return *user_; }
  // AUTH / HELLO AUTH: switches to `name` when the password is right, else logs the failure
  // (ACL LOG reason auth, object `cmd_name` as sent). True when authenticated.
  bool Authenticate(std::string_view name, std::string_view pass, std::string_view cmd_name);
  bool authenticated() const { return authenticated_; }
  // Whether this connection's user may run `cmd` now, logging a denial (context multi inside
  // MULTI or EXEC, else toplevel); the -NOPERM text goes to *err. EXEC uses it again for each
  // queued command (the rules may have changed since it was queued).
  bool AclAllows(const CommandId& cmd, ArgSlice args, acl::Context context, acl::Result* r);

  // --- MULTI/EXEC/WATCH state (server/multi_exec.h), home thread only ---
  struct QueuedCmd {
    std::vector<std::string> argv;
    const CommandId* cid = nullptr;
  };
  struct MultiState {
    bool active = false;
    bool error = false;  // a command failed to queue: EXEC answers EXECABORT (flagTransaction)
    uint32_t flags = 0;  // the queued commands' flags, or-ed (EXEC's denyoom check)
    std::vector<QueuedCmd> cmds;
  };
  MultiState multi;
  // Keys this client WATCHes (db, key), and the flag their shards set when one changes.
  std::vector<std::pair<DbIndex, std::string>> watched;
  std::shared_ptr<WatchState> watch_state = std::make_shared<WatchState>();
  // Drops every watch (the shards forget it by message) and starts a clean state.
  void Unwatch();
  // MULTI ends without running (DISCARD, EXEC's aborts, RESET, close).
  void DiscardMulti();

  // --- Pub/Sub (server/pubsub.h), home thread only ---
  // Confirmed subscriptions. Patterns keep the order they were subscribed in (PUNSUBSCRIBE with no
  // argument answers in that order, as Redis's list does).
  bool HasSubscription(pubsub::Kind kind, std::string_view name) const;
  void AddSubscription(pubsub::Kind kind, const std::string& name);
  void RemoveSubscription(pubsub::Kind kind, const std::string& name);
  std::vector<std::string> Subscriptions(pubsub::Kind kind) const;
  size_t SubscriptionCount(pubsub::Kind kind) const {
    return kind == pubsub::kPattern ? patterns_.size() : sub_names_[kind].size();
  }
  // Redis's clientSubscriptionsCount (channels + patterns) and the shard channels'.
  size_t ChannelAndPatternCount() const { return sub_names_[0].size() + patterns_.size(); }
  // CLIENT_PUBSUB: subscribed to anything (RESP2: only the subscribe family may run).
  bool subscribed() const { return ChannelAndPatternCount() + sub_names_[2].size() > 0; }
  // MONITOR: a subscriber of the monitor feed.
  bool monitor() const { return !sub_names_[pubsub::kMonitor].empty(); }
  // Drops every subscription (RESET, close); nobody is told. `done` once every thread dropped
  // them (null: nobody waits, as on close).
  void UnsubscribeAll(std::function<void()> done);
  // Out-of-band output (a published message, later an invalidation): `frame` is the RESP2
  // encoding (an array); a RESP3 client gets it as a push ('>'). Written now unless a batch is
  // being answered (it is then written with the batch), checked against the pubsub (or normal)
  // class of client-output-buffer-limit.
  // `raw`: written as is whatever the protocol (a MONITOR line).
  void WritePush(std::string_view frame, bool raw = false);

  // --- Client-side caching (server/tracking.h), home thread only ---
  struct Tracking {
    bool on = false;
    bool bcast = false, optin = false, optout = false, noloop = false;
    bool caching = false;       // CLIENT CACHING YES/NO, for the next command (or MULTI...EXEC)
    bool broken_redir = false;  // the REDIRECT client went away (flag R)
    uint64_t redirect = 0;      // 0: none
    uint32_t redirect_thread = 0;
    std::vector<std::string> prefixes;  // BCAST, in byte order (Redis's rax)
  };
  Tracking tracking;
  // CLIENT TRACKING OFF, RESET, close (Redis's disableTracking); `done` once every thread dropped
  // the client's BCAST prefixes (null: nobody waits).
  void DisableTracking(std::function<void()> done);
  // An invalidation (RESP2 frame, a push for RESP3): written after the replies of the batch being
  // answered, else now (Redis sends a client's own invalidations after the command's reply).
  void WriteInvalidation(std::string_view frame);
  // Whether this command (cid: as routed, a container's subcommand is looked up), about to run,
  // must remember its keys: tracking in default mode, a read-only command, OPTIN/OPTOUT and
  // CLIENT CACHING agreeing (Redis's call() and trackingRememberKeys).
  // `eff`: the command as Resolve gives it (a container's subcommand).
  bool TrackThis(const CommandId* eff) const;
  // The same for the read commands a script calls (EVAL, FCALL...): tracking in default mode,
  // OPTIN/OPTOUT and CLIENT CACHING agreeing.
  bool TracksScriptReads() const {
    return tracking.on && !tracking.bcast && !(tracking.optin && !tracking.caching) &&
           !(tracking.optout && tracking.caching);
  }
  // The connection `id` if it lives on the calling thread, else nullptr.
  static Connection* FindOnThread(uint64_t id);

  // --- CLIENT PAUSE (Redis 7.0's pauseClients) ---
  // 0 off, 1 WRITE (commands that write or may replicate wait), 2 ALL (every command waits, even
  // CLIENT UNPAUSE, as in Redis). Any thread sets them (the longer end and the stronger type win);
  // routing reads them with one relaxed load per command.
  enum PauseType : int { kPauseOff = 0, kPauseWrite = 1, kPauseAll = 2 };
  static inline std::atomic<int> pause_type{kPauseOff};
  static inline std::atomic<int64_t> pause_end_ms{0};
  static void Pause(PauseType type, int64_t end_ms);
  // CLIENT UNPAUSE: clears the pause; the caller then resumes every thread's waiting clients.
  static void Unpause();
  // Home thread: runs the command this client postponed for a pause, and what follows it.
  void ResumePostponed();

  // Bytes held by this client's query and reply buffers (INFO mem_clients_normal). The replies
  // of a batch at other shards are being written there, so they count only when none is out.
  size_t BufferBytes() const {
    size_t n = rbuf_.capacity() + out_buf_.capacity() + wbuf_.capacity();
    if (outstanding_ == 0)
      for (const PendingCmd& pc : pending_) n += pc.reply.capacity();
    return n;
  }

  // Connections open now, on all threads (maxclients): counted from construction (the acceptor's
  // thread) to Close.
  static inline std::atomic<int64_t> open_count{0};

  // The once-a-second sweep's per-client work (home thread): times the soft output limit, shrinks
  // an idle or oversized query buffer (Redis's clientsCron), and reports the buffer sizes seen.
  void Cron(int64_t now_ms, size_t* max_in, size_t* max_out);
  bool IdleForBusyServe() const;

  // Connections living on the calling thread, by id.
  static std::vector<Connection*> ThreadConnections();
  // Any thread (the acceptor): the connection starts on its home shard's thread. Through a small
  // inbox per shard (a mutex, taken once per new connection) and a posted drain, so that a thread
  // busy with a long script can also start (and answer) new clients from its hook.
  static void Adopt(std::shared_ptr<Connection> conn);
  // The AOF loader's client (server/aof.cc): a socket-pair end on `home`; it runs commands while
  // the dataset loads (no -LOADING, -MISCONF or OOM refusals), as Redis's fake AOF client.
  static void StartReplay(int fd, Shard* home);
  // Home thread: starts the connections waiting in this shard's inbox.
  static void StartAdopted(uint32_t shard);
  // Home thread, its loop stopped (Shard::SetLoopExitHook): drops the self-references of
  // connections stopped with a command in flight, so the loop's teardown frees them.
  static void ReleaseOnLoopExit();
  // While this thread runs a script past busy-reply-threshold (from its hook): answers the idle
  // connections of this thread as Redis's processEventsWhileBlocked does: -BUSY, except SCRIPT
  // KILL, FUNCTION KILL, FUNCTION STATS and SHUTDOWN NOSAVE. Only connections with nothing in
  // flight and no unparsed input, whose bytes are still in the kernel (peeked, then consumed), so
  // replies keep their order.
  static void ServeWhileBusy();
  // Starts this thread's once-a-second sweep that closes clients idle for longer than the
  // `timeout` config (when non-zero) and runs Cron on the others. Call on the shard's thread.
  static void StartIdleSweep(Shard* shard);

 private:
  struct PendingCmd {
    std::vector<std::string_view> args;
    std::vector<std::string> owned;  // inline-command args (the parser's storage is reused)
    const CommandId* cid = nullptr;
    DbIndex db = 0;
    int resp = 2;
    uint32_t first_key = 0;  // index of its first key in args (0: none), for RunBatch's prefetch
    bool direct = false;     // reply went straight to out_buf_
    bool discard = false;    // CLIENT REPLY OFF/SKIP
    bool track = false;      // a tracking client's read: remember its keys where it runs
    uint64_t ticket = 0;     // the journal unit it logged (appendfsync always: reply when durable)
    const acl::User* user = nullptr;  // who runs it (user_ or a retired snapshot of it)
    std::string reply;
  };
  struct Batch : ShardMsg {
    Connection* conn = nullptr;
    std::vector<uint32_t> cmds;
  };

  // After the handshake: protected mode (Redis's clientAcceptHandler), then the first read.
  void Admit();
  void ReadMore();
  // Closes the client (Redis's log line) when its query buffer is over client-query-buffer-limit.
  bool QueryBufferOverLimit();
  // Whether a pause in force now holds back this command (Redis's processCommand check).
  bool PausedFor(const PendingCmd& pc) const;
  void WatchForClose();
  void FlushBeforeBlock();
  void OnRead(const boost::system::error_code& ec, size_t n);
  // now_ms: the wall clock if the caller just read it (0: read it here).
  void Process(int64_t now_ms = 0);
  void ContinueBatch(int64_t now_ms = 0);
  bool Route(uint32_t i);  // false: stop parsing (waiting on a barrier)
  // Pipelined input: prefetches the home shard's table buckets of the next commands' keys, and
  // (PrefetchEntriesAhead, called before the next command) the entries in them.
  void PrefetchAhead();
  void PrefetchEntriesAhead();
  void RunMulti(uint32_t i);

  // Runs a kShard command on `shard` (conn null) or a kConnection one (shard null, conn this),
  // replying into `out`, and records its stats on the running thread.
  void Execute(PendingCmd& pc, Shard* shard, Connection* conn, std::string* out);
  std::string* ReplyTarget(PendingCmd& pc);
  void RejectCommand(PendingCmd& pc, std::string_view msg);
  // The user table changed: fetch this user's new snapshot and what it allows.
  void RefreshAcl();
  // Sets user_ (the old snapshot stays alive while commands are in flight) and the derived state.
  void SetUser(acl::UserPtr u, bool authenticated);
  // NOAUTH and the ACL check of a routed command (false: rejected).
  bool CheckAccess(PendingCmd& pc, const CommandId* cid, const CommandId* eff);
  // Inside MULTI: queues the command (+QUEUED) or refuses it (flagging the transaction).
  void QueueCommand(PendingCmd& pc);
  void SendBatches();
  void OnBatchDone();
  void FinishBatch();
  // The batch's journal units are on disk: its replies go out, input resumes.
  void OnDurable();
  // After a batch (on_loop false) or a write (true): read or parse more, or wait for the write
  // (backpressure).
  void ContinueInput(bool on_loop);
  void StartWrite();
  void OnWritten(const boost::system::error_code& ec);
  size_t PendingOutput() const { return wbuf_.size() + out_buf_.size(); }
  size_t OutputBound() const;
  // Closes the client when `used` bytes of pending output break the normal class's
  // client-output-buffer-limit (Redis's log line); true when it did. now_ms 0: read the clock.
  bool CheckOutputLimits(size_t used, int64_t now_ms);
  // `frame` (RESP2) into `out`, as a push for a RESP3 client unless `raw`.
  void AppendPush(std::string* out, std::string_view frame, bool raw) const;
  // Redis's getClientType for the output limits: pubsub while subscribed, else normal.
  int ObufClass() const;
  void UpdateInflight();
  static void RunBatch(ShardMsg* m, Shard* s);
  static void RunBatchDone(ShardMsg* m, Shard* s);

  ClientSocket socket_;
  std::unique_ptr<tls::Session> tls_;      // TLS clients only (from Start on)
  std::shared_ptr<tls::Context> tls_ctx_;  // until Start builds tls_ with it
  bool assigned_ = false;    // socket_ owns fd_ (Start); before that the destructor closes it
  int family_ = AF_INET;     // fd_'s address family (the constructor's getsockname)
  bool unix_ = false;        // a unix socket client (flag U; always local)
  bool local_peer_ = false;  // 127.0.0.1, ::1 or a unix socket (protected mode)
  Shard* home_;
  uint64_t id_;
  std::string addr_, laddr_;
  int fd_ = -1;
  int64_t created_ms_ = 0;
  int64_t last_ms_ = 0;
  std::string_view last_cmd_ = "NULL";  // a name in the command table (it lives until exit)
  // ACL: the user's snapshot, the table version it was read at, and whether every command is
  // allowed without a check (authenticated or no AUTH needed, and an unrestricted user).
  acl::UserPtr user_;
  uint64_t acl_version_ = 0;
  bool authenticated_ = false;
  bool auth_ok_ = true;                      // authenticated, or no AUTH needed
  bool acl_open_ = false;                    // auth_ok_ and an unrestricted user: nothing to check
  std::vector<acl::UserPtr> retired_users_;  // snapshots commands in flight may still read
  std::string script_client_info_;  // CLIENT LIST line for the ACL LOG of a script's denials

  QueryBuffer rbuf_;
  size_t rpos_ = 0, rend_ = 0;
  size_t rpeak_ = 0;             // the most bytes buffered since the last sweep (querybuf_peak)
  bool shrink_pending_ = false;  // the sweep cancelled the idle read to shrink rbuf_
  protocol::RequestParser parser_;
  std::string out_buf_;             // replies not handed to the socket yet
  std::string wbuf_;                // replies being written (writing_)
  size_t batch_out0_ = 0;           // out_buf_'s size when the batch started
  uint32_t max_batch_ = 8;          // commands per batch: adapts to the size of their replies
  uint32_t prefetched_ = 0;         // commands ahead whose keys PrefetchAhead already covered
  bool input_drained_ = true;       // the last batch parsed every complete command buffered
  bool paused_ = false;             // not reading: too much output pending (backpressure)
  bool push_flush_posted_ = false;  // a write of pushed output is scheduled for this loop turn
  int64_t obuf_soft_since_ms_ = 0;  // when the output first went over the soft limit
  size_t opeak_ = 0;                // the most output pending since the last sweep
  std::string discard_buf_;
  std::string invalidations_;  // pushes held until the batch's replies are out (WriteInvalidation)

  std::vector<PendingCmd> pending_;
  uint32_t npending_ = 0;
  std::vector<Batch> batches_;  // one per shard
  uint32_t unsent_ = 0;         // batches with commands not yet sent
  uint32_t outstanding_ = 0;    // batches at shards
  bool chain_direct_ = true;
  int64_t barrier_ = -1;    // index of a kMulti command waiting for outstanding_ == 0
  int64_t postponed_ = -1;  // index of a command waiting for CLIENT PAUSE to end
  std::unique_ptr<boost::asio::steady_timer> pause_timer_;
  bool waiting_multi_ = false;
  bool in_continue_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool handshaking_ = false;  // TLS: the handshake is in progress (the sweep times it out)
  bool replay_ = false;       // the AOF loader's client (StartReplay)
  bool held_ = false;         // replies wait for the AOF (appendfsync always): OnDurable resumes
  bool close_after_write_ = false;
  bool skip_next_reply_ = false;
  bool caching_ends_ = false;  // the last command was not CLIENT: CLIENT CACHING's flag ends
  std::string proto_error_;
  uint32_t multi_index_ = 0;  // the kMulti command running (RunMulti)
  // While a command blocks: the side read (WatchForClose) and the early reply write.
  std::vector<char> side_chunk_;
  std::string side_in_;
  bool side_reading_ = false;
  bool resume_read_ = false;
  CommandContext multi_ctx_;
  std::unique_ptr<journal::Builder> multi_jb_;  // the journal unit of the kMulti command running
  protocol::ReplyBuilder multi_rb_{nullptr};
  std::shared_ptr<Connection> inflight_self_;
  std::function<bool(UnblockReason)> cancel_blocked_;
  absl::flat_hash_set<std::string> sub_names_[pubsub::kKinds];  // [kPattern] unused
  std::vector<std::string> patterns_;
};

// Applies `fn` to the connections of every thread (each on its own thread), then `then` on the
// calling thread (server/commands/connection_family.cc).
void ForAllConnections(std::function<void(Connection*)> fn, std::function<void()> then);

}  // namespace shoal
