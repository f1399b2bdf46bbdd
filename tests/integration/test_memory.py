"""Memory introspection: MEMORY USAGE|STATS|DOCTOR|PURGE|MALLOC-STATS|HELP, INFO memory, and
MEMORY USAGE's accuracy against the true cost of a key (the growth of INFO used_memory when that
one key is created) for every type and encoding."""

import time

import pytest

import shoal_errors as E
from conftest import needs_plain_allocator
from shoal_resp import Err, Verbatim

MEMORY_HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]

# MEMORY STATS in Redis 7.0's order; "db.N" maps come after functions.caches.
STATS_HEAD = ["peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
              "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches",
              "functions.caches"]
STATS_TAIL = ["overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes",
              "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active",
              "allocator.resident", "allocator-fragmentation.ratio",
              "allocator-fragmentation.bytes", "allocator-rss.ratio", "allocator-rss.bytes",
              "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes"]
STATS_DB = ["overhead.hashtable.main", "overhead.hashtable.expires",
            "overhead.hashtable.slot-to-keys"]

# INFO memory fields, in Redis 7.0's order.
INFO_MEMORY = [
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
    "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead",
    "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc",
    "allocator_allocated", "allocator_active", "allocator_resident", "total_system_memory",
    "total_system_memory_human", "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
    "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
    "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
    "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
    "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
    "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes",
    "rss_overhead_ratio", "rss_overhead_bytes", "mem_fragmentation_ratio",
    "mem_fragmentation_bytes", "mem_not_counted_for_evict", "mem_replication_backlog",
    "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
    "mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running",
    "lazyfree_pending_objects", "lazyfreed_objects",
]

DOCTOR_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
    "be used in these conditions. Please, leave for your mission on Earth and fill it with some "
    "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n")


def info_memory(c):
    text = c("INFO", "memory")
    assert isinstance(text, bytes)
    lines = text.decode().split("\r\n")
    assert lines[0] == "# Memory"
    fields = [ln.split(":", 1) for ln in lines[1:] if ln]
    return [k for k, _ in fields], dict(fields)


def used_memory(c):
    return int(info_memory(c)[1]["used_memory"])


# ---------------------------------------------------------------- errors, arity, HELP


def test_memory_errors_and_arity(c):
    assert c("MEMORY") == E.arity("memory")
    assert c("MEMORY", "foo") == E.unknown_subcommand("foo", "MEMORY")
    assert c("MEMORY", "foo", "bar") == E.unknown_subcommand("foo", "MEMORY")
    assert c("MEMORY", "USAGE") == E.arity("memory|usage")
    for sub in ("STATS", "DOCTOR", "PURGE", "MALLOC-STATS", "HELP", "stats", "Doctor"):
        assert c("MEMORY", sub, "x") == E.arity("memory|" + sub.lower())


def test_memory_help(c):
    assert c("MEMORY", "HELP") == MEMORY_HELP
    assert c("memory", "help") == MEMORY_HELP


def test_memory_usage_missing_key_and_samples(c, r3):
    assert c("MEMORY", "USAGE", "nokey") is None
    assert r3("MEMORY", "USAGE", "nokey") is None
    assert c("SET", "k", "v") == "OK"
    base = c("MEMORY", "USAGE", "k")
    assert isinstance(base, int) and base > 0
    for args in (["SAMPLES", "0"], ["samples", "5"], ["SAMPLES", "99999999999"],
                 ["SAMPLES", "1", "SAMPLES", "2"]):
        assert c("MEMORY", "USAGE", "k", *args) == base
    # Options are parsed before the key is looked up.
    for key in ("k", "nokey"):
        assert c("MEMORY", "USAGE", key, "SAMPLES") == E.SYNTAX
        assert c("MEMORY", "USAGE", key, "SAMPLES", "-1") == E.SYNTAX
        assert c("MEMORY", "USAGE", key, "bar") == E.SYNTAX
        assert c("MEMORY", "USAGE", key, "SAMPLES", "1", "extra") == E.SYNTAX
        assert c("MEMORY", "USAGE", key, "SAMPLES", "x") == E.NOT_INTEGER
        assert c("MEMORY", "USAGE", key, "SAMPLES", "1.5") == E.NOT_INTEGER


def test_memory_usage_grows_with_value(c):
    c("SET", "small", "x")
    c("SET", "big", "x" * 10000)
    assert c("MEMORY", "USAGE", "big") > c("MEMORY", "USAGE", "small") + 10000
    c("SELECT", "1")
    assert c("MEMORY", "USAGE", "big") is None


def test_memory_usage_key_routing(c):
    assert c("COMMAND", "GETKEYS", "MEMORY", "USAGE", "foo") == [b"foo"]
    assert c("COMMAND", "GETKEYS", "MEMORY", "USAGE", "foo", "SAMPLES", "3") == [b"foo"]
    # Keys on every shard answer.
    for i in range(16):
        c("RPUSH", "l%d" % i, "a", "b")
        assert c("MEMORY", "USAGE", "l%d" % i) > 0


def test_memory_command_info(c):
    info = c("COMMAND", "INFO", "MEMORY")[0]
    assert info[0] == b"memory" and info[1] == -2
    subs = {s[0]: s for s in info[9]}
    assert set(subs) == {b"memory|doctor", b"memory|help", b"memory|malloc-stats",
                         b"memory|purge", b"memory|stats", b"memory|usage"}
    usage = subs[b"memory|usage"]
    assert usage[1] == -3 and usage[2] == ["readonly"] and usage[3:6] == [2, 2, 1]
    assert set(usage[6]) == {"@read", "@slow"}
    assert subs[b"memory|stats"][1] == 2 and subs[b"memory|stats"][3:6] == [0, 0, 0]
    assert set(subs[b"memory|help"][2]) == {"loading", "stale"}
    docs = c("COMMAND", "DOCS", "MEMORY")
    assert docs[0] == b"memory"
    d = dict(zip(docs[1][::2], docs[1][1::2]))
    assert d[b"summary"] == b"A container for memory diagnostics commands"
    assert d[b"since"] == b"4.0.0" and d[b"group"] == b"server"


# ---------------------------------------------------------------- STATS, DOCTOR, PURGE


def test_memory_stats_fields_resp2(c):
    c("SET", "a", "1")
    c("SELECT", "3")
    c("SET", "b", "2")
    reply = c("MEMORY", "STATS")
    names = [k.decode() for k in reply[::2]]
    values = dict(zip(names, reply[1::2]))
    n = len(STATS_HEAD)
    assert names[:n] == STATS_HEAD
    assert names[n:n + 2] == ["db.0", "db.3"]
    assert names[n + 2:] == STATS_TAIL
    for db in ("db.0", "db.3"):
        sub = values[db]
        assert [k.decode() for k in sub[::2]] == STATS_DB
        assert all(isinstance(v, int) for v in sub[1::2])
    assert values["keys.count"] == 2
    assert values["total.allocated"] >= values["startup.allocated"]
    assert values["peak.allocated"] >= values["total.allocated"]
    assert values["dataset.bytes"] == values["total.allocated"] - values["overhead.total"]
    # Doubles are bulk strings in RESP2.
    for name in ("dataset.percentage", "peak.percentage", "fragmentation"):
        assert isinstance(values[name], bytes)
        assert float(values[name]) > 0
    assert 0 < float(values["peak.percentage"]) <= 100


def test_memory_stats_resp3_map(r3):
    r3("SET", "a", "1")
    stats = r3("MEMORY", "STATS")
    assert isinstance(stats, dict)
    assert set(stats) == {k.encode() for k in STATS_HEAD + STATS_TAIL + ["db.0"]}
    assert set(stats[b"db.0"]) == {k.encode() for k in STATS_DB}
    assert isinstance(stats[b"dataset.percentage"], float)
    assert isinstance(stats[b"keys.count"], int)


def test_memory_doctor(c, r3):
    report = c("MEMORY", "DOCTOR")
    assert isinstance(report, bytes)
    assert report.startswith(b"Hi Sam, ") or report.startswith(b"Sam, I detected")
    assert report.endswith(b"\n")
    v = r3("MEMORY", "DOCTOR")
    assert isinstance(v, Verbatim) and v.fmt == b"txt"


def test_memory_doctor_empty_instance(spawn_server):
    h = spawn_server()
    cl = h.client()
    try:
        assert cl("MEMORY", "DOCTOR").decode() == DOCTOR_EMPTY
    finally:
        cl.close()


def test_memory_doctor_big_peak(c):
    # 20 MB of values, then 14 MB of them deleted: the peak is far above what is used now, and
    # what is left is above the "almost empty" threshold (5 MB).
    for i in range(20):
        c.pipeline([["SET", "big:%d:%d" % (i, j), "x" * 100000] for j in range(10)])
    assert used_memory(c) > 20 * 10 ** 6  # INFO also records the peak
    for i in range(14):
        c.pipeline([["DEL", "big:%d:%d" % (i, j)] for j in range(10)])
    report = c("MEMORY", "DOCTOR").decode()
    assert report.startswith("Sam, I detected a few issues in this Redis instance memory "
                             "implants:\n\n * Peak memory: In the past this instance used more "
                             "than 150% the memory that is currently using.")
    assert report.endswith("I'm here to keep you safe, Sam. I want to help you.\n")


def test_memory_purge_and_malloc_stats(c, r3):
    assert c("MEMORY", "PURGE") == "OK"
    text = c("MEMORY", "MALLOC-STATS")
    assert isinstance(text, bytes) and len(text) > 0
    assert not isinstance(r3("MEMORY", "MALLOC-STATS"), Err)


# ---------------------------------------------------------------- INFO memory


def test_info_memory_fields(c, server):
    names, f = info_memory(c)
    # Shoal adds its entry slabs' pages (shard/slab.h) after Redis's fields.
    assert names == INFO_MEMORY + (["entry_slab_pages", "entry_slab_bytes", "entry_slab_chunks",
                                    "entry_slab_huge_chunks"] if server.is_shoal else [])
    used = int(f["used_memory"])
    assert used >= int(f["used_memory_dataset"])
    assert used == int(f["used_memory_overhead"]) + int(f["used_memory_dataset"])
    assert int(f["used_memory_overhead"]) >= int(f["used_memory_startup"])
    assert int(f["used_memory_peak"]) >= used
    assert int(f["used_memory_rss"]) > 0
    if server.is_shoal:
        # This client's buffers at least (Redis 7.0 counts them only with client eviction on).
        assert int(f["mem_clients_normal"]) > 0
        assert f["mem_not_counted_for_evict"] == f["mem_clients_normal"]
    assert f["used_memory_peak_perc"].endswith("%")
    assert f["used_memory_dataset_perc"].endswith("%")
    assert f["mem_allocator"]
    assert int(f["total_system_memory"]) > used
    for zero in ("mem_replication_backlog", "mem_clients_slaves", "mem_aof_buffer",
                 "active_defrag_running"):
        assert f[zero] == "0"


def test_info_memory_grows_with_data(c):
    before = used_memory(c)
    c.pipeline([["SET", "v%d" % i, "x" * 1000] for i in range(1000)])
    assert used_memory(c) > before + 1000 * 1000


def test_info_memory_follows_config(c):
    try:
        assert c("CONFIG", "SET", "maxmemory", "100mb") == "OK"
        assert c("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == "OK"
        f = info_memory(c)[1]
        assert f["maxmemory"] == str(100 * 1024 * 1024)
        assert f["maxmemory_human"] == "100.00M"
        assert f["maxmemory_policy"] == "allkeys-lfu"
        assert c("CONFIG", "SET", "maxmemory-policy", "volatile-ttl") == "OK"
        assert info_memory(c)[1]["maxmemory_policy"] == "volatile-ttl"
    finally:
        assert c("CONFIG", "SET", "maxmemory", "0") == "OK"
        assert c("CONFIG", "SET", "maxmemory-policy", "noeviction") == "OK"
    f = info_memory(c)[1]
    assert (f["maxmemory"], f["maxmemory_human"], f["maxmemory_policy"]) == \
        ("0", "0B", "noeviction")


# ---------------------------------------------------------------- MEMORY USAGE accuracy
#
# True cost: the growth of used_memory while the key is built, on one connection whose buffers
# do not change size meanwhile (warmed up first; every pipeline stays well below the 16 KB read
# buffer of both servers), once Redis's background resizing has settled. Values are about 1 MB
# so that what noise remains does not matter. Keys share a {hashtag}: on Shoal they all live on
# one shard.

BATCH_BYTES = 6000

ENCODINGS = {
    "hash-max-listpack-entries": "4000", "hash-max-listpack-value": "1000",
    "zset-max-listpack-entries": "4000", "zset-max-listpack-value": "1000",
    "set-max-intset-entries": "200000", "list-max-listpack-size": "-2",
}


@pytest.fixture(scope="module")
def encodings(server):
    cl = server.client()
    old = {}
    for name, value in ENCODINGS.items():
        old[name] = cl("CONFIG", "GET", name)[1]
        assert cl("CONFIG", "SET", name, value) == "OK"
    yield
    for name, value in old.items():
        assert cl("CONFIG", "SET", name, value) == "OK"
    cl.close()


def warm_up(c):
    """Brings the connection's buffers to their working size (Redis grows its query buffer on the
    first big request) so that they do not change while a key is measured."""
    run_batched(c, [["SET", "{mu}warm", "w" * 5000]] * 2 + [["DEL", "{mu}warm"]])
    run_batched(c, [["SET", "{mu}warm%d" % i, "w"] for i in range(100)])
    run_batched(c, [["DEL"] + ["{mu}warm%d" % i for i in range(100)]])


def settle(c):
    """Waits until used_memory holds still: Redis's cron resizes client buffers and key tables
    a moment after they stopped being used (Shoal changes nothing in the background)."""
    last, steady = used_memory(c), 0
    deadline = time.monotonic() + 5
    while steady < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
        now = used_memory(c)
        steady = steady + 1 if now == last else 0
        last = now
    return last


def run_batched(c, commands):
    batch, size = [], 0
    for cmd in commands:
        batch.append(cmd)
        size += sum(len(str(a)) + 16 for a in cmd)
        if size >= BATCH_BYTES:
            assert not any(isinstance(x, Err) for x in c.pipeline(batch))
            batch, size = [], 0
    if batch:
        assert not any(isinstance(x, Err) for x in c.pipeline(batch))


def grow_list(key, n, size):
    return [["RPUSH", key] + ["%s%08d" % ("e" * (size - 8), i + j) for j in range(20)]
            for i in range(0, n, 20)]


def grow_fields(cmd, key, n, size, value):
    """n members of `size` bytes, 20 per command; value: None (SADD), "score" (ZADD) or the size
    of each value (HSET)."""
    out = []
    for i in range(0, n, 20):
        args = [cmd, key]
        for j in range(i, i + 20):
            member = "%s%08d" % ("m" * (size - 8), j)
            if value == "score":
                args += [str(j), member]
            elif value is not None:
                args += [member, "v" * value]
            else:
                args.append(member)
        out.append(args)
    return out


CASES = {
    # name: (expected encoding, commands building key "{mu}k"), each about 1 MB or more
    "string-raw": ("raw", [["APPEND", "{mu}k", "r" * 4000] for _ in range(256)]),
    "list-small-elements": ("quicklist", grow_list("{mu}k", 40000, 30)),
    "list-big-elements": ("quicklist", [["RPUSH", "{mu}k", "b" * 5000] for _ in range(200)]),
    "hash-listpack": ("listpack", grow_fields("HSET", "{mu}k", 2000, 30, 500)),
    "hash-hashtable": ("hashtable", grow_fields("HSET", "{mu}k", 5000, 30, 300)),
    "set-intset": ("intset", [["SADD", "{mu}k"] + [str(2 ** 40 + i + j) for j in range(50)]
                              for i in range(0, 130000, 50)]),
    "set-hashtable": ("hashtable", grow_fields("SADD", "{mu}k", 5000, 200, None)),
    "zset-listpack": ("listpack", grow_fields("ZADD", "{mu}k", 2000, 500, "score")),
    "zset-skiplist": ("skiplist", grow_fields("ZADD", "{mu}k", 5000, 300, "score")),
}


def assert_close(estimate, true_cost, what):
    assert abs(estimate - true_cost) <= 0.1 * true_cost, \
        "%s: MEMORY USAGE %d vs true cost %d (%.1f%%)" % (
            what, estimate, true_cost, 100.0 * (estimate - true_cost) / true_cost)


# The true cost is the allocator's: under a sanitizer's allocator the comparison says nothing about
# release builds (and the cases take over two minutes there).
@needs_plain_allocator
@pytest.mark.parametrize("case", sorted(CASES))
def test_memory_usage_accuracy(c, encodings, case):
    encoding, commands = CASES[case]
    warm_up(c)
    before = settle(c)
    run_batched(c, commands)
    true_cost = used_memory(c) - before
    assert c("OBJECT", "ENCODING", "{mu}k") == encoding.encode()
    assert true_cost > 10 ** 6
    assert_close(c("MEMORY", "USAGE", "{mu}k", "SAMPLES", "0"), true_cost, case + " SAMPLES 0")
    assert_close(c("MEMORY", "USAGE", "{mu}k"), true_cost, case + " default samples")


@pytest.mark.parametrize("encoding,value", [("int", "1%08d"), ("embstr", "%040d")])
def test_memory_usage_accuracy_small_strings(c, encoding, value):
    # One small key is lost in the noise: measure 2000 of them, from an empty database so that
    # the key table's growth is a whole number of growth steps (it grows in bursts: Redis doubles
    # its buckets, Shoal splits segments that tend to fill up together). Long keys keep Redis's
    # own estimate in range (it leaves out its 8-byte bucket and rounds its 24-byte entry down).
    keys = ["{mu}key:%s:%d" % ("p" * 400, i) for i in range(2000)]
    warm_up(c)
    before = settle(c)
    run_batched(c, [["SET", k, value % i] for k, i in zip(keys, range(2000))])
    # Lookups finish Redis's incremental rehash, so its old bucket array is gone.
    run_batched(c, [["EXISTS", k] for k in keys])
    true_cost = used_memory(c) - before
    assert c("OBJECT", "ENCODING", keys[7]) == encoding.encode()
    usage = 0
    for i in range(0, len(keys), 20):
        usage += sum(c.pipeline([["MEMORY", "USAGE", k] for k in keys[i:i + 20]]))
    assert_close(usage, true_cost, encoding + " x 2000")
