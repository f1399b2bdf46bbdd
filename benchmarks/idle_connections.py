#!/usr/bin/python3
"""Memory per idle connection and GET/SET throughput beside many idle connections:
Shoal vs Redis 7.0, side by side.

    /usr/bin/python3 benchmarks/idle_connections.py                  # 10,000 idle connections
    /usr/bin/python3 benchmarks/idle_connections.py --conns 2000 --requests 50000   # quicker

Standard library only. Needs build/shoal-server (or --shoal), Debian's redis-server and
redis-benchmark. It raises its own RLIMIT_NOFILE soft limit to the hard limit (the servers raise
theirs for maxclients = conns + 100, as Redis's adjustOpenFilesLimit does); with a hard limit
below conns + 100 run it under `ulimit -n` / `prlimit --nofile=` with a higher one.

For each server (fresh, on a free 127.0.0.1 port):
  1. VmRSS and INFO used_memory with one client.
  2. Opens --conns connections; each sends PING and reads PONG, then stays idle.
     RSS right after ("busy": buffers as after a command), and after --settle seconds
     ("idle": once the servers' cron has trimmed idle clients' buffers).
  3. redis-benchmark -t set,get -c 50 -n --requests (-P 1 and -P 16) while they stay open.
  4. Closes them and checks INFO connected_clients comes back to 1.
"""

import argparse
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def call(port, *args):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        out = ["*%d\r\n" % len(args)]
        for a in args:
            a = str(a)
            out.append("$%d\r\n%s\r\n" % (len(a.encode()), a))
        s.sendall("".join(out).encode())
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
            if data.startswith(b"$"):
                n = int(data[1:data.index(b"\r\n")])
                if len(data) >= data.index(b"\r\n") + 2 + n + 2:
                    break
            elif data.endswith(b"\r\n"):
                break
        return data
    finally:
        s.close()


def info_field(port, section, name):
    m = re.search(rb"^%s:(\S+)" % name.encode(), call(port, "INFO", section), re.M)
    return m.group(1).decode() if m else None


def wait_ping(port, proc, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %r" % proc.returncode)
        try:
            if call(port, "PING").startswith(b"+PONG"):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def bench(port, pipeline, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set,get", "-c", "50",
                          "-n", str(requests), "-P", str(pipeline), "-d", "32", "-r", "100000",
                          "-q", "--csv"], capture_output=True, text=True, timeout=600).stdout
    rps = {}
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if len(cells) >= 2 and cells[0] in ("SET", "GET"):
            rps[cells[0]] = float(cells[1])
    return rps


def run_one(name, argv, args):
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="idle-bench-")
    proc = subprocess.Popen(argv + ["--port", str(port)], cwd=tmp, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    res = {"name": name}
    socks = []
    try:
        wait_ping(port, proc)
        time.sleep(0.5)
        rss0 = rss(proc.pid)
        used0 = int(info_field(port, "memory", "used_memory"))
        t0 = time.time()
        for _ in range(args.conns):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(b"PING\r\n")
            socks.append(s)
        for s in socks:
            assert s.recv(16) == b"+PONG\r\n"
        res["connect_s"] = time.time() - t0
        res["clients"] = int(info_field(port, "clients", "connected_clients"))
        res["busy_per_conn"] = (rss(proc.pid) - rss0) / args.conns
        time.sleep(args.settle)
        res["idle_per_conn"] = (rss(proc.pid) - rss0) / args.conns
        res["used_per_conn"] = (int(info_field(port, "memory", "used_memory")) - used0) / args.conns
        for p in (1, 16):
            r = bench(port, p, args.requests)
            res["set_p%d" % p] = r.get("SET", 0)
            res["get_p%d" % p] = r.get("GET", 0)
        for s in socks:
            s.close()
        socks = []
        deadline = time.time() + 20
        while time.time() < deadline:
            n = int(info_field(port, "clients", "connected_clients"))
            if n == 1:
                break
            time.sleep(0.2)
        res["clients_after"] = n
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--settle", type=float, default=4.0,
                    help="seconds idle before the 'idle' measure (Redis trims after 2s)")
    ap.add_argument("--shards", type=int, default=2)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shoal", default=os.path.join(here, "..", "build", "shoal-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.conns + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < need:
        sys.exit("RLIMIT_NOFILE hard limit %d < %d: raise it (ulimit -n / prlimit)" % (hard, need))

    maxclients = str(args.conns + 100)
    runs = [
        run_one("shoal (%d shards)" % args.shards,
                [args.shoal, "--bind", "127.0.0.1", "--shards", str(args.shards), "--loglevel",
                 "warning", "--maxclients", maxclients, "--save", ""], args),
        run_one("redis 7.0", [args.redis, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                              "no", "--loglevel", "warning", "--maxclients", maxclients], args),
    ]
    print("\n%d idle connections (each sent one PING), then redis-benchmark -c 50 -n %d "
          "beside them\n" % (args.conns, args.requests))
    cols = [("connected", lambda r: "%d" % r["clients"]),
            ("RSS/conn after PING", lambda r: "%.0f B" % r["busy_per_conn"]),
            ("RSS/conn idle %gs" % args.settle, lambda r: "%.0f B" % r["idle_per_conn"]),
            ("used_memory/conn", lambda r: "%.0f B" % r["used_per_conn"]),
            ("SET rps P1", lambda r: "%.0f" % r["set_p1"]),
            ("GET rps P1", lambda r: "%.0f" % r["get_p1"]),
            ("SET rps P16", lambda r: "%.0f" % r["set_p16"]),
            ("GET rps P16", lambda r: "%.0f" % r["get_p16"]),
            ("clients after close", lambda r: "%d" % r["clients_after"])]
    print("| server | " + " | ".join(c for c, _ in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for r in runs:
        print("| %s | " % r["name"] + " | ".join(f(r) for _, f in cols) + " |")


if __name__ == "__main__":
    main()
