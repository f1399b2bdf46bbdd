// SliceSnapshot: one shard's part of an RDB snapshot, without fork().
//
// At the cut (an armed transaction over every shard, server/persistence.cc) each shard starts its
// SliceSnapshot: it records the key tables as they are at that instant and becomes the slice's
// ChangeListener. From then on two things serialize the partition's groups (DashTable::Group:
// the entries of one segment sharing a home bucket), each exactly once:
//  - the traversal, a step at a time on the shard thread between client work (about 200 us per
//    step, or one group per rdb-key-save-delay tick), over every group of every db;
//  - the hook: before any change to a key (DbSlice::PreChange / Modified / PreWrite), the key's
//    group is serialized first if it is not yet, so the old value goes to the file.
// A group is marked (DashTable::Mark, one epoch per snapshot) when serialized; marks survive
// segment splits, so nothing is written twice or skipped while the table grows. A key that is
// expired at the cut's clock is left out; anything added after the cut lands in a group that the
// add's hook serialized (and marked) first, so it is never written. FLUSHDB/FLUSHALL during the
// snapshot hand the old table to the snapshot (TakeTable), which walks it to the end and frees it.
//
// Output: RDB records (SELECTDB + RESIZEDB the first time a db is written, then per key
// [EXPIRETIME_MS] [IDLE|FREQ] type key value) into this shard's own section file, through a
// buffer of kSectionBuffer bytes (a big value is flushed element by element, rdb_value.h Sink).
// The job concatenates the sections after the header and folds their CRCs (rdb_file.h).
//
// Threading: created on any thread; Start, steps, the hook and Finish run on the shard's thread
// (or, while a script holds the shard's data lent, the hook runs on the script's thread and the
// steps wait). `done` is called once, on the shard thread, when the section is complete (or
// failed, or cancelled).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "persistence/rdb_value.h"
#include "shard/db_slice.h"

namespace shoal {
class Shard;
}

namespace shoal::rdb {

struct SnapshotOptions {
  bool compress = true;      // rdbcompression
  int64_t cut_ms = 0;        // the clock of the cut: keys expired at it are left out
  int64_t key_delay_us = 0;  // rdb-key-save-delay (test knob): a pause per key traversed
  // rdb-save-incremental-fsync: start writing the section to disk every kWritebackBytes, so its
  // dirty pages never pile up in the page cache.
  bool incremental_fsync = true;
  unsigned num_dbs = 16;
  // The section holds RESP commands (an AOF base without the RDB preamble) instead of records.
  bool resp = false;
};

class SliceSnapshot : public ChangeListener, public std::enable_shared_from_this<SliceSnapshot> {
 public:
  static constexpr size_t kSectionBuffer = 256 * 1024;
  static constexpr uint64_t kWritebackBytes = 32 << 20;
  using Done = std::function<void(SliceSnapshot*)>;

  // fd: the section file, owned (closed) by the snapshot.
  SliceSnapshot(Shard* shard, int fd, const SnapshotOptions& opts, Done done);
  ~SliceSnapshot() override;

  // In the cut's hop (shard thread, shard parked): records the tables and db sizes, registers as
  // the slice's listener and schedules the traversal.
  void Start();
  // The stop-the-world form (shutdown, DEBUG RELOAD): serializes the whole partition now, without
  // registering; calls `done` before returning.
  void RunToEnd();
  // Shard thread: stops early (FLUSHALL of a cancelled job); `done` is called with an error.
  void Cancel();

  // After `done`: the section's outcome.
  const absl::Status& status() const { return status_; }
  uint64_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t keys() const { return keys_; }
  int fd() const { return fd_; }
  Shard* shard() const { return shard_; }
  // Keys in the partition at the cut (for INFO current_save_keys_total), and written so far (any
  // thread, approximate).
  uint64_t keys_total() const { return keys_total_; }
  uint64_t keys_done() const { return keys_done_.load(std::memory_order_relaxed); }

  // ChangeListener.
  void BeforeChange(DashTable& table, uint64_t hash) override;
  bool TakeTable(std::unique_ptr<DashTable>& table) override;

 private:
  class Section;  // the buffered section file (a Sink)
  void Capture();
  void Step();
  // Serializes the group if not yet; returns how many keys it wrote.
  size_t SerializeGroup(unsigned db, DashTable& t, DashTable::Group g);
  void WriteEntry(unsigned db, const Entry* e);
  void Finish(absl::Status st);

  Shard* shard_;
  int fd_;
  SnapshotOptions opts_;
  Done done_;
  std::unique_ptr<Section> out_;
  uint32_t epoch_ = 0;
  // Per db: the table as of the cut (nullptr once walked), a table taken from FLUSHDB, sizes at
  // the cut, and whether SELECTDB + RESIZEDB were written.
  struct Db {
    DashTable* table = nullptr;
    std::unique_ptr<DashTable> owned;
    uint64_t cursor = 0;
    uint64_t size = 0, expires = 0;
    bool started = false;
  };
  std::vector<Db> dbs_;
  unsigned db_ = 0;        // the traversal's db
  int selected_ = -1;      // the db of the last SELECTDB written
  int lru_mode_ = 0;       // 0: neither, 1: IDLE (LRU policies), 2: FREQ (LFU policies)
  int64_t lfu_decay_ = 1;  // lfu-decay-time at the cut
  bool registered_ = false;
  bool finished_ = false;
  absl::Status status_;
  uint64_t crc_ = 0, bytes_ = 0, keys_ = 0, keys_total_ = 0;
  std::atomic<uint64_t> keys_done_{0};
  uint64_t pending_delay_keys_ = 0;  // keys whose rdb-key-save-delay is still owed
};

}  // namespace shoal::rdb
