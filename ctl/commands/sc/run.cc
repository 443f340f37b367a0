// sc run: the Service Center phase, run by the Deployment Controller's agent: Apply
// Settings (ConfigurationTool.com /ApplySettingsFactory, where the agent has one), then the
// republish of the modules Service Center flags (or of every module). --dry-run says what
// each step would do.
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/api/request_limits.h"
#include "common/text/escape.h"
#include "common/time/duration.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/heartbeats.h"
#include "ctl/commands/sc/sc.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/output/event_printer.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

struct ScRunOptions {
  bool dry_run = false;
  bool stop_on_warning = false;
  bool keep_going_on_error = false;
  std::vector<std::string> modules;
  std::string deadline = "60m";
  DbCredentialFlags credentials;  // for the Apply Settings step's placeholders
};

v1::RunPhaseRequest RequestFrom(const ScRunOptions& o, absl::Duration deadline,
                                const DbCredentials& credentials) {
  v1::RunPhaseRequest req;
  for (const auto& [name, value] : credentials) (*req.mutable_credentials())[name] = value;
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

// What a table adds to the shared describer (ctl/output/describe.h) in sc run: a dry run
// names every module it would republish and why; a phase that republished nothing says so
// instead of describing a publish.
std::optional<std::string> NothingRepublished(const v1::PhaseEvent& e) {
  if (!e.has_finished() || e.finished().dry_run() || !e.finished().publish_id().empty()) {
    return std::nullopt;
  }
  const v1::PhaseFinished& f = e.finished();
  return absl::StrCat("finished: nothing to republish (", f.flagged(), " of ", f.listed(),
                      " module(s) flagged by Service Center",
                      f.settings_applied() ? "; settings applied" : "", ")");
}

std::vector<std::string> DryRunModuleLines(const v1::PhaseEvent& e) {
  std::vector<std::string> lines;
  if (!e.has_modules_listed() || !e.modules_listed().dry_run()) return lines;
  const v1::ModulesListed& l = e.modules_listed();
  for (const v1::ScModule& m : l.modules()) {
    lines.push_back(absl::StrCat("  would republish ", m.name(),
                                 m.flagged_because().empty() ? "" : ": ", m.flagged_because()));
  }
  if (l.modules_omitted() > 0) {
    lines.push_back(absl::StrCat("  and ", l.modules_omitted(),
                                 " more (not listed: the agent keeps its events small)"));
  }
  if (l.republish() == v1::REPUBLISH_POLICY_OUTDATED &&
      l.flagged_size() + l.flagged_omitted() == 0) {
    lines.push_back(
        "  (nothing flagged now; Service Center may flag modules once settings are applied)");
  }
  return lines;
}

// The phase's events as they come: the shared printer, plus the lines above for a table.
class PhasePrinter {
 public:
  explicit PhasePrinter(const FleetContext& c)
      : table_(c.format() == OutputFormat::kTable), shared_(c.format(), c.color()) {}

  void Print(const std::string& server, const v1::PhaseEvent& e) {
    std::optional<std::string> instead = table_ ? NothingRepublished(e) : std::nullopt;
    if (!instead.has_value()) shared_.Phase(server, e);
    std::vector<std::string> lines = table_ ? DryRunModuleLines(e) : std::vector<std::string>{};
    if (instead.has_value()) lines.insert(lines.begin(), *instead);
    const double t = absl::ToDoubleSeconds(absl::Now() - start_);
    for (const std::string& line : lines) {
      PrintOut(absl::StrFormat("%6.1fs  %s\n", t, EscapeControls(line)));
    }
  }

  EventPrinter& shared() { return shared_; }

 private:
  const bool table_;
  EventPrinter shared_;
  const absl::Time start_ = absl::Now();
};

void PrintResult(const FleetContext& c, const std::vector<HostStream<v1::PhaseEvent>>& results) {
  const HostStream<v1::PhaseEvent>& result = results[0];
  if (c.format() == OutputFormat::kTable) {
    PrintOut(Footer(1, Failures(results), c.color()));
    return;
  }
  // json: one document; jsonl: after the events as they came, the same document on one
  // line, so a pipeline reading lines gets the outcome (and the error) too.
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : result.events) events.push_back(ProtoToJson(e));
  nlohmann::json doc = {{"command", "sc run"},
                        {"server", ServerJson(*result.server)},
                        {"ok", result.ok()},
                        {"events", events}};
  if (!result.ok()) doc["error"] = StatusJson(result.status);
  PrintJson(doc, c.format());
}

// Before the phase starts: the credentials the agent says its Apply Settings step names
// (AgentInfo.service_center_credentials) are all in the request. INVALID_ARGUMENT naming
// the missing ones (never a value); an agent that does not answer is left to the phase.
absl::Status CheckPhaseCredentials(const FleetContext& c, size_t dc,
                                   const v1::RunPhaseRequest& request) {
  if (request.dry_run()) return absl::OkStatus();  // runs nothing: needs nothing
  auto info = CallGetInfo(c.Subset({dc}), c.fanout());
  if (!info[0].ok()) return absl::OkStatus();
  std::vector<std::string> missing;
  for (const std::string& name : info[0].response.service_center_credentials()) {
    if (request.credentials().count(name) == 0) missing.push_back(name);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      c.servers()[dc].name,
      ": the Apply Settings step (configuration_tool.apply_settings) "
      "needs the credential",
      missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "),
      "; give --db-admin-credentials FILE (or --db-admin-user NAME); nothing was run"));
}

int RunOnController(const FleetContext& c, const v1::RunPhaseRequest& request,
                    absl::Duration deadline, absl::Duration heartbeat) {
  absl::StatusOr<size_t> dc = ControllerIndex(c);
  if (!dc.ok()) return ReportError(dc.status());
  if (absl::Status s = CheckPhaseCredentials(c, *dc, request); !s.ok()) return ReportError(s);
  FanOutOptions fanout = c.fanout();
  fanout.timeout = deadline + absl::Minutes(1);  // the agent enforces the phase deadline
  PhasePrinter printer(c);
  const std::string& name = c.servers()[*dc].name;
  v1::RunPhaseRequest only_needed = request;
  KeepNeededByEach(c.Subset({*dc}), c.fanout(), CredentialUse::kServiceCenterPhase,
                   {only_needed.mutable_credentials()});
  // A table prints each event and drops it; json and jsonl end with a document that lists
  // them all (within the stream caps).
  StreamOptions stream;
  stream.keep_events = c.format() != OutputFormat::kTable;
  std::vector<HostStream<v1::PhaseEvent>> results;
  {
    // Apply Settings, the wait for Service Center and a publication take minutes each:
    // heartbeats between the phase's events.
    auto beats = WatchProgress(c, c.Subset({*dc}), "ServiceCenter", heartbeat, printer.shared());
    results = CallRunPhase(c.Subset({*dc}), fanout, stream, only_needed,
                           [&](size_t, const v1::PhaseEvent& e) { printer.Print(name, e); });
  }
  PrintResult(c, results);
  return ExitCodeForHosts(Failures(results), kExitFailed);
}

int RunServiceCenterPhase(const GlobalOptions& global, const ScRunOptions& sc) {
  absl::StatusOr<absl::Duration> deadline = ParseDuration(sc.deadline, "--deadline");
  if (!deadline.ok()) return ReportError(deadline.status());
  if (absl::Status s = CheckDuration("--deadline", *deadline, kPhaseDeadlineBounds); !s.ok()) {
    return ReportError(s);
  }
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(sc.credentials);
  if (!credentials.ok()) return ReportError(credentials.status());
  const v1::RunPhaseRequest request = RequestFrom(sc, *deadline, *credentials);
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(global);
  if (!heartbeat.ok()) return ReportError(heartbeat.status());
  return WithCheckedFleet(global, [&](const FleetContext& c) {
    return RunOnController(c, request, *deadline, *heartbeat);
  });
}

}  // namespace

void AddScRun(CLI::App& sc, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<ScRunOptions>();
  CLI::App* run = sc.add_subcommand(
      "run",
      "on the Deployment Controller: apply settings to the factory (where the agent has a "
      "Configuration Tool), then republish the modules Service Center flags (or every module)");
  run->add_flag("--dry-run", o->dry_run,
                "say what each step would do: the command line, the modules and why; run "
                "nothing, publish nothing");
  run->add_flag("--stop-on-warning", o->stop_on_warning, "abort the publish at the first warning");
  run->add_flag("--keep-going-on-error", o->keep_going_on_error,
                "let a publish with errors run to its end (default: abort at the first error)");
  run->add_option("--module", o->modules, "only these modules (repeat the flag)");
  run->add_option("--deadline", o->deadline, "the whole phase")->capture_default_str();
  AddDbCredentialFlags(run, o->credentials);
  OnChosen(run, action, [&global, o] { return RunServiceCenterPhase(global, *o); });
}

}  // namespace osfleet::ctl
