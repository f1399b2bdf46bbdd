// Placeholder: replaced by the set family's implementation.
#include "server/command_registry.h"

namespace shoal {
void RegisterSetFamily(CommandRegistry&) {}
}  // namespace shoal
