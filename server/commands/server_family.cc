#include "server/command_registry.h"
namespace shoal {
void RegisterServerFamily(CommandRegistry&) {}
}  // namespace shoal
