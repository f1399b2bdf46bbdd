"""Keyspace notifications of the list and hash commands, and of the blocking pops (lists and
sorted sets) both when they find data at once and when a blocked client is served later: the
exact events (and their classes) Redis 7.0 emits, in its order. Runs against Shoal with 1 and 4
shards and against redis-server 7.0.

Keys that must share a shard (to check the order of a command's events over two keys) carry the
{t} tag; untagged pairs are compared as sorted lists. Events of other families' commands (SET,
ZADD) used to set a test up are drained before the command under test.
"""

import pytest

import conftest
import shoal_errors as E
from shoal_events import Events, c, flags  # noqa: F401 (c: a fixture)
from shoal_info import wait_blocked
from shoal_keys import spread_keys
from shoal_resp import Err, RespClient

srv = conftest.sharded_server([1, 4])



@pytest.fixture
def ev(srv):
    e = Events(srv.host, srv.port, flags="KEA")
    yield e
    e.close()


@pytest.fixture
def other(srv):
    """A second client (the pusher, or the blocked one)."""
    made = []

    def make():
        cl = RespClient(srv.host, srv.port)
        made.append(cl)
        return cl

    yield make
    for cl in made:
        cl.close()


# --------------------------------------------------------------------------
# Pushes
# --------------------------------------------------------------------------


def test_push(c, ev):
    assert c.call("LPUSH", "l", "a", "b") == 2
    assert c.call("RPUSH", "l", "c") == 3
    assert c.call("LPUSHX", "l", "x") == 4
    assert c.call("RPUSHX", "l", "y", "z") == 6
    assert ev.collect(c) == [("lpush", "l"), ("rpush", "l"), ("lpush", "l"), ("rpush", "l")]


def test_pushx_on_missing_key_and_wrongtype_are_silent(c, ev):
    assert c.call("LPUSHX", "nol", "x") == 0
    assert c.call("RPUSHX", "nol", "x") == 0
    c.call("SET", "s", "v")
    ev.collect(c)
    assert c.call("LPUSH", "s", "x") == Err(E.WRONGTYPE)
    assert c.call("RPUSHX", "s", "x") == Err(E.WRONGTYPE)
    assert ev.collect(c) == []


def test_push_class_and_new(c, ev):
    flags(c, "E$gh")  # no list class
    c.call("RPUSH", "l", "a")
    assert ev.collect(c) == []
    flags(c, "Eln")
    c.call("RPUSH", "l2", "a")
    c.call("RPUSH", "l2", "b")
    assert ev.collect(c) == [("new", "l2"), ("rpush", "l2"), ("rpush", "l2")]


# --------------------------------------------------------------------------
# Pops
# --------------------------------------------------------------------------


def test_pop(c, ev):
    c.call("RPUSH", "l", "a", "b", "c", "d", "e")
    ev.collect(c)
    assert c.call("LPOP", "l") == b"a"
    assert c.call("RPOP", "l", "2") == [b"e", b"d"]
    assert c.call("LPOP", "l", "0") == []
    assert ev.collect(c) == [("lpop", "l"), ("rpop", "l")]
    assert c.call("LPOP", "l", "5") == [b"b", b"c"]
    assert ev.collect(c) == [("lpop", "l"), ("del", "l")]
    c.call("RPUSH", "l", "a")
    ev.collect(c)
    assert c.call("RPOP", "l") == b"a"
    assert ev.collect(c) == [("rpop", "l"), ("del", "l")]


def test_pop_missing_and_wrongtype_are_silent(c, ev):
    assert c.call("LPOP", "nol") is None
    assert c.call("RPOP", "nol", "3") is None
    c.call("SET", "s", "v")
    ev.collect(c)
    assert c.call("LPOP", "s") == Err(E.WRONGTYPE)
    assert ev.collect(c) == []


def test_pop_classes(c, ev):
    c.call("RPUSH", "l", "a", "b")
    ev.collect(c)
    flags(c, "El")
    c.call("LPOP", "l")
    c.call("LPOP", "l")
    assert ev.collect(c) == [("lpop", "l"), ("lpop", "l")]
    c.call("RPUSH", "l", "a", "b")
    flags(c, "Eg")
    ev.collect(c)
    c.call("RPOP", "l")
    c.call("RPOP", "l")
    assert ev.collect(c) == [("del", "l")]


def test_lmpop(c, ev):
    c.call("RPUSH", "{t}y", "a", "b", "c")
    ev.collect(c)
    assert c.call("LMPOP", "2", "{t}x", "{t}y", "LEFT", "COUNT", "2") == [b"{t}y", [b"a", b"b"]]
    assert ev.collect(c) == [("lpop", "{t}y")]
    assert c.call("LMPOP", "2", "{t}x", "{t}y", "RIGHT", "COUNT", "5") == [b"{t}y", [b"c"]]
    assert ev.collect(c) == [("rpop", "{t}y"), ("del", "{t}y")]
    assert c.call("LMPOP", "2", "{t}x", "{t}y", "LEFT") is None
    assert ev.collect(c) == []


def test_lmpop_across_shards(c, ev):
    ka, kb, kc = spread_keys("mp", 3)
    c.call("RPUSH", kb, "a")
    ev.collect(c)
    assert c.call("LMPOP", "3", ka, kb, kc, "RIGHT") == [kb.encode(), [b"a"]]
    assert ev.collect(c) == [("rpop", kb), ("del", kb)]


# --------------------------------------------------------------------------
# In-place edits: LSET LINSERT LREM LTRIM
# --------------------------------------------------------------------------


def test_lset(c, ev):
    c.call("RPUSH", "l", "a", "b")
    ev.collect(c)
    assert c.call("LSET", "l", "1", "x") == "OK"
    assert c.call("LSET", "l", "5", "x") == Err("ERR index out of range")
    assert c.call("LSET", "nol", "0", "x") == Err("ERR no such key")
    assert ev.collect(c) == [("lset", "l")]


def test_linsert(c, ev):
    c.call("RPUSH", "l", "a", "b")
    ev.collect(c)
    assert c.call("LINSERT", "l", "BEFORE", "b", "x") == 3
    assert c.call("LINSERT", "l", "AFTER", "b", "y") == 4
    assert c.call("LINSERT", "l", "AFTER", "nope", "y") == -1
    assert c.call("LINSERT", "nol", "AFTER", "a", "y") == 0
    assert ev.collect(c) == [("linsert", "l"), ("linsert", "l")]


def test_lrem(c, ev):
    c.call("RPUSH", "l", "a", "b", "a", "c", "a")
    ev.collect(c)
    assert c.call("LREM", "l", "-2", "a") == 2
    assert c.call("LREM", "l", "0", "zz") == 0
    assert c.call("LREM", "nol", "0", "a") == 0
    assert ev.collect(c) == [("lrem", "l")]
    assert c.call("LREM", "l", "0", "a") == 1
    assert c.call("LREM", "l", "0", "b") == 1
    assert c.call("LREM", "l", "0", "c") == 1
    assert ev.collect(c) == [("lrem", "l"), ("lrem", "l"), ("lrem", "l"), ("del", "l")]


def test_ltrim(c, ev):
    c.call("RPUSH", "l", "a", "b", "c", "d")
    ev.collect(c)
    assert c.call("LTRIM", "l", "1", "-1") == "OK"
    assert c.call("LTRIM", "l", "0", "-1") == "OK"  # trims nothing: still announced
    assert c.call("LTRIM", "nol", "0", "1") == "OK"
    assert ev.collect(c) == [("ltrim", "l"), ("ltrim", "l")]
    assert c.call("LTRIM", "l", "5", "10") == "OK"
    assert ev.collect(c) == [("ltrim", "l"), ("del", "l")]


def test_in_place_edits_on_wrongtype_are_silent(c, ev):
    c.call("SET", "s", "v")
    ev.collect(c)
    assert c.call("LSET", "s", "0", "x") == Err(E.WRONGTYPE)
    assert c.call("LINSERT", "s", "BEFORE", "a", "x") == Err(E.WRONGTYPE)
    assert c.call("LREM", "s", "0", "a") == Err(E.WRONGTYPE)
    assert c.call("LTRIM", "s", "0", "1") == Err(E.WRONGTYPE)
    assert c.call("LMOVE", "s", "d", "LEFT", "LEFT") == Err(E.WRONGTYPE)
    assert ev.collect(c) == []


# --------------------------------------------------------------------------
# LMOVE / RPOPLPUSH: the destination's push, then the source's pop
# --------------------------------------------------------------------------


def test_lmove(c, ev):
    c.call("RPUSH", "{t}s", "a", "b")
    ev.collect(c)
    assert c.call("LMOVE", "{t}s", "{t}d", "LEFT", "RIGHT") == b"a"
    assert ev.collect(c) == [("rpush", "{t}d"), ("lpop", "{t}s")]
    assert c.call("LMOVE", "{t}s", "{t}d", "RIGHT", "LEFT") == b"b"
    assert ev.collect(c) == [("lpush", "{t}d"), ("rpop", "{t}s"), ("del", "{t}s")]


def test_rpoplpush(c, ev):
    c.call("RPUSH", "{t}s", "a")
    c.call("RPUSH", "{t}d", "x")
    ev.collect(c)
    assert c.call("RPOPLPUSH", "{t}s", "{t}d") == b"a"
    assert ev.collect(c) == [("lpush", "{t}d"), ("rpop", "{t}s"), ("del", "{t}s")]


def test_lmove_new_destination(c, ev):
    flags(c, "Elgn")
    c.call("RPUSH", "{t}s", "a", "b")
    ev.collect(c)
    c.call("LMOVE", "{t}s", "{t}d", "LEFT", "LEFT")
    assert ev.collect(c) == [("new", "{t}d"), ("lpush", "{t}d"), ("lpop", "{t}s")]


def test_lmove_same_key(c, ev):
    c.call("RPUSH", "l", "a", "b")
    ev.collect(c)
    assert c.call("LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert c.call("RPOPLPUSH", "l", "l") == b"a"
    assert ev.collect(c) == [("rpush", "l"), ("lpop", "l"), ("lpush", "l"), ("rpop", "l")]
    c.call("DEL", "l")
    c.call("RPUSH", "l", "a")
    ev.collect(c)
    assert c.call("LMOVE", "l", "l", "RIGHT", "RIGHT") == b"a"  # one element: no del
    assert ev.collect(c) == [("rpush", "l"), ("rpop", "l")]


def test_lmove_nothing_to_move_is_silent(c, ev):
    c.call("RPUSH", "{t}s", "a")
    c.call("SET", "{t}str", "v")
    ev.collect(c)
    assert c.call("LMOVE", "{t}nos", "{t}d", "LEFT", "LEFT") is None
    assert c.call("RPOPLPUSH", "{t}s", "{t}str") == Err(E.WRONGTYPE)
    assert ev.collect(c) == []


def test_lmove_across_shards(c, ev):
    keys = spread_keys("mv", 4)
    for s, d in (keys[0:2], keys[3:1:-1]):
        c.call("RPUSH", s, "a")
        ev.collect(c)
        assert c.call("LMOVE", s, d, "RIGHT", "LEFT") == b"a"
        assert sorted(ev.collect(c)) == sorted([("lpush", d), ("rpop", s), ("del", s)])


# --------------------------------------------------------------------------
# Blocking pops that find data at once
# --------------------------------------------------------------------------


def test_blpop_brpop_immediate(c, ev):
    c.call("RPUSH", "{t}b", "a", "b", "c")
    ev.collect(c)
    assert c.call("BLPOP", "{t}a", "{t}b", "0") == [b"{t}b", b"a"]
    assert c.call("BRPOP", "{t}a", "{t}b", "0") == [b"{t}b", b"c"]
    assert ev.collect(c) == [("lpop", "{t}b"), ("rpop", "{t}b")]
    assert c.call("BLPOP", "{t}a", "{t}b", "0") == [b"{t}b", b"b"]
    assert ev.collect(c) == [("lpop", "{t}b"), ("del", "{t}b")]


def test_blpop_immediate_across_shards(c, ev):
    ka, kb, kc = spread_keys("bp", 3)
    c.call("RPUSH", kb, "a")
    ev.collect(c)
    assert c.call("BRPOP", ka, kb, kc, "0") == [kb.encode(), b"a"]
    assert ev.collect(c) == [("rpop", kb), ("del", kb)]


def test_blmpop_immediate(c, ev):
    c.call("RPUSH", "{t}b", "a", "b", "c")
    ev.collect(c)
    assert c.call("BLMPOP", "0", "2", "{t}a", "{t}b", "RIGHT", "COUNT", "2") == [
        b"{t}b", [b"c", b"b"]]
    assert ev.collect(c) == [("rpop", "{t}b")]
    assert c.call("BLMPOP", "0", "2", "{t}a", "{t}b", "LEFT", "COUNT", "9") == [b"{t}b", [b"a"]]
    assert ev.collect(c) == [("lpop", "{t}b"), ("del", "{t}b")]


def test_blmove_brpoplpush_immediate(c, ev):
    c.call("RPUSH", "{t}s", "a", "b")
    ev.collect(c)
    assert c.call("BLMOVE", "{t}s", "{t}d", "LEFT", "RIGHT", "0") == b"a"
    assert ev.collect(c) == [("rpush", "{t}d"), ("lpop", "{t}s")]
    assert c.call("BRPOPLPUSH", "{t}s", "{t}d", "0") == b"b"
    assert ev.collect(c) == [("lpush", "{t}d"), ("rpop", "{t}s"), ("del", "{t}s")]
    assert c.call("BLMOVE", "{t}d", "{t}d", "RIGHT", "LEFT", "0") == b"a"
    assert ev.collect(c) == [("lpush", "{t}d"), ("rpop", "{t}d")]


def test_blmove_immediate_across_shards(c, ev):
    s, d = spread_keys("bm", 2)
    c.call("RPUSH", s, "a")
    ev.collect(c)
    assert c.call("BLMOVE", s, d, "LEFT", "LEFT", "0") == b"a"
    assert sorted(ev.collect(c)) == sorted([("lpush", d), ("lpop", s), ("del", s)])


def test_blocking_list_pops_wrongtype_and_timeout_are_silent(c, ev):
    c.call("SET", "{t}str", "v")
    c.call("RPUSH", "{t}s", "a")
    ev.collect(c)
    assert c.call("BLPOP", "{t}str", "0") == Err(E.WRONGTYPE)
    assert c.call("BLMOVE", "{t}s", "{t}str", "LEFT", "LEFT", "0") == Err(E.WRONGTYPE)
    assert c.call("BRPOP", "{t}none", "0.01") is None
    assert c.call("BLMPOP", "0.01", "1", "{t}none", "LEFT") is None
    assert ev.collect(c) == []


def test_bzpop_immediate(c, ev):
    c.call("ZADD", "{t}z", "1", "a", "2", "b", "3", "c", "4", "d")
    ev.collect(c)
    assert c.call("BZPOPMIN", "{t}none", "{t}z", "0") == [b"{t}z", b"a", b"1"]
    assert c.call("BZPOPMAX", "{t}z", "0") == [b"{t}z", b"d", b"4"]
    assert ev.collect(c) == [("zpopmin", "{t}z"), ("zpopmax", "{t}z")]
    assert c.call("BZMPOP", "0", "2", "{t}none", "{t}z", "MAX", "COUNT", "1") == [
        b"{t}z", [[b"c", b"3"]]]
    assert ev.collect(c) == [("zpopmax", "{t}z")]
    assert c.call("BZMPOP", "0", "1", "{t}z", "MIN", "COUNT", "5") == [b"{t}z", [[b"b", b"2"]]]
    assert ev.collect(c) == [("zpopmin", "{t}z"), ("del", "{t}z")]
    c.call("ZADD", "{t}z", "1", "a")
    ev.collect(c)
    assert c.call("BZPOPMAX", "{t}z", "0") == [b"{t}z", b"a", b"1"]
    assert ev.collect(c) == [("zpopmax", "{t}z"), ("del", "{t}z")]


def test_bzpop_classes_wrongtype_and_timeout(c, ev):
    c.call("ZADD", "z", "1", "a", "2", "b")
    c.call("RPUSH", "l", "a")
    flags(c, "Eg")
    ev.collect(c)
    c.call("BZPOPMIN", "z", "0")
    assert ev.collect(c) == []
    c.call("BZPOPMIN", "z", "0")
    assert ev.collect(c) == [("del", "z")]
    flags(c, "KEA")
    assert c.call("BZPOPMIN", "l", "0") == Err(E.WRONGTYPE)
    assert c.call("BZPOPMAX", "none", "0.01") is None
    assert c.call("BZMPOP", "0.01", "1", "none", "MIN") is None
    assert ev.collect(c) == []


# --------------------------------------------------------------------------
# Blocked clients served later: their pop events follow the waking command's own events
# --------------------------------------------------------------------------


def block(cl, waiter, *args):
    """Sends a blocking command from cl and waits until `waiter` sees it blocked."""
    cl.send(*args)
    wait_blocked(waiter, 1)


def test_blpop_served(c, ev, other):
    a = other()
    block(a, c, "BLPOP", "k", "0")
    assert c.call("RPUSH", "k", "x") == 1
    assert ev.collect(c) == [("rpush", "k"), ("lpop", "k"), ("del", "k")]
    assert a.read() == [b"k", b"x"]
    block(a, c, "BRPOP", "k", "0")
    assert c.call("RPUSH", "k", "x", "y") == 2
    assert ev.collect(c) == [("rpush", "k"), ("rpop", "k")]
    assert a.read() == [b"k", b"y"]


def test_two_blocked_clients_served_by_one_push(c, ev, other):
    a, b = other(), other()
    a.send("BLPOP", "k", "0")
    wait_blocked(c, 1)
    b.send("BRPOP", "k", "0")
    wait_blocked(c, 2)
    assert c.call("LPUSH", "k", "x", "y") == 2
    assert ev.collect(c) == [("lpush", "k"), ("lpop", "k"), ("rpop", "k"), ("del", "k")]
    assert a.read() == [b"k", b"y"]
    assert b.read() == [b"k", b"x"]


def test_blmpop_served(c, ev, other):
    a = other()
    block(a, c, "BLMPOP", "0", "2", "{t}a", "{t}b", "RIGHT", "COUNT", "5")
    assert c.call("RPUSH", "{t}b", "x", "y") == 2
    assert ev.collect(c) == [("rpush", "{t}b"), ("rpop", "{t}b"), ("del", "{t}b")]
    assert a.read() == [b"{t}b", [b"y", b"x"]]


def test_blmove_served(c, ev, other):
    a = other()
    block(a, c, "BLMOVE", "{t}s", "{t}d", "RIGHT", "LEFT", "0")
    assert c.call("LPUSH", "{t}s", "x") == 1
    assert ev.collect(c) == [("lpush", "{t}s"), ("lpush", "{t}d"), ("rpop", "{t}s"),
                             ("del", "{t}s")]
    assert a.read() == b"x"
    block(a, c, "BRPOPLPUSH", "{t}s", "{t}d", "0")
    assert c.call("RPUSH", "{t}s", "y", "z") == 2
    assert ev.collect(c) == [("rpush", "{t}s"), ("lpush", "{t}d"), ("rpop", "{t}s")]
    assert a.read() == b"z"


def test_blmove_served_same_key(c, ev, other):
    a = other()
    block(a, c, "BLMOVE", "l", "l", "LEFT", "RIGHT", "0")
    assert c.call("RPUSH", "l", "x") == 1
    assert ev.collect(c) == [("rpush", "l"), ("rpush", "l"), ("lpop", "l")]
    assert a.read() == b"x"


def test_blmove_served_across_shards(c, ev, other):
    a = other()
    s, d = spread_keys("sm", 2)
    block(a, c, "BLMOVE", s, d, "LEFT", "RIGHT", "0")
    assert c.call("RPUSH", s, "x") == 1
    assert a.read() == b"x"  # a cross-shard move may finish after the push's reply
    assert sorted(ev.collect(a)) == sorted([("rpush", s), ("rpush", d), ("lpop", s),
                                            ("del", s)])


def test_blmove_served_wrongtype_destination_is_silent(c, ev, other):
    a = other()
    c.call("SET", "{t}str", "v")
    ev.collect(c)
    block(a, c, "BLMOVE", "{t}s", "{t}str", "LEFT", "LEFT", "0")
    assert c.call("RPUSH", "{t}s", "x") == 1
    assert a.read() == Err(E.WRONGTYPE)
    assert ev.collect(a) == [("rpush", "{t}s")]
    assert c.call("LRANGE", "{t}s", "0", "-1") == [b"x"]


def test_served_after_exec(c, ev, other):
    a = other()
    block(a, c, "BLPOP", "k", "0")
    assert c.call("MULTI") == "OK"
    c.call("RPUSH", "k", "x")
    c.call("LPUSH", "k", "y")
    assert c.call("EXEC") == [1, 2]
    assert ev.collect(c) == [("rpush", "k"), ("lpush", "k"), ("lpop", "k")]
    assert a.read() == [b"k", b"y"]


def test_served_classes(c, ev, other):
    a = other()
    flags(c, "Eg")
    block(a, c, "BLPOP", "k", "0")
    c.call("RPUSH", "k", "x")
    assert ev.collect(c) == [("del", "k")]
    assert a.read() == [b"k", b"x"]


def zset_events(got):
    """The events but ZADD's own (checked in the sorted-set notification tests)."""
    return [e for e in got if e[0] != "zadd"]


def test_bzpop_served(c, ev, other):
    a = other()
    block(a, c, "BZPOPMIN", "z", "0")
    c.call("ZADD", "z", "1", "m", "2", "n")
    assert zset_events(ev.collect(c)) == [("zpopmin", "z")]
    assert a.read() == [b"z", b"m", b"1"]
    block(a, c, "BZPOPMAX", "z2", "0")
    c.call("ZADD", "z2", "3", "o", "4", "p")
    assert zset_events(ev.collect(c)) == [("zpopmax", "z2")]
    assert a.read() == [b"z2", b"p", b"4"]
    block(a, c, "BZPOPMAX", "z3", "0")
    c.call("ZADD", "z3", "3", "o")
    assert zset_events(ev.collect(c)) == [("zpopmax", "z3"), ("del", "z3")]
    assert a.read() == [b"z3", b"o", b"3"]


def test_bzmpop_served(c, ev, other):
    a = other()
    block(a, c, "BZMPOP", "0", "2", "{t}a", "{t}b", "MIN", "COUNT", "5")
    c.call("ZADD", "{t}b", "1", "m", "2", "n")
    got = ev.collect(c)
    assert zset_events(got) == [("zpopmin", "{t}b"), ("del", "{t}b")]
    assert got[-2:] == [("zpopmin", "{t}b"), ("del", "{t}b")]  # after ZADD's own events
    assert a.read() == [b"{t}b", [[b"m", b"1"], [b"n", b"2"]]]


def test_bzpop_served_del_only_under_g(c, ev, other):
    a = other()
    flags(c, "Eg")
    block(a, c, "BZPOPMIN", "z", "0")
    c.call("ZADD", "z", "1", "m")
    assert ev.collect(c) == [("del", "z")]
    assert a.read() == [b"z", b"m", b"1"]


# --------------------------------------------------------------------------
# Hashes
# --------------------------------------------------------------------------


def test_hset_hmset(c, ev):
    assert c.call("HSET", "h", "a", "1", "b", "2") == 2
    assert c.call("HSET", "h", "a", "1") == 0  # same value: still announced
    assert c.call("HMSET", "h", "c", "3") == "OK"
    assert ev.collect(c) == [("hset", "h"), ("hset", "h"), ("hset", "h")]


def test_hset_errors_are_silent(c, ev):
    c.call("SET", "s", "v")
    ev.collect(c)
    assert c.call("HSET", "s", "a", "1") == Err(E.WRONGTYPE)
    assert c.call("HMSET", "s", "a", "1") == Err(E.WRONGTYPE)
    assert c.call("HSET", "h", "a", "1", "b") == Err(
        "ERR wrong number of arguments for 'hset' command")
    assert c.call("HSETNX", "s", "a", "1") == Err(E.WRONGTYPE)
    assert c.call("HINCRBY", "s", "a", "1") == Err(E.WRONGTYPE)
    assert c.call("HINCRBYFLOAT", "s", "a", "1") == Err(E.WRONGTYPE)
    assert c.call("HDEL", "s", "a") == Err(E.WRONGTYPE)
    assert ev.collect(c) == []


def test_hsetnx(c, ev):
    assert c.call("HSETNX", "h", "a", "1") == 1
    assert c.call("HSETNX", "h", "a", "2") == 0
    assert c.call("HSETNX", "h", "b", "2") == 1
    assert ev.collect(c) == [("hset", "h"), ("hset", "h")]


def test_hdel(c, ev):
    c.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    ev.collect(c)
    assert c.call("HDEL", "h", "a", "nope") == 1
    assert c.call("HDEL", "h", "nope") == 0
    assert c.call("HDEL", "noh", "a") == 0
    assert ev.collect(c) == [("hdel", "h")]
    assert c.call("HDEL", "h", "nope", "b", "c", "x") == 2
    assert ev.collect(c) == [("hdel", "h"), ("del", "h")]


def test_hincrby(c, ev):
    assert c.call("HINCRBY", "h", "n", "5") == 5
    assert c.call("HINCRBY", "h", "n", "-2") == 3
    c.call("HSET", "h", "s", "abc", "big", "9223372036854775807")
    ev.collect(c)
    assert c.call("HINCRBY", "h", "s", "1") == Err("ERR hash value is not an integer")
    assert c.call("HINCRBY", "h", "big", "1") == Err(
        "ERR increment or decrement would overflow")
    assert c.call("HINCRBY", "h", "n", "x") == Err(E.NOT_INTEGER)
    assert ev.collect(c) == []
    assert c.call("HINCRBY", "h", "n", "0") == 3  # no change: still announced
    assert ev.collect(c) == [("hincrby", "h")]


def test_hincrbyfloat(c, ev):
    assert c.call("HINCRBYFLOAT", "h", "f", "1.5") == b"1.5"
    assert c.call("HINCRBYFLOAT", "h", "f", "1") == b"2.5"
    c.call("HSET", "h", "s", "abc", "big", "1e4932")
    ev.collect(c)
    assert c.call("HINCRBYFLOAT", "h", "s", "1") == Err("ERR hash value is not a float")
    assert c.call("HINCRBYFLOAT", "h", "big", "1e4932") == Err(
        "ERR increment would produce NaN or Infinity")
    assert c.call("HINCRBYFLOAT", "h", "f", "inf") == Err("ERR value is NaN or Infinity")
    assert ev.collect(c) == []


def test_hash_classes_and_new(c, ev):
    flags(c, "E$lg")
    c.call("HSET", "h", "a", "1")
    c.call("HDEL", "h", "a")
    assert ev.collect(c) == [("del", "h")]
    flags(c, "Ehn")
    c.call("HSET", "h", "a", "1")
    c.call("HINCRBY", "h2", "a", "1")
    c.call("HINCRBYFLOAT", "h3", "a", "1")
    c.call("HSETNX", "h4", "a", "1")
    c.call("HDEL", "h", "a")
    assert ev.collect(c) == [("new", "h"), ("hset", "h"), ("new", "h2"), ("hincrby", "h2"),
                             ("new", "h3"), ("hincrbyfloat", "h3"), ("new", "h4"),
                             ("hset", "h4"), ("hdel", "h")]


def test_hash_reads_are_silent(c, ev):
    c.call("HSET", "h", "a", "1")
    ev.collect(c)
    c.call("HGET", "h", "a")
    c.call("HMGET", "h", "a", "b")
    c.call("HGETALL", "h")
    c.call("HLEN", "h")
    c.call("HEXISTS", "h", "a")
    c.call("HSTRLEN", "h", "a")
    c.call("HKEYS", "h")
    c.call("HVALS", "h")
    c.call("HRANDFIELD", "h")
    c.call("HSCAN", "h", "0")
    c.call("LRANGE", "h2", "0", "-1")
    assert ev.collect(c) == []
