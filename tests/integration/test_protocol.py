"""Protocol-level behaviour, checked byte by byte over raw sockets: error replies,
malformed RESP, inline commands, pipelining, partial/slow clients, query buffer limit."""

import socket
import time

import pytest

import shoal_errors as E
from shoal_resp import RawConn, RespClient, encode_command


def err_line(msg):
    return b"-" + msg.encode() + b"\r\n"


# ---------------------------------------------------------------- command errors


def test_unknown_command_exact_bytes(raw):
    out = raw(b"*3\r\n$3\r\nfoo\r\n$1\r\na\r\n$1\r\nb\r\n")
    assert out == b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    assert not raw.closed


@pytest.mark.parametrize("name,args", [
    ("foo", []),
    ("FOO", []),
    ("foo", ["a"]),
    ("nosuchcommand", ["x", "y", "z"]),
    ("foo", ["x" * 100, "y" * 100, "z"]),
    ("foo", ["a" * 200]),
])
def test_unknown_command(c, name, args):
    assert c(name, *args) == E.unknown_command(name, args)
    assert c("PING") == "PONG"


def test_unknown_command_inline(raw):
    assert raw(b"foo a b c\r\n") == (
        b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' 'c' \r\n")
    assert raw(b"foo\r\n") == b"-ERR unknown command 'foo', with args beginning with: \r\n"


@pytest.mark.parametrize("args", [
    ["GET"], ["GET", "a", "b"], ["SET", "a"], ["MGET"], ["DEL"], ["INCR"],
    ["INCRBY", "a"], ["EXPIRE", "a"], ["TTL"], ["APPEND", "a"], ["STRLEN"],
    ["GETRANGE", "a", "0"], ["SETRANGE", "a", "0"], ["RENAME", "a"], ["EXISTS"],
    ["SELECT"], ["ECHO"], ["DBSIZE", "x"], ["MSETNX", "a"], ["GETSET", "a"],
    ["SETEX", "a", "1"], ["PERSIST"], ["TYPE"], ["KEYS"], ["SCAN"], ["BITCOUNT"],
])
def test_wrong_arity(c, args):
    assert c(*args) == E.arity(args[0].lower())


def test_wrong_arity_uses_lowercase_name(c):
    assert c("GeT") == E.arity("get")
    assert c("SET", "onlykey") == E.arity("set")


def test_syntax_error(c):
    assert c("SET", "a", "b", "foo") == E.SYNTAX
    assert c("SET", "a", "b", "EX", "10", "NX", "XX") == E.SYNTAX
    assert c("EXISTS", "a") == 0


def test_commands_are_case_insensitive(c):
    assert c("set", "k", "v") == "OK"
    assert c("gEt", "k") == b"v"
    assert c("SET", "k", "w", "ex", "100", "Get") == b"v"
    assert c("MsEt", "a", "1") == "OK"


def test_error_does_not_close_connection(c):
    for _ in range(5):
        assert c("NOSUCHCOMMAND").startswith("ERR unknown command")
        assert c("GET") == E.arity("get")
    assert c("PING") == "PONG"


# ---------------------------------------------------------------- malformed RESP


@pytest.mark.parametrize("payload,error", [
    (b"*abc\r\n", E.PROTO_INVALID_MULTIBULK),
    (b"*3\r\n$3\r\nSET\r\n:1\r\n", E.proto_expected_dollar(":")),
    (b"*1\r\n+PING\r\n", E.proto_expected_dollar("+")),
    (b"*2\r\n$4\r\nECHO\r\n*1\r\n", E.proto_expected_dollar("*")),
    (b"*1\r\n$600000000\r\n", E.PROTO_INVALID_BULK),
    (b"*1\r\n$536870913\r\n", E.PROTO_INVALID_BULK),
    (b"*1\r\n$-5\r\n", E.PROTO_INVALID_BULK),
    (b"*1\r\n$-1\r\n", E.PROTO_INVALID_BULK),
    (b"*1\r\n$abc\r\n", E.PROTO_INVALID_BULK),
    (b"*1\r\n$\r\n", E.PROTO_INVALID_BULK),
    (b"*\r\n", E.PROTO_INVALID_MULTIBULK),
    (b"*2147483648\r\n", E.PROTO_INVALID_MULTIBULK),
    (b"x" * 70000, E.PROTO_TOO_BIG_INLINE),
    (b"SET a \"b c\r\n", E.PROTO_UNBALANCED_QUOTES),
    (b"ECHO \"a\"b\r\n", E.PROTO_UNBALANCED_QUOTES),
    (b"ECHO 'abc\r\n", E.PROTO_UNBALANCED_QUOTES),
])
def test_protocol_error_closes_connection(rawconn, c, payload, error):
    conn = rawconn()
    conn.send(payload)
    data, closed = conn.wait_closed(wait=3.0)
    assert data == err_line(error)
    assert closed, "server must close the connection after a protocol error"
    assert c("PING") == "PONG"


def test_protocol_error_after_valid_commands(rawconn):
    conn = rawconn()
    conn.send(b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n")
    data, closed = conn.wait_closed()
    assert data == b"+PONG\r\n+PONG\r\n" + err_line(E.PROTO_INVALID_MULTIBULK)
    assert closed


def test_protocol_error_in_second_arg_does_not_execute(rawconn, c):
    conn = rawconn()
    conn.send(b"*3\r\n$3\r\nSET\r\n$4\r\npkey\r\n:1\r\n")
    data, closed = conn.wait_closed()
    assert data == err_line(E.proto_expected_dollar(":"))
    assert closed
    assert c("EXISTS", "pkey") == 0


def test_empty_and_negative_multibulk_are_ignored(raw):
    assert raw(b"*0\r\n*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n"
    assert raw(b"*-1\r\n*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n"
    assert not raw.closed


# ---------------------------------------------------------------- inline commands


def test_inline_ping(raw):
    assert raw(b"PING\r\n") == b"+PONG\r\n"
    assert raw(b"PING\n") == b"+PONG\r\n"
    assert raw(b"ping hello\r\n") == b"$5\r\nhello\r\n"


def test_inline_quoted_args(raw):
    assert raw(b"SET a \"b c\"\r\nGET a\r\n") == b"+OK\r\n$3\r\nb c\r\n"
    assert raw(b"SET a 'x y'\r\nGET a\r\n") == b"+OK\r\n$3\r\nx y\r\n"
    assert raw(b"ECHO \"a\\x41\\n\"\r\n") == b"$3\r\naA\n\r\n"
    assert raw(b"ECHO \"tab\\there\"\r\n") == b"$8\r\ntab\there\r\n"
    assert raw(b"ECHO 'it\\'s'\r\n") == b"$4\r\nit's\r\n"
    assert raw(b"ECHO \"\"\r\n") == b"$0\r\n\r\n"


def test_inline_whitespace(raw):
    assert raw(b"SET   a    b  \r\nGET a\r\n") == b"+OK\r\n$1\r\nb\r\n"
    assert raw(b"\r\n\r\nPING\r\n") == b"+PONG\r\n"
    assert raw(b"   \r\nPING\r\n") == b"+PONG\r\n"


def test_inline_and_multibulk_mixed(raw):
    payload = (b"SET k 1\r\n" + encode_command(["INCR", "k"]) + b"INCR k\r\n" +
               encode_command(["GET", "k"]))
    assert raw(payload) == b"+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n"


def test_inline_arity_error(raw):
    assert raw(b"GET\r\n") == err_line(E.arity("get"))
    assert not raw.closed


# ---------------------------------------------------------------- pipelining


def test_pipeline_1000_commands(rawconn):
    conn = rawconn()
    cmds = []
    expected = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            cmds.append(["SET", "p%d" % i, "v%d" % i])
            expected.append(b"+OK\r\n")
        elif kind == 1:
            cmds.append(["INCR", "pcounter"])
            expected.append(b":%d\r\n" % (i // 4 + 1))
        elif kind == 2:
            cmds.append(["GET", "p%d" % (i - 2)])
            v = b"v%d" % (i - 2)
            expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
        else:
            cmds.append(["GET", "missing%d" % i])
            expected.append(b"$-1\r\n")
    conn.send(b"".join(encode_command(c) for c in cmds))
    want = b"".join(expected)
    got = conn.recv_until(nbytes=len(want), idle=5.0)
    assert got == want


@pytest.mark.parametrize("filler", [0, 300000], ids=["small", "prefetching"])
def test_pipeline_mixed_shapes_dbs_and_flushes(rawconn, filler):
    """Batch prefetching reads keys ahead of the commands that use them, on tables of more than
    2^18 keys (DbSlice::PrefetchPays; `filler` other keys in both databases): a pipeline whose
    commands switch databases, flush the table the look-ahead saw, mix inline commands,
    one-argument commands, multi-key ones and binary keys must still get every reply right."""
    conn = rawconn()
    conn.send(encode_command(["FLUSHALL"]))
    assert conn.recv_until(nbytes=5, idle=5.0) == b"+OK\r\n"
    for d in (1, 0):
        conn.send(encode_command(["SELECT", str(d)]))
        assert conn.recv_until(nbytes=5, idle=5.0) == b"+OK\r\n"
        for start in range(0, filler, 10000):
            args = ["MSET"]
            for j in range(start, start + 10000):
                args += ["filler:%d" % j, "x"]
            conn.send(encode_command(args))
            assert conn.recv_until(nbytes=5, idle=30.0) == b"+OK\r\n"
    model = {0: {}, 1: {}}
    db = 0
    parts, expected = [], []

    def bulk(v):
        return b"$-1\r\n" if v is None else b"$%d\r\n%s\r\n" % (len(v), v)

    for i in range(1200):
        key = b"pf:%d\r\n\x00%d" % (i % 97, i % 3)
        kind = i % 12
        if kind in (0, 1, 2):
            val = b"v%d" % i
            parts.append(encode_command([b"SET", key, val]))
            expected.append(b"+OK\r\n")
            model[db][key] = val
        elif kind in (3, 4, 5):
            parts.append(encode_command([b"GET", key]))
            expected.append(bulk(model[db].get(key)))
        elif kind == 6:
            parts.append(b"PING\r\n" if i % 24 == 6 else encode_command([b"PING"]))
            expected.append(b"+PONG\r\n")
        elif kind == 7:
            db = 1 - db
            parts.append(encode_command([b"SELECT", b"%d" % db]))
            expected.append(b"+OK\r\n")
        elif kind == 8:
            k2 = b"pf:%d\r\n\x00%d" % ((i + 5) % 97, (i + 1) % 3)
            parts.append(encode_command([b"MGET", key, k2]))
            expected.append(b"*2\r\n" + bulk(model[db].get(key)) + bulk(model[db].get(k2)))
        elif kind == 9:
            parts.append(encode_command([b"DEL", key]))
            expected.append(b":%d\r\n" % (1 if model[db].pop(key, None) is not None else 0))
        elif kind == 10:
            if i in (550, 1090):  # most of it runs with the fillers there
                parts.append(encode_command([b"FLUSHDB"]))
                expected.append(b"+OK\r\n")
                model[db] = {}
            else:
                parts.append(encode_command([b"EXISTS", key]))
                expected.append(b":%d\r\n" % (1 if key in model[db] else 0))
        else:
            parts.append(encode_command([b"STRLEN", key]))
            expected.append(b":%d\r\n" % len(model[db].get(key, b"")))
    conn.send(b"".join(parts))
    want = b"".join(expected)
    got = conn.recv_until(nbytes=len(want), idle=5.0)
    assert got == want
    # The session's server is shared: leave no big dataset for the next test's timing.
    conn.send(encode_command(["FLUSHALL"]))
    assert conn.recv_until(nbytes=5, idle=30.0) == b"+OK\r\n"


def test_pipeline_with_redis_py(r):
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.set("rp%d" % i, i)
        pipe.incr("rpc")
    res = pipe.execute()
    assert res[0::2] == [True] * 500
    assert res[1::2] == list(range(1, 501))
    assert r.mget(["rp%d" % i for i in range(500)]) == [str(i).encode() for i in range(500)]


def test_pipeline_byte_at_a_time(rawconn):
    conn = rawconn()
    payload = encode_command(["SET", "slow", "value"]) + encode_command(["GET", "slow"])
    for i in range(len(payload)):
        conn.send(payload[i:i + 1])
    assert conn.recv_until(terminator=b"value\r\n") == b"+OK\r\n$5\r\nvalue\r\n"


def test_many_clients_pipelining_concurrently(server):
    conns = [RawConn(server.host, server.port) for _ in range(10)]
    try:
        for n, conn in enumerate(conns):
            conn.send(b"".join(encode_command(["INCR", "multi:%d" % n]) for _ in range(200)))
        for n, conn in enumerate(conns):
            want = b"".join(b":%d\r\n" % i for i in range(1, 201))
            assert conn.recv_until(nbytes=len(want), idle=5.0) == want
    finally:
        for conn in conns:
            conn.close()


# ---------------------------------------------------------------- partial / slow clients


def test_half_command_then_disconnect(server, c):
    s = socket.create_connection((server.host, server.port), timeout=5)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nabc")
    time.sleep(0.1)
    s.close()
    s = socket.create_connection((server.host, server.port), timeout=5)
    s.sendall(b"*2\r\n$3\r\nSET\r\n$4\r\nhal")
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.1)
    s.close()
    time.sleep(0.1)
    assert c("PING") == "PONG"
    assert c("EXISTS", "half") == 0
    other = RespClient(server.host, server.port)
    try:
        assert other("SET", "after", "1") == "OK"
    finally:
        other.close()


def test_partial_command_completed_later(rawconn):
    conn = rawconn()
    conn.send(b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nhel")
    assert conn.recv_until(idle=0.3) == b""
    conn.send(b"lo\r\n")
    assert conn.recv_until(terminator=b"\r\n") == b"+OK\r\n"


def test_large_value_in_small_chunks(rawconn, c):
    conn = rawconn()
    value = bytes((i * 7) & 0xFF for i in range(600 * 1024))
    payload = encode_command([b"SET", b"bigchunked", value])
    for i in range(0, len(payload), 1000):
        conn.send(payload[i:i + 1000])
    assert conn.recv_until(terminator=b"\r\n", idle=5.0) == b"+OK\r\n"
    assert c("STRLEN", "bigchunked") == len(value)
    assert c("GET", "bigchunked") == value


def test_large_reply(c):
    value = b"z" * (4 * 1024 * 1024)
    assert c("SET", "huge", value) == "OK"
    for _ in range(3):
        assert c("GET", "huge") == value
    assert c("MGET", "huge", "huge") == [value, value]


def test_client_that_never_reads(server, c):
    """A client that pipelines many GETs of a large value and never reads the
    replies must not block the server for everyone else."""
    assert c("SET", "bigval", b"x" * 100000) == "OK"
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(2)
        try:
            s.sendall(encode_command(["GET", "bigval"]) * 500)
        except (socket.timeout, OSError):
            pass
        t0 = time.time()
        assert c("PING") == "PONG"
        assert c("SET", "k", "v") == "OK"
        assert time.time() - t0 < 5  # served at once (blocked, it would not answer at all)
    finally:
        s.close()


# ---------------------------------------------------------------- query buffer limit


def test_client_query_buffer_limit(spawn_server):
    h = spawn_server("--client-query-buffer-limit", "1mb")
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "client-query-buffer-limit") == [
            b"client-query-buffer-limit", b"1048576"]
        # a value below the limit is fine
        assert cl("SET", "small", b"s" * (512 * 1024)) == "OK"
    finally:
        cl.close()
    s = socket.create_connection((h.host, h.port), timeout=5)
    total = 4 * 1024 * 1024
    disconnected = False
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % total)
        chunk = b"y" * 65536
        sent = 0
        while sent < total:
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                disconnected = True
                break
            sent += len(chunk)
        if not disconnected:
            # all bytes went into kernel buffers; the server must still close us
            s.settimeout(10)
            try:
                data = s.recv(65536)
                disconnected = data == b""
                while data and not disconnected:
                    data = s.recv(65536)
                    disconnected = data == b""
            except (ConnectionResetError, BrokenPipeError):
                disconnected = True
            except socket.timeout:
                disconnected = False
    finally:
        s.close()
    assert disconnected, "client over client-query-buffer-limit was not disconnected"
    assert h.alive()
    cl = h.client()
    try:
        assert cl("PING") == "PONG"
        assert cl("EXISTS", "big") == 0
        assert cl("STRLEN", "small") == 512 * 1024
    finally:
        cl.close()


# ---------------------------------------------------------------- RESP3 encodings


def test_resp3_null_and_types(rawconn):
    conn = rawconn()
    conn.send(b"HELLO 3\r\n")
    conn.recv_until(terminator=b"$7\r\nmodules\r\n*0\r\n")
    conn.send(b"GET nokey\r\nMGET nokey nokey\r\nSET k v\r\nEXISTS k\r\nSET k w GET\r\n"
              b"SET k2 v NX\r\nSET k2 v NX\r\nPING\r\n")
    want = b"_\r\n*2\r\n_\r\n_\r\n+OK\r\n:1\r\n$1\r\nv\r\n+OK\r\n_\r\n+PONG\r\n"
    assert conn.recv_until(nbytes=len(want)) == want


def test_resp3_config_get_is_map(rawconn):
    conn = rawconn()
    conn.send(b"HELLO 3\r\n")
    conn.recv_until(terminator=b"$7\r\nmodules\r\n*0\r\n")
    conn.send(b"CONFIG GET maxmemory-policy\r\n")
    want = b"%1\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"
    assert conn.recv_until(nbytes=len(want)) == want
