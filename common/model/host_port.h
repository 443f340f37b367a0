// "host:port" endpoints of agents (not database addresses): "10.0.0.5:7443",
// "dc01.corp.example.com", "[::1]:0".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace osfleet {

struct HostPort {
  std::string host;  // without brackets
  std::optional<uint32_t> port;

  // "host:port", with brackets around an IPv6 host; default_port when port is unset.
  std::string ToString(uint32_t default_port = 0) const;
};

// Parses "host[:port]" / "[v6][:port]"; port 0..65535 (0 = any, for listening).
// INVALID_ARGUMENT names `what` and the text.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text, absl::string_view what);

}  // namespace osfleet
