#include "shard/glob.h"

#include <catch2/catch.hpp>

using shoal::GlobMatch;

TEST_CASE("Glob matches like Redis stringmatchlen", "[glob]") {
  CHECK_FALSE(GlobMatch("*", ""));  // as Redis: KEYS special-cases "*" instead
  CHECK(GlobMatch("*", "anything"));
  CHECK(GlobMatch("h?llo", "hello"));
  CHECK_FALSE(GlobMatch("h?llo", "hllo"));
  CHECK(GlobMatch("h*llo", "heeeello"));
  CHECK(GlobMatch("h[ae]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
  CHECK(GlobMatch("h[^e]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
  CHECK(GlobMatch("h[a-b]llo", "hbllo"));
  CHECK(GlobMatch("h[b-a]llo", "hallo"));  // reversed range
  CHECK(GlobMatch("h\\*llo", "h*llo"));
  CHECK_FALSE(GlobMatch("h\\*llo", "hello"));
  CHECK(GlobMatch("a*b*c", "axxbyyc"));
  CHECK_FALSE(GlobMatch("a*b*c", "axxbyy"));
  CHECK(GlobMatch("key:*", "key:1"));
  CHECK_FALSE(GlobMatch("key:*", "ke"));
  CHECK(GlobMatch("HELLO", "hello", true));
  CHECK_FALSE(GlobMatch("HELLO", "hello", false));
  CHECK(GlobMatch("[\\]]", "]"));
  CHECK(GlobMatch("a**", "a"));
  CHECK(GlobMatch("", ""));
  CHECK_FALSE(GlobMatch("", "a"));
  CHECK_FALSE(GlobMatch("a", ""));
}

TEST_CASE("Glob survives pathological patterns", "[glob]") {
  std::string s(200, 'a');
  std::string p;
  for (int i = 0; i < 30; ++i) p += "a*";
  p += "b";
  CHECK_FALSE(GlobMatch(p, s));   // polynomial thanks to the skip-longer-matches cut
  CHECK(GlobMatch("[abc", "a"));  // unterminated class
}
