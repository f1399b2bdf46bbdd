// The structures behind collection values, by (type, encoding):
//   list  quicklist  -> QuickList*       (shard/quicklist.h)
//   hash  listpack   -> listpack bytes   (shard/listpack.h: field, value, field, value ...)
//   hash  hashtable  -> StrMap*          (shard/str_map.h: field -> value)
//   set   intset     -> intset bytes     (shard/intset.h)
//   set   hashtable  -> StrMap*          (members, no values)
//   zset  listpack   -> listpack bytes   (member, score, member, score ... in score order)
//   zset  skiplist   -> ZSet*            (shard/zset.h: member -> score plus an ordered index)
//   stream stream    -> Stream*          (shard/stream.h: listpack nodes by master ID, groups)
// Entry calls these to free, copy and measure a value whatever its structure.
#pragma once

#include <cstddef>

#include "shard/entry.h"

namespace shoal {

void FreeObject(ObjType type, ObjEnc enc, void* obj);
void* CloneObject(ObjType type, ObjEnc enc, const void* obj);
size_t ObjectMallocSize(ObjType type, ObjEnc enc, const void* obj);
// MEMORY USAGE's estimate, O(samples): exact for single-block encodings and for hashtables and
// skiplists (they keep their node bytes); a quicklist extrapolates its first `samples` nodes to
// all of them, as Redis does (0: every node, i.e. ObjectMallocSize).
size_t ObjectMallocSizeSampled(ObjType type, ObjEnc enc, const void* obj, size_t samples);
// How many heap blocks freeing the value touches (Redis's lazyfreeGetFreeEffort): 1 for
// single-block encodings, about the element or node count for the others. O(1).
size_t ObjectFreeEffort(ObjType type, ObjEnc enc, const void* obj);

}  // namespace shoal
