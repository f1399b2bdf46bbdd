"""Minimal RESP2/RESP3 client and raw-socket helpers for the integration suite.

Unlike redis-py, this keeps error replies verbatim (Err('ERR syntax error')),
so tests can compare exact error strings.
"""

import socket
import time

HOST = "127.0.0.1"
SOCK_TIMEOUT = 10.0


# --------------------------------------------------------------------------
# A tiny RESP2/RESP3 client that keeps exact error strings.
# --------------------------------------------------------------------------


class Err(str):
    """An error reply. The value is the exact message, e.g. 'ERR syntax error'."""

    def __repr__(self):
        return "Err(%s)" % str.__repr__(self)


class Push(list):
    """A RESP3 push message (>)."""


class Verbatim(bytes):
    """A RESP3 verbatim string (=); the value excludes the 'txt:' prefix."""

    fmt = b"txt"


class ConnectionClosed(Exception):
    pass


def encode_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            a = repr(a).encode() if isinstance(a, float) else str(a).encode()
        elif not isinstance(a, (bytes, bytearray)):
            raise TypeError("bad argument %r" % (a,))
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespClient:
    """Blocking RESP client with a timeout on every socket op.

    Replies: simple string -> str, bulk -> bytes, integer -> int, nil -> None,
    array -> list, error -> Err (str), RESP3 map -> dict, set -> set (or list
    when unhashable), double -> float, boolean -> bool, big number -> int,
    verbatim -> Verbatim, push -> Push.
    """

    def __init__(self, host=HOST, port=6379, timeout=SOCK_TIMEOUT):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    # -- io --
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode_command(args))

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("connection closed by server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = self.buf[:i]
                self.buf = self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data = self.buf[:n]
        assert self.buf[n:n + 2] == b"\r\n", "bulk not terminated by CRLF"
        self.buf = self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return Err(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            return self._exact(n)
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read() for _ in range(n)]
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            s = rest.decode()
            return float(s)
        if t == b"(":
            return int(rest)
        if t == b"!":
            return Err(self._exact(int(rest)).decode())
        if t == b"=":
            data = self._exact(int(rest))
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self.read()
                if isinstance(k, list):
                    k = tuple(k)
                d[k] = self.read()
            return d
        if t == b"~":
            items = [self.read() for _ in range(int(rest))]
            try:
                return set(items)
            except TypeError:
                return items
        if t == b">":
            return Push(self.read() for _ in range(int(rest)))
        if t == b"|":
            n = int(rest)
            for _ in range(2 * n):
                self.read()
            return self.read()
        raise AssertionError("unexpected RESP type byte in line %r" % (line,))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def __call__(self, *args):
        return self.call(*args)

    def pipeline(self, commands):
        self.sock.sendall(b"".join(encode_command(c) for c in commands))
        return [self.read() for _ in commands]

    def is_closed(self, wait=10.0):
        """True if the server closed the connection (EOF) within `wait` s."""
        self.sock.settimeout(wait)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        finally:
            try:
                self.sock.settimeout(SOCK_TIMEOUT)
            except OSError:
                pass


class RawConn:
    """A raw socket for byte-level checks."""

    def __init__(self, host, port, timeout=SOCK_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.closed = False

    def send(self, data):
        self.sock.sendall(data)

    def recv_until(self, terminator=None, nbytes=None, idle=0.5, total=10.0, first=None):
        """Read until `terminator` is at the end / `nbytes` read / EOF / idle timeout.
        `first`: how long to wait for the first byte; defaults to 5 s when a terminator or a byte
        count says a reply is awaited (a slow, sanitized server may take a while to send it; the
        read ends as soon as it is there), else to `idle`."""
        if first is None and (terminator is not None or nbytes is not None):
            first = 5.0
        out = b""
        deadline = time.time() + total
        while time.time() < deadline:
            wait = idle if (out or first is None) else first
            self.sock.settimeout(max(0.01, min(wait, deadline - time.time())))
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except (ConnectionResetError, BrokenPipeError):
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            out += chunk
            if terminator is not None and out.endswith(terminator):
                break
            if nbytes is not None and len(out) >= nbytes:
                break
        return out

    def wait_closed(self, wait=10.0):
        """Drain until EOF (or `wait` s without a byte); returns (data, closed)."""
        data = self.recv_until(idle=wait, total=wait)
        return data, self.closed

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
