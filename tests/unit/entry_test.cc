#include "shard/entry.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "shard/slab.h"

using namespace shoal;

TEST_CASE("Entry picks Redis's string encodings", "[entry]") {
  char buf[32];
  Entry* e = Entry::NewString("k", "12345", 0, 0);
  REQUIRE(e->enc() == ObjEnc::kInt);
  REQUIRE(e->int_value() == 12345);
  REQUIRE(e->StringBytes(buf) == "12345");
  Entry::Free(e);
  for (std::string v : {"0123", "+1", " 1", "1 ", "-0", "99999999999999999999", ""}) {
    e = Entry::NewString("k", v, 0, 0);
    INFO(v);
    REQUIRE(e->enc() == ObjEnc::kEmbStr);
    REQUIRE(e->StringBytes(buf) == v);
    Entry::Free(e);
  }
  e = Entry::NewString("k", "-9223372036854775808", 0, 0);
  REQUIRE(e->enc() == ObjEnc::kInt);
  REQUIRE(e->StringBytes(buf) == "-9223372036854775808");
  Entry::Free(e);
  e = Entry::NewString("k", std::string(44, 'x'), 0, 0);
  REQUIRE(e->enc() == ObjEnc::kEmbStr);
  Entry::Free(e);
  e = Entry::NewString("k", std::string(45, 'x'), 0, 0);
  REQUIRE(e->enc() == ObjEnc::kRaw);
  REQUIRE(e->str_value() == std::string(45, 'x'));
  Entry::Free(e);
}

TEST_CASE("Entry keeps key, value, expiry and LRU bits apart", "[entry]") {
  std::string key(300, 'k');  // multi-byte varint length
  std::string val(200, 'v');
  Entry* e = Entry::NewString(key, val, 1700000000123, 0xABCDEF);
  REQUIRE(e->key() == key);
  REQUIRE(e->str_value() == val);
  REQUIRE(e->has_expire());
  REQUIRE(e->expire_ms() == 1700000000123);
  REQUIRE(e->lru() == 0xABCDEF);
  e->set_lru(0x123456);
  REQUIRE(e->lru() == 0x123456);
  REQUIRE(e->str_value() == val);
  e = Entry::WithExpire(e, 0);
  REQUIRE_FALSE(e->has_expire());
  REQUIRE(e->expire_ms() == 0);
  REQUIRE(e->key() == key);
  REQUIRE(e->str_value() == val);
  REQUIRE(e->lru() == 0x123456);
  e = Entry::WithExpire(e, 42);
  REQUIRE(e->expire_ms() == 42);
  e = Entry::WithExpire(e, 43);  // in place
  REQUIRE(e->expire_ms() == 43);
  REQUIRE(e->str_value() == val);
  Entry::Free(e);
}

TEST_CASE("Entry small strings take one small block", "[entry]") {
  // 16-byte key + 32-byte value: header 5 + 1 + 16 + 1 + 32 = 55 bytes, which the shard's slab
  // serves from its 56-byte class and mimalloc from its 64-byte one (the figures shard/entry.h
  // and the docs quote).
  Entry* e = Entry::NewString("key:000000012345", std::string(32, 'x'), 0, 0);
  REQUIRE_FALSE(e->slab_block());
  REQUIRE(e->MallocSize() >= 55);
#ifndef SHOAL_SYSTEM_MALLOC
  REQUIRE(e->MallocSize() == 64);
#else
  REQUIRE(e->MallocSize() <= 64);
#endif
  Entry::Free(e);

  Slab slab;
  tl_slab = &slab;
  e = Entry::NewString("key:000000012345", std::string(32, 'x'), 0, 0);
#ifndef SHOAL_SYSTEM_MALLOC
  REQUIRE(e->slab_block());
  REQUIRE(e->MallocSize() == 56);
  REQUIRE(slab.pages() == 1);
#else
  REQUIRE_FALSE(e->slab_block());  // sanitizer builds keep every entry a heap block
  REQUIRE(slab.pages() == 0);
#endif
  // Reuse keeps the block (and its allocator) when it is big enough; the expiry path keeps the
  // flag too.
  Entry* r = Entry::NewString("key:000000012345", std::string(30, 'y'), 0, 0, e);
  REQUIRE(r == e);
  REQUIRE(r->slab_block() == e->slab_block());
  r = Entry::WithExpire(r, 42);  // a new block with room for the expiry
  REQUIRE(r->expire_ms() == 42);
  REQUIRE(r->str_value() == std::string(30, 'y'));
  r = Entry::WithExpire(r, 43);  // in place
  REQUIRE(r->expire_ms() == 43);
  REQUIRE(r->has_expire());
#ifndef SHOAL_SYSTEM_MALLOC
  REQUIRE(r->slab_block());
  REQUIRE(r->MallocSize() == Slab::ClassSize(5 + 1 + 16 + 8 + 1 + 30));
#endif
  r = Entry::Rekey(r, "other", 0);
  REQUIRE(r->key() == "other");
  REQUIRE_FALSE(r->has_expire());
  Entry::Free(r);
  // Blocks above 256 bytes come from the heap.
  e = Entry::NewString(std::string(300, 'k'), "v", 0, 0);
  REQUIRE_FALSE(e->slab_block());
  Entry::Free(e);
  tl_slab = nullptr;
  slab.CollectRemote();  // gives back the emptied current page
  REQUIRE(slab.pages() == 0);
}

TEST_CASE("Entry raw strings grow greedily and clone deeply", "[entry]") {
  Entry* e = Entry::NewRaw("k", "abc", 3, 0, 0);
  REQUIRE(e->enc() == ObjEnc::kRaw);
  RawStr* r = GrowRawStr(e->raw(), 100);
  REQUIRE(r->cap >= 100);
  std::memcpy(r->data() + r->len, "def", 3);
  r->len += 3;
  e->set_raw(r);
  REQUIRE(e->str_value() == "abcdef");
  Entry* c = Entry::Clone(e, "other", 99);
  REQUIRE(c->key() == "other");
  REQUIRE(c->str_value() == "abcdef");
  REQUIRE(c->expire_ms() == 99);
  REQUIRE(c->raw() != e->raw());
  Entry::Free(e);
  Entry::Free(c);
}

TEST_CASE("Entry type and encoding names are Redis's", "[entry]") {
  REQUIRE(std::string(TypeName(ObjType::kString)) == "string");
  REQUIRE(std::string(TypeName(ObjType::kZSet)) == "zset");
  REQUIRE(std::string(EncodingName(ObjEnc::kEmbStr)) == "embstr");
  REQUIRE(std::string(EncodingName(ObjEnc::kListPack)) == "listpack");
  REQUIRE(std::string(EncodingName(ObjEnc::kQuickList)) == "quicklist");
}

TEST_CASE("Entry::NewString reuses an inline block that is big enough", "[entry]") {
  char buf[32];
  Entry* e = Entry::NewString("key", std::string(30, 'a'), 0, 0);
  Entry* same = Entry::NewString("key", "hello", 777, 5, e);  // smaller, with an expiry
  REQUIRE(same == e);
  REQUIRE(same->key() == "key");
  REQUIRE(same->StringBytes(buf) == "hello");
  REQUIRE(same->expire_ms() == 777);
  REQUIRE(same->lru() == 5);
  Entry* as_int = Entry::NewString("key", "12345", 0, 0, same);
  REQUIRE(as_int == same);
  REQUIRE(as_int->enc() == ObjEnc::kInt);
  REQUIRE(as_int->StringBytes(buf) == "12345");
  Entry* bigger = Entry::NewString("key", std::string(44, 'b'), 0, 0, as_int);
  REQUIRE(bigger != as_int);  // did not fit: a new block, the caller frees the old one
  REQUIRE(bigger->str_value() == std::string(44, 'b'));
  Entry::Free(as_int);
  Entry* raw = Entry::NewString("key", std::string(100, 'r'), 0, 0);
  Entry* not_reused = Entry::NewString("key", "x", 0, 0, raw);  // raw owns a block: never reused
  REQUIRE(not_reused != raw);
  Entry::Free(raw);
  Entry::Free(not_reused);
  Entry::Free(bigger);
}
