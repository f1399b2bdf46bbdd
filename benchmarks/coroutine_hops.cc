// Coordinator styles for multi-hop commands, measured on one io_context (one thread): the
// continuation callbacks Shoal uses (a shared state per command, a std::function per hop)
// against C++20 coroutines (asio::awaitable: co_spawn per command, co_await per hop). A "hop"
// here is a post to the loop and its completion: the part of a real hop that the coordinator
// style changes (the shard work and the queues are the same in both). docs/ARCHITECTURE.md,
// "Callbacks, not coroutines", cites these figures.
//
//   build/benchmarks/coroutine_hops [commands] [hops per command]
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>

namespace asio = boost::asio;

namespace {

struct CallbackCommand : std::enable_shared_from_this<CallbackCommand> {
  asio::io_context* io;
  int hops_left;
  long* done;
  void Hop(std::function<void()> then) { asio::post(*io, std::move(then)); }
  void Step() {
    if (hops_left-- == 0) {
      ++*done;
      return;
    }
    auto self = shared_from_this();
    Hop([self] { self->Step(); });
  }
};

asio::awaitable<void> CoroutineCommand(int hops, long* done) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < hops; ++i) co_await asio::post(ex, asio::use_awaitable);
  ++*done;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  long commands = argc > 1 ? std::atol(argv[1]) : 1000000;
  int hops = argc > 2 ? std::atoi(argv[2]) : 2;
  for (int round = 0; round < 3; ++round) {
    long done = 0;
    asio::io_context io(1);
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < commands; ++i) {
      auto c = std::make_shared<CallbackCommand>();
      c->io = &io;
      c->hops_left = hops;
      c->done = &done;
      c->Step();
      if ((i & 1023) == 1023) {
        io.poll();  // keeps at most 1024 commands in flight
        io.restart();
      }
    }
    io.run();
    double cb = Seconds(t0);
    long done2 = 0;
    asio::io_context io2(1);
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < commands; ++i) {
      asio::co_spawn(io2, CoroutineCommand(hops, &done2), asio::detached);
      if ((i & 1023) == 1023) {
        io2.poll();
        io2.restart();
      }
    }
    io2.run();
    double co = Seconds(t0);
    std::printf(
        "round %d: %ld commands x %d hops: callbacks %.1f ns/command, coroutines %.1f "
        "ns/command (%.2fx)\n",
        round, done, hops, cb * 1e9 / commands, co * 1e9 / commands, co / cb);
    if (done != commands || done2 != commands) return 1;
  }
  return 0;
}
