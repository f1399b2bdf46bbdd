#include "server/command_registry.h"
namespace shoal {
void RegisterGenericFamily(CommandRegistry&) {}
}  // namespace shoal
