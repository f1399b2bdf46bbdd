// Placeholder: replaced by the sort family's implementation.
#include "server/command_registry.h"

namespace shoal {
void RegisterSortFamily(CommandRegistry&) {}
}  // namespace shoal
