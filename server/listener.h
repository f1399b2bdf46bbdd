// Listener: the acceptors (TCP, TLS, unix socket). Accepts on the control loop (the main thread's
// io_context, which runs no command: a shard busy with a long script never stops accepting)
// straight into the next shard's io_context (round robin) and hands each connection to that
// shard's thread (its home, Connection::Adopt).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

namespace shoal {

class ShardSet;

// Admission: a client over maxclients gets Redis's "-ERR max number of clients reached" and is
// closed; when accept fails (EMFILE/ENFILE: out of descriptors) the acceptor logs Redis's line
// and retries after kAcceptBackoffMs instead of spinning. Protected mode is decided later, on the
// connection's thread (after the TLS handshake, as in Redis).
// Threads: every method on the control loop's thread (or before it runs).
class Listener {
 public:
  static constexpr int kAcceptBackoffMs = 100;
  enum class Kind { kTcp, kTls, kUnix };
  Listener(ShardSet* shards, boost::asio::io_context* control);
  ~Listener();
  // Binds one address (an IPv4 or IPv6 literal; "*" is 0.0.0.0 and "::*" is ::; IPv6 sockets are
  // v6-only, as Redis's) on `port` and accepts. Port 0: any free port (Server().tcp_port, or
  // TlsPort() for TLS, then tells which). False after logging Redis's warning; *err_no gets the
  // errno of the failure (EADDRNOTAVAIL for an address this host does not have).
  bool Listen(const std::string& addr, int port, Kind kind = Kind::kTcp, int* err_no = nullptr);
  // Redis's listenToPort: every `bind` entry ("-addr" is optional: skipped when the host does
  // not have it; an address family the kernel lacks is skipped too). False when a mandatory
  // address failed (the caller exits with Redis's message).
  bool ListenAll(const std::vector<std::string>& binds, int port, Kind kind);
  // Redis's unixsocket: removes a stale file, binds, applies `perm` (0: leave the umask's) and
  // accepts. False after logging Redis's line.
  bool ListenUnix(const std::string& path, unsigned perm);
  int TlsPort() const { return tls_port_; }
  size_t count() const { return acceptors_.size(); }
  // Stops accepting and removes the unix socket file.
  void Close();

 private:
  struct Acceptor;
  void Accept(Acceptor* acc);

  ShardSet* shards_;
  boost::asio::io_context* control_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::string unix_path_;
  int tls_port_ = 0;
  unsigned next_ = 0;
};

}  // namespace shoal
