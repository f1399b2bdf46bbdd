// RDB value codec tests (persistence/rdb_value.h): DUMP payloads byte for byte against Redis
// 7.0.15's (taken with redis-cli DUMP), round trips of every type and encoding (big values, many
// quicklist nodes, a listpack past 65534 entries), every older type Redis 7.0 loads (ziplists,
// zipmaps, plain lists, string-score sorted sets, quicklists of ziplists) from hand-made bytes,
// the load-time conversions over the thresholds, SkipValue, and corrupt input: every truncation
// and many byte flips must fail cleanly, never crash.
#include "persistence/rdb_value.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/numbers.h"
#include "persistence/crc64.h"
#include "shard/access.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/object.h"
#include "shard/quicklist.h"
#include "shard/settings.h"
#include "shard/str_map.h"
#include "shard/stream.h"
#include "shard/zset.h"
#include "tests/unit/counting_sink.h"
#include "tests/value_contents.h"

using namespace shoal;
using namespace shoal::rdb;

namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// A setting changed for one test and restored after it.
class SettingScope {
 public:
  SettingScope(std::atomic<int64_t>& s, int64_t v) : s_(s), old_(s.load()) { s_.store(v); }
  ~SettingScope() { s_.store(old_); }

 private:
  std::atomic<int64_t>& s_;
  int64_t old_;
};

// An entry owning a collection built by the test.
struct Value {
  Entry* e;
  Value(ObjType type, ObjEnc enc, void* obj) : e(Entry::NewObject("k", type, enc, obj, 0, 0)) {}
  explicit Value(std::string_view s) : e(Entry::NewString("k", s, 0, 0)) {}
  ~Value() { Entry::Free(e); }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
};

Value List(const std::vector<std::string>& items, int fill = -2) {
  auto* ql = new QuickList(fill);
  for (const auto& s : items) ql->Push(QuickList::End::kTail, s);
  return Value(ObjType::kList, ObjEnc::kQuickList, ql);
}

Value Intset(const std::vector<int64_t>& members) {
  uint8_t* is = intset::New();
  bool added;
  for (int64_t v : members) is = intset::Add(is, v, &added);
  return Value(ObjType::kSet, ObjEnc::kIntSet, is);
}

Value HashSet(const std::vector<std::string>& members) {
  auto* map = new StrMap();
  for (const auto& m : members) map->Add(m);
  return Value(ObjType::kSet, ObjEnc::kHashTable, map);
}

Value ZsetListpack(const std::vector<std::pair<std::string, double>>& items) {
  uint8_t* lp = lp::New();
  for (const auto& [m, s] : items) lp = zlp::Insert(lp, m, s);
  return Value(ObjType::kZSet, ObjEnc::kListPack, lp);
}

Value ZsetSkiplist(const std::vector<std::pair<std::string, double>>& items) {
  auto* zs = new ZSet();
  for (const auto& [m, s] : items) zs->Insert(m, s);
  return Value(ObjType::kZSet, ObjEnc::kSkipList, zs);
}

Value HashListpack(const std::vector<std::pair<std::string, std::string>>& pairs) {
  uint8_t* lp = lp::New();
  for (const auto& [f, v] : pairs) {
    lp = lp::Append(lp, f);
    lp = lp::Append(lp, v);
  }
  return Value(ObjType::kHash, ObjEnc::kListPack, lp);
}

Value HashTable(const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto* map = new StrMap();
  for (const auto& [f, v] : pairs) map->Set(f, v);
  return Value(ObjType::kHash, ObjEnc::kHashTable, map);
}

std::vector<std::string> Contents(ObjType type, ObjEnc enc, const void* obj) {
  return shoal::testing::ValueContents(type, enc, obj);
}
std::vector<std::string> Contents(const Entry* e) {
  return Contents(e->type(), e->enc(), e->object());
}
std::vector<std::string> Contents(const DecodedValue& v) { return Contents(v.type, v.enc, v.obj); }

// A decoded value freed at the end of the scope.
struct Decoded {
  absl::StatusOr<DecodedValue> v;
  explicit Decoded(absl::StatusOr<DecodedValue> r) : v(std::move(r)) {}
  ~Decoded() {
    if (v.ok()) FreeDecoded(*v);
  }
  bool ok() const { return v.ok(); }
  const DecodedValue& operator*() const { return *v; }
  const DecodedValue* operator->() const { return &*v; }
};

// DecodeValue of a body (type byte first), requiring that it reads every byte.
absl::StatusOr<DecodedValue> Decode(std::string_view typed_body, bool deep = false) {
  Reader r(typed_body);
  auto type = r.ReadByte();
  if (!type.ok()) return type.status();
  auto v = DecodeValue(r, *type, DecodeOptions{deep});
  if (v.ok() && r.remaining() != 0) {
    FreeDecoded(*v);
    return absl::DataLossError("bytes left after the value");
  }
  return v;
}

// The type byte and body of a DUMP payload (its footer removed).
std::string Body(const std::string& payload) { return payload.substr(0, payload.size() - 10); }

// A DUMP payload for a type byte and body.
std::string Payload(std::string typed_body) {
  AppendDumpFooter(&typed_body);
  return typed_body;
}

// Decodes a payload and checks the value's encoding and contents against the entry it came from,
// that SkipValue covers the same bytes, and that the payload dumps back identically.
void CheckRoundTrip(const Entry* e) {
  const std::string payload = DumpPayload(e, true);
  Decoded d(RestorePayload(payload, DecodeOptions{true}));
  REQUIRE(d.ok());
  REQUIRE(d->type == e->type());
  if (e->type() == ObjType::kString) {
    char buf[kInt64BufSize];
    REQUIRE(d->str == e->StringBytes(buf));
  } else {
    REQUIRE(d->enc == e->enc());
    REQUIRE(Contents(*d) == Contents(e));
  }
  for (bool compress : {false, true}) {
    Sink sink;
    EncodeValue(e, compress, sink);
    Reader r(sink.buf());
    REQUIRE(SkipValue(r, ValueType(e)).ok());
    REQUIRE(r.remaining() == 0);
    Reader r2(sink.buf());
    Decoded again(DecodeValue(r2, ValueType(e), {}));
    REQUIRE(again.ok());
    REQUIRE(r2.remaining() == 0);
  }
}

// Test-only encoders of the retired formats.

void AppendLE(uint64_t v, int n, std::string* out) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// A ziplist of the items (canonical integers stored as integers, as Redis's zipTryEncoding).
std::string Ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prev_size = 0, tail = 10;
  for (const auto& s : items) {
    std::string e;
    if (prev_size < 254) {
      e.push_back(static_cast<char>(prev_size));
    } else {
      e.push_back(static_cast<char>(0xFE));
      AppendLE(prev_size, 4, &e);
    }
    int64_t v;
    if (s.size() < 32 && ParseInt64(s, &v)) {
      if (v >= 0 && v <= 12) {
        e.push_back(static_cast<char>(0xF1 + v));
      } else if (v >= INT8_MIN && v <= INT8_MAX) {
        e.push_back(static_cast<char>(0xFE));
        AppendLE(static_cast<uint64_t>(v), 1, &e);
      } else if (v >= INT16_MIN && v <= INT16_MAX) {
        e.push_back(static_cast<char>(0xC0));
        AppendLE(static_cast<uint64_t>(v), 2, &e);
      } else if (v >= -(1 << 23) && v < (1 << 23)) {
        e.push_back(static_cast<char>(0xF0));
        AppendLE(static_cast<uint64_t>(v), 3, &e);
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        e.push_back(static_cast<char>(0xD0));
        AppendLE(static_cast<uint64_t>(v), 4, &e);
      } else {
        e.push_back(static_cast<char>(0xE0));
        AppendLE(static_cast<uint64_t>(v), 8, &e);
      }
    } else if (s.size() <= 63) {
      e.push_back(static_cast<char>(s.size()));
      e += s;
    } else if (s.size() <= 16383) {
      e.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
      e.push_back(static_cast<char>(s.size() & 0xFF));
      e += s;
    } else {
      e.push_back(static_cast<char>(0x80));
      for (int shift = 24; shift >= 0; shift -= 8)
        e.push_back(static_cast<char>(s.size() >> shift));
      e += s;
    }
    tail = 10 + body.size();
    body += e;
    prev_size = e.size();
  }
  std::string zl;
  AppendLE(10 + body.size() + 1, 4, &zl);
  AppendLE(tail, 4, &zl);
  AppendLE(std::min<size_t>(items.size(), 65535), 2, &zl);
  zl += body;
  zl.push_back(static_cast<char>(0xFF));
  return zl;
}

// A zipmap of the pairs (with `free` unused bytes after each value).
std::string Zipmap(const std::vector<std::pair<std::string, std::string>>& pairs, int free = 0) {
  std::string zm(1, static_cast<char>(pairs.size() < 254 ? pairs.size() : 254));
  auto len = [&zm](size_t n) {
    if (n < 254) {
      zm.push_back(static_cast<char>(n));
    } else {
      zm.push_back(static_cast<char>(254));
      AppendLE(n, 4, &zm);
    }
  };
  for (const auto& [f, v] : pairs) {
    len(f.size());
    zm += f;
    len(v.size());
    zm.push_back(static_cast<char>(free));
    zm += v;
    zm.append(free, 'x');
  }
  zm.push_back(static_cast<char>(0xFF));
  return zm;
}

// An RDB string holding raw bytes (never int-encoded or compressed).
std::string RawString(std::string_view s) {
  std::string out;
  AppendLen(s.size(), &out);
  out += s;
  return out;
}

std::string TypeByte(uint8_t t) { return std::string(1, static_cast<char>(t)); }

// A plain collection body: a count, then the strings (for hashes the count is of pairs).
std::string Strings(std::initializer_list<std::string> items, bool pairs = false) {
  std::string out;
  AppendLen(pairs ? items.size() / 2 : items.size(), &out);
  for (const auto& s : items) AppendString(s, false, &out);
  return out;
}
std::string Pairs(std::initializer_list<std::string> items) { return Strings(items, true); }

// Every prefix of a typed body must fail to decode and to skip; so must every single-byte change
// that the body still decodes without: those must decode or fail, never crash.
void CheckCorruptions(const std::string& typed_body) {
  for (size_t n = 1; n < typed_body.size(); ++n) {
    INFO("prefix " << n << " of " << Hex(typed_body));
    Decoded d(Decode(std::string_view(typed_body).substr(0, n)));
    CHECK_FALSE(d.ok());
    Reader r(std::string_view(typed_body).substr(1, n - 1));
    CHECK_FALSE(SkipValue(r, static_cast<uint8_t>(typed_body[0])).ok());
  }
  std::mt19937 rng(7);
  for (size_t i = 1; i < typed_body.size(); ++i) {
    for (int k = 0; k < 8; ++k) {
      std::string b = typed_body;
      b[i] = static_cast<char>(k < 4 ? rng() : b[i] ^ (1 << (k - 4)));
      Decoded d(Decode(b, k % 2 == 0));
      if (d.ok() && !d->empty && d->type != ObjType::kString) {
        // Whatever was accepted is a sound structure.
        if (d->enc == ObjEnc::kQuickList) CHECK(static_cast<QuickList*>(d->obj)->Validate());
        Contents(*d);
      }
    }
  }
}

}  // namespace

TEST_CASE("DUMP payloads are byte-identical to Redis 7.0's", "[rdb_value]") {
  struct Case {
    const char* name;
    std::function<Value()> make;
    const char* redis_hex;
  };
  const std::vector<Case> cases = {
      {"int string", [] { return Value("12"); }, "00c00c0a003c2af8515c04bcd5"},
      {"int16 string", [] { return Value("-100000"); }, "00c26079feff0a00a1ca8470cc216d9d"},
      {"int64 string", [] { return Value("12345678901"); },
       "000b31323334353637383930310a00304e52d727176510"},
      {"embstr", [] { return Value("hello"); }, "000568656c6c6f0a006372df766534200a"},
      {"empty string", [] { return Value(""); }, "00000a005d9b5c400f7fa2da"},
      {"lzf string", [] { return Value(std::string(40, 'a')); },
       "00c30928016161e01b000161610a00cf092faaae25831d"},
      {"list",
       [] {
         return List({"a", "1", "bb", "-5", "70000"});
       },
       "12010218180000000500816102010182626203dffb02f270110104ff0a00815d567743b90f4a"},
      {"list of three nodes",
       [] {
         return List({"a", "b", "c", "d", "e"}, 2);
       },
       "1203020d0d0000000200816102816202ff020d0d0000000200816302816402ff020a0a0000000100816502ff0a"
       "00ec5236a76020a1db"},
      {"intset",
       [] {
         return Intset({3, 1, 2, -1});
       },
       "0b100200000004000000ffff0100020003000a002ed9f5a9f6f74f18"},
      {"intset int64, lzf",
       [] {
         return Intset({5, int64_t{1} << 40, -3});
       },
       "0bc31820040800000003200301fdff80000005200be00000020100000a00109cce0158956f27"},
      {"set hashtable", [] { return HashSet({"x"}); }, "020101780a00ffe880ba760c2f09"},
      {"zset listpack",
       [] {
         return ZsetListpack({{"a", 1}, {"b", 2.5}});
       },
       "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7"},
      {"zset skiplist",
       [] {
         return ZsetSkiplist({{"a", 1}, {"b", 2.5}});
       },
       "0502016200000000000004400161000000000000f03f0a00f46eb73919767291"},
      {"hash listpack",
       [] {
         return HashListpack({{"f", "v"}, {"n", "12"}});
       },
       "1012120000000400816602817602816e020c01ff0a0001369481d35b8974"},
      {"hash listpack, lzf",
       [] {
         std::vector<std::pair<std::string, std::string>> p;
         for (int i = 0; i < 5; ++i) p.emplace_back("field" + std::to_string(i), "value");
         return HashListpack(p);
       },
       "10c32e405214520000000a00866669656c6430078576616c756506800e0031e0050e0032e0050e0033e0050e00"
       "34a00e0106ff0a001847bdde9b4f56a9"},
      {"hash hashtable",
       [] {
         return HashTable({{"f", "v"}});
       },
       "0401016601760a00adf24356b1860efc"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Value v = c.make();
    CHECK(Hex(DumpPayload(v.e, true)) == c.redis_hex);
    // And Redis's payload restores to the same value.
    Decoded d(RestorePayload(Unhex(c.redis_hex), {}));
    REQUIRE(d.ok());
    REQUIRE(d->type == v.e->type());
    if (d->type == ObjType::kString) {
      char buf[kInt64BufSize];
      CHECK(d->str == v.e->StringBytes(buf));
    } else {
      // Small skiplist and hashtable bodies load as listpacks (Redis converts them too).
      const bool converted = ValueType(v.e) == kTypeZSet2 || ValueType(v.e) == kTypeHash;
      CHECK(d->enc == (converted ? ObjEnc::kListPack : v.e->enc()));
      CHECK(Contents(*d) == Contents(v.e));
    }
  }
}

TEST_CASE("ValueType follows the encoding", "[rdb_value]") {
  CHECK(ValueType(Value("x").e) == kTypeString);
  CHECK(ValueType(List({"a"}).e) == kTypeListQuicklist2);
  CHECK(ValueType(Intset({1}).e) == kTypeSetIntset);
  CHECK(ValueType(HashSet({"a"}).e) == kTypeSet);
  CHECK(ValueType(ZsetListpack({{"a", 1}}).e) == kTypeZSetListpack);
  CHECK(ValueType(ZsetSkiplist({{"a", 1}}).e) == kTypeZSet2);
  CHECK(ValueType(HashListpack({{"a", "b"}}).e) == kTypeHashListpack);
  CHECK(ValueType(HashTable({{"a", "b"}}).e) == kTypeHash);
  for (int t = 0; t < 256; ++t)
    CHECK(IsValueType(static_cast<uint8_t>(t)) == ((t >= 0 && t <= 7) || (t >= 9 && t <= 19)));
}

TEST_CASE("Every type and encoding round-trips, big values included", "[rdb_value]") {
  SettingScope hash_entries(ShardSettings::hash_max_listpack_entries, 40000);
  std::mt19937_64 rng(1);
  auto word = [&rng](size_t max_len) {
    std::string s(rng() % max_len, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  };
  CheckRoundTrip(Value("").e);
  CheckRoundTrip(Value("-9223372036854775808").e);
  CheckRoundTrip(Value(std::string(100000, 'z')).e);  // LZF
  CheckRoundTrip(Value(word(5000)).e);                // incompressible raw
  {
    std::vector<std::string> items;
    for (int i = 0; i < 100000; ++i)
      items.push_back(i % 3 == 0 ? std::to_string(i * 7919) : word(30) + "x");
    Value v = List(items);
    REQUIRE(static_cast<QuickList*>(v.e->object())->NodeCount() > 100);
    CheckRoundTrip(v.e);
    // Nodes come back as they were.
    Decoded d(RestorePayload(DumpPayload(v.e, false), {}));
    REQUIRE(d.ok());
    CHECK(static_cast<QuickList*>(d->obj)->NodeCount() ==
          static_cast<QuickList*>(v.e->object())->NodeCount());
    CHECK(static_cast<QuickList*>(d->obj)->Validate());
  }
  {
    std::vector<std::string> big = {std::string(70000, 'q'), "a", word(20000), "b"};
    CheckRoundTrip(List(big).e);  // single-element nodes past the size limit
  }
  {
    std::vector<int64_t> m;
    for (int i = 0; i < 500; ++i) m.push_back(static_cast<int64_t>(rng()) >> (rng() % 60));
    CheckRoundTrip(Intset(m).e);
  }
  {
    std::vector<std::string> m;
    for (int i = 0; i < 5000; ++i) m.push_back(word(40) + std::to_string(i));
    CheckRoundTrip(HashSet(m).e);
  }
  {
    std::vector<std::pair<std::string, double>> z;
    for (int i = 0; i < 100; ++i) z.emplace_back("m" + std::to_string(i), i * 0.1 - 3);
    CheckRoundTrip(ZsetListpack(z).e);
    for (int i = 0; i < 5000; ++i)
      z.emplace_back(word(30) + std::to_string(i), static_cast<double>(rng() % 1000) / 7);
    z.emplace_back("inf", INFINITY);
    z.emplace_back("-inf", -INFINITY);
    CheckRoundTrip(ZsetSkiplist(z).e);
  }
  {
    std::vector<std::pair<std::string, std::string>> h;
    for (int i = 0; i < 100; ++i) h.emplace_back("f" + std::to_string(i), word(50));
    CheckRoundTrip(HashListpack(h).e);
    for (int i = 0; i < 5000; ++i) h.emplace_back(word(30) + "#" + std::to_string(i), word(300));
    CheckRoundTrip(HashTable(h).e);
  }
}

TEST_CASE("A listpack past 65534 entries carries Redis's unknown count", "[rdb_value]") {
  SettingScope entries(ShardSettings::hash_max_listpack_entries, 40000);
  std::vector<std::pair<std::string, std::string>> h;
  for (int i = 0; i < 33000; ++i) h.emplace_back("f" + std::to_string(i), std::to_string(i));
  Value v = HashListpack(h);
  REQUIRE(lp::Length(static_cast<uint8_t*>(v.e->object())) == 66000);
  Sink sink;
  EncodeValue(v.e, false, sink);
  const std::string& body = sink.buf();
  // A 32-bit length (0x80 + 4 bytes), then the header: u32 bytes, u16 count.
  REQUIRE(static_cast<uint8_t>(body[0]) == 0x80);
  CHECK(static_cast<uint8_t>(body[9]) == 0xFF);
  CHECK(static_cast<uint8_t>(body[10]) == 0xFF);
  CheckRoundTrip(v.e);
  Decoded d(RestorePayload(DumpPayload(v.e, false), {}));
  REQUIRE(d.ok());
  CHECK(lp::Length(static_cast<uint8_t*>(d->obj)) == 66000);
}

TEST_CASE("A sink is flushed between the elements of a big value", "[rdb_value]") {
  std::vector<std::string> items;
  for (int i = 0; i < 20000; ++i) items.push_back("element-" + std::to_string(i));
  Value v = List(items);
  CountingSink sink(4096);
  EncodeValue(v.e, true, sink);
  std::string whole = sink.all + sink.buf();
  CHECK(sink.flushes > 10);
  CHECK(sink.max_flush < 4096 + 9000);
  Sink plain;
  EncodeValue(v.e, true, plain);
  CHECK(whole == plain.buf());
}

TEST_CASE("Older types load: plain list, set, hash, string-score zset", "[rdb_value]") {
  {
    std::string b = TypeByte(kTypeList) + "\x03" + RawString("a") + "\xc0\x07" + RawString("cc");
    Decoded d(Decode(b));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kQuickList);
    CHECK(Contents(*d) == std::vector<std::string>{"a", "7", "cc"});
  }
  {
    // Text scores: "1.5", +inf (254), -inf (255).
    std::string b = TypeByte(kTypeZSet) + "\x03" + RawString("a") + "\x03" + "1.5" +
                    RawString("b") + "\xfe" + RawString("c") + "\xff";
    Decoded d(Decode(b));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kListPack);
    CHECK(Contents(*d) == std::vector<std::string>{"c=-inf", "a=1.5", "b=inf"});
    // NaN (253) is refused.
    std::string nan = TypeByte(kTypeZSet) + "\x01" + RawString("a") + "\xfd";
    Decoded bad(Decode(nan));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.v.status().message() == "Zset with NAN score detected");
  }
}

TEST_CASE("Ziplists, zipmaps and quicklists of ziplists load", "[rdb_value]") {
  const std::vector<std::string> items = {"a",
                                          "0",
                                          "12",
                                          "13",
                                          "-128",
                                          "300",
                                          "-300",
                                          "70000",
                                          "-8388608",
                                          "2147483647",
                                          "1" + std::string(12, '0'),
                                          std::string(100, 'x'),
                                          std::string(20000, 'y'),
                                          "-0",
                                          "007"};
  const std::string zl = Ziplist(items);
  {
    Decoded d(Decode(TypeByte(kTypeListZiplist) + RawString(zl)));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kQuickList);
    CHECK(Contents(*d) == items);
    CHECK(static_cast<QuickList*>(d->obj)->Validate());
  }
  {
    // A quicklist of two ziplist nodes and an empty one (skipped).
    std::string b = TypeByte(kTypeListQuicklist) + "\x03" + RawString(zl) + RawString(Ziplist({})) +
                    RawString(Ziplist({"z", "99"}));
    Decoded d(Decode(b));
    REQUIRE(d.ok());
    std::vector<std::string> want = items;
    want.push_back("z");
    want.push_back("99");
    CHECK(Contents(*d) == want);
    CHECK(static_cast<QuickList*>(d->obj)->Validate());
  }
  {
    Decoded d(Decode(TypeByte(kTypeHashZiplist) + RawString(Ziplist({"f", "1", "g", "two"}))));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kListPack);
    CHECK(Contents(*d) == std::vector<std::string>{"f=1", "g=two"});
    // Repeated fields are refused whatever the sanitizing mode (Redis checks them always).
    Decoded dup(Decode(TypeByte(kTypeHashZiplist) + RawString(Ziplist({"f", "1", "f", "2"}))));
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.v.status().message() == "Hash ziplist integrity check failed.");
    Decoded odd(Decode(TypeByte(kTypeHashZiplist) + RawString(Ziplist({"f", "1", "g"}))));
    CHECK_FALSE(odd.ok());
    Decoded empty(Decode(TypeByte(kTypeHashZiplist) + RawString(Ziplist({}))));
    REQUIRE(empty.ok());
    CHECK(empty->empty);
  }
  {
    Decoded d(Decode(TypeByte(kTypeZSetZiplist) +
                     RawString(Ziplist({"a", "1", "b", "2.5", "c", "3000000000"}))));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kListPack);
    CHECK(Contents(*d) == std::vector<std::string>{"a=1", "b=2.5", "c=3000000000"});
  }
  {
    Decoded d(Decode(TypeByte(kTypeHashZipmap) +
                     RawString(Zipmap({{"foo", "bar"}, {"hello", "world"}}, 2))));
    REQUIRE(d.ok());
    CHECK(d->enc == ObjEnc::kListPack);
    CHECK(Contents(*d) == std::vector<std::string>{"foo=bar", "hello=world"});
    // Redis's own example bytes.
    Decoded ex(Decode(TypeByte(kTypeHashZipmap) + RawString(std::string("\x02\x03"
                                                                        "foo\x03\x00"
                                                                        "bar\x05"
                                                                        "hello\x05\x00"
                                                                        "world\xff",
                                                                        24))));
    REQUIRE(ex.ok());
    CHECK(Contents(*ex) == std::vector<std::string>{"foo=bar", "hello=world"});
    Decoded dup(Decode(TypeByte(kTypeHashZipmap) + RawString(Zipmap({{"a", "1"}, {"a", "2"}}))));
    CHECK_FALSE(dup.ok());
    // A big field (5-byte length) goes to a hashtable.
    Decoded big(
        Decode(TypeByte(kTypeHashZipmap) + RawString(Zipmap({{std::string(300, 'f'), "v"}}))));
    REQUIRE(big.ok());
    CHECK(big->enc == ObjEnc::kHashTable);
  }
}

TEST_CASE("Load-time conversions follow Redis with Shoal's thresholds", "[rdb_value]") {
  SettingScope he(ShardSettings::hash_max_listpack_entries, 4);
  SettingScope hv(ShardSettings::hash_max_listpack_value, 10);
  SettingScope ze(ShardSettings::zset_max_listpack_entries, 4);
  SettingScope zv(ShardSettings::zset_max_listpack_value, 10);
  SettingScope si(ShardSettings::set_max_intset_entries, 4);
  auto enc_of = [](const std::string& typed_body) {
    Decoded d(Decode(typed_body));
    REQUIRE(d.ok());
    return d->enc;
  };
  // Plain sets: an intset while integers and under the count, else a hashtable.
  CHECK(enc_of(TypeByte(kTypeSet) + Strings({"1", "2", "3"})) == ObjEnc::kIntSet);
  CHECK(enc_of(TypeByte(kTypeSet) + Strings({"1", "x", "3"})) == ObjEnc::kHashTable);
  CHECK(enc_of(TypeByte(kTypeSet) + Strings({"1", "2", "3", "4", "5"})) == ObjEnc::kHashTable);
  CHECK(enc_of(TypeByte(kTypeSet) + Strings({"1", "01"})) == ObjEnc::kHashTable);
  // Intsets over set-max-intset-entries.
  CHECK(enc_of(Body(DumpPayload(Intset({1, 2, 3, 4}).e, false))) == ObjEnc::kIntSet);
  CHECK(enc_of(Body(DumpPayload(Intset({1, 2, 3, 4, 5}).e, false))) == ObjEnc::kHashTable);
  // Plain hashes: a listpack until a pair is too long, or from the start when too many.
  CHECK(enc_of(TypeByte(kTypeHash) + Pairs({"f", "v", "g", "w"})) == ObjEnc::kListPack);
  CHECK(enc_of(TypeByte(kTypeHash) + Pairs({"f", "v", "g", "wwwwwwwwwww"})) == ObjEnc::kHashTable);
  CHECK(enc_of(TypeByte(kTypeHash) + Pairs({"a", "1", "b", "1", "c", "1", "d", "1", "e", "1"})) ==
        ObjEnc::kHashTable);
  {
    Decoded d(Decode(TypeByte(kTypeHash) + Pairs({"f", "v", "g", "wwwwwwwwwww", "h", "x"})));
    REQUIRE(d.ok());
    CHECK(Contents(*d) == std::vector<std::string>{"f=v", "g=wwwwwwwwwww", "h=x"});
  }
  // Hash listpacks: only the count converts (Redis does not look at the sizes here).
  CHECK(enc_of(Body(DumpPayload(HashListpack({{"f", std::string(50, 'v')}}).e, false))) ==
        ObjEnc::kListPack);
  CHECK(enc_of(Body(DumpPayload(
            HashListpack({{"a", "1"}, {"b", "1"}, {"c", "1"}, {"d", "1"}, {"e", "1"}}).e,
            false))) == ObjEnc::kHashTable);
  // Sorted sets: skiplist bodies become listpacks when small, listpacks over the count skiplists.
  CHECK(enc_of(Body(DumpPayload(ZsetSkiplist({{"a", 1}, {"b", 2}}).e, false))) ==
        ObjEnc::kListPack);
  CHECK(enc_of(Body(DumpPayload(ZsetSkiplist({{std::string(11, 'a'), 1}}).e, false))) ==
        ObjEnc::kSkipList);
  CHECK(enc_of(Body(DumpPayload(ZsetSkiplist({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}}).e,
                                false))) == ObjEnc::kSkipList);
  CHECK(enc_of(Body(DumpPayload(ZsetListpack({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}}).e,
                                false))) == ObjEnc::kSkipList);
  CHECK(enc_of(Body(DumpPayload(ZsetListpack({{std::string(30, 'a'), 1}}).e, false))) ==
        ObjEnc::kListPack);
  // Zipmaps: count or size.
  CHECK(enc_of(TypeByte(kTypeHashZipmap) + RawString(Zipmap({{"f", "vvvvvvvvvvv"}}))) ==
        ObjEnc::kHashTable);
  CHECK(enc_of(TypeByte(kTypeHashZiplist) +
               RawString(Ziplist({"a", "1", "b", "1", "c", "1", "d", "1", "e", "1"}))) ==
        ObjEnc::kHashTable);
  CHECK(enc_of(TypeByte(kTypeZSetZiplist) +
               RawString(Ziplist({"a", "1", "b", "1", "c", "1", "d", "1", "e", "1"}))) ==
        ObjEnc::kSkipList);
}

TEST_CASE("Loaded lists take list-max-listpack-size and keep QuickList's invariants",
          "[rdb_value]") {
  std::vector<std::string> items;
  for (int i = 0; i < 1000; ++i) items.push_back("item" + std::to_string(i));
  Value big_nodes = List(items, -5);  // 64 KB nodes
  const std::string payload = DumpPayload(big_nodes.e, false);
  {
    SettingScope fill(ShardSettings::list_max_listpack_size, 3);
    Decoded d(RestorePayload(payload, {}));
    REQUIRE(d.ok());
    auto* ql = static_cast<QuickList*>(d->obj);
    CHECK(ql->fill() == 3);
    CHECK(ql->Validate());
    CHECK(ql->NodeCount() == 334);
    CHECK(Contents(*d) == items);
  }
  {
    SettingScope fill(ShardSettings::list_max_listpack_size, -5);
    Decoded d(RestorePayload(payload, {}));
    REQUIRE(d.ok());
    CHECK(static_cast<QuickList*>(d->obj)->NodeCount() ==
          static_cast<QuickList*>(big_nodes.e->object())->NodeCount());
  }
  // PLAIN nodes become elements; empty PACKED nodes are skipped; no element at all: empty.
  const std::string empty_lp = Unhex("070000000000ff");
  std::string b = TypeByte(kTypeListQuicklist2) + "\x03" + "\x01" + RawString("plain") + "\x02" +
                  RawString(empty_lp) + "\x02" + RawString(Unhex("0d0000000200816102816202ff"));
  Decoded d(Decode(b));
  REQUIRE(d.ok());
  CHECK(Contents(*d) == std::vector<std::string>{"plain", "a", "b"});
  Decoded none(Decode(TypeByte(kTypeListQuicklist2) + "\x01\x02" + RawString(empty_lp)));
  REQUIRE(none.ok());
  CHECK(none->empty);
  CHECK(
      RestorePayload(Payload(TypeByte(kTypeListQuicklist2) + "\x01\x02" + RawString(empty_lp)), {})
          .status()
          .message() == kErrBadDataFormat);
}

TEST_CASE("Corrupt values are refused with Redis's messages", "[rdb_value]") {
  auto error = [](const std::string& typed_body, bool deep = false) {
    Decoded d(Decode(typed_body, deep));
    REQUIRE_FALSE(d.ok());
    return std::string(d.v.status().message());
  };
  CHECK(error(TypeByte(kTypeSet) + Strings({"1", "1"})) == "Duplicate set members detected");
  CHECK(error(TypeByte(kTypeSet) + Strings({"a", "a"})) == "Duplicate set members detected");
  CHECK(error(TypeByte(kTypeHash) + Pairs({"f", "1", "f", "2"}), true) == "Hash with dup elements");
  {
    // Without deep checks Redis accepts a repeated field in the listpack part of a plain hash.
    Decoded d(Decode(TypeByte(kTypeHash) + Pairs({"f", "1", "f", "2"})));
    CHECK(d.ok());
  }
  {
    SettingScope he(ShardSettings::hash_max_listpack_entries, 1);
    CHECK(error(TypeByte(kTypeHash) + Pairs({"f", "1", "f", "2"})) ==
          "Duplicate hash fields detected");
  }
  CHECK(error(TypeByte(kTypeZSet2) + "\x02" + RawString("a") + std::string(8, '\0') +
              RawString("a") + std::string(8, '\0')) == "Duplicate zset fields detected");
  // Hash / zset listpacks: odd counts always, repeated fields with deep checks.
  const std::string lp_fvf = Unhex("100000000300816602817602816602ff");  // f v f
  CHECK(error(TypeByte(kTypeHashListpack) + RawString(lp_fvf)) ==
        "Hash listpack integrity check failed.");
  const std::string lp_dup = Unhex(
      "110000000400816602010181660202"
      "01ff");  // f 1 f 2
  CHECK(error(TypeByte(kTypeHashListpack) + RawString(lp_dup), true) ==
        "Hash listpack integrity check failed.");
  CHECK(error(TypeByte(kTypeZSetListpack) + RawString(lp_dup), true) ==
        "Zset listpack integrity check failed.");
  {
    Decoded d(Decode(TypeByte(kTypeHashListpack) + RawString(lp_dup)));
    CHECK(d.ok());
    SettingScope he(ShardSettings::hash_max_listpack_entries, 1);
    CHECK(error(TypeByte(kTypeHashListpack) + RawString(lp_dup)) ==
          "Duplicate hash fields detected");
    SettingScope ze(ShardSettings::zset_max_listpack_entries, 1);
    CHECK(error(TypeByte(kTypeZSetListpack) + RawString(lp_dup)) ==
          "Duplicate zset fields detected");
  }
  // Listpacks: a wrong count, a string holding an integer, a bad backlen, a bad encoding.
  CHECK(error(TypeByte(kTypeListQuicklist2) + "\x01\x02" +
              RawString(Unhex("0d0000000300816102816202ff"))) ==
        "Listpack integrity check failed.");
  CHECK(error(TypeByte(kTypeListQuicklist2) + "\x01\x02" +
              RawString(Unhex("0b000000010082313203ff"))) == "Listpack integrity check failed.");
  CHECK(error(TypeByte(kTypeListQuicklist2) + "\x01\x02" +
              RawString(Unhex("0d0000000200816103816202ff"))) ==
        "Listpack integrity check failed.");
  CHECK(error(TypeByte(kTypeListQuicklist2) + "\x01\x02" + RawString(Unhex("0900000001f501ff"))) ==
        "Listpack integrity check failed.");
  CHECK(error(TypeByte(kTypeListQuicklist2) + "\x01\x03" + RawString("x")) ==
        "Quicklist integrity check failed.");
  // Intsets: unsorted, duplicate, bad width, empty.
  CHECK(error(TypeByte(kTypeSetIntset) + RawString(Unhex("020000000200000002000100"))) ==
        "Intset integrity check failed.");
  CHECK(error(TypeByte(kTypeSetIntset) + RawString(Unhex("020000000200000001000100"))) ==
        "Intset integrity check failed.");
  CHECK(error(TypeByte(kTypeSetIntset) + RawString(Unhex("03000000010000000100"))) ==
        "Intset integrity check failed.");
  CHECK(error(TypeByte(kTypeSetIntset) + RawString(Unhex("0200000000000000"))) ==
        "Intset integrity check failed.");
  // Ziplists and zipmaps.
  std::string zl = Ziplist({"a", "b"});
  zl[13] = 5;  // the second entry's prevlen
  CHECK(error(TypeByte(kTypeListZiplist) + RawString(zl)) ==
        "List ziplist integrity check failed.");
  std::string zm = Zipmap({{"a", "1"}});
  zm[0] = 2;  // count
  CHECK(error(TypeByte(kTypeHashZipmap) + RawString(zm)) == "Zipmap integrity check failed.");
  // Modules and streams are refused; unknown types are corrupt.
  {
    Reader r(std::string_view("\x81\x00\x00\x00\x00\x00\x00\x04\x01", 9));
    auto st = DecodeValue(r, kTypeModule2, {});
    REQUIRE(absl::IsUnimplemented(st.status()));
    CHECK(st.status().message() ==
          "The RDB file contains module data I can't load: no matching module type 'AAAAAAAAB'");
  }
  {
    Reader r("");
    auto st = DecodeValue(r, kTypeStreamListpacks2, {});
    REQUIRE_FALSE(st.ok());
    CHECK_FALSE(absl::IsUnimplemented(st.status()));
  }
  CHECK(error(TypeByte(8) + "x") == "Unknown RDB encoding type 8");
}

TEST_CASE("RESTORE payload errors", "[rdb_value]") {
  const std::string good = Unhex("00c00c0a003c2af8515c04bcd5");
  CHECK(RestorePayload(good, {}).ok());
  std::string bad_crc = good;
  bad_crc.back() ^= 1;
  CHECK(RestorePayload(bad_crc, {}).status().message() == kErrDumpPayload);
  CHECK(RestorePayload(bad_crc, {}, /*skip_checksum=*/true).ok());
  std::string future = good;
  future[good.size() - 10] = 11;  // RDB version 11
  CHECK(RestorePayload(future, {}, true).status().message() == kErrDumpPayload);
  CHECK(RestorePayload("short", {}).status().message() == kErrDumpPayload);
  CHECK(RestorePayload(Payload(TypeByte(8) + "\x01x"), {}).status().message() == kErrBadDataFormat);
  CHECK(RestorePayload(Payload(TypeByte(kTypeModule2) + "\x01\x00"), {}).status().message() ==
        kErrBadDataFormat);
  // An empty stream (no nodes, length 0, no groups) is a value, unlike an empty collection.
  Decoded empty_stream(
      RestorePayload(Payload(TypeByte(kTypeStreamListpacks2) + std::string(10, '\0')), {}));
  REQUIRE(empty_stream.ok());
  CHECK(empty_stream->type == ObjType::kStream);
  // As Redis, bytes between the value and the footer are not checked.
  Decoded trailing(RestorePayload(Payload(Unhex("0001") + "xyz" + "garbage"), {}));
  REQUIRE(trailing.ok());
  CHECK(trailing->str == "x");
}

TEST_CASE("SkipValue skips streams and module values", "[rdb_value]") {
  // XADD st 1-1 f v, 2-1 f w; XGROUP CREATE st g 0; XREADGROUP g c1 COUNT 1 (Redis 7.0.15).
  const std::string stream = Unhex(
      "1301100000000000000001000000000000000128280000000f00020100010101816602000102010001000181"
      "760204010201010100018177020401ff02020101010000020101670101010100000000000000010000000000"
      "000001a157974ca20100000101026331a157974ca201000001000000000000000100000000000000010a0060"
      "024b01aeca94e7");
  {
    // It loads: two entries, one group with one consumer holding 1-1 pending.
    Decoded d(RestorePayload(stream, {}));
    REQUIRE(d.ok());
    REQUIRE(d->type == ObjType::kStream);
    auto* st = static_cast<Stream*>(d->obj);
    CHECK(st->length() == 2);
    CHECK(st->last_id() == StreamID{2, 1});
    CHECK(st->first_id() == StreamID{1, 1});
    CHECK(st->entries_added() == 2);
    REQUIRE(st->groups().size() == 1);
    const StreamCG& g = *st->groups().at("g");
    CHECK(g.last_id == StreamID{1, 1});
    CHECK(g.entries_read == 1);
    REQUIRE(g.pel.size() == 1);
    REQUIRE(g.consumers.size() == 1);
    CHECK(g.pel.begin()->second->consumer == g.consumers.at("c1").get());
    CHECK(testing::ValueContents(ObjType::kStream, ObjEnc::kStream, st) ==
          std::vector<std::string>{"1-1 f=v", "2-1 f=w"});
    // And saves back byte for byte (DUMP of the same value).
    Entry* e = Entry::NewObject("st", ObjType::kStream, ObjEnc::kStream, st, 0, 0);
    d.v->obj = nullptr;
    CHECK(DumpPayload(e, false) == stream);
    Entry::Free(e);
    // Every truncation fails cleanly.
    for (size_t n = 1; n + 10 < stream.size(); ++n) {
      std::string body = Body(stream).substr(1, n);
      Reader t(body);
      auto v = DecodeValue(t, kTypeStreamListpacks2, {});
      if (v.ok()) FreeDecoded(*v);
    }
  }
  std::string body = Body(stream).substr(1);
  Reader r(body);
  REQUIRE(SkipValue(r, kTypeStreamListpacks2).ok());
  CHECK(r.remaining() == 0);
  for (size_t n = 0; n < body.size(); ++n) {
    Reader t(std::string_view(body).substr(0, n));
    CHECK_FALSE(SkipValue(t, kTypeStreamListpacks2).ok());
  }
  // MODULE_2: id, then SINT, UINT, FLOAT, DOUBLE, STRING values and EOF.
  std::string module = std::string("\x81\x00\x00\x00\x00\x00\x00\x04\x01", 9) + "\x01\x05" +
                       "\x02\x06" + "\x03" + std::string(4, '\0') + "\x04" + std::string(8, '\0') +
                       "\x05" + RawString("payload") + std::string(1, '\0');
  Reader m(module);
  REQUIRE(SkipValue(m, kTypeModule2).ok());
  CHECK(m.remaining() == 0);
  Reader v1(module);
  CHECK(absl::IsUnimplemented(SkipValue(v1, kTypeModule)));
}

TEST_CASE("Truncated and altered bodies fail cleanly", "[rdb_value]") {
  SettingScope fill(ShardSettings::list_max_listpack_size, 4);
  std::vector<std::string> bodies = {
      Body(DumpPayload(Value("hello").e, false)),
      Body(DumpPayload(Value(std::string(100, 'a') + "b").e, true)),
      Body(DumpPayload(List({"a", "1", "bb", "-5", "70000", "x", "y", "zz", "1000000000000"}).e,
                       true)),
      Body(DumpPayload(Intset({3, 1, 2, -1, 100000}).e, false)),
      Body(DumpPayload(HashSet({"x", "yy", "zzz"}).e, false)),
      Body(DumpPayload(ZsetListpack({{"a", 1}, {"b", 2.5}, {"c", -3}}).e, false)),
      Body(DumpPayload(ZsetSkiplist({{"a", 1}, {"b", 2.5}}).e, false)),
      Body(DumpPayload(HashListpack({{"f", "v"}, {"n", "12"}, {"long", std::string(70, 'l')}}).e,
                       false)),
      Body(DumpPayload(HashTable({{"f", "v"}, {"g", "w"}}).e, false)),
      TypeByte(kTypeListZiplist) + RawString(Ziplist({"a", "300", "-70000", std::string(70, 'x')})),
      TypeByte(kTypeListQuicklist) + "\x02" + RawString(Ziplist({"a", "1"})) +
          RawString(Ziplist({"b"})),
      TypeByte(kTypeHashZiplist) + RawString(Ziplist({"f", "1", "g", "2"})),
      TypeByte(kTypeZSetZiplist) + RawString(Ziplist({"a", "1", "b", "2.5"})),
      TypeByte(kTypeHashZipmap) + RawString(Zipmap({{"foo", "bar"}, {"hello", "world"}}, 1)),
      TypeByte(kTypeList) + "\x02" + RawString("a") + RawString("b"),
      TypeByte(kTypeZSet) + "\x02" + RawString("a") + "\x03" + "1.5" + RawString("b") + "\xfe",
      TypeByte(kTypeHash) + "\x01" + RawString("f") + RawString("v"),
      TypeByte(kTypeSet) + "\x02" + RawString("1") + RawString("x"),
  };
  for (const auto& b : bodies) {
    INFO(Hex(b));
    Decoded whole(Decode(b));
    REQUIRE(whole.ok());
    CheckCorruptions(b);
  }
}

TEST_CASE("AccessFieldFor follows objectSetLRUOrLFU", "[rdb_value]") {
  const int64_t now = 1700000000000;
  CHECK(AccessFieldFor(42, false, -1, -1, 1000, now) == 42);
  CHECK(AccessFieldFor(42, false, -1, 10, 1000, now) == 990);
  CHECK(AccessFieldFor(42, false, -1, 2000, 1000, now) == (1000 + kLruClockMax / 2) % kLruClockMax);
  CHECK(AccessFieldFor(42, true, -1, 10, 1000, now) == 42);
  CHECK(AccessFieldFor(42, true, 200, -1, 1000, now) == LfuField(LfuMinutes(now), 200));
}
