// TLS through OpenSSL, Redis 7.0's tls.c in behaviour: the tls-*
// parameters, the context built from them (tlsConfigure) and rebuilt by CONFIG SET, and the
// per-client session. Asio's and OpenSSL's headers stay in tls.cc: this header is light.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/client_socket.h"

namespace shoal::tls {

// One SSL_CTX built from the tls-* settings; immutable once built. A session keeps the context it
// started with: a reload affects new connections only.
class Context;

// Redis's tlsConfigure: builds a context from the current settings (Server().config); on success
// it becomes Current(), on failure Redis's log lines explain and the old context stays. Any
// thread (startup, CONFIG SET); builds run one at a time.
bool Configure();
// The context new TLS connections get; null until Configure succeeded once. Any thread.
std::shared_ptr<Context> Current();
// Whether TLS is wanted (tls-port, tls-replication or tls-cluster set): CONFIG SET of a tls-*
// parameter then rebuilds the context (Redis's applyTlsCfg).
bool Wanted();
// CONFIG SET's apply hook for every tls-* parameter: nullptr or Redis's error.
const char* ApplyConfig();
// At exit, once the connections are gone: drops the current context while OpenSSL is still up
// (its own cleanup runs from atexit, before static destructors of objects made earlier).
void Shutdown();

// One TLS client: an OpenSSL session on the connection's socket (which must outlive it). Home
// thread only. One read and one write may be in flight together; every handler runs on the
// socket's io_context, never inside the call that started the operation. Closing the socket
// ends the operations in flight (their handlers get an error).
class Session {
 public:
  Session(ClientSocket& socket, std::shared_ptr<Context> ctx);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // The server side of the handshake, with tls-auth-clients as it is now. `done` gets "" or the
  // OpenSSL error text (Redis logs it as "Error accepting a client connection: ...").
  void AsyncHandshake(std::function<void(const std::string& error)> done);
  void AsyncReadSome(char* data, size_t size,
                     std::function<void(const boost::system::error_code&, size_t)> done);
  // Writes what the socket takes now, without waiting (the plaintext path's direct send): the
  // bytes written. The rest, if any, must then go through AsyncWrite (from the next byte on).
  size_t TryWrite(const char* data, size_t size);
  // Writes all of it; `done` runs from the loop.
  void AsyncWrite(const char* data, size_t size,
                  std::function<void(const boost::system::error_code&, size_t)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::tls
