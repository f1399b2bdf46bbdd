"""RDB files (Redis 7.0, RDB version 10): a save and a restart keep every type in every encoding,
the expiry times and the function libraries (SAVE, DEBUG RELOAD, SHUTDOWN [SAVE|NOSAVE], SIGTERM);
the files are Redis's (redis-check-rdb accepts what the server under test writes, a real
redis-server 7.0 loads it with the same data and encodings, and the server under test loads what
redis-server writes); bad files stop the server at startup without serving part of them; the
LRU idle time and the LFU frequency survive a restart; clients get -LOADING while a file loads.

Every server here runs in a dir of its own (shoal_dataset.Servers). On Shoal the restart tests run
with 1 and 4 shards and across shard counts (a file written by 4 shards loads into 1)."""

import os
import re
import signal
import subprocess
import time

import pytest

import conftest
from conftest import Err
from shoal_dataset import (FUNCTION_LIBRARY, SHARD_COUNTS, Servers, assert_check_rdb_ok,
                           assert_same, dataset, encodings, expect_start_failure, fill_every_type,
                           fill_strings, functions, key_count, persistence, shard_ids, shutdown,
                           wait_until)

LOADING = "LOADING Redis is loading the dataset in memory"


def snapshot(c):
    return dataset(c), encodings(c), functions(c)


def assert_same_snapshot(want, got):
    assert_same(want[0], got[0], "dataset")
    assert_same(want[1], got[1], "encodings")
    assert want[2] == got[2], "function libraries differ"


def filled(servers, *extra, **kw):
    """A server (under test unless reference=True) filled with fill_every_type: (handle, its
    snapshot)."""
    h = servers.start(*extra, **kw)
    c = h.client()
    try:
        fill_every_type(c)
        return h, snapshot(c)
    finally:
        c.close()


def snapshot_after(h):
    c = h.client()
    try:
        return snapshot(c)
    finally:
        c.close()


def assert_load_counts(c, loaded, expired=0):
    p = persistence(c)
    assert (int(p["rdb_last_load_keys_loaded"]), int(p["rdb_last_load_keys_expired"])) == \
        (loaded, expired), p


# --------------------------------------------------------------------------
# Save and restart
# --------------------------------------------------------------------------

SHARD_PAIRS = ([(1, 1), (4, 4), (4, 1), (1, 4)] if conftest._is_shoal() else [(None, None)])


@pytest.mark.parametrize("save_shards,load_shards", SHARD_PAIRS,
                         ids=["%s-%s" % (shard_ids(a), shard_ids(b)) for a, b in SHARD_PAIRS])
def test_save_and_restart_keep_everything(servers, save_shards, load_shards):
    h, want = filled(servers, shards=save_shards)
    c = h.client()
    assert c("SAVE") == "OK"
    assert persistence(c)["rdb_changes_since_last_save"] == "0"
    c.close()
    servers.stop(h)
    assert_check_rdb_ok(h.dump)
    h2 = servers.start(dir=h.dir, shards=load_shards)
    assert_same_snapshot(want, snapshot_after(h2))
    c = h2.client()
    try:
        assert_load_counts(c, key_count(want[0]))
        assert c("FCALL", "persist_echo", "0", "hi") == b"hi"
        assert 250 < c("PTTL", "ttl:near") // 1000 <= 300
    finally:
        c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_debug_reload_keeps_everything(servers, shards):
    h, want = filled(servers, shards=shards)
    c = h.client()
    try:
        assert c("DEBUG", "RELOAD") == "OK"
        assert_same_snapshot(want, snapshot(c))
        assert os.path.exists(h.dump)
        assert persistence(c)["rdb_changes_since_last_save"] == "0"
    finally:
        c.close()


def test_shutdown_save_writes_a_dump_that_loads(servers):
    h, want = filled(servers)  # no save rules: only SAVE makes SHUTDOWN save
    assert shutdown(h.client(), "SAVE") is None
    assert h.wait_exit(30) == 0, h.log()
    assert_check_rdb_ok(h.dump)
    assert_same_snapshot(want, snapshot_after(servers.restart(h)))


def test_shutdown_nosave_with_save_rules_does_not_save(servers):
    h = servers.start("--save", "3600 1")
    c = h.client()
    assert c("SET", "saved", "1") == "OK"
    assert c("SAVE") == "OK"
    before = os.stat(h.dump)
    assert c("SET", "not-saved", "2") == "OK"
    assert shutdown(c, "NOSAVE") is None
    assert h.wait_exit(30) == 0, h.log()
    after = os.stat(h.dump)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == \
        (before.st_ino, before.st_mtime_ns, before.st_size)
    c = servers.restart(h).client()
    try:
        assert c("GET", "saved") == b"1"
        assert c("EXISTS", "not-saved") == 0
    finally:
        c.close()


@pytest.mark.parametrize("how", ["SIGTERM", "SHUTDOWN"])
def test_exit_with_save_rules_saves(servers, how):
    h, want = filled(servers, "--save", "3600 1 300 100")
    assert not os.path.exists(h.dump)
    if how == "SIGTERM":
        h.proc.send_signal(signal.SIGTERM)
        assert h.wait_exit(30) in (0, -signal.SIGTERM), h.log()
    else:
        assert shutdown(h.client()) is None
        assert h.wait_exit(30) == 0, h.log()
    assert_check_rdb_ok(h.dump)
    assert_same_snapshot(want, snapshot_after(servers.restart(h)))


@pytest.mark.parametrize("how", ["SIGTERM", "SHUTDOWN"])
def test_exit_without_save_rules_does_not_save(servers, how):
    h = servers.start("--save", "")
    c = h.client()
    assert c("SET", "k", "v") == "OK"
    if how == "SIGTERM":
        c.close()
        h.proc.send_signal(signal.SIGTERM)
        assert h.wait_exit(30) in (0, -signal.SIGTERM), h.log()
    else:
        assert shutdown(c) is None
        assert h.wait_exit(30) == 0, h.log()
    assert not os.path.exists(h.dump)
    c = servers.restart(h).client()
    try:
        assert c("DBSIZE") == 0
    finally:
        c.close()


# --------------------------------------------------------------------------
# Files both ways with redis-server 7.0
# --------------------------------------------------------------------------

FORMAT_OPTIONS = {
    "default": (),
    "compress-depth-1": ("--list-compress-depth", "1"),
    "rdbcompression-no": ("--rdbcompression", "no"),
    "rdbchecksum-no": ("--rdbchecksum", "no"),
}


def assert_checksum_matches_option(path, option_name):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:9] == b"REDIS0010", data[:9]
    if option_name == "rdbchecksum-no":
        assert data[-8:] == b"\0" * 8
    else:
        assert data[-8:] != b"\0" * 8
    if option_name == "rdbcompression-no":
        # the 1 MB compressible string is there verbatim
        assert b"0123456789abcdef" * 64 in data
    elif option_name == "default":
        assert b"0123456789abcdef" * 64 not in data


@pytest.mark.parametrize("option", sorted(FORMAT_OPTIONS))
def test_redis_loads_what_the_server_writes(servers, option):
    h, want = filled(servers, *FORMAT_OPTIONS[option])
    c = h.client()
    assert c("SAVE") == "OK"
    c.close()
    assert_check_rdb_ok(h.dump)
    assert_checksum_matches_option(h.dump, option)
    ref = servers.load_dump(h.dump)
    assert_same_snapshot(want, snapshot_after(ref))
    c = ref.client()
    try:
        assert_load_counts(c, key_count(want[0]))
    finally:
        c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
@pytest.mark.parametrize("option", sorted(FORMAT_OPTIONS))
def test_server_loads_what_redis_writes(servers, option, shards):
    ref, want = filled(servers, *FORMAT_OPTIONS[option], reference=True)
    c = ref.client()
    assert c("SAVE") == "OK"
    c.close()
    servers.stop(ref)
    assert_checksum_matches_option(ref.dump, option)
    d = servers.new_dir()
    os.link(ref.dump, os.path.join(d, "dump.rdb"))
    h = servers.start(dir=d, shards=shards)
    assert_same_snapshot(want, snapshot_after(h))
    c = h.client()
    try:
        assert_load_counts(c, key_count(want[0]))
    finally:
        c.close()


def test_function_library_from_redis_dump(servers):
    ref = servers.start(reference=True)
    c = ref.client()
    assert c("FUNCTION", "LOAD", FUNCTION_LIBRARY) == b"shoal_persist"
    want = functions(c)
    assert c("SAVE") == "OK"
    c.close()
    servers.stop(ref)
    h = servers.start(dir=ref.dir)
    c = h.client()
    try:
        assert functions(c) == want
        assert list(want) == [b"shoal_persist"]
        assert c("FCALL", "persist_echo", "0", "hello") == b"hello"
        assert c("FCALL_RO", "persist_ro", "0") == 7
        assert c("FUNCTION", "LOAD", FUNCTION_LIBRARY) == \
            Err("ERR Library 'shoal_persist' already exists")
        assert c("DBSIZE") == 0
    finally:
        c.close()


@pytest.mark.parametrize("writer", ["redis", "server"])
def test_expired_keys_in_the_file_are_dropped(servers, writer):
    w = servers.start(reference=(writer == "redis"))
    c = w.client()
    assert c("SET", "live", "v") == "OK"
    assert c("RPUSH", "live-list", "a") == 1
    assert c("SET", "gone", "v", "PX", "700") == "OK"
    assert c("HSET", "gone-hash", "f", "v") == 1
    assert c("PEXPIRE", "gone-hash", "700") == 1
    t0 = time.time()
    assert c("SAVE") == "OK"
    assert c("PTTL", "gone") > 0 and c("PTTL", "gone-hash") > 0  # both still in the file
    c.close()
    servers.stop(w)
    time.sleep(max(0.0, t0 + 0.9 - time.time()))
    for dst_reference in (False, True):  # the server under test, and redis-server, load it
        d = servers.new_dir()
        os.link(w.dump, os.path.join(d, "dump.rdb"))
        h = servers.start(dir=d, reference=dst_reference)
        c = h.client()
        try:
            assert sorted(dataset(c)[0]) == [b"live", b"live-list"]
            assert_load_counts(c, loaded=2, expired=2)
        finally:
            c.close()
            servers.stop(h)


# --------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------


def good_file(servers):
    """A file redis-server wrote (fill_every_type and a marker key): (bytes, the 1 MB
    incompressible string, its offset in the file, the offset of the marker key's type byte)."""
    ref = servers.start(reference=True)
    c = ref.client()
    fill_every_type(c)
    assert c("SET", "marker", "marker-value") == "OK"
    big = c("GET", "str:1mb-random")
    assert c("SAVE") == "OK"
    c.close()
    servers.stop(ref)
    with open(ref.dump, "rb") as f:
        data = f.read()
    start = data.index(big[:64])
    assert data[start:start + len(big)] == big
    marker = data.index(b"\x06marker\x0cmarker-value")
    assert data[marker - 1] == 0  # RDB_TYPE_STRING
    return data, big, start, marker - 1


def corrupt(data, kind, middle, type_at):
    b = bytearray(data)
    if kind == "flipped-byte":  # a value byte in the middle: only the CRC64 tells
        b[middle] ^= 0x5A
    elif kind == "bad-type-byte":  # RDB type 8 does not exist; the CRC is zeroed (not checked)
        b[type_at] = 8
        b[-8:] = b"\0" * 8
    elif kind == "truncated":
        del b[middle:]
    elif kind == "version-11":
        b[5:9] = b"0011"
    elif kind == "bad-signature":
        b[:5] = b"REDXS"
    return bytes(b)


BAD_FILES = {
    # kind: what the log names (a case-insensitive regex), whether Shoal logs the byte offset
    "flipped-byte": (r"checksum", True),
    "bad-type-byte": (r"type", True),
    "truncated": (r"eof|short read|truncat", True),
    "version-11": (r"version\D*11", False),
    "bad-signature": (r"signature", False),
}


@pytest.fixture(scope="module")
def good_rdb(tmp_path_factory):
    s = Servers(tmp_path_factory.mktemp("goodrdb"))
    try:
        return good_file(s)
    finally:
        assert s.close() == []


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_stops_the_server_at_startup(servers, good_rdb, kind):
    data, big, start, type_at = good_rdb
    d = servers.new_dir()
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(corrupt(data, kind, start + len(big) // 2, type_at))
    h = servers.start(dir=d, wait=False)
    expect_start_failure(h)
    pattern, shoal_offset = BAD_FILES[kind]
    log = h.log()
    assert re.search(pattern, log, re.IGNORECASE), log
    if conftest._is_shoal() and shoal_offset:
        assert re.search(r"offset\D{0,3}\d+", log, re.IGNORECASE), log


def check_tool():
    """shoal-check-rdb (next to the server under test) on Shoal, redis-check-rdb on Redis: the
    same checks and summary lines."""
    if conftest._is_shoal():
        return os.path.join(os.path.dirname(os.environ["SHOAL_SERVER"]), "shoal-check-rdb")
    return "/usr/bin/redis-check-rdb"


def run_check(tmp_path, data):
    path = os.path.join(str(tmp_path), "check.rdb")
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run([check_tool(), path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    return p.returncode, p.stdout.decode(errors="replace")


def test_check_rdb_accepts_a_good_file(tmp_path, good_rdb):
    data = good_rdb[0]
    rc, out = run_check(tmp_path, data)
    assert rc == 0, out
    assert "Checksum OK" in out and "RDB looks OK" in out, out
    assert re.search(r"\[info\] \d+ keys read", out), out


@pytest.mark.parametrize("kind", ["flipped-byte", "bad-type-byte", "truncated", "version-11"])
def test_check_rdb_names_the_problem(tmp_path, good_rdb, kind):
    data, big, start, type_at = good_rdb
    rc, out = run_check(tmp_path, corrupt(data, kind, start + len(big) // 2, type_at))
    assert rc != 0, out
    assert "RDB looks OK" not in out, out
    pattern = BAD_FILES[kind][0] + "|crc"  # redis-check-rdb says "RDB CRC error"
    assert re.search(pattern, out, re.IGNORECASE), out
    if conftest._is_shoal() and BAD_FILES[kind][1]:
        assert re.search(r"offset \d+", out), out


def test_file_saved_without_checksum_is_not_checked(servers, good_rdb):
    """A zero CRC64 means "saved with rdbchecksum no": a changed value byte goes unnoticed."""
    data, big, start, _ = good_rdb
    b = bytearray(data)
    b[-8:] = b"\0" * 8
    b[start + len(big) // 2] ^= 0x5A
    changed = bytearray(big)
    changed[len(big) // 2] ^= 0x5A
    d = servers.new_dir()
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(bytes(b))
    c = servers.start(dir=d).client()
    try:
        assert c("GET", "marker") == b"marker-value"
        assert c("GET", "str:1mb-random") == bytes(changed)
    finally:
        c.close()


# --------------------------------------------------------------------------
# LRU idle time and LFU frequency
# --------------------------------------------------------------------------


def test_lru_idle_time_survives_restart(servers):
    h = servers.start("--maxmemory-policy", "allkeys-lru")
    c = h.client()
    assert c("SET", "old", "v") == "OK"
    assert c("RPUSH", "old-list", "v") == 1
    time.sleep(2.5)
    assert c("SET", "fresh", "v") == "OK"
    idle = c("OBJECT", "IDLETIME", "old")
    assert idle >= 2
    assert c("OBJECT", "IDLETIME", "fresh") <= 1
    assert c("SAVE") == "OK"
    t = time.time()
    c.close()
    c = servers.restart(h).client()
    try:
        elapsed = time.time() - t
        for key in ("old", "old-list"):
            got = c("OBJECT", "IDLETIME", key)
            assert idle <= got <= idle + elapsed + 2, (key, idle, got, elapsed)
        assert c("OBJECT", "IDLETIME", "fresh") <= elapsed + 2
    finally:
        c.close()


def test_lfu_frequency_survives_restart(servers):
    # lfu-log-factor 0: every access adds one; lfu-decay-time 0: no decay.
    h = servers.start("--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0",
                      "--lfu-decay-time", "0")
    c = h.client()
    assert c("SET", "hot", "v") == "OK"
    assert c("SADD", "warm", "m") == 1
    assert c("SET", "cold", "v") == "OK"
    c.pipeline([("GET", "hot")] * 60 + [("SISMEMBER", "warm", "m")] * 20)
    want = {k: c("OBJECT", "FREQ", k) for k in ("hot", "warm", "cold")}
    assert want == {"hot": 65, "warm": 25, "cold": 5}
    assert c("SAVE") == "OK"
    c.close()
    c = servers.restart(h).client()
    try:
        assert {k: c("OBJECT", "FREQ", k) for k in want} == want
    finally:
        c.close()


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def test_clients_get_loading_while_the_file_loads(servers):
    h = servers.start()
    c = h.client()
    fill_strings(c, 3000)
    assert c("SAVE") == "OK"
    c.close()
    servers.stop(h)
    # key-load-delay: microseconds per key loaded (a Redis test knob, like rdb-key-save-delay).
    # redis-server answers clients while loading only every loading-process-events-interval-bytes.
    slow = ("--key-load-delay", "500")
    if not conftest._is_shoal():
        slow += ("--loading-process-events-interval-bytes", "1024")
    h = servers.start(*slow, dir=h.dir, wait=False)
    seen = {}

    def loaded():
        try:
            cl = h.client(timeout=5)
        except OSError:
            return False
        try:
            reply = cl("GET", "fill:1")
            if isinstance(reply, Err):
                seen["error"] = str(reply)
                p = persistence(cl)
                if p["loading"] == "1":
                    seen.setdefault("info", p)
                return False
            return reply
        finally:
            cl.close()

    assert wait_until(loaded, 30, "the file to load", interval=0.01) == b"v%015d" % 1
    assert seen.get("error") == LOADING, seen
    p = seen["info"]
    for field in ("loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
                  "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"):
        assert field in p, (field, p)
    c = h.client()
    try:
        assert c("DBSIZE") == 3000
        p = persistence(c)
        assert p["loading"] == "0"
        assert "loading_total_bytes" not in p
        assert_load_counts(c, 3000)
    finally:
        c.close()
