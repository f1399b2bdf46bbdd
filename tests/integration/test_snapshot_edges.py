"""What a background save holds when the keyspace changes under it in ways a fork makes trivial
and a forkless snapshot must get right (docs/ARCHITECTURE.md, "Persistence"):

  growth     many new keys (key-table segments split while the save walks them), deletes and
             overwrites: the file holds exactly the keys and values of the cut;
  in place   collections edited in place (RPUSH, HSET, SADD, ZADD, APPEND, SETRANGE, INCR) and
             expiries set or removed during the save: the values and TTLs of the cut;
  flushdb    FLUSHDB of a db during the save: the file still has that db as of the cut;
  swapdb     SWAPDB during the save: the dbs as they were at the cut;
  flushall   FLUSHALL during the save with save rules: the save is stopped and the empty dataset
             saved (Redis's flushAllDataAndResetRDB), so a restart finds nothing.

Each file is checked by loading it into a reference redis-server. Runs on Shoal with 1 and 4
shards, and against redis-server 7.0 (whose fork gives the same answers)."""

import pytest

import conftest
from shoal_dataset import (SHARD_COUNTS, assert_same, dataset, fill_strings, persistence,
                           shard_ids, snapshot_of_dump, start_slow_bgsave, wait_bgsave_done)


def delay_us(shards):
    """rdb-key-save-delay making a save of ~2000 keys last about 2 s: Shoal's shards save their
    parts in parallel, so the delay per key grows with their number."""
    return 1000 * (shards if conftest._is_shoal() else 1)


def slow_save_then(servers, shards, prepare, change, outlast=True):
    """Starts a server, prepare(c), snapshots the dataset, starts a slowed BGSAVE, change(c)
    while it runs (with `outlast`, checked: the save still runs after it), waits for it; returns
    (dataset at the cut, dataset in the file, client)."""
    h = servers.start(shards=shards)
    c = h.client()
    prepare(c)
    want = dataset(c)
    start_slow_bgsave(c, delay_us(shards))
    assert persistence(c)["rdb_bgsave_in_progress"] == "1"
    change(c)
    if outlast:
        assert persistence(c)["rdb_bgsave_in_progress"] == "1", "the changes came after the save"
    p = wait_bgsave_done(c, timeout=60)
    assert p["rdb_last_bgsave_status"] == "ok", p
    got, _ = snapshot_of_dump(servers, h.dump)
    return want, got, c


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_keys_added_deleted_and_overwritten_during_the_save(servers, shards):
    def prepare(c):
        fill_strings(c, 2000, prefix="old:")

    def change(c):
        for i in range(0, 20000, 500):  # ten times the keys: every segment splits
            c("MSET", *[x for j in range(i, i + 500) for x in ("new:%d" % j, "v")])
        c("DEL", *["old:%d" % i for i in range(0, 2000, 4)])
        c("MSET", *[x for i in range(1, 2000, 4) for x in ("old:%d" % i, "changed")])

    # Shoal writes every group these changes touch before changing it (rdb-key-save-delay only
    # slows its walk), so its save may well end before the last change: it must only begin first.
    want, got, c = slow_save_then(servers, shards, prepare, change, outlast=False)
    assert_same(want, got)
    c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_values_edited_in_place_during_the_save(servers, shards):
    def prepare(c):
        fill_strings(c, 1600, prefix="pad:")
        for i in range(40):
            c("RPUSH", "l%d" % i, *range(20))
            c("HSET", "h%d" % i, *[x for j in range(10) for x in ("f%d" % j, j)])
            c("SADD", "s%d" % i, *range(10))
            c("SADD", "t%d" % i, *["m%d" % j for j in range(10)])
            c("ZADD", "z%d" % i, *[x for j in range(10) for x in (j, "m%d" % j)])
            c("SET", "a%d" % i, "x" * 30)
            c("SET", "n%d" % i, 10)
            c("SET", "e%d" % i, "v", "PX", 100000000)
            c("SET", "p%d" % i, "v")

    def change(c):
        for i in range(40):
            c("RPUSH", "l%d" % i, "more")
            c("LPOP", "l%d" % i)
            c("HSET", "h%d" % i, "f0", "changed", "new", "1")
            c("SADD", "s%d" % i, 99)
            c("SREM", "t%d" % i, "m0")
            c("ZADD", "z%d" % i, 100, "m0")
            c("APPEND", "a%d" % i, "tail")
            c("SETRANGE", "a%d" % i, 0, "Y")
            c("INCR", "n%d" % i)
            c("PERSIST", "e%d" % i)
            c("PEXPIRE", "p%d" % i, 100000000)

    want, got, c = slow_save_then(servers, shards, prepare, change)
    assert_same(want, got)
    c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_flushdb_during_the_save(servers, shards):
    def prepare(c):
        fill_strings(c, 1000, prefix="zero:")
        c("SELECT", 3)
        fill_strings(c, 1000, prefix="three:")
        c("SELECT", 0)

    def change(c):
        c("SELECT", 3)
        assert c("FLUSHDB") == "OK"
        c("SET", "after", "flush")
        c("SELECT", 0)

    want, got, c = slow_save_then(servers, shards, prepare, change)
    assert_same(want, got)
    c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_swapdb_during_the_save(servers, shards):
    def prepare(c):
        fill_strings(c, 1000, prefix="zero:")
        c("SELECT", 5)
        fill_strings(c, 500, prefix="five:")
        c("SELECT", 0)

    def change(c):
        assert c("SWAPDB", 0, 5) == "OK"
        c("SET", "zero:1", "after-swap")

    want, got, c = slow_save_then(servers, shards, prepare, change)
    assert_same(want, got)
    c.close()


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_flushall_with_save_rules_stops_the_save_and_saves_empty(servers, shards):
    h = servers.start("--save", "3600 1000000", shards=shards)
    c = h.client()
    fill_strings(c, 2000, prefix="k:")
    start_slow_bgsave(c, 2 * delay_us(shards))  # ~4 s: FLUSHALL comes long before its end
    assert c("FLUSHALL") == "OK"
    p = wait_bgsave_done(c, timeout=30)
    assert p["rdb_bgsave_in_progress"] == "0"
    got, _ = snapshot_of_dump(servers, h.dump)
    assert sum(len(keys) for keys in got.values()) == 0, got.keys()
    c.close()
