"""Every exact error reply asserted by the integration suite.

All of these strings were obtained from a real redis-server 7.0 (7.0.15);
the tests compare replies byte-for-byte against them.
"""


def arity(cmd):
    """cmd is lowercase; subcommands are written 'config|get'."""
    return "ERR wrong number of arguments for '%s' command" % cmd


def unknown_command(name, args=()):
    # Redis appends each arg as "'arg' " while the args string is shorter than
    # 128 chars, truncating the last one so the total stays <= 128 (+quote+space).
    s = ""
    for a in args:
        if len(s) >= 128:
            break
        s += "'%s' " % a[:128 - len(s)]
    return "ERR unknown command '%s', with args beginning with: %s" % (name[:128], s)


def unknown_subcommand(sub, cmd):
    return "ERR unknown subcommand '%s'. Try %s HELP." % (sub, cmd)


def invalid_expire(cmd):
    return "ERR invalid expire time in '%s' command" % cmd


def unsupported_option(opt):
    """EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with an unknown flag (echoed as given)."""
    return "ERR Unsupported option %s" % opt


SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
DECR_OVERFLOW = "ERR decrement would overflow"
FLOAT_NAN_INF = "ERR increment would produce NaN or Infinity"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NO_SUCH_KEY = "ERR no such key"
DB_OUT_OF_RANGE = "ERR DB index is out of range"
SAME_OBJECT = "ERR source and destination objects are the same"
EXPIRE_NX_XX = "ERR NX and XX, GT or LT options at the same time are not compatible"
EXPIRE_GT_LT = "ERR GT and LT options at the same time are not compatible"
INVALID_CURSOR = "ERR invalid cursor"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BITPOS_BIT = "ERR The bit argument must be 1 or 0."
BITOP_NOT = "ERR BITOP NOT must be called with a single source key."
BITFIELD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. "
                 "Note that u64 is not supported but i64 is.")
BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO = "ERR BITFIELD_RO only supports the GET subcommand"
LCS_LEN_AND_IDX = "ERR If you want both the length and indexes, please just use IDX."
LCS_NOT_STRING = "ERR The specified keys must contain string values"
OBJECT_FREQ_NO_LFU = ("ERR An LFU maxmemory policy is not selected, access frequency not "
                      "tracked. Please note that when switching between policies at runtime "
                      "LRU and LFU data will take some time to adjust.")

# connection
NOPROTO = "NOPROTO unsupported protocol version"
HELLO_BAD_PROTO = "ERR Protocol version is not an integer or out of range"


def hello_syntax(opt):
    return "ERR Syntax error in HELLO option '%s'" % opt


CLIENT_NAME_CHARS = "ERR Client names cannot contain spaces, newlines or special characters."
NO_SUCH_CLIENT = "ERR No such client"
CLIENT_ID_NOT_POSITIVE = "ERR client-id should be greater than 0"
CLIENT_LIST_BAD_ID = "ERR Invalid client ID"

# server
GETKEYS_NO_KEYS = "ERR The command has no key arguments"
GETKEYS_INVALID_COMMAND = "ERR Invalid command specified"
GETKEYS_BAD_ARGS = "ERR Invalid number of arguments specified for command"


def config_set_unknown(name):
    return "ERR Unknown option or number of arguments for CONFIG SET - '%s'" % name


def config_set_not_int(name):
    return ("ERR CONFIG SET failed (possibly related to argument '%s') - "
            "argument couldn't be parsed into an integer" % name)


def config_set_enum(name, choices):
    return ("ERR CONFIG SET failed (possibly related to argument '%s') - "
            "argument(s) must be one of the following: %s" % (name, choices))


LOGLEVEL_CHOICES = "debug, verbose, notice, warning"
MAXMEMORY_POLICY_CHOICES = ("volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                            "allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
SANITIZE_DUMP_PAYLOAD_CHOICES = "no, yes, clients"

# DUMP / RESTORE
BUSYKEY = "BUSYKEY Target key name already exists."
RESTORE_BAD_TTL = "ERR Invalid TTL value, must be >= 0"
RESTORE_BAD_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0"
RESTORE_BAD_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255"
DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA_FORMAT = "ERR Bad data format"

# protocol (each is followed by the server closing the connection)
PROTO_INVALID_MULTIBULK = "ERR Protocol error: invalid multibulk length"
PROTO_INVALID_BULK = "ERR Protocol error: invalid bulk length"


def proto_expected_dollar(got):
    return "ERR Protocol error: expected '$', got '%s'" % got


PROTO_TOO_BIG_INLINE = "ERR Protocol error: too big inline request"
PROTO_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request"
