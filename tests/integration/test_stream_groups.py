"""Stream consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP),
XREADGROUP (without BLOCK; blocking reads are in test_stream_blocking.py), XACK, XPENDING, XCLAIM,
XAUTOCLAIM, XINFO GROUPS|CONSUMERS and XINFO STREAM FULL's groups, the groups' entries-read and lag
(the cases of Redis's stream-cgroups.tcl "Consumer group ... lag" tests and more), and the
keyspace notifications of the stream commands.

Every reply and error string was checked against redis-server 7.0.15. Idle times and delivery
times depend on the clock: the tests bound them instead of comparing them.
"""

import time

import pytest

import shoal_errors as E
from shoal_events import Events
from shoal_info import wait_blocked
from shoal_resp import Err

WRONGTYPE = E.WRONGTYPE


def entry(eid, *fv):
    return [eid.encode(), [x.encode() for x in fv]]


def as_dict(flat):
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


def groups(c, key):
    reply = c.call("XINFO", "GROUPS", key)
    assert isinstance(reply, list), reply
    return [as_dict(g) for g in reply]


def group(c, key, name="g"):
    for g in groups(c, key):
        if g["name"] == name.encode():
            return g
    raise AssertionError("no group %s" % name)


def consumers(c, key, grp="g"):
    reply = c.call("XINFO", "CONSUMERS", key, grp)
    assert isinstance(reply, list), reply
    return [as_dict(x) for x in reply]


def lag(c, key, name="g"):
    g = group(c, key, name)
    return g["entries-read"], g["lag"]


def add_n(c, key, n, start=1):
    for i in range(start, start + n):
        assert c.call("XADD", key, "%d-0" % i, "f", str(i)) == b"%d-0" % i


def pending_no_idle(c, *args):
    """XPENDING's extended form with each entry's idle time checked and left out."""
    reply = c.call("XPENDING", *args)
    assert isinstance(reply, list), reply
    out = []
    for eid, consumer, idle, count in reply:
        assert 0 <= idle < 60000
        out.append([eid, consumer, count])
    return out


# --------------------------------------------------------------------------
# XGROUP
# --------------------------------------------------------------------------


def test_xgroup_create(c):
    assert c.call("XGROUP", "CREATE", "s", "g", "$") == Err(E.XGROUP_KEY_MISSING)
    assert c.call("EXISTS", "s") == 0
    assert c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == "OK"
    assert c.call("TYPE", "s") == "stream"
    assert c.call("XLEN", "s") == 0
    assert c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == Err(E.BUSYGROUP)
    assert c.call("XGROUP", "CREATE", "s", "g", "0") == Err(E.BUSYGROUP)
    add_n(c, "s", 3)
    assert c.call("XGROUP", "CREATE", "s", "g2", "$") == "OK"
    assert c.call("XGROUP", "CREATE", "s", "g3", "2") == "OK"
    assert c.call("xgroup", "create", "s", "g4", "0", "mkstream") == "OK"
    g = groups(c, "s")
    assert [x["name"] for x in g] == [b"g", b"g2", b"g3", b"g4"]  # sorted by name
    assert [x["last-delivered-id"] for x in g] == [b"0-0", b"3-0", b"2-0", b"0-0"]
    assert list(g[0].keys()) == ["name", "consumers", "pending", "last-delivered-id",
                                 "entries-read", "lag"]
    # Group names are binary safe and case-sensitive.
    assert c.call("XGROUP", "CREATE", "s", "G", "0") == "OK"
    assert c.call("XGROUP", "CREATE", "s", "a b\x00c", "0") == "OK"
    assert len(groups(c, "s")) == 6


def test_xgroup_create_entriesread(c):
    add_n(c, "s", 5)
    assert c.call("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "3") == "OK"
    assert lag(c, "s") == (3, 2)
    assert c.call("XGROUP", "CREATE", "s", "g1", "0", "ENTRIESREAD", "-1") == "OK"
    assert lag(c, "s", "g1") == (None, 5)
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-5") == Err(
        E.ENTRIESREAD_NEGATIVE)
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "abc") == Err(E.NOT_INTEGER)
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD") == Err(
        E.xgroup_syntax("CREATE"))
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "FOO") == Err(E.xgroup_syntax("CREATE"))
    assert c.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "1", "FOO") == Err(
        E.xgroup_syntax("CREATE"))
    assert c.call("XGROUP", "CREATE", "t", "g", "0", "MKSTREAM", "ENTRIESREAD", "1") == "OK"
    assert c.call("XGROUP", "CREATE", "u", "g", "0", "ENTRIESREAD", "1", "MKSTREAM") == "OK"
    assert lag(c, "u") == (1, 0)


def test_xgroup_create_errors(c):
    add_n(c, "s", 1)
    assert c.call("XGROUP", "CREATE", "s", "g", "abc") == Err(E.INVALID_STREAM_ID)
    assert c.call("XGROUP", "CREATE", "s", "g", "-") == Err(E.INVALID_STREAM_ID)
    assert c.call("XGROUP", "CREATE", "s", "g", "+") == Err(E.INVALID_STREAM_ID)
    assert c.call("XGROUP", "CREATE", "s") == Err(E.arity("xgroup|create"))
    assert c.call("XGROUP", "CREATE", "s", "g") == Err(E.arity("xgroup|create"))
    assert c.call("XGROUP") == Err(E.arity("xgroup"))
    assert c.call("XGROUP", "FOO") == Err(E.unknown_subcommand("FOO", "XGROUP"))
    assert groups(c, "s") == []
    c.call("SET", "str", "x")
    assert c.call("XGROUP", "CREATE", "str", "g", "$") == Err(WRONGTYPE)
    assert c.call("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM") == Err(WRONGTYPE)
    assert c.call("XGROUP", "SETID", "str", "g", "$") == Err(WRONGTYPE)
    assert c.call("XGROUP", "DESTROY", "str", "g") == Err(WRONGTYPE)


def test_xgroup_setid(c):
    add_n(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", "$")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">") is None
    assert c.call("XGROUP", "SETID", "s", "g", "0") == "OK"
    assert group(c, "s")["last-delivered-id"] == b"0-0"
    got = c.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">")
    assert got == [[b"s", [entry("1-0", "f", "1"), entry("2-0", "f", "2")]]]
    assert c.call("XGROUP", "SETID", "s", "g", "$") == "OK"
    assert group(c, "s")["last-delivered-id"] == b"5-0"
    assert c.call("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "3") == "OK"
    assert lag(c, "s") == (3, 2)
    assert c.call("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "-1") == "OK"
    assert lag(c, "s") == (None, None)  # 3-0 is inside the stream: no estimate
    # An ID past the stream's last one is allowed.
    assert c.call("XGROUP", "SETID", "s", "g", "100-0") == "OK"
    assert group(c, "s")["last-delivered-id"] == b"100-0"
    # The pending entries stay with their consumer.
    assert c.call("XPENDING", "s", "g")[0] == 2
    assert c.call("XGROUP", "SETID", "s", "nog", "0") == Err(E.nogroup_key("nog", "s"))
    assert c.call("XGROUP", "SETID", "nokey", "g", "0") == Err(E.XGROUP_KEY_MISSING)
    assert c.call("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "-3") == Err(
        E.ENTRIESREAD_NEGATIVE)
    assert c.call("XGROUP", "SETID", "s", "g", "abc") == Err(E.INVALID_STREAM_ID)
    assert c.call("XGROUP", "SETID", "s", "g") == Err(E.arity("xgroup|setid"))
    assert c.call("XGROUP", "SETID", "s", "g", "0", "FOO", "1") == Err(E.xgroup_syntax("SETID"))
    assert c.call("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD") == Err(E.xgroup_syntax("SETID"))


def test_pel_nack_reassignment_after_setid(c):
    for _ in range(4):
        c.call("XADD", "events", "*", "f1", "v1")
    c.call("XGROUP", "CREATE", "events", "g1", "$")
    c.call("XADD", "events", "*", "f1", "v1")
    assert len(c.call("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "events", ">")[0][1]) == 1
    assert c.call("XGROUP", "SETID", "events", "g1", "-") == "OK"  # - is 0-0
    assert group(c, "events", "g1")["last-delivered-id"] == b"0-0"
    assert len(c.call("XREADGROUP", "GROUP", "g1", "c2", "STREAMS", "events", ">")[0][1]) == 5
    # The entry c1 had is now c2's.
    assert [p[0] for p in c.call("XPENDING", "events", "g1")[3]] == [b"c2"]


def test_xgroup_destroy(c):
    add_n(c, "s", 2)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XGROUP", "CREATE", "s", "g2", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    assert c.call("XGROUP", "DESTROY", "s", "g") == 1
    assert c.call("XGROUP", "DESTROY", "s", "g") == 0
    assert [x["name"] for x in groups(c, "s")] == [b"g2"]
    assert c.call("XPENDING", "s", "g") == Err(E.nogroup_key_or_group("s", "g"))
    assert c.call("XGROUP", "DESTROY", "nokey", "g") == Err(E.XGROUP_KEY_MISSING)
    assert c.call("XGROUP", "DESTROY", "s") == Err(E.arity("xgroup|destroy"))
    # Re-created: a fresh group.
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert group(c, "s")["pending"] == 0 and group(c, "s")["consumers"] == 0


def test_xgroup_createconsumer_delconsumer(c):
    add_n(c, "s", 3)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "c1") == 1
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "c1") == 0
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "c0") == 1
    cs = consumers(c, "s")
    assert [x["name"] for x in cs] == [b"c0", b"c1"]
    assert [list(x.keys()) for x in cs] == [["name", "pending", "idle"]] * 2
    assert [x["pending"] for x in cs] == [0, 0]
    assert group(c, "s")["consumers"] == 2
    c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">")
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "c1") == 2
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "c1") == 0
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "c0") == 0
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "c0") == 0
    # The deleted consumer's pending entries are gone from the group too.
    assert c.call("XPENDING", "s", "g") == [0, None, None, None]
    assert group(c, "s")["consumers"] == 0
    for sub in ("CREATECONSUMER", "DELCONSUMER"):
        assert c.call("XGROUP", sub, "s", "nog", "c1") == Err(E.nogroup_key("nog", "s"))
        assert c.call("XGROUP", sub, "nokey", "g", "c1") == Err(E.XGROUP_KEY_MISSING)
        assert c.call("XGROUP", sub, "s", "g") == Err(E.arity("xgroup|" + sub.lower()))


XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
]


def test_xgroup_help(c):
    assert c.call("XGROUP", "HELP") == XGROUP_HELP
    assert c.call("xgroup", "help") == XGROUP_HELP
    assert c.call("XGROUP", "HELP", "x") == Err(E.arity("xgroup|help"))


# --------------------------------------------------------------------------
# XREADGROUP (no BLOCK)
# --------------------------------------------------------------------------


def test_xreadgroup_new_entries_and_history(c):
    add_n(c, "s", 3)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    # History of a consumer with nothing pending: empty, not nil (bug #5577).
    assert c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0") == [[b"s", []]]
    assert c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">") == [
        [b"s", [entry("1-0", "f", "1")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0") == [
        [b"s", [entry("1-0", "f", "1")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0") == [[b"s", []]]
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") == [
        [b"s", [entry("2-0", "f", "2"), entry("3-0", "f", "3")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") is None
    # History from an ID (exclusive), with COUNT.
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "2-0") == [
        [b"s", [entry("3-0", "f", "3")]]]
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", "0") == [
        [b"s", [entry("2-0", "f", "2")]]]
    # Reading history adds a delivery.
    counts = {p[0]: p[3] for p in c.call("XPENDING", "s", "g", "-", "+", "10")}
    assert counts == {b"1-0": 2, b"2-0": 2, b"3-0": 2}
    g = group(c, "s")
    assert (g["consumers"], g["pending"], g["last-delivered-id"], g["entries-read"],
            g["lag"]) == (2, 3, b"3-0", 3, 0)


def test_xreadgroup_deleted_entries_in_history(c):
    # Bug #5570: a pending entry deleted from the stream is reported with a nil body.
    c.call("XGROUP", "CREATE", "mystream", "mygroup", "$", "MKSTREAM")
    c.call("XADD", "mystream", "1", "field1", "A")
    c.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "STREAMS", "mystream", ">")
    c.call("XADD", "mystream", "MAXLEN", "1", "2", "field1", "B")
    c.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "STREAMS", "mystream", ">")
    assert c.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "STREAMS", "mystream",
                  "0-1") == [[b"mystream", [[b"1-0", None], entry("2-0", "field1", "B")]]]
    c.call("XDEL", "mystream", "2-0")
    assert c.call("XREADGROUP", "GROUP", "mygroup", "myconsumer", "STREAMS", "mystream",
                  "0") == [[b"mystream", [[b"1-0", None], [b"2-0", None]]]]
    # They stay pending until acknowledged.
    assert c.call("XPENDING", "mystream", "mygroup")[0] == 2
    assert c.call("XACK", "mystream", "mygroup", "1-0", "2-0") == 2


def test_xreadgroup_deleted_new_entries_are_skipped(c):
    add_n(c, "s", 5)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XDEL", "s", "2-0", "4-0")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">") == [
        [b"s", [entry("1-0", "f", "1"), entry("3-0", "f", "3"), entry("5-0", "f", "5")]]]
    assert c.call("XPENDING", "s", "g") == [3, b"1-0", b"5-0", [[b"a", b"3"]]]


def test_xreadgroup_noack(c):
    add_n(c, "s", 3)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XREADGROUP", "GROUP", "g", "a", "NOACK", "STREAMS", "s", ">") == [
        [b"s", [entry("1-0", "f", "1"), entry("2-0", "f", "2"), entry("3-0", "f", "3")]]]
    assert c.call("XPENDING", "s", "g") == [0, None, None, None]
    # The consumer was still created.
    assert [x["name"] for x in consumers(c, "s")] == [b"a"]
    g = group(c, "s")
    assert (g["last-delivered-id"], g["entries-read"], g["lag"]) == (b"3-0", 3, 0)
    assert c.call("XREADGROUP", "GROUP", "g", "a", "NOACK", "STREAMS", "s", "0") == [[b"s", []]]


def test_xreadgroup_several_streams_on_several_shards(c):
    keys = ["alpha", "beta", "gamma", "delta", "epsilon"]
    for n, k in enumerate(keys):
        c.call("XADD", k, "%d-1" % (n + 1), "k", k)
        c.call("XGROUP", "CREATE", k, "g", "0")
    reply = c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", *keys, *([">"] * len(keys)))
    assert reply == [[k.encode(), [entry("%d-1" % (n + 1), "k", k)]] for n, k in enumerate(keys)]
    # Only streams with new entries are in the reply; history of every stream is.
    c.call("XADD", "gamma", "9-9", "x", "y")
    assert c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", *keys, *([">"] * len(keys))) == [
        [b"gamma", [entry("9-9", "x", "y")]]]
    reply = c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "alpha", "gamma",
                   "0", "3-1")
    assert reply == [[b"alpha", [entry("1-1", "k", "alpha")]], [b"gamma", [entry("9-9", "x", "y")]]]
    # Mixed > and history IDs.
    c.call("XADD", "beta", "10-0", "n", "1")
    assert c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "alpha", "beta", "0", ">") == [
        [b"alpha", [entry("1-1", "k", "alpha")]], [b"beta", [entry("10-0", "n", "1")]]]
    # One missing group among the streams fails the whole command, nothing is read.
    c.call("XADD", "zeta", "1-1", "k", "zeta")
    c.call("XADD", "alpha", "20-0", "n", "1")
    assert c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "alpha", "zeta", ">", ">") == Err(
        E.nogroup_xreadgroup("zeta", "g"))
    assert group(c, "alpha")["last-delivered-id"] == b"1-1"


def test_xreadgroup_resp3(r3):
    r3.call("XADD", "s", "1-1", "f", "v")
    r3.call("XGROUP", "CREATE", "s", "g", "0")
    assert r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") == {
        b"s": [[b"1-1", [b"f", b"v"]]]}
    assert r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") is None
    assert r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0") == {
        b"s": [[b"1-1", [b"f", b"v"]]]}


def test_xreadgroup_errors(c):
    add_n(c, "s", 1)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    assert c.call("XREADGROUP", "GROUP", "nog", "bob", "STREAMS", "s", ">") == Err(
        E.nogroup_xreadgroup("s", "nog"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "nokey", ">") == Err(
        E.nogroup_xreadgroup("nokey", "g"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "$") == Err(
        E.XREADGROUP_DOLLAR)
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "abc") == Err(
        E.INVALID_STREAM_ID)
    assert c.call("XREADGROUP", "GROUP", "g", "STREAMS", "s", ">") == Err(E.arity("xreadgroup"))
    assert c.call("XREADGROUP", "STREAMS", "s", ">") == Err(E.arity("xreadgroup"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "s", ">") == Err(E.arity("xreadgroup"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "t", ">") == Err(
        E.xread_unbalanced("XREAD"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "x", "STREAMS", "s", ">") == Err(
        E.NOT_INTEGER)
    assert c.call("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">") == Err(E.arity("xreadgroup"))
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "FOO", "STREAMS", "s", ">") == Err(E.SYNTAX)
    c.call("SET", "str", "x")
    assert c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "str", ">") == Err(WRONGTYPE)
    # No consumer was created by the failed calls.
    assert consumers(c, "s") == []


# --------------------------------------------------------------------------
# XACK / XPENDING
# --------------------------------------------------------------------------


@pytest.fixture
def pel(c):
    """s: 1..4, group g, alice has 1-0 (2 deliveries), bob has 2-0 3-0 4-0."""
    add_n(c, "s", 4)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")


def test_xpending_summary(c, pel):
    assert c.call("XPENDING", "s", "g") == [4, b"1-0", b"4-0", [[b"alice", b"1"], [b"bob", b"3"]]]
    c.call("XGROUP", "CREATE", "s", "empty", "$")
    assert c.call("XPENDING", "s", "empty") == [0, None, None, None]
    assert c.call("XPENDING", "s", "nog") == Err(E.nogroup_key_or_group("s", "nog"))
    assert c.call("XPENDING", "nokey", "g") == Err(E.nogroup_key_or_group("nokey", "g"))
    c.call("SET", "str", "x")
    assert c.call("XPENDING", "str", "g") == Err(WRONGTYPE)


def test_xpending_extended(c, pel):
    assert pending_no_idle(c, "s", "g", "-", "+", "10") == [
        [b"1-0", b"alice", 2], [b"2-0", b"bob", 1], [b"3-0", b"bob", 1], [b"4-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "-", "+", "2") == [
        [b"1-0", b"alice", 2], [b"2-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "-", "+", "10", "bob") == [
        [b"2-0", b"bob", 1], [b"3-0", b"bob", 1], [b"4-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "3", "+", "10", "bob") == [
        [b"3-0", b"bob", 1], [b"4-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "-", "+", "10", "nobody") == []
    assert pending_no_idle(c, "s", "g", "(1-0", "(4-0", "10") == [
        [b"2-0", b"bob", 1], [b"3-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "(2", "+", "10") == [
        [b"3-0", b"bob", 1], [b"4-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "+", "-", "10") == []
    assert c.call("XPENDING", "s", "g", "-", "+", "0") == []
    assert c.call("XPENDING", "s", "g", "-", "+", "-1") == []
    assert pending_no_idle(c, "s", "g", "IDLE", "0", "-", "+", "10") == pending_no_idle(
        c, "s", "g", "-", "+", "10")


def test_xpending_idle(c, pel):
    assert c.call("XPENDING", "s", "g", "IDLE", "600000", "-", "+", "10") == []
    time.sleep(0.25)
    c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "3-0")  # 4-0 delivered again
    # Only the entries not delivered again in the last 200 ms.
    assert pending_no_idle(c, "s", "g", "IDLE", "200", "-", "+", "10") == [
        [b"1-0", b"alice", 2], [b"2-0", b"bob", 1], [b"3-0", b"bob", 1]]
    assert pending_no_idle(c, "s", "g", "IDLE", "200", "-", "+", "10", "bob") == [
        [b"2-0", b"bob", 1], [b"3-0", b"bob", 1]]
    for eid, _, idle, _ in c.call("XPENDING", "s", "g", "IDLE", "200", "-", "+", "10"):
        assert idle >= 200


def test_xpending_errors(c, pel):
    assert c.call("XPENDING", "s", "g", "-", "+") == Err(E.SYNTAX)
    assert c.call("XPENDING", "s", "g", "-") == Err(E.SYNTAX)
    assert c.call("XPENDING", "s", "g", "IDLE", "10") == Err(E.SYNTAX)
    assert c.call("XPENDING", "s", "g", "IDLE", "abc", "-", "+", "10") == Err(E.NOT_INTEGER)
    assert c.call("XPENDING", "s", "g", "-", "+", "abc") == Err(E.NOT_INTEGER)
    assert c.call("XPENDING", "s", "g", "abc", "+", "10") == Err(E.INVALID_STREAM_ID)
    assert c.call("XPENDING", "s", "g", "-", "abc", "10") == Err(E.INVALID_STREAM_ID)
    assert c.call("XPENDING", "s") == Err(E.arity("xpending"))
    assert c.call("XPENDING", "s", "nog", "-", "+", "10") == Err(
        E.nogroup_key_or_group("s", "nog"))


def test_xack(c, pel):
    assert c.call("XACK", "s", "g", "1-0", "1-0", "9-9") == 1
    assert c.call("XACK", "s", "g", "1-0") == 0
    assert c.call("XACK", "s", "g", "2-0", "3") == 2
    assert c.call("XPENDING", "s", "g") == [1, b"4-0", b"4-0", [[b"bob", b"1"]]]
    # All the IDs are parsed before anything is acknowledged.
    assert c.call("XACK", "s", "g", "4-0", "abc") == Err(E.INVALID_STREAM_ID)
    assert c.call("XPENDING", "s", "g")[0] == 1
    assert c.call("XACK", "s", "nog", "4-0") == 0
    assert c.call("XACK", "nokey", "g", "4-0") == 0
    assert c.call("XACK", "s", "g") == Err(E.arity("xack"))
    c.call("SET", "str", "x")
    assert c.call("XACK", "str", "g", "1-0") == Err(WRONGTYPE)
    # XACK leaves the consumers and the stream as they are.
    assert [x["pending"] for x in consumers(c, "s")] == [0, 1]
    assert c.call("XLEN", "s") == 4


# --------------------------------------------------------------------------
# XCLAIM
# --------------------------------------------------------------------------


def test_xclaim(c, pel):
    assert c.call("XCLAIM", "s", "g", "carol", "0", "1-0") == [entry("1-0", "f", "1")]
    assert pending_no_idle(c, "s", "g", "-", "+", "1") == [[b"1-0", b"carol", 3]]
    # JUSTID: no delivery counted.
    assert c.call("XCLAIM", "s", "g", "carol", "0", "2-0", "JUSTID") == [b"2-0"]
    assert pending_no_idle(c, "s", "g", "2-0", "2-0", "1") == [[b"2-0", b"carol", 1]]
    # Not idle long enough, not pending, not in the stream: not claimed.
    assert c.call("XCLAIM", "s", "g", "carol", "100000", "3-0") == []
    assert c.call("XCLAIM", "s", "g", "carol", "0", "9-0") == []
    assert c.call("XCLAIM", "s", "g", "carol", "0", "3-0", "9-0", "4-0", "JUSTID") == [
        b"3-0", b"4-0"]
    assert c.call("XPENDING", "s", "g") == [4, b"1-0", b"4-0", [[b"carol", b"4"]]]
    cs = {x["name"]: x["pending"] for x in consumers(c, "s")}
    assert cs == {b"alice": 0, b"bob": 0, b"carol": 4}
    # Claiming from oneself works the same.
    assert c.call("XCLAIM", "s", "g", "carol", "0", "1-0") == [entry("1-0", "f", "1")]


def test_xclaim_options(c, pel):
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "RETRYCOUNT", "7", "IDLE",
                  "5000") == [entry("3-0", "f", "3")]
    got = c.call("XPENDING", "s", "g", "3-0", "3-0", "1")
    assert got[0][:2] == [b"3-0", b"bob"] and got[0][3] == 7
    assert 5000 <= got[0][2] < 60000
    # TIME: the last delivery at that Unix time in ms.
    past = int(time.time() * 1000) - 100000
    c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "TIME", str(past), "JUSTID")
    got = c.call("XPENDING", "s", "g", "3-0", "3-0", "1")
    assert 100000 <= got[0][2] < 160000
    assert got[0][3] == 7  # JUSTID: the count stays
    # IDLE below zero is now; RETRYCOUNT -1 is no RETRYCOUNT.
    c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "IDLE", "-5", "RETRYCOUNT", "-1", "JUSTID")
    got = c.call("XPENDING", "s", "g", "3-0", "3-0", "1")
    assert got[0][3] == 7 and got[0][2] < 60000
    c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "RETRYCOUNT", "0", "JUSTID")
    assert c.call("XPENDING", "s", "g", "3-0", "3-0", "1")[0][3] == 0
    # A negative min-idle-time is 0.
    assert c.call("XCLAIM", "s", "g", "bob", "-1", "3-0", "JUSTID") == [b"3-0"]
    # LASTID moves the group's last-delivered-id forward only.
    c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "LASTID", "10-0", "JUSTID")
    assert group(c, "s")["last-delivered-id"] == b"10-0"
    c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "LASTID", "5-0", "JUSTID")
    assert group(c, "s")["last-delivered-id"] == b"10-0"


def test_xclaim_force(c, pel):
    # FORCE makes a PEL entry for an ID that is in the stream but not pending.
    c.call("XACK", "s", "g", "2-0")
    assert c.call("XCLAIM", "s", "g", "carol", "0", "2-0") == []
    assert c.call("XCLAIM", "s", "g", "carol", "0", "2-0", "FORCE") == [entry("2-0", "f", "2")]
    # A new PEL entry counts one delivery, and the claim another.
    assert pending_no_idle(c, "s", "g", "2-0", "2-0", "1") == [[b"2-0", b"carol", 2]]
    c.call("XACK", "s", "g", "2-0")
    assert c.call("XCLAIM", "s", "g", "carol", "0", "2-0", "FORCE", "JUSTID") == [b"2-0"]
    assert pending_no_idle(c, "s", "g", "2-0", "2-0", "1") == [[b"2-0", b"carol", 1]]
    # Not for an ID missing from the stream.
    assert c.call("XCLAIM", "s", "g", "carol", "0", "9-0", "FORCE") == []
    assert c.call("XCLAIM", "s", "g", "carol", "0", "8-0", "FORCE", "JUSTID") == []
    assert c.call("XPENDING", "s", "g")[0] == 4


def test_xclaim_deleted_entries(c, pel):
    # A pending entry deleted from the stream: not claimed, and dropped from the PEL.
    c.call("XDEL", "s", "4-0")
    assert c.call("XCLAIM", "s", "g", "carol", "0", "4-0") == []
    assert [p[0] for p in c.call("XPENDING", "s", "g", "-", "+", "10")] == [
        b"1-0", b"2-0", b"3-0"]
    c.call("XTRIM", "s", "MINID", "3")
    assert c.call("XCLAIM", "s", "g", "carol", "0", "1-0", "2-0", "3-0", "JUSTID") == [b"3-0"]
    assert c.call("XPENDING", "s", "g") == [1, b"3-0", b"3-0", [[b"carol", b"1"]]]


def test_xclaim_creates_the_consumer_when_it_claims(c, pel):
    assert c.call("XCLAIM", "s", "g", "dave", "100000", "1-0") == []
    assert b"dave" not in [x["name"] for x in consumers(c, "s")]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "100000", "0") == [b"0-0", [], []]
    assert b"dave" not in [x["name"] for x in consumers(c, "s")]
    assert c.call("XCLAIM", "s", "g", "dave", "0", "1-0", "JUSTID") == [b"1-0"]
    assert b"dave" in [x["name"] for x in consumers(c, "s")]
    assert c.call("XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "1", "JUSTID") == [
        b"2-0", [b"1-0"], []]
    assert b"erin" in [x["name"] for x in consumers(c, "s")]


def test_xclaim_errors(c, pel):
    assert c.call("XCLAIM", "s", "g", "bob", "abc", "3-0") == Err(E.xclaim_min_idle("XCLAIM"))
    assert c.call("XCLAIM", "s", "g", "bob", "0", "abc") == Err(E.xclaim_option("abc"))
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "IDLE", "abc") == Err(
        E.XCLAIM_BAD_IDLE)
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "TIME", "abc") == Err(
        E.XCLAIM_BAD_TIME)
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "RETRYCOUNT", "abc") == Err(
        E.XCLAIM_BAD_RETRYCOUNT)
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "LASTID", "abc") == Err(
        E.INVALID_STREAM_ID)
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "FOO") == Err(E.xclaim_option("FOO"))
    assert c.call("XCLAIM", "s", "g", "bob", "0", "3-0", "IDLE") == Err(E.xclaim_option("IDLE"))
    assert c.call("XCLAIM", "s", "nog", "bob", "0", "3-0") == Err(
        E.nogroup_key_or_group("s", "nog"))
    assert c.call("XCLAIM", "nokey", "g", "bob", "0", "3-0") == Err(
        E.nogroup_key_or_group("nokey", "g"))
    assert c.call("XCLAIM", "s", "g", "bob", "0") == Err(E.arity("xclaim"))
    c.call("SET", "str", "x")
    assert c.call("XCLAIM", "str", "g", "bob", "0", "3-0") == Err(WRONGTYPE)
    # Nothing was claimed by the failed calls.
    assert c.call("XPENDING", "s", "g")[3] == [[b"alice", b"1"], [b"bob", b"3"]]


# --------------------------------------------------------------------------
# XAUTOCLAIM
# --------------------------------------------------------------------------


def test_xautoclaim(c, pel):
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "1") == [
        b"2-0", [entry("1-0", "f", "1")], []]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "2-0", "COUNT", "2") == [
        b"4-0", [entry("2-0", "f", "2"), entry("3-0", "f", "3")], []]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "4-0") == [
        b"0-0", [entry("4-0", "f", "4")], []]
    assert c.call("XPENDING", "s", "g") == [4, b"1-0", b"4-0", [[b"dave", b"4"]]]
    assert c.call("XAUTOCLAIM", "s", "g", "erin", "0", "0", "JUSTID") == [
        b"0-0", [b"1-0", b"2-0", b"3-0", b"4-0"], []]
    counts = [p[2] for p in pending_no_idle(c, "s", "g", "-", "+", "10")]
    assert counts == [3, 2, 2, 2]  # JUSTID does not count a delivery
    assert c.call("XAUTOCLAIM", "s", "g", "erin", "100000", "0") == [b"0-0", [], []]
    assert c.call("XAUTOCLAIM", "s", "g", "erin", "-1", "(1-0", "JUSTID") == [
        b"0-0", [b"2-0", b"3-0", b"4-0"], []]
    assert c.call("XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "100000000") == [
        b"0-0", [entry("%d-0" % i, "f", str(i)) for i in range(1, 5)], []]


def test_xautoclaim_deleted_entries(c, pel):
    c.call("XDEL", "s", "2-0", "3-0")
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0") == [
        b"0-0", [entry("1-0", "f", "1"), entry("4-0", "f", "4")], [b"2-0", b"3-0"]]
    # The deleted ones left the PEL.
    assert c.call("XPENDING", "s", "g") == [2, b"1-0", b"4-0", [[b"dave", b"2"]]]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0") == [
        b"0-0", [entry("1-0", "f", "1"), entry("4-0", "f", "4")], []]


def test_xautoclaim_deleted_entries_and_count(c, pel):
    c.call("XDEL", "s", "1-0", "2-0")
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "1") == [
        b"2-0", [], [b"1-0"]]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "2-0", "COUNT", "1") == [
        b"3-0", [], [b"2-0"]]
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "3-0", "COUNT", "1", "JUSTID") == [
        b"4-0", [b"3-0"], []]
    assert c.call("XPENDING", "s", "g") == [2, b"3-0", b"4-0", [[b"bob", b"1"], [b"dave", b"1"]]]


def test_xautoclaim_as_an_iterator(c):
    add_n(c, "s", 10)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    cursor, seen = b"0-0", []
    for _ in range(10):
        cursor, got, deleted = c.call("XAUTOCLAIM", "s", "g", "b", "0", cursor, "COUNT", "3",
                                      "JUSTID")
        assert deleted == []
        seen += got
        if cursor == b"0-0":
            break
    assert seen == [b"%d-0" % i for i in range(1, 11)]


def test_xautoclaim_errors(c, pel):
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "0") == Err(
        E.XAUTOCLAIM_COUNT)
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "-1") == Err(
        E.XAUTOCLAIM_COUNT)
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "x") == Err(
        E.XAUTOCLAIM_COUNT)
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "abc", "0") == Err(
        E.xclaim_min_idle("XAUTOCLAIM"))
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "abc") == Err(E.INVALID_STREAM_ID)
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0", "0", "FOO") == Err(E.SYNTAX)
    assert c.call("XAUTOCLAIM", "s", "nog", "dave", "0", "0") == Err(
        E.nogroup_key_or_group("s", "nog"))
    assert c.call("XAUTOCLAIM", "nokey", "g", "dave", "0", "0") == Err(
        E.nogroup_key_or_group("nokey", "g"))
    assert c.call("XAUTOCLAIM", "s", "g", "dave", "0") == Err(E.arity("xautoclaim"))
    c.call("SET", "str", "x")
    assert c.call("XAUTOCLAIM", "str", "g", "dave", "0", "0") == Err(WRONGTYPE)
    assert b"dave" not in [x["name"] for x in consumers(c, "s")]


# --------------------------------------------------------------------------
# XINFO GROUPS / CONSUMERS / STREAM FULL
# --------------------------------------------------------------------------


def test_xinfo_groups_and_consumers(c, pel):
    g = groups(c, "s")
    assert g == [{"name": b"g", "consumers": 2, "pending": 4, "last-delivered-id": b"4-0",
                  "entries-read": 4, "lag": 0}]
    cs = consumers(c, "s")
    assert [(x["name"], x["pending"]) for x in cs] == [(b"alice", 1), (b"bob", 3)]
    assert all(0 <= x["idle"] < 60000 for x in cs)
    assert c.call("XINFO", "GROUPS", "nokey") == Err(E.NO_SUCH_KEY)
    assert c.call("XINFO", "CONSUMERS", "s", "nog") == Err(E.nogroup_key("nog", "s"))
    assert c.call("XINFO", "CONSUMERS", "nokey", "g") == Err(E.NO_SUCH_KEY)
    assert c.call("XINFO", "GROUPS") == Err(E.arity("xinfo|groups"))
    assert c.call("XINFO", "CONSUMERS", "s") == Err(E.arity("xinfo|consumers"))
    c.call("SET", "str", "x")
    assert c.call("XINFO", "GROUPS", "str") == Err(WRONGTYPE)
    assert c.call("XINFO", "CONSUMERS", "str", "g") == Err(WRONGTYPE)


def test_xinfo_consumers_idle(c, pel):
    time.sleep(0.2)
    # A read that finds nothing new does not make bob seen; one that serves him does.
    c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    idle = {x["name"]: x["idle"] for x in consumers(c, "s")}
    assert idle[b"bob"] >= 200
    c.call("XADD", "s", "5-0", "f", "5")
    c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    idle = {x["name"]: x["idle"] for x in consumers(c, "s")}
    assert idle[b"alice"] >= 200
    assert idle[b"bob"] < idle[b"alice"]


def test_xinfo_groups_resp3(r3):
    r3.call("XADD", "s", "1-0", "f", "v")
    r3.call("XGROUP", "CREATE", "s", "g", "0")
    r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert r3.call("XINFO", "GROUPS", "s") == [
        {b"name": b"g", b"consumers": 1, b"pending": 1, b"last-delivered-id": b"1-0",
         b"entries-read": 1, b"lag": 0}]
    cs = r3.call("XINFO", "CONSUMERS", "s", "g")
    assert [list(x.keys()) for x in cs] == [[b"name", b"pending", b"idle"]]
    r3.call("XADD", "s", "2-0", "f", "v")
    r3.call("XADD", "s", "3-0", "f", "v")
    r3.call("XDEL", "s", "2-0")
    r3.call("XGROUP", "CREATE", "s", "g2", "0")
    g2 = r3.call("XINFO", "GROUPS", "s")[1]
    assert (g2[b"entries-read"], g2[b"lag"]) == (None, None)


def test_xinfo_stream_full_groups(c, pel):
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "zed")
    reply = c.call("XINFO", "STREAM", "s", "FULL")
    d = as_dict(reply)
    assert len(d["groups"]) == 1
    g = as_dict(d["groups"][0])
    assert list(g.keys()) == ["name", "last-delivered-id", "entries-read", "lag", "pel-count",
                              "pending", "consumers"]
    assert (g["name"], g["last-delivered-id"], g["entries-read"], g["lag"], g["pel-count"]) == (
        b"g", b"4-0", 4, 0, 4)
    now = int(time.time() * 1000)
    assert [[p[0], p[1], p[3]] for p in g["pending"]] == [
        [b"1-0", b"alice", 2], [b"2-0", b"bob", 1], [b"3-0", b"bob", 1], [b"4-0", b"bob", 1]]
    assert all(now - 60000 < p[2] <= now + 1000 for p in g["pending"])
    cs = [as_dict(x) for x in g["consumers"]]
    assert [list(x.keys()) for x in cs] == [["name", "seen-time", "pel-count", "pending"]] * 3
    assert [(x["name"], x["pel-count"]) for x in cs] == [(b"alice", 1), (b"bob", 3), (b"zed", 0)]
    assert [[p[0], p[2]] for p in cs[1]["pending"]] == [[b"2-0", 1], [b"3-0", 1], [b"4-0", 1]]
    assert all(now - 60000 < x["seen-time"] <= now + 1000 for x in cs)
    assert cs[2]["pending"] == []
    # COUNT bounds the group PEL and each consumer's PEL too.
    g = as_dict(as_dict(c.call("XINFO", "STREAM", "s", "FULL", "COUNT", "2"))["groups"][0])
    assert [p[0] for p in g["pending"]] == [b"1-0", b"2-0"]
    assert [len(as_dict(x)["pending"]) for x in g["consumers"]] == [1, 2, 0]
    assert g["pel-count"] == 4
    assert as_dict(c.call("XINFO", "STREAM", "s"))["groups"] == 1


# --------------------------------------------------------------------------
# entries-read and lag
# --------------------------------------------------------------------------


def test_lag_in_empty_streams(c):
    c.call("XGROUP", "CREATE", "x", "g1", "0", "MKSTREAM")
    d = as_dict(c.call("XINFO", "STREAM", "x", "FULL"))
    g = as_dict(d["groups"][0])
    assert (d["max-deleted-entry-id"], d["entries-added"]) == (b"0-0", 0)
    assert (g["entries-read"], g["lag"]) == (None, 0)
    c.call("XADD", "x", "1-0", "data", "a")
    c.call("XDEL", "x", "1-0")
    d = as_dict(c.call("XINFO", "STREAM", "x", "FULL"))
    g = as_dict(d["groups"][0])
    assert (d["max-deleted-entry-id"], d["entries-added"]) == (b"1-0", 1)
    assert (g["entries-read"], g["lag"]) == (None, 0)


def test_lag_sanity(c):
    add_n(c, "x", 5)
    c.call("XGROUP", "CREATE", "x", "g", "0")
    assert lag(c, "x") == (None, 5)
    c.call("XREADGROUP", "GROUP", "g", "c11", "COUNT", "1", "STREAMS", "x", ">")
    assert lag(c, "x") == (1, 4)
    c.call("XREADGROUP", "GROUP", "g", "c12", "COUNT", "10", "STREAMS", "x", ">")
    assert lag(c, "x") == (5, 0)
    c.call("XADD", "x", "6-0", "data", "f")
    assert lag(c, "x") == (5, 1)
    # A group made at $ has read everything; at the first entry's ID, one entry.
    # A new group has no read counter; its lag is estimated where it can be: at the last ID,
    # at the first entry's, before it; not inside the stream.
    c.call("XGROUP", "CREATE", "x", "g2", "$")
    assert lag(c, "x", "g2") == (None, 0)
    c.call("XGROUP", "CREATE", "x", "g3", "1-0")
    assert lag(c, "x", "g3") == (None, 5)
    c.call("XGROUP", "CREATE", "x", "g4", "3-0")
    assert lag(c, "x", "g4") == (None, None)


def test_lag_with_xdel(c):
    add_n(c, "x", 5)
    c.call("XDEL", "x", "3-0")
    c.call("XGROUP", "CREATE", "x", "g1", "0")
    c.call("XGROUP", "CREATE", "x", "g2", "0")
    assert lag(c, "x", "g1") == (None, None)
    for _ in range(3):
        c.call("XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "x", ">")
        assert lag(c, "x", "g1") == (None, None)
    c.call("XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "x", ">")
    assert lag(c, "x", "g1") == (5, 0)
    c.call("XADD", "x", "6-0", "data", "f")
    assert lag(c, "x", "g1") == (5, 1)
    c.call("XTRIM", "x", "MINID", "=", "3-0")
    assert lag(c, "x", "g1") == (5, 1)
    assert lag(c, "x", "g2") == (None, 3)
    c.call("XTRIM", "x", "MINID", "=", "5-0")
    assert lag(c, "x", "g1") == (5, 1)
    assert lag(c, "x", "g2") == (None, 2)


def test_lag_with_xdel_after_the_group(c):
    add_n(c, "x", 5)
    c.call("XGROUP", "CREATE", "x", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "x", ">")
    assert lag(c, "x") == (2, 3)
    c.call("XDEL", "x", "4-0")  # a tombstone between the group and the end
    assert lag(c, "x") == (2, None)
    # Reading with a tombstone ahead: the counter can only be estimated, and it can't here.
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "x", ">")
    assert lag(c, "x") == (None, None)
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">")
    assert lag(c, "x") == (5, 0)
    c.call("XDEL", "x", "1-0")  # a tombstone before the group: no matter
    c.call("XADD", "x", "6-0", "f", "6")
    assert lag(c, "x") == (5, 1)


def test_lag_with_xtrim_and_maxlen(c):
    add_n(c, "x", 5)
    c.call("XGROUP", "CREATE", "x", "g", "0")
    c.call("XTRIM", "x", "MAXLEN", "3")
    # All of it before the first entry: the counter is estimated from entries-added.
    assert lag(c, "x") == (None, 3)
    c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "x", ">")
    assert lag(c, "x") == (3, 2)
    c.call("XADD", "x", "MAXLEN", "1", "6-0", "f", "6")
    assert lag(c, "x") == (3, 3)
    # No tombstone: the counter goes up by the entries read (one), though 6-0 is entry 6.
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">")
    assert lag(c, "x") == (4, 2)


def test_lag_with_xsetid(c):
    add_n(c, "x", 3)
    c.call("XGROUP", "CREATE", "x", "g", "0")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">")
    assert lag(c, "x") == (3, 0)
    c.call("XSETID", "x", "10-0", "ENTRIESADDED", "10")
    assert lag(c, "x") == (3, 7)
    c.call("XSETID", "x", "10-0", "ENTRIESADDED", "10", "MAXDELETEDID", "9-0")
    assert lag(c, "x") == (3, None)
    c.call("XADD", "x", "11-0", "f", "11")
    c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">")
    assert lag(c, "x") == (4, 7)
    # An empty stream: a group at or before the last ID has read everything added.
    c.call("XTRIM", "x", "MAXLEN", "0")
    c.call("XGROUP", "CREATE", "x", "g2", "0")
    assert lag(c, "x", "g2") == (None, 0)
    c.call("XGROUP", "SETID", "x", "g2", "5-0")
    assert lag(c, "x", "g2") == (None, 0)
    c.call("XGROUP", "SETID", "x", "g2", "5-0", "ENTRIESREAD", "2")
    assert lag(c, "x", "g2") == (2, 9)
    c.call("XGROUP", "SETID", "x", "g2", "50-0")  # past the last ID: unknown
    assert lag(c, "x", "g2") == (None, None)


# --------------------------------------------------------------------------
# Keyspace notifications
# --------------------------------------------------------------------------


@pytest.fixture
def ev(server):
    e = Events(server.host, server.port, flags="KEAn")
    yield e
    e.close()


def test_notifications_stream_commands(c, ev):
    c.call("XADD", "s", "1-0", "f", "v")
    assert ev.collect(c) == [("new", "s"), ("xadd", "s")]
    c.call("XADD", "s", "2-0", "f", "v")
    assert ev.collect(c) == [("xadd", "s")]
    c.call("XADD", "s", "MAXLEN", "1", "3-0", "f", "v")
    assert ev.collect(c) == [("xadd", "s"), ("xtrim", "s")]
    c.call("XADD", "s", "MAXLEN", "5", "4-0", "f", "v")  # nothing trimmed
    assert ev.collect(c) == [("xadd", "s")]
    c.call("XADD", "nos", "NOMKSTREAM", "*", "f", "v")
    c.call("XADD", "s", "1-0", "f", "v")  # an error
    assert ev.collect(c) == []
    assert c.call("XDEL", "s", "3-0", "99-0") == 1
    assert ev.collect(c) == [("xdel", "s")]
    assert c.call("XDEL", "s", "99-0") == 0
    assert ev.collect(c) == []
    assert c.call("XTRIM", "s", "MAXLEN", "0") == 1
    assert ev.collect(c) == [("xtrim", "s")]
    assert c.call("XTRIM", "s", "MAXLEN", "0") == 0
    assert ev.collect(c) == []
    c.call("XSETID", "s", "10-0")
    assert ev.collect(c) == [("xsetid", "s")]
    c.call("XLEN", "s")
    c.call("XRANGE", "s", "-", "+")
    c.call("XREAD", "STREAMS", "s", "0")
    assert ev.collect(c) == []
    c.call("DEL", "s")
    assert ev.collect(c) == [("del", "s")]


def test_notifications_group_commands(c, ev):
    c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    assert ev.collect(c) == [("new", "s"), ("xgroup-create", "s")]
    c.call("XGROUP", "CREATE", "s", "g", "$")  # BUSYGROUP
    assert ev.collect(c) == []
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("XADD", "s", "2-0", "f", "v")
    ev.collect(c)
    c.call("XGROUP", "SETID", "s", "g", "0")
    assert ev.collect(c) == [("xgroup-setid", "s")]
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "c1") == 1
    assert ev.collect(c) == [("xgroup-createconsumer", "s")]
    assert c.call("XGROUP", "CREATECONSUMER", "s", "g", "c1") == 0
    assert ev.collect(c) == []
    # XREADGROUP notifies only the consumer it creates.
    c.call("XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", "s", ">")
    assert ev.collect(c) == [("xgroup-createconsumer", "s")]
    c.call("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">")
    c.call("XACK", "s", "g", "1-0")
    c.call("XPENDING", "s", "g")
    assert ev.collect(c) == []
    c.call("XCLAIM", "s", "g", "c3", "0", "2-0")
    assert ev.collect(c) == [("xgroup-createconsumer", "s")]
    c.call("XAUTOCLAIM", "s", "g", "c4", "0", "0")
    assert ev.collect(c) == [("xgroup-createconsumer", "s")]
    c.call("XCLAIM", "s", "g", "c4", "0", "2-0")
    c.call("XAUTOCLAIM", "s", "g", "c4", "0", "0")
    assert ev.collect(c) == []
    assert c.call("XGROUP", "DELCONSUMER", "s", "g", "c1") == 0
    assert ev.collect(c) == [("xgroup-delconsumer", "s")]
    c.call("XGROUP", "DELCONSUMER", "s", "g", "nobody")
    assert ev.collect(c) == []
    assert c.call("XGROUP", "DESTROY", "s", "g") == 1
    assert ev.collect(c) == [("xgroup-destroy", "s")]
    assert c.call("XGROUP", "DESTROY", "s", "g") == 0
    assert ev.collect(c) == []


def test_notifications_class_t(c, ev):
    # The stream events are class t: without it they are not sent.
    assert c.call("CONFIG", "SET", "notify-keyspace-events", "Eg") == "OK"
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("DEL", "s")
    assert ev.collect(c) == [("del", "s")]
    assert c.call("CONFIG", "SET", "notify-keyspace-events", "Et") == "OK"
    c.call("XADD", "s", "1-0", "f", "v")
    c.call("DEL", "s")
    assert ev.collect(c) == [("xadd", "s")]


def test_xinfo_stream_full_resp3(r3):
    r3.call("XADD", "s", "1-0", "f", "v")
    r3.call("XGROUP", "CREATE", "s", "g", "0")
    r3.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    d = r3.call("XINFO", "STREAM", "s", "FULL")
    g = d[b"groups"][0]
    assert isinstance(g, dict)
    assert list(g.keys()) == [b"name", b"last-delivered-id", b"entries-read", b"lag",
                              b"pel-count", b"pending", b"consumers"]
    cons = g[b"consumers"][0]
    assert list(cons.keys()) == [b"name", b"seen-time", b"pel-count", b"pending"]
    assert [p[0] for p in g[b"pending"]] == [b"1-0"]
    assert r3.call("XPENDING", "s", "g") == [1, b"1-0", b"1-0", [[b"c", b"1"]]]
    assert r3.call("XAUTOCLAIM", "s", "g", "c2", "0", "0", "JUSTID") == [b"0-0", [b"1-0"], []]


def test_groups_survive_dump_restore_and_rename(c):
    add_n(c, "s", 4)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "4")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "bob")
    c.call("XDEL", "s", "3-0")

    def state(key):
        d = as_dict(c.call("XINFO", "STREAM", key, "FULL"))
        d.pop("radix-tree-nodes")
        for g in d["groups"]:
            for p in g[g.index(b"pending") + 1]:
                p[2] = 0  # delivery time: kept, but compared apart
            for cons in g[g.index(b"consumers") + 1]:
                cons[cons.index(b"seen-time") + 1] = 0
        return d

    before = state("s")
    payload = c.call("DUMP", "s")
    assert c.call("RESTORE", "s2", "0", payload) == "OK"
    assert state("s2") == before
    assert c.call("RENAME", "s", "s3") == "OK"
    assert state("s3") == before
    assert c.call("COPY", "s3", "s4") == 1
    assert state("s4") == before
    # The copy's groups are its own.
    c.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s4", ">")
    assert state("s3") == before
    assert c.call("XPENDING", "s4", "g")[0] == 3


def test_xreadgroup_count_and_repeated_keys(c):
    add_n(c, "s", 3)
    c.call("XGROUP", "CREATE", "s", "g", "0")
    # COUNT 0 or below: no limit.
    assert c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "0", "STREAMS", "s", ">") == [
        [b"s", [entry("%d-0" % i, "f", str(i)) for i in range(1, 4)]]]
    assert c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "-5", "STREAMS", "s", "0") == [
        [b"s", [entry("%d-0" % i, "f", str(i)) for i in range(1, 4)]]]
    assert c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", ">", ">") is None
    assert c.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", "s", "0",
                  "1") == [[b"s", [entry("1-0", "f", "1")]], [b"s", [entry("2-0", "f", "2")]]]


def test_xautoclaim_range_ends(c, pel):
    assert c.call("XAUTOCLAIM", "s", "g", "d", "0", "-", "JUSTID") == [
        b"0-0", [b"1-0", b"2-0", b"3-0", b"4-0"], []]
    assert c.call("XAUTOCLAIM", "s", "g", "d", "0", "+") == [b"0-0", [], []]
    assert c.call("XAUTOCLAIM", "s", "g", "d", "0", "(3-0", "JUSTID") == [b"0-0", [b"4-0"], []]
    assert c.call("XPENDING", "s", "g", "(-", "+", "10") == Err(E.INVALID_STREAM_ID)
    # Duplicates and missing IDs in XCLAIM.
    assert c.call("XCLAIM", "s", "g", "e", "0", "1-0", "1-0", "9-0", "2-0", "JUSTID") == [
        b"1-0", b"1-0", b"2-0"]
    assert c.call("XPENDING", "s", "g")[3] == [[b"d", b"2"], [b"e", b"2"]]


# --------------------------------------------------------------------------
# Persistence: the AOF log and the RDB file keep streams and groups whole
# --------------------------------------------------------------------------


def _stream_state(c, keys, read_counters=True):
    """XINFO STREAM FULL of each key, all entries, delivery and seen times left out; without
    read_counters, the groups' entries-read and lag too."""
    out = {}
    for k in keys:
        d = as_dict(c.call("XINFO", "STREAM", k, "FULL", "COUNT", "0"))
        d.pop("radix-tree-nodes")
        for g in d["groups"]:
            if not read_counters:
                i = g.index(b"entries-read")
                del g[i:i + 4]  # entries-read, lag
            for p in g[g.index(b"pending") + 1]:
                p[2] = 0
            for cons in g[g.index(b"consumers") + 1]:
                cons[cons.index(b"seen-time") + 1] = 0
                for p in cons[cons.index(b"pending") + 1]:
                    p[1] = 0
        out[k] = d
    return out


def _stream_workload(c, w):
    """Every stream write whose effect must be logged or saved; w: a second client to block."""
    for i in range(30):
        c.call("XADD", "s", "*", "n", str(i), "pad", "x" * (i % 7))
    c.call("XADD", "s", "MAXLEN", "~", "10", "*", "n", "trim")
    c.call("XADD", "s", "MAXLEN", "25", "*", "n", "trim2")
    c.call("XTRIM", "s", "MINID", "~", "0-1")
    ids = [e[0] for e in c.call("XRANGE", "s", "-", "+")]
    c.call("XDEL", "s", ids[3], ids[5])
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "7")
    c.call("XGROUP", "CREATE", "s", "old", "0")
    c.call("XGROUP", "DESTROY", "s", "old")
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "idle-one")
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "gone")
    c.call("XGROUP", "DELCONSUMER", "s", "g", "gone")
    c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "6", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "4", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "2", "STREAMS", "s", ">")
    c.call("XACK", "s", "g", ids[0], ids[7])
    c.call("XCLAIM", "s", "g", "dave", "0", ids[1], ids[2], "RETRYCOUNT", "5")
    c.call("XCLAIM", "s", "g", "dave", "0", ids[4], "JUSTID")
    c.call("XAUTOCLAIM", "s", "g", "erin", "0", ids[8], "COUNT", "2")
    c.call("XGROUP", "SETID", "s", "g2", ids[10], "ENTRIESREAD", "9")
    # A blocked XREADGROUP served by an XADD.
    c.call("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM")
    w.send("XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "0", "STREAMS", "b", ">")
    wait_blocked(c, 1)
    c.call("XADD", "b", "*", "x", "y")
    assert w.read()[0][0] == b"b"
    c.call("XADD", "e", "MAXLEN", "0", "5-5", "f", "v")
    c.call("XSETID", "e", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "6-0")
    c.call("XGROUP", "CREATE", "e", "g", "$")


@pytest.mark.parametrize("how", ["aof", "rdb"])
def test_streams_and_groups_survive_a_restart(servers, how):
    if how == "aof":
        h = servers.start("--appendonly", "yes", "--appendfsync", "always")
    else:
        h = servers.start()
    c, w = h.client(), h.client()
    _stream_workload(c, w)
    # Redis 7.0 logs a read of new entries as XCLAIM ... LASTID, without the group's read
    # counter: after an AOF replay entries-read (and so lag) may differ; the RDB file keeps them.
    # (A re-read of a consumer's history is not logged at all: the workload has none.)
    counters = how == "rdb"
    want = _stream_state(c, ["s", "b", "e"], counters)
    if how == "rdb":
        assert c.call("SAVE") == "OK"
    w.close()
    c.close()
    h2 = servers.restart(h)
    c = h2.client()
    try:
        assert _stream_state(c, ["s", "b", "e"], counters) == want
    finally:
        c.close()


def test_watch_and_group_commands(c, new_client):
    # Redis 7.0 marks a stream key modified (WATCH) for XADD, XDEL, XTRIM and the stream that
    # XGROUP CREATE MKSTREAM makes; the group commands change no watched key.
    other = new_client()
    add_n(c, "s", 3)
    other.call("XGROUP", "CREATE", "s", "g", "0")

    def watched(*cmd):
        assert c.call("WATCH", "s") == "OK"
        assert other.call(*cmd) is not None
        assert c.call("MULTI") == "OK"
        c.call("PING")
        return c.call("EXEC") is None

    assert not watched("XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">")
    assert not watched("XACK", "s", "g", "1-0")
    assert not watched("XGROUP", "CREATE", "s", "g2", "0")
    assert not watched("XGROUP", "CREATECONSUMER", "s", "g", "b")
    assert not watched("XCLAIM", "s", "g", "b", "0", "1-0", "FORCE")
    assert not watched("XGROUP", "SETID", "s", "g", "0")
    assert not watched("XGROUP", "DESTROY", "s", "g2")
    assert watched("XADD", "s", "4-0", "f", "4")
    assert watched("XDEL", "s", "4-0")
    assert watched("XTRIM", "s", "MAXLEN", "1")
    c.call("DEL", "m")
    assert c.call("WATCH", "m") == "OK"
    other.call("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM")
    assert c.call("MULTI") == "OK"
    assert c.call("EXEC") is None


def test_group_and_claim_edges(c):
    add_n(c, "t", 2)
    # A group past the last ID: nothing to read, no lag known.
    assert c.call("XGROUP", "CREATE", "t", "g", "100-0") == "OK"
    assert lag(c, "t") == (None, None)
    assert c.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "t", ">") is None
    c.call("XGROUP", "CREATE", "t", "g2", "0")
    c.call("XREADGROUP", "GROUP", "g2", "c", "STREAMS", "t", ">")
    # TIME in the future is taken as now.
    assert c.call("XCLAIM", "t", "g2", "d", "0", "1-0", "TIME", "99999999999999",
                  "JUSTID") == [b"1-0"]
    assert 0 <= c.call("XPENDING", "t", "g2", "1-0", "1-0", "1")[0][2] < 60000
    # XAUTOCLAIM's COUNT has an upper bound (LONG_MAX / 16), with the same error.
    assert c.call("XAUTOCLAIM", "t", "g2", "d", "0", "0", "COUNT",
                  "576460752303423488") == Err(E.XAUTOCLAIM_COUNT)
    assert c.call("XAUTOCLAIM", "t", "g2", "d", "0", "0", "COUNT",
                  "9223372036854775807") == Err(E.XAUTOCLAIM_COUNT)
    # SETID $ on an empty stream never written: 0-0, lag 0.
    c.call("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM")
    assert c.call("XGROUP", "SETID", "e", "g", "$") == "OK"
    assert (group(c, "e")["last-delivered-id"], lag(c, "e")) == (b"0-0", (None, 0))
