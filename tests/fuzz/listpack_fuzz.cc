// Fuzzes shard/listpack through its public API (the encoding has no "validate arbitrary bytes"
// entry point: listpacks are only ever built by this code). Operations decoded from the input run
// on a listpack and on a std::vector<std::string> model; after each one the listpack must read
// back exactly as the model, forwards, backwards and by index, and its header must be consistent.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shard/listpack.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_values.h"

namespace {

namespace lp = shoal::lp;
using Model = std::vector<std::string>;

std::string Read(const uint8_t* p) {
  char scratch[32];
  return std::string(lp::Get(p).Str(scratch));
}

void Check(uint8_t* l, const Model& m) {
  FUZZ_CHECK(lp::Length(l) == m.size());
  FUZZ_CHECK(lp::Bytes(l) <= lp::MallocSize(l));
  size_t i = 0;
  size_t bytes = 8 + 1;
  for (uint8_t* p = lp::First(l); p != nullptr; p = lp::Next(l, p), ++i) {
    FUZZ_CHECK(i < m.size());
    char scratch[32];
    FUZZ_CHECK(lp::Get(p).Str(scratch) == m[i]);
    FUZZ_CHECK(lp::Eq(p, m[i]));
    bytes += lp::EntrySize(m[i]);
  }
  FUZZ_CHECK(i == m.size());
  FUZZ_CHECK(bytes == lp::Bytes(l));
  for (uint8_t* p = lp::Last(l); p != nullptr; p = lp::Prev(l, p)) {
    FUZZ_CHECK(i > 0);
    --i;
    char scratch[32];
    FUZZ_CHECK(lp::Get(p).Str(scratch) == m[i]);
  }
  FUZZ_CHECK(i == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  uint8_t* l = lp::New();
  Model m;
  size_t ops = 0;
  while (in.remaining_bytes() > 0 && m.size() < 256 && lp::Bytes(l) < (1u << 17)) {
    const int op = in.ConsumeIntegralInRange<int>(0, 10);
    const int64_t n = static_cast<int64_t>(m.size());
    // An index in range when there are elements (negative half the time).
    auto index = [&]() -> int64_t {
      int64_t i = in.ConsumeIntegralInRange<int64_t>(0, n > 0 ? n - 1 : 0);
      return in.ConsumeBool() ? i : i - n;
    };
    switch (op) {
      case 0: {
        std::string s = shoal_fuzz::Element(in);
        l = lp::Append(l, s);
        m.push_back(s);
        break;
      }
      case 1: {
        int64_t v = in.ConsumeIntegral<int64_t>();
        l = lp::AppendInt(l, v);
        m.push_back(std::to_string(v));
        break;
      }
      case 2: {
        std::string s = shoal_fuzz::Element(in);
        l = lp::Prepend(l, s);
        m.insert(m.begin(), s);
        break;
      }
      case 3: {  // insert before / after
        if (n == 0) break;
        int64_t i = index();
        const size_t pos = static_cast<size_t>(i < 0 ? i + n : i);
        const bool before = in.ConsumeBool();
        std::string s = shoal_fuzz::Element(in);
        uint8_t* out = nullptr;
        l = lp::Insert(l, lp::Seek(l, i), s, before, &out);
        m.insert(m.begin() + static_cast<int64_t>(pos + (before ? 0 : 1)), s);
        FUZZ_CHECK(out != nullptr && Read(out) == s);
        break;
      }
      case 4: {  // replace
        if (n == 0) break;
        int64_t i = index();
        const size_t pos = static_cast<size_t>(i < 0 ? i + n : i);
        std::string s = shoal_fuzz::Element(in);
        uint8_t* out = nullptr;
        l = lp::Replace(l, lp::Seek(l, i), s, &out);
        m[pos] = s;
        FUZZ_CHECK(out != nullptr && Read(out) == s);
        break;
      }
      case 5: {  // delete one
        if (n == 0) break;
        int64_t i = index();
        const size_t pos = static_cast<size_t>(i < 0 ? i + n : i);
        uint8_t* next = nullptr;
        l = lp::Delete(l, lp::Seek(l, i), &next);
        m.erase(m.begin() + static_cast<int64_t>(pos));
        if (pos < m.size()) {
          FUZZ_CHECK(next != nullptr && Read(next) == m[pos]);
        } else {
          FUZZ_CHECK(next == nullptr);
        }
        break;
      }
      case 6: {  // delete a range, clamped at the end
        if (n == 0) break;
        int64_t i = index();
        const size_t pos = static_cast<size_t>(i < 0 ? i + n : i);
        uint32_t count = in.ConsumeIntegralInRange<uint32_t>(0, in.ConsumeBool() ? 8 : UINT32_MAX);
        l = lp::DeleteRange(l, i, count);
        m.erase(m.begin() + static_cast<int64_t>(pos),
                m.begin() + static_cast<int64_t>(std::min<size_t>(m.size(), pos + count)));
        break;
      }
      case 7: {  // seek anywhere, out of range included
        int64_t i = in.ConsumeIntegralInRange<int64_t>(-n - 3, n + 3);
        uint8_t* p = lp::Seek(l, i);
        if (i >= n || i < -n) {
          FUZZ_CHECK(p == nullptr);
        } else {
          FUZZ_CHECK(p != nullptr && Read(p) == m[static_cast<size_t>(i < 0 ? i + n : i)]);
        }
        break;
      }
      case 8: {  // find with a skip, from the first element
        const unsigned skip = in.ConsumeIntegralInRange<unsigned>(0, 2);
        std::string s = n > 0 && in.ConsumeBool()
                            ? m[in.ConsumeIntegralInRange<size_t>(0, m.size() - 1)]
                            : shoal_fuzz::Element(in);
        uint8_t* first = lp::First(l);
        uint8_t* p = first != nullptr ? lp::Find(l, first, s, skip) : nullptr;
        size_t want = m.size();
        for (size_t k = 0; k < m.size(); k += skip + 1) {
          if (m[k] == s) {
            want = k;
            break;
          }
        }
        if (want == m.size()) {
          FUZZ_CHECK(p == nullptr);
        } else {
          FUZZ_CHECK(p != nullptr && p == lp::Seek(l, static_cast<int64_t>(want)));
        }
        break;
      }
      case 9: {  // clone
        uint8_t* c = lp::Clone(l);
        lp::Free(l);
        l = c;
        break;
      }
      default: {  // pop-like: delete at either end
        if (n == 0) break;
        const bool head = in.ConsumeBool();
        l = lp::Delete(l, head ? lp::First(l) : lp::Last(l), nullptr);
        if (head) {
          m.erase(m.begin());
        } else {
          m.pop_back();
        }
        break;
      }
    }
    // A full walk after every 8th operation and at the end keeps runs fast; the length always.
    FUZZ_CHECK(lp::Length(l) == m.size());
    if (++ops % 8 == 0) Check(l, m);
  }
  Check(l, m);
  lp::Free(l);
  return 0;
}
