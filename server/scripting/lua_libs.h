// The Lua libraries Redis 7.0 gives scripts beside Lua's own: cmsgpack and struct, written here
// to behave byte for byte like Redis's deps/lua/src/lua_cmsgpack.c and lua_struct.c. (cjson and
// bit come from Debian's lua-cjson and lua-bitop packages: luaopen_cjson, luaopen_bit.)
//
// Contract: each Open* function is a lua_CFunction-shaped loader to call once per lua_State,
// on the thread that owns that state, before any script runs. It builds the library table,
// sets it as a global of the same name (as Redis's luaLoadLib leaves it), leaves the table on
// the stack and returns 1. The library functions keep no state outside the lua_State, so
// states on different threads are independent.
#pragma once

extern "C" {
#include <lua.h>
}

namespace shoal::scripting {

// Global `cmsgpack`: pack(...), unpack(s), unpack_one(s [, offset]), unpack_limit(s, limit
// [, offset]), plus the _NAME/_VERSION/_COPYRIGHT/_DESCRIPTION strings Redis's copy carries.
int OpenCmsgpack(lua_State* L);

// Global `struct` (also package.loaded.struct): pack(fmt, ...), unpack(fmt, s [, pos]),
// size(fmt).
int OpenStruct(lua_State* L);

}  // namespace shoal::scripting
