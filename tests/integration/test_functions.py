"""Redis 7.0 functions: FUNCTION LOAD / LIST / DELETE / FLUSH / STATS / DUMP / RESTORE / KILL / HELP
and FCALL / FCALL_RO (functions.c / function_lua.c semantics), validated against redis-server 7.0.

Library and function order in FUNCTION LIST is a hash-table order in Redis, so replies are compared
after sorting by name. One test restores a FUNCTION DUMP payload captured from Redis 7.0.15 (so any
implementation must accept Redis's RDB/LZF bytes)."""

import os
import subprocess
import time

import pytest

from conftest import HOST, Err, RespClient, free_port, wait_busy

FUNCTION_BUSY = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE.")
NOT_FOUND = Err("ERR Function not found")
RO_WRITE = "ERR Write commands are not allowed from read-only scripts."
RO_FLAG = Err("ERR Can not execute a script with write flag using *_ro command.")
NAME_RULE = ("ERR Library names can only contain letters, numbers, or underscores(_) and must "
             "be at least one character long")
LOAD_GLOBAL = ("ERR Error registering functions: ERR user_function:2: Script attempted to access "
               "nonexistent global variable '%s'")

MYLIB = """#!lua name=mylib
redis.register_function('myset', function(k, a) return redis.call('set', k[1], a[1]) end)
redis.register_function{function_name='myget', callback=function(keys, args)
    return redis.call('get', keys[1]) end, flags={'no-writes'}}
"""


def func_err(msg, name, line):
    return Err("%s script: %s, on @user_function:%d." % (msg, name, line))


def norm_list(reply):
    """FUNCTION LIST (RESP2) -> list of dicts sorted by library name, functions sorted by name."""
    out = []
    for lib in reply:
        d = dict(zip(lib[::2], lib[1::2]))
        d[b"functions"] = sorted((dict(zip(f[::2], f[1::2])) for f in d[b"functions"]),
                                 key=lambda f: f[b"name"])
        out.append(d)
    return sorted(out, key=lambda d: d[b"library_name"])


def fn(name, flags=(), description=None):
    return {b"name": name, b"description": description, b"flags": list(flags)}


@pytest.fixture
def f(c):
    assert c("FUNCTION", "FLUSH") == "OK"
    yield c
    c("FUNCTION", "FLUSH")


# ---------------------------------------------------------------- FUNCTION LOAD


def test_load_and_fcall(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FCALL", "myset", "1", "k", "v") == "OK"
    assert f("FCALL", "myget", "1", "k") == b"v"
    assert f("FCALL_RO", "myget", "1", "k") == b"v"
    assert f("FCALL_RO", "myset", "1", "k", "w") == RO_FLAG
    assert f("GET", "k") == b"v"


@pytest.mark.parametrize("code,expected", [
    ("#!lua\nredis.register_function('f', function() return 1 end)",
     "ERR Library name was not given"),
    ("#!lua\n", "ERR Library name was not given"),
    ("#!js name=x\nfoo", "ERR Engine 'js' not found"),
    ("no shebang", "ERR Missing library metadata"),
    ("#!lua name=x", "ERR Invalid library metadata"),
    ("#!lua name=empty\nlocal x = 1", "ERR No functions registered"),
    ("#!lua name=bad flags=no-writes\nredis.register_function('f', function() return 1 end)",
     "ERR Invalid metadata value given: flags=no-writes"),
    ("#!lua name=bad x=y\nredis.register_function('f', function() return 1 end)",
     "ERR Invalid metadata value given: x=y"),
    ("#!lua name=x y\nredis.register_function('f', function() return 1 end)",
     "ERR Invalid metadata value given: y"),
    ("#!lua name=a name=b\nredis.register_function('f', function() return 1 end)",
     "ERR Invalid metadata value, name argument was given multiple times"),
    ("#!lua name=\nredis.register_function('f', function() return 1 end)", NAME_RULE),
    ("#!lua name=bad-name!\nredis.register_function('f', function() end)", NAME_RULE),
    ("#!lua name=bad\nredis.register_function{function_name='f', callback=function() return 1 end, "
     "flags={'bogus'}}", "ERR Error registering functions: ERR unknown flag given"),
    ("#!lua name=bad\nredis.register_function{function_name='f', callback=function() return 1 end, "
     "flags='no-writes'}", "ERR Error registering functions: ERR flags argument to "
                           "redis.register_function must be a table representing function flags"),
    ("#!lua name=bad\nredis.register_function{function_name='f', callback=function() return 1 end, "
     "bogus=1}",
     "ERR Error registering functions: ERR unknown argument given to redis.register_function"),
    ("#!lua name=bad\nredis.register_function{function_name='f'}",
     "ERR Error registering functions: ERR redis.register_function must get a callback argument"),
    ("#!lua name=bad\nredis.register_function('f')",
     "ERR Error registering functions: ERR calling redis.register_function with a single argument "
     "is only applicable to Lua table (representing named arguments)."),
    ("#!lua name=bad\nredis.register_function('f', 1)",
     "ERR Error registering functions: ERR second argument to redis.register_function must be a "
     "function"),
    ("#!lua name=bad\nredis.register_function('f', function() end, 1)",
     "ERR Error registering functions: ERR wrong number of arguments to redis.register_function"),
    ("#!lua name=bad\nredis.register_function('f-1', function() end)",
     "ERR Error registering functions: " + NAME_RULE),
    ("#!lua name=bad\nredis.register_function('', function() end)",
     "ERR Error registering functions: " + NAME_RULE),
    ("#!lua name=bad\nredis.register_function('f', function() end)\n"
     "redis.register_function('f', function() end)",
     "ERR Error registering functions: ERR Function already exists in the library"),
    ("#!lua name=bad\nreturn +",
     "ERR Error compiling function: user_function:2: unexpected symbol near '+'"),
    ("#!lua name=bad\nreturn x", LOAD_GLOBAL % "x"),
    ("#!lua name=bad\nx = 1",
     "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"),
    # redis.call and most of the library are not available while the library loads.
    ("#!lua name=bad\nredis.call('set','x','y')", LOAD_GLOBAL % "call"),
    ("#!lua name=bad\nlocal x = redis.pcall", LOAD_GLOBAL % "pcall"),
    ("#!lua name=bad\nlocal x = KEYS", LOAD_GLOBAL % "KEYS"),
    ("#!lua name=bad\nlocal x = string.format('%d', 1)", LOAD_GLOBAL % "string"),
    ("#!lua name=bad\nlocal x = math.floor(1.5)", LOAD_GLOBAL % "math"),
    ("#!lua name=bad\nlocal x = tostring(1)", LOAD_GLOBAL % "tostring"),
    ("#!lua name=bad\nlocal x = redis.sha1hex('x')", LOAD_GLOBAL % "sha1hex"),
    ("#!lua name=bad\nerror('loadboom')", LOAD_GLOBAL % "error"),
])
def test_load_errors(f, code, expected):
    assert f("FUNCTION", "LOAD", code) == Err(expected)
    assert f("FUNCTION", "LIST") == []


@pytest.mark.parametrize("code,name", [
    ("#!LUA name=up\nredis.register_function('up', function() return 7 end)", b"up"),
    ("#!lua NAME=up2\nredis.register_function('up2', function() return 7 end)", b"up2"),
    ("#!lua name=up3 \nredis.register_function('up3', function() return 7 end)", b"up3"),
    ("#!lua name=up4\r\nredis.register_function('up4', function() return 7 end)", b"up4"),
    ("#!lua name=lg\nredis.log(redis.LOG_WARNING, 'loading ' .. redis.REDIS_VERSION)\n"
     "redis.register_function('lg', function() return 7 end)", b"lg"),
    ("#!lua name=ret\nredis.register_function('ret', function() return 7 end)\nreturn 5", b"ret"),
])
def test_load_accepted_forms(f, code, name):
    assert f("FUNCTION", "LOAD", code) == name
    assert f("FCALL", name.decode(), "0") == 7


def test_load_exists_and_replace(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", MYLIB) == Err("ERR Library 'mylib' already exists")
    assert f("FUNCTION", "LOAD", "REPLACE", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", "replace", MYLIB) == b"mylib"
    # A function name is global across libraries, with or without REPLACE.
    other = "#!lua name=other\nredis.register_function('myset', function() end)"
    assert f("FUNCTION", "LOAD", other) == Err("ERR Function myset already exists")
    assert f("FUNCTION", "LOAD", "REPLACE", other) == Err("ERR Function myset already exists")
    # REPLACE swaps the whole library: functions no longer defined disappear.
    new = "#!lua name=mylib\nredis.register_function('only', function() return 'new' end)"
    assert f("FUNCTION", "LOAD", "REPLACE", new) == b"mylib"
    assert f("FCALL", "myset", "1", "k", "v") == NOT_FOUND
    assert f("FCALL", "only", "0") == b"new"
    assert f("FUNCTION", "LOAD", other) == b"other"
    assert f("FUNCTION", "LOAD") == Err("ERR wrong number of arguments for 'function|load' command")
    assert f("FUNCTION", "LOAD", "a", "b") == Err("ERR Unknown option given: a")


def test_failed_replace_keeps_old_library(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nreturn +") == Err(
        "ERR Error compiling function: user_function:2: unexpected symbol near '+'")
    assert f("FCALL", "myset", "1", "k", "v") == "OK"


# ---------------------------------------------------------------- FCALL / FCALL_RO


RT = """#!lua name=rt
local function helper(x) return x * 2 end
redis.register_function('dbl', function(keys, args) return helper(tonumber(args[1])) end)
redis.register_function('err', function(keys, args) return redis.call('nosuch') end)
redis.register_function('glob', function(keys, args) return undefinedvar end)
redis.register_function('setg', function(keys, args) newglobal = 1 end)
redis.register_function('ks', function(keys, args) return {keys, args} end)
redis.register_function('wr', function(k, a) return redis.call('incrby', k[1], a[1]) end)
redis.register_function('sha', function(keys, args) return redis.sha1hex(args[1]) end)
redis.register_function('r3', function(k) redis.setresp(3) return redis.call('hgetall', k[1]) end)
redis.register_function('ek', function(keys, args) error('boom') end)
redis.register_function('usekeys', function(keys, args) return KEYS end)
redis.register_function('tbl', function() return {1, 'two', {3}, {ok='fine'}, {double=1.5}} end)
redis.register_function('libs', function(keys, args)
    return {type(math), type(string), type(cjson), type(redis.call), type(bit), type(struct),
            type(cmsgpack)}
end)
redis.register_function{function_name='rw', callback=function(k) return redis.call('set', k[1], 'x') end,
    flags={'no-writes'}}
redis.register_function{function_name='pw', callback=function(k) return redis.pcall('set', k[1], 'x') end,
    flags={'no-writes'}}
redis.register_function('wrong', function(k) redis.call('set', k[1], 'x') return redis.call('lpush', k[1], 'y') end)
"""


@pytest.fixture
def rt(f):
    assert f("FUNCTION", "LOAD", RT) == b"rt"
    return f


@pytest.mark.parametrize("args,expected", [
    (("FCALL", "dbl", "0", "21"), 42),
    (("FCALL", "DBL", "0", "1"), 2),
    (("FCALL", "ks", "2", "a", "b", "c", "d"), [[b"a", b"b"], [b"c", b"d"]]),
    (("FCALL", "ks", "0"), [[], []]),
    (("FCALL", "sha", "0", "abc"), b"a9993e364706816aba3e25717850c26c9cd0d89d"),
    (("FCALL", "tbl", "0"), [1, b"two", [3], "fine", b"1.5"]),
    (("FCALL", "libs", "0"), [b"table", b"table", b"table", b"function", b"table", b"table", b"table"]),
    (("FCALL", "err", "0"), func_err("ERR Unknown Redis command called from script", "err", 4)),
    (("FCALL", "glob", "0"), func_err("ERR user_function:5: Script attempted to access nonexistent "
                                      "global variable 'undefinedvar'", "glob", 5)),
    (("FCALL", "setg", "0"),
     func_err("ERR user_function:6: Attempt to modify a readonly table", "setg", 6)),
    (("FCALL", "ek", "0"), func_err("ERR user_function:11: boom", "ek", 11)),
    (("FCALL", "usekeys", "0"), func_err("ERR user_function:12: Script attempted to access nonexistent "
                                         "global variable 'KEYS'", "usekeys", 12)),
    (("FCALL", "rw", "1", "x"), func_err(RO_WRITE, "rw", 18)),
    (("FCALL_RO", "rw", "1", "x"), func_err(RO_WRITE, "rw", 18)),
    (("FCALL", "pw", "1", "x"), Err(RO_WRITE)),
    (("FCALL", "wrong", "1", "x"),
     func_err("WRONGTYPE Operation against a key holding the wrong kind of value", "wrong", 22)),
    (("FCALL_RO", "dbl", "0", "1"), RO_FLAG),
    (("FCALL", "nosuch", "0"), NOT_FOUND),
    (("FCALL_RO", "nosuch", "0"), NOT_FOUND),
    (("FCALL", "dbl", "-1"), Err("ERR Number of keys can't be negative")),
    (("FCALL", "dbl", "5", "k"), Err("ERR Number of keys can't be greater than number of args")),
    (("FCALL", "dbl", "x"), Err("ERR Bad number of keys provided")),
    (("FCALL", "dbl"), Err("ERR wrong number of arguments for 'fcall' command")),
    (("FCALL_RO", "dbl"), Err("ERR wrong number of arguments for 'fcall_ro' command")),
])
def test_fcall(rt, args, expected):
    assert rt(*args) == expected


def test_fcall_writes_and_resp3(rt, r3):
    assert rt("FCALL", "wr", "1", "n", "5") == 5
    assert rt("FCALL", "wr", "1", "n", "5") == 10
    assert rt("HSET", "hh", "a", "1") == 1
    assert rt("FCALL", "r3", "1", "hh") == [b"a", b"1"]
    assert r3("FCALL", "r3", "1", "hh") == {b"a": b"1"}
    assert r3("FCALL", "tbl", "0") == [1, b"two", [3], "fine", 1.5]


def test_library_local_state_persists_between_calls(f):
    code = ("#!lua name=state\nlocal count = 0\n"
            "redis.register_function('cnt', function() count = count + 1 return count end)")
    assert f("FUNCTION", "LOAD", code) == b"state"
    assert [f("FCALL", "cnt", "0") for _ in range(3)] == [1, 2, 3]
    assert f("FUNCTION", "LOAD", "REPLACE", code) == b"state"
    assert f("FCALL", "cnt", "0") == 1


def test_functions_survive_flushall_and_script_flush(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FLUSHALL") == "OK"
    assert f("SCRIPT", "FLUSH") == "OK"
    assert f("FCALL", "myset", "1", "k", "v") == "OK"


INMULTI = "#!lua name=inmulti\nredis.register_function('im', function() return 1 end)"


def test_fcall_in_multi(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("MULTI") == "OK"
    assert f("FCALL", "myset", "1", "k", "v") == "QUEUED"
    assert f("FCALL", "nosuch", "0") == "QUEUED"
    assert f("FUNCTION", "LOAD", INMULTI) == "QUEUED"
    assert f("FCALL", "im", "0") == "QUEUED"
    assert f("FCALL_RO", "myget", "1", "k") == "QUEUED"
    assert f("EXEC") == ["OK", NOT_FOUND, b"inmulti", 1, b"v"]


def test_function_over_keys_on_several_shards(f):
    code = """#!lua name=xfer
redis.register_function('move', function(keys, args)
    local amt = tonumber(args[1])
    redis.call('decrby', keys[1], amt)
    redis.call('incrby', keys[2], amt)
    return {tonumber(redis.call('get', keys[1])), tonumber(redis.call('get', keys[2]))}
end)
redis.register_function('undeclared', function(keys, args)
    redis.call('mset', args[1], 'a', args[2], 'b', args[3], 'c')
    return redis.call('mget', args[1], args[2], args[3])
end)
"""
    assert f("FUNCTION", "LOAD", code) == b"xfer"
    assert f("MSET", "acct:a", "100", "acct:b", "100") == "OK"
    assert f("FCALL", "move", "2", "acct:a", "acct:b", "30") == [70, 130]
    assert f("MGET", "acct:a", "acct:b") == [b"70", b"130"]
    assert f("FCALL", "undeclared", "0", "u1", "u2", "u3") == [b"a", b"b", b"c"]
    assert f("MGET", "u1", "u2", "u3") == [b"a", b"b", b"c"]


# ---------------------------------------------------------------- LIST / DELETE / FLUSH / STATS / HELP


def test_function_list(f, r3):
    assert f("FUNCTION", "LIST") == []
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    code2 = ("#!lua name=fl\nredis.register_function{function_name='f1', "
             "callback=function() return 1 end, "
             "flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}, "
             "description='my desc'}")
    assert f("FUNCTION", "LOAD", code2) == b"fl"
    lib1 = {b"library_name": b"mylib", b"engine": b"LUA",
            b"functions": [fn(b"myget", ["no-writes"]), fn(b"myset")]}
    lib2 = {b"library_name": b"fl", b"engine": b"LUA",
            b"functions": [fn(b"f1", ["no-writes", "allow-oom", "allow-stale", "no-cluster",
                                      "allow-cross-slot-keys"], b"my desc")]}
    assert norm_list(f("FUNCTION", "LIST")) == [lib2, lib1]
    # Exact RESP2 shape of one library.
    assert f("FUNCTION", "LIST", "LIBRARYNAME", "f?") == [
        [b"library_name", b"fl", b"engine", b"LUA", b"functions",
         [[b"name", b"f1", b"description", b"my desc", b"flags",
           ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]]]]]
    assert norm_list(f("FUNCTION", "LIST", "LIBRARYNAME", "my*")) == [lib1]
    assert norm_list(f("FUNCTION", "LIST", "LIBRARYNAME", "MY*")) == [lib1]
    assert norm_list(f("FUNCTION", "LIST", "libraryname", "mylib")) == [lib1]
    assert f("FUNCTION", "LIST", "LIBRARYNAME", "zz*") == []
    with_code = norm_list(f("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"))
    assert with_code == [{**lib1, b"library_code": MYLIB.encode()}]
    assert norm_list(f("FUNCTION", "LIST", "LIBRARYNAME", "mylib", "WITHCODE")) == with_code
    # RESP3: maps and sets.
    got = r3("FUNCTION", "LIST", "LIBRARYNAME", "f*")
    assert got == [{b"library_name": b"fl", b"engine": b"LUA",
                    b"functions": [{b"name": b"f1", b"description": b"my desc",
                                    b"flags": {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                               "allow-cross-slot-keys"}}]}]
    got = r3("FUNCTION", "LIST", "LIBRARYNAME", "mylib")
    assert sorted(got[0][b"functions"], key=lambda x: x[b"name"]) == [
        {b"name": b"myget", b"description": None, b"flags": {"no-writes"}},
        {b"name": b"myset", b"description": None, b"flags": set()}]


@pytest.mark.parametrize("args,expected", [
    (("FUNCTION", "LIST", "LIBRARYNAME"), Err("ERR library name argument was not given")),
    (("FUNCTION", "LIST", "bogus"), Err("ERR Unknown argument bogus")),
    (("FUNCTION", "LIST", "WITHCODE", "WITHCODE"), Err("ERR Unknown argument WITHCODE")),
    (("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
     Err("ERR Unknown argument LIBRARYNAME")),
    (("FUNCTION", "DELETE", "nosuch"), Err("ERR Library not found")),
    (("FUNCTION", "DELETE"), Err("ERR wrong number of arguments for 'function|delete' command")),
    (("FUNCTION", "KILL"), Err("NOTBUSY No scripts in execution right now.")),
    (("FUNCTION", "FLUSH", "bogus"), Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")),
    (("FUNCTION", "FLUSH", "ASYNC"), "OK"),
    (("FUNCTION", "FLUSH", "sync"), "OK"),
    (("FUNCTION", "nosuch"), Err("ERR unknown subcommand 'nosuch'. Try FUNCTION HELP.")),
    (("FUNCTION",), Err("ERR wrong number of arguments for 'function' command")),
    (("FUNCTION", "RESTORE"), Err("ERR wrong number of arguments for 'function|restore' command")),
    (("FUNCTION", "STATS", "x"), Err("ERR wrong number of arguments for 'function|stats' command")),
    (("FUNCTION", "DUMP", "x"), Err("ERR wrong number of arguments for 'function|dump' command")),
])
def test_function_subcommand_errors(f, args, expected):
    assert f(*args) == expected


def test_delete_and_flush(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", TINY) == b"tiny"
    assert f("FUNCTION", "DELETE", "MYLIB") == Err("ERR Library not found")
    assert f("FUNCTION", "DELETE", "mylib") == "OK"
    assert f("FCALL", "myset", "1", "k", "v") == NOT_FOUND
    assert f("FCALL", "tiny", "0") == 7
    assert f("FUNCTION", "DELETE", "mylib") == Err("ERR Library not found")
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "FLUSH", "ASYNC") == "OK"
    assert f("FUNCTION", "LIST") == []
    assert f("FCALL", "tiny", "0") == NOT_FOUND
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "FLUSH", "SYNC") == "OK"
    assert f("FUNCTION", "LIST") == []


def test_function_stats_idle(f, r3):
    assert f("FUNCTION", "STATS") == [b"running_script", None, b"engines",
                                      [b"LUA", [b"libraries_count", 0, b"functions_count", 0]]]
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", RT) == b"rt"
    assert f("FUNCTION", "STATS") == [b"running_script", None, b"engines",
                                      [b"LUA", [b"libraries_count", 2, b"functions_count", 17]]]
    assert r3("FUNCTION", "STATS") == {
        b"running_script": None,
        b"engines": {b"LUA": {b"libraries_count": 2, b"functions_count": 17}}}


FUNCTION_HELP = [
    'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Create a new library with the given library name and code.',
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
    'DUMP',
    '    Return a serialized payload representing the current libraries, can be restored using FUNCTION '
    'RESTORE command',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
    '    control how to handle existing libraries (default APPEND):',
    '    * FLUSH: delete all existing libraries.',
    '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
    '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
    '      libraries with the new libraries (notice that even on this option there is a chance of failure',
    '      in case of functions name collision with another library).',
    'HELP',
    '    Prints this help.',
]


def test_function_help(f):
    assert f("FUNCTION", "HELP") == FUNCTION_HELP
    assert f("FUNCTION", "HELP", "x") == Err("ERR wrong number of arguments for 'function|help' command")


# ---------------------------------------------------------------- DUMP / RESTORE


# FUNCTION DUMP of Redis 7.0.15 holding only DUMPLIB (RDB opcode 0xf5, LZF-compressed code, RDB
# version 10, CRC64).
DUMPLIB = ("#!lua name=dumplib\n"
           "redis.register_function('dl_get', function(keys, args) return redis.call('get', keys[1]) end)\n"
           "redis.register_function{function_name='dl_ro', callback=function(keys, args) return 'ro:' .. args[1] "
           "end, flags={'no-writes'}, description='read only'}\n")
DUMPLIB_PAYLOAD = bytes.fromhex(
    "f5c340c341091f23216c7561206e616d653d64756d706c69620a72656469732e7265676973746514725f66756e6374696f"
    "6e2827646c5f676574272c20e00012116b6579732c2061726773292072657475726e2006403d0563616c6c2827802d4024"
    "085b315d2920656e6429e00f5d007bc053005f608b406b01726f206a4048046261636b3dc01fe00b730727726f3a27202e"
    "2e6089206a406920a51a6c6167733d7b276e6f2d777269746573277d2c206465736372697040d00d3d2772656164206f6e"
    "6c79277d0a0a001320163d57ac096a")
# Uncompressed: a short library is stored as a plain RDB string.
TINY = "#!lua name=tiny\nredis.register_function('tiny', function() return 7 end)"
TINY_PAYLOAD = bytes.fromhex(
    "f5404823216c7561206e616d653d74696e790a72656469732e72656769737465725f66756e6374696f6e282774696e7927"
    "2c2066756e6374696f6e28292072657475726e203720656e64290a0014c400f555795204")
EMPTY_PAYLOAD = bytes.fromhex("0a005d9b5c400f7fa2da")

DUMPLIB_LIST = [{b"library_name": b"dumplib", b"engine": b"LUA",
                 b"functions": [fn(b"dl_get"), fn(b"dl_ro", ["no-writes"], b"read only")],
                 b"library_code": DUMPLIB.encode()}]


def test_restore_redis_payload(f):
    assert f("FUNCTION", "RESTORE", DUMPLIB_PAYLOAD) == "OK"
    assert norm_list(f("FUNCTION", "LIST", "WITHCODE")) == DUMPLIB_LIST
    assert f("SET", "k", "v") == "OK"
    assert f("FCALL", "dl_get", "1", "k") == b"v"
    assert f("FCALL_RO", "dl_ro", "0", "x") == b"ro:x"
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD) == "OK"
    assert f("FCALL", "tiny", "0") == 7
    # Round trip through this server's own DUMP.
    payload = f("FUNCTION", "DUMP")
    assert isinstance(payload, bytes)
    assert f("FUNCTION", "FLUSH") == "OK"
    assert f("FUNCTION", "RESTORE", payload) == "OK"
    lst = norm_list(f("FUNCTION", "LIST", "WITHCODE"))
    assert [x[b"library_name"] for x in lst] == [b"dumplib", b"tiny"]
    assert lst[0] == DUMPLIB_LIST[0]
    assert lst[1][b"library_code"] == TINY.encode()
    assert f("FCALL", "dl_ro", "0", "y") == b"ro:y"


def test_dump_of_nothing_and_empty_restore(f):
    assert f("FUNCTION", "RESTORE", EMPTY_PAYLOAD) == "OK"
    assert f("FUNCTION", "LIST") == []
    payload = f("FUNCTION", "DUMP")
    assert f("FUNCTION", "RESTORE", payload) == "OK"
    assert f("FUNCTION", "LIST") == []
    assert f("FUNCTION", "LOAD", TINY) == b"tiny"
    assert f("FUNCTION", "RESTORE", EMPTY_PAYLOAD, "FLUSH") == "OK"
    assert f("FUNCTION", "LIST") == []


def test_dump_flush_restore_round_trip(f):
    assert f("FUNCTION", "LOAD", MYLIB) == b"mylib"
    assert f("FUNCTION", "LOAD", TINY) == b"tiny"
    before = norm_list(f("FUNCTION", "LIST", "WITHCODE"))
    payload = f("FUNCTION", "DUMP")
    assert f("FUNCTION", "FLUSH") == "OK"
    assert f("FUNCTION", "LIST") == []
    assert f("FUNCTION", "RESTORE", payload) == "OK"
    assert norm_list(f("FUNCTION", "LIST", "WITHCODE")) == before
    assert f("FCALL", "myset", "1", "k", "v") == "OK"


def test_restore_policies(f):
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD) == "OK"
    # Default policy APPEND: a library of the same name aborts the whole restore.
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD) == Err("ERR Library tiny already exists")
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD, "APPEND") == Err("ERR Library tiny already exists")
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD, "REPLACE") == "OK"
    assert f("FUNCTION", "RESTORE", TINY_PAYLOAD, "replace") == "OK"
    assert f("FUNCTION", "RESTORE", DUMPLIB_PAYLOAD, "APPEND") == "OK"
    assert sorted(x[b"library_name"] for x in norm_list(f("FUNCTION", "LIST"))) == [b"dumplib", b"tiny"]
    # FLUSH drops everything that was there before.
    assert f("FUNCTION", "RESTORE", DUMPLIB_PAYLOAD, "FLUSH") == "OK"
    assert norm_list(f("FUNCTION", "LIST", "WITHCODE")) == DUMPLIB_LIST
    assert f("FCALL", "tiny", "0") == NOT_FOUND
    # A function name held by another library: REPLACE fails too, and nothing changes.
    assert f("FUNCTION", "FLUSH") == "OK"
    other = "#!lua name=other\nredis.register_function('dl_get', function() return 1 end)"
    assert f("FUNCTION", "LOAD", other) == b"other"
    assert f("FUNCTION", "RESTORE", DUMPLIB_PAYLOAD, "REPLACE") == Err("ERR Function dl_get already exists")
    assert f("FUNCTION", "RESTORE", DUMPLIB_PAYLOAD) == Err("ERR Function dl_get already exists")
    assert [x[b"library_name"] for x in norm_list(f("FUNCTION", "LIST"))] == [b"other"]
    assert f("FCALL", "dl_get", "0") == 1


@pytest.mark.parametrize("args,expected", [
    ((TINY_PAYLOAD, "BOGUS"),
     "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."),
    ((TINY_PAYLOAD, "APPEND", "x"),
     "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."),
    ((b"garbage",), "ERR DUMP payload version or checksum are wrong"),
    ((b"",), "ERR DUMP payload version or checksum are wrong"),
    ((TINY_PAYLOAD[:-2] + bytes([TINY_PAYLOAD[-2] ^ 1]) + TINY_PAYLOAD[-1:],),
     "ERR DUMP payload version or checksum are wrong"),
    # DUMP of a string key "v": a valid payload that holds no function.
    ((b"\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce",), "ERR given type is not a function"),
])
def test_restore_errors(f, args, expected):
    assert f("FUNCTION", "RESTORE", *args) == Err(expected)
    assert f("FUNCTION", "LIST") == []


# ---------------------------------------------------------------- COMMAND INFO / GETKEYS


KEYSPEC_RW = [b"notes", b"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
              b"flags", ["RW", "access", "update"],
              b"begin_search", [b"type", b"index", b"spec", [b"index", 2]],
              b"find_keys", [b"type", b"keynum", b"spec", [b"keynumidx", 0, b"firstkey", 1, b"keystep", 1]]]
KEYSPEC_RO = [b"notes", b"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
              b"flags", ["RO", "access"],
              b"begin_search", [b"type", b"index", b"spec", [b"index", 2]],
              b"find_keys", [b"type", b"keynum", b"spec", [b"keynumidx", 0, b"firstkey", 1, b"keystep", 1]]]
FLAGS = ["noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"]


@pytest.mark.parametrize("name,flags,spec", [
    ("eval", FLAGS, KEYSPEC_RW),
    ("evalsha", FLAGS, KEYSPEC_RW[2:]),
    ("eval_ro", ["readonly"] + FLAGS, KEYSPEC_RO),
    ("evalsha_ro", ["readonly"] + FLAGS, KEYSPEC_RO[2:]),
    ("fcall", FLAGS, KEYSPEC_RW),
    ("fcall_ro", ["readonly"] + FLAGS, KEYSPEC_RO),
])
def test_command_info(c, name, flags, spec):
    (info,) = c("COMMAND", "INFO", name)
    assert info[:7] == [name.encode(), -3, flags, 0, 0, 0, ["@slow", "@scripting"]]
    assert info[8] == [spec]


@pytest.mark.parametrize("args,expected", [
    (("EVAL", "return 1", "2", "a", "b", "c"), [b"a", b"b"]),
    (("EVAL", "return 1", "0", "c"), []),
    (("EVALSHA", "abc", "1", "a", "c"), [b"a"]),
    (("EVAL_RO", "return 1", "1", "a"), [b"a"]),
    (("FCALL", "f", "2", "a", "b"), [b"a", b"b"]),
    (("FCALL_RO", "f", "1", "a", "x"), [b"a"]),
    (("FCALL", "f", "0"), []),
    (("EVAL", "return 1", "3", "a"), []),
    (("EVAL", "return 1", "x", "a"), []),
    (("EVAL", "return 1", "-1"), []),
])
def test_command_getkeys(c, args, expected):
    assert c("COMMAND", "GETKEYS", *args) == expected


# ---------------------------------------------------------------- OOM and BUSY / FUNCTION KILL


OOMLIB = """#!lua name=oomlib
redis.register_function('w', function(keys) return redis.call('set', keys[1], 'v') end)
redis.register_function{function_name='ao', callback=function(k) return redis.call('set', k[1], 'v') end,
    flags={'allow-oom'}}
redis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end,
    flags={'no-writes'}}
"""


def test_functions_under_maxmemory(spawn_server):
    srv = spawn_server()
    c = srv.client()
    try:
        assert c("FUNCTION", "LOAD", OOMLIB) == b"oomlib"
        assert c("SET", "pad", "x") == "OK"  # some data, whatever the allocator counts at start
        assert c("CONFIG", "SET", "maxmemory", "1") == "OK"
        oom = Err("OOM command not allowed when used memory > 'maxmemory'.")
        assert c("FCALL", "w", "1", "b") == oom
        assert c("FCALL", "r", "1", "b") is None
        assert c("FCALL_RO", "r", "1", "b") is None
        assert c("FCALL", "ao", "1", "b") == "OK"
        assert c("FCALL", "r", "1", "b") == b"v"
        assert c("FUNCTION", "LOAD", TINY) == oom
        assert c("CONFIG", "SET", "maxmemory", "0") == "OK"
        assert c("FUNCTION", "LOAD", TINY) == b"tiny"
    finally:
        c.close()


SPIN = """#!lua name=spin
redis.register_function('spin', function() while true do end end)
redis.register_function('wspin', function(k) redis.call('set', k[1], '1') while true do end end)
redis.register_function{function_name='rospin', callback=function() while true do end end,
    flags={'no-writes'}}
"""


def test_function_kill(spawn_server):
    srv = spawn_server("--busy-reply-threshold", "100")
    a, b = srv.client(), srv.client()
    try:
        assert a("FUNCTION", "LOAD", SPIN) == b"spin"
        a.send("FCALL", "spin", "0")
        assert wait_busy(b) == Err(FUNCTION_BUSY)
        assert b("GET", "x") == Err(FUNCTION_BUSY)
        assert b("SCRIPT", "KILL") == Err(FUNCTION_BUSY)
        stats = b("FUNCTION", "STATS")
        assert stats[0] == b"running_script" and stats[2:] == [
            b"engines", [b"LUA", [b"libraries_count", 1, b"functions_count", 3]]]
        running = stats[1]
        assert running[:4] == [b"name", b"spin", b"command", [b"FCALL", b"spin", b"0"]]
        assert running[4] == b"duration_ms" and isinstance(running[5], int) and running[5] >= 0
        assert b("FUNCTION", "KILL") == "OK"
        assert a.read() == func_err("ERR Script killed by user with SCRIPT KILL...", "spin", 2)
        assert b("FUNCTION", "KILL") == Err("NOTBUSY No scripts in execution right now.")
        assert b("FUNCTION", "STATS")[1] is None
        a.send("FCALL_RO", "rospin", "0")
        assert wait_busy(b) == Err(FUNCTION_BUSY)
        assert b("FUNCTION", "KILL") == "OK"
        assert a.read() == func_err("ERR Script killed by user with SCRIPT KILL...", "rospin", 4)
        assert a("PING") == "PONG"
        # A function that wrote cannot be killed; SHUTDOWN NOSAVE stops the server.
        a.send("FCALL", "wspin", "1", "x")
        assert wait_busy(b) == Err(FUNCTION_BUSY)
        assert b("FUNCTION", "KILL") == Err(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
            "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
            "NOSAVE command.")
        b.send("SHUTDOWN", "NOSAVE")
        assert b.is_closed(wait=10)
        assert srv.wait_exit(10) is not None
    finally:
        a.close()
        b.close()


def test_library_state_survives_script_flush(f):
    code = ("#!lua name=keep\nlocal count = 0\n"
            "redis.register_function('keep', function() count = count + 1 return count end)")
    assert f("FUNCTION", "LOAD", code) == b"keep"
    assert f("FCALL", "keep", "0") == 1
    assert f("SCRIPT", "FLUSH") == "OK"
    assert f("FCALL", "keep", "0") == 2


@pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs Debian's redis-server")
def test_dump_restores_into_redis_7(server, f, tmp_path):
    """This server's FUNCTION DUMP (LZF-compressed and plain libraries) restores into a real
    redis-server 7.0, which then runs the functions (the other direction is
    test_restore_redis_payload)."""
    assert f("FUNCTION", "LOAD", DUMPLIB) == b"dumplib"
    assert f("FUNCTION", "LOAD", TINY) == b"tiny"
    payload = f("FUNCTION", "DUMP")
    port = free_port()
    proc = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--bind", HOST,
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                r = RespClient(HOST, port)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        try:
            assert r("FUNCTION", "RESTORE", payload) == "OK"
            assert norm_list(r("FUNCTION", "LIST", "WITHCODE")) == norm_list(
                f("FUNCTION", "LIST", "WITHCODE"))
            assert r("FCALL", "tiny", "0") == 7
            assert r("FCALL_RO", "dl_ro", "0", "z") == b"ro:z"
        finally:
            r.close()
    finally:
        proc.terminate()
        proc.wait(10)
