// Fuzzes the RDB value codec (persistence/rdb_value.h) with arbitrary value bodies.
// Input: [settings byte][type byte][body...]. The settings byte picks small or default encoding
// thresholds (so the load-time conversions run), the list fill and deep checks. Then:
//  - DecodeValue of the body: it must succeed or fail cleanly, never read outside the input (ASan)
//    or break a structure. What it accepts must hold up: SkipValue covers the same bytes, the
//    value's structure is sound (QuickList::Validate, readable contents), and it dumps and
//    restores to the same contents;
//  - RestorePayload of [type][body] with a valid footer, and of the raw input.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "persistence/rdb_value.h"
#include "shard/quicklist.h"
#include "shard/settings.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/value_contents.h"

namespace {

namespace rdb = shoal::rdb;
using shoal::ShardSettings;

void ApplySettings(uint8_t s) {
  const bool small = (s & 1) != 0;
  ShardSettings::hash_max_listpack_entries.store(small ? 3 : 512);
  ShardSettings::hash_max_listpack_value.store(small ? 4 : 64);
  ShardSettings::zset_max_listpack_entries.store(small ? 3 : 128);
  ShardSettings::zset_max_listpack_value.store(small ? 4 : 64);
  ShardSettings::set_max_intset_entries.store(small ? 3 : 512);
  static const int kFills[] = {-2, 1, 2, 3, -1, -5, 128, 0};
  ShardSettings::list_max_listpack_size.store(kFills[(s >> 1) & 7]);
}

std::vector<std::string> Contents(const rdb::DecodedValue& v) {
  return shoal::testing::ValueContents(v.type, v.enc, v.obj);
}

void CheckDecoded(std::string_view body, uint8_t type, bool deep) {
  rdb::Reader r(body);
  auto v = rdb::DecodeValue(r, type, rdb::DecodeOptions{deep});
  if (!v.ok()) return;
  rdb::Reader skip(body);
  FUZZ_CHECK(rdb::SkipValue(skip, type).ok());
  FUZZ_CHECK(skip.position() == r.position());
  if (v->empty) return;
  if (v->enc == shoal::ObjEnc::kQuickList)
    FUZZ_CHECK(static_cast<const shoal::QuickList*>(v->obj)->Validate());
  const std::vector<std::string> contents = Contents(*v);
  const std::string str = v->str;
  shoal::Entry* e = rdb::MakeEntry("key", *std::move(v), 0, 0);
  for (bool compress : {false, true}) {
    auto again = rdb::RestorePayload(rdb::DumpPayload(e, compress), rdb::DecodeOptions{deep});
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->type == e->type());
    if (e->type() == shoal::ObjType::kString) {
      FUZZ_CHECK(again->str == str);
    } else {
      FUZZ_CHECK(Contents(*again) == contents);
    }
    rdb::FreeDecoded(*again);
  }
  shoal::Entry::Free(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ApplySettings(data[0]);
  const bool deep = (data[0] & 16) != 0;
  const std::string_view typed(reinterpret_cast<const char*>(data) + 1, size - 1);
  CheckDecoded(typed.substr(1), static_cast<uint8_t>(typed[0]), deep);

  std::string payload(typed);
  rdb::AppendDumpFooter(&payload);
  for (std::string_view p : {std::string_view(payload), typed}) {
    auto v = rdb::RestorePayload(p, rdb::DecodeOptions{deep});
    if (v.ok()) {
      FUZZ_CHECK(!v->empty);
      rdb::FreeDecoded(*v);
    } else {
      FUZZ_CHECK(absl::IsInvalidArgument(v.status()) || absl::IsUnimplemented(v.status()));
    }
  }
  return 0;
}
