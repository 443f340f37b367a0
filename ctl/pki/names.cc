#include "ctl/pki/names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/model/address.h"
#include "common/platform/ip_address.h"

namespace osfleet::ctl::pki {
namespace {

// "IP:<canonical text>" for an IPv4/IPv6 literal; empty otherwise.
std::string IpEntry(const std::string& text) {
  const std::optional<platform::IpAddress> ip = platform::ParseIpAddress(text);
  if (!ip) return "";
  const std::string canonical = platform::FormatIpAddress(*ip);
  return canonical.empty() ? "" : absl::StrCat("IP:", canonical);
}

absl::StatusOr<std::string> SanEntry(const std::string& raw) {
  std::string text = raw;
  bool want_ip = false;
  if (absl::StartsWithIgnoreCase(text, "DNS:")) {
    text = text.substr(4);
  } else if (absl::StartsWithIgnoreCase(text, "IP:")) {
    text = text.substr(3);
    want_ip = true;
  }
  if (std::string ip = IpEntry(text); !ip.empty()) return ip;
  if (want_ip) {
    return absl::InvalidArgumentError(
        absl::StrCat("--san '", raw, "': '", text, "' is not an IPv4 or IPv6 address"));
  }
  if (absl::Status s = ValidateHost(text); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--san '", raw, "': ", s.message()));
  }
  return absl::StrCat("DNS:", absl::AsciiStrToLower(text));
}

}  // namespace

absl::Status ValidateHolderName(const std::string& name) {
  const bool chars_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > 64 || !chars_ok || name[0] == '.' || name[0] == '-') {
    return absl::InvalidArgumentError(
        absl::StrCat("name '", name,
                     "' must be 1..64 letters, digits, '.', '_' or '-', not starting with '.' "
                     "or '-' (the inventory name of the server, or the operator's name)"));
  }
  if (name == "ca" || name == "all") {
    return absl::InvalidArgumentError(
        absl::StrCat("name '", name, "' is reserved ('ca' names the CA's own files)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> AgentSubjectAltNames(
    const std::string& name, const std::vector<std::string>& extras) {
  std::vector<std::string> out = {absl::StrCat("DNS:", name)};
  for (const std::string& raw : extras) {
    absl::StatusOr<std::string> entry = SanEntry(raw);
    if (!entry.ok()) return entry.status();
    if (std::find(out.begin(), out.end(), *entry) == out.end()) out.push_back(*entry);
  }
  return out;
}

absl::StatusOr<std::string> OperatorUnit(const std::string& role) {
  if (role == "viewer" || role == "operator") return absl::StrCat("osfleet:", role);
  if (role.empty()) {
    return absl::InvalidArgumentError(
        "--role is required for an operator certificate: viewer or operator");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--role: '", role, "' is not one of viewer, operator"));
}

}  // namespace osfleet::ctl::pki
