#!/usr/bin/python3
"""What an ACL-restricted user costs: GET/SET as the default user against a restricted user.

Issue 15's target: a user whose commands and keys are checked on every command (here
`+get +set ~key:* resetchannels`, so both the command bitmap and the key patterns are consulted)
does GET/SET within 3% of the default user (which Shoal checks not at all: it is unrestricted).
Both users are measured on the same server, alternating (default, restricted, default, ...), with
redis-benchmark (-t get,set, 50 clients, 100k keys, pipeline 1 and 16, `--user`/`-a` for the
restricted user). The figure is ops per server CPU-second, restricted / default; Redis 7.0 is
measured the same way in the same run for reference.

  /usr/bin/python3 benchmarks/acl_compare.py --quick
  /usr/bin/python3 benchmarks/acl_compare.py --rounds 5 --out /tmp/acl.md
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (Client, Server, cpu_seconds, run_cmd, parse_rb_csv, ...)

log = compare.log
USER, PASS = "bench", "benchpass"
RULES = ["on", ">" + PASS, "+get", "+set", "~key:*", "resetchannels"]


def one_run(server, bench, requests, pipeline, as_user):
    argv = [bench, "-h", compare.HOST, "-p", str(server.port), "-t", "set,get", "-n",
            str(requests), "-c", "50", "-P", str(pipeline), "-r", "100000", "-d", "32", "--csv"]
    if as_user:
        argv += ["--user", USER, "-a", PASS]
    cpu0 = compare.cpu_seconds(server.pid)
    out = compare.run_cmd(argv)
    cpu = compare.cpu_seconds(server.pid) - cpu0
    res = compare.parse_rb_csv(out)
    server.check_alive()
    return {"ops_per_cpu": 2 * requests / cpu if cpu > 0 else 0.0,
            "get_rps": res["GET"]["rps"], "set_rps": res["SET"]["rps"]}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--requests", type=int, default=400000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--json")
    return ap.parse_args()


def main():
    a = parse_args()
    if a.quick:
        a.requests, a.rounds = 100000, 1
    compare.raise_on_signals()
    work = tempfile.mkdtemp(prefix="shoal-acl-")
    shoal = compare.Server("shoal", lambda p: [os.path.abspath(a.shoal), "--port", str(p), "--bind",
                                               compare.HOST, "--shards", str(a.shards),
                                               "--loglevel", "warning"], work)
    redis = compare.Server("redis", lambda p: [a.redis_server, "--port", str(p), "--bind",
                                               compare.HOST, "--save", "", "--appendonly", "no"],
                           work)
    results = {}
    try:
        for srv in (shoal, redis):
            srv.start()
            c = compare.Client(srv.port)
            c.call("ACL", "SETUSER", USER, *RULES)
            c.close()
        for pipeline in (1, 16):
            for rnd in range(a.rounds):
                for srv in (shoal, redis):
                    for as_user in (False, True):
                        key = (srv.name, pipeline, as_user)
                        r = one_run(srv, a.redis_benchmark, a.requests, pipeline, as_user)
                        results.setdefault(key, []).append(r)
                        log("%s P=%d %s round %d: %.0f ops/cpu-s" %
                            (srv.name, pipeline, "restricted" if as_user else "default", rnd,
                             r["ops_per_cpu"]))
    finally:
        shoal.stop()
        redis.stop()
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for name in ("shoal", "redis"):
        for pipeline in (1, 16):
            d = statistics.median(r["ops_per_cpu"] for r in results[(name, pipeline, False)])
            u = statistics.median(r["ops_per_cpu"] for r in results[(name, pipeline, True)])
            rows.append([name, str(pipeline), compare.fmt_int(d), compare.fmt_int(u),
                         "%.3f" % (u / d if d else 0)])
    text = ("ACL check cost: GET+SET ops per server CPU-second, default user vs `%s` "
            "(redis-benchmark, 50 clients, %d requests per test, median of %d rounds)\n\n" %
            (" ".join(RULES[2:]), a.requests, a.rounds))
    text += compare.markdown_table(["server", "pipeline", "default", "restricted",
                                    "restricted / default"], rows)
    compare.write_report(text, a.out, a.json, {"%s P%d %s" % (k[0], k[1], "user" if k[2] else
                                                              "default"): v
                                               for k, v in results.items()})


if __name__ == "__main__":
    main()
