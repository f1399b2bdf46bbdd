// The RDB value codec (rdb_value.h): Shoal's structures written as Redis 7.0's rdbSaveObject
// writes them, and every body Redis 7.0's rdbLoadObject reads turned into Shoal's structures with
// its load-time conversions. Untrusted input never reaches a structure unchecked: listpacks,
// intsets, ziplists and zipmaps are validated entry by entry before they are adopted or converted,
// and nothing is allocated ahead of the bytes that justify it (element counts only bound loops that
// consume input on every turn).
#include "persistence/rdb_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "base/numbers.h"
#include "persistence/rdb_legacy.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/object.h"
#include "shard/quicklist.h"
#include "shard/settings.h"
#include "shard/str_map.h"
#include "shard/stream.h"
#include "shard/zset.h"

// Returns the status of `expr` when it is an error.
#define RDB_RETURN_IF_ERROR(expr)               \
  do {                                          \
    if (absl::Status st_ = (expr); !st_.ok()) { \
      return st_;                               \
    }                                           \
  } while (0)

namespace shoal::rdb {

std::string ModuleNameFromId(uint64_t id) {
  static constexpr char kCharset[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, ' ');
  id >>= 10;
  for (int j = 8; j >= 0; --j) {
    name[j] = kCharset[id & 63];
    id >>= 6;
  }
  return name;
}

namespace {

// Quicklist node containers (quicklist.h QUICKLIST_NODE_CONTAINER_*).
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;
// lpSafeToAdd: a listpack never grows past 1 GB; a value that would becomes a hashtable or
// skiplist.
constexpr size_t kListpackSafetySize = size_t{1} << 30;
// Module value opcodes (rdb.h RDB_MODULE_OPCODE_*).
constexpr uint64_t kModuleOpEof = 0;
constexpr uint64_t kModuleOpSint = 1;
constexpr uint64_t kModuleOpUint = 2;
constexpr uint64_t kModuleOpFloat = 3;
constexpr uint64_t kModuleOpDouble = 4;
constexpr uint64_t kModuleOpString = 5;
constexpr size_t kStreamIdSize = 16;  // two big-endian u64: ms, seq
constexpr size_t kMillisecondTimeSize = 8;

absl::Status Corrupt(std::string msg) { return absl::DataLossError(std::move(msg)); }

int64_t Setting(const std::atomic<int64_t>& s) { return ShardSettings::Get(s); }
// n > a size setting (settings are never negative; a negative one counts as 0).
bool Over(uint64_t n, const std::atomic<int64_t>& limit) {
  return n > static_cast<uint64_t>(std::max<int64_t>(Setting(limit), 0));
}

QuickList* NewList() {
  return new QuickList(static_cast<int>(Setting(ShardSettings::list_max_listpack_size)));
}

// ---------------------------------------------------------------------------------------------
// Writing

// rdbSaveBinaryDoubleValue: IEEE 754 binary64, little endian.
void AppendBinaryDouble(double d, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  AppendLittleEndian(bits, 8, out);
}

// A listpack as Redis saves one (rdbSaveRawString of its bytes): Redis's layout, LZF-compressed
// when that pays. `scratch` holds the bytes when LZF is tried; otherwise they go straight out (a
// listpack never reads as an integer: its first byte, the low byte of its size, is 7 or more and
// never an ASCII digit while the size is at most 11).
void AppendListpack(const uint8_t* lp, bool compress, std::string* scratch, std::string* out) {
  const size_t bytes = lp::Bytes(lp) - (8 - lp::kRedisHeaderSize);
  if (!compress || bytes <= 20) {
    AppendLen(bytes, out);
    lp::AppendRedisLayout(lp, out);
    return;
  }
  scratch->clear();
  lp::AppendRedisLayout(lp, scratch);
  AppendString(*scratch, compress, out);
}

// rdbSaveObject's stream: the nodes (16-byte big-endian master ID, listpack), the counters,
// then every group with its PEL (raw IDs, delivery time and count) and consumers (name, seen
// time, raw IDs of their PEL).
void AppendRawID(StreamID id, std::string* out) {
  char buf[kStreamIdSize];
  EncodeStreamIDBE(id, buf);
  out->append(buf, sizeof buf);
}

void EncodeStream(const Stream& s, bool compress, Sink& sink) {
  std::string& out = sink.buf();
  std::string scratch;
  AppendLen(s.nodes().size(), &out);
  for (const auto& [master, lp] : s.nodes()) {
    char key[kStreamIdSize];
    EncodeStreamIDBE(master, key);
    AppendString(std::string_view(key, sizeof key), compress, &out);
    AppendListpack(lp, compress, &scratch, &out);
    sink.Check();
  }
  AppendLen(s.length(), &out);
  for (StreamID id : {s.last_id(), s.first_id(), s.max_deleted_entry_id()}) {
    AppendLen(id.ms, &out);
    AppendLen(id.seq, &out);
  }
  AppendLen(s.entries_added(), &out);
  AppendLen(s.groups().size(), &out);
  for (const auto& [name, cg] : s.groups()) {
    AppendString(name, compress, &out);
    AppendLen(cg->last_id.ms, &out);
    AppendLen(cg->last_id.seq, &out);
    AppendLen(static_cast<uint64_t>(cg->entries_read), &out);
    AppendLen(cg->pel.size(), &out);
    for (const auto& [id, nack] : cg->pel) {
      AppendRawID(id, &out);
      AppendLittleEndian(nack->delivery_time, 8, &out);
      AppendLen(nack->delivery_count, &out);
      sink.Check();
    }
    AppendLen(cg->consumers.size(), &out);
    for (const auto& [cname, c] : cg->consumers) {
      AppendString(cname, compress, &out);
      AppendLittleEndian(c->seen_time, 8, &out);
      AppendLen(c->pel.size(), &out);
      for (const auto& [id, nack] : c->pel) AppendRawID(id, &out);
      sink.Check();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

absl::Status ReadLen(Reader& r, uint64_t* out) {
  auto len = r.ReadLen();
  if (!len.ok()) return len.status();
  *out = len->value;
  return absl::OkStatus();
}

absl::Status ReadStr(Reader& r, std::string* out) {
  auto s = r.ReadString();
  if (!s.ok()) return s.status();
  *out = *std::move(s);
  return absl::OkStatus();
}

absl::Status Skip(Reader& r, size_t n) { return r.ReadRaw(n).status(); }

// rdbLoadBinaryDoubleValue.
absl::Status ReadBinaryDouble(Reader& r, double* out) {
  auto raw = r.ReadRaw(8);
  if (!raw.ok()) return raw.status();
  uint64_t bits = LoadLittleEndian(raw->data(), 8);
  std::memcpy(out, &bits, sizeof bits);
  return absl::OkStatus();
}

// rdbLoadDoubleValue (ZSET, type 3): a length byte (253 NaN, 254 +inf, 255 -inf) and that many
// bytes of text, read with sscanf("%lg") as Redis does.
absl::Status ReadDoubleString(Reader& r, double* out) {
  auto len = r.ReadByte();
  if (!len.ok()) return len.status();
  switch (*len) {
    case 255:
      *out = -std::numeric_limits<double>::infinity();
      return absl::OkStatus();
    case 254:
      *out = std::numeric_limits<double>::infinity();
      return absl::OkStatus();
    case 253:
      *out = std::numeric_limits<double>::quiet_NaN();
      return absl::OkStatus();
    default:
      break;
  }
  auto raw = r.ReadRaw(*len);
  if (!raw.ok()) return raw.status();
  char buf[256];
  std::memcpy(buf, raw->data(), raw->size());
  buf[raw->size()] = '\0';
  if (std::sscanf(buf, "%lg", out) != 1) return Corrupt("Invalid double value");
  return absl::OkStatus();
}

absl::Status ModuleRefused(Reader& r) {
  uint64_t id;
  RDB_RETURN_IF_ERROR(ReadLen(r, &id));
  return absl::UnimplementedError(
      "The RDB file contains module data I can't load: no matching module type '" +
      ModuleNameFromId(id) + "'");
}

DecodedValue EmptyValue(ObjType type) {
  DecodedValue v;
  v.type = type;
  v.empty = true;
  return v;
}

// A collection under construction: freed on every error path, handed over by Done().
class Building {
 public:
  Building(ObjType type, ObjEnc enc, void* obj) : type_(type), enc_(enc), obj_(obj) {}
  ~Building() {
    if (obj_ != nullptr) FreeObject(type_, enc_, obj_);
  }
  Building(const Building&) = delete;
  Building& operator=(const Building&) = delete;

  ObjEnc enc() const { return enc_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(obj_);
  }
  uint8_t* bytes() const { return static_cast<uint8_t*>(obj_); }
  // After a mutation moved a listpack or intset.
  void set(uint8_t* bytes) { obj_ = bytes; }
  // A conversion: obj (in enc) replaces the current object, which is freed.
  void Convert(ObjEnc enc, void* obj) {
    FreeObject(type_, enc_, obj_);
    enc_ = enc;
    obj_ = obj;
  }
  DecodedValue Done() {
    DecodedValue v;
    v.type = type_;
    v.enc = enc_;
    v.obj = std::exchange(obj_, nullptr);
    return v;
  }

 private:
  ObjType type_;
  ObjEnc enc_;
  void* obj_;
};

// hashTypeConvert of a listpack read from the input: a field that repeats is corruption (Redis
// would panic there).
absl::Status ConvertHash(Building& b) {
  auto map = std::make_unique<StrMap>();
  uint8_t* lp = b.bytes();
  char fbuf[kInt64BufSize], vbuf[kInt64BufSize];
  for (uint8_t* f = lp::First(lp); f != nullptr;) {
    uint8_t* v = lp::Next(lp, f);
    if (!map->Add(lp::Get(f).Str(fbuf), lp::Get(v).Str(vbuf)))
      return Corrupt("Duplicate hash fields detected");
    f = lp::Next(lp, v);
  }
  b.Convert(ObjEnc::kHashTable, map.release());
  return absl::OkStatus();
}

// zsetConvert to a skiplist, with the same rule for repeated members.
absl::Status ConvertZSet(Building& b) {
  bool repeated;
  std::unique_ptr<ZSet> zs(zlp::ToZSet(b.bytes(), &repeated));
  if (repeated) return Corrupt("Duplicate zset fields detected");
  b.Convert(ObjEnc::kSkipList, zs.release());
  return absl::OkStatus();
}

// setTypeConvert: intset -> hashtable.
void ConvertIntset(Building& b) {
  auto* map = new StrMap();
  const uint8_t* is = b.bytes();
  char buf[kInt64BufSize];
  for (uint32_t i = 0, n = intset::Length(is); i < n; ++i)
    map->Add(std::string_view(buf, FormatInt64(intset::Get(is, i), buf)));
  b.Convert(ObjEnc::kHashTable, map);
}

std::string_view EntryStr(const ZiplistEntry& e, char* scratch) {
  if (!e.is_int) return e.sval;
  return std::string_view(scratch, FormatInt64(e.ival, scratch));
}

// A ziplist converted into a listpack (_ziplistEntryConvertAndValidate); with `pairs`, the
// ziplist must hold an even number of entries whose fields (even entries) are all distinct
// (_ziplistPairsEntryConvertAndValidate). nullptr when the ziplist is invalid.
uint8_t* ZiplistToListpack(std::string_view zl, bool pairs) {
  Building b(ObjType::kHash, ObjEnc::kListPack, lp::New());
  std::unique_ptr<StrMap> fields(pairs ? new StrMap() : nullptr);
  uint64_t count = 0;
  const bool ok = ForEachZiplistEntry(zl, [&](const ZiplistEntry& e) {
    char buf[kInt64BufSize];
    if (fields != nullptr && count % 2 == 0 && !fields->Add(EntryStr(e, buf))) return false;
    b.set(e.is_int ? lp::AppendInt(b.bytes(), e.ival) : lp::Append(b.bytes(), e.sval));
    ++count;
    return true;
  });
  if (!ok || (pairs && count % 2 != 0)) return nullptr;
  return static_cast<uint8_t*>(b.Done().obj);
}

// A listpack body (types 16 and 17) validated and adopted: an even number of entries, with
// `deep` distinct fields (lpPairsValidateIntegrityAndDups). -1 when invalid.
int64_t ValidatePairs(std::string_view data, bool deep) {
  std::unique_ptr<StrMap> fields(deep ? new StrMap() : nullptr);
  uint64_t index = 0;
  const int64_t n = lp::ValidateRedisLayout(data, [&](const uint8_t* p) {
    char buf[kInt64BufSize];
    if (fields != nullptr && index % 2 == 0 && !fields->Add(lp::Get(p).Str(buf))) return false;
    ++index;
    return true;
  });
  return n < 0 || n % 2 != 0 ? -1 : n;
}

// ---- One loader per RDB type (rdbLoadObject's branches) ----

absl::StatusOr<DecodedValue> LoadString(Reader& r) {
  DecodedValue v;
  RDB_RETURN_IF_ERROR(ReadStr(r, &v.str));
  return v;
}

// RDB_TYPE_LIST: every element pushed at the tail.
absl::StatusOr<DecodedValue> LoadPlainList(Reader& r) {
  uint64_t len;
  RDB_RETURN_IF_ERROR(ReadLen(r, &len));
  if (len == 0) return EmptyValue(ObjType::kList);
  Building b(ObjType::kList, ObjEnc::kQuickList, NewList());
  std::string s;
  for (; len > 0; --len) {
    RDB_RETURN_IF_ERROR(ReadStr(r, &s));
    b.as<QuickList>()->Push(QuickList::End::kTail, s);
  }
  return b.Done();
}

// RDB_TYPE_SET: an intset while every member is an integer and the count allows it.
absl::StatusOr<DecodedValue> LoadSet(Reader& r) {
  uint64_t len;
  RDB_RETURN_IF_ERROR(ReadLen(r, &len));
  if (len == 0) return EmptyValue(ObjType::kSet);
  const uint64_t max_intset = std::min<uint64_t>(
      std::max<int64_t>(Setting(ShardSettings::set_max_intset_entries), 0), uint64_t{1} << 30);
  Building b = len > max_intset ? Building(ObjType::kSet, ObjEnc::kHashTable, new StrMap())
                                : Building(ObjType::kSet, ObjEnc::kIntSet, intset::New());
  std::string member;
  for (uint64_t i = 0; i < len; ++i) {
    RDB_RETURN_IF_ERROR(ReadStr(r, &member));
    if (b.enc() == ObjEnc::kIntSet) {
      int64_t v;
      if (ParseInt64(member, &v)) {
        bool added;
        b.set(intset::Add(b.bytes(), v, &added));
        if (!added) return Corrupt("Duplicate set members detected");
        continue;
      }
      ConvertIntset(b);
    }
    if (!b.as<StrMap>()->Add(member)) return Corrupt("Duplicate set members detected");
  }
  return b.Done();
}

// RDB_TYPE_ZSET_2 (binary scores) and RDB_TYPE_ZSET (text scores): a skiplist, turned into a
// listpack afterwards when it is small enough.
absl::StatusOr<DecodedValue> LoadZSet(Reader& r, bool binary_scores) {
  uint64_t len;
  RDB_RETURN_IF_ERROR(ReadLen(r, &len));
  if (len == 0) return EmptyValue(ObjType::kZSet);
  Building b(ObjType::kZSet, ObjEnc::kSkipList, new ZSet());
  ZSet* zs = b.as<ZSet>();
  size_t max_len = 0, total_len = 0;
  std::string member;
  for (; len > 0; --len) {
    RDB_RETURN_IF_ERROR(ReadStr(r, &member));
    double score;
    RDB_RETURN_IF_ERROR(binary_scores ? ReadBinaryDouble(r, &score) : ReadDoubleString(r, &score));
    if (std::isnan(score)) return Corrupt("Zset with NAN score detected");
    max_len = std::max(max_len, member.size());
    total_len += member.size();
    if (zs->Find(member) != nullptr) return Corrupt("Duplicate zset fields detected");
    zs->Insert(member, score);
  }
  if (!Over(zs->size(), ShardSettings::zset_max_listpack_entries) &&
      !Over(max_len, ShardSettings::zset_max_listpack_value) && total_len <= kListpackSafetySize) {
    b.Convert(ObjEnc::kListPack, zlp::FromZSet(*zs));
  }
  return b.Done();
}

// RDB_TYPE_HASH: a listpack until a pair breaks the listpack limits, a hashtable from there (or
// from the start when the count is over hash-max-listpack-entries).
absl::StatusOr<DecodedValue> LoadHash(Reader& r, bool deep) {
  uint64_t len;
  RDB_RETURN_IF_ERROR(ReadLen(r, &len));
  if (len == 0) return EmptyValue(ObjType::kHash);
  Building b(ObjType::kHash, ObjEnc::kListPack, lp::New());
  std::unique_ptr<StrMap> seen;
  if (Over(len, ShardSettings::hash_max_listpack_entries))
    b.Convert(ObjEnc::kHashTable, new StrMap());
  else if (deep)
    seen = std::make_unique<StrMap>();
  std::string field, value;
  while (b.enc() == ObjEnc::kListPack && len > 0) {
    --len;
    RDB_RETURN_IF_ERROR(ReadStr(r, &field));
    RDB_RETURN_IF_ERROR(ReadStr(r, &value));
    if (seen != nullptr && !seen->Add(field)) return Corrupt("Hash with dup elements");
    if (Over(field.size(), ShardSettings::hash_max_listpack_value) ||
        Over(value.size(), ShardSettings::hash_max_listpack_value) ||
        lp::Bytes(b.bytes()) + field.size() + value.size() > kListpackSafetySize) {
      RDB_RETURN_IF_ERROR(ConvertHash(b));
      if (!b.as<StrMap>()->Add(field, value)) return Corrupt("Duplicate hash fields detected");
      break;
    }
    b.set(lp::Append(b.bytes(), field));
    b.set(lp::Append(b.bytes(), value));
  }
  while (b.enc() == ObjEnc::kHashTable && len > 0) {
    --len;
    RDB_RETURN_IF_ERROR(ReadStr(r, &field));
    RDB_RETURN_IF_ERROR(ReadStr(r, &value));
    if (!b.as<StrMap>()->Add(field, value)) return Corrupt("Duplicate hash fields detected");
  }
  return b.Done();
}

// RDB_TYPE_LIST_QUICKLIST_2 (PACKED listpack and PLAIN nodes) and RDB_TYPE_LIST_QUICKLIST
// (ziplist nodes). Empty nodes are skipped; a node is adopted as it is when it fits the fill.
absl::StatusOr<DecodedValue> LoadQuicklist(Reader& r, bool ziplists) {
  uint64_t nodes;
  RDB_RETURN_IF_ERROR(ReadLen(r, &nodes));
  if (nodes == 0) return EmptyValue(ObjType::kList);
  Building b(ObjType::kList, ObjEnc::kQuickList, NewList());
  QuickList* ql = b.as<QuickList>();
  std::string data;
  for (; nodes > 0; --nodes) {
    uint64_t container = kContainerPacked;
    if (!ziplists) {
      RDB_RETURN_IF_ERROR(ReadLen(r, &container));
      if (container != kContainerPacked && container != kContainerPlain)
        return Corrupt("Quicklist integrity check failed.");
    }
    RDB_RETURN_IF_ERROR(ReadStr(r, &data));
    if (data.empty()) return Corrupt("Quicklist node is empty");
    if (container == kContainerPlain) {
      ql->Push(QuickList::End::kTail, data);
      continue;
    }
    uint8_t* lp;
    if (ziplists) {
      lp = ZiplistToListpack(data, /*pairs=*/false);
      if (lp == nullptr) return Corrupt("Ziplist integrity check failed.");
    } else {
      const int64_t n = lp::ValidateRedisLayout(data, [](const uint8_t*) { return true; });
      if (n < 0) return Corrupt("Listpack integrity check failed.");
      lp = lp::FromRedisLayout(data, static_cast<uint32_t>(n));
    }
    ql->AppendListpack(lp);
  }
  if (ql->Empty()) return EmptyValue(ObjType::kList);
  return b.Done();
}

// RDB_TYPE_LIST_ZIPLIST: every element pushed at the tail.
absl::StatusOr<DecodedValue> LoadListZiplist(Reader& r) {
  std::string data;
  RDB_RETURN_IF_ERROR(ReadStr(r, &data));
  Building b(ObjType::kList, ObjEnc::kQuickList, NewList());
  QuickList* ql = b.as<QuickList>();
  const bool ok = ForEachZiplistEntry(data, [ql](const ZiplistEntry& e) {
    char buf[kInt64BufSize];
    ql->Push(QuickList::End::kTail, EntryStr(e, buf));
    return true;
  });
  if (!ok) return Corrupt("List ziplist integrity check failed.");
  if (ql->Empty()) return EmptyValue(ObjType::kList);
  return b.Done();
}

absl::StatusOr<DecodedValue> LoadIntset(Reader& r) {
  std::string data;
  RDB_RETURN_IF_ERROR(ReadStr(r, &data));
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  if (!intset::Validate(p, data.size())) return Corrupt("Intset integrity check failed.");
  Building b(ObjType::kSet, ObjEnc::kIntSet, intset::FromBytes(p, data.size()));
  if (Over(intset::Length(b.bytes()), ShardSettings::set_max_intset_entries)) ConvertIntset(b);
  return b.Done();
}

// The sorted-set and hash listpack forms, once the listpack is built: empty, kept, or converted
// over the entry threshold (Redis checks only the count here, not the element sizes). A NaN score
// is refused as in the other sorted-set forms (Redis lets it into a listpack, where it would sort
// nowhere and could not be saved as a skiplist again).
absl::StatusOr<DecodedValue> PairsListpack(ObjType type, uint8_t* lp) {
  Building b(type, ObjEnc::kListPack, lp);
  const uint32_t pairs = lp::Length(lp) / 2;
  if (pairs == 0) return EmptyValue(type);
  if (type == ObjType::kZSet) {
    for (uint8_t* m = lp::First(lp); m != nullptr; m = lp::Next(lp, lp::Next(lp, m))) {
      if (std::isnan(zlp::ScoreAt(lp::Next(lp, m)))) return Corrupt("Zset with NAN score detected");
    }
  }
  if (type == ObjType::kZSet && Over(pairs, ShardSettings::zset_max_listpack_entries))
    RDB_RETURN_IF_ERROR(ConvertZSet(b));
  if (type == ObjType::kHash && Over(pairs, ShardSettings::hash_max_listpack_entries))
    RDB_RETURN_IF_ERROR(ConvertHash(b));
  return b.Done();
}

// RDB_TYPE_ZSET_ZIPLIST / RDB_TYPE_HASH_ZIPLIST.
absl::StatusOr<DecodedValue> LoadPairsZiplist(Reader& r, ObjType type) {
  std::string data;
  RDB_RETURN_IF_ERROR(ReadStr(r, &data));
  uint8_t* lp = ZiplistToListpack(data, /*pairs=*/true);
  if (lp == nullptr) {
    return Corrupt(type == ObjType::kZSet ? "Zset ziplist integrity check failed."
                                          : "Hash ziplist integrity check failed.");
  }
  return PairsListpack(type, lp);
}

// RDB_TYPE_ZSET_LISTPACK / RDB_TYPE_HASH_LISTPACK.
absl::StatusOr<DecodedValue> LoadPairsListpack(Reader& r, ObjType type, bool deep) {
  std::string data;
  RDB_RETURN_IF_ERROR(ReadStr(r, &data));
  const int64_t n = ValidatePairs(data, deep);
  if (n < 0) {
    return Corrupt(type == ObjType::kZSet ? "Zset listpack integrity check failed."
                                          : "Hash listpack integrity check failed.");
  }
  return PairsListpack(type, lp::FromRedisLayout(data, static_cast<uint32_t>(n)));
}

// RDB_TYPE_HASH_ZIPMAP: into a listpack (distinct fields, within the 1 GB limit), then a hashtable
// when the count or an element's size is over the listpack limits.
absl::StatusOr<DecodedValue> LoadZipmap(Reader& r) {
  std::string data;
  RDB_RETURN_IF_ERROR(ReadStr(r, &data));
  Building b(ObjType::kHash, ObjEnc::kListPack, lp::New());
  StrMap fields;
  size_t max_len = 0;
  std::optional<size_t> bad_field_len;
  const bool ok = ForEachZipmapPair(data, [&](std::string_view f, std::string_view v) {
    max_len = std::max({max_len, f.size(), v.size()});
    if (!fields.Add(f) || lp::Bytes(b.bytes()) + f.size() + v.size() > kListpackSafetySize) {
      bad_field_len = f.size();
      return false;
    }
    b.set(lp::Append(b.bytes(), f));
    b.set(lp::Append(b.bytes(), v));
    return true;
  });
  if (bad_field_len) {
    return Corrupt("Hash zipmap with dup elements, or big length (" +
                   std::to_string(*bad_field_len) + ")");
  }
  if (!ok) return Corrupt("Zipmap integrity check failed.");
  if (Over(lp::Length(b.bytes()) / 2, ShardSettings::hash_max_listpack_entries) ||
      Over(max_len, ShardSettings::hash_max_listpack_value))
    RDB_RETURN_IF_ERROR(ConvertHash(b));
  return b.Done();
}

// ---- SkipValue's walks of the self-describing bodies that DecodeValue refuses ----

// rdbLoadCheckModuleValue: opcode-prefixed values until the EOF opcode.
absl::Status SkipModule2(Reader& r) {
  uint64_t id;
  RDB_RETURN_IF_ERROR(ReadLen(r, &id));
  while (true) {
    uint64_t op;
    RDB_RETURN_IF_ERROR(ReadLen(r, &op));
    switch (op) {
      case kModuleOpEof:
        return absl::OkStatus();
      case kModuleOpSint:
      case kModuleOpUint: {
        uint64_t ignored;
        RDB_RETURN_IF_ERROR(ReadLen(r, &ignored));
        break;
      }
      case kModuleOpFloat:
        RDB_RETURN_IF_ERROR(Skip(r, 4));
        break;
      case kModuleOpDouble:
        RDB_RETURN_IF_ERROR(Skip(r, 8));
        break;
      case kModuleOpString:
        RDB_RETURN_IF_ERROR(r.SkipString());
        break;
      default:
        return Corrupt("Unknown module value opcode " + std::to_string(op) + " of module " +
                       ModuleNameFromId(id));
    }
  }
}

absl::Status SkipLens(Reader& r, int n) {
  uint64_t ignored;
  for (int i = 0; i < n; ++i) RDB_RETURN_IF_ERROR(ReadLen(r, &ignored));
  return absl::OkStatus();
}

// The stream body as rdbLoadObject reads it (RDB_TYPE_STREAM_LISTPACKS and _2).
absl::Status SkipStream(Reader& r, bool v2) {
  uint64_t listpacks;
  RDB_RETURN_IF_ERROR(ReadLen(r, &listpacks));
  for (; listpacks > 0; --listpacks) {
    RDB_RETURN_IF_ERROR(r.SkipString());  // master ID
    RDB_RETURN_IF_ERROR(r.SkipString());  // listpack
  }
  // length, last id; v2: first id, max deleted id, entries added.
  RDB_RETURN_IF_ERROR(SkipLens(r, v2 ? 8 : 3));
  uint64_t groups;
  RDB_RETURN_IF_ERROR(ReadLen(r, &groups));
  for (; groups > 0; --groups) {
    RDB_RETURN_IF_ERROR(r.SkipString());           // name
    RDB_RETURN_IF_ERROR(SkipLens(r, v2 ? 3 : 2));  // last delivered id, v2: offset
    uint64_t pel;
    RDB_RETURN_IF_ERROR(ReadLen(r, &pel));
    for (; pel > 0; --pel) {
      RDB_RETURN_IF_ERROR(Skip(r, kStreamIdSize + kMillisecondTimeSize));
      RDB_RETURN_IF_ERROR(SkipLens(r, 1));  // delivery count
    }
    uint64_t consumers;
    RDB_RETURN_IF_ERROR(ReadLen(r, &consumers));
    for (; consumers > 0; --consumers) {
      RDB_RETURN_IF_ERROR(r.SkipString());  // name
      RDB_RETURN_IF_ERROR(Skip(r, kMillisecondTimeSize));
      RDB_RETURN_IF_ERROR(ReadLen(r, &pel));
      for (; pel > 0; --pel) RDB_RETURN_IF_ERROR(Skip(r, kStreamIdSize));
    }
  }
  return absl::OkStatus();
}

// streamValidateListpackIntegrity, deep (always: the stream code walks nodes trusting their
// layout): the master entry, then count + deleted entries, each with integer flags, ID deltas and
// field count, and an lp-count matching its size; nothing after the last entry.
bool ValidStreamNode(uint8_t* lp) {
  auto int_at = [](uint8_t* p, int64_t* v) {
    if (p == nullptr) return false;
    lp::Elem e = lp::Get(p);
    if (!e.is_int) return false;
    *v = e.ival;
    return true;
  };
  uint8_t* p = lp::First(lp);
  int64_t count, deleted, master_fields, v;
  if (!int_at(p, &count)) return false;
  p = lp::Next(lp, p);
  if (!int_at(p, &deleted)) return false;
  p = lp::Next(lp, p);
  if (!int_at(p, &master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 0 || master_fields > lp::Length(lp)) return false;
  for (int64_t j = 0; j < master_fields; j++) {
    p = lp::Next(lp, p);
    if (p == nullptr) return false;
  }
  p = lp::Next(lp, p);
  if (!int_at(p, &v) || v != 0) return false;
  p = lp::Next(lp, p);
  int64_t live = 0, dead = 0;
  for (int64_t n = count + deleted; n > 0; --n) {
    int64_t flags, fields = master_fields, extra = 3;
    if (!int_at(p, &flags)) return false;
    (flags & kStreamItemDeleted) ? ++dead : ++live;
    p = lp::Next(lp, p);
    if (!int_at(p, &v)) return false;
    p = lp::Next(lp, p);
    if (!int_at(p, &v)) return false;
    p = lp::Next(lp, p);
    if (!(flags & kStreamItemSameFields)) {
      if (!int_at(p, &fields) || fields < 0 || fields > lp::Length(lp)) return false;
      p = lp::Next(lp, p);
      for (int64_t j = 0; j < fields; j++) {
        if (p == nullptr) return false;
        p = lp::Next(lp, p);
      }
      extra += fields + 1;
    }
    for (int64_t j = 0; j < fields; j++) {
      if (p == nullptr) return false;
      p = lp::Next(lp, p);
    }
    if (!int_at(p, &v) || v != fields + extra) return false;
    p = lp::Next(lp, p);
  }
  // The iterator trusts the header's counts too (it frees a node whose last live entry goes).
  return p == nullptr && live == count && dead == deleted;
}

absl::Status ReadRawID(Reader& r, StreamID* id) {
  auto raw = r.ReadRaw(kStreamIdSize);
  if (!raw.ok()) return raw.status();
  *id = DecodeStreamIDBE(raw->data());
  return absl::OkStatus();
}

absl::Status ReadMs(Reader& r, uint64_t* out) {
  auto raw = r.ReadRaw(kMillisecondTimeSize);
  if (!raw.ok()) return raw.status();
  *out = LoadLittleEndian(raw->data(), 8);
  return absl::OkStatus();
}

// rdbLoadObject's stream (types 15 and 19).
absl::StatusOr<DecodedValue> LoadStream(Reader& r, bool v2, bool deep) {
  auto s = std::make_unique<Stream>();
  uint64_t nodes;
  RDB_RETURN_IF_ERROR(ReadLen(r, &nodes));
  for (; nodes > 0; --nodes) {
    std::string key, bytes;
    RDB_RETURN_IF_ERROR(ReadStr(r, &key));
    if (key.size() != kStreamIdSize)
      return Corrupt("Stream node key entry is not the size of a stream ID");
    RDB_RETURN_IF_ERROR(ReadStr(r, &bytes));
    int64_t n = lp::ValidateRedisLayout(bytes, [](const uint8_t*) { return true; });
    if (n < 0) return Corrupt("Stream listpack integrity check failed.");
    if (n == 0) return Corrupt("Empty listpack inside stream");
    uint8_t* lp = lp::FromRedisLayout(bytes, static_cast<uint32_t>(n));
    if (!ValidStreamNode(lp)) {
      lp::Free(lp);
      return Corrupt("Stream listpack integrity check failed.");
    }
    StreamID master = DecodeStreamIDBE(key.data());
    if (s->nodes().contains(master)) {
      lp::Free(lp);
      return Corrupt("Listpack re-added with existing key");
    }
    s->AddNode(master, lp);
  }
  (void)deep;
  uint64_t v[8] = {};
  int nv = v2 ? 8 : 3;
  for (int i = 0; i < nv; i++) RDB_RETURN_IF_ERROR(ReadLen(r, &v[i]));
  s->set_length(v[0]);
  s->set_last_id({v[1], v[2]});
  if (v2) {
    s->set_first_id({v[3], v[4]});
    s->set_max_deleted_entry_id({v[5], v[6]});
    s->set_entries_added(v[7]);
  } else {
    s->set_entries_added(v[0]);
    s->set_first_id(s->EdgeID(true, true));
  }
  if (s->length() && s->nodes().empty())
    return Corrupt("Stream length inconsistent with rax entries");
  uint64_t groups;
  RDB_RETURN_IF_ERROR(ReadLen(r, &groups));
  for (; groups > 0; --groups) {
    std::string name;
    RDB_RETURN_IF_ERROR(ReadStr(r, &name));
    auto cg = std::make_unique<StreamCG>();
    RDB_RETURN_IF_ERROR(ReadLen(r, &cg->last_id.ms));
    RDB_RETURN_IF_ERROR(ReadLen(r, &cg->last_id.seq));
    if (v2) {
      uint64_t read;
      RDB_RETURN_IF_ERROR(ReadLen(r, &read));
      cg->entries_read = static_cast<int64_t>(read);
    } else {
      cg->entries_read = s->EstimateDistanceFromFirstEverEntry(cg->last_id);
    }
    uint64_t pel;
    RDB_RETURN_IF_ERROR(ReadLen(r, &pel));
    for (; pel > 0; --pel) {
      StreamID id;
      RDB_RETURN_IF_ERROR(ReadRawID(r, &id));
      auto nack = std::make_unique<StreamNack>();
      RDB_RETURN_IF_ERROR(ReadMs(r, &nack->delivery_time));
      RDB_RETURN_IF_ERROR(ReadLen(r, &nack->delivery_count));
      if (!cg->pel.emplace(id, std::move(nack)).second)
        return Corrupt("Duplicated global PEL entry loading stream consumer group");
    }
    uint64_t consumers;
    RDB_RETURN_IF_ERROR(ReadLen(r, &consumers));
    for (; consumers > 0; --consumers) {
      auto c = std::make_unique<StreamConsumer>();
      RDB_RETURN_IF_ERROR(ReadStr(r, &c->name));
      if (cg->consumers.contains(c->name)) return Corrupt("Duplicate stream consumer detected.");
      RDB_RETURN_IF_ERROR(ReadMs(r, &c->seen_time));
      RDB_RETURN_IF_ERROR(ReadLen(r, &pel));
      for (; pel > 0; --pel) {
        StreamID id;
        RDB_RETURN_IF_ERROR(ReadRawID(r, &id));
        auto it = cg->pel.find(id);
        if (it == cg->pel.end()) return Corrupt("Consumer entry not found in group global PEL");
        if (!c->pel.emplace(id, it->second.get()).second)
          return Corrupt("Duplicated consumer PEL entry  loading a stream consumer group");
        it->second->consumer = c.get();
      }
      std::string cname = c->name;
      cg->consumers.emplace(std::move(cname), std::move(c));
    }
    // Every PEL entry needs its consumer (XINFO, XPENDING, XCLAIM read it); Redis checks this
    // under deep sanitization only, Shoal always.
    for (const auto& [id, nack] : cg->pel)
      if (nack->consumer == nullptr) return Corrupt("Stream CG PEL entry without consumer");
    if (!s->groups().emplace(std::move(name), std::move(cg)).second)
      return Corrupt("Duplicated consumer group name");
  }
  DecodedValue d;
  d.type = ObjType::kStream;
  d.enc = ObjEnc::kStream;
  d.obj = s.release();
  return d;
}

}  // namespace

bool IsValueType(uint8_t type) { return type <= kTypeModule2 || (type >= 9 && type <= 19); }

uint8_t ValueType(const Entry* e) {
  switch (e->type()) {
    case ObjType::kString:
      return kTypeString;
    case ObjType::kList:
      return kTypeListQuicklist2;
    case ObjType::kSet:
      return e->enc() == ObjEnc::kIntSet ? kTypeSetIntset : kTypeSet;
    case ObjType::kZSet:
      return e->enc() == ObjEnc::kListPack ? kTypeZSetListpack : kTypeZSet2;
    case ObjType::kHash:
      return e->enc() == ObjEnc::kListPack ? kTypeHashListpack : kTypeHash;
    case ObjType::kStream:
      return kTypeStreamListpacks2;
  }
  return kTypeString;
}

void EncodeValue(const Entry* e, bool compress, Sink& sink) {
  std::string& out = sink.buf();  // the same string after every Flush
  std::string scratch;
  switch (e->type()) {
    case ObjType::kStream:
      EncodeStream(*static_cast<const Stream*>(e->object()), compress, sink);
      return;
    case ObjType::kString:
      if (e->enc() == ObjEnc::kInt) {
        AppendInt64String(e->int_value(), &out);
      } else if (std::string_view v = e->str_value(); v.size() < Sink::kLargeString) {
        AppendString(v, compress, &out);
      } else if (compress) {
        // LZF needs the whole output at once (Redis's child allocates it too); it goes out
        // without passing through the sink's buffer.
        AppendString(v, compress, &scratch);
        sink.WriteLarge(scratch);
      } else {
        AppendLen(v.size(), &out);
        sink.WriteLarge(v);
      }
      return;
    case ObjType::kList: {
      const auto* ql = static_cast<const QuickList*>(e->object());
      AppendLen(ql->NodeCount(), &out);
      ql->ForEachNode([&](const uint8_t* lp) {
        AppendLen(kContainerPacked, &out);
        AppendListpack(lp, compress, &scratch, &out);
        sink.Check();
      });
      return;
    }
    case ObjType::kSet:
      if (e->enc() == ObjEnc::kIntSet) {
        const auto* is = static_cast<const uint8_t*>(e->object());
        AppendString({reinterpret_cast<const char*>(is), intset::BlobLen(is)}, compress, &out);
        return;
      }
      AppendLen(static_cast<const StrMap*>(e->object())->size(), &out);
      static_cast<const StrMap*>(e->object())->ForEach([&](std::string_view m, std::string_view) {
        AppendString(m, compress, &out);
        sink.Check();
      });
      return;
    case ObjType::kZSet: {
      if (e->enc() == ObjEnc::kListPack) {
        AppendListpack(static_cast<const uint8_t*>(e->object()), compress, &scratch, &out);
        return;
      }
      // From the tail: Redis's loader then inserts every element at the skiplist's head.
      const auto* zs = static_cast<const ZSet*>(e->object());
      AppendLen(zs->size(), &out);
      for (const ZSet::Node* n = zs->Last(); n != nullptr; n = n->prev()) {
        AppendString(n->member(), compress, &out);
        AppendBinaryDouble(n->score(), &out);
        sink.Check();
      }
      return;
    }
    case ObjType::kHash:
      if (e->enc() == ObjEnc::kListPack) {
        AppendListpack(static_cast<const uint8_t*>(e->object()), compress, &scratch, &out);
        return;
      }
      AppendLen(static_cast<const StrMap*>(e->object())->size(), &out);
      static_cast<const StrMap*>(e->object())->ForEach([&](std::string_view f, std::string_view v) {
        AppendString(f, compress, &out);
        AppendString(v, compress, &out);
        sink.Check();
      });
      return;
  }
}

absl::StatusOr<DecodedValue> DecodeValue(Reader& r, uint8_t type, const DecodeOptions& opts) {
  switch (type) {
    case kTypeString:
      return LoadString(r);
    case kTypeList:
      return LoadPlainList(r);
    case kTypeSet:
      return LoadSet(r);
    case kTypeZSet:
      return LoadZSet(r, /*binary_scores=*/false);
    case kTypeZSet2:
      return LoadZSet(r, /*binary_scores=*/true);
    case kTypeHash:
      return LoadHash(r, opts.deep);
    case kTypeListQuicklist:
      return LoadQuicklist(r, /*ziplists=*/true);
    case kTypeListQuicklist2:
      return LoadQuicklist(r, /*ziplists=*/false);
    case kTypeHashZipmap:
      return LoadZipmap(r);
    case kTypeListZiplist:
      return LoadListZiplist(r);
    case kTypeSetIntset:
      return LoadIntset(r);
    case kTypeZSetZiplist:
      return LoadPairsZiplist(r, ObjType::kZSet);
    case kTypeHashZiplist:
      return LoadPairsZiplist(r, ObjType::kHash);
    case kTypeZSetListpack:
      return LoadPairsListpack(r, ObjType::kZSet, opts.deep);
    case kTypeHashListpack:
      return LoadPairsListpack(r, ObjType::kHash, opts.deep);
    case kTypeModule:
    case kTypeModule2:
      return ModuleRefused(r);
    case kTypeStreamListpacks:
      return LoadStream(r, false, opts.deep);
    case kTypeStreamListpacks2:
      return LoadStream(r, true, opts.deep);
    default:
      return Corrupt("Unknown RDB encoding type " + std::to_string(type));
  }
}

absl::Status SkipValue(Reader& r, uint8_t type) {
  uint64_t len;
  switch (type) {
    case kTypeString:
    case kTypeHashZipmap:
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZSetZiplist:
    case kTypeHashZiplist:
    case kTypeZSetListpack:
    case kTypeHashListpack:
      return r.SkipString();
    case kTypeList:
    case kTypeSet:
    case kTypeListQuicklist:
      RDB_RETURN_IF_ERROR(ReadLen(r, &len));
      for (; len > 0; --len) RDB_RETURN_IF_ERROR(r.SkipString());
      return absl::OkStatus();
    case kTypeHash:
      RDB_RETURN_IF_ERROR(ReadLen(r, &len));
      for (; len > 0; --len) {
        RDB_RETURN_IF_ERROR(r.SkipString());
        RDB_RETURN_IF_ERROR(r.SkipString());
      }
      return absl::OkStatus();
    case kTypeZSet:
    case kTypeZSet2:
      RDB_RETURN_IF_ERROR(ReadLen(r, &len));
      for (; len > 0; --len) {
        RDB_RETURN_IF_ERROR(r.SkipString());
        double score;
        RDB_RETURN_IF_ERROR(type == kTypeZSet2 ? ReadBinaryDouble(r, &score)
                                               : ReadDoubleString(r, &score));
      }
      return absl::OkStatus();
    case kTypeListQuicklist2:
      RDB_RETURN_IF_ERROR(ReadLen(r, &len));
      for (; len > 0; --len) {
        uint64_t container;
        RDB_RETURN_IF_ERROR(ReadLen(r, &container));
        RDB_RETURN_IF_ERROR(r.SkipString());
      }
      return absl::OkStatus();
    case kTypeModule:
      return ModuleRefused(r);
    case kTypeModule2:
      return SkipModule2(r);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      return SkipStream(r, type == kTypeStreamListpacks2);
    default:
      return Corrupt("Unknown RDB encoding type " + std::to_string(type));
  }
}

Entry* MakeEntry(std::string_view key, DecodedValue&& v, int64_t expire_ms, uint32_t lru) {
  if (v.type == ObjType::kString) return Entry::NewString(key, v.str, expire_ms, lru);
  return Entry::NewObject(key, v.type, v.enc, std::exchange(v.obj, nullptr), expire_ms, lru);
}

void FreeDecoded(DecodedValue& v) {
  if (v.obj != nullptr) FreeObject(v.type, v.enc, std::exchange(v.obj, nullptr));
  v.str.clear();
}

std::string DumpPayload(const Entry* e, bool compress) {
  Sink sink;
  sink.buf().push_back(static_cast<char>(ValueType(e)));
  EncodeValue(e, compress, sink);
  AppendDumpFooter(&sink.buf());
  return std::move(sink.buf());
}

absl::StatusOr<DecodedValue> RestorePayload(std::string_view payload, const DecodeOptions& opts,
                                            bool skip_checksum) {
  RDB_RETURN_IF_ERROR(VerifyDumpPayload(payload, nullptr, skip_checksum));
  // As Redis, the body is read from the whole payload: a corrupt one may run into the footer, and
  // bytes left before the footer are not an error.
  Reader r(payload);
  auto type = r.ReadByte();
  if (!type.ok() || !IsValueType(*type)) return absl::InvalidArgumentError(kErrBadDataFormat);
  auto v = DecodeValue(r, *type, opts);
  if (v.ok() && !v->empty) return v;
  return absl::InvalidArgumentError(kErrBadDataFormat);
}

}  // namespace shoal::rdb

#undef RDB_RETURN_IF_ERROR
