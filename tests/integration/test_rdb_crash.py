"""A crash (SIGKILL of the server and of any process it forked) while a save slowed by
rdb-key-save-delay runs never leaves a partial dump.rdb, and the restarted server never loads a
temporary file: it has the data of the last save that completed. A crash after a save completed
loads that save."""

import random
import time

import pytest

from conftest import ConnectionClosed
from shoal_dataset import (SHARD_COUNTS, assert_check_rdb_ok, assert_same, bgsave, dataset,
                           fill_strings, key_count, persistence, shard_ids, start_slow_bgsave)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def change_data(c, generation):
    """Makes the dataset differ from the previous generation's (values, new keys, deletions)."""
    assert c("SET", "generation", str(generation)) == "OK"
    assert c("RPUSH", "history", str(generation)) >= 1
    assert c("MSET", *[x for i in range(0, 2000, 7)
                       for x in ("fill:%d" % i, "gen%d-%d" % (generation, i))]) == "OK"
    assert c("DEL", "fill:%d" % (generation + 1)) in (0, 1)
    assert c("HSET", "gen:%d" % generation, "f", "v") == 1


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
@pytest.mark.parametrize("how", ["BGSAVE", "SAVE"])
def test_crash_during_a_save_keeps_the_previous_dump(servers, how, shards):
    rnd = random.Random("%s-%s" % (how, shards))
    h = servers.start(shards=shards)
    c = h.client()
    fill_strings(c, 2000)
    generation = 0
    killed_during = 0
    for _ in range(4):
        # a complete dump of this generation
        change_data(c, generation)
        assert c("SAVE") == "OK"
        saved = dataset(c)
        saved_file = read(h.dump)
        # a newer generation, and a slow save of it killed at some moment
        generation += 1
        change_data(c, generation)
        assert dataset(c) != saved
        # 5 ms per key: 10 s for redis-server; the crash comes long before
        if how == "BGSAVE":
            start_slow_bgsave(c, 5000)
        else:
            assert c("CONFIG", "SET", "rdb-key-save-delay", "5000") == "OK"
            saver = h.client()
            saver.send("SAVE")
        time.sleep(rnd.uniform(0.0, 0.5))
        servers.crash(h)
        c.close()
        if how == "SAVE":
            try:
                reply = saver.read()
            except (ConnectionClosed, OSError):
                reply = None
            saver.close()
            assert reply is None, "SAVE replied %r before the crash; slow it down more" % reply
        dump = read(h.dump)
        if dump == saved_file:
            killed_during += 1
        assert_check_rdb_ok(h.dump)
        h = servers.restart(h)
        c = h.client()
        got = dataset(c)
        if dump == saved_file:
            assert_same(saved, got, "dataset after a crash during the save")
        else:  # the save completed just before the kill
            assert got[0][b"generation"][1] == str(generation).encode()
        assert persistence(c)["rdb_last_load_keys_loaded"] == str(key_count(got))
        generation += 1
    c.close()
    assert killed_during >= 1, "the crash never hit a running save"


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
def test_crash_after_a_save_loads_it(servers, shards):
    h = servers.start(shards=shards)
    c = h.client()
    fill_strings(c, 500)
    change_data(c, 0)
    assert c("SAVE") == "OK"
    change_data(c, 1)
    bgsave(c)
    want = dataset(c)
    change_data(c, 2)  # not saved
    c.close()
    servers.crash(h)
    assert_check_rdb_ok(h.dump)
    h = servers.restart(h)
    c = h.client()
    try:
        assert_same(want, dataset(c), "dataset after a crash")
        assert c("GET", "generation") == b"1"
    finally:
        c.close()
