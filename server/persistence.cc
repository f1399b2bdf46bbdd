#include "server/persistence.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "base/numbers.h"
#include "persistence/crc64.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_value.h"
#include "persistence/snapshot.h"
#include "protocol/reply_builder.h"
#include "server/aof.h"
#include "server/command_context.h"
#include "server/commands/scripting_family.h"
#include "server/scripting/function_store.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "server/transaction.h"
#include "server/version.h"
#include "shard/access.h"
#include "shard/clock.h"
#include "shard/settings.h"
#include "shard/shard_set.h"
#include "spdlog/spdlog.h"

namespace shoal::persistence {
namespace {

constexpr char kMisconf[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
constexpr int64_t kBgsaveRetryDelayS = 5;  // CONFIG_BGSAVE_RETRY_DELAY

struct SaveRule {
  int64_t seconds, changes;
};

struct Job;

// Process-wide state. Strings (rules, file name) under `mu`; the rest atomics.
struct State {
  std::mutex mu;
  std::vector<SaveRule> rules{{3600, 1}, {300, 100}, {60, 10000}};
  bool rules_from_startup = false;  // the first `save` line at startup replaces the defaults
  std::string dbfilename = "dump.rdb";
  std::thread finisher;  // the last job's finishing thread (joined before the next starts)

  std::atomic<bool> in_progress{false};
  std::atomic<bool> scheduled{false};
  std::atomic<bool> background{false};  // the running job is a BGSAVE (INFO)
  std::atomic<int64_t> lastsave{0};
  std::atomic<bool> last_bgsave_ok{true};
  std::atomic<int64_t> last_bgsave_time_sec{-1};
  std::atomic<int64_t> save_start_s{0};
  std::atomic<int64_t> last_try_s{0};
  std::atomic<uint64_t> saves{0};
  std::atomic<uint64_t> dirty_saved{0};
  std::atomic<uint64_t> keys_total{0};
  std::shared_ptr<Job> job;  // the running one (under mu), for INFO's progress

  std::atomic<bool> loading{false};
  std::thread loader;                      // the loading thread (joined by StopLoading)
  std::atomic<bool> abort_loading{false};  // the server stops: the loader gives up
  std::atomic<int64_t> loading_start_s{0};
  std::atomic<uint64_t> loading_total_bytes{0};
  std::atomic<uint64_t> loading_loaded_bytes{0};
  std::atomic<uint64_t> loading_rdb_used_mem{0};
  std::atomic<uint64_t> load_keys_loaded{0};
  std::atomic<uint64_t> load_keys_expired{0};
};

State& S() {
  static State* s = new State;  // never destroyed: threads may read it while the process exits
  return *s;
}

uint64_t TotalDirty() {
  uint64_t sum = 0;
  ShardSet& set = *Server().shards;
  for (unsigned i = 0; i < set.size(); ++i) sum += set.shard(i)->db_slice().dirty();
  return sum;
}

std::vector<uint32_t> AllShards() {
  std::vector<uint32_t> ids(Server().shards->size());
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  return ids;
}

std::string CurrentDir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string(".");
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Copies [in_off, in_off + len) of `in` to `out` at its current offset: in the kernel
// (copy_file_range), or through a buffer where the file system cannot.
bool CopyRange(int in, loff_t in_off, int out, uint64_t len) {
  const loff_t end = in_off + static_cast<loff_t>(len);
  while (in_off < end) {
    ssize_t n = copy_file_range(in, &in_off, out, nullptr, static_cast<size_t>(end - in_off), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) continue;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return false;
    std::vector<char> buf(1 << 20);
    while (in_off < end) {
      size_t want = static_cast<size_t>(std::min<loff_t>(buf.size(), end - in_off));
      ssize_t r = pread(in, buf.data(), want, in_off);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (r == 0) errno = EIO;
        return false;
      }
      if (!WriteAll(out, buf.data(), static_cast<size_t>(r))) return false;
      in_off += r;
    }
  }
  return true;
}

// Appends the first `len` bytes of a section file to `out`, kSyncChunk at a time. With
// `incremental` (rdb-save-incremental-fsync) each chunk is written to disk and dropped from the
// page cache, with the section's copy of it, before the next: the save never holds more than a
// chunk of dirty or doubled pages (Redis syncs every few MB for the same reason).
bool AppendSection(int in, int out, uint64_t len, bool incremental) {
  constexpr uint64_t kSyncChunk = 32 << 20;
  for (uint64_t done = 0; done < len;) {
    const uint64_t n = std::min(kSyncChunk, len - done);
    const off_t out_at = lseek(out, 0, SEEK_CUR);
    if (!CopyRange(in, static_cast<loff_t>(done), out, n)) return false;
    if (incremental && out_at >= 0) {
      sync_file_range(
          out, out_at, static_cast<off_t>(n),
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      posix_fadvise(out, out_at, static_cast<off_t>(n), POSIX_FADV_DONTNEED);
      posix_fadvise(in, static_cast<off_t>(done), static_cast<off_t>(n), POSIX_FADV_DONTNEED);
    }
    done += n;
  }
  return true;
}

// ---- Save jobs ----

struct Job {
  SaveMode mode = SaveMode::kBackground;
  std::string dir, tmp_path, final_path;
  int fd = -1;
  std::vector<int> section_fds;
  bool compress = true, checksum = true, incremental_fsync = true;
  rdb::HeaderInfo header;
  std::vector<std::shared_ptr<rdb::SliceSnapshot>> slices;
  std::atomic<unsigned> remaining{0};
  std::atomic<uint64_t> dirty_at_cut{0};
  int64_t start_ms = 0;
  absl::Status status;  // an error before the cut (files)
  Shard* home = nullptr;
  DoneFn done;
  std::shared_ptr<Transaction> tx;    // kStopTheWorld: the held transaction
  std::atomic<bool> cut_done{false};  // every slice exists (set on the coordinator after the hop)
  std::shared_ptr<AofBase> aof;       // an AOF base, not dbfilename

  ~Job() {
    if (fd >= 0) ::close(fd);
    for (int f : section_fds)
      if (f >= 0) ::close(f);
  }
};

void Finish(std::shared_ptr<Job> job);

// Opens the temp file and the per-shard sections (unlinked at once: a crash leaves no trace of
// them). Redis's message on failure.
absl::Status OpenFiles(Job& job, unsigned nshards) {
  std::string name = "temp-" + std::to_string(getpid()) + ".rdb";
  if (job.aof != nullptr) {
    size_t slash = job.final_path.rfind('/');
    job.dir = job.final_path.substr(0, slash);
    name = "temp-" + job.final_path.substr(slash + 1);
  }
  job.tmp_path = job.dir + "/" + name;
  job.fd = ::open(job.tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (job.fd < 0) {
    std::string msg = std::string("Failed opening the temp RDB file ") + name +
                      " (in server root dir " + job.dir + ") for saving: " + std::strerror(errno);
    return absl::InternalError(msg);
  }
  for (unsigned i = 0; i < nshards; ++i) {
    std::string path = job.tmp_path + ".section" + std::to_string(i);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      return absl::InternalError(std::string("Failed opening a section file: ") +
                                 std::strerror(errno));
    ::unlink(path.c_str());
    job.section_fds.push_back(fd);
  }
  return absl::OkStatus();
}

// Header + sections + EOF + CRC into the temp file, then fsync, rename, fsync of the directory.
absl::Status Assemble(Job& job) {
  auto fail = [&job](const char* what) {
    return absl::InternalError(std::string(what) + ": " + std::strerror(errno) + " (" +
                               job.tmp_path + ")");
  };
  // An AOF base of commands is its sections alone; an RDB has its header and trailer.
  const bool resp = job.aof != nullptr && job.aof->resp;
  std::string header = resp ? std::string() : rdb::FileHeader(job.header);
  if (!WriteAll(job.fd, header.data(), header.size())) return fail("Write error saving DB on disk");
  uint64_t crc = Crc64(0, header);
  for (size_t i = 0; i < job.slices.size(); ++i) {
    const auto& s = job.slices[i];
    if (!AppendSection(s->fd(), job.fd, s->bytes(), job.incremental_fsync))
      return fail("Write error saving DB on disk");
    crc = Crc64Combine(crc, s->crc(), s->bytes());
  }
  std::string trailer = resp ? std::string() : rdb::FileTrailer(crc, job.checksum);
  if (!WriteAll(job.fd, trailer.data(), trailer.size()))
    return fail("Write error saving DB on disk");
  if (fsync(job.fd) != 0) return fail("Write error saving DB on disk (fsync)");
  ::close(job.fd);
  job.fd = -1;
  if (rename(job.tmp_path.c_str(), job.final_path.c_str()) != 0) {
    std::string msg = std::string("Error moving temp DB file ") + job.tmp_path +
                      " on the final destination " + job.final_path + ": " + std::strerror(errno);
    return absl::InternalError(msg);
  }
  int dfd = ::open(job.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

void LaunchFinisher(std::shared_ptr<Job> job) {
  State& st = S();
  std::lock_guard lk(st.mu);
  if (st.finisher.joinable()) st.finisher.join();
  st.finisher = std::thread([job] { Finish(job); });
}

void Finish(std::shared_ptr<Job> job) {
  State& st = S();
  absl::Status status = job->status;
  if (status.ok()) {
    for (const auto& s : job->slices) {
      if (!s->status().ok()) {
        status = s->status();
        break;
      }
    }
  }
  if (status.ok()) status = Assemble(*job);
  if (!status.ok()) {
    if (job->fd >= 0) {
      ::close(job->fd);
      job->fd = -1;
    }
    ::unlink(job->tmp_path.c_str());
  }
  int64_t now_ms = UnixMs();
  bool background = job->mode == SaveMode::kBackground;
  if (job->aof != nullptr) {
    // The AOF's bookkeeping is its own (server/aof.cc, in `done`).
  } else if (status.ok()) {
    st.lastsave.store(now_ms / 1000);
    st.dirty_saved.store(job->dirty_at_cut.load());
    st.last_bgsave_ok.store(true);
    spdlog::info(background ? "Background saving terminated with success" : "DB saved on disk");
  } else if (absl::IsCancelled(status)) {
    // Redis kills its child with SIGUSR1 and leaves the last status as it was.
    spdlog::warn("Background saving terminated by signal 10");
  } else {
    spdlog::warn("{}", std::string(status.message()));
    // A failed SAVE leaves the status as it was (Redis's rdbSave); a failed BGSAVE sets it.
    if (background) st.last_bgsave_ok.store(false);
    spdlog::warn(background ? "Background saving error" : "Error saving DB on disk");
  }
  if (background && job->aof == nullptr)
    st.last_bgsave_time_sec.store((now_ms - job->start_ms) / 1000);
  {
    std::lock_guard lk(st.mu);
    st.job.reset();
  }
  st.background.store(false);
  st.in_progress.store(false);
  if (job->done) {
    Shard* home = job->home;
    home->Post(false, [job, status](Shard&) { job->done(status, job->tx); });
  }
}

void RunJob(std::shared_ptr<Job> job, CutFn cut) {
  State& st = S();
  ShardSet& set = *Server().shards;
  job->home = Shard::Current();
  job->start_ms = UnixMs();
  job->dir = CurrentDir();
  {
    std::lock_guard lk(st.mu);
    job->final_path = job->aof != nullptr ? job->aof->path : job->dir + "/" + st.dbfilename;
    st.job = job;
  }
  job->compress = Server().config.rdbcompression.load() != 0;
  job->checksum = Server().config.rdbchecksum.load() != 0;
  job->incremental_fsync = Server().config.rdb_save_incremental_fsync.load() != 0;
  st.save_start_s.store(job->start_ms / 1000);
  st.last_try_s.store(job->start_ms / 1000);
  st.background.store(job->mode == SaveMode::kBackground && job->aof == nullptr);
  st.keys_total.store(0);
  if (job->aof == nullptr) st.saves.fetch_add(1);  // rdb_saves: saves started (stat_rdb_saves)
  job->status = OpenFiles(*job, set.size());
  if (!job->status.ok()) {
    // As a forked child failing to open its file: the command saw the save start.
    cut(absl::OkStatus());
    LaunchFinisher(job);
    return;
  }
  job->slices.resize(set.size());
  job->remaining.store(set.size());
  auto tx = Transaction::CreateOwn(AllShards());
  tx->Arm([tx, job, cut] {
    // Every shard is parked now: this is the instant the file shows.
    rdb::SnapshotOptions opts;
    opts.cut_ms = UnixMs();
    opts.compress = job->compress;
    opts.key_delay_us = Server().config.rdb_key_save_delay.load();
    opts.num_dbs = static_cast<unsigned>(Server().config.databases.load());
    opts.incremental_fsync = job->incremental_fsync;
    opts.resp = job->aof != nullptr && job->aof->resp;
    if (job->aof != nullptr && job->aof->at_cut) job->aof->at_cut();
    rdb::HeaderInfo& h = job->header;
    h.redis_ver = kRedisVersion;
    h.aof_base = job->aof != nullptr;
    h.ctime_s = opts.cut_ms / 1000;
    h.compress = job->compress;
    h.used_mem = Server().startup_memory;
    for (unsigned i = 0; i < Server().shards->size(); ++i)
      h.used_mem += Server().shards->shard(i)->db_slice().UsedBytes();
    for (const auto& lib : scripting::FunctionStore::Get().All()) h.functions.push_back(lib->code);
    bool stw = job->mode == SaveMode::kStopTheWorld;
    tx->Hop(
        [job, opts, stw](Shard& shard) {
          uint32_t id = shard.id();
          int fd = job->section_fds[id];
          job->section_fds[id] = -1;  // the snapshot owns it now
          auto slice = std::make_shared<rdb::SliceSnapshot>(
              &shard, fd, opts, [job, stw](rdb::SliceSnapshot*) {
                if (job->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1 && !stw)
                  LaunchFinisher(job);
              });
          job->slices[id] = slice;
          job->dirty_at_cut.fetch_add(shard.db_slice().dirty());
          S().keys_total.fetch_add(slice->keys_total());
          if (stw) {
            slice->RunToEnd();
          } else {
            slice->Start();
          }
        },
        /*conclude=*/!stw,
        [tx, job, cut, stw] {
          job->cut_done.store(true, std::memory_order_release);
          if (stw) {
            job->tx = tx;
            LaunchFinisher(job);
          }
          cut(absl::OkStatus());
        });
  });
}

// ---- Loading ----

struct LoadStats {
  std::atomic<uint64_t> loaded{0}, expired{0}, empty{0};
  std::mutex mu;
  absl::Status error;  // the first decoding error (with its offset)
  std::atomic<bool> failed{false};
  std::atomic<int> inflight{0};
  void Fail(absl::Status st) {
    std::lock_guard lk(mu);
    if (error.ok()) error = std::move(st);
    failed.store(true);
  }
};

// Decodes a batch of records on their shard's thread and adds them (Redis's dbAddRDBLoad: no
// signals, no events).
void LoadBatch(Shard& shard, std::vector<rdb::Record>& batch, LoadStats& stats, bool deep) {
  DbSlice& slice = shard.db_slice();
  int64_t now = UnixMs();
  bool lfu = IsLfu(static_cast<EvictPolicy>(ShardSettings::Get(ShardSettings::maxmemory_policy)));
  slice.SetNow(now);
  rdb::DecodeOptions opts;
  opts.deep = deep;
  for (rdb::Record& rec : batch) {
    if (stats.failed.load(std::memory_order_relaxed)) return;
    rdb::Reader r(rec.body);
    auto v = rdb::DecodeValue(r, rec.type, opts);
    if (!v.ok()) {
      stats.Fail(absl::Status(v.status().code(), std::string(v.status().message()) +
                                                     " (key at offset " +
                                                     std::to_string(rec.offset) + ")"));
      return;
    }
    if (v->empty) {
      rdb::FreeDecoded(*v);
      stats.empty.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (rec.expire_ms != -1 && rec.expire_ms < now) {
      rdb::FreeDecoded(*v);
      stats.expired.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    // objectSetLRUOrLFU with the record's FREQ / IDLE (neither: the key is new now).
    uint32_t access =
        AccessFieldFor(slice.access_stamp(), lfu, rec.freq, rec.idle_s, LruClockFromMs(now), now);
    Entry* e =
        rdb::MakeEntry(rec.key, *std::move(v), rec.expire_ms == -1 ? 0 : rec.expire_ms, access);
    if (!slice.AddLoaded(rec.db, e)) {
      Entry::Free(e);
      stats.Fail(absl::DataLossError("Duplicated key found in RDB file (key at offset " +
                                     std::to_string(rec.offset) + ")"));
      return;
    }
    stats.loaded.fetch_add(1, std::memory_order_relaxed);
  }
}

// Loads `path` into the (running, empty) shards: this thread parses, each shard decodes its own
// keys. `held`: the shards are parked by a transaction (DEBUG RELOAD): batches are
// non-deferrable messages either way.
absl::Status LoadFile(const std::string& path, bool* missing, size_t* rdb_bytes = nullptr) {
  State& st = S();
  *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return absl::OkStatus();
    }
    return absl::InternalError(std::string("Fatal error loading the DB: ") + std::strerror(errno));
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    ::close(fd);
    return absl::InternalError(std::string("Fatal error loading the DB: ") + std::strerror(errno));
  }
  size_t size = static_cast<size_t>(sb.st_size);
  const char* data = nullptr;
  if (size > 0) {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return absl::InternalError(std::string("Fatal error loading the DB: ") +
                                 std::strerror(errno));
    }
    madvise(p, size, MADV_SEQUENTIAL);
    data = static_cast<const char*>(p);
  }
  ::close(fd);
  st.loading_total_bytes.store(size);
  st.loading_loaded_bytes.store(0);
  st.load_keys_loaded.store(0);
  st.load_keys_expired.store(0);

  ShardSet& set = *Server().shards;
  auto stats = std::make_shared<LoadStats>();
  bool deep = Server().config.sanitize_dump_payload.load() == Config::kSanitizeYes;
  constexpr size_t kBatchKeys = 256, kBatchBytes = 1 << 20;
  constexpr int kMaxInflight = 64;
  std::vector<std::vector<rdb::Record>> batches(set.size());
  std::vector<size_t> batch_bytes(set.size(), 0);
  auto send = [&](uint32_t s) {
    if (batches[s].empty()) return;
    while (stats->inflight.load() >= kMaxInflight && !stats->failed.load() &&
           !st.abort_loading.load())
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (st.abort_loading.load()) return;
    stats->inflight.fetch_add(1);
    auto batch = std::make_shared<std::vector<rdb::Record>>(std::move(batches[s]));
    batches[s].clear();
    batch_bytes[s] = 0;
    set.shard(s)->Post(false, [batch, stats, deep](Shard& shard) {
      LoadBatch(shard, *batch, *stats, deep);
      stats->inflight.fetch_sub(1);
    });
  };
  rdb::ParseOptions popts;
  popts.num_dbs = static_cast<unsigned>(Server().config.databases.load());
  popts.verify_checksum = Server().config.rdbchecksum.load() != 0 &&
                          ShardSettings::Get(ShardSettings::skip_checksum_validation) == 0;
  rdb::ParseHandlers h;
  int64_t last_log = MonotonicUs();
  const int64_t key_delay = Server().config.key_load_delay.load();
  h.record = [&](rdb::Record&& rec) {
    if (stats->failed.load(std::memory_order_relaxed)) return stats->error;
    if (st.abort_loading.load(std::memory_order_relaxed))
      return absl::CancelledError("the server is stopping");
    // key-load-delay (a test knob, Redis's debugDelay per key): on this thread, so the shards
    // keep answering -LOADING meanwhile.
    if (key_delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(key_delay));
    uint32_t s = set.ShardOf(rec.key);
    batch_bytes[s] += rec.body.size() + rec.key.size();
    st.loading_loaded_bytes.store(static_cast<uint64_t>(rec.body.data() - data) + rec.body.size());
    batches[s].push_back(std::move(rec));
    if (batches[s].size() >= kBatchKeys || batch_bytes[s] >= kBatchBytes) send(s);
    if (MonotonicUs() - last_log > 2000000) {
      last_log = MonotonicUs();
      spdlog::info("Loading RDB: {:.1f}% done",
                   100.0 * st.loading_loaded_bytes.load() / std::max<size_t>(size, 1));
    }
    return absl::OkStatus();
  };
  h.aux = [&](std::string_view key, std::string_view value) {
    if (key == "redis-ver") {
      spdlog::info("Loading RDB produced by version {}", value);
    } else if (key == "ctime") {
      int64_t t;
      if (ParseInt64(value, &t)) {
        int64_t age = UnixMs() / 1000 - t;
        spdlog::info("RDB age {} seconds", age < 0 ? 0 : age);
      }
    } else if (key == "used-mem") {
      int64_t m;
      if (ParseInt64(value, &m)) {
        st.loading_rdb_used_mem.store(static_cast<uint64_t>(m));
        spdlog::info("RDB memory usage when created {:.2f} Mb", m / (1024.0 * 1024.0));
      }
    }
    return absl::OkStatus();
  };
  h.function = [](std::string code) -> absl::Status {
    if (auto err = LoadFunctionLibrary(code))
      return absl::FailedPreconditionError("Failed loading library: " + *err);
    return absl::OkStatus();
  };
  auto sum = rdb::ParseFile(std::string_view(data, size), popts, h);
  if (sum.ok()) {
    for (uint32_t s = 0; s < set.size(); ++s) send(s);
  }
  while (stats->inflight.load() > 0 && !st.abort_loading.load())
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  if (data != nullptr) munmap(const_cast<char*>(data), size);
  if (!sum.ok()) return sum.status();
  if (stats->failed.load()) return stats->error;
  if (rdb_bytes != nullptr) *rdb_bytes = sum->bytes;
  if (!sum->checksum_present && sum->version >= 5)
    spdlog::warn("RDB file was saved with checksum disabled: no check performed.");
  st.load_keys_loaded.store(stats->loaded.load());
  st.load_keys_expired.store(stats->expired.load());
  st.loading_loaded_bytes.store(size);
  if (stats->empty.load() > 0) {
    spdlog::warn("Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
                 stats->loaded.load(), stats->expired.load(), stats->empty.load());
  } else {
    spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", stats->loaded.load(),
                 stats->expired.load());
  }
  return absl::OkStatus();
}

std::string DumpPath() {
  std::lock_guard lk(S().mu);
  return S().dbfilename;
}

// The gate's fast path: one relaxed load per command when neither loading nor refusing writes.
std::atomic<bool> g_gate{false};

}  // namespace

void UpdateGate() {
  State& st = S();
  bool refuse_writes = (Server().config.stop_writes_on_bgsave_error.load() != 0 &&
                        !st.last_bgsave_ok.load() && HasSaveRules()) ||
                       aof::WriteRefusal() != nullptr;
  g_gate.store(st.loading.load() || refuse_writes);
}

// ---- Public ----

void StartSave(SaveMode mode, CutFn cut, DoneFn done, std::shared_ptr<AofBase> aof) {
  State& st = S();
  if (st.in_progress.exchange(true)) {
    cut(absl::FailedPreconditionError("ERR Background save already in progress"));
    return;
  }
  auto job = std::make_shared<Job>();
  job->mode = mode;
  job->aof = std::move(aof);
  job->done = [done](absl::Status s, std::shared_ptr<Transaction> tx) {
    UpdateGate();
    if (done) done(std::move(s), std::move(tx));
  };
  if (mode == SaveMode::kBackground && job->aof == nullptr)
    spdlog::info("Background saving started");
  RunJob(std::move(job), std::move(cut));
}

bool SaveInProgress() { return S().in_progress.load(); }

bool AofRewriteRunning() {
  std::lock_guard lk(S().mu);
  return S().job != nullptr && S().job->aof != nullptr;
}

void ScheduleBgsave() { S().scheduled.store(true); }

bool HasSaveRules() {
  std::lock_guard lk(S().mu);
  return !S().rules.empty();
}

namespace {

absl::Status SaveForShutdownOnce() {
  auto result = std::make_shared<std::promise<absl::Status>>();
  auto future = result->get_future();
  Server().shards->shard(0)->Post(false, [result](Shard&) {
    StartSave(
        SaveMode::kStopTheWorld,
        [result](absl::Status st) {
          if (!st.ok()) result->set_value(st);
        },
        [result](absl::Status st, std::shared_ptr<Transaction> tx) {
          if (st.ok()) {
            // The shards stay parked until the process stops them: nothing after the cut runs.
            HoldUntilExit(std::move(tx));
          } else if (tx) {
            tx->Hop([](Shard&) {}, /*conclude=*/true, [] {});
          }
          result->set_value(st);
        });
  });
  return future.get();
}

}  // namespace

absl::Status SaveForShutdown() {
  // A running background save is superseded (Redis kills its child): the final state is saved.
  // The cron may start another between the two: cancel that one too.
  for (int attempt = 0;; ++attempt) {
    CancelSave();
    absl::Status st = SaveForShutdownOnce();
    if (!absl::IsFailedPrecondition(st) || attempt == 10) return st;
  }
}

bool Loading() { return S().loading.load(std::memory_order_relaxed); }

absl::Status LoadRdbFile(const std::string& path, size_t* rdb_bytes) {
  bool missing = false;
  absl::Status s = LoadFile(path, &missing, rdb_bytes);
  if (s.ok() && missing)
    return absl::NotFoundError("Fatal error: can't open the RDB file " + path + " for reading");
  return s;
}

void SetLoadingProgress(uint64_t total, uint64_t loaded) {
  S().loading_total_bytes.store(total);
  S().loading_loaded_bytes.store(loaded);
}

void StartLoading(std::function<void(absl::Status)> done) {
  State& st = S();
  if (aof::On()) {
    // Redis's loadDataFromDisk: with appendonly yes the AOF is the dataset, whatever dump.rdb
    // holds.
    st.loading.store(true);
    st.loading_start_s.store(UnixMs() / 1000);
    UpdateGate();
    st.loader = std::thread([done] {
      absl::Status s = aof::LoadAtStart();
      if (S().abort_loading.load()) return;
      if (!s.ok()) return done(s);
      S().dirty_saved.store(TotalDirty());
      aof::StartAfterLoad();
      S().loading.store(false);
      UpdateGate();
      done(s);
    });
    return;
  }
  aof::ReadManifestAtStart();
  std::string path = DumpPath();
  if (access(path.c_str(), F_OK) != 0) {
    done(absl::OkStatus());
    return;
  }
  st.loading.store(true);
  st.loading_start_s.store(UnixMs() / 1000);
  UpdateGate();
  st.loader = std::thread([path, done] {
    int64_t t0 = MonotonicUs();
    bool missing = false;
    absl::Status s = LoadFile(path, &missing);
    if (s.ok() && !missing)
      spdlog::info("DB loaded from disk: {:.3f} seconds", (MonotonicUs() - t0) / 1e6);
    if (S().abort_loading.load()) return;
    if (!s.ok()) return done(s);  // stops the server: clients keep getting -LOADING until then
    // What the dataset is now is what the file holds: no change since the last save.
    S().dirty_saved.store(TotalDirty());
    S().lastsave.store(UnixMs() / 1000);
    S().loading.store(false);
    UpdateGate();
    done(s);
  });
}

void Stop() {
  State& st = S();
  st.abort_loading.store(true);
  if (st.loader.joinable()) st.loader.join();
  std::thread finisher;
  {
    std::lock_guard lk(st.mu);
    finisher = std::move(st.finisher);
  }
  if (finisher.joinable()) finisher.join();
}

void DebugReload(CommandContext& ctx, bool save) {
  CommandContext* c = &ctx;
  auto reply_error = [c](std::string msg) {
    c->rb->Error(msg);
    c->Done();
  };
  auto reload = [c, reply_error](std::shared_ptr<Transaction> tx) {
    // Every shard is held by tx: empty them, load the file, let go.
    tx->Hop([](Shard& s) { s.db_slice().FlushAll(); }, /*conclude=*/false,
            [tx, c, reply_error] {
              Shard* home = Shard::Current();
              // Redis's emptyData drops the function libraries with the keys.
              scripting::FunctionStore::Get().Flush();
              S().loading.store(true);
              if (S().loader.joinable()) S().loader.join();
              S().loader = std::thread([tx, c, home, reply_error] {
                bool missing = false;
                absl::Status s = LoadFile(DumpPath(), &missing);
                S().dirty_saved.store(TotalDirty());
                S().loading.store(false);
                home->Post(false, [tx, c, s, missing, reply_error](Shard&) {
                  tx->Hop([](Shard&) {}, /*conclude=*/true,
                          [c, s, missing, reply_error] {
                            if (!s.ok() || missing) {
                              spdlog::warn(
                                  "Error trying to load the RDB dump: {}",
                                  missing ? std::string("no such file") : std::string(s.message()));
                              return reply_error(
                                  "ERR Error trying to load the RDB dump, check server "
                                  "logs.");
                            }
                            c->rb->Ok();
                            c->Done();
                          });
                });
              });
            });
  };
  if (!save) {
    auto tx = Transaction::CreateOwn(AllShards());
    tx->Arm([tx, reload] { reload(tx); });
    return;
  }
  StartSave(
      SaveMode::kStopTheWorld,
      [reply_error](absl::Status st) {
        if (!st.ok()) reply_error(std::string(st.message()));
      },
      [reload, reply_error](absl::Status st, std::shared_ptr<Transaction> tx) {
        if (!st.ok()) {
          if (tx) tx->Hop([](Shard&) {}, /*conclude=*/true, [] {});
          return reply_error("ERR Error trying to save the DB, check server logs.");
        }
        reload(std::move(tx));
      });
}

bool Gated() { return g_gate.load(std::memory_order_relaxed); }

void CancelSave(bool include_aof) {
  State& st = S();
  std::shared_ptr<Job> job;
  {
    std::lock_guard lk(st.mu);
    job = st.job;
  }
  if (job != nullptr && job->aof != nullptr && !include_aof) return;
  if (job != nullptr && job->mode == SaveMode::kBackground) {
    while (!job->cut_done.load(std::memory_order_acquire) && st.in_progress.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (job->cut_done.load(std::memory_order_acquire)) {
      for (const auto& sl : job->slices) {
        if (sl == nullptr) continue;
        sl->shard()->Post(false, [sl](Shard&) { sl->Cancel(); });
      }
    }
  }
  while (st.in_progress.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void CancelSaveAsync(std::function<void()> then) {
  if (!S().in_progress.load() || AofRewriteRunning()) return then();
  Shard* home = Shard::Current();
  std::thread([home, then] {
    CancelSave(/*include_aof=*/false);
    home->Post(false, [then](Shard&) { then(); });
  }).detach();
}

void HoldUntilExit(std::shared_ptr<Transaction> tx) {
  static auto* held = new std::vector<std::shared_ptr<Transaction>>;
  static std::mutex mu;
  std::lock_guard lk(mu);
  if (tx) held->push_back(std::move(tx));
}

const char* WriteRefusal() {
  if (!g_gate.load(std::memory_order_relaxed)) return nullptr;
  if (const char* aof_error = aof::WriteRefusal()) return aof_error;
  State& st = S();
  if (Server().config.stop_writes_on_bgsave_error.load() != 0 && !st.last_bgsave_ok.load() &&
      HasSaveRules())
    return kMisconf;
  return nullptr;
}

const char* LoadingRefusal() {
  if (!g_gate.load(std::memory_order_relaxed)) return nullptr;
  return S().loading.load() ? "LOADING Redis is loading the dataset in memory" : nullptr;
}

int64_t LastSaveTime() { return S().lastsave.load(); }

namespace {

// One cron pass (shard 0, every 100 ms): the gate, a scheduled BGSAVE, the save rules.
void CronTick() {
  State& st = S();
  UpdateGate();
  if (st.in_progress.load() || st.loading.load()) return;
  int64_t now = UnixMs() / 1000;
  bool start = st.scheduled.exchange(false);
  if (!start) {
    uint64_t changes = TotalDirty() - st.dirty_saved.load();
    std::vector<SaveRule> rules;
    {
      std::lock_guard lk(st.mu);
      rules = st.rules;
    }
    for (const SaveRule& r : rules) {
      // serverCron: enough changes, enough time, and no retry within 5 s of a failure.
      if (static_cast<int64_t>(changes) >= r.changes && now - st.lastsave.load() > r.seconds &&
          (st.last_bgsave_ok.load() || now - st.last_try_s.load() > kBgsaveRetryDelayS)) {
        spdlog::info("{} changes in {} seconds. Saving...", r.changes, r.seconds);
        start = true;
        break;
      }
    }
  }
  if (start)
    StartSave(
        SaveMode::kBackground, [](absl::Status) {}, nullptr);
  aof::CronTick();
}

void ArmCron(boost::asio::steady_timer* timer) {
  timer->expires_after(std::chrono::milliseconds(100));
  timer->async_wait([timer](const boost::system::error_code& ec) {
    if (ec) return;
    CronTick();
    ArmCron(timer);
  });
}

}  // namespace

void StartCron(Shard* shard) {
  State& st = S();
  if (st.lastsave.load() == 0) st.lastsave.store(UnixMs() / 1000);
  // Lives as long as the shard's thread (destroyed when its loop has ended), as the idle sweep's.
  thread_local std::unique_ptr<boost::asio::steady_timer> timer;
  timer = std::make_unique<boost::asio::steady_timer>(shard->io());
  ArmCron(timer.get());
}

void AppendInfo(std::string& s) {
  State& st = S();
  bool loading = st.loading.load();
  bool bg = st.in_progress.load() && st.background.load();
  int64_t now = UnixMs() / 1000;
  uint64_t processed = 0, total = 0;
  {
    std::lock_guard lk(st.mu);
    if (st.job && st.job->cut_done.load(std::memory_order_acquire)) {
      total = st.keys_total.load();
      for (const auto& sl : st.job->slices)
        if (sl) processed += sl->keys_done();
    }
  }
  double perc = total > 0 ? 100.0 * static_cast<double>(processed) / static_cast<double>(total) : 0;
  uint64_t dirty = TotalDirty(), saved = st.dirty_saved.load();
  char buf[2048];
  snprintf(buf, sizeof(buf),
           "# Persistence\r\n"
           "loading:%d\r\n"
           "async_loading:0\r\n"
           "current_cow_peak:0\r\n"
           "current_cow_size:0\r\n"
           "current_cow_size_age:0\r\n"
           "current_fork_perc:%.2f\r\n"
           "current_save_keys_processed:%llu\r\n"
           "current_save_keys_total:%llu\r\n"
           "rdb_changes_since_last_save:%llu\r\n"
           "rdb_bgsave_in_progress:%d\r\n"
           "rdb_last_save_time:%lld\r\n"
           "rdb_last_bgsave_status:%s\r\n"
           "rdb_last_bgsave_time_sec:%lld\r\n"
           "rdb_current_bgsave_time_sec:%lld\r\n"
           "rdb_saves:%llu\r\n"
           "rdb_last_cow_size:0\r\n"
           "rdb_last_load_keys_expired:%llu\r\n"
           "rdb_last_load_keys_loaded:%llu\r\n",
           loading ? 1 : 0, perc, static_cast<unsigned long long>(processed),
           static_cast<unsigned long long>(total),
           static_cast<unsigned long long>(dirty >= saved ? dirty - saved : 0), bg ? 1 : 0,
           static_cast<long long>(st.lastsave.load()), st.last_bgsave_ok.load() ? "ok" : "err",
           static_cast<long long>(st.last_bgsave_time_sec.load()),
           static_cast<long long>(bg ? now - st.save_start_s.load() : -1),
           static_cast<unsigned long long>(st.saves.load()),
           static_cast<unsigned long long>(st.load_keys_expired.load()),
           static_cast<unsigned long long>(st.load_keys_loaded.load()));
  s += buf;
  aof::AppendInfo(s, /*part=*/1);
  s += "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0";
  aof::AppendInfo(s, /*part=*/2);
  if (loading) {
    uint64_t total_bytes = st.loading_total_bytes.load(), loaded = st.loading_loaded_bytes.load();
    double lperc = total_bytes ? 100.0 * static_cast<double>(loaded) / total_bytes : 0;
    int64_t elapsed = now - st.loading_start_s.load();
    int64_t eta =
        elapsed == 0 ? 1 : static_cast<int64_t>(elapsed * (total_bytes - loaded) / (loaded + 1));
    snprintf(buf, sizeof(buf),
             "\r\nloading_start_time:%lld\r\n"
             "loading_total_bytes:%llu\r\n"
             "loading_rdb_used_mem:%llu\r\n"
             "loading_loaded_bytes:%llu\r\n"
             "loading_loaded_perc:%.2f\r\n"
             "loading_eta_seconds:%lld",
             static_cast<long long>(st.loading_start_s.load()),
             static_cast<unsigned long long>(total_bytes),
             static_cast<unsigned long long>(st.loading_rdb_used_mem.load()),
             static_cast<unsigned long long>(loaded), lperc, static_cast<long long>(eta));
    s += buf;
  }
}

// ---- Configs ----

std::string GetSave() {
  std::lock_guard lk(S().mu);
  std::string out;
  for (const SaveRule& r : S().rules) {
    if (!out.empty()) out += ' ';
    out += std::to_string(r.seconds) + " " + std::to_string(r.changes);
  }
  return out;
}

namespace {
bool ParseRules(std::string_view v, std::vector<SaveRule>* out) {
  std::vector<std::string_view> parts;
  for (size_t pos = 0; pos < v.size();) {
    size_t sp = v.find(' ', pos);
    if (sp == std::string_view::npos) sp = v.size();
    if (sp > pos) parts.push_back(v.substr(pos, sp - pos));
    pos = sp + 1;
  }
  if (parts.size() % 2 != 0) return false;
  for (size_t i = 0; i < parts.size(); i += 2) {
    int64_t sec, ch;
    if (!ParseInt64(parts[i], &sec) || !ParseInt64(parts[i + 1], &ch) || sec < 1 || ch < 0)
      return false;
    out->push_back({sec, ch});
  }
  return true;
}
}  // namespace

std::string CheckSave(std::string_view v) {
  std::vector<SaveRule> rules;
  return ParseRules(v, &rules) ? "" : "Invalid save parameters";
}

void ApplySave(std::string_view v, bool startup) {
  std::vector<SaveRule> rules;
  ParseRules(v, &rules);
  State& st = S();
  {
    std::lock_guard lk(st.mu);
    // At startup the first `save` directive replaces the defaults and later ones add to it
    // (Redis's config file); "" clears; CONFIG SET replaces.
    if (startup && st.rules_from_startup && !rules.empty()) {
      st.rules.insert(st.rules.end(), rules.begin(), rules.end());
    } else {
      st.rules = std::move(rules);
    }
    if (startup) st.rules_from_startup = true;
  }
  UpdateGate();
}

std::string GetDir() { return CurrentDir(); }

std::string CheckDir(std::string_view v) {
  struct stat sb;
  if (stat(std::string(v).c_str(), &sb) != 0) return std::strerror(errno);
  if (!S_ISDIR(sb.st_mode)) return std::strerror(ENOTDIR);
  return "";
}

void ApplyDir(std::string_view v, bool) {
  if (chdir(std::string(v).c_str()) != 0)
    spdlog::warn("Can't chdir to '{}': {}", v, std::strerror(errno));
}

std::string GetDbFilename() {
  std::lock_guard lk(S().mu);
  return S().dbfilename;
}

std::string CheckDbFilename(std::string_view v) {
  if (v.find('/') != std::string_view::npos) return "dbfilename can't be a path, just a filename";
  return "";
}

void ApplyDbFilename(std::string_view v, bool) {
  std::lock_guard lk(S().mu);
  S().dbfilename = std::string(v);
}

}  // namespace shoal::persistence
