// The finish of an all-or-nothing change (`endpoints set --lease`): once every server has
// answered its Set, renew every lease in one pass and confirm everywhere; when any server
// failed the change or no longer holds it, or cannot be confirmed after others were,
// revert every server that changed (a pending change: revert it; a confirmed one:
// compare-and-set from its backup), so that the fleet ends on one address.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/ops/lease_keeper.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct FinishStep {
  std::string server;
  std::string text;
  bool bad = false;
};

struct FinishResult {
  absl::Status status;  // OK: confirmed everywhere; else why every change was reverted
  std::vector<FinishStep> steps;
};

// set[i] is targets[i]'s answer. restart: the reverts restart the services too.
FinishResult ConfirmAllOrRevert(const std::vector<Target>& targets,
                                const std::vector<HostReply<v1::SetEndpointsResponse>>& set,
                                LeaseKeeper& leases, const FanOutOptions& fanout,
                                const FanOutOptions& revert_fanout, bool restart);

}  // namespace osfleet::ctl
