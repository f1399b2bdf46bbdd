// cmsgpack for scripts: the MessagePack subset Redis 7.0's lua-cmsgpack 0.4.0 speaks, with its
// exact choices (which integer width, float vs double, array vs map, what decodes to what, and
// the error texts), checked against redis-server 7.0.15 in tests/unit/lua_libs_test.cc.
//
// Lua 5.1 here is a C build: errors longjmp. No object with a destructor may be alive when a
// Lua API call can raise, so the output buffer is a userdata with __gc rather than a
// std::string (a raising __index metamethod while packing must not leak it).
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "server/scripting/lua_libs.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace shoal::scripting {
namespace {

// Tables nested deeper than this are packed as nil, which is how self-referencing tables end.
constexpr int kMaxNesting = 16;
constexpr char kBufferMeta[] = "shoal.cmsgpack.buffer";

// --- output buffer ---------------------------------------------------------------------------

struct PackBuffer {
  unsigned char* data;
  size_t len;
  size_t cap;
};

void FreeBuffer(lua_State* L, PackBuffer* buf) {
  if (buf->data == nullptr) return;
  void* ud;
  lua_Alloc alloc = lua_getallocf(L, &ud);
  alloc(ud, buf->data, buf->cap, 0);
  buf->data = nullptr;
  buf->cap = buf->len = 0;
}

int PackBufferGc(lua_State* L) {
  auto* buf = static_cast<PackBuffer*>(lua_touserdata(L, 1));
  if (buf != nullptr) FreeBuffer(L, buf);
  return 0;
}

void Append(lua_State* L, PackBuffer* buf, const unsigned char* s, size_t n) {
  if (buf->cap - buf->len < n) {
    size_t need = buf->len + n;
    if (need < buf->len || need > SIZE_MAX / 2) luaL_error(L, "not enough memory");
    size_t new_cap = need * 2;
    void* ud;
    lua_Alloc alloc = lua_getallocf(L, &ud);
    void* grown = alloc(ud, buf->data, buf->cap, new_cap);
    if (grown == nullptr) luaL_error(L, "not enough memory");
    buf->data = static_cast<unsigned char*>(grown);
    buf->cap = new_cap;
  }
  std::memcpy(buf->data + buf->len, s, n);
  buf->len += n;
}

// Writes the low `width` bytes of v, most significant first, after the type byte.
void AppendTagged(lua_State* L, PackBuffer* buf, unsigned char tag, uint64_t v, int width) {
  unsigned char out[9];
  out[0] = tag;
  for (int i = 0; i < width; ++i)
    out[1 + i] = static_cast<unsigned char>(v >> (8 * (width - 1 - i)));
  Append(L, buf, out, static_cast<size_t>(width) + 1);
}

// --- encoding --------------------------------------------------------------------------------

void EncodeBytes(lua_State* L, PackBuffer* buf, const unsigned char* s, size_t n) {
  if (n < 32) {
    unsigned char tag = static_cast<unsigned char>(0xa0 | n);
    Append(L, buf, &tag, 1);
  } else if (n <= 0xff) {
    AppendTagged(L, buf, 0xd9, n, 1);
  } else if (n <= 0xffff) {
    AppendTagged(L, buf, 0xda, n, 2);
  } else {
    AppendTagged(L, buf, 0xdb, n, 4);  // Longer than 4 GiB wraps, as in Redis.
  }
  Append(L, buf, s, n);
}

void EncodeInt(lua_State* L, PackBuffer* buf, int64_t n) {
  const auto u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 127) {
      unsigned char b = static_cast<unsigned char>(n);
      Append(L, buf, &b, 1);
    } else if (n <= 0xff) {
      AppendTagged(L, buf, 0xcc, u, 1);
    } else if (n <= 0xffff) {
      AppendTagged(L, buf, 0xcd, u, 2);
    } else if (n <= 0xffffffffLL) {
      AppendTagged(L, buf, 0xce, u, 4);
    } else {
      AppendTagged(L, buf, 0xcf, u, 8);
    }
  } else {
    if (n >= -32) {
      unsigned char b = static_cast<unsigned char>(u & 0xff);  // negative fixnum
      Append(L, buf, &b, 1);
    } else if (n >= -128) {
      AppendTagged(L, buf, 0xd0, u, 1);
    } else if (n >= -32768) {
      AppendTagged(L, buf, 0xd1, u, 2);
    } else if (n >= -2147483648LL) {
      AppendTagged(L, buf, 0xd2, u, 4);
    } else {
      AppendTagged(L, buf, 0xd3, u, 8);
    }
  }
}

// A float (0xca) whenever the value survives the round trip through float, inf included;
// otherwise a double (0xcb). NaN never compares equal, so it is always a double.
void EncodeDouble(lua_State* L, PackBuffer* buf, double d) {
  bool as_float = std::isinf(d) || (!std::isnan(d) && std::fabs(d) <= FLT_MAX &&
                                    static_cast<double>(static_cast<float>(d)) == d);
  if (as_float) {
    float f = static_cast<float>(d);
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    AppendTagged(L, buf, 0xca, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    AppendTagged(L, buf, 0xcb, bits, 8);
  }
}

// Lua 5.1 numbers are doubles; one that an int64 holds exactly is packed as an integer (-0.0
// included, which becomes 0).
bool HoldsInt64(double n) {
  return n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
         static_cast<double>(static_cast<int64_t>(n)) == n;
}

void EncodeArrayHeader(lua_State* L, PackBuffer* buf, size_t n) {
  if (n <= 15) {
    unsigned char tag = static_cast<unsigned char>(0x90 | n);
    Append(L, buf, &tag, 1);
  } else if (n <= 0xffff) {
    AppendTagged(L, buf, 0xdc, n, 2);
  } else {
    AppendTagged(L, buf, 0xdd, n, 4);
  }
}

void EncodeMapHeader(lua_State* L, PackBuffer* buf, size_t n) {
  if (n <= 15) {
    unsigned char tag = static_cast<unsigned char>(0x80 | n);
    Append(L, buf, &tag, 1);
  } else if (n <= 0xffff) {
    AppendTagged(L, buf, 0xde, n, 2);
  } else {
    AppendTagged(L, buf, 0xdf, n, 4);
  }
}

// True when the table on top has only the keys 1..N (N = its key count): every key a number
// that is a positive whole int, and the largest equal to the count. The empty table is an
// array.
bool TableIsArray(lua_State* L) {
  int top = lua_gettop(L);
  int count = 0;
  int max = 0;
  luaL_checkstack(L, 2, "in function table_is_an_array");
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    lua_Number n = lua_tonumber(L, -1);
    if (!(n > 0 && n <= INT_MAX) || static_cast<lua_Number>(static_cast<int>(n)) != n) {
      lua_settop(L, top);
      return false;
    }
    if (static_cast<int>(n) > max) max = static_cast<int>(n);
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

void EncodeValue(lua_State* L, PackBuffer* buf, int level);

void EncodeTable(lua_State* L, PackBuffer* buf, int level) {
  if (TableIsArray(L)) {
    size_t n = lua_objlen(L, -1);
    EncodeArrayHeader(L, buf, n);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (size_t i = 1; i <= n; ++i) {
      // lua_gettable, not rawget: Redis's packer honours __index here.
      lua_pushnumber(L, static_cast<lua_Number>(i));
      lua_gettable(L, -2);
      EncodeValue(L, buf, level + 1);
    }
    return;
  }
  luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  EncodeMapHeader(L, buf, n);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);
    EncodeValue(L, buf, level + 1);  // the key copy
    EncodeValue(L, buf, level + 1);  // the value
  }
}

// Encodes the value on top of the stack and pops it.
void EncodeValue(lua_State* L, PackBuffer* buf, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, -1, &n);
      EncodeBytes(L, buf, reinterpret_cast<const unsigned char*>(s), n);
      break;
    }
    case LUA_TBOOLEAN: {
      unsigned char b = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
      Append(L, buf, &b, 1);
      break;
    }
    case LUA_TNUMBER: {
      lua_Number n = lua_tonumber(L, -1);
      if (HoldsInt64(n)) {
        EncodeInt(L, buf, static_cast<int64_t>(n));
      } else {
        EncodeDouble(L, buf, n);
      }
      break;
    }
    case LUA_TTABLE:
      EncodeTable(L, buf, level);
      break;
    default: {  // nil, and everything msgpack has no word for (functions, userdata, threads)
      unsigned char b = 0xc0;
      Append(L, buf, &b, 1);
      break;
    }
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  auto* buf = static_cast<PackBuffer*>(lua_newuserdata(L, sizeof(PackBuffer)));
  buf->data = nullptr;
  buf->len = buf->cap = 0;
  luaL_getmetatable(L, kBufferMeta);
  lua_setmetatable(L, -2);
  // Several arguments pack to their encodings back to back.
  for (int i = 1; i <= nargs; ++i) {
    luaL_checkstack(L, 1, "in function mp_check");
    lua_pushvalue(L, i);
    EncodeValue(L, buf, 0);
  }
  lua_pushlstring(L, reinterpret_cast<const char*>(buf->data), buf->len);
  FreeBuffer(L, buf);  // now rather than at the next collection
  return 1;
}

// --- decoding --------------------------------------------------------------------------------

enum class DecodeError { kNone, kEof, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err;
};

bool Need(Cursor* c, size_t n) {
  if (c->left < n) {
    c->err = DecodeError::kEof;
    return false;
  }
  return true;
}

void Consume(Cursor* c, size_t n) {
  c->p += n;
  c->left -= n;
}

// Big-endian unsigned read of `width` bytes starting at p.
uint64_t ReadBe(const unsigned char* p, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = (v << 8) | p[i];
  return v;
}

void DecodeValue(lua_State* L, Cursor* c);

void DecodeArray(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (size_t i = 1; i <= n; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n; ++i) {
    DecodeValue(L, c);  // key
    if (c->err != DecodeError::kNone) return;
    DecodeValue(L, c);  // value
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);  // a nil key raises "table index is nil", as in Redis
  }
}

// Pushes a string of `len_width` length bytes + data, the length bytes being after the tag.
void DecodeString(lua_State* L, Cursor* c, int len_width) {
  if (!Need(c, 1 + static_cast<size_t>(len_width))) return;
  size_t n = ReadBe(c->p + 1, len_width);
  Consume(c, 1 + static_cast<size_t>(len_width));
  if (!Need(c, n)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), n);
  Consume(c, n);
}

// Reads a container length of `len_width` bytes after the tag, then the elements.
void DecodeContainer(lua_State* L, Cursor* c, int len_width, bool map) {
  if (!Need(c, 1 + static_cast<size_t>(len_width))) return;
  size_t n = ReadBe(c->p + 1, len_width);
  Consume(c, 1 + static_cast<size_t>(len_width));
  if (map) {
    DecodeMap(L, c, n);
  } else {
    DecodeArray(L, c, n);
  }
}

// Pushes the next object. Unsigned 64-bit values above INT64_MAX come out negative and signed
// 64-bit ones go through a double: both as Redis's copy does on a 64-bit build.
void DecodeValue(lua_State* L, Cursor* c) {
  if (!Need(c, 1)) return;
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  const unsigned char tag = c->p[0];
  switch (tag) {
    case 0xc0:
      lua_pushnil(L);
      Consume(c, 1);
      return;
    case 0xc2:
    case 0xc3:
      lua_pushboolean(L, tag == 0xc3);
      Consume(c, 1);
      return;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      int width = 1 << (tag - 0xcc);
      if (!Need(c, 1 + static_cast<size_t>(width))) return;
      lua_pushinteger(L, static_cast<lua_Integer>(ReadBe(c->p + 1, width)));
      Consume(c, 1 + static_cast<size_t>(width));
      return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2: {
      int width = 1 << (tag - 0xd0);
      if (!Need(c, 1 + static_cast<size_t>(width))) return;
      uint64_t raw = ReadBe(c->p + 1, width);
      int64_t v = tag == 0xd0   ? static_cast<int8_t>(raw)
                  : tag == 0xd1 ? static_cast<int16_t>(raw)
                                : static_cast<int32_t>(raw);
      lua_pushinteger(L, static_cast<lua_Integer>(v));
      Consume(c, 1 + static_cast<size_t>(width));
      return;
    }
    case 0xd3:
      if (!Need(c, 9)) return;
      lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(ReadBe(c->p + 1, 8))));
      Consume(c, 9);
      return;
    case 0xca: {
      if (!Need(c, 5)) return;
      auto bits = static_cast<uint32_t>(ReadBe(c->p + 1, 4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      lua_pushnumber(L, static_cast<lua_Number>(f));
      Consume(c, 5);
      return;
    }
    case 0xcb: {
      if (!Need(c, 9)) return;
      uint64_t bits = ReadBe(c->p + 1, 8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      lua_pushnumber(L, d);
      Consume(c, 9);
      return;
    }
    case 0xd9:
      DecodeString(L, c, 1);
      return;
    case 0xda:
      DecodeString(L, c, 2);
      return;
    case 0xdb:
      DecodeString(L, c, 4);
      return;
    case 0xdc:
      DecodeContainer(L, c, 2, false);
      return;
    case 0xdd:
      DecodeContainer(L, c, 4, false);
      return;
    case 0xde:
      DecodeContainer(L, c, 2, true);
      return;
    case 0xdf:
      DecodeContainer(L, c, 4, true);
      return;
    default:
      break;
  }
  if ((tag & 0x80) == 0) {  // positive fixnum
    lua_pushinteger(L, tag);
    Consume(c, 1);
  } else if ((tag & 0xe0) == 0xe0) {  // negative fixnum
    lua_pushinteger(L, static_cast<int8_t>(tag));
    Consume(c, 1);
  } else if ((tag & 0xe0) == 0xa0) {  // fixstr
    size_t n = tag & 0x1f;
    if (!Need(c, 1 + n)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c->p + 1), n);
    Consume(c, 1 + n);
  } else if ((tag & 0xf0) == 0x90) {  // fixarray
    Consume(c, 1);
    DecodeArray(L, c, tag & 0x0f);
  } else if ((tag & 0xf0) == 0x80) {  // fixmap
    Consume(c, 1);
    DecodeMap(L, c, tag & 0x0f);
  } else {  // 0xc1, bin, ext and fixext: not part of this msgpack dialect
    c->err = DecodeError::kBadFormat;
  }
}

// Decodes up to `limit` objects from argument 1 starting at byte `offset`. With limit and
// offset both 0 (unpack, and unpack_limit(s, 0)) it decodes everything and returns only the
// objects; otherwise the next offset (-1 once the input is used up) comes first.
int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool decode_all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // Redis prints the input length where it names the limit; kept.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (decode_all) limit = INT_MAX;

  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset),
           DecodeError::kNone};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    DecodeValue(L, &c);
    if (c.err == DecodeError::kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (!decode_all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    ++count;
  }
  return count;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  luaL_newmetatable(L, kBufferMeta);
  lua_pushcfunction(L, PackBufferGc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);

  // Same insertion order as Redis, so pairs() walks the table the same way.
  lua_newtable(L);
  lua_pushcfunction(L, Pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, Unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, UnpackOne);
  lua_setfield(L, -2, "unpack_one");
  lua_pushcfunction(L, UnpackLimit);
  lua_setfield(L, -2, "unpack_limit");
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}

}  // namespace shoal::scripting
