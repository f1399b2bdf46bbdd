"""Keyspace-notification capture for the tests: a subscriber to every keyevent channel, and a way
to read exactly the events a command sequence caused.

    ev = Events(host, port)            # PSUBSCRIBE __keyevent@*__:*
    c.call("SET", "k", "v")
    assert ev.collect(c) == [("set", "k")]

collect() publishes a sentinel from the commands' client after they replied: every event those
commands caused was queued to the subscriber before it (each reply follows its events), so the
events read before the sentinel are exactly theirs, in delivery order. Works against Redis too.
"""

import pytest

from shoal_resp import Err, RespClient

SENTINEL = "zz-events-sentinel"


# For the notification test modules (each defines its own module-scoped `srv`): a flushed client
# that switches notifications off again afterwards. Import it into the module to use it.
@pytest.fixture
def c(srv):
    cl = RespClient(srv.host, srv.port)
    assert cl.call("FLUSHALL") == "OK"
    yield cl
    cl.call("CONFIG", "SET", "notify-keyspace-events", "")
    cl.close()


def flags(c, f):
    assert c.call("CONFIG", "SET", "notify-keyspace-events", f) == "OK"


def is_err(reply):
    return isinstance(reply, Err)


class Events:
    def __init__(self, host, port, pattern="__keyevent@*__:*", flags="KEA"):
        self.admin = RespClient(host, port)
        self.old = self.admin.call("CONFIG", "GET", "notify-keyspace-events")[1]
        if flags is not None:
            assert self.admin.call("CONFIG", "SET", "notify-keyspace-events", flags) == "OK"
        self.sub = RespClient(host, port)
        self.sub.send("PSUBSCRIBE", pattern)
        self.sub.read()
        self.sub.send("SUBSCRIBE", SENTINEL)
        self.sub.read()

    def collect(self, client=None, db_too=False):
        """Events since the last collect as (event, key) pairs; with db_too (db, event, key)."""
        (client or self.admin).call("PUBLISH", SENTINEL, "end")
        out = []
        while True:
            msg = self.sub.read()
            if msg[0] == b"message" and msg[1] == SENTINEL.encode():
                return out
            kind, pat, chan, data = msg
            assert kind == b"pmessage", msg
            head, name = chan.split(b":", 1)
            # __keyevent@<db>__:<event> <key>, or __keyspace@<db>__:<key> <event>
            db = int(head[head.index(b"@") + 1:-2])
            if head.startswith(b"__keyevent"):
                ev = (name.decode(), data.decode(errors="replace"))
            else:
                ev = (data.decode(), name.decode(errors="replace"))
            out.append((db,) + ev if db_too else ev)

    def close(self):
        self.admin.call("CONFIG", "SET", "notify-keyspace-events", self.old)
        self.sub.close()
        self.admin.close()
