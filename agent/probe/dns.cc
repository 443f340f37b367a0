#include "agent/probe/dns.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace osfleet::agent {
namespace {

// Shared with the resolver thread, which may outlive a timed-out probe.
struct DnsResult {
  absl::Notification done;
  std::optional<platform::Result<std::vector<SocketAddress>>> addresses;
};

void RunResolver(const std::string& host, const std::shared_ptr<DnsResult>& result,
                 const std::shared_ptr<DnsBudget>& budget) {
  result->addresses.emplace(platform::ResolveHost(host));
  result->done.Notify();
  if (budget != nullptr) budget->in_flight.fetch_sub(1);
}

// A place in the budget for one lookup thread; false when every place is taken.
bool TakeLookup(const std::shared_ptr<DnsBudget>& budget) {
  if (budget == nullptr) return true;
  if (budget->in_flight.fetch_add(1) < budget->max) return true;
  budget->in_flight.fetch_sub(1);
  return false;
}

std::string DnsError(const std::string& host, const platform::Error& error) {
  if (error.code == platform::Errc::kNoSuchHost) {
    return absl::StrCat("DNS: no such host '", host, "'");
  }
  if (error.code == platform::Errc::kNoAddresses) {
    return absl::StrCat("DNS: '", host, "' exists but has no addresses");
  }
  if (error.code == platform::Errc::kTryAgain) {
    return absl::StrCat("DNS: temporary failure resolving '", host,
                        "' (no DNS server gave an answer; check this server's DNS settings)");
  }
  return absl::StrCat("DNS: resolving '", host, "' failed: ", error.Reason());
}

}  // namespace

absl::StatusOr<std::vector<SocketAddress>> ResolveWithin(const std::string& host,
                                                         absl::Duration timeout,
                                                         const ProbeOptions& options) {
  // SQL Server's shorthands for the local machine.
  const std::string name =
      (host == "." || absl::EqualsIgnoreCase(host, "(local)")) ? "localhost" : host;
  if (std::optional<SocketAddress> literal = platform::ParseNumericAddress(name)) {
    return std::vector<SocketAddress>{*std::move(literal)};
  }
  if (!TakeLookup(options.dns)) {
    return absl::UnavailableError(absl::StrCat(
        "DNS: ", options.dns->max, " name lookups are already in progress on this agent (earlier ",
        "ones have not finished; is the DNS server answering?); try again shortly"));
  }
  auto result = std::make_shared<DnsResult>();
  std::thread(RunResolver, name, result, options.dns).detach();
  const absl::Time end = absl::Now() + timeout;
  while (!result->done.WaitForNotificationWithTimeout(
      std::min(CancelToken::kPollStep, end - absl::Now()))) {
    if (absl::Status s = options.cancel.Check(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
    }
    if (absl::Now() < end) continue;
    return absl::DeadlineExceededError(
        absl::StrCat("DNS: resolving '", host, "' did not finish within ", FormatTimeout(timeout)));
  }
  platform::Result<std::vector<SocketAddress>>& addresses = *result->addresses;
  if (!addresses.ok()) return absl::UnavailableError(DnsError(host, addresses.error()));
  if (addresses->empty()) {
    return absl::UnavailableError(absl::StrCat("DNS: '", host, "' has no addresses"));
  }
  return std::move(*addresses);
}

}  // namespace osfleet::agent
