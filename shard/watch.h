// WatchTable: one shard's part of WATCH (Redis multi.c): which clients watch which keys of this
// shard's partition, and the marking of their transactions dirty when a watched key changes.
//
// A client's WATCH registers (db, key) -> its WatchState on the key's shard; DbSlice's write-path
// signals (DbSlice::PreChange from the mutators, DbSlice::Modified from handlers editing a value
// in place, PreFlush, PreSwap) call Touch / TouchDb / TouchSwap here, which mark the states dirty.
// EXEC reads the flag after arming the watched keys' shards, so every change ordered before the
// EXEC on those shards is seen, and none after it.
//
// Threading: a WatchTable is its shard's, touched on that thread only. WatchState::dirty is
// written by shard threads and read by the client's home thread (release/acquire; the arming
// messages order it as well). States are shared_ptrs, so a table entry never dangles after the
// client goes away (it unregisters with a message; a late touch only marks a dead state).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/functional/function_ref.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal {

struct WatchState {
  std::atomic<bool> dirty{false};
  bool Dirty() const { return dirty.load(std::memory_order_acquire); }
};

class WatchTable {
 public:
  // How a key is about to change: rewritten in any way, or removed.
  enum class Change { kWrite, kDelete };

  bool empty() const { return keys_.empty(); }
  // `expired`: the key was logically expired (present but past its TTL) when watched; its
  // deletion then is no change (Redis's watchedKey.expired).
  void Register(uint32_t db, std::string_view key, std::shared_ptr<WatchState> st, bool expired);
  void Unregister(uint32_t db, std::string_view key, const WatchState* st);
  // Pre-change hook for one key.
  void Touch(uint32_t db, std::string_view key, Change change);
  // FLUSHDB/FLUSHALL of db: `present(key)` says whether the key exists in the db being emptied
  // (Redis's touchAllWatchedKeysInDb with no replacement).
  template <typename Present>
  void TouchDb(uint32_t db, Present present) {
    for (auto& [k, refs] : keys_) {
      if (k.first != db || !present(std::string_view(k.second))) continue;
      for (Ref& r : refs) Mark(r, Change::kDelete);
    }
  }
  // What a db's table holds under a key: nothing, a live key, or a key past its TTL that is still
  // there (not deleted yet).
  enum class Presence { kAbsent, kLive, kExpired };
  using Probe = absl::FunctionRef<Presence(uint32_t db, std::string_view key)>;
  // SWAPDB a b, called before the contents move (Redis's touchAllWatchedKeysInDb(a, b) and
  // (b, a)): watches stay with the db index, so a key watched in one db sees that db's content
  // replaced with the other's. It is touched when it exists in either, except that: a key watched
  // while expired and replaced with nothing only loses its expired mark (its removal is no
  // change), and keeps it when replaced with another expired key; a key absent when watched and
  // replaced with an expired one becomes marked expired instead. `probe` reports the tables as
  // they are before the swap, expired keys included.
  void TouchSwap(uint32_t a, uint32_t b, Probe probe);
  // Whether any client watching (db, key) on this shard watched it while it was already expired.
  // For EXEC's isWatchedKeyExpired: callers check the key's expiry themselves.
  bool WatchedFresh(uint32_t db, std::string_view key, const WatchState* st) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Ref {
    std::shared_ptr<WatchState> st;
    bool expired;
  };
  static void Mark(Ref& r, Change change);
  using Key = std::pair<uint32_t, std::string>;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const Key& k) const {
      return absl::HashOf(k.first, std::string_view(k.second));
    }
    size_t operator()(const std::pair<uint32_t, std::string_view>& k) const {
      return absl::HashOf(k.first, k.second);
    }
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.first == b.first && std::string_view(a.second) == std::string_view(b.second);
    }
  };
  absl::flat_hash_map<Key, std::vector<Ref>, KeyHash, KeyEq> keys_;
};

}  // namespace shoal
