// The two replies every container command (CLIENT, CONFIG, COMMAND, MEMORY, OBJECT, DEBUG) shares,
// byte-identical to Redis 7.0's: the HELP listing (addReplyHelp) and the error for a subcommand
// it does not know. Connection-thread or shard-thread code alike; they only write to `rb`.
#pragma once

#include <span>
#include <string_view>

#include "protocol/reply_builder.h"

namespace shoal {

// "<COMMAND> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the `lines`, then
// "HELP" / "    Prints this help.". `command` is args[0] as the client sent it.
void ReplyHelp(protocol::ReplyBuilder& rb, std::string_view command,
               std::span<const char* const> lines);

// "ERR unknown subcommand '<sub, 128 bytes at most>'. Try <COMMAND> HELP." (commands with a
// subcommand table: CLIENT, CONFIG, COMMAND, MEMORY, OBJECT).
void ReplyUnknownSubcommand(protocol::ReplyBuilder& rb, std::string_view command,
                            std::string_view sub);

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <COMMAND> HELP."
// (addReplySubcommandSyntaxError: commands that parse their own subcommands, such as DEBUG).
void ReplySubcommandSyntaxError(protocol::ReplyBuilder& rb, std::string_view command,
                                std::string_view sub);

}  // namespace shoal
