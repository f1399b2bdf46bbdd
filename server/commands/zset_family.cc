// Placeholder: replaced by the zset family's implementation.
#include "server/command_registry.h"

namespace shoal {
void RegisterZSetFamily(CommandRegistry&) {}
}  // namespace shoal
