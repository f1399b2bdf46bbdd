"""Cache mode: the eviction settings (CONFIG GET/SET of maxmemory, maxmemory-policy and friends),
OOM replies under noeviction, what each eviction policy may evict, CONFIG SET maxmemory lowered
at run time, used_memory under a sustained multi-client write load, OBJECT FREQ / IDLETIME, and
the INFO fields.

Memory limits are always set relative to the server's current used_memory (Redis and Shoal
start from different baselines), and every test puts the settings back to their defaults."""

import math
import random
import threading
import time

import pytest

import shoal_errors as E
from shoal_info import info
from shoal_keys import SHARDS, shard_of
from shoal_resp import RespClient

KB = 1024
MB = 1024 * 1024

OOM = "OOM command not allowed when used memory > 'maxmemory'."
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
EXECABORT_OOM = "EXECABORT Transaction discarded because of: " + OOM
OBJECT_IDLETIME_LFU = ("ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.")

POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
            "allkeys-lfu", "allkeys-random", "noeviction"]
LAZYFREE = ["lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
            "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush"]
# Redis 7.0 defaults; maxmemory first so that nothing is evicted while the rest is reset.
DEFAULTS = [("maxmemory", "0"), ("maxmemory-policy", "noeviction"), ("maxmemory-samples", "5"),
            ("maxmemory-eviction-tenacity", "10"), ("lfu-log-factor", "10"),
            ("lfu-decay-time", "1")] + [(name, "no") for name in LAZYFREE]


def config_set_failed(name, why):
    return "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (name, why)


def not_memory(name):
    return config_set_failed(name, "argument must be a memory value")


def not_yes_no(name):
    return config_set_failed(name, "argument must be 'yes' or 'no'")


def out_of_range(name, lo, hi):
    return config_set_failed(name, "argument must be between %d and %d inclusive" % (lo, hi))


# ---------------------------------------------------------------- helpers


@pytest.fixture
def mc(server, c):
    """The `c` client; afterwards every eviction setting is back to its default and the data
    is gone (the session's server is shared by every test)."""
    yield c
    cl = server.client()
    try:
        for name, value in DEFAULTS:
            assert cl("CONFIG", "SET", name, value) == "OK", name
        assert cl("FLUSHALL") == "OK"
    finally:
        cl.close()


def info_sections(c):
    """Full INFO as {section name: {field: value}}."""
    text = c("INFO")
    assert isinstance(text, bytes), text
    out, cur = {}, None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            cur = out.setdefault(line[2:], {})
        elif line and cur is not None:
            k, _, v = line.partition(":")
            cur[k] = v
    return out


def used(c):
    return int(info(c, "memory")["used_memory"])


def evicted(c):
    return int(info(c, "stats")["evicted_keys"])


def config_get(c, name):
    reply = c("CONFIG", "GET", name)
    assert reply[0].lower() == name.encode(), reply
    return reply[1]


def set_config(c, *pairs):
    assert c("CONFIG", "SET", *pairs) == "OK", pairs


def keys_on_shards(prefix, per_shard):
    """per_shard names on every shard, in round-robin shard order (so a sequence of writes
    loads all shards evenly)."""
    buckets = [[] for _ in range(SHARDS)]
    i = 0
    while min(len(b) for b in buckets) < per_shard:
        k = "%s:%d" % (prefix, i)
        b = buckets[shard_of(k)]
        if len(b) < per_shard:
            b.append(k)
        i += 1
    return [buckets[s][j] for j in range(per_shard) for s in range(SHARDS)]


def fill(c, keys, size, ttl=None, chunk=50):
    """SET every key to a size-byte value (EX ttl if given); returns the replies."""
    value = b"v" * size
    out = []
    for i in range(0, len(keys), chunk):
        cmds = []
        for k in keys[i:i + chunk]:
            cmds.append(("SET", k, value) if ttl is None else ("SET", k, value, "EX", str(ttl)))
        out += c.pipeline(cmds)
    return out


def existing(c, keys):
    return [k for k, n in zip(keys, c.pipeline([("EXISTS", k) for k in keys])) if n == 1]


def counted(c):
    """The memory that maxmemory limits: used_memory less what INFO says is not counted for
    eviction (Redis: replica and AOF buffers; 0 here for Redis)."""
    m = info(c, "memory")
    return int(m["used_memory"]) - int(m["mem_not_counted_for_evict"])


def wait_counted_at_most(c, limit, timeout=15.0):
    """Eviction happens before commands run (and may go on in the background): send commands
    until the counted memory is within limit; returns the last value seen."""
    deadline = time.time() + timeout
    while True:
        assert c("PING") == "PONG"
        u = counted(c)
        if u <= limit or time.time() > deadline:
            return u
        time.sleep(0.05)


def begin_multi(c):
    assert c("MULTI") == "OK"


def stop_evicting(c):
    """Lifts the limit, so that counting the keys left (the counting commands' buffers are
    used memory too) evicts no more of them."""
    set_config(c, "maxmemory", "0")


# ---------------------------------------------------------------- CONFIG


def test_config_maxmemory_units(mc):
    c = mc
    for value, want in [("4gb", 4 << 30), ("100mb", 100 << 20), ("1kb", 1024), ("1k", 1000),
                        ("10k", 10000), ("5m", 5000000), ("1g", 10**9), ("4GB", 4 << 30),
                        ("100MB", 100 << 20), ("1KB", 1024), ("1gB", 1 << 30), ("1b", 1),
                        ("1B", 1), ("0b", 0), ("1024gb", 1 << 40), ("123456789", 123456789),
                        ("0", 0)]:
        # noeviction, so a small limit evicts nothing from the shared server
        assert c("CONFIG", "SET", "maxmemory", value) == "OK", value
        assert c("CONFIG", "GET", "maxmemory") == [b"maxmemory", str(want).encode()], value


def test_config_maxmemory_errors(mc):
    c = mc
    set_config(c, "maxmemory", "3mb")
    for bad in ["abc", "-1", "1.5", " 1mb", "1 mb", "1mbb", "1t", "1e3", "+5", "0x10", "-0"]:
        assert c("CONFIG", "SET", "maxmemory", bad) == not_memory("maxmemory"), bad
    assert c("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"3145728"]
    assert c("CONFIG", "SET", "maxmemory") == E.arity("config|set")


def test_config_maxmemory_policy(mc):
    c = mc
    for p in POLICIES:
        set_config(c, "maxmemory-policy", p)
        assert c("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", p.encode()]
        assert info(c, "memory")["maxmemory_policy"] == p
    set_config(c, "maxmemory-policy", "ALLKEYS-LRU")
    assert config_get(c, "maxmemory-policy") == b"allkeys-lru"
    for bad in ["bad", "lru", "allkeys", "allkeys-lru ", ""]:
        assert c("CONFIG", "SET", "maxmemory-policy", bad) == E.config_set_enum(
            "maxmemory-policy", E.MAXMEMORY_POLICY_CHOICES), bad
    assert config_get(c, "maxmemory-policy") == b"allkeys-lru"


def test_config_numeric_eviction_settings(mc):
    c = mc
    assert config_get(c, "maxmemory-samples") == b"5"
    assert config_get(c, "maxmemory-eviction-tenacity") == b"10"
    assert config_get(c, "lfu-log-factor") == b"10"
    assert config_get(c, "lfu-decay-time") == b"1"
    for name, value in [("maxmemory-samples", "1"), ("maxmemory-samples", "64"),
                        ("maxmemory-samples", "1000"), ("maxmemory-eviction-tenacity", "0"),
                        ("maxmemory-eviction-tenacity", "100"), ("lfu-log-factor", "0"),
                        ("lfu-log-factor", "100"), ("lfu-decay-time", "0"),
                        ("lfu-decay-time", "60")]:
        set_config(c, name, value)
        assert config_get(c, name) == value.encode(), name
    for name, value, lo, hi in [("maxmemory-samples", "0", 1, 2147483647),
                                ("maxmemory-samples", "-5", 1, 2147483647),
                                ("maxmemory-eviction-tenacity", "101", 0, 100),
                                ("maxmemory-eviction-tenacity", "-1", 0, 100),
                                ("lfu-log-factor", "-1", 0, 2147483647),
                                ("lfu-log-factor", "2147483648", 0, 2147483647),
                                ("lfu-decay-time", "-1", 0, 2147483647)]:
        assert c("CONFIG", "SET", name, value) == out_of_range(name, lo, hi), (name, value)
    for name in ["maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor",
                 "lfu-decay-time"]:
        assert c("CONFIG", "SET", name, "abc") == E.config_set_not_int(name), name
    # the values set last are unchanged by the failed attempts
    assert config_get(c, "maxmemory-samples") == b"1000"
    assert config_get(c, "maxmemory-eviction-tenacity") == b"100"
    assert config_get(c, "lfu-log-factor") == b"100"
    assert config_get(c, "lfu-decay-time") == b"60"


def test_config_lazyfree_flags(mc):
    c = mc
    d = c("CONFIG", "GET", "lazyfree*")
    d = dict(zip(d[0::2], d[1::2]))
    assert d == {name.encode(): b"no" for name in LAZYFREE}
    for name in LAZYFREE:
        set_config(c, name, "yes")
        assert c("CONFIG", "GET", name) == [name.encode(), b"yes"]
        set_config(c, name, "NO")
        assert config_get(c, name) == b"no"
        set_config(c, name, "Yes")
        assert config_get(c, name) == b"yes"
        for bad in ["maybe", "1", "0", "true", ""]:
            assert c("CONFIG", "SET", name, bad) == not_yes_no(name), (name, bad)
        assert config_get(c, name) == b"yes"
        set_config(c, name, "no")


def test_config_set_several_is_atomic(mc):
    c = mc
    set_config(c, "maxmemory-samples", "9", "maxmemory-policy", "volatile-ttl",
               "maxmemory", "200mb")
    assert config_get(c, "maxmemory-samples") == b"9"
    assert config_get(c, "maxmemory-policy") == b"volatile-ttl"
    assert config_get(c, "maxmemory") == b"209715200"
    # one bad value: nothing changes
    assert c("CONFIG", "SET", "maxmemory-samples", "3", "maxmemory-policy", "bogus") == \
        E.config_set_enum("maxmemory-policy", E.MAXMEMORY_POLICY_CHOICES)
    assert c("CONFIG", "SET", "maxmemory", "1mb", "lfu-decay-time", "x") == \
        E.config_set_not_int("lfu-decay-time")
    assert config_get(c, "maxmemory-samples") == b"9"
    assert config_get(c, "maxmemory-policy") == b"volatile-ttl"
    assert config_get(c, "maxmemory") == b"209715200"


# ---------------------------------------------------------------- INFO fields


def test_info_maxmemory_fields(mc):
    c = mc
    mem = info(c, "memory")
    assert mem["maxmemory"] == "0"
    assert mem["maxmemory_human"] == "0B"
    assert mem["maxmemory_policy"] == "noeviction"
    for value, raw, human in [("100mb", "104857600", "100.00M"), ("1500000", "1500000", "1.43M"),
                              ("1kb", "1024", "1.00K"), ("4gb", "4294967296", "4.00G"),
                              ("1", "1", "1B"), ("1023", "1023", "1023B"),
                              ("1536kb", "1572864", "1.50M")]:
        set_config(c, "maxmemory", value)
        mem = info(c, "memory")
        assert (mem["maxmemory"], mem["maxmemory_human"]) == (raw, human), value
    set_config(c, "maxmemory", "0", "maxmemory-policy", "allkeys-lfu")
    sections = info_sections(c)
    assert sections["Memory"]["maxmemory"] == "0"
    assert sections["Memory"]["maxmemory_human"] == "0B"
    assert sections["Memory"]["maxmemory_policy"] == "allkeys-lfu"
    assert sections["Stats"]["evicted_keys"].isdigit()
    for name in ("used_memory", "lazyfree_pending_objects"):
        assert sections["Memory"][name].isdigit(), name
    assert "evicted_keys" not in sections["Memory"]
    assert "maxmemory" not in sections["Stats"]


# ---------------------------------------------------------------- noeviction


DENYOOM_WRITES = [
    ("SET", "{k}", "v"), ("SETNX", "{k}", "v"), ("SETEX", "{k}", "100", "v"),
    ("PSETEX", "{k}", "100000", "v"), ("APPEND", "{k}", "v"), ("INCR", "{k}"),
    ("INCRBY", "{k}", "2"), ("DECR", "{k}"), ("INCRBYFLOAT", "{k}", "1.5"),
    ("SETRANGE", "{k}", "3", "v"), ("GETSET", "{k}", "v"), ("LPUSH", "{k}", "v"),
    ("RPUSH", "{k}", "v"), ("HSET", "{k}", "f", "v"), ("HSETNX", "{k}", "f", "v"),
    ("HINCRBY", "{k}", "f", "1"), ("SADD", "{k}", "m"), ("ZADD", "{k}", "1", "m"),
    ("ZINCRBY", "{k}", "1", "m"),
]


def test_noeviction_refuses_denyoom_writes(mc):
    c = mc
    assert c("RPUSH", "list", "a", "b", "c") == 3
    assert c("HSET", "hash", "f", "v") == 1
    assert c("SADD", "set", "m") == 1
    assert c("SET", "num", "10") == "OK"
    assert c("SET", "str", "hello") == "OK"
    big = keys_on_shards("big", 10)  # 40 x 256 KB = 10 MB over all shards
    assert fill(c, big, 256 * KB) == ["OK"] * len(big)
    ev0 = evicted(c)
    limit = counted(c) - 5 * MB
    set_config(c, "maxmemory", str(limit))
    dbsize = c("DBSIZE")
    assert dbsize == len(big) + 5

    targets = keys_on_shards("new", 2)  # two absent keys on every shard
    for k in targets:
        for cmd in DENYOOM_WRITES:
            cmd = tuple(k if a == "{k}" else a for a in cmd)
            assert c(*cmd) == OOM, cmd
    # writes to existing keys
    for cmd in [("INCR", "num"), ("APPEND", "str", "x"), ("SET", "str", "other"),
                ("LPUSH", "list", "z"), ("LINSERT", "list", "BEFORE", "a", "z"),
                ("LSET", "list", "0", "z"), ("HSET", "hash", "g", "v"), ("SADD", "set", "n"),
                ("SETRANGE", "str", "0", "J")]:
        assert c(*cmd) == OOM, cmd
    # multi-key writes, keys on different shards
    assert c("MSET", *[x for k in targets for x in (k, "1")]) == OOM
    assert c("MSETNX", targets[0], "1", targets[1], "2") == OOM
    assert c("SUNIONSTORE", targets[2], "set") == OOM
    assert c("COPY", "str", targets[3]) == OOM
    # nothing changed
    assert c("EXISTS", *targets) == 0
    assert c("DBSIZE") == dbsize
    assert c("GET", "num") == b"10"
    assert c("GET", "str") == b"hello"
    assert c("LRANGE", "list", "0", "-1") == [b"a", b"b", b"c"]
    assert c("HGETALL", "hash") == [b"f", b"v"]
    assert c("SMEMBERS", "set") == [b"m"]

    # reads work, and so do writes that free memory or only change metadata
    assert c("GET", big[0]) == b"v" * (256 * KB)
    assert c("EXISTS", *big) == len(big)
    assert c("STRLEN", big[1]) == 256 * KB
    assert c("LLEN", "list") == 3
    assert c("HGET", "hash", "f") == b"v"
    assert c("TTL", "str") == -1
    assert c("EXPIRE", "str", "100") == 1
    assert 0 < c("TTL", "str") <= 100
    assert c("PERSIST", "str") == 1
    assert c("LPOP", "list") == b"a"
    assert c("GETDEL", "num") == b"10"
    assert int(info(c, "memory")["maxmemory"]) == limit
    assert evicted(c) == ev0
    assert c("DBSIZE") == dbsize - 1

    # DEL and UNLINK free enough: writes work again
    assert c("DEL", *big[:30]) == 30
    assert c("UNLINK", *big[30:]) == 10
    for k in targets:
        assert c("SET", k, "v") == "OK"
    assert c("LPUSH", "list", "z") == 3
    assert c("INCR", "counter") == 1
    assert c("MSET", *[x for k in targets for x in (k, "2")]) == "OK"
    assert evicted(c) == ev0


def over_limit(c, prefix="fill", per_shard=4, size=256 * KB):
    """Stores 4 * per_shard * size bytes over all shards, then sets maxmemory half of that
    below the memory counted for eviction. Returns the keys written."""
    keys = keys_on_shards(prefix, per_shard)
    assert fill(c, keys, size) == ["OK"] * len(keys)
    set_config(c, "maxmemory", str(counted(c) - len(keys) * size // 2))
    return keys


def test_noeviction_multi_under_oom(mc):
    c = mc
    assert c("SET", "k", "v") == "OK"
    over_limit(c)
    # Over the limit Redis queues nothing (a transaction could grow without bound), reads too.
    begin_multi(c)
    assert c("SET", "k", "v2") == OOM
    assert c("GET", "k") == OOM
    assert c("EXEC") == EXECABORT
    assert c("GET", "k") == b"v"
    begin_multi(c)
    assert c("INCR", "n") == OOM
    assert c("DISCARD") == "OK"
    assert c("EXISTS", "n") == 0


def test_noeviction_exec_of_queued_write_refused(mc, new_client):
    c = mc
    other = new_client()
    assert c("SET", "k", "v") == "OK"
    begin_multi(c)
    assert c("SET", "k", "v2") == "QUEUED"
    assert c("GET", "k") == "QUEUED"
    over_limit(other)
    assert c("EXEC") == EXECABORT_OOM
    assert c("GET", "k") == b"v"
    # a transaction of reads queued before the limit was crossed still runs
    set_config(other, "maxmemory", "0")
    begin_multi(c)
    assert c("GET", "k") == "QUEUED"
    assert c("EXISTS", "k") == "QUEUED"
    set_config(other, "maxmemory", str(counted(other) // 2))
    assert c("EXEC") == [b"v", 1]


# ---------------------------------------------------------------- eviction policies


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policy_evicts_to_fit(mc, policy):
    c = mc
    ev0 = evicted(c)
    limit = counted(c) + 2 * MB
    set_config(c, "maxmemory-policy", policy, "maxmemory", str(limit))
    keys = keys_on_shards("ak", 100)  # 400 x 10 KB: twice the room left
    # allkeys-* can always make room: no write is refused
    assert fill(c, keys, 10 * KB) == ["OK"] * len(keys)
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    left = existing(c, keys)
    assert 0 < len(left) < len(keys)
    assert c("DBSIZE") == len(left)
    assert evicted(c) - ev0 == len(keys) - len(left)
    # the survivors live on every shard (no shard was emptied for the others)
    assert {shard_of(k) for k in left} == set(range(SHARDS))


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_volatile_policy_evicts_only_keys_with_ttl(mc, policy):
    c = mc
    persistent = keys_on_shards("p", 20)  # 80 x 10 KB
    volatile = keys_on_shards("t", 40)  # 160 x 10 KB with a TTL
    assert fill(c, persistent, 10 * KB) == ["OK"] * len(persistent)
    assert fill(c, volatile, 10 * KB, ttl=1000) == ["OK"] * len(volatile)
    ev0 = evicted(c)
    set_config(c, "maxmemory-policy", policy, "maxmemory", str(counted(c) + 400 * KB))
    # More persistent data than the volatile keys and the room left can hold: the volatile
    # keys go, then writes are refused.
    more = keys_on_shards("more", 100)
    written, oom_key = [], None
    value = b"w" * (10 * KB)
    for k in more:
        reply = c("SET", k, value)
        if reply == OOM:
            oom_key = k
            break
        assert reply == "OK", (k, reply)
        written.append(k)
    assert oom_key is not None, "1 MB over the limit and no OOM"
    stop_evicting(c)
    # Refused only once nothing evictable was left where the key would go (Redis: nowhere).
    left = existing(c, volatile)
    assert [k for k in left if shard_of(k) == shard_of(oom_key)] == []
    assert len(left) < len(volatile)
    # no persistent key was evicted
    assert existing(c, persistent) == persistent
    assert existing(c, written) == written
    assert len(written) > 0
    assert evicted(c) - ev0 == len(volatile) - len(left)
    assert c("DBSIZE") == len(persistent) + len(written) + len(left)
    # Well over the limit, with no volatile key left on that shard, every denyoom write to it
    # is refused (a rejected 10 KB SET may leave used_memory just under the limit).
    set_config(c, "maxmemory", str(counted(c) - 1 * MB))
    tagged = "{%s}:x" % oom_key
    for cmd in [("SET", tagged, "v"), ("LPUSH", tagged, "v"), ("HSET", tagged, "f", "v"),
                ("SADD", tagged, "m"), ("ZADD", tagged, "1", "m"), ("INCR", tagged),
                ("APPEND", tagged, "v")]:
        assert c(*cmd) == OOM, cmd
    # deleting data makes room again
    assert c("DEL", *written) == len(written)
    assert c("SET", tagged, "v", "EX", "1000") == "OK"


def test_volatile_ttl_evicts_nearest_expiry_first(mc):
    c = mc
    # One shard ({tag}) and more samples than keys: the order is exact.
    ttl_of = {}
    order = list(range(60))
    random.Random(7).shuffle(order)
    for i, rank in enumerate(order):
        ttl_of["{vt}:t%d" % i] = 1000 + 10 * rank
    persistent = ["{vt}:p%d" % i for i in range(20)]
    value = b"t" * (20 * KB)
    assert c.pipeline([("SET", k, value, "EX", str(t)) for k, t in ttl_of.items()]) == \
        ["OK"] * len(ttl_of)
    assert fill(c, persistent, 20 * KB) == ["OK"] * len(persistent)
    ev0 = evicted(c)
    set_config(c, "maxmemory-policy", "volatile-ttl", "maxmemory-samples", "1000")
    # 0.6 MB (of the 1.2 MB of volatile keys) over the limit
    limit = counted(c) - 600 * KB
    set_config(c, "maxmemory", str(limit))
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    left = existing(c, list(ttl_of))
    assert 0 < len(left) < len(ttl_of)
    by_ttl = sorted(ttl_of, key=ttl_of.get)
    assert sorted(left, key=ttl_of.get) == by_ttl[len(by_ttl) - len(left):]
    assert existing(c, persistent) == persistent
    assert evicted(c) - ev0 == len(ttl_of) - len(left)


def lru_wave_test(c, policy, ttl):
    """Keys read after the first wave of writes survive the eviction caused by the second."""
    first = keys_on_shards("w1", 60)  # 240 x 10 KB
    touched = first[::5]  # 48, on every shard
    set_config(c, "maxmemory-policy", policy, "maxmemory-samples", "1000")
    assert fill(c, first, 10 * KB, ttl=ttl) == ["OK"] * len(first)
    time.sleep(1.1)  # the LRU clock ticks in seconds
    assert c.pipeline([("GET", k) for k in touched]) == [b"v" * (10 * KB)] * len(touched)
    return first, touched


def lfu_wave_test(c, policy, ttl):
    first = keys_on_shards("w1", 60)
    touched = first[::5]
    # The policy comes first: keys written under an LRU policy carry an LRU clock, which LFU
    # would read as a counter.
    set_config(c, "maxmemory-policy", policy, "maxmemory-samples", "1000",
               "lfu-decay-time", "0")
    assert fill(c, first, 10 * KB, ttl=ttl) == ["OK"] * len(first)
    for _ in range(20):
        assert c.pipeline([("GET", k) for k in touched]) == [b"v" * (10 * KB)] * len(touched)
    return first, touched


@pytest.mark.parametrize("policy,ttl", [("allkeys-lru", None), ("volatile-lru", 1000),
                                        ("allkeys-lfu", None), ("volatile-lfu", 1000)])
def test_lru_lfu_keep_accessed_keys(mc, policy, ttl):
    c = mc
    prepare = lru_wave_test if policy.endswith("lru") else lfu_wave_test
    first, touched = prepare(c, policy, ttl)
    ev0 = evicted(c)
    limit = counted(c) + 600 * KB
    set_config(c, "maxmemory", str(limit))
    second = keys_on_shards("w2", 30)  # 120 x 10 KB: ~0.6 MB over the limit
    assert fill(c, second, 10 * KB, ttl=ttl) == ["OK"] * len(second)
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    n_evicted = evicted(c) - ev0
    assert n_evicted >= 20
    assert existing(c, touched) == touched
    untouched = [k for k in first if k not in set(touched)]
    gone = len(untouched) - len(existing(c, untouched))
    assert gone > 0
    assert n_evicted == gone + len(second) - len(existing(c, second))


def test_one_hot_shard_may_use_most_of_the_budget(mc):
    """All keys on one shard ({hot}): it may hold far more than maxmemory / shards while the
    total fits (nothing is evicted), and when the total is over, eviction brings it back
    within maxmemory from that shard's own keys."""
    c = mc
    ev0 = evicted(c)
    limit = counted(c) + 8 * MB
    set_config(c, "maxmemory-policy", "allkeys-lru", "maxmemory", str(limit))
    hot = ["{hot}:%d" % i for i in range(500)]  # 5 MB: more than 8 MB / 4 shards
    assert fill(c, hot, 10 * KB) == ["OK"] * len(hot)
    assert evicted(c) == ev0
    assert len(existing(c, hot)) == len(hot)
    more = ["{hot}:more:%d" % i for i in range(500)]  # 5 MB more: over the limit
    assert fill(c, more, 10 * KB) == ["OK"] * len(more)
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    assert evicted(c) > ev0
    assert len(existing(c, hot)) + len(existing(c, more)) == len(hot) + len(more) - (
        evicted(c) - ev0)


@pytest.mark.parametrize("policy", ["allkeys-random", "volatile-random"])
def test_random_policies_evict(mc, policy):
    c = mc
    ttl = 1000 if policy.startswith("volatile") else None
    keys = keys_on_shards("r", 60)
    assert fill(c, keys, 10 * KB, ttl=ttl) == ["OK"] * len(keys)
    ev0 = evicted(c)
    limit = counted(c) - 1 * MB
    set_config(c, "maxmemory-policy", policy, "maxmemory", str(limit))
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    left = existing(c, keys)
    # 1 MB of 10 KB values must go, and not much more
    assert 70 <= len(keys) - len(left) <= 160
    assert evicted(c) - ev0 == len(keys) - len(left)


# ---------------------------------------------------------------- maxmemory lowered at run time


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-ttl"])
def test_lower_maxmemory_at_run_time_evicts(mc, policy):
    c = mc
    keys = keys_on_shards("low", 100)  # 400 x 10 KB = 4 MB
    assert fill(c, keys, 10 * KB, ttl=1000) == ["OK"] * len(keys)
    ev0 = evicted(c)
    set_config(c, "maxmemory-policy", policy)
    before = counted(c)
    set_config(c, "maxmemory", str(before + 1 * MB))
    assert c("DBSIZE") == len(keys)  # above used_memory: nothing to do
    limit = before - 3 * MB
    set_config(c, "maxmemory", str(limit))
    assert wait_counted_at_most(c, limit) <= limit
    stop_evicting(c)
    left = existing(c, keys)
    # each key costs at most ~16 KB: at least 3 MB / 16 KB of them went
    assert 0 < len(left) <= len(keys) - 3 * MB // (16 * KB)
    assert evicted(c) - ev0 == len(keys) - len(left)
    assert {shard_of(k) for k in left} == set(range(SHARDS))
    # writes still work, within the new limit (about half of what the ~1 MB of TTL keys left
    # can make room for: volatile-ttl may evict only those)
    set_config(c, "maxmemory", str(limit))
    assert fill(c, keys_on_shards("after", 12), 10 * KB) == ["OK"] * 48
    assert wait_counted_at_most(c, limit) <= limit


def test_lower_maxmemory_noeviction_keeps_keys(mc):
    c = mc
    keys = over_limit(c, "keep")
    assert c("PING") == "PONG"
    assert existing(c, keys) == keys
    assert c("SET", "x", "y") == OOM


# ---------------------------------------------------------------- sustained write load


def test_sustained_write_load_stays_within_maxmemory(spawn_server):
    srv = spawn_server()
    c = srv.client()
    try:
        limit = used(c) + 16 * MB
        set_config(c, "maxmemory-policy", "allkeys-lru", "maxmemory", str(limit))
        stop = threading.Event()
        failures, samples = [], []
        nkeys, writers, per_writer = 4000, 4, 900

        def writer(seed):
            rng = random.Random(seed)
            cl = RespClient(srv.host, srv.port)
            try:
                for _ in range(per_writer):
                    if stop.is_set():
                        return
                    # log-uniform sizes from 10 B to 100 KB
                    size = int(math.exp(rng.uniform(math.log(10), math.log(100 * KB))))
                    k = "load:%d" % rng.randrange(nkeys)
                    reply = cl("SET", k, b"%d" % seed * (size // len(b"%d" % seed) + 1))
                    if reply != "OK":
                        failures.append((k, reply))
                        stop.set()
            except Exception as e:  # connection errors
                failures.append(repr(e))
                stop.set()
            finally:
                cl.close()

        def sampler():
            cl = RespClient(srv.host, srv.port)
            try:
                while not stop.is_set():
                    samples.append(used(cl))
                    time.sleep(0.01)
            finally:
                cl.close()

        threads = [threading.Thread(target=writer, args=(i,), daemon=True)
                   for i in range(writers)]
        watch = threading.Thread(target=sampler, daemon=True)
        watch.start()
        for t in threads:
            t.start()
        deadline = time.time() + 60  # a sanitized build is many times slower
        for t in threads:
            t.join(timeout=max(0.1, deadline - time.time()))
        stop.set()
        watch.join(timeout=5)
        assert not any(t.is_alive() for t in threads), "writers did not finish in 60 s"
        assert not failures, failures[:5]
        assert len(samples) >= 5
        assert max(samples) <= limit * 1.05, (max(samples), limit)
        assert c("PING") == "PONG"
        assert used(c) <= limit * 1.05
        assert evicted(c) > 0
        # A shard still above its share keeps evicting on its cron tick after the writers stop,
        # so KEYS and DBSIZE are read in one transaction: both see the same keyspace.
        assert c("MULTI") == "OK"
        assert c("KEYS", "load:*") == "QUEUED"
        assert c("DBSIZE") == "QUEUED"
        keys, dbsize = c("EXEC")
        assert {shard_of(k) for k in keys} == set(range(SHARDS))
        assert dbsize == len(keys)
    finally:
        c.close()


POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl", "noeviction"]


def chaos_command(rng):
    """One random command over every type, across shards, big and small values."""
    k, k2 = "ch:%d" % rng.randrange(1500), "ch:%d" % rng.randrange(1500)
    n = rng.randrange(1, 200)
    op = rng.randrange(14)
    if op == 0:
        cmd = ["SET", k, b"x" * rng.choice([10, 100, 1000, 20000])]
        return cmd + (["EX", "100"] if rng.random() < 0.5 else [])
    return [
        None,
        ["RPUSH", k] + [str(i) for i in range(n)],
        ["HSET", k] + [x for i in range(n) for x in ("f%d" % i, "v" * rng.randrange(1, 80))],
        ["SADD", k] + [str(rng.randrange(10**6)) for _ in range(n)],
        ["ZADD", k] + [x for i in range(n) for x in (str(rng.random()), "m%d" % i)],
        ["GET", k], ["RENAME", k, k2], ["COPY", k, k2, "REPLACE"], ["UNLINK", k, k2],
        ["DEL", k], ["SUNIONSTORE", k2, k, k2], ["LMOVE", k, k2, "LEFT", "RIGHT"],
        ["MSET", k, "a", k2, "b"], ["MEMORY", "USAGE", k],
    ][op]


def test_mixed_load_with_policy_changes_and_lazyfree(spawn_server):
    """Random commands of every type from 4 clients while another switches the policy and the
    limit every 0.2 s, with every lazyfree-lazy-* on: the server answers each command (a reply
    or an error reply), and once the policy evicts again memory comes back within the limit."""
    srv = spawn_server()
    c = srv.client()
    try:
        base = counted(c)
        for flag in ["eviction", "expire", "server-del", "user-del"]:
            set_config(c, "lazyfree-lazy-" + flag, "yes")
        set_config(c, "maxmemory-policy", "allkeys-lru", "maxmemory", str(base + 3 * MB))
        stop = time.time() + 8
        failures = []

        def client(seed):
            rng = random.Random(seed)
            cl = RespClient(srv.host, srv.port)
            try:
                while time.time() < stop:
                    cl(*chaos_command(rng))  # any reply, error replies included
            except Exception as e:  # a lost connection or a malformed reply
                failures.append(repr(e))
            finally:
                cl.close()

        def switcher():
            rng = random.Random(99)
            cl = RespClient(srv.host, srv.port)
            try:
                while time.time() < stop:
                    assert cl("CONFIG", "SET", "maxmemory-policy", rng.choice(POLICIES),
                              "maxmemory", str(base + rng.choice([1, 2, 3, 6]) * MB)) == "OK"
                    time.sleep(0.2)
            except Exception as e:
                failures.append(repr(e))
            finally:
                cl.close()

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(4)]
        threads.append(threading.Thread(target=switcher, daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        assert not failures, failures[:5]
        limit = base + 2 * MB
        set_config(c, "maxmemory-policy", "allkeys-lru", "maxmemory", str(limit))
        assert wait_counted_at_most(c, limit) <= limit
        assert c("SET", "after", "chaos") == "OK"
        assert c("GET", "after") == b"chaos"
    finally:
        c.close()


# ---------------------------------------------------------------- OBJECT FREQ / IDLETIME


def test_object_freq_idletime_need_the_right_policy(mc):
    c = mc
    assert c("SET", "k", "v") == "OK"
    for p in POLICIES:
        set_config(c, "maxmemory-policy", p)
        if p.endswith("lfu"):
            assert c("OBJECT", "IDLETIME", "k") == OBJECT_IDLETIME_LFU, p
            assert isinstance(c("OBJECT", "FREQ", "k"), int), p
        else:
            assert c("OBJECT", "FREQ", "k") == E.OBJECT_FREQ_NO_LFU, p
            assert isinstance(c("OBJECT", "IDLETIME", "k"), int), p
        # a missing key is nil whatever the policy
        assert c("OBJECT", "FREQ", "nokey") is None
        assert c("OBJECT", "IDLETIME", "nokey") is None


def test_object_freq_counts_accesses(mc):
    c = mc
    # log factor 0: every access increments; decay 0: no decrement with time
    set_config(c, "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0",
               "lfu-decay-time", "0")
    assert c("SET", "k", "hello") == "OK"
    assert c("OBJECT", "FREQ", "k") == 5  # a new key starts at LFU_INIT_VAL
    # commands that only look at the key do not count
    for cmd in [("OBJECT", "FREQ", "k"), ("OBJECT", "ENCODING", "k"), ("EXISTS", "k"),
                ("TYPE", "k"), ("TTL", "k"), ("PTTL", "k")]:
        c(*cmd)
    assert c("OBJECT", "FREQ", "k") == 5
    for _ in range(10):
        assert c("GET", "k") == b"hello"
    assert c("OBJECT", "FREQ", "k") == 15
    assert c("STRLEN", "k") == 5
    assert c("APPEND", "k", "!") == 6
    assert c("OBJECT", "FREQ", "k") == 17
    # an overwrite keeps the counter (and counts as an access)
    assert c("SET", "k", "again") == "OK"
    assert c("OBJECT", "FREQ", "k") == 18
    # the counter saturates at 255
    assert c.pipeline([("GET", "k")] * 300) == [b"again"] * 300
    assert c("OBJECT", "FREQ", "k") == 255
    # collections count too
    assert c("RPUSH", "l", "a") == 1
    assert c("OBJECT", "FREQ", "l") == 5
    assert c("LRANGE", "l", "0", "-1") == [b"a"]
    assert c("LLEN", "l") == 1
    assert c("OBJECT", "FREQ", "l") == 7


def test_object_freq_logarithmic_by_default(mc):
    c = mc
    set_config(c, "maxmemory-policy", "allkeys-lfu", "lfu-decay-time", "0")
    assert c("SET", "k", "v") == "OK"
    assert c("OBJECT", "FREQ", "k") == 5
    assert c.pipeline([("GET", "k")] * 100) == [b"v"] * 100
    # the first access always counts; later ones ever less likely (factor 10)
    assert 6 <= c("OBJECT", "FREQ", "k") < 40


def test_object_idletime_grows_and_resets(mc):
    c = mc
    for k in ("a", "b"):
        assert c("SET", k, "v") == "OK"
        assert c("OBJECT", "IDLETIME", k) in (0, 1)
    time.sleep(2.1)
    assert c("GET", "b") == b"v"
    assert c("OBJECT", "IDLETIME", "b") <= 1  # at once: the clock ticks in whole seconds
    # OBJECT, EXISTS, TYPE and TTL do not touch the key
    assert c("OBJECT", "IDLETIME", "a") >= 2
    assert c("EXISTS", "a") == 1
    assert c("TYPE", "a") == "string"
    assert c("TTL", "a") == -1
    assert c("OBJECT", "IDLETIME", "a") >= 2
    assert c("STRLEN", "a") == 1
    assert c("OBJECT", "IDLETIME", "a") <= 1
