// Config helpers of cache mode: memory units, the cgroup memory limit (read from fake cgroup
// trees), the maxmemory warnings and the hz cap.
#include "server/config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "shard/settings.h"

using namespace shoal;
namespace fs = std::filesystem;

namespace {

// A scratch directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/shoal-cgroup-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  void Write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
  std::string Str(const std::string& rel = "") const { return (path / rel).string(); }
};

}  // namespace

TEST_CASE("ParseMemory reads Redis's units", "[config]") {
  int64_t v;
  REQUIRE(ParseMemory("100", &v));
  REQUIRE(v == 100);
  REQUIRE(ParseMemory("1k", &v));
  REQUIRE(v == 1000);
  REQUIRE(ParseMemory("1kb", &v));
  REQUIRE(v == 1024);
  REQUIRE(ParseMemory("4GB", &v));
  REQUIRE(v == 4LL << 30);
  REQUIRE(ParseMemory("3mb", &v));
  REQUIRE(v == 3LL << 20);
  REQUIRE_FALSE(ParseMemory("1xb", &v));
  REQUIRE_FALSE(ParseMemory("-1", &v));
  REQUIRE_FALSE(ParseMemory("99999999999gb", &v));
}

TEST_CASE("CgroupMemoryLimit reads cgroup v2 and v1 trees", "[config]") {
  SECTION("v2: the process's own group wins") {
    TempDir d;
    d.Write("self", "0::/docker/abc\n");
    d.Write("root/docker/abc/memory.max", "536870912\n");
    d.Write("root/memory.max", "max\n");
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 536870912);
  }
  SECTION("v2: 'max' means no limit") {
    TempDir d;
    d.Write("self", "0::/\n");
    d.Write("root/memory.max", "max\n");
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 0);
  }
  SECTION("v2: the root file when the group has none") {
    TempDir d;
    d.Write("self", "0::/gone\n");
    d.Write("root/memory.max", "1073741824\n");
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 1073741824);
  }
  SECTION("v1: a real limit, and the huge 'unlimited' value") {
    TempDir d;
    d.Write("self", "4:memory:/x\n");
    d.Write("root/memory/memory.limit_in_bytes", "268435456\n");
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 268435456);
    d.Write("root/memory/memory.limit_in_bytes", "9223372036854771712\n");
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 0);
  }
  SECTION("no cgroup files at all") {
    TempDir d;
    REQUIRE(CgroupMemoryLimit(d.Str("root"), d.Str("self")) == 0);
  }
}

TEST_CASE("maxmemory warnings", "[config]") {
  constexpr int64_t kMb = 1 << 20;
  // Nothing to say: a limit below the cgroup's and above the usage.
  REQUIRE(MaxmemoryWarnings(100 * kMb, 10 * kMb, 200 * kMb, true).empty());
  REQUIRE(MaxmemoryWarnings(0, 10 * kMb, 0, true).empty());

  auto w = MaxmemoryWarnings(0, 10 * kMb, 512 * kMb, true);
  REQUIRE(w.size() == 1);
  REQUIRE(w[0].find("cgroup memory limit is 536870912 bytes and maxmemory is 0") !=
          std::string::npos);

  w = MaxmemoryWarnings(1024 * kMb, 10 * kMb, 512 * kMb, false);
  REQUIRE(w.size() == 1);
  REQUIRE(w[0].find("above the cgroup memory limit") != std::string::npos);

  w = MaxmemoryWarnings(1000, 0, 0, true);
  REQUIRE(w.size() == 1);
  REQUIRE(w[0].find("less than 1MB (current value is 1000 bytes)") != std::string::npos);

  w = MaxmemoryWarnings(5 * kMb, 10 * kMb, 0, false);
  REQUIRE(w.size() == 1);
  REQUIRE(w[0].find("is smaller than the current memory usage (10485760)") != std::string::npos);
  // At startup the usage is not known yet: no such warning.
  REQUIRE(MaxmemoryWarnings(5 * kMb, 10 * kMb, 0, true).empty());
}

TEST_CASE("client-output-buffer-limit parses, shows and sets as Redis 7.0", "[config]") {
  Config c;
  auto get = [&c] { return c.Get("client-output-buffer-limit").at(0).second; };
  REQUIRE(get() == "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  std::string err;
  // One line per class, or one quoted argument holding several (redis.conf and --name "a b c").
  REQUIRE(
      c.LoadText("client-output-buffer-limit normal 1mb 2mb 3\n"
                 "client-output-buffer-limit \"pubsub 1 2 3 replica 4k 5kb 6\"\n",
                 &err));
  REQUIRE(get() == "normal 1048576 2097152 3 slave 4000 5120 6 pubsub 1 2 3");
  REQUIRE(c.obuf_limits[Config::kObufNormal].hard.load() == 1048576);
  REQUIRE_FALSE(c.LoadText("client-output-buffer-limit normal 1 2\n", &err));
  REQUIRE(err.find("Wrong number of arguments in buffer limit configuration.") !=
          std::string::npos);
  REQUIRE_FALSE(c.LoadText("client-output-buffer-limit master 1 2 3\n", &err));
  REQUIRE(err.find("Invalid client class specified in buffer limit configuration.") !=
          std::string::npos);

  const std::string prefix =
      "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - ";
  REQUIRE(c.Set({{"client-output-buffer-limit", "normal 0 0 0 slave 1gb 0 0"}}).empty());
  REQUIRE(get() == "normal 0 0 0 slave 1073741824 0 0 pubsub 1 2 3");
  REQUIRE(c.Set({{"client-output-buffer-limit", "normal 5 5 5 pubsub 1 1"}}) ==
          prefix + "Wrong number of arguments in buffer limit configuration.");
  REQUIRE(c.Set({{"client-output-buffer-limit", "normal 5 5 -5"}}) ==
          prefix + "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  REQUIRE(c.Set({{"client-output-buffer-limit", "normal 5 x 5"}}) ==
          prefix + "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  // Nothing of a refused value is stored.
  REQUIRE(get() == "normal 0 0 0 slave 1073741824 0 0 pubsub 1 2 3");
}

TEST_CASE("hz is capped to 1..500 as Redis's updateHZ", "[config]") {
  // A huge hz made the shard cron's period 0 ms (a spinning idle server).
  Config c;
  const int64_t saved = ShardSettings::hz.load();
  CHECK(c.Set({{"hz", "100000"}}).empty());
  CHECK(ShardSettings::hz.load() == 500);
  CHECK(c.Get("hz") == std::vector<std::pair<std::string, std::string>>{{"hz", "500"}});
  CHECK(c.Set({{"hz", "0"}}).empty());
  CHECK(ShardSettings::hz.load() == 1);
  CHECK(c.Set({{"hz", "-1"}}) ==
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 "
        "and 2147483647 inclusive");
  std::string err;
  CHECK(c.ApplyStartup("hz", {"2147483647"}, &err));
  CHECK(ShardSettings::hz.load() == 500);
  ShardSettings::hz.store(saved);
}

TEST_CASE("transport parameters parse and show as Redis 7.0", "[config]") {
  Config c;
  auto get = [&c](const char* name) { return c.Get(name).at(0).second; };
  CHECK(get("bind") == "* -::*");
  CHECK(get("protected-mode") == "yes");
  CHECK(get("unixsocketperm") == "0");
  CHECK(get("tls-auth-clients") == "yes");
  CHECK(get("tls-session-cache-size") == "20480");
  std::string err;
  // One quoted bind argument is split on spaces (Redis 7's multi-argument configs).
  REQUIRE(c.LoadText("unixsocketperm 0755\nbind \"127.0.0.1 -::1\"\n", &err));
  CHECK(get("unixsocketperm") == "755");
  CHECK(c.unixsocketperm.load() == 0755);
  CHECK(c.Bind() == std::vector<std::string>{"127.0.0.1", "-::1"});
  CHECK(get("bind") == "127.0.0.1 -::1");
  REQUIRE_FALSE(c.LoadText("unixsocketperm 0999\n", &err));
  CHECK(err.find("argument couldn't be parsed as an octal number") != std::string::npos);
  REQUIRE_FALSE(c.LoadText("unixsocketperm 1777\n", &err));
  CHECK(err.find("argument must be between 0 and 777 inclusive") != std::string::npos);
  CHECK(c.Set({{"unixsocketperm", "700"}}) ==
        "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set "
        "immutable config");
  // tls-* strings are mutable (no TLS port in this process: nothing is rebuilt).
  CHECK(c.Set({{"tls-ciphers", "HIGH"}, {"tls-session-cache-size", "10"}}).empty());
  CHECK(get("tls-ciphers") == "HIGH");
  CHECK(get("tls-session-cache-size") == "10");
  CHECK(c.Set({{"tls-auth-clients", "maybe"}}) ==
        "ERR CONFIG SET failed (possibly related to argument 'tls-auth-clients') - argument(s) "
        "must be one of the following: no, yes, optional");
  CHECK(c.Set({{"bind-source-addr", "10.0.0.1"}}).empty());
  CHECK(get("bind-source-addr") == "10.0.0.1");
}
