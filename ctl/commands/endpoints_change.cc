// endpoints plan | set.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/address.h"
#include "common/duration.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

constexpr const char* kArrow = "→";

absl::StatusOr<std::vector<v1::EndpointChange>> ChangesFrom(const EndpointsChangeOptions& o) {
  std::vector<v1::EndpointChange> changes;
  for (auto [flag, db, address] : {std::tuple{"--platform", v1::DATABASE_PLATFORM, &o.platform},
                                   {"--log", v1::DATABASE_LOGGING, &o.log},
                                   {"--session", v1::DATABASE_SESSION, &o.session}}) {
    if (address->empty()) continue;
    if (absl::Status s = CheckSafeText(*address, flag); !s.ok()) return s;
    v1::EndpointChange c;
    c.set_database(db);
    c.set_address(*address);
    changes.push_back(std::move(c));
  }
  if (changes.empty()) {
    return absl::InvalidArgumentError(
        "give at least one new address: --platform, --log and/or --session");
  }
  return changes;
}

template <typename Reply>
void AddDiffRows(Table& table, const Reply& r, const std::string& result) {
  if (!r.ok()) {
    table.AddRow({r.server->name, "", "", "", Cell(FailureWord(r.status), Color::kRed)});
    return;
  }
  if (r.response.diffs().empty()) {
    table.AddRow({r.server->name, "", "", "", Cell("no change", Color::kDim)});
    return;
  }
  for (const v1::FieldDiff& d : r.response.diffs()) {
    table.AddRow({r.server->name, DatabaseName(d.database()), d.element(),
                  absl::StrCat(d.old_value(), " ", kArrow, " ", d.new_value()),
                  Cell(result, Color::kGreen)});
  }
}

std::string ResultWord(const v1::SetEndpointsResponse& r) {
  return r.state() == v1::CHANGE_STATE_PENDING ? "pending" : "changed";
}

std::string FormatSeconds(const google::protobuf::Duration& d) {
  return absl::StrFormat("%.1fs", d.seconds() + d.nanos() / 1e9);
}

template <typename Reply>
std::string Warnings(const std::vector<Reply>& replies, bool color) {
  // The same warning from many servers is printed once, naming them all.
  std::map<std::string, std::vector<std::string>> servers_by_warning;
  std::vector<std::string> order;
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    for (const std::string& w : r.response.warnings()) {
      auto& names = servers_by_warning[w];
      if (names.empty()) order.push_back(w);
      names.push_back(r.server->name);
    }
  }
  std::string out;
  for (const std::string& w : order) {
    absl::StrAppend(
        &out,
        Paint(absl::StrCat("warning (", absl::StrJoin(servers_by_warning[w], ", "), "): ", w),
              Color::kYellow, color),
        "\n");
  }
  return out;
}

// 2 when every failure is the operator's input (INVALID_ARGUMENT), else `otherwise`.
int FailureExit(const std::vector<HostFailure>& failures, int otherwise) {
  if (failures.empty()) return kExitOk;
  const bool input = std::all_of(failures.begin(), failures.end(), [](const HostFailure& f) {
    return f.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
  });
  return input ? kExitUsage : otherwise;
}

nlohmann::json ChangesJson(const std::vector<v1::EndpointChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) out.push_back(ProtoToJson(c));
  return out;
}

template <typename Reply>
nlohmann::json HostsJson(const std::vector<Reply>& replies) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& r : replies) hosts.push_back(HostJson(r));
  return hosts;
}

void PrintPlan(const FleetContext& ctx, const std::vector<v1::EndpointChange>& changes,
               const std::vector<HostReply<v1::PlanEndpointsResponse>>& plan,
               const std::string& note) {
  if (ctx.format() != OutputFormat::kTable) {
    nlohmann::json doc = {{"command", "endpoints plan"},
                          {"changes", ChangesJson(changes)},
                          {"hosts", HostsJson(plan)}};
    doc.update(FailuresJson(Failures(plan)));
    if (!note.empty()) doc["refused"] = note;
    PrintJson(doc, ctx.format());
    return;
  }
  Table table({"SERVER", "DATABASE", "FIELD", "CHANGE", "RESULT"});
  for (const auto& r : plan) AddDiffRows(table, r, "planned");
  std::string out = table.Render(ctx.color()) + Warnings(plan, ctx.color());
  if (!note.empty()) absl::StrAppend(&out, Paint(note, Color::kRed, ctx.color()), "\n");
  PrintOut(out + Footer(plan.size(), Failures(plan), ctx.color()));
}

void PrintSet(const FleetContext& ctx, const std::vector<v1::EndpointChange>& changes,
              const std::vector<HostReply<v1::SetEndpointsResponse>>& set) {
  if (ctx.format() != OutputFormat::kTable) {
    nlohmann::json doc = {
        {"command", "endpoints set"}, {"changes", ChangesJson(changes)}, {"hosts", HostsJson(set)}};
    doc.update(FailuresJson(Failures(set)));
    PrintJson(doc, ctx.format());
    return;
  }
  Table table({"SERVER", "DATABASE", "FIELD", "CHANGE", "RESULT"});
  for (const auto& r : set) AddDiffRows(table, r, ResultWord(r.response));
  std::string out = table.Render(ctx.color()) + Warnings(set, ctx.color());
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
  if (!revisions.empty()) out += "\n" + revisions.Render(ctx.color());
  if (!deadline.empty()) {
    absl::StrAppend(&out,
                    Paint(absl::StrCat("pending confirmation until ", deadline,
                                       ": keep it with `osctl endpoints confirm`, or every "
                                       "changed server reverts by itself"),
                          Color::kYellow, ctx.color()),
                    "\n");
  }
  PrintOut(out + Footer(set.size(), Failures(set), ctx.color()));
}

absl::StatusOr<v1::SetEndpointsRequest> BaseRequest(const std::vector<v1::EndpointChange>& changes,
                                                    const EndpointsChangeOptions& o) {
  v1::SetEndpointsRequest req;
  for (const auto& c : changes) *req.add_changes() = c;
  req.set_reason(o.reason);
  req.set_restart_services(o.restart);
  if (!o.confirm_timeout.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(o.confirm_timeout, "--confirm-timeout");
    if (!d.ok()) return d.status();
    if (*d <= absl::ZeroDuration() || *d > absl::Hours(24)) {
      return absl::InvalidArgumentError("--confirm-timeout: must be more than 0 and at most 24h");
    }
    req.mutable_confirm_within()->set_seconds(absl::ToInt64Seconds(*d));
    req.mutable_confirm_within()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(*d - absl::Seconds(absl::ToInt64Seconds(*d)))));
  }
  return req;
}

// A restart can take minutes: those calls get --restart-timeout as their deadline.
absl::StatusOr<FanOutOptions> SetFanOut(const FleetContext& ctx, const EndpointsChangeOptions& o) {
  FanOutOptions fanout = ctx.fanout();
  if (!o.restart) return fanout;
  absl::StatusOr<absl::Duration> d = ParseDuration(o.restart_timeout, "--restart-timeout");
  if (!d.ok()) return d.status();
  fanout.timeout = std::max(fanout.timeout, *d);
  return fanout;
}

}  // namespace

int RunEndpointsPlan(const GlobalOptions& options, const EndpointsChangeOptions& change) {
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = ChangesFrom(change);
  if (!changes.ok()) return ReportError(changes.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto plan = CallPlan((*ctx)->targets(), (*ctx)->fanout(), *changes);
  PrintPlan(**ctx, *changes, plan, "");
  return FailureExit(Failures(plan), kExitFailed);
}

int RunEndpointsSet(const GlobalOptions& options, const EndpointsChangeOptions& change) {
  if (change.dry_run) return RunEndpointsPlan(options, change);
  absl::StatusOr<std::vector<v1::EndpointChange>> changes = ChangesFrom(change);
  if (!changes.ok()) return ReportError(changes.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto plan = CallPlan(c.targets(), c.fanout(), *changes);
  const std::vector<HostFailure> refused = Failures(plan);
  if (!refused.empty()) {
    PrintPlan(c, *changes, plan,
              absl::StrCat("refused: ", refused.size(),
                           " server(s) cannot take this change; nothing was changed on any "
                           "server"));
    return FailureExit(refused, kExitRefused);
  }
  absl::StatusOr<v1::SetEndpointsRequest> base = BaseRequest(*changes, change);
  if (!base.ok()) return ReportError(base.status());
  std::vector<v1::SetEndpointsRequest> requests;
  for (const auto& r : plan) {
    requests.push_back(*base);
    requests.back().set_expected_revision(r.response.revision());
  }
  absl::StatusOr<FanOutOptions> fanout = SetFanOut(c, change);
  if (!fanout.ok()) return ReportError(fanout.status());
  auto set = CallSet(c.targets(), *fanout, requests);
  PrintSet(c, *changes, set);
  return Failures(set).empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl
