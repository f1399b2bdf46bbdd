#!/usr/bin/python3
"""The AOF side by side: Shoal vs Redis 7.0, appendfsync always / everysec / no.

For each policy, each server starts with `appendonly yes` in its own temporary folder and runs a
redis-benchmark SET load (32-byte values over --keys keys, 50 clients) at pipeline 1 and 16;
reported: ops/s, p99 and ops per server CPU-second, alternating the two servers --rounds times
(the median is shown). Then, with appendfsync everysec, the time of BGREWRITEAOF on the keys
written and of the restart that replays the AOF (base + incr), checked by DBSIZE.

Only ever binds 127.0.0.1; standard library plus redis-benchmark; every server is stopped at the
end. Reports ratios (Shoal / Redis) in a markdown table.

  /usr/bin/python3 benchmarks/aof_compare.py --shards 2 --out /tmp/aof.md
  /usr/bin/python3 benchmarks/aof_compare.py --quick
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import snapshot_compare as snap  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(port, nkeys, requests, pipeline):
    """redis-benchmark SET: (ops/s, p99 ms)."""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(nkeys),
                          "-d", "32", "-P", str(pipeline), "-c", "50", "-n", str(requests)],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"throughput summary: ([\d.]+) requests per second", out).group(1))
    lat = re.search(r"\s*avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+"
                    r"([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    return rps, float(lat.group(5))


def wait_rewrite(port):
    while True:
        p = snap.info(port, "persistence")
        if p.get("aof_rewrite_in_progress") == "0" and p.get("aof_rewrite_scheduled") == "0":
            return
        time.sleep(0.02)


def load_run(name, argv_fn, policy, nkeys, requests, pipeline):
    """One load on a fresh server: ops/s, p99, ops per server CPU-second."""
    workdir = tempfile.mkdtemp(prefix="aof-%s-" % name)
    srv = compare.Server(name, lambda p: argv_fn(p) + ["--appendfsync", policy], workdir)
    try:
        srv.start()
        cpu0 = compare.cpu_seconds(srv.pid)
        rps, p99 = bench(srv.port, nkeys, requests, pipeline)
        cpu = compare.cpu_seconds(srv.pid) - cpu0
        return rps, p99, requests / cpu if cpu > 0 else float("nan")
    finally:
        srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def rewrite_and_load(name, argv_fn, nkeys):
    """Keys written through the AOF, BGREWRITEAOF timed, more writes, restart timed."""
    workdir = tempfile.mkdtemp(prefix="aof-%s-" % name)
    # No automatic rewrite while filling: the one timed is BGREWRITEAOF's.
    srv = compare.Server(name, lambda p: argv_fn(p) + ["--appendfsync", "everysec",
                                                       "--auto-aof-rewrite-percentage", "0"],
                         workdir)
    r = {}
    try:
        srv.start()
        snap.fill(srv.port, nkeys)
        t0 = time.time()
        snap.call(srv.port, "BGREWRITEAOF")
        wait_rewrite(srv.port)
        r["rewrite_s"] = time.time() - t0
        snap.fill(srv.port, nkeys // 2)  # overwrites half the keys: the incr file holds them
        size = sum(os.path.getsize(os.path.join(workdir, "appendonlydir", f))
                   for f in os.listdir(os.path.join(workdir, "appendonlydir")))
        r["aof_mb"] = size / 1e6
        r["load_s"] = snap.restart_timed(srv, name, nkeys)
        return r
    finally:
        srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--requests", type=int, default=1000000,
                    help="per everysec/no run (always: a tenth)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="200k keys, 200k requests, 1 round")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or
                    "/usr/bin/redis-server")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.quick:
        a.keys, a.requests, a.rounds = 200000, 200000, 1
    servers = {
        "shoal": lambda p: [a.shoal, "--port", str(p), "--bind", compare.HOST, "--shards",
                            str(a.shards), "--save", "", "--loglevel", "warning",
                            "--appendonly", "yes"],
        "redis": lambda p: [a.redis_server, "--port", str(p), "--bind", compare.HOST, "--save",
                            "", "--appendonly", "yes"],
    }
    rows = []
    for policy in ("always", "everysec", "no"):
        for pipeline in (1, 16):
            requests = a.requests // 10 if policy == "always" else a.requests
            got = {"shoal": [], "redis": []}
            for _ in range(a.rounds):
                for name in ("redis", "shoal"):
                    compare.log("%s appendfsync %s -P %d" % (name, policy, pipeline))
                    got[name].append(load_run(name, servers[name], policy, a.keys, requests,
                                              pipeline))
            med = {n: [statistics.median(x[i] for x in got[n]) for i in range(3)] for n in got}
            s, r = med["shoal"], med["redis"]
            rows.append(["%s, -P %d" % (policy, pipeline), "%.0f" % s[0], "%.0f" % r[0],
                         "%.2f" % (s[0] / r[0]), "%.2f / %.2f" % (s[1], r[1]),
                         "%.2f" % (s[2] / r[2])])
    table = compare.markdown_table(
        ["SET load", "Shoal ops/s", "Redis ops/s", "ops/s ratio", "p99 ms (Shoal / Redis)",
         "ops per CPU-s ratio"], rows)
    print(table, flush=True)
    rw = {n: rewrite_and_load(n, servers[n], a.keys) for n in ("shoal", "redis")}
    table2 = compare.markdown_table(
        ["", "Shoal", "Redis 7.0", "Shoal / Redis"],
        [[label, "%.2f" % rw["shoal"][k], "%.2f" % rw["redis"][k],
          "%.2f" % (rw["shoal"][k] / rw["redis"][k])]
         for label, k in (("BGREWRITEAOF (s)", "rewrite_s"), ("AOF size (MB)", "aof_mb"),
                          ("restart, AOF replay (s)", "load_s"))])
    text = ("%d keys, 32-byte values, 50 clients, Shoal --shards %d, median of %d\n\n%s\n\n"
            "BGREWRITEAOF of the %d keys, then %d overwrites in the incr file, restart:\n\n%s"
            % (a.keys, a.shards, a.rounds, table, a.keys, a.keys // 2, table2))
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
