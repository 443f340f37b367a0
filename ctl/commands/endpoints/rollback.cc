// endpoints rollback: revert the pending change now, or restore a named backup of one server.
#include "absl/strings/str_cat.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/commands/service_center_install.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/output/describe.h"
#include "ctl/output/endpoint_diffs.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

struct RollbackOptions {
  std::string backup_id;  // empty: revert the pending change
  std::string change_id;  // set: revert the pending change only if it is this one
  bool restart = false;
  std::string restart_timeout = "10m";
  DbCredentialFlags credentials;  // for the agents' Configuration Tool run on the restored file
  ScInstallFlags install_service_center;  // --backup on the Deployment Controller
};

// A named backup belongs to one server: read its revision for the CAS first.
absl::StatusOr<std::vector<v1::RollbackRequest>> RollbackRequests(const FleetContext& c,
                                                                  const RollbackOptions& o) {
  v1::RollbackRequest base;
  base.set_restart_services(o.restart);
  base.set_reason("osctl endpoints rollback");
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(o.credentials);
  if (!credentials.ok()) return credentials.status();
  AddCredentials(*credentials, base.mutable_configuration_tool());
  absl::StatusOr<bool> install = ResolveScInstall(o.install_service_center);
  if (!install.ok()) return install.status();
  if (!o.backup_id.empty() && !o.change_id.empty()) {
    return absl::InvalidArgumentError("--change and --backup: give one of them, not both");
  }
  base.set_change_id(o.change_id);
  if (o.backup_id.empty()) return std::vector<v1::RollbackRequest>(c.targets().size(), base);
  if (c.targets().size() != 1) {
    return absl::InvalidArgumentError(
        "--backup: a backup id belongs to one server; select it with --limit NAME");
  }
  // A restore changes the Deployment Controller's database settings as a change does;
  // a pending change's revert needs no flag: its agent does what the change did.
  if (*install && c.servers()[0].role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) {
    base.mutable_configuration_tool()->set_install_service_center(true);
  }
  auto got = CallGetEndpoints(c.targets(), c.fanout());
  if (!got[0].ok()) {
    return absl::UnavailableError(
        absl::StrCat(c.servers()[0].name, ": ", StatusText(got[0].status)));
  }
  base.set_backup_id(o.backup_id);
  base.set_expected_revision(got[0].response.revision());
  return std::vector<v1::RollbackRequest>{base};
}

Table RollbackTable(const std::vector<HostReply<v1::RollbackResponse>>& replies) {
  Table table({"SERVER", "REVERTED", "CHANGE", "RESULT"});
  for (const auto& r : replies) {
    if (!r.ok()) {
      table.AddRow({r.server->name, "", "", Cell(FailureWord(r.status), Color::kRed)});
      continue;
    }
    for (const v1::FieldDiff& d : r.response.diffs()) {
      table.AddRow({r.server->name, r.response.reverted_change_id(),
                    absl::StrCat(DatabaseName(d.database()), " ", d.element(), ": ", d.old_value(),
                                 " ", kArrow, " ", d.new_value()),
                    Cell("restored", Color::kGreen)});
    }
  }
  return table;
}

int RunEndpointsRollback(const FleetContext& c, const RollbackOptions& rollback) {
  absl::StatusOr<std::vector<v1::RollbackRequest>> requests = RollbackRequests(c, rollback);
  if (!requests.ok()) return ReportError(requests.status());
  absl::StatusOr<FanOutOptions> fanout =
      RestartFanOut(c.fanout(), rollback.restart, rollback.restart_timeout);
  if (!fanout.ok()) return ReportError(fanout.status());
  std::vector<CredentialMap*> credentials;
  for (v1::RollbackRequest& r : *requests) {
    credentials.push_back(r.mutable_configuration_tool()->mutable_credentials());
  }
  KeepNeededByEach(c.targets(), c.fanout(), CredentialUse::kConfigurationTool, credentials);
  auto replies = CallRollback(c.targets(), *fanout, *requests);
  PrintHosts(c, HostsDocument("endpoints rollback", replies),
             RollbackTable(replies).Render(c.color()), replies);
  return ExitCodeForHosts(Failures(replies), kExitFailed);
}

}  // namespace

void AddEndpointsRollback(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<RollbackOptions>();
  CLI::App* rollback = endpoints.add_subcommand(
      "rollback", "revert the pending change now (or restore --backup ID on one server)");
  rollback->add_option("--backup", o->backup_id, "a backup id from `endpoints backups`");
  rollback->add_option("--change", o->change_id,
                       "revert the pending change only if it is this change id (another "
                       "client's pending change is left alone)");
  rollback->add_flag("--restart", o->restart, "restart the services after restoring");
  rollback->add_option("--restart-timeout", o->restart_timeout, "deadline of a call that restarts");
  AddDbCredentialFlags(rollback, o->credentials);
  AddScInstallFlags(rollback, o->install_service_center);
  OnChosen(rollback, action, [&global, o] {
    return WithCheckedFleet(global,
                            [&](const FleetContext& c) { return RunEndpointsRollback(c, *o); });
  });
}

}  // namespace osfleet::ctl
