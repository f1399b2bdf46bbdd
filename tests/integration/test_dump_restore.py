"""DUMP and RESTORE (Redis 7.0 cluster.c dumpCommand / restoreCommand, rdb.c value encoding).

Every type and encoding round-trips on the server under test; payloads move between it and a real
redis-server 7.0 started here (both ways, big values included: LZF strings, lists of many nodes,
hashtables, skiplists); DUMP's bytes equal Redis's for small values built by the same commands;
RESTORE's options and every error string; keyspace events and the write path (WATCH, blocked
clients); and corrupted payloads (bytes flipped with the CRC64 recomputed, or the checksum check
switched off) never kill the server.

Runs on Shoal with 1 and 4 shards, and against redis-server 7.0 (then the peer is another Redis).
"""

import random
import struct
import threading
import time

import pytest

import conftest
import shoal_errors as E
from conftest import Err, HOST
from shoal_events import Events
from shoal_resp import RespClient

srv = conftest.sharded_server([1, 4])

# ---------------------------------------------------------------------------------------------
# Helpers

_POLY = 0x95AC9329AC4BC9B5  # Jones polynomial 0xad93d23594c935a9, reflected (Redis's crc64)
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data):
    crc = 0
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def with_footer(body, version=10):
    """A DUMP payload: type byte + body, RDB version, CRC64 of all that."""
    p = body + struct.pack("<H", version)
    return p + struct.pack("<Q", crc64(p))


def body_of(payload):
    return payload[:-10]


def test_crc64_matches_redis():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """A real Redis 7.0, whatever the server under test is."""
    tmp = tmp_path_factory.mktemp("peer")
    port = conftest.free_port()
    argv = [conftest.REDIS_BIN, "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
            "--enable-debug-command", "yes"]
    h = conftest.ServerHandle(argv, HOST, port, str(tmp / "peer.log"), cwd=str(tmp))
    conftest.wait_for_ping(HOST, port, h.proc)
    yield h
    problem = h.stop()
    if problem:
        pytest.fail("redis peer: " + problem, pytrace=False)


@pytest.fixture
def s(srv_clients):
    return srv_clients()


@pytest.fixture
def p(peer):
    cl = RespClient(peer.host, peer.port)
    assert cl("FLUSHALL") == "OK"
    yield cl
    cl.close()


def value_of(cl, key):
    t = cl("TYPE", key)
    if t == "string":
        return t, cl("GET", key)
    if t == "list":
        return t, cl("LRANGE", key, 0, -1)
    if t == "set":
        return t, sorted(cl("SMEMBERS", key))
    if t == "zset":
        return t, cl("ZRANGE", key, 0, -1, "WITHSCORES")
    if t == "hash":
        flat = cl("HGETALL", key)
        return t, sorted(zip(flat[::2], flat[1::2]))
    if t == "stream":
        return t, (cl("XRANGE", key, "-", "+"), cl("XREVRANGE", key, "+", "-"),
                   cl("XINFO", "STREAM", key, "FULL"))
    return t, None


def pipeline(cl, commands, chunk=1000):
    for i in range(0, len(commands), chunk):
        for reply in cl.pipeline(commands[i:i + chunk]):
            assert not isinstance(reply, Err), reply


# Values of every type and encoding: name -> (commands building key "k", expected encoding).
def _values():
    rnd = random.Random(7)

    def words(n, size=12):
        return ["%s-%d" % ("".join(rnd.choice("abcdefgh") for _ in range(size)), i)
                for i in range(n)]

    big_list = words(20000, 20)
    return {
        "int": ([["SET", "k", "12345"]], "int"),
        "negative int64": ([["SET", "k", "-9223372036854775808"]], "int"),
        "embstr": ([["SET", "k", "hello world"]], "embstr"),
        "empty string": ([["SET", "k", ""]], "embstr"),
        "raw": ([["SET", "k", "x" * 100 + "y"]], "raw"),
        "binary": ([["SET", "k", bytes(range(256)) * 3]], "raw"),
        "lzf string": ([["SET", "k", "abcdefghij" * 20000]], "raw"),
        "list": ([["RPUSH", "k", "a", "1", "bb", "-5", "70000", "", "12345678901234"]],
                 "quicklist"),
        "list of many nodes": ([["RPUSH", "k"] + big_list[i:i + 1000]
                                for i in range(0, len(big_list), 1000)], "quicklist"),
        "list with big elements": ([["RPUSH", "k", "a" * 20000, "b", "c" * 100000]], "quicklist"),
        "intset": ([["SADD", "k", "3", "1", "-2", "4000000000", "-9223372036854775808"]],
                   "intset"),
        "big intset": ([["SADD", "k"] + [str(i * 37 - 5000) for i in range(500)]], "intset"),
        "set": ([["SADD", "k", "a", "b", "1", ""]], "hashtable"),
        "big set": ([["SADD", "k"] + words(3000)], "hashtable"),
        "zset listpack": ([["ZADD", "k", "1", "a", "2.5", "b", "-3", "c", "inf", "d",
                            "-inf", "e", "0", "f"]], "listpack"),
        "zset skiplist": ([["ZADD", "k"] + [x for i, w in enumerate(words(1000))
                                            for x in (str(i % 97 * 1.25), w)]], "skiplist"),
        "zset long member": ([["ZADD", "k", "1", "m" * 100, "2", "n"]], "skiplist"),
        "hash listpack": ([["HSET", "k", "f", "v", "n", "12", "e", ""]], "listpack"),
        "hash hashtable": ([["HSET", "k"] + [x for i, w in enumerate(words(2000))
                                             for x in (w, "value%d" % i)]], "hashtable"),
        "hash long value": ([["HSET", "k", "f", "v" * 100]], "hashtable"),
        "stream": ([["XADD", "k", "1-1", "f", "v", "n", "12"],
                    ["XADD", "k", "1-2", "f", "w", "n", "-3"],
                    ["XADD", "k", "5-0", "other", "x" * 100],
                    ["XDEL", "k", "1-2"]], "stream"),
        "stream of many nodes": ([["XADD", "k", "%d-1" % i, "f", w, "g", str(i)]
                                  for i, w in enumerate(words(1000), 1)]
                                 + [["XTRIM", "k", "MAXLEN", "950"]], "stream"),
        "empty stream": ([["XADD", "k", "1-1", "f", "v"], ["XDEL", "k", "1-1"],
                          ["XSETID", "k", "7-7", "ENTRIESADDED", "9", "MAXDELETEDID", "3-0"]],
                         "stream"),
    }


VALUES = _values()


def build(cl, name, key="k"):
    commands, _ = VALUES[name]
    pipeline(cl, [[key if a == "k" else a for a in c] for c in commands])


# ---------------------------------------------------------------------------------------------
# Round trips and interop


@pytest.mark.parametrize("name", list(VALUES))
def test_round_trip(s, name):
    build(s, name)
    enc = VALUES[name][1]
    assert s("OBJECT", "ENCODING", "k") == enc.encode()
    payload = s("DUMP", "k")
    assert isinstance(payload, bytes)
    assert s("RESTORE", "k2", "0", payload) == "OK"
    assert value_of(s, "k2") == value_of(s, "k")
    assert s("OBJECT", "ENCODING", "k2") == enc.encode()
    assert s("PTTL", "k2") == -1
    assert s("DUMP", "k2") == payload or VALUES[name][1] == "hashtable"


@pytest.mark.parametrize("name", list(VALUES))
def test_redis_to_server(s, p, name):
    build(p, name)
    assert s("RESTORE", "k", "0", p("DUMP", "k")) == "OK"
    assert value_of(s, "k") == value_of(p, "k")
    assert s("OBJECT", "ENCODING", "k") == p("OBJECT", "ENCODING", "k")


@pytest.mark.parametrize("name", list(VALUES))
def test_server_to_redis(s, p, name):
    build(s, name)
    assert p("RESTORE", "k", "0", s("DUMP", "k")) == "OK"
    assert value_of(p, "k") == value_of(s, "k")
    assert p("OBJECT", "ENCODING", "k") == s("OBJECT", "ENCODING", "k")


# Values whose encodings agree byte for byte: no dict order (hashtables of one element at most),
# no list node split that depends on size estimates (count-bounded nodes), scores that print the
# same either way.
IDENTICAL = [
    ([["SET", "k", "12"]], {}),
    ([["SET", "k", "-100000"]], {}),
    ([["SET", "k", "12345678901"]], {}),
    ([["SET", "k", "hello"]], {}),
    ([["SET", "k", "a" * 40]], {}),
    ([["SET", "k", "abcdefghij" * 2000]], {}),
    ([["RPUSH", "k", "a", "1", "bb", "-5", "70000"]], {}),
    ([["RPUSH", "k"] + [str(i) for i in range(50)] + ["x" * 30] * 10],
     {"list-max-listpack-size": "7"}),
    ([["SADD", "k", "3", "1", "2", "-1"]], {}),
    ([["SADD", "k", "5", str(1 << 40), "-3"]], {}),
    ([["SADD", "k", "x"]], {}),
    ([["ZADD", "k", "1", "a", "2.5", "b", "-7", "c"]], {}),
    ([["ZADD", "k", "1", "a", "2.5", "b"]], {"zset-max-listpack-entries": "0"}),
    ([["HSET", "k", "f", "v", "n", "12"]], {}),
    ([["HSET", "k"] + ["field%d" % i for i in range(5) for _ in (0, 1)]], {}),
    ([["HSET", "k", "f", "v"]], {"hash-max-listpack-entries": "0"}),
]


@pytest.mark.parametrize("case", range(len(IDENTICAL)))
def test_dump_bytes_equal_redis(s, p, case):
    commands, config = IDENTICAL[case]
    olds = []
    try:
        for name, value in config.items():
            olds.append((name, s("CONFIG", "GET", name)[1], p("CONFIG", "GET", name)[1]))
            assert s("CONFIG", "SET", name, value) == "OK"
            assert p("CONFIG", "SET", name, value) == "OK"
        pipeline(s, commands)
        pipeline(p, commands)
        assert s("DUMP", "k") == p("DUMP", "k")
    finally:
        for name, sv, pv in olds:
            s("CONFIG", "SET", name, sv)
            p("CONFIG", "SET", name, pv)


def _listpack(entries):
    """A listpack in Redis's layout of strings (< 64 bytes) and integers (0..2^23-1)."""
    out = bytearray()
    for e in entries:
        if isinstance(e, int):
            if e < 128:
                enc = bytes([e])
            elif e < 4096:
                enc = bytes([0xC0 | (e >> 8), e & 0xFF])
            elif e < 32768:
                enc = b"\xf1" + struct.pack("<h", e)
            else:
                enc = b"\xf2" + struct.pack("<i", e)[:3]
        else:
            enc = bytes([0x80 | len(e)]) + e
        out += enc + bytes([len(enc)])
    count = min(len(entries), 65535)
    return struct.pack("<IH", 6 + len(out) + 1, count) + bytes(out) + b"\xff"


def test_listpack_count_past_65534_both_ways(s, p):
    """A hash listpack of more than 65534 entries (Redis's header then says 65535, unknown),
    restored on both servers, dumps the same bytes on both."""
    lp = _listpack([x for i in range(33000) for x in (b"f%d" % i, i)])
    payload = with_footer(b"\x10\x80" + struct.pack(">I", len(lp)) + lp)
    olds = []
    try:
        for cl in (s, p):
            olds.append((cl, cl("CONFIG", "GET", "hash-max-listpack-entries")[1],
                         cl("CONFIG", "GET", "sanitize-dump-payload")[1]))
            assert cl("CONFIG", "SET", "hash-max-listpack-entries", "40000") == "OK"
            assert cl("CONFIG", "SET", "sanitize-dump-payload", "yes") == "OK"
            assert cl("RESTORE", "big", "0", payload) == "OK"
            assert cl("OBJECT", "ENCODING", "big") == b"listpack"
            assert cl("HLEN", "big") == 33000
            assert cl("HGET", "big", "f32999") == b"32999"
        assert s("DUMP", "big") == p("DUMP", "big")
        # Over the entry threshold it loads as a hashtable.
        for cl in (s, p):
            assert cl("CONFIG", "SET", "hash-max-listpack-entries", "512") == "OK"
            assert cl("RESTORE", "big", "0", payload, "REPLACE") == "OK"
            assert cl("OBJECT", "ENCODING", "big") == b"hashtable"
            assert cl("HLEN", "big") == 33000
    finally:
        for cl, entries, sanitize in olds:
            cl("CONFIG", "SET", "hash-max-listpack-entries", entries)
            cl("CONFIG", "SET", "sanitize-dump-payload", sanitize)


def test_dump_missing_key(s):
    assert s("DUMP", "nokey") is None


def test_list_of_ziplists_and_plain_nodes_from_older_bodies(s):
    # RDB_TYPE_LIST_QUICKLIST (14) with one ziplist node holding "a" and 5, and RDB_TYPE_LIST (1).
    zl = (struct.pack("<IIH", 16, 13, 2) + b"\x00\x01a" + b"\x03\xf6" + b"\xff")
    assert s("RESTORE", "old", "0", with_footer(b"\x0e\x01" + bytes([len(zl)]) + zl)) == "OK"
    assert s("LRANGE", "old", 0, -1) == [b"a", b"5"]
    assert s("RESTORE", "plain", "0", with_footer(b"\x01\x02\x01x\xc0\x07")) == "OK"
    assert s("LRANGE", "plain", 0, -1) == [b"x", b"7"]
    # A zipmap hash (Redis <= 2.4).
    zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff"
    assert s("RESTORE", "zm", "0", with_footer(b"\x09" + bytes([len(zm)]) + zm)) == "OK"
    assert s("HGETALL", "zm") == [b"foo", b"bar", b"hello", b"world"]
    assert s("OBJECT", "ENCODING", "zm") == b"listpack"


# ---------------------------------------------------------------------------------------------
# RESTORE options and errors


@pytest.fixture
def payload(s):
    assert s("RPUSH", "src", "a", "b", "c") == 3
    return s("DUMP", "src")


def test_restore_busykey_and_replace(s, payload):
    assert s("SET", "k", "old") == "OK"
    assert s("RESTORE", "k", "0", payload) == Err(E.BUSYKEY)
    # BUSYKEY is checked before the TTL and the payload.
    assert s("RESTORE", "k", "-1", b"junk") == Err(E.BUSYKEY)
    assert s("GET", "k") == b"old"
    assert s("RESTORE", "k", "0", payload, "REPLACE") == "OK"
    assert s("LRANGE", "k", 0, -1) == [b"a", b"b", b"c"]


def test_restore_ttl(s, payload):
    assert s("RESTORE", "k", "-1", payload) == Err(E.RESTORE_BAD_TTL)
    assert s("RESTORE", "k", "x", payload) == Err(E.NOT_INTEGER)
    assert s("RESTORE", "k", "0", payload) == "OK"
    assert s("TTL", "k") == -1
    assert s("RESTORE", "k2", "100000", payload) == "OK"
    assert 99000 < s("PTTL", "k2") <= 100000
    when = int(time.time() * 1000) + 500000
    assert s("RESTORE", "k3", str(when), payload, "ABSTTL") == "OK"
    assert s("PEXPIRETIME", "k3") == when
    # Already expired: nothing is created, the reply is still OK.
    assert s("RESTORE", "k4", "1", payload, "ABSTTL") == "OK"
    assert s("EXISTS", "k4") == 0
    # ... and with REPLACE an existing key is deleted.
    assert s("SET", "k5", "v") == "OK"
    assert s("RESTORE", "k5", "1000", payload, "ABSTTL", "REPLACE") == "OK"
    assert s("EXISTS", "k5") == 0
    # A relative TTL that overflows the clock counts as expired (Redis's wrapping addition).
    assert s("RESTORE", "k6", "9223372036854775807", payload) == "OK"
    assert s("EXISTS", "k6") == 0


def test_restore_option_errors(s, payload):
    syntax = Err(E.SYNTAX)
    assert s("RESTORE", "k", "0", payload, "FOO") == syntax
    assert s("RESTORE", "k", "0", payload, "IDLETIME") == syntax
    assert s("RESTORE", "k", "0", payload, "FREQ") == syntax
    assert s("RESTORE", "k", "0", payload, "IDLETIME", "1", "FREQ", "1") == syntax
    assert s("RESTORE", "k", "0", payload, "FREQ", "1", "IDLETIME", "1") == syntax
    assert s("RESTORE", "k", "0", payload, "IDLETIME", "-1") == Err(E.RESTORE_BAD_IDLETIME)
    assert s("RESTORE", "k", "0", payload, "IDLETIME", "x") == Err(E.NOT_INTEGER)
    assert s("RESTORE", "k", "0", payload, "FREQ", "256") == Err(E.RESTORE_BAD_FREQ)
    assert s("RESTORE", "k", "0", payload, "FREQ", "-1") == Err(E.RESTORE_BAD_FREQ)
    assert s("RESTORE", "k", "0", payload, "FREQ", "1.5") == Err(E.NOT_INTEGER)
    assert s("RESTORE", "k") == Err(E.arity("restore"))
    assert s("DUMP") == Err(E.arity("dump"))
    assert s("EXISTS", "k") == 0
    # Options are case-insensitive and may repeat.
    assert s("RESTORE", "k", "0", payload, "replace", "Replace", "absttl") == "OK"


def test_restore_payload_errors(s, payload):
    wrong = Err(E.DUMP_PAYLOAD)
    bad = Err(E.BAD_DATA_FORMAT)
    assert s("RESTORE", "k", "0", b"") == wrong
    assert s("RESTORE", "k", "0", b"123456789") == wrong
    assert s("RESTORE", "k", "0", payload[:-1] + bytes([payload[-1] ^ 1])) == wrong
    assert s("RESTORE", "k", "0", with_footer(body_of(payload), version=11)) == wrong
    assert s("RESTORE", "k", "0", with_footer(body_of(payload), version=9)) == "OK"
    assert s("RESTORE", "k2", "0", with_footer(b"\x08\x01x")) == bad  # no such type
    assert s("RESTORE", "k2", "0", with_footer(b"\x12\x01\x03\x01x")) == bad  # container 3
    assert s("RESTORE", "k2", "0", with_footer(b"\x12\x00")) == bad  # an empty list
    assert s("RESTORE", "k2", "0", with_footer(b"\x02\x02\x01a\x01a")) == bad  # duplicate
    assert s("RESTORE", "k2", "0", with_footer(body_of(payload)[:-3])) == bad
    assert s("EXISTS", "k2") == 0


def test_skip_checksum_validation(s, payload):
    broken = payload[:-8] + b"\x00" * 8
    assert s("RESTORE", "k", "0", broken) == Err(E.DUMP_PAYLOAD)
    assert s("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") == "OK"
    try:
        assert s("RESTORE", "k", "0", broken) == "OK"
        assert s("LRANGE", "k", 0, -1) == [b"a", b"b", b"c"]
        # The version is still checked.
        future = body_of(payload) + b"\x0b\x00" + b"\x00" * 8
        assert s("RESTORE", "k2", "0", future) == Err(E.DUMP_PAYLOAD)
    finally:
        assert s("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0") == "OK"


def test_idletime_and_freq(s, payload):
    assert s("RESTORE", "k", "0", payload, "IDLETIME", "1000") == "OK"
    assert 1000 <= s("OBJECT", "IDLETIME", "k") <= 1002
    # FREQ is ignored under an LRU policy.
    assert s("RESTORE", "k2", "0", payload, "FREQ", "100") == "OK"
    assert s("OBJECT", "IDLETIME", "k2") <= 2
    old = s("CONFIG", "GET", "maxmemory-policy")[1]
    assert s("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == "OK"
    try:
        assert s("RESTORE", "k3", "0", payload, "FREQ", "100") == "OK"
        assert s("OBJECT", "FREQ", "k3") == 100
        # Replacing does not keep the old key's counter.
        assert s("RESTORE", "k3", "0", payload, "FREQ", "7", "REPLACE") == "OK"
        assert s("OBJECT", "FREQ", "k3") == 7
        assert s("RESTORE", "k4", "0", payload, "IDLETIME", "100") == "OK"
        assert s("OBJECT", "FREQ", "k4") == 5  # a new key's counter
    finally:
        s("CONFIG", "SET", "maxmemory-policy", old)


def test_sanitize_dump_payload_config(s):
    assert s("CONFIG", "GET", "sanitize-dump-payload") == [b"sanitize-dump-payload", b"no"]
    for v in ("yes", "clients", "no"):
        assert s("CONFIG", "SET", "sanitize-dump-payload", v) == "OK"
        assert s("CONFIG", "GET", "sanitize-dump-payload")[1] == v.encode()
    assert s("CONFIG", "SET", "sanitize-dump-payload", "maybe") == Err(
        E.config_set_enum("sanitize-dump-payload", E.SANITIZE_DUMP_PAYLOAD_CHOICES))


def test_deep_sanitization_finds_duplicates(s):
    # A hash listpack with the field "f" twice: f 1 f 2.
    lp = bytes.fromhex("110000000400816602010181660202" "01ff")
    dup = with_footer(b"\x10" + bytes([len(lp)]) + lp)
    try:
        for mode in ("yes", "clients"):
            assert s("CONFIG", "SET", "sanitize-dump-payload", mode) == "OK"
            assert s("RESTORE", "h", "0", dup) == Err(E.BAD_DATA_FORMAT)
        assert s("CONFIG", "SET", "sanitize-dump-payload", "no") == "OK"
        assert s("RESTORE", "h", "0", dup) == "OK"  # as Redis: only the deep check sees it
        assert s("DEL", "h") == 1
        # Plain-encoded duplicates are refused whatever the mode.
        assert s("RESTORE", "st", "0", with_footer(b"\x02\x02\x01a\x01a")) == Err(E.BAD_DATA_FORMAT)
    finally:
        s("CONFIG", "SET", "sanitize-dump-payload", "no")


def test_restore_events(srv, s, payload):
    ev = Events(srv.host, srv.port, flags="KEA")
    try:
        assert s("RESTORE", "k", "0", payload) == "OK"
        assert ev.collect(s) == [("restore", "k")]
        assert s("RESTORE", "k", "0", payload, "REPLACE") == "OK"
        assert ev.collect(s) == [("restore", "k")]
        assert s("RESTORE", "k", "1", payload, "REPLACE", "ABSTTL") == "OK"
        assert ev.collect(s) == [("del", "k")]
        assert s("RESTORE", "k", "1", payload, "ABSTTL") == "OK"
        assert s("RESTORE", "k", "0", b"junk") == Err(E.DUMP_PAYLOAD)
        assert ev.collect(s) == []
        assert s("CONFIG", "SET", "notify-keyspace-events", "KEAn") == "OK"
        assert s("RESTORE", "k", "0", payload) == "OK"
        assert ev.collect(s) == [("new", "k"), ("restore", "k")]
        assert s("RESTORE", "k", "0", payload, "REPLACE") == "OK"
        assert ev.collect(s) == [("new", "k"), ("restore", "k")]
    finally:
        ev.close()


def test_restore_touches_watched_key(srv_clients, payload):
    a, b = srv_clients(), srv_clients()
    assert a("WATCH", "w") == "OK"
    assert b("RESTORE", "w", "0", payload) == "OK"
    assert a("MULTI") == "OK"
    assert a("PING") == "QUEUED"
    assert a("EXEC") is None
    # A refused RESTORE changes nothing.
    assert a("WATCH", "w") == "OK"
    assert b("RESTORE", "w", "0", payload) == Err(E.BUSYKEY)
    assert a("MULTI") == "OK"
    assert a("PING") == "QUEUED"
    assert a("EXEC") == ["PONG"]


def test_restore_wakes_blocked_client(srv_clients, payload):
    waiter = srv_clients()
    box = {}

    def blpop():
        box["reply"] = waiter("BLPOP", "q", "5")

    t = threading.Thread(target=blpop)
    t.start()
    time.sleep(0.2)
    assert srv_clients()("RESTORE", "q", "0", payload) == "OK"
    t.join(10)
    assert box["reply"] == [b"q", b"a"]


def test_restore_in_multi(s, payload):
    assert s("MULTI") == "OK"
    assert s("RESTORE", "m1", "0", payload) == "QUEUED"
    assert s("RESTORE", "m1", "0", payload) == "QUEUED"
    assert s("DUMP", "m1") == "QUEUED"
    out = s("EXEC")
    assert out[0] == "OK"
    assert out[1] == Err(E.BUSYKEY)
    assert out[2] == payload


# ---------------------------------------------------------------------------------------------
# Corrupted payloads


def _corruption_sources(cl):
    pipeline(cl, [
        ["SET", "c:str", "abcdefghij" * 10],
        ["RPUSH", "c:list", "a", "1", "bb", "-5", "70000", "x" * 70],
        ["SADD", "c:intset", "3", "1", "-2", "4000000000"],
        ["SADD", "c:set", "a", "b", "c"],
        ["ZADD", "c:zlp", "1", "a", "2.5", "b", "-3", "c"],
        ["HSET", "c:hlp", "f", "v", "n", "12", "long", "l" * 30],
    ])
    pipeline(cl, [["ZADD", "c:zsl"] + [x for i in range(130) for x in (str(i), "m%d" % i)]])
    pipeline(cl, [["XADD", "c:st", "1-1", "f", "v", "a", "1"],
                  ["XADD", "c:st", "2-1", "f", "w", "a", "2"],
                  ["XADD", "c:st", "3-1", "other", "-7"],
                  ["XDEL", "c:st", "2-1"]])
    return [cl("DUMP", k)
            for k in ("c:str", "c:list", "c:intset", "c:set", "c:zlp", "c:hlp", "c:zsl", "c:st")]


def _read_all(cl, key):
    value_of(cl, key)
    cl("DUMP", key)
    cl("DEL", key)


def test_corrupt_payloads_never_kill_the_server(srv, s):
    # Deep checks on (Redis needs them to survive this; Shoal validates structure always).
    old = s("CONFIG", "GET", "sanitize-dump-payload")[1]
    assert s("CONFIG", "SET", "sanitize-dump-payload", "yes") == "OK"
    rnd = random.Random(11)
    outcomes = {"ok": 0, "error": 0}
    try:
        for payload in _corruption_sources(s):
            body = body_of(payload)
            cases = [body[:n] for n in range(1, len(body))]
            # Two changes per byte (the rdb_value fuzz target does the long haul).
            for i in range(1, len(body)):
                for _ in range(2):
                    b = bytearray(body)
                    flip = 1 << rnd.randrange(8)
                    b[i] = rnd.randrange(256) if rnd.random() < 0.5 else b[i] ^ flip
                    cases.append(bytes(b))
            for case in cases:
                reply = s("RESTORE", "x", "0", with_footer(case), "REPLACE")
                if reply == "OK":
                    outcomes["ok"] += 1
                    _read_all(s, "x")
                else:
                    outcomes["error"] += 1
                    assert reply == Err(E.BAD_DATA_FORMAT), (case, reply)
            assert s("PING") == "PONG"
    finally:
        s("CONFIG", "SET", "sanitize-dump-payload", old)
    assert outcomes["error"] > 0 and outcomes["ok"] > 0
    assert srv.alive()


def test_unchecked_corrupt_payloads_with_skipped_checksum(srv, s):
    """The CRC check off and bytes flipped without fixing it. Shoal validates every structure it
    adopts whatever sanitize-dump-payload says; Redis needs the deep checks for that."""
    assert s("CONFIG", "SET", "sanitize-dump-payload", "yes" if not srv.is_shoal else "no") == "OK"
    assert s("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") == "OK"
    rnd = random.Random(5)
    try:
        for payload in _corruption_sources(s):
            for _ in range(300):
                b = bytearray(payload)
                for _ in range(rnd.randrange(1, 4)):
                    b[rnd.randrange(len(b) - 10)] = rnd.randrange(256)
                reply = s("RESTORE", "x", "0", bytes(b), "REPLACE")
                if reply == "OK":
                    _read_all(s, "x")
                else:
                    assert reply == Err(E.BAD_DATA_FORMAT), reply
            assert s("PING") == "PONG"
    finally:
        s("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")
        s("CONFIG", "SET", "sanitize-dump-payload", "no")
    assert srv.alive()
