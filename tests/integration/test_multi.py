"""MULTI / EXEC / DISCARD / WATCH / UNWATCH (Redis 7.0 multi.c semantics), on Shoal with 1, 2 and
4 shards (keys spread over every shard), and against redis-server 7.0 once.

Also the isolation of an EXEC whose commands touch several shards (concurrent transfers between
accounts on different shards: no reader ever sees a changed total), WATCH races (optimistic
increments from several clients lose nothing), and redis-py's pipeline()/transaction()."""

import threading
import time

import pytest
import redis

import conftest
from conftest import Err
from shoal_info import wait_blocked
from shoal_keys import spread_keys

srv = conftest.sharded_server([1, 2, 4])


@pytest.fixture
def x(srv):
    cl = srv.client()
    assert cl("FLUSHALL") == "OK"
    yield cl
    cl.close()


@pytest.fixture
def other(srv):
    cl = srv.client()
    yield cl
    cl.close()


# ---------------------------------------------------------------- queueing and EXEC


def test_exec_runs_queued_commands_in_order(x):
    a, b, cc, d = spread_keys("k", 4)
    assert x("MULTI") == "OK"
    assert x("SET", a, "1") == "QUEUED"
    assert x("INCR", a) == "QUEUED"
    assert x("MSET", b, "x", cc, "y") == "QUEUED"
    assert x("MGET", a, b, cc, d) == "QUEUED"
    assert x("RPUSH", d, "e1", "e2") == "QUEUED"
    assert x("LRANGE", d, "0", "-1") == "QUEUED"
    assert x("EXEC") == ["OK", 2, "OK", [b"2", b"x", b"y", None], 2, [b"e1", b"e2"]]
    assert x("GET", a) == b"2"


def test_empty_exec(x):
    assert x("MULTI") == "OK"
    assert x("EXEC") == []


def test_runtime_errors_do_not_roll_back(x):
    a, b = spread_keys("r", 2)
    assert x("SET", a, "notanumber") == "OK"
    assert x("MULTI") == "OK"
    assert x("INCR", a) == "QUEUED"
    assert x("SET", b, "v") == "QUEUED"
    assert x("LPUSH", a, "x") == "QUEUED"
    out = x("EXEC")
    assert out[0] == Err("ERR value is not an integer or out of range")
    assert out[1] == "OK"
    assert out[2] == Err("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert x("GET", b) == b"v"


def test_queueing_errors_abort_exec(x):
    a = spread_keys("q", 1)[0]
    assert x("MULTI") == "OK"
    assert x("SET", a, "1") == "QUEUED"
    assert x("NOSUCHCOMMAND", "arg") == Err(
        "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'arg' ")
    assert x("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")
    assert x("EXISTS", a) == 0
    assert x("MULTI") == "OK"
    assert x("GET") == Err("ERR wrong number of arguments for 'get' command")
    assert x("SET", a, "1") == "QUEUED"
    assert x("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")
    assert x("EXISTS", a) == 0
    # The transaction is over after EXECABORT.
    assert x("EXEC") == Err("ERR EXEC without MULTI")


def test_misplaced_commands(x):
    assert x("EXEC") == Err("ERR EXEC without MULTI")
    assert x("DISCARD") == Err("ERR DISCARD without MULTI")
    assert x("MULTI") == "OK"
    assert x("MULTI") == Err("ERR MULTI calls can not be nested")
    assert x("WATCH", "k") == Err("ERR WATCH inside MULTI is not allowed")
    # Neither error aborts the transaction.
    assert x("SET", "k", "v") == "QUEUED"
    assert x("EXEC") == ["OK"]


def test_no_multi_command_refused_inside(x):
    assert x("MULTI") == "OK"
    assert x("SHUTDOWN") == Err("ERR Command not allowed inside a transaction")
    assert x("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")


def test_discard(x):
    a = spread_keys("d", 1)[0]
    assert x("MULTI") == "OK"
    assert x("SET", a, "1") == "QUEUED"
    assert x("DISCARD") == "OK"
    assert x("EXISTS", a) == 0
    assert x("EXEC") == Err("ERR EXEC without MULTI")


def test_select_inside_multi_applies_to_later_commands(x):
    assert x("MULTI") == "OK"
    assert x("SET", "k", "db0") == "QUEUED"
    assert x("SELECT", "1") == "QUEUED"
    assert x("SET", "k", "db1") == "QUEUED"
    assert x("EXEC") == ["OK", "OK", "OK"]
    assert x("GET", "k") == b"db1"  # the connection stays on db 1
    assert x("SELECT", "0") == "OK"
    assert x("GET", "k") == b"db0"


def test_pipelined_multi_exec(srv):
    rc = conftest.RawConn(srv.host, srv.port)
    try:
        assert rc.send(b"FLUSHALL\r\nMULTI\r\nSET a 1\r\nINCR a\r\nPING\r\nEXEC\r\nGET a\r\n") is None
        out = rc.recv_until(terminator=b"$1\r\n2\r\n")
        assert out == (b"+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
                       b"*3\r\n+OK\r\n:2\r\n+PONG\r\n$1\r\n2\r\n")
    finally:
        rc.close()


def test_exec_with_keyspace_wide_commands(x):
    keys = spread_keys("w", 4)
    for k in keys:
        assert x("SET", k, "v") == "OK"
    assert x("MULTI") == "OK"
    assert x("DBSIZE") == "QUEUED"
    assert x("DEL", keys[0]) == "QUEUED"
    assert x("DBSIZE") == "QUEUED"
    assert x("FLUSHDB") == "QUEUED"
    assert x("DBSIZE") == "QUEUED"
    assert x("EXEC") == [4, 1, 3, "OK", 0]


def test_cross_shard_commands_compose_inside_exec(x):
    a, b, cc, d = spread_keys("m", 4)
    assert x("MULTI") == "OK"
    assert x("MSET", a, "1", b, "2") == "QUEUED"
    assert x("RENAME", a, cc) == "QUEUED"
    assert x("MSETNX", d, "x", b, "y") == "QUEUED"
    assert x("COPY", b, d) == "QUEUED"
    assert x("SADD", a, "m1", "m2") == "QUEUED"
    assert x("SMOVE", a, d, "m1") == "QUEUED"
    assert x("SMOVE", a, b, "m2") == "QUEUED"
    assert x("SUNIONSTORE", "{m}dst", a, b) == "QUEUED"
    assert x("MGET", a, b, cc, d) == "QUEUED"
    out = x("EXEC")
    assert out[:5] == ["OK", "OK", 0, 1, 2]
    assert out[5] == Err("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert out[6] == Err("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert out[7] == Err("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert out[8] == [None, b"2", b"1", b"2"]


def test_blocking_commands_do_not_block_inside_exec(x):
    q, dst = spread_keys("b", 2)
    assert x("MULTI") == "OK"
    assert x("BLPOP", q, "0") == "QUEUED"
    assert x("BLMOVE", q, dst, "LEFT", "RIGHT", "0") == "QUEUED"
    assert x("BRPOPLPUSH", q, dst, "0") == "QUEUED"
    assert x("BZPOPMIN", q, "0") == "QUEUED"
    assert x("RPUSH", q, "a", "b", "c") == "QUEUED"
    assert x("BLPOP", q, "0") == "QUEUED"
    assert x("BLMOVE", q, dst, "LEFT", "RIGHT", "0") == "QUEUED"
    assert x("EXEC") == [None, None, None, None, 3, [q.encode(), b"a"], b"b"]
    assert x("LRANGE", dst, "0", "-1") == [b"b"]


def test_clients_blocked_are_served_after_exec(srv, x):
    q = spread_keys("wq", 1)[0]
    blocked = srv.client()
    try:
        blocked.send("BLPOP", q, "0")
        wait_blocked(x, 1)
        assert x("MULTI") == "OK"
        assert x("RPUSH", q, "x") == "QUEUED"
        assert x("LPOP", q) == "QUEUED"
        assert x("EXEC") == [1, b"x"]
        assert x("RPUSH", q, "y") == 1
        assert blocked.read() == [q.encode(), b"y"]
        assert x("LLEN", q) == 0
    finally:
        blocked.close()


# ---------------------------------------------------------------- WATCH


def test_watch_modified_by_another_client_aborts(x, other):
    keys = spread_keys("wk", 4)
    assert x("WATCH", *keys) == "OK"
    assert other("SET", keys[2], "changed") == "OK"
    assert x("MULTI") == "OK"
    assert x("SET", keys[0], "mine") == "QUEUED"
    assert x("EXEC") is None
    assert x("EXISTS", keys[0]) == 0


def test_watch_unchanged_executes(x, other):
    keys = spread_keys("wu", 4)
    assert x("WATCH", *keys) == "OK"
    assert other("SET", "unrelated", "x") == "OK"
    assert other("GET", keys[1]) is None  # reads change nothing
    assert x("MULTI") == "OK"
    assert x("SET", keys[0], "mine") == "QUEUED"
    assert x("EXEC") == ["OK"]


def test_watch_by_own_write_aborts(x):
    k = spread_keys("wo", 1)[0]
    assert x("WATCH", k) == "OK"
    assert x("SET", k, "v") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None


@pytest.mark.parametrize("change", [
    ("RPUSH", "{t}l", "x"), ("LPOP", "{t}l"), ("SADD", "{t}s", "new"), ("SREM", "{t}s", "m"),
    ("HSET", "{t}h", "f", "2"), ("ZADD", "{t}z", "2", "n"), ("APPEND", "{t}str", "x"),
    ("INCR", "{t}n"), ("EXPIRE", "{t}str", "100"), ("PERSIST", "{t}px"), ("DEL", "{t}str"),
    ("UNLINK", "{t}str"), ("SETRANGE", "{t}str", "0", "z"), ("SETBIT", "{t}str", "0", "1"),
    ("LSET", "{t}l", "0", "y"), ("SPOP", "{t}s"), ("ZINCRBY", "{t}z", "1", "m"),
    ("HDEL", "{t}h", "f"), ("LMOVE", "{t}l", "{u}o", "LEFT", "LEFT"),
    ("RENAME", "{t}str", "{u}o"), ("MOVE", "{t}str", "1"), ("FLUSHDB",), ("FLUSHALL",),
])
def test_every_kind_of_change_aborts(x, other, change):
    x("RPUSH", "{t}l", "a")
    x("SADD", "{t}s", "m")
    x("HSET", "{t}h", "f", "1")
    x("ZADD", "{t}z", "1", "m")
    x("SET", "{t}str", "abc")
    x("SET", "{t}n", "1")
    x("SET", "{t}px", "1", "EX", "100")
    watched = ["{t}l", "{t}s", "{t}h", "{t}z", "{t}str", "{t}n", "{t}px"]
    # Watch only the key the change touches (or all of them for the flushes).
    key = change[1] if len(change) > 1 else None
    assert x("WATCH", *(watched if key is None else [key])) == "OK"
    reply = other(*change)
    assert not isinstance(reply, Err), reply
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None


# Which writes count as changes for WATCH: exactly those where Redis 7.0 calls signalModifiedKey
# (a write that ends up changing nothing leaves watchers alone), for every data type. The keys are
# spread round-robin over the shards, so multi-key commands (SMOVE, LMOVE, RENAME, the STORE
# variants...) run across shards; $n, $x and $h2 are missing.
WRITE_KEYS = ["s", "t", "l", "h", "z", "st", "st2", "n", "x", "by"]
WRITE_SETUP = [
    ("SET", "$s", "10"), ("SET", "$t", "1", "EX", "100"), ("RPUSH", "$l", "a", "b", "c"),
    ("HSET", "$h", "f", "1"), ("ZADD", "$z", "1", "a", "2", "b"), ("SADD", "$st", "a", "b"),
    ("SADD", "$st2", "a"), ("SET", "$by", "1"),
]
# (command, watched key): the command changes nothing there, EXEC runs.
NOOP_WRITES = [
    # strings and bitmaps
    ("SET $s v NX", "s"), ("SET $n v XX", "n"), ("SETNX $s v", "s"), ("MSETNX $n v $s v", "n"),
    ("GETEX $s", "s"), ("GETEX $s PERSIST", "s"), ("GETDEL $n", "n"), ("SETRANGE $s 1 ''", "s"),
    ("SETRANGE $n 1 ''", "n"), ("INCRBY $s x", "s"), ("INCR $l", "l"), ("APPEND $l x", "l"),
    ("SETBIT $s 0 0", "s"), ("BITFIELD $s SET u8 0 49", "s"), ("BITFIELD $s GET u8 0", "s"),
    ("BITFIELD $s OVERFLOW FAIL INCRBY u2 0 5", "s"), ("BITOP OR $n $x", "n"),
    # keyspace
    ("DEL $n", "n"), ("UNLINK $n", "n"), ("EXPIRE $n 100", "n"), ("EXPIRE $s 100 XX", "s"),
    ("PEXPIRE $t 100000 NX", "t"), ("EXPIREAT $t 1 GT", "t"), ("PERSIST $s", "s"),
    ("RENAME $s $s", "s"), ("RENAMENX $s $t", "s"), ("RENAMENX $s $t", "t"),
    ("COPY $s $t", "t"), ("MOVE $n 1", "n"), ("FLUSHDB", "n"), ("SWAPDB 0 1", "n"),
    # lists
    ("LPUSHX $n x", "n"), ("RPUSHX $n x", "n"), ("LPUSH $s x", "s"), ("LPOP $n", "n"),
    ("RPOP $l 0", "l"), ("LSET $l 10 x", "l"), ("LINSERT $l BEFORE zz x", "l"),
    ("LREM $l 0 zz", "l"), ("LMOVE $n $l LEFT LEFT", "l"), ("LMOVE $l $h LEFT LEFT", "l"),
    ("RPOPLPUSH $n $l", "l"), ("LMPOP 1 $n LEFT", "n"), ("BLPOP $n 0.01", "n"),
    ("BLMOVE $n $l LEFT LEFT 0.01", "l"),
    # hashes
    ("HSETNX $h f 2", "h"), ("HDEL $h zz", "h"), ("HDEL $n f", "n"), ("HINCRBY $h f x", "h"),
    ("HINCRBYFLOAT $h f x", "h"), ("HSET $s f 1", "s"),
    # sets
    ("SADD $st a", "st"), ("SADD $st b a b", "st"), ("SREM $st zz", "st"), ("SREM $n a", "n"),
    ("SPOP $n", "n"), ("SPOP $st 0", "st"), ("SMOVE $st $n zz", "st"), ("SMOVE $st $n zz", "n"),
    ("SMOVE $st $st a", "st"), ("SMOVE $st $st2 a", "st2"), ("SMOVE $st $s a", "st"),
    ("SINTERSTORE $n $x", "n"), ("SUNIONSTORE $n $x", "n"), ("SDIFFSTORE $n $x", "n"),
    # sorted sets
    ("ZADD $z NX 5 a", "z"), ("ZADD $z XX 3 c", "z"), ("ZADD $z 1 a 2 b", "z"),
    ("ZADD $z GT 0 a", "z"), ("ZADD $z LT 5 a", "z"), ("ZINCRBY $z 0 a", "z"),
    ("ZREM $z zz", "z"), ("ZREM $n a", "n"), ("ZREMRANGEBYRANK $z 5 10", "z"),
    ("ZREMRANGEBYSCORE $z 10 20", "z"), ("ZREMRANGEBYLEX $z [x [y", "z"), ("ZPOPMIN $n", "n"),
    ("ZPOPMAX $z 0", "z"), ("ZMPOP 1 $n MIN", "n"), ("BZPOPMIN $n 0.01", "n"),
    ("ZRANGESTORE $n $x 0 -1", "n"), ("ZUNIONSTORE $n 1 $x", "n"), ("SORT $x STORE $n", "n"),
]
# (command, watched key): the command changes the key, EXEC aborts. Several rewrite a value with
# what it already held (Redis counts those as changes too).
REAL_WRITES = [
    ("SET $s 10", "s"), ("SET $n v NX", "n"), ("APPEND $s ''", "s"), ("SETRANGE $s 0 1", "s"),
    ("SETBIT $s 0 1", "s"), ("SETBIT $s 100 0", "s"), ("BITFIELD $s SET u8 0 50", "s"),
    ("INCRBY $s 0", "s"), ("EXPIRE $t 1000 GT", "t"), ("PERSIST $t", "t"),
    ("RENAME $s $n", "n"), ("COPY $s $t REPLACE", "t"), ("BITOP OR $t $s", "t"),
    ("RPUSH $l x", "l"), ("LPOP $l", "l"), ("LSET $l 0 a", "l"), ("LINSERT $l AFTER c x", "l"),
    ("LREM $l 0 b", "l"), ("LTRIM $l 0 -1", "l"), ("LMOVE $l $l LEFT RIGHT", "l"),
    ("LMOVE $l $n LEFT LEFT", "n"), ("BLMOVE $l $h2 LEFT LEFT 0.01", "l"),
    ("HSET $h f 1", "h"), ("HSETNX $h g 1", "h"), ("HDEL $h zz f", "h"), ("HINCRBY $h f 0", "h"),
    ("SADD $st a c", "st"), ("SREM $st zz a", "st"), ("SPOP $st", "st"),
    ("SMOVE $st $st2 a", "st"), ("SMOVE $st $st2 b", "st2"), ("SINTERSTORE $st2 $st", "st2"),
    ("ZADD $z 5 a", "z"), ("ZADD $z XX CH 5 a", "z"), ("ZINCRBY $z 1 a", "z"),
    ("ZREM $z zz a", "z"), ("ZREMRANGEBYRANK $z 0 0", "z"), ("ZPOPMIN $z", "z"),
    ("ZUNIONSTORE $n 1 $z", "n"), ("SORT $l ALPHA STORE $n", "n"), ("SINTERSTORE $st $x", "st"),
]


def _write_keys(tag):
    return dict(zip(WRITE_KEYS + ["h2"], spread_keys("nw%s" % tag, len(WRITE_KEYS) + 1)))


def _words(line, keys):
    out = []
    for w in line.split():
        if w == "''":
            w = ""
        elif w.startswith("$"):
            w = keys[w[1:]]
        out.append(w)
    return out


def _watch_and_write(x, other, keys, line, watched):
    for cmd in WRITE_SETUP:
        assert not isinstance(x(*_words(" ".join(cmd), keys)), Err)
    # A second watched key on another shard, left alone (but by keyspace-wide commands): the EXEC
    # checks both shards.
    wide = line.split()[0] in ("FLUSHDB", "SWAPDB")
    assert x("WATCH", keys[watched], *([] if wide else [keys["by"]])) == "OK"
    other(*_words(line, keys))  # an error reply is a no-op too
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    return x("EXEC")


@pytest.mark.parametrize("line,watched", NOOP_WRITES,
                         ids=["%s~%s" % (c.split()[0], w) for c, w in NOOP_WRITES])
def test_write_that_changes_nothing_does_not_abort(x, other, line, watched):
    keys = _write_keys("a")
    assert _watch_and_write(x, other, keys, line, watched) == ["PONG"]


@pytest.mark.parametrize("line,watched", REAL_WRITES,
                         ids=["%s~%s" % (c.split()[0], w) for c, w in REAL_WRITES])
def test_write_that_changes_the_key_aborts(x, other, line, watched):
    keys = _write_keys("b")
    assert _watch_and_write(x, other, keys, line, watched) is None


def test_noop_writes_inside_another_exec_do_not_abort(x, other):
    """No-op writes on several shards, queued in another client's EXEC."""
    keys = _write_keys("c")
    for cmd in WRITE_SETUP:
        x(*_words(" ".join(cmd), keys))
    assert x("WATCH", keys["s"], keys["st"], keys["z"], keys["h"], keys["l"]) == "OK"
    assert other("MULTI") == "OK"
    for line in ("SET $s v NX", "SADD $st a", "ZADD $z NX 5 a", "HSETNX $h f 2",
                 "LREM $l 0 zz", "SMOVE $st $st2 a"):
        assert other(*_words(line, keys)) == "QUEUED"
    assert other("EXEC") == [None, 0, 0, 0, 0, 1]
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None  # the SMOVE removed a from $st
    assert x("WATCH", keys["st2"], keys["s"]) == "OK"
    assert other("SMOVE", keys["st"], keys["st2"], "b") == 1  # $st2 gains b
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None


@pytest.mark.parametrize("same_shard", [True, False], ids=["same-shard", "other-shard"])
def test_blocked_move_served_later_touches_its_destination(srv, x, other, same_shard):
    """A BLMOVE woken by a push elsewhere changes its destination: a watcher of it aborts."""
    if same_shard:
        src, dst, by = "{bm}src", "{bm}dst", "{bm}by"
    else:
        src, dst, by = spread_keys("bm", 3)
    assert x("RPUSH", dst, "old") == 1
    assert x("SET", by, "1") == "OK"
    blocked = srv.client()
    try:
        blocked.send("BLMOVE", src, dst, "LEFT", "LEFT", "0")
        wait_blocked(x, 1)
        assert x("WATCH", dst, by) == "OK"
        assert other("RPUSH", src, "v") == 1
        assert blocked.read() == b"v"
        assert x("MULTI") == "OK"
        assert x("PING") == "QUEUED"
        assert x("EXEC") is None
        assert x("LRANGE", dst, "0", "-1") == [b"v", b"old"]
    finally:
        blocked.close()


def test_watch_missing_key_deleted_or_flushed_is_no_change(x, other):
    k, j = spread_keys("wm", 2)
    assert x("WATCH", k) == "OK"
    assert other("DEL", k) == 0
    assert other("SET", j, "v") == "OK"
    assert other("FLUSHALL") == "OK"  # the watched key did not exist: untouched
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]


def test_watch_flushall_of_existing_key_aborts(x, other):
    k = spread_keys("wf", 1)[0]
    assert x("SET", k, "v") == "OK"
    assert x("WATCH", k) == "OK"
    assert other("FLUSHALL") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None


def test_watch_key_expiring_before_exec_aborts(x):
    k = spread_keys("we", 1)[0]
    assert x("SET", k, "v", "PX", "300") == "OK"
    assert x("WATCH", k) == "OK"
    time.sleep(0.45)
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") is None


def test_watch_of_already_expired_key_is_no_change(x, other):
    k = spread_keys("ws", 1)[0]
    assert x("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    try:
        assert x("SET", k, "v", "PX", "1") == "OK"
        time.sleep(0.05)
        assert x("WATCH", k) == "OK"  # watched while already expired
        assert other("DEL", k) == 0  # deletes the stale key: logically no change
        assert x("MULTI") == "OK"
        assert x("PING") == "QUEUED"
        assert x("EXEC") == ["PONG"]
    finally:
        x("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_watch_is_per_db(x, other):
    k = spread_keys("wd", 1)[0]
    assert x("WATCH", k) == "OK"
    assert other("SELECT", "1") == "OK"
    assert other("SET", k, "in db1") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]


def test_unwatch_and_discard_clear_watches(x, other):
    k = spread_keys("wx", 1)[0]
    assert x("WATCH", k) == "OK"
    assert other("SET", k, "1") == "OK"
    assert x("UNWATCH") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]
    assert x("WATCH", k) == "OK"
    assert other("SET", k, "2") == "OK"
    assert x("MULTI") == "OK"
    assert x("DISCARD") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]


def test_after_exec_keys_are_no_longer_watched(x, other):
    k = spread_keys("wn", 1)[0]
    assert x("WATCH", k) == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]
    assert other("SET", k, "v") == "OK"
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]


def test_reset_clears_multi_and_watch(x, other):
    k = spread_keys("wr", 1)[0]
    assert x("WATCH", k) == "OK"
    assert x("MULTI") == "OK"
    assert x("SET", k, "v") == "QUEUED"
    assert x("RESET") == "RESET"
    assert other("SET", k, "other") == "OK"
    assert x("EXEC") == Err("ERR EXEC without MULTI")
    assert x("MULTI") == "OK"
    assert x("PING") == "QUEUED"
    assert x("EXEC") == ["PONG"]


def test_watched_keys_of_a_closed_client_are_dropped(srv, x):
    k = spread_keys("wc", 1)[0]
    for _ in range(20):
        cl = srv.client()
        assert cl("WATCH", k) == "OK"
        cl.close()
    assert x("SET", k, "v") == "OK"  # touches nothing left behind


# ---------------------------------------------------------------- concurrency


def test_transfers_across_shards_are_isolated(srv):
    accounts = spread_keys("acct", 8)
    setup = srv.redis()
    setup.flushall()
    setup.mset({a: 100 for a in accounts})
    total = 100 * len(accounts)
    stop = threading.Event()
    errors = []

    def mover(seed):
        cl = srv.redis()
        i = seed
        while not stop.is_set():
            src, dst = accounts[i % 8], accounts[(i * 3 + 1) % 8]
            i += 1
            if src == dst:
                continue
            p = cl.pipeline(transaction=True)
            p.decrby(src, 7)
            p.incrby(dst, 7)
            p.execute()

    def reader(use_exec):
        cl = srv.redis()
        n = 0
        while not stop.is_set():
            if use_exec:
                p = cl.pipeline(transaction=True)
                for a in accounts:
                    p.get(a)
                vals = p.execute()
            else:
                vals = cl.mget(accounts)
            s = sum(int(v) for v in vals)
            n += 1
            if s != total:
                errors.append(s)
        return n

    threads = [threading.Thread(target=mover, args=(s,)) for s in (1, 2, 3)]
    threads += [threading.Thread(target=reader, args=(u,)) for u in (False, True)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert errors == []
    assert sum(int(v) for v in setup.mget(accounts)) == total


def test_optimistic_increments_lose_nothing(srv):
    keys = spread_keys("ctr", 2)
    setup = srv.redis()
    setup.delete(*keys)
    done = []

    def worker():
        cl = srv.redis()
        ok = 0
        for _ in range(60):
            def inc(pipe):
                v = [int(pipe.get(k) or 0) for k in keys]
                pipe.multi()
                pipe.set(keys[0], v[0] + 1)
                pipe.set(keys[1], v[1] + 1)
            cl.transaction(inc, *keys)
            ok += 1
        done.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(done) == 240
    assert [int(v) for v in setup.mget(keys)] == [240, 240]


def test_redis_py_pipeline_transaction(srv):
    cl = srv.redis()
    cl.flushall()
    a, b = spread_keys("py", 2)
    out = cl.pipeline().set(a, 1).incr(a).set(b, "x").get(b).execute()
    assert out == [True, 2, True, b"x"]
    with pytest.raises(redis.ResponseError):
        cl.pipeline().set(a, 1).lpush(a, "x").execute()


def test_time_stands_still_inside_exec(x):
    a, b = spread_keys("t", 2)
    assert x("MULTI") == "OK"
    assert x("SET", a, "v", "PX", "50") == "QUEUED"
    assert x("SET", b, "v", "PX", "50") == "QUEUED"
    assert x("DEBUG", "SLEEP", "0.2") == "QUEUED"
    assert x("MGET", a, b) == "QUEUED"
    assert x("EXEC") == ["OK", "OK", "OK", [b"v", b"v"]]
    assert x("MGET", a, b) == [None, None]
