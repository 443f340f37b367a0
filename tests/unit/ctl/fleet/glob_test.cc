// GlobMatch against the C library's fnmatch(3) with no flags (what osctl used before it
// had to build for Windows), on patterns and names of the kind --limit gets and on the
// corner cases of sets, escapes and stars.
#include "ctl/fleet/glob.h"

#include <fnmatch.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace osfleet {
namespace {

TEST(GlobMatch, AgreesWithFnmatch) {
  const std::vector<std::string> patterns = {
      "",        "*",       "**",    "?",      "app0*", "*01",  "a*b*c", "dc0[1-3]", "web[!2]",
      "web[^2]", "[]]x",    "[!]]x", "[a-]",   "[-a]",  "x[",   "x[a",   "\\*",      "a\\?b",
      "[\\]]",   "*[0-9]",  "?*?",   "a*",     "*a",    "*a*",  "[[]",   "a[b-a]c",  "\\",
      "a\\",     "[a\\-z]", "FE0?",  "*.prod", "[*]",   "[?]x", "a**b",  "[z-a]"};
  const std::vector<std::string> names = {
      "",    "a", "app01", "app02", "dc01",    "dc04", "web1",  "web2", "]x",   "ax", "x[",
      "x[a", "*", "a?b",   "axb",   "]",       "abc",  "aXbYc", "acb",  "FE01", "-",  "\\",
      "a\\", "[", "ab",    "ba",    "db.prod", "z",    "?x",    "aab",  "abbb", "a-", "b"};
  for (const std::string& pattern : patterns) {
    for (const std::string& name : names) {
      const bool expected = fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
      EXPECT_EQ(GlobMatch(pattern, name), expected)
          << "pattern \"" << pattern << "\" name \"" << name << "\"";
    }
  }
}

TEST(GlobMatch, StarsDoNotBacktrackExponentially) {
  const std::string name(200, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*b", name));
  EXPECT_TRUE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*", name));
}

}  // namespace
}  // namespace osfleet
