"""Logical databases: isolation, per-db FLUSHDB/DBSIZE/KEYS/SCAN, MOVE/COPY DB,
and the `databases` setting."""

import re
import time

import pytest

import shoal_errors as E


def test_keys_isolated_between_dbs(c):
    assert c("SET", "k", "db0") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("GET", "k") is None
    assert c("EXISTS", "k") == 0
    assert c("SET", "k", "db1") == "OK"
    assert c("SET", "only1", "x") == "OK"
    assert c("SELECT", "0") == "OK"
    assert c("GET", "k") == b"db0"
    assert c("EXISTS", "only1") == 0
    assert c("SELECT", "15") == "OK"
    assert c("KEYS", "*") == []
    assert c("SET", "k", "db15") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("GET", "k") == b"db1"


def test_redis_py_db_argument(server):
    r1 = server.redis(db=1)
    r0 = server.redis(db=0)
    try:
        r0.flushall()
        r1.set("x", "one")
        assert r0.get("x") is None
        assert r1.get("x") == b"one"
        assert r1.dbsize() == 1
        assert r0.dbsize() == 0
    finally:
        r0.flushall()
        r0.close()
        r1.close()


def test_dbsize_per_db(c):
    for db in range(4):
        assert c("SELECT", str(db)) == "OK"
        c.pipeline([("SET", "k%d" % i, "v") for i in range(db * 10)])
    for db in range(4):
        assert c("SELECT", str(db)) == "OK"
        assert c("DBSIZE") == db * 10


def test_flushdb_only_current_db(c):
    for db in range(3):
        assert c("SELECT", str(db)) == "OK"
        assert c("MSET", "a", "1", "b", "2") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("FLUSHDB") == "OK"
    assert c("DBSIZE") == 0
    for db, n in [(0, 2), (1, 0), (2, 2)]:
        assert c("SELECT", str(db)) == "OK"
        assert c("DBSIZE") == n


def test_flushall_all_dbs(c):
    for db in (0, 7, 15):
        assert c("SELECT", str(db)) == "OK"
        assert c("SET", "k", "v") == "OK"
    assert c("FLUSHALL") == "OK"
    for db in (0, 7, 15):
        assert c("SELECT", str(db)) == "OK"
        assert c("DBSIZE") == 0


def test_keys_scan_randomkey_per_db(c):
    c.pipeline([("SET", "zero:%d" % i, "v") for i in range(50)])
    assert c("SELECT", "3") == "OK"
    c.pipeline([("SET", "three:%d" % i, "v") for i in range(50)])
    assert sorted(c("KEYS", "*")) == sorted(b"three:%d" % i for i in range(50))
    seen = set()
    cursor = b"0"
    for _ in range(10000):
        cursor, keys = c("SCAN", cursor, "COUNT", "10")
        seen.update(keys)
        if cursor == b"0":
            break
    assert seen == {b"three:%d" % i for i in range(50)}
    for _ in range(20):
        assert c("RANDOMKEY").startswith(b"three:")
    assert c("SELECT", "4") == "OK"
    assert c("RANDOMKEY") is None
    assert c("SCAN", "0") == [b"0", []]


def test_same_key_different_ttls_per_db(c):
    assert c("SET", "k", "v0", "EX", "100") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("SET", "k", "v1") == "OK"
    assert c("TTL", "k") == -1
    assert c("SELECT", "0") == "OK"
    assert 99 <= c("TTL", "k") <= 100


def test_expiry_per_db(c):
    assert c("SELECT", "2") == "OK"
    assert c("SET", "k", "v", "PX", "50") == "OK"
    assert c("SELECT", "0") == "OK"
    assert c("SET", "k", "v") == "OK"
    time.sleep(0.15)
    assert c("GET", "k") == b"v"
    assert c("SELECT", "2") == "OK"
    assert c("GET", "k") is None


def test_move_between_dbs(c):
    assert c("SET", "k", "v", "EX", "100") == "OK"
    assert c("MOVE", "k", "5") == 1
    assert c("EXISTS", "k") == 0
    assert c("SELECT", "5") == "OK"
    assert c("GET", "k") == b"v"
    assert 99 <= c("TTL", "k") <= 100
    assert c("MOVE", "k", "0") == 1
    assert c("DBSIZE") == 0
    assert c("SELECT", "0") == "OK"
    assert c("GET", "k") == b"v"
    assert c("MOVE", "k", "16") == E.DB_OUT_OF_RANGE
    assert c("MOVE", "k", "-1") == E.DB_OUT_OF_RANGE


def test_copy_between_dbs(c):
    assert c("SET", "k", "v") == "OK"
    assert c("COPY", "k", "k2", "DB", "3") == 1
    assert c("EXISTS", "k2") == 0
    assert c("SELECT", "3") == "OK"
    assert c("GET", "k2") == b"v"
    assert c("SET", "k", "in3") == "OK"
    assert c("SELECT", "0") == "OK"
    assert c("COPY", "k", "k", "DB", "3") == 0
    assert c("COPY", "k", "k", "DB", "3", "REPLACE") == 1
    assert c("SELECT", "3") == "OK"
    assert c("GET", "k") == b"v"
    assert c("SELECT", "0") == "OK"
    assert c("COPY", "k", "k", "DB", "0") == E.SAME_OBJECT
    assert c("COPY", "k", "k", "DB", "16") == E.DB_OUT_OF_RANGE


def test_info_keyspace_per_db(c):
    assert c("SELECT", "9") == "OK"
    assert c("MSET", "a", "1", "b", "2") == "OK"
    assert c("SELECT", "11") == "OK"
    assert c("SET", "a", "1", "EX", "100") == "OK"
    info = c("INFO", "keyspace")
    assert re.search(rb"\r\ndb9:keys=2,expires=0,avg_ttl=0\r\n", info)
    assert re.search(rb"\r\ndb11:keys=1,expires=1,avg_ttl=\d+\r\n", info)
    assert b"db0:" not in info


def test_select_is_per_connection(c, new_client):
    other = new_client()
    assert c("SELECT", "6") == "OK"
    assert c("SET", "k", "six") == "OK"
    assert other("GET", "k") is None
    assert other("SELECT", "6") == "OK"
    assert other("GET", "k") == b"six"


def test_databases_setting(spawn_server):
    h = spawn_server("--databases", "4")
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "databases") == [b"databases", b"4"]
        for db in range(4):
            assert cl("SELECT", str(db)) == "OK"
            assert cl("SET", "k", "v%d" % db) == "OK"
        assert cl("SELECT", "4") == E.DB_OUT_OF_RANGE
        assert cl("SELECT", "16") == E.DB_OUT_OF_RANGE
        assert cl("SELECT", "0") == "OK"
        assert cl("MOVE", "k", "4") == E.DB_OUT_OF_RANGE
        assert cl("COPY", "k", "k", "DB", "4") == E.DB_OUT_OF_RANGE
        assert cl("COPY", "k", "x", "DB", "3") == 1
        assert cl("GET", "k") == b"v0"
        assert cl("SELECT", "3") == "OK"
        assert cl("GET", "x") == b"v0"
        assert cl("FLUSHALL") == "OK"
    finally:
        cl.close()


def test_databases_one(spawn_server):
    h = spawn_server("--databases", "1")
    cl = h.client()
    try:
        assert cl("SELECT", "0") == "OK"
        assert cl("SELECT", "1") == E.DB_OUT_OF_RANGE
        assert cl("SET", "k", "v") == "OK"
        assert cl("MOVE", "k", "1") == E.DB_OUT_OF_RANGE
    finally:
        cl.close()


@pytest.mark.parametrize("db", ["0", "8", "15"])
def test_flushdb_async_per_db(c, db):
    assert c("SELECT", db) == "OK"
    c.pipeline([("SET", "k%d" % i, "v") for i in range(100)])
    other = "1" if db != "1" else "2"
    assert c("SELECT", other) == "OK"
    assert c("SET", "keep", "1") == "OK"
    assert c("SELECT", db) == "OK"
    assert c("FLUSHDB", "ASYNC") == "OK"
    assert c("DBSIZE") == 0
    assert c("SELECT", other) == "OK"
    assert c("GET", "keep") == b"1"
