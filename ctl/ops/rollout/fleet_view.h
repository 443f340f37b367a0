// Where every server of a rollout stands now, asked of the agents (not the journal): on
// the old address, on the new one, pending, changed by something else, or not reachable;
// whether the fleet is split (some servers on the new address, others on the old); and
// whether each server's running services were started on its file as it is (services
// read server.hsconf only at start: a file on the old address with services still on the
// new one is a split too, only hidden).
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
  // Services that run on another revision than the file (ServicesLagLine); empty: none.
  std::string services_lag;
};

struct FleetView {
  std::vector<ServerStanding> servers;
  std::string target;            // what the rollout moves (MovesText); ends the Headline when set
  bool split() const;            // some on the new address, others on the old
  bool services_lag() const;     // some server's services run on another revision
  bool converged() const;        // every file on one side and every service on its file
  std::string Headline() const;  // one line, e.g. "SPLIT FLEET: dc01, fe01 on the new ..."
  nlohmann::json ToJson() const;
};

// Standing of a server from its endpoints: kNew when every database the rollout changes
// has the new address, kOld when every one has its old address, else kOther.
Standing StandingOf(const HostRecord& host, const RolloutOptions& options,
                    const v1::GetEndpointsResponse& now);

// Asks every server of the journal (GetEndpoints and GetInfo, one fan-out each).
FleetView ObserveFleet(const FleetContext& ctx, const Journal& journal);

}  // namespace osfleet::ctl
