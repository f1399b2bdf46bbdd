#include "server/scripting/interpreter.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>

#include "protocol/reply_builder.h"
#include "protocol/resp_reader.h"
#include "server/scripting/function_store.h"
#include "server/scripting/lua_libs.h"
#include "server/scripting/script_store.h"
#include "server/scripting/sha1.h"
#include "server/version.h"
#include "spdlog/spdlog.h"

extern "C" {
#include <lauxlib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
}

namespace shoal::scripting {

// The private parts the Lua C functions below reach.
struct InterpreterAccess {
  static CallHandler* handler(Interpreter& in) { return in.handler_; }
  static int& resp(Interpreter& in) { return in.resp_; }
  static bool& restart(Interpreter& in) { return in.restart_; }
  static bool& killed(Interpreter& in) { return in.killed_; }
  static std::vector<std::string_view>& argv(Interpreter& in) { return in.argv_; }
};

namespace {

using A = InterpreterAccess;

constexpr int kRedisVersionNum = 0x0007000f;
// Registry keys.
constexpr char kRealGlobals[] = "shoal_globals";   // the table behind the read-only _G proxy
constexpr char kReadonly[] = "shoal_readonly";     // set of read-only tables (weak keys)
constexpr char kProxyOf[] = "shoal_proxy_of";      // read-only proxy -> its table (weak keys)
constexpr char kRestartError[] = "shoal_restart";  // the error value that stops a run for a restart
constexpr char kReadonlyMsg[] = "Attempt to modify a readonly table";

thread_local Interpreter* tl_interp = nullptr;
thread_local std::unique_ptr<Interpreter> tl_owned;

// ---- math.random: Redis's rand48, one process-wide state ----
// x(n+1) = (0x5DEECE66D * x(n) + 0xB) mod 2^48, output bits 47..17; seeded with 0x1234ABCD330E.
std::atomic<uint64_t> g_rand48{0x1234ABCD330EULL};

}  // namespace

namespace {
constexpr int kMaxThreads = 1024;
RunningScript g_running[kMaxThreads];
std::atomic<int> g_running_slots{0};
thread_local int tl_running_slot = -1;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

RunningScript& RunningScripts::Mine() {
  if (tl_running_slot < 0) tl_running_slot = g_running_slots.fetch_add(1) % kMaxThreads;
  return g_running[tl_running_slot];
}

void RunningScripts::Begin(bool eval) {
  RunningScript& r = Mine();
  r.kill.store(false);
  r.wrote.store(false);
  r.eval.store(eval);
  r.start_us.store(NowUs());
  r.running.store(true);
}

void RunningScripts::End() {
  RunningScript& r = Mine();
  if (r.timed_out.exchange(false)) timed_out_.fetch_sub(1);
  r.running.store(false);
}

bool RunningScripts::CheckInterrupt(std::string_view name,
                                    const std::function<std::vector<std::string>()>& command) {
  RunningScript& r = Mine();
  if (r.kill.load() || shutdown_.load()) return true;
  int64_t elapsed_ms = (NowUs() - r.start_us.load()) / 1000;
  if (!r.timed_out.load() &&
      elapsed_ms >= ScriptSettings::busy_reply_threshold_ms.load(std::memory_order_relaxed)) {
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing the "
        "script using the {} command. Script name is: {}.",
        elapsed_ms, r.eval.load() ? "SCRIPT KILL" : "FUNCTION KILL", name);
    {
      std::lock_guard<std::mutex> lock(r.mu);
      r.name.assign(name);
      r.command = command();
    }
    r.timed_out.store(true);
    timed_out_.fetch_add(1);
  }
  if (r.timed_out.load()) {
    // Serve this thread's other clients (BUSY, SCRIPT KILL...) at most every 5 ms.
    thread_local int64_t last_serve_us = 0;
    int64_t now = NowUs();
    if (now - last_serve_us >= 5000) {
      last_serve_us = now;
      if (auto serve = busy_server_.load()) serve();
    }
    if (r.kill.load() || shutdown_.load()) return true;
  }
  return false;
}

bool RunningScripts::TimedOutFunction(std::string* name, std::vector<std::string>* command,
                                      int64_t* duration_ms, bool* eval_busy) {
  *eval_busy = false;
  int n = std::min(g_running_slots.load(), kMaxThreads);
  for (int i = 0; i < n; ++i) {
    RunningScript& r = g_running[i];
    if (!r.running.load() || !r.timed_out.load()) continue;
    if (r.eval.load()) {
      *eval_busy = true;
      return false;
    }
    std::lock_guard<std::mutex> lock(r.mu);
    *name = r.name;
    *command = r.command;
    *duration_ms = (NowUs() - r.start_us.load()) / 1000;
    return true;
  }
  return false;
}

const char* RunningScripts::BusyError() {
  int n = std::min(g_running_slots.load(), kMaxThreads);
  for (int i = 0; i < n; ++i)
    if (g_running[i].timed_out.load() && !g_running[i].eval.load())
      return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
             "NOSAVE.";
  return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
}

const char* RunningScripts::Kill(bool eval) {
  int n = std::min(g_running_slots.load(), kMaxThreads);
  RunningScript* target = nullptr;
  for (int i = 0; i < n; ++i) {
    RunningScript& r = g_running[i];
    if (!r.running.load()) continue;
    if (target == nullptr || (r.timed_out.load() && !target->timed_out.load())) target = &r;
  }
  if (target == nullptr) return "NOTBUSY No scripts in execution right now.";
  if (target->wrote.load())
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
           "can either wait the script termination or kill the server in a hard way using the "
           "SHUTDOWN NOSAVE command.";
  if (eval && !target->eval.load())
    return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
           "NOSAVE.";
  if (!eval && target->eval.load())
    return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
  target->kill.store(true);
  return nullptr;
}

int32_t Lrand48() {
  uint64_t x = g_rand48.load(std::memory_order_relaxed), next;
  do {
    next = (x * 0x5DEECE66DULL + 0xB) & ((uint64_t{1} << 48) - 1);
  } while (!g_rand48.compare_exchange_weak(x, next, std::memory_order_relaxed));
  return static_cast<int32_t>(next >> 17);
}

void Srand48(int32_t seed) {
  uint32_t s = static_cast<uint32_t>(seed);
  g_rand48.store((uint64_t{s >> 16} << 32) | (uint64_t{s & 0xFFFF} << 16) | 0x330E,
                 std::memory_order_relaxed);
}

namespace {

// ---- errors in Redis's table form ----

// luaPushErrorBuff: "-CODE msg" or "msg" (code ERR) -> {err = "CODE msg"}.
void PushErrorTable(lua_State* L, std::string_view buf) {
  std::string_view code = "ERR", msg = buf;
  if (!buf.empty() && buf[0] == '-') {
    size_t sp = buf.find(' ');
    if (sp == std::string_view::npos) {
      msg = buf.substr(1);
    } else {
      code = buf.substr(1, sp - 1);
      msg = buf.substr(sp + 1);
    }
  }
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  lua_newtable(L);
  lua_pushstring(L, "err");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, code.data(), code.size());
  luaL_addchar(&b, ' ');
  luaL_addlstring(&b, msg.data(), msg.size());
  luaL_pushresult(&b);
  lua_settable(L, -3);
}

void MarkIgnoreStats(lua_State* L) {
  lua_pushstring(L, "ignore_error_stats_update");
  lua_pushboolean(L, 1);
  lua_settable(L, -3);
}

// ---- RESP reply -> Lua value (redisProtocolToLuaType) ----

void PushResp(lua_State* L, const protocol::RespValue& v, int resp) {
  using T = protocol::RespValue::Type;
  luaL_checkstack(L, 5, "lua stack limit reach when parsing redis.call reply");
  switch (v.type) {
    case T::kSimple:
      lua_newtable(L);
      lua_pushstring(L, "ok");
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_settable(L, -3);
      return;
    case T::kError:
    case T::kBlobError: {
      std::string buf = "-" + v.str;
      PushErrorTable(L, buf);
      MarkIgnoreStats(L);
      return;
    }
    case T::kInteger:
      lua_pushnumber(L, static_cast<lua_Number>(v.integer));
      return;
    case T::kBulk:
      lua_pushlstring(L, v.str.data(), v.str.size());
      return;
    case T::kNull:
      // RESP2's null bulk is false; RESP3's null is nil.
      if (resp == 2)
        lua_pushboolean(L, 0);
      else
        lua_pushnil(L);
      return;
    case T::kNullArray:
      lua_pushboolean(L, 0);
      return;
    case T::kArray:
    case T::kPush:
      lua_newtable(L);
      for (size_t j = 0; j < v.elems.size(); ++j) {
        lua_pushnumber(L, static_cast<lua_Number>(j + 1));
        PushResp(L, v.elems[j], resp);
        lua_settable(L, -3);
      }
      return;
    case T::kMap:
      lua_newtable(L);
      lua_pushstring(L, "map");
      lua_newtable(L);
      for (size_t j = 0; j + 1 < v.elems.size(); j += 2) {
        PushResp(L, v.elems[j], resp);
        PushResp(L, v.elems[j + 1], resp);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    case T::kSet:
      lua_newtable(L);
      lua_pushstring(L, "set");
      lua_newtable(L);
      for (const auto& e : v.elems) {
        PushResp(L, e, resp);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return;
    case T::kBool:
      lua_pushboolean(L, v.integer != 0);
      return;
    case T::kDouble:
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, v.dbl);
      lua_settable(L, -3);
      return;
    case T::kBigNumber:
      lua_newtable(L);
      lua_pushstring(L, "big_number");
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_settable(L, -3);
      return;
    case T::kVerbatim:
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "string");
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_settable(L, -3);
      lua_pushstring(L, "format");
      lua_pushlstring(L, v.format.data(), v.format.size());
      lua_settable(L, -3);
      lua_settable(L, -3);
      return;
  }
  lua_pushnil(L);
}

// ---- Lua value -> reply (luaReplyToRedisReply); consumes the value on top ----

// The field `name` of the table on top, raw, pushed; returns its type.
int RawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

// Entries of the table on top (every key, as lua_next sees them).
size_t TableSize(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    ++n;
  }
  return n;
}

std::string MapCrLf(const char* s, size_t n) {
  std::string out(s, n);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

void ReplyFromLua(lua_State* L, protocol::ReplyBuilder& rb, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    rb.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, -1, &n);
      rb.Bulk(std::string_view(s, n));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1))
          rb.Integer(1);
        else
          rb.Null();
      } else {
        rb.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      rb.Integer(static_cast<int64_t>(static_cast<long long>(lua_tonumber(L, -1))));
      break;
    case LUA_TTABLE: {
      if (RawField(L, "err") == LUA_TSTRING) {
        lua_pop(L, 1);
        lua_getfield(L, -1, "err");
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        std::string msg = "-";
        msg.append(s, n);
        rb.Error(msg);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (RawField(L, "ok") == LUA_TSTRING) {
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        (void)n;
        rb.Simple(MapCrLf(s, std::strlen(s)));  // sdsnew: up to the first NUL
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (RawField(L, "double") == LUA_TNUMBER) {
        rb.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (RawField(L, "big_number") == LUA_TSTRING) {
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        rb.BigNumber(MapCrLf(s, n));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (RawField(L, "verbatim_string") == LUA_TTABLE) {
        if (RawField(L, "format") == LUA_TSTRING) {
          size_t flen;
          const char* fmt = lua_tolstring(L, -1, &flen);
          lua_pushstring(L, "string");
          lua_rawget(L, -3);
          if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n;
            const char* s = lua_tolstring(L, -1, &n);
            rb.Verbatim(std::string_view(s, n), std::string_view(fmt, flen < 3 ? flen : 3));
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      if (RawField(L, "map") == LUA_TTABLE) {
        rb.Map(TableSize(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          ReplyFromLua(L, rb, script_resp);  // key
          ReplyFromLua(L, rb, script_resp);  // value
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (RawField(L, "set") == LUA_TTABLE) {
        rb.Set(TableSize(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          ReplyFromLua(L, rb, script_resp);
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      // An array: elements 1..n up to the first nil.
      size_t n = 0;
      for (;;) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++n;
      }
      rb.Array(n);
      for (size_t j = 1; j <= n; ++j) {
        lua_rawgeti(L, -1, static_cast<int>(j));
        ReplyFromLua(L, rb, script_resp);
      }
      break;
    }
    default:
      rb.Null();
  }
  lua_pop(L, 1);
}

// The error on top (after the handler) -> the run's error reply.
void ReplyRunError(lua_State* L, std::string_view funcname, protocol::ReplyBuilder& rb) {
  if (!lua_istable(L, -1)) {
    const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    char buf[256];
    std::snprintf(buf, sizeof(buf), "ERR Error running script %.*s, %.100s\n",
                  static_cast<int>(funcname.size()), funcname.data(), msg);
    rb.Error(buf);
    return;
  }
  std::string out = "-";
  lua_getfield(L, -1, "err");
  if (lua_isstring(L, -1)) {
    size_t n;
    const char* s = lua_tolstring(L, -1, &n);
    out.append(s, n);
  }
  lua_pop(L, 1);
  lua_getfield(L, -1, "source");
  bool has_source = lua_isstring(L, -1);
  std::string source = has_source ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  lua_getfield(L, -1, "line");
  bool has_line = lua_isstring(L, -1);
  std::string line = has_line ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (has_source && has_line) {
    out += " script: ";
    out.append(funcname);
    out += ", on " + source + ":" + line + ".";
  }
  rb.Error(out);
}

// ---- the redis.* API ----

bool IsRestartError(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRestartError);
  bool same = lua_rawequal(L, idx < 0 ? idx - 1 : idx, -1);
  lua_pop(L, 1);
  return same;
}

// Converts the arguments to views (numbers as "%.17g", replaced on the stack so the views stay
// valid); pushes Redis's error table and returns false when one is neither string nor number.
bool ArgsFromStack(lua_State* L, std::vector<std::string_view>* argv) {
  int argc = lua_gettop(L);
  argv->clear();
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return false;
  }
  for (int j = 1; j <= argc; ++j) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      char dbuf[64];
      int n = std::snprintf(dbuf, sizeof(dbuf), "%.17g", static_cast<double>(lua_tonumber(L, j)));
      lua_pushlstring(L, dbuf, static_cast<size_t>(n));
      lua_replace(L, j);
    } else if (lua_type(L, j) != LUA_TSTRING) {
      lua_settop(L, 0);
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return false;
    }
    size_t len;
    const char* s = lua_tolstring(L, j, &len);
    argv->emplace_back(s, len);
  }
  return true;
}

// Runs one call; leaves its result (a value or an error table) alone on the stack. Returns 1 when
// the result is an error a raising call must throw, 2 for a restart, 0 otherwise. No C++ object
// outlives this function, so the caller may raise.
int DoCall(lua_State* L, bool raise) {
  Interpreter* in = tl_interp;
  CallHandler* h = in != nullptr ? A::handler(*in) : nullptr;
  if (h == nullptr) {
    lua_settop(L, 0);
    PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    return 1;
  }
  std::vector<std::string_view>& argv = A::argv(*in);
  if (!ArgsFromStack(L, &argv)) return raise ? 1 : 0;
  int status = 0;
  {
    thread_local std::string reply;
    reply.clear();
    CallHandler::Outcome o = h->Call(argv, A::resp(*in), &reply);
    int argc = static_cast<int>(argv.size());
    argv.clear();
    lua_pop(L, argc);
    if (o == CallHandler::Outcome::kRestart) {
      A::restart(*in) = true;
      lua_getfield(L, LUA_REGISTRYINDEX, kRestartError);
      return 2;
    }
    if (o == CallHandler::Outcome::kError) {
      PushErrorTable(L, reply);
      MarkIgnoreStats(L);
      status = raise ? 1 : 0;
    } else {
      protocol::RespReader reader;
      protocol::RespValue v;
      size_t used = 0;
      if (reader.Read(reply, &v, &used) != protocol::RespReader::Result::kValue) {
        PushErrorTable(L, "ERR internal error: unreadable reply");
        status = raise ? 1 : 0;
      } else {
        PushResp(L, v, A::resp(*in));
        status = raise && !reply.empty() && reply[0] == '-' ? 1 : 0;
      }
    }
  }
  return status;
}

int LuaRedisCall(lua_State* L) {
  if (DoCall(L, true) != 0) return lua_error(L);
  return 1;
}

int LuaRedisPcallCommand(lua_State* L) {
  if (DoCall(L, false) == 2) return lua_error(L);
  return 1;
}

// Lua's pcall as Redis replaces it: an {err=...} error comes back as its message; the restart and
// kill errors are not catchable.
int LuaPcall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    if (IsRestartError(L, -1)) return lua_error(L);
    if (tl_interp != nullptr && A::killed(*tl_interp)) return lua_error(L);
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1))
        lua_replace(L, -2);
      else
        lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int LuaSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "wrong number of arguments");
    return lua_error(L);
  }
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  char digest[40];
  Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0), digest);
  lua_pushlstring(L, digest, 40);
  return 1;
}

int LuaErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  size_t n;
  const char* s = lua_tolstring(L, -1, &n);
  if (n > 0 && s[0] == '-') {
    PushErrorTable(L, std::string_view(s, std::strlen(s)));
  } else {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '-');
    luaL_addstring(&b, s);
    luaL_pushresult(&b);
    size_t m;
    const char* t = lua_tolstring(L, -1, &m);
    PushErrorTable(L, std::string_view(t, m));
  }
  return 1;
}

int LuaStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int LuaLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) {
    PushErrorTable(L, "redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, 1)) {
    PushErrorTable(L, "First argument must be a number (log level).");
    return lua_error(L);
  }
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) {
    PushErrorTable(L, "Invalid debug level.");
    return lua_error(L);
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  bool first = true;
  for (int j = 2; j <= argc; ++j) {
    size_t len;
    lua_pushvalue(L, j);  // lua_tolstring may convert in place: work on a copy
    const char* s = lua_tolstring(L, -1, &len);
    if (s == nullptr) {
      lua_pop(L, 1);
      continue;
    }
    lua_pop(L, 1);
    if (!first) luaL_addchar(&b, ' ');
    luaL_addlstring(&b, s, len);
    first = false;
  }
  luaL_pushresult(&b);
  size_t len;
  const char* msg = lua_tolstring(L, -1, &len);
  constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::debug,
                                                   spdlog::level::info, spdlog::level::warn};
  spdlog::log(kLevels[level], "{}", std::string_view(msg, len));
  lua_pop(L, 1);
  return 0;
}

// False, with Redis's error table pushed, outside a run ("<what> can only be called inside a
// script invocation"); the caller raises it.
bool InRun(lua_State* L, const char* what) {
  if (tl_interp != nullptr && A::handler(*tl_interp) != nullptr) return true;
  lua_pushfstring(L, "%s can only be called inside a script invocation", what);
  size_t n;
  const char* msg = lua_tolstring(L, -1, &n);
  PushErrorTable(L, std::string_view(msg, n));
  lua_remove(L, -2);
  return false;
}

int LuaSetResp(lua_State* L) {
  if (!InRun(L, "redis.setresp")) return lua_error(L);
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "redis.setresp() requires one argument.");
    return lua_error(L);
  }
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) {
    PushErrorTable(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  A::resp(*tl_interp) = resp;
  return 0;
}

int LuaSetRepl(lua_State* L) {
  if (!InRun(L, "redis.set_repl")) return lua_error(L);
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) {
    PushErrorTable(L,
                   "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  // Accepted as in Redis 7.0; there is no replication or AOF to direct yet.
  return 0;
}

// redis.acl_check_cmd(cmd, args...): true when the caller may run it. There are no ACL users yet,
// so every existing command is permitted.
int LuaAclCheckCmd(lua_State* L) {
  if (!InRun(L, "redis.acl_check_cmd")) return lua_error(L);
  CallHandler* h = A::handler(*tl_interp);
  int status = 0;
  {
    std::vector<std::string_view> argv;
    if (!ArgsFromStack(L, &argv)) {
      status = 1;
    } else if (!h->KnowsCommand(argv)) {
      lua_settop(L, 0);
      PushErrorTable(L, "Invalid command passed to redis.acl_check_cmd()");
      status = 1;
    }
  }
  if (status != 0) return lua_error(L);
  lua_settop(L, 0);
  lua_pushboolean(L, 1);
  return 1;
}

int LuaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int LuaBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugger session
  return 1;
}

int LuaDebug(lua_State*) { return 0; }

int LuaMathRandom(lua_State* L) {
  if (tl_interp == nullptr || A::handler(*tl_interp) == nullptr)
    return luaL_error(L, "math.random can only be called inside a script invocation");
  lua_Number r =
      static_cast<lua_Number>(Lrand48() % INT32_MAX) / static_cast<lua_Number>(INT32_MAX);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int LuaMathRandomseed(lua_State* L) {
  if (tl_interp == nullptr || A::handler(*tl_interp) == nullptr)
    return luaL_error(L, "math.randomseed can only be called inside a script invocation");
  Srand48(luaL_checkint(L, 1));
  return 0;
}

// ---- read-only globals and libraries (Redis patches Lua for this; we use proxies) ----

int LuaNonexistentGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

int LuaReadonlyNewindex(lua_State* L) { return luaL_error(L, "%s", kReadonlyMsg); }

bool IsReadonly(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonly);
  lua_pushvalue(L, idx < 0 ? idx - 1 : idx);
  lua_rawget(L, -2);
  bool ro = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return ro;
}

int LuaRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsReadonly(L, 1)) {
    lua_pushstring(L, kReadonlyMsg);
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int LuaSetmetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (IsReadonly(L, 1)) {
    lua_pushstring(L, kReadonlyMsg);
    return lua_error(L);
  }
  if (luaL_getmetafield(L, 1, "__metatable"))
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

void MarkReadonly(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonly);
  lua_pushvalue(L, idx < 0 ? idx - 1 : idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

// next / pairs see through a read-only proxy to its table (pairs(redis) lists the API).
int LuaNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyOf);
  lua_pushvalue(L, 1);
  lua_rawget(L, -2);
  if (lua_istable(L, -1))
    lua_replace(L, 1);
  else
    lua_pop(L, 1);
  lua_pop(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int LuaPairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushcfunction(L, LuaNext);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// Replaces the table on top with a read-only proxy of it (reads go through, writes raise).
void PushReadonlyProxy(lua_State* L) {
  int real = lua_gettop(L);
  MarkReadonly(L, real);
  lua_newtable(L);  // proxy
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyOf);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, LuaReadonlyNewindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkReadonly(L, -1);
  lua_replace(L, real);
}

void SetField(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

// Opens a library and makes sure its table is the global `name` (Debian's luaopen_cjson returns
// its table without setting the global, as Redis's build does).
void LoadLib(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != 0 && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// bit.tohex(x, n) with n = -2^31 overflows Debian's lua-bitop 1.0.2 buffer (CVE-2024-31449, fixed
// in Redis's copy): clamp n as Redis's fixed version does before calling the original.
int LuaBitTohex(lua_State* L) {
  if (lua_gettop(L) >= 2 && lua_isnumber(L, 2)) {
    lua_Number n = lua_tonumber(L, 2);
    int32_t i = static_cast<int32_t>(static_cast<int64_t>(n));
    if (i == INT32_MIN) {
      lua_pushnumber(L, -INT32_MAX);
      lua_replace(L, 2);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// redis.log, its levels and the version (luaRegisterLogFunction, luaRegisterVersion) into the table
// on top: the scripts' API and the library-load API share them.
void SetLogAndVersion(lua_State* L) {
  SetField(L, "log", LuaLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
}

// Reading a missing field of the table at idx raises "Script attempted to access nonexistent
// global variable" (luaSetErrorMetatable).
void SetErrorMetatable(lua_State* L, int idx) {
  int t = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  lua_newtable(L);
  lua_pushcfunction(L, LuaNonexistentGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, t);
}

// The error handler's registry reference (each state defines it in Setup).
int ErrorHandlerRef(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_getfield(L, -1, "__redis__err__handler");
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  return ref;
}

// The error handler Redis installs (eval.c): adds the script's source and line to the error and
// turns a plain message into {err = "ERR <msg>"}; `debug` is gone once it is defined.
constexpr char kErrHandler[] =
    "local dbg = debug\n"
    "debug = nil\n"
    "function __redis__err__handler(err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}\n"
    "  end\n"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end\n"
    "  return err\n"
    "end\n";

// Globals a script sees (Redis's allow lists); anything else the libraries define is dropped.
constexpr const char* kAllowedGlobals[] = {"string",
                                           "cjson",
                                           "bit",
                                           "cmsgpack",
                                           "math",
                                           "table",
                                           "struct",
                                           "redis",
                                           "__redis__err__handler",
                                           "xpcall",
                                           "tostring",
                                           "setmetatable",
                                           "next",
                                           "assert",
                                           "tonumber",
                                           "rawequal",
                                           "collectgarbage",
                                           "getmetatable",
                                           "rawset",
                                           "pcall",
                                           "coroutine",
                                           "type",
                                           "_G",
                                           "select",
                                           "unpack",
                                           "gcinfo",
                                           "pairs",
                                           "rawget",
                                           "loadstring",
                                           "ipairs",
                                           "_VERSION",
                                           "load",
                                           "error"};

void KillHook(lua_State* L, lua_Debug*) {
  Interpreter* in = tl_interp;
  if (in == nullptr || A::handler(*in) == nullptr) return;
  if (!A::killed(*in) && !A::handler(*in)->Interrupted()) return;
  if (!A::killed(*in)) {
    spdlog::warn("Lua script killed by user with SCRIPT KILL.");
    A::killed(*in) = true;
    // Raise on every line from now on, so a pcall cannot swallow the kill.
    lua_sethook(L, KillHook, LUA_MASKLINE, 0);
  }
  PushErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

void Setup(lua_State* L) {
  LoadLib(L, "", luaopen_base);
  LoadLib(L, LUA_TABLIBNAME, luaopen_table);
  LoadLib(L, LUA_STRLIBNAME, luaopen_string);
  LoadLib(L, LUA_MATHLIBNAME, luaopen_math);
  LoadLib(L, LUA_DBLIBNAME, luaopen_debug);
  LoadLib(L, "cjson", luaopen_cjson);
  LoadLib(L, "struct", OpenStruct);
  LoadLib(L, "cmsgpack", OpenCmsgpack);
  LoadLib(L, "bit", luaopen_bit);

  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kReadonly);
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxyOf);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRestartError);

  lua_pushcfunction(L, LuaPcall);
  lua_setglobal(L, "pcall");
  lua_pushcfunction(L, LuaRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, LuaSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, LuaNext);
  lua_setglobal(L, "next");
  lua_pushcfunction(L, LuaPairs);
  lua_setglobal(L, "pairs");

  lua_newtable(L);
  SetField(L, "call", LuaRedisCall);
  SetField(L, "pcall", LuaRedisPcallCommand);
  SetLogAndVersion(L);
  SetField(L, "setresp", LuaSetResp);
  SetField(L, "sha1hex", LuaSha1hex);
  SetField(L, "error_reply", LuaErrorReply);
  SetField(L, "status_reply", LuaStatusReply);
  SetField(L, "set_repl", LuaSetRepl);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  SetField(L, "breakpoint", LuaBreakpoint);
  SetField(L, "debug", LuaDebug);
  SetField(L, "replicate_commands", LuaReplicateCommands);
  SetField(L, "acl_check_cmd", LuaAclCheckCmd);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "bit");
  lua_getfield(L, -1, "tohex");
  lua_pushcclosure(L, LuaBitTohex, 1);
  lua_setfield(L, -2, "tohex");
  lua_pop(L, 1);

  lua_getglobal(L, "math");
  SetField(L, "random", LuaMathRandom);
  SetField(L, "randomseed", LuaMathRandomseed);
  lua_pop(L, 1);

  luaL_loadbuffer(L, kErrHandler, sizeof(kErrHandler) - 1, "@err_handler_def");
  lua_pcall(L, 0, 0, 0);

  // Keep only the allowed globals.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  int g = lua_gettop(L);
  std::vector<std::string> drop;
  lua_pushnil(L);
  while (lua_next(L, g)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    const char* k = lua_tostring(L, -1);
    bool ok = false;
    for (const char* a : kAllowedGlobals) ok |= std::strcmp(a, k) == 0;
    if (!ok) drop.emplace_back(k);
  }
  for (const auto& k : drop) {
    lua_pushnil(L);
    lua_setfield(L, g, k.c_str());
  }

  // Library tables become read-only proxies.
  for (const char* lib :
       {"string", "cjson", "bit", "cmsgpack", "math", "table", "struct", "redis", "coroutine"}) {
    lua_getfield(L, g, lib);
    if (lua_istable(L, -1)) {
      PushReadonlyProxy(L);
      lua_setfield(L, g, lib);
    } else {
      lua_pop(L, 1);
    }
  }
  // Reading an undefined global raises; the globals themselves sit behind a read-only proxy.
  SetErrorMetatable(L, g);
  lua_pushvalue(L, g);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_pushvalue(L, g);
  PushReadonlyProxy(L);  // stack: g, proxy
  lua_pushvalue(L, -1);
  lua_setfield(L, g, "_G");  // rawset: g has no __newindex
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

void SetGlobalArray(lua_State* L, int globals_ref, const char* name,
                    const std::vector<std::string_view>& items) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, globals_ref);
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t j = 0; j < items.size(); ++j) {
    lua_pushlstring(L, items[j].data(), items[j].size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

}  // namespace

Interpreter::Interpreter() { NewEvalState(); }

void Interpreter::NewEvalState() {
  L_ = luaL_newstate();
  Setup(L_);
  handler_ref_ = ErrorHandlerRef(L_);
  lua_getfield(L_, LUA_REGISTRYINDEX, kRealGlobals);
  globals_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
}

Interpreter::~Interpreter() {
  lua_close(L_);
  if (F_ != nullptr) lua_close(F_);
}

Interpreter& Interpreter::ForThisThread() {
  uint64_t epoch = ScriptStore::Get().epoch();
  if (tl_owned == nullptr) {
    tl_owned.reset(new Interpreter());
    tl_interp = tl_owned.get();
  } else if (tl_owned->epoch_ != epoch) {
    // SCRIPT FLUSH: a fresh eval state; the function state (and its libraries' locals) stays.
    lua_close(tl_owned->L_);
    tl_owned->NewEvalState();
    tl_owned->runs_since_gc_ = 0;
  }
  tl_owned->epoch_ = epoch;
  return *tl_owned;
}

bool Interpreter::Has(std::string_view sha) const {
  char name[43] = "f_";
  std::memcpy(name + 2, sha.data(), 40);
  name[42] = 0;
  lua_getfield(L_, LUA_REGISTRYINDEX, name);
  bool has = !lua_isnil(L_, -1);
  lua_pop(L_, 1);
  return has;
}

bool Interpreter::Define(std::string_view sha, std::string_view body, size_t shebang_len,
                         std::string* err) {
  char name[43] = "f_";
  std::memcpy(name + 2, sha.data(), 40);
  name[42] = 0;
  if (luaL_loadbuffer(L_, body.data() + shebang_len, body.size() - shebang_len, "@user_script")) {
    *err = "Error compiling script (new function): ";
    *err += lua_tostring(L_, -1);
    lua_pop(L_, 1);
    return false;
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, name);
  return true;
}

void Interpreter::BeginRun(lua_State* L, CallHandler& handler) {
  handler_ = &handler;
  resp_ = 2;
  restart_ = false;
  killed_ = false;
  if (ScriptSettings::busy_reply_threshold_ms.load(std::memory_order_relaxed) > 0)
    lua_sethook(L, KillHook, LUA_MASKCOUNT, 100000);
}

Interpreter::RunStatus Interpreter::EndRun(lua_State* L, int err, std::string_view funcname,
                                           protocol::ReplyBuilder& rb) {
  if (++runs_since_gc_ == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    runs_since_gc_ = 0;
  }
  RunStatus status = RunStatus::kDone;
  if (restart_) {
    status = RunStatus::kRestart;
  } else if (err) {
    ReplyRunError(L, funcname, rb);
  } else {
    ReplyFromLua(L, rb, resp_);
  }
  lua_settop(L, 0);
  lua_sethook(L, nullptr, 0, 0);
  handler_ = nullptr;
  return status;
}

Interpreter::RunStatus Interpreter::RunEval(std::string_view sha,
                                            const std::vector<std::string_view>& keys,
                                            const std::vector<std::string_view>& args,
                                            CallHandler& handler, protocol::ReplyBuilder& rb) {
  lua_State* L = L_;
  BeginRun(L, handler);
  lua_rawgeti(L, LUA_REGISTRYINDEX, handler_ref_);
  char name[43] = "f_";
  std::memcpy(name + 2, sha.data(), 40);
  name[42] = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, name);
  SetGlobalArray(L, globals_ref_, "KEYS", keys);
  SetGlobalArray(L, globals_ref_, "ARGV", args);
  int err = lua_pcall(L, 0, 1, -2);
  return EndRun(L, err, sha, rb);
}

// ---- functions (function_lua.c) ----

namespace {

constexpr char kFunctions[] = "shoal_functions";  // registry: lower-case name -> callback

// The library being loaded (redis.register_function reads it).
struct LoadCtx {
  std::deque<FunctionInfo>* out;
  bool commit;  // keep the callbacks (this thread's runtime state) or only collect (validation)
  std::chrono::steady_clock::time_point start;
};
thread_local LoadCtx* tl_load = nullptr;
constexpr int kLoadTimeoutMs = 500;  // LOAD_TIMEOUT_MS

std::string LowerCopy(const char* s, size_t n) {
  std::string out(s, n);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads redis.register_function's arguments; pushes the error table and returns false on error.
// On success the callback is on top of the stack.
bool ReadRegisterArgs(lua_State* L, int argc, std::string* name, std::optional<std::string>* desc,
                      uint32_t* flags) {
  const char* err = nullptr;
  *flags = 0;
  if (argc < 1 || argc > 2) {
    err = "wrong number of arguments to redis.register_function";
  } else if (argc == 2) {
    if (!lua_isstring(L, 1)) {
      err = "first argument to redis.register_function must be a string";
    } else if (!lua_isfunction(L, 2)) {
      err = "second argument to redis.register_function must be a function";
    } else {
      size_t n;
      const char* s = lua_tolstring(L, 1, &n);
      name->assign(s, n);
      lua_pushvalue(L, 2);
      return true;
    }
  } else if (!lua_istable(L, 1)) {
    err =
        "calling redis.register_function with a single argument is only applicable to Lua "
        "table (representing named arguments).";
  } else {
    bool have_name = false, have_cb = false;
    int cb_index = 0;
    lua_pushnil(L);
    while (err == nullptr && lua_next(L, 1)) {
      // Stack: table, key, value.
      if (!lua_isstring(L, -2)) {
        err = "named argument key given to redis.register_function is not a string";
        break;
      }
      std::string key = LowerCopy(lua_tostring(L, -2), std::strlen(lua_tostring(L, -2)));
      if (key == "function_name") {
        if (!lua_isstring(L, -1)) {
          err = "function_name argument given to redis.register_function must be a string";
          break;
        }
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        name->assign(s, n);
        have_name = true;
      } else if (key == "description") {
        if (!lua_isstring(L, -1)) {
          err = "description argument given to redis.register_function must be a string";
          break;
        }
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        *desc = std::string(s, n);
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) {
          err = "callback argument given to redis.register_function must be a function";
          break;
        }
        have_cb = true;
        lua_pushvalue(L, -1);
        lua_replace(L, 2 + cb_index);  // keep it at a fixed slot below the iteration
      } else if (key == "flags") {
        if (!lua_istable(L, -1)) {
          err =
              "flags argument to redis.register_function must be a table representing function "
              "flags";
          break;
        }
        for (int j = 1;; ++j) {
          lua_rawgeti(L, -1, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          uint32_t bit = 0;
          if (lua_isstring(L, -1)) {
            std::string flag = LowerCopy(lua_tostring(L, -1), std::strlen(lua_tostring(L, -1)));
            bit = ScriptFlagByName(flag);
          }
          lua_pop(L, 1);
          if (bit == 0) {
            err = "unknown flag given";
            break;
          }
          *flags |= bit;
        }
        if (err != nullptr) break;
      } else {
        err = "unknown argument given to redis.register_function";
        break;
      }
      lua_pop(L, 1);
    }
    if (err == nullptr && !have_name)
      err = "redis.register_function must get a function name argument";
    if (err == nullptr && !have_cb) err = "redis.register_function must get a callback argument";
    if (err == nullptr) {
      lua_pushvalue(L, 2 + cb_index);
      return true;
    }
  }
  lua_settop(L, 0);
  PushErrorTable(L, err);
  return false;
}

int LuaRegisterFunction(lua_State* L) {
  if (tl_load == nullptr) {
    PushErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return lua_error(L);
  }
  // Slot 2 holds the callback of the named form: make sure it exists.
  int argc = lua_gettop(L);
  if (argc == 1) lua_pushnil(L);
  int status = 0;
  {
    std::string name;
    std::optional<std::string> desc;
    uint32_t flags;
    if (!ReadRegisterArgs(L, argc, &name, &desc, &flags)) {
      status = 1;
    } else if (!ValidFunctionName(name)) {
      lua_settop(L, 0);
      PushErrorTable(L,
                     "Library names can only contain letters, numbers, or underscores(_) and "
                     "must be at least one character long");
      status = 1;
    } else {
      bool dup = false;
      for (const FunctionInfo& f : *tl_load->out) dup |= f.name == name;
      if (dup) {
        lua_settop(L, 0);
        PushErrorTable(L, "Function already exists in the library");
        status = 1;
      } else {
        FunctionInfo& f = tl_load->out->emplace_back();
        f.name = name;
        f.description = std::move(desc);
        f.flags = flags;
        if (tl_load->commit) {
          lua_getfield(L, LUA_REGISTRYINDEX, kFunctions);
          std::string key = LowerCopy(name.data(), name.size());
          lua_pushlstring(L, key.data(), key.size());
          lua_pushvalue(L, -3);  // the callback
          lua_rawset(L, -3);
        }
        lua_settop(L, 0);
      }
    }
  }
  if (status != 0) return lua_error(L);
  return 0;
}

void LoadHook(lua_State* L, lua_Debug*) {
  if (tl_load == nullptr) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  tl_load->start)
                .count();
  if (ms > kLoadTimeoutMs) {
    lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
    PushErrorTable(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
}

// A Lua state for functions (luaEngineInitEngine): the scripting setup, then new globals whose
// metatable's __index is the library-load API while a library loads and the full API otherwise.
// Refs (registry): [0] the error handler, [1] that metatable, [2] the load API, [3] the full API.
lua_State* NewFunctionState(int refs[4]) {
  lua_State* L = luaL_newstate();
  Setup(L);
  refs[0] = ErrorHandlerRef(L);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kFunctions);

  // The load API: redis.register_function, redis.log and the version, nothing else.
  lua_newtable(L);  // api globals
  lua_newtable(L);  // api redis
  SetField(L, "register_function", LuaRegisterFunction);
  SetLogAndVersion(L);
  SetErrorMetatable(L, -1);
  PushReadonlyProxy(L);
  lua_setfield(L, -2, "redis");
  SetErrorMetatable(L, -1);
  int api = lua_gettop(L);

  lua_pushvalue(L, LUA_GLOBALSINDEX);  // the full API (the read-only proxy)
  int full = lua_gettop(L);
  lua_newtable(L);  // new globals
  lua_newtable(L);  // their metatable
  lua_pushvalue(L, full);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, LuaReadonlyNewindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pushvalue(L, -1);
  refs[1] = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_setmetatable(L, -2);
  MarkReadonly(L, -1);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, api);
  refs[2] = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, full);
  refs[3] = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, 0);
  return L;
}

void SetIndex(lua_State* L, const int refs[4], int which) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs[1]);
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs[which]);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

// Runs a library's code in load mode (luaEngineCreate): its functions go to *out (and, with
// commit, their callbacks to the registry). false with *err (the reply's text without "ERR ").
bool RunLibraryCode(lua_State* L, const int refs[4], const Library& lib,
                    std::deque<FunctionInfo>* out, bool commit, std::string* err) {
  bool ok = false;
  SetIndex(L, refs, 2);
  std::string_view body = std::string_view(lib.code).substr(lib.shebang_len);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function")) {
    *err = "Error compiling function: ";
    *err += lua_tostring(L, -1);
  } else {
    LoadCtx ctx{out, commit, std::chrono::steady_clock::now()};
    tl_load = &ctx;
    lua_sethook(L, LoadHook, LUA_MASKCOUNT, 100000);
    if (lua_pcall(L, 0, 0, 0)) {
      std::string msg;
      if (lua_isstring(L, -1)) {
        msg = "ERR ";
        msg += lua_tostring(L, -1);
      } else if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
        lua_pop(L, 1);
      }
      *err = "Error registering functions: " + msg;
    } else {
      ok = true;
    }
    lua_sethook(L, nullptr, 0, 0);
    tl_load = nullptr;
  }
  lua_settop(L, 0);
  SetIndex(L, refs, 3);
  return ok;
}

}  // namespace

bool Interpreter::LoadLibrary(Library* lib, std::string* err) {
  int refs[4];
  lua_State* L = NewFunctionState(refs);
  bool ok = RunLibraryCode(L, refs, *lib, &lib->functions, /*commit=*/false, err);
  lua_close(L);
  if (ok && lib->functions.empty()) {
    *err = "No functions registered";
    ok = false;
  }
  return ok;
}

void Interpreter::EnsureFunctions() {
  FunctionStore& store = FunctionStore::Get();
  uint64_t epoch = store.epoch();
  if (F_ != nullptr && fn_epoch_ == epoch) return;
  if (F_ != nullptr) lua_close(F_);
  F_ = NewFunctionState(fn_refs_);
  fn_epoch_ = epoch;
  for (const auto& lib : store.All()) {
    std::deque<FunctionInfo> scratch;
    std::string err;
    if (!RunLibraryCode(F_, fn_refs_, *lib, &scratch, /*commit=*/true, &err))
      spdlog::warn("function library {} failed to load on this thread: {}", lib->name, err);
  }
}

Interpreter::RunStatus Interpreter::RunFunction(const FunctionInfo& fn,
                                                const std::vector<std::string_view>& keys,
                                                const std::vector<std::string_view>& args,
                                                CallHandler& handler, protocol::ReplyBuilder& rb) {
  EnsureFunctions();
  lua_State* L = F_;
  BeginRun(L, handler);
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn_refs_[0]);
  lua_getfield(L, LUA_REGISTRYINDEX, kFunctions);
  std::string key = LowerCopy(fn.name.data(), fn.name.size());
  lua_pushlstring(L, key.data(), key.size());
  lua_rawget(L, -2);
  lua_remove(L, -2);
  auto push_array = [L](const std::vector<std::string_view>& items) {
    lua_createtable(L, static_cast<int>(items.size()), 0);
    for (size_t j = 0; j < items.size(); ++j) {
      lua_pushlstring(L, items[j].data(), items[j].size());
      lua_rawseti(L, -2, static_cast<int>(j + 1));
    }
  };
  push_array(keys);
  push_array(args);
  int err = lua_pcall(L, 2, 1, -4);
  return EndRun(L, err, fn.name, rb);
}

size_t Interpreter::MemoryBytes() const {
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024;
}

size_t Interpreter::ThreadMemory(size_t* functions) {
  *functions = tl_owned != nullptr ? tl_owned->FunctionMemoryBytes() : 0;
  return tl_owned != nullptr ? tl_owned->MemoryBytes() : 0;
}

size_t Interpreter::FunctionMemoryBytes() const {
  return F_ != nullptr ? static_cast<size_t>(lua_gc(F_, LUA_GCCOUNT, 0)) * 1024 : 0;
}

}  // namespace shoal::scripting
