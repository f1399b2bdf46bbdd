#!/usr/bin/python3
"""Pub/Sub side by side: Shoal vs Redis 7.0, delivered messages per server CPU-second.

Publishers (--clients processes, each pipelining --batch PUBLISH per write, 32-byte payloads) and
one subscriber process that holds every subscriber socket (non-blocking, selectors) and counts the
frames it receives. Three cases:
  * 1 subscriber:    one SUBSCRIBE of the channel;
  * 100 subscribers: 100 sockets on the channel (on Shoal they land on every thread);
  * 100 patterns:    100 sockets, each PSUBSCRIBE p<i>.*; publishes go to p<k>.x round robin, so
                     every publish is matched against 100 patterns and reaches one subscriber.
Delivered = the sum of PUBLISH replies (receivers); the subscriber process must have received them
all before the next round. For each case and server: delivered messages per second and per server
CPU-second (utime+stime from /proc), medians over alternating rounds.

Only ever connects to 127.0.0.1; standard library only; every server is stopped at the end.

  /usr/bin/python3 benchmarks/pubsub_compare.py --quick          # ~40 s
  /usr/bin/python3 benchmarks/pubsub_compare.py --shards 2 --batch 16 --out /tmp/pubsub.md
"""

import argparse
import multiprocessing
import os
import selectors
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import multi_compare  # noqa: E402  (common_args, servers, report)

PAYLOAD = "m" * 32


def subscriber(port, kind, n, ready, stop, q):
    """Holds n subscriber sockets; counts message frames until `stop` is set and they go quiet."""
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        c = compare.Client(port)
        if kind == "pattern":
            c.call("PSUBSCRIBE", "p%d.*" % i)
        else:
            c.call("SUBSCRIBE", "chan")
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ)
        socks.append(c)
    marker = b"$8\r\npmessage\r\n" if kind == "pattern" else b"$7\r\nmessage\r\n"
    tails = {c.sock: b"" for c in socks}
    got = 0
    ready.set()
    quiet_since = None
    while True:
        events = sel.select(timeout=0.05)
        if not events:
            if stop.is_set():
                quiet_since = quiet_since or time.time()
                if time.time() - quiet_since > 0.3:
                    break
            continue
        quiet_since = None
        for key, _ in events:
            s = key.fileobj
            try:
                data = s.recv(1 << 20)
            except BlockingIOError:
                continue
            if not data:
                raise RuntimeError("the server closed a subscriber")
            chunk = tails[s] + data
            got += chunk.count(marker)
            # Keep the last bytes so a marker split across reads is counted once.
            tails[s] = chunk[-(len(marker) - 1):]
    for c in socks:
        c.close()
    q.put(got)


def publisher(port, kind, batch, seconds, q):
    c = compare.Client(port)
    if kind == "pattern":
        payload = b"".join(compare.encode("PUBLISH", "p%d.x" % (i % 100), PAYLOAD)
                           for i in range(batch))
    else:
        payload = compare.encode("PUBLISH", "chan", PAYLOAD) * batch
    delivered = 0
    end = time.time() + seconds
    while time.time() < end:
        c.sock.sendall(payload)
        for _ in range(batch):
            delivered += c.read_reply()
    c.close()
    q.put(delivered)


def run(server, kind, nsubs, a):
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    sq, pq = multiprocessing.Queue(), multiprocessing.Queue()
    sub = multiprocessing.Process(target=subscriber,
                                 args=(server.port, kind, nsubs, ready, stop, sq))
    sub.start()
    ready.wait(30)
    cpu0 = compare.cpu_seconds(server.pid)
    t0 = time.time()
    pubs = [multiprocessing.Process(target=publisher,
                                    args=(server.port, kind, a.batch, a.seconds, pq))
            for _ in range(a.clients)]
    for p in pubs:
        p.start()
    delivered = sum(pq.get() for _ in pubs)
    for p in pubs:
        p.join()
    stop.set()
    received = sq.get()
    sub.join()
    elapsed = time.time() - t0
    cpu = compare.cpu_seconds(server.pid) - cpu0
    server.check_alive()
    if received != delivered:
        raise RuntimeError("%s: %d delivered but %d received" % (server.name, delivered, received))
    return delivered / elapsed, delivered / cpu if cpu > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a = multi_compare.common_args(ap, 16, "PUBLISH per write (pipeline)")
    cases = [("1 subscriber", "channel", 1), ("100 subscribers", "channel", 100),
             ("100 patterns", "pattern", 100)]
    shoal, redis = multi_compare.servers(a, "pubsub-compare-")
    rows = []
    try:
        shoal.start()
        redis.start()
        for case, kind, nsubs in cases:
            res = {"shoal": [], "redis": []}
            for _ in range(a.rounds):
                for name, srv in (("shoal", shoal), ("redis", redis)):
                    res[name].append(run(srv, kind, nsubs, a))
                    compare.log("%s %s: %.0f msg/s, %.0f msg/CPU-s" % (
                        case, name, res[name][-1][0], res[name][-1][1]))
            rows.append((case, {n: (statistics.median(r[0] for r in v),
                                    statistics.median(r[1] for r in v))
                                for n, v in res.items()}))
    finally:
        shoal.stop()
        redis.stop()
    multi_compare.report(a, rows, "PUBLISH, delivered messages", "msg",
                         "{} (%d shards, pipeline %d)" % (a.shards, a.batch))


if __name__ == "__main__":
    main()
