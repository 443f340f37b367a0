// rollout plan | apply: discover, preflight and plan a new rollout; apply also changes
// every server in batches, after asking (unless --yes).

#include "ctl/commands/address_flags.h"
#include "ctl/commands/advanced_settings_flag.h"
#include "ctl/commands/ask.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/rollout/rollout.h"
#include "ctl/commands/service_center_install.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/ops/doctor/doctor.h"
#include "ctl/ops/identity_check.h"
#include "ctl/ops/rollout/journal_fleet.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/moves.h"
#include "ctl/output/report.h"
#include "ctl/output/rollout_summary.h"

namespace osfleet::ctl {
namespace {

struct PreparedOptions {
  EndpointAddresses addresses;
  std::string lease;       // --lease; empty: the shorter of 30s and --confirm-timeout
  RolloutOptions rollout;  // its addresses are copied from `addresses` before the run
  bool apply = false;
  bool yes = false;
  DbCredentialFlags credentials;
  ScInstallFlags install_service_center;
  std::string wait_drained;  // --wait-drained DUR (apply)
};

nlohmann::json PlanJson(const Journal& j) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostRecord& h : j.hosts) {
    hosts.push_back({{"name", h.name},
                     {"role", h.role},
                     {"batch", h.batch + 1},
                     {"revision", h.old_revision},
                     {"addresses", h.old_addresses},
                     {"state", HostStateName(h.state)},
                     {"warnings", h.warnings}});
  }
  return {{"command", "rollout plan"},
          {"batches", j.batches},
          {"platform", j.options.platform},
          {"log", j.options.log},
          {"session", j.options.session},
          {"install_service_center", j.options.install_service_center},
          {"advanced_settings", j.options.advanced_settings},
          {"allow_different_server", j.options.allow_different_server},
          {"target", MovesJson(MovesOf(j))},
          {"hosts", hosts}};
}

// Every flag checked, the addresses too, before any server is asked; fills in the lease.
absl::Status CheckOptions(PreparedOptions& o) {
  if (o.addresses.empty()) {
    return absl::InvalidArgumentError(
        "give at least one new address: --platform, --log, --session");
  }
  if (absl::Status s = CheckedEndpointChanges(o.addresses).status(); !s.ok()) return s;
  if (o.rollout.on_failure != "rollback" && o.rollout.on_failure != "keep") {
    return absl::InvalidArgumentError("--on-failure: rollback or keep");
  }
  absl::StatusOr<std::string> lease = LeaseOrDefault(o.lease, o.rollout.confirm_timeout);
  if (!lease.ok()) return lease.status();
  o.rollout.lease = *std::move(lease);
  absl::StatusOr<bool> install = ResolveScInstall(o.install_service_center);
  if (!install.ok()) return install.status();
  o.rollout.install_service_center = *install;  // recorded in the journal
  return absl::OkStatus();
}

// The journal is saved before the question, so a declined plan can still be looked at.
int Apply(const FleetContext& c, Rollout& rollout, EventPrinter& printer, bool yes) {
  if (absl::Status s = SaveJournal(rollout.journal()); !s.ok()) return ReportError(s);
  if (!ProceedWithRollout(rollout.journal(), yes, "applied")) {
    PrintErr(absl::StrCat("osctl: plan kept in ", rollout.journal().path, "\n"));
    return kExitUsage;
  }
  // A person at the terminal is asked before a Ctrl-C sets off a rollback; with --yes or
  // without a terminal on stdin nobody can be: Ctrl-C stops and rolls back, as it says.
  if (!yes && CanAsk()) {
    AskOnInterrupt(rollout);
  } else {
    CatchInterrupt();
  }
  if (WantStatusLine(c)) printer.StartStatusLine();
  absl::Status done = rollout.Execute();
  StopAsking();
  printer.StopStatusLine();
  PrintRolloutResult(c.format(), c.color(), rollout.journal());
  return done.ok() ? kExitOk : ReportError(done);
}

int RunRolloutPrepared(const GlobalOptions& global, PreparedOptions o) {
  if (absl::Status s = CheckOptions(o); !s.ok()) return ReportError(s);
  absl::StatusOr<DrainOptions> drain = ParseDrainWait(o.wait_drained);
  if (!drain.ok()) return ReportError(drain.status());
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(o.credentials);
  if (!credentials.ok()) return ReportError(credentials.status());
  o.rollout.platform = o.addresses.platform;
  o.rollout.log = o.addresses.log;
  o.rollout.session = o.addresses.session;
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenRolloutFleet(global);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  if (absl::Status s = DoctorPreflight(c, o.rollout.skip_service_center); !s.ok()) {
    return ReportError(s);
  }
  Journal journal = NewJournal();
  journal.inventory = InventoryPath(global.inventory);
  journal.options = o.rollout;
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(global);
  if (!heartbeat.ok()) return ReportError(heartbeat.status());
  EventPrinter printer(c.format(), c.color());
  Rollout rollout(c, std::move(journal), PrintSteps(printer), InterruptFlag());
  rollout.set_heartbeat(*heartbeat);
  rollout.set_tool_credentials(*std::move(credentials));
  rollout.set_drain(*std::move(drain));
  if (absl::Status prepared = rollout.Prepare(); !prepared.ok()) return ReportError(prepared);
  RecordFleet(rollout.journal(), c);  // what resume, rollback and status compare with
  if (o.apply) return Apply(c, rollout, printer, o.yes);
  rollout.journal().updated = absl::InfinitePast();  // never saved
  if (c.format() == OutputFormat::kTable) {
    PrintOut(RolloutSummary(rollout.journal(), c.color()));
  } else {
    PrintJson(PlanJson(rollout.journal()), c.format());
  }
  return kExitOk;
}

}  // namespace

void AddWaitDrainedFlag(CLI::App* cmd, std::string& wait) {
  cmd->add_option("--wait-drained", wait,
                  "at the end, wait up to DUR (e.g. 10m) until no process on any server still "
                  "uses an old address (checked every 2s); default: one check");
}

void AddRolloutPrepared(CLI::App& rollout, const GlobalOptions& global, Action& action,
                        const std::string& verb) {
  auto o = std::make_shared<PreparedOptions>();
  o->apply = verb == "apply";
  CLI::App* cmd = rollout.add_subcommand(
      verb, o->apply ? "discover, preflight, plan, then change every server in batches"
                     : "discover, preflight and show the plan; changes nothing");
  RolloutOptions& r = o->rollout;
  AddAddressFlags(cmd, o->addresses, AddressHelp::kShort);
  cmd->add_option("--batch", r.batch, "Front-Ends per batch: N or N%")->capture_default_str();
  cmd->add_option("--canary", r.canary, "Front-Ends in the first batch after the DC")
      ->capture_default_str();
  cmd->add_option("--max-fail", r.max_fail, "failures tolerated: N or N%")->capture_default_str();
  cmd->add_option("--confirm-timeout", r.confirm_timeout,
                  "each server reverts by itself unless confirmed within this time")
      ->capture_default_str();
  cmd->add_option("--lease", o->lease,
                  "each changed server reverts by itself when osctl stops renewing for this "
                  "long (paused, cut off, killed); at most --confirm-timeout; default: the "
                  "shorter of 30s and --confirm-timeout");
  cmd->add_option("--on-failure", r.on_failure, "rollback | keep")->capture_default_str();
  AddAdvancedSettingsFlag(cmd, r.advanced_settings);
  cmd->add_flag("--skip-service-center", r.skip_service_center, "do not run the SC phase");
  cmd->add_flag(kAllowDifferentServerFlag, r.allow_different_server,
                "go on when a new address reaches another database server than the current "
                "one (moving a database is another OutSystems procedure); a loud warning, "
                "recorded in the journal");
  if (o->apply) {
    cmd->add_flag("-y,--yes", o->yes, "do not ask for confirmation");
    AddWaitDrainedFlag(cmd, o->wait_drained);
  }
  AddScInstallFlags(cmd, o->install_service_center);
  AddDbCredentialFlags(cmd, o->credentials);  // plan checks them too
  OnChosen(cmd, action, [&global, o] { return RunRolloutPrepared(global, *o); });
}

}  // namespace osfleet::ctl
