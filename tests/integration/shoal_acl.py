"""Helpers for test_acl.py and test_auth.py.

ACL state (users, requirepass, the ACL log) is global to a server, and the session `server`
fixture is shared by the other test files (and by the xdist workers), so the ACL/AUTH tests never
use it: each module starts a private server (`acl_server`), and `fresh` puts that server back to
its initial ACL state before every test (users deleted, default user restored, requirepass
cleared, ACL log emptied, other connections closed, keys flushed).
"""

import hashlib
import time

import pytest

import conftest
from shoal_resp import ConnectionClosed, RespClient

# The password tests give the default user (requirepass); see reset_acl_state.
DEFAULT_PASSWORD = "defpw"

# What a freshly started server's ACL LIST holds.
INITIAL_ACL_LIST = [b"user default on nopass ~* &* +@all"]

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOPASS_CONFIGURED = ("ERR AUTH <password> called without any password configured for the "
                     "default user. Are you sure your configuration is correct?")
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = ("NOPERM this user has no permissions to access one of the channels used as "
                  "arguments")
HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already authenticated, otherwise "
                "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time")
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
NO_ACLFILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
              "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
              "(assuming you have a Redis configuration file set) in order to store users in "
              "the Redis configuration.")


def noperm_cmd(name):
    return "NOPERM this user has no permissions to run the '%s' command" % name


def setuser_err(modifier, reason="Syntax error"):
    return "ERR Error in ACL SETUSER modifier '%s': %s" % (modifier, reason)


UNKNOWN_CMD_OR_CAT = "Unknown command or category name in ACL"


def sha256hex(password):
    return hashlib.sha256(password.encode()).hexdigest()


def sha1hex(text):
    return hashlib.sha1(text.encode()).hexdigest()


def pairs(reply):
    """A RESP2 flat [k1, v1, k2, v2, ...] array -> dict (keys decoded to str)."""
    assert isinstance(reply, list) and len(reply) % 2 == 0, reply
    return {k.decode(): v for k, v in zip(reply[::2], reply[1::2])}


def wait_closed(client, timeout=10.0):
    """True once the server has closed `client`'s connection (polls; returns as soon as EOF)."""
    return client.is_closed(wait=timeout)


def still_open(client):
    """True if the connection is still usable (answers PING with anything but EOF)."""
    try:
        client.call("PING")
        return True
    except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return False


def module_server():
    """A module-scoped fixture: a private server for one test module."""

    @pytest.fixture(scope="module")
    def acl_server(tmp_path_factory):
        h = conftest._start(str(tmp_path_factory.mktemp("acl")))
        yield h
        problem = h.stop()
        if problem:
            pytest.fail(problem, pytrace=False)

    return acl_server


def reset_acl_state(h):
    """Put server `h` back to its initial ACL state. A test that gives the default user a
    password uses DEFAULT_PASSWORD, so this can log in after a test that failed half-way."""
    cl = h.client()
    try:
        if cl.call("PING") == NOAUTH:
            assert cl.call("AUTH", DEFAULT_PASSWORD) == "OK"
        assert cl.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") is not None
        assert cl.call("CONFIG", "SET", "requirepass", "") == "OK"
        assert cl.call("CONFIG", "SET", "acl-pubsub-default", "resetchannels") == "OK"
        assert cl.call("ACL", "SETUSER", "default", "on", "nopass", "allkeys", "allchannels",
                       "allcommands", "clearselectors") == "OK"
        users = cl.call("ACL", "USERS")
        others = [u for u in users if u != b"default"]
        if others:
            assert cl.call("ACL", "DELUSER", *others) == len(others)
        assert cl.call("ACL", "LOG", "RESET") == "OK"
        assert cl.call("FLUSHALL") == "OK"
        assert cl.call("ACL", "LIST") == INITIAL_ACL_LIST
    finally:
        cl.close()


class Clients:
    """Factory of RESP clients of one server, all closed at teardown."""

    def __init__(self, h):
        self.h = h
        self.made = []

    def __call__(self, user=None, password=None, resp=2):
        cl = RespClient(self.h.host, self.h.port)
        self.made.append(cl)
        if resp == 3:
            args = ["HELLO", "3"]
            if user is not None:
                args += ["AUTH", user, password]
            assert isinstance(cl.call(*args), dict)
        elif user is not None:
            assert cl.call("AUTH", user, password) == "OK"
        return cl

    def close(self):
        for cl in self.made:
            cl.close()


def fresh_fixture():
    """A function-scoped fixture `fresh`: resets the module server, yields a Clients factory."""

    @pytest.fixture
    def fresh(acl_server):
        reset_acl_state(acl_server)
        made = Clients(acl_server)
        yield made
        made.close()
        if not acl_server.alive():
            pytest.fail("server died (exit code %r)\n%s"
                        % (acl_server.proc.returncode, acl_server.log()), pytrace=False)

    return fresh


def wait_started(h, timeout=10.0):
    """For a server started with wait=False (its readiness PING would answer NOAUTH): returns a
    client once it accepts connections."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not h.alive():
            raise AssertionError("server exited with code %r\n%s" % (h.proc.returncode, h.log()))
        try:
            return h.client()
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not accept connections\n" + h.log())


def wait_until(pred, timeout=3.0, step=0.01):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()
