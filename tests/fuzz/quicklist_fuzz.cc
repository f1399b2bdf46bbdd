// Fuzzes shard/quicklist through its public API: pushes, pops, iterator inserts / replaces /
// deletes, index replaces and range deletes decoded from the input run on a QuickList (with a fill
// from the input, both signs) and on a std::deque<std::string> model. After each operation
// Validate() must hold (links, counts, node limits) and the list must read back as the model from
// both ends and by index.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>

#include "shard/quicklist.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_values.h"

namespace {

using shoal::QuickList;
using Model = std::deque<std::string>;

std::string Read(const QuickList::Iterator& it) {
  char scratch[32];
  return std::string(it.Get(scratch));
}

void Check(const QuickList& q, const Model& m) {
  FUZZ_CHECK(q.Validate());
  FUZZ_CHECK(q.Size() == m.size());
  FUZZ_CHECK(q.Empty() == m.empty());
  size_t i = 0;
  for (QuickList::Iterator it = q.Begin(); it.Valid(); it.Next(), ++i) {
    char scratch[32];
    FUZZ_CHECK(i < m.size() && it.Get(scratch) == m[i] && it.Equals(m[i]));
  }
  FUZZ_CHECK(i == m.size());
  for (QuickList::Iterator it = q.Last(); it.Valid(); it.Prev()) {
    FUZZ_CHECK(i > 0);
    --i;
    char scratch[32];
    FUZZ_CHECK(it.Get(scratch) == m[i]);
  }
  FUZZ_CHECK(i == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const int kFills[] = {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 8, 128, -7, 40000};
  const int fill =
      kFills[in.ConsumeIntegralInRange<size_t>(0, sizeof(kFills) / sizeof(kFills[0]) - 1)];
  QuickList q(fill);
  Model m;
  size_t ops = 0;
  size_t bytes = 0;  // rough total, to keep each run small
  while (in.remaining_bytes() > 0 && m.size() < 400 && bytes < (1u << 17)) {
    const int64_t n = static_cast<int64_t>(m.size());
    auto index = [&]() -> int64_t {
      int64_t i = in.ConsumeIntegralInRange<int64_t>(0, n > 0 ? n - 1 : 0);
      return in.ConsumeBool() ? i : i - n;
    };
    auto pos_of = [&](int64_t i) { return static_cast<size_t>(i < 0 ? i + n : i); };
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
      case 1: {
        const bool head = in.ConsumeBool();
        std::string s = shoal_fuzz::Element(in);
        bytes += s.size();
        // Runs of pushes fill nodes up to their limit.
        const int times = in.ConsumeIntegralInRange<int>(1, s.size() > 1000 ? 2 : 20);
        for (int t = 0; t < times; ++t) {
          q.Push(head ? QuickList::End::kHead : QuickList::End::kTail, s);
          if (head) {
            m.push_front(s);
          } else {
            m.push_back(s);
          }
        }
        break;
      }
      case 2: {
        const bool head = in.ConsumeBool();
        std::string out;
        FUZZ_CHECK(q.Pop(head ? QuickList::End::kHead : QuickList::End::kTail, &out) == !m.empty());
        if (!m.empty()) {
          FUZZ_CHECK(out == (head ? m.front() : m.back()));
          if (head) {
            m.pop_front();
          } else {
            m.pop_back();
          }
        }
        break;
      }
      case 3: {  // insert at an iterator
        if (n == 0) break;
        const int64_t i = index();
        const size_t pos = pos_of(i);
        const bool after = in.ConsumeBool();
        std::string s = shoal_fuzz::Element(in);
        QuickList::Iterator it = q.At(i);
        FUZZ_CHECK(it.Valid());
        q.InsertAt(it, s, after);
        m.insert(m.begin() + static_cast<int64_t>(pos + (after ? 1 : 0)), s);
        break;
      }
      case 4: {  // replace at an iterator, which stays on the new value
        if (n == 0) break;
        const int64_t i = index();
        std::string s = shoal_fuzz::Element(in);
        QuickList::Iterator it = q.At(i);
        q.ReplaceAt(it, s);
        m[pos_of(i)] = s;
        FUZZ_CHECK(it.Valid() && Read(it) == s);
        break;
      }
      case 5: {  // delete a run through one iterator (LREM), either direction
        if (n == 0) break;
        const int64_t i = index();
        size_t pos = pos_of(i);
        const bool forward = in.ConsumeBool();
        const int steps = in.ConsumeIntegralInRange<int>(1, 30);
        QuickList::Iterator it = q.At(i);
        for (int k = 0; k < steps && it.Valid(); ++k) {
          if (in.ConsumeBool()) {  // skip one
            if (forward) {
              it.Next();
              ++pos;
            } else {
              it.Prev();
              --pos;
            }
            continue;
          }
          FUZZ_CHECK(Read(it) == m[pos]);
          q.DeleteAt(it, forward);
          m.erase(m.begin() + static_cast<int64_t>(pos));
          if (!forward) --pos;  // the iterator moved to the element before
          if (it.Valid()) FUZZ_CHECK(pos < m.size() && Read(it) == m[pos]);
        }
        break;
      }
      case 6: {  // LSET
        const int64_t i = in.ConsumeIntegralInRange<int64_t>(-n - 2, n + 2);
        std::string s = shoal_fuzz::Element(in);
        const bool in_range = i < n && i >= -n;
        FUZZ_CHECK(q.Replace(i, s) == in_range);
        if (in_range) m[pos_of(i)] = s;
        break;
      }
      case 7: {  // LTRIM-like range delete
        if (n == 0) break;
        const int64_t i = index();
        const size_t pos = pos_of(i);
        const int64_t count = in.ConsumeIntegralInRange<int64_t>(0, in.ConsumeBool() ? 10 : n + 5);
        q.DeleteRange(i, count);
        m.erase(m.begin() + static_cast<int64_t>(pos),
                m.begin() + static_cast<int64_t>(
                                std::min<size_t>(m.size(), pos + static_cast<size_t>(count))));
        break;
      }
      case 8: {  // random access
        const int64_t i = in.ConsumeIntegralInRange<int64_t>(-n - 2, n + 2);
        QuickList::Iterator it = q.At(i);
        const bool in_range = i < n && i >= -n;
        FUZZ_CHECK(it.Valid() == in_range);
        if (in_range) FUZZ_CHECK(Read(it) == m[pos_of(i)]);
        break;
      }
      default: {  // copy
        QuickList copy(q);
        Check(copy, m);
        break;
      }
    }
    // A full walk after every 8th operation and at the end keeps runs fast; the size always.
    FUZZ_CHECK(q.Size() == m.size());
    if (++ops % 8 == 0) Check(q, m);
  }
  Check(q, m);
  return 0;
}
