#include "server/aof.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "persistence/aof_file.h"
#include "persistence/aof_manifest.h"
#include "persistence/crc64.h"
#include "persistence/rdb_file.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/persistence.h"
#include "server/server_state.h"
#include "server/version.h"
#include "shard/clock.h"
#include "shard/journal.h"
#include "shard/shard.h"
#include "shard/shard_set.h"

namespace shoal::aof {

namespace {

enum : int { kOff = 0, kOn = 1, kWaitRewrite = 2 };
enum : int64_t { kFsyncNo = 0, kFsyncAlways = 1, kFsyncEverysec = 2 };
constexpr int64_t kRetryDelayS = 5;  // a failed rewrite that enables the AOF is retried after this

struct Writer;

// Process-wide state. Names and the manifest under `mu`; the rest atomics.
struct State {
  std::mutex mu;
  std::string filename = "appendonly.aof", dirname = "appendonlydir";
  Manifest manifest;                 // as last persisted
  std::shared_ptr<Writer> writer;    // while the journal is written
  std::atomic<bool> writing{false};  // writer != nullptr, for readers without `mu`
  std::atomic<int> state{kOff};

  std::atomic<bool> rewriting{false}, scheduled{false};
  std::atomic<int64_t> rewrite_start_ms{0}, last_rewrite_time_sec{-1}, last_fail_s{0};
  std::atomic<bool> last_rewrite_ok{true};
  std::atomic<uint64_t> rewrites{0}, consecutive_failures{0};

  std::atomic<int> write_errno{0};  // the last write failed with this (0: fine)
  std::atomic<uint64_t> current_size{0}, base_size{0};
  std::atomic<uint64_t> durable{0};  // every unit below this ticket is on disk
  std::atomic<uint64_t> delayed_fsync{0};
  std::unique_ptr<std::atomic<uint64_t>[]> want;  // per shard thread: smallest ticket awaited
  uint32_t threads = 0;
};

State& S() {
  static State* s = new State;  // never destroyed: the writer may read it while the process exits
  return *s;
}

int64_t FsyncPolicy() { return Server().config.appendfsync.load(std::memory_order_relaxed); }
bool Preamble() { return Server().config.aof_use_rdb_preamble.load() != 0; }

std::string Cwd() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return ".";
  return buf;
}

// The AOF directory's absolute path (`dir` is the process's working directory, as in Redis).
std::string DirPath() {
  std::lock_guard lk(S().mu);
  return Cwd() + "/" + S().dirname;
}

uint64_t FileSize(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
}

void FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    ::close(fd);
  }
}

absl::Status PersistManifest(const std::string& dir, const Manifest& m) {
  std::string name;
  {
    std::lock_guard lk(S().mu);
    name = ManifestName(S().filename);
  }
  return WriteFileDurably(dir, name, FormatManifest(m));
}

// Sum of the sizes of the files a manifest names (aof_current_size after a rewrite or a load).
uint64_t ManifestBytes(const std::string& dir, const Manifest& m) {
  uint64_t sum = m.base ? FileSize(dir + "/" + m.base->name) : 0;
  for (const FileInfo& f : m.incrs) sum += FileSize(dir + "/" + f.name);
  return sum;
}

// ---- The writer ----

// Who writes: whichever thread holds `mu`. A shard thread whose clients wait for their writes
// drains at the end of its loop iteration (Redis's beforeSleep: no thread hop on the way to the
// reply, and one write, one fsync for every client of the iteration); the AOF thread drains what
// nobody waits for (expiries from the cron), runs everysec's fsync, and finishes the stream at
// stop. Everything below `mu` is touched only by its holder.
struct Writer {
  std::mutex mu;
  std::atomic<bool> request{false};  // a drain was wanted while `mu` was held: its holder redoes it
  std::thread thread;
  std::mutex cv_mu;
  std::condition_variable cv;  // wakes the AOF thread (markers, stop)
  bool wake = false;           // under cv_mu
  std::string dir;
  journal::Consumer consumer;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> stop_at{0};  // with stop: finish once the stream reached this ticket
  int fd = -1;
  uint64_t file_size = 0;
  int64_t selected_db = -1;
  std::string buf;
  bool unsynced = false;
  int64_t last_fsync_ms = 0;
  int64_t rotated_seq = 0;  // the incr the last rotation opened
  bool rotate_first = false;
};

thread_local Writer* tl_writer = nullptr;

void NotifyDurable();
void ResumeLocal(uint32_t thread);

// The running writer (shared: a shard thread may be draining while it stops).
std::shared_ptr<Writer> CurrentWriter() {
  std::lock_guard lk(S().mu);
  return S().writer;
}

void WakeWriterThread(Writer& w) {
  {
    std::lock_guard lk(w.cv_mu);
    w.wake = true;
  }
  w.cv.notify_one();
}

void AppendSelect(Writer& w, uint32_t db) {
  if (static_cast<int64_t>(db) == w.selected_db) return;
  std::string n = std::to_string(db);
  std::string_view argv[] = {"SELECT", n};
  journal::AppendResp(argv, &w.buf);
  w.selected_db = db;
}

// Redis's feedAppendOnlyFile + propagatePendingCommands: SELECT when the db changes, MULTI/EXEC
// around a unit of several commands.
void Format(Writer& w, const journal::Unit& u) {
  size_t n = u.count();
  if (n == 0) return;
  if (n == 1) {
    AppendSelect(w, u.db(0));
    w.buf += u.op(0);
    return;
  }
  AppendSelect(w, u.db(0));
  w.buf += "*1\r\n$5\r\nMULTI\r\n";
  for (size_t i = 0; i < n; ++i) {
    AppendSelect(w, u.db(i));
    w.buf += u.op(i);
  }
  w.buf += "*1\r\n$4\r\nEXEC\r\n";
}

// Writes the buffer (Redis's flushAppendOnlyFile): false on an error (the buffer is kept and
// retried; a short write is truncated away first).
bool Flush(Writer& w) {
  State& st = S();
  if (w.buf.empty() || w.fd < 0) return true;
  size_t done = 0;
  int err = 0;
  while (done < w.buf.size()) {
    ssize_t n = ::write(w.fd, w.buf.data() + done, w.buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) {
      err = ENOSPC;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (done == w.buf.size()) {
    w.file_size += done;
    st.current_size.fetch_add(done);
    w.buf.clear();
    w.unsynced = true;
    if (st.write_errno.exchange(0) != 0) {
      spdlog::warn("AOF write error looks solved, Redis can write again.");
      persistence::UpdateGate();
    }
    return true;
  }
  if (done > 0) {
    spdlog::warn("Short write while writing to the AOF file: (nwritten={}, expected={})", done,
                 w.buf.size());
    if (ftruncate(w.fd, static_cast<off_t>(w.file_size)) != 0) {
      // Could not undo it: the partial command stays; drop what was written from the buffer.
      w.file_size += done;
      st.current_size.fetch_add(done);
      w.buf.erase(0, done);
    }
  } else {
    spdlog::warn("Error writing to the AOF file: {}", std::strerror(err));
  }
  if (FsyncPolicy() == kFsyncAlways) {
    spdlog::critical(
        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    std::_Exit(1);
  }
  if (st.write_errno.exchange(err) == 0) persistence::UpdateGate();
  return false;
}

bool Fsync(Writer& w) {
  if (w.fd < 0 || !w.unsynced) return true;
  if (Server().config.no_appendfsync_on_rewrite.load() != 0 && S().rewriting.load()) return true;
  if (fdatasync(w.fd) != 0) {
    if (FsyncPolicy() == kFsyncAlways) {
      spdlog::critical(
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. "
          "Exiting...",
          std::strerror(errno));
      std::_Exit(1);
    }
    spdlog::warn("Error syncing the AOF file: {}", std::strerror(errno));
    return false;
  }
  w.unsynced = false;
  w.last_fsync_ms = UnixMs();
  return true;
}

// Switches to a new incr file at this point of the stream (the rewrite's cut), naming it in the
// manifest first when the AOF is on (openNewIncrAofForAppend).
bool Rotate(Writer& w) {
  State& st = S();
  Flush(w);
  if (w.fd >= 0 && w.unsynced) fdatasync(w.fd);
  Manifest m;
  std::string name;
  {
    std::lock_guard lk(st.mu);
    m = st.manifest;
    int64_t seq = std::max(m.curr_incr_seq, w.rotated_seq) + 1;
    name = IncrName(st.filename, seq);
    m.incrs.push_back({name, seq, FileType::kIncr});
    m.curr_incr_seq = seq;
  }
  std::string path = w.dir + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::warn("Can't open the append-only file {}: {}", name, std::strerror(errno));
    return false;
  }
  if (st.state.load() == kOn) {
    absl::Status ps = PersistManifest(w.dir, m);
    if (!ps.ok()) {
      spdlog::warn("Can't persist the AOF manifest: {}", std::string(ps.message()));
      ::close(fd);
      ::unlink(path.c_str());
      return false;
    }
    std::lock_guard lk(st.mu);
    st.manifest = m;
  }
  if (w.fd >= 0) ::close(w.fd);
  w.fd = fd;
  w.file_size = 0;
  w.selected_db = -1;
  w.unsynced = false;
  w.rotated_seq = m.curr_incr_seq;
  spdlog::info("Creating AOF incr file {} on background rewrite", name);
  return true;
}

// Opens the manifest's last incr for appending (start after loading); rotates when there is
// none.
bool OpenLast(Writer& w) {
  State& st = S();
  std::string name;
  {
    std::lock_guard lk(st.mu);
    if (!st.manifest.incrs.empty()) {
      name = st.manifest.incrs.back().name;
      w.rotated_seq = st.manifest.incrs.back().seq;
    }
  }
  if (name.empty()) return Rotate(w);
  std::string path = w.dir + "/" + name;
  w.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (w.fd < 0) {
    spdlog::warn("Can't open the append-only file {}: {}", name, std::strerror(errno));
    return false;
  }
  w.file_size = FileSize(path);
  return true;
}

// Holding w.mu: takes every unit ready in order, runs markers, writes (and fsyncs under
// appendfsync always), then publishes how far the stream is on disk.
void DrainLocked(Writer& w) {
  State& st = S();
  std::vector<std::unique_ptr<journal::Unit>> units;
  w.consumer.Take(&units);
  Writer* saved = tl_writer;
  tl_writer = &w;
  for (auto& u : units) {
    if (u->marker) {
      u->marker();
      continue;
    }
    Format(w, *u);
  }
  tl_writer = saved;
  bool wrote = !w.buf.empty();
  bool ok = Flush(w);
  int64_t policy = FsyncPolicy();
  if (ok && wrote && policy == kFsyncAlways) ok = Fsync(w);
  // A failed write (everysec, no) keeps the data for the next try and, as Redis, does not hold
  // the replies of what already ran: new writes get -MISCONF until a write succeeds.
  if ((ok || policy != kFsyncAlways) && st.durable.load() != w.consumer.next())
    st.durable.store(w.consumer.next(), std::memory_order_seq_cst);
}

// everysec: fdatasync once a second, on a duplicate of the descriptor and outside `mu`, so the
// drains go on meanwhile (Redis's background fsync).
void EverysecFsync(Writer& w) {
  int fd = -1;
  {
    std::lock_guard lk(w.mu);
    if (FsyncPolicy() != kFsyncEverysec || !w.unsynced || w.fd < 0 ||
        UnixMs() - w.last_fsync_ms < 1000)
      return;
    if (Server().config.no_appendfsync_on_rewrite.load() != 0 && S().rewriting.load()) return;
    fd = dup(w.fd);
    w.unsynced = false;
    w.last_fsync_ms = UnixMs();
  }
  if (fd < 0) return;
  if (fdatasync(fd) != 0) spdlog::warn("Error syncing the AOF file: {}", std::strerror(errno));
  ::close(fd);
}

// The AOF thread: opens the file, then drains what nobody else does (within a few ms) and keeps
// everysec's rhythm; at stop, finishes the stream up to stop_at.
void Run(Writer* w) {
  State& st = S();
  {
    std::lock_guard lk(w->mu);
    tl_writer = w;
    if (w->rotate_first ? !Rotate(*w) : !OpenLast(*w))
      spdlog::critical("The AOF writer could not open its file: writes are not logged");
    tl_writer = nullptr;
  }
  int64_t stop_since = 0;
  for (;;) {
    bool stopping = w->stop.load();
    {
      std::unique_lock lk(w->cv_mu);
      w->cv.wait_for(lk, std::chrono::milliseconds(stopping ? 1 : 5), [w] { return w->wake; });
      w->wake = false;
    }
    {
      std::lock_guard lk(w->mu);
      DrainLocked(*w);
    }
    NotifyDurable();
    EverysecFsync(*w);
    if (!w->stop.load()) continue;
    std::lock_guard lk(w->mu);
    if (w->consumer.next() >= w->stop_at.load() && w->buf.empty()) break;
    if (stop_since == 0) stop_since = UnixMs();
    if (UnixMs() - stop_since > 2000) {
      spdlog::warn("AOF: stopping with {} journal units never completed", w->consumer.waiting());
      break;
    }
  }
  {
    std::lock_guard lk(w->mu);
    Flush(*w);
    if (w->fd >= 0) {
      if (w->unsynced) fdatasync(w->fd);
      ::close(w->fd);
      w->fd = -1;
    }
  }
  // Nobody waits for a writer that is gone (MustWait answers false from now on).
  st.durable.store(UINT64_MAX, std::memory_order_seq_cst);
  NotifyDurable();
}

// Any thread: starts the writer on the stream from ticket `first`.
void StartWriter(uint64_t first, bool rotate_first) {
  State& st = S();
  auto w = std::make_shared<Writer>();
  w->dir = DirPath();
  w->consumer.Reset(first);
  w->rotate_first = rotate_first;
  w->last_fsync_ms = UnixMs();
  st.durable.store(first);
  {
    std::lock_guard lk(st.mu);
    st.writer = w;
    st.writing.store(true);
  }
  w->thread = std::thread([w] { Run(w.get()); });
}

// Stops the writer once every ticket taken so far is written (the journal is off by then).
void StopWriter() {
  State& st = S();
  std::shared_ptr<Writer> w;
  {
    std::lock_guard lk(st.mu);
    w = std::move(st.writer);
    st.writing.store(false);
  }
  if (w == nullptr) return;
  w->stop_at.store(journal::Reserve());  // the counter's value: every ticket below it
  w->stop.store(true);
  WakeWriterThread(*w);
  w->thread.join();
}

// A shard thread, at the end of a loop iteration in which clients of its began to wait: drains
// (or leaves it to the thread draining now, which drains again for it), then resumes its clients
// whose units are on disk and wakes the other threads'.
void DrainFromShard() {
  if (std::shared_ptr<Writer> w = CurrentWriter()) {
    w->request.store(true, std::memory_order_seq_cst);
    for (;;) {
      std::unique_lock lk(w->mu, std::try_to_lock);
      if (!lk.owns_lock()) break;  // the holder looks at `request` once it lets go
      w->request.store(false, std::memory_order_seq_cst);
      DrainLocked(*w);
      lk.unlock();
      if (!w->request.load(std::memory_order_seq_cst)) break;  // nobody asked meanwhile
    }
  }
  ResumeLocal(Shard::Current()->id());
  NotifyDurable();
}

// ---- appendfsync always: waiting replies ----

struct DurableWaiter {
  uint64_t ticket;
  std::function<void()> resume;
};
thread_local std::vector<DurableWaiter> tl_waiters;

void ResumeLocal(uint32_t thread);

void SetWant(uint32_t thread, uint64_t ticket) {
  State& st = S();
  uint64_t w = st.want[thread].load();
  while ((w == 0 || ticket < w) && !st.want[thread].compare_exchange_weak(w, ticket)) {
  }
  if (ticket < st.durable.load(std::memory_order_seq_cst)) {
    // The writer may have published before seeing the registration: check again here.
    uint64_t cur = st.want[thread].load();
    if (cur != 0 && st.want[thread].compare_exchange_strong(cur, 0))
      Server().shards->shard(thread)->Post(false, [thread](Shard&) { ResumeLocal(thread); });
  }
}

void ResumeLocal(uint32_t thread) {
  uint64_t durable = S().durable.load(std::memory_order_seq_cst);
  std::vector<DurableWaiter> ready;
  uint64_t min = 0;
  for (size_t i = 0; i < tl_waiters.size();) {
    if (tl_waiters[i].ticket < durable) {
      ready.push_back(std::move(tl_waiters[i]));
      tl_waiters[i] = std::move(tl_waiters.back());
      tl_waiters.pop_back();
    } else {
      if (min == 0 || tl_waiters[i].ticket < min) min = tl_waiters[i].ticket;
      ++i;
    }
  }
  if (min != 0) SetWant(thread, min);
  for (auto& r : ready) r.resume();
}

void NotifyDurable() {
  State& st = S();
  uint64_t durable = st.durable.load(std::memory_order_seq_cst);
  for (uint32_t t = 0; t < st.threads; ++t) {
    uint64_t w = st.want[t].load(std::memory_order_seq_cst);
    if (w != 0 && w < durable && st.want[t].compare_exchange_strong(w, 0))
      Server().shards->shard(t)->Post(false, [t](Shard&) { ResumeLocal(t); });
  }
}

// ---- Rewrite ----

// The base is complete: the manifest now names it and the incrs from the rotation on; the files
// it replaces are deleted (aofDelHistoryFiles). On the writer thread (a marker after the
// rotation), or on the caller's when no AOF is being written.
void Install(Writer* w, const std::string& dir, const FileInfo& base, int64_t start_ms) {
  State& st = S();
  Manifest old, m;
  {
    std::lock_guard lk(st.mu);
    old = st.manifest;
  }
  int64_t from = w != nullptr ? w->rotated_seq : INT64_MAX;
  m.base = base;
  m.curr_base_seq = base.seq;
  m.curr_incr_seq = std::max(old.curr_incr_seq, w != nullptr ? w->rotated_seq : 0);
  m.history = old.history;
  if (old.base) m.history.push_back({old.base->name, old.base->seq, FileType::kHistory});
  for (const FileInfo& f : old.incrs) {
    if (f.seq >= from)
      m.incrs.push_back(f);
    else
      m.history.push_back({f.name, f.seq, FileType::kHistory});
  }
  if (w != nullptr && (m.incrs.empty() || m.incrs.back().seq != w->rotated_seq)) {
    // Enabling: the incr opened at the cut was not in any manifest yet.
    std::string name;
    {
      std::lock_guard lk(st.mu);
      name = IncrName(st.filename, w->rotated_seq);
    }
    m.incrs.push_back({name, w->rotated_seq, FileType::kIncr});
  }
  int64_t now_ms = UnixMs();
  absl::Status ps = PersistManifest(dir, m);
  if (!ps.ok()) {
    spdlog::warn("Background AOF rewrite failed: can't persist the manifest: {}",
                 std::string(ps.message()));
    ::unlink((dir + "/" + base.name).c_str());
    st.last_rewrite_ok.store(false);
    st.consecutive_failures.fetch_add(1);
    st.last_fail_s.store(now_ms / 1000);
    st.rewriting.store(false);
    return;
  }
  {
    std::lock_guard lk(st.mu);
    st.manifest = m;
  }
  if (st.state.load() == kWaitRewrite) st.state.store(kOn);
  if (Server().config.aof_disable_auto_gc.load() == 0 && !m.history.empty()) {
    for (const FileInfo& f : m.history) {
      ::unlink((dir + "/" + f.name).c_str());
      spdlog::info("Removing the history file {} in the background", f.name);
    }
    m.history.clear();
    FsyncDir(dir);
    if (PersistManifest(dir, m).ok()) {
      std::lock_guard lk(st.mu);
      st.manifest = m;
    }
  }
  uint64_t size = ManifestBytes(dir, m);
  st.current_size.store(size);
  st.base_size.store(size);
  st.last_rewrite_ok.store(true);
  st.consecutive_failures.store(0);
  st.last_rewrite_time_sec.store((now_ms - start_ms) / 1000);
  st.rewriting.store(false);
  spdlog::info("Background AOF rewrite finished successfully");
}

// BGREWRITEAOF answers once the new incr is named in the manifest (as Redis's, which opens it
// before forking): whichever of the cut and the rotation comes last fires the reply.
struct RotationWait {
  std::atomic<int> left{2};
  Shard* home = nullptr;
  std::function<void()> fire;
  void Done() {
    if (left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Always through the home thread's queue: the rotation may run inside a drain.
    home->Post(false, [self = this](Shard&) { self->Fire(); });
  }
  // `fire` holds this object (a cycle, broken here): it lives until the call returns.
  void Fire() {
    auto f = std::move(fire);
    fire = nullptr;
    f();
  }
};

// At the rewrite's cut (every shard parked): the stream's rotation, or its start (enabling).
void OnCut(const std::shared_ptr<RotationWait>& rw) {
  State& st = S();
  int state = st.state.load();
  if (state == kOn) {
    auto u = std::make_unique<journal::Unit>();
    u->ticket = journal::Reserve();
    u->marker = [rw] {
      if (tl_writer != nullptr && !Rotate(*tl_writer)) tl_writer->rotated_seq = 0;
      rw->Done();
    };
    journal::Submit(std::move(u));
    if (auto w = CurrentWriter()) WakeWriterThread(*w);
    return;
  }
  rw->Done();
  if (state == kWaitRewrite) {
    uint64_t first = journal::SetEnabled(true);
    StartWriter(first, /*rotate_first=*/true);
  }
}

void RewriteFailed(const absl::Status& s) {
  State& st = S();
  spdlog::warn("Background AOF rewrite terminated with error: {}", std::string(s.message()));
  st.last_rewrite_ok.store(false);
  st.consecutive_failures.fetch_add(1);
  st.last_fail_s.store(UnixMs() / 1000);
  if (st.state.load() == kWaitRewrite) {
    // Enabling failed: stop logging; the cron tries again.
    journal::SetEnabled(false);
    StopWriter();
  }
  st.rewriting.store(false);
}

// Starts a rewrite (a save job writing the next base); `cut` as persistence::StartSave's.
void StartRewrite(persistence::CutFn cut) {
  State& st = S();
  if (st.rewriting.exchange(true)) {
    cut(absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress"));
    return;
  }
  std::string dir = DirPath();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::string msg = "Can't open or create append-only dir " + dir + ": " + std::strerror(errno);
    spdlog::warn("{}", msg);
    st.rewriting.store(false);
    cut(absl::InternalError("ERR " + msg));
    return;
  }
  FileInfo base;
  {
    std::lock_guard lk(st.mu);
    base.seq = st.manifest.curr_base_seq + 1;
    base.name = BaseName(st.filename, base.seq, Preamble());
    base.type = FileType::kBase;
  }
  int64_t start_ms = UnixMs();
  st.rewrite_start_ms.store(start_ms);
  st.rewrites.fetch_add(1);
  st.scheduled.store(false);
  auto target = std::make_shared<persistence::AofBase>();
  target->path = dir + "/" + base.name;
  target->resp = !Preamble();
  auto rw = std::make_shared<RotationWait>();
  rw->home = Shard::Current();
  target->at_cut = [rw] { OnCut(rw); };
  spdlog::info("Background append only file rewriting started");
  persistence::StartSave(
      persistence::SaveMode::kBackground,
      [cut, rw](absl::Status s) {
        if (!s.ok()) {
          S().rewriting.store(false);
          return cut(std::move(s));
        }
        rw->fire = [cut, rw] { cut(absl::OkStatus()); };
        rw->Done();
      },
      [dir, base, start_ms](absl::Status s, std::shared_ptr<Transaction>) {
        if (!s.ok()) return RewriteFailed(s);
        State& st = S();
        if (!st.writing.load()) return Install(nullptr, dir, base, start_ms);
        // After the rotation in the stream (its marker has a smaller ticket).
        auto u = std::make_unique<journal::Unit>();
        u->ticket = journal::Reserve();
        u->marker = [dir, base, start_ms] {
          if (tl_writer->rotated_seq == 0) {
            ::unlink((dir + "/" + base.name).c_str());
            return RewriteFailed(absl::InternalError("the incr file could not be opened"));
          }
          Install(tl_writer, dir, base, start_ms);
        };
        journal::Submit(std::move(u));
        if (auto w = CurrentWriter()) WakeWriterThread(*w);
      },
      target);
}

// ---- Loading ----

// Runs commands through a client connection of the server itself (a socket pair): the normal
// paths (MULTI/EXEC, SELECT, multi-shard commands) with no duplicate of them.
class Replayer {
 public:
  absl::Status Open() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return absl::InternalError(std::string("socketpair: ") + std::strerror(errno));
    fd_ = sv[1];
    Connection::StartReplay(sv[0], Server().shards->shard(0));
    static constexpr char kReplyOff[] = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n";
    return Send(kReplyOff);
  }
  absl::Status Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return absl::InternalError("the AOF replay client went away");
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  // Waits until everything sent ran (CLIENT REPLY ON answers +OK after it).
  absl::Status Finish() {
    static constexpr char kReplyOn[] = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n";
    absl::Status s = Send(kReplyOn);
    if (!s.ok()) return s;
    std::string got;
    char buf[64];
    while (got.size() < 5) {
      ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return absl::InternalError("the AOF replay client went away");
      got.append(buf, static_cast<size_t>(n));
    }
    if (got != "+OK\r\n") return absl::InternalError("unexpected reply replaying the AOF: " + got);
    return absl::OkStatus();
  }
  ~Replayer() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

struct Mapped {
  const char* data = nullptr;
  size_t size = 0;
  int fd = -1;
  ~Mapped() {
    if (data != nullptr) munmap(const_cast<char*>(data), size);
    if (fd >= 0) ::close(fd);
  }
};

absl::Status MapFile(const std::string& path, Mapped* m) {
  m->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m->fd < 0) return absl::NotFoundError(std::strerror(errno));
  m->size = FileSize(path);
  if (m->size == 0) return absl::OkStatus();
  void* p = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
  if (p == MAP_FAILED) return absl::InternalError(std::strerror(errno));
  m->data = static_cast<const char*>(p);
  return absl::OkStatus();
}

// One file of the AOF (loadSingleAppendOnlyFile): an RDB (base, or an old preamble) and/or
// commands. `last`: the only file that may be truncated.
absl::Status LoadOne(const std::string& dir, const std::string& name, bool last, Replayer& rp,
                     uint64_t* loaded_bytes) {
  std::string path = dir + "/" + name;
  Mapped m;
  absl::Status ms = MapFile(path, &m);
  if (!ms.ok())
    return absl::NotFoundError("Can't open the append-only file " + name + ": " +
                               std::string(ms.message()));
  std::string_view data(m.data == nullptr ? "" : m.data, m.size);
  size_t start = 0;
  if (HasRdbPreamble(data)) {
    size_t rdb_bytes = 0;
    absl::Status rs = persistence::LoadRdbFile(path, &rdb_bytes);
    if (!rs.ok())
      return absl::DataLossError("Error reading the RDB base file " + name +
                                 ", AOF loading aborted");
    start = rdb_bytes;
    spdlog::info("Reading RDB base file on AOF loading...");
  }
  std::string unknown;
  ScanResult r = ScanCommands(data, start, [&unknown](const Command& c) {
    if (Server().registry.Lookup(c.argv) == nullptr) {
      unknown.assign(c.argv[0]);
      return false;
    }
    return true;
  });
  if (!unknown.empty())
    return absl::FailedPreconditionError("Unknown command '" + unknown +
                                         "' reading the append only file " + name);
  if (r.status == ScanResult::Status::kBadFormat)
    return absl::DataLossError(
        "Bad file format reading the append only file " + name +
        ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
  size_t end = r.status == ScanResult::Status::kOk && !r.open_multi ? data.size() : r.valid_end;
  if (end < data.size()) {
    if (!last)
      return absl::DataLossError("Unexpected end of file reading the append only file " + name);
    if (Server().config.aof_load_truncated.load() == 0)
      return absl::DataLossError(
          "Unexpected end of file reading the append only file " + name +
          ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
          "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
          "configuration option to yes and restart the server.");
    spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", name);
    spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", name, end);
  }
  absl::Status s = rp.Send(data.substr(start, end - start));
  if (!s.ok()) return s;
  *loaded_bytes += data.size();
  if (end < data.size()) {
    // Wait until it ran before cutting the file (the mapping stays valid meanwhile anyway).
    absl::Status f = rp.Finish();
    if (!f.ok()) return f;
    if (truncate(path.c_str(), static_cast<off_t>(end)) != 0)
      return absl::InternalError("Error truncating the AOF file " + name + ": " +
                                 std::strerror(errno));
    spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", name);
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

// An empty dataset's base (rewriteAppendOnlyFile at start with nothing to load).
absl::Status CreateEmptyBase(const std::string& dir, const std::string& name) {
  rdb::HeaderInfo h;
  h.redis_ver = kRedisVersion;
  h.ctime_s = UnixMs() / 1000;
  h.used_mem = Server().startup_memory;
  h.aof_base = true;
  h.compress = Server().config.rdbcompression.load() != 0;
  std::string file = rdb::FileHeader(h);
  file += rdb::FileTrailer(Crc64(0, file), Server().config.rdbchecksum.load() != 0);
  return WriteFileDurably(dir, name, file);
}

}  // namespace

bool On() { return Server().config.appendonly.load(std::memory_order_relaxed) != 0; }

absl::Status LoadAtStart() {
  State& st = S();
  std::string dir = DirPath();
  std::string filename, manifest_name;
  {
    std::lock_guard lk(st.mu);
    filename = st.filename;
    manifest_name = ManifestName(filename);
  }
  std::string manifest_path = dir + "/" + manifest_name;
  if (access(manifest_path.c_str(), F_OK) != 0) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return absl::InternalError("Can't open or create append-only dir " + dir + ": " +
                                 std::strerror(errno));
    Manifest m;
    std::string old = Cwd() + "/" + filename;
    if (access(old.c_str(), F_OK) == 0) {
      // An AOF of Redis before 7.0 (aofUpgradePrepare): it becomes the base, as it is.
      if (rename(old.c_str(), (dir + "/" + filename).c_str()) != 0)
        return absl::InternalError("Error moving the old AOF file " + filename + ": " +
                                   std::strerror(errno));
      m.base = FileInfo{filename, 1, FileType::kBase};
      m.curr_base_seq = 1;
      absl::Status ps = PersistManifest(dir, m);
      if (!ps.ok()) return ps;
      FsyncDir(dir);
      spdlog::info("Successfully migrated an old-style AOF into the AOF directory");
    } else {
      std::string base = BaseName(filename, 1, Preamble());
      absl::Status bs = Preamble() ? CreateEmptyBase(dir, base) : WriteFileDurably(dir, base, "");
      if (!bs.ok()) return bs;
      spdlog::info("Creating AOF base file {} on server start", base);
      m.base = FileInfo{base, 1, FileType::kBase};
      m.curr_base_seq = 1;
      std::string incr = IncrName(filename, 1);
      int fd = ::open((dir + "/" + incr).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        return absl::InternalError("Can't open the append-only file " + incr + ": " +
                                   std::strerror(errno));
      fsync(fd);
      ::close(fd);
      spdlog::info("Creating AOF incr file {} on server start", incr);
      m.incrs.push_back({incr, 1, FileType::kIncr});
      m.curr_incr_seq = 1;
      absl::Status ps = PersistManifest(dir, m);
      if (!ps.ok()) return ps;
      std::lock_guard lk(st.mu);
      st.manifest = m;
      uint64_t size = ManifestBytes(dir, m);
      st.current_size.store(size);
      st.base_size.store(size);
      return absl::OkStatus();
    }
    std::lock_guard lk(st.mu);
    st.manifest = m;
  }
  Mapped mf;
  absl::Status ms = MapFile(manifest_path, &mf);
  if (!ms.ok()) return absl::InternalError("Can't open the AOF manifest " + manifest_name);
  auto parsed = ParseManifest(std::string_view(mf.data == nullptr ? "" : mf.data, mf.size));
  if (!parsed.ok()) return parsed.status();
  Manifest m = *parsed;
  {
    std::lock_guard lk(st.mu);
    st.manifest = m;
  }
  std::vector<std::string> files;
  if (m.base) files.push_back(m.base->name);
  for (const FileInfo& f : m.incrs) files.push_back(f.name);
  uint64_t total = 0, loaded = 0;
  for (const auto& f : files) total += FileSize(dir + "/" + f);
  persistence::SetLoadingProgress(total, 0);
  int64_t t0 = MonotonicUs();
  Replayer rp;
  absl::Status s = rp.Open();
  for (size_t i = 0; s.ok() && i < files.size(); ++i) {
    if (access((dir + "/" + files[i]).c_str(), F_OK) != 0) {
      // Redis: a missing base or incr named by the manifest stops the start.
      s = absl::NotFoundError("The AOF file " + files[i] + " doesn't exist");
      break;
    }
    s = LoadOne(dir, files[i], i + 1 == files.size(), rp, &loaded);
    persistence::SetLoadingProgress(total, loaded);
  }
  if (s.ok()) s = rp.Finish();
  if (!s.ok()) return s;
  // As Redis after loading: the base's size is the rewrite base, all the files the current size.
  st.current_size.store(ManifestBytes(dir, m));
  st.base_size.store(m.base ? FileSize(dir + "/" + m.base->name) : 0);
  spdlog::info("DB loaded from append only file: {:.3f} seconds", (MonotonicUs() - t0) / 1e6);
  return absl::OkStatus();
}

void ReadManifestAtStart() {
  State& st = S();
  std::string dir = DirPath(), name;
  {
    std::lock_guard lk(st.mu);
    name = ManifestName(st.filename);
  }
  Mapped mf;
  if (!MapFile(dir + "/" + name, &mf).ok()) return;
  auto parsed = ParseManifest(std::string_view(mf.data == nullptr ? "" : mf.data, mf.size));
  if (!parsed.ok()) {
    spdlog::warn("Ignoring the AOF manifest {}: {}", name, std::string(parsed.status().message()));
    return;
  }
  std::lock_guard lk(st.mu);
  st.manifest = *parsed;
}

void StartAfterLoad() {
  State& st = S();
  st.threads = Server().shards->size();
  if (st.want == nullptr) st.want = std::make_unique<std::atomic<uint64_t>[]>(st.threads);
  st.state.store(kOn);
  uint64_t first = journal::SetEnabled(true);
  StartWriter(first, /*rotate_first=*/false);
}

void FlushAndStop() {
  if (!S().writing.load()) return;
  journal::SetEnabled(false);
  StopWriter();
}

void BgRewrite(CommandContext& ctx) {
  State& st = S();
  if (st.rewriting.load()) {
    ctx.rb->Error("ERR Background append only file rewriting already in progress");
    return ctx.Done();
  }
  if (persistence::SaveInProgress() || ctx.tx != nullptr) {
    st.scheduled.store(true);
    ctx.rb->Simple("Background append only file rewriting scheduled");
    return ctx.Done();
  }
  CommandContext* c = &ctx;
  StartRewrite([c](absl::Status s) {
    if (s.ok()) {
      c->rb->Simple("Background append only file rewriting started");
    } else if (absl::IsFailedPrecondition(s)) {
      // A save started between the check and the job: as Redis with a child running.
      S().scheduled.store(true);
      c->rb->Simple("Background append only file rewriting scheduled");
    } else {
      c->rb->Error(std::string(s.message()));
    }
    c->Done();
  });
}

void ApplyAppendOnly(bool on) {
  State& st = S();
  if (st.threads == 0) {
    st.threads = Server().shards->size();
    st.want = std::make_unique<std::atomic<uint64_t>[]>(st.threads);
  }
  int state = st.state.load();
  if (on && state == kOff) {
    // startAppendOnly: the first rewrite writes the base; logging starts at its cut.
    st.state.store(kWaitRewrite);
    if (persistence::SaveInProgress()) {
      st.scheduled.store(true);
      return;
    }
    StartRewrite([](absl::Status) {});
  } else if (!on && state != kOff) {
    // stopAppendOnly: what was logged is written and synced; a rewrite's base still completes
    // into the directory, as Redis's would be killed (its manifest stays as it was).
    st.state.store(kOff);
    journal::SetEnabled(false);
    StopWriter();
  }
}

void CronTick() {
  State& st = S();
  if (st.rewriting.load() || persistence::SaveInProgress()) return;
  int state = st.state.load();
  int64_t now_s = UnixMs() / 1000;
  if (state == kWaitRewrite) {
    if (now_s - st.last_fail_s.load() >= kRetryDelayS || st.scheduled.load())
      StartRewrite([](absl::Status) {});
    return;
  }
  if (st.scheduled.load()) return StartRewrite([](absl::Status) {});
  if (state != kOn) return;
  int64_t perc = Server().config.auto_aof_rewrite_percentage.load();
  uint64_t size = st.current_size.load();
  if (perc > 0 && size > static_cast<uint64_t>(Server().config.auto_aof_rewrite_min_size.load())) {
    uint64_t base = st.base_size.load();
    if (base == 0) base = 1;
    int64_t growth = static_cast<int64_t>(size * 100 / base) - 100;
    if (growth >= perc) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      StartRewrite([](absl::Status) {});
    }
  }
}

void AppendInfo(std::string& s, int part) {
  State& st = S();
  char buf[1024];
  int64_t now_ms = UnixMs();
  bool rewriting = st.rewriting.load();
  if (part == 1) {
    snprintf(buf, sizeof(buf),
             "aof_enabled:%d\r\n"
             "aof_rewrite_in_progress:%d\r\n"
             "aof_rewrite_scheduled:%d\r\n"
             "aof_last_rewrite_time_sec:%lld\r\n"
             "aof_current_rewrite_time_sec:%lld\r\n"
             "aof_last_bgrewrite_status:%s\r\n"
             "aof_rewrites:%llu\r\n"
             "aof_rewrites_consecutive_failures:%llu\r\n"
             "aof_last_write_status:%s\r\n"
             "aof_last_cow_size:0\r\n",
             st.state.load() != kOff ? 1 : 0, rewriting ? 1 : 0, st.scheduled.load() ? 1 : 0,
             static_cast<long long>(st.last_rewrite_time_sec.load()),
             static_cast<long long>(rewriting ? (now_ms - st.rewrite_start_ms.load()) / 1000 : -1),
             st.last_rewrite_ok.load() ? "ok" : "err",
             static_cast<unsigned long long>(st.rewrites.load()),
             static_cast<unsigned long long>(st.consecutive_failures.load()),
             st.write_errno.load() == 0 ? "ok" : "err");
    s += buf;
    return;
  }
  if (st.state.load() == kOff) return;
  snprintf(buf, sizeof(buf),
           "\r\naof_current_size:%llu\r\n"
           "aof_base_size:%llu\r\n"
           "aof_pending_rewrite:%d\r\n"
           "aof_buffer_length:0\r\n"
           "aof_pending_bio_fsync:0\r\n"
           "aof_delayed_fsync:%llu",
           static_cast<unsigned long long>(st.current_size.load()),
           static_cast<unsigned long long>(st.base_size.load()), st.scheduled.load() ? 1 : 0,
           static_cast<unsigned long long>(st.delayed_fsync.load()));
  s += buf;
}

const char* WriteRefusal() {
  int err = S().write_errno.load(std::memory_order_relaxed);
  if (err == 0) return nullptr;
  thread_local std::string msg;
  msg = std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(err);
  return msg.c_str();
}

bool MustWait(uint64_t ticket) {
  // As Redis writes the AOF in beforeSleep, before any reply goes out: whatever the policy, an
  // acknowledged write is in the file (a killed process loses nothing acknowledged); `always`
  // also waits for the fsync.
  return ticket != 0 && ticket >= S().durable.load(std::memory_order_acquire) && S().writing.load();
}

void WaitDurable(uint64_t ticket, std::function<void()> resume) {
  Shard* me = Shard::Current();
  tl_waiters.push_back({ticket, std::move(resume)});
  SetWant(me->id(), ticket);
  // One drain for the whole loop iteration: after the batches of every client ready now.
  thread_local bool drain_posted = false;
  if (drain_posted) return;
  drain_posted = true;
  boost::asio::post(me->io(), [] {
    drain_posted = false;
    DrainFromShard();
  });
}

// ---- Configs ----

namespace {
std::string CheckName(std::string_view v, const char* what) {
  if (v.empty() || v.find('/') != std::string_view::npos || v == "." || v == "..")
    return std::string(what) + " can't be a path, just a filename";
  return "";
}
}  // namespace

std::string GetAppendFilename() {
  std::lock_guard lk(S().mu);
  return S().filename;
}
std::string CheckAppendFilename(std::string_view v) { return CheckName(v, "appendfilename"); }
void ApplyAppendFilename(std::string_view v, bool) {
  std::lock_guard lk(S().mu);
  S().filename.assign(v);
}
std::string GetAppendDirname() {
  std::lock_guard lk(S().mu);
  return S().dirname;
}
std::string CheckAppendDirname(std::string_view v) { return CheckName(v, "appenddirname"); }
void ApplyAppendDirname(std::string_view v, bool) {
  std::lock_guard lk(S().mu);
  S().dirname.assign(v);
}

}  // namespace shoal::aof
