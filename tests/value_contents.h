// Test helper (unit tests and fuzz targets): the contents of a collection value in a form to
// compare across encodings: list elements in order, set members sorted, "member=score" in rank
// order (scores as %.17g), "field=value" sorted, stream entries in ID order. Reads through each
// structure's own API.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "shard/entry.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/str_map.h"
#include "shard/stream.h"
#include "shard/zset.h"

namespace shoal::testing {

inline std::vector<std::string> ValueContents(ObjType type, ObjEnc enc, const void* obj) {
  std::vector<std::string> out;
  char buf[64], vbuf[64];
  switch (type) {
    case ObjType::kString:
      return out;
    case ObjType::kList: {
      const auto* ql = static_cast<const QuickList*>(obj);
      for (auto it = ql->Begin(); it.Valid(); it.Next()) out.emplace_back(it.Get(buf));
      return out;
    }
    case ObjType::kSet:
      if (enc == ObjEnc::kIntSet) {
        const auto* is = static_cast<const uint8_t*>(obj);
        for (uint32_t i = 0; i < intset::Length(is); ++i)
          out.push_back(std::to_string(intset::Get(is, i)));
      } else {
        static_cast<const StrMap*>(obj)->ForEach(
            [&](std::string_view k, std::string_view) { out.emplace_back(k); });
      }
      break;
    case ObjType::kZSet: {
      ZView z(enc, const_cast<void*>(obj));
      for (ZIter it = z.First(); it.valid(); it.Next())
        out.push_back(std::string(it.member()) + "=" + FormatDouble(it.score()));
      return out;
    }
    case ObjType::kHash:
      if (enc == ObjEnc::kListPack) {
        auto* lp = static_cast<uint8_t*>(const_cast<void*>(obj));
        for (uint8_t* f = lp::First(lp); f != nullptr;) {
          uint8_t* v = lp::Next(lp, f);
          out.push_back(std::string(lp::Get(f).Str(buf)) + "=" + std::string(lp::Get(v).Str(vbuf)));
          f = lp::Next(lp, v);
        }
      } else {
        static_cast<const StrMap*>(obj)->ForEach([&](std::string_view k, std::string_view v) {
          out.push_back(std::string(k) + "=" + std::string(v));
        });
      }
      break;
    case ObjType::kStream: {
      // "id field=value ..." per entry in ID order.
      auto* s = static_cast<Stream*>(const_cast<void*>(obj));
      Stream::Iterator it(*s, StreamID::Min(), StreamID::Max(), false);
      StreamID id;
      int64_t nf;
      while (it.Next(&id, &nf)) {
        std::string line = StreamIDString(id);
        while (nf--) {
          std::string_view f, v;
          it.Field(&f, &v);
          line += " " + std::string(f) + "=" + std::string(v);
        }
        out.push_back(std::move(line));
      }
      return out;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace shoal::testing
