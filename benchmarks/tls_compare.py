#!/usr/bin/python3
"""GET/SET over TLS: Shoal vs Redis 7.0, side by side in one run.

Makes a CA, a server and a client certificate with the `openssl` CLI in a temporary folder,
starts shoal-server (once per --shards value) and Debian's redis-server, each with a plaintext
port and a TLS port (tls-auth-clients yes: the load generator presents the client
certificate), and runs redis-benchmark --tls against both, alternating rounds so machine noise
hits both. SET:GET 1:1, 32-byte values, 100k keys, 50 connections, pipeline 1 and 16. The same
load over plaintext runs in the same rounds, for the cost of TLS itself. Reports ops/s, ops per
server CPU-second and the ratios.

Reuses compare.py's servers, load runner and report helpers. Only connects to 127.0.0.1.

  /usr/bin/python3 benchmarks/tls_compare.py --quick             # smoke run, ~30 s
  /usr/bin/python3 benchmarks/tls_compare.py --out /tmp/tls.md   # ~5 minutes
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import (HOST, REPO, RedisBenchmarkLoad, Server, aggregate, fmt_int, free_port,  # noqa: E402,E501
                     log, markdown_table, raise_on_signals, ratio, write_report)


def make_certs(d):
    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ossl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256", "-days", "2",
         "-subj", "/CN=Bench CA", "-keyout", "ca.key", "-out", "ca.crt")
    for name in ("server", "client"):
        ossl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=" + name,
             "-keyout", name + ".key", "-out", name + ".csr")
        ossl("x509", "-req", "-sha256", "-days", "2", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-in", name + ".csr", "-out", name + ".crt")
    return {n: os.path.join(d, n) for n in ("ca.crt", "server.crt", "server.key", "client.crt",
                                            "client.key")}


class TlsServer(Server):
    """A compare.Server that also listens for TLS on tls_port (chosen before start)."""

    def __init__(self, name, argv_fn, workdir, certs):
        self.tls_port = free_port()
        self.certs = certs
        tls = ["--tls-port", str(self.tls_port), "--tls-cert-file", certs["server.crt"],
               "--tls-key-file", certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"]]
        super().__init__(name, lambda port: argv_fn(port) + tls, workdir)


class Endpoint:
    """What RedisBenchmarkLoad.run needs: a port, the server's pid and its liveness check."""

    def __init__(self, server, port):
        self.server, self.port = server, port

    @property
    def pid(self):
        return self.server.pid

    def check_alive(self):
        self.server.check_alive()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shoal", default=os.path.join(REPO, "build", "shoal-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark"))
    ap.add_argument("--shards", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--transports", default="tls,plain")
    ap.add_argument("--quick", action="store_true", help="1 round, 20k requests, shards 1")
    ap.add_argument("--out")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.requests, a.shards = 1, 20000, "1"
    return a


def main():
    a = parse_args()
    raise_on_signals()
    work = tempfile.mkdtemp(prefix="shoal-tls-bench-")
    certs = make_certs(work)
    tls_extra = ["--tls", "--cacert", certs["ca.crt"], "--cert", certs["client.crt"],
                 "--key", certs["client.key"]]
    plain = RedisBenchmarkLoad(a.redis_benchmark, a.clients, 32, 100000)
    tls = RedisBenchmarkLoad(a.redis_benchmark, a.clients, 32, 100000, extra=tls_extra)
    pipelines = [int(p) for p in a.pipelines.split(",")]
    servers = []
    raw = []
    rows = []
    try:
        redis_srv = TlsServer("redis", lambda port: [
            a.redis, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--loglevel", "warning"], work, certs).start()
        servers.append(redis_srv)
        for shards in [int(s) for s in a.shards.split(",")]:
            shoal = TlsServer("shoal-%d" % shards, lambda port, n=shards: [
                a.shoal, "--port", str(port), "--bind", HOST, "--shards", str(n), "--save", "",
                "--loglevel", "warning"], work, certs).start()
            servers.append(shoal)
            for p in pipelines:
                for transport, load in [(t, {"tls": tls, "plain": plain}[t])
                                        for t in a.transports.split(",")]:
                    runs = {"shoal": [], "redis": []}
                    for rnd in range(a.rounds):
                        for name, srv in (("shoal", shoal), ("redis", redis_srv)):
                            port = srv.tls_port if transport == "tls" else srv.port
                            r = load.run(Endpoint(srv, port), 1, 1, a.requests, p)
                            runs[name].append(r)
                            raw.append({"shards": shards, "P": p, "transport": transport,
                                        "server": name, "round": rnd, **r})
                            log("shards=%d P=%d %s %s: %s ops/s" % (shards, p, transport, name,
                                                                   fmt_int(r["ops_s"])))
                    s, r = aggregate(runs["shoal"]), aggregate(runs["redis"])
                    rows.append([str(shards), str(p), transport, fmt_int(s["ops_s"]),
                                 fmt_int(r["ops_s"]), ratio(s["ops_s"], r["ops_s"]),
                                 fmt_int(s["ops_cpu"]), fmt_int(r["ops_cpu"]),
                                 "**%s**" % ratio(s["ops_cpu"], r["ops_cpu"])])
            shoal.stop()
            servers.remove(shoal)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    header = ["shards", "P", "transport", "shoal ops/s", "redis ops/s", "ops/s ratio",
              "shoal ops/CPU-s", "redis ops/CPU-s", "CPU-eff ratio"]
    text = ("GET/SET 1:1 over TLS (TLS 1.3, client certificates) and plaintext, redis-benchmark, "
            "%d clients, 32-byte values, 100k keys, %d alternating rounds of %d requests; "
            "medians of ops/s, ops per server CPU-second over all rounds.\n\n"
            % (a.clients, a.rounds, a.requests)) + markdown_table(header, rows)
    write_report(text, a.out, a.json, raw)


if __name__ == "__main__":
    compare.RUN_TIMEOUT = 600
    main()
