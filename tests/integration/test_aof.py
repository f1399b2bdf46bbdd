"""The append-only file of Redis 7.0 (multi-part AOF, aof.c): the appendonlydir with its base,
incr and manifest files and the manifest's exact text; writes surviving a restart (SHUTDOWN
NOSAVE, SIGTERM, SIGKILL with appendfsync always); exactly what is logged for each command (the
incr file is read back and parsed here); BGREWRITEAOF and the rotation of the files; truncated
and corrupt files at startup (aof-load-truncated); the AOF winning over dump.rdb; CONFIG SET
appendonly at runtime; INFO persistence; redis-check-aof and files both ways with a real
redis-server 7.0; crash safety of acknowledged writes; cross-key ordering on a sharded server;
auto-aof-rewrite-percentage/min-size.

How commands are logged (what redis-server 7.0.15 writes, asserted below): relative expiry times
become absolute (SET ... PXAT, PEXPIREAT, RESTORE ... ABSTTL), non-deterministic or
float commands their effects (INCRBYFLOAT -> SET k v KEEPTTL, HINCRBYFLOAT -> HSET, SPOP ->
SREM, blocking pops -> plain pops), a command or script or EXEC with several effects is wrapped
in MULTI/EXEC, one effect is not wrapped, a write that changes nothing is not logged. A SELECT
precedes a command whose db differs from the last one logged (also inside MULTI blocks and at the
start of each new incr file); the parser here tracks the db and checks each command's db, not
where the SELECTs are. Absolute times are checked against a window around the call.

Every server runs in a dir of its own (shoal_dataset.Servers); the log tests use appendfsync
always, so an acknowledged write is in the file when its reply arrives."""

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

import conftest
from conftest import ConnectionClosed, Err
from shoal_dataset import (start_slow_bgsave, SHARD_COUNTS, assert_same, dataset, expect_start_failure,
                           fill_every_type, fill_strings, functions, persistence, shard_ids,
                           shutdown, wait_until)
from shoal_info import wait_blocked
from shoal_keys import spread_keys

CHECK_AOF_BIN = "/usr/bin/redis-check-aof"
AOF_DIR = "appendonlydir"
AOF_NAME = "appendonly.aof"
MANIFEST = "appendonly.aof.manifest"
MANIFEST_1 = ("file appendonly.aof.1.base.rdb seq 1 type b\n"
              "file appendonly.aof.1.incr.aof seq 1 type i\n")
MANIFEST_2 = ("file appendonly.aof.2.base.rdb seq 2 type b\n"
              "file appendonly.aof.2.incr.aof seq 2 type i\n")
REWRITE_STARTED = "Background append only file rewriting started"
REWRITE_SCHEDULED = "Background append only file rewriting scheduled"
REWRITE_IN_PROGRESS = "ERR Background append only file rewriting already in progress"
BGSAVE_CHILD_ACTIVE = ("ERR Another child process is active (AOF?): can't BGSAVE right now. "
                       "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
AOF_ON = ("--appendonly", "yes")
ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")

MULTI = "MULTI"
EXEC = "EXEC"


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def aof_dir(h, dirname=AOF_DIR):
    return os.path.join(h.dir, dirname)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def manifest_text(h, dirname=AOF_DIR, name=AOF_NAME):
    with open(os.path.join(h.dir, dirname, name + ".manifest"), "rb") as f:
        return f.read().decode()


def manifest_entries(h, dirname=AOF_DIR, name=AOF_NAME):
    """[(file, seq, type)] of the manifest, checking each line's format."""
    out = []
    for line in manifest_text(h, dirname, name).split("\n")[:-1]:
        m = re.fullmatch(r"file (\S+) seq (\d+) type ([bhi])", line)
        assert m, "bad manifest line %r" % line
        out.append((m.group(1), int(m.group(2)), m.group(3)))
    return out


def incr_path(h, dirname=AOF_DIR, name=AOF_NAME):
    """The last incr file of the manifest (the one being appended to)."""
    incrs = [f for f, _, t in manifest_entries(h, dirname, name) if t == "i"]
    assert incrs, manifest_text(h, dirname, name)
    return os.path.join(h.dir, dirname, incrs[-1])


def parse_aof(data):
    """The commands of AOF bytes in RESP: ([(end offset, [arg, ...])], offset where the complete
    commands end). `#...` annotation lines are skipped; an incomplete command at the end stops
    the parse; a malformed one fails."""
    out, i, n = [], 0, len(data)
    while i < n:
        if data[i:i + 1] == b"#":
            j = data.find(b"\r\n", i)
            if j < 0:
                break
            i = j + 2
            continue
        assert data[i:i + 1] == b"*", "bad AOF at offset %d: %r" % (i, data[i:i + 40])
        j = data.find(b"\r\n", i)
        if j < 0:
            break
        argc = int(data[i + 1:j])
        p, args = j + 2, []
        for _ in range(argc):
            if p >= n:
                break
            assert data[p:p + 1] == b"$", "bad AOF at offset %d: %r" % (p, data[p:p + 40])
            j = data.find(b"\r\n", p)
            if j < 0:
                break
            size = int(data[p + 1:j])
            if j + 2 + size + 2 > n:
                break
            assert data[j + 2 + size:j + 4 + size] == b"\r\n", "bulk not ended at %d" % j
            args.append(data[j + 2:j + 2 + size])
            p = j + 4 + size
        if len(args) < argc:
            break
        out.append((p, args))
        i = p
    return out, (out[-1][0] if out else 0)


def with_dbs(commands, db=0):
    """[args] -> [(db, args)]: SELECTs consumed, each command with the db selected before it (a
    file starts in db 0, as the loader's client does)."""
    out = []
    for args in commands:
        if args[0].upper() == b"SELECT":
            db = int(args[1])
            continue
        out.append((db, args))
    return out


def now_ms():
    return int(time.time() * 1000)


class At:
    """An absolute unix time in ms, between lo and hi (what the call's window allows)."""

    SLACK_MS = 20

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def match(self, got):
        return re.fullmatch(rb"\d+", got) is not None and \
            self.lo - self.SLACK_MS <= int(got) <= self.hi + self.SLACK_MS

    def __repr__(self):
        return "At(%d..%d)" % (self.lo, self.hi)


class NoCase:
    def __init__(self, s):
        self.s = s.encode() if isinstance(s, str) else s

    def match(self, got):
        return got.lower() == self.s.lower()

    def __repr__(self):
        return "NoCase(%r)" % self.s


def _arg_ok(want, got):
    if hasattr(want, "match"):
        return want.match(got)
    if isinstance(want, int):
        want = str(want)
    if isinstance(want, str):
        want = want.encode()
    return want == got


def _entry_ok(want, got):
    db, args = got
    if isinstance(want, str):  # MULTI / EXEC: the db does not matter
        return len(args) == 1 and args[0].upper() == want.encode()
    wdb, name, wargs = want[0], want[1], want[2:]
    return (wdb is None or wdb == db) and args[0].upper() == name.encode() and \
        len(args) - 1 == len(wargs) and all(_arg_ok(w, g) for w, g in zip(wargs, args[1:]))


class AofLog:
    """Reads what a server appends to its current incr file. Create it while that file has only
    what the test has seen (e.g. just after the server started). Entries: (db, [args])."""

    def __init__(self, h, wait=10.0):
        self.h = h
        self.path = incr_path(h)
        self.seen = 0
        self.wait = wait

    def entries(self):
        commands, _ = parse_aof(read(self.path))
        return with_dbs([args for _, args in commands])

    def take(self, n=0):
        """The entries not taken yet; waits (up to self.wait s) until there are at least n."""
        deadline = time.time() + self.wait
        while True:
            got = self.entries()[self.seen:]
            if len(got) >= n or time.time() > deadline:
                self.seen += len(got)
                return got

    def expect(self, *want):
        """The entries logged since the last call are exactly `want`: tuples (db or None for any,
        COMMAND, arg, ...) (args: bytes/str/int or a matcher such as At), or MULTI / EXEC."""
        got = self.take(len(want))
        ok = len(got) == len(want) and all(_entry_ok(w, g) for w, g in zip(want, got))
        assert ok, "AOF logged:\n  %s\nwanted:\n  %s" % (
            "\n  ".join(repr(g) for g in got) or "(nothing)",
            "\n  ".join(repr(w) for w in want) or "(nothing)")
        return got


def timed(c, *args):
    """(reply, ms before the call, ms after the reply)."""
    t0 = now_ms()
    reply = c(*args)
    return reply, t0, now_ms()


def check_aof(manifest_path):
    p = subprocess.run([CHECK_AOF_BIN, manifest_path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace")


# --------------------------------------------------------------------------
# Rewrites
# --------------------------------------------------------------------------


def aof_info(c):
    return {k: v for k, v in persistence(c).items() if k.startswith("aof_")}


def wait_rewrite_done(c, timeout=30.0):
    """Waits until no rewrite runs or is scheduled; returns INFO persistence then."""
    def done():
        p = persistence(c)
        return p if (p["aof_rewrite_in_progress"], p["aof_rewrite_scheduled"]) == ("0", "0") \
            else None
    return wait_until(done, timeout, "the AOF rewrite to finish")


def bgrewriteaof(c, timeout=30.0):
    assert c("BGREWRITEAOF") == REWRITE_STARTED
    p = wait_rewrite_done(c, timeout)
    assert p["aof_last_bgrewrite_status"] == "ok", p
    return p


def wait_files(h, names, timeout=15.0, dirname=AOF_DIR):
    """Waits until the AOF dir holds exactly `names` (history files go in the background)."""
    d = os.path.join(h.dir, dirname)
    wait_until(lambda: sorted(os.listdir(d)) == sorted(names), timeout,
               "%s to hold exactly %r (has %r)" % (d, sorted(names), sorted(os.listdir(d))))


def start_slow_rewrite(c, delay_us):
    """rdb-key-save-delay (microseconds per key, the base file is an RDB) and BGREWRITEAOF."""
    assert c("CONFIG", "SET", "rdb-key-save-delay", str(delay_us)) == "OK"
    assert c("BGREWRITEAOF") == REWRITE_STARTED


def snapshot(c):
    return dataset(c), functions(c)


def assert_same_snapshot(want, got):
    assert_same(want[0], got[0])
    assert want[1] == got[1], "function libraries differ"


def restarted_snapshot(servers, h, *more):
    h2 = servers.restart(h, *more)
    c = h2.client()
    try:
        return h2, snapshot(c)
    finally:
        c.close()


def _restart_and_compare(servers, h, want):
    h2, got = restarted_snapshot(servers, h)
    assert_same_snapshot(want, got)
    return h2


# --------------------------------------------------------------------------
# 1. The files
# --------------------------------------------------------------------------


def test_appendonly_at_start_creates_the_dir_and_manifest(servers):
    """appendonly yes on an empty dir: Redis 7.0 creates appendonlydir with an empty base (an RDB:
    aof-use-rdb-preamble yes), an empty incr file and the manifest naming them (seq 1)."""
    h = servers.start(*AOF_ON)
    d = aof_dir(h)
    assert sorted(os.listdir(d)) == sorted([MANIFEST, "appendonly.aof.1.base.rdb",
                                            "appendonly.aof.1.incr.aof"])
    assert manifest_text(h) == MANIFEST_1
    assert read(os.path.join(d, "appendonly.aof.1.base.rdb"))[:5] == b"REDIS"
    assert os.path.getsize(os.path.join(d, "appendonly.aof.1.incr.aof")) == 0
    assert not os.path.exists(h.dump)
    c = h.client()
    try:
        assert c("CONFIG", "GET", "appendonly") == [b"appendonly", b"yes"]
        assert c("CONFIG", "GET", "appendfilename") == [b"appendfilename", b"appendonly.aof"]
        assert c("CONFIG", "GET", "appenddirname") == [b"appenddirname", b"appendonlydir"]
        assert c("SET", "k", "v") == "OK"
    finally:
        c.close()
    servers.stop(h)
    assert manifest_text(h) == MANIFEST_1  # a restart reuses the files
    h = servers.restart(h)
    assert manifest_text(h) == MANIFEST_1
    c = h.client()
    try:
        assert c("GET", "k") == b"v"
    finally:
        c.close()


def test_appendfilename_and_appenddirname_name_the_files(servers):
    """appendfilename is the prefix of every file name, appenddirname the dir's name; both are
    immutable (CONFIG SET refuses them)."""
    h = servers.start(*AOF_ON, "--appendfilename", "shoal.aof", "--appenddirname", "aofs")
    assert "aofs" in os.listdir(h.dir)
    assert not os.path.exists(aof_dir(h))
    assert sorted(os.listdir(aof_dir(h, "aofs"))) == sorted(
        ["shoal.aof.manifest", "shoal.aof.1.base.rdb", "shoal.aof.1.incr.aof"])
    assert manifest_text(h, "aofs", "shoal.aof") == (
        "file shoal.aof.1.base.rdb seq 1 type b\nfile shoal.aof.1.incr.aof seq 1 type i\n")
    c = h.client()
    try:
        assert c("CONFIG", "GET", "appendfilename") == [b"appendfilename", b"shoal.aof"]
        assert c("CONFIG", "GET", "appenddirname") == [b"appenddirname", b"aofs"]
        for name in ("appendfilename", "appenddirname"):
            assert c("CONFIG", "SET", name, "x") == Err(
                "ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable "
                "config" % name)
        assert c("SET", "k", "v") == "OK"
        assert os.path.getsize(os.path.join(aof_dir(h, "aofs"), "shoal.aof.1.incr.aof")) > 0
    finally:
        c.close()
    c = servers.restart(h).client()
    try:
        assert c("GET", "k") == b"v"
    finally:
        c.close()


def test_rdb_preamble_no_writes_resp_base_files(servers):
    """aof-use-rdb-preamble no: the base file is appendonly.aof.N.base.aof (RESP commands, empty
    at start), named so in the manifest; a rewrite writes the data as commands."""
    h = servers.start(*AOF_ON, "--aof-use-rdb-preamble", "no")
    assert manifest_text(h) == ("file appendonly.aof.1.base.aof seq 1 type b\n"
                                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert read(os.path.join(aof_dir(h), "appendonly.aof.1.base.aof")) == b""
    c = h.client()
    assert c("RPUSH", "l", "a", "b") == 2
    assert c("SET", "e", "v", "EX", "1000") == "OK"
    assert c("HSET", "h", "f", "v") == 1
    bgrewriteaof(c)
    assert manifest_text(h) == ("file appendonly.aof.2.base.aof seq 2 type b\n"
                                "file appendonly.aof.2.incr.aof seq 2 type i\n")
    wait_files(h, [MANIFEST, "appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof"])
    base = read(os.path.join(aof_dir(h), "appendonly.aof.2.base.aof"))
    commands, end = parse_aof(base)
    assert end == len(base) and commands, base[:200]
    assert c("SADD", "s", "m") == 1
    _restart_and_compare(servers, h, snapshot(c))
    c.close()


# --------------------------------------------------------------------------
# 2. Writes survive a restart
# --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["SHUTDOWN-NOSAVE", "SIGTERM", "SIGKILL"])
def test_every_type_survives_a_restart(servers, how):
    """Every type in every encoding, expiry times (kept as absolute times), binary names, dbs 0,
    3 and 15 and a function library come back from the AOF alone (save "", no dump.rdb), after
    SHUTDOWN NOSAVE or SIGTERM (appendfsync everysec: the exit flushes the file) or SIGKILL
    (appendfsync always: every acknowledged write is in the file)."""
    fsync = "always" if how == "SIGKILL" else "everysec"
    h = servers.start(*AOF_ON, "--appendfsync", fsync)
    c = h.client()
    fill_every_type(c)
    assert c("SELECT", "7") == "OK"
    assert c("SET", "db7", "x", "PX", "900000") == "OK"
    assert c("INCRBYFLOAT", "db7:f", "1.5") == b"1.5"
    assert c("SELECT", "0") == "OK"
    want = snapshot(c)
    if how == "SHUTDOWN-NOSAVE":
        assert shutdown(c, "NOSAVE") is None
        assert h.wait_exit(30) == 0, h.log()
    elif how == "SIGTERM":
        c.close()
        h.proc.send_signal(signal.SIGTERM)
        assert h.wait_exit(30) in (0, -signal.SIGTERM), h.log()
    else:
        c.close()
        servers.crash(h)
    assert not os.path.exists(h.dump)
    h2, got = restarted_snapshot(servers, h)
    assert_same_snapshot(want, got)
    c = h2.client()
    try:
        assert 250 < c("PTTL", "ttl:near") // 1000 <= 300
        assert c("FCALL", "persist_echo", "0", "hi") == b"hi"
    finally:
        c.close()


# --------------------------------------------------------------------------
# 3. What is logged
# --------------------------------------------------------------------------


@pytest.fixture
def logged(servers):
    """(server handle, client, AofLog) of a fresh server with appendfsync always."""
    h = servers.start(*ALWAYS)
    c = h.client()
    log = AofLog(h)
    yield h, c, log
    c.close()


def test_log_set_with_expiry_becomes_pxat(servers, logged):
    """SET with EX/PX/EXAT is logged as SET k v PXAT <absolute ms> (NX/XX/GET dropped then);
    SETEX and PSETEX too; PXAT and KEEPTTL are kept; GET is dropped; NX/XX without an expiry are
    kept; a SET that does nothing is not logged."""
    h, c, log = logged
    assert c("SET", "plain", "1") == "OK"
    log.expect((0, "SET", "plain", "1"))
    for opts, ms in [(("EX", "100"), 100000), (("PX", "100000"), 100000),
                     (("NX", "EX", "50"), 50000), (("XX", "GET", "PX", "7000"), 7000)]:
        key = "k" if "XX" in opts or opts[0] != "NX" else "nx"
        if "XX" in opts:
            assert c("SET", key, "v0") == "OK"
            log.expect((0, "SET", key, "v0"))
        reply, t0, t1 = timed(c, "SET", key, "v", *opts)
        assert reply in ("OK", b"v0"), reply
        log.expect((0, "SET", key, "v", "PXAT", At(t0 + ms, t1 + ms)))
    at_s = int(time.time()) + 100
    assert c("SET", "k", "v", "EXAT", str(at_s)) == "OK"
    log.expect((0, "SET", "k", "v", "PXAT", str(at_s * 1000)))
    at_ms = now_ms() + 123456
    assert c("SET", "k", "v", "PXAT", str(at_ms)) == "OK"
    log.expect((0, "SET", "k", "v", "PXAT", str(at_ms)))
    assert c("SET", "k", "w", "KEEPTTL") == "OK"
    log.expect((0, "SET", "k", "w", "KEEPTTL"))
    assert c("SET", "k", "x", "GET") == b"w"
    log.expect((0, "SET", "k", "x"))
    assert c("SET", "n", "v", "NX", "GET") is None
    log.expect((0, "SET", "n", "v", "NX"))
    assert c("SET", "n", "w", "XX", "GET") == b"v"
    log.expect((0, "SET", "n", "w", "XX"))
    assert c("SET", "n", "z", "NX") is None  # exists: nothing
    assert c("SET", "missing", "z", "XX") is None
    assert c("SETNX", "n", "z") == 0
    reply, t0, t1 = timed(c, "SETEX", "se", "100", "v")
    assert reply == "OK"
    log.expect((0, "SET", "se", "v", "PXAT", At(t0 + 100000, t1 + 100000)))
    reply, t0, t1 = timed(c, "PSETEX", "pse", "5000", "v")
    assert reply == "OK"
    log.expect((0, "SET", "pse", "v", "PXAT", At(t0 + 5000, t1 + 5000)))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_expire_family_becomes_pexpireat(servers, logged):
    """EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT and GETEX EX/PX/EXAT/PXAT are logged as PEXPIREAT k
    <absolute ms> (an NX/XX/GT/LT flag is kept); a time in the past (negative, 0, an old
    timestamp) deletes the key and logs DEL k (lazyfree-lazy-expire no, the default); GETEX
    PERSIST logs PERSIST only when the key had a TTL; an expire that does nothing (missing key,
    failed NX) and PERSIST/GETEX of a key without TTL are not logged."""
    h, c, log = logged
    assert c("SET", "k", "v") == "OK"
    log.expect((0, "SET", "k", "v"))
    for cmd, arg, ms in [("EXPIRE", "100", 100000), ("PEXPIRE", "100000", 100000)]:
        reply, t0, t1 = timed(c, cmd, "k", arg)
        assert reply == 1
        log.expect((0, "PEXPIREAT", "k", At(t0 + ms, t1 + ms)))
    at_s = int(time.time()) + 200
    assert c("EXPIREAT", "k", str(at_s)) == 1
    log.expect((0, "PEXPIREAT", "k", str(at_s * 1000)))
    at_ms = now_ms() + 300000
    assert c("PEXPIREAT", "k", str(at_ms)) == 1
    log.expect((0, "PEXPIREAT", "k", str(at_ms)))
    assert c("EXPIRE", "k", "100", "NX") == 0  # has a TTL: nothing
    reply, t0, t1 = timed(c, "EXPIRE", "k", "500", "XX")
    assert reply == 1
    log.expect((0, "PEXPIREAT", "k", At(t0 + 500000, t1 + 500000), "XX"))
    reply, t0, t1 = timed(c, "PEXPIRE", "k", "600000", "GT")
    assert reply == 1
    log.expect((0, "PEXPIREAT", "k", At(t0 + 600000, t1 + 600000), "GT"))
    assert c("EXPIRE", "missing", "10") == 0
    assert c("PERSIST", "k") == 1
    log.expect((0, "PERSIST", "k"))
    assert c("PERSIST", "k") == 0
    for cmd, arg in [("EXPIRE", "-1"), ("PEXPIRE", "0"), ("EXPIREAT", "1"),
                     ("PEXPIREAT", "1000")]:
        assert c("SET", "k", "v") == "OK"
        assert c(cmd, "k", arg) == 1
        log.expect((0, "SET", "k", "v"), (0, "DEL", "k"))
        assert c("EXISTS", "k") == 0
    assert c("SET", "g", "v") == "OK"
    log.expect((0, "SET", "g", "v"))
    assert c("GETEX", "g") == b"v"
    assert c("GETEX", "g", "PERSIST") == b"v"  # no TTL: nothing
    for opt, arg, ms in [("EX", "100", 100000), ("PX", "20000", 20000)]:
        reply, t0, t1 = timed(c, "GETEX", "g", opt, arg)
        assert reply == b"v"
        log.expect((0, "PEXPIREAT", "g", At(t0 + ms, t1 + ms)))
    at_s = int(time.time()) + 1000
    assert c("GETEX", "g", "EXAT", str(at_s)) == b"v"
    log.expect((0, "PEXPIREAT", "g", str(at_s * 1000)))
    assert c("GETEX", "g", "PXAT", str(at_ms)) == b"v"
    log.expect((0, "PEXPIREAT", "g", str(at_ms)))
    assert c("GETEX", "g", "PERSIST") == b"v"
    log.expect((0, "PERSIST", "g"))
    assert c("GETEX", "g", "EXAT", "1") == b"v"
    log.expect((0, "DEL", "g"))
    assert c("SET", "marker", "1") == "OK"
    log.expect((0, "SET", "marker", "1"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_past_expiry_is_unlink_with_lazyfree_lazy_expire(logged):
    """lazyfree-lazy-expire yes: an expire into the past, and the deletion of an expired key on
    access, are logged as UNLINK k instead of DEL k."""
    h, c, log = logged
    assert c("CONFIG", "SET", "lazyfree-lazy-expire", "yes") == "OK"
    assert c("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    assert c("SET", "k", "v") == "OK"
    assert c("EXPIRE", "k", "-5") == 1
    log.expect((0, "SET", "k", "v"), (0, "UNLINK", "k"))
    reply, t0, t1 = timed(c, "SET", "lz", "v", "PX", "20")
    log.expect((0, "SET", "lz", "v", "PXAT", At(t0 + 20, t1 + 20)))
    time.sleep(0.05)
    assert c("GET", "lz") is None
    log.expect((0, "UNLINK", "lz"))


def test_log_set_stores_across_shards(servers, logged):
    """SINTERSTORE/SUNIONSTORE/SDIFFSTORE with the destination and sources on different shards,
    small sources and one large enough to be read in place (over 128 members), are logged as
    sent; an empty result that deletes the destination is logged too; one that deletes nothing
    is not."""
    h, c, log = logged
    d, k1, k2, k3 = spread_keys("st", 4)
    big = ["m%d" % i for i in range(300)]
    assert c("SADD", k1, *big) == 300
    assert c("SADD", k2, "m1", "m2", "x") == 3
    log.expect((0, "SADD", k1, *big), (0, "SADD", k2, "m1", "m2", "x"))
    assert c("SINTERSTORE", d, k1, k2) == 2
    log.expect((0, "SINTERSTORE", d, k1, k2))
    assert c("SUNIONSTORE", d, k2, k3) == 3
    log.expect((0, "SUNIONSTORE", d, k2, k3))
    assert c("SDIFFSTORE", d, k1, k2) == 298
    log.expect((0, "SDIFFSTORE", d, k1, k2))
    assert c("SINTERSTORE", d, k2, k3) == 0
    log.expect((0, "SINTERSTORE", d, k2, k3))
    assert c("SINTERSTORE", d, k2, k3) == 0
    assert c("SET", "marker", "1") == "OK"
    log.expect((0, "SET", "marker", "1"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_getset_and_getdel_become_set_and_del(servers, logged):
    """GETSET is logged as SET k v; GETDEL as DEL k, or UNLINK k under lazyfree-lazy-user-del;
    a GETDEL of a missing key is not logged."""
    h, c, log = logged
    assert c("GETSET", "g", "1") is None
    assert c("GETSET", "g", "2") == b"1"
    log.expect((0, "SET", "g", "1"), (0, "SET", "g", "2"))
    assert c("GETDEL", "g") == b"2"
    assert c("GETDEL", "g") is None
    log.expect((0, "DEL", "g"))
    assert c("CONFIG", "SET", "lazyfree-lazy-user-del", "yes") == "OK"
    assert c("SET", "u", "1") == "OK"
    assert c("GETDEL", "u") == b"1"
    log.expect((0, "SET", "u", "1"), (0, "UNLINK", "u"))
    assert c("CONFIG", "SET", "lazyfree-lazy-user-del", "no") == "OK"
    _restart_and_compare(servers, h, snapshot(c))


def test_log_float_increments_become_set_and_hset(servers, logged):
    """INCRBYFLOAT is logged as SET k <new value> KEEPTTL, HINCRBYFLOAT as HSET k f <new value>
    (no float arithmetic on reload); INCR/INCRBY/DECR/DECRBY/HINCRBY/APPEND are logged as sent."""
    h, c, log = logged
    assert c("INCRBYFLOAT", "f", "2.5") == b"2.5"
    log.expect((0, "SET", "f", "2.5", "KEEPTTL"))
    assert c("EXPIRE", "f", "1000") == 1
    assert c("INCRBYFLOAT", "f", "0.1") == b"2.6"
    log.expect((0, "PEXPIREAT", "f", At(0, 1 << 62)), (0, "SET", "f", "2.6", "KEEPTTL"))
    v = c("INCRBYFLOAT", "f", "1e3")  # 1002.59999999999999998 (long double)
    assert isinstance(v, bytes) and abs(float(v) - 1002.6) < 1e-9, v
    log.expect((0, "SET", "f", v, "KEEPTTL"))  # the reply's digits
    assert c("HINCRBYFLOAT", "h", "fl", "1.5") == b"1.5"
    assert c("HINCRBYFLOAT", "h", "fl", "0.25") == b"1.75"
    log.expect((0, "HSET", "h", "fl", "1.5"), (0, "HSET", "h", "fl", "1.75"))
    assert c("INCR", "i") == 1
    assert c("INCRBY", "i", "5") == 6
    assert c("DECR", "i") == 5
    assert c("DECRBY", "i", "2") == 3
    assert c("HINCRBY", "h", "n", "2") == 2
    assert c("APPEND", "i", "x") == 2
    log.expect((0, "INCR", "i"), (0, "INCRBY", "i", "5"), (0, "DECR", "i"),
               (0, "DECRBY", "i", "2"), (0, "HINCRBY", "h", "n", "2"), (0, "APPEND", "i", "x"))
    _restart_and_compare(servers, h, snapshot(c))


def expect_srems(log, key, popped):
    """SPOP with a count of n > 1 elements (not the whole set): MULTI, SREM key m for each popped
    member (one per command), EXEC."""
    got = log.take(len(popped) + 2)
    assert len(got) == len(popped) + 2 and _entry_ok(MULTI, got[0]) and \
        _entry_ok(EXEC, got[-1]), got
    srems = got[1:-1]
    assert all(db == 0 and len(a) == 3 and a[0].upper() == b"SREM" and a[1] == key.encode()
               for db, a in srems), got
    assert sorted(a[2] for _, a in srems) == sorted(popped), (got, popped)


def test_log_spop_becomes_srem(servers, logged):
    """SPOP is logged as its effect: SREM k m (no count, or a count of 1); a count popping several
    members but not all logs one SREM per member in MULTI/EXEC (both of 7.0's strategies: a
    small count of a big set, a big count); a count >= the size logs DEL k; popping nothing
    logs nothing."""
    h, c, log = logged
    members = ["m%d" % i for i in range(100)]
    assert c("SADD", "s", *members) == 100
    log.expect((0, "SADD", "s", *members))
    m = c("SPOP", "s")
    log.expect((0, "SREM", "s", m))
    [m] = c("SPOP", "s", "1")
    log.expect((0, "SREM", "s", m))
    popped = c("SPOP", "s", "3")  # 3 * 5 <= 98: picks random members
    assert len(popped) == 3
    expect_srems(log, "s", popped)
    assert c("SADD", "t", "a", "b", "c", "d", "e") == 5
    log.expect((0, "SADD", "t", "a", "b", "c", "d", "e"))
    popped = c("SPOP", "t", "2")  # 2 * 5 > 5: keeps the remaining ones
    assert len(popped) == 2
    expect_srems(log, "t", popped)
    assert len(c("SPOP", "t", "10")) == 3
    log.expect((0, "DEL", "t"))
    assert c("SPOP", "s", "0") == []
    assert c("SPOP", "missing") is None
    assert c("SPOP", "missing", "3") == []
    assert c("SET", "marker", "1") == "OK"
    log.expect((0, "SET", "marker", "1"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_blocking_pops_served_at_once_become_plain_pops(servers, logged):
    """A blocking command served at once is logged as the non-blocking one: BLPOP -> LPOP k,
    BRPOP -> RPOP k, BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH, BZPOPMIN/MAX -> ZPOPMIN/MAX k; the
    m-pops name the count actually popped: LMPOP/BLMPOP -> LPOP|RPOP k n, ZMPOP/BZMPOP ->
    ZPOPMIN|ZPOPMAX k n. A pop of an empty list logs nothing."""
    h, c, log = logged
    assert c("RPUSH", "l", *"123456789") == 9
    log.expect((0, "RPUSH", "l", *"123456789"))
    assert c("BLPOP", "l", "0") == [b"l", b"1"]
    assert c("BRPOP", "nothing", "l", "0") == [b"l", b"9"]
    assert c("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0") == b"2"
    assert c("BRPOPLPUSH", "l", "l2", "0") == b"8"
    log.expect((0, "LPOP", "l"), (0, "RPOP", "l"),
               (0, "LMOVE", "l", "l2", NoCase("LEFT"), NoCase("RIGHT")),
               (0, "RPOPLPUSH", "l", "l2"))
    assert c("LMPOP", "1", "l", "LEFT", "COUNT", "2") == [b"l", [b"3", b"4"]]
    assert c("BLMPOP", "0", "2", "nothing", "l", "RIGHT") == [b"l", [b"7"]]
    assert c("LMPOP", "1", "l", "LEFT", "COUNT", "10") == [b"l", [b"5", b"6"]]
    log.expect((0, "LPOP", "l", "2"), (0, "RPOP", "l", "1"), (0, "LPOP", "l", "2"))
    assert c("LPOP", "l") is None
    assert c("LMPOP", "1", "l", "LEFT") is None
    assert c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e") == 5
    log.expect((0, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"))
    assert c("BZPOPMIN", "z", "0") == [b"z", b"a", b"1"]
    assert c("BZPOPMAX", "z", "0") == [b"z", b"e", b"5"]
    assert c("ZMPOP", "1", "z", "MIN") == [b"z", [[b"b", b"2"]]]
    assert c("BZMPOP", "0", "1", "z", "MAX", "COUNT", "5") == [b"z", [[b"d", b"4"], [b"c", b"3"]]]
    log.expect((0, "ZPOPMIN", "z"), (0, "ZPOPMAX", "z"), (0, "ZPOPMIN", "z", "1"),
               (0, "ZPOPMAX", "z", "2"))
    assert c("SET", "marker", "1") == "OK"
    log.expect((0, "SET", "marker", "1"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_blocked_pops_follow_the_push_that_served_them(servers, logged):
    """A client blocked in BLPOP/BLMOVE/BZPOPMIN/BLMPOP and served by another client's push: the
    push is logged, then the pop as the non-blocking command (LPOP k, LMOVE s d left right,
    ZPOPMIN k, LPOP k n), in the db of the keys; a push in MULTI/EXEC or a script is logged
    (wrapped or not) before the pop it served."""
    h, c, log = logged
    blocked = h.client()
    try:
        blocked.send("BLPOP", "bl", "0")
        wait_blocked(c, 1)
        assert c("LPUSH", "bl", "x", "y") == 2
        assert blocked.read() == [b"bl", b"y"]
        log.expect((0, "LPUSH", "bl", "x", "y"), (0, "LPOP", "bl"))
        blocked.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
        wait_blocked(c, 1)
        assert c("RPUSH", "src", "p") == 1
        assert blocked.read() == b"p"
        log.expect((0, "RPUSH", "src", "p"),
                   (0, "LMOVE", "src", "dst", NoCase("left"), NoCase("right")))
        blocked.send("BZPOPMIN", "bz", "0")
        wait_blocked(c, 1)
        assert c("ZADD", "bz", "1", "a", "2", "b") == 2
        assert blocked.read() == [b"bz", b"a", b"1"]
        log.expect((0, "ZADD", "bz", "1", "a", "2", "b"), (0, "ZPOPMIN", "bz"))
        blocked.send("BLMPOP", "0", "1", "bm", "LEFT", "COUNT", "2")
        wait_blocked(c, 1)
        assert c("RPUSH", "bm", "1", "2", "3") == 3
        assert blocked.read() == [b"bm", [b"1", b"2"]]
        log.expect((0, "RPUSH", "bm", "1", "2", "3"), (0, "LPOP", "bm", "2"))
        blocked.send("BRPOP", "bt", "0")
        wait_blocked(c, 1)
        assert c("MULTI") == "OK"
        assert c("RPUSH", "bt", "a", "b") == "QUEUED"
        assert c("SET", "after", "1") == "QUEUED"
        assert c("EXEC") == [2, "OK"]
        assert blocked.read() == [b"bt", b"b"]
        log.expect(MULTI, (0, "RPUSH", "bt", "a", "b"), (0, "SET", "after", "1"), EXEC,
                   (0, "RPOP", "bt"))
        blocked.send("BLPOP", "bs", "0")
        wait_blocked(c, 1)
        assert c("EVAL", "return redis.call('rpush', 'bs', 'a', 'b')", "0") == 2
        assert blocked.read() == [b"bs", b"a"]
        log.expect((0, "RPUSH", "bs", "a", "b"), (0, "LPOP", "bs"))
        assert blocked("SELECT", "5") == "OK"
        assert c("SELECT", "5") == "OK"
        blocked.send("BLPOP", "b5", "0")
        wait_blocked(c, 1)
        assert c("RPUSH", "b5", "only") == 1
        assert blocked.read() == [b"b5", b"only"]
        log.expect((5, "RPUSH", "b5", "only"), (5, "LPOP", "b5"))
        assert c("SELECT", "0") == "OK"
    finally:
        blocked.close()
    _restart_and_compare(servers, h, snapshot(c))


def test_log_restore_with_relative_ttl_gets_abs_ttl(servers, logged):
    """RESTORE k <ttl> with a relative TTL > 0 is logged with the absolute time and ABSTTL added
    at the end of its arguments (after REPLACE, IDLETIME...); a TTL of 0 or an ABSTTL RESTORE is
    logged as sent."""
    h, c, log = logged
    assert c("SET", "src", "value") == "OK"
    payload = c("DUMP", "src")
    log.expect((0, "SET", "src", "value"))
    reply, t0, t1 = timed(c, "RESTORE", "r1", "100000", payload)
    assert reply == "OK"
    log.expect((0, "RESTORE", "r1", At(t0 + 100000, t1 + 100000), payload, "ABSTTL"))
    reply, t0, t1 = timed(c, "RESTORE", "r1", "200000", payload, "REPLACE", "IDLETIME", "50")
    assert reply == "OK"
    log.expect((0, "RESTORE", "r1", At(t0 + 200000, t1 + 200000), payload, "REPLACE",
                "IDLETIME", "50", "ABSTTL"))
    assert c("RESTORE", "r0", "0", payload) == "OK"
    log.expect((0, "RESTORE", "r0", "0", payload))
    at_ms = now_ms() + 500000
    assert c("RESTORE", "r2", str(at_ms), payload, "ABSTTL") == "OK"
    log.expect((0, "RESTORE", "r2", str(at_ms), payload, "ABSTTL"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_scripts_wrap_several_effects_in_multi_exec(servers, logged):
    """EVAL/FCALL log the effects of the script (commands as the script called them, rewritten
    like any command: SET EX -> SET PXAT, INCRBYFLOAT -> SET KEEPTTL): two or more effects are
    wrapped in MULTI/EXEC, a single one is not, none (reads, writes that change nothing) logs
    nothing; a SELECT in the script applies to its effects only. FUNCTION LOAD is logged."""
    h, c, log = logged
    assert c("EVAL", "redis.call('set', 'e1', '1'); redis.call('set', 'e2', '2'); return 1",
             "0") == 1
    log.expect(MULTI, (0, "SET", "e1", "1"), (0, "SET", "e2", "2"), EXEC)
    assert c("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "one", "v") == "OK"
    log.expect((0, "SET", "one", "v"))
    assert c("EVAL", "return redis.call('get', 'e1')", "0") == b"1"
    assert c("EVAL", "return redis.call('sadd', 's', 'a')", "0") == 1
    assert c("EVAL", "return redis.call('sadd', 's', 'a')", "0") == 0
    log.expect((0, "SADD", "s", "a"))
    reply, t0, t1 = timed(c, "EVAL", "redis.call('set', 'ex', 'v', 'EX', 100); "
                          "return redis.call('incrbyfloat', 'ff', '1.5')", "0")
    assert reply == b"1.5"
    log.expect(MULTI, (0, "SET", "ex", "v", "PXAT", At(t0 + 100000, t1 + 100000)),
               (0, "SET", "ff", "1.5", "KEEPTTL"), EXEC)
    assert c("EVAL", "redis.call('select', '7'); return redis.call('set', 'in7', '1')",
             "0") == "OK"
    assert c("SET", "in0", "1") == "OK"
    log.expect((7, "SET", "in7", "1"), (0, "SET", "in0", "1"))
    assert c("EVAL", "redis.call('select', '8'); redis.call('set', 'a', '1'); "
             "redis.call('set', 'b', '1'); return 1", "0") == 1
    assert c("SET", "in0", "2") == "OK"
    log.expect(MULTI, (8, "SET", "a", "1"), (8, "SET", "b", "1"), EXEC, (0, "SET", "in0", "2"))
    code = ("#!lua name=aoflib\nredis.register_function('two', function(keys, args) "
            "redis.call('set', keys[1], args[1]); redis.call('set', keys[1] .. 'x', args[1]); "
            "return 1 end)")
    assert c("FUNCTION", "LOAD", code) == b"aoflib"
    log.expect((None, "FUNCTION", "LOAD", code))
    assert c("FCALL", "two", "1", "fk", "fv") == 1
    log.expect(MULTI, (0, "SET", "fk", "fv"), (0, "SET", "fkx", "fv"), EXEC)
    _restart_and_compare(servers, h, snapshot(c))


def test_log_transactions(servers, logged):
    """EXEC logs MULTI, the effects of the queued writes, EXEC when there are two effects or
    more; one effect alone (with reads around it) is logged bare; reads and writes that change
    nothing log nothing; a SELECT queued in the transaction applies to what follows it; a
    command with several effects (SPOP n) joins the same MULTI/EXEC."""
    h, c, log = logged

    def transaction(*commands):
        assert c("MULTI") == "OK"
        for cmd in commands:
            assert c(*cmd) == "QUEUED"
        return c("EXEC")

    assert transaction(("SET", "m1", "1"), ("SET", "m2", "2")) == ["OK", "OK"]
    log.expect(MULTI, (0, "SET", "m1", "1"), (0, "SET", "m2", "2"), EXEC)
    assert transaction(("GET", "m1"), ("INCR", "m1"), ("GET", "m2")) == [b"1", 2, b"2"]
    log.expect((0, "INCR", "m1"))
    assert transaction(("GET", "m1"), ("EXISTS", "m2")) == [b"2", 1]
    assert transaction(("SET", "m3", "x"), ("SADD", "s", "a"), ("SADD", "s", "a")) == \
        ["OK", 1, 0]
    log.expect(MULTI, (0, "SET", "m3", "x"), (0, "SADD", "s", "a"), EXEC)
    assert transaction(("SET", "m1", "1"), ("SELECT", "6"), ("SET", "m2", "1")) == \
        ["OK", "OK", "OK"]
    assert c("SET", "in6", "1") == "OK"
    log.expect(MULTI, (0, "SET", "m1", "1"), (6, "SET", "m2", "1"), EXEC, (6, "SET", "in6", "1"))
    assert c("SELECT", "0") == "OK"
    assert transaction(("EXPIRE", "m1", "-1"),) == [1]
    log.expect((0, "DEL", "m1"))
    assert c("SADD", "big", *["b%d" % i for i in range(20)]) == 20
    log.take(1)
    reply = transaction(("SET", "x", "1"), ("SPOP", "big", "2"))
    popped = reply[1]
    got = log.take(5)
    assert len(got) == 5 and _entry_ok(MULTI, got[0]) and _entry_ok(EXEC, got[4]) and \
        _entry_ok((0, "SET", "x", "1"), got[1]), got
    assert sorted(a[2] for _, a in got[2:4] if a[0].upper() == b"SREM") == sorted(popped), got
    assert transaction(("SET", "t1", "1"), ("EVAL", "redis.call('set', 'e1', '1'); "
                        "redis.call('set', 'e2', '2'); return 1", "0")) == ["OK", 1]
    log.expect(MULTI, (0, "SET", "t1", "1"), (0, "SET", "e1", "1"), (0, "SET", "e2", "2"), EXEC)
    _restart_and_compare(servers, h, snapshot(c))


def test_log_skips_reads_and_writes_that_change_nothing(servers, logged):
    """Reads are not logged, nor writes that change nothing (dirty stays 0): SADD of a member
    there, DEL/EXPIRE/PERSIST/RENAME of a missing key, LPUSHX on a missing list, SETNX of an
    existing key, ZADD of the same score, SREM of a missing member, SETRANGE with an empty
    string. Some writes count as changes even when the value stays: HSET of the same value and
    APPEND of an empty string are logged."""
    h, c, log = logged
    assert c("SADD", "s", "a") == 1
    assert c("HSET", "h", "f", "1") == 1
    assert c("ZADD", "z", "1", "a") == 1
    assert c("SET", "str", "v") == "OK"
    log.expect((0, "SADD", "s", "a"), (0, "HSET", "h", "f", "1"), (0, "ZADD", "z", "1", "a"),
               (0, "SET", "str", "v"))
    for cmd in [("SADD", "s", "a"), ("DEL", "missing"), ("UNLINK", "missing"),
                ("EXPIRE", "missing", "10"), ("PERSIST", "str"), ("RENAME", "missing", "x"),
                ("LPUSHX", "missing", "x"), ("SETNX", "str", "w"), ("ZADD", "z", "1", "a"),
                ("SREM", "s", "nope"), ("HDEL", "h", "nope"), ("SETRANGE", "str", "0", ""),
                ("GET", "str"), ("MGET", "str", "missing"), ("EXISTS", "str"), ("TTL", "str"),
                ("SMEMBERS", "s"), ("HGETALL", "h"), ("ZRANGE", "z", "0", "-1"), ("DBSIZE",),
                ("SCAN", "0"), ("KEYS", "*"), ("TYPE", "s"), ("STRLEN", "str"),
                ("SRANDMEMBER", "s"), ("LRANGE", "l", "0", "-1"), ("PING",), ("SELECT", "3"),
                ("SELECT", "0"), ("GETRANGE", "str", "0", "-1"), ("RANDOMKEY",),
                ("LPOP", "missing"), ("SPOP", "missing"), ("ZPOPMIN", "missing"),
                ("SET", "str", "x", "NX"), ("MSETNX", "str", "1", "other", "2")]:
        reply = c(*cmd)
        assert not isinstance(reply, Err) or cmd[0] == "RENAME", (cmd, reply)
    assert c("SET", "marker", "1") == "OK"
    log.expect((0, "SET", "marker", "1"))
    assert c("HSET", "h", "f", "1") == 0
    assert c("APPEND", "str", "") == 1
    log.expect((0, "HSET", "h", "f", "1"), (0, "APPEND", "str", ""))
    assert c("DEL", "s", "missing") == 1
    log.expect((0, "DEL", "s", "missing"))
    _restart_and_compare(servers, h, snapshot(c))


def test_log_expired_keys_deleted_on_access(servers, logged):
    """A key found expired when a command looks it up is deleted and DEL k is logged first (also
    for reads: GET, EXISTS, a script's GET); when the command itself then writes (SET on the
    expired key), Redis wraps the two in MULTI/EXEC; in a transaction the DEL lands where the
    lookup happened inside the block. (Active expiry is off here: DEBUG SET-ACTIVE-EXPIRE 0.)"""
    h, c, log = logged
    assert c("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"

    def short_lived(key):
        reply, t0, t1 = timed(c, "SET", key, "1", "PX", "20")
        assert reply == "OK"
        log.expect((0, "SET", key, "1", "PXAT", At(t0 + 20, t1 + 20)))
        time.sleep(0.05)

    short_lived("k1")
    assert c("GET", "k1") is None
    log.expect((0, "DEL", "k1"))
    short_lived("k2")
    assert c("EXISTS", "k2") == 0
    log.expect((0, "DEL", "k2"))
    short_lived("k3")
    assert c("EVAL", "return redis.call('get', 'k3')", "0") is None
    log.expect((0, "DEL", "k3"))
    short_lived("k4")
    assert c("SET", "k4", "2") == "OK"
    log.expect(MULTI, (0, "DEL", "k4"), (0, "SET", "k4", "2"), EXEC)
    short_lived("k5")
    assert c("MULTI") == "OK"
    assert c("SET", "t1", "1") == "QUEUED"
    assert c("GET", "k5") == "QUEUED"
    assert c("SET", "t2", "1") == "QUEUED"
    assert c("EXEC") == ["OK", None, "OK"]
    log.expect(MULTI, (0, "SET", "t1", "1"), (0, "DEL", "k5"), (0, "SET", "t2", "1"), EXEC)
    short_lived("k6")
    assert c("GETEX", "k6", "EX", "100") is None
    log.expect((0, "DEL", "k6"))
    assert c("SELECT", "2") == "OK"
    reply, t0, t1 = timed(c, "SET", "k7", "1", "PX", "20")
    log.expect((2, "SET", "k7", "1", "PXAT", At(t0 + 20, t1 + 20)))
    time.sleep(0.05)
    assert c("SELECT", "0") == "OK"
    assert c("SET", "x", "1") == "OK"
    assert c("SELECT", "2") == "OK"
    assert c("GET", "k7") is None
    log.expect((0, "SET", "x", "1"), (2, "DEL", "k7"))
    assert c("SELECT", "0") == "OK"
    assert c("DEBUG", "SET-ACTIVE-EXPIRE", "1") == "OK"
    _restart_and_compare(servers, h, snapshot(c))


def test_log_select_and_keyspace_commands(servers, logged):
    """Each command is logged with its db (a SELECT is written when the db differs from the last
    one logged, whatever client sends it; a new incr file after a rewrite starts with one);
    FLUSHALL [ASYNC|SYNC], FLUSHDB, SWAPDB, MOVE, COPY ... DB, RENAME are logged as sent."""
    h, c, log = logged
    other = h.client()
    try:
        assert c("SET", "a", "0") == "OK"
        assert c("SELECT", "3") == "OK"
        assert c("SET", "a", "3") == "OK"
        assert c("SET", "b", "3") == "OK"
        assert other("SELECT", "4") == "OK"
        assert other("SET", "a", "4") == "OK"
        assert c("SET", "c", "3") == "OK"
        assert other("SELECT", "0") == "OK"
        assert other("SET", "d", "0") == "OK"
        log.expect((0, "SET", "a", "0"), (3, "SET", "a", "3"), (3, "SET", "b", "3"),
                   (4, "SET", "a", "4"), (3, "SET", "c", "3"), (0, "SET", "d", "0"))
        assert c("MOVE", "a", "9") == 1
        assert c("COPY", "b", "b2", "DB", "10") == 1
        assert c("RENAME", "c", "c2") == "OK"
        assert c("SWAPDB", "3", "11") == "OK"
        assert c("FLUSHDB") == "OK"  # db 3, the old db 11
        log.expect((3, "MOVE", "a", "9"), (3, "COPY", "b", "b2", "DB", "10"),
                   (3, "RENAME", "c", "c2"), (None, "SWAPDB", "3", "11"), (3, "FLUSHDB"))
        assert c("SET", "k", "v") == "OK"
        bgrewriteaof(c)
        log = AofLog(h)  # the new incr file: its first command is in db 3
        assert c("SET", "k2", "v") == "OK"
        assert other("SET", "k0", "v") == "OK"
        log.expect((3, "SET", "k2", "v"), (0, "SET", "k0", "v"))
        want = snapshot(c)  # leaves db 0 selected
        assert c("SELECT", "3") == "OK"
        assert c("FLUSHALL", "ASYNC") == "OK"
        assert c("FLUSHALL") == "OK"
        assert c("FLUSHDB", "SYNC") == "OK"
        log.expect((None, "FLUSHALL", "ASYNC"), (None, "FLUSHALL"), (3, "FLUSHDB", "SYNC"))
        assert c("SET", "after", "flush") == "OK"
        log.take(1)
        assert want != snapshot(c)
        assert c("SELECT", "3") == "OK"
        _restart_and_compare(servers, h, snapshot(c))
    finally:
        other.close()


# --------------------------------------------------------------------------
# 4. BGREWRITEAOF
# --------------------------------------------------------------------------


def test_bgrewriteaof_rotates_the_files(servers):
    """BGREWRITEAOF replies "Background append only file rewriting started"; while it runs the
    manifest lists the old base, the old incr and a new incr file (seq 2) that takes the new
    writes, INFO shows aof_rewrite_in_progress:1, a second BGREWRITEAOF is refused; when done
    the manifest names base seq 2 and incr seq 2, the old files are deleted, aof_rewrites
    counts it (from its start), and what was written before, during and after is loaded on
    restart."""
    h = servers.start(*ALWAYS)
    c = h.client()
    fill_strings(c, 1000)
    assert c("SET", "before", "1") == "OK"
    assert c("RPUSH", "list", "a", "b") == 2
    assert aof_info(c)["aof_rewrites"] == "0"
    start_slow_rewrite(c, 1000)  # 1000 keys: one second
    p = persistence(c)
    assert (p["aof_rewrite_in_progress"], p["aof_rewrites"]) == ("1", "1"), p
    assert c("BGREWRITEAOF") == Err(REWRITE_IN_PROGRESS)
    assert manifest_text(h) == MANIFEST_1 + "file appendonly.aof.2.incr.aof seq 2 type i\n"
    log = AofLog(h)
    assert c("SET", "during", "1") == "OK"
    assert c("RPUSH", "list", "c") == 3
    log.expect((0, "SET", "during", "1"), (0, "RPUSH", "list", "c"))
    assert int(persistence(c)["aof_current_rewrite_time_sec"]) >= 0
    p = wait_rewrite_done(c)
    assert c("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    assert (p["aof_last_bgrewrite_status"], p["aof_rewrites"],
            p["aof_current_rewrite_time_sec"]) == ("ok", "1", "-1"), p
    assert int(p["aof_last_rewrite_time_sec"]) >= 0
    assert manifest_text(h) == MANIFEST_2
    wait_files(h, [MANIFEST, "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"])
    base = os.path.join(aof_dir(h), "appendonly.aof.2.base.rdb")
    assert read(base)[:9] == b"REDIS0010"
    # aof_base_size: the AOF's size when the rewrite ended (the new base, and the incr file
    # with what was written during the rewrite), the base of the next automatic rewrite
    p = persistence(c)
    size = os.path.getsize(base) + os.path.getsize(incr_path(h))
    assert (int(p["aof_base_size"]), int(p["aof_current_size"])) == (size, size), p
    assert c("SET", "after", "1") == "OK"
    log.expect((0, "SET", "after", "1"))
    want = snapshot(c)
    c.close()
    h2, got = restarted_snapshot(servers, h)
    assert_same_snapshot(want, got)
    c = h2.client()
    try:
        assert c("LRANGE", "list", "0", "-1") == [b"a", b"b", b"c"]
        assert (c("GET", "before"), c("GET", "during"), c("GET", "after")) == (b"1",) * 3
        assert manifest_text(h2) == MANIFEST_2
        bgrewriteaof(c)
        assert manifest_text(h2) == ("file appendonly.aof.3.base.rdb seq 3 type b\n"
                                     "file appendonly.aof.3.incr.aof seq 3 type i\n")
        assert persistence(c)["aof_rewrites"] == "1"  # a restart starts counting again
    finally:
        c.close()


def test_bgrewriteaof_during_bgsave_is_scheduled(servers):
    """BGREWRITEAOF while a BGSAVE runs replies "Background append only file rewriting
    scheduled" (aof_rewrite_scheduled:1, again when repeated); the rewrite starts when the save
    ends. BGSAVE while a rewrite runs: "ERR Another child process is active (AOF?) ...", BGSAVE
    SCHEDULE: "Background saving scheduled", and the save runs after the rewrite."""
    h = servers.start(*AOF_ON)
    c = h.client()
    fill_strings(c, 600)
    assert c("CONFIG", "SET", "rdb-key-save-delay", "1000") == "OK"
    assert c("BGSAVE") == "Background saving started"
    assert c("BGREWRITEAOF") == REWRITE_SCHEDULED
    p = persistence(c)
    assert (p["rdb_bgsave_in_progress"], p["aof_rewrite_in_progress"],
            p["aof_rewrite_scheduled"], p["aof_rewrites"]) == ("1", "0", "1", "0"), p
    assert c("BGREWRITEAOF") == REWRITE_SCHEDULED
    assert c("BGSAVE") == Err("ERR Background save already in progress")
    assert c("SET", "k", "v") == "OK"

    def rewriting():
        p = persistence(c)
        return p if p["aof_rewrite_in_progress"] == "1" else None
    p = wait_until(rewriting, 10, "the scheduled rewrite to start")
    assert (p["rdb_bgsave_in_progress"], p["aof_rewrite_scheduled"], p["aof_rewrites"],
            p["rdb_last_bgsave_status"]) == ("0", "0", "1", "ok"), p
    assert c("BGSAVE") == Err(BGSAVE_CHILD_ACTIVE)
    assert c("BGSAVE", "SCHEDULE") == "Background saving scheduled"
    assert c("BGREWRITEAOF") == Err(REWRITE_IN_PROGRESS)
    saves = int(p["rdb_saves"])

    def saved():
        p = persistence(c)
        return p if int(p["rdb_saves"]) > saves and p["rdb_bgsave_in_progress"] == "0" else None
    p = wait_until(saved, 15, "the scheduled BGSAVE to run after the rewrite")
    assert (p["aof_rewrite_in_progress"], p["aof_last_bgrewrite_status"], p["aof_rewrites"],
            p["rdb_last_bgsave_status"]) == ("0", "ok", "1", "ok"), p
    assert c("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    assert manifest_text(h) == MANIFEST_2
    want = snapshot(c)
    c.close()
    assert_same_snapshot(want, restarted_snapshot(servers, h)[1])


# --------------------------------------------------------------------------
# 5. Truncated and corrupt files
# --------------------------------------------------------------------------


def written_aof(servers, *commands):
    """A stopped server (appendonly yes) after `commands`; returns (handle, incr file path,
    [(end offset, args)] of the incr file)."""
    h = servers.start(*AOF_ON)
    c = h.client()
    for cmd in commands:
        assert not isinstance(c(*cmd), Err), cmd
    c.close()
    servers.stop(h)
    path = incr_path(h)
    data = read(path)
    parsed, end = parse_aof(data)
    assert end == len(data)
    return h, path, parsed


def start_on(servers, h, *extra, wait=True):
    return servers.start(*AOF_ON, *extra, dir=h.dir, wait=wait)


def test_truncated_aof_loads_the_prefix_when_allowed(servers):
    """The last incr file cut in the middle of a command: with aof-load-truncated no the server
    does not start (exit code not 0, "Unexpected end of file reading the append only file
    <incr>" in its log) and the file is left alone; with yes (the default) it loads the
    complete commands and truncates the file to the end of the last one."""
    h, path, parsed = written_aof(servers, ("SET", "a", "1"), ("RPUSH", "l", "x", "y"),
                                  ("SET", "b", "2"), ("SET", "c", "a-longer-value-to-cut"))
    whole = read(path)
    assert [a[0].upper() for _, a in parsed] == [b"SELECT", b"SET", b"RPUSH", b"SET", b"SET"]
    keep = parsed[-2][0]  # after SET b 2
    cut = keep + (len(whole) - keep) // 2
    with open(path, "r+b") as f:
        f.truncate(cut)
    h2 = start_on(servers, h, "--aof-load-truncated", "no", wait=False)
    expect_start_failure(h2)
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" \
        in h2.log(), h2.log()
    assert os.path.getsize(path) == cut
    h3 = start_on(servers, h, "--aof-load-truncated", "yes")
    c = h3.client()
    try:
        assert os.path.getsize(path) == keep
        assert read(path) == whole[:keep]
        assert (c("GET", "a"), c("LRANGE", "l", "0", "-1"), c("GET", "b"), c("EXISTS", "c")) == \
            (b"1", [b"x", b"y"], b"2", 0)
        assert c("SET", "d", "4") == "OK"  # appended after the cut
    finally:
        c.close()
    c = servers.restart(h3).client()
    try:
        assert (c("GET", "b"), c("GET", "d"), c("EXISTS", "c")) == (b"2", b"4", 0)
    finally:
        c.close()


def test_unterminated_multi_at_the_end_is_dropped(servers):
    """An incr file that ends inside a MULTI block (the EXEC cut off): with aof-load-truncated
    yes the transaction is reverted (none of its commands applied) and the file truncated to
    where the MULTI began; with no the server does not start."""
    h, path, parsed = written_aof(servers, ("SET", "a", "1"), ("MULTI",), ("SET", "b", "2"),
                                  ("SET", "c", "3"), ("EXEC",))
    names = [a[0].upper() for _, a in parsed]
    assert names == [b"SELECT", b"SET", b"MULTI", b"SET", b"SET", b"EXEC"], names
    before_multi = parsed[1][0]
    with open(path, "r+b") as f:
        f.truncate(parsed[4][0])  # the two SETs are there, the EXEC is not
    h2 = start_on(servers, h, "--aof-load-truncated", "no", wait=False)
    expect_start_failure(h2)
    h3 = start_on(servers, h)
    c = h3.client()
    try:
        assert (c("GET", "a"), c("EXISTS", "b"), c("EXISTS", "c")) == (b"1", 0, 0)
        assert os.path.getsize(path) == before_multi
    finally:
        c.close()


def test_corrupt_command_in_the_middle_fails_the_start(servers):
    """A malformed command in the middle of the incr file (not a RESP array) stops the start
    even with aof-load-truncated yes: "Bad file format reading the append only file <incr>" in
    the log, exit code not 0, the file left alone."""
    h, path, parsed = written_aof(servers, ("SET", "a", "1"), ("SET", "b", "2"),
                                  ("SET", "c", "3"))
    data = bytearray(read(path))
    at = parsed[1][0]  # the second SET
    assert data[at:at + 1] == b"*"
    data[at:at + 1] = b"x"
    with open(path, "wb") as f:
        f.write(data)
    h2 = start_on(servers, h, "--aof-load-truncated", "yes", wait=False)
    expect_start_failure(h2)
    assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in h2.log(), \
        h2.log()
    assert read(path) == bytes(data)


# --------------------------------------------------------------------------
# 6. AOF and dump.rdb
# --------------------------------------------------------------------------


def test_aof_wins_over_dump_rdb(servers):
    """With appendonly yes Redis 7.0 loads only the AOF: started on a dir with a dump.rdb and no
    appendonlydir it starts EMPTY (the dump is not loaded) and creates the AOF files (seq 1);
    when both exist with different data, the AOF's is loaded, and with appendonly no the
    dump's. The dump.rdb is left as it was."""
    h = servers.start()
    c = h.client()
    assert c("MSET", "rdb:1", "a", "rdb:2", "b", "both", "from-rdb") == "OK"
    assert c("SAVE") == "OK"
    c.close()
    servers.stop(h)
    dump = read(h.dump)
    h = servers.start(*AOF_ON, dir=h.dir)
    c = h.client()
    assert c("DBSIZE") == 0
    assert manifest_text(h) == MANIFEST_1
    assert c("MSET", "aof:1", "x", "both", "from-aof") == "OK"
    c.close()
    servers.stop(h)
    assert read(h.dump) == dump
    h = servers.start(*AOF_ON, dir=h.dir)
    c = h.client()
    try:
        assert sorted(c("KEYS", "*")) == [b"aof:1", b"both"]
        assert c("GET", "both") == b"from-aof"
    finally:
        c.close()
    servers.stop(h)
    h = servers.start("--appendonly", "no", dir=h.dir)
    c = h.client()
    try:
        assert sorted(c("KEYS", "*")) == [b"both", b"rdb:1", b"rdb:2"]
        assert c("GET", "both") == b"from-rdb"
    finally:
        c.close()
    servers.stop(h)
    assert read(h.dump) == dump
    assert manifest_text(h) == MANIFEST_1


# --------------------------------------------------------------------------
# 7. CONFIG SET appendonly
# --------------------------------------------------------------------------


def test_config_set_appendonly_at_runtime(servers):
    """CONFIG SET appendonly yes starts a rewrite at once (aof_enabled:1,
    aof_rewrite_in_progress:1, aof_rewrites:1): the files (seq 1) hold the data already there
    and what is written after; CONFIG SET appendonly no stops logging (aof_enabled:0) and leaves
    the files, so a restart with appendonly yes loses what was written since; enabling it again
    rewrites to base/incr seq 2 and drops the seq 1 files."""
    h = servers.start()
    c = h.client()
    fill_strings(c, 200)
    assert c("SET", "before", "1") == "OK"
    assert persistence(c)["aof_enabled"] == "0"
    assert not os.path.exists(aof_dir(h))
    assert c("CONFIG", "SET", "appendonly", "yes") == "OK"
    p = persistence(c)
    assert (p["aof_enabled"], p["aof_rewrites"]) == ("1", "1"), p
    assert c("CONFIG", "GET", "appendonly") == [b"appendonly", b"yes"]
    p = wait_rewrite_done(c)
    assert p["aof_last_bgrewrite_status"] == "ok"
    assert manifest_text(h) == MANIFEST_1
    wait_files(h, [MANIFEST, "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof"])
    assert c("SET", "after", "2") == "OK"
    wait_until(lambda: b"after" in read(incr_path(h)), 15, "the write in the incr file")
    assert c("CONFIG", "SET", "appendonly", "no") == "OK"
    assert persistence(c)["aof_enabled"] == "0"
    size = os.path.getsize(incr_path(h))
    assert c("SET", "not-logged", "3") == "OK"
    time.sleep(0.2)
    assert os.path.getsize(incr_path(h)) == size
    assert manifest_text(h) == MANIFEST_1
    c.close()
    servers.stop(h)
    h = servers.start(*AOF_ON, dir=h.dir)
    c = h.client()
    assert (c("GET", "before"), c("GET", "after"), c("EXISTS", "not-logged"),
            c("DBSIZE")) == (b"1", b"2", 0, 202)
    assert c("CONFIG", "SET", "appendonly", "no") == "OK"
    assert c("SET", "x", "1") == "OK"
    assert c("CONFIG", "SET", "appendonly", "yes") == "OK"
    wait_rewrite_done(c)
    assert manifest_text(h) == MANIFEST_2
    wait_files(h, [MANIFEST, "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"])
    want = snapshot(c)
    c.close()
    assert_same_snapshot(want, restarted_snapshot(servers, h)[1])



def test_enabling_after_a_restart_without_aof_numbers_after_the_old_files(servers):
    """A directory left by a run with appendonly yes, then a run with appendonly no that turns it
    on: the new files are numbered after the old ones (Redis reads the manifest at start
    whatever appendonly says), the old ones are dropped, and a restart loads the new ones."""
    h = servers.start(*AOF_ON)
    c = h.client()
    assert c("SET", "old", "1") == "OK"
    c.close()
    servers.stop(h)
    h = servers.start(dir=h.dir)
    c = h.client()
    assert c("GET", "old") is None  # appendonly no: the AOF is not loaded
    assert c("SET", "new", "2") == "OK"
    assert c("CONFIG", "SET", "appendonly", "yes") == "OK"
    wait_rewrite_done(c)
    assert manifest_text(h) == MANIFEST_2
    wait_files(h, [MANIFEST, "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"])
    assert c("SET", "later", "3") == "OK"
    want = snapshot(c)
    c.close()
    assert_same_snapshot(want, restarted_snapshot(servers, h, *AOF_ON)[1])

# --------------------------------------------------------------------------
# 8. INFO persistence
# --------------------------------------------------------------------------

# INFO persistence of redis-server 7.0.15 with appendonly yes, in its order (None: not fixed).
AOF_INFO = [
    ("loading", "0"), ("async_loading", "0"), ("current_cow_peak", "0"),
    ("current_cow_size", "0"), ("current_cow_size_age", "0"), ("current_fork_perc", "0.00"),
    ("current_save_keys_processed", "0"), ("current_save_keys_total", "0"),
    ("rdb_changes_since_last_save", None), ("rdb_bgsave_in_progress", "0"),
    ("rdb_last_save_time", None), ("rdb_last_bgsave_status", "ok"),
    ("rdb_last_bgsave_time_sec", "-1"), ("rdb_current_bgsave_time_sec", "-1"),
    ("rdb_saves", "0"), ("rdb_last_cow_size", "0"), ("rdb_last_load_keys_expired", "0"),
    ("rdb_last_load_keys_loaded", "0"),
    ("aof_enabled", "1"), ("aof_rewrite_in_progress", "0"), ("aof_rewrite_scheduled", "0"),
    ("aof_last_rewrite_time_sec", "-1"), ("aof_current_rewrite_time_sec", "-1"),
    ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", "0"),
    ("aof_rewrites_consecutive_failures", "0"), ("aof_last_write_status", "ok"),
    ("aof_last_cow_size", "0"), ("module_fork_in_progress", "0"),
    ("module_fork_last_cow_size", "0"),
    ("aof_current_size", None), ("aof_base_size", None), ("aof_pending_rewrite", "0"),
    ("aof_buffer_length", "0"), ("aof_pending_bio_fsync", "0"), ("aof_delayed_fsync", "0"),
]


def test_info_persistence_with_aof(servers):
    """INFO persistence with appendonly yes has the fields of Redis 7.0 in its order, the aof_*
    ones after module_fork_last_cow_size; aof_current_size grows by what the incr file grows;
    after a restart aof_base_size is the base file's size and aof_current_size the size of all
    the files of the manifest; after a rewrite aof_base_size is the new base's size."""
    h = servers.start(*ALWAYS)
    c = h.client()
    p = persistence(c)
    assert list(p) == [k for k, _ in AOF_INFO]
    for k, v in AOF_INFO:
        if v is not None:
            assert p[k] == v, (k, p[k])
    size0, incr0 = int(p["aof_current_size"]), os.path.getsize(incr_path(h))
    fill_strings(c, 300)
    assert c("RPUSH", "l", *["x" * 100] * 50) == 50
    p = persistence(c)
    grown = os.path.getsize(incr_path(h)) - incr0
    assert grown > 300 * 16
    assert int(p["aof_current_size"]) - size0 == grown
    assert (p["aof_last_write_status"], p["aof_buffer_length"]) == ("ok", "0")
    c.close()
    h = servers.restart(h)
    c = h.client()
    p = persistence(c)
    files = [os.path.join(aof_dir(h), f) for f, _, _ in manifest_entries(h)]
    assert int(p["aof_base_size"]) == os.path.getsize(files[0])
    assert int(p["aof_current_size"]) == sum(os.path.getsize(f) for f in files)
    bgrewriteaof(c)
    p = persistence(c)
    base = os.path.join(aof_dir(h), "appendonly.aof.2.base.rdb")
    assert int(p["aof_base_size"]) == os.path.getsize(base)
    assert int(p["aof_current_size"]) == os.path.getsize(base) + os.path.getsize(incr_path(h))
    assert (p["aof_rewrites"], p["aof_last_bgrewrite_status"]) == ("1", "ok")
    assert int(p["aof_last_rewrite_time_sec"]) >= 0
    c.close()


# --------------------------------------------------------------------------
# 9. redis-check-aof, files both ways with redis-server 7.0
# --------------------------------------------------------------------------


def write_history(c):
    """fill_every_type, a rewrite, then more writes in the new incr file."""
    fill_every_type(c)
    bgrewriteaof(c)
    assert c("SELECT", "5") == "OK"
    assert c("SET", "after:expiring", "v", "EX", "1000") == "OK"
    assert c("INCRBYFLOAT", "after:float", "0.5") == b"0.5"
    assert c("SELECT", "0") == "OK"
    assert c("RPUSH", "list:small", "after") == 7
    assert c("HSET", "hash:listpack", "after", "1") == 1
    assert c("DEL", "str:int") == 1
    assert c("SADD", "set:hashtable", "after") == 1
    assert c("ZADD", "zset:listpack", "42", "after") == 1
    assert isinstance(c("SPOP", "set:many-strings", "3"), list)
    assert c("EVAL", "redis.call('set', 'e1', '1'); redis.call('set', 'e2', '2'); return 1",
             "0") == 1


def copy_aof_dir(servers, h):
    d = servers.new_dir()
    shutil.copytree(aof_dir(h), os.path.join(d, AOF_DIR))
    return d


def test_redis_check_aof_accepts_the_server_files(servers):
    """redis-check-aof <dir>/appendonly.aof.manifest exits 0 ("All AOF files and manifest are
    valid") on the server's files after writes, and after a rewrite and more writes."""
    h = servers.start(*AOF_ON)
    c = h.client()
    fill_strings(c, 100)
    assert c("RPUSH", "l", "a") == 1
    assert c("EVAL", "redis.call('set', 'e1', '1'); redis.call('set', 'e2', '2'); return 1",
             "0") == 1
    c.close()
    servers.stop(h)
    manifest = os.path.join(aof_dir(h), MANIFEST)
    rc, out = check_aof(manifest)
    assert rc == 0 and "All AOF files and manifest are valid" in out, out
    h = servers.restart(h)
    c = h.client()
    write_history(c)
    c.close()
    servers.stop(h)
    rc, out = check_aof(manifest)
    assert rc == 0 and "All AOF files and manifest are valid" in out, out


def test_redis_loads_the_servers_aof_dir(servers):
    """A copy of the appendonlydir the server wrote (base RDB + incr after a rewrite) loads into
    a real redis-server 7.0 with appendonly yes, with the same data and functions."""
    h = servers.start(*AOF_ON)
    c = h.client()
    write_history(c)
    want = snapshot(c)
    c.close()
    servers.stop(h)
    ref = servers.start(*AOF_ON, dir=copy_aof_dir(servers, h), reference=True)
    c = ref.client()
    try:
        assert_same_snapshot(want, snapshot(c))
    finally:
        c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_server_loads_redis_aof_dir(servers, shards):
    """A copy of the appendonlydir a real redis-server 7.0 wrote loads into the server with
    appendonly yes, with the same data and functions, and the server goes on appending to it."""
    ref = servers.start(*AOF_ON, reference=True)
    c = ref.client()
    write_history(c)
    want = snapshot(c)
    c.close()
    servers.stop(ref)
    h = servers.start(*AOF_ON, dir=copy_aof_dir(servers, ref), shards=shards)
    c = h.client()
    assert_same_snapshot(want, snapshot(c))
    assert manifest_text(h) == MANIFEST_2
    assert c("SET", "more", "1") == "OK"
    want = snapshot(c)
    c.close()
    assert_same_snapshot(want, restarted_snapshot(servers, h)[1])


# --------------------------------------------------------------------------
# 10. Crash safety
# --------------------------------------------------------------------------


class Acker(threading.Thread):
    """INCR of a counter and RPUSH of unique values on a connection of its own, recording every
    acknowledged reply, until the connection breaks (the crash) or `limit` rounds."""

    def __init__(self, h, name, limit=100000):
        super().__init__(daemon=True)
        self.c = h.client()
        self.counter, self.list = "{%s}:ctr" % name, "{%s}:lst" % name
        self.name, self.limit = name, limit
        self.last = 0
        self.pushed = []
        self.error = None

    def run(self):
        try:
            for n in range(1, self.limit + 1):
                v = self.c("INCR", self.counter)
                assert v == self.last + 1, (self.counter, v, self.last)
                self.last = v
                value = b"%s-%d" % (self.name.encode(), n)
                assert self.c("RPUSH", self.list, value) == len(self.pushed) + 1
                self.pushed.append(value)
        except (ConnectionClosed, OSError):
            pass
        except AssertionError as e:
            self.error = e
        finally:
            self.c.close()

    def check(self, c):
        assert self.error is None, repr(self.error)
        got = int(c("GET", self.counter) or 0)
        assert self.last <= got <= self.last + 1, (self.counter, self.last, got)
        lst = c("LRANGE", self.list, "0", "-1")
        assert lst[:len(self.pushed)] == self.pushed, \
            "%s: acknowledged RPUSHes lost (%d acked, %d there)" % (self.list, len(self.pushed),
                                                                     len(lst))
        assert len(lst) <= len(self.pushed) + 1, (self.list, len(lst), len(self.pushed))


def run_and_crash(servers, h, names, rnd, before_crash=None):
    workers = [Acker(h, n) for n in names]
    for w in workers:
        w.start()
    wait_until(lambda: all(w.last >= 5 for w in workers), 20, "the writers to get going")
    time.sleep(rnd.uniform(0.05, 0.4))
    if before_crash:
        before_crash()
    servers.crash(h)
    for w in workers:
        w.join(10)
        assert not w.is_alive()
    return workers


def test_crash_keeps_every_acknowledged_write(servers):
    """appendfsync always and SIGKILL at a random moment while 6 clients INCR counters and
    RPUSH unique values: after the restart each counter is the last acknowledged value (or one
    more: the reply that did not arrive) and each list holds every acknowledged element in
    order. Three rounds on the same dir."""
    h = servers.start(*ALWAYS)
    for round_ in range(3):
        rnd = random.Random(round_)
        names = spread_keys("r%d:" % round_, 6)
        workers = run_and_crash(servers, h, names, rnd)
        h = servers.restart(h)
        c = h.client()
        try:
            for w in workers:
                w.check(c)
        finally:
            c.close()


def crash_while(servers, start_job, running, prefix, seed):
    """appendfsync always, 3000 keys, a background job slowed by rdb-key-save-delay (about three
    seconds) started by start_job(c), writers, and SIGKILL while running(h, c) holds; after the
    restart every acknowledged write and the keys written before are there. Returns the
    restarted server and a client."""
    h = servers.start(*ALWAYS)
    c = h.client()
    fill_strings(c, 3000)
    start_job(c)
    workers = run_and_crash(servers, h, spread_keys(prefix, 4), random.Random(seed),
                            lambda: running(h, c))
    c.close()
    h = servers.restart(h)
    c = h.client()
    for w in workers:
        w.check(c)
    assert c("GET", "fill:2999") is not None
    return h, c


def test_crash_during_a_rewrite_keeps_every_acknowledged_write(servers):
    """SIGKILL (server and its rewrite child) while a BGREWRITEAOF slowed by rdb-key-save-delay
    runs and clients write with appendfsync always: the server starts on the manifest of the
    interrupted rewrite (old base, old incr, new incr), no acknowledged write is lost, and the
    next rewrite completes with base seq 2 and incr seq 3."""
    rotated = MANIFEST_1 + "file appendonly.aof.2.incr.aof seq 2 type i\n"

    def still_rewriting(h, c):
        assert persistence(c)["aof_rewrite_in_progress"] == "1"
        assert manifest_text(h) == rotated

    h, c = crash_while(servers, lambda c: start_slow_rewrite(c, 1000), still_rewriting, "rw:", 7)
    try:
        assert manifest_text(h) == rotated
        bgrewriteaof(c)
        assert manifest_text(h) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                                    "file appendonly.aof.3.incr.aof seq 3 type i\n")
        want = snapshot(c)
    finally:
        c.close()
    assert_same_snapshot(want, restarted_snapshot(servers, h)[1])


def test_crash_during_a_bgsave_keeps_every_acknowledged_write(servers):
    """SIGKILL while a BGSAVE slowed by rdb-key-save-delay runs and clients write with
    appendfsync always: the AOF (not the interrupted dump) is what loads, with every
    acknowledged write."""

    def still_saving(h, c):
        assert persistence(c)["rdb_bgsave_in_progress"] == "1"

    h, c = crash_while(servers, lambda c: start_slow_bgsave(c, 1000), still_saving, "bg:", 11)
    c.close()


# --------------------------------------------------------------------------
# 11. Cross-key ordering
# --------------------------------------------------------------------------


def mixed_writer(h, seed, keys, ops, errors):
    rnd = random.Random(seed)
    c = h.client()
    try:
        for n in range(ops):
            op = rnd.randrange(4)
            if op == 0:
                chosen = rnd.sample(keys, 3)
                reply = c("MSET", *[x for k in chosen for x in (k, str(rnd.randrange(1000)))])
                assert reply == "OK", reply
            elif op == 1:
                src, dst = rnd.sample(keys, 2)
                reply = c("RENAME", src, dst)
                assert reply in ("OK", Err("ERR no such key")), reply
            elif op == 2:
                assert c("SET", rnd.choice(keys), str(rnd.randrange(1000))) == "OK"
            else:
                reply = c("INCR", rnd.choice(keys))
                assert isinstance(reply, int), reply
    except Exception as e:  # noqa: BLE001 - reported by the test
        errors.append(repr(e))
    finally:
        c.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_crash_after_concurrent_cross_key_writes_restores_the_exact_dataset(servers, seed):
    """4 clients run MSET over keys of different hash tags (several shards of a 4-shard server),
    RENAME, SET and INCR on the same keys with appendfsync always; once they stopped, the
    dataset is recorded, the server is SIGKILLed and restarted: the AOF replays to exactly that
    dataset (the log's order of conflicting writes is the order they happened)."""
    h = servers.start(*ALWAYS, shards=4)
    keys = ["{t%d}k%d" % (i % 8, i) for i in range(12)]
    c = h.client()
    assert c("MSET", *[x for k in keys for x in (k, "0")]) == "OK"
    errors = []
    threads = [threading.Thread(target=mixed_writer, args=(h, seed * 100 + i, keys, 400, errors),
                                daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive()
    assert not errors, errors
    want = dataset(c)
    c.close()
    servers.crash(h)
    h = servers.restart(h)
    c = h.client()
    try:
        assert_same(want, dataset(c), "dataset after the crash")
    finally:
        c.close()


# --------------------------------------------------------------------------
# 12. Automatic rewrites
# --------------------------------------------------------------------------


def test_auto_rewrite_when_the_aof_grows(servers):
    """auto-aof-rewrite-percentage 100 with auto-aof-rewrite-min-size 64kb: no rewrite while the
    AOF is under the min size; once it is over it (and 100% over the base size: the base of a
    fresh server counts as 1 byte) a rewrite starts by itself (aof_rewrites 1) and rotates the
    files."""
    h = servers.start(*AOF_ON, "--auto-aof-rewrite-percentage", "100",
                      "--auto-aof-rewrite-min-size", "64kb")
    c = h.client()
    try:
        assert c("CONFIG", "GET", "auto-aof-rewrite-min-size") == \
            [b"auto-aof-rewrite-min-size", b"65536"]
        fill_strings(c, 500, prefix="small:", size=40)  # about 40 KB of log
        assert int(persistence(c)["aof_current_size"]) < 65536
        time.sleep(0.5)  # several server cron runs
        assert persistence(c)["aof_rewrites"] == "0"
        fill_strings(c, 1000, prefix="big:", size=60)
        wait_until(lambda: persistence(c)["aof_rewrites"] == "1", 10, "an automatic rewrite")
        p = wait_rewrite_done(c)
        assert p["aof_last_bgrewrite_status"] == "ok"
        assert manifest_text(h) == MANIFEST_2
        assert c("DBSIZE") == 1500
    finally:
        c.close()


@pytest.mark.parametrize("policy", ["always", "everysec"])
def test_a_blocked_client_does_not_hold_up_other_writes(servers, policy):
    """A client blocked in BLPOP (its command has a place in the log, filled with nothing: the pop
    is logged when it happens) must not delay anyone's write: other clients' writes are
    acknowledged while it waits, and its pop is logged after the push that serves it."""
    h = servers.start("--appendonly", "yes", "--appendfsync", policy)
    waiter = h.redis()
    got = []
    t = threading.Thread(target=lambda: got.append(waiter.blpop(["never-filled", "q"], 0)),
                         daemon=True)
    t.start()
    c = h.client()
    wait_blocked(c, 1)
    for i in range(50):  # each one is acknowledged only once it is in the file
        assert c("SET", "k%d" % i, "v") == "OK"
    assert c("RPUSH", "q", "x") == 1
    t.join(10)
    assert got == [(b"q", b"x")]
    _restart_and_compare(servers, h, snapshot(c))


def check_aof_tool():
    """shoal-check-aof (next to the server under test) on Shoal, redis-check-aof on Redis: the
    same verdicts, messages and --fix."""
    if conftest._is_shoal():
        return os.path.join(os.path.dirname(os.environ["SHOAL_SERVER"]), "shoal-check-aof")
    return CHECK_AOF_BIN


def run_check_aof(*args, answer=None):
    p = subprocess.run([check_aof_tool(), *args], input=answer, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace")


def test_check_aof_tool_validates_and_fixes(servers):
    """The check tool accepts the server's directory (a base RDB and incr files), calls a last
    incr cut in the middle of a command truncated, leaves it alone when --fix is answered "n",
    cuts it at the last complete command when answered "y" (then the directory is valid and
    loads); a bad byte in the middle of the last file is a format error, which --fix also cuts
    away (from the command it cannot read on)."""
    h = servers.start(*AOF_ON)
    c = h.client()
    fill_strings(c, 50)
    assert c("BGREWRITEAOF") == "Background append only file rewriting started"
    wait_rewrite_done(c)
    assert c("SET", "after", "1") == "OK"
    assert c("RPUSH", "l", "a", "b") == 2
    want = snapshot(c)
    c.close()
    servers.stop(h)
    manifest = os.path.join(aof_dir(h), MANIFEST)
    rc, out = run_check_aof(manifest)
    assert rc == 0 and "All AOF files and manifest are valid" in out, out
    incr = incr_path(h)
    good = read(incr)
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2\r\nab")  # cut inside the last bulk
    rc, out = run_check_aof(manifest)
    assert rc != 0 and "Use the --fix option" in out, out
    rc, out = run_check_aof("--fix", manifest, answer=b"n\n")
    assert rc != 0 and read(incr) != good, out
    rc, out = run_check_aof("--fix", manifest, answer=b"y\n")
    assert rc == 0 and "Successfully truncated AOF" in out, out
    assert read(incr) == good
    rc, out = run_check_aof(manifest)
    assert rc == 0, out
    h = servers.restart(h)
    c = h.client()
    assert_same_snapshot(want, snapshot(c))
    c.close()
    servers.stop(h)
    bad = bytearray(good)
    bad[good.index(b"$5\r\nafter")] = ord("!")
    with open(incr, "wb") as f:
        f.write(bytes(bad))
    rc, out = run_check_aof(manifest)
    assert rc != 0 and "Expected prefix '$'" in out, out
    # redis-check-aof --fix cuts the last file before the command it cannot read, too.
    at = good.index(b"*3\r\n$3\r\nSET\r\n$5\r\nafter")
    rc, out = run_check_aof("--fix", manifest, answer=b"y\n")
    assert rc == 0 and "Successfully truncated AOF" in out, out
    assert read(incr) == good[:at]
