"""Keyspace commands over collection values: COPY, RENAME, MOVE, EXPIRE, DEL, TYPE, OBJECT
ENCODING, SCAN TYPE, KEYS, DBSIZE -- for every type and encoding, across shards ("a"/"b"-style
names land on different Shoal shards) and within one ({t} names).
"""

import time

import pytest


def fill(c, key, kind, big=False):
    n = 1000 if big else 5
    if kind == "list":
        c.call("RPUSH", key, *["e%d" % i for i in range(n)])
    elif kind == "hash":
        c.call("HSET", key, *[x for i in range(n) for x in ("f%d" % i, "v%d" % i)])
    elif kind == "set":
        c.call("SADD", key, *["m%d" % i for i in range(n)])
    elif kind == "intset":
        c.call("SADD", key, *[str(i) for i in range(n)])
    elif kind == "zset":
        c.call("ZADD", key, *[x for i in range(n) for x in (str(i * 0.5), "m%d" % i)])


def content(c, key, kind):
    if kind == "list":
        return c.call("LRANGE", key, "0", "-1")
    if kind == "hash":
        return sorted(c.call("HGETALL", key))
    if kind in ("set", "intset"):
        return sorted(c.call("SMEMBERS", key))
    if kind == "zset":
        return c.call("ZRANGE", key, "0", "-1", "WITHSCORES")
    raise AssertionError(kind)


def mutate(c, key, kind):
    if kind == "list":
        c.call("RPUSH", key, "extra")
    elif kind == "hash":
        c.call("HSET", key, "extra", "1")
    elif kind in ("set", "intset"):
        c.call("SADD", key, "99999")
    elif kind == "zset":
        c.call("ZADD", key, "100", "extra")


KINDS = ["list", "hash", "set", "intset", "zset"]
ENCODINGS = {
    ("list", False): b"quicklist", ("list", True): b"quicklist",
    ("hash", False): b"listpack", ("hash", True): b"hashtable",
    ("set", False): b"hashtable", ("set", True): b"hashtable",
    ("intset", False): b"intset", ("intset", True): b"hashtable",
    ("zset", False): b"listpack", ("zset", True): b"skiplist",
}
TYPES = {"list": b"list", "hash": b"hash", "set": b"set", "intset": b"set", "zset": b"zset"}
PAIRS = [("src", "dst"), ("{t}src", "{t}dst"), ("a", "b"), ("x1", "y2")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("big", [False, True])
def test_type_and_encoding(c, kind, big):
    fill(c, "k", kind, big)
    assert c.call("TYPE", "k") == TYPES[kind].decode()
    assert c.call("OBJECT", "ENCODING", "k") == ENCODINGS[(kind, big)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("src,dst", PAIRS)
def test_copy_is_deep_and_keeps_encoding(c, kind, big, src, dst):
    fill(c, src, kind, big)
    c.call("PEXPIRE", src, "100000")
    before = content(c, src, kind)
    assert c.call("COPY", src, dst) == 1
    assert content(c, dst, kind) == before
    assert c.call("OBJECT", "ENCODING", dst) == ENCODINGS[(kind, big)]
    assert 0 < c.call("PTTL", dst) <= 100000
    mutate(c, dst, kind)
    assert content(c, src, kind) == before
    assert content(c, dst, kind) != before
    assert c.call("COPY", src, dst) == 0
    assert c.call("COPY", src, dst, "REPLACE") == 1
    assert content(c, dst, kind) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("src,dst", PAIRS)
def test_rename_moves_value_and_ttl(c, kind, src, dst):
    fill(c, src, kind, True)
    c.call("EXPIRE", src, "1000")
    before = content(c, src, kind)
    c.call("SET", dst, "old string")
    assert c.call("RENAME", src, dst) == "OK"
    assert c.call("EXISTS", src) == 0
    assert content(c, dst, kind) == before
    assert 0 < c.call("TTL", dst) <= 1000
    assert c.call("RENAMENX", dst, src) == 1
    assert content(c, src, kind) == before
    c.call("SET", dst, "x")
    assert c.call("RENAMENX", src, dst) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_move_to_other_db(c, kind):
    fill(c, "mv", kind)
    before = content(c, "mv", kind)
    assert c.call("MOVE", "mv", "1") == 1
    assert c.call("EXISTS", "mv") == 0
    c.call("SELECT", "1")
    assert content(c, "mv", kind) == before
    c.call("SELECT", "0")


@pytest.mark.parametrize("kind", KINDS)
def test_expire_deletes_collection(c, kind):
    fill(c, "ex", kind, True)
    assert c.call("PEXPIRE", "ex", "100000") == 1
    assert c.call("PERSIST", "ex") == 1
    assert c.call("TTL", "ex") == -1
    c.call("PEXPIRE", "ex", "20")
    time.sleep(0.05)
    assert c.call("EXISTS", "ex") == 0
    assert c.call("TYPE", "ex") == "none"


def test_del_unlink_dbsize_keys_scan_type(c):
    for kind in KINDS:
        fill(c, "key:" + kind, kind, True)
    c.call("SET", "key:string", "v")
    assert c.call("DBSIZE") == 6
    assert sorted(c.call("KEYS", "key:*")) == sorted(
        b"key:" + k.encode() for k in KINDS + ["string"])
    for t, expected in (("list", [b"key:list"]), ("hash", [b"key:hash"]),
                        ("set", [b"key:intset", b"key:set"]), ("zset", [b"key:zset"]),
                        ("string", [b"key:string"])):
        found, cursor = [], "0"
        while True:
            cursor, keys = c.call("SCAN", cursor, "TYPE", t, "COUNT", "100")
            found += keys
            if cursor == b"0":
                break
        assert sorted(found) == expected, t
    assert c.call("DEL", "key:list", "key:hash", "key:nothing") == 2
    assert c.call("UNLINK", "key:set", "key:intset", "key:zset") == 3
    assert c.call("DBSIZE") == 1


def test_flushall_frees_collections(c):
    for i in range(50):
        for kind in KINDS:
            fill(c, "f%d:%s" % (i, kind), kind, i % 10 == 0)
    assert c.call("DBSIZE") == 250
    assert c.call("FLUSHALL") == "OK"
    assert c.call("DBSIZE") == 0


def used_memory(c):
    info = c.call("INFO", "memory").decode()
    return int(info.split("used_memory:")[1].split("\r\n")[0])


@pytest.mark.parametrize("kind", KINDS)
def test_used_memory_counts_collections(c, kind):
    before = used_memory(c)
    for i in range(20):
        if kind == "list":
            c.call("RPUSH", "mem%d" % i, *["element-%06d" % j for j in range(5000)])
        elif kind == "hash":
            c.call("HSET", "mem%d" % i, *[x for j in range(5000)
                                           for x in ("field-%06d" % j, "value-%06d" % j)])
        elif kind == "set":
            c.call("SADD", "mem%d" % i, *["member-%06d" % j for j in range(5000)])
        elif kind == "intset":
            c.call("SADD", "mem%d" % i, *[str(j) for j in range(5000)])
        else:
            c.call("ZADD", "mem%d" % i, *[x for j in range(5000) for x in (str(j), "m-%06d" % j)])
    grown = used_memory(c) - before
    assert grown > 20 * 5000 * 2, grown  # at least 2 bytes per element, whatever the encoding
    c.call("FLUSHALL")
    assert used_memory(c) - before < grown / 10
