"""Stream consumer groups, the implementation's own checks (test_stream*.py has the broad suite).

XGROUP, XREADGROUP (history, NOACK, COUNT, RESP3), XACK, XPENDING, XCLAIM, XAUTOCLAIM and
XINFO GROUPS/CONSUMERS replies and errors byte for byte; blocking XREADGROUP: woken by XADD,
exactly-once delivery among consumers blocked on one group, keys on different shards, -NOGROUP on
XGROUP DESTROY and -UNBLOCKED on DEL, no blocking inside MULTI; the group keyspace events; and
what XREADGROUP/XCLAIM propagate, seen through an AOF restart. Names without a common {tag}
land on different Shoal shards. Every reply was checked against redis-server 7.0.15.
"""

import random
import threading
import time

import pytest

from shoal_info import wait_blocked
from shoal_resp import Err

NOGROUP_READ = ("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP "
                "option")
XGROUP_NOKEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you "
                "may want to use the MKSTREAM option to create an empty stream automatically.")
INVALID_ID = "ERR Invalid stream ID specified as stream command argument"


def entry(i, *fv):
    return [i.encode(), [x.encode() for x in fv]]


def fill(c, key, n):
    for i in range(1, n + 1):
        assert c.call("XADD", key, "%d-0" % i, "f", "v%d" % i) == b"%d-0" % i


# --------------------------------------------------------------------------
# XGROUP
# --------------------------------------------------------------------------


def test_xgroup_create_and_errors(c):
    assert c.call("XGROUP", "CREATE", "s", "g", "$") == Err(XGROUP_NOKEY)
    assert c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == "OK"
    assert c.call("TYPE", "s") == "stream"
    assert c.call("XLEN", "s") == 0
    assert c.call("XGROUP", "CREATE", "s", "g", "0") == Err(
        "BUSYGROUP Consumer Group name already exists")
    assert c.call("XGROUP", "CREATE", "s", "g2", "bad") == Err(INVALID_ID)
    assert c.call("XGROUP", "CREATE", "s", "g2", "-") == Err(INVALID_ID)
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2") == Err(
        "ERR value for ENTRIESREAD must be positive or -1")
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "FOO") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")
    assert c.call("XGROUP", "SETID", "s", "g2", "0", "MKSTREAM") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.")
    assert c.call("XGROUP", "SETID", "s", "nope", "0") == Err(
        "NOGROUP No such consumer group 'nope' for key name 's'")
    assert c.call("XGROUP", "CREATECONSUMER", "s", "nope", "c") == Err(
        "NOGROUP No such consumer group 'nope' for key name 's'")
    assert c.call("XGROUP", "DESTROY", "s", "nope") == 0
    assert c.call("XGROUP", "DESTROY", "nokey", "g") == Err(XGROUP_NOKEY)
    c.call("SET", "str", "x")
    assert c.call("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert c.call("XGROUP", "FOO", "s", "g") == Err(
        "ERR unknown subcommand 'FOO'. Try XGROUP HELP.")
    help_lines = c.call("XGROUP", "HELP")
    assert help_lines[0] == "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert help_lines[-2:] == ["HELP", "    Prints this help."]


def test_xgroup_consumers_setid_destroy(c):
    fill(c, "s", 3)
    assert c.call("XGROUP", "CREATE", "s", "g", "0") == "OK"
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "alice") == 1
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "alice") == 0
    assert len(c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")[0][1]) == 3
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "bob") == 3
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "bob") == 0
    assert c.call("XPENDING", "s", "g") == [0, None, None, None]
    # SETID back: the entries are delivered again (and pending again).
    assert c.call("XGROUP", "SETID", "s", "g", "1-0", "ENTRIESREAD", "1") == "OK"
    got = c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    assert got == [[b"s", [entry("2-0", "f", "v2"), entry("3-0", "f", "v3")]]]
    assert c.call("XGROUP", "SETID", "s", "g", "$") == "OK"
    assert c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">") is None
    assert c.call("XGROUP", "DESTROY", "s", "g") == 1
    assert c.call("XINFO", "GROUPS", "s") == []


# --------------------------------------------------------------------------
# XREADGROUP
# --------------------------------------------------------------------------


def test_xreadgroup_new_history_noack(c):
    fill(c, "s", 4)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">") == [
        [b"s", [entry("1-0", "f", "v1"), entry("2-0", "f", "v2")]]]
    # History: only a's own pending entries, after the given ID.
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0") == [
        [b"s", [entry("1-0", "f", "v1"), entry("2-0", "f", "v2")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "1") == [
        [b"s", [entry("2-0", "f", "v2")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", "0") == [[b"s", []]]
    # A deleted pending entry reads as its ID with a nil body.
    assert c.call("XDEL", "s", "1-0") == 1
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0") == [
        [b"s", [[b"1-0", None], entry("2-0", "f", "v2")]]]
    # Deliveries counted: two history reads of 2-0 after the first delivery.
    pend = c.call("XPENDING", "s", "g", "-", "+", "10")
    assert [(p[0], p[1], p[3]) for p in pend] == [(b"1-0", b"a", 2), (b"2-0", b"a", 4)]
    # NOACK: delivered, not pending.
    assert c.call("XREADGROUP", "GROUP", "g", "b", "NOACK", "STREAMS", "s", ">") == [
        [b"s", [entry("3-0", "f", "v3"), entry("4-0", "f", "v4")]]]
    assert c.call("XPENDING", "s", "g")[0] == 2
    assert c.call("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">") is None


def test_xreadgroup_errors(c):
    fill(c, "s", 1)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "$") == Err(
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
        "of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ "
        "ID would just return an empty result set.")
    assert c.call("XREADGROUP", "GROUP", "nope", "a", "STREAMS", "s", ">") == Err(
        NOGROUP_READ % ("s", "nope"))
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "missing", ">") == Err(
        NOGROUP_READ % ("missing", "g"))
    # Key by key, each key before its ID.
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "missing", "bad", ">") == Err(
        INVALID_ID)
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "missing", "s", "bad", ">") == Err(
        NOGROUP_READ % ("missing", "g"))
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "s", ">") == Err(
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
        "specified.")
    assert c.call("XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">") == Err(
        "ERR Missing GROUP option for XREADGROUP")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "x", "STREAMS", "s", ">") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "-1", "STREAMS", "s", ">") == Err(
        "ERR timeout is negative")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "1.5", "STREAMS", "s", ">") == Err(
        "ERR timeout is not an integer or out of range")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "FOO", "STREAMS", "s", ">") == Err(
        "ERR syntax error")
    c.call("SET", "str", "x")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "str", ">") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    # Nothing was delivered by the failed calls.
    assert c.call("XPENDING", "s", "g")[0] == 0


def test_xreadgroup_several_keys_and_resp3(c, r3):
    fill(c, "a", 2)
    fill(c, "b", 1)
    c.call("XGROUP", "CREATE", "a", "g", "0")
    c.call("XGROUP", "CREATE", "b", "g", "$")
    c.call("XGROUP", "CREATE", "z", "g", "$", "MKSTREAM")
    got = c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "a", "b", "z", ">",
                 ">", ">")
    assert got == [[b"a", [entry("1-0", "f", "v1")]]]
    got = r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", "z", ">", "0", ">")
    assert got == {b"a": [entry("2-0", "f", "v2")], b"b": []}


# --------------------------------------------------------------------------
# XACK, XPENDING
# --------------------------------------------------------------------------


def test_xack_xpending(c):
    fill(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XACK", "s", "g", "1-0") == 0
    c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    assert c.call("XPENDING", "s", "g") == [5, b"1-0", b"5-0", [[b"alice", b"3"],
                                                                 [b"bob", b"2"]]]
    assert c.call("XACK", "s", "g", "1-0", "1-0", "4", "9-0") == 2
    assert c.call("XACK", "s", "g", "2-0", "bad") == Err(INVALID_ID)
    assert c.call("XACK", "s", "nope", "bad") == 0
    assert c.call("XACK", "missing", "g", "1-0") == 0
    assert c.call("XPENDING", "s", "g") == [3, b"2-0", b"5-0", [[b"alice", b"2"],
                                                                [b"bob", b"1"]]]
    ext = c.call("XPENDING", "s", "g", "-", "+", "10")
    assert [(p[0], p[1], p[3]) for p in ext] == [(b"2-0", b"bob", 1), (b"3-0", b"alice", 1),
                                                 (b"5-0", b"alice", 1)]
    assert all(isinstance(p[2], int) and 0 <= p[2] < 5000 for p in ext)
    assert [p[0] for p in c.call("XPENDING", "s", "g", "(2-0", "5", "10")] == [b"3-0", b"5-0"]
    assert [p[0] for p in c.call("XPENDING", "s", "g", "-", "(5-0", "1")] == [b"2-0"]
    assert [p[0] for p in c.call("XPENDING", "s", "g", "-", "+", "10", "alice")] == [b"3-0",
                                                                                    b"5-0"]
    assert c.call("XPENDING", "s", "g", "-", "+", "10", "nobody") == []
    assert c.call("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10") == []
    time.sleep(0.02)
    assert len(c.call("XPENDING", "s", "g", "IDLE", "10", "-", "+", "10")) == 3
    assert c.call("XPENDING", "s", "g", "-", "+") == Err("ERR syntax error")
    assert c.call("XPENDING", "s", "g", "IDLE", "10", "-", "+") == Err("ERR syntax error")
    assert c.call("XPENDING", "s", "g", "-", "+", "x") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("XPENDING", "s", "g", "x", "+", "1") == Err(INVALID_ID)
    assert c.call("XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+",
                  "1") == Err("ERR invalid start ID for the interval")
    assert c.call("XPENDING", "s", "g", "-", "(0-0", "1") == Err(
        "ERR invalid end ID for the interval")
    assert c.call("XPENDING", "s", "nope") == Err(
        "NOGROUP No such key 's' or consumer group 'nope'")
    assert c.call("XPENDING", "missing", "g", "-", "+", "1") == Err(
        "NOGROUP No such key 'missing' or consumer group 'g'")


# --------------------------------------------------------------------------
# XCLAIM, XAUTOCLAIM
# --------------------------------------------------------------------------


def pending(c, key="s", group="g"):
    return {p[0]: (p[1], p[3]) for p in c.call("XPENDING", key, group, "-", "+", "100")}


def test_xclaim(c):
    fill(c, "s", 4)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    assert c.call("XCLAIM", "s", "g", "b", "0", "1-0") == [entry("1-0", "f", "v1")]
    assert c.call("XCLAIM", "s", "g", "b", "0", "2-0", "JUSTID") == [b"2-0"]
    assert pending(c) == {b"1-0": (b"b", 2), b"2-0": (b"b", 1), b"3-0": (b"a", 1)}
    # Not idle long enough; then RETRYCOUNT and IDLE.
    assert c.call("XCLAIM", "s", "g", "c", "100000", "3-0") == []
    assert c.call("XCLAIM", "s", "g", "c", "0", "3-0", "RETRYCOUNT", "7", "IDLE", "50000",
                  "JUSTID") == [b"3-0"]
    p = c.call("XPENDING", "s", "g", "3-0", "3-0", "1")[0]
    assert p[1] == b"c" and p[3] == 7 and p[2] >= 50000
    # Not pending: nothing unless FORCE (count 1 from the FORCE-created entry, JUSTID keeps it).
    assert c.call("XCLAIM", "s", "g", "c", "0", "4-0") == []
    assert c.call("XCLAIM", "s", "g", "c", "0", "4-0", "FORCE", "JUSTID") == [b"4-0"]
    assert pending(c)[b"4-0"] == (b"c", 1)
    assert c.call("XCLAIM", "s", "g", "c", "0", "9-0", "FORCE") == []
    # A deleted entry leaves the PEL.
    c.call("XDEL", "s", "1-0")
    assert c.call("XCLAIM", "s", "g", "a", "0", "1-0", "2-0", "JUSTID") == [b"2-0"]
    assert b"1-0" not in pending(c)
    # LASTID moves the group forward only.
    c.call("XCLAIM", "s", "g", "a", "0", "2-0", "LASTID", "10-0", "JUSTID")
    assert c.call("XINFO", "GROUPS", "s")[0][7] == b"10-0"
    c.call("XCLAIM", "s", "g", "a", "0", "2-0", "LASTID", "5-0", "JUSTID")
    assert c.call("XINFO", "GROUPS", "s")[0][7] == b"10-0"
    # Errors.
    assert c.call("XCLAIM", "s", "g", "a", "x", "2-0") == Err(
        "ERR Invalid min-idle-time argument for XCLAIM")
    assert c.call("XCLAIM", "s", "g", "a", "0", "2-0", "FOO") == Err(
        "ERR Unrecognized XCLAIM option 'FOO'")
    assert c.call("XCLAIM", "s", "g", "a", "0", "2-0", "IDLE", "x") == Err(
        "ERR Invalid IDLE option argument for XCLAIM")
    assert c.call("XCLAIM", "s", "g", "a", "0", "2-0", "TIME", "x") == Err(
        "ERR Invalid TIME option argument for XCLAIM")
    assert c.call("XCLAIM", "s", "g", "a", "0", "2-0", "RETRYCOUNT", "x") == Err(
        "ERR Invalid RETRYCOUNT option argument for XCLAIM")
    assert c.call("XCLAIM", "s", "g", "a", "0", "2-0", "LASTID", "x") == Err(INVALID_ID)
    assert c.call("XCLAIM", "s", "nope", "a", "0", "2-0") == Err(
        "NOGROUP No such key 's' or consumer group 'nope'")


def test_xautoclaim(c):
    fill(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "2") == [
        b"3-0", [entry("1-0", "f", "v1"), entry("2-0", "f", "v2")], []]
    c.call("XDEL", "s", "3-0")
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "(2-0", "COUNT", "2", "JUSTID") == [
        b"5-0", [b"4-0"], [b"3-0"]]
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "5-0", "JUSTID") == [b"0-0", [b"5-0"], []]
    assert pending(c) == {b"1-0": (b"b", 2), b"2-0": (b"b", 2), b"4-0": (b"b", 1),
                          b"5-0": (b"b", 1)}
    assert c.call("XAUTOCLAIM", "s", "g", "c", "100000", "0") == [b"0-0", [], []]
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "0") == Err(
        "ERR COUNT must be > 0")
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "x") == Err(
        "ERR COUNT must be > 0")
    assert c.call("XAUTOCLAIM", "s", "g", "b", "0", "0", "FOO") == Err("ERR syntax error")
    assert c.call("XAUTOCLAIM", "s", "g", "b", "x", "0") == Err(
        "ERR Invalid min-idle-time argument for XAUTOCLAIM")
    assert c.call("XAUTOCLAIM", "s", "nope", "b", "0", "0") == Err(
        "NOGROUP No such key 's' or consumer group 'nope'")


# --------------------------------------------------------------------------
# XINFO GROUPS / CONSUMERS: entries-read and lag
# --------------------------------------------------------------------------


def group_info(c, key):
    raw = c.call("XINFO", "GROUPS", key)[0]
    return dict(zip(raw[0::2], raw[1::2]))


def test_xinfo_groups_lag(c):
    fill(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert group_info(c, "s") == {b"name": b"g", b"consumers": 0, b"pending": 0,
                                  b"last-delivered-id": b"0-0", b"entries-read": None,
                                  b"lag": 5}
    c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    info = group_info(c, "s")
    assert (info[b"entries-read"], info[b"lag"], info[b"pending"]) == (3, 2, 3)
    c.call("XDEL", "s", "4-0")
    assert group_info(c, "s")[b"lag"] is None
    c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    info = group_info(c, "s")
    assert (info[b"entries-read"], info[b"lag"]) == (4, 1)
    c.call("XGROUP", "CREATE", "s", "mid", "2-0")
    assert group_info(c, "s")[b"name"] == b"g"
    mid = dict(zip(*[iter(c.call("XINFO", "GROUPS", "s")[1])] * 2))
    assert (mid[b"entries-read"], mid[b"lag"]) == (None, None)
    cons = c.call("XINFO", "CONSUMERS", "s", "g")
    assert [x[:4] for x in cons] == [[b"name", b"a", b"pending", 4]]
    assert c.call("XINFO", "CONSUMERS", "s", "nope") == Err(
        "NOGROUP No such consumer group 'nope' for key name 's'")


# --------------------------------------------------------------------------
# Blocking XREADGROUP
# --------------------------------------------------------------------------


def test_block_woken_by_xadd(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]
    assert pending(c) == {b"1-0": (b"a", 1)}
    # Timeout: a nil array.
    t0 = time.time()
    assert w.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "50", "STREAMS", "s", ">") is None
    assert time.time() - t0 >= 0.04


def test_block_exactly_once_among_consumers(c, new_client, server):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    n = 4
    waiters = [new_client() for _ in range(n)]
    for i, w in enumerate(waiters):
        w.send("XREADGROUP", "GROUP", "g", "c%d" % i, "BLOCK", "0", "STREAMS", "s", ">")
        wait_blocked(c, i + 1)  # blocked in this order
    for i in range(n):
        c.call("XADD", "s", "*", "i", str(i))
    got = [w.read() for w in waiters]
    ids = [g[0][1][0][0] for g in got]
    assert all(len(g[0][1]) == 1 for g in got)
    assert len(set(ids)) == n
    # First come, first served: the first blocked gets the first entry.
    assert [g[0][1][0][1] for g in got] == [[b"i", str(i).encode()] for i in range(n)]
    assert c.call("XPENDING", "s", "g")[0] == n


def test_block_producers_consumers_every_entry_once(c, server):
    """Consumers on two streams (two shards) in one group name, producers adding concurrently:
    every entry is delivered once and only once."""
    for k in ("pa", "pb"):
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    total = 200
    got = []
    lock = threading.Lock()
    stop = threading.Event()

    def consumer(i):
        cl = server.client()
        try:
            while not stop.is_set():
                r = cl.call("XREADGROUP", "GROUP", "g", "c%d" % i, "COUNT", "3", "BLOCK", "100",
                            "STREAMS", "pa", "pb", ">", ">")
                if r is None:
                    continue
                with lock:
                    for key, entries in r:
                        got.extend((key, e[0]) for e in entries)
        finally:
            cl.close()

    threads = [threading.Thread(target=consumer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    p = server.client()
    for i in range(total):
        p.call("XADD", "pa" if i % 2 else "pb", "*", "i", str(i))
    p.close()
    deadline = time.time() + 20
    while time.time() < deadline:
        with lock:
            if len(got) >= total:
                break
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join()
    assert len(got) == total
    assert len(set(got)) == total
    assert c.call("XPENDING", "pa", "g")[0] + c.call("XPENDING", "pb", "g")[0] == total


def test_block_unblocked_by_destroy_and_del(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w1, w2 = new_client(), new_client()
    w1.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("XGROUP", "DESTROY", "s", "g") == 1
    assert w1.read() == Err(
        "NOGROUP the consumer group this client was blocked on no longer exists")
    c.call("XGROUP", "CREATE", "s", "g", "$")
    w2.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("DEL", "s") == 1
    assert w2.read() == Err("UNBLOCKED the stream key no longer exists")
    assert w2.call("PING") == "PONG"


def test_block_other_shard_key(c, new_client):
    c.call("XGROUP", "CREATE", "k1", "g", "$", "MKSTREAM")
    c.call("XGROUP", "CREATE", "k2", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "k1", "k2", ">", ">")
    wait_blocked(c, 1)
    c.call("XADD", "k2", "5-0", "x", "y")
    assert w.read() == [[b"k2", [entry("5-0", "x", "y")]]]
    assert c.call("XPENDING", "k1", "g")[0] == 0


def test_no_block_in_multi(c):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    assert c.call("MULTI") == "OK"
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">") == "QUEUED"
    assert c.call("EXEC") == [None]


# --------------------------------------------------------------------------
# Keyspace events
# --------------------------------------------------------------------------


def test_group_keyspace_events(c, new_client):
    c.call("CONFIG", "SET", "notify-keyspace-events", "Et")
    try:
        sub = new_client()
        sub.call("PSUBSCRIBE", "__keyevent@0__:*")
        c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        c.call("XGROUP", "SETID", "s", "g", "0")
        c.call("XGROUP", "CREATECONSUMER", "s", "g", "a")
        c.call("XADD", "s", "1-0", "f", "v")
        c.call("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
        c.call("XCLAIM", "s", "g", "cc", "0", "1-0")
        c.call("XGROUP", "DELCONSUMER", "s", "g", "a")
        c.call("XGROUP", "DESTROY", "s", "g")
        events = [sub.read()[2].decode().split(":", 1)[1] for _ in range(8)]
        assert events == ["xgroup-create", "xgroup-setid", "xgroup-createconsumer", "xadd",
                          "xgroup-createconsumer", "xgroup-createconsumer", "xgroup-delconsumer",
                          "xgroup-destroy"]
    finally:
        c.call("CONFIG", "SET", "notify-keyspace-events", "")


# --------------------------------------------------------------------------
# Propagation: what an AOF replays
# --------------------------------------------------------------------------


def test_groups_survive_aof_replay(spawn_server):
    h = spawn_server("--appendonly", "yes", "--appendfsync", "always")
    c = h.client()
    fill(c, "s", 4)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "n", "NOACK", "COUNT", "1", "STREAMS", "s", ">")
    c.call("XCLAIM", "s", "g", "b", "0", "2-0", "RETRYCOUNT", "5", "JUSTID")
    c.call("XACK", "s", "g", "1-0")
    before = (c.call("XPENDING", "s", "g", "-", "+", "10"), c.call("XINFO", "GROUPS", "s"),
              [x[:4] for x in c.call("XINFO", "CONSUMERS", "s", "g")])
    c.close()
    assert h.stop() is None
    h2 = spawn_server("--appendonly", "yes", port=h.port)
    c = h2.client()
    after = (c.call("XPENDING", "s", "g", "-", "+", "10"), c.call("XINFO", "GROUPS", "s"),
             [x[:4] for x in c.call("XINFO", "CONSUMERS", "s", "g")])
    c.close()
    # Idle times moved on; the rest is the same.
    strip = lambda p: [[e[0], e[1], e[3]] for e in p]  # noqa: E731
    assert strip(after[0]) == strip(before[0]) == [[b"2-0", b"b", 5]]
    assert after[1:] == before[1:]


def aof_ops(tmp_path):
    """The incr AOF's commands, TIME arguments masked (they are delivery times)."""
    import glob
    ops = []
    for path in sorted(glob.glob(str(tmp_path) + "/**/*.incr.aof", recursive=True)):
        data = open(path, "rb").read().split(b"\r\n")
        i = 0
        while i < len(data) and data[i]:
            n = int(data[i][1:])
            args = [data[i + 2 + 2 * k].decode() for k in range(n)]
            i += 1 + 2 * n
            for k in range(len(args) - 1):
                if args[k] == "TIME":
                    args[k + 1] = "T"
            ops.append(" ".join(args))
    return ops


def test_propagation_as_redis(spawn_server, new_client):
    h = spawn_server("--appendonly", "yes", "--appendfsync", "always")
    c = h.client()
    for cmd in ["XADD s 1-0 f v1", "XADD s 2-0 f v2", "XADD s 3-0 f v3", "XADD s 4-0 f v4",
                "XGROUP CREATE s g 0", "XREADGROUP GROUP g a COUNT 2 STREAMS s >",
                "XREADGROUP GROUP g n NOACK COUNT 1 STREAMS s >",
                "XREADGROUP GROUP g a STREAMS s 0",
                "XCLAIM s g b 0 2-0 RETRYCOUNT 5 JUSTID", "XCLAIM s g b 0 4-0 FORCE",
                "XDEL s 1-0", "XAUTOCLAIM s g c 0 0 COUNT 10 JUSTID",
                "XCLAIM s g b 0 9-0 LASTID 9-0", "XACK s g 2-0",
                "XGROUP SETID s g 0 ENTRIESREAD 0", "XGROUP CREATE t g $ MKSTREAM"]:
        assert not isinstance(c.call(*cmd.split()), Err), cmd
    # A blocked NOACK reader served by an XADD: its effects are one unit after the XADD.
    w = h.client()
    w.send("XREADGROUP", "GROUP", "g", "w", "NOACK", "BLOCK", "0", "STREAMS", "t", ">")
    wait_blocked(c, 1)
    c.call("XADD", "t", "1-0", "f", "v")
    assert w.read() == [[b"t", [entry("1-0", "f", "v")]]]
    c.call("PING")
    w.close()
    c.close()
    assert h.stop() is None
    claim = "XCLAIM s g %s 0 %s TIME T RETRYCOUNT %d FORCE JUSTID LASTID %s"
    expected = [
        "XGROUP CREATE s g 0",
        "MULTI", claim % ("a", "1-0", 1, "1-0"), claim % ("a", "2-0", 1, "2-0"), "EXEC",
        "MULTI", "XGROUP CREATECONSUMER s g n", "XGROUP SETID s g 3-0 ENTRIESREAD 3", "EXEC",
        claim % ("b", "2-0", 5, "3-0"), claim % ("b", "4-0", 2, "3-0"),
        "XDEL s 1-0",
        "MULTI", claim % ("a", "1-0", 2, "3-0"), claim % ("c", "2-0", 5, "3-0"),
        claim % ("c", "4-0", 2, "3-0"), "EXEC",
        "XGROUP SETID s g 9-0 ENTRIESREAD 3",
        "XACK s g 2-0",
        "XGROUP SETID s g 0 ENTRIESREAD 0",
        "XGROUP CREATE t g $ MKSTREAM",
        "XADD t 1-0 f v",
        "MULTI", "XGROUP CREATECONSUMER t g w", "XGROUP SETID t g 1-0 ENTRIESREAD 1", "EXEC"]
    assert aof_ops(spawn_server.tmp_path)[-len(expected):] == expected


# --------------------------------------------------------------------------
# Random group operations, reply for reply against a reference redis-server
# --------------------------------------------------------------------------


def _masked(cmd, rep):
    """Idle times are the only replies that may differ (milliseconds since a delivery)."""
    if cmd[0] == "XPENDING" and len(cmd) > 3 and isinstance(rep, list):
        return [[e[0], e[1], e[3]] if isinstance(e, list) and len(e) == 4 else e for e in rep]
    if cmd[:2] == ["XINFO", "CONSUMERS"] and isinstance(rep, list):
        return [x[:4] for x in rep]
    return rep


def _random_group_op(rnd, nid):
    g, cn = rnd.choice(["g1", "g2"]), rnd.choice(["a", "b", "c"])
    some = "%d-0" % rnd.randint(0, nid + 1)
    op = rnd.randrange(16)
    if op < 3:
        return ["XADD", "s", "%d-0" % nid, "f", str(nid)]
    if op == 3:
        return ["XDEL", "s", some]
    if op == 4:
        return ["XGROUP", "CREATE", "s", g, rnd.choice(["0", "$", some])] + (
            ["MKSTREAM"] if rnd.random() < .5 else [])
    if op == 5:
        return ["XGROUP", "SETID", "s", g, rnd.choice(["0", "$", some])] + (
            ["ENTRIESREAD", str(rnd.randint(-1, 5))] if rnd.random() < .3 else [])
    if op == 6:
        return ["XGROUP", rnd.choice(["CREATECONSUMER", "DELCONSUMER"]), "s", g, cn]
    if op == 7 and rnd.random() < .2:
        return ["XGROUP", "DESTROY", "s", g]
    if op in (7, 8, 9):
        return (["XREADGROUP", "GROUP", g, cn] +
                (["COUNT", str(rnd.randint(0, 3))] if rnd.random() < .6 else []) +
                (["NOACK"] if rnd.random() < .2 else []) +
                ["STREAMS", "s", rnd.choice([">", ">", "0", some])])
    if op == 10:
        return ["XACK", "s", g, some, "%d-0" % rnd.randint(0, nid)]
    if op == 11:
        return (["XCLAIM", "s", g, cn, rnd.choice(["0", "0", "100000"]), some,
                 "%d-0" % rnd.randint(0, nid)] + (["JUSTID"] if rnd.random() < .5 else []) +
                (["FORCE"] if rnd.random() < .3 else []) +
                (["RETRYCOUNT", "3"] if rnd.random() < .3 else []))
    if op == 12:
        return (["XAUTOCLAIM", "s", g, cn, "0", rnd.choice(["0", some]), "COUNT",
                 str(rnd.randint(1, 4))] + (["JUSTID"] if rnd.random() < .5 else []))
    if op == 13:
        if rnd.random() < .5:
            return ["XPENDING", "s", g]
        return ["XPENDING", "s", g, "-", "+", str(rnd.randint(0, 5))] + (
            [cn] if rnd.random() < .5 else [])
    if op == 14:
        return ["XINFO", "GROUPS", "s"]
    return ["XINFO", "CONSUMERS", "s", g]


def test_random_group_ops_match_redis(c, servers):
    ref = servers.start(reference=True).client()
    for seed in range(12):
        rnd = random.Random(seed)
        assert c.call("FLUSHALL") == "OK" and ref.call("FLUSHALL") == "OK"
        nid = 1
        history = []
        for _ in range(250):
            cmd = _random_group_op(rnd, nid)
            if cmd[0] == "XADD":
                nid += 1
            want = _masked(cmd, ref.call(*cmd))
            history.append((cmd, want))
            assert _masked(cmd, c.call(*cmd)) == want, (seed, history[-6:])
    ref.close()


def test_scripts_read_but_do_not_block(c):
    fill(c, "s", 1)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    got = c.call("EVAL", "return redis.call('xreadgroup','group','g','c','streams',KEYS[1],'>')",
                 "1", "s")
    assert got == [[b"s", [entry("1-0", "f", "v1")]]]
    err = c.call("EVAL", "return redis.call('xreadgroup','group','g','c','block','0','streams',"
                 "KEYS[1],'>')", "1", "s")
    assert isinstance(err, Err)
    assert err.startswith("ERR xreadgroup command is not allowed with BLOCK option from scripts")
