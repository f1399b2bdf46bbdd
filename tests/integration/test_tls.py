"""TLS (Redis 7.0's tls-* parameters): handshakes with redis-cli --tls and redis-py ssl=True,
client certificates (tls-auth-clients yes / optional / no), a plaintext client on the TLS port,
a TLS-only server (port 0), certificate reload through CONFIG SET, tls-protocols and an
encrypted key. The certificates are made by the `openssl` CLI in a temporary folder.

Every test passes against redis-server 7.0 (Debian's is built with TLS) and Shoal."""
import os
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import HOST, _is_shoal, free_port

shoal_only = pytest.mark.skipif(not _is_shoal(), reason="Shoal-only behaviour")

SOCK_TIMEOUT = 10


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def _signed(d, name, cn, ca="ca", ext=None):
    _openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=" + cn,
             "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
    args = ["x509", "-req", "-sha256", "-days", "2", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-in", name + ".csr", "-out", name + ".crt"]
    if ext:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        args += ["-extfile", name + ".ext"]
    _openssl(*args, cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA; two server certificates (CN Server-1 and Server-2, for 127.0.0.1); a client
    certificate; a second, untrusted CA with its own client certificate; an encrypted copy of
    the server key (password 'secret')."""
    d = str(tmp_path_factory.mktemp("certs"))
    for ca in ("ca", "otherca"):
        _openssl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256", "-days", "2",
                 "-subj", "/CN=Test " + ca, "-keyout", ca + ".key", "-out", ca + ".crt", cwd=d)
    san = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
    _signed(d, "server", "Server-1", ext=san)
    _signed(d, "server2", "Server-2", ext=san)
    _signed(d, "client", "Client-1")
    _signed(d, "rogue", "Rogue", ca="otherca")
    _openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:secret",
             "-out", "server-enc.key", cwd=d)
    return {n: os.path.join(d, n) for n in os.listdir(d)}


def tls_args(certs, port, auth=None, cert="server"):
    args = ["--tls-port", str(port), "--tls-cert-file", certs[cert + ".crt"],
            "--tls-key-file", certs[cert + ".key"], "--tls-ca-cert-file", certs["ca.crt"]]
    if auth is not None:
        args += ["--tls-auth-clients", auth]
    return args


def tls_client(certs, port, client_cert=True, **kw):
    extra = {}
    if client_cert:
        extra = dict(ssl_certfile=certs["client.crt"], ssl_keyfile=certs["client.key"])
    return redis.Redis(host=HOST, port=port, ssl=True, ssl_ca_certs=certs["ca.crt"],
                       ssl_cert_reqs="required", socket_timeout=SOCK_TIMEOUT,
                       socket_connect_timeout=SOCK_TIMEOUT, **extra, **kw)


def ssl_context(certs, client_cert=True, cert="client"):
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    if client_cert:
        ctx.load_cert_chain(certs[cert + ".crt"], certs[cert + ".key"])
    return ctx


def tls_ping_raw(certs, port, ctx=None):
    """One PING over a fresh TLS connection; returns (reply bytes, the server certificate)."""
    ctx = ctx or ssl_context(certs)
    with socket.create_connection((HOST, port), timeout=SOCK_TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"PING\r\n")
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = s.recv(100)
                if not chunk:
                    break
                data += chunk
            return data, s.getpeercert()


def subject_cn(cert):
    for rdn in cert["subject"]:
        for k, v in rdn:
            if k == "commonName":
                return v
    return None


def wait_tls(certs, port, proc, timeout=20):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        assert proc.poll() is None, "server exited during startup"
        try:
            if tls_ping_raw(certs, port)[0] == b"+PONG\r\n":
                return
        except (OSError, ssl.SSLError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError("no TLS PONG within %ss: %r" % (timeout, last))


def redis_cli(*args, timeout=10):
    return subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def tls_server(spawn_server, certs):
    """A server with plaintext and TLS side by side (tls-auth-clients yes)."""
    tport = free_port()
    h = spawn_server(*tls_args(certs, tport))
    h.tls_port = tport
    return h


def test_redis_cli_tls(tls_server, certs):
    out = redis_cli("--tls", "--cacert", certs["ca.crt"], "--cert", certs["client.crt"],
                    "--key", certs["client.key"], "-p", str(tls_server.tls_port), "PING")
    assert out.stdout.strip() == "PONG", out.stderr
    out = redis_cli("--tls", "--cacert", certs["ca.crt"], "--cert", certs["client.crt"],
                    "--key", certs["client.key"], "-p", str(tls_server.tls_port),
                    "SET", "k", "v")
    assert out.stdout.strip() == "OK"
    # The same data over plaintext on the other port.
    assert tls_server.redis().get("k") == b"v"


def test_redis_py_tls(tls_server, certs):
    r = tls_client(certs, tls_server.tls_port)
    assert r.ping()
    big = os.urandom(3 * 1024 * 1024)  # many TLS records each way
    assert r.set("big", big)
    assert r.get("big") == big
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set("k%d" % i, "v%d" % i)
        pipe.get("k%d" % i)
    res = pipe.execute()
    assert res[1::2] == [b"v%d" % i for i in range(2000)]
    assert r.mget(["k1", "k2", "nokey"]) == [b"v1", b"v2", None]
    # MULTI/EXEC and a blocking pop answered by another client.
    with r.pipeline(transaction=True) as p:
        p.incr("n").incr("n")
        assert p.execute() == [1, 2]
    r2 = tls_client(certs, tls_server.tls_port)
    r2.rpush("list", "x")
    assert r.blpop(["list"], timeout=5) == (b"list", b"x")
    r.close()
    r2.close()


def test_blocked_tls_client_sees_data(tls_server, certs):
    r = tls_client(certs, tls_server.tls_port)
    import threading
    out = {}

    def pop():
        out["v"] = r.blpop(["bl"], timeout=10)

    t = threading.Thread(target=pop)
    t.start()
    time.sleep(0.3)
    tls_server.redis().rpush("bl", "y")
    t.join(10)
    assert out["v"] == (b"bl", b"y")
    assert r.ping()


def test_client_certificate_required(tls_server, certs):
    # tls-auth-clients yes (the default): no certificate, or one from another CA, is refused.
    for kw in (dict(client_cert=False),):
        r = tls_client(certs, tls_server.tls_port, **kw)
        with pytest.raises((redis.exceptions.ConnectionError, ssl.SSLError, OSError)):
            r.ping()
    with pytest.raises((ssl.SSLError, OSError)):
        tls_ping_raw(certs, tls_server.tls_port, ssl_context(certs, cert="rogue"))
    out = redis_cli("--tls", "--cacert", certs["ca.crt"], "-p", str(tls_server.tls_port), "PING")
    assert out.stdout.strip() != "PONG"
    # The server is fine and serves a client with a certificate.
    assert tls_client(certs, tls_server.tls_port).ping()
    assert tls_server.redis().ping()


@pytest.mark.parametrize("auth", ["optional", "no"])
def test_client_certificate_optional(spawn_server, certs, auth):
    tport = free_port()
    h = spawn_server(*tls_args(certs, tport, auth=auth))
    assert tls_client(certs, tport, client_cert=False).ping()
    assert tls_client(certs, tport, client_cert=True).ping()
    assert h.redis().config_get("tls-auth-clients") == {"tls-auth-clients": auth}
    if auth == "optional":
        # A certificate is checked when given: one from an unknown CA is refused.
        with pytest.raises((ssl.SSLError, OSError)):
            tls_ping_raw(certs, tport, ssl_context(certs, cert="rogue"))
    out = redis_cli("--tls", "--cacert", certs["ca.crt"], "-p", str(tport), "PING")
    assert out.stdout.strip() == "PONG"


def test_auth_clients_set_at_runtime(tls_server, certs):
    r = tls_server.redis()
    assert r.config_set("tls-auth-clients", "no")
    assert tls_client(certs, tls_server.tls_port, client_cert=False).ping()
    assert r.config_set("tls-auth-clients", "yes")
    with pytest.raises((redis.exceptions.ConnectionError, ssl.SSLError, OSError)):
        tls_client(certs, tls_server.tls_port, client_cert=False).ping()


def test_plaintext_client_on_tls_port(tls_server, certs):
    # The handshake fails; the connection is closed; the server keeps serving.
    with socket.create_connection((HOST, tls_server.tls_port), timeout=SOCK_TIMEOUT) as s:
        s.sendall(b"PING\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        assert b"PONG" not in data
    r = redis.Redis(host=HOST, port=tls_server.tls_port, socket_timeout=SOCK_TIMEOUT)
    with pytest.raises(redis.exceptions.ConnectionError):
        r.ping()
    # Garbage and a peer that hangs up mid-handshake.
    for payload in (os.urandom(4096), b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b""):
        with socket.create_connection((HOST, tls_server.tls_port), timeout=SOCK_TIMEOUT) as s:
            if payload:
                try:
                    s.sendall(payload)
                except OSError:
                    pass
    assert tls_server.alive()
    assert tls_client(certs, tls_server.tls_port).ping()
    assert tls_server.redis().ping()


def test_tls_only_port_zero(spawn_server, certs):
    plain = free_port()
    tport = free_port()
    h = spawn_server(*tls_args(certs, tport), "--port", "0", port=plain, wait=False)
    wait_tls(certs, tport, h.proc)
    with pytest.raises(OSError):
        socket.create_connection((HOST, plain), timeout=2).close()
    r = tls_client(certs, tport)
    assert r.config_get("port") == {"port": "0"}
    assert r.config_get("tls-port") == {"tls-port": str(tport)}
    assert r.set("a", "1") and r.get("a") == b"1"


def test_certificate_reload(tls_server, certs):
    assert subject_cn(tls_ping_raw(certs, tls_server.tls_port)[1]) == "Server-1"
    old = tls_client(certs, tls_server.tls_port)
    assert old.ping()
    r = tls_server.redis()
    assert r.execute_command("CONFIG", "SET", "tls-cert-file", certs["server2.crt"],
                             "tls-key-file", certs["server2.key"]) == b"OK"
    reply, cert = tls_ping_raw(certs, tls_server.tls_port)
    assert reply == b"+PONG\r\n"
    assert subject_cn(cert) == "Server-2"
    assert old.ping()  # a connection made before keeps working
    assert r.config_get("tls-cert-file") == {"tls-cert-file": certs["server2.crt"]}


def test_certificate_reload_failure_keeps_old_context(tls_server, certs):
    r = tls_server.redis()
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "tls-cert-file", certs["ca.key"] + ".missing")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                            "Unable to update TLS configuration. Check server logs.")
    assert r.config_get("tls-cert-file") == {"tls-cert-file": certs["server.crt"]}
    # A key that does not match the certificate: also refused, both values restored.
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "tls-cert-file", certs["server2.crt"],
                          "tls-key-file", certs["client.key"])
    assert "Unable to update TLS configuration" in str(e.value)
    assert r.config_get("tls-key-file") == {"tls-key-file": certs["server.key"]}
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.config_set("tls-protocols", "TLSv9")
    assert "Unable to update TLS configuration" in str(e.value)
    assert r.config_get("tls-protocols") == {"tls-protocols": ""}
    reply, cert = tls_ping_raw(certs, tls_server.tls_port)
    assert reply == b"+PONG\r\n" and subject_cn(cert) == "Server-1"


def test_tls_protocols(spawn_server, certs):
    tport = free_port()
    spawn_server(*tls_args(certs, tport), "--tls-protocols", "TLSv1.3")
    ctx = ssl_context(certs)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises((ssl.SSLError, OSError)):
        tls_ping_raw(certs, tport, ctx)
    ctx = ssl_context(certs)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    assert tls_ping_raw(certs, tport, ctx)[0] == b"+PONG\r\n"


def test_encrypted_key_with_password(spawn_server, certs):
    tport = free_port()
    h = spawn_server("--tls-port", str(tport), "--tls-cert-file", certs["server.crt"],
                     "--tls-key-file", certs["server-enc.key"], "--tls-key-file-pass", "secret",
                     "--tls-ca-cert-file", certs["ca.crt"])
    assert tls_client(certs, tport).ping()
    assert h.redis().config_get("tls-key-file-pass") == {"tls-key-file-pass": "secret"}


def test_bad_tls_config_refuses_to_start(spawn_server, certs):
    tport = free_port()
    h = spawn_server("--tls-port", str(tport), "--tls-cert-file", certs["server.crt"],
                     wait=False)
    assert h.wait_exit(20) not in (None, 0)
    log = h.log()
    assert "No tls-key-file configured!" in log
    assert "Failed to configure TLS. Check logs for more info." in log


def test_tls_config_defaults(server):
    got = server.redis().config_get("tls-*")
    expected = {
        "tls-port": "0", "tls-auth-clients": "yes", "tls-session-cache-size": "20480",
        "tls-session-cache-timeout": "300", "tls-prefer-server-ciphers": "no",
        "tls-session-caching": "yes", "tls-cluster": "no", "tls-replication": "no",
        "tls-cert-file": "", "tls-key-file": "", "tls-key-file-pass": "",
        "tls-client-cert-file": "", "tls-client-key-file": "", "tls-client-key-file-pass": "",
        "tls-dh-params-file": "", "tls-ca-cert-file": "", "tls-ca-cert-dir": "",
        "tls-protocols": "", "tls-ciphers": "", "tls-ciphersuites": "",
    }
    assert got == expected


def test_tls_settings_without_tls_port(server, certs):
    # No TLS port: the files are only stored (Redis's applyTlsCfg builds nothing).
    r = server.redis()
    try:
        assert r.config_set("tls-cert-file", "/nonexistent.crt")
        assert r.config_set("tls-session-cache-size", "100")
        assert r.config_get("tls-session-cache-size") == {"tls-session-cache-size": "100"}
    finally:
        r.config_set("tls-cert-file", "")
        r.config_set("tls-session-cache-size", "20480")


def test_tls_clients_in_client_list(tls_server, certs):
    r = tls_client(certs, tls_server.tls_port)
    r.client_setname("tlsclient")
    line = [c for c in tls_server.redis().client_list() if c["name"] == "tlsclient"][0]
    assert line["addr"].startswith("127.0.0.1:")
    assert line["laddr"] == "127.0.0.1:%d" % tls_server.tls_port
    assert "U" not in line["flags"]


@shoal_only
def test_handshake_timeout(tls_server, certs):
    # Shoal-only (Redis 7.0 keeps such a client until `timeout`, which is 0 by default): a client
    # that connects to the TLS port and never completes the handshake is closed after 10 s.
    r = tls_server.redis()
    before = r.info("clients")["connected_clients"]
    idle = socket.create_connection((HOST, tls_server.tls_port), timeout=20)
    half = socket.create_connection((HOST, tls_server.tls_port), timeout=20)
    half.sendall(b"\x16\x03\x01\x00\xff")  # a ClientHello record header, then nothing
    deadline = time.time() + 5
    while r.info("clients")["connected_clients"] < before + 2 and time.time() < deadline:
        time.sleep(0.05)
    assert r.info("clients")["connected_clients"] == before + 2
    t0 = time.time()
    for s in (idle, half):
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass
        s.close()
    assert 8 < time.time() - t0 < 15
    assert r.info("clients")["connected_clients"] == before
    assert tls_client(certs, tls_server.tls_port).ping()


def test_config_set_tls_port(spawn_server, certs):
    # TLS configured from the start of a plaintext-only server, then the TLS port opened, moved
    # and closed by CONFIG SET (Redis's applyTLSPort).
    h = spawn_server("--tls-cert-file", certs["server.crt"], "--tls-key-file",
                     certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"])
    r = h.redis()
    tport = free_port()
    assert r.config_set("tls-port", str(tport))
    assert tls_client(certs, tport).ping()
    t2 = free_port()
    assert r.config_set("tls-port", str(t2))
    assert tls_client(certs, t2).ping()
    with pytest.raises(OSError):
        socket.create_connection((HOST, tport), timeout=2).close()
    assert r.config_set("tls-port", "0")
    with pytest.raises(OSError):
        socket.create_connection((HOST, t2), timeout=2).close()
    assert r.ping()


def test_certificate_reload_same_path(spawn_server, certs):
    # tls-cert-file and the other file parameters are Redis's VOLATILE_CONFIG: setting the path
    # they have reloads the files (a certificate renewed in place).
    import shutil
    d = spawn_server.tmp_path
    cur_crt, cur_key = str(d / "cur.crt"), str(d / "cur.key")
    shutil.copy(certs["server.crt"], cur_crt)
    shutil.copy(certs["server.key"], cur_key)
    tport = free_port()
    h = spawn_server("--tls-port", str(tport), "--tls-cert-file", cur_crt, "--tls-key-file",
                     cur_key, "--tls-ca-cert-file", certs["ca.crt"])
    assert subject_cn(tls_ping_raw(certs, tport)[1]) == "Server-1"
    shutil.copy(certs["server2.crt"], cur_crt)
    shutil.copy(certs["server2.key"], cur_key)
    assert subject_cn(tls_ping_raw(certs, tport)[1]) == "Server-1"  # nothing reloads by itself
    assert h.redis().execute_command("CONFIG", "SET", "tls-cert-file", cur_crt,
                                     "tls-key-file", cur_key) == b"OK"
    assert subject_cn(tls_ping_raw(certs, tport)[1]) == "Server-2"
