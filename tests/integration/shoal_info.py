"""INFO replies as dicts, for the tests that read INFO fields, and waits on them."""

import time


def parse(text):
    """Parse an INFO reply into {field: value}, checking the line format."""
    assert isinstance(text, bytes), text
    out = {}
    for line in text.split(b"\r\n"):
        if not line or line.startswith(b"#"):
            continue
        assert b":" in line, "bad INFO line %r" % line
        k, v = line.split(b":", 1)
        out[k.decode()] = v.decode()
    return out


def info(c, section):
    """One INFO section of client `c` as {field: value}."""
    return parse(c("INFO", section))


def blocked_clients(c):
    """INFO clients' blocked_clients of client `c` (a RespClient)."""
    return int(info(c, "clients")["blocked_clients"])


def wait_blocked(c, n, timeout=5.0):
    """Waits until exactly n clients are blocked (fails the test after `timeout` seconds)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if blocked_clients(c) == n:
            return
        time.sleep(0.005)
    raise AssertionError("blocked_clients never reached %d (now %d)" % (n, blocked_clients(c)))
