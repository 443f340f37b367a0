#include "common/text/absolute_path.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace osfleet {
namespace {

bool IsSeparator(char c) { return c == '\\' || c == '/'; }

// "C:\x" or "C:/x".
bool IsDrivePath(absl::string_view p) {
  return p.size() >= 4 && absl::ascii_isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' &&
         IsSeparator(p[2]);
}

// "\\server\share\x": a server, a share and something under it.
bool IsUncPath(absl::string_view p) {
  if (!absl::StartsWith(p, "\\\\")) return false;
  p.remove_prefix(2);
  const size_t server_end = p.find('\\');
  if (server_end == 0 || server_end == absl::string_view::npos) return false;
  p.remove_prefix(server_end + 1);
  const size_t share_end = p.find('\\');
  return share_end != 0 && share_end != absl::string_view::npos && share_end + 1 < p.size();
}

}  // namespace

bool IsAbsolutePath(absl::string_view path) {
  if (path.size() > 1 && path[0] == '/') return true;
  if (absl::StartsWith(path, "\\\\?\\")) return IsDrivePath(path.substr(4));
  return IsDrivePath(path) || IsUncPath(path);
}

}  // namespace osfleet
