#include "persistence/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "persistence/aof_rewrite.h"
#include "persistence/crc64.h"
#include "persistence/rdb_file.h"
#include "shard/access.h"
#include "shard/clock.h"
#include "shard/settings.h"
#include "shard/shard.h"

namespace shoal::rdb {
namespace {

// Epochs of the DashTable marks: one per snapshot, process-wide, never 0.
std::atomic<uint32_t> g_epoch{0};

constexpr auto kStepBudget = std::chrono::microseconds(200);

}  // namespace

// The section file behind a buffer: Flush writes the buffer out and folds it into the CRC. The
// first write error is kept; later flushes drop their bytes.
class SliceSnapshot::Section : public Sink {
 public:
  Section(int fd, bool writeback) : Sink(kSectionBuffer), fd_(fd), writeback_(writeback) {}
  void Flush() override {
    if (buf_.empty()) return;
    Write(buf_);
    buf_.clear();
  }
  void WriteLarge(std::string_view bytes) override {
    Flush();
    Write(bytes);
  }
  int err() const { return err_; }
  uint64_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }
  void Release() { std::string().swap(buf_); }

 private:
  void Write(std::string_view bytes) {
    if (err_ == 0) {
      const char* p = bytes.data();
      size_t left = bytes.size();
      while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          err_ = n < 0 ? errno : EIO;
          break;
        }
        p += n;
        left -= static_cast<size_t>(n);
      }
    }
    crc_ = Crc64(crc_, bytes);
    bytes_ += bytes.size();
    if (writeback_ && err_ == 0 && bytes_ - synced_ >= kWritebackBytes) {
      // Starts the write-out without waiting for it (the shard thread does not block on disk).
      sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(bytes_ - synced_),
                      SYNC_FILE_RANGE_WRITE);
      synced_ = bytes_;
    }
  }

  int fd_;
  bool writeback_;
  int err_ = 0;
  uint64_t crc_ = 0;
  uint64_t bytes_ = 0;
  uint64_t synced_ = 0;  // bytes whose write-out was started
};

SliceSnapshot::SliceSnapshot(Shard* shard, int fd, const SnapshotOptions& opts, Done done)
    : shard_(shard),
      fd_(fd),
      opts_(opts),
      done_(std::move(done)),
      out_(std::make_unique<Section>(fd, opts.incremental_fsync)) {}

SliceSnapshot::~SliceSnapshot() {
  if (fd_ >= 0) ::close(fd_);
}

void SliceSnapshot::Capture() {
  DbSlice& slice = shard_->db_slice();
  epoch_ = g_epoch.fetch_add(1, std::memory_order_relaxed) + 1;
  if (epoch_ == 0) epoch_ = g_epoch.fetch_add(1, std::memory_order_relaxed) + 1;
  auto policy = static_cast<EvictPolicy>(ShardSettings::Get(ShardSettings::maxmemory_policy));
  lru_mode_ = IsLfu(policy)                                                                 ? 2
              : (policy == EvictPolicy::kAllKeysLru || policy == EvictPolicy::kVolatileLru) ? 1
                                                                                            : 0;
  lfu_decay_ = ShardSettings::Get(ShardSettings::lfu_decay_time);
  unsigned n = std::min(opts_.num_dbs, slice.num_dbs());
  dbs_.resize(n);
  for (unsigned db = 0; db < n; ++db) {
    dbs_[db].table = &slice.table(db);
    dbs_[db].size = slice.DbSize(db);
    dbs_[db].expires = slice.ExpiresCount(db);
    keys_total_ += dbs_[db].size;
  }
}

void SliceSnapshot::Start() {
  Capture();
  shard_->db_slice().SetChangeListener(this);
  registered_ = true;
  auto self = shared_from_this();
  boost::asio::post(shard_->io(), [self] { self->Step(); });
}

void SliceSnapshot::RunToEnd() {
  Capture();
  for (unsigned db = 0; db < dbs_.size(); ++db) {
    Db& d = dbs_[db];
    if (d.table == nullptr) continue;
    do {
      DashTable::Group g;
      d.cursor = d.table->TraverseGroups(d.cursor, &g);
      SerializeGroup(db, *d.table, g);
    } while (d.cursor != 0);
  }
  Finish(absl::OkStatus());
}

void SliceSnapshot::Cancel() {
  if (!finished_) Finish(absl::CancelledError("the save was cancelled"));
}

void SliceSnapshot::Step() {
  if (finished_) return;
  auto self = shared_from_this();
  // A script on another thread holds this shard's data: its writes run the hook there; the
  // traversal waits until the data comes back.
  if (shard_->lent()) {
    auto timer = std::make_shared<boost::asio::steady_timer>(shard_->io());
    timer->expires_after(std::chrono::milliseconds(1));
    timer->async_wait([self, timer](const boost::system::error_code&) { self->Step(); });
    return;
  }
  auto start = std::chrono::steady_clock::now();
  unsigned groups = 0;
  while (db_ < dbs_.size()) {
    Db& d = dbs_[db_];
    if (d.table == nullptr) {
      ++db_;
      continue;
    }
    DashTable::Group g;
    d.cursor = d.table->TraverseGroups(d.cursor, &g);
    size_t wrote = SerializeGroup(db_, *d.table, g);
    if (d.cursor == 0) {
      d.table = nullptr;
      if (d.owned) shard_->db_slice().DropTable(std::move(d.owned));
      ++db_;
    }
    if (out_->err() != 0) break;
    if (opts_.key_delay_us > 0 && wrote > 0) {
      // rdb-key-save-delay: the keys just written owe their pause before the next step.
      auto timer = std::make_shared<boost::asio::steady_timer>(shard_->io());
      timer->expires_after(std::chrono::microseconds(opts_.key_delay_us * wrote));
      timer->async_wait([self, timer](const boost::system::error_code&) { self->Step(); });
      return;
    }
    if ((++groups & 15) == 0 && std::chrono::steady_clock::now() - start >= kStepBudget) {
      boost::asio::post(shard_->io(), [self] { self->Step(); });
      return;
    }
  }
  Finish(absl::OkStatus());
}

size_t SliceSnapshot::SerializeGroup(unsigned db, DashTable& t, DashTable::Group g) {
  if (DashTable::Marked(g, epoch_)) return 0;
  DashTable::Mark(g, epoch_);
  size_t before = keys_;
  t.VisitGroup(g, [this, db](const Entry* e) { WriteEntry(db, e); });
  out_->Check();
  size_t wrote = keys_ - before;
  keys_done_.store(keys_, std::memory_order_relaxed);
  return wrote;
}

void SliceSnapshot::WriteEntry(unsigned db, const Entry* e) {
  int64_t expire = e->expire_ms();
  if (expire != 0 && expire <= opts_.cut_ms) return;  // gone at the cut
  std::string& b = out_->buf();
  Db& d = dbs_[db];
  if (opts_.resp) {
    // An AOF base of commands (aof-use-rdb-preamble no): SELECT, then the key's commands.
    if (selected_ != static_cast<int>(db)) {
      AppendSelect(db, &b);
      selected_ = static_cast<int>(db);
    }
    EncodeCommands(e, expire, *out_);
    ++keys_;
    return;
  }
  if (selected_ != static_cast<int>(db) || !d.started) {
    b.push_back(static_cast<char>(kOpcodeSelectDb));
    AppendLen(db, &b);
    selected_ = static_cast<int>(db);
    if (!d.started) {
      b.push_back(static_cast<char>(kOpcodeResizeDb));
      AppendLen(d.size, &b);
      AppendLen(d.expires, &b);
      d.started = true;
    }
  }
  if (expire != 0) {
    b.push_back(static_cast<char>(kOpcodeExpireTimeMs));
    AppendInt64Le(expire, &b);
  }
  if (lru_mode_ == 1) {
    // estimateObjectIdleTime in seconds, against the clock of this moment (Redis's child reads
    // LRU_CLOCK() as it writes the key, too).
    b.push_back(static_cast<char>(kOpcodeIdle));
    AppendLen(LruIdleMs(e->lru(), LruClockFromMs(UnixMs())) / 1000, &b);
  } else if (lru_mode_ == 2) {
    b.push_back(static_cast<char>(kOpcodeFreq));
    b.push_back(static_cast<char>(LfuDecayed(e->lru(), UnixMs(), lfu_decay_)));
  }
  b.push_back(static_cast<char>(ValueType(e)));
  AppendString(e->key(), opts_.compress, &b);
  EncodeValue(e, opts_.compress, *out_);
  ++keys_;
}

void SliceSnapshot::BeforeChange(DashTable& table, uint64_t hash) {
  for (unsigned db = 0; db < dbs_.size(); ++db) {
    if (dbs_[db].table == &table) {
      SerializeGroup(db, table, table.GroupOf(hash));
      return;
    }
  }
}

bool SliceSnapshot::TakeTable(std::unique_ptr<DashTable>& table) {
  for (Db& d : dbs_) {
    if (d.table == table.get()) {
      d.owned = std::move(table);
      return true;
    }
  }
  return false;
}

void SliceSnapshot::Finish(absl::Status st) {
  if (finished_) return;
  finished_ = true;
  if (registered_) {
    shard_->db_slice().SetChangeListener(nullptr);
    registered_ = false;
  }
  for (Db& d : dbs_) {
    d.table = nullptr;
    if (d.owned) shard_->db_slice().DropTable(std::move(d.owned));
  }
  out_->Flush();
  if (st.ok() && out_->err() != 0)
    st = absl::InternalError(std::string("write error: ") + std::strerror(out_->err()));
  status_ = std::move(st);
  crc_ = out_->crc();
  bytes_ = out_->bytes();
  out_->Release();
  keys_done_.store(keys_, std::memory_order_relaxed);
  Done done = std::move(done_);
  if (done) done(this);
}

}  // namespace shoal::rdb
