// Rollout steps 1-3: discover, preflight, plan. Nothing changes on any server here.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"
#include "ctl/ops/endpoints_change.h"
#include "ctl/ops/identity_check.h"
#include "ctl/ops/rollout/batches.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/describe.h"
#include "ctl/output/moves.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::string AddressOf(const v1::GetEndpointsResponse& r, v1::Database db) {
  for (const v1::Endpoint& e : r.endpoints()) {
    if (e.database() == db) return e.address();
  }
  return "";
}

// Why a server cannot take part, from what it answered; empty when it can. in_flight: this
// rollout was changing it when it stopped (resume), so a pending change and services
// still restarting there are its own.
std::string ServerProblem(const HostReply<v1::AgentInfo>& info,
                          const HostReply<v1::GetEndpointsResponse>& endpoints,
                          const HostReply<v1::ListServicesResponse>& services, bool in_flight) {
  for (const grpc::Status* s : {&info.status, &endpoints.status, &services.status}) {
    if (!s->ok()) return StatusText(*s);
  }
  if (in_flight) return "";
  if (endpoints.response.has_pending()) {
    return absl::StrCat("change ", endpoints.response.pending().change_id(),
                        " is pending confirmation there (another rollout or change in "
                        "progress?)");
  }
  if (services.response.services().empty()) {
    return "no OutSystems services configured on its agent; the rollout restarts them";
  }
  for (const v1::ServiceStatus& s : services.response.services()) {
    if (s.state() != v1::SERVICE_STATE_RUNNING) {
      return absl::StrCat("service '", s.name(), "' is not running now",
                          s.detail().empty() ? "" : ": ", s.detail());
    }
  }
  return "";
}

// The journal's record of a server before anything changes.
HostRecord PlannedHost(const Server& server, int batch, const v1::PlanEndpointsResponse& plan,
                       const v1::GetEndpointsResponse& endpoints) {
  HostRecord h;
  h.name = server.name;
  h.role = RoleName(server.role);
  h.batch = batch;
  h.old_revision = plan.revision();
  for (const v1::Endpoint& e : endpoints.endpoints()) {
    h.old_addresses[DatabaseName(e.database())] = e.address();
  }
  if (plan.diffs().empty()) {
    h.state = HostState::kConfirmed;  // already at the new addresses
    h.new_revision = h.old_revision;
  }
  return h;
}

// The identity verdicts of the preflight's probes, each an event: `different` is refused
// (the reason returned) unless allowed (then a loud warning); `unknown` is a warning.
std::string JudgeIdentity(
    const std::vector<HostReply<v1::ProbeResponse>>& probes, bool allow_different_server,
    const std::function<void(const std::string&, const std::string&, bool)>& emit) {
  const IdentityReview review = ReviewIdentity(probes);
  for (const IdentityFinding& f : review.same) emit(f.server, f.text, false);
  for (const IdentityFinding& f : review.unknown) {
    emit(f.server, absl::StrCat("warning: ", f.text), false);
  }
  if (review.different.empty()) return "";
  for (const IdentityFinding& f : review.different) {
    emit(f.server, allow_different_server ? AllowedText(f) : f.text, true);
  }
  return allow_different_server ? "" : RefusalText(review);
}

}  // namespace

std::string Rollout::MissingCredentials(const v1::AgentInfo& info) const {
  std::vector<std::string> missing;
  for (const std::string& name : info.configuration_tool_credentials()) {
    if (tool_credentials_.find(name) == tool_credentials_.end()) missing.push_back(name);
  }
  // The Service Center phase's Apply Settings step (the Deployment Controller's) gets the
  // same credentials: it must not be found lacking one after every server has changed.
  std::vector<std::string> phase_missing;
  if (!journal_.options.skip_service_center) {
    for (const std::string& name : info.service_center_credentials()) {
      if (tool_credentials_.find(name) == tool_credentials_.end()) phase_missing.push_back(name);
    }
  }
  if (missing.empty() && phase_missing.empty()) return "";
  std::vector<std::string> parts;
  if (!missing.empty()) {
    parts.push_back(
        absl::StrCat("its Configuration Tool switches need ", absl::StrJoin(missing, ", ")));
  }
  if (!phase_missing.empty()) {
    parts.push_back(absl::StrCat("its Service Center phase's Apply Settings step needs ",
                                 absl::StrJoin(phase_missing, ", ")));
  }
  return absl::StrCat(absl::StrJoin(parts, "; "),
                      "; give --db-admin-credentials FILE (or --db-admin-user NAME)");
}

absl::Status Rollout::Discover(std::vector<v1::GetEndpointsResponse>& endpoints) {
  auto info = CallGetInfo(ctx_.targets(), ctx_.fanout());
  auto got = CallGetEndpoints(ctx_.targets(), ctx_.fanout());
  auto services = CallListServices(ctx_.targets(), ctx_.fanout());
  std::vector<std::string> problems;
  for (size_t i = 0; i < info.size(); ++i) {
    const std::string& name = ctx_.servers()[i].name;
    const HostRecord* h = journal_.Find(name);
    const bool in_flight =
        h != nullptr && (h->state == HostState::kApplying || h->state == HostState::kPending);
    std::string problem = ServerProblem(info[i], got[i], services[i], in_flight);
    if (problem.empty() && ctx_.servers()[i].role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER &&
        !journal_.options.skip_service_center && !info[i].response.service_center_configured()) {
      problem =
          "its agent cannot run the Service Center phase (no `service_center` config); "
          "configure it or use --skip-service-center";
    }
    if (problem.empty()) problem = MissingCredentials(info[i].response);
    if (!problem.empty()) {
      problems.push_back(name);
      Emit("discover", name, problem, true);
      continue;
    }
    Emit("discover", name,
         absl::StrCat(RoleName(info[i].response.role()), ", revision ",
                      ShortRevision(got[i].response.revision()), ", platform ",
                      AddressOf(got[i].response, v1::DATABASE_PLATFORM), ", ",
                      services[i].response.services_size(), " service(s) running",
                      info[i].response.configuration_tool_configured()
                          ? ", runs the Configuration Tool after each change"
                          : "",
                      info[i].response.configuration_tool_configured() &&
                              journal_.options.install_service_center &&
                              ctx_.servers()[i].role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER
                          ? " (with /InstallServiceCenter)"
                          : ""));
    endpoints.push_back(got[i].response);
  }
  if (!problems.empty()) {
    return Refuse(absl::StrCat("every server must take part and be healthy; not ready: ",
                               absl::StrJoin(problems, ", ")));
  }
  for (const std::string& line : DriftLines(got)) Emit("drift", "", line, false);
  return absl::OkStatus();
}

absl::Status Rollout::Preflight() {
  v1::ProbeRequest request;
  for (const v1::EndpointChange& c : Changes()) *request.add_targets() = c;
  request.set_identity(true);
  auto probes = CallProbe(ctx_.targets(), ctx_.fanout(), request);
  std::vector<std::string> problems;
  for (const auto& r : probes) {
    if (!r.ok()) {
      problems.push_back(r.server->name);
      Emit("preflight", r.server->name, StatusText(r.status), true);
      continue;
    }
    std::vector<std::string> answering;
    bool host_ok = true;
    for (const v1::ProbeResult& p : r.response.results()) {
      if (p.ok()) {
        answering.push_back(
            absl::StrCat(DatabaseName(p.database()), " (SQL Server ", p.server_version(), ")"));
        continue;
      }
      host_ok = false;
      Emit("preflight", r.server->name,
           absl::StrCat(DatabaseName(p.database()), " ", p.address(), ": ", p.error()), true);
    }
    if (!host_ok) problems.push_back(r.server->name);
    if (!answering.empty()) {
      Emit("preflight", r.server->name, absl::StrCat("reaches ", absl::StrJoin(answering, ", ")));
    }
  }
  if (!problems.empty()) {
    return Refuse(absl::StrCat("the new address is not reachable from every server: ",
                               absl::StrJoin(problems, ", ")));
  }
  const std::string refused =
      JudgeIdentity(probes, journal_.options.allow_different_server,
                    [this](const std::string& server, const std::string& text, bool bad) {
                      Emit("identity", server, text, bad);
                    });
  return refused.empty() ? absl::OkStatus() : Refuse(refused);
}

absl::Status Rollout::PlanHosts(const std::vector<v1::GetEndpointsResponse>& endpoints) {
  auto plan = CallPlan(ctx_.targets(), ctx_.fanout(), Changes(),
                       AdvancedSettingsChoiceFor(journal_.options.advanced_settings));
  std::vector<std::string> problems;
  for (const auto& r : plan) {
    if (!r.ok()) {
      problems.push_back(r.server->name);
      Emit("plan", r.server->name, StatusText(r.status), true);
    }
  }
  if (!problems.empty()) {
    return Refuse(absl::StrCat("the change is not valid on ", absl::StrJoin(problems, ", ")));
  }
  const int front_ends = static_cast<int>(std::count_if(
      ctx_.servers().begin(), ctx_.servers().end(),
      [](const Server& s) { return s.role != v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER; }));
  absl::StatusOr<int> batch =
      ParseCount(journal_.options.batch, std::max(front_ends, 1), "--batch", false);
  if (!batch.ok()) return batch.status();
  std::vector<v1::ServerRole> roles;
  for (const Server& s : ctx_.servers()) roles.push_back(s.role);
  const auto batches = PlanBatches(roles, journal_.options.canary, *batch);
  journal_.batches = static_cast<int>(batches.size());
  journal_.hosts.clear();
  server_of_host_.clear();
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t i : batches[b]) {
      HostRecord h =
          PlannedHost(ctx_.servers()[i], static_cast<int>(b), plan[i].response, endpoints[i]);
      Emit("plan", h.name,
           absl::StrCat("batch ", b + 1, ": ", DiffsText(plan[i].response.diffs())));
      for (const std::string& w : plan[i].response.warnings()) {
        Emit("plan", h.name, absl::StrCat("warning: ", w), false);
        h.warnings.push_back(w);
      }
      journal_.hosts.push_back(std::move(h));
      server_of_host_.push_back(i);
    }
  }
  return absl::OkStatus();
}

absl::Status Rollout::Recheck() {
  Emit("resume", "",
       absl::StrCat("rollout ", journal_.id, " (", RolloutPhaseName(journal_.phase), "): target ",
                    MovesText(MovesOf(journal_))));
  Emit("resume", "", ProgressText(journal_));
  std::vector<v1::GetEndpointsResponse> endpoints;
  if (absl::Status s = Discover(endpoints); !s.ok()) return s;
  return Preflight();
}

absl::Status Rollout::Prepare() {
  std::vector<v1::GetEndpointsResponse> endpoints;
  if (absl::Status s = Discover(endpoints); !s.ok()) return s;
  if (absl::Status s = Preflight(); !s.ok()) return s;
  return PlanHosts(endpoints);
}

}  // namespace osfleet::ctl
