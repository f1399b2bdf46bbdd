#include "server/string_util.h"
namespace shoal {
void RegisterMoreStringCommands(CommandRegistry&) {}
}  // namespace shoal
