#!/usr/bin/python3
"""Lua scripts side by side: Shoal vs Redis 7.0.

EVALSHA of a small script (and FCALL of the same as a function), sent by several client processes, each pipelining a batch of calls
per write (--batch 1 is pipeline 1). Two cases:
  * one shard:  INCR + EXPIRE of one key (each client its own key; on Shoal the run is one message
                on the key's shard, or inline on the connection's own shard);
  * two shards: INCR of two declared keys on different Shoal shards + EXPIRE of both (an armed
                transaction lending both shards' data to the coordinator).
For each case and server: calls per second and calls per server CPU-second (utime+stime from
/proc, the figure that holds up on a small shared machine), medians over alternating rounds.

Only ever connects to 127.0.0.1; standard library only; every server is stopped at the end.

  /usr/bin/python3 benchmarks/script_compare.py --quick                 # ~20 s
  /usr/bin/python3 benchmarks/script_compare.py --shards 1 --batch 16   # one shard, pipeline 16
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import multi_compare  # noqa: E402  (run: worker processes and CPU-seconds; keys_for)

SCRIPT = ("local n = 0 for i, k in ipairs(KEYS) do n = n + redis.call('incr', k) "
          "redis.call('expire', k, ARGV[1]) end return n")


LIBRARY = "#!lua name=bench\nredis.register_function('incrx', function(KEYS, ARGV) %s end)" % (
    SCRIPT)


def worker(port, keys, batch, seconds, q, fcall=False):
    c = compare.Client(port)
    if fcall:
        c.call("FUNCTION", "LOAD", "REPLACE", LIBRARY)
        one = compare.encode("FCALL", "incrx", str(len(keys)), *keys, "1000")
    else:
        sha = c.call("SCRIPT", "LOAD", SCRIPT)
        if isinstance(sha, bytes):
            sha = sha.decode()
        one = compare.encode("EVALSHA", sha, str(len(keys)), *keys, "1000")
    multi_compare.pipelined(c, one, 1, batch, seconds, q)


def fcall_worker(port, keys, batch, seconds, q):
    worker(port, keys, batch, seconds, q, fcall=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a = multi_compare.common_args(ap, 1, "calls per write (pipeline)")
    cases = [("one shard", ["{t}k1"])]
    if a.shards > 1:
        cases.append(("two shards", multi_compare.keys_for("cross shard", 2)[:2]))
    rows = multi_compare.side_by_side(a, cases, worker, "calls")
    rows += [("FCALL " + case, med) for case, med in
             multi_compare.side_by_side(a, cases[:1], fcall_worker, "calls")]
    multi_compare.report(a, rows, "EVALSHA (INCR+EXPIRE per key)", "calls",
                         "{} (%d shards, pipeline %d)" % (a.shards, a.batch))

if __name__ == "__main__":
    main()
