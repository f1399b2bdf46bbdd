// An in-process Shoal for tests that drive the core directly: real shards (kShards threads), the
// real command table and a real listener on 127.0.0.1 (a free port). Started on first use, stopped
// at exit. Run({"set", "k", "v"}) sends a command over TCP like any client; OnShard runs code on
// a shard's thread (for Transaction, the sequencer and the write path).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_reader.h"
#include "shard/shard.h"

namespace shoal::testing {

class TestClient {
 public:
  explicit TestClient(int port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  protocol::RespValue Run(const std::vector<std::string>& args);
  void Send(const std::vector<std::string>& args);
  protocol::RespValue Read();

 private:
  int fd_ = -1;
  std::string buf_;
};

class TestServer {
 public:
  static constexpr unsigned kShards = 4;
  static TestServer& Get();

  int port() const { return port_; }
  // One command on a fresh connection.
  protocol::RespValue Run(const std::vector<std::string>& args);
  std::unique_ptr<TestClient> Connect() { return std::make_unique<TestClient>(port_); }
  // Runs fn on shard `id`'s thread (a non-deferrable message: it runs even while the shard is
  // parked) and waits for it.
  void OnShard(uint32_t id, std::function<void(Shard&)> fn);
  // The same as a deferrable message: waits until the shard is not parked. False on timeout.
  bool OnShardDeferred(uint32_t id, std::function<void(Shard&)> fn, int timeout_ms = 5000);
  uint32_t ShardOf(std::string_view key) const;

 private:
  TestServer();
  int port_ = 0;
};

// Readable form of a reply for assertions: "OK", "(nil)", "(error) ERR ...", "1", "[a, b]".
std::string Str(const protocol::RespValue& v);

}  // namespace shoal::testing
