#!/usr/bin/python3
"""Shoal vs Redis 7.0 side-by-side benchmark.

Starts shoal-server (once per --shards value) and Debian's redis-server on free
ports on 127.0.0.1, then runs the same load against both, alternating
(shoal, redis, shoal, redis, ...) so that machine noise hits both:

  * GET/SET at 1:1 and 1:10 (SET:GET), 32-byte values, 100k keys, 50 connections,
    pipeline 1 and 16.  With memtier_benchmark on PATH it is used with --ratio;
    otherwise redis-benchmark runs a SET run and a GET run sized to the ratio and
    the two are combined (ops/s = total ops / total time).
  * ops per server CPU-second: utime+stime of the server process from
    /proc/<pid>/stat before and after each run.  On a small shared machine where
    the load generator competes with the server for cores this is the number that
    holds up; raw ops/s mostly measures the scheduler.
  * memory: exactly N distinct keys ("key:%012d", 32-byte values) loaded with a
    pipelined raw-socket loader; bytes/key from the VmRSS delta and from the
    INFO used_memory delta.  The loaded keys also cover the benchmark key space,
    so every GET in the throughput runs is a hit.

Only ever connects to 127.0.0.1.  Standard library only.  All servers are
stopped at the end, on errors and on Ctrl-C.

  /usr/bin/python3 benchmarks/compare.py --quick            # smoke run, < 1 minute
  /usr/bin/python3 benchmarks/compare.py --out results.md   # full run, ~5-10 minutes
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUN_TIMEOUT = 600  # seconds, per load-generator invocation


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Minimal RESP client (for PING / INFO / DBSIZE and the loader)
# --------------------------------------------------------------------------


class RespError(Exception):
    pass


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise RespError("unexpected reply type %r" % line[:40])

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read_reply()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def info_field(port, section, field):
    c = Client(port)
    try:
        text = c.call("INFO", section).decode()
    finally:
        c.close()
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise RuntimeError("INFO %s has no %s" % (section, field))


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid, field="VmRSS"):
    """The process's RSS (VmHWM: its peak RSS) in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s for pid %d" % (field, pid))


class Server:
    def __init__(self, name, argv_fn, workdir):
        self.name = name
        self.argv_fn = argv_fn  # port -> argv
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.logpath = os.path.join(workdir, "%s.log" % name.replace(" ", "_"))

    def start(self):
        for _ in range(5):
            self.port = free_port()
            self.logf = open(self.logpath, "ab")
            self.proc = subprocess.Popen(self.argv_fn(self.port), cwd=self.workdir,
                                         stdin=subprocess.DEVNULL, stdout=self.logf,
                                         stderr=subprocess.STDOUT)
            deadline = time.time() + 15
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    c = Client(self.port, timeout=2)
                    try:
                        if c.call("PING") == "PONG":
                            return self
                    finally:
                        c.close()
                except (OSError, RespError):
                    time.sleep(0.05)
            self.stop()  # died (port taken?) or never answered: try another port
        raise RuntimeError("%s did not start; log: %s\n%s" % (self.name, self.logpath,
                                                              self.log_tail()))

    @property
    def pid(self):
        return self.proc.pid

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited with status %s during the benchmark; log tail:\n%s"
                               % (self.name, self.proc.returncode, self.log_tail()))

    def log_tail(self, n=2000):
        try:
            with open(self.logpath, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log("warning: %s ignored SIGTERM for 10 s, killing it" % self.name)
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.logf.close()
        self.proc = None
        return rc


# --------------------------------------------------------------------------
# Loader: exactly N distinct keys, deterministic, pipelined
# --------------------------------------------------------------------------


def build_load_batches(nkeys, value_size, batch, fmt="key:%012d"):
    batches = []
    for start in range(0, nkeys, batch):
        parts = []
        for i in range(start, min(start + batch, nkeys)):
            k = (fmt % i).encode()
            v = (b"%0*d" % (value_size, i))[-value_size:]
            parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
        batches.append((min(start + batch, nkeys) - start, b"".join(parts)))
    return batches


def load(port, batches):
    """Sends the batches over one connection, one batch in flight ahead of the replies."""
    c = Client(port, timeout=120)
    try:
        ok = b"+OK\r\n"
        pending = []
        for n, payload in batches:
            c.sock.sendall(payload)
            pending.append(n)
            if len(pending) > 1:  # keep one batch in flight while reading the previous one
                m = pending.pop(0)
                got = c.read_exact(len(ok) * m)
                if got != ok * m:
                    raise RuntimeError("loader: unexpected reply %r" % got[:200])
        for m in pending:
            got = c.read_exact(len(ok) * m)
            if got != ok * m:
                raise RuntimeError("loader: unexpected reply %r" % got[:200])
    finally:
        c.close()


def memory_test(server, batches, nkeys):
    port, pid = server.port, server.pid
    c = Client(port)
    try:
        before_keys = c.call("DBSIZE")
    finally:
        c.close()
    if before_keys != 0:
        raise RuntimeError("%s: memory test needs an empty server (DBSIZE %d)" %
                           (server.name, before_keys))
    time.sleep(0.2)
    rss0, used0 = rss_bytes(pid), info_field(port, "memory", "used_memory")
    t0 = time.time()
    load(port, batches)
    secs = time.time() - t0
    time.sleep(0.5)  # let lazy frees/purges settle before sampling
    rss1, used1 = rss_bytes(pid), info_field(port, "memory", "used_memory")
    c = Client(port)
    try:
        keys = c.call("DBSIZE")
    finally:
        c.close()
    if keys != nkeys:
        raise RuntimeError("%s: DBSIZE %d after loading %d keys" % (server.name, keys, nkeys))
    server.check_alive()
    return {
        "server": server.name, "keys": keys, "load_s": secs,
        "rss_before": rss0, "rss_after": rss1,
        "used_before": used0, "used_after": used1,
        "rss_per_key": (rss1 - rss0) / nkeys, "used_per_key": (used1 - used0) / nkeys,
    }


# --------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------


def run_cmd(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (" ".join(argv), p.returncode,
                                                        p.stdout.decode(errors="replace")[-2000:],
                                                        p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode(errors="replace")


def parse_rb_csv(text):
    """redis-benchmark --csv: "test","rps","avg_latency_ms",...,"p50_latency_ms",...,"p99_latency_ms"."""
    rows = [r for r in text.splitlines() if r.startswith('"')]
    header = [h.strip('"') for h in rows[0].split(",")]
    out = {}
    for r in rows[1:]:
        vals = [v.strip('"') for v in r.split(",")]
        d = dict(zip(header, vals))
        out[d["test"]] = {"rps": float(d["rps"]), "p50": float(d["p50_latency_ms"]),
                          "p99": float(d["p99_latency_ms"])}
    return out


class RedisBenchmarkLoad:
    """SET run + GET run sized to the ratio; combined as one mixed run."""
    name = "redis-benchmark (separate SET and GET runs, combined)"

    def __init__(self, binary, clients, data_size, keyspace, prefix=(), extra=()):
        self.binary, self.clients, self.data_size, self.keyspace = binary, clients, data_size, keyspace
        # prefix: argv before the binary (e.g. taskset -c 1); extra: more options (e.g. --threads 4)
        self.prefix, self.extra = list(prefix), list(extra)

    def run(self, server, sets, gets, requests, pipeline):
        n_set = max(1, round(requests * sets / (sets + gets)))
        n_get = max(1, requests - n_set)
        parts = {}
        cpu0 = cpu_seconds(server.pid)
        for test, n in (("set", n_set), ("get", n_get)):
            out = run_cmd(self.prefix + [self.binary, "-h", HOST, "-p", str(server.port), "-t", test,
                           "-n", str(n), "-r", str(self.keyspace), "-d", str(self.data_size),
                           "-c", str(self.clients), "-P", str(pipeline), "--csv",
                           "--precision", "3"] + self.extra)
            res = parse_rb_csv(out)[test.upper()]
            res["n"] = n
            parts[test] = res
            server.check_alive()
        cpu = cpu_seconds(server.pid) - cpu0
        ops = n_set + n_get
        secs = sum(p["n"] / p["rps"] for p in parts.values())
        # Percentiles of a mixture cannot be derived from per-command percentiles;
        # report the op-weighted mean as an approximation (per-command values kept too).
        p50 = sum(p["p50"] * p["n"] for p in parts.values()) / ops
        p99 = sum(p["p99"] * p["n"] for p in parts.values()) / ops
        return {"ops": ops, "secs": secs, "ops_s": ops / secs, "p50": p50, "p99": p99,
                "cpu": cpu, "parts": parts}


def parse_memtier_totals(text):
    header = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Type") and "Ops/sec" in s:
            header = re.split(r"\s{2,}", s)
        elif header and s.startswith("Totals"):
            vals = s.split()
            d = dict(zip(header, vals))
            p50 = next(v for k, v in d.items() if k.lower().startswith("p50"))
            p99 = next(v for k, v in d.items() if k.lower().startswith("p99 "))
            return {"ops_s": float(d["Ops/sec"]), "p50": float(p50), "p99": float(p99)}
    raise RuntimeError("could not find the Totals row in memtier_benchmark output:\n" + text[-3000:])


class MemtierLoad:
    name = "memtier_benchmark (--ratio)"
    prefix = "mt:"  # memtier keys are prefix + decimal number; preloaded separately

    def __init__(self, binary, clients, data_size, keyspace):
        self.binary, self.clients, self.data_size, self.keyspace = binary, clients, data_size, keyspace

    def run(self, server, sets, gets, requests, pipeline):
        per_client = max(1, requests // self.clients)
        cpu0 = cpu_seconds(server.pid)
        t0 = time.time()
        out = run_cmd([self.binary, "-s", HOST, "-p", str(server.port), "--protocol=redis",
                       "-t", "1", "-c", str(self.clients), "--pipeline=%d" % pipeline,
                       "-n", str(per_client), "-d", str(self.data_size),
                       "--ratio=%d:%d" % (sets, gets), "--key-pattern=R:R",
                       "--key-prefix=" + self.prefix, "--key-minimum=1",
                       "--key-maximum=%d" % (self.keyspace - 1), "--hide-histogram",
                       "--print-percentiles=50,99"])
        wall = time.time() - t0
        cpu = cpu_seconds(server.pid) - cpu0
        server.check_alive()
        res = parse_memtier_totals(out)
        ops = per_client * self.clients
        res.update({"ops": ops, "secs": ops / res["ops_s"] if res["ops_s"] else wall, "cpu": cpu})
        return res


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def fmt_int(x):
    return "{:,.0f}".format(x)


def ratio(a, b):
    return "%.2f" % (a / b) if b else "n/a"


def aggregate(runs):
    ops = sum(r["ops"] for r in runs)
    cpu = sum(r["cpu"] for r in runs)
    return {
        "ops_s": statistics.median(r["ops_s"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "ops_cpu": ops / cpu if cpu > 0 else float("nan"),
        "cpu": cpu, "ops": ops,
    }


def raise_on_signals():
    """SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt, so `finally` blocks stop the servers."""
    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)


def write_report(text, out_path, json_path, raw):
    """Prints the markdown report; also writes it to out_path and the raw runs to json_path."""
    print(text)
    if out_path:
        with open(out_path, "w") as f:
            f.write(text + "\n")
    if json_path:
        with open(json_path, "w") as f:
            json.dump(raw, f, indent=1)


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 50k requests per run, 1 round, 100k keys in the memory test")
    ap.add_argument("--shards-list", default="1,2", help="shoal --shards values (default 1,2)")
    ap.add_argument("--requests", type=int, default=None,
                    help="requests per run at pipeline 1 (default 300000, --quick 50000); "
                         "pipelined runs use --pipelined-factor times as many")
    ap.add_argument("--pipelined-factor", type=int, default=5,
                    help="request multiplier for pipeline > 1 runs (default 5)")
    ap.add_argument("--rounds", type=int, default=None,
                    help="alternating shoal/redis rounds per case (default 5, --quick 1)")
    ap.add_argument("--mem-keys", type=int, default=None,
                    help="keys loaded for the memory test (default 1000000, --quick 100000)")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--ratios", default="1:1,1:10", help="SET:GET ratios (default 1:1,1:10)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--data-size", type=int, default=32)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--tool", choices=["auto", "memtier", "redis-benchmark"], default="auto",
                    help="auto: memtier_benchmark when on PATH, else redis-benchmark")
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--baseline", help="an older shoal-server binary, run in the same alternation "
                    "(before/after tables: both against Redis and against each other)")
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--memtier", default=shutil.which("memtier_benchmark"))
    ap.add_argument("--out", help="also write the results as markdown to this file")
    ap.add_argument("--json", help="also write the raw per-run results as JSON to this file")
    a = ap.parse_args()
    a.requests = a.requests or (50000 if a.quick else 300000)
    a.rounds = a.rounds or (1 if a.quick else 5)
    a.mem_keys = a.mem_keys or (100000 if a.quick else 1000000)
    a.shards = [int(x) for x in a.shards_list.split(",") if x]
    a.pipeline_list = [int(x) for x in a.pipelines.split(",") if x]
    a.ratio_list = [tuple(int(y) for y in x.split(":")) for x in a.ratios.split(",") if x]
    if a.mem_keys < a.keyspace:
        ap.error("--mem-keys must be >= --keyspace (the loaded keys make every GET a hit)")
    for path in (a.shoal, a.redis_server) + ((a.baseline,) if a.baseline else ()):
        if not (path and os.access(path, os.X_OK)):
            ap.error("not executable: %s" % path)
    return a


def main():
    a = parse_args()
    if a.tool == "memtier" and not a.memtier:
        sys.exit("memtier_benchmark is not on PATH")
    use_memtier = a.tool == "memtier" or (a.tool == "auto" and a.memtier)
    if use_memtier:
        gen = MemtierLoad(a.memtier, a.clients, a.data_size, a.keyspace)
    else:
        gen = RedisBenchmarkLoad(a.redis_benchmark, a.clients, a.data_size, a.keyspace)

    # SIGINT (even when inherited as ignored, e.g. from a background job), SIGTERM and
    # SIGHUP all take the Ctrl-C path, so the finally block below stops the servers.
    raise_on_signals()

    started = time.time()
    workdir = tempfile.mkdtemp(prefix="shoal-compare-")
    servers = []
    results = []   # (shards, pipeline, (s, g), shoal_agg, redis_agg, baseline_agg or None)
    mem = []
    raw = {"cases": [], "memory": mem}
    log("tool: %s; requests/run %d (pipeline>1: x%d); rounds %d; memory keys %d; workdir %s"
        % (gen.name, a.requests, a.pipelined_factor, a.rounds, a.mem_keys, workdir))
    try:
        log("building %d SET commands for the loader..." % a.mem_keys)
        batches = build_load_batches(a.mem_keys, a.data_size, 2000)
        mt_batches = (build_load_batches(a.keyspace, a.data_size, 2000, MemtierLoad.prefix + "%d")
                      if use_memtier else None)

        redis = Server("redis 7.0", lambda p: [a.redis_server, "--port", str(p), "--bind", HOST,
                                               "--save", "", "--appendonly", "no",
                                               "--daemonize", "no", "--loglevel", "warning",
                                               "--dir", workdir], workdir)
        servers.append(redis)
        redis.start()
        log("redis-server pid %d port %d: loading %d keys" % (redis.pid, redis.port, a.mem_keys))
        mem.append(memory_test(redis, batches, a.mem_keys))
        if mt_batches:
            load(redis.port, mt_batches)

        for shards in a.shards:
            shoals = []  # ("shoal", server), then ("base", server) with --baseline
            for key, binary, label in (("shoal", a.shoal, ""), ("base", a.baseline, " (baseline)")):
                if not binary:
                    continue
                srv = Server("shoal --shards %d%s" % (shards, label),
                             lambda p, s=shards, b=binary: [b, "--port", str(p), "--bind", HOST,
                                                            "--shards", str(s), "--loglevel",
                                                            "warning", "--save", ""],
                             workdir)
                servers.append(srv)
                srv.start()
                log("%s pid %d port %d: loading %d keys" % (srv.name, srv.pid, srv.port,
                                                            a.mem_keys))
                mem.append(memory_test(srv, batches, a.mem_keys))
                if mt_batches:
                    load(srv.port, mt_batches)
                shoals.append((key, srv))

            for pipeline in a.pipeline_list:
                n = a.requests * (a.pipelined_factor if pipeline > 1 else 1)
                for sets, gets in a.ratio_list:
                    runs = {"shoal": [], "redis": [], "base": []}
                    for rnd in range(a.rounds):
                        order = shoals + [("redis", redis)]
                        for key, srv in order if rnd % 2 == 0 else order[::-1]:
                            r = gen.run(srv, sets, gets, n, pipeline)
                            runs[key].append(r)
                            log("  shards=%d P=%d %d:%d round %d %-16s %10s ops/s  p50 %.3f  "
                                "p99 %.3f ms  cpu %.2f s  %s ops/cpu-s"
                                % (shards, pipeline, sets, gets, rnd + 1, srv.name,
                                   fmt_int(r["ops_s"]), r["p50"], r["p99"], r["cpu"],
                                   fmt_int(r["ops"] / r["cpu"]) if r["cpu"] else "n/a"))
                    sa, ra = aggregate(runs["shoal"]), aggregate(runs["redis"])
                    ba = aggregate(runs["base"]) if runs["base"] else None
                    results.append((shards, pipeline, (sets, gets), sa, ra, ba))
                    raw["cases"].append({"shards": shards, "pipeline": pipeline,
                                         "ratio": "%d:%d" % (sets, gets), "runs": runs})
            for _, srv in shoals:
                rc = srv.stop()
                if rc != 0:
                    log("warning: %s exited with status %s on SIGTERM" % (srv.name, rc))
                    raw.setdefault("exit_status", {})[srv.name] = rc
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        raise SystemExit(130)
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                log("warning: stopping %s: %s" % (s.name, e))
        shutil.rmtree(workdir, ignore_errors=True)

    # ---------------------------------------------------------------- report
    elapsed = time.time() - started
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    lines = []
    lines.append("## Shoal vs Redis %s" % subprocess.run(
        [a.redis_server, "--version"], stdout=subprocess.PIPE).stdout.decode().split()[2][2:])
    lines.append("")
    lines.append("Machine: %d CPUs (%s). Load: %s, %d connections, %d-byte values, %d keys, "
                 "%d requests per run at P=1 (x%d when pipelined), median of %d alternating "
                 "round(s); ops/CPU-s = all ops / all server CPU time (utime+stime) over the "
                 "rounds. Latency is per request (per pipeline batch with P>1), ms."
                 % (os.cpu_count(), model, gen.name, a.clients, a.data_size, a.keyspace,
                    a.requests, a.pipelined_factor, a.rounds))
    if not use_memtier:
        lines.append("")
        lines.append("Mixed p50/p99 are the op-weighted mean of the SET and GET percentiles "
                     "(an approximation; redis-benchmark cannot mix commands).")
    lines.append("")
    header = ["shards", "P", "SET:GET", "shoal ops/s", "redis ops/s", "ops/s ratio",
              "shoal p50", "redis p50", "shoal p99", "redis p99",
              "shoal ops/CPU-s", "redis ops/CPU-s", "CPU-eff ratio"]
    if a.baseline:
        header += ["base ops/CPU-s", "base CPU-eff ratio", "shoal vs base ops/CPU-s",
                   "base p99"]
    rows = []
    for shards, pipeline, (s, g), sa, ra, ba in results:
        rows.append([shards, pipeline, "%d:%d" % (s, g), fmt_int(sa["ops_s"]), fmt_int(ra["ops_s"]),
                     ratio(sa["ops_s"], ra["ops_s"]),
                     "%.3f" % sa["p50"], "%.3f" % ra["p50"], "%.3f" % sa["p99"], "%.3f" % ra["p99"],
                     fmt_int(sa["ops_cpu"]), fmt_int(ra["ops_cpu"]),
                     ratio(sa["ops_cpu"], ra["ops_cpu"])])
        if ba:
            rows[-1] += [fmt_int(ba["ops_cpu"]), ratio(ba["ops_cpu"], ra["ops_cpu"]),
                         ratio(sa["ops_cpu"], ba["ops_cpu"]), "%.3f" % ba["p99"]]
    lines.append(markdown_table(header, rows))
    lines.append("")
    lines.append("### Memory: %d keys, %d-byte values (key:%%012d)" % (a.mem_keys, a.data_size))
    lines.append("")
    mrows = []
    redis_mem = mem[0] if mem else None
    for m in mem:
        mrows.append([m["server"], fmt_int(m["keys"]), "%.1f" % m["load_s"],
                      "%.1f" % (m["rss_after"] / 2**20), "%.1f" % m["rss_per_key"],
                      "%.1f" % m["used_per_key"],
                      ratio(m["rss_per_key"], redis_mem["rss_per_key"]) if redis_mem else ""])
    lines.append(markdown_table(["server", "keys", "load s", "RSS after MiB", "RSS bytes/key",
                                 "used_memory bytes/key", "RSS/key vs redis"], mrows))
    lines.append("")
    lines.append("Total time %.0f s." % elapsed)
    report = "\n".join(lines)
    write_report(report, a.out, a.json, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
