"""Client-side caching: CLIENT TRACKING (default mode, BCAST, PREFIX, OPTIN/OPTOUT, NOLOOP,
REDIRECT), CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO, the t/B/R flags and redir= of
CLIENT LIST, invalidation by writes on any shard, expiry, eviction and FLUSHALL, broken
redirections, tracking-table-max-keys and the INFO fields. Runs against Shoal with 1 and 4 shards
(clients and keys land on every thread) and against redis-server 7.0.

Invalidations are asynchronous in Shoal (they travel to the client's thread): tests read pushes
with a deadline, and prove that an invalidation did NOT come by checking that the next one the
client gets is a later, expected one.
"""

import time

import pytest
import redis

import conftest
from shoal_keys import spread_keys
from shoal_resp import Err, Push, RawConn

srv = conftest.sharded_server([1, 4])

INV = b"invalidate"


@pytest.fixture
def clients(srv_clients):
    return srv_clients


def push(cl):
    """The next push (RESP3) of cl; fails if a reply comes instead."""
    m = cl.read()
    assert isinstance(m, Push), m
    return list(m)


def message(cl):
    """The next pub/sub message (RESP2 subscriber) of cl."""
    m = cl.read()
    assert isinstance(m, list) and m[0] == b"message", m
    return m


def inv_keys(cl, n):
    """Reads invalidation pushes until n keys came; returns them sorted (BCAST groups keys per
    event loop cycle, and per shard in Shoal)."""
    keys = []
    while len(keys) < n:
        p = push(cl)
        assert p[0] == INV, p
        keys.extend(p[1])
    assert len(keys) == n, keys
    return sorted(keys)


def info_field(cl, section, name):
    text = cl.call("INFO", section)
    for line in text.decode().split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("no %s in INFO %s" % (name, section))


def wait_info(cl, section, name, want, timeout=10):
    deadline = time.time() + timeout
    while True:
        got = info_field(cl, section, name)
        if got == want or time.time() > deadline:
            return got
        time.sleep(0.01)


def client_line(cl, cid):
    text = cl.call("CLIENT", "LIST", "ID", str(cid)).decode()
    return dict(kv.split("=", 1) for kv in text.strip().split(" "))


# --------------------------------------------------------------------------
# Commands, replies and errors
# --------------------------------------------------------------------------


def test_tracking_errors(clients):
    c = clients()
    me = c.call("CLIENT", "ID")
    assert c.call("CLIENT", "TRACKING") == Err(
        "ERR wrong number of arguments for 'client|tracking' command")
    assert c.call("CLIENT", "TRACKING", "maybe") == Err("ERR syntax error")
    assert c.call("CLIENT", "TRACKING", "on", "foo") == Err("ERR syntax error")
    # PREFIX/REDIRECT without their argument are unknown options.
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX") == Err("ERR syntax error")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT") == Err("ERR syntax error")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", "x") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", "999999") == Err(
        "ERR The client ID you want redirect to does not exist")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", "0") == Err(
        "ERR The client ID you want redirect to does not exist")
    # The redirection is checked where it stands, before a later bad option ...
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", "999999", "bogus") == Err(
        "ERR The client ID you want redirect to does not exist")
    assert c.call("CLIENT", "TRACKING", "on", "bogus", "REDIRECT", "999999") == Err(
        "ERR syntax error")
    # ... and also for OFF.
    assert c.call("CLIENT", "TRACKING", "off", "REDIRECT", "999999") == Err(
        "ERR The client ID you want redirect to does not exist")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(me), "REDIRECT", str(me)) == Err(
        "ERR A client can only redirect to a single other client")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(me), "maybe") == Err(
        "ERR syntax error")
    assert c.call("CLIENT", "TRACKING", "on", "PREFIX", "a") == Err(
        "ERR PREFIX option requires BCAST mode to be enabled")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "OPTIN") == Err(
        "ERR OPTIN and OPTOUT are not compatible with BCAST")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "OPTOUT") == Err(
        "ERR OPTIN and OPTOUT are not compatible with BCAST")
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT") == Err(
        "ERR You can't specify both OPTIN mode and OPTOUT mode")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a") == Err(
        "ERR Prefix 'ab' overlaps with another provided prefix 'a'. "
        "Prefixes for a single client must not overlap.")
    # Nothing above enabled tracking.
    assert c.call("CLIENT", "GETREDIR") == -1
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT") == Err(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST") == Err(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.")
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "abc") == Err(
        "ERR Prefix 'abc' overlaps with an existing prefix 'a'. "
        "Prefixes for a single client must not overlap.")
    assert c.call("CLIENT", "TRACKING", "on") == Err(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.")
    assert c.call("CLIENT", "TRACKING", "off") == "OK"


def test_prefix_collision_quirk_answers_twice(clients):
    # Redis's checkPrefixCollisionsOrReply returns its index: a collision found for the second
    # prefix on is reported, and tracking is enabled anyway (error, then +OK).
    c = clients()
    c.send("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "b", "PREFIX", "bc")
    assert c.read() == Err("ERR Prefix 'b' overlaps with another provided prefix 'bc'. "
                           "Prefixes for a single client must not overlap.")
    assert c.read() == "OK"
    info = c.call("CLIENT", "TRACKINGINFO")
    assert info[info.index(b"prefixes") + 1] == [b"b", b"bc", b"x"]


def test_caching_errors(clients):
    c = clients()
    assert c.call("CLIENT", "CACHING") == Err(
        "ERR wrong number of arguments for 'client|caching' command")
    assert c.call("CLIENT", "CACHING", "yes") == Err(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled")
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("CLIENT", "CACHING", "yes") == Err(
        "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
    assert c.call("CLIENT", "CACHING", "no") == Err(
        "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    assert c.call("CLIENT", "CACHING", "maybe") == Err("ERR syntax error")
    assert c.call("CLIENT", "GETREDIR", "x") == Err(
        "ERR wrong number of arguments for 'client|getredir' command")
    assert c.call("CLIENT", "TRACKINGINFO", "x") == Err(
        "ERR wrong number of arguments for 'client|trackinginfo' command")


def test_trackinginfo_and_getredir(clients):
    c = clients()
    r = clients()
    rid = r.call("CLIENT", "ID")
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"off"], b"redirect", -1, b"prefixes", []]
    assert c.call("CLIENT", "GETREDIR") == -1
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"on"], b"redirect", 0, b"prefixes", []]
    assert c.call("CLIENT", "GETREDIR") == 0
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP", "REDIRECT", str(rid)) == "OK"
    assert c.call("CLIENT", "GETREDIR") == rid
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"on", b"optin", b"noloop"], b"redirect", rid, b"prefixes", []]
    assert c.call("CLIENT", "CACHING", "YES") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"on", b"optin", b"caching-yes", b"noloop"], b"redirect", rid,
        b"prefixes", []]
    # The CACHING flag lasts for the next command only (CLIENT commands do not count).
    assert c.call("PING") == "PONG"
    assert c.call("CLIENT", "TRACKINGINFO")[1] == [b"on", b"optin", b"noloop"]
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT") == "OK"
    assert c.call("CLIENT", "CACHING", "no") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO")[1] == [b"on", b"optout", b"caching-no"]
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "a") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"on", b"bcast"], b"redirect", 0, b"prefixes", [b"a", b"b"]]
    # Re-enabling adds prefixes; BCAST with none adds the empty one.
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO")[5] == [b"", b"a", b"b", b"c"]
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert c.call("CLIENT", "TRACKINGINFO") == [
        b"flags", [b"off"], b"redirect", -1, b"prefixes", []]
    # RESP3: a map whose flags are a set.
    c3 = clients(3)
    assert c3.call("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP") == "OK"
    assert c3.call("CLIENT", "TRACKINGINFO") == {
        b"flags": {b"on", b"bcast", b"noloop"}, b"redirect": 0, b"prefixes": [b""]}


def test_raw_trackinginfo_bytes(srv, clients):
    rc = RawConn(srv.host, srv.port)
    rc.send(b"CLIENT TRACKING on\r\nCLIENT TRACKINGINFO\r\n")
    want = (b"+OK\r\n*6\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$8\r\nredirect\r\n:0\r\n"
            b"$8\r\nprefixes\r\n*0\r\n")
    assert rc.recv_until(nbytes=len(want)) == want
    rc.close()


def test_client_list_flags_and_redir(clients):
    c = clients()
    r = clients()
    cid, rid = c.call("CLIENT", "ID"), r.call("CLIENT", "ID")
    line = client_line(r, cid)
    assert line["flags"] == "N" and line["redir"] == "-1"
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    line = client_line(r, cid)
    assert line["flags"] == "t" and line["redir"] == "0"
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid)) == "OK"
    assert client_line(r, cid)["redir"] == str(rid)
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST") == "OK"
    assert client_line(r, cid)["flags"] == "tB"
    info = c.call("CLIENT", "INFO").decode()
    assert " flags=tB " in info and " redir=0 " in info
    c.call("MULTI")
    assert client_line(r, cid)["flags"] == "xtB"
    c.call("DISCARD")
    assert c.call("RESET") == "RESET"
    line = client_line(r, cid)
    assert line["flags"] == "N" and line["redir"] == "-1"


# --------------------------------------------------------------------------
# Default mode
# --------------------------------------------------------------------------


def test_default_mode_resp3_push(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("SET", "k", "1") == "OK"
    assert c.call("GET", "k") == b"1"
    assert w.call("SET", "k", "2") == "OK"
    assert push(c) == [INV, [b"k"]]
    # Forgotten once invalidated: another write sends nothing until the key is read again.
    assert w.call("SET", "k", "3") == "OK"
    assert c.call("GET", "other") is None
    assert w.call("SET", "other", "x") == "OK"
    assert push(c) == [INV, [b"other"]]
    # Keys read but absent, and a read of the wrong type, are tracked too.
    assert c.call("HGET", "nokey", "f") is None
    assert c.call("LLEN", "k") == Err(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert w.call("HSET", "nokey", "f", "v") == 1
    assert push(c) == [INV, [b"nokey"]]
    assert w.call("DEL", "k") == 1
    assert push(c) == [INV, [b"k"]]
    # Writes do not register keys.
    assert c.call("SET", "w", "1") == "OK"
    assert w.call("SET", "w", "2") == "OK"
    assert c.call("GET", "z") is None
    assert w.call("SET", "z", "1") == "OK"
    assert push(c) == [INV, [b"z"]]


def test_resp2_without_redirect_gets_nothing(clients):
    c = clients()
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("GET", "k") is None
    assert w.call("SET", "k", "1") == "OK"
    # Nothing was pushed: the next reply is PING's.
    assert c.call("PING") == "PONG"
    assert c.call("GET", "k") == b"1"


def test_own_write_invalidates_after_reply(srv, clients):
    rc = RawConn(srv.host, srv.port)
    rc.send(b"HELLO 3\r\n")
    rc.recv_until(terminator=b"modules\r\n*0\r\n")
    rc.send(b"CLIENT TRACKING on\r\nGET k\r\n")
    assert rc.recv_until(nbytes=10) == b"+OK\r\n_\r\n"
    rc.send(b"SET k v\r\n")
    want = b"+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"
    assert rc.recv_until(nbytes=len(want)) == want
    rc.close()


def test_writes_on_every_shard_and_multi_key_reads(srv, clients):
    c = clients(3)
    w = clients()
    keys = spread_keys("mk", 8)
    assert w.call("MSET", *[x for k in keys for x in (k, "v")]) == "OK"
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    # One MGET over every shard, and single-key reads.
    assert c.call("MGET", *keys[:4]) == [b"v"] * 4
    for k in keys[4:]:
        assert c.call("STRLEN", k) == 1
    assert w.call("MSET", *[x for k in keys for x in (k, "w")]) == "OK"
    got = []
    for _ in keys:
        p = push(c)
        assert p[0] == INV and len(p[1]) == 1
        got.extend(p[1])
    assert sorted(got) == sorted(k.encode() for k in keys)
    # Multi-key reads of other kinds (EXISTS over shards, SUNION).
    assert c.call("EXISTS", *keys) == 8
    assert w.call("DEL", *keys) == 8
    assert sorted(x for _ in keys for x in push(c)[1]) == sorted(k.encode() for k in keys)


def test_other_clients_and_types(clients):
    c = clients(3)
    writers = [clients() for _ in range(3)]
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("LRANGE", "l", "0", "-1") == []
    assert c.call("SMEMBERS", "s") == set()
    assert c.call("ZSCORE", "z", "m") is None
    assert writers[0].call("RPUSH", "l", "a") == 1
    assert push(c) == [INV, [b"l"]]
    assert writers[1].call("SADD", "s", "a") == 1
    assert push(c) == [INV, [b"s"]]
    assert writers[2].call("ZADD", "z", "1", "m") == 1
    assert push(c) == [INV, [b"z"]]
    # A write that changes nothing invalidates nothing (SADD of a member already there).
    assert c.call("SCARD", "s") == 1
    assert writers[0].call("SADD", "s", "a") == 0
    assert writers[0].call("SADD", "s", "b") == 1
    assert push(c) == [INV, [b"s"]]
    # RENAME invalidates both names.
    assert c.call("GET", "src") is None
    assert c.call("GET", "dst") is None
    assert writers[1].call("SET", "src", "1") == "OK"
    assert push(c) == [INV, [b"src"]]
    assert c.call("GET", "src") == b"1"
    assert writers[1].call("RENAME", "src", "dst") == "OK"
    assert sorted([push(c)[1][0], push(c)[1][0]]) == [b"dst", b"src"]


def test_noloop(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "NOLOOP") == "OK"
    assert c.call("MGET", "a", "b") == [None, None]
    assert c.call("SET", "a", "1") == "OK"  # its own write: no invalidation
    assert w.call("SET", "b", "1") == "OK"
    assert push(c) == [INV, [b"b"]]
    # Its own multi-shard write, too.
    keys = spread_keys("nl", 4)
    assert c.call("MGET", *keys) == [None] * 4
    assert c.call("MSET", *[x for k in keys for x in (k, "1")]) == "OK"
    assert c.call("GET", "c") is None
    assert w.call("SET", "c", "1") == "OK"
    assert push(c) == [INV, [b"c"]]


def test_optin(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN") == "OK"
    assert c.call("GET", "a") is None  # not tracked
    assert c.call("CLIENT", "CACHING", "yes") == "OK"
    assert c.call("GET", "b") is None  # tracked
    assert c.call("GET", "c") is None  # the flag was for one command
    assert w.call("MSET", "a", "1", "c", "1") == "OK"
    assert w.call("SET", "b", "1") == "OK"
    assert push(c) == [INV, [b"b"]]
    # CLIENT CACHING before MULTI covers the whole transaction.
    assert c.call("CLIENT", "CACHING", "yes") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("GET", "x") == "QUEUED"
    assert c.call("GET", "y") == "QUEUED"
    assert c.call("EXEC") == [None, None]
    assert c.call("GET", "z") is None  # not tracked
    assert w.call("SET", "z", "1") == "OK"
    assert w.call("SET", "x", "1") == "OK"
    assert push(c) == [INV, [b"x"]]
    assert w.call("SET", "y", "1") == "OK"
    assert push(c) == [INV, [b"y"]]


def test_optout(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT") == "OK"
    assert c.call("CLIENT", "CACHING", "no") == "OK"
    assert c.call("GET", "a") is None  # not tracked
    assert c.call("GET", "b") is None  # tracked
    assert w.call("SET", "a", "1") == "OK"
    assert w.call("SET", "b", "1") == "OK"
    assert push(c) == [INV, [b"b"]]


def test_multi_exec_reads_are_tracked(srv, clients):
    c = clients(3)
    w = clients()
    keys = spread_keys("tx", 3)
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("GET", keys[0]) == "QUEUED"
    assert c.call("MGET", keys[1], keys[2]) == "QUEUED"
    assert c.call("EXEC") == [None, [None, None]]
    assert w.call("MSET", *[x for k in keys for x in (k, "1")]) == "OK"
    assert inv_keys(c, 3) == sorted(k.encode() for k in keys)


def test_expiry_invalidates(clients):
    c = clients(3)
    w = clients()
    assert w.call("SET", "e", "1", "PX", "300") == "OK"
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("GET", "e") == b"1"
    # The active expiry cycle deletes it: an invalidation with no client write.
    assert push(c) == [INV, [b"e"]]


def test_eviction_invalidates(srv, clients):
    c = clients(3)
    w = clients()
    # One hash tag: the tracked key and the big value share a shard (Shoal evicts per shard).
    assert w.call("SET", "{ev}k", "1", "EX", "1000") == "OK"
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("GET", "{ev}k") == b"1"
    used = info_field(w, "memory", "used_memory")
    try:
        assert w.call("CONFIG", "SET", "maxmemory-policy", "volatile-ttl") == "OK"
        assert w.call("CONFIG", "SET", "maxmemory", str(used + 200000)) == "OK"
        w.call("SET", "{ev}big", "x" * 600000)
        w.call("SET", "{ev}x", "y")  # over the limit: the only volatile key goes
        assert push(c) == [INV, [b"{ev}k"]]
    finally:
        assert w.call("CONFIG", "SET", "maxmemory", "0") == "OK"
        assert w.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == "OK"
        w.call("DEL", "{ev}big")


def test_flushall_and_flushdb_send_null(clients):
    c = clients(3)
    b = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert b.call("CLIENT", "TRACKING", "on", "BCAST") == "OK"
    assert c.call("GET", "k") is None
    assert w.call("FLUSHALL") == "OK"
    assert push(c) == [INV, None]
    assert push(b) == [INV, None]
    # Every tracking client gets it, whatever it read, for FLUSHDB too; the table is emptied.
    assert w.call("FLUSHDB") == "OK"
    assert push(c) == [INV, None]
    assert push(b) == [INV, None]
    # Its own FLUSHALL: after the reply.
    assert c.call("FLUSHALL") == "OK"
    assert push(c) == [INV, None]
    assert push(b) == [INV, None]


# --------------------------------------------------------------------------
# REDIRECT
# --------------------------------------------------------------------------


def test_redirect_to_resp2_subscriber(srv, clients):
    r = clients()
    rid = r.call("CLIENT", "ID")
    r.send("SUBSCRIBE", "__redis__:invalidate")
    assert r.read() == [b"subscribe", b"__redis__:invalidate", 1]
    c = clients()
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid)) == "OK"
    assert c.call("GET", "k") is None
    assert w.call("SET", "k", "1") == "OK"
    assert message(r) == [b"message", b"__redis__:invalidate", [b"k"]]
    # FLUSHALL: the tracking client's null (RESP2 $-1).
    assert w.call("FLUSHALL") == "OK"
    assert message(r) == [b"message", b"__redis__:invalidate", None]
    # The bytes of the message.
    rc = RawConn(srv.host, srv.port)
    rc.send(b"CLIENT ID\r\n")
    rawid = int(rc.recv_until(terminator=b"\r\n")[1:])
    rc.send(b"SUBSCRIBE __redis__:invalidate\r\n")
    rc.recv_until(terminator=b":1\r\n")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rawid)) == "OK"
    assert c.call("GET", "key2") is None
    assert w.call("SET", "key2", "1") == "OK"
    want = (b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
            b"*1\r\n$4\r\nkey2\r\n")
    assert rc.recv_until(nbytes=len(want)) == want
    rc.close()


def test_redirect_to_resp3_client_and_unsubscribed_resp2(clients):
    r3 = clients(3)
    rid3 = r3.call("CLIENT", "ID")
    c = clients()
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid3)) == "OK"
    assert c.call("GET", "k") is None
    assert w.call("SET", "k", "1") == "OK"
    assert push(r3) == [INV, [b"k"]]
    # A RESP2 target that is not subscribed gets nothing.
    r2 = clients()
    rid2 = r2.call("CLIENT", "ID")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid2)) == "OK"
    assert c.call("GET", "k") == b"1"
    assert w.call("SET", "k", "2") == "OK"
    assert r2.call("PING") == "PONG"


def test_redirect_with_redis_py(srv, clients):
    r = redis.Redis(host=srv.host, port=srv.port)
    p = r.pubsub()
    p.subscribe("__redis__:invalidate")
    assert p.get_message(timeout=10)["type"] == "subscribe"
    subs = [cl for cl in r.client_list() if "P" in cl["flags"]]
    assert len(subs) == 1
    rid = int(subs[0]["id"])
    tr = redis.Redis(host=srv.host, port=srv.port, single_connection_client=True)
    assert tr.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", rid)
    tr.set("pykey", "1")
    assert tr.get("pykey") == b"1"
    r.set("pykey", "2")
    m = p.get_message(timeout=10)
    assert m["type"] == "message"
    assert m["channel"] == b"__redis__:invalidate"
    assert m["data"] == [b"pykey"]
    # BCAST through the same redirection.
    assert tr.execute_command("CLIENT", "TRACKING", "off")
    assert tr.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", rid, "BCAST",
                              "PREFIX", "py:")
    r.set("py:a", "1")
    m = p.get_message(timeout=10)
    assert m["data"] == [b"py:a"]
    p.close()
    tr.close()
    r.close()


def test_redirect_broken(clients):
    r = clients()
    rid = r.call("CLIENT", "ID")
    c = clients(3)
    w = clients()
    cid = c.call("CLIENT", "ID")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid)) == "OK"
    assert c.call("GET", "k") is None
    r.close()
    deadline = time.time() + 5
    while w.call("CLIENT", "LIST", "ID", str(rid)) != b"" and time.time() < deadline:
        time.sleep(0.01)
    assert w.call("SET", "k", "1") == "OK"
    assert push(c) == [b"tracking-redir-broken", rid]
    assert client_line(w, cid)["flags"] == "tR"
    assert c.call("CLIENT", "TRACKINGINFO")[b"flags"] == {b"on", b"broken_redirect"}
    # Every invalidation says it again; re-enabling clears the flag.
    assert c.call("GET", "k") == b"1"
    assert w.call("SET", "k", "2") == "OK"
    assert push(c) == [b"tracking-redir-broken", rid]
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert client_line(w, cid)["flags"] == "t"


# --------------------------------------------------------------------------
# BCAST
# --------------------------------------------------------------------------


def test_bcast_all_keys(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "BCAST") == "OK"
    # Keys never read are invalidated too.
    assert w.call("SET", "never-read", "1") == "OK"
    assert push(c) == [INV, [b"never-read"]]
    assert w.call("LPUSH", "l", "a") == 1
    assert push(c) == [INV, [b"l"]]
    # Reads register nothing in the table.
    assert c.call("GET", "x") is None
    assert info_field(w, "stats", "tracking_total_keys") == 0


def test_bcast_prefixes(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:",
                  "PREFIX", "obj:") == "OK"
    assert w.call("SET", "other", "1") == "OK"
    assert w.call("SET", "user:1", "1") == "OK"
    assert push(c) == [INV, [b"user:1"]]
    assert w.call("SET", "obj:9", "1") == "OK"
    assert push(c) == [INV, [b"obj:9"]]
    # One key matching in a multi-key write on one shard: one array, keys in byte order.
    assert w.call("MSET", "{t}user:b", "1", "{t}user:a", "2", "zzz", "3") == "OK"
    assert w.call("MSET", "user:{t}b", "1", "user:{t}a", "2") == "OK"
    assert push(c) == [INV, [b"user:{t}a", b"user:{t}b"]]


def test_bcast_noloop(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP", "PREFIX", "n:") == "OK"
    assert c.call("SET", "n:own", "1") == "OK"
    assert w.call("SET", "n:other", "1") == "OK"
    assert push(c) == [INV, [b"n:other"]]


def test_bcast_off_stops(clients):
    c = clients(3)
    w = clients()
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "q:") == "OK"
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert w.call("SET", "q:1", "1") == "OK"
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "r:") == "OK"
    assert w.call("SET", "r:1", "1") == "OK"
    assert push(c) == [INV, [b"r:1"]]


# --------------------------------------------------------------------------
# Limits and INFO
# --------------------------------------------------------------------------


def test_info_fields(clients):
    c = clients()
    b = clients()
    w = clients()
    assert info_field(w, "clients", "tracking_clients") == 0
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert b.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b") == "OK"
    assert info_field(w, "clients", "tracking_clients") == 2
    assert info_field(w, "stats", "tracking_total_prefixes") == 2
    assert c.call("MGET", "k1", "k2", "k3") == [None] * 3
    c2 = clients()
    assert c2.call("CLIENT", "TRACKING", "on") == "OK"
    assert c2.call("GET", "k1") is None
    assert info_field(w, "stats", "tracking_total_keys") == 3
    assert info_field(w, "stats", "tracking_total_items") == 4
    assert w.call("SET", "k1", "1") == "OK"
    assert wait_info(w, "stats", "tracking_total_keys", 2) == 2
    assert info_field(w, "stats", "tracking_total_items") == 2
    assert b.call("CLIENT", "TRACKING", "off") == "OK"
    assert info_field(w, "stats", "tracking_total_prefixes") == 0
    c.close()
    assert wait_info(w, "clients", "tracking_clients", 1) == 1


def test_tracking_table_max_keys(clients):
    c = clients(3)
    w = clients()
    assert w.call("CONFIG", "GET", "tracking-table-max-keys") == [
        b"tracking-table-max-keys", b"1000000"]
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("MGET", "key1", "key2") == [None, None]
    assert c.call("GET", "key3") is None
    assert info_field(w, "stats", "tracking_total_keys") == 3
    try:
        assert w.call("CONFIG", "SET", "tracking-table-max-keys", "1") == "OK"
        # Two keys go, each with an invalidation (no write happened).
        dropped = inv_keys(c, 2)
        assert set(dropped) < {b"key1", b"key2", b"key3"}
        assert wait_info(w, "stats", "tracking_total_keys", 1) == 1
        # A new read goes over again: one key is dropped at once.
        assert c.call("GET", "key4") is None
        assert len(inv_keys(c, 1)) == 1
        assert wait_info(w, "stats", "tracking_total_keys", 1) == 1
    finally:
        assert w.call("CONFIG", "SET", "tracking-table-max-keys", "1000000") == "OK"


def test_script_reads_track_the_declared_keys(srv, clients):
    # Redis 7.0: a read command called by a script remembers the caller's command's keys, i.e. the
    # script's declared keys (all of them), not what the script read; writes remember nothing.
    c = clients(3)
    w = clients()
    keys = spread_keys("sc", 3)
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    assert c.call("EVAL", "return redis.call('get', KEYS[1])", "2", keys[0], keys[1]) is None
    assert c.call("EVAL", "return redis.call('set', KEYS[1], 'x')", "1", keys[2]) == "OK"
    assert c.call("EVAL_RO", "return redis.call('exists', KEYS[1])", "1", "ro") == 0
    assert w.call("MSET", *[x for k in keys + ["ro"] for x in (k, "1")]) == "OK"
    assert inv_keys(c, 3) == sorted([keys[0].encode(), keys[1].encode(), b"ro"])
    # Nothing else came: the next invalidation is the probe's.
    assert c.call("GET", "probe") is None
    assert w.call("SET", "probe", "1") == "OK"
    assert push(c) == [INV, [b"probe"]]
