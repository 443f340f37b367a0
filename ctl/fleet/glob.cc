#include "ctl/fleet/glob.h"

#include <cstddef>

namespace osfleet {
namespace {

// Matches the set that starts at pattern[p] == '[' against c. Returns the index after its
// ']' (0 when the set is not closed: the '[' is then literal) and whether c is in it.
std::size_t MatchSet(std::string_view pattern, std::size_t p, char c, bool& in) {
  std::size_t i = p + 1;
  const bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negate) ++i;
  bool found = false;
  bool first = true;
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) low = pattern[++i];
    char high = low;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      high = pattern[i + 2];
      i += 2;
      if (high == '\\' && i + 1 < pattern.size()) high = pattern[++i];
    }
    const auto u = static_cast<unsigned char>(c);
    if (static_cast<unsigned char>(low) <= u && u <= static_cast<unsigned char>(high)) {
      found = true;
    }
    ++i;
  }
  if (i >= pattern.size()) return 0;
  in = found != negate;
  return i + 1;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  // Where to resume after the last '*': the pattern after it, and the text it swallowed.
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        bool in = false;
        const std::size_t next = MatchSet(pattern, p, text[t], in);
        if (next != 0) {
          if (in) {
            p = next;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else {
        const bool escaped = pc == '\\';  // a trailing '\' matches nothing, as in glibc
        const char literal = escaped && p + 1 < pattern.size() ? pattern[p + 1] : pc;
        if ((!escaped || p + 1 < pattern.size()) && literal == text[t]) {
          p += escaped ? 2 : 1;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace osfleet
