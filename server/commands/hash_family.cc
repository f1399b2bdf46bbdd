// Placeholder: replaced by the hash family's implementation.
#include "server/command_registry.h"

namespace shoal {
void RegisterHashFamily(CommandRegistry&) {}
}  // namespace shoal
