"""GEO commands (Redis 7.0 geo.c): GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and the
deprecated GEORADIUS / GEORADIUSBYMEMBER (STORE, STOREDIST) and their _RO forms: every option and
error, the stored results and their events and AOF records, and replies byte-identical to a real
redis-server's on thousands of random points (poles and antimeridian included)."""

import os
import random
import subprocess
import tempfile

import pytest

import conftest
import shoal_errors as E
from shoal_events import Events
from shoal_resp import RawConn, RespClient
from test_aof import ALWAYS, AofLog

SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]


@pytest.fixture
def sicily(c):
    assert c("GEOADD", "Sicily", *SICILY) == 2
    return c


# --------------------------------------------------------------------------
# GEOADD
# --------------------------------------------------------------------------


def test_geoadd_stores_52_bit_hashes_as_scores(sicily):
    c = sicily
    assert c("ZRANGE", "Sicily", "0", "-1", "WITHSCORES") == [
        b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert c("TYPE", "Sicily") == "zset"
    # The limits themselves are accepted (the maximum overflows its 26 bits, as in Redis).
    assert c("GEOADD", "edges", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw") == 2
    assert c("ZRANGE", "edges", "0", "-1", "WITHSCORES") == [
        b"sw", b"0", b"ne", b"13510798882111488"]


def test_geoadd_nx_xx_ch(sicily):
    c = sicily
    # NX: only new members; XX: only existing ones; CH counts the changed ones too.
    assert c("GEOADD", "Sicily", "NX", "13", "38", "Palermo", "14", "38", "Other") == 1
    assert c("GEOPOS", "Sicily", "Palermo")[0] == [b"13.36138933897018433", b"38.11555639549629859"]
    assert c("GEOADD", "Sicily", "XX", "13", "38", "Palermo", "14", "39", "Missing") == 0
    assert c("ZSCORE", "Sicily", "Missing") is None
    assert c("GEOADD", "Sicily", "CH", "XX", "13.5", "38", "Palermo", "14", "38", "Other") == 1
    assert c("GEOADD", "Sicily", "ch", "nx", "13.5", "38", "Palermo", "1", "2", "New") == 1
    assert c("GEOADD", "Sicily", "CH", "13.5", "38", "Palermo", "1", "3", "New") == 1
    assert c("ZCARD", "Sicily") == 4


def test_geoadd_errors(c):
    assert c("GEOADD", "k", "NX", "XX", "1", "2", "m") == E.SYNTAX
    assert c("GEOADD", "k", "1", "2", "m", "3") == E.SYNTAX
    assert c("GEOADD", "k", "1", "2") == E.arity("geoadd")
    assert c("GEOADD", "k", "GT", "1", "2", "m") == E.SYNTAX
    assert c("GEOADD", "k", "x", "2", "m") == E.NOT_FLOAT
    assert c("GEOADD", "k", "1", "nan", "m") == E.NOT_FLOAT
    assert c("GEOADD", "k", "200", "100", "m") == E.geo_lonlat("200.000000", "100.000000")
    assert c("GEOADD", "k", "10", "85.05112879", "m") == E.geo_lonlat("10.000000", "85.051129")
    assert c("GEOADD", "k", "-180.0000001", "0", "m") == E.geo_lonlat("-180.000000", "0.000000")
    assert c("GEOADD", "k", "inf", "0", "m") == E.geo_lonlat("inf", "0.000000")
    # A bad pair after good ones changes nothing.
    assert c("GEOADD", "k", "1", "2", "a", "1", "95", "b") == E.geo_lonlat("1.000000", "95.000000")
    assert c("EXISTS", "k") == 0
    # Options only, no elements: ZADD's own syntax error.
    assert c("GEOADD", "k", "CH", "CH", "CH") == E.SYNTAX
    assert c("SET", "str", "v") == "OK"
    assert c("GEOADD", "str", "1", "2", "m") == E.WRONGTYPE
    # The coordinates are checked before the type.
    assert c("GEOADD", "str", "1", "200", "m") == E.geo_lonlat("1.000000", "200.000000")


# --------------------------------------------------------------------------
# GEODIST / GEOHASH / GEOPOS
# --------------------------------------------------------------------------


def test_geodist_units(sicily):
    c = sicily
    assert c("GEODIST", "Sicily", "Palermo", "Catania") == b"166274.1516"
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "m") == b"166274.1516"
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "KM") == b"166.2742"
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "mi") == b"103.3182"
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "Ft") == b"545518.8700"
    assert c("GEODIST", "Sicily", "Palermo", "Palermo") == b"0.0000"
    assert c("GEODIST", "Sicily", "Palermo", "nope") is None
    assert c("GEODIST", "nokey", "a", "b") is None
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "yd") == E.GEO_BAD_UNIT
    assert c("GEODIST", "nokey", "a", "b", "yd") == E.GEO_BAD_UNIT
    assert c("GEODIST", "Sicily", "Palermo", "Catania", "km", "x") == E.SYNTAX
    assert c("SET", "str", "v") == "OK"
    assert c("GEODIST", "str", "a", "b") == E.WRONGTYPE


def test_geohash_and_geopos(sicily):
    c = sicily
    assert c("GEOHASH", "Sicily", "Palermo", "Catania", "nope") == [
        b"sqc8b49rny0", b"sqdtr74hyu0", None]
    assert c("GEOHASH", "nokey", "a") == [None]
    assert c("GEOPOS", "Sicily", "Palermo", "nope", "Catania") == [
        [b"13.36138933897018433", b"38.11555639549629859"], None,
        [b"15.08726745843887329", b"37.50266842333162032"]]
    assert c("GEOPOS", "nokey", "a", "b") == [None, None]
    assert c("GEOHASH", "Sicily") == []
    assert c("GEOPOS", "Sicily") == []
    assert c("SET", "str", "v") == "OK"
    assert c("GEOHASH", "str", "a") == E.WRONGTYPE
    assert c("GEOPOS", "str", "a") == E.WRONGTYPE


def test_geopos_resp3_doubles(server):
    """RESP3: coordinates are doubles (",..."), a missing member a null; distances stay bulks."""
    conn = RawConn(server.host, server.port)
    try:
        conn.send(b"HELLO 3\r\n")
        conn.recv_until(idle=0.3, first=5.0)
        conn.send(b"FLUSHALL\r\nGEOADD Sicily 13.361389 38.115556 Palermo\r\n")
        assert conn.recv_until(b":1\r\n") == b"+OK\r\n:1\r\n"
        conn.send(b"GEOPOS Sicily Palermo nope\r\n")
        assert conn.recv_until(b"_\r\n") == (
            b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n")
        conn.send(b"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km WITHCOORD WITHDIST\r\n")
        assert conn.recv_until(b"9859\r\n") == (
            b"*1\r\n*3\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n"
            b"*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n")
    finally:
        conn.close()


# --------------------------------------------------------------------------
# GEOSEARCH / GEORADIUS replies
# --------------------------------------------------------------------------


def test_geosearch_options(sicily):
    c = sicily
    assert c("GEOADD", "Sicily", "12.758489", "38.788135", "edge1",
             "17.241510", "38.788135", "edge2") == 2
    s = ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37")
    assert c(*s, "BYRADIUS", "200", "km", "ASC") == [b"Catania", b"Palermo"]
    assert c(*s, "BYRADIUS", "200", "km", "DESC") == [b"Palermo", b"Catania"]
    assert c(*s, "BYRADIUS", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC") == [
        [b"Catania", b"56.4413", 3479447370796909,
         [b"15.08726745843887329", b"37.50266842333162032"]],
        [b"Palermo", b"190.4424", 3479099956230698,
         [b"13.36138933897018433", b"38.11555639549629859"]]]
    assert c(*s, "BYBOX", "400", "400", "km", "ASC", "WITHDIST") == [
        [b"Catania", b"56.4413"], [b"Palermo", b"190.4424"],
        [b"edge2", b"279.7403"], [b"edge1", b"279.7405"]]
    assert c(*s, "BYBOX", "400", "400", "km", "ASC", "COUNT", "1") == [b"Catania"]
    assert c(*s, "BYBOX", "400", "400", "km", "COUNT", "2") == [b"Catania", b"Palermo"]
    assert len(c(*s, "BYBOX", "400", "400", "km", "COUNT", "2", "ANY")) == 2
    assert c(*s, "BYBOX", "400", "400", "km", "COUNT", "2", "DESC") == [b"edge1", b"edge2"]
    assert c("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m") == [b"Palermo"]
    assert c("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "0.1", "mi",
             "WITHDIST") == [[b"Palermo", b"0.0000"]]
    assert c("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km") == []
    assert c("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km") == []
    assert c("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km") == []
    # Option order does not change the reply's layout (dist, hash, coord).
    assert c(*s, "BYRADIUS", "100", "km", "WITHCOORD", "WITHHASH", "WITHDIST") == [
        [b"Catania", b"56.4413", 3479447370796909,
         [b"15.08726745843887329", b"37.50266842333162032"]]]


def test_georadius_forms(sicily):
    c = sicily
    assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC") == [
        [b"Catania", b"56.4413"], [b"Palermo", b"190.4424"]]
    assert c("GEORADIUS_RO", "Sicily", "15", "37", "100", "km") == [b"Catania"]
    assert c("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "DESC") == [
        b"Catania", b"Palermo"]
    assert c("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "COUNT", "1",
             "WITHHASH") == [[b"Palermo", 3479099956230698]]
    assert c("GEORADIUS", "nokey", "15", "37", "200", "km") == []
    assert c("GEORADIUSBYMEMBER", "nokey", "Palermo", "200", "km") == []
    # With no key the member and the radius are not read.
    assert c("GEORADIUSBYMEMBER", "nokey", "x", "bad", "yd") == []
    assert c("GEORADIUSBYMEMBER_RO", "Sicily", "nope", "200", "km") == E.GEO_BAD_MEMBER


def test_search_errors(sicily):
    c = sicily
    g = ("GEOSEARCH", "Sicily")
    assert c(*g, "FROMLONLAT", "15", "37", "BYRADIUS", "1", "yd") == E.GEO_BAD_UNIT
    assert c(*g, "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km") == E.GEO_RADIUS
    assert c(*g, "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km") == E.GEO_NEG_RADIUS
    assert c(*g, "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km") == E.GEO_WIDTH
    assert c(*g, "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km") == E.GEO_HEIGHT
    assert c(*g, "FROMLONLAT", "15", "37", "BYBOX", "1", "-1", "km") == E.GEO_NEG_BOX
    assert c(*g, "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "cm") == E.GEO_BAD_UNIT
    assert c(*g, "FROMLONLAT", "15", "370", "BYRADIUS", "1", "km") == E.geo_lonlat(
        "15.000000", "370.000000")
    assert c(*g, "FROMLONLAT", "x", "37", "BYRADIUS", "1", "km") == E.NOT_FLOAT
    assert c(*g, "FROMMEMBER", "nope", "BYRADIUS", "1", "km") == E.GEO_BAD_MEMBER
    assert c(*g, "BYRADIUS", "1", "km", "WITHDIST", "ASC") == E.geo_from("GEOSEARCH")
    assert c("geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "ANY") == E.geo_from("geosearch")
    assert c(*g, "FROMMEMBER", "Palermo", "ASC", "WITHDIST", "ANY") == E.geo_by("GEOSEARCH")
    assert c(*g, "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km") == \
        E.SYNTAX
    assert c(*g, "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km") == \
        E.SYNTAX
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km") == \
        E.SYNTAX
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STOREDIST") == E.SYNTAX
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STORE", "x") == E.SYNTAX
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT") == E.SYNTAX
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "0") == E.GEO_COUNT
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "-3") == E.GEO_COUNT
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "x") == E.NOT_INTEGER
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "ANY") == E.GEO_ANY
    assert c(*g, "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "foo") == E.SYNTAX
    # Errors come in argument order; a missing key still has its arguments checked.
    assert c(*g, "FROMMEMBER", "nope", "BYRADIUS", "x", "km") == E.GEO_BAD_MEMBER
    assert c("GEOSEARCH", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1", "yd") == E.GEO_BAD_UNIT
    assert c("GEOSEARCH", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1", "km", "ANY") == E.GEO_ANY
    assert c("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2") == E.arity("geosearch")
    # GEORADIUS*: the centre and radius come first.
    assert c("GEORADIUS", "Sicily", "200", "37", "1", "km") == E.geo_lonlat(
        "200.000000", "37.000000")
    assert c("GEORADIUS", "Sicily", "15", "37", "x", "km") == E.GEO_RADIUS
    assert c("GEORADIUS", "Sicily", "15", "37", "1", "yd") == E.GEO_BAD_UNIT
    assert c("GEORADIUS", "nokey", "15", "37", "1", "yd") == E.GEO_BAD_UNIT
    assert c("GEORADIUSBYMEMBER", "Sicily", "Palermo", "-1", "km") == E.GEO_NEG_RADIUS
    assert c("GEORADIUS", "Sicily", "15", "37", "1", "km", "FROMMEMBER", "x") == E.SYNTAX
    assert c("GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHDIST") == \
        E.GEO_STORE_WITH
    assert c("GEORADIUS", "Sicily", "15", "37", "1", "km", "WITHHASH", "STOREDIST", "d") == \
        E.GEO_STORE_WITH
    assert c("GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d") == E.SYNTAX
    assert c("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "1", "km", "STOREDIST", "d") == \
        E.SYNTAX
    assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km",
             "WITHCOORD") == E.GEOSEARCHSTORE_WITH
    assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km",
             "STORE", "x") == E.SYNTAX
    assert c("EXISTS", "d") == 0
    assert c("SET", "str", "v") == "OK"
    assert c("GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "x", "km") == E.WRONGTYPE
    assert c("GEORADIUS", "str", "1", "2", "3", "km") == E.WRONGTYPE
    assert c("GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "3", "km") == \
        E.WRONGTYPE


# --------------------------------------------------------------------------
# The STORE forms
# --------------------------------------------------------------------------


def test_store_forms(sicily):
    c = sicily
    for dst in ["d1", "d2", "d3", "d4", "{Sicily}d"]:  # other shards and the source's own
        assert c("SET", dst, "old") == "OK"
        assert c("EXPIRE", dst, "100") == 1
        assert c("GEOSEARCHSTORE", dst, "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200",
                 "km") == 2
        assert c("TTL", dst) == -1
        assert c("ZRANGE", dst, "0", "-1", "WITHSCORES") == [
            b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
        assert c("GEOSEARCHSTORE", dst, "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200",
                 "km", "STOREDIST", "DESC", "COUNT", "1") == 1
        assert c("ZRANGE", dst, "0", "-1", "WITHSCORES") == [b"Palermo", b"190.44242984775784"]
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", dst) == 2
        assert c("ZCARD", dst) == 2
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", dst, "ASC") == 2
        assert c("ZRANGE", dst, "0", "-1", "WITHSCORES") == [
            b"Catania", b"56.441257870158204", b"Palermo", b"190.44242984775784"]
        assert c("GEORADIUSBYMEMBER", "Sicily", "Palermo", "10", "km", "STORE", dst) == 1
        assert c("ZRANGE", dst, "0", "-1") == [b"Palermo"]
        # The last STORE/STOREDIST wins.
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "x", "STOREDIST",
                 dst) == 2
        assert c("OBJECT", "ENCODING", dst) == b"listpack"
        # Nothing found (or no source): the destination is deleted and 0 replied.
        assert c("GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", dst) == 0
        assert c("EXISTS", dst) == 0
        assert c("SET", dst, "old") == "OK"
        assert c("GEOSEARCHSTORE", dst, "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km") == 0
        assert c("EXISTS", dst) == 0
        assert c("SET", dst, "old") == "OK"
        assert c("GEORADIUSBYMEMBER", "nokey", "x", "1", "km", "STOREDIST", dst) == 0
        assert c("EXISTS", dst) == 0
    assert c("EXISTS", "x") == 0
    # A large result is a skiplist, as Redis converts it.
    pts = []
    for i in range(200):
        pts += ["%f" % (10 + i * 0.001), "40", "p%d" % i]
    assert c("GEOADD", "big", *pts) == 200
    assert c("GEOSEARCHSTORE", "dbig", "big", "FROMLONLAT", "10.1", "40", "BYRADIUS", "100",
             "km") == 200
    assert c("OBJECT", "ENCODING", "dbig") == b"skiplist"
    assert c("GEORADIUS", "big", "10.1", "40", "100", "km", "COUNT", "5", "STORE", "{big}x") == 5
    assert c("ZRANGE", "{big}x", "0", "-1") == [b"p98", b"p99", b"p100", b"p101", b"p102"]


def test_store_events(server, sicily):
    c = sicily
    ev = Events(server.host, server.port)
    try:
        assert c("GEOADD", "g", "1", "2", "a") == 1
        assert c("GEOADD", "g", "NX", "1", "2", "a") == 0
        assert ev.collect() == [("zadd", "g")]
        assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200",
                 "km") == 2
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d2") == 2
        assert c("GEORADIUSBYMEMBER", "Sicily", "Palermo", "1", "km", "STOREDIST", "d3") == 1
        assert ev.collect() == [("geosearchstore", "d"), ("georadiusstore", "d2"),
                                ("georadiusstore", "d3")]
        assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1",
                 "km") == 0
        assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1",
                 "km") == 0
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km") == [b"Palermo", b"Catania"]
        assert ev.collect() == [("del", "d")]
    finally:
        ev.close()


def test_propagation(servers):
    """GEOADD is logged as the ZADD Redis runs for it; the STORE forms as themselves; the reads
    and a STORE that changed nothing are not logged."""
    h = servers.start(*ALWAYS)
    c = h.client()
    log = AofLog(h)
    try:
        assert c("GEOADD", "Sicily", "CH", *SICILY) == 2
        log.expect((0, "ZADD", "Sicily", "CH", "3479099956230698", "Palermo",
                    "3479447370796909", "Catania"))
        assert c("GEOADD", "Sicily", "NX", *SICILY) == 0
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km") == [b"Palermo", b"Catania"]
        assert c("GEORADIUS", "Sicily", "15", "37", "2", "km", "STORE", "none") == 0
        assert c("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km") == [
            b"Palermo", b"Catania"]
        assert c("SET", "mark", "1") == "OK"
        log.expect((0, "SET", "mark", "1"))
        assert c("GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d") == 2
        log.expect((0, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d"))
        assert c("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "1",
                 "km") == 1
        log.expect((0, "GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1",
                    "1", "km"))
        # Inside MULTI and scripts too.
        assert c("MULTI") == "OK"
        assert c("GEOADD", "m", "1", "2", "a") == "QUEUED"
        assert c("GEORADIUS", "m", "1", "2", "1", "km", "STORE", "{m}d") == "QUEUED"
        assert c("EXEC") == [1, 1]
        log.expect("MULTI", (0, "ZADD", "m", "3378080408407459", "a"),
                   (0, "GEORADIUS", "m", "1", "2", "1", "km", "STORE", "{m}d"), "EXEC")
        assert c("EVAL", "return redis.call('GEOADD', KEYS[1], 1, 2, 'b')", "1", "m") == 1
        log.expect((0, "ZADD", "m", "3378080408407459", "b"))
    finally:
        c.close()


# --------------------------------------------------------------------------
# Byte-identical to redis-server on random points
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    """A real redis-server 7.0 to compare with (also when the server under test is one)."""
    tmp = tempfile.mkdtemp(prefix="shoal-geo-ref-")
    port = conftest.free_port()
    log = open(os.path.join(tmp, "redis.log"), "wb")
    proc = subprocess.Popen([conftest.REDIS_BIN, "--port", str(port), "--bind", conftest.HOST,
                             "--save", "", "--appendonly", "no", "--dir", tmp],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        conftest.wait_for_ping(conftest.HOST, port, proc)
        yield RespClient(conftest.HOST, port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def random_points(rng, n):
    """(lon, lat) strings: uniform, crowded near the poles, near the antimeridian, and the
    limits themselves."""
    pts = []
    for i in range(n):
        kind = i % 4
        lon = rng.uniform(-180, 180)
        lat = rng.uniform(-85.05112878, 85.05112878)
        if kind == 1:
            lat = rng.choice([1, -1]) * rng.uniform(84.5, 85.05112878)
        elif kind == 2:
            lon = rng.choice([1, -1]) * rng.uniform(179.0, 180)
        elif kind == 3 and i % 8 == 3:
            lon = rng.choice([1, -1]) * rng.uniform(179.9, 180)
            lat = rng.choice([1, -1]) * rng.uniform(85.0, 85.05112878)
        pts.append((repr(lon), repr(lat)))
    pts += [("180", "85.05112878"), ("-180", "-85.05112878"), ("180", "-85.05112878"),
            ("-180", "85.05112878"), ("0", "0"), ("-0.0000001", "0.0000001")]
    return pts


def both(c, ref, cmds):
    got, want = c.pipeline(cmds), ref.pipeline(cmds)
    for cmd, g, w in zip(cmds, got, want):
        assert g == w, "%r:\n  got  %r\n  want %r" % (cmd, g, w)
    return got


def test_random_points_match_redis(c, reference):
    ref = reference
    assert ref("FLUSHALL") == "OK"
    rng = random.Random(16)
    pts = random_points(rng, 3000)
    names = ["p%d" % i for i in range(len(pts))]
    for key, chunk in [("geo", range(len(pts))), ("small", range(0, len(pts), 30))]:
        args = []
        for i in chunk:
            args += [pts[i][0], pts[i][1], names[i]]
        both(c, ref, [["GEOADD", key] + args])
    # Scores no GEOADD writes still decode as Redis decodes them.
    both(c, ref, [["ZADD", "geo", "-1", "neg", "4503599627370496", "big", "1e19", "huge",
                   "inf", "inf", "0.5", "half", "-inf", "ninf"]])
    assert c("OBJECT", "ENCODING", "small") == b"listpack"
    members = names + ["neg", "big", "huge", "inf", "half", "ninf"]
    cmds = []
    for i in range(0, len(members), 500):
        cmds.append(["GEOPOS", "geo"] + members[i:i + 500])
        cmds.append(["GEOHASH", "geo"] + members[i:i + 500])
    for _ in range(400):
        a, b = rng.choice(members), rng.choice(members)
        cmds.append(["GEODIST", "geo", a, b, rng.choice(["m", "km", "ft", "mi"])])
    both(c, ref, cmds)

    radii = ["0", "0.5", "10", "150", "700", "2500", "6000"]
    cmds = []
    for q in range(300):
        key = "small" if q % 5 == 0 else "geo"
        if q % 3 == 0:
            center = ["FROMMEMBER", rng.choice(names if key == "geo" else names[::30])]
        else:
            lon, lat = random_points(rng, 3)[q % 3]
            center = ["FROMLONLAT", lon, lat]
        unit = rng.choice(["m", "km", "ft", "mi"])
        scale = {"m": 1000, "km": 1, "ft": 3280.84, "mi": 0.621371}[unit]
        r = float(rng.choice(radii)) * scale
        if q % 2:
            shape = ["BYRADIUS", repr(r), unit]
        else:
            shape = ["BYBOX", repr(r * rng.uniform(0.2, 2)), repr(r * rng.uniform(0.2, 2)), unit]
        opts = [rng.choice([[], ["ASC"], ["DESC"]]), ["WITHDIST", "WITHCOORD", "WITHHASH"]]
        if q % 4 == 1:
            opts.append(["COUNT", str(rng.randint(1, 20))])
        elif q % 8 == 2:
            opts.append(["COUNT", str(rng.randint(1, 20)), "ANY"])
        cmds.append(["GEOSEARCH", key] + center + shape + sum(opts, []))
    for q in range(60):
        lon, lat = random_points(rng, 3)[q % 3]
        r = rng.choice(radii)
        cmds.append(["GEORADIUS", "geo", lon, lat, r, "km", "WITHDIST", "ASC"])
        cmds.append(["GEORADIUSBYMEMBER_RO", "geo", rng.choice(names), r, "km", "WITHCOORD",
                     "COUNT", "7"])
    # Degenerate shapes and centres.
    shapes = [["BYRADIUS", "inf", "km"], ["BYBOX", "inf", "inf", "m"], ["BYBOX", "inf", "1", "km"],
              ["BYRADIUS", "0", "km"], ["BYRADIUS", "1e-300", "km"], ["BYBOX", "0", "0", "m"],
              ["BYRADIUS", "20000", "km"]]
    for shape in shapes:
        for center in [["FROMLONLAT", "0", "0"], ["FROMLONLAT", "180", "85.05112878"],
                       ["FROMLONLAT", "-180", "-85.05112878"], ["FROMMEMBER", "neg"],
                       ["FROMMEMBER", "huge"], ["FROMMEMBER", "half"]]:
            cmds.append(["GEOSEARCH", "geo"] + center + shape + ["ASC", "COUNT", "25",
                                                                 "WITHDIST", "WITHHASH"])
    results = both(c, ref, cmds)
    assert sum(len(r) for r in results) > 3000  # the queries do find points

    # The STORE forms write the same sets.
    cmds = []
    for q in range(30):
        lon, lat = random_points(rng, 3)[q % 3]
        cmds.append(["GEOSEARCHSTORE", "dst%d" % q, "geo", "FROMLONLAT", lon, lat, "BYRADIUS",
                     "1500", "km"] + (["STOREDIST"] if q % 2 else []))
        cmds.append(["ZRANGE", "dst%d" % q, "0", "-1", "WITHSCORES"])
    both(c, ref, cmds)


def test_ties_match_redis(c, reference):
    """Points at the same distance: a full sort keeps them in scan order, and a COUNT cut leaves
    them where Redis's partial quicksort does."""
    ref = reference
    assert ref("FLUSHALL") == "OK"
    rng = random.Random(7)
    spots = [(repr(10 + rng.uniform(0, 0.05)), repr(45 + rng.uniform(0, 0.05)))
             for _ in range(15)]
    args = []
    for i in range(400):
        lon, lat = rng.choice(spots)
        args += [lon, lat, "t%d" % i]
    both(c, ref, [["GEOADD", "dups"] + args, ["GEOADD", "{dups}small"] + args[:60 * 3]])
    cmds = []
    for key in ["dups", "{dups}small"]:
        for lon, lat in spots[:5]:
            for count in [None, 1, 2, 3, 6, 7, 8, 40, 41, 100, 250, 399, 500]:
                for order in ["ASC", "DESC"]:
                    cmds.append(["GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", "20", "km",
                                 order] + ([] if count is None else ["COUNT", str(count)]))
            cmds.append(["GEORADIUS", key, lon, lat, "20", "km", "COUNT", "9", "STORE", "{dups}d"])
            cmds.append(["ZRANGE", "{dups}d", "0", "-1"])
    both(c, ref, cmds)


def test_store_touches_watched_destination(sicily, new_client):
    c = sicily
    other = new_client()
    for dst, cmd in [("w1", ["GEOSEARCHSTORE", "w1", "Sicily", "FROMLONLAT", "15", "37",
                             "BYRADIUS", "200", "km"]),
                     ("w2", ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "w2"])]:
        assert c("WATCH", dst) == "OK"
        assert c("MULTI") == "OK"
        assert c("PING") == "QUEUED"
        assert other(*cmd) == 2
        assert c("EXEC") is None
    # A read-only search touches nothing.
    assert c("WATCH", "Sicily") == "OK"
    assert c("MULTI") == "OK"
    assert c("PING") == "QUEUED"
    assert other("GEORADIUS", "Sicily", "15", "37", "200", "km") == [b"Palermo", b"Catania"]
    assert other("GEOADD", "Sicily", "NX", "15", "37", "Palermo") == 0
    assert c("EXEC") == ["PONG"]
