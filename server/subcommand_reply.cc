#include "server/subcommand_reply.h"

#include <string>

#include "server/ascii.h"

namespace shoal {

void ReplyHelp(protocol::ReplyBuilder& rb, std::string_view command,
               std::span<const char* const> lines) {
  rb.Array(lines.size() + 3);
  rb.Simple(Upper(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : lines) rb.Simple(line);
  rb.Simple("HELP");
  rb.Simple("    Prints this help.");
}

void ReplyUnknownSubcommand(protocol::ReplyBuilder& rb, std::string_view command,
                            std::string_view sub) {
  rb.Error("ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " +
           Upper(command) + " HELP.");
}

void ReplySubcommandSyntaxError(protocol::ReplyBuilder& rb, std::string_view command,
                                std::string_view sub) {
  rb.Error("ERR unknown subcommand or wrong number of arguments for '" +
           std::string(sub.substr(0, 128)) + "'. Try " + Upper(command) + " HELP.");
}

}  // namespace shoal
