// endpoints confirm | rollback: end a confirm window either way.
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

template <typename Reply>
void PrintHosts(const FleetContext& ctx, const std::string& command,
                const std::vector<Reply>& replies, Table& table) {
  if (ctx.format() != OutputFormat::kTable) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : replies) hosts.push_back(HostJson(r));
    nlohmann::json doc = {{"command", command}, {"hosts", hosts}};
    doc.update(FailuresJson(Failures(replies)));
    PrintJson(doc, ctx.format());
    return;
  }
  PrintOut(table.Render(ctx.color()) + Footer(replies.size(), Failures(replies), ctx.color()));
}

// A named backup belongs to one server: read its revision for the CAS first.
absl::StatusOr<std::vector<v1::RollbackRequest>> RollbackRequests(const FleetContext& c,
                                                                  const RollbackOptions& o) {
  v1::RollbackRequest base;
  base.set_restart_services(o.restart);
  base.set_reason("osctl endpoints rollback");
  if (o.backup_id.empty()) return std::vector<v1::RollbackRequest>(c.targets().size(), base);
  if (c.targets().size() != 1) {
    return absl::InvalidArgumentError(
        "--backup: a backup id belongs to one server; select it with --limit NAME");
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

}  // namespace

int RunEndpointsConfirm(const GlobalOptions& options, const std::string& change_id) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto replies =
      CallConfirm(c.targets(), c.fanout(), std::vector<std::string>(c.targets().size(), change_id));
  Table table({"SERVER", "CHANGE", "REVISION", "RESULT"});
  for (const auto& r : replies) {
    if (r.ok()) {
      table.AddRow({r.server->name, r.response.change_id(), ShortRevision(r.response.revision()),
                    Cell("confirmed", Color::kGreen)});
    } else {
      table.AddRow({r.server->name, "", "", Cell(FailureWord(r.status), Color::kRed)});
    }
  }
  PrintHosts(c, "endpoints confirm", replies, table);
  return Failures(replies).empty() ? kExitOk : kExitFailed;
}

int RunEndpointsRollback(const GlobalOptions& options, const RollbackOptions& rollback) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  absl::StatusOr<std::vector<v1::RollbackRequest>> requests = RollbackRequests(c, rollback);
  if (!requests.ok()) return ReportError(requests.status());
  FanOutOptions fanout = c.fanout();
  if (rollback.restart) {
    absl::StatusOr<absl::Duration> d = ParseDuration(rollback.restart_timeout, "--restart-timeout");
    if (!d.ok()) return ReportError(d.status());
    fanout.timeout = std::max(fanout.timeout, *d);
  }
  auto replies = CallRollback(c.targets(), fanout, *requests);
  Table table({"SERVER", "REVERTED", "CHANGE", "RESULT"});
  for (const auto& r : replies) {
    if (!r.ok()) {
      table.AddRow({r.server->name, "", "", Cell(FailureWord(r.status), Color::kRed)});
      continue;
    }
    for (const v1::FieldDiff& d : r.response.diffs()) {
      table.AddRow({r.server->name, r.response.reverted_change_id(),
                    absl::StrCat(DatabaseName(d.database()), " ", d.element(), ": ", d.old_value(),
                                 " → ", d.new_value()),
                    Cell("restored", Color::kGreen)});
    }
  }
  PrintHosts(c, "endpoints rollback", replies, table);
  return Failures(replies).empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl
