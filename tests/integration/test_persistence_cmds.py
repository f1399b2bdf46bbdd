"""The persistence commands and settings (Redis 7.0 rdb.c, server.c, config.c): SAVE, BGSAVE
[SCHEDULE], LASTSAVE and their errors; save rules from the config file, the command line and
CONFIG SET, and a rule firing a background save; INFO persistence (every field redis-server 7.0.15
reports); the defaults of the settings; dir and dbfilename (protected configs); MISCONF after a
failed background save and stop-writes-on-bgsave-error.

A save is slowed with rdb-key-save-delay (microseconds per key). Every server runs in a dir of its
own (shoal_dataset.Servers)."""

import os
import shutil
import time

import pytest

from conftest import Err
from shoal_dataset import (assert_check_rdb_ok, bgsave, dataset, fill_strings, persistence,
                           snapshot_of_dump, start_slow_bgsave, wait_bgsave_done, wait_until)

IN_PROGRESS = "ERR Background save already in progress"
MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.")
SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs."


def config_set_failed(name, why):
    return "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (name, why)


@pytest.fixture
def srv(servers):
    return servers.start()


@pytest.fixture
def c(srv):
    cl = srv.client()
    yield cl
    cl.close()


# --------------------------------------------------------------------------
# INFO persistence and the defaults
# --------------------------------------------------------------------------

# INFO persistence of an idle redis-server 7.0.15 that never saved, in its order. The cow and
# fork fields stay 0 on Shoal (no child process), as they are on an idle Redis.
IDLE_INFO = [
    ("loading", "0"),
    ("async_loading", "0"),
    ("current_cow_peak", "0"),
    ("current_cow_size", "0"),
    ("current_cow_size_age", "0"),
    ("current_fork_perc", "0.00"),
    ("current_save_keys_processed", "0"),
    ("current_save_keys_total", "0"),
    ("rdb_changes_since_last_save", "0"),
    ("rdb_bgsave_in_progress", "0"),
    ("rdb_last_save_time", None),  # the start time
    ("rdb_last_bgsave_status", "ok"),
    ("rdb_last_bgsave_time_sec", "-1"),
    ("rdb_current_bgsave_time_sec", "-1"),
    ("rdb_saves", "0"),
    ("rdb_last_cow_size", "0"),
    ("rdb_last_load_keys_expired", "0"),
    ("rdb_last_load_keys_loaded", "0"),
    ("aof_enabled", "0"),
    ("aof_rewrite_in_progress", "0"),
    ("aof_rewrite_scheduled", "0"),
    ("aof_last_rewrite_time_sec", "-1"),
    ("aof_current_rewrite_time_sec", "-1"),
    ("aof_last_bgrewrite_status", "ok"),
    ("aof_rewrites", "0"),
    ("aof_rewrites_consecutive_failures", "0"),
    ("aof_last_write_status", "ok"),
    ("aof_last_cow_size", "0"),
    ("module_fork_in_progress", "0"),
    ("module_fork_last_cow_size", "0"),
]


def test_info_persistence_fields_when_idle(servers):
    t0 = int(time.time())
    c = servers.start().client()
    try:
        p = persistence(c)
        assert sorted(p) == sorted(k for k, _ in IDLE_INFO)
        for k, v in IDLE_INFO:
            if v is not None:
                assert p[k] == v, (k, p[k])
        assert t0 - 1 <= int(p["rdb_last_save_time"]) <= time.time() + 1
        assert c("LASTSAVE") == int(p["rdb_last_save_time"])
        for section in ((), ("all",), ("default",), ("everything",)):
            assert b"\r\n# Persistence\r\nloading:0\r\n" in c("INFO", *section), section
    finally:
        c.close()


def test_config_defaults(servers):
    h = servers.start(default_save=True, pass_dir=False)  # dir: the working directory
    c = h.client()
    try:
        got = {k: c("CONFIG", "GET", k)[1]
               for k in ("save", "dbfilename", "rdbcompression", "rdbchecksum",
                         "stop-writes-on-bgsave-error", "rdb-key-save-delay")}
        assert got == {"save": b"3600 1 300 100 60 10000", "dbfilename": b"dump.rdb",
                       "rdbcompression": b"yes", "rdbchecksum": b"yes",
                       "stop-writes-on-bgsave-error": b"yes", "rdb-key-save-delay": b"0"}
        assert os.path.realpath(c("CONFIG", "GET", "dir")[1].decode()) == \
            os.path.realpath(h.dir)
        assert c("SET", "k", "v") == "OK"
        assert c("SAVE") == "OK"
        assert os.path.exists(os.path.join(h.dir, "dump.rdb"))
    finally:
        c.close()


# --------------------------------------------------------------------------
# SAVE, BGSAVE, LASTSAVE
# --------------------------------------------------------------------------


def test_save_and_lastsave(srv, c):
    assert c("SET", "k", "v") == "OK"
    t0 = time.time()
    assert c("SAVE") == "OK"
    first = c("LASTSAVE")
    assert int(t0) - 1 <= first <= time.time() + 1
    p = persistence(c)
    assert (p["rdb_saves"], p["rdb_changes_since_last_save"], p["rdb_last_save_time"]) == \
        ("1", "0", str(first))
    assert_check_rdb_ok(srv.dump)
    # LASTSAVE has a resolution of one second: let one pass
    wait_until(lambda: int(time.time()) > first, 3, "the next second")
    bgsave(c)
    second = c("LASTSAVE")
    assert second > first
    p = persistence(c)
    assert (p["rdb_saves"], p["rdb_last_save_time"]) == ("2", str(second))
    assert int(p["rdb_last_bgsave_time_sec"]) >= 0


def test_bgsave_schedule_when_idle_starts_a_save(srv, c):
    assert c("SET", "k", "v") == "OK"
    assert c("BGSAVE", "SCHEDULE") == "Background saving started"
    p = wait_bgsave_done(c)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert p["rdb_changes_since_last_save"] == "0"
    assert os.path.exists(srv.dump)


def test_bgsave_inside_multi_is_scheduled(servers, srv, c):
    assert c("SET", "k", "v") == "OK"
    assert c("MULTI") == "OK"
    assert c("BGSAVE") == "QUEUED"
    assert c("EXEC") == ["Background saving scheduled"]
    wait_until(lambda: persistence(c)["rdb_saves"] == "1", 10, "the scheduled save to start")
    p = wait_bgsave_done(c)
    assert (p["rdb_last_bgsave_status"], p["rdb_changes_since_last_save"]) == ("ok", "0")
    assert dump_keys(servers, srv.dump) == [b"k"]


def dump_keys(servers, path):
    """The keys of db 0 in the file, as redis-server loads it."""
    return sorted(snapshot_of_dump(servers, path)[0][0])


@pytest.mark.parametrize("args, reply", [
    (("SAVE", "x"), "ERR wrong number of arguments for 'save' command"),
    (("LASTSAVE", "x"), "ERR wrong number of arguments for 'lastsave' command"),
    (("BGSAVE", "x"), "ERR syntax error"),
    (("BGSAVE", "SCHEDULE", "x"), "ERR syntax error"),
])
def test_argument_errors(c, args, reply):
    assert c(*args) == Err(reply)


def test_second_save_while_bgsave_runs(srv, c):
    fill_strings(c, 1500)
    start_slow_bgsave(c, 1000)
    p = persistence(c)
    assert p["rdb_bgsave_in_progress"] == "1"
    assert int(p["rdb_current_bgsave_time_sec"]) >= 0
    assert c("BGSAVE") == Err(IN_PROGRESS)
    assert c("BGSAVE", "SCHEDULE") == Err(IN_PROGRESS)
    assert c("SAVE") == Err(IN_PROGRESS)
    assert c("MULTI") == "OK"
    assert c("BGSAVE") == "QUEUED"
    assert c("EXEC") == [Err(IN_PROGRESS)]
    # the data stays writable meanwhile
    assert c("SET", "during", "1") == "OK"
    assert c("GET", "during") == b"1"
    assert persistence(c)["rdb_bgsave_in_progress"] == "1"
    assert c("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    p = wait_bgsave_done(c)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert int(p["rdb_last_bgsave_time_sec"]) >= 0
    assert p["rdb_current_bgsave_time_sec"] == "-1"
    assert p["rdb_changes_since_last_save"] == "1"  # the SET made while it ran
    assert_check_rdb_ok(srv.dump)
    assert c("BGSAVE") == "Background saving started"
    wait_bgsave_done(c)


def test_changes_since_last_save(srv, c):
    def changes():
        return int(persistence(c)["rdb_changes_since_last_save"])

    assert changes() == 0
    assert c("SET", "a", "1") == "OK"
    assert c("INCR", "a") == 2
    assert changes() == 2
    assert c("RPUSH", "l", "x", "y") == 2  # one per element pushed
    assert changes() == 4
    assert c("MSET", "b", "1", "c", "2") == "OK"  # one per key set
    assert changes() == 6
    assert c("GET", "a") == b"2"
    assert changes() == 6
    assert c("SAVE") == "OK"
    assert changes() == 0
    assert c("DEL", "b") == 1
    assert changes() == 1
    bgsave(c)
    assert changes() == 0


# --------------------------------------------------------------------------
# Save rules
# --------------------------------------------------------------------------


def write_conf(servers, text):
    path = os.path.join(servers.new_dir("conf"), "shoal.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


@pytest.mark.parametrize("conf_text, cli, want", [
    ("save 900 1\nsave 300 10\n", (), b"900 1 300 10"),
    ("save 900 1\nsave \"\"\n", (), b""),
    # the command line is read as more lines of the file: its rules add to the file's
    ("save 900 1\n", ("--save", "60 5 30 2"), b"900 1 60 5 30 2"),
    ("save 900 1\n", ("--save", ""), b""),
    ("", (), b"3600 1 300 100 60 10000"),
], ids=["file-lines-add-up", "file-empty-resets", "command-line-adds", "command-line-empty",
        "default"])
def test_save_rules_from_config_file_and_command_line(servers, conf_text, cli, want):
    conf = write_conf(servers, conf_text)
    c = servers.start(*cli, conf=conf, default_save=True).client()
    try:
        assert c("CONFIG", "GET", "save") == [b"save", want]
    finally:
        c.close()


def test_config_set_save(c):
    for value in ("100 10 20 30", "1 0", "10 20 10 20", ""):
        assert c("CONFIG", "SET", "save", value) == "OK"
        assert c("CONFIG", "GET", "save") == [b"save", value.encode()]
    assert c("CONFIG", "SET", "save", "3600 1") == "OK"
    for bad in ("1", "a b", "1 1 2", "-1 1", "1 -1", "0 0", "0 1", "1 x"):
        assert c("CONFIG", "SET", "save", bad) == \
            Err(config_set_failed("save", "Invalid save parameters")), bad
    assert c("CONFIG", "GET", "save") == [b"save", b"3600 1"]


def test_save_rule_fires_a_background_save(servers, srv, c):
    assert c("CONFIG", "SET", "save", "1 1") == "OK"
    assert c("SET", "k", "v") == "OK"
    wait_until(lambda: persistence(c)["rdb_saves"] != "0", 15, "the save rule to fire")
    p = wait_bgsave_done(c)
    assert (p["rdb_last_bgsave_status"], p["rdb_changes_since_last_save"]) == ("ok", "0")
    assert dump_keys(servers, srv.dump) == [b"k"]
    # nothing changed since: the rule does not fire again
    time.sleep(2.2)
    assert persistence(c)["rdb_saves"] == "1"


# --------------------------------------------------------------------------
# dir, dbfilename, rdbchecksum
# --------------------------------------------------------------------------


def test_dir_and_dbfilename_are_protected(c):
    for name, value in (("dir", "/tmp"), ("dbfilename", "x.rdb")):
        assert c("CONFIG", "SET", name, value) == \
            Err(config_set_failed(name, "can't set protected config"))


def test_config_set_dir_and_dbfilename(servers):
    h = servers.start("--enable-protected-configs", "yes")
    c = h.client()
    try:
        other = servers.new_dir("other")
        missing = os.path.join(other, "missing")
        afile = os.path.join(other, "afile")
        open(afile, "w").close()
        assert c("CONFIG", "SET", "dir", missing) == \
            Err(config_set_failed("dir", "No such file or directory"))
        assert c("CONFIG", "SET", "dir", afile) == \
            Err(config_set_failed("dir", "Not a directory"))
        assert c("CONFIG", "SET", "dbfilename", "a/b.rdb") == \
            Err(config_set_failed("dbfilename", "dbfilename can't be a path, just a filename"))
        assert c("CONFIG", "SET", "dir", other) == "OK"
        assert os.path.realpath(c("CONFIG", "GET", "dir")[1].decode()) == \
            os.path.realpath(other)
        assert c("CONFIG", "SET", "dbfilename", "other.rdb") == "OK"
        assert c("SET", "k", "v") == "OK"
        assert c("SAVE") == "OK"
        assert sorted(f for f in os.listdir(other) if f.endswith(".rdb")) == ["other.rdb"]
        assert not os.path.exists(h.dump)
        assert_check_rdb_ok(os.path.join(other, "other.rdb"))
        assert c("CONFIG", "SET", "rdbchecksum", "no") == \
            Err(config_set_failed("rdbchecksum", "can't set immutable config"))
        assert c("CONFIG", "SET", "rdbcompression", "no") == "OK"
        assert c("SET", "k", b"x" * 5000) == "OK"
        bgsave(c)
        with open(os.path.join(other, "other.rdb"), "rb") as f:
            assert b"x" * 5000 in f.read()
    finally:
        c.close()


# --------------------------------------------------------------------------
# MISCONF
# --------------------------------------------------------------------------


def break_dir(h):
    """Makes saving fail even as root: the server's dir becomes a regular file (a process that
    entered the dir has a deleted working directory; a path under the file is ENOTDIR)."""
    shutil.rmtree(h.dir)
    with open(h.dir, "w") as f:
        f.write("not a directory")


def fix_dir(c, h):
    os.unlink(h.dir)
    os.makedirs(h.dir)
    assert c("CONFIG", "SET", "dir", h.dir) == "OK"


def failed_bgsave(servers, *extra):
    h = servers.start("--save", "3600 1", "--enable-protected-configs", "yes", *extra)
    c = h.client()
    assert c("SET", "a", "1") == "OK"
    break_dir(h)
    assert c("BGSAVE") == "Background saving started"
    p = wait_bgsave_done(c)
    assert p["rdb_last_bgsave_status"] == "err"
    assert p["rdb_changes_since_last_save"] == "1"
    return h, c


@pytest.mark.parametrize("good_save", ["SAVE", "BGSAVE"])
def test_misconf_after_failed_bgsave(servers, good_save):
    h, c = failed_bgsave(servers)
    try:
        for cmd in (("SET", "b", "2"), ("DEL", "a"), ("INCR", "n"), ("RPUSH", "l", "x"),
                    ("PING",)):
            assert c(*cmd) == Err(MISCONF), cmd
        assert c("GET", "a") == b"1"
        assert c("EXISTS", "b") == 0
        assert c("DBSIZE") == 1
        assert c("SAVE") == Err("ERR")
        assert persistence(c)["rdb_last_bgsave_status"] == "err"
        assert c("SHUTDOWN") == Err(SHUTDOWN_FAILED)
        assert h.alive()
        assert c("GET", "a") == b"1"
        fix_dir(c, h)
        assert c("SET", "b", "2") == Err(MISCONF)  # until a save succeeds
        if good_save == "SAVE":
            assert c("SAVE") == "OK"
        else:
            bgsave(c)
        assert persistence(c)["rdb_last_bgsave_status"] == "ok"
        assert c("SET", "b", "2") == "OK"
        assert c("PING") == "PONG"
        assert_check_rdb_ok(h.dump)
    finally:
        c.close()


def test_stop_writes_on_bgsave_error_no(servers):
    h, c = failed_bgsave(servers, "--stop-writes-on-bgsave-error", "no")
    try:
        assert c("SET", "b", "2") == "OK"
        assert c("PING") == "PONG"
        assert c("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes") == "OK"
        assert c("SET", "c", "3") == Err(MISCONF)
        # without save rules a failed save does not stop writes either
        assert c("CONFIG", "SET", "save", "") == "OK"
        assert c("SET", "c", "3") == "OK"
        assert c("CONFIG", "SET", "save", "3600 1") == "OK"
        assert c("SET", "d", "4") == Err(MISCONF)
        fix_dir(c, h)
        bgsave(c)
        assert c("SET", "d", "4") == "OK"
        assert sorted(dataset(c)[0]) == [b"a", b"b", b"c", b"d"]
    finally:
        c.close()
