// Streams (Redis's OBJ_STREAM): the entries, their encoding and the operations the stream
// commands share (XADD, XRANGE, XDEL, XTRIM, XREAD, XINFO, and the consumer-group commands on
// top of them).
//
// Encoding, as Redis 7.0's t_stream.c: an ordered map of nodes keyed by each node's master ID,
// each node one listpack (shard/listpack.h) in Redis's exact stream node layout, so RDB type 19
// (RDB_TYPE_STREAM_LISTPACKS_3) writes and reads the nodes byte for byte. Redis keeps the nodes
// in a rax keyed by the 128-bit big-endian master ID; here an absl::btree_map<StreamID, listpack>
// holds them: the same order (StreamID compares as (ms, seq), which is the big-endian byte order)
// and the same node contents; EncodeStreamIDBE gives the rax key bytes for RDB.
//
// Node layout (all numbers are listpack integers):
//   master entry: count | deleted | num-fields | field_1 ... field_N | 0
//   each entry:   flags | ms-diff | seq-diff | [num-fields | field_1 value_1 ... ] | lp-count
//                 or, with kStreamItemSameFields (the master's field names, in order):
//                 flags | ms-diff | seq-diff | value_1 ... value_N | lp-count
// `count` counts live entries, `deleted` those flagged kStreamItemDeleted (XDEL and exact trims
// flag entries; a node whose last live entry goes is freed). ms-diff/seq-diff are the entry ID
// minus the master ID. lp-count is the number of listpack elements of the entry before it
// (num-fields + 3 with SAMEFIELDS, 2 * num-fields + 4 without), so iteration can walk backwards;
// the master's final 0 plays the same role and stops it.
//
// Threading: plain data owned by one shard; no internal synchronisation. Iterators are
// invalidated by any mutation except Iterator::Remove.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "shard/stream_group.h"
#include "shard/stream_id.h"

namespace shoal {

// ---- IDs ----

// "<ms>-<seq>".
std::string StreamIDString(StreamID id);
void AppendStreamID(StreamID id, std::string* out);
// Redis's streamGenericParseIDOrReply: "<ms>-<seq>", "<ms>" (seq = missing_seq), "-" (0-0) and
// "+" (max; both refused when strict). With seq_given non-null (XADD) "<ms>-*" is accepted and
// sets *seq_given false. False on anything else (the caller replies kStreamInvalidId).
bool ParseStreamID(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);
// streamParseIntervalIDOrReply (XRANGE, XPENDING, XAUTOCLAIM): "(<id>" is an exclusive bound and
// strict; anything else a plain ID.
bool ParseStreamInterval(std::string_view s, StreamID* id, bool* exclude, uint64_t missing_seq);
// streamIncrID / streamDecrID: false (and a wrap to 0-0 / max) at the end of the ID space.
bool StreamIDIncr(StreamID* id);
bool StreamIDDecr(StreamID* id);
// The 16-byte big-endian form (rax keys in RDB).
void EncodeStreamIDBE(StreamID id, char out[16]);
StreamID DecodeStreamIDBE(const char in[16]);

inline constexpr int64_t kStreamItemDeleted = 1;                   // STREAM_ITEM_FLAG_DELETED
inline constexpr int64_t kStreamItemSameFields = 2;                // STREAM_ITEM_FLAG_SAMEFIELDS
inline constexpr size_t kStreamListpackMaxSize = size_t{1} << 30;  // STREAM_LISTPACK_MAX_SIZE
inline constexpr size_t kStreamListpackMaxPrealloc = 4096;  // STREAM_LISTPACK_MAX_PRE_ALLOCATE

// Node limits (stream-node-max-bytes / stream-node-max-entries; 0 = no limit).
struct StreamNodeLimits {
  size_t max_bytes = 4096;
  int64_t max_entries = 100;
};

// XADD/XTRIM trimming (Redis's streamAddTrimArgs, the trim half).
struct StreamTrimArgs {
  enum Strategy : uint8_t { kNone, kMaxLen, kMinId };
  Strategy strategy = kNone;
  bool approx = false;  // only whole nodes go
  int64_t limit = 0;    // most entries to remove; 0 = no limit
  int64_t maxlen = 0;
  StreamID minid;
};

class Stream {
 public:
  // Nodes by master ID; the listpacks belong to the stream.
  using NodeMap = absl::btree_map<StreamID, uint8_t*>;

  Stream() = default;
  ~Stream();
  Stream(const Stream& other);  // deep copy (COPY), groups included
  Stream& operator=(const Stream&) = delete;

  uint64_t length() const { return length_; }
  StreamID last_id() const { return last_id_; }
  StreamID first_id() const { return first_id_; }
  StreamID max_deleted_entry_id() const { return max_deleted_entry_id_; }
  uint64_t entries_added() const { return entries_added_; }
  // XSETID and the RDB loader set these directly.
  void set_last_id(StreamID id) { last_id_ = id; }
  void set_first_id(StreamID id) { first_id_ = id; }
  void set_max_deleted_entry_id(StreamID id) { max_deleted_entry_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_length(uint64_t n) { length_ = n; }

  StreamGroups& groups() { return groups_; }
  const StreamGroups& groups() const { return groups_; }
  const NodeMap& nodes() const { return nodes_; }
  // RDB load: takes ownership of lp (our listpack layout) as the node with this master ID.
  void AddNode(StreamID master_id, uint8_t* lp);

  enum class AppendResult : uint8_t {
    kOk,
    kIdTooSmall,  // EDOM: "equal or smaller than the target stream top item"
    kTooLarge,    // ERANGE: "Elements are too large to be stored"
  };
  // streamAppendItem. `fv` is field, value, field, value ... (non-empty, even). use_id null: a
  // new ID from now_ms (streamNextID); else use_id, whose sequence is generated when
  // !seq_given. On kOk *added holds the new ID.
  AppendResult Append(std::span<const std::string_view> fv, const StreamID* use_id, bool seq_given,
                      uint64_t now_ms, const StreamNodeLimits& limits, StreamID* added);

  // XDEL of one ID: flags the entry deleted (frees its node when it was the node's last live
  // entry), updates length, max_deleted_entry_id and first_id. False when absent.
  bool Delete(StreamID id);
  // streamTrim: removes entries from the head; returns how many went. Updates first_id.
  int64_t Trim(const StreamTrimArgs& args);

  // The first/last entry's ID (tombstones included unless skip_tombstones); when there is none
  // Max() for first, Min() for last (streamGetEdgeID).
  StreamID EdgeID(bool first, bool skip_tombstones) const;
  bool Exists(StreamID id) const;
  // streamRangeHasTombstones (null start/end: open ends). Caller checked start < last_id.
  bool RangeHasTombstones(const StreamID* start, const StreamID* end) const;
  // streamEstimateDistanceFromFirstEverEntry: the logical read counter of id, or
  // kStreamInvalidEntriesRead.
  int64_t EstimateDistanceFromFirstEverEntry(StreamID id) const;

  // Heap bytes: nodes, the map and the groups (approximate for the map and groups).
  size_t MallocSize() const;
  size_t NodeCount() const { return nodes_.size(); }
  // The nodes Redis's rax would have for these node keys (XINFO STREAM's radix-tree-nodes): a
  // compressed trie over the 16-byte big-endian IDs, one node per run of shared bytes, per
  // branch and per key end (1 when empty: the head). O(node keys * 16).
  size_t RaxNodeCount() const;

  // Walks entries in [start, end] forward or backward (streamIterator). Tombstones are skipped
  // unless skip_tombstones is false.
  class Iterator {
   public:
    Iterator(Stream& s, StreamID start, StreamID end, bool rev, bool skip_tombstones = true);
    // The next entry: its ID and field count; false at the end of the range.
    bool Next(StreamID* id, int64_t* num_fields);
    // After Next, num_fields times: the next field and value (views valid until the next call).
    void Field(std::string_view* field, std::string_view* value);
    // The current entry's flags (kStreamItemDeleted when tombstones are shown).
    int64_t flags() const { return flags_; }
    // Removes the current entry (streamIteratorRemoveEntry: flags it, frees an emptied node,
    // length--; first_id/max_deleted are the caller's). Next continues after it.
    void Remove(StreamID current);

   private:
    void Seek();
    Stream* s_;
    StreamID start_, end_;
    bool rev_;
    bool skip_tombstones_;
    bool started_ = false;
    bool done_ = false;
    NodeMap::iterator node_;
    StreamID master_id_;
    uint8_t* lp_ = nullptr;
    uint8_t* ele_ = nullptr;
    uint8_t* flags_pos_ = nullptr;
    uint8_t* master_fields_start_ = nullptr;
    uint8_t* master_fields_ptr_ = nullptr;
    int64_t master_fields_count_ = 0;
    int64_t flags_ = 0;
    char field_buf_[24];
    char value_buf_[24];
  };

 private:
  friend class Iterator;
  void FreeNode(NodeMap::iterator it);

  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_entry_id_;
  uint64_t entries_added_ = 0;
  StreamGroups groups_;
};

}  // namespace shoal
