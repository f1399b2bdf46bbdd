"""Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO."""

import pytest

import shoal_errors as E


# ---------------------------------------------------------------- SETBIT / GETBIT


def test_setbit_getbit(c):
    assert c("SETBIT", "b", "7", "1") == 0
    assert c("GET", "b") == b"\x01"
    assert c("SETBIT", "b", "7", "1") == 1
    assert c("SETBIT", "b", "0", "1") == 0
    assert c("GET", "b") == b"\x81"
    assert c("SETBIT", "b", "7", "0") == 1
    assert c("GET", "b") == b"\x80"
    assert c("GETBIT", "b", "0") == 1
    assert c("GETBIT", "b", "1") == 0
    assert c("GETBIT", "b", "7") == 0
    assert c("GETBIT", "b", "1000000") == 0
    assert c("GETBIT", "nokey", "5") == 0
    assert c("EXISTS", "nokey") == 0


def test_setbit_grows_with_zero_bytes(c):
    assert c("SETBIT", "b", "100", "1") == 0
    assert c("STRLEN", "b") == 13
    assert c("GET", "b") == b"\x00" * 12 + b"\x08"
    assert c("GETBIT", "b", "100") == 1
    assert c("SETBIT", "z", "30", "0") == 0
    assert c("GET", "z") == b"\x00\x00\x00\x00"


def test_setbit_on_existing_string(c):
    assert c("SET", "s", "`") == "OK"  # 0x60 = 0110 0000
    assert c("SETBIT", "s", "1", "0") == 1
    assert c("SETBIT", "s", "2", "0") == 1
    assert c("SETBIT", "s", "3", "1") == 0
    assert c("GET", "s") == b"\x10"
    assert c("SET", "n", "1") == "OK"  # int-encoded value: '1' = 0x31
    assert c("GETBIT", "n", "2") == 1
    assert c("GETBIT", "n", "7") == 1
    assert c("SETBIT", "n", "6", "1") == 0
    assert c("GET", "n") == b"3"


def test_setbit_max_offset(c):
    assert c("SETBIT", "b", "4294967295", "0") == 0
    assert c("STRLEN", "b") == 536870912
    assert c("GETBIT", "b", "4294967295") == 0
    assert c("DEL", "b") == 1


def test_setbit_errors(c):
    for off in ["-1", "4294967296", "abc", "1.5", ""]:
        assert c("SETBIT", "b", off, "1") == E.BIT_OFFSET
        assert c("GETBIT", "b", off) == E.BIT_OFFSET
    for bit in ["2", "-1", "a", ""]:
        assert c("SETBIT", "b", "1", bit) == E.BIT_VALUE
    assert c("EXISTS", "b") == 0
    assert c("SETBIT", "b", "1") == E.arity("setbit")
    assert c("GETBIT", "b") == E.arity("getbit")


# ---------------------------------------------------------------- BITCOUNT


@pytest.mark.parametrize("args,expected", [
    ([], 26),
    (["0", "0"], 4),
    (["1", "1"], 6),
    (["1", "1", "BYTE"], 6),
    (["1", "1", "byte"], 6),
    (["-1", "-1"], 4),
    (["0", "-1"], 26),
    (["10", "5"], 0),
    (["-100", "100"], 26),
    (["5", "30", "BIT"], 17),
    (["-2", "-1", "BIT"], 1),
    (["0", "-1", "BIT"], 26),
    (["0", "0", "BIT"], 0),
    (["1", "1", "BIT"], 1),
    (["100", "200", "BIT"], 0),
])
def test_bitcount(c, args, expected):
    assert c("SET", "s", "foobar") == "OK"
    assert c("BITCOUNT", "s", *args) == expected


def test_bitcount_missing_and_empty(c):
    assert c("BITCOUNT", "nokey") == 0
    assert c("BITCOUNT", "nokey", "0", "-1", "BIT") == 0
    assert c("SET", "e", "") == "OK"
    assert c("BITCOUNT", "e") == 0


def test_bitcount_large(c):
    value = bytes((i * 37) & 0xFF for i in range(100000))
    assert c("SET", "big", value) == "OK"
    expected = sum(bin(b).count("1") for b in value)
    assert c("BITCOUNT", "big") == expected
    assert c("BITCOUNT", "big", "1000", "1999") == sum(
        bin(b).count("1") for b in value[1000:2000])


def test_bitcount_errors(c):
    assert c("SET", "s", "foobar") == "OK"
    assert c("BITCOUNT", "s", "0") == E.SYNTAX
    assert c("BITCOUNT", "s", "0", "1", "FOO") == E.SYNTAX
    assert c("BITCOUNT", "s", "0", "1", "BIT", "x") == E.SYNTAX
    assert c("BITCOUNT", "s", "a", "b") == E.NOT_INTEGER
    assert c("BITCOUNT") == E.arity("bitcount")


# ---------------------------------------------------------------- BITPOS


@pytest.mark.parametrize("value,args,expected", [
    (b"\xff\xf0\x00", ["0"], 12),
    (b"\x00\xff\xf0", ["1", "0"], 8),
    (b"\x00\xff\xf0", ["1", "2"], 16),
    (b"\x00\xff\xf0", ["1", "2", "-1", "BYTE"], 16),
    (b"\x00\xff\xf0", ["1", "7", "15", "BIT"], 8),
    (b"\x00\xff\xf0", ["1", "7", "-3", "BIT"], 8),
    (b"\x00\x00\x00", ["1"], -1),
    (b"\xff\xff\xff", ["0"], 24),
    (b"\xff\xff\xff", ["0", "0"], 24),
    (b"\xff\xff\xff", ["0", "0", "-1"], -1),
    (b"\xff\xff\xff", ["0", "0", "-1", "BIT"], -1),
    (b"\xff\xff\xff", ["0", "1", "1"], -1),
    (b"\x00\x00\x01", ["1", "-1"], 23),
    (b"\x00\x00\x01", ["1", "-100", "-1"], 23),
    (b"\xf0", ["0", "0", "7", "BIT"], 4),
    (b"\x0f", ["1", "5", "7", "BIT"], 5),
    (b"\x0f", ["1", "0", "3", "BIT"], -1),
    (b"\xff\x00", ["0", "0", "0"], -1),
    (b"\xff\x00", ["0", "1", "0"], -1),
])
def test_bitpos(c, value, args, expected):
    assert c("SET", "k", value) == "OK"
    assert c("BITPOS", "k", *args) == expected


def test_bitpos_missing_and_empty(c):
    assert c("BITPOS", "nokey", "0") == 0
    assert c("BITPOS", "nokey", "1") == -1
    assert c("SET", "e", "") == "OK"
    assert c("BITPOS", "e", "0") == -1
    assert c("BITPOS", "e", "1") == -1


def test_bitpos_errors(c):
    assert c("SET", "k", "\x00") == "OK"
    assert c("BITPOS", "k", "2") == E.BITPOS_BIT
    assert c("BITPOS", "k", "-1") == E.BITPOS_BIT
    assert c("BITPOS", "k", "1", "0", "1", "FOO") == E.SYNTAX
    assert c("BITPOS", "k", "1", "a") == E.NOT_INTEGER
    assert c("BITPOS", "k") == E.arity("bitpos")


# ---------------------------------------------------------------- BITOP


def test_bitop(c):
    assert c("SET", "a", "abc") == "OK"
    assert c("SET", "b", "ab") == "OK"
    assert c("BITOP", "AND", "d", "a", "b") == 3
    assert c("GET", "d") == b"ab\x00"
    assert c("BITOP", "OR", "d", "a", "b") == 3
    assert c("GET", "d") == b"abc"
    assert c("BITOP", "XOR", "d", "a", "b") == 3
    assert c("GET", "d") == b"\x00\x00c"
    assert c("BITOP", "NOT", "d", "a") == 3
    assert c("GET", "d") == b"\x9e\x9d\x9c"
    assert c("BITOP", "and", "d", "a") == 3
    assert c("GET", "d") == b"abc"


def test_bitop_binary(c):
    x = bytes(range(256))
    y = bytes(reversed(range(256)))
    z = b"\x0f" * 100
    assert c("MSET", "x", x, "y", y, "z", z) == "OK"
    assert c("BITOP", "AND", "d", "x", "y", "z") == 256
    zz = z + b"\x00" * 156
    assert c("GET", "d") == bytes(a & b & q for a, b, q in zip(x, y, zz))
    assert c("BITOP", "OR", "d", "x", "y", "z") == 256
    assert c("GET", "d") == bytes(a | b | q for a, b, q in zip(x, y, zz))
    assert c("BITOP", "XOR", "d", "x", "y", "z") == 256
    assert c("GET", "d") == bytes(a ^ b ^ q for a, b, q in zip(x, y, zz))
    assert c("BITOP", "NOT", "d", "x") == 256
    assert c("GET", "d") == bytes(255 - a for a in x)


def test_bitop_missing_keys(c):
    assert c("SET", "a", "abc") == "OK"
    assert c("SET", "d", "old") == "OK"
    assert c("BITOP", "AND", "d", "nokey1", "nokey2") == 0
    assert c("EXISTS", "d") == 0
    assert c("BITOP", "OR", "d", "a", "nokey") == 3
    assert c("GET", "d") == b"abc"
    assert c("BITOP", "AND", "d", "a", "nokey") == 3
    assert c("GET", "d") == b"\x00\x00\x00"


def test_bitop_dest_is_source(c):
    assert c("SET", "a", b"\x0f\xf0") == "OK"
    assert c("BITOP", "NOT", "a", "a") == 2
    assert c("GET", "a") == b"\xf0\x0f"


def test_bitop_clears_ttl_of_dest(c):
    assert c("SET", "a", "abc") == "OK"
    assert c("SET", "d", "x", "EX", "100") == "OK"
    assert c("BITOP", "OR", "d", "a") == 3
    assert c("TTL", "d") == -1


def test_bitop_errors(c):
    assert c("SET", "a", "abc") == "OK"
    assert c("BITOP", "NOT", "d", "a", "a") == E.BITOP_NOT
    assert c("BITOP", "FOO", "d", "a") == E.SYNTAX
    assert c("BITOP", "AND", "d") == E.arity("bitop")
    assert c("EXISTS", "d") == 0


# ---------------------------------------------------------------- BITFIELD


def test_bitfield_set_get(c):
    assert c("BITFIELD", "bf", "SET", "u8", "0", "255", "GET", "u8", "0") == [0, 255]
    assert c("GET", "bf") == b"\xff"
    assert c("BITFIELD", "bf", "SET", "i8", "#1", "-5", "GET", "i8", "#1", "GET", "u8", "8") == [
        0, -5, 251]
    assert c("GET", "bf") == b"\xff\xfb"
    assert c("BITFIELD", "bf", "GET", "u4", "0", "GET", "i4", "0", "GET", "u1", "8",
             "GET", "i16", "0") == [15, -1, 1, -5]
    assert c("BITFIELD", "bf", "GET", "u8", "100") == [0]


def test_bitfield_unaligned(c):
    assert c("BITFIELD", "bf", "SET", "u5", "3", "31") == [0]
    assert c("GET", "bf") == b"\x1f"
    assert c("BITFIELD", "bf", "SET", "u12", "6", "4095") == [0b110000000000]
    assert c("GET", "bf") == b"\x1f\xff\xc0"
    assert c("BITFIELD", "bf", "GET", "u3", "5", "GET", "i3", "5") == [7, -1]


def test_bitfield_hash_offsets(c):
    assert c("BITFIELD", "bf", "SET", "u16", "#0", "1", "SET", "u16", "#1", "2",
             "SET", "u16", "#2", "3") == [0, 0, 0]
    assert c("GET", "bf") == b"\x00\x01\x00\x02\x00\x03"
    assert c("BITFIELD", "bf", "GET", "u16", "#2", "GET", "u16", "32") == [3, 3]


def test_bitfield_64bit(c):
    assert c("BITFIELD", "bf", "SET", "i64", "0", "-1") == [0]
    assert c("BITFIELD", "bf", "GET", "i64", "0", "GET", "u63", "0") == [-1, 9223372036854775807]
    assert c("BITFIELD", "bf", "SET", "i64", "0", "-9223372036854775808",
             "GET", "i64", "0") == [-1, -9223372036854775808]


def test_bitfield_incrby_wrap(c):
    assert c("BITFIELD", "bf", "SET", "u8", "0", "250") == [0]
    assert c("BITFIELD", "bf", "INCRBY", "u8", "0", "10") == [4]
    assert c("BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "-5") == [255]
    assert c("BITFIELD", "bf", "SET", "i8", "0", "100", "INCRBY", "i8", "0", "100") == [-1, -56]
    assert c("BITFIELD", "bf", "INCRBY", "i8", "0", "-100") == [100]
    assert c("BITFIELD", "bf", "INCRBY", "u2", "100", "5") == [1]


def test_bitfield_incrby_sat(c):
    assert c("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000") == [255]
    assert c("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-1000") == [0]
    assert c("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000",
             "INCRBY", "i8", "0", "1000") == [-128, 127]
    assert c("BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "i8", "0", "300") == [127]
    assert c("BITFIELD", "bf", "GET", "i8", "0") == [127]


def test_bitfield_incrby_fail(c):
    assert c("BITFIELD", "bf", "SET", "u8", "0", "250") == [0]
    assert c("BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "10") == [None]
    assert c("BITFIELD", "bf", "GET", "u8", "0") == [250]
    assert c("BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "5") == [255]
    assert c("BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "0", "1000") == [None]
    assert c("BITFIELD", "bf", "GET", "u8", "0") == [255]
    # OVERFLOW applies to the following operations only
    assert c("BITFIELD", "bf", "INCRBY", "u8", "0", "1", "OVERFLOW", "FAIL",
             "INCRBY", "u8", "0", "-1", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-1") == [
        0, None, 0]


def test_bitfield_set_wraps_by_default(c):
    assert c("BITFIELD", "bf", "SET", "u8", "0", "1000") == [0]
    assert c("BITFIELD", "bf", "GET", "u8", "0") == [1000 & 0xFF]
    assert c("BITFIELD", "bf", "SET", "i4", "0", "9") == [-2]  # old value 0b1110
    assert c("BITFIELD", "bf", "GET", "i4", "0") == [-7]


def test_bitfield_missing_key(c):
    assert c("BITFIELD", "nokey", "GET", "u8", "0") == [0]
    assert c("EXISTS", "nokey") == 0
    assert c("BITFIELD", "bf") == []
    assert c("EXISTS", "bf") == 0


def test_bitfield_errors(c):
    assert c("BITFIELD", "bf", "GET", "u64", "0") == E.BITFIELD_TYPE
    assert c("BITFIELD", "bf", "GET", "i65", "0") == E.BITFIELD_TYPE
    assert c("BITFIELD", "bf", "GET", "x8", "0") == E.BITFIELD_TYPE
    assert c("BITFIELD", "bf", "GET", "u0", "0") == E.BITFIELD_TYPE
    assert c("BITFIELD", "bf", "GET", "u8", "-1") == E.BIT_OFFSET
    assert c("BITFIELD", "bf", "GET", "u8", "abc") == E.BIT_OFFSET
    assert c("BITFIELD", "bf", "GET", "u8", "#abc") == E.BIT_OFFSET
    assert c("BITFIELD", "bf", "OVERFLOW", "FOO", "INCRBY", "u8", "0", "1") == E.BITFIELD_OVERFLOW
    assert c("BITFIELD", "bf", "SET", "u8", "0", "abc") == E.NOT_INTEGER
    assert c("BITFIELD", "bf", "INCRBY", "u8", "0") == E.SYNTAX
    assert c("BITFIELD", "bf", "FOO") == E.SYNTAX
    assert c("BITFIELD", "bf", "GET", "u8") == E.SYNTAX
    assert c("BITFIELD") == E.arity("bitfield")
    # an error anywhere means nothing was executed
    assert c("BITFIELD", "bf", "SET", "u8", "0", "1", "GET", "x8", "0") == E.BITFIELD_TYPE
    assert c("EXISTS", "bf") == 0


def test_bitfield_ro(c):
    assert c("SET", "bf", "\x01\x02") == "OK"
    assert c("BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "u16", "0") == [1, 258]
    assert c("BITFIELD_RO", "bf") == []
    assert c("BITFIELD_RO", "nokey", "GET", "i8", "0") == [0]
    assert c("BITFIELD_RO", "bf", "SET", "u8", "0", "1") == E.BITFIELD_RO
    assert c("BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1") == E.BITFIELD_RO
    assert c("BITFIELD_RO", "bf", "GET", "u64", "0") == E.BITFIELD_TYPE
    assert c("BITFIELD_RO") == E.arity("bitfield_ro")
    assert c("GET", "bf") == b"\x01\x02"


def test_bitfield_bytes(raw):
    assert raw(b"BITFIELD bf OVERFLOW FAIL INCRBY u2 0 5 SET u8 8 7\r\n") == (
        b"*2\r\n$-1\r\n:0\r\n")
