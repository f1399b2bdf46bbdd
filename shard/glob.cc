#include "shard/glob.h"

#include <cctype>

namespace shoal {

namespace {

// Recursion depth is bounded by the number of '*' in the pattern; consecutive stars collapse.
bool Match(const char* p, size_t plen, const char* s, size_t slen, bool nocase, int nesting,
           bool* skip_longer) {
  if (nesting > 1000) return false;  // Redis guards deep patterns the same way
  auto fold = [nocase](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen) {
          if (Match(p + 1, plen - 1, s, slen, nocase, nesting + 1, skip_longer)) return true;
          if (*skip_longer) return false;
          ++s;
          --slen;
        }
        // The rest of the pattern matches nowhere in the rest of the string, so no earlier '*'
        // can help by matching more: stop the whole search (keeps matching polynomial).
        *skip_longer = true;
        return false;
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        while (true) {
          if (plen == 0) {
            // Unterminated class: Redis treats the remaining pattern as consumed.
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            char start = fold(p[0]), end = fold(p[2]), c = fold(s[0]);
            if (start > end) std::swap(start, end);
            if (c >= start && c <= end) match = true;
            p += 2;
            plen -= 2;
          } else if (fold(p[0]) == fold(s[0])) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (plen == 0) {
          // Mirror Redis: the loop ran off the end; step back so the outer ++ is harmless.
          ++plen;
          --p;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (fold(p[0]) != fold(s[0])) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen && *p == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  return Match(pattern.data(), pattern.size(), str.data(), str.size(), nocase, 0, &skip_longer);
}

}  // namespace shoal
