// Command metadata beyond dispatch: key specs (which arguments are keys and how each is accessed)
// and the documentation COMMAND DOCS shows. Two tables keyed by command name ("container|sub" for
// subcommands), Redis 7.0's facts written as our own rows:
//   server/key_specs.cc     KeySpecTable()    one row per command that has keys
//   server/command_docs.cc  CommandDocTable() summary, since, group, complexity, history, tips,
//                                             argument tree
// CommandRegistry::Add attaches both to each CommandId (key_specs, doc, summary/since/group) once
// at startup, and derives from the specs the legacy first/last/step and `movablekeys`, as Redis's
// populateCommandLegacyRangeSpec does. That range is both what COMMAND INFO prints and what routing
// uses (KeyPositions), with the command's getkeys function for keys beyond it (numkeys, SORT ...
// STORE); tests/unit/key_specs_test.cc checks that routing names exactly the keys the specs do.
// Everything here is immutable after startup and may be read from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal {

// Key-spec flags, printed in this order (Redis's addReplyFlagsForKeyArgs).
namespace key_flag {
enum : uint32_t {
  kRO = 1 << 0,
  kRW = 1 << 1,
  kOW = 1 << 2,
  kRM = 1 << 3,
  kAccess = 1 << 4,
  kUpdate = 1 << 5,
  kInsert = 1 << 6,
  kDelete = 1 << 7,
  kNotKey = 1 << 8,
  kIncomplete = 1 << 9,
  kVariableFlags = 1 << 10,
};
}  // namespace key_flag

struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum class Find : uint8_t { kRange, kKeynum, kUnknown };
  struct BeginSearch {
    Begin type = Begin::kUnknown;
    int pos = 0;                    // kIndex: argument index of the first key
    const char* keyword = nullptr;  // kKeyword: keys follow this token...
    int startfrom = 0;              // ...searched from here (negative: from the end, backwards)
  };
  struct FindKeys {
    Find type = Find::kUnknown;
    int lastkey = 0;    // kRange: relative to the first key; negative counts from the end
    int keystep = 1;    // kRange and kKeynum
    int limit = 0;      // kRange with lastkey -1: only 1/limit of the remaining arguments
    int keynumidx = 0;  // kKeynum: numkeys sits at first+keynumidx...
    int firstkey = 0;   // ...and the keys start at first+firstkey
  };

  uint32_t flags = 0;  // key_flag::*
  BeginSearch begin;
  FindKeys find;
  const char* notes = nullptr;
};

constexpr KeySpec::BeginSearch Index(int pos) { return {KeySpec::Begin::kIndex, pos, nullptr, 0}; }
constexpr KeySpec::BeginSearch Keyword(const char* kw, int startfrom) {
  return {KeySpec::Begin::kKeyword, 0, kw, startfrom};
}
constexpr KeySpec::BeginSearch UnknownBegin() { return {}; }
constexpr KeySpec::FindKeys Range(int lastkey, int keystep, int limit) {
  return {KeySpec::Find::kRange, lastkey, keystep, limit, 0, 0};
}
constexpr KeySpec::FindKeys Keynum(int keynumidx, int firstkey, int keystep) {
  return {KeySpec::Find::kKeynum, 0, keystep, 0, keynumidx, firstkey};
}
constexpr KeySpec::FindKeys UnknownFind() { return {}; }

// One argument of a command's syntax tree (COMMAND DOCS "arguments").
namespace arg_flag {
enum : uint8_t { kOptional = 1 << 0, kMultiple = 1 << 1, kMultipleToken = 1 << 2 };
}
struct CommandArg {
  enum class Type : uint8_t {
    kString,
    kInteger,
    kDouble,
    kKey,
    kPattern,
    kUnixTime,
    kPureToken,
    kOneOf,
    kBlock
  };
  std::string_view name;
  Type type = Type::kString;
  int key_spec_index = -1;
  const char* token = nullptr;
  const char* summary = nullptr;
  const char* since = nullptr;
  const char* deprecated_since = nullptr;
  uint8_t flags = 0;                  // arg_flag::*
  std::vector<CommandArg> args = {};  // kOneOf / kBlock
};

namespace doc_flag {
enum : uint8_t { kDocDeprecated = 1 << 0, kDocSyscmd = 1 << 1 };
}
struct CommandDoc {
  const char* summary = "";
  const char* since = "";
  const char* group = "";  // as COMMAND DOCS prints it ("sorted-set")
  const char* complexity = nullptr;
  uint8_t doc_flags = 0;  // doc_flag::*
  const char* deprecated_since = nullptr;
  const char* replaced_by = nullptr;
  std::vector<std::pair<const char*, const char*>> history = {};  // since, change
  std::vector<const char*> tips = {};                             // COMMAND INFO
  std::vector<CommandArg> args = {};
};

struct KeySpecRow {
  std::string_view name;
  std::vector<KeySpec> specs;
};
struct CommandDocRow {
  std::string_view name;
  CommandDoc doc;
};
const std::vector<KeySpecRow>& KeySpecTable();
const std::vector<CommandDocRow>& CommandDocTable();

// Lookups by full name; empty / nullptr when the command has no row.
std::span<const KeySpec> FindKeySpecs(std::string_view name);
const CommandDoc* FindCommandDoc(std::string_view name);

// A key argument and how the command uses it (key_flag::*).
struct KeyRef {
  uint32_t pos;
  uint32_t flags;
};
using ArgSliceView = std::span<const std::string_view>;

// Redis's getKeysUsingKeySpecs: the keys the specs describe, in spec order, NOT_KEY specs
// skipped. False (and no keys) when a spec cannot be applied to these arguments or is
// unknown/incomplete.
bool KeysFromSpecs(std::span<const KeySpec> specs, int arity, ArgSliceView args,
                   std::vector<KeyRef>* out);

// Commands whose specs are incomplete or carry VARIABLE_FLAGS find their keys and flags with a
// function instead (Redis's getkeys_proc: SET, BITFIELD, SORT, SORT_RO). nullptr for the others.
using KeyFlagsFn = void (*)(ArgSliceView args, std::vector<KeyRef>* out);
KeyFlagsFn FindKeyFlagsFn(std::string_view name);

// What COMMAND INFO prints as first key, last key and step, and whether the keys move with the
// arguments (`movablekeys`), derived from the specs (Redis's populateCommandLegacyRangeSpec).
struct LegacyRange {
  int first = 0, last = 0, step = 0;
  bool movable = false;
};
LegacyRange LegacyRangeOf(std::span<const KeySpec> specs);

// Key-spec flag names in Redis's order ("RO", "RW", ..., "variable_flags").
std::vector<std::string_view> KeyFlagNames(uint32_t flags);

}  // namespace shoal
