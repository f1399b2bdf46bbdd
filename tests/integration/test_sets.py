"""Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE,
SINTER, SINTERCARD, SUNION, SDIFF, SINTERSTORE, SUNIONSTORE, SDIFFSTORE, SSCAN: replies (RESP2 and
RESP3), error paths, intset/hashtable encodings, multi-key commands with keys on different shards
and on one shard, and SMOVE's atomicity across shards under concurrency."""

import threading
import time

import pytest

import shoal_errors as E
from shoal_events import Events
from shoal_keys import key_slot
from shoal_resp import Push, RespClient


SINTERCARD_NUMKEYS = "ERR numkeys should be greater than 0"
SINTERCARD_TOO_MANY = "ERR Number of keys can't be greater than number of args"
SINTERCARD_LIMIT = "ERR LIMIT can't be negative"
POSITIVE = "ERR value is out of range, must be positive"
SRAND_RANGE = ("ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807")


# Keys on four different shards of a 4-shard server (slot mod 4 = 3, 0, 1, 2), and keys sharing
# one shard through a hash tag.
SPREAD = ["a", "b", "c", "d"]
SAME = ["{t}a", "{t}b", "{t}c", "{t}d"]
assert len({key_slot(k) % 4 for k in SPREAD}) == 4
assert len({key_slot(k) % 4 for k in SAME}) == 1

LAYOUTS = pytest.mark.parametrize("keys", [SPREAD, SAME], ids=["shards", "oneshard"])


def members(c, key):
    reply = c("SMEMBERS", key)
    assert isinstance(reply, list), reply
    return sorted(reply)


def enc(c, key):
    return c("OBJECT", "ENCODING", key)


def b(*xs):
    return sorted(x.encode() if isinstance(x, str) else str(x).encode() for x in xs)


@pytest.fixture
def intset_limit(c):
    """Restores set-max-intset-entries after a test changes it."""
    yield
    assert c("CONFIG", "SET", "set-max-intset-entries", "512") == "OK"


# ---------------------------------------------------------------- SADD / SREM / SCARD / members


def test_sadd_srem_basic(c):
    assert c("SADD", "s", "a", "b", "a", "c") == 3
    assert c("SADD", "s", "c", "d") == 1
    assert c("SCARD", "s") == 4
    assert members(c, "s") == b("a", "b", "c", "d")
    assert c("TYPE", "s") == "set"
    assert c("SREM", "s", "a", "zz", "a") == 1
    assert c("SREM", "nokey", "a") == 0
    assert c("SCARD", "s") == 3
    assert c("SREM", "s", "b", "c", "d", "e") == 3
    assert c("EXISTS", "s") == 0  # an emptied set is deleted
    assert c("SCARD", "s") == 0


def test_sadd_binary_and_empty_members(c):
    assert c("SADD", "s", b"", b"\x00\xff\r\n", b"x" * 1000) == 3
    assert c("SISMEMBER", "s", b"") == 1
    assert c("SISMEMBER", "s", b"\x00\xff\r\n") == 1
    assert members(c, "s") == sorted([b"", b"\x00\xff\r\n", b"x" * 1000])


def test_sismember_smismember(c):
    c("SADD", "s", "1", "x")
    assert c("SISMEMBER", "s", "1") == 1
    assert c("SISMEMBER", "s", "01") == 0
    assert c("SISMEMBER", "s", "y") == 0
    assert c("SISMEMBER", "nokey", "y") == 0
    assert c("SMISMEMBER", "s", "x", "y", "1") == [1, 0, 1]
    assert c("SMISMEMBER", "nokey", "x", "y") == [0, 0]
    c("SADD", "i", "5", "-3")
    assert c("SMISMEMBER", "i", "5", "-3", "x", "05", "-0") == [1, 1, 0, 0, 0]


def test_smembers_intset_sorted_exact(raw):
    reply = raw(b"*5\r\n$4\r\nSADD\r\n$1\r\ns\r\n$2\r\n10\r\n$2\r\n-2\r\n$1\r\n3\r\n"
                b"*2\r\n$8\r\nSMEMBERS\r\n$1\r\ns\r\n*2\r\n$8\r\nSMEMBERS\r\n$5\r\nnokey\r\n")
    assert reply == b":3\r\n*3\r\n$2\r\n-2\r\n$1\r\n3\r\n$2\r\n10\r\n*0\r\n"


def test_redis_py_roundtrip(r):
    assert r.sadd("s", "a", "b", 3) == 3
    assert r.smembers("s") == {b"a", b"b", b"3"}
    assert r.sismember("s", "a")
    assert not r.sismember("s", "zz")
    assert r.scard("s") == 3
    assert r.srem("s", "a") == 1
    assert [bool(x) for x in r.smismember("s", ["b", "a"])] == [True, False]
    assert r.spop("s", 5) in ([b"3", b"b"], [b"b", b"3"])
    assert r.exists("s") == 0


def test_arity(c):
    for cmd, args in [("sadd", ["k"]), ("srem", ["k"]), ("smembers", []),
                      ("smembers", ["k", "x"]), ("sismember", ["k"]), ("smismember", ["k"]),
                      ("scard", []), ("spop", []), ("srandmember", []), ("smove", ["a", "b"]),
                      ("sinter", []), ("sintercard", ["1"]), ("sunion", []), ("sdiff", []),
                      ("sinterstore", ["d"]), ("sunionstore", ["d"]), ("sdiffstore", ["d"]),
                      ("sscan", ["k"])]:
        assert c(cmd.upper(), *args) == E.arity(cmd), cmd


def test_wrongtype(c):
    c("SET", "str", "x")
    c("SADD", "s", "1")
    for args in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SMEMBERS", "str"),
                 ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SCARD", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "0"), ("SPOP", "str", "2"),
                 ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "0"),
                 ("SRANDMEMBER", "str", "-2"), ("SSCAN", "str", "0"),
                 ("SMOVE", "str", "s", "1"), ("SMOVE", "s", "str", "1"),
                 ("SMOVE", "str", "str", "1"), ("SMOVE", "str", "nokey", "1")]:
        assert c(*args) == E.WRONGTYPE, args
    assert c("GET", "str") == b"x"
    assert members(c, "s") == [b"1"]


# ---------------------------------------------------------------- encodings


def test_intset_member_rules(c):
    # Only string2ll-canonical integers keep a set an intset.
    for i, m in enumerate(["", "-0", "007", "+1", " 1", "1 ", "9223372036854775808",
                           "-9223372036854775809", "1.0", "0x10", "1e3"]):
        key = "h%d" % i
        assert c("SADD", key, m) == 1
        assert enc(c, key) == b"hashtable", m
        assert c("SISMEMBER", key, m) == 1
    assert c("SADD", "i", "9223372036854775807", "-9223372036854775808", "0", "-1") == 4
    assert enc(c, "i") == b"intset"
    assert members(c, "i") == b("9223372036854775807", "-9223372036854775808", "0", "-1")
    assert c("SISMEMBER", "i", "-0") == 0


def test_intset_to_hashtable_on_string_member(c):
    assert c("SADD", "s", "1", "2", "3") == 3
    assert enc(c, "s") == b"intset"
    assert c("SADD", "s", "a") == 1
    assert enc(c, "s") == b"hashtable"
    assert members(c, "s") == b("1", "2", "3", "a")
    # never converts back
    assert c("SREM", "s", "a") == 1
    assert enc(c, "s") == b"hashtable"
    assert c("SISMEMBER", "s", "2") == 1
    # a first member that is not an integer makes a hashtable at once
    c("SADD", "t", "x", "1")
    assert enc(c, "t") == b"hashtable"


def test_intset_size_limit(c, intset_limit):
    assert c("CONFIG", "SET", "set-max-intset-entries", "4") == "OK"
    assert c("SADD", "s", "1", "2", "3", "4") == 4
    assert enc(c, "s") == b"intset"
    assert c("SADD", "s", "4") == 0
    assert enc(c, "s") == b"intset"
    assert c("SADD", "s", "5") == 1
    assert enc(c, "s") == b"hashtable"
    assert members(c, "s") == b(1, 2, 3, 4, 5)
    assert c("SREM", "s", "5", "4") == 2
    assert enc(c, "s") == b"hashtable"
    # one SADD that crosses the limit
    assert c("SADD", "t", *range(10)) == 10
    assert enc(c, "t") == b"hashtable"
    assert c("CONFIG", "SET", "set-max-intset-entries", "0") == "OK"
    assert c("SADD", "z", "5") == 1
    assert enc(c, "z") == b"hashtable"


def test_large_sets(c):
    assert c("SADD", "i", *range(512)) == 512
    assert enc(c, "i") == b"intset"
    assert c("SADD", "i", "512") == 1
    assert enc(c, "i") == b"hashtable"
    assert c("SCARD", "i") == 513
    assert members(c, "i") == b(*range(513))
    strs = ["m%d" % i for i in range(2000)]
    assert c("SADD", "h", *strs) == 2000
    assert members(c, "h") == b(*strs)
    assert c("SREM", "h", *strs[:1990]) == 1990  # shrinking keeps every other member
    assert members(c, "h") == b(*strs[1990:])


# ---------------------------------------------------------------- SPOP


def test_spop_single(c):
    c("SADD", "s", "1", "2", "3")
    got = set()
    for _ in range(3):
        m = c("SPOP", "s")
        assert m in (b"1", b"2", b"3") and m not in got
        got.add(m)
    assert c("EXISTS", "s") == 0
    assert c("SPOP", "s") is None
    c("SADD", "h", "a", "b")
    assert {c("SPOP", "h"), c("SPOP", "h")} == {b"a", b"b"}
    assert c("EXISTS", "h") == 0


def test_spop_count_cases(c):
    c("SADD", "s", *range(100))
    popped = c("SPOP", "s", "10")  # few: one by one
    assert len(popped) == 10 and len(set(popped)) == 10
    assert c("SCARD", "s") == 90
    popped2 = c("SPOP", "s", "85")  # most: the remainder is rebuilt
    assert len(popped2) == 85 and not set(popped) & set(popped2)
    rest = members(c, "s")
    assert len(rest) == 5
    assert sorted(popped + popped2 + rest) == b(*range(100))
    assert c("SPOP", "s", "0") == []
    assert c("SCARD", "s") == 5
    everything = c("SPOP", "s", "50")  # count >= size: the whole set, key deleted
    assert sorted(everything) == rest
    assert c("EXISTS", "s") == 0
    assert c("SPOP", "s", "3") == []
    assert c("SPOP", "nokey", "0") == []


def test_spop_whole_intset_sorted(c):
    c("SADD", "s", "30", "-1", "7")
    assert c("SPOP", "s", "3") == [b"-1", b"7", b"30"]


def test_spop_errors(c):
    c("SADD", "s", "a")
    assert c("SPOP", "s", "-1") == POSITIVE
    assert c("SPOP", "s", "x") == POSITIVE
    assert c("SPOP", "nokey", "-1") == POSITIVE
    assert c("SPOP", "s", "1", "2") == E.SYNTAX
    assert c("SPOP", "s", "1.5") == POSITIVE
    assert members(c, "s") == [b"a"]


def test_spop_rebuild_encoding_and_ttl(c):
    # Popping most of a large set rebuilds the remainder as a fresh set: integers become an
    # intset again, and the key keeps its TTL.
    c("SADD", "s", *range(600))
    assert enc(c, "s") == b"hashtable"
    assert c("EXPIRE", "s", "100") == 1
    assert len(c("SPOP", "s", "590")) == 590
    assert c("SCARD", "s") == 10
    assert enc(c, "s") == b"intset"
    assert 90 <= c("TTL", "s") <= 100
    c("SADD", "h", *["m%d" % i for i in range(20)])
    assert len(c("SPOP", "h", "18")) == 18
    assert enc(c, "h") == b"hashtable"
    assert c("SCARD", "h") == 2
    # popping a few from a hashtable of integers keeps the hashtable
    c("SADD", "k", *range(600))
    assert len(c("SPOP", "k", "5")) == 5
    assert enc(c, "k") == b"hashtable"


# ---------------------------------------------------------------- SRANDMEMBER


def test_srandmember_no_count(c):
    assert c("SRANDMEMBER", "nokey") is None
    c("SADD", "s", "a", "b")
    for _ in range(10):
        assert c("SRANDMEMBER", "s") in (b"a", b"b")
    c("SADD", "i", "5")
    assert c("SRANDMEMBER", "i") == b"5"
    assert c("SCARD", "s") == 2


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember_counts(c, kind):
    items = [str(i) for i in range(30)] if kind == "intset" else ["m%d" % i for i in range(30)]
    c("SADD", "s", *items)
    assert enc(c, "s") == kind.encode()
    everything = b(*items)
    for count in (1, 5, 11, 29):  # independent draws, sampling, drop-from-copy
        got = c("SRANDMEMBER", "s", str(count))
        assert len(got) == count and len(set(got)) == count, count
        assert set(got) <= set(everything)
    assert sorted(c("SRANDMEMBER", "s", "30")) == everything
    assert sorted(c("SRANDMEMBER", "s", "1000")) == everything
    got = c("SRANDMEMBER", "s", "-100")
    assert len(got) == 100 and set(got) <= set(everything)
    assert len(set(got)) > 1
    assert c("SRANDMEMBER", "s", "0") == []
    assert c("SCARD", "s") == 30


def test_srandmember_whole_intset_sorted_and_repeats(c):
    c("SADD", "s", "3", "1", "2")
    assert c("SRANDMEMBER", "s", "3") == [b"1", b"2", b"3"]
    got = c("SRANDMEMBER", "s", "-300")
    assert len(got) == 300 and set(got) == {b"1", b"2", b"3"}
    assert c("SRANDMEMBER", "s", "-1") in ([b"1"], [b"2"], [b"3"])


def test_srandmember_errors(c):
    c("SADD", "s", "a")
    assert c("SRANDMEMBER", "nokey", "3") == []
    assert c("SRANDMEMBER", "nokey", "-3") == []
    assert c("SRANDMEMBER", "s", "x") == E.NOT_INTEGER
    assert c("SRANDMEMBER", "nokey", "x") == E.NOT_INTEGER
    assert c("SRANDMEMBER", "s", "-9223372036854775808") == SRAND_RANGE
    assert c("SRANDMEMBER", "s", "9223372036854775808") == E.NOT_INTEGER
    assert c("SRANDMEMBER", "s", "1", "2") == E.SYNTAX
    assert c("SRANDMEMBER", "s", "-9223372036854775807x") == E.NOT_INTEGER


# ---------------------------------------------------------------- SMOVE


@LAYOUTS
def test_smove(c, keys):
    src, dst, other = keys[0], keys[1], keys[2]
    c("SADD", src, "1", "2", "x")
    assert c("SMOVE", src, dst, "1") == 1
    assert enc(c, dst) == b"intset"  # created for its first member
    assert members(c, src) == b("2", "x")
    assert members(c, dst) == [b"1"]
    assert c("SMOVE", src, dst, "nope") == 0
    assert c("SMOVE", src, dst, "x") == 1
    assert enc(c, dst) == b"hashtable"
    assert c("SMOVE", src, dst, "1") == 0  # no longer in src
    c("SADD", src, "1")
    assert c("SMOVE", src, dst, "1") == 1  # already in dst: still moved out of src
    assert members(c, dst) == b("1", "x")
    assert c("SMOVE", src, dst, "2") == 1
    assert c("EXISTS", src) == 0  # emptied source deleted
    assert c("SMOVE", src, dst, "2") == 0  # missing source
    assert c("SMOVE", dst, other, "x") == 1
    assert enc(c, other) == b"hashtable"
    assert members(c, other) == [b"x"]


@LAYOUTS
def test_smove_checks_order(c, keys):
    src, dst, s = keys[0], keys[1], keys[2]
    c("SET", dst, "str")
    assert c("SMOVE", src, dst, "a") == 0  # missing source wins over a wrong destination
    c("SADD", src, "a")
    assert c("SMOVE", src, dst, "a") == E.WRONGTYPE
    assert c("SMOVE", src, dst, "zz") == E.WRONGTYPE
    assert members(c, src) == [b"a"]
    assert c("SMOVE", dst, src, "a") == E.WRONGTYPE
    assert c("GET", dst) == b"str"
    c("SADD", s, "m")
    assert c("SMOVE", s, s, "m") == 1  # same set: membership only
    assert c("SMOVE", s, s, "q") == 0
    assert members(c, s) == [b"m"]


@LAYOUTS
def test_smove_destination_conversion(c, keys, intset_limit):
    src, dst = keys[0], keys[1]
    c("CONFIG", "SET", "set-max-intset-entries", "2")
    c("SADD", src, "1", "2", "3")
    c("SADD", dst, "7", "8")
    assert enc(c, dst) == b"intset"
    assert c("SMOVE", src, dst, "1") == 1
    assert enc(c, dst) == b"hashtable"
    assert members(c, dst) == b(1, 7, 8)


@LAYOUTS
def test_smove_keeps_destination_ttl(c, keys):
    src, dst = keys[0], keys[1]
    c("SADD", src, "a", "b")
    c("SADD", dst, "c")
    c("EXPIRE", dst, "100")
    c("EXPIRE", src, "200")
    assert c("SMOVE", src, dst, "a") == 1
    assert 90 <= c("TTL", dst) <= 100
    assert 190 <= c("TTL", src) <= 200


# ---------------------------------------------------------------- SINTER / SUNION / SDIFF


@LAYOUTS
def test_sinter_sunion_sdiff(c, keys):
    k1, k2, k3, k4 = keys
    c("SADD", k1, "a", "b", "c", "1", "2")
    c("SADD", k2, "b", "c", "d", "2")
    c("SADD", k3, "c", "2", "z")
    assert sorted(c("SINTER", k1, k2, k3)) == b("c", "2")
    assert sorted(c("SINTER", k1, k2)) == b("b", "c", "2")
    assert sorted(c("SINTER", k1)) == b("a", "b", "c", "1", "2")
    assert c("SINTER", k1, k4) == []
    assert c("SINTER", k4, k1) == []
    assert sorted(c("SUNION", k1, k2, k3)) == b("a", "b", "c", "d", "z", "1", "2")
    assert sorted(c("SUNION", k4, k3)) == b("c", "2", "z")
    assert c("SUNION", k4) == []
    assert sorted(c("SDIFF", k1, k2, k3)) == b("a", "1")
    assert sorted(c("SDIFF", k1, k4)) == b("a", "b", "c", "1", "2")
    assert c("SDIFF", k4, k1) == []
    assert c("SDIFF", k1, k2, k1) == []  # the first set again: empty
    assert sorted(c("SINTER", k1, k1)) == b("a", "b", "c", "1", "2")


@LAYOUTS
def test_set_ops_wrongtype(c, keys):
    k1, k2, s, missing = keys
    c("SADD", k1, "a")
    c("SET", s, "x")
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        assert c(cmd, k1, s) == E.WRONGTYPE, cmd
        assert c(cmd, s, k1) == E.WRONGTYPE, cmd
        assert c(cmd, missing, s) == E.WRONGTYPE, cmd  # a missing key does not stop the check
    assert c("SINTERCARD", "2", missing, s) == E.WRONGTYPE
    assert c("SINTERCARD", "2", s, missing) == E.WRONGTYPE
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        assert c(cmd, k2, missing, s) == E.WRONGTYPE, cmd
        assert c("EXISTS", k2) == 0
    c("SADD", k2, "keep")
    assert c("SUNIONSTORE", k2, k1, s) == E.WRONGTYPE
    assert members(c, k2) == [b"keep"]


@LAYOUTS
def test_set_ops_intset_results_sorted(c, keys):
    # Integer results are built as intsets, so they come back in ascending order.
    k1, k2, k3, _ = keys
    c("SADD", k1, "5", "3", "100", "-7")
    c("SADD", k2, "3", "42", "-7", "9")
    c("SADD", k3, "100", "x")
    assert c("SUNION", k1, k2) == [b"-7", b"3", b"5", b"9", b"42", b"100"]
    assert c("SINTER", k1, k2) == [b"-7", b"3"]
    assert c("SDIFF", k1, k2) == [b"5", b"100"]
    assert c("SDIFF", k1, k3) == [b"-7", b"3", b"5"]


@LAYOUTS
def test_set_ops_large(c, keys):
    k1, k2, k3, _ = keys
    c("SADD", k1, *range(0, 3000, 2))
    c("SADD", k2, *range(0, 3000, 3))
    c("SADD", k3, *["s%d" % i for i in range(500)], *range(0, 3000, 5))
    e1, e2, e3 = set(range(0, 3000, 2)), set(range(0, 3000, 3)), set(range(0, 3000, 5))
    s3 = {str(x) for x in e3} | {"s%d" % i for i in range(500)}
    assert sorted(c("SINTER", k1, k2, k3)) == b(*(e1 & e2 & e3))
    assert sorted(c("SUNION", k1, k2, k3)) == b(*({str(x) for x in e1 | e2} | s3))
    assert sorted(c("SDIFF", k1, k2, k3)) == b(*(e1 - e2 - e3))
    assert c("SINTERCARD", "3", k1, k2, k3) == len(e1 & e2 & e3)


# ---------------------------------------------------------------- SINTERCARD


@LAYOUTS
def test_sintercard(c, keys):
    k1, k2, k3, missing = keys
    c("SADD", k1, "a", "b", "c", "d", "1")
    c("SADD", k2, "b", "c", "d", "1", "e")
    c("SADD", k3, "c", "d", "1")
    assert c("SINTERCARD", "2", k1, k2) == 4
    assert c("SINTERCARD", "3", k1, k2, k3) == 3
    assert c("SINTERCARD", "1", k1) == 5
    assert c("SINTERCARD", "3", k1, k2, k3, "LIMIT", "0") == 3
    assert c("SINTERCARD", "3", k1, k2, k3, "limit", "2") == 2
    assert c("SINTERCARD", "3", k1, k2, k3, "LIMIT", "10") == 3
    assert c("SINTERCARD", "3", k1, k2, k3, "LIMIT", "1", "LIMIT", "3") == 3
    assert c("SINTERCARD", "2", k1, missing) == 0
    assert c("SINTERCARD", "1", missing) == 0


def test_sintercard_errors(c):
    c("SADD", "s", "a")
    assert c("SINTERCARD", "0", "s") == SINTERCARD_NUMKEYS
    assert c("SINTERCARD", "-1", "s") == SINTERCARD_NUMKEYS
    assert c("SINTERCARD", "x", "s") == SINTERCARD_NUMKEYS
    assert c("SINTERCARD", "2", "s") == SINTERCARD_TOO_MANY
    assert c("SINTERCARD", "3", "s", "LIMIT") == SINTERCARD_TOO_MANY
    assert c("SINTERCARD", "1", "s", "LIMIT") == E.SYNTAX
    assert c("SINTERCARD", "1", "s", "LIMIT", "-1") == SINTERCARD_LIMIT
    assert c("SINTERCARD", "1", "s", "LIMIT", "x") == SINTERCARD_LIMIT
    assert c("SINTERCARD", "1", "s", "FOO", "1") == E.SYNTAX
    assert c("SINTERCARD", "1", "s", "s") == E.SYNTAX


def test_sintercard_getkeys(c):
    assert c("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "SINTERSTORE", "d", "a", "b") == [b"d", b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m") == [b"a", b"b"]


# ---------------------------------------------------------------- *STORE


@LAYOUTS
def test_store_commands(c, keys):
    d, k1, k2, missing = keys
    c("SADD", k1, "a", "b", "c", "1")
    c("SADD", k2, "b", "c", "d", "2")
    assert c("SINTERSTORE", d, k1, k2) == 2
    assert members(c, d) == b("b", "c")
    assert c("SUNIONSTORE", d, k1, k2) == 6
    assert members(c, d) == b("a", "b", "c", "d", "1", "2")
    assert c("SDIFFSTORE", d, k1, k2) == 2
    assert members(c, d) == b("a", "1")
    assert c("SDIFFSTORE", d, k1, missing) == 4
    assert members(c, d) == b("a", "b", "c", "1")
    assert c("SUNIONSTORE", d, missing) == 0
    assert c("EXISTS", d) == 0


@LAYOUTS
def test_store_replaces_destination(c, keys):
    d, k1, k2, missing = keys
    c("SADD", k1, "a", "b")
    c("SADD", k2, "b")
    c("SET", d, "string")
    c("EXPIRE", d, "100")
    assert c("SUNIONSTORE", d, k1) == 2
    assert c("TYPE", d) == "set"
    assert c("TTL", d) == -1
    c("EXPIRE", d, "100")
    assert c("SINTERSTORE", d, k1, missing) == 0  # empty result deletes the destination
    assert c("EXISTS", d) == 0
    c("SET", d, "string")
    assert c("SDIFFSTORE", d, k2, k1) == 0
    assert c("EXISTS", d) == 0
    # the destination may be a source
    assert c("SINTERSTORE", k1, k1, k2) == 1
    assert members(c, k1) == [b"b"]
    assert c("SDIFFSTORE", k2, k2, k2) == 0
    assert c("EXISTS", k2) == 0


@LAYOUTS
def test_store_encodings(c, keys, intset_limit):
    d, k1, k2, k3 = keys
    c("SADD", k1, "1", "2", "x")
    c("SADD", k2, "1", "2", "y")
    assert c("SINTERSTORE", d, k1, k2) == 2
    assert enc(c, d) == b"intset"  # integers only: a fresh intset
    assert c("SUNIONSTORE", d, k1, k2) == 4
    assert enc(c, d) == b"hashtable"
    assert c("SDIFFSTORE", d, k1, k2) == 1
    assert enc(c, d) == b"hashtable"
    c("DEL", k1, k2, k3)
    c("SADD", k1, *range(1, 11))
    c("SADD", k2, "3")
    c("SADD", k3, "4")
    c("CONFIG", "SET", "set-max-intset-entries", "8")
    # Redis adds the first set then removes the others when that is cheaper: the 10 members
    # overflow the intset on the way, and the result stays a hashtable.
    assert c("SDIFFSTORE", d, k1, k2, k3) == 8
    assert enc(c, d) == b"hashtable"
    # ... otherwise it adds only the survivors: an intset.
    c("DEL", k2)
    c("SADD", k2, "1", "2", "x")
    assert c("SDIFFSTORE", d, k1, k2) == 8
    assert enc(c, d) == b"intset"
    assert c("SUNIONSTORE", d, k1) == 10
    assert enc(c, d) == b"hashtable"
    assert c("SINTERSTORE", d, k1, k1) == 10
    assert enc(c, d) == b"hashtable"


# ---------------------------------------------------------------- SSCAN


def test_sscan_intset_whole(c):
    c("SADD", "s", *range(100))
    assert c("SSCAN", "s", "0") == [b"0", [str(i).encode() for i in range(100)]]
    # the cursor and COUNT do not matter for an intset
    assert c("SSCAN", "s", "12345", "COUNT", "1")[0] == b"0"
    assert c("SSCAN", "s", "0", "MATCH", "1*") == [
        b"0", [str(i).encode() for i in range(100) if str(i).startswith("1")]]


def test_sscan_hashtable_full_iteration(c):
    items = {"m%d" % i for i in range(1000)}
    c("SADD", "s", *items)
    seen = []
    cursor = b"0"
    calls = 0
    while True:
        cursor, batch = c("SSCAN", "s", cursor, "COUNT", "50")
        seen += batch
        calls += 1
        if cursor == b"0":
            break
    assert calls > 1
    assert {x.decode() for x in seen} == items
    cursor, batch = c("SSCAN", "s", "0", "COUNT", "100000")
    assert cursor == b"0" and sorted(batch) == b(*items)
    got = set()
    cursor = b"0"
    while True:
        cursor, batch = c("SSCAN", "s", cursor, "MATCH", "m1?", "COUNT", "200")
        got |= set(batch)
        if cursor == b"0":
            break
    assert got == {("m1%d" % i).encode() for i in range(10)}


def test_sscan_errors(c):
    c("SADD", "s", "a", "b")
    assert c("SSCAN", "s", "x") == E.INVALID_CURSOR
    assert c("SSCAN", "nokey", "x") == E.INVALID_CURSOR
    assert c("SSCAN", "s", "18446744073709551616") == E.INVALID_CURSOR
    assert c("SSCAN", "s", " 0") == E.INVALID_CURSOR
    assert c("SSCAN", "s", "0 ") == E.INVALID_CURSOR
    for cursor in ("", "+0", "00"):  # strtoul accepts these as 0
        assert c("SSCAN", "s", cursor)[0] == b"0", cursor
    assert c("SSCAN", "s", "0", "COUNT", "0") == E.SYNTAX
    assert c("SSCAN", "s", "0", "COUNT", "x") == E.NOT_INTEGER
    assert c("SSCAN", "s", "0", "MATCH") == E.SYNTAX
    assert c("SSCAN", "s", "0", "TYPE", "string") == E.SYNTAX
    assert c("SSCAN", "s", "0", "FOO", "1") == E.SYNTAX
    # a missing key answers an empty scan before looking at the options
    assert c("SSCAN", "nokey", "0", "FOO") == [b"0", []]
    assert c("SSCAN", "nokey", "0") == [b"0", []]


# ---------------------------------------------------------------- RESP3


def test_resp3_shapes(r3):
    r3("SADD", "s", "1", "2", "3")
    r3("SADD", "h", "a", "1")
    assert r3("SMEMBERS", "s") == {b"1", b"2", b"3"}
    assert r3("SMEMBERS", "nokey") == set()
    assert r3("SINTER", "s", "h") == {b"1"}
    assert r3("SINTER", "s", "nokey") == set()
    assert r3("SUNION", "s", "h") == {b"1", b"2", b"3", b"a"}
    assert r3("SDIFF", "s", "h") == {b"2", b"3"}
    assert r3("SPOP", "nokey") is None
    assert r3("SPOP", "nokey", "2") == set()
    assert r3("SPOP", "s", "0") == set()
    assert r3("SRANDMEMBER", "nokey") is None
    assert r3("SRANDMEMBER", "nokey", "2") == []
    got = r3("SRANDMEMBER", "s", "-4")
    assert isinstance(got, list) and len(got) == 4
    assert r3("SMISMEMBER", "s", "1", "9") == [1, 0]
    assert r3("SSCAN", "s", "0") == [b"0", [b"1", b"2", b"3"]]
    assert r3("SINTERCARD", "2", "s", "h") == 1
    assert r3("SPOP", "h", "5") == {b"a", b"1"}


def test_resp3_exact_bytes(rawconn):
    conn = rawconn()
    conn.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
    conn.recv_until(idle=0.3, first=5.0)
    conn.send(b"*4\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\n2\r\n$1\r\n1\r\n"
              b"*2\r\n$8\r\nSMEMBERS\r\n$1\r\ns\r\n"
              b"*3\r\n$11\r\nSRANDMEMBER\r\n$1\r\ns\r\n$1\r\n2\r\n"
              b"*3\r\n$4\r\nSPOP\r\n$5\r\nnokey\r\n$1\r\n1\r\n"
              b"*2\r\n$4\r\nSPOP\r\n$5\r\nnokey\r\n")
    want = (b":2\r\n~2\r\n$1\r\n1\r\n$1\r\n2\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n~0\r\n_\r\n")
    assert conn.recv_until(nbytes=len(want), first=5.0) == want


# ---------------------------------------------------------------- large sources across shards

# More members than a shard copies out for a read across shards (kCopyMaxMembers, 128, in
# server/commands/set_family.cc): with sets this large Shoal holds the shards and reads the sets
# where they are. The same assertions hold for keys on one shard and against Redis.
BIG = 400


def fill(c, key, items):
    for i in range(0, len(items), 200):
        c("SADD", key, *items[i:i + 200])


@LAYOUTS
def test_large_sources_match_set_math(c, keys):
    k1, k2, k3, k4 = keys
    A = ["m%d" % i for i in range(BIG)]
    B = ["m%d" % i for i in range(0, 3 * BIG, 3)]
    C = ["m1", "m3", "m6", "x"]
    fill(c, k1, A)
    fill(c, k2, B)
    fill(c, k3, C)
    sa, sb, sc = set(A), set(B), set(C)
    assert sorted(c("SINTER", k1, k2)) == b(*(sa & sb))
    assert sorted(c("SINTER", k1, k2, k3)) == b(*(sa & sb & sc))
    assert sorted(c("SUNION", k1, k2, k3)) == b(*(sa | sb | sc))
    assert sorted(c("SDIFF", k1, k2)) == b(*(sa - sb))
    assert sorted(c("SDIFF", k3, k1)) == b(*(sc - sa))
    assert sorted(c("SDIFF", k2, k1, k3)) == b(*(sb - sa - sc))
    assert c("SINTERCARD", "2", k1, k2) == len(sa & sb)
    assert c("SINTERCARD", "3", k1, k2, k3, "LIMIT", "1") == 1
    assert c("SINTERCARD", "2", k1, k2, "LIMIT", "10") == 10
    assert c("SINTERSTORE", k4, k1, k2) == len(sa & sb)
    assert members(c, k4) == b(*(sa & sb))
    assert c("SUNIONSTORE", k4, k1, k2, k3) == len(sa | sb | sc)
    assert members(c, k4) == b(*(sa | sb | sc))
    assert c("SDIFFSTORE", k4, k2, k1) == len(sb - sa)
    assert members(c, k4) == b(*(sb - sa))
    # The destination among the sources; an empty result deletes it.
    assert c("SINTERSTORE", k1, k1, k2) == len(sa & sb)
    assert members(c, k1) == b(*(sa & sb))
    assert c("SDIFFSTORE", k2, k2, k2) == 0
    assert c("EXISTS", k2) == 0


@LAYOUTS
def test_large_intsets_reply_in_order(c, keys):
    """Intsets iterate in ascending order, so even the order of the replies is Redis's."""
    k1, k2, k3, _ = keys
    A = list(range(0, 2 * BIG, 2))
    B = list(range(0, 3 * BIG, 3))
    fill(c, k1, A)
    fill(c, k2, B)
    assert enc(c, k1) == enc(c, k2) == b"intset"
    inter = [str(x).encode() for x in sorted(set(A) & set(B))]
    diff = [str(x).encode() for x in sorted(set(A) - set(B))]
    assert c("SINTER", k1, k2) == inter
    assert c("SDIFF", k1, k2) == diff
    assert c("SINTERSTORE", k3, k1, k2) == len(inter)
    assert enc(c, k3) == b"intset"
    assert c("SMEMBERS", k3) == inter


def test_large_sources_missing_and_wrong_type(c):
    k1, k2, k3, k4 = SPREAD
    A = ["m%d" % i for i in range(BIG)]
    fill(c, k1, A)
    assert c("SET", k2, "str") == "OK"
    assert c("SINTER", k1, k3) == []
    assert sorted(c("SUNION", k1, k3)) == b(*A)
    assert c("SDIFF", k3, k1) == []
    assert c("SINTERCARD", "2", k1, k3) == 0
    for args in (("SINTER", k1, k2), ("SUNION", k1, k2), ("SDIFF", k1, k2),
                 ("SINTERCARD", "2", k1, k2), ("SUNIONSTORE", k4, k1, k2),
                 ("SINTERSTORE", k4, k1, k2), ("SDIFFSTORE", k4, k1, k2)):
        assert c(*args) == E.WRONGTYPE, args
    assert c("EXISTS", k4) == 0
    assert c("SINTERSTORE", k4, k1, k3) == 0  # empty: no destination
    assert c("EXISTS", k4) == 0


def test_large_sources_inside_exec_and_scripts(c):
    """Inside EXEC the shards are parked, not lent: the sources are copied; inside a script they
    are lent to its thread already. Same results either way."""
    k1, k2, k3, _ = SPREAD
    A = ["m%d" % i for i in range(BIG)]
    B = ["m%d" % i for i in range(0, 3 * BIG, 3)]
    fill(c, k1, A)
    fill(c, k2, B)
    inter = set(A) & set(B)
    assert c("MULTI") == "OK"
    assert c("SINTER", k1, k2) == "QUEUED"
    assert c("SUNIONSTORE", k3, k1, k2) == "QUEUED"
    assert c("SINTERCARD", "2", k1, k3) == "QUEUED"
    got = c("EXEC")
    assert sorted(got[0]) == b(*inter)
    assert got[1:] == [len(set(A) | set(B)), len(A)]
    assert c("EVAL", "return redis.call('SINTERCARD', 2, KEYS[1], KEYS[2])", "2", k1, k2) == \
        len(inter)
    assert c("EVAL", "return redis.call('SDIFFSTORE', KEYS[3], KEYS[1], KEYS[2])", "3",
             k1, k2, k3) == len(set(A) - set(B))
    assert members(c, k3) == b(*(set(A) - set(B)))
    assert sorted(c("EVAL", "return redis.call('SINTER', KEYS[1], KEYS[2])", "2", k1, k2)) == \
        b(*inter)


def stats(c):
    text = c("INFO", "stats").decode()
    f = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    return int(f["keyspace_hits"]), int(f["keyspace_misses"])


def test_large_read_counts_each_key_once(c):
    """The size check before a read across shards records nothing: each source counts one
    keyspace hit or miss, as Redis's lookupKeyRead does."""
    k1, k2, k3, _ = SPREAD
    fill(c, k1, ["m%d" % i for i in range(BIG)])
    fill(c, k2, ["m%d" % i for i in range(BIG)])
    h0, m0 = stats(c)
    assert len(c("SINTER", k1, k2)) == BIG
    assert c("SINTER", k1, k3) == []
    assert c("SUNIONSTORE", k3, k1, k2) == BIG
    assert stats(c) == (h0 + 5, m0 + 1)


def test_large_read_is_tracked(server, c):
    """A tracking client's read over large sets on two shards remembers both keys."""
    k1, k2, _, _ = SPREAD
    fill(c, k1, ["m%d" % i for i in range(BIG)])
    fill(c, k2, ["m%d" % i for i in range(BIG)])
    t = RespClient(server.host, server.port)
    try:
        assert isinstance(t.call("HELLO", "3"), dict)
        assert t.call("CLIENT", "TRACKING", "on") == "OK"
        assert len(t.call("SINTER", k1, k2)) == BIG
        assert c("SADD", k2, "new") == 1
        m = t.read()
        assert isinstance(m, Push) and list(m) == [b"invalidate", [k2.encode()]], m
        assert c("SREM", k1, "m0") == 1
        m = t.read()
        assert isinstance(m, Push) and list(m) == [b"invalidate", [k1.encode()]], m
    finally:
        t.close()


def test_large_read_expires_a_source(server, c):
    """A source that expired is deleted by the read that finds it (with its `expired` event), and
    the operation sees it missing."""
    k1, k2, _, _ = SPREAD
    A = ["m%d" % i for i in range(BIG)]
    fill(c, k1, A)
    fill(c, k2, A)
    assert c("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    ev = Events(server.host, server.port, flags="KEA")
    try:
        assert c("PEXPIRE", k2, "20") == 1
        time.sleep(0.1)
        assert ev.collect(c) == [("expire", k2)]
        assert c("SINTER", k1, k2) == []
        assert ev.collect(c) == [("expired", k2)]
        assert sorted(c("SUNION", k1, k2)) == b(*A)
        assert c("EXISTS", k2) == 0
    finally:
        c("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        ev.close()


# ---------------------------------------------------------------- across shards, concurrently


def test_smove_atomic_across_shards(server, c):
    """SMOVE moves members back and forth between two sets on different shards while readers
    check, each with one atomic command over both sets, that every member is in exactly one.
    (test_concurrency.py has the same with sets large enough to be read in place.)"""
    src, dst = "{a}x", "{b}y"
    assert key_slot(src) % 4 != key_slot(dst) % 4
    tokens = ["t%d" % i for i in range(8)]
    assert c("SADD", src, *tokens) == 8
    every = sorted(t.encode() for t in tokens)
    stop = threading.Event()
    failures = []
    counts = {}

    def run(name, fn):
        cl = RespClient(server.host, server.port)
        n = 0
        try:
            while not stop.is_set() and n < 20000:
                fn(cl, n)
                n += 1
        except Exception as e:  # noqa: BLE001 - any failure ends the test
            failures.append("%s: %r" % (name, e))
            stop.set()
        finally:
            counts[name] = n
            cl.close()

    def mover(i):
        def fn(cl, n):
            tok = tokens[(i + n) % len(tokens)]
            a, z = (src, dst) if n % 2 == 0 else (dst, src)
            reply = cl("SMOVE", a, z, tok)
            assert reply in (0, 1), reply
        return fn

    def reader(cl, n):
        union = cl("SUNION", src, dst)
        assert sorted(union) == every, "missing: %r" % sorted(set(every) - set(union))
        inter = cl("SINTER", src, dst)
        assert inter == [], "in both: %r" % inter
        assert cl("SINTERCARD", "2", src, dst) == 0

    threads = [threading.Thread(target=run, args=("mover%d" % i, mover(i))) for i in range(3)]
    threads += [threading.Thread(target=run, args=("reader%d" % i, reader)) for i in range(2)]
    for t in threads:
        t.start()
    stop.wait(3.0)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    assert not any(t.is_alive() for t in threads)
    assert not failures, failures
    assert all(counts[name] > 0 for name in counts), counts
    assert sorted(members(c, src) + members(c, dst)) == every


def test_store_atomic_across_shards(server, c):
    """SUNIONSTORE into a key on a third shard while SMOVE shuffles members: the stored union
    always holds every member exactly once."""
    src, dst, out = SPREAD[0], SPREAD[1], SPREAD[2]
    tokens = [str(i) for i in range(6)]
    c("SADD", src, *tokens)
    stop = threading.Event()
    failures = []

    def mover():
        cl = RespClient(server.host, server.port)
        n = 0
        try:
            while not stop.is_set():
                a, z = (src, dst) if n % 2 == 0 else (dst, src)
                cl("SMOVE", a, z, tokens[n % len(tokens)])
                n += 1
        finally:
            cl.close()

    t = threading.Thread(target=mover)
    t.start()
    try:
        deadline = time.time() + 1.5
        while time.time() < deadline:
            n = c("SUNIONSTORE", out, src, dst)
            if n != len(tokens):
                failures.append(n)
                break
    finally:
        stop.set()
        t.join(timeout=15)
    assert not failures, failures
    assert members(c, out) == b(*tokens)
