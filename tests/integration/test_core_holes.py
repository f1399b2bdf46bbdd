"""Holes found in the multi-shard core by review and black-box tests (each failed before the fix):

1. a blocked client that sent a byte and then disconnected was not noticed: the next push was
   handed to the dead client and lost;
2. a woken BLMOVE/BRPOPLPUSH across shards popped and pushed in two steps: the element was
   visible in neither list;
3. each shard had its own clock: one MGET could see one key expired and another with the same
   deadline alive;
5. sub-millisecond blocking timeouts blocked forever;
7. replies of commands pipelined before a blocking command were held until it completed.

All of them hold against redis-server 7.0 too. Key names without a shared {tag} are chosen on
different Shoal shards (shoal_keys.shard_of)."""

import socket
import threading
import time

from shoal_info import blocked_clients, info
from shoal_keys import shard_of


def two_shards(prefix):
    a = prefix + "a"
    i = 0
    while True:
        b = "%sb%d" % (prefix, i)
        if shard_of(b) != shard_of(a):
            return a, b
        i += 1


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return False


# ---------------------------------------------------------------- 1. disconnect while blocked


def test_blocked_client_that_sent_bytes_then_closed_loses_nothing(c, server):
    base_clients = int(info(c, "clients")["connected_clients"])
    for _ in range(5):
        s = socket.create_connection((server.host, server.port))
        s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        assert wait_for(lambda: blocked_clients(c) == 1)
        s.sendall(b"P")  # any byte while blocked, then gone
        time.sleep(0.02)
        s.close()
        assert wait_for(lambda: blocked_clients(c) == 0)
    assert c("RPUSH", "q", "x") == 1
    assert c("LLEN", "q") == 1
    assert wait_for(lambda: int(info(c, "clients")["connected_clients"]) == base_clients)


def test_bytes_sent_while_blocked_run_after_the_block(rawconn):
    rc = rawconn()
    rc.send(b"BLPOP bq 0\r\n")
    time.sleep(0.1)
    rc.send(b"PING\r\nECHO hi\r\n")
    time.sleep(0.1)
    pusher = rawconn()
    pusher.send(b"RPUSH bq v\r\n")
    assert pusher.recv_until(terminator=b":1\r\n") == b":1\r\n"
    out = rc.recv_until(terminator=b"$2\r\nhi\r\n")
    assert out == b"*2\r\n$2\r\nbq\r\n$1\r\nv\r\n+PONG\r\n$2\r\nhi\r\n"


# ---------------------------------------------------------------- 2. woken BLMOVE is atomic


def test_woken_cross_shard_blmove_is_never_in_neither_list(server, c):
    a, b = two_shards("tok")
    assert c("RPUSH", a, "token") == 1
    stop = threading.Event()
    moves = [0]

    def mover(src, dst):
        cl = server.client()
        while not stop.is_set():
            if cl("BLMOVE", src, dst, "LEFT", "RIGHT", "0.2") is not None:
                moves[0] += 1
        cl.close()

    threads = [threading.Thread(target=mover, args=(a, b)),
               threading.Thread(target=mover, args=(b, a))]
    for t in threads:
        t.start()
    seen = {0: 0, 1: 0, 2: 0}
    # 2 s of checks, longer (up to 20 s) until the movers made a few moves on a slow server.
    start = time.time()
    while time.time() < start + 2.0 or (moves[0] <= 10 and time.time() < start + 20.0):
        seen[c("EXISTS", a, b)] += 1
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert seen[0] == 0 and seen[2] == 0, seen
    assert c("LLEN", a) + c("LLEN", b) == 1
    assert moves[0] > 10


def test_woken_cross_shard_blmove_to_wrong_type_pops_nothing(server, c):
    src, dst = two_shards("wt")
    waiter = server.client()
    try:
        waiter.send("BLMOVE", src, dst, "LEFT", "RIGHT", "0")
        assert wait_for(lambda: blocked_clients(c) == 1)
        assert c("SET", dst, "string") == "OK"
        assert c("RPUSH", src, "e1") == 1
        reply = waiter.read()
        assert str(reply).startswith("WRONGTYPE")
        assert c("LRANGE", src, "0", "-1") == [b"e1"]  # Redis never pops then
    finally:
        waiter.close()


# ---------------------------------------------------------------- 3. one clock per command


def test_keys_with_one_deadline_expire_together_in_one_mget(c):
    a, b = two_shards("clk")
    torn = 0
    for _ in range(30):
        now_ms = int(time.time() * 1000)
        assert c("SET", a, "v") == "OK" and c("SET", b, "v") == "OK"
        assert c("PEXPIREAT", a, now_ms + 20) == 1
        assert c("PEXPIREAT", b, now_ms + 20) == 1
        while True:
            vals = c("MGET", a, b)
            if vals[0] is None and vals[1] is None:
                break
            if (vals[0] is None) != (vals[1] is None):
                torn += 1
    assert torn == 0


# ---------------------------------------------------------------- 5. tiny timeouts


def test_sub_millisecond_timeouts_time_out(c):
    for t in ("0.001", "0.0009", "1e-300", "0.0001"):
        start = time.time()
        assert c("BLPOP", "nolist", t) is None
        assert c("BRPOP", "nolist", t) is None
        assert c("BZPOPMIN", "nozset", t) is None
        assert time.time() - start < 2.0


# ---------------------------------------------------------------- 7. replies before a block


def test_replies_before_a_blocking_command_are_sent_at_once(rawconn):
    rc = rawconn()
    a, b = two_shards("pre")
    rc.send(("SET %s 1\r\nINCR %s\r\nGET %s\r\nPING\r\nBLPOP waitq 0\r\n" % (a, b, a)).encode())
    out = rc.recv_until(terminator=b"+PONG\r\n")
    assert out == b"+OK\r\n:1\r\n$1\r\n1\r\n+PONG\r\n"
    pusher = rawconn()
    pusher.send(b"LPUSH waitq z\r\n")
    assert rc.recv_until(terminator=b"$1\r\nz\r\n") == b"*2\r\n$5\r\nwaitq\r\n$1\r\nz\r\n"

