"""A background save is a point-in-time cut of the whole keyspace, across shards: writers keep
changing keys on every shard while a save slowed by rdb-key-save-delay runs, and the file holds
one moment of their history:

  counters  INCR of 8 counters in turn: each saved value lies between the last value acknowledged
            before BGSAVE was sent and the first value of an INCR sent after BGSAVE's reply, and
            the counters are a prefix of the sequence (c0 >= c1 >= ... >= c7 >= c0 - 1);
  mset      MSET of groups of keys to one value: every group is equal in the file;
  rename    RENAME along a ring k0 -> k1 -> ... -> k9 -> k0: exactly one of them is saved;
  lmove     LMOVE between 5 lists: the same elements, none lost or doubled;
  blmove    a client blocked in BLMOVE src dst while another RPUSHes 1, 2, 3, ... into src: dst
            followed by src is exactly 1..n.

The file is checked as a reference redis-server loads it. Keys of a workload are spread over the
shards of a 4-shard Shoal (shoal_keys.spread_keys). Runs on Shoal with 1 and 4 shards."""

import random
import threading

import pytest

from conftest import ConnectionClosed
from shoal_dataset import (SHARD_COUNTS, fill_strings, shard_ids, snapshot_of_dump,
                           start_slow_bgsave, wait_bgsave_done, wait_until)
from shoal_keys import spread_keys


class Writer(threading.Thread):
    """A writer on a connection of its own. step() does one unit of work; `after` is set by the
    test once BGSAVE has replied, and step() sees it as `sent_after` (its commands were sent
    after that reply)."""

    def __init__(self, h, after):
        super().__init__(daemon=True)
        self.c = h.client()
        self.after = after
        self.stopping = threading.Event()
        self.ops = 0
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                self.step(self.after.is_set())
                self.ops += 1
        except (ConnectionClosed, OSError, AssertionError) as e:
            self.error = e
        finally:
            self.c.close()

    def setup(self, c):
        pass

    def before(self):
        """Called just before BGSAVE is sent."""

    def done(self):
        """True once it has what it needs from after the BGSAVE reply."""
        return self.ops > 0

    def stop(self):
        self.stopping.set()
        self.join(30)
        assert not self.is_alive(), "%s did not stop" % type(self).__name__
        assert self.error is None, "%s: %r" % (type(self).__name__, self.error)


class Counters(Writer):
    keys = spread_keys("ctr:", 8)

    def __init__(self, h, after, rnd):
        super().__init__(h, after)
        self.last = [0] * len(self.keys)
        self.first_after = [None] * len(self.keys)
        self.acked_before = None

    def step(self, sent_after):
        for i, k in enumerate(self.keys):
            v = self.c("INCR", k)
            assert isinstance(v, int), v
            self.last[i] = v
            if sent_after and self.first_after[i] is None:
                self.first_after[i] = v

    def before(self):
        self.acked_before = list(self.last)

    def done(self):
        return None not in self.first_after

    def check(self, db):
        saved = [int(db[k.encode()][1]) if k.encode() in db else 0 for k in self.keys]
        for i, k in enumerate(self.keys):
            assert self.acked_before[i] <= saved[i] < self.first_after[i], \
                (k, self.acked_before[i], saved[i], self.first_after[i])
        assert all(a >= b for a, b in zip(saved, saved[1:])) and saved[-1] >= saved[0] - 1, \
            "counters saved out of order (not one moment): %r" % saved


class MsetGroups(Writer):
    groups = [spread_keys("grp%d:" % g, 6) for g in range(4)]

    def __init__(self, h, after, rnd):
        super().__init__(h, after)
        self.v = 0

    def setup(self, c):
        for keys in self.groups:
            assert c("MSET", *[x for k in keys for x in (k, "0")]) == "OK"

    def step(self, sent_after):
        self.v += 1
        for keys in self.groups:
            assert self.c("MSET", *[x for k in keys for x in (k, str(self.v))]) == "OK"

    def check(self, db):
        for keys in self.groups:
            saved = {k: db.get(k.encode(), (None, None))[1] for k in keys}
            assert len(set(saved.values())) == 1 and None not in saved.values(), \
                "MSET group saved half done: %r" % saved


class RenameRing(Writer):
    keys = spread_keys("ring:", 10)

    def __init__(self, h, after, rnd):
        super().__init__(h, after)
        self.at = 0

    def setup(self, c):
        assert c("SET", self.keys[0], "the-value") == "OK"

    def step(self, sent_after):
        nxt = (self.at + 1) % len(self.keys)
        assert self.c("RENAME", self.keys[self.at], self.keys[nxt]) == "OK"
        self.at = nxt

    def check(self, db):
        present = [k for k in self.keys if k.encode() in db]
        assert len(present) == 1, "RENAME ring saved with %r" % present
        assert db[present[0].encode()][1] == b"the-value"


class LmoveRing(Writer):
    keys = spread_keys("lring:", 5)
    elements = sorted(b"e%03d" % i for i in range(100))

    def __init__(self, h, after, rnd):
        super().__init__(h, after)
        self.rnd = rnd

    def setup(self, c):
        for i, k in enumerate(self.keys):
            assert c("RPUSH", k, *self.elements[i * 20:(i + 1) * 20]) == 20

    def step(self, sent_after):
        src, dst = self.rnd.sample(self.keys, 2)
        self.c("LMOVE", src, dst, self.rnd.choice(["LEFT", "RIGHT"]),
               self.rnd.choice(["LEFT", "RIGHT"]))

    def check(self, db):
        saved = sorted(e for k in self.keys if k.encode() in db for e in db[k.encode()][1])
        assert saved == self.elements, "LMOVE ring saved %d elements (want 100): lost %r, " \
            "doubled %r" % (len(saved), sorted(set(self.elements) - set(saved))[:10],
                            sorted({e for e in saved if saved.count(e) > 1})[:10])


class BlockedMove(Writer):
    """The pusher; its BLMOVE client is a thread of its own (self.mover)."""
    src, dst = spread_keys("bl:", 2)

    def __init__(self, h, after, rnd):
        super().__init__(h, after)
        self.pushed = 0
        self.acked_before = None
        self.first_after = None
        self.moved = 0
        self.mover_error = None
        self.mover_c = h.client()
        self.mover = threading.Thread(target=self.move, daemon=True)
        self.mover.start()

    def move(self):
        try:
            while True:
                v = self.mover_c("BLMOVE", self.src, self.dst, "LEFT", "RIGHT", "0")
                if v == b"stop":
                    return
                assert v == b"%d" % (self.moved + 1), (v, self.moved)
                self.moved += 1
        except (ConnectionClosed, OSError, AssertionError) as e:
            self.mover_error = e
        finally:
            self.mover_c.close()

    def step(self, sent_after):
        n = self.pushed + 1
        assert isinstance(self.c("RPUSH", self.src, str(n)), int)
        self.pushed = n
        if sent_after and self.first_after is None:
            self.first_after = n

    def before(self):
        self.acked_before = self.pushed

    def done(self):
        return self.first_after is not None and self.moved > 0

    def stop(self):
        super().stop()
        c = self.c.__class__(self.c.host, self.c.port)
        try:
            assert isinstance(c("RPUSH", self.src, "stop"), int)
        finally:
            c.close()
        self.mover.join(30)
        assert not self.mover.is_alive(), "the BLMOVE client did not stop"
        assert self.mover_error is None, repr(self.mover_error)

    def check(self, db):
        got = [int(x) for k in (self.dst, self.src) if k.encode() in db
               for x in db[k.encode()][1]]
        n = len(got)
        assert got == list(range(1, n + 1)), "dst+src saved as %r..." % got[:50]
        assert self.acked_before <= n < self.first_after, (self.acked_before, n, self.first_after)


WORKLOADS = [Counters, MsetGroups, RenameRing, LmoveRing, BlockedMove]


@pytest.mark.parametrize("shards", SHARD_COUNTS, ids=shard_ids)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bgsave_is_a_point_in_time_cut(servers, seed, shards):
    rnd = random.Random(seed)
    h = servers.start(shards=shards)
    c = h.client()
    fill_strings(c, rnd.randrange(2000, 3000))
    after = threading.Event()
    writers = [w(h, after, random.Random(rnd.random())) for w in WORKLOADS]
    try:
        for w in writers:
            w.setup(c)
        for w in writers:
            w.start()
        wait_until(lambda: all(w.ops >= 20 for w in writers), 20, "the writers to get going")
        for w in writers:
            w.before()
        start_slow_bgsave(c, rnd.choice([150, 250, 400]))
        after.set()
        wait_until(lambda: all(w.done() for w in writers), 20, "writes after BGSAVE's reply")
        p = wait_bgsave_done(c)
        assert p["rdb_last_bgsave_status"] == "ok", p
    finally:
        for w in writers:
            w.stop()
        c.close()
    assert all(w.ops >= 20 for w in writers)
    db = snapshot_of_dump(servers, h.dump)[0][0]
    failures = []
    for w in writers:
        try:
            w.check(db)
        except AssertionError as e:
            failures.append("%s: %s" % (type(w).__name__, e))
    assert not failures, "\n".join(failures)
