"""HyperLogLog (Redis 7.0 hyperloglog.c): PFADD, PFCOUNT (one key and unions across shards),
PFMERGE, PFDEBUG, PFSELFTEST, hll-sparse-max-bytes, every error string, and byte compatibility
with a real redis-server 7.0 started here: the same PFADDs give the same GET bytes, and values
written by one server are read and extended by the other (sparse and dense). Corrupted values
are refused with -INVALIDOBJ or -WRONGTYPE and never kill the server. Key names that need to be
on different shards come from shoal_keys.spread_keys (no hash tags).
"""

import random

import pytest

import conftest
import shoal_errors as E
from conftest import Err, HOST
from shoal_events import Events
from shoal_keys import spread_keys
from shoal_resp import RespClient

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
INVALID = "INVALIDOBJ Corrupted HLL object detected"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
HDR = 16
DENSE_SIZE = 16 + 12288


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """A real Redis 7.0, whatever the server under test is."""
    tmp = tmp_path_factory.mktemp("hllpeer")
    port = conftest.free_port()
    argv = [conftest.REDIS_BIN, "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
    h = conftest.ServerHandle(argv, HOST, port, str(tmp / "peer.log"), cwd=str(tmp))
    conftest.wait_for_ping(HOST, port, h.proc)
    yield h
    problem = h.stop()
    if problem:
        pytest.fail("redis peer: " + problem, pytrace=False)


@pytest.fixture
def p(peer):
    cl = RespClient(peer.host, peer.port)
    assert cl("FLUSHALL") == "OK"
    assert cl("CONFIG", "SET", "hll-sparse-max-bytes", "3000") == "OK"
    yield cl
    cl.close()


@pytest.fixture
def s(c):
    assert c("CONFIG", "SET", "hll-sparse-max-bytes", "3000") == "OK"
    yield c
    c("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def both(s, p, *cmd):
    a, b = s(*cmd), p(*cmd)
    assert a == b, (cmd, a, b)
    return a


def elements(prefix, n):
    return ["%s:%d" % (prefix, i) for i in range(n)]


def pfadd_chunks(cl, key, elems, chunk=500):
    out = 0
    for i in range(0, len(elems), chunk):
        out |= cl("PFADD", key, *elems[i:i + chunk])
    return out


# ---------------------------------------------------------------------------------------------
# Commands


def test_pfadd_basics(s):
    assert s("PFADD", "hll") == 1  # creates an empty HLL
    assert s("EXISTS", "hll") == 1
    assert s("TYPE", "hll") == "string"
    assert s("PFCOUNT", "hll") == 0
    assert s("PFADD", "hll") == 0
    assert s("PFADD", "hll", "a", "b", "c") == 1
    assert s("PFADD", "hll", "a", "b", "c") == 0
    assert s("PFADD", "hll", "") == 1
    assert s("PFCOUNT", "hll") == 4
    assert s("PFCOUNT", "nokey") == 0
    assert s("EXISTS", "nokey") == 0


def test_pfcount_cached_value(s):
    s("PFADD", "hll", 1, 2, 3, 4, 5)
    raw = s("GET", "hll")
    assert raw[15] & 0x80  # stale after PFADD
    assert s("PFCOUNT", "hll") == 5
    raw = s("GET", "hll")
    assert raw[15] & 0x80 == 0
    assert int.from_bytes(raw[8:16], "little") == 5
    s("PFADD", "hll", 6, 7, 8, 8, 9, 10)
    assert s("PFCOUNT", "hll") == 10
    # A cache that says something else is believed (Redis does not recount).
    s("SETRANGE", "hll", 8, b"\x2a")
    assert s("PFCOUNT", "hll") == 42


def test_arity_errors(s):
    assert s("PFADD") == Err(E.arity("pfadd"))
    assert s("PFCOUNT") == Err(E.arity("pfcount"))
    assert s("PFMERGE") == Err(E.arity("pfmerge"))
    assert s("PFDEBUG", "encoding") == Err(E.arity("pfdebug"))
    assert s("PFDEBUG", "encoding", "a", "b") == Err(E.arity("pfdebug"))
    assert s("PFSELFTEST", "x") == Err(E.arity("pfselftest"))


def test_wrong_types(s):
    s("LPUSH", "list", "a")
    s("SET", "str", "hello world, this is not an HLL")
    s("SET", "int", "12345")
    for key in ("list",):
        assert s("PFADD", key, "a") == Err(WRONGTYPE)
        assert s("PFCOUNT", key) == Err(WRONGTYPE)
        assert s("PFMERGE", key) == Err(WRONGTYPE)
        assert s("PFMERGE", "dest", key) == Err(WRONGTYPE)
        assert s("PFDEBUG", "encoding", key) == Err(WRONGTYPE)
    for key in ("str", "int"):
        assert s("PFADD", key, "a") == Err(NOT_HLL)
        assert s("PFCOUNT", key) == Err(NOT_HLL)
        assert s("PFCOUNT", "nokey", key) == Err(NOT_HLL)
        assert s("PFMERGE", "dest", key) == Err(NOT_HLL)
        assert s("PFDEBUG", "getreg", key) == Err(NOT_HLL)
    assert s("EXISTS", "dest") == 0
    s("PFADD", "h", "a")
    # The first failing key, in argument order, decides the error.
    assert s("PFCOUNT", "h", "str", "list") == Err(NOT_HLL)
    assert s("PFCOUNT", "h", "list", "str") == Err(WRONGTYPE)


def test_corrupted_headers(s):
    s("PFADD", "hll", "a", "b", "c")
    s("SETRANGE", "hll", 0, "0123")  # broken magic
    assert s("PFCOUNT", "hll") == Err(NOT_HLL)
    s("DEL", "hll")
    s("PFADD", "hll", "a", "b", "c")
    s("SETRANGE", "hll", 4, "x")  # unknown encoding
    assert s("PFCOUNT", "hll") == Err(NOT_HLL)
    s("DEL", "hll")
    s("PFADD", "hll", "a", "b", "c")
    s("SETRANGE", "hll", 4, b"\x00")  # dense, wrong length
    assert s("PFCOUNT", "hll") == Err(NOT_HLL)
    s("SET", "short", "HYLL")
    assert s("PFCOUNT", "short") == Err(NOT_HLL)


def test_corrupted_sparse_bodies(s):
    s("PFADD", "hll", "a", "b", "c")
    s("APPEND", "hll", "hello")  # registers past 16384
    assert s("PFCOUNT", "hll") == Err(INVALID)
    assert s("PFCOUNT", "hll", "other") == Err(INVALID)
    assert s("PFMERGE", "dest", "hll") == Err(INVALID)
    assert s("EXISTS", "dest") == 0
    assert s("PFDEBUG", "todense", "hll") == Err(INVALID)
    assert s("PFDEBUG", "getreg", "hll") == Err(INVALID)
    # A value cut short inside its last XZERO.
    s("DEL", "hll")
    s("PFADD", "hll", "a")
    v = s("GET", "hll")
    s("SET", "cut", v[:-1])
    assert s("PFCOUNT", "cut") == Err(INVALID)


def test_fuzzing_never_kills_the_server(s):
    rnd = random.Random(1234)
    for i in range(300):
        s("DEL", "hll")
        if i % 2:
            s("PFADD", "hll", *elements("f", rnd.randint(0, 50)))
        else:
            s("PFADD", "hll", *elements("f", 3000))
        v = bytearray(s("GET", "hll"))
        for _ in range(rnd.randint(1, 10)):
            pos = rnd.randrange(HDR, len(v))
            v[pos] = rnd.randrange(256)
        s("SET", "hll", bytes(v))
        for cmd in (("PFCOUNT", "hll"), ("PFADD", "hll", "x%d" % i), ("PFCOUNT", "hll", "nokey"),
                    ("PFMERGE", "dst", "hll"), ("PFDEBUG", "encoding", "hll")):
            reply = s(*cmd)
            assert isinstance(reply, (int, str)), (cmd, reply)
            if isinstance(reply, Err):
                assert reply == INVALID, (cmd, reply)
    # Random bytes after a valid sparse header.
    for i in range(300):
        body = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 40)))
        s("SET", "hll", b"HYLL\x01\x00\x00\x00" + bytes(8) + body)
        for cmd in (("PFADD", "hll", "a", "b", "c"), ("PFCOUNT", "hll"),
                    ("PFCOUNT", "hll", "nokey"), ("PFDEBUG", "decode", "hll")):
            reply = s(*cmd)
            if isinstance(reply, Err):
                assert reply in (INVALID, "ERR HLL encoding is not sparse"), (cmd, reply)
    assert s("PING") == "PONG"


def test_sparse_to_dense_promotion(s):
    assert s("CONFIG", "GET", "hll-sparse-max-bytes") == [b"hll-sparse-max-bytes", b"3000"]
    n = 0
    rnd = random.Random(5)
    while n < 20000:
        n += 100
        s("PFADD", "hll", *[str(rnd.random()) for _ in range(100)])
        card = s("PFCOUNT", "hll")
        assert abs(card - n) < card / 100 * 5
        enc = s("PFDEBUG", "encoding", "hll")
        if n < 1000:
            assert enc == "sparse"
        elif n > 10000:
            assert enc == "dense"
    assert len(s("GET", "hll")) == DENSE_SIZE


def test_hll_sparse_max_bytes_config(s):
    assert s("CONFIG", "SET", "hll-sparse-max-bytes", "30") == "OK"
    assert s("CONFIG", "GET", "hll-sparse-max-bytes") == [b"hll-sparse-max-bytes", b"30"]
    s("PFADD", "hll", "a", "b", "c")
    assert s("PFDEBUG", "encoding", "hll") == "sparse"
    s("PFADD", "hll", *elements("e", 10))
    assert s("PFDEBUG", "encoding", "hll") == "dense"
    assert s("CONFIG", "SET", "hll-sparse-max-bytes", "0") == "OK"
    s("PFADD", "h0", "a")
    assert s("PFDEBUG", "encoding", "h0") == "dense"
    assert s("CONFIG", "SET", "hll-sparse-max-bytes", "-1") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument "
        "must be a memory value")
    assert s("CONFIG", "SET", "hll-sparse-max-bytes", "1kb") == "OK"
    assert s("CONFIG", "GET", "hll-sparse-max-bytes") == [b"hll-sparse-max-bytes", b"1024"]


def test_pfdebug(s):
    assert s("PFDEBUG", "getreg", "nokey") == Err("ERR The specified key does not exist")
    s("PFADD", "hll", "a", "b", "c")
    assert s("PFDEBUG", "encoding", "hll") == "sparse"
    assert s("PFDEBUG", "ENCODING", "hll") == "sparse"
    assert s("PFDEBUG", "decode", "hll") == b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
    assert s("PFDEBUG", "nope", "hll") == Err("ERR Unknown PFDEBUG subcommand 'nope'")
    assert s("PFDEBUG", "todense", "hll") == 1
    assert s("PFDEBUG", "todense", "hll") == 0
    assert s("PFDEBUG", "encoding", "hll") == "dense"
    assert s("PFDEBUG", "decode", "hll") == Err("ERR HLL encoding is not sparse")
    regs = s("PFDEBUG", "getreg", "hll")
    assert len(regs) == 16384
    assert sorted(r for r in regs if r) == [1, 1, 2]
    assert regs[8436] == 1 and regs[8436 + 1 + 4274] == 2
    s("PFADD", "h2", "a", "b", "c")
    assert s("PFDEBUG", "getreg", "h2") == regs  # GETREG turns it dense too
    assert s("PFDEBUG", "encoding", "h2") == "dense"
    assert s("PFCOUNT", "hll") == 3


def test_pfselftest(s):
    assert s("PFSELFTEST") == "OK"


def test_pfcount_union_across_shards(s):
    keys = spread_keys("hll", 6)
    all_elems = []
    for i, k in enumerate(keys):
        el = elements("u%d" % (i % 3), 200 + 300 * i)  # overlapping sets
        all_elems += el
        pfadd_chunks(s, k, el)
    s("PFDEBUG", "todense", keys[0])
    pfadd_chunks(s, "together", all_elems)
    before = [s("GET", k) for k in keys]
    assert s("PFCOUNT", *keys) == s("PFCOUNT", "together")
    assert s("PFCOUNT", *keys, "missing1", "missing2") == s("PFCOUNT", "together")
    # The union reads and never writes: the keys' cached values stay stale.
    assert [s("GET", k) for k in keys] == before
    assert s("PFCOUNT", "missing1", "missing2") == 0
    assert s("PFCOUNT", keys[1], keys[1]) == s("PFCOUNT", keys[1])


def test_pfmerge_across_shards(s):
    keys = spread_keys("m", 5)
    dest = keys[0]
    all_elems = []
    for i, k in enumerate(keys[1:]):
        el = elements("m%d" % i, 150)
        all_elems += el
        s("PFADD", k, *el)
    assert s("PFMERGE", dest, *keys[1:], "nothere") == "OK"
    s("PFADD", "ref", *all_elems)
    assert s("PFCOUNT", dest) == s("PFCOUNT", "ref")
    assert s("PFDEBUG", "encoding", dest) == "sparse"
    # A dense source makes the destination dense.
    s("PFDEBUG", "todense", keys[1])
    assert s("PFMERGE", dest, keys[1]) == "OK"
    assert s("PFDEBUG", "encoding", dest) == "dense"
    assert s("PFCOUNT", dest) == s("PFCOUNT", "ref")
    # Destination alone, or missing with no sources: an empty HLL.
    assert s("PFMERGE", "empty") == "OK"
    assert s("PFCOUNT", "empty") == 0
    assert s("STRLEN", "empty") == 18
    # The destination keeps its TTL.
    s("EXPIRE", dest, 1000)
    assert s("PFMERGE", dest, keys[2]) == "OK"
    assert 0 < s("TTL", dest) <= 1000


def test_pfadd_keeps_ttl(s):
    s("PFADD", "hll", "a")
    s("EXPIRE", "hll", 1000)
    s("PFADD", "hll", *elements("t", 5000))
    assert 0 < s("TTL", "hll") <= 1000


def test_multi_exec(s):
    keys = spread_keys("x", 3)
    assert s("MULTI") == "OK"
    assert s("PFADD", keys[0], "a", "b") == "QUEUED"
    assert s("PFADD", keys[1], "c", "d", "e") == "QUEUED"
    assert s("PFCOUNT", keys[0]) == "QUEUED"
    assert s("PFCOUNT", keys[0], keys[1]) == "QUEUED"
    assert s("PFMERGE", keys[2], keys[0], keys[1]) == "QUEUED"
    assert s("PFCOUNT", keys[2]) == "QUEUED"
    assert s("PFADD", "list") == "QUEUED"
    assert s("EXEC") == [1, 1, 2, 5, "OK", 5, 1]
    s("LPUSH", "lst", "x")
    assert s("MULTI") == "OK"
    assert s("PFCOUNT", keys[0], "lst") == "QUEUED"
    assert s("PFMERGE", keys[2], "lst") == "QUEUED"
    assert s("EXEC") == [Err(WRONGTYPE), Err(WRONGTYPE)]


def test_watch_sees_cache_update(s, new_client):
    s("PFADD", "hll", "a", "b")
    other = new_client()
    assert s("WATCH", "hll") == "OK"
    assert other("PFCOUNT", "hll") == 2  # stores the cardinality: a change
    assert s("MULTI") == "OK"
    s("PING")
    assert s("EXEC") is None
    # Now the cache is valid: PFCOUNT changes nothing.
    assert s("WATCH", "hll") == "OK"
    assert other("PFCOUNT", "hll") == 2
    assert other("PFCOUNT", "hll", "x") == 2
    assert s("MULTI") == "OK"
    s("PING")
    assert s("EXEC") == ["PONG"]


def test_notifications(server, s):
    ev = Events(server.host, server.port)
    try:
        keys = spread_keys("n", 2)
        s("PFADD", keys[0], "a")
        s("PFADD", keys[0], "a")  # no change: no event
        s("PFCOUNT", keys[0])
        s("PFMERGE", keys[1], keys[0])
        s("PFDEBUG", "todense", keys[1])
        assert ev.collect(s) == [("pfadd", keys[0]), ("pfadd", keys[1])]
    finally:
        ev.close()


# ---------------------------------------------------------------------------------------------
# Byte compatibility with redis-server 7.0


def test_same_bytes_as_redis_sparse_and_dense(s, p):
    rnd = random.Random(99)
    for n in (0, 1, 3, 10, 100, 500, 1500, 4000, 20000):
        key = "b%d" % n
        el = [("%x" % rnd.getrandbits(64)) for _ in range(n)]
        assert pfadd_chunks(s, key, el) == pfadd_chunks(p, key, el) or n == 0
        if n == 0:
            both(s, p, "PFADD", key)
        both(s, p, "GET", key)
        both(s, p, "PFDEBUG", "encoding", key)
        both(s, p, "PFCOUNT", key)
        both(s, p, "GET", key)  # the cached cardinality bytes
        both(s, p, "PFADD", key, "one-more")
        both(s, p, "GET", key)
    # Binary elements, every tail length of the hash.
    for ln in range(0, 20):
        both(s, p, "PFADD", "bin", bytes(range(ln)))
    both(s, p, "GET", "bin")
    both(s, p, "PFCOUNT", "bin")


def test_same_bytes_as_redis_merge_and_todense(s, p):
    for cl in (s, p):
        cl("PFADD", "a", *elements("a", 300))
        cl("PFADD", "b", *elements("b", 40))
        cl("PFADD", "c", *elements("c", 5000))
    both(s, p, "PFMERGE", "m1", "a", "b")
    both(s, p, "GET", "m1")
    both(s, p, "PFMERGE", "m2", "a", "c")
    both(s, p, "GET", "m2")
    both(s, p, "PFMERGE", "a", "b")
    both(s, p, "GET", "a")
    both(s, p, "PFCOUNT", "a", "b", "c")
    both(s, p, "PFDEBUG", "todense", "b")
    both(s, p, "GET", "b")
    both(s, p, "PFDEBUG", "decode", "a")


def test_values_move_between_servers(s, p):
    for n in (5, 200, 8000):
        src_el = elements("v%d" % n, n)
        # Redis's bytes into the server under test, and back.
        p("DEL", "k")
        pfadd_chunks(p, "k", src_el)
        s("SET", "k", p("GET", "k"))
        both(s, p, "PFCOUNT", "k")
        both(s, p, "PFADD", "k", *elements("more", 50))
        both(s, p, "GET", "k")
        s("DEL", "j")
        pfadd_chunks(s, "j", src_el)
        p("SET", "j", s("GET", "j"))
        both(s, p, "PFADD", "j", *elements("again", 50))
        both(s, p, "PFCOUNT", "j")
        both(s, p, "GET", "j")
    # DUMP/RESTORE carries the same string.
    p("DEL", "d")
    p("PFADD", "d", *elements("d", 100))
    payload = p("DUMP", "d")
    assert s("RESTORE", "d", 0, payload) == "OK"
    both(s, p, "PFCOUNT", "d")
    both(s, p, "GET", "d")


def test_pfcount_equals_redis(s, p):
    rnd = random.Random(3)
    keys = spread_keys("q", 4)
    for k in keys:
        el = ["%d" % rnd.randrange(100000) for _ in range(rnd.randint(1, 3000))]
        pfadd_chunks(s, k, el)
        pfadd_chunks(p, k, el)
    for k in keys:
        both(s, p, "PFCOUNT", k)
    both(s, p, "PFCOUNT", *keys)
    both(s, p, "PFCOUNT", keys[0], keys[2])
    both(s, p, "PFMERGE", "all", *keys)
    both(s, p, "GET", "all")
    both(s, p, "PFCOUNT", "all")


def test_noop_writes_keep_watch(s, new_client):
    s("PFADD", "h", "a")
    s("LPUSH", "lst", "x")
    other = new_client()
    assert s("WATCH", "h", "d") == "OK"
    assert other("PFADD", "h", "a") == 0  # nothing changes
    assert other("PFMERGE", "d", "lst") == Err(WRONGTYPE)
    assert other("PFCOUNT", "h", "d") == 1
    assert s("MULTI") == "OK"
    s("PING")
    assert s("EXEC") == ["PONG"]
    assert s("WATCH", "d") == "OK"
    assert other("PFMERGE", "d", "h") == "OK"
    assert s("MULTI") == "OK"
    s("PING")
    assert s("EXEC") is None


def test_tracking_invalidates_pfcount_readers(s, new_client):
    keys = spread_keys("t", 2)
    s("PFADD", keys[0], "a")
    s("PFADD", keys[1], "b")
    s("PFCOUNT", keys[0])  # cache valid: the tracked read below changes nothing
    t = new_client()
    assert isinstance(t("HELLO", "3"), dict)
    assert t("CLIENT", "TRACKING", "on") == "OK"
    assert t("PFCOUNT", keys[0]) == 1
    assert t("PFCOUNT", keys[0], keys[1]) == 2
    s("PFADD", keys[1], "c")
    m = t.read()
    assert list(m) == [b"invalidate", [keys[1].encode()]]
    s("PFADD", keys[0], "d")
    m = t.read()
    assert list(m) == [b"invalidate", [keys[0].encode()]]


def test_small_hll_set_as_embstr(s, p):
    for cl in (s, p):
        cl("PFADD", "e")
        cl("SET", "e2", cl("GET", "e"))
    both(s, p, "OBJECT", "ENCODING", "e")
    both(s, p, "OBJECT", "ENCODING", "e2")
    both(s, p, "PFCOUNT", "e2")
    both(s, p, "OBJECT", "ENCODING", "e2")  # PFCOUNT made it raw
    for cl in (s, p):
        cl("SET", "e3", cl("GET", "e"))
    both(s, p, "PFADD", "e3", "x")
    both(s, p, "OBJECT", "ENCODING", "e3")
    both(s, p, "GET", "e3")
