#!/usr/bin/python3
"""Collections: Shoal vs Redis 7.0 side by side (memory per element and throughput).

Memory (a fresh server per dataset, one at a time; bytes per element from the VmRSS delta):
  * 100k hashes of 10 fields    (HSET h:N f0 v.. f9 v..; 8-byte values)
  * 100k sets of 10 integers    (SADD s:N 10 ints)
  * 10k sorted sets of 100 members (ZADD z:N 100 score/member pairs, 10-byte members)
  * 1 list of 1M elements       (RPUSH in batches, 10-byte elements)

Throughput: redis-benchmark's built-in LPUSH, LPOP, HSET, SADD, ZADD tests, a ZRANGE
(0..9 of a 1000-member sorted set), a GEOSEARCH (the 10 nearest within 50 km, among 10k points
spread over 10 x 10 degrees), PFADD of random elements to a dense HyperLogLog and PFCOUNT of it
(the cached cardinality after the first call, recomputed after each PFADD run) run alternately
against both servers; ratio of ops per server
CPU-second (utime+stime from /proc, as compare.py), since on a small shared machine the load
generator competes with the server for cores.

  /usr/bin/python3 benchmarks/collection_compare.py --quick     # smoke run, < 1 minute
  /usr/bin/python3 benchmarks/collection_compare.py --out collection_results.md
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import (HOST, REPO, Client, Server, cpu_seconds, log, markdown_table,  # noqa: E402
                     parse_rb_csv, rss_bytes, run_cmd)


def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def send_all(port, commands, batch=1000):
    """Pipelines the commands in batches; an error reply raises RespError."""
    c = Client(port, timeout=120)
    try:
        for i in range(0, len(commands), batch):
            chunk = commands[i:i + batch]
            c.sock.sendall(b"".join(chunk))
            for _ in chunk:
                c.read_reply()
    finally:
        c.close()


def datasets(scale):
    n_hash, n_set, n_zset, n_list = (int(100000 * scale), int(100000 * scale),
                                     int(10000 * scale), int(1000000 * scale))
    hashes = [cmd("HSET", "h:%d" % i, *[x for f in range(10)
                                         for x in ("f%d" % f, "v%07d" % (i * 10 + f))])
              for i in range(n_hash)]
    sets = [cmd("SADD", "s:%d" % i, *[str(i * 10 + m) for m in range(10)]) for i in range(n_set)]
    zsets = [cmd("ZADD", "z:%d" % i, *[x for m in range(100)
                                        for x in (str(m * 1.5), "member%04d" % m)])
             for i in range(n_zset)]
    lists = [cmd("RPUSH", "biglist", *["e%09d" % j for j in range(i, min(i + 1000, n_list))])
             for i in range(0, n_list, 1000)]
    return [("%dk hashes x 10 fields" % (n_hash // 1000), hashes, n_hash * 10, "field"),
            ("%dk sets x 10 integers" % (n_set // 1000), sets, n_set * 10, "member"),
            ("%dk zsets x 100 members" % (n_zset // 1000), zsets, n_zset * 100, "member"),
            ("1 list x %dk elements" % (n_list // 1000), lists, n_list, "element")]


def memory_row(server, commands, elements):
    """Loads one dataset into a freshly started server; bytes per element from the RSS delta."""
    server.start()
    try:
        time.sleep(0.3)
        rss0 = rss_bytes(server.pid)
        send_all(server.port, commands)
        time.sleep(0.5)
        rss1 = rss_bytes(server.pid)
        server.check_alive()
    finally:
        server.stop()
    return (rss1 - rss0) / elements


BENCH_TESTS = [("LPUSH", ["-t", "lpush"]), ("LPOP", ["-t", "lpop"]), ("HSET", ["-t", "hset"]),
               ("SADD", ["-t", "sadd"]), ("ZADD", ["-t", "zadd"]),
               ("ZRANGE 0 9", ["zrange", "bench:zset", "0", "9"]),
               ("GEOSEARCH 50km", ["geosearch", "bench:geo", "FROMLONLAT", "13", "42", "BYRADIUS",
                                   "50", "km", "ASC", "COUNT", "10"]),
               ("PFADD", ["pfadd", "bench:hll", "__rand_int__"]),
               ("PFCOUNT", ["pfcount", "bench:hll"])]


def geo_points(n=10000):
    """GEOADD arguments: n points scattered (deterministically) over lon 8..18, lat 37..47."""
    out = []
    for i in range(n):
        lon = 8 + (i * 7919 % 10007) / 1000.7
        lat = 37 + (i * 104729 % 10009) / 1000.9
        out += ["%.6f" % lon, "%.6f" % lat, "g%d" % i]
    return out


def bench(server, rb, test_args, requests, pipeline, clients):
    argv = [rb, "-h", HOST, "-p", str(server.port), "-n", str(requests), "-c", str(clients),
            "-P", str(pipeline), "-r", "100000", "--csv"] + test_args
    cpu0 = cpu_seconds(server.pid)
    t0 = time.time()
    out = parse_rb_csv(run_cmd(argv))
    secs = time.time() - t0
    cpu = cpu_seconds(server.pid) - cpu0
    (res,) = out.values()
    return {"ops_s": res["rps"], "p99": res["p99"], "cpu": cpu, "ops": requests, "secs": secs}


def server_pair(a, workdir):
    """redis-server and Shoal (a.shards) from the command line's paths, neither saving."""
    redis = Server("redis 7.0", lambda p: [a.redis_server, "--port", str(p), "--bind", HOST,
                                           "--save", "", "--appendonly", "no", "--daemonize", "no",
                                           "--loglevel", "warning", "--dir", workdir], workdir)
    shoal = Server("shoal --shards %d" % a.shards,
                   lambda p: [a.shoal, "--port", str(p), "--bind", HOST, "--shards",
                              str(a.shards), "--loglevel", "warning", "--save", ""], workdir)
    return redis, shoal


def ratio_row(name, pipeline, shoal_runs, redis_runs):
    """A table row: median ops/s of each and the ratios of ops/s and of ops per server CPU-s."""
    def agg(v):
        return (statistics.median(x["ops_s"] for x in v),
                sum(x["ops"] for x in v) / sum(x["cpu"] for x in v))
    so, ro = agg(shoal_runs), agg(redis_runs)
    return [name, str(pipeline), "%.0f" % so[0], "%.0f" % ro[0], "%.2f" % (so[0] / ro[0]),
            "%.2f" % (so[1] / ro[1])]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10%% data, fewer requests, 1 round")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--out", help="also write the tables as markdown to this file")
    a = ap.parse_args()
    scale = 0.1 if a.quick else 1.0
    if a.quick:
        a.requests, a.rounds = 20000, 1
    pipelines = [int(p) for p in a.pipelines.split(",")]

    compare.raise_on_signals()

    workdir = tempfile.mkdtemp(prefix="shoal-collections-")
    redis, shoal = server_pair(a, workdir)
    servers = [redis, shoal]
    md = []
    try:
        if not a.skip_memory:
            rows = []
            for name, commands, elements, unit in datasets(scale):
                per = {}
                for s in (shoal, redis):
                    per[s.name] = memory_row(s, commands, elements)
                    log("  memory %-26s %-16s %.1f B/%s" % (name, s.name, per[s.name], unit))
                rows.append([name, "%.1f" % per[shoal.name], "%.1f" % per[redis.name],
                             "%.2f" % (per[shoal.name] / per[redis.name])])
            md.append("Memory, bytes per %s (RSS delta), %s vs redis-server 7.0:\n" % (
                "element", shoal.name))
            md.append(markdown_table(["dataset", "shoal B/elem", "redis B/elem", "shoal/redis"],
                                     rows))
        for s in servers if not a.skip_throughput else []:
            s.start()
            c = Client(s.port)
            try:
                c.call("FLUSHALL")
                c.call("ZADD", "bench:zset", *[x for m in range(1000)
                                                for x in (str(m), "member%04d" % m)])
                c.call("GEOADD", "bench:geo", *geo_points())
                c.call("PFADD", "bench:hll", *["e%d" % m for m in range(5000)])
            finally:
                c.close()
        rows = []
        for pipeline in pipelines if not a.skip_throughput else []:
            n = a.requests * (5 if pipeline > 1 else 1)
            for name, targs in BENCH_TESTS:
                runs = {shoal.name: [], redis.name: []}
                for _ in range(a.rounds):
                    for s in (shoal, redis):
                        r = bench(s, a.redis_benchmark, targs, n, pipeline, a.clients)
                        runs[s.name].append(r)
                        log("  P=%-2d %-11s %-16s %10.0f ops/s p99 %.3f ms  %.0f ops/cpu-s" % (
                            pipeline, name, s.name, r["ops_s"], r["p99"], r["ops"] / r["cpu"]))
                rows.append(ratio_row(name, pipeline, runs[shoal.name], runs[redis.name]))
        if rows:
            md.append("\nThroughput (redis-benchmark, %d clients), %s vs redis-server 7.0:\n"
                      % (a.clients, shoal.name))
            md.append(markdown_table(["test", "P", "shoal ops/s", "redis ops/s", "ops/s ratio",
                                      "ops per CPU-s ratio"], rows))
    finally:
        for s in servers:
            s.stop()
    compare.write_report("\n".join(md), a.out, None, None)


if __name__ == "__main__":
    main()
