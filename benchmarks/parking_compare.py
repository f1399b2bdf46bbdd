#!/usr/bin/python3
"""What multi-shard commands cost other clients: Shoal (parked shards) vs Redis 7.0.

A memtier_benchmark single-key GET/SET load (SET:GET 1:10, pipeline 1, 50 connections, random
keys over a preloaded key space) runs for --test-time seconds in several scenarios, against
shoal-server --shards N and redis-server in alternating rounds:

  baseline      the memtier load alone;
  same-shard    plus a paced side load of 2-key MSETs and MULTI/SET/SET/EXEC transactions
                whose keys share a {tag} (one shard), sized to --share (5%) of all operations:
                the cost of the extra traffic itself, without multi-shard coordination;
  cross-shard   the same side load with the two keys on different Shoal shards (Redis Cluster
                CRC16 key slot mod N, as Shoal routes them): each one parks two shards;
  keys          plus one connection sending KEYS <pattern> every --keys-interval seconds over
                a database with --bg-keys extra keys (KEYS fans out to every shard: all
                shards parked while it scans);
  scan          plus one connection running a SCAN ... COUNT --scan-count loop over the same
                database (each call visits one shard, or moves on to the next).

Per scenario and server: memtier ops/s, p50/p99/p99.9 (ms, memtier's Totals), their ratios to
the same server's baseline, the side load's achieved rate, its share of all operations and
its own latency, and the server's CPU seconds.  Standard library only; only 127.0.0.1; every
server is stopped with SIGTERM at the end, on errors and on signals.

  /usr/bin/python3 benchmarks/parking_compare.py --quick                  # ~1 minute
  /usr/bin/python3 benchmarks/parking_compare.py --out /tmp/parking.md    # 2 rounds ~4 minutes, 3 rounds ~6
"""

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import compare  # noqa: E402  (Client, Server, cpu_seconds, load, build_load_batches, ...)
import scaling  # noqa: E402  (memtier_timed)
from shoal_keys import shard_of  # noqa: E402  (Redis Cluster's key slot mod N: Shoal's shard)

log = compare.log
SCENARIOS = ("baseline", "same-shard", "cross-shard", "keys", "scan")


# --------------------------------------------------------------------------
# Side loads (one process each; they run until `stop` is set)
# --------------------------------------------------------------------------


def key_pair(kind, worker, shards):
    """Two key names: on one shard ({tag}) or on two different shards of an N-shard Shoal."""
    if kind == "same-shard" or shards < 2:
        return "{side%d}a" % worker, "{side%d}b" % worker
    first = "side%d:a" % worker
    i = 0
    while True:
        k = "side%d:b%d" % (worker, i)
        if shard_of(k, shards) != shard_of(first, shards):
            return first, k
        i += 1


def waker(stop, period):
    """No server traffic: wakes up every `period` seconds (see --keep-awake)."""
    while not stop.is_set():
        time.sleep(period)


def summary(lat):
    lat.sort()
    if not lat:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {"p50": lat[len(lat) // 2] * 1e3, "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3,
            "max": lat[-1] * 1e3}


def put_result(q, c, t0, n, errors, lat):
    """A side-load worker's result: ops, seconds since t0, errors, latency summary, own CPU."""
    secs = time.time() - t0
    c.close()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    q.put({"ops": n, "secs": secs, "errors": errors, "lat": summary(lat),
           "cpu": ru.ru_utime + ru.ru_stime})


def multi_key_worker(port, kind, worker, shards, rate, stop, q):
    """Alternates MSET k1 v k2 v and MULTI; SET k1 v; SET k2 v; EXEC at `rate` per second (one
    at a time, paced: late operations are sent at once, but at most 50 ms of backlog)."""
    k1, k2 = key_pair(kind, worker, shards)
    v = "v" * 32
    mset = compare.encode("MSET", k1, v, k2, v)
    tx = (compare.encode("MULTI") + compare.encode("SET", k1, v) + compare.encode("SET", k2, v) +
          compare.encode("EXEC"))
    c = compare.Client(port)
    lat, n, errors = [], 0, 0
    interval = 1.0 / rate
    t0 = time.time()
    nxt = t0
    while not stop.is_set():
        now = time.time()
        if now < nxt:
            time.sleep(nxt - now)
            continue
        nxt = max(nxt + interval, now - 0.05)
        s = time.time()
        try:
            if n % 2 == 0:
                c.sock.sendall(mset)
                c.read_reply()
            else:
                c.sock.sendall(tx)
                for _ in range(3):
                    c.read_reply()          # +OK, +QUEUED, +QUEUED
                if c.read_reply() is None:  # EXEC: [OK, OK]
                    errors += 1
        except compare.RespError:
            errors += 1
        lat.append(time.time() - s)
        n += 1
    put_result(q, c, t0, n, errors, lat)


def loop_worker(port, mode, param, interval, stop, q):
    """Sends KEYS param or SCAN cursor COUNT param, one at a time, a new one `interval` seconds
    after the previous one started (0: back to back), until stopped."""
    c = compare.Client(port, timeout=120)
    lat, n, errors = [], 0, 0
    state = {"cursor": b"0"}
    t0 = last = time.time()
    while not stop.is_set():
        s = time.time()
        if n and s - last < interval:
            stop.wait(interval - (s - last))
            continue
        last = s
        try:
            r = (c.call("KEYS", param) if mode == "keys" else
                 c.call("SCAN", state["cursor"], "COUNT", param))
            if isinstance(r, list) and len(r) == 2 and isinstance(r[0], bytes):  # SCAN
                state["cursor"] = r[0]
        except compare.RespError:
            errors += 1
        lat.append(time.time() - s)
        n += 1
    put_result(q, c, t0, n, errors, lat)


# --------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------


def run(a, server, scenario, side_rate, workdir, test_time=None):
    procs, q, stop = [], multiprocessing.Queue(), multiprocessing.Event()
    if scenario in ("same-shard", "cross-shard"):
        per = side_rate / a.side_conns
        procs = [multiprocessing.Process(target=multi_key_worker,
                                         args=(server.port, scenario, w, a.shards, per, stop, q))
                 for w in range(a.side_conns)]
    elif scenario == "keys":
        procs = [multiprocessing.Process(target=loop_worker,
                                         args=(server.port, "keys", a.keys_pattern,
                                               a.keys_interval, stop, q))]
    elif scenario == "scan":
        procs = [multiprocessing.Process(target=loop_worker,
                                         args=(server.port, "scan", a.scan_count, 0, stop, q))]
    wakers = ([multiprocessing.Process(target=waker, args=(stop, a.keep_awake / 1000.0))]
              if a.keep_awake > 0 else [])
    cpu0 = compare.cpu_seconds(server.pid)
    for p in procs + wakers:
        p.start()
    try:
        r = scaling.memtier_timed(a.memtier, server.port, threads=a.threads, conns=a.clients,
                                  pipeline=a.pipeline, ratio=a.ratio_t, data_size=a.data_size,
                                  keyspace=a.keyspace, prefix="mt:",
                                  test_time=test_time or a.test_time,
                                  percentiles="50,99,99.9", workdir=workdir)
    finally:
        stop.set()
        sides = []
        deadline = time.time() + 150  # a KEYS in flight must finish first
        for _ in procs:
            try:
                sides.append(q.get(timeout=max(1, deadline - time.time())))
            except Exception:  # queue.Empty: a side process died or hung
                break
        for p in procs + wakers:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join()
    r["cpu"] = compare.cpu_seconds(server.pid) - cpu0
    server.check_alive()
    if len(sides) != len(procs):
        raise RuntimeError("%s %s: only %d of %d side processes reported" % (
            server.name, scenario, len(sides), len(procs)))
    if sides:
        side_ops = sum(s["ops"] for s in sides)
        side_s = sum(s["ops"] / s["secs"] for s in sides if s["secs"] > 0)
        r["side"] = {"ops": side_ops, "rate": side_s,
                     "errors": sum(s["errors"] for s in sides),
                     "share": side_s / (side_s + r["ops_s"]) if side_s + r["ops_s"] else 0,
                     "p50": statistics.median(s["lat"]["p50"] for s in sides),
                     "p99": max(s["lat"]["p99"] for s in sides),
                     "max": max(s["lat"]["max"] for s in sides),
                     "cpu": sum(s["cpu"] for s in sides)}
    return r


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 3 s per run, 1 round, 200k background keys")
    ap.add_argument("--shards", type=int, default=2, help="shoal --shards (default 2)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help="comma list of %s (baseline always runs)" % ", ".join(SCENARIOS))
    ap.add_argument("--share", type=float, default=0.05,
                    help="target share of multi-key operations among all operations "
                         "(default 0.05); the side rate is share/(1-share) x the same server's "
                         "baseline memtier ops/s of the same round")
    ap.add_argument("--side-conns", type=int, default=4,
                    help="side-load processes (one connection each; default 4)")
    ap.add_argument("--keys-pattern", default="*nomatch*",
                    help="KEYS pattern (default *nomatch*: scans every key, replies with nothing, "
                         "so the reply's size does not dominate)")
    ap.add_argument("--keys-interval", type=float, default=1.0,
                    help="seconds from one KEYS's start to the next (default 1; 0: back to back, "
                         "which starves everyone else on both servers)")
    ap.add_argument("--scan-count", type=int, default=1000, help="SCAN COUNT (default 1000)")
    ap.add_argument("--bg-keys", type=int, default=None,
                    help="extra keys bg:N loaded for KEYS/SCAN to walk (default 1000000, "
                         "--quick 200000)")
    ap.add_argument("--keep-awake", type=float, default=0.5, metavar="MS",
                    help="in every scenario, baseline included, run a process that only sleeps "
                         "MS milliseconds in a loop (no traffic), so that all scenarios see the "
                         "same CPU idle/wake-up behaviour: on a VM, any extra process that wakes "
                         "up often speeds a pipeline-1 load up by ~20%% and cuts its p99, which "
                         "would make every side load look like a gain; 0 turns it off "
                         "(default 0.5)")
    ap.add_argument("--clients", type=int, default=50, help="memtier connections (default 50)")
    ap.add_argument("--threads", type=int, default=1, help="memtier threads (default 1)")
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--ratio", default="1:10", help="memtier SET:GET (default 1:10)")
    ap.add_argument("--data-size", type=int, default=32)
    ap.add_argument("--keyspace", type=int, default=100000, help="memtier keys (default 100000)")
    ap.add_argument("--test-time", type=int, default=None,
                    help="seconds per run (default 10, --quick 3)")
    ap.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 2, "
                                                             "--quick 1)")
    ap.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--memtier", default=shutil.which("memtier_benchmark"))
    ap.add_argument("--no-redis", action="store_true", help="Shoal only")
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--json", help="also write every run's raw numbers as JSON to this file")
    a = ap.parse_args()
    a.test_time = a.test_time or (3 if a.quick else 10)
    a.rounds = a.rounds or (1 if a.quick else 2)
    a.bg_keys = a.bg_keys if a.bg_keys is not None else (200000 if a.quick else 1000000)
    a.ratio_t = tuple(int(x) for x in a.ratio.split(":"))
    a.scenario_list = ["baseline"] + [s for s in a.scenarios.split(",")
                                      if s and s != "baseline"]
    for s in a.scenario_list:
        if s not in SCENARIOS:
            ap.error("unknown scenario %r" % s)
    for path in (a.shoal, a.redis_server, a.memtier):
        if not (path and os.access(path, os.X_OK)):
            ap.error("not executable: %s (memtier_benchmark is required: --memtier)" % path)
    return a


def main():
    a = parse_args()

    compare.raise_on_signals()

    started = time.time()
    workdir = tempfile.mkdtemp(prefix="shoal-parking-")
    shoal = compare.Server("shoal %d shards" % a.shards,
                           lambda p: [a.shoal, "--port", str(p), "--bind", compare.HOST,
                                      "--shards", str(a.shards), "--loglevel", "warning",
                                      "--save", "", "--appendonly", "no"], workdir)
    redis = compare.Server("redis", lambda p: [a.redis_server, "--port", str(p), "--bind",
                                               compare.HOST, "--save", "", "--appendonly", "no",
                                               "--daemonize", "no", "--loglevel", "warning",
                                               "--dir", workdir], workdir)
    servers = [shoal] + ([] if a.no_redis else [redis])
    runs = {}  # (server name, scenario) -> [run]
    log("%d s per run, %d round(s), scenarios %s, %d memtier keys + %d background keys; workdir %s"
        % (a.test_time, a.rounds, ",".join(a.scenario_list), a.keyspace, a.bg_keys, workdir))
    try:
        batches = (compare.build_load_batches(a.keyspace + 1, a.data_size, 2000, "mt:%d") +
                   compare.build_load_batches(a.bg_keys, a.data_size, 2000, "bg:%d"))
        for s in servers:
            s.start()
            t0 = time.time()
            compare.load(s.port, batches)
            log("%s pid %d port %d: %d keys loaded in %.1f s" % (
                s.name, s.pid, s.port, a.keyspace + 1 + a.bg_keys, time.time() - t0))
        # Side rate reference: the memtier rate *with* a side load (on this VM an extra process
        # that wakes up often speeds memtier up, so the baseline's rate would undershoot the
        # share). Calibrated once per server (short baseline, then a short same-shard run),
        # then updated from every same-shard run.
        ref = {}
        cal_t = min(3, a.test_time)
        if any(sc in a.scenario_list for sc in ("same-shard", "cross-shard")):
            for s in servers:
                b = run(a, s, "baseline", 0, workdir, cal_t)
                c = run(a, s, "same-shard", a.share / (1 - a.share) * b["ops_s"], workdir, cal_t)
                ref[s.name] = c["ops_s"]
                log("  calibration %-16s baseline %s ops/s, with the side load %s ops/s (%.1f%%)"
                    % (s.name, compare.fmt_int(b["ops_s"]), compare.fmt_int(c["ops_s"]),
                       100 * c["side"]["share"]))
        for rnd in range(a.rounds):
            order = servers if rnd % 2 == 0 else servers[::-1]
            for scenario in a.scenario_list:
                for s in order:
                    rate = a.share / (1 - a.share) * ref.get(s.name, 0)
                    r = run(a, s, scenario, rate, workdir)
                    if scenario == "same-shard":
                        ref[s.name] = r["ops_s"]
                    runs.setdefault((s.name, scenario), []).append(r)
                    side = r.get("side")
                    log("  round %d %-12s %-16s %9s ops/s  p50 %.3f  p99 %.3f  p99.9 %.3f  max "
                        "%.1f ms  cpu %.1f s%s" % (
                            rnd + 1, scenario, s.name, compare.fmt_int(r["ops_s"]), r["p50"],
                            r["p99"], r["p999"], r["max"], r["cpu"],
                            "  | side %.0f/s (%.1f%%) p50 %.2f p99 %.2f max %.1f ms, %d errors"
                            % (side["rate"], 100 * side["share"], side["p50"], side["p99"],
                               side["max"], side["errors"]) if side else ""))
        for s in servers:
            rc = s.stop()
            if rc not in (0, None):
                log("warning: %s exited with status %s on SIGTERM; log tail:\n%s"
                    % (s.name, rc, s.log_tail()))
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        raise SystemExit(130)
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:
                log("warning: stopping %s: %s" % (s.name, e))
        logs = {s.name: s.log_tail(4000) for s in servers}
        shutil.rmtree(workdir, ignore_errors=True)

    # ---------------------------------------------------------------- report
    med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731

    def paired(rs, base, k):
        """Median over rounds of run / the same round's baseline run (pairs within a round, so
        load that comes and goes on the machine cancels out better than in a ratio of medians)."""
        return statistics.median(r[k] / b[k] for r, b in zip(rs, base) if b[k])
    lines = ["## What multi-shard commands cost other clients", ""]
    lines.append(
        "memtier_benchmark: SET:GET %s, pipeline %d, %d connections x %d thread(s), %d-byte "
        "values, %d keys (every GET hits), %d s per run, median of %d alternating round(s). "
        "Both servers also hold %d background keys bg:N. Side loads: same-/cross-shard = %d "
        "connections alternating 2-key MSET and MULTI/SET/SET/EXEC, paced to %.0f%% of all "
        "operations (a transaction counts as one operation); keys = one connection sending KEYS "
        "%s every %g s (0: back to back); scan = one connection looping SCAN COUNT %d. Ratios (vs base) are the median over rounds of each run / the same "
        "server's baseline run of the same round. Latency in ms. Shoal runs with --shards %d; keys of the cross-shard side load "
        "are on different Shoal shards."
        % (a.ratio, a.pipeline, a.clients, a.threads, a.data_size, a.keyspace, a.test_time,
           a.rounds, a.bg_keys, a.side_conns, 100 * a.share, a.keys_pattern, a.keys_interval,
           a.scan_count,
           a.shards))
    lines.append("")
    header = ["server", "scenario", "ops/s", "ops/s vs base", "p50", "p99", "p99 vs base",
              "p99.9", "p99.9 vs base", "side ops/s", "side share", "side p50", "side p99",
              "side max", "server CPU-s/run"]
    rows, raw = [], {"args": {k: v for k, v in vars(a).items()
                              if isinstance(v, (int, str, float, list, tuple, bool))},
                     "cases": []}
    for s in servers:
        base = runs[(s.name, "baseline")]
        for scenario in a.scenario_list:
            rs = runs[(s.name, scenario)]
            sides = [r["side"] for r in rs if "side" in r]
            sd = (lambda k: statistics.median(x[k] for x in sides)) if sides else None
            ops, p99, p999 = med(rs, "ops_s"), med(rs, "p99"), med(rs, "p999")
            rows.append([
                s.name, scenario, compare.fmt_int(ops),
                "" if scenario == "baseline" else "**%.2f**" % paired(rs, base, "ops_s"),
                "%.3f" % med(rs, "p50"), "%.3f" % p99,
                "" if scenario == "baseline" else "**%.2f**" % paired(rs, base, "p99"),
                "%.3f" % p999, "" if scenario == "baseline" else "%.2f" % paired(rs, base, "p999"),
                compare.fmt_int(sd("rate")) if sd else "",
                "%.1f%%" % (100 * sd("share")) if sd else "",
                "%.2f" % sd("p50") if sd else "", "%.2f" % sd("p99") if sd else "",
                "%.1f" % max(x["max"] for x in sides) if sides else "",
                "%.1f" % med(rs, "cpu")])
            raw["cases"].append({"server": s.name, "scenario": scenario, "runs": rs})
    lines.append(compare.markdown_table(header, rows))
    for s in servers:
        same, cross = runs.get((s.name, "same-shard")), runs.get((s.name, "cross-shard"))
        if same and cross:
            lines += ["", "%s, cross-shard vs same-shard (the cost of the multi-shard "
                      "coordination itself; median of per-round ratios): ops/s %.2f, p99 %.2f, p99.9 %.2f." % (
                          s.name, paired(cross, same, "ops_s"), paired(cross, same, "p99"),
                          paired(cross, same, "p999"))]
    errs = [(n, sc, r["side"]["errors"]) for (n, sc), rs in runs.items() for r in rs
            if r.get("side", {}).get("errors")]
    if errs:
        lines += ["", "Side-load error replies: %s" % errs]
    lines += ["", "Total time %.0f s." % (time.time() - started)]
    report = "\n".join(lines)
    raw["log_tails"] = logs
    compare.write_report(report, a.out, a.json, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
