// Small helpers of the probe and its test fakes over common/platform/sockets.h: endpoint
// and timeout text for messages, deadlines, and the owned descriptor the fakes use.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/platform/sockets.h"
#include "common/platform/unique_fd.h"

namespace osfleet::agent {

using platform::SocketAddress;
using platform::UniqueFd;

// "10.0.0.5:1433", "[2001:db8::5]:1433".
std::string FormatEndpoint(const std::string& ip, unsigned port);

// "3s", "200ms": how long a step was allowed, for error messages.
std::string FormatTimeout(absl::Duration timeout);

// The platform's (steady clock) deadline for an absl::Time one.
platform::Deadline SteadyDeadline(absl::Time deadline);

}  // namespace osfleet::agent
