#include "shard/stream.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/numbers.h"
#include "shard/listpack.h"

namespace shoal {

namespace {

int64_t GetInt(const uint8_t* p) {
  lp::Elem e = lp::Get(p);
  if (e.is_int) return e.ival;
  int64_t v = 0;
  ParseInt64(e.sval, &v);  // listpacks store every int64 as an integer: not reached
  return v;
}

uint8_t* ReplaceInt(uint8_t* lp, uint8_t** p, int64_t v) {
  char buf[24];
  size_t n = FormatInt64(v, buf);
  uint8_t* out = nullptr;
  lp = lp::Replace(lp, *p, std::string_view(buf, n), &out);
  *p = out;
  return lp;
}

// Redis's string2ull: string2ll when it accepts (negative refused), else strtoull over the
// whole C string.
bool String2ull(const char* s, uint64_t* out) {
  int64_t ll;
  if (ParseInt64(std::string_view(s), &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
  *out = v;
  return true;
}

// lpGetEdgeStreamID for the last entry (tombstones included).
bool LastEntryID(uint8_t* lp, StreamID master, StreamID* out) {
  uint8_t* p = lp::Last(lp);
  int64_t count = GetInt(p);
  if (count == 0) return false;
  while (count--) p = lp::Prev(lp, p);
  p = lp::Next(lp, p);
  out->ms = master.ms + static_cast<uint64_t>(GetInt(p));
  p = lp::Next(lp, p);
  out->seq = master.seq + static_cast<uint64_t>(GetInt(p));
  return true;
}

}  // namespace

// ---- IDs ----

void AppendStreamID(StreamID id, std::string* out) {
  char buf[24];
  out->append(buf, FormatUint64(id.ms, buf));
  out->push_back('-');
  out->append(buf, FormatUint64(id.seq, buf));
}

std::string StreamIDString(StreamID id) {
  std::string s;
  AppendStreamID(id, &s);
  return s;
}

bool ParseStreamInterval(std::string_view s, StreamID* id, bool* exclude, uint64_t missing_seq) {
  *exclude = s.size() > 1 && s[0] == '(';
  if (*exclude) return ParseStreamID(s.substr(1), id, missing_seq, /*strict=*/true);
  return ParseStreamID(s, id, missing_seq, /*strict=*/false);
}

bool ParseStreamID(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  char buf[128];
  if (s.size() > sizeof(buf) - 1) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return false;
  if (seq_given != nullptr) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *id = StreamID::Min();
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *id = StreamID::Max();
    return true;
  }
  uint64_t ms, seq;
  char* dash = std::strchr(buf, '-');
  if (dash != nullptr) *dash = '\0';
  if (!String2ull(buf, &ms)) return false;
  if (dash != nullptr) {
    if (seq_given != nullptr && dash[1] == '*' && dash[2] == '\0') {
      seq = 0;
      *seq_given = false;
    } else if (!String2ull(dash + 1, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  id->ms = ms;
  id->seq = seq;
  return true;
}

bool StreamIDIncr(StreamID* id) {
  if (id->seq == UINT64_MAX) {
    if (id->ms == UINT64_MAX) {
      *id = StreamID::Min();
      return false;
    }
    id->ms++;
    id->seq = 0;
  } else {
    id->seq++;
  }
  return true;
}

bool StreamIDDecr(StreamID* id) {
  if (id->seq == 0) {
    if (id->ms == 0) {
      *id = StreamID::Max();
      return false;
    }
    id->ms--;
    id->seq = UINT64_MAX;
  } else {
    id->seq--;
  }
  return true;
}

void EncodeStreamIDBE(StreamID id, char out[16]) {
  for (int i = 0; i < 8; i++) {
    out[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
}

StreamID DecodeStreamIDBE(const char in[16]) {
  StreamID id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(in[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(in[8 + i]);
  }
  return id;
}

// ---- Stream ----

Stream::~Stream() {
  for (auto& [id, lp] : nodes_) lp::Free(lp);
}

Stream::Stream(const Stream& o)
    : length_(o.length_),
      last_id_(o.last_id_),
      first_id_(o.first_id_),
      max_deleted_entry_id_(o.max_deleted_entry_id_),
      entries_added_(o.entries_added_) {
  for (const auto& [id, lp] : o.nodes_) nodes_.emplace(id, lp::Clone(lp));
  for (const auto& [name, cg] : o.groups_) {
    auto g = std::make_unique<StreamCG>();
    g->last_id = cg->last_id;
    g->entries_read = cg->entries_read;
    for (const auto& [id, nack] : cg->pel) g->pel.emplace(id, std::make_unique<StreamNack>(*nack));
    for (const auto& [cname, c] : cg->consumers) {
      auto nc = std::make_unique<StreamConsumer>();
      nc->name = c->name;
      nc->seen_time = c->seen_time;
      for (const auto& [id, nack] : c->pel) {
        StreamNack* mine = g->pel.at(id).get();
        mine->consumer = nc.get();
        nc->pel.emplace(id, mine);
      }
      g->consumers.emplace(cname, std::move(nc));
    }
    groups_.emplace(name, std::move(g));
  }
}

void Stream::AddNode(StreamID master_id, uint8_t* lp) {
  auto [it, inserted] = nodes_.emplace(master_id, lp);
  if (!inserted) {
    lp::Free(it->second);
    it->second = lp;
  }
}

void Stream::FreeNode(NodeMap::iterator it) {
  lp::Free(it->second);
  nodes_.erase(it);
}

Stream::AppendResult Stream::Append(std::span<const std::string_view> fv, const StreamID* use_id,
                                    bool seq_given, uint64_t now_ms, const StreamNodeLimits& limits,
                                    StreamID* added) {
  StreamID id;
  if (use_id != nullptr) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id_.ms == use_id->ms) {
      if (last_id_.seq == UINT64_MAX) return AppendResult::kIdTooSmall;
      id = last_id_;
      id.seq++;
    } else {
      id = *use_id;
    }
  } else if (now_ms > last_id_.ms) {
    id = {now_ms, 0};
  } else {
    id = last_id_;
    StreamIDIncr(&id);
  }
  if (id <= last_id_) return AppendResult::kIdTooSmall;

  const int64_t numfields = static_cast<int64_t>(fv.size() / 2);
  size_t totelelen = 0;
  for (std::string_view s : fv) totelelen += s.size();
  if (totelelen > kStreamListpackMaxSize) return AppendResult::kTooLarge;

  uint8_t* lp = nullptr;
  StreamID master_id;
  auto tail = nodes_.end();
  if (!nodes_.empty()) {
    tail = std::prev(nodes_.end());
    lp = tail->second;
    // Limits in Redis's listpack size (its header is 2 bytes shorter than ours).
    size_t lp_bytes = lp::Bytes(lp) - 2;
    size_t max_bytes = limits.max_bytes;
    if (max_bytes == 0 || max_bytes > kStreamListpackMaxSize) max_bytes = kStreamListpackMaxSize;
    bool new_node = false;
    if (lp_bytes + totelelen >= max_bytes) {
      new_node = true;
    } else if (limits.max_entries) {
      uint8_t* p = lp::First(lp);
      int64_t count = GetInt(p) + GetInt(lp::Next(lp, p));
      if (count >= limits.max_entries) new_node = true;
    }
    if (new_node) {
      tail->second = lp::ShrinkToFit(lp);  // the preallocation's unused end (as Redis)
      lp = nullptr;
    }
  }

  int64_t flags = 0;
  if (lp == nullptr) {
    master_id = id;
    // Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE: the node's bytes up front, so that XADDs grow it
    // in place instead of reallocating it through every allocator size class on the way.
    size_t prealloc = kStreamListpackMaxPrealloc;
    if (limits.max_bytes > 0 && limits.max_bytes < prealloc) prealloc = limits.max_bytes;
    lp = lp::New(prealloc);
    lp = lp::AppendInt(lp, 1);
    lp = lp::AppendInt(lp, 0);
    lp = lp::AppendInt(lp, numfields);
    for (int64_t i = 0; i < numfields; i++) lp = lp::Append(lp, fv[2 * i]);
    lp = lp::AppendInt(lp, 0);
    tail = nodes_.emplace(id, lp).first;
    flags |= kStreamItemSameFields;
  } else {
    master_id = tail->first;
    uint8_t* p = lp::First(lp);
    lp = ReplaceInt(lp, &p, GetInt(p) + 1);
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // master num fields
    int64_t master_fields = GetInt(p);
    p = lp::Next(lp, p);
    if (numfields == master_fields) {
      int64_t i = 0;
      for (; i < master_fields; i++) {
        if (!lp::Eq(p, fv[2 * i])) break;
        p = lp::Next(lp, p);
      }
      if (i == master_fields) flags |= kStreamItemSameFields;
    }
  }

  lp = lp::AppendInt(lp, flags);
  lp = lp::AppendInt(lp, static_cast<int64_t>(id.ms - master_id.ms));
  lp = lp::AppendInt(lp, static_cast<int64_t>(id.seq - master_id.seq));
  bool same = flags & kStreamItemSameFields;
  if (!same) lp = lp::AppendInt(lp, numfields);
  for (int64_t i = 0; i < numfields; i++) {
    if (!same) lp = lp::Append(lp, fv[2 * i]);
    lp = lp::Append(lp, fv[2 * i + 1]);
  }
  int64_t lp_count = numfields + 3;
  if (!same) lp_count += numfields + 1;
  lp = lp::AppendInt(lp, lp_count);
  tail->second = lp;

  length_++;
  entries_added_++;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
  if (added != nullptr) *added = id;
  return AppendResult::kOk;
}

bool Stream::Delete(StreamID id) {
  Iterator it(*this, id, id, false);
  StreamID cur;
  int64_t nf;
  if (!it.Next(&cur, &nf)) return false;
  it.Remove(cur);
  if (id > max_deleted_entry_id_) max_deleted_entry_id_ = id;
  if (length_ == 0)
    first_id_ = StreamID::Min();
  else if (id == first_id_)
    first_id_ = EdgeID(true, true);
  return true;
}

int64_t Stream::Trim(const StreamTrimArgs& args) {
  if (args.strategy == StreamTrimArgs::kNone) return 0;
  const bool by_len = args.strategy == StreamTrimArgs::kMaxLen;
  const uint64_t maxlen = static_cast<uint64_t>(args.maxlen);
  int64_t deleted = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (by_len && length_ <= maxlen) break;
    uint8_t* lp = it->second;
    uint8_t* p = lp::First(lp);
    int64_t entries = GetInt(p);
    if (args.limit && deleted + entries > args.limit) break;

    StreamID master_id = it->first;
    bool remove_node;
    if (by_len) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= maxlen;
    } else {
      StreamID last;
      LastEntryID(lp, master_id, &last);
      remove_node = last < args.minid;
    }
    if (remove_node) {
      lp::Free(lp);
      it = nodes_.erase(it);
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Flag entries deleted from inside this node.
    int64_t deleted_from_lp = 0;
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // num fields
    int64_t master_fields = GetInt(p);
    p = lp::Next(lp, p);
    for (int64_t j = 0; j < master_fields; j++) p = lp::Next(lp, p);
    p = lp::Next(lp, p);  // master terminator
    while (p != nullptr) {
      uint8_t* flags_pos = p;
      int64_t flags = GetInt(p);
      p = lp::Next(lp, p);
      int64_t ms_delta = GetInt(p);
      p = lp::Next(lp, p);
      int64_t seq_delta = GetInt(p);
      p = lp::Next(lp, p);
      bool stop;
      if (by_len) {
        stop = length_ <= maxlen;
      } else {
        StreamID cur{master_id.ms + static_cast<uint64_t>(ms_delta),
                     master_id.seq + static_cast<uint64_t>(seq_delta)};
        stop = cur >= args.minid;
      }
      if (stop) break;
      int64_t to_skip;
      if (flags & kStreamItemSameFields) {
        to_skip = master_fields;
      } else {
        to_skip = GetInt(p) * 2;
        p = lp::Next(lp, p);
      }
      while (to_skip--) p = lp::Next(lp, p);
      p = lp::Next(lp, p);  // lp-count
      if (!(flags & kStreamItemDeleted)) {
        // The flags keep their 1-byte encoding, so offsets after them do not move.
        ptrdiff_t off = p == nullptr ? -1 : p - lp;
        lp = ReplaceInt(lp, &flags_pos, flags | kStreamItemDeleted);
        p = off < 0 ? nullptr : lp + off;
        deleted_from_lp++;
        length_--;
      }
    }
    deleted += deleted_from_lp;
    p = lp::First(lp);
    lp = ReplaceInt(lp, &p, entries - deleted_from_lp);
    p = lp::Next(lp, p);
    lp = ReplaceInt(lp, &p, GetInt(p) + deleted_from_lp);
    it->second = lp;
    break;
  }
  if (length_ == 0)
    first_id_ = StreamID::Min();
  else if (deleted)
    first_id_ = EdgeID(true, true);
  return deleted;
}

StreamID Stream::EdgeID(bool first, bool skip_tombstones) const {
  Iterator it(const_cast<Stream&>(*this), StreamID::Min(), StreamID::Max(), !first,
              skip_tombstones);
  StreamID id;
  int64_t nf;
  if (!it.Next(&id, &nf)) return first ? StreamID::Max() : StreamID::Min();
  return id;
}

bool Stream::Exists(StreamID id) const {
  Iterator it(const_cast<Stream&>(*this), id, id, false);
  StreamID cur;
  int64_t nf;
  return it.Next(&cur, &nf);
}

bool Stream::RangeHasTombstones(const StreamID* start, const StreamID* end) const {
  const StreamID zero = StreamID::Min();
  if (length_ == 0 || max_deleted_entry_id_ == zero) return false;
  if (first_id_ > max_deleted_entry_id_) return false;
  StreamID s = start ? *start : StreamID::Min();
  StreamID e = end ? *end : StreamID::Max();
  return s <= max_deleted_entry_id_ && max_deleted_entry_id_ <= e;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(StreamID id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return kStreamInvalidEntriesRead;
  if (max_deleted_entry_id_ == StreamID::Min() || max_deleted_entry_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return kStreamInvalidEntriesRead;
}

namespace {

// Nodes of the compressed trie holding keys[lo, hi) (sorted, distinct, 16 bytes) below `depth`
// bytes already consumed.
size_t TrieNodes(const std::vector<std::array<char, 16>>& keys, size_t lo, size_t hi,
                 size_t depth) {
  if (hi - lo == 1) return (depth < 16 ? 1 : 0) + 1;  // the rest of the key, then its leaf
  size_t lcp = depth;
  while (lcp < 16 && keys[lo][lcp] == keys[hi - 1][lcp]) ++lcp;
  size_t n = (lcp > depth ? 1 : 0) + 1;  // the shared run, then the branch
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][lcp] == keys[i][lcp]) ++j;
    n += TrieNodes(keys, i, j, lcp + 1);
    i = j;
  }
  return n;
}

}  // namespace

size_t Stream::RaxNodeCount() const {
  if (nodes_.empty()) return 1;
  std::vector<std::array<char, 16>> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, lp] : nodes_) {
    keys.emplace_back();
    EncodeStreamIDBE(id, keys.back().data());
  }
  return TrieNodes(keys, 0, keys.size(), 0);
}

size_t Stream::MallocSize() const {
  size_t n = sizeof(Stream);
  for (const auto& [id, lp] : nodes_) n += lp::MallocSize(lp) + sizeof(StreamID) + sizeof(void*);
  for (const auto& [name, cg] : groups_) {
    n += sizeof(StreamCG) + name.size() + cg->pel.size() * (sizeof(StreamNack) + 40);
    for (const auto& [cname, c] : cg->consumers)
      n += sizeof(StreamConsumer) + cname.size() * 2 + c->pel.size() * 32;
  }
  return n;
}

// ---- Iterator ----

Stream::Iterator::Iterator(Stream& s, StreamID start, StreamID end, bool rev, bool skip_tombstones)
    : s_(&s), start_(start), end_(end), rev_(rev), skip_tombstones_(skip_tombstones) {
  Seek();
}

void Stream::Iterator::Seek() {
  started_ = false;
  done_ = false;
  lp_ = nullptr;
  ele_ = nullptr;
  NodeMap& nodes = s_->nodes_;
  if (nodes.empty()) {
    done_ = true;
    return;
  }
  // The node holding the start (forward) or end (backward): the last master ID <= it.
  node_ = nodes.upper_bound(rev_ ? end_ : start_);
  if (node_ == nodes.begin()) {
    if (rev_) done_ = true;  // every node starts after the end
    return;
  }
  --node_;
}

bool Stream::Iterator::Next(StreamID* id, int64_t* num_fields) {
  if (done_) return false;
  NodeMap& nodes = s_->nodes_;
  while (true) {
    if (lp_ == nullptr || ele_ == nullptr) {
      if (!started_) {
        started_ = true;
      } else if (!rev_) {
        ++node_;
      } else {
        if (node_ == nodes.begin()) {
          done_ = true;
          return false;
        }
        --node_;
      }
      if (node_ == nodes.end()) {
        done_ = true;
        return false;
      }
      master_id_ = node_->first;
      lp_ = node_->second;
      ele_ = lp::First(lp_);
      ele_ = lp::Next(lp_, ele_);
      ele_ = lp::Next(lp_, ele_);
      master_fields_count_ = GetInt(ele_);
      ele_ = lp::Next(lp_, ele_);
      master_fields_start_ = ele_;
      if (!rev_) {
        for (int64_t i = 0; i < master_fields_count_; i++) ele_ = lp::Next(lp_, ele_);
      } else {
        ele_ = lp::Last(lp_);
      }
    } else if (rev_) {
      // Back over the entry emitted last, to the lp-count of the one before it.
      int64_t lp_count = GetInt(ele_);
      while (lp_count--) ele_ = lp::Prev(lp_, ele_);
      ele_ = lp::Prev(lp_, ele_);
    }

    while (true) {
      if (!rev_) {
        ele_ = lp::Next(lp_, ele_);
        if (ele_ == nullptr) break;
      } else {
        int64_t lp_count = GetInt(ele_);
        if (lp_count == 0) {
          lp_ = nullptr;
          ele_ = nullptr;
          break;
        }
        while (lp_count--) ele_ = lp::Prev(lp_, ele_);
      }
      flags_pos_ = ele_;
      int64_t flags = GetInt(ele_);
      ele_ = lp::Next(lp_, ele_);
      id->ms = master_id_.ms + static_cast<uint64_t>(GetInt(ele_));
      ele_ = lp::Next(lp_, ele_);
      id->seq = master_id_.seq + static_cast<uint64_t>(GetInt(ele_));
      ele_ = lp::Next(lp_, ele_);
      if (flags & kStreamItemSameFields) {
        *num_fields = master_fields_count_;
      } else {
        *num_fields = GetInt(ele_);
        ele_ = lp::Next(lp_, ele_);
      }
      bool show = !skip_tombstones_ || !(flags & kStreamItemDeleted);
      if (!rev_) {
        if (*id >= start_ && show) {
          if (*id > end_) {
            done_ = true;
            return false;
          }
          flags_ = flags;
          if (flags & kStreamItemSameFields) master_fields_ptr_ = master_fields_start_;
          return true;
        }
      } else {
        if (*id <= end_ && show) {
          if (*id < start_) {
            done_ = true;
            return false;
          }
          flags_ = flags;
          if (flags & kStreamItemSameFields) master_fields_ptr_ = master_fields_start_;
          return true;
        }
      }
      if (!rev_) {
        int64_t to_discard = (flags & kStreamItemSameFields) ? *num_fields : *num_fields * 2;
        for (int64_t i = 0; i < to_discard; i++) ele_ = lp::Next(lp_, ele_);
      } else {
        int prev_times = 4;
        if (!(flags & kStreamItemSameFields)) prev_times++;
        while (prev_times--) ele_ = lp::Prev(lp_, ele_);
      }
    }
  }
}

void Stream::Iterator::Field(std::string_view* field, std::string_view* value) {
  if (flags_ & kStreamItemSameFields) {
    *field = lp::Get(master_fields_ptr_).Str(field_buf_);
    master_fields_ptr_ = lp::Next(lp_, master_fields_ptr_);
  } else {
    *field = lp::Get(ele_).Str(field_buf_);
    ele_ = lp::Next(lp_, ele_);
  }
  *value = lp::Get(ele_).Str(value_buf_);
  ele_ = lp::Next(lp_, ele_);
}

void Stream::Iterator::Remove(StreamID current) {
  uint8_t* lp = lp_;
  lp = ReplaceInt(lp, &flags_pos_, GetInt(flags_pos_) | kStreamItemDeleted);
  uint8_t* p = lp::First(lp);
  int64_t live = GetInt(p);
  if (live == 1) {
    lp::Free(lp);
    s_->nodes_.erase(node_);
  } else {
    lp = ReplaceInt(lp, &p, live - 1);
    p = lp::Next(lp, p);
    lp = ReplaceInt(lp, &p, GetInt(p) + 1);
    node_->second = lp;
  }
  s_->length_--;
  // Start again from the removed entry (it is a tombstone now, so it is not seen again).
  if (rev_)
    end_ = current;
  else
    start_ = current;
  Seek();
}

}  // namespace shoal
