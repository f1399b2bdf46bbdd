// The EVAL script cache, shared by every thread: SHA-1 -> body and shebang flags. SCRIPT LOAD or
// EVAL on one connection makes the script known to EVALSHA on every other at once.
//
// Each thread's Lua interpreter compiles a script the first time that thread runs it (from the
// body kept here); SCRIPT FLUSH clears the store and bumps the epoch, and each interpreter starts
// over (a fresh lua_State) the next time its thread runs a script. The mutex is taken on
// SCRIPT LOAD / EXISTS / FLUSH, on EVAL of a script this thread has not compiled yet and on
// EVALSHA of one it has not compiled yet: never on the run of a script the thread already knows.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace shoal::scripting {

// Redis's SCRIPT_FLAG_* (shebang flags of scripts and functions).
namespace script_flag {
inline constexpr uint32_t kNoWrites = 1 << 0;
inline constexpr uint32_t kAllowOom = 1 << 1;
inline constexpr uint32_t kAllowStale = 1 << 2;
inline constexpr uint32_t kNoCluster = 1 << 3;
inline constexpr uint32_t kEvalCompat = 1 << 4;  // no shebang: EVAL's old behaviour
inline constexpr uint32_t kAllowCrossSlot = 1 << 5;
}  // namespace script_flag

// Flag names as written in shebangs and FUNCTION LIST ("no-writes", ...); 0 for an unknown name.
uint32_t ScriptFlagByName(std::string_view name);
// The names of the flags set in `flags`, in Redis's order (FUNCTION LIST).
std::vector<const char*> ScriptFlagNames(uint32_t flags);

// Parses an EVAL script's first line (Redis's evalExtractShebangFlags): no "#!" -> kEvalCompat;
// "#!lua [flags=a,b]" -> those flags. false with *err (the error reply's text) when malformed.
bool ParseEvalShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                      std::string* err);

struct Script {
  std::string sha;  // 40 lowercase hex digits
  std::string body;
  uint32_t flags = 0;
  // Set once a run found a key on a shard the script did not declare: later runs hold every shard
  // from the start (docs/ARCHITECTURE.md, "Scripts").
  std::atomic<bool> undeclared_keys{false};
};

class ScriptStore {
 public:
  static ScriptStore& Get();

  // Adds body under its SHA-1 (lowercase hex); the script's flags come from its shebang.
  // nullopt with *err when the shebang is malformed. Compilation is the caller's job.
  std::shared_ptr<Script> Add(std::string_view body, std::string* err);
  // The script named sha (40 hex digits, any case), or null.
  std::shared_ptr<Script> Find(std::string_view sha) const;
  bool Exists(std::string_view sha) const;
  // Drops every script; interpreters notice through the epoch.
  void Flush();
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  size_t Count() const;
  // Bytes held by the cache (INFO used_memory_scripts_eval).
  size_t MemoryBytes() const;

 private:
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Script>> scripts_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> epoch_{1};
};

// 40 hex digits -> lowercase copy; false when sha is not 40 characters.
bool NormalizeSha(std::string_view sha, char out[40]);

}  // namespace shoal::scripting
