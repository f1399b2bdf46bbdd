#include "shard/object.h"

#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/str_map.h"
#include "shard/stream.h"
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
    case ObjEnc::kStream:
      delete static_cast<Stream*>(obj);
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
    case ObjEnc::kStream:
      return new Stream(*static_cast<const Stream*>(obj));
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
    case ObjEnc::kStream:
      return static_cast<const Stream*>(obj)->MallocSize();
    default:
      return 0;
  }
}

size_t ObjectMallocSizeSampled(ObjType type, ObjEnc enc, const void* obj, size_t samples) {
  // StrMap and ZSet keep their node bytes as they change, so their exact size is O(1) already and
  // beats any sample; a quicklist must walk its nodes, hence the estimate (as Redis's
  // objectComputeSize: per-element average of the first nodes times the element count).
  if (samples == 0 || enc != ObjEnc::kQuickList) return ObjectMallocSize(type, enc, obj);
  const auto* ql = static_cast<const QuickList*>(obj);
  size_t elems = 0;
  size_t bytes = ql->HeadNodesBytes(samples, &elems);
  size_t total = sizeof(QuickList);
  if (elems > 0)
    total += static_cast<size_t>(static_cast<double>(bytes) / static_cast<double>(elems) *
                                 static_cast<double>(ql->Size()));
  return total;
}

size_t ObjectFreeEffort(ObjType, ObjEnc enc, const void* obj) {
  switch (enc) {
    case ObjEnc::kQuickList:
      return static_cast<const QuickList*>(obj)->NodeCount();
    case ObjEnc::kHashTable:
      return static_cast<const StrMap*>(obj)->size();
    case ObjEnc::kSkipList:
      return static_cast<const ZSet*>(obj)->size();
    case ObjEnc::kStream:
      return static_cast<const Stream*>(obj)->NodeCount() + 1;
    default:
      return 1;
  }
}

}  // namespace shoal
