"""Keyspace notifications: notify-keyspace-events (every class flag, CONFIG SET at run time), the
two channels, and the events the keyspace itself emits: new, keymiss, expired (lazy and active),
evicted. The per-command events are in test_notify_*.py. Runs against Shoal with 1 and 4 shards
and against redis-server 7.0.
"""

import time

import pytest

import conftest
from shoal_events import Events, c  # noqa: F401 (c: a fixture)
from shoal_resp import Err

srv = conftest.sharded_server([1, 4])



def events(srv, flags, pattern="__keyevent@*__:*"):
    return Events(srv.host, srv.port, pattern=pattern, flags=flags)


@pytest.mark.parametrize("given,shown", [
    ("", ""), ("K", "K"), ("E", "E"), ("KEA", "AKE"), ("Ag$lshzxetdKEmn", "AKEm"),
    ("g$lshzxetd", "A"), ("gx", "gx"), ("$lshz", "$lshz"), ("Em", "Em"), ("Kn", "nK"),
    ("AAA", "A"), ("ed", "ed"), ("t", "t"),
])
def test_flags_round_trip(c, given, shown):
    assert c.call("CONFIG", "SET", "notify-keyspace-events", given) == "OK"
    assert c.call("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events",
                                                                 shown.encode()]


def test_bad_flag_is_refused(c):
    assert c.call("CONFIG", "SET", "notify-keyspace-events", "KEq") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid "
        "event class character. Use 'Ag$lshzxeKEtmdn'.")


def test_keyspace_and_keyevent_channels(srv, c):
    ev = events(srv, "KEA", pattern="__key*__:*")
    try:
        c.call("SELECT", "3")
        c.call("SET", "k", "v")
        c.call("DEL", "k")
        c.call("PUBLISH", "zz-events-sentinel", "end")
        got = []
        while True:
            msg = ev.sub.read()
            if msg[0] == b"message":
                break
            got.append((msg[2], msg[3]))
        assert sorted(got) == sorted([
            (b"__keyspace@3__:k", b"set"), (b"__keyevent@3__:set", b"k"),
            (b"__keyspace@3__:k", b"del"), (b"__keyevent@3__:del", b"k")])
        # Per key: keyspace before keyevent, as Redis publishes them.
        assert got.index((b"__keyspace@3__:k", b"set")) < got.index((b"__keyevent@3__:set", b"k"))
    finally:
        ev.close()


def test_only_enabled_classes_are_published(srv, c):
    ev = events(srv, "E$")  # strings only, keyevent only
    try:
        c.call("SET", "s", "v")
        c.call("LPUSH", "l", "a")
        c.call("DEL", "s")  # generic: off
        assert ev.collect(c) == [("set", "s")]
        c.call("CONFIG", "SET", "notify-keyspace-events", "Eg")
        c.call("SET", "s", "v")
        c.call("DEL", "s")
        assert ev.collect(c) == [("del", "s")]
        # K without E: nothing on the keyevent channels.
        c.call("CONFIG", "SET", "notify-keyspace-events", "KA")
        c.call("SET", "s", "v")
        assert ev.collect(c) == []
    finally:
        ev.close()


def test_new_events(srv, c):
    ev = events(srv, "En")
    try:
        c.call("SET", "a", "1")
        c.call("SET", "a", "2")  # exists: no new
        c.call("RPUSH", "l", "x")
        c.call("HSET", "h", "f", "v")
        c.call("SADD", "s", "m")
        c.call("ZADD", "z", "1", "m")
        assert ev.collect(c) == [("new", "a"), ("new", "l"), ("new", "h"), ("new", "s"),
                                 ("new", "z")]
        # A or without n: no new events; A has them only with n.
        c.call("CONFIG", "SET", "notify-keyspace-events", "EA")
        c.call("SET", "b", "1")
        assert ev.collect(c) == [("set", "b")]
    finally:
        ev.close()


def test_keymiss_events(srv, c):
    ev = events(srv, "Em")
    try:
        c.call("GET", "nokey")
        c.call("SET", "k", "v")
        c.call("GET", "k")
        c.call("HGET", "nohash", "f")
        c.call("LRANGE", "nolist", "0", "-1")
        assert ev.collect(c) == [("keymiss", "nokey"), ("keymiss", "nohash"),
                                 ("keymiss", "nolist")]
    finally:
        ev.close()


def test_expired_lazy(srv, c):
    ev = events(srv, "Ex")
    try:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.call("SET", "e1", "v", "PX", "20")
        time.sleep(0.1)
        assert ev.collect(c) == []
        assert c.call("GET", "e1") is None
        assert ev.collect(c) == [("expired", "e1")]
    finally:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        ev.close()


def test_expired_active(srv, c):
    ev = events(srv, "Ex")
    try:
        # One round trip for the 20 SETs: the collect below must come before the 300 ms are up.
        assert c.pipeline([("SET", "ae%d" % i, "v", "PX", "300") for i in range(20)]) == \
            ["OK"] * 20
        assert ev.collect(c) == []
        deadline = time.time() + 5
        got = []
        while time.time() < deadline and len(got) < 20:
            time.sleep(0.1)
            got += ev.collect(c)
        assert sorted(got) == sorted(("expired", "ae%d" % i) for i in range(20))
    finally:
        ev.close()


def test_expire_in_the_past_is_a_del(srv, c):
    ev = events(srv, "Eg")
    try:
        c.call("SET", "p", "v")
        c.call("EXPIRE", "p", "-1")
        c.call("SET", "q", "v")
        c.call("EXPIRE", "q", "100")
        assert ev.collect(c) == [("del", "p"), ("expire", "q")]
    finally:
        ev.close()


def test_evicted(srv, c):
    ev = events(srv, "Ee")
    old = c.call("CONFIG", "GET", "maxmemory-policy")[1]
    try:
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        value = "x" * 1000
        for i in range(10):
            c.call("SET", "ev%d" % i, value)
        c.call("CONFIG", "SET", "maxmemory", "1")  # everything must go
        deadline = time.time() + 5
        while c.call("DBSIZE") > 0 and time.time() < deadline:
            c.call("GET", "ev0")  # evictions run before commands
            time.sleep(0.01)
        c.call("CONFIG", "SET", "maxmemory", "0")
        got = ev.collect(c)
        assert sorted(got) == sorted(("evicted", "ev%d" % i) for i in range(10))
    finally:
        c.call("CONFIG", "SET", "maxmemory", "0")
        c.call("CONFIG", "SET", "maxmemory-policy", old)
        ev.close()


def test_events_across_dbs_and_shards(srv, c):
    ev = events(srv, "KEA")
    try:
        keys = ["k%d" % i for i in range(16)]
        for k in keys:
            c.call("SET", k, "v")
        got = ev.collect(c, db_too=True)
        assert got == [(0, "set", k) for k in keys]
        c.call("SELECT", "5")
        c.call("SET", "x", "v")
        assert ev.collect(c, db_too=True) == [(5, "set", "x")]
    finally:
        ev.close()
