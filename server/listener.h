// Listener: the acceptors (TCP, TLS, unix socket). Accepts on the control loop (the main thread's
// io_context, which runs no command: a shard busy with a long script never stops accepting)
// straight into the next shard's io_context (round robin) and hands each connection to that
// shard's thread (its home, Connection::Adopt).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shoal {

class ShardSet;

// Admission: a client over maxclients gets Redis's "-ERR max number of clients reached" and is
// closed; when accept fails (EMFILE/ENFILE: out of descriptors) the acceptor logs Redis's line
// and retries after kAcceptBackoffMs instead of spinning. Protected mode is decided later, on the
// connection's thread (after the TLS handshake, as in Redis).
// Threads: any; the acceptors' completions run on the control loop. CONFIG SET of port, tls-port
// and bind re-binds from the thread that runs it (Redis's changeListenPort / changeBindAddr).
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
  // Redis's changeListenPort / changeBindAddr: closes the acceptors of `kind` and binds `binds`
  // on `port` (0: none). False after logging; the old acceptors are gone either way (CONFIG SET
  // restores the old values and re-binds them).
  bool Rebind(Kind kind, const std::vector<std::string>& binds, int port);
  int TlsPort() const { return tls_port_; }
  size_t count() const;
  // Stops accepting and removes the unix socket file.
  void Close();

  // The listener CONFIG SET re-binds (main sets it while the server runs; null otherwise).
  static void SetActive(Listener* l) { active_.store(l); }
  // CONFIG SET's apply hooks for port, tls-port and bind: nullptr or Redis's error.
  static const char* ApplyPort();
  static const char* ApplyTlsPort();
  static const char* ApplyBind();

 private:
  struct Acceptor;
  bool ListenLocked(const std::string& addr, int port, Kind kind, int* err_no);
  bool ListenAllLocked(const std::vector<std::string>& binds, int port, Kind kind);
  void CloseKindLocked(Kind kind);
  void Accept(Acceptor* acc);

  ShardSet* shards_;
  boost::asio::io_context* control_;
  mutable std::mutex mu_;  // acceptors_, retired_
  std::mutex accept_mu_;   // an acceptor's close vs its next accept (taken after mu_)
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  // Closed acceptors whose last (aborted) accept may still be queued: kept until the listener goes.
  std::vector<std::unique_ptr<Acceptor>> retired_;
  std::string unix_path_;
  int tls_port_ = 0;
  std::atomic<unsigned> next_{0};
  static inline std::atomic<Listener*> active_{nullptr};
};

}  // namespace shoal
