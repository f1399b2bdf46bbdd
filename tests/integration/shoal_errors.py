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

# GEO
GEO_BAD_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GEO_BAD_MEMBER = "ERR could not decode requested zset member"
GEO_COUNT = "ERR COUNT must be > 0"
GEO_ANY = "ERR the ANY argument requires COUNT argument"
GEO_RADIUS = "ERR need numeric radius"
GEO_NEG_RADIUS = "ERR radius cannot be negative"
GEO_WIDTH = "ERR need numeric width"
GEO_HEIGHT = "ERR need numeric height"
GEO_NEG_BOX = "ERR height or width cannot be negative"
GEO_STORE_WITH = ("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
                  "WITHCOORD options")
GEOSEARCHSTORE_WITH = ("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and "
                       "WITHCOORD options")


def geo_lonlat(lon, lat):
    return "ERR invalid longitude,latitude pair %s,%s" % (lon, lat)


def geo_from(cmd):
    return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s" % cmd


def geo_by(cmd):
    return "ERR exactly one of BYRADIUS and BYBOX can be specified for %s" % cmd


# streams (t_stream.c)
INVALID_STREAM_ID = "ERR Invalid stream ID specified as stream command argument"
XADD_ID_SMALLER = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0"
XADD_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items"
XADD_TOO_LARGE = "ERR Elements are too large to be stored"
XADD_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
STREAM_LIMIT_WITHOUT_TILDE = "ERR syntax error, LIMIT cannot be used without the special ~ option"
STREAM_LIMIT_WITHOUT_STRATEGY = ("ERR syntax error, LIMIT cannot be used without specifying a "
                                 "trimming strategy")
STREAM_MAXLEN_AND_MINID = ("ERR syntax error, MAXLEN and MINID options at the same time are not "
                           "compatible")
XRANGE_INVALID_START = "ERR invalid start ID for the interval"
XRANGE_INVALID_END = "ERR invalid end ID for the interval"
XSETID_SMALLER = "ERR The ID specified in XSETID is smaller than the target stream top item"
XSETID_ENTRIES_ADDED_SMALL = ("ERR The entries_added specified in XSETID is smaller than the "
                              "target stream length")
XSETID_MAXDELETED_BIGGER = ("ERR The ID specified in XSETID is smaller than the provided "
                            "max_deleted_entry_id")
XSETID_ENTRIES_ADDED_NEG = "ERR entries_added must be positive"
XINFO_STREAM_SYNTAX = ("ERR unknown subcommand or wrong number of arguments for 'STREAM'. "
                       "Try XINFO HELP.")
XREAD_GT_WITHOUT_GROUP = ("ERR The > ID can be specified only when calling XREADGROUP using the "
                          "GROUP <group> <consumer> option.")
XREAD_NOACK = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
TIMEOUT_NOT_INT = "ERR timeout is not an integer or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"


def xread_unbalanced(cmd):
    """cmd: 'XREAD' or 'XREADGROUP'."""
    return ("ERR Unbalanced %s list of streams: for each stream key an ID or '$' must be "
            "specified." % cmd)

# stream consumer groups
XGROUP_KEY_MISSING = ("ERR The XGROUP subcommand requires the key to exist. Note that for "
                      "CREATE you may want to use the MKSTREAM option to create an empty stream "
                      "automatically.")
BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
ENTRIESREAD_NEGATIVE = "ERR value for ENTRIESREAD must be positive or -1"
XREADGROUP_DOLLAR = ("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read "
                     "the history of this consumer by specifying a proper ID, or use the > ID to "
                     "get new messages. The $ ID would just return an empty result set.")
XCLAIM_BAD_IDLE = "ERR Invalid IDLE option argument for XCLAIM"
XCLAIM_BAD_TIME = "ERR Invalid TIME option argument for XCLAIM"
XCLAIM_BAD_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
XAUTOCLAIM_COUNT = "ERR COUNT must be > 0"
# A blocked XREADGROUP whose key was deleted or changed type, or its group destroyed.
XREADGROUP_KEY_GONE = "UNBLOCKED the stream key no longer exists"


def xgroup_syntax(sub):
    """XGROUP CREATE/SETID with a bad option: sub as given ('CREATE')."""
    return ("ERR unknown subcommand or wrong number of arguments for '%s'. Try XGROUP HELP."
            % sub)


def nogroup_key(group, key):
    """XGROUP SETID/CREATECONSUMER/DELCONSUMER, XINFO CONSUMERS."""
    return "NOGROUP No such consumer group '%s' for key name '%s'" % (group, key)


def nogroup_key_or_group(key, group):
    """XPENDING, XCLAIM, XAUTOCLAIM."""
    return "NOGROUP No such key '%s' or consumer group '%s'" % (key, group)


def nogroup_xreadgroup(key, group):
    return ("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option"
            % (key, group))


def xclaim_min_idle(cmd):
    """cmd: 'XCLAIM' or 'XAUTOCLAIM'."""
    return "ERR Invalid min-idle-time argument for %s" % cmd


def xclaim_option(opt):
    return "ERR Unrecognized XCLAIM option '%s'" % opt
