"""Where a key lives: Redis Cluster's key slot (CRC16 of the {hashtag}) and Shoal's shard
(slot mod shard count). Tests use it to pick key names on different shards or on one."""

SHARDS = 4  # what conftest starts Shoal with (SHOAL_ARGS may change it)


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def key_slot(key):
    k = key.encode() if isinstance(key, str) else key
    s = k.find(b"{")
    if s >= 0:
        e = k.find(b"}", s + 1)
        if e > s + 1:
            k = k[s + 1:e]
    return crc16(k) % 16384


def shard_of(key, shards=SHARDS):
    return key_slot(key) % shards


def spread_keys(prefix, n, shards=SHARDS):
    """n key names, round-robin over the shards of a `shards`-shard Shoal (any names on Redis)."""
    out, i = [], 0
    while len(out) < n:
        k = "%s%d" % (prefix, i)
        if shard_of(k, shards) == len(out) % shards:
            out.append(k)
        i += 1
    return out
