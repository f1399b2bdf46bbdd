#include "server/command_registry.h"
namespace shoal {
void RegisterBitopsFamily(CommandRegistry&) {}
}  // namespace shoal
