// `osctl doctor`: every selected agent's read-only checks (Agent.Check, one concurrent
// fan-out), plus osctl's own rows: the clock skew of each agent against osctl, an agent that
// did not answer, and osctl's certificate. Also the preflight of `rollout plan|apply`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/tls_check.h"
#include "common/time/clock.h"
#include "ctl/fleet/context.h"
#include "osfleet/v1/agent.pb.h"

namespace osfleet::ctl {

enum class Verdict { kOk, kWarn, kFail };

// "ok", "warn", "fail".
const char* VerdictName(Verdict verdict);

struct DoctorRow {
  std::string server;  // the inventory name; "osctl" for osctl's own rows
  std::string check;
  Verdict verdict = Verdict::kOk;
  std::string reason;
};

// clock.skew: warn past kSkewWarn, fail past kSkewFail. A change's audit lines, journal
// times and certificate validity are compared across machines; leases and confirm windows
// are measured on each agent's own monotonic clock, so only a gross skew harms a rollout.
inline constexpr absl::Duration kSkewWarn = absl::Seconds(30);
inline constexpr absl::Duration kSkewFail = absl::Minutes(5);

// The skew of `server`'s clock: agent_time (the agent's clock when it answered) against
// osctl's at that moment, taken as `received` (osctl's clock when the answer arrived) less
// half the network's share of the round trip (`round_trip` less `checked_in`, the agent's
// own work). Positive: the agent's clock is ahead.
absl::Duration ClockSkew(absl::Time agent_time, absl::Time received, absl::Duration round_trip,
                         absl::Duration checked_in);
DoctorRow SkewRow(const std::string& server, absl::Duration skew, absl::Duration round_trip,
                  absl::Duration checked_in);

// osctl.certificate: ok with days left, warn within 30 days of its end, fail when expired,
// not valid yet or unreadable; ok with no certificate under --insecure (loopback only).
DoctorRow OsctlCertificateRow(const ConnectionOptions& connection,
                              const absl::StatusOr<CertificateValidity>& validity, absl::Time now);

// The agent's rows, as it sent them (an unspecified level counts as fail).
std::vector<DoctorRow> AgentRows(const std::string& server, const v1::CheckResponse& response);

// Every row for the fleet of `ctx`: per server (in inventory order) its agent's rows and
// clock.skew, or one fail row "agent.reachable" when its agent did not answer; then
// osctl.certificate. `clock` is osctl's (tests move it).
std::vector<DoctorRow> RunDoctor(const FleetContext& ctx, const Clock& clock);

// The worst verdict of `rows` (kOk for none).
Verdict Worst(const std::vector<DoctorRow>& rows);

// For `rollout plan|apply`: runs the doctor and, when a row fails, refuses (MarkRefused,
// exit 3) after printing the failing rows on stderr; warnings are printed and do not
// refuse. skip_service_center: the rollout runs no Service Center phase, so the
// "service_center.*" rows do not count.
absl::Status DoctorPreflight(const FleetContext& ctx, bool skip_service_center);

}  // namespace osfleet::ctl
