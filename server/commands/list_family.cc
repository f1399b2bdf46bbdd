// Placeholder: replaced by the list family's implementation.
#include "server/command_registry.h"

namespace shoal {
void RegisterListFamily(CommandRegistry&) {}
}  // namespace shoal
