"""SORT and SORT_RO on lists, sets and sorted sets: numeric and ALPHA order, ASC/DESC, LIMIT,
BY (string keys, hash fields, nosort), GET (#, keys, hash fields), STORE (also to a key on
another shard), errors.

Most BY/GET patterns use {t} hash tags so the keys they form live on the sorted key's shard (the
local way). The "across shards" section uses untagged keys: the sorted key, the BY keys, the GET
keys, the hash-field keys and the STORE destination then spread over the shards, as a standalone
Redis must not notice. It ends with a concurrency test: SORT BY sees the weights of one MSET."""

import random
import threading

import pytest

import shoal_errors as E
from shoal_keys import SHARDS, shard_of

SCORE_ERROR = "ERR One or more scores can't be converted into double"



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


# ---------------------------------------------------------------- across shards


def assert_spread(*keys):
    """The names really land on several shards of a 4-shard Shoal (a fact about the names, so
    it holds against any server)."""
    assert len({shard_of(k, SHARDS) for k in keys}) >= min(3, len(keys)), keys


SL = "sl"  # untagged: its BY/GET keys live on other shards
SL_ELEMS = ["3", "1", "2", "10", "-5", "7"]
# element -> (w_ weight, h_ field f, h_ field n)
SL_DATA = {"3": ("30", "x3", "7"), "1": ("10", "x1", "9"), "2": ("20", "x2", "8"),
           "10": ("5", "x10", "6"), "-5": ("0", "x-5", "11"), "7": ("-1", "x7", "12")}


@pytest.fixture
def spread(c):
    """A list whose weights (w_*) and hashes (h_*) are spread over the shards."""
    c("RPUSH", SL, *SL_ELEMS)
    mset = []
    for e, (w, f, n) in SL_DATA.items():
        mset += ["w_" + e, w]
        c("HSET", "h_" + e, "f", f, "n", n)
    c("MSET", *mset)
    assert_spread(SL, *["w_" + e for e in SL_ELEMS])
    assert_spread(SL, *["h_" + e for e in SL_ELEMS])
    return c


def b(*xs):
    return [None if x is None else x.encode() for x in xs]


def test_sort_by_across_shards(spread):
    c = spread
    assert c("SORT", SL, "BY", "w_*") == b("7", "-5", "10", "1", "2", "3")
    assert c("SORT", SL, "BY", "w_*", "DESC") == b("3", "2", "1", "10", "-5", "7")
    assert c("SORT", SL, "BY", "w_*", "LIMIT", "1", "3") == b("-5", "10", "1")
    assert c("SORT", SL, "BY", "w_*", "DESC", "LIMIT", "0", "2") == b("3", "2")
    assert c("SORT", SL, "BY", "w_*", "LIMIT", "6", "1") == []
    assert c("SORT", SL, "BY", "w_*", "LIMIT", "-3", "2") == b("7", "-5")
    # ALPHA compares the weights as strings: "-1" "0" "10" "20" "30" "5"
    assert c("SORT", SL, "BY", "w_*", "ALPHA") == b("7", "-5", "1", "2", "3", "10")
    assert c("SORT", SL, "BY", "w_*", "ALPHA", "DESC", "LIMIT", "1", "2") == b("3", "2")
    # hash fields on other shards
    assert c("SORT", SL, "BY", "h_*->n") == b("10", "3", "2", "1", "-5", "7")
    assert c("SORT", SL, "BY", "h_*->f", "ALPHA") == b("-5", "1", "10", "2", "3", "7")
    assert c("SORT_RO", SL, "BY", "w_*", "DESC") == b("3", "2", "1", "10", "-5", "7")
    # the list itself is untouched
    assert c("LRANGE", SL, "0", "-1") == b(*SL_ELEMS)


def test_sort_get_across_shards(spread):
    c = spread
    assert c("SORT", SL, "GET", "w_*") == b("0", "10", "20", "30", "-1", "5")
    assert c("SORT", SL, "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->f") == b(
        "7", "-1", "x7", "-5", "0", "x-5", "10", "5", "x10", "1", "10", "x1", "2", "20", "x2",
        "3", "30", "x3")
    assert c("SORT", SL, "BY", "w_*", "DESC", "LIMIT", "1", "2", "GET", "h_*->n", "GET",
             "#") == b("8", "2", "9", "1")
    assert c("SORT", SL, "BY", "nosort", "GET", "h_*->f") == b("x3", "x1", "x2", "x10", "x-5",
                                                                "x7")
    assert c("SORT", SL, "BY", "nosort", "DESC", "LIMIT", "1", "2", "GET", "w_*") == b("0", "5")
    assert c("SORT", SL, "ALPHA", "LIMIT", "0", "3", "GET", "#", "GET", "h_*->n") == b(
        "-5", "11", "1", "9", "10", "6")
    assert c("SORT_RO", SL, "BY", "h_*->n", "LIMIT", "0", "2", "GET", "w_*", "GET", "#") == b(
        "5", "10", "30", "3")
    # a tagged BY on the key's shard mixed with GET keys elsewhere
    c("RPUSH", "{u}l", "1", "2")
    c("MSET", "{u}w_1", "2", "{u}w_2", "1")
    assert c("SORT", "{u}l", "BY", "{u}w_*", "GET", "w_*", "GET", "h_*->f") == b(
        "20", "x2", "10", "x1")


def test_sort_get_across_shards_resp3(r3):
    r3("RPUSH", "l", "2", "1")
    r3("SET", "v_1", "one")
    assert_spread("l", "v_1", "v_2")
    assert r3("SORT", "l", "GET", "#", "GET", "v_*") == [b"1", b"one", b"2", None]


def test_sort_compact_values_across_shards(c):
    """Integer strings and listpack integers read on other shards come back as text; big hashes
    (hashtable encoding) are read too."""
    c("RPUSH", "l", "2", "1", "3")
    c("SET", "v_1", "12345")
    c("SET", "v_2", "-7")
    c("SET", "v_3", "x" * 100)
    c("HSET", "h_1", "f", "100")
    c("HSET", "h_2", "f", "-100")
    c("HSET", "h_3", "f", "-3", "k7", "7", "big", "y" * 100)  # a long value: hashtable
    assert c("OBJECT", "ENCODING", "h_3") == b"hashtable"
    assert_spread("l", "v_1", "v_2", "v_3", "h_1", "h_2", "h_3")
    assert c("SORT", "l", "BY", "h_*->f", "GET", "v_*", "GET", "h_*->f", "GET", "h_*->k7") == [
        b"-7", b"-100", None, b"x" * 100, b"-3", b"7", b"12345", b"100", None]
    assert c("SORT", "l", "BY", "v_*", "ALPHA", "GET", "#") == [b"2", b"1", b"3"]


def test_sort_missing_pattern_keys_across_shards(spread):
    c = spread
    # a missing BY key scores 0; equal scores are ordered by the elements' bytes
    c("DEL", "w_7", "w_10")
    assert c("SORT", SL, "BY", "w_*") == b("-5", "10", "7", "1", "2", "3")
    assert c("SORT", SL, "BY", "w_*", "DESC") == b("3", "2", "1", "7", "10", "-5")
    # ALPHA: a missing BY value sorts first
    c("SET", "w_10", "5")
    assert c("SORT", SL, "BY", "w_*", "ALPHA") == b("7", "-5", "1", "2", "3", "10")
    # a BY pattern no key matches: all scores 0, so the elements' order
    assert c("SORT", SL, "BY", "nokey_*") == b("-5", "1", "10", "2", "3", "7")
    # missing GET keys and fields are nil
    c("HDEL", "h_1", "f")
    assert c("SORT", SL, "BY", "h_*->n", "GET", "w_*", "GET", "h_*->f", "GET", "nokey_*",
             "GET", "h_*->nofield") == b("5", "x10", None, None, "30", "x3", None, None,
                                         "20", "x2", None, None, "10", None, None, None,
                                         "0", "x-5", None, None, None, "x7", None, None)


def test_sort_wrong_type_pattern_keys_across_shards(spread):
    c = spread
    c("DEL", "w_2", "h_1", "w_7")
    c("RPUSH", "w_2", "99")      # a list where BY/GET expect a string
    c("SET", "h_1", "string")    # a string where a hash field is expected
    c("SADD", "w_7", "-100")     # a set
    # wrong-type BY keys count as missing (score 0)
    assert c("SORT", SL, "BY", "w_*") == b("-5", "2", "7", "10", "1", "3")
    assert c("SORT", SL, "BY", "h_*->n") == b("1", "10", "3", "2", "-5", "7")
    assert c("SORT", SL, "BY", "w_*", "GET", "w_*", "GET", "h_*->f", "GET", "h_*") == b(
        "0", "x-5", None, None, "x2", None, None, "x7", None, "5", "x10", None, "10", None,
        "string", "30", "x3", None)
    # a hash key asked for as a string (no "->") is nothing too
    assert c("SORT", SL, "LIMIT", "0", "1", "GET", "h_*") == [None]


def test_sort_errors_across_shards(spread):
    c = spread
    c("SET", "dst", "old")
    assert_spread(SL, "dst", "w_1")
    # a BY value that is not a number on another shard
    c("SET", "w_1", "abc")
    assert c("SORT", SL, "BY", "w_*") == SCORE_ERROR
    assert c("SORT_RO", SL, "BY", "w_*", "GET", "h_*->f") == SCORE_ERROR
    assert c("SORT", SL, "BY", "w_*", "STORE", "dst") == SCORE_ERROR
    assert c("GET", "dst") == b"old"
    # ALPHA and BY nosort never parse it
    assert c("SORT", SL, "BY", "w_*", "ALPHA", "LIMIT", "0", "1") == b("7")
    assert c("SORT", SL, "BY", "nosort", "GET", "w_*", "LIMIT", "0", "2") == b("30", "abc")
    # the sorted key of another type
    c("SET", "s_str", "x")
    assert c("SORT", "s_str", "BY", "w_*") == E.WRONGTYPE
    assert c("SORT_RO", "s_str", "GET", "w_*") == E.WRONGTYPE
    assert c("SORT", "s_str", "BY", "w_*", "GET", "#", "STORE", "dst") == E.WRONGTYPE
    assert c("GET", "dst") == b"old"
    # option errors come first
    assert c("SORT", "s_str", "BY", "w_*", "FOO") == E.SYNTAX
    assert c("SORT", SL, "BY", "w_*", "LIMIT", "0", "x") == E.NOT_INTEGER
    assert c("SORT_RO", SL, "GET", "w_*", "STORE", "dst") == E.SYNTAX
    # a missing sorted key
    assert c("SORT", "nokey", "BY", "w_*", "GET", "h_*->f") == []
    assert c("SORT", "nokey", "BY", "w_*", "STORE", "dst") == 0
    assert c("EXISTS", "dst") == 0


def test_sort_store_across_shards(spread):
    c = spread
    for dst in ("dst", "dst2", "out"):
        c("SET", dst, "old", "EX", "100")
    assert_spread(SL, "dst", "dst2", "out")
    assert c("SORT", SL, "BY", "w_*", "STORE", "dst") == 6
    assert c("LRANGE", "dst", "0", "-1") == b("7", "-5", "10", "1", "2", "3")
    assert c("TTL", "dst") == -1
    assert c("SORT", SL, "BY", "h_*->n", "DESC", "GET", "#", "GET", "w_*", "GET", "nokey_*",
             "STORE", "dst2") == 18
    assert c("LRANGE", "dst2", "0", "-1") == b("7", "-1", "", "-5", "0", "", "1", "10", "",
                                               "2", "20", "", "3", "30", "", "10", "5", "")
    # ALPHA with STORE compares bytes (the same order here)
    assert c("SORT", SL, "BY", "h_*->f", "ALPHA", "LIMIT", "1", "2", "GET", "h_*->f", "STORE",
             "out") == 2
    assert c("LRANGE", "out", "0", "-1") == b("x1", "x10")
    # an empty result deletes the destination
    assert c("SORT", SL, "BY", "w_*", "LIMIT", "10", "5", "GET", "w_*", "STORE", "dst") == 0
    assert c("EXISTS", "dst") == 0
    # storing into a key the patterns read: the values read are those before the store
    assert c("SORT", SL, "BY", "w_*", "GET", "w_*", "STORE", "w_3") == 6
    assert c("LRANGE", "w_3", "0", "-1") == b("-1", "0", "5", "10", "20", "30")
    # w_3 is now a list: it counts as missing (score 0)
    assert c("SORT", SL, "BY", "w_*") == b("7", "-5", "3", "10", "1", "2")
    # sorting a list into itself
    assert c("SORT", SL, "BY", "w_*", "DESC", "STORE", SL) == 6
    # (DESC also reverses the elements' byte order between equal scores)
    assert c("LRANGE", SL, "0", "-1") == b("2", "1", "10", "3", "-5", "7")


def test_sort_sets_across_shards(c):
    c("SADD", "ss", *SL_ELEMS)
    assert c("OBJECT", "ENCODING", "ss") == b"intset"
    mset = []
    for e, (w, _, _) in SL_DATA.items():
        mset += ["w_" + e, w]
    c("MSET", *mset)
    assert_spread("ss", *["w_" + e for e in SL_ELEMS])
    assert c("SORT", "ss", "BY", "w_*") == b("7", "-5", "10", "1", "2", "3")
    assert c("SORT", "ss", "BY", "w_*", "DESC", "LIMIT", "0", "3", "GET", "w_*") == b(
        "30", "20", "10")
    assert c("SORT", "ss", "GET", "#", "GET", "w_*", "LIMIT", "4", "2") == b("7", "-1", "10",
                                                                             "5")
    words = {"apple": "4", "pear": "1", "fig": "3", "kiwi": "2"}
    c("SADD", "sh", *words)
    c("SADD", "sh", "x" * 80)  # a long member: hashtable encoding
    c("SREM", "sh", "x" * 80)
    assert c("OBJECT", "ENCODING", "sh") == b"hashtable"
    c("MSET", *[x for w, v in words.items() for x in ("wx_" + w, v)])
    assert_spread("sh", *["wx_" + w for w in words])
    assert c("SORT", "sh", "BY", "wx_*") == b("pear", "kiwi", "fig", "apple")
    assert c("SORT_RO", "sh", "BY", "wx_*", "DESC", "GET", "wx_*", "GET", "#") == b(
        "4", "apple", "3", "fig", "2", "kiwi", "1", "pear")
    assert c("SORT", "sh", "ALPHA", "GET", "wx_*") == b("4", "3", "2", "1")
    # stored, a set sorted BY nosort comes out in ALPHA order, GET values included
    assert c("SORT", "sh", "BY", "nosort", "GET", "wx_*", "GET", "#", "STORE", "out") == 8
    assert c("LRANGE", "out", "0", "-1") == b("4", "apple", "3", "fig", "2", "kiwi", "1", "pear")
    # without STORE a set's nosort order is the table's: compare as sets
    got = c("SORT", "sh", "BY", "nosort", "GET", "wx_*")
    assert sorted(got) == b("1", "2", "3", "4")


def test_sort_zsets_across_shards(c):
    c("ZADD", "zs", "1", "a", "2", "b", "3", "c", "4", "d")
    assert c("OBJECT", "ENCODING", "zs") == b"listpack"
    c("MSET", "wz_a", "40", "wz_b", "10", "wz_c", "30", "wz_d", "20")
    assert_spread("zs", "wz_a", "wz_b", "wz_c", "wz_d")
    assert c("SORT", "zs", "BY", "wz_*") == b("b", "d", "c", "a")
    # sorting converts a listpack sorted set to a skiplist for good, as Redis does
    assert c("OBJECT", "ENCODING", "zs") == b"skiplist"
    assert c("SORT", "zs", "BY", "wz_*", "DESC", "GET", "#", "GET", "wz_*") == b(
        "a", "40", "c", "30", "d", "20", "b", "10")
    assert c("SORT", "zs", "BY", "nosort", "GET", "wz_*") == b("40", "10", "30", "20")
    assert c("SORT", "zs", "BY", "nosort", "DESC", "LIMIT", "1", "2", "GET", "#", "GET",
             "wz_*") == b("c", "30", "b", "10")
    assert c("SORT_RO", "zs", "BY", "wz_*", "ALPHA", "LIMIT", "0", "2") == b("b", "d")
    assert c("SORT", "zs", "BY", "wz_*", "GET", "wz_*", "STORE", "dst") == 4
    assert c("LRANGE", "dst", "0", "-1") == b("10", "20", "30", "40")


def test_sort_databases_across_shards(c):
    c("SELECT", "1")
    c("RPUSH", "l", "1", "2")
    c("MSET", "w_1", "2", "w_2", "1", "v_1", "one")
    c("SELECT", "0")
    c("MSET", "w_1", "1", "w_2", "2", "v_2", "two")
    c("RPUSH", "l", "1", "2")
    assert c("SORT", "l", "BY", "w_*", "GET", "v_*") == [None, b"two"]
    c("SELECT", "1")
    assert c("SORT", "l", "BY", "w_*", "GET", "v_*") == [None, b"one"]
    assert c("SORT", "l", "BY", "w_*", "GET", "#", "STORE", "d") == 2
    assert c("LRANGE", "d", "0", "-1") == [b"2", b"1"]
    c("SELECT", "0")
    assert c("EXISTS", "d") == 0


def test_sort_pipelined_across_shards(spread):
    """Replies keep request order and each SORT sees the writes sent before it."""
    c = spread
    replies = c.pipeline([
        ("SET", "w_3", "-10"),
        ("SORT", SL, "BY", "w_*", "LIMIT", "0", "1"),
        ("SET", "w_1", "-20"),
        ("SORT", SL, "BY", "w_*", "LIMIT", "0", "1", "GET", "w_*"),
        ("SORT", SL, "BY", "w_*", "LIMIT", "0", "2", "STORE", "dst"),
        ("LRANGE", "dst", "0", "-1"),
        ("GET", "w_3"),
    ])
    assert replies == ["OK", b("3"), "OK", b("-20"), 2, b("1", "3"), b"-10"]


def test_sort_many_across_shards(c):
    rnd = random.Random(11)
    n = 1500
    weights = rnd.sample(range(-10**6, 10**6), n)
    c("RPUSH", "big", *[str(i) for i in range(n)])
    for k in range(0, n, 500):
        c("MSET", *[x for i in range(k, min(n, k + 500)) for x in ("bw_%d" % i, str(weights[i]))])
    order = sorted(range(n), key=lambda i: weights[i])
    assert c("SORT", "big", "BY", "bw_*") == [str(i).encode() for i in order]
    got = c("SORT", "big", "BY", "bw_*", "DESC", "LIMIT", "100", "50", "GET", "bw_*", "GET", "#")
    expected = []
    for i in order[::-1][100:150]:
        expected += [str(weights[i]).encode(), str(i).encode()]
    assert got == expected
    assert c("SORT", "big", "BY", "bw_*", "GET", "bw_*", "STORE", "bigout") == n
    assert c("LRANGE", "bigout", "0", "-1") == [str(weights[i]).encode() for i in order]


def test_sort_by_sees_one_mset(server, c, new_client):
    """One client rewrites weights on several shards with MSET (all change together: round k
    rotates them), others run SORT BY (with GET, STORE, SORT_RO): each must see one round's
    weights, sorted by them."""
    n = 6
    elems = ["e%d" % i for i in range(n)]
    wkeys = ["cw_" + e for e in elems]
    assert_spread("cl", *wkeys)

    def weights(k):
        # round k: element i weighs k * 100 + (i + k) % n; the order rotates every round
        return [str(k * 100 + (i + k) % n) for i in range(n)]

    c("RPUSH", "cl", *elems)
    c("MSET", *[x for kv in zip(wkeys, weights(0)) for x in kv])
    stop = threading.Event()
    failures = []
    counts = {}

    def check(pairs, who):
        # pairs: [(elem, weight)] as SORT returned them
        ks = {int(w) // 100 for _, w in pairs}
        assert len(ks) == 1, "%s saw weights of several MSETs: %r" % (who, pairs)
        k = ks.pop()
        expected = sorted(zip(elems, weights(k)), key=lambda p: int(p[1]))
        assert [(e.decode(), w.decode()) for e, w in pairs] == expected, (who, pairs)

    def writer(cl):
        k = counts.get("writer", 0) + 1
        counts["writer"] = k
        assert cl("MSET", *[x for kv in zip(wkeys, weights(k)) for x in kv]) == "OK"

    def reader(cl):
        r = cl("SORT", "cl", "BY", "cw_*", "GET", "#", "GET", "cw_*")
        check(list(zip(r[0::2], r[1::2])), "SORT")

    def reader_ro(cl):
        r = cl("SORT_RO", "cl", "BY", "cw_*", "DESC", "GET", "cw_*", "GET", "#")
        check(list(zip(r[1::2], r[0::2]))[::-1], "SORT_RO")

    def storer(cl):
        assert cl("SORT", "cl", "BY", "cw_*", "GET", "#", "GET", "cw_*", "STORE", "cdst1") == 2 * n
        r = cl("LRANGE", "cdst1", "0", "-1")
        check(list(zip(r[0::2], r[1::2])), "SORT STORE")

    def body(name, fn):
        cl = new_client()
        i = 0
        try:
            while not stop.is_set():
                fn(cl)
                i += 1
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append("%s: %r" % (name, e))
            stop.set()
        counts[name + "_n"] = i

    threads = [threading.Thread(target=body, args=(name, fn), daemon=True)
               for name, fn in (("writer", writer), ("reader", reader), ("reader_ro", reader_ro),
                                ("storer", storer))]
    for t in threads:
        t.start()
    stop.wait(2.5)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    assert not any(t.is_alive() for t in threads), "threads hung"
    assert not failures, failures
    for name in ("writer", "reader", "reader_ro", "storer"):
        assert counts[name + "_n"] > 0, counts
