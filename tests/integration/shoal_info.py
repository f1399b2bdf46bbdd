"""INFO replies as dicts, for the tests that read INFO fields."""


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
