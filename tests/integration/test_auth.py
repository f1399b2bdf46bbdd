"""Authentication: requirepass, AUTH, HELLO ... AUTH, NOAUTH, RESET, CLIENT LIST user=,
rename-command. Validated against redis-server 7.0.15.

Every test runs on this module's private server (ACL state is server-global), reset to its
initial ACL state before each test by the `fresh` fixture (see shoal_acl.py). Tests that need a
configuration file start servers of their own with spawn_server.
"""

import shoal_acl as A
from conftest import free_port
from shoal_acl import DEFAULT_PASSWORD as PW
from shoal_resp import Err

acl_server = A.module_server()
fresh = A.fresh_fixture()


def write_conf(path, text):
    path.write_text(text)
    return str(path)


# --------------------------------------------------------------------------
# requirepass
# --------------------------------------------------------------------------


def test_requirepass_from_config_file(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "auth.conf",
                      "port %d\nrequirepass %s\n" % (port, PW))
    # The fixture's readiness probe is a PING, which answers NOAUTH here: wait for a connection.
    h = spawn_server(conf=conf, pass_port=False, port=port, wait=False)
    cl = A.wait_started(h)
    try:
        assert cl("PING") == A.NOAUTH
        assert cl("GET", "k") == A.NOAUTH
        assert cl("AUTH", "nope") == A.WRONGPASS
        assert cl("AUTH", PW) == "OK"
        assert cl("PING") == "PONG"
        assert cl("CONFIG", "GET", "requirepass") == [b"requirepass", PW.encode()]
        assert cl("ACL", "LIST") == [
            ("user default on #%s ~* &* +@all" % A.sha256hex(PW)).encode()]
        assert cl("ACL", "WHOAMI") == b"default"
    finally:
        cl.close()


def test_config_set_requirepass(fresh):
    admin = fresh()
    assert admin("CONFIG", "GET", "requirepass") == [b"requirepass", b""]
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    assert admin("CONFIG", "GET", "requirepass") == [b"requirepass", PW.encode()]
    # requirepass is the default user's only password.
    assert admin("ACL", "LIST") == [
        ("user default on #%s ~* &* +@all" % A.sha256hex(PW)).encode()]
    # A connection that was already authenticated (implicitly, as the nopass default user)
    # stays authenticated.
    assert admin("PING") == "PONG"
    new = fresh()
    assert new("PING") == A.NOAUTH
    assert new("AUTH", PW) == "OK"
    assert new("PING") == "PONG"
    # Changing it: the old password no longer works.
    assert admin("CONFIG", "SET", "requirepass", "other") == "OK"
    third = fresh()
    assert third("AUTH", PW) == A.WRONGPASS
    assert third("AUTH", "other") == "OK"
    # Clearing it makes the default user nopass again: new connections need no AUTH.
    assert admin("CONFIG", "SET", "requirepass", "") == "OK"
    assert admin("CONFIG", "GET", "requirepass") == [b"requirepass", b""]
    assert admin("ACL", "LIST") == A.INITIAL_ACL_LIST
    assert fresh()("PING") == "PONG"


def test_requirepass_follows_acl_password_of_default(fresh):
    """CONFIG GET requirepass reports the default user's password set by CONFIG SET only: a
    password given with ACL SETUSER default >pw is not shown there (Redis keeps the requirepass
    string separately), but it does require AUTH."""
    admin = fresh()
    assert admin("ACL", "SETUSER", "default", ">" + PW) == "OK"
    assert admin("CONFIG", "GET", "requirepass") == [b"requirepass", b""]
    new = fresh()
    assert new("PING") == A.NOAUTH
    assert new("AUTH", PW) == "OK"


# --------------------------------------------------------------------------
# What an unauthenticated connection may run
# --------------------------------------------------------------------------


def test_noauth_before_auth(fresh):
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    for cmd in (("PING",), ("GET", "k"), ("SET", "k", "v"), ("ECHO", "x"),
                ("CLIENT", "SETNAME", "x"), ("CLIENT", "ID"), ("SELECT", "0"), ("MULTI",),
                ("ACL", "WHOAMI"), ("COMMAND", "COUNT"), ("SUBSCRIBE", "ch"),
                ("CONFIG", "GET", "port"), ("INFO",), ("DBSIZE",)):
        assert cl(*cmd) == A.NOAUTH, cmd
    # HELLO without AUTH is refused with a message of its own.
    assert cl("HELLO") == A.HELLO_NOAUTH
    assert cl("HELLO", "2") == A.HELLO_NOAUTH
    assert cl("HELLO", "3") == A.HELLO_NOAUTH
    # Unknown commands and arity errors are checked before authentication.
    assert cl("NOSUCHCMD", "a") == Err(
        "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ")
    assert cl("GET") == Err("ERR wrong number of arguments for 'get' command")
    # Nothing was written by the refused SET.
    assert cl("AUTH", PW) == "OK"
    assert cl("EXISTS", "k") == 0


def test_no_auth_command_flags(fresh):
    """The commands allowed before AUTH are those flagged no_auth: AUTH, HELLO, QUIT, RESET."""
    cl = fresh()
    for name in ("auth", "hello", "quit", "reset"):
        info = cl("COMMAND", "INFO", name)[0]
        assert "no_auth" in info[2], (name, info[2])
    for name in ("ping", "get", "echo", "select", "client", "acl", "command"):
        info = cl("COMMAND", "INFO", name)[0]
        assert "no_auth" not in info[2], (name, info[2])


def test_quit_and_reset_allowed_unauthenticated(fresh):
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("RESET") == "RESET"
    assert cl("PING") == A.NOAUTH
    assert cl("QUIT") == "OK"
    assert A.wait_closed(cl)


def _raw_exchange(h, data):
    """Sends raw bytes, returns everything read until the server closes (or 10 s)."""
    import socket
    s = socket.create_connection((h.host, h.port), timeout=10)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def test_unauthenticated_request_size_limits(fresh):
    """Before AUTH, a multibulk of more than 10 arguments or a bulk of more than 16384 bytes is a
    protocol error (the client is closed); after AUTH both are fine."""
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    h = fresh.h
    assert _raw_exchange(h, b"*11\r\n") == \
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    assert _raw_exchange(h, b"*2\r\n$4\r\nECHO\r\n$16385\r\n") == \
        b"-ERR Protocol error: unauthenticated bulk length\r\n"
    cl = fresh(user="default", password=PW)
    assert cl("MSET", *(["k", "v"] * 6)) == "OK"
    assert cl("ECHO", "x" * 16385) == b"x" * 16385


# --------------------------------------------------------------------------
# AUTH
# --------------------------------------------------------------------------


def test_auth_without_password_configured(fresh):
    cl = fresh()
    assert cl("AUTH", "x") == A.NOPASS_CONFIGURED
    # The two-argument form against the nopass default user accepts anything.
    assert cl("AUTH", "default", "anything") == "OK"
    assert cl("AUTH", "nouser", "x") == A.WRONGPASS
    # A failed AUTH does not log out an authenticated connection.
    assert cl("PING") == "PONG"
    assert cl("ACL", "WHOAMI") == b"default"


def test_auth_arity(fresh):
    cl = fresh()
    assert cl("AUTH") == Err("ERR wrong number of arguments for 'auth' command")
    assert cl("AUTH", "a", "b", "c") == Err("ERR syntax error")
    assert cl("AUTH", "a", "b", "c", "d") == Err("ERR syntax error")


def test_auth_password_and_wrong_password(fresh):
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("AUTH", "wrong") == A.WRONGPASS
    assert cl("PING") == A.NOAUTH  # the connection stays open, still unauthenticated
    assert cl("AUTH", "default", "wrong") == A.WRONGPASS
    assert cl("AUTH", "nosuchuser", PW) == A.WRONGPASS
    assert cl("AUTH", "") == A.WRONGPASS
    assert cl("AUTH", PW) == "OK"
    assert cl("PING") == "PONG"
    # AUTH again on an authenticated connection, then with a wrong password: still logged in.
    assert cl("AUTH", "default", PW) == "OK"
    assert cl("AUTH", "wrong") == A.WRONGPASS
    assert cl("PING") == "PONG"
    assert cl("ACL", "WHOAMI") == b"default"


def test_auth_user_password(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "alice", "on", ">apw", "~*", "+@all") == "OK"
    cl = fresh()
    assert cl("ACL", "WHOAMI") == b"default"
    assert cl("AUTH", "alice", "bad") == A.WRONGPASS
    assert cl("ACL", "WHOAMI") == b"default"
    assert cl("AUTH", "alice", "apw") == "OK"
    assert cl("ACL", "WHOAMI") == b"alice"
    # The one-argument form always means the default user.
    assert cl("AUTH", "apw") == A.NOPASS_CONFIGURED
    assert cl("ACL", "WHOAMI") == b"alice"
    # Usernames are case-sensitive.
    assert fresh()("AUTH", "ALICE", "apw") == A.WRONGPASS


def test_auth_multiple_passwords(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "bob", "on", ">p1", ">p2", "+@all") == "OK"
    assert fresh()("AUTH", "bob", "p1") == "OK"
    assert fresh()("AUTH", "bob", "p2") == "OK"
    assert admin("ACL", "SETUSER", "bob", "<p1") == "OK"
    assert fresh()("AUTH", "bob", "p1") == A.WRONGPASS
    assert fresh()("AUTH", "bob", "p2") == "OK"
    assert admin("ACL", "SETUSER", "bob", "resetpass") == "OK"
    # resetpass without nopass: no password works any more.
    assert fresh()("AUTH", "bob", "p2") == A.WRONGPASS
    assert fresh()("AUTH", "bob", "") == A.WRONGPASS


def test_disabled_user_cannot_auth(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "carl", "off", ">cpw", "+@all") == "OK"
    assert fresh()("AUTH", "carl", "cpw") == A.WRONGPASS
    # Users are created disabled when "on" is not given.
    assert admin("ACL", "SETUSER", "dora", ">dpw", "+@all") == "OK"
    assert fresh()("AUTH", "dora", "dpw") == A.WRONGPASS
    assert admin("ACL", "SETUSER", "carl", "on") == "OK"
    assert fresh()("AUTH", "carl", "cpw") == "OK"
    # A disabled nopass user is refused too.
    assert admin("ACL", "SETUSER", "erin", "off", "nopass", "+@all") == "OK"
    assert fresh()("AUTH", "erin", "x") == A.WRONGPASS


def test_default_user_off(fresh):
    """With the default user off, new connections start unauthenticated (NOAUTH) and cannot
    log in as default. Surprising: the one-argument AUTH still answers the "no password
    configured" error, since default keeps its nopass flag."""
    admin = fresh()
    assert admin("ACL", "SETUSER", "lou", "on", ">lpw", "+@all") == "OK"
    assert admin("ACL", "SETUSER", "default", "off") == "OK"
    try:
        cl = fresh()
        assert cl("PING") == A.NOAUTH
        assert cl("AUTH", "x") == A.NOPASS_CONFIGURED
        assert cl("AUTH", "default", "x") == A.WRONGPASS
        assert cl("HELLO", "3", "AUTH", "default", "x") == A.WRONGPASS
        assert cl("PING") == A.NOAUTH
        assert cl("AUTH", "lou", "lpw") == "OK"
        assert cl("PING") == "PONG"
        # Already-connected default clients keep working.
        assert admin("PING") == "PONG"
    finally:
        assert admin("ACL", "SETUSER", "default", "on") == "OK"


def test_nopass_user_accepts_any_password(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "free", "on", "nopass", "+@all") == "OK"
    for pw in ("", "x", "anything at all"):
        cl = fresh()
        assert cl("AUTH", "free", pw) == "OK"
        assert cl("ACL", "WHOAMI") == b"free"
    # nopass clears the password list; >pw after it removes the nopass flag.
    assert admin("ACL", "SETUSER", "free", ">only") == "OK"
    assert fresh()("AUTH", "free", "x") == A.WRONGPASS
    assert fresh()("AUTH", "free", "only") == "OK"


def test_auth_failures_in_acl_log(fresh):
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("AUTH", "wrong") == A.WRONGPASS
    assert cl("AUTH", "default", "wrong2") == A.WRONGPASS
    assert cl("AUTH", "ghost", "x") == A.WRONGPASS
    assert cl("HELLO", "3", "AUTH", "default", "bad") == A.WRONGPASS
    log = admin("ACL", "LOG")
    assert len(log) == 3
    # Newest first; entries with the same reason/context/object/username are merged (count).
    e = [A.pairs(x) for x in log]
    assert [x["object"] for x in e] == [b"HELLO", b"AUTH", b"AUTH"]
    assert [x["username"] for x in e] == [b"default", b"ghost", b"default"]
    assert [x["count"] for x in e] == [1, 1, 2]
    for x in e:
        assert list(x) == ["count", "reason", "context", "object", "username", "age-seconds",
                           "client-info"]
        assert x["reason"] == b"auth"
        assert x["context"] == b"toplevel"
    assert admin("ACL", "LOG", "RESET") == "OK"
    assert admin("ACL", "LOG") == []


# --------------------------------------------------------------------------
# HELLO ... AUTH
# --------------------------------------------------------------------------


def test_hello_auth(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "hank", "on", ">hpw", "+@all") == "OK"
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("HELLO", "3", "AUTH", "hank", "wrong") == A.WRONGPASS
    assert admin("ACL", "SETUSER", "hank", "off") == "OK"
    assert cl("HELLO", "3", "AUTH", "hank", "hpw") == A.WRONGPASS  # disabled
    assert admin("ACL", "SETUSER", "hank", "on") == "OK"
    # The failed HELLO changed nothing: still RESP2 and unauthenticated.
    assert cl("PING") == A.NOAUTH
    reply = cl("HELLO", "3", "AUTH", "hank", "hpw")
    assert isinstance(reply, dict)
    assert list(reply) == [b"server", b"version", b"proto", b"id", b"mode", b"role",
                           b"modules"]
    assert reply[b"proto"] == 3
    assert reply[b"id"] == cl("CLIENT", "ID")
    assert cl("ACL", "WHOAMI") == b"hank"
    # RESP3 now: a map reply.
    assert isinstance(cl("CONFIG", "GET", "maxmemory"), dict)

    cl2 = fresh()
    reply = cl2("HELLO", "2", "AUTH", "default", PW, "SETNAME", "myname")
    assert isinstance(reply, list) and reply[reply.index(b"proto") + 1] == 2
    assert cl2("CLIENT", "GETNAME") == b"myname"
    assert cl2("ACL", "WHOAMI") == b"default"


def test_hello_auth_syntax(fresh):
    cl = fresh()
    assert cl("HELLO", "2", "AUTH", "default") == Err("ERR Syntax error in HELLO option 'AUTH'")
    assert cl("HELLO", "2", "SETNAME") == Err("ERR Syntax error in HELLO option 'SETNAME'")
    assert cl("HELLO", "4") == Err("NOPROTO unsupported protocol version")
    # Without requirepass, HELLO ... AUTH default <anything> succeeds (default is nopass).
    assert isinstance(cl("HELLO", "3", "AUTH", "default", "whatever"), dict)


def test_hello_setname_unauthenticated(fresh):
    """Surprising but true in Redis 7.0: HELLO applies its options in order, and the
    "must be authenticated" check comes after them, so an unauthenticated HELLO 3 SETNAME n
    answers NOAUTH yet has already set the connection's name (and left the protocol alone).
    An AUTH option that fails stops before the options after it."""
    admin = fresh()
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("HELLO", "3", "AUTH", "default", "bad", "SETNAME", "first") == A.WRONGPASS
    assert cl("HELLO", "3", "SETNAME", "second") == A.HELLO_NOAUTH
    assert cl("AUTH", PW) == "OK"
    assert cl("CLIENT", "GETNAME") == b"second"
    assert isinstance(cl("CONFIG", "GET", "maxmemory"), list)  # still RESP2


# --------------------------------------------------------------------------
# RESET
# --------------------------------------------------------------------------


def test_reset_unauthenticates_with_requirepass(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "ivy", "on", ">ipw", "+@all") == "OK"
    assert admin("CONFIG", "SET", "requirepass", PW) == "OK"
    cl = fresh()
    assert cl("AUTH", "ivy", "ipw") == "OK"
    assert cl("ACL", "WHOAMI") == b"ivy"
    assert cl("RESET") == "RESET"
    assert cl("PING") == A.NOAUTH
    assert cl("AUTH", PW) == "OK"
    assert cl("ACL", "WHOAMI") == b"default"


def test_reset_without_requirepass_switches_to_default(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "jay", "on", ">jpw", "+@all") == "OK"
    cl = fresh()
    assert cl("AUTH", "jay", "jpw") == "OK"
    assert cl("RESET") == "RESET"
    # Default is nopass: the reset connection is authenticated as default right away.
    assert cl("PING") == "PONG"
    assert cl("ACL", "WHOAMI") == b"default"


# --------------------------------------------------------------------------
# CLIENT LIST user=
# --------------------------------------------------------------------------


def _client_fields(line):
    return dict(f.split("=", 1) for f in line.split(" ") if "=" in f)


def test_client_list_shows_user(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "kim", "on", ">kpw", "+@all") == "OK"
    cl = fresh("kim", "kpw")
    assert cl("CLIENT", "SETNAME", "kimconn") == "OK"
    lines = admin("CLIENT", "LIST").decode().splitlines()
    users = {_client_fields(l)["name"]: _client_fields(l)["user"] for l in lines}
    assert users["kimconn"] == "kim"
    me = _client_fields(admin("CLIENT", "INFO").decode().strip())
    assert me["user"] == "default"
    assert me["cmd"] == "client|info"
    # CLIENT LIST USER is not a filter in 7.0 (only TYPE and ID are): a syntax error.
    assert admin("CLIENT", "LIST", "USER", "kim") == Err("ERR syntax error")


# --------------------------------------------------------------------------
# rename-command in the configuration file
# --------------------------------------------------------------------------


def test_rename_command_in_config_file(spawn_server):
    port = free_port()
    conf = write_conf(spawn_server.tmp_path / "rename.conf",
                      "port %d\nrename-command config myconfig\nrename-command flushall \"\"\n"
                      % port)
    h = spawn_server(conf=conf, pass_port=False, port=port)
    cl = h.client()
    try:
        assert cl("CONFIG", "GET", "port") == Err(
            "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' ")
        assert cl("myconfig", "GET", "port") == [b"port", str(port).encode()]
        assert cl("MYCONFIG", "GET", "port") == [b"port", str(port).encode()]
        assert cl("FLUSHALL") == Err("ERR unknown command 'FLUSHALL', with args beginning with: ")
        assert cl("SET", "k", "v") == "OK"
        # COMMAND INFO looks the command up by its new name, but the entry keeps the original
        # name; the old name and the disabled command are unknown to it.
        assert cl("COMMAND", "INFO", "myconfig")[0][0] == b"config"
        assert cl("COMMAND", "INFO", "config") == [None]
        assert cl("COMMAND", "INFO", "flushall") == [None]
        # ACL rules use the original names (+config|get, even +flushall); the new name is
        # unknown to ACL SETUSER.
        assert cl("ACL", "SETUSER", "v", "+flushall") == "OK"
        assert cl("ACL", "SETUSER", "u", "on", "nopass", "+config|get") == "OK"
        assert cl("ACL", "SETUSER", "u", "+myconfig") == Err(
            A.setuser_err("+myconfig", A.UNKNOWN_CMD_OR_CAT))
        # ... and the NOPERM names the original command too.
        assert cl("AUTH", "u", "x") == "OK"
        assert cl("myconfig", "GET", "port") == [b"port", str(port).encode()]
        assert cl("myconfig", "SET", "hz", "10") == Err(A.noperm_cmd("config|set"))
    finally:
        cl.close()
