#include "server/scripting/function_store.h"

#include <algorithm>
#include <cctype>

#include "protocol/reply_builder.h"
#include "server/scripting/interpreter.h"

namespace shoal::scripting {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

bool ParseLibraryShebang(std::string_view code, std::string* name, size_t* shebang_len,
                         std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "Missing library metadata";
    return false;
  }
  size_t nl = code.find('\n');
  if (nl == std::string_view::npos) {
    *err = "Invalid library metadata";
    return false;
  }
  // sdssplitargs on the first line: words separated by white space.
  std::vector<std::string_view> parts;
  std::string_view line = code.substr(0, nl);
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t b = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > b) parts.push_back(line.substr(b, i - b));
  }
  if (parts.empty()) {
    *err = "Invalid library metadata";
    return false;
  }
  std::string_view engine = parts[0].substr(2);
  std::optional<std::string_view> lib;
  for (size_t j = 1; j < parts.size(); ++j) {
    if (parts[j].size() >= 5 && EqNoCase(parts[j].substr(0, 5), "name=")) {
      if (lib) {
        *err = "Invalid metadata value, name argument was given multiple times";
        return false;
      }
      lib = parts[j].substr(5);
      continue;
    }
    *err = "Invalid metadata value given: " + std::string(parts[j]);
    return false;
  }
  if (!lib) {
    *err = "Library name was not given";
    return false;
  }
  if (!ValidFunctionName(*lib)) {
    *err =
        "Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long";
    return false;
  }
  if (!EqNoCase(engine, "lua")) {
    *err = "Engine '" + std::string(engine) + "' not found";
    return false;
  }
  *name = std::string(*lib);
  *shebang_len = nl;
  return true;
}

FunctionStore& FunctionStore::Get() {
  static FunctionStore* store = new FunctionStore();  // never destroyed: threads may outlive exit
  return *store;
}

FunctionStore::Found FunctionStore::FindFunction(std::string_view name) const {
  std::string key = Lower(name);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(key);
  return it == functions_.end() ? Found{} : it->second;
}

std::optional<std::string> FunctionStore::Collision(const Library& lib) const {
  for (const FunctionInfo& f : lib.functions)
    if (functions_.contains(Lower(f.name))) return "Function " + f.name + " already exists";
  return std::nullopt;
}

void FunctionStore::Link(std::shared_ptr<const Library> lib) {
  for (const FunctionInfo& f : lib->functions) functions_[Lower(f.name)] = Found{lib, &f};
  libraries_.push_back(std::move(lib));
}

void FunctionStore::Unlink(const std::string& name) {
  auto it = std::find_if(libraries_.begin(), libraries_.end(),
                         [&](const auto& l) { return l->name == name; });
  if (it == libraries_.end()) return;
  for (const FunctionInfo& f : (*it)->functions) functions_.erase(Lower(f.name));
  libraries_.erase(it);
}

std::optional<std::string> FunctionStore::Add(std::shared_ptr<Library> lib, bool replace) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<const Library> old;
  for (const auto& l : libraries_)
    if (l->name == lib->name) old = l;
  if (old && !replace) return "Library '" + lib->name + "' already exists";
  if (old) Unlink(old->name);
  if (auto err = Collision(*lib)) {
    if (old) Link(old);  // the failed REPLACE keeps the old library
    return err;
  }
  Link(std::move(lib));
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return std::nullopt;
}

std::optional<std::string> FunctionStore::Restore(std::vector<std::shared_ptr<Library>> libs,
                                                  char policy) {
  std::lock_guard<std::mutex> lock(mu_);
  auto saved_libs = libraries_;
  auto saved_fns = functions_;
  auto revert = [&] {
    libraries_ = std::move(saved_libs);
    functions_ = std::move(saved_fns);
  };
  if (policy == 'F') {
    libraries_.clear();
    functions_.clear();
  }
  for (const auto& lib : libs) {
    bool exists = std::any_of(libraries_.begin(), libraries_.end(),
                              [&](const auto& l) { return l->name == lib->name; });
    if (exists && policy != 'R') {
      revert();
      return "Library " + lib->name + " already exists";
    }
    if (exists) Unlink(lib->name);
  }
  for (auto& lib : libs) {
    if (auto err = Collision(*lib)) {
      revert();
      return err;
    }
    Link(std::move(lib));
  }
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return std::nullopt;
}

bool FunctionStore::Delete(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t before = libraries_.size();
  Unlink(std::string(name));
  if (libraries_.size() == before) return false;
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void FunctionStore::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  libraries_.clear();
  functions_.clear();
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<std::shared_ptr<const Library>> FunctionStore::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return libraries_;
}

size_t FunctionStore::LibraryCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return libraries_.size();
}

size_t FunctionStore::FunctionCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return functions_.size();
}

size_t FunctionStore::MemoryBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& l : libraries_)
    n += sizeof(Library) + l->name.size() + l->code.size() +
         l->functions.size() * (sizeof(FunctionInfo) + 16);
  return n;
}

void ReplyFunctionStats(protocol::ReplyBuilder& rb) {
  std::string name;
  std::vector<std::string> command;
  int64_t duration_ms = 0;
  bool eval_busy = false;
  bool running = RunningScripts::TimedOutFunction(&name, &command, &duration_ms, &eval_busy);
  if (eval_busy)
    return rb.Error(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
  auto& store = FunctionStore::Get();
  rb.Map(2);
  rb.Bulk("running_script");
  if (!running) {
    rb.Null();
  } else {
    rb.Map(3);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("command");
    rb.Array(command.size());
    for (const auto& a : command) rb.Bulk(a);
    rb.Bulk("duration_ms");
    rb.Integer(duration_ms);
  }
  rb.Bulk("engines");
  rb.Map(1);
  rb.Bulk("LUA");
  rb.Map(2);
  rb.Bulk("libraries_count");
  rb.Integer(static_cast<int64_t>(store.LibraryCount()));
  rb.Bulk("functions_count");
  rb.Integer(static_cast<int64_t>(store.FunctionCount()));
}

}  // namespace shoal::scripting
