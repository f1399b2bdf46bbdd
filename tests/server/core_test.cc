// The core, driven directly on a real in-process server (tests/server/test_server.h): transaction
// kinds, the guard, one clock, composition inside EXEC, the inline-ordering rule, and the write
// path's hook for every write command of the table.
#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "server/command_context.h"
#include "server/server_state.h"
#include "server/transaction.h"
#include "shard/shard_set.h"
#include "tests/server/test_server.h"

using namespace shoal;
using shoal::testing::Str;
using shoal::testing::TestServer;

namespace {

// Runs `start` on shard 0's thread (the coordinator) and waits until it calls done().
void OnCoordinator(const std::function<void(std::function<void()> done)>& start) {
  auto p = std::make_shared<std::promise<void>>();
  TestServer::Get().OnShard(0, [&](Shard&) { start([p] { p->set_value(); }); });
  REQUIRE(p->get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}

}  // namespace

TEST_CASE("One clock: every hop of a transaction sees its creation time", "[transaction]") {
  std::shared_ptr<Transaction> tx;
  std::vector<int64_t> seen(TestServer::kShards, -1);
  OnCoordinator([&](std::function<void()> done) {
    tx = Transaction::CreateOwn({0, 1, 2, 3});
    tx->Arm([&, done] {
      tx->Hop([&](Shard& s) { seen[s.id()] = s.db_slice().now_ms(); }, true, done);
    });
  });
  for (int64_t t : seen) CHECK(t == tx->now_ms());
  TestServer::Get().OnShard(0, [&](Shard&) { tx.reset(); });
}

TEST_CASE("A joined transaction hops on parked shards and never concludes them", "[transaction]") {
  auto& ts = TestServer::Get();
  std::shared_ptr<Transaction> outer, inner;
  std::vector<int> parked_during(TestServer::kShards, 0);
  OnCoordinator([&](std::function<void()> done) {
    outer = Transaction::CreateOwn({1, 2, 3});
    outer->Arm([&, done] {
      CommandContext ctx;
      ctx.tx = outer.get();
      inner = Transaction::Create(ctx, {1, 3});
      inner->Arm([&, done] {  // a no-op: already armed
        inner->Hop([&](Shard& s) { parked_during[s.id()] = s.parked() ? 1 : 0; }, true, done);
      });
    });
  });
  CHECK(inner->kind() == Transaction::Kind::kJoined);
  CHECK(parked_during == std::vector<int>{0, 1, 0, 1});
  // The inner "conclusion" left the shards parked: deferrable work waits.
  CHECK_FALSE(ts.OnShardDeferred(
      1, [](Shard&) {}, 100));
  OnCoordinator([&](std::function<void()> done) { outer->Hop([](Shard&) {}, true, done); });
  CHECK(ts.OnShardDeferred(1, [](Shard&) {}));
  CHECK(ts.OnShardDeferred(3, [](Shard&) {}));
  ts.OnShard(0, [&](Shard&) {
    inner.reset();
    outer.reset();
  });
}

TEST_CASE("An inline transaction runs its steps synchronously on its shard", "[transaction]") {
  int order = 0, hop_at = -1, then_at = -1, after = -1;
  Transaction::Kind kind{};
  TestServer::Get().OnShard(2, [&](Shard& s) {
    CommandContext ctx;
    ctx.shard = &s;
    auto tx = Transaction::Create(ctx, {2});
    kind = tx->kind();
    tx->Arm([&] { tx->Hop([&](Shard&) { hop_at = order++; }, true, [&] { then_at = order++; }); });
    after = order++;
  });
  CHECK(kind == Transaction::Kind::kInline);
  CHECK(hop_at == 0);
  CHECK(then_at == 1);
  CHECK(after == 2);
}

TEST_CASE("An armed transaction dropped before concluding unparks its shards", "[transaction]") {
  auto& ts = TestServer::Get();
  std::shared_ptr<Transaction> tx;
  OnCoordinator([&](std::function<void()> done) {
    tx = Transaction::CreateOwn({1, 2});
    tx->Arm(done);
  });
  CHECK_FALSE(ts.OnShardDeferred(
      2, [](Shard&) {}, 100));                 // parked
  ts.OnShard(0, [&](Shard&) { tx.reset(); });  // the guard concludes
  CHECK(ts.OnShardDeferred(1, [](Shard&) {}));
  CHECK(ts.OnShardDeferred(2, [](Shard&) {}));
}

TEST_CASE("A write spanning shards arms and runs in one message; no shard shows it early",
          "[transaction]") {
  auto& ts = TestServer::Get();
  std::shared_ptr<Transaction> tx;
  std::vector<std::atomic<int>> parked_while_running(TestServer::kShards);
  std::atomic<int> ran{0};
  std::promise<void> release, finished;
  auto released = release.get_future().share();
  ts.OnShard(0, [&](Shard&) {
    tx = Transaction::CreateOwn({1, 2, 3});
    tx->Execute(
        [&, released](Shard& s) {
          parked_while_running[s.id()] = s.parked() ? 1 : -1;
          if (s.id() == 3) released.wait();  // shard 3 is slow to run its part
          ++ran;
        },
        /*write=*/true, [&] { finished.set_value(); });
  });
  for (int i = 0; i < 1000 && ran.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(ran.load() == 2);  // shards 1 and 2 ran their parts...
  // ...and stay parked while shard 3 has not: nothing else runs there (a reader would wait).
  CHECK_FALSE(ts.OnShardDeferred(
      1, [](Shard&) {}, 100));
  CHECK_FALSE(ts.OnShardDeferred(
      2, [](Shard&) {}, 100));
  release.set_value();
  REQUIRE(finished.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  for (uint32_t id : {1u, 2u, 3u}) CHECK(parked_while_running[id].load() == 1);
  CHECK(parked_while_running[0].load() == 0);
  // Concluded without a hop: every shard is released.
  CHECK(ts.OnShardDeferred(1, [](Shard&) {}));
  CHECK(ts.OnShardDeferred(2, [](Shard&) {}));
  CHECK(ts.OnShardDeferred(3, [](Shard&) {}));
  ts.OnShard(0, [&](Shard&) { tx.reset(); });
}

TEST_CASE("Conclude releases an armed transaction's shards without a last hop", "[transaction]") {
  auto& ts = TestServer::Get();
  std::shared_ptr<Transaction> tx;
  bool coordinator_parked = false, coordinator_after = true;
  OnCoordinator([&](std::function<void()> done) {
    tx = Transaction::CreateOwn({0, 2});
    tx->Arm([&, done] {
      Shard& home = *Shard::Current();
      coordinator_parked = home.parked();
      tx->Conclude([&, done] {
        coordinator_after = home.parked();  // its own shard is unparked at once
        done();
      });
    });
  });
  CHECK(coordinator_parked);
  CHECK_FALSE(coordinator_after);
  CHECK(ts.OnShardDeferred(2, [](Shard&) {}));  // the other by a message of its own
  ts.OnShard(0, [&](Shard&) { tx.reset(); });   // concluded: the guard has nothing to do
}

TEST_CASE("A shard with a queued message does not run commands inline", "[dispatch]") {
  bool before = false, with_queued = true;
  TestServer::Get().OnShard(1, [&](Shard& s) {
    before = s.CanRunInline();
    s.Post(/*deferrable=*/true, [](Shard&) {});  // queued behind this message
    with_queued = s.CanRunInline();
  });
  CHECK(before);
  CHECK_FALSE(with_queued);
}

TEST_CASE("Cross-shard commands compose inside EXEC", "[multi]") {
  auto c = TestServer::Get().Connect();
  auto& ts = TestServer::Get();
  REQUIRE(Str(c->Run({"FLUSHALL"})) == "OK");
  // Keys on four different shards.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 4; ++i) {
    std::string k = "c" + std::to_string(i);
    if (ts.ShardOf(k) == keys.size()) keys.push_back(k);
  }
  REQUIRE(Str(c->Run({"MULTI"})) == "OK");
  REQUIRE(Str(c->Run({"MSET", keys[0], "1", keys[1], "2"})) == "QUEUED");
  REQUIRE(Str(c->Run({"RENAME", keys[0], keys[2]})) == "QUEUED");
  REQUIRE(Str(c->Run({"MSETNX", keys[3], "x", keys[1], "y"})) == "QUEUED");
  REQUIRE(Str(c->Run({"COPY", keys[1], keys[3]})) == "QUEUED");
  REQUIRE(Str(c->Run({"MGET", keys[0], keys[1], keys[2], keys[3]})) == "QUEUED");
  CHECK(Str(c->Run({"EXEC"})) == "[OK, OK, 0, 1, [(nil), 2, 1, 2]]");
}

// One invocation per write command that changes `watch` (and a setup that makes it so). The
// test fails when a write command of the table has no row here: a new write command must show
// that it passes the write path's hook. A few commands have more rows: writes that Redis counts
// as changes although the value may end up the same (LTRIM of nothing, HSET of the same value).
struct WriteCase {
  std::vector<std::string> cmd;
  std::string watch;
};

// "a b ''" -> {"a", "b", ""}.
WriteCase ParseCase(std::string line, std::string watch) {
  std::vector<std::string> a;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string::npos) j = line.size();
    std::string arg = line.substr(i, j - i);
    a.push_back(arg == "''" ? "" : arg);
    i = j + 1;
  }
  return WriteCase{a, watch};
}

// The keys every case starts from (after FLUSHALL); {w}n and {w}x are missing.
const std::vector<std::vector<std::string>> kWriteSetup = {
    {"SET", "{w}s", "10"},
    {"SET", "{w}t", "1", "EX", "100"},
    {"RPUSH", "{w}l", "a", "b", "c"},
    {"HSET", "{w}h", "f", "1"},
    {"ZADD", "{w}z", "1", "a", "2", "b"},
    {"SADD", "{w}st", "a", "b"},
    {"SADD", "{w}st2", "a"},
    {"PFADD", "{w}p", "a"},
    {"GEOADD", "{w}g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
    {"XADD", "{w}xs", "1-0", "f", "v"},
    {"XGROUP", "CREATE", "{w}xs", "g", "0"}};

// Write commands that change data without signalling its key, as in Redis: t_stream.c's
// consumer-group commands (and XSETID) change only a stream's groups or counters and count
// server.dirty, without signalModifiedKey (no WATCH, no tracking). NoopWriteCases shows they leave
// a watched key alone.
const std::set<std::string> kUnsignalledWrites = {"xreadgroup", "xack", "xclaim", "xautoclaim",
                                                  "xsetid"};

std::vector<WriteCase> WriteCases() {
  auto w = ParseCase;
  return {
      w("del {w}s", "{w}s"),
      w("unlink {w}s", "{w}s"),
      w("rename {w}s {w}n", "{w}s"),
      w("renamenx {w}s {w}n", "{w}n"),
      w("copy {w}s {w}n", "{w}n"),
      w("move {w}s 1", "{w}s"),
      w("expire {w}s 100", "{w}s"),
      w("pexpire {w}s 100000", "{w}s"),
      w("expireat {w}s 4000000000", "{w}s"),
      w("pexpireat {w}s 4000000000000", "{w}s"),
      w("persist {w}t", "{w}t"),
      w("flushdb", "{w}s"),
      w("flushall", "{w}s"),
      w("set {w}s v", "{w}s"),
      w("mset {w}s v {w}n v", "{w}s"),
      w("msetnx {w}n v", "{w}n"),
      w("setnx {w}n v", "{w}n"),
      w("setex {w}s 100 v", "{w}s"),
      w("psetex {w}s 100000 v", "{w}s"),
      w("getset {w}s v", "{w}s"),
      w("getdel {w}s", "{w}s"),
      w("getex {w}s EX 100", "{w}s"),
      w("append {w}s x", "{w}s"),
      w("incr {w}s", "{w}s"),
      w("decr {w}s", "{w}s"),
      w("incrby {w}s 2", "{w}s"),
      w("decrby {w}s 2", "{w}s"),
      w("incrbyfloat {w}s 1.5", "{w}s"),
      w("setrange {w}s 0 x", "{w}s"),
      w("setbit {w}s 0 1", "{w}s"),
      w("bitop or {w}n {w}s", "{w}n"),
      w("bitfield {w}s set u8 0 255", "{w}s"),
      w("lpush {w}l x", "{w}l"),
      w("rpush {w}l x", "{w}l"),
      w("lpushx {w}l x", "{w}l"),
      w("rpushx {w}l x", "{w}l"),
      w("lpop {w}l", "{w}l"),
      w("rpop {w}l", "{w}l"),
      w("lset {w}l 0 x", "{w}l"),
      w("linsert {w}l before a x", "{w}l"),
      w("lrem {w}l 0 a", "{w}l"),
      w("ltrim {w}l 1 -1", "{w}l"),
      w("lmove {w}l {w}n left left", "{w}l"),
      w("rpoplpush {w}l {w}n", "{w}n"),
      w("lmpop 1 {w}l left", "{w}l"),
      w("blpop {w}l 0", "{w}l"),
      w("brpop {w}l 0", "{w}l"),
      w("blmove {w}l {w}n left left 0", "{w}n"),
      w("brpoplpush {w}l {w}n 0", "{w}l"),
      w("blmpop 0 1 {w}l left", "{w}l"),
      w("hset {w}h f 2", "{w}h"),
      w("hsetnx {w}h g 1", "{w}h"),
      w("hmset {w}h f 3", "{w}h"),
      w("hdel {w}h f", "{w}h"),
      w("hincrby {w}h f 1", "{w}h"),
      w("hincrbyfloat {w}h f 1.5", "{w}h"),
      w("sadd {w}st c", "{w}st"),
      w("srem {w}st a", "{w}st"),
      w("xgroup create {w}n g $ MKSTREAM", "{w}n"),  // creates the key
      w("xadd {w}xs * f v", "{w}xs"),
      w("xdel {w}xs 1-0", "{w}xs"),
      w("xtrim {w}xs MAXLEN 0", "{w}xs"),
      w("spop {w}st", "{w}st"),
      w("smove {w}st {w}n a", "{w}st"),
      w("sinterstore {w}n {w}st", "{w}n"),
      w("sunionstore {w}n {w}st", "{w}n"),
      w("sdiffstore {w}n {w}st", "{w}n"),
      w("zadd {w}z 3 c", "{w}z"),
      w("zincrby {w}z 1 a", "{w}z"),
      w("zrem {w}z a", "{w}z"),
      w("zrangestore {w}n {w}z 0 -1", "{w}n"),
      w("zremrangebyrank {w}z 0 0", "{w}z"),
      w("zremrangebyscore {w}z 1 1", "{w}z"),
      w("zremrangebylex {w}z - +", "{w}z"),
      w("zpopmin {w}z", "{w}z"),
      w("zpopmax {w}z", "{w}z"),
      w("zmpop 1 {w}z min", "{w}z"),
      w("bzpopmin {w}z 0", "{w}z"),
      w("bzpopmax {w}z 0", "{w}z"),
      w("bzmpop 0 1 {w}z min", "{w}z"),
      w("zunionstore {w}n 1 {w}z", "{w}n"),
      w("zinterstore {w}n 1 {w}z", "{w}n"),
      w("zdiffstore {w}n 1 {w}z", "{w}n"),
      w("sort {w}l alpha store {w}n", "{w}n"),
      w("swapdb 0 1", "{w}s"),
      w("restore {w}n 0 {dump}", "{w}n"),
      w("restore {w}s 0 {dump} REPLACE", "{w}s"),
      w("restore {w}t 1 {dump} REPLACE ABSTTL", "{w}t"),  // already expired: deletes
      // Changes by Redis's count although the value may not differ.
      w("set {w}s 10", "{w}s"),
      w("append {w}s ''", "{w}s"),
      w("setrange {w}s 0 1", "{w}s"),
      w("ltrim {w}l 0 -1", "{w}l"),
      w("hset {w}h f 1", "{w}h"),
      w("lmove {w}l {w}l left right", "{w}l"),
      w("smove {w}st {w}st2 a", "{w}st"),
      w("setbit {w}s 100 0", "{w}s"),  // grows the string
      w("bitfield {w}s set u8 0 50", "{w}s"),
      w("zadd {w}z 5 a", "{w}z"),
      w("zadd {w}z XX CH 5 a", "{w}z"),
      w("zremrangebyrank {w}z 0 -1", "{w}z"),
      w("sadd {w}st a b c", "{w}st"),
      w("srem {w}st zz a", "{w}st"),
      w("hdel {w}h zz f", "{w}h"),
      w("zrem {w}z zz a", "{w}z"),
      w("lrem {w}l 0 b", "{w}l"),
      w("expire {w}t 1000 GT", "{w}t"),
      w("getex {w}t PERSIST", "{w}t"),
      w("pfadd {w}n", "{w}n"),
      w("pfadd {w}p b", "{w}p"),
      w("pfcount {w}p", "{w}p"),  // stores the cardinality in the value
      w("pfmerge {w}n {w}p", "{w}n"),
      w("pfdebug todense {w}p", "{w}p"),
      w("geoadd {w}g 13.5 38.1 Trapani", "{w}g"),
      w("georadius {w}g 15 37 200 km store {w}n", "{w}n"),
      w("georadiusbymember {w}g Palermo 200 km storedist {w}n", "{w}n"),
      w("geosearchstore {w}n {w}g fromlonlat 15 37 byradius 200 km", "{w}n"),
  };
}

// Writes that change nothing on the watched key: as in Redis, they must not abort the EXEC of a
// client watching it (Redis signals only real changes: signalModifiedKey, server.dirty).
std::vector<WriteCase> NoopWriteCases() {
  auto w = ParseCase;
  return {
      w("set {w}s v NX", "{w}s"),
      w("set {w}n v XX", "{w}n"),
      w("set {w}l v GET", "{w}l"),  // WRONGTYPE
      w("setnx {w}s v", "{w}s"),
      w("msetnx {w}n v {w}s v", "{w}n"),
      w("getex {w}s", "{w}s"),
      w("getex {w}s PERSIST", "{w}s"),
      w("getdel {w}n", "{w}n"),
      w("setrange {w}s 1 ''", "{w}s"),
      w("setrange {w}n 1 ''", "{w}n"),
      w("incrby {w}s x", "{w}s"),
      w("incr {w}l", "{w}l"),
      w("incrbyfloat {w}h 1", "{w}h"),
      w("append {w}l x", "{w}l"),
      w("setbit {w}s 0 0", "{w}s"),
      w("setbit {w}l 0 1", "{w}l"),
      w("bitfield {w}s set u8 0 49", "{w}s"),
      w("bitfield {w}s get u8 0", "{w}s"),
      w("bitfield {w}s overflow fail incrby u2 0 5", "{w}s"),
      w("bitop or {w}n {w}x", "{w}n"),
      w("del {w}n", "{w}n"),
      w("unlink {w}n", "{w}n"),
      w("expire {w}n 100", "{w}n"),
      w("expire {w}s 100 XX", "{w}s"),
      w("pexpire {w}t 100000 NX", "{w}t"),
      w("expireat {w}t 1 GT", "{w}t"),
      w("pexpireat {w}t 99999999999999 LT", "{w}t"),
      w("persist {w}s", "{w}s"),
      w("persist {w}n", "{w}n"),
      w("rename {w}s {w}s", "{w}s"),
      w("rename {w}n {w}s", "{w}s"),
      w("renamenx {w}s {w}t", "{w}s"),
      w("renamenx {w}s {w}t", "{w}t"),
      w("copy {w}s {w}t", "{w}t"),
      w("copy {w}n {w}s REPLACE", "{w}s"),
      w("move {w}n 1", "{w}n"),
      w("flushdb", "{w}n"),
      w("swapdb 0 1", "{w}n"),
      w("lpushx {w}n x", "{w}n"),
      w("rpushx {w}n x", "{w}n"),
      w("lpush {w}s x", "{w}s"),
      w("lpop {w}n", "{w}n"),
      w("rpop {w}l 0", "{w}l"),
      w("lset {w}l 10 x", "{w}l"),
      w("linsert {w}l before zz x", "{w}l"),
      w("lrem {w}l 0 zz", "{w}l"),
      w("ltrim {w}n 0 1", "{w}n"),
      w("lmove {w}n {w}l left left", "{w}l"),
      w("lmove {w}l {w}h left left", "{w}l"),
      w("rpoplpush {w}n {w}l", "{w}l"),
      w("lmpop 1 {w}n left", "{w}n"),
      w("blpop {w}n 0.01", "{w}n"),
      w("brpop {w}n 0.01", "{w}n"),
      w("blmove {w}n {w}l left left 0.01", "{w}l"),
      w("brpoplpush {w}n {w}l 0.01", "{w}l"),
      w("blmpop 0.01 1 {w}n left", "{w}n"),
      w("hsetnx {w}h f 2", "{w}h"),
      w("hdel {w}h zz", "{w}h"),
      w("hdel {w}n f", "{w}n"),
      w("hincrby {w}h f x", "{w}h"),
      w("hincrbyfloat {w}h f x", "{w}h"),
      w("hset {w}s f 1", "{w}s"),
      w("sadd {w}st a", "{w}st"),
      w("sadd {w}st b a b", "{w}st"),
      w("srem {w}st zz", "{w}st"),
      w("srem {w}n a", "{w}n"),
      w("spop {w}n", "{w}n"),
      w("spop {w}st 0", "{w}st"),
      w("smove {w}st {w}n zz", "{w}st"),
      w("smove {w}st {w}n zz", "{w}n"),
      w("smove {w}st {w}st a", "{w}st"),
      w("smove {w}st {w}st2 a", "{w}st2"),
      w("smove {w}st {w}s a", "{w}st"),
      w("sinterstore {w}n {w}x", "{w}n"),
      w("sunionstore {w}n {w}x", "{w}n"),
      w("sdiffstore {w}n {w}x", "{w}n"),
      w("zadd {w}z NX 5 a", "{w}z"),
      w("zadd {w}z XX 3 c", "{w}z"),
      w("zadd {w}z 1 a 2 b", "{w}z"),
      w("zadd {w}z GT 0 a", "{w}z"),
      w("zadd {w}z LT 5 a", "{w}z"),
      w("zadd {w}z XX 1 zz", "{w}z"),
      w("zincrby {w}z 0 a", "{w}z"),
      w("zrem {w}z zz", "{w}z"),
      w("zrem {w}n a", "{w}n"),
      w("zremrangebyrank {w}z 5 10", "{w}z"),
      w("zremrangebyscore {w}z 10 20", "{w}z"),
      w("zremrangebylex {w}z [x [y", "{w}z"),
      w("zpopmin {w}n", "{w}n"),
      w("zpopmax {w}z 0", "{w}z"),
      w("zmpop 1 {w}n min", "{w}n"),
      w("bzpopmin {w}n 0.01", "{w}n"),
      w("bzpopmax {w}n 0.01", "{w}n"),
      w("bzmpop 0.01 1 {w}n min", "{w}n"),
      w("zrangestore {w}n {w}x 0 -1", "{w}n"),
      w("zunionstore {w}n 1 {w}x", "{w}n"),
      w("zinterstore {w}n 1 {w}x", "{w}n"),
      w("zdiffstore {w}n 1 {w}x", "{w}n"),
      w("sort {w}x store {w}n", "{w}n"),
      w("restore {w}s 0 {dump}", "{w}s"),                   // BUSYKEY
      w("restore {w}n 1 {dump} ABSTTL", "{w}n"),            // already expired: nothing created
      w("restore {w}s 0 {dump} REPLACE IDLETIME", "{w}s"),  // syntax error
      w("restore {w}s 0 x REPLACE", "{w}s"),                // bad payload
      w("pfadd {w}p a", "{w}p"),
      w("pfadd {w}s a", "{w}s"),  // not an HLL
      w("pfcount {w}p {w}n", "{w}p"),
      w("pfmerge {w}n {w}s", "{w}n"),
      w("pfdebug todense {w}n", "{w}n"),
      w("geoadd {w}g NX 13.361389 38.115556 Palermo", "{w}g"),
      w("geoadd {w}g XX 1 1 Nowhere", "{w}g"),
      w("geosearchstore {w}n {w}x fromlonlat 0 0 byradius 1 km", "{w}n"),  // empty, no dest
      w("georadius {w}g 0 0 1 km store {w}n", "{w}n"),
      w("xreadgroup GROUP g c STREAMS {w}xs >", "{w}xs"),  // delivers 1-0: groups only
      w("xreadgroup GROUP g c STREAMS {w}xs 0", "{w}xs"),
      w("xclaim {w}xs g c 0 1-0 FORCE", "{w}xs"),
      w("xautoclaim {w}xs g c2 0 0", "{w}xs"),
      w("xack {w}xs g 1-0", "{w}xs"),
      w("xgroup setid {w}xs g 0", "{w}xs"),
      w("xgroup createconsumer {w}xs g c3", "{w}xs"),
      w("xgroup delconsumer {w}xs g c3", "{w}xs"),
      w("xgroup destroy {w}xs g", "{w}xs"),
      w("xsetid {w}xs 5-0", "{w}xs"),
  };
}

// A case's command with {dump} replaced by the DUMP payload of {w}l (binary, so it cannot be
// written in a case's text).
std::vector<std::string> WithPayload(shoal::testing::TestClient& c, std::vector<std::string> cmd) {
  for (auto& arg : cmd) {
    if (arg == "{dump}") arg = c.Run({"DUMP", "{w}l"}).str;
  }
  return cmd;
}

TEST_CASE("Every write command passes the write path's hook for the key it changes", "[write]") {
  auto& ts = TestServer::Get();
  auto cases = WriteCases();
  std::set<std::string> covered;
  for (const auto& wc : cases) covered.insert(wc.cmd[0]);
  for (const CommandId& c : Server().registry.all()) {
    if (!(c.flags & cmd_flag::kWrite)) continue;
    INFO("write command without a hook case: " << c.name);
    CHECK((covered.count(c.name) == 1 || kUnsignalledWrites.count(c.name) == 1));
  }
  auto a = ts.Connect();
  auto b = ts.Connect();
  for (const auto& wc : cases) {
    if (Server().registry.Find(wc.cmd[0]) == nullptr) continue;  // not in this build
    INFO(wc.cmd[0]);
    REQUIRE(Str(a->Run({"FLUSHALL"})) == "OK");
    for (const auto& setup : kWriteSetup) REQUIRE(Str(a->Run(setup)).rfind("(error)", 0) != 0);
    REQUIRE(Str(a->Run({"WATCH", wc.watch})) == "OK");
    std::string reply = Str(b->Run(WithPayload(*a, wc.cmd)));
    CHECK(reply.rfind("(error)", 0) != 0);
    REQUIRE(Str(a->Run({"MULTI"})) == "OK");
    REQUIRE(Str(a->Run({"PING"})) == "QUEUED");
    CHECK(Str(a->Run({"EXEC"})) == "(nil)");
  }
  // And a read changes nothing.
  REQUIRE(Str(a->Run({"FLUSHALL"})) == "OK");
  REQUIRE(Str(a->Run({"SET", "{w}s", "10"})) == "OK");
  REQUIRE(Str(a->Run({"WATCH", "{w}s"})) == "OK");
  REQUIRE(Str(b->Run({"GET", "{w}s"})) == "10");
  REQUIRE(Str(a->Run({"MULTI"})) == "OK");
  REQUIRE(Str(a->Run({"PING"})) == "QUEUED");
  CHECK(Str(a->Run({"EXEC"})) == "[PONG]");
}

TEST_CASE("A write that changes nothing does not touch the watched key", "[write]") {
  auto& ts = TestServer::Get();
  auto a = ts.Connect();
  auto b = ts.Connect();
  for (const auto& wc : NoopWriteCases()) {
    if (Server().registry.Find(wc.cmd[0]) == nullptr) continue;  // not in this build
    std::string line;
    for (const auto& arg : wc.cmd) line += arg + " ";
    INFO(line << "watching " << wc.watch);
    REQUIRE(Str(a->Run({"FLUSHALL"})) == "OK");
    for (const auto& setup : kWriteSetup) REQUIRE(Str(a->Run(setup)).rfind("(error)", 0) != 0);
    REQUIRE(Str(a->Run({"WATCH", wc.watch})) == "OK");
    b->Run(WithPayload(*a, wc.cmd));  // an error reply is a no-op too
    REQUIRE(Str(a->Run({"MULTI"})) == "OK");
    REQUIRE(Str(a->Run({"PING"})) == "QUEUED");
    CHECK(Str(a->Run({"EXEC"})) == "[PONG]");
  }
}

TEST_CASE("The dirty counter counts what Redis's server.dirty counts", "[write]") {
  auto& ts = TestServer::Get();
  auto c = ts.Connect();
  auto dirty = [&ts] {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < TestServer::kShards; ++i)
      ts.OnShard(i, [&sum](Shard& s) { sum += s.db_slice().dirty(); });
    return sum;
  };
  REQUIRE(Str(c->Run({"FLUSHALL"})) == "OK");
  struct Step {
    std::vector<std::string> cmd;
    uint64_t dirty;
  };
  std::vector<Step> steps = {
      {{"SADD", "{d}s", "a", "b", "c"}, 3},
      {{"SADD", "{d}s", "a", "d", "e"}, 2},
      {{"SADD", "{d}s", "a", "b"}, 0},
      {{"SREM", "{d}s", "a", "zz", "b"}, 2},
      {{"SET", "{d}k", "v"}, 1},
      {{"SET", "{d}k", "v", "NX"}, 0},
      {{"RPUSH", "{d}l", "a", "b", "c"}, 3},
      {{"LPUSH", "{d}l", "x", "y"}, 2},
      {{"LREM", "{d}l", "0", "zz"}, 0},
      {{"LREM", "{d}l", "0", "a"}, 1},
      {{"LPOP", "{d}l", "2"}, 2},
      {{"LTRIM", "{d}l", "0", "-1"}, 0},
      {{"HSET", "{d}h", "f", "1", "g", "2"}, 2},
      {{"HSET", "{d}h", "f", "1"}, 1},
      {{"HSETNX", "{d}h", "f", "1"}, 0},
      {{"HDEL", "{d}h", "f", "zz"}, 1},
      {{"ZADD", "{d}z", "1", "a", "2", "b"}, 2},
      {{"ZADD", "{d}z", "1", "a", "3", "b", "4", "c"}, 2},
      {{"ZADD", "{d}z", "NX", "9", "a"}, 0},
      {{"ZREM", "{d}z", "a", "b", "zz"}, 2},
      {{"EXPIRE", "{d}k", "100"}, 1},
      {{"EXPIRE", "{d}k", "200", "NX"}, 0},
      {{"PERSIST", "{d}k"}, 1},
      {{"PERSIST", "{d}k"}, 0},
      {{"SETBIT", "{d}k", "0", "0"}, 0},
      {{"SETBIT", "{d}k", "1", "0"}, 1},
      {{"PFADD", "{d}p", "a", "b", "c"}, 4},
      {{"PFADD", "{d}p", "a", "d"}, 1},
      {{"PFADD", "{d}p", "a"}, 0},
      {{"PFCOUNT", "{d}p"}, 1},
      {{"PFCOUNT", "{d}p"}, 0},
      {{"PFCOUNT", "{d}p", "{d}q"}, 0},
      {{"PFMERGE", "{d}q", "{d}p"}, 1},
  };
  for (const auto& st : steps) {
    std::string line;
    for (const auto& arg : st.cmd) line += arg + " ";
    INFO(line);
    uint64_t before = dirty();
    c->Run(st.cmd);
    CHECK(dirty() - before == st.dirty);
  }
}
