"""CLIENT UNBLOCK client-id [TIMEOUT|ERROR] (Redis 7.0 networking.c): a client blocked in a
blocking command, on any connection thread, answers as on timeout or with the UNBLOCKED error;
the reply is 1 when a blocked client was unblocked, else 0. Cases of Redis's "client unblock
tests" (tests/unit/type/list.tcl) and more: other blocking commands, pipelined commands behind
the blocked one, many clients over every thread, RESP3."""

import time

import pytest

from shoal_resp import Err
from shoal_info import wait_blocked

UNBLOCKED = Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")






@pytest.mark.parametrize("pop", [("BLPOP", "l", "0"), ("BLMPOP", "0", "1", "l", "RIGHT")],
                         ids=["blpop", "blmpop"])
def test_client_unblock_redis_cases(c, new_client, pop):
    w = new_client()
    wid = w.call("CLIENT", "ID")
    # Default: as on timeout.
    w.send(*pop)
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.read() is None
    # TIMEOUT.
    w.send(*pop)
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid), "TIMEOUT") == 1
    assert w.read() is None
    # ERROR.
    w.send(*pop)
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid), "ERROR") == 1
    assert w.read() == UNBLOCKED
    # Invalid id, and a client that is not blocked.
    assert c.call("CLIENT", "UNBLOCK", "asd") == Err("ERR value is not an integer or out of range")
    assert c.call("CLIENT", "UNBLOCK", str(c.call("CLIENT", "ID"))) == 0
    # The client and the list still work.
    w.send(*pop)
    wait_blocked(c, 1)
    assert c.call("LPUSH", "l", "foo") == 1
    assert w.read() in ([b"l", b"foo"], [b"l", [b"foo"]])
    wait_blocked(c, 0)


def test_client_unblock_not_blocked_and_unknown(c, new_client):
    idle = new_client()
    idle_id = idle.call("CLIENT", "ID")
    assert c.call("CLIENT", "UNBLOCK", str(idle_id)) == 0
    assert c.call("CLIENT", "UNBLOCK", str(idle_id), "ERROR") == 0
    assert c.call("CLIENT", "UNBLOCK", "987654321") == 0
    assert c.call("CLIENT", "UNBLOCK", "-1", "timeout") == 0
    assert c.call("CLIENT", "UNBLOCK", "0") == 0
    assert idle.call("PING") == "PONG"


def test_client_unblock_errors(c):
    assert c.call("CLIENT", "UNBLOCK") == Err(
        "ERR wrong number of arguments for 'client|unblock' command")
    assert c.call("CLIENT", "UNBLOCK", "1", "timeout", "x") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.")
    assert c.call("CLIENT", "unblock", "1", "2", "3") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.")
    # The reason is checked before the id.
    assert c.call("CLIENT", "UNBLOCK", "abc", "later") == Err(
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert c.call("CLIENT", "UNBLOCK", "1", "later") == Err(
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert c.call("CLIENT", "UNBLOCK", "1.5") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("CLIENT", "UNBLOCK", "99999999999999999999") == Err(
        "ERR value is not an integer or out of range")
    assert c.call("CLIENT", "UNBLOCK", "1", "tImEoUt") == 0
    assert c.call("CLIENT", "UNBLOCK", "1", "Error") == 0


def test_client_unblock_twice_and_counters(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    w.send("BRPOP", "nothing", "0")
    wait_blocked(c, 1)
    assert "flags=b" in c.call("CLIENT", "LIST", "ID", wid).decode()
    assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read() == UNBLOCKED
    wait_blocked(c, 0)
    assert c.call("CLIENT", "UNBLOCK", wid) == 0
    assert "flags=N" in c.call("CLIENT", "LIST", "ID", wid).decode()
    # Nothing of the old wait is left: a push is not consumed by it.
    assert c.call("RPUSH", "nothing", "x") == 1
    assert c.call("LLEN", "nothing") == 1


def test_client_unblock_other_blocking_commands(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    for cmd in (("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"),
                ("BRPOPLPUSH", "src", "{src}dst", "0"),
                ("BZPOPMIN", "z1", "z2", "0"),
                ("BZPOPMAX", "z1", "0"),
                ("BZMPOP", "0", "2", "z1", "z2", "MIN"),
                ("BLPOP", "a", "b", "c", "d", "e", "0")):
        w.send(*cmd)
        wait_blocked(c, 1)
        assert c.call("CLIENT", "UNBLOCK", wid) == 1
        assert w.read() is None, cmd
        w.send(*cmd)
        wait_blocked(c, 1)
        assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
        assert w.read() == UNBLOCKED, cmd
    wait_blocked(c, 0)
    assert c.call("EXISTS", "src", "dst", "{src}dst", "z1", "z2") == 0


def test_client_unblock_exact_bytes(c, rawconn):
    w = rawconn()
    w.send(b"CLIENT ID\r\n")
    wid = int(w.recv_until(terminator=b"\r\n")[1:-2])
    w.send(b"BLMOVE src dst LEFT RIGHT 0\r\n")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.recv_until(terminator=b"\r\n") == b"*-1\r\n"
    w.send(b"BZPOPMIN z 0\r\n")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid), "error") == 1
    assert w.recv_until(terminator=b"\r\n") == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    w.send(b"HELLO 3\r\n")
    w.recv_until(idle=0.2, first=5.0)
    w.send(b"BLPOP l 0\r\n")
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.recv_until(terminator=b"\r\n") == b"_\r\n"


def test_client_unblock_pipelined_commands_run_after(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    w.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n"
               b"*1\r\n$4\r\nPING\r\n"
               b"*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n")
    wait_blocked(c, 1)
    time.sleep(0.05)
    assert c.call("EXISTS", "after") == 0  # waits behind the blocked command
    assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read() == UNBLOCKED
    assert w.read() == "PONG"
    assert w.read() == "OK"
    assert c.call("GET", "after") == b"1"
    # And it can block again and be served.
    w.send("BLPOP", "q", "0")
    wait_blocked(c, 1)
    assert c.call("RPUSH", "q", "v") == 1
    assert w.read() == [b"q", b"v"]


def test_client_unblock_many_clients_on_every_thread(c, new_client):
    # Connections are spread over the server's threads; the unblocking client is on one of them.
    ws = [new_client() for _ in range(12)]
    ids = [str(w.call("CLIENT", "ID")) for w in ws]
    for i, w in enumerate(ws):
        w.send("BLPOP", "k%d" % i, "shared", "0")
    wait_blocked(c, len(ws))
    for i, (w, wid) in enumerate(zip(ws, ids)):
        assert c.call("CLIENT", "UNBLOCK", wid, "ERROR" if i % 2 else "TIMEOUT") == 1
    for i, w in enumerate(ws):
        assert w.read() == (UNBLOCKED if i % 2 else None)
    wait_blocked(c, 0)
    for i, w in enumerate(ws):
        assert w.call("ECHO", "still here %d" % i) == b"still here %d" % i
    # Unblocking from a client that is itself one of them works too.
    ws[0].send("BLPOP", "again", "0")
    wait_blocked(c, 1)
    assert ws[1].call("CLIENT", "UNBLOCK", ids[0]) == 1
    assert ws[0].read() is None
    assert c.call("RPUSH", "shared", "v") == 1
    assert c.call("LLEN", "shared") == 1


def test_client_unblock_with_timeout_pending(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    t0 = time.time()
    w.send("BLPOP", "q", "1")  # 1 s: unblocked long before, even on a slow server
    wait_blocked(c, 1)
    assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read() == UNBLOCKED
    time.sleep(max(0.0, t0 + 1.1 - time.time()))  # the old timeout must not answer again
    assert w.call("PING") == "PONG"


def test_client_unblock_of_a_closed_client(c, new_client):
    w = new_client()
    wid = str(w.call("CLIENT", "ID"))
    w.send("BLPOP", "q", "0")
    wait_blocked(c, 1)
    w.close()
    wait_blocked(c, 0)
    assert c.call("CLIENT", "UNBLOCK", wid) == 0
