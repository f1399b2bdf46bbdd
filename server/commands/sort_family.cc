// SORT and SORT_RO (Redis 7.0 sort.c semantics) on lists, sets and sorted sets: BY, LIMIT, GET
// (#, key patterns, key->field hash patterns), ASC/DESC, ALPHA, STORE.
//
// Sharding: the keys a BY/GET pattern forms are read on the sorted key's shard, so a pattern is
// accepted only when every key it can form lives there: always with one shard, otherwise when
// the pattern's hash slot (Redis Cluster's patternHashSlot: a {tag} before any wildcard) maps to
// the key's shard; anything else gets Redis's cluster-mode error. The STORE destination may live
// elsewhere: it is a key of the command (SortKeys), and the store runs as a second phase
// (RunPhases) on its shard with the list built by the first.
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

#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "shard/intset.h"
#include "shard/key_slot.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/shard_set.h"
#include "shard/str_map.h"
#include "shard/zset.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kScoreError[] = "ERR One or more scores can't be converted into double";
constexpr char kByDenied[] =
    "ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in "
    "different slots.";
constexpr char kGetDenied[] =
    "ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in "
    "different slots.";

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

// Whether the keys formed by pattern live on the shard of `key`.
bool PatternOnKeyShard(std::string_view pattern, std::string_view key) {
  const ShardSet& shards = *Server().shards;
  if (shards.size() == 1) return true;
  int slot = PatternHashSlot(pattern);
  return slot >= 0 && static_cast<uint32_t>(slot) % shards.size() == shards.ShardOf(key);
}

// sortCommandGeneric's option parser. Returns "" or the error reply.
std::string ParseSort(ArgSlice args, bool readonly, SortOptions* o) {
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
      if (!protocol::ParseInt64(args[j + 1], &o->limit_start) ||
          !protocol::ParseInt64(args[j + 2], &o->limit_count))
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
        if (!PatternOnKeyShard(p, args[1])) return kByDenied;
        o->by = p;
      }
    } else if (EqNoCaseC(a, "get") && left >= 1) {
      std::string_view p = args[++j];
      if (CStr(p) != "#" && !PatternOnKeyShard(p, args[1])) return kGetDenied;
      o->gets.push_back(p);
    } else {
      return errors::kSyntax;
    }
  }
  return "";
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

// The shard part of a sort, on the sorted key's shard (which also holds every key the BY/GET
// patterns form). Views point into shard data or into `digits_`; they stay valid while the
// command runs on this shard, which mutates nothing but the sorted-set conversion done before
// collecting.
class Sorter {
 public:
  Sorter(DbSlice& slice, DbIndex db, const SortOptions& o) : slice_(slice), db_(db), o_(o) {}

  // Collects, scores and sorts the value under key; "" or the error reply. `store`: the result
  // is stored (ALPHA compares bytes then, and BY nosort on a set sorts).
  std::string Run(std::string_view key, bool store);

  // Number of reply items / stored elements.
  int64_t OutputLen() const {
    int64_t n = end_ - start_ + 1;
    return o_.gets.empty() ? n : n * static_cast<int64_t>(o_.gets.size());
  }
  // fn(value, found) for every output item in order (found = false: a GET that found nothing).
  template <typename Fn>
  void Output(Fn&& fn) {
    char scratch[kScratch];
    for (int64_t j = start_; j <= end_; ++j) {
      std::string_view elem = items_[j].elem;
      if (o_.gets.empty()) fn(elem, true);
      for (std::string_view g : o_.gets) {
        std::string_view v;
        bool found = Lookup(g, elem, scratch, &v);
        fn(v, found);
      }
    }
  }

 private:
  // lookupKeyByPattern: "#" is the element itself; otherwise the pattern's '*' is replaced by
  // subst and the key read as a string or, with "->field" after the '*', as a hash field. False
  // when the pattern has no '*' or the key/field is missing or of another type. Integers are
  // printed into scratch.
  bool Lookup(std::string_view pattern, std::string_view subst, char* scratch,
              std::string_view* out);
  // A view that outlives `scratch`: text printed there is copied into digits_.
  std::string_view Keep(std::string_view v, const char* scratch) {
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
  // Scores every item (BY lookups, numeric parsing); false on a value that is not a number.
  bool Score();
  int Compare(const Item& a, const Item& b, bool store) const;

  DbSlice& slice_;
  DbIndex db_;
  SortOptions o_;
  std::vector<Item> items_;
  std::deque<std::array<char, kScratch>> digits_;
  std::string key_buf_;
  std::string num_buf_;
  int64_t start_ = 0;
  int64_t end_ = -1;
};

bool Sorter::Lookup(std::string_view pattern, std::string_view subst, char* scratch,
                    std::string_view* out) {
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    *out = subst;
    return true;
  }
  // Redis searches the C string for '*' and "->" but measures the pattern by its full length.
  std::string_view cpat = CStr(pattern);
  size_t star = cpat.find('*');
  if (star == std::string_view::npos) return false;
  size_t arrow = cpat.find("->", star + 1);
  std::string_view field;
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size() && pattern[arrow + 2] != '\0')
    field = pattern.substr(arrow + 2);
  size_t postfix = pattern.size() - star - 1 - (field.empty() ? 0 : field.size() + 2);
  key_buf_.assign(pattern.substr(0, star));
  key_buf_.append(subst);
  key_buf_.append(pattern.substr(star + 1, postfix));

  Slot* s = slice_.FindAndTouch(db_, key_buf_);
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
      size_t len = protocol::FormatInt64(intset::Get(is, i), scratch);
      Add(std::string_view(scratch, len), scratch);
    }
    return;
  }
  const auto* map = static_cast<const StrMap*>(e->object());
  items_.reserve(map->size());
  map->ForEach([this](std::string_view m, std::string_view) { items_.emplace_back(m); });
}

// With BY nosort a sorted set keeps its score order (reversed by DESC), read from the LIMIT start.
void Sorter::CollectZSet(const ZSet& zs, int64_t len) {
  if (!o_.dontsort) {
    items_.reserve(len);
    for (const ZSet::Node* n = zs.First(); n != nullptr; n = n->next())
      items_.emplace_back(n->member());
    return;
  }
  int64_t n = end_ - start_ + 1;
  if (n > 0) {
    items_.reserve(n);
    const ZSet::Node* node = zs.AtRank(static_cast<size_t>(o_.desc ? len - start_ - 1 : start_));
    for (; n > 0 && node != nullptr; --n) {
      items_.emplace_back(node->member());
      node = o_.desc ? node->prev() : node->next();
    }
  }
  end_ -= start_;
  start_ = 0;
}

bool Sorter::Score() {
  bool ok = true;
  char scratch[kScratch];
  for (Item& it : items_) {
    std::string_view byval = it.elem;
    // A missing BY key leaves the item at score 0 (numeric) or first (ALPHA).
    if (!o_.by.empty() && !Lookup(o_.by, it.elem, scratch, &byval)) continue;
    if (o_.alpha) {
      if (!o_.by.empty()) {
        it.by = Keep(byval, scratch);
        it.has_by = true;
      }
    } else if (!ParseSortScore(byval, &num_buf_, &it.score)) {
      ok = false;
    }
  }
  return ok;
}

int Sorter::Compare(const Item& a, const Item& b, bool store) const {
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
      cmp = store ? CompareBinary(a.by, b.by) : CompareCollate(a.by, b.by);
  } else {
    cmp = store ? CompareBinary(a.elem, b.elem) : CompareCollate(a.elem, b.elem);
  }
  return o_.desc ? -cmp : cmp;
}

std::string Sorter::Run(std::string_view key, bool store) {
  Slot* s = slice_.FindAndTouch(db_, key);
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
  if (o_.dontsort) return "";
  if (!Score()) return kScoreError;
  // glibc's qsort, which Redis uses, is a stable merge sort: ties (ALPHA BY) keep their order.
  std::stable_sort(items_.begin(), items_.end(), [this, store](const Item& a, const Item& b) {
    return Compare(a, b, store) < 0;
  });
  return "";
}

// What the first phase of SORT ... STORE hands to the second.
struct StoreState {
  std::string error;
  std::unique_ptr<QuickList> list;
  int64_t len = 0;
};

void SortGeneric(ArgSlice args, CommandContext& ctx, bool readonly) {
  SortOptions o;
  std::string err = ParseSort(args, readonly, &o);
  if (!err.empty()) return FailMulti(ctx, err);
  DbIndex db = ctx.db_index;
  if (o.store_pos == 0) {
    // The sorted key is the only key, so the connection runs the command on its shard
    // (ctx.shard set) and the reply is written straight from the shard's data.
    Sorter sorter(ctx.slice(), db, o);
    err = sorter.Run(args[1], /*store=*/false);
    if (!err.empty()) return FailMulti(ctx, err);
    ReplyBuilder* rb = ctx.rb;
    rb->Array(static_cast<size_t>(sorter.OutputLen()));
    sorter.Output([rb](std::string_view v, bool found) {
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
  phases.push_back(
      Phase{{1}, [st, args, db, o](Shard& shard, const std::vector<uint32_t>&) {
              Sorter sorter(shard.db_slice(), db, o);
              st->error = sorter.Run(args[1], /*store=*/true);
              if (!st->error.empty()) return;
              st->len = sorter.OutputLen();
              st->list = std::make_unique<QuickList>(
                  static_cast<int>(ShardSettings::Get(ShardSettings::list_max_listpack_size)));
              QuickList* ql = st->list.get();
              sorter.Output([ql](std::string_view v, bool) { ql->Push(QuickList::End::kTail, v); });
            }});
  phases.push_back(Phase{
      {o.store_pos}, [st, args, db, dst = o.store_pos](Shard& shard, const std::vector<uint32_t>&) {
        if (!st->error.empty()) return;
        DbSlice& slice = shard.db_slice();
        if (st->len > 0) {
          PutObject(slice, db, args[dst], ObjType::kList, ObjEnc::kQuickList, st->list.release());
        } else {
          slice.DeleteKey(db, args[dst]);
        }
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

void CmdSort(ArgSlice args, CommandContext& ctx) { SortGeneric(args, ctx, false); }
void CmdSortRo(ArgSlice args, CommandContext& ctx) { SortGeneric(args, ctx, true); }

}  // namespace

void RegisterSortFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  constexpr uint64_t kAcl =
      acl_cat::kSet | acl_cat::kSortedSet | acl_cat::kList | acl_cat::kSlow | acl_cat::kDangerous;
  CommandId sort = MakeCommand("generic", "sort", -2, kWrite | kDenyOom, 1, 1, 1,
                               acl_cat::kWrite | kAcl, CmdMode::kMulti, CmdSort,
                               "Sort the elements in a list, set or sorted set", "1.0.0");
  sort.getkeys = SortKeys;
  r.Add(std::move(sort));
  // SORT_RO has no STORE: its only key is the sorted one, so it runs on that key's shard. Redis
  // still gives it a getkeys procedure (adding nothing), which COMMAND INFO shows as movablekeys.
  CommandId sort_ro = MakeCommand(
      "generic", "sort_ro", -2, kReadOnly, 1, 1, 1, acl_cat::kRead | kAcl, CmdMode::kShard,
      CmdSortRo, "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
      "7.0.0");
  sort_ro.getkeys = [](ArgSlice, std::vector<uint32_t>*) { return true; };
  r.Add(std::move(sort_ro));
}

}  // namespace shoal
