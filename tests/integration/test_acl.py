"""The ACL system: ACL SETUSER rules, selectors, GETUSER/LIST/USERS/CAT/WHOAMI/GENPASS/DELUSER/
LOG/DRYRUN/HELP/LOAD/SAVE, permission checks on commands, keys and channels (top level, MULTI,
scripts), and what happens to connected clients when their user changes. Validated against
redis-server 7.0.15 (ports of the relevant cases of Redis's tests/unit/acl.tcl and acl-v2.tcl).

Every test runs on this module's private server (ACL state is server-global), reset to its
initial ACL state before each test by the `fresh` fixture (see shoal_acl.py). Tests that need a
configuration file or an ACL file start servers of their own with spawn_server.

Note on ACL GETUSER/ACL LIST "commands" strings: Redis 7.0 rebuilds them from the user's command
bitmap (+@all or -@all, then best-fitting categories, then single commands in command-table hash
order, which varies between runs). So a rule string naming several single commands is compared
as a set of tokens after its leading +@all/-@all; simple ones are compared exactly.
"""

import os
import re

import pytest

import shoal_acl as A
from conftest import free_port
from shoal_resp import Err

acl_server = A.module_server()
fresh = A.fresh_fixture()

P = A.pairs


def getuser(cl, name):
    reply = cl("ACL", "GETUSER", name)
    return None if reply is None else P(reply)


def rule_tokens(s):
    """'-@all +get +set' -> ('-@all', {'+get', '+set'})."""
    toks = s.decode().split(" ")
    return toks[0], set(toks[1:])


def setuser(admin, name, *rules):
    reply = admin("ACL", "SETUSER", name, *rules)
    assert reply == "OK", (rules, reply)


def user_client(fresh, admin, name, *rules):
    """Create user `name` (on, nopass, plus `rules`) and return a client logged in as it."""
    setuser(admin, name, "on", "nopass", *rules)
    return fresh(name, "x")


def log_entries(admin, *args):
    return [P(e) for e in admin("ACL", "LOG", *args)]


# --------------------------------------------------------------------------
# Initial state, GETUSER / LIST / USERS / WHOAMI
# --------------------------------------------------------------------------


def test_initial_default_user(fresh):
    cl = fresh()
    assert cl("ACL", "LIST") == [b"user default on nopass ~* &* +@all"]
    assert cl("ACL", "USERS") == [b"default"]
    assert cl("ACL", "WHOAMI") == b"default"
    assert cl("ACL", "GETUSER", "default") == [
        b"flags", [b"on", b"nopass"],
        b"passwords", [],
        b"commands", b"+@all",
        b"keys", b"~*",
        b"channels", b"&*",
        b"selectors", [],
    ]


def test_new_user_defaults(fresh):
    """A user created with no rules is off, has no passwords, no commands, no keys and (7.0
    default acl-pubsub-default resetchannels) no channels."""
    cl = fresh()
    assert cl("ACL", "SETUSER", "newbie") == "OK"
    assert cl("ACL", "GETUSER", "newbie") == [
        b"flags", [b"off"],
        b"passwords", [],
        b"commands", b"-@all",
        b"keys", b"",
        b"channels", b"",
        b"selectors", [],
    ]
    assert cl("ACL", "LIST") == [b"user default on nopass ~* &* +@all",
                                 b"user newbie off resetchannels -@all"]
    # SETUSER on an existing user modifies it (rules are applied on top).
    assert cl("ACL", "SETUSER", "newbie", "on") == "OK"
    assert getuser(cl, "newbie")["flags"] == [b"on"]
    assert cl("ACL", "GETUSER", "nosuchuser") is None
    assert cl("ACL", "GETUSER") == Err("ERR wrong number of arguments for 'acl|getuser' command")


def test_getuser_full_shape_resp2_and_resp3(fresh):
    admin = fresh()
    setuser(admin, "full", "reset", "on", ">pw1", ">pw2", "~a*", "%R~r*", "%W~w*", "&ch*",
            "+get", "(~s* +set &sc)")
    h1, h2 = A.sha256hex("pw1"), A.sha256hex("pw2")
    assert admin("ACL", "GETUSER", "full") == [
        b"flags", [b"on", b"sanitize-payload"],
        b"passwords", [h1.encode(), h2.encode()],
        b"commands", b"-@all +get",
        b"keys", b"~a* %R~r* %W~w*",
        b"channels", b"&ch*",
        b"selectors", [[b"commands", b"-@all +set", b"keys", b"~s*", b"channels", b"&sc"]],
    ]
    r3 = fresh(resp=3)
    assert r3("ACL", "GETUSER", "full") == {
        b"flags": {b"on", b"sanitize-payload"},  # a RESP3 set
        b"passwords": [h1.encode(), h2.encode()],
        b"commands": b"-@all +get",
        b"keys": b"~a* %R~r* %W~w*",
        b"channels": b"&ch*",
        b"selectors": [{b"commands": b"-@all +set", b"keys": b"~s*", b"channels": b"&sc"}],
    }
    assert r3("ACL", "GETUSER", "nosuch") is None
    assert admin("ACL", "LIST")[1] == (
        "user full on sanitize-payload #%s #%s ~a* %%R~r* %%W~w* resetchannels &ch* -@all +get "
        "(~s* resetchannels &sc -@all +set)" % (h1, h2)).encode()


def test_acl_list_and_users_are_sorted_by_name(fresh):
    admin = fresh()
    for name in ("zed", "Bob", "alice", "carol", "_x", "a"):
        setuser(admin, name)
    # Byte order (a radix tree): uppercase before '_' before lowercase.
    assert admin("ACL", "USERS") == [b"Bob", b"_x", b"a", b"alice", b"carol", b"default",
                                     b"zed"]
    assert [l.split(b" ")[1] for l in admin("ACL", "LIST")] == admin("ACL", "USERS")


def test_whoami(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "who", "+acl|whoami")
    assert cl("ACL", "WHOAMI") == b"who"
    assert cl("ACL", "WHOAMI", "x") == Err(
        "ERR wrong number of arguments for 'acl|whoami' command")


def test_username_rules(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "bad name") == Err(
        "ERR Usernames can't contain spaces or null characters")
    assert admin("ACL", "SETUSER", "bad\x00name") == Err(
        "ERR Usernames can't contain spaces or null characters")
    # Surprising: the empty username is accepted.
    assert admin("ACL", "SETUSER", "") == "OK"
    assert admin("ACL", "USERS") == [b"", b"default"]
    assert admin("ACL", "DELUSER", "") == 1


# --------------------------------------------------------------------------
# Flags and passwords
# --------------------------------------------------------------------------


def test_on_off(fresh):
    admin = fresh()
    setuser(admin, "u", "on", "off")
    assert getuser(admin, "u")["flags"] == [b"off"]
    setuser(admin, "u", "off", "on")
    assert getuser(admin, "u")["flags"] == [b"on"]


def test_password_rules(fresh):
    admin = fresh()
    h1, h2 = A.sha256hex("p1"), A.sha256hex("p2")
    setuser(admin, "u", ">p1", ">p2", ">p1")  # a duplicate is stored once
    assert getuser(admin, "u")["passwords"] == [h1.encode(), h2.encode()]
    setuser(admin, "u", "<p1")
    assert getuser(admin, "u")["passwords"] == [h2.encode()]
    assert admin("ACL", "SETUSER", "u", "<p1") == Err(A.setuser_err(
        "<p1", "The password you are trying to remove from the user does not exist"))
    # #<hash> adds a hash, !<hash> removes one.
    setuser(admin, "u", "#" + h1)
    assert getuser(admin, "u")["passwords"] == [h2.encode(), h1.encode()]
    setuser(admin, "u", "!" + h2)
    assert getuser(admin, "u")["passwords"] == [h1.encode()]
    assert admin("ACL", "SETUSER", "u", "!" + h2) == Err(A.setuser_err(
        "!" + h2, "The password you are trying to remove from the user does not exist"))
    # The empty password is a password (its hash is sha256("")).
    setuser(admin, "u", ">")
    assert getuser(admin, "u")["passwords"] == [h1.encode(), A.sha256hex("").encode()]
    # nopass clears the passwords and sets the flag; a password after it drops the flag.
    setuser(admin, "u", "nopass")
    u = getuser(admin, "u")
    assert u["flags"] == [b"off", b"nopass"] and u["passwords"] == []
    setuser(admin, "u", ">p1")
    u = getuser(admin, "u")
    assert u["flags"] == [b"off"] and u["passwords"] == [h1.encode()]
    setuser(admin, "u", "nopass", "resetpass")
    u = getuser(admin, "u")
    assert u["flags"] == [b"off"] and u["passwords"] == []


def test_hashed_password_authenticates(fresh):
    admin = fresh()
    setuser(admin, "hashed", "on", "#" + A.sha256hex("secret"), "+@all")
    assert fresh()("AUTH", "hashed", "secret") == "OK"
    assert fresh()("AUTH", "hashed", A.sha256hex("secret")) == A.WRONGPASS


@pytest.mark.parametrize("bad", ["#abc", "#" + "A" * 64, "#" + "g" * 64, "#" + "a" * 63,
                                 "#" + "a" * 65, "!abc", "!" + "A" * 64])
def test_bad_password_hash(fresh, bad):
    admin = fresh()
    assert admin("ACL", "SETUSER", "u", bad) == Err(A.setuser_err(
        bad, "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters"))
    assert admin("ACL", "USERS") == [b"default"]  # a failed SETUSER creates nothing


def test_failed_setuser_changes_nothing(fresh):
    admin = fresh()
    setuser(admin, "u", "on", ">pw", "+get")
    before = admin("ACL", "GETUSER", "u")
    assert admin("ACL", "SETUSER", "u", "off", "+set", "bogus") == Err(
        A.setuser_err("bogus"))
    assert admin("ACL", "GETUSER", "u") == before


def test_sanitize_payload_flags(fresh):
    admin = fresh()
    setuser(admin, "u", "skip-sanitize-payload")
    assert getuser(admin, "u")["flags"] == [b"off", b"skip-sanitize-payload"]
    setuser(admin, "u", "sanitize-payload")
    assert getuser(admin, "u")["flags"] == [b"off", b"sanitize-payload"]
    assert admin("ACL", "LIST")[1] == b"user u off sanitize-payload resetchannels -@all"


def test_reset_rule(fresh):
    admin = fresh()
    setuser(admin, "u", "on", ">pw", "~*", "&*", "+@all", "(+get ~x)")
    setuser(admin, "u", "reset")
    assert admin("ACL", "GETUSER", "u") == [
        b"flags", [b"off", b"sanitize-payload"],
        b"passwords", [],
        b"commands", b"-@all",
        b"keys", b"",
        b"channels", b"",
        b"selectors", [],
    ]
    assert admin("ACL", "LIST")[1] == b"user u off sanitize-payload resetchannels -@all"


# --------------------------------------------------------------------------
# Bad rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rule,reason", [
    ("bogus", "Syntax error"),
    ("+nosuchcmd", A.UNKNOWN_CMD_OR_CAT),
    ("-nosuchcmd", A.UNKNOWN_CMD_OR_CAT),
    ("+@nosuchcat", A.UNKNOWN_CMD_OR_CAT),
    ("-@nosuchcat", A.UNKNOWN_CMD_OR_CAT),
    ("+config|nosuch", A.UNKNOWN_CMD_OR_CAT),
    ("+get|a|b", A.UNKNOWN_CMD_OR_CAT),
    ("+@read|x", A.UNKNOWN_CMD_OR_CAT),
    ("-select|0", A.UNKNOWN_CMD_OR_CAT),  # first-argument rules can only be added
    ("+select|", "Syntax error"),
    ("%X~a", "Syntax error"),
    ("%~a", "Syntax error"),
    ("(nopass)", "Syntax error"),
    ("(on)", "Syntax error"),
    ("(reset)", "Syntax error"),
    ("(clearselectors)", "Syntax error"),
    ("(+set ~b* bad)", "Syntax error"),
])
def test_bad_rules(fresh, rule, reason):
    admin = fresh()
    assert admin("ACL", "SETUSER", "u", rule) == Err(A.setuser_err(rule, reason))


def test_bad_rule_special_errors(fresh):
    admin = fresh()
    assert admin("ACL", "SETUSER", "u", "(+set") == Err(
        "ERR Unmatched parenthesis in acl selector starting at '(+set'.")
    assert admin("ACL", "SETUSER", "u", "allkeys", "~a") == Err(A.setuser_err(
        "~a", "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
              "does not have any effect. Try 'resetkeys' to start with an empty list of "
              "patterns"))
    assert admin("ACL", "SETUSER", "u", "~*", "~a") == Err(A.setuser_err(
        "~a", "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
              "does not have any effect. Try 'resetkeys' to start with an empty list of "
              "patterns"))
    assert admin("ACL", "SETUSER", "u", "allchannels", "&a") == Err(A.setuser_err(
        "&a", "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
              "and does not have any effect. Try 'resetchannels' to start with an empty list "
              "of channels"))
    assert admin("ACL", "USERS") == [b"default"]
    # The first bad rule is reported; the earlier good ones are not applied.
    assert admin("ACL", "SETUSER", "u", "+get", "+nosuch1", "+nosuch2") == Err(
        A.setuser_err("+nosuch1", A.UNKNOWN_CMD_OR_CAT))


# --------------------------------------------------------------------------
# Command rules
# --------------------------------------------------------------------------


def test_command_rules_allow_and_deny(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "allkeys", "+get", "+set")
    assert cl("SET", "k", "v") == "OK"
    assert cl("GET", "k") == b"v"
    assert cl("DEL", "k") == Err(A.noperm_cmd("del"))
    assert cl("PING") == Err(A.noperm_cmd("ping"))
    # Rules apply at once to connected clients.
    setuser(admin, "u", "-set")
    assert cl("SET", "k", "v") == Err(A.noperm_cmd("set"))
    assert cl("GET", "k") == b"v"
    # Command names are case-insensitive; the error names the command in lower case.
    setuser(admin, "u", "+DEL")
    assert cl("del", "k") == 1
    assert cl("sEt", "k", "v") == Err(A.noperm_cmd("set"))
    assert getuser(admin, "u")["commands"] in (b"-@all +get +del", b"-@all +del +get")
    # Unknown commands are unknown before any permission check.
    assert cl("NOSUCH") == Err("ERR unknown command 'NOSUCH', with args beginning with: ")


def test_category_rules(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "allkeys", "+@string")
    assert cl("SET", "k", "1") == "OK"
    assert cl("INCR", "k") == 2
    assert cl("APPEND", "k", "0") == 2
    assert cl("LPUSH", "l", "a") == Err(A.noperm_cmd("lpush"))
    assert getuser(admin, "u")["commands"] == b"-@all +@string"
    setuser(admin, "u", "+@all", "-@string")
    assert cl("GET", "k") == Err(A.noperm_cmd("get"))
    assert cl("LPUSH", "l", "a") == 1
    assert getuser(admin, "u")["commands"] == b"+@all -@string"
    setuser(admin, "u", "+@all", "-@read", "+get")
    assert cl("GET", "k") == b"20"
    assert cl("LRANGE", "l", "0", "-1") == Err(A.noperm_cmd("lrange"))
    assert getuser(admin, "u")["commands"] == b"+@all -@read +get"
    setuser(admin, "u", "+@all", "-@dangerous")
    assert cl("FLUSHALL") == Err(A.noperm_cmd("flushall"))
    assert cl("KEYS", "*") == Err(A.noperm_cmd("keys"))
    assert cl("DBSIZE") == 2


def test_command_rules_description(fresh):
    """How GETUSER describes the resulting command set (see the module docstring)."""
    admin = fresh()
    cases = [
        (("+get", "+set", "-get"), b"-@all +set"),
        (("+@all", "-@dangerous", "+config|get"), b"+@all -@dangerous +config|get"),
        (("+config", "-config|set"), b"-@all +config -config|set"),
        (("+select|0", "+select"), b"-@all +select"),  # the whole command absorbs first-args
        (("+select", "-select"), b"-@all"),
        (("allcommands", "-get"), b"+@all -get"),
        (("nocommands", "+get"), b"-@all +get"),
        (("+@all", "nocommands"), b"-@all"),
        (("allcommands",), b"+@all"),
        (("+GET",), b"-@all +get"),
        (("+acl",), b"-@all +acl"),
        (("-acl|deluser", "+acl"), b"-@all +acl"),
        (("+acl", "-acl|deluser"), b"-@all +acl -acl|deluser"),
        (("-@read", "+@read"), b"-@all +@read"),
        (("+@read", "-@read"), b"-@all"),
        (("+select|0", "-select"), b"-@all"),
    ]
    for rules, expected in cases:
        admin("ACL", "DELUSER", "d")
        setuser(admin, "d", *rules)
        assert getuser(admin, "d")["commands"] == expected, rules
    admin("ACL", "DELUSER", "d")
    setuser(admin, "d", "+select|0", "+select|1", "+config|get", "+config|set")
    assert rule_tokens(getuser(admin, "d")["commands"]) == (
        "-@all", {"+select|0", "+select|1", "+config|get", "+config|set"})


def test_subcommand_rules(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+config|get")
    assert cl("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
    assert cl("CONFIG", "SET", "maxmemory", "0") == Err(A.noperm_cmd("config|set"))
    assert cl("CONFIG", "RESETSTAT") == Err(A.noperm_cmd("config|resetstat"))
    # The container's own error for an unknown subcommand comes before ACL.
    assert cl("CONFIG", "NOSUCH") == Err(
        "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.")
    assert getuser(admin, "u")["commands"] == b"-@all +config|get"
    # +config allows every subcommand; -config|set then takes one away.
    setuser(admin, "u", "+config", "-config|set")
    assert cl("CONFIG", "RESETSTAT") == "OK"
    assert cl("CONFIG", "SET", "maxmemory", "0") == Err(A.noperm_cmd("config|set"))
    # A container command with no subcommand allowed.
    setuser(admin, "u", "-config", "+client|id")
    assert isinstance(cl("CLIENT", "ID"), int)
    assert cl("CLIENT", "SETNAME", "x") == Err(A.noperm_cmd("client|setname"))
    assert cl("CONFIG", "GET", "maxmemory") == Err(A.noperm_cmd("config|get"))


def test_first_argument_rules(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+select|0", "+select|2")
    assert cl("SELECT", "0") == "OK"
    assert cl("SELECT", "2") == "OK"
    assert cl("SELECT", "1") == Err(A.noperm_cmd("select"))
    assert rule_tokens(getuser(admin, "u")["commands"]) == ("-@all", {"+select|0", "+select|2"})
    # A first-argument rule on a command without subcommands matches its first argument
    # (case-insensitively).
    setuser(admin, "u", "+get|x", "~*")
    assert cl("GET", "x") is None
    assert cl("GET", "X") is None
    assert cl("GET", "y") == Err(A.noperm_cmd("get"))
    # ... but not on a subcommand's first argument.
    assert admin("ACL", "SETUSER", "u", "+config|get|maxmemory") == Err(A.setuser_err(
        "+config|get|maxmemory", "Allowing first-arg of a subcommand is not supported"))


def test_allcommands_nocommands(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "allkeys", "allcommands")
    assert cl("SET", "k", "v") == "OK"
    assert cl("CONFIG", "GET", "hz") == [b"hz", b"10"]
    setuser(admin, "u", "nocommands")
    assert cl("GET", "k") == Err(A.noperm_cmd("get"))
    assert cl("PING") == Err(A.noperm_cmd("ping"))
    # The commands flagged no_auth (AUTH, HELLO, QUIT, RESET) skip the command rules: a user
    # with no commands can still run them.
    assert cl("AUTH", "u", "x") == "OK"
    assert isinstance(cl("HELLO", "2"), list)
    assert cl("RESET") == "RESET"  # back to the default user
    assert cl("ACL", "WHOAMI") == b"default"
    other = fresh("u", "x")
    assert other("QUIT") == "OK"
    assert A.wait_closed(other)


def test_acl_cat(fresh):
    cl = fresh()
    assert cl("ACL", "CAT") == [
        b"keyspace", b"read", b"write", b"set", b"sortedset", b"list", b"hash", b"string",
        b"bitmap", b"hyperloglog", b"geo", b"stream", b"pubsub", b"admin", b"fast", b"slow",
        b"blocking", b"dangerous", b"connection", b"transaction", b"scripting"]
    members = {cat: set(cl("ACL", "CAT", cat))
               for cat in ("string", "list", "keyspace", "read", "write", "dangerous", "fast",
                           "slow", "blocking", "pubsub", "transaction", "scripting",
                           "connection", "admin", "hash", "set", "sortedset", "bitmap",
                           "hyperloglog")}
    expect_in = {
        "string": {b"get", b"set", b"append", b"incr", b"mget", b"getrange", b"setex"},
        "list": {b"lpush", b"lrange", b"blpop", b"lmove", b"sort"},
        "keyspace": {b"del", b"exists", b"expire", b"keys", b"scan", b"rename", b"type",
                     b"copy", b"flushall", b"dbsize"},
        "read": {b"get", b"lrange", b"hgetall", b"exists", b"keys", b"type"},
        "write": {b"set", b"del", b"lpush", b"flushall", b"copy"},
        "dangerous": {b"flushall", b"flushdb", b"keys", b"config|get", b"config|set",
                      b"debug", b"shutdown", b"acl|setuser", b"client|kill"},
        "fast": {b"get", b"lpush", b"ping", b"hget", b"incr", b"exists"},
        "slow": {b"set", b"keys", b"lrange", b"flushall", b"eval", b"sort"},  # SET is @slow
        "blocking": {b"blpop", b"brpop", b"blmove", b"bzpopmin", b"brpoplpush"},
        "pubsub": {b"publish", b"subscribe", b"psubscribe", b"unsubscribe",
                   b"pubsub|channels"},
        "transaction": {b"multi", b"exec", b"discard", b"watch", b"unwatch"},
        "scripting": {b"eval", b"evalsha", b"script|load", b"function|load", b"fcall"},
        "connection": {b"auth", b"hello", b"ping", b"echo", b"select", b"client|id",
                       b"reset"},
        "admin": {b"config|set", b"debug", b"acl|setuser", b"monitor"},
        "hash": {b"hset", b"hget", b"hgetall"},
        "set": {b"sadd", b"smembers", b"sort"},
        "sortedset": {b"zadd", b"zrange", b"bzpopmin", b"sort"},
        "bitmap": {b"setbit", b"getbit", b"bitcount"},
    }
    expect_out = {
        "string": {b"lpush", b"del", b"hset"},
        "read": {b"set", b"del", b"lpush"},
        "write": {b"get", b"lrange"},
        "dangerous": {b"get", b"set"},
        "fast": {b"set", b"keys", b"lrange", b"flushall"},
        "slow": {b"get", b"incr"},
        "blocking": {b"lpop", b"get"},
        "admin": {b"get", b"acl|whoami", b"config"},
        "hyperloglog": {b"get", b"set", b"lpush"},
        "scripting": {b"get"},
    }
    for cat, want in expect_in.items():
        assert want <= members[cat], (cat, want - members[cat])
    for cat, unwanted in expect_out.items():
        assert not (unwanted & members[cat]), (cat, unwanted & members[cat])
    # Containers are not listed themselves when only their subcommands are in a category.
    assert b"config" not in members["dangerous"]
    assert cl("ACL", "CAT", "nosuch") == Err("ERR Unknown category 'nosuch'")
    assert cl("ACL", "CAT", "a", "b") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
    # Category names are case-insensitive.
    assert set(cl("ACL", "CAT", "STRING")) == members["string"]


# --------------------------------------------------------------------------
# Key rules
# --------------------------------------------------------------------------


def test_key_patterns(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+@all", "~obj:*", "~simple")
    assert cl("SET", "obj:1", "v") == "OK"
    assert cl("SET", "simple", "v") == "OK"
    assert cl("SET", "other", "v") == Err(A.NOPERM_KEY)
    assert cl("GET", "simplex") == Err(A.NOPERM_KEY)
    # Every key of a multi-key command must match.
    assert cl("MGET", "obj:1", "simple") == [b"v", b"v"]
    assert cl("MGET", "obj:1", "other") == Err(A.NOPERM_KEY)
    # Commands without key arguments are not affected by key patterns.
    assert cl("PING") == "PONG"
    assert cl("DBSIZE") == 2
    # KEYS/SCAN take patterns, not keys: allowed (and they list every key).
    assert sorted(cl("KEYS", "*")) == [b"obj:1", b"simple"]
    assert getuser(admin, "u")["keys"] == b"~obj:* ~simple"
    setuser(admin, "u", "resetkeys", "~other")
    assert cl("GET", "obj:1") == Err(A.NOPERM_KEY)
    assert cl("GET", "other") is None
    setuser(admin, "u", "allkeys")
    assert cl("GET", "obj:1") == b"v"
    assert getuser(admin, "u")["keys"] == b"~*"
    setuser(admin, "u", "resetkeys")
    assert getuser(admin, "u")["keys"] == b""
    assert cl("GET", "obj:1") == Err(A.NOPERM_KEY)


def test_key_pattern_descriptions(fresh):
    admin = fresh()
    cases = [
        (("%RW~x",), b"~x"),
        (("%R~x", "%W~x"), b"~x"),  # read + write on one pattern merge into ~
        (("%W~x", "%R~x"), b"~x"),
        (("%R~x", "~x"), b"~x"),
        (("%R~x", "%R~x"), b"%R~x"),
        (("~x", "~x"), b"~x"),
        (("%R~x", "%W~y", "~z", "%RW~w"), b"%R~x %W~y ~z ~w"),
        (("allkeys", "resetkeys", "~a"), b"~a"),
        (("~a", "allkeys"), b"~*"),
        (("%R~*",), b"%R~*"),
        (("~",), b"~"),  # the empty pattern is accepted
        # Surprising: a %<flags> selector with no "~" is the empty pattern, not an error.
        (("%R",), b"%R~"),
        (("%W",), b"%W~"),
        (("%RW",), b"~"),
    ]
    for rules, expected in cases:
        admin("ACL", "DELUSER", "d")
        setuser(admin, "d", *rules)
        assert getuser(admin, "d")["keys"] == expected, rules


def test_read_write_key_permissions(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+@all", "%R~read*", "%W~write*", "%RW~rw*")
    assert admin("SET", "read1", "r") == "OK"
    assert admin("RPUSH", "readlist", "a", "b") == 2
    assert cl("GET", "read1") == b"r"
    assert cl("SET", "read1", "x") == Err(A.NOPERM_KEY)
    assert cl("SET", "write1", "w") == "OK"
    assert cl("GET", "write1") == Err(A.NOPERM_KEY)
    assert cl("SET", "rw1", "v") == "OK"
    assert cl("GET", "rw1") == b"v"
    # Key flags per command: COPY reads its source and writes its destination.
    assert cl("COPY", "read1", "write2") == 1
    assert cl("COPY", "read1", "read2") == Err(A.NOPERM_KEY)
    assert cl("COPY", "write1", "write3") == Err(A.NOPERM_KEY)
    # LMOVE reads and writes (removes from) its source: a read-only source is refused.
    assert cl("LMOVE", "readlist", "write4", "LEFT", "LEFT") == Err(A.NOPERM_KEY)
    assert cl("LMOVE", "rwlist", "write4", "LEFT", "LEFT") is None
    # SORT ... STORE writes the destination, reads the source.
    assert cl("SORT", "readlist", "ALPHA", "STORE", "write5") == 2
    assert cl("SORT", "readlist", "ALPHA", "STORE", "read5") == Err(A.NOPERM_KEY)
    assert cl("SORT", "readlist", "ALPHA") == [b"a", b"b"]
    # DEL needs write access; EXISTS and TYPE read (access) flags only.
    assert cl("DEL", "read1") == Err(A.NOPERM_KEY)
    assert cl("EXISTS", "read1") == 1
    # Read permission is needed only by key specs flagged ACCESS (the command returns or uses
    # the value): APPEND's key is RW + INSERT but not ACCESS, so a write-only pattern allows it,
    # while GETDEL (RW ACCESS DELETE), INCR (RW ACCESS UPDATE) and LMOVE's source need both.
    assert cl("APPEND", "write1", "x") == 2
    assert cl("GETDEL", "write1") == Err(A.NOPERM_KEY)
    assert cl("INCR", "write9") == Err(A.NOPERM_KEY)
    assert cl("GETDEL", "rw1") == b"v"
    # Patterns are globs.
    assert cl("GET", "xread1") == Err(A.NOPERM_KEY)


def test_key_flags_of_metadata_and_existence_commands(fresh):
    """Port of acl-v2.tcl's key-permission cases: commands that only test existence or read
    metadata (EXISTS, TYPE, TOUCH, STRLEN, LLEN, SCARD, HEXISTS, SISMEMBER, OBJECT, MEMORY
    USAGE) are not ACCESS commands, so a write-only pattern allows them, and so does a
    read-only one; TTL and SINTERCARD are ACCESS (need read); DEL/UNLINK/EXPIRE need write."""
    admin = fresh()
    assert admin("SET", "w1", "v") == "OK"
    assert admin("RPUSH", "wl", "3", "1", "2") == 3
    assert admin("SADD", "ws", "a") == 1
    assert admin("HSET", "wh", "f", "v") == 1
    assert admin("SET", "r1", "v") == "OK"
    cl = user_client(fresh, admin, "u", "+@all", "%W~w*", "%R~r*")
    for cmd, reply in [
        (("EXISTS", "w1"), 1), (("TYPE", "w1"), "string"), (("TOUCH", "w1"), 1),
        (("OBJECT", "ENCODING", "w1"), b"embstr"), (("STRLEN", "w1"), 1), (("LLEN", "wl"), 3),
        (("SCARD", "ws"), 1), (("HEXISTS", "wh", "f"), 1), (("SISMEMBER", "ws", "a"), 1),
        (("EXISTS", "r1"), 1), (("TYPE", "r1"), "string"), (("TOUCH", "r1"), 1),
    ]:
        assert cl(*cmd) == reply, cmd
    assert isinstance(cl("MEMORY", "USAGE", "wl"), int)
    for cmd in [("TTL", "w1"), ("SINTERCARD", "1", "ws"), ("SORT", "wl"), ("RENAME", "wl", "w2"),
                ("DEL", "r1"), ("UNLINK", "r1"), ("EXPIRE", "r1", "100")]:
        assert cl(*cmd) == Err(A.NOPERM_KEY), cmd
    assert cl("EXPIRE", "w1", "100") == 1
    assert cl("DEL", "w1") == 1


def test_sort_by_get_need_access_to_all_keys(fresh):
    """SORT/SORT_RO's BY and GET patterns name keys ACL cannot check in advance: a user
    without access to every key gets an ERR (not NOPERM) for them; even GET # (the element
    itself) is refused. BY nosort is fine."""
    admin = fresh()
    assert admin("RPUSH", "l", "2", "1") == 2
    cl = user_client(fresh, admin, "u", "+@all", "~l*")
    assert cl("SORT", "l") == [b"1", b"2"]
    assert cl("SORT", "l", "BY", "nosort") == [b"2", b"1"]
    by = Err("ERR BY option of SORT denied due to insufficient ACL permissions.")
    get = Err("ERR GET option of SORT denied due to insufficient ACL permissions.")
    assert cl("SORT", "l", "BY", "l*") == by
    assert cl("SORT_RO", "l", "BY", "x*") == by
    assert cl("SORT", "l", "GET", "#") == get
    assert cl("SORT", "l", "GET", "l*") == get
    setuser(admin, "u", "allkeys")
    assert cl("SORT", "l", "BY", "nosort", "GET", "#") == [b"2", b"1"]
    assert cl("SORT", "l", "BY", "w_*", "GET", "#") == [b"1", b"2"]


# --------------------------------------------------------------------------
# Channel rules and pub/sub
# --------------------------------------------------------------------------


def test_channel_rules_publish_subscribe(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+@all", "&news.*", "&exact")
    assert cl("PUBLISH", "news.sport", "m") == 0
    assert cl("PUBLISH", "exact", "m") == 0
    assert cl("PUBLISH", "other", "m") == Err(A.NOPERM_CHANNEL)
    assert getuser(admin, "u")["channels"] == b"&news.* &exact"
    sub = fresh("u", "x")
    # One channel not allowed refuses the whole SUBSCRIBE.
    assert sub("SUBSCRIBE", "exact", "other") == Err(A.NOPERM_CHANNEL)
    assert sub("SUBSCRIBE", "exact") == [b"subscribe", b"exact", 1]
    assert sub("SUBSCRIBE", "news.weather") == [b"subscribe", b"news.weather", 2]
    # UNSUBSCRIBE is never checked.
    assert sub("UNSUBSCRIBE", "other") == [b"unsubscribe", b"other", 2]
    sub.close()
    # PSUBSCRIBE: the pattern must equal an allowed pattern literally, not just match it.
    # Sharded pub/sub is checked the same way.
    assert cl("SPUBLISH", "other", "m") == Err(A.NOPERM_CHANNEL)
    assert cl("SPUBLISH", "exact", "m") == 0
    ssub = fresh("u", "x")
    assert ssub("SSUBSCRIBE", "other") == Err(A.NOPERM_CHANNEL)
    assert ssub("SSUBSCRIBE", "news.x") == [b"ssubscribe", b"news.x", 1]
    ssub.close()
    psub = fresh("u", "x")
    assert psub("PSUBSCRIBE", "news.s*") == Err(A.NOPERM_CHANNEL)
    assert psub("PSUBSCRIBE", "exact*") == Err(A.NOPERM_CHANNEL)
    assert psub("PSUBSCRIBE", "news.*") == [b"psubscribe", b"news.*", 1]
    assert psub("PSUBSCRIBE", "exact") == [b"psubscribe", b"exact", 2]


def test_allchannels_resetchannels(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+@all", "allchannels")
    assert cl("PUBLISH", "anything", "m") == 0
    assert cl("PSUBSCRIBE", "a*") == [b"psubscribe", b"a*", 1]
    assert getuser(admin, "u")["channels"] == b"&*"
    assert admin("ACL", "LIST")[1] == b"user u on nopass &* +@all"
    cl2 = fresh("u", "x")
    setuser(admin, "u", "resetchannels")
    assert getuser(admin, "u")["channels"] == b""
    assert cl2("PUBLISH", "anything", "m") == Err(A.NOPERM_CHANNEL)
    setuser(admin, "u", "&a", "&a", "&b*")
    assert getuser(admin, "u")["channels"] == b"&a &b*"


def test_acl_pubsub_default(fresh):
    admin = fresh()
    assert admin("CONFIG", "GET", "acl-pubsub-default") == [b"acl-pubsub-default",
                                                           b"resetchannels"]
    setuser(admin, "before")
    assert admin("CONFIG", "SET", "acl-pubsub-default", "allchannels") == "OK"
    setuser(admin, "after")
    assert getuser(admin, "before")["channels"] == b""
    assert getuser(admin, "after")["channels"] == b"&*"
    assert admin("ACL", "LIST")[0] == b"user after off &* -@all"
    # reset applies the current default too.
    setuser(admin, "before", "reset")
    assert getuser(admin, "before")["channels"] == b"&*"
    assert admin("ACL", "LIST")[1] == b"user before off sanitize-payload &* -@all"
    assert admin("CONFIG", "SET", "acl-pubsub-default", "bogus") == Err(
        "ERR CONFIG SET failed (possibly related to argument 'acl-pubsub-default') - "
        "argument(s) must be one of the following: allchannels, resetchannels")


def test_subscriber_killed_when_channel_permission_removed(fresh):
    """Redis 7.0 disconnects a subscribed client of a user whose channel permissions no longer
    cover one of its subscriptions (when the channel rules change)."""
    admin = fresh()
    setuser(admin, "u", "on", "nopass", "+@all", "&a", "&p*")
    sub = fresh("u", "x")
    assert sub("SUBSCRIBE", "a") == [b"subscribe", b"a", 1]
    psub = fresh("u", "x")
    assert psub("PSUBSCRIBE", "p*") == [b"psubscribe", b"p*", 1]
    idle = fresh("u", "x")  # not subscribed to anything
    # Adding a channel keeps every subscription valid: nobody is disconnected.
    setuser(admin, "u", "&b")
    # Replacing the rules by ones that still cover every subscription (the glob &a* matches
    # the channel "a") disconnects nobody either.
    setuser(admin, "u", "resetchannels", "&a*", "&p*")
    assert not A.wait_closed(sub, 0.2)
    # Taking "a" away kills its subscriber; the pattern subscriber keeps "p*".
    setuser(admin, "u", "resetchannels", "&b", "&p*")
    assert A.wait_closed(sub)
    assert psub("PING") == [b"pong", b""]  # still connected (RESP2 PING in subscribed mode)
    assert A.still_open(idle)
    # Taking the pattern away kills the pattern subscriber.
    setuser(admin, "u", "resetchannels", "&b")
    assert A.wait_closed(psub)
    assert A.still_open(idle)


def test_subscriber_with_allchannels_then_reset(fresh):
    admin = fresh()
    setuser(admin, "u", "on", "nopass", "+@all", "allchannels")
    sub = fresh("u", "x")
    assert sub("SUBSCRIBE", "anything") == [b"subscribe", b"anything", 1]
    setuser(admin, "u", "resetchannels", "&other")
    assert A.wait_closed(sub)


# --------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------


def test_selectors_any_selector_allows(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "+get", "~a*", "(+set ~b*)", "(%R~c* +@read &x)")
    assert cl("GET", "a1") is None           # root permissions
    assert cl("SET", "b1", "v") == "OK"       # first selector
    assert cl("GET", "c1") is None           # second selector (read-only key)
    assert cl("LRANGE", "c1", "0", "-1") == []
    assert cl("SET", "a1", "v") == Err(A.NOPERM_KEY)   # +set only for b*
    assert cl("GET", "b1") == Err(A.NOPERM_KEY)        # +get only for a*, @read for c*
    assert cl("SET", "c1", "v") == Err(A.NOPERM_KEY)
    assert cl("DEL", "a1") == Err(A.noperm_cmd("del"))
    # The keys of one command must all be allowed by one selector.
    assert cl("MGET", "a1", "c1") == Err(A.NOPERM_KEY)
    assert cl("MGET", "c1", "c2") == [None, None]
    # Channels come from the selector that allows the command.
    assert cl("PUBLISH", "x", "m") == Err(A.noperm_cmd("publish"))
    setuser(admin, "u", "(+publish &x)")
    assert cl("PUBLISH", "x", "m") == 0
    assert cl("PUBLISH", "y", "m") == Err(A.NOPERM_CHANNEL)
    setuser(admin, "u", "clearselectors")
    assert getuser(admin, "u")["selectors"] == []
    assert cl("SET", "b1", "v") == Err(A.noperm_cmd("set"))


def test_selectors_description(fresh):
    admin = fresh()
    setuser(admin, "u", "on", "nopass", "+get", "~a*", "(+set ~b*)", "(%R~c* +@read &x)")
    assert getuser(admin, "u")["selectors"] == [
        [b"commands", b"-@all +set", b"keys", b"~b*", b"channels", b""],
        [b"commands", b"-@all +@read", b"keys", b"%R~c*", b"channels", b"&x"],
    ]
    assert admin("ACL", "LIST")[1] == (
        b"user u on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set) "
        b"(%R~c* resetchannels &x -@all +@read)")
    # Empty selectors are kept; spaces inside parentheses are allowed.
    setuser(admin, "u", "clearselectors", "()", "( ~d  +get )")
    assert getuser(admin, "u")["selectors"] == [
        [b"commands", b"-@all", b"keys", b"", b"channels", b""],
        [b"commands", b"-@all +get", b"keys", b"~d", b"channels", b""],
    ]
    setuser(admin, "u", "clearselectors", "(allkeys +@all)")
    assert admin("ACL", "LIST")[1] == (
        b"user u on nopass ~a* resetchannels -@all +get (~* resetchannels +@all)")


def test_selector_with_keyless_and_keyed_commands(fresh):
    """Port of acl-v2.tcl: keyless commands are allowed by any selector allowing the command,
    whatever its keys; a keyed command needs its keys in the same selector."""
    admin = fresh()
    cl = user_client(fresh, admin, "u", "(+ping +get ~k)", "(+dbsize)")
    assert cl("PING") == "PONG"
    assert cl("DBSIZE") == 0
    assert cl("GET", "k") is None
    assert cl("GET", "j") == Err(A.NOPERM_KEY)
    assert cl("ECHO", "x") == Err(A.noperm_cmd("echo"))


# --------------------------------------------------------------------------
# DRYRUN
# --------------------------------------------------------------------------


def test_dryrun(fresh):
    admin = fresh()
    setuser(admin, "u", "on", "nopass", "+get", "+publish", "~a*", "&c*", "(+set ~b*)")
    assert admin("ACL", "DRYRUN", "default", "flushall") == "OK"
    assert admin("ACL", "DRYRUN", "u", "get", "a1") == "OK"
    assert admin("ACL", "DRYRUN", "u", "set", "b1", "v") == "OK"
    # Denials are bulk strings, not errors.
    assert admin("ACL", "DRYRUN", "u", "get", "x") == (
        b"This user has no permissions to access the 'x' key")
    assert admin("ACL", "DRYRUN", "u", "set", "a1", "v") == (
        b"This user has no permissions to access the 'a1' key")
    assert admin("ACL", "DRYRUN", "u", "del", "a1") == (
        b"This user has no permissions to run the 'del' command")
    assert admin("ACL", "DRYRUN", "u", "config", "get", "hz") == (
        b"This user has no permissions to run the 'config|get' command")
    assert admin("ACL", "DRYRUN", "u", "publish", "d", "m") == (
        b"This user has no permissions to access the 'd' channel")
    assert admin("ACL", "DRYRUN", "u", "publish", "c1", "m") == "OK"
    assert admin("ACL", "DRYRUN", "nosuch", "get", "a") == Err("ERR User 'nosuch' not found")
    assert admin("ACL", "DRYRUN", "u", "nosuchcmd", "a") == Err(
        "ERR Command 'nosuchcmd' not found")
    assert admin("ACL", "DRYRUN", "u", "get") == Err(
        "ERR wrong number of arguments for 'get' command")
    assert admin("ACL", "DRYRUN", "u") == Err(
        "ERR wrong number of arguments for 'acl|dryrun' command")
    # DRYRUN checks the rules only; a disabled user is still checked.
    setuser(admin, "u", "off")
    assert admin("ACL", "DRYRUN", "u", "get", "a1") == "OK"
    # Nothing is logged.
    assert admin("ACL", "LOG") == []


# --------------------------------------------------------------------------
# MULTI and scripts
# --------------------------------------------------------------------------


def test_noperm_in_multi_at_queue_time(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "~*", "+multi", "+exec", "+set", "+get")
    assert cl("MULTI") == "OK"
    assert cl("SET", "k", "v") == "QUEUED"
    assert cl("FLUSHALL") == Err(A.noperm_cmd("flushall"))
    assert cl("EXEC") == Err(A.EXECABORT)
    assert admin("EXISTS", "k") == 0
    e = log_entries(admin)
    assert len(e) == 1
    assert (e[0]["reason"], e[0]["context"], e[0]["object"]) == (b"command", b"multi",
                                                                  b"flushall")


def test_noperm_in_multi_at_exec_time(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "~*", "&*", "+multi", "+exec", "+set", "+get",
                     "+publish")
    assert cl("MULTI") == "OK"
    assert cl("SET", "k", "v") == "QUEUED"
    assert cl("GET", "k") == "QUEUED"
    assert cl("SET", "other", "v") == "QUEUED"
    assert cl("PUBLISH", "ch", "m") == "QUEUED"
    setuser(admin, "u", "-get", "resetkeys", "~k", "resetchannels")
    reply = cl("EXEC")
    prefix = ("NOPERM ACLs rules changed between the moment the transaction was accumulated "
              "and the EXEC call. This command is no longer allowed for the following reason: ")
    assert reply == [
        "OK",
        Err(prefix + "no permission to execute the command or subcommand"),
        Err(prefix + "no permission to touch the specified keys"),
        Err(prefix + "no permission to access one of the channels used as arguments"),
    ]
    assert admin("GET", "k") == b"v"
    assert admin("EXISTS", "other") == 0
    e = log_entries(admin)
    assert [(x["reason"], x["context"], x["object"]) for x in e] == [
        (b"channel", b"multi", b"ch"), (b"key", b"multi", b"other"),
        (b"command", b"multi", b"get")]


def test_noperm_in_scripts(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "u", "~k*", "+eval", "+get", "+set")

    def call_err(body, what):
        return Err("ERR The user executing the script %s script: %s, on @user_script:1."
                   % (what, A.sha1hex(body)))

    body = "return redis.call('set','x','1')"
    assert cl("EVAL", body, "0") == call_err(
        body, "can't access at least one of the keys mentioned in the command arguments")
    body = "return redis.call('flushall')"
    assert cl("EVAL", body, "0") == call_err(body, "can't run this command or subcommand")
    body = "return redis.call('publish','ch','m')"
    setuser(admin, "u", "+publish")
    assert cl("EVAL", body, "0") == call_err(
        body, "can't publish to the channel mentioned in the command")
    # redis.pcall returns the error (without the script location) to the script.
    assert cl("EVAL", "return redis.pcall('set','x','1')", "0") == Err(
        "ERR The user executing the script can't access at least one of the keys mentioned "
        "in the command arguments")
    assert cl("EVAL", "local r = redis.pcall('flushall'); return r['err']", "0") == (
        b"ERR The user executing the script can't run this command or subcommand")
    # Allowed calls work.
    assert cl("EVAL", "return redis.call('set','k1','v')", "0") == "OK"
    # The keys passed to EVAL itself are checked before the script runs.
    assert cl("EVAL", "return 1", "1", "x") == Err(A.NOPERM_KEY)
    # Denials inside scripts are logged with context "lua" (pcall ones too); a repeated
    # denial is merged into its earlier entry, which moves to the top.
    e = log_entries(admin)
    assert [(x["reason"], x["context"], x["object"], x["count"]) for x in e] == [
        (b"key", b"toplevel", b"x", 1),
        (b"command", b"lua", b"flushall", 2),
        (b"key", b"lua", b"x", 2),
        (b"channel", b"lua", b"ch", 1),
    ]
    assert all(b" cmd=eval " in x["client-info"] for x in e)


# --------------------------------------------------------------------------
# ACL LOG
# --------------------------------------------------------------------------


def test_acl_log_fields_and_grouping(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "logu", "~k*", "&c*", "+get", "+publish", "+acl|whoami")
    assert cl("CLIENT", "SETNAME", "x") == Err(A.noperm_cmd("client|setname"))
    assert cl("GET", "nokey") == Err(A.NOPERM_KEY)
    assert cl("PUBLISH", "nochan", "m") == Err(A.NOPERM_CHANNEL)
    assert cl("GET", "nokey") == Err(A.NOPERM_KEY)  # merged with the earlier identical entry
    raw = admin("ACL", "LOG")
    assert len(raw) == 3
    e = [P(x) for x in raw]
    for x in e:
        assert list(x) == ["count", "reason", "context", "object", "username", "age-seconds",
                           "client-info"]
        assert x["username"] == b"logu"
        assert x["context"] == b"toplevel"
        assert isinstance(x["age-seconds"], bytes) and 0 <= float(x["age-seconds"]) < 10
        assert b" user=logu " in x["client-info"]
    # Newest first; a repeated denial moves its merged entry to the top.
    assert [(x["reason"], x["object"], x["count"]) for x in e] == [
        (b"key", b"nokey", 2), (b"channel", b"nochan", 1), (b"command", b"client|setname", 1)]
    assert b" cmd=get " in e[0]["client-info"]
    assert b" cmd=client|setname " in e[2]["client-info"]
    # ACL LOG <count>
    assert [P(x)["object"] for x in admin("ACL", "LOG", "2")] == [b"nokey", b"nochan"]
    assert admin("ACL", "LOG", "0") == []
    assert admin("ACL", "LOG", "-1") == []  # surprising: no error
    assert admin("ACL", "LOG", "x") == Err("ERR value is not an integer or out of range")
    assert admin("ACL", "LOG", "1", "2") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")
    # RESP3: a map per entry and age-seconds a double.
    r3 = fresh(resp=3)
    entries = r3("ACL", "LOG", "1")
    assert isinstance(entries[0], dict) and isinstance(entries[0][b"age-seconds"], float)
    assert entries[0][b"count"] == 2
    assert admin("ACL", "LOG", "RESET") == "OK"
    assert admin("ACL", "LOG") == []


def test_acl_log_max_len(fresh):
    admin = fresh()
    assert admin("CONFIG", "GET", "acllog-max-len") == [b"acllog-max-len", b"128"]
    cl = user_client(fresh, admin, "u", "+get")
    try:
        assert admin("CONFIG", "SET", "acllog-max-len", "3") == "OK"
        for i in range(5):
            assert cl("GET", "k%d" % i) == Err(A.NOPERM_KEY)
        assert [P(x)["object"] for x in admin("ACL", "LOG")] == [b"k4", b"k3", b"k2"]
    finally:
        assert admin("CONFIG", "SET", "acllog-max-len", "128") == "OK"


# --------------------------------------------------------------------------
# GENPASS, DELUSER, HELP, errors
# --------------------------------------------------------------------------


def test_genpass(fresh):
    cl = fresh()
    a = cl("ACL", "GENPASS")
    b = cl("ACL", "GENPASS")
    assert re.fullmatch(rb"[0-9a-f]{64}", a) and a != b
    assert re.fullmatch(rb"[0-9a-f]{2}", cl("ACL", "GENPASS", "5"))
    assert re.fullmatch(rb"[0-9a-f]{1}", cl("ACL", "GENPASS", "1"))
    assert re.fullmatch(rb"[0-9a-f]{32}", cl("ACL", "GENPASS", "128"))
    assert re.fullmatch(rb"[0-9a-f]{1024}", cl("ACL", "GENPASS", "4096"))
    err = Err("ERR ACL GENPASS argument must be the number of bits for the output password, "
              "a positive number up to 4096")
    assert cl("ACL", "GENPASS", "0") == err
    assert cl("ACL", "GENPASS", "-5") == err
    assert cl("ACL", "GENPASS", "4097") == err
    assert cl("ACL", "GENPASS", "abc") == Err("ERR value is not an integer or out of range")
    assert cl("ACL", "GENPASS", "1", "2") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'GENPASS'. Try ACL HELP.")


def test_deluser(fresh):
    admin = fresh()
    setuser(admin, "a")
    setuser(admin, "b")
    assert admin("ACL", "DELUSER", "a", "b", "nosuch") == 2
    assert admin("ACL", "DELUSER", "a") == 0
    assert admin("ACL", "DELUSER", "default") == Err("ERR The 'default' user cannot be removed")
    setuser(admin, "c")
    # The error comes first: nothing is deleted.
    assert admin("ACL", "DELUSER", "c", "default") == Err(
        "ERR The 'default' user cannot be removed")
    assert admin("ACL", "USERS") == [b"c", b"default"]
    assert admin("ACL", "DELUSER") == Err(
        "ERR wrong number of arguments for 'acl|deluser' command")


def test_acl_help_and_errors(fresh):
    cl = fresh()
    help_ = cl("ACL", "HELP")
    # Status replies (simple strings), like every HELP.
    assert help_[0] == "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert help_[1] == "CAT [<category>]"
    assert len(help_) == 29
    assert help_[-2:] == ["HELP", "    Prints this help."]
    assert cl("ACL") == Err("ERR wrong number of arguments for 'acl' command")
    assert cl("ACL", "NOSUCH") == Err("ERR unknown subcommand 'NOSUCH'. Try ACL HELP.")
    assert cl("ACL", "SETUSER") == Err(
        "ERR wrong number of arguments for 'acl|setuser' command")
    assert cl("ACL", "USERS", "x") == Err("ERR wrong number of arguments for 'acl|users' command")
    assert cl("ACL", "LIST", "x") == Err("ERR wrong number of arguments for 'acl|list' command")


def test_acl_save_load_without_aclfile(fresh):
    cl = fresh()
    assert cl("ACL", "SAVE") == Err(A.NO_ACLFILE)
    assert cl("ACL", "LOAD") == Err(A.NO_ACLFILE)
    assert cl("CONFIG", "GET", "aclfile") == [b"aclfile", b""]


# --------------------------------------------------------------------------
# Connected clients when their user changes
# --------------------------------------------------------------------------


def test_deluser_closes_its_connections(fresh):
    admin = fresh()
    setuser(admin, "gone", "on", ">pw", "+@all")
    setuser(admin, "stay", "on", ">pw", "+@all")
    c1 = fresh("gone", "pw")
    c2 = fresh("gone", "pw")
    other = fresh("stay", "pw")
    assert admin("ACL", "DELUSER", "gone") == 1
    assert A.wait_closed(c1)
    assert A.wait_closed(c2)
    assert A.still_open(other)
    assert A.still_open(admin)


def test_deluser_of_own_user(fresh):
    admin = fresh()
    cl = user_client(fresh, admin, "self", "+@all")
    # The reply is sent before the connection is closed.
    assert cl("ACL", "DELUSER", "self") == 1
    assert A.wait_closed(cl)


def test_client_kill_user(fresh):
    admin = fresh()
    setuser(admin, "k", "on", "nopass", "+@all")
    c1 = fresh("k", "x")
    c2 = fresh("k", "x")
    keep = fresh()
    assert admin("CLIENT", "KILL", "USER", "k") == 2
    assert A.wait_closed(c1) and A.wait_closed(c2)
    assert A.still_open(keep)
    assert admin("CLIENT", "KILL", "USER", "k") == 0
    assert admin("CLIENT", "KILL", "USER", "nosuch") == Err("ERR No such user 'nosuch'")


def test_disabled_user_connections_stay_authenticated(fresh):
    """Redis 7.0 does NOT disconnect or log out the connections of a user switched `off`, nor of
    a user whose passwords change: they keep running commands under the (current) rules. Only
    new AUTHs are refused."""
    admin = fresh()
    setuser(admin, "d", "on", ">pw", "+@all", "~*")
    cl = fresh("d", "pw")
    setuser(admin, "d", "off")
    assert not A.wait_closed(cl, 0.2)
    assert cl("SET", "k", "v") == "OK"
    assert cl("ACL", "WHOAMI") == b"d"
    assert fresh()("AUTH", "d", "pw") == A.WRONGPASS
    setuser(admin, "d", "on", "resetpass", ">new")
    assert cl("GET", "k") == b"v"
    assert fresh()("AUTH", "d", "pw") == A.WRONGPASS
    # Permission changes do apply at once to the live connection.
    setuser(admin, "d", "-get")
    assert cl("GET", "k") == Err(A.noperm_cmd("get"))


def test_reset_rule_does_not_disconnect(fresh):
    """`ACL SETUSER u reset` leaves u's (non-subscribed) connections open; they just lose every
    permission."""
    admin = fresh()
    cl = user_client(fresh, admin, "r", "+@all", "~*")
    setuser(admin, "r", "reset")
    assert not A.wait_closed(cl, 0.2)
    assert cl("GET", "k") == Err(A.noperm_cmd("get"))


# --------------------------------------------------------------------------
# ACL files, users in the configuration file
# --------------------------------------------------------------------------


def _write(path, text):
    path.write_text(text)
    return str(path)


def _aclfile_server(spawn_server):
    """A server whose config names an ACL file holding user alice; returns (aclfile, handle)."""
    tmp = spawn_server.tmp_path
    aclfile = tmp / "users.acl"
    _write(aclfile, "user alice on >apw ~a* +get\n")
    port = free_port()
    conf = _write(tmp / "acl.conf", "port %d\naclfile %s\n" % (port, aclfile))
    return aclfile, spawn_server(conf=conf, pass_port=False, port=port)


def test_aclfile_load_save_round_trip(spawn_server):
    aclfile, h = _aclfile_server(spawn_server)
    cl = h.client()
    try:
        ha = A.sha256hex("apw")
        assert cl("CONFIG", "GET", "aclfile") == [b"aclfile", str(aclfile).encode()]
        # A user loaded from an ACL file gets acl-pubsub-default (resetchannels) and the
        # default user, absent from the file, is the initial one.
        assert cl("ACL", "LIST") == [
            ("user alice on #%s ~a* resetchannels -@all +get" % ha).encode(),
            b"user default on nopass ~* &* +@all"]
        alice = h.client()
        assert alice("AUTH", "alice", "apw") == "OK"
        # ACL SAVE writes the ACL LIST lines.
        assert cl("ACL", "SETUSER", "bob", "on", "nopass", "+set", "~b*") == "OK"
        assert cl("ACL", "SAVE") == "OK"
        assert aclfile.read_text() == (
            "user alice on #%s ~a* resetchannels -@all +get\n"
            "user bob on nopass ~b* resetchannels -@all +set\n"
            "user default on nopass ~* &* +@all\n" % ha)
        # Edit the file; ACL LOAD replaces every user with the file's.
        _write(aclfile, "user carol on nopass ~* +@all\n"
                        "user alice on >apw ~a* +get\n"
                        "user default on nopass ~* &* +@all\n")
        assert cl("ACL", "LOAD") == "OK"
        assert cl("ACL", "USERS") == [b"alice", b"carol", b"default"]
        assert cl("ACL", "LIST")[1] == b"user carol on nopass ~* resetchannels +@all"
        # Surprising: ACL LOAD disconnects every client authenticated as a user other than
        # default, even when the user is unchanged in the new file; default's clients stay.
        assert A.wait_closed(alice)
        assert cl("PING") == "PONG"
        alice = h.client()
        assert alice("AUTH", "alice", "apw") == "OK"
        alice.close()
        # A default user line in the file applies to the default user (clients stay logged).
        _write(aclfile, "user default on >dpw ~* &* +@all\n")
        assert cl("ACL", "LOAD") == "OK"
        assert cl("ACL", "USERS") == [b"default"]
        assert cl("PING") == "PONG"
        newc = h.client()
        assert newc("PING") == A.NOAUTH
        assert newc("AUTH", "dpw") == "OK"
        newc.close()
        _write(aclfile, "user default on nopass ~* &* +@all\n")
        assert cl("ACL", "LOAD") == "OK"
    finally:
        cl.close()


@pytest.mark.parametrize("content,error", [
    ("user dave on bogus\n",
     "ERR {f}:1: Syntax error. WARNING: ACL errors detected, no change to the previously "
     "active ACL rules was performed"),
    ("user dave on\nuser dave off\n",
     "ERR WARNING: Duplicate user 'dave' found on line 2. WARNING: ACL errors detected, no "
     "change to the previously active ACL rules was performed"),
    ("garbage\n",
     "ERR {f}:1 should start with user keyword followed by the username. WARNING: ACL errors "
     "detected, no change to the previously active ACL rules was performed"),
    ("user x on +nosuch\nuser y on +@nosuch\n",
     "ERR {f}:1: Error in applying operation '+nosuch': Unknown command or category name in "
     "ACL. {f}:2: Error in applying operation '+@nosuch': Unknown command or category name in "
     "ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was "
     "performed"),
], ids=["syntax", "duplicate", "no-user-keyword", "unknown-command"])
def test_aclfile_bad_load_keeps_users(spawn_server, content, error):
    aclfile, h = _aclfile_server(spawn_server)
    cl = h.client()
    try:
        before = cl("ACL", "LIST")
        _write(aclfile, content)
        assert cl("ACL", "LOAD") == Err(error.format(f=aclfile))
        assert cl("ACL", "LIST") == before
        os.unlink(aclfile)
        assert cl("ACL", "LOAD") == Err(
            "ERR Error loading ACLs, opening file '%s': No such file or directory" % aclfile)
        assert cl("ACL", "LIST") == before
    finally:
        cl.close()


def test_bad_aclfile_at_startup_is_refused(spawn_server):
    tmp = spawn_server.tmp_path
    aclfile = tmp / "users.acl"
    _write(aclfile, "user alice on +nosuch\n")
    port = free_port()
    conf = _write(tmp / "acl.conf", "port %d\naclfile %s\n" % (port, aclfile))
    h = spawn_server(conf=conf, pass_port=False, port=port, wait=False)
    rc = h.wait_exit(20)
    assert rc not in (None, 0), h.log()


def test_users_in_config_file(spawn_server):
    tmp = spawn_server.tmp_path
    port = free_port()
    conf = _write(tmp / "users.conf",
                  "port %d\nuser alice on >apw ~a* +@all\nuser default on >dpw ~* &* +@all\n"
                  % port)
    h = spawn_server(conf=conf, pass_port=False, port=port, wait=False)
    cl = A.wait_started(h)
    try:
        assert cl("PING") == A.NOAUTH
        assert cl("AUTH", "alice", "apw") == "OK"
        assert cl("SET", "a1", "v") == "OK"
        assert cl("SET", "b1", "v") == Err(A.NOPERM_KEY)
        assert cl("AUTH", "dpw") == "OK"
        # Surprising: the default user declared in the config file is reset first, so it gets
        # the sanitize-payload flag; other users are created fresh (no such flag).
        assert cl("ACL", "LIST") == [
            ("user alice on #%s ~a* resetchannels +@all" % A.sha256hex("apw")).encode(),
            ("user default on sanitize-payload #%s ~* &* +@all" % A.sha256hex("dpw")).encode()]
        # No aclfile: ACL SAVE/LOAD are refused.
        assert cl("ACL", "SAVE") == Err(A.NO_ACLFILE)
    finally:
        cl.close()


def test_config_with_users_and_aclfile_is_refused(spawn_server):
    """Redis refuses to start (exit code 1) when the config file has `user` lines and an
    `aclfile` too."""
    tmp = spawn_server.tmp_path
    aclfile = tmp / "users.acl"
    _write(aclfile, "user alice on >apw ~a* +get\n")
    port = free_port()
    conf = _write(tmp / "both.conf",
                  "port %d\naclfile %s\nuser bob on nopass +@all\n" % (port, aclfile))
    h = spawn_server(conf=conf, pass_port=False, port=port, wait=False)
    rc = h.wait_exit(20)
    assert rc == 1, h.log()


def test_bad_user_line_in_config_is_refused(spawn_server):
    tmp = spawn_server.tmp_path
    for i, text in enumerate(("user bob on nopass +nosuch\n",
                              "user bob on nopass\nuser bob on ~x\n")):
        port = free_port()
        conf = _write(tmp / ("bad%d.conf" % i), "port %d\n%s" % (port, text))
        h = spawn_server(conf=conf, pass_port=False, port=port, wait=False)
        rc = h.wait_exit(20)
        assert rc not in (None, 0), h.log()
