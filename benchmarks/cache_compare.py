#!/usr/bin/python3
"""Cache mode: Shoal vs Redis 7.0 under a Zipf cache-aside load with the same memory budget.

For each eviction policy (allkeys-lru and allkeys-lfu by default) and round, starts a fresh
redis-server and a fresh shoal-server (per --shards value) on free ports on 127.0.0.1 with the
same maxmemory and policy, and runs the same zipf_cache load against each (same seed; the
order alternates between rounds so that machine noise hits both):

  * warm-up: --warmup lookups (seed + 1, not measured) fill the cache to its steady state;
  * measured: --requests lookups; a GET of a Zipf-drawn key, and a SET of it on a miss.

maxmemory defaults to what Redis needs to hold 1/--space-factor of the key space: a Redis
without a limit is loaded with the hottest keys/space-factor keys of the same data set and its
used_memory is taken (calibration, printed).

Per run: hit ratio, ops/s, p99 (per request, measured per pipeline round trip), ops per server
CPU-second (utime+stime from /proc/<pid>/stat around the measured phase), used_memory, keys
cached (DBSIZE), bytes per cached key (used_memory / DBSIZE), keys evicted during the measured
phase. The table shows medians over rounds and the Shoal/Redis ratios.

Only ever connects to 127.0.0.1. Standard library only. Servers are stopped at the end, on
errors and on Ctrl-C.

  /usr/bin/python3 benchmarks/cache_compare.py --quick            # smoke run, < 2 minutes
  /usr/bin/python3 benchmarks/cache_compare.py --out cache.md     # full run
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import (HOST, REPO, RUN_TIMEOUT, Client, Server, cpu_seconds,  # noqa: E402
                     fmt_int, load, log, markdown_table, ratio, write_report)

MASK64 = (1 << 64) - 1


def mix64(x):
    """zipf_cache.cc's Mix64: key id of a popularity rank, and the seed of its value size."""
    x = (x + 0x9e3779b97f4a7c15) & MASK64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & MASK64
    return x ^ (x >> 31)


def hottest_key_batches(n, value_min, value_max, prefix, batch=2000):
    """SET commands for the n most popular keys exactly as zipf_cache writes them."""
    span = value_max - value_min + 1
    batches = []
    for start in range(0, n, batch):
        parts = []
        for rank in range(start, min(start + batch, n)):
            kid = mix64(rank)
            hexid = b"%016x" % kid
            key = prefix + hexid
            size = value_min + mix64(kid) % span
            value = (hexid + b"v" * size)[:size]
            parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                         % (len(key), key, len(value), value))
        batches.append((min(start + batch, n) - start, b"".join(parts)))
    return batches


def info(port):
    """INFO (all sections) as a dict of field -> str."""
    c = Client(port)
    try:
        text = c.call("INFO").decode()
        dbsize = c.call("DBSIZE")
    finally:
        c.close()
    out = {"dbsize": dbsize}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def info_int(d, field):
    v = d.get(field)
    return int(v) if v is not None and v.lstrip("-").isdigit() else None


def calibrate(a, workdir):
    """used_memory of a Redis holding the keys/space-factor hottest keys (no limit)."""
    n = max(1, a.keys // a.space_factor)
    redis = Server("redis calibration", lambda p: redis_argv(a, workdir, p, 0, "noeviction"),
                   workdir)
    try:
        redis.start()
        log("calibration: loading the %d hottest keys into redis-server" % n)
        load(redis.port, hottest_key_batches(n, a.value_min, a.value_max,
                                             a.key_prefix.encode()))
        time.sleep(0.2)
        d = info(redis.port)
        if d["dbsize"] != n:
            raise RuntimeError("calibration: DBSIZE %d after loading %d keys" % (d["dbsize"], n))
        used = info_int(d, "used_memory")
        log("calibration: used_memory %s for %d keys (%.1f bytes/key) -> maxmemory %s"
            % (fmt_int(used), n, used / n, fmt_int(used)))
        return used
    finally:
        redis.stop()


def redis_argv(a, workdir, port, maxmemory, policy):
    return [a.redis_server, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly",
            "no", "--daemonize", "no", "--loglevel", "warning", "--dir", workdir,
            "--maxmemory", str(maxmemory), "--maxmemory-policy", policy]


def shoal_argv(a, port, shards, maxmemory, policy):
    return [a.shoal, "--port", str(port), "--bind", HOST, "--shards", str(shards), "--save", "",
            "--loglevel", "warning", "--maxmemory", str(maxmemory), "--maxmemory-policy", policy]


def zipf_cache(a, server, seed, requests):
    argv = [a.zipf_cache, "--host", HOST, "--port", str(server.port), "--clients",
            str(a.clients), "--pipeline", str(a.pipeline), "--keys", str(a.keys), "--zipf",
            str(a.zipf), "--value-min", str(a.value_min), "--value-max", str(a.value_max),
            "--requests", str(requests), "--seed", str(seed), "--key-prefix", a.key_prefix]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
    if p.returncode != 0:
        server.check_alive()  # a crashed server explains itself with its log tail
        raise RuntimeError("%s against %s failed (%d): %s" % (
            " ".join(argv), server.name, p.returncode, p.stderr.decode(errors="replace")[-2000:]))
    return json.loads(p.stdout)


def run_one(a, server, workdir, policy, maxmemory):
    """Fresh server: warm-up, measured run, then the server's view of its memory."""
    server.start()
    try:
        if a.warmup:
            w = zipf_cache(a, server, a.seed + 1, a.warmup)
            server.check_alive()
            problems = check_result(w)
            if problems:
                raise RuntimeError("%s warm-up: %s" % (server.name, problems))
        before = info(server.port)
        cpu0 = cpu_seconds(server.pid)
        r = zipf_cache(a, server, a.seed, a.requests)
        cpu = cpu_seconds(server.pid) - cpu0
        server.check_alive()
        after = info(server.port)
    finally:
        rc = server.stop()
    used = info_int(after, "used_memory")
    ev0, ev1 = info_int(before, "evicted_keys"), info_int(after, "evicted_keys")
    r.update({
        "server": server.name, "policy": policy, "maxmemory": maxmemory, "cpu": cpu,
        "ops_cpu": r["requests"] / cpu if cpu > 0 else float("nan"),
        "used_memory": used, "cached_keys": after["dbsize"],
        "bytes_per_key": used / after["dbsize"] if used is not None and after["dbsize"] else None,
        "evicted": ev1 - ev0 if ev0 is not None and ev1 is not None else None,
        "exit_status": rc,
    })
    return r


def check_result(r):
    """Wrong values and non-OOM errors are server bugs; OOM errors mean eviction fell behind."""
    out = []
    if r["wrong_values"]:
        out.append("%d GETs returned a wrong value" % r["wrong_values"])
    if r["errors"]:
        out.append("%d error replies (first: %s)" % (r["errors"], r["first_error"]))
    if r["oom_errors"]:
        out.append("%d OOM replies" % r["oom_errors"])
    return "; ".join(out)


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(runs):
    ops = sum(r["requests"] for r in runs)
    cpu = sum(r["cpu"] for r in runs)
    return {
        "hit_ratio": statistics.median(r["hit_ratio"] for r in runs),
        "ops_s": statistics.median(r["ops_per_sec"] for r in runs),
        "p99": statistics.median(r["p99_us"] for r in runs),
        "ops_cpu": ops / cpu if cpu > 0 else float("nan"),
        "used_memory": median_or_none(r["used_memory"] for r in runs),
        "cached_keys": statistics.median(r["cached_keys"] for r in runs),
        "bytes_per_key": median_or_none(r["bytes_per_key"] for r in runs),
        "evicted": median_or_none(r["evicted"] for r in runs),
        "oom": sum(r["oom_errors"] for r in runs),
    }


def opt(fmt, v):
    return "n/a" if v is None else fmt(v)


def opt_ratio(x, y):
    return "n/a" if x is None or y is None else ratio(x, y)


def mib(v):
    return "%.1f" % (v / 2**20)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run (< 2 minutes): 500k keys, 500k measured lookups, 1 round")
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu")
    ap.add_argument("--shards", default="2", help="shoal --shards values, comma separated")
    ap.add_argument("--rounds", type=int, default=None, help="default 3 (--quick 1)")
    ap.add_argument("--keys", type=int, default=None, help="key space (default 1000000, "
                                                           "--quick 500000)")
    ap.add_argument("--requests", type=int, default=None,
                    help="measured lookups per run (default 2000000, --quick 500000)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="warm-up lookups per run, enough to reach the steady state "
                         "(default 2 x --keys)")
    ap.add_argument("--space-factor", type=int, default=5,
                    help="key space / what fits in maxmemory, for the calibration (default 5)")
    ap.add_argument("--maxmemory", type=int, default=None,
                    help="bytes; skips the calibration (0: no limit, nothing is evicted)")
    ap.add_argument("--zipf", type=float, default=0.99)
    ap.add_argument("--value-min", type=int, default=100)
    ap.add_argument("--value-max", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pipeline", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--key-prefix", default="key:")
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default="/usr/bin/redis-server")
    ap.add_argument("--zipf-cache", default=os.path.join(REPO, "build", "benchmarks",
                                                         "zipf_cache"))
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="also write every run's raw numbers to this file")
    a = ap.parse_args()
    a.keys = a.keys or (500000 if a.quick else 1000000)
    a.requests = a.requests or (500000 if a.quick else 2000000)
    a.warmup = a.warmup if a.warmup is not None else 2 * a.keys
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.policy_list = [p for p in a.policies.split(",") if p]
    a.shard_list = [int(s) for s in a.shards.split(",") if s]
    for name in ("keys", "requests", "rounds", "clients", "pipeline", "space_factor"):
        if getattr(a, name) < 1:
            ap.error("--%s must be at least 1" % name.replace("_", "-"))
    if a.warmup < 0 or (a.maxmemory or 0) < 0 or a.value_min < 0:
        ap.error("--warmup, --maxmemory and --value-min must not be negative")
    if a.value_min > a.value_max:
        ap.error("--value-min is larger than --value-max")
    for path in (a.shoal, a.redis_server, a.zipf_cache):
        if not (path and os.access(path, os.X_OK)):
            ap.error("not executable: %s" % path)
    return a


def report(a, maxmemory, calibrated, results, elapsed):
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    version = subprocess.run([a.redis_server, "--version"],
                             stdout=subprocess.PIPE).stdout.decode().split()[2][2:]
    lines = ["## Cache mode: Shoal vs Redis %s (Zipf cache-aside)" % version, ""]
    budget = ("maxmemory %s MiB (%s bytes%s)" % (
        mib(maxmemory), fmt_int(maxmemory),
        ", calibrated: Redis holds 1/%d of the key space" % a.space_factor if calibrated else "")
        if maxmemory else "maxmemory 0 (no limit: nothing is evicted)")
    lines.append(
        "Machine: %d CPUs (%s). %s keys, Zipf s=%g, values %d-%d B, %d clients, pipeline %d, "
        "%s warm-up + %s measured lookups per run (GET, SET on a miss), median of %d round(s), "
        "fresh servers per run, %s. p99 is per request, measured per pipeline round trip. "
        "ops/CPU-s = all requests / all server CPU time (utime+stime) in the measured phases. "
        "bytes/key = used_memory / DBSIZE after the run; evicted = keys evicted during the "
        "measured phase."
        % (os.cpu_count(), model, fmt_int(a.keys), a.zipf, a.value_min, a.value_max, a.clients,
           a.pipeline, fmt_int(a.warmup), fmt_int(a.requests), a.rounds, budget))
    lines.append("")
    header = ["policy", "server", "hit ratio", "ops/s", "p99 us", "ops/CPU-s",
              "used_memory MiB", "keys cached", "bytes/key", "evicted"]
    rows, ratio_rows = [], []
    for policy, redis_agg, shoal_aggs in results:
        for name, g in [("redis", redis_agg)] + [("shoal --shards %d" % s, g)
                                                  for s, g in shoal_aggs]:
            rows.append([policy, name, "%.4f" % g["hit_ratio"], fmt_int(g["ops_s"]),
                         "%.0f" % g["p99"], fmt_int(g["ops_cpu"]),
                         opt(mib, g["used_memory"]), fmt_int(g["cached_keys"]),
                         opt(lambda v: "%.1f" % v, g["bytes_per_key"]),
                         opt(fmt_int, g["evicted"])])
        for s, g in shoal_aggs:
            r = redis_agg
            ratio_rows.append([policy, s, ratio(g["hit_ratio"], r["hit_ratio"]),
                               ratio(g["ops_s"], r["ops_s"]), ratio(g["p99"], r["p99"]),
                               ratio(g["ops_cpu"], r["ops_cpu"]),
                               ratio(g["cached_keys"], r["cached_keys"]),
                               opt_ratio(g["bytes_per_key"], r["bytes_per_key"])])
    lines.append(markdown_table(header, rows))
    lines.append("")
    lines.append("### Shoal / Redis")
    lines.append("")
    lines.append(markdown_table(["policy", "shards", "hit ratio", "ops/s", "p99",
                                 "ops/CPU-s", "keys cached", "bytes/key"], ratio_rows))
    oom = [(p, name, g["oom"]) for p, ra, sa in results
           for name, g in [("redis", ra)] + [("shoal --shards %d" % s, g) for s, g in sa]
           if g["oom"]]
    if oom:
        lines.append("")
        lines.append("OOM replies (eviction fell behind the writes): " +
                     ", ".join("%s %s: %s" % (p, n, fmt_int(c)) for p, n, c in oom))
    lines.append("")
    lines.append("Total time %.0f s." % elapsed)
    return "\n".join(lines)


def main():
    a = parse_args()

    # SIGINT (even when inherited as ignored), SIGTERM and SIGHUP take the Ctrl-C path, so the
    # finally blocks stop the servers.
    compare.raise_on_signals()

    started = time.time()
    workdir = tempfile.mkdtemp(prefix="shoal-cache-compare-")
    raw = []
    results = []  # (policy, redis aggregate, [(shards, shoal aggregate)])
    try:
        calibrated = a.maxmemory is None
        maxmemory = calibrate(a, workdir) if calibrated else a.maxmemory
        for policy in a.policy_list:
            runs = {"redis": []}
            runs.update({s: [] for s in a.shard_list})
            for rnd in range(a.rounds):
                order = [("redis", None)] + [("shoal", s) for s in a.shard_list]
                if rnd % 2 == 0:
                    order.reverse()
                for kind, shards in order:
                    if kind == "redis":
                        server = Server("redis", lambda p: redis_argv(a, workdir, p, maxmemory,
                                                                      policy), workdir)
                    else:
                        server = Server("shoal --shards %d" % shards,
                                        lambda p, s=shards: shoal_argv(a, p, s, maxmemory,
                                                                       policy), workdir)
                    r = run_one(a, server, workdir, policy, maxmemory)
                    raw.append(dict(r, round=rnd + 1))
                    runs["redis" if kind == "redis" else shards].append(r)
                    problems = check_result(r)
                    log("  %s round %d %-16s hit %.4f  %10s ops/s  p99 %6.0f us  %10s ops/cpu-s"
                        "  used %s MiB  keys %s  evicted %s%s"
                        % (policy, rnd + 1, server.name, r["hit_ratio"], fmt_int(r["ops_per_sec"]),
                           r["p99_us"], fmt_int(r["ops_cpu"]), opt(mib, r["used_memory"]),
                           fmt_int(r["cached_keys"]), opt(fmt_int, r["evicted"]),
                           "  PROBLEM: " + problems if problems else ""))
                    if r["wrong_values"] or r["errors"]:
                        raise RuntimeError("%s misbehaved: %s" % (server.name, problems))
                    if r["exit_status"] not in (0, None):
                        log("warning: %s exited with status %s on SIGTERM"
                            % (server.name, r["exit_status"]))
            results.append((policy, aggregate(runs["redis"]),
                            [(s, aggregate(runs[s])) for s in a.shard_list]))
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    except RuntimeError as e:
        log("error: %s" % e)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    text = report(a, maxmemory, calibrated, results, time.time() - started)
    write_report(text, a.out, a.json, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
