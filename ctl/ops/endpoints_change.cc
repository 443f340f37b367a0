#include "ctl/ops/endpoints_change.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

v1::AdvancedSettingsChoice AdvancedSettingsChoiceFor(const std::string& choice) {
  if (choice == "rewrite") return v1::ADVANCED_SETTINGS_REWRITE;
  if (choice == "keep") return v1::ADVANCED_SETTINGS_KEEP;
  return v1::ADVANCED_SETTINGS_REFUSE;
}

v1::SetEndpointsRequest SetRequestFor(const EndpointsChange& change,
                                      const std::string& expected_revision) {
  v1::SetEndpointsRequest req;
  for (const v1::EndpointChange& c : change.changes) *req.add_changes() = c;
  req.set_expected_revision(expected_revision);
  req.set_reason(change.reason);
  req.set_restart_services(change.restart_services);
  req.set_advanced_settings(change.advanced_settings);
  if (change.tool.install_service_center() || change.tool.credentials_size() > 0) {
    *req.mutable_configuration_tool() = change.tool;
  }
  if (change.confirm_within.has_value()) {
    *req.mutable_confirm_within() = google::protobuf::util::TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(*change.confirm_within));
  }
  if (change.lease.has_value() && change.confirm_within.has_value()) {
    *req.mutable_lease() = google::protobuf::util::TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(*change.lease));
  }
  return req;
}

void KeepNeededBySet(const std::vector<Target>& targets, const FanOutOptions& fanout,
                     std::vector<v1::SetEndpointsRequest>* requests) {
  std::vector<CredentialMap*> credentials;
  for (v1::SetEndpointsRequest& r : *requests) {
    credentials.push_back(r.mutable_configuration_tool()->mutable_credentials());
  }
  KeepNeededByEach(targets, fanout, CredentialUse::kConfigurationTool, credentials);
}

EndpointsChangeResult ChangeEndpoints(const std::vector<Target>& targets,
                                      const FanOutOptions& plan_fanout,
                                      const FanOutOptions& set_fanout,
                                      const EndpointsChange& change, LeaseKeeper* leases) {
  EndpointsChangeResult result;
  result.plan = CallPlan(targets, plan_fanout, change.changes, change.advanced_settings);
  if (const size_t refused = Failures(result.plan).size(); refused > 0) {
    result.status = MarkRefused(absl::FailedPreconditionError(
        absl::StrCat("refused: ", refused,
                     " server(s) cannot take this change; nothing was changed on any server")));
    return result;
  }
  if (change.approve) {
    result.status = change.approve(result.plan);
    if (!result.status.ok()) return result;
  }
  std::vector<v1::SetEndpointsRequest> requests;
  for (size_t i = 0; i < result.plan.size(); ++i) {
    requests.push_back(SetRequestFor(change, result.plan[i].response.revision()));
    if (change.install_service_center_on_dc &&
        targets[i].server->role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) {
      requests.back().mutable_configuration_tool()->set_install_service_center(true);
    }
  }
  KeepNeededBySet(targets, plan_fanout, &requests);
  auto hold = [&](size_t i, const HostReply<v1::SetEndpointsResponse>& r) {
    if (leases == nullptr || !r.ok() || r.response.state() != v1::CHANGE_STATE_PENDING) return;
    leases->Hold({targets[i].server->name, targets[i], r.response.change_id()});
  };
  FanOutOptions fanout = set_fanout;
  if (change.one_at_a_time) fanout.concurrency = 1;
  result.set = CallSet(targets, fanout, requests, hold);
  return result;
}

}  // namespace osfleet::ctl
