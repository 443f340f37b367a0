// endpoints set: change the addresses on every server (ctl/ops/endpoints_change: plan
// everywhere first, any refusal changes nothing anywhere, then compare-and-set).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text/escape.h"
#include "common/time/duration.h"
#include "ctl/commands/address_flags.h"
#include "ctl/commands/advanced_settings_flag.h"
#include "ctl/commands/ask.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/commands/heartbeats.h"
#include "ctl/commands/service_center_install.h"
#include "ctl/ops/all_or_nothing.h"
#include "ctl/ops/endpoints_change.h"
#include "ctl/ops/identity_check.h"
#include "ctl/output/endpoint_diffs.h"
#include "ctl/output/event_printer.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/moves.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

struct SetOptions {
  EndpointAddresses addresses;  // empty = unchanged
  bool dry_run = false;
  std::string reason;
  bool restart = false;                   // restart the services after writing, wait healthy
  std::string confirm_timeout;            // e.g. "10m": revert by itself unless confirmed
  std::string lease;                      // e.g. "30s": all or nothing, confirmed by osctl
  std::string restart_timeout = "10m";    // deadline of calls that restart services
  bool yes = false;                       // do not ask, even on a terminal
  DbCredentialFlags credentials;          // for the agents' Configuration Tool
  ScInstallFlags install_service_center;  // on the Deployment Controller's tool run
  std::string advanced_settings;          // refuse | rewrite | keep
  bool allow_different_server = false;    // a `different` identity verdict warns, not refuses
};

// Servers whose agent runs the Configuration Tool take the change one at a time: the
// database model it upgrades is the whole farm's.
bool AnyConfigurationTool(const FleetContext& c) {
  for (const auto& info : CallGetInfo(c.targets(), c.fanout())) {
    if (!info.ok() || info.response.configuration_tool_configured()) return true;
  }
  return false;
}

absl::StatusOr<EndpointsChange> ChangeFrom(const SetOptions& o) {
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = ChangesToMake(o.addresses);
  if (!changes.ok()) return changes.status();
  EndpointsChange change{*std::move(changes), o.reason, o.restart, std::nullopt};
  absl::StatusOr<bool> install = ResolveScInstall(o.install_service_center);
  if (!install.ok()) return install.status();
  change.install_service_center_on_dc = *install;
  change.advanced_settings = AdvancedSettingsChoiceFor(o.advanced_settings);
  if (!o.lease.empty()) {
    const std::string window = o.confirm_timeout.empty() ? "10m" : o.confirm_timeout;
    if (absl::Status s = CheckLeaseFlags(o.lease, window); !s.ok()) return s;
    change.confirm_within = *ParseDuration(window, "--confirm-timeout");
    change.lease = *ParseDuration(o.lease, "--lease");
    return change;
  }
  if (o.confirm_timeout.empty()) return change;
  absl::StatusOr<absl::Duration> d = ParseDuration(o.confirm_timeout, "--confirm-timeout");
  if (!d.ok()) return d.status();
  if (absl::Status s = CheckConfirmTimeout(*d); !s.ok()) return s;
  change.confirm_within = *d;
  return change;
}

std::string FormatSeconds(const google::protobuf::Duration& d) {
  return absl::StrFormat("%.1fs", d.seconds() + d.nanos() / 1e9);
}

// Each changed server's revisions and backup, and the end of the confirm window if any.
std::string RevisionsText(const std::vector<HostReply<v1::SetEndpointsResponse>>& set, bool color) {
  Table revisions({"SERVER", "REVISION", "BACKUP", "RESTART"});
  std::string deadline;
  for (const auto& r : set) {
    if (!r.ok() || r.response.backup_id().empty()) continue;
    revisions.AddRow(
        {r.server->name,
         absl::StrCat(ShortRevision(r.response.previous_revision()), " ", kArrow, " ",
                      ShortRevision(r.response.revision())),
         r.response.backup_id(),
         r.response.has_restart_duration() ? FormatSeconds(r.response.restart_duration()) : ""});
    if (r.response.has_confirm_deadline()) {
      deadline = absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                  absl::FromUnixSeconds(r.response.confirm_deadline().seconds()),
                                  absl::UTCTimeZone());
    }
  }
  std::string out = revisions.empty() ? "" : "\n" + revisions.Render(color);
  if (deadline.empty()) return out;
  const std::string note = absl::StrCat("pending confirmation until ", deadline,
                                        ": keep it with `osctl endpoints confirm`, or every "
                                        "changed server reverts by itself");
  return absl::StrCat(out, Paint(note, Color::kYellow, color), "\n");
}

std::string FinishText(const FinishResult& finish, bool color) {
  std::string out = "\n";
  for (const FinishStep& s : finish.steps) {
    absl::StrAppend(
        &out,
        Paint(absl::StrCat(s.server, ": ", s.text), s.bad ? Color::kRed : Color::kGreen, color),
        "\n");
  }
  if (!finish.status.ok()) {
    absl::StrAppend(&out, Paint(std::string(finish.status.message()), Color::kRed, color), "\n");
  }
  return out;
}

void PrintSet(const FleetContext& ctx, const std::vector<v1::EndpointChange>& changes,
              const std::vector<HostReply<v1::SetEndpointsResponse>>& set,
              const FinishResult* finish = nullptr) {
  nlohmann::json doc = HostsDocument("endpoints set", set);
  doc["changes"] = ChangesJson(changes);
  std::string finish_text;
  if (finish != nullptr) {
    nlohmann::json steps = nlohmann::json::array();
    for (const FinishStep& s : finish->steps) {
      steps.push_back({{"server", s.server}, {"text", s.text}, {"ok", !s.bad}});
    }
    doc["finish"] = {{"confirmed_everywhere", finish->status.ok()},
                     {"message", std::string(finish->status.message())},
                     {"steps", steps}};
    finish_text = FinishText(*finish, ctx.color());
  }
  Table table({"SERVER", "DATABASE", "FIELD", "CHANGE", "RESULT"});
  for (const auto& r : set) {
    AddDiffRows(table, r, r.response.state() == v1::CHANGE_STATE_PENDING ? "pending" : "changed");
  }
  PrintHosts(ctx, doc,
             table.Render(ctx.color()) + Warnings(set, ctx.color()) +
                 (finish != nullptr ? finish_text : RevisionsText(set, ctx.color())),
             set);
}

// On a terminal without --yes: the plan, then "Move N servers: Platform OLD → NEW? [y/N]".
absl::Status AskBeforeSet(const FleetContext& c, const std::vector<v1::EndpointChange>& changes,
                          const std::vector<HostReply<v1::PlanEndpointsResponse>>& plan) {
  size_t moving = 0;
  for (const auto& r : plan) moving += r.ok() && !r.response.diffs().empty();
  if (moving == 0) return absl::OkStatus();  // nothing to change: nothing to ask
  if (c.format() == OutputFormat::kTable) PrintEndpointsPlan(c, changes, plan, "");
  const std::vector<DatabaseMove> moves =
      MovesOf(changes, CallGetEndpoints(c.targets(), c.fanout()));
  if (AskYesNo(MoveQuestion(moving, moves))) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("not changed (not confirmed at the prompt): ", MovesText(moves)));
}

// Before anything is planned: each new address must reach the database server its current
// address reaches (agent/probe/identity.h). Warnings go to stderr, before the result.
absl::Status CheckSameServer(const FleetContext& c, const SetOptions& o,
                             const EndpointsChange& change) {
  return CheckIdentity(
      c.targets(), c.fanout(), change.changes, o.allow_different_server,
      [&c](const std::string& line, bool loud) {
        PrintErr(absl::StrCat(
            "osctl: ", Paint(EscapeControls(line), loud ? Color::kRed : Color::kYellow, c.color()),
            "\n"));
      });
}

// The step a change's heartbeats name until an agent reports its own: the Configuration
// Tool's run where the agents have one, else the restart; none for a plain file change.
std::string LongStepOf(const SetOptions& o, const EndpointsChange& change) {
  if (change.one_at_a_time) return "ConfigurationTool";
  return o.restart ? "ServiceRestart" : "";
}

int SetOnFleet(const FleetContext& c, const SetOptions& o, EndpointsChange change,
               absl::Duration heartbeat) {
  if (absl::Status s = CheckSameServer(c, o, change); !s.ok()) return ReportError(s);
  change.one_at_a_time = AnyConfigurationTool(c);
  // A Configuration Tool run or a restart takes minutes per server: heartbeats from the
  // moment the change is approved (never over the question) until the last reply.
  EventPrinter printer(c.format(), c.color());
  std::unique_ptr<ProgressWatch> beats;
  auto start_beats = [&, step = LongStepOf(o, change)] {
    if (!step.empty()) beats = WatchProgress(c, c.targets(), step, heartbeat, printer);
  };
  if (!o.yes && CanAsk()) {
    change.approve = [&c, &start_beats, changes = change.changes](
                         const std::vector<HostReply<v1::PlanEndpointsResponse>>& plan) {
      absl::Status approved = AskBeforeSet(c, changes, plan);
      if (approved.ok()) start_beats();
      return approved;
    };
  } else {
    start_beats();
  }
  absl::StatusOr<FanOutOptions> set_fanout =
      RestartFanOut(c.fanout(), o.restart, o.restart_timeout);
  if (!set_fanout.ok()) return ReportError(set_fanout.status());
  std::unique_ptr<LeaseKeeper> leases;
  if (change.lease.has_value()) {
    leases = std::make_unique<LeaseKeeper>(*change.lease, c.fanout().concurrency);
  }
  EndpointsChangeResult result =
      ChangeEndpoints(c.targets(), c.fanout(), *set_fanout, change, leases.get());
  if (leases == nullptr || !result.status.ok()) beats.reset();
  if (!result.status.ok() && !IsRefused(result.status)) return ReportError(result.status);
  if (!result.status.ok()) {
    PrintEndpointsPlan(c, change.changes, result.plan, std::string(result.status.message()));
    return ExitCodeForHosts(Failures(result.plan), ExitCodeFor(result.status));
  }
  if (leases == nullptr) {
    PrintSet(c, change.changes, result.set);
    return ExitCodeForHosts(Failures(result.set), kExitFailed);
  }
  const FinishResult finish = ConfirmAllOrRevert(c.targets(), result.set, *leases, c.fanout(),
                                                 *set_fanout, change.restart_services);
  beats.reset();
  PrintSet(c, change.changes, result.set, &finish);
  return finish.status.ok() ? kExitOk : kExitFailed;
}

int RunEndpointsSet(const GlobalOptions& global, const SetOptions& o) {
  if (o.dry_run) return RunEndpointsPlan(global, o.addresses, o.advanced_settings);
  absl::StatusOr<EndpointsChange> change = ChangeFrom(o);
  if (!change.ok()) return ReportError(change.status());
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(o.credentials);
  if (!credentials.ok()) return ReportError(credentials.status());
  AddCredentials(*credentials, &change->tool);
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(global);
  if (!heartbeat.ok()) return ReportError(heartbeat.status());
  return WithCheckedFleet(
      global, [&](const FleetContext& c) { return SetOnFleet(c, o, *change, *heartbeat); });
}

}  // namespace

void AddEndpointsSet(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<SetOptions>();
  CLI::App* set = endpoints.add_subcommand("set", "change the addresses on every server");
  AddAddressFlags(set, o->addresses, AddressHelp::kWithSyntax);
  set->add_flag("--dry-run", o->dry_run, "only plan (same as `endpoints plan`)");
  set->add_flag("-y,--yes", o->yes, "do not ask for confirmation on a terminal");
  set->add_option("--reason", o->reason, "recorded with each server's backup");
  set->add_flag("--restart", o->restart, "restart the OutSystems services and wait until healthy");
  set->add_option("--confirm-timeout", o->confirm_timeout,
                  "keep the change only if `endpoints confirm` comes within this time (e.g. 10m)");
  set->add_option("--lease", o->lease,
                  "all or nothing: hold every change by a lease of this length (e.g. 30s), "
                  "confirm everywhere once every server holds it, else revert everywhere; "
                  "a killed or paused osctl lets every server revert within one lease");
  set->add_option("--restart-timeout", o->restart_timeout, "deadline of a call that restarts")
      ->capture_default_str();
  AddAdvancedSettingsFlag(set, o->advanced_settings);
  set->add_flag(kAllowDifferentServerFlag, o->allow_different_server,
                "go on when a new address reaches another database server than the current "
                "one (moving a database is another OutSystems procedure), with a warning");
  AddDbCredentialFlags(set, o->credentials);
  AddScInstallFlags(set, o->install_service_center);
  OnChosen(set, action, [&global, o] { return RunEndpointsSet(global, *o); });
}

}  // namespace osfleet::ctl
