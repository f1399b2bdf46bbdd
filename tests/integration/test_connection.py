"""Connection commands: PING, ECHO, QUIT, SELECT, HELLO, RESET, CLIENT *."""

import re

import pytest

import shoal_errors as E
from shoal_resp import RespClient


# ---------------------------------------------------------------- PING / ECHO


def test_ping(c):
    assert c("PING") == "PONG"
    assert c("PING", "hello") == b"hello"
    assert c("ping", "") == b""
    assert c("PING", "a", "b") == E.arity("ping")


def test_ping_bytes(raw):
    assert raw(b"*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n"
    assert raw(b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n") == b"$2\r\nhi\r\n"
    assert raw(b"*1\r\n$4\r\npInG\r\n") == b"+PONG\r\n"


def test_echo(c):
    assert c("ECHO", "x") == b"x"
    payload = b"bin\x00ary\r\n\xff data"
    assert c("ECHO", payload) == payload
    assert c("ECHO", "") == b""
    assert c("ECHO") == E.arity("echo")
    assert c("ECHO", "a", "b") == E.arity("echo")


def test_echo_bytes(raw):
    assert raw(b"*2\r\n$4\r\nECHO\r\n$5\r\na\r\nbc\r\n") == b"$5\r\na\r\nbc\r\n"


# ---------------------------------------------------------------- QUIT


def test_quit_replies_ok_and_closes(rawconn, c):
    conn = rawconn()
    # Commands pipelined after QUIT must not run.
    conn.send(b"*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$7\r\nquitkey\r\n$1\r\n1\r\n")
    data, closed = conn.wait_closed()
    assert data == b"+OK\r\n"
    assert closed
    assert c("EXISTS", "quitkey") == 0


def test_quit_inline(raw):
    assert raw(b"QUIT\r\n") == b"+OK\r\n"
    assert raw.closed


# ---------------------------------------------------------------- SELECT


def test_select_all_valid_dbs(c):
    for db in range(16):
        assert c("SELECT", str(db)) == "OK"
    assert c("SELECT", "0") == "OK"


def test_select_errors(c):
    assert c("SELECT", "16") == E.DB_OUT_OF_RANGE
    assert c("SELECT", "-1") == E.DB_OUT_OF_RANGE
    assert c("SELECT", "1000000") == E.DB_OUT_OF_RANGE
    assert c("SELECT", "abc") == E.NOT_INTEGER
    assert c("SELECT", "1.5") == E.NOT_INTEGER
    assert c("SELECT", "") == E.NOT_INTEGER
    assert c("SELECT") == E.arity("select")
    assert c("SELECT", "1", "2") == E.arity("select")


def test_select_changes_db_for_this_connection_only(c, new_client):
    other = new_client()
    assert c("SET", "k", "db0") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("GET", "k") is None
    assert c("SET", "k", "db1") == "OK"
    assert other("GET", "k") == b"db0"
    assert c("SELECT", "0") == "OK"
    assert c("GET", "k") == b"db0"


# ---------------------------------------------------------------- HELLO

HELLO_KEYS = {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}


def _hello_check(d, proto, client_id):
    assert set(d.keys()) == HELLO_KEYS
    assert d[b"proto"] == proto
    assert d[b"id"] == client_id
    assert isinstance(d[b"server"], bytes) and d[b"server"]
    assert isinstance(d[b"version"], bytes) and re.fullmatch(rb"\d+\.\d+\.\d+", d[b"version"])
    assert d[b"mode"] == b"standalone"
    assert d[b"role"] == b"master"
    assert d[b"modules"] == []


def test_hello_2(c):
    cid = c("CLIENT", "ID")
    reply = c("HELLO", "2")
    assert isinstance(reply, list) and len(reply) == 14
    keys = reply[0::2]
    assert keys == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    _hello_check(dict(zip(reply[0::2], reply[1::2])), 2, cid)


def test_hello_no_args_keeps_protocol(c):
    reply = c("HELLO")
    assert isinstance(reply, list)
    assert dict(zip(reply[0::2], reply[1::2]))[b"proto"] == 2


def test_hello_3_switches_to_resp3(server):
    cl = RespClient(server.host, server.port)
    try:
        cid = cl("CLIENT", "ID")
        reply = cl("HELLO", "3")
        assert isinstance(reply, dict)
        _hello_check(reply, 3, cid)
        # RESP3 null
        cl.send("GET", "hello3:missing")
        assert cl._line() == b"_"
        # back to RESP2
        reply = cl("HELLO", "2")
        assert isinstance(reply, list)
        cl.send("GET", "hello3:missing")
        assert cl._line() == b"$-1"
    finally:
        cl.close()


def test_hello_3_bytes(raw):
    out = raw(b"HELLO 3\r\n")
    assert out.startswith(b"%7\r\n$6\r\nserver\r\n")
    assert b"$5\r\nproto\r\n:3\r\n" in out
    assert out.endswith(b"$7\r\nmodules\r\n*0\r\n")


def test_hello_setname(c):
    reply = c("HELLO", "3", "SETNAME", "conn-name")
    assert isinstance(reply, dict)
    assert c("CLIENT", "GETNAME") == b"conn-name"
    reply = c("HELLO", "2", "SETNAME", "other")
    assert isinstance(reply, list)
    assert c("CLIENT", "GETNAME") == b"other"


def test_hello_errors(c):
    assert c("HELLO", "4") == E.NOPROTO
    assert c("HELLO", "1") == E.NOPROTO
    assert c("HELLO", "abc") == E.HELLO_BAD_PROTO
    assert c("HELLO", "2", "FOO") == E.hello_syntax("FOO")
    assert c("HELLO", "2", "SETNAME") == E.hello_syntax("SETNAME")
    assert c("HELLO", "2", "SETNAME", "a b") == E.CLIENT_NAME_CHARS
    # a failed HELLO leaves the protocol unchanged (still RESP2)
    c.send("GET", "hello:missing")
    assert c._line() == b"$-1"


# ---------------------------------------------------------------- RESET


def test_reset(server, c):
    cl = RespClient(server.host, server.port)
    try:
        cid = cl("CLIENT", "ID")
        assert cl("SELECT", "3") == "OK"
        assert cl("SET", "resetkey", "in-db3") == "OK"
        assert cl("CLIENT", "SETNAME", "before-reset") == "OK"
        assert isinstance(cl("HELLO", "3"), dict)
        assert cl("RESET") == "RESET"
        assert cl("CLIENT", "GETNAME") is None
        assert cl("CLIENT", "ID") == cid
        # back to db 0 and RESP2
        assert cl("GET", "resetkey") is None
        cl.send("GET", "resetkey")
        assert cl._line() == b"$-1"
        assert cl("SELECT", "3") == "OK"
        assert cl("GET", "resetkey") == b"in-db3"
        assert cl("FLUSHDB") == "OK"
    finally:
        cl.close()


def test_reset_turns_replies_back_on(rawconn):
    conn = rawconn()
    conn.send(b"CLIENT REPLY OFF\r\nSET rk 1\r\nRESET\r\nGET rk\r\n")
    assert conn.recv_until(terminator=b"$1\r\n1\r\n") == b"+RESET\r\n$1\r\n1\r\n"


def test_reset_bytes(raw):
    assert raw(b"RESET\r\n") == b"+RESET\r\n"


# ---------------------------------------------------------------- CLIENT ID / NAME


def test_client_id(c, new_client):
    a = c("CLIENT", "ID")
    assert isinstance(a, int) and a > 0
    assert c("CLIENT", "ID") == a
    other = new_client()
    b = other("CLIENT", "ID")
    assert isinstance(b, int) and b > a
    assert c("CLIENT", "ID", "x") == E.arity("client|id")


def test_client_setname_getname(c):
    assert c("CLIENT", "GETNAME") is None
    assert c("CLIENT", "SETNAME", "my-conn_1") == "OK"
    assert c("CLIENT", "GETNAME") == b"my-conn_1"
    assert c("CLIENT", "SETNAME", "") == "OK"
    assert c("CLIENT", "GETNAME") is None
    assert c("CLIENT", "SETNAME", "a b") == E.CLIENT_NAME_CHARS
    assert c("CLIENT", "SETNAME", "a\nb") == E.CLIENT_NAME_CHARS
    assert c("CLIENT", "GETNAME") is None
    assert c("CLIENT", "SETNAME") == E.arity("client|setname")
    assert c("CLIENT", "GETNAME", "x") == E.arity("client|getname")


def test_client_errors(c):
    assert c("CLIENT") == E.arity("client")
    assert c("CLIENT", "foo") == E.unknown_subcommand("foo", "CLIENT")
    assert c("CLIENT", "FOO") == E.unknown_subcommand("FOO", "CLIENT")


# ---------------------------------------------------------------- CLIENT LIST / INFO

ORDERED_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "cmd"]


def parse_client_line(line):
    assert isinstance(line, bytes)
    text = line.decode()
    fields = []
    for tok in text.split(" "):
        assert "=" in tok, "malformed field %r in %r" % (tok, text)
        k, v = tok.split("=", 1)
        fields.append((k, v))
    keys = [k for k, _ in fields]
    for f in ORDERED_FIELDS:
        assert f in keys, "field %s= missing in %r" % (f, text)
    positions = [keys.index(f) for f in ORDERED_FIELDS]
    assert positions == sorted(positions), "fields out of order in %r" % text
    assert keys[0] == "id"
    d = dict(fields)
    assert re.fullmatch(r"[1-9]\d*", d["id"])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", d["addr"])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", d["laddr"])
    assert re.fullmatch(r"-?\d+", d["fd"])
    assert re.fullmatch(r"\d+", d["age"])
    assert re.fullmatch(r"\d+", d["idle"])
    assert re.fullmatch(r"[A-Za-z]+", d["flags"])
    assert re.fullmatch(r"\d+", d["db"])
    assert d["cmd"] != ""
    return d


def test_client_info(server, c):
    cid = c("CLIENT", "ID")
    assert c("CLIENT", "SETNAME", "info-test") == "OK"
    assert c("SELECT", "2") == "OK"
    info = c("CLIENT", "INFO")
    assert isinstance(info, bytes) and info.endswith(b"\n") and info.count(b"\n") == 1
    d = parse_client_line(info[:-1])
    assert d["id"] == str(cid)
    assert d["name"] == "info-test"
    assert d["db"] == "2"
    assert d["laddr"] == "127.0.0.1:%d" % server.port
    assert d["flags"] == "N"
    assert d["cmd"].startswith("client")
    local_port = c.sock.getsockname()[1]
    assert d["addr"] == "127.0.0.1:%d" % local_port
    assert c("CLIENT", "INFO", "x") == E.arity("client|info")


def test_client_info_resp3_is_verbatim(r3):
    info = r3("CLIENT", "INFO")
    assert isinstance(info, bytes)
    assert getattr(info, "fmt", None) == b"txt"
    assert info.startswith(b"id=")


def test_client_list(server, c, new_client):
    other = new_client()
    assert other("CLIENT", "SETNAME", "list-other") == "OK"
    assert c("CLIENT", "SETNAME", "list-me") == "OK"
    my_id, other_id = c("CLIENT", "ID"), other("CLIENT", "ID")
    out = c("CLIENT", "LIST")
    assert isinstance(out, bytes) and out.endswith(b"\n")
    lines = out[:-1].split(b"\n")
    parsed = [parse_client_line(line) for line in lines]
    by_id = {int(d["id"]): d for d in parsed}
    assert len(by_id) == len(parsed), "duplicate ids in CLIENT LIST"
    assert by_id[my_id]["name"] == "list-me"
    assert by_id[other_id]["name"] == "list-other"
    for d in parsed:
        assert d["laddr"] == "127.0.0.1:%d" % server.port


def test_client_list_by_id(c, new_client):
    other = new_client()
    my_id, other_id = c("CLIENT", "ID"), other("CLIENT", "ID")
    out = c("CLIENT", "LIST", "ID", str(other_id))
    lines = out[:-1].split(b"\n")
    assert len(lines) == 1
    assert parse_client_line(lines[0])["id"] == str(other_id)
    out = c("CLIENT", "LIST", "ID", str(my_id), str(other_id))
    ids = sorted(int(parse_client_line(line)["id"]) for line in out[:-1].split(b"\n"))
    assert ids == sorted([my_id, other_id])
    assert c("CLIENT", "LIST", "ID", "abc") == E.CLIENT_LIST_BAD_ID
    assert c("CLIENT", "LIST", "foo") == E.SYNTAX


# ---------------------------------------------------------------- CLIENT KILL


def _addr_of(cl):
    info = cl("CLIENT", "INFO")
    return parse_client_line(info[:-1])["addr"]


def test_client_kill_by_id(c, new_client):
    victim = new_client()
    vid = victim("CLIENT", "ID")
    assert c("CLIENT", "KILL", "ID", str(vid)) == 1
    assert victim.is_closed()
    assert c("CLIENT", "KILL", "ID", str(vid)) == 0
    assert c("CLIENT", "KILL", "ID", "999999999") == 0
    assert c("CLIENT", "KILL", "ID", "abc") == E.CLIENT_ID_NOT_POSITIVE
    assert c("CLIENT", "KILL", "ID", "0") == E.CLIENT_ID_NOT_POSITIVE
    assert c("PING") == "PONG"


def test_client_kill_skipme(c, new_client):
    me = c("CLIENT", "ID")
    # SKIPME defaults to yes: the caller is not killed
    assert c("CLIENT", "KILL", "ID", str(me)) == 0
    assert c("PING") == "PONG"
    assert c("CLIENT", "KILL", "ID", str(me), "SKIPME", "yes") == 0
    assert c("CLIENT", "KILL", "SKIPME", "maybe") == E.SYNTAX
    victim = new_client()
    vid = victim("CLIENT", "ID")
    assert victim("CLIENT", "KILL", "ID", str(vid), "SKIPME", "no") == 1
    assert victim.is_closed()


def test_client_kill_by_addr(c, new_client):
    victim = new_client()
    addr = _addr_of(victim)
    assert c("CLIENT", "KILL", "ADDR", addr) == 1
    assert victim.is_closed()
    assert c("CLIENT", "KILL", "ADDR", addr) == 0
    assert c("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0


def test_client_kill_old_form(c, new_client):
    victim = new_client()
    addr = _addr_of(victim)
    assert c("CLIENT", "KILL", addr) == "OK"
    assert victim.is_closed()
    assert c("CLIENT", "KILL", addr) == E.NO_SUCH_CLIENT
    assert c("CLIENT", "KILL", "1.2.3.4:5") == E.NO_SUCH_CLIENT
    assert c("CLIENT", "KILL", "FOO", "bar") == E.SYNTAX


def test_killed_client_does_not_disturb_others(c, new_client):
    victims = [new_client() for _ in range(5)]
    for v in victims:
        assert c("CLIENT", "KILL", "ID", str(v("CLIENT", "ID"))) == 1
    for v in victims:
        assert v.is_closed()
    assert c("SET", "after-kill", "1") == "OK"
    assert c("GET", "after-kill") == b"1"


# ---------------------------------------------------------------- CLIENT NO-EVICT / REPLY


def test_client_no_evict(c):
    assert c("CLIENT", "NO-EVICT", "on") == "OK"
    assert c("CLIENT", "NO-EVICT", "OFF") == "OK"
    assert c("CLIENT", "NO-EVICT", "maybe") == E.SYNTAX
    assert c("CLIENT", "NO-EVICT") == E.arity("client|no-evict")


def test_client_reply_off_on(rawconn, c):
    conn = rawconn()
    conn.send(b"CLIENT REPLY OFF\r\nSET rk v1\r\nGET rk\r\nPING\r\nCLIENT REPLY ON\r\nGET rk\r\n")
    assert conn.recv_until(terminator=b"$2\r\nv1\r\n") == b"+OK\r\n$2\r\nv1\r\n"
    assert c("GET", "rk") == b"v1"


def test_client_reply_skip(rawconn):
    conn = rawconn()
    conn.send(b"CLIENT REPLY SKIP\r\nSET rk v2\r\nGET rk\r\n")
    assert conn.recv_until(terminator=b"$2\r\nv2\r\n") == b"$2\r\nv2\r\n"
    # SKIP only affects the one next command
    conn.send(b"PING\r\n")
    assert conn.recv_until(terminator=b"\r\n") == b"+PONG\r\n"


def test_client_reply_errors(c):
    assert c("CLIENT", "REPLY", "maybe") == E.SYNTAX
    assert c("CLIENT", "REPLY") == E.arity("client|reply")
    assert c("CLIENT", "REPLY", "ON") == "OK"


def test_client_reply_off_suppresses_errors_too(rawconn):
    conn = rawconn()
    conn.send(b"CLIENT REPLY OFF\r\nNOSUCHCMD\r\nGET\r\nCLIENT REPLY ON\r\nPING\r\n")
    assert conn.recv_until(terminator=b"+PONG\r\n") == b"+OK\r\n+PONG\r\n"


@pytest.mark.parametrize("cmd", [b"CLIENT SETNAME x y\r\n", b"CLIENT KILL\r\n"])
def test_client_bad_arity_bytes(raw, cmd):
    out = raw(cmd)
    assert out.startswith(b"-ERR ") and out.endswith(b"\r\n")
    assert not raw.closed


def test_many_connections(server, c):
    clients = []
    try:
        for _ in range(50):
            clients.append(RespClient(server.host, server.port))
        ids = set()
        for i, cl in enumerate(clients):
            assert cl("SET", "conn:%d" % i, str(i)) == "OK"
            ids.add(cl("CLIENT", "ID"))
        assert len(ids) == 50
        for i, cl in enumerate(clients):
            assert cl("GET", "conn:%d" % i) == str(i).encode()
        info = c("INFO", "clients")
        m = re.search(rb"connected_clients:(\d+)", info)
        assert m and int(m.group(1)) >= 51
    finally:
        for cl in clients:
            cl.close()

