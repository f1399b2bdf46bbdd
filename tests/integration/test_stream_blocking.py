"""Blocking stream reads: XREAD BLOCK and XREADGROUP BLOCK.

Timeouts, waking by XADD from another client, `$`, several keys on several shards (names without a
common {tag} land on different Shoal shards), first-blocked-first-served, consumers of one group
blocked at once where every entry must be delivered exactly once, the errors a blocked XREADGROUP
gets when its key is deleted or changes type or its group is destroyed, BLOCK inside MULTI, CLIENT
UNBLOCK, disconnects. Every reply was checked against redis-server 7.0.15; the tests wait on
INFO's blocked_clients, not on sleeps.
"""

import threading
import time

import shoal_errors as E
from shoal_info import blocked_clients, wait_blocked
from shoal_resp import Err, RespClient

WRONGTYPE = E.WRONGTYPE
UNBLOCKED = Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")
KEY_GONE = Err(E.XREADGROUP_KEY_GONE)
GROUP_GONE = Err("NOGROUP the consumer group this client was blocked on no longer exists")


def entry(eid, *fv):
    return [eid.encode(), [x.encode() for x in fv]]


# --------------------------------------------------------------------------
# XREAD BLOCK
# --------------------------------------------------------------------------


def test_xread_block_timeout(c, r3):
    t0 = time.time()
    assert c.call("XREAD", "BLOCK", "100", "STREAMS", "s", "$") is None
    assert time.time() - t0 >= 0.09
    c.call("XADD", "s", "1-0", "f", "v")
    assert c.call("XREAD", "BLOCK", "50", "STREAMS", "s", "$") is None
    assert c.call("XREAD", "BLOCK", "50", "STREAMS", "s", "1-0") is None
    assert c.call("XREAD", "BLOCK", "50", "COUNT", "1", "STREAMS", "s", "nokey", "$", "$") is None
    assert r3.call("XREAD", "BLOCK", "50", "STREAMS", "s", "$") is None
    assert blocked_clients(c) == 0


def test_xread_block_served_at_once_when_data(c):
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("XADD", "s", "2-0", "f", "w")
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "0") == [
        [b"s", [entry("1-0", "f", "v"), entry("2-0", "f", "w")]]]
    assert c.call("XREAD", "BLOCK", "0", "COUNT", "1", "STREAMS", "nokey", "s", "0", "1") == [
        [b"s", [entry("2-0", "f", "w")]]]
    assert blocked_clients(c) == 0


def test_xread_block_woken_by_xadd(c, new_client):
    c.call("XADD", "s", "1-0", "old", "x")
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    assert c.call("XADD", "s", "2-0", "new", "y") == b"2-0"
    assert w.read() == [[b"s", [entry("2-0", "new", "y")]]]
    wait_blocked(c, 0)
    # A key that did not exist when the client blocked.
    w.send("XREAD", "BLOCK", "0", "STREAMS", "fresh", "$")
    wait_blocked(c, 1)
    assert c.call("XADD", "fresh", "5-5", "a", "b") == b"5-5"
    assert w.read() == [[b"fresh", [entry("5-5", "a", "b")]]]


def test_xread_block_with_timeout_woken_before_it(c, new_client):
    w = new_client()
    w.send("XREAD", "BLOCK", "20000", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]


def test_xread_block_dollar_is_the_last_id_when_blocking(c, new_client):
    # With $ the entries added before the client blocked are never returned; with an
    # explicit ID below the last one they are, at once.
    c.call("XADD", "s", "1-0", "f", "old")
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    c.call("XADD", "s", "2-0", "f", "new")
    assert w.read() == [[b"s", [entry("2-0", "f", "new")]]]
    assert w.call("XREAD", "BLOCK", "0", "STREAMS", "s", "0-0") == [
        [b"s", [entry("1-0", "f", "old"), entry("2-0", "f", "new")]]]


def test_xread_block_waiting_old_data(c, new_client):
    c.call("XADD", "s2", "1-0", "old", "abcd1234")
    w = new_client()
    assert w.call("XREAD", "BLOCK", "20000", "STREAMS", "s1", "s2", "s3", "$", "0-0", "$") == [
        [b"s2", [entry("1-0", "old", "abcd1234")]]]


def test_xread_block_several_keys_on_several_shards(c, new_client):
    keys = ["ka", "kb", "kc", "kd", "ke", "kf"]
    c.call("XADD", "kb", "1-0", "old", "x")
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", *keys, *(["$"] * len(keys)))
    wait_blocked(c, 1)
    c.call("XADD", "ke", "7-0", "new", "y")
    assert w.read() == [[b"ke", [entry("7-0", "new", "y")]]]
    wait_blocked(c, 0)
    # The registrations on the other keys are gone.
    c.call("XADD", "ka", "1-0", "f", "v")
    assert blocked_clients(c) == 0
    # Again, every key a different shard, each XADD on another key: the first wins.
    w.send("XREAD", "BLOCK", "0", "STREAMS", *keys, *(["$"] * len(keys)))
    wait_blocked(c, 1)
    c.call("XADD", "kd", "3-0", "f", "v")
    got = w.read()
    assert got == [[b"kd", [entry("3-0", "f", "v")]]]
    for k in keys:
        c.call("XADD", k, "100-0", "f", "v")
    assert blocked_clients(c) == 0


def test_xread_block_every_waiter_gets_the_entry(c, new_client):
    ws = [new_client() for _ in range(4)]
    for i, w in enumerate(ws):
        w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        wait_blocked(c, i + 1)
    c.call("XADD", "s", "1-0", "f", "v")
    for w in ws:
        assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]
    wait_blocked(c, 0)
    assert c.call("XLEN", "s") == 1


def test_xread_block_count_and_multi_xadd(c, new_client):
    c.call("XADD", "s", "1-0", "old", "x")
    w = new_client()
    w.send("XREAD", "BLOCK", "20000", "STREAMS", "s", "s", "s", "$", "$", "$")
    wait_blocked(c, 1)
    assert c.call("MULTI") == "OK"
    for i, word in enumerate(("one", "two", "three")):
        c.call("XADD", "s", "%d-0" % (i + 2), "field", word)
    assert c.call("EXEC") == [b"2-0", b"3-0", b"4-0"]
    three = [entry("2-0", "field", "one"), entry("3-0", "field", "two"),
             entry("4-0", "field", "three")]
    # Woken, the client gets the key that became ready, once, with everything after its ID.
    assert w.read() == [[b"s", three]]
    # With COUNT the woken client gets at most COUNT entries.
    w.send("XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    assert c.call("MULTI") == "OK"
    c.call("XADD", "s", "5-0", "f", "a")
    c.call("XADD", "s", "6-0", "f", "b")
    c.call("XADD", "s", "7-0", "f", "c")
    c.call("EXEC")
    assert w.read() == [[b"s", [entry("5-0", "f", "a"), entry("6-0", "f", "b")]]]


def test_xread_xadd_then_del_in_multi_does_not_wake(c, new_client):
    w = new_client()
    w.send("XREAD", "BLOCK", "20000", "STREAMS", "s1", "$")
    wait_blocked(c, 1)
    c.call("MULTI")
    c.call("XADD", "s1", "1-0", "old", "abcd1234")
    c.call("DEL", "s1")
    c.call("LPUSH", "s1", "foo", "bar")
    c.call("EXEC")
    assert blocked_clients(c) == 1
    c.call("DEL", "s1")
    c.call("XADD", "s1", "2-0", "new", "abcd1234")
    assert w.read() == [[b"s1", [entry("2-0", "new", "abcd1234")]]]


def test_xread_block_key_deleted_or_changed_type_stays_blocked(c, new_client):
    c.call("XADD", "s", "666", "f", "v")
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    c.call("DEL", "s")
    c.call("SET", "s", "val1")
    assert blocked_clients(c) == 1
    c.call("DEL", "s")
    assert blocked_clients(c) == 1
    c.call("XADD", "s", "667", "f", "v")
    assert w.read() == [[b"s", [entry("667-0", "f", "v")]]]


def test_xread_block_not_woken_without_new_entries(c, new_client):
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "{t}s", "$")
    wait_blocked(c, 1)
    # An empty stream made by MKSTREAM, a new last ID: no entry to read, still blocked.
    assert c.call("XGROUP", "CREATE", "{t}s", "g", "$", "MKSTREAM") == "OK"
    assert c.call("XSETID", "{t}s", "5-0") == "OK"
    assert c.call("XLEN", "{t}s") == 0
    assert blocked_clients(c) == 1
    c.call("XADD", "{t}s", "6-0", "a", "1")
    assert w.read() == [[b"{t}s", [entry("6-0", "a", "1")]]]


def test_xread_block_stream_renamed_onto_the_key(c, new_client):
    w = new_client()
    c.call("XADD", "{t}s", "1-0", "a", "1")
    w.send("XREAD", "BLOCK", "0", "STREAMS", "{t}s", "$")
    wait_blocked(c, 1)
    assert c.call("XSETID", "{t}s", "5-0") == "OK"  # a new last ID, no entry: still blocked
    assert blocked_clients(c) == 1
    # A stream renamed onto the key, with an entry past $: served.
    c.call("XADD", "{t}o", "9-0", "a", "1")
    assert c.call("RENAME", "{t}o", "{t}s") == "OK"
    assert w.read() == [[b"{t}s", [entry("9-0", "a", "1")]]]
    # $ is the ID of the key when the client blocked (9-0): entries below it are not served.
    w.send("XREAD", "BLOCK", "0", "STREAMS", "{t}s", "$")
    wait_blocked(c, 1)
    c.call("XADD", "{t}o", "1-0", "a", "1")
    assert c.call("RENAME", "{t}o", "{t}s") == "OK"
    c.call("XADD", "{t}s", "2-0", "a", "1")
    assert blocked_clients(c) == 1
    c.call("XADD", "{t}s", "10-0", "a", "1")
    assert w.read() == [[b"{t}s", [entry("10-0", "a", "1")]]]


def test_xread_block_stream_ran_dry(c, new_client):
    c.call("XADD", "s", "666", "key", "value")
    c.call("XDEL", "s", "666")
    w = new_client()
    # An ID below the last one, nothing after it: released on timeout, not with [].
    assert w.call("XREAD", "BLOCK", "10", "STREAMS", "s", "665") is None
    assert c.call("XADD", "s", "665", "key", "value") == Err(E.XADD_ID_SMALLER)
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "665")
    wait_blocked(c, 1)
    c.call("XADD", "s", "667", "key", "value")
    assert w.read() == [[b"s", [entry("667-0", "key", "value")]]]


def test_xread_block_not_woken_by_a_deleted_entry(c, new_client):
    c.call("XADD", "s1", "666", "f", "v")
    c.call("XADD", "s1", "667", "f2", "v2")
    c.call("XDEL", "s1", "667")
    w = new_client()
    assert w.call("XREAD", "BLOCK", "10", "STREAMS", "s1", "666") is None


def test_xread_block_resp3(r3, new_client, server):
    w = new_client()
    assert isinstance(w.call("HELLO", "3"), dict)
    w.send("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$")
    wait_blocked(r3, 1)
    r3.call("XADD", "b", "1-1", "f", "v")
    assert w.read() == {b"b": [[b"1-1", [b"f", b"v"]]]}


def test_xread_block_errors(c):
    assert c.call("XREAD", "BLOCK", "abc", "STREAMS", "s", "$") == Err(E.TIMEOUT_NOT_INT)
    assert c.call("XREAD", "BLOCK", "-1", "STREAMS", "s", "$") == Err(E.TIMEOUT_NEGATIVE)
    assert c.call("XREAD", "BLOCK", "1.5", "STREAMS", "s", "$") == Err(E.TIMEOUT_NOT_INT)
    assert c.call("XREAD", "BLOCK", "STREAMS", "s", "$") == Err(E.TIMEOUT_NOT_INT)
    c.call("SET", "str", "x")
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "str", "$") == Err(WRONGTYPE)
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "str", "$", "$") == Err(WRONGTYPE)
    assert blocked_clients(c) == 0


def test_xread_block_disconnect(c, new_client):
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    w.close()
    wait_blocked(c, 0)
    assert c.call("XADD", "s", "1-0", "f", "v") == b"1-0"


def test_xread_pipelined_command_waits_for_the_blocked_one(c, new_client):
    w = new_client()
    w.send_raw(b"*6\r\n$5\r\nXREAD\r\n$5\r\nBLOCK\r\n$1\r\n0\r\n$7\r\nSTREAMS\r\n$1\r\ns\r\n"
               b"$1\r\n$\r\n*1\r\n$4\r\nPING\r\n")
    wait_blocked(c, 1)
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]
    assert w.read() == "PONG"


# --------------------------------------------------------------------------
# XREADGROUP BLOCK
# --------------------------------------------------------------------------


def test_xreadgroup_block_timeout_and_wake(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "50", "STREAMS", "s", ">") is None
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]
    # Delivered: pending for a, and the group moved on.
    assert c.call("XPENDING", "s", "g") == [1, b"1-0", b"1-0", [[b"a", b"1"]]]
    assert c.call("XREADGROUP", "GROUP", "g", "b", "BLOCK", "10", "STREAMS", "s", ">") is None


def test_xreadgroup_block_served_at_once_when_data(c):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c.call("XADD", "s", "666", "f", "v")
    assert c.call("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "10", "STREAMS", "s", ">") == [
        [b"s", [entry("666-0", "f", "v")]]]
    # An entry added and deleted: nothing to serve, blocks and times out (not an empty array).
    c.call("XADD", "s", "667", "f2", "v2")
    c.call("XDEL", "s", "667")
    assert c.call("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "10", "STREAMS", "s", ">") is None


def test_xreadgroup_block_ignored_for_history_ids(c):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c.call("XADD", "s", "666", "key", "value")
    c.call("XDEL", "s", "666")
    for i in ("0", "600", "666", "700"):
        assert c.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", i) == [
            [b"s", []]]
    c.call("XADD", "s", "667", "key", "value")
    assert c.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">") == [
        [b"s", [entry("667-0", "key", "value")]]]
    for i in ("0", "600", "666"):
        assert c.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", i) == [
            [b"s", [entry("667-0", "key", "value")]]]
    for i in ("667", "700"):
        assert c.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", i) == [
            [b"s", []]]


def test_xreadgroup_block_stream_ran_dry(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c.call("XADD", "s", "666", "key", "value")
    c.call("XDEL", "s", "666")
    w = new_client()
    assert w.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">") is None
    w.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("XADD", "s", "667", "key", "value")
    assert w.read() == [[b"s", [entry("667-0", "key", "value")]]]


def test_xreadgroup_block_first_come_first_served(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    ws = []
    for i in range(3):
        w = new_client()
        w.send("XREADGROUP", "GROUP", "g", "c%d" % i, "BLOCK", "0", "STREAMS", "s", ">")
        wait_blocked(c, i + 1)
        ws.append(w)
    # One entry serves one consumer: the one blocked first; the others stay blocked.
    for i in range(3):
        c.call("XADD", "s", "%d-0" % (i + 1), "n", str(i))
        assert ws[i].read() == [[b"s", [entry("%d-0" % (i + 1), "n", str(i))]]]
        wait_blocked(c, 2 - i)
    pend = c.call("XPENDING", "s", "g")
    assert pend == [3, b"1-0", b"3-0", [[b"c0", b"1"], [b"c1", b"1"], [b"c2", b"1"]]]


def test_xreadgroup_block_one_xadd_of_many_entries(c, new_client):
    # A MULTI adding three entries: the first consumer blocked gets all three (no COUNT), the
    # second stays blocked.
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    a, b = new_client(), new_client()
    a.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    b.send("XREADGROUP", "GROUP", "g", "b", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 2)
    c.call("MULTI")
    for i in range(1, 4):
        c.call("XADD", "s", "%d-0" % i, "f", str(i))
    c.call("EXEC")
    assert a.read() == [[b"s", [entry("%d-0" % i, "f", str(i)) for i in range(1, 4)]]]
    wait_blocked(c, 1)
    c.call("XADD", "s", "4-0", "f", "4")
    assert b.read() == [[b"s", [entry("4-0", "f", "4")]]]


def test_xreadgroup_block_count_one_splits_a_batch(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    ws = []
    for i in range(3):
        w = new_client()
        w.send("XREADGROUP", "GROUP", "g", "c%d" % i, "COUNT", "1", "BLOCK", "0", "STREAMS",
               "s", ">")
        wait_blocked(c, i + 1)
        ws.append(w)
    c.call("MULTI")
    for i in range(1, 4):
        c.call("XADD", "s", "%d-0" % i, "f", str(i))
    c.call("EXEC")
    got = [w.read() for w in ws]
    assert got == [[[b"s", [entry("%d-0" % i, "f", str(i))]]] for i in range(1, 4)]
    wait_blocked(c, 0)


def test_xreadgroup_block_several_groups_each_get_the_entry(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g1", "$", "MKSTREAM")
    c.call("XGROUP", "CREATE", "s", "g2", "$")
    a, b = new_client(), new_client()
    a.send("XREADGROUP", "GROUP", "g1", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    b.send("XREADGROUP", "GROUP", "g2", "b", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 2)
    c.call("XADD", "s", "1-0", "f", "v")
    assert a.read() == [[b"s", [entry("1-0", "f", "v")]]]
    assert b.read() == [[b"s", [entry("1-0", "f", "v")]]]


def test_xreadgroup_block_several_streams_on_several_shards(c, new_client):
    keys = ["qa", "qb", "qc", "qd", "qe"]
    for k in keys:
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", *keys, *([">"] * len(keys)))
    wait_blocked(c, 1)
    c.call("XADD", "qd", "1-0", "f", "v")
    assert w.read() == [[b"qd", [entry("1-0", "f", "v")]]]
    wait_blocked(c, 0)
    assert c.call("XPENDING", "qd", "g")[0] == 1
    for k in keys:
        if k != "qd":
            assert c.call("XPENDING", k, "g")[0] == 0
            assert c.call("XINFO", "CONSUMERS", k, "g") == []  # no consumer made there


def test_xreadgroup_block_consumers_on_keys_of_several_shards_served_in_order(c, new_client):
    keys = ["fa", "fb", "fc", "fd"]
    for k in keys:
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    ws = []
    for i in range(4):
        w = new_client()
        w.send("XREADGROUP", "GROUP", "g", "c%d" % i, "BLOCK", "0", "STREAMS", *keys,
               *([">"] * len(keys)))
        wait_blocked(c, i + 1)
        ws.append(w)
    # Each entry, on another key (shard), goes to the consumer blocked first among those left.
    for i, k in enumerate(keys[::-1]):
        c.call("XADD", k, "%d-0" % (i + 1), "n", str(i))
        assert ws[i].read() == [[k.encode(), [entry("%d-0" % (i + 1), "n", str(i))]]]
        wait_blocked(c, 3 - i)
    for i, k in enumerate(keys[::-1]):
        assert c.call("XPENDING", k, "g") == [1, b"%d-0" % (i + 1), b"%d-0" % (i + 1),
                                              [[b"c%d" % i, b"1"]]]


def _consumer(host, port, name, keys, out, stop, ids):
    cl = RespClient(host, port)
    ids.append(cl.call("CLIENT", "ID"))
    try:
        while not stop.is_set():
            # 1 s: all of them stay blocked together long enough for wait_blocked to see it on a
            # slow server (they are unblocked at the end).
            reply = cl.call("XREADGROUP", "GROUP", "g", name, "COUNT", "1", "BLOCK", "1000",
                            "STREAMS", *keys, *([">"] * len(keys)))
            if reply is None:
                continue
            assert not isinstance(reply, Err), reply
            for key, entries in reply:
                for eid, fields in entries:
                    out.append((key, eid, fields, name))
    finally:
        cl.close()


def test_xreadgroup_block_every_entry_delivered_exactly_once(c, server):
    keys = ["ea", "eb", "ec", "ed", "ee", "ef"]
    for k in keys:
        c.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
    n_consumers, n_entries = 8, 600
    out, stop, ids = [], threading.Event(), []
    threads = [threading.Thread(target=_consumer,
                                args=(server.host, server.port, "c%d" % i, keys, out, stop, ids))
               for i in range(n_consumers)]
    for t in threads:
        t.start()
    wait_blocked(c, n_consumers)
    added = []
    producers = [RespClient(server.host, server.port) for _ in range(3)]

    def produce(p, pi):
        for i in range(pi, n_entries, len(producers)):
            k = keys[i % len(keys)]
            eid = p.call("XADD", k, "*", "n", str(i))
            added.append((k.encode(), eid))

    pts = [threading.Thread(target=produce, args=(p, i)) for i, p in enumerate(producers)]
    for t in pts:
        t.start()
    for t in pts:
        t.join()
    deadline = time.time() + 20
    while len(out) < n_entries and time.time() < deadline:
        time.sleep(0.01)
    stop.set()
    for cid in ids:
        c.call("CLIENT", "UNBLOCK", str(cid))
    for t in threads:
        t.join()
    for p in producers:
        p.close()
    got = [(k, eid) for k, eid, _, _ in out]
    assert len(got) == n_entries, "delivered %d of %d" % (len(got), n_entries)
    assert sorted(got) == sorted(added)
    assert len(set(got)) == n_entries
    # Each delivery is pending, once, for the consumer that got it; the fields came along.
    pel = set()
    for k in keys:
        for eid, name, _, count in c.call("XPENDING", k, "g", "-", "+", str(n_entries)):
            assert count == 1
            pel.add((k.encode(), eid, name))
    assert pel == {(k, eid, name.encode()) for k, eid, _, name in out}
    sent = {}
    for k, eid, fields, _ in out:
        assert fields[0] == b"n"
        sent[int(fields[1])] = (k, eid)
    assert sorted(sent) == list(range(n_entries))
    assert all(sent[i][0] == keys[i % len(keys)].encode() for i in sent)
    # Several consumers got entries.
    assert len({name for _, _, _, name in out}) > 1


def test_xreadgroup_block_key_deleted(c, new_client):
    c.call("XADD", "s", "666", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "$")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("DEL", "s") == 1
    assert w.read() == KEY_GONE
    wait_blocked(c, 0)


def test_xreadgroup_block_key_type_changed(c, new_client):
    c.call("XADD", "s", "666", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "$")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("SET", "s", "val1")
    assert w.read() == KEY_GONE
    # Within a transaction.
    c.call("DEL", "s")
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("MULTI")
    c.call("DEL", "s")
    c.call("SADD", "s", "e1")
    c.call("EXEC")
    assert w.read() == KEY_GONE


def test_xreadgroup_block_flushall(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("FLUSHALL")
    assert w.read() == KEY_GONE


def test_xreadgroup_block_group_destroyed(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c.call("XGROUP", "CREATE", "s", "other", "$")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    # Destroying another group leaves it blocked.
    assert c.call("XGROUP", "DESTROY", "s", "other") == 1
    assert blocked_clients(c) == 1
    assert c.call("XGROUP", "DESTROY", "s", "g") == 1
    assert w.read() == GROUP_GONE
    wait_blocked(c, 0)


def test_xreadgroup_block_rename(c, new_client):
    c.call("XGROUP", "CREATE", "{t}s", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "{t}s", ">")
    wait_blocked(c, 1)
    # A stream with the group and data renamed onto the key: served.
    c.call("XGROUP", "CREATE", "{t}s2", "g", "$", "MKSTREAM")
    c.call("XADD", "{t}s2", "100", "f1", "v1")
    assert c.call("RENAME", "{t}s2", "{t}s") == "OK"
    assert w.read() == [[b"{t}s", [entry("100-0", "f1", "v1")]]]
    # One without the group: NOGROUP.
    w.send("XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "{t}s", ">")
    wait_blocked(c, 1)
    c.call("XADD", "{t}s3", "100", "f1", "v1")
    assert c.call("RENAME", "{t}s3", "{t}s") == "OK"
    assert w.read() == GROUP_GONE


def test_xreadgroup_block_noack(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "a", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.read() == [[b"s", [entry("1-0", "f", "v")]]]
    assert c.call("XPENDING", "s", "g") == [0, None, None, None]
    assert c.call("XINFO", "GROUPS", "s")[0][7] == b"1-0"


def test_xreadgroup_block_errors(c):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "nokey", ">") == Err(
        E.nogroup_xreadgroup("nokey", "g"))
    assert c.call("XREADGROUP", "GROUP", "nog", "a", "BLOCK", "0", "STREAMS", "s", ">") == Err(
        E.nogroup_xreadgroup("s", "nog"))
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "-1", "STREAMS", "s", ">") == Err(
        E.TIMEOUT_NEGATIVE)
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "x", "STREAMS", "s", ">") == Err(
        E.TIMEOUT_NOT_INT)
    assert blocked_clients(c) == 0


# --------------------------------------------------------------------------
# MULTI, CLIENT UNBLOCK
# --------------------------------------------------------------------------


def test_block_inside_multi_does_not_block(c):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    assert c.call("MULTI") == "OK"
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$") == "QUEUED"
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "nokey", "$") == "QUEUED"
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">") == "QUEUED"
    assert c.call("XADD", "s", "1-0", "f", "v") == "QUEUED"
    assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "0") == "QUEUED"
    assert c.call("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">") == "QUEUED"
    assert c.call("EXEC") == [None, None, None, b"1-0", [[b"s", [entry("1-0", "f", "v")]]],
                              [[b"s", [entry("1-0", "f", "v")]]]]
    assert blocked_clients(c) == 0


def test_client_unblock_xread(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid) == 1
    assert w.read() is None
    w.send("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "c", "$", "$", "$")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid, "TIMEOUT") == 1
    assert w.read() is None
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read() == UNBLOCKED
    assert c.call("CLIENT", "UNBLOCK", wid) == 0
    # Not registered on the key any more.
    c.call("XADD", "s", "1-0", "f", "v")
    assert w.call("PING") == "PONG"


def test_client_unblock_xreadgroup(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    w.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid) == 1
    assert w.read() is None
    w.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read() == UNBLOCKED
    c.call("XADD", "s", "1-0", "f", "v")
    assert c.call("XPENDING", "s", "g") == [0, None, None, None]


def test_woken_by_an_entry_gone_before_serving(c, new_client):
    # Redis 7.0 quirk (7.2 blocks such a client again): a blocked reader whose key got an entry
    # that was gone again when the client was served (XADD then XDEL in one transaction, or
    # XADD MAXLEN 0) is answered with an empty list for the key, not left blocked.
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    c.call("MULTI")
    c.call("XADD", "s", "1-0", "a", "1")
    c.call("XDEL", "s", "1-0")
    assert c.call("EXEC") == [b"1-0", 1]
    assert w.read() == [[b"s", []]]
    assert c.call("XINFO", "GROUPS", "s")[0][7] == b"0-0"


def test_xread_woken_by_an_entry_gone_before_serving(c, new_client):
    # The same 7.0 quirk for XREAD.
    w = new_client()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "y", "$")
    wait_blocked(c, 1)
    assert c.call("XADD", "y", "MAXLEN", "0", "1-0", "a", "1") == b"1-0"
    assert w.read() == [[b"y", []]]
    wait_blocked(c, 0)


def _no_more_replies(cl, wait=0.05):
    """True when nothing else arrives on cl within `wait` seconds."""
    cl.settimeout(wait)
    try:
        cl.read()
        return False
    except (TimeoutError, OSError):
        return True
    finally:
        cl.settimeout(10)


def test_xread_block_racing_xadds_on_two_shards(c, new_client, server):
    keys = ["ra", "rb", "rc", "rd"]
    w = new_client()
    p1, p2 = new_client(), new_client()
    for i in range(30):
        w.send("XREAD", "BLOCK", "0", "STREAMS", *keys, *(["$"] * len(keys)))
        wait_blocked(c, 1)
        eid = "%d-0" % (i + 1)
        t1 = threading.Thread(target=p1.call, args=("XADD", "ra", eid, "f", "a"))
        t2 = threading.Thread(target=p2.call, args=("XADD", "rc", eid, "f", "c"))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        got = w.read()
        # One reply, for one key (whichever XADD served the client first).
        assert got in ([[b"ra", [entry(eid, "f", "a")]]], [[b"rc", [entry(eid, "f", "c")]]]), got
        wait_blocked(c, 0)
    assert _no_more_replies(w)


def test_client_unblock_racing_xadd_loses_no_entry(c, new_client):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    u, p = new_client(), new_client()
    served = 0
    for i in range(40):
        w.send("XREADGROUP", "GROUP", "g", "w", "BLOCK", "0", "STREAMS", "s", ">")
        wait_blocked(c, 1)
        eid = "%d-0" % (i + 1)
        t1 = threading.Thread(target=u.call, args=("CLIENT", "UNBLOCK", wid))
        t2 = threading.Thread(target=p.call, args=("XADD", "s", eid, "f", "v"))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        got = w.read()
        if got is None:
            # Unblocked first: the entry is still there for the group.
            assert c.call("XREADGROUP", "GROUP", "g", "other", "STREAMS", "s", ">") == [
                [b"s", [entry(eid, "f", "v")]]]
        else:
            assert got == [[b"s", [entry(eid, "f", "v")]]]
            served += 1
        wait_blocked(c, 0)
    assert _no_more_replies(w)
    pel = dict((k, int(v)) for k, v in c.call("XPENDING", "s", "g")[3])
    assert pel.get(b"w", 0) == served
    assert sum(pel.values()) == 40


def test_blocked_readers_and_setid_trim_del(c, new_client):
    for i in range(1, 4):
        c.call("XADD", "s", "%d-0" % i, "f", str(i))
    c.call("XGROUP", "CREATE", "s", "g", "$")
    w = new_client()
    w.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(c, 1)
    # SETID and XTRIM do not wake the reader; the next XADD serves all after the group's new ID.
    assert c.call("XGROUP", "SETID", "s", "g", "0") == "OK"
    assert c.call("XTRIM", "s", "MAXLEN", "2") == 1
    assert blocked_clients(c) == 1
    c.call("XADD", "s", "4-0", "f", "4")
    assert w.read() == [[b"s", [entry("%d-0" % i, "f", str(i)) for i in range(2, 5)]]]
    # XDEL and XTRIM do not wake an XREAD either.
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(c, 1)
    c.call("XDEL", "s", "4-0")
    c.call("XTRIM", "s", "MAXLEN", "0")
    assert blocked_clients(c) == 1
    c.call("XADD", "s", "5-0", "f", "5")
    assert w.read() == [[b"s", [entry("5-0", "f", "5")]]]
