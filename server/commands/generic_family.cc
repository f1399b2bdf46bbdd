// Keyspace commands (Redis db.c / expire.c / object.c / cluster.c semantics): DEL UNLINK EXISTS
// TOUCH TYPE RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY EXPIRE* PEXPIRE* TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST OBJECT DUMP RESTORE DBSIZE FLUSHDB FLUSHALL SWAPDB.
//
// Single-key commands are kShard. Commands over several keys are kMulti and reach the shards
// through RunOnKeyShards or a Transaction; keyspace-wide ones (KEYS, SCAN, RANDOMKEY, DBSIZE,
// FLUSH*) fan out to every shard (or, for SCAN, to the one shard its cursor names).
//
// Lookups follow Redis's flavours so the LRU clock and the hit/miss counters move the same way:
// DbSlice::FindRead (lookupKeyRead), DbSlice::FindWrite (lookupKeyWrite), and LookupReadNoTouch
// below (lookupKeyReadWithFlags(NOTOUCH): counts, and a miss is a keymiss unless NONOTIFY).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/ascii.h"
#include "base/numbers.h"
#include "persistence/rdb_value.h"
#include "server/acl.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/persistence.h"
#include "server/propagate.h"
#include "server/server_state.h"
#include "server/subcommand_reply.h"
#include "server/tracking.h"
#include "server/transaction.h"
#include "shard/alloc.h"
#include "shard/glob.h"
#include "shard/notify.h"
#include "shard/object.h"
#include "shard/settings.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

// ---------------------------------------------------------------------------------------------
// Helpers

// `keymiss`: false for OBJECT, whose lookup adds LOOKUP_NONOTIFY.
Slot* LookupReadNoTouch(DbSlice& slice, DbIndex db, std::string_view key, bool keymiss = true) {
  Slot* s = slice.Find(db, key);
  ShardStats::Inc(s ? slice.stats().keyspace_hits : slice.stats().keyspace_misses);
  if (s == nullptr && keymiss) notify::Emit(notify::kKeyMiss, "keymiss", key, db);
  return s;
}

// getIntFromObjectOrReply: a string2ll integer within int range. Returns "" or the error reply.
std::string ParseIntArg(std::string_view s, int* out) {
  int64_t v;
  if (!ParseInt64(s, &v)) return errors::kNotInteger;
  if (v < INT_MIN || v > INT_MAX)
    return "ERR value is out of range, value must between -2147483648 and 2147483647";
  *out = static_cast<int>(v);
  return "";
}

unsigned NumDbs() { return static_cast<unsigned>(Server().config.databases.load()); }

// A per-thread generator for RANDOMKEY.
uint64_t Rand64() {
  thread_local std::mt19937_64 rng(
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  return rng();
}

// A key's value in transit between shards (RENAME, COPY across shards): an entry detached from,
// or cloned on, the source shard and re-keyed on the destination shard. (mimalloc lets the
// destination's thread free blocks the source's thread allocated.)
struct ValueCopy {
  Entry* e = nullptr;
  // The entry's heap bytes, handed from the source shard's byte counter to the destination's with
  // the entry (sampled for big collections), so each shard's figure stays its own for eviction.
  int64_t bytes = 0;
  ValueCopy() = default;
  ValueCopy(const ValueCopy&) = delete;
  ValueCopy& operator=(const ValueCopy&) = delete;
  ~ValueCopy() {
    if (e == nullptr) return;
    mem::Count(bytes);
    Entry::Free(e);
  }
  // On the source shard.
  void CopyOf(const Entry* src) { Take(Entry::Clone(src, src->key(), src->expire_ms())); }
  void Take(Entry* detached) {
    e = detached;
    bytes = static_cast<int64_t>(e->MallocSize());
    if (e->type() != ObjType::kString)
      bytes += static_cast<int64_t>(ObjectMallocSizeSampled(e->type(), e->enc(), e->object(), 5));
    mem::Count(-bytes);
  }
  // On the destination shard: the value as a new entry named `key` (keeping its expiry); the copy
  // is consumed.
  Entry* Make(std::string_view key) {
    mem::Count(bytes);
    Entry* r = Entry::Rekey(e, key, e->expire_ms());
    e = nullptr;
    return r;
  }
};

// Stores e under its key in db, replacing whatever is there.
void Store(DbSlice& slice, DbIndex db, Entry* e) {
  Slot* s = slice.Find(db, e->key());
  if (s == nullptr) {
    slice.Add(db, e);
    return;
  }
  slice.Replace(db, s, e);
  // RENAME and COPY delete an existing destination and dbAdd it again: "new" even then.
  notify::Emit(notify::kNew, "new", e->key(), db);
}

// Positions 1..argc-1 (DEL, EXISTS, ...).
std::vector<uint32_t> AllArgs(ArgSlice args) {
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); ++i) pos.push_back(i);
  return pos;
}

// ---------------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TOUCH: per-key results summed on the coordinator.

enum class CountOp { kDel, kUnlink, kExists, kTouch };

void CountKeys(ArgSlice args, CommandContext& ctx, CountOp op) {
  auto hits = std::make_shared<std::vector<uint8_t>>(args.size(), 0);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  RunOnKeyShards(
      ctx, args, AllArgs(args), /*write=*/op == CountOp::kDel || op == CountOp::kUnlink,
      [hits, args, db, op](Shard& shard, const std::vector<uint32_t>& mine) {
        DbSlice& slice = shard.db_slice();
        // UNLINK frees big values in the background; DEL too with lazyfree-lazy-user-del.
        bool lazy = op == CountOp::kUnlink ||
                    ShardSettings::Get(ShardSettings::lazyfree_lazy_user_del) != 0;
        for (uint32_t p : mine) {
          bool hit = false;
          switch (op) {
            case CountOp::kDel:
            case CountOp::kUnlink:
              hit = slice.DeleteKey(db, args[p], lazy);
              if (hit) notify::Emit(notify::kGeneric, "del", args[p], db);
              break;
            case CountOp::kExists:
              hit = LookupReadNoTouch(slice, db, args[p]) != nullptr;
              break;
            case CountOp::kTouch:
              hit = slice.FindRead(db, args[p]) != nullptr;
              break;
          }
          (*hits)[p] = hit;
        }
      },
      [hits, c] {
        int64_t n = 0;
        for (uint8_t h : *hits) n += h;
        c->rb->Integer(n);
        c->Done();
      });
}

void CmdDel(ArgSlice args, CommandContext& ctx) { CountKeys(args, ctx, CountOp::kDel); }
void CmdUnlink(ArgSlice args, CommandContext& ctx) { CountKeys(args, ctx, CountOp::kUnlink); }
void CmdExists(ArgSlice args, CommandContext& ctx) { CountKeys(args, ctx, CountOp::kExists); }
void CmdTouch(ArgSlice args, CommandContext& ctx) { CountKeys(args, ctx, CountOp::kTouch); }

// ---- TYPE key ----
void CmdType(ArgSlice args, CommandContext& ctx) {
  Slot* s = LookupReadNoTouch(ctx.slice(), ctx.db_index, args[1]);
  ctx.rb->Simple(s == nullptr ? "none" : TypeName(s->entry()->type()));
}

// ---------------------------------------------------------------------------------------------
// RENAME / RENAMENX

void RenameReply(CommandContext& ctx, bool nx, bool src_missing, bool dst_blocked) {
  if (src_missing)
    ctx.rb->Error(errors::kNoSuchKey);
  else if (dst_blocked)
    ctx.rb->Integer(0);
  else if (nx)
    ctx.rb->Integer(1);
  else
    ctx.rb->Ok();
}

// RENAME/RENAMENX/COPY between two shards: what hop 1 learns on the source and destination
// shards and hands to hop 2.
struct CrossShardMove {
  CrossShardMove(std::string_view src, std::string_view dst)
      : src_shard(Server().shards->ShardOf(src)), dst_shard(Server().shards->ShardOf(dst)) {}
  uint32_t src_shard, dst_shard;
  bool src_missing = false;
  bool dst_exists = false;
  ValueCopy value;
};

// One code path for both keys on one shard (the transaction then runs inline there) and on two:
// arm; hop 1 checks the destination and takes the source out (RENAMENX only copies it when the
// destination's answer is on another shard); hop 2 writes.
void RenameGeneric(ArgSlice args, CommandContext& ctx, bool nx) {
  DbIndex db = ctx.db_index;
  auto st = std::make_shared<CrossShardMove>(args[1], args[2]);
  bool same_key = args[1] == args[2];
  CommandContext* c = &ctx;
  auto tx = Transaction::Create(ctx, {st->src_shard, st->dst_shard});
  tx->Arm([tx, st, args, db, nx, c, same_key] {
    tx->Hop(
        [st, args, db, nx, same_key](Shard& shard) {
          DbSlice& slice = shard.db_slice();
          bool here_dst = shard.id() == st->dst_shard;
          if (here_dst && nx) st->dst_exists = slice.FindWrite(db, args[2]) != nullptr;
          if (shard.id() != st->src_shard) return;
          Slot* s = slice.FindWrite(db, args[1]);
          if (s == nullptr) {
            st->src_missing = true;
            return;
          }
          if (same_key) return;  // nothing moves
          if (nx && !here_dst)
            st->value.CopyOf(s->entry());  // the destination may exist: decide in hop 2
          else if (!(nx && st->dst_exists))
            st->value.Take(slice.Detach(db, s));
        },
        /*conclude=*/false,
        [tx, st, args, db, nx, c, same_key] {
          bool ok = !st->src_missing && !(nx && st->dst_exists) && !same_key;
          tx->Hop(
              [st, args, db, nx, ok](Shard& shard) {
                if (!ok) return;
                DbSlice& slice = shard.db_slice();
                bool here_dst = shard.id() == st->dst_shard;
                bool here_src = shard.id() == st->src_shard;
                if (here_src && nx && !here_dst) slice.DeleteKey(db, args[1]);
                if (here_dst) Store(slice, db, st->value.Make(args[2]));
                // Redis's order (the destination's "new" first); on two shards, each its own.
                if (here_src) notify::Emit(notify::kGeneric, "rename_from", args[1], db);
                if (here_dst) notify::Emit(notify::kGeneric, "rename_to", args[2], db);
              },
              /*conclude=*/true,
              [st, nx, c] {
                RenameReply(*c, nx, st->src_missing, nx && st->dst_exists);
                c->Done();
              });
        });
  });
}

void CmdRename(ArgSlice args, CommandContext& ctx) { RenameGeneric(args, ctx, false); }
void CmdRenamenx(ArgSlice args, CommandContext& ctx) { RenameGeneric(args, ctx, true); }

// ---------------------------------------------------------------------------------------------
// COPY source destination [DB destination-db] [REPLACE]

void CmdCopy(ArgSlice args, CommandContext& ctx) {
  DbIndex src_db = ctx.db_index;
  DbIndex dst_db = src_db;
  bool replace = false;
  for (size_t j = 3; j < args.size(); ++j) {
    size_t additional = args.size() - j - 1;
    if (EqNoCase(args[j], "replace")) {
      replace = true;
    } else if (EqNoCase(args[j], "db") && additional >= 1) {
      int id;
      if (std::string err = ParseIntArg(args[j + 1], &id); !err.empty()) {
        ctx.rb->Error(err);
        return ctx.Done();
      }
      if (id < 0 || static_cast<unsigned>(id) >= NumDbs()) {
        ctx.rb->Error(errors::kDbIndexRange);
        return ctx.Done();
      }
      dst_db = static_cast<DbIndex>(id);
      ++j;
    } else {
      ctx.rb->Error(errors::kSyntax);
      return ctx.Done();
    }
  }
  std::string_view src = args[1], dst = args[2];
  if (src_db == dst_db && src == dst) {
    ctx.rb->Error(errors::kSameObject);
    return ctx.Done();
  }

  // One path for one shard (run inline there) or two: arm; hop 1 copies the source and checks the
  // destination; hop 2 writes.
  auto st = std::make_shared<CrossShardMove>(src, dst);
  CommandContext* c = &ctx;
  auto tx = Transaction::Create(ctx, {st->src_shard, st->dst_shard});
  tx->Arm([tx, st, args, src_db, dst_db, replace, c] {
    tx->Hop(
        [st, args, src_db, dst_db](Shard& shard) {
          DbSlice& slice = shard.db_slice();
          if (shard.id() == st->src_shard) {
            Slot* s = slice.FindRead(src_db, args[1]);
            if (s == nullptr)
              st->src_missing = true;
            else
              st->value.CopyOf(s->entry());
          }
          if (shard.id() == st->dst_shard)
            st->dst_exists = slice.FindWrite(dst_db, args[2]) != nullptr;
        },
        /*conclude=*/false,
        [tx, st, args, dst_db, replace, c] {
          bool ok = !st->src_missing && (replace || !st->dst_exists);
          tx->Hop(
              [st, args, dst_db, ok](Shard& shard) {
                if (!ok || shard.id() != st->dst_shard) return;
                DbSlice& slice = shard.db_slice();
                Entry* e = st->value.Make(args[2]);
                e->set_lru(slice.access_stamp());
                Store(slice, dst_db, e);
                notify::Emit(notify::kGeneric, "copy_to", args[2], dst_db);
              },
              /*conclude=*/true,
              [ok, c] {
                c->rb->Integer(ok ? 1 : 0);
                c->Done();
              });
        });
  });
}

// ---- MOVE key db ---- (same shard, another db)
void CmdMove(ArgSlice args, CommandContext& ctx) {
  int id;
  if (std::string err = ParseIntArg(args[2], &id); !err.empty()) return ctx.rb->Error(err);
  DbSlice& slice = ctx.slice();
  if (id < 0 || static_cast<unsigned>(id) >= slice.num_dbs())
    return ctx.rb->Error(errors::kDbIndexRange);
  DbIndex src_db = ctx.db_index, dst_db = static_cast<DbIndex>(id);
  if (src_db == dst_db) return ctx.rb->Error(errors::kSameObject);
  if (slice.FindWrite(src_db, args[1]) == nullptr) return ctx.rb->Integer(0);
  if (slice.FindWrite(dst_db, args[1]) != nullptr) return ctx.rb->Integer(0);
  Slot* s = slice.Find(src_db, args[1]);
  Entry* e = slice.Detach(src_db, s);  // same key, same expiry: the entry moves as is
  slice.Add(dst_db, e);
  notify::Emit(notify::kGeneric, "move_from", args[1], src_db);
  notify::Emit(notify::kGeneric, "move_to", args[1], dst_db);
  ctx.rb->Integer(1);
}

// ---------------------------------------------------------------------------------------------
// KEYS pattern

void CmdKeys(ArgSlice args, CommandContext& ctx) {
  auto per_shard = std::make_shared<std::vector<std::vector<std::string>>>(Server().shards->size());
  std::string pattern(args[1]);
  bool all = pattern == "*";
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  Transaction::CreateAll(ctx)->Execute(
      [per_shard, pattern, all, db](Shard& shard) {
        auto& out = (*per_shard)[shard.id()];
        DbSlice& slice = shard.db_slice();
        uint64_t cursor = 0;
        do {
          cursor = slice.ScanStep(db, cursor, [&](const Entry* e) {
            std::string_view k = e->key();
            if (all || GlobMatch(pattern, k)) out.emplace_back(k);
          });
        } while (cursor != 0);
      },
      /*write=*/false,
      [per_shard, c] {
        size_t n = 0;
        for (const auto& v : *per_shard) n += v.size();
        c->rb->Array(n);
        for (const auto& v : *per_shard)
          for (const auto& k : v) c->rb->Bulk(k);
        c->Done();
      });
}

// ---------------------------------------------------------------------------------------------
// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// Cursor = (table cursor << kShardBits) | shard index. Shards are visited in order, each through
// its own one-shard read hop (a consistent cut of that shard). A call walks the shard its cursor
// names until it has examined ~COUNT entries; when that shard's table is done with fewer, it goes
// on to the next shard's start (so a small or empty db is covered in one call, and the last
// reply carries cursor 0, as in Redis). DashTable::Traverse guarantees that a key present for the
// whole iteration is returned at least once.

constexpr unsigned kShardBits = 10;
constexpr uint64_t kShardMask = (uint64_t{1} << kShardBits) - 1;

struct ScanState {
  // Request.
  DbIndex db = 0;
  uint64_t count = 10;
  std::string pattern;
  bool use_pattern = false;
  std::string type;  // lower case
  bool use_type = false;
  uint32_t nshards = 0;
  CommandContext* ctx = nullptr;
  // Progress.
  uint64_t seen = 0;        // entries examined (before filtering), like Redis's COUNT
  uint64_t steps_left = 0;  // table steps still allowed (10 * COUNT, as Redis's maxiterations)
  std::vector<std::string> keys;
};

void ScanReply(const std::shared_ptr<ScanState>& st, uint64_t next) {
  CommandContext* c = st->ctx;
  char buf[kInt64BufSize];
  size_t len = FormatInt64(static_cast<int64_t>(next), buf);
  c->rb->Array(2);
  c->rb->Bulk(std::string_view(buf, len));
  c->rb->Array(st->keys.size());
  for (const auto& k : st->keys) c->rb->Bulk(k);
  c->Done();
}

// One hop: scans shard `shard_id` from `table_cursor`, then replies or moves to the next shard.
void ScanShard(std::shared_ptr<ScanState> st, uint32_t shard_id, uint64_t table_cursor) {
  auto next = std::make_shared<uint64_t>(0);
  Transaction::Create(*st->ctx, {shard_id})
      ->Execute(
          [st, next, table_cursor](Shard& shard) {
            DbSlice& slice = shard.db_slice();
            uint64_t cur = table_cursor;
            if (slice.DbSize(st->db) == 0) {  // nothing to walk
              *next = 0;
              return;
            }
            do {
              cur = slice.ScanStep(st->db, cur, [&](const Entry* e) {
                ++st->seen;
                std::string_view k = e->key();
                if (st->use_pattern && !GlobMatch(st->pattern, k)) return;
                if (st->use_type && st->type != TypeName(e->type())) return;
                st->keys.emplace_back(k);
              });
            } while (cur != 0 && --st->steps_left > 0 && st->seen < st->count);
            *next = cur;
          },
          /*write=*/false,
          [st, next, shard_id] {
            if (*next != 0) return ScanReply(st, (*next << kShardBits) | shard_id);
            if (shard_id + 1 >= st->nshards) return ScanReply(st, 0);
            if (st->seen >= st->count || st->steps_left == 0) return ScanReply(st, shard_id + 1);
            ScanShard(st, shard_id + 1, 0);
          });
}

void CmdScan(ArgSlice args, CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) {
    ctx.rb->Error(errors::kInvalidCursor);
    return ctx.Done();
  }
  auto st = std::make_shared<ScanState>();
  int64_t count = 10;
  for (size_t i = 2; i < args.size();) {
    size_t j = args.size() - i;
    if (EqNoCase(args[i], "count") && j >= 2) {
      if (!ParseInt64(args[i + 1], &count)) {
        ctx.rb->Error(errors::kNotInteger);
        return ctx.Done();
      }
      if (count < 1) {
        ctx.rb->Error(errors::kSyntax);
        return ctx.Done();
      }
      i += 2;
    } else if (EqNoCase(args[i], "match") && j >= 2) {
      st->pattern.assign(args[i + 1]);
      st->use_pattern = st->pattern != "*";
      i += 2;
    } else if (EqNoCase(args[i], "type") && j >= 2) {
      st->type = Lower(args[i + 1]);
      st->use_type = true;
      i += 2;
    } else {
      ctx.rb->Error(errors::kSyntax);
      return ctx.Done();
    }
  }
  st->db = ctx.db_index;
  st->count = static_cast<uint64_t>(count);
  st->steps_left = count > (int64_t{1} << 40) ? UINT64_MAX : st->count * 10;
  st->nshards = Server().shards->size();
  st->ctx = &ctx;
  uint32_t shard_id = static_cast<uint32_t>(cursor & kShardMask);
  if (shard_id >= st->nshards) return ScanReply(st, 0);  // not a cursor we made: done
  ScanShard(std::move(st), shard_id, cursor >> kShardBits);
}

// ---- RANDOMKEY ----: every shard offers a random key and its size; one is picked by size.

// A random live key of db. DashTable::RandomSlot returns the first entry after a random bucket,
// which never yields an entry that shares its bucket with an earlier one; so probe random
// table positions (one home bucket each, like Redis picking a random non-empty bucket) and pick
// uniformly within the bucket, falling back to RandomEntry.
bool RandomKeyOf(DbSlice& slice, DbIndex db, std::string* out) {
  if (slice.DbSize(db) == 0) return false;
  std::vector<const Entry*> found;
  for (int probe = 0; probe < 64 && slice.DbSize(db) > 0; ++probe) {
    uint64_t r = Rand64();
    uint64_t cursor = DashTable::RandomCursor(r);
    found.clear();
    slice.ScanStep(db, cursor, [&](const Entry* e) { found.push_back(e); });
    if (!found.empty()) {
      out->assign(found[Rand64() % found.size()]->key());
      return true;
    }
  }
  const Entry* e = slice.RandomEntry(db, Rand64());
  if (e == nullptr) return false;
  out->assign(e->key());
  return true;
}

void CmdRandomkey(ArgSlice, CommandContext& ctx) {
  struct Pick {
    bool found = false;
    std::string key;
    size_t size = 0;
  };
  auto picks = std::make_shared<std::vector<Pick>>(Server().shards->size());
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  Transaction::CreateAll(ctx)->Execute(
      [picks, db](Shard& shard) {
        DbSlice& slice = shard.db_slice();
        Pick& p = (*picks)[shard.id()];
        p.found = RandomKeyOf(slice, db, &p.key);
        p.size = std::max<size_t>(slice.DbSize(db), 1);
      },
      /*write=*/false,
      [picks, c] {
        uint64_t total = 0;
        for (const auto& p : *picks)
          if (p.found) total += p.size;
        if (total == 0) {
          c->rb->Null();
          return c->Done();
        }
        uint64_t r = Rand64() % total;
        for (const auto& p : *picks) {
          if (!p.found) continue;
          if (r < p.size) {
            c->rb->Bulk(p.key);
            break;
          }
          r -= p.size;
        }
        c->Done();
      });
}

// ---------------------------------------------------------------------------------------------
// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]

enum ExpireFlag : unsigned { kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8 };

void ExpireGeneric(ArgSlice args, CommandContext& ctx, bool seconds, bool absolute) {
  unsigned flags = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view o = args[j];
    if (EqNoCase(o, "nx"))
      flags |= kExpNx;
    else if (EqNoCase(o, "xx"))
      flags |= kExpXx;
    else if (EqNoCase(o, "gt"))
      flags |= kExpGt;
    else if (EqNoCase(o, "lt"))
      flags |= kExpLt;
    else
      return ctx.rb->Error("ERR Unsupported option " + std::string(o));
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt)))
    return ctx.rb->Error(errors::kNxXxGtLt);
  if ((flags & kExpGt) && (flags & kExpLt)) return ctx.rb->Error(errors::kGtLt);

  int64_t when;
  if (!ParseInt64(args[2], &when)) return ctx.rb->Error(errors::kNotInteger);
  DbSlice& slice = ctx.slice();
  std::string bad = "ERR invalid expire time in '" + ctx.cid->name + "' command";
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return ctx.rb->Error(bad);
    when *= 1000;
  }
  int64_t base = absolute ? 0 : slice.now_ms();
  if (when > LLONG_MAX - base) return ctx.rb->Error(bad);
  when += base;

  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(0);
  if (flags) {
    int64_t cur = s->entry()->has_expire() ? s->entry()->expire_ms() : -1;
    if ((flags & kExpNx) && cur != -1) return ctx.rb->Integer(0);
    if ((flags & kExpXx) && cur == -1) return ctx.rb->Integer(0);
    if ((flags & kExpGt) && (when <= cur || cur == -1)) return ctx.rb->Integer(0);
    if ((flags & kExpLt) && cur != -1 && when >= cur) return ctx.rb->Integer(0);
  }
  if (when <= slice.now_ms()) {
    slice.Delete(ctx.db_index, s);
    notify::Emit(notify::kGeneric, "del", args[1], ctx.db_index);
    PropagateExpiredDelete(ctx, args[1]);
  } else {
    slice.SetExpire(ctx.db_index, s, when);
    notify::Emit(notify::kGeneric, "expire", args[1], ctx.db_index);
    if (journal::Enabled()) {
      // expireGenericCommand: PEXPIREAT with the absolute time, the flags kept.
      std::vector<std::string> argv(args.begin(), args.end());
      argv[0] = "PEXPIREAT";
      argv[2] = MsString(when);
      ctx.Propagate(std::move(argv));
    }
  }
  ctx.rb->Integer(1);
}

void CmdExpire(ArgSlice a, CommandContext& c) { ExpireGeneric(a, c, true, false); }
void CmdPexpire(ArgSlice a, CommandContext& c) { ExpireGeneric(a, c, false, false); }
void CmdExpireat(ArgSlice a, CommandContext& c) { ExpireGeneric(a, c, true, true); }
void CmdPexpireat(ArgSlice a, CommandContext& c) { ExpireGeneric(a, c, false, true); }

// ---- TTL / PTTL / EXPIRETIME / PEXPIRETIME key ----
void TtlGeneric(ArgSlice args, CommandContext& ctx, bool ms, bool abs) {
  DbSlice& slice = ctx.slice();
  Slot* s = LookupReadNoTouch(slice, ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(-2);
  if (!s->entry()->has_expire()) return ctx.rb->Integer(-1);
  int64_t expire = s->entry()->expire_ms();
  int64_t ttl = abs ? expire : expire - slice.now_ms();
  if (ttl < 0) ttl = 0;
  ctx.rb->Integer(ms ? ttl : (ttl + 500) / 1000);
}

void CmdTtl(ArgSlice a, CommandContext& c) { TtlGeneric(a, c, false, false); }
void CmdPttl(ArgSlice a, CommandContext& c) { TtlGeneric(a, c, true, false); }
void CmdExpiretime(ArgSlice a, CommandContext& c) { TtlGeneric(a, c, false, true); }
void CmdPexpiretime(ArgSlice a, CommandContext& c) { TtlGeneric(a, c, true, true); }

// ---- PERSIST key ----
void CmdPersist(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, args[1]);
  if (s == nullptr || !s->entry()->has_expire()) return ctx.rb->Integer(0);
  slice.SetExpire(ctx.db_index, s, 0);
  notify::Emit(notify::kGeneric, "persist", args[1], ctx.db_index);
  ctx.rb->Integer(1);
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP
//
// One table entry (key at argument 2, optional so that OBJECT HELP routes); the subcommand and
// its arity are checked here, with Redis's container-command errors.

constexpr int64_t kSharedRefcount = INT_MAX;  // OBJ_SHARED_REFCOUNT
constexpr int64_t kSharedIntegers = 10000;    // OBJ_SHARED_INTEGERS

void CmdObject(ArgSlice args, CommandContext& ctx) {
  std::string sub = Lower(args[1]);
  bool keyed = sub == "encoding" || sub == "freq" || sub == "idletime" || sub == "refcount";
  if (!keyed && sub != "help") {
    return ReplyUnknownSubcommand(*ctx.rb, args[0], args[1]);
  }
  if (args.size() != (keyed ? 3u : 2u))
    return ctx.rb->Error("ERR wrong number of arguments for 'object|" + sub + "' command");
  if (sub == "help") {
    static constexpr const char* kHelp[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
    };
    return ReplyHelp(*ctx.rb, args[0], kHelp);
  }
  DbSlice& slice = ctx.slice();
  Slot* s = LookupReadNoTouch(slice, ctx.db_index, args[2], /*keymiss=*/false);
  if (s == nullptr) return ctx.rb->Null();
  const Entry* e = s->entry();
  if (sub == "encoding") return ctx.rb->Bulk(EncodingName(e->enc()));
  if (sub == "freq") {
    if (!slice.lfu()) return ctx.rb->Error(errors::kLfuNotSelected);
    return ctx.rb->Integer(
        LfuDecayed(e->lru(), slice.now_ms(), ShardSettings::Get(ShardSettings::lfu_decay_time)));
  }
  if (sub == "idletime") {
    if (slice.lfu()) return ctx.rb->Error(errors::kLfuSelected);
    return ctx.rb->Integer(static_cast<int64_t>(LruIdleMs(e->lru(), slice.lru_clock()) / 1000));
  }
  // refcount: Redis shares the integer objects 0..9999.
  bool shared = e->type() == ObjType::kString && e->enc() == ObjEnc::kInt && e->int_value() >= 0 &&
                e->int_value() < kSharedIntegers;
  ctx.rb->Integer(shared ? kSharedRefcount : 1);
}

// ---------------------------------------------------------------------------------------------
// DUMP key
// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
//
// The payload is persistence/rdb_value.h's (RDB 10 value, version, CRC64), so values move between
// Shoal and Redis 7.0 both ways. DUMP compresses as Redis does with rdbcompression yes (Shoal has
// no rdbcompression setting yet).

void CmdDump(ArgSlice args, CommandContext& ctx) {
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Null();
  ctx.rb->Bulk(rdb::DumpPayload(s->entry(), Server().config.rdbcompression.load() != 0));
}

void CmdRestore(ArgSlice args, CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t lfu_freq = -1, lru_idle = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    const size_t additional = args.size() - j - 1;
    if (EqNoCase(args[j], "replace")) {
      replace = true;
    } else if (EqNoCase(args[j], "absttl")) {
      absttl = true;
    } else if (EqNoCase(args[j], "idletime") && additional >= 1 && lfu_freq == -1) {
      if (!ParseInt64(args[j + 1], &lru_idle)) return ctx.rb->Error(errors::kNotInteger);
      if (lru_idle < 0) return ctx.rb->Error(errors::kInvalidIdletime);
      ++j;
    } else if (EqNoCase(args[j], "freq") && additional >= 1 && lru_idle == -1) {
      if (!ParseInt64(args[j + 1], &lfu_freq)) return ctx.rb->Error(errors::kNotInteger);
      if (lfu_freq < 0 || lfu_freq > 255) return ctx.rb->Error(errors::kInvalidFreq);
      ++j;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
  }
  DbSlice& slice = ctx.slice();
  const DbIndex db = ctx.db_index;
  const std::string_view key = args[1];
  if (!replace && slice.FindWrite(db, key) != nullptr) return ctx.rb->Error(errors::kBusyKey);
  int64_t ttl;
  if (!ParseInt64(args[2], &ttl)) return ctx.rb->Error(errors::kNotInteger);
  if (ttl < 0) return ctx.rb->Error(errors::kInvalidTtl);

  rdb::DecodeOptions opts;
  // Redis's restoreCommand: "clients" checks every client's payload but those of users with
  // skip-sanitize-payload, and not what the AOF loader replays (no user).
  int64_t sanitize = Server().config.sanitize_dump_payload.load();
  opts.deep = sanitize == Config::kSanitizeYes ||
              (sanitize == Config::kSanitizeClients && ctx.user != nullptr &&
               !(ctx.user->flags & acl::User::kSkipSanitize));
  const bool skip_crc = ShardSettings::Get(ShardSettings::skip_checksum_validation) != 0;
  auto value = rdb::RestorePayload(args[3], opts, skip_crc);
  if (!value.ok()) return ctx.rb->Error(std::string(value.status().message()));

  // Redis adds the relative TTL to the clock in wrapping long long arithmetic; a result at or
  // before now (an overflow included) is already expired.
  if (ttl != 0 && !absttl)
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(slice.now_ms()));
  if (ttl != 0 && ttl <= slice.now_ms()) {
    // Nothing is created; a replaced key is deleted (Redis propagates that as a DEL).
    rdb::FreeDecoded(*value);
    if (Slot* old = replace ? slice.Find(db, key) : nullptr; old != nullptr) {
      slice.Delete(db, old);
      notify::Emit(notify::kGeneric, "del", key, db);
      ctx.Propagate({"DEL", std::string(key)});
    }
    return ctx.rb->Ok();
  }
  const uint32_t access = AccessFieldFor(slice.access_stamp(), slice.lfu(), lfu_freq, lru_idle,
                                         slice.lru_clock(), slice.now_ms());
  Entry* e = rdb::MakeEntry(key, *std::move(value), ttl, access);
  Store(slice, db, e);
  if (ttl != 0 && !absttl && journal::Enabled()) {
    // restoreCommand: the TTL as an absolute time, ABSTTL appended.
    std::vector<std::string> argv(args.begin(), args.end());
    argv[2] = MsString(ttl);
    argv.emplace_back("ABSTTL");
    ctx.Propagate(std::move(argv));
  }
  // Replacing keeps an overwritten key's LFU counter; RESTORE's key is a new one (Redis deletes
  // the old key and adds this one).
  e->set_lru(access);
  notify::Emit(notify::kGeneric, "restore", key, db);
  ctx.rb->Ok();
}

// ---------------------------------------------------------------------------------------------
// DBSIZE, FLUSHDB [ASYNC|SYNC], FLUSHALL [ASYNC|SYNC]

void CmdDbsize(ArgSlice, CommandContext& ctx) {
  auto sizes = std::make_shared<std::vector<size_t>>(Server().shards->size(), 0);
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  Transaction::CreateAll(ctx)->Execute(
      [sizes, db](Shard& shard) { (*sizes)[shard.id()] = shard.db_slice().DbSize(db); },
      /*write=*/false,
      [sizes, c] {
        int64_t n = 0;
        for (size_t v : *sizes) n += static_cast<int64_t>(v);
        c->rb->Integer(n);
        c->Done();
      });
}

// getFlushCommandFlags: false on a syntax error; *lazy for ASYNC, or by
// lazyfree-lazy-user-flush when neither word is given.
bool ParseFlushFlags(ArgSlice args, bool* lazy) {
  *lazy = ShardSettings::Get(ShardSettings::lazyfree_lazy_user_flush) != 0;
  if (args.size() == 1) return true;
  if (args.size() != 2) return false;
  if (EqNoCase(args[1], "sync")) {
    *lazy = false;
    return true;
  }
  *lazy = true;
  return EqNoCase(args[1], "async");
}

void FlushGeneric(ArgSlice args, CommandContext& ctx, bool all) {
  bool lazy;
  if (!ParseFlushFlags(args, &lazy)) {
    ctx.rb->Error(errors::kSyntax);
    return ctx.Done();
  }
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  Transaction::CreateAll(ctx)->Execute(
      [db, all, lazy](Shard& shard) {
        if (all)
          shard.db_slice().FlushAll(lazy);
        else
          shard.db_slice().FlushDb(db, lazy);
      },
      /*write=*/true,
      [c, all] {
        c->changed = true;  // logged even when nothing was there (forceCommandPropagation)
        // signalFlushedDb: every tracking client is told that all keys are invalid (a null).
        tracking::InvalidateAllOnFlush();
        auto ok = [c] {
          c->rb->Ok();
          c->Done();
        };
        // Redis's flushAllDataAndResetRDB: a running BGSAVE is stopped and, with save rules, the
        // (empty) dataset is saved before the reply. Not from inside EXEC or a script, whose
        // transaction holds shards a save would need.
        if (!all || c->tx != nullptr ||
            (!persistence::HasSaveRules() && !persistence::SaveInProgress()))
          return ok();
        persistence::CancelSaveAsync([ok] {
          if (!persistence::HasSaveRules()) return ok();
          persistence::StartSave(
              persistence::SaveMode::kForeground,
              [ok](absl::Status st) {
                if (!st.ok()) ok();
              },
              [ok](absl::Status, std::shared_ptr<Transaction>) { ok(); });
        });
      });
}

void CmdFlushdb(ArgSlice args, CommandContext& ctx) { FlushGeneric(args, ctx, false); }
void CmdFlushall(ArgSlice args, CommandContext& ctx) { FlushGeneric(args, ctx, true); }

// ---------------------------------------------------------------------------------------------
// SWAPDB index1 index2 (dbSwapDatabases). Every shard swaps its two tables in one armed
// transaction: no client sees one shard swapped and another not. DbSlice::SwapDbs touches the
// watches and marks keys that blocked clients wait on ready; they are served as each shard
// unparks (inside EXEC: after the whole EXEC).

void CmdSwapdb(ArgSlice args, CommandContext& ctx) {
  int64_t a, b;
  // getIntFromObjectOrReply: an int, or the command's own message.
  if (!ParseInt64(args[1], &a) || a < INT_MIN || a > INT_MAX) {
    ctx.rb->Error(errors::kSwapdbFirst);
    return ctx.Done();
  }
  if (!ParseInt64(args[2], &b) || b < INT_MIN || b > INT_MAX) {
    ctx.rb->Error(errors::kSwapdbSecond);
    return ctx.Done();
  }
  int64_t n = NumDbs();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.rb->Error(errors::kDbIndexRange);
    return ctx.Done();
  }
  CommandContext* c = &ctx;
  if (a == b) {
    c->rb->Ok();
    return c->Done();
  }
  auto tx = Transaction::CreateAll(ctx);
  auto da = static_cast<DbIndex>(a), db = static_cast<DbIndex>(b);
  tx->Execute([da, db](Shard& shard) { shard.db_slice().SwapDbs(da, db); }, /*write=*/true,
              [c] {
                c->rb->Ok();
                c->Done();
              });
}

}  // namespace

void RegisterGenericFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  constexpr uint64_t kDangerous = acl_cat::kDangerous;
  // clang-format off
  r.AddFamily(acl_cat::kKeyspace, {
      {.name = "del", .arity = -2, .flags = kWrite, .mode = kMulti, .fn = CmdDel},
      {.name = "unlink", .arity = -2, .flags = kWrite | kFast, .mode = kMulti, .fn = CmdUnlink},
      {.name = "exists", .arity = -2, .flags = kReadOnly | kFast, .mode = kMulti, .fn = CmdExists},
      {.name = "touch", .arity = -2, .flags = kReadOnly | kFast, .mode = kMulti, .fn = CmdTouch},
      {.name = "type", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdType},
      {.name = "rename", .arity = 3, .flags = kWrite, .mode = kMulti, .fn = CmdRename},
      {.name = "renamenx", .arity = 3, .flags = kWrite | kFast, .mode = kMulti, .fn = CmdRenamenx},
      {.name = "copy", .arity = -3, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdCopy},
      {.name = "move", .arity = 3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdMove},
      {.name = "keys", .arity = 2, .flags = kReadOnly, .mode = kMulti, .fn = CmdKeys,
       .acl = kDangerous},
      {.name = "scan", .arity = -2, .flags = kReadOnly, .mode = kMulti, .fn = CmdScan},
      {.name = "randomkey", .arity = 1, .flags = kReadOnly, .mode = kMulti, .fn = CmdRandomkey},
      {.name = "expire", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdExpire},
      {.name = "pexpire", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdPexpire},
      {.name = "expireat", .arity = -3, .flags = kWrite | kFast, .mode = kShard, .fn = CmdExpireat},
      {.name = "pexpireat", .arity = -3, .flags = kWrite | kFast, .mode = kShard,
       .fn = CmdPexpireat},
      {.name = "ttl", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdTtl},
      {.name = "pttl", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdPttl},
      {.name = "expiretime", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdExpiretime},
      {.name = "pexpiretime", .arity = 2, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdPexpiretime},
      {.name = "persist", .arity = 2, .flags = kWrite | kFast, .mode = kShard, .fn = CmdPersist},
      {.name = "dump", .arity = 2, .flags = kReadOnly, .mode = kShard, .fn = CmdDump},
      {.name = "restore", .arity = -4, .flags = kWrite | kDenyOom, .mode = kShard,
       .fn = CmdRestore, .acl = kDangerous},
      // OBJECT: the container has no flags and no keys, as in Redis; each invocation is routed by
      // its subcommand's keys (KeyPositions), so OBJECT ENCODING k runs on k's shard.
      {.name = "object", .arity = -2, .mode = kShard, .fn = CmdObject, .subcommands = {
           {.name = "object|encoding", .arity = 3, .flags = kReadOnly},
           {.name = "object|freq", .arity = 3, .flags = kReadOnly},
           {.name = "object|help", .arity = 2, .flags = kLoading | kStale},
           {.name = "object|idletime", .arity = 3, .flags = kReadOnly},
           {.name = "object|refcount", .arity = 3, .flags = kReadOnly},
       }},
      // Keyspace-wide server commands (COMMAND DOCS group "server").
      {.name = "dbsize", .arity = 1, .flags = kReadOnly | kFast, .mode = kMulti, .fn = CmdDbsize},
      {.name = "flushdb", .arity = -1, .flags = kWrite, .mode = kMulti, .fn = CmdFlushdb,
       .acl = kDangerous},
      {.name = "flushall", .arity = -1, .flags = kWrite, .mode = kMulti, .fn = CmdFlushall,
       .acl = kDangerous},
      {.name = "swapdb", .arity = 3, .flags = kWrite | kFast, .mode = kMulti, .fn = CmdSwapdb,
       .acl = kDangerous},
  });
  // clang-format on
}

}  // namespace shoal
