// shoal-server: redis-server-style command line, config, logging, listener, signals.
#include <malloc.h>
#include <mimalloc.h>
#include <sched.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>

#include "server/acl.h"
#include "server/aof.h"
#include "server/connection.h"
#include "server/listener.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/scripting/interpreter.h"
#include "server/server_state.h"
#include "server/tls.h"
#include "server/tracking.h"
#include "server/version.h"
#include "shard/clock.h"
#include "shard/evict.h"
#include "shard/journal.h"
#include "shard/lazyfree.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

// Bytes allocated on this (main) thread's heap so far: mimalloc's default heap, plus the C
// library's heap for whatever did not go through mimalloc (all of it in sanitizer builds).
size_t StartupHeapBytes() {
  size_t bytes = 0;
  mi_heap_visit_blocks(
      mi_heap_get_default(), /*visit_blocks=*/false,
      [](const mi_heap_t*, const mi_heap_area_t* area, void*, size_t, void* arg) {
        *static_cast<size_t*>(arg) += area->used * area->block_size;
        return true;
      },
      &bytes);
  return bytes + mallinfo2().uordblks;
}

// ---- Out of memory (Redis's zmalloc_oom_handler -> redisOutOfMemoryHandler) ----
// An allocation that fails anywhere (a shard thread growing a value, a connection buffer) logs
// "Out Of Memory allocating N bytes!" and aborts, instead of a silent std::bad_alloc terminate
// or a null dereference. mimalloc reports the failed size only in its error message text, so the
// output hook picks it out (on the failing thread) before the error hook runs.
thread_local size_t tl_failed_alloc = 0;

[[noreturn]] void OutOfMemory(size_t bytes) {
  spdlog::warn("Out Of Memory allocating {} bytes!", bytes);
  spdlog::critical("Shoal aborting for OUT OF MEMORY. Allocating {} bytes!", bytes);
  spdlog::default_logger()->flush();
  std::abort();
}

// mimalloc's messages; must not allocate (it runs while memory is short). A message comes in two
// calls, its prefix ("mimalloc: error: thread 0x..: ") and then its text: the prefix is held back
// so that an out-of-memory message leaves only our log line.
thread_local char tl_mi_prefix[128];

void MimallocOutput(const char* msg, void*) {
  const size_t len = std::strlen(msg);
  if (std::strncmp(msg, "mimalloc: ", 10) == 0 && len > 0 && msg[len - 1] != '\n' &&
      len < sizeof(tl_mi_prefix)) {
    std::memcpy(tl_mi_prefix, msg, len + 1);
    return;
  }
  static constexpr const char* kSizeMarkers[] = {"unable to allocate memory (",
                                                 "allocation request is too large ("};
  for (const char* marker : kSizeMarkers) {
    if (const char* at = std::strstr(msg, marker)) {
      tl_failed_alloc = std::strtoull(at + std::strlen(marker), nullptr, 10);
      tl_mi_prefix[0] = '\0';
      return;
    }
  }
  // What mimalloc does without a hook.
  std::fputs(tl_mi_prefix, stderr);
  tl_mi_prefix[0] = '\0';
  std::fputs(msg, stderr);
}

void MimallocError(int err, void*) {
  if (err == ENOMEM || err == EOVERFLOW) OutOfMemory(tl_failed_alloc);
  // Other errors (a double free, a corrupted free list) keep mimalloc's default: the message.
}

void InstallOomHandler() {
  mi_option_enable(mi_option_show_errors);  // the failed size only comes with the message
  mi_register_output(&MimallocOutput, nullptr);
  mi_register_error(&MimallocError, nullptr);
  // Allocations outside mimalloc (the C library's heap in sanitizer builds): no size known.
  std::set_new_handler([] { OutOfMemory(tl_failed_alloc); });
}

// Freed memory goes back to the OS without MEMORY PURGE (Redis's jemalloc does it on its own):
// mimalloc decommits the pages of a freed span only when that segment is touched again after
// decommit_delay (25 ms by default), so a shard that went idle after a DEL / FLUSHALL kept its
// peak RSS. With no delay, spans are decommitted as they are freed; mimalloc still keeps
// recently emptied pages in its heaps for reuse, so steady churn does not turn into syscalls.
// The shards' cron collects their heaps after a drop (Shard::ReturnFreedMemory). An explicit
// MIMALLOC_DECOMMIT_DELAY in the environment still wins.
void ConfigureAllocator() {
  if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) {
    mi_option_set(mi_option_decommit_delay, 0);
  }
}

// CPUs this process may use: affinity mask, capped by a cgroup v2/v1 CPU quota.
unsigned UsableCpus() {
  unsigned n = std::thread::hardware_concurrency();
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  double quota = 0;
  std::ifstream v2("/sys/fs/cgroup/cpu.max");
  std::string q, p;
  if (v2 >> q >> p) {
    if (q != "max") quota = std::stod(q) / std::stod(p);
  } else {
    std::ifstream fq("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
        fp("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    long lq = -1, lp = 0;
    if ((fq >> lq) && (fp >> lp) && lq > 0 && lp > 0) quota = static_cast<double>(lq) / lp;
  }
  if (quota > 0) n = std::min<unsigned>(n, static_cast<unsigned>(std::ceil(quota)));
  return n == 0 ? 1 : n;
}

[[noreturn]] void FatalConfig(const std::string& body) {
  std::fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Shoal %s) ***\n%s\n", kRedisVersion,
               body.c_str());
  std::exit(1);
}

void Usage() {
  std::fprintf(stderr,
               "Usage: ./shoal-server [/path/to/shoal.conf] [options]\n"
               "       ./shoal-server - (read config from stdin)\n"
               "       ./shoal-server -v or --version\n"
               "       ./shoal-server -h or --help\n\n"
               "Examples:\n"
               "       ./shoal-server (run the server with default conf)\n"
               "       ./shoal-server /etc/shoal/6379.conf\n"
               "       ./shoal-server --port 7777 --shards 4\n"
               "       ./shoal-server /etc/myshoal.conf --loglevel verbose\n");
}

void ParseCommandLine(int argc, char** argv) {
  ServerState& st = Server();
  std::string text;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    st.config_file = argv[i++];
    std::ifstream f(st.config_file);
    if (!f) {
      std::fprintf(stderr, "Fatal error, can't open config file '%s': %s\n", st.config_file.c_str(),
                   std::strerror(errno));
      std::exit(1);
    }
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str() + "\n";
  } else if (i < argc && std::string_view(argv[i]) == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str() + "\n";
    ++i;
  }
  // "--name a b --other c" become config lines appended after the file, as redis-server does.
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) == "--" && a.size() > 2) {
      text += "\n" + std::string(a.substr(2));
    } else {
      text += " \"";
      for (char c : a) {
        if (c == '"' || c == '\\') text += '\\';
        text += c;
      }
      text += "\"";
    }
  }
  std::string err;
  if (!st.config.LoadText(text, &err)) FatalConfig(err);
}

void SetupLogging() {
  const Config& c = Server().config;
  std::shared_ptr<spdlog::logger> logger;
  if (c.logfile.empty()) {
    logger = std::make_shared<spdlog::logger>("shoal",
                                              std::make_shared<spdlog::sinks::stdout_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "shoal", std::make_shared<spdlog::sinks::basic_file_sink_mt>(c.logfile));
  }
  logger->set_pattern(std::to_string(getpid()) + ":M %d %b %Y %H:%M:%S.%e %L %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  Server().config.OnChange("loglevel");
}

}  // namespace

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-v" || a == "--version") {
      std::printf("Shoal server v=%s (Redis %s compatible) malloc=mimalloc-%d bits=64\n", "0.1.0",
                  kRedisVersion, mi_version());
      return 0;
    }
    if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    }
  }
  ServerState& st = Server();
  {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    st.executable = n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string(argv[0]);
  }
  // The command table first: the config's `user` and `rename-command` lines refer to it.
  RegisterAllCommands(st.registry);
  ParseCommandLine(argc, argv);
  SetupLogging();
  {
    std::string acl_err;
    if (!acl::LoadAtStartup(&acl_err)) {
      spdlog::warn("{}", acl_err);
      return 1;
    }
  }
  InstallOomHandler();
  ConfigureAllocator();
  signal(SIGPIPE, SIG_IGN);
  // Redis's adjustOpenFilesLimit: room for maxclients plus reserved descriptors.
  st.config.maxclients.store(AdjustOpenFilesLimit(st.config.maxclients.load()));

  unsigned nshards = static_cast<unsigned>(st.config.shards.load());
  if (nshards == 0) nshards = UsableCpus();
  st.config.shards.store(nshards);
  CreateShards(nshards);
  pubsub::Init(nshards);
  tracking::Init(nshards);
  journal::Init(nshards);

  // Like Redis's used_memory_startup: the heap the server holds once set up (command table,
  // config, shard structures), not the resident size of code and libraries. The shards' key
  // tables are counted by the shards already.
  size_t tables = 0;
  for (unsigned i = 0; i < nshards; ++i) tables += st.shards->shard(i)->db_slice().UsedBytes();
  size_t heap = StartupHeapBytes();
  st.startup_memory = heap > tables ? heap - tables : 0;
  {
    std::vector<Shard*> shards;
    for (unsigned i = 0; i < nshards; ++i) shards.push_back(st.shards->shard(i));
    memory_budget::Init(shards.data(), nshards, static_cast<int64_t>(st.startup_memory));
    WarnAboutMaxmemory(ShardSettings::maxmemory.load(), /*at_startup=*/true);
  }
  // The control loop, on this (the main) thread: the acceptors and the signals. It runs no
  // command, so a shard thread busy with a long script stops neither new connections (which can
  // then SCRIPT KILL) nor SIGTERM.
  boost::asio::io_context control(1);
  Listener listener(st.shards.get(), &control);
  // Redis's initServer order: TLS is configured first, then the TCP, TLS and unix listeners.
  if (tls::Wanted() && !tls::Configure()) {
    spdlog::warn("Failed to configure TLS. Check logs for more info.");
    return 1;
  }
  const int port = static_cast<int>(st.config.port.load());
  const int tls_port = static_cast<int>(st.config.tls_port.load());
  if (port != 0 && !listener.ListenAll(st.config.bind, port, Listener::Kind::kTcp)) {
    spdlog::warn("Failed listening on port {} (TCP), aborting.", port);
    return 1;
  }
  if (tls_port != 0 && !listener.ListenAll(st.config.bind, tls_port, Listener::Kind::kTls)) {
    spdlog::warn("Failed listening on port {} (TLS), aborting.", tls_port);
    return 1;
  }
  if (!st.config.unixsocket.empty() &&
      !listener.ListenUnix(st.config.unixsocket,
                           static_cast<unsigned>(st.config.unixsocketperm.load()))) {
    return 1;
  }
  if (listener.count() == 0) {
    spdlog::warn("Configured to not listen anywhere, exiting.");
    return 1;
  }
  Listener::SetActive(&listener);  // CONFIG SET port / tls-port / bind re-bind it

  boost::asio::signal_set signals(control, SIGINT, SIGTERM);
  auto control_guard = boost::asio::make_work_guard(control);
  auto shutdown = [&] {
    if (st.shutting_down.exchange(true)) return;
    scripting::RunningScripts::KillAllForShutdown();  // a busy script's thread must come back
    boost::asio::post(control, [&] {
      spdlog::warn("Received shutdown request, scheduling shutdown...");
      listener.Close();
      boost::system::error_code ec;
      signals.cancel(ec);
      st.shards->Stop();
      control_guard.reset();
    });
  };
  st.request_shutdown = shutdown;
  // SIGTERM / SIGINT: with save rules, a final stop-the-world save first (it blocks this control
  // thread, not the shards); if it fails the server goes on, as Redis's does.
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::warn("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
      if (persistence::HasSaveRules() && !persistence::Loading()) {
        spdlog::info("Saving the final RDB snapshot before exiting.");
        absl::Status saved = persistence::SaveForShutdown();
        if (!saved.ok()) {
          spdlog::warn("Error trying to save the DB, can't exit.");
          return wait_signal();
        }
      }
      shutdown();
    });
  };
  wait_signal();

  spdlog::info("Shoal 0.1.0 (Redis {} compatible) started, pid={}, {} shard(s)", kRedisVersion,
               getpid(), nshards);
  if (port != 0) spdlog::info("Ready to accept connections tcp on port {}", st.tcp_port);
  if (tls_port != 0) spdlog::info("Ready to accept connections tls on port {}", listener.TlsPort());
  if (!st.config.unixsocket.empty())
    spdlog::info("The server is now ready to accept connections at {}", st.config.unixsocket);
  lazyfree::Start();
  st.shards->Start([](Shard* shard) {
    Connection::StartIdleSweep(shard);
    if (shard->id() == 0) persistence::StartCron(shard);
  });
  // The dataset loads on the running shards while clients get -LOADING (Redis 7.0 listens
  // first, too). A file that cannot be loaded stops the server: never a partial dataset.
  persistence::StartLoading([](absl::Status st) {
    if (st.ok()) return;
    spdlog::error("Fatal error loading the DB: {}. Exiting.", std::string(st.message()));
    spdlog::default_logger()->flush();
    _exit(1);
  });
  control.run();
  st.shards->Join();
  Listener::SetActive(nullptr);
  aof::FlushAndStop();  // what the shards ran is journaled: written and synced before exiting
  persistence::Stop();
  lazyfree::Stop();  // frees what is queued while the shards' counters still exist
  spdlog::warn("Shoal is now ready to exit, bye bye...");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace shoal

int main(int argc, char** argv) {
  int rc = shoal::Main(argc, argv);
  // After Main's listener and signal set (on the control loop) are gone: free the
  // keyspace and the connections left in the loops, so leak checkers see a clean exit.
  shoal::Server().shards.reset();
  shoal::tls::Shutdown();
  return rc;
}
