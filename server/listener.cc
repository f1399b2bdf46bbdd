#include "server/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "server/connection.h"
#include "server/server_state.h"
#include "shard/shard_set.h"

namespace shoal {

bool Listener::Listen(const std::string& addr, int port) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(addr, ec);
  if (ec) {
    spdlog::warn("Invalid bind address '{}'", addr);
    return false;
  }
  auto acc = std::make_unique<boost::asio::ip::tcp::acceptor>(*control_);
  boost::asio::ip::tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec && ip.is_v6()) acc->set_option(boost::asio::ip::v6_only(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(static_cast<int>(Server().config.tcp_backlog.load()), ec);
  if (ec) {
    spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}", addr, port,
                 ec.message());
    return false;
  }
  if (Server().tcp_port == 0) Server().tcp_port = acc->local_endpoint().port();
  acceptors_.push_back(std::move(acc));
  Accept(acceptors_.back().get());
  return true;
}

void Listener::Close() {
  for (auto& a : acceptors_) {
    boost::system::error_code ec;
    a->close(ec);
  }
}

void Listener::Accept(boost::asio::ip::tcp::acceptor* acc) {
  Shard* target = shards_->shard(next_++ % shards_->size());
  acc->async_accept(target->io(), [this, acc, target](const boost::system::error_code& ec,
                                                      boost::asio::ip::tcp::socket sock) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (EMFILE/ENFILE) or another accept failure: Redis's log line, then a
      // pause before the next try, so the pending connection does not make this thread spin;
      // the clients already connected are served meanwhile.
      spdlog::warn("Accepting client connection: accept: {}", ec.message());
      auto timer = std::make_shared<boost::asio::steady_timer>(*control_);
      timer->expires_after(std::chrono::milliseconds(kAcceptBackoffMs));
      timer->async_wait([this, acc, timer](const boost::system::error_code& tec) {
        if (!tec && acc->is_open()) Accept(acc);
      });
      return;
    }
    if (Connection::open_count.load(std::memory_order_relaxed) >=
        Server().config.maxclients.load(std::memory_order_relaxed)) {
      // Redis's acceptCommonHandler: a best-effort error, then close.
      static constexpr char kErr[] = "-ERR max number of clients reached\r\n";
      ssize_t w = ::send(sock.native_handle(), kErr, sizeof(kErr) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
      (void)w;
      // Counted in shard 0's stats (no shard thread writes this one).
      Server().thread_stats[0]->rejected_connections.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code cec;
      sock.close(cec);
    } else {
      Connection::Adopt(std::make_shared<Connection>(std::move(sock), target));
    }
    Accept(acc);
  });
}

}  // namespace shoal
