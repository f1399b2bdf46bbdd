#include "server/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>

#include "server/connection.h"
#include "server/server_state.h"
#include "server/tls.h"
#include "shard/shard_set.h"

namespace shoal {

namespace asio = boost::asio;

// One listening socket. TCP and TLS acceptors share the tcp type; a unix one has its own.
struct Listener::Acceptor {
  Kind kind;
  std::unique_ptr<asio::ip::tcp::acceptor> tcp;
  std::unique_ptr<asio::local::stream_protocol::acceptor> local;
  bool is_open() const { return tcp ? tcp->is_open() : local->is_open(); }
  void close() {
    boost::system::error_code ec;
    if (tcp) tcp->close(ec);
    if (local) local->close(ec);
  }
};

Listener::Listener(ShardSet* shards, asio::io_context* control)
    : shards_(shards), control_(control) {}

Listener::~Listener() = default;

bool Listener::Listen(const std::string& addr, int port, Kind kind, int* err_no) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListenLocked(addr, port, kind, err_no);
}

size_t Listener::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acceptors_.size();
}

bool Listener::ListenLocked(const std::string& addr, int port, Kind kind, int* err_no) {
  boost::system::error_code ec;
  // Redis's anetTcpServer / anetTcp6Server: "*" and "::*" are the wildcards.
  asio::ip::address ip;
  if (addr == "*") {
    ip = asio::ip::address_v4::any();
  } else if (addr == "::*") {
    ip = asio::ip::address_v6::any();
  } else {
    ip = asio::ip::make_address(addr, ec);
  }
  if (ec) {
    spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}", addr, port,
                 "Name or service not known");
    if (err_no != nullptr) *err_no = EINVAL;
    return false;
  }
  auto acc = std::make_unique<asio::ip::tcp::acceptor>(*control_);
  asio::ip::tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  const char* step = "socket";
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ip.is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
  if (!ec) {
    step = "bind";
    acc->bind(ep, ec);
  }
  if (!ec) {
    step = "listen";
    acc->listen(static_cast<int>(Server().config.tcp_backlog.load()), ec);
  }
  if (ec) {
    // Redis's log line, with anet's "<call>: <strerror>" reason.
    spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}: {}", addr, port,
                 step, ec.message());
    if (err_no != nullptr)
      *err_no = ec.category() == boost::system::system_category() ? ec.value() : EINVAL;
    return false;
  }
  int bound = acc->local_endpoint().port();
  if (kind == Kind::kTls) {
    if (tls_port_ == 0) tls_port_ = bound;
  } else if (Server().tcp_port == 0) {
    Server().tcp_port = bound;
  }
  auto a = std::make_unique<Acceptor>();
  a->kind = kind;
  a->tcp = std::move(acc);
  acceptors_.push_back(std::move(a));
  Accept(acceptors_.back().get());
  return true;
}

bool Listener::ListenAll(const std::vector<std::string>& binds, int port, Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListenAllLocked(binds, port, kind);
}

bool Listener::ListenAllLocked(const std::vector<std::string>& binds, int port, Kind kind) {
  for (const std::string& entry : binds) {
    bool optional = !entry.empty() && entry[0] == '-';
    std::string addr = optional ? entry.substr(1) : entry;
    int err = 0;
    if (ListenLocked(addr, port, kind, &err)) continue;
    if (err == EADDRNOTAVAIL && optional) continue;
    // An address family this kernel does not have (no IPv6) is skipped, as Redis does.
    if (err == ENOPROTOOPT || err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT ||
        err == EPFNOSUPPORT || err == EAFNOSUPPORT)
      continue;
    return false;
  }
  return true;
}

bool Listener::ListenUnix(const std::string& path, unsigned perm) {
  std::lock_guard<std::mutex> lock(mu_);
  ::unlink(path.c_str());  // a stale socket file from an earlier run; failure is fine
  boost::system::error_code ec;
  auto acc = std::make_unique<asio::local::stream_protocol::acceptor>(*control_);
  asio::local::stream_protocol::endpoint ep(path);
  acc->open(ep.protocol(), ec);
  const char* step = "socket";
  if (!ec) {
    step = "bind";
    acc->bind(ep, ec);
  }
  if (!ec && perm != 0 && ::chmod(path.c_str(), static_cast<mode_t>(perm)) == -1)
    ec.assign(errno, boost::system::system_category());
  if (!ec) {
    step = "listen";
    acc->listen(static_cast<int>(Server().config.tcp_backlog.load()), ec);
  }
  if (ec) {
    spdlog::warn("Failed opening Unix socket: {}: {}", step, ec.message());
    return false;
  }
  unix_path_ = path;
  auto a = std::make_unique<Acceptor>();
  a->kind = Kind::kUnix;
  a->local = std::move(acc);
  acceptors_.push_back(std::move(a));
  Accept(acceptors_.back().get());
  return true;
}

void Listener::CloseKindLocked(Kind kind) {
  for (auto it = acceptors_.begin(); it != acceptors_.end();) {
    if ((*it)->kind != kind) {
      ++it;
      continue;
    }
    {
      std::lock_guard<std::mutex> alock(accept_mu_);
      (*it)->close();
    }
    retired_.push_back(std::move(*it));
    it = acceptors_.erase(it);
  }
}

bool Listener::Rebind(Kind kind, const std::vector<std::string>& binds, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  CloseKindLocked(kind);
  if (port == 0) return true;
  if (kind == Kind::kTls) tls_port_ = 0;
  if (ListenAllLocked(binds, port, kind)) return true;
  CloseKindLocked(kind);
  return false;
}

namespace {
std::vector<std::string> BindList() { return Server().config.Bind(); }
}  // namespace

const char* Listener::ApplyPort() {
  Listener* l = active_.load();
  if (l != nullptr &&
      !l->Rebind(Kind::kTcp, BindList(), static_cast<int>(Server().config.port.load())))
    return "Unable to listen on this port. Check server logs.";
  return nullptr;
}

const char* Listener::ApplyTlsPort() {
  // Redis's applyTLSPort: TLS is configured first if it was not.
  if (tls::Current() == nullptr && !tls::Configure())
    return "Unable to update TLS configuration. Check server logs.";
  Listener* l = active_.load();
  if (l != nullptr &&
      !l->Rebind(Kind::kTls, BindList(), static_cast<int>(Server().config.tls_port.load())))
    return "Unable to listen on this port. Check server logs.";
  return nullptr;
}

const char* Listener::ApplyBind() {
  Listener* l = active_.load();
  if (l == nullptr) return nullptr;
  std::vector<std::string> binds = BindList();
  const Config& c = Server().config;
  if (!l->Rebind(Kind::kTcp, binds, static_cast<int>(c.port.load())) ||
      !l->Rebind(Kind::kTls, binds, static_cast<int>(c.tls_port.load()))) {
    spdlog::warn("Failed to bind");
    l->Rebind(Kind::kTcp, {}, 0);
    l->Rebind(Kind::kTls, {}, 0);
    return "Failed to bind to specified addresses.";
  }
  return nullptr;
}

void Listener::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  {
    std::lock_guard<std::mutex> alock(accept_mu_);
    for (auto& a : acceptors_) a->close();
  }
  if (!unix_path_.empty()) {
    ::unlink(unix_path_.c_str());
    unix_path_.clear();
  }
}

namespace {

// Redis's acceptCommonHandler over maxclients: a best-effort error, then close. False when the
// client may stay.
bool OverMaxclients(int fd) {
  if (Connection::open_count.load(std::memory_order_relaxed) <
      Server().config.maxclients.load(std::memory_order_relaxed))
    return false;
  // In the clear even on the TLS port, as Redis does (before any handshake).
  static constexpr char kErr[] = "-ERR max number of clients reached\r\n";
  ssize_t w = ::send(fd, kErr, sizeof(kErr) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)w;
  // Counted in shard 0's stats (no shard thread writes this one).
  Server().thread_stats[0]->rejected_connections.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace

void Listener::Accept(Acceptor* acc) {
  // The control loop (completions) and a CONFIG SET's thread (Rebind's close) both touch
  // acceptors: one lock orders them. A closed acceptor accepts no more.
  std::lock_guard<std::mutex> alock(accept_mu_);
  if (!acc->is_open()) return;
  Shard* target = shards_->shard(next_++ % shards_->size());
  // What every kind of accept does with its socket (its descriptor goes to the connection).
  auto on_socket = [this, acc, target](const boost::system::error_code& ec, auto sock) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      {
        std::lock_guard<std::mutex> alock(accept_mu_);
        if (!acc->is_open()) return;  // closed by a re-bind: nothing to report
      }
      // Out of descriptors (EMFILE/ENFILE) or another accept failure: Redis's log line, then a
      // pause before the next try, so the pending connection does not make this thread spin;
      // the clients already connected are served meanwhile.
      spdlog::warn("Accepting client connection: accept: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(*control_);
      timer->expires_after(std::chrono::milliseconds(kAcceptBackoffMs));
      timer->async_wait([this, acc, timer](const boost::system::error_code& tec) {
        if (!tec) Accept(acc);
      });
      return;
    }
    std::shared_ptr<tls::Context> ctx;
    if (acc->kind == Kind::kTls) ctx = tls::Current();
    boost::system::error_code cec;
    if ((acc->kind == Kind::kTls && ctx == nullptr) || OverMaxclients(sock.native_handle())) {
      sock.close(cec);  // never serve the TLS port in the clear
    } else {
      // Accepted onto the control loop; the descriptor alone goes to the shard, whose thread
      // registers it with its own io_context (no other thread may touch that one's sockets).
      int fd = sock.release(cec);
      if (cec) {
        sock.close(cec);
      } else {
        Connection::Adopt(std::make_shared<Connection>(fd, target, std::move(ctx)));
      }
    }
    Accept(acc);
  };
  if (acc->tcp) {
    acc->tcp->async_accept(
        [on_socket](const boost::system::error_code& ec, asio::ip::tcp::socket sock) {
          on_socket(ec, std::move(sock));
        });
  } else {
    acc->local->async_accept(
        [on_socket](const boost::system::error_code& ec,
                    asio::local::stream_protocol::socket sock) { on_socket(ec, std::move(sock)); });
  }
}

}  // namespace shoal
