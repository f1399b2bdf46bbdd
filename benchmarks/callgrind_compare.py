#!/usr/bin/env python3
"""User-space instructions per request, Shoal against Redis 7.0, counted by callgrind.

Each server runs under `valgrind --tool=callgrind --instr-atstart=no`; the key space is loaded
with instrumentation off, then it is switched on (callgrind_control -i on) for exactly one
redis-benchmark run of GET or SET (50 clients, 32-byte values, 100k random keys, pipeline P) and
off again, and the dump's total Ir divided by the requests is the figure. Instruction counts do not
depend on the machine's load, so unlike the timed benchmarks one round is enough.

  /usr/bin/python3 benchmarks/callgrind_compare.py [--requests 20000] [--pipelines 1,16]

With --acl-user both servers get a user `bench` (+get +set ~key:*) and redis-benchmark runs as it,
so every command goes through the ACL checks (issue 15's cost of a restricted user).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def total_ir(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + path)


ACL_USER = ["bench", "on", ">benchpass", "+get", "+set", "~key:*"]


def measure(argv, name, tests, pipelines, requests, keyspace, rb, acl_user=False):
    work = tempfile.mkdtemp(prefix="cg-%s-" % name)
    port = compare.free_port()
    out = os.path.join(work, "cg.out")
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
           "--callgrind-out-file=" + out] + argv(port, work)
    log = open(os.path.join(work, "log"), "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    results = {}
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = compare.Client(port, timeout=5)
                c.call("PING")
                c.close()
                break
            except (OSError, compare.socket.error):
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("%s did not start under valgrind" % name)
                time.sleep(0.2)
        base = ["-h", "127.0.0.1", "-p", str(port), "-c", "50", "-d", "32",
                "-r", str(keyspace), "-q"]
        if acl_user:
            c = compare.Client(port, timeout=5)
            c.call("ACL", "SETUSER", *ACL_USER)
            c.close()
            base += ["--user", "bench", "-a", "benchpass"]
        # Every key exists, so each GET is a hit (instrumentation is off while loading).
        subprocess.run([rb] + base + ["-t", "set", "-n", str(keyspace * 3), "-P", "64"],
                       check=True, stdout=subprocess.DEVNULL, timeout=900)
        for test in tests:
            for p in pipelines:
                subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True,
                               stdout=subprocess.DEVNULL, timeout=60)
                subprocess.run([rb] + base + ["-t", test, "-n", str(requests), "-P", str(p)],
                               check=True, stdout=subprocess.DEVNULL, timeout=900)
                subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True,
                               stdout=subprocess.DEVNULL, timeout=60)
                before = set(glob.glob(out + "*"))
                subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True,
                               stdout=subprocess.DEVNULL, timeout=120)
                dumps = sorted(set(glob.glob(out + "*")) - before, key=os.path.getmtime)
                ir = sum(total_ir(d) for d in dumps)
                for d in dumps:
                    os.unlink(d)
                results[(test, p)] = ir / requests
                compare.log("%s %s P=%d: %.0f instructions/request" % (name, test, p, ir / requests))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--tests", default="get,set")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--shoal", default=os.path.join(compare.REPO, "build", "shoal-server"))
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    ap.add_argument("--out", help="also write the markdown table to this file")
    ap.add_argument("--acl-user", action="store_true",
                    help="run the load as a restricted ACL user (+get +set ~key:*)")
    a = ap.parse_args()
    tests = a.tests.split(",")
    pipelines = [int(p) for p in a.pipelines.split(",")]
    shoal = measure(lambda port, work: [a.shoal, "--port", str(port), "--bind", "127.0.0.1",
                                        "--shards", str(a.shards), "--save", "",
                                        "--loglevel", "warning"],
                    "shoal", tests, pipelines, a.requests, a.keyspace, a.redis_benchmark,
                    a.acl_user)
    redis = measure(lambda port, work: [a.redis_server, "--port", str(port), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no", "--dir", work],
                    "redis", tests, pipelines, a.requests, a.keyspace, a.redis_benchmark,
                    a.acl_user)
    rows = [[t.upper(), str(p), "%.0f" % shoal[(t, p)], "%.0f" % redis[(t, p)],
             "**%.2f**" % (shoal[(t, p)] / redis[(t, p)])] for t in tests for p in pipelines]
    table = compare.markdown_table(
        ["command", "P", "shoal instr/request", "redis instr/request", "shoal/redis"], rows)
    print(table)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
