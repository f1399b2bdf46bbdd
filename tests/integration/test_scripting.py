"""Lua scripting: EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT (Redis 7.0 eval.c / script_lua.c
semantics), validated against redis-server 7.0.

Covers argument errors, the exact text of compile and runtime errors (`... script: <sha>, on
@user_script:<line>.`), Lua <-> RESP2/RESP3 conversions both ways, the redis.* API, the sandbox
(globals protection, absent libraries), cjson / cmsgpack / struct / bit, SCRIPT subcommands, shebang
flags (no-writes, allow-oom), scripts inside MULTI/EXEC and under WATCH, scripts touching several
keys (on Shoal: on several shards, declared or not), atomicity under concurrency, BUSY / SCRIPT
KILL / UNKILLABLE, and two small real libraries (a lock and a rate limiter) through redis-py.
"""

import hashlib
import signal
import threading
import time

import pytest
import redis

from conftest import Err, _is_shoal, wait_busy
from shoal_info import info
from shoal_keys import spread_keys
from shoal_resp import Verbatim

BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NOT_ALLOWED = "ERR This Redis command is not allowed from script"
RO_WRITE = "ERR Write commands are not allowed from read-only scripts."
RO_FLAG = Err("ERR Can not execute a script with write flag using *_ro command.")
GLOBAL = "ERR user_script:1: Script attempted to access nonexistent global variable '%s'"
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def sha1(body):
    if isinstance(body, str):
        body = body.encode()
    return hashlib.sha1(body).hexdigest()


UNKNOWN_CMD = "ERR Unknown Redis command called from script"


def command_exists(c, cmd):
    """cmd: the command name, optionally quoted and followed by its quoted arguments."""
    name = cmd.split(",")[0].strip().strip("'")
    return c("COMMAND", "INFO", name) != [None]


def script_err(msg, body, line=1):
    """The text of an error raised while running an EVAL script."""
    return Err("%s script: %s, on @user_script:%d." % (msg, sha1(body), line))


def line3(client, *args):
    """Send a command and return the exact first reply line (for one-line RESP3 replies)."""
    client.send(*args)
    return client._line()


# ---------------------------------------------------------------- argument errors


@pytest.mark.parametrize("args,expected", [
    (("EVAL", "return 1", "-1"), Err("ERR Number of keys can't be negative")),
    (("EVAL", "return 1", "2", "a"), Err("ERR Number of keys can't be greater than number of args")),
    (("EVAL", "return 1", "x"), Err("ERR value is not an integer or out of range")),
    (("EVAL", "return 1", "1.5"), Err("ERR value is not an integer or out of range")),
    (("EVAL", "return 1"), Err("ERR wrong number of arguments for 'eval' command")),
    (("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
     Err("ERR wrong number of arguments for 'evalsha' command")),
    (("EVAL_RO", "return 1", "-3"), Err("ERR Number of keys can't be negative")),
    (("EVAL_RO", "return 1", "1"), Err("ERR Number of keys can't be greater than number of args")),
    (("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"), Err(NOSCRIPT)),
    (("EVALSHA", "fff", "0"), Err(NOSCRIPT)),
    (("EVALSHA", "", "0"), Err(NOSCRIPT)),
    (("EVALSHA_RO", "ffffffffffffffffffffffffffffffffffffffff", "0"), Err(NOSCRIPT)),
    (("EVAL", "return 1", "0", "extra", "args"), 1),
    (("EVAL", "", "0"), None),
    (("EVAL", "return", "0"), None),
])
def test_eval_arguments(c, args, expected):
    assert c(*args) == expected


def test_keys_and_argv(c):
    body = "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}"
    assert c("EVAL", body, "2", "k1", "k2", "a1", "a2") == [b"k1", b"k2", b"a1", b"a2", 2, 2]
    assert c("EVAL", "return {#KEYS, #ARGV}", "0") == [0, 0]
    assert c("EVAL", "return {#KEYS, #ARGV}", "3", "a", "b", "c") == [3, 0]
    assert c("EVAL", "return ARGV[1]", "0", b"\x00bin\xff") == b"\x00bin\xff"


def test_eval_caches_script_and_evalsha(c):
    body = "return 'cached ' .. ARGV[1]"
    h = sha1(body)
    assert c("SCRIPT", "FLUSH") == "OK"
    assert c("EVALSHA", h, "0", "x") == Err(NOSCRIPT)
    assert c("SCRIPT", "EXISTS", h) == [0]
    assert c("EVAL", body, "0", "x") == b"cached x"
    assert c("SCRIPT", "EXISTS", h) == [1]
    assert c("EVALSHA", h, "0", "y") == b"cached y"
    assert c("EVALSHA", h.upper(), "0", "z") == b"cached z"
    assert c("EVALSHA_RO", h, "0", "ro") == b"cached ro"
    assert c("SCRIPT", "FLUSH") == "OK"
    assert c("EVALSHA", h, "0", "x") == Err(NOSCRIPT)


def test_script_load_exists_flush(c):
    b1, b2 = "return 1", "return 2"
    assert c("SCRIPT", "FLUSH", "SYNC") == "OK"
    assert c("SCRIPT", "LOAD", b1) == sha1(b1).encode()
    assert c("SCRIPT", "LOAD", b1) == sha1(b1).encode()
    assert c("SCRIPT", "EXISTS", sha1(b1), sha1(b2), sha1(b1).upper(), "x") == [1, 0, 1, 0]
    assert c("SCRIPT", "LOAD", b2) == b"7f923f79fe76194c868d7e1d0820de36700eb649"
    assert c("SCRIPT", "EXISTS", sha1(b2)) == [1]
    assert c("EVALSHA", sha1(b2), "0") == 2
    assert c("SCRIPT", "FLUSH", "ASYNC") == "OK"
    assert c("SCRIPT", "EXISTS", sha1(b1), sha1(b2)) == [0, 0]
    assert c("SCRIPT", "LOAD", b1) == sha1(b1).encode()
    assert c("SCRIPT", "FLUSH") == "OK"
    assert c("SCRIPT", "EXISTS", sha1(b1)) == [0]


def test_script_load_does_not_run(c):
    body = "redis.call('set', 'loaded', 'yes') return 1"
    assert c("SCRIPT", "LOAD", body) == sha1(body).encode()
    assert c("EXISTS", "loaded") == 0


SCRIPT_HELP = [
    'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
    'HELP',
    '    Prints this help.',
]


@pytest.mark.parametrize("args,expected", [
    (("SCRIPT", "HELP"), SCRIPT_HELP),
    (("SCRIPT", "help"), SCRIPT_HELP),
    (("SCRIPT", "HELP", "x"), Err("ERR wrong number of arguments for 'script|help' command")),
    (("SCRIPT", "KILL"), Err("NOTBUSY No scripts in execution right now.")),
    (("SCRIPT", "KILL", "x"), Err("ERR wrong number of arguments for 'script|kill' command")),
    (("SCRIPT", "FLUSH", "x"), Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")),
    (("SCRIPT", "FLUSH", "sync", "async"), Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")),
    (("SCRIPT", "FLUSH", "async"), "OK"),
    (("SCRIPT", "LOAD"), Err("ERR wrong number of arguments for 'script|load' command")),
    (("SCRIPT", "LOAD", "return +"),
     Err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'")),
    (("SCRIPT", "LOAD", "#!lua name=x\nreturn 1"), Err("ERR Unknown lua shebang option: name=x")),
    (("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 1"),
     b"77f21361171213377cb083e2ffc2ae24ffdff8fb"),
    (("SCRIPT", "EXISTS"), Err("ERR wrong number of arguments for 'script|exists' command")),
    (("SCRIPT", "DEBUG", "x"), Err("ERR Use SCRIPT DEBUG YES/SYNC/NO")),
    (("SCRIPT", "DEBUG"), Err("ERR wrong number of arguments for 'script|debug' command")),
    (("SCRIPT", "DEBUG", "no"), "OK"),
    (("SCRIPT", "nosuch"), Err("ERR unknown subcommand 'nosuch'. Try SCRIPT HELP.")),
    (("SCRIPT",), Err("ERR wrong number of arguments for 'script' command")),
])
def test_script_subcommands(c, args, expected):
    assert c(*args) == expected


# ---------------------------------------------------------------- compile and runtime errors


@pytest.mark.parametrize("body,expected", [
    ("return +",
     "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'"),
    ("return 1\nreturn 2 +", "ERR Error compiling script (new function): user_script:2: "
                             "'<eof>' expected near 'return'"),
    ("local x = ", "ERR Error compiling script (new function): user_script:1: "
                   "unexpected symbol near '<eof>'"),
    ("if true then", "ERR Error compiling script (new function): user_script:1: "
                     "'end' expected near '<eof>'"),
    ("#!lua\nreturn +", "ERR Error compiling script (new function): user_script:2: "
                        "unexpected symbol near '+'"),
])
def test_compile_errors(c, body, expected):
    assert c("EVAL", body, "0") == Err(expected)
    assert c("SCRIPT", "EXISTS", sha1(body)) == [0]


@pytest.mark.parametrize("body,msg,line", [
    ("return x", "ERR user_script:1: Script attempted to access nonexistent global variable 'x'", 1),
    ("x = 1", "ERR user_script:1: Attempt to modify a readonly table", 1),
    ("local a = 1\nlocal b = 2\nreturn undefined_thing",
     "ERR user_script:3: Script attempted to access nonexistent global variable 'undefined_thing'", 3),
    ("return redis.call('nosuch')", "ERR Unknown Redis command called from script", 1),
    ("return redis.call(1)", "ERR Unknown Redis command called from script", 1),
    ("return redis.call('get')", "ERR Wrong number of args calling Redis command from script", 1),
    ("return redis.call('incr', 'a', 'b')",
     "ERR Wrong number of args calling Redis command from script", 1),
    ("return redis.call()", "ERR Please specify at least one argument for this redis lib call", 1),
    ("return redis.call('set', 'a', {})",
     "ERR Lua redis lib command arguments must be strings or integers", 1),
    ("return redis.call('set', 'a', nil)",
     "ERR Lua redis lib command arguments must be strings or integers", 1),
    ("redis.call('set', KEYS[1], 'v')\nreturn redis.call('lpush', KEYS[1], 'x')",
     "WRONGTYPE Operation against a key holding the wrong kind of value", 2),
    ("redis.call('set', KEYS[1], 'v') return redis.call('incr', KEYS[1])",
     "ERR value is not an integer or out of range", 1),
    ("error('boom')", "ERR user_script:1: boom", 1),
    ("error('boom', 0)", "ERR boom", 1),
    ("error({err='boom'})", "boom", 1),
    ("error({err='MYCODE custom'})", "MYCODE custom", 1),
    ("error()", "ERR nil", 1),
    ("error(5)", "ERR user_script:1: 5", 1),
    ("assert(false)", "ERR user_script:1: assertion failed!", 1),
    ("assert(false, 'oops')", "ERR user_script:1: oops", 1),
    ("local x = nil; return x.y", "ERR user_script:1: attempt to index local 'x' (a nil value)", 1),
    ("return 1 + {}", "ERR user_script:1: attempt to perform arithmetic on a table value", 1),
    ("return #nil", "ERR user_script:1: attempt to get length of a nil value", 1),
    ("local function f(n) return 1 + f(n + 1) end return f(1)", "ERR user_script:1: stack overflow", 1),
    ("redis.setresp(4)", "ERR RESP version must be 2 or 3.", 1),
    ("redis.setresp('x')", "ERR RESP version must be 2 or 3.", 1),
    ("redis.setresp()", "ERR redis.setresp() requires one argument.", 1),
    ("return redis.sha1hex()", "ERR wrong number of arguments", 1),
    ("return redis.log(99, 'x')", "ERR Invalid debug level.", 1),
    ("return redis.log(redis.LOG_WARNING)", "ERR redis.log() requires two arguments or more.", 1),
    ("return redis.log()", "ERR redis.log() requires two arguments or more.", 1),
    ("return redis.set_repl(99)", "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, "
                                  "REPL_ALL or REPL_NONE.", 1),
    ("return redis.set_repl()", "ERR redis.set_repl() requires two arguments.", 1),
    ("return cjson.encode(1/0)",
     "ERR user_script:1: Cannot serialise number: must not be NaN or Inf", 1),
    ("return cjson.encode({[1]=1,[20]=3})",
     "ERR user_script:1: Cannot serialise table: excessively sparse array", 1),
    ("return cjson.decode('[')", "ERR user_script:1: Expected value but found T_END at character 2", 1),
])
def test_runtime_errors(c, body, msg, line):
    assert c("EVAL", body, "1", "rk") == script_err(msg, body, line)
    # The failing script is cached all the same; EVALSHA gives the same error.
    assert c("EVALSHA", sha1(body), "1", "rk") == script_err(msg, body, line)


@pytest.mark.parametrize("body,expected", [
    ("return redis.pcall('lpush', KEYS[1], 'x')",
     Err("WRONGTYPE Operation against a key holding the wrong kind of value")),
    ("return redis.pcall('incr', KEYS[1])", Err("ERR value is not an integer or out of range")),
    ("return redis.pcall('nosuch')", Err("ERR Unknown Redis command called from script")),
    ("return redis.pcall('set')", Err("ERR Wrong number of args calling Redis command from script")),
    ("return redis.pcall()", Err("ERR Please specify at least one argument for this redis lib call")),
    ("return redis.pcall({})", Err("ERR Lua redis lib command arguments must be strings or integers")),
    ("return redis.pcall('multi')", Err(NOT_ALLOWED)),
    ("local r = redis.pcall('incr', KEYS[1]) return type(r) .. ' ' .. r.err",
     b"table ERR value is not an integer or out of range"),
    ("local r = redis.pcall('nosuch') return r.err", b"ERR Unknown Redis command called from script"),
    ("local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}",
     [b"false", b"string", b"ERR Unknown Redis command called from script"]),
    ("local ok, e = pcall(redis.call, 'incr', KEYS[1]) return e",
     b"ERR value is not an integer or out of range"),
    ("local ok, e = pcall(function() return redis.call('incr', 'zz', 'yy') end) return e",
     b"ERR Wrong number of args calling Redis command from script"),
    ("local ok, e = pcall(error, 'plain') return {tostring(ok), e}", [b"false", b"plain"]),
    ("local ok, e = pcall(error, {err='custom'}) return {type(e), e}", [b"string", b"custom"]),
    ("local ok, e = pcall(error, {1, 2}) return e", [1, 2]),
    ("local ok, e = pcall(function() local x = nil; return x.y end) return {tostring(ok), e}",
     [b"false", b"user_script:1: attempt to index local 'x' (a nil value)"]),
    ("local ok, e = xpcall(function() error({err='x'}) end, function(m) return m end) return type(e)",
     b"table"),
    ("return pcall(error, 'x')", None),
])
def test_pcall_and_caught_errors(c, body, expected):
    assert c("SET", "str", "notanumber") == "OK"
    assert c("EVAL", body, "1", "str") == expected


@pytest.mark.parametrize("body,expected", [
    ("return redis.error_reply('My Error')", Err("My Error")),
    ("return redis.error_reply('-My Error')", Err("My Error")),
    ("return redis.error_reply('')", Err("ERR ")),
    ("return redis.error_reply('ERR')", Err("ERR ERR")),
    ("return redis.error_reply('x').err", b"ERR x"),
    ("return type(redis.error_reply('x'))", b"table"),
    ("return redis.error_reply()", Err("ERR wrong number or type of arguments")),
    ("return redis.error_reply(1)", Err("ERR wrong number or type of arguments")),
    ("return redis.status_reply('FINE')", "FINE"),
    ("return redis.status_reply()", Err("ERR wrong number or type of arguments")),
    ("return redis.status_reply('x').ok", b"x"),
    ("return {err='x y'}", Err("x y")),
    ("return {err='-x y'}", Err("-x y")),
    ("return {1, redis.error_reply('inner'), 3}", [1, Err("ERR inner"), 3]),
    ("return {1, {err='inner'}, 3}", [1, Err("inner"), 3]),
    ("return {1, {ok='inner'}, 3}", [1, "inner", 3]),
    ("return {ok='a\\r\\nb'}", "a  b"),
    ("return {err='a\\r\\nb'}", Err("a  b")),
])
def test_error_and_status_replies(c, body, expected):
    assert c("EVAL", body, "0") == expected


@pytest.mark.parametrize("cmd", [
    "'multi'", "'exec'", "'watch', 'a'", "'subscribe', 'x'", "'psubscribe', 'x'",
    "'eval', 'return 1', '0'", "'evalsha', 'x', '0'", "'fcall', 'x', '0'",
    "'script', 'load', 'return 1'", "'function', 'flush'", "'client', 'list'",
    "'blpop', 'l', '0'", "'brpoplpush', 'a', 'b', '0'", "'bzpopmin', 'a', '0'",
    "'blmove', 'l', 'm', 'left', 'left', '0'", "'wait', '0', '0'", "'auth', 'x'",
    "'hello'", "'shutdown'", "'monitor'", "'config', 'get', 'maxmemory'", "'quit'",
    "'reset'", "'save'", "'bgsave'", "'debug', 'sleep', '0'",
])
def test_commands_not_allowed_in_scripts(c, cmd):
    body = "return redis.call(%s)" % cmd
    if not command_exists(c, cmd):
        # A command this server does not have yet (Shoal: pub/sub, FUNCTION, ACL, persistence)
        # is unknown inside a script too; Redis answers that for no existing command.
        assert c("EVAL", body, "0") == script_err(UNKNOWN_CMD, body)
        return
    assert c("EVAL", body, "0") == script_err(NOT_ALLOWED, body)


@pytest.mark.parametrize("body,expected", [
    ("return redis.call('ping')", "PONG"),
    ("return redis.call('ping', 'hi')", b"hi"),
    ("return redis.call('echo', 'hi')", b"hi"),
    ("return redis.call('publish', 'ch', 'x')", 0),
    ("return redis.call('xread', 'streams', 's', '0')", None),
    ("return redis.call('object', 'encoding', 'nokey')", None),
    ("return redis.call('SET', KEYS[1], 'v')", "OK"),
    ("redis.call('SeT', KEYS[1], 'v') return redis.call('GeT', KEYS[1])", b"v"),
    ("return redis.call('set', KEYS[1], 1.5)", "OK"),
    ("redis.call('set', KEYS[1], 1.5) return redis.call('get', KEYS[1])", b"1.5"),
    ("redis.call('set', KEYS[1], 0.1 + 0.2) return redis.call('get', KEYS[1])", b"0.30000000000000004"),
    ("redis.call('set', KEYS[1], 1/3) return redis.call('get', KEYS[1])", b"0.33333333333333331"),
    ("redis.call('set', KEYS[1], 1e20) return redis.call('get', KEYS[1])", b"1e+20"),
    ("redis.call('set', KEYS[1], 3.0) return redis.call('get', KEYS[1])", b"3"),
    ("redis.call('set', KEYS[1], -0.5) return redis.call('get', KEYS[1])", b"-0.5"),
    ("redis.call('set', KEYS[1], 42) return redis.call('get', KEYS[1])", b"42"),
    ("redis.call('set', KEYS[1], 2^53) return redis.call('get', KEYS[1])", b"9007199254740992"),
    ("redis.call('set', KEYS[1], -7) return redis.call('incrby', KEYS[1], 10)", 3),
    ("redis.call('set', KEYS[1], 'v', 'EX', 100) return redis.call('ttl', KEYS[1])", 100),
    ("redis.call('set', KEYS[1], 'v') return redis.call('type', KEYS[1])", "string"),
    ("return redis.call('hgetall', KEYS[1])", []),
    ("return redis.call('exists', KEYS[1])", 0),
])
def test_redis_call_arguments_and_replies(c, body, expected):
    if not command_exists(c, body.split("'")[1]):
        assert c("EVAL", body, "1", "key") == script_err(UNKNOWN_CMD, body)
        return
    assert c("EVAL", body, "1", "key") == expected


# ---------------------------------------------------------------- Lua -> RESP conversions


LUA_TO_RESP = [
    # body, RESP2 reply, RESP3 reply (parsed)
    ("return 3.99", 3, 3),
    ("return -3.99", -3, -3),
    ("return 0.5", 0, 0),
    ("return -0", 0, 0),
    ("return 'abc'", b"abc", b"abc"),
    ("return 'line1\\r\\nline2'", b"line1\r\nline2", b"line1\r\nline2"),
    ("return ''", b"", b""),
    ("return true", 1, 1),
    ("return false", None, None),
    ("return nil", None, None),
    ("return {}", [], []),
    ("return {1, 2, 3, nil, 4}", [1, 2, 3], [1, 2, 3]),
    ("return {1, {2, {3, 'x'}}, true, false}", [1, [2, [3, b"x"]], 1, None],
     [1, [2, [3, b"x"]], 1, None]),
    ("return {1.5, '2', false, 3}", [1, b"2", None, 3], [1, b"2", None, 3]),
    ("return {a=1}", [], []),
    ("return {1, 2, a=3}", [1, 2], [1, 2]),
    ("return {ok='fine'}", "fine", "fine"),
    ("return {err='bad'}", Err("bad"), Err("bad")),
    ("return {ok=1}", [], []),
    ("return {err=1}", [], []),
    ("return {double=3.14}", b"3.1400000000000001", 3.14),
    ("return {double=1}", b"1", 1.0),
    ("return {double=-2.5}", b"-2.5", -2.5),
    ("return {double=1/0}", b"inf", float("inf")),
    ("return {double=-1/0}", b"-inf", float("-inf")),
    ("return {double='3.5'}", [], []),
    ("return {map={a=1}}", [b"a", 1], {b"a": 1}),
    ("return {map={a={1, 2}}}", [b"a", [1, 2]], {b"a": [1, 2]}),
    ("return {map={}}", [], {}),
    ("return {set={a=true}}", [b"a"], {b"a"}),
    ("return {set={}}", [], set()),
    ("return {big_number='123456789012345678901234567890'}", b"123456789012345678901234567890",
     123456789012345678901234567890),
    ("return {verbatim_string={format='txt', string='hello'}}", b"hello", Verbatim(b"hello")),
    ("return redis.status_reply('x')", "x", "x"),
    ("redis.setresp(3) return true", 1, True),
    ("redis.setresp(3) return false", 0, False),
    ("redis.setresp(3) return {true, false}", [1, 0], [True, False]),
    ("redis.setresp(2) return {true, false}", [1, None], [1, None]),
]


@pytest.mark.parametrize("body,resp2,resp3", LUA_TO_RESP)
def test_lua_to_resp(c, r3, body, resp2, resp3):
    assert c("EVAL", body, "0") == resp2
    got3 = r3("EVAL", body, "0")
    assert got3 == resp3
    assert type(got3) is type(resp3)


@pytest.mark.parametrize("body,line", [
    ("return {double=3.14}", b",3.1400000000000001"),
    ("return {double=0.1}", b",0.10000000000000001"),
    ("return {double=100}", b",100"),
    ("return {double=1e300}", b",1.0000000000000001e+300"),
    ("return {double=1/0}", b",inf"),
    ("return {big_number='-123'}", b"(-123"),
    ("redis.setresp(3) return true", b"#t"),
    ("redis.setresp(3) return false", b"#f"),
    ("return false", b"_"),
    ("return nil", b"_"),
])
def test_lua_to_resp3_exact_bytes(r3, body, line):
    assert line3(r3, "EVAL", body, "0") == line


def test_verbatim_string_formats(r3):
    v = r3("EVAL", "return {verbatim_string={format='txt', string='hello'}}", "0")
    assert (bytes(v), v.fmt) == (b"hello", b"txt")
    v = r3("EVAL", "return {verbatim_string={format='mkd', string='# hi'}}", "0")
    assert (bytes(v), v.fmt) == (b"# hi", b"mkd")


def test_double_reply_in_resp2_uses_17_digits(c):
    assert c("EVAL", "return {double=0.1}", "0") == b"0.10000000000000001"
    assert c("EVAL", "return {double=1e300}", "0") == b"1.0000000000000001e+300"


# ---------------------------------------------------------------- RESP -> Lua conversions


@pytest.fixture
def data(c):
    assert c("HSET", "h", "f", "v", "g", "w") == 2
    assert c("ZADD", "z", "1.5", "m") == 1
    assert c("SADD", "s", "x") == 1
    assert c("SET", "k", "v") == "OK"
    assert c("SET", "str", "abc") == "OK"
    assert c("RPUSH", "l", "a", "b") == 2
    return c


@pytest.mark.parametrize("body,expected", [
    ("local r = redis.call('get', 'nokey') return type(r) .. tostring(r)", b"booleanfalse"),
    ("redis.setresp(3) local r = redis.call('get', 'nokey') return type(r)", b"nil"),
    ("redis.setresp(3) local r = redis.call('hget', 'h', 'nof') return tostring(r)", b"nil"),
    ("local r = redis.call('set', 'k', 'v') return type(r) .. ' ' .. r.ok", b"table OK"),
    ("local r = redis.call('incr', 'cnt') return type(r)", b"number"),
    ("local r = redis.call('get', 'k') return type(r)", b"string"),
    ("local r = redis.call('lrange', 'l', 0, -1) return type(r) .. #r", b"table2"),
    ("local r = redis.call('lrange', 'l', 0, -1) return r", [b"a", b"b"]),
    ("local r = redis.call('hgetall', 'h') return #r", 4),
    ("local r = redis.call('zscore', 'z', 'm') return type(r) .. r", b"string1.5"),
    ("return redis.call('zscore', 'z', 'm')", b"1.5"),
    ("redis.setresp(3) local r = redis.call('hgetall', 'h') return type(r) .. ' ' .. type(r.map)",
     b"table table"),
    ("redis.setresp(3) local r = redis.call('hgetall', 'h') return {r.map.f, r.map.g}", [b"v", b"w"]),
    ("redis.setresp(3) local r = redis.call('zscore', 'z', 'm') "
     "return type(r) .. ' ' .. tostring(r.double)",
     b"table 1.5"),
    ("redis.setresp(3) return redis.call('zscore', 'z', 'm')", b"1.5"),
    ("redis.setresp(3) local r = redis.call('smembers', 's') return {type(r.set), tostring(r.set.x)}",
     [b"table", b"true"]),
    ("redis.setresp(3) return redis.call('smembers', 's')", [b"x"]),
    ("redis.setresp(3) return redis.call('get', 'nokey')", None),
    ("redis.setresp(3) local r = redis.call('set', 'k', 'v') return r.ok", b"OK"),
    ("redis.setresp(3) local r = redis.call('exists', 'k') return type(r) .. r", b"number1"),
    ("redis.setresp(2) local r = redis.call('hgetall', 'h') return type(r.map)", b"nil"),
    ("redis.setresp(3) redis.setresp(2) local r = redis.call('get', 'nokey') return tostring(r)",
     b"false"),
])
def test_resp_to_lua(data, body, expected):
    assert data("EVAL", body, "0") == expected


def test_resp3_map_reply_through_script(r3, data):
    # A RESP3 map from redis.call, returned as is: a map to a RESP3 client, a flat array to RESP2.
    body = "redis.setresp(3) return redis.call('hgetall', 'h')"
    assert r3("EVAL", body, "0") == {b"f": b"v", b"g": b"w"}
    flat = data("EVAL", body, "0")
    assert dict(zip(flat[::2], flat[1::2])) == {b"f": b"v", b"g": b"w"} and len(flat) == 4
    assert r3("EVAL", "redis.setresp(3) return redis.call('smembers', 's')", "0") == {b"x"}
    assert r3("EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'm')", "0") == 1.5
    assert r3("EVAL", "return redis.call('zscore', 'z', 'm')", "0") == b"1.5"
    flat = r3("EVAL", "redis.setresp(2) return redis.call('hgetall', 'h')", "0")
    assert sorted(zip(flat[::2], flat[1::2])) == [(b"f", b"v"), (b"g", b"w")]


def test_large_replies(c):
    out = c("EVAL", "local t = {} for i = 1, 100000 do t[i] = i end return t", "0")
    assert out == list(range(1, 100001))
    assert c("EVAL", "return string.rep('x', 1048576)", "0") == b"x" * 1048576
    assert c("EVAL", "redis.call('set', KEYS[1], string.rep('ab', 300000)) "
                     "return redis.call('strlen', KEYS[1])", "1", "big") == 600000
    assert c("STRLEN", "big") == 600000


# ---------------------------------------------------------------- the redis.* API


@pytest.mark.parametrize("body,expected", [
    ("return redis.sha1hex('')", b"da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("return redis.sha1hex('abc')", b"a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("return redis.sha1hex(1)", b"356a192b7913b04c54574d18c28d46e6395428ab"),
    ("return redis.sha1hex({})", b"da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("return redis.log(redis.LOG_WARNING, 'hello from a test')", None),
    ("return redis.log(redis.LOG_DEBUG, 'a', 'b', 1)", None),
    ("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", [0, 1, 2, 3]),
    ("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
     [0, 1, 2, 2, 3]),
    ("return redis.set_repl(redis.REPL_ALL)", None),
    ("return redis.set_repl(redis.REPL_NONE)", None),
    ("return redis.replicate_commands()", 1),
    ("return redis.breakpoint()", None),
    ("return tostring(redis.breakpoint())", b"false"),
    ("return redis.debug('x')", None),
    ("return select('#', redis.debug('x'))", 0),
    ("return select('#', redis.breakpoint())", 1),
    ("local t = {} for k, v in pairs(redis) do table.insert(t, k) end table.sort(t) "
     "return table.concat(t, ',')",
     b"LOG_DEBUG,LOG_NOTICE,LOG_VERBOSE,LOG_WARNING,REDIS_VERSION,REDIS_VERSION_NUM,REPL_ALL,REPL_AOF,"
     b"REPL_NONE,REPL_REPLICA,REPL_SLAVE,acl_check_cmd,breakpoint,call,debug,error_reply,log,pcall,"
     b"replicate_commands,set_repl,setresp,sha1hex,status_reply"),
])
def test_redis_api(c, body, expected):
    assert c("EVAL", body, "0") == expected


def test_redis_version(c):
    version = info(c, "server")["redis_version"]
    major, minor, patch = (int(x) for x in version.split("."))
    assert (major, minor) == (7, 0)
    assert c("EVAL", "return redis.REDIS_VERSION", "0") == version.encode()
    assert c("EVAL", "return redis.REDIS_VERSION_NUM", "0") == (major << 16) | (minor << 8) | patch


def test_set_repl_does_not_change_effects(c):
    body = ("redis.set_repl(redis.REPL_NONE) redis.call('set', KEYS[1], 'a') "
            "redis.set_repl(redis.REPL_ALL) redis.call('set', KEYS[2], 'b') return 1")
    assert c("EVAL", body, "2", "ra", "rb") == 1
    assert c("MGET", "ra", "rb") == [b"a", b"b"]


def test_math_random_seeded_sequence(c):
    body = ("math.randomseed(7) return {math.random(100), math.random(100), math.random(100), "
            "tostring(math.random())}")
    assert c("EVAL", body, "0") == [27, 69, 27, b"0.12911084859125"]
    assert c("EVAL", body, "0") == [27, 69, 27, b"0.12911084859125"]
    body = "math.randomseed(1) return {math.random(1000), math.random(1000)}"
    assert c("EVAL", body, "0") == [42, 455]
    out = c("EVAL", "local t = {} for i = 1, 50 do t[i] = math.random(10) end return t", "0")
    assert len(out) == 50 and all(1 <= x <= 10 for x in out)


# ---------------------------------------------------------------- sandbox


@pytest.mark.parametrize("body,msg", [
    ("redis.call = nil", "ERR user_script:1: Attempt to modify a readonly table"),
    ("redis.foo = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("string.foo = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("string.len = nil", "ERR user_script:1: Attempt to modify a readonly table"),
    ("math.foo = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("cjson.encode = nil", "ERR user_script:1: Attempt to modify a readonly table"),
    ("_G.x = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("KEYS = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("function f() end", "ERR user_script:1: Attempt to modify a readonly table"),
    ("rawset(_G, 'x', 1)", "ERR Attempt to modify a readonly table"),
    ("setmetatable(_G, nil)", "ERR Attempt to modify a readonly table"),
    ("return type(os)", GLOBAL % "os"),
    ("return type(io)", GLOBAL % "io"),
    ("return type(loadfile)", GLOBAL % "loadfile"),
    ("return type(dofile)", GLOBAL % "dofile"),
    ("return type(require)", GLOBAL % "require"),
    ("return type(print)", GLOBAL % "print"),
    ("return type(module)", GLOBAL % "module"),
    ("return type(package)", GLOBAL % "package"),
    ("return type(debug)", GLOBAL % "debug"),
    ("return type(getfenv)", GLOBAL % "getfenv"),
    ("return type(setfenv)", GLOBAL % "setfenv"),
    ("return type(newproxy)", GLOBAL % "newproxy"),
])
def test_sandbox_errors(c, body, msg):
    assert c("EVAL", body, "0") == script_err(msg, body)


@pytest.mark.parametrize("body,expected", [
    ("return {type(string), type(table), type(math), type(cjson), type(cmsgpack), type(struct), "
     "type(bit), type(bit.tohex)}",
     [b"table", b"table", b"table", b"table", b"table", b"table", b"table", b"function"]),
    ("return {type(loadstring), type(load), type(pcall), type(xpcall), type(error), type(gcinfo), "
     "type(collectgarbage), type(rawget), type(tonumber), type(unpack), type(select)}",
     [b"function"] * 11),
    ("return type(_G)", b"table"),
    ("return _VERSION", b"Lua 5.1"),
    ("local x = 5; return x", 5),
    ("local t = setmetatable({}, {__index = function() return 1 end}) return t.x", 1),
    ("return rawget(_G, 'no_such_global') == nil", 1),
    ("return table.concat({1, 2, 3}, ',')", b"1,2,3"),
    ("return string.format('%5.2f|%d|%s', 3.14159, 42, 'x')", b" 3.14|42|x"),
    ("return tostring(1/3)", b"0.33333333333333"),
    ("return tostring(2^53)", b"9.007199254741e+15"),
    ("return math.floor(-3.5)", -4),
    ("return {tonumber('0x10'), tonumber('1e3'), tostring(tonumber('abc'))}", [16, 1000, b"nil"]),
    ("return unpack({1, 2, 3})", 1),
    ("return select('#', 1, 2, 3)", 3),
    ("return string.byte('A')", 65),
    ("return string.char(72, 105)", b"Hi"),
    ("return string.upper('abc') .. string.sub('hello', 2, 3)", b"ABCel"),
    ("return {string.find('hello world', 'o w')}", [5, 7]),
    ("return string.gsub('hello', 'l', 'L')", b"heLLo"),
    ("return ('x'):rep(3)", b"xxx"),
    ("return loadstring('return 1 + 1')()", 2),
    ("local t = {3, 1, 2} table.sort(t) return t", [1, 2, 3]),
])
def test_available_libraries(c, body, expected):
    assert c("EVAL", body, "0") == expected


def test_global_protection_does_not_leak_between_scripts(c):
    assert c("EVAL", "local x = 10 return x", "0") == 10
    body = "return x"
    assert c("EVAL", body, "0") == script_err(
        "ERR user_script:1: Script attempted to access nonexistent global variable 'x'", body)


# ---------------------------------------------------------------- cjson / cmsgpack / struct / bit


@pytest.mark.parametrize("body,expected", [
    ("return cjson.encode({1, 2, 3})", b"[1,2,3]"),
    ("return cjson.encode({a=1})", b'{"a":1}'),
    ("return cjson.encode('x\"y')", b'"x\\"y"'),
    ("return cjson.encode(1.5)", b"1.5"),
    ("return cjson.encode(0.1)", b"0.1"),
    ("return cjson.encode({})", b"{}"),
    ("return cjson.encode(cjson.null)", b"null"),
    ("return cjson.encode(true)", b"true"),
    ("return cjson.encode({1, nil, 3})", b"[1,null,3]"),
    ("return cjson.encode({[1]=1, [3]=3})", b"[1,null,3]"),
    ("return cjson.encode('\\n/\\1')", b'"\\n\\/\\u0001"'),
    ("return cjson.encode(123456789012)", b"123456789012"),
    ("return cjson.decode('[1,2,3]')", [1, 2, 3]),
    ("return cjson.decode('{\"a\":[1,\"x\",true]}').a[2]", b"x"),
    ("return type(cjson.decode('null'))", b"userdata"),
    ("return cjson.decode('1e2')", 100),
    ("return cjson.decode('\"\\\\u00e9\"')", b"\xc3\xa9"),
    ("return cjson.decode('{\"a\":1.5}').a", 1),
    ("return cjson.encode(cjson.decode('{\"b\":[1,2,{\"c\":null}]}'))", b'{"b":[1,2,{"c":null}]}'),
    ("return cmsgpack.pack(1)", b"\x01"),
    ("return cmsgpack.pack({1, 2, 3})", b"\x93\x01\x02\x03"),
    ("return cmsgpack.pack({a=1})", b"\x81\xa1a\x01"),
    ("return cmsgpack.pack('abc')", b"\xa3abc"),
    ("return cmsgpack.pack(1.5)", b"\xca?\xc0\x00\x00"),
    ("return cmsgpack.pack(-1)", b"\xff"),
    ("return cmsgpack.pack(300)", b"\xcd\x01,"),
    ("return cmsgpack.pack(70000)", b"\xce\x00\x01\x11p"),
    ("return cmsgpack.pack(-200)", b"\xd1\xff8"),
    ("return cmsgpack.pack(2^40)", b"\xcf\x00\x00\x01\x00\x00\x00\x00\x00"),
    ("return cmsgpack.pack(true, false, nil)", b"\xc3\xc2\xc0"),
    ("return cmsgpack.pack(string.rep('x', 40))", b"\xd9(" + b"x" * 40),
    ("return cmsgpack.unpack(cmsgpack.pack({1, 2, {3, 'x'}}))", [1, 2, [3, b"x"]]),
    ("return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}", [1, 2, 3]),
    ("return cmsgpack.unpack('\\145\\1')", [1]),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(7, 8))}", [1, 7]),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(7, 8, 9), 2)}", [2, 7, 8]),
    ("return struct.pack('>I2', 258)", b"\x01\x02"),
    ("return struct.pack('<i4', -2)", b"\xfe\xff\xff\xff"),
    ("return struct.pack('b', 65)", b"A"),
    ("return struct.pack('s', 'ab')", b"ab\x00"),
    ("return struct.pack('>d', 1.5)", b"?\xf8\x00\x00\x00\x00\x00\x00"),
    ("return struct.pack('c3', 'abcdef')", b"abc"),
    ("return {struct.unpack('>I2', '\\1\\2')}", [258, 3]),
    ("return {struct.unpack('<i4i4', '\\254\\255\\255\\255\\1\\0\\0\\0')}", [-2, 1, 9]),
    ("return {struct.unpack('s', 'ab\\0cd')}", [b"ab", 4]),
    ("return struct.size('>I4i2')", 6),
    ("return bit.tohex(65535)", b"0000ffff"),
    ("return bit.tohex(-1)", b"ffffffff"),
    ("return bit.tohex(255, 4)", b"00ff"),
    ("return bit.tohex(255, -4)", b"00FF"),
    ("return bit.band(0xff, 0x0f)", 15),
    ("return bit.bor(1, 2, 4)", 7),
    ("return bit.bxor(5, 3)", 6),
    ("return bit.bnot(0)", -1),
    ("return bit.lshift(1, 31)", -2147483648),
    ("return bit.rshift(-1, 28)", 15),
    ("return bit.arshift(-16, 2)", -4),
    ("return bit.rol(1, 33)", 2),
    ("return bit.ror(1, 1)", -2147483648),
    ("return bit.bswap(0x12345678)", 2018915346),
    ("return bit.tobit(0xffffffff)", -1),
    ("return bit.tobit(2^32 + 5)", 5),
])
def test_bundled_libraries(c, body, expected):
    assert c("EVAL", body, "0") == expected


def test_cjson_and_cmsgpack_round_trip_through_keys(c):
    body = ("local obj = cjson.decode(ARGV[1]) obj.n = obj.n + 1 "
            "redis.call('set', KEYS[1], cjson.encode(obj)) "
            "redis.call('set', KEYS[2], cmsgpack.pack(obj.list)) "
            "return {cjson.decode(redis.call('get', KEYS[1])).n, "
            "cmsgpack.unpack(redis.call('get', KEYS[2]))}")
    assert c("EVAL", body, "2", "j", "m", '{"n":41,"list":[1,2,3]}') == [42, [1, 2, 3]]
    assert c("GET", "m") == b"\x93\x01\x02\x03"


# ---------------------------------------------------------------- shebang and flags


@pytest.mark.parametrize("body,eval_reply,eval_ro_reply", [
    ("#!lua\nreturn 1", 1, RO_FLAG),
    ("#!lua\n", None, RO_FLAG),
    ("#!lua flags=\nreturn 1", 1, RO_FLAG),
    ("#!lua flags=no-writes\nreturn 1", 1, 1),
    ("#!lua flags=no-writes,allow-oom\nreturn 1", 1, 1),
    ("#!lua flags=no-writes flags=allow-oom\nreturn 1", 1, 1),
    ("#!lua flags=allow-stale\nreturn 1", 1,
     RO_FLAG),
    ("#!lua flags=no-cluster\nreturn 1", 1,
     RO_FLAG),
    ("#!lua flags=allow-cross-slot-keys\nreturn 1", 1,
     RO_FLAG),
    ("#!lua flags=bogus\nreturn 1", Err("ERR Unexpected flag in script shebang: bogus"),
     Err("ERR Unexpected flag in script shebang: bogus")),
    ("#!lua flags=no-writes,bogus\nreturn 1", Err("ERR Unexpected flag in script shebang: bogus"),
     Err("ERR Unexpected flag in script shebang: bogus")),
    ("#!lua name=x\nreturn 1", Err("ERR Unknown lua shebang option: name=x"),
     Err("ERR Unknown lua shebang option: name=x")),
    ("#!lua x\nreturn 1", Err("ERR Unknown lua shebang option: x"),
     Err("ERR Unknown lua shebang option: x")),
    ("#!notlua\nreturn 1", Err("ERR Unexpected engine in script shebang: #!notlua"),
     Err("ERR Unexpected engine in script shebang: #!notlua")),
    ("#! lua\nreturn 1", Err("ERR Unexpected engine in script shebang: #!"),
     Err("ERR Unexpected engine in script shebang: #!")),
])
def test_shebang(c, body, eval_reply, eval_ro_reply):
    assert c("EVAL", body, "0") == eval_reply
    assert c("EVAL_RO", body, "0") == eval_ro_reply


def test_no_writes_flag(c):
    assert c("SET", "a", "1") == "OK"
    w = "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], '2')"
    assert c("EVAL", w, "1", "a") == script_err(RO_WRITE, w, 2)
    assert c("EVAL_RO", w, "1", "a") == script_err(RO_WRITE, w, 2)
    rd = "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])"
    assert c("EVAL", rd, "1", "a") == b"1"
    assert c("EVAL_RO", rd, "1", "a") == b"1"
    assert c("EVALSHA_RO", sha1(rd), "1", "a") == b"1"
    p = "#!lua flags=no-writes\nreturn redis.pcall('set', KEYS[1], '2')"
    assert c("EVAL", p, "1", "a") == Err(RO_WRITE)
    assert c("GET", "a") == b"1"


def test_eval_ro(c):
    assert c("SET", "a", "1") == "OK"
    w = "return redis.call('set', KEYS[1], '2')"
    assert c("EVAL_RO", w, "1", "a") == script_err(RO_WRITE, w)
    assert c("EVALSHA_RO", sha1(w), "1", "a") == script_err(RO_WRITE, w)
    assert c("EVAL_RO", "return redis.pcall('set', KEYS[1], '2').err", "1", "a") == RO_WRITE.encode()
    assert c("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a") == b"1"
    assert c("EVAL_RO", "return redis.call('incr', KEYS[1])", "1", "a") == script_err(
        RO_WRITE, "return redis.call('incr', KEYS[1])")
    assert c("GET", "a") == b"1"
    # A shebang script with the default (write) flags is refused up front by the _RO variants.
    body = "#!lua\nreturn redis.call('get', KEYS[1])"
    assert c("EVAL_RO", body, "1", "a") == RO_FLAG
    assert c("SCRIPT", "LOAD", body) == sha1(body).encode()
    assert c("EVALSHA_RO", sha1(body), "1", "a") == Err(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert c("EVALSHA", sha1(body), "1", "a") == b"1"


def test_allow_oom(spawn_server):
    srv = spawn_server("--maxmemory", "1")
    c = srv.client()
    try:
        assert c("SET", "a", "1") == Err(OOM)
        w = "return redis.call('set', KEYS[1], '1')"
        assert c("EVAL", w, "1", "a") == script_err(OOM, w)
        assert c("EVAL", "return redis.pcall('set', KEYS[1], '1')", "1", "a") == Err(OOM)
        assert c("EVAL", "return redis.call('get', KEYS[1])", "1", "a") is None
        assert c("EVAL", "return 1", "0") == 1
        # Shebang scripts without no-writes / allow-oom are refused before they run.
        assert c("EVAL", "#!lua\nreturn redis.call('set', KEYS[1], '1')", "1", "a") == Err(OOM)
        assert c("EVAL", "#!lua\nreturn redis.call('get', KEYS[1])", "1", "a") == Err(OOM)
        assert c("EVAL", "#!lua\nreturn 1", "0") == Err(OOM)
        assert c("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "a") is None
        body = "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'oom')"
        assert c("EVAL", body, "1", "a") == "OK"
        assert c("EVAL", "#!lua flags=allow-oom\nreturn redis.call('get', KEYS[1])", "1", "a") == b"oom"
        assert c("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a") == b"oom"
        assert c("SCRIPT", "LOAD", "return 2") == b"7f923f79fe76194c868d7e1d0820de36700eb649"
    finally:
        c.close()


# ---------------------------------------------------------------- MULTI / EXEC / WATCH


def test_scripts_inside_multi(c):
    assert c("MULTI") == "OK"
    assert c("EVAL", "return redis.call('incr', KEYS[1])", "1", "n") == "QUEUED"
    assert c("EVAL", "return {1, 'x'}", "0") == "QUEUED"
    assert c("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0") == "QUEUED"
    assert c("EVAL", "return 1", "-1") == "QUEUED"
    assert c("EVAL", "return +", "0") == "QUEUED"
    assert c("SCRIPT", "LOAD", "return 'q'") == "QUEUED"
    assert c("EVALSHA", sha1("return 'q'"), "0") == "QUEUED"
    assert c("EVAL", "return redis.call('incr', KEYS[1])", "1", "n") == "QUEUED"
    assert c("EXEC") == [
        1, [1, b"x"], Err(NOSCRIPT), Err("ERR Number of keys can't be negative"),
        Err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'"),
        sha1("return 'q'").encode(), b"q", 2]


def test_eval_arity_error_aborts_multi(c):
    assert c("MULTI") == "OK"
    assert c("EVAL", "return 1") == Err("ERR wrong number of arguments for 'eval' command")
    assert c("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")


def test_watch_aborted_by_script(c, new_client):
    other = new_client()
    assert c("SET", "w", "1") == "OK"
    assert c("WATCH", "w") == "OK"
    assert other("EVAL", "return redis.call('incr', KEYS[1])", "1", "w") == 2
    assert c("MULTI") == "OK"
    assert c("SET", "w", "100") == "QUEUED"
    assert c("EXEC") is None
    assert c("GET", "w") == b"2"
    # A script that only reads the watched key does not abort the transaction.
    assert c("WATCH", "w") == "OK"
    assert other("EVAL", "return redis.call('get', KEYS[1])", "1", "w") == b"2"
    assert c("MULTI") == "OK"
    assert c("EVAL", "return redis.call('incrby', KEYS[1], 10)", "1", "w") == "QUEUED"
    assert c("EXEC") == [12]
    # A script that writes the watched key without declaring it aborts as well.
    assert c("WATCH", "w") == "OK"
    assert other("EVAL", "return redis.call('set', ARGV[1], 'x')", "0", "w") == "OK"
    assert c("MULTI") == "OK"
    assert c("GET", "w") == "QUEUED"
    assert c("EXEC") is None


# ---------------------------------------------------------------- scripts over several keys


def test_script_over_declared_keys(c):
    keys = spread_keys("ck", 4)
    body = ("redis.call('mset', KEYS[1], ARGV[1], KEYS[2], ARGV[2], KEYS[3], ARGV[3], "
            "KEYS[4], ARGV[4]) "
            "redis.call('incr', KEYS[1]) redis.call('append', KEYS[4], '!') "
            "return redis.call('mget', KEYS[1], KEYS[2], KEYS[3], KEYS[4])")
    assert c("EVAL", body, "4", *keys, "1", "b", "c", "d") == [b"2", b"b", b"c", b"d!"]
    assert c("MGET", *keys) == [b"2", b"b", b"c", b"d!"]
    assert c("EVAL_RO", "local s = 0 for i, k in ipairs(KEYS) do s = s + #redis.call('get', k) end "
                        "return s", "4", *keys) == 5


def test_script_over_undeclared_keys(c):
    keys = spread_keys("uk", 4)
    assert c("MSET", keys[0], "10", keys[1], "20") == "OK"
    body = ("local out = {} for i, k in ipairs(ARGV) do "
            "out[i] = redis.call('incrby', k, i) end return out")
    assert c("EVAL", body, "0", *keys) == [11, 22, 3, 4]
    assert c("MGET", *keys) == [b"11", b"22", b"3", b"4"]
    reader = "local t = {} for i, k in ipairs(ARGV) do t[i] = redis.call('get', k) end return t"
    assert c("EVAL", reader, "0", *keys, "missing") == [b"11", b"22", b"3", b"4", None]
    assert c("EVAL_RO", reader, "0", *keys) == [b"11", b"22", b"3", b"4"]


def test_script_writes_declared_then_undeclared(c):
    a, b, d = spread_keys("mk", 3)
    body = ("redis.call('set', KEYS[1], ARGV[1]) "
            "redis.call('rpush', ARGV[2], redis.call('get', KEYS[1])) "
            "redis.call('hset', ARGV[3], 'f', redis.call('llen', ARGV[2])) "
            "return {redis.call('get', KEYS[1]), redis.call('lrange', ARGV[2], 0, -1), "
            "redis.call('hget', ARGV[3], 'f')}")
    assert c("EVAL", body, "1", a, "v1", b, d) == [b"v1", [b"v1"], b"1"]
    assert c("EVAL", body, "1", a, "v2", b, d) == [b"v2", [b"v1", b"v2"], b"2"]
    assert c("LRANGE", b, "0", "-1") == [b"v1", b"v2"]
    assert c("HGETALL", d) == [b"f", b"2"]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize("setup,body,expected,after", [
    ([("SET", "K1", "v")], "return redis.call('rename', K1, K2)", "OK", [("GET", "K2", b"v"),
                                                                         ("EXISTS", "K1", 0)]),
    ([("SADD", "K1", "a", "b"), ("SADD", "K2", "b", "c")],
     "return redis.call('sunionstore', K3, K1, K2)", 3, [("SCARD", "K3", 3)]),
    ([("RPUSH", "K1", "x", "y")], "return redis.call('lmove', K1, K2, 'LEFT', 'RIGHT')", b"x",
     [("LRANGE", "K2", [b"x"]), ("LLEN", "K1", 1)]),
    ([("SADD", "K1", "m")], "return redis.call('smove', K1, K2, 'm')", 1, [("SISMEMBER", "K2", 1)]),
    ([("SET", "K1", "cv")], "return redis.call('copy', K1, K2)", 1, [("GET", "K2", b"cv")]),
    ([("ZADD", "K1", "1", "a"), ("ZADD", "K2", "2", "a")],
     "return redis.call('zunionstore', K3, 2, K1, K2)", 1, [("ZSCORE", "K3", b"3")]),
    ([("SET", "K1", "1"), ("SET", "K2", "2")], "return redis.call('del', K1, K2, K3)", 2,
     [("EXISTS", "K1", 0), ("EXISTS", "K2", 0)]),
])
def test_multi_key_commands_in_scripts(c, declared, setup, body, expected, after):
    names = dict(zip(["K1", "K2", "K3"], spread_keys("mkc", 3)))

    def sub(x):
        return names.get(x, x) if isinstance(x, str) else x

    for cmd in setup:
        c(*[sub(x) for x in cmd])
    if declared:
        lua = body.replace("K1", "KEYS[1]").replace("K2", "KEYS[2]").replace("K3", "KEYS[3]")
        args = ["3", names["K1"], names["K2"], names["K3"]]
    else:
        lua = body.replace("K1", "ARGV[1]").replace("K2", "ARGV[2]").replace("K3", "ARGV[3]")
        args = ["0", names["K1"], names["K2"], names["K3"]]
    assert c("EVAL", lua, *args) == expected
    for cmd, key, want in after:
        extra = {"SISMEMBER": ["m"], "LRANGE": ["0", "-1"], "ZSCORE": ["a"]}.get(cmd, [])
        assert c(cmd, sub(key), *extra) == want


TRANSFER_DECLARED = """
local amt = tonumber(ARGV[1])
local bal = tonumber(redis.call('get', KEYS[1]) or '0')
if bal < amt then return 0 end
redis.call('decrby', KEYS[1], amt)
redis.call('incrby', KEYS[2], amt)
return 1
"""

TRANSFER_UNDECLARED = """
local amt = tonumber(ARGV[3])
local bal = tonumber(redis.call('get', ARGV[1]) or '0')
if bal < amt then return 0 end
redis.call('decrby', ARGV[1], amt)
redis.call('incrby', ARGV[2], amt)
return 1
"""

SUM_DECLARED = ("local s = 0 for _, k in ipairs(KEYS) do s = s + tonumber(redis.call('get', k)) end "
                "return s")
SUM_UNDECLARED = SUM_DECLARED.replace("KEYS", "ARGV")


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_transfers_are_atomic(server, c, declared):
    accounts = ["acct:%d" % i for i in range(1, 9)]
    assert c("MSET", *[x for a in accounts for x in (a, "100")]) == "OK"
    total = 800
    stop = time.time() + 1.0
    errors, counts = [], {"moves": 0, "reads": 0}
    lock = threading.Lock()

    def running():
        # 1 s, or longer (up to 20 s) until a move and a read were made on a slow server.
        now = time.time()
        return now < stop or (now < stop + 20 and not (counts["moves"] and counts["reads"]))

    def mover(seed):
        cl = server.client()
        i = seed
        try:
            while running():
                src, dst = accounts[i % 8], accounts[(i * 3 + 1) % 8]
                i += 1
                if src == dst:
                    continue
                amt = str(1 + i % 17)
                if declared:
                    out = cl("EVAL", TRANSFER_DECLARED, "2", src, dst, amt)
                else:
                    out = cl("EVAL", TRANSFER_UNDECLARED, "0", src, dst, amt)
                if out not in (0, 1):
                    errors.append(("move", out))
                    return
                with lock:
                    counts["moves"] += out
        finally:
            cl.close()

    def reader(kind):
        cl = server.client()
        try:
            while running():
                if kind == "mget":
                    got = sum(int(v) for v in cl("MGET", *accounts))
                elif declared:
                    got = cl("EVAL_RO", SUM_DECLARED, "8", *accounts)
                else:
                    got = cl("EVAL", SUM_UNDECLARED, "0", *accounts)
                if got != total:
                    errors.append(("sum", kind, got))
                    return
                with lock:
                    counts["reads"] += 1
        finally:
            cl.close()

    threads = [threading.Thread(target=mover, args=(s,)) for s in range(4)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in ("script", "script", "mget")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert counts["moves"] > 0 and counts["reads"] > 0
    assert sum(int(v) for v in c("MGET", *accounts)) == total


# ---------------------------------------------------------------- BUSY / SCRIPT KILL


def test_busy_and_script_kill(spawn_server):
    srv = spawn_server("--busy-reply-threshold", "100")
    a, b = srv.client(), srv.client()
    try:
        busy_cmds = [("GET", "x"), ("SET", "x", "1"), ("EVAL", "return 1", "0"),
                     ("SCRIPT", "EXISTS", "x"), ("SCRIPT", "LOAD", "return 1"), ("INFO", "server")]
        if command_exists(b, "function"):  # not in Shoal yet
            busy_cmds.append(("FUNCTION", "KILL"))
        loop = "while true do end"
        a.send("EVAL", loop, "0")
        assert wait_busy(b) == Err(BUSY)
        for cmd in busy_cmds:
            assert b(*cmd) == Err(BUSY), cmd
        assert b("SCRIPT", "KILL") == "OK"
        assert a.read() == script_err("ERR Script killed by user with SCRIPT KILL...", loop)
        assert b("SCRIPT", "KILL") == Err("NOTBUSY No scripts in execution right now.")
        assert b("PING") == "PONG"
        assert a("PING") == "PONG"
        assert b("EXISTS", "x") == 0
        # Killing a read-only loop leaves no effects; the same again after a read.
        ro = "redis.call('get', KEYS[1]) while true do end"
        a.send("EVAL", ro, "1", "x")
        assert wait_busy(b) == Err(BUSY)
        assert b("SCRIPT", "KILL") == "OK"
        assert a.read() == script_err("ERR Script killed by user with SCRIPT KILL...", ro)
    finally:
        a.close()
        b.close()


def test_unkillable_script_and_shutdown_nosave(spawn_server):
    srv = spawn_server("--busy-reply-threshold", "100")
    a, b = srv.client(), srv.client()
    try:
        a.send("EVAL", "redis.call('set', KEYS[1], '1') while true do end", "1", "x")
        assert wait_busy(b) == Err(BUSY)
        unkillable = Err("UNKILLABLE Sorry the script already executed write commands against the "
                         "dataset. You can either wait the script termination or kill the server in "
                         "a hard way using the SHUTDOWN NOSAVE command.")
        assert b("SCRIPT", "KILL") == unkillable
        assert b("GET", "x") == Err(BUSY)
        b.send("SHUTDOWN", "NOSAVE")
        assert b.is_closed(wait=10)
        assert a.is_closed(wait=10)
        assert srv.wait_exit(10) is not None
    finally:
        a.close()
        b.close()


# ---------------------------------------------------------------- real libraries through redis-py


LOCK_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end
"""

LOCK_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
else
    return 0
end
"""


def test_lock_library(r):
    release = r.register_script(LOCK_RELEASE)
    extend = r.register_script(LOCK_EXTEND)
    r.script_flush()
    assert r.set("lock:res", "token-a", nx=True, px=10000) is True
    assert r.set("lock:res", "token-b", nx=True, px=10000) is None
    assert extend(keys=["lock:res"], args=["token-b", 20000]) == 0
    assert extend(keys=["lock:res"], args=["token-a", 20000]) == 1
    assert 10000 < r.pttl("lock:res") <= 20000
    assert release(keys=["lock:res"], args=["token-b"]) == 0
    assert r.get("lock:res") == b"token-a"
    assert release(keys=["lock:res"], args=["token-a"]) == 1
    assert r.exists("lock:res") == 0
    assert release(keys=["lock:res"], args=["token-a"]) == 0
    assert r.set("lock:res", "token-b", nx=True, px=10000) is True
    assert r.script_exists(release.sha, extend.sha) == [True, True]


def test_lock_mutual_exclusion(server, r):
    release = r.register_script(LOCK_RELEASE)
    counter_key, lock_key = "lock:counter", "lock:guard"
    r.set(counter_key, 0)
    errors = []

    def worker(wid):
        cl = server.redis()
        rel = cl.register_script(LOCK_RELEASE)
        token = "w%d" % wid
        done = 0
        deadline = time.time() + 60
        while done < 20 and time.time() < deadline:
            if cl.set(lock_key, token, nx=True, px=30000):
                v = int(cl.get(counter_key))
                cl.set(counter_key, v + 1)
                if rel(keys=[lock_key], args=[token]) != 1:
                    errors.append(wid)
                done += 1
        cl.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert errors == []
    assert int(r.get(counter_key)) == 80
    assert release.sha == sha1(LOCK_RELEASE)


RATE_LIMIT = """
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
    return {0, n, redis.call('pttl', KEYS[1])}
end
return {1, n, redis.call('pttl', KEYS[1])}
"""

TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local b = redis.call('hmget', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or capacity
local ts = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local ok = 0
if tokens >= want then tokens = tokens - want ok = 1 end
redis.call('hset', KEYS[1], 'tokens', tokens, 'ts', now)
return {ok, tostring(tokens)}
"""


def test_fixed_window_rate_limiter(r):
    limit = r.register_script(RATE_LIMIT)
    out = [limit(keys=["rl:user1"], args=[3, 60000]) for _ in range(5)]
    assert [x[:2] for x in out] == [[1, 1], [1, 2], [1, 3], [0, 4], [0, 5]]
    assert all(0 < x[2] <= 60000 for x in out)
    assert limit(keys=["rl:user2"], args=[3, 60000])[:2] == [1, 1]
    r.delete("rl:user1")
    assert limit(keys=["rl:user1"], args=[3, 60000])[:2] == [1, 1]
    r.script_flush()
    assert limit(keys=["rl:user1"], args=[3, 60000])[:2] == [1, 2]  # redis-py reloads on NOSCRIPT


def test_token_bucket(r):
    bucket = r.register_script(TOKEN_BUCKET)
    # capacity 5, 2 tokens per second; the clock is passed in (deterministic).
    assert bucket(keys=["tb"], args=[5, 2, 1000, 3]) == [1, b"2"]
    assert bucket(keys=["tb"], args=[5, 2, 1000, 3]) == [0, b"2"]
    assert bucket(keys=["tb"], args=[5, 2, 1001, 3]) == [1, b"1"]
    assert bucket(keys=["tb"], args=[5, 2, 1100, 1]) == [1, b"4"]
    assert bucket(keys=["tb"], args=[5, 2, 1100.25, 1]) == [1, b"3.5"]
    assert r.hgetall("tb") == {b"tokens": b"3.5", b"ts": b"1100.25"}


def test_redis_py_script_errors(r):
    s = r.register_script("return redis.call('incr', KEYS[1])")
    r.set("notnum", "x")
    with pytest.raises(redis.ResponseError) as e:
        s(keys=["notnum"])
    assert str(e.value) == ("value is not an integer or out of range script: %s, on @user_script:1."
                            % s.sha)
    assert s(keys=["num"]) == 1


def test_exec_with_a_script_and_server_wide_commands(c):
    # The EXEC holds every shard for its script step; INFO's and DBSIZE's visits are its own.
    assert c("MULTI") == "OK"
    assert c("EVAL", "return redis.call('set', KEYS[1], '1')", "1", "a") == "QUEUED"
    assert c("INFO", "keyspace") == "QUEUED"
    assert c("DBSIZE") == "QUEUED"
    assert c("EVAL", "return redis.call('dbsize')", "0") == "QUEUED"
    out = c("EXEC")
    assert out[0] == "OK"
    assert b"db0:keys=1," in out[1]
    assert out[2:] == [1, 1]


def test_info_scripting_fields(c):
    assert c("SCRIPT", "FLUSH") == "OK"
    assert c("FUNCTION", "FLUSH") == "OK"

    def mem():
        text = c("INFO", "memory").decode()
        return {k: v for k, v in (ln.split(":", 1) for ln in text.split("\r\n") if ":" in ln)}

    m = mem()
    assert (m["number_of_cached_scripts"], m["number_of_functions"], m["number_of_libraries"]) == (
        "0", "0", "0")
    assert c("SCRIPT", "LOAD", "return 'info'") == sha1("return 'info'").encode()
    assert c("EVAL", "return 2", "0") == 2
    lib = "#!lua name=infolib\nredis.register_function('i1', function() return 1 end)\n" \
          "redis.register_function('i2', function() return 2 end)"
    assert c("FUNCTION", "LOAD", lib) == b"infolib"
    assert c("FCALL", "i2", "0") == 2
    m = mem()
    assert (m["number_of_cached_scripts"], m["number_of_functions"], m["number_of_libraries"]) == (
        "2", "2", "1")
    assert int(m["used_memory_scripts_eval"]) > 0 and int(m["used_memory_functions"]) > 0
    assert int(m["used_memory_lua"]) > 0 and int(m["used_memory_vm_functions"]) > 0
    assert int(m["used_memory_vm_total"]) == (int(m["used_memory_vm_eval"]) +
                                              int(m["used_memory_vm_functions"]))
    assert int(m["used_memory_scripts"]) == (int(m["used_memory_scripts_eval"]) +
                                             int(m["used_memory_functions"]))
    assert c("SCRIPT", "FLUSH") == "OK"
    assert c("FUNCTION", "FLUSH") == "OK"
    m = mem()
    assert (m["number_of_cached_scripts"], m["number_of_functions"], m["number_of_libraries"]) == (
        "0", "0", "0")


# --- one shard: the thread running the script is every client's thread (Shoal only) ---

shoal_only = pytest.mark.skipif(not _is_shoal(), reason="Shoal-only behaviour (its threads)")


@shoal_only
def test_busy_script_on_the_only_shard(spawn_server):
    """With --shards 1 the script's thread serves everybody: from its hook it answers its idle
    clients (BUSY, SCRIPT KILL) and starts new ones; SHUTDOWN NOSAVE and SIGTERM still work."""
    srv = spawn_server("--shards", "1", "--busy-reply-threshold", "100")
    a, b = srv.client(), srv.client()
    try:
        assert b("PING") == "PONG"
        loop = "while true do end"
        a.send("EVAL", loop, "0")
        time.sleep(0.2)  # the script runs: b's next bytes arrive while its thread is in it
        assert wait_busy(b) == Err(BUSY)
        c = srv.client()  # accepted while the only shard thread is busy
        assert c("GET", "x") == Err(BUSY)
        assert c("SCRIPT", "KILL") == "OK"
        assert a.read() == script_err("ERR Script killed by user with SCRIPT KILL...", loop)
        assert c("PING") == "PONG" and b("PING") == "PONG"
        c.close()
        a.send("EVAL", "redis.call('set', KEYS[1], '1') " + loop, "1", "x")
        time.sleep(0.2)
        assert wait_busy(b) == Err(BUSY)
        assert b("SCRIPT", "KILL") == Err(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. "
            "You can either wait the script termination or kill the server in a hard way using "
            "the SHUTDOWN NOSAVE command.")
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.wait_exit(10) is not None
    finally:
        a.close()
        b.close()
