"""SORT and SORT_RO on lists, sets and sorted sets: numeric and ALPHA order, ASC/DESC, LIMIT,
BY (string keys, hash fields, nosort), GET (#, keys, hash fields), STORE (also to a key on
another shard), errors, and Shoal's cluster-style restriction on BY/GET patterns.

BY/GET patterns use {t} hash tags so the keys they form live on the sorted key's shard. The
tests of the "denied in Cluster mode" errors run on Shoal only (server.is_shoal): a standalone
Redis accepts any pattern."""

import random

import pytest

import shoal_errors as E
from shoal_keys import shard_of

SCORE_ERROR = "ERR One or more scores can't be converted into double"
BY_DENIED = ("ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may "
             "be in different slots.")
GET_DENIED = ("ERR GET option of SORT denied in Cluster mode when keys formed by the pattern "
              "may be in different slots.")



def other_shard_key(key, prefix="dst"):
    """A key name on another shard than `key`."""
    i = 0
    while shard_of("%s%d" % (prefix, i)) == shard_of(key):
        i += 1
    return "%s%d" % (prefix, i)


L = "{t}l"  # the sorted list in most tests


@pytest.fixture
def data(c):
    """A list of numbers, weights (strings and hash fields) for BY, values for GET."""
    c("RPUSH", L, "3", "1", "2", "10", "-5", "1.5", "007", "7")
    c("MSET", "{t}w_3", "30", "{t}w_1", "10", "{t}w_2", "20", "{t}w_10", "5", "{t}w_-5", "0",
      "{t}w_1.5", "1", "{t}w_007", "100", "{t}w_7", "-1")
    for i, name in enumerate(["3", "1", "2", "10"]):
        c("HSET", "{t}h_" + name, "f", "x" + name, "n", str(10 - i))
    return c


# ---------------------------------------------------------------- order


def test_sort_numeric(data):
    c = data
    assert c("SORT", L) == [b"-5", b"1", b"1.5", b"2", b"3", b"007", b"7", b"10"]
    assert c("SORT", L, "DESC") == [b"10", b"7", b"007", b"3", b"2", b"1.5", b"1", b"-5"]
    assert c("SORT", L, "desc", "asc") == c("SORT", L)
    assert c("SORT_RO", L) == c("SORT", L)
    # the list itself is untouched
    assert c("LRANGE", L, "0", "-1") == [b"3", b"1", b"2", b"10", b"-5", b"1.5", b"007", b"7"]


def test_sort_alpha(data):
    c = data
    assert c("SORT", L, "ALPHA") == [b"-5", b"007", b"1", b"1.5", b"10", b"2", b"3", b"7"]
    assert c("SORT", L, "ALPHA", "DESC") == [b"7", b"3", b"2", b"10", b"1.5", b"1", b"007", b"-5"]
    c("RPUSH", "words", "banana", "apple", "Cherry", "apple", "", "b")
    assert c("SORT", "words", "ALPHA") == [b"", b"Cherry", b"apple", b"apple", b"b", b"banana"]


@pytest.mark.parametrize("value", ["1e-400", "1e500", "4.9e-324", "abc", "5 ", "nan", "1,5",
                                   "0b1", "--1"])
def test_sort_score_errors(c, value):
    c("RPUSH", "l", "2", value)
    assert c("SORT", "l") == SCORE_ERROR
    assert c("SORT", "l", "STORE", "dst") == SCORE_ERROR
    assert c("EXISTS", "dst") == 0
    assert c("SORT", "l", "ALPHA") == sorted([b"2", value.encode()])
    assert c("SORT", "l", "BY", "nosort") == [b"2", value.encode()]


@pytest.mark.parametrize("value,order", [
    ("", [b"", b"2"]), (" 5", [b"2", b" 5"]), ("0x10", [b"2", b"0x10"]), ("inf", [b"2", b"inf"]),
    ("-inf", [b"-inf", b"2"]), ("+3", [b"2", b"+3"]), ("1e308", [b"2", b"1e308"]),
    ("2.0", [b"2", b"2.0"]),
])
def test_sort_accepted_numbers(c, value, order):
    """strtod's syntax: leading spaces, hex, inf and an empty string (0) are numbers; equal
    scores are ordered by the elements' bytes."""
    c("RPUSH", "l", "2", value)
    assert c("SORT", "l") == order
    assert c("SORT", "l", "DESC") == order[::-1]


def test_sort_many_numbers(c):
    rnd = random.Random(7)
    values = [rnd.randint(-10**6, 10**6) for _ in range(1000)] + [rnd.random() for _ in range(200)]
    c("RPUSH", "l", *[repr(v) for v in values])
    got = [float(x) for x in c("SORT", "l")]
    assert got == sorted(float(repr(v)) for v in values)
    got = c("SORT", "l", "LIMIT", "100", "10", "DESC")
    expected = sorted((float(repr(v)) for v in values), reverse=True)[100:110]
    assert [float(x) for x in got] == expected


# ---------------------------------------------------------------- LIMIT


@pytest.mark.parametrize("start,count,expected", [
    ("0", "3", [b"-5", b"1", b"1.5"]),
    ("2", "2", [b"1.5", b"2"]),
    ("-5", "2", [b"-5", b"1"]),
    ("6", "-1", [b"7", b"10"]),
    ("6", "100", [b"7", b"10"]),
    ("0", "0", []),
    ("8", "1", []),
    ("100", "5", []),
    ("7", "1", [b"10"]),
    ("1", "9223372036854775807", [b"1", b"1.5", b"2", b"3", b"007", b"7", b"10"]),
])
def test_sort_limit(data, start, count, expected):
    assert data("SORT", L, "LIMIT", start, count) == expected


def test_sort_limit_errors(data):
    c = data
    assert c("SORT", L, "LIMIT", "1") == E.SYNTAX
    assert c("SORT", L, "LIMIT") == E.SYNTAX
    assert c("SORT", L, "LIMIT", "a", "1") == E.NOT_INTEGER
    assert c("SORT", L, "LIMIT", "1", "1.5") == E.NOT_INTEGER
    assert c("SORT", "nokey", "LIMIT", "1", "x") == E.NOT_INTEGER


# ---------------------------------------------------------------- BY


def test_sort_by_pattern(data):
    c = data
    assert c("SORT", L, "BY", "{t}w_*") == [b"7", b"-5", b"1.5", b"10", b"1", b"2", b"3", b"007"]
    assert c("SORT", L, "BY", "{t}w_*", "DESC", "LIMIT", "0", "3") == [b"007", b"3", b"2"]
    # ALPHA on the BY values
    assert c("SORT", L, "BY", "{t}w_*", "ALPHA") == [b"7", b"-5", b"1.5", b"1", b"007", b"2",
                                                      b"3", b"10"]
    # missing BY keys: score 0 (ties ordered by element), first for ALPHA
    c("DEL", "{t}w_7", "{t}w_-5", "{t}w_1.5")
    assert c("SORT", L, "BY", "{t}w_*") == [b"-5", b"1.5", b"7", b"10", b"1", b"2", b"3", b"007"]
    assert c("SORT", L, "BY", "{t}w_*", "ALPHA", "LIMIT", "3", "5") == [b"1", b"007", b"2",
                                                                         b"3", b"10"]


def test_sort_by_hash_field(data):
    c = data
    c("LTRIM", L, "0", "3")  # 3 1 2 10
    assert c("SORT", L, "BY", "{t}h_*->n") == [b"10", b"2", b"1", b"3"]
    assert c("SORT", L, "BY", "{t}h_*->f", "ALPHA", "DESC") == [b"3", b"2", b"10", b"1"]
    # a missing field or a key of another type counts as missing: all score 0, so the elements'
    # bytes decide
    assert c("SORT", L, "BY", "{t}h_*->zz") == [b"1", b"10", b"2", b"3"]
    assert c("SORT", L, "BY", "{t}w_*->n") == [b"1", b"10", b"2", b"3"]
    # "->" with nothing after it is part of the key name
    c("SET", "{t}h_3->", "-1")
    assert c("SORT", L, "BY", "{t}h_*->") == [b"3", b"1", b"10", b"2"]


def test_sort_by_non_numeric_weight(data):
    c = data
    c("SET", "{t}w_2", "abc")
    assert c("SORT", L, "BY", "{t}w_*") == SCORE_ERROR


def test_sort_by_nosort_list(data):
    c = data
    order = [b"3", b"1", b"2", b"10", b"-5", b"1.5", b"007", b"7"]
    assert c("SORT", L, "BY", "nosort") == order
    assert c("SORT", L, "BY", "nosort", "DESC") == order[::-1]
    assert c("SORT", L, "BY", "nosort", "LIMIT", "2", "3") == order[2:5]
    assert c("SORT", L, "BY", "nosort", "DESC", "LIMIT", "2", "3") == order[::-1][2:5]
    assert c("SORT", L, "BY", "nosort", "LIMIT", "100", "1") == []
    assert c("SORT", L, "BY", "nosort", "ALPHA") == order
    # any pattern without '*' means "do not sort"; the non-numbers are then never parsed
    c("RPUSH", L, "abc")
    assert c("SORT", L, "BY", "{t}constant") == order + [b"abc"]


# ---------------------------------------------------------------- GET


def test_sort_get(data):
    c = data
    c("LTRIM", L, "0", "3")  # 3 1 2 10
    assert c("SORT", L, "GET", "#") == [b"1", b"2", b"3", b"10"]
    assert c("SORT", L, "GET", "{t}w_*", "GET", "#") == [b"10", b"1", b"20", b"2", b"30", b"3",
                                                         b"5", b"10"]
    assert c("SORT", L, "GET", "{t}h_*->f", "BY", "nosort") == [b"x3", b"x1", b"x2", b"x10"]
    c("DEL", "{t}w_2")
    c("HDEL", "{t}h_1", "f")
    assert c("SORT", L, "GET", "{t}w_*", "GET", "{t}h_*->f", "LIMIT", "0", "2") == [
        b"10", None, None, b"x2"]
    # a GET pattern without '*' finds nothing
    assert c("SORT", L, "GET", "{t}nostar", "LIMIT", "0", "1") == [None]
    # a key of the wrong type is nothing too
    assert c("SORT", L, "GET", "{t}h_*", "LIMIT", "0", "1") == [None]


def test_sort_get_resp3(r3):
    r3("RPUSH", L, "3", "1")
    assert r3("SORT", L, "GET", "#", "GET", "{t}missing_*") == [b"1", None, b"3", None]


def test_sort_get_integer_values(c):
    """Values stored compactly (integer strings, listpack integers) come back as text."""
    c("RPUSH", "{t}l", "2", "1")
    c("SET", "{t}v_1", "12345")
    c("SET", "{t}v_2", "-7")
    c("HSET", "{t}h_1", "f", "100")
    c("HSET", "{t}h_2", "f", "-100")
    assert c("SORT", "{t}l", "BY", "{t}v_*", "GET", "{t}v_*", "GET", "{t}h_*->f") == [
        b"-7", b"-100", b"12345", b"100"]
    assert c("SORT", "{t}l", "BY", "{t}h_*->f", "ALPHA") == [b"2", b"1"]


# ---------------------------------------------------------------- sets and sorted sets


def test_sort_sets(c):
    c("SADD", "si", "5", "3", "100", "-2", "9")
    assert c("OBJECT", "ENCODING", "si") == b"intset"
    assert c("SORT", "si") == [b"-2", b"3", b"5", b"9", b"100"]
    assert c("SORT", "si", "DESC", "LIMIT", "1", "2") == [b"9", b"5"]
    assert c("SORT", "si", "ALPHA") == [b"-2", b"100", b"3", b"5", b"9"]
    # an intset keeps its members in ascending order
    assert c("SORT", "si", "BY", "nosort") == [b"-2", b"3", b"5", b"9", b"100"]
    c("SADD", "ss", "x", "a", "m", "b", "10", "2")
    assert c("OBJECT", "ENCODING", "ss") == b"hashtable"
    assert c("SORT", "ss", "ALPHA") == [b"10", b"2", b"a", b"b", b"m", b"x"]
    assert c("SORT", "ss") == SCORE_ERROR
    assert sorted(c("SORT", "ss", "BY", "nosort")) == [b"10", b"2", b"a", b"b", b"m", b"x"]


def test_sort_set_by_nosort_store_sorts(c):
    """Stored, a set sorted BY nosort comes out in ALPHA order."""
    c("SADD", "{s}set", "x", "a", "m", "10", "2")
    assert c("SORT", "{s}set", "BY", "nosort", "STORE", "{s}out") == 5
    assert c("LRANGE", "{s}out", "0", "-1") == [b"10", b"2", b"a", b"m", b"x"]
    assert c("SORT", "{s}set", "BY", "nosort", "DESC", "LIMIT", "0", "2", "STORE", "{s}out") == 2
    assert c("LRANGE", "{s}out", "0", "-1") == [b"x", b"m"]


def test_sort_zsets(c):
    c("ZADD", "z", "3", "10", "1", "30", "2", "20", "4", "5")
    assert c("OBJECT", "ENCODING", "z") == b"listpack"
    assert c("SORT", "z") == [b"5", b"10", b"20", b"30"]
    # sorting converts a listpack sorted set to a skiplist for good, as Redis does
    assert c("OBJECT", "ENCODING", "z") == b"skiplist"
    assert c("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"30", b"1", b"20", b"2", b"10", b"3",
                                                         b"5", b"4"]
    assert c("SORT", "z", "ALPHA", "DESC") == [b"5", b"30", b"20", b"10"]
    # BY nosort: score order, reversed by DESC, LIMIT applied to it
    assert c("SORT", "z", "BY", "nosort") == [b"30", b"20", b"10", b"5"]
    assert c("SORT", "z", "BY", "nosort", "DESC") == [b"5", b"10", b"20", b"30"]
    assert c("SORT", "z", "BY", "nosort", "LIMIT", "1", "2") == [b"20", b"10"]
    assert c("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5") == [b"10", b"20", b"30"]
    assert c("SORT", "z", "BY", "nosort", "LIMIT", "4", "1") == []
    c("ZADD", "z2", "1", "a")
    assert c("SORT_RO", "z2", "ALPHA") == [b"a"]
    assert c("OBJECT", "ENCODING", "z2") == b"skiplist"


def test_sort_zset_by_and_store(c):
    c("ZADD", "{z}z", "1", "a", "2", "b", "3", "c")
    c("MSET", "{z}w_a", "3", "{z}w_b", "1", "{z}w_c", "2")
    assert c("SORT", "{z}z", "BY", "{z}w_*") == [b"b", b"c", b"a"]
    assert c("SORT", "{z}z", "BY", "{z}w_*", "GET", "#", "GET", "{z}w_*") == [
        b"b", b"1", b"c", b"2", b"a", b"3"]
    assert c("SORT", "{z}z", "BY", "nosort", "DESC", "STORE", "{z}out") == 3
    assert c("LRANGE", "{z}out", "0", "-1") == [b"c", b"b", b"a"]


# ---------------------------------------------------------------- errors


def test_sort_errors(c):
    c("SET", "str", "x")
    c("HSET", "hash", "a", "1")
    assert c("SORT", "str") == E.WRONGTYPE
    assert c("SORT", "hash") == E.WRONGTYPE
    assert c("SORT_RO", "str") == E.WRONGTYPE
    assert c("SORT", "str", "STORE", "dst") == E.WRONGTYPE
    assert c("EXISTS", "dst") == 0
    c("RPUSH", "l", "1")
    for opts in (["FOO"], ["BY"], ["GET"], ["STORE"], ["LIMIT", "1"], ["ASC", "DESC", "X"],
                 ["BY", "nosort", "x"]):
        assert c("SORT", "l", *opts) == E.SYNTAX
    assert c("SORT_RO", "l", "STORE", "dst") == E.SYNTAX
    # options are checked before the key's type
    assert c("SORT", "str", "FOO") == E.SYNTAX
    assert c("SORT", "str", "LIMIT", "a", "1") == E.NOT_INTEGER
    assert c("SORT") == E.arity("sort")
    assert c("SORT_RO") == E.arity("sort_ro")


def test_sort_missing_key(c):
    assert c("SORT", "nokey") == []
    assert c("SORT", "nokey", "BY", "nosort", "GET", "#", "DESC", "LIMIT", "0", "10") == []
    assert c("SORT_RO", "nokey", "ALPHA") == []


# ---------------------------------------------------------------- STORE


def test_sort_store(data):
    c = data
    assert c("SORT", L, "STORE", "{t}dst") == 8
    assert c("LRANGE", "{t}dst", "0", "-1") == [b"-5", b"1", b"1.5", b"2", b"3", b"007", b"7",
                                               b"10"]
    assert c("TYPE", "{t}dst") == "list"
    assert c("OBJECT", "ENCODING", "{t}dst") == b"quicklist"
    # overwrites any type and drops the TTL
    c("SET", "{t}str", "x", "EX", "100")
    assert c("SORT", L, "LIMIT", "0", "2", "STORE", "{t}str") == 2
    assert c("LRANGE", "{t}str", "0", "-1") == [b"-5", b"1"]
    assert c("TTL", "{t}str") == -1
    # GET values stored, missing ones as empty strings
    assert c("SORT", L, "LIMIT", "0", "3", "GET", "{t}w_*", "GET", "{t}nope_*", "STORE",
             "{t}dst") == 6
    assert c("LRANGE", "{t}dst", "0", "-1") == [b"0", b"", b"10", b"", b"1", b""]
    # the last STORE wins
    assert c("SORT", L, "STORE", "{t}a", "LIMIT", "0", "1", "STORE", "{t}b") == 1
    assert c("EXISTS", "{t}a") == 0
    assert c("LRANGE", "{t}b", "0", "-1") == [b"-5"]
    # sorting a list into itself
    assert c("SORT", L, "DESC", "STORE", L) == 8
    assert c("LRANGE", L, "0", "-1") == [b"10", b"7", b"007", b"3", b"2", b"1.5", b"1", b"-5"]


def test_sort_store_empty_deletes(c):
    c("RPUSH", "{t}dst", "old")
    assert c("SORT", "{t}nokey", "STORE", "{t}dst") == 0
    assert c("EXISTS", "{t}dst") == 0
    c("RPUSH", "{t}l", "1", "2")
    c("SET", "{t}dst", "x")
    assert c("SORT", "{t}l", "LIMIT", "5", "1", "STORE", "{t}dst") == 0
    assert c("EXISTS", "{t}dst") == 0


def test_sort_store_alpha_bytes(c):
    """With STORE, ALPHA compares whole byte strings (a NUL byte included)."""
    c("RPUSH", "{t}l", "b\x00z", "b\x00a", "b")
    assert c("SORT", "{t}l", "ALPHA", "STORE", "{t}dst") == 3
    assert c("LRANGE", "{t}dst", "0", "-1") == [b"b", b"b\x00a", b"b\x00z"]


def test_sort_store_other_shard(c):
    src = "src"
    dst = other_shard_key(src)
    c("RPUSH", src, "3", "1", "2")
    c("SET", dst, "old", "EX", "100")
    assert c("SORT", src, "DESC", "STORE", dst) == 3
    assert c("LRANGE", dst, "0", "-1") == [b"3", b"2", b"1"]
    assert c("TTL", dst) == -1
    assert c("SORT", src, "LIMIT", "9", "9", "STORE", dst) == 0
    assert c("EXISTS", dst) == 0
    c("SET", src + "x", "string")
    assert c("SORT", src + "x", "STORE", dst) == E.WRONGTYPE
    assert c("SORT", "nokey", "STORE", dst) == 0
    # many stores across shards, checked in one go
    pipe = []
    for i in range(50):
        pipe.append(("RPUSH", "s%d" % i, str(i), str(-i), "100"))
        pipe.append(("SORT", "s%d" % i, "STORE", "d%d" % i))
    replies = c.pipeline(pipe)
    assert replies[1::2] == [3] * 50
    for i in range(50):
        assert c("LRANGE", "d%d" % i, "0", "-1") == sorted(
            [str(i).encode(), str(-i).encode(), b"100"], key=float)


def test_sort_store_large(c):
    c("RPUSH", "{t}l", *[str(i) for i in range(5000, 0, -1)])
    assert c("SORT", "{t}l", "STORE", "{t}dst") == 5000
    assert c("LLEN", "{t}dst") == 5000
    assert c("LRANGE", "{t}dst", "0", "2") == [b"1", b"2", b"3"]
    assert c("LINDEX", "{t}dst", "-1") == b"5000"


def test_sort_getkeys(c):
    assert c("COMMAND", "GETKEYS", "SORT", "a", "STORE", "b") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "SORT", "a", "GET", "store", "BY", "store") == [b"a"]
    assert c("COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "store", "x") == [b"a"]
    assert c("COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "STORE", "c") == [b"a", b"c"]
    assert c("COMMAND", "GETKEYS", "SORT_RO", "a", "STORE", "b") == [b"a"]


# ---------------------------------------------------------------- patterns and shards


def test_sort_patterns_on_key_shard(c):
    """Tagged patterns that map to the sorted key's shard work everywhere."""
    c("RPUSH", "{u}l", "1", "2")
    c("MSET", "{u}w_1", "2", "{u}w_2", "1")
    assert c("SORT", "{u}l", "BY", "{u}w_*", "GET", "#", "GET", "{u}w_*") == [b"2", b"1", b"1",
                                                                              b"2"]
    # GET # and patterns without '*' in BY need no check
    assert c("SORT", "{u}l", "BY", "nosort", "GET", "#") == [b"1", b"2"]


def test_sort_patterns_denied_across_shards(server, c):
    """Shoal only: with several shards a BY/GET pattern whose keys may live on another shard
    gets Redis Cluster's error (a standalone Redis accepts any pattern)."""
    if not server.is_shoal:
        pytest.skip("Redis in standalone mode accepts any BY/GET pattern")
    shards = int(c("CONFIG", "GET", "shards")[1])
    if shards == 1:
        pytest.skip("with one shard every pattern is allowed")
    c("RPUSH", "{u}l", "1", "2")
    assert c("SORT", "{u}l", "BY", "w_*") == BY_DENIED
    assert c("SORT", "{u}l", "GET", "w_*") == GET_DENIED
    assert c("SORT", "{u}l", "GET", "#", "GET", "w_*->f") == GET_DENIED
    assert c("SORT_RO", "{u}l", "BY", "{u*}w") == BY_DENIED  # wildcard inside the tag
    assert c("SORT", "{u}l", "BY", "*{u}") == BY_DENIED  # wildcard before the tag
    assert c("SORT", "{u}l", "BY", "{}{u}w_*") == BY_DENIED  # "{}" makes the whole key hash
    assert c("SORT", "{u}l", "GET", "\\{u}*") == GET_DENIED  # escapes are not resolved
    other = next(t for t in ("x%d" % i for i in range(100))
                 if shard_of("{%s}" % t, shards) != shard_of("{u}", shards))
    assert c("SORT", "{u}l", "BY", "{%s}w_*" % other) == BY_DENIED
    assert c("SORT", "{u}l", "GET", "{%s}w_*" % other) == GET_DENIED
    # the error is an option error: it comes before WRONGTYPE and before any STORE
    c("SET", "{u}s", "x")
    assert c("SORT", "{u}s", "BY", "w_*") == BY_DENIED
    assert c("SORT", "{u}l", "BY", "w_*", "STORE", "{u}d") == BY_DENIED
    assert c("EXISTS", "{u}d") == 0
    # an earlier syntax error wins, a later one loses
    assert c("SORT", "{u}l", "FOO", "BY", "w_*") == E.SYNTAX
    assert c("SORT", "{u}l", "BY", "w_*", "FOO") == BY_DENIED
