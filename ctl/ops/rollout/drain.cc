#include "ctl/ops/rollout/drain.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/time/duration.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kMaxDrainWait = absl::Hours(24);
constexpr size_t kNamesShown = 8;                         // servers or processes named in one line
constexpr absl::Duration kNap = absl::Milliseconds(200);  // how often a wait looks at Ctrl-C

using Replies = std::vector<HostReply<v1::ConnectionsResponse>>;

// "dc01, fe01, fe02 and 3 more"
std::string NamesText(const std::vector<std::string>& names) {
  if (names.size() <= kNamesShown) return absl::StrJoin(names, ", ");
  std::vector<std::string> shown(names.begin(), names.begin() + kNamesShown);
  return absl::StrCat(absl::StrJoin(shown, ", "), " and ", names.size() - kNamesShown, " more");
}

std::string ProcessText(const DrainConnection& c) {
  if (c.pid == 0) return "pid unknown";
  return c.process.empty() ? absl::StrCat("pid ", c.pid)
                           : absl::StrCat("pid ", c.pid, " ", c.process);
}

// Each process once, in the order of its first connection.
std::vector<std::string> Processes(const DrainServer& s) {
  std::vector<std::string> out;
  std::set<uint32_t> seen;
  for (const DrainConnection& c : s.connections) {
    if (c.pid != 0 && !seen.insert(c.pid).second) continue;
    out.push_back(ProcessText(c));
  }
  return out;
}

bool SameAddress(const std::string& a, const std::string& b) {
  return absl::EqualsIgnoreCase(a, b);
}

const std::string* FindAddress(const std::map<std::string, std::string>& m, const std::string& a) {
  for (const auto& [address, database] : m) {
    if (SameAddress(address, a)) return &address;
  }
  return nullptr;
}

v1::Database DatabaseOf(const std::string& name) {
  if (name == "log") return v1::DATABASE_LOGGING;
  if (name == "session") return v1::DATABASE_SESSION;
  return v1::DATABASE_PLATFORM;
}

// The sentence after "old address X: ".
void Decide(const DrainTarget& t, DrainAddress& a) {
  if (!t.named_by.empty()) {
    a.retire = false;
    a.reason = absl::StrCat("still ", t.named_by,
                            " (this rollout did not move it) — it cannot be retired while "
                            "that database uses it");
    return;
  }
  std::vector<std::string> users, failed;
  size_t processes = 0, servers = 0, shared = 0;
  bool more = false;  // a server had more connections than the record keeps
  for (const DrainServer& s : a.servers) {
    shared += s.shared;
    more = more || static_cast<size_t>(s.count) > s.connections.size();
    if (!s.error.empty()) failed.push_back(absl::StrCat(s.name, " (", s.error, ")"));
    if (s.count == 0) continue;
    ++servers;
    for (const std::string& p : Processes(s)) {
      ++processes;
      users.push_back(absl::StrCat(s.name, " ", p));
    }
  }
  std::vector<std::string> parts;
  if (!users.empty()) {
    const std::string flag =
        a.database == "platform" ? "" : absl::StrCat(" --database ", a.database);
    parts.push_back(absl::StrCat("still used by ", more ? "at least " : "", processes,
                                 " process(es) on ", servers, " server(s): ", NamesText(users),
                                 " — wait (osctl endpoints connections --to ", a.address, flag,
                                 " --wait 10m) or recycle them before retiring it"));
  }
  if (!failed.empty()) {
    parts.push_back(absl::StrCat("could not ask ", NamesText(failed),
                                 " — cannot tell whether it is still used there; check again: "
                                 "osctl rollout status --check-drained"));
  }
  if (!parts.empty()) {
    a.retire = false;
    a.reason = absl::StrJoin(parts, "; ");
    return;
  }
  a.retire = true;
  if (a.shared.empty()) {
    a.reason = "no process on any server uses it — it can be retired";
    return;
  }
  a.reason = absl::StrCat(
      "cannot be told apart by connections: it and ", a.shared_with, " both resolve to ",
      absl::StrJoin(a.shared, ", "), " (", shared,
      " connection(s) to it from the servers now, under either name); nothing on the servers names "
      "the old "
      "address any more (server.hsconf changed, services restarted) — it can be retired once "
      "nothing outside the farm uses it");
}

}  // namespace

absl::StatusOr<DrainOptions> ParseDrainWait(const std::string& text) {
  DrainOptions o;
  if (text.empty()) return o;
  absl::StatusOr<absl::Duration> wait = ParseDuration(text, "--wait-drained");
  if (!wait.ok()) return wait.status();
  if (*wait < absl::ZeroDuration() || *wait > kMaxDrainWait) {
    return absl::InvalidArgumentError(
        absl::StrCat("--wait-drained: '", text, "' is outside 0s..24h"));
  }
  o.wait = *wait;
  o.wait_text = text;
  return o;
}

std::vector<DrainTarget> DrainTargets(const Journal& j) {
  const RolloutOptions& o = j.options;
  std::map<std::string, std::string> moved;  // database -> new address
  for (const v1::EndpointChange& c : EndpointChanges({o.platform, o.log, o.session})) {
    moved[DatabaseName(c.database())] = c.address();
  }
  std::map<std::string, std::string> current;  // every address in use now -> its database
  for (const auto& [database, address] : moved) current.emplace(address, database);
  for (const HostRecord& h : j.hosts) {
    for (const auto& [database, address] : h.old_addresses) {
      if (moved.count(database) == 0 && FindAddress(current, address) == nullptr) {
        current.emplace(address, database);
      }
    }
  }
  std::vector<DrainTarget> out;
  for (const char* database : {"platform", "log", "session"}) {
    auto to = moved.find(database);
    if (to == moved.end()) continue;
    for (const HostRecord& h : j.hosts) {
      auto from = h.old_addresses.find(database);
      if (from == h.old_addresses.end() || from->second.empty()) continue;
      if (SameAddress(from->second, to->second)) continue;
      bool known = false;
      for (const DrainTarget& t : out) known = known || SameAddress(t.address, from->second);
      if (known) continue;
      DrainTarget t{database, from->second, current, ""};
      if (const std::string* same = FindAddress(t.current, t.address)) {
        t.current.erase(*same);
        // Which servers still name it, and as what.
        std::vector<std::string> where;
        std::string as;
        for (const HostRecord& other : j.hosts) {
          for (const auto& [db, address] : other.old_addresses) {
            if (moved.count(db) == 0 && SameAddress(address, t.address)) {
              where.push_back(other.name);
              as = db;
              break;
            }
          }
        }
        t.named_by = absl::StrCat("the ", as, " address of ", NamesText(where));
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

DrainAddress JudgeDrain(const DrainTarget& t, const std::vector<std::string>& servers,
                        const Replies& old, const std::vector<Replies>& current) {
  DrainAddress a;
  a.database = t.database;
  a.address = t.address;
  a.named_by = t.named_by;
  std::set<std::string> endpoints, shared;
  for (size_t k = 0; k < servers.size() && k < old.size(); ++k) {
    DrainServer s;
    s.name = servers[k];
    if (!old[k].ok()) {
      s.error = StatusText(old[k].status);
      a.servers.push_back(std::move(s));
      continue;
    }
    std::set<std::string> mine(old[k].response.endpoints().begin(),
                               old[k].response.endpoints().end());
    endpoints.insert(mine.begin(), mine.end());
    std::set<std::string> both;  // endpoints a current address reaches from this server too
    size_t a_index = 0;
    for (const auto& [address, database] : t.current) {
      const Replies& r = current[a_index++];
      if (k >= r.size()) continue;
      if (!r[k].ok()) {
        s.error = absl::StrCat("cannot compare with ", address, ": ", StatusText(r[k].status));
        continue;
      }
      for (const std::string& e : r[k].response.endpoints()) {
        if (mine.count(e) == 0) continue;
        both.insert(e);
        if (a.shared_with.empty()) a.shared_with = address;
      }
    }
    shared.insert(both.begin(), both.end());
    for (const v1::TcpConnection& c : old[k].response.connections()) {
      if (both.count(c.remote()) != 0) {
        ++s.shared;
        continue;
      }
      ++s.count;
      if (s.connections.size() < kMaxDrainConnectionsKept) {
        s.connections.push_back({c.pid(), c.process(), c.local(), c.remote()});
      }
    }
    a.servers.push_back(std::move(s));
  }
  a.endpoints.assign(endpoints.begin(), endpoints.end());
  a.shared.assign(shared.begin(), shared.end());
  Decide(t, a);
  return a;
}

bool StillDraining(const DrainAddress& a) { return !a.retire && a.named_by.empty(); }

std::string DrainServerText(const DrainAddress& a, const DrainServer& s) {
  if (!s.error.empty())
    return absl::StrCat("cannot tell whether ", a.address, " is used: ", s.error);
  std::set<std::string> remotes;
  for (const DrainConnection& c : s.connections) remotes.insert(c.remote);
  return absl::StrCat(s.count, " connection(s) to ", a.address, " (", absl::StrJoin(remotes, ", "),
                      "): ", absl::StrJoin(Processes(s), ", "));
}

namespace {

// The servers of the journal in ctx: their names, and the index of each in ctx (or none).
struct DrainFleet {
  std::vector<std::string> names;
  std::vector<size_t> found;  // indexes into names of the servers ctx knows
  std::vector<Target> targets;
};

DrainFleet FleetOf(const FleetContext& ctx, const Journal& j) {
  DrainFleet f;
  std::vector<size_t> servers;
  for (const HostRecord& h : j.hosts) {
    f.names.push_back(h.name);
    for (size_t i = 0; i < ctx.servers().size(); ++i) {
      if (ctx.servers()[i].name != h.name) continue;
      f.found.push_back(f.names.size() - 1);
      servers.push_back(i);
      break;
    }
  }
  f.targets = ctx.Subset(servers);
  return f;
}

// One fan-out to every server of the fleet; a server not in the inventory is not asked.
Replies Ask(const FleetContext& ctx, const DrainFleet& f, const std::string& address,
            const std::string& database) {
  v1::ConnectionsRequest request;
  request.set_address(address);
  request.set_database(DatabaseOf(database));
  Replies asked = CallConnections(f.targets, ctx.fanout(), request);
  Replies out(f.names.size());
  for (auto& r : out) r.status = grpc::Status(grpc::StatusCode::NOT_FOUND, "not in the inventory");
  for (size_t n = 0; n < f.found.size() && n < asked.size(); ++n) out[f.found[n]] = asked[n];
  return out;
}

// What still uses it, to tell whether a wait changed anything: "fe01 pid 42 ...".
std::string UsersKey(const DrainAddress& a) { return a.reason; }

void EmitServers(const DrainAddress& a, const DrainEmit& emit) {
  for (const DrainServer& s : a.servers) {
    if (s.count > 0 || !s.error.empty()) emit(s.name, DrainServerText(a, s), true);
  }
}

bool Napped(absl::Time until, const std::atomic<bool>* interrupted) {
  while (absl::Now() < until) {
    if (interrupted != nullptr && interrupted->load()) return false;
    absl::SleepFor(std::min(kNap, until - absl::Now()));
  }
  return interrupted == nullptr || !interrupted->load();
}

}  // namespace

void CheckDrained(const FleetContext& ctx, Journal& journal, const DrainOptions& options,
                  const DrainEmit& emit, const std::atomic<bool>* interrupted) {
  const std::vector<DrainTarget> targets = DrainTargets(journal);
  const DrainFleet fleet = FleetOf(ctx, journal);
  // The current addresses' endpoints, asked once: only the old address is asked again.
  std::vector<std::vector<Replies>> current(targets.size());
  std::vector<DrainAddress> result(targets.size());
  auto check = [&](size_t i) {
    const DrainTarget& t = targets[i];
    if (!t.named_by.empty()) {
      result[i] = JudgeDrain(t, {}, {}, {});
      return;
    }
    if (current[i].empty()) {
      for (const auto& [address, database] : t.current) {
        current[i].push_back(Ask(ctx, fleet, address, database));
      }
    }
    result[i] = JudgeDrain(t, fleet.names, Ask(ctx, fleet, t.address, t.database), current[i]);
  };
  for (size_t i = 0; i < targets.size(); ++i) {
    check(i);
    EmitServers(result[i], emit);
  }
  const absl::Time deadline = absl::Now() + options.wait;
  auto draining = [&] {
    std::vector<size_t> out;
    for (size_t i = 0; i < result.size(); ++i) {
      if (StillDraining(result[i])) out.push_back(i);
    }
    return out;
  };
  if (options.wait > absl::ZeroDuration() && !draining().empty()) {
    emit("",
         absl::StrCat("waiting up to ", absl::FormatDuration(options.wait),
                      " for them to close (a check every ", absl::FormatDuration(options.interval),
                      "; Ctrl-C stops waiting: the rollout itself is done)"),
         false);
  }
  while (options.wait > absl::ZeroDuration() && absl::Now() < deadline) {
    const std::vector<size_t> left = draining();
    if (left.empty()) break;
    if (!Napped(std::min(deadline, absl::Now() + options.interval), interrupted)) {
      emit("", "stopped waiting (Ctrl-C)", true);
      break;
    }
    for (size_t i : left) {
      const std::string before = UsersKey(result[i]);
      check(i);
      // A change worth a line while it waits; the end is the verdict below.
      if (UsersKey(result[i]) == before || !StillDraining(result[i])) continue;
      const absl::Duration rest = std::max(deadline - absl::Now(), absl::ZeroDuration());
      emit("",
           absl::StrCat(result[i].address, ": ", result[i].reason, " (",
                        absl::FormatDuration(absl::Trunc(rest, absl::Seconds(1))), " left)"),
           !result[i].retire);
    }
  }
  journal.drain.checked = absl::Now();
  journal.drain.waited = options.wait_text;
  journal.drain.addresses = std::move(result);
  for (const DrainAddress& a : journal.drain.addresses) {
    emit("", absl::StrCat("old address ", a.address, ": ", a.reason), !a.retire);
  }
}

}  // namespace osfleet::ctl
