// The journal: one ordered stream of the changes made to the dataset, across all shards, in
// execution order. The AOF writes it (server/aof.h); replication will send the same stream.
//
// A *unit* is what Redis propagates for one call: the commands that replay one command, an EXEC,
// a script's effects, an expiry, each with its db, formatted as RESP. The consumer writes a unit
// with more than one command wrapped in MULTI/EXEC and inserts SELECT when the db changes, so a
// unit replays atomically.
//
// Order. Every unit carries a *ticket* from one process-wide counter, and the consumer writes
// units in ticket order (a unit submitted early waits for the gaps before it). A ticket is taken
// where the unit's place in the execution order is decided:
//  - a command that runs on one shard (inline, in a batch message, a single-shard hop) takes it
//    right after it ran, on that shard's thread, before the shard runs anything else;
//  - a transaction holding several shards takes it when all of them are armed (parked): every
//    command that ran on those shards before it already took a smaller ticket, every command
//    after it will take a larger one. Its unit is filled during the hops and submitted later;
//    consumers wait for it (the gap) meanwhile.
// So two units that touch the same key are in the file in the order they ran on that key's shard,
// and a multi-shard command or EXEC is one unit at one point of every shard's order.
//
// Where ops go. Ops recorded on a thread go to `tl_unit` when set (a command's unit, a hop's
// per-shard buffer, a script's effects), else each becomes a unit of its own at once (active
// expiry, eviction, a lazy expiry in a read hop spanning shards).
//
// A reserved ticket must be submitted (possibly with no ops), or the stream stops at it: units
// are owned by a Builder or a UnitPtr that submits on destruction.
//
// Cost when off: one relaxed load per command (Enabled()).
//
// Threading: Record/Reserve/Submit from any thread; the Consumer from one thread only. Enabled is
// switched only while every shard is parked (a cut), so no command runs across the switch.
#pragma once

#include <absl/container/inlined_vector.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shard/mpsc_queue.h"

namespace shoal::journal {

// Ops recorded on this thread carry this key (an EXEC's step number; 0 elsewhere): a Builder
// merges its shards' buffers in this order, so an EXEC's effects keep the order of its commands.
inline thread_local uint32_t tl_order = 0;

struct Unit : MpscNode {
  struct Op {
    uint32_t db;
    uint32_t end;    // op i is resp[ops[i-1].end, ops[i].end)
    uint32_t order;  // tl_order when recorded
  };
  uint64_t ticket = 0;  // 0: none reserved yet
  std::string resp;     // the ops' RESP commands back to back
  absl::InlinedVector<Op, 2> ends;
  // Runs on the consumer's thread when the stream reaches this unit, after the units before it
  // were written (the AOF rewrite's rotation at the cut).
  std::function<void()> marker;

  bool empty() const { return ends.empty(); }
  size_t count() const { return ends.size(); }
  uint32_t db(size_t i) const { return ends[i].db; }
  std::string_view op(size_t i) const {
    size_t b = i == 0 ? 0 : ends[i - 1].end;
    return std::string_view(resp).substr(b, ends[i].end - b);
  }
  void Append(uint32_t db, std::span<const std::string_view> argv);
  void Append(uint32_t db, std::initializer_list<std::string_view> argv) {
    Append(db, std::span<const std::string_view>(argv.begin(), argv.size()));
  }
  // Drops the ops after the first n.
  void Truncate(size_t n) {
    if (n >= ends.size()) return;
    resp.resize(n == 0 ? 0 : ends[n - 1].end);
    ends.resize(n);
  }
  // Moves other's ops after this unit's.
  void Take(Unit& other);
  void Clear() {
    resp.clear();
    ends.clear();
  }
};

// Appends argv as a RESP array of bulk strings.
void AppendResp(std::span<const std::string_view> argv, std::string* out);

// Once at startup: the number of shards (the Builder's buffers).
void Init(uint32_t shards);
bool Enabled();
// At a cut only (every shard parked): turns recording on or off. Returns the first ticket of
// the stream from now (the counter's value).
uint64_t SetEnabled(bool on);
uint64_t Reserve();
// Hands u (ticket set) to the consumer; ownership moves.
void Submit(std::unique_ptr<Unit> u);

// Where ops recorded on this thread go (null: each is its own unit, submitted at once).
inline thread_local Unit* tl_unit = nullptr;
class Scope {
 public:
  explicit Scope(Unit* u) : saved_(tl_unit) { tl_unit = u; }
  ~Scope() { tl_unit = saved_; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Unit* saved_;
};
// Records one op (when enabled).
void Record(uint32_t db, std::span<const std::string_view> argv);
inline void Record(uint32_t db, std::initializer_list<std::string_view> argv) {
  Record(db, std::span<const std::string_view>(argv.begin(), argv.size()));
}

// A unit being built for a command that runs through hops (a multi-shard command, an EXEC): each
// shard's hop records into its own buffer (no sharing between threads); the coordinator merges
// them after each hop, in shard order (ops of different shards in one hop touch different keys,
// so their order does not matter), and appends its own ops. Submitted on destruction when a
// ticket was reserved (or when it holds ops: then it takes a ticket at that moment).
class Builder {
 public:
  Builder();
  ~Builder() { Finish(); }
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  Unit& unit() { return *unit_; }
  Unit* shard_buffer(uint32_t shard) { return &bufs_[shard]; }
  bool has_ticket() const { return unit_->ticket != 0; }
  // Takes the unit's ticket now (if it has none).
  void ReserveNow() {
    if (unit_->ticket == 0) unit_->ticket = Reserve();
  }
  // Coordinator, after a hop: appends the shard buffers' ops, by their order key (tl_order),
  // then shard order.
  void Merge();
  // Merges, submits the unit (if it has a ticket or ops) and starts an empty one. Returns the
  // ticket submitted with ops (0: none, or an empty unit that only fills its place).
  uint64_t Finish();

 private:
  std::unique_ptr<Unit> unit_;
  std::vector<Unit> bufs_;
  uint64_t epoch_;
};

// Consumer side: units in ticket order.
class Consumer {
 public:
  Consumer();
  ~Consumer();
  // Starts (or restarts) the stream at ticket `first`: units below it are dropped.
  void Reset(uint64_t first);
  // Moves the units ready in order (contiguous from the next ticket) to out; returns how many.
  size_t Take(std::vector<std::unique_ptr<Unit>>* out);
  uint64_t next() const { return next_; }
  // Units waiting behind a gap.
  size_t waiting() const { return window_count_; }

 private:
  uint64_t next_ = 1;
  // Units that arrived ahead of a gap, at [ticket - next_] (a ring would do; gaps are short).
  std::vector<std::unique_ptr<Unit>> window_;
  size_t window_count_ = 0;
};

}  // namespace shoal::journal
