#!/usr/bin/python3
"""Longest stall while one set, hash or sorted set grows to millions of members: Shoal vs Redis.

A hash table that doubles in one step stalls its thread for as long as rehashing every member
takes (hundreds of milliseconds at 10M members); Redis's dict, and StrMap and ZSet's member table
since they rehash incrementally, move one bucket per operation instead. For each server
(--shoal, the optional --shoal-before, and redis-server 7.0), and each type (set: SADD, hash:
HSET, zset: ZADD), on a fresh server:

  * the loader grows one key to --members members over one connection with pipelined
    `SADD key m1 .. m100` (`HSET key f1 v f2 v ...`, `ZADD key s1 m1 s2 m2 ...`) commands,
    --window commands in flight. Its "longest SADD" is the longest gap between two reply
    arrivals: with pipelining that is the longest time any one command held the server. ZADD
    scores are a permutation of 0..members-1 (member i gets i * 7919 mod members), so inserts
    land all over the skiplist rather than at its tail.
  * a probe, a separate process with its own connection, sends `SCARD key` (`HLEN key`,
    `ZCARD key`) every --probe-ms milliseconds, unpipelined, and records each reply's latency:
    the stall any other client of that shard sees. Reported: max and p99.9.

Shoal runs with --shards 1, so the loader and the probe meet on the same shard thread.
Only ever connects to 127.0.0.1. Standard library only. Servers are stopped after each run, on
errors and on Ctrl-C/SIGTERM/SIGHUP.

  /usr/bin/python3 benchmarks/set_growth.py --members 1000000            # quick, < 1 minute
  /usr/bin/python3 benchmarks/set_growth.py --shoal-before /tmp/shoal-base/shoal-server
"""

import argparse
import math
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import HOST, REPO, Client, Server, log, markdown_table  # noqa: E402

RECV_TIMEOUT = 120.0  # seconds without any reply before a run is declared stuck

TYPES = {
    # name: (grow command, probe command)
    "set": ("SADD", "SCARD"),
    "hash": ("HSET", "HLEN"),
    "zset": ("ZADD", "ZCARD"),
}

ZSET_SCORE_STEP = 7919  # prime: i * 7919 mod members is a permutation unless it divides members


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def build_commands(kind, key, members, per_command):
    """The loader's commands, pre-encoded so that building them never delays the pipeline."""
    head_cmd = bulk(TYPES[kind][0].encode()) + bulk(key)
    value = bulk(b"v")
    cmds = []
    for start in range(0, members, per_command):
        n = min(per_command, members - start)
        if kind == "set":
            body = b"".join(bulk(b"m%d" % i) for i in range(start, start + n))
            cmds.append(b"*%d\r\n" % (n + 2) + head_cmd + body)
        elif kind == "zset":
            body = b"".join(bulk(b"%d" % (i * ZSET_SCORE_STEP % members)) + bulk(b"m%d" % i)
                            for i in range(start, start + n))
            cmds.append(b"*%d\r\n" % (2 * n + 2) + head_cmd + body)
        else:
            body = b"".join(bulk(b"f%d" % i) + value for i in range(start, start + n))
            cmds.append(b"*%d\r\n" % (2 * n + 2) + head_cmd + body)
    return cmds


def load(port, cmds, window):
    """Sends cmds with up to `window` in flight. Returns (seconds, longest reply gap, added)."""
    c = Client(port, timeout=RECV_TIMEOUT)
    try:
        sock = c.sock
        sent = done = added = 0
        buf = b""
        t0 = last = time.perf_counter()
        longest = 0.0
        while done < len(cmds):
            while sent < len(cmds) and sent - done < window:
                sock.sendall(cmds[sent])
                sent += 1
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("server closed the loader's connection")
            now = time.perf_counter()
            buf += chunk
            end = buf.rfind(b"\r\n")
            if end < 0:
                continue
            lines, buf = buf[:end].split(b"\r\n"), buf[end + 2:]
            for line in lines:
                if not line.startswith(b":"):
                    raise RuntimeError("loader: unexpected reply %r" % line[:200])
                added += int(line[1:])
            done += len(lines)
            longest = max(longest, now - last)
            last = now
        return time.perf_counter() - t0, longest, added
    finally:
        c.close()


def probe_main(port, cmd, key, interval, stop, out):
    """Child process: one unpipelined command every `interval` s until `stop` is set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
    lat = []
    c = Client(port, timeout=RECV_TIMEOUT)
    try:
        next_t = time.perf_counter()
        while not stop.is_set():
            t0 = time.perf_counter()
            c.call(cmd, key)
            t1 = time.perf_counter()
            lat.append(t1 - t0)
            next_t += interval
            if next_t > t1:
                time.sleep(next_t - t1)
            else:
                next_t = t1  # behind (a stall): no burst to catch up
    finally:
        c.close()
        out.send(lat)
        out.close()


def percentile(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    return sorted_vals[min(len(sorted_vals) - 1, max(0, math.ceil(q * len(sorted_vals)) - 1))]


def run_one(server, kind, cmds, members, a):
    key = ("growth:%s" % kind).encode()
    server.start()
    try:
        ctx = multiprocessing.get_context("fork")
        stop = ctx.Event()
        recv_end, send_end = ctx.Pipe(duplex=False)
        probe = ctx.Process(target=probe_main, args=(server.port, TYPES[kind][1], key,
                                                     a.probe_ms / 1000.0, stop, send_end))
        probe.start()
        send_end.close()
        try:
            time.sleep(0.2)  # the probe is connected and sampling before the load starts
            secs, longest, added = load(server.port, cmds, a.window)
            time.sleep(0.2)
        finally:
            stop.set()
            lat = recv_end.recv() if recv_end.poll(30) else []
            probe.join(10)
            if probe.is_alive():
                probe.terminate()
                probe.join()
        server.check_alive()
        c = Client(server.port)
        try:
            size = c.call(TYPES[kind][1], key)
        finally:
            c.close()
        if added != members or size != members:
            raise RuntimeError("%s: %d added, %s reports %d, expected %d" %
                               (server.name, added, TYPES[kind][1], size, members))
    finally:
        server.stop()
    lat.sort()
    return {"server": server.name, "type": kind, "members": members, "seconds": secs,
            "probes": len(lat), "probe_max": lat[-1] if lat else float("nan"),
            "probe_p999": percentile(lat, 0.999), "probe_p50": percentile(lat, 0.5),
            "longest_cmd": longest}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--members", type=int, default=10_000_000, help="members to grow to")
    ap.add_argument("--per-command", type=int, default=100, help="members per SADD/HSET/ZADD")
    ap.add_argument("--window", type=int, default=16, help="loader commands in flight")
    ap.add_argument("--probe-ms", type=float, default=1.0, help="probe interval")
    ap.add_argument("--types", default="set,hash",
                    help="comma list of: set, hash, zset (default set,hash)")
    ap.add_argument("--rounds", type=int, default=1, help="runs per server and type")
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--shoal-before", help="a second shoal-server to compare (e.g. the base)")
    ap.add_argument("--redis-server",
                    default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--no-redis", action="store_true")
    ap.add_argument("--out", help="also write the table as markdown to this file")
    a = ap.parse_args()
    types = [t for t in a.types.split(",") if t]
    for t in types:
        if t not in TYPES:
            ap.error("unknown type %r" % t)
    if not 1 <= a.members <= 100_000_000 or not 1 <= a.per_command <= 10_000:
        ap.error("--members must be 1..100M and --per-command 1..10000")
    if not 1 <= a.rounds <= 10 or not 1 <= a.window <= 1000:
        ap.error("--rounds must be 1..10 and --window 1..1000")

    compare.raise_on_signals()

    workdir = tempfile.mkdtemp(prefix="shoal-set-growth-")

    def shoal_argv(binary):
        return lambda p: [binary, "--port", str(p), "--bind", HOST, "--shards", "1",
                          "--loglevel", "warning", "--save", "", "--appendonly", "no",
                          "--dir", workdir]
    servers = []
    if a.shoal_before:
        servers.append(Server("shoal before", shoal_argv(a.shoal_before), workdir))
    servers.append(Server("shoal" if not a.shoal_before else "shoal after",
                          shoal_argv(a.shoal), workdir))
    if not a.no_redis:
        servers.append(Server("redis 7.0", lambda p: [
            a.redis_server, "--port", str(p), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--dir", workdir], workdir))
    results = []
    try:
        for kind in types:
            t0 = time.time()
            cmds = build_commands(kind, ("growth:%s" % kind).encode(), a.members, a.per_command)
            log("%s: %d commands built in %.1f s" % (kind, len(cmds), time.time() - t0))
            for rnd in range(a.rounds):
                for s in servers:  # alternating, so machine noise hits every server
                    r = run_one(s, kind, cmds, a.members, a)
                    results.append(r)
                    log("  round %d %-12s %-4s %.1f s, probe max %.1f ms p99.9 %.2f ms "
                        "p50 %.3f ms (%d probes), longest %s %.1f ms" % (
                            rnd + 1, s.name, kind, r["seconds"], r["probe_max"] * 1e3,
                            r["probe_p999"] * 1e3, r["probe_p50"] * 1e3, r["probes"],
                            TYPES[kind][0], r["longest_cmd"] * 1e3))
            del cmds
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    rows = []
    for r in results:
        rows.append([r["server"], r["type"], "{:,}".format(r["members"]),
                     "%.1f s" % r["seconds"], "%.1f ms" % (r["probe_max"] * 1e3),
                     "%.2f ms" % (r["probe_p999"] * 1e3),
                     "%.1f ms" % (r["longest_cmd"] * 1e3)])
    md = ("Growing one key to %s members, %d per command, %d commands in flight; probe every "
          "%g ms on a second connection:\n\n" % ("{:,}".format(a.members), a.per_command,
                                                   a.window, a.probe_ms) +
          markdown_table(["server", "type", "members", "total time", "longest probe",
                          "p99.9 probe", "longest SADD/HSET/ZADD"], rows) + "\n")
    print(md)
    if a.out:
        with open(a.out, "w") as f:
            f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
