// A read-only view of a set value (an intset or a StrMap), shared by the set commands and the
// sorted-set algebra, which takes a set as a sorted set with every score 1.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/numbers.h"
#include "shard/entry.h"
#include "shard/intset.h"
#include "shard/str_map.h"

namespace shoal {

// One member while iterating: intset members come with their integer, so checks against another
// intset skip the parse.
struct Member {
  std::string_view str;
  int64_t ll = 0;
  bool is_int = false;
};

// A read-only view of a set value; obj == nullptr stands for a missing key (an empty set).
struct SetRef {
  ObjEnc enc = ObjEnc::kIntSet;
  const void* obj = nullptr;

  const uint8_t* is() const { return static_cast<const uint8_t*>(obj); }
  const StrMap* map() const { return static_cast<const StrMap*>(obj); }
  size_t Size() const {
    if (obj == nullptr) return 0;
    return enc == ObjEnc::kIntSet ? intset::Length(is()) : map()->size();
  }
  bool Contains(const Member& m) const {
    if (obj == nullptr) return false;
    if (enc != ObjEnc::kIntSet) return map()->Contains(m.str);
    int64_t v = m.ll;
    return (m.is_int || ParseInt64(m.str, &v)) && intset::Contains(is(), v);
  }
  bool Contains(std::string_view s) const { return Contains(Member{s}); }
};

inline SetRef RefOf(const Entry* e) { return {e->enc(), e->object()}; }

// Calls f(const Member&) for every member until f returns false.
template <class F>
void ForEachMember(const SetRef& s, F&& f) {
  if (s.obj == nullptr) return;
  if (s.enc == ObjEnc::kIntSet) {
    char buf[kInt64BufSize];
    for (uint32_t i = 0, n = intset::Length(s.is()); i < n; ++i) {
      Member m;
      m.ll = intset::Get(s.is(), i);
      m.is_int = true;
      m.str = std::string_view(buf, FormatInt64(m.ll, buf));
      if (!f(m)) return;
    }
    return;
  }
  // Scan steps rather than ForEach so that the walk can stop early (SINTERCARD LIMIT); on a table
  // that does not change, the steps visit every bucket exactly once.
  bool go = true;
  const StrMap::Visit visit = [&](std::string_view k, std::string_view) {
    if (go) go = f(Member{k});
  };
  uint64_t cursor = 0;
  do {
    cursor = s.map()->Scan(cursor, visit);
  } while (cursor != 0 && go);
}

}  // namespace shoal
