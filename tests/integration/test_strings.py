"""String commands: GET/SET (all options), SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX,
MGET, MSET, MSETNX, APPEND, STRLEN, INCR family, INCRBYFLOAT, GETRANGE/SUBSTR,
SETRANGE, LCS, and WRONGTYPE on string commands."""

import time

import pytest

import shoal_errors as E


# ---------------------------------------------------------------- GET / SET basics


def test_get_set_redis_py(r):
    assert r.get("k") is None
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", b"\x00\xff\r\n") is True
    assert r.get("k") == b"\x00\xff\r\n"


def test_set_get_bytes(raw):
    assert raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
               b"*2\r\n$3\r\nGET\r\n$5\r\nnokey\r\n") == b"+OK\r\n$3\r\nv\r\n\r\n$-1\r\n"


def test_set_empty_and_large_values(c):
    assert c("SET", "e", "") == "OK"
    assert c("GET", "e") == b""
    assert c("STRLEN", "e") == 0
    big = bytes(range(256)) * 4096  # 1 MiB, every byte value
    assert c("SET", "big", big) == "OK"
    assert c("GET", "big") == big
    assert c("STRLEN", "big") == len(big)


def test_get_set_arity(c):
    assert c("GET") == E.arity("get")
    assert c("GET", "a", "b") == E.arity("get")
    assert c("SET", "a") == E.arity("set")
    assert c("SET") == E.arity("set")


# ---------------------------------------------------------------- SET options


def test_set_ex_px(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert 99 <= c("TTL", "a") <= 100
    assert c("SET", "a", "v", "PX", "100000") == "OK"
    assert 99000 <= c("PTTL", "a") <= 100000
    assert c("SET", "a", "v", "ex", "50") == "OK"
    assert 49 <= c("TTL", "a") <= 50


def test_set_exat_pxat(c):
    now = int(time.time())
    assert c("SET", "a", "v", "EXAT", str(now + 100)) == "OK"
    assert c("EXPIRETIME", "a") == now + 100
    assert c("SET", "a", "v", "PXAT", str((now + 100) * 1000 + 7)) == "OK"
    assert c("PEXPIRETIME", "a") == (now + 100) * 1000 + 7
    # absolute time in the past: key set then immediately expired
    assert c("SET", "b", "v", "EXAT", "1") == "OK"
    assert c("GET", "b") is None
    assert c("SET", "b", "v", "PXAT", "1") == "OK"
    assert c("EXISTS", "b") == 0


def test_set_nx_xx(c):
    assert c("SET", "a", "1", "XX") is None
    assert c("EXISTS", "a") == 0
    assert c("SET", "a", "1", "NX") == "OK"
    assert c("SET", "a", "2", "NX") is None
    assert c("GET", "a") == b"1"
    assert c("SET", "a", "3", "XX") == "OK"
    assert c("GET", "a") == b"3"


def test_set_nx_xx_bytes(raw):
    assert raw(b"SET a 1 XX\r\nSET a 1 NX\r\nSET a 2 NX\r\n") == b"$-1\r\n+OK\r\n$-1\r\n"


def test_set_keepttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("SET", "a", "v2", "KEEPTTL") == "OK"
    assert 99 <= c("TTL", "a") <= 100
    assert c("GET", "a") == b"v2"
    assert c("SET", "a", "v3") == "OK"
    assert c("TTL", "a") == -1
    assert c("SET", "new", "v", "KEEPTTL") == "OK"
    assert c("TTL", "new") == -1


def test_set_get_option(c):
    assert c("SET", "a", "1", "GET") is None
    assert c("GET", "a") == b"1"
    assert c("SET", "a", "2", "GET") == b"1"
    assert c("GET", "a") == b"2"
    # GET combined with NX / XX
    assert c("SET", "a", "3", "NX", "GET") == b"2"
    assert c("GET", "a") == b"2"
    assert c("SET", "a", "4", "XX", "GET") == b"2"
    assert c("GET", "a") == b"4"
    assert c("SET", "nokey", "x", "XX", "GET") is None
    assert c("EXISTS", "nokey") == 0
    assert c("SET", "b", "x", "GET", "NX") is None
    assert c("GET", "b") == b"x"
    # GET with expiry
    assert c("SET", "a", "5", "GET", "EX", "100") == b"4"
    assert 99 <= c("TTL", "a") <= 100
    assert c("SET", "a", "6", "KEEPTTL", "GET") == b"5"
    assert 99 <= c("TTL", "a") <= 100


def test_set_option_order_and_repeat(c):
    assert c("SET", "a", "v", "NX", "EX", "100") == "OK"
    assert 99 <= c("TTL", "a") <= 100
    assert c("SET", "a", "v", "EX", "100", "XX") == "OK"
    assert c("SET", "a", "v", "EX", "100", "EX", "200") == "OK"
    assert 199 <= c("TTL", "a") <= 200
    assert c("SET", "a", "v", "NX", "NX") is None
    assert c("SET", "a", "w", "XX", "XX") == "OK"
    assert c("GET", "a") == b"w"


SET_CONDS = [[], ["NX"], ["XX"]]
SET_EXPIRES = ["none", "EX", "PX", "EXAT", "PXAT", "KEEPTTL"]


@pytest.mark.parametrize("exists", [False, True], ids=["missing", "existing"])
@pytest.mark.parametrize("get", [False, True], ids=["noget", "get"])
@pytest.mark.parametrize("expire", SET_EXPIRES)
@pytest.mark.parametrize("cond", SET_CONDS, ids=["always", "NX", "XX"])
def test_set_option_matrix(c, exists, get, expire, cond):
    """Every combination of NX/XX x EX/PX/EXAT/PXAT/KEEPTTL x GET, on a missing key
    and on an existing key that has a 1000 s TTL."""
    if exists:
        assert c("SET", "k", "old", "EX", "1000") == "OK"
    now = int(time.time())
    exp_args = {
        "none": [],
        "EX": ["EX", "100"],
        "PX": ["PX", "100000"],
        "EXAT": ["EXAT", str(now + 100)],
        "PXAT": ["PXAT", str((now + 100) * 1000)],
        "KEEPTTL": ["KEEPTTL"],
    }[expire]
    args = ["SET", "k", "new"] + cond + exp_args + (["GET"] if get else [])
    will_set = not ((cond == ["NX"] and exists) or (cond == ["XX"] and not exists))
    reply = c(*args)
    if get:
        assert reply == (b"old" if exists else None)
    else:
        assert reply == ("OK" if will_set else None)
    if not will_set:
        if exists:
            assert c("GET", "k") == b"old"
            assert 998 <= c("TTL", "k") <= 1000
        else:
            assert c("EXISTS", "k") == 0
        return
    assert c("GET", "k") == b"new"
    ttl = c("TTL", "k")
    if expire == "none" or (expire == "KEEPTTL" and not exists):
        assert ttl == -1
    elif expire == "KEEPTTL":
        assert 998 <= ttl <= 1000
    else:
        assert 98 <= ttl <= 100


@pytest.mark.parametrize("opts", [
    ["EX", "10", "PX", "10000"],
    ["EX", "10", "EXAT", "99999999999"],
    ["PX", "10", "PXAT", "99999999999999"],
    ["EX", "10", "KEEPTTL"],
    ["KEEPTTL", "PX", "10"],
    ["NX", "XX"],
    ["XX", "NX"],
    ["FOO"],
    ["EX"],
    ["PX"],
    ["EXAT"],
    ["v2"],
    ["GET", "GETX"],
])
def test_set_syntax_errors(c, opts):
    assert c("SET", "a", "orig") == "OK"
    assert c("SET", "a", "v", *opts) == E.SYNTAX
    assert c("GET", "a") == b"orig"
    assert c("TTL", "a") == -1


@pytest.mark.parametrize("opts", [
    ["EX", "0"], ["EX", "-1"], ["PX", "0"], ["PX", "-100"],
    ["EXAT", "0"], ["PXAT", "0"], ["EXAT", "-5"],
    ["EX", "9223372036854775807"], ["PX", "9223372036854775807"],
])
def test_set_invalid_expire(c, opts):
    assert c("SET", "a", "v", *opts) == E.invalid_expire("set")
    assert c("EXISTS", "a") == 0


@pytest.mark.parametrize("opts", [["EX", "abc"], ["PX", "1.5"], ["EXAT", ""],
                                  ["EX", "99999999999999999999"]])
def test_set_expire_not_integer(c, opts):
    assert c("SET", "a", "v", *opts) == E.NOT_INTEGER


# ---------------------------------------------------------------- SETNX / SETEX / PSETEX


def test_setnx(c):
    assert c("SETNX", "a", "1") == 1
    assert c("SETNX", "a", "2") == 0
    assert c("GET", "a") == b"1"
    assert c("SETNX", "a") == E.arity("setnx")


def test_setex_psetex(c):
    assert c("SETEX", "a", "100", "v") == "OK"
    assert c("GET", "a") == b"v"
    assert 99 <= c("TTL", "a") <= 100
    assert c("PSETEX", "b", "100000", "w") == "OK"
    assert c("GET", "b") == b"w"
    assert 99000 <= c("PTTL", "b") <= 100000


def test_setex_errors(c):
    assert c("SETEX", "a", "0", "v") == E.invalid_expire("setex")
    assert c("SETEX", "a", "-5", "v") == E.invalid_expire("setex")
    assert c("PSETEX", "a", "0", "v") == E.invalid_expire("psetex")
    assert c("PSETEX", "a", "-1", "v") == E.invalid_expire("psetex")
    assert c("SETEX", "a", "abc", "v") == E.NOT_INTEGER
    assert c("SETEX", "a", "10") == E.arity("setex")
    assert c("PSETEX", "a", "10") == E.arity("psetex")
    assert c("EXISTS", "a") == 0


# ---------------------------------------------------------------- GETSET / GETDEL / GETEX


def test_getset(c):
    assert c("GETSET", "a", "1") is None
    assert c("GET", "a") == b"1"
    assert c("EXPIRE", "a", "100") == 1
    assert c("GETSET", "a", "2") == b"1"
    assert c("GET", "a") == b"2"
    assert c("TTL", "a") == -1
    assert c("GETSET", "a") == E.arity("getset")


def test_getdel(c):
    assert c("SET", "a", "v") == "OK"
    assert c("GETDEL", "a") == b"v"
    assert c("EXISTS", "a") == 0
    assert c("GETDEL", "a") is None
    assert c("GETDEL") == E.arity("getdel")


def test_getex(c):
    assert c("GETEX", "nokey") is None
    assert c("GETEX", "nokey", "EX", "100") is None
    assert c("EXISTS", "nokey") == 0
    assert c("SET", "a", "v") == "OK"
    assert c("GETEX", "a") == b"v"
    assert c("TTL", "a") == -1
    assert c("GETEX", "a", "EX", "100") == b"v"
    assert 99 <= c("TTL", "a") <= 100
    assert c("GETEX", "a", "PX", "50000") == b"v"
    assert 49000 <= c("PTTL", "a") <= 50000
    now = int(time.time())
    assert c("GETEX", "a", "EXAT", str(now + 200)) == b"v"
    assert c("EXPIRETIME", "a") == now + 200
    assert c("GETEX", "a", "PXAT", str((now + 300) * 1000 + 1)) == b"v"
    assert c("PEXPIRETIME", "a") == (now + 300) * 1000 + 1
    assert c("GETEX", "a", "PERSIST") == b"v"
    assert c("TTL", "a") == -1
    assert c("GETEX", "a", "EXAT", "1") == b"v"
    assert c("EXISTS", "a") == 0


def test_getex_errors(c):
    assert c("SET", "a", "v") == "OK"
    assert c("GETEX", "a", "EX", "0") == E.invalid_expire("getex")
    assert c("GETEX", "a", "PX", "-1") == E.invalid_expire("getex")
    assert c("GETEX", "a", "EXAT", "0") == E.invalid_expire("getex")
    assert c("GETEX", "a", "EX", "10", "PX", "10") == E.SYNTAX
    assert c("GETEX", "a", "PERSIST", "EX", "10") == E.SYNTAX
    assert c("GETEX", "a", "EX") == E.SYNTAX
    assert c("GETEX", "a", "FOO") == E.SYNTAX
    assert c("GETEX", "a", "EX", "abc") == E.NOT_INTEGER
    assert c("GETEX") == E.arity("getex")
    assert c("TTL", "a") == -1


# ---------------------------------------------------------------- MGET / MSET / MSETNX


def test_mget_mset(c):
    assert c("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c("MGET", "a", "b", "nokey", "c", "a") == [b"1", b"2", None, b"3", b"1"]
    assert c("MSET", "a", "x", "a", "y") == "OK"
    assert c("GET", "a") == b"y"
    assert c("MGET") == E.arity("mget")


def test_mset_clears_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("MSET", "a", "w") == "OK"
    assert c("TTL", "a") == -1


def test_mset_arity(c):
    assert c("MSET") == E.arity("mset")
    assert c("MSET", "a") == E.arity("mset")
    assert c("MSET", "a", "1", "b") == E.arity("mset")
    assert c("EXISTS", "a", "b") == 0


def test_mset_many_keys_redis_py(r):
    mapping = {"mk:%d" % i: "v%d" % i for i in range(500)}
    assert r.mset(mapping) is True
    keys = list(mapping)
    assert r.mget(keys) == [mapping[k].encode() for k in keys]
    assert r.dbsize() == 500


def test_msetnx(c):
    assert c("MSETNX", "a", "1", "b", "2") == 1
    assert c("MSETNX", "a", "x", "c", "3") == 0
    assert c("MGET", "a", "b", "c") == [b"1", b"2", None]
    assert c("MSETNX", "c", "3", "d", "4") == 1
    assert c("MSETNX", "e", "1", "e", "2") == 1
    assert c("GET", "e") == b"2"
    assert c("MSETNX", "a", "1", "b") == E.arity("msetnx")
    assert c("MSETNX") == E.arity("msetnx")


# ---------------------------------------------------------------- APPEND / STRLEN


def test_append_strlen(c):
    assert c("APPEND", "a", "hello") == 5
    assert c("APPEND", "a", " world") == 11
    assert c("GET", "a") == b"hello world"
    assert c("STRLEN", "a") == 11
    assert c("STRLEN", "nokey") == 0
    assert c("SET", "n", "123") == "OK"
    assert c("APPEND", "n", "4") == 4
    assert c("GET", "n") == b"1234"
    assert c("APPEND", "e", "") == 0
    assert c("EXISTS", "e") == 1
    assert c("APPEND", "a") == E.arity("append")
    assert c("STRLEN") == E.arity("strlen")


def test_append_keeps_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("APPEND", "a", "w") == 2
    assert 99 <= c("TTL", "a") <= 100


def test_strlen_int_encoded(c):
    assert c("SET", "n", "-12345") == "OK"
    assert c("STRLEN", "n") == 6


# ---------------------------------------------------------------- INCR family


def test_incr_decr(c):
    assert c("INCR", "n") == 1
    assert c("INCR", "n") == 2
    assert c("INCRBY", "n", "10") == 12
    assert c("DECR", "n") == 11
    assert c("DECRBY", "n", "20") == -9
    assert c("INCRBY", "n", "-1") == -10
    assert c("DECRBY", "n", "-10") == 0
    assert c("GET", "n") == b"0"
    assert c("DECR", "m") == -1


def test_incr_bytes(raw):
    assert raw(b"INCR n\r\nINCRBY n 41\r\nGET n\r\n") == b":1\r\n:42\r\n$2\r\n42\r\n"


def test_incr_keeps_ttl(c):
    assert c("SET", "n", "1", "EX", "100") == "OK"
    assert c("INCR", "n") == 2
    assert 99 <= c("TTL", "n") <= 100


def test_incr_overflow(c):
    assert c("SET", "n", "9223372036854775806") == "OK"
    assert c("INCR", "n") == 9223372036854775807
    assert c("INCR", "n") == E.OVERFLOW
    assert c("INCRBY", "n", "1") == E.OVERFLOW
    assert c("DECRBY", "n", "-1") == E.OVERFLOW
    assert c("GET", "n") == b"9223372036854775807"
    assert c("SET", "m", "-9223372036854775808") == "OK"
    assert c("DECR", "m") == E.OVERFLOW
    assert c("INCRBY", "m", "-1") == E.OVERFLOW
    assert c("GET", "m") == b"-9223372036854775808"
    assert c("DECRBY", "m", "-9223372036854775808") == E.DECR_OVERFLOW
    assert c("INCRBY", "x", "-9223372036854775808") == -9223372036854775808


@pytest.mark.parametrize("value", [b"abc", b" 1", b"1 ", b"01", b"+1", b"", b"1.5",
                                   b"12345678901234567890", b"0x10", b"1e3"])
def test_incr_not_integer(c, value):
    assert c("SET", "n", value) == "OK"
    assert c("INCR", "n") == E.NOT_INTEGER
    assert c("DECR", "n") == E.NOT_INTEGER
    assert c("INCRBY", "n", "1") == E.NOT_INTEGER
    assert c("GET", "n") == value


def test_incrby_bad_increment(c):
    assert c("INCRBY", "n", "abc") == E.NOT_INTEGER
    assert c("INCRBY", "n", "1.5") == E.NOT_INTEGER
    assert c("INCRBY", "n", "9223372036854775808") == E.NOT_INTEGER
    assert c("DECRBY", "n", "") == E.NOT_INTEGER
    assert c("EXISTS", "n") == 0
    assert c("INCR") == E.arity("incr")
    assert c("INCRBY", "n") == E.arity("incrby")
    assert c("DECRBY", "n") == E.arity("decrby")
    assert c("DECR", "n", "1") == E.arity("decr")


# ---------------------------------------------------------------- INCRBYFLOAT


@pytest.mark.parametrize("initial,incr,expected", [
    (None, b"10.5", b"10.5"),
    (b"10.5", b"1.5", b"12"),
    (b"10.50", b"0.1", b"10.6"),
    (None, b"3.0e3", b"3000"),
    (b"5.0e3", b"2.0e2", b"5200"),
    (b"3000", b"-3000", b"0"),
    (b"1", b"-1.5", b"-0.5"),
    (b"1e-5", b"0", b"0.00001"),
    (None, b"1e20", b"100000000000000000000"),
    (b"100000000000000000000", b"1e20", b"200000000000000000000"),
    (None, b"-0.0", b"0"),
    (b"7", b"3", b"10"),
    (None, b"2.5E1", b"25"),
])
def test_incrbyfloat(c, initial, incr, expected):
    if initial is not None:
        assert c("SET", "f", initial) == "OK"
    assert c("INCRBYFLOAT", "f", incr) == expected
    assert c("GET", "f") == expected


def test_incrbyfloat_keeps_ttl(c):
    assert c("SET", "f", "1.5", "EX", "100") == "OK"
    assert c("INCRBYFLOAT", "f", "1") == b"2.5"
    assert 99 <= c("TTL", "f") <= 100


def test_incrbyfloat_errors(c):
    assert c("SET", "f", "1.5") == "OK"
    assert c("INCRBYFLOAT", "f", "abc") == E.NOT_FLOAT
    assert c("INCRBYFLOAT", "f", "nan") == E.NOT_FLOAT
    assert c("INCRBYFLOAT", "f", "") == E.NOT_FLOAT
    assert c("INCRBYFLOAT", "f", " 1") == E.NOT_FLOAT
    assert c("INCRBYFLOAT", "f", "inf") == E.FLOAT_NAN_INF
    assert c("INCRBYFLOAT", "f", "-inf") == E.FLOAT_NAN_INF
    assert c("GET", "f") == b"1.5"
    assert c("SET", "s", "abc") == "OK"
    assert c("INCRBYFLOAT", "s", "1") == E.NOT_FLOAT
    assert c("SET", "s", "1.5.5") == "OK"
    assert c("INCRBYFLOAT", "s", "1") == E.NOT_FLOAT
    assert c("INCRBYFLOAT", "f") == E.arity("incrbyfloat")


def test_incrbyfloat_bytes(raw):
    # INCRBYFLOAT replies with a bulk string, in RESP2 and RESP3
    assert raw(b"INCRBYFLOAT f 1.5\r\n") == b"$3\r\n1.5\r\n"
    assert raw(b"HELLO 3\r\nINCRBYFLOAT f 1.5\r\n").endswith(b"*0\r\n$1\r\n3\r\n")


# ---------------------------------------------------------------- GETRANGE / SUBSTR


@pytest.mark.parametrize("cmd", ["GETRANGE", "SUBSTR"])
@pytest.mark.parametrize("start,end,expected", [
    (0, 3, b"This"),
    (-3, -1, b"ing"),
    (0, -1, b"This is a string"),
    (10, 100, b"string"),
    (5, 3, b""),
    (-1, -5, b""),
    (100, 200, b""),
    (-100, 2, b"Thi"),
    (15, 15, b"g"),
    (16, 16, b""),
    (-16, -16, b"T"),
    # Redis 7.0: both ends clamp to 0 when negative and out of range
    (-100, -50, b"T"),
])
def test_getrange(c, cmd, start, end, expected):
    assert c("SET", "s", "This is a string") == "OK"
    assert c(cmd, "s", str(start), str(end)) == expected


def test_getrange_edge_cases(c):
    assert c("GETRANGE", "nokey", "0", "-1") == b""
    assert c("SET", "e", "") == "OK"
    assert c("GETRANGE", "e", "0", "-1") == b""
    assert c("GETRANGE", "e", "0", "0") == b""
    assert c("SET", "n", "12345") == "OK"
    assert c("GETRANGE", "n", "1", "2") == b"23"
    assert c("GETRANGE", "n", "a", "1") == E.NOT_INTEGER
    assert c("GETRANGE", "n", "0") == E.arity("getrange")
    assert c("SUBSTR", "n", "0") == E.arity("substr")


# ---------------------------------------------------------------- SETRANGE


def test_setrange(c):
    assert c("SET", "s", "Hello World") == "OK"
    assert c("SETRANGE", "s", "6", "Redis") == 11
    assert c("GET", "s") == b"Hello Redis"
    assert c("SETRANGE", "s", "0", "J") == 11
    assert c("GET", "s") == b"Jello Redis"
    assert c("SETRANGE", "s", "11", "!") == 12
    assert c("GET", "s") == b"Jello Redis!"


def test_setrange_zero_padding(c):
    assert c("SETRANGE", "k", "5", "abc") == 8
    assert c("GET", "k") == b"\x00\x00\x00\x00\x00abc"
    assert c("SET", "s", "ab") == "OK"
    assert c("SETRANGE", "s", "4", "x") == 5
    assert c("GET", "s") == b"ab\x00\x00x"


def test_setrange_empty_value(c):
    assert c("SETRANGE", "k", "0", "") == 0
    assert c("EXISTS", "k") == 0
    assert c("SETRANGE", "k", "10", "") == 0
    assert c("EXISTS", "k") == 0
    assert c("SET", "s", "abc") == "OK"
    assert c("SETRANGE", "s", "100", "") == 3
    assert c("GET", "s") == b"abc"


def test_setrange_on_int(c):
    assert c("SET", "n", "1234") == "OK"
    assert c("SETRANGE", "n", "1", "x") == 4
    assert c("GET", "n") == b"1x34"


def test_setrange_errors(c):
    assert c("SET", "s", "abc") == "OK"
    assert c("SETRANGE", "s", "-1", "x") == E.OFFSET_OUT_OF_RANGE
    assert c("SETRANGE", "nokey", "-1", "") == E.OFFSET_OUT_OF_RANGE
    assert c("SETRANGE", "s", "536870912", "x") == E.STRING_TOO_LONG
    assert c("SETRANGE", "s", "536870911", "xx") == E.STRING_TOO_LONG
    assert c("SETRANGE", "s", "abc", "x") == E.NOT_INTEGER
    assert c("SETRANGE", "s", "1") == E.arity("setrange")
    assert c("GET", "s") == b"abc"


def test_setrange_keeps_ttl(c):
    assert c("SET", "s", "abc", "EX", "100") == "OK"
    assert c("SETRANGE", "s", "1", "X") == 3
    assert 99 <= c("TTL", "s") <= 100


# ---------------------------------------------------------------- LCS


@pytest.fixture
def lcs_keys(c):
    assert c("MSET", "a", "ohmytext", "b", "mynewtext", "x", "abcdef", "y", "xbcyef") == "OK"
    return c


def test_lcs(lcs_keys):
    c = lcs_keys
    assert c("LCS", "a", "b") == b"mytext"
    assert c("LCS", "a", "b", "LEN") == 6
    assert c("LCS", "x", "y") == b"bcef"
    assert c("LCS", "a", "nokey") == b""
    assert c("LCS", "nokey1", "nokey2") == b""
    assert c("LCS", "nokey1", "nokey2", "LEN") == 0
    assert c("LCS", "a", "a") == b"ohmytext"


def test_lcs_idx(lcs_keys):
    c = lcs_keys
    assert c("LCS", "a", "b", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert c("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == [
        b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    assert c("LCS", "a", "b", "IDX", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    assert c("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert c("LCS", "x", "y", "IDX", "WITHMATCHLEN") == [
        b"matches", [[[4, 5], [4, 5], 2], [[1, 2], [1, 2], 2]], b"len", 4]
    assert c("LCS", "a", "nokey", "IDX") == [b"matches", [], b"len", 0]


def test_lcs_idx_resp3_map(r3):
    assert r3("MSET", "a", "ohmytext", "b", "mynewtext") == "OK"
    assert r3("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == {
        b"matches": [[[4, 7], [5, 8]]], b"len": 6}


def test_lcs_errors(lcs_keys):
    c = lcs_keys
    assert c("LCS", "a", "b", "LEN", "IDX") == E.LCS_LEN_AND_IDX
    assert c("LCS", "a", "b", "FOO") == E.SYNTAX
    assert c("LCS", "a", "b", "MINMATCHLEN", "abc") == E.NOT_INTEGER
    assert c("LCS", "a") == E.arity("lcs")


# ---------------------------------------------------------------- WRONGTYPE


STRING_COMMANDS_ON_LIST = [
    ("GET", "l"),
    ("GETSET", "l", "x"),
    ("GETDEL", "l"),
    ("GETEX", "l"),
    ("GETEX", "l", "EX", "10"),
    ("SET", "l", "x", "GET"),
    ("APPEND", "l", "x"),
    ("STRLEN", "l"),
    ("INCR", "l"),
    ("DECR", "l"),
    ("INCRBY", "l", "2"),
    ("DECRBY", "l", "2"),
    ("INCRBYFLOAT", "l", "1.5"),
    ("GETRANGE", "l", "0", "1"),
    ("SUBSTR", "l", "0", "1"),
    ("SETRANGE", "l", "0", "x"),
    ("SETBIT", "l", "0", "1"),
    ("GETBIT", "l", "0"),
    ("BITCOUNT", "l"),
    ("BITPOS", "l", "1"),
    ("BITFIELD", "l", "GET", "u8", "0"),
    ("BITFIELD_RO", "l", "GET", "u8", "0"),
    ("BITOP", "AND", "dest", "s", "l"),
]


@pytest.mark.parametrize("cmd", STRING_COMMANDS_ON_LIST, ids=lambda t: " ".join(t))
def test_wrongtype(c, cmd):
    assert c("RPUSH", "l", "a", "b") == 2
    assert c("SET", "s", "abc") == "OK"
    assert c(*cmd) == E.WRONGTYPE
    assert c("TYPE", "l") == "list"
    assert c("EXISTS", "dest") == 0


def test_wrongtype_non_string_commands_accept_any_type(c):
    assert c("RPUSH", "l", "a") == 1
    assert c("MGET", "l", "nokey") == [None, None]
    assert c("SET", "l", "now a string") == "OK"
    assert c("TYPE", "l") == "string"
    assert c("RPUSH", "l2", "a") == 1
    assert c("MSET", "l2", "x") == "OK"
    assert c("GET", "l2") == b"x"
    assert c("RPUSH", "l3", "a") == 1
    assert c("SETNX", "l3", "x") == 0
    assert c("MSETNX", "l3", "x", "other", "y") == 0
    assert c("EXISTS", "other") == 0
    assert c("RPUSH", "l4", "a") == 1
    assert c("LCS", "l4", "l") == E.LCS_NOT_STRING


def test_wrongtype_bytes(raw):
    assert raw(b"RPUSH l a\r\nGET l\r\n") == (
        b":1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
