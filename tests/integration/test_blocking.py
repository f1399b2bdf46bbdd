"""Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.

Waking, timeouts, fairness (first blocked, first served), several keys on several shards,
disconnects, and a producers/consumers run where every pushed element must be popped exactly once.
Names without a common {tag} land on different Shoal shards; {t} names share one.
"""

import threading
import time

import shoal_errors as E
from shoal_resp import Err, RespClient
from shoal_info import blocked_clients, wait_blocked

WRONGTYPE = E.WRONGTYPE






def start_blocking(cl, *args):
    """Sends a blocking command without reading its reply."""
    cl.send(*args)


# --------------------------------------------------------------------------
# Immediate replies, timeouts, argument errors
# --------------------------------------------------------------------------


def test_blpop_immediate(c):
    c.call("RPUSH", "l2", "a", "b")
    assert c.call("BLPOP", "l1", "l2", "0") == [b"l2", b"a"]
    assert c.call("BRPOP", "l1", "l2", "0") == [b"l2", b"b"]
    assert c.call("EXISTS", "l2") == 0


def test_blpop_timeout_resp2_and_resp3(c, r3):
    t0 = time.time()
    assert c.call("BLPOP", "nolist", "0.1") is None
    assert time.time() - t0 >= 0.09
    assert r3.call("BLPOP", "nolist", "0.05") is None
    assert c.call("BLMOVE", "nolist", "x", "LEFT", "RIGHT", "0.05") is None
    assert c.call("BZPOPMIN", "nozset", "0.05") is None
    assert c.call("BLMPOP", "0.05", "1", "nolist", "LEFT") is None
    assert c.call("BZMPOP", "0.05", "1", "nozset", "MIN") is None
    assert blocked_clients(c) == 0


def test_timeout_errors(c):
    assert c.call("BLPOP", "l", "abc") == Err("ERR timeout is not a float or out of range")
    assert c.call("BLPOP", "l", "-1") == Err("ERR timeout is negative")
    assert c.call("BZPOPMIN", "z", "nan") == Err("ERR timeout is not a float or out of range")
    assert c.call("BLMOVE", "a", "b", "LEFT", "RIGHT", "-0.5") == Err("ERR timeout is negative")


def test_wrongtype_first_existing_key_decides(c):
    c.call("SET", "s", "x")
    c.call("RPUSH", "l", "a")
    assert c.call("BLPOP", "missing", "s", "l", "0") == Err(WRONGTYPE)
    assert c.call("BLPOP", "missing", "l", "s", "0") == [b"l", b"a"]
    c.call("ZADD", "z", "1", "m")
    assert c.call("BZPOPMIN", "l2", "z", "0") == [b"z", b"m", b"1"]
    c.call("RPUSH", "l3", "a")
    assert c.call("BZPOPMIN", "l3", "0.01") == Err(WRONGTYPE)


def test_blmove_destination_wrongtype_pops_nothing(c):
    c.call("RPUSH", "src", "a")
    c.call("SET", "dst", "x")
    assert c.call("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0") == Err(WRONGTYPE)
    assert c.call("LRANGE", "src", "0", "-1") == [b"a"]
    assert c.call("BRPOPLPUSH", "src", "dst", "0") == Err(WRONGTYPE)
    assert c.call("LRANGE", "src", "0", "-1") == [b"a"]


# --------------------------------------------------------------------------
# Waking
# --------------------------------------------------------------------------


def test_blpop_woken_by_push_on_another_shard(c, new_client):
    w = new_client()
    start_blocking(w, "BLPOP", "ka", "kb", "kc", "kd", "0")
    wait_blocked(c, 1)
    assert c.call("RPUSH", "kc", "v1", "v2") == 2
    assert w.read() == [b"kc", b"v1"]
    assert c.call("LRANGE", "kc", "0", "-1") == [b"v2"]
    wait_blocked(c, 0)


def test_served_right_after_the_pushing_command(c, new_client):
    # Redis serves the blocked client after RPUSH, before the next pipelined command runs.
    w = new_client()
    start_blocking(w, "BLPOP", "q", "0")
    wait_blocked(c, 1)
    c.send_raw(b"*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\nx\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n")
    assert c.read() == 1
    assert c.read() == 0
    assert w.read() == [b"q", b"x"]


def test_pipelined_command_waits_for_the_blocked_one(c, new_client):
    w = new_client()
    w.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
    wait_blocked(c, 1)
    c.call("LPUSH", "q", "z")
    assert w.read() == [b"q", b"z"]
    assert w.read() == "PONG"


def test_fairness_first_blocked_first_served(c, new_client):
    ws = []
    for i in range(3):
        w = new_client()
        start_blocking(w, "BLPOP", "fair", "0")
        wait_blocked(c, i + 1)
        ws.append(w)
    c.call("RPUSH", "fair", "a", "b", "c")
    assert [w.read() for w in ws] == [[b"fair", b"a"], [b"fair", b"b"], [b"fair", b"c"]]
    assert c.call("EXISTS", "fair") == 0


def test_one_element_serves_one_waiter(c, new_client):
    a, b = new_client(), new_client()
    start_blocking(a, "BRPOP", "one", "0")
    wait_blocked(c, 1)
    start_blocking(b, "BRPOP", "one", "0")
    wait_blocked(c, 2)
    c.call("LPUSH", "one", "x")
    assert a.read() == [b"one", b"x"]
    wait_blocked(c, 1)
    c.call("LPUSH", "one", "y")
    assert b.read() == [b"one", b"y"]


def test_blocked_on_keys_of_several_shards_served_once(c, new_client):
    w = new_client()
    start_blocking(w, "BLPOP", "s1", "s2", "s3", "s4", "s5", "s6", "0")
    wait_blocked(c, 1)
    for k in ("s1", "s2", "s3", "s4", "s5", "s6"):
        c.call("RPUSH", k, "v")
    got = w.read()
    assert got[1] == b"v" and got[0] in (b"s1", b"s2", b"s3", b"s4", b"s5", b"s6")
    total = sum(c.call("LLEN", k) for k in ("s1", "s2", "s3", "s4", "s5", "s6"))
    assert total == 5
    wait_blocked(c, 0)
    # The registrations on the other keys are gone: a new push stays in its list.
    c.call("DEL", "s1", "s2", "s3", "s4", "s5", "s6")
    c.call("RPUSH", "s1", "again")
    assert c.call("LLEN", "s1") == 1


def test_timeout_then_push_is_not_consumed(c, new_client):
    w = new_client()
    assert w.call("BLPOP", "late", "0.05") is None
    c.call("RPUSH", "late", "x")
    assert c.call("LLEN", "late") == 1


def test_disconnected_client_is_removed(c, new_client):
    w = new_client()
    start_blocking(w, "BLPOP", "gone", "0")
    wait_blocked(c, 1)
    w.close()
    wait_blocked(c, 0)
    c.call("RPUSH", "gone", "x")
    assert c.call("LRANGE", "gone", "0", "-1") == [b"x"]


def test_brpoplpush_and_blmove_woken_across_shards(c, new_client):
    w = new_client()
    start_blocking(w, "BLMOVE", "msrc", "mdst", "RIGHT", "LEFT", "0")
    wait_blocked(c, 1)
    c.call("RPUSH", "mdst", "old")
    c.call("RPUSH", "msrc", "a", "b")
    assert w.read() == b"b"
    assert c.call("LRANGE", "mdst", "0", "-1") == [b"b", b"old"]
    assert c.call("LRANGE", "msrc", "0", "-1") == [b"a"]
    w2 = new_client()
    start_blocking(w2, "BRPOPLPUSH", "psrc", "{t}pdst", "0")
    wait_blocked(c, 1)
    c.call("LPUSH", "psrc", "x")
    assert w2.read() == b"x"
    assert c.call("LRANGE", "{t}pdst", "0", "-1") == [b"x"]


def test_blmove_woken_destination_wrong_type_keeps_element(c, new_client):
    w = new_client()
    start_blocking(w, "BLMOVE", "wsrc", "wdst", "LEFT", "LEFT", "0")
    wait_blocked(c, 1)
    c.call("SET", "wdst", "string")
    c.call("RPUSH", "wsrc", "a", "b")
    reply = w.read()
    assert reply == Err(WRONGTYPE)
    assert c.call("LRANGE", "wsrc", "0", "-1") == [b"a", b"b"]


def test_blmove_chain_wakes_next_waiter(c, new_client):
    # BLMOVE's push creates the destination list, which serves a client waiting on it.
    a, b = new_client(), new_client()
    start_blocking(b, "BLPOP", "chain2", "0")
    wait_blocked(c, 1)
    start_blocking(a, "BLMOVE", "chain1", "chain2", "LEFT", "LEFT", "0")
    wait_blocked(c, 2)
    c.call("RPUSH", "chain1", "x")
    assert a.read() == b"x"
    assert b.read() == [b"chain2", b"x"]
    assert c.call("EXISTS", "chain1", "chain2") == 0


def test_blmpop_count_and_direction(c, new_client):
    w = new_client()
    start_blocking(w, "BLMPOP", "0", "2", "mp1", "mp2", "RIGHT", "COUNT", "2")
    wait_blocked(c, 1)
    c.call("RPUSH", "mp2", "a", "b", "c")
    assert w.read() == [b"mp2", [b"c", b"b"]]
    assert c.call("LRANGE", "mp2", "0", "-1") == [b"a"]


def test_bzpopmin_bzpopmax_bzmpop_woken(c, new_client):
    w = new_client()
    start_blocking(w, "BZPOPMIN", "z1", "z2", "0")
    wait_blocked(c, 1)
    c.call("ZADD", "z2", "2", "b", "1", "a")
    assert w.read() == [b"z2", b"a", b"1"]
    start_blocking(w, "BZPOPMAX", "z3", "0")
    wait_blocked(c, 1)
    c.call("ZADD", "z3", "5", "x", "7.5", "y")
    assert w.read() == [b"z3", b"y", b"7.5"]
    start_blocking(w, "BZMPOP", "0", "1", "z4", "MIN", "COUNT", "5")
    wait_blocked(c, 1)
    c.call("ZADD", "z4", "3", "c", "1", "a", "2", "b")
    assert w.read() == [b"z4", [[b"a", b"1"], [b"b", b"2"], [b"c", b"3"]]]


def test_list_waiter_not_served_by_zset(c, new_client):
    w = new_client()
    start_blocking(w, "BLPOP", "mixed", "0")
    wait_blocked(c, 1)
    c.call("ZADD", "mixed", "1", "m")
    time.sleep(0.05)
    assert blocked_clients(c) == 1
    c.call("DEL", "mixed")
    c.call("RPUSH", "mixed", "v")
    assert w.read() == [b"mixed", b"v"]


def test_rename_onto_waited_key_serves(c, new_client):
    w = new_client()
    start_blocking(w, "BLPOP", "target", "0")
    wait_blocked(c, 1)
    c.call("RPUSH", "elsewhere", "moved")
    assert c.call("RENAME", "elsewhere", "target") == "OK"
    assert w.read() == [b"target", b"moved"]


def test_resp3_reply_shapes(r3, c, new_client):
    c.call("RPUSH", "r3l", "a")
    assert r3.call("BLPOP", "r3l", "0") == [b"r3l", b"a"]
    c.call("ZADD", "r3z", "1.5", "m")
    assert r3.call("BZPOPMIN", "r3z", "0") == [b"r3z", b"m", 1.5]


# --------------------------------------------------------------------------
# Producers and consumers: every element popped exactly once
# --------------------------------------------------------------------------


def test_producers_consumers_exactly_once(server, c):
    keys = ["pc%d" % i for i in range(6)]
    producers, consumers, per_producer = 3, 4, 300
    total = producers * per_producer
    popped = []
    lock = threading.Lock()
    errors = []
    done = threading.Event()

    def produce(pid):
        cl = RespClient(server.host, server.port)
        try:
            for i in range(per_producer):
                k = keys[(pid + i) % len(keys)]
                cmd = "RPUSH" if i % 2 else "LPUSH"
                cl.call(cmd, k, "p%d-%d" % (pid, i))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))
        finally:
            cl.close()

    def consume(cid):
        cl = RespClient(server.host, server.port)
        try:
            while not done.is_set():
                args = keys[cid:] + keys[:cid]
                cmd = "BLPOP" if cid % 2 else "BRPOP"
                got = cl.call(cmd, *args, "0.2")
                if got is None:
                    continue
                with lock:
                    popped.append(got[1])
                    if len(popped) >= total:
                        done.set()
        except Exception as e:  # pragma: no cover
            errors.append(repr(e))
            done.set()
        finally:
            cl.close()

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(consumers)]
    threads += [threading.Thread(target=produce, args=(i,)) for i in range(producers)]
    for t in threads:
        t.start()
    done.wait(30)
    done.set()
    for t in threads:
        t.join(10)
    assert not errors, errors
    expected = {("p%d-%d" % (p, i)).encode() for p in range(producers) for i in range(per_producer)}
    assert len(popped) == total, (len(popped), total)
    assert set(popped) == expected
    assert sum(c.call("LLEN", k) for k in keys) == 0
