// Small helpers of the probe and its test fakes over common/platform/sockets.h: endpoint
// and timeout text for messages, deadlines, a receive that honours a cancel, and the owned
// descriptor the fakes use.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/platform/sockets.h"
#include "common/platform/unique_fd.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

using platform::SocketAddress;
using platform::UniqueFd;

// "10.0.0.5:1433", "[2001:db8::5]:1433".
std::string FormatEndpoint(const std::string& ip, unsigned port);

// "3s", "200ms": how long a step was allowed, for error messages.
std::string FormatTimeout(absl::Duration timeout);

// The platform's (steady clock) deadline for an absl::Time one.
platform::Deadline SteadyDeadline(absl::Time deadline);

// Waits for bytes until `deadline`, asking `cancel` every CancelToken::kPollStep: a
// server that accepts and never answers does not hold a probe its client gave up on.
// Errc::kDeadlineExceeded when the deadline passed or the client gave up (ask `cancel`
// which); 0 when the peer closed the connection.
platform::Result<size_t> ReceiveSome(platform::Socket& socket, char* buffer, size_t size,
                                     absl::Time deadline, const CancelToken& cancel);

}  // namespace osfleet::agent
