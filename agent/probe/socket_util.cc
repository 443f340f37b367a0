#include "agent/probe/socket_util.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace osfleet::agent {

std::string FormatEndpoint(const std::string& ip, unsigned port) {
  if (ip.find(':') != std::string::npos) return absl::StrCat("[", ip, "]:", port);
  return absl::StrCat(ip, ":", port);
}

std::string FormatTimeout(absl::Duration timeout) { return absl::FormatDuration(timeout); }

platform::Deadline SteadyDeadline(absl::Time deadline) {
  const absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(left);
}

platform::Result<size_t> ReceiveSome(platform::Socket& socket, char* buffer, size_t size,
                                     absl::Time deadline, const CancelToken& cancel) {
  for (;;) {
    const absl::Time slice = std::min(deadline, absl::Now() + CancelToken::kPollStep);
    platform::Result<size_t> n = socket.Receive(buffer, size, SteadyDeadline(slice));
    if (n.ok() || n.error().code != platform::Errc::kDeadlineExceeded) return n;
    if (absl::Now() >= deadline || cancel.Cancelled()) return n;
  }
}

}  // namespace osfleet::agent
