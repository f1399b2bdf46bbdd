// Listener: the TCP acceptors. Accepts on shard 0's thread straight into the next shard's
// io_context (round robin) and starts each connection on that shard's thread (its home).
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
  explicit Listener(ShardSet* shards) : shards_(shards) {}
  // Binds addr:port (port 0: any free port; Server().tcp_port then tells which) and accepts.
  bool Listen(const std::string& addr, int port);
  // Shard 0's thread (or before the shards start).
  void Close();

 private:
  void Accept(boost::asio::ip::tcp::acceptor* acc);

  ShardSet* shards_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  unsigned next_ = 0;
};

}  // namespace shoal
