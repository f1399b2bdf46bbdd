// redis-check-rdb's report on an RDB file (shoal-check-rdb, and shoal-check-aof for an AOF's RDB
// base or preamble): reads every record, decodes and deeply validates every value
// (sanitize-dump-payload yes), checks the CRC, and prints a summary in redis-check-rdb's format to
// stdout, or the offset and context of the first error.
//
// Threading: a plain function of the calling thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace shoal::rdb {

// True when `data` starts with a valid RDB; *end (may be null) is where it ends (commands may
// follow in an AOF preamble file).
bool CheckAndReport(std::string_view data, size_t* end);

}  // namespace shoal::rdb
