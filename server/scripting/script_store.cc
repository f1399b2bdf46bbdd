#include "server/scripting/script_store.h"

#include <vector>

#include "server/scripting/sha1.h"

namespace shoal::scripting {

namespace {

struct FlagName {
  const char* name;
  uint32_t flag;
};
constexpr FlagName kFlagNames[] = {
    {"no-writes", script_flag::kNoWrites},
    {"allow-oom", script_flag::kAllowOom},
    {"allow-stale", script_flag::kAllowStale},
    {"no-cluster", script_flag::kNoCluster},
    {"allow-cross-slot-keys", script_flag::kAllowCrossSlot},
};

// Redis's sdssplitargs for the simple shebang case: whitespace separated words (quotes are not
// meaningful in a flags list; a word with quotes simply fails the flag lookup).
std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    size_t b = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

}  // namespace

uint32_t ScriptFlagByName(std::string_view name) {
  for (const auto& f : kFlagNames)
    if (name == f.name) return f.flag;
  return 0;
}

std::vector<const char*> ScriptFlagNames(uint32_t flags) {
  std::vector<const char*> out;
  for (const auto& f : kFlagNames)
    if (flags & f.flag) out.push_back(f.name);
  return out;
}

bool ParseEvalShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                      std::string* err) {
  *flags = script_flag::kEvalCompat;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  size_t nl = body.find('\n');
  if (nl == std::string_view::npos) {
    *err = "Invalid script shebang";
    return false;
  }
  std::vector<std::string_view> parts = SplitWords(body.substr(0, nl));
  if (parts.empty()) {
    *err = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *err = "Unexpected engine in script shebang: " + std::string(parts[0]);
    return false;
  }
  uint32_t f = 0;
  for (size_t j = 1; j < parts.size(); ++j) {
    if (parts[j].substr(0, 6) != "flags=") {
      *err = "Unknown lua shebang option: " + std::string(parts[j]);
      return false;
    }
    std::string_view list = parts[j].substr(6);
    // sdssplitlen(",") of an empty string yields no element.
    size_t pos = 0;
    while (!list.empty() && pos <= list.size()) {
      size_t comma = list.find(',', pos);
      if (comma == std::string_view::npos) comma = list.size();
      std::string_view name = list.substr(pos, comma - pos);
      uint32_t bit = ScriptFlagByName(name);
      if (bit == 0) {
        *err = "Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      f |= bit;
      pos = comma + 1;
    }
  }
  *flags = f;
  *shebang_len = nl;
  return true;
}

bool NormalizeSha(std::string_view sha, char out[40]) {
  if (sha.size() != 40) return false;
  for (size_t i = 0; i < 40; ++i) {
    char c = sha[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  return true;
}

ScriptStore& ScriptStore::Get() {
  static ScriptStore* store = new ScriptStore();  // never destroyed: threads may outlive exit
  return *store;
}

std::shared_ptr<Script> ScriptStore::Add(std::string_view body, std::string* err) {
  std::string sha = Sha1Hex(body);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) return it->second;
  auto s = std::make_shared<Script>();
  size_t shebang_len;
  if (!ParseEvalShebang(body, &s->flags, &shebang_len, err)) return nullptr;
  s->sha = sha;
  s->body.assign(body);
  bytes_ += sha.size() + s->body.size();
  scripts_.emplace(std::move(sha), s);
  return s;
}

std::shared_ptr<Script> ScriptStore::Find(std::string_view sha) const {
  char key[40];
  if (!NormalizeSha(sha, key)) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(std::string(key, 40));
  if (it == scripts_.end()) return nullptr;
  return it->second;
}

bool ScriptStore::Exists(std::string_view sha) const {
  return Find(sha) != nullptr;  // case-insensitive, as Redis's script dict
}

void ScriptStore::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_.clear();
  bytes_ = 0;
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

size_t ScriptStore::Count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.size();
}

size_t ScriptStore::MemoryBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_ + scripts_.size() * (sizeof(Script) + 40);
}

}  // namespace shoal::scripting
