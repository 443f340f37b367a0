// Which addresses Endpoints.Probe checks, and running those checks: the file's current
// endpoints, or one candidate address per database (each parsed for the provider its
// section in this server's server.hsconf uses). Never more: a probe checks where a
// database is or will be, it is not a way to scan ports from the server.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/probe/identity.h"
#include "agent/probe/probe.h"
#include "agent/server/executor.h"
#include "common/model/hsconf.h"

namespace osfleet::agent {

// Bounds on a ProbeRequest. More entries than kMaxProbeTargets are refused before anything
// is looked at; repeats of one target count once; two addresses for one database are
// refused.
inline constexpr size_t kMaxProbeTargets = 8;
inline constexpr size_t kMaxProbeAddressBytes = 512;
inline constexpr absl::Duration kMinProbeTimeout = absl::Milliseconds(10);  // per step
inline constexpr absl::Duration kMaxProbeTimeout = absl::Seconds(30);
// A Probe call never runs longer, whatever its client's deadline (none is infinite).
inline constexpr absl::Duration kMaxProbeCall = absl::Seconds(60);

struct ProbeTarget {
  DatabaseId database = DatabaseId::kPlatform;
  std::string address;
};

struct ProbeTargetResult {
  DatabaseId database = DatabaseId::kPlatform;
  std::string address;
  ProbeOutcome outcome;
  // With ProbeOptions::identity, for a target that is not its database's current address.
  std::optional<Identity> identity;
};

// requested empty: the file's current addresses. Otherwise the requested ones in order,
// exact repeats dropped; INVALID_ARGUMENT "targets[1]: a second address for Platform ...".
absl::StatusOr<std::vector<ProbeTarget>> ChooseProbeTargets(
    const HsconfDocument& doc, const std::vector<ProbeTarget>& requested);

// The per-step timeout a request asks for: zero (or none) is the agent's default;
// otherwise it must lie within kMinProbeTimeout..kMaxProbeTimeout (INVALID_ARGUMENT
// "timeout: must be between 10ms and 30s per step, got 1h").
absl::StatusOr<absl::Duration> ProbeTimeout(absl::Duration requested, absl::Duration fallback);

// Runs the probes of every call on fixed lanes, one task per target: no thread per
// target or per call. With options.identity, each target that differs from its database's
// current address is also compared with it (agent/probe/identity.h): every distinct current
// address is probed once per call (SQL Server: twice, on two connections, to know whether
// its certificate is stable), each as a task of its own, and the candidate is probed with
// INSTOPT = the current address's instance. Viewers' probes have a lane of their own, so they never
// queue ahead of an operator's. A target whose call was cancelled, or whose deadline passed, before
// it started is not probed.
class ProbeRunner {
 public:
  // Neither lane is owned; both outlive the runner and every call it runs.
  ProbeRunner(Executor* operator_lane, Executor* viewer_lane, int dns_lookups_per_lane);

  using Done = std::function<void(std::vector<ProbeTargetResult>)>;
  // Probes `targets` of `doc` with `options` (its cancel and deadline are the call's) on
  // the caller's lane, then calls done with one result per target, in order, on a lane
  // thread (or at once when there are no targets).
  void Run(bool viewer, const HsconfDocument& doc, std::vector<ProbeTarget> targets,
           ProbeOptions options, Done done) const;

  Executor* lane(bool viewer) const { return viewer ? viewer_lane_ : operator_lane_; }
  // The caller's budget of name lookups (Endpoints.Connections resolves on the same lanes).
  std::shared_ptr<DnsBudget> dns(bool viewer) const { return viewer ? viewer_dns_ : operator_dns_; }

 private:
  Executor* operator_lane_;
  Executor* viewer_lane_;
  std::shared_ptr<DnsBudget> operator_dns_;
  std::shared_ptr<DnsBudget> viewer_dns_;
};

}  // namespace osfleet::agent
