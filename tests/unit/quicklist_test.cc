// QuickList unit tests: node limits for count and size fills, splits and merges, positional
// operations, and random operations checked against a std::deque model over thousands of seeds.
#include "shard/quicklist.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "shard/listpack.h"

using namespace shoal;
using End = QuickList::End;

namespace {

std::vector<std::string> Forward(const QuickList& ql) {
  std::vector<std::string> out;
  char buf[32];
  for (auto it = ql.Begin(); it.Valid(); it.Next()) out.emplace_back(it.Get(buf));
  return out;
}

std::vector<std::string> Backward(const QuickList& ql) {
  std::vector<std::string> out;
  char buf[32];
  for (auto it = ql.Last(); it.Valid(); it.Prev()) out.emplace_back(it.Get(buf));
  return out;
}

void CheckEqual(const QuickList& ql, const std::deque<std::string>& model) {
  REQUIRE(ql.Validate());
  REQUIRE(ql.Size() == model.size());
  REQUIRE(ql.Empty() == model.empty());
  std::vector<std::string> fwd = Forward(ql);
  REQUIRE(fwd == std::vector<std::string>(model.begin(), model.end()));
  std::vector<std::string> bwd = Backward(ql);
  REQUIRE(bwd == std::vector<std::string>(model.rbegin(), model.rend()));
}

std::string RandomValue(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0:
    case 1:
      return std::to_string(static_cast<int64_t>(rng() % 201) - 100);
    case 2:
      return std::to_string(static_cast<int64_t>(rng()));
    case 3:
      return (rng() % 2) ? "007" : "-0";  // integer-looking, but not canonical: stay strings
    case 4:
      return std::string(50 + rng() % 250, static_cast<char>('a' + rng() % 3));
    case 5:
      if (rng() % 4 == 0) return std::string(1000 + rng() % 9000, 'x');
      [[fallthrough]];
    default:
      return std::string(rng() % 4, static_cast<char>('a' + rng() % 3));
  }
}

}  // namespace

TEST_CASE("QuickList push and pop at both ends", "[quicklist]") {
  QuickList ql;
  std::string out;
  REQUIRE(ql.Empty());
  REQUIRE_FALSE(ql.Pop(End::kHead, &out));
  REQUIRE_FALSE(ql.Pop(End::kTail, &out));
  REQUIRE_FALSE(ql.At(0).Valid());
  ql.Push(End::kTail, "b");
  ql.Push(End::kHead, "a");
  ql.Push(End::kTail, "12345");
  ql.Push(End::kTail, "");
  REQUIRE(ql.Size() == 4);
  REQUIRE(Forward(ql) == std::vector<std::string>{"a", "b", "12345", ""});
  REQUIRE(ql.Pop(End::kTail, &out));
  REQUIRE(out.empty());
  REQUIRE(ql.Pop(End::kTail, &out));
  REQUIRE(out == "12345");
  REQUIRE(ql.Pop(End::kHead, &out));
  REQUIRE(out == "a");
  REQUIRE(ql.Pop(End::kHead, nullptr));
  REQUIRE(ql.Empty());
  REQUIRE(ql.NodeCount() == 0);
  REQUIRE(ql.Validate());
}

TEST_CASE("QuickList keeps integer-looking strings byte exact", "[quicklist]") {
  QuickList ql;
  for (const char* s : {"0", "-1", "007", "-0", "+1", "9223372036854775807", "9223372036854775808",
                        "-9223372036854775808", " 1", "1.0"})
    ql.Push(End::kTail, s);
  REQUIRE(Forward(ql) == std::vector<std::string>{"0", "-1", "007", "-0", "+1",
                                                  "9223372036854775807", "9223372036854775808",
                                                  "-9223372036854775808", " 1", "1.0"});
  auto it = ql.At(2);
  REQUIRE(it.Equals("007"));
  REQUIRE_FALSE(it.Equals("7"));
  it = ql.At(1);
  REQUIRE(it.Equals("-1"));
}

TEST_CASE("QuickList count fill bounds elements per node", "[quicklist]") {
  QuickList ql(3);
  for (int i = 0; i < 10; ++i) ql.Push(End::kTail, std::to_string(i));
  REQUIRE(ql.NodeCount() == 4);
  for (int i = 0; i < 10; ++i) ql.Push(End::kHead, std::to_string(i));
  REQUIRE(ql.NodeCount() == 8);
  REQUIRE(ql.Validate());
  // 0 behaves as 1: one element per node.
  QuickList one(0);
  for (int i = 0; i < 5; ++i) one.Push(End::kTail, "x");
  REQUIRE(one.NodeCount() == 5);
  REQUIRE(one.fill() == 0);
  // The 8 KB safety limit applies to count fills too.
  QuickList big(1000);
  for (int i = 0; i < 100; ++i) big.Push(End::kTail, std::string(1000, 'y'));
  REQUIRE(big.NodeCount() >= 13);
  REQUIRE(big.Validate());
}

TEST_CASE("QuickList size fill bounds node bytes", "[quicklist]") {
  QuickList ql(-1);  // 4 KB
  for (int i = 0; i < 40; ++i) ql.Push(End::kTail, std::string(1000, 'z'));
  REQUIRE(ql.NodeCount() == 10);  // four 1004-byte entries (4025 bytes) per node
  REQUIRE(ql.Validate());
  // An element bigger than the limit gets a node of its own.
  QuickList huge(-1);
  huge.Push(End::kTail, "a");
  huge.Push(End::kTail, std::string(10000, 'h'));
  huge.Push(End::kTail, "b");
  REQUIRE(huge.NodeCount() == 3);
  REQUIRE(huge.Validate());
  REQUIRE(huge.MallocSize() > 10000);
  // Fills beyond -5 use -5 (64 KB).
  QuickList clamp(-100);
  REQUIRE(clamp.fill() == -5);
  for (int i = 0; i < 60; ++i) clamp.Push(End::kTail, std::string(1000, 'c'));
  REQUIRE(clamp.NodeCount() == 1);
}

TEST_CASE("QuickList index access from both ends", "[quicklist]") {
  QuickList ql(4);
  for (int i = 0; i < 50; ++i) ql.Push(End::kTail, "v" + std::to_string(i));
  char buf[32];
  for (int i = 0; i < 50; ++i) {
    REQUIRE(ql.At(i).Get(buf) == "v" + std::to_string(i));
    REQUIRE(ql.At(i - 50).Get(buf) == "v" + std::to_string(i));
  }
  REQUIRE_FALSE(ql.At(50).Valid());
  REQUIRE_FALSE(ql.At(-51).Valid());
  // Walk back from the middle, then forward past the end.
  auto it = ql.At(25);
  for (int i = 25; i >= 0; --i, it.Prev()) REQUIRE(it.Get(buf) == "v" + std::to_string(i));
  REQUIRE_FALSE(it.Valid());
  it = ql.At(-3);
  it.Next();
  it.Next();
  REQUIRE(it.Get(buf) == "v49");
  it.Next();
  REQUIRE_FALSE(it.Valid());
}

TEST_CASE("QuickList insert splits full nodes and merges after deletes", "[quicklist]") {
  QuickList ql(4);
  std::deque<std::string> model;
  for (int i = 0; i < 16; ++i) {
    ql.Push(End::kTail, std::to_string(i));
    model.push_back(std::to_string(i));
  }
  REQUIRE(ql.NodeCount() == 4);
  auto it = ql.At(5);  // inside a full node
  ql.InsertAt(it, "mid", /*after=*/false);
  model.insert(model.begin() + 5, "mid");
  CheckEqual(ql, model);
  REQUIRE(ql.NodeCount() == 5);
  it = ql.At(3);  // last of the first (full) node: goes to the next node if it has room
  ql.InsertAt(it, "edge", /*after=*/true);
  model.insert(model.begin() + 4, "edge");
  CheckEqual(ql, model);
  // Deleting down to small nodes merges them back.
  for (int i = 0; i < 12; ++i) {
    auto d = ql.At(2);
    ql.DeleteAt(d, true);
    model.erase(model.begin() + 2);
    CheckEqual(ql, model);
  }
  REQUIRE(ql.NodeCount() <= 2);
}

TEST_CASE("QuickList replace keeps limits", "[quicklist]") {
  QuickList ql(-1);
  std::deque<std::string> model;
  for (int i = 0; i < 30; ++i) {
    ql.Push(End::kTail, "e" + std::to_string(i));
    model.push_back("e" + std::to_string(i));
  }
  REQUIRE(ql.NodeCount() == 1);
  REQUIRE(ql.Replace(10, std::string(5000, 'r')));
  model[10] = std::string(5000, 'r');
  CheckEqual(ql, model);
  REQUIRE(ql.NodeCount() == 3);
  REQUIRE(ql.Replace(-1, "last"));
  model.back() = "last";
  REQUIRE_FALSE(ql.Replace(30, "x"));
  REQUIRE_FALSE(ql.Replace(-31, "x"));
  CheckEqual(ql, model);
  auto it = ql.At(10);
  ql.ReplaceAt(it, "small");
  model[10] = "small";
  char buf[32];
  REQUIRE(it.Get(buf) == "small");
  CheckEqual(ql, model);
}

TEST_CASE("QuickList delete range frees whole nodes", "[quicklist]") {
  QuickList ql(10);
  std::deque<std::string> model;
  for (int i = 0; i < 1000; ++i) {
    ql.Push(End::kTail, std::to_string(i));
    model.push_back(std::to_string(i));
  }
  ql.DeleteRange(5, 900);
  model.erase(model.begin() + 5, model.begin() + 905);
  CheckEqual(ql, model);
  REQUIRE(ql.NodeCount() == 10);
  ql.DeleteRange(-3, 3);
  model.erase(model.end() - 3, model.end());
  CheckEqual(ql, model);
  ql.DeleteRange(90, 100);  // clamped at the tail
  model.erase(model.begin() + 90, model.end());
  CheckEqual(ql, model);
  ql.DeleteRange(200, 1);  // out of range: nothing
  ql.DeleteRange(0, 0);
  CheckEqual(ql, model);
  ql.DeleteRange(0, 1000);
  REQUIRE(ql.Empty());
  REQUIRE(ql.NodeCount() == 0);
}

TEST_CASE("QuickList copy is deep", "[quicklist]") {
  QuickList ql(2);
  for (int i = 0; i < 7; ++i) ql.Push(End::kTail, std::to_string(i * 1000));
  QuickList copy(ql);
  REQUIRE(copy.fill() == 2);
  REQUIRE(Forward(copy) == Forward(ql));
  REQUIRE(copy.NodeCount() == ql.NodeCount());
  REQUIRE(copy.MallocSize() == ql.MallocSize());
  copy.Pop(End::kHead, nullptr);
  copy.Replace(0, "changed");
  REQUIRE(Forward(ql).front() == "0");
  REQUIRE(Forward(ql)[1] == "1000");
  REQUIRE(copy.Validate());
}

TEST_CASE("QuickList random operations match a deque", "[quicklist]") {
  const int kFills[] = {-1, -2, -5, 0, 1, 2, 3, 5, 16, 128};
  for (uint64_t seed = 0; seed < 3000; ++seed) {
    std::mt19937_64 rng(seed);
    const int fill = kFills[seed % std::size(kFills)];
    QuickList ql(fill);
    std::deque<std::string> model;
    const int ops = 60 + static_cast<int>(rng() % 140);
    char buf[32];
    for (int op = 0; op < ops; ++op) {
      const int64_t n = static_cast<int64_t>(model.size());
      switch (rng() % 12) {
        case 0:
        case 1: {
          std::string v = RandomValue(rng);
          ql.Push(End::kHead, v);
          model.push_front(v);
          break;
        }
        case 2:
        case 3: {
          std::string v = RandomValue(rng);
          ql.Push(End::kTail, v);
          model.push_back(v);
          break;
        }
        case 4: {
          std::string out;
          const bool head = rng() % 2;
          REQUIRE(ql.Pop(head ? End::kHead : End::kTail, &out) == !model.empty());
          if (!model.empty()) {
            REQUIRE(out == (head ? model.front() : model.back()));
            head ? model.pop_front() : model.pop_back();
          }
          break;
        }
        case 5: {  // LINDEX
          int64_t idx = static_cast<int64_t>(rng() % (2 * n + 3)) - n - 1;
          auto it = ql.At(idx);
          const int64_t real = idx < 0 ? idx + n : idx;
          REQUIRE(it.Valid() == (real >= 0 && real < n));
          if (it.Valid()) REQUIRE(it.Get(buf) == model[real]);
          break;
        }
        case 6: {  // LSET
          if (n == 0) break;
          int64_t idx = static_cast<int64_t>(rng() % n);
          std::string v = RandomValue(rng);
          REQUIRE(ql.Replace(idx, v));
          model[idx] = v;
          break;
        }
        case 7: {  // LINSERT
          if (n == 0) break;
          int64_t idx = static_cast<int64_t>(rng() % n);
          const bool after = rng() % 2;
          std::string v = RandomValue(rng);
          auto it = ql.At(idx);
          ql.InsertAt(it, v, after);
          REQUIRE_FALSE(it.Valid());
          model.insert(model.begin() + idx + (after ? 1 : 0), v);
          break;
        }
        case 8: {  // LREM count value, walking from either end
          std::string v = RandomValue(rng);
          if (n > 0 && rng() % 2) v = model[rng() % n];
          const int64_t limit = static_cast<int64_t>(rng() % 4);  // 0 = all
          const bool forward = rng() % 2;
          int64_t removed = 0;
          auto it = forward ? ql.Begin() : ql.Last();
          while (it.Valid() && (limit == 0 || removed < limit)) {
            if (it.Equals(v)) {
              ql.DeleteAt(it, forward);
              ++removed;
            } else if (forward) {
              it.Next();
            } else {
              it.Prev();
            }
          }
          int64_t model_removed = 0;
          if (forward) {
            for (auto mi = model.begin(); mi != model.end();) {
              if ((limit == 0 || model_removed < limit) && *mi == v) {
                mi = model.erase(mi);
                ++model_removed;
              } else {
                ++mi;
              }
            }
          } else {
            for (int64_t i = n - 1; i >= 0; --i) {
              if ((limit == 0 || model_removed < limit) && model[i] == v) {
                model.erase(model.begin() + i);
                ++model_removed;
              }
            }
          }
          REQUIRE(removed == model_removed);
          break;
        }
        case 9: {  // LTRIM-style / LPOP count: delete a range
          if (n == 0) break;
          int64_t start = static_cast<int64_t>(rng() % n);
          int64_t count = static_cast<int64_t>(rng() % (n + 2));
          if (rng() % 2) {
            ql.DeleteRange(start - n, count);  // negative index form
          } else {
            ql.DeleteRange(start, count);
          }
          int64_t end = std::min(n, start + count);
          model.erase(model.begin() + start, model.begin() + end);
          break;
        }
        case 10: {  // iterate from an index in one direction, deleting at a random point
          if (n == 0) break;
          int64_t idx = static_cast<int64_t>(rng() % n);
          auto it = ql.At(idx);
          const bool forward = rng() % 2;
          int64_t steps = static_cast<int64_t>(rng() % 20);
          int64_t at = idx;
          for (int64_t s = 0; s < steps && it.Valid(); ++s) {
            REQUIRE(it.Get(buf) == model[at]);
            if (forward) {
              it.Next();
              ++at;
            } else {
              it.Prev();
              --at;
            }
          }
          if (it.Valid()) {
            ql.DeleteAt(it, forward);
            model.erase(model.begin() + at);
            if (!forward) --at;
            if (it.Valid()) REQUIRE(it.Get(buf) == model[at]);
          }
          break;
        }
        default: {  // copy and keep going on the copy half of the time
          QuickList copy(ql);
          REQUIRE(Forward(copy) == Forward(ql));
          REQUIRE(copy.Validate());
          break;
        }
      }
      REQUIRE(ql.Validate());
      REQUIRE(ql.Size() == model.size());
    }
    CheckEqual(ql, model);
  }
}

TEST_CASE("QuickList large list stays correct at both ends", "[quicklist]") {
  QuickList ql;
  const int kN = 100000;
  for (int i = 0; i < kN; ++i) ql.Push(End::kTail, std::to_string(i));
  REQUIRE(ql.Validate());
  char buf[32];
  REQUIRE(ql.At(0).Get(buf) == "0");
  REQUIRE(ql.At(-1).Get(buf) == std::to_string(kN - 1));
  REQUIRE(ql.At(kN / 2).Get(buf) == std::to_string(kN / 2));
  ql.DeleteRange(0, 1000);
  ql.DeleteRange(-1000, 1000);
  REQUIRE(ql.Size() == kN - 2000);
  REQUIRE(ql.At(0).Get(buf) == "1000");
  REQUIRE(ql.At(-1).Get(buf) == std::to_string(kN - 1001));
  REQUIRE(ql.Validate());
  REQUIRE(ql.MallocSize() < static_cast<size_t>(kN) * 8);
}

TEST_CASE("QuickList adopts whole listpacks that fit its fill", "[quicklist]") {
  auto listpack = [](int from, int n, size_t len = 1) {
    uint8_t* lp = lp::New();
    for (int i = 0; i < n; ++i)
      lp = lp::Append(lp, std::string(len, 'a') + std::to_string(from + i));
    return lp;
  };
  QuickList ql(3);
  ql.AppendListpack(listpack(0, 3));         // fits: adopted
  ql.AppendListpack(listpack(3, 5));         // over the count: pushed (3 + 2)
  ql.AppendListpack(lp::New());              // empty: freed
  ql.AppendListpack(listpack(8, 1, 20000));  // one element: adopted whatever its size
  ql.Push(End::kTail, "tail");
  std::deque<std::string> model;
  for (int i = 0; i < 8; ++i) model.push_back("a" + std::to_string(i));
  model.push_back(std::string(20000, 'a') + "8");
  model.push_back("tail");
  CheckEqual(ql, model);
  std::vector<uint32_t> sizes;
  ql.ForEachNode([&](const uint8_t* lp) { sizes.push_back(lp::Length(lp)); });
  CHECK(sizes == std::vector<uint32_t>{3, 3, 2, 1, 1});
  QuickList by_size(-1);
  by_size.AppendListpack(listpack(0, 1000, 10));  // ~13 KB: over 4 KB, pushed
  CHECK(by_size.Validate());
  CHECK(by_size.NodeCount() > 3);
  CHECK(by_size.Size() == 1000);
}

TEST_CASE("QuickList end nodes after a full one fill in place", "[quicklist]") {
  for (End end : {End::kTail, End::kHead}) {
    for (int fill : {-2, 128}) {
      QuickList ql(fill);
      auto end_lp = [&] {
        const uint8_t* first = nullptr;
        const uint8_t* last = nullptr;
        ql.ForEachNode([&](const uint8_t* lp) {
          if (first == nullptr) first = lp;
          last = lp;
        });
        return end == End::kTail ? last : first;
      };
      // The first node grows as Redis's does (nothing preallocated for a small list).
      ql.Push(end, "value-of-sixteen");
      REQUIRE(lp::MallocSize(end_lp()) < 256);
      while (ql.NodeCount() < 2) ql.Push(end, "value-of-sixteen");
      // The second node took the first's size up front: every push until it is full stays in
      // its block.
      const uint8_t* second = end_lp();
      REQUIRE(lp::MallocSize(second) >= (fill < 0 ? 8000u : 128u * 18));
      while (ql.NodeCount() < 3) {
        REQUIRE(end_lp() == second);
        ql.Push(end, "value-of-sixteen");
      }
      REQUIRE(ql.Validate());
      // Popping from the preallocated end shrinks it as usual.
      while (ql.NodeCount() > 1) ql.Pop(end, nullptr);
      REQUIRE(ql.Validate());
    }
  }
}
