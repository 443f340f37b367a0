// sc run: the Service Center phase, run by the Deployment Controller's agent.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/duration.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

absl::StatusOr<v1::RunPhaseRequest> RequestFrom(const ScRunOptions& o, absl::Duration deadline) {
  v1::RunPhaseRequest req;
  req.set_dry_run(o.dry_run);
  req.set_stop_on_warning(o.stop_on_warning);
  req.set_keep_going_on_error(o.keep_going_on_error);
  for (const std::string& m : o.modules) req.add_modules(m);
  req.mutable_deadline()->set_seconds(absl::ToInt64Seconds(deadline));
  return req;
}

// The Deployment Controller among the selected servers (exactly one).
absl::StatusOr<size_t> ControllerIndex(const FleetContext& c) {
  for (size_t i = 0; i < c.servers().size(); ++i) {
    if (c.servers()[i].role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) return i;
  }
  return absl::InvalidArgumentError(
      "sc run: no deployment_controller among the selected servers; the Service Center phase "
      "runs on the Deployment Controller's agent");
}

class LivePrinter {
 public:
  LivePrinter(const FleetContext& ctx, const Server& dc)
      : ctx_(ctx), dc_(dc), start_(absl::Now()) {}
  void operator()(size_t, const v1::PhaseEvent& e) {
    absl::MutexLock lock(&mu_);
    if (ctx_.format() == OutputFormat::kJsonl) {
      PrintOut(nlohmann::json({{"server", dc_.name}, {"event", ProtoToJson(e)}}).dump() + "\n");
    } else if (ctx_.format() == OutputFormat::kTable) {
      const bool bad = e.has_aborting() ||
                       (e.has_message() && e.message().type() == v1::PUBLISH_MESSAGE_TYPE_ERROR);
      const bool warn = e.has_message() && e.message().type() == v1::PUBLISH_MESSAGE_TYPE_WARNING;
      PrintOut(absl::StrFormat("%6.1fs  %s\n", absl::ToDoubleSeconds(absl::Now() - start_),
                               Paint(DescribePhaseEvent(e),
                                     bad    ? Color::kRed
                                     : warn ? Color::kYellow
                                            : Color::kNone,
                                     ctx_.color())));
    }
  }

 private:
  const FleetContext& ctx_;
  const Server& dc_;
  absl::Time start_;
  absl::Mutex mu_;
};

}  // namespace

int RunServiceCenterPhase(const GlobalOptions& options, const ScRunOptions& sc) {
  absl::StatusOr<absl::Duration> deadline = ParseDuration(sc.deadline, "--deadline");
  if (!deadline.ok()) return ReportError(deadline.status());
  absl::StatusOr<v1::RunPhaseRequest> request = RequestFrom(sc, *deadline);
  if (!request.ok()) return ReportError(request.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  absl::StatusOr<size_t> dc = ControllerIndex(c);
  if (!dc.ok()) return ReportError(dc.status());
  FanOutOptions fanout = c.fanout();
  fanout.timeout = *deadline + absl::Minutes(1);  // the agent enforces the phase deadline
  LivePrinter printer(c, c.servers()[*dc]);
  auto results = CallRunPhase(c.Subset({*dc}), fanout, *request, std::ref(printer));
  std::vector<HostFailure> failures;
  if (!results[0].ok()) failures.push_back({results[0].server, results[0].status});
  if (c.format() == OutputFormat::kTable) {
    PrintOut(Footer(1, failures, c.color()));
  } else {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : results[0].events) events.push_back(ProtoToJson(e));
    nlohmann::json doc = {{"command", "sc run"},
                          {"server", ServerJson(*results[0].server)},
                          {"ok", results[0].ok()},
                          {"events", events}};
    if (!results[0].ok()) doc["error"] = StatusJson(results[0].status);
    if (c.format() == OutputFormat::kJson) PrintJson(doc, c.format());
  }
  return failures.empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl
