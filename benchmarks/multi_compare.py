#!/usr/bin/python3
"""MULTI/EXEC side by side: Shoal vs Redis 7.0.

Each transaction is MULTI; SET k1 v; INCR k2; GET k3; EXEC (or MSET k1 v k2 v k3 v, across
shards), sent by several client processes, each pipelining a batch of transactions per write.
Two cases:
  * same shard:   k1 k2 k3 share a {tag} (one shard on Shoal: the EXEC runs as one message or
                  inline);
  * cross shard:  k1 k2 k3 live on different Shoal shards (one armed transaction over them).
For each case and server the script reports transactions per second and transactions per server
CPU-second (utime+stime from /proc, the figure that holds up on a small shared machine where the
load generator competes for the cores), medians over alternating rounds (shoal, redis, ...).

Only ever connects to 127.0.0.1; standard library only; every server is stopped at the end.

  /usr/bin/python3 benchmarks/multi_compare.py --quick            # ~20 s
  /usr/bin/python3 benchmarks/multi_compare.py --out /tmp/multi.md  # ~2 minutes
  /usr/bin/python3 benchmarks/multi_compare.py --baseline /tmp/old/shoal-server  # + an older build
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "integration"))
import compare  # noqa: E402  (same folder: Client, Server, cpu_seconds, encode)
from shoal_keys import shard_of  # noqa: E402  (Redis Cluster's key slot, Shoal's shard)

REPO = compare.REPO


def keys_for(case, shards):
    if case == "same shard":
        return ["{t}k1", "{t}k2", "{t}k3"]
    out, i = [], 0
    want = min(3, shards)
    while len(out) < 3:
        k = "x%d" % i
        used = {shard_of(o, shards) for o in out}
        if shard_of(k, shards) not in used or len(used) >= want:
            out.append(k)
        i += 1
    return out


def pipelined(c, one, replies, batch, seconds, q):
    """Sends `one` (a request of `replies` replies) `batch` times per write on client c until
    `seconds` have passed, reads every reply, closes c and puts the number of requests on q."""
    payload = one * batch
    done = 0
    end = time.time() + seconds
    while time.time() < end:
        c.sock.sendall(payload)
        for _ in range(batch * replies):
            c.read_reply()
        done += batch
    c.close()
    q.put(done)


def worker(port, keys, batch, seconds, q):
    one = (compare.encode("MULTI") + compare.encode("SET", keys[0], "v" * 32) +
           compare.encode("INCR", keys[1]) + compare.encode("GET", keys[2]) +
           compare.encode("EXEC"))
    pipelined(compare.Client(port), one, 5, batch, seconds, q)  # +OK, +QUEUED x3, the EXEC array


def mset_worker(port, keys, batch, seconds, q):
    """MSET of the three keys (one armed transaction over their shards on Shoal)."""
    one = compare.encode("MSET", *[x for k in keys for x in (k, "v" * 32)])
    pipelined(compare.Client(port), one, 1, batch, seconds, q)


def run(server, keys, a, work=None):
    """a.clients processes run work(port, keys, batch, seconds, queue) (default: the EXEC worker);
    returns (ops/s, ops per server CPU-second)."""
    work = work or worker
    q = multiprocessing.Queue()
    cpu0 = compare.cpu_seconds(server.pid)
    t0 = time.time()
    procs = [multiprocessing.Process(target=work, args=(server.port, keys, a.batch, a.seconds, q))
             for _ in range(a.clients)]
    for p in procs:
        p.start()
    total = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    elapsed = time.time() - t0
    cpu = compare.cpu_seconds(server.pid) - cpu0
    server.check_alive()
    return total / elapsed, total / cpu if cpu > 0 else float("nan")


def shoal_server(name, binary, shards, workdir):
    """A compare.Server for shoal-server `binary` with `shards` shards, not started."""
    return compare.Server(name, lambda p: [binary, "--port", str(p), "--bind", compare.HOST,
                                           "--shards", str(shards), "--loglevel", "warning",
                                           "--save", ""], workdir)


def servers(a, prefix):
    """Shoal (a.shoal, a.shards shards) and Redis (a.redis_server) as compare.Server objects, not
    started, sharing one temporary folder."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    shoal = shoal_server("shoal", a.shoal, a.shards, tmp)
    redis = compare.Server("redis", lambda p: [a.redis_server, "--port", str(p), "--bind",
                                               compare.HOST, "--save", "", "--appendonly", "no"],
                           tmp)
    return shoal, redis


def side_by_side(a, cases, work, unit):
    """Starts Shoal (a.shards), Redis and, with --baseline, the older Shoal binary; runs `work`
    for each (case, keys) in alternating rounds; returns [(case, {"shoal": (ops/s, ops/CPU-s),
    "redis": ..., "base": ...})] with medians."""
    shoal, redis = servers(a, "side-by-side-")
    named = [("shoal", shoal), ("redis", redis)]
    if a.baseline:
        named.append(("base", shoal_server("base", a.baseline, a.shards, shoal.workdir)))
    rows = []
    try:
        for _, srv in named:
            srv.start()
        for case, keys in cases:
            res = {name: [] for name, _ in named}
            for _ in range(a.rounds):
                for name, srv in named:
                    compare.Client(srv.port).call("FLUSHALL")
                    res[name].append(run(srv, keys, a, work))
                    compare.log("%s %s: %.0f %s/s, %.0f %s/CPU-s" % (
                        case, name, res[name][-1][0], unit, res[name][-1][1], unit))
            med = {n: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
                   for n, v in res.items()}
            rows.append((case, med))
    finally:
        for _, srv in named:
            srv.stop()
    return rows


def report(a, rows, title, unit, label):
    """Prints (and writes to a.out) the side-by-side table of side_by_side's rows; `label` is
    the row label with {} for the case."""
    header = [title, "Shoal %s/s" % unit, "Redis %s/s" % unit, "ratio",
              "Shoal %s/CPU-s" % unit, "Redis %s/CPU-s" % unit, "ratio"]
    with_base = any("base" in med for _, med in rows)
    if with_base:
        header += ["base %s/s" % unit, "base %s/CPU-s" % unit, "Shoal/base per CPU-s"]
    table = []
    for case, med in rows:
        s, r = med["shoal"], med["redis"]
        row = [label.format(case), "%.0f" % s[0], "%.0f" % r[0],
               "**%.2f**" % (s[0] / r[0]), "%.0f" % s[1], "%.0f" % r[1],
               "**%.2f**" % (s[1] / r[1])]
        if with_base:
            b = med["base"]
            row += ["%.0f" % b[0], "%.0f" % b[1], "**%.2f**" % (s[1] / b[1])]
        table.append(row)
    text = compare.markdown_table(header, table)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


def common_args(ap, batch_default, batch_help):
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batch", type=int, default=batch_default, help=batch_help)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--baseline", help="an older shoal-server binary, run in the same alternation")
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--out")
    a = ap.parse_args()
    a.seconds = a.seconds or (2.0 if a.quick else 5.0)
    a.rounds = a.rounds or (1 if a.quick else 3)
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a = common_args(ap, 16, "transactions per write (pipeline)")
    cases = [(case, keys_for(case, a.shards)) for case in ("same shard", "cross shard")]
    rows = side_by_side(a, cases, worker, "tx")
    rows += [("MSET " + case, med) for case, med in
             side_by_side(a, [("cross shard", keys_for("cross shard", a.shards))], mset_worker,
                          "tx")]
    report(a, rows, "EXEC of SET+INCR+GET; MSET of 3 keys", "tx",
           "%s (%d shards)" % ("{}", a.shards))

if __name__ == "__main__":
    main()
