#include "server/subcommand_reply.h"

#include <string>

#include "base/ascii.h"

namespace shoal {
namespace {

// Redis prints the subcommand with "%.128s": it ends at its first NUL byte.
std::string Printed(std::string_view sub) {
  return std::string(sub.substr(0, sub.find('\0')).substr(0, 128));
}

}  // namespace

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
  rb.Error("ERR unknown subcommand '" + Printed(sub) + "'. Try " + Upper(command) + " HELP.");
}

void ReplySubcommandSyntaxError(protocol::ReplyBuilder& rb, std::string_view command,
                                std::string_view sub) {
  rb.Error("ERR unknown subcommand or wrong number of arguments for '" + Printed(sub) + "'. Try " +
           Upper(command) + " HELP.");
}

}  // namespace shoal
