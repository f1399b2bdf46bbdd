"""Hash commands: HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS,
HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN: replies (RESP2 and RESP3), errors,
listpack -> hashtable conversions, and hashes spread over the shards."""

import pytest

import shoal_errors as E

HASH_NOT_INTEGER = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
INCR_NAN_INF = "ERR value is NaN or Infinity"
COUNT_RANGE = ("ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807")
OUT_OF_RANGE = "ERR value is out of range"

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808


@pytest.fixture
def small_limits(c):
    """Lets a test lower hash-max-listpack-entries/value; restores Redis 7.0's defaults after."""
    yield
    assert c("CONFIG", "SET", "hash-max-listpack-entries", "512") == "OK"
    assert c("CONFIG", "SET", "hash-max-listpack-value", "64") == "OK"


def enc(c, key):
    return c("OBJECT", "ENCODING", key)


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def fill(c, key, n, prefix="f"):
    args = []
    for i in range(n):
        args += ["%s%d" % (prefix, i), "v%d" % i]
    for i in range(0, len(args), 2000):
        c("HSET", key, *args[i:i + 2000])
    return {("%s%d" % (prefix, i)).encode(): ("v%d" % i).encode() for i in range(n)}


# ---------------------------------------------------------------- HSET / HGET / HMSET / HMGET


def test_hset_hget_basic(c):
    assert c("HSET", "h", "a", "1") == 1
    assert c("HSET", "h", "a", "2", "b", "3", "c", "4") == 2
    assert c("HGET", "h", "a") == b"2"
    assert c("HGET", "h", "b") == b"3"
    assert c("HGET", "h", "zz") is None
    assert c("HGET", "nokey", "a") is None
    assert c("HLEN", "h") == 3
    assert c("TYPE", "h") == "hash"
    assert enc(c, "h") == b"listpack"
    # the same field twice in one call: the last value wins, counted once
    assert c("HSET", "h2", "x", "1", "x", "2") == 1
    assert c("HGET", "h2", "x") == b"2"
    assert c("HLEN", "h2") == 1


def test_hset_arity(c):
    assert c("HSET", "h", "a") == E.arity("hset")
    assert c("HSET", "h", "a", "1", "b") == E.arity("hset")
    assert c("HMSET", "h", "a", "1", "b") == E.arity("hmset")
    assert c("HMSET", "h") == E.arity("hmset")
    assert c("HGET", "h") == E.arity("hget")
    assert c("HSETNX", "h", "a") == E.arity("hsetnx")
    assert c("HINCRBY", "h", "a") == E.arity("hincrby")
    assert c("HDEL", "h") == E.arity("hdel")
    assert c("HMGET", "h") == E.arity("hmget")
    assert c("HSCAN", "h") == E.arity("hscan")
    assert c("HRANDFIELD") == E.arity("hrandfield")
    assert c("EXISTS", "h") == 0


def test_hmset_hmget(c):
    assert c("HMSET", "h", "a", "1", "b", "2") == "OK"
    assert c("HMSET", "h", "b", "3") == "OK"
    assert c("HMGET", "h", "a", "b", "nope", "a") == [b"1", b"3", None, b"1"]
    assert c("HMGET", "nokey", "a", "b") == [None, None]


def test_binary_and_integer_like_fields(c):
    """Fields and values that a compact encoding may store as integers come back as the
    same bytes; binary data is kept exactly."""
    items = {
        b"0": b"-1", b"123": b"007", b"-9223372036854775808": b"9223372036854775807",
        b"9223372036854775808": b"-0", b"+5": b" 5", b"1.5": b"1e3",
        b"\x00\xff\r\n": b"\x00", b"": b"", b"12345678901234567890": b"-12345678901234567890",
    }
    args = []
    for k, v in items.items():
        args += [k, v]
    for key in ("lp", "{lp}ht"):
        assert c("HSET", key, *args) == len(items)
        if key != "lp":
            assert c("HSET", key, "x" * 100, "y") == 1
            assert c("HDEL", key, "x" * 100) == 1
            assert enc(c, key) == b"hashtable"
        else:
            assert enc(c, key) == b"listpack"
        assert pairs(c("HGETALL", key)) == items
        for k, v in items.items():
            assert c("HGET", key, k) == v
            assert c("HSTRLEN", key, k) == len(v)
            assert c("HEXISTS", key, k) == 1


# ---------------------------------------------------------------- HSETNX


def test_hsetnx(c):
    assert c("HSETNX", "h", "a", "1") == 1
    assert c("HSETNX", "h", "a", "2") == 0
    assert c("HGET", "h", "a") == b"1"
    assert c("HSETNX", "h", "b", "2") == 1
    assert c("HGETALL", "h") == [b"a", b"1", b"b", b"2"]


# ---------------------------------------------------------------- HDEL / HLEN / HEXISTS / HSTRLEN


def test_hdel(c):
    c("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert c("HDEL", "h", "a", "zz", "a") == 1
    assert c("HDEL", "h", "nope") == 0
    assert c("HLEN", "h") == 2
    assert c("HDEL", "nokey", "a") == 0
    # deleting the last field deletes the key
    assert c("HDEL", "h", "b", "c", "d") == 2
    assert c("EXISTS", "h") == 0
    assert c("HLEN", "h") == 0


def test_hdel_hashtable_deletes_key(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-entries", "2") == "OK"
    c("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert enc(c, "h") == b"hashtable"
    assert c("HDEL", "h", "a", "b", "c") == 3
    assert c("EXISTS", "h") == 0


def test_hlen_hexists_hstrlen(c):
    assert c("HLEN", "nokey") == 0
    assert c("HEXISTS", "nokey", "a") == 0
    assert c("HSTRLEN", "nokey", "a") == 0
    c("HSET", "h", "a", "hello", "n", "-123", "e", "")
    assert c("HEXISTS", "h", "a") == 1
    assert c("HEXISTS", "h", "b") == 0
    assert c("HSTRLEN", "h", "a") == 5
    assert c("HSTRLEN", "h", "n") == 4
    assert c("HSTRLEN", "h", "e") == 0
    assert c("HSTRLEN", "h", "zz") == 0


# ---------------------------------------------------------------- HKEYS / HVALS / HGETALL


def test_hkeys_hvals_hgetall(c):
    assert c("HKEYS", "nokey") == []
    assert c("HVALS", "nokey") == []
    assert c("HGETALL", "nokey") == []
    c("HSET", "h", "a", "1", "b", "2", "c", "3")
    # a small hash keeps insertion order
    assert c("HKEYS", "h") == [b"a", b"b", b"c"]
    assert c("HVALS", "h") == [b"1", b"2", b"3"]
    assert c("HGETALL", "h") == [b"a", b"1", b"b", b"2", b"c", b"3"]


def test_hgetall_resp3(r3):
    assert r3("HGETALL", "nokey") == {}
    assert r3("HSET", "h", "a", "1", "b", "2") == 2
    assert r3("HGETALL", "h") == {b"a": b"1", b"b": b"2"}
    assert r3("HKEYS", "h") == [b"a", b"b"]
    assert r3("HVALS", "h") == [b"1", b"2"]
    assert r3("HGET", "h", "zz") is None
    assert r3("HMGET", "h", "a", "zz") == [b"1", None]


def test_hgetall_resp3_bytes(raw):
    out = raw(b"HELLO 3\r\nHSET h a 1 b 2\r\nHGETALL h\r\nHGETALL nokey\r\nHGET h x\r\n",
              terminator=b"_\r\n")
    assert out.endswith(b":2\r\n%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n%0\r\n_\r\n")


def test_hgetall_large_hashtable(c):
    expected = fill(c, "big", 1000)
    assert enc(c, "big") == b"hashtable"
    assert c("HLEN", "big") == 1000
    assert pairs(c("HGETALL", "big")) == expected
    assert sorted(c("HKEYS", "big")) == sorted(expected)
    assert sorted(c("HVALS", "big")) == sorted(expected.values())


def test_hash_redis_py(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert r.hincrby("h", "a", 5) == 6
    assert r.hincrbyfloat("h", "b", 0.5) == 2.5
    assert r.hkeys("h") == [b"a", b"b"]
    assert r.hdel("h", "a", "b") == 2
    assert r.exists("h") == 0


# ---------------------------------------------------------------- HINCRBY


def test_hincrby(c):
    assert c("HINCRBY", "h", "a", "5") == 5
    assert c("HINCRBY", "h", "a", "-7") == -2
    assert c("HGET", "h", "a") == b"-2"
    c("HSET", "h", "b", "  1", "big", str(LLONG_MAX), "small", str(LLONG_MIN), "f", "1.5")
    assert c("HINCRBY", "h", "b", "1") == HASH_NOT_INTEGER
    assert c("HINCRBY", "h", "f", "1") == HASH_NOT_INTEGER
    assert c("HINCRBY", "h", "big", "1") == E.OVERFLOW
    assert c("HINCRBY", "h", "small", "-1") == E.OVERFLOW
    assert c("HINCRBY", "h", "big", "-1") == LLONG_MAX - 1
    assert c("HINCRBY", "h", "a", "1.5") == E.NOT_INTEGER
    assert c("HINCRBY", "h", "a", "x") == E.NOT_INTEGER
    assert c("HINCRBY", "h", "a", "9223372036854775808") == E.NOT_INTEGER
    assert c("HINCRBY", "h", "new", "0") == 0
    assert c("HGET", "h", "new") == b"0"
    # the increment is checked before the key: no hash is created
    assert c("HINCRBY", "nokey", "a", "x") == E.NOT_INTEGER
    assert c("EXISTS", "nokey") == 0


# ---------------------------------------------------------------- HINCRBYFLOAT


@pytest.mark.parametrize("start,incr,result", [
    (None, "10.5", b"10.5"),
    ("10.5", "0.1", b"10.6"),
    ("5.0e3", "2.0e2", b"5200"),
    ("3", "1.5", b"4.5"),
    ("1", "-1", b"0"),
    (None, "-0", b"0"),
    ("17179869184", "1.5", b"17179869185.5"),
    ("0.1", "0.2", b"0.3"),
    ("1", "1e70", b"10000000000000000000222479489586148259025995410601157579323600873193472"),
    (" 1", "1", None),
])
def test_hincrbyfloat(c, start, incr, result):
    if start is not None:
        c("HSET", "h", "f", start)
    reply = c("HINCRBYFLOAT", "h", "f", incr)
    if result is None:
        assert reply == HASH_NOT_FLOAT
        assert c("HGET", "h", "f") == start.encode()
    else:
        assert reply == result
        assert c("HGET", "h", "f") == result


def test_hincrbyfloat_errors(c):
    c("HSET", "h", "f", "1", "s", "abc", "huge", "1e4932")
    assert c("HINCRBYFLOAT", "h", "f", "abc") == E.NOT_FLOAT
    assert c("HINCRBYFLOAT", "h", "f", "nan") == E.NOT_FLOAT
    assert c("HINCRBYFLOAT", "h", "f", "") == E.NOT_FLOAT
    assert c("HINCRBYFLOAT", "h", "f", "inf") == INCR_NAN_INF
    assert c("HINCRBYFLOAT", "h", "f", "-inf") == INCR_NAN_INF
    assert c("HINCRBYFLOAT", "h", "s", "1") == HASH_NOT_FLOAT
    assert c("HINCRBYFLOAT", "h", "huge", "1e4932") == E.FLOAT_NAN_INF
    assert c("HGET", "h", "huge") == b"1e4932"
    assert c("HINCRBYFLOAT", "nokey", "f", "x") == E.NOT_FLOAT
    assert c("HINCRBYFLOAT", "nokey", "f", "inf") == INCR_NAN_INF
    assert c("EXISTS", "nokey") == 0


def test_hincrbyfloat_resp3_is_bulk(r3):
    assert r3("HINCRBYFLOAT", "h", "f", "1.5") == b"1.5"


# ---------------------------------------------------------------- WRONGTYPE


@pytest.mark.parametrize("cmd", [
    ["HSET", "s", "a", "1"], ["HSETNX", "s", "a", "1"], ["HGET", "s", "a"],
    ["HMGET", "s", "a"], ["HMSET", "s", "a", "1"], ["HDEL", "s", "a"], ["HLEN", "s"],
    ["HSTRLEN", "s", "a"], ["HEXISTS", "s", "a"], ["HKEYS", "s"], ["HVALS", "s"],
    ["HGETALL", "s"], ["HINCRBY", "s", "a", "1"], ["HINCRBYFLOAT", "s", "a", "1"],
    ["HRANDFIELD", "s"], ["HRANDFIELD", "s", "2"], ["HRANDFIELD", "s", "0"],
    ["HRANDFIELD", "s", "-2", "WITHVALUES"], ["HSCAN", "s", "0"],
    ["HSCAN", "s", "0", "COUNT", "0"],
])
def test_wrongtype(c, cmd):
    assert c("SET", "s", "x") == "OK"
    assert c(*cmd) == E.WRONGTYPE
    assert c("GET", "s") == b"x"


def test_string_commands_on_hash(c):
    c("HSET", "h", "a", "1")
    assert c("GET", "h") == E.WRONGTYPE
    assert c("INCR", "h") == E.WRONGTYPE
    assert c("APPEND", "h", "x") == E.WRONGTYPE


# ---------------------------------------------------------------- HRANDFIELD


def test_hrandfield_missing_key(c, r3):
    assert c("HRANDFIELD", "nokey") is None
    assert c("HRANDFIELD", "nokey", "3") == []
    assert c("HRANDFIELD", "nokey", "-3", "WITHVALUES") == []
    assert r3("HRANDFIELD", "nokey") is None
    assert r3("HRANDFIELD", "nokey", "3") == []


def test_hrandfield_errors(c):
    c("HSET", "h", "a", "1")
    assert c("HRANDFIELD", "h", "x") == E.NOT_INTEGER
    assert c("HRANDFIELD", "nokey", "1.5") == E.NOT_INTEGER
    assert c("HRANDFIELD", "h", str(LLONG_MIN)) == COUNT_RANGE
    assert c("HRANDFIELD", "h", "1", "WITHVALUE") == E.SYNTAX
    assert c("HRANDFIELD", "h", "1", "WITHVALUES", "x") == E.SYNTAX
    assert c("HRANDFIELD", "h", str(LLONG_MAX // 2 + 1), "WITHVALUES") == OUT_OF_RANGE
    assert c("HRANDFIELD", "h", str(-(LLONG_MAX // 2) - 1), "WITHVALUES") == OUT_OF_RANGE
    assert c("HRANDFIELD", "h", str(LLONG_MAX // 2), "WITHVALUES") == [b"a", b"1"]
    assert c("HRANDFIELD", "h", str(LLONG_MAX)) == [b"a"]
    assert c("HRANDFIELD", "h", "0") == []
    assert c("HRANDFIELD", "h", "0", "withvalues") == []


@pytest.mark.parametrize("n", [5, 600], ids=["listpack", "hashtable"])
def test_hrandfield_counts(c, n):
    expected = fill(c, "h", n)
    assert enc(c, "h") == (b"listpack" if n <= 512 else b"hashtable")
    for _ in range(20):
        assert c("HRANDFIELD", "h") in expected
    # positive count: distinct fields, at most the hash's size
    for count in (1, 2, n // 3, n // 2 + 1, n - 1, n, n + 10):
        got = c("HRANDFIELD", "h", str(count))
        assert len(got) == min(count, n)
        assert len(set(got)) == len(got)
        assert set(got) <= set(expected)
        flat = c("HRANDFIELD", "h", str(count), "WITHVALUES")
        assert len(flat) == 2 * min(count, n)
        got = pairs(flat)
        assert len(got) == min(count, n)
        assert all(expected[f] == v for f, v in got.items())
    # negative count: exactly |count| samples, repeats allowed
    got = c("HRANDFIELD", "h", "-50")
    assert len(got) == 50
    assert set(got) <= set(expected)
    if n == 5:
        assert len(set(got)) < 50
    flat = c("HRANDFIELD", "h", "-20", "WITHVALUES")
    assert len(flat) == 40
    assert all(expected[f] == v for f, v in zip(flat[0::2], flat[1::2]))


def test_hrandfield_all_fields_eventually(c):
    expected = fill(c, "h", 10)
    seen = set()
    for _ in range(200):
        seen.add(c("HRANDFIELD", "h"))
        seen.update(c("HRANDFIELD", "h", "-3"))
    assert seen == set(expected)


@pytest.mark.parametrize("n", [3, 600], ids=["listpack", "hashtable"])
def test_hrandfield_resp3_withvalues(r3, n):
    expected = {}
    for i in range(n):
        r3("HSET", "h", "f%d" % i, "v%d" % i)
        expected[b"f%d" % i] = b"v%d" % i
    for count in ("1", "2", "-5", str(n + 1)):
        got = r3("HRANDFIELD", "h", count, "WITHVALUES")
        want = abs(int(count)) if count.startswith("-") else min(int(count), n)
        assert len(got) == want
        for item in got:
            assert isinstance(item, list) and len(item) == 2
            assert expected[item[0]] == item[1]
    assert r3("HRANDFIELD", "h", "2") in ([k1, k2] for k1 in expected for k2 in expected)


def test_hrandfield_resp3_bytes(raw):
    out = raw(b"HELLO 3\r\nHSET h a 1\r\nHRANDFIELD h 1 WITHVALUES\r\n"
              b"HRANDFIELD h -2 WITHVALUES\r\nHRANDFIELD h\r\nHRANDFIELD nokey\r\n",
              terminator=b"_\r\n")
    assert out.endswith(b":1\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
                        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
                        b"$1\r\na\r\n_\r\n")


# ---------------------------------------------------------------- HSCAN


def test_hscan_listpack_returns_all(c):
    c("HSET", "h", "a", "1", "b", "2", "c", "3", "100", "200")
    assert c("HSCAN", "h", "0") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3", b"100", b"200"]]
    # a listpack hash ignores COUNT and the cursor
    assert c("HSCAN", "h", "0", "COUNT", "1") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3",
                                                        b"100", b"200"]]
    assert c("HSCAN", "h", "12345")[0] == b"0"
    assert c("HSCAN", "h", "0", "MATCH", "[ab]") == [b"0", [b"a", b"1", b"b", b"2"]]
    assert c("HSCAN", "h", "0", "MATCH", "1*") == [b"0", [b"100", b"200"]]
    assert c("HSCAN", "h", "0", "MATCH", "*", "COUNT", "5") == [b"0", [b"a", b"1", b"b", b"2",
                                                                      b"c", b"3", b"100", b"200"]]
    assert c("HSCAN", "h", "0", "match", "zz") == [b"0", []]


def test_hscan_missing_key_and_errors(c):
    assert c("HSCAN", "nokey", "0") == [b"0", []]
    # options are only parsed once the key exists, as in Redis
    assert c("HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]
    assert c("HSCAN", "nokey", "x") == E.INVALID_CURSOR
    c("HSET", "h", "a", "1")
    for cursor in ("x", "-", " 1", "1 ", "18446744073709551616", "1.5"):
        assert c("HSCAN", "h", cursor) == E.INVALID_CURSOR
    assert c("HSCAN", "h", "0", "COUNT", "0") == E.SYNTAX
    assert c("HSCAN", "h", "0", "COUNT", "-1") == E.SYNTAX
    assert c("HSCAN", "h", "0", "COUNT", "x") == E.NOT_INTEGER
    assert c("HSCAN", "h", "0", "COUNT") == E.SYNTAX
    assert c("HSCAN", "h", "0", "MATCH") == E.SYNTAX
    assert c("HSCAN", "h", "0", "TYPE", "string") == E.SYNTAX
    assert c("HSCAN", "h", "0", "FOO", "bar") == E.SYNTAX


def test_hscan_resp3_shape(r3):
    r3("HSET", "h", "a", "1")
    assert r3("HSCAN", "h", "0") == [b"0", [b"a", b"1"]]
    assert r3("HSCAN", "nokey", "0") == [b"0", []]


def scan_all(c, key, *opts):
    seen = {}
    cursor = b"0"
    calls = 0
    while True:
        cursor, items = c("HSCAN", key, cursor, *opts)
        assert len(items) % 2 == 0
        seen.update(pairs(items))
        calls += 1
        if cursor == b"0":
            return seen, calls


def test_hscan_large_hashtable_complete(c):
    expected = fill(c, "big", 10000)
    assert enc(c, "big") == b"hashtable"
    seen, calls = scan_all(c, "big", "COUNT", "100")
    assert seen == expected
    assert calls > 10
    seen, _ = scan_all(c, "big", "MATCH", "f99*", "COUNT", "500")
    assert seen == {k: v for k, v in expected.items() if k.startswith(b"f99")}
    # default COUNT: about 10 items (5 pairs) per call
    cursor, items = c("HSCAN", "big", "0")
    assert cursor != b"0"
    assert 2 <= len(items) <= 40


def test_hscan_while_growing(c):
    """Fields present for the whole scan are returned even when the table grows between
    calls."""
    base = fill(c, "h", 500)
    seen = {}
    cursor = b"0"
    i = 0
    while True:
        cursor, items = c("HSCAN", "h", cursor, "COUNT", "20")
        seen.update(pairs(items))
        c("HSET", "h", "new%d" % i, "x")
        i += 1
        if cursor == b"0":
            break
    assert set(base) <= set(seen)


# ---------------------------------------------------------------- encodings


def test_conversion_by_entries(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-entries", "4") == "OK"
    c("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    assert enc(c, "h") == b"listpack"
    assert c("HSET", "h", "a", "9") == 0
    assert enc(c, "h") == b"listpack"
    assert c("HSET", "h", "e", "5") == 1
    assert enc(c, "h") == b"hashtable"
    assert c("HGETALL", "h") != []
    assert pairs(c("HGETALL", "h")) == {b"a": b"9", b"b": b"2", b"c": b"3", b"d": b"4",
                                        b"e": b"5"}
    # never converts back
    assert c("HDEL", "h", "a", "b", "c", "d") == 4
    assert enc(c, "h") == b"hashtable"
    assert c("HGETALL", "h") == [b"e", b"5"]
    # one HSET that crosses the limit
    c("HSET", "h2", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6")
    assert enc(c, "h2") == b"hashtable"
    assert c("HLEN", "h2") == 6
    # HSETNX, HINCRBY, HINCRBYFLOAT add fields too
    for cmd in (["HSETNX", "h3", "%d", "v"], ["HINCRBY", "h4", "%d", "1"],
                ["HINCRBYFLOAT", "h5", "%d", "1.5"]):
        for i in range(5):
            c(*[a.replace("%d", str(i)) for a in cmd])
            assert enc(c, cmd[1]) == (b"listpack" if i < 4 else b"hashtable")


def test_conversion_entries_zero(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-entries", "0") == "OK"
    c("HSET", "h", "a", "1")
    assert enc(c, "h") == b"hashtable"
    assert c("HGET", "h", "a") == b"1"


def test_conversion_by_value_length(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-value", "8") == "OK"
    c("HSET", "f8", "x" * 8, "y" * 8)
    assert enc(c, "f8") == b"listpack"
    c("HSET", "f9", "x" * 9, "y")
    assert enc(c, "f9") == b"hashtable"
    c("HSET", "v9", "x", "y" * 9)
    assert enc(c, "v9") == b"hashtable"
    # an existing listpack converts when a long value overwrites a field
    c("HSET", "h", "a", "1")
    assert c("HSET", "h", "a", "123456789") == 0
    assert enc(c, "h") == b"hashtable"
    assert c("HGET", "h", "a") == b"123456789"
    # any long argument of a multi-field HSET converts, even a field already present
    c("HSET", "m", "a", "1", "b", "2")
    c("HSET", "m", "a", "1", "b", "123456789")
    assert enc(c, "m") == b"hashtable"


def test_conversion_hsetnx(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-value", "8") == "OK"
    c("HSET", "h", "a", "1")
    # the field exists: nothing is written and the encoding stays
    assert c("HSETNX", "h", "a", "123456789") == 0
    assert enc(c, "h") == b"listpack"
    assert c("HSETNX", "h", "b", "123456789") == 1
    assert enc(c, "h") == b"hashtable"
    assert c("HSETNX", "new", "123456789", "v") == 1
    assert enc(c, "new") == b"hashtable"


def test_conversion_hincrby_long_field(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-value", "8") == "OK"
    c("HSET", "h", "a", "1")
    assert c("HINCRBY", "h", "a", "99999999") == 100000000
    assert enc(c, "h") == b"hashtable"
    c("HSET", "h2", "a", "1")
    assert c("HINCRBY", "h2", "123456789", "1") == 1
    assert enc(c, "h2") == b"hashtable"
    c("HSET", "h3", "a", "1")
    assert c("HINCRBYFLOAT", "h3", "123456789", "1.5") == b"1.5"
    assert enc(c, "h3") == b"hashtable"


def test_conversion_hincrbyfloat_long_result(c):
    """The default limit is 64 bytes: a 71-digit HINCRBYFLOAT result converts."""
    c("HSET", "h", "a", "1")
    assert c("HINCRBYFLOAT", "h", "a", "1.25") == b"2.25"
    assert enc(c, "h") == b"listpack"
    assert c("HINCRBYFLOAT", "h", "a", "1e70") == (
        b"10000000000000000000222479489586148259025995410601157579323600873193472")
    assert enc(c, "h") == b"hashtable"


def test_conversion_value_zero_limit(c, small_limits):
    assert c("CONFIG", "SET", "hash-max-listpack-value", "0") == "OK"
    c("HSET", "h", "1", "2")
    assert enc(c, "h") == b"hashtable"


def test_hashtable_operations(c, small_limits):
    """Every command on the hashtable encoding."""
    assert c("CONFIG", "SET", "hash-max-listpack-entries", "1") == "OK"
    assert c("HSET", "h", "a", "1", "b", "2", "n", "10") == 3
    assert enc(c, "h") == b"hashtable"
    assert c("HSET", "h", "a", "x") == 0
    assert c("HSETNX", "h", "a", "y") == 0
    assert c("HSETNX", "h", "c", "3") == 1
    assert c("HGET", "h", "a") == b"x"
    assert c("HMGET", "h", "a", "zz", "c") == [b"x", None, b"3"]
    assert c("HLEN", "h") == 4
    assert c("HSTRLEN", "h", "n") == 2
    assert c("HEXISTS", "h", "c") == 1
    assert c("HINCRBY", "h", "n", "5") == 15
    assert c("HINCRBYFLOAT", "h", "n", "0.5") == b"15.5"
    assert c("HINCRBY", "h", "a", "1") == HASH_NOT_INTEGER
    assert sorted(c("HKEYS", "h")) == [b"a", b"b", b"c", b"n"]
    assert sorted(c("HVALS", "h")) == [b"15.5", b"2", b"3", b"x"]
    assert c("HDEL", "h", "a", "b", "zz") == 2
    assert pairs(c("HGETALL", "h")) == {b"c": b"3", b"n": b"15.5"}


# ---------------------------------------------------------------- keyspace integration


def test_many_hashes_across_shards(c):
    """Hashes on every shard: each keeps its own fields."""
    n = 200
    pipe = []
    for i in range(n):
        pipe.append(("HSET", "user:%d" % i, "id", str(i), "name", "n%d" % i))
    assert c.pipeline(pipe) == [2] * n
    replies = c.pipeline([("HGETALL", "user:%d" % i) for i in range(n)])
    for i, rep in enumerate(replies):
        assert rep == [b"id", str(i).encode(), b"name", b"n%d" % i]
    assert c("DBSIZE") == n
    assert c.pipeline([("HINCRBY", "user:%d" % i, "id", "1000") for i in range(n)]) == [
        1000 + i for i in range(n)]
    assert c("DEL", *["user:%d" % i for i in range(n)]) == n
    assert c("DBSIZE") == 0


def test_keyspace_commands_on_hashes(c):
    c("HSET", "{t}h", "a", "1", "b", "2")
    assert c("TYPE", "{t}h") == "hash"
    assert c("EXPIRE", "{t}h", "100") == 1
    assert 99 <= c("TTL", "{t}h") <= 100
    assert c("HSET", "{t}h", "c", "3") == 1
    assert 99 <= c("TTL", "{t}h") <= 100
    assert c("COPY", "{t}h", "{t}copy") == 1
    assert c("HSET", "{t}copy", "a", "changed") == 0
    assert c("HGET", "{t}h", "a") == b"1"
    assert c("RENAME", "{t}h", "other") == "OK"
    assert c("HGETALL", "other") == [b"a", b"1", b"b", b"2", b"c", b"3"]
    assert c("SCAN", "0", "TYPE", "hash", "COUNT", "1000")[1] in ([b"other", b"{t}copy"],
                                                                  [b"{t}copy", b"other"])
    assert c("HSET", "other", "a", "1") == 0
