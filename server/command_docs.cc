// What COMMAND DOCS and INFO show beyond the command table, keyed by command name
// ("container|sub" for subcommands). The facts are Redis 7.0.15's (src/commands/*.json),
// written out by scripts/gen_command_meta.py and kept by hand from here on.
#include "server/command_meta.h"

namespace shoal {

using enum CommandArg::Type;
using namespace arg_flag;
using namespace doc_flag;

// clang-format off
const std::vector<CommandDocRow>& CommandDocTable() {
  static const std::vector<CommandDocRow> rows = {
    {"append", {.complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"bitcount", {.complexity = "O(N)", .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kBlock, .flags = kOptional, .args = {
          {.name = "start", .type = kInteger},
          {.name = "end", .type = kInteger},
          {.name = "index_unit", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
            {.name = "byte", .type = kPureToken, .token = "BYTE"},
            {.name = "bit", .type = kPureToken, .token = "BIT"}}}}}}}},
    {"bitfield", {.complexity = "O(1) for each subcommand specified", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "operation", .type = kOneOf, .flags = kOptional | kMultiple, .args = {
          {.name = "encoding_offset", .type = kBlock, .token = "GET", .args = {
            {.name = "encoding", .type = kString},
            {.name = "offset", .type = kInteger}}},
          {.name = "write", .type = kBlock, .args = {
            {.name = "wrap_sat_fail", .type = kOneOf, .token = "OVERFLOW", .flags = kOptional, .args = {
              {.name = "wrap", .type = kPureToken, .token = "WRAP"},
              {.name = "sat", .type = kPureToken, .token = "SAT"},
              {.name = "fail", .type = kPureToken, .token = "FAIL"}}},
            {.name = "write_operation", .type = kOneOf, .args = {
              {.name = "encoding_offset_value", .type = kBlock, .token = "SET", .args = {
                {.name = "encoding", .type = kString},
                {.name = "offset", .type = kInteger},
                {.name = "value", .type = kInteger}}},
              {.name = "encoding_offset_increment", .type = kBlock, .token = "INCRBY", .args = {
                {.name = "encoding", .type = kString},
                {.name = "offset", .type = kInteger},
                {.name = "increment", .type = kInteger}}}}}}}}}}}},
    {"bitfield_ro", {.complexity = "O(1) for each subcommand specified", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "encoding_offset", .type = kBlock, .token = "GET", .flags = kOptional | kMultiple | kMultipleToken, .args = {
          {.name = "encoding", .type = kString},
          {.name = "offset", .type = kInteger}}}}}},
    {"bitop", {.complexity = "O(N)", .args = {
        {.name = "operation", .type = kString},
        {.name = "destkey", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"bitpos", {.complexity = "O(N)", .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "bit", .type = kInteger},
        {.name = "index", .type = kBlock, .flags = kOptional, .args = {
          {.name = "start", .type = kInteger},
          {.name = "end_index", .type = kBlock, .flags = kOptional, .args = {
            {.name = "end", .type = kInteger},
            {.name = "index_unit", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
              {.name = "byte", .type = kPureToken, .token = "BYTE"},
              {.name = "bit", .type = kPureToken, .token = "BIT"}}}}}}}}}},
    {"blmove", {.complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "wherefrom", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "whereto", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "timeout", .type = kDouble}}}},
    {"blmpop", {.complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.", .args = {
        {.name = "timeout", .type = kDouble},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"blpop", {.complexity = "O(N) where N is the number of provided keys.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"brpop", {.complexity = "O(N) where N is the number of provided keys.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"brpoplpush", {.complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "timeout", .type = kDouble}}}},
    {"bzmpop", {.complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "timeout", .type = kDouble},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"bzpopmax", {.complexity = "O(log(N)) with N being the number of elements in the sorted set.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"bzpopmin", {.complexity = "O(log(N)) with N being the number of elements in the sorted set.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"client", {.complexity = "Depends on subcommand."}},
    {"client|getname", {.complexity = "O(1)"}},
    {"client|help", {.complexity = "O(1)"}},
    {"client|id", {.complexity = "O(1)"}},
    {"client|info", {.complexity = "O(1)", .tips = {"nondeterministic_output"}}},
    {"client|kill", {.complexity = "O(N) where N is the number of client connections", .history = {{"2.8.12", "Added new filter format."}, {"2.8.12", "`ID` option."}, {"3.2.0", "Added `master` type in for `TYPE` option."}, {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."}, {"6.2.0", "`LADDR` option."}}, .args = {
        {.name = "filter", .type = kOneOf, .args = {
          {.name = "ip:port", .type = kString, .deprecated_since = "2.8.12"},
          {.name = "new-format", .type = kOneOf, .flags = kMultiple, .args = {
            {.name = "client-id", .type = kInteger, .token = "ID", .since = "2.8.12", .flags = kOptional},
            {.name = "normal_master_slave_pubsub", .type = kOneOf, .token = "TYPE", .since = "2.8.12", .flags = kOptional, .args = {
              {.name = "normal", .type = kPureToken, .token = "NORMAL"},
              {.name = "master", .type = kPureToken, .token = "MASTER", .since = "3.2.0"},
              {.name = "slave", .type = kPureToken, .token = "SLAVE"},
              {.name = "replica", .type = kPureToken, .token = "REPLICA", .since = "5.0.0"},
              {.name = "pubsub", .type = kPureToken, .token = "PUBSUB"}}},
            {.name = "username", .type = kString, .token = "USER", .flags = kOptional},
            {.name = "ip:port", .type = kString, .token = "ADDR", .flags = kOptional},
            {.name = "ip:port", .type = kString, .token = "LADDR", .since = "6.2.0", .flags = kOptional},
            {.name = "yes/no", .type = kString, .token = "SKIPME", .flags = kOptional}}}}}}}},
    {"client|list", {.complexity = "O(N) where N is the number of client connections", .history = {{"2.8.12", "Added unique client `id` field."}, {"5.0.0", "Added optional `TYPE` filter."}, {"6.0.0", "Added `user` field."}, {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."}, {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."}, {"7.0.3", "Added `ssub` field."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "normal_master_replica_pubsub", .type = kOneOf, .token = "TYPE", .since = "5.0.0", .flags = kOptional, .args = {
          {.name = "normal", .type = kPureToken, .token = "NORMAL"},
          {.name = "master", .type = kPureToken, .token = "MASTER"},
          {.name = "replica", .type = kPureToken, .token = "REPLICA"},
          {.name = "pubsub", .type = kPureToken, .token = "PUBSUB"}}},
        {.name = "id", .type = kBlock, .token = "ID", .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "client-id", .type = kInteger, .flags = kMultiple}}}}}},
    {"client|no-evict", {.complexity = "O(1)", .args = {
        {.name = "enabled", .type = kOneOf, .args = {
          {.name = "on", .type = kPureToken, .token = "ON"},
          {.name = "off", .type = kPureToken, .token = "OFF"}}}}}},
    {"client|reply", {.complexity = "O(1)", .args = {
        {.name = "on_off_skip", .type = kOneOf, .args = {
          {.name = "on", .type = kPureToken, .token = "ON"},
          {.name = "off", .type = kPureToken, .token = "OFF"},
          {.name = "skip", .type = kPureToken, .token = "SKIP"}}}}}},
    {"client|setname", {.complexity = "O(1)", .args = {
        {.name = "connection-name", .type = kString}}}},
    {"client|unblock", {.complexity = "O(log N) where N is the number of client connections", .args = {
        {.name = "client-id", .type = kInteger},
        {.name = "timeout_error", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "timeout", .type = kPureToken, .token = "TIMEOUT"},
          {.name = "error", .type = kPureToken, .token = "ERROR"}}}}}},
    {"command", {.complexity = "O(N) where N is the total number of Redis commands", .tips = {"nondeterministic_output_order"}}},
    {"command|count", {.complexity = "O(1)"}},
    {"command|docs", {.complexity = "O(N) where N is the number of commands to look up", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "command-name", .type = kString, .flags = kOptional | kMultiple}}}},
    {"command|getkeys", {.complexity = "O(N) where N is the number of arguments to the command"}},
    {"command|getkeysandflags", {.complexity = "O(N) where N is the number of arguments to the command"}},
    {"command|help", {.complexity = "O(1)"}},
    {"command|info", {.complexity = "O(N) where N is the number of commands to look up", .history = {{"7.0.0", "Allowed to be called with no argument to get info on all commands."}}, .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "command-name", .type = kString, .flags = kOptional | kMultiple}}}},
    {"command|list", {.complexity = "O(N) where N is the total number of Redis commands", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "filterby", .type = kOneOf, .token = "FILTERBY", .flags = kOptional, .args = {
          {.name = "module-name", .type = kString, .token = "MODULE"},
          {.name = "category", .type = kString, .token = "ACLCAT"},
          {.name = "pattern", .type = kPattern, .token = "PATTERN"}}}}}},
    {"config", {.complexity = "Depends on subcommand."}},
    {"config|get", {.complexity = "O(N) when N is the number of configuration parameters provided", .history = {{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}}, .args = {
        {.name = "parameter", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "parameter", .type = kString}}}}}},
    {"config|help", {.complexity = "O(1)"}},
    {"config|resetstat", {.complexity = "O(1)"}},
    {"config|set", {.complexity = "O(N) when N is the number of configuration parameters provided", .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}}, .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}, .args = {
        {.name = "parameter_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "parameter", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"copy", {.complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "destination-db", .type = kInteger, .token = "DB", .flags = kOptional},
        {.name = "replace", .type = kPureToken, .token = "REPLACE", .flags = kOptional}}}},
    {"dbsize", {.complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:agg_sum"}}},
    {"debug", {.complexity = "Depends on subcommand.", .doc_flags = kDocSyscmd}},
    {"decr", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"decrby", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "decrement", .type = kInteger}}}},
    {"del", {.complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"discard", {.complexity = "O(N), when N is the number of queued commands"}},
    {"echo", {.complexity = "O(1)", .args = {
        {.name = "message", .type = kString}}}},
    {"exec", {.complexity = "Depends on commands in the transaction"}},
    {"exists", {.complexity = "O(N) where N is the number of keys to check.", .history = {{"3.0.3", "Accepts multiple `key` arguments."}}, .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"expire", {.complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "seconds", .type = kInteger},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"expireat", {.complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "unix-time-seconds", .type = kUnixTime},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"expiretime", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"flushall", {.complexity = "O(N) where N is the total number of keys in all databases", .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}, .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC", .since = "4.0.0"},
          {.name = "sync", .type = kPureToken, .token = "SYNC", .since = "6.2.0"}}}}}},
    {"flushdb", {.complexity = "O(N) where N is the number of keys in the selected database", .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}, .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC", .since = "4.0.0"},
          {.name = "sync", .type = kPureToken, .token = "SYNC", .since = "6.2.0"}}}}}},
    {"get", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"getbit", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger}}}},
    {"getdel", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"getex", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "expiration", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "seconds", .type = kInteger, .token = "EX"},
          {.name = "milliseconds", .type = kInteger, .token = "PX"},
          {.name = "unix-time-seconds", .type = kUnixTime, .token = "EXAT"},
          {.name = "unix-time-milliseconds", .type = kUnixTime, .token = "PXAT"},
          {.name = "persist", .type = kPureToken, .token = "PERSIST"}}}}}},
    {"getrange", {.complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "end", .type = kInteger}}}},
    {"getset", {.complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`SET` with the `!GET` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"hdel", {.complexity = "O(N) where N is the number of fields to be removed.", .history = {{"2.4.0", "Accepts multiple `field` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString, .flags = kMultiple}}}},
    {"hello", {.complexity = "O(1)", .history = {{"6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."}}, .args = {
        {.name = "arguments", .type = kBlock, .flags = kOptional, .args = {
          {.name = "protover", .type = kInteger},
          {.name = "username_password", .type = kBlock, .token = "AUTH", .flags = kOptional, .args = {
            {.name = "username", .type = kString},
            {.name = "password", .type = kString}}},
          {.name = "clientname", .type = kString, .token = "SETNAME", .flags = kOptional}}}}}},
    {"hexists", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hget", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hgetall", {.complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hincrby", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "increment", .type = kInteger}}}},
    {"hincrbyfloat", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "increment", .type = kDouble}}}},
    {"hkeys", {.complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hlen", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hmget", {.complexity = "O(N) where N is the number of fields being requested.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString, .flags = kMultiple}}}},
    {"hmset", {.complexity = "O(N) where N is the number of fields being set.", .doc_flags = kDocDeprecated, .deprecated_since = "4.0.0", .replaced_by = "`HSET` with multiple field-value pairs", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "field", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"hrandfield", {.complexity = "O(N) where N is the number of fields returned", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "options", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger},
          {.name = "withvalues", .type = kPureToken, .token = "WITHVALUES", .flags = kOptional}}}}}},
    {"hscan", {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"hset", {.complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "field", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"hsetnx", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "value", .type = kString}}}},
    {"hstrlen", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hvals", {.complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"incr", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"incrby", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kInteger}}}},
    {"incrbyfloat", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kDouble}}}},
    {"info", {.complexity = "O(1)", .history = {{"7.0.0", "Added support for taking multiple section arguments."}}, .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}, .args = {
        {.name = "section", .type = kString, .flags = kOptional | kMultiple}}}},
    {"keys", {.complexity = "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", .tips = {"request_policy:all_shards", "nondeterministic_output_order"}, .args = {
        {.name = "pattern", .type = kPattern}}}},
    {"lcs", {.complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively", .args = {
        {.name = "key1", .type = kKey, .key_spec_index = 0},
        {.name = "key2", .type = kKey, .key_spec_index = 0},
        {.name = "len", .type = kPureToken, .token = "LEN", .flags = kOptional},
        {.name = "idx", .type = kPureToken, .token = "IDX", .flags = kOptional},
        {.name = "len", .type = kInteger, .token = "MINMATCHLEN", .flags = kOptional},
        {.name = "withmatchlen", .type = kPureToken, .token = "WITHMATCHLEN", .flags = kOptional}}}},
    {"lindex", {.complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kInteger}}}},
    {"linsert", {.complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "before", .type = kPureToken, .token = "BEFORE"},
          {.name = "after", .type = kPureToken, .token = "AFTER"}}},
        {.name = "pivot", .type = kString},
        {.name = "element", .type = kString}}}},
    {"llen", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"lmove", {.complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "wherefrom", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "whereto", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}}}}},
    {"lmpop", {.complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"lpop", {.complexity = "O(N) where N is the number of elements returned", .history = {{"6.2.0", "Added the `count` argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "6.2.0", .flags = kOptional}}}},
    {"lpos", {.complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString},
        {.name = "rank", .type = kInteger, .token = "RANK", .flags = kOptional},
        {.name = "num-matches", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "len", .type = kInteger, .token = "MAXLEN", .flags = kOptional}}}},
    {"lpush", {.complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"lpushx", {.complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"4.0.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"lrange", {.complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"lrem", {.complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger},
        {.name = "element", .type = kString}}}},
    {"lset", {.complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kInteger},
        {.name = "element", .type = kString}}}},
    {"ltrim", {.complexity = "O(N) where N is the number of elements to be removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"memory", {.complexity = "Depends on subcommand."}},
    {"memory|doctor", {.complexity = "O(1)", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|help", {.complexity = "O(1)"}},
    {"memory|malloc-stats", {.complexity = "Depends on how much memory is allocated, could be slow", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|purge", {.complexity = "Depends on how much memory is allocated, could be slow", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}}},
    {"memory|stats", {.complexity = "O(1)", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|usage", {.complexity = "O(N) where N is the number of samples.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .token = "SAMPLES", .flags = kOptional}}}},
    {"mget", {.complexity = "O(N) where N is the number of keys to retrieve.", .tips = {"request_policy:multi_shard"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"move", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "db", .type = kInteger}}}},
    {"mset", {.complexity = "O(N) where N is the number of keys to set.", .tips = {"request_policy:multi_shard", "response_policy:all_succeeded"}, .args = {
        {.name = "key_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0},
          {.name = "value", .type = kString}}}}}},
    {"msetnx", {.complexity = "O(N) where N is the number of keys to set.", .tips = {"request_policy:multi_shard", "response_policy:agg_min"}, .args = {
        {.name = "key_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0},
          {.name = "value", .type = kString}}}}}},
    {"multi", {.complexity = "O(1)"}},
    {"object", {.complexity = "Depends on subcommand."}},
    {"object|encoding", {.complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|freq", {.complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|help", {.complexity = "O(1)"}},
    {"object|idletime", {.complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|refcount", {.complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"persist", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"pexpire", {.complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "milliseconds", .type = kInteger},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"pexpireat", {.complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "unix-time-milliseconds", .type = kUnixTime},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"pexpiretime", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"ping", {.complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "message", .type = kString, .flags = kOptional}}}},
    {"psetex", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "milliseconds", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"pttl", {.complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"quit", {.complexity = "O(1)"}},
    {"randomkey", {.complexity = "O(1)", .tips = {"request_policy:all_shards", "nondeterministic_output"}}},
    {"rename", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "newkey", .type = kKey, .key_spec_index = 1}}}},
    {"renamenx", {.complexity = "O(1)", .history = {{"3.2.0", "The command no longer returns an error when source and destination names are the same."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "newkey", .type = kKey, .key_spec_index = 1}}}},
    {"reset", {.complexity = "O(1)"}},
    {"rpop", {.complexity = "O(N) where N is the number of elements returned", .history = {{"6.2.0", "Added the `count` argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "6.2.0", .flags = kOptional}}}},
    {"rpoplpush", {.complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1}}}},
    {"rpush", {.complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"rpushx", {.complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"4.0.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"sadd", {.complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `member` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"scan", {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", .history = {{"6.0.0", "Added the `TYPE` subcommand."}}, .tips = {"nondeterministic_output", "request_policy:special"}, .args = {
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "type", .type = kString, .token = "TYPE", .since = "6.0.0", .flags = kOptional}}}},
    {"scard", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"sdiff", {.complexity = "O(N) where N is the total number of elements in all given sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sdiffstore", {.complexity = "O(N) where N is the total number of elements in all given sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"select", {.complexity = "O(1)", .args = {
        {.name = "index", .type = kInteger}}}},
    {"set", {.complexity = "O(1)", .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."}, {"6.0.0", "Added the `KEEPTTL` option."}, {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."}, {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString},
        {.name = "condition", .type = kOneOf, .since = "2.6.12", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"}}},
        {.name = "get", .type = kPureToken, .token = "GET", .since = "6.2.0", .flags = kOptional},
        {.name = "expiration", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "seconds", .type = kInteger, .token = "EX", .since = "2.6.12"},
          {.name = "milliseconds", .type = kInteger, .token = "PX", .since = "2.6.12"},
          {.name = "unix-time-seconds", .type = kUnixTime, .token = "EXAT", .since = "6.2.0"},
          {.name = "unix-time-milliseconds", .type = kUnixTime, .token = "PXAT", .since = "6.2.0"},
          {.name = "keepttl", .type = kPureToken, .token = "KEEPTTL", .since = "6.0.0"}}}}}},
    {"setbit", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger},
        {.name = "value", .type = kInteger}}}},
    {"setex", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "seconds", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"setnx", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"setrange", {.complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"shutdown", {.complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}, .args = {
        {.name = "nosave_save", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "nosave", .type = kPureToken, .token = "NOSAVE"},
          {.name = "save", .type = kPureToken, .token = "SAVE"}}},
        {.name = "now", .type = kPureToken, .token = "NOW", .since = "7.0.0", .flags = kOptional},
        {.name = "force", .type = kPureToken, .token = "FORCE", .since = "7.0.0", .flags = kOptional},
        {.name = "abort", .type = kPureToken, .token = "ABORT", .since = "7.0.0", .flags = kOptional}}}},
    {"sinter", {.complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sintercard", {.complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "limit", .type = kInteger, .token = "LIMIT", .flags = kOptional}}}},
    {"sinterstore", {.complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"sismember", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"smembers", {.complexity = "O(N) where N is the set cardinality.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"smismember", {.complexity = "O(N) where N is the number of elements being checked for membership", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"smove", {.complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "member", .type = kString}}}},
    {"sort", {.complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "pattern", .type = kPattern, .key_spec_index = 1, .token = "BY", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}},
        {.name = "pattern", .type = kPattern, .key_spec_index = 1, .token = "GET", .flags = kOptional | kMultiple | kMultipleToken},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "sorting", .type = kPureToken, .token = "ALPHA", .flags = kOptional},
        {.name = "destination", .type = kKey, .key_spec_index = 2, .token = "STORE", .flags = kOptional}}}},
    {"sort_ro", {.complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "pattern", .type = kPattern, .key_spec_index = 1, .token = "BY", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}},
        {.name = "pattern", .type = kPattern, .key_spec_index = 1, .token = "GET", .flags = kOptional | kMultiple | kMultipleToken},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "sorting", .type = kPureToken, .token = "ALPHA", .flags = kOptional}}}},
    {"spop", {.complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", .history = {{"3.2.0", "Added the `count` argument."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "3.2.0", .flags = kOptional}}}},
    {"srandmember", {.complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", .history = {{"2.6.0", "Added the optional `count` argument."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "2.6.0", .flags = kOptional}}}},
    {"srem", {.complexity = "O(N) where N is the number of members to be removed.", .history = {{"2.4.0", "Accepts multiple `member` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"sscan", {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"strlen", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"substr", {.complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", .doc_flags = kDocDeprecated, .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "end", .type = kInteger}}}},
    {"sunion", {.complexity = "O(N) where N is the total number of elements in all given sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sunionstore", {.complexity = "O(N) where N is the total number of elements in all given sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"swapdb", {.complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.", .args = {
        {.name = "index1", .type = kInteger},
        {.name = "index2", .type = kInteger}}}},
    {"time", {.complexity = "O(1)", .tips = {"nondeterministic_output"}}},
    {"touch", {.complexity = "O(N) where N is the number of keys that will be touched.", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"ttl", {.complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"type", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"unlink", {.complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"unwatch", {.complexity = "O(1)"}},
    {"watch", {.complexity = "O(1) for every key.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"zadd", {.complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.", .history = {{"2.4.0", "Accepts multiple elements."}, {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."}, {"6.2.0", "Added the `GT` and `LT` options."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "condition", .type = kOneOf, .since = "3.0.2", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"}}},
        {.name = "comparison", .type = kOneOf, .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}},
        {.name = "change", .type = kPureToken, .token = "CH", .since = "3.0.2", .flags = kOptional},
        {.name = "increment", .type = kPureToken, .token = "INCR", .since = "3.0.2", .flags = kOptional},
        {.name = "score_member", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "score", .type = kDouble},
          {.name = "member", .type = kString}}}}}},
    {"zcard", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"zcount", {.complexity = "O(log(N)) with N being the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble}}}},
    {"zdiff", {.complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zdiffstore", {.complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"zincrby", {.complexity = "O(log(N)) where N is the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kInteger},
        {.name = "member", .type = kString}}}},
    {"zinter", {.complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zintercard", {.complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "limit", .type = kInteger, .token = "LIMIT", .flags = kOptional}}}},
    {"zinterstore", {.complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}}}}},
    {"zlexcount", {.complexity = "O(log(N)) with N being the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString}}}},
    {"zmpop", {.complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"zmscore", {.complexity = "O(N) where N is the number of members being requested.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"zpopmax", {.complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .flags = kOptional}}}},
    {"zpopmin", {.complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .flags = kOptional}}}},
    {"zrandmember", {.complexity = "O(N) where N is the number of elements returned", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "options", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger},
          {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}}}},
    {"zrange", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", .history = {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kString},
        {.name = "stop", .type = kString},
        {.name = "sortby", .type = kOneOf, .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "byscore", .type = kPureToken, .token = "BYSCORE"},
          {.name = "bylex", .type = kPureToken, .token = "BYLEX"}}},
        {.name = "rev", .type = kPureToken, .token = "REV", .since = "6.2.0", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zrangebylex", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `BYLEX` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrangebyscore", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `BYSCORE` argument", .history = {{"2.0.0", "Added the `WITHSCORES` modifier."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .since = "2.0.0", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrangestore", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", .args = {
        {.name = "dst", .type = kKey, .key_spec_index = 0},
        {.name = "src", .type = kKey, .key_spec_index = 1},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString},
        {.name = "sortby", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "byscore", .type = kPureToken, .token = "BYSCORE"},
          {.name = "bylex", .type = kPureToken, .token = "BYLEX"}}},
        {.name = "rev", .type = kPureToken, .token = "REV", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrank", {.complexity = "O(log(N))", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zrem", {.complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", .history = {{"2.4.0", "Accepts multiple elements."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"zremrangebylex", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString}}}},
    {"zremrangebyrank", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"zremrangebyscore", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble}}}},
    {"zrevrange", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zrevrangebylex", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "max", .type = kString},
        {.name = "min", .type = kString},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrevrangebyscore", {.complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments", .history = {{"2.1.6", "`min` and `max` can be exclusive."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "max", .type = kDouble},
        {.name = "min", .type = kDouble},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrevrank", {.complexity = "O(log(N))", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zscan", {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"zscore", {.complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zunion", {.complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zunionstore", {.complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}}}}},
  };
  return rows;
}
// clang-format on

}  // namespace shoal
