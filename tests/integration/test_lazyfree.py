"""Lazy freeing: UNLINK, FLUSHALL / FLUSHDB ASYNC and SYNC, the lazyfree-lazy-* settings
(user-del, user-flush, server-del, expire, eviction) and the INFO memory fields
lazyfree_pending_objects and lazyfreed_objects.

Freeing in the background is observable through lazyfreed_objects, which counts the objects
freed that way; tests poll it with a deadline. That an operation freed nothing in the background
is checked by unlinking a big hash afterwards: once the counter moved, it must have moved by
exactly one."""

import time

import pytest

from conftest import _is_shoal, sharded_server
import shoal_errors as E
from shoal_info import info
from shoal_keys import SHARDS, shard_of

KB = 1024
MB = 1024 * 1024

LAZYFREE = ["lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
            "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush"]


@pytest.fixture
def lc(server, c):
    """The `c` client; afterwards the lazyfree and eviction settings are back to their defaults
    and the data is gone (the session's server is shared)."""
    yield c
    cl = server.client()
    try:
        for name, value in [("maxmemory", "0"), ("maxmemory-policy", "noeviction")] + \
                [(name, "no") for name in LAZYFREE]:
            assert cl("CONFIG", "SET", name, value) == "OK", name
        assert cl("FLUSHALL") == "OK"
    finally:
        cl.close()


def lazyfreed(c):
    return int(info(c, "memory")["lazyfreed_objects"])


def pending(c):
    return int(info(c, "memory")["lazyfree_pending_objects"])


def wait_for(fn, timeout=10.0):
    """Polls fn() until it is true or the deadline passes; returns its last value."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.02)


def wait_lazyfreed(c, base, n):
    """Waits until lazyfreed_objects reached base + n; returns how far it moved."""
    wait_for(lambda: lazyfreed(c) - base >= n)
    return lazyfreed(c) - base


def big_hash(c, key, n=10000):
    """A hash of n fields (a hash table: far past the listpack limits)."""
    assert c("DEL", key) in (0, 1)
    for i in range(0, n, 1000):
        args = []
        for j in range(i, min(n, i + 1000)):
            args += ["f%d" % j, "v%d" % j]
        assert c("HSET", key, *args) == len(args) // 2
    assert c("HLEN", key) == n


def assert_nothing_lazyfreed_since(c, base, tag):
    """Unlinks a fresh big hash ({tag}: on the shard of the operation checked) and waits for
    the counter: it moves by exactly one if nothing else went to the background since base."""
    marker = "{%s}:marker" % tag
    big_hash(c, marker)
    assert c("UNLINK", marker) == 1
    assert wait_lazyfreed(c, base, 1) == 1


def keys_on_every_shard(prefix, per_shard=2):
    out, i = [], 0
    while len(out) < per_shard * SHARDS:
        k = "%s:%d" % (prefix, i)
        if sum(1 for x in out if shard_of(x) == shard_of(k)) < per_shard:
            out.append(k)
        i += 1
    return out


# ---------------------------------------------------------------- UNLINK


def test_unlink_arity_and_replies(lc, r3):
    c = lc
    assert c("UNLINK") == E.arity("unlink")
    assert c("UNLINK", "nokey") == 0
    keys = keys_on_every_shard("u")
    for i, k in enumerate(keys):
        assert c("SET", k, str(i)) == "OK"
    assert c("RPUSH", "list", "a") == 1
    assert c("HSET", "hash", "f", "v") == 1
    assert c("SADD", "set", "m") == 1
    assert c("ZADD", "zset", "1", "m") == 1
    every = keys + ["list", "hash", "set", "zset"]
    # counts the keys that existed, like DEL; a key named twice counts once
    assert c("UNLINK", *(every + ["nokey1", keys[0], "nokey2"])) == len(every)
    assert c("EXISTS", *every) == 0
    assert c("DBSIZE") == 0
    assert c("UNLINK", *every) == 0
    assert c("SET", "a", "1") == "OK"
    assert c("UNLINK", "a", "a") == 1
    assert r3("SET", "b", "1") == "OK"
    assert r3("UNLINK", "b", "nokey") == 1


def test_unlink_in_transaction(lc):
    c = lc
    keys = keys_on_every_shard("u", 1)
    assert c("SET", keys[0], "x") == "OK"
    assert c("SET", keys[1], "y") == "OK"
    assert c("MULTI") == "OK"
    assert c("UNLINK", keys[0], keys[1], "nokey") == "QUEUED"
    assert c("EXISTS", keys[0], keys[1]) == "QUEUED"
    assert c("EXEC") == [2, 0]


def test_unlink_big_collections_disappear_at_once(lc):
    c = lc
    n = 20000
    big_hash(c, "bh", n)
    for i in range(0, n, 2000):
        assert c("RPUSH", "bl", *range(i, i + 2000)) == i + 2000
        assert c("SADD", "bs", *("m%d" % j for j in range(i, i + 2000))) == 2000
        args = []
        for j in range(i, i + 2000):
            args += [str(j), "m%d" % j]
        assert c("ZADD", "bz", *args) == 2000
    assert c("SET", "bstr", b"s" * (8 * MB)) == "OK"
    every = ["bh", "bl", "bs", "bz", "bstr"]
    assert c("UNLINK", *every) == 5
    for k in every:
        assert c("EXISTS", k) == 0
        assert c("TYPE", k) == "none"
    assert c("HLEN", "bh") == 0
    assert c("LLEN", "bl") == 0
    assert c("SCARD", "bs") == 0
    assert c("ZCARD", "bz") == 0
    assert c("GET", "bstr") is None
    assert c("DBSIZE") == 0
    # the names are free at once: new values are not confused with the old ones
    assert c("HSET", "bh", "f", "v") == 1
    assert c("RPUSH", "bl", "x") == 1
    assert c("SADD", "bs", "m0") == 1
    assert c("ZADD", "bz", "5", "m0") == 1
    assert c("SET", "bstr", "s") == "OK"
    assert wait_for(lambda: pending(c) == 0)
    assert c("HGETALL", "bh") == [b"f", b"v"]
    assert c("LRANGE", "bl", "0", "-1") == [b"x"]
    assert c("SMEMBERS", "bs") == [b"m0"]
    assert c("ZRANGE", "bz", "0", "-1", "WITHSCORES") == [b"m0", b"5"]
    assert c("GET", "bstr") == b"s"


def test_lazyfreed_objects_counts_unlinked_big_values(lc):
    c = lc
    m = info(c, "memory")
    assert m["lazyfree_pending_objects"].isdigit()
    assert m["lazyfreed_objects"].isdigit()
    base = lazyfreed(c)
    big_hash(c, "h1")
    big_hash(c, "h2")
    assert c("UNLINK", "h1", "h2") == 2
    assert wait_lazyfreed(c, base, 2) == 2
    assert wait_for(lambda: pending(c) == 0)
    assert c("EXISTS", "h1", "h2") == 0


# ---------------------------------------------------------------- lazyfree-lazy-user-del


def test_lazy_user_del(lc):
    c = lc
    # no (the default): DEL frees in the foreground
    base = lazyfreed(c)
    big_hash(c, "{d}:h")
    assert c("DEL", "{d}:h") == 1
    assert c("EXISTS", "{d}:h") == 0
    assert_nothing_lazyfreed_since(c, base, "d")
    # yes: DEL is UNLINK, same replies
    assert c("CONFIG", "SET", "lazyfree-lazy-user-del", "yes") == "OK"
    base = lazyfreed(c)
    big_hash(c, "{d}:h")
    assert c("SET", "{d}:s", "v") == "OK"
    assert c("DEL", "{d}:h", "{d}:s", "nokey", "{d}:s") == 2
    assert c("EXISTS", "{d}:h", "{d}:s") == 0
    assert c("HLEN", "{d}:h") == 0
    assert wait_lazyfreed(c, base, 1) == 1
    keys = keys_on_every_shard("ud")
    for k in keys:
        assert c("SET", k, "v") == "OK"
    assert c("DEL", *(keys + ["nokey"])) == len(keys)
    assert c("DBSIZE") == 0


# ---------------------------------------------------------------- FLUSHALL / FLUSHDB


def test_flush_options(lc):
    c = lc
    for cmd in ("FLUSHALL", "FLUSHDB"):
        for bad in [("foo",), ("lazy",), ("async", "extra"), ("async", "sync"), ("sync", "sync")]:
            assert c(cmd, *bad) == E.SYNTAX, (cmd, bad)
        for opt in [(), ("ASYNC",), ("async",), ("SYNC",), ("Sync",)]:
            assert c("SET", "k", "v") == "OK"
            assert c(cmd, *opt) == "OK", (cmd, opt)
            assert c("EXISTS", "k") == 0, (cmd, opt)


def fill_everywhere(c, prefix, n, size=100):
    keys = ["%s:%d" % (prefix, i) for i in range(n)]
    value = b"x" * size
    for i in range(0, n, 100):
        batch = keys[i:i + 100]
        assert c.pipeline([("SET", k, value) for k in batch]) == ["OK"] * len(batch)
    return keys


def test_flushall_async_keeps_later_writes(lc, new_client):
    c = lc
    keys = fill_everywhere(c, "fa", 2000)
    assert {shard_of(k) for k in keys} == set(range(SHARDS))
    big_hash(c, "bh")
    other = new_client()
    assert other("SELECT", "1") == "OK"
    assert other("SET", "db1", "v") == "OK"
    base = lazyfreed(c)
    assert c("FLUSHALL", "ASYNC") == "OK"
    assert c("DBSIZE") == 0
    assert other("DBSIZE") == 0
    assert c("EXISTS", "bh", keys[0], keys[-1]) == 0
    # writes right after the flush survive the background work
    later = keys[:50]
    for k in later:
        assert c("SET", k, "new") == "OK"
    assert c("HSET", "bh", "f", "v") == 1
    assert other("SET", "db1", "w") == "OK"
    # every flushed key counts as one lazily freed object
    assert wait_lazyfreed(c, base, 2002) == 2002
    assert wait_for(lambda: pending(c) == 0)
    assert c("DBSIZE") == len(later) + 1
    assert c("MGET", *later) == [b"new"] * len(later)
    assert c("HGETALL", "bh") == [b"f", b"v"]
    assert other("GET", "db1") == b"w"


def test_flushdb_async_only_selected_db(lc, new_client):
    c = lc
    other = new_client()
    assert other("SELECT", "1") == "OK"
    keys = fill_everywhere(c, "f0", 200)
    keys1 = fill_everywhere(other, "f1", 100)
    big_hash(other, "bh1")
    base = lazyfreed(c)
    assert other("FLUSHDB", "ASYNC") == "OK"
    assert other("DBSIZE") == 0
    assert c("DBSIZE") == len(keys)
    assert other("SET", keys1[0], "again") == "OK"
    assert wait_lazyfreed(c, base, 101) == 101
    assert c("DBSIZE") == len(keys)
    assert other("DBSIZE") == 1
    assert other("GET", keys1[0]) == b"again"
    assert c("FLUSHDB", "SYNC") == "OK"
    assert c("DBSIZE") == 0
    assert other("DBSIZE") == 1


def test_lazy_user_flush(lc):
    c = lc
    fill_everywhere(c, "uf", 10)
    base = lazyfreed(c)
    assert c("FLUSHALL") == "OK"  # default: synchronous
    assert_nothing_lazyfreed_since(c, base, "uf")
    assert c("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes") == "OK"
    fill_everywhere(c, "uf", 10)
    base = lazyfreed(c)
    assert c("FLUSHALL") == "OK"  # now asynchronous
    assert c("DBSIZE") == 0
    assert wait_lazyfreed(c, base, 10) == 10
    fill_everywhere(c, "uf", 10)
    base = lazyfreed(c)
    assert c("FLUSHDB") == "OK"
    assert wait_lazyfreed(c, base, 10) == 10
    # an explicit SYNC wins over the setting
    fill_everywhere(c, "uf", 10)
    base = lazyfreed(c)
    assert c("FLUSHALL", "SYNC") == "OK"
    assert c("DBSIZE") == 0
    assert_nothing_lazyfreed_since(c, base, "uf")


def test_used_memory_returns_after_flushall_async(lc):
    c = lc
    assert wait_for(lambda: pending(c) == 0)
    base = int(info(c, "memory")["used_memory"])
    for i in range(4):
        big_hash(c, "h%d" % i, 50000)
    fill_everywhere(c, "m", 1500, 10 * KB)
    peak = int(info(c, "memory")["used_memory"])
    assert peak - base > 20 * MB
    assert c("FLUSHALL", "ASYNC") == "OK"
    assert c("DBSIZE") == 0
    # back within a tenth of the growth
    target = base + (peak - base) // 10
    assert wait_for(lambda: int(info(c, "memory")["used_memory"]) <= target, timeout=10), \
        (base, peak, int(info(c, "memory")["used_memory"]))
    assert wait_for(lambda: pending(c) == 0)


def slab_pages(c):
    return int(info(c, "memory")["entry_slab_pages"])


@pytest.mark.skipif(not _is_shoal(), reason="Shoal's entry slab")
def test_entry_slab_pages_return_after_flushall(lc):
    """Small entries live in each shard's slab (shard/slab.h). Blocks the lazyfree thread frees
    are remote frees that the shard's cron collects, so the slab's pages go back to the heap after
    FLUSHALL ASYNC as after FLUSHALL SYNC (sanitizer builds keep entries out of the slab)."""
    c = lc
    for mode in ("ASYNC", "SYNC"):
        for i in range(0, 20000, 1000):
            args = []
            for j in range(i, i + 1000):
                args += ["key:%012d" % j, "v" * 32]
            assert c("MSET", *args) == "OK"
        pages = slab_pages(c)
        assert int(info(c, "memory")["entry_slab_bytes"]) == pages * 64 * KB
        if pages == 0:
            pytest.skip("entries are heap blocks in this build (sanitizers)")
        # 20000 56-byte blocks fill about 18 pages of 64 KiB
        assert pages >= 17, pages
        assert int(info(c, "memory")["entry_slab_chunks"]) >= 1
        assert c("FLUSHALL", mode) == "OK"
        assert wait_for(lambda: slab_pages(c) == 0), (mode, slab_pages(c))
        # Every 2 MiB chunk is unmapped with its last page.
        assert int(info(c, "memory")["entry_slab_chunks"]) == 0


one_shard = sharded_server([1])


@pytest.mark.skipif(not _is_shoal(), reason="Shoal's entry slab")
@pytest.mark.parametrize("huge", ["yes", "no"])
def test_entry_slab_chunks_past_16_mib_ask_for_huge_pages(one_shard, huge):
    """A shard's first 8 slab chunks (16 MiB of entries) keep 4 KiB pages, so a small dataset
    holds only what it touched; the chunks after them are marked for transparent huge pages,
    unless slab-huge-pages is off. 330k 56-byte entries on one shard need 9 chunks."""
    c = one_shard.client()
    assert c("CONFIG", "GET", "slab-huge-pages") == [b"slab-huge-pages", b"yes"]
    assert c("CONFIG", "SET", "slab-huge-pages", huge) == "OK"
    try:
        for i in range(0, 330000, 5000):
            args = []
            for j in range(i, i + 5000):
                args += ["key:%012d" % j, "v" * 32]
            assert c("MSET", *args) == "OK"
        m = info(c, "memory")
        if int(m["entry_slab_pages"]) == 0:
            pytest.skip("entries are heap blocks in this build (sanitizers)")
        chunks, huge_chunks = int(m["entry_slab_chunks"]), int(m["entry_slab_huge_chunks"])
        pages = int(m["entry_slab_pages"])
        assert pages > 8 * 32
        # All but the last chunk full; the ninth on is huge, unless turned off.
        assert (chunks - 1) * 32 < pages <= chunks * 32
        assert huge_chunks == (chunks - 8 if huge == "yes" else 0)
        assert c("FLUSHALL") == "OK"
        assert wait_for(lambda: int(info(c, "memory")["entry_slab_chunks"]) == 0)
        assert int(info(c, "memory")["entry_slab_huge_chunks"]) == 0
    finally:
        assert c("CONFIG", "SET", "slab-huge-pages", "yes") == "OK"
        c.close()


# ---------------------------------------------------------------- server-del, expire, eviction


def test_lazy_server_del(lc):
    c = lc
    # no: an overwrite frees the old value in the foreground
    base = lazyfreed(c)
    big_hash(c, "{s}:h")
    assert c("SET", "{s}:h", "v") == "OK"
    assert_nothing_lazyfreed_since(c, base, "s")
    assert c("CONFIG", "SET", "lazyfree-lazy-server-del", "yes") == "OK"
    # yes: the old value of SET, RENAME and a STORE destination goes to the background
    base = lazyfreed(c)
    big_hash(c, "{s}:h")
    assert c("SET", "{s}:h", "v") == "OK"
    assert c("GET", "{s}:h") == b"v"
    assert wait_lazyfreed(c, base, 1) == 1
    big_hash(c, "{s}:h")
    assert c("SET", "{s}:src", "w") == "OK"
    assert c("RENAME", "{s}:src", "{s}:h") == "OK"
    assert c("GET", "{s}:h") == b"w"
    assert wait_lazyfreed(c, base, 2) == 2
    big_hash(c, "{s}:h")
    assert c("SUNIONSTORE", "{s}:h", "{s}:nokey") == 0
    assert c("EXISTS", "{s}:h") == 0
    assert wait_lazyfreed(c, base, 3) == 3


def test_lazy_expire(lc):
    c = lc
    base = lazyfreed(c)
    big_hash(c, "{e}:h")
    assert c("PEXPIRE", "{e}:h", "1") == 1
    time.sleep(0.01)
    assert c("EXISTS", "{e}:h") == 0
    assert_nothing_lazyfreed_since(c, base, "e")
    assert c("CONFIG", "SET", "lazyfree-lazy-expire", "yes") == "OK"
    base = lazyfreed(c)
    big_hash(c, "{e}:h")
    assert c("PEXPIRE", "{e}:h", "1") == 1
    time.sleep(0.01)
    assert c("EXISTS", "{e}:h") == 0
    assert wait_lazyfreed(c, base, 1) == 1
    # expired by the server on its own (nobody reads the key)
    big_hash(c, "{e}:h2")
    assert c("PEXPIRE", "{e}:h2", "1") == 1
    assert wait_lazyfreed(c, base, 2) == 2
    assert c("DBSIZE") == 0


def test_lazy_eviction(lc):
    c = lc
    assert c("CONFIG", "SET", "lazyfree-lazy-eviction", "yes") == "OK"
    base = lazyfreed(c)
    big_hash(c, "{v}:a")
    big_hash(c, "{v}:b")
    used = int(info(c, "memory")["used_memory"])
    assert c("CONFIG", "SET", "maxmemory-policy", "allkeys-random",
             "maxmemory", str(used - 100 * KB)) == "OK"
    assert c("PING") == "PONG"
    assert wait_for(lambda: c("EXISTS", "{v}:a", "{v}:b") < 2)
    assert c("CONFIG", "SET", "maxmemory", "0") == "OK"
    gone = 2 - c("EXISTS", "{v}:a", "{v}:b")
    assert wait_lazyfreed(c, base, gone) == gone
