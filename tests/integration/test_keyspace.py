"""Keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME*, COPY, MOVE, KEYS, SCAN,
RANDOMKEY, EXPIRE family, TTL family, PERSIST, TOUCH, OBJECT, active expiry."""

import fnmatch
import time

import pytest

import shoal_errors as E


# ---------------------------------------------------------------- DEL / UNLINK / EXISTS


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink(c, cmd):
    assert c("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c(cmd, "a") == 1
    assert c(cmd, "a") == 0
    assert c(cmd, "b", "c", "nokey") == 2
    assert c("DBSIZE") == 0
    assert c("SET", "d", "4") == "OK"
    assert c(cmd, "d", "d", "d") == 1
    assert c(cmd) == E.arity(cmd.lower())


def test_del_many_keys(c):
    keys = ["dk:%d" % i for i in range(300)]
    args = []
    for k in keys:
        args += [k, "v"]
    assert c("MSET", *args) == "OK"
    assert c("DEL", *(keys + ["missing1", "missing2"])) == 300
    assert c("DBSIZE") == 0


def test_exists_counts_duplicates(c):
    assert c("EXISTS", "a") == 0
    assert c("SET", "a", "1") == "OK"
    assert c("SET", "b", "1") == "OK"
    assert c("EXISTS", "a") == 1
    assert c("EXISTS", "a", "a", "b", "nokey") == 3
    assert c("EXISTS", "a", "a", "a", "a") == 4
    assert c("EXISTS") == E.arity("exists")


def test_keys_are_binary_safe(c):
    k = b"bin\x00key\r\n\xff"
    assert c("SET", k, "v") == "OK"
    assert c("EXISTS", k) == 1
    assert c("EXISTS", b"bin") == 0
    assert c("KEYS", "*") == [k]
    assert c("DEL", k) == 1


def test_empty_key_name(c):
    assert c("SET", "", "empty") == "OK"
    assert c("GET", "") == b"empty"
    assert c("EXISTS", "") == 1
    assert c("DEL", "") == 1


# ---------------------------------------------------------------- TYPE


def test_type_string_and_none(c):
    assert c("SET", "s", "v") == "OK"
    assert c("TYPE", "s") == "string"
    assert c("TYPE", "nokey") == "none"
    assert c("TYPE") == E.arity("type")


def test_type_bytes(raw):
    assert raw(b"SET t 1\r\nTYPE t\r\nTYPE nokey\r\n") == b"+OK\r\n+string\r\n+none\r\n"


def test_type_collections(c):
    assert c("RPUSH", "l", "a") == 1
    assert c("HSET", "h", "f", "v") == 1
    assert c("SADD", "s", "m") == 1
    assert c("ZADD", "z", "1", "m") == 1
    assert c("TYPE", "l") == "list"
    assert c("TYPE", "h") == "hash"
    assert c("TYPE", "s") == "set"
    assert c("TYPE", "z") == "zset"


# ---------------------------------------------------------------- RENAME / RENAMENX


def test_rename(c):
    assert c("SET", "a", "va") == "OK"
    assert c("RENAME", "a", "b") == "OK"
    assert c("EXISTS", "a") == 0
    assert c("GET", "b") == b"va"
    # overwrites an existing destination
    assert c("SET", "c", "vc") == "OK"
    assert c("RENAME", "c", "b") == "OK"
    assert c("GET", "b") == b"vc"
    assert c("EXISTS", "c") == 0
    assert c("DBSIZE") == 1


def test_rename_same_key(c):
    assert c("SET", "a", "v") == "OK"
    assert c("RENAME", "a", "a") == "OK"
    assert c("GET", "a") == b"v"
    assert c("RENAMENX", "a", "a") == 0


def test_rename_missing(c):
    assert c("RENAME", "nokey", "b") == E.NO_SUCH_KEY
    assert c("RENAME", "nokey", "nokey") == E.NO_SUCH_KEY
    assert c("RENAMENX", "nokey", "b") == E.NO_SUCH_KEY
    assert c("RENAME", "a") == E.arity("rename")
    assert c("RENAMENX", "a") == E.arity("renamenx")


def test_rename_moves_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("SET", "b", "old") == "OK"
    assert c("RENAME", "a", "b") == "OK"
    assert 95 <= c("TTL", "b") <= 100
    # destination TTL is replaced by the source's (none)
    assert c("SET", "x", "v") == "OK"
    assert c("SET", "y", "v", "EX", "100") == "OK"
    assert c("RENAME", "x", "y") == "OK"
    assert c("TTL", "y") == -1


def test_renamenx(c):
    assert c("MSET", "a", "1", "b", "2") == "OK"
    assert c("RENAMENX", "a", "b") == 0
    assert c("GET", "a") == b"1"
    assert c("GET", "b") == b"2"
    assert c("RENAMENX", "a", "c") == 1
    assert c("EXISTS", "a") == 0
    assert c("GET", "c") == b"1"


def test_rename_many_pairs(c):
    # many different key pairs, so that some pairs land on different shards
    for i in range(100):
        assert c("SET", "src%d" % i, "val%d" % i) == "OK"
    for i in range(100):
        assert c("RENAME", "src%d" % i, "dst%d" % i) == "OK"
    for i in range(100):
        assert c("GET", "dst%d" % i) == b"val%d" % i
        assert c("EXISTS", "src%d" % i) == 0
    assert c("DBSIZE") == 100


# ---------------------------------------------------------------- COPY


def test_copy(c):
    assert c("SET", "a", "va") == "OK"
    assert c("COPY", "a", "b") == 1
    assert c("GET", "b") == b"va"
    assert c("GET", "a") == b"va"
    assert c("SET", "a", "changed") == "OK"
    assert c("GET", "b") == b"va"
    assert c("COPY", "a", "b") == 0
    assert c("GET", "b") == b"va"
    assert c("COPY", "a", "b", "REPLACE") == 1
    assert c("GET", "b") == b"changed"
    assert c("COPY", "nokey", "z") == 0
    assert c("EXISTS", "z") == 0


def test_copy_db(c):
    assert c("SET", "a", "va") == "OK"
    assert c("COPY", "a", "a", "DB", "1") == 1
    assert c("COPY", "a", "a", "DB", "1") == 0
    assert c("COPY", "a", "b", "DB", "1", "REPLACE") == 1
    assert c("SELECT", "1") == "OK"
    assert c("GET", "a") == b"va"
    assert c("GET", "b") == b"va"
    assert c("SELECT", "0") == "OK"
    assert c("GET", "a") == b"va"
    assert c("EXISTS", "b") == 0


def test_copy_keeps_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("COPY", "a", "b") == 1
    assert 95 <= c("TTL", "b") <= 100


def test_copy_errors(c):
    assert c("SET", "a", "v") == "OK"
    assert c("COPY", "a", "a") == E.SAME_OBJECT
    assert c("COPY", "a", "c", "DB", "16") == E.DB_OUT_OF_RANGE
    assert c("COPY", "a", "c", "DB", "abc") == E.NOT_INTEGER
    assert c("COPY", "a", "c", "DB", "1", "REPLACE", "foo") == E.SYNTAX
    assert c("COPY", "a", "c", "foo") == E.SYNTAX
    assert c("COPY", "a") == E.arity("copy")


# ---------------------------------------------------------------- MOVE


def test_move(c):
    assert c("SET", "a", "va") == "OK"
    assert c("MOVE", "a", "1") == 1
    assert c("EXISTS", "a") == 0
    assert c("SELECT", "1") == "OK"
    assert c("GET", "a") == b"va"
    assert c("SELECT", "0") == "OK"
    assert c("MOVE", "nokey", "1") == 0


def test_move_existing_destination(c):
    assert c("SET", "a", "db0") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("SET", "a", "db1") == "OK"
    assert c("SELECT", "0") == "OK"
    assert c("MOVE", "a", "1") == 0
    assert c("GET", "a") == b"db0"
    assert c("SELECT", "1") == "OK"
    assert c("GET", "a") == b"db1"


def test_move_keeps_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("MOVE", "a", "2") == 1
    assert c("SELECT", "2") == "OK"
    assert 95 <= c("TTL", "a") <= 100


def test_move_errors(c):
    assert c("SET", "a", "v") == "OK"
    assert c("MOVE", "a", "0") == E.SAME_OBJECT
    assert c("MOVE", "a", "16") == E.DB_OUT_OF_RANGE
    assert c("MOVE", "a", "abc") == E.NOT_INTEGER
    assert c("MOVE", "a") == E.arity("move")
    assert c("GET", "a") == b"v"


# ---------------------------------------------------------------- KEYS


PATTERN_KEYS = [b"a", b"b", b"a*", b"a?", b"a[", b"a\\b", b"abc", b"acd", b"h_llo",
                b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo"]


@pytest.fixture
def pattern_keys(c):
    args = []
    for k in PATTERN_KEYS:
        args += [k, b"1"]
    assert c("MSET", *args) == "OK"
    return c


@pytest.mark.parametrize("pattern,expected", [
    (b"*", PATTERN_KEYS),
    (b"h?llo", [b"h_llo", b"hello", b"hallo", b"hxllo"]),
    (b"h*llo", [b"h_llo", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo"]),
    (b"h[ae]llo", [b"hello", b"hallo"]),
    (b"h[^e]llo", [b"h_llo", b"hallo", b"hxllo"]),
    (b"h[a-b]llo", [b"hallo"]),
    (b"a[b-c]*", [b"abc", b"acd"]),
    (b"a[^b]*", [b"a*", b"a?", b"a[", b"a\\b", b"acd"]),
    (b"a\\*", [b"a*"]),
    (b"a\\?", [b"a?"]),
    (b"a\\[", [b"a["]),
    (b"a\\\\b", [b"a\\b"]),
    (b"a", [b"a"]),
    (b"nomatch*", []),
    (b"?", [b"a", b"b"]),
    (b"??", [b"a*", b"a?", b"a["]),
])
def test_keys_patterns(pattern_keys, pattern, expected):
    assert sorted(pattern_keys("KEYS", pattern)) == sorted(expected)


def test_keys_errors(c):
    assert c("KEYS") == E.arity("keys")
    assert c("KEYS", "a", "b") == E.arity("keys")


def test_keys_many(c):
    c.pipeline([("SET", "user:%d" % i, "x") for i in range(500)] +
               [("SET", "other:%d" % i, "x") for i in range(100)])
    got = c("KEYS", "user:*")
    assert sorted(got) == sorted(b"user:%d" % i for i in range(500))
    assert len(c("KEYS", "*")) == 600
    assert sorted(c("KEYS", "user:1?")) == sorted(b"user:1%d" % i for i in range(10))


# ---------------------------------------------------------------- SCAN


def scan_all(c, *extra, limit=100000):
    cursor = b"0"
    seen = []
    for _ in range(limit):
        reply = c("SCAN", cursor, *extra)
        assert isinstance(reply, list) and len(reply) == 2
        cursor, keys = reply
        assert isinstance(cursor, bytes) and cursor.isdigit()
        seen.extend(keys)
        if cursor == b"0":
            return seen
    raise AssertionError("SCAN did not terminate")


def test_scan_empty(c):
    assert c("SCAN", "0") == [b"0", []]


def test_scan_full_iteration(c):
    keys = {b"scan:%d" % i for i in range(1000)}
    c.pipeline([("SET", k, "v") for k in keys])
    seen = scan_all(c)
    assert set(seen) == keys
    seen = scan_all(c, "COUNT", "7")
    assert set(seen) == keys
    seen = scan_all(c, "COUNT", "1000000")
    assert set(seen) == keys


def test_scan_match(c):
    c.pipeline([("SET", "m:%d" % i, "v") for i in range(300)] +
               [("SET", "n:%d" % i, "v") for i in range(300)])
    seen = scan_all(c, "MATCH", "m:1*", "COUNT", "20")
    expected = {b"m:%d" % i for i in range(300) if str(i).startswith("1")}
    assert set(seen) == expected
    assert all(fnmatch.fnmatchcase(k.decode(), "m:1*") for k in seen)
    assert scan_all(c, "MATCH", "nothing*") == []


def test_scan_type_string(c):
    c.pipeline([("SET", "t:%d" % i, "v") for i in range(200)])
    assert set(scan_all(c, "TYPE", "string")) == {b"t:%d" % i for i in range(200)}
    assert set(scan_all(c, "TYPE", "STRING", "MATCH", "t:1?")) == {b"t:1%d" % i for i in range(10)}
    assert scan_all(c, "TYPE", "list") == []
    assert scan_all(c, "TYPE", "nosuchtype") == []


def test_scan_type_collections(c):
    c.pipeline([("SET", "s:%d" % i, "v") for i in range(50)] +
               [("RPUSH", "l:%d" % i, "v") for i in range(50)] +
               [("HSET", "h:%d" % i, "f", "v") for i in range(50)])
    assert set(scan_all(c, "TYPE", "list")) == {b"l:%d" % i for i in range(50)}
    assert set(scan_all(c, "TYPE", "hash")) == {b"h:%d" % i for i in range(50)}
    assert set(scan_all(c, "TYPE", "string")) == {b"s:%d" % i for i in range(50)}


def test_scan_while_inserting(c, new_client):
    writer = new_client()
    original = {b"orig:%d" % i for i in range(1000)}
    c.pipeline([("SET", k, "v") for k in original])
    cursor = b"0"
    seen = set()
    added = 0
    for step in range(50000):
        cursor, keys = c("SCAN", cursor, "COUNT", "10")
        seen.update(keys)
        # grow the keyspace while iterating (forces rehashing/resizing): 4000 new keys
        if added < 4000:
            writer.pipeline([("SET", "new:%d" % (added + j), "v") for j in range(20)])
            added += 20
        if cursor == b"0":
            break
    else:
        raise AssertionError("SCAN did not terminate")
    missing = original - seen
    assert not missing, "%d keys present all along were never returned" % len(missing)


def test_scan_errors(c):
    assert c("SCAN", "abc") == E.INVALID_CURSOR
    assert c("SCAN", "0", "COUNT", "0") == E.SYNTAX
    assert c("SCAN", "0", "COUNT", "abc") == E.NOT_INTEGER
    assert c("SCAN", "0", "MATCH") == E.SYNTAX
    assert c("SCAN", "0", "FOO", "bar") == E.SYNTAX
    assert c("SCAN") == E.arity("scan")


# ---------------------------------------------------------------- RANDOMKEY


def test_randomkey(c):
    assert c("RANDOMKEY") is None
    keys = {b"rk:%d" % i for i in range(20)}
    c.pipeline([("SET", k, "v") for k in keys])
    got = set()
    for _ in range(200):
        k = c("RANDOMKEY")
        assert k in keys
        got.add(k)
    assert len(got) > 1
    assert c("RANDOMKEY", "x") == E.arity("randomkey")


def test_randomkey_bytes(raw):
    assert raw(b"FLUSHALL\r\nRANDOMKEY\r\n") == b"+OK\r\n$-1\r\n"


# ---------------------------------------------------------------- TTL / EXPIRE


def test_ttl_pttl_missing_and_persistent(c):
    assert c("TTL", "nokey") == -2
    assert c("PTTL", "nokey") == -2
    assert c("SET", "a", "v") == "OK"
    assert c("TTL", "a") == -1
    assert c("PTTL", "a") == -1
    assert c("TTL") == E.arity("ttl")


def test_expire_and_ttl(c):
    assert c("SET", "a", "v") == "OK"
    assert c("EXPIRE", "a", "100") == 1
    assert 99 <= c("TTL", "a") <= 100
    assert 99000 <= c("PTTL", "a") <= 100000
    assert c("PEXPIRE", "a", "50000") == 1
    assert 49 <= c("TTL", "a") <= 50
    assert 49000 <= c("PTTL", "a") <= 50000
    assert c("EXPIRE", "nokey", "100") == 0
    assert c("PEXPIRE", "nokey", "100") == 0


def test_expireat(c):
    now = int(time.time())
    assert c("SET", "a", "v") == "OK"
    assert c("EXPIREAT", "a", str(now + 100)) == 1
    assert 98 <= c("TTL", "a") <= 100
    assert c("EXPIRETIME", "a") == now + 100
    assert c("PEXPIRETIME", "a") == (now + 100) * 1000
    assert c("PEXPIREAT", "a", str((now + 200) * 1000 + 123)) == 1
    assert c("PEXPIRETIME", "a") == (now + 200) * 1000 + 123
    assert c("EXPIRETIME", "a") == now + 200
    assert c("EXPIREAT", "nokey", str(now + 100)) == 0


def test_expiretime_rounding(c):
    assert c("SET", "k", "v") == "OK"
    assert c("PEXPIREAT", "k", "33177117420999") == 1
    assert c("EXPIRETIME", "k") == 33177117421
    assert c("PEXPIRETIME", "k") == 33177117420999
    assert c("PEXPIREAT", "k", "33177117420499") == 1
    assert c("EXPIRETIME", "k") == 33177117420


def test_expiretime_missing_and_persistent(c):
    assert c("EXPIRETIME", "nokey") == -2
    assert c("PEXPIRETIME", "nokey") == -2
    assert c("SET", "a", "v") == "OK"
    assert c("EXPIRETIME", "a") == -1
    assert c("PEXPIRETIME", "a") == -1


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", "0"), ("EXPIRE", "-10"), ("PEXPIRE", "0"), ("PEXPIRE", "-5"),
    ("EXPIREAT", "1"), ("EXPIREAT", "0"), ("PEXPIREAT", "1000"), ("PEXPIREAT", "-1"),
])
def test_expire_in_the_past_deletes(c, cmd, arg):
    assert c("SET", "a", "v") == "OK"
    assert c(cmd, "a", arg) == 1
    assert c("EXISTS", "a") == 0
    assert c("GET", "a") is None
    assert c("TTL", "a") == -2


def test_expire_options_on_persistent_key(c):
    assert c("SET", "a", "v") == "OK"
    assert c("EXPIRE", "a", "100", "XX") == 0      # no TTL yet
    assert c("EXPIRE", "a", "100", "GT") == 0      # no TTL = infinite
    assert c("TTL", "a") == -1
    assert c("EXPIRE", "a", "100", "LT") == 1
    assert 99 <= c("TTL", "a") <= 100
    assert c("PERSIST", "a") == 1
    assert c("EXPIRE", "a", "100", "NX") == 1
    assert 99 <= c("TTL", "a") <= 100


def test_expire_options_on_volatile_key(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("EXPIRE", "a", "200", "NX") == 0
    assert c("EXPIRE", "a", "200", "LT") == 0
    assert 99 <= c("TTL", "a") <= 100
    assert c("EXPIRE", "a", "200", "GT") == 1
    assert 199 <= c("TTL", "a") <= 200
    assert c("EXPIRE", "a", "150", "GT") == 0
    assert c("EXPIRE", "a", "150", "LT") == 1
    assert 149 <= c("TTL", "a") <= 150
    assert c("EXPIRE", "a", "300", "XX") == 1
    assert 299 <= c("TTL", "a") <= 300
    assert c("PEXPIRE", "a", "400000", "gt") == 1
    assert 399 <= c("TTL", "a") <= 400
    now = int(time.time())
    assert c("EXPIREAT", "a", str(now + 1000), "LT") == 0
    assert c("EXPIREAT", "a", str(now + 1000), "GT") == 1
    assert c("EXPIRETIME", "a") == now + 1000
    assert c("PEXPIREAT", "a", str((now + 50) * 1000), "LT") == 1
    assert c("EXPIRETIME", "a") == now + 50
    # GT/LT with a past time: LT applies (and deletes), GT does not
    assert c("EXPIRE", "a", "-1", "GT") == 0
    assert c("EXISTS", "a") == 1
    assert c("EXPIRE", "a", "-1", "LT") == 1
    assert c("EXISTS", "a") == 0


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_option_errors(c, cmd):
    assert c("SET", "a", "v") == "OK"
    assert c(cmd, "a", "100", "NX", "XX") == E.EXPIRE_NX_XX
    assert c(cmd, "a", "100", "NX", "GT") == E.EXPIRE_NX_XX
    assert c(cmd, "a", "100", "NX", "LT") == E.EXPIRE_NX_XX
    assert c(cmd, "a", "100", "GT", "LT") == E.EXPIRE_GT_LT
    assert c(cmd, "a", "100", "FOO") == E.unsupported_option("FOO")
    assert c(cmd, "a", "abc") == E.NOT_INTEGER
    assert c(cmd, "a", "1.5") == E.NOT_INTEGER
    assert c(cmd, "a") == E.arity(cmd.lower())
    # nothing was changed by the failed calls
    assert c("TTL", "a") == -1


def test_expire_options_checked_before_key_lookup(c):
    assert c("EXPIRE", "nokey", "10", "NX", "XX") == E.EXPIRE_NX_XX
    assert c("EXPIRE", "nokey", "10", "GT", "LT") == E.EXPIRE_GT_LT


def test_expire_overflow(c):
    assert c("SET", "a", "v") == "OK"
    assert c("EXPIRE", "a", "9223372036854775807") == E.invalid_expire("expire")
    assert c("PEXPIRE", "a", "9223372036854775807") == E.invalid_expire("pexpire")
    assert c("EXPIREAT", "a", "9223372036854775807") == E.invalid_expire("expireat")
    assert c("EXPIRE", "a", "99999999999999999999") == E.NOT_INTEGER
    assert c("TTL", "a") == -1


def test_persist(c):
    assert c("PERSIST", "nokey") == 0
    assert c("SET", "a", "v") == "OK"
    assert c("PERSIST", "a") == 0
    assert c("EXPIRE", "a", "100") == 1
    assert c("PERSIST", "a") == 1
    assert c("TTL", "a") == -1
    assert c("PERSIST", "a") == 0
    assert c("GET", "a") == b"v"


def test_set_clears_ttl(c):
    assert c("SET", "a", "v", "EX", "100") == "OK"
    assert c("SET", "a", "v2") == "OK"
    assert c("TTL", "a") == -1


def test_passive_expiry(c):
    assert c("SET", "a", "v", "PX", "50") == "OK"
    assert c("SET", "b", "v", "PX", "50") == "OK"
    time.sleep(0.15)
    assert c("GET", "a") is None
    assert c("EXISTS", "b") == 0
    assert c("TTL", "a") == -2
    assert c("MGET", "a", "b") == [None, None]


def test_expired_keys_invisible_everywhere(c):
    assert c("SET", "live", "v") == "OK"
    assert c("SET", "dead", "v", "PX", "30") == "OK"
    time.sleep(0.1)
    assert c("KEYS", "*") == [b"live"]
    assert scan_all(c) == [b"live"]
    for _ in range(20):
        assert c("RANDOMKEY") == b"live"
    assert c("EXISTS", "dead", "live") == 1
    assert c("RENAME", "dead", "x") == E.NO_SUCH_KEY
    assert c("COPY", "dead", "x") == 0
    assert c("MOVE", "dead", "1") == 0
    assert c("TYPE", "dead") == "none"


def test_active_expiry(c):
    # 1 s: the 200 SETs and the DBSIZE fit in it even on a slow (sanitized) server.
    c.pipeline([("SET", "ae:%d" % i, "v", "PX", "1000") for i in range(200)])
    assert c("DBSIZE") == 200
    deadline = time.time() + 10
    n = 200
    while time.time() < deadline:
        n = c("DBSIZE")
        if n == 0:
            break
        time.sleep(0.05)
    assert n == 0, "%d keys not actively expired after 10s" % n


def test_touch(c):
    assert c("MSET", "a", "1", "b", "2") == "OK"
    assert c("TOUCH", "a", "b", "nokey") == 2
    assert c("TOUCH", "a", "a") == 2
    assert c("TOUCH", "nokey") == 0
    assert c("TOUCH") == E.arity("touch")


# ---------------------------------------------------------------- OBJECT


@pytest.mark.parametrize("value,encoding", [
    (b"12345", b"int"),
    (b"0", b"int"),
    (b"-1", b"int"),
    (b"9223372036854775807", b"int"),
    (b"-9223372036854775808", b"int"),
    (b"9223372036854775808", b"embstr"),
    (b"01", b"embstr"),
    (b"+1", b"embstr"),
    (b"1.5", b"embstr"),
    (b"abc", b"embstr"),
    (b"", b"embstr"),
    (b"x" * 44, b"embstr"),
    (b"x" * 45, b"raw"),
    (b"x" * 1000, b"raw"),
])
def test_object_encoding(c, value, encoding):
    assert c("SET", "k", value) == "OK"
    assert c("OBJECT", "ENCODING", "k") == encoding


def test_object_encoding_after_modification(c):
    assert c("SET", "k", "ab") == "OK"
    assert c("APPEND", "k", "c") == 3
    assert c("OBJECT", "ENCODING", "k") == b"raw"
    assert c("SET", "n", "10") == "OK"
    assert c("INCR", "n") == 11
    assert c("OBJECT", "ENCODING", "n") == b"int"
    assert c("SETRANGE", "n", "0", "9") == 2
    assert c("OBJECT", "ENCODING", "n") == b"raw"


def test_object_missing_key(c):
    assert c("OBJECT", "ENCODING", "nokey") is None
    assert c("OBJECT", "REFCOUNT", "nokey") is None
    assert c("OBJECT", "IDLETIME", "nokey") is None
    assert c("OBJECT", "FREQ", "nokey") is None


def test_object_refcount_idletime(c):
    assert c("SET", "k", "some string value") == "OK"
    rc = c("OBJECT", "REFCOUNT", "k")
    assert isinstance(rc, int) and rc >= 1
    idle = c("OBJECT", "IDLETIME", "k")
    assert isinstance(idle, int) and 0 <= idle <= 2


def test_object_freq_requires_lfu(c):
    assert c("SET", "k", "v") == "OK"
    assert c("OBJECT", "FREQ", "k") == E.OBJECT_FREQ_NO_LFU


def test_object_help(c):
    lines = c("OBJECT", "HELP")
    assert isinstance(lines, list) and len(lines) > 4
    assert all(isinstance(x, str) for x in lines)
    assert lines[0].startswith("OBJECT <subcommand>")
    text = " ".join(lines)
    for sub in ("ENCODING", "FREQ", "IDLETIME", "REFCOUNT"):
        assert sub in text


def test_object_errors(c):
    assert c("OBJECT", "foo", "k") == E.unknown_subcommand("foo", "OBJECT")
    assert c("OBJECT", "ENCODING") == E.arity("object|encoding")
    assert c("OBJECT") == E.arity("object")
