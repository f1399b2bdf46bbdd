// Listener: the TCP acceptors. Accepts on the control loop (the main thread's io_context, which
// runs no command: a shard busy with a long script never stops accepting) straight into the next
// shard's io_context (round robin) and hands each connection to that shard's thread (its home,
// Connection::Adopt).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

namespace shoal {

class ShardSet;

// Admission: a client over maxclients gets Redis's "-ERR max number of clients reached" and is
// closed; when accept fails (EMFILE/ENFILE: out of descriptors) the acceptor logs Redis's line
// and retries after kAcceptBackoffMs instead of spinning.
class Listener {
 public:
  static constexpr int kAcceptBackoffMs = 100;
  Listener(ShardSet* shards, boost::asio::io_context* control)
      : shards_(shards), control_(control) {}
  // Binds addr:port (port 0: any free port; Server().tcp_port then tells which) and accepts.
  bool Listen(const std::string& addr, int port);
  // The control loop's thread (or before it runs).
  void Close();

 private:
  void Accept(boost::asio::ip::tcp::acceptor* acc);

  ShardSet* shards_;
  boost::asio::io_context* control_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  unsigned next_ = 0;
};

}  // namespace shoal
