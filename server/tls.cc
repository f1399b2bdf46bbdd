#include "server/tls.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string_view>

#include "base/ascii.h"
#include "server/server_state.h"

namespace shoal::tls {

class Context {
 public:
  explicit Context(SSL_CTX* ctx) : ctx_(ctx) {}
  ~Context() { SSL_CTX_free(ctx_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

namespace {

// Redis's REDIS_TLS_PROTO_* and its default (TLSv1.2 and TLSv1.3).
constexpr int kTls1 = 1, kTls1_1 = 2, kTls1_2 = 4, kTls1_3 = 8;
constexpr int kProtoDefault = kTls1_2 | kTls1_3;

std::mutex g_mu;  // guards g_current and serializes builds
std::shared_ptr<Context> g_current;

std::string LastError() {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
  return buf;
}

// Redis's parseProtocolsConfig: space-separated, case-insensitive; -1 after logging.
int ParseProtocols(const std::string& s) {
  if (s.empty()) return kProtoDefault;
  int protocols = 0;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t sp = s.find(' ', pos);
    if (sp == std::string::npos) sp = s.size();
    std::string_view tok(s.data() + pos, sp - pos);
    pos = sp + 1;
    if (EqNoCase(tok, "tlsv1")) {
      protocols |= kTls1;
    } else if (EqNoCase(tok, "tlsv1.1")) {
      protocols |= kTls1_1;
    } else if (EqNoCase(tok, "tlsv1.2")) {
      protocols |= kTls1_2;
    } else if (EqNoCase(tok, "tlsv1.3")) {
      protocols |= kTls1_3;
    } else {
      spdlog::warn(
          "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
          "and 'TLSv1.3'.");
      return -1;
    }
  }
  return protocols;
}

int PasswordCallback(char* buf, int size, int, void* u) {
  const auto* pass = static_cast<const std::string*>(u);
  if (pass == nullptr || pass->empty()) return -1;
  if (pass->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

// Redis's createSSLContext (the server side): nullptr after logging Redis's line.
SSL_CTX* CreateSslContext(const Config& c, int protocols) {
  std::string cert = c.String(&Config::tls_cert_file);
  std::string key = c.String(&Config::tls_key_file);
  std::string pass = c.String(&Config::tls_key_file_pass);
  std::string ca_file = c.String(&Config::tls_ca_cert_file);
  std::string ca_dir = c.String(&Config::tls_ca_cert_dir);
  std::string ciphers = c.String(&Config::tls_ciphers);
  std::string suites = c.String(&Config::tls_ciphersuites);

  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) {
    spdlog::warn("Failed to create the TLS context: {}", LastError());
    return nullptr;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3);
  SSL_CTX_set_options(ctx, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
  if (!(protocols & kTls1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
  if (!(protocols & kTls1_1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
  if (!(protocols & kTls1_2)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  if (!(protocols & kTls1_3)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &pass);

  auto fail = [&] {
    SSL_CTX_free(ctx);
    return nullptr;
  };
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) <= 0) {
    spdlog::warn("Failed to load certificate: {}: {}", cert, LastError());
    return fail();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) <= 0) {
    spdlog::warn("Failed to load private key: {}: {}", key, LastError());
    return fail();
  }
  // The password lives on this stack frame only: nothing loads a key after this.
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if ((!ca_file.empty() || !ca_dir.empty()) &&
      SSL_CTX_load_verify_locations(ctx, ca_file.empty() ? nullptr : ca_file.c_str(),
                                    ca_dir.empty() ? nullptr : ca_dir.c_str()) <= 0) {
    spdlog::warn("Failed to configure CA certificate(s) file/directory: {}", LastError());
    return fail();
  }
  if (!ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, ciphers.c_str())) {
    spdlog::warn("Failed to configure ciphers: {}", ciphers);
    return fail();
  }
  if (!suites.empty() && !SSL_CTX_set_ciphersuites(ctx, suites.c_str())) {
    spdlog::warn("Failed to configure ciphersuites: {}", suites);
    return fail();
  }
  return ctx;
}

// tls-dh-params-file: Redis's OpenSSL 3 branch (OSSL_DECODER). False after logging.
bool LoadDhParams(SSL_CTX* ctx, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    spdlog::warn("Failed to load {}: {}", path, std::strerror(errno));
    return false;
  }
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(
      &pkey, "PEM", nullptr, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, nullptr, nullptr);
  if (dctx == nullptr) {
    spdlog::warn("No decoder for DH params.");
    std::fclose(f);
    return false;
  }
  bool ok = OSSL_DECODER_from_fp(dctx, f);
  OSSL_DECODER_CTX_free(dctx);
  std::fclose(f);
  if (!ok) {
    spdlog::warn("{}: failed to read DH params.", path);
    return false;
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) {
    spdlog::warn("Failed to load DH params file: {}: {}", path, LastError());
    EVP_PKEY_free(pkey);
    return false;
  }
  return true;  // the context owns pkey now
}

}  // namespace

bool Configure() {
  std::lock_guard<std::mutex> lock(g_mu);
  const Config& c = Server().config;
  if (c.String(&Config::tls_cert_file).empty()) {
    spdlog::warn("No tls-cert-file configured!");
    return false;
  }
  if (c.String(&Config::tls_key_file).empty()) {
    spdlog::warn("No tls-key-file configured!");
    return false;
  }
  if ((c.tls_auth_clients.load() != Config::kTlsAuthNo || c.tls_cluster.load() ||
       c.tls_replication.load()) &&
      c.String(&Config::tls_ca_cert_file).empty() && c.String(&Config::tls_ca_cert_dir).empty()) {
    spdlog::warn(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!");
    return false;
  }
  int protocols = ParseProtocols(c.String(&Config::tls_protocols));
  if (protocols == -1) return false;
  SSL_CTX* ctx = CreateSslContext(c, protocols);
  if (ctx == nullptr) return false;
  if (c.tls_session_caching.load()) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, c.tls_session_cache_size.load());
    SSL_CTX_set_timeout(ctx, c.tls_session_cache_timeout.load());
    static const unsigned char kSid[] = "redis";
    SSL_CTX_set_session_id_context(ctx, kSid, 5);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
  SSL_CTX_set_options(ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
  if (c.tls_prefer_server_ciphers.load()) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_options(ctx, SSL_OP_SINGLE_DH_USE);
  // One recv takes whatever the client sent (several records, a pipeline) instead of a header
  // and a body per record. Safe here because a session always calls SSL_read before it waits
  // for the socket, so bytes OpenSSL buffered are never left behind a readiness wait.
  SSL_CTX_set_read_ahead(ctx, 1);
  std::string dh = c.String(&Config::tls_dh_params_file);
  if (!dh.empty()) {
    if (!LoadDhParams(ctx, dh)) {
      SSL_CTX_free(ctx);
      return false;
    }
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  // tls-client-cert-file / tls-client-key-file: for outgoing links, which Shoal does not make.
  g_current = std::make_shared<Context>(ctx);
  return true;
}

void Shutdown() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_current.reset();
}

std::shared_ptr<Context> Current() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_current;
}

bool Wanted() {
  const Config& c = Server().config;
  return c.tls_port.load() != 0 || c.tls_replication.load() || c.tls_cluster.load();
}

const char* ApplyConfig() {
  if (Wanted() && !Configure()) return "Unable to update TLS configuration. Check server logs.";
  return nullptr;
}

// The session drives OpenSSL on the socket's descriptor itself (SSL_set_fd, as Redis's tls.c):
// no BIO pair and no copy between it and the socket. An operation that OpenSSL cannot finish now
// (SSL_ERROR_WANT_READ / WANT_WRITE, in either direction: a read may need to write a key update)
// waits for that readiness with the socket's async_wait and is retried.
struct Session::Impl {
  Impl(ClientSocket& s, std::shared_ptr<Context> c)
      : ctx(std::move(c)), sock(s), ssl(SSL_new(ctx->get())) {
    boost::system::error_code ec;
    sock.non_blocking(true, ec);  // SSL_read / SSL_write must never block the thread
    if (ssl != nullptr) {
      SSL_set_fd(ssl, sock.native_handle());
      SSL_set_accept_state(ssl);
    }
  }
  ~Impl() {
    if (ssl != nullptr) SSL_free(ssl);
  }

  // After an SSL call returned r <= 0: what to wait for (wait_read / wait_write), or -1 and
  // `err` set (the connection is done).
  int Want(int r, std::string* err) {
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ) return boost::asio::socket_base::wait_read;
    if (e == SSL_ERROR_WANT_WRITE) return boost::asio::socket_base::wait_write;
    if (e == SSL_ERROR_ZERO_RETURN) {
      *err = "connection closed by peer";
    } else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      *err = errno != 0 ? std::strerror(errno) : "unexpected eof";
    } else {
      *err = LastError();
    }
    failed = true;
    return -1;
  }

  void Wait(int what, std::function<void(const boost::system::error_code&)> then) {
    sock.async_wait(static_cast<boost::asio::socket_base::wait_type>(what), std::move(then));
  }

  void Handshake(std::function<void(const std::string&)> done) {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl);
    if (r == 1) return done("");
    std::string err;
    int what = Want(r, &err);
    if (what < 0) return done(err);
    Wait(what, [this, done = std::move(done)](const boost::system::error_code& ec) mutable {
      if (ec) return done(ec.message());
      Handshake(std::move(done));
    });
  }

  void Read(char* data, size_t size,
            std::function<void(const boost::system::error_code&, size_t)> done) {
    if (failed) return Post(std::move(done), boost::asio::error::broken_pipe, 0);
    ERR_clear_error();
    int r = SSL_read(ssl, data, static_cast<int>(std::min<size_t>(size, INT_MAX)));
    if (r > 0) return Post(std::move(done), {}, static_cast<size_t>(r));
    std::string err;
    int what = Want(r, &err);
    if (what < 0) {
      if (!err.empty() && err != "connection closed by peer")
        spdlog::debug("TLS read error: {}", err);
      return Post(std::move(done), boost::asio::error::eof, 0);
    }
    Wait(what,
         [this, data, size, done = std::move(done)](const boost::system::error_code& ec) mutable {
           if (ec) return done(ec, 0);
           Read(data, size, std::move(done));
         });
  }

  // Writes what OpenSSL takes now; the bytes written.
  size_t TryWrite(const char* data, size_t size, int* want) {
    size_t done = 0;
    *want = -1;
    while (done < size && !failed) {
      ERR_clear_error();
      int r = SSL_write(ssl, data + done, static_cast<int>(std::min<size_t>(size - done, INT_MAX)));
      if (r > 0) {
        done += static_cast<size_t>(r);
        continue;
      }
      std::string err;
      *want = Want(r, &err);
      if (*want < 0) spdlog::debug("TLS write error: {}", err);
      break;
    }
    return done;
  }

  void Write(const char* data, size_t size, size_t written,
             std::function<void(const boost::system::error_code&, size_t)> done) {
    int want;
    written += TryWrite(data + written, size - written, &want);
    if (written == size) return Post(std::move(done), {}, written);
    if (failed) return Post(std::move(done), boost::asio::error::broken_pipe, written);
    Wait(want, [this, data, size, written,
                done = std::move(done)](const boost::system::error_code& ec) mutable {
      if (ec) return done(ec, written);
      Write(data, size, written, std::move(done));
    });
  }

  // Completions always run from the loop, never inside the call that started the operation.
  void Post(std::function<void(const boost::system::error_code&, size_t)> done,
            boost::system::error_code ec, size_t n) {
    boost::asio::post(sock.get_executor(),
                      [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  std::shared_ptr<Context> ctx;  // the SSL_CTX outlives the SSL built on it
  ClientSocket& sock;
  SSL* ssl;
  bool failed = false;  // a fatal error: every later operation fails
};

Session::Session(ClientSocket& socket, std::shared_ptr<Context> ctx)
    : impl_(std::make_unique<Impl>(socket, std::move(ctx))) {}

Session::~Session() = default;

void Session::AsyncHandshake(std::function<void(const std::string&)> done) {
  if (impl_->ssl == nullptr) {
    std::string err = LastError();
    return boost::asio::post(impl_->sock.get_executor(),
                             [done = std::move(done), err] { done(err); });
  }
  // Redis's connCreateAcceptedTLS: tls-auth-clients as it is when the client connects.
  int mode;
  switch (Server().config.tls_auth_clients.load(std::memory_order_relaxed)) {
    case Config::kTlsAuthNo:
      mode = SSL_VERIFY_NONE;
      break;
    case Config::kTlsAuthOptional:
      mode = SSL_VERIFY_PEER;
      break;
    default:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_set_verify(impl_->ssl, mode, nullptr);
  impl_->Handshake(std::move(done));
}

void Session::AsyncReadSome(char* data, size_t size,
                            std::function<void(const boost::system::error_code&, size_t)> done) {
  impl_->Read(data, size, std::move(done));
}

size_t Session::TryWrite(const char* data, size_t size) {
  int want;
  return impl_->TryWrite(data, size, &want);
}

void Session::AsyncWrite(const char* data, size_t size,
                         std::function<void(const boost::system::error_code&, size_t)> done) {
  impl_->Write(data, size, 0, std::move(done));
}

}  // namespace shoal::tls
