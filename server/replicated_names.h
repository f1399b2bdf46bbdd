// Names connections register for on every thread (pub/sub channels, patterns and shard channels,
// MONITOR, tracking's BCAST prefixes), and the cross-thread task they are changed with.
//
// Each shard thread keeps its own map of every name anybody registered, with how many
// connections each thread has for it (the same counts on every thread), plus the list of its own
// connections registered for it. A thread that must find who listens (PUBLISH, a keyspace event,
// a change under a BCAST prefix) reads only its own map: no lock, no hop. Registering is the rare
// side: Broadcast applies the count on the calling thread at once and on every other thread by a
// task message, and calls back once all of them acknowledged; the connection then Joins its
// thread's local list (it receives from then on). Leave stops that at once.
//
// Threading: every method runs on a shard thread and touches only the calling thread's map (the
// tasks Broadcast sends touch theirs). Local lists hold Connection* of the calling thread only.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

class Connection;

// Runs `work` on shard thread `thread` through its queue. Completion class: it touches
// connections and registries, no keyspace data, so it runs even while that shard is parked or
// lent to a script.
void RunOnThread(uint32_t thread, std::function<void()> work);

class ReplicatedNames {
 public:
  struct Entry {
    // (thread, connections there), each count > 0: the same on every thread.
    absl::InlinedVector<std::pair<uint32_t, uint32_t>, 2> threads;
    int64_t total = 0;
    // The calling thread's registered connections (the ones receiving).
    std::vector<Connection*> local;
  };
  using Map = absl::flat_hash_map<std::string, Entry>;

  // Once at startup, before the shard threads start.
  void Init(uint32_t threads);
  // The calling thread's map.
  Map& Local();
  Entry* Find(std::string_view name);
  // Adds `delta` to the calling thread's count of each name on every thread; `after` (may be
  // empty) runs on the calling thread once every thread applied it (at once with one thread).
  void Broadcast(std::shared_ptr<const std::vector<std::string>> names, int delta,
                 std::function<void()> after);
  // c (of the calling thread) starts or stops receiving for these names.
  void Join(Connection* c, const std::vector<std::string>& names);
  void Leave(Connection* c, const std::vector<std::string>& names);
  // Names with a registration somewhere (PUBSUB NUMPAT, INFO).
  int64_t CountNames();

 private:
  static void Count(Map& map, const std::string& name, uint32_t thread, int delta);
  std::vector<std::unique_ptr<Map>> maps_;
};

}  // namespace shoal
