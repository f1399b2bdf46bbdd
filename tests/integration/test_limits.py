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
