// Rollout step 7: the Service Center phase on the Deployment Controller (Apply Settings,
// the wait, the republish of what Service Center flags), streamed with heartbeats between
// its events.
#include "absl/strings/str_cat.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

absl::Status Rollout::RunServiceCenter() {
  if (journal_.options.skip_service_center) {
    journal_.service_center = "skipped (--skip-service-center): run `osctl sc run` later";
    return absl::OkStatus();
  }
  std::vector<size_t> dc;
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    if (journal_.hosts[i].role == "deployment_controller") dc.push_back(i);
  }
  if (dc.empty()) return absl::FailedPreconditionError("no deployment_controller in the rollout");
  const std::string name = journal_.hosts[dc[0]].name;
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = absl::Minutes(61);
  v1::RunPhaseRequest request;
  // The apply step's credentials serve the Apply Settings step's placeholders too (those
  // it names only).
  for (const auto& [key, value] : tool_credentials_) (*request.mutable_credentials())[key] = value;
  KeepNeededByEach(TargetsFor(dc), ctx_.fanout(), CredentialUse::kServiceCenterPhase,
                   {request.mutable_credentials()});
  // Each event is reported as it comes and dropped; the journal keeps the last one.
  // Between them (Apply Settings, the wait, a publication: minutes), heartbeats.
  std::vector<HostStream<v1::PhaseEvent>> result;
  Watched("ServiceCenter", {name}, TargetsFor(dc), [&] {
    result = CallRunPhase(TargetsFor(dc), fanout, StreamOptions{}, request,
                          [this, &name](size_t, const v1::PhaseEvent& e) {
                            Emit("sc", name, DescribePhaseEvent(e), IsBadPhaseEvent(e));
                          });
    return std::vector<grpc::Status>{result[0].status};
  });
  if (!result[0].ok()) {
    journal_.service_center = absl::StrCat("failed: ", StatusText(result[0].status));
    return absl::FailedPreconditionError(absl::StrCat(
        "the Service Center phase failed on ", name, ": ", StatusText(result[0].status),
        "; the endpoints are changed and confirmed everywhere; fix it and run "
        "`osctl sc run`"));
  }
  journal_.service_center =
      result[0].last.has_value() ? DescribePhaseEvent(*result[0].last) : "done";
  return absl::OkStatus();
}

}  // namespace osfleet::ctl
