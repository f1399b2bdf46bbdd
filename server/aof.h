// The append-only file: Redis 7.0's multi-part AOF, written from the journal (shard/journal.h).
//
// Files (persistence/aof_manifest.h): `dir/appenddirname/` holds a base (an RDB file with the
// aof-base AUX field: the dataset at a cut), the incr files written since that cut, and the
// manifest naming them. docs/ARCHITECTURE.md ("The AOF") has the design.
//
//  - Writing: one writer thread takes the journal's units in ticket order (the execution order),
//    formats them as Redis does (SELECT when the db changes, MULTI/EXEC around a unit of several
//    commands) and appends them to the last incr file. A connection whose commands logged a unit
//    answers once it is written (Redis writes the AOF before replying), with appendfsync always
//    once it is fsynced too (group commit: one write and one fsync cover every unit taken);
//    everysec: fdatasync once a second; no: never.
//  - Rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes): the RDB snapshot job
//    (server/persistence.h) writes the new base; at its cut, while every shard is parked, a
//    rotation marker takes the next ticket: the writer switches to a new incr file at exactly
//    that point of the stream and persists the manifest naming it. When the base is complete a
//    second marker installs it (manifest: new base + the incrs from the rotation on), and the
//    files it replaces are deleted.
//  - Loading at start: base (RDB), then the incr files replayed through a client connection of
//    the server itself (a socket pair), so that every command runs through the normal paths.
//
// Threading: On/WriteRefusal/MustWait read atomics (any thread); commands and the cron run on
// shard threads; LoadAtStart/StartAfterLoad on the loader thread; the writer on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace shoal {
class CommandContext;
}

namespace shoal::aof {

// appendonly yes (also while the first rewrite runs).
bool On();

// ---- Start and stop ----
// Loader thread, before clients are served: base + incr files into the shards; creates the first
// base, incr and manifest when the directory holds none (or upgrades a single appendonly.aof).
absl::Status LoadAtStart();
// At start with appendonly no: reads the manifest of an AOF directory left by an earlier run, so
// that turning the AOF on later numbers its files after the ones there (Redis's
// aofLoadManifestFromDisk at start).
void ReadManifestAtStart();
// Loader thread, after LoadAtStart: turns the journal on and starts the writer on the last incr.
void StartAfterLoad();
// Shutdown: writes and fsyncs everything journaled, then stops the writer. Any thread.
void FlushAndStop();

// ---- Commands and cron (shard threads) ----
void BgRewrite(CommandContext& ctx);
// CONFIG SET appendonly (after the value changed).
void ApplyAppendOnly(bool on);
// From the persistence cron (shard 0, every 100 ms, while no save job runs): a scheduled rewrite,
// the auto-rewrite rule, a failed enable's retry.
void CronTick();
// INFO persistence: part 1 (aof_enabled ... aof_last_cow_size), part 2 (the fields Redis adds
// while AOF is on, each line preceded by \r\n).
void AppendInfo(std::string& s, int part);

// -MISCONF after a write error (everysec / no), until a write succeeds; nullptr otherwise.
const char* WriteRefusal();

// ---- Replies wait for the AOF: written (fsynced with appendfsync always) ----
// Whether a reply to a command that logged unit `ticket` must wait.
bool MustWait(uint64_t ticket);
// Shard thread: `resume` runs on this thread once `ticket` is on disk.
void WaitDurable(uint64_t ticket, std::function<void()> resume);

// ---- Configs (server/config.cc) ----
std::string GetAppendFilename();
std::string CheckAppendFilename(std::string_view v);
void ApplyAppendFilename(std::string_view v, bool startup);
std::string GetAppendDirname();
std::string CheckAppendDirname(std::string_view v);
void ApplyAppendDirname(std::string_view v, bool startup);

}  // namespace shoal::aof
