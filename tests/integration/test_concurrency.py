"""Concurrency and atomicity of multi-key commands across shards.

Keys deliberately share no hash tag, so a sharded server spreads them over
different shards; every multi-key command must still be atomic."""

import threading
import time

import pytest

import shoal_errors as E
from shoal_resp import RespClient

DURATION = 3.0
# Distinct names without a common {tag}: they hash to different shards.
KEYS = ["ka", "kb", "kc", "kd", "ke", "kf", "kg", "kh"]


class Workers:
    """Runs worker functions in threads, each with its own connection, until
    `stop` is set or the deadline passes; collects failures."""

    def __init__(self, server):
        self.server = server
        self.stop = threading.Event()
        self.failures = []
        self.lock = threading.Lock()
        self.threads = []
        self.counts = {}
        self.progress = {}  # calls made so far, by worker name

    def fail(self, msg):
        with self.lock:
            if len(self.failures) < 20:
                self.failures.append(msg)
        self.stop.set()

    def add(self, name, fn):
        def body():
            cl = RespClient(self.server.host, self.server.port)
            n = 0
            try:
                while not self.stop.is_set():
                    fn(cl, n)
                    n += 1
                    self.progress[name] = n
            except AssertionError as e:
                self.fail("%s: %s" % (name, e))
            except Exception as e:  # connection errors etc.
                self.fail("%s: %r" % (name, e))
            finally:
                with self.lock:
                    self.counts[name] = n
                cl.close()

        t = threading.Thread(target=body, name=name, daemon=True)
        self.threads.append(t)

    def run(self, duration=DURATION):
        for t in self.threads:
            t.start()
        self.stop.wait(duration)
        # On a slow (sanitized) server a worker may not have finished a call yet: a little
        # longer (up to 30 s) until each one has.
        deadline = time.time() + 30
        while not self.stop.is_set() and time.time() < deadline and \
                any(self.progress.get(t.name, 0) == 0 for t in self.threads):
            time.sleep(0.05)
        self.stop.set()
        for t in self.threads:
            t.join(timeout=15)
        alive = [t.name for t in self.threads if t.is_alive()]
        assert not alive, "worker threads hung: %s" % alive
        assert not self.failures, "\n".join(self.failures)
        for name, n in self.counts.items():
            assert n > 0, "worker %s made no progress" % name


def test_mset_mget_atomic(server, c):
    args = []
    for k in KEYS:
        args += [k, "init"]
    assert c("MSET", *args) == "OK"
    w = Workers(server)

    def writer(wid):
        # odd writers list the keys in reverse order: a server that locks
        # shards in argument order would deadlock here
        order = KEYS if wid % 2 == 0 else KEYS[::-1]

        def fn(cl, n):
            val = "w%d:%d" % (wid, n)
            a = []
            for k in order:
                a += [k, val]
            reply = cl("MSET", *a)
            assert reply == "OK", reply
        return fn

    def reader(rid):
        order = KEYS if rid % 2 == 0 else KEYS[::-1]

        def fn(cl, n):
            vals = cl("MGET", *order)
            assert isinstance(vals, list) and len(vals) == len(KEYS), vals
            assert None not in vals, "MGET saw a missing key: %r" % vals
            assert len(set(vals)) == 1, "MGET saw a torn MSET: %r" % vals
        return fn

    for i in range(4):
        w.add("writer%d" % i, writer(i))
    for i in range(4):
        w.add("reader%d" % i, reader(i))
    w.run()
    final = c("MGET", *KEYS)
    assert len(set(final)) == 1 and final[0] != b"init"


def test_msetnx_all_or_nothing(server, c):
    """Several clients race MSETNX on the same keys: exactly one wins each round
    and every key holds the winner's value."""
    rounds = 40
    nthreads = 4
    barrier = threading.Barrier(nthreads, timeout=10)
    results = [[None] * nthreads for _ in range(rounds)]
    errors = []
    keys = ["nx%s" % k for k in KEYS]

    def body(tid):
        cl = RespClient(server.host, server.port)
        try:
            for rnd in range(rounds):
                barrier.wait()
                if tid == 0:
                    assert cl("DEL", *keys) in range(len(keys) + 1)
                barrier.wait()
                a = []
                for k in keys:
                    a += [k, "t%d:r%d" % (tid, rnd)]
                results[rnd][tid] = cl("MSETNX", *a)
                barrier.wait()
                if tid == 0:
                    vals = cl("MGET", *keys)
                    winners = [i for i in range(nthreads) if results[rnd][i] == 1]
                    if len(winners) != 1 or set(vals) != {b"t%d:r%d" % (winners[0], rnd)}:
                        errors.append((rnd, results[rnd], vals))
        except Exception as e:
            errors.append(repr(e))
            barrier.abort()
        finally:
            cl.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:5]


def test_del_exists_atomic(server, c):
    w = Workers(server)
    n = len(KEYS)

    def writer(cl, i):
        a = []
        for k in KEYS:
            a += [k, str(i)]
        assert cl("MSET", *a) == "OK"
        deleted = cl("DEL", *KEYS)
        assert deleted in (0, n), "DEL removed %r of %d keys" % (deleted, n)

    def reader(cl, i):
        cnt = cl("EXISTS", *KEYS)
        assert cnt in (0, n), "EXISTS counted %r of %d keys" % (cnt, n)
        vals = cl("MGET", *KEYS)
        nils = vals.count(None)
        assert nils in (0, n), "MGET saw a partial DEL/MSET: %r" % vals

    for i in range(4):
        w.add("writer%d" % i, writer)
    for i in range(4):
        w.add("reader%d" % i, reader)
    w.run()


def test_rename_atomic(server, c):
    """A value bounces between keys with RENAME; at any instant exactly one of
    the two keys exists."""
    pairs = [("rsrc%d" % i, "rdst%d" % i) for i in range(4)]
    for i, (a, b) in enumerate(pairs):
        assert c("SET", a, "payload%d" % i) == "OK"
    w = Workers(server)

    def renamer(pi):
        a, b = pairs[pi]

        def fn(cl, n):
            src, dst = (a, b) if n % 2 == 0 else (b, a)
            reply = cl("RENAME", src, dst)
            assert reply == "OK", reply
        return fn

    def reader(cl, n):
        for i, (a, b) in enumerate(pairs):
            cnt = cl("EXISTS", a, b)
            assert cnt == 1, "EXISTS %s %s = %r" % (a, b, cnt)
            vals = cl("MGET", a, b)
            present = [v for v in vals if v is not None]
            assert present == [b"payload%d" % i], "MGET %s %s = %r" % (a, b, vals)

    for i in range(len(pairs)):
        w.add("renamer%d" % i, renamer(i))
    for i in range(4):
        w.add("reader%d" % i, reader)
    w.run()


def test_rename_contended(server, c):
    """Two clients race RENAME a->b and b->a on the same pair: failures may only
    be 'no such key', and the value is never lost or duplicated."""
    assert c("SET", "ca", "the-value") == "OK"
    w = Workers(server)

    def mover(src, dst):
        def fn(cl, n):
            reply = cl("RENAME", src, dst)
            assert reply in ("OK", E.NO_SUCH_KEY), reply
        return fn

    def reader(cl, n):
        vals = cl("MGET", "ca", "cb")
        present = [v for v in vals if v is not None]
        assert present == [b"the-value"], "MGET ca cb = %r" % vals

    w.add("ab", mover("ca", "cb"))
    w.add("ba", mover("cb", "ca"))
    w.add("reader0", reader)
    w.add("reader1", reader)
    w.run(duration=2.0)
    assert c("EXISTS", "ca", "cb") == 1


@pytest.mark.parametrize("nthreads,per_thread", [(8, 500)])
def test_incr_counter(server, c, nthreads, per_thread):
    errors = []

    def body():
        cl = RespClient(server.host, server.port)
        try:
            last = 0
            for _ in range(per_thread):
                v = cl("INCR", "counter")
                if not isinstance(v, int) or v <= last:
                    errors.append(v)
                    return
                last = v
        except Exception as e:
            errors.append(repr(e))
        finally:
            cl.close()

    threads = [threading.Thread(target=body, daemon=True) for _ in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:5]
    assert c("GET", "counter") == str(nthreads * per_thread).encode()


def test_incr_many_keys_concurrently(server, c):
    keys = ["ctr%d" % i for i in range(16)]
    errors = []

    def body(tid):
        cl = RespClient(server.host, server.port)
        try:
            for rnd in range(100):
                replies = cl.pipeline([("INCR", k) for k in keys])
                if not all(isinstance(x, int) for x in replies):
                    errors.append(replies)
                    return
        except Exception as e:
            errors.append(repr(e))
        finally:
            cl.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:5]
    assert c("MGET", *keys) == [b"600"] * len(keys)


def test_setnx_lock_single_winner(server, c):
    rounds = 30
    nthreads = 6
    barrier = threading.Barrier(nthreads, timeout=10)
    wins = [[0] * nthreads for _ in range(rounds)]
    errors = []

    def body(tid):
        cl = RespClient(server.host, server.port)
        try:
            for rnd in range(rounds):
                barrier.wait()
                wins[rnd][tid] = cl("SETNX", "lock%d" % rnd, str(tid))
        except Exception as e:
            errors.append(repr(e))
            barrier.abort()
        finally:
            cl.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:5]
    for rnd in range(rounds):
        assert sum(wins[rnd]) == 1, wins[rnd]
        winner = wins[rnd].index(1)
        assert c("GET", "lock%d" % rnd) == str(winner).encode()


def test_append_concurrent(server, c):
    nthreads, per_thread = 4, 250
    errors = []

    def body(tid):
        cl = RespClient(server.host, server.port)
        try:
            for _ in range(per_thread):
                cl("APPEND", "log", chr(ord("a") + tid))
        except Exception as e:
            errors.append(repr(e))
        finally:
            cl.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    val = c("GET", "log")
    assert len(val) == nthreads * per_thread
    for tid in range(nthreads):
        assert val.count(bytes([ord("a") + tid])) == per_thread


def test_flushall_while_writing(server, c):
    """FLUSHALL racing with writers must not crash or leave the server wedged."""
    w = Workers(server)

    def writer(cl, n):
        a = []
        for k in KEYS:
            a += [k, str(n)]
        assert cl("MSET", *a) == "OK"
        vals = cl("MGET", *KEYS)
        # a FLUSHALL may interleave, but neither it nor an MSET may ever be seen half done:
        # every key missing (flushed since) or every key from one MSET
        present = set(v for v in vals if v is not None)
        assert len(present) <= 1, "MGET saw a torn MSET: %r" % vals
        assert vals.count(None) in (0, len(vals)), "MGET saw a torn FLUSHALL/MSET: %r" % vals

    def flusher(cl, n):
        assert cl("FLUSHALL") == "OK"
        time.sleep(0.01)

    for i in range(3):
        w.add("writer%d" % i, writer)
    w.add("flusher", flusher)
    w.run(duration=1.5)
    assert c("PING") == "PONG"
    assert c("FLUSHALL") == "OK"
    assert c("DBSIZE") == 0


def test_set_algebra_in_place_is_atomic(server, c):
    """SINTER/SUNION/SDIFF/SINTERCARD and SUNIONSTORE over sets on several shards, each too large
    to be copied (so Shoal holds the shards and reads them where they lie), while SMOVE writers
    move tokens between them: every read sees each token in exactly one set, and ZUNION/ZINTER
    over the same keys agree."""
    src, dst, out = KEYS[0], KEYS[1], KEYS[2]
    filler_src = ["s%d" % i for i in range(200)]
    filler_dst = ["d%d" % i for i in range(200)]
    tokens = ["t%d" % i for i in range(8)]
    assert c("SADD", src, *(filler_src + tokens)) == 208
    assert c("SADD", dst, *filler_dst) == 200
    every = sorted(m.encode() for m in filler_src + filler_dst + tokens)
    w = Workers(server)

    def mover(i):
        def fn(cl, n):
            tok = tokens[(i + n) % len(tokens)]
            a, z = (src, dst) if n % 2 == 0 else (dst, src)
            assert cl("SMOVE", a, z, tok) in (0, 1)
        return fn

    def reader(cl, n):
        union = cl("SUNION", src, dst)
        assert sorted(union) == every, "missing: %r" % sorted(set(every) - set(union))
        assert cl("SINTER", src, dst) == []
        assert cl("SINTERCARD", "2", src, dst) == 0
        assert len(cl("SDIFF", src, dst)) >= len(filler_src)
        assert cl("SUNIONSTORE", out, src, dst) == len(every)
        assert cl("ZINTER", "2", src, dst) == []
        assert len(cl("ZUNION", "2", src, dst)) == len(every)

    for i in range(3):
        w.add("mover%d" % i, mover(i))
    for i in range(2):
        w.add("reader%d" % i, reader)
    w.run()
    assert sorted(c("SMEMBERS", src) + c("SMEMBERS", dst)) == every
    assert sorted(c("SMEMBERS", out)) == every


def test_multi_shard_writes_are_seen_whole_and_in_order(server, c):
    """One writer sets every key to n, n = 1, 2, ..., alternating MSET and MULTI/SET.../EXEC (no
    WATCH: Shoal arms each shard and runs its part in one message, then releases the shards
    without waiting). A reader that GETs the keys one by one never sees a later key older than an
    earlier one (nothing is visible before every shard has run its part), and a reader's
    MULTI/GET.../EXEC sees one n on every key."""
    args = []
    for k in KEYS:
        args += [k, "0"]
    assert c("MSET", *args) == "OK"
    w = Workers(server)

    def writer(cl, n):
        val = str(n + 1)
        if n % 2 == 0:
            a = []
            for k in KEYS:
                a += [k, val]
            assert cl("MSET", *a) == "OK"
        else:
            assert cl("MULTI") == "OK"
            for k in KEYS:
                assert cl("SET", k, val) == "QUEUED"
            assert cl("EXEC") == ["OK"] * len(KEYS)

    def one_by_one(order):
        def fn(cl, n):
            seen = [int(cl("GET", k)) for k in order]
            assert seen == sorted(seen), "GETs saw an older value after a newer one: %r" % seen
        return fn

    def in_exec(cl, n):
        assert cl("MULTI") == "OK"
        for k in KEYS:
            assert cl("GET", k) == "QUEUED"
        vals = cl("EXEC")
        assert len(set(vals)) == 1, "EXEC saw a torn write: %r" % vals

    w.add("writer", writer)
    w.add("forward", one_by_one(KEYS))
    w.add("backward", one_by_one(KEYS[::-1]))
    w.add("exec", in_exec)
    w.run()
    final = c("MGET", *KEYS)
    assert len(set(final)) == 1 and int(final[0]) > 0
