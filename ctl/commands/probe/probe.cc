// probe [--platform ADDR] [--log ADDR] [--session ADDR] [--no-identity]: from every server,
// the given addresses (default: the current ones): DNS, TCP connect and latency, SQL Server
// version; for a new address, whether it reaches the same database server as the current
// one (the identity verdict and its evidence).
#include "ctl/commands/probe/probe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text/escape.h"
#include "ctl/commands/address_flags.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/ops/identity_check.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

struct ProbeFlags {
  EndpointAddresses addresses;
  bool no_identity = false;
};

std::string Latency(const google::protobuf::Duration& d) {
  return absl::StrFormat("%.1f ms", (d.seconds() * 1e9 + d.nanos()) / 1e6);
}

size_t FailedProbes(const std::vector<HostReply<v1::ProbeResponse>>& replies) {
  size_t failed = 0;
  for (const auto& r : replies) {
    for (const auto& p : r.response.results()) failed += p.ok() ? 0 : 1;
  }
  return failed;
}

Cell IdentityCell(const v1::ProbeResult& p) {
  switch (p.identity().verdict()) {
    case v1::IDENTITY_VERDICT_SAME:
      return Cell("same", Color::kGreen);
    case v1::IDENTITY_VERDICT_DIFFERENT:
      return Cell("DIFFERENT", Color::kRed);
    case v1::IDENTITY_VERDICT_UNKNOWN:
      return Cell("unknown", Color::kYellow);
    default:
      return Cell("");
  }
}

// Below the table: each compared target's evidence, strongest first.
std::string EvidenceLines(const std::vector<HostReply<v1::ProbeResponse>>& replies, bool color) {
  std::string out;
  for (const auto& r : replies) {
    for (const v1::ProbeResult& p : r.response.results()) {
      if (!p.has_identity()) continue;
      const Cell verdict = IdentityCell(p);
      absl::StrAppend(&out, "\n", EscapeControls(r.server->name), " ", DatabaseName(p.database()),
                      ": ", EscapeControls(p.address()), " vs current ",
                      EscapeControls(p.identity().current_address()), ": ",
                      Paint(verdict.text, verdict.color, color), "\n");
      for (const v1::IdentityEvidence& e : p.identity().evidence()) {
        absl::StrAppend(&out, "  - ", VerdictWord(e.points_to()), e.weak() ? " (weak)" : "", ": ",
                        EscapeControls(e.detail()), "\n");
      }
    }
  }
  return out;
}

std::string TableText(const FleetContext& ctx,
                      const std::vector<HostReply<v1::ProbeResponse>>& replies) {
  Table table(
      {"SERVER", "DATABASE", "ADDRESS", "RESULT", "LATENCY", "IDENTITY", "VERSION / ERROR"});
  for (const auto& r : replies) {
    for (const v1::ProbeResult& p : r.response.results()) {
      table.AddRow({r.server->name, DatabaseName(p.database()), p.address(),
                    p.ok() ? Cell("ok", Color::kGreen) : Cell("failed", Color::kRed),
                    p.ok() ? Latency(p.connect_latency()) : "", IdentityCell(p),
                    p.ok() ? p.server_version() : p.error()});
    }
  }
  std::string out = table.Render(ctx.color()) + EvidenceLines(replies, ctx.color());
  if (const size_t failed = FailedProbes(replies); failed > 0) {
    absl::StrAppend(&out, Paint(absl::StrCat(failed, " probe(s) failed"), Color::kRed, ctx.color()),
                    "\n");
  }
  return out;
}

// The proto's JSON, with each identity as short lowercase words: {"verdict": "same",
// "current_address": ..., "evidence": [{"kind", "points_to", "detail", "weak"}]}.
nlohmann::json Document(const std::vector<HostReply<v1::ProbeResponse>>& replies) {
  nlohmann::json doc = HostsDocument("probe", replies);
  for (size_t h = 0; h < replies.size(); ++h) {
    if (!replies[h].ok()) continue;
    nlohmann::json& results = doc["hosts"][h]["result"]["results"];
    for (int i = 0; i < replies[h].response.results_size(); ++i) {
      const v1::ProbeResult& p = replies[h].response.results(i);
      if (!p.has_identity()) continue;
      nlohmann::json evidence = nlohmann::json::array();
      for (const v1::IdentityEvidence& e : p.identity().evidence()) {
        evidence.push_back({{"kind", e.kind()},
                            {"points_to", VerdictWord(e.points_to())},
                            {"detail", e.detail()},
                            {"weak", e.weak()}});
      }
      results[i]["identity"] = {{"verdict", VerdictWord(p.identity().verdict())},
                                {"current_address", p.identity().current_address()},
                                {"evidence", evidence}};
    }
  }
  return doc;
}

int RunProbe(const GlobalOptions& options, const ProbeFlags& flags) {
  absl::StatusOr<std::vector<v1::EndpointChange>> targets = CheckedEndpointChanges(flags.addresses);
  if (!targets.ok()) return ReportError(targets.status());
  v1::ProbeRequest request;
  for (const v1::EndpointChange& t : *targets) *request.add_targets() = t;
  request.set_identity(!flags.addresses.empty() && !flags.no_identity);
  return WithFleet(options, [&](const FleetContext& c) {
    auto replies = CallProbe(c.targets(), c.fanout(), request);
    PrintHosts(c, Document(replies), TableText(c, replies), replies);
    // A probe that failed is the answer "not reachable from there": a failure too.
    const int hosts = ExitCodeForHosts(Failures(replies), kExitFailed);
    return hosts == kExitOk && FailedProbes(replies) > 0 ? kExitFailed : hosts;
  });
}

}  // namespace

void RegisterProbe(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto flags = std::make_shared<ProbeFlags>();
  CLI::App* probe = app.add_subcommand(
      "probe",
      "check database addresses from every server (default: the current ones); a new "
      "address is also compared with the current one: same database server or not");
  AddAddressFlags(probe, flags->addresses, AddressHelp::kWithSyntax);
  probe->add_flag("--no-identity", flags->no_identity,
                  "do not compare new addresses with the current ones (no TLS handshake, no "
                  "second probe of the current address)");
  OnChosen(probe, action, [&global, flags] { return RunProbe(global, *flags); });
}

}  // namespace osfleet::ctl
