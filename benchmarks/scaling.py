#!/usr/bin/python3
"""Scaling with shards: Shoal at 1, 2, 4, 8, 16 shards vs redis-server (and others).

For each shard count N, shoal-server --shards N is pinned with `taskset -c` to the first N
usable cores and the load generator (memtier_benchmark, or redis-benchmark --threads as a
fallback) to the next cores, so the server never competes with its own load.  redis-server is
pinned to one core (it runs commands on one thread; --redis-io-threads N adds a row with N
io-threads on N cores); --other NAME=PATH:ARGS adds e.g. Dragonfly or KeyDB at each N.

Per (server, N, pipeline) it prints throughput, p50/p99 (memtier's Totals), server CPU-seconds,
ops per server CPU-second (utime+stime from /proc/<pid>/stat), the speedup over Shoal at 1 shard
and the efficiency (speedup / cores the server was given), plus how busy the server's and the
load generator's cores were (a load generator near 100% means the point is load-bound).

All servers are started once on free ports on 127.0.0.1 with their own temporary folder,
preloaded with the whole key space (so every GET hits), and measured in alternating rounds
(the order rotates every round) so that machine noise hits all of them.  Every run is bounded
by --test-time; servers are stopped with SIGTERM at the end, on errors and on signals.
Standard library only; needs no network beyond 127.0.0.1.

  /usr/bin/python3 benchmarks/scaling.py --quick --shards-list 1,2 --allow-shared   # ~30 s
  /usr/bin/python3 benchmarks/scaling.py --shoal /path/shoal-server --out /tmp/scaling.md \\
      --json /tmp/scaling.json          # 16+ cores: 1..16 shards, 3 rounds x 10 s, ~8 minutes
"""

import argparse
import json
import math
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (Client, Server, cpu_seconds, load, build_load_batches, ...)

HOST = compare.HOST
log = compare.log


# --------------------------------------------------------------------------
# memtier_benchmark for a fixed time (also used by parking_compare.py)
# --------------------------------------------------------------------------


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def memtier_timed(binary, port, *, threads=1, conns=50, pipeline=1, ratio=(1, 10), data_size=32,
                  keyspace=100000, prefix="mt:", test_time=10, percentiles="50,99,99.9",
                  cpus=None, workdir=None):
    """One memtier_benchmark run of `test_time` seconds against 127.0.0.1:port; keys are
    prefix + 1..keyspace (random, R:R; memtier refuses --key-minimum=0).  Returns ops (count), ops_s, p50/p99/p999 (ms),
    errors (connection errors), wall (s, whole process) and load_cpu (memtier's CPU seconds)."""
    fd, jpath = tempfile.mkstemp(prefix="memtier-", suffix=".json", dir=workdir)
    os.close(fd)
    argv = (["taskset", "-c", cpulist(cpus)] if cpus else []) + [
        binary, "-s", HOST, "-p", str(port), "--protocol=redis",
        "-t", str(threads), "-c", str(conns), "--pipeline=%d" % pipeline,
        "--test-time=%d" % test_time, "-d", str(data_size), "--ratio=%d:%d" % tuple(ratio),
        "--key-pattern=R:R", "--key-prefix=" + prefix, "--key-minimum=1",
        "--key-maximum=%d" % keyspace, "--distinct-client-seed", "--hide-histogram",
        "--print-percentiles=" + percentiles, "--json-out-file=" + jpath]
    c0, t0 = children_cpu(), time.time()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=test_time + 120)
        wall, load_cpu = time.time() - t0, children_cpu() - c0
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s\n%s" % (
                " ".join(argv), p.returncode, p.stdout.decode(errors="replace")[-2000:],
                p.stderr.decode(errors="replace")[-2000:]))
        with open(jpath) as f:
            tot = json.load(f)["ALL STATS"]["Totals"]
    finally:
        os.unlink(jpath)
    pct = {float(k[1:]): v for k, v in tot.get("Percentile Latencies", {}).items()
           if k.startswith("p") and k[1:].replace(".", "").isdigit()}
    return {"ops": tot["Count"], "ops_s": tot["Ops/sec"], "p50": pct.get(50.0, float("nan")),
            "p99": pct.get(99.0, float("nan")), "p999": pct.get(99.9, float("nan")),
            "max": tot.get("Max Latency", float("nan")),
            "errors": tot.get("Connection Errors", 0), "wall": wall, "load_cpu": load_cpu}


# --------------------------------------------------------------------------
# CPU placement
# --------------------------------------------------------------------------


def cpulist(cpus):
    return ",".join(str(c) for c in cpus)


def usable_cpus():
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return list(range(os.cpu_count() or 1))


def place(n, cpus, load_cores, allow_shared):
    """(server cores, load cores, shared) for a server that gets n cores, or (None, None, why)."""
    if n > len(cpus):
        return None, None, "needs %d cores, only %d usable" % (n, len(cpus))
    server, rest = cpus[:n], cpus[n:]
    want = load_cores or max(1, len(rest))
    if len(rest) >= want:
        return server, rest[:want], False
    if not allow_shared:
        return None, None, ("%d server cores + %d load cores > %d usable (use --allow-shared or "
                            "fewer --load-cores)" % (n, want, len(cpus)))
    want = load_cores or max(1, len(cpus) // 2)
    return server, cpus[-want:], True


def smt_note(cpus):
    """'cpu0 shares its core with 1' style note when SMT siblings are present."""
    path = "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list" % cpus[0]
    try:
        with open(path) as f:
            sib = f.read().strip()
    except OSError:
        return "topology unknown"
    return ("SMT: cpu%d's siblings are %s" % (cpus[0], sib)) if ("," in sib or "-" in sib) \
        else "no SMT siblings"


# --------------------------------------------------------------------------
# Configurations (one server each)
# --------------------------------------------------------------------------


class Config:
    def __init__(self, label, kind, ncores, argv_fn, server_cpus, load_cpus, shared, workdir,
                 pin):
        self.label, self.kind, self.ncores = label, kind, ncores
        self.server_cpus, self.load_cpus, self.shared = server_cpus, load_cpus, shared
        wrap = (lambda p: ["taskset", "-c", cpulist(server_cpus)] + argv_fn(p)) if pin else argv_fn
        self.server = compare.Server(label, wrap, workdir)

    def where(self):
        return "%s \\| %s%s" % (cpulist(self.server_cpus), cpulist(self.load_cpus),
                                " (shared)" if self.shared else "")


def build_configs(a, cpus, workdir):
    configs, notes = [], []

    def add(label, kind, n, argv_fn):
        srv, load, shared = place(n, cpus, a.load_cores, a.allow_shared)
        if srv is None:
            notes.append("skipped %s: %s" % (label, shared))
            return
        configs.append(Config(label, kind, n, argv_fn, srv, load, shared, workdir, not a.no_pin))

    for n in a.shards:
        add("shoal %d shard%s" % (n, "" if n == 1 else "s"), "shoal", n,
            lambda p, n=n: [a.shoal, "--port", str(p), "--bind", HOST, "--shards", str(n),
                            "--loglevel", "warning", "--save", "", "--appendonly", "no"])
    base = lambda p: [a.redis_server, "--port", str(p), "--bind", HOST, "--save", "",  # noqa
                      "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                      "--dir", workdir]
    add("redis", "redis", 1, base)
    if a.redis_io_threads and a.redis_io_threads > 1:
        t = a.redis_io_threads
        add("redis io-threads %d" % t, "redis", t,
            lambda p: base(p) + ["--io-threads", str(t), "--io-threads-do-reads", "yes"])
    for name, path, tmpl in a.others:
        for n in a.shards:
            add("%s %d thread%s" % (name, n, "" if n == 1 else "s"), name, n,
                lambda p, n=n, path=path, tmpl=tmpl: [path] + shlex.split(
                    tmpl.format(port=p, threads=n, dir=workdir, host=HOST)))
    return configs, notes


# --------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------


def conns_per_thread(a, cfg):
    if a.conns_per_thread:
        return a.conns_per_thread
    total = max(a.connections, 8 * cfg.ncores)
    return max(1, math.ceil(total / len(cfg.load_cpus)))


class Memtier:
    name = "memtier_benchmark"
    prefix = "mt:%d"

    @staticmethod
    def nkeys(keyspace):
        return keyspace + 1  # mt:0 .. mt:keyspace (memtier uses 1..keyspace)

    def __init__(self, a, workdir):
        self.a, self.workdir = a, workdir

    def run(self, cfg, pipeline):
        a = self.a
        srv = cfg.server
        cpu0 = compare.cpu_seconds(srv.pid)
        r = memtier_timed(a.memtier, srv.port, threads=len(cfg.load_cpus),
                          conns=conns_per_thread(a, cfg), pipeline=pipeline, ratio=a.ratio_t,
                          data_size=a.data_size, keyspace=a.keyspace, prefix="mt:",
                          test_time=a.test_time, percentiles="50,99,99.9",
                          cpus=None if a.no_pin else cfg.load_cpus, workdir=self.workdir)
        r["cpu"] = compare.cpu_seconds(srv.pid) - cpu0
        srv.check_alive()
        return r


class RedisBench:
    """redis-benchmark --threads K: no time limit and no ratio, so each run is a SET run plus
    a GET run (compare.RedisBenchmarkLoad) sized from the previous run's rate to last about
    --test-time seconds."""
    name = "redis-benchmark --threads (separate SET and GET runs, combined)"
    prefix = "key:%012d"

    @staticmethod
    def nkeys(keyspace):
        return keyspace  # redis-benchmark -r N: key:000000000000 .. N-1

    def __init__(self, a, workdir):
        self.a, self.rate = a, {}

    def run(self, cfg, pipeline):
        a = self.a
        n = len(cfg.load_cpus)
        conns = n * conns_per_thread(a, cfg)
        gen = compare.RedisBenchmarkLoad(
            a.redis_benchmark, conns, a.data_size, a.keyspace,
            prefix=[] if a.no_pin else ["taskset", "-c", cpulist(cfg.load_cpus)],
            extra=["--threads", str(n)] if n > 1 else [])
        first = 30000 if a.quick else 200000
        guess = self.rate.get((cfg.label, pipeline))
        requests = int(min(50_000_000, max(10000, guess * a.test_time))) if guess else \
            first * (5 if pipeline > 1 else 1)
        c0, t0 = children_cpu(), time.time()
        r = gen.run(cfg.server, a.ratio_t[0], a.ratio_t[1], requests, pipeline)
        r.update({"wall": time.time() - t0, "load_cpu": children_cpu() - c0,
                  "p999": float("nan"), "errors": 0})
        self.rate[(cfg.label, pipeline)] = r["ops_s"]
        return r


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def agg(runs, cfg):
    ops = sum(r["ops"] for r in runs)
    cpu = sum(r["cpu"] for r in runs)
    wall = sum(r["wall"] for r in runs)
    return {
        "ops_s": statistics.median(r["ops_s"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "cpu": cpu / len(runs), "ops_cpu": ops / cpu if cpu > 0 else float("nan"),
        "srv_util": cpu / wall / len(cfg.server_cpus) if wall else float("nan"),
        "load_util": (sum(r["load_cpu"] for r in runs) / wall / len(cfg.load_cpus)
                      if wall else float("nan")),
        "errors": sum(r.get("errors", 0) for r in runs),
    }


def parse_other(spec):
    """NAME=PATH:ARGS -> (name, path, args template)."""
    if "=" not in spec:
        raise argparse.ArgumentTypeError("--other wants NAME=PATH:ARGS, got %r" % spec)
    name, rest = spec.split("=", 1)
    path, _, tmpl = rest.partition(":")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise argparse.ArgumentTypeError("--other %s: not executable: %s" % (name, path))
    if "{port}" not in tmpl:
        raise argparse.ArgumentTypeError("--other %s: ARGS must contain {port}" % name)
    return name, path, tmpl


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 3 s per run, 1 round, 100k keys")
    ap.add_argument("--shards-list", default="1,2,4,8,16",
                    help="Shoal --shards values (default 1,2,4,8,16; points that cannot be pinned "
                         "are skipped with a note)")
    ap.add_argument("--load-cores", type=int, default=None,
                    help="cores (= memtier threads) for the load generator (default: all cores "
                         "the server does not use; with --allow-shared and none left: half the "
                         "cores, the last ones)")
    ap.add_argument("--allow-shared", action="store_true",
                    help="run points whose server + load cores exceed the machine with the load "
                         "on the server's cores (marked 'shared')")
    ap.add_argument("--no-pin", action="store_true", help="do not use taskset at all")
    ap.add_argument("--connections", type=int, default=50,
                    help="minimum total connections (default 50; at least 8 per server core)")
    ap.add_argument("--conns-per-thread", type=int, default=None,
                    help="memtier -c (default: ceil(max(--connections, 8 x cores) / threads))")
    ap.add_argument("--ratio", default="1:10", help="SET:GET (default 1:10)")
    ap.add_argument("--pipelines", default="1,16", help="pipeline depths (default 1,16)")
    ap.add_argument("--data-size", type=int, default=32)
    ap.add_argument("--keyspace", type=int, default=None,
                    help="keys, all preloaded (default 1000000, --quick 100000)")
    ap.add_argument("--test-time", type=int, default=None,
                    help="seconds per run (default 10, --quick 3)")
    ap.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 3, "
                                                             "--quick 1)")
    ap.add_argument("--redis-io-threads", type=int, default=0,
                    help="also run redis-server with this many io-threads on as many cores")
    ap.add_argument("--other", action="append", default=[], type=parse_other,
                    metavar="NAME=PATH:ARGS",
                    help="another server run at each shard count N, e.g. "
                         "'dragonfly=/usr/bin/dragonfly:--port {port} --bind 127.0.0.1 "
                         "--proactor_threads {threads} --dbfilename= --dir {dir}' or "
                         "'keydb=/usr/bin/keydb-server:--port {port} --bind 127.0.0.1 "
                         "--server-threads {threads} --save \"\"'; repeatable")
    ap.add_argument("--tool", choices=["auto", "memtier", "redis-benchmark"], default="auto")
    ap.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--memtier", default=shutil.which("memtier_benchmark"))
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="also write every run's raw numbers as JSON to this file")
    a = ap.parse_args()
    a.test_time = a.test_time or (3 if a.quick else 10)
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.keyspace = a.keyspace or (100000 if a.quick else 1000000)
    a.shards = [int(x) for x in a.shards_list.split(",") if x]
    a.pipeline_list = [int(x) for x in a.pipelines.split(",") if x]
    a.ratio_t = tuple(int(x) for x in a.ratio.split(":"))
    a.others = a.other
    for path in (a.shoal, a.redis_server):
        if not (path and os.access(path, os.X_OK)):
            ap.error("not executable: %s" % path)
    if not a.no_pin and not shutil.which("taskset"):
        ap.error("taskset (util-linux) is not on PATH; use --no-pin")
    if a.tool == "memtier" and not (a.memtier and os.access(a.memtier, os.X_OK)):
        ap.error("memtier_benchmark not found (--memtier PATH)")
    a.use_memtier = a.tool == "memtier" or (a.tool == "auto" and a.memtier and
                                            os.access(a.memtier, os.X_OK))
    if not a.use_memtier and not os.access(a.redis_benchmark, os.X_OK):
        ap.error("neither memtier_benchmark nor redis-benchmark is available")
    return a


def main():
    a = parse_args()

    compare.raise_on_signals()

    started = time.time()
    cpus = usable_cpus()
    workdir = tempfile.mkdtemp(prefix="shoal-scaling-")
    configs, notes = build_configs(a, cpus, workdir)
    for n in notes:
        log("note: " + n)
    if not any(c.kind == "shoal" for c in configs):
        sys.exit("no Shoal point fits on %d usable cores (try --allow-shared)" % len(cpus))
    gen = Memtier(a, workdir) if a.use_memtier else RedisBench(a, workdir)
    log("tool: %s; %d s per run, %d round(s), %d keys, ratio %s, pipelines %s; cpus %s; workdir %s"
        % (gen.name, a.test_time, a.rounds, a.keyspace, a.ratio, a.pipelines, cpulist(cpus),
           workdir))
    runs = {}   # (label, pipeline) -> [run]
    exit_status = {}
    try:
        nkeys = gen.nkeys(a.keyspace)
        log("building %d SET commands for the loader..." % nkeys)
        batches = compare.build_load_batches(nkeys, a.data_size, 2000, gen.prefix)
        for cfg in configs:
            cfg.server.start()
            t0 = time.time()
            compare.load(cfg.server.port, batches)
            c = compare.Client(cfg.server.port)
            try:
                dbsize = c.call("DBSIZE")
            finally:
                c.close()
            if dbsize != nkeys:
                raise RuntimeError("%s: DBSIZE %s after loading %d keys" % (cfg.label, dbsize,
                                                                           nkeys))
            log("%-22s pid %d port %d cores %s, load cores %s%s: %d keys loaded in %.1f s"
                % (cfg.label, cfg.server.pid, cfg.server.port, cpulist(cfg.server_cpus),
                   cpulist(cfg.load_cpus), " (shared)" if cfg.shared else "", dbsize,
                   time.time() - t0))
        for rnd in range(a.rounds):
            for pipeline in a.pipeline_list:
                k = rnd % len(configs)
                for cfg in configs[k:] + configs[:k]:  # rotate the order every round
                    r = gen.run(cfg, pipeline)
                    runs.setdefault((cfg.label, pipeline), []).append(r)
                    log("  round %d P=%-2d %-22s %11s ops/s  p50 %.3f  p99 %.3f ms  server cpu "
                        "%.1f s (%s ops/cpu-s)  load cpu %.1f s%s"
                        % (rnd + 1, pipeline, cfg.label, compare.fmt_int(r["ops_s"]), r["p50"],
                           r["p99"], r["cpu"],
                           compare.fmt_int(r["ops"] / r["cpu"]) if r["cpu"] else "n/a",
                           r["load_cpu"],
                           "  ERRORS %d" % r["errors"] if r.get("errors") else ""))
        for cfg in configs:
            rc = cfg.server.stop()
            if rc not in (0, None):
                log("warning: %s exited with status %s on SIGTERM; log tail:\n%s"
                    % (cfg.label, rc, cfg.server.log_tail()))
                exit_status[cfg.label] = rc
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        raise SystemExit(130)
    finally:
        for cfg in configs:
            try:
                cfg.server.stop()
            except Exception as e:  # keep stopping the others
                log("warning: stopping %s: %s" % (cfg.label, e))
        shutil.rmtree(workdir, ignore_errors=True)

    # ---------------------------------------------------------------- report
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    lines = ["## Scaling with shards", ""]
    lines.append(
        "Machine: %d usable CPUs (%s; %s). Load: %s, SET:GET %s, %d-byte values, %d preloaded "
        "keys (random, every GET hits), %d s per run, median of %d alternating round(s); "
        "connections: at least %d in total and 8 per server core. Cores = server cores | "
        "load-generator cores (taskset%s); \"shared\" = the load runs on the server's cores. "
        "Latency in ms (per request; with P>1 it includes the wait behind the pipeline). "
        "ops/CPU-s = all ops / all server CPU time. Speedup = ops/s / Shoal 1 shard's ops/s at "
        "the same P; efficiency = speedup / server cores. util = CPU time / (wall x cores) for "
        "the server and for the load generator (near 100%% load util: the point is load-bound)."
        % (len(cpus), model, smt_note(cpus), gen.name, a.ratio, a.data_size, a.keyspace,
           a.test_time, a.rounds, a.connections, ", not applied" if a.no_pin else ""))
    if not a.use_memtier:
        lines += ["", "redis-benchmark cannot mix commands: each run is a SET run and a GET run "
                  "weighted by the ratio; p50/p99 are op-weighted means of the two (approximate)."]
    for n in notes:
        lines += ["", "Note: " + n + "."]
    lines.append("")
    header = ["server", "cores", "conns", "P", "ops/s", "p50", "p99", "server CPU-s/run",
              "ops/CPU-s", "speedup", "efficiency", "server util", "load util"]
    rows, raw = [], {"cases": [], "notes": notes, "cpus": cpus, "args": {
        k: v for k, v in vars(a).items() if isinstance(v, (int, str, float, list, tuple, bool))}}
    for pipeline in a.pipeline_list:
        ref = next((c for c in sorted((c for c in configs if c.kind == "shoal"),
                                      key=lambda c: c.ncores)), None)
        ref_ops = statistics.median(r["ops_s"] for r in runs[(ref.label, pipeline)])
        for cfg in configs:
            rs = runs.get((cfg.label, pipeline))
            if not rs:
                continue
            g = agg(rs, cfg)
            sp = g["ops_s"] / ref_ops if ref_ops else float("nan")
            conns = conns_per_thread(a, cfg) * len(cfg.load_cpus)
            rows.append([cfg.label, cfg.where(), conns, pipeline, compare.fmt_int(g["ops_s"]),
                         "%.3f" % g["p50"], "%.3f" % g["p99"], "%.1f" % g["cpu"],
                         compare.fmt_int(g["ops_cpu"]), "%.2fx" % sp,
                         "%.0f%%" % (100 * sp * ref.ncores / cfg.ncores),
                         "%.0f%%" % (100 * g["srv_util"]), "%.0f%%" % (100 * g["load_util"])])
            raw["cases"].append({"server": cfg.label, "kind": cfg.kind, "cores": cfg.ncores,
                                 "server_cpus": cfg.server_cpus, "load_cpus": cfg.load_cpus,
                                 "shared": cfg.shared, "pipeline": pipeline, "summary": g,
                                 "speedup": sp, "runs": rs})
            if cfg.kind == "shoal" and cfg.ncores == 16 and ref.ncores == 1:
                notes.append("P=%d: 16 shards give %.1fx the 1-shard throughput (target >= 12x)%s"
                             % (pipeline, sp, " [shared cores]" if cfg.shared else ""))
    lines.append(compare.markdown_table(header, rows))
    if ref.ncores != 1:
        lines += ["", "Speedups are relative to Shoal with %d shards (1 was not run)." % ref.ncores]
    for n in notes:
        if "target" in n:
            lines += ["", n + "."]
    if exit_status:
        lines += ["", "Exit status on SIGTERM: %s" % exit_status]
    lines += ["", "Total time %.0f s." % (time.time() - started)]
    report = "\n".join(lines)
    compare.write_report(report, a.out, a.json, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
