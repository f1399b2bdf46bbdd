// The Lua libraries Redis 7.0 scripts may use, checked byte for byte against Redis: our
// cmsgpack and struct (server/scripting/lua_cmsgpack.cc, lua_struct.cc) and Debian's lua-cjson
// and lua-bitop, each in a bare lua_State.
//
// Every expected string below comes from redis-server 7.0.15 (Debian 5:7.0.15-1~deb12u10, which
// runs its vendored Lua and libraries): EVAL of the one-line script
//   <kSerializer> return serall(pcall(function() <body> end))
// whose result is the pcall status and values, serialized by kSerializer (strings quoted with
// bytes outside printable ASCII as \xNN, numbers as %.17g, tables as sorted key=value lists).
// Here the same line runs as chunk "@user_script", so error positions ("user_script:1:") match.
//
// Known differences, left out of the tables (see the comments at the end of this file).
#include "server/scripting/lua_libs.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

extern "C" {
#include <lauxlib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
}

namespace {

using shoal::scripting::OpenCmsgpack;
using shoal::scripting::OpenStruct;

constexpr std::string_view kSerializer = R"~(local ser
ser = function(v, d)
  local t = type(v)
  if t == "string" then
    local o = {}
    for i = 1, #v do
      local b = v:byte(i)
      if b >= 32 and b <= 126 and b ~= 92 then o[#o+1] = string.char(b)
      elseif b == 92 then o[#o+1] = "\\\\"
      else o[#o+1] = string.format("\\x%02x", b) end
    end
    return '"' .. table.concat(o) .. '"'
  elseif t == "number" then return string.format("%.17g", v)
  elseif t == "table" then
    if d > 20 then return "{...}" end
    local ks = {}
    for k, _ in pairs(v) do ks[#ks+1] = k end
    local items = {}
    for _, k in ipairs(ks) do items[#items+1] = ser(k, d+1) .. "=" .. ser(v[k], d+1) end
    table.sort(items)
    return "{" .. table.concat(items, ",") .. "}"
  elseif t == "nil" or t == "boolean" then return tostring(v)
  else return t end
end
local function serall(...)
  local n = select('#', ...)
  local out = {}
  for i = 1, n do out[i] = ser((select(i, ...)), 0) end
  return table.concat(out, " ")
end)~";

struct Probe {
  const char* body;
  const char* expected;
};

// A fresh state with what Redis gives scripts: the base libraries, cjson, bit, cmsgpack and
// struct as globals.
class LuaState {
 public:
  LuaState() : L_(luaL_newstate()) {
    luaL_openlibs(L_);
    luaopen_cjson(L_);
    lua_setglobal(L_, "cjson");  // Debian's luaopen_cjson returns the table without a global
    luaopen_bit(L_);
    lua_pop(L_, 1);
    OpenCmsgpack(L_);
    lua_pop(L_, 1);
    OpenStruct(L_);
    lua_pop(L_, 1);
  }
  ~LuaState() { lua_close(L_); }
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* get() const { return L_; }

  // Runs the probe line; returns its string result, or a marker when the chunk itself failed.
  std::string Run(const char* body) {
    std::string script(kSerializer);
    for (char& c : script) {
      if (c == '\n') c = ' ';
    }
    script += " return serall(pcall(function() ";
    script += body;
    script += " end))";
    int top = lua_gettop(L_);
    std::string result;
    if (luaL_loadbuffer(L_, script.data(), script.size(), "@user_script") != 0 ||
        lua_pcall(L_, 0, 1, 0) != 0) {
      result = "CHUNK ERROR: ";
    }
    size_t len = 0;
    const char* s = lua_tolstring(L_, -1, &len);
    if (s != nullptr) result.append(s, len);
    lua_settop(L_, top);
    return result;
  }

 private:
  lua_State* L_;
};

// Each probe gets its own state, as Redis's SCRIPT FLUSH between captures gave each its own.
void CheckAll(const Probe* probes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    LuaState lua;
    INFO(probes[i].body);
    CHECK(lua.Run(probes[i].body) == probes[i].expected);
  }
}

// cmsgpack.pack: integer widths, float vs double, strings, arrays vs maps, nesting limit
const Probe kCmsgpackPack[] = {
    {R"~(return cmsgpack.pack(nil))~", R"~(true "\xc0")~"},
    {R"~(return cmsgpack.pack(true))~", R"~(true "\xc3")~"},
    {R"~(return cmsgpack.pack(false))~", R"~(true "\xc2")~"},
    {R"~(return cmsgpack.pack(0))~", R"~(true "\x00")~"},
    {R"~(return cmsgpack.pack(1))~", R"~(true "\x01")~"},
    {R"~(return cmsgpack.pack(127))~", R"~(true "\x7f")~"},
    {R"~(return cmsgpack.pack(128))~", R"~(true "\xcc\x80")~"},
    {R"~(return cmsgpack.pack(255))~", R"~(true "\xcc\xff")~"},
    {R"~(return cmsgpack.pack(256))~", R"~(true "\xcd\x01\x00")~"},
    {R"~(return cmsgpack.pack(65535))~", R"~(true "\xcd\xff\xff")~"},
    {R"~(return cmsgpack.pack(65536))~", R"~(true "\xce\x00\x01\x00\x00")~"},
    {R"~(return cmsgpack.pack(4294967295))~", R"~(true "\xce\xff\xff\xff\xff")~"},
    {R"~(return cmsgpack.pack(4294967296))~", R"~(true "\xcf\x00\x00\x00\x01\x00\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(2^53))~", R"~(true "\xcf\x00 \x00\x00\x00\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(2^63))~", R"~(true "\xca_\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(-2^63))~", R"~(true "\xd3\x80\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(2^64))~", R"~(true "\xca_\x80\x00\x00")~"},
    {R"~(return cmsgpack.pack(-2^64))~", R"~(true "\xca\xdf\x80\x00\x00")~"},
    {R"~(return cmsgpack.pack(-1))~", R"~(true "\xff")~"},
    {R"~(return cmsgpack.pack(-32))~", R"~(true "\xe0")~"},
    {R"~(return cmsgpack.pack(-33))~", R"~(true "\xd0\xdf")~"},
    {R"~(return cmsgpack.pack(-128))~", R"~(true "\xd0\x80")~"},
    {R"~(return cmsgpack.pack(-129))~", R"~(true "\xd1\xff\x7f")~"},
    {R"~(return cmsgpack.pack(-32768))~", R"~(true "\xd1\x80\x00")~"},
    {R"~(return cmsgpack.pack(-32769))~", R"~(true "\xd2\xff\xff\x7f\xff")~"},
    {R"~(return cmsgpack.pack(-2147483648))~", R"~(true "\xd2\x80\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(-2147483649))~", R"~(true "\xd3\xff\xff\xff\xff\x7f\xff\xff\xff")~"},
    {R"~(return cmsgpack.pack(-2^53))~", R"~(true "\xd3\xff\xe0\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(1.5))~", R"~(true "\xca?\xc0\x00\x00")~"},
    {R"~(return cmsgpack.pack(0.1))~", R"~(true "\xcb?\xb9\x99\x99\x99\x99\x99\x9a")~"},
    {R"~(return cmsgpack.pack(-1.5))~", R"~(true "\xca\xbf\xc0\x00\x00")~"},
    {R"~(return cmsgpack.pack(1e300))~", R"~(true "\xcb~7\xe4<\x88\x00u\x9c")~"},
    {R"~(return cmsgpack.pack(-0.0))~", R"~(true "\x00")~"},
    {R"~(return cmsgpack.pack(1/0))~", R"~(true "\xca\x7f\x80\x00\x00")~"},
    {R"~(return cmsgpack.pack(-1/0))~", R"~(true "\xca\xff\x80\x00\x00")~"},
    {R"~(return cmsgpack.pack(0/0))~", R"~(true "\xcb\xff\xf8\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return cmsgpack.pack(3.4028234663852886e38))~", R"~(true "\xca\x7f\x7f\xff\xff")~"},
    {R"~(return cmsgpack.pack(3.5e38))~", R"~(true "\xcbG\xf0t\xf8\xc4\xd3\xcd{")~"},
    {R"~(return cmsgpack.pack(1e-45))~", R"~(true "\xcb6\x96\xd6\x01\xad7j\xb9")~"},
    {R"~(return cmsgpack.pack(2^-149))~", R"~(true "\xca\x00\x00\x00\x01")~"},
    {R"~(return cmsgpack.pack(16777217))~", R"~(true "\xce\x01\x00\x00\x01")~"},
    {R"~(return cmsgpack.pack(1e20))~", R"~(true "\xcbD\x15\xaf\x1dx\xb5\x8c@")~"},
    {R"~(return cmsgpack.pack(''))~", R"~(true "\xa0")~"},
    {R"~(return cmsgpack.pack(string.rep('a',31)))~",
     R"~(true "\xbfaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")~"},
    {R"~(return cmsgpack.pack(string.rep('a',32)))~",
     R"~(true "\xd9 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")~"},
    {R"~(return cmsgpack.pack(string.rep('a',255)))~",
     R"~(true "\xd9\xffaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")~"},
    {R"~(return cmsgpack.pack({}))~", R"~(true "\x90")~"},
    {R"~(return cmsgpack.pack({1,2,3}))~", R"~(true "\x93\x01\x02\x03")~"},
    {R"~(return cmsgpack.pack({1,nil,3}))~", R"~(true "\x82\x01\x01\x03\x03")~"},
    {R"~(return cmsgpack.pack({[1]=1,[2]=2,[4]=4}))~", R"~(true "\x83\x01\x01\x02\x02\x04\x04")~"},
    {R"~(return cmsgpack.pack({a=1}))~", R"~(true "\x81\xa1a\x01")~"},
    {R"~(return cmsgpack.pack({1,2,a=3}))~", R"~(true "\x83\x01\x01\x02\x02\xa1a\x03")~"},
    {R"~(return cmsgpack.pack({[0]=1}))~", R"~(true "\x81\x00\x01")~"},
    {R"~(return cmsgpack.pack({[1.5]=1}))~", R"~(true "\x81\xca?\xc0\x00\x00\x01")~"},
    {R"~(return cmsgpack.pack({[-1]=1}))~", R"~(true "\x81\xff\x01")~"},
    {R"~(return cmsgpack.pack({{1},{2,{3}}}))~", R"~(true "\x92\x91\x01\x92\x02\x91\x03")~"},
    {R"~(return cmsgpack.pack({true,false,'x'}))~", R"~(true "\x93\xc3\xc2\xa1x")~"},
    {R"~(return cmsgpack.pack({[2^31]=1}))~", R"~(true "\x81\xce\x80\x00\x00\x00\x01")~"},
    {R"~(return cmsgpack.pack({[2147483647]=1}))~", R"~(true "\x81\xce\x7f\xff\xff\xff\x01")~"},
    {R"~(return cmsgpack.pack({[2]='b'}))~", R"~(true "\x81\x02\xa1b")~"},
    {R"~(return cmsgpack.pack({[1]='a',[3]='c',[2]='b'}))~", R"~(true "\x93\xa1a\xa1b\xa1c")~"},
    {R"~(return cmsgpack.pack({x={y={z='w'}}}))~", R"~(true "\x81\xa1x\x81\xa1y\x81\xa1z\xa1w")~"},
    {R"~(return cmsgpack.pack(1,2,3))~", R"~(true "\x01\x02\x03")~"},
    {R"~(return cmsgpack.pack('a',{1},nil,true))~", R"~(true "\xa1a\x91\x01\xc0\xc3")~"},
    {R"~(return cmsgpack.pack({[true]=1}))~", R"~(true "\x81\xc3\x01")~"},
    {R"~(return cmsgpack.pack(string.rep('x',16)))~", R"~(true "\xb0xxxxxxxxxxxxxxxx")~"},
    {R"~(return cmsgpack.pack(function() end))~", R"~(true "\xc0")~"},
    {R"~(return cmsgpack.pack(coroutine.create(function() end)))~", R"~(true "\xc0")~"},
    {R"~(return cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}))~",
     R"~(true "\xdc\x00\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10")~"},
    {R"~(return cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}))~",
     R"~(true "\x9f\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f")~"},
    {R"~(local s = cmsgpack.pack(string.rep('a',255)) return #s, s:sub(1,6))~",
     R"~(true 257 "\xd9\xffaaaa")~"},
    {R"~(local s = cmsgpack.pack(string.rep('a',256)) return #s, s:sub(1,6))~",
     R"~(true 259 "\xda\x01\x00aaa")~"},
    {R"~(local s = cmsgpack.pack(string.rep('a',65535)) return #s, s:sub(1,6))~",
     R"~(true 65538 "\xda\xff\xffaaa")~"},
    {R"~(local s = cmsgpack.pack(string.rep('a',65536)) return #s, s:sub(1,6))~",
     R"~(true 65541 "\xdb\x00\x01\x00\x00a")~"},
    {R"~(local t={} for i=1,16 do t['k'..i]=i end local s=cmsgpack.pack(t) return #s, s:sub(1,3))~",
     R"~(true 74 "\xde\x00\x10")~"},
    {R"~(local t={} for i=1,65536 do t[i]=i%2 end local s=cmsgpack.pack(t) return #s, s:sub(1,7))~",
     R"~(true 65541 "\xdd\x00\x01\x00\x00\x01\x00")~"},
    {R"~(local t={} for i=1,65535 do t[i]=0 end local s=cmsgpack.pack(t) return #s, s:sub(1,5))~",
     R"~(true 65538 "\xdc\xff\xff\x00\x00")~"},
    {R"~(local t={} for i=1,65536 do t['k'..i]=1 end local s=cmsgpack.pack(t) return #s, s:sub(1,5))~",
     R"~(true 513187 "\xdf\x00\x01\x00\x00")~"},
    {R"~(local t={} local c=t for i=1,20 do c[1]={} c=c[1] end return cmsgpack.pack(t))~",
     R"~(true "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0")~"},
    {R"~(local t={} local c=t for i=1,15 do c[1]={} c=c[1] end return cmsgpack.pack(t))~",
     R"~(true "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x90")~"},
    {R"~(local t={} local c=t for i=1,16 do c[1]={} c=c[1] end return cmsgpack.pack(t))~",
     R"~(true "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0")~"},
    {R"~(local t={} t[1]=t return cmsgpack.pack(t))~",
     R"~(true "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0")~"},
    {R"~(local t={} t.a=t return cmsgpack.pack(t))~",
     R"~(true "\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\x81\xa1a\xc0")~"},
    {R"~(local t={} local c=t for i=1,17 do c.k={} c=c.k end return cmsgpack.pack(t))~",
     R"~(true "\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\xc0")~"},
    {R"~(return cmsgpack.pack())~",
     R"~(false "user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)")~"},
    {R"~(return pcall(cmsgpack.pack))~",
     R"~(true false "bad argument #0 to '?' (MessagePack pack needs input.)")~"},
    {R"~(local t = setmetatable({}, {__index=function(t,k) return k*10 end}) rawset(t,1,1) rawset(t,2,2) return cmsgpack.pack(t))~",
     R"~(true "\x92\x01\x02")~"},
    {R"~(return cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION)~",
     R"~(true "cmsgpack" "lua-cmsgpack 0.4.0" "Copyright (C) 2012, Salvatore Sanfilippo" "MessagePack C implementation for Lua")~"},
    {R"~(local k={} for n,_ in pairs(cmsgpack) do k[#k+1]=n end table.sort(k) return table.concat(k, ','))~",
     R"~(true "_COPYRIGHT,_DESCRIPTION,_NAME,_VERSION,pack,unpack,unpack_limit,unpack_one")~"},
    {R"~(return cmsgpack.pack({[1]=1,[2]=2,[3]=3,x=4}))~",
     R"~(true "\x84\x01\x01\x02\x02\xa1x\x04\x03\x03")~"},
    {R"~(return cmsgpack.pack({a=1,b=2,c=3,d=4}))~",
     R"~(true "\x84\xa1a\x01\xa1d\x04\xa1c\x03\xa1b\x02")~"},
    {R"~(return cmsgpack.pack({[1]=1,[3]=3}))~", R"~(true "\x82\x01\x01\x03\x03")~"},
    {R"~(return cmsgpack.pack({1, 2, [2.0]=5}))~", R"~(true "\x92\x01\x02")~"},
    {R"~(return cmsgpack.pack({[3]=1,[2]=2,[1]=3}))~", R"~(true "\x93\x03\x02\x01")~"},
    {R"~(return cmsgpack.pack(string.rep('z', 40), 2^31, -2^31-1))~",
     R"~(true "\xd9(zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\xce\x80\x00\x00\x00\xd3\xff\xff\xff\xff\x7f\xff\xff\xff")~"},
    {R"~(return cmsgpack.pack({[1]=1,[2]=2,[-5]=3}))~", R"~(true "\x83\x01\x01\x02\x02\xfb\x03")~"},
    {R"~(return cmsgpack.pack(2^31-0.5))~", R"~(true "\xcbA\xdf\xff\xff\xff\xe0\x00\x00")~"},
    {R"~(return cmsgpack.pack(1e-310))~", R"~(true "\xcb\x00\x00\x12h\x8bp\xe6+")~"},
    {R"~(return cmsgpack.pack(-2^63-2048))~", R"~(true "\xcb\xc3\xe0\x00\x00\x00\x00\x00\x01")~"},
    {R"~(return cmsgpack.pack(2^64-2048))~", R"~(true "\xcbC\xef\xff\xff\xff\xff\xff\xff")~"},
    {R"~(return cmsgpack.pack(2^63-1024))~", R"~(true "\xcf\x7f\xff\xff\xff\xff\xff\xfc\x00")~"},
    {R"~(return cmsgpack.pack({[1]='a', [2^40]='b'}))~",
     R"~(true "\x82\x01\xa1a\xcf\x00\x00\x01\x00\x00\x00\x00\x00\xa1b")~"},
};

// cmsgpack.unpack: round trips, every type byte, malformed input
const Probe kCmsgpackUnpack[] = {
    {R"~(return cmsgpack.unpack(cmsgpack.pack(nil)))~", R"~(true nil)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(true)))~", R"~(true true)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(false)))~", R"~(true false)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(0)))~", R"~(true 0)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(127)))~", R"~(true 127)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(128)))~", R"~(true 128)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(255)))~", R"~(true 255)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(256)))~", R"~(true 256)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(65535)))~", R"~(true 65535)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(65536)))~", R"~(true 65536)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(4294967295)))~", R"~(true 4294967295)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(4294967296)))~", R"~(true 4294967296)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-1)))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-32)))~", R"~(true -32)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-33)))~", R"~(true -33)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-128)))~", R"~(true -128)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-129)))~", R"~(true -129)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-32768)))~", R"~(true -32768)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-32769)))~", R"~(true -32769)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-2147483648)))~", R"~(true -2147483648)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-2147483649)))~", R"~(true -2147483649)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(2^53)))~", R"~(true 9007199254740992)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-2^63)))~", R"~(true -9.2233720368547758e+18)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(1.5)))~", R"~(true 1.5)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(0.1)))~", R"~(true 0.10000000000000001)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(1e300)))~", R"~(true 1.0000000000000001e+300)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(1/0)))~", R"~(true inf)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(-1/0)))~", R"~(true -inf)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack('')))~", R"~(true "")~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack('hello')))~", R"~(true "hello")~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(string.rep('b',40))))~",
     R"~(true "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({})))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({1,2,3})))~", R"~(true {1=1,2=2,3=3})~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({a=1,b={c=2}})))~", R"~(true {"a"=1,"b"={"c"=2}})~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({1,{2,{3,{4}}}})))~",
     R"~(true {1=1,2={1=2,2={1=3,2={1=4}}}})~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack(1,2,'x',nil,true)))~", R"~(true 1 2 "x" nil true)~"},
    {R"~(return cmsgpack.unpack('\207\255\255\255\255\255\255\255\255'))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack('\207\128\0\0\0\0\0\0\0'))~", R"~(true -9.2233720368547758e+18)~"},
    {R"~(return cmsgpack.unpack('\207\0\0\0\1\0\0\0\0'))~", R"~(true 4294967296)~"},
    {R"~(return cmsgpack.unpack('\211\255\255\255\255\255\255\255\255'))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack('\211\128\0\0\0\0\0\0\0'))~", R"~(true -9.2233720368547758e+18)~"},
    {R"~(return cmsgpack.unpack('\209\255\0'))~", R"~(true -256)~"},
    {R"~(return cmsgpack.unpack('\209\128\1'))~", R"~(true -32767)~"},
    {R"~(return cmsgpack.unpack('\210\128\0\0\0'))~", R"~(true -2147483648)~"},
    {R"~(return cmsgpack.unpack('\206\255\255\255\255'))~", R"~(true 4294967295)~"},
    {R"~(return cmsgpack.unpack('\202\127\192\0\0'))~", R"~(true nan)~"},
    {R"~(return cmsgpack.unpack('\203\255\248\0\0\0\0\0\0'))~", R"~(true -nan)~"},
    {R"~(return cmsgpack.unpack('\218\0\3abc'))~", R"~(true "abc")~"},
    {R"~(return cmsgpack.unpack('\219\0\0\0\2ab'))~", R"~(true "ab")~"},
    {R"~(return cmsgpack.unpack('\220\0\2\1\2'))~", R"~(true {1=1,2=2})~"},
    {R"~(return cmsgpack.unpack('\221\0\0\0\1\5'))~", R"~(true {1=5})~"},
    {R"~(return cmsgpack.unpack('\222\0\1\1\2'))~", R"~(true {1=2})~"},
    {R"~(return cmsgpack.unpack('\223\0\0\0\1\161a\192'))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack('\129\192\1'))~", R"~(false "table index is nil")~"},
    {R"~(return cmsgpack.unpack('\130\1\2\1\3'))~", R"~(true {1=3})~"},
    {R"~(return cmsgpack.unpack('\145\192'))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack('\147\1\192\3'))~", R"~(true {1=1,3=3})~"},
    {R"~(return cmsgpack.unpack('\196\1a'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\193'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\199'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\212\1\2'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\217\2ab'))~", R"~(true "ab")~"},
    {R"~(return cmsgpack.unpack('\217\3ab'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\162a'))~", R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\204'))~", R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\205\1'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\206\1\2\3'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\207'))~", R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\208'))~", R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\202\0\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\203\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\218\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\219\0\0\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\220\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\221\0\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\222\0'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\223'))~", R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\147\1\2'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\130\1'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\131\1\2\3'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack(''))~", R"~(true)~"},
    {R"~(return cmsgpack.unpack('\1\2\193'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\1\193\2'))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack('\224'))~", R"~(true -32)~"},
    {R"~(return cmsgpack.unpack('\255'))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack('\192\192'))~", R"~(true nil nil)~"},
    {R"~(return cmsgpack.unpack('\220\0\0'))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack('\128'))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack('\144'))~", R"~(true {})~"},
    {R"~(return cmsgpack.unpack())~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (string expected, got no value)")~"},
    {R"~(return cmsgpack.unpack({}))~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (string expected, got table)")~"},
    {R"~(return cmsgpack.unpack(123))~", R"~(true 49 50 51)~"},
    {R"~(return select('#', cmsgpack.unpack('')))~", R"~(true 0)~"},
    {R"~(local s = string.rep('\1', 9000) return pcall(function() return select('#', cmsgpack.unpack(s)) end))~",
     R"~(true false "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)")~"},
    {R"~(local s = string.rep('\1', 7000) return select('#', cmsgpack.unpack(s)))~",
     R"~(true 7000)~"},
    {R"~(local s = string.rep('\145', 5000)..'\1' return pcall(function() return type(cmsgpack.unpack(s)) end))~",
     R"~(true false "user_script:1: stack overflow (in function mp_decode_to_lua_array)")~"},
    {R"~(local s = string.rep('\145', 100)..'\1' local t = cmsgpack.unpack(s) for i=1,100 do t=t[1] end return t)~",
     R"~(true 1)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({[1]=1,[2]=2,[3]=3,x=4})))~",
     R"~(true {"x"=4,1=1,2=2,3=3})~"},
    {R"~(return cmsgpack.unpack('\202\0\0\0\1'))~", R"~(true 1.4012984643248171e-45)~"},
    {R"~(return cmsgpack.unpack('\203\0\0\0\0\0\0\0\1'))~", R"~(true 4.9406564584124654e-324)~"},
    {R"~(return cmsgpack.unpack(cmsgpack.pack({['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk1']=1,['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk2']=2,['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk3']=3,['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk4']=4,['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk5']=5})))~",
     R"~(true {"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk1"=1,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk2"=2,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk3"=3,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk4"=4,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk5"=5})~"},
    {R"~(return cmsgpack.unpack('\221\255\255\255\255\1'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(return cmsgpack.unpack('\223\255\255\255\255\1\1'))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
};

// cmsgpack.unpack_one / unpack_limit: offsets, limits, errors
const Probe kCmsgpackUnpackOneLimit[] = {
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s))~",
     R"~(true 13 1 1)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,0))~",
     R"~(true 13 1 1)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,1))~",
     R"~(true 13 5 "two")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,2))~",
     R"~(true 13 3 116)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,5))~",
     R"~(true 13 7 {1=3})~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,7))~",
     R"~(true 13 12 4.5)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,-1))~",
     R"~(false "user_script:1: Invalid request to unpack with offset of -1 and limit of 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,100))~",
     R"~(false "user_script:1: Start offset 100 greater than input length 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,'3'))~",
     R"~(true 13 4 119)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_one(s,1.9))~",
     R"~(true 13 5 "two")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,0))~",
     R"~(true 13 1 "two" {1=3} 4.5 nil)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,1))~",
     R"~(true 13 1 1)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,2))~",
     R"~(true 13 5 1 "two")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,3))~",
     R"~(true 13 7 1 "two" {1=3})~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,5))~",
     R"~(true 13 -1 1 "two" {1=3} 4.5 nil)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,6))~",
     R"~(true 13 -1 1 "two" {1=3} 4.5 nil)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,100))~",
     R"~(true 13 -1 1 "two" {1=3} 4.5 nil)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,-1))~",
     R"~(false "user_script:1: Invalid request to unpack with offset of 0 and limit of 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,2,0))~",
     R"~(true 13 5 1 "two")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,2,2))~",
     R"~(true 13 4 116 119)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,2,8))~",
     R"~(true 13 10 64 {})~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,1,-1))~",
     R"~(false "user_script:1: Invalid request to unpack with offset of -1 and limit of 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,-1,-1))~",
     R"~(false "user_script:1: Invalid request to unpack with offset of -1 and limit of 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,0,2))~",
     R"~(true 13 2)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,1,100))~",
     R"~(false "user_script:1: Start offset 100 greater than input length 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,1,12))~",
     R"~(true 13 -1 nil)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,0,12))~",
     R"~(true 13 12)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return #s, cmsgpack.unpack_limit(s,1,'2'))~",
     R"~(true 13 3 116)~"},
    {R"~(return cmsgpack.unpack_limit('\1'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)")~"},
    {R"~(return cmsgpack.unpack_limit('\1', 'x'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string)")~"},
    {R"~(return cmsgpack.unpack_one('\1', 'x'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)")~"},
    {R"~(return cmsgpack.unpack_one(''))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack_one('', 0))~", R"~(true -1)~"},
    {R"~(return cmsgpack.unpack_one('\1\193', 1))~",
     R"~(false "user_script:1: Bad data format in input.")~"},
    {R"~(return cmsgpack.unpack_one('\147\1', 0))~",
     R"~(false "user_script:1: Missing bytes in input.")~"},
    {R"~(local s=cmsgpack.pack(1,2,3) local o=0 local r={} while o>=0 do local v o, v = cmsgpack.unpack_one(s,o) r[#r+1]=v end return r)~",
     R"~(true {1=1,2=2,3=3})~"},
    {R"~(return cmsgpack.unpack_one(cmsgpack.pack(1), 1))~", R"~(true -1)~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return cmsgpack.unpack_one(s, 2^32+1))~",
     R"~(false "user_script:1: Start offset 1 greater than input length 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return cmsgpack.unpack_limit(s, -2^32))~",
     R"~(false "user_script:1: Invalid request to unpack with offset of 0 and limit of 13.")~"},
    {R"~(local s=cmsgpack.pack(1,'two',{3},4.5,nil) return cmsgpack.unpack_limit(s, 2^32+1))~",
     R"~(true -1 1 "two" {1=3} 4.5 nil)~"},
};

// struct.pack
const Probe kStructPack[] = {
    {R"~(return struct.pack('b',1))~", R"~(true "\x01")~"},
    {R"~(return struct.pack('b',-1))~", R"~(true "\xff")~"},
    {R"~(return struct.pack('b',127))~", R"~(true "\x7f")~"},
    {R"~(return struct.pack('b',-128))~", R"~(true "\x80")~"},
    {R"~(return struct.pack('b',255))~", R"~(true "\xff")~"},
    {R"~(return struct.pack('b',256))~", R"~(true "\x00")~"},
    {R"~(return struct.pack('B',255))~", R"~(true "\xff")~"},
    {R"~(return struct.pack('B',-1))~", R"~(true "\xff")~"},
    {R"~(return struct.pack('h',-2))~", R"~(true "\xfe\xff")~"},
    {R"~(return struct.pack('H',65535))~", R"~(true "\xff\xff")~"},
    {R"~(return struct.pack('>h',258))~", R"~(true "\x01\x02")~"},
    {R"~(return struct.pack('<h',258))~", R"~(true "\x02\x01")~"},
    {R"~(return struct.pack('i',-5))~", R"~(true "\xfb\xff\xff\xff")~"},
    {R"~(return struct.pack('I',4294967295))~", R"~(true "\xff\xff\xff\xff")~"},
    {R"~(return struct.pack('>i',1))~", R"~(true "\x00\x00\x00\x01")~"},
    {R"~(return struct.pack('l',-1))~", R"~(true "\xff\xff\xff\xff\xff\xff\xff\xff")~"},
    {R"~(return struct.pack('L',2^53))~", R"~(true "\x00\x00\x00\x00\x00\x00 \x00")~"},
    {R"~(return struct.pack('>L',1))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x01")~"},
    {R"~(return struct.pack('T',7))~", R"~(true "\x07\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('i1',200))~", R"~(true "\xc8")~"},
    {R"~(return struct.pack('i3',-2))~", R"~(true "\xfe\xff\xff")~"},
    {R"~(return struct.pack('>i3',65536))~", R"~(true "\x01\x00\x00")~"},
    {R"~(return struct.pack('I8',2^40))~", R"~(true "\x00\x00\x00\x00\x00\x01\x00\x00")~"},
    {R"~(return struct.pack('i16',-1))~",
     R"~(true "\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('>I16',1))~",
     R"~(true "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01")~"},
    {R"~(return struct.pack('i32',1))~",
     R"~(true "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('f',1.5))~", R"~(true "\x00\x00\xc0?")~"},
    {R"~(return struct.pack('f',0.1))~", R"~(true "\xcd\xcc\xcc=")~"},
    {R"~(return struct.pack('>f',1.5))~", R"~(true "?\xc0\x00\x00")~"},
    {R"~(return struct.pack('d',0.1))~", R"~(true "\x9a\x99\x99\x99\x99\x99\xb9?")~"},
    {R"~(return struct.pack('>d',-2))~", R"~(true "\xc0\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('d',1/0))~", R"~(true "\x00\x00\x00\x00\x00\x00\xf0\x7f")~"},
    {R"~(return struct.pack('f',1e300))~", R"~(true "\x00\x00\x80\x7f")~"},
    {R"~(return struct.pack('s','abc'))~", R"~(true "abc\x00")~"},
    {R"~(return struct.pack('z','abc'))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option 'z')")~"},
    {R"~(return struct.pack('c0','hello'))~", R"~(true "hello")~"},
    {R"~(return struct.pack('c5','hello'))~", R"~(true "hello")~"},
    {R"~(return struct.pack('c3','hello'))~", R"~(true "hel")~"},
    {R"~(return struct.pack('c5','hi'))~",
     R"~(false "user_script:1: bad argument #3 to 'pack' (string too short)")~"},
    {R"~(return struct.pack('c','xyz'))~", R"~(true "x")~"},
    {R"~(return struct.pack('x'))~", R"~(true "\x00")~"},
    {R"~(return struct.pack('bxb',1,2))~", R"~(true "\x01\x00\x02")~"},
    {R"~(return struct.pack('!4 b i',1,2))~", R"~(true "\x01\x00\x00\x00\x02\x00\x00\x00")~"},
    {R"~(return struct.pack('!2 b i',1,2))~", R"~(true "\x01\x00\x02\x00\x00\x00")~"},
    {R"~(return struct.pack('!8 b d',1,2))~",
     R"~(true "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00@")~"},
    {R"~(return struct.pack('! b d',1,2))~",
     R"~(true "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00@")~"},
    {R"~(return struct.pack('!4 b h b i',1,2,3,4))~",
     R"~(true "\x01\x00\x02\x00\x03\x00\x00\x00\x04\x00\x00\x00")~"},
    {R"~(return struct.pack('!4 b c3 i',1,'abc',2))~", R"~(true "\x01abc\x02\x00\x00\x00")~"},
    {R"~(return struct.pack('>!4 b I',1,2))~", R"~(true "\x01\x00\x00\x00\x00\x00\x00\x02")~"},
    {R"~(return struct.pack('<!8 b l',1,-1))~",
     R"~(true "\x01\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff")~"},
    {R"~(return struct.pack('!1 b i',1,2))~", R"~(true "\x01\x02\x00\x00\x00")~"},
    {R"~(return struct.pack('bbb',1,2,3))~", R"~(true "\x01\x02\x03")~"},
    {R"~(return struct.pack('b'))~",
     R"~(false "user_script:1: bad argument #2 to 'pack' (number expected, got nil)")~"},
    {R"~(return struct.pack('i','12'))~", R"~(true "\x0c\x00\x00\x00")~"},
    {R"~(return struct.pack('i','x'))~",
     R"~(false "user_script:1: bad argument #2 to 'pack' (number expected, got string)")~"},
    {R"~(return struct.pack('i',{}))~",
     R"~(false "user_script:1: bad argument #2 to 'pack' (number expected, got table)")~"},
    {R"~(return struct.pack('s',12))~", R"~(true "12\x00")~"},
    {R"~(return struct.pack('s',{}))~",
     R"~(false "user_script:1: bad argument #2 to 'pack' (string expected, got table)")~"},
    {R"~(return struct.pack('q',1))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option 'q')")~"},
    {R"~(return struct.pack('!3'))~",
     R"~(false "user_script:1: alignment 3 is not a power of 2")~"},
    {R"~(return struct.pack('!0'))~",
     R"~(false "user_script:1: alignment 0 is not a power of 2")~"},
    {R"~(return struct.pack('i33',1))~",
     R"~(false "user_script:1: integral size 33 is larger than limit of 32")~"},
    {R"~(return struct.pack('i99999999999',1))~",
     R"~(false "user_script:1: integral size overflow")~"},
    {R"~(return struct.pack('i0',5))~", R"~(true "")~"},
    {R"~(return struct.pack('I2',-1))~", R"~(true "\xff\xff")~"},
    {R"~(return struct.pack('l',-2^63))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('L',2^64))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('L',-1))~", R"~(true "\xff\xff\xff\xff\xff\xff\xff\xff")~"},
    {R"~(return struct.pack('L',2^63))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('l',2^63))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('l',-1e300))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('L',0/0))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('l',0/0))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('L',1e300))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('b',1.9))~", R"~(true "\x01")~"},
    {R"~(return struct.pack('b',-1.9))~", R"~(true "\xff")~"},
    {R"~(return struct.pack('B',300.7))~", R"~(true ",")~"},
    {R"~(return struct.pack('h',70000))~", R"~(true "p\x11")~"},
    {R"~(return struct.pack('i',1e10))~", R"~(true "\x00\xe4\x0bT")~"},
    {R"~(return struct.pack('i1',-1e300))~", R"~(true "\x00")~"},
    {R"~(return struct.pack('c0s','ab','cd'))~", R"~(true "abcd\x00")~"},
    {R"~(return struct.pack('  b  ',3))~", R"~(true "\x03")~"},
    {R"~(return struct.pack('>'))~", R"~(true "")~"},
    {R"~(return struct.pack(''))~", R"~(true "")~"},
    {R"~(return struct.pack('b',1,2,3))~", R"~(true "\x01")~"},
    {R"~(return struct.pack('c2','a'))~",
     R"~(false "user_script:1: bad argument #3 to 'pack' (string too short)")~"},
    {R"~(return struct.pack('s','a\0b'))~", R"~(true "a\x00b\x00")~"},
    {R"~(return struct.pack('c-1','a'))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option '-')")~"},
    {R"~(return struct.pack('!'))~", R"~(true "")~"},
    {R"~(return struct.pack('!16 b d',1,2))~",
     R"~(true "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00@")~"},
    {R"~(return struct.pack('I1 I2 I3 I4',1,2,3,4))~",
     R"~(true "\x01\x02\x00\x03\x00\x00\x04\x00\x00\x00")~"},
    {R"~(return struct.pack('>I1 I2 I3 I4',1,2,3,4))~",
     R"~(true "\x01\x00\x02\x00\x00\x03\x00\x00\x00\x04")~"},
    {R"~(return struct.pack('<i7',-3))~", R"~(true "\xfd\xff\xff\xff\xff\xff\xff")~"},
    {R"~(return struct.pack('Z',1))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option 'Z')")~"},
    {R"~(return struct.pack())~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (string expected, got no value)")~"},
    {R"~(return struct.pack(nil))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (string expected, got nil)")~"},
    {R"~(return struct.pack(12, 1))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option '1')")~"},
    {R"~(return struct.pack('>I2', 0x1234) == struct.pack('>H', 0x1234))~", R"~(true true)~"},
    {R"~(return struct.pack('!4 b i3',1,2))~", R"~(true "\x01\x00\x00\x02\x00\x00")~"},
    {R"~(return struct.pack('!4 b i6',1,2))~",
     R"~(true "\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00")~"},
    {R"~(return struct.pack('!8 b i3 i5 d',1,2,3,4))~",
     R"~(true "\x01\x00\x00\x02\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10@")~"},
    {R"~(return struct.pack('f',3.5e38))~", R"~(true "\x00\x00\x80\x7f")~"},
    {R"~(return struct.pack('f',0/0))~", R"~(true "\x00\x00\xc0\xff")~"},
    {R"~(return struct.pack('f',-0.0))~", R"~(true "\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('d',0/0))~", R"~(true "\x00\x00\x00\x00\x00\x00\xf8\xff")~"},
    {R"~(return struct.pack('d',-0.0))~", R"~(true "\x00\x00\x00\x00\x00\x00\x00\x80")~"},
    {R"~(return struct.pack('\x80',1))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option '8')")~"},
    {R"~(return struct.pack('b\xad',1))~",
     R"~(false "user_script:1: bad argument #1 to 'pack' (invalid format option 'a')")~"},
    {R"~(return struct.pack('c0 c0','ab','cd'))~", R"~(true "abcd")~"},
    {R"~(return struct.pack('i2',2^40+3))~", R"~(true "\x03\x00")~"},
    {R"~(return struct.pack('I4',-2^31-5))~", R"~(true "\xfb\xff\xff\x7f")~"},
};

// struct.unpack
const Probe kStructUnpack[] = {
    {R"~(return struct.unpack('b', '\255'))~", R"~(true -1 2)~"},
    {R"~(return struct.unpack('B', '\255'))~", R"~(true 255 2)~"},
    {R"~(return struct.unpack('h', '\1\2'))~", R"~(true 513 3)~"},
    {R"~(return struct.unpack('>h', '\255\254'))~", R"~(true -2 3)~"},
    {R"~(return struct.unpack('H', '\255\255'))~", R"~(true 65535 3)~"},
    {R"~(return struct.unpack('i', '\1\0\0\0'))~", R"~(true 1 5)~"},
    {R"~(return struct.unpack('>I', '\255\255\255\255'))~", R"~(true 4294967295 5)~"},
    {R"~(return struct.unpack('l', '\255\255\255\255\255\255\255\255'))~", R"~(true -1 9)~"},
    {R"~(return struct.unpack('L', '\255\255\255\255\255\255\255\255'))~",
     R"~(true 1.8446744073709552e+19 9)~"},
    {R"~(return struct.unpack('L', '\0\0\0\0\0\0\0\128'))~", R"~(true 9.2233720368547758e+18 9)~"},
    {R"~(return struct.unpack('T', '\1\0\0\0\0\0\0\0'))~", R"~(true 1 9)~"},
    {R"~(return struct.unpack('i3', '\255\255\127'))~", R"~(true 8388607 4)~"},
    {R"~(return struct.unpack('i3', '\255\255\128'))~", R"~(true -8323073 4)~"},
    {R"~(return struct.unpack('>i16', '\255\255\255\255\255\255\255\255\255\255\255\255\255\255\255\255'))~",
     R"~(true -1 17)~"},
    {R"~(return struct.unpack('I16', '\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'))~", R"~(true 1 17)~"},
    {R"~(return struct.unpack('I10', '\255\255\255\255\255\255\255\255\255\255'))~",
     R"~(true 1.8446744073709552e+19 11)~"},
    {R"~(return struct.unpack('i10', '\255\255\255\255\255\255\255\255\255\255'))~",
     R"~(true -1 11)~"},
    {R"~(return struct.unpack('f', '\0\0\192\63'))~", R"~(true 1.5 5)~"},
    {R"~(return struct.unpack('>f', '\63\192\0\0'))~", R"~(true 1.5 5)~"},
    {R"~(return struct.unpack('d', '\0\0\0\0\0\0\240\63'))~", R"~(true 1 9)~"},
    {R"~(return struct.unpack('>d', '\63\240\0\0\0\0\0\0'))~", R"~(true 1 9)~"},
    {R"~(return struct.unpack('s', 'abc\0def'))~", R"~(true "abc" 5)~"},
    {R"~(return struct.unpack('z', 'abc\0def'))~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (invalid format option 'z')")~"},
    {R"~(return struct.unpack('ss', 'ab\0cd\0'))~", R"~(true "ab" "cd" 7)~"},
    {R"~(return struct.unpack('s', 'abc'))~",
     R"~(false "user_script:1: unfinished string in data")~"},
    {R"~(return struct.unpack('c3', 'abcdef'))~", R"~(true "abc" 4)~"},
    {R"~(return struct.unpack('c3', 'ab'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b c0', '\3abcdef'))~", R"~(true "abc" 5)~"},
    {R"~(return struct.unpack('c0', 'abc'))~",
     R"~(false "user_script:1: format 'c0' needs a previous size")~"},
    {R"~(return struct.unpack('s c0', 'ab\0cd'))~",
     R"~(false "user_script:1: format 'c0' needs a previous size")~"},
    {R"~(return struct.unpack('B c0 B', '\2abc'))~", R"~(true "ab" 99 5)~"},
    {R"~(return struct.unpack('B c0', '\9abc'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('c', 'abc'))~", R"~(true "a" 2)~"},
    {R"~(return struct.unpack('b', '\1\2\3',2))~", R"~(true 2 3)~"},
    {R"~(return struct.unpack('b', '\1\2\3',3))~", R"~(true 3 4)~"},
    {R"~(return struct.unpack('b', '\1\2\3',4))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b', '\1\2\3',0))~",
     R"~(false "user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)")~"},
    {R"~(return struct.unpack('b', '\1\2\3',-1))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b', '\1\2\3',5))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('!4 b i', '\1\0\0\0\2\0\0\0'))~", R"~(true 1 2 9)~"},
    {R"~(return struct.unpack('!4 i', '\0\0\0\0\0\1\0\0\0',2))~", R"~(true 256 9)~"},
    {R"~(return struct.unpack('!4 i', '\0\0\0\0\0\1\0\0\0',5))~", R"~(true 256 9)~"},
    {R"~(return struct.unpack('x b', '\1\2'))~", R"~(true 2 3)~"},
    {R"~(return struct.unpack('bbbb', '\1\2'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b', ''))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('q', '\1'))~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (invalid format option 'q')")~"},
    {R"~(return struct.unpack('!3 b', '\1'))~",
     R"~(false "user_script:1: alignment 3 is not a power of 2")~"},
    {R"~(return struct.unpack('i33', '\1'))~",
     R"~(false "user_script:1: integral size 33 is larger than limit of 32")~"},
    {R"~(return struct.unpack('b', 12))~", R"~(true 49 2)~"},
    {R"~(return struct.unpack('b', nil))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (string expected, got nil)")~"},
    {R"~(return struct.unpack('c2 c0', '12abcdefghijkl'))~", R"~(true "abcdefghijkl" 15)~"},
    {R"~(return struct.unpack('b', '\1','2'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b', '\1',1.5))~", R"~(true 1 2)~"},
    {R"~(return struct.unpack('', 'abc'))~", R"~(true 1)~"},
    {R"~(return struct.unpack('d', '\0\0\0\0\0\0\240\127'))~", R"~(true inf 9)~"},
    {R"~(return struct.unpack('f', '\0\0\192\127'))~", R"~(true nan 5)~"},
    {R"~(return struct.unpack('b c0', '\255abc'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('b c0', '\4abc'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack())~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (string expected, got no value)")~"},
    {R"~(return struct.unpack('b'))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (string expected, got no value)")~"},
    {R"~(return struct.unpack('>I2 c0', struct.pack('>I2 c0', 5, 'hello')))~",
     R"~(true "hello" 8)~"},
    {R"~(return struct.unpack('s i', struct.pack('s i', 'abc', 42)))~", R"~(true "abc" 42 9)~"},
    {R"~(return struct.unpack('<i10', '\0\128\0\0\0\0\0\0\0\0'))~", R"~(true -32768 11)~"},
    {R"~(return struct.unpack('<i12', '\0\0\0\128\0\0\0\0\0\0\0\0'))~", R"~(true -2147483648 13)~"},
    {R"~(return struct.unpack('<i9', '\128\0\0\0\0\0\0\0\0'))~", R"~(true -128 10)~"},
    {R"~(return struct.unpack('<I9', '\128\0\0\0\0\0\0\0\1'))~", R"~(true 128 10)~"},
    {R"~(return struct.unpack('i0', ''))~", R"~(true 0 1)~"},
    {R"~(return struct.unpack('c1 c0', '3abcdef'))~", R"~(true "abc" 5)~"},
    {R"~(return struct.unpack('c1 c0', 'xabcdef'))~",
     R"~(false "user_script:1: format 'c0' needs a previous size")~"},
    {R"~(return struct.unpack('B c0', '\0abc'))~", R"~(true "" 2)~"},
    {R"~(return struct.unpack('d c0', '\0\0\0\0\0\0\0\64ab'))~", R"~(true "ab" 11)~"},
    {R"~(return struct.unpack('!4 b i3', '\1\0\0\2\0\0'))~", R"~(true 1 2 7)~"},
    {R"~(return struct.unpack('\x80', 'a'))~",
     R"~(false "user_script:1: bad argument #1 to 'unpack' (invalid format option '8')")~"},
    {R"~(return struct.unpack('b', '\1\2',2^32+2))~",
     R"~(false "user_script:1: bad argument #2 to 'unpack' (data string too short)")~"},
    {R"~(return struct.unpack('f', '\1\0\0\0'))~", R"~(true 1.4012984643248171e-45 5)~"},
};

// struct.size and round trips
const Probe kStructOther[] = {
    {R"~(local t={} for i=1,9000 do t[i]='b' end local f=table.concat(t) return pcall(function() return select('#', struct.unpack(f, string.rep('x', 9000))) end))~",
     R"~(true false "user_script:1: stack overflow (too many results)")~"},
    {R"~(return struct.size('b'))~", R"~(true 1)~"},
    {R"~(return struct.size('B'))~", R"~(true 1)~"},
    {R"~(return struct.size('h'))~", R"~(true 2)~"},
    {R"~(return struct.size('H'))~", R"~(true 2)~"},
    {R"~(return struct.size('i'))~", R"~(true 4)~"},
    {R"~(return struct.size('I'))~", R"~(true 4)~"},
    {R"~(return struct.size('l'))~", R"~(true 8)~"},
    {R"~(return struct.size('L'))~", R"~(true 8)~"},
    {R"~(return struct.size('T'))~", R"~(true 8)~"},
    {R"~(return struct.size('f'))~", R"~(true 4)~"},
    {R"~(return struct.size('d'))~", R"~(true 8)~"},
    {R"~(return struct.size('x'))~", R"~(true 1)~"},
    {R"~(return struct.size('c5'))~", R"~(true 5)~"},
    {R"~(return struct.size('i3'))~", R"~(true 3)~"},
    {R"~(return struct.size('!4 b i'))~", R"~(true 8)~"},
    {R"~(return struct.size('!8 b d'))~", R"~(true 16)~"},
    {R"~(return struct.size('! b d'))~", R"~(true 16)~"},
    {R"~(return struct.size('>!4 b h'))~", R"~(true 4)~"},
    {R"~(return struct.size('bhlid'))~", R"~(true 23)~"},
    {R"~(return struct.size('c0'))~",
     R"~(false "user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)")~"},
    {R"~(return struct.size('s'))~",
     R"~(false "user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)")~"},
    {R"~(return struct.size('z'))~", R"~(true 0)~"},
    {R"~(return struct.size('q'))~", R"~(true 0)~"},
    {R"~(return struct.size('!3'))~",
     R"~(false "user_script:1: alignment 3 is not a power of 2")~"},
    {R"~(return struct.size('I33'))~",
     R"~(false "user_script:1: integral size 33 is larger than limit of 32")~"},
    {R"~(return struct.size(''))~", R"~(true 0)~"},
    {R"~(return struct.size('  '))~", R"~(true 0)~"},
    {R"~(return struct.size('<>!'))~", R"~(true 0)~"},
    {R"~(return struct.size('c'))~", R"~(true 1)~"},
    {R"~(return struct.size('b!4 i'))~", R"~(true 8)~"},
    {R"~(return struct.size('!4 b c3 i'))~", R"~(true 8)~"},
    {R"~(return struct.size('i7 i'))~", R"~(true 11)~"},
    {R"~(return struct.size())~",
     R"~(false "user_script:1: bad argument #1 to 'size' (string expected, got no value)")~"},
    {R"~(return struct.size(5))~", R"~(true 0)~"},
    {R"~(local k={} for n,_ in pairs(struct) do k[#k+1]=n end table.sort(k) return table.concat(k, ','))~",
     R"~(true "pack,size,unpack")~"},
    {R"~(return struct.size('!'))~", R"~(true 0)~"},
    {R"~(return struct.size('x!4i'))~", R"~(true 8)~"},
    {R"~(return struct.size('!2 b d'))~", R"~(true 10)~"},
    {R"~(return struct.size('c10 b'))~", R"~(true 11)~"},
    {R"~(return struct.size('\x80'))~", R"~(true 1)~"},
};

// cjson.encode (Debian's lua-cjson)
const Probe kCjsonEncode[] = {
    {R"~(return cjson.encode(1))~", R"~(true "1")~"},
    {R"~(return cjson.encode(0))~", R"~(true "0")~"},
    {R"~(return cjson.encode(-1))~", R"~(true "-1")~"},
    {R"~(return cjson.encode(0.1))~", R"~(true "0.1")~"},
    {R"~(return cjson.encode(1e300))~", R"~(true "1e+300")~"},
    {R"~(return cjson.encode(-1e-300))~", R"~(true "-1e-300")~"},
    {R"~(return cjson.encode(123456789012345))~", R"~(true "1.2345678901234e+14")~"},
    {R"~(return cjson.encode(1234567890123456789))~", R"~(true "1.2345678901235e+18")~"},
    {R"~(return cjson.encode(2^53))~", R"~(true "9.007199254741e+15")~"},
    {R"~(return cjson.encode(2^63))~", R"~(true "9.2233720368548e+18")~"},
    {R"~(return cjson.encode(1/3))~", R"~(true "0.33333333333333")~"},
    {R"~(return cjson.encode(100))~", R"~(true "100")~"},
    {R"~(return cjson.encode(1e14))~", R"~(true "1e+14")~"},
    {R"~(return cjson.encode(1e15))~", R"~(true "1e+15")~"},
    {R"~(return cjson.encode(3.14159265358979))~", R"~(true "3.1415926535898")~"},
    {R"~(return cjson.encode(-0.0))~", R"~(true "-0")~"},
    {R"~(return cjson.encode(1/0))~",
     R"~(false "user_script:1: Cannot serialise number: must not be NaN or Inf")~"},
    {R"~(return cjson.encode(-1/0))~",
     R"~(false "user_script:1: Cannot serialise number: must not be NaN or Inf")~"},
    {R"~(return cjson.encode(0/0))~",
     R"~(false "user_script:1: Cannot serialise number: must not be NaN or Inf")~"},
    {R"~(return cjson.encode('hello'))~", R"~(true ""hello"")~"},
    {R"~(return cjson.encode(''))~", R"~(true """")~"},
    {R"~(return cjson.encode('a"b\\c/d'))~", R"~(true ""a\\"b\\\\c\\/d"")~"},
    {R"~(return cjson.encode('\n\r\t\b\f'))~", R"~(true ""\\n\\r\\t\\b\\f"")~"},
    {R"~(return cjson.encode('\0\1\31\127'))~", R"~(true ""\\u0000\\u0001\\u001f\\u007f"")~"},
    {R"~(return cjson.encode('\195\169'))~", R"~(true ""\xc3\xa9"")~"},
    {R"~(return cjson.encode('\226\130\172'))~", R"~(true ""\xe2\x82\xac"")~"},
    {R"~(return cjson.encode('\255'))~", R"~(true ""\xff"")~"},
    {R"~(return cjson.encode(true))~", R"~(true "true")~"},
    {R"~(return cjson.encode(false))~", R"~(true "false")~"},
    {R"~(return cjson.encode(nil))~", R"~(true "null")~"},
    {R"~(return cjson.encode(cjson.null))~", R"~(true "null")~"},
    {R"~(return cjson.encode({}))~", R"~(true "{}")~"},
    {R"~(return cjson.encode({1,2,3}))~", R"~(true "[1,2,3]")~"},
    {R"~(return cjson.encode({a=1}))~", R"~(true "{"a":1}")~"},
    {R"~(return cjson.encode({1,2,a=3}))~", R"~(true "{"1":1,"2":2,"a":3}")~"},
    {R"~(return cjson.encode({[1]=1,[3]=3}))~", R"~(true "[1,null,3]")~"},
    {R"~(return cjson.encode({[1]=1,[4]=4}))~", R"~(true "[1,null,null,4]")~"},
    {R"~(return cjson.encode({[1]=1,[20]=20}))~",
     R"~(false "user_script:1: Cannot serialise table: excessively sparse array")~"},
    {R"~(return cjson.encode({[1]=1,[30]=30}))~",
     R"~(false "user_script:1: Cannot serialise table: excessively sparse array")~"},
    {R"~(return cjson.encode({[2]=1}))~", R"~(true "[null,1]")~"},
    {R"~(return cjson.encode({[0]=1}))~", R"~(true "{"0":1}")~"},
    {R"~(return cjson.encode({[-1]=1}))~", R"~(true "{"-1":1}")~"},
    {R"~(return cjson.encode({[1.5]=1}))~", R"~(true "{"1.5":1}")~"},
    {R"~(return cjson.encode({[true]=1}))~",
     R"~(false "user_script:1: Cannot serialise boolean: table key must be a number or string")~"},
    {R"~(return cjson.encode({{},{{}}}))~", R"~(true "[{},[{}]]")~"},
    {R"~(return cjson.encode({a={b={c={}}}}))~", R"~(true "{"a":{"b":{"c":{}}}}")~"},
    {R"~(return cjson.encode({'x',nil,'z'}))~", R"~(true "["x",null,"z"]")~"},
    {R"~(return cjson.encode(function() end))~",
     R"~(false "user_script:1: Cannot serialise function: type not supported")~"},
    {R"~(return cjson.encode({f=function() end}))~",
     R"~(false "user_script:1: Cannot serialise function: type not supported")~"},
    {R"~(return cjson.encode({[1]='a',['1']='b'}))~", R"~(true "{"1":"a","1":"b"}")~"},
    {R"~(return cjson.encode({1,2,3,nil,5}))~", R"~(true "[1,2,3,null,5]")~"},
    {R"~(return cjson.encode({[1]=1,[2]=2,[5]=5}))~", R"~(true "[1,2,null,null,5]")~"},
    {R"~(return cjson.encode({[1]=1,[11]=11}))~",
     R"~(false "user_script:1: Cannot serialise table: excessively sparse array")~"},
    {R"~(return cjson.encode({[1]=1,[12]=12}))~",
     R"~(false "user_script:1: Cannot serialise table: excessively sparse array")~"},
    {R"~(return cjson.encode({[1]=1, [2]=2, [3]=3, [7]=7}))~",
     R"~(true "[1,2,3,null,null,null,7]")~"},
    {R"~(return cjson.encode({1e300}))~", R"~(true "[1e+300]")~"},
    {R"~(return cjson.encode({a=cjson.null}))~", R"~(true "{"a":null}")~"},
    {R"~(return cjson.encode({[10]=1}))~",
     R"~(true "[null,null,null,null,null,null,null,null,null,1]")~"},
    {R"~(return cjson.encode({[11]=1}))~",
     R"~(false "user_script:1: Cannot serialise table: excessively sparse array")~"},
    {R"~(return cjson.encode({ [1]=1, [2]=2, [3]=3, [4]=4, [5]=5, [6]=6, [11]=11 }))~",
     R"~(true "[1,2,3,4,5,6,null,null,null,null,11]")~"},
    {R"~(return cjson.encode({ [1]=1, [2]=2, [3]=3, [4]=4, [5]=5, [6]=6, [13]=13 }))~",
     R"~(true "[1,2,3,4,5,6,null,null,null,null,null,null,13]")~"},
    {R"~(return cjson.encode())~",
     R"~(false "user_script:1: bad argument #1 to 'encode' (expected 1 argument)")~"},
    {R"~(return cjson.encode(1, 2))~",
     R"~(false "user_script:1: bad argument #1 to 'encode' (expected 1 argument)")~"},
    {R"~(return cjson.encode(string.rep('a', 70000)):len())~", R"~(true 70002)~"},
    {R"~(return cjson.encode({['a\0b']=1}))~", R"~(true "{"a\\u0000b":1}")~"},
    {R"~(return cjson.encode({[1]=1, [2]=2, n=3}))~", R"~(true "{"1":1,"2":2,"n":3}")~"},
    {R"~(return cjson.encode(1e-7))~", R"~(true "1e-07")~"},
    {R"~(return cjson.encode(123.456))~", R"~(true "123.456")~"},
    {R"~(return cjson.encode(5e-324))~", R"~(true "4.9406564584125e-324")~"},
    {R"~(return cjson.encode(2^31))~", R"~(true "2147483648")~"},
    {R"~(return cjson.encode(1e16))~", R"~(true "1e+16")~"},
    {R"~(return cjson.encode(-1e15))~", R"~(true "-1e+15")~"},
    {R"~(return cjson.encode({1,2,[4]=4}))~", R"~(true "[1,2,null,4]")~"},
    {R"~(return cjson.encode({['"']=1}))~", R"~(true "{"\\"":1}")~"},
    {R"~(return cjson.encode({cjson.null, 1}))~", R"~(true "[null,1]")~"},
    {R"~(return cjson.encode('\128\129'))~", R"~(true ""\x80\x81"")~"},
    {R"~(return cjson.encode({[1]=1,[2]=2,[3]=3,[2^31]=1}))~", R"~(true "[1,2,3]")~"},
    {R"~(return cjson.encode(string.rep('\1', 3)))~", R"~(true ""\\u0001\\u0001\\u0001"")~"},
    {R"~(return cjson.encode({[1]=true,[2]=false}))~", R"~(true "[true,false]")~"},
    {R"~(return cjson.encode(2^-1074))~", R"~(true "4.9406564584125e-324")~"},
    {R"~(return cjson.encode(0.5))~", R"~(true "0.5")~"},
    {R"~(return cjson.encode(-1.5e-5))~", R"~(true "-1.5e-05")~"},
};

// cjson.decode (Debian's lua-cjson)
const Probe kCjsonDecode[] = {
    {R"~(return cjson.decode('1'))~", R"~(true 1)~"},
    {R"~(return cjson.decode('-0'))~", R"~(true -0)~"},
    {R"~(return cjson.decode('0.1'))~", R"~(true 0.10000000000000001)~"},
    {R"~(return cjson.decode('1e300'))~", R"~(true 1.0000000000000001e+300)~"},
    {R"~(return cjson.decode('1e400'))~", R"~(true inf)~"},
    {R"~(return cjson.decode('-1e400'))~", R"~(true -inf)~"},
    {R"~(return cjson.decode('123456789012345678901234567890'))~",
     R"~(true 1.2345678901234568e+29)~"},
    {R"~(return cjson.decode('9007199254740993'))~", R"~(true 9007199254740992)~"},
    {R"~(return cjson.decode('0x10'))~", R"~(true 16)~"},
    {R"~(return cjson.decode('NaN'))~", R"~(true nan)~"},
    {R"~(return cjson.decode('nan'))~", R"~(true nan)~"},
    {R"~(return cjson.decode('inf'))~", R"~(true inf)~"},
    {R"~(return cjson.decode('-inf'))~", R"~(true -inf)~"},
    {R"~(return cjson.decode('Infinity'))~", R"~(true inf)~"},
    {R"~(return cjson.decode('"abc"'))~", R"~(true "abc")~"},
    {R"~(return cjson.decode('"\\u00e9"'))~", R"~(true "\xc3\xa9")~"},
    {R"~(return cjson.decode('"\\ud83d\\ude00"'))~", R"~(true "\xf0\x9f\x98\x80")~"},
    {R"~(return cjson.decode('"\\ud83d"'))~",
     R"~(false "user_script:1: Expected value but found invalid unicode escape code at character 2")~"},
    {R"~(return cjson.decode('"\\u0000"'))~", R"~(true "\x00")~"},
    {R"~(return cjson.decode('"\\/\\b\\f\\n\\r\\t"'))~", R"~(true "/\x08\x0c\x0a\x0d\x09")~"},
    {R"~(return cjson.decode('"\\x"'))~",
     R"~(false "user_script:1: Expected value but found invalid escape code at character 2")~"},
    {R"~(return cjson.decode('"abc'))~",
     R"~(false "user_script:1: Expected value but found unexpected end of string at character 5")~"},
    {R"~(return cjson.decode('[1,2,3]'))~", R"~(true {1=1,2=2,3=3})~"},
    {R"~(return cjson.decode('[]'))~", R"~(true {})~"},
    {R"~(return cjson.decode('{}'))~", R"~(true {})~"},
    {R"~(return cjson.decode('{"a":[1,{"b":null}]}'))~", R"~(true {"a"={1=1,2={"b"=userdata}}})~"},
    {R"~(return cjson.decode('null'))~", R"~(true userdata)~"},
    {R"~(return cjson.decode('true'))~", R"~(true true)~"},
    {R"~(return cjson.decode('false'))~", R"~(true false)~"},
    {R"~(return cjson.decode('[1,2,'))~",
     R"~(false "user_script:1: Expected value but found T_END at character 6")~"},
    {R"~(return cjson.decode('[1,2]x'))~",
     R"~(false "user_script:1: Expected the end but found invalid token at character 6")~"},
    {R"~(return cjson.decode('{"a" 1}'))~",
     R"~(false "user_script:1: Expected colon but found T_NUMBER at character 6")~"},
    {R"~(return cjson.decode('{1:2}'))~",
     R"~(false "user_script:1: Expected object key string but found T_NUMBER at character 2")~"},
    {R"~(return cjson.decode(''))~",
     R"~(false "user_script:1: Expected value but found T_END at character 1")~"},
    {R"~(return cjson.decode(' '))~",
     R"~(false "user_script:1: Expected value but found T_END at character 2")~"},
    {R"~(return cjson.decode('  [1]  '))~", R"~(true {1=1})~"},
    {R"~(return cjson.decode('[1,]'))~",
     R"~(false "user_script:1: Expected value but found T_ARR_END at character 4")~"},
    {R"~(return cjson.decode('{"a":1,}'))~",
     R"~(false "user_script:1: Expected object key string but found T_OBJ_END at character 8")~"},
    {R"~(return cjson.decode('tru'))~",
     R"~(false "user_script:1: Expected value but found invalid token at character 1")~"},
    {R"~(return cjson.decode('"\n"'))~", R"~(true "\x0a")~"},
    {R"~(return cjson.decode('01'))~", R"~(true 1)~"},
    {R"~(return cjson.decode('1.'))~", R"~(true 1)~"},
    {R"~(return cjson.decode('.5'))~",
     R"~(false "user_script:1: Expected value but found invalid token at character 1")~"},
    {R"~(return cjson.decode('-'))~",
     R"~(false "user_script:1: Expected value but found invalid number at character 1")~"},
    {R"~(return cjson.decode('+1'))~", R"~(true 1)~"},
    {R"~(return cjson.decode('1e'))~",
     R"~(false "user_script:1: Expected the end but found invalid token at character 2")~"},
    {R"~(return cjson.decode('[null,null]'))~", R"~(true {1=userdata,2=userdata})~"},
    {R"~(return cjson.decode('{"a":null}'))~", R"~(true {"a"=userdata})~"},
    {R"~(return cjson.decode('"\\u12"'))~",
     R"~(false "user_script:1: Expected value but found invalid unicode escape code at character 2")~"},
    {R"~(return cjson.decode('"\\uD800\\u0041"'))~",
     R"~(false "user_script:1: Expected value but found invalid unicode escape code at character 2")~"},
    {R"~(return cjson.decode('\239\187\191[1]'))~",
     R"~(false "user_script:1: Expected value but found invalid token at character 1")~"},
    {R"~(return cjson.decode('/*c*/1'))~",
     R"~(false "user_script:1: Expected value but found invalid token at character 1")~"},
    {R"~(return cjson.decode('[1 2]'))~",
     R"~(false "user_script:1: Expected comma or array end but found T_NUMBER at character 4")~"},
    {R"~(return cjson.decode('{"a":1 "b":2}'))~",
     R"~(false "user_script:1: Expected comma or object end but found T_STRING at character 8")~"},
    {R"~(return cjson.decode('"\1"'))~", R"~(true "\x01")~"},
    {R"~(return cjson.decode('"\255"'))~", R"~(true "\xff")~"},
    {R"~(return cjson.decode('1 2'))~",
     R"~(false "user_script:1: Expected the end but found T_NUMBER at character 3")~"},
    {R"~(return cjson.decode('[[[[1]]]]'))~", R"~(true {1={1={1={1=1}}}})~"},
    {R"~(return cjson.decode('-0.0'))~", R"~(true -0)~"},
    {R"~(return cjson.decode('1E2'))~", R"~(true 100)~"},
    {R"~(return cjson.decode('1e-2'))~", R"~(true 0.01)~"},
    {R"~(return cjson.decode('0.10000000000000001'))~", R"~(true 0.10000000000000001)~"},
    {R"~(return cjson.decode('[1,[2,[3]]]'))~", R"~(true {1=1,2={1=2,2={1=3}}})~"},
    {R"~(return cjson.decode('{"1":"a","2":"b"}'))~", R"~(true {"1"="a","2"="b"})~"},
    {R"~(return cjson.decode('"\\u00"'))~",
     R"~(false "user_script:1: Expected value but found invalid unicode escape code at character 2")~"},
    {R"~(return cjson.decode('{"a":1,"a":2}'))~", R"~(true {"a"=2})~"},
    {R"~(return cjson.decode())~",
     R"~(false "user_script:1: bad argument #1 to 'decode' (expected 1 argument)")~"},
    {R"~(return cjson.decode(1))~", R"~(true 1)~"},
    {R"~(return cjson.decode({}))~",
     R"~(false "user_script:1: bad argument #1 to 'decode' (string expected, got table)")~"},
    {R"~(return cjson.decode(nil))~",
     R"~(false "user_script:1: bad argument #1 to 'decode' (string expected, got nil)")~"},
    {R"~(return cjson.decode('1', 2))~",
     R"~(false "user_script:1: bad argument #1 to 'decode' (expected 1 argument)")~"},
    {R"~(return cjson.decode('null') == cjson.null)~", R"~(true true)~"},
    {R"~(return cjson.decode(string.rep('[', 999) .. string.rep(']', 999)) ~= nil)~",
     R"~(true true)~"},
    {R"~(return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)) ~= nil)~",
     R"~(true true)~"},
    {R"~(return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001)))~",
     R"~(false "user_script:1: Found too many nested data structures (1001) at character 1001")~"},
    {R"~(return cjson.decode(string.rep('{"a":', 1001) .. '1' .. string.rep('}', 1001)))~",
     R"~(false "user_script:1: Found too many nested data structures (1001) at character 5001")~"},
    {R"~(return cjson.decode(string.rep('[', 100000)))~",
     R"~(false "user_script:1: Found too many nested data structures (1001) at character 1001")~"},
    {R"~(return cjson.decode('"\\u20ac"'))~", R"~(true "\xe2\x82\xac")~"},
    {R"~(return cjson.decode('"\\uDFFF"'))~",
     R"~(false "user_script:1: Expected value but found invalid unicode escape code at character 2")~"},
    {R"~(return cjson.decode('18446744073709551616'))~", R"~(true 1.8446744073709552e+19)~"},
    {R"~(return cjson.decode('-9223372036854775809'))~", R"~(true -9.2233720368547758e+18)~"},
    {R"~(return cjson.decode('1e309'))~", R"~(true inf)~"},
    {R"~(return cjson.decode('0e0'))~", R"~(true 0)~"},
    {R"~(return cjson.decode('1.7976931348623157e308'))~", R"~(true 1.7976931348623157e+308)~"},
    {R"~(return cjson.decode('[1]\0'))~", R"~(true {1=1})~"},
    {R"~(return cjson.decode('"\\u0000abc"'))~", R"~(true "\x00abc")~"},
    {R"~(return cjson.decode('"a\0b"'))~",
     R"~(false "user_script:1: Expected value but found unexpected end of string at character 3")~"},
    {R"~(return cjson.decode('["\\u00e9\\u00E9"]'))~", R"~(true {1="\xc3\xa9\xc3\xa9"})~"},
    {R"~(return cjson.decode('{"a":{"b":{"c":[true,false,null]}}}'))~",
     R"~(true {"a"={"b"={"c"={1=true,2=false,3=userdata}}}})~"},
    {R"~(return cjson.decode('-Infinity'))~", R"~(true -inf)~"},
    {R"~(return cjson.decode('+inf'))~", R"~(true inf)~"},
    {R"~(return cjson.decode('[1,2,3]  \n '))~", R"~(true {1=1,2=2,3=3})~"},
    {R"~(return cjson.decode('{"":1}'))~", R"~(true {""=1})~"},
    {R"~(return cjson.decode('"\\uD834\\uDD1E"'))~", R"~(true "\xf0\x9d\x84\x9e")~"},
    {R"~(return cjson.decode('1e-400'))~", R"~(true 0)~"},
    {R"~(return cjson.decode('00'))~", R"~(true 0)~"},
    {R"~(return cjson.decode('-01'))~", R"~(true -1)~"},
    {R"~(return cjson.decode('1.5e'))~",
     R"~(false "user_script:1: Expected the end but found invalid token at character 4")~"},
    {R"~(return cjson.decode('0X1F'))~", R"~(true 31)~"},
    {R"~(return cjson.decode('[true,'))~",
     R"~(false "user_script:1: Expected value but found T_END at character 7")~"},
    {R"~(return cjson.decode('{"a":'))~",
     R"~(false "user_script:1: Expected value but found T_END at character 6")~"},
    {R"~(return cjson.decode('{"a"'))~",
     R"~(false "user_script:1: Expected colon but found T_END at character 5")~"},
    {R"~(return cjson.decode('{'))~",
     R"~(false "user_script:1: Expected object key string but found T_END at character 2")~"},
    {R"~(return cjson.decode('['))~",
     R"~(false "user_script:1: Expected value but found T_END at character 2")~"},
    {R"~(return cjson.decode('"\\'))~",
     R"~(false "user_script:1: Expected value but found invalid escape code at character 2")~"},
    {R"~(return cjson.decode('nul'))~",
     R"~(false "user_script:1: Expected value but found invalid token at character 1")~"},
    {R"~(return cjson.decode('[1] [2]'))~",
     R"~(false "user_script:1: Expected the end but found T_ARR_BEGIN at character 5")~"},
};

// cjson: nesting limits, configuration functions, the null value
const Probe kCjsonOther[] = {
    {R"~(local t={} local c=t for i=1,999 do c[1]={} c=c[1] end return #cjson.encode(t))~",
     R"~(true 2000)~"},
    {R"~(local t={} local c=t for i=1,1000 do c[1]={} c=c[1] end return #cjson.encode(t))~",
     R"~(false "user_script:1: Cannot serialise, excessive nesting (1001)")~"},
    {R"~(local t={} local c=t for i=1,1001 do c[1]={} c=c[1] end return cjson.encode(t))~",
     R"~(false "user_script:1: Cannot serialise, excessive nesting (1001)")~"},
    {R"~(local t={} t[1]=t return cjson.encode(t))~",
     R"~(false "user_script:1: Cannot serialise, excessive nesting (1001)")~"},
    {R"~(return type(cjson.null), tostring(cjson.null) == tostring(cjson.decode('null')))~",
     R"~(true "userdata" true)~"},
    {R"~(local k={} for n,_ in pairs(cjson) do k[#k+1]=n end table.sort(k) return table.concat(k, ','))~",
     R"~(true "_NAME,_VERSION,decode,decode_invalid_numbers,decode_max_depth,encode,encode_invalid_numbers,encode_keep_buffer,encode_max_depth,encode_number_precision,encode_sparse_array,new,null")~"},
    {R"~(return cjson._NAME, cjson._VERSION)~", R"~(true "cjson" "2.1.0")~"},
    {R"~(return cjson.encode_sparse_array())~", R"~(true false 2 10)~"},
    {R"~(return cjson.encode_max_depth())~", R"~(true 1000)~"},
    {R"~(return cjson.decode_max_depth())~", R"~(true 1000)~"},
    {R"~(return cjson.encode_number_precision())~", R"~(true 14)~"},
    {R"~(return cjson.encode_keep_buffer())~", R"~(true true)~"},
    {R"~(return cjson.encode_invalid_numbers())~", R"~(true false)~"},
    {R"~(return cjson.decode_invalid_numbers())~", R"~(true true)~"},
    {R"~(local a = {cjson.encode_sparse_array(true)} local r = cjson.encode({[1]=1,[5]=5}) cjson.encode_sparse_array(false) return r, unpack(a))~",
     R"~(true "[1,null,null,null,5]" true 2 10)~"},
    {R"~(local a = {cjson.encode_sparse_array(false, 1, 1)} local r = {pcall(cjson.encode, {[1]=1,[3]=3})} cjson.encode_sparse_array(false, 2, 10) return a[1], a[2], a[3], unpack(r))~",
     R"~(true false 1 1 false "Cannot serialise table: excessively sparse array")~"},
    {R"~(local r = {pcall(cjson.encode_sparse_array, 'x')} return unpack(r))~",
     R"~(true false "bad argument #1 to '?' (invalid option 'x')")~"},
    {R"~(local r = {pcall(cjson.encode_sparse_array, true, -1)} return unpack(r))~",
     R"~(true false "bad argument #1 to '?' (expected integer between 0 and 2147483647)")~"},
    {R"~(local a = cjson.encode_number_precision(3) local r = cjson.encode(3.14159) cjson.encode_number_precision(14) return a, r)~",
     R"~(true 3 "3.14")~"},
    {R"~(local r = {pcall(cjson.encode_number_precision, 0)} return unpack(r))~",
     R"~(true false "bad argument #1 to '?' (expected integer between 1 and 14)")~"},
    {R"~(local r = {pcall(cjson.encode_number_precision, 15)} return unpack(r))~",
     R"~(true false "bad argument #1 to '?' (expected integer between 1 and 14)")~"},
    {R"~(local a = cjson.encode_max_depth(2) local r = {pcall(cjson.encode, {{{1}}})} cjson.encode_max_depth(1000) return a, unpack(r))~",
     R"~(true 2 false "Cannot serialise, excessive nesting (3)")~"},
    {R"~(local a = cjson.decode_max_depth(2) local r = {pcall(cjson.decode, '[[[1]]]')} cjson.decode_max_depth(1000) return a, unpack(r))~",
     R"~(true 2 false "Found too many nested data structures (3) at character 3")~"},
    {R"~(local a = cjson.encode_invalid_numbers(true) local r = cjson.encode({1/0, -1/0, 0/0}) cjson.encode_invalid_numbers(false) return a, r)~",
     R"~(true true "[inf,-inf,nan]")~"},
    {R"~(local a = cjson.encode_invalid_numbers('null') local r = cjson.encode({1/0, 0/0}) cjson.encode_invalid_numbers(false) return a, r)~",
     R"~(true "null" "[null,null]")~"},
    {R"~(local a = cjson.decode_invalid_numbers(false) local r = {pcall(cjson.decode, 'NaN')} local r2 = {pcall(cjson.decode, '0x10')} cjson.decode_invalid_numbers(true) return a, r[1], r[2], r2[1], r2[2])~",
     R"~(true false false "Expected value but found invalid token at character 1" false "Expected value but found invalid number at character 1")~"},
    {R"~(return cjson.encode_keep_buffer(false), cjson.encode({1}), cjson.encode_keep_buffer(true))~",
     R"~(true false "[1]" true)~"},
    {R"~(return cjson.new ~= nil)~", R"~(true true)~"},
};

// bit (Debian's lua-bitop)
const Probe kBit[] = {
    {R"~(return bit.tobit(0))~", R"~(true 0)~"},
    {R"~(return bit.tobit(2^31))~", R"~(true -2147483648)~"},
    {R"~(return bit.tobit(2^32))~", R"~(true 0)~"},
    {R"~(return bit.tobit(2^32+5))~", R"~(true 5)~"},
    {R"~(return bit.tobit(-1))~", R"~(true -1)~"},
    {R"~(return bit.tobit(2^52))~", R"~(true 0)~"},
    {R"~(return bit.tobit(2^53+3))~", R"~(true 2)~"},
    {R"~(return bit.tobit(1.5))~", R"~(true 2)~"},
    {R"~(return bit.tobit(2.5))~", R"~(true 2)~"},
    {R"~(return bit.tobit(-1.5))~", R"~(true -2)~"},
    {R"~(return bit.tobit(1e300))~", R"~(true -2013235812)~"},
    {R"~(return bit.tobit(0/0))~", R"~(true 0)~"},
    {R"~(return bit.tobit(1/0))~", R"~(true 0)~"},
    {R"~(return bit.tobit(0xffffffff))~", R"~(true -1)~"},
    {R"~(return bit.tobit('7'))~", R"~(true 7)~"},
    {R"~(return bit.tobit('x'))~",
     R"~(false "user_script:1: bad argument #1 to 'tobit' (number expected, got string)")~"},
    {R"~(return bit.tobit())~",
     R"~(false "user_script:1: bad argument #1 to 'tobit' (number expected, got no value)")~"},
    {R"~(return bit.tohex(1))~", R"~(true "00000001")~"},
    {R"~(return bit.tohex(-1))~", R"~(true "ffffffff")~"},
    {R"~(return bit.tohex(255, 2))~", R"~(true "ff")~"},
    {R"~(return bit.tohex(255, -2))~", R"~(true "FF")~"},
    {R"~(return bit.tohex(0x12345678, 4))~", R"~(true "5678")~"},
    {R"~(return bit.tohex(0x12345678, -4))~", R"~(true "5678")~"},
    {R"~(return bit.tohex(0x12345678, 12))~", R"~(true "12345678")~"},
    {R"~(return bit.tohex(0x12345678, -12))~", R"~(true "12345678")~"},
    {R"~(return bit.tohex(1, 0))~", R"~(true "")~"},
    {R"~(return bit.tohex(2^32+1))~", R"~(true "00000001")~"},
    {R"~(return bit.tohex(-2^31))~", R"~(true "80000000")~"},
    {R"~(return bit.tohex(1, 2^32+3))~", R"~(true "001")~"},
    {R"~(return bit.tohex(0xabcdef, -2^31+1))~", R"~(true "00ABCDEF")~"},
    {R"~(return bit.band(0xff, 0x0f))~", R"~(true 15)~"},
    {R"~(return bit.band(-1, 2^32+7))~", R"~(true 7)~"},
    {R"~(return bit.band(1))~", R"~(true 1)~"},
    {R"~(return bit.band())~",
     R"~(false "user_script:1: bad argument #1 to 'band' (number expected, got no value)")~"},
    {R"~(return bit.band(7, 3, 1))~", R"~(true 1)~"},
    {R"~(return bit.bor(1, 2, 4, 8))~", R"~(true 15)~"},
    {R"~(return bit.bor(-2^31, 1))~", R"~(true -2147483647)~"},
    {R"~(return bit.bxor(5, 3))~", R"~(true 6)~"},
    {R"~(return bit.bxor(-1, 2^33))~", R"~(true -1)~"},
    {R"~(return bit.bnot(0))~", R"~(true -1)~"},
    {R"~(return bit.bnot(-1))~", R"~(true 0)~"},
    {R"~(return bit.bnot(2^32))~", R"~(true -1)~"},
    {R"~(return bit.bnot(2^40+1))~", R"~(true -2)~"},
    {R"~(return bit.lshift(1, 31))~", R"~(true -2147483648)~"},
    {R"~(return bit.lshift(1, 32))~", R"~(true 1)~"},
    {R"~(return bit.lshift(1, 33))~", R"~(true 2)~"},
    {R"~(return bit.lshift(1, -1))~", R"~(true -2147483648)~"},
    {R"~(return bit.lshift(-1, 4))~", R"~(true -16)~"},
    {R"~(return bit.lshift(2^33+1, 1))~", R"~(true 2)~"},
    {R"~(return bit.rshift(-1, 28))~", R"~(true 15)~"},
    {R"~(return bit.rshift(-1, 32))~", R"~(true -1)~"},
    {R"~(return bit.rshift(256, -28))~", R"~(true 16)~"},
    {R"~(return bit.arshift(-256, 4))~", R"~(true -16)~"},
    {R"~(return bit.arshift(-1, 31))~", R"~(true -1)~"},
    {R"~(return bit.arshift(2^31, 1))~", R"~(true -1073741824)~"},
    {R"~(return bit.rol(0x80000001, 1))~", R"~(true 3)~"},
    {R"~(return bit.rol(1, 33))~", R"~(true 2)~"},
    {R"~(return bit.ror(1, 1))~", R"~(true -2147483648)~"},
    {R"~(return bit.ror(0x12345678, 8))~", R"~(true 2014458966)~"},
    {R"~(return bit.ror(1, -1))~", R"~(true 2)~"},
    {R"~(return bit.bswap(0x12345678))~", R"~(true 2018915346)~"},
    {R"~(return bit.bswap(-1))~", R"~(true -1)~"},
    {R"~(return bit.bswap(2^32+0x01020304))~", R"~(true 67305985)~"},
    {R"~(return bit.band('3', 1))~", R"~(true 1)~"},
    {R"~(return bit.band('a', 1))~",
     R"~(false "user_script:1: bad argument #1 to 'band' (number expected, got string)")~"},
    {R"~(return bit.lshift(1))~",
     R"~(false "user_script:1: bad argument #2 to 'lshift' (number expected, got no value)")~"},
    {R"~(return bit.rshift())~",
     R"~(false "user_script:1: bad argument #1 to 'rshift' (number expected, got no value)")~"},
    {R"~(return bit.tobit(2^31-1))~", R"~(true 2147483647)~"},
    {R"~(return bit.tobit(-2^31-1))~", R"~(true 2147483647)~"},
    {R"~(return bit.bxor(2^53, 1))~", R"~(true 1)~"},
    {R"~(return bit.bor(1e20, 0))~", R"~(true 2025163840)~"},
    {R"~(return bit.tohex(-1, -8))~", R"~(true "FFFFFFFF")~"},
    {R"~(return bit.tohex(1, 9))~", R"~(true "00000001")~"},
    {R"~(local k={} for n,_ in pairs(bit) do k[#k+1]=n end table.sort(k) return table.concat(k, ','))~",
     R"~(true "arshift,band,bnot,bor,bswap,bxor,lshift,rol,ror,rshift,tobit,tohex")~"},
    {R"~(return bit.tobit(2^31+0.5))~", R"~(true -2147483648)~"},
    {R"~(return bit.tobit(-0.5))~", R"~(true 0)~"},
    {R"~(return bit.tobit(0.5))~", R"~(true 0)~"},
    {R"~(return bit.tobit(3.5))~", R"~(true 4)~"},
    {R"~(return bit.tobit(-2.5))~", R"~(true -2)~"},
    {R"~(return bit.lshift(1, 2^32+1))~", R"~(true 2)~"},
    {R"~(return bit.rol(1, -1))~", R"~(true -2147483648)~"},
    {R"~(return bit.bswap())~",
     R"~(false "user_script:1: bad argument #1 to 'bswap' (number expected, got no value)")~"},
    {R"~(return bit.tohex())~",
     R"~(false "user_script:1: bad argument #1 to 'tohex' (number expected, got no value)")~"},
    {R"~(return bit.tohex('ff'))~",
     R"~(false "user_script:1: bad argument #1 to 'tohex' (number expected, got string)")~"},
    {R"~(return bit.tohex(255, '2'))~", R"~(true "ff")~"},
    {R"~(return bit.tohex(1, -0.5))~", R"~(true "")~"},
    {R"~(return bit.arshift(0x80000000, 32))~", R"~(true -2147483648)~"},
    {R"~(return bit.bor())~",
     R"~(false "user_script:1: bad argument #1 to 'bor' (number expected, got no value)")~"},
    {R"~(return bit.bxor(1))~", R"~(true 1)~"},
    {R"~(return bit.band(1, 2^52+1, 3))~", R"~(true 0)~"},
    {R"~(return bit.tobit(-2^52))~", R"~(true 0)~"},
    {R"~(return bit.tobit(2^51+0.75))~", R"~(true 0)~"},
};

}  // namespace

TEST_CASE("cmsgpack.pack matches Redis 7.0", "[lua][cmsgpack]") {
  CheckAll(kCmsgpackPack, std::size(kCmsgpackPack));
}

TEST_CASE("cmsgpack.unpack matches Redis 7.0", "[lua][cmsgpack]") {
  CheckAll(kCmsgpackUnpack, std::size(kCmsgpackUnpack));
}

TEST_CASE("cmsgpack.unpack_one and unpack_limit match Redis 7.0", "[lua][cmsgpack]") {
  CheckAll(kCmsgpackUnpackOneLimit, std::size(kCmsgpackUnpackOneLimit));
}

TEST_CASE("struct.pack matches Redis 7.0", "[lua][struct]") {
  CheckAll(kStructPack, std::size(kStructPack));
}

TEST_CASE("struct.unpack matches Redis 7.0", "[lua][struct]") {
  CheckAll(kStructUnpack, std::size(kStructUnpack));
}

TEST_CASE("struct.size and struct round trips match Redis 7.0", "[lua][struct]") {
  CheckAll(kStructOther, std::size(kStructOther));
}

TEST_CASE("Debian's cjson.encode matches Redis 7.0", "[lua][cjson]") {
  CheckAll(kCjsonEncode, std::size(kCjsonEncode));
}

TEST_CASE("Debian's cjson.decode matches Redis 7.0", "[lua][cjson]") {
  CheckAll(kCjsonDecode, std::size(kCjsonDecode));
}

TEST_CASE("Debian's cjson limits and settings match Redis 7.0", "[lua][cjson]") {
  CheckAll(kCjsonOther, std::size(kCjsonOther));
}

TEST_CASE("Debian's bit matches Redis 7.0", "[lua][bit]") { CheckAll(kBit, std::size(kBit)); }

namespace {

// Counts live bytes so a test can see every allocation handed back.
struct CountingAlloc {
  long long live = 0;

  static void* Fn(void* ud, void* ptr, size_t osize, size_t nsize) {
    auto* self = static_cast<CountingAlloc*>(ud);
    if (ptr != nullptr) self->live -= static_cast<long long>(osize);
    if (nsize == 0) {
      std::free(ptr);
      return nullptr;
    }
    void* p = std::realloc(ptr, nsize);
    if (p != nullptr) {
      self->live += static_cast<long long>(nsize);
    } else if (ptr != nullptr) {
      self->live += static_cast<long long>(osize);  // the old block stays
    }
    return p;
  }
};

}  // namespace

TEST_CASE("Open functions leave the table, set the global and return 1", "[lua]") {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  int top = lua_gettop(L);
  REQUIRE(OpenCmsgpack(L) == 1);
  REQUIRE(lua_gettop(L) == top + 1);
  CHECK(lua_istable(L, -1));
  lua_getglobal(L, "cmsgpack");
  CHECK(lua_rawequal(L, -1, -2));
  lua_settop(L, top);

  REQUIRE(OpenStruct(L) == 1);
  REQUIRE(lua_gettop(L) == top + 1);
  CHECK(lua_istable(L, -1));
  lua_getglobal(L, "struct");
  CHECK(lua_rawequal(L, -1, -2));
  lua_settop(L, top);

  const char* check =
      "return package.loaded.struct == struct and type(cmsgpack.pack) == 'function' and "
      "type(struct.size) == 'function'";
  REQUIRE(luaL_dostring(L, check) == 0);
  CHECK(lua_toboolean(L, -1));
  lua_close(L);
}

TEST_CASE("cmsgpack.pack hands its buffer back, also when unpack raises", "[lua][cmsgpack]") {
  CountingAlloc counter;
  lua_State* L = lua_newstate(&CountingAlloc::Fn, &counter);
  REQUIRE(L != nullptr);
  luaL_openlibs(L);
  OpenCmsgpack(L);
  lua_pop(L, 1);
  const char* script =
      "local big = string.rep('x', 100000) "
      "for i = 1, 50 do local s = cmsgpack.pack(big, {big, i}, i) "
      "  assert(#s == 2 * 100005 + 2 + 1) end "
      "local ok, err = pcall(cmsgpack.unpack, '\\147\\1') "
      "assert(not ok and err == 'Missing bytes in input.') "
      "collectgarbage('collect') return collectgarbage('count')";
  REQUIRE(luaL_dostring(L, script) == 0);
  lua_close(L);
  CHECK(counter.live == 0);
}

TEST_CASE("cmsgpack round-trips tables whose key order differs from Redis", "[lua][cmsgpack]") {
  // pairs() order over long string keys differs between Redis's Lua and Debian's (see below),
  // so these compare contents, not bytes.
  LuaState lua;
  CHECK(lua.Run("local k = string.rep('k', 40) local t = {} for i = 1, 20 do t[k .. i] = i end "
                "local u = cmsgpack.unpack(cmsgpack.pack(t)) for i = 1, 20 do "
                "assert(u[k .. i] == i) end return #cmsgpack.pack(t)") == "true 894");
}

// Differences found between Debian's libraries (and Lua) and Redis 7.0.15's, not in the tables:
//
// 1. bit.tohex(x, n) with n == -2^31 (also n = 2^31, which bit's argument conversion makes
//    -2^31): Redis 7.0.15 as Debian ships it carries the CVE-2024-31449 fix and returns 8
//    upper-case digits ("00ABCDEF" for 0xabcdef); Debian's lua-bitop 1.0.2-7 negates INT32_MIN
//    and writes far outside its 8-byte buffer (SIGSEGV in our probe). A script can crash the
//    server with it, so the scripting layer must wrap bit.tohex.
// 2. pairs() order over string keys longer than 32 bytes: Redis's Lua hashes every byte of a
//    string (redis#9449), Debian's Lua 5.1.5 only samples long strings, so cmsgpack.pack and
//    cjson.encode emit such maps' entries in a different order (same entries). That is Lua's
//    core, not these libraries.
// 3. Debian's luaopen_cjson does not set a global `cjson` (Redis's build does, with
//    ENABLE_CJSON_GLOBAL), so the loader sets it, as LuaState above does.
