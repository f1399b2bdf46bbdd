#include "tests/server/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <thread>

#include "server/connection.h"
#include "server/listener.h"
#include "server/server_state.h"
#include "shard/evict.h"
#include "shard/lazyfree.h"
#include "shard/shard_set.h"

namespace shoal::testing {

namespace {

Listener* g_listener = nullptr;
// The control loop (acceptors), on a thread of its own as main's runs on the main thread.
boost::asio::io_context* g_control = nullptr;
std::thread* g_control_thread = nullptr;

void StopServer() {
  ServerState& st = Server();
  if (!st.shards) return;
  boost::asio::post(*g_control, [] {
    g_listener->Close();
    g_control->stop();
  });
  g_control_thread->join();
  st.shards->Stop();
  st.shards->Join();
  lazyfree::Stop();
  delete g_listener;
  delete g_control_thread;
  delete g_control;
  st.shards.reset();
}

}  // namespace

TestServer& TestServer::Get() {
  static TestServer* server = new TestServer();
  return *server;
}

TestServer::TestServer() {
  ServerState& st = Server();
  std::string err;
  // No save rules: FLUSHALL would save a dump.rdb in the working directory, as Redis does.
  if (!st.config.LoadText("loglevel warning\nsave \"\"\n", &err)) throw std::runtime_error(err);
  st.config.shards.store(kShards);
  CreateShards(kShards);
  std::vector<Shard*> shards;
  for (unsigned i = 0; i < kShards; ++i) shards.push_back(st.shards->shard(i));
  memory_budget::Init(shards.data(), kShards, 0);
  g_control = new boost::asio::io_context(1);
  g_listener = new Listener(st.shards.get(), g_control);
  if (!g_listener->Listen("127.0.0.1", 0)) throw std::runtime_error("cannot listen");
  port_ = st.tcp_port;
  lazyfree::Start();
  st.shards->Start([](Shard* shard) { Connection::StartIdleSweep(shard); });
  g_control_thread = new std::thread([] {
    auto guard = boost::asio::make_work_guard(*g_control);
    g_control->run();
  });
  std::atexit(StopServer);
}

protocol::RespValue TestServer::Run(const std::vector<std::string>& args) {
  TestClient c(port_);
  return c.Run(args);
}

void TestServer::OnShard(uint32_t id, std::function<void(Shard&)> fn) {
  std::promise<void> done;
  Server().shards->shard(id)->Post(/*deferrable=*/false, [&](Shard& s) {
    fn(s);
    done.set_value();
  });
  done.get_future().wait();
}

bool TestServer::OnShardDeferred(uint32_t id, std::function<void(Shard&)> fn, int timeout_ms) {
  auto done = std::make_shared<std::promise<void>>();
  auto f = done->get_future();
  Server().shards->shard(id)->Post(/*deferrable=*/true, [fn, done](Shard& s) {
    fn(s);
    done->set_value();
  });
  return f.wait_for(std::chrono::milliseconds(timeout_ms)) == std::future_status::ready;
}

uint32_t TestServer::ShardOf(std::string_view key) const { return Server().shards->ShardOf(key); }

TestClient::TestClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("connect failed");
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{10, 0};  // a hung server fails the test instead of hanging it
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

TestClient::~TestClient() {
  if (fd_ >= 0) close(fd_);
}

void TestClient::Send(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = write(fd_, out.data() + off, out.size() - off);
    if (n <= 0) throw std::runtime_error("write failed");
    off += static_cast<size_t>(n);
  }
}

protocol::RespValue TestClient::Read() {
  protocol::RespReader reader;
  for (;;) {
    protocol::RespValue v;
    size_t used = 0;
    auto res = reader.Read(buf_, &v, &used);
    if (res == protocol::RespReader::Result::kValue) {
      buf_.erase(0, used);
      return v;
    }
    if (res == protocol::RespReader::Result::kError) throw std::runtime_error("bad reply");
    char chunk[16384];
    ssize_t n = read(fd_, chunk, sizeof(chunk));
    if (n <= 0) throw std::runtime_error("connection closed or timed out");
    buf_.append(chunk, static_cast<size_t>(n));
  }
}

protocol::RespValue TestClient::Run(const std::vector<std::string>& args) {
  Send(args);
  return Read();
}

std::string Str(const protocol::RespValue& v) {
  using T = protocol::RespValue::Type;
  switch (v.type) {
    case T::kSimple:
    case T::kBulk:
    case T::kVerbatim:
    case T::kBigNumber:
    case T::kDouble:
      return v.str;
    case T::kError:
    case T::kBlobError:
      return "(error) " + v.str;
    case T::kInteger:
    case T::kBool:
      return std::to_string(v.integer);
    case T::kNull:
    case T::kNullArray:
      return "(nil)";
    default: {
      std::string s = "[";
      for (size_t i = 0; i < v.elems.size(); ++i) s += (i ? ", " : "") + Str(v.elems[i]);
      return s + "]";
    }
  }
}

}  // namespace shoal::testing
