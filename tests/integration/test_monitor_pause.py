"""MONITOR (Redis's line format, from every thread, scripts and EXEC as Redis shows them, admin
commands hidden, AUTH secrets redacted) and CLIENT PAUSE / UNPAUSE (WRITE lets reads through,
ALL holds everything, postponed commands run in order once the pause ends). Runs against Shoal
with 1 and 4 shards and against redis-server 7.0.
"""

import re
import socket
import time

import pytest

import conftest
from shoal_resp import Err, RespClient, encode_command

srv = conftest.sharded_server([1, 4])

LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


@pytest.fixture
def clients(srv):
    made = []
    admin = RespClient(srv.host, srv.port)
    assert admin.call("FLUSHALL") == "OK"
    admin.call("CLIENT", "UNPAUSE")

    def make():
        cl = RespClient(srv.host, srv.port)
        made.append(cl)
        return cl

    def monitor():
        m = Monitor(srv)
        made.append(m)
        return m

    make.monitor = monitor

    yield make
    admin.call("CLIENT", "UNPAUSE")
    admin.close()
    for cl in made:
        cl.close()


class Monitor:
    def __init__(self, srv):
        self.cl = RespClient(srv.host, srv.port)
        assert self.cl.call("MONITOR") == "OK"

    def close(self):
        self.cl.close()

    def lines(self, until):
        """Monitor lines (db, addr, args) up to and including the one whose args contain
        `until` (a marker command sent last)."""
        out = []
        while True:
            raw = self.cl._line()
            m = LINE.match(raw)
            assert m, raw
            entry = (int(m.group(3)), m.group(4).decode(), m.group(5).decode())
            out.append(entry)
            if until in entry[2]:
                return out


def test_monitor_line_format_and_escapes(srv, clients):
    mon = clients.monitor()
    c = clients()
    c.call("SET", "a b", "x\ny\x01\"\\")
    c.call("SELECT", "2")
    c.call("GET", "k")
    c.call("ECHO", "marker1")
    got = mon.lines('"marker1"')
    args = [g[2] for g in got]
    assert args == ['"SET" "a b" "x\\ny\\x01\\"\\\\"', '"SELECT" "2"', '"GET" "k"',
                    '"ECHO" "marker1"']
    assert [g[0] for g in got] == [0, 2, 2, 2]  # fed after SELECT ran
    assert all(re.match(r"^127\.0\.0\.1:\d+$", g[1]) for g in got)
    assert len({g[1] for g in got}) == 1


def test_monitor_hides_admin_commands_and_redacts_auth(srv, clients):
    mon = clients.monitor()
    c = clients()
    c.call("CONFIG", "GET", "maxmemory")
    c.call("CLIENT", "LIST")
    c.call("CLIENT", "GETNAME")
    c.call("HELLO", "2", "AUTH", "default", "secret")
    c.call("ECHO", "marker2")
    args = [g[2] for g in mon.lines('"marker2"')]
    assert args == ['"CLIENT" "GETNAME"',
                    '"HELLO" "2" "AUTH" "(redacted)" "(redacted)"', '"ECHO" "marker2"']


def test_monitor_scripts_and_exec(srv, clients):
    mon = clients.monitor()
    c = clients()
    c.call("EVAL", "redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])", "1", "k")
    c.call("MULTI")
    c.call("SET", "a", "1")
    c.call("GET", "a")
    c.call("EXEC")
    c.call("ECHO", "marker3")
    got = mon.lines('"marker3"')
    assert [(g[1] if g[1] == "lua" else "client", g[2]) for g in got] == [
        ("client", '"EVAL" "redis.call(\'set\', KEYS[1], \'v\') return redis.call(\'get\', '
                   'KEYS[1])" "1" "k"'),
        ("lua", '"set" "k" "v"'),
        ("lua", '"get" "k"'),
        ("client", '"MULTI"'),
        ("client", '"SET" "a" "1"'),
        ("client", '"GET" "a"'),
        ("client", '"EXEC"'),
        ("client", '"ECHO" "marker3"'),
    ]


def test_monitor_sees_every_thread(srv, clients):
    mon = clients.monitor()
    cls = [clients() for _ in range(10)]
    for i, c in enumerate(cls):
        c.call("SET", "k%d" % i, "v")
    # Lines from different threads may interleave, and another thread's line may come after the
    # marker's: markers until every SET was seen (a slow server may take a while).
    cls[0].call("PING")
    got = []
    deadline = time.time() + 5
    while True:
        cls[0].call("ECHO", "marker4")
        got += mon.lines('"marker4"')
        sets = sorted(g[2] for g in got if g[2].startswith('"SET"'))
        if len(sets) >= len(cls) or time.time() > deadline:
            break
        time.sleep(0.05)
    assert sets == sorted('"SET" "k%d" "v"' % i for i in range(10))
    assert len({g[1] for g in got}) == 10


def test_monitor_mode_flags_reset_and_multi(srv, clients):
    mon = clients.monitor()
    admin = clients()
    lines = admin.call("CLIENT", "LIST").split(b"\n")
    assert sum(1 for ln in lines if b" flags=O " in ln and b" cmd=monitor " in ln) == 1
    assert mon.cl.call("RESET") == "RESET"
    lines = admin.call("CLIENT", "LIST").split(b"\n")
    assert not any(b" flags=O " in ln for ln in lines)
    c = clients()
    c.call("MULTI")
    c.call("MONITOR")
    assert c.call("EXEC") == [Err("ERR MONITOR isn't allowed for DENY BLOCKING client")]


def test_monitor_resp3_client_gets_plain_lines(srv, clients):
    m = RespClient(srv.host, srv.port)
    assert isinstance(m.call("HELLO", "3"), dict)
    assert m.call("MONITOR") == "OK"
    clients().call("ECHO", "marker5")
    assert LINE.match(m._line())
    m.close()


# --------------------------------------------------------------------------
# CLIENT PAUSE
# --------------------------------------------------------------------------


def no_reply_within(cl, seconds):
    cl.sock.settimeout(seconds)
    try:
        cl.sock.recv(1, socket.MSG_PEEK)
        return False
    except socket.timeout:
        return True
    finally:
        cl.sock.settimeout(10)


def test_pause_errors(clients):
    c = clients()
    assert c.call("CLIENT", "PAUSE", "abc") == Err(
        "ERR timeout is not an integer or out of range")
    assert c.call("CLIENT", "PAUSE", "-1") == Err("ERR timeout is negative")
    assert c.call("CLIENT", "PAUSE", "10", "foo") == Err(
        "ERR CLIENT PAUSE mode must be WRITE or ALL")
    assert c.call("CLIENT", "UNPAUSE", "x") == Err(
        "ERR wrong number of arguments for 'client|unpause' command")
    assert c.call("CLIENT", "PAUSE") == Err(
        "ERR wrong number of arguments for 'client|pause' command")


def test_pause_write_lets_reads_through(clients):
    admin, reader, writer = clients(), clients(), clients()
    admin.call("SET", "k", "old")
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    assert reader.call("GET", "k") == b"old"
    assert reader.call("EXISTS", "k") == 1
    writer.send("SET", "k", "new")
    assert no_reply_within(writer, 0.3)
    publisher = clients()
    publisher.send("PUBLISH", "ch", "x")  # may replicate: held too
    assert no_reply_within(publisher, 0.2)
    assert reader.call("GET", "k") == b"old"
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert writer.read() == "OK"
    assert publisher.read() == 0
    assert reader.call("GET", "k") == b"new"


def test_pause_write_holds_a_pipeline_in_order(clients):
    admin, c = clients(), clients()
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    c.send_raw(b"".join(encode_command(("RPUSH", "l", str(i))) for i in range(5)))
    assert no_reply_within(c, 0.3)
    admin.call("CLIENT", "UNPAUSE")
    assert [c.read() for _ in range(5)] == [1, 2, 3, 4, 5]
    assert c.call("LRANGE", "l", "0", "-1") == [b"0", b"1", b"2", b"3", b"4"]


def test_pause_write_holds_exec_with_writes_only(clients):
    admin, c, r = clients(), clients(), clients()
    r.call("MULTI")
    r.call("GET", "x")
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    assert r.call("EXEC") == [None]
    c.call("MULTI")
    c.send("SET", "x", "1")  # Redis checks before queueing: a write waits even to be queued
    assert no_reply_within(c, 0.3)
    admin.call("CLIENT", "UNPAUSE")
    assert c.read() == "QUEUED"
    assert c.call("EXEC") == ["OK"]


def test_pause_all_holds_everything_until_it_ends(clients):
    admin, c = clients(), clients()
    admin.call("SET", "k", "v")
    assert admin.call("CLIENT", "PAUSE", "1000", "ALL") == "OK"
    c.send("GET", "k")
    assert no_reply_within(c, 0.15)  # well inside the 1 s pause, even on a slow server
    # Even CLIENT UNPAUSE waits for the end of an ALL pause, as in Redis.
    assert c.read() == b"v"
    assert admin.call("GET", "k") == b"v"


def test_pause_keeps_the_longer_end(clients):
    admin, c = clients(), clients()
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    assert admin.call("CLIENT", "PAUSE", "10", "WRITE") == "OK"  # does not shorten it
    time.sleep(0.05)
    c.send("SET", "k", "v")
    assert no_reply_within(c, 0.2)
    admin.call("CLIENT", "UNPAUSE")
    assert c.read() == "OK"
