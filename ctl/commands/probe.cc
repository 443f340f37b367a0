// probe: check database addresses from every server's own network position.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/address.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

absl::StatusOr<v1::ProbeRequest> RequestFrom(const EndpointsChangeOptions& o) {
  v1::ProbeRequest req;
  for (auto [flag, db, address] : {std::tuple{"--platform", v1::DATABASE_PLATFORM, &o.platform},
                                   {"--log", v1::DATABASE_LOGGING, &o.log},
                                   {"--session", v1::DATABASE_SESSION, &o.session}}) {
    if (address->empty()) continue;
    if (absl::Status s = CheckSafeText(*address, flag); !s.ok()) return s;
    v1::EndpointChange* t = req.add_targets();
    t->set_database(db);
    t->set_address(*address);
  }
  return req;
}

std::string Latency(const google::protobuf::Duration& d) {
  return absl::StrFormat("%.1f ms", (d.seconds() * 1e9 + d.nanos()) / 1e6);
}

bool AllProbesOk(const HostReply<v1::ProbeResponse>& r) {
  if (!r.ok()) return false;
  for (const auto& p : r.response.results()) {
    if (!p.ok()) return false;
  }
  return true;
}

void PrintTable(const FleetContext& ctx, const std::vector<HostReply<v1::ProbeResponse>>& replies) {
  Table table({"SERVER", "DATABASE", "ADDRESS", "RESULT", "LATENCY", "VERSION / ERROR"});
  for (const auto& r : replies) {
    for (const v1::ProbeResult& p : r.response.results()) {
      table.AddRow({r.server->name, DatabaseName(p.database()), p.address(),
                    p.ok() ? Cell("ok", Color::kGreen) : Cell("failed", Color::kRed),
                    p.ok() ? Latency(p.connect_latency()) : "",
                    p.ok() ? p.server_version() : p.error()});
    }
  }
  size_t failed_probes = 0;
  for (const auto& r : replies) {
    for (const auto& p : r.response.results()) failed_probes += p.ok() ? 0 : 1;
  }
  std::string out = table.Render(ctx.color());
  if (failed_probes > 0) {
    absl::StrAppend(
        &out, Paint(absl::StrCat(failed_probes, " probe(s) failed"), Color::kRed, ctx.color()),
        "\n");
  }
  PrintOut(out + Footer(replies.size(), Failures(replies), ctx.color()));
}

}  // namespace

int RunProbe(const GlobalOptions& options, const EndpointsChangeOptions& targets) {
  absl::StatusOr<v1::ProbeRequest> request = RequestFrom(targets);
  if (!request.ok()) return ReportError(request.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto replies = CallProbe(c.targets(), c.fanout(), *request);
  if (c.format() != OutputFormat::kTable) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : replies) hosts.push_back(HostJson(r));
    nlohmann::json doc = {{"command", "probe"}, {"hosts", hosts}};
    doc.update(FailuresJson(Failures(replies)));
    PrintJson(doc, c.format());
  } else {
    PrintTable(c, replies);
  }
  return std::all_of(replies.begin(), replies.end(), AllProbesOk) ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl
