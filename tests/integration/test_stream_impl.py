"""Streams, the implementation's own checks (the stream suite proper is test_streams*.py): XREAD
BLOCK woken by XADD on another shard, first come first served, not blocking inside MULTI,
timing out with a null; keyspace events of XADD/XDEL/XTRIM/XSETID; what the AOF logs (XADD *
with the generated ID, ~ trims as = with the resulting threshold); node limits as configs."""
import threading
import time

import pytest

from conftest import Err
from shoal_events import Events
from shoal_info import wait_blocked
from shoal_keys import spread_keys
from test_aof import ALWAYS, AofLog, _restart_and_compare, snapshot


def test_xread_block_is_woken_by_xadd_on_any_shard(c, new_client):
    k1, k2 = spread_keys("xr", 2)
    assert c("XADD", k1, "1-1", "a", "1") == b"1-1"
    waiter = new_client()
    got = {}

    def block():
        got["r"] = waiter("XREAD", "BLOCK", "5000", "STREAMS", k1, k2, "$", "$")

    t = threading.Thread(target=block)
    t.start()
    wait_blocked(c, 1)
    assert c("XADD", k2, "7-0", "f", "v") == b"7-0"
    t.join(5)
    assert got["r"] == [[k2.encode(), [[b"7-0", [b"f", b"v"]]]]]


def test_xread_block_first_come_first_served_and_count(c, new_client):
    first, second = new_client(), new_client()
    got = {}

    def block(name, cl, *args):
        got[name] = cl("XREAD", *args, "BLOCK", "5000", "STREAMS", "s", "0")

    t1 = threading.Thread(target=block, args=("first", first, "COUNT", "1"))
    t1.start()
    wait_blocked(c, 1)
    t2 = threading.Thread(target=block, args=("second", second))
    t2.start()
    wait_blocked(c, 2)
    assert c("MULTI") == "OK"
    assert c("XADD", "s", "1-1", "a", "1") == "QUEUED"
    assert c("XADD", "s", "1-2", "a", "2") == "QUEUED"
    assert c("EXEC") == [b"1-1", b"1-2"]
    t1.join(5)
    t2.join(5)
    assert got["first"] == [[b"s", [[b"1-1", [b"a", b"1"]]]]]
    assert got["second"] == [[b"s", [[b"1-1", [b"a", b"1"]], [b"1-2", [b"a", b"2"]]]]]


def test_xread_block_times_out_and_does_not_block_in_multi(c):
    t0 = time.time()
    assert c("XREAD", "BLOCK", "100", "STREAMS", "s", "$") is None
    assert time.time() - t0 >= 0.09
    assert c("XADD", "s", "1-1", "a", "1") == b"1-1"
    assert c("MULTI") == "OK"
    assert c("XREAD", "BLOCK", "0", "STREAMS", "s", "$") == "QUEUED"
    assert c("XREAD", "BLOCK", "0", "STREAMS", "s", "0") == "QUEUED"
    assert c("EXEC") == [None, [[b"s", [[b"1-1", [b"a", b"1"]]]]]]


def test_xread_errors(c):
    assert c("SET", "str", "x") == "OK"
    assert c("XREAD", "STREAMS", "str", "0") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert c("XREAD", "STREAMS", "a", "b", "0") == Err(
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
        "specified.")
    assert c("XREAD", "STREAMS", "a", ">") == Err(
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
        "<consumer> option.")
    assert c("XREAD", "BLOCK", "-1", "STREAMS", "a", "0") == Err("ERR timeout is negative")
    assert c("XREAD", "COUNT", "1", "STREAMS", "a", "x-y") == Err(
        "ERR Invalid stream ID specified as stream command argument")
    # Each key's type is checked before its ID is parsed (keys on any shards).
    k = spread_keys("xe", 3)
    assert c("SET", k[1], "x") == "OK"
    assert c("XREAD", "STREAMS", k[0], k[1], "bad", "0") == Err(
        "ERR Invalid stream ID specified as stream command argument")
    assert c("XREAD", "STREAMS", k[0], k[2], k[1], "0", "0", "bad") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert c("MULTI") == "OK"
    assert c("XREAD", "STREAMS", k[1], k[0], "0", ">") == "QUEUED"
    assert c("EXEC") == [Err("WRONGTYPE Operation against a key holding the wrong kind of value")]


def test_stream_keyspace_events(server, c):
    ev = Events(server.host, server.port, flags="KEA")
    try:
        assert c("XADD", "s", "MAXLEN", "1", "1-1", "a", "1") == b"1-1"
        assert c("XADD", "s", "MAXLEN", "1", "2-1", "a", "1") == b"2-1"
        assert c("XDEL", "s", "2-1", "9-9") == 1
        assert c("XDEL", "s", "2-1") == 0
        assert c("XADD", "s", "3-1", "a", "1") == b"3-1"
        assert c("XTRIM", "s", "MAXLEN", "0") == 1
        assert c("XTRIM", "s", "MAXLEN", "0") == 0
        assert c("XSETID", "s", "5-0") == "OK"
        assert ev.collect(c) == [("xadd", "s"), ("xadd", "s"), ("xtrim", "s"), ("xdel", "s"),
                                 ("xadd", "s"), ("xtrim", "s"), ("xsetid", "s")]
    finally:
        ev.close()


@pytest.fixture
def logged(servers):
    h = servers.start(*ALWAYS)
    c = h.client()
    yield h, c, AofLog(h)
    c.close()


def test_aof_logs_generated_ids_and_exact_trims(servers, logged):
    h, c, log = logged
    id1 = c("XADD", "s", "*", "f", "v")
    log.expect((0, "XADD", "s", id1, "f", "v"))
    assert c("XADD", "s", "MAXLEN", "5", "99999999999999-*", "f", "v") == b"99999999999999-0"
    log.expect((0, "XADD", "s", "MAXLEN", "5", "99999999999999-0", "f", "v"))
    assert c("XADD", "t", "1-1", "a", "b") == b"1-1"
    log.expect((0, "XADD", "t", "1-1", "a", "b"))
    for i in range(2, 300):
        c("XADD", "t", "%d-1" % i, "a", "b")
    log.take()
    assert c("XTRIM", "t", "MAXLEN", "~", "150") == 100  # whole nodes of 100 only
    log.expect((0, "XTRIM", "t", "MAXLEN", "=", "199"))
    idx = c("XADD", "t", "MINID", "~", "250-0", "*", "x", "y")
    log.expect((0, "XADD", "t", "MINID", "=", "201-1", idx, "x", "y"))
    # LIMIT stays in the logged command; the loader replays it as an exact trim (mustObeyClient).
    assert c("XADD", "t", "MINID", "~", "1", "*", "x", "y")  # 101 entries
    log.take()
    # One full node goes; the next one would pass the limit.
    assert c("XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "100") == 100
    log.expect((0, "XTRIM", "t", "MAXLEN", "=", "1", "LIMIT", "100"))
    assert c("XTRIM", "t", "MAXLEN", "~", "5") == 0  # nothing whole to remove: not logged
    assert c("XDEL", "t", "9999-9") == 0
    assert c("XSETID", "t", "99999999999999-0", "ENTRIESADDED", "1000") == "OK"
    log.expect((0, "XSETID", "t", "99999999999999-0", "ENTRIESADDED", "1000"))
    _restart_and_compare(servers, h, snapshot(c))  # replays the log


def test_node_limits_are_configs(c):
    assert c("CONFIG", "GET", "stream-node-max-*") in (
        [b"stream-node-max-bytes", b"4096", b"stream-node-max-entries", b"100"],
        [b"stream-node-max-entries", b"100", b"stream-node-max-bytes", b"4096"])
    assert c("CONFIG", "SET", "stream-node-max-entries", "2") == "OK"
    try:
        for i in range(1, 8):
            c("XADD", "s", "%d-1" % i, "a", "b")
        info = c("XINFO", "STREAM", "s")
        info = dict(zip(info[::2], info[1::2]))
        assert info[b"radix-tree-keys"] == 4
        assert info[b"radix-tree-nodes"] == 10  # as Redis's rax: a shared run, a branch, 4 * 2
        assert info[b"length"] == 7
    finally:
        assert c("CONFIG", "SET", "stream-node-max-entries", "100") == "OK"


def test_xread_in_scripts_does_not_block(c):
    k1, k2 = spread_keys("xs", 2)
    assert c("XADD", k1, "1-1", "f", "v") == b"1-1"
    assert c("EVAL", "return redis.call('xread', 'streams', KEYS[1], KEYS[2], '0', '0')", "2",
             k1, k2) == [[k1.encode(), [[b"1-1", [b"f", b"v"]]]]]
    assert c("EVAL", "return redis.call('xread', 'streams', KEYS[1], KEYS[2], '$', '$')", "2",
             k1, k2) is None
    assert c("EVAL", "return redis.pcall('xread', 'block', '0', 'streams', KEYS[1], '0')", "1",
             k1) == Err("ERR xread command is not allowed with BLOCK option from scripts")
