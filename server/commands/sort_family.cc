// SORT and SORT_RO (Redis 7.0 sort.c semantics) on lists, sets and sorted sets: BY, LIMIT, GET
// (#, key patterns, key->field hash patterns), ASC/DESC, ALPHA, STORE.
//
// Sharding: a BY/GET pattern may form keys on any shard, as in a standalone Redis. Three ways to
// run, chosen by where the keys live:
//  - Local: every key the patterns form lives on the sorted key's shard (one shard, no pattern
//    that forms keys, or a pattern whose {tag} maps there: Redis Cluster's patternHashSlot). The
//    command runs on that shard and reads pattern keys there; a STORE destination on another
//    shard is written by a second phase (RunPhases) with the list built by the first.
//  - Across shards: otherwise SortNeedsAllShards tells the router to send the command to the
//    coordinator, which runs it as one armed transaction over every shard (PatternSort): the
//    sorted key's shard copies the elements out, every shard reads the BY keys it owns, the
//    coordinator sorts, every shard reads the GET keys it owns for the LIMIT range, and the
//    STORE destination's shard writes the result in the concluding hop. Every shard is parked
//    from the arm to that hop, so no client observes or interleaves anything in between.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "server/acl.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "server/transaction.h"
#include "shard/intset.h"
#include "shard/key_slot.h"
#include "shard/listpack.h"
#include "shard/notify.h"
#include "shard/quicklist.h"
#include "shard/shard_set.h"
#include "shard/str_map.h"
#include "shard/zset.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kScoreError[] = "ERR One or more scores can't be converted into double";

// Bytes an element printed as text may need (an int64 and its NUL).
constexpr size_t kScratch = 24;

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;  // BY with a pattern without '*': keep the value's own order
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::string_view by;  // empty: no BY pattern (or BY without '*')
  std::vector<std::string_view> gets;
  uint32_t store_pos = 0;  // argument index of the STORE key; 0: no STORE
};

// lookupKeyByPattern's "#": the element itself (Redis compares the C string).
bool IsElementPattern(std::string_view p) {
  return !p.empty() && p[0] == '#' && (p.size() == 1 || p[1] == '\0');
}

// Whether a GET/BY pattern forms keys: it has a '*' (Redis searches the C string) and is not "#".
bool FormsKeys(std::string_view p) {
  return !IsElementPattern(p) && CStr(p).find('*') != std::string_view::npos;
}

// lookupKeyByPattern's key: the pattern with its first '*' replaced by subst, and the hash field
// after "->" (empty: the key's string value). False when the pattern forms no key. Redis searches
// the C string for '*' and "->" but measures the pattern by its full length.
bool FormPatternKey(std::string_view pattern, std::string_view subst, std::string* key,
                    std::string_view* field) {
  if (IsElementPattern(pattern)) return false;
  std::string_view cpat = CStr(pattern);
  size_t star = cpat.find('*');
  if (star == std::string_view::npos) return false;
  size_t arrow = cpat.find("->", star + 1);
  *field = {};
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size() && pattern[arrow + 2] != '\0')
    *field = pattern.substr(arrow + 2);
  size_t postfix = pattern.size() - star - 1 - (field->empty() ? 0 : field->size() + 2);
  key->assign(pattern.substr(0, star));
  key->append(subst);
  key->append(pattern.substr(star + 1, postfix));
  return true;
}

// Reads what a formed key names on this shard: the key's string value, or with a field, the
// hash field. False when missing or of another type. Integers are printed into scratch; other
// views point into shard data (valid until the shard runs anything else).
bool ReadPatternKey(DbSlice& slice, DbIndex db, std::string_view key, std::string_view field,
                    char* scratch, std::string_view* out) {
  Slot* s = slice.FindRead(db, key);
  if (s == nullptr) return false;
  const Entry* e = s->entry();
  if (field.empty()) {
    if (e->type() != ObjType::kString) return false;
    *out = e->StringBytes(scratch);
    return true;
  }
  if (e->type() != ObjType::kHash) return false;
  if (e->enc() != ObjEnc::kListPack)
    return static_cast<const StrMap*>(e->object())->Find(field, out);
  auto* lpp = static_cast<uint8_t*>(e->object());
  uint8_t* p = lp::First(lpp);
  if (p != nullptr) p = lp::Find(lpp, p, field, 1);
  if (p == nullptr) return false;
  *out = lp::Get(lp::Next(lpp, p)).Str(scratch);
  return true;
}

// Redis Cluster's patternHashSlot: the slot of every key the pattern can form, or -1 when they
// may hash anywhere (a wildcard or escape before a complete non-empty {tag}).
int PatternHashSlot(std::string_view p) {
  int s = -1;  // index of the first '{'; -2 after an empty "{}"
  for (size_t i = 0; i < p.size(); ++i) {
    char ch = p[i];
    if (ch == '*' || ch == '?' || ch == '[' || ch == '\\') return -1;
    if (s == -1 && ch == '{') {
      s = static_cast<int>(i);
    } else if (s >= 0 && ch == '}') {
      if (i == static_cast<size_t>(s) + 1) {
        s = -2;
      } else {
        return Crc16(p.substr(s + 1, i - s - 1)) & (kNumKeySlots - 1);
      }
    }
  }
  return Crc16(p) & (kNumKeySlots - 1);
}

// Whether every key the pattern forms lives on the shard of `key`.
bool PatternOnKeyShard(std::string_view pattern, std::string_view key) {
  const ShardSet& shards = *Server().shards;
  if (shards.size() == 1 || !FormsKeys(pattern)) return true;
  int slot = PatternHashSlot(pattern);
  return slot >= 0 && static_cast<uint32_t>(slot) % shards.size() == shards.ShardOf(key);
}

// sortCommandGeneric's option parser. Returns "" or the error reply.
// `full_key_access`: the user may read every key (Redis's
// ACLUserCheckCmdWithUnrestrictedKeyAccess): BY and GET patterns name keys no ACL check saw.
std::string ParseSort(ArgSlice args, bool readonly, SortOptions* o, bool full_key_access = true) {
  for (size_t j = 2; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (EqNoCaseC(a, "asc")) {
      o->desc = false;
    } else if (EqNoCaseC(a, "desc")) {
      o->desc = true;
    } else if (EqNoCaseC(a, "alpha")) {
      o->alpha = true;
    } else if (EqNoCaseC(a, "limit") && left >= 2) {
      if (!ParseInt64(args[j + 1], &o->limit_start) || !ParseInt64(args[j + 2], &o->limit_count))
        return errors::kNotInteger;
      j += 2;
    } else if (!readonly && EqNoCaseC(a, "store") && left >= 1) {
      o->store_pos = static_cast<uint32_t>(++j);
    } else if (EqNoCaseC(a, "by") && left >= 1) {
      std::string_view p = args[++j];
      // Redis looks for the '*' in the C string.
      if (CStr(p).find('*') == std::string_view::npos) {
        o->dontsort = true;
      } else {
        if (!full_key_access)
          return "ERR BY option of SORT denied due to insufficient ACL permissions.";
        o->by = p;
      }
    } else if (EqNoCaseC(a, "get") && left >= 1) {
      if (!full_key_access)
        return "ERR GET option of SORT denied due to insufficient ACL permissions.";
      o->gets.push_back(args[++j]);
    } else {
      return errors::kSyntax;
    }
  }
  return "";
}

// Whether the parsed command reads pattern keys that may live off the sorted key's shard.
bool PatternsLeaveKeyShard(ArgSlice args, const SortOptions& o) {
  if (!o.dontsort && !o.by.empty() && !PatternOnKeyShard(o.by, args[1])) return true;
  for (std::string_view g : o.gets)
    if (!PatternOnKeyShard(g, args[1])) return true;
  return false;
}

// The command table's routing hook: true sends the command to the coordinator, which runs it
// over every shard, even when its keys share one shard. Invalid options: false (the shard that
// runs it replies the error).
template <bool kReadOnly>
bool SortNeedsAllShards(ArgSlice args) {
  if (Server().shards->size() == 1) return false;
  SortOptions o;
  return ParseSort(args, kReadOnly, &o).empty() && PatternsLeaveKeyShard(args, o);
}

// sortGetKeys: the STORE destination (the last STORE wins, as in the parser). Arguments of LIMIT,
// GET and BY are skipped so a pattern spelled "store" is not taken for the option.
bool SortKeys(ArgSlice args, std::vector<uint32_t>* out) {
  uint32_t store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqNoCaseC(args[i], "limit")) {
      i += 2;
    } else if (EqNoCaseC(args[i], "get") || EqNoCaseC(args[i], "by")) {
      i += 1;
    } else if (EqNoCaseC(args[i], "store") && i + 1 < args.size()) {
      store = static_cast<uint32_t>(i + 1);
    }
  }
  if (store != 0) out->push_back(store);
  return true;
}

// Byte order (memcmp, then the shorter first), as compareStringObjects.
int CompareBinary(std::string_view a, std::string_view b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// strcoll in the C locale, as Redis compares ALPHA keys for a reply: C strings (up to a NUL).
int CompareCollate(std::string_view a, std::string_view b) {
  return CompareBinary(CStr(a), CStr(b));
}

// The score of a BY value or element for a numeric sort: strtod over the C string, refusing
// trailing bytes, overflow/underflow (ERANGE) and NaN, as Redis does.
bool ParseSortScore(std::string_view s, std::string* buf, double* out) {
  buf->assign(s);
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(buf->c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(d)) return false;
  *out = d;
  return true;
}

struct Item {
  explicit Item(std::string_view e) : elem(e) {}
  std::string_view elem;
  std::string_view by;  // ALPHA with BY: the value sorted on
  bool has_by = false;
  double score = 0;
};

// The sort itself, apart from where pattern keys are read: Collect runs on the sorted key's
// shard; Sort and Output run there too or, across shards, on the coordinator with the pattern
// values the shards read (passed in as functions).
// Without `copy`, elements are views into shard data: valid while the command runs on that shard,
// which mutates nothing but the sorted-set conversion done before collecting. With `copy`, the
// Sorter owns copies of the elements (and of integers printed as text), which survive hops.
class Sorter {
 public:
  Sorter(const SortOptions& o, bool copy) : o_(o), copy_(copy) {}

  // Reads the value under key (WRONGTYPE: the error reply, else ""). `store`: the result is
  // stored (ALPHA compares bytes then, and BY nosort on a set sorts).
  std::string Collect(DbSlice& slice, DbIndex db, std::string_view key, bool store);

  // After Collect: whether sorting reads BY values (a set sorted for STORE drops its BY nosort).
  bool NeedsBy() const { return !o_.dontsort && !o_.by.empty(); }
  const SortOptions& options() const { return o_; }
  size_t size() const { return items_.size(); }
  std::string_view elem(size_t i) const { return items_[i].elem; }

  // Scores and sorts (nothing with BY nosort); "" or the error reply. by(i, scratch, &v) reads
  // the BY value of item i in collection order, false when missing; a value printed into
  // scratch is copied, others must stay valid until Output.
  template <typename By>
  std::string Sort(By&& by);

  // The output range: items [start(), end()].
  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  // Number of reply items / stored elements.
  int64_t OutputLen() const {
    int64_t n = end_ - start_ + 1;
    return o_.gets.empty() ? n : n * static_cast<int64_t>(o_.gets.size());
  }
  // fn(value, found) for every output item in order (found = false: a GET that found nothing).
  // get(i, g, elem, scratch, &v) reads GET pattern g (one that is not "#") for output item i
  // (item start() + i), whose element is elem; false when nothing is found.
  template <typename Get, typename Fn>
  void Output(Get&& get, Fn&& fn) const {
    char scratch[kScratch];
    for (int64_t j = start_; j <= end_; ++j) {
      std::string_view elem = items_[j].elem;
      if (o_.gets.empty()) fn(elem, true);
      for (size_t g = 0; g < o_.gets.size(); ++g) {
        std::string_view v;
        if (IsElementPattern(o_.gets[g])) {
          fn(elem, true);
        } else {
          bool found = get(static_cast<size_t>(j - start_), g, elem, scratch, &v);
          fn(v, found);
        }
      }
    }
  }

 private:
  // A view that outlives `scratch` (and, with copy_, the shard's data).
  std::string_view Keep(std::string_view v, const char* scratch) {
    if (copy_) return owned_.emplace_back(v);
    if (v.data() != scratch) return v;
    auto& d = digits_.emplace_back();
    std::memcpy(d.data(), v.data(), v.size());
    return {d.data(), v.size()};
  }
  void Add(std::string_view v, const char* scratch) { items_.emplace_back(Keep(v, scratch)); }
  // Sets start_/end_ from LIMIT for a value of len elements.
  void Range(int64_t len);
  void CollectList(const QuickList& ql, int64_t len);
  void CollectSet(const Entry* e);
  void CollectZSet(const ZSet& zs, int64_t len);
  int Compare(const Item& a, const Item& b) const;

  SortOptions o_;
  bool copy_;
  bool store_ = false;
  std::vector<Item> items_;
  std::deque<std::array<char, kScratch>> digits_;
  std::deque<std::string> owned_;
  std::string num_buf_;
  int64_t start_ = 0;
  int64_t end_ = -1;
};

void Sorter::Range(int64_t len) {
  start_ = std::max<int64_t>(o_.limit_start, 0);
  if (o_.limit_count < 0) {
    end_ = len - 1;
  } else {
    // start + count - 1, saturating instead of overflowing.
    end_ = o_.limit_count > INT64_MAX - start_ ? INT64_MAX : start_ + o_.limit_count - 1;
  }
  if (start_ >= len) {
    start_ = len - 1;
    end_ = len - 2;
  }
  if (end_ >= len) end_ = len - 1;
}

// With BY nosort a list keeps its order (reversed by DESC) and only the LIMIT range is read.
void Sorter::CollectList(const QuickList& ql, int64_t len) {
  char scratch[kScratch];
  if (!o_.dontsort) {
    items_.reserve(len);
    for (QuickList::Iterator it = ql.Begin(); it.Valid(); it.Next()) Add(it.Get(scratch), scratch);
    return;
  }
  int64_t n = end_ - start_ + 1;
  if (n > 0) {
    items_.reserve(n);
    QuickList::Iterator it = ql.At(o_.desc ? len - start_ - 1 : start_);
    for (; n > 0 && it.Valid(); --n) {
      Add(it.Get(scratch), scratch);
      if (o_.desc)
        it.Prev();
      else
        it.Next();
    }
  }
  end_ -= start_;
  start_ = 0;
}

void Sorter::CollectSet(const Entry* e) {
  if (e->enc() == ObjEnc::kIntSet) {
    const auto* is = static_cast<const uint8_t*>(e->object());
    uint32_t n = intset::Length(is);
    items_.reserve(n);
    char scratch[kScratch];
    for (uint32_t i = 0; i < n; ++i) {
      size_t len = FormatInt64(intset::Get(is, i), scratch);
      Add(std::string_view(scratch, len), scratch);
    }
    return;
  }
  const auto* map = static_cast<const StrMap*>(e->object());
  items_.reserve(map->size());
  map->ForEach([this](std::string_view m, std::string_view) { Add(m, nullptr); });
}

// With BY nosort a sorted set keeps its score order (reversed by DESC), read from the LIMIT start.
void Sorter::CollectZSet(const ZSet& zs, int64_t len) {
  if (!o_.dontsort) {
    items_.reserve(len);
    for (const ZSet::Node* n = zs.First(); n != nullptr; n = n->next()) Add(n->member(), nullptr);
    return;
  }
  int64_t n = end_ - start_ + 1;
  if (n > 0) {
    items_.reserve(n);
    const ZSet::Node* node = zs.AtRank(static_cast<size_t>(o_.desc ? len - start_ - 1 : start_));
    for (; n > 0 && node != nullptr; --n) {
      Add(node->member(), nullptr);
      node = o_.desc ? node->prev() : node->next();
    }
  }
  end_ -= start_;
  start_ = 0;
}

std::string Sorter::Collect(DbSlice& slice, DbIndex db, std::string_view key, bool store) {
  store_ = store;
  Slot* s = slice.FindRead(db, key);
  Entry* e = s == nullptr ? nullptr : s->entry();
  ObjType type = e == nullptr ? ObjType::kList : e->type();
  if (type != ObjType::kList && type != ObjType::kSet && type != ObjType::kZSet)
    return errors::kWrongType;
  // A set has no order of its own: BY nosort still sorts it (ALPHA) when the result is stored,
  // so what is stored does not depend on the table's layout.
  if (o_.dontsort && type == ObjType::kSet && store) {
    o_.dontsort = false;
    o_.alpha = true;
    o_.by = {};
  }
  // Redis sorts a sorted set through its skiplist encoding, converting a listpack one for good.
  if (type == ObjType::kZSet && e->enc() == ObjEnc::kListPack) {
    auto* old = static_cast<uint8_t*>(e->object());
    e->set_object(zlp::ToZSet(old), ObjEnc::kSkipList);
    lp::Free(old);
  }

  if (e == nullptr) {
    Range(0);
  } else if (type == ObjType::kList) {
    const auto& ql = *static_cast<const QuickList*>(e->object());
    Range(static_cast<int64_t>(ql.Size()));
    CollectList(ql, static_cast<int64_t>(ql.Size()));
  } else if (type == ObjType::kSet) {
    CollectSet(e);
    Range(static_cast<int64_t>(items_.size()));
  } else {
    const auto& zs = *static_cast<const ZSet*>(e->object());
    Range(static_cast<int64_t>(zs.size()));
    CollectZSet(zs, static_cast<int64_t>(zs.size()));
  }
  return "";
}

template <typename By>
std::string Sorter::Sort(By&& by) {
  if (o_.dontsort) return "";
  bool ok = true;
  char scratch[kScratch];
  for (size_t i = 0; i < items_.size(); ++i) {
    Item& it = items_[i];
    std::string_view byval = it.elem;
    // A missing BY key leaves the item at score 0 (numeric) or first (ALPHA).
    if (!o_.by.empty() && !by(i, scratch, &byval)) continue;
    if (o_.alpha) {
      if (!o_.by.empty()) {
        it.by = byval.data() == scratch ? Keep(byval, scratch) : byval;
        it.has_by = true;
      }
    } else if (!ParseSortScore(byval, &num_buf_, &it.score)) {
      ok = false;
    }
  }
  if (!ok) return kScoreError;
  // glibc's qsort, which Redis uses, is a stable merge sort: ties (ALPHA BY) keep their order.
  std::stable_sort(items_.begin(), items_.end(),
                   [this](const Item& a, const Item& b) { return Compare(a, b) < 0; });
  return "";
}

int Sorter::Compare(const Item& a, const Item& b) const {
  int cmp;
  if (!o_.alpha) {
    // Equal scores fall back to the elements' bytes so the order is deterministic.
    if (a.score != b.score)
      cmp = a.score > b.score ? 1 : -1;
    else
      cmp = CompareBinary(a.elem, b.elem);
  } else if (!o_.by.empty()) {
    if (!a.has_by || !b.has_by)
      cmp = a.has_by == b.has_by ? 0 : (a.has_by ? 1 : -1);
    else
      cmp = store_ ? CompareBinary(a.by, b.by) : CompareCollate(a.by, b.by);
  } else {
    cmp = store_ ? CompareBinary(a.elem, b.elem) : CompareCollate(a.elem, b.elem);
  }
  return o_.desc ? -cmp : cmp;
}

// Reads pattern keys on the shard itself (the local way): views into shard data, valid while
// the command runs there.
struct LocalLookup {
  DbSlice& slice;
  DbIndex db;
  std::string key;
  bool Read(std::string_view pattern, std::string_view elem, char* scratch, std::string_view* out) {
    std::string_view field;
    return FormPatternKey(pattern, elem, &key, &field) &&
           ReadPatternKey(slice, db, key, field, scratch, out);
  }
};

// Builds the sorted list on the calling shard.
QuickList* BuildList(const Sorter& sorter, auto&& get) {
  auto* ql =
      new QuickList(static_cast<int>(ShardSettings::Get(ShardSettings::list_max_listpack_size)));
  sorter.Output(get, [ql](std::string_view v, bool) { ql->Push(QuickList::End::kTail, v); });
  return ql;
}

// SORT ... STORE's write on the destination's shard: the list, or for an empty result (null) the
// destination deleted, when there is one.
void StoreSorted(DbSlice& slice, DbIndex db, std::string_view dst, QuickList* list) {
  if (list != nullptr) {
    PutObject(slice, db, dst, ObjType::kList, ObjEnc::kQuickList, list);
    notify::Emit(notify::kList, "sortstore", dst, db);
  } else if (slice.DeleteKey(db, dst)) {
    notify::Emit(notify::kGeneric, "del", dst, db);
  }
}

// What the first phase of SORT ... STORE hands to the second.
struct StoreState {
  std::string error;
  std::unique_ptr<QuickList> list;
  int64_t len = 0;
};

// The local way (see the file comment).
void SortLocal(ArgSlice args, CommandContext& ctx, const SortOptions& o) {
  DbIndex db = ctx.db_index;
  if (o.store_pos == 0) {
    // The sorted key is the only key, so the connection runs the command on its shard
    // (ctx.shard set) and the reply is written straight from the shard's data.
    Sorter sorter(o, /*copy=*/false);
    LocalLookup lookup{ctx.slice(), db, {}};
    std::string err = sorter.Collect(ctx.slice(), db, args[1], /*store=*/false);
    if (err.empty()) {
      err = sorter.Sort([&](size_t i, char* scratch, std::string_view* v) {
        return lookup.Read(o.by, sorter.elem(i), scratch, v);
      });
    }
    if (!err.empty()) return FailMulti(ctx, err);
    ReplyBuilder* rb = ctx.rb;
    rb->Array(static_cast<size_t>(sorter.OutputLen()));
    sorter.Output([&](size_t, size_t g, std::string_view elem, char* scratch,
                      std::string_view* v) { return lookup.Read(o.gets[g], elem, scratch, v); },
                  [rb](std::string_view v, bool found) {
                    if (found)
                      rb->Bulk(v);
                    else
                      rb->Null();
                  });
    return ctx.Done();
  }

  // STORE: sort and build the list on the source's shard, then store it on the destination's.
  auto st = std::make_shared<StoreState>();
  std::vector<Phase> phases;
  phases.push_back(Phase{
      {1}, [st, args, db, o](Shard& shard, const std::vector<uint32_t>&) {
        DbSlice& slice = shard.db_slice();
        Sorter sorter(o, /*copy=*/false);
        LocalLookup lookup{slice, db, {}};
        st->error = sorter.Collect(slice, db, args[1], /*store=*/true);
        if (st->error.empty()) {
          st->error = sorter.Sort([&](size_t i, char* scratch, std::string_view* v) {
            return lookup.Read(o.by, sorter.elem(i), scratch, v);
          });
        }
        if (!st->error.empty()) return;
        st->len = sorter.OutputLen();
        st->list.reset(BuildList(
            sorter, [&](size_t, size_t g, std::string_view elem, char* scratch,
                        std::string_view* v) { return lookup.Read(o.gets[g], elem, scratch, v); }));
      }});
  phases.push_back(Phase{
      {o.store_pos}, [st, args, db, dst = o.store_pos](Shard& shard, const std::vector<uint32_t>&) {
        if (!st->error.empty()) return;
        DbSlice& slice = shard.db_slice();
        StoreSorted(slice, db, args[dst], st->len > 0 ? st->list.release() : nullptr);
      }});
  CommandContext* c = &ctx;
  RunPhases(ctx, args, std::move(phases), [st, c] {
    if (!st->error.empty())
      c->rb->Error(st->error);
    else
      c->rb->Integer(st->len);
    c->Done();
  });
}

// The transaction of a SORT that reads pattern keys across shards: every shard. Kept in this one
// place so that passing the CommandContext (a SORT inside MULTI/EXEC joins the enclosing
// transaction) is a one-line change.
std::shared_ptr<Transaction> SortTransaction(CommandContext& ctx) {
  return Transaction::CreateAll(ctx);
}

// Pattern key reads of one hop, routed to the shards owning the keys. Built on the coordinator
// between hops; during the hop each shard reads only its own list and writes only the slots in
// it, so the shards never write the same memory.
struct PatternReads {
  struct Read {
    uint32_t slot;
    std::string_view field;  // a view into the command's arguments
    std::string key;
  };
  std::vector<std::vector<Read>> by_shard;
  std::vector<std::string> values;  // per slot: a copy of what was read
  std::vector<uint8_t> found;       // per slot

  void Init(size_t slots) {
    by_shard.assign(Server().shards->size(), {});
    values.assign(slots, {});
    found.assign(slots, 0);
  }
  void Add(uint32_t slot, std::string_view pattern, std::string_view elem) {
    Read r{slot, {}, {}};
    if (!FormPatternKey(pattern, elem, &r.key, &r.field)) return;
    by_shard[Server().shards->ShardOf(r.key)].push_back(std::move(r));
  }
  // On shard s (a hop).
  void Run(Shard& s, DbIndex db) {
    char scratch[kScratch];
    for (const Read& r : by_shard[s.id()]) {
      std::string_view v;
      if (!ReadPatternKey(s.db_slice(), db, r.key, r.field, scratch, &v)) continue;
      values[r.slot].assign(v);
      found[r.slot] = 1;
    }
  }
  bool Get(size_t slot, std::string_view* out) const {
    if (!found[slot]) return false;
    *out = values[slot];
    return true;
  }
};

// The across-shards way (see the file comment): state and steps, all on the coordinator thread
// but for the hop functions. A hop function touches only its shard's data and the slots that
// shard owns; nothing of a shard's data is kept across a hop (the Sorter copies the elements).
class PatternSort {
 public:
  static void Start(ArgSlice args, CommandContext& ctx, const SortOptions& o) {
    auto run = std::shared_ptr<PatternSort>(new PatternSort(args, ctx, o));
    run->tx_ = SortTransaction(ctx);
    run->tx_->Arm([run] { Collect(run); });
  }

  // The guard of the rule "an armed transaction concludes on every path": a step that ended
  // without the concluding hop would leave every shard parked.
  ~PatternSort() {
    if (tx_ != nullptr) tx_->Hop([](Shard&) {}, true, [tx = tx_] {});
  }

 private:
  using Run = std::shared_ptr<PatternSort>;

  PatternSort(ArgSlice args, CommandContext& ctx, const SortOptions& o)
      : args_(args),
        ctx_(&ctx),
        db_(ctx.db_index),
        store_pos_(o.store_pos),
        key_shard_(Server().shards->ShardOf(args[1])),
        store_shard_(o.store_pos == 0 ? 0 : Server().shards->ShardOf(args[o.store_pos])),
        sorter_(o, /*copy=*/true) {}

  // Output's GET reader: the values hop 3 read.
  auto GetFn() const {
    return [this](size_t i, size_t g, std::string_view, char*, std::string_view* v) {
      return gets_.Get(i * sorter_.options().gets.size() + g, v);
    };
  }

  // Hop 1, on the sorted key's shard: copy the elements out; sort there when no BY key is read.
  static void Collect(const Run& run) {
    PatternSort* r = run.get();
    r->tx_->Hop(
        [r](Shard& s) {
          if (s.id() != r->key_shard_) return;
          r->error_ = r->sorter_.Collect(s.db_slice(), r->db_, r->args_[1], r->store_pos_ != 0);
          if (r->error_.empty() && !r->sorter_.NeedsBy())
            r->error_ = r->sorter_.Sort([](size_t, char*, std::string_view*) { return false; });
        },
        false,
        [run] {
          if (!run->error_.empty()) return Finish(run);
          if (run->sorter_.NeedsBy()) return ReadBy(run);
          ReadGets(run);
        });
  }

  // Hop 2, on every shard: the BY values of the items whose BY key it owns; then the sort.
  static void ReadBy(const Run& run) {
    PatternSort* r = run.get();
    std::string_view by = r->sorter_.options().by;
    r->by_.Init(r->sorter_.size());
    for (size_t i = 0; i < r->sorter_.size(); ++i)
      r->by_.Add(static_cast<uint32_t>(i), by, r->sorter_.elem(i));
    // Without GET keys to read or a list to store, nothing follows the sort: this hop concludes.
    const auto& gets = r->sorter_.options().gets;
    bool last = r->store_pos_ == 0 && std::none_of(gets.begin(), gets.end(), FormsKeys);
    r->tx_->Hop([r](Shard& s) { r->by_.Run(s, r->db_); }, last,
                [run, last] {
                  PatternSort* r = run.get();
                  // The ALPHA BY values stay views into by_, which lives as long as the sorter.
                  r->error_ = r->sorter_.Sort(
                      [r](size_t i, char*, std::string_view* v) { return r->by_.Get(i, v); });
                  if (last) return Reply(run);
                  if (!r->error_.empty()) return Finish(run);
                  ReadGets(run);
                });
  }

  // Hop 3, on every shard: the values of the GET keys it owns, for the output range only. It
  // concludes when there is nothing to store.
  static void ReadGets(const Run& run) {
    PatternSort* r = run.get();
    const auto& gets = r->sorter_.options().gets;
    int64_t n = r->sorter_.end() - r->sorter_.start() + 1;
    if (n <= 0 || std::none_of(gets.begin(), gets.end(), FormsKeys)) return Finish(run);
    r->gets_.Init(static_cast<size_t>(n) * gets.size());
    for (int64_t j = 0; j < n; ++j) {
      std::string_view elem = r->sorter_.elem(static_cast<size_t>(r->sorter_.start() + j));
      for (size_t g = 0; g < gets.size(); ++g)
        r->gets_.Add(static_cast<uint32_t>(j * gets.size() + g), gets[g], elem);
    }
    if (r->store_pos_ != 0) {
      r->tx_->Hop([r](Shard& s) { r->gets_.Run(s, r->db_); }, false, [run] { Finish(run); });
    } else {
      r->tx_->Hop([r](Shard& s) { r->gets_.Run(s, r->db_); }, true, [run] { Reply(run); });
    }
  }

  // The concluding hop: the STORE destination's shard writes the result (unless an error came
  // first); then the reply.
  static void Finish(const Run& run) {
    PatternSort* r = run.get();
    r->tx_->Hop(
        [r](Shard& s) {
          if (r->store_pos_ == 0 || !r->error_.empty() || s.id() != r->store_shard_) return;
          DbSlice& slice = s.db_slice();
          std::string_view dst = r->args_[r->store_pos_];
          StoreSorted(slice, r->db_, dst,
                      r->sorter_.OutputLen() > 0 ? BuildList(r->sorter_, r->GetFn()) : nullptr);
        },
        true, [run] { Reply(run); });
  }

  // After the concluding hop, on the coordinator.
  static void Reply(const Run& run) {
    PatternSort* r = run.get();
    r->tx_.reset();  // concluded: the guard has nothing to do
    ReplyBuilder* rb = r->ctx_->rb;
    if (!r->error_.empty()) {
      rb->Error(r->error_);
    } else if (r->store_pos_ != 0) {
      rb->Integer(r->sorter_.OutputLen());
    } else {
      rb->Array(static_cast<size_t>(r->sorter_.OutputLen()));
      r->sorter_.Output(r->GetFn(), [rb](std::string_view v, bool found) {
        if (found)
          rb->Bulk(v);
        else
          rb->Null();
      });
    }
    r->ctx_->Done();
  }

  ArgSlice args_;  // valid until ctx_->Done()
  CommandContext* ctx_;
  DbIndex db_;
  uint32_t store_pos_;
  uint32_t key_shard_;
  uint32_t store_shard_;
  Sorter sorter_;
  std::string error_;
  PatternReads by_;
  PatternReads gets_;
  std::shared_ptr<Transaction> tx_;
};

void SortGeneric(ArgSlice args, CommandContext& ctx, bool readonly) {
  SortOptions o;
  bool full = ctx.user == nullptr || ctx.user->unrestricted ||
              acl::FullKeyAccess(*ctx.user, *ctx.cid, args, key_flag::kAccess);
  std::string err = ParseSort(args, readonly, &o, full);
  if (!err.empty()) return FailMulti(ctx, err);
  // The router sends a command here without a shard (the coordinator) when its patterns read
  // keys off the sorted key's shard (SortNeedsAllShards).
  if (ctx.shard == nullptr && (o.store_pos == 0 || PatternsLeaveKeyShard(args, o)))
    return PatternSort::Start(args, ctx, o);
  SortLocal(args, ctx, o);
}

void CmdSort(ArgSlice args, CommandContext& ctx) { SortGeneric(args, ctx, false); }
void CmdSortRo(ArgSlice args, CommandContext& ctx) { SortGeneric(args, ctx, true); }

}  // namespace

void RegisterSortFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint64_t kDangerous = acl_cat::kDangerous;
  // SORT_RO has no STORE: its only key is the sorted one, so it runs on that key's shard unless
  // its patterns read keys elsewhere. Redis still gives it a getkeys procedure (adding nothing),
  // which COMMAND INFO shows as movablekeys.
  // clang-format off
  r.AddFamily(acl_cat::kSet | acl_cat::kSortedSet | acl_cat::kList, {
      {.name = "sort", .arity = -2, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdSort,
       .acl = kDangerous, .getkeys = SortKeys, .coordinate = SortNeedsAllShards<false>},
      {.name = "sort_ro", .arity = -2, .flags = kReadOnly, .mode = kMulti, .fn = CmdSortRo,
       .acl = kDangerous, .getkeys = [](ArgSlice, std::vector<uint32_t>*) { return true; },
       .coordinate = SortNeedsAllShards<true>},
  });
  // clang-format on
}

}  // namespace shoal
