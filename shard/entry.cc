#include "shard/entry.h"

#include <cstring>

#include "base/numbers.h"
#include "shard/alloc.h"
#include "shard/object.h"
#include "shard/slab.h"
#include "shard/varint.h"

namespace shoal {

namespace {

constexpr size_t kHeader = 5;

// The entry block: a block of the running shard's slab when it has one and the block is small
// (8-byte size classes; mimalloc's are 16 bytes apart, 25% above 128), else a heap block.
// Sanitizer builds always take the heap: ASan must see each entry's own bounds.
uint8_t* NewBlock(size_t need, bool* slab) {
#ifndef SHOAL_SYSTEM_MALLOC
  if (Slab* s = tl_slab; s != nullptr) {
    if (void* b = s->Alloc(need)) {
      *slab = true;
      return static_cast<uint8_t*>(b);
    }
  }
#endif
  *slab = false;
  return static_cast<uint8_t*>(mem::Malloc(need));
}

size_t BlockSize(const Entry* e) {
  return e->slab_block() ? Slab::BlockSize(e) : mem::UsableSize(e);
}

void FreeBlock(Entry* e) {
  if (e->slab_block()) {
    Slab::Free(e);
  } else {
    mem::Free(e);
  }
}

// Allocates a block (or reuses `reuse` when it is big enough) and writes header, key and expiry;
// returns the block and the value offset.
uint8_t* AllocEntry(std::string_view key, ObjType type, ObjEnc enc, int64_t expire_ms, uint32_t lru,
                    size_t value_size, size_t* value_off, Entry* reuse = nullptr) {
  size_t klen_size = VarintLen(key.size());
  size_t off = kHeader + klen_size + key.size() + (expire_ms ? 8 : 0);
  size_t need = off + value_size;
  uint8_t* b;
  bool slab;
  if (reuse != nullptr && BlockSize(reuse) >= need) {
    b = reinterpret_cast<uint8_t*>(reuse);
    slab = reuse->slab_block();  // the block keeps its allocator
  } else {
    b = NewBlock(need, &slab);
  }
  b[0] = static_cast<uint8_t>(static_cast<uint8_t>(type) | (static_cast<uint8_t>(enc) << 4));
  b[1] = static_cast<uint8_t>((expire_ms ? Entry::kFlagExpire : 0) | (slab ? Entry::kFlagSlab : 0));
  b[2] = lru & 0xFF;
  b[3] = (lru >> 8) & 0xFF;
  b[4] = (lru >> 16) & 0xFF;
  PutVarint(b + kHeader, key.size());
  // memmove: when reusing, `key` may be the block's own key bytes.
  if (!key.empty()) std::memmove(b + kHeader + klen_size, key.data(), key.size());
  if (expire_ms) std::memcpy(b + kHeader + klen_size + key.size(), &expire_ms, 8);
  *value_off = off;
  return b;
}

}  // namespace

Entry* Entry::NewEmbStr(std::string_view key, std::string_view value, int64_t expire_ms,
                        uint32_t lru, Entry* reuse) {
  size_t off;
  size_t vl = VarintLen(value.size());
  uint8_t* b = AllocEntry(key, ObjType::kString, ObjEnc::kEmbStr, expire_ms, lru, vl + value.size(),
                          &off, reuse);
  PutVarint(b + off, value.size());
  if (!value.empty()) std::memcpy(b + off + vl, value.data(), value.size());
  return reinterpret_cast<Entry*>(b);
}

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

const char* EncodingName(ObjEnc e) {
  switch (e) {
    case ObjEnc::kRaw:
      return "raw";
    case ObjEnc::kInt:
      return "int";
    case ObjEnc::kHashTable:
      return "hashtable";
    case ObjEnc::kIntSet:
      return "intset";
    case ObjEnc::kSkipList:
      return "skiplist";
    case ObjEnc::kEmbStr:
      return "embstr";
    case ObjEnc::kQuickList:
      return "quicklist";
    case ObjEnc::kListPack:
      return "listpack";
    case ObjEnc::kStream:
      return "stream";
  }
  return "unknown";
}

RawStr* NewRawStr(std::string_view value, size_t cap) {
  if (cap < value.size()) cap = value.size();
  auto* r = static_cast<RawStr*>(mem::Malloc(sizeof(RawStr) + cap));
  r->len = value.size();
  r->cap = mem::UsableSize(r) - sizeof(RawStr);
  if (!value.empty()) std::memcpy(r->data(), value.data(), value.size());
  return r;
}

RawStr* GrowRawStr(RawStr* r, size_t need) {
  if (need <= r->cap) return r;
  constexpr size_t kMaxPrealloc = 1024 * 1024;
  size_t cap = need < kMaxPrealloc ? need * 2 : need + kMaxPrealloc;
  auto* nr = static_cast<RawStr*>(mem::Realloc(r, sizeof(RawStr) + cap));
  nr->cap = mem::UsableSize(nr) - sizeof(RawStr);
  return nr;
}

void FreeRawStr(RawStr* r) { mem::Free(r); }

Entry* Entry::NewString(std::string_view key, std::string_view value, int64_t expire_ms,
                        uint32_t lru, Entry* reuse) {
  // Only a plain inline string block may be overwritten: it owns nothing out of line.
  if (reuse != nullptr && (reuse->type() != ObjType::kString || reuse->enc() == ObjEnc::kRaw))
    reuse = nullptr;
  int64_t iv;
  if (value.size() <= 20 && ParseInt64(value, &iv)) {
    return NewInt(key, iv, expire_ms, lru, reuse);
  }
  if (value.size() <= kEmbStrLimit) return NewEmbStr(key, value, expire_ms, lru, reuse);
  return NewRaw(key, value, value.size(), expire_ms, lru);
}

Entry* Entry::NewInt(std::string_view key, int64_t value, int64_t expire_ms, uint32_t lru,
                     Entry* reuse) {
  size_t off;
  uint8_t* b = AllocEntry(key, ObjType::kString, ObjEnc::kInt, expire_ms, lru, 8, &off, reuse);
  std::memcpy(b + off, &value, 8);
  return reinterpret_cast<Entry*>(b);
}

Entry* Entry::NewObject(std::string_view key, ObjType type, ObjEnc enc, void* obj,
                        int64_t expire_ms, uint32_t lru) {
  size_t off;
  uint8_t* b = AllocEntry(key, type, enc, expire_ms, lru, 8, &off);
  std::memcpy(b + off, &obj, 8);
  return reinterpret_cast<Entry*>(b);
}

Entry* Entry::NewRaw(std::string_view key, std::string_view value, size_t cap, int64_t expire_ms,
                     uint32_t lru) {
  size_t off;
  uint8_t* b = AllocEntry(key, ObjType::kString, ObjEnc::kRaw, expire_ms, lru, 8, &off);
  RawStr* r = NewRawStr(value, cap);
  std::memcpy(b + off, &r, 8);
  return reinterpret_cast<Entry*>(b);
}

Entry* Entry::WithExpire(Entry* e, int64_t expire_ms) {
  if (!e->has_expire() && expire_ms == 0) return e;
  if (e->has_expire() && expire_ms != 0) {
    std::memcpy(e->bytes() + e->KeyEnd(), &expire_ms, 8);
    return e;
  }
  return Rekey(e, e->key(), expire_ms);
}

Entry* Entry::Rekey(Entry* e, std::string_view new_key, int64_t expire_ms) {
  size_t vsize = e->ValueSize();
  size_t off;
  uint8_t* b = AllocEntry(new_key, e->type(), e->enc(), expire_ms, e->lru(), vsize, &off);
  std::memcpy(b + off, e->bytes() + e->ValueOffset(), vsize);
  FreeBlock(e);  // value pointers (raw/objects) moved to the new block
  return reinterpret_cast<Entry*>(b);
}

size_t Entry::ValueSize() const {
  if (enc() != ObjEnc::kEmbStr) return 8;  // int64, or a pointer
  uint64_t len;
  size_t n = GetVarint(bytes() + ValueOffset(), &len);
  return n + len;
}

Entry* Entry::Clone(const Entry* e, std::string_view new_key, int64_t expire_ms) {
  switch (e->enc()) {
    case ObjEnc::kInt:
      return NewInt(new_key, e->int_value(), expire_ms, e->lru());
    case ObjEnc::kEmbStr:
      return NewEmbStr(new_key, e->str_value(), expire_ms, e->lru());
    case ObjEnc::kRaw:
      return NewRaw(new_key, e->str_value(), e->str_value().size(), expire_ms, e->lru());
    default:
      return NewObject(new_key, e->type(), e->enc(), CloneObject(e->type(), e->enc(), e->object()),
                       expire_ms, e->lru());
  }
}

void Entry::Free(Entry* e) {
  if (e->enc() == ObjEnc::kRaw) {
    FreeRawStr(e->raw());
  } else if (e->type() != ObjType::kString) {
    FreeObject(e->type(), e->enc(), e->object());
  }
  FreeBlock(e);
}

size_t Entry::KeyEnd() const {
  uint64_t klen;
  size_t n = GetVarint(bytes() + kHeader, &klen);
  return kHeader + n + klen;
}

size_t Entry::ValueOffset() const { return KeyEnd() + (has_expire() ? 8 : 0); }

std::string_view Entry::key() const {
  uint64_t klen;
  size_t n = GetVarint(bytes() + kHeader, &klen);
  return {reinterpret_cast<const char*>(bytes() + kHeader + n), klen};
}

int64_t Entry::expire_ms() const {
  if (!has_expire()) return 0;
  int64_t v;
  std::memcpy(&v, bytes() + KeyEnd(), 8);
  return v;
}

int64_t Entry::int_value() const {
  int64_t v;
  std::memcpy(&v, bytes() + ValueOffset(), 8);
  return v;
}

RawStr* Entry::raw() const {
  RawStr* r;
  std::memcpy(&r, bytes() + ValueOffset(), 8);
  return r;
}

void Entry::set_raw(RawStr* r) { std::memcpy(bytes() + ValueOffset(), &r, 8); }

void* Entry::object() const {
  void* p;
  std::memcpy(&p, bytes() + ValueOffset(), 8);
  return p;
}

void Entry::set_object(void* obj, ObjEnc enc) {
  std::memcpy(bytes() + ValueOffset(), &obj, 8);
  bytes()[0] = static_cast<uint8_t>((bytes()[0] & 0xF) | (static_cast<uint8_t>(enc) << 4));
}

std::string_view Entry::str_value() const {
  if (enc() == ObjEnc::kRaw) {
    RawStr* r = raw();
    return {r->data(), r->len};
  }
  size_t off = ValueOffset();
  uint64_t len;
  size_t n = GetVarint(bytes() + off, &len);
  return {reinterpret_cast<const char*>(bytes() + off + n), len};
}

std::string_view Entry::StringBytes(char* scratch) const {
  if (enc() == ObjEnc::kInt) {
    size_t n = FormatInt64(int_value(), scratch);
    return {scratch, n};
  }
  return str_value();
}

size_t Entry::MallocSize() const {
  size_t s = BlockSize(this);
  if (enc() == ObjEnc::kRaw) s += mem::UsableSize(raw());
  return s;
}

size_t Entry::TotalMallocSize() const {
  size_t s = MallocSize();
  if (type() != ObjType::kString) s += ObjectMallocSize(type(), enc(), object());
  return s;
}

}  // namespace shoal
