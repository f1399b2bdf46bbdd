// Redis 7 function libraries (FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE, FCALL),
// shared by every thread: library name -> its code and the functions it registered (name, flags,
// description). As with the script store, each thread's interpreter loads the libraries into its
// own Lua state (Interpreter::EnsureFunctions) the first time it runs a function after a change
// (the epoch moved); the mutex is taken by the FUNCTION commands and by a thread's first FCALL of
// a function after a change, never by the FCALL of a function the thread already knows.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace shoal::protocol {
class ReplyBuilder;
}

namespace shoal::scripting {

// FUNCTION STATS's reply (also answered while a function is busy).
void ReplyFunctionStats(protocol::ReplyBuilder& rb);

struct FunctionInfo {
  std::string name;  // as registered (FCALL looks it up case-insensitively)
  std::optional<std::string> description;
  uint32_t flags = 0;  // script_flag::*
  // As Script::undeclared_keys: later runs hold every shard.
  mutable std::atomic<bool> undeclared_keys{false};
};

struct Library {
  std::string name;
  std::string code;        // as loaded, shebang included (FUNCTION LIST WITHCODE, DUMP)
  size_t shebang_len = 0;  // the code Lua compiles starts here (the newline kept: line numbers)
  std::deque<FunctionInfo> functions;
};

// The library shebang (functionExtractLibMetaData + the name and engine checks):
// "#!lua name=<name>"; false with *err (the reply's text without "ERR ").
bool ParseLibraryShebang(std::string_view code, std::string* name, size_t* shebang_len,
                         std::string* err);
// Letters, digits and '_', at least one (functionsVerifyName).
bool ValidFunctionName(std::string_view name);

class FunctionStore {
 public:
  static FunctionStore& Get();

  struct Found {
    std::shared_ptr<const Library> lib;  // keeps fn alive
    const FunctionInfo* fn = nullptr;
  };
  // By function name, case-insensitive.
  Found FindFunction(std::string_view name) const;
  // Adds a loaded library (FUNCTION LOAD): nullopt on success, else the error reply's text.
  std::optional<std::string> Add(std::shared_ptr<Library> lib, bool replace);
  // FUNCTION RESTORE: policy 'F'lush, 'A'ppend or 'R'eplace; all or nothing.
  std::optional<std::string> Restore(std::vector<std::shared_ptr<Library>> libs, char policy);
  bool Delete(std::string_view name);  // case-sensitive, as Redis
  void Flush();
  // Every library, in load order.
  std::vector<std::shared_ptr<const Library>> All() const;
  size_t LibraryCount() const;
  size_t FunctionCount() const;
  size_t MemoryBytes() const;
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

 private:
  // With mu_ held: the error text when lib's functions collide with another library's.
  std::optional<std::string> Collision(const Library& lib) const;
  void Link(std::shared_ptr<const Library> lib);
  void Unlink(const std::string& name);

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Library>> libraries_;  // load order
  absl::flat_hash_map<std::string, Found> functions_;      // lower-case name ->
  std::atomic<uint64_t> epoch_{1};
};

}  // namespace shoal::scripting
