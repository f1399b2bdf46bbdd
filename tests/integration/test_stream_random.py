"""Random stream and consumer-group command sequences run on the server under test and on a
reference redis-server 7.0 side by side: every reply must be the same, byte for byte, but for the
clock (idle and delivery times, seen-time) and the rax's internal node count. Explicit IDs only
(no `*`), no BLOCK, min-idle-time 0: the replies depend on the commands alone. Small
nodes (stream-node-max-entries 4, or stream-node-max-bytes 100) so that `~` trimming and the node
layout matter. Against redis-server
itself the test compares Redis with Redis (it checks the harness)."""

import random

import pytest

KEYS = ["s1", "s2", "{t}s3"]
GROUPS = ["g1", "g2"]
CONSUMERS = ["alice", "bob", "carol"]


HI = [40]  # IDs are drawn up to about the highest ms added so far


def _id(rnd):
    ms = rnd.randint(max(0, HI[0] - 60), HI[0] + 2)
    if rnd.random() < 0.2:
        return str(ms)
    return "%d-%d" % (ms, rnd.randint(0, 3))


def _bound(rnd, low):
    x = rnd.random()
    if x < 0.2:
        return "-" if low else "+"
    if x < 0.35:
        return "(" + _id(rnd)
    return _id(rnd)


def _trim(rnd):
    out = []
    if rnd.random() < 0.5:
        out.append("MAXLEN")
        out += rnd.choice([[], ["="], ["~"]])
        out.append(str(rnd.randint(0, 40)))
    else:
        out.append("MINID")
        out += rnd.choice([[], ["="], ["~"]])
        out.append(_id(rnd))
    if "~" in out and rnd.random() < 0.3:
        out += ["LIMIT", str(rnd.randint(0, 8))]
    return out


def _command(rnd, next_ms):
    k = rnd.choice(KEYS)
    g = rnd.choice(GROUPS)
    cons = rnd.choice(CONSUMERS)
    x = rnd.random()
    if x < 0.28:
        args = ["XADD", k]
        if rnd.random() < 0.1:
            args.append("NOMKSTREAM")
        if rnd.random() < 0.2:
            args += _trim(rnd)
        r = rnd.random()
        if r < 0.75:
            next_ms[k] += 1 if rnd.random() < 0.7 else 0
            HI[0] = max(HI[0], next_ms[k])
            args.append("%d-%d" % (next_ms[k], rnd.randint(0, 3)))
        elif r < 0.9:
            args.append("%d-*" % next_ms[k])
        else:
            args.append(_id(rnd))
        for _ in range(rnd.randint(1, 3)):
            args += [rnd.choice(["a", "b", "c", "long" * 8]), str(rnd.randint(0, 1000))]
        return args
    if x < 0.34:
        return ["XDEL", k] + [_id(rnd) for _ in range(rnd.randint(1, 3))]
    if x < 0.38:
        return ["XTRIM", k] + _trim(rnd)
    if x < 0.44:
        cmd = rnd.choice(["XRANGE", "XREVRANGE"])
        lo, hi = _bound(rnd, True), _bound(rnd, False)
        args = [cmd, k] + ([lo, hi] if cmd == "XRANGE" else [hi, lo])
        if rnd.random() < 0.4:
            args += ["COUNT", str(rnd.randint(-1, 5))]
        return args
    if x < 0.46:
        return ["XLEN", k]
    if x < 0.48:
        args = ["XSETID", k, _id(rnd)]
        if rnd.random() < 0.3:
            args += ["ENTRIESADDED", str(rnd.randint(0, 60))]
        if rnd.random() < 0.3:
            args += ["MAXDELETEDID", _id(rnd)]
        return args
    if x < 0.51:
        ks = rnd.sample(KEYS, rnd.randint(1, 3))
        args = ["XREAD"]
        if rnd.random() < 0.5:
            args += ["COUNT", str(rnd.randint(1, 4))]
        return args + ["STREAMS"] + ks + [rnd.choice(["0", "$", _id(rnd)]) for _ in ks]
    if x < 0.58:
        sub = rnd.random()
        if sub < 0.6:
            args = ["XGROUP", "CREATE", k, g, rnd.choice(["0", "$", _id(rnd)])]
            if rnd.random() < 0.5:
                args.append("MKSTREAM")
            if rnd.random() < 0.2:
                args += ["ENTRIESREAD", str(rnd.randint(-1, 20))]
            return args
        if sub < 0.75:
            args = ["XGROUP", "SETID", k, g, rnd.choice(["0", "$", _id(rnd)])]
            if rnd.random() < 0.3:
                args += ["ENTRIESREAD", str(rnd.randint(-1, 20))]
            return args
        if sub < 0.8:
            return ["XGROUP", "DESTROY", k, g]
        if sub < 0.9:
            return ["XGROUP", "CREATECONSUMER", k, g, cons]
        return ["XGROUP", "DELCONSUMER", k, g, cons]
    if x < 0.70:
        ks = rnd.sample(KEYS, rnd.randint(1, 2))
        args = ["XREADGROUP", "GROUP", g, cons]
        if rnd.random() < 0.6:
            args += ["COUNT", str(rnd.randint(1, 4))]
        if rnd.random() < 0.1:
            args.append("NOACK")
        return args + ["STREAMS"] + ks + [
            ">" if rnd.random() < 0.7 else rnd.choice(["0", _id(rnd)]) for _ in ks]
    if x < 0.76:
        return ["XACK", k, g] + [_id(rnd) for _ in range(rnd.randint(1, 3))]
    if x < 0.81:
        if rnd.random() < 0.4:
            return ["XPENDING", k, g]
        args = ["XPENDING", k, g]
        if rnd.random() < 0.3:
            args += ["IDLE", "0"]
        args += [_bound(rnd, True), _bound(rnd, False), str(rnd.randint(-1, 6))]
        if rnd.random() < 0.3:
            args.append(cons)
        return args
    if x < 0.86:
        args = ["XCLAIM", k, g, cons, "0"] + [_id(rnd) for _ in range(rnd.randint(1, 3))]
        for opt in ("JUSTID", "FORCE"):
            if rnd.random() < 0.3:
                args.append(opt)
        if rnd.random() < 0.2:
            args += ["RETRYCOUNT", str(rnd.randint(0, 9))]
        if rnd.random() < 0.2:
            args += ["LASTID", _id(rnd)]
        return args
    if x < 0.90:
        args = ["XAUTOCLAIM", k, g, cons, "0", rnd.choice(["0", "-", _id(rnd)])]
        if rnd.random() < 0.5:
            args += ["COUNT", str(rnd.randint(1, 4))]
        if rnd.random() < 0.3:
            args.append("JUSTID")
        return args
    if x < 0.95:
        r = rnd.random()
        if r < 0.4:
            return ["XINFO", "STREAM", k]
        if r < 0.7:
            return ["XINFO", "STREAM", k, "FULL"] + (
                ["COUNT", str(rnd.randint(0, 5))] if rnd.random() < 0.5 else [])
        if r < 0.85:
            return ["XINFO", "GROUPS", k]
        return ["XINFO", "CONSUMERS", k, g]
    if x < 0.955:
        return ["DEL", k]
    if x < 0.96:
        return ["COPY", k, rnd.choice(KEYS), "REPLACE"]
    return ["TYPE", k]


def _pairs_set(flat, name, value):
    for i in range(0, len(flat) - 1, 2):
        if flat[i] == name:
            flat[i + 1] = value


def _normalize(cmd, reply):
    """Clock-dependent parts of a reply set to 0."""
    if not isinstance(reply, list):
        return reply
    name = cmd[0]
    sub = cmd[1].upper() if len(cmd) > 1 else ""
    if name == "XPENDING" and len(cmd) > 3:
        for p in reply:
            p[2] = 0
    elif name == "XINFO" and sub == "CONSUMERS":
        for cons in reply:
            _pairs_set(cons, b"idle", 0)
    elif name == "XINFO" and sub == "STREAM":
        _pairs_set(reply, b"radix-tree-nodes", 0)
        if "FULL" in cmd:
            groups = reply[reply.index(b"groups") + 1]
            for g in groups:
                for p in g[g.index(b"pending") + 1]:
                    p[2] = 0
                for cons in g[g.index(b"consumers") + 1]:
                    _pairs_set(cons, b"seen-time", 0)
                    for p in cons[cons.index(b"pending") + 1]:
                        p[1] = 0
    return reply


@pytest.mark.parametrize("node", [("stream-node-max-entries", "4"),
                                  ("stream-node-max-bytes", "100")], ids=["entries4", "bytes100"])
@pytest.mark.parametrize("seed", [1, 2])
def test_random_stream_commands_match_redis(servers, seed, node):
    under_test = servers.start()
    ref = servers.start(reference=True)
    a, b = under_test.client(), ref.client()
    try:
        for cl in (a, b):
            assert cl.call("CONFIG", "SET", *node) == "OK"
        rnd = random.Random(seed)
        HI[0] = 40
        next_ms = {k: 1 for k in KEYS}
        history = []
        for i in range(2500):
            cmd = _command(rnd, next_ms)
            history.append(cmd)
            got, want = _normalize(cmd, a.call(*cmd)), _normalize(cmd, b.call(*cmd))
            assert got == want, "command %d %r: %r, redis-server %r\nlast commands:\n%s" % (
                i, cmd, got, want, "\n".join(" ".join(c) for c in history[-15:]))
        def full(cl, k):
            cmd = ["XINFO", "STREAM", k, "FULL", "COUNT", "0"]
            return _normalize(cmd, cl.call(*cmd))

        want = {k: full(b, k) for k in KEYS}
        assert {k: full(a, k) for k in KEYS} == want
        # The final streams through DUMP/RESTORE and an RDB reload.
        for k in KEYS:
            payload = a.call("DUMP", k)
            if payload is not None:
                assert a.call("RESTORE", k + "-copy", "0", payload) == "OK"
                assert full(a, k + "-copy") == want[k]
        assert a.call("DEBUG", "RELOAD") == "OK"
        assert {k: full(a, k) for k in KEYS} == want
    finally:
        a.close()
        b.close()
