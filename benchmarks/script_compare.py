#!/usr/bin/python3
"""Lua scripts side by side: Shoal vs Redis 7.0.

EVALSHA of a small script, sent by several client processes, each pipelining a batch of calls
per write (--batch 1 is pipeline 1). Two cases:
  * one shard:  INCR + EXPIRE of one key (each client its own key; on Shoal the run is one message
                on the key's shard, or inline on the connection's own shard);
  * two shards: INCR of two declared keys on different Shoal shards + EXPIRE of both (an armed
                transaction lending both shards' data to the coordinator).
For each case and server: calls per second and calls per server CPU-second (utime+stime from
/proc, the figure that holds up on a small shared machine), medians over alternating rounds.

Only ever connects to 127.0.0.1; standard library only; every server is stopped at the end.

  /usr/bin/python3 benchmarks/script_compare.py --quick                 # ~20 s
  /usr/bin/python3 benchmarks/script_compare.py --shards 1 --batch 16   # one shard, pipeline 16
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
import multi_compare  # noqa: E402  (run: worker processes and CPU-seconds; keys_for)

SCRIPT = ("local n = 0 for i, k in ipairs(KEYS) do n = n + redis.call('incr', k) "
          "redis.call('expire', k, ARGV[1]) end return n")


def worker(port, keys, batch, seconds, q):
    c = compare.Client(port)
    sha = c.call("SCRIPT", "LOAD", SCRIPT)
    if isinstance(sha, bytes):
        sha = sha.decode()
    one = compare.encode("EVALSHA", sha, str(len(keys)), *keys, "1000")
    payload = one * batch
    done = 0
    end = time.time() + seconds
    while time.time() < end:
        c.sock.sendall(payload)
        for _ in range(batch):
            c.read_reply()
        done += batch
    c.close()
    q.put(done)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1, help="calls per write (pipeline)")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--out")
    a = ap.parse_args()
    a.seconds = a.seconds or (2.0 if a.quick else 5.0)
    a.rounds = a.rounds or (1 if a.quick else 3)
    work = tempfile.mkdtemp(prefix="script-bench-")
    shoal = compare.Server("shoal", lambda p: [a.shoal, "--port", str(p), "--bind", compare.HOST,
                                               "--shards", str(a.shards), "--loglevel", "warning"],
                           work)
    redis = compare.Server("redis", lambda p: [a.redis_server, "--port", str(p), "--bind",
                                               compare.HOST, "--save", "", "--appendonly", "no"],
                           work)
    cases = [("one shard", ["{t}k1"])]
    if a.shards > 1:
        cases.append(("two shards", multi_compare.keys_for("cross shard", 2)[:2]))
    rows = []
    try:
        shoal.start()
        redis.start()
        for case, keys in cases:
            res = {"shoal": [], "redis": []}
            for _ in range(a.rounds):
                for name, srv in (("shoal", shoal), ("redis", redis)):
                    compare.Client(srv.port).call("FLUSHALL")
                    res[name].append(multi_compare.run(srv, keys, a, worker))
                    compare.log("%s %s: %.0f calls/s, %.0f calls/CPU-s" % (case, name,
                                                                          *res[name][-1]))
            med = {n: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
                   for n, v in res.items()}
            rows.append((case, med))
    finally:
        shoal.stop()
        redis.stop()
    header = ["EVALSHA (INCR+EXPIRE per key)", "Shoal calls/s", "Redis calls/s", "ratio",
              "Shoal calls/CPU-s", "Redis calls/CPU-s", "ratio"]
    table = []
    for case, med in rows:
        s, r = med["shoal"], med["redis"]
        table.append(["%s (%d shards, pipeline %d)" % (case, a.shards, a.batch), "%.0f" % s[0],
                      "%.0f" % r[0], "**%.2f**" % (s[0] / r[0]), "%.0f" % s[1], "%.0f" % r[1],
                      "**%.2f**" % (s[1] / r[1])])
    text = compare.markdown_table(header, table)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
