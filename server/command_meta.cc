#include "server/command_meta.h"

#include <algorithm>
#include <climits>

#include "absl/container/flat_hash_map.h"
#include "base/ascii.h"
#include "base/numbers.h"

namespace shoal {

using namespace key_flag;

std::span<const KeySpec> FindKeySpecs(std::string_view name) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string_view, const KeySpecRow*>();
    for (const auto& row : KeySpecTable()) m->emplace(row.name, &row);
    return m;
  }();
  auto it = index->find(name);
  if (it == index->end()) return {};
  return it->second->specs;
}

const CommandDoc* FindCommandDoc(std::string_view name) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string_view, const CommandDoc*>();
    for (const auto& row : CommandDocTable()) m->emplace(row.name, &row.doc);
    return m;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

bool KeysFromSpecs(std::span<const KeySpec> specs, int arity, ArgSliceView args,
                   std::vector<KeyRef>* out) {
  out->clear();
  const int argc = static_cast<int>(args.size());
  for (const KeySpec& spec : specs) {
    if (spec.flags & kNotKey) continue;
    int first = 0;
    if (spec.begin.type == KeySpec::Begin::kIndex) {
      first = spec.begin.pos;
    } else if (spec.begin.type == KeySpec::Begin::kKeyword) {
      int start = spec.begin.startfrom > 0 ? spec.begin.startfrom : argc + spec.begin.startfrom;
      int end = spec.begin.startfrom > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqNoCase(args[i], spec.begin.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: this spec names no keys
    } else {
      return out->clear(), false;
    }

    int last, step;
    if (spec.find.type == KeySpec::Find::kRange) {
      step = spec.find.keystep;
      if (spec.find.lastkey >= 0)
        last = first + spec.find.lastkey;
      else if (spec.find.limit == 0)
        last = argc + spec.find.lastkey;
      else
        last = first + ((argc - first) / spec.find.limit + spec.find.lastkey);
    } else if (spec.find.type == KeySpec::Find::kKeynum) {
      step = spec.find.keystep;
      if (spec.find.keynumidx >= argc || first + spec.find.keynumidx >= argc)
        return out->clear(), false;
      int64_t numkeys;
      if (!ParseInt64(args[first + spec.find.keynumidx], &numkeys) || numkeys < 0 ||
          numkeys > INT_MAX)
        return out->clear(), false;
      first += spec.find.firstkey;
      last = first + static_cast<int>(numkeys) - 1;
    } else {
      return out->clear(), false;
    }

    if (last >= argc || last < first || first >= argc) return out->clear(), false;
    for (int i = first; i <= last; i += step) {
      // A variadic command's last group may be cut short; the command reports that itself.
      if (i >= argc || i < first) {
        if (arity < 0) continue;
        return out->clear(), false;
      }
      out->push_back({static_cast<uint32_t>(i), spec.flags});
    }
    if (spec.flags & kIncomplete) return out->clear(), false;
  }
  return true;
}

namespace {

// SET key value [... GET ...]: GET makes it read the old value.
void SetKeyFlags(ArgSliceView args, std::vector<KeyRef>* out) {
  uint32_t flags = kOW | kUpdate;
  for (size_t i = 3; i < args.size(); ++i)
    if (EqNoCase(args[i], "get")) {
      flags = kRW | kAccess | kUpdate;
      break;
    }
  out->push_back({1, flags});
}

// BITFIELD key [GET ...] [OVERFLOW ...]: read-only unless a SET/INCRBY (or a syntax error).
void BitfieldKeyFlags(ArgSliceView args, std::vector<KeyRef>* out) {
  bool readonly = true;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t remaining = args.size() - i - 1;
    if (EqNoCase(args[i], "get") && remaining >= 2) {
      i += 2;
    } else if ((EqNoCase(args[i], "set") || EqNoCase(args[i], "incrby")) && remaining >= 3) {
      readonly = false;
      break;
    } else if (EqNoCase(args[i], "overflow") && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;
      break;
    }
  }
  out->push_back({1, readonly ? kRO | kAccess : kRW | kAccess | kUpdate});
}

void SortRoKeyFlags(ArgSliceView, std::vector<KeyRef>* out) { out->push_back({1, kRO | kAccess}); }

// SORT key ... [STORE dst]: the last STORE wins; LIMIT/GET/BY skip their operands.
void SortKeyFlags(ArgSliceView args, std::vector<KeyRef>* out) {
  out->push_back({1, kRO | kAccess});
  int store = 0;
  const int argc = static_cast<int>(args.size());
  for (int i = 2; i < argc; ++i) {
    if (EqNoCase(args[i], "limit")) {
      i += 2;
    } else if (EqNoCase(args[i], "get") || EqNoCase(args[i], "by")) {
      i += 1;
    } else if (EqNoCase(args[i], "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store != 0) out->push_back({static_cast<uint32_t>(store), kOW | kUpdate});
}

}  // namespace

KeyFlagsFn FindKeyFlagsFn(std::string_view name) {
  if (name == "set") return SetKeyFlags;
  if (name == "bitfield") return BitfieldKeyFlags;
  if (name == "sort") return SortKeyFlags;
  if (name == "sort_ro") return SortRoKeyFlags;
  return nullptr;
}

LegacyRange LegacyRangeOf(std::span<const KeySpec> specs) {
  LegacyRange r;
  if (specs.empty()) return r;
  auto is_range = [](const KeySpec& s) {
    return s.begin.type == KeySpec::Begin::kIndex && s.find.type == KeySpec::Find::kRange;
  };
  if (specs.size() == 1 && is_range(specs[0])) {
    r.first = specs[0].begin.pos;
    r.last = specs[0].find.lastkey >= 0 ? r.first + specs[0].find.lastkey : specs[0].find.lastkey;
    r.step = specs[0].find.keystep;
    r.movable = (specs[0].flags & kIncomplete) != 0;
    return r;
  }
  int first = INT_MAX;
  unsigned last = 0, prev_last = 0;  // unsigned: a negative (from the end) last key wins
  for (const KeySpec& s : specs) {
    if (!is_range(s) || s.find.keystep != 1 ||
        (prev_last != 0 && prev_last != static_cast<unsigned>(s.begin.pos - 1))) {
      r.movable = true;
      continue;
    }
    if (s.flags & kIncomplete) r.movable = true;
    first = std::min(first, s.begin.pos);
    int abs_last = s.find.lastkey >= 0 ? s.find.lastkey + s.begin.pos : s.find.lastkey;
    last = std::max(last, static_cast<unsigned>(abs_last));
    prev_last = last;
  }
  if (first == INT_MAX) {
    r.movable = true;
    return r;
  }
  int ilast = static_cast<int>(last);
  r.first = first;
  r.last = ilast < 0 ? ilast : first + (ilast - first);
  r.step = 1;
  return r;
}

std::vector<std::string_view> KeyFlagNames(uint32_t flags) {
  static constexpr std::string_view kNames[] = {
      "RO",     "RW",     "OW",      "RM",         "access",        "update",
      "insert", "delete", "not_key", "incomplete", "variable_flags"};
  std::vector<std::string_view> out;
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (flags & (1u << i)) out.push_back(kNames[i]);
  return out;
}

}  // namespace shoal
