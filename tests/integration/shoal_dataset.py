"""Helpers of the persistence tests (test_rdb.py, test_rdb_crash.py, test_persistence_cmds.py,
test_snapshot_consistency.py), all in this one module:

dataset(c)          {db: {key: (type, value, ttl)}} of every db (empty ones included); ttl is None
                    or an Expiry, equal to another within EXPIRY_TOLERANCE_MS of the same absolute
                    time, so snapshots taken before and after a restart compare with ==.
encodings(c)        {db: {key: OBJECT ENCODING}}.
functions(c)        the function libraries (FUNCTION LIST WITHCODE), order-independent.
assert_same(a, b)   == with a short diff on failure (values can be megabytes).
fill_every_type(c)  every type in every encoding Redis 7.0 has, expiry times, binary names,
                    several dbs, a function library. fill_strings(c, n): n plain keys.
Servers             the `servers` fixture (conftest.py): the server under test or the reference
                    /usr/bin/redis-server, each with a dir of its own; restart, crash (SIGKILL of
                    the server and its children), load_dump (a reference redis-server on a copy).
persistence(c), wait_bgsave_done(c), bgsave(c), start_slow_bgsave(c, us), check_rdb(path),
shutdown(c, *args), expect_start_failure(h).

Every helper takes a RespClient (shoal_resp.py) as `c`.
"""

import os
import random
import shutil
import signal
import subprocess
import time

import conftest
from conftest import HOST, REDIS_BIN, ConnectionClosed, Err, ServerHandle, free_port
from shoal_info import info as info_section
from shoal_resp import RespClient

CHECK_RDB_BIN = "/usr/bin/redis-check-rdb"
EXPIRY_TOLERANCE_MS = 2000
# Shoal: the shard counts a restart test runs with; Redis: one run (None: no --shards).
SHARD_COUNTS = [1, 4] if conftest._is_shoal() else [None]


def shard_ids(n):
    return "redis" if n is None else "shards%d" % n


# --------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------


class Expiry:
    """A key's absolute expiry time (ms), equal to another within EXPIRY_TOLERANCE_MS."""

    __hash__ = None

    def __init__(self, at_ms):
        self.at_ms = at_ms

    def __eq__(self, other):
        return isinstance(other, Expiry) and abs(self.at_ms - other.at_ms) <= EXPIRY_TOLERANCE_MS

    def __repr__(self):
        return "Expiry(in %.1fs)" % ((self.at_ms - time.time() * 1000) / 1000)


def databases(c):
    return int(c("CONFIG", "GET", "databases")[1])


def scan_keys(c):
    """Every key of the selected db (SCAN; a key reported twice counts once)."""
    keys, cursor = set(), b"0"
    while True:
        reply = c("SCAN", cursor, "COUNT", "1000")
        assert isinstance(reply, list), reply
        cursor, batch = reply
        keys.update(batch)
        if cursor == b"0":
            return sorted(keys)


def _values(c, typed):
    """[(key, type)] -> [value] read in one pipeline."""
    read = {
        b"string": lambda k: ("GET", k),
        b"list": lambda k: ("LRANGE", k, "0", "-1"),
        b"set": lambda k: ("SMEMBERS", k),
        b"zset": lambda k: ("ZRANGE", k, "0", "-1", "WITHSCORES"),
        b"hash": lambda k: ("HGETALL", k),
        # Entries and metadata (IDs, counters, groups) in one reply.
        b"stream": lambda k: ("XINFO", "STREAM", k, "FULL", "COUNT", "0"),
    }
    for key, t in typed:
        assert t in read, "key %r has type %r, which the snapshot does not read" % (key, t)
    out = []
    for (key, t), v in zip(typed, c.pipeline([read[t](k) for k, t in typed])):
        assert not isinstance(v, Err), (key, t, v)
        if t == b"list":
            v = tuple(v)
        elif t == b"set":
            v = tuple(sorted(v))
        elif t == b"zset":
            v = tuple(zip(v[0::2], v[1::2]))
        elif t == b"hash":
            v = tuple(sorted(zip(v[0::2], v[1::2])))
        elif t == b"stream":
            v = repr(v)
        out.append(v)
    return out


def dataset(c):
    """{db: {key: (type, value, ttl)}} of every db (empty dbs included); leaves db 0 selected.
    Values: bytes (string), tuple (list, in order), sorted tuple (set), ((member, score), ...)
    in ZRANGE order (zset), sorted ((field, value), ...) (hash). ttl: None or Expiry."""
    out = {}
    for db in range(databases(c)):
        assert c("SELECT", str(db)) == "OK"
        keys = scan_keys(c)
        replies = c.pipeline([cmd for k in keys for cmd in (("TYPE", k), ("PTTL", k))])
        now_ms = time.time() * 1000
        typed, ttls = [], []
        for key, t, pttl in zip(keys, [s.encode() for s in replies[0::2]], replies[1::2]):
            if t == b"none":
                continue  # expired between SCAN and TYPE
            typed.append((key, t))
            ttls.append(None if pttl == -1 else Expiry(now_ms + pttl))
        values = _values(c, typed)
        out[db] = {k: (t, v, ttl) for (k, t), v, ttl in zip(typed, values, ttls)}
    assert c("SELECT", "0") == "OK"
    return out


def encodings(c):
    """{db: {key: OBJECT ENCODING}} of every db; leaves db 0 selected."""
    out = {}
    for db in range(databases(c)):
        assert c("SELECT", str(db)) == "OK"
        keys = scan_keys(c)
        out[db] = dict(zip(keys, c.pipeline([("OBJECT", "ENCODING", k) for k in keys])))
    assert c("SELECT", "0") == "OK"
    return out


def functions(c):
    """FUNCTION LIST WITHCODE as {library: (engine, code, ((function, description, flags), ...))}
    (the order of the libraries and of their functions is a hash table's)."""
    libs = c("FUNCTION", "LIST", "WITHCODE")
    assert isinstance(libs, list), libs
    out = {}
    for lib in libs:
        lib = dict(zip(lib[0::2], lib[1::2]))
        funcs = []
        for f in lib[b"functions"]:
            f = dict(zip(f[0::2], f[1::2]))
            funcs.append((f[b"name"], f[b"description"], tuple(sorted(f[b"flags"]))))
        out[lib[b"library_name"]] = (lib[b"engine"], lib[b"library_code"], tuple(sorted(funcs)))
    return out


def _short(v, limit=120):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(r)


def describe_diff(want, got, limit=10):
    """A short account of how two {db: {key: x}} snapshots differ (values cut short)."""
    lines = []
    for db in sorted(set(want) | set(got)):
        a, b = want.get(db, {}), got.get(db, {})
        for k in sorted(set(a) | set(b)):
            if k not in b:
                lines.append("db%d %r missing (want %s)" % (db, k, _short(a[k])))
            elif k not in a:
                lines.append("db%d %r unexpected (got %s)" % (db, k, _short(b[k])))
            elif a[k] != b[k]:
                lines.append("db%d %r: want %s, got %s" % (db, k, _short(a[k]), _short(b[k])))
    more = "" if len(lines) <= limit else "\n... %d more" % (len(lines) - limit)
    return "\n".join(lines[:limit]) + more


def assert_same(want, got, what="dataset"):
    """Fails with a short diff (not pytest's dump of megabyte values) unless want == got."""
    if want != got:
        raise AssertionError("%s differs:\n%s" % (what, describe_diff(want, got)))


def key_count(snapshot):
    return sum(len(keys) for keys in snapshot.values())


# --------------------------------------------------------------------------
# Data of every type in every encoding
# --------------------------------------------------------------------------

FUNCTION_LIBRARY = ("#!lua name=shoal_persist\n"
                    "redis.register_function('persist_echo', function(keys, args) "
                    "return args[1] end)\n"
                    "redis.register_function{function_name='persist_ro', "
                    "callback=function(keys, args) return 7 end, flags={'no-writes'}}\n")

# The encodings fill_every_type() makes (OBJECT ENCODING, as Redis 7.0 reports them).
EXPECTED_ENCODINGS = {"int", "embstr", "raw", "quicklist", "intset", "hashtable", "listpack",
                      "skiplist"}


def _batches(items, n=500):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _call_all(c, commands):
    for batch in _batches(commands):
        for cmd, reply in zip(batch, c.pipeline(batch)):
            assert not isinstance(reply, Err), (cmd[:3], reply)


def fill_every_type(c, seed=0, with_function=True):
    """Creates in dbs 0, 3 and 15 (the others stay empty) every type in every encoding Redis
    7.0 has: strings int/embstr/raw (binary bytes, empty, 44/45 bytes, 1 MB compressible and
    incompressible), lists (small, many quicklist nodes, long elements), sets (intset of 16/32/64
    bit members, hashtable), zsets (listpack, skiplist; inf/-inf/fractional scores), hashes
    (listpack, hashtable), keys with near and far expiry times, binary key names; and a function
    library; streams (several nodes, tombstones, an empty one with XSETID's counters). Leaves db 0
    selected. Returns the number of keys made."""
    rnd = random.Random(seed)
    far_ms = 7258118400000  # 2200-01-01
    cmds = []
    db0 = [
        # strings
        ("SET", "str:int", "12345"),
        ("SET", "str:int-neg", "-9223372036854775808"),
        ("SET", "str:int-max", "9223372036854775807"),
        ("SET", "str:not-int-big", "9223372036854775808"),
        ("SET", "str:not-int-zero", "007"),
        ("SET", "str:float", "3.14159"),
        ("SET", "str:embstr", "hello world"),
        ("SET", "str:empty", ""),
        ("SET", "str:binary", bytes(range(256))[:40] + b"\r\n\x00\xff"),
        ("SET", "str:44", b"x" * 44),
        ("SET", "str:45", b"y" * 45),
        ("SET", "str:raw-binary", bytes(rnd.randrange(256) for _ in range(300))),
        ("SET", "str:1mb-compressible", b"0123456789abcdef" * 65536),
        ("SET", "str:1mb-random", rnd.randbytes(1 << 20)),
        # lists
        ("RPUSH", "list:small", "a", "b", "1", "-2", b"\x00\xff", ""),
        ("RPUSH", "list:many-nodes") + tuple("element-%06d" % i for i in range(3000)),
        ("RPUSH", "list:long-elements") + tuple(rnd.randbytes(20000) for _ in range(6)),
        ("RPUSH", "list:mixed", b"z" * 9000, "1", "small", b"q" * 70000, "12345678901"),
        ("RPUSH", "list:compressible") + tuple(b"%05d" % i + b"a" * 200 for i in range(400)),
        # sets
        ("SADD", "set:int16", "1", "-5", "32767", "-32768", "0"),
        ("SADD", "set:int32", "1", "100000", "-2147483648", "2147483647"),
        ("SADD", "set:int64", "1", "4294967296", "-9223372036854775808", "9223372036854775807"),
        ("SADD", "set:hashtable", "a", "b", "1", b"\x00bin", ""),
        ("SADD", "set:many-ints") + tuple(str(i * 7) for i in range(600)),
        ("SADD", "set:many-strings") + tuple("m%d" % i for i in range(300)),
        # zsets
        ("ZADD", "zset:listpack", "1", "one", "-inf", "minf", "+inf", "pinf", "0.25", "frac",
         "-1.5", "neg", "0", "zero", "3.0000000000000004", "close", "1e300", "huge"),
        ("ZADD", "zset:skiplist") + tuple(
            x for i in range(200) for x in (repr(rnd.uniform(-1e6, 1e6)), "zm%d" % i)) +
        ("inf", "top", "-inf", "bottom", "0.1", "tenth"),
        ("ZADD", "zset:long-member", "1", b"L" * 100, "2", "short"),
        # hashes
        ("HSET", "hash:listpack", "f1", "v1", "f2", "2", "num", "-17", b"\x00f", b"\xffv",
         "empty", ""),
        ("HSET", "hash:hashtable") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i)),
        ("HSET", "hash:long-value", "f", b"V" * 100, "g", "short"),
        # binary key names
        ("SET", b"key\x00with\r\nbinary\xff", "v"),
        ("SET", b"", "empty key name"),
        ("RPUSH", b"\xff\xfe", "x"),
        # expiry times
        ("SET", "ttl:near", "v"), ("PEXPIRE", "ttl:near", "300000"),
        ("SET", "ttl:ms", "v"), ("PEXPIRE", "ttl:ms", "123456789"),
        ("RPUSH", "ttl:list", "a", "b"), ("PEXPIREAT", "ttl:list", str(far_ms)),
        ("SADD", "ttl:set", "1", "2"), ("EXPIRE", "ttl:set", "86400"),
        ("ZADD", "ttl:zset", "1", "a"), ("PEXPIREAT", "ttl:zset", str(far_ms + 1)),
        ("HSET", "ttl:hash", "f", "v"), ("EXPIRE", "ttl:hash", "600"),
        ("SET", "ttl:big", b"B" * 100000), ("EXPIRE", "ttl:big", "7200"),
    ]
    # streams (each key made by its first XADD; the key count below counts those)
    streams = [
        ("XADD", "stream:small", "1-1", "f", "v", "n", "12"),
        ("XADD", "stream:small", "1-2", "f", "w", "n", "-3"),
        ("XADD", "stream:small", "2-0", "other", b"\x00bin"),
        ("XDEL", "stream:small", "1-2"),
        ("XADD", "stream:empty", "5-5", "a", "b"), ("XDEL", "stream:empty", "5-5"),
        ("XSETID", "stream:empty", "9-9", "ENTRIESADDED", "3", "MAXDELETEDID", "5-5"),
        ("XADD", "ttl:stream", "1-1", "a", "b"), ("EXPIRE", "ttl:stream", "900"),
    ] + [("XADD", "stream:many-nodes", "%d-%d" % (1000 + i // 3, i % 3), "f", "v%d" % i,
          "g", str(i)) for i in range(300)] + [("XTRIM", "stream:many-nodes", "MAXLEN", "250")]
    db0 += streams
    stream_keys = len({cmd[1] for cmd in streams})
    cmds += [("SELECT", "0")] + db0
    cmds += [("SELECT", "3"),
             ("SET", "str:int", "3"),  # the same names as in db 0, other values
             ("RPUSH", "list:small", "db3"),
             ("SADD", "set:int16", "3"),
             ("HSET", "hash:listpack", "db", "3"),
             ("ZADD", "zset:listpack", "3", "db3"),
             ("SET", "db3:ttl", "v"), ("PEXPIRE", "db3:ttl", "500000")]
    cmds += [("SELECT", "15")] + [("SET", "db15:%d" % i, "v%d" % i) for i in range(50)] + \
            [("SELECT", "0")]
    _call_all(c, cmds)
    if with_function:
        assert c("FUNCTION", "LOAD", "REPLACE", FUNCTION_LIBRARY) == b"shoal_persist"
    return sum(1 for cmd in cmds if cmd[0] in ("SET", "RPUSH", "SADD", "ZADD", "HSET")) + \
        stream_keys


def fill_strings(c, n, prefix="fill:", size=16):
    """n string keys (MSET in batches): something for a slowed save to go through."""
    pairs = [("%s%d" % (prefix, i), "v%0*d" % (size - 1, i)) for i in range(n)]
    _call_all(c, [("MSET",) + tuple(x for kv in batch for x in kv)
                  for batch in _batches(pairs, 200)])


# --------------------------------------------------------------------------
# INFO persistence and saves
# --------------------------------------------------------------------------


def persistence(c):
    """INFO persistence as {field: value (str)}."""
    return info_section(c, "persistence")


def wait_until(pred, timeout, what, interval=0.02):
    deadline = time.time() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.time() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_bgsave_done(c, timeout=30.0):
    """Waits until no background save runs; returns INFO persistence then."""
    def done():
        p = persistence(c)
        return p if p["rdb_bgsave_in_progress"] == "0" else None
    return wait_until(done, timeout, "the background save to finish")


def bgsave(c, timeout=30.0):
    """BGSAVE and wait for it; fails unless it succeeded."""
    assert c("BGSAVE") == "Background saving started"
    p = wait_bgsave_done(c, timeout)
    assert p["rdb_last_bgsave_status"] == "ok", p
    return p


def start_slow_bgsave(c, delay_us):
    """CONFIG SET rdb-key-save-delay (microseconds per key saved) and BGSAVE."""
    assert c("CONFIG", "SET", "rdb-key-save-delay", str(delay_us)) == "OK"
    assert c("BGSAVE") == "Background saving started"


def check_rdb(path):
    """redis-check-rdb on a file: (exit code, output)."""
    p = subprocess.run([CHECK_RDB_BIN, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    return p.returncode, p.stdout.decode(errors="replace")


def assert_check_rdb_ok(path):
    rc, out = check_rdb(path)
    assert rc == 0, "redis-check-rdb %s exited %d:\n%s" % (path, rc, out[-2000:])


def shutdown(c, *args):
    """SHUTDOWN [args]: None when the server closed the connection (it exited), else the reply."""
    c.send("SHUTDOWN", *args)
    try:
        return c.read()
    except (ConnectionClosed, ConnectionResetError):
        return None
    finally:
        c.close()


# --------------------------------------------------------------------------
# Servers in directories of their own
# --------------------------------------------------------------------------


def reference_command(port, extra=()):
    """argv of the reference /usr/bin/redis-server (whatever the server under test is)."""
    return [REDIS_BIN, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "notice", "--enable-debug-command", "yes"] + \
        list(extra)


class Servers:
    """Starts servers (the one under test, or the reference redis-server) each with a `dir` of
    its own under the test's tmp dir; at teardown stops those still running and fails the test
    if one exited badly. A handle has .dir, .dump (its dump.rdb) and .spec (how to restart it)."""

    def __init__(self, tmp_path):
        self.tmp = str(tmp_path)
        self.handles = []
        self.n = 0

    def new_dir(self, name="srv"):
        self.n += 1
        d = os.path.join(self.tmp, "%s%d" % (name, self.n))
        os.makedirs(d)
        return d

    def start(self, *extra, dir=None, shards=None, reference=False, wait=True,
              default_save=False, pass_dir=True, conf=None):
        """extra: more options. dir: its dir (a new one when None), also its working directory.
        shards: --shards N (Shoal only). default_save: leave the save rules at their built-in
        default (else --save "" unless extra names --save). pass_dir: pass --dir."""
        d = dir or self.new_dir("ref" if reference else "srv")
        port = free_port()
        opts = (["--dir", d] if pass_dir else []) + list(extra)
        if not default_save and "--save" not in opts:
            opts += ["--save", ""]
        if shards is not None and conftest._is_shoal() and not reference:
            opts += ["--shards", str(shards)]
        if reference:
            argv = reference_command(port, opts)
        else:
            argv = conftest.server_command(port, opts, conf=conf)
        if default_save and "--save" not in extra and "--save" in argv:
            i = argv.index("--save")  # the harness's --save "" for redis-server
            assert argv[i + 1] == "", argv
            del argv[i:i + 2]
        logpath = os.path.join(self.tmp, "%s-%d.log" % (os.path.basename(d), port))
        h = ServerHandle(argv, HOST, port, logpath, cwd=d)
        h.dir = d
        h.dump = os.path.join(d, "dump.rdb")
        h.spec = dict(extra=extra, shards=shards, reference=reference, default_save=default_save,
                      pass_dir=pass_dir, conf=conf)
        self.handles.append(h)
        if wait:
            try:
                conftest.wait_for_ping(HOST, port, h.proc, timeout=30)
            except RuntimeError as e:
                raise AssertionError("%s\nargv: %r\n--- log ---\n%s" % (e, argv, h.log()))
        return h

    def restart(self, h, *more, wait=True):
        """Stops h (SIGTERM, if still running) and starts the same server on the same dir."""
        if h.alive():
            problem = h.stop()
            assert problem is None, problem
        spec = dict(h.spec, dir=h.dir)
        extra = tuple(spec.pop("extra")) + more
        return self.start(*extra, wait=wait, **spec)

    def stop(self, h):
        problem = h.stop()
        assert problem is None, problem

    def crash(self, h):
        """SIGKILL the server and any process it forked (Redis's save child): a machine crash."""
        pids = []
        for task in os.listdir("/proc/%d/task" % h.proc.pid):
            try:
                with open("/proc/%d/task/%s/children" % (h.proc.pid, task)) as f:
                    pids += [int(p) for p in f.read().split()]
            except OSError:
                pass
        for pid in pids + [h.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        h.proc.wait(timeout=10)
        h.logfile.close()
        for pid in pids:  # the children are not ours to reap: wait until they are gone
            wait_until(lambda: not os.path.exists("/proc/%d/stat" % pid) or
                       _zombie(pid), 10, "child %d to die" % pid)

    def load_dump(self, path, *extra):
        """Starts a reference redis-server on a copy of the file `path`; returns its handle."""
        d = self.new_dir("ref")
        shutil.copyfile(path, os.path.join(d, "dump.rdb"))
        return self.start(*extra, dir=d, reference=True)

    def close(self):
        problems = []
        for h in self.handles:
            if h.proc.poll() is not None:
                if not h.logfile.closed:
                    h.logfile.close()
                continue  # the test made it exit and checked that itself
            p = h.stop()
            if p:
                problems.append(p)
        return problems


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def snapshot_of_dump(servers, path):
    """(dataset, encodings) of the file `path` as the reference redis-server loads it."""
    ref = servers.load_dump(path)
    c = ref.client()
    try:
        return dataset(c), encodings(c)
    finally:
        c.close()
        servers.stop(ref)


def expect_start_failure(h, timeout=20.0):
    """For a server started with wait=False: polls it with GET/DBSIZE until it exits. Fails if it
    keeps running, exits with 0, or ever answers with data (it must not serve a partial
    dataset: only -LOADING, or no connection, before it exits). Returns the exit code."""
    deadline = time.time() + timeout
    while h.proc.poll() is None:
        assert time.time() < deadline, "server kept running on a bad file:\n" + h.log()
        try:
            cl = RespClient(h.host, h.port, timeout=1.0)
        except OSError:
            time.sleep(0.01)
            continue
        try:
            for cmd in (("DBSIZE",), ("GET", "marker")):
                reply = cl(*cmd)
                assert isinstance(reply, Err) and reply.startswith("LOADING"), \
                    "server served %r -> %r while loading a bad file" % (cmd, reply)
        except (ConnectionClosed, OSError):
            pass
        finally:
            cl.close()
        time.sleep(0.01)
    h.logfile.close()
    rc = h.proc.returncode
    assert rc != 0, "server exited with 0 on a bad file:\n" + h.log()
    return rc
