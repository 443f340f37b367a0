#include "agent/rpc/agent_service.h"

#include <algorithm>
#include <set>

#include <google/protobuf/util/time_util.h>

#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"
#include "common/platform/default_paths.h"
#include "common/platform/host_info.h"
#include "common/text/utf8.h"

namespace osfleet::agent {

AgentService::AgentService(const AgentConfig* config, HsconfStore* store, ServiceManager* services,
                           Lanes lanes, const CallGate* gate, const AgentDoctor* doctor,
                           const ActivityBoard* activity)
    : config_(config),
      store_(store),
      services_(services),
      lanes_(lanes),
      gate_(gate),
      doctor_(doctor),
      activity_(activity),
      started_at_(absl::Now()) {}

void AgentService::Fill(v1::AgentInfo* info) const {
  info->set_agent_version(OSFLEET_VERSION);
  info->set_name(config_->name);
  info->set_hostname(ValidUtf8(platform::HostName()));
  info->set_role(config_->role);
  info->set_os(ValidUtf8(platform::OperatingSystem()));
  info->set_hsconf_path(store_->path());
  info->set_platform_server_version(ValidUtf8(platform::PlatformServerVersion()));
  *info->mutable_started_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(started_at_));
  for (const std::string& name : services_->Names()) info->add_services(name);
  info->set_service_center_configured(config_->service_center.has_value());
  info->set_configuration_tool_configured(config_->configuration_tool.has_value());
  if (config_->configuration_tool.has_value()) {
    absl::StatusOr<std::set<std::string>> names =
        PlaceholderNames(config_->configuration_tool->apply);  // validated at load
    if (names.ok()) {
      for (const std::string& n : *names) info->add_configuration_tool_credentials(n);
    }
  }
  if (config_->service_center.has_value() &&
      PhaseRunsConfigurationTool(config_->service_center->config, config_->configuration_tool)) {
    absl::StatusOr<std::set<std::string>> names =
        PlaceholderNames(config_->configuration_tool->apply_settings);  // validated at load
    if (names.ok()) {
      for (const std::string& n : *names) info->add_service_center_credentials(n);
    }
  }
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  if (!doc.ok()) {
    info->set_hsconf_error(ValidUtf8(doc.status().message()));
    return;
  }
  info->set_revision(doc->revision);
  bool current = true;
  for (const ServiceRevision& r : services_->Revisions()) {
    v1::ServiceRevision* out = info->add_service_revisions();
    out->set_service(ValidUtf8(r.service));
    out->set_running(r.running);
    out->set_revision(r.revision);
    if (r.running && r.revision != doc->revision) current = false;
  }
  info->set_services_current(current);
  info->set_deployment_controller_address(ValidUtf8(doc->deployment_controller_address));
  info->set_cache_invalidation_host(ValidUtf8(doc->cache_invalidation_host));
}

grpc::ServerUnaryReactor* AgentService::GetInfo(grpc::CallbackServerContext* context,
                                                const v1::GetInfoRequest* request,
                                                v1::AgentInfo* response) {
  return FinishOnLane(context, lanes_, gate_->Admit(context, rpcs::kAgentGetInfo),
                      [this, response] {
                        Fill(response);
                        return absl::OkStatus();
                      });
}

namespace {

v1::CheckLevel ToProto(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk:
      return v1::CHECK_LEVEL_OK;
    case CheckLevel::kWarn:
      return v1::CHECK_LEVEL_WARN;
    case CheckLevel::kFail:
      return v1::CHECK_LEVEL_FAIL;
  }
  return v1::CHECK_LEVEL_UNSPECIFIED;
}

}  // namespace

void AgentService::FillCheck(absl::Time deadline, const CancelToken& cancel,
                             v1::CheckResponse* response) const {
  const absl::Time began = absl::Now();
  for (const CheckRow& row : doctor_->Run(deadline, cancel)) {
    v1::CheckResult* out = response->add_results();
    out->set_check(ValidUtf8(row.check));
    out->set_level(ToProto(row.level));
    out->set_reason(ValidUtf8(row.reason));
  }
  // Taken last, with the time the checks took, so osctl can tell the network's share of the
  // round trip from the agent's work.
  const absl::Time now = absl::Now();
  *response->mutable_agent_time() = ToTimestamp(now);
  *response->mutable_checked_in() = ToProtoDuration(now - began);
}

grpc::ServerUnaryReactor* AgentService::Check(grpc::CallbackServerContext* context,
                                              const v1::CheckRequest* /*request*/,
                                              v1::CheckResponse* response) {
  const CancelToken cancel = CallCancelToken(context);
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()), absl::Now() + AgentDoctor::kLongest);
  return FinishOnLane(context, lanes_, gate_->Admit(context, rpcs::kAgentCheck),
                      [this, response, cancel, deadline] {
                        FillCheck(deadline, cancel, response);
                        return absl::OkStatus();
                      });
}

grpc::ServerUnaryReactor* AgentService::GetActivity(grpc::CallbackServerContext* context,
                                                    const v1::GetActivityRequest* /*request*/,
                                                    v1::GetActivityResponse* response) {
  return FinishOnLane(context, lanes_, gate_->Admit(context, rpcs::kAgentGetActivity),
                      [this, response] {
                        if (activity_ != nullptr) {
                          for (const Activity& a : activity_->Now()) {
                            v1::Activity* out = response->add_activities();
                            out->set_step(a.step);
                            out->set_detail(ValidUtf8(a.detail));
                            *out->mutable_since() = ToTimestamp(a.since);
                            *out->mutable_elapsed() = ToProtoDuration(a.elapsed);
                            out->set_last_log_line(ValidUtf8(a.last_log_line));
                          }
                        }
                        *response->mutable_agent_time() = ToTimestamp(absl::Now());
                        return absl::OkStatus();
                      });
}

}  // namespace osfleet::agent
