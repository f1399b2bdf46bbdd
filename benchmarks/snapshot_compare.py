#!/usr/bin/python3
"""RDB snapshots side by side: Shoal (forkless) vs Redis 7.0 (fork), same data, same load.

For each server, in its own temporary folder:
  1. fill --keys keys: 90% strings (32-byte values), 10% small collections (hash, list, set, zset
     of 5 elements each), over redis-cli --pipe;
  2. SAVE: seconds, file size; then restart the server on the file: seconds until it answers
     without -LOADING, and DBSIZE checked;
  3. a write load (redis-benchmark SET over the same key space, -P 16 -c 50, 32-byte values)
     alone, then the same load with a BGSAVE started one second in: ops/s and p99 of both runs,
     the BGSAVE's duration, and memory: RSS before the load, peak RSS during it (VmHWM after
     resetting it), and for Redis the fork's copy-on-write (rdb_last_cow_size), since its peak is
     the parent's plus the child's.

Only ever binds 127.0.0.1; standard library plus redis-cli/redis-benchmark; every server is
stopped at the end. Reports ratios (Shoal / Redis) in a markdown table.

  /usr/bin/python3 benchmarks/snapshot_compare.py --keys 5000000 --shards 2 --out /tmp/snap.md
  /usr/bin/python3 benchmarks/snapshot_compare.py --quick     # 500k keys
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def fill(port, nkeys):
    """nkeys keys over redis-cli --pipe: key:N strings, every tenth key a small collection."""
    path = os.path.join(tempfile.gettempdir(), "snapshot-fill-%d.resp" % os.getpid())
    value = b"v" * 32
    with open(path, "wb") as f:
        buf = []
        for i in range(nkeys):
            k = b"key:%012d" % i
            kind = i % 40
            if kind == 1:
                buf.append(resp(b"HSET", k, b"f1", b"a", b"f2", b"b", b"f3", b"c", b"f4", b"d",
                                b"f5", value))
            elif kind == 11:
                buf.append(resp(b"RPUSH", k, b"a", b"b", b"c", b"d", value))
            elif kind == 21:
                buf.append(resp(b"SADD", k, b"1", b"2", b"3", b"4", b"%d" % i))
            elif kind == 31:
                buf.append(resp(b"ZADD", k, b"1", b"a", b"2", b"b", b"3", b"c", b"4", b"d",
                                b"5", value))
            else:
                buf.append(resp(b"SET", k, value))
            if len(buf) >= 10000:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))
    with open(path, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, check=True,
                       stdout=subprocess.DEVNULL)
    os.unlink(path)


def info(port, section):
    c = compare.Client(port, timeout=600)
    try:
        text = c.call("INFO", section)
    finally:
        c.close()
    text = text.decode() if isinstance(text, bytes) else text
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def call(port, *args, timeout=600):
    c = compare.Client(port, timeout=timeout)
    try:
        return c.call(*args)
    finally:
        c.close()


def vm_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s for pid %d" % (name, pid))


def reset_peak(pid):
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


def wait_bgsave(port):
    while True:
        if info(port, "persistence").get("rdb_bgsave_in_progress") == "0":
            return
        time.sleep(0.02)


def restart_timed(srv, name, nkeys):
    """Restarts srv on its files: seconds until it answers without -LOADING (Shoal answers PING
    while loading), with DBSIZE checked."""
    srv.stop()
    t0 = time.time()
    srv.start()
    while info(srv.port, "persistence").get("loading") != "0":
        time.sleep(0.01)
    seconds = time.time() - t0
    size = call(srv.port, "DBSIZE")
    if size != nkeys:
        raise RuntimeError("%s loaded %s keys, expected %d" % (name, size, nkeys))
    return seconds


def bench(port, nkeys, requests):
    """redis-benchmark SET load: (ops/s, p99 ms)."""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(nkeys),
                          "-d", "32", "-P", "16", "-c", "50", "-n", str(requests)],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"throughput summary: ([\d.]+) requests per second", out).group(1))
    lat = re.search(r"latency summary \(msec\):\s*\n\s*avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n"
                    r"\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    return rps, float(lat.group(5))


def run_server(name, argv_fn, nkeys):
    workdir = tempfile.mkdtemp(prefix="snapshot-%s-" % name)
    srv = compare.Server(name, argv_fn, workdir)
    r = {}
    try:
        srv.start()
        compare.log("%s: filling %d keys" % (name, nkeys))
        fill(srv.port, nkeys)
        t0 = time.time()
        call(srv.port, "SAVE")
        r["save_s"] = time.time() - t0
        r["file_mb"] = os.path.getsize(os.path.join(workdir, "dump.rdb")) / 1e6
        r["load_s"] = restart_timed(srv, name, nkeys)
        pid = srv.pid
        # The load alone, sized to last about 10 s.
        rps, _ = bench(srv.port, nkeys, 200000)
        requests = int(rps * 10)
        r["rss_before"] = vm_field(pid, "VmRSS")
        r["ops_plain"], r["p99_plain"] = bench(srv.port, nkeys, requests)
        # The same load with a BGSAVE one second in.
        reset_peak(pid)
        rss0 = vm_field(pid, "VmRSS")
        load = subprocess.Popen(["redis-benchmark", "-p", str(srv.port), "-t", "set", "-r",
                                 str(nkeys), "-d", "32", "-P", "16", "-c", "50", "-n",
                                 str(requests)], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        t0 = time.time()
        call(srv.port, "BGSAVE")
        wait_bgsave(srv.port)
        r["bgsave_s"] = time.time() - t0
        out = load.communicate()[0]
        rps = float(re.search(r"throughput summary: ([\d.]+) requests per second", out).group(1))
        lat = re.search(r"\s*avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+"
                        r"([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
        r["ops_bgsave"], r["p99_bgsave"] = rps, float(lat.group(5))
        r["rss_load_start"] = rss0
        r["hwm"] = vm_field(pid, "VmHWM")
        r["cow"] = int(info(srv.port, "persistence").get("rdb_last_cow_size", "0"))
        return r
    finally:
        srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=5000000)
    ap.add_argument("--quick", action="store_true", help="500k keys")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or
                    "/usr/bin/redis-server")
    ap.add_argument("--out")
    a = ap.parse_args()
    n = 500000 if a.quick else a.keys
    shoal = run_server("shoal", lambda p: [a.shoal, "--port", str(p), "--bind", compare.HOST,
                                           "--shards", str(a.shards), "--save", "",
                                           "--loglevel", "warning"], n)
    redis = run_server("redis", lambda p: [a.redis_server, "--port", str(p), "--bind",
                                           compare.HOST, "--save", "", "--appendonly", "no"], n)
    mb = 1024 * 1024

    def row(label, key, fmt, scale=1.0):
        s, r = shoal[key] / scale, redis[key] / scale
        return [label, fmt % s, fmt % r, "%.2f" % (s / r if r else float("nan"))]

    # Redis's peak during BGSAVE is its parent's plus what the child copied on write.
    redis["peak"] = redis["hwm"] + redis["cow"]
    shoal["peak"] = shoal["hwm"] + shoal["cow"]
    shoal["peak_ratio"] = shoal["peak"] / shoal["rss_load_start"]
    redis["peak_ratio"] = redis["peak"] / redis["rss_load_start"]
    table = [
        row("SAVE (s)", "save_s", "%.2f"),
        row("dump.rdb (MB)", "file_mb", "%.1f"),
        row("load at start (s)", "load_s", "%.2f"),
        row("RSS before the load (MB)", "rss_load_start", "%.0f", mb),
        row("peak RSS during BGSAVE + COW (MB)", "peak", "%.0f", mb),
        row("peak / before", "peak_ratio", "%.3f"),
        row("BGSAVE under load (s)", "bgsave_s", "%.2f"),
        row("SET ops/s, no BGSAVE", "ops_plain", "%.0f"),
        row("SET ops/s, with BGSAVE", "ops_bgsave", "%.0f"),
        row("SET p99 ms, no BGSAVE", "p99_plain", "%.3f"),
        row("SET p99 ms, with BGSAVE", "p99_bgsave", "%.3f"),
    ]
    text = ("%d keys, Shoal --shards %d\n\n" % (n, a.shards) +
            compare.markdown_table(["", "Shoal", "Redis 7.0", "Shoal / Redis"], table))
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
