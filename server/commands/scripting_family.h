// What the scripting commands offer the rest of the server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shoal {

// FUNCTION LOAD of a library's code without replacing (an RDB file's FUNCTION2 record): nullopt,
// or the error (Redis's reply text without "ERR ").
std::optional<std::string> LoadFunctionLibrary(std::string_view code);

}  // namespace shoal
