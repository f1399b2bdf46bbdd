// Intset: a sorted array of distinct int64s in one mi_malloc block, stored in the narrowest width
// (16, 32 or 64 bits) that holds every member; adding a wider value upgrades the whole array
// (Redis's intset idea). The small encoding of sets whose members are all integers.
// Layout: [u32 width in bytes][u32 length][members, ascending, little-endian].
// Threading: plain data, owned by one shard.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal::intset {

uint8_t* New();
void Free(uint8_t* is);
uint8_t* Clone(const uint8_t* is);
size_t MallocSize(const uint8_t* is);
uint32_t Length(const uint8_t* is);
bool Contains(const uint8_t* is, int64_t v);
// Adds v (keeps order); *added tells whether it was new. May move the block.
uint8_t* Add(uint8_t* is, int64_t v, bool* added);
// Removes v; *removed tells whether it was there. May move (shrink) the block.
uint8_t* Remove(uint8_t* is, int64_t v, bool* removed);
// The member at position pos (0-based, ascending order); pos < Length.
int64_t Get(const uint8_t* is, uint32_t pos);
// Bytes the members take (width * length + header), as Redis's intsetBlobLen.
size_t BlobLen(const uint8_t* is);

// Checks untrusted bytes (an RDB intset, whose layout is this one): width 2, 4 or 8, size equal to
// the header plus width * length, at least one member, members strictly ascending (Redis's
// intsetValidateIntegrity with its deep checks). Never reads outside [p, p + size).
bool Validate(const uint8_t* p, size_t size);
// A new intset holding a copy of bytes Validate accepted.
uint8_t* FromBytes(const uint8_t* p, size_t size);

}  // namespace shoal::intset
