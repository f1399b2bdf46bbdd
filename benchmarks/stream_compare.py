#!/usr/bin/python3
"""Streams: Shoal vs Redis 7.0 side by side (memory per entry and throughput).

Memory: one stream of N entries (XADD s * f1 <8 bytes> f2 <8 bytes>, pipelined), bytes per entry
from the RSS delta of a freshly started server; the same with 1000 streams of N/1000 entries.

Throughput (ratios of ops per second and of ops per server CPU-second, utime+stime from /proc):
  * XADD to one stream, and to 100k streams (`__rand_int__` keys), with redis-benchmark;
  * XREADGROUP + XACK: a stream of M entries drained by one consumer reading COUNT 100 at a time
    and acknowledging each batch (entries consumed per second, per server CPU-second).

  /usr/bin/python3 benchmarks/stream_compare.py --quick      # smoke run, < 1 minute
  /usr/bin/python3 benchmarks/stream_compare.py --out stream_results.md
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from collection_compare import bench, cmd, ratio_row, send_all, server_pair  # noqa: E402
from compare import REPO, Client, cpu_seconds, log, markdown_table, rss_bytes  # noqa: E402

XADD_TESTS = [("XADD 1 stream", ["xadd", "bench:s", "*", "f", "__rand_int__"]),
              ("XADD 100k streams", ["xadd", "bench:s:__rand_int__", "*", "f", "v"])]


def stream_memory(server, entries, streams):
    server.start()
    try:
        time.sleep(0.3)
        rss0 = rss_bytes(server.pid)
        per = entries // streams
        send_all(server.port, [cmd("XADD", "s:%d" % (i % streams), "*", "f1", "%08d" % i, "f2",
                                   "%08d" % (i * 7)) for i in range(per * streams)])
        time.sleep(0.5)
        rss1 = rss_bytes(server.pid)
        server.check_alive()
    finally:
        server.stop()
    return (rss1 - rss0) / (per * streams)


def drain_group(server, entries):
    """Fills a stream, then one consumer reads it through a group, COUNT 100, XACK per batch."""
    c = Client(server.port, timeout=120)
    try:
        c.call("DEL", "bench:q")
        send_all(server.port, [cmd("XADD", "bench:q", "*", "f", "%08d" % i)
                               for i in range(entries)])
        c.call("XGROUP", "CREATE", "bench:q", "g", "0")
        cpu0, t0, done = cpu_seconds(server.pid), time.time(), 0
        while True:
            reply = c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "100", "STREAMS", "bench:q",
                           ">")
            if not reply:
                break
            ids = [e[0] for e in reply[0][1]]
            if not ids:
                break
            assert c.call("XACK", "bench:q", "g", *ids) == len(ids)
            done += len(ids)
        secs, cpu = time.time() - t0, cpu_seconds(server.pid) - cpu0
        assert done == entries, (done, entries)
        return {"ops_s": done / secs, "cpu": cpu, "ops": done}
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10%% data, fewer requests, 1 round")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--entries", type=int, default=1000000, help="memory test entries")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--out", help="also write the tables as markdown to this file")
    a = ap.parse_args()
    if a.quick:
        a.entries, a.requests, a.rounds = a.entries // 10, 20000, 1
    pipelines = [int(p) for p in a.pipelines.split(",")]
    compare.raise_on_signals()

    workdir = tempfile.mkdtemp(prefix="shoal-streams-")
    redis, shoal = server_pair(a, workdir)
    md = []
    try:
        rows = []
        for streams in (1, 1000):
            per = {s.name: stream_memory(s, a.entries, streams) for s in (shoal, redis)}
            name = "%d stream(s), %dk entries" % (streams, a.entries // 1000)
            log("  memory %-28s shoal %.1f B  redis %.1f B" % (name, per[shoal.name],
                                                             per[redis.name]))
            rows.append([name, "%.1f" % per[shoal.name], "%.1f" % per[redis.name],
                         "%.2f" % (per[shoal.name] / per[redis.name])])
        md.append("Memory, bytes per stream entry (2 fields of 8-byte values, RSS delta):\n")
        md.append(markdown_table(["dataset", "shoal B/entry", "redis B/entry", "shoal/redis"],
                                 rows))

        for s in (shoal, redis):
            s.start()
        rows = []
        for pipeline in pipelines:
            n = a.requests * (5 if pipeline > 1 else 1)
            for name, targs in XADD_TESTS:
                runs = {shoal.name: [], redis.name: []}
                for _ in range(a.rounds):
                    for s in (shoal, redis):
                        flush = Client(s.port)
                        flush.call("FLUSHALL")
                        flush.close()
                        r = bench(s, a.redis_benchmark, targs, n, pipeline, a.clients)
                        runs[s.name].append(r)
                        log("  P=%-2d %-18s %-16s %10.0f ops/s  %.0f ops/cpu-s" % (
                            pipeline, name, s.name, r["ops_s"], r["ops"] / r["cpu"]))
                rows.append(ratio_row(name, pipeline, runs[shoal.name], runs[redis.name]))
        runs = {shoal.name: [], redis.name: []}
        for _ in range(a.rounds):
            for s in (shoal, redis):
                r = drain_group(s, a.requests)
                runs[s.name].append(r)
                log("  XREADGROUP+XACK %-16s %10.0f entries/s  %.0f entries/cpu-s" % (
                    s.name, r["ops_s"], r["ops"] / r["cpu"]))
        rows.append(ratio_row("XREADGROUP COUNT 100 + XACK", 1, runs[shoal.name],
                              runs[redis.name]))
        md.append("\nThroughput (redis-benchmark, %d clients; the group drain: one client), "
                  "%s vs redis-server 7.0:\n" % (a.clients, shoal.name))
        md.append(markdown_table(["test", "P", "shoal ops/s", "redis ops/s", "ops/s ratio",
                                  "ops per CPU-s ratio"], rows))
    finally:
        for s in (shoal, redis):
            s.stop()
    compare.write_report("\n".join(md), a.out, None, None)


if __name__ == "__main__":
    main()
