#include "common/model/host_port.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/model/address.h"

namespace osfleet {
namespace {

absl::StatusOr<uint32_t> ParsePort(absl::string_view text, absl::string_view what,
                                   absl::string_view whole) {
  uint32_t port = 0;
  const bool digits = !text.empty() && text.size() <= 5 &&
                      std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
  if (!digits || !absl::SimpleAtoi(text, &port) || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", whole, "' has port '", text, "'; a port is a number 0..65535"));
  }
  return port;
}

}  // namespace

std::string HostPort::ToString(uint32_t default_port) const {
  const bool v6 = host.find(':') != std::string::npos;
  const std::string h = v6 ? absl::StrCat("[", host, "]") : host;
  return absl::StrCat(h, ":", port.value_or(default_port));
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text, absl::string_view what) {
  HostPort out;
  absl::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", text, "' opens '[' but never closes it"));
    }
    out.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", text, "' has text after ']' that is not ':port'"));
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != absl::string_view::npos && text.find(':', colon + 1) != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", text, "' looks like an IPv6 address; write it as [addr]:port"));
    }
    out.host = std::string(text.substr(0, colon));
    rest = colon == absl::string_view::npos ? absl::string_view() : text.substr(colon);
  }
  if (absl::Status s = ValidateHost(out.host); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", s.message()));
  }
  if (!rest.empty()) {
    absl::StatusOr<uint32_t> port = ParsePort(rest.substr(1), what, text);
    if (!port.ok()) return port.status();
    out.port = *port;
  }
  return out;
}

}  // namespace osfleet
