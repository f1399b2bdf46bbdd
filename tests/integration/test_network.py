"""Transport: protected mode, bind lists (IPv4, IPv6, optional addresses), unix sockets,
tcp-keepalive. Every test passes against redis-server 7.0 and Shoal."""
import os
import re
import shlex
import socket
import stat
import subprocess
import time

import pytest
import redis

import conftest
from conftest import HOST, free_port

SOCK_TIMEOUT = 10

DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    b"host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    b"do one of the above things in order for the server to start accepting connections from "
    b"the outside.\r\n")


def has_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback")


def from_127_0_0_2(port, send=None):
    """Connects to 127.0.0.1:port from source address 127.0.0.2 (on the loopback interface, but
    not the loopback address Redis's islocalClient accepts); returns all bytes until EOF (or
    until a reply line when the server keeps the connection)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(SOCK_TIMEOUT)
    try:
        s.bind(("127.0.0.2", 0))
        s.connect((HOST, port))
        if send:
            s.sendall(send)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            if send and data.endswith(b"\r\n"):
                break
        return data
    finally:
        s.close()


# ------------------------------------------------------------------------------ protected mode

def test_protected_mode_default_and_denied(spawn_server):
    h = spawn_server()
    r = h.redis()
    assert r.config_get("protected-mode") == {"protected-mode": "yes"}
    # The refusal is sent at once, before any command, and the connection is closed.
    assert from_127_0_0_2(h.port) == DENIED
    # 127.0.0.1 itself is served.
    assert r.ping()
    info = r.info("stats")
    assert info["rejected_connections"] >= 1


def test_protected_mode_off(spawn_server):
    h = spawn_server()
    r = h.redis()
    assert r.config_set("protected-mode", "no")
    assert from_127_0_0_2(h.port, b"PING\r\n") == b"+PONG\r\n"
    assert r.config_set("protected-mode", "yes")
    assert from_127_0_0_2(h.port) == DENIED


def test_protected_mode_off_from_command_line(spawn_server):
    h = spawn_server("--protected-mode", "no")
    assert from_127_0_0_2(h.port, b"PING\r\n") == b"+PONG\r\n"


def test_protected_mode_with_password(spawn_server):
    h = spawn_server()
    assert h.redis().config_set("requirepass", "x")
    # A password on the default user lifts protected mode: the client is asked to log in.
    assert from_127_0_0_2(h.port, b"PING\r\n").startswith(b"-NOAUTH")


# ------------------------------------------------------------------------------ bind

@needs_ipv6
def test_ipv6_clients(spawn_server):
    h = spawn_server("--bind", "127.0.0.1", "::1")
    assert h.redis().config_get("bind") == {"bind": "127.0.0.1 ::1"}
    r6 = redis.Redis(host="::1", port=h.port, socket_timeout=SOCK_TIMEOUT)
    assert r6.set("k6", "v") and r6.get("k6") == b"v"
    r6.client_setname("six")
    line = [c for c in r6.client_list() if c["name"] == "six"][0]
    assert re.fullmatch(r"\[::1\]:\d+", line["addr"])
    assert line["laddr"] == "[::1]:%d" % h.port
    # ::1 is the loopback address: protected mode serves it.
    assert r6.config_get("protected-mode") == {"protected-mode": "yes"}


@needs_ipv6
def test_bind_one_argument_is_split(spawn_server):
    h = spawn_server("--bind", "127.0.0.1 -::1")
    assert h.redis().config_get("bind") == {"bind": "127.0.0.1 -::1"}
    assert redis.Redis(host="::1", port=h.port, socket_timeout=SOCK_TIMEOUT).ping()


def test_bind_optional_address_skipped(spawn_server):
    # 192.0.2.1 (TEST-NET-1) is not on this host: optional, it is skipped with a log line.
    h = spawn_server("--bind", "127.0.0.1", "-192.0.2.1", "--loglevel", "notice")
    assert h.redis().ping()
    assert h.redis().config_get("bind") == {"bind": "127.0.0.1 -192.0.2.1"}
    log = h.log()
    assert ("Could not create server TCP listening socket 192.0.2.1:%d" % h.port) in log


def test_bind_mandatory_address_fails(spawn_server):
    h = spawn_server("--bind", "127.0.0.1", "192.0.2.1", wait=False)
    assert h.wait_exit(20) not in (None, 0)
    log = h.log()
    assert ("Could not create server TCP listening socket 192.0.2.1:%d" % h.port) in log
    assert ("Failed listening on port %d (TCP), aborting." % h.port) in log


def _refused(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return False
    except OSError:
        return True


def test_config_set_port(spawn_server):
    h = spawn_server()
    r = h.redis()
    new = free_port()
    assert r.config_set("port", str(new))
    assert r.ping()  # the connection made before stays
    r2 = redis.Redis(host=HOST, port=new, socket_timeout=SOCK_TIMEOUT)
    assert r2.config_get("port") == {"port": str(new)}
    assert r2.info("server")["tcp_port"] == new
    assert _refused(HOST, h.port)
    # A port that is taken: Redis's error, and the server still listens on the old one.
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        with pytest.raises(redis.exceptions.ResponseError) as e:
            r2.config_set("port", str(taken))
        assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'port') - "
                                "Unable to listen on this port. Check server logs.")
    assert r2.config_get("port") == {"port": str(new)}
    assert redis.Redis(host=HOST, port=new, socket_timeout=SOCK_TIMEOUT).ping()
    r2.config_set("port", str(h.port))  # back, for the fixture's shutdown check
    assert h.redis().ping()


@needs_ipv6
def test_config_set_bind(spawn_server):
    h = spawn_server()
    r = h.redis()
    assert _refused("::1", h.port)
    assert r.config_set("bind", "127.0.0.1 ::1")
    assert r.config_get("bind") == {"bind": "127.0.0.1 ::1"}
    assert redis.Redis(host="::1", port=h.port, socket_timeout=SOCK_TIMEOUT).ping()
    assert h.redis().ping()
    # A mandatory address this host does not have: Redis's error, the old addresses stay.
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.config_set("bind", "127.0.0.1 192.0.2.1")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'bind') - "
                            "Failed to bind to specified addresses.")
    assert r.config_get("bind") == {"bind": "127.0.0.1 ::1"}
    assert redis.Redis(host="::1", port=h.port, socket_timeout=SOCK_TIMEOUT).ping()
    assert h.redis().ping()
    # Optional: skipped.
    assert r.config_set("bind", "127.0.0.1 -192.0.2.1")
    assert _refused("::1", h.port)
    assert h.redis().ping()


def test_default_bind_all_interfaces(tmp_path):
    # Without --bind: Redis 7.0's default "* -::*" (every IPv4 address, and IPv6 when present).
    port = free_port()
    argv = conftest.server_command(port)
    i = argv.index("--bind")
    del argv[i:i + 2]
    log = open(tmp_path / "default-bind.log", "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=str(tmp_path))
    try:
        conftest.wait_for_ping(HOST, port, proc)
        r = redis.Redis(host=HOST, port=port, socket_timeout=SOCK_TIMEOUT)
        assert r.config_get("bind") == {"bind": "* -::*"}
        # 127.0.0.2 reaches the wildcard socket (and is refused by protected mode).
        s = socket.socket()
        s.settimeout(SOCK_TIMEOUT)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.2", port))
        data = s.recv(65536)
        s.close()
        assert data.startswith(b"-DENIED")
        if has_ipv6_loopback():
            assert redis.Redis(host="::1", port=port, socket_timeout=SOCK_TIMEOUT).ping()
        r.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_bind_source_addr(spawn_server):
    # Accepted and shown; it applies to outgoing connections (replication), which Shoal does
    # not make yet.
    h = spawn_server()
    r = h.redis()
    assert r.config_get("bind-source-addr") == {"bind-source-addr": ""}
    assert r.config_set("bind-source-addr", "127.0.0.1")
    assert r.config_get("bind-source-addr") == {"bind-source-addr": "127.0.0.1"}


# ------------------------------------------------------------------------------ unix sockets

def test_unix_socket(spawn_server):
    path = str(spawn_server.tmp_path / "shoal.sock")
    h = spawn_server("--unixsocket", path, "--unixsocketperm", "700")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    u = redis.Redis(unix_socket_path=path, socket_timeout=SOCK_TIMEOUT)
    assert u.set("ku", "v") and u.get("ku") == b"v"
    assert h.redis().get("ku") == b"v"
    cfg = u.config_get("unixsocket*")
    assert cfg == {"unixsocket": path, "unixsocketperm": "700"}
    u.client_setname("unixclient")
    line = [c for c in u.client_list() if c["name"] == "unixclient"][0]
    assert line["addr"] == path + ":0"
    assert line["laddr"] == path + ":0"
    assert "U" in line["flags"]
    # Blocking and pipelining work over the unix socket too.
    pipe = u.pipeline(transaction=False)
    for i in range(500):
        pipe.incr("cnt")
    assert pipe.execute()[-1] == 500
    out = subprocess.run(["redis-cli", "-s", path, "PING"], capture_output=True, text=True,
                         timeout=10)
    assert out.stdout.strip() == "PONG"
    u.close()
    # Removed at shutdown.
    assert h.stop() is None
    assert not os.path.exists(path)


def test_unix_socket_protected_mode(spawn_server):
    # A unix socket client is local: protected mode serves it.
    path = str(spawn_server.tmp_path / "p.sock")
    spawn_server("--unixsocket", path)
    u = redis.Redis(unix_socket_path=path, socket_timeout=SOCK_TIMEOUT)
    assert u.config_get("protected-mode") == {"protected-mode": "yes"}
    assert u.ping()


def test_unix_socket_stale_file_replaced(spawn_server):
    path = str(spawn_server.tmp_path / "stale.sock")
    with open(path, "w") as f:
        f.write("x")
    spawn_server("--unixsocket", path, "--unixsocketperm", "0755")
    u = redis.Redis(unix_socket_path=path, socket_timeout=SOCK_TIMEOUT)
    assert u.ping()
    assert u.config_get("unixsocketperm") == {"unixsocketperm": "755"}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755


def test_unixsocketperm_defaults(server):
    r = server.redis()
    assert r.config_get("unixsocket") == {"unixsocket": ""}
    assert r.config_get("unixsocketperm") == {"unixsocketperm": "0"}
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.config_set("unixsocketperm", "700")
    assert "can't set immutable config" in str(e.value)


def test_only_unix_socket(spawn_server):
    # port 0 and a unix socket: nothing on TCP.
    path = str(spawn_server.tmp_path / "only.sock")
    port = free_port()
    h = spawn_server("--port", "0", "--unixsocket", path, port=port, wait=False)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if redis.Redis(unix_socket_path=path, socket_timeout=2).ping():
                break
        except (redis.exceptions.ConnectionError, OSError):
            time.sleep(0.05)
    assert redis.Redis(unix_socket_path=path, socket_timeout=2).ping()
    with pytest.raises(OSError):
        socket.create_connection((HOST, port), timeout=2).close()
    assert h.alive()


def test_not_listening_anywhere(spawn_server):
    h = spawn_server("--port", "0", wait=False)
    assert h.wait_exit(20) not in (None, 0)
    assert "Configured to not listen anywhere, exiting." in h.log()


# ------------------------------------------------------------------------------ keepalive

def _server_side_timer(port, want="keepalive"):
    """ss -tino of the established connections whose local port is `port`, once every one shows
    `want` in its timer (a retransmit timer shows while a reply is unacknowledged), or after 3 s."""
    deadline = time.time() + 3
    while True:
        out = subprocess.run(["ss", "-tino", "state", "established", "( sport = :%d )" % port],
                             capture_output=True, text=True, timeout=10).stdout
        if "timer:(on" not in out or time.time() > deadline:
            return out
        time.sleep(0.05)


@pytest.mark.skipif(subprocess.run(["which", "ss"], capture_output=True).returncode != 0,
                    reason="no ss (iproute2)")
def test_tcp_keepalive(spawn_server):
    h = spawn_server("--tcp-keepalive", "60")
    r = h.redis()
    assert r.config_get("tcp-keepalive") == {"tcp-keepalive": "60"}
    assert r.ping()
    out = _server_side_timer(h.port)
    # The first probe is due after tcp-keepalive seconds (TCP_KEEPIDLE).
    m = re.search(r"timer:\(keepalive,(\d+)(?:min)?(\d*)", out)
    assert m, out
    assert re.search(r"timer:\(keepalive,(5\d|60)sec|timer:\(keepalive,1min", out), out
    # 0 disables it for new clients.
    assert r.config_set("tcp-keepalive", "0")
    r2 = h.redis()
    r2.client_setname("nokeepalive")
    assert r2.ping()
    lines = _server_side_timer(h.port)
    assert lines.count("keepalive") == 1, lines  # only the first client's socket


def test_tcp_keepalive_default(server):
    assert server.redis().config_get("tcp-keepalive") == {"tcp-keepalive": "300"}


def test_enable_protected_configs_local(spawn_server):
    # "local" is Redis's islocalClient: 127.0.0.1, ::1 and the unix socket; 127.0.0.2 is not.
    path = str(spawn_server.tmp_path / "epc.sock")
    h = spawn_server("--enable-protected-configs", "local", "--protected-mode", "no",
                     "--unixsocket", path)
    d = str(spawn_server.tmp_path)
    cmd = b"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$3\r\ndir\r\n$%d\r\n%s\r\n" % (len(d), d.encode())
    assert from_127_0_0_2(h.port, cmd) == (
        b"-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
        b"config\r\n")
    assert h.redis().config_set("dir", d)
    assert redis.Redis(unix_socket_path=path, socket_timeout=SOCK_TIMEOUT).config_set("dir", d)
