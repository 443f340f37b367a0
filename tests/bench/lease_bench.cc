// Lease renewal benchmark (issue 10): "Renewing the leases of 100 servers takes well under
// a second of osctl's time; an idle agent holding a lease adds no wake-ups beyond its
// timer."
//
// 1. Starts N real osagent processes on 127.0.0.1:0 (plaintext), makes a pending change
//    with a lease on each (Endpoints.Set, confirm_within 10m, lease 30s, no restart), holds
//    them all in osctl's own LeaseKeeper and times RUNS LeaseKeeper::Check() passes: wall
//    time and this process's CPU time (getrusage: every thread, gRPC's included).
// 2. Leaves the LeaseKeeper renewing by itself (every lease/3) for a minute: CPU per minute.
// 3. Four fresh agents, idle for WINDOW seconds: no change and no client; a pending change
//    with a 60s lease nobody renews; a pending change with a 30s lease renewed every 10s; no
//    change but an open client connection (one Get), like the two holding a change. Counts
//    the context switches (voluntary + nonvoluntary) of every thread (/proc/PID/task/*/status).
//
// Usage: build/bin/osfleet_lease_bench [N=100] [RUNS=50] [WINDOW=30] [BACKGROUND=60]
// Prints Markdown; docs/BENCHMARKS.md ("Lease renewal") holds the recorded results.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/model/host_port.h"
#include "ctl/ops/lease_keeper.h"
#include "ctl/rpc/agent_calls.h"
#include "google/protobuf/util/time_util.h"

namespace osfleet::ctl {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct AgentProc {
  std::string name, dir;
  pid_t pid = -1;
  int port = 0;
};

AgentProc StartAgent(const std::string& work, const std::string& name) {
  AgentProc a{name, work + "/" + name};
  mkdir(a.dir.c_str(), 0755);
  {
    std::ofstream(a.dir + "/server.hsconf", std::ios::binary)
        << ReadAll(std::string(OSFLEET_FIXTURES_DIR) + "/hsconf/sqlserver-dc.hsconf");
  }
  const std::string bin = std::string(OSFLEET_BIN_DIR) + "/osagent";
  std::vector<std::string> args = {bin,
                                   "--name",
                                   name,
                                   "--role",
                                   "front_end",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   a.dir + "/port",
                                   "--hsconf",
                                   a.dir + "/server.hsconf",
                                   "--state-dir",
                                   a.dir + "/state",
                                   "--log-level",
                                   "warn",
                                   "--insecure"};
  a.pid = fork();
  if (a.pid == 0) {
    const int log = open((a.dir + "/log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> argv;
    for (std::string& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return a;
}

bool WaitPort(AgentProc& a) {
  for (int i = 0; i < 2000; ++i) {
    if (absl::SimpleAtoi(ReadAll(a.dir + "/port"), &a.port) && a.port > 0) return true;
    usleep(10000);
  }
  return false;
}

void StopAll(std::vector<AgentProc>& agents) {
  for (AgentProc& a : agents) kill(a.pid, SIGTERM);
  for (AgentProc& a : agents) waitpid(a.pid, nullptr, 0);
  agents.clear();
}

struct Fleet {
  std::vector<Server> servers;  // stable: reserved up front
  std::vector<Target> targets;
};

void AddTargets(Fleet& f, const std::vector<AgentProc>& agents) {
  f.servers.reserve(agents.size());
  for (const AgentProc& a : agents) {
    Server s;
    s.name = a.name;
    s.address = *ParseHostPort(absl::StrCat("127.0.0.1:", a.port), "address");
    s.role = v1::SERVER_ROLE_FRONT_END;
    f.servers.push_back(s);
  }
  for (const Server& s : f.servers) {
    f.targets.push_back({&s, grpc::CreateChannel(s.Target(), grpc::InsecureChannelCredentials())});
  }
}

// A pending change with a lease on every target; their change ids ("" where it failed).
std::vector<std::string> SetWithLease(const std::vector<Target>& targets, absl::Duration lease,
                                      const std::string& address) {
  std::vector<v1::SetEndpointsRequest> requests;
  for (size_t i = 0; i < targets.size(); ++i) {
    v1::SetEndpointsRequest req;
    auto* c = req.add_changes();
    c->set_database(v1::DATABASE_PLATFORM);
    c->set_address(address);
    req.set_force(true);
    req.set_reason("lease bench");
    *req.mutable_confirm_within() = google::protobuf::util::TimeUtil::SecondsToDuration(600);
    *req.mutable_lease() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(lease));
    requests.push_back(req);
  }
  std::vector<std::string> ids;
  for (const auto& r : CallSet(targets, {64, absl::Seconds(30)}, requests)) {
    if (!r.ok() || r.response.state() != v1::CHANGE_STATE_PENDING) {
      std::fprintf(stderr, "set failed on %s: %s %s\n", r.server->name.c_str(),
                   r.status.error_message().c_str(), r.response.DebugString().c_str());
      ids.push_back("");
    } else {
      ids.push_back(r.response.change_id());
    }
  }
  return ids;
}

// Context switches (voluntary, nonvoluntary) of every thread of pid, by thread.
std::map<std::string, std::pair<long, long>> Switches(pid_t pid) {
  std::map<std::string, std::pair<long, long>> out;
  const std::string task = absl::StrCat("/proc/", pid, "/task");
  DIR* d = opendir(task.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string t = task + "/" + e->d_name;
    std::string comm = ReadAll(t + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    std::istringstream status(ReadAll(t + "/status"));
    long vol = 0, nonvol = 0;
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) vol = std::atol(line.c_str() + 24);
      if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) nonvol = std::atol(line.c_str() + 27);
    }
    out[absl::StrCat(e->d_name, " ", comm)] = {vol, nonvol};
  }
  closedir(d);
  return out;
}

long Total(const std::map<std::string, std::pair<long, long>>& m) {
  long n = 0;
  for (const auto& [k, v] : m) n += v.first + v.second;
  return n;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

int Main(int argc, char** argv) {
  int n = 100, runs = 50, window = 30;
  if (argc > 1) (void)absl::SimpleAtoi(argv[1], &n);
  if (argc > 2) (void)absl::SimpleAtoi(argv[2], &runs);
  if (argc > 3) (void)absl::SimpleAtoi(argv[3], &window);
  int background = 60;  // seconds of background renewal (reported per minute)
  if (argc > 4) (void)absl::SimpleAtoi(argv[4], &background);
  char tmpl[] = "/tmp/osfleet-lease-bench-XXXXXX";
  const std::string work = mkdtemp(tmpl);

  // 1. N agents, a pending change with a 30s lease on each, Check() passes.
  std::vector<AgentProc> agents;
  for (int i = 1; i <= n; ++i) agents.push_back(StartAgent(work, absl::StrFormat("fe%03d", i)));
  for (AgentProc& a : agents) {
    if (!WaitPort(a)) {
      std::fprintf(stderr, "%s did not start (see %s/log)\n", a.name.c_str(), a.dir.c_str());
      StopAll(agents);
      return 1;
    }
  }
  Fleet fleet;
  AddTargets(fleet, agents);
  const std::vector<std::string> ids =
      SetWithLease(fleet.targets, absl::Seconds(30), "sqlbench.example.com");
  double cold_wall = 0, cold_cpu = 0, per_minute_cpu = 0;
  int held_ok = 0, background_passes = 0;
  std::vector<double> wall, cpu;
  {
    LeaseKeeper keeper(absl::Seconds(30), 64);
    // Fresh channels: the first pass also connects (osctl's channels are already up by
    // the time it holds leases, since it made the changes on them).
    std::vector<Target> fresh;
    for (size_t i = 0; i < fleet.targets.size(); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("bench.fresh", 1);  // a separate subchannel pool entry
      fresh.push_back({fleet.targets[i].server,
                       grpc::CreateCustomChannel(fleet.servers[i].Target(),
                                                 grpc::InsecureChannelCredentials(), args)});
      keeper.Hold({fleet.servers[i].name, fresh.back(), ids[i]});
    }
    double c0 = CpuSeconds(), t0 = Now();
    for (const LeaseCheck& c : keeper.Check()) held_ok += c.held ? 1 : 0;
    cold_wall = Now() - t0;
    cold_cpu = CpuSeconds() - c0;
    for (int r = 0; r < runs; ++r) {
      c0 = CpuSeconds();
      t0 = Now();
      std::vector<LeaseCheck> checks = keeper.Check();
      wall.push_back(Now() - t0);
      cpu.push_back(CpuSeconds() - c0);
      for (const LeaseCheck& c : checks) {
        if (!c.held) std::fprintf(stderr, "lost: %s %s\n", c.name.c_str(), c.reason.c_str());
      }
    }
    // 2. The background renewer alone for a minute.
    const int p0 = keeper.passes();
    c0 = CpuSeconds();
    absl::SleepFor(absl::Seconds(background));
    per_minute_cpu = (CpuSeconds() - c0) * 60 / background;
    background_passes = keeper.passes() - p0;
  }
  StopAll(agents);

  // 3. Idle agents' wake-ups.
  for (const char* name : {"idle", "held", "renewed", "connected"}) {
    agents.push_back(StartAgent(work, name));
  }
  for (AgentProc& a : agents) {
    if (!WaitPort(a)) return 1;
  }
  Fleet three;
  AddTargets(three, agents);
  const std::vector<std::string> held_id =
      SetWithLease({three.targets[1]}, absl::Seconds(60), "sqlbench.example.com");
  const std::vector<std::string> renewed_id =
      SetWithLease({three.targets[2]}, absl::Seconds(30), "sqlbench.example.com");
  // The same open connection as the two holding a change, and no change: what the
  // connection costs by itself (gRPC's timers), apart from the lease.
  (void)CallGetEndpoints({three.targets[3]}, {4, absl::Seconds(10)});
  LeaseKeeper renewer(absl::Seconds(30), 4);  // every 10s
  renewer.Hold({"renewed", three.targets[2], renewed_id[0]});
  absl::SleepFor(absl::Seconds(2));  // let the Set calls' work settle
  std::vector<std::map<std::string, std::pair<long, long>>> before, after;
  for (AgentProc& a : agents) before.push_back(Switches(a.pid));
  const int r0 = renewer.passes();
  absl::SleepFor(absl::Seconds(window));
  const int renewals = renewer.passes() - r0;
  for (AgentProc& a : agents) after.push_back(Switches(a.pid));
  std::vector<LeaseCheck> last = renewer.Check();

  std::printf("| what (%d agents, plaintext, loopback, %u cores) | result |\n|---|---|\n", n,
              std::thread::hardware_concurrency());
  std::printf("| leases held after Set (of %d) | %d |\n", n, held_ok);
  std::printf("| first `Check()` pass, connecting included: wall / CPU | %.1f ms / %.1f ms |\n",
              cold_wall * 1e3, cold_cpu * 1e3);
  std::printf("| `Check()` pass over %d leases, median of %d: wall / CPU | %.1f ms / %.1f ms |\n",
              n, runs, Percentile(wall, 0.5) * 1e3, Percentile(cpu, 0.5) * 1e3);
  std::printf("| `Check()` pass, p95: wall / CPU | %.1f ms / %.1f ms |\n",
              Percentile(wall, 0.95) * 1e3, Percentile(cpu, 0.95) * 1e3);
  std::printf(
      "| background renewal (lease 30s: every 10s), CPU per minute | %.1f ms (%d passes in %d s) "
      "|\n",
      per_minute_cpu * 1e3, background_passes, background);
  const char* what[] = {"idle agent, no pending change",
                        "agent holding a pending change, 60s lease, nobody renews",
                        "agent holding a pending change, 30s lease, renewed every 10s",
                        "idle agent, no pending change, one open client connection"};
  for (size_t i = 0; i < agents.size(); ++i) {
    const long d = Total(after[i]) - Total(before[i]);
    std::printf("| %s: context switches in %d s (all %zu threads) | %ld (%.1f per 10 s)%s |\n",
                what[i], window, after[i].size(), d, d * 10.0 / window,
                i == 2 ? absl::StrCat(", ", renewals, " renewals").c_str() : "");
  }
  std::fflush(stdout);
  std::fprintf(stderr, "renewed lease still held at the end: %s\n",
               !last.empty() && last[0].held ? "yes" : "no");
  for (size_t i = 0; i < agents.size(); ++i) {
    std::fprintf(stderr, "%s, per thread (tid comm: voluntary+nonvoluntary in %ds):\n",
                 agents[i].name.c_str(), window);
    for (const auto& [k, v] : after[i]) {
      auto b = before[i].find(k);
      const long d =
          v.first + v.second - (b == before[i].end() ? 0 : b->second.first + b->second.second);
      if (d != 0) std::fprintf(stderr, "  %-28s %ld\n", k.c_str(), d);
    }
  }
  StopAll(agents);
  std::system(absl::StrCat("rm -rf ", work).c_str());
  return 0;
}

}  // namespace
}  // namespace osfleet::ctl

int main(int argc, char** argv) { return osfleet::ctl::Main(argc, argv); }
