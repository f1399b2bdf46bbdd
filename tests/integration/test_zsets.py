"""Sorted-set commands: ZADD (NX/XX/GT/LT/CH/INCR), ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT,
ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZRANGE (BYSCORE/BYLEX/REV/LIMIT/WITHSCORES) and the older range
commands, ZRANGESTORE, ZREMRANGEBYRANK/SCORE/LEX, ZPOPMIN/ZPOPMAX/ZMPOP, BZPOPMIN/BZPOPMAX/BZMPOP
(immediate pops, argument errors, timeouts), ZRANDMEMBER, ZUNION/ZINTER/ZDIFF (+STORE),
ZINTERCARD and ZSCAN: replies in RESP2 and RESP3, every error path, score formatting, the
listpack/skiplist conversions at both thresholds, and multi-key commands with keys on different
shards and on one shard."""

import math

import pytest

import shoal_errors as E
from shoal_keys import key_slot
from shoal_resp import RawConn, encode_command


XX_NX = "ERR XX and NX options at the same time are not compatible"
GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
INCR_PAIR = "ERR INCR option supports a single increment-element pair"
NAN_RESULT = "ERR resulting score is not a number (NaN)"
MINMAX_FLOAT = "ERR min or max is not a float"
MINMAX_LEX = "ERR min or max not valid string range item"
LIMIT_RANK = ("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
              "BYLEX")
SCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
WEIGHT_FLOAT = "ERR weight value is not a float"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
NUMKEYS = "ERR numkeys should be greater than 0"
COUNT_POSITIVE = "ERR count should be greater than 0"
POSITIVE = "ERR value is out of range, must be positive"
RAND_RANGE = ("ERR value is out of range, value must between -9223372036854775807 and "
              "9223372036854775807")
RAND_WITHSCORES_RANGE = "ERR value is out of range"
TIMEOUT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"


def at_least_one(cmd):
    return "ERR at least 1 input key is needed for '%s' command" % cmd


# Keys on four different shards of a 4-shard server, and four keys sharing one shard.
SPREAD = ["a", "b", "c", "d"]
SAME = ["{t}a", "{t}b", "{t}c", "{t}d"]
assert len({key_slot(k) % 4 for k in SPREAD}) == 4
assert len({key_slot(k) % 4 for k in SAME}) == 1
LAYOUTS = pytest.mark.parametrize("keys", [SPREAD, SAME], ids=["shards", "oneshard"])


def enc(c, key):
    return c("OBJECT", "ENCODING", key).decode()


def pairs(flat):
    """[m1, s1, m2, s2 ...] (RESP2 WITHSCORES) -> [(m1, s1), ...]"""
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


@pytest.fixture
def limits(c):
    """Restores the zset listpack limits after a test changes them."""
    yield
    assert c("CONFIG", "SET", "zset-max-listpack-entries", "128") == "OK"
    assert c("CONFIG", "SET", "zset-max-listpack-value", "64") == "OK"


@pytest.fixture
def raw3(server, c):
    """raw3(*args) -> the exact bytes of one RESP3 reply (after HELLO 3)."""
    def call(*args):
        rc = RawConn(server.host, server.port)
        try:
            rc.send(encode_command(["HELLO", "3"]) + encode_command(["ECHO", "m@rk"]) +
                    encode_command(list(args)))
            out = rc.recv_until(idle=0.3, first=5.0)
        finally:
            rc.close()
        marker = b"$4\r\nm@rk\r\n"
        return out[out.index(marker) + len(marker):]
    return call


# ---------------------------------------------------------------- ZADD


def test_zadd_basic_and_update(c):
    assert c("ZADD", "z", "1", "a", "2", "b", "3", "c") == 3
    assert c("ZADD", "z", "1", "a", "5", "b") == 0
    assert c("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"1", b"c", b"3", b"b", b"5"]
    assert c("ZCARD", "z") == 3
    assert c("ZADD", "z", "1", "a", "1", "a") == 0
    assert c("ZADD", "z", "7", "x", "8", "x") == 1
    assert c("ZSCORE", "z", "x") == b"8"
    assert c("TYPE", "z") == "zset"


def test_zadd_options(c):
    c("ZADD", "z", "1", "a", "2", "b")
    assert c("ZADD", "z", "NX", "10", "a", "3", "c") == 1
    assert c("ZSCORE", "z", "a") == b"1"
    assert c("ZADD", "z", "XX", "10", "a", "4", "d") == 0
    assert c("ZSCORE", "z", "a") == b"10"
    assert c("ZSCORE", "z", "d") is None
    assert c("ZADD", "z", "XX", "CH", "11", "a", "2", "b", "9", "nope") == 1
    assert c("ZADD", "z", "CH", "11", "a", "20", "b", "1", "new") == 2
    assert c("ZADD", "z", "GT", "CH", "5", "a", "30", "b") == 1
    assert c("ZSCORE", "z", "a") == b"11"
    assert c("ZSCORE", "z", "b") == b"30"
    assert c("ZADD", "z", "LT", "CH", "5", "a", "40", "b", "6", "lt-new") == 2
    assert c("ZSCORE", "z", "a") == b"5"
    assert c("ZSCORE", "z", "b") == b"30"
    assert c("ZADD", "z", "GT", "XX", "CH", "100", "a", "1", "gone") == 1
    assert c("ZSCORE", "z", "gone") is None
    # GT/LT never stop new members; options are case-insensitive and may repeat
    assert c("ZADD", "z", "gt", "gt", "-5", "fresh") == 1
    assert c("ZADD", "nokey", "XX", "1", "a") == 0
    assert c("EXISTS", "nokey") == 0


def test_zadd_incr(c):
    assert c("ZADD", "z", "INCR", "1.5", "a") == b"1.5"
    assert c("ZADD", "z", "INCR", "2", "a") == b"3.5"
    assert c("ZADD", "z", "INCR", "NX", "1", "a") is None
    assert c("ZADD", "z", "INCR", "XX", "1", "nope") is None
    assert c("ZADD", "z", "INCR", "GT", "-1", "a") is None
    assert c("ZADD", "z", "INCR", "LT", "-1", "a") == b"2.5"
    assert c("ZADD", "z", "INCR", "0", "a") == b"2.5"
    assert c("ZADD", "nokey", "XX", "INCR", "1", "a") is None
    assert c("EXISTS", "nokey") == 0
    assert c("ZADD", "z", "INCR", "inf", "a") == b"inf"
    assert c("ZADD", "z", "INCR", "-inf", "a") == NAN_RESULT
    assert c("ZSCORE", "z", "a") == b"inf"
    assert c("ZINCRBY", "z", "-inf", "a") == NAN_RESULT


def test_zadd_errors(c):
    c("SET", "str", "v")
    assert c("ZADD", "z") == E.arity("zadd")
    assert c("ZADD", "z", "1") == E.arity("zadd")
    assert c("ZADD", "z", "NX") == E.arity("zadd")
    assert c("ZADD", "z", "1", "a", "2") == E.SYNTAX
    assert c("ZADD", "z", "CH", "1") == E.SYNTAX
    assert c("ZADD", "z", "NX", "XX", "1", "a") == XX_NX
    assert c("ZADD", "z", "NX", "XX", "1", "a", "2") == E.SYNTAX  # parity is checked first
    assert c("ZADD", "z", "GT", "LT", "1", "a") == GT_LT_NX
    assert c("ZADD", "z", "NX", "GT", "1", "a") == GT_LT_NX
    assert c("ZADD", "z", "NX", "LT", "1", "a") == GT_LT_NX
    assert c("ZADD", "z", "INCR", "1", "a", "2", "b") == INCR_PAIR
    assert c("ZADD", "z", "x", "a") == E.NOT_FLOAT
    assert c("ZADD", "z", "nan", "a") == E.NOT_FLOAT
    assert c("ZADD", "z", "1", "a", "bad", "b") == E.NOT_FLOAT
    assert c("ZADD", "z", " 1", "a") == E.NOT_FLOAT
    assert c("ZADD", "z", "1e400", "a") == E.NOT_FLOAT
    assert c("EXISTS", "z") == 0  # nothing was added by the failed calls
    assert c("ZADD", "str", "x", "a") == E.NOT_FLOAT  # scores are checked before the type
    assert c("ZADD", "str", "1", "a") == E.WRONGTYPE
    assert c("ZADD", "z", "+1", "a", "0x10", "b", "-inf", "c", "1e3", "d") == 4
    assert c("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"c", b"-inf", b"a", b"1", b"b", b"16",
                                                        b"d", b"1000"]


def test_zincrby(c):
    assert c("ZINCRBY", "z", "2", "a") == b"2"
    assert c("ZINCRBY", "z", "-0.5", "a") == b"1.5"
    assert c("ZINCRBY", "z", "x", "a") == E.NOT_FLOAT
    assert c("ZINCRBY", "z", "nan", "a") == E.NOT_FLOAT
    assert c("ZINCRBY", "z", "1") == E.arity("zincrby")
    # ZINCRBY reads ZADD's option words too
    assert c("ZINCRBY", "z", "nx", "a") == E.SYNTAX
    assert c("ZINCRBY", "z", "incr", "a") == E.SYNTAX
    assert c("ZINCRBY", "z", "1", "nx") == b"1"
    assert c("ZSCORE", "z", "nx") == b"1"
    c("SET", "str", "v")
    assert c("ZINCRBY", "str", "1", "a") == E.WRONGTYPE


# ---------------------------------------------------------------- score formatting


def test_score_formatting(c):
    c("ZADD", "z", "0.1", "a", "1e300", "b", "inf", "c", "-inf", "d", "1e17", "e",
      "4611686018427387904", "f", "-1.5e-7", "g", "123456789012345678901", "h")
    assert c("ZINCRBY", "z", "0.2", "a") == b"0.30000000000000004"
    assert c("ZSCORE", "z", "a") == b"0.30000000000000004"
    assert c("ZMSCORE", "z", "b", "c", "d", "e", "f", "g", "h") == [
        b"1.0000000000000001e+300", b"inf", b"-inf", b"1e+17", b"4.6116860184273879e+18",
        b"-1.4999999999999999e-07", b"1.2345678901234568e+20"]


def test_negative_zero(c, limits):
    # A listpack keeps integral scores as integers (losing the sign of -0); a skiplist keeps it.
    assert c("ZADD", "lp", "-0", "a") == 1
    assert c("ZSCORE", "lp", "a") == b"0"
    assert c("ZADD", "lp", "INCR", "-0", "b") == b"-0"
    assert c("ZSCORE", "lp", "b") == b"0"
    assert c("CONFIG", "SET", "zset-max-listpack-entries", "0") == "OK"
    assert c("ZADD", "sl", "-0", "a") == 1
    assert enc(c, "sl") == "skiplist"
    assert c("ZSCORE", "sl", "a") == b"-0"
    assert c("ZRANGE", "sl", "0", "-1", "WITHSCORES") == [b"a", b"-0"]
    assert c("ZADD", "sl", "0", "a") == 0  # 0 == -0: not an update
    assert c("ZSCORE", "sl", "a") == b"-0"


def test_scan_score_text(c, limits):
    # ZSCAN shows a listpack's stored form (integers up to 2^62) and a skiplist's %.17g.
    args = ["1e17", "e", "4611686018427387904", "f", "0.1", "a", "inf", "i", "5", "n"]
    c("ZADD", "lp", *args)
    cur, items = c("ZSCAN", "lp", "0")
    assert cur == b"0"
    assert pairs(items) == [(b"a", b"0.10000000000000001"), (b"n", b"5"),
                            (b"e", b"100000000000000000"), (b"f", b"4611686018427387904"),
                            (b"i", b"inf")]
    c("CONFIG", "SET", "zset-max-listpack-entries", "0")
    c("ZADD", "sl", *args)
    got = {}
    cur = b"0"
    while True:
        cur, items = c("ZSCAN", "sl", cur)
        got.update(pairs(items))
        if cur == b"0":
            break
    assert got == {b"n": b"5", b"a": b"0.10000000000000001", b"e": b"1e+17",
                   b"f": b"4.6116860184273879e+18", b"i": b"inf"}


def test_resp3_doubles_exact(c, raw3):
    c("ZADD", "z", "0.1", "a", "inf", "b", "-inf", "c", "3", "d")
    assert raw3("ZSCORE", "z", "a") == b",0.10000000000000001\r\n"
    assert raw3("ZSCORE", "z", "b") == b",inf\r\n"
    assert raw3("ZSCORE", "z", "c") == b",-inf\r\n"
    assert raw3("ZMSCORE", "z", "d", "nope") == b"*2\r\n,3\r\n_\r\n"
    assert raw3("ZRANGE", "z", "0", "0", "WITHSCORES") == b"*1\r\n*2\r\n$1\r\nc\r\n,-inf\r\n"
    assert raw3("ZSCORE", "z", "nope") == b"_\r\n"
    assert raw3("ZINCRBY", "z", "1", "d") == b",4\r\n"


# ---------------------------------------------------------------- ZREM / ZCARD / ZSCORE / ZRANK


def test_zrem_and_delete_when_empty(c):
    c("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert c("ZREM", "z", "a", "x", "a") == 1
    assert c("ZCARD", "z") == 2
    assert c("ZREM", "z", "b", "c", "d") == 2
    assert c("EXISTS", "z") == 0
    assert c("ZREM", "z", "a") == 0
    c("SET", "str", "v")
    assert c("ZREM", "str", "a") == E.WRONGTYPE
    assert c("ZREM", "z") == E.arity("zrem")


def test_zcard_zscore_zmscore(c):
    c("ZADD", "z", "1", "a", "2.5", "b")
    c("SET", "str", "v")
    assert c("ZCARD", "z") == 2
    assert c("ZCARD", "nokey") == 0
    assert c("ZCARD", "str") == E.WRONGTYPE
    assert c("ZSCORE", "z", "b") == b"2.5"
    assert c("ZSCORE", "z", "x") is None
    assert c("ZSCORE", "nokey", "x") is None
    assert c("ZSCORE", "str", "x") == E.WRONGTYPE
    assert c("ZMSCORE", "z", "a", "x", "b") == [b"1", None, b"2.5"]
    assert c("ZMSCORE", "nokey", "a", "b") == [None, None]
    assert c("ZMSCORE", "str", "a") == E.WRONGTYPE
    assert c("ZMSCORE", "z") == E.arity("zmscore")


def test_zrank_zrevrank(c):
    c("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d")
    c("SET", "str", "v")
    assert [c("ZRANK", "z", m) for m in ("a", "b", "c", "d")] == [0, 1, 2, 3]
    assert [c("ZREVRANK", "z", m) for m in ("a", "b", "c", "d")] == [3, 2, 1, 0]
    assert c("ZRANK", "z", "x") is None
    assert c("ZRANK", "nokey", "x") is None
    assert c("ZREVRANK", "nokey", "x") is None
    assert c("ZRANK", "str", "x") == E.WRONGTYPE
    assert c("ZRANK", "z", "a", "WITHSCORE") == E.arity("zrank")


# ---------------------------------------------------------------- ZCOUNT / ZLEXCOUNT


def test_zcount(c):
    c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "inf", "e")
    assert c("ZCOUNT", "z", "-inf", "+inf") == 5
    assert c("ZCOUNT", "z", "2", "3") == 2
    assert c("ZCOUNT", "z", "(2", "3") == 1
    assert c("ZCOUNT", "z", "(2", "(3") == 0
    assert c("ZCOUNT", "z", "3", "2") == 0
    assert c("ZCOUNT", "z", "(inf", "inf") == 0
    assert c("ZCOUNT", "z", "inf", "inf") == 1
    assert c("ZCOUNT", "z", "0x1", "0x2") == 2  # strtod takes hex
    assert c("ZCOUNT", "z", " 1", "2") == 2  # and leading spaces
    assert c("ZCOUNT", "z", "", "1") == 1  # and an empty string (0)
    assert c("ZCOUNT", "z", "(", "1") == 1
    assert c("ZCOUNT", "z", "x", "1") == MINMAX_FLOAT
    assert c("ZCOUNT", "z", "1", "nan") == MINMAX_FLOAT
    assert c("ZCOUNT", "z", "1 ", "2") == MINMAX_FLOAT
    assert c("ZCOUNT", "nokey", "x", "1") == MINMAX_FLOAT
    assert c("ZCOUNT", "nokey", "0", "1") == 0
    c("SET", "str", "v")
    assert c("ZCOUNT", "str", "0", "1") == E.WRONGTYPE


def test_zlexcount(c):
    c("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
    assert c("ZLEXCOUNT", "z", "-", "+") == 5
    assert c("ZLEXCOUNT", "z", "[b", "[d") == 3
    assert c("ZLEXCOUNT", "z", "(b", "(d") == 1
    assert c("ZLEXCOUNT", "z", "+", "-") == 0
    assert c("ZLEXCOUNT", "z", "[d", "[b") == 0
    assert c("ZLEXCOUNT", "z", "[", "+") == 5  # "[" alone is the empty string
    assert c("ZLEXCOUNT", "z", "a", "+") == MINMAX_LEX
    assert c("ZLEXCOUNT", "z", "-x", "+") == MINMAX_LEX
    assert c("ZLEXCOUNT", "z", "", "+") == MINMAX_LEX
    assert c("ZLEXCOUNT", "nokey", "-", "+") == 0
    c("SET", "str", "v")
    assert c("ZLEXCOUNT", "str", "-", "+") == E.WRONGTYPE


# ---------------------------------------------------------------- ZRANGE family


@pytest.fixture
def five(c):
    c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    c("SET", "str", "v")
    return c


def test_zrange_by_rank(five):
    c = five
    assert c("ZRANGE", "z", "0", "-1") == [b"a", b"b", b"c", b"d", b"e"]
    assert c("ZRANGE", "z", "1", "2", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert c("ZRANGE", "z", "-2", "100") == [b"d", b"e"]
    assert c("ZRANGE", "z", "-100", "0") == [b"a"]
    assert c("ZRANGE", "z", "3", "1") == []
    assert c("ZRANGE", "z", "5", "10") == []
    assert c("ZRANGE", "z", "0", "1", "REV") == [b"e", b"d"]
    assert c("ZRANGE", "z", "0", "1", "rev", "withscores", "withscores") == [b"e", b"5", b"d",
                                                                              b"4"]
    assert c("ZREVRANGE", "z", "0", "1", "WITHSCORES") == [b"e", b"5", b"d", b"4"]
    assert c("ZREVRANGE", "z", "-1", "-1") == [b"a"]
    assert c("ZRANGE", "nokey", "0", "-1") == []
    assert c("ZRANGE", "str", "0", "-1") == E.WRONGTYPE


def test_zrange_by_score(five):
    c = five
    assert c("ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
    assert c("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2") == [b"b", b"c"]
    assert c("ZRANGE", "z", "5", "(1", "BYSCORE", "REV", "WITHSCORES") == [b"e", b"5", b"d", b"4",
                                                                           b"c", b"3", b"b", b"2"]
    assert c("ZRANGE", "z", "5", "1", "BYSCORE", "REV", "LIMIT", "1", "2") == [b"d", b"c"]
    assert c("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "0", "-1") == [b"a", b"b", b"c", b"d",
                                                                          b"e"]
    assert c("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "-1", "2") == []
    assert c("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "0", "0") == []
    assert c("ZRANGE", "z", "0", "10", "BYSCORE", "LIMIT", "10", "5") == []
    assert c("ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "1", "1") == [b"c", b"3"]
    assert c("ZRANGEBYSCORE", "z", "(4", "+inf") == [b"e"]
    assert c("ZRANGEBYSCORE", "z", "inf", "-inf") == []
    assert c("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "1") == [b"d"]
    assert c("ZREVRANGEBYSCORE", "z", "4", "(2", "WITHSCORES") == [b"d", b"4", b"c", b"3"]
    assert c("ZRANGEBYSCORE", "z", "1e500", "inf") == []
    assert c("ZRANGEBYSCORE", "nokey", "0", "1") == []
    assert c("ZRANGEBYSCORE", "str", "0", "1") == E.WRONGTYPE


def test_zrange_by_lex(c):
    c("ZADD", "z", "0", "a", "0", "aa", "0", "b", "0", "c", "0", "d")
    assert c("ZRANGE", "z", "-", "+", "BYLEX") == [b"a", b"aa", b"b", b"c", b"d"]
    assert c("ZRANGE", "z", "[aa", "(c", "BYLEX") == [b"aa", b"b"]
    assert c("ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "1", "2") == [b"c", b"b"]
    assert c("ZRANGEBYLEX", "z", "(a", "[b", "LIMIT", "0", "1") == [b"aa"]
    assert c("ZRANGEBYLEX", "z", "+", "-") == []
    assert c("ZRANGEBYLEX", "z", "[", "+") == [b"a", b"aa", b"b", b"c", b"d"]
    assert c("ZREVRANGEBYLEX", "z", "[c", "-") == [b"c", b"b", b"aa", b"a"]
    assert c("ZREVRANGEBYLEX", "z", "+", "(b", "LIMIT", "0", "5") == [b"d", b"c"]
    assert c("ZRANGEBYLEX", "nokey", "-", "+") == []


def test_zrange_errors(five):
    c = five
    assert c("ZRANGE", "z", "0") == E.arity("zrange")
    assert c("ZRANGE", "z", "a", "b") == E.NOT_INTEGER
    assert c("ZRANGE", "nokey", "a", "b") == E.NOT_INTEGER
    assert c("ZRANGE", "z", "0", "-1", "foo") == E.SYNTAX
    assert c("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1") == LIMIT_RANK
    assert c("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1") == [b"a", b"b", b"c", b"d", b"e"]
    assert c("ZRANGE", "z", "0", "-1", "LIMIT", "0") == E.SYNTAX
    assert c("ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1") == E.NOT_INTEGER
    assert c("ZRANGE", "z", "x", "3", "BYSCORE") == MINMAX_FLOAT
    assert c("ZRANGE", "z", "1", "nan", "BYSCORE") == MINMAX_FLOAT
    assert c("ZRANGE", "z", "[a", "x", "BYLEX") == MINMAX_LEX
    assert c("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == SCORES_LEX
    assert c("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX") == E.SYNTAX
    assert c("ZRANGE", "z", "0", "1", "REV", "REV") == E.SYNTAX
    assert c("ZRANGEBYSCORE", "z", "0", "1", "REV") == E.SYNTAX
    assert c("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE") == E.SYNTAX
    assert c("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "0") == E.SYNTAX
    assert c("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == SCORES_LEX
    assert c("ZREVRANGE", "z", "0", "1", "foo") == E.SYNTAX
    assert c("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1") == LIMIT_RANK
    assert c("ZREVRANGEBYLEX", "z", "-", "+", "BYSCORE") == E.SYNTAX


def test_zrange_resp3(r3):
    r3("ZADD", "z", "1", "a", "2.5", "b")
    assert r3("ZRANGE", "z", "0", "-1", "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
    assert r3("ZRANGE", "z", "0", "-1") == [b"a", b"b"]
    assert r3("ZRANGEBYSCORE", "z", "-inf", "inf", "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
    assert r3("ZREVRANGE", "z", "0", "0", "WITHSCORES") == [[b"b", 2.5]]
    assert r3("ZSCORE", "z", "b") == 2.5
    assert r3("ZMSCORE", "z", "a", "x") == [1.0, None]
    assert r3("ZINCRBY", "z", "1", "a") == 2.0
    assert r3("ZADD", "z", "INCR", "XX", "1", "nope") is None
    assert r3("ZRANK", "z", "nope") is None
    assert r3("ZRANGE", "nokey", "0", "-1") == []


# ---------------------------------------------------------------- ZRANGESTORE


@LAYOUTS
def test_zrangestore(c, keys):
    src, dst = keys[0], keys[1]
    c("ZADD", src, "1", "a", "2", "b", "3", "c", "4", "d")
    assert c("ZRANGESTORE", dst, src, "1", "2") == 2
    assert c("ZRANGE", dst, "0", "-1", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert c("ZRANGESTORE", dst, src, "4", "(1", "BYSCORE", "REV", "LIMIT", "0", "2") == 2
    assert c("ZRANGE", dst, "0", "-1", "WITHSCORES") == [b"c", b"3", b"d", b"4"]
    assert c("ZRANGESTORE", dst, src, "[b", "+", "BYLEX") == 3
    assert c("ZRANGE", dst, "0", "-1") == [b"b", b"c", b"d"]
    # An empty result deletes the destination; a missing source stores nothing.
    c("EXPIRE", dst, "100")
    assert c("ZRANGESTORE", dst, src, "10", "20") == 0
    assert c("EXISTS", dst) == 0
    c("SET", dst, "x")
    assert c("ZRANGESTORE", dst, "nokey{%s}" % src, "0", "-1") == 0
    assert c("EXISTS", dst) == 0
    # The destination is replaced whatever it held, TTL included.
    c("SET", dst, "x", "EX", "100")
    assert c("ZRANGESTORE", dst, src, "0", "0") == 1
    assert c("TYPE", dst) == "zset"
    assert c("TTL", dst) == -1
    assert c("ZRANGESTORE", src, src, "0", "1") == 2
    assert c("ZRANGE", src, "0", "-1") == [b"a", b"b"]


def test_zrangestore_errors(c):
    c("ZADD", "z", "1", "a")
    c("SET", "str", "v")
    assert c("ZRANGESTORE", "d", "z", "0") == E.arity("zrangestore")
    assert c("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES") == E.SYNTAX
    assert c("ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1") == LIMIT_RANK
    assert c("ZRANGESTORE", "d", "z", "x", "1") == E.NOT_INTEGER
    assert c("ZRANGESTORE", "d", "z", "x", "1", "BYSCORE") == MINMAX_FLOAT
    c("ZADD", "d", "5", "keep")
    assert c("ZRANGESTORE", "d", "str", "0", "-1") == E.WRONGTYPE
    assert c("ZRANGE", "d", "0", "-1") == [b"keep"]


def test_zrangestore_encoding(c, limits):
    c("CONFIG", "SET", "zset-max-listpack-entries", "4")
    c("ZADD", "big", *[x for i in range(6) for x in (str(i), "m%d" % i)])
    assert enc(c, "big") == "skiplist"
    assert c("ZRANGESTORE", "d", "big", "0", "3") == 4
    assert enc(c, "d") == "listpack"
    assert c("ZRANGESTORE", "d", "big", "0", "4") == 5
    assert enc(c, "d") == "skiplist"
    assert c("ZRANGESTORE", "d", "big", "0", "3", "BYSCORE") == 4
    assert enc(c, "d") == "listpack"
    c("ZADD", "long", "1", "x" * 65)
    assert c("ZRANGESTORE", "d", "long", "0", "-1") == 1
    assert enc(c, "d") == "skiplist"


# ---------------------------------------------------------------- ZREMRANGEBY*


def test_zremrangebyrank(five):
    c = five
    assert c("ZREMRANGEBYRANK", "z", "1", "2") == 2
    assert c("ZRANGE", "z", "0", "-1") == [b"a", b"d", b"e"]
    assert c("ZREMRANGEBYRANK", "z", "-1", "-1") == 1
    assert c("ZREMRANGEBYRANK", "z", "5", "10") == 0
    assert c("ZREMRANGEBYRANK", "z", "1", "0") == 0
    assert c("ZREMRANGEBYRANK", "z", "0", "100") == 2
    assert c("EXISTS", "z") == 0
    assert c("ZREMRANGEBYRANK", "z", "x", "1") == E.NOT_INTEGER
    assert c("ZREMRANGEBYRANK", "nokey", "0", "1") == 0
    assert c("ZREMRANGEBYRANK", "str", "0", "1") == E.WRONGTYPE


def test_zremrangebyscore(five):
    c = five
    assert c("ZREMRANGEBYSCORE", "z", "(1", "3") == 2
    assert c("ZRANGE", "z", "0", "-1") == [b"a", b"d", b"e"]
    assert c("ZREMRANGEBYSCORE", "z", "5", "1") == 0
    assert c("ZREMRANGEBYSCORE", "z", "(5", "inf") == 0
    assert c("ZREMRANGEBYSCORE", "z", "-inf", "inf") == 3
    assert c("EXISTS", "z") == 0
    assert c("ZREMRANGEBYSCORE", "z", "x", "1") == MINMAX_FLOAT
    assert c("ZREMRANGEBYSCORE", "str", "0", "1") == E.WRONGTYPE


def test_zremrangebylex(c):
    c("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d")
    assert c("ZREMRANGEBYLEX", "z", "(a", "[c") == 2
    assert c("ZRANGE", "z", "0", "-1") == [b"a", b"d"]
    assert c("ZREMRANGEBYLEX", "z", "+", "-") == 0
    assert c("ZREMRANGEBYLEX", "z", "-", "+") == 2
    assert c("EXISTS", "z") == 0
    assert c("ZREMRANGEBYLEX", "z", "a", "+") == MINMAX_LEX
    assert c("ZREMRANGEBYLEX", "nokey", "-", "+") == 0
    c("SET", "str", "v")
    assert c("ZREMRANGEBYLEX", "str", "-", "+") == E.WRONGTYPE


# ---------------------------------------------------------------- pops


def test_zpopmin_zpopmax(five):
    c = five
    assert c("ZPOPMIN", "z") == [b"a", b"1"]
    assert c("ZPOPMAX", "z") == [b"e", b"5"]
    assert c("ZPOPMIN", "z", "2") == [b"b", b"2", b"c", b"3"]
    assert c("ZPOPMIN", "z", "0") == []
    assert c("ZPOPMAX", "z", "10") == [b"d", b"4"]
    assert c("EXISTS", "z") == 0
    assert c("ZPOPMIN", "z") == []
    assert c("ZPOPMIN", "z", "0") == []
    assert c("ZPOPMIN", "z", "-1") == POSITIVE
    assert c("ZPOPMIN", "z", "x") == POSITIVE
    assert c("ZPOPMIN", "z", "1", "2") == E.SYNTAX
    assert c("ZPOPMAX", "str", "0") == E.WRONGTYPE
    assert c("ZPOPMIN", "str") == E.WRONGTYPE


def test_zpop_resp3(r3):
    r3("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert r3("ZPOPMIN", "z") == [b"a", 1.0]
    assert r3("ZPOPMIN", "z", "1") == [[b"b", 2.0]]
    assert r3("ZPOPMAX", "z", "5") == [[b"c", 3.0]]
    assert r3("ZPOPMAX", "z") == []


@LAYOUTS
def test_zmpop(c, keys):
    k1, k2, k3, _ = keys
    c("ZADD", k2, "1", "a", "2", "b", "3", "c")
    c("ZADD", k3, "9", "z")
    assert c("ZMPOP", "3", k1, k2, k3, "MIN") == [k2.encode(), [[b"a", b"1"]]]
    assert c("ZMPOP", "3", k1, k2, k3, "MAX", "COUNT", "5") == [k2.encode(),
                                                               [[b"c", b"3"], [b"b", b"2"]]]
    assert c("EXISTS", k2) == 0
    assert c("ZMPOP", "2", k1, k2, "MIN") is None
    assert c("ZMPOP", "3", k1, k2, k3, "min", "count", "1") == [k3.encode(), [[b"z", b"9"]]]
    # The first existing key decides, even when a later one holds a sorted set.
    c("SET", k1, "v")
    c("ZADD", k2, "1", "a")
    assert c("ZMPOP", "2", k1, k2, "MIN") == E.WRONGTYPE
    assert c("ZCARD", k2) == 1


def test_zmpop_errors(c):
    c("ZADD", "z", "1", "a")
    for n in ("0", "x", "-1"):
        assert c("ZMPOP", n, "z", "MIN") == NUMKEYS
    assert c("ZMPOP", "2", "z", "MIN") == E.SYNTAX
    assert c("ZMPOP", "1", "z", "foo") == E.SYNTAX
    assert c("ZMPOP", "1", "z", "MIN", "COUNT", "0") == COUNT_POSITIVE
    assert c("ZMPOP", "1", "z", "MIN", "COUNT", "x") == COUNT_POSITIVE
    assert c("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1") == E.SYNTAX
    assert c("ZMPOP", "1", "z", "MIN", "COUNT") == E.SYNTAX
    assert c("ZMPOP", "1", "z", "MIN", "foo") == E.SYNTAX
    assert c("ZMPOP", "1", "z") == E.arity("zmpop")
    assert c("ZCARD", "z") == 1


def test_zmpop_resp3(r3):
    r3("ZADD", "z", "1", "a", "2", "b")
    assert r3("ZMPOP", "1", "z", "MAX", "COUNT", "2") == [b"z", [[b"b", 2.0], [b"a", 1.0]]]
    assert r3("ZMPOP", "1", "z", "MAX") is None


@LAYOUTS
def test_bzpop_immediate(c, keys):
    k1, k2, k3, _ = keys
    c("ZADD", k2, "1", "a", "2", "b", "3", "c")
    assert c("BZPOPMIN", k1, k2, "0") == [k2.encode(), b"a", b"1"]
    assert c("BZPOPMAX", k1, k2, k3, "0") == [k2.encode(), b"c", b"3"]
    assert c("BZMPOP", "0", "2", k1, k2, "MAX", "COUNT", "3") == [k2.encode(), [[b"b", b"2"]]]
    assert c("EXISTS", k2) == 0
    c("SET", k1, "v")
    c("ZADD", k3, "1", "x")
    assert c("BZPOPMIN", k1, k3, "0") == E.WRONGTYPE
    assert c("BZMPOP", "0", "2", k1, k3, "MIN") == E.WRONGTYPE
    assert c("ZCARD", k3) == 1


def test_bzpop_timeout(c, r3):
    assert c("BZPOPMIN", "nokey", "nokey2", "0.05") is None
    assert c("BZPOPMAX", "nokey", "0.05") is None
    assert c("BZMPOP", "0.05", "1", "nokey", "MIN") is None
    assert r3("BZPOPMIN", "nokey", "0.05") is None


def test_bzpop_timeout_bytes(raw):
    assert raw(encode_command(["BZPOPMIN", "nokey", "0.01"]), idle=0.5) == b"*-1\r\n"
    assert raw(encode_command(["BZMPOP", "0.01", "1", "nokey", "MIN"]), idle=0.5) == b"*-1\r\n"


def test_bzpop_resp3(r3):
    r3("ZADD", "z", "1.5", "a", "2", "b")
    assert r3("BZPOPMIN", "z", "0") == [b"z", b"a", 1.5]
    assert r3("BZMPOP", "0", "1", "z", "MIN") == [b"z", [[b"b", 2.0]]]


def test_bzpop_errors(c):
    c("ZADD", "z", "1", "a")
    assert c("BZPOPMIN", "z") == E.arity("bzpopmin")
    assert c("BZPOPMIN", "z", "x") == TIMEOUT_FLOAT
    assert c("BZPOPMAX", "z", "-1") == TIMEOUT_NEGATIVE
    assert c("BZMPOP", "x", "1", "z", "MIN") == TIMEOUT_FLOAT
    assert c("BZMPOP", "-1", "1", "z", "MIN") == TIMEOUT_NEGATIVE
    # The other arguments are checked before the timeout.
    assert c("BZMPOP", "x", "1", "z", "foo") == E.SYNTAX
    assert c("BZMPOP", "x", "0", "z", "MIN") == NUMKEYS
    assert c("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0") == COUNT_POSITIVE
    assert c("BZMPOP", "0", "1", "z") == E.arity("bzmpop")
    assert c("ZCARD", "z") == 1


# ---------------------------------------------------------------- ZRANDMEMBER


def test_zrandmember(c, limits):
    c("SET", "str", "v")
    assert c("ZRANDMEMBER", "nokey") is None
    assert c("ZRANDMEMBER", "nokey", "5") == []
    assert c("ZRANDMEMBER", "str") == E.WRONGTYPE
    assert c("ZRANDMEMBER", "str", "1") == E.WRONGTYPE
    for encoding in ("listpack", "skiplist"):
        key = "z" + encoding
        if encoding == "skiplist":
            c("CONFIG", "SET", "zset-max-listpack-entries", "0")
        scores = {("m%d" % i).encode(): str(i).encode() for i in range(10)}
        c("ZADD", key, *[x for m, s in scores.items() for x in (s, m)])
        assert enc(c, key) == encoding
        assert c("ZRANDMEMBER", key) in scores
        assert c("ZRANDMEMBER", key, "0") == []
        for n in (1, 3, 5, 9):
            got = c("ZRANDMEMBER", key, str(n))
            assert len(got) == n and len(set(got)) == n and set(got) <= set(scores)
            got = pairs(c("ZRANDMEMBER", key, str(n), "WITHSCORES"))
            assert len({m for m, _ in got}) == n
            assert all(scores[m] == s for m, s in got)
        # count >= size: the whole set, from the highest score down
        whole = [("m%d" % i).encode() for i in range(9, -1, -1)]
        assert c("ZRANDMEMBER", key, "10") == whole
        assert c("ZRANDMEMBER", key, "100") == whole
        got = c("ZRANDMEMBER", key, "-25")
        assert len(got) == 25 and set(got) <= set(scores)
        got = pairs(c("ZRANDMEMBER", key, "-3", "withscores"))
        assert len(got) == 3 and all(scores[m] == s for m, s in got)


def test_zrandmember_errors(c):
    c("ZADD", "z", "1", "a")
    assert c("ZRANDMEMBER", "z", "x") == E.NOT_INTEGER
    assert c("ZRANDMEMBER", "z", "1", "foo") == E.SYNTAX
    assert c("ZRANDMEMBER", "z", "1", "withscores", "foo") == E.SYNTAX
    assert c("ZRANDMEMBER", "z", "-9223372036854775808") == RAND_RANGE
    assert c("ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES") == RAND_WITHSCORES_RANGE
    assert c("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES") == RAND_WITHSCORES_RANGE
    assert c("ZRANDMEMBER", "nokey", "x") == E.NOT_INTEGER


def test_zrandmember_resp3(r3):
    r3("ZADD", "z", "1", "a", "2", "b")
    assert r3("ZRANDMEMBER", "z", "2", "WITHSCORES") == [[b"b", 2.0], [b"a", 1.0]]
    got = r3("ZRANDMEMBER", "z", "-3", "WITHSCORES")
    assert len(got) == 3 and all(p in ([b"a", 1.0], [b"b", 2.0]) for p in got)
    assert r3("ZRANDMEMBER", "nokey") is None
    assert r3("ZRANDMEMBER", "nokey", "1") == []


# ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF


@LAYOUTS
def test_zunion_zinter_zdiff(c, keys):
    k1, k2, k3, k4 = keys
    c("ZADD", k1, "1", "a", "2", "b", "3", "c")
    c("ZADD", k2, "10", "b", "20", "c", "30", "d")
    assert c("ZUNION", "2", k1, k2) == [b"a", b"b", b"c", b"d"]
    assert c("ZUNION", "3", k1, k2, k4, "WITHSCORES") == [b"a", b"1", b"b", b"12", b"c", b"23",
                                                         b"d", b"30"]
    assert c("ZUNION", "2", k1, k2, "WEIGHTS", "2", "0.5", "WITHSCORES") == [
        b"a", b"2", b"b", b"9", b"d", b"15", b"c", b"16"]
    assert c("ZUNION", "2", k1, k2, "AGGREGATE", "MIN", "WITHSCORES") == [
        b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"30"]
    assert c("ZUNION", "2", k1, k2, "aggregate", "max", "withscores") == [
        b"a", b"1", b"b", b"10", b"c", b"20", b"d", b"30"]
    assert c("ZINTER", "2", k1, k2, "WITHSCORES") == [b"b", b"12", b"c", b"23"]
    assert c("ZINTER", "2", k1, k2, "WEIGHTS", "1", "-1", "AGGREGATE", "SUM") == [b"c", b"b"]
    assert c("ZINTER", "3", k1, k2, k4) == []
    assert c("ZDIFF", "2", k1, k2, "WITHSCORES") == [b"a", b"1"]
    assert c("ZDIFF", "3", k2, k1, k4) == [b"d"]
    assert c("ZDIFF", "1", k4) == []
    assert c("ZUNION", "1", k4) == []
    # A plain set counts as a sorted set with every score 1.
    c("SADD", k3, "a", "d", "x")
    assert c("ZINTER", "2", k1, k3, "WITHSCORES") == [b"a", b"2"]
    assert c("ZUNION", "2", k2, k3, "WITHSCORES") == [b"a", b"1", b"x", b"1", b"b", b"10",
                                                     b"c", b"20", b"d", b"31"]
    c("DEL", k3)
    c("SADD", k3, "1", "2", "3")  # an intset
    assert c("ZUNION", "1", k3, "WEIGHTS", "5", "WITHSCORES") == [b"1", b"5", b"2", b"5", b"3",
                                                                 b"5"]


@LAYOUTS
def test_zstore_commands(c, keys):
    k1, k2, k3, k4 = keys
    c("ZADD", k1, "1", "a", "2", "b")
    c("ZADD", k2, "3", "b", "4", "c")
    c("SET", k3, "old", "EX", "100")
    assert c("ZUNIONSTORE", k3, "2", k1, k2) == 3
    assert c("ZRANGE", k3, "0", "-1", "WITHSCORES") == [b"a", b"1", b"c", b"4", b"b", b"5"]
    assert c("TTL", k3) == -1
    assert c("ZINTERSTORE", k3, "2", k1, k2, "WEIGHTS", "10", "1") == 1
    assert c("ZRANGE", k3, "0", "-1", "WITHSCORES") == [b"b", b"23"]
    assert c("ZDIFFSTORE", k3, "2", k1, k2) == 1
    assert c("ZRANGE", k3, "0", "-1", "WITHSCORES") == [b"a", b"1"]
    assert c("ZINTERSTORE", k3, "2", k1, k4) == 0
    assert c("EXISTS", k3) == 0
    # The destination may be one of the sources.
    assert c("ZUNIONSTORE", k1, "2", k1, k2, "AGGREGATE", "MAX") == 3
    assert c("ZRANGE", k1, "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"3", b"c", b"4"]
    assert c("ZDIFFSTORE", k1, "1", k1) == 3


def test_set_op_special_scores(c):
    c("ZADD", "{s}1", "inf", "a", "1", "b")
    c("ZADD", "{s}2", "-inf", "a", "inf", "b")
    # inf + -inf is NaN, which Redis makes 0; 0 * inf likewise
    assert c("ZUNION", "2", "{s}1", "{s}2", "WITHSCORES") == [b"a", b"0", b"b", b"inf"]
    assert c("ZINTER", "2", "{s}1", "{s}2", "WITHSCORES") == [b"a", b"0", b"b", b"inf"]
    assert c("ZUNION", "2", "{s}1", "{s}2", "WEIGHTS", "0", "1", "WITHSCORES") == [
        b"a", b"-inf", b"b", b"inf"]
    assert c("ZINTER", "2", "{s}1", "{s}2", "WEIGHTS", "1", "0", "AGGREGATE", "MIN",
             "WITHSCORES") == [b"b", b"1", b"a", b"inf"]


def test_set_op_errors(c):
    c("ZADD", "z", "1", "a")
    c("SET", "str", "v")
    assert c("ZUNION", "0", "z") == at_least_one("zunion")
    assert c("ZINTER", "-1", "z") == at_least_one("zinter")
    assert c("ZDIFF", "0", "z") == at_least_one("zdiff")
    assert c("ZUNIONSTORE", "d", "0", "z") == at_least_one("zunionstore")
    assert c("ZINTERCARD", "0", "z") == at_least_one("zintercard")
    assert c("ZUNION", "x", "z") == E.NOT_INTEGER
    assert c("ZUNION", "3", "z") == E.SYNTAX
    assert c("ZUNION", "1", "z", "WEIGHTS", "x") == WEIGHT_FLOAT
    assert c("ZUNION", "1", "nokey", "WEIGHTS", "nan") == WEIGHT_FLOAT
    assert c("ZUNION", "1", "z", "WEIGHTS", "1", "2") == E.SYNTAX
    assert c("ZUNION", "1", "z", "AGGREGATE", "avg") == E.SYNTAX
    assert c("ZUNION", "1", "z", "AGGREGATE") == E.SYNTAX
    assert c("ZUNION", "1", "z", "WITHSCORES", "foo") == E.SYNTAX
    assert c("ZDIFF", "1", "z", "WEIGHTS", "1") == E.SYNTAX
    assert c("ZDIFF", "1", "z", "AGGREGATE", "SUM") == E.SYNTAX
    assert c("ZUNIONSTORE", "d", "1", "z", "WITHSCORES") == E.SYNTAX
    assert c("ZINTERCARD", "1", "z", "WEIGHTS", "1") == E.SYNTAX
    assert c("ZINTERCARD", "1", "z", "WITHSCORES") == E.SYNTAX
    assert c("ZINTERCARD", "1", "z", "LIMIT", "-1") == LIMIT_NEGATIVE
    assert c("ZINTERCARD", "1", "z", "LIMIT", "x") == LIMIT_NEGATIVE
    # A source of another type is reported before any option error.
    assert c("ZUNION", "1", "str", "WEIGHTS", "x") == E.WRONGTYPE
    assert c("ZINTER", "2", "z", "str") == E.WRONGTYPE
    c("ZADD", "d", "1", "keep")
    assert c("ZUNIONSTORE", "d", "2", "z", "str") == E.WRONGTYPE
    assert c("ZUNIONSTORE", "d", "1", "z", "AGGREGATE", "foo") == E.SYNTAX
    assert c("ZRANGE", "d", "0", "-1") == [b"keep"]
    assert c("ZUNION", "1") == E.arity("zunion")
    assert c("ZUNIONSTORE", "d", "1") == E.arity("zunionstore")


def test_set_op_resp3(r3):
    r3("ZADD", "z1", "1", "a")
    r3("ZADD", "z2", "2", "a", "3", "b")
    assert r3("ZUNION", "2", "z1", "z2", "WITHSCORES") == [[b"a", 3.0], [b"b", 3.0]]
    assert r3("ZINTER", "2", "z1", "z2") == [b"a"]
    assert r3("ZDIFF", "2", "z2", "z1", "WITHSCORES") == [[b"b", 3.0]]


@LAYOUTS
def test_zintercard(c, keys):
    k1, k2, k3, _ = keys
    c("ZADD", k1, "1", "a", "2", "b", "3", "c", "4", "d")
    c("ZADD", k2, "1", "b", "1", "c", "1", "d", "1", "e")
    c("SADD", k3, "c", "d", "x")
    assert c("ZINTERCARD", "2", k1, k2) == 3
    assert c("ZINTERCARD", "2", k1, k2, "LIMIT", "2") == 2
    assert c("ZINTERCARD", "2", k1, k2, "LIMIT", "0") == 3
    assert c("ZINTERCARD", "3", k1, k2, k3) == 2
    assert c("ZINTERCARD", "2", k1, "nokey") == 0


# Sources over zset-max-listpack-entries (a skiplist), and sets over set-max-intset-entries:
# the algebra reads them where they lie when it runs on their shard, looking each member of the
# smallest (ZINTER) or first (ZDIFF) source up in the others rather than copying them.
BIG = 300


def zfill(c, key, scores):
    items = [x for m, s in scores.items() for x in (str(s), m)]
    for i in range(0, len(items), 400):
        c("ZADD", key, *items[i:i + 400])


def expect(scores):
    """{member: score} -> the WITHSCORES reply: sorted by (score, member), integral scores."""
    return [x for m, s in sorted(scores.items(), key=lambda kv: (kv[1], kv[0].encode()))
            for x in (m.encode(), b"%d" % s)]


@LAYOUTS
def test_large_sources_match_math(c, keys):
    k1, k2, k3, k4 = keys
    A = {"m%d" % i: i for i in range(BIG)}
    B = {"m%d" % i: 2 * i for i in range(0, 3 * BIG, 3)}
    S = ["m%d" % i for i in range(0, 2 * BIG, 5)] + ["x"]
    zfill(c, k1, A)
    zfill(c, k2, B)
    for i in range(0, len(S), 200):
        c("SADD", k3, *S[i:i + 200])
    assert enc(c, k1) == enc(c, k2) == "skiplist"
    assert c("OBJECT", "ENCODING", k3) == b"hashtable"
    inter = {m: 2 * A[m] + 3 * B[m] for m in A if m in B}
    assert c("ZINTER", "2", k1, k2, "WEIGHTS", "2", "3", "WITHSCORES") == expect(inter)
    inter3 = {m: max(A[m], B[m], 1) for m in A if m in B and m in S}
    assert c("ZINTER", "3", k2, k3, k1, "AGGREGATE", "MAX", "WITHSCORES") == expect(inter3)
    union = dict(A)
    for m, v in B.items():
        union[m] = min(union.get(m, v), v)
    for m in S:
        union[m] = min(union.get(m, 1), 1)
    assert c("ZUNION", "3", k1, k2, k3, "AGGREGATE", "MIN", "WITHSCORES") == expect(union)
    diff = {m: v for m, v in B.items() if m not in A and m not in S}
    assert c("ZDIFF", "3", k2, k1, k3, "WITHSCORES") == expect(diff)
    assert c("ZDIFF", "2", k3, k1, "WITHSCORES") == expect(
        {m: 1 for m in S if m not in A})
    assert c("ZINTERCARD", "2", k1, k2) == len(inter)
    assert c("ZINTERCARD", "3", k1, k2, k3) == len(inter3)
    assert c("ZINTERCARD", "2", k1, k2, "LIMIT", "7") == 7
    assert c("ZINTERSTORE", k4, "2", k1, k2, "WEIGHTS", "2", "3") == len(inter)
    assert c("ZRANGE", k4, "0", "-1", "WITHSCORES") == expect(inter)
    assert c("ZDIFFSTORE", k4, "2", k2, k1) == len({m for m in B if m not in A})
    assert c("ZUNIONSTORE", k1, "2", k1, k3) == len(set(A) | set(S))  # destination a source
    assert c("ZINTER", "2", k1, "nokey") == []
    assert c("ZDIFF", "2", "nokey", k1) == []


@LAYOUTS
def test_large_intset_source(c, keys):
    """An intset's members are looked up by their integer value, and walked in ascending order."""
    k1, k2, _, _ = keys
    Z = {str(i): 1000 - i for i in range(BIG)}
    zfill(c, k1, Z)
    c("SADD", k2, *range(0, 2 * BIG, 2))
    assert c("OBJECT", "ENCODING", k2) == b"intset"
    both = {m: v + 1 for m, v in Z.items() if int(m) % 2 == 0}
    assert c("ZINTER", "2", k2, k1, "WITHSCORES") == expect(both)
    assert c("ZDIFF", "2", k2, k1, "WITHSCORES") == expect(
        {str(i): 1 for i in range(0, 2 * BIG, 2) if i >= BIG})
    assert c("ZINTERCARD", "2", k1, k2) == len(both)
    assert c("ZINTER", "2", k1, k2, "WEIGHTS", "1", "0", "WITHSCORES") == expect(
        {m: v for m, v in Z.items() if int(m) % 2 == 0})


def test_large_sources_inside_exec_and_scripts(c):
    k1, k2, k3, _ = SPREAD
    A = {"m%d" % i: i for i in range(BIG)}
    B = {"m%d" % i: i for i in range(0, 2 * BIG, 2)}
    zfill(c, k1, A)
    zfill(c, k2, B)
    inter = {m: A[m] + B[m] for m in A if m in B}
    assert c("MULTI") == "OK"
    assert c("ZINTER", "2", k1, k2, "WITHSCORES") == "QUEUED"
    assert c("ZINTERSTORE", k3, "2", k1, k2) == "QUEUED"
    assert c("ZINTERCARD", "2", k3, k1) == "QUEUED"
    assert c("EXEC") == [expect(inter), len(inter), len(inter)]
    assert c("EVAL", "return redis.call('ZINTERCARD', 2, KEYS[1], KEYS[2])", "2", k1, k2) == \
        len(inter)
    assert c("EVAL", "return redis.call('ZUNIONSTORE', KEYS[3], 2, KEYS[1], KEYS[2])", "3",
             k1, k2, k3) == len(set(A) | set(B))
    assert c("EVAL", "return redis.call('ZDIFF', 2, KEYS[2], KEYS[1])", "2", k1, k2) == \
        [m.encode() for m, _ in sorted(B.items(), key=lambda kv: kv[1]) if m not in A]


def test_set_op_encodings(c, limits):
    c("ZADD", "{e}1", *[x for i in range(100) for x in (str(i), "m%d" % i)])
    c("ZADD", "{e}2", *[x for i in range(100, 200) for x in (str(i), "m%d" % i)])
    assert c("ZUNIONSTORE", "{e}d", "2", "{e}1", "{e}2") == 200
    assert enc(c, "{e}d") == "skiplist"
    # A skiplist source with a small result stores a listpack.
    assert c("ZRANGESTORE", "{e}s", "{e}d", "0", "-1") == 200
    assert c("ZUNIONSTORE", "{e}d", "1", "{e}s", "WEIGHTS", "1") == 200
    assert c("ZDIFFSTORE", "{e}d", "2", "{e}s", "{e}2") == 100
    assert enc(c, "{e}d") == "listpack"
    c("ZADD", "{e}3", "1", "y" * 65)
    assert c("ZUNIONSTORE", "{e}d", "1", "{e}3") == 1
    assert enc(c, "{e}d") == "skiplist"
    c("CONFIG", "SET", "zset-max-listpack-entries", "0")
    assert c("ZUNIONSTORE", "{e}d", "1", "{e}1") == 100
    assert enc(c, "{e}d") == "skiplist"


# ---------------------------------------------------------------- encodings


def test_listpack_entries_threshold(c):
    c("ZADD", "z", *[x for i in range(128) for x in (str(i), "m%d" % i)])
    assert enc(c, "z") == "listpack"
    c("ZADD", "z", "1000", "extra")
    assert enc(c, "z") == "skiplist"
    c("ZREMRANGEBYRANK", "z", "0", "-3")
    assert c("ZCARD", "z") == 2
    assert enc(c, "z") == "skiplist"  # never converts back
    assert c("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"m127", b"127", b"extra", b"1000"]


def test_listpack_value_threshold(c):
    c("ZADD", "z", "1", "x" * 64)
    assert enc(c, "z") == "listpack"
    c("ZADD", "z", "2", "y" * 65)
    assert enc(c, "z") == "skiplist"
    assert c("ZRANGE", "z", "0", "-1") == [b"x" * 64, b"y" * 65]
    c("ZADD", "new", "1", "y" * 65)
    assert enc(c, "new") == "skiplist"
    c("ZINCRBY", "incr", "1", "y" * 65)
    assert enc(c, "incr") == "skiplist"


def test_config_limits(c, limits):
    assert c("CONFIG", "SET", "zset-max-listpack-entries", "3") == "OK"
    assert c("CONFIG", "SET", "zset-max-listpack-value", "4") == "OK"
    c("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert enc(c, "z") == "listpack"
    c("ZADD", "z", "4", "d")
    assert enc(c, "z") == "skiplist"
    c("ZADD", "v", "1", "abcd")
    assert enc(c, "v") == "listpack"
    c("ZADD", "v", "1", "abcde")
    assert enc(c, "v") == "skiplist"
    c("ZADD", "y", "1", "abcde")
    assert enc(c, "y") == "skiplist"


def test_large_skiplist_commands(c, limits):
    c("CONFIG", "SET", "zset-max-listpack-entries", "0")
    n = 300
    c("ZADD", "z", *[x for i in range(n) for x in (str(i % 50), "m%03d" % i)])
    assert enc(c, "z") == "skiplist"
    expected = sorted(("m%03d" % i for i in range(n)), key=lambda m: (int(m[1:]) % 50, m))
    assert c("ZRANGE", "z", "0", "-1") == [m.encode() for m in expected]
    assert c("ZRANK", "z", expected[123]) == 123
    assert c("ZREVRANK", "z", expected[123]) == n - 1 - 123
    assert c("ZCOUNT", "z", "10", "(20") == 60
    assert c("ZRANGEBYSCORE", "z", "10", "10") == [m.encode() for m in expected[60:66]]
    assert c("ZRANGE", "z", "(49", "-inf", "BYSCORE", "REV", "LIMIT", "2", "3") == [
        m.encode() for m in list(reversed(expected[:-6]))[2:5]]
    assert c("ZLEXCOUNT", "z", "-", "+") == n
    assert c("ZREMRANGEBYSCORE", "z", "0", "(10") == 60
    assert c("ZREMRANGEBYRANK", "z", "0", "9") == 10
    assert c("ZCARD", "z") == n - 70
    assert c("ZPOPMIN", "z") == [expected[70].encode(), b"11"]
    assert c("ZREM", "z", *expected[71:]) == n - 71
    assert c("EXISTS", "z") == 0


def test_lex_on_skiplist(c, limits):
    c("CONFIG", "SET", "zset-max-listpack-entries", "0")
    words = ["apple", "banana", "cherry", "date", "elder", "fig", "grape"]
    c("ZADD", "z", *[x for w in words for x in ("0", w)])
    assert enc(c, "z") == "skiplist"
    assert c("ZRANGEBYLEX", "z", "[banana", "(fig") == [b"banana", b"cherry", b"date", b"elder"]
    assert c("ZREVRANGEBYLEX", "z", "(fig", "[banana", "LIMIT", "1", "2") == [b"date", b"cherry"]
    assert c("ZLEXCOUNT", "z", "(apple", "+") == 6
    assert c("ZREMRANGEBYLEX", "z", "[c", "(f") == 3
    assert c("ZRANGE", "z", "0", "-1") == [b"apple", b"banana", b"fig", b"grape"]


# ---------------------------------------------------------------- ZSCAN


def test_zscan(c, limits):
    c("SET", "str", "v")
    assert c("ZSCAN", "nokey", "0") == [b"0", []]
    assert c("ZSCAN", "nokey", "0", "foo") == [b"0", []]  # options are not read for a missing key
    assert c("ZSCAN", "str", "0", "foo") == E.WRONGTYPE
    c("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert c("ZSCAN", "z", "x") == E.INVALID_CURSOR
    assert c("ZSCAN", "z", " 0") == E.INVALID_CURSOR
    assert c("ZSCAN", "z", "0", "COUNT", "0") == E.SYNTAX
    assert c("ZSCAN", "z", "0", "COUNT", "x") == E.NOT_INTEGER
    assert c("ZSCAN", "z", "0", "MATCH") == E.SYNTAX
    assert c("ZSCAN", "z", "0", "TYPE", "string") == E.SYNTAX
    assert c("ZSCAN", "z", "-1") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert c("ZSCAN", "z", "0", "MATCH", "[ab]", "COUNT", "1") == [b"0", [b"a", b"1", b"b", b"2"]]
    c("CONFIG", "SET", "zset-max-listpack-entries", "0")
    members = {("m%d" % i).encode(): str(i).encode() for i in range(500)}
    c("ZADD", "big", *[x for m, s in members.items() for x in (s, m)])
    seen = {}
    cursor = b"0"
    calls = 0
    while True:
        cursor, items = c("ZSCAN", "big", cursor, "COUNT", "20")
        seen.update(pairs(items))
        calls += 1
        if cursor == b"0":
            break
    assert seen == members
    assert calls > 1
    cursor, items = b"0", []
    matched = {}
    while True:
        cursor, items = c("ZSCAN", "big", cursor, "MATCH", "m1?", "COUNT", "100")
        matched.update(pairs(items))
        if cursor == b"0":
            break
    assert matched == {m: s for m, s in members.items() if len(m) == 3 and m.startswith(b"m1")}


# ---------------------------------------------------------------- keys and types


def test_wrongtype_everywhere(c):
    c("LPUSH", "l", "x")
    for cmd in (["ZADD", "l", "1", "a"], ["ZINCRBY", "l", "1", "a"], ["ZREM", "l", "a"],
                ["ZCARD", "l"], ["ZCOUNT", "l", "0", "1"], ["ZLEXCOUNT", "l", "-", "+"],
                ["ZSCORE", "l", "a"], ["ZMSCORE", "l", "a"], ["ZRANK", "l", "a"],
                ["ZREVRANK", "l", "a"], ["ZRANGE", "l", "0", "1"],
                ["ZRANGEBYSCORE", "l", "0", "1"], ["ZREVRANGEBYSCORE", "l", "0", "1"],
                ["ZRANGEBYLEX", "l", "-", "+"], ["ZREVRANGEBYLEX", "l", "+", "-"],
                ["ZREVRANGE", "l", "0", "1"], ["ZREMRANGEBYRANK", "l", "0", "1"],
                ["ZREMRANGEBYSCORE", "l", "0", "1"], ["ZREMRANGEBYLEX", "l", "-", "+"],
                ["ZPOPMIN", "l"], ["ZPOPMAX", "l"], ["ZRANDMEMBER", "l"], ["ZSCAN", "l", "0"],
                ["ZUNION", "1", "l"], ["ZINTER", "1", "l"], ["ZDIFF", "1", "l"],
                ["ZINTERCARD", "1", "l"], ["ZMPOP", "1", "l", "MIN"],
                ["BZPOPMIN", "l", "0"], ["BZMPOP", "0", "1", "l", "MIN"]):
        assert c(*cmd) == E.WRONGTYPE, cmd
    assert c("LLEN", "l") == 1


def test_getkeys(c):
    assert c("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2") == [
        b"d", b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "ZINTER", "2", "a", "b") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "ZDIFF", "1", "a") == [b"a"]
    assert c("COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b", "LIMIT", "1") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1") == [b"d", b"s"]
    assert c("COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0") == [b"a", b"b"]


def test_redis_py_roundtrip(r):
    assert r.zadd("rz", {"a": 1, "b": 2.5}) == 2
    assert r.zrange("rz", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.5)]
    assert r.zincrby("rz", 1, "a") == 2.0
    assert r.zpopmax("rz") == [(b"b", 2.5)]
    assert math.isclose(r.zscore("rz", "a"), 2.0)
