// endpoints connections --to ADDR [--database platform|session|log] [--wait DUR]: what on
// every server still has an established TCP connection to a database address (each agent
// resolves it on its own server), with the process holding it: can the old name be retired?
// Exit 0 when nothing uses it any more, 1 while something does (or a server did not answer).
#include <map>
#include <memory>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/model/address.h"
#include "common/time/duration.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kPollEvery = absl::Seconds(1);
constexpr size_t kLocalsShown = 3;

struct ConnectionsOptions {
  std::string to;
  std::string database = "platform";
  std::string wait;
};

using Replies = std::vector<HostReply<v1::ConnectionsResponse>>;

size_t Remaining(const Replies& replies) {
  size_t n = 0;
  for (const auto& r : replies) n += r.ok() ? r.response.connections_size() : 0;
  return n;
}

size_t ServersWithConnections(const Replies& replies) {
  size_t n = 0;
  for (const auto& r : replies) n += r.ok() && r.response.connections_size() > 0 ? 1 : 0;
  return n;
}

// "a:1, b:2, c:3 (+2 more)".
std::string Locals(const std::vector<std::string>& locals) {
  std::vector<std::string> shown(locals.begin(),
                                 locals.begin() + std::min(locals.size(), kLocalsShown));
  std::string out = absl::StrJoin(shown, ", ");
  if (locals.size() > kLocalsShown)
    absl::StrAppend(&out, " (+", locals.size() - kLocalsShown, " more)");
  return out;
}

// One row per server and process: its local ends, and the remote ends they reach.
void AddServerRows(const HostReply<v1::ConnectionsResponse>& r, Table& table) {
  struct Held {
    std::vector<std::string> locals;
    std::vector<std::string> remotes;
  };
  std::map<std::tuple<uint32_t, std::string>, Held> by_process;
  for (const v1::TcpConnection& c : r.response.connections()) {
    Held& held = by_process[{c.pid(), c.process()}];
    held.locals.push_back(c.local());
    if (std::find(held.remotes.begin(), held.remotes.end(), c.remote()) == held.remotes.end()) {
      held.remotes.push_back(c.remote());
    }
  }
  for (const auto& [process, held] : by_process) {
    const auto& [pid, name] = process;
    table.AddRow({r.server->name, pid == 0 ? "unknown" : std::to_string(pid),
                  name.empty() ? "unknown" : name, Locals(held.locals),
                  absl::StrJoin(held.remotes, ", ")});
  }
}

std::string TableText(const FleetContext& ctx, const Replies& replies, const std::string& to) {
  Table table({"SERVER", "PID", "PROCESS", "LOCAL", "REMOTE"});
  std::vector<std::string> none;
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    if (r.response.connections_size() == 0) {
      none.push_back(
          absl::StrCat(r.server->name, " (", absl::StrJoin(r.response.endpoints(), ", "), ")"));
    }
    AddServerRows(r, table);
  }
  std::string out = table.empty() ? "" : table.Render(ctx.color());
  if (const size_t n = Remaining(replies); n > 0) {
    absl::StrAppend(&out,
                    Paint(absl::StrCat(n, " connection(s) to ", to, " remain on ",
                                       ServersWithConnections(replies), " server(s)"),
                          Color::kRed, ctx.color()),
                    "\n");
  }
  if (!none.empty()) {
    absl::StrAppend(&out, "no connection to ", to, " on: ", absl::StrJoin(none, ", "), "\n");
  }
  return out;
}

nlohmann::json Document(const Replies& replies) {
  nlohmann::json doc = HostsDocument("endpoints connections", replies);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : replies) {
    for (const v1::TcpConnection& c : r.response.connections()) {
      rows.push_back({{"server", r.server->name},
                      {"pid", c.pid()},
                      {"process", c.process()},
                      {"local", c.local()},
                      {"remote", c.remote()}});
    }
  }
  doc["rows"] = std::move(rows);
  doc["remaining"] = Remaining(replies);
  return doc;
}

// Polls until nothing remains, or `wait` is over; the last answers. Each poll is one
// concurrent fan-out; a line on stderr says what is still there.
Replies Poll(const FleetContext& c, const v1::ConnectionsRequest& request, absl::Duration wait) {
  const absl::Time end = absl::Now() + wait;
  for (;;) {
    Replies replies = CallConnections(c.targets(), c.fanout(), request);
    const size_t n = Remaining(replies);
    const absl::Duration left = end - absl::Now();
    if (n == 0 || left <= absl::ZeroDuration()) return replies;
    PrintErr(
        absl::StrFormat("osctl: %zu connection(s) to %s remain on %zu server(s); waiting %s more\n",
                        n, request.address(), ServersWithConnections(replies),
                        absl::FormatDuration(absl::Trunc(left, absl::Seconds(1)))));
    absl::SleepFor(std::min(kPollEvery, left));
  }
}

v1::Database DatabaseOf(const std::string& name) {
  if (name == "session") return v1::DATABASE_SESSION;
  if (name == "log") return v1::DATABASE_LOGGING;
  return v1::DATABASE_PLATFORM;
}

int RunConnections(const GlobalOptions& global, const ConnectionsOptions& o) {
  if (absl::Status s = ValidateDatabaseAddress(o.to); !s.ok()) {
    return ReportError(absl::InvalidArgumentError(absl::StrCat("--to: ", s.message())));
  }
  absl::Duration wait = absl::ZeroDuration();
  if (!o.wait.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(o.wait, "--wait");
    if (!d.ok()) return ReportError(d.status());
    wait = *d;
  }
  v1::ConnectionsRequest request;
  request.set_address(o.to);
  request.set_database(DatabaseOf(o.database));
  return WithFleet(global, [&](const FleetContext& c) {
    Replies replies = Poll(c, request, wait);
    PrintHosts(c, Document(replies), TableText(c, replies, o.to), replies);
    const int hosts = ExitCodeForHosts(Failures(replies), kExitFailed);
    return hosts == kExitOk && Remaining(replies) > 0 ? kExitFailed : hosts;
  });
}

}  // namespace

void AddEndpointsConnections(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<ConnectionsOptions>();
  CLI::App* cmd = endpoints.add_subcommand(
      "connections",
      "list the processes on every server still connected to a database address (exit 1 while "
      "any remain)");
  cmd->add_option("--to", o->to, "the database address, as server.hsconf writes it")->required();
  cmd->add_option("--database", o->database, "whose section's provider reads the address")
      ->check(CLI::IsMember({"platform", "session", "log"}));
  cmd->add_option("--wait", o->wait, "poll every second until none remain, for at most DUR");
  OnChosen(cmd, action, [&global, o] { return RunConnections(global, *o); });
}

}  // namespace osfleet::ctl
