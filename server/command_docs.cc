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
    {"acl", {.summary = "A container for Access List Control commands ", .since = "6.0.0", .group = "server", .complexity = "Depends on subcommand."}},
    {"acl|cat", {.summary = "List the ACL categories or the commands inside a category", .since = "6.0.0", .group = "server", .complexity = "O(1) since the categories and commands are a fixed set.", .args = {
        {.name = "categoryname", .type = kString, .flags = kOptional}}}},
    {"acl|deluser", {.summary = "Remove the specified ACL users and the associated rules", .since = "6.0.0", .group = "server", .complexity = "O(1) amortized time considering the typical user.", .args = {
        {.name = "username", .type = kString, .flags = kMultiple}}}},
    {"acl|dryrun", {.summary = "Returns whether the user can execute the given command without executing the command.", .since = "7.0.0", .group = "server", .complexity = "O(1).", .args = {
        {.name = "username", .type = kString},
        {.name = "command", .type = kString},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"acl|genpass", {.summary = "Generate a pseudorandom secure password to use for ACL users", .since = "6.0.0", .group = "server", .complexity = "O(1)", .args = {
        {.name = "bits", .type = kInteger, .flags = kOptional}}}},
    {"acl|getuser", {.summary = "Get the rules for a specific ACL user", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of password, command and pattern rules that the user has.", .history = {{"6.2.0", "Added Pub/Sub channel patterns."}, {"7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation."}}, .args = {
        {.name = "username", .type = kString}}}},
    {"acl|help", {.summary = "Show helpful text about the different subcommands", .since = "6.0.0", .group = "server", .complexity = "O(1)"}},
    {"acl|list", {.summary = "List the current ACL rules in ACL config file format", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of configured users."}},
    {"acl|load", {.summary = "Reload the ACLs from the configured ACL file", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of configured users."}},
    {"acl|log", {.summary = "List latest events denied because of ACLs in place", .since = "6.0.0", .group = "server", .complexity = "O(N) with N being the number of entries shown.", .args = {
        {.name = "operation", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger},
          {.name = "reset", .type = kPureToken, .token = "RESET"}}}}}},
    {"acl|save", {.summary = "Save the current ACL rules in the configured ACL file", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of configured users."}},
    {"acl|setuser", {.summary = "Modify or create the rules for a specific ACL user", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of rules provided.", .history = {{"6.2.0", "Added Pub/Sub channel patterns."}, {"7.0.0", "Added selectors and key based permissions."}}, .args = {
        {.name = "username", .type = kString},
        {.name = "rule", .type = kString, .flags = kOptional | kMultiple}}}},
    {"acl|users", {.summary = "List the username of all the configured ACL rules", .since = "6.0.0", .group = "server", .complexity = "O(N). Where N is the number of configured users."}},
    {"acl|whoami", {.summary = "Return the name of the user associated to the current connection", .since = "6.0.0", .group = "server", .complexity = "O(1)"}},
    {"append", {.summary = "Append a value to a key", .since = "2.0.0", .group = "string", .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"auth", {.summary = "Authenticate to the server", .since = "1.0.0", .group = "connection", .complexity = "O(N) where N is the number of passwords defined for the user", .history = {{"6.0.0", "Added ACL style (username and password)."}}, .args = {
        {.name = "username", .type = kString, .since = "6.0.0", .flags = kOptional},
        {.name = "password", .type = kString}}}},
    {"bgrewriteaof", {.summary = "Asynchronously rewrite the append-only file", .since = "1.0.0", .group = "server", .complexity = "O(1)"}},
    {"bgsave", {.summary = "Asynchronously save the dataset to disk", .since = "1.0.0", .group = "server", .complexity = "O(1)", .history = {{"3.2.2", "Added the `SCHEDULE` option."}}, .args = {
        {.name = "schedule", .type = kPureToken, .token = "SCHEDULE", .since = "3.2.2", .flags = kOptional}}}},
    {"bitcount", {.summary = "Count set bits in a string", .since = "2.6.0", .group = "bitmap", .complexity = "O(N)", .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kBlock, .flags = kOptional, .args = {
          {.name = "start", .type = kInteger},
          {.name = "end", .type = kInteger},
          {.name = "index_unit", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
            {.name = "byte", .type = kPureToken, .token = "BYTE"},
            {.name = "bit", .type = kPureToken, .token = "BIT"}}}}}}}},
    {"bitfield", {.summary = "Perform arbitrary bitfield integer operations on strings", .since = "3.2.0", .group = "bitmap", .complexity = "O(1) for each subcommand specified", .args = {
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
    {"bitfield_ro", {.summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", .since = "6.0.0", .group = "bitmap", .complexity = "O(1) for each subcommand specified", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "encoding_offset", .type = kBlock, .token = "GET", .flags = kOptional | kMultiple | kMultipleToken, .args = {
          {.name = "encoding", .type = kString},
          {.name = "offset", .type = kInteger}}}}}},
    {"bitop", {.summary = "Perform bitwise operations between strings", .since = "2.6.0", .group = "bitmap", .complexity = "O(N)", .args = {
        {.name = "operation", .type = kString},
        {.name = "destkey", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"bitpos", {.summary = "Find first bit set or clear in a string", .since = "2.8.7", .group = "bitmap", .complexity = "O(N)", .history = {{"7.0.0", "Added the `BYTE|BIT` option."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "bit", .type = kInteger},
        {.name = "index", .type = kBlock, .flags = kOptional, .args = {
          {.name = "start", .type = kInteger},
          {.name = "end_index", .type = kBlock, .flags = kOptional, .args = {
            {.name = "end", .type = kInteger},
            {.name = "index_unit", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
              {.name = "byte", .type = kPureToken, .token = "BYTE"},
              {.name = "bit", .type = kPureToken, .token = "BIT"}}}}}}}}}},
    {"blmove", {.summary = "Pop an element from a list, push it to another list and return it; or block until one is available", .since = "6.2.0", .group = "list", .complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "wherefrom", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "whereto", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "timeout", .type = kDouble}}}},
    {"blmpop", {.summary = "Pop elements from a list, or block until one is available", .since = "7.0.0", .group = "list", .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.", .args = {
        {.name = "timeout", .type = kDouble},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"blpop", {.summary = "Remove and get the first element in a list, or block until one is available", .since = "2.0.0", .group = "list", .complexity = "O(N) where N is the number of provided keys.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"brpop", {.summary = "Remove and get the last element in a list, or block until one is available", .since = "2.0.0", .group = "list", .complexity = "O(N) where N is the number of provided keys.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"brpoplpush", {.summary = "Pop an element from a list, push it to another list and return it; or block until one is available", .since = "2.2.0", .group = "list", .complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "timeout", .type = kDouble}}}},
    {"bzmpop", {.summary = "Remove and return members with scores in a sorted set or block until one is available", .since = "7.0.0", .group = "sorted-set", .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "timeout", .type = kDouble},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"bzpopmax", {.summary = "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", .since = "5.0.0", .group = "sorted-set", .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"bzpopmin", {.summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", .since = "5.0.0", .group = "sorted-set", .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "timeout", .type = kDouble}}}},
    {"client", {.summary = "A container for client connection commands", .since = "2.4.0", .group = "connection", .complexity = "Depends on subcommand."}},
    {"client|caching", {.summary = "Instruct the server about tracking or not keys in the next request", .since = "6.0.0", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "mode", .type = kOneOf, .args = {
          {.name = "yes", .type = kPureToken, .token = "YES"},
          {.name = "no", .type = kPureToken, .token = "NO"}}}}}},
    {"client|getname", {.summary = "Get the current connection name", .since = "2.6.9", .group = "connection", .complexity = "O(1)"}},
    {"client|getredir", {.summary = "Get tracking notifications redirection client ID if any", .since = "6.0.0", .group = "connection", .complexity = "O(1)"}},
    {"client|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "connection", .complexity = "O(1)"}},
    {"client|id", {.summary = "Returns the client ID for the current connection", .since = "5.0.0", .group = "connection", .complexity = "O(1)"}},
    {"client|info", {.summary = "Returns information about the current client connection.", .since = "6.2.0", .group = "connection", .complexity = "O(1)", .tips = {"nondeterministic_output"}}},
    {"client|kill", {.summary = "Kill the connection of a client", .since = "2.4.0", .group = "connection", .complexity = "O(N) where N is the number of client connections", .history = {{"2.8.12", "Added new filter format."}, {"2.8.12", "`ID` option."}, {"3.2.0", "Added `master` type in for `TYPE` option."}, {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."}, {"6.2.0", "`LADDR` option."}}, .args = {
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
    {"client|list", {.summary = "Get the list of client connections", .since = "2.4.0", .group = "connection", .complexity = "O(N) where N is the number of client connections", .history = {{"2.8.12", "Added unique client `id` field."}, {"5.0.0", "Added optional `TYPE` filter."}, {"6.0.0", "Added `user` field."}, {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."}, {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."}, {"7.0.3", "Added `ssub` field."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "normal_master_replica_pubsub", .type = kOneOf, .token = "TYPE", .since = "5.0.0", .flags = kOptional, .args = {
          {.name = "normal", .type = kPureToken, .token = "NORMAL"},
          {.name = "master", .type = kPureToken, .token = "MASTER"},
          {.name = "replica", .type = kPureToken, .token = "REPLICA"},
          {.name = "pubsub", .type = kPureToken, .token = "PUBSUB"}}},
        {.name = "id", .type = kBlock, .token = "ID", .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "client-id", .type = kInteger, .flags = kMultiple}}}}}},
    {"client|no-evict", {.summary = "Set client eviction mode for the current connection", .since = "7.0.0", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "enabled", .type = kOneOf, .args = {
          {.name = "on", .type = kPureToken, .token = "ON"},
          {.name = "off", .type = kPureToken, .token = "OFF"}}}}}},
    {"client|pause", {.summary = "Stop processing commands from clients for some time", .since = "2.9.50", .group = "connection", .complexity = "O(1)", .history = {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}}, .args = {
        {.name = "timeout", .type = kInteger},
        {.name = "mode", .type = kOneOf, .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "write", .type = kPureToken, .token = "WRITE"},
          {.name = "all", .type = kPureToken, .token = "ALL"}}}}}},
    {"client|reply", {.summary = "Instruct the server whether to reply to commands", .since = "3.2.0", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "on_off_skip", .type = kOneOf, .args = {
          {.name = "on", .type = kPureToken, .token = "ON"},
          {.name = "off", .type = kPureToken, .token = "OFF"},
          {.name = "skip", .type = kPureToken, .token = "SKIP"}}}}}},
    {"client|setname", {.summary = "Set the current connection name", .since = "2.6.9", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "connection-name", .type = kString}}}},
    {"client|tracking", {.summary = "Enable or disable server assisted client side caching support", .since = "6.0.0", .group = "connection", .complexity = "O(1). Some options may introduce additional complexity.", .args = {
        {.name = "status", .type = kOneOf, .args = {
          {.name = "on", .type = kPureToken, .token = "ON"},
          {.name = "off", .type = kPureToken, .token = "OFF"}}},
        {.name = "client-id", .type = kInteger, .token = "REDIRECT", .flags = kOptional},
        {.name = "prefix", .type = kString, .token = "PREFIX", .flags = kOptional | kMultiple | kMultipleToken},
        {.name = "bcast", .type = kPureToken, .token = "BCAST", .flags = kOptional},
        {.name = "optin", .type = kPureToken, .token = "OPTIN", .flags = kOptional},
        {.name = "optout", .type = kPureToken, .token = "OPTOUT", .flags = kOptional},
        {.name = "noloop", .type = kPureToken, .token = "NOLOOP", .flags = kOptional}}}},
    {"client|trackinginfo", {.summary = "Return information about server assisted client side caching for the current connection", .since = "6.2.0", .group = "connection", .complexity = "O(1)"}},
    {"client|unblock", {.summary = "Unblock a client blocked in a blocking command from a different connection", .since = "5.0.0", .group = "connection", .complexity = "O(log N) where N is the number of client connections", .args = {
        {.name = "client-id", .type = kInteger},
        {.name = "timeout_error", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "timeout", .type = kPureToken, .token = "TIMEOUT"},
          {.name = "error", .type = kPureToken, .token = "ERROR"}}}}}},
    {"client|unpause", {.summary = "Resume processing of clients that were paused", .since = "6.2.0", .group = "connection", .complexity = "O(N) Where N is the number of paused clients"}},
    {"command", {.summary = "Get array of Redis command details", .since = "2.8.13", .group = "server", .complexity = "O(N) where N is the total number of Redis commands", .tips = {"nondeterministic_output_order"}}},
    {"command|count", {.summary = "Get total number of Redis commands", .since = "2.8.13", .group = "server", .complexity = "O(1)"}},
    {"command|docs", {.summary = "Get array of specific Redis command documentation", .since = "7.0.0", .group = "server", .complexity = "O(N) where N is the number of commands to look up", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "command-name", .type = kString, .flags = kOptional | kMultiple}}}},
    {"command|getkeys", {.summary = "Extract keys given a full Redis command", .since = "2.8.13", .group = "server", .complexity = "O(N) where N is the number of arguments to the command"}},
    {"command|getkeysandflags", {.summary = "Extract keys and access flags given a full Redis command", .since = "7.0.0", .group = "server", .complexity = "O(N) where N is the number of arguments to the command"}},
    {"command|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "server", .complexity = "O(1)"}},
    {"command|info", {.summary = "Get array of specific Redis command details, or all when no argument is given.", .since = "2.8.13", .group = "server", .complexity = "O(N) where N is the number of commands to look up", .history = {{"7.0.0", "Allowed to be called with no argument to get info on all commands."}}, .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "command-name", .type = kString, .flags = kOptional | kMultiple}}}},
    {"command|list", {.summary = "Get an array of Redis command names", .since = "7.0.0", .group = "server", .complexity = "O(N) where N is the total number of Redis commands", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "filterby", .type = kOneOf, .token = "FILTERBY", .flags = kOptional, .args = {
          {.name = "module-name", .type = kString, .token = "MODULE"},
          {.name = "category", .type = kString, .token = "ACLCAT"},
          {.name = "pattern", .type = kPattern, .token = "PATTERN"}}}}}},
    {"config", {.summary = "A container for server configuration commands", .since = "2.0.0", .group = "server", .complexity = "Depends on subcommand."}},
    {"config|get", {.summary = "Get the values of configuration parameters", .since = "2.0.0", .group = "server", .complexity = "O(N) when N is the number of configuration parameters provided", .history = {{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}}, .args = {
        {.name = "parameter", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "parameter", .type = kString}}}}}},
    {"config|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "server", .complexity = "O(1)"}},
    {"config|resetstat", {.summary = "Reset the stats returned by INFO", .since = "2.0.0", .group = "server", .complexity = "O(1)"}},
    {"config|set", {.summary = "Set configuration parameters to the given values", .since = "2.0.0", .group = "server", .complexity = "O(N) when N is the number of configuration parameters provided", .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}}, .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}, .args = {
        {.name = "parameter_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "parameter", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"copy", {.summary = "Copy a key", .since = "6.2.0", .group = "generic", .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "destination-db", .type = kInteger, .token = "DB", .flags = kOptional},
        {.name = "replace", .type = kPureToken, .token = "REPLACE", .flags = kOptional}}}},
    {"dbsize", {.summary = "Return the number of keys in the selected database", .since = "1.0.0", .group = "server", .complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:agg_sum"}}},
    {"debug", {.summary = "A container for debugging commands", .since = "1.0.0", .group = "server", .complexity = "Depends on subcommand.", .doc_flags = kDocSyscmd}},
    {"decr", {.summary = "Decrement the integer value of a key by one", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"decrby", {.summary = "Decrement the integer value of a key by the given number", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "decrement", .type = kInteger}}}},
    {"del", {.summary = "Delete a key", .since = "1.0.0", .group = "generic", .complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"discard", {.summary = "Discard all commands issued after MULTI", .since = "2.0.0", .group = "transactions", .complexity = "O(N), when N is the number of queued commands"}},
    {"dump", {.summary = "Return a serialized version of the value stored at the specified key.", .since = "2.6.0", .group = "generic", .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"echo", {.summary = "Echo the given string", .since = "1.0.0", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "message", .type = kString}}}},
    {"eval", {.summary = "Execute a Lua script server side", .since = "2.6.0", .group = "scripting", .complexity = "Depends on the script that is executed.", .args = {
        {.name = "script", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"eval_ro", {.summary = "Execute a read-only Lua script server side", .since = "7.0.0", .group = "scripting", .complexity = "Depends on the script that is executed.", .args = {
        {.name = "script", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"evalsha", {.summary = "Execute a Lua script server side", .since = "2.6.0", .group = "scripting", .complexity = "Depends on the script that is executed.", .args = {
        {.name = "sha1", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"evalsha_ro", {.summary = "Execute a read-only Lua script server side", .since = "7.0.0", .group = "scripting", .complexity = "Depends on the script that is executed.", .args = {
        {.name = "sha1", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"exec", {.summary = "Execute all commands issued after MULTI", .since = "1.2.0", .group = "transactions", .complexity = "Depends on commands in the transaction"}},
    {"exists", {.summary = "Determine if a key exists", .since = "1.0.0", .group = "generic", .complexity = "O(N) where N is the number of keys to check.", .history = {{"3.0.3", "Accepts multiple `key` arguments."}}, .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"expire", {.summary = "Set a key's time to live in seconds", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "seconds", .type = kInteger},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"expireat", {.summary = "Set the expiration for a key as a UNIX timestamp", .since = "1.2.0", .group = "generic", .complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "unix-time-seconds", .type = kUnixTime},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"expiretime", {.summary = "Get the expiration Unix timestamp for a key", .since = "7.0.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"fcall", {.summary = "Invoke a function", .since = "7.0.0", .group = "scripting", .complexity = "Depends on the function that is executed.", .args = {
        {.name = "function", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"fcall_ro", {.summary = "Invoke a read-only function", .since = "7.0.0", .group = "scripting", .complexity = "Depends on the function that is executed.", .args = {
        {.name = "function", .type = kString},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kOptional | kMultiple},
        {.name = "arg", .type = kString, .flags = kOptional | kMultiple}}}},
    {"flushall", {.summary = "Remove all keys from all databases", .since = "1.0.0", .group = "server", .complexity = "O(N) where N is the total number of keys in all databases", .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}, .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC", .since = "4.0.0"},
          {.name = "sync", .type = kPureToken, .token = "SYNC", .since = "6.2.0"}}}}}},
    {"flushdb", {.summary = "Remove all keys from the current database", .since = "1.0.0", .group = "server", .complexity = "O(N) where N is the number of keys in the selected database", .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}, .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC", .since = "4.0.0"},
          {.name = "sync", .type = kPureToken, .token = "SYNC", .since = "6.2.0"}}}}}},
    {"function", {.summary = "A container for function commands", .since = "7.0.0", .group = "scripting", .complexity = "Depends on subcommand."}},
    {"function|delete", {.summary = "Delete a function by name", .since = "7.0.0", .group = "scripting", .complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "library-name", .type = kString}}}},
    {"function|dump", {.summary = "Dump all functions into a serialized binary payload", .since = "7.0.0", .group = "scripting", .complexity = "O(N) where N is the number of functions"}},
    {"function|flush", {.summary = "Deleting all functions", .since = "7.0.0", .group = "scripting", .complexity = "O(N) where N is the number of functions deleted", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC"},
          {.name = "sync", .type = kPureToken, .token = "SYNC"}}}}}},
    {"function|help", {.summary = "Show helpful text about the different subcommands", .since = "7.0.0", .group = "scripting", .complexity = "O(1)"}},
    {"function|kill", {.summary = "Kill the function currently in execution.", .since = "7.0.0", .group = "scripting", .complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:one_succeeded"}}},
    {"function|list", {.summary = "List information about all the functions", .since = "7.0.0", .group = "scripting", .complexity = "O(N) where N is the number of functions", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "library-name-pattern", .type = kString, .token = "LIBRARYNAME", .flags = kOptional},
        {.name = "withcode", .type = kPureToken, .token = "WITHCODE", .flags = kOptional}}}},
    {"function|load", {.summary = "Create a function with the given arguments (name, code, description)", .since = "7.0.0", .group = "scripting", .complexity = "O(1) (considering compilation time is redundant)", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "replace", .type = kPureToken, .token = "REPLACE", .flags = kOptional},
        {.name = "function-code", .type = kString}}}},
    {"function|restore", {.summary = "Restore all the functions on the given payload", .since = "7.0.0", .group = "scripting", .complexity = "O(N) where N is the number of functions on the payload", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "serialized-value", .type = kString},
        {.name = "policy", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "flush", .type = kPureToken, .token = "FLUSH"},
          {.name = "append", .type = kPureToken, .token = "APPEND"},
          {.name = "replace", .type = kPureToken, .token = "REPLACE"}}}}}},
    {"function|stats", {.summary = "Return information about the function currently running (name, description, duration)", .since = "7.0.0", .group = "scripting", .complexity = "O(1)", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"geoadd", {.summary = "Add one or more geospatial items in the geospatial index represented using a sorted set", .since = "3.2.0", .group = "geo", .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.", .history = {{"6.2.0", "Added the `CH`, `NX` and `XX` options."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "condition", .type = kOneOf, .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"}}},
        {.name = "change", .type = kPureToken, .token = "CH", .since = "6.2.0", .flags = kOptional},
        {.name = "longitude_latitude_member", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "longitude", .type = kDouble},
          {.name = "latitude", .type = kDouble},
          {.name = "member", .type = kString}}}}}},
    {"geodist", {.summary = "Returns the distance between two members of a geospatial index", .since = "3.2.0", .group = "geo", .complexity = "O(log(N))", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member1", .type = kString},
        {.name = "member2", .type = kString},
        {.name = "unit", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "m", .type = kPureToken, .token = "M"},
          {.name = "km", .type = kPureToken, .token = "KM"},
          {.name = "ft", .type = kPureToken, .token = "FT"},
          {.name = "mi", .type = kPureToken, .token = "MI"}}}}}},
    {"geohash", {.summary = "Returns members of a geospatial index as standard geohash strings", .since = "3.2.0", .group = "geo", .complexity = "O(log(N)) for each member requested, where N is the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"geopos", {.summary = "Returns longitude and latitude of members of a geospatial index", .since = "3.2.0", .group = "geo", .complexity = "O(N) where N is the number of members requested.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"georadius", {.summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", .since = "3.2.0", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument", .history = {{"6.2.0", "Added the `ANY` option for `COUNT`."}, {"7.0.0", "Added support for uppercase unit names."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "longitude", .type = kDouble},
        {.name = "latitude", .type = kDouble},
        {.name = "radius", .type = kDouble},
        {.name = "unit", .type = kOneOf, .args = {
          {.name = "m", .type = kPureToken, .token = "M"},
          {.name = "km", .type = kPureToken, .token = "KM"},
          {.name = "ft", .type = kPureToken, .token = "FT"},
          {.name = "mi", .type = kPureToken, .token = "MI"}}},
        {.name = "withcoord", .type = kPureToken, .token = "WITHCOORD", .flags = kOptional},
        {.name = "withdist", .type = kPureToken, .token = "WITHDIST", .flags = kOptional},
        {.name = "withhash", .type = kPureToken, .token = "WITHHASH", .flags = kOptional},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .since = "6.2.0", .flags = kOptional}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "key", .type = kKey, .key_spec_index = 1, .token = "STORE", .flags = kOptional},
        {.name = "key", .type = kKey, .key_spec_index = 2, .token = "STOREDIST", .flags = kOptional}}}},
    {"georadius_ro", {.summary = "A read-only variant for GEORADIUS", .since = "3.2.10", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` with the `BYRADIUS` argument", .history = {{"6.2.0", "Added the `ANY` option for `COUNT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "longitude", .type = kDouble},
        {.name = "latitude", .type = kDouble},
        {.name = "radius", .type = kDouble},
        {.name = "unit", .type = kOneOf, .args = {
          {.name = "m", .type = kPureToken, .token = "M"},
          {.name = "km", .type = kPureToken, .token = "KM"},
          {.name = "ft", .type = kPureToken, .token = "FT"},
          {.name = "mi", .type = kPureToken, .token = "MI"}}},
        {.name = "withcoord", .type = kPureToken, .token = "WITHCOORD", .flags = kOptional},
        {.name = "withdist", .type = kPureToken, .token = "WITHDIST", .flags = kOptional},
        {.name = "withhash", .type = kPureToken, .token = "WITHHASH", .flags = kOptional},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .since = "6.2.0", .flags = kOptional}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}}}}},
    {"georadiusbymember", {.summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", .since = "3.2.0", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments", .history = {{"7.0.0", "Added support for uppercase unit names."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString},
        {.name = "radius", .type = kDouble},
        {.name = "unit", .type = kOneOf, .args = {
          {.name = "m", .type = kPureToken, .token = "M"},
          {.name = "km", .type = kPureToken, .token = "KM"},
          {.name = "ft", .type = kPureToken, .token = "FT"},
          {.name = "mi", .type = kPureToken, .token = "MI"}}},
        {.name = "withcoord", .type = kPureToken, .token = "WITHCOORD", .flags = kOptional},
        {.name = "withdist", .type = kPureToken, .token = "WITHDIST", .flags = kOptional},
        {.name = "withhash", .type = kPureToken, .token = "WITHHASH", .flags = kOptional},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .flags = kOptional}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "key", .type = kKey, .key_spec_index = 1, .token = "STORE", .flags = kOptional},
        {.name = "key", .type = kKey, .key_spec_index = 2, .token = "STOREDIST", .flags = kOptional}}}},
    {"georadiusbymember_ro", {.summary = "A read-only variant for GEORADIUSBYMEMBER", .since = "3.2.10", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString},
        {.name = "radius", .type = kDouble},
        {.name = "unit", .type = kOneOf, .args = {
          {.name = "m", .type = kPureToken, .token = "M"},
          {.name = "km", .type = kPureToken, .token = "KM"},
          {.name = "ft", .type = kPureToken, .token = "FT"},
          {.name = "mi", .type = kPureToken, .token = "MI"}}},
        {.name = "withcoord", .type = kPureToken, .token = "WITHCOORD", .flags = kOptional},
        {.name = "withdist", .type = kPureToken, .token = "WITHDIST", .flags = kOptional},
        {.name = "withhash", .type = kPureToken, .token = "WITHHASH", .flags = kOptional},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .flags = kOptional}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}}}}},
    {"geosearch", {.summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", .since = "6.2.0", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape", .history = {{"7.0.0", "Added support for uppercase unit names."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "from", .type = kOneOf, .args = {
          {.name = "member", .type = kString, .token = "FROMMEMBER"},
          {.name = "longitude_latitude", .type = kBlock, .token = "FROMLONLAT", .args = {
            {.name = "longitude", .type = kDouble},
            {.name = "latitude", .type = kDouble}}}}},
        {.name = "by", .type = kOneOf, .args = {
          {.name = "circle", .type = kBlock, .args = {
            {.name = "radius", .type = kDouble, .token = "BYRADIUS"},
            {.name = "unit", .type = kOneOf, .args = {
              {.name = "m", .type = kPureToken, .token = "M"},
              {.name = "km", .type = kPureToken, .token = "KM"},
              {.name = "ft", .type = kPureToken, .token = "FT"},
              {.name = "mi", .type = kPureToken, .token = "MI"}}}}},
          {.name = "box", .type = kBlock, .args = {
            {.name = "width", .type = kDouble, .token = "BYBOX"},
            {.name = "height", .type = kDouble},
            {.name = "unit", .type = kOneOf, .args = {
              {.name = "m", .type = kPureToken, .token = "M"},
              {.name = "km", .type = kPureToken, .token = "KM"},
              {.name = "ft", .type = kPureToken, .token = "FT"},
              {.name = "mi", .type = kPureToken, .token = "MI"}}}}}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .flags = kOptional}}},
        {.name = "withcoord", .type = kPureToken, .token = "WITHCOORD", .flags = kOptional},
        {.name = "withdist", .type = kPureToken, .token = "WITHDIST", .flags = kOptional},
        {.name = "withhash", .type = kPureToken, .token = "WITHHASH", .flags = kOptional}}}},
    {"geosearchstore", {.summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", .since = "6.2.0", .group = "geo", .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape", .history = {{"7.0.0", "Added support for uppercase unit names."}}, .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "source", .type = kKey, .key_spec_index = 1},
        {.name = "from", .type = kOneOf, .args = {
          {.name = "member", .type = kString, .token = "FROMMEMBER"},
          {.name = "longitude_latitude", .type = kBlock, .token = "FROMLONLAT", .args = {
            {.name = "longitude", .type = kDouble},
            {.name = "latitude", .type = kDouble}}}}},
        {.name = "by", .type = kOneOf, .args = {
          {.name = "circle", .type = kBlock, .args = {
            {.name = "radius", .type = kDouble, .token = "BYRADIUS"},
            {.name = "unit", .type = kOneOf, .args = {
              {.name = "m", .type = kPureToken, .token = "M"},
              {.name = "km", .type = kPureToken, .token = "KM"},
              {.name = "ft", .type = kPureToken, .token = "FT"},
              {.name = "mi", .type = kPureToken, .token = "MI"}}}}},
          {.name = "box", .type = kBlock, .args = {
            {.name = "width", .type = kDouble, .token = "BYBOX"},
            {.name = "height", .type = kDouble},
            {.name = "unit", .type = kOneOf, .args = {
              {.name = "m", .type = kPureToken, .token = "M"},
              {.name = "km", .type = kPureToken, .token = "KM"},
              {.name = "ft", .type = kPureToken, .token = "FT"},
              {.name = "mi", .type = kPureToken, .token = "MI"}}}}}}},
        {.name = "order", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "asc", .type = kPureToken, .token = "ASC"},
          {.name = "desc", .type = kPureToken, .token = "DESC"}}},
        {.name = "count", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT"},
          {.name = "any", .type = kPureToken, .token = "ANY", .flags = kOptional}}},
        {.name = "storedist", .type = kPureToken, .token = "STOREDIST", .flags = kOptional}}}},
    {"get", {.summary = "Get the value of a key", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"getbit", {.summary = "Returns the bit value at offset in the string value stored at key", .since = "2.2.0", .group = "bitmap", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger}}}},
    {"getdel", {.summary = "Get the value of a key and delete the key", .since = "6.2.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"getex", {.summary = "Get the value of a key and optionally set its expiration", .since = "6.2.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "expiration", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "seconds", .type = kInteger, .token = "EX"},
          {.name = "milliseconds", .type = kInteger, .token = "PX"},
          {.name = "unix-time-seconds", .type = kUnixTime, .token = "EXAT"},
          {.name = "unix-time-milliseconds", .type = kUnixTime, .token = "PXAT"},
          {.name = "persist", .type = kPureToken, .token = "PERSIST"}}}}}},
    {"getrange", {.summary = "Get a substring of the string stored at a key", .since = "2.4.0", .group = "string", .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "end", .type = kInteger}}}},
    {"getset", {.summary = "Set the string value of a key and return its old value", .since = "1.0.0", .group = "string", .complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`SET` with the `!GET` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"hdel", {.summary = "Delete one or more hash fields", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the number of fields to be removed.", .history = {{"2.4.0", "Accepts multiple `field` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString, .flags = kMultiple}}}},
    {"hello", {.summary = "Handshake with Redis", .since = "6.0.0", .group = "connection", .complexity = "O(1)", .history = {{"6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."}}, .args = {
        {.name = "arguments", .type = kBlock, .flags = kOptional, .args = {
          {.name = "protover", .type = kInteger},
          {.name = "username_password", .type = kBlock, .token = "AUTH", .flags = kOptional, .args = {
            {.name = "username", .type = kString},
            {.name = "password", .type = kString}}},
          {.name = "clientname", .type = kString, .token = "SETNAME", .flags = kOptional}}}}}},
    {"hexists", {.summary = "Determine if a hash field exists", .since = "2.0.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hget", {.summary = "Get the value of a hash field", .since = "2.0.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hgetall", {.summary = "Get all the fields and values in a hash", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hincrby", {.summary = "Increment the integer value of a hash field by the given number", .since = "2.0.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "increment", .type = kInteger}}}},
    {"hincrbyfloat", {.summary = "Increment the float value of a hash field by the given amount", .since = "2.6.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "increment", .type = kDouble}}}},
    {"hkeys", {.summary = "Get all the fields in a hash", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hlen", {.summary = "Get the number of fields in a hash", .since = "2.0.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"hmget", {.summary = "Get the values of all the given hash fields", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the number of fields being requested.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString, .flags = kMultiple}}}},
    {"hmset", {.summary = "Set multiple hash fields to multiple values", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the number of fields being set.", .doc_flags = kDocDeprecated, .deprecated_since = "4.0.0", .replaced_by = "`HSET` with multiple field-value pairs", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "field", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"hrandfield", {.summary = "Get one or multiple random fields from a hash", .since = "6.2.0", .group = "hash", .complexity = "O(N) where N is the number of fields returned", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "options", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger},
          {.name = "withvalues", .type = kPureToken, .token = "WITHVALUES", .flags = kOptional}}}}}},
    {"hscan", {.summary = "Incrementally iterate hash fields and associated values", .since = "2.8.0", .group = "hash", .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"hset", {.summary = "Set the string value of a hash field", .since = "2.0.0", .group = "hash", .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "field", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"hsetnx", {.summary = "Set the value of a hash field, only if the field does not exist", .since = "2.0.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString},
        {.name = "value", .type = kString}}}},
    {"hstrlen", {.summary = "Get the length of the value of a hash field", .since = "3.2.0", .group = "hash", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "field", .type = kString}}}},
    {"hvals", {.summary = "Get all the values in a hash", .since = "2.0.0", .group = "hash", .complexity = "O(N) where N is the size of the hash.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"incr", {.summary = "Increment the integer value of a key by one", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"incrby", {.summary = "Increment the integer value of a key by the given amount", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kInteger}}}},
    {"incrbyfloat", {.summary = "Increment the float value of a key by the given amount", .since = "2.6.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kDouble}}}},
    {"info", {.summary = "Get information and statistics about the server", .since = "1.0.0", .group = "server", .complexity = "O(1)", .history = {{"7.0.0", "Added support for taking multiple section arguments."}}, .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}, .args = {
        {.name = "section", .type = kString, .flags = kOptional | kMultiple}}}},
    {"keys", {.summary = "Find all keys matching the given pattern", .since = "1.0.0", .group = "generic", .complexity = "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", .tips = {"request_policy:all_shards", "nondeterministic_output_order"}, .args = {
        {.name = "pattern", .type = kPattern}}}},
    {"lastsave", {.summary = "Get the UNIX time stamp of the last successful save to disk", .since = "1.0.0", .group = "server", .complexity = "O(1)", .tips = {"nondeterministic_output"}}},
    {"lcs", {.summary = "Find longest common substring", .since = "7.0.0", .group = "string", .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively", .args = {
        {.name = "key1", .type = kKey, .key_spec_index = 0},
        {.name = "key2", .type = kKey, .key_spec_index = 0},
        {.name = "len", .type = kPureToken, .token = "LEN", .flags = kOptional},
        {.name = "idx", .type = kPureToken, .token = "IDX", .flags = kOptional},
        {.name = "len", .type = kInteger, .token = "MINMATCHLEN", .flags = kOptional},
        {.name = "withmatchlen", .type = kPureToken, .token = "WITHMATCHLEN", .flags = kOptional}}}},
    {"lindex", {.summary = "Get an element from a list by its index", .since = "1.0.0", .group = "list", .complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kInteger}}}},
    {"linsert", {.summary = "Insert an element before or after another element in a list", .since = "2.2.0", .group = "list", .complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "before", .type = kPureToken, .token = "BEFORE"},
          {.name = "after", .type = kPureToken, .token = "AFTER"}}},
        {.name = "pivot", .type = kString},
        {.name = "element", .type = kString}}}},
    {"llen", {.summary = "Get the length of a list", .since = "1.0.0", .group = "list", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"lmove", {.summary = "Pop an element from a list, push it to another list and return it", .since = "6.2.0", .group = "list", .complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "wherefrom", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "whereto", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}}}}},
    {"lmpop", {.summary = "Pop elements from a list", .since = "7.0.0", .group = "list", .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "left", .type = kPureToken, .token = "LEFT"},
          {.name = "right", .type = kPureToken, .token = "RIGHT"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"lpop", {.summary = "Remove and get the first elements in a list", .since = "1.0.0", .group = "list", .complexity = "O(N) where N is the number of elements returned", .history = {{"6.2.0", "Added the `count` argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "6.2.0", .flags = kOptional}}}},
    {"lpos", {.summary = "Return the index of matching elements on a list", .since = "6.0.6", .group = "list", .complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString},
        {.name = "rank", .type = kInteger, .token = "RANK", .flags = kOptional},
        {.name = "num-matches", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "len", .type = kInteger, .token = "MAXLEN", .flags = kOptional}}}},
    {"lpush", {.summary = "Prepend one or multiple elements to a list", .since = "1.0.0", .group = "list", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"lpushx", {.summary = "Prepend an element to a list, only if the list exists", .since = "2.2.0", .group = "list", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"4.0.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"lrange", {.summary = "Get a range of elements from a list", .since = "1.0.0", .group = "list", .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"lrem", {.summary = "Remove elements from a list", .since = "1.0.0", .group = "list", .complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger},
        {.name = "element", .type = kString}}}},
    {"lset", {.summary = "Set the value of an element in a list by its index", .since = "1.0.0", .group = "list", .complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "index", .type = kInteger},
        {.name = "element", .type = kString}}}},
    {"ltrim", {.summary = "Trim a list to the specified range", .since = "1.0.0", .group = "list", .complexity = "O(N) where N is the number of elements to be removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"memory", {.summary = "A container for memory diagnostics commands", .since = "4.0.0", .group = "server", .complexity = "Depends on subcommand."}},
    {"memory|doctor", {.summary = "Outputs memory problems report", .since = "4.0.0", .group = "server", .complexity = "O(1)", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|help", {.summary = "Show helpful text about the different subcommands", .since = "4.0.0", .group = "server", .complexity = "O(1)"}},
    {"memory|malloc-stats", {.summary = "Show allocator internal stats", .since = "4.0.0", .group = "server", .complexity = "Depends on how much memory is allocated, could be slow", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|purge", {.summary = "Ask the allocator to release memory", .since = "4.0.0", .group = "server", .complexity = "Depends on how much memory is allocated, could be slow", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}}},
    {"memory|stats", {.summary = "Show memory usage details", .since = "4.0.0", .group = "server", .complexity = "O(1)", .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}},
    {"memory|usage", {.summary = "Estimate the memory usage of a key", .since = "4.0.0", .group = "server", .complexity = "O(N) where N is the number of samples.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .token = "SAMPLES", .flags = kOptional}}}},
    {"mget", {.summary = "Get the values of all the given keys", .since = "1.0.0", .group = "string", .complexity = "O(N) where N is the number of keys to retrieve.", .tips = {"request_policy:multi_shard"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"monitor", {.summary = "Listen for all requests received by the server in real time", .since = "1.0.0", .group = "server"}},
    {"move", {.summary = "Move a key to another database", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "db", .type = kInteger}}}},
    {"mset", {.summary = "Set multiple keys to multiple values", .since = "1.0.1", .group = "string", .complexity = "O(N) where N is the number of keys to set.", .tips = {"request_policy:multi_shard", "response_policy:all_succeeded"}, .args = {
        {.name = "key_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0},
          {.name = "value", .type = kString}}}}}},
    {"msetnx", {.summary = "Set multiple keys to multiple values, only if none of the keys exist", .since = "1.0.1", .group = "string", .complexity = "O(N) where N is the number of keys to set.", .tips = {"request_policy:multi_shard", "response_policy:agg_min"}, .args = {
        {.name = "key_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0},
          {.name = "value", .type = kString}}}}}},
    {"multi", {.summary = "Mark the start of a transaction block", .since = "1.2.0", .group = "transactions", .complexity = "O(1)"}},
    {"object", {.summary = "A container for object introspection commands", .since = "2.2.3", .group = "generic", .complexity = "Depends on subcommand."}},
    {"object|encoding", {.summary = "Inspect the internal encoding of a Redis object", .since = "2.2.3", .group = "generic", .complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|freq", {.summary = "Get the logarithmic access frequency counter of a Redis object", .since = "4.0.0", .group = "generic", .complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|help", {.summary = "Show helpful text about the different subcommands", .since = "6.2.0", .group = "generic", .complexity = "O(1)"}},
    {"object|idletime", {.summary = "Get the time since a Redis object was last accessed", .since = "2.2.3", .group = "generic", .complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"object|refcount", {.summary = "Get the number of references to the value of the key", .since = "2.2.3", .group = "generic", .complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"persist", {.summary = "Remove the expiration from a key", .since = "2.2.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"pexpire", {.summary = "Set a key's time to live in milliseconds", .since = "2.6.0", .group = "generic", .complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "milliseconds", .type = kInteger},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"pexpireat", {.summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds", .since = "2.6.0", .group = "generic", .complexity = "O(1)", .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "unix-time-milliseconds", .type = kUnixTime},
        {.name = "condition", .type = kOneOf, .since = "7.0.0", .flags = kOptional, .args = {
          {.name = "nx", .type = kPureToken, .token = "NX"},
          {.name = "xx", .type = kPureToken, .token = "XX"},
          {.name = "gt", .type = kPureToken, .token = "GT"},
          {.name = "lt", .type = kPureToken, .token = "LT"}}}}}},
    {"pexpiretime", {.summary = "Get the expiration Unix timestamp for a key in milliseconds", .since = "7.0.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"pfadd", {.summary = "Adds the specified elements to the specified HyperLogLog.", .since = "2.8.9", .group = "hyperloglog", .complexity = "O(1) to add every element.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kOptional | kMultiple}}}},
    {"pfcount", {.summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", .since = "2.8.9", .group = "hyperloglog", .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"pfdebug", {.summary = "Internal commands for debugging HyperLogLog values", .since = "2.8.9", .group = "hyperloglog", .complexity = "N/A", .doc_flags = kDocSyscmd, .args = {
        {.name = "subcommand", .type = kString},
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"pfmerge", {.summary = "Merge N different HyperLogLogs into a single one.", .since = "2.8.9", .group = "hyperloglog", .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.", .args = {
        {.name = "destkey", .type = kKey, .key_spec_index = 0},
        {.name = "sourcekey", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"pfselftest", {.summary = "An internal command for testing HyperLogLog values", .since = "2.8.9", .group = "hyperloglog", .complexity = "N/A", .doc_flags = kDocSyscmd}},
    {"ping", {.summary = "Ping the server", .since = "1.0.0", .group = "connection", .complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}, .args = {
        {.name = "message", .type = kString, .flags = kOptional}}}},
    {"psetex", {.summary = "Set the value and expiration in milliseconds of a key", .since = "2.6.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "milliseconds", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"psubscribe", {.summary = "Listen for messages published to channels matching the given patterns", .since = "2.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of patterns the client is already subscribed to.", .args = {
        {.name = "pattern", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "pattern", .type = kPattern}}}}}},
    {"pttl", {.summary = "Get the time to live for a key in milliseconds", .since = "2.6.0", .group = "generic", .complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"publish", {.summary = "Post a message to a channel", .since = "2.0.0", .group = "pubsub", .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", .args = {
        {.name = "channel", .type = kString},
        {.name = "message", .type = kString}}}},
    {"pubsub", {.summary = "A container for Pub/Sub commands", .since = "2.8.0", .group = "pubsub", .complexity = "Depends on subcommand."}},
    {"pubsub|channels", {.summary = "List active channels", .since = "2.8.0", .group = "pubsub", .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", .args = {
        {.name = "pattern", .type = kPattern, .flags = kOptional}}}},
    {"pubsub|help", {.summary = "Show helpful text about the different subcommands", .since = "6.2.0", .group = "pubsub", .complexity = "O(1)"}},
    {"pubsub|numpat", {.summary = "Get the count of unique patterns pattern subscriptions", .since = "2.8.0", .group = "pubsub", .complexity = "O(1)"}},
    {"pubsub|numsub", {.summary = "Get the count of subscribers for channels", .since = "2.8.0", .group = "pubsub", .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels", .args = {
        {.name = "channel", .type = kString, .flags = kOptional | kMultiple}}}},
    {"pubsub|shardchannels", {.summary = "List active shard channels", .since = "7.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).", .args = {
        {.name = "pattern", .type = kPattern, .flags = kOptional}}}},
    {"pubsub|shardnumsub", {.summary = "Get the count of subscribers for shard channels", .since = "7.0.0", .group = "pubsub", .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", .args = {
        {.name = "shardchannel", .type = kString, .flags = kOptional | kMultiple}}}},
    {"punsubscribe", {.summary = "Stop listening for messages posted to channels matching the given patterns", .since = "2.0.0", .group = "pubsub", .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", .args = {
        {.name = "pattern", .type = kPattern, .flags = kOptional | kMultiple}}}},
    {"quit", {.summary = "Close the connection", .since = "1.0.0", .group = "connection", .complexity = "O(1)"}},
    {"randomkey", {.summary = "Return a random key from the keyspace", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .tips = {"request_policy:all_shards", "nondeterministic_output"}}},
    {"rename", {.summary = "Rename a key", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "newkey", .type = kKey, .key_spec_index = 1}}}},
    {"renamenx", {.summary = "Rename a key, only if the new key does not exist", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .history = {{"3.2.0", "The command no longer returns an error when source and destination names are the same."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "newkey", .type = kKey, .key_spec_index = 1}}}},
    {"reset", {.summary = "Reset the connection", .since = "6.2.0", .group = "connection", .complexity = "O(1)"}},
    {"restore", {.summary = "Create a key using the provided serialized value, previously obtained using DUMP.", .since = "2.6.0", .group = "generic", .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", .history = {{"3.0.0", "Added the `REPLACE` modifier."}, {"5.0.0", "Added the `ABSTTL` modifier."}, {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "ttl", .type = kInteger},
        {.name = "serialized-value", .type = kString},
        {.name = "replace", .type = kPureToken, .token = "REPLACE", .since = "3.0.0", .flags = kOptional},
        {.name = "absttl", .type = kPureToken, .token = "ABSTTL", .since = "5.0.0", .flags = kOptional},
        {.name = "seconds", .type = kInteger, .token = "IDLETIME", .since = "5.0.0", .flags = kOptional},
        {.name = "frequency", .type = kInteger, .token = "FREQ", .since = "5.0.0", .flags = kOptional}}}},
    {"rpop", {.summary = "Remove and get the last elements in a list", .since = "1.0.0", .group = "list", .complexity = "O(N) where N is the number of elements returned", .history = {{"6.2.0", "Added the `count` argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "6.2.0", .flags = kOptional}}}},
    {"rpoplpush", {.summary = "Remove the last element in a list, prepend it to another list and return it", .since = "1.2.0", .group = "list", .complexity = "O(1)", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1}}}},
    {"rpush", {.summary = "Append one or multiple elements to a list", .since = "1.0.0", .group = "list", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"rpushx", {.summary = "Append an element to a list, only if the list exists", .since = "2.2.0", .group = "list", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"4.0.0", "Accepts multiple `element` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "element", .type = kString, .flags = kMultiple}}}},
    {"sadd", {.summary = "Add one or more members to a set", .since = "1.0.0", .group = "set", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", .history = {{"2.4.0", "Accepts multiple `member` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"save", {.summary = "Synchronously save the dataset to disk", .since = "1.0.0", .group = "server", .complexity = "O(N) where N is the total number of keys in all databases"}},
    {"scan", {.summary = "Incrementally iterate the keys space", .since = "2.8.0", .group = "generic", .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", .history = {{"6.0.0", "Added the `TYPE` subcommand."}}, .tips = {"nondeterministic_output", "request_policy:special"}, .args = {
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "type", .type = kString, .token = "TYPE", .since = "6.0.0", .flags = kOptional}}}},
    {"scard", {.summary = "Get the number of members in a set", .since = "1.0.0", .group = "set", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"script", {.summary = "A container for Lua scripts management commands", .since = "2.6.0", .group = "scripting", .complexity = "Depends on subcommand."}},
    {"script|debug", {.summary = "Set the debug mode for executed scripts.", .since = "3.2.0", .group = "scripting", .complexity = "O(1)", .args = {
        {.name = "mode", .type = kOneOf, .args = {
          {.name = "yes", .type = kPureToken, .token = "YES"},
          {.name = "sync", .type = kPureToken, .token = "SYNC"},
          {.name = "no", .type = kPureToken, .token = "NO"}}}}}},
    {"script|exists", {.summary = "Check existence of scripts in the script cache.", .since = "2.6.0", .group = "scripting", .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", .tips = {"request_policy:all_shards", "response_policy:agg_logical_and"}, .args = {
        {.name = "sha1", .type = kString, .flags = kMultiple}}}},
    {"script|flush", {.summary = "Remove all the scripts from the script cache.", .since = "2.6.0", .group = "scripting", .complexity = "O(N) with N being the number of scripts in cache", .history = {{"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}}, .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}, .args = {
        {.name = "async", .type = kOneOf, .since = "6.2.0", .flags = kOptional, .args = {
          {.name = "async", .type = kPureToken, .token = "ASYNC"},
          {.name = "sync", .type = kPureToken, .token = "SYNC"}}}}}},
    {"script|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "scripting", .complexity = "O(1)"}},
    {"script|kill", {.summary = "Kill the script currently in execution.", .since = "2.6.0", .group = "scripting", .complexity = "O(1)", .tips = {"request_policy:all_shards", "response_policy:one_succeeded"}}},
    {"script|load", {.summary = "Load the specified Lua script into the script cache.", .since = "2.6.0", .group = "scripting", .complexity = "O(N) with N being the length in bytes of the script body.", .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}, .args = {
        {.name = "script", .type = kString}}}},
    {"sdiff", {.summary = "Subtract multiple sets", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the total number of elements in all given sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sdiffstore", {.summary = "Subtract multiple sets and store the resulting set in a key", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the total number of elements in all given sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"select", {.summary = "Change the selected database for the current connection", .since = "1.0.0", .group = "connection", .complexity = "O(1)", .args = {
        {.name = "index", .type = kInteger}}}},
    {"set", {.summary = "Set the string value of a key", .since = "1.0.0", .group = "string", .complexity = "O(1)", .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."}, {"6.0.0", "Added the `KEEPTTL` option."}, {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."}, {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}}, .args = {
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
    {"setbit", {.summary = "Sets or clears the bit at offset in the string value stored at key", .since = "2.2.0", .group = "bitmap", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger},
        {.name = "value", .type = kInteger}}}},
    {"setex", {.summary = "Set the value and expiration of a key", .since = "2.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "seconds", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"setnx", {.summary = "Set the value of a key, only if the key does not exist", .since = "1.0.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "value", .type = kString}}}},
    {"setrange", {.summary = "Overwrite part of a string at key starting at the specified offset", .since = "2.2.0", .group = "string", .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "offset", .type = kInteger},
        {.name = "value", .type = kString}}}},
    {"shutdown", {.summary = "Synchronously save the dataset to disk and then shut down the server", .since = "1.0.0", .group = "server", .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}, .args = {
        {.name = "nosave_save", .type = kOneOf, .flags = kOptional, .args = {
          {.name = "nosave", .type = kPureToken, .token = "NOSAVE"},
          {.name = "save", .type = kPureToken, .token = "SAVE"}}},
        {.name = "now", .type = kPureToken, .token = "NOW", .since = "7.0.0", .flags = kOptional},
        {.name = "force", .type = kPureToken, .token = "FORCE", .since = "7.0.0", .flags = kOptional},
        {.name = "abort", .type = kPureToken, .token = "ABORT", .since = "7.0.0", .flags = kOptional}}}},
    {"sinter", {.summary = "Intersect multiple sets", .since = "1.0.0", .group = "set", .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sintercard", {.summary = "Intersect multiple sets and return the cardinality of the result", .since = "7.0.0", .group = "set", .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "limit", .type = kInteger, .token = "LIMIT", .flags = kOptional}}}},
    {"sinterstore", {.summary = "Intersect multiple sets and store the resulting set in a key", .since = "1.0.0", .group = "set", .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"sismember", {.summary = "Determine if a given value is a member of a set", .since = "1.0.0", .group = "set", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"smembers", {.summary = "Get all the members in a set", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the set cardinality.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"smismember", {.summary = "Returns the membership associated with the given elements for a set", .since = "6.2.0", .group = "set", .complexity = "O(N) where N is the number of elements being checked for membership", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"smove", {.summary = "Move a member from one set to another", .since = "1.0.0", .group = "set", .complexity = "O(1)", .args = {
        {.name = "source", .type = kKey, .key_spec_index = 0},
        {.name = "destination", .type = kKey, .key_spec_index = 1},
        {.name = "member", .type = kString}}}},
    {"sort", {.summary = "Sort the elements in a list, set or sorted set", .since = "1.0.0", .group = "generic", .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", .args = {
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
    {"sort_ro", {.summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", .since = "7.0.0", .group = "generic", .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", .args = {
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
    {"spop", {.summary = "Remove and return one or multiple random members from a set", .since = "1.0.0", .group = "set", .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", .history = {{"3.2.0", "Added the `count` argument."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "3.2.0", .flags = kOptional}}}},
    {"spublish", {.summary = "Post a message to a shard channel", .since = "7.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.", .args = {
        {.name = "shardchannel", .type = kString},
        {.name = "message", .type = kString}}}},
    {"srandmember", {.summary = "Get one or multiple random members from a set", .since = "1.0.0", .group = "set", .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", .history = {{"2.6.0", "Added the optional `count` argument."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .since = "2.6.0", .flags = kOptional}}}},
    {"srem", {.summary = "Remove one or more members from a set", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the number of members to be removed.", .history = {{"2.4.0", "Accepts multiple `member` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"sscan", {.summary = "Incrementally iterate Set elements", .since = "2.8.0", .group = "set", .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"ssubscribe", {.summary = "Listen for messages published to the given shard channels", .since = "7.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of shard channels to subscribe to.", .args = {
        {.name = "shardchannel", .type = kString, .flags = kMultiple}}}},
    {"strlen", {.summary = "Get the length of the value stored in a key", .since = "2.2.0", .group = "string", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"subscribe", {.summary = "Listen for messages published to the given channels", .since = "2.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of channels to subscribe to.", .args = {
        {.name = "channel", .type = kString, .flags = kMultiple}}}},
    {"substr", {.summary = "Get a substring of the string stored at a key", .since = "1.0.0", .group = "string", .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", .doc_flags = kDocDeprecated, .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "end", .type = kInteger}}}},
    {"sunion", {.summary = "Add multiple sets", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the total number of elements in all given sets.", .tips = {"nondeterministic_output_order"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"sunionstore", {.summary = "Add multiple sets and store the resulting set in a key", .since = "1.0.0", .group = "set", .complexity = "O(N) where N is the total number of elements in all given sets.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"sunsubscribe", {.summary = "Stop listening for messages posted to the given shard channels", .since = "7.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.", .args = {
        {.name = "shardchannel", .type = kString, .flags = kOptional | kMultiple}}}},
    {"swapdb", {.summary = "Swaps two Redis databases", .since = "4.0.0", .group = "server", .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.", .args = {
        {.name = "index1", .type = kInteger},
        {.name = "index2", .type = kInteger}}}},
    {"time", {.summary = "Return the current server time", .since = "2.6.0", .group = "server", .complexity = "O(1)", .tips = {"nondeterministic_output"}}},
    {"touch", {.summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.", .since = "3.2.1", .group = "generic", .complexity = "O(N) where N is the number of keys that will be touched.", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"ttl", {.summary = "Get the time to live for a key in seconds", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"type", {.summary = "Determine the type stored at key", .since = "1.0.0", .group = "generic", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"unlink", {.summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", .since = "4.0.0", .group = "generic", .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"unsubscribe", {.summary = "Stop listening for messages posted to the given channels", .since = "2.0.0", .group = "pubsub", .complexity = "O(N) where N is the number of clients already subscribed to a channel.", .args = {
        {.name = "channel", .type = kString, .flags = kOptional | kMultiple}}}},
    {"unwatch", {.summary = "Forget about all watched keys", .since = "2.2.0", .group = "transactions", .complexity = "O(1)"}},
    {"watch", {.summary = "Watch the given keys to determine execution of the MULTI/EXEC block", .since = "2.2.0", .group = "transactions", .complexity = "O(1) for every key.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple}}}},
    {"xack", {.summary = "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", .since = "5.0.0", .group = "stream", .complexity = "O(1) for each message ID processed.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "group", .type = kString},
        {.name = "id", .type = kString, .flags = kMultiple}}}},
    {"xadd", {.summary = "Appends a new entry to a stream", .since = "5.0.0", .group = "stream", .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.", .history = {{"6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."}, {"7.0.0", "Added support for the `<ms>-*` explicit ID form."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "nomkstream", .type = kPureToken, .token = "NOMKSTREAM", .since = "6.2.0", .flags = kOptional},
        {.name = "trim", .type = kBlock, .flags = kOptional, .args = {
          {.name = "strategy", .type = kOneOf, .args = {
            {.name = "maxlen", .type = kPureToken, .token = "MAXLEN"},
            {.name = "minid", .type = kPureToken, .token = "MINID", .since = "6.2.0"}}},
          {.name = "operator", .type = kOneOf, .flags = kOptional, .args = {
            {.name = "equal", .type = kPureToken, .token = "="},
            {.name = "approximately", .type = kPureToken, .token = "~"}}},
          {.name = "threshold", .type = kString},
          {.name = "count", .type = kInteger, .token = "LIMIT", .since = "6.2.0", .flags = kOptional}}},
        {.name = "id_or_auto", .type = kOneOf, .args = {
          {.name = "auto_id", .type = kPureToken, .token = "*"},
          {.name = "id", .type = kString}}},
        {.name = "field_value", .type = kBlock, .flags = kMultiple, .args = {
          {.name = "field", .type = kString},
          {.name = "value", .type = kString}}}}}},
    {"xautoclaim", {.summary = "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", .since = "6.2.0", .group = "stream", .complexity = "O(1) if COUNT is small.", .history = {{"7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL"}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "group", .type = kString},
        {.name = "consumer", .type = kString},
        {.name = "min-idle-time", .type = kString},
        {.name = "start", .type = kString},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "justid", .type = kPureToken, .token = "JUSTID", .flags = kOptional}}}},
    {"xclaim", {.summary = "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", .since = "5.0.0", .group = "stream", .complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "group", .type = kString},
        {.name = "consumer", .type = kString},
        {.name = "min-idle-time", .type = kString},
        {.name = "id", .type = kString, .flags = kMultiple},
        {.name = "ms", .type = kInteger, .token = "IDLE", .flags = kOptional},
        {.name = "unix-time-milliseconds", .type = kUnixTime, .token = "TIME", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "RETRYCOUNT", .flags = kOptional},
        {.name = "force", .type = kPureToken, .token = "FORCE", .flags = kOptional},
        {.name = "justid", .type = kPureToken, .token = "JUSTID", .flags = kOptional},
        {.name = "id", .type = kString, .token = "LASTID", .flags = kOptional}}}},
    {"xdel", {.summary = "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", .since = "5.0.0", .group = "stream", .complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "id", .type = kString, .flags = kMultiple}}}},
    {"xgroup", {.summary = "A container for consumer groups commands", .since = "5.0.0", .group = "stream", .complexity = "Depends on subcommand."}},
    {"xgroup|create", {.summary = "Create a consumer group.", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .history = {{"7.0.0", "Added the `entries_read` named argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString},
        {.name = "id", .type = kOneOf, .args = {
          {.name = "id", .type = kString},
          {.name = "new_id", .type = kPureToken, .token = "$"}}},
        {.name = "mkstream", .type = kPureToken, .token = "MKSTREAM", .flags = kOptional},
        {.name = "entries_read", .type = kInteger, .token = "ENTRIESREAD", .flags = kOptional}}}},
    {"xgroup|createconsumer", {.summary = "Create a consumer in a consumer group.", .since = "6.2.0", .group = "stream", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString},
        {.name = "consumername", .type = kString}}}},
    {"xgroup|delconsumer", {.summary = "Delete a consumer from a consumer group.", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString},
        {.name = "consumername", .type = kString}}}},
    {"xgroup|destroy", {.summary = "Destroy a consumer group.", .since = "5.0.0", .group = "stream", .complexity = "O(N) where N is the number of entries in the group's pending entries list (PEL).", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString}}}},
    {"xgroup|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "stream", .complexity = "O(1)"}},
    {"xgroup|setid", {.summary = "Set a consumer group to an arbitrary last delivered ID value.", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .history = {{"7.0.0", "Added the optional `entries_read` argument."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString},
        {.name = "id", .type = kOneOf, .args = {
          {.name = "id", .type = kString},
          {.name = "new_id", .type = kPureToken, .token = "$"}}},
        {.name = "entries_read", .type = kInteger, .token = "ENTRIESREAD", .flags = kOptional}}}},
    {"xinfo", {.summary = "A container for stream introspection commands", .since = "5.0.0", .group = "stream", .complexity = "Depends on subcommand."}},
    {"xinfo|consumers", {.summary = "List the consumers in a consumer group", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "groupname", .type = kString}}}},
    {"xinfo|groups", {.summary = "List the consumer groups of a stream", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .history = {{"7.0.0", "Added the `entries-read` and `lag` fields"}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"xinfo|help", {.summary = "Show helpful text about the different subcommands", .since = "5.0.0", .group = "stream", .complexity = "O(1)"}},
    {"xinfo|stream", {.summary = "Get information about a stream", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .history = {{"6.0.0", "Added the `FULL` modifier."}, {"7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "full", .type = kBlock, .token = "FULL", .flags = kOptional, .args = {
          {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}}}},
    {"xlen", {.summary = "Return the number of entries in a stream", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"xpending", {.summary = "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", .since = "5.0.0", .group = "stream", .complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.", .history = {{"6.2.0", "Added the `IDLE` option and exclusive range intervals."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "group", .type = kString},
        {.name = "filters", .type = kBlock, .flags = kOptional, .args = {
          {.name = "min-idle-time", .type = kInteger, .token = "IDLE", .since = "6.2.0", .flags = kOptional},
          {.name = "start", .type = kString},
          {.name = "end", .type = kString},
          {.name = "count", .type = kInteger},
          {.name = "consumer", .type = kString, .flags = kOptional}}}}}},
    {"xrange", {.summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval", .since = "5.0.0", .group = "stream", .complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", .history = {{"6.2.0", "Added exclusive ranges."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kString},
        {.name = "end", .type = kString},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"xread", {.summary = "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", .since = "5.0.0", .group = "stream", .complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.", .args = {
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "milliseconds", .type = kInteger, .token = "BLOCK", .flags = kOptional},
        {.name = "streams", .type = kBlock, .token = "STREAMS", .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
          {.name = "id", .type = kString, .flags = kMultiple}}}}}},
    {"xreadgroup", {.summary = "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", .since = "5.0.0", .group = "stream", .complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.", .args = {
        {.name = "group_consumer", .type = kBlock, .token = "GROUP", .args = {
          {.name = "group", .type = kString},
          {.name = "consumer", .type = kString}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional},
        {.name = "milliseconds", .type = kInteger, .token = "BLOCK", .flags = kOptional},
        {.name = "noack", .type = kPureToken, .token = "NOACK", .flags = kOptional},
        {.name = "streams", .type = kBlock, .token = "STREAMS", .args = {
          {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
          {.name = "id", .type = kString, .flags = kMultiple}}}}}},
    {"xrevrange", {.summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", .since = "5.0.0", .group = "stream", .complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", .history = {{"6.2.0", "Added exclusive ranges."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "end", .type = kString},
        {.name = "start", .type = kString},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"xsetid", {.summary = "An internal command for replicating stream values", .since = "5.0.0", .group = "stream", .complexity = "O(1)", .history = {{"7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "last-id", .type = kString},
        {.name = "entries_added", .type = kInteger, .token = "ENTRIESADDED", .since = "7.0.0", .flags = kOptional},
        {.name = "max_deleted_entry_id", .type = kString, .token = "MAXDELETEDID", .since = "7.0.0", .flags = kOptional}}}},
    {"xtrim", {.summary = "Trims the stream to (approximately if '~' is passed) a certain size", .since = "5.0.0", .group = "stream", .complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.", .history = {{"6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."}}, .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "trim", .type = kBlock, .args = {
          {.name = "strategy", .type = kOneOf, .args = {
            {.name = "maxlen", .type = kPureToken, .token = "MAXLEN"},
            {.name = "minid", .type = kPureToken, .token = "MINID", .since = "6.2.0"}}},
          {.name = "operator", .type = kOneOf, .flags = kOptional, .args = {
            {.name = "equal", .type = kPureToken, .token = "="},
            {.name = "approximately", .type = kPureToken, .token = "~"}}},
          {.name = "threshold", .type = kString},
          {.name = "count", .type = kInteger, .token = "LIMIT", .since = "6.2.0", .flags = kOptional}}}}}},
    {"zadd", {.summary = "Add one or more members to a sorted set, or update its score if it already exists", .since = "1.2.0", .group = "sorted-set", .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.", .history = {{"2.4.0", "Accepts multiple elements."}, {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."}, {"6.2.0", "Added the `GT` and `LT` options."}}, .args = {
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
    {"zcard", {.summary = "Get the number of members in a sorted set", .since = "1.2.0", .group = "sorted-set", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0}}}},
    {"zcount", {.summary = "Count the members in a sorted set with scores within the given values", .since = "2.0.0", .group = "sorted-set", .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble}}}},
    {"zdiff", {.summary = "Subtract multiple sorted sets", .since = "6.2.0", .group = "sorted-set", .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zdiffstore", {.summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key", .since = "6.2.0", .group = "sorted-set", .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple}}}},
    {"zincrby", {.summary = "Increment the score of a member in a sorted set", .since = "1.2.0", .group = "sorted-set", .complexity = "O(log(N)) where N is the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "increment", .type = kInteger},
        {.name = "member", .type = kString}}}},
    {"zinter", {.summary = "Intersect multiple sorted sets", .since = "6.2.0", .group = "sorted-set", .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zintercard", {.summary = "Intersect multiple sorted sets and return the cardinality of the result", .since = "7.0.0", .group = "sorted-set", .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "limit", .type = kInteger, .token = "LIMIT", .flags = kOptional}}}},
    {"zinterstore", {.summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key", .since = "2.0.0", .group = "sorted-set", .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "destination", .type = kKey, .key_spec_index = 0},
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 1, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}}}}},
    {"zlexcount", {.summary = "Count the number of members in a sorted set between a given lexicographical range", .since = "2.8.9", .group = "sorted-set", .complexity = "O(log(N)) with N being the number of elements in the sorted set.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString}}}},
    {"zmpop", {.summary = "Remove and return members with scores in a sorted set", .since = "7.0.0", .group = "sorted-set", .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "where", .type = kOneOf, .args = {
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"zmscore", {.summary = "Get the score associated with the given members in a sorted set", .since = "6.2.0", .group = "sorted-set", .complexity = "O(N) where N is the number of members being requested.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"zpopmax", {.summary = "Remove and return members with the highest scores in a sorted set", .since = "5.0.0", .group = "sorted-set", .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .flags = kOptional}}}},
    {"zpopmin", {.summary = "Remove and return members with the lowest scores in a sorted set", .since = "5.0.0", .group = "sorted-set", .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "count", .type = kInteger, .flags = kOptional}}}},
    {"zrandmember", {.summary = "Get one or multiple random elements from a sorted set", .since = "6.2.0", .group = "sorted-set", .complexity = "O(N) where N is the number of elements returned", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "options", .type = kBlock, .flags = kOptional, .args = {
          {.name = "count", .type = kInteger},
          {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}}}},
    {"zrange", {.summary = "Return a range of members in a sorted set", .since = "1.2.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", .history = {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}}, .args = {
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
    {"zrangebylex", {.summary = "Return a range of members in a sorted set, by lexicographical range", .since = "2.8.9", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `BYLEX` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrangebyscore", {.summary = "Return a range of members in a sorted set, by score", .since = "1.0.5", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `BYSCORE` argument", .history = {{"2.0.0", "Added the `WITHSCORES` modifier."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .since = "2.0.0", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrangestore", {.summary = "Store a range of members from sorted set into another key", .since = "6.2.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", .args = {
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
    {"zrank", {.summary = "Determine the index of a member in a sorted set", .since = "2.0.0", .group = "sorted-set", .complexity = "O(log(N))", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zrem", {.summary = "Remove one or more members from a sorted set", .since = "1.2.0", .group = "sorted-set", .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", .history = {{"2.4.0", "Accepts multiple elements."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString, .flags = kMultiple}}}},
    {"zremrangebylex", {.summary = "Remove all members in a sorted set between the given lexicographical range", .since = "2.8.9", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kString},
        {.name = "max", .type = kString}}}},
    {"zremrangebyrank", {.summary = "Remove all members in a sorted set within the given indexes", .since = "2.0.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger}}}},
    {"zremrangebyscore", {.summary = "Remove all members in a sorted set within the given scores", .since = "1.2.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "min", .type = kDouble},
        {.name = "max", .type = kDouble}}}},
    {"zrevrange", {.summary = "Return a range of members in a sorted set, by index, with scores ordered from high to low", .since = "1.2.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` argument", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "start", .type = kInteger},
        {.name = "stop", .type = kInteger},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zrevrangebylex", {.summary = "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", .since = "2.8.9", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "max", .type = kString},
        {.name = "min", .type = kString},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrevrangebyscore", {.summary = "Return a range of members in a sorted set, by score, with scores ordered from high to low", .since = "2.2.0", .group = "sorted-set", .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", .doc_flags = kDocDeprecated, .deprecated_since = "6.2.0", .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments", .history = {{"2.1.6", "`min` and `max` can be exclusive."}}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "max", .type = kDouble},
        {.name = "min", .type = kDouble},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional},
        {.name = "offset_count", .type = kBlock, .token = "LIMIT", .flags = kOptional, .args = {
          {.name = "offset", .type = kInteger},
          {.name = "count", .type = kInteger}}}}}},
    {"zrevrank", {.summary = "Determine the index of a member in a sorted set, with scores ordered from high to low", .since = "2.0.0", .group = "sorted-set", .complexity = "O(log(N))", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zscan", {.summary = "Incrementally iterate sorted sets elements and associated scores", .since = "2.8.0", .group = "sorted-set", .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", .tips = {"nondeterministic_output"}, .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "cursor", .type = kInteger},
        {.name = "pattern", .type = kPattern, .token = "MATCH", .flags = kOptional},
        {.name = "count", .type = kInteger, .token = "COUNT", .flags = kOptional}}}},
    {"zscore", {.summary = "Get the score associated with the given member in a sorted set", .since = "1.2.0", .group = "sorted-set", .complexity = "O(1)", .args = {
        {.name = "key", .type = kKey, .key_spec_index = 0},
        {.name = "member", .type = kString}}}},
    {"zunion", {.summary = "Add multiple sorted sets", .since = "6.2.0", .group = "sorted-set", .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", .args = {
        {.name = "numkeys", .type = kInteger},
        {.name = "key", .type = kKey, .key_spec_index = 0, .flags = kMultiple},
        {.name = "weight", .type = kInteger, .token = "WEIGHTS", .flags = kOptional | kMultiple},
        {.name = "aggregate", .type = kOneOf, .token = "AGGREGATE", .flags = kOptional, .args = {
          {.name = "sum", .type = kPureToken, .token = "SUM"},
          {.name = "min", .type = kPureToken, .token = "MIN"},
          {.name = "max", .type = kPureToken, .token = "MAX"}}},
        {.name = "withscores", .type = kPureToken, .token = "WITHSCORES", .flags = kOptional}}}},
    {"zunionstore", {.summary = "Add multiple sorted sets and store the resulting sorted set in a new key", .since = "2.0.0", .group = "sorted-set", .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", .args = {
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
