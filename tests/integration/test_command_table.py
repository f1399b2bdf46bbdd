"""COMMAND INFO / DOCS / GETKEYS / GETKEYSANDFLAGS against Redis 7.0's replies.

Expected values are Redis 7.0.15's (src/commands/*.json and server.c's reply shapes). Subcommand
lists are compared as sets: Redis prints them in hash order, which changes from run to run."""

import pytest

import shoal_errors as E

# ---------------------------------------------------------------- key specs

# name -> [(flags, begin_search, find_keys[, notes])], the compact form of COMMAND INFO's specs.
KEY_SPECS = {
    "get": [("RO access", ("index", 1), ("range", 0, 1, 0))],
    "set": [("RW access update variable_flags", ("index", 1), ("range", 0, 1, 0),
             "RW and ACCESS due to the optional `GET` argument")],
    "append": [("RW insert", ("index", 1), ("range", 0, 1, 0))],
    "getdel": [("RW access delete", ("index", 1), ("range", 0, 1, 0))],
    "mget": [("RO access", ("index", 1), ("range", -1, 1, 0))],
    "mset": [("OW update", ("index", 1), ("range", -1, 2, 0))],
    "del": [("RM delete", ("index", 1), ("range", -1, 1, 0))],
    "exists": [("RO", ("index", 1), ("range", -1, 1, 0))],
    "rename": [("RW access delete", ("index", 1), ("range", 0, 1, 0)),
               ("OW update", ("index", 2), ("range", 0, 1, 0))],
    "copy": [("RO access", ("index", 1), ("range", 0, 1, 0)),
             ("OW update", ("index", 2), ("range", 0, 1, 0))],
    "expire": [("RW update", ("index", 1), ("range", 0, 1, 0))],
    "lmove": [("RW access delete", ("index", 1), ("range", 0, 1, 0)),
              ("RW insert", ("index", 2), ("range", 0, 1, 0))],
    "blpop": [("RW access delete", ("index", 1), ("range", -2, 1, 0))],
    "lmpop": [("RW access delete", ("index", 1), ("keynum", 0, 1, 1))],
    "blmpop": [("RW access delete", ("index", 2), ("keynum", 0, 1, 1))],
    "sinterstore": [("RW update", ("index", 1), ("range", 0, 1, 0)),
                    ("RO access", ("index", 2), ("range", -1, 1, 0))],
    "sintercard": [("RO access", ("index", 1), ("keynum", 0, 1, 1))],
    "smove": [("RW access delete", ("index", 1), ("range", 0, 1, 0)),
              ("RW insert", ("index", 2), ("range", 0, 1, 0))],
    "zunionstore": [("OW update", ("index", 1), ("range", 0, 1, 0)),
                    ("RO access", ("index", 2), ("keynum", 0, 1, 1))],
    "zunion": [("RO access", ("index", 1), ("keynum", 0, 1, 1))],
    "zrangestore": [("OW update", ("index", 1), ("range", 0, 1, 0)),
                    ("RO access", ("index", 2), ("range", 0, 1, 0))],
    "bzpopmin": [("RW access delete", ("index", 1), ("range", -2, 1, 0))],
    "hset": [("RW update", ("index", 1), ("range", 0, 1, 0))],
    "bitop": [("OW update", ("index", 2), ("range", 0, 1, 0)),
              ("RO access", ("index", 3), ("range", -1, 1, 0))],
    "bitfield": [("RW update access variable_flags", ("index", 1), ("range", 0, 1, 0),
                  "This command allows both access and modification of the key")],
    "lcs": [("RO access", ("index", 1), ("range", 1, 1, 0))],
    "sort": [("RO access", ("index", 1), ("range", 0, 1, 0)),
             ("RO access", ("unknown",), ("unknown",),
              "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
              "derive from the content of the key we sort"),
             ("OW update", ("unknown",), ("unknown",),
              "For the optional STORE keyword. It is marked 'unknown' because the keyword can "
              "appear anywhere in the argument array")],
    "sort_ro": [("RO access", ("index", 1), ("range", 0, 1, 0)),
                ("RO access", ("unknown",), ("unknown",),
                 "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                 "derive from the content of the key we sort")],
    "ping": [],
    "keys": [],
}

FLAG_ORDER = ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
              "incomplete", "variable_flags"]


def compact_spec(spec):
    """A RESP2 key spec (flat list of field/value pairs) in the KEY_SPECS form."""
    d = dict(zip(spec[0::2], spec[1::2]))
    bs = dict(zip(d[b"begin_search"][0::2], d[b"begin_search"][1::2]))
    fk = dict(zip(d[b"find_keys"][0::2], d[b"find_keys"][1::2]))
    bspec = dict(zip(bs[b"spec"][0::2], bs[b"spec"][1::2]))
    fspec = dict(zip(fk[b"spec"][0::2], fk[b"spec"][1::2]))
    if bs[b"type"] == b"index":
        begin = ("index", bspec[b"index"])
    elif bs[b"type"] == b"keyword":
        begin = ("keyword", bspec[b"keyword"].decode(), bspec[b"startfrom"])
    else:
        begin = ("unknown",)
    if fk[b"type"] == b"range":
        find = ("range", fspec[b"lastkey"], fspec[b"keystep"], fspec[b"limit"])
    elif fk[b"type"] == b"keynum":
        find = ("keynum", fspec[b"keynumidx"], fspec[b"firstkey"], fspec[b"keystep"])
    else:
        find = ("unknown",)
    out = (" ".join(d[b"flags"]), begin, find)
    if b"notes" in d:
        out += (d[b"notes"].decode(),)
    # "notes" comes first when present, then flags, begin_search, find_keys.
    assert spec[0::2] == ([b"notes"] if b"notes" in d else []) + [b"flags", b"begin_search",
                                                                 b"find_keys"]
    return out


def normalize_expected(spec):
    flags = spec[0].split()
    flags.sort(key=FLAG_ORDER.index)
    return (" ".join(flags),) + tuple(spec[1:])


@pytest.mark.parametrize("name", sorted(KEY_SPECS))
def test_command_info_key_specs(c, name):
    info = c("COMMAND", "INFO", name)[0]
    assert [compact_spec(s) for s in info[8]] == [normalize_expected(s) for s in KEY_SPECS[name]]


# ---------------------------------------------------------------- the other INFO fields

# name -> (arity, flags, first, last, step, acl categories, tips), in Redis's printing order.
INFO = {
    "get": (2, ["readonly", "fast"], 1, 1, 1, ["@read", "@string", "@fast"], []),
    "set": (-3, ["write", "denyoom"], 1, 1, 1, ["@write", "@string", "@slow"], []),
    "sadd": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@set", "@fast"], []),
    "smembers": (2, ["readonly"], 1, 1, 1, ["@read", "@set", "@slow"],
                 ["nondeterministic_output_order"]),
    "mset": (-3, ["write", "denyoom"], 1, -1, 2, ["@write", "@string", "@slow"],
             ["request_policy:multi_shard", "response_policy:all_succeeded"]),
    "del": (-2, ["write"], 1, -1, 1, ["@keyspace", "@write", "@slow"],
            ["request_policy:multi_shard", "response_policy:agg_sum"]),
    "keys": (2, ["readonly"], 0, 0, 0, ["@keyspace", "@read", "@slow", "@dangerous"],
             ["request_policy:all_shards", "nondeterministic_output_order"]),
    "blpop": (-3, ["write", "noscript", "blocking"], 1, -2, 1,
              ["@write", "@list", "@slow", "@blocking"], []),
    "bzpopmin": (-3, ["write", "noscript", "blocking", "fast"], 1, -2, 1,
                 ["@write", "@sortedset", "@fast", "@blocking"], []),
    "lmpop": (-4, ["write", "movablekeys"], 0, 0, 0, ["@write", "@list", "@slow"], []),
    "zunionstore": (-4, ["write", "denyoom", "movablekeys"], 1, 1, 1,
                    ["@write", "@sortedset", "@slow"], []),
    "bitop": (-4, ["write", "denyoom"], 2, -1, 1, ["@write", "@bitmap", "@slow"], []),
    "sort": (-2, ["write", "denyoom", "movablekeys"], 1, 1, 1,
             ["@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"], []),
    "randomkey": (1, ["readonly"], 0, 0, 0, ["@keyspace", "@read", "@slow"],
                  ["request_policy:all_shards", "nondeterministic_output"]),
    "ping": (-1, ["fast"], 0, 0, 0, ["@fast", "@connection"],
             ["request_policy:all_shards", "response_policy:all_succeeded"]),
    "echo": (2, ["loading", "stale", "fast"], 0, 0, 0, ["@fast", "@connection"], []),
    "quit": (-1, ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], 0, 0, 0,
             ["@fast", "@connection"], []),
    "shutdown": (-1, ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], 0, 0, 0,
                 ["@admin", "@slow", "@dangerous"], []),
    "flushall": (-1, ["write"], 0, 0, 0, ["@keyspace", "@write", "@slow", "@dangerous"],
                 ["request_policy:all_shards", "response_policy:all_succeeded"]),
    "spop": (-2, ["write", "fast"], 1, 1, 1, ["@write", "@set", "@fast"],
             ["nondeterministic_output"]),
}


@pytest.mark.parametrize("name", sorted(INFO))
def test_command_info_fields(c, name):
    info = c("COMMAND", "INFO", name)[0]
    assert info[0] == name.encode()
    assert tuple(info[1:8]) == INFO[name][:5] + (INFO[name][5], [t.encode() for t in INFO[name][6]])
    assert info[9] == []


def test_command_info_exact_bytes(raw):
    """RESP2 bytes of a one-key and a two-spec command, exactly as Redis 7.0 writes them."""
    def spec(flags, index):
        f = b"".join(b"+%s\r\n" % x for x in flags)
        return (b"*6\r\n$5\r\nflags\r\n*%d\r\n%s$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
                b"$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:%d\r\n$9\r\nfind_keys\r\n"
                b"*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n"
                b"$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" % (len(flags), f, index))
    assert raw(b"COMMAND INFO get\r\n") == (
        b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
        b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n" + spec([b"RO", b"access"], 1) +
        b"*0\r\n")
    assert raw(b"COMMAND INFO lmove\r\n") == (
        b"*1\r\n*10\r\n$5\r\nlmove\r\n:5\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n"
        b"*3\r\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*2\r\n" +
        spec([b"RW", b"access", b"delete"], 1) + spec([b"RW", b"insert"], 2) + b"*0\r\n")


def test_command_info_resp3_types(r3):
    info = r3("COMMAND", "INFO", "get")[0]
    assert info[2] == {"readonly", "fast"}         # flags: a set
    assert info[6] == {"@read", "@string", "@fast"}  # categories: a set
    assert info[7] == set()                           # tips: a set
    assert info[9] == set()                           # no subcommands: an empty set
    assert info[8] == [{b"flags": {"RO", "access"},
                        b"begin_search": {b"type": b"index", b"spec": {b"index": 1}},
                        b"find_keys": {b"type": b"range",
                                       b"spec": {b"lastkey": 0, b"keystep": 1, b"limit": 0}}}]


def test_every_command_with_keys_has_key_specs(c):
    for info in c("COMMAND"):
        name, first, specs, subs = info[0], info[3], info[8], info[9]
        if first != 0:
            assert specs, name
        for sub in subs:
            if sub[3] != 0:
                assert sub[8], sub[0]


@pytest.mark.parametrize("container,subs", [
    ("object", {"encoding", "freq", "help", "idletime", "refcount"}),
    ("memory", {"doctor", "help", "malloc-stats", "purge", "stats", "usage"}),
    ("config", {"get", "set", "resetstat", "help"}),
    ("command", {"count", "docs", "getkeys", "getkeysandflags", "help", "info", "list"}),
    ("client", {"getname", "help", "id", "info", "kill", "list", "no-evict", "reply", "setname"}),
])
def test_container_info(c, container, subs):
    info = c("COMMAND", "INFO", container)[0]
    assert info[3:6] == [0, 0, 0]
    names = {s[0].decode() for s in info[9]}
    assert {container + "|" + s for s in subs} <= names  # Redis has a few more for some
    by_name = {s[0].decode(): s for s in info[9]}
    if container == "object":
        enc = by_name["object|encoding"]
        assert enc[1:8] == [3, ["readonly"], 2, 2, 1, ["@keyspace", "@read", "@slow"],
                            [b"nondeterministic_output"]]
        assert [compact_spec(s) for s in enc[8]] == [("RO", ("index", 2), ("range", 0, 1, 0))]
    if container == "memory":
        usage = by_name["memory|usage"]
        assert usage[1:7] == [-3, ["readonly"], 2, 2, 1, ["@read", "@slow"]]


def test_command_info_subcommand_by_full_name(c):
    info = c("COMMAND", "INFO", "object|freq", "config|get", "client|nosuch")
    assert info[0][0] == b"object|freq"
    assert info[1][0] == b"config|get"
    assert info[1][2] == ["admin", "noscript", "loading", "stale"]
    assert info[2] is None


# ---------------------------------------------------------------- COMMAND DOCS


def test_docs_get(r3):
    assert r3("COMMAND", "DOCS", "get") == {b"get": {
        b"summary": b"Get the value of a key", b"since": b"1.0.0", b"group": b"string",
        b"complexity": b"O(1)",
        b"arguments": [{b"name": b"key", b"type": b"key", b"key_spec_index": 0}]}}


def test_docs_set(r3):
    doc = r3("COMMAND", "DOCS", "set")[b"set"]
    assert list(doc) == [b"summary", b"since", b"group", b"complexity", b"history",
                         b"arguments"]
    assert doc[b"history"] == [
        [b"2.6.12", b"Added the `EX`, `PX`, `NX` and `XX` options."],
        [b"6.0.0", b"Added the `KEEPTTL` option."],
        [b"6.2.0", b"Added the `GET`, `EXAT` and `PXAT` option."],
        [b"7.0.0", b"Allowed the `NX` and `GET` options to be used together."]]
    args = doc[b"arguments"]
    assert [a[b"name"] for a in args] == [b"key", b"value", b"condition", b"get", b"expiration"]
    assert args[2] == {b"name": b"condition", b"type": b"oneof", b"since": b"2.6.12",
                       b"flags": {"optional"}, b"arguments": [
                           {b"name": b"nx", b"type": b"pure-token", b"token": b"NX"},
                           {b"name": b"xx", b"type": b"pure-token", b"token": b"XX"}]}
    assert args[3] == {b"name": b"get", b"type": b"pure-token", b"token": b"GET",
                       b"since": b"6.2.0", b"flags": {"optional"}}
    assert args[4][b"arguments"][2] == {b"name": b"unix-time-seconds", b"type": b"unix-time",
                                        b"token": b"EXAT", b"since": b"6.2.0"}


def test_docs_deprecated_command(r3):
    doc = r3("COMMAND", "DOCS", "getset")[b"getset"]
    assert doc[b"doc_flags"] == {"deprecated"}
    assert doc[b"deprecated_since"] == b"6.2.0"
    assert doc[b"replaced_by"] == b"`SET` with the `!GET` argument"
    assert list(doc) == [b"summary", b"since", b"group", b"complexity", b"doc_flags",
                         b"deprecated_since", b"replaced_by", b"arguments"]


def test_docs_multiple_and_keynum(r3):
    doc = r3("COMMAND", "DOCS", "lmpop")[b"lmpop"]
    assert doc[b"arguments"] == [
        {b"name": b"numkeys", b"type": b"integer"},
        {b"name": b"key", b"type": b"key", b"key_spec_index": 0, b"flags": {"multiple"}},
        {b"name": b"where", b"type": b"oneof", b"arguments": [
            {b"name": b"left", b"type": b"pure-token", b"token": b"LEFT"},
            {b"name": b"right", b"type": b"pure-token", b"token": b"RIGHT"}]},
        {b"name": b"count", b"type": b"integer", b"token": b"COUNT", b"flags": {"optional"}}]


def test_docs_container_subcommands(r3):
    doc = r3("COMMAND", "DOCS", "object")[b"object"]
    assert doc[b"complexity"] == b"Depends on subcommand."
    subs = doc[b"subcommands"]
    assert set(subs) == {b"object|encoding", b"object|freq", b"object|help", b"object|idletime",
                         b"object|refcount"}
    assert subs[b"object|freq"] == {
        b"summary": b"Get the logarithmic access frequency counter of a Redis object",
        b"since": b"4.0.0", b"group": b"generic", b"complexity": b"O(1)",
        b"arguments": [{b"name": b"key", b"type": b"key", b"key_spec_index": 0}]}


def test_docs_resp2_shape_and_unknown_names(c):
    docs = c("COMMAND", "DOCS", "nosuch", "ping")
    assert docs[0] == b"ping" and len(docs) == 2
    assert docs[1][:6] == [b"summary", b"Ping the server", b"since", b"1.0.0", b"group",
                           b"connection"]


# ---------------------------------------------------------------- GETKEYS(ANDFLAGS)

GETKEYSANDFLAGS = [
    ("get k", [["k", ["RO", "access"]]]),
    ("set k v", [["k", ["OW", "update"]]]),
    ("set k v nx get", [["k", ["RW", "access", "update"]]]),
    ("bitfield k get u8 0", [["k", ["RO", "access"]]]),
    ("bitfield k set u8 0 1", [["k", ["RW", "access", "update"]]]),
    ("bitfield_ro k get u8 0", [["k", ["RO", "access"]]]),
    ("mset a 1 b 2", [["a", ["OW", "update"]], ["b", ["OW", "update"]]]),
    ("del a b", [["a", ["RM", "delete"]], ["b", ["RM", "delete"]]]),
    ("lmove a b left right", [["a", ["RW", "access", "delete"]], ["b", ["RW", "insert"]]]),
    ("blpop a b 0", [["a", ["RW", "access", "delete"]], ["b", ["RW", "access", "delete"]]]),
    ("lmpop 2 a b left", [["a", ["RW", "access", "delete"]], ["b", ["RW", "access", "delete"]]]),
    ("blmpop 0 1 a left", [["a", ["RW", "access", "delete"]]]),
    ("zunionstore d 2 a b weights 1 2",
     [["d", ["OW", "update"]], ["a", ["RO", "access"]], ["b", ["RO", "access"]]]),
    ("zinter 2 a b", [["a", ["RO", "access"]], ["b", ["RO", "access"]]]),
    ("sintercard 1 a limit 3", [["a", ["RO", "access"]]]),
    ("sinterstore d a b", [["d", ["RW", "update"]], ["a", ["RO", "access"]],
                           ["b", ["RO", "access"]]]),
    ("sort k by w get # store d", [["k", ["RO", "access"]], ["d", ["OW", "update"]]]),
    ("sort k limit 0 1", [["k", ["RO", "access"]]]),
    ("sort_ro k by w", [["k", ["RO", "access"]]]),
    ("copy a b replace", [["a", ["RO", "access"]], ["b", ["OW", "update"]]]),
    ("bitop or d a b", [["d", ["OW", "update"]], ["a", ["RO", "access"]],
                        ["b", ["RO", "access"]]]),
    ("lcs a b", [["a", ["RO", "access"]], ["b", ["RO", "access"]]]),
    ("getex k persist", [["k", ["RW", "access", "update"]]]),
    ("touch a", [["a", ["RO"]]]),
    ("object encoding k", [["k", ["RO"]]]),
    ("memory usage k samples 5", [["k", ["RO"]]]),
    ("hset h f v", [["h", ["RW", "update"]]]),
    ("zadd z 1 m", [["z", ["RW", "update"]]]),
]


@pytest.mark.parametrize("line,expected", GETKEYSANDFLAGS)
def test_getkeysandflags(c, line, expected):
    args = line.split()
    want = [[k.encode(), f] for k, f in expected]
    assert c("COMMAND", "GETKEYSANDFLAGS", *args) == want
    assert c("COMMAND", "GETKEYS", *args) == [k for k, _ in want]


def test_getkeys_errors(c):
    assert c("COMMAND", "GETKEYS", "nosuch", "a") == E.GETKEYS_INVALID_COMMAND
    assert c("COMMAND", "GETKEYS", "object", "nosuch", "k") == E.GETKEYS_INVALID_COMMAND
    assert c("COMMAND", "GETKEYS", "ping", "x") == E.GETKEYS_NO_KEYS
    assert c("COMMAND", "GETKEYS", "object", "help") == E.GETKEYS_NO_KEYS
    assert c("COMMAND", "GETKEYS", "get", "a", "b") == E.GETKEYS_BAD_ARGS
    # numkeys that cannot hold the keys: the specs fail, so do the command's own rules.
    for line in ("lmpop 0 a left", "lmpop 5 a left", "lmpop x a left", "zunion 3 a b"):
        assert c("COMMAND", "GETKEYSANDFLAGS", *line.split()) == \
            "ERR Invalid arguments specified for command"


# ---------------------------------------------------------------- HELP and unknown subcommands

@pytest.mark.parametrize("cmd", ["CLIENT", "CONFIG", "COMMAND", "MEMORY", "OBJECT"])
def test_help_shape_and_unknown_subcommand(c, cmd):
    lines = c(cmd, "HELP")
    assert lines[0] == "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" % cmd
    assert lines[-2:] == ["HELP", "    Prints this help."]
    assert c(cmd.lower(), "help")[0] == lines[0]
    assert c(cmd.lower(), "nosuch") == E.unknown_subcommand("nosuch", cmd)
    long = "x" * 200
    assert c(cmd, long) == E.unknown_subcommand("x" * 128, cmd)
