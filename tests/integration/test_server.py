"""Server commands: INFO, DBSIZE, FLUSHDB/FLUSHALL, TIME, COMMAND, CONFIG, DEBUG, SHUTDOWN."""

import re
import time

import pytest

import shoal_errors as E
from shoal_info import parse as info_fields
from shoal_resp import ConnectionClosed, Err, RespClient


def info_sections(text):
    return re.findall(rb"^# (\w+)\r$", text, re.M)


# ---------------------------------------------------------------- INFO


def test_info_default_sections(c):
    info = c("INFO")
    assert isinstance(info, bytes)
    assert info.startswith(b"# Server\r\n")
    assert info.endswith(b"\r\n")
    assert b"\n" not in info.replace(b"\r\n", b"")
    secs = info_sections(info)
    for s in [b"Server", b"Clients", b"Memory", b"Stats", b"Keyspace"]:
        assert s in secs
    f = info_fields(info)
    assert re.fullmatch(r"\d+\.\d+\.\d+", f["redis_version"])
    assert int(f["connected_clients"]) >= 1
    assert int(f["used_memory"]) > 0
    assert int(f["total_commands_processed"]) >= 1
    assert f["tcp_port"] == str(c.port)
    assert re.fullmatch(r"\d+", f["uptime_in_seconds"])


@pytest.mark.parametrize("section,header,field", [
    ("server", b"# Server", "redis_version"),
    ("clients", b"# Clients", "connected_clients"),
    ("memory", b"# Memory", "used_memory"),
    ("stats", b"# Stats", "total_commands_processed"),
    ("keyspace", b"# Keyspace", None),
    ("commandstats", b"# Commandstats", None),
])
def test_info_single_section(c, section, header, field):
    for name in (section, section.upper()):
        info = c("INFO", name)
        assert info.startswith(header + b"\r\n")
        assert len(info_sections(info)) == 1
        if field:
            assert field in info_fields(info)


def test_info_multiple_sections(c):
    info = c("INFO", "server", "clients")
    assert info_sections(info) == [b"Server", b"Clients"]


def test_info_unknown_section_is_empty(c):
    assert c("INFO", "nosuchsection") == b""


def test_info_keyspace(c):
    assert c("INFO", "keyspace") == b"# Keyspace\r\n"
    assert c("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c("EXPIRE", "c", "1000") == 1
    assert c("SELECT", "5") == "OK"
    assert c("SET", "x", "1") == "OK"
    assert c("SET", "y", "1", "EX", "100") == "OK"
    info = c("INFO", "keyspace")
    lines = info.split(b"\r\n")
    assert lines[0] == b"# Keyspace"
    assert re.fullmatch(rb"db0:keys=3,expires=1,avg_ttl=\d+", lines[1])
    assert re.fullmatch(rb"db5:keys=2,expires=1,avg_ttl=\d+", lines[2])
    assert lines[3:] == [b""]
    assert c("FLUSHALL") == "OK"
    assert c("INFO", "keyspace") == b"# Keyspace\r\n"


def _connected_clients(c):
    return int(info_fields(c("INFO", "clients"))["connected_clients"])


def _wait_clients(c, want, timeout=10.0):
    deadline = time.time() + timeout
    now = _connected_clients(c)
    while now != want and time.time() < deadline:
        time.sleep(0.05)
        now = _connected_clients(c)
    return now


def test_info_clients_counts_connections(server, c):
    # let connections closed by earlier tests go away first: the count unchanged for 0.25 s
    base = _connected_clients(c)
    steady = 0
    for _ in range(120):
        time.sleep(0.05)
        again = _connected_clients(c)
        steady = steady + 1 if again == base else 0
        base = again
        if steady == 5:
            break
    extra = [RespClient(server.host, server.port) for _ in range(3)]
    try:
        for e in extra:
            assert e("PING") == "PONG"
        assert _wait_clients(c, base + 3) == base + 3
    finally:
        for e in extra:
            e.close()
    assert _wait_clients(c, base) == base


def test_info_stats_total_commands(c):
    before = int(info_fields(c("INFO", "stats"))["total_commands_processed"])
    for _ in range(10):
        c("PING")
    after = int(info_fields(c("INFO", "stats"))["total_commands_processed"])
    assert after >= before + 10


CMDSTAT_RE = (rb"cmdstat_%s:calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),"
              rb"rejected_calls=(\d+),failed_calls=(\d+)")


def test_info_commandstats_and_resetstat(c):
    assert c("CONFIG", "RESETSTAT") == "OK"
    info = c("INFO", "commandstats")
    assert b"cmdstat_set:" not in info
    assert c("SET", "a", "1") == "OK"
    assert c("SET", "a", "2") == "OK"
    assert c("SET", "a", "2", "foo") == E.SYNTAX          # failed call
    assert c("SET", "a") == E.arity("set")                # rejected call
    assert c("GET", "a") == b"2"
    info = c("INFO", "commandstats")
    assert info.startswith(b"# Commandstats\r\n")
    m = re.search(CMDSTAT_RE % b"set", info)
    assert m, info
    calls, usec, per_call, rejected, failed = m.groups()
    assert int(calls) == 3
    assert int(rejected) == 1
    assert int(failed) == 1
    assert float(per_call) >= 0
    m = re.search(CMDSTAT_RE % b"get", info)
    assert m and int(m.group(1)) == 1 and m.group(4) == b"0" and m.group(5) == b"0"
    assert c("CONFIG", "RESETSTAT") == "OK"
    stats = info_fields(c("INFO", "stats"))
    assert int(stats["total_commands_processed"]) <= 2
    assert b"cmdstat_set:" not in c("INFO", "commandstats")
    assert c("CONFIG", "RESETSTAT", "x") == E.arity("config|resetstat")


def test_info_resp3_is_verbatim(r3):
    info = r3("INFO", "server")
    assert getattr(info, "fmt", None) == b"txt"
    assert info.startswith(b"# Server\r\n")


# ---------------------------------------------------------------- DBSIZE / FLUSH*


def test_dbsize(c):
    assert c("DBSIZE") == 0
    assert c("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c("DBSIZE") == 3
    assert c("DEL", "a") == 1
    assert c("DBSIZE") == 2
    assert c("DBSIZE", "x") == E.arity("dbsize")


@pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC", "async", "sync"])
def test_flushdb(c, mode):
    assert c("MSET", "a", "1", "b", "2") == "OK"
    assert c("SELECT", "1") == "OK"
    assert c("SET", "a", "other-db") == "OK"
    args = ["FLUSHDB"] + ([mode] if mode else [])
    assert c(*args) == "OK"
    assert c("DBSIZE") == 0
    assert c("SELECT", "0") == "OK"
    assert c("DBSIZE") == 2


@pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC"])
def test_flushall(c, mode):
    for db in range(4):
        assert c("SELECT", str(db)) == "OK"
        assert c("MSET", "a", "1", "b", "2") == "OK"
    args = ["FLUSHALL"] + ([mode] if mode else [])
    assert c(*args) == "OK"
    for db in range(4):
        assert c("SELECT", str(db)) == "OK"
        assert c("DBSIZE") == 0


def test_flush_errors(c):
    assert c("FLUSHALL", "foo") == E.SYNTAX
    assert c("FLUSHDB", "foo") == E.SYNTAX
    assert c("FLUSHDB", "ASYNC", "SYNC") == E.SYNTAX


def test_flushall_many_keys(c):
    c.pipeline([("SET", "fk:%d" % i, "v") for i in range(2000)])
    assert c("DBSIZE") == 2000
    assert c("FLUSHALL", "ASYNC") == "OK"
    assert c("DBSIZE") == 0
    assert c("GET", "fk:1") is None


# ---------------------------------------------------------------- TIME


def test_time(c):
    t = c("TIME")
    assert isinstance(t, list) and len(t) == 2
    assert re.fullmatch(rb"\d+", t[0]) and re.fullmatch(rb"\d+", t[1])
    assert abs(int(t[0]) - time.time()) < 5
    assert 0 <= int(t[1]) < 1000000
    t2 = c("TIME")
    assert (int(t2[0]), int(t2[1])) >= (int(t[0]), int(t[1]))
    assert c("TIME", "x") == E.arity("time")


# ---------------------------------------------------------------- COMMAND


def test_command_count(c):
    n = c("COMMAND", "COUNT")
    assert isinstance(n, int) and n > 50


def test_command_info_get(c):
    reply = c("COMMAND", "INFO", "get")
    assert isinstance(reply, list) and len(reply) == 1
    entry = reply[0]
    assert entry[0] == b"get"
    assert entry[1] == 2
    assert "readonly" in entry[2] and "fast" in entry[2]
    assert entry[3:6] == [1, 1, 1]


def test_command_info_others(c):
    reply = c("COMMAND", "INFO", "SET", "nosuchcommand", "mset", "ping")
    assert len(reply) == 4
    s, missing, ms, ping = reply
    assert s[0] == b"set" and s[1] == -3 and "write" in s[2] and s[3:6] == [1, 1, 1]
    assert missing is None
    assert ms[0] == b"mset" and ms[1] == -3 and "write" in ms[2] and ms[3:6] == [1, -1, 2]
    assert ping[0] == b"ping" and ping[1] == -1 and ping[3:6] == [0, 0, 0]


def test_command_info_unknown(c):
    assert c("COMMAND", "INFO", "nosuchcommand") == [None]


def test_command_list(c):
    names = c("COMMAND", "LIST")
    assert isinstance(names, list)
    for n in [b"get", b"set", b"mset", b"mget", b"del", b"incr", b"ping", b"command"]:
        assert n in names
    assert all(n == n.lower() for n in names)
    assert len(names) == len(set(names))


def test_command_docs_is_map(r3):
    docs = r3("COMMAND", "DOCS", "get")
    assert isinstance(docs, dict)
    assert list(docs.keys()) == [b"get"]
    assert isinstance(docs[b"get"], dict)
    assert b"summary" in docs[b"get"]
    assert r3("COMMAND", "DOCS", "nosuchcommand") == {}


def test_command_docs_resp2(c):
    docs = c("COMMAND", "DOCS", "get")
    assert isinstance(docs, list) and len(docs) == 2 and docs[0] == b"get"
    assert isinstance(docs[1], list) and b"summary" in docs[1][0::2]


@pytest.mark.parametrize("args,keys", [
    (["set", "a", "b"], [b"a"]),
    (["get", "a"], [b"a"]),
    (["mset", "a", "1", "b", "2"], [b"a", b"b"]),
    (["mget", "x", "y", "z"], [b"x", b"y", b"z"]),
    (["del", "a", "b", "c"], [b"a", b"b", b"c"]),
    (["rename", "a", "b"], [b"a", b"b"]),
    (["copy", "a", "b"], [b"a", b"b"]),
    (["bitop", "and", "dest", "s1", "s2"], [b"dest", b"s1", b"s2"]),
    (["lcs", "k1", "k2"], [b"k1", b"k2"]),
    (["SET", "KeY", "v", "EX", "10"], [b"KeY"]),
])
def test_command_getkeys(c, args, keys):
    assert c("COMMAND", "GETKEYS", *args) == keys


def test_command_getkeys_errors(c):
    assert c("COMMAND", "GETKEYS", "ping") == E.arity("command|getkeys")
    assert c("COMMAND", "GETKEYS", "ping", "x") == E.GETKEYS_NO_KEYS
    assert c("COMMAND", "GETKEYS", "nosuchcommand", "a") == E.GETKEYS_INVALID_COMMAND
    assert c("COMMAND", "GETKEYS", "set", "a") == E.GETKEYS_BAD_ARGS
    assert c("COMMAND", "GETKEYS", "get", "a", "b") == E.GETKEYS_BAD_ARGS
    assert c("COMMAND", "GETKEYS", "get") == E.arity("command|getkeys")
    assert c("COMMAND", "NOSUCHSUB") == E.unknown_subcommand("NOSUCHSUB", "COMMAND")


# ---------------------------------------------------------------- CONFIG


def config_dict(reply):
    if isinstance(reply, dict):
        return reply
    assert isinstance(reply, list) and len(reply) % 2 == 0
    return dict(zip(reply[0::2], reply[1::2]))


def test_config_get_defaults(server, c):
    expected = {
        b"port": str(server.port).encode(),
        b"bind": b"127.0.0.1",
        b"databases": b"16",
        b"maxmemory": b"0",
        b"maxmemory-policy": b"noeviction",
        b"proto-max-bulk-len": b"536870912",
        b"client-query-buffer-limit": b"1073741824",
        b"loglevel": b"warning",
        b"hz": b"10",
        b"timeout": b"0",
    }
    for name, value in expected.items():
        assert c("CONFIG", "GET", name) == [name, value]
    # parameter names are case-insensitive (Redis echoes the name as given)
    name, value = c("CONFIG", "GET", "PORT")
    assert name.lower() == b"port" and value == str(server.port).encode()


def test_config_get_multiple(server, c):
    d = config_dict(c("CONFIG", "GET", "port", "databases"))
    assert d == {b"port": str(server.port).encode(), b"databases": b"16"}


def test_config_get_glob(server, c):
    d = config_dict(c("CONFIG", "GET", "maxmemory*"))
    assert d[b"maxmemory"] == b"0"
    assert d[b"maxmemory-policy"] == b"noeviction"
    assert all(k.startswith(b"maxmemory") for k in d)
    assert config_dict(c("CONFIG", "GET", "p?rt")) == {b"port": str(server.port).encode()}
    assert config_dict(c("CONFIG", "GET", "max*-policy")) == {b"maxmemory-policy": b"noeviction"}
    assert config_dict(c("CONFIG", "GET", "databas[e]s")) == {b"databases": b"16"}
    assert c("CONFIG", "GET", "nosuchparam*") == []
    assert c("CONFIG", "GET", "nosuchparam") == []


def test_config_get_resp3_map(server, r3):
    assert r3("CONFIG", "GET", "port") == {b"port": str(server.port).encode()}


def test_config_get_errors(c):
    assert c("CONFIG", "GET") == E.arity("config|get")
    assert c("CONFIG") == E.arity("config")
    assert c("CONFIG", "foo") == E.unknown_subcommand("foo", "CONFIG")


def test_config_set_roundtrip(c):
    try:
        assert c("CONFIG", "SET", "hz", "20") == "OK"
        assert c("CONFIG", "GET", "hz") == [b"hz", b"20"]
        assert c("CONFIG", "SET", "tcp-keepalive", "60") == "OK"
        assert c("CONFIG", "GET", "tcp-keepalive") == [b"tcp-keepalive", b"60"]
        assert c("CONFIG", "SET", "TCP-KEEPALIVE", "120") == "OK"
        assert c("CONFIG", "GET", "tcp-keepalive") == [b"tcp-keepalive", b"120"]
        assert c("CONFIG", "SET", "timeout", "300") == "OK"
        assert c("CONFIG", "GET", "timeout") == [b"timeout", b"300"]
        assert c("CONFIG", "SET", "loglevel", "notice") == "OK"
        assert c("CONFIG", "GET", "loglevel") == [b"loglevel", b"notice"]
        # several parameters at once
        assert c("CONFIG", "SET", "hz", "15", "timeout", "0") == "OK"
        assert c("CONFIG", "GET", "hz") == [b"hz", b"15"]
        assert c("CONFIG", "GET", "timeout") == [b"timeout", b"0"]
    finally:
        c("CONFIG", "SET", "hz", "10")
        c("CONFIG", "SET", "tcp-keepalive", "300")
        c("CONFIG", "SET", "timeout", "0")
        c("CONFIG", "SET", "loglevel", "warning")
    assert c("CONFIG", "GET", "hz") == [b"hz", b"10"]


def test_config_set_memory_units(c):
    name = "client-query-buffer-limit"
    try:
        assert c("CONFIG", "SET", name, "10mb") == "OK"
        assert c("CONFIG", "GET", name) == [name.encode(), b"10485760"]
        assert c("CONFIG", "SET", name, "1gb") == "OK"
        assert c("CONFIG", "GET", name) == [name.encode(), b"1073741824"]
        assert c("CONFIG", "SET", name, "2000k") == "OK"
        assert c("CONFIG", "GET", name) == [name.encode(), b"2000000"]
    finally:
        c("CONFIG", "SET", name, "1gb")
    assert c("CONFIG", "GET", name) == [name.encode(), b"1073741824"]


def test_config_eviction_settings_round_trip(c):
    try:
        assert c("CONFIG", "SET", "maxmemory", "4gb") == "OK"
        assert c("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"4294967296"]
        for policy in E.MAXMEMORY_POLICY_CHOICES.split(", "):
            assert c("CONFIG", "SET", "maxmemory-policy", policy) == "OK"
            assert c("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy",
                                                              policy.encode()]
    finally:
        assert c("CONFIG", "SET", "maxmemory", "0") == "OK"
        assert c("CONFIG", "SET", "maxmemory-policy", "noeviction") == "OK"
    assert c("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]


def test_config_set_errors(c):
    assert c("CONFIG", "SET", "nosuchparam", "1") == E.config_set_unknown("nosuchparam")
    assert c("CONFIG", "SET", "hz", "abc") == E.config_set_not_int("hz")
    assert c("CONFIG", "SET", "loglevel", "bad") == E.config_set_enum(
        "loglevel", E.LOGLEVEL_CHOICES)
    assert c("CONFIG", "SET", "maxmemory-policy", "bad") == E.config_set_enum(
        "maxmemory-policy", E.MAXMEMORY_POLICY_CHOICES)
    assert c("CONFIG", "SET", "hz") == E.arity("config|set")
    assert c("CONFIG", "GET", "hz") == [b"hz", b"10"]
    assert c("CONFIG", "GET", "loglevel") == [b"loglevel", b"warning"]


# ---------------------------------------------------------------- DEBUG


def test_debug_sleep_zero(c):
    assert c("DEBUG", "SLEEP", "0") == "OK"
    assert c("PING") == "PONG"


def test_debug_unsupported_subcommand(c):
    reply = c("DEBUG", "NOSUCHSUBCOMMAND", "x")
    assert isinstance(reply, Err) and reply.startswith("ERR")
    assert c("PING") == "PONG"


# ---------------------------------------------------------------- SHUTDOWN


def test_shutdown_nosave(spawn_server):
    h = spawn_server()
    cl = h.client()
    try:
        assert cl("SET", "k", "v") == "OK"
        assert cl("SHUTDOWN", "foo") == E.SYNTAX
        assert cl("PING") == "PONG"
        cl.send("SHUTDOWN", "NOSAVE")
        cl.settimeout(10)
        with pytest.raises((ConnectionClosed, ConnectionResetError)):
            cl.read()
    finally:
        cl.close()
    rc = h.wait_exit(10)
    assert rc == 0, "server did not exit cleanly after SHUTDOWN NOSAVE (rc=%r)" % rc


def test_shutdown_plain(spawn_server):
    h = spawn_server()
    cl = h.client()
    try:
        cl.send("SHUTDOWN")
        with pytest.raises((ConnectionClosed, ConnectionResetError)):
            cl.read()
    finally:
        cl.close()
    assert h.wait_exit(10) == 0


def test_sigterm_exits_cleanly(spawn_server):
    h = spawn_server()
    cl = h.client()
    assert cl("SET", "k", "v") == "OK"
    cl.close()
    assert h.stop() is None
