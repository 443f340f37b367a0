// services list | start | stop | restart [NAME...]
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/duration.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

std::string StateName(v1::ServiceState s) {
  switch (s) {
    case v1::SERVICE_STATE_STOPPED:
      return "stopped";
    case v1::SERVICE_STATE_STARTING:
      return "starting";
    case v1::SERVICE_STATE_RUNNING:
      return "running";
    case v1::SERVICE_STATE_STOPPING:
      return "stopping";
    case v1::SERVICE_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

Color StateColor(v1::ServiceState s) {
  if (s == v1::SERVICE_STATE_RUNNING) return Color::kGreen;
  if (s == v1::SERVICE_STATE_FAILED) return Color::kRed;
  return Color::kYellow;
}

absl::StatusOr<v1::ControlServicesRequest> RequestFrom(const ServicesControlOptions& o) {
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
    req.mutable_min_healthy()->set_seconds(absl::ToInt64Seconds(*d));
    req.mutable_min_healthy()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(*d - absl::Seconds(absl::ToInt64Seconds(*d)))));
  }
  return req;
}

// Prints each event the moment it arrives, from gRPC's threads.
class LivePrinter {
 public:
  LivePrinter(const FleetContext& ctx) : ctx_(ctx), start_(absl::Now()) {}
  void operator()(size_t i, const v1::ServiceEvent& e) {
    absl::MutexLock lock(&mu_);
    if (ctx_.format() == OutputFormat::kJsonl) {
      nlohmann::json j = {{"server", ctx_.servers()[i].name}, {"event", ProtoToJson(e)}};
      PrintOut(j.dump() + "\n");
      return;
    }
    if (ctx_.format() == OutputFormat::kJson) return;
    PrintOut(absl::StrFormat("%6.1fs  %-10s %-45s %s%s\n",
                             absl::ToDoubleSeconds(absl::Now() - start_), ctx_.servers()[i].name,
                             e.service(),
                             Paint(StateName(e.state()), StateColor(e.state()), ctx_.color()),
                             e.detail().empty() ? "" : "  " + e.detail()));
  }

 private:
  const FleetContext& ctx_;
  absl::Time start_;
  absl::Mutex mu_;
};

}  // namespace

int RunServicesList(const GlobalOptions& options) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto replies = CallListServices(c.targets(), c.fanout());
  if (c.format() != OutputFormat::kTable) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : replies) hosts.push_back(HostJson(r));
    nlohmann::json doc = {{"command", "services list"}, {"hosts", hosts}};
    doc.update(FailuresJson(Failures(replies)));
    PrintJson(doc, c.format());
  } else {
    Table table({"SERVER", "SERVICE", "STATE", "PID", "SINCE", "DETAIL"});
    for (const auto& r : replies) {
      for (const v1::ServiceStatus& s : r.response.services()) {
        table.AddRow(
            {r.server->name, s.name(), Cell(StateName(s.state()), StateColor(s.state())),
             s.pid() > 0 ? std::to_string(s.pid()) : "",
             s.has_started_at() ? google::protobuf::util::TimeUtil::ToString(s.started_at()) : "",
             s.detail()});
      }
    }
    PrintOut(table.Render(c.color()) + Footer(replies.size(), Failures(replies), c.color()));
  }
  return Failures(replies).empty() ? kExitOk : kExitFailed;
}

int RunServicesControl(const GlobalOptions& options, const ServicesControlOptions& control) {
  absl::StatusOr<v1::ControlServicesRequest> request = RequestFrom(control);
  if (!request.ok()) return ReportError(request.status());
  absl::StatusOr<absl::Duration> deadline =
      ParseDuration(control.restart_timeout, "--restart-timeout");
  if (!deadline.ok()) return ReportError(deadline.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  FanOutOptions fanout = c.fanout();
  fanout.timeout = std::max(fanout.timeout, *deadline);
  LivePrinter printer(c);
  auto results = CallControlServices(c.targets(), fanout, *request, std::ref(printer));
  std::vector<HostFailure> failures;
  for (const auto& r : results) {
    if (!r.ok()) failures.push_back({r.server, r.status});
  }
  if (c.format() == OutputFormat::kTable) {
    PrintOut(Footer(results.size(), failures, c.color()));
  } else {
    nlohmann::json doc = {{"command", "services " + control.action}};
    doc.update(FailuresJson(failures));
    PrintJson(doc, c.format());
  }
  return failures.empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl
