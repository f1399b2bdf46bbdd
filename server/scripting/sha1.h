// SHA-1 (FIPS 180-1), for script names (EVAL's SHA, redis.sha1hex): the 40 lowercase hex digits
// Redis prints. Not for security.
#pragma once

#include <string>
#include <string_view>

namespace shoal::scripting {

// 40 lowercase hex digits of SHA-1(data).
std::string Sha1Hex(std::string_view data);
// Writes the same 40 digits to out (no terminator).
void Sha1Hex(std::string_view data, char out[40]);

}  // namespace shoal::scripting
