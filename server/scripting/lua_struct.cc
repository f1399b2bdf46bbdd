// struct for scripts: Roberto Ierusalimschy's struct library as Redis 7.0 ships it
// (deps/lua/src/lua_struct.c, with Redis's unpack-offset check), same formats, same bytes, same
// error texts, checked against redis-server 7.0.15 in tests/unit/lua_libs_test.cc.
//
// Formats: '>' big endian, '<' little endian, '![n]' max alignment (default: the alignment of
// double), 'x' one zero byte, b/B h/H l/L T i/I[n] signed/unsigned integers (n bytes, at most
// 32), 'f' float, 'd' double, 'c[n]' n chars (pack: c0 = the whole string; unpack: c0 = the
// previous number as the length), 's' zero-terminated string, ' ' ignored.
//
// Lua errors longjmp here: nothing with a destructor is alive across a call that can raise.
#include <cctype>
#include <climits>
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

constexpr int kMaxIntSize = 32;
constexpr int kBig = 0;
constexpr int kLittle = 1;

struct CharThenDouble {
  char c;
  double d;
};
constexpr size_t kDoublePadding = offsetof(CharThenDouble, d);
constexpr int kMaxAlign =
    static_cast<int>(kDoublePadding > sizeof(int) ? kDoublePadding : sizeof(int));

int NativeEndian() {
  const int one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1 ? kLittle : kBig;
}

struct Header {
  int endian;
  int align;
};

Header DefaultHeader() { return Header{NativeEndian(), 1}; }

// The conversions below spell out what Redis's C casts give on x86-64 (cvttsd2si and GCC's
// double -> uint64 sequence), including for values the types cannot hold, where C++ would be
// undefined.
int64_t DoubleToInt64(double d) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(d);
}

uint64_t DoubleToUint64(double d) {
  if (!(d >= 9223372036854775808.0)) return static_cast<uint64_t>(DoubleToInt64(d));
  return static_cast<uint64_t>(DoubleToInt64(d - 9223372036854775808.0)) ^ (uint64_t{1} << 63);
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Reads the decimal number at *fmt, if any, advancing past it; df when there is none.
int GetNum(lua_State* L, const char** fmt, int df) {
  if (!IsDigit(**fmt)) return df;
  int a = 0;
  do {
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - (**fmt - '0')) {
      luaL_error(L, "integral size overflow");
    }
    a = a * 10 + (*((*fmt)++) - '0');
  } while (IsDigit(**fmt));
  return a;
}

// Size in bytes of option `opt` (0 for options that take no room and need no alignment).
size_t OptSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return sizeof(char);
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(GetNum(L, fmt, 1));
    case 'i':
    case 'I': {
      int size = GetNum(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return static_cast<size_t>(size);
    }
    default:
      return 0;
  }
}

// Padding to put before an item of `size` bytes at offset `len`. The mask arithmetic assumes
// a power of two; sizes that are not (i3 under !4, say) get what the original formula gives.
int GetToAlign(size_t len, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return static_cast<int>((size - (len & (size - 1))) & (size - 1));
}

void ControlOptions(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->endian = kBig;
      return;
    case '<':
      h->endian = kLittle;
      return;
    case '!': {
      int a = GetNum(L, fmt, kMaxAlign);
      if (!(a > 0 && (a & (a - 1)) == 0)) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default: {
      const char* msg = lua_pushfstring(L, "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, int endian, int size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(DoubleToInt64(n)) : DoubleToUint64(n);
  char out[kMaxIntSize];
  // Bytes past the eighth of a wide integer are zero: the value is only 64 bits.
  for (int i = 0; i < size; ++i) {
    out[endian == kLittle ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, out, static_cast<size_t>(size));
}

// Reverses `size` bytes at p when the wanted endianness is not the machine's.
void CorrectBytes(char* p, int size, int endian) {
  if (endian == NativeEndian()) return;
  for (int i = 0, j = size - 1; i < j; ++i, --j) {
    char t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h = DefaultHeader();
  int arg = 2;
  size_t total = 0;
  // A nil between the arguments and the buffer's stack slots: a missing argument reads as
  // nil ("number expected, got nil"), as in Redis.
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    int pad = GetToAlign(total, h, opt, size);
    total += static_cast<size_t>(pad);
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        PutInteger(L, &b, arg++, h.endian, static_cast<int>(size));
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        CorrectBytes(reinterpret_cast<char*>(&f), sizeof f, h.endian);
        luaL_addlstring(&b, reinterpret_cast<const char*>(&f), sizeof f);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        CorrectBytes(reinterpret_cast<char*>(&d), sizeof d, h.endian);
        luaL_addlstring(&b, reinterpret_cast<const char*>(&d), sizeof d);
        break;
      }
      case 'c':
      case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        // Redis names the argument after this one in the message; kept.
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// Reads a `size`-byte integer; only the last eight bytes read count (64-bit accumulator).
lua_Number GetInteger(const char* p, int endian, bool is_signed, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) {
    v <<= 8;
    v |= static_cast<unsigned char>(p[endian == kBig ? i : size - 1 - i]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  // Sign extension from bit size*8-1. Redis shifts a 64-bit mask by that amount, which x86
  // takes modulo 64 for the wide sizes; the same is spelled out here.
  uint64_t mask = ~uint64_t{0} << ((size * 8 - 1) & 63);
  if (v & mask) v |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

int Unpack(lua_State* L) {
  Header h = DefaultHeader();
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  auto pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;  // 1-based in Lua
  int n = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += static_cast<size_t>(GetToAlign(pos, h, opt, size));
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");  // the item and the final position
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        lua_pushnumber(
            L, GetInteger(data + pos, h.endian, std::islower(opt) != 0, static_cast<int>(size)));
        ++n;
        break;
      case 'x':
        break;
      case 'f': {
        float f;
        std::memcpy(&f, data + pos, sizeof f);
        CorrectBytes(reinterpret_cast<char*>(&f), sizeof f, h.endian);
        lua_pushnumber(L, static_cast<lua_Number>(f));
        ++n;
        break;
      }
      case 'd': {
        double d;
        std::memcpy(&d, data + pos, sizeof d);
        CorrectBytes(reinterpret_cast<char*>(&d), sizeof d, h.endian);
        lua_pushnumber(L, d);
        ++n;
        break;
      }
      case 'c': {
        if (size == 0) {
          // The previous result (anything lua_isnumber accepts) is the length.
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(DoubleToUint64(lua_tonumber(L, -1)));
          lua_pop(L, 1);
          --n;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++n;
        break;
      }
      case 's': {
        const void* end = std::memchr(data + pos, '\0', ld - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++n;
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));  // where the next item would start
  return n + 1;
}

int Size(lua_State* L) {
  Header h = DefaultHeader();
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += static_cast<size_t>(GetToAlign(pos, h, opt, size));
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    // Letters are only sized here, so an unknown letter counts as 0 bytes instead of raising.
    if (!std::isalnum(static_cast<unsigned char>(opt))) ControlOptions(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

const luaL_Reg kStructFuncs[] = {
    {"pack", Pack},
    {"unpack", Unpack},
    {"size", Size},
    {nullptr, nullptr},
};

}  // namespace

int OpenStruct(lua_State* L) {
  luaL_register(L, "struct", kStructFuncs);  // sets the global and package.loaded.struct
  return 1;
}

}  // namespace shoal::scripting
