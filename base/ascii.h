// ASCII helpers for command, option and keyword names (Redis compares them case-insensitively):
// thin names over absl's ASCII functions, for the server's families and the file formats.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace shoal {

// Debian's abseil keeps its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0).
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// True when `a` equals `lower` ignoring ASCII case (`lower` is written in lower case by callers).
inline bool EqNoCase(std::string_view a, std::string_view lower) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(lower));
}

inline std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

inline std::string Upper(std::string_view s) { return absl::AsciiStrToUpper(ToAbsl(s)); }

}  // namespace shoal
