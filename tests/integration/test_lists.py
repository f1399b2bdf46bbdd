"""Lists: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS
LMOVE RPOPLPUSH LMPOP, and the immediate (data available) paths, argument errors and short
timeouts of BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (blocking semantics: test_blocking.py).

Keys named by `spread(n)` land on n different Shoal shards (4 shards, slot mod 4); {t}-tagged keys
share one. Every assertion also holds against redis-server 7.0.
"""

import random
import threading

import pytest

import shoal_errors as E
from shoal_keys import SHARDS, shard_of

INDEX_OUT_OF_RANGE = "ERR index out of range"
POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list")
COUNT_NEGATIVE = "ERR COUNT can't be negative"
MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"
NUMKEYS = "ERR numkeys should be greater than 0"
COUNT_POSITIVE = "ERR count should be greater than 0"
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"



def spread(n, prefix="k"):
    """n key names on n different shards (n <= SHARDS), then more on any shard."""
    out, seen, i = [], set(), 0
    while len(out) < n:
        name = "%s%d" % (prefix, i)
        i += 1
        if len(seen) < SHARDS and shard_of(name) in seen:
            continue
        seen.add(shard_of(name))
        out.append(name)
    return out


@pytest.fixture
def listpack_size(c):
    """Restores list-max-listpack-size after a test that changes it."""
    yield
    assert c("CONFIG", "SET", "list-max-listpack-size", "-2") == "OK"


def lrange(c, key):
    return c("LRANGE", key, "0", "-1")


# ---------------------------------------------------------------- push


def test_push_order_and_length(c):
    assert c("RPUSH", "l", "a", "b") == 2
    assert c("LPUSH", "l", "x", "y") == 4
    assert c("RPUSH", "l", "c") == 5
    assert lrange(c, "l") == [b"y", b"x", b"a", b"b", b"c"]
    assert c("TYPE", "l") == "list"
    assert c("OBJECT", "ENCODING", "l") == b"quicklist"


def test_push_values_byte_exact(c):
    vals = [b"", b"0", b"-1", b"007", b"-0", b"+1", b" 1", b"1.5", b"9223372036854775807",
            b"9223372036854775808", b"-9223372036854775808", b"\x00\xff\r\n", b"x" * 70000]
    assert c("RPUSH", "l", *vals) == len(vals)
    assert lrange(c, "l") == vals
    for i, v in enumerate(vals):
        assert c("LINDEX", "l", str(i)) == v


def test_pushx(c):
    assert c("LPUSHX", "l", "a") == 0
    assert c("RPUSHX", "l", "a", "b") == 0
    assert c("EXISTS", "l") == 0
    c("RPUSH", "l", "m")
    assert c("LPUSHX", "l", "a", "b") == 3
    assert c("RPUSHX", "l", "y", "z") == 5
    assert lrange(c, "l") == [b"b", b"a", b"m", b"y", b"z"]


def test_push_keeps_ttl(c):
    c("RPUSH", "l", "a")
    assert c("EXPIRE", "l", "100") == 1
    c("LPUSH", "l", "b")
    assert 0 < c("TTL", "l") <= 100


def test_arity(c):
    for cmd, args in [("lpush", ["k"]), ("rpush", ["k"]), ("lpushx", ["k"]), ("rpushx", ["k"]),
                      ("lpop", []), ("rpop", []), ("llen", []), ("llen", ["k", "x"]),
                      ("lrange", ["k", "0"]), ("lindex", ["k"]), ("lset", ["k", "0"]),
                      ("linsert", ["k", "before", "p"]), ("lrem", ["k", "0"]),
                      ("ltrim", ["k", "0"]), ("lpos", ["k"]), ("lmove", ["a", "b", "left"]),
                      ("rpoplpush", ["a"]), ("lmpop", ["1", "k"]), ("blpop", ["k"]),
                      ("brpop", ["k"]), ("blmove", ["a", "b", "left", "left"]),
                      ("brpoplpush", ["a", "b"]), ("blmpop", ["0", "1", "k"])]:
        assert c(cmd.upper(), *args) == E.arity(cmd), cmd
    assert c("LPOP", "k", "1", "2") == E.arity("lpop")
    assert c("RPOP", "k", "1", "2") == E.arity("rpop")


def test_wrongtype(c):
    c("SET", "s", "v")
    c("RPUSH", "l", "a")
    W = E.WRONGTYPE
    for args in [("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"),
                 ("RPUSHX", "s", "a"), ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", "2"),
                 ("RPOP", "s", "0"), ("LLEN", "s"), ("LRANGE", "s", "0", "-1"), ("LINDEX", "s", "0"),
                 ("LSET", "s", "0", "x"), ("LINSERT", "s", "BEFORE", "a", "b"),
                 ("LREM", "s", "0", "a"), ("LTRIM", "s", "0", "1"), ("LPOS", "s", "a"),
                 ("LMOVE", "s", "l", "LEFT", "LEFT"), ("LMOVE", "l", "s", "LEFT", "LEFT"),
                 ("RPOPLPUSH", "s", "l"), ("RPOPLPUSH", "l", "s"), ("LMPOP", "1", "s", "LEFT"),
                 ("BLPOP", "s", "0"), ("BRPOP", "s", "l", "0"), ("BLMOVE", "s", "l", "LEFT",
                                                               "LEFT", "0"),
                 ("BLMOVE", "l", "s", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "s", "l", "0"),
                 ("BLMPOP", "0", "1", "s", "LEFT")]:
        assert c(*args) == W, args
    assert c("GET", "s") == b"v"
    assert lrange(c, "l") == [b"a"]  # nothing was popped for a wrong-type destination


# ---------------------------------------------------------------- pop


def test_pop_single(c):
    c("RPUSH", "l", "a", "b", "c")
    assert c("LPOP", "l") == b"a"
    assert c("RPOP", "l") == b"c"
    assert c("RPOP", "l") == b"b"
    assert c("EXISTS", "l") == 0
    assert c("LPOP", "l") is None


def test_pop_count(c):
    c("RPUSH", "l", *"abcdef")
    assert c("LPOP", "l", "2") == [b"a", b"b"]
    assert c("RPOP", "l", "2") == [b"f", b"e"]
    assert c("LPOP", "l", "0") == []
    assert c("RPOP", "l", "10") == [b"d", b"c"]
    assert c("EXISTS", "l") == 0
    assert c("LPOP", "l", "0") is None
    assert c("LPOP", "l", "-1") == POSITIVE
    assert c("RPOP", "l", "x") == POSITIVE
    c("RPUSH", "l", "a")
    assert c("LPOP", "l", "-1") == POSITIVE
    assert c("LPOP", "l", "1") == [b"a"]


def test_pop_nil_forms(raw):
    assert raw(b"LPOP nokey\r\nLPOP nokey 1\r\nRPOP nokey 0\r\nRPUSH l a\r\nLPOP l 0\r\n") == \
        b"$-1\r\n*-1\r\n*-1\r\n:1\r\n*0\r\n"


def test_pop_nil_resp3(r3):
    assert r3("LPOP", "nokey") is None
    assert r3("RPOP", "nokey", "3") is None
    r3("RPUSH", "l", "a")
    assert r3("LPOP", "l", "0") == []


def test_pop_count_across_nodes(c, listpack_size):
    assert c("CONFIG", "SET", "list-max-listpack-size", "3") == "OK"
    c("RPUSH", "l", *[str(i) for i in range(20)])
    assert c("LPOP", "l", "7") == [str(i).encode() for i in range(7)]
    assert c("RPOP", "l", "7") == [str(i).encode() for i in range(19, 12, -1)]
    assert lrange(c, "l") == [str(i).encode() for i in range(7, 13)]


# ---------------------------------------------------------------- LLEN / LRANGE / LINDEX


def test_llen(c):
    assert c("LLEN", "l") == 0
    c("RPUSH", "l", "a", "b")
    assert c("LLEN", "l") == 2


def test_lrange(c):
    c("RPUSH", "l", *"abcde")
    cases = {("0", "-1"): "abcde", ("1", "2"): "bc", ("-2", "-1"): "de", ("-100", "1"): "ab",
             ("3", "100"): "de", ("4", "4"): "e", ("5", "10"): "", ("3", "1"): "",
             ("-1", "-2"): "", ("0", "-6"): "", ("-6", "-5"): "a", ("0", "0"): "a"}
    for (a, b), want in cases.items():
        assert c("LRANGE", "l", a, b) == [ch.encode() for ch in want], (a, b)
    assert c("LRANGE", "nokey", "0", "-1") == []
    assert c("LRANGE", "l", "x", "1") == E.NOT_INTEGER
    assert c("LRANGE", "l", "0", "1.0") == E.NOT_INTEGER
    assert c("LRANGE", "nokey", "0", "y") == E.NOT_INTEGER
    assert c("LRANGE", "l", "-9223372036854775808", "9223372036854775807") == \
        [ch.encode() for ch in "abcde"]


def test_lindex(c):
    c("RPUSH", "l", "a", "b", "c")
    assert c("LINDEX", "l", "0") == b"a"
    assert c("LINDEX", "l", "-1") == b"c"
    assert c("LINDEX", "l", "-3") == b"a"
    assert c("LINDEX", "l", "3") is None
    assert c("LINDEX", "l", "-4") is None
    assert c("LINDEX", "l", "x") == E.NOT_INTEGER
    # Redis looks the key up before parsing the index.
    assert c("LINDEX", "nokey", "x") is None
    assert c("LINDEX", "nokey", "0") is None


def test_lindex_nil_forms(raw, r3):
    assert raw(b"LINDEX nokey 0\r\n") == b"$-1\r\n"
    r3("RPUSH", "l", "a")
    assert r3("LINDEX", "l", "5") is None


# ---------------------------------------------------------------- LSET / LINSERT


def test_lset(c):
    assert c("LSET", "l", "0", "x") == E.NO_SUCH_KEY
    assert c("LSET", "l", "x", "x") == E.NO_SUCH_KEY
    c("RPUSH", "l", "a", "b", "c")
    assert c("LSET", "l", "0", "A") == "OK"
    assert c("LSET", "l", "-1", "C") == "OK"
    assert c("LSET", "l", "1", "12345") == "OK"
    assert lrange(c, "l") == [b"A", b"12345", b"C"]
    assert c("LSET", "l", "3", "x") == INDEX_OUT_OF_RANGE
    assert c("LSET", "l", "-4", "x") == INDEX_OUT_OF_RANGE
    assert c("LSET", "l", "y", "x") == E.NOT_INTEGER


def test_lset_big_values_split_nodes(c):
    c("RPUSH", "l", *[str(i) for i in range(300)])
    big = b"B" * 9000
    assert c("LSET", "l", "150", big) == "OK"
    assert c("LSET", "l", "0", big) == "OK"
    assert c("LSET", "l", "-1", big) == "OK"
    want = [str(i).encode() for i in range(300)]
    want[150] = want[0] = want[-1] = big
    assert lrange(c, "l") == want
    assert c("LSET", "l", "150", "small") == "OK"
    want[150] = b"small"
    assert lrange(c, "l") == want


def test_linsert(c):
    assert c("LINSERT", "l", "BEFORE", "a", "x") == 0
    assert c("EXISTS", "l") == 0
    c("RPUSH", "l", "a", "b", "1", "b")
    assert c("LINSERT", "l", "BEFORE", "b", "x") == 5
    assert c("LINSERT", "l", "after", "b", "y") == 6
    assert c("LINSERT", "l", "AfTeR", "1", "2") == 7  # integer elements compare as digits
    assert c("LINSERT", "l", "before", "zz", "q") == -1
    assert lrange(c, "l") == [b"a", b"x", b"b", b"y", b"1", b"2", b"b"]
    assert c("LINSERT", "l", "middle", "a", "q") == E.SYNTAX
    assert c("LINSERT", "nokey", "middle", "a", "q") == E.SYNTAX


def test_linsert_into_full_nodes(c, listpack_size):
    assert c("CONFIG", "SET", "list-max-listpack-size", "4") == "OK"
    model = [str(i) for i in range(40)]
    c("RPUSH", "l", *model)
    rng = random.Random(7)
    for n in range(60):
        pivot = rng.choice(model)
        after = rng.random() < 0.5
        v = "v%d" % n
        assert c("LINSERT", "l", "AFTER" if after else "BEFORE", pivot, v) == len(model) + 1
        i = model.index(pivot)
        model.insert(i + 1 if after else i, v)
    assert lrange(c, "l") == [v.encode() for v in model]


# ---------------------------------------------------------------- LREM / LTRIM


def test_lrem(c):
    assert c("LREM", "l", "0", "a") == 0
    vals = ["a", "b", "a", "c", "a", "b", "a"]
    c("RPUSH", "l", *vals)
    assert c("LREM", "l", "2", "a") == 2
    assert lrange(c, "l") == [b"b", b"c", b"a", b"b", b"a"]
    assert c("LREM", "l", "-1", "b") == 1
    assert lrange(c, "l") == [b"b", b"c", b"a", b"a"]
    assert c("LREM", "l", "0", "a") == 2
    assert c("LREM", "l", "0", "zz") == 0
    assert lrange(c, "l") == [b"b", b"c"]
    assert c("LREM", "l", "x", "a") == E.NOT_INTEGER
    assert c("LREM", "nokey", "x", "a") == E.NOT_INTEGER
    assert c("LREM", "l", "0", "b") == 1
    assert c("LREM", "l", "-5", "c") == 1
    assert c("EXISTS", "l") == 0


def test_lrem_extremes(c):
    c("RPUSH", "l", "1", "x", "1", "1", "y", "1")
    assert c("LREM", "l", "-9223372036854775808", "1") == 4
    assert lrange(c, "l") == [b"x", b"y"]
    c("RPUSH", "m", "1", "x", "1")
    assert c("LREM", "m", "9223372036854775807", "1") == 2


def test_lrem_many_across_nodes(c, listpack_size):
    assert c("CONFIG", "SET", "list-max-listpack-size", "5") == "OK"
    vals = [("d" if i % 3 == 0 else "k%d" % i) for i in range(200)]
    c("RPUSH", "l", *vals)
    assert c("LREM", "l", "-10", "d") == 10
    model = list(vals)
    removed = 0
    for i in range(len(model) - 1, -1, -1):
        if model[i] == "d" and removed < 10:
            del model[i]
            removed += 1
    assert lrange(c, "l") == [v.encode() for v in model]
    assert c("LREM", "l", "0", "d") == model.count("d")
    model = [v for v in model if v != "d"]
    assert lrange(c, "l") == [v.encode() for v in model]


def test_ltrim(c):
    assert c("LTRIM", "l", "0", "1") == "OK"
    for (a, b), want in {("1", "3"): "bcd", ("0", "-1"): "abcdef", ("-2", "-1"): "ef",
                         ("-100", "1"): "ab", ("2", "100"): "cdef", ("4", "2"): "",
                         ("6", "10"): "", ("0", "0"): "a"}.items():
        c("DEL", "l")
        c("RPUSH", "l", *"abcdef")
        assert c("LTRIM", "l", a, b) == "OK"
        assert lrange(c, "l") == [ch.encode() for ch in want], (a, b)
        assert c("EXISTS", "l") == (1 if want else 0)
    assert c("LTRIM", "l", "x", "1") == E.NOT_INTEGER
    assert c("LTRIM", "nokey", "0", "y") == E.NOT_INTEGER


# ---------------------------------------------------------------- LPOS


def test_lpos(c):
    c("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert c("LPOS", "l", "c") == 2
    assert c("LPOS", "l", "1") == 3
    assert c("LPOS", "l", "zz") is None
    assert c("LPOS", "l", "c", "RANK", "2") == 6
    assert c("LPOS", "l", "c", "RANK", "4") is None
    assert c("LPOS", "l", "c", "RANK", "-1") == 7
    assert c("LPOS", "l", "c", "RANK", "-3") == 2
    assert c("LPOS", "l", "c", "COUNT", "0") == [2, 6, 7]
    assert c("LPOS", "l", "c", "COUNT", "2") == [2, 6]
    assert c("LPOS", "l", "c", "COUNT", "2", "RANK", "2") == [6, 7]
    assert c("LPOS", "l", "c", "COUNT", "0", "RANK", "-1") == [7, 6, 2]
    assert c("LPOS", "l", "c", "COUNT", "1", "RANK", "-2") == [6]
    assert c("LPOS", "l", "zz", "COUNT", "0") == []
    assert c("LPOS", "l", "c", "MAXLEN", "3") == 2
    assert c("LPOS", "l", "c", "MAXLEN", "2") is None
    assert c("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7") == [2, 6]
    assert c("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "2", "RANK", "-1") == [7, 6]
    assert c("LPOS", "l", "c", "rank", "1", "count", "1", "maxlen", "0") == [2]
    # RANK given twice: the last one counts.
    assert c("LPOS", "l", "c", "RANK", "1", "RANK", "2") == 6


def test_lpos_rank_long_min(c):
    # Redis negates the rank in a long; LONG_MIN stays negative and matches from the first hit.
    c("RPUSH", "l", "a", "x", "a", "x", "a")
    assert c("LPOS", "l", "a", "RANK", "-9223372036854775808") == 4
    assert c("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1") == [4, 2, 0]


def test_lpos_errors(c):
    c("RPUSH", "l", "a")
    assert c("LPOS", "l", "a", "RANK", "0") == RANK_ZERO
    assert c("LPOS", "l", "a", "RANK", "x") == E.NOT_INTEGER
    assert c("LPOS", "l", "a", "COUNT", "-1") == COUNT_NEGATIVE
    assert c("LPOS", "l", "a", "COUNT", "x") == COUNT_NEGATIVE
    assert c("LPOS", "l", "a", "MAXLEN", "-1") == MAXLEN_NEGATIVE
    assert c("LPOS", "l", "a", "MAXLEN", "1.5") == MAXLEN_NEGATIVE
    assert c("LPOS", "l", "a", "FOO") == E.SYNTAX
    assert c("LPOS", "l", "a", "COUNT") == E.SYNTAX
    assert c("LPOS", "l", "a", "RANK", "1", "MAXLEN") == E.SYNTAX
    # Options are checked before the key.
    assert c("LPOS", "nokey", "a", "RANK", "0") == RANK_ZERO


def test_lpos_missing_key_forms(raw, r3):
    assert raw(b"LPOS nokey a\r\nLPOS nokey a COUNT 0\r\nRPUSH l b\r\nLPOS l a\r\n"
               b"LPOS l a COUNT 1\r\n") == b"$-1\r\n*0\r\n:1\r\n$-1\r\n*0\r\n"
    assert r3("LPOS", "nokey", "a") is None
    assert r3("LPOS", "nokey", "a", "COUNT", "2") == []


# ---------------------------------------------------------------- LMOVE / RPOPLPUSH


@pytest.mark.parametrize("same_shard", [False, True])
def test_lmove_directions(c, same_shard):
    src, dst = ("{t}src", "{t}dst") if same_shard else spread(2)
    c("RPUSH", src, "1", "2", "3", "4")
    c("RPUSH", dst, "x")
    assert c("LMOVE", src, dst, "LEFT", "LEFT") == b"1"
    assert c("LMOVE", src, dst, "LEFT", "RIGHT") == b"2"
    assert c("LMOVE", src, dst, "right", "left") == b"4"
    assert c("LMOVE", src, dst, "Right", "Right") == b"3"
    assert c("EXISTS", src) == 0
    assert lrange(c, dst) == [b"4", b"1", b"x", b"2", b"3"]
    assert c("LMOVE", src, dst, "LEFT", "LEFT") is None
    # A missing destination is created.
    new = spread(3)[2] if not same_shard else "{t}new"
    assert c("LMOVE", dst, new, "RIGHT", "LEFT") == b"3"
    assert lrange(c, new) == [b"3"]
    assert c("TTL", new) == -1


def test_lmove_same_key_rotates(c):
    c("RPUSH", "l", "a", "b", "c")
    assert c("LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert lrange(c, "l") == [b"b", b"c", b"a"]
    assert c("RPOPLPUSH", "l", "l") == b"a"
    assert lrange(c, "l") == [b"a", b"b", b"c"]
    assert c("LMOVE", "l", "l", "LEFT", "LEFT") == b"a"
    assert lrange(c, "l") == [b"a", b"b", b"c"]
    c("RPUSH", "one", "x")
    assert c("EXPIRE", "one", "100") == 1
    assert c("LMOVE", "one", "one", "RIGHT", "LEFT") == b"x"
    assert lrange(c, "one") == [b"x"]
    assert 0 < c("TTL", "one") <= 100  # the key was never deleted


def test_lmove_errors_and_order(c):
    src, dst = spread(2)
    assert c("LMOVE", src, dst, "UP", "LEFT") == E.SYNTAX
    assert c("LMOVE", src, dst, "LEFT", "DOWN") == E.SYNTAX
    # Missing source: nil, even when the destination holds another type.
    c("SET", dst, "str")
    assert c("LMOVE", src, dst, "LEFT", "LEFT") is None
    # Destination of the wrong type: WRONGTYPE, nothing popped.
    c("RPUSH", src, "a", "b")
    assert c("LMOVE", src, dst, "LEFT", "LEFT") == E.WRONGTYPE
    assert c("RPOPLPUSH", src, dst) == E.WRONGTYPE
    assert lrange(c, src) == [b"a", b"b"]
    assert c("GET", dst) == b"str"


def test_lmove_nil_forms(raw, r3):
    assert raw(b"LMOVE a b LEFT LEFT\r\nRPOPLPUSH a b\r\n") == b"$-1\r\n$-1\r\n"
    assert r3("LMOVE", "a", "b", "LEFT", "LEFT") is None


def test_rpoplpush(c):
    src, dst = spread(2)
    c("RPUSH", src, "a", "b", "c")
    assert c("RPOPLPUSH", src, dst) == b"c"
    assert c("RPOPLPUSH", src, dst) == b"b"
    assert lrange(c, dst) == [b"b", b"c"]
    assert c("RPOPLPUSH", src, dst) == b"a"
    assert c("EXISTS", src) == 0
    assert c("RPOPLPUSH", src, dst) is None
    assert lrange(c, dst) == [b"a", b"b", b"c"]


def test_lmove_chain_across_shards(c):
    keys = spread(4, "ring")
    c("RPUSH", keys[0], *[str(i) for i in range(50)])
    for step in range(200):
        s, d = keys[step % 4], keys[(step + 1) % 4]
        c("LMOVE", s, d, "LEFT" if step % 2 else "RIGHT", "RIGHT" if step % 3 else "LEFT")
    everything = []
    for k in keys:
        everything += lrange(c, k)
    assert sorted(everything) == sorted(str(i).encode() for i in range(50))


def test_pipelined_moves_keep_order(c):
    a, b = spread(2, "pipe")
    assert c.pipeline([("RPUSH", a, "1", "2", "3"), ("LMOVE", a, b, "LEFT", "RIGHT"),
                       ("LRANGE", b, "0", "-1"), ("LMOVE", b, a, "RIGHT", "LEFT"),
                       ("LRANGE", a, "0", "-1"), ("RPOPLPUSH", a, b), ("LPUSH", a, "0"),
                       ("LMPOP", "2", b, a, "LEFT", "COUNT", "5"), ("LLEN", a),
                       ("LMPOP", "2", b, a, "RIGHT", "COUNT", "5")]) == \
        [3, b"1", [b"1"], b"1", [b"1", b"2", b"3"], b"3", 3, [b.encode(), [b"3"]], 3,
         [a.encode(), [b"2", b"1", b"0"]]]
    assert c("EXISTS", a, b) == 0


def test_copy_rename_lists_across_shards(c):
    a, b, d = spread(3, "cp")
    c("RPUSH", a, *[str(i) for i in range(500)])
    assert c("COPY", a, b) == 1
    c("LSET", b, "0", "changed")
    c("RPOP", b)
    assert c("LINDEX", a, "0") == b"0"
    assert c("LLEN", a) == 500
    assert c("RENAME", b, d) == "OK"
    assert c("LLEN", d) == 499
    assert c("LINDEX", d, "0") == b"changed"
    assert c("TYPE", d) == "list"
    assert c("OBJECT", "ENCODING", d) == b"quicklist"


# ---------------------------------------------------------------- LMPOP


def test_lmpop(c):
    a, b, d = spread(3)
    assert c("LMPOP", "3", a, b, d, "LEFT") is None
    c("RPUSH", b, "1", "2", "3")
    c("RPUSH", d, "x")
    assert c("LMPOP", "3", a, b, d, "LEFT") == [b.encode(), [b"1"]]
    assert c("LMPOP", "3", a, b, d, "RIGHT", "COUNT", "10") == [b.encode(), [b"3", b"2"]]
    assert c("EXISTS", b) == 0
    assert c("LMPOP", "3", a, b, d, "left", "count", "1") == [d.encode(), [b"x"]]
    assert c("LMPOP", "1", a, "LEFT") is None


def test_lmpop_first_existing_key_decides(c):
    a, b, d = spread(3)
    c("SET", a, "str")
    c("RPUSH", b, "1")
    assert c("LMPOP", "2", a, b, "LEFT") == E.WRONGTYPE
    assert c("LMPOP", "2", b, a, "LEFT") == [b.encode(), [b"1"]]
    assert c("LMPOP", "2", d, a, "LEFT") == E.WRONGTYPE


def test_lmpop_same_shard_keys(c):
    c("RPUSH", "{t}2", "a", "b")
    assert c("LMPOP", "2", "{t}1", "{t}2", "RIGHT", "COUNT", "2") == [b"{t}2", [b"b", b"a"]]


def test_lmpop_errors(c):
    for args, err in [(("x", "l", "LEFT"), NUMKEYS), (("0", "l", "LEFT"), NUMKEYS),
                      (("-1", "l", "LEFT"), NUMKEYS), (("1", "l", "UP"), E.SYNTAX),
                      (("2", "l", "LEFT"), E.SYNTAX), (("5", "l", "LEFT"), E.SYNTAX),
                      (("1", "l", "LEFT", "COUNT", "0"), COUNT_POSITIVE),
                      (("1", "l", "LEFT", "COUNT", "x"), COUNT_POSITIVE),
                      (("1", "l", "LEFT", "COUNT", "-3"), COUNT_POSITIVE),
                      (("1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), E.SYNTAX),
                      (("1", "l", "LEFT", "COUNT"), E.SYNTAX),
                      (("1", "l", "LEFT", "FOO"), E.SYNTAX)]:
        assert c("LMPOP", *args) == err, args


def test_lmpop_nil_forms(raw, r3):
    assert raw(b"LMPOP 1 nokey LEFT\r\n") == b"*-1\r\n"
    assert r3("LMPOP", "2", "a", "b", "RIGHT") is None
    r3("RPUSH", "b", "v")
    assert r3("LMPOP", "2", "a", "b", "RIGHT") == [b"b", [b"v"]]


def test_lmpop_getkeys(c):
    assert c("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT") == [b"a", b"b"]
    assert c("COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT") == [b"a", b"b"]


# ---------------------------------------------------------------- blocking: immediate paths


def test_blpop_brpop_immediate(c):
    a, b, d = spread(3)
    c("RPUSH", b, "1", "2")
    c("RPUSH", d, "x")
    assert c("BLPOP", a, b, d, "0") == [b.encode(), b"1"]
    assert c("BRPOP", a, b, d, "1") == [b.encode(), b"2"]
    assert c("EXISTS", b) == 0
    assert c("BRPOP", a, b, d, "0.5") == [d.encode(), b"x"]


def test_blocking_first_existing_key_wrongtype(c):
    a, b = spread(2)
    c("SET", a, "str")
    c("RPUSH", b, "1")
    assert c("BLPOP", a, b, "0") == E.WRONGTYPE
    assert c("BLMPOP", "0", "2", a, b, "LEFT") == E.WRONGTYPE
    assert c("BLPOP", b, a, "0") == [b.encode(), b"1"]


def test_blmove_brpoplpush_immediate(c):
    src, dst = spread(2)
    c("RPUSH", src, "a", "b", "c")
    assert c("BLMOVE", src, dst, "LEFT", "RIGHT", "0") == b"a"
    assert c("BRPOPLPUSH", src, dst, "0") == b"c"
    assert lrange(c, dst) == [b"c", b"a"]
    assert c("BLMOVE", src, src, "LEFT", "RIGHT", "0") == b"b"
    assert lrange(c, src) == [b"b"]
    assert c("BLMOVE", src, dst, "LEFT", "LEFT", "0") == b"b"
    c("RPUSH", src, "z")
    c("SET", dst, "str")
    assert c("BLMOVE", src, dst, "LEFT", "LEFT", "0") == E.WRONGTYPE
    assert c("BRPOPLPUSH", src, dst, "0") == E.WRONGTYPE
    assert lrange(c, src) == [b"z"]


def test_blmpop_immediate(c):
    a, b = spread(2)
    c("RPUSH", b, "1", "2", "3")
    assert c("BLMPOP", "0", "2", a, b, "RIGHT", "COUNT", "2") == [b.encode(), [b"3", b"2"]]
    assert c("BLMPOP", "0.1", "2", a, b, "LEFT") == [b.encode(), [b"1"]]
    assert c("EXISTS", b) == 0


def test_blocking_argument_errors(c):
    for args, err in [(("BLPOP", "l", "-1"), TIMEOUT_NEGATIVE),
                      (("BLPOP", "l", "abc"), TIMEOUT_NOT_FLOAT),
                      (("BRPOP", "l", "m", "1x"), TIMEOUT_NOT_FLOAT),
                      (("BLMOVE", "l", "m", "UP", "LEFT", "0"), E.SYNTAX),
                      (("BLMOVE", "l", "m", "LEFT", "LEFT", "x"), TIMEOUT_NOT_FLOAT),
                      (("BLMOVE", "l", "m", "LEFT", "LEFT", "-0.5"), TIMEOUT_NEGATIVE),
                      (("BRPOPLPUSH", "l", "m", "nan"), TIMEOUT_NOT_FLOAT),
                      (("BLMPOP", "abc", "1", "l", "LEFT"), TIMEOUT_NOT_FLOAT),
                      (("BLMPOP", "-1", "1", "l", "LEFT"), TIMEOUT_NEGATIVE),
                      (("BLMPOP", "0", "x", "l", "LEFT"), NUMKEYS),
                      (("BLMPOP", "0", "0", "l", "LEFT"), NUMKEYS),
                      (("BLMPOP", "0", "1", "l", "UP"), E.SYNTAX),
                      (("BLMPOP", "0", "3", "l", "LEFT"), E.SYNTAX),
                      (("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"), COUNT_POSITIVE),
                      (("BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"), COUNT_POSITIVE)]:
        assert c(*args) == err, args


def test_blocking_short_timeouts(raw):
    a, b = spread(2)
    cmds = ("BLPOP %s %s 0.05\r\nBRPOP %s 0.05\r\nBLMOVE %s %s LEFT LEFT 0.05\r\n"
            "BRPOPLPUSH %s %s 0.05\r\nBLMPOP 0.05 2 %s %s LEFT\r\n"
            % (a, b, a, a, b, a, b, a, b)).encode()
    # Redis 7.0 times every list pop out with a null array, BLMOVE and BRPOPLPUSH included.
    assert raw(cmds, idle=1.0) == b"*-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n"


def test_blocking_short_timeouts_resp3(r3):
    a, b = spread(2)
    assert r3("BLPOP", a, b, "0.05") is None
    assert r3("BLMOVE", a, b, "RIGHT", "LEFT", "0.05") is None
    assert r3("BLMPOP", "0.05", "1", a, "RIGHT") is None
    assert r3("EXISTS", a, b) == 0


# ---------------------------------------------------------------- big lists, node sizes


def test_list_100k(c):
    n = 100000
    for start in range(0, n, 10000):
        assert c("RPUSH", "big", *[str(i) for i in range(start, start + 10000)]) == start + 10000
    assert c("LLEN", "big") == n
    assert c("LINDEX", "big", "0") == b"0"
    assert c("LINDEX", "big", "-1") == b"99999"
    assert c("LINDEX", "big", "50000") == b"50000"
    assert c("LINDEX", "big", "-50001") == b"49999"
    assert c("LRANGE", "big", "0", "4") == [b"0", b"1", b"2", b"3", b"4"]
    assert c("LRANGE", "big", "-3", "-1") == [b"99997", b"99998", b"99999"]
    assert c("LRANGE", "big", "49998", "50001") == [b"49998", b"49999", b"50000", b"50001"]
    mid = c("LRANGE", "big", "30000", "39999")
    assert mid == [str(i).encode() for i in range(30000, 40000)]
    assert c("LPOS", "big", "99998") == 99998
    assert c("LPOS", "big", "5", "RANK", "-1") == 5
    assert c("LTRIM", "big", "1000", "-1001") == "OK"
    assert c("LLEN", "big") == n - 2000
    assert c("LINDEX", "big", "0") == b"1000"
    assert c("LINDEX", "big", "-1") == b"98999"
    assert c("LRANGE", "big", "48000", "48002") == [b"49000", b"49001", b"49002"]
    assert c("LPOP", "big", "3") == [b"1000", b"1001", b"1002"]
    assert c("RPOP", "big", "2") == [b"98999", b"98998"]
    assert c("LSET", "big", "50000", "changed") == "OK"
    assert c("LINDEX", "big", "50000") == b"changed"
    assert c("LTRIM", "big", "10", "19") == "OK"
    assert lrange(c, "big") == [str(i).encode() for i in range(1013, 1023)]


@pytest.mark.parametrize("fill", ["1", "2", "7", "128", "-1", "-2", "-5", "0", "-9"])
def test_listpack_size_settings(c, listpack_size, fill):
    assert c("CONFIG", "SET", "list-max-listpack-size", fill) == "OK"
    rng = random.Random(int(fill) + 100)
    vals = []
    for i in range(400):
        kind = rng.random()
        if kind < 0.3:
            vals.append(str(rng.randint(-1000, 1000)))
        elif kind < 0.35:
            vals.append("x" * rng.randint(1000, 6000))
        else:
            vals.append("v%d" % i)
    half = len(vals) // 2
    c("RPUSH", "l", *vals[half:])
    c("LPUSH", "l", *reversed(vals[:half]))
    assert lrange(c, "l") == [v.encode() for v in vals]
    for start, stop in [(0, 9), (100, 150), (-50, -1), (195, 205), (390, 500)]:
        assert c("LRANGE", "l", str(start), str(stop)) == \
            [v.encode() for v in vals[start:(stop + 1) if stop != -1 else None]]
    assert c("OBJECT", "ENCODING", "l") == b"quicklist"
    # Lists created before a change keep working after it.
    assert c("CONFIG", "SET", "list-max-listpack-size", "3") == "OK"
    c("RPUSH", "l", "tail")
    assert c("LINDEX", "l", "-1") == b"tail"
    assert c("LLEN", "l") == len(vals) + 1


@pytest.mark.parametrize("fill", ["2", "-1"])
def test_random_operations_match_model(c, listpack_size, fill):
    assert c("CONFIG", "SET", "list-max-listpack-size", fill) == "OK"
    rng = random.Random(fill)
    keys = spread(3, "rnd")
    model = {k: [] for k in keys}

    def value():
        r = rng.random()
        if r < 0.3:
            return str(rng.randint(0, 20))
        if r < 0.35:
            return "w" * rng.randint(300, 3000)
        return rng.choice(["a", "b", "c", "dd"])

    for step in range(900):
        k = rng.choice(keys)
        m = model[k]
        op = rng.randrange(10)
        if op < 3:
            vs = [value() for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.5:
                assert c("RPUSH", k, *vs) == len(m) + len(vs)
                m.extend(vs)
            else:
                assert c("LPUSH", k, *vs) == len(m) + len(vs)
                m[:0] = reversed(vs)
        elif op == 3:
            cnt = rng.randint(1, 3)
            got = c("LPOP", k, str(cnt))
            assert got == ([v.encode() for v in m[:cnt]] if m else None)
            del m[:cnt]
        elif op == 4 and m:
            i = rng.randrange(-len(m), len(m))
            v = value()
            assert c("LSET", k, str(i), v) == "OK"
            m[i] = v
        elif op == 5 and m:
            pivot = rng.choice(m)
            v = value()
            after = rng.random() < 0.5
            assert c("LINSERT", k, "AFTER" if after else "BEFORE", pivot, v) == len(m) + 1
            j = m.index(pivot)
            m.insert(j + 1 if after else j, v)
        elif op == 6:
            v = value()
            cnt = rng.randint(-2, 2)
            want = 0
            idx = range(len(m) - 1, -1, -1) if cnt < 0 else range(len(m))
            drop = set()
            for j in idx:
                if m[j] == v and (cnt == 0 or want < abs(cnt)):
                    drop.add(j)
                    want += 1
            assert c("LREM", k, str(cnt), v) == want
            m[:] = [x for j, x in enumerate(m) if j not in drop]
        elif op == 7 and m:
            a = rng.randint(-len(m) - 2, len(m) + 2)
            b = rng.randint(-len(m) - 2, len(m) + 2)
            assert c("LTRIM", k, str(a), str(b)) == "OK"
            n = len(m)
            s = max(a + n if a < 0 else a, 0)
            e = b + n if b < 0 else b
            m[:] = [] if s > e or s >= n else m[s:min(e, n - 1) + 1]
        elif op == 8:
            d = rng.choice(keys)
            got = c("LMOVE", k, d, "LEFT", "RIGHT")
            if not m:
                assert got is None
            else:
                v = m.pop(0)
                assert got == v.encode()
                model[d].append(v)
        else:
            assert c("LLEN", k) == len(m)
        if step % 30 == 0:
            for kk in keys:
                assert lrange(c, kk) == [v.encode() for v in model[kk]]
    for kk in keys:
        assert lrange(c, kk) == [v.encode() for v in model[kk]]
        assert c("EXISTS", kk) == (1 if model[kk] else 0)


# ---------------------------------------------------------------- concurrency across shards


def test_lmove_across_shards_is_atomic(c, new_client):
    """One element bounces between two lists on different shards; a concurrent EXISTS over both
    must always see exactly one of them (an emptied list is deleted), never both or neither."""
    a, b = spread(2, "bounce")
    c("RPUSH", a, "token")
    stop = threading.Event()
    errors = []

    def mover(src, dst):
        cl = new_client()
        try:
            while not stop.is_set():
                cl("LMOVE", src, dst, "LEFT", "RIGHT")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=mover, args=(a, b)),
               threading.Thread(target=mover, args=(b, a))]
    for t in threads:
        t.start()
    try:
        reader = new_client()
        for _ in range(1500):
            assert reader("EXISTS", a, b) == 1
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    assert lrange(c, a) + lrange(c, b) == [b"token"]


def test_concurrent_moves_lose_nothing(c, new_client):
    keys = spread(4, "cring")
    c("RPUSH", keys[0], *[str(i) for i in range(100)])
    errors = []

    def worker(i):
        cl = new_client()
        try:
            for n in range(300):
                src, dst = keys[(i + n) % 4], keys[(i + n + 1) % 4]
                if n % 3 == 0:
                    cl("RPOPLPUSH", src, dst)
                else:
                    cl("LMOVE", src, dst, "LEFT", "RIGHT")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    everything = []
    for k in keys:
        everything += lrange(c, k)
    assert sorted(everything) == sorted(str(i).encode() for i in range(100))
