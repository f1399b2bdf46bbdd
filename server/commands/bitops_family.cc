// Bitmaps (Redis 7.0 bitops.c semantics): SETBIT GETBIT BITCOUNT BITPOS BITFIELD BITFIELD_RO run
// on the shard owning their key (kShard); BITOP reads its sources in one hop while the shards
// are armed and writes the destination in the next (kMulti).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "server/command_context.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/server_state.h"
#include "server/string_util.h"
#include "shard/notify.h"
#include "shard/shard_set.h"

namespace shoal {

namespace {

using Slot = DbSlice::Slot;

constexpr char kBitArgument[] = "ERR The bit argument must be 1 or 0.";
constexpr char kBitopNot[] = "ERR BITOP NOT must be called with a single source key.";
constexpr char kBitfieldType[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";
constexpr char kBitfieldOverflow[] = "ERR Invalid OVERFLOW type specified";
constexpr char kBitfieldRo[] = "ERR BITFIELD_RO only supports the GET subcommand";

bool IsString(const Entry* e) { return e->type() == ObjType::kString; }

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// getBitOffsetFromArgument: a non-negative offset whose byte is below proto-max-bulk-len; with
// `hash` and bits > 0, "#N" means N * bits.
bool ParseBitOffset(std::string_view arg, bool hash, int bits, uint64_t* out) {
  bool usehash = !arg.empty() && arg[0] == '#' && hash && bits > 0;
  int64_t v;
  if (!ParseInt64(arg.substr(usehash ? 1 : 0), &v)) return false;
  if (usehash) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(bits));
  if (v < 0 || (v >> 3) >= Server().config.proto_max_bulk_len.load()) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

// lookupStringForBitCommand: the key's string made raw and long enough to address `maxbit`
// (created zeroed when missing). Null after replying WRONGTYPE. Creating or growing the string is
// a change: the key is signalled then, and *signalled set (Redis's `dirty` out argument); the
// caller signals before any other change it makes (DbSlice::Modified).
RawStr* LookupStringForBit(CommandContext& ctx, std::string_view key, uint64_t maxbit,
                           bool* signalled) {
  size_t byte = static_cast<size_t>(maxbit >> 3);
  DbSlice& slice = ctx.slice();
  Slot* s = slice.FindWrite(ctx.db_index, key);
  *signalled = false;
  if (s == nullptr) {
    *signalled = true;
    return AddZeroedRawString(slice, ctx.db_index, key, byte + 1);
  }
  if (!IsString(s->entry())) {
    ctx.rb->Error(errors::kWrongType);
    return nullptr;
  }
  char buf[32];
  if (s->entry()->StringBytes(buf).size() < byte + 1) {
    slice.Modified(ctx.db_index, key);
    *signalled = true;
  }
  return UnshareRawString(slice, ctx.db_index, s, byte + 1);
}

int64_t Popcount(const uint8_t* p, size_t count) {
  int64_t bits = 0;
  while (count >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    bits += __builtin_popcountll(w);
    p += 8;
    count -= 8;
  }
  while (count-- > 0) bits += __builtin_popcount(*p++);
  return bits;
}

// redisBitpos: position of the first `bit` in p[0..count); when looking for 0 and none is found,
// count*8 (the string is taken as zero padded); when looking for 1 and none is found, -1.
int64_t Bitpos(const uint8_t* p, size_t count, int bit) {
  const uint8_t skip = bit ? 0 : 0xFF;
  const uint64_t skip64 = bit ? 0 : ~uint64_t{0};
  size_t i = 0;
  while (i + 8 <= count) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w != skip64) break;
    i += 8;
  }
  for (; i < count; ++i) {
    if (p[i] == skip) continue;
    for (int k = 7; k >= 0; --k)
      if (((p[i] >> k) & 1) == bit) return static_cast<int64_t>(i * 8 + (7 - k));
  }
  return bit ? -1 : static_cast<int64_t>(count * 8);
}

// ---- SETBIT key offset value ----
void CmdSetbit(ArgSlice args, CommandContext& ctx) {
  uint64_t bitoffset;
  if (!ParseBitOffset(args[2], false, 0, &bitoffset)) return ctx.rb->Error(errors::kBitOffset);
  int64_t on;
  if (!ParseInt64(args[3], &on) || (on & ~int64_t{1}) != 0) return ctx.rb->Error(errors::kBitValue);
  bool signalled;
  RawStr* r = LookupStringForBit(ctx, args[1], bitoffset, &signalled);
  if (r == nullptr) return;
  size_t byte = static_cast<size_t>(bitoffset >> 3);
  int bit = 7 - static_cast<int>(bitoffset & 7);
  uint8_t* data = reinterpret_cast<uint8_t*>(r->data());
  int old = (data[byte] >> bit) & 1;
  // Redis signals only a string created or grown, or a bit that really flips.
  if (!signalled && old != on) ctx.slice().Modified(ctx.db_index, args[1]);
  data[byte] = static_cast<uint8_t>((data[byte] & ~(1 << bit)) | (static_cast<int>(on) << bit));
  if (signalled || old != on) notify::Emit(notify::kString, "setbit", args[1], ctx.db_index);
  ctx.rb->Integer(old);
}

// ---- GETBIT key offset ----
void CmdGetbit(ArgSlice args, CommandContext& ctx) {
  uint64_t bitoffset;
  if (!ParseBitOffset(args[2], false, 0, &bitoffset)) return ctx.rb->Error(errors::kBitOffset);
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(0);
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  std::string_view str = s->entry()->StringBytes(buf);
  uint64_t byte = bitoffset >> 3;
  int bitval = 0;
  if (byte < str.size()) bitval = (Bytes(str)[byte] >> (7 - (bitoffset & 7))) & 1;
  ctx.rb->Integer(bitval);
}

// Parses BIT|BYTE; false on anything else.
bool ParseBitByte(std::string_view arg, bool* isbit) {
  if (EqNoCaseC(arg, "bit"))
    *isbit = true;
  else if (EqNoCaseC(arg, "byte"))
    *isbit = false;
  else
    return false;
  return true;
}

// BITCOUNT/BITPOS range rules: negative indexes count from the end of `totlen` (bytes, or bits
// when isbit), then clamp; in BIT mode the range becomes bytes plus masks of the bits outside it
// in the first and last byte.
void ClampBitRange(int64_t totlen, bool isbit, int64_t* start, int64_t* end,
                   uint8_t* first_byte_neg_mask, uint8_t* last_byte_neg_mask) {
  if (*start < 0) *start = totlen + *start;
  if (*end < 0) *end = totlen + *end;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= totlen) *end = totlen - 1;
  if (isbit && *start <= *end) {
    *first_byte_neg_mask = static_cast<uint8_t>(~((1 << (8 - (*start & 7))) - 1) & 0xFF);
    *last_byte_neg_mask = static_cast<uint8_t>((1 << (7 - (*end & 7))) - 1);
    *start >>= 3;
    *end >>= 3;
  }
}

// ---- BITCOUNT key [start end [BYTE|BIT]] ----
void CmdBitcount(ArgSlice args, CommandContext& ctx) {
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(0);
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  std::string_view str = s->entry()->StringBytes(buf);
  const uint8_t* p = Bytes(str);
  int64_t strlen = static_cast<int64_t>(str.size());
  int64_t start, end;
  uint8_t first_byte_neg_mask = 0, last_byte_neg_mask = 0;
  size_t argc = args.size();
  if (argc == 4 || argc == 5) {
    int64_t totlen = strlen;
    bool isbit = false;
    if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end))
      return ctx.rb->Error(errors::kNotInteger);
    if (start < 0 && end < 0 && start > end) return ctx.rb->Integer(0);
    if (argc == 5 && !ParseBitByte(args[4], &isbit)) return ctx.rb->Error(errors::kSyntax);
    if (isbit) totlen <<= 3;
    ClampBitRange(totlen, isbit, &start, &end, &first_byte_neg_mask, &last_byte_neg_mask);
  } else if (argc == 2) {
    start = 0;
    end = strlen - 1;
  } else {
    return ctx.rb->Error(errors::kSyntax);
  }
  if (start > end) return ctx.rb->Integer(0);
  int64_t count = Popcount(p + start, static_cast<size_t>(end - start + 1));
  if (first_byte_neg_mask != 0 || last_byte_neg_mask != 0) {
    uint8_t firstlast[2] = {0, 0};
    if (first_byte_neg_mask != 0) firstlast[0] = p[start] & first_byte_neg_mask;
    if (last_byte_neg_mask != 0) firstlast[1] = p[end] & last_byte_neg_mask;
    count -= Popcount(firstlast, 2);
  }
  ctx.rb->Integer(count);
}

// ---- BITPOS key bit [start [end [BYTE|BIT]]] ----
void CmdBitpos(ArgSlice args, CommandContext& ctx) {
  int64_t bit;
  if (!ParseInt64(args[2], &bit)) return ctx.rb->Error(errors::kNotInteger);
  if (bit != 0 && bit != 1) return ctx.rb->Error(kBitArgument);
  Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
  if (s == nullptr) return ctx.rb->Integer(bit ? -1 : 0);
  if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
  char buf[32];
  std::string_view str = s->entry()->StringBytes(buf);
  const uint8_t* p = Bytes(str);
  int64_t strlen = static_cast<int64_t>(str.size());
  int64_t start, end;
  bool end_given = false;
  uint8_t first_byte_neg_mask = 0, last_byte_neg_mask = 0;
  size_t argc = args.size();
  if (argc == 4 || argc == 5 || argc == 6) {
    bool isbit = false;
    if (!ParseInt64(args[3], &start)) return ctx.rb->Error(errors::kNotInteger);
    if (argc == 6 && !ParseBitByte(args[5], &isbit)) return ctx.rb->Error(errors::kSyntax);
    int64_t totlen = strlen;
    if (argc >= 5) {
      if (!ParseInt64(args[4], &end)) return ctx.rb->Error(errors::kNotInteger);
      end_given = true;
    } else {
      end = isbit ? (totlen << 3) + 7 : totlen - 1;
    }
    if (isbit) totlen <<= 3;
    ClampBitRange(totlen, isbit, &start, &end, &first_byte_neg_mask, &last_byte_neg_mask);
  } else if (argc == 3) {
    start = 0;
    end = strlen - 1;
  } else {
    return ctx.rb->Error(errors::kSyntax);
  }
  if (start > end) return ctx.rb->Integer(-1);

  int b = static_cast<int>(bit);
  int64_t bytes = end - start + 1;
  int64_t pos = -1;
  uint8_t tmpchar;
  [&] {
    if (first_byte_neg_mask) {
      tmpchar = b ? (p[start] & ~first_byte_neg_mask) : (p[start] | first_byte_neg_mask);
      if (last_byte_neg_mask && bytes == 1)
        tmpchar = b ? (tmpchar & ~last_byte_neg_mask) : (tmpchar | last_byte_neg_mask);
      pos = Bitpos(&tmpchar, 1, b);
      if (bytes == 1 || (pos != -1 && pos != 8)) return;
      start++;
      bytes--;
    }
    int64_t curbytes = bytes - (last_byte_neg_mask ? 1 : 0);
    if (curbytes > 0) {
      pos = Bitpos(p + start, static_cast<size_t>(curbytes), b);
      if (bytes == curbytes || (pos != -1 && pos != curbytes << 3)) return;
      start += curbytes;
      bytes -= curbytes;
    }
    tmpchar = b ? (p[end] & ~last_byte_neg_mask) : (p[end] | last_byte_neg_mask);
    pos = Bitpos(&tmpchar, 1, b);
  }();
  if (end_given && b == 0 && pos == bytes << 3) return ctx.rb->Integer(-1);
  if (pos != -1) pos += start << 3;
  ctx.rb->Integer(pos);
}

// ---- BITOP AND|OR|XOR|NOT destkey srckey [srckey ...] ----
enum class BitOp { kAnd, kOr, kXor, kNot };

struct BitopState {
  std::vector<std::string> src;  // [i]: argument 3 + i ("" when missing)
  std::vector<char> wrong_type;  // [i]: written only by the shard owning argument 3 + i
  std::string result;
};

std::string ComputeBitop(BitOp op, const std::vector<std::string>& src) {
  size_t maxlen = 0;
  for (const auto& s : src) maxlen = std::max(maxlen, s.size());
  std::string res(maxlen, '\0');
  if (maxlen == 0) return res;
  std::memcpy(res.data(), src[0].data(), src[0].size());
  uint8_t* r = reinterpret_cast<uint8_t*>(res.data());
  if (op == BitOp::kNot) {
    for (size_t j = 0; j < maxlen; ++j) r[j] = static_cast<uint8_t>(~r[j]);
    return res;
  }
  for (size_t i = 1; i < src.size(); ++i) {
    const uint8_t* s = Bytes(src[i]);
    size_t n = src[i].size();
    switch (op) {
      case BitOp::kAnd:
        for (size_t j = 0; j < n; ++j) r[j] &= s[j];
        if (n < maxlen) std::memset(r + n, 0, maxlen - n);
        break;
      case BitOp::kOr:
        for (size_t j = 0; j < n; ++j) r[j] |= s[j];
        break;
      case BitOp::kXor:
        for (size_t j = 0; j < n; ++j) r[j] ^= s[j];
        break;
      case BitOp::kNot:
        break;
    }
  }
  return res;
}

// setKey (TTL dropped, raw encoding as createObject gives) or, for an empty result, dbDelete.
void StoreBitopResult(DbSlice& slice, DbIndex db, std::string_view key, const std::string& res) {
  Slot* s = slice.FindWrite(db, key);
  if (res.empty()) {
    if (s == nullptr) return;
    slice.Delete(db, s);
    notify::Emit(notify::kGeneric, "del", key, db);
    return;
  }
  Entry* e = Entry::NewRaw(key, res, res.size(), 0, slice.access_stamp());
  if (s == nullptr)
    slice.Add(db, e);
  else
    slice.Replace(db, s, e);
  notify::Emit(notify::kString, "set", key, db);
}

// Reads the sources owned by `shard` among `positions` into st.
void ReadBitopSources(DbSlice& slice, DbIndex db, ArgSlice args,
                      const std::vector<uint32_t>& positions, BitopState& st) {
  char buf[32];
  for (uint32_t p : positions) {
    if (p < 3) continue;
    Slot* s = slice.FindRead(db, args[p]);
    if (s == nullptr) continue;
    if (!IsString(s->entry())) {
      st.wrong_type[p - 3] = 1;
      continue;
    }
    st.src[p - 3] = s->entry()->StringBytes(buf);
  }
}

bool AnyWrongType(const BitopState& st) {
  for (char w : st.wrong_type)
    if (w) return true;
  return false;
}

void CmdBitop(ArgSlice args, CommandContext& ctx) {
  std::string_view opname = CStr(args[1]);
  BitOp op;
  if (EqNoCaseC(opname, "and"))
    op = BitOp::kAnd;
  else if (EqNoCaseC(opname, "or"))
    op = BitOp::kOr;
  else if (EqNoCaseC(opname, "xor"))
    op = BitOp::kXor;
  else if (EqNoCaseC(opname, "not"))
    op = BitOp::kNot;
  else {
    ctx.rb->Error(errors::kSyntax);
    return ctx.Done();
  }
  if (op == BitOp::kNot && args.size() != 4) {
    ctx.rb->Error(kBitopNot);
    return ctx.Done();
  }
  auto st = std::make_shared<BitopState>();
  size_t numkeys = args.size() - 3;
  st->src.resize(numkeys);
  st->wrong_type.resize(numkeys, 0);
  DbIndex db = ctx.db_index;
  std::vector<uint32_t> pos;
  for (uint32_t i = 2; i < args.size(); ++i) pos.push_back(i);

  // Arm the shards, read the sources in one hop, compute here, write the destination in the
  // concluding hop; no other command sees the keys in between. (Keys on one shard: the same steps
  // run inline there.)
  CommandContext* c = &ctx;
  auto groups = std::make_shared<KeysByShard>(GroupKeys(args, pos));
  auto tx = Transaction::Create(ctx, groups->shards);
  uint32_t dest_shard = Server().shards->ShardOf(args[2]);
  tx->Arm([tx, groups, st, args, db, c, op, dest_shard] {
    tx->Hop(
        [groups, st, args, db](Shard& shard) {
          ReadBitopSources(shard.db_slice(), db, args, groups->For(shard.id()), *st);
        },
        false,
        [tx, st, args, db, c, op, dest_shard] {
          bool wrong = AnyWrongType(*st);
          if (!wrong) {
            st->result = ComputeBitop(op, st->src);
            st->src.clear();
          }
          tx->Hop(
              [st, args, db, wrong, dest_shard](Shard& shard) {
                if (wrong || shard.id() != dest_shard) return;
                StoreBitopResult(shard.db_slice(), db, args[2], st->result);
              },
              true,
              [st, c, wrong] {
                if (wrong)
                  c->rb->Error(errors::kWrongType);
                else
                  c->rb->Integer(static_cast<int64_t>(st->result.size()));
                c->Done();
              });
        });
  });
}

// ---- BITFIELD / BITFIELD_RO ----
enum class Overflow { kWrap, kSat, kFail };
enum class BfOp { kGet, kSet, kIncrby };

struct BitfieldOp {
  uint64_t offset;
  int64_t i64;
  BfOp opcode;
  Overflow owtype;
  int bits;
  bool sign;
};

void SetUnsignedBitfield(uint8_t* p, uint64_t offset, uint64_t bits, uint64_t value) {
  for (uint64_t j = 0; j < bits; j++) {
    uint64_t bitval = (value & (uint64_t{1} << (bits - 1 - j))) != 0;
    uint64_t byte = offset >> 3;
    uint64_t bit = 7 - (offset & 0x7);
    uint64_t byteval = p[byte];
    byteval &= ~(uint64_t{1} << bit);
    byteval |= bitval << bit;
    p[byte] = static_cast<uint8_t>(byteval & 0xff);
    offset++;
  }
}

uint64_t GetUnsignedBitfield(const uint8_t* p, uint64_t offset, uint64_t bits) {
  uint64_t value = 0;
  for (uint64_t j = 0; j < bits; j++) {
    uint64_t byte = offset >> 3;
    uint64_t bit = 7 - (offset & 0x7);
    uint64_t bitval = (p[byte] >> bit) & 1;
    value = (value << 1) | bitval;
    offset++;
  }
  return value;
}

int64_t GetSignedBitfield(const uint8_t* p, uint64_t offset, uint64_t bits) {
  uint64_t u = GetUnsignedBitfield(p, offset, bits);
  if (bits < 64 && (u & (uint64_t{1} << (bits - 1)))) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

// checkUnsignedBitfieldOverflow: 0, 1 (overflow) or -1 (underflow); *limit as Redis sets it.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, uint64_t bits, Overflow owtype,
                          uint64_t* limit) {
  uint64_t max = (bits == 64) ? UINT64_MAX : ((uint64_t{1} << bits) - 1);
  int64_t maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = static_cast<int64_t>(uint64_t{0} - value);
  auto wrap = [&] {
    uint64_t mask = ~uint64_t{0} << bits;
    uint64_t res = value + static_cast<uint64_t>(incr);
    *limit = res & ~mask;
    return 1;
  };
  if (value > max || (incr > 0 && incr > maxincr)) {
    if (owtype == Overflow::kWrap) return wrap();
    if (owtype == Overflow::kSat) *limit = max;
    return 1;
  }
  if (incr < 0 && incr < minincr) {
    if (owtype == Overflow::kWrap) return wrap();
    if (owtype == Overflow::kSat) *limit = 0;
    return -1;
  }
  return 0;
}

int CheckSignedOverflow(int64_t value, int64_t incr, uint64_t bits, Overflow owtype,
                        int64_t* limit) {
  int64_t max = (bits == 64) ? INT64_MAX : ((int64_t{1} << (bits - 1)) - 1);
  int64_t min = (-max) - 1;
  int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  auto wrap = [&] {
    uint64_t msb = uint64_t{1} << (bits - 1);
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      uint64_t mask = ~uint64_t{0} << bits;
      if (c & msb)
        c |= mask;
      else
        c &= ~mask;
    }
    *limit = static_cast<int64_t>(c);
    return 1;
  };
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    if (owtype == Overflow::kWrap) return wrap();
    if (owtype == Overflow::kSat) *limit = max;
    return 1;
  }
  if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    if (owtype == Overflow::kWrap) return wrap();
    if (owtype == Overflow::kSat) *limit = min;
    return -1;
  }
  return 0;
}

// getBitfieldTypeFromArgument: i1..i64 or u1..u63 (case-sensitive prefix).
bool ParseBitfieldType(std::string_view arg, bool* sign, int* bits) {
  if (arg.empty()) return false;
  if (arg[0] == 'i')
    *sign = true;
  else if (arg[0] == 'u')
    *sign = false;
  else
    return false;
  int64_t v;
  if (!ParseInt64(CStr(arg.substr(1)), &v) || v < 1 || (*sign && v > 64) || (!*sign && v > 63))
    return false;
  *bits = static_cast<int>(v);
  return true;
}

void BitfieldGeneric(ArgSlice args, CommandContext& ctx, bool readonly_cmd) {
  std::vector<BitfieldOp> ops;
  Overflow owtype = Overflow::kWrap;
  bool readonly = true;
  uint64_t highest_write_offset = 0;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t remargs = args.size() - j - 1;
    std::string_view subcmd = args[j];
    BfOp opcode;
    int64_t i64 = 0;
    bool sign = false;
    int bits = 0;
    if (EqNoCaseC(subcmd, "get") && remargs >= 2) {
      opcode = BfOp::kGet;
    } else if (EqNoCaseC(subcmd, "set") && remargs >= 3) {
      opcode = BfOp::kSet;
    } else if (EqNoCaseC(subcmd, "incrby") && remargs >= 3) {
      opcode = BfOp::kIncrby;
    } else if (EqNoCaseC(subcmd, "overflow") && remargs >= 1) {
      std::string_view name = args[++j];
      if (EqNoCaseC(name, "wrap"))
        owtype = Overflow::kWrap;
      else if (EqNoCaseC(name, "sat"))
        owtype = Overflow::kSat;
      else if (EqNoCaseC(name, "fail"))
        owtype = Overflow::kFail;
      else
        return ctx.rb->Error(kBitfieldOverflow);
      continue;
    } else {
      return ctx.rb->Error(errors::kSyntax);
    }
    if (!ParseBitfieldType(args[j + 1], &sign, &bits)) return ctx.rb->Error(kBitfieldType);
    uint64_t bitoffset;
    if (!ParseBitOffset(args[j + 2], true, bits, &bitoffset))
      return ctx.rb->Error(errors::kBitOffset);
    if (opcode != BfOp::kGet) {
      readonly = false;
      if (highest_write_offset < bitoffset + bits - 1) highest_write_offset = bitoffset + bits - 1;
      if (!ParseInt64(args[j + 3], &i64)) return ctx.rb->Error(errors::kNotInteger);
    }
    ops.push_back({bitoffset, i64, opcode, owtype, bits, sign});
    j += opcode == BfOp::kGet ? 2 : 3;
  }

  // The string the ops work on: raw and writable (write mode), or read-only bytes.
  RawStr* raw = nullptr;
  bool grown = false;  // created or grown by the lookup, which signalled the key then
  std::string_view ro;
  char llbuf[32];
  if (readonly) {
    Slot* s = ctx.slice().FindRead(ctx.db_index, args[1]);
    if (s != nullptr) {
      if (!IsString(s->entry())) return ctx.rb->Error(errors::kWrongType);
      ro = s->entry()->StringBytes(llbuf);
    }
  } else {
    if (readonly_cmd) return ctx.rb->Error(kBitfieldRo);
    raw = LookupStringForBit(ctx, args[1], highest_write_offset, &grown);
    if (raw == nullptr) return;
  }
  // Redis counts a write as a change when the string was created or grown, or the field's value
  // differs; the key is signalled before the first one (when the lookup has not already).
  uint64_t changes = 0;
  bool signalled = grown;
  auto before_write = [&](bool differs) {
    if (!grown && !differs) return;
    ++changes;
    if (!signalled) ctx.slice().Modified(ctx.db_index, args[1], 0);
    signalled = true;
  };

  ctx.rb->Array(ops.size());
  for (const BitfieldOp& op : ops) {
    if (op.opcode == BfOp::kSet || op.opcode == BfOp::kIncrby) {
      uint8_t* p = reinterpret_cast<uint8_t*>(raw->data());
      if (op.sign) {
        int64_t oldval = GetSignedBitfield(p, op.offset, op.bits);
        int64_t newval, retval, wrapped = 0;
        int overflow;
        if (op.opcode == BfOp::kIncrby) {
          overflow = CheckSignedOverflow(oldval, op.i64, op.bits, op.owtype, &wrapped);
          newval = overflow ? wrapped
                            : static_cast<int64_t>(static_cast<uint64_t>(oldval) +
                                                   static_cast<uint64_t>(op.i64));
          retval = newval;
        } else {
          newval = op.i64;
          overflow = CheckSignedOverflow(newval, 0, op.bits, op.owtype, &wrapped);
          if (overflow) newval = wrapped;
          retval = oldval;
        }
        if (!(overflow && op.owtype == Overflow::kFail)) {
          ctx.rb->Integer(retval);
          before_write(oldval != newval);
          SetUnsignedBitfield(p, op.offset, op.bits, static_cast<uint64_t>(newval));
        } else {
          ctx.rb->Null();
        }
      } else {
        uint64_t oldval = GetUnsignedBitfield(p, op.offset, op.bits);
        uint64_t newval, retval, wrapped = 0;
        int overflow;
        if (op.opcode == BfOp::kIncrby) {
          newval = oldval + static_cast<uint64_t>(op.i64);
          overflow = CheckUnsignedOverflow(oldval, op.i64, op.bits, op.owtype, &wrapped);
          if (overflow) newval = wrapped;
          retval = newval;
        } else {
          newval = static_cast<uint64_t>(op.i64);
          overflow = CheckUnsignedOverflow(newval, 0, op.bits, op.owtype, &wrapped);
          if (overflow) newval = wrapped;
          retval = oldval;
        }
        if (!(overflow && op.owtype == Overflow::kFail)) {
          ctx.rb->Integer(static_cast<int64_t>(retval));
          before_write(oldval != newval);
          SetUnsignedBitfield(p, op.offset, op.bits, newval);
        } else {
          ctx.rb->Null();
        }
      }
    } else {
      // GET: copy up to 9 bytes into a zero padded buffer and read from there.
      std::string_view src = raw != nullptr ? std::string_view(raw->data(), raw->len) : ro;
      uint8_t buf[9] = {};
      uint64_t byte = op.offset >> 3;
      for (uint64_t i = 0; i < 9 && byte + i < src.size(); ++i) buf[i] = Bytes(src)[byte + i];
      if (op.sign)
        ctx.rb->Integer(GetSignedBitfield(buf, op.offset - byte * 8, op.bits));
      else
        ctx.rb->Integer(
            static_cast<int64_t>(GetUnsignedBitfield(buf, op.offset - byte * 8, op.bits)));
    }
  }
  // server.dirty += changes (a creation or growth was counted by its signal).
  if (changes > 0) {
    ctx.slice().AddDirty(grown ? changes - 1 : changes);
    notify::Emit(notify::kString, "setbit", args[1], ctx.db_index);
  }
}

void CmdBitfield(ArgSlice args, CommandContext& ctx) { BitfieldGeneric(args, ctx, false); }
void CmdBitfieldRo(ArgSlice args, CommandContext& ctx) { BitfieldGeneric(args, ctx, true); }

}  // namespace

void RegisterBitopsFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kBitmap, {
      {.name = "setbit", .arity = 4, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdSetbit},
      {.name = "getbit", .arity = 3, .flags = kReadOnly | kFast, .mode = kShard, .fn = CmdGetbit},
      {.name = "bitcount", .arity = -2, .flags = kReadOnly, .mode = kShard, .fn = CmdBitcount},
      {.name = "bitpos", .arity = -3, .flags = kReadOnly, .mode = kShard, .fn = CmdBitpos},
      {.name = "bitop", .arity = -4, .flags = kWrite | kDenyOom, .mode = kMulti, .fn = CmdBitop},
      {.name = "bitfield", .arity = -2, .flags = kWrite | kDenyOom, .mode = kShard,
       .fn = CmdBitfield},
      {.name = "bitfield_ro", .arity = -2, .flags = kReadOnly | kFast, .mode = kShard,
       .fn = CmdBitfieldRo},
  });
  // clang-format on
}

}  // namespace shoal
