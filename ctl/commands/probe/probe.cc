// probe [--platform ADDR] [--log ADDR] [--session ADDR]: from every server, the given
// addresses (default: the current ones): DNS, TCP connect and latency, SQL Server version.
#include "ctl/commands/probe/probe.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctl/commands/address_flags.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

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

std::string TableText(const FleetContext& ctx,
                      const std::vector<HostReply<v1::ProbeResponse>>& replies) {
  Table table({"SERVER", "DATABASE", "ADDRESS", "RESULT", "LATENCY", "VERSION / ERROR"});
  for (const auto& r : replies) {
    for (const v1::ProbeResult& p : r.response.results()) {
      table.AddRow({r.server->name, DatabaseName(p.database()), p.address(),
                    p.ok() ? Cell("ok", Color::kGreen) : Cell("failed", Color::kRed),
                    p.ok() ? Latency(p.connect_latency()) : "",
                    p.ok() ? p.server_version() : p.error()});
    }
  }
  std::string out = table.Render(ctx.color());
  if (const size_t failed = FailedProbes(replies); failed > 0) {
    absl::StrAppend(&out, Paint(absl::StrCat(failed, " probe(s) failed"), Color::kRed, ctx.color()),
                    "\n");
  }
  return out;
}

int RunProbe(const GlobalOptions& options, const EndpointAddresses& addresses) {
  absl::StatusOr<std::vector<v1::EndpointChange>> targets = CheckedEndpointChanges(addresses);
  if (!targets.ok()) return ReportError(targets.status());
  v1::ProbeRequest request;
  for (const v1::EndpointChange& t : *targets) *request.add_targets() = t;
  return WithFleet(options, [&](const FleetContext& c) {
    auto replies = CallProbe(c.targets(), c.fanout(), request);
    PrintHosts(c, HostsDocument("probe", replies), TableText(c, replies), replies);
    // A probe that failed is the answer "not reachable from there": a failure too.
    const int hosts = ExitCodeForHosts(Failures(replies), kExitFailed);
    return hosts == kExitOk && FailedProbes(replies) > 0 ? kExitFailed : hosts;
  });
}

}  // namespace

void RegisterProbe(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto addresses = std::make_shared<EndpointAddresses>();
  CLI::App* probe = app.add_subcommand(
      "probe", "check database addresses from every server (default: the current ones)");
  AddAddressFlags(probe, *addresses, AddressHelp::kWithSyntax);
  OnChosen(probe, action, [&global, addresses] { return RunProbe(global, *addresses); });
}

}  // namespace osfleet::ctl
