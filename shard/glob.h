// Redis-compatible glob matching (stringmatchlen): *, ?, [abc], [^a-z], \x escapes, nocase.
#pragma once

#include <string_view>

namespace shoal {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace shoal
