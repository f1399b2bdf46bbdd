// The server's RDB persistence: save jobs (SAVE, BGSAVE, the save rules, SHUTDOWN, DEBUG RELOAD),
// loading at start, the -LOADING and -MISCONF gates, the persistence configs (save, dir,
// dbfilename, ...) and INFO's Persistence section. docs/ARCHITECTURE.md, "Persistence", has the
// design; the format and the per-shard serializer are in persistence/.
//
// One save job at a time in the process (Redis: one child). A job:
//  1. opens the temp file `temp-<pid>.rdb` and one unlinked section file per shard in `dir`;
//  2. cuts: an armed transaction over every shard (every shard parked at once: one instant of
//     the whole dataset, multi-shard commands and EXECs wholly before or after it), whose one hop
//     starts each shard's rdb::SliceSnapshot;
//  3. each shard serializes its partition as of the cut while it keeps serving (background), or
//     at once in the hop while parked (stop-the-world: shutdown, DEBUG RELOAD);
//  4. a finishing thread assembles header + sections + EOF + CRC into the temp file, fsyncs,
//     renames it to `dbfilename` and fsyncs the directory; a crash at any point leaves the old
//     dump.rdb whole.
//
// Threading: Start* run on a shard thread (a command's or the cron's); callbacks come back on
// the thread named. Status getters are atomics, any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace shoal {
class CommandContext;
class Transaction;
class Shard;
}  // namespace shoal

namespace shoal::persistence {

enum class SaveMode {
  kBackground,    // BGSAVE and the save rules: the shards keep serving
  kForeground,    // SAVE: the same, the caller is told when the file is on disk
  kStopTheWorld,  // shutdown, DEBUG RELOAD: serialized in the cut's hop; shards stay parked
};

// `cut` runs on the calling shard thread once every shard passed the cut (the job is then
// running; a failure to start, e.g. another job, comes as an error instead). `done` runs on the
// calling shard thread when the file is complete or failed. kStopTheWorld: `tx` is the armed
// transaction holding every shard (not concluded): the caller goes on with it.
using CutFn = std::function<void(absl::Status)>;
using DoneFn = std::function<void(absl::Status, std::shared_ptr<Transaction> tx)>;
// An AOF base (server/aof.h) instead of dbfilename: the same job, written to `path` (renamed there
// from `temp-<name>` in the same directory) with the aof-base AUX field; `at_cut` runs on the
// coordinator while every shard is still parked (the journal's rotation). It leaves the RDB
// bookkeeping (LASTSAVE, rdb_* fields, save rules) alone.
struct AofBase {
  std::string path;
  std::function<void()> at_cut;
  bool resp = false;  // commands, not an RDB (aof-use-rdb-preamble no)
};
void StartSave(SaveMode mode, CutFn cut, DoneFn done, std::shared_ptr<AofBase> aof = nullptr);
bool SaveInProgress();
// The running job is an AOF rewrite (BGSAVE answers as Redis does with an AOF child).
bool AofRewriteRunning();

// BGSAVE inside MULTI/EXEC or BGSAVE SCHEDULE while busy: the cron starts one when it can.
void ScheduleBgsave();

// SHUTDOWN / SIGTERM: a stop-the-world save on the shards (from any thread), blocking the caller
// until the file is written; the shards stay parked (the process is about to stop them).
absl::Status SaveForShutdown();
// Save rules are configured (SIGTERM saves then).
bool HasSaveRules();

// ---- Loading ----
// Startup: loads dir/dbfilename if it exists, on the shards (already running), while clients get
// -LOADING. Returns at once; `done(status)` runs on the loader thread (startup exits on error).
void StartLoading(std::function<void(absl::Status)> done);
bool Loading();
// For the AOF loader (loader thread): loads one RDB file (an AOF base, or an old AOF's RDB
// preamble) into the shards; *rdb_bytes: where the RDB part ends.
absl::Status LoadRdbFile(const std::string& path, size_t* rdb_bytes);
// Loading progress for INFO (bytes of all the files to load, bytes done).
void SetLoadingProgress(uint64_t total, uint64_t loaded);
// Before the shards are destroyed: stops a load still running and waits for the loading and
// save-finishing threads.
void Stop();
// DEBUG RELOAD: saves (stop-the-world), empties the dataset and loads the file back, all while
// every shard is held. Replies on ctx.
void DebugReload(CommandContext& ctx, bool save);

// ---- Gates for commands ----
// True while either gate below may refuse something (one relaxed load: the per-command check).
bool Gated();
// Recomputes Gated() (after a save, a load, or a change of the configs it depends on).
void UpdateGate();
// -MISCONF while stop-writes-on-bgsave-error is on, save rules exist and the last background
// save failed (Redis refuses write commands and PING then); nullptr when writes are allowed.
const char* WriteRefusal();
// -LOADING while the dataset loads (commands without the loading flag); nullptr otherwise.
const char* LoadingRefusal();
// Stops a running background save (its temp file is removed), as Redis kills its child; returns
// once no save runs. Any thread but a shard's. An AOF rewrite is stopped too only when
// `include_aof` (shutdown; FLUSHALL leaves it alone, as Redis).
void CancelSave(bool include_aof = true);
// The same from a shard thread (RDB saves only): `then` runs on it once no RDB save runs.
void CancelSaveAsync(std::function<void()> then);
// Keeps a stop-the-world save's transaction (and so every shard held) until the process exits.
void HoldUntilExit(std::shared_ptr<Transaction> tx);

// ---- Cron (shard 0) and INFO ----
void StartCron(Shard* shard);
void AppendInfo(std::string& s);
int64_t LastSaveTime();

// ---- Configs (server/config.cc rows call these) ----
std::string GetSave();
std::string CheckSave(std::string_view v);  // "" or the error
void ApplySave(std::string_view v, bool startup);
std::string GetDir();
std::string CheckDir(std::string_view v);         // "" or the error
void ApplyDir(std::string_view v, bool startup);  // chdir, as Redis
std::string GetDbFilename();
std::string CheckDbFilename(std::string_view v);
void ApplyDbFilename(std::string_view v, bool startup);

}  // namespace shoal::persistence
