// The Lua 5.1 runtime of EVAL and FCALL, as Redis 7.0 sets it up (script_lua.c, eval.c): one
// interpreter per thread (lua_State is single-threaded), each with the same libraries, the redis.*
// API, the protected globals and the error handler, and the scripts it has compiled so far.
//
// A run is synchronous: Run() calls the script, whose redis.call goes through the CallHandler the
// server passes in (the command runs right there, on data the caller holds) and returns when the
// script has ended. Lua errors unwind with longjmp (Debian's Lua is a C build), so the C functions
// here hold no C++ object with a destructor at a point where they raise.
//
// Conversions follow Redis 7.0 exactly: RESP replies to Lua values (redisProtocolToLuaType) and the
// script's Lua value to the caller's reply (luaReplyToRedisReply); errors carry source and line
// (the __redis__err__handler) and end up as "-<code> <msg> script: <name>, on @user_script:<n>.".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace shoal::protocol {
class ReplyBuilder;
}

namespace shoal::scripting {

struct FunctionInfo;
struct Library;

// Settings the scripting runtime reads on any thread (written by CONFIG SET).
struct ScriptSettings {
  // busy-reply-threshold (alias lua-time-limit), milliseconds; 0 disables the kill hook.
  static inline std::atomic<int64_t> busy_reply_threshold_ms{5000};
};

// The script running on each thread (a thread runs one at a time): SCRIPT KILL, FUNCTION KILL
// and the BUSY replies read these from any thread.
struct RunningScript {
  std::atomic<bool> running{false};
  std::atomic<bool> timed_out{false};  // past busy-reply-threshold: others get -BUSY
  std::atomic<bool> kill{false};
  std::atomic<bool> wrote{false};  // a write ran: SCRIPT KILL answers -UNKILLABLE
  std::atomic<bool> eval{true};    // EVAL (SCRIPT KILL) or FCALL (FUNCTION KILL)
  std::atomic<int64_t> start_us{0};
  // Published once the run times out (FUNCTION STATS): its name and command.
  std::mutex mu;
  std::string name;
  std::vector<std::string> command;
};

class RunningScripts {
 public:
  // This thread's slot.
  static RunningScript& Mine();
  // A run starts / ends on this thread.
  static void Begin(bool eval);
  static void End();
  // From the kill hook: true when this thread's script must stop (killed, or the server is
  // shutting down); marks it timed out (and logs Redis's line) once past the threshold.
  // `command` gives the run's command when it times out (for FUNCTION STATS).
  static bool CheckInterrupt(std::string_view name,
                             const std::function<std::vector<std::string>()>& command);
  // FUNCTION STATS: the timed-out function's name, command and milliseconds so far; false when no
  // function is timed out. *eval_busy: a timed-out EVAL script runs (STATS then answers BUSY).
  static bool TimedOutFunction(std::string* name, std::vector<std::string>* command,
                               int64_t* duration_ms, bool* eval_busy);
  // Any script past busy-reply-threshold (one relaxed load: the routing hot path asks).
  static bool AnyTimedOut() { return timed_out_.load(std::memory_order_relaxed) > 0; }
  // The BUSY error for the timed-out script's kind.
  static const char* BusyError();
  // SCRIPT KILL (eval=true) / FUNCTION KILL: the error reply, or null when the script was told to
  // stop.
  static const char* Kill(bool eval);
  // SHUTDOWN: every running script stops at its next hook.
  static void KillAllForShutdown() { shutdown_.store(true); }
  // What a thread running a timed-out script does for its other clients from the hook (at most
  // every few milliseconds): the server's Connection::ServeWhileBusy.
  static void SetBusyServer(void (*serve)()) { busy_server_.store(serve); }

 private:
  static inline std::atomic<int> timed_out_{0};
  static inline std::atomic<bool> shutdown_{false};
  static inline std::atomic<void (*)()> busy_server_{nullptr};
};

// What redis.call does during one run; the server implements it
// (server/commands/scripting_family.cc).
class CallHandler {
 public:
  enum class Outcome {
    kReply,    // *out holds the command's RESP reply (in the resp asked for), errors included
    kError,    // the script layer refused the call; *out is "msg" or "-CODE msg" (luaPushErrorBuff)
    kRestart,  // the call needs data this run does not hold: the run stops and is started over
  };
  virtual Outcome Call(const std::vector<std::string_view>& argv, int resp, std::string* out) = 0;
  // From the instruction-count hook (every 100000 instructions while busy-reply-threshold > 0):
  // true when the script was killed (SCRIPT KILL / FUNCTION KILL).
  virtual bool Interrupted() = 0;
  // redis.acl_check_cmd: whether argv names a command (no ACL yet: every command is permitted).
  virtual bool KnowsCommand(const std::vector<std::string_view>& argv) = 0;

 protected:
  ~CallHandler() = default;
};

class Interpreter {
 public:
  enum class RunStatus { kDone, kRestart };

  // The calling thread's interpreter; a fresh one after SCRIPT FLUSH (the store's epoch moved).
  static Interpreter& ForThisThread();

  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Whether f_<sha> is compiled here.
  bool Has(std::string_view sha) const;
  // Compiles body (its shebang line dropped but its newline kept, so line numbers match) as
  // f_<sha>. false with *err = the error reply ("Error compiling script (new function): ...").
  bool Define(std::string_view sha, std::string_view body, size_t shebang_len, std::string* err);

  // Runs f_<sha> with KEYS and ARGV as globals; the reply (or error) goes to rb in rb's protocol.
  // kRestart: a redis.call asked for a restart; nothing was written to rb.
  RunStatus RunEval(std::string_view sha, const std::vector<std::string_view>& keys,
                    const std::vector<std::string_view>& args, CallHandler& handler,
                    protocol::ReplyBuilder& rb);

  // Runs the function (FCALL) with its keys and args as arguments; the libraries are (re)loaded
  // into this thread's function state first when the FunctionStore changed.
  RunStatus RunFunction(const FunctionInfo& fn, const std::vector<std::string_view>& keys,
                        const std::vector<std::string_view>& args, CallHandler& handler,
                        protocol::ReplyBuilder& rb);
  // FUNCTION LOAD / RESTORE: runs the library's code in a scratch function state, collecting the
  // functions it registers into lib->functions. false with *err (the reply's text without "ERR ").
  static bool LoadLibrary(Library* lib, std::string* err);

  // Bytes the Lua heaps hold (INFO used_memory_lua / used_memory_vm_eval,
  // used_memory_vm_functions).
  size_t MemoryBytes() const;
  size_t FunctionMemoryBytes() const;
  // The calling thread's interpreter's two heaps (0 when it has none): eval's, *functions the
  // function state's.
  static size_t ThreadMemory(size_t* functions);
  lua_State* state() { return L_; }

 private:
  Interpreter();
  friend struct InterpreterAccess;
  void BeginRun(lua_State* L, CallHandler& handler);
  RunStatus EndRun(lua_State* L, int err, std::string_view funcname, protocol::ReplyBuilder& rb);
  void EnsureFunctions();
  void NewEvalState();

  lua_State* L_;
  uint64_t epoch_ = 0;
  lua_State* F_ = nullptr;  // functions (FCALL), created at the first one
  uint64_t fn_epoch_ = 0;   // the FunctionStore's epoch F_ was loaded at
  int fn_refs_[4] = {};
  int runs_since_gc_ = 0;
  int handler_ref_ = 0;  // registry refs: __redis__err__handler, the globals behind _G
  int globals_ref_ = 0;
  // The run in progress (redis.call, the hook and math.random read it).
  CallHandler* handler_ = nullptr;
  int resp_ = 2;          // redis.setresp
  bool restart_ = false;  // a call asked for a restart
  bool killed_ = false;   // the hook raised the kill error
  std::vector<std::string_view> argv_;
};

// Redis's redisLrand48 sequence for math.random: one process-wide state, seeded as Redis's at
// start, so a fresh server gives the same numbers as a fresh Redis.
int32_t Lrand48();
void Srand48(int32_t seed);

}  // namespace shoal::scripting
