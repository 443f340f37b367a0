// services start | stop | restart [NAME...]: every state change printed as it happens.
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/api/request_limits.h"
#include "common/time/duration.h"
#include "ctl/commands/heartbeats.h"
#include "ctl/commands/services/services.h"
#include "ctl/output/event_printer.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

struct ControlOptions {
  std::string action;  // start | stop | restart
  std::vector<std::string> names;
  std::string min_healthy;  // empty: the agent's configured value
  std::string restart_timeout = "10m";
};

absl::StatusOr<v1::ControlServicesRequest> RequestFrom(const ControlOptions& o) {
  v1::ControlServicesRequest req;
  if (o.action == "start") {
    req.set_action(v1::SERVICE_ACTION_START);
  } else if (o.action == "stop") {
    req.set_action(v1::SERVICE_ACTION_STOP);
  } else if (o.action == "restart") {
    req.set_action(v1::SERVICE_ACTION_RESTART);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown action '", o.action, "'"));
  }
  for (const std::string& n : o.names) req.add_names(n);
  if (!o.min_healthy.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(o.min_healthy, "--min-healthy");
    if (!d.ok()) return d.status();
    if (absl::Status s = CheckDuration("--min-healthy", *d, kMinHealthyBounds); !s.ok()) return s;
    *req.mutable_min_healthy() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(*d));
  }
  return req;
}

// The activity board's name for what the agents do (agent/activity/activity_board.h).
std::string StepOfVerb(const std::string& verb) {
  if (verb == "start") return "ServiceStart";
  if (verb == "stop") return "ServiceStop";
  return "ServiceRestart";
}

int ControlOnFleet(const FleetContext& c, const std::string& verb,
                   const v1::ControlServicesRequest& request, absl::Duration deadline,
                   absl::Duration heartbeat) {
  FanOutOptions fanout = c.fanout();
  fanout.timeout = std::max(fanout.timeout, deadline);
  EventPrinter printer(c.format(), c.color());
  StreamOptions stream;  // a table prints each event and drops it
  stream.keep_events = c.format() != OutputFormat::kTable;
  std::vector<HostStream<v1::ServiceEvent>> results;
  {
    // A service can take minutes to stop or start: heartbeats between its events.
    auto beats = WatchProgress(c, c.targets(), StepOfVerb(verb), heartbeat, printer);
    results = CallControlServices(
        c.targets(), fanout, stream, request,
        [&](size_t i, const v1::ServiceEvent& e) { printer.Service(c.servers()[i].name, e); });
  }
  const std::vector<HostFailure> failures = Failures(results);
  if (c.format() == OutputFormat::kTable) {
    PrintOut(Footer(results.size(), failures, c.color()));
  } else {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : results) hosts.push_back(StreamHostJson(r));
    nlohmann::json doc = {{"command", "services " + verb}, {"hosts", hosts}};
    doc.update(FailuresJson(failures));
    PrintJson(doc, c.format());
  }
  return ExitCodeForHosts(failures, kExitFailed);
}

int RunServicesControl(const GlobalOptions& global, const ControlOptions& control) {
  absl::StatusOr<v1::ControlServicesRequest> request = RequestFrom(control);
  if (!request.ok()) return ReportError(request.status());
  absl::StatusOr<absl::Duration> deadline =
      ParseDuration(control.restart_timeout, "--restart-timeout");
  if (!deadline.ok()) return ReportError(deadline.status());
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(global);
  if (!heartbeat.ok()) return ReportError(heartbeat.status());
  return WithCheckedFleet(global, [&](const FleetContext& c) {
    return ControlOnFleet(c, control.action, *request, *deadline, *heartbeat);
  });
}

}  // namespace

void AddServicesControl(CLI::App& services, const GlobalOptions& global, Action& action,
                        const std::string& verb) {
  auto o = std::make_shared<ControlOptions>();
  o->action = verb;
  CLI::App* cmd = services.add_subcommand(verb, verb + " services (all by default)");
  cmd->add_option("names", o->names, "service names");
  cmd->add_option("--min-healthy", o->min_healthy, "how long started services must stay up");
  cmd->add_option("--restart-timeout", o->restart_timeout, "deadline of each call");
  OnChosen(cmd, action, [&global, o] { return RunServicesControl(global, *o); });
}

}  // namespace osfleet::ctl
