// Every error reply Shoal sends, byte-identical to Redis 7.0 (without the leading '-').
#pragma once

namespace shoal::errors {

inline constexpr char kSyntax[] = "ERR syntax error";
inline constexpr char kWrongType[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
inline constexpr char kNotFloat[] = "ERR value is not a valid float";
inline constexpr char kOverflow[] = "ERR increment or decrement would overflow";
inline constexpr char kNanOrInf[] = "ERR increment would produce NaN or Infinity";
inline constexpr char kNoSuchKey[] = "ERR no such key";
inline constexpr char kDbIndexRange[] = "ERR DB index is out of range";
inline constexpr char kSameObject[] = "ERR source and destination objects are the same";
inline constexpr char kNxXxGtLt[] =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr char kGtLt[] = "ERR GT and LT options at the same time are not compatible";
inline constexpr char kBitOffset[] = "ERR bit offset is not an integer or out of range";
inline constexpr char kBitValue[] = "ERR bit is not an integer or out of range";
inline constexpr char kOffsetRange[] = "ERR offset is out of range";
inline constexpr char kStringTooBig[] =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr char kInvalidCursor[] = "ERR invalid cursor";
inline constexpr char kNoProto[] = "NOPROTO unsupported protocol version";
// Protected mode's refusal (networking.c clientAcceptHandler), sent once, then the client is
// closed. "a an" is Redis's.
inline constexpr char kProtectedMode[] =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.";
inline constexpr char kTimeoutNotFloat[] = "ERR timeout is not a float or out of range";
inline constexpr char kPositiveCount[] = "ERR value is out of range, must be positive";
// Collections: numkeys, COUNT and LIMIT arguments, negative-count random picks.
inline constexpr char kNumkeysPositive[] = "ERR numkeys should be greater than 0";
inline constexpr char kTooManyKeys[] = "ERR Number of keys can't be greater than number of args";
inline constexpr char kCountGreaterThanZero[] = "ERR count should be greater than 0";
inline constexpr char kLimitNegative[] = "ERR LIMIT can't be negative";
inline constexpr char kRandomCountRange[] =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
// getIntFromObjectOrReply's range error (an integer argument that must fit in a C int).
inline constexpr char kIntRange[] =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr char kNoSuchClient[] = "ERR No such client";
inline constexpr char kUnblockReason[] = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
// The reply of a client unblocked by CLIENT UNBLOCK <id> ERROR.
inline constexpr char kUnblocked[] = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
inline constexpr char kSwapdbFirst[] = "ERR invalid first DB index";
inline constexpr char kSwapdbSecond[] = "ERR invalid second DB index";
inline constexpr char kLfuNotSelected[] =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
inline constexpr char kLfuSelected[] =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr char kOom[] = "OOM command not allowed when used memory > 'maxmemory'.";
// RESTORE (cluster.c restoreCommand); the payload errors are persistence/rdb_encoding.h's.
inline constexpr char kBusyKey[] = "BUSYKEY Target key name already exists.";
inline constexpr char kInvalidTtl[] = "ERR Invalid TTL value, must be >= 0";
inline constexpr char kInvalidIdletime[] = "ERR Invalid IDLETIME value, must be >= 0";
inline constexpr char kInvalidFreq[] = "ERR Invalid FREQ value, must be >= 0 and <= 255";

// Streams and their consumer groups (t_stream.c; blocking timeouts also CLIENT PAUSE and the
// blocking pops'); the messages naming a key or group are built by
// server/commands/stream_group_family.cc.
inline constexpr char kCgBusyGroup[] = "BUSYGROUP Consumer Group name already exists";
inline constexpr char kCgXgroupNoKey[] =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
inline constexpr char kCgEntriesRead[] = "ERR value for ENTRIESREAD must be positive or -1";
inline constexpr char kInvalidStreamId[] =
    "ERR Invalid stream ID specified as stream command argument";
inline constexpr char kCgDollarInReadgroup[] =
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "
    "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would "
    "just return an empty result set.";
inline constexpr char kCgMissingGroup[] = "ERR Missing GROUP option for XREADGROUP";
inline constexpr char kXreadUnbalanced[] =
    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
inline constexpr char kCgGroupGone[] =
    "NOGROUP the consumer group this client was blocked on no longer exists";
inline constexpr char kCgKeyGone[] = "UNBLOCKED the stream key no longer exists";
inline constexpr char kInvalidStartId[] = "ERR invalid start ID for the interval";
inline constexpr char kInvalidEndId[] = "ERR invalid end ID for the interval";
inline constexpr char kCountPositive[] = "ERR COUNT must be > 0";
inline constexpr char kTimeoutNotInt[] = "ERR timeout is not an integer or out of range";
inline constexpr char kTimeoutNegative[] = "ERR timeout is negative";

}  // namespace shoal::errors
