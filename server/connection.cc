#include "server/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <span>

#include "base/ascii.h"
#include "server/aof.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/persistence.h"
#include "server/propagate.h"
#include "server/scripting/function_store.h"
#include "server/scripting/interpreter.h"
#include "server/server_state.h"
#include "server/tls.h"
#include "server/tracking.h"
#include "shard/alloc.h"
#include "shard/clock.h"
#include "shard/evict.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

constexpr size_t kReadChunk = 16 * 1024;        // PROTO_IOBUF_LEN
constexpr size_t kResizeThreshold = 32 * 1024;  // PROTO_RESIZE_THRESHOLD
constexpr uint32_t kMaxBatch = 1024;
// Reply bytes a connection may have queued before it stops reading (backpressure) and that a batch
// aims at; a client-output-buffer-limit above it raises it, so that the limit can be reached.
constexpr size_t kOutputBound = 1024 * 1024;
constexpr size_t kMaxRetainedReply = 16 * 1024;

thread_local std::map<uint64_t, Connection*> tl_connections;
// Query buffer bytes this thread gave back since its last sweep (see ArmIdleSweep).
thread_local size_t tl_shrunk_bytes = 0;
// Above this, the sweep asks the allocator to return the freed memory to the OS.
constexpr size_t kCollectAfterShrink = 4 * 1024 * 1024;

// A callback that runs `done` on its n-th call (n >= 1; every call on one thread).
std::function<void()> AfterCalls(int n, std::function<void()> done) {
  auto left = std::make_shared<int>(n);
  return [left, done = std::move(done)] {
    if (--*left == 0) done();
  };
}

// Redis's anetFormatFdAddr: "ip:port", "[ip6]:port"; a unix socket is "<unixsocket>:0"
// (genClientAddrString), "?:0" when the address cannot be read.
// ip:port of an address ("?:0" for none: rc == -1, as getpeername/getsockname return).
std::string FormatAddr(int rc, const sockaddr_storage& sa) {
  if (rc == -1) return "?:0";
  char ip[INET6_ADDRSTRLEN];
  if (sa.ss_family == AF_INET) {
    auto* s = reinterpret_cast<const sockaddr_in*>(&sa);
    if (inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip)) == nullptr) return "?:0";
    return std::string(ip) + ":" + std::to_string(ntohs(s->sin_port));
  }
  if (sa.ss_family == AF_INET6) {
    auto* s = reinterpret_cast<const sockaddr_in6*>(&sa);
    if (inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip)) == nullptr) return "?:0";
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(s->sin6_port));
  }
  if (sa.ss_family == AF_UNIX) return Server().config.unixsocket + ":0";
  return "?:0";
}

// Redis's anetKeepAlive: SO_KEEPALIVE, the first probe after `interval` seconds, then one every
// interval/3 (at least 1), and three unanswered probes drop the peer.
void KeepAlive(int fd, int interval) {
  int val = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &val, sizeof(val)) == -1) return;
  val = interval;
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &val, sizeof(val)) < 0) return;
  val = std::max(interval / 3, 1);
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &val, sizeof(val)) < 0) return;
  val = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &val, sizeof(val));
}

}  // namespace

Connection::Connection(int fd, Shard* home, std::shared_ptr<tls::Context> tls)
    : socket_(home->io()),
      tls_ctx_(std::move(tls)),
      home_(home),
      id_(Server().next_client_id.fetch_add(1, std::memory_order_relaxed)) {
  open_count.fetch_add(1, std::memory_order_relaxed);
  fd_ = fd;
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
  const int local_rc = getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_len);
  const int peer_rc = getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  if (local_rc == 0) family_ = local.ss_family;
  unix_ = family_ == AF_UNIX;
  addr_ = FormatAddr(peer_rc, peer);
  laddr_ = FormatAddr(local_rc, local);
  // Redis's islocalClient: the peer's address is exactly 127.0.0.1 or ::1.
  local_peer_ = unix_ || addr_.rfind("127.0.0.1:", 0) == 0 || addr_.rfind("[::1]:", 0) == 0;
  if (!unix_) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int64_t keepalive = Server().config.tcp_keepalive.load();
    if (keepalive > 0) KeepAlive(fd_, static_cast<int>(std::min<int64_t>(keepalive, INT_MAX)));
  }
  created_ms_ = last_ms_ = UnixMs();
  batches_.resize(Server().shards->size());
  for (auto& b : batches_) {
    b.conn = this;
    b.fn = &Connection::RunBatch;
  }
  protocol::ParserLimits limits;
  limits.max_bulk_len = Server().config.proto_max_bulk_len.load();
  parser_.set_limits(limits);
  acl_version_ = acl::Version();
  SetUser(acl::Default(), !acl::AuthRequired());
}

Connection::~Connection() {
  if (!assigned_ && fd_ >= 0) ::close(fd_);  // never started (dropped at shutdown)
}

void Connection::SetUser(acl::UserPtr u, bool authenticated) {
  if (user_ != nullptr && (outstanding_ > 0 || waiting_multi_))
    retired_users_.push_back(std::move(user_));
  user_ = std::move(u);
  authenticated_ = authenticated;
  bool auth_required = !replay_ && !authenticated_ && acl::AuthRequired();
  auth_ok_ = !auth_required;
  acl_open_ = replay_ || (!auth_required && user_->unrestricted);
  if (parser_.limits().auth_required != auth_required) {
    protocol::ParserLimits l = parser_.limits();
    l.auth_required = auth_required;
    parser_.set_limits(l);
  }
}

void Connection::RefreshAcl() {
  acl_version_ = acl::Version();
  acl::UserPtr u = acl::Get(user_->name);
  // A deleted user's connections are being closed (ACL DELUSER); until then the old rules hold.
  SetUser(u != nullptr ? std::move(u) : std::move(user_), authenticated_);
}

bool Connection::Authenticate(std::string_view name, std::string_view pass,
                              std::string_view cmd_name) {
  acl::UserPtr u = acl::Authenticate(name, pass);
  if (u == nullptr) {
    acl::Log(acl::kDeniedAuth, multi.active ? acl::kMulti : acl::kToplevel, std::string(cmd_name),
             std::string(name), Info());
    return false;
  }
  acl_version_ = acl::Version();
  SetUser(std::move(u), true);
  return true;
}

bool Connection::AclAllows(const CommandId& cmd, ArgSlice args, acl::Context context,
                           acl::Result* r) {
  if (acl_version_ != acl::Version()) RefreshAcl();
  int pos = 0;
  *r = acl::Check(*user_, cmd, args, &pos);
  if (*r == acl::kOk) return true;
  acl::Log(*r, context, acl::DenialObject(*r, cmd, args, pos), user_->name, Info());
  return false;
}

bool Connection::CheckAccess(PendingCmd& pc, const CommandId* cid, const CommandId* eff) {
  if (!authenticated_ && acl::AuthRequired() &&
      !((eff != nullptr ? eff : cid)->flags & cmd_flag::kNoAuth)) {
    RejectCommand(pc, "NOAUTH Authentication required.");
    return false;
  }
  // An unknown subcommand is answered by its container (before any ACL check, as in Redis).
  if (eff == nullptr) return true;
  acl::Result r;
  if (AclAllows(*eff, pc.args, multi.active ? acl::kMulti : acl::kToplevel, &r)) return true;
  RejectCommand(pc, acl::NoPermError(r, *eff));
  return false;
}

Connection* Connection::FindOnThread(uint64_t id) {
  auto it = tl_connections.find(id);
  return it == tl_connections.end() ? nullptr : it->second;
}

std::vector<Connection*> Connection::ThreadConnections() {
  std::vector<Connection*> out;
  out.reserve(tl_connections.size());
  for (auto& [id, c] : tl_connections) out.push_back(c);
  return out;
}

namespace {
// INFO's client_recent_max_*_buffer: the largest buffers seen by the last kPeakSlots sweeps
// (Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS).
constexpr int kPeakSlots = 8;

void ArmIdleSweep(boost::asio::steady_timer* timer, ThreadStats* ts) {
  timer->expires_after(std::chrono::seconds(1));
  timer->async_wait([timer, ts](const boost::system::error_code& ec) {
    if (ec) return;
    thread_local size_t in_slots[kPeakSlots], out_slots[kPeakSlots];
    thread_local int slot = 0;
    int64_t timeout_s = Server().config.timeout.load(std::memory_order_relaxed);
    int64_t now = UnixMs();
    size_t max_in = 0, max_out = 0;
    for (Connection* c : Connection::ThreadConnections()) {
      if ((timeout_s > 0 && c->IdleMs(now) > timeout_s * 1000) ||
          (c->handshaking() && c->IdleMs(now) > Connection::kTlsHandshakeTimeoutMs)) {
        c->Close();
        continue;
      }
      c->Cron(now, &max_in, &max_out);
    }
    slot = (slot + 1) % kPeakSlots;
    in_slots[slot] = max_in;
    out_slots[slot] = max_out;
    size_t in = 0, out = 0;
    for (int k = 0; k < kPeakSlots; ++k) {
      in = std::max(in, in_slots[k]);
      out = std::max(out, out_slots[k]);
    }
    ts->recent_max_input_buffer.store(in, std::memory_order_relaxed);
    ts->recent_max_output_buffer.store(out, std::memory_order_relaxed);
    if (tl_shrunk_bytes > kCollectAfterShrink) {
      // The allocator keeps freed large blocks' pages; give them back now that big buffers went
      // (the shard's cron does the same for its data: Shard::ReturnFreedMemory).
      tl_shrunk_bytes = 0;
      mem::CollectThreadHeap(/*force=*/true);
    }
    ArmIdleSweep(timer, ts);
  });
}
}  // namespace

void Connection::Cron(int64_t now, size_t* max_in, size_t* max_out) {
  if (closed_) return;
  // Soft output limits are timed here too: a client that takes no replies runs no batches.
  size_t pending = PendingOutput();
  if (pending > 0 && CheckOutputLimits(pending, now)) return;
  *max_out = std::max({*max_out, opeak_, pending});
  opeak_ = pending;
  *max_in = std::max(*max_in, rbuf_.capacity());
  // Redis's clientsCronResizeQueryBuffer: give back a buffer wasting more than 4KB when the client
  // is idle for over 2s, or when it is over 32KB and more than twice the recent peak. The idle read
  // holds the buffer: cancel it (OnRead reallocates and reads again). Never while writing (cancel
  // would abort the write too).
  // A TLS client always reads into a buffer (ReadMore): only one above that size is given back.
  if (reading_ && !writing_ && !shrink_pending_ && (!tls_ || rbuf_.size() > kReadChunk) &&
      rbuf_.size() - rend_ > 4096 &&
      (now - last_ms_ > 2000 || (rbuf_.size() > kResizeThreshold && rbuf_.size() / 2 > rpeak_))) {
    shrink_pending_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
  rpeak_ = rend_;
}

void Connection::ReleaseOnLoopExit() {
  pubsub::DropPending();
  std::vector<std::shared_ptr<Connection>> held;
  for (auto& [id, c] : tl_connections)
    if (c->inflight_self_) held.push_back(std::move(c->inflight_self_));
}

void Connection::StartIdleSweep(Shard* shard) {
  scripting::RunningScripts::SetBusyServer(&Connection::ServeWhileBusy);
  Shard::SetLoopExitHook(&Connection::ReleaseOnLoopExit);
  // One timer per shard thread, living as long as the thread's io_context runs.
  thread_local std::unique_ptr<boost::asio::steady_timer> timer;
  timer = std::make_unique<boost::asio::steady_timer>(shard->io());
  ArmIdleSweep(timer.get(), Server().thread_stats[shard->id()].get());
}

int64_t Connection::IdleMs(int64_t now) const {
  // A client waiting for its own commands is not idle.
  if (outstanding_ > 0 || waiting_multi_ || barrier_ >= 0 || postponed_ >= 0 || writing_) return 0;
  return now - last_ms_;
}

namespace {
struct Inbox {
  std::mutex mu;
  std::vector<std::shared_ptr<Connection>> conns;
};
Inbox g_inboxes[1024];  // by shard id (--shards is at most 1024)
}  // namespace

void Connection::Adopt(std::shared_ptr<Connection> conn) {
  Shard* home = conn->home();
  {
    std::lock_guard<std::mutex> lock(g_inboxes[home->id()].mu);
    g_inboxes[home->id()].conns.push_back(std::move(conn));
  }
  boost::asio::post(home->io(), [id = home->id()] { StartAdopted(id); });
}

void Connection::StartReplay(int fd, Shard* home) {
  auto c = std::make_shared<Connection>(fd, home);
  c->replay_ = true;
  c->addr_ = "aof";
  // Redis's fake AOF client has no user: nothing it replays is checked.
  c->SetUser(c->user_, true);
  Adopt(std::move(c));
}

void Connection::StartAdopted(uint32_t shard) {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(g_inboxes[shard].mu);
    conns.swap(g_inboxes[shard].conns);
  }
  for (auto& c : conns) c->Start();
}

void Connection::Start() {
  tl_connections[id_] = this;
  Bump(Server().thread_stats[home_->id()]->connected_clients);
  // Registered here, on the home thread: the shard's io_context takes no lock around a socket's
  // reactor state (BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO), so no other thread may register,
  // use or close its sockets.
  boost::system::error_code ec;
  socket_.assign(boost::asio::generic::stream_protocol(family_, 0), fd_, ec);
  if (ec) {
    spdlog::warn("Registering client connection: {}", ec.message());
    return Close();  // the destructor closes fd_
  }
  assigned_ = true;
  if (tls_ctx_ != nullptr) tls_ = std::make_unique<tls::Session>(socket_, std::move(tls_ctx_));
  if (!tls_) return Admit();
  // Nothing is read or written in the clear. A client that never completes the handshake is
  // closed by the idle sweep after kTlsHandshakeTimeoutMs (Redis 7.0 has no such limit).
  handshaking_ = true;
  tls_->AsyncHandshake([self = shared_from_this()](const std::string& err) {
    self->handshaking_ = false;
    if (self->closed_) return;
    if (!err.empty()) {
      spdlog::warn("Error accepting a client connection: {}", err);
      return self->Close();
    }
    self->last_ms_ = UnixMs();
    self->Admit();
  });
}

void Connection::Admit() {
  auto& ts = *Server().thread_stats[home_->id()];
  // Redis's clientAcceptHandler: protected mode with no password on the default user serves only
  // the loopback interface and unix sockets.
  if (!local_peer_ && !replay_ && Server().config.protected_mode.load(std::memory_order_relaxed) &&
      Server().default_user_nopass.load(std::memory_order_relaxed)) {
    Bump(ts.rejected_connections);
    out_buf_ = std::string("-") + errors::kProtectedMode + "\r\n";
    close_after_write_ = true;
    StartWrite();
    if (!writing_) Close();
    return;
  }
  Bump(ts.connections_received);
  ReadMore();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  open_count.fetch_sub(1, std::memory_order_relaxed);
  tl_connections.erase(id_);
  auto& ts = *Server().thread_stats[home_->id()];
  ts.connected_clients.store(ts.connected_clients.load(std::memory_order_relaxed) - 1,
                             std::memory_order_relaxed);
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
  if (cancel_blocked_) {
    auto cancel = std::move(cancel_blocked_);
    cancel(UnblockReason::kDisconnect);
  }
  DiscardMulti();
  Unwatch();
  UnsubscribeAll(nullptr);
  DisableTracking(nullptr);
}

void Connection::DisableTracking(std::function<void()> done) {
  bool was_bcast = tracking.bcast;
  if (tracking.on) tracking::g_tracking_clients.fetch_sub(1, std::memory_order_relaxed);
  // The redirection stays (Redis keeps client_tracking_redirection; GETREDIR answers -1 when off).
  uint64_t redirect = tracking.redirect;
  uint32_t redirect_thread = tracking.redirect_thread;
  std::vector<std::string> prefixes = std::move(tracking.prefixes);
  tracking = Tracking();
  tracking.redirect = redirect;
  tracking.redirect_thread = redirect_thread;
  tracking.prefixes = std::move(prefixes);
  if (was_bcast || !tracking.prefixes.empty()) return tracking::RemoveAllPrefixes(this, done);
  if (done) done();
}

void Connection::AppendPush(std::string* out, std::string_view frame, bool raw) const {
  if (resp >= 3 && !raw) {
    *out += '>';  // a RESP3 client gets the RESP2 array as a push
    out->append(frame.substr(1));
  } else {
    out->append(frame);
  }
}

void Connection::WriteInvalidation(std::string_view frame) {
  if (closed_) return;
  if (npending_ > 0 && !blocked() && postponed_ < 0) {
    // A batch is being answered: the push follows its replies (FinishBatch).
    return AppendPush(&invalidations_, frame, /*raw=*/false);
  }
  WritePush(frame);
}

bool Connection::HasSubscription(pubsub::Kind kind, std::string_view name) const {
  if (kind == pubsub::kPattern)
    return std::find(patterns_.begin(), patterns_.end(), name) != patterns_.end();
  return sub_names_[kind].contains(ToAbsl(name));
}

void Connection::AddSubscription(pubsub::Kind kind, const std::string& name) {
  if (kind == pubsub::kPattern)
    patterns_.push_back(name);
  else
    sub_names_[kind].insert(name);
}

void Connection::RemoveSubscription(pubsub::Kind kind, const std::string& name) {
  if (kind == pubsub::kPattern) {
    auto it = std::find(patterns_.begin(), patterns_.end(), name);
    if (it != patterns_.end()) patterns_.erase(it);
  } else {
    sub_names_[kind].erase(name);
  }
}

std::vector<std::string> Connection::Subscriptions(pubsub::Kind kind) const {
  if (kind == pubsub::kPattern) return patterns_;
  return std::vector<std::string>(sub_names_[kind].begin(), sub_names_[kind].end());
}

void Connection::UnsubscribeAll(std::function<void()> done) {
  int kinds = 0;
  for (int k = 0; k < pubsub::kKinds; ++k)
    kinds += SubscriptionCount(static_cast<pubsub::Kind>(k)) > 0;
  if (kinds == 0) {
    if (done) done();
    return;
  }
  std::function<void()> each = done ? AfterCalls(kinds, std::move(done)) : nullptr;
  for (int k = 0; k < pubsub::kKinds; ++k) {
    auto kind = static_cast<pubsub::Kind>(k);
    if (SubscriptionCount(kind) > 0) pubsub::Unsubscribe(this, kind, Subscriptions(kind), each);
  }
}

void Connection::WritePush(std::string_view frame, bool raw) {
  if (closed_) return;
  AppendPush(&out_buf_, frame, raw);
  size_t pending = PendingOutput();
  if (pending > opeak_) opeak_ = pending;
  if (CheckOutputLimits(pending, 0)) return;
  // During a batch the batch's write carries it; otherwise one write after this loop turn carries
  // every push that arrived in it (a drain of many deliveries costs one write, as Redis writes a
  // client's output once per event loop iteration).
  if (writing_ || push_flush_posted_ || (npending_ != 0 && !blocked())) return;
  push_flush_posted_ = true;
  // One posted flush per thread and loop turn writes every connection that got pushes (a publish
  // to 100 local subscribers costs one post, not 100).
  thread_local std::vector<std::shared_ptr<Connection>> to_write, batch;
  if (to_write.empty()) {
    boost::asio::post(home_->io(), [] {
      batch.swap(to_write);  // both keep their capacity
      for (auto& c : batch) {
        c->push_flush_posted_ = false;
        if (!c->closed_ && !c->writing_ && !c->held_ && !c->out_buf_.empty() &&
            (c->npending_ == 0 || c->blocked()))
          c->StartWrite();
      }
      batch.clear();
    });
  }
  to_write.push_back(shared_from_this());
}

void Connection::Unwatch() {
  if (watched.empty()) {
    if (watch_state->Dirty()) watch_state = std::make_shared<WatchState>();
    return;
  }
  ShardSet& set = *Server().shards;
  std::vector<std::vector<std::pair<DbIndex, std::string>>> per_shard(set.size());
  for (auto& k : watched) per_shard[set.ShardOf(k.second)].push_back(std::move(k));
  for (uint32_t i = 0; i < per_shard.size(); ++i) {
    if (per_shard[i].empty()) continue;
    // The state travels with the message so its address cannot be reused before it is unlinked.
    set.shard(i)->Post(/*deferrable=*/false,
                       [st = watch_state, keys = std::move(per_shard[i])](Shard& sh) {
                         for (const auto& [db, key] : keys)
                           sh.db_slice().watches().Unregister(db, key, st.get());
                       });
  }
  watched.clear();
  watch_state = std::make_shared<WatchState>();
}

void Connection::DiscardMulti() {
  multi.active = false;
  multi.error = false;
  multi.flags = 0;
  multi.cmds.clear();
}

void Connection::ResetState(std::function<void()> done) {
  DiscardMulti();
  Unwatch();
  std::function<void()> each = AfterCalls(2, std::move(done));
  UnsubscribeAll(each);
  DisableTracking(each);
  db = 0;
  resp = 2;
  name.clear();
  reply_mode = ReplyMode::kOn;
  skip_next_reply_ = false;
  no_evict = false;
  acl_version_ = acl::Version();
  acl::UserPtr d = acl::Default();
  bool authenticated = d->nopass() && d->enabled();
  SetUser(std::move(d), authenticated);
}

std::string Connection::Info() const {
  int64_t now = UnixMs();
  // Redis's catClientInfoString letters, in its order.
  std::string flags;
  if (monitor()) flags += 'O';
  if (subscribed()) flags += 'P';
  if (multi.active) flags += 'x';
  if (blocked()) flags += 'b';
  if (tracking.on) flags += 't';
  if (tracking.broken_redir) flags += 'R';
  if (tracking.bcast) flags += 'B';
  if (watch_state->Dirty()) flags += 'd';
  if (close_after_write_) flags += 'c';
  if (unix_) flags += 'U';
  if (no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  size_t qbuf = rend_ - rpos_;
  std::string s;
  s.reserve(320);
  s += "id=" + std::to_string(id_);
  s += " addr=" + addr_;
  s += " laddr=" + laddr_;
  s += " fd=" + std::to_string(fd_);
  s += " name=" + name;
  s += " age=" + std::to_string((now - created_ms_) / 1000);
  s += " idle=" + std::to_string((now - last_ms_) / 1000);
  s += " flags=" + flags;
  s += " db=" + std::to_string(db);
  s += " sub=" + std::to_string(sub_names_[pubsub::kChannel].size());
  s += " psub=" + std::to_string(patterns_.size());
  s += " ssub=" + std::to_string(sub_names_[pubsub::kShardChannel].size());
  s += " multi=" + std::to_string(multi.active ? static_cast<int64_t>(multi.cmds.size()) : -1);
  s += " qbuf=" + std::to_string(qbuf);
  s += " qbuf-free=" + std::to_string(rbuf_.size() - rend_);
  s += " argv-mem=0 multi-mem=0";
  s += " rbs=" + std::to_string(rbuf_.size());
  s += " rbp=" + std::to_string(rend_);
  s += " obl=0 oll=0 omem=" + std::to_string(PendingOutput());
  s += " tot-mem=" +
       std::to_string(rbuf_.capacity() + out_buf_.capacity() + wbuf_.capacity() + sizeof(*this));
  s += writing_ ? " events=rw" : " events=r";
  s += " cmd=";
  s += last_cmd_;
  s += " user=" + user_->name + " redir=";
  s += tracking.on ? std::to_string(tracking.redirect) : "-1";
  s += " resp=" + std::to_string(resp);
  return s;
}

void Connection::SetBlocked(std::function<bool(UnblockReason)> cancel) {
  cancel_blocked_ = std::move(cancel);
  if (!cancel_blocked_) return;
  FlushBeforeBlock();
  if (!reading_) WatchForClose();
}

bool Connection::Unblock(UnblockReason reason) {
  if (!cancel_blocked_ || closed_) return false;
  auto cancel = cancel_blocked_;  // the hook may clear cancel_blocked_ while it runs
  return cancel(reason);
}

void Connection::FlushBeforeBlock() {
  if (closed_) return;
  // The commands before the blocked one are complete; their replies go out now (Redis writes them
  // before the client blocks), in order: the direct ones first, then the slots.
  for (uint32_t k = 0; k < multi_index_ && k < npending_; ++k) {
    PendingCmd& pc = pending_[k];
    if (pc.direct || pc.discard) continue;
    out_buf_ += pc.reply;
    pc.reply.clear();
    pc.direct = true;  // placed: FinishBatch skips it
  }
  batch_out0_ = out_buf_.size();
  if (!out_buf_.empty() && !writing_ && !held_) StartWrite();
}

void Connection::WatchForClose() {
  // While a command blocks, keep reading (into a side buffer, as the blocked command's arguments
  // live in rbuf_): EOF closes the connection and so cancels the command; bytes that arrive are
  // kept for after it, bounded by the query buffer limit.
  if (side_reading_ || closed_) return;
  side_reading_ = true;
  if (side_chunk_.empty()) side_chunk_.resize(4096);
  auto on_read = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->side_reading_ = false;
    if (self->closed_) return;
    if (ec || n == 0) return self->Close();
    self->side_in_.append(self->side_chunk_.data(), n);
    Bump(Server().thread_stats[self->home_->id()]->net_input_bytes, n);
    if (self->QueryBufferOverLimit()) return;
    if (self->blocked()) return self->WatchForClose();
    if (self->resume_read_) {
      self->resume_read_ = false;
      self->ReadMore();
    }
  };
  if (tls_) return tls_->AsyncReadSome(side_chunk_.data(), side_chunk_.size(), std::move(on_read));
  socket_.async_read_some(boost::asio::buffer(side_chunk_), std::move(on_read));
}

void QueryBuffer::Reallocate(size_t n, size_t keep) {
  if (n == size_) return;
  char* p = nullptr;
  if (n > 0) {
    p = static_cast<char*>(std::malloc(n));
    if (p == nullptr) throw std::bad_alloc();
    if (keep > 0) std::memcpy(p, data_, std::min(keep, n));
  }
  std::free(data_);
  data_ = p;
  size_ = n;
}

namespace {
// sdscatrepr(): a quoted, escaped copy of at most `max` bytes.
std::string Repr(std::string_view b, size_t max) {
  std::string out = "\"";
  for (char ch : b.substr(0, max)) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\':
      case '"':
        out += '\\';
        out += ch;
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(c)) {
          out += ch;
        } else {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        }
    }
  }
  return out + "\"";
}
}  // namespace

bool Connection::QueryBufferOverLimit() {
  int64_t limit = Server().config.client_query_buffer_limit.load(std::memory_order_relaxed);
  if (static_cast<int64_t>(rend_ + side_in_.size()) <= limit) return false;
  std::string_view head = rend_ > 0 ? std::string_view(rbuf_.data(), rend_) : side_in_;
  spdlog::warn("Closing client that reached max query buffer length: {} (qbuf initial bytes: {})",
               Info(), Repr(head, 64));
  Bump(Server().thread_stats[home_->id()]->query_buffer_limit_disconnects);
  Close();
  return true;
}

void Connection::ReadMore() {
  if (closed_ || reading_) return;
  // Keep unconsumed bytes at the front; the parser's progress is relative to rpos_.
  if (rpos_ > 0) {
    if (rend_ > rpos_) std::memmove(rbuf_.data(), rbuf_.data() + rpos_, rend_ - rpos_);
    rend_ -= rpos_;
    rpos_ = 0;
  }
  if (!side_in_.empty()) {  // bytes read while a command was blocked come first
    if (rbuf_.size() < rend_ + side_in_.size())
      rbuf_.Reallocate(rend_ + side_in_.size() + kReadChunk, rend_);
    std::memcpy(rbuf_.data() + rend_, side_in_.data(), side_in_.size());
    rend_ += side_in_.size();
    side_in_.clear();
    last_ms_ = UnixMs();
    return Process(last_ms_);
  }
  if (side_reading_) {  // the read started while a command was blocked serves as this one
    resume_read_ = true;
    return;
  }
  reading_ = true;
  if (rbuf_.size() == 0 && tls_) {
    // The session may hold decrypted bytes already: a TLS client always reads into a buffer.
    rbuf_.Reallocate(kReadChunk, 0);
  } else if (rbuf_.size() == 0) {
    // No buffer (a new client, or an idle one whose buffer the sweep freed): hold none while
    // waiting, allocate when there is something to read. asio's wait never looks at what is
    // there already (unlike its reads, it is not speculative), and under edge-triggered epoll an
    // edge that came while nothing waited is gone: bytes sent before this point (a new client's
    // first command, one sent while the sweep swapped the buffer) would wait for the client's
    // next bytes. So look first; a byte that comes later raises an edge that finds the wait
    // queued (this thread runs the reactor). Bytes already there complete the wait from the
    // loop, as the reactor would have: they stay unread until then (a busy script's hook still
    // finds this client idle and answers it from a peek).
    auto on_ready = [self = shared_from_this()](const boost::system::error_code& ec) {
      self->reading_ = false;
      if (ec || self->closed_) return self->Close();
      self->rbuf_.Reallocate(kReadChunk, 0);
      self->ReadMore();
    };
    char probe;
    if (::recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
        (errno == EAGAIN || errno == EWOULDBLOCK)) {
      socket_.async_wait(boost::asio::socket_base::wait_read, std::move(on_ready));
    } else {
      boost::asio::post(home_->io(), [on_ready = std::move(on_ready)] { on_ready({}); });
    }
    return;
  }
  // Grow as bytes arrive, at most doubling, never past the end of the bulk being read: memory is
  // committed only for input that came (Redis pre-sizes a big bulk, but leaves its pages alone).
  size_t need = rend_ + kReadChunk;
  if (rbuf_.size() < need) {
    size_t n = std::max(need, rbuf_.size() * 2);
    size_t hint = parser_.bytes_needed_hint();
    if (hint >= need && n > hint) n = hint;
    rbuf_.Reallocate(n, rend_);
  }
  size_t room = rbuf_.size() - rend_;
  // A canary where the read will land: while this thread runs a long script, ServeWhileBusy
  // tells from it that no read completed into the buffer unseen (a read's first byte is never
  // NUL for a client speaking RESP or inline commands).
  rbuf_.data()[rend_] = 0;
  auto on_read = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->OnRead(ec, n);
  };
  if (tls_) return tls_->AsyncReadSome(rbuf_.data() + rend_, room, std::move(on_read));
  socket_.async_read_some(boost::asio::buffer(rbuf_.data() + rend_, room), std::move(on_read));
}

bool Connection::IdleForBusyServe() const {
  return reading_ && !closed_ && !tls_ && rpos_ == rend_ && npending_ == 0 && outstanding_ == 0 &&
         !waiting_multi_ && !writing_ && out_buf_.empty() && !multi.active && !blocked() &&
         !side_reading_ && side_in_.empty() && !close_after_write_ &&
         (rbuf_.size() == 0 || rbuf_.data()[rend_] == 0);
}

void Connection::ServeWhileBusy() {
  if (Shard* self = Shard::Current()) StartAdopted(self->id());  // new clients, too
  for (auto& [id, c] : tl_connections) {
    if (!c->IdleForBusyServe()) continue;
    char peek[16384];
    ssize_t n = ::recv(c->fd_, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0) continue;
    std::string_view in(peek, static_cast<size_t>(n));
    protocol::RequestParser parser;
    std::string out;
    protocol::ReplyBuilder rb(&out, c->resp);
    size_t used = 0;
    bool shutdown = false;
    while (parser.Parse(in.substr(used)) == protocol::RequestParser::Result::kCommand) {
      used += parser.consumed();
      const auto& args = parser.args();
      if (args.empty()) continue;
      const CommandId* cid = Server().registry.Lookup(args);
      std::string_view name = cid != nullptr ? std::string_view(cid->name) : "";
      if (name == "script|kill" || name == "function|kill") {
        if (const char* err = scripting::RunningScripts::Kill(name == "script|kill"))
          rb.Error(err);
        else
          rb.Ok();
      } else if (name == "function|stats") {
        scripting::ReplyFunctionStats(rb);
      } else if (name == "shutdown" && args.size() == 2 && EqNoCase(args[1], "nosave")) {
        shutdown = true;
        break;
      } else {
        rb.Error(scripting::RunningScripts::BusyError());
      }
    }
    if (used == 0 && !shutdown) continue;
    char sink[16384];
    [[maybe_unused]] ssize_t dropped = ::recv(c->fd_, sink, used, MSG_DONTWAIT);
    if (!out.empty()) {
      [[maybe_unused]] ssize_t w =
          ::send(c->fd_, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    if (shutdown) {
      spdlog::warn("User requested shutdown...");
      scripting::RunningScripts::KillAllForShutdown();
      if (Server().request_shutdown) Server().request_shutdown();
    }
  }
}

void Connection::OnRead(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (ec == boost::asio::error::operation_aborted && shrink_pending_ && !closed_) {
    // The sweep cancelled this idle read to give the buffer back (see Sweep).
    shrink_pending_ = false;
    rend_ += n;
    size_t want = rend_ == 0 ? 0 : rend_ + kReadChunk;
    if (want < rbuf_.size()) {
      tl_shrunk_bytes += rbuf_.size() - want;
      rbuf_.Reallocate(want, rend_);
    }
    return ReadMore();
  }
  shrink_pending_ = false;
  if (ec || closed_) {
    Close();
    return;
  }
  rend_ += n;
  if (rend_ > rpeak_) rpeak_ = rend_;
  Bump(Server().thread_stats[home_->id()]->net_input_bytes, n);
  last_ms_ = UnixMs();
  if (static_cast<int64_t>(rend_) >
          Server().config.client_query_buffer_limit.load(std::memory_order_relaxed) &&
      QueryBufferOverLimit())
    return;
  Process(last_ms_);
}

void Connection::Process(int64_t now_ms) {
  npending_ = 0;
  chain_direct_ = true;
  input_drained_ = false;
  batch_out0_ = out_buf_.size();
  ContinueBatch(now_ms);
}

void Connection::ContinueBatch(int64_t now_ms) {
  in_continue_ = true;
  // Parked: a transaction's clock. A fresh read passes the time it just took (one clock read
  // per batch); a batch resumed after a hop reads the clock again.
  if (!home_->parked()) home_->db_slice().SetNow(now_ms != 0 ? now_ms : UnixMs());
  while (!closed_ && !waiting_multi_ && barrier_ < 0 && postponed_ < 0 && !close_after_write_ &&
         proto_error_.empty() && npending_ < max_batch_) {
    std::string_view input(rbuf_.data() + rpos_, rend_ - rpos_);
    auto res = parser_.Parse(input);
    if (res == protocol::RequestParser::Result::kNeedMore) {
      input_drained_ = true;
      break;
    }
    if (res == protocol::RequestParser::Result::kError) {
      proto_error_ = std::string(parser_.error());
      rpos_ = rend_;
      Bump(Server().thread_stats[home_->id()]->protocol_errors);
      break;
    }
    const auto& args = parser_.args();
    if (args.empty()) {
      rpos_ += parser_.consumed();
      parser_.Reset();
      continue;
    }
    if (pending_.size() <= npending_) pending_.emplace_back();
    uint32_t i = npending_++;
    PendingCmd& pc = pending_[i];
    pc.args.assign(args.begin(), args.end());
    pc.owned.clear();
    if (parser_.has_owned_args()) {
      // Some inline args live in the parser's storage, reused by the next Parse: copy them.
      for (auto a : args) pc.owned.emplace_back(a);
      for (size_t k = 0; k < args.size(); ++k) pc.args[k] = pc.owned[k];
    }
    rpos_ += parser_.consumed();
    parser_.Reset();
    if (prefetched_ > 0) {
      --prefetched_;
      PrefetchEntriesAhead();
    } else if (rpos_ < rend_) {
      PrefetchAhead();
    }
    if (!Route(i)) break;
  }
  in_continue_ = false;
  SendBatches();
  if (outstanding_ == 0 && !waiting_multi_ && barrier_ < 0 && postponed_ < 0) FinishBatch();
  UpdateInflight();
}

namespace {
// The keys PrefetchAhead found, between its two steps: per thread, as only one connection's batch
// runs at a time; `owner` tells whose they are.
constexpr size_t kPrefetchAhead = 16;
struct PrefetchState {
  const Connection* owner = nullptr;
  DbIndex db = 0;
  size_t n = 0;
  uint64_t hashes[kPrefetchAhead];
};
thread_local PrefetchState tl_prefetch;
}  // namespace

void Connection::PrefetchAhead() {
  // Valkey 8's memory access amortization: with more commands buffered behind this one, their
  // keys' table buckets are fetched together now and the entries in them before the next
  // command, so that a batch over a table larger than the caches waits for its misses at once,
  // not once per command. Only the home shard's keys, and only while this thread owns its data;
  // a key on another shard is prefetched there (RunBatch).
  const ShardSet& set = *Server().shards;
  prefetched_ = kPrefetchAhead;  // not looked at again for as many commands, if it does not pay
  if (home_->parked() || !home_->db_slice().PrefetchPays(db, set.size())) return;
  std::string_view keys[kPrefetchAhead];
  size_t n = protocol::PeekSecondArgs(std::string_view(rbuf_.data() + rpos_, rend_ - rpos_), keys,
                                      kPrefetchAhead);
  prefetched_ = static_cast<uint32_t>(n);
  size_t m = 0;
  for (size_t k = 0; k < n; ++k) {
    if (keys[k].data() != nullptr && (set.size() == 1 || set.ShardOf(keys[k]) == home_->id()))
      keys[m++] = keys[k];
  }
  PrefetchState& st = tl_prefetch;
  st.owner = this;
  st.db = db;
  st.n = m;
  home_->db_slice().PrefetchBuckets(db, keys, m, st.hashes);
}

void Connection::PrefetchEntriesAhead() {
  PrefetchState& st = tl_prefetch;
  if (st.owner != this || st.n == 0) return;
  if (!home_->parked()) home_->db_slice().PrefetchEntries(st.db, st.hashes, st.n);
  st.n = 0;
}

std::string* Connection::ReplyTarget(PendingCmd& pc) {
  if (pc.discard) {
    discard_buf_.clear();
    return &discard_buf_;
  }
  if (chain_direct_) {
    pc.direct = true;
    return &out_buf_;
  }
  pc.direct = false;
  return &pc.reply;
}

void Connection::RejectCommand(PendingCmd& pc, std::string_view msg) {
  if (multi.active) multi.error = true;  // Redis's flagTransaction: EXEC will abort
  protocol::ReplyBuilder rb(ReplyTarget(pc), pc.resp);
  rb.Error(msg);
  auto& ts = *Server().thread_stats[home_->id()];
  Bump(ts.rejected_calls);
  Bump(ts.error_replies);
  if (pc.cid != nullptr) Bump(Server().cmd_stats[home_->id()][pc.cid->index].rejected);
}

bool Connection::Route(uint32_t i) {
  PendingCmd& pc = pending_[i];
  pc.reply.clear();
  pc.direct = false;
  pc.db = db;
  pc.resp = resp;
  const CommandId* cid = Server().registry.Find(pc.args[0]);
  pc.cid = cid;
  pc.discard = false;
  pc.track = false;
  if (tracking.on) {
    // CLIENT CACHING lasts for the next command, or the next MULTI...EXEC (Redis's resetClient
    // clears it after any command but CLIENT itself, unless in MULTI).
    if (tracking.caching && caching_ends_ && !multi.active) tracking.caching = false;
    caching_ends_ = cid == nullptr || cid->name != "client";
  }
  if (reply_mode != ReplyMode::kOn || skip_next_reply_) {
    // Replies are being suppressed (rare). CLIENT REPLY and RESET still decide about their own
    // reply: Redis checks the flag when the reply is added, after they changed it.
    bool own_reply =
        cid != nullptr &&
        ((cid->name == "client" && pc.args.size() >= 2 && EqNoCase(pc.args[1], "reply")) ||
         cid->name == "reset");
    pc.discard = !own_reply;
    if (!own_reply) skip_next_reply_ = false;
  }
  if (cid == nullptr) {
    // Redis formats the names with %.*s: each one ends at its first NUL byte.
    auto upto_nul = [](std::string_view a) { return a.substr(0, a.find('\0')); };
    std::string args;
    for (size_t k = 1; k < pc.args.size() && args.size() < 128; ++k) {
      size_t room = 128 - args.size();
      args += "'";
      args += upto_nul(pc.args[k]).substr(0, room);
      args += "' ";
    }
    std::string msg = "ERR unknown command '";
    msg += upto_nul(pc.args[0]).substr(0, 128);
    msg += "', with args beginning with: " + args;
    RejectCommand(pc, msg);
    return true;
  }
  int argc = static_cast<int>(pc.args.size());
  static thread_local std::vector<uint32_t> keys_found;
  std::span<const uint32_t> keys(&cid->fixed_key, 1);  // the usual shape: one key, known
  if ((cid->arity > 0 && argc != cid->arity) || (argc < -cid->arity) ||
      (cid->fixed_key == 0 && !CommandRegistry::KeyPositions(*cid, pc.args, &keys_found))) {
    RejectCommand(pc, "ERR wrong number of arguments for '" + cid->name + "' command");
    return true;
  }
  if (cid->fixed_key == 0) keys = keys_found;
  pc.first_key = keys.empty() ? 0 : keys[0];
  // A container's subcommand decides its flags and full name (client|list), as in Redis.
  const CommandId* eff = Server().registry.Resolve(*cid, pc.args);
  last_cmd_ = eff != nullptr ? eff->name : cid->name;
  if (eff != nullptr && eff != cid &&
      ((eff->arity > 0 && argc != eff->arity) || argc < -eff->arity)) {
    // A container's subcommand has its own arity (Redis's lookupCommand gives the subcommand).
    RejectCommand(pc, "ERR wrong number of arguments for '" + eff->name + "' command");
    return true;
  }
  if (acl_version_ != acl::Version()) [[unlikely]] {
    RefreshAcl();
    if (outstanding_ == 0 && !waiting_multi_) retired_users_.clear();
  }
  if (!acl_open_) [[unlikely]] {
    // A restricted user: the usual shapes are decided inline (User::FastAllows), the rest and
    // every denial by CheckAccess.
    if (!(auth_ok_ && eff != nullptr && user_->FastAllows(*eff, pc.args)) &&
        !CheckAccess(pc, cid, eff))
      return true;
  }
  pc.user = replay_ ? nullptr : user_.get();
  if (cid->runs_scripts && !user_->unrestricted) script_client_info_ = Info();
  if (resp == 2 && subscribed() && !cid->allowed_subscribed) {
    // Redis's processCommand: a RESP2 connection in subscribed mode takes only these.
    RejectCommand(pc, "ERR Can't execute '" + std::string(last_cmd_) +
                          "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                          "allowed in this context");
    return true;
  }
  if (scripting::RunningScripts::AnyTimedOut()) {
    // A container's subcommand carries the flag (SCRIPT KILL, FUNCTION STATS).
    if (eff == nullptr || !(eff->flags & cmd_flag::kAllowBusy)) {
      RejectCommand(pc, scripting::RunningScripts::BusyError());
      return true;
    }
  }
  if (persistence::Gated() && !replay_) {
    // Redis's processCommand: -MISCONF for writes (and PING) after a failed background save,
    // -LOADING for what cannot run while the dataset loads.
    uint32_t flags = eff != nullptr ? eff->flags : cid->flags;
    bool write = (flags & cmd_flag::kWrite) ||
                 (cid->name == "exec" && multi.active && (multi.flags & cmd_flag::kWrite));
    const char* err = nullptr;
    if (write || cid->name == "ping") err = persistence::WriteRefusal();
    if (err == nullptr && !(flags & cmd_flag::kLoading)) err = persistence::LoadingRefusal();
    if (err != nullptr) {
      RejectCommand(pc, err);
      return true;
    }
  }
  if (pause_type.load(std::memory_order_relaxed) != kPauseOff && PausedFor(pc)) {
    // Blocked until the pause ends (Redis's blockPostponeClient): this command and every later
    // one wait; the timer, or CLIENT UNPAUSE, resumes them.
    postponed_ = i;
    chain_direct_ = false;
    if (!pause_timer_) pause_timer_ = std::make_unique<boost::asio::steady_timer>(home_->io());
    int64_t wait = pause_end_ms.load(std::memory_order_relaxed) - UnixMs();
    pause_timer_->expires_after(std::chrono::milliseconds(std::max<int64_t>(wait, 1)));
    pause_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->ResumePostponed();
    });
    return false;
  }
  if (multi.active && !cid->runs_in_multi) {
    QueueCommand(pc);
    return true;
  }
  if (tracking.on) pc.track = TrackThis(eff);
  switch (cid->mode) {
    case CmdMode::kConnection:
      Execute(pc, nullptr, this, ReplyTarget(pc));
      return !close_after_write_;
    case CmdMode::kShard:
    case CmdMode::kMulti: {
      ShardSet& set = *Server().shards;
      int64_t target = -1;
      if (cid->mode == CmdMode::kShard) {
        target = keys.empty() ? home_->id() : set.ShardOf(pc.args[keys[0]]);
      } else if (!keys.empty() && !(cid->flags & cmd_flag::kBlocking) &&
                 (cid->coordinate == nullptr || !cid->coordinate(pc.args))) {
        // A multi-key command whose keys share one shard runs there like a single-key one
        // (not a blocking one: it may have to wait, which only the coordinator path can do; nor
        // one that reads keys on other shards than its own keys', as SORT's BY/GET patterns).
        target = set.ShardOf(pc.args[keys[0]]);
        for (size_t k = 1; k < keys.size() && target >= 0; ++k)
          if (set.ShardOf(pc.args[keys[k]]) != target) target = -1;
      }
      if (target >= 0) {
        if (target == home_->id() && home_->CanRunInline() && batches_[target].cmds.empty()) {
          Execute(pc, home_, nullptr, ReplyTarget(pc));
          // Commands run inline are no shard message: publish their memory change here (the
          // shard does it after each message it runs). A read-only one changes little (a lazy
          // expiry at most): the next write or message publishes it.
          if (!(cid->flags & cmd_flag::kReadOnly)) home_->evictor().AfterMessage();
          return true;
        }
        Batch& b = batches_[target];
        if (b.cmds.empty()) ++unsent_;
        b.cmds.push_back(i);
        pc.direct = false;  // executed on another thread: replies into its own slot
        chain_direct_ = false;
        return true;
      }
      if (unsent_ > 0 || outstanding_ > 0) {
        barrier_ = i;
        chain_direct_ = false;
        return false;
      }
      RunMulti(i);
      return !waiting_multi_;
    }
  }
  return true;
}

bool Connection::TrackThis(const CommandId* eff) const {
  if (!tracking.on || tracking.bcast) return false;
  if ((tracking.optin && !tracking.caching) || (tracking.optout && tracking.caching)) return false;
  return eff != nullptr && tracking::TracksReads(*eff);
}

bool Connection::PausedFor(const PendingCmd& pc) const {
  int type = pause_type.load(std::memory_order_relaxed);
  if (type == kPauseOff) return false;
  if (UnixMs() >= pause_end_ms.load(std::memory_order_relaxed)) return false;
  if (type == kPauseAll) return true;
  constexpr uint32_t kMayReplicate = cmd_flag::kWrite | cmd_flag::kMayReplicate;
  if (pc.cid->flags & kMayReplicate) return true;
  // EXEC of a transaction that queued writes.
  return pc.cid->name == "exec" && multi.active && (multi.flags & kMayReplicate);
}

void Connection::Pause(PauseType type, int64_t end_ms) {
  int t = pause_type.load();
  while (t < type && !pause_type.compare_exchange_weak(t, type)) {
  }
  int64_t e = pause_end_ms.load();
  while (e < end_ms && !pause_end_ms.compare_exchange_weak(e, end_ms)) {
  }
  // Keys past their TTL are not deleted while paused (Redis pauses expiry with the clients).
  int64_t until = pause_end_ms.load();
  int64_t u = ShardSettings::expire_paused_until_ms.load();
  while (u < until && !ShardSettings::expire_paused_until_ms.compare_exchange_weak(u, until)) {
  }
}

void Connection::Unpause() {
  pause_type.store(kPauseOff);
  pause_end_ms.store(0);
  ShardSettings::expire_paused_until_ms.store(0);
}

void Connection::ResumePostponed() {
  if (postponed_ < 0 || closed_) return;
  uint32_t i = static_cast<uint32_t>(postponed_);
  postponed_ = -1;
  in_continue_ = true;
  bool go = Route(i);
  in_continue_ = false;
  if (!go && postponed_ >= 0) return;  // still paused
  ContinueBatch();
}

void Connection::QueueCommand(PendingCmd& pc) {
  if (pc.cid->flags & cmd_flag::kNoMulti)
    return RejectCommand(pc, "ERR Command not allowed inside a transaction");
  // Queuing may grow memory without bound: under OOM every command is refused, as in Redis.
  if (memory_budget::RejectWrites()) return RejectCommand(pc, errors::kOom);
  QueuedCmd q;
  q.cid = pc.cid;
  q.argv.assign(pc.args.begin(), pc.args.end());
  multi.flags |= pc.cid->flags;
  multi.cmds.push_back(std::move(q));
  protocol::ReplyBuilder rb(ReplyTarget(pc), pc.resp);
  rb.Simple("QUEUED");
}

void Connection::Execute(PendingCmd& pc, Shard* shard, Connection* conn, std::string* out) {
  size_t before = out->size();
  // Changes made now are this client's (NOLOOP; evictions made for it too, as in Redis).
  tracking::CurrentClientScope current(id_);
  protocol::ReplyBuilder rb(out, pc.resp);
  // Cache mode: make room before the command, as Redis does before each one; a write that may
  // grow memory is refused when there is no room to make.
  if (shard != nullptr && !shard->evictor().BeforeCommand() &&
      (pc.cid->flags & cmd_flag::kDenyOom)) {
    rb.Error(errors::kOom);
    auto& ts = *Server().thread_stats[shard->id()];
    Bump(ts.rejected_calls);
    Bump(ts.error_replies);
    Bump(Server().cmd_stats[shard->id()][pc.cid->index].rejected);
    return;
  }
  CommandContext ctx;
  ctx.rb = &rb;
  ctx.db_index = pc.db;
  ctx.shard = shard;
  ctx.conn = conn;
  ctx.cid = pc.cid;
  ctx.client_addr = addr_;
  ctx.user = pc.user;
  if (pc.cid->runs_scripts) ctx.client_info = script_client_info_;
  uint64_t t0 = Ticks();
  if (shard == nullptr || !journal::Enabled()) {
    InvokeHandler(pc.args, ctx);
  } else {
    // The command's unit: its op, with the lazy expiries on the way (the blocked clients it
    // serves below log their pops after it, each on its own, as Redis).
    static thread_local journal::Unit unit;
    unit.Clear();
    {
      journal::Scope scope(&unit);
      Shard* shards[] = {shard};
      InvokeRecorded(pc.args, ctx, shards);
    }
    if (!unit.empty()) {
      // Its place in the stream: right after it ran, before this shard runs anything else.
      auto u = std::make_unique<journal::Unit>(unit);
      u->ticket = journal::Reserve();
      pc.ticket = u->ticket;
      journal::Submit(std::move(u));
    }
  }
  // Remembered in the message that ran the read: no write can come in between.
  if (pc.track && shard != nullptr)
    tracking::RememberKeys(*pc.cid, pc.args, {id_, home_->id()}, *shard);
  RecordCall(shard != nullptr ? shard->id() : home_->id(), pc.cid, t0, out, before);
  FeedMonitor(pc.cid, conn != nullptr ? conn->db : pc.db, addr_, pc.args);  // after SELECT: its db
  if (shard != nullptr) shard->ServeBlocked();  // Redis serves blocked clients after each command
}

void Connection::RunMulti(uint32_t i) {
  PendingCmd& pc = pending_[i];
  if ((pc.cid->flags & cmd_flag::kDenyOom) && memory_budget::RejectWrites())
    return RejectCommand(pc, errors::kOom);
  std::string* out = ReplyTarget(pc);
  multi_rb_ = protocol::ReplyBuilder(out, pc.resp);
  multi_ctx_ = CommandContext();
  multi_ctx_.rb = &multi_rb_;
  multi_ctx_.db_index = pc.db;
  multi_ctx_.conn = this;
  multi_ctx_.cid = pc.cid;
  multi_ctx_.client_addr = addr_;
  multi_ctx_.user = pc.user;
  if (pc.cid->runs_scripts || pc.cid->name == "exec") {
    if (!user_->unrestricted) script_client_info_ = Info();
    multi_ctx_.client_info = script_client_info_;
  }
  waiting_multi_ = true;
  multi_index_ = i;
  uint64_t t0 = Ticks();
  size_t before = out->size();
  if (journal::Enabled()) {
    if (multi_jb_ == nullptr) multi_jb_ = std::make_unique<journal::Builder>();
    multi_ctx_.jb = multi_jb_.get();
  }
  multi_ctx_.done_ = [this, i, t0, out, before] {
    if (multi_ctx_.jb != nullptr) {
      // The unit its transactions filled (and placed), then its own op.
      multi_ctx_.jb->Merge();
      if (multi_ctx_.changed) RecordCommand(pending_[i].args, multi_ctx_, &multi_ctx_.jb->unit());
      pending_[i].ticket = multi_ctx_.jb->Finish();
    }
    RecordCall(home_->id(), pending_[i].cid, t0, out, before);
    FeedMonitor(pending_[i].cid, pending_[i].db, addr_, pending_[i].args);
    waiting_multi_ = false;
    if (!in_continue_) {
      ContinueBatch();
    }
  };
  if (tracking.on && pc.cid->runs_scripts && TracksScriptReads())
    multi_ctx_.script_tracker = {id_, home_->id()};
  if (pc.track) {
    // Keys on several shards: each hop of the command's transactions remembers its shard's.
    static thread_local std::vector<uint32_t> pos;
    auto rk = std::make_shared<tracking::ReadKeys>();
    rk->client = {id_, home_->id()};
    if (CommandRegistry::KeyPositions(*pc.cid, pc.args, &pos))
      for (uint32_t p : pos) rk->keys.emplace_back(pc.args[p]);
    if (!rk->keys.empty()) multi_ctx_.track = std::move(rk);
  }
  UpdateInflight();
  tracking::CurrentClientScope current(id_);
  pc.cid->handler(pc.args, multi_ctx_);
}

void Connection::SendBatches() {
  if (unsent_ == 0) return;
  for (uint32_t s = 0; s < batches_.size(); ++s) {
    Batch& b = batches_[s];
    if (b.cmds.empty() || b.fn != &Connection::RunBatch) continue;
    b.deferrable = true;
    ++outstanding_;
    Server().shards->shard(s)->Send(&b);
  }
  unsent_ = 0;
  UpdateInflight();
}

void Connection::RunBatch(ShardMsg* m, Shard* s) {
  Batch* b = static_cast<Batch*>(m);
  Connection* c = b->conn;
  const std::vector<uint32_t>& cmds = b->cmds;
  auto run = [&](size_t k) {
    c->Execute(c->pending_[cmds[k]], s, nullptr, &c->pending_[cmds[k]].reply);
  };
  const bool prefetch = cmds.size() > 1 && s->db_slice().PrefetchPays(c->pending_[cmds[0]].db,
                                                                      Server().shards->size());
  for (size_t at = 0; at < cmds.size(); at += kPrefetchAhead) {
    size_t end = std::min(cmds.size(), at + kPrefetchAhead);
    if (!prefetch || end - at < 2) {
      for (size_t k = at; k < end; ++k) run(k);
      continue;
    }
    // As PrefetchAhead on the home thread: the buckets of this group's keys, the first command,
    // the entries, the rest.
    std::string_view keys[kPrefetchAhead];
    uint64_t hashes[kPrefetchAhead];
    size_t m = 0;
    for (size_t k = at + 1; k < end; ++k) {
      const PendingCmd& pc = c->pending_[cmds[k]];
      if (pc.first_key != 0) keys[m++] = pc.args[pc.first_key];
    }
    DbIndex db = c->pending_[cmds[at]].db;
    s->db_slice().PrefetchBuckets(db, keys, m, hashes);
    run(at);
    s->db_slice().PrefetchEntries(db, hashes, m);
    for (size_t k = at + 1; k < end; ++k) run(k);
  }
  b->fn = &Connection::RunBatchDone;
  b->deferrable = false;
  b->completion = true;
  c->home_->Send(b);
}

void Connection::RunBatchDone(ShardMsg* m, Shard*) {
  Batch* b = static_cast<Batch*>(m);
  b->cmds.clear();
  b->fn = &Connection::RunBatch;
  b->completion = false;
  b->conn->OnBatchDone();
}

void Connection::OnBatchDone() {
  --outstanding_;
  if (outstanding_ > 0) return;
  if (barrier_ >= 0) {
    uint32_t i = static_cast<uint32_t>(barrier_);
    barrier_ = -1;
    if (!closed_) {
      in_continue_ = true;
      RunMulti(i);
      in_continue_ = false;
      if (waiting_multi_) {
        UpdateInflight();
        return;
      }
    }
  }
  ContinueBatch();
}

void Connection::FinishBatch() {
  uint64_t ticket = 0;
  for (uint32_t i = 0; i < npending_; ++i) {
    PendingCmd& pc = pending_[i];
    ticket = std::max(ticket, pc.ticket);
    pc.ticket = 0;
    if (!pc.direct && !pc.discard) out_buf_.append(pc.reply);
    // A slot keeps its capacity for the next command, but not a big reply's.
    if (pc.reply.capacity() > kMaxRetainedReply) std::string().swap(pc.reply);
  }
  if (!invalidations_.empty()) {
    out_buf_ += invalidations_;
    invalidations_.clear();
  }
  auto& ts = *Server().thread_stats[home_->id()];
  Bump(ts.commands_processed, npending_);
  if (npending_ > 0) {
    // Size the next batch so that its replies come to about kOutputBound: a client pipelining
    // commands with big replies gets small batches (bounded memory), small replies full ones.
    size_t produced = out_buf_.size() >= batch_out0_ ? out_buf_.size() - batch_out0_ : 0;
    size_t per_cmd = produced / npending_ + 1;
    max_batch_ = static_cast<uint32_t>(std::clamp<size_t>(kOutputBound / per_cmd, 1, kMaxBatch));
  }
  npending_ = 0;
  chain_direct_ = true;
  if (!proto_error_.empty()) {
    protocol::ReplyBuilder rb(&out_buf_, resp);
    rb.Error("ERR " + proto_error_);
    proto_error_.clear();
    close_after_write_ = true;
  }
  if (closed_) return;
  size_t pending = PendingOutput();
  if (pending > opeak_) opeak_ = pending;
  if (pending > 0 && CheckOutputLimits(pending, 0)) return;
  if (aof::MustWait(ticket)) {
    // appendfsync always: nothing of this batch is acknowledged before its writes are on disk
    // (one fsync covers every connection waiting: group commit).
    held_ = true;
    aof::WaitDurable(ticket, [self = shared_from_this()] { self->OnDurable(); });
    return;
  }
  if (!out_buf_.empty() && !writing_) StartWrite();
  if (close_after_write_) {
    if (!writing_) Close();
    return;
  }
  ContinueInput(/*on_loop=*/false);
}

void Connection::OnDurable() {
  held_ = false;
  if (closed_) return;
  if (!out_buf_.empty() && !writing_) StartWrite();
  if (close_after_write_) {
    if (!writing_) Close();
    return;
  }
  ContinueInput(/*on_loop=*/true);
}

void Connection::ContinueInput(bool on_loop) {
  // Backpressure: while replies are being written the next batch waits for the write (by then
  // the client's next requests are often in already: one read, no readiness wait). Only when an
  // output limit above kOutputBound is set does reading go on meanwhile, up to that limit, so
  // that a client that never reads reaches it as in Redis. (Redis has no bound at all: a client
  // that pipelines and never reads grows without end.)
  if (writing_) {
    size_t bound = OutputBound();
    if (bound <= kOutputBound || PendingOutput() >= bound) {
      paused_ = true;  // OnWritten resumes
      return;
    }
  }
  if (input_drained_) return ReadMore();
  // The batch was cut (max_batch_): more complete commands may be buffered. From FinishBatch,
  // parse them from the event loop, not from this stack.
  if (on_loop) return Process();
  boost::asio::post(home_->io(), [self = shared_from_this()] {
    if (!self->closed_) self->Process();
  });
}

size_t Connection::OutputBound() const {
  const auto& lim = Server().config.obuf_limits[Config::kObufNormal];
  return std::max<size_t>({kOutputBound,
                           static_cast<size_t>(lim.hard.load(std::memory_order_relaxed)),
                           static_cast<size_t>(lim.soft.load(std::memory_order_relaxed))});
}

int Connection::ObufClass() const {
  return subscribed() ? Config::kObufPubsub : Config::kObufNormal;
}

bool Connection::CheckOutputLimits(size_t used, int64_t now_ms) {
  // Redis's checkClientOutputBufferLimits / closeClientOnOutputBufferLimitReached.
  const auto& lim = Server().config.obuf_limits[ObufClass()];
  int64_t hard = lim.hard.load(std::memory_order_relaxed);
  int64_t soft = lim.soft.load(std::memory_order_relaxed);
  if (hard == 0 && soft == 0) return false;
  bool over_hard = hard > 0 && used >= static_cast<size_t>(hard);
  bool over_soft = soft > 0 && used >= static_cast<size_t>(soft);
  if (!over_hard && !over_soft) {
    obuf_soft_since_ms_ = 0;
    return false;  // the common case: no clock read (a subscriber checks after every message)
  }
  if (now_ms == 0) now_ms = UnixMs();
  if (over_soft) {
    if (obuf_soft_since_ms_ == 0) {
      obuf_soft_since_ms_ = now_ms;
      over_soft = false;  // the first time it is reached
    } else if ((now_ms - obuf_soft_since_ms_) / 1000 <=
               lim.soft_seconds.load(std::memory_order_relaxed)) {
      over_soft = false;
    }
  } else {
    obuf_soft_since_ms_ = 0;
  }
  if (!over_hard && !over_soft) return false;
  spdlog::warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
               Info());
  Close();
  return true;
}

void Connection::StartWrite() {
  // Deliveries batched by the commands just answered go out before their replies: whatever the
  // client does after reading a reply happens after those messages were queued.
  Shard::FlushBeforeSend();
  Bump(Server().thread_stats[home_->id()]->net_output_bytes, out_buf_.size());
  if (tls_) {
    // TLS: as below, through the session: the records that fit now are written at once, the
    // rest asynchronously.
    size_t done = tls_->TryWrite(out_buf_.data(), out_buf_.size());
    if (done == out_buf_.size()) {
      if (out_buf_.capacity() > kOutputBound) {
        std::string().swap(out_buf_);
      } else {
        out_buf_.clear();
      }
      return;
    }
    writing_ = true;
    wbuf_.swap(out_buf_);
    tls_->AsyncWrite(wbuf_.data() + done, wbuf_.size() - done,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       self->OnWritten(ec);
                     });
    return;
  }
  // The replies almost always fit the socket's send buffer: one direct non-blocking send, and no
  // asio operation (a handler allocation, the reactor's lock, a trip through the scheduler) per
  // write. Only what does not fit goes through async_write, which also reports errors: the
  // connection is then writing_ exactly as before.
  ssize_t n = ::send(fd_, out_buf_.data(), out_buf_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(out_buf_.size())) {
    if (out_buf_.capacity() > kOutputBound) {
      std::string().swap(out_buf_);
    } else {
      out_buf_.clear();
    }
    return;
  }
  size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
  writing_ = true;
  wbuf_.swap(out_buf_);
  boost::asio::async_write(socket_, boost::asio::buffer(wbuf_.data() + sent, wbuf_.size() - sent),
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       size_t) { self->OnWritten(ec); });
}

void Connection::OnWritten(const boost::system::error_code& ec) {
  writing_ = false;
  // Keep a small buffer for the next replies; give a big one back.
  if (wbuf_.capacity() > kOutputBound) {
    std::string().swap(wbuf_);
  } else {
    wbuf_.clear();
  }
  if (ec) return Close();
  if (closed_ || held_) return;  // held: OnDurable writes and resumes
  if (!out_buf_.empty()) {
    StartWrite();
  } else if (close_after_write_) {
    return Close();
  }
  if (paused_ && !close_after_write_) {
    paused_ = false;
    ContinueInput(/*on_loop=*/true);
  }
}

void Connection::UpdateInflight() {
  if (outstanding_ > 0 || waiting_multi_ || barrier_ >= 0 || postponed_ >= 0) {
    if (!inflight_self_) inflight_self_ = shared_from_this();
  } else if (inflight_self_) {
    // Drop the self-reference last: this may destroy *this.
    auto keep = std::move(inflight_self_);
  }
}

}  // namespace shoal
