#include "shard/object.h"

#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/str_map.h"
#include "shard/zset.h"

namespace shoal {

namespace {
uint8_t* Bytes(void* p) { return static_cast<uint8_t*>(p); }
const uint8_t* Bytes(const void* p) { return static_cast<const uint8_t*>(p); }
}  // namespace

void FreeObject(ObjType type, ObjEnc enc, void* obj) {
  switch (enc) {
    case ObjEnc::kQuickList:
      delete static_cast<QuickList*>(obj);
      return;
    case ObjEnc::kListPack:
      lp::Free(Bytes(obj));
      return;
    case ObjEnc::kIntSet:
      intset::Free(Bytes(obj));
      return;
    case ObjEnc::kHashTable:
      delete static_cast<StrMap*>(obj);
      return;
    case ObjEnc::kSkipList:
      delete static_cast<ZSet*>(obj);
      return;
    default:
      (void)type;
      return;
  }
}

void* CloneObject(ObjType, ObjEnc enc, const void* obj) {
  switch (enc) {
    case ObjEnc::kQuickList:
      return new QuickList(*static_cast<const QuickList*>(obj));
    case ObjEnc::kListPack:
      return lp::Clone(Bytes(obj));
    case ObjEnc::kIntSet:
      return intset::Clone(Bytes(obj));
    case ObjEnc::kHashTable:
      return new StrMap(*static_cast<const StrMap*>(obj));
    case ObjEnc::kSkipList:
      return new ZSet(*static_cast<const ZSet*>(obj));
    default:
      return nullptr;
  }
}

size_t ObjectMallocSize(ObjType, ObjEnc enc, const void* obj) {
  switch (enc) {
    case ObjEnc::kQuickList:
      return static_cast<const QuickList*>(obj)->MallocSize();
    case ObjEnc::kListPack:
      return lp::MallocSize(Bytes(obj));
    case ObjEnc::kIntSet:
      return intset::MallocSize(Bytes(obj));
    case ObjEnc::kHashTable:
      return static_cast<const StrMap*>(obj)->MallocSize();
    case ObjEnc::kSkipList:
      return static_cast<const ZSet*>(obj)->MallocSize();
    default:
      return 0;
  }
}

}  // namespace shoal
