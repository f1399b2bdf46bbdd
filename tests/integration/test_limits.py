"""Connection hardening: memory a client can make the server hold, client limits, fd exhaustion,
output buffer limits, idle clients and connection churn.

Tests that check behaviour Redis 7.0 shares run against redis-server too; the ones about what
Shoal does beyond Redis (backpressure, accept back-off) skip there."""

import os
import socket
import subprocess
import time

import pytest

from conftest import _is_shoal
from shoal_info import info
from shoal_resp import HOST, RawConn, RespClient

shoal_only = pytest.mark.skipif(not _is_shoal(), reason="Shoal-only behaviour")

MB = 1024 * 1024


def rss(proc):
    """Resident set size of the server process, bytes."""
    with open("/proc/%d/status" % proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def cpu_seconds(proc):
    """User + system CPU time of the server process so far, seconds."""
    with open("/proc/%d/stat" % proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(cond, timeout=5.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def log_text(h):
    with open(h.logpath, "rb") as f:
        return f.read().decode(errors="replace")


# --------------------------------------------------------------------------
# 1. Memory for data that has not arrived
# --------------------------------------------------------------------------


def test_announced_huge_bulk_commits_no_memory(spawn_server):
    h = spawn_server()
    c = h.client()
    assert c.call("PING") == "PONG"
    before = rss(h.proc)
    conns = []
    for _ in range(6):
        rc = RawConn(h.host, h.port)
        rc.send(b"*1\r\n$536870912\r\n")
        conns.append(rc)
    # Part of the payload too: the server must grow with what arrives, not with what is announced.
    for rc in conns:
        rc.send(b"x" * 100000)
    time.sleep(0.5)
    assert c.call("PING") == "PONG"
    grown = rss(h.proc) - before
    assert grown < 16 * MB, "RSS grew by %d bytes" % grown
    for rc in conns:
        rc.close()


def test_proto_max_bulk_len(rawconn, c):
    assert c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == "OK"
    try:
        rc = rawconn()
        rc.send(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % (MB + 1))
        data, closed = rc.wait_closed()
        assert data == b"-ERR Protocol error: invalid bulk length\r\n"
        assert closed
        rc = rawconn()
        rc.send(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % MB + b"a" * MB + b"\r\n")
        assert rc.recv_until(nbytes=MB + 12, total=10) == b"$%d\r\n" % MB + b"a" * MB + b"\r\n"
    finally:
        assert c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb") == "OK"


def test_client_query_buffer_limit(spawn_server):
    h = spawn_server("--client-query-buffer-limit", "1mb")
    c = h.client()
    assert c.call("CONFIG", "GET", "client-query-buffer-limit") == [
        b"client-query-buffer-limit", b"1048576"]
    rc = RawConn(h.host, h.port)
    rc.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (4 * MB))
    try:
        for _ in range(24):
            rc.send(b"x" * (128 * 1024))
    except (BrokenPipeError, ConnectionResetError):
        pass
    _, closed = rc.wait_closed()
    assert closed
    assert wait_for(lambda: "Closing client that reached max query buffer length" in log_text(h))
    assert c.call("PING") == "PONG"
    # Below the limit all is well.
    assert c.call("SET", "k", b"y" * (MB // 2)) == "OK"
    assert c.call("STRLEN", "k") == MB // 2


# --------------------------------------------------------------------------
# 3. maxclients and file descriptors
# --------------------------------------------------------------------------

MAXCLIENTS_ERR = b"-ERR max number of clients reached\r\n"


def refused(h):
    rc = RawConn(h.host, h.port)
    try:
        data, closed = rc.wait_closed(wait=2.0)
        return data == MAXCLIENTS_ERR and closed
    finally:
        rc.close()


def test_maxclients_refuses_extra_clients(spawn_server):
    h = spawn_server("--maxclients", "5")
    time.sleep(0.2)  # the startup probe's connection is gone
    clients = [h.client() for _ in range(5)]
    for cl in clients:
        assert cl.call("PING") == "PONG"
    assert refused(h)
    assert refused(h)
    assert int(info(clients[0], "stats")["rejected_connections"]) == 2
    assert int(info(clients[0], "clients")["connected_clients"]) == 5
    for cl in clients:
        assert cl.call("PING") == "PONG"
    clients.pop().close()
    # A slot is free again once the server saw the close.
    newc = wait_for(lambda: (lambda c: c if c.call("PING") == "PONG" else None)(h.client())
                    if int(info(clients[0], "clients")["connected_clients"]) == 4 else None)
    assert newc
    newc.close()
    for cl in clients:
        cl.close()


def test_config_set_maxclients(spawn_server):
    h = spawn_server()
    c = h.client()
    assert c.call("CONFIG", "SET", "maxclients", "2") == "OK"
    assert c.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"2"]
    d = h.client()
    assert d.call("PING") == "PONG"
    assert refused(h)
    assert c.call("CONFIG", "SET", "maxclients", "3") == "OK"
    e = h.client()
    assert e.call("PING") == "PONG"
    for cl in (c, d, e):
        cl.close()


def start_wrapped(tmp_path, prefix, *extra):
    """Starts the server under test with `prefix` (e.g. prlimit) in front of its argv."""
    import conftest
    port = conftest.free_port()
    argv = list(prefix) + conftest.server_command(port, extra)
    logpath = str(tmp_path / ("wrapped-%d.log" % port))
    h = conftest.ServerHandle(argv, HOST, port, logpath, cwd=str(tmp_path))
    conftest.wait_for_ping(HOST, port, h.proc)
    return h


def test_open_files_limit_reduces_maxclients(tmp_path):
    h = start_wrapped(tmp_path, ["prlimit", "--nofile=100:100"])
    try:
        c = h.client()
        # Nothing above the hard limit of 100 can be set: 100 - 32 reserved.
        assert c.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"68"]
        log = log_text(h)
        assert "You requested maxclients of 10000 requiring at least 10032 max file descriptors." \
            in log
        assert "maxclients has been reduced to 68 to compensate for low ulimit." in log
        assert c.call("CONFIG", "SET", "maxclients", "1000") == (
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
            "system is not able to handle the specified number of clients, try with 68")
        assert c.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"68"]
        assert c.call("CONFIG", "SET", "maxclients", "50") == "OK"
        c.close()
    finally:
        assert h.stop() is None


@shoal_only
def test_fd_exhaustion_backs_off_and_recovers(spawn_server):
    h = spawn_server("--shards", "2", "--maxclients", "1000")
    a = h.client()
    assert a.call("PING") == "PONG"
    pid = h.proc.pid
    nfds = len(os.listdir("/proc/%d/fd" % pid))
    spare = 6
    subprocess.check_call(["prlimit", "--pid", str(pid),
                           "--nofile=%d:%d" % (nfds + spare, nfds + spare)])
    extra = []
    for _ in range(20):
        rc = RawConn(h.host, h.port)
        rc.send(b"PING\r\n")
        extra.append(rc)
    served = [rc for rc in extra if rc.recv_until(nbytes=7, idle=0.3, first=0.5) == b"+PONG\r\n"]
    waiting = [rc for rc in extra if rc not in served]
    assert len(served) <= spare and waiting, (len(served), len(waiting))
    # The clients already connected are served, and the server does not spin on accept.
    assert a.call("PING") == "PONG"
    cpu0 = cpu_seconds(h.proc)
    time.sleep(1.0)
    used = cpu_seconds(h.proc) - cpu0
    assert used < 0.3, "server used %.2fs of CPU in 1s while out of descriptors" % used
    assert a.call("PING") == "PONG"
    assert "Accepting client connection: accept: Too many open files" in log_text(h)
    # Descriptors come back: the waiting clients get served, in turn.
    pending = list(waiting)
    deadline = time.time() + 10
    while pending and time.time() < deadline:
        for rc in served:
            rc.close()
        served = [rc for rc in pending if rc.recv_until(nbytes=7, idle=0.2, first=0.3)
                  == b"+PONG\r\n"]
        pending = [rc for rc in pending if rc not in served]
    assert not pending
    for rc in served:
        rc.close()
    b = wait_for(lambda: h.client())
    assert b.call("PING") == "PONG"
    assert a.call("PING") == "PONG"
