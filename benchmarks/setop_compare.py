#!/usr/bin/python3
"""Set algebra across shards, side by side: Shoal (and an optional older Shoal) vs redis-server 7.0.

Two parts, each server on a fresh process, servers alternating per round:

  * latency: one set and one sorted set of --big members ("m0".."m<big-1>") and small ones of 10
    members, the small ones on the big ones' shard and on another shard (Shoal's shard = Redis Cluster's key
    slot mod --shards). Each command below is called --calls times over one connection; the
    median and the longest call are reported, and how far the server's peak RSS (VmHWM) rose
    above its RSS after loading (a command that copies the big set shows up there):
      SINTER small big, SINTERCARD 2 small big, SDIFF small big, SINTERSTORE dst small big,
      and the same with ZINTER, ZINTERCARD, ZDIFF, ZINTERSTORE
    (the smallest-first walk of Redis costs what the small set costs; dst is on the other shard,
    so every STORE spans two shards);
  * throughput: redis-benchmark, 50 clients, pipeline 1, --requests requests each of
    `SINTER a b` and `SUNIONSTORE d a b` over two 10-member sets on different shards: ops/s and
    ops per server CPU-second.

Only connects to 127.0.0.1. Standard library plus redis-benchmark.

  /usr/bin/python3 benchmarks/setop_compare.py                       # ~1 minute
  /usr/bin/python3 benchmarks/setop_compare.py --baseline /tmp/base/shoal-server --rounds 3
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import collection_compare  # noqa: E402  (send_all)
import compare  # noqa: E402  (Client, Server, cpu_seconds, run_cmd, markdown_table, ...)
from shoal_keys import shard_of  # noqa: E402  (Redis Cluster's key slot mod N: Shoal's shard)

log = compare.log
LATENCY_CMDS = ("SINTER", "SINTERCARD", "SDIFF", "SINTERSTORE",
                "ZINTER", "ZINTERCARD", "ZDIFF", "ZINTERSTORE")


def key_on(prefix, shard, shards):
    """The first key prefix<i> on `shard` of a `shards`-shard Shoal."""
    i = 0
    while shard_of("%s%d" % (prefix, i), shards) != shard:
        i += 1
    return "%s%d" % (prefix, i)


def load_big(port, key, zkey, members):
    cmds = []
    for i in range(0, members, 1000):
        part = range(i, min(members, i + 1000))
        cmds.append(compare.encode("SADD", key, *["m%d" % j for j in part]))
        cmds.append(compare.encode("ZADD", zkey, *[x for j in part for x in (j, "m%d" % j)]))
    collection_compare.send_all(port, cmds, batch=16)


def latency_part(server, args, keys):
    big, small_same, small_other, dst = keys
    zbig = "{%s}z" % big  # the big set's shard (the hash tag)
    load_big(server.port, big, zbig, args.big)
    c = compare.Client(server.port, timeout=120)
    out = {}
    try:
        small = ["m%d" % i for i in range(0, 20, 2)]
        for k in (small_same, small_other):
            c.call("SADD", k, *small)
            c.call("ZADD", "{%s}z" % k, *[x for i, m in enumerate(small) for x in (i, m)])
        rss0 = compare.rss_bytes(server.pid)
        for where, sk in (("same shard", small_same), ("other shard", small_other)):
            zs = "{%s}z" % sk
            for name in LATENCY_CMDS:
                argv = {"SINTER": ("SINTER", sk, big), "SINTERCARD": ("SINTERCARD", "2", sk, big),
                        "SDIFF": ("SDIFF", sk, big),
                        "SINTERSTORE": ("SINTERSTORE", dst, sk, big),
                        "ZINTER": ("ZINTER", "2", zs, zbig),
                        "ZINTERCARD": ("ZINTERCARD", "2", zs, zbig),
                        "ZDIFF": ("ZDIFF", "2", zs, zbig),
                        "ZINTERSTORE": ("ZINTERSTORE", "{%s}z" % dst, "2", zs, zbig)}[name]
                times = []
                for _ in range(args.calls):
                    t0 = time.perf_counter()
                    c.call(*argv)
                    times.append((time.perf_counter() - t0) * 1e3)
                out[(where, name)] = (statistics.median(times), max(times))
        out["rss_rise_mb"] = max(0, compare.rss_bytes(server.pid, "VmHWM") - rss0) / 1e6
    finally:
        c.close()
    server.check_alive()
    return out


def throughput_part(server, args, keys):
    a, b, d = keys
    c = compare.Client(server.port)
    try:
        c.call("DEL", a, b, d)
        c.call("SADD", a, *["m%d" % i for i in range(10)])
        c.call("SADD", b, *["m%d" % i for i in range(5, 15)])
    finally:
        c.close()
    out = {}
    for name, argv in (("SINTER", ["SINTER", a, b]), ("SUNIONSTORE", ["SUNIONSTORE", d, a, b])):
        cpu0 = compare.cpu_seconds(server.pid)
        text = compare.run_cmd([args.redis_benchmark, "-h", compare.HOST, "-p", str(server.port),
                                "-c", "50", "-P", "1", "-n", str(args.requests), "--csv",
                                "--precision", "3"] + argv)
        cpu = compare.cpu_seconds(server.pid) - cpu0
        rps = next(iter(compare.parse_rb_csv(text).values()))["rps"]
        out[name] = (rps, args.requests / cpu if cpu > 0 else float("nan"))
        server.check_alive()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    p.add_argument("--baseline", help="an older shoal-server binary, run in the same alternation")
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark",
                   default=shutil.which("redis-benchmark") or "redis-benchmark")
    p.add_argument("--shards", type=int, default=2)
    p.add_argument("--big", type=int, default=1000000, help="members of the big set")
    p.add_argument("--calls", type=int, default=30, help="calls per latency command")
    p.add_argument("--requests", type=int, default=100000, help="requests per throughput run")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out")
    args = p.parse_args()
    if args.shards < 2:
        p.error("--shards must be at least 2 (keys on different shards)")
    compare.raise_on_signals()

    lat_keys = (key_on("big", 0, args.shards), key_on("small", 0, args.shards),
                key_on("small", 1, args.shards), key_on("dst", 1, args.shards))
    tp_keys = (key_on("a", 0, args.shards), key_on("b", 1, args.shards),
               key_on("d", 0, args.shards))
    workdir = tempfile.mkdtemp(prefix="shoal-setop-")
    shoal_argv = lambda binary: lambda port: [binary, "--port", str(port), "--bind", compare.HOST,  # noqa: E731
                                              "--shards", str(args.shards), "--save", ""]
    servers = [("shoal --shards %d" % args.shards, shoal_argv(args.shoal))]
    if args.baseline:
        servers.append(("shoal --shards %d (baseline)" % args.shards, shoal_argv(args.baseline)))
    servers.append(("redis 7.0", lambda port: [args.redis_server, "--port", str(port), "--bind",
                                               compare.HOST, "--save", "", "--appendonly", "no"]))
    results = {name: [] for name, _ in servers}
    try:
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for name, argv_fn in order:
                srv = compare.Server(name, argv_fn, workdir).start()
                try:
                    lat = latency_part(srv, args, lat_keys)
                    tp = throughput_part(srv, args, tp_keys)
                finally:
                    srv.stop()
                results[name].append((lat, tp))
                log("round %d %s: SINTER other shard %.3f ms, rise %.0f MB, SINTER %.0f ops/s" %
                    (rnd + 1, name, lat[("other shard", "SINTER")][0], lat["rss_rise_mb"],
                     tp["SINTER"][0]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def med(xs):
        return statistics.median(xs)

    lines = ["Set algebra, %d-member set and 10-member sets; Shoal --shards %d; medians of %d "
             "rounds (latency: median / longest of %d calls, ms)." %
             (args.big, args.shards, args.rounds, args.calls), ""]
    header = ["command", "small set on"] + [n for n, _ in servers]
    rows = []
    for where in ("same shard", "other shard"):
        for name in LATENCY_CMDS:
            row = [name, where]
            for sname, _ in servers:
                runs = results[sname]
                row.append("%.3f / %.3f" % (med([r[0][(where, name)][0] for r in runs]),
                                            med([r[0][(where, name)][1] for r in runs])))
            rows.append(row)
    rows.append(["peak RSS rise (MB)", ""] +
                ["%.0f" % med([r[0]["rss_rise_mb"] for r in results[n]]) for n, _ in servers])
    lines.append(compare.markdown_table(header, rows))
    lines += ["", "Two 10-member sets on different shards, redis-benchmark -c 50 -P 1 "
              "(ops/s; ops per server CPU-second):", ""]
    rows = []
    for cmd in ("SINTER", "SUNIONSTORE"):
        row = [cmd]
        for sname, _ in servers:
            runs = results[sname]
            row.append("%s; %s" % (compare.fmt_int(med([r[1][cmd][0] for r in runs])),
                                   compare.fmt_int(med([r[1][cmd][1] for r in runs]))))
        rows.append(row)
    lines.append(compare.markdown_table(["command"] + [n for n, _ in servers], rows))
    compare.write_report("\n".join(lines), args.out, None, None)


if __name__ == "__main__":
    main()
