"""Keyspace notifications of the set and sorted-set commands (Redis 7.0 t_set.c and t_zset.c): the
exact events, their classes, order and conditions, including no-op writes, failed conditions,
wrong types and the extra `del` of a value left empty. Keys of one command share a hash tag where
the order across keys matters (one shard); commands over keys of several shards compare sorted
lists, as their events are ordered per shard. Runs against Shoal with 1 and 4 shards and against
redis-server 7.0.
"""

import pytest

import conftest
from shoal_events import Events, c, flags, is_err  # noqa: F401 (c: a fixture)
from shoal_info import wait_blocked
from shoal_resp import RespClient

srv = conftest.sharded_server([1, 4])

# A member long enough to make a sorted set a skiplist (zset-max-listpack-value is 64).
LONG = "m" * 80



@pytest.fixture
def ev(srv):
    e = Events(srv.host, srv.port, flags="KEA")
    yield e
    e.close()



# ---- sets ----

@pytest.mark.parametrize("members", [("1", "2", "3"), ("a", "b", "c")], ids=["intset", "hash"])
def test_sadd(c, ev, members):
    a, b, m3 = members
    flags(c, "KEAn")
    assert c.call("SADD", "s", a, b) == 2
    assert ev.collect(c) == [("new", "s"), ("sadd", "s")]
    assert c.call("SADD", "s", a) == 0  # nothing new: no event
    assert c.call("SADD", "s", b, a) == 0
    assert ev.collect(c) == []
    assert c.call("SADD", "s", a, m3) == 1  # one new member among old ones
    assert ev.collect(c) == [("sadd", "s")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("SADD", "str", a))
    assert ev.collect(c) == []


def test_set_events_class(c, ev):
    flags(c, "Eg$lhzxetd")  # everything but s
    c.call("SADD", "s", "a", "b")
    c.call("SREM", "s", "a")
    c.call("SPOP", "s")  # empties it: only the generic del is left
    assert ev.collect(c) == [("del", "s")]
    flags(c, "Es")
    c.call("SADD", "s", "a", "b")
    c.call("SREM", "s", "a", "b")
    assert ev.collect(c) == [("sadd", "s"), ("srem", "s")]
    flags(c, "Ks")  # keyspace channel only: the keyevent subscriber sees nothing
    c.call("SADD", "s", "a")
    assert ev.collect(c) == []


@pytest.mark.parametrize("members", [("1", "2", "3"), ("a", "b", "c")], ids=["intset", "hash"])
def test_srem(c, ev, members):
    a, b, m3 = members
    c.call("SADD", "s", a, b, m3)
    ev.collect(c)
    assert c.call("SREM", "s", "zz") == 0
    assert c.call("SREM", "nokey", a) == 0
    assert ev.collect(c) == []
    assert c.call("SREM", "s", a, "zz") == 1
    assert ev.collect(c) == [("srem", "s")]
    assert c.call("SREM", "s", b, m3, "zz") == 2
    assert ev.collect(c) == [("srem", "s"), ("del", "s")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("SREM", "str", a))
    assert ev.collect(c) == []


def test_smove(c, ev):
    flags(c, "KEAn")
    c.call("SADD", "{t}a", "1", "2", "x")
    ev.collect(c)
    # To a new destination: srem on the source, then the destination is created.
    assert c.call("SMOVE", "{t}a", "{t}b", "1") == 1
    assert ev.collect(c) == [("srem", "{t}a"), ("new", "{t}b"), ("sadd", "{t}b")]
    # To an existing destination.
    assert c.call("SMOVE", "{t}a", "{t}b", "x") == 1
    assert ev.collect(c) == [("srem", "{t}a"), ("sadd", "{t}b")]
    # Emptying the source: its del comes before the destination's events.
    assert c.call("SMOVE", "{t}a", "{t}c", "2") == 1
    assert ev.collect(c) == [("srem", "{t}a"), ("del", "{t}a"), ("new", "{t}c"),
                             ("sadd", "{t}c")]
    # The member is already in the destination: no sadd.
    c.call("SADD", "{t}a", "1")
    ev.collect(c)
    assert c.call("SMOVE", "{t}a", "{t}b", "1") == 1
    assert ev.collect(c) == [("srem", "{t}a"), ("del", "{t}a")]
    # No-ops: member missing, source missing, same key, wrong types.
    c.call("SET", "{t}str", "v")
    ev.collect(c)
    assert c.call("SMOVE", "{t}b", "{t}c", "nope") == 0
    assert c.call("SMOVE", "{t}none", "{t}c", "1") == 0
    assert c.call("SMOVE", "{t}b", "{t}b", "1") == 1
    assert is_err(c.call("SMOVE", "{t}b", "{t}str", "1"))
    assert is_err(c.call("SMOVE", "{t}str", "{t}b", "1"))
    assert ev.collect(c) == []
    assert sorted(c.call("SMEMBERS", "{t}b")) == [b"1", b"x"]


def test_smove_across_shards(c, ev):
    c.call("SADD", "src", "m")
    c.call("SADD", "dst", "other")
    ev.collect(c)
    assert c.call("SMOVE", "src", "dst", "m") == 1
    assert sorted(ev.collect(c)) == sorted([("srem", "src"), ("del", "src"), ("sadd", "dst")])


@pytest.mark.parametrize("members", [("1", "2", "3"), ("a", "b", "c")], ids=["intset", "hash"])
def test_spop(c, ev, members):
    c.call("SADD", "s", *members)
    ev.collect(c)
    assert c.call("SPOP", "s") is not None
    assert ev.collect(c) == [("spop", "s")]
    assert c.call("SPOP", "s", "0") in ([], set())
    assert c.call("SPOP", "nokey") is None
    assert c.call("SPOP", "nokey", "3") in ([], set())
    assert ev.collect(c) == []
    assert len(c.call("SPOP", "s", "1")) == 1
    assert ev.collect(c) == [("spop", "s")]
    c.call("SPOP", "s")  # the last member
    assert ev.collect(c) == [("spop", "s"), ("del", "s")]
    # With a count: all of it, more than it holds, most of it, a few.
    c.call("SADD", "s", *members)
    ev.collect(c)
    assert len(c.call("SPOP", "s", "3")) == 3
    assert ev.collect(c) == [("spop", "s"), ("del", "s")]
    c.call("SADD", "s", *members)
    ev.collect(c)
    assert len(c.call("SPOP", "s", "10")) == 3
    assert ev.collect(c) == [("spop", "s"), ("del", "s")]
    many = [m + str(i) for m in members for i in range(10)]
    c.call("SADD", "s", *many)
    ev.collect(c)
    assert len(c.call("SPOP", "s", "28")) == 28  # most of it: the remainder is rebuilt
    assert len(c.call("SPOP", "s", "1")) == 1
    assert ev.collect(c) == [("spop", "s"), ("spop", "s")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("SPOP", "str"))
    assert is_err(c.call("SPOP", "str", "2"))
    assert ev.collect(c) == []


@pytest.mark.parametrize("cmd,event,dst_size", [
    ("SINTERSTORE", "sinterstore", 1), ("SUNIONSTORE", "sunionstore", 3),
    ("SDIFFSTORE", "sdiffstore", 1)])
def test_set_store(c, ev, cmd, event, dst_size):
    flags(c, "KEAn")
    c.call("SADD", "{t}x", "a", "b")
    c.call("SADD", "{t}y", "b", "c")
    ev.collect(c)
    assert c.call(cmd, "{t}d", "{t}x", "{t}y") == dst_size
    assert ev.collect(c) == [("new", "{t}d"), (event, "{t}d")]
    assert c.call(cmd, "{t}d", "{t}x", "{t}y") == dst_size  # overwrite: no new
    assert ev.collect(c) == [(event, "{t}d")]
    # A destination of another type is replaced the same way.
    c.call("SET", "{t}str", "v")
    ev.collect(c)
    assert c.call(cmd, "{t}str", "{t}x", "{t}y") == dst_size
    assert ev.collect(c) == [(event, "{t}str")]
    # An empty result deletes an existing destination, and is silent otherwise.
    c.call("SADD", "{t}e", "zz")
    ev.collect(c)
    empty = ("{t}x", "{t}x") if cmd == "SDIFFSTORE" else ("{t}none", "{t}none2")
    if cmd == "SINTERSTORE":
        empty = ("{t}x", "{t}none")
    assert c.call(cmd, "{t}e", *empty) == 0
    assert ev.collect(c) == [("del", "{t}e")]
    assert c.call(cmd, "{t}e", *empty) == 0
    assert ev.collect(c) == []
    # A source of another type: WRONGTYPE, the destination is untouched.
    c.call("SET", "{t}s2", "v")
    ev.collect(c)
    assert is_err(c.call(cmd, "{t}d", "{t}x", "{t}s2"))
    assert ev.collect(c) == []
    assert c.call("SCARD", "{t}d") == dst_size


def test_set_store_keymiss(c, ev):
    # Redis reads the sources with lookupKeyRead (keymiss) and the destination without.
    flags(c, "Egsm")
    c.call("SADD", "{t}x", "a")
    c.call("SADD", "{t}d", "a")
    ev.collect(c)
    assert c.call("SINTERSTORE", "{t}d", "{t}x", "{t}none") == 0
    assert ev.collect(c) == [("keymiss", "{t}none"), ("del", "{t}d")]
    assert c.call("SUNIONSTORE", "{t}d", "{t}none", "{t}x") == 1
    assert ev.collect(c) == [("keymiss", "{t}none"), ("sunionstore", "{t}d")]


def test_set_store_across_shards(c, ev):
    keys = ["src%d" % i for i in range(6)]
    for i, k in enumerate(keys):
        c.call("SADD", k, "common", "only%d" % i)
    c.call("SADD", "dst", "old")
    ev.collect(c)
    assert c.call("SUNIONSTORE", "dst", *keys) == 7
    assert c.call("SINTERSTORE", "dst2", *keys) == 1
    assert c.call("SDIFFSTORE", "dst", "dst", "dst") == 0
    got = ev.collect(c)
    assert sorted(got) == sorted([("sunionstore", "dst"), ("sinterstore", "dst2"),
                                  ("del", "dst")])
    # Per destination, in command order.
    assert [e for e in got if e[1] == "dst"] == [("sunionstore", "dst"), ("del", "dst")]


def test_set_events_in_other_db(c, ev):
    c.call("SELECT", "3")
    c.call("SADD", "s", "a")
    c.call("SREM", "s", "a")
    assert ev.collect(c, db_too=True) == [(3, "sadd", "s"), (3, "srem", "s"), (3, "del", "s")]


# ---- sorted sets ----

@pytest.mark.parametrize("pad", ["", LONG], ids=["listpack", "skiplist"])
def test_zadd(c, ev, pad):
    a, b = "a" + pad, "b" + pad
    flags(c, "KEAn")
    assert c.call("ZADD", "z", "1", a, "2", b) == 2
    assert ev.collect(c) == [("new", "z"), ("zadd", "z")]
    assert c.call("ZADD", "z", "1", a, "2", b) == 0  # same scores: no change
    assert c.call("ZADD", "z", "CH", "1", a) == 0
    assert c.call("ZADD", "z", "NX", "5", a) == 0
    assert c.call("ZADD", "z", "XX", "5", "c") == 0
    assert c.call("ZADD", "nokey", "XX", "5", "c") == 0
    assert c.call("ZADD", "z", "GT", "0", a) == 0
    assert c.call("ZADD", "z", "LT", "9", a) == 0
    assert ev.collect(c) == []
    assert c.call("ZADD", "z", "3", a) == 0  # an update is an event too
    assert ev.collect(c) == [("zadd", "z")]
    assert c.call("ZADD", "z", "LT", "0", a) == 0
    assert c.call("ZADD", "z", "XX", "CH", "7", b) == 1
    assert c.call("ZADD", "z", "NX", "1", "c", "1", a) == 1
    assert ev.collect(c) == [("zadd", "z"), ("zadd", "z"), ("zadd", "z")]
    # Refused before anything changes.
    assert is_err(c.call("ZADD", "z", "x", a))
    assert is_err(c.call("ZADD", "z", "NX", "XX", "1", a))
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("ZADD", "str", "1", a))
    assert ev.collect(c) == []


@pytest.mark.parametrize("pad", ["", LONG], ids=["listpack", "skiplist"])
def test_zincr(c, ev, pad):
    a = "a" + pad
    flags(c, "KEAn")
    assert c.call("ZINCRBY", "z", "2", a) == b"2"
    assert ev.collect(c) == [("new", "z"), ("zincr", "z")]
    c.call("ZINCRBY", "z", "1", a)
    c.call("ZADD", "z", "INCR", "1", a)
    assert ev.collect(c) == [("zincr", "z"), ("zincr", "z")]
    c.call("ZINCRBY", "z", "0", a)  # the score stays: no event
    assert c.call("ZADD", "z", "NX", "INCR", "1", a) is None
    assert c.call("ZADD", "z", "GT", "INCR", "-1", a) is None
    assert c.call("ZADD", "nokey", "XX", "INCR", "1", a) is None
    assert ev.collect(c) == []
    c.call("ZADD", "z", "+inf", a)
    ev.collect(c)
    assert is_err(c.call("ZINCRBY", "z", "-inf", a))  # NaN
    assert ev.collect(c) == []
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("ZINCRBY", "str", "1", a))
    assert ev.collect(c) == []


def test_zset_events_class(c, ev):
    flags(c, "Eg$lshxetd")  # everything but z
    c.call("ZADD", "z", "1", "a", "2", "b")
    c.call("ZINCRBY", "z", "1", "a")
    c.call("ZREM", "z", "a")
    c.call("ZPOPMIN", "z")
    assert ev.collect(c) == [("del", "z")]
    flags(c, "Ez")
    c.call("ZADD", "z", "1", "a", "2", "b")
    c.call("ZREM", "z", "a", "b")
    assert ev.collect(c) == [("zadd", "z"), ("zrem", "z")]


@pytest.mark.parametrize("pad", ["", LONG], ids=["listpack", "skiplist"])
def test_zrem(c, ev, pad):
    m = [x + pad for x in "abc"]
    c.call("ZADD", "z", "1", m[0], "2", m[1], "3", m[2])
    ev.collect(c)
    assert c.call("ZREM", "z", "nope") == 0
    assert c.call("ZREM", "nokey", m[0]) == 0
    assert ev.collect(c) == []
    assert c.call("ZREM", "z", m[0], "nope") == 1
    assert ev.collect(c) == [("zrem", "z")]
    assert c.call("ZREM", "z", m[1], m[2], "nope") == 2
    assert ev.collect(c) == [("zrem", "z"), ("del", "z")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("ZREM", "str", m[0]))
    assert ev.collect(c) == []


@pytest.mark.parametrize("pad", ["", LONG], ids=["listpack", "skiplist"])
def test_zremrange(c, ev, pad):
    m = [x + pad for x in "abcdef"]
    c.call("ZADD", "z", *[x for i, e in enumerate(m) for x in (str(i), e)])
    ev.collect(c)
    assert c.call("ZREMRANGEBYSCORE", "z", "10", "20") == 0
    assert c.call("ZREMRANGEBYSCORE", "z", "(0", "(1") == 0
    assert c.call("ZREMRANGEBYRANK", "z", "10", "20") == 0
    assert c.call("ZREMRANGEBYRANK", "z", "3", "1") == 0
    assert c.call("ZREMRANGEBYLEX", "z", "[x", "[z") == 0
    assert c.call("ZREMRANGEBYSCORE", "nokey", "-inf", "+inf") == 0
    assert c.call("ZREMRANGEBYRANK", "nokey", "0", "-1") == 0
    assert c.call("ZREMRANGEBYLEX", "nokey", "-", "+") == 0
    assert is_err(c.call("ZREMRANGEBYSCORE", "z", "x", "1"))
    assert ev.collect(c) == []
    assert c.call("ZREMRANGEBYSCORE", "z", "0", "0") == 1
    assert ev.collect(c) == [("zremrangebyscore", "z")]
    assert c.call("ZREMRANGEBYRANK", "z", "0", "0") == 1
    assert ev.collect(c) == [("zremrangebyrank", "z")]
    assert c.call("ZREMRANGEBYRANK", "z", "-1", "-1") == 1
    assert c.call("ZREMRANGEBYSCORE", "z", "-inf", "+inf") == 3
    assert ev.collect(c) == [("zremrangebyrank", "z"), ("zremrangebyscore", "z"), ("del", "z")]
    c.call("ZADD", "z", "1", "m", "1", "b" + pad)
    ev.collect(c)
    assert c.call("ZREMRANGEBYRANK", "z", "0", "-1") == 2
    assert ev.collect(c) == [("zremrangebyrank", "z"), ("del", "z")]
    # Lex ranges (equal scores).
    c.call("ZADD", "l", "0", "a" + pad, "0", "b" + pad, "0", "c" + pad)
    ev.collect(c)
    assert c.call("ZREMRANGEBYLEX", "l", "[a", "(b") == 1
    assert ev.collect(c) == [("zremrangebylex", "l")]
    assert c.call("ZREMRANGEBYLEX", "l", "-", "+") == 2
    assert ev.collect(c) == [("zremrangebylex", "l"), ("del", "l")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("ZREMRANGEBYRANK", "str", "0", "-1"))
    assert is_err(c.call("ZREMRANGEBYSCORE", "str", "0", "1"))
    assert is_err(c.call("ZREMRANGEBYLEX", "str", "-", "+"))
    assert ev.collect(c) == []


@pytest.mark.parametrize("pad", ["", LONG], ids=["listpack", "skiplist"])
def test_zpop(c, ev, pad):
    m = [x + pad for x in "abcde"]
    c.call("ZADD", "z", *[x for i, e in enumerate(m) for x in (str(i), e)])
    ev.collect(c)
    c.call("ZPOPMIN", "z")
    assert ev.collect(c) == [("zpopmin", "z")]
    c.call("ZPOPMAX", "z", "2")  # one event for several elements
    assert ev.collect(c) == [("zpopmax", "z")]
    assert c.call("ZPOPMIN", "z", "0") == []
    assert c.call("ZPOPMIN", "nokey") == []
    assert c.call("ZPOPMAX", "nokey", "3") == []
    assert is_err(c.call("ZPOPMIN", "z", "-1"))
    assert ev.collect(c) == []
    c.call("ZPOPMIN", "z", "10")
    assert ev.collect(c) == [("zpopmin", "z"), ("del", "z")]
    c.call("ZADD", "z", "1", m[0])
    ev.collect(c)
    c.call("ZPOPMAX", "z")
    assert ev.collect(c) == [("zpopmax", "z"), ("del", "z")]
    c.call("SET", "str", "v")
    ev.collect(c)
    assert is_err(c.call("ZPOPMIN", "str"))
    assert is_err(c.call("ZPOPMAX", "str", "2"))
    assert ev.collect(c) == []


def test_zmpop(c, ev):
    c.call("ZADD", "{t}z", "1", "a", "2", "b", "3", "c")
    ev.collect(c)
    assert c.call("ZMPOP", "2", "{t}none", "{t}z", "MIN") == [b"{t}z", [[b"a", b"1"]]]
    assert ev.collect(c) == [("zpopmin", "{t}z")]
    c.call("ZMPOP", "1", "{t}z", "MAX", "COUNT", "10")
    assert ev.collect(c) == [("zpopmax", "{t}z"), ("del", "{t}z")]
    assert c.call("ZMPOP", "2", "{t}none", "{t}z", "MIN") is None
    c.call("SET", "{t}str", "v")
    c.call("ZADD", "{t}z", "1", "a")
    ev.collect(c)
    assert is_err(c.call("ZMPOP", "2", "{t}str", "{t}z", "MIN"))
    assert ev.collect(c) == []
    # Keys on several shards: the first existing one is popped.
    c.call("ZADD", "zz9", "1", "a")
    ev.collect(c)
    assert c.call("ZMPOP", "3", "none1", "none2", "zz9", "MAX")[0] == b"zz9"
    assert ev.collect(c) == [("zpopmax", "zz9"), ("del", "zz9")]


def test_bzpop_immediate(c, ev):
    c.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    ev.collect(c)
    assert c.call("BZPOPMIN", "none", "z", "0") == [b"z", b"a", b"1"]
    assert ev.collect(c) == [("zpopmin", "z")]
    c.call("BZPOPMAX", "z", "0")
    assert ev.collect(c) == [("zpopmax", "z")]
    c.call("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5")
    assert ev.collect(c) == [("zpopmin", "z"), ("del", "z")]


def test_bzpop_served(srv, c, ev):
    # A client woken by ZADD: the pop's events follow the zadd, as Redis serves blocked clients
    # after the command that made the key ready.
    waiter = RespClient(srv.host, srv.port)
    try:
        waiter.send("BZPOPMIN", "bz", "10")
        wait_blocked(c, 1)
        c.call("ZADD", "bz", "1", "a")
        assert waiter.read() == [b"bz", b"a", b"1"]
        got = ev.collect(c)
        assert got == [("zadd", "bz"), ("zpopmin", "bz"), ("del", "bz")]
    finally:
        waiter.close()


def test_zrangestore(c, ev):
    flags(c, "KEAn")
    c.call("ZADD", "{t}src", "1", "a", "2", "b", "3", "c")
    ev.collect(c)
    assert c.call("ZRANGESTORE", "{t}d", "{t}src", "0", "1") == 2
    assert ev.collect(c) == [("new", "{t}d"), ("zrangestore", "{t}d")]
    assert c.call("ZRANGESTORE", "{t}d", "{t}src", "2", "3", "BYSCORE") == 2
    assert c.call("ZRANGESTORE", "{t}d", "{t}src", "[a", "[b", "BYLEX") == 2
    assert ev.collect(c) == [("zrangestore", "{t}d"), ("zrangestore", "{t}d")]
    # An empty range deletes an existing destination, and is silent otherwise.
    assert c.call("ZRANGESTORE", "{t}d", "{t}src", "5", "10") == 0
    assert ev.collect(c) == [("del", "{t}d")]
    assert c.call("ZRANGESTORE", "{t}d", "{t}src", "5", "10") == 0
    assert c.call("ZRANGESTORE", "{t}d", "{t}none", "0", "-1") == 0
    assert ev.collect(c) == []
    c.call("SET", "{t}d", "v")  # any type of destination
    ev.collect(c)
    assert c.call("ZRANGESTORE", "{t}d", "{t}none", "0", "-1") == 0
    assert ev.collect(c) == [("del", "{t}d")]
    c.call("SET", "{t}str", "v")
    c.call("ZADD", "{t}d", "1", "x")
    ev.collect(c)
    assert is_err(c.call("ZRANGESTORE", "{t}d", "{t}str", "0", "-1"))
    assert is_err(c.call("ZRANGESTORE", "{t}d", "{t}src", "0", "-1", "BYLEX"))
    assert ev.collect(c) == []


def test_zrangestore_keymiss_and_shards(c, ev):
    flags(c, "Egzm")
    c.call("ZADD", "{t}d", "1", "x")
    ev.collect(c)
    assert c.call("ZRANGESTORE", "{t}d", "{t}none", "0", "-1") == 0
    assert ev.collect(c) == [("keymiss", "{t}none"), ("del", "{t}d")]
    c.call("ZADD", "zsrc", "1", "a")
    c.call("ZADD", "zdst", "5", "old")
    ev.collect(c)
    assert c.call("ZRANGESTORE", "zdst", "zsrc", "0", "-1") == 1
    assert ev.collect(c) == [("zrangestore", "zdst")]


@pytest.mark.parametrize("cmd,event,size", [
    ("ZUNIONSTORE", "zunionstore", 3), ("ZINTERSTORE", "zinterstore", 1),
    ("ZDIFFSTORE", "zdiffstore", 1)])
def test_zset_store(c, ev, cmd, event, size):
    flags(c, "KEAn")
    c.call("ZADD", "{t}x", "1", "a", "2", "b")
    c.call("ZADD", "{t}y", "1", "b", "3", "c")
    ev.collect(c)
    assert c.call(cmd, "{t}d", "2", "{t}x", "{t}y") == size
    assert ev.collect(c) == [("new", "{t}d"), (event, "{t}d")]
    assert c.call(cmd, "{t}d", "2", "{t}x", "{t}y") == size
    assert ev.collect(c) == [(event, "{t}d")]
    # A set source (scores 1), and a destination of another type.
    c.call("SADD", "{t}s", "a", "b", "c")
    c.call("SET", "{t}str", "v")
    ev.collect(c)
    assert c.call(cmd, "{t}str", "2", "{t}s", "{t}s") == (3 if cmd != "ZDIFFSTORE" else 0)
    assert ev.collect(c) == ([(event, "{t}str")] if cmd != "ZDIFFSTORE" else [("del", "{t}str")])
    # An empty result deletes an existing destination, and is silent otherwise.
    empty = ("{t}x", "{t}none") if cmd == "ZINTERSTORE" else ("{t}none", "{t}x")
    if cmd == "ZUNIONSTORE":
        empty = ("{t}none", "{t}none2")
    assert c.call(cmd, "{t}d", "2", *empty) == 0
    assert ev.collect(c) == [("del", "{t}d")]
    assert c.call(cmd, "{t}d", "2", *empty) == 0
    assert ev.collect(c) == []
    # WRONGTYPE and syntax errors change nothing.
    c.call("SET", "{t}bad", "v")
    c.call("ZADD", "{t}d", "1", "z")
    ev.collect(c)
    assert is_err(c.call(cmd, "{t}d", "2", "{t}x", "{t}bad"))
    assert is_err(c.call(cmd, "{t}d", "2", "{t}x", "{t}y", "BOGUS"))
    assert is_err(c.call(cmd, "{t}d", "0", "{t}x"))
    assert ev.collect(c) == []
    assert c.call("ZCARD", "{t}d") == 1


def test_zset_store_keymiss(c, ev):
    # Redis reads the sources with lookupKeyRead (keymiss, also before an option error) and the
    # destination without.
    flags(c, "Egzm")
    c.call("ZADD", "{t}x", "1", "a")
    c.call("ZADD", "{t}d", "1", "a")
    ev.collect(c)
    assert c.call("ZINTERSTORE", "{t}d", "2", "{t}x", "{t}none") == 0
    assert ev.collect(c) == [("keymiss", "{t}none"), ("del", "{t}d")]
    assert c.call("ZUNIONSTORE", "{t}d", "2", "{t}none", "{t}x") == 1
    assert ev.collect(c) == [("keymiss", "{t}none"), ("zunionstore", "{t}d")]
    assert is_err(c.call("ZUNIONSTORE", "{t}d", "1", "{t}none", "WEIGHTS", "x"))
    assert ev.collect(c) == [("keymiss", "{t}none")]


def test_zset_store_across_shards(c, ev):
    keys = ["zsrc%d" % i for i in range(6)]
    for i, k in enumerate(keys):
        c.call("ZADD", k, "1", "common", "2", "only%d" % i)
    c.call("ZADD", "zdst", "1", "old")
    ev.collect(c)
    assert c.call("ZUNIONSTORE", "zdst", str(len(keys)), *keys) == 7
    assert c.call("ZINTERSTORE", "zdst2", str(len(keys)), *keys) == 1
    assert c.call("ZDIFFSTORE", "zdst", "2", "zdst", "zdst") == 0
    got = ev.collect(c)
    assert sorted(got) == sorted([("zunionstore", "zdst"), ("zinterstore", "zdst2"),
                                  ("del", "zdst")])
    assert [e for e in got if e[1] == "zdst"] == [("zunionstore", "zdst"), ("del", "zdst")]


def test_read_commands_are_silent(c, ev):
    c.call("ZADD", "{t}z", "1", "a", "2", "b")
    c.call("SADD", "{t}s", "a")
    ev.collect(c)
    c.call("ZRANGE", "{t}z", "0", "-1")
    c.call("ZUNION", "2", "{t}z", "{t}s")
    c.call("ZINTERCARD", "2", "{t}z", "{t}s")
    c.call("ZRANDMEMBER", "{t}z", "2")
    c.call("SUNION", "{t}s")
    c.call("SRANDMEMBER", "{t}s", "2")
    c.call("SINTERCARD", "1", "{t}s")
    assert ev.collect(c) == []
