// Shell-style name patterns ("app0*", "dc0[1-3]", "web?"), as fnmatch(3) with no flags
// matches them, in standard C++ (Windows has no fnmatch): '*' any run of characters, '?'
// one character, "[abc]", "[a-z]" and "[!x]" (or "[^x]") a set, '\' takes the next
// character literally (a trailing '\' matches nothing). A '[' without its ']' is a literal '['.
// Bytes, not letters.
#pragma once

#include <string_view>

namespace osfleet {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace osfleet
