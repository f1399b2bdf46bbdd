"""Keyspace events of the string, bitmap, keyspace (generic) and SORT ... STORE commands: the exact
events Redis 7.0 emits, in order, with their class flags, for the normal cases and the edge cases
where Redis emits something else or nothing (conditions failing, no-op writes, wrong type, an
expiry in the past, an empty result deleting the destination). Runs against Shoal with 1 and 4
shards and against redis-server 7.0.

Keys of one command that must come out in one order share a hash tag ({t}), so that they live on
one shard; events of keys on several shards are compared as sorted lists.
"""

import time

import pytest

import conftest
from shoal_events import Events, c, flags, is_err  # noqa: F401 (c: a fixture)

srv = conftest.sharded_server([1, 4])



@pytest.fixture
def ev(srv, c):
    e = Events(srv.host, srv.port, flags="EA")
    yield e
    e.close()



# ---------------------------------------------------------------- SET and its variants


def test_set_plain_and_overwrite(c, ev):
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("SET", "k", "w") == "OK"
    assert c.call("SET", "l", "v") == "OK"  # another type: overwritten, still "set"
    assert ev.collect(c) == [("set", "k"), ("set", "k"), ("set", "l")]


@pytest.mark.parametrize("opt", [["EX", "100"], ["PX", "100000"], ["EXAT", "4000000000"],
                                 ["PXAT", "4000000000000"]])
def test_set_with_expiry_emits_set_then_expire(c, ev, opt):
    assert c.call("SET", "k", "v", *opt) == "OK"
    assert ev.collect(c) == [("set", "k"), ("expire", "k")]


def test_set_expiry_classes(c, ev):
    flags(c, "E$")
    c.call("SET", "k", "v", "EX", "100")
    assert ev.collect(c) == [("set", "k")]
    flags(c, "Eg")
    c.call("SET", "k", "v", "EX", "100")
    c.call("SET", "k", "v")
    assert ev.collect(c) == [("expire", "k")]


def test_set_expiry_in_the_past_still_set_then_expire(c, ev):
    # SET accepts any positive absolute time; the key then expires on its own (no del).
    flags(c, "E$g")
    assert c.call("SET", "k", "v", "PXAT", "1") == "OK"
    assert ev.collect(c) == [("set", "k"), ("expire", "k")]


def test_set_keepttl_nx_xx_get(c, ev):
    c.call("SET", "k", "v", "EX", "100")
    ev.collect(c)
    assert c.call("SET", "k", "w", "KEEPTTL") == "OK"
    assert ev.collect(c) == [("set", "k")]
    assert c.call("SET", "k", "w", "NX") is None
    assert c.call("SET", "nope", "w", "XX") is None
    assert c.call("SET", "k", "w", "NX", "EX", "10") is None
    assert c.call("SET", "k", "w", "NX", "GET") == b"w"
    assert ev.collect(c) == []
    assert c.call("SET", "k", "x", "XX") == "OK"
    assert c.call("SET", "n", "x", "NX", "PX", "100000") == "OK"
    assert c.call("SET", "k", "y", "GET") == b"x"
    assert c.call("SET", "g", "y", "GET") is None
    assert ev.collect(c) == [("set", "k"), ("set", "n"), ("expire", "n"), ("set", "k"),
                             ("set", "g")]


def test_set_errors_emit_nothing(c, ev):
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert is_err(c.call("SET", "l", "v", "GET"))
    assert is_err(c.call("SET", "k", "v", "EX", "0"))
    assert is_err(c.call("SET", "k", "v", "EX", "abc"))
    assert is_err(c.call("SET", "k", "v", "NX", "XX"))
    assert ev.collect(c) == []
    assert c.call("EXISTS", "k") == 0


def test_set_new_and_keymiss_order(c, ev):
    flags(c, "EAnm")
    assert c.call("SET", "k", "v", "GET", "EX", "100") is None
    assert c.call("SET", "k", "w") == "OK"
    assert ev.collect(c) == [("keymiss", "k"), ("new", "k"), ("set", "k"), ("expire", "k"),
                             ("set", "k")]
    # Plain SET, NX and XX look the key up for writing: no keymiss.
    c.call("SET", "a", "v", "XX")
    c.call("SET", "b", "v", "NX")
    assert ev.collect(c) == [("new", "b"), ("set", "b")]


def test_setnx(c, ev):
    assert c.call("SETNX", "k", "v") == 1
    assert c.call("SETNX", "k", "w") == 0
    assert ev.collect(c) == [("set", "k")]
    flags(c, "Eg")
    assert c.call("SETNX", "j", "v") == 1
    assert ev.collect(c) == []


def test_setex_psetex(c, ev):
    assert c.call("SETEX", "a", "100", "v") == "OK"
    assert c.call("PSETEX", "b", "100000", "v") == "OK"
    assert is_err(c.call("SETEX", "c", "0", "v"))
    assert is_err(c.call("PSETEX", "c", "-5", "v"))
    assert ev.collect(c) == [("set", "a"), ("expire", "a"), ("set", "b"), ("expire", "b")]
    flags(c, "EAn")
    c.call("SETEX", "a", "100", "w")
    c.call("SETEX", "d", "100", "w")
    assert ev.collect(c) == [("set", "a"), ("expire", "a"), ("new", "d"), ("set", "d"),
                             ("expire", "d")]


def test_getset(c, ev):
    c.call("SET", "k", "v", "EX", "100")
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("GETSET", "k", "w") == b"v"  # drops the TTL without a persist event
    assert c.call("TTL", "k") == -1
    assert is_err(c.call("GETSET", "l", "w"))
    assert ev.collect(c) == [("set", "k")]
    flags(c, "EAnm")
    assert c.call("GETSET", "m", "w") is None
    assert ev.collect(c) == [("keymiss", "m"), ("new", "m"), ("set", "m")]


def test_getdel(c, ev):
    c.call("SET", "k", "v")
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("GETDEL", "k") == b"v"
    assert c.call("GETDEL", "k") is None
    assert is_err(c.call("GETDEL", "l"))
    assert ev.collect(c) == [("del", "k")]
    flags(c, "Em")
    assert c.call("GETDEL", "k") is None
    assert ev.collect(c) == [("keymiss", "k")]


def test_getex(c, ev):
    c.call("SET", "k", "v")
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("GETEX", "k") == b"v"
    assert c.call("GETEX", "k", "PERSIST") == b"v"  # no TTL: nothing to persist
    assert ev.collect(c) == []
    assert c.call("GETEX", "k", "EX", "100") == b"v"
    assert c.call("GETEX", "k", "PX", "100000") == b"v"
    assert c.call("GETEX", "k", "EXAT", "4000000000") == b"v"
    assert c.call("GETEX", "k", "PXAT", "4000000000000") == b"v"
    assert c.call("GETEX", "k", "PERSIST") == b"v"
    assert ev.collect(c) == [("expire", "k")] * 4 + [("persist", "k")]
    # An absolute time already past deletes the key.
    assert c.call("GETEX", "k", "PXAT", "1") == b"v"
    c.call("SET", "j", "v")
    assert c.call("GETEX", "j", "EXAT", "1") == b"v"
    assert ev.collect(c) == [("del", "k"), ("set", "j"), ("del", "j")]
    assert c.call("EXISTS", "k", "j") == 0


def test_getex_past_and_failures(c, ev):
    c.call("SET", "k", "v")
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("GETEX", "k", "PXAT", "1") == b"v"
    assert ev.collect(c) == [("del", "k")]
    c.call("SET", "k", "v")
    ev.collect(c)
    assert c.call("GETEX", "nokey", "EX", "100") is None
    assert is_err(c.call("GETEX", "l", "EX", "100"))
    assert is_err(c.call("GETEX", "k", "EX", "0"))
    assert is_err(c.call("GETEX", "k", "EX", "10", "PX", "10"))
    assert ev.collect(c) == []
    assert c.call("TTL", "k") == -1
    flags(c, "E$")  # expire, persist and del are generic
    c.call("GETEX", "k", "EX", "100")
    c.call("GETEX", "k", "PERSIST")
    c.call("GETEX", "k", "EXAT", "1")
    assert ev.collect(c) == []
    flags(c, "Em")
    assert c.call("GETEX", "k", "EX", "100") is None
    assert ev.collect(c) == [("keymiss", "k")]


def test_mset(c, ev):
    assert c.call("MSET", "{t}a", "1", "{t}b", "2", "{t}a", "3") == "OK"
    assert ev.collect(c) == [("set", "{t}a"), ("set", "{t}b"), ("set", "{t}a")]
    keys = ["k%d" % i for i in range(8)]  # spread over the shards
    args = []
    for k in keys:
        args += [k, "v"]
    assert c.call("MSET", *args) == "OK"
    assert sorted(ev.collect(c)) == sorted(("set", k) for k in keys)


def test_msetnx(c, ev):
    assert c.call("MSETNX", "{t}a", "1", "{t}b", "2") == 1
    assert ev.collect(c) == [("set", "{t}a"), ("set", "{t}b")]
    assert c.call("MSETNX", "{t}c", "1", "{t}b", "2") == 0
    assert c.call("MSETNX", "x1", "1", "{t}a", "2") == 0
    assert ev.collect(c) == []
    assert c.call("MSETNX", "x1", "1", "x2", "2", "x3", "3") == 1
    assert sorted(ev.collect(c)) == [("set", "x1"), ("set", "x2"), ("set", "x3")]
    flags(c, "Em")  # MSETNX looks the keys up for writing: no keymiss
    assert c.call("MSETNX", "y1", "1", "y2", "2") == 1
    assert ev.collect(c) == []


def test_append(c, ev):
    c.call("LPUSH", "l", "x")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("APPEND", "k", "ab") == 2
    assert c.call("APPEND", "k", "cd") == 4
    assert c.call("APPEND", "k", "") == 4  # an empty append is still an append
    assert is_err(c.call("APPEND", "l", "x"))
    assert ev.collect(c) == [("new", "k"), ("append", "k"), ("append", "k"), ("append", "k")]
    flags(c, "Eg")
    c.call("APPEND", "k", "x")
    assert ev.collect(c) == []


def test_incr_decr(c, ev):
    c.call("SET", "s", "abc")
    c.call("SET", "big", str(2**63 - 1))
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("INCR", "n") == 1
    assert c.call("DECR", "n") == 0
    assert c.call("INCRBY", "n", "10") == 10
    assert c.call("DECRBY", "n", "3") == 7
    assert c.call("INCRBY", "n", "0") == 7  # no change, still an incrby
    assert ev.collect(c) == [("incrby", "n")] * 5
    assert is_err(c.call("INCR", "s"))
    assert is_err(c.call("INCR", "big"))
    assert is_err(c.call("INCR", "l"))
    assert is_err(c.call("INCRBY", "n", "x"))
    assert is_err(c.call("DECRBY", "n", str(-2**63)))
    assert ev.collect(c) == []
    flags(c, "EAnm")
    assert c.call("DECR", "m") == -1
    assert ev.collect(c) == [("new", "m"), ("incrby", "m")]


def test_incrbyfloat(c, ev):
    c.call("SET", "s", "abc")
    c.call("SET", "k", "1", "EX", "100")
    c.call("LPUSH", "l", "x")
    ev.collect(c)
    assert c.call("INCRBYFLOAT", "k", "1.5") == b"2.5"
    assert is_err(c.call("INCRBYFLOAT", "s", "1"))
    assert is_err(c.call("INCRBYFLOAT", "k", "x"))
    assert is_err(c.call("INCRBYFLOAT", "l", "1"))
    assert is_err(c.call("INCRBYFLOAT", "k", "inf"))
    assert ev.collect(c) == [("incrbyfloat", "k")]
    flags(c, "EAnm")
    assert c.call("INCRBYFLOAT", "f", "0.5") == b"0.5"
    assert ev.collect(c) == [("new", "f"), ("incrbyfloat", "f")]
    flags(c, "Eg")
    c.call("INCRBYFLOAT", "f", "1")
    assert ev.collect(c) == []


def test_setrange(c, ev):
    c.call("SET", "k", "hello")
    c.call("LPUSH", "l", "x")
    flags(c, "EAnm")
    ev.collect(c)
    assert c.call("SETRANGE", "k", "0", "h") == 5  # same bytes: still a setrange
    assert c.call("SETRANGE", "k", "10", "x") == 11
    assert c.call("SETRANGE", "k", "0", "") == 11  # nothing written
    assert c.call("SETRANGE", "nokey", "5", "") == 0  # nothing created
    assert is_err(c.call("SETRANGE", "l", "0", "x"))
    assert is_err(c.call("SETRANGE", "k", "-1", "x"))
    assert is_err(c.call("SETRANGE", "k", str(512 * 1024 * 1024), "x"))
    assert ev.collect(c) == [("setrange", "k"), ("setrange", "k")]
    assert c.call("SETRANGE", "m", "2", "ab") == 4
    assert ev.collect(c) == [("new", "m"), ("setrange", "m")]


def test_string_reads_keymiss(c, ev):
    flags(c, "EAm")
    c.call("SET", "{t}a", "x")
    ev.collect(c)
    assert c.call("GET", "{t}a") == b"x"
    assert c.call("MGET", "{t}a", "{t}b", "{t}c") == [b"x", None, None]
    assert c.call("STRLEN", "{t}d") == 0
    assert c.call("GETRANGE", "{t}e", "0", "1") == b""
    assert c.call("LCS", "{t}f", "{t}a") == b""
    assert ev.collect(c) == [("keymiss", "{t}b"), ("keymiss", "{t}c"), ("keymiss", "{t}d"),
                             ("keymiss", "{t}e"), ("keymiss", "{t}f")]


# ---------------------------------------------------------------- bitmaps


def test_setbit(c, ev):
    c.call("LPUSH", "l", "x")
    flags(c, "EAnm")
    ev.collect(c)
    assert c.call("SETBIT", "b", "7", "1") == 0  # created
    assert c.call("SETBIT", "b", "7", "1") == 1  # unchanged
    assert c.call("SETBIT", "b", "7", "0") == 1  # flipped
    assert c.call("SETBIT", "b", "6", "0") == 0  # unchanged
    assert c.call("SETBIT", "b", "100", "0") == 0  # grown: a change though the bit is 0
    assert is_err(c.call("SETBIT", "l", "1", "1"))
    assert is_err(c.call("SETBIT", "b", "1", "2"))
    assert ev.collect(c) == [("new", "b"), ("setbit", "b"), ("setbit", "b"), ("setbit", "b")]
    flags(c, "Eg")
    c.call("SETBIT", "b", "1", "1")
    assert ev.collect(c) == []


def test_bitop(c, ev):
    c.call("SET", "{t}a", "abc")
    c.call("SET", "{t}b", "xyz")
    c.call("SET", "{t}d", "old", "EX", "100")
    c.call("LPUSH", "{t}l", "x")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("BITOP", "OR", "{t}d", "{t}a", "{t}b") == 3
    assert c.call("TTL", "{t}d") == -1
    assert c.call("BITOP", "NOT", "{t}e", "{t}a") == 3
    assert ev.collect(c) == [("set", "{t}d"), ("new", "{t}e"), ("set", "{t}e")]
    # An empty result deletes the destination, when there is one.
    assert c.call("BITOP", "AND", "{t}d", "{t}x", "{t}y") == 0
    assert c.call("BITOP", "AND", "{t}d", "{t}x", "{t}y") == 0
    assert is_err(c.call("BITOP", "OR", "{t}e", "{t}a", "{t}l"))
    assert ev.collect(c) == [("del", "{t}d")]
    flags(c, "Em")
    c.call("BITOP", "XOR", "{t}d", "{t}x", "{t}a", "{t}y")
    assert ev.collect(c) == [("keymiss", "{t}x"), ("keymiss", "{t}y")]


def test_bitop_across_shards(c, ev):
    c.call("SET", "a", "abc")
    c.call("SET", "dest", "x")
    ev.collect(c)
    assert c.call("BITOP", "OR", "dest", "a", "b", "c") == 3
    assert c.call("BITOP", "OR", "dest", "p", "q", "r") == 0
    assert ev.collect(c) == [("set", "dest"), ("del", "dest")]


def test_bitfield(c, ev):
    c.call("LPUSH", "l", "x")
    flags(c, "EAnm")
    ev.collect(c)
    assert c.call("BITFIELD", "f", "SET", "u8", "0", "5", "SET", "u8", "8", "6") == [0, 0]
    assert ev.collect(c) == [("new", "f"), ("setbit", "f")]  # one event per command
    assert c.call("BITFIELD", "f", "SET", "u8", "0", "5") == [5]  # same value
    assert c.call("BITFIELD", "f", "INCRBY", "u8", "0", "0") == [5]
    assert c.call("BITFIELD", "f", "GET", "u8", "0") == [5]
    assert c.call("BITFIELD_RO", "f", "GET", "u8", "0") == [5]
    assert c.call("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300") == [None]
    assert is_err(c.call("BITFIELD", "l", "SET", "u8", "0", "1"))
    assert ev.collect(c) == []
    assert c.call("BITFIELD", "f", "INCRBY", "u8", "0", "1", "GET", "u8", "0") == [6, 6]
    assert c.call("BITFIELD", "f", "SET", "u8", "0", "6", "SET", "u8", "32", "0") == [6, 0]
    assert ev.collect(c) == [("setbit", "f"), ("setbit", "f")]  # the second grows the string
    # Only GETs read the key (keymiss when missing); a failed write still creates it.
    assert c.call("BITFIELD", "g", "GET", "u8", "0") == [0]
    assert c.call("BITFIELD", "h", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300") == [None]
    assert ev.collect(c) == [("keymiss", "g"), ("new", "h")]


# ---------------------------------------------------------------- DEL / UNLINK


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink(c, ev, cmd):
    c.call("SET", "{t}a", "1")
    c.call("LPUSH", "{t}b", "x")
    ev.collect(c)
    assert c.call(cmd, "{t}a", "{t}nokey", "{t}b", "{t}a") == 2
    assert c.call(cmd, "{t}a") == 0
    assert ev.collect(c) == [("del", "{t}a"), ("del", "{t}b")]
    keys = ["k%d" % i for i in range(8)]
    for k in keys:
        c.call("SET", k, "v")
    ev.collect(c)
    assert c.call(cmd, *keys, "missing") == 8
    assert sorted(ev.collect(c)) == sorted(("del", k) for k in keys)
    flags(c, "E$")
    c.call("SET", "a", "v")
    c.call(cmd, "a")
    assert ev.collect(c) == [("set", "a")]
    flags(c, "Em")  # no keymiss from a delete
    c.call(cmd, "a")
    assert ev.collect(c) == []


def test_del_of_expired_key_is_expired_not_del(c, ev):
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        c.call("SET", "k", "v", "PX", "1")
        time.sleep(0.02)
        ev.collect(c)
        assert c.call("DEL", "k") == 0
        assert ev.collect(c) == [("expired", "k")]
    finally:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_write_to_expired_key(c, ev):
    # The write lookup deletes the expired key first: "expired", then the write creates it anew.
    flags(c, "EAn")
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        c.call("SET", "k", "5", "PX", "1")
        c.call("SET", "p", "5", "PX", "1")
        time.sleep(0.02)
        ev.collect(c)
        assert c.call("INCR", "k") == 1
        assert c.call("PERSIST", "p") == 0
        assert ev.collect(c) == [("expired", "k"), ("new", "k"), ("incrby", "k"),
                                 ("expired", "p")]
    finally:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---------------------------------------------------------------- RENAME / RENAMENX


def test_rename(c, ev):
    c.call("SET", "{t}a", "v", "EX", "100")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("RENAME", "{t}a", "{t}b") == "OK"
    assert ev.collect(c) == [("new", "{t}b"), ("rename_from", "{t}a"), ("rename_to", "{t}b")]
    # Overwriting: Redis deletes the destination and adds it again, so "new" again.
    c.call("SET", "{t}c", "v")
    ev.collect(c)
    assert c.call("RENAME", "{t}c", "{t}b") == "OK"
    assert ev.collect(c) == [("new", "{t}b"), ("rename_from", "{t}c"), ("rename_to", "{t}b")]
    assert is_err(c.call("RENAME", "{t}nokey", "{t}x"))
    assert c.call("RENAME", "{t}b", "{t}b") == "OK"  # same key: nothing happens
    assert ev.collect(c) == []
    flags(c, "E$")
    c.call("RENAME", "{t}b", "{t}a")
    assert ev.collect(c) == []


def test_renamenx(c, ev):
    c.call("SET", "{t}a", "v")
    c.call("SET", "{t}b", "v")
    ev.collect(c)
    assert c.call("RENAMENX", "{t}a", "{t}b") == 0
    assert c.call("RENAMENX", "{t}a", "{t}a") == 0
    assert is_err(c.call("RENAMENX", "{t}x", "{t}y"))
    assert ev.collect(c) == []
    assert c.call("RENAMENX", "{t}a", "{t}c") == 1
    assert ev.collect(c) == [("rename_from", "{t}a"), ("rename_to", "{t}c")]


@pytest.mark.parametrize("cmd", ["RENAME", "RENAMENX"])
def test_rename_across_shards(c, ev, cmd):
    flags(c, "EAnm")
    for i in range(8):
        c.call("SET", "src%d" % i, "v")
    ev.collect(c)
    for i in range(8):
        c.call(cmd, "src%d" % i, "dst%d" % i)
        assert sorted(ev.collect(c)) == sorted([
            ("new", "dst%d" % i), ("rename_from", "src%d" % i), ("rename_to", "dst%d" % i)])
    # A missing source or an existing destination: nothing (RENAME looks up for writing).
    c.call(cmd, "src0", "dst1")
    if cmd == "RENAMENX":
        c.call(cmd, "dst0", "dst1")
    assert ev.collect(c) == []


# ---------------------------------------------------------------- COPY / MOVE


def test_copy(c, ev):
    c.call("SET", "{t}a", "v", "EX", "100")
    c.call("SET", "{t}b", "old")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("COPY", "{t}a", "{t}c") == 1
    assert c.call("COPY", "{t}a", "{t}b") == 0
    assert ev.collect(c) == [("new", "{t}c"), ("copy_to", "{t}c")]
    assert c.call("COPY", "{t}a", "{t}b", "REPLACE") == 1
    assert ev.collect(c) == [("new", "{t}b"), ("copy_to", "{t}b")]
    assert c.call("COPY", "{t}a", "{t}a", "DB", "2") == 1
    assert ev.collect(c, db_too=True) == [(2, "new", "{t}a"), (2, "copy_to", "{t}a")]
    assert c.call("COPY", "x", "y") == 0
    assert c.call("COPY", "a", "b") == 0
    c.call("SET", "a", "v")
    ev.collect(c)
    assert c.call("COPY", "a", "b") == 1  # maybe across shards
    assert sorted(ev.collect(c)) == [("copy_to", "b"), ("new", "b")]
    flags(c, "Em")  # the source is read (keymiss), the destination looked up for writing
    assert c.call("COPY", "{t}x", "{t}y") == 0
    assert c.call("COPY", "{t}a", "{t}z") == 1
    assert ev.collect(c) == [("keymiss", "{t}x")]


def test_move(c, ev):
    c.call("SET", "k", "v", "EX", "100")
    c.call("SELECT", "1")
    c.call("SET", "k2", "v")
    c.call("SELECT", "0")
    c.call("SET", "k2", "v")
    flags(c, "EAnm")
    ev.collect(c)
    assert c.call("MOVE", "k", "1") == 1
    assert ev.collect(c, db_too=True) == [(1, "new", "k"), (0, "move_from", "k"),
                                          (1, "move_to", "k")]
    assert c.call("MOVE", "k", "1") == 0  # gone from db 0
    assert c.call("MOVE", "k2", "1") == 0  # there in db 1
    assert is_err(c.call("MOVE", "k2", "0"))
    assert ev.collect(c) == []


# ---------------------------------------------------------------- EXPIRE family / PERSIST


@pytest.mark.parametrize("cmd,arg", [("EXPIRE", "100"), ("PEXPIRE", "100000"),
                                     ("EXPIREAT", "4000000000"), ("PEXPIREAT", "4000000000000")])
def test_expire_family(c, ev, cmd, arg):
    c.call("SET", "k", "v")
    ev.collect(c)
    assert c.call(cmd, "k", arg) == 1
    assert c.call(cmd, "nokey", arg) == 0
    assert ev.collect(c) == [("expire", "k")]


@pytest.mark.parametrize("cmd,arg", [("EXPIRE", "-1"), ("EXPIRE", "0"), ("PEXPIRE", "-100"),
                                     ("EXPIREAT", "1"), ("PEXPIREAT", "0")])
def test_expire_in_the_past_deletes(c, ev, cmd, arg):
    c.call("SET", "k", "v")
    ev.collect(c)
    assert c.call(cmd, "k", arg) == 1
    assert c.call("EXISTS", "k") == 0
    assert ev.collect(c) == [("del", "k")]


def test_expire_conditions(c, ev):
    c.call("SET", "k", "v")
    c.call("SET", "t", "v", "EX", "100")
    ev.collect(c)
    assert c.call("EXPIRE", "k", "100", "XX") == 0
    assert c.call("EXPIRE", "k", "100", "GT") == 0
    assert c.call("EXPIRE", "t", "100", "NX") == 0
    assert c.call("EXPIRE", "t", "10", "GT") == 0
    assert c.call("EXPIRE", "t", "1000", "LT") == 0
    assert c.call("EXPIRE", "t", "-1", "GT") == 0  # would be a delete, but GT fails
    assert is_err(c.call("EXPIRE", "t", "x"))
    assert is_err(c.call("EXPIRE", "t", "10", "NX", "XX"))
    assert ev.collect(c) == []
    assert c.call("EXPIRE", "k", "100", "NX") == 1
    assert c.call("EXPIRE", "t", "1000", "GT") == 1
    assert c.call("EXPIRE", "t", "-1", "LT") == 1
    assert ev.collect(c) == [("expire", "k"), ("expire", "t"), ("del", "t")]
    flags(c, "E$m")  # generic events only; the lookup is for writing (no keymiss)
    c.call("EXPIRE", "k", "10")
    c.call("EXPIRE", "k", "-1")
    c.call("EXPIRE", "nokey", "10")
    assert ev.collect(c) == []


def test_persist(c, ev):
    c.call("SET", "k", "v", "EX", "100")
    c.call("SET", "p", "v")
    flags(c, "EAm")
    ev.collect(c)
    assert c.call("PERSIST", "k") == 1
    assert c.call("PERSIST", "k") == 0
    assert c.call("PERSIST", "p") == 0
    assert c.call("PERSIST", "nokey") == 0
    assert ev.collect(c) == [("persist", "k")]


# ---------------------------------------------------------------- keyspace reads


def test_keyspace_reads_keymiss(c, ev):
    flags(c, "Em")
    c.call("SET", "{t}a", "v")
    assert c.call("EXISTS", "{t}a", "{t}b", "{t}c") == 1
    assert c.call("TYPE", "{t}d") == "none"
    assert c.call("TTL", "{t}e") == -2
    assert c.call("PTTL", "{t}f") == -2
    assert c.call("EXPIRETIME", "{t}g") == -2
    assert c.call("PEXPIRETIME", "{t}h") == -2
    assert c.call("TOUCH", "{t}a", "{t}i") == 1
    assert c.call("OBJECT", "ENCODING", "{t}j") is None  # OBJECT never notifies
    assert ev.collect(c) == [("keymiss", k) for k in
                             ["{t}b", "{t}c", "{t}d", "{t}e", "{t}f", "{t}g", "{t}h", "{t}i"]]


# ---------------------------------------------------------------- SORT ... STORE


def test_sort_store(c, ev):
    c.call("RPUSH", "{t}l", "3", "1", "2")
    c.call("SADD", "{t}s", "b", "a")
    c.call("SET", "{t}d", "old", "EX", "100")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("SORT", "{t}l", "STORE", "{t}d") == 3  # overwrites a string
    assert c.call("SORT", "{t}s", "ALPHA", "STORE", "{t}e") == 2
    assert c.call("SORT", "{t}l") == [b"1", b"2", b"3"]
    assert ev.collect(c) == [("sortstore", "{t}d"), ("new", "{t}e"), ("sortstore", "{t}e")]
    # An empty result deletes the destination, when there is one.
    assert c.call("SORT", "{t}nokey", "STORE", "{t}d") == 0
    assert c.call("SORT", "{t}nokey", "STORE", "{t}d") == 0
    assert c.call("SORT", "{t}l", "LIMIT", "5", "1", "STORE", "{t}e") == 0
    assert is_err(c.call("SORT", "{t}e2", "BY", "x", "LIMIT", "a", "b", "STORE", "{t}e"))
    assert ev.collect(c) == [("del", "{t}d"), ("del", "{t}e")]
    c.call("SET", "{t}str", "x")
    ev.collect(c)
    assert is_err(c.call("SORT", "{t}str", "STORE", "{t}e"))
    assert ev.collect(c) == []


def test_sort_store_classes_and_keymiss(c, ev):
    c.call("RPUSH", "{t}l", "3", "1", "2")
    flags(c, "E$")  # sortstore is a list event
    ev.collect(c)
    c.call("SORT", "{t}l", "STORE", "{t}d")
    assert ev.collect(c) == []
    flags(c, "El")
    c.call("SORT", "{t}l", "STORE", "{t}d")
    c.call("SORT", "{t}none", "STORE", "{t}d")  # del is generic
    assert ev.collect(c) == [("sortstore", "{t}d")]
    flags(c, "Eg")
    c.call("SORT", "{t}l", "STORE", "{t}d")
    c.call("SORT", "{t}none", "STORE", "{t}d")
    assert ev.collect(c) == [("del", "{t}d")]
    flags(c, "Em")
    c.call("SORT", "{t}none", "STORE", "{t}d")
    c.call("SORT", "{t}l", "BY", "{t}w_*", "GET", "{t}g_*", "STORE", "{t}d")
    got = ev.collect(c)
    assert got[0] == ("keymiss", "{t}none")
    assert sorted(got[1:]) == sorted([("keymiss", "{t}w_%d" % i) for i in (1, 2, 3)] +
                                     [("keymiss", "{t}g_%d" % i) for i in (1, 2, 3)])


def test_sort_store_across_shards(c, ev):
    c.call("RPUSH", "src", "3", "1", "2")
    c.call("SET", "w_1", "3")
    c.call("SET", "w_2", "2")
    c.call("SET", "w_3", "1")
    flags(c, "EAn")
    ev.collect(c)
    assert c.call("SORT", "src", "BY", "w_*", "STORE", "dst") == 3
    assert c.call("LRANGE", "dst", "0", "-1") == [b"3", b"2", b"1"]
    assert c.call("SORT", "src", "STORE", "dst2") == 3
    assert ev.collect(c) == [("new", "dst"), ("sortstore", "dst"), ("new", "dst2"),
                             ("sortstore", "dst2")]
    assert c.call("SORT", "nosrc", "BY", "w_*", "STORE", "dst") == 0
    assert c.call("SORT", "nosrc", "STORE", "dst2") == 0
    assert ev.collect(c) == [("del", "dst"), ("del", "dst2")]
