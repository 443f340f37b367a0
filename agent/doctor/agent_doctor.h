// The agent's side of `osctl doctor` (Agent.Check): a read-only look at everything a
// rollout will touch on this server, one CheckRow per thing. Knows nothing of gRPC; the
// rows' verdicts come from check_rows.h. Blocking (a service's status command, Service
// Center's answers): run it off the gRPC threads.
//
// The rows come from a list of functions, one per concern, each given what was read once
// (server.hsconf, the time): a new row is one more function in kRowSources.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/doctor/check_row.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/service_center/phase_driver.h"
#include "common/time/cancel.h"
#include "common/time/clock.h"

namespace osfleet::agent {

class AgentDoctor {
 public:
  // The longest a Run may take: a call without a deadline (grpcurl's default) gets this one.
  static constexpr absl::Duration kLongest = absl::Minutes(2);

  // All outlive this. phase_driver: null where no Service Center is configured.
  AgentDoctor(const AgentConfig* config, HsconfStore* store, ServiceManager* services,
              PhaseDriver* phase_driver, std::string state_dir, const Clock* clock);

  // Every row, in a stable order: hsconf.parsed, hsconf.writable,
  // hsconf.advanced_settings, state_dir.space,
  // services.<name> (start order), configuration_tool, agent.certificate, then the
  // Service Center driver's rows (Deployment Controller). Stops before the Service Center
  // rows once `cancel` fires (the client gave up), with a row saying so.
  std::vector<CheckRow> Run(absl::Time deadline, const CancelToken& cancel) const;

 private:
  // What every row function may use: read once per Run.
  struct Seen {
    absl::StatusOr<HsconfDocument> doc;
    absl::Time now;
    absl::Time deadline;
    const CancelToken* cancel = nullptr;
  };
  using RowSource = std::vector<CheckRow> (AgentDoctor::*)(const Seen&) const;

  std::vector<CheckRow> HsconfRows(const Seen& seen) const;
  std::vector<CheckRow> SpaceRows(const Seen& seen) const;
  std::vector<CheckRow> ServiceRows(const Seen& seen) const;
  std::vector<CheckRow> ToolRows(const Seen& seen) const;
  std::vector<CheckRow> CertificateRows(const Seen& seen) const;
  std::vector<CheckRow> ServiceCenterRows(const Seen& seen) const;

  static const RowSource kRowSources[];  // the functions above, in the order of the rows

  const AgentConfig* config_;
  HsconfStore* store_;
  ServiceManager* services_;
  PhaseDriver* phase_driver_;
  std::string state_dir_;
  const Clock* clock_;
};

}  // namespace osfleet::agent
