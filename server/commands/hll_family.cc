// HyperLogLog commands (Redis 7.0 hyperloglog.c semantics) over string values in Redis's byte
// layout (shard/hyperloglog.h): PFADD and PFDEBUG run on the key's shard (kShard); PFCOUNT of one
// key runs there too and may store the cardinality it computed in the value's cache; PFCOUNT of
// several keys gathers each shard's registers, maxed into one raw array per shard, in one hop and
// counts their union on the coordinator without changing anything; PFMERGE gathers the same way
// while the shards are armed, then writes the destination on its shard in the next phase.
// PFSELFTEST runs on the connection's thread and touches no data.
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "shard/hyperloglog.h"
#include "shard/notify.h"
#include "shard/settings.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

using Slot = DbSlice::Slot;

constexpr char kNotHll[] = "-WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr char kInvalidHll[] = "-INVALIDOBJ Corrupted HLL object detected";
constexpr char kNoSuchKey[] = "ERR The specified key does not exist";
constexpr char kNotSparse[] = "ERR HLL encoding is not sparse";

// A key's verdict when reading it as an HLL, in the order Redis checks.
enum class HllErr : uint8_t { kNone, kWrongType, kNotHll, kInvalid };

void ReplyErr(protocol::ReplyBuilder* rb, HllErr e) {
  switch (e) {
    case HllErr::kWrongType:
      return rb->Error(errors::kWrongType);
    case HllErr::kNotHll:
      return rb->Error(kNotHll);
    case HllErr::kInvalid:
      return rb->Error(kInvalidHll);
    case HllErr::kNone:
      return;
  }
}

size_t SparseMaxBytes() {
  return static_cast<size_t>(ShardSettings::Get(ShardSettings::hll_sparse_max_bytes));
}

// isHLLObjectOrReply for a live slot: the value's bytes (into `scratch` for ints) or an error.
HllErr CheckHll(const Slot* s, char* scratch, std::string_view* bytes) {
  const Entry* e = s->entry();
  if (e->type() != ObjType::kString) return HllErr::kWrongType;
  // An int-encoded string is never an HLL (Redis's sdsEncodedObject check): too short anyway.
  *bytes = e->StringBytes(scratch);
  return hll::IsHll(*bytes) ? HllErr::kNone : HllErr::kNotHll;
}

// Writes `v` over the string in `s` (raw, same TTL). The caller has signalled the change.
void StoreInPlace(DbSlice& slice, DbIndex db, Slot* s, const std::string& v) {
  RawStr* r = UnshareRawString(slice, db, s, v.size());
  std::memcpy(r->data(), v.data(), v.size());
  r->len = v.size();
}

// ---- PFADD key [element ...] ----
void CmdPfadd(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  DbIndex db = ctx.db_index;
  std::string_view key = args[1];
  size_t max_bytes = SparseMaxBytes();
  Slot* s = slice.FindWrite(db, key);
  if (s == nullptr) {
    std::string v = hll::NewSparse();
    uint64_t updated = 1;  // the creation
    for (size_t j = 2; j < args.size(); ++j)
      if (hll::Add(&v, args[j], max_bytes) == 1) ++updated;
    hll::InvalidateCache(v.data());
    slice.Add(db, Entry::NewRaw(key, v, v.size(), 0, slice.access_stamp()));
    slice.AddDirty(updated - 1);  // Add counted one
    notify::Emit(notify::kString, "pfadd", key, db);
    return ctx.rb->Integer(1);
  }
  char buf[32];
  std::string_view cur;
  if (HllErr e = CheckHll(s, buf, &cur); e != HllErr::kNone) return ReplyErr(ctx.rb, e);

  uint64_t updated = 0;
  bool corrupted = false;
  if (hll::Encoding(cur) == hll::kDense) {
    // The hot path: registers raised in place, no copy.
    RawStr* r = UnshareRawString(slice, db, s, 0);
    uint8_t* regs = reinterpret_cast<uint8_t*>(r->data()) + hll::kHeaderSize;
    for (size_t j = 2; j < args.size(); ++j) {
      uint32_t index;
      uint8_t count = hll::PatLen(args[j], &index);
      if (count <= hll::DenseGet(regs, index)) continue;
      if (updated++ == 0) slice.Modified(db, key);
      hll::DenseSet(regs, index, count);
    }
    if (updated > 0) {
      slice.AddDirty(updated - 1);
      hll::InvalidateCache(r->data());
    }
  } else {
    // Sparse values are small (hll-sparse-max-bytes): edited as a copy, stored back once.
    std::string v(cur);
    for (size_t j = 2; j < args.size(); ++j) {
      int rc = hll::Add(&v, args[j], max_bytes);
      if (rc == -1) {
        corrupted = true;
        break;
      }
      updated += static_cast<uint64_t>(rc);
    }
    if (updated > 0) {
      if (!corrupted) hll::InvalidateCache(v.data());
      slice.Modified(db, key, updated);
      StoreInPlace(slice, db, s, v);
    }
  }
  if (corrupted) return ctx.rb->Error(kInvalidHll);
  if (updated > 0) notify::Emit(notify::kString, "pfadd", key, db);
  ctx.rb->Integer(updated > 0 ? 1 : 0);
}

// ---- PFCOUNT key [key ...] ----
struct CountOne {
  HllErr err = HllErr::kNone;
  uint64_t card = 0;
};

// PFCOUNT of one key: the cached cardinality, or a fresh one stored in the cache (a change: the
// key is signalled, as Redis's signalModifiedKey + dirty++).
CountOne OpCountOne(DbSlice& slice, DbIndex db, std::string_view key) {
  CountOne res;
  Slot* s = slice.FindRead(db, key);
  if (s == nullptr) return res;
  char buf[32];
  std::string_view cur;
  if (res.err = CheckHll(s, buf, &cur); res.err != HllErr::kNone) return res;
  // dbUnshareStringValue: the value becomes raw (no change of bytes, nothing signalled).
  RawStr* r = UnshareRawString(slice, db, s, 0);
  cur = std::string_view(r->data(), r->len);
  if (hll::CacheValid(cur)) {
    res.card = hll::CachedCard(cur);
    return res;
  }
  bool invalid = false;
  res.card = hll::Count(cur, &invalid);
  if (invalid) {
    res.err = HllErr::kInvalid;
    return res;
  }
  slice.Modified(db, key);
  hll::SetCachedCard(r->data(), res.card);
  return res;
}

// Registers gathered from several keys: one raw array per shard (each written only by its
// shard's hop) and each key's verdict (written only by the shard owning it).
struct Gathered {
  std::vector<std::unique_ptr<uint8_t[]>> regs;  // [shard id]
  std::vector<HllErr> err;                       // [arg position]
  std::vector<char> dense;                       // [arg position]: a dense source (PFMERGE)

  Gathered(size_t shards, size_t args) : regs(shards), err(args, HllErr::kNone), dense(args, 0) {}

  // The first failing key in argument order, as Redis's loop meets it.
  HllErr FirstError() const {
    for (HllErr e : err)
      if (e != HllErr::kNone) return e;
    return HllErr::kNone;
  }
  bool AnyDense() const {
    for (char d : dense)
      if (d) return true;
    return false;
  }
  // The union of every shard's registers.
  void Union(uint8_t* max) const {
    std::memset(max, 0, hll::kRegisters);
    for (const auto& r : regs) {
      if (!r) continue;
      for (uint32_t i = 0; i < hll::kRegisters; ++i)
        if (r[i] > max[i]) max[i] = r[i];
    }
  }
};

// Merges the keys at `mine` owned by `shard` into its raw array (copied out: nothing points into
// shard data after the hop).
void GatherRegisters(Shard& shard, DbIndex db, ArgSlice args, const std::vector<uint32_t>& mine,
                     Gathered& g) {
  DbSlice& slice = shard.db_slice();
  auto& regs = g.regs[shard.id()];
  for (uint32_t p : mine) {
    Slot* s = slice.FindRead(db, args[p]);
    if (s == nullptr) continue;
    char buf[32];
    std::string_view cur;
    if (HllErr e = CheckHll(s, buf, &cur); e != HllErr::kNone) {
      g.err[p] = e;
      continue;
    }
    if (hll::Encoding(cur) == hll::kDense) g.dense[p] = 1;
    if (!regs) {
      regs = std::make_unique<uint8_t[]>(hll::kRegisters);
      std::memset(regs.get(), 0, hll::kRegisters);
    }
    if (!hll::Merge(regs.get(), cur)) g.err[p] = HllErr::kInvalid;
  }
}

void CmdPfcount(ArgSlice args, CommandContext& ctx) {
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  if (args.size() == 2) {
    auto res = std::make_shared<CountOne>();
    RunOnKeyShards(
        ctx, args, {1}, /*write=*/true,
        [res, args, db](Shard& shard, const std::vector<uint32_t>&) {
          *res = OpCountOne(shard.db_slice(), db, args[1]);
        },
        [res, c] {
          if (res->err != HllErr::kNone)
            ReplyErr(c->rb, res->err);
          else
            c->rb->Integer(static_cast<int64_t>(res->card));
          c->Done();
        });
    return;
  }
  auto g = std::make_shared<Gathered>(Server().shards->size(), args.size());
  std::vector<uint32_t> pos;
  for (uint32_t i = 1; i < args.size(); ++i) pos.push_back(i);
  RunOnKeyShards(
      ctx, args, pos, /*write=*/false,
      [g, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
        GatherRegisters(shard, db, args, mine, *g);
      },
      [g, c] {
        if (HllErr e = g->FirstError(); e != HllErr::kNone) {
          ReplyErr(c->rb, e);
        } else {
          auto max = std::make_unique<uint8_t[]>(hll::kRegisters);
          g->Union(max.get());
          c->rb->Integer(static_cast<int64_t>(hll::CountRaw(max.get())));
        }
        c->Done();
      });
}

// ---- PFMERGE destkey [sourcekey ...] ----
// Writes the union into the destination (created empty sparse when missing); false when the
// destination turned out corrupted.
bool StoreMerged(DbSlice& slice, DbIndex db, std::string_view key, const uint8_t* max,
                 bool to_dense) {
  size_t max_bytes = SparseMaxBytes();
  Slot* s = slice.FindWrite(db, key);
  if (s == nullptr) {
    std::string v = hll::NewSparse();
    hll::ApplyRaw(&v, max, to_dense, max_bytes);
    slice.Add(db, Entry::NewRaw(key, v, v.size(), 0, slice.access_stamp()));
  } else {
    char buf[32];
    std::string_view cur;
    if (CheckHll(s, buf, &cur) != HllErr::kNone) return false;  // checked in the read phase
    std::string v(cur);
    if (!hll::ApplyRaw(&v, max, to_dense, max_bytes)) return false;
    slice.Modified(db, key);
    StoreInPlace(slice, db, s, v);
  }
  notify::Emit(notify::kString, "pfadd", key, db);
  return true;
}

void CmdPfmerge(ArgSlice args, CommandContext& ctx) {
  DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  auto g = std::make_shared<Gathered>(Server().shards->size(), args.size());
  auto failed = std::make_shared<HllErr>(HllErr::kNone);
  std::vector<uint32_t> all;
  for (uint32_t i = 1; i < args.size(); ++i) all.push_back(i);
  std::vector<Phase> phases;
  // Read every source (the destination is one too, as in Redis).
  phases.push_back({all, [g, args, db](Shard& shard, const std::vector<uint32_t>& mine) {
                      GatherRegisters(shard, db, args, mine, *g);
                    }});
  // Write the destination from the union.
  phases.push_back({{1}, [g, failed, args, db](Shard& shard, const std::vector<uint32_t>&) {
                      *failed = g->FirstError();
                      if (*failed != HllErr::kNone) return;
                      auto max = std::make_unique<uint8_t[]>(hll::kRegisters);
                      g->Union(max.get());
                      if (!StoreMerged(shard.db_slice(), db, args[1], max.get(), g->AnyDense()))
                        *failed = HllErr::kInvalid;
                    }});
  RunPhases(ctx, args, std::move(phases), [failed, c] {
    if (*failed != HllErr::kNone)
      ReplyErr(c->rb, *failed);
    else
      c->rb->Ok();
    c->Done();
  });
}

// ---- PFDEBUG <subcommand> key ----
void CmdPfdebug(ArgSlice args, CommandContext& ctx) {
  DbSlice& slice = ctx.slice();
  DbIndex db = ctx.db_index;
  std::string_view sub = CStr(args[1]);
  std::string_view key = args[2];
  Slot* s = slice.FindWrite(db, key);
  if (s == nullptr) return ctx.rb->Error(kNoSuchKey);
  char buf[32];
  std::string_view cur;
  if (HllErr e = CheckHll(s, buf, &cur); e != HllErr::kNone) return ReplyErr(ctx.rb, e);
  RawStr* r = UnshareRawString(slice, db, s, 0);
  cur = std::string_view(r->data(), r->len);

  // GETREG and TODENSE turn a sparse value dense (a change Redis propagates).
  auto to_dense = [&]() -> bool {
    std::string v(cur);
    if (!hll::SparseToDense(&v)) return false;
    slice.Modified(db, key);
    StoreInPlace(slice, db, s, v);
    return true;
  };
  if (EqNoCaseC(sub, "getreg")) {
    if (hll::Encoding(cur) == hll::kSparse && !to_dense()) return ctx.rb->Error(kInvalidHll);
    Slot* now = slice.Find(db, key);
    std::string_view v = now->entry()->StringBytes(buf);
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(v.data()) + hll::kHeaderSize;
    ctx.rb->Array(hll::kRegisters);
    for (uint32_t j = 0; j < hll::kRegisters; ++j) ctx.rb->Integer(hll::DenseGet(regs, j));
  } else if (EqNoCaseC(sub, "decode")) {
    if (hll::Encoding(cur) != hll::kSparse) return ctx.rb->Error(kNotSparse);
    ctx.rb->Bulk(hll::Decode(cur));
  } else if (EqNoCaseC(sub, "encoding")) {
    ctx.rb->Simple(hll::Encoding(cur) == hll::kDense ? "dense" : "sparse");
  } else if (EqNoCaseC(sub, "todense")) {
    bool conv = false;
    if (hll::Encoding(cur) == hll::kSparse) {
      if (!to_dense()) return ctx.rb->Error(kInvalidHll);
      conv = true;
    }
    ctx.rb->Integer(conv ? 1 : 0);
  } else {
    ctx.rb->Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// ---- PFSELFTEST ----
// Redis's self test: dense register get/set round trips, then 10M inserts into a dense and a
// sparse HLL whose counts must agree and stay within 6 standard errors at every power of ten.
std::string SelfTest() {
  std::mt19937_64 rng(std::random_device{}());
  std::string dense(hll::kDenseSize, '\0');
  uint8_t* regs = reinterpret_cast<uint8_t*>(dense.data()) + hll::kHeaderSize;
  std::vector<uint8_t> bytecounters(hll::kRegisters);
  for (int j = 0; j < 1000; j++) {
    for (uint32_t i = 0; i < hll::kRegisters; i++) {
      uint8_t r = static_cast<uint8_t>(rng() & hll::kRegisterMax);
      bytecounters[i] = r;
      hll::DenseSet(regs, i, r);
    }
    for (uint32_t i = 0; i < hll::kRegisters; i++) {
      uint8_t val = hll::DenseGet(regs, i);
      if (val != bytecounters[i])
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(bytecounters[i]) + " but is " + std::to_string(val);
    }
  }
  std::memset(regs, 0, hll::kDenseSize - hll::kHeaderSize);
  std::memcpy(dense.data(), "HYLL", 4);
  std::string sparse = hll::NewSparse();
  size_t max_bytes = SparseMaxBytes();
  double relerr = 1.04 / std::sqrt(static_cast<double>(hll::kRegisters));
  int64_t checkpoint = 1;
  uint64_t seed = rng();
  for (uint64_t j = 1; j <= 10000000; j++) {
    uint64_t ele = j ^ seed;
    std::string_view e(reinterpret_cast<const char*>(&ele), sizeof(ele));
    uint32_t index;
    uint8_t count = hll::PatLen(e, &index);
    hll::DenseSetMax(regs, index, count);
    hll::Add(&sparse, e, max_bytes);
    if (static_cast<int64_t>(j) != checkpoint) continue;
    if (j < max_bytes / 2 && hll::Encoding(sparse) != hll::kSparse)
      return "TESTFAILED sparse encoding not used";
    uint64_t dense_card = hll::Count(dense, nullptr);
    if (dense_card != hll::Count(sparse, nullptr)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = checkpoint - static_cast<int64_t>(dense_card);
    uint64_t maxerr =
        static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr))
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    checkpoint *= 10;
  }
  return "";
}

void CmdPfselftest(ArgSlice, CommandContext& ctx) {
  std::string err = SelfTest();
  if (err.empty()) return ctx.rb->Ok();
  ctx.rb->Error(err);
}

}  // namespace

void RegisterHllFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kHyperLogLog, {
      {.name = "pfadd", .arity = -2, .flags = kWrite | kDenyOom | kFast, .mode = kShard,
       .fn = CmdPfadd},
      {.name = "pfcount", .arity = -2, .flags = kReadOnly | kMayReplicate, .mode = kMulti,
       .fn = CmdPfcount},
      {.name = "pfmerge", .arity = -2, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdPfmerge},
      {.name = "pfdebug", .arity = 3, .flags = kWrite | kDenyOom | kAdmin, .mode = kShard,
       .fn = CmdPfdebug},
      {.name = "pfselftest", .arity = 1, .flags = kAdmin, .mode = kConnection,
       .fn = CmdPfselftest},
  });
  // clang-format on
}

}  // namespace shoal
