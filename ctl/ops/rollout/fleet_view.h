// Where every server of a rollout stands now, asked of the agents (not the journal): on
// the old address, on the new one, pending, changed by something else, or not reachable;
// and whether the fleet is split (some servers on the new address, others on the old).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctl/fleet/context.h"
#include "ctl/ops/rollout/journal.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

enum class Standing { kOld, kNew, kPending, kOther, kUnreachable };
const char* StandingName(Standing s);

struct ServerStanding {
  std::string name;
  Standing standing = Standing::kUnreachable;
  std::string detail;  // the error, or the pending change id
};

struct FleetView {
  std::vector<ServerStanding> servers;
  std::string target;  // what the rollout moves (MovesText); ends the Headline when set
  bool split() const;            // some on the new address, others on the old
  std::string Headline() const;  // one line, e.g. "SPLIT FLEET: dc01, fe01 on the new ..."
  nlohmann::json ToJson() const;
};

// Standing of a server from its endpoints: kNew when every database the rollout changes
// has the new address, kOld when every one has its old address, else kOther.
Standing StandingOf(const HostRecord& host, const RolloutOptions& options,
                    const v1::GetEndpointsResponse& now);

// Asks every server of the journal (GetEndpoints, one fan-out).
FleetView ObserveFleet(const FleetContext& ctx, const Journal& journal);

}  // namespace osfleet::ctl
