"""SWAPDB (Redis 7.0 db.c dbSwapDatabases): the swap itself on every shard, expiries, errors,
inside MULTI, WATCH (touchAllWatchedKeysInDb for both dbs, with the expired-key cases of Redis's
tests/unit/multi.tcl) and blocked clients woken by a swap (tests/unit/type/list.tcl).

Runs on Shoal with 1 and 4 shards (keys spread over every shard), and against redis-server 7.0."""

import threading
import time

import pytest

import conftest
from conftest import Err
from shoal_keys import shard_of
from shoal_info import blocked_clients, wait_blocked

srv = conftest.sharded_server([1, 4])


@pytest.fixture
def clients(srv):
    made = []

    def make():
        cl = srv.client()
        made.append(cl)
        return cl

    first = make()
    assert first("FLUSHALL") == "OK"
    yield make
    for cl in made:
        cl.close()


@pytest.fixture
def x(clients):
    return clients()


@pytest.fixture
def no_active_expire(x):
    assert x("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    yield
    x("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def keyspace(cl):
    """INFO keyspace as {db: {keys, expires}}."""
    out = {}
    for line in cl("INFO", "keyspace").decode().split("\r\n"):
        if line.startswith("db"):
            name, fields = line.split(":")
            kv = dict(f.split("=") for f in fields.split(","))
            out[int(name[2:])] = {"keys": int(kv["keys"]), "expires": int(kv["expires"])}
    return out






def exec_ping(cl):
    assert cl("MULTI") == "OK"
    assert cl("PING") == "QUEUED"
    return cl("EXEC")


# --------------------------------------------------------------------------
# The swap
# --------------------------------------------------------------------------


def test_swapdb_basic(x):
    assert x("SET", "a", "in0") == "OK"
    assert x("RPUSH", "l", "x", "y") == 2
    assert x("SELECT", "1") == "OK"
    assert x("SET", "a", "in1") == "OK"
    assert x("SADD", "s", "m") == 1
    assert x("SWAPDB", "0", "1") == "OK"
    assert x("GET", "a") == b"in0"
    assert x("LRANGE", "l", "0", "-1") == [b"x", b"y"]
    assert x("EXISTS", "s") == 0
    assert x("DBSIZE") == 2
    assert x("SELECT", "0") == "OK"
    assert x("GET", "a") == b"in1"
    assert x("SMEMBERS", "s") == [b"m"]
    assert x("DBSIZE") == 2
    # Swapping back, and in the other argument order.
    assert x("SWAPDB", "1", "0") == "OK"
    assert x("GET", "a") == b"in0"
    assert x("TYPE", "l") == "list"
    # Same index: nothing moves.
    assert x("SWAPDB", "0", "0") == "OK"
    assert x("GET", "a") == b"in0"


def test_swapdb_with_an_empty_db(x):
    for i in range(20):
        assert x("SET", "k%d" % i, str(i)) == "OK"
    assert x("SWAPDB", "0", "15") == "OK"
    assert x("DBSIZE") == 0
    assert x("SELECT", "15") == "OK"
    assert x("DBSIZE") == 20
    assert x("GET", "k7") == b"7"


def test_swapdb_moves_data_on_every_shard(srv, x):
    keys1 = ["one:%d" % i for i in range(300)]
    keys2 = ["two:%d" % i for i in range(120)]
    if srv.shards > 1:
        assert {shard_of(k, srv.shards) for k in keys1} == set(range(srv.shards))
    assert x("SELECT", "1") == "OK"
    assert x("MSET", *[a for k in keys1 for a in (k, "v1-" + k)]) == "OK"
    assert x("HSET", "h", "f", "1") == 1
    assert x("SELECT", "2") == "OK"
    assert x("MSET", *[a for k in keys2 for a in (k, "v2-" + k)]) == "OK"
    assert x("SWAPDB", "1", "2") == "OK"
    assert x("DBSIZE") == len(keys1) + 1
    assert x("MGET", *keys1) == [b"v1-" + k.encode() for k in keys1]
    assert x("HGET", "h", "f") == b"1"
    assert x("EXISTS", *keys2) == 0
    assert sorted(x("KEYS", "*")) == sorted([k.encode() for k in keys1] + [b"h"])
    assert x("SELECT", "1") == "OK"
    assert x("DBSIZE") == len(keys2)
    assert x("MGET", *keys2) == [b"v2-" + k.encode() for k in keys2]
    assert x("EXISTS", *keys1) == 0
    # SCAN walks the swapped table.
    cursor, seen = b"0", set()
    while True:
        cursor, batch = x("SCAN", cursor, "COUNT", "50")
        seen.update(batch)
        if cursor == b"0":
            break
    assert seen == {k.encode() for k in keys2}


def test_swapdb_keeps_expiries(x):
    assert x("SET", "p", "v") == "OK"
    assert x("SET", "t", "v", "EX", "1000") == "OK"
    assert x("SET", "short", "v", "PX", "1000") == "OK"
    assert x("SELECT", "3") == "OK"
    assert x("SET", "other", "v", "EX", "500") == "OK"
    assert x("SET", "other2", "v") == "OK"
    assert x("SET", "other3", "v") == "OK"
    ks = keyspace(x)
    assert ks[0] == {"keys": 3, "expires": 2}
    assert ks[3] == {"keys": 3, "expires": 1}
    assert x("SWAPDB", "0", "3") == "OK"
    ks = keyspace(x)
    assert ks[0] == {"keys": 3, "expires": 1}
    assert ks[3] == {"keys": 3, "expires": 2}
    assert 990 <= x("TTL", "t") <= 1000
    assert x("TTL", "p") == -1
    assert x("EXISTS", "short") == 1
    deadline = time.time() + 5
    while time.time() < deadline and x("EXISTS", "short"):
        time.sleep(0.05)
    assert x("EXISTS", "short") == 0  # still expires in its new db
    assert x("SELECT", "0") == "OK"
    assert 490 <= x("TTL", "other") <= 500
    assert x("TTL", "other2") == -1


def test_swapdb_active_expiry_follows_the_data(x):
    assert x("SELECT", "4") == "OK"
    for i in range(30):
        assert x("SET", "e%d" % i, "v", "PX", "100") == "OK"
    assert x("SWAPDB", "4", "5") == "OK"
    assert x("SELECT", "5") == "OK"
    deadline = time.time() + 5
    while time.time() < deadline and keyspace(x).get(5):
        time.sleep(0.05)
    assert 5 not in keyspace(x)  # removed by the active cycle, without being looked up


def test_swapdb_errors(x):
    assert x("SWAPDB", "a", "1") == Err("ERR invalid first DB index")
    assert x("SWAPDB", "1", "b") == Err("ERR invalid second DB index")
    assert x("SWAPDB", "a", "b") == Err("ERR invalid first DB index")
    assert x("SWAPDB", "1.5", "0") == Err("ERR invalid first DB index")
    assert x("SWAPDB", "3000000000", "0") == Err("ERR invalid first DB index")
    assert x("SWAPDB", "0", "-3000000000") == Err("ERR invalid second DB index")
    assert x("SWAPDB", "0", "16") == Err("ERR DB index is out of range")
    assert x("SWAPDB", "-1", "0") == Err("ERR DB index is out of range")
    assert x("SWAPDB", "99", "x") == Err("ERR invalid second DB index")
    assert x("SWAPDB", "0") == Err("ERR wrong number of arguments for 'swapdb' command")
    assert x("SWAPDB", "0", "1", "2") == Err("ERR wrong number of arguments for 'swapdb' command")


def test_swapdb_command_info(x):
    info = x("COMMAND", "INFO", "swapdb")[0]
    assert info[:7] == [b"swapdb", 3, ["write", "fast"], 0, 0, 0,
                        ["@keyspace", "@write", "@fast", "@dangerous"]]


# --------------------------------------------------------------------------
# MULTI / EXEC
# --------------------------------------------------------------------------


def test_swapdb_inside_multi(x, clients):
    other = clients()
    assert x("SET", "k", "zero") == "OK"
    assert x("SELECT", "1") == "OK"
    assert x("SET", "k", "one") == "OK"
    assert x("MULTI") == "OK"
    assert x("GET", "k") == "QUEUED"
    assert x("SWAPDB", "0", "1") == "QUEUED"
    assert x("GET", "k") == "QUEUED"
    assert x("SET", "k2", "after") == "QUEUED"
    assert x("SWAPDB", "1", "2") == "QUEUED"
    assert x("EXEC") == [b"one", "OK", b"zero", "OK", "OK"]
    assert x("DBSIZE") == 0
    assert x("SELECT", "2") == "OK"
    assert sorted(x("KEYS", "*")) == [b"k", b"k2"]
    assert other("GET", "k") == b"one"


def test_swapdb_queued_errors_at_exec(x):
    assert x("MULTI") == "OK"
    assert x("SWAPDB", "0", "99") == "QUEUED"
    assert x("SWAPDB", "x", "1") == "QUEUED"
    assert x("EXEC") == [Err("ERR DB index is out of range"), Err("ERR invalid first DB index")]
    assert x("MULTI") == "OK"
    assert x("SWAPDB", "0") == Err("ERR wrong number of arguments for 'swapdb' command")
    assert x("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")


# --------------------------------------------------------------------------
# WATCH (Redis tests/unit/multi.tcl)
# --------------------------------------------------------------------------


def test_swapdb_touches_watched_keys_that_exist(x):
    assert x("SET", "x", "30") == "OK"
    assert x("WATCH", "x") == "OK"  # SWAPDB "deletes" x from db 0
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(x) is None


def test_swapdb_touches_watched_keys_that_do_not_exist(x):
    assert x("SELECT", "1") == "OK"
    assert x("SET", "x", "30") == "OK"
    assert x("SELECT", "0") == "OK"
    assert x("WATCH", "x") == "OK"  # missing; SWAPDB creates it
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(x) is None


def test_swapdb_touches_keys_watched_by_other_clients(x, clients):
    w1, w2, w3 = clients(), clients(), clients()
    assert x("SET", "a", "1") == "OK"
    assert x("SELECT", "1") == "OK"
    assert x("SET", "b", "1") == "OK"
    assert w1("WATCH", "a") == "OK"  # db 0, exists there
    assert w2("SELECT", "1") == "OK"
    assert w2("WATCH", "a") == "OK"  # db 1, will get db 0's a
    assert w3("SELECT", "2") == "OK"
    assert w3("WATCH", "a", "b") == "OK"  # db 2 is not swapped
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(w1) is None
    assert exec_ping(w2) is None
    assert exec_ping(w3) == ["PONG"]


def test_swapdb_does_not_touch_keys_missing_in_both(x):
    assert x("SET", "there", "1") == "OK"
    assert x("WATCH", "nowhere") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(x) == ["PONG"]


def test_swapdb_does_not_touch_watched_stale_keys(x, no_active_expire):
    assert x("SELECT", "1") == "OK"
    assert x("SET", "x", "foo", "PX", "1") == "OK"
    time.sleep(0.02)
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"  # expired key replaced with no key: no change
    assert exec_ping(x) == ["PONG"]


def test_swapdb_does_not_touch_missing_key_replaced_with_stale_key(x, no_active_expire):
    assert x("SET", "x", "foo", "PX", "1") == "OK"
    time.sleep(0.02)
    assert x("SELECT", "1") == "OK"
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"  # no key replaced with an expired key: no change
    assert exec_ping(x) == ["PONG"]


def test_swapdb_does_not_touch_stale_key_replaced_with_stale_key(x, no_active_expire):
    assert x("SELECT", "1") == "OK"
    assert x("SET", "x", "foo", "PX", "1") == "OK"
    assert x("SELECT", "0") == "OK"
    assert x("SET", "x", "bar", "PX", "1") == "OK"
    time.sleep(0.02)
    assert x("SELECT", "1") == "OK"
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"  # expired key replaced with an expired key
    assert exec_ping(x) == ["PONG"]


def test_swapdb_touches_stale_key_replaced_with_live_key(x, no_active_expire):
    assert x("SELECT", "1") == "OK"
    assert x("SET", "x", "foo", "PX", "1") == "OK"
    assert x("SELECT", "0") == "OK"
    assert x("SET", "x", "live") == "OK"
    time.sleep(0.02)
    assert x("SELECT", "1") == "OK"
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(x) is None


def test_swapdb_live_key_replaced_with_stale_key_is_touched(x, no_active_expire):
    # The watched key existed (live) and is replaced with an expired one: it was "deleted".
    assert x("SET", "x", "stale", "PX", "1") == "OK"
    time.sleep(0.02)
    assert x("SELECT", "1") == "OK"
    assert x("SET", "x", "live") == "OK"
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"
    assert exec_ping(x) is None


def test_swapdb_marks_missing_key_replaced_with_stale_key_expired(x, clients,
                                                                  no_active_expire):
    # No change at the swap, and the key now counts as watched while expired: deleting it later
    # is no change either.
    other = clients()
    assert x("SET", "x", "foo", "PX", "1") == "OK"
    time.sleep(0.02)
    assert x("SELECT", "1") == "OK"
    assert x("WATCH", "x") == "OK"
    assert x("SWAPDB", "0", "1") == "OK"
    assert other("SELECT", "1") == "OK"
    assert other("DEL", "x") == 0
    assert exec_ping(x) == ["PONG"]


# --------------------------------------------------------------------------
# Blocked clients (Redis tests/unit/type/list.tcl)
# --------------------------------------------------------------------------


def test_swapdb_awakes_blocked_client(x, clients):
    w = clients()
    assert x("SELECT", "1") == "OK"
    assert x("RPUSH", "k", "hello") == 1
    assert w("SELECT", "9") == "OK"
    w.send("BRPOP", "k", "5")
    wait_blocked(x, 1)
    assert x("SWAPDB", "1", "9") == "OK"
    assert w.read() == [b"k", b"hello"]
    wait_blocked(x, 0)
    assert x("EXISTS", "k") == 0
    assert x("SELECT", "9") == "OK"
    assert x("EXISTS", "k") == 0


def test_swapdb_awakes_clients_on_several_keys_and_types(x, clients):
    wl, wz, wm = clients(), clients(), clients()
    assert x("SELECT", "2") == "OK"
    assert x("RPUSH", "l1", "a", "b") == 2
    assert x("ZADD", "z1", "1", "m") == 1
    assert x("RPUSH", "l5", "c") == 1
    wl.send("BLPOP", "l1", "0")  # db 0
    wz.send("BZPOPMIN", "z1", "0")
    assert wm("SELECT", "2") == "OK"
    wm.send("BLPOP", "l9", "0")  # db 2: gets db 0's (empty) content, keeps waiting
    wait_blocked(x, 3)
    assert x("SWAPDB", "0", "2") == "OK"
    assert wl.read() == [b"l1", b"a"]
    assert wz.read() == [b"z1", b"m", b"1"]
    wait_blocked(x, 1)
    assert x("SELECT", "2") == "OK"
    assert x("DBSIZE") == 0
    assert x("RPUSH", "l9", "d") == 1
    assert wm.read() == [b"l9", b"d"]
    assert x("SELECT", "0") == "OK"
    assert x("LRANGE", "l1", "0", "-1") == [b"b"]
    assert x("LRANGE", "l5", "0", "-1") == [b"c"]


def test_swapdb_does_not_wake_for_another_type(x, clients):
    w = clients()
    assert x("SELECT", "1") == "OK"
    assert x("SET", "k", "string") == "OK"
    assert x("ZADD", "z", "1", "a") == 1
    w.send("BLPOP", "k", "z", "0")
    wait_blocked(x, 1)
    assert x("SWAPDB", "0", "1") == "OK"
    time.sleep(0.05)
    assert blocked_clients(x) == 1
    assert x("SELECT", "0") == "OK"
    assert x("DEL", "k") == 1
    assert x("RPUSH", "k", "v") == 1
    assert w.read() == [b"k", b"v"]


def test_swapdb_inside_multi_awakes_blocked_client(x, clients):
    w = clients()
    assert x("SELECT", "1") == "OK"
    assert x("RPUSH", "k", "v1", "v2") == 2
    assert w("SELECT", "9") == "OK"
    w.send("BLPOP", "k", "0")
    wait_blocked(x, 1)
    assert x("MULTI") == "OK"
    assert x("SWAPDB", "1", "9") == "QUEUED"
    assert x("SELECT", "9") == "QUEUED"
    assert x("LLEN", "k") == "QUEUED"
    # The waiter is served after the whole EXEC, which still sees both elements.
    assert x("EXEC") == ["OK", "OK", 2]
    assert w.read() == [b"k", b"v1"]
    assert x("LRANGE", "k", "0", "-1") == [b"v2"]


def test_swapdb_wants_to_wake_but_the_key_already_expired(x, clients, no_active_expire):
    w = clients()
    assert x("SELECT", "1") == "OK"
    assert x("RPUSH", "k", "hello") == 1
    assert x("PEXPIRE", "k", "100") == 1
    assert w("SELECT", "9") == "OK"
    wid = w("CLIENT", "ID")
    w.send("BRPOP", "k", "30")  # its timeout must not end the block before the checks below
    wait_blocked(x, 1)
    time.sleep(0.15)
    assert x("SWAPDB", "1", "9") == "OK"
    # The swap tries to serve it, but the key is expired: the client stays blocked.
    assert "flags=b" in x("CLIENT", "LIST", "ID", str(wid)).decode()
    assert blocked_clients(x) == 1
    assert x("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.read() is None
    wait_blocked(x, 0)
    assert x("SELECT", "9") == "OK"
    assert x("EXISTS", "k") == 0
    assert x("SELECT", "1") == "OK"
    assert x("DBSIZE") == 0


def test_swapdb_is_atomic_across_shards(srv, x):
    # Every reader sees either db's whole content, never one shard swapped and another not.
    keys = ["at:%d" % i for i in range(40)]
    assert x("MSET", *[a for k in keys for a in (k, "A")]) == "OK"
    assert x("SELECT", "1") == "OK"
    assert x("MSET", *[a for k in keys for a in (k, "B")]) == "OK"
    reader = srv.client()
    stop = threading.Event()
    seen, bad = set(), []

    def read():
        while not stop.is_set():
            vals = set(reader("MGET", *keys))
            if len(vals) != 1:
                bad.append(vals)
            seen.update(vals)

    t = threading.Thread(target=read)
    t.start()
    try:
        for _ in range(300):
            assert x("SWAPDB", "0", "1") == "OK"
    finally:
        stop.set()
        t.join()
        reader.close()
    assert bad == []
    assert seen <= {b"A", b"B"}
