"""Startup configuration: redis.conf-syntax file as first argument, command-line
options, and rejection of unknown/invalid options."""

import time

import shoal_errors as E
from conftest import free_port


def write_conf(path, text):
    path.write_text(text)
    return str(path)


def test_config_file_is_applied(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "shoal.conf", """\
# Shoal test configuration
# (comments and blank lines are ignored)

port %d
databases 8
tcp-keepalive "77"
   hz 15
PROTO-MAX-BULK-LEN 2mb
timeout '300'
""" % port)
    h = spawn_server(conf=conf, pass_port=False, port=port)
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "port") == [b"port", str(port).encode()]
        assert cl("CONFIG", "GET", "databases") == [b"databases", b"8"]
        assert cl("CONFIG", "GET", "tcp-keepalive") == [b"tcp-keepalive", b"77"]
        assert cl("CONFIG", "GET", "hz") == [b"hz", b"15"]
        assert cl("CONFIG", "GET", "proto-max-bulk-len") == [b"proto-max-bulk-len", b"2097152"]
        assert cl("CONFIG", "GET", "timeout") == [b"timeout", b"300"]
        assert cl("SELECT", "7") == "OK"
        assert cl("SELECT", "8") == E.DB_OUT_OF_RANGE
        assert cl("SET", "k", "v") == "OK"
        assert cl("GET", "k") == b"v"
    finally:
        cl.close()


def test_command_line_overrides_config_file(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "override.conf",
                      "port %d\ndatabases 8\nhz 15\n" % port)
    h = spawn_server("--databases", "6", conf=conf, pass_port=False, port=port)
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "databases") == [b"databases", b"6"]
        assert cl("CONFIG", "GET", "hz") == [b"hz", b"15"]
        assert cl("SELECT", "5") == "OK"
        assert cl("SELECT", "6") == E.DB_OUT_OF_RANGE
    finally:
        cl.close()


def test_command_line_options(spawn_server):
    h = spawn_server("--hz", "20", "--loglevel", "verbose", "--timeout", "0")
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "hz") == [b"hz", b"20"]
        assert cl("CONFIG", "GET", "loglevel") == [b"loglevel", b"verbose"]
        assert cl("CONFIG", "GET", "port") == [b"port", str(h.port).encode()]
    finally:
        cl.close()


def _expect_startup_failure(spawn_server, **kw):
    h = spawn_server(wait=False, **kw)
    t0 = time.time()
    rc = h.wait_exit(20)
    if rc is None:
        h.proc.kill()
        h.proc.wait(timeout=10)
        raise AssertionError("server with a bad configuration kept running for 20s")
    assert rc != 0, "server with a bad configuration exited with code 0"
    assert time.time() - t0 < 20
    return rc


def test_unknown_option_in_config_file_fails(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "bad.conf",
                      "port %d\nnosuchoption yes\n" % port)
    _expect_startup_failure(spawn_server, conf=conf, pass_port=False, port=port)


def test_invalid_value_in_config_file_fails(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "badval.conf",
                      "port %d\ndatabases notanumber\n" % port)
    _expect_startup_failure(spawn_server, conf=conf, pass_port=False, port=port)


def test_unknown_option_on_command_line_fails(spawn_server):
    h = spawn_server("--nosuchoption", "yes", wait=False)
    rc = h.wait_exit(20)
    if rc is None:
        h.proc.kill()
        h.proc.wait(timeout=10)
        raise AssertionError("server with an unknown option kept running for 20s")
    assert rc != 0


def test_missing_config_file_fails(spawn_server):
    missing = str(spawn_server.tmp_path / "does-not-exist.conf")
    _expect_startup_failure(spawn_server, conf=missing)


def test_spawned_server_is_independent(server, spawn_server, c):
    h = spawn_server()
    cl = h.client()
    try:
        assert cl("SET", "only-here", "1") == "OK"
        assert c("EXISTS", "only-here") == 0
        assert cl("DBSIZE") == 1
    finally:
        cl.close()
    assert h.port != server.port


# ---------------------------------------------------------------- list-compress-depth
# Redis 7.0: an integer 0..INT_MAX, default 0, modifiable at run time. Shoal accepts and reports
# it but does not compress quicklist nodes (see the README's configuration table).

def _depth_range_error():
    return ("ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
            "argument must be between 0 and 2147483647 inclusive")


def test_list_compress_depth_config_set_get(c):
    assert c("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"0"]
    try:
        assert c("CONFIG", "SET", "list-compress-depth", "3") == "OK"
        assert c("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"3"]
        assert c("CONFIG", "GET", "list-comp*") == [b"list-compress-depth", b"3"]
        assert c("CONFIG", "SET", "LIST-COMPRESS-DEPTH", "2147483647") == "OK"
        assert c("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth",
                                                            b"2147483647"]
        for bad in ("-1", "2147483648", "-9223372036854775808", "99999999999999999999"):
            assert c("CONFIG", "SET", "list-compress-depth", bad) in (
                _depth_range_error(), E.config_set_not_int("list-compress-depth")), bad
        assert c("CONFIG", "SET", "list-compress-depth", "-1") == _depth_range_error()
        assert c("CONFIG", "SET", "list-compress-depth", "2147483648") == _depth_range_error()
        for bad in ("abc", "", "1.5", "0x10", "+5", "007", " 5", "1k"):
            assert c("CONFIG", "SET", "list-compress-depth", bad) == \
                E.config_set_not_int("list-compress-depth"), bad
        # A failed multi-parameter CONFIG SET changes nothing.
        assert c("CONFIG", "SET", "list-compress-depth", "9", "hz", "abc") == \
            E.config_set_not_int("hz")
        assert c("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth",
                                                            b"2147483647"]
        assert c("CONFIG", "SET", "list-compress-depth", "0") == "OK"
        assert c("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"0"]
    finally:
        assert c("CONFIG", "SET", "list-compress-depth", "0") == "OK"


def test_lists_work_with_any_compress_depth(c):
    try:
        for depth in ("1", "2", "0"):
            assert c("CONFIG", "SET", "list-compress-depth", depth) == "OK"
            c("DEL", "l")
            values = [("v%d-" % i + "x" * 100).encode() for i in range(2000)]
            for i in range(0, len(values), 500):
                assert c("RPUSH", "l", *values[i:i + 500]) == i + 500
            assert c("LRANGE", "l", 0, -1) == values
            assert c("LINDEX", "l", 1000) == values[1000]
            assert c("LSET", "l", 1000, "mid") == "OK"
            assert c("LINSERT", "l", "BEFORE", "mid", "new") == 2001
            assert c("LRANGE", "l", 999, 1002) == [values[999], b"new", b"mid", values[1001]]
    finally:
        assert c("CONFIG", "SET", "list-compress-depth", "0") == "OK"


def test_list_compress_depth_from_file_and_command_line(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "depth.conf",
                      "port %d\nlist-compress-depth 2\n" % port)
    h = spawn_server(conf=conf, pass_port=False, port=port)
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"2"]
    finally:
        cl.close()
    h = spawn_server("--list-compress-depth", "5")
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"5"]
    finally:
        cl.close()


def test_bad_list_compress_depth_at_startup_fails(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "baddepth.conf",
                      "port %d\nlist-compress-depth -1\n" % port)
    _expect_startup_failure(spawn_server, conf=conf, pass_port=False, port=port)
    h = spawn_server("--list-compress-depth", "abc", wait=False)
    rc = h.wait_exit(20)
    if rc is None:
        h.proc.kill()
        h.proc.wait(timeout=10)
        raise AssertionError("server with list-compress-depth abc kept running for 20s")
    assert rc != 0
