// Soak: never a split fleet. Many rollouts forward and back (old -> new -> old ...) on a
// 10-server simulated farm (1 DC + 9 FE, real agents, mTLS, simulated services) with a
// random fault in most runs: an agent killed (-9) and restarted, osctl killed (-9) and
// then `rollout rollback` or `rollout resume`, osctl frozen (SIGSTOP) past its lease, or
// a refused restart (a rollout to a third database one Front-End's services cannot
// reach). Every agent runs a (fake) Configuration Tool, so changes are written first and
// restarted later (Endpoints.Restart), and the simulated services read server.hsconf only
// when they start, as OutSystems' do. After every run, once pending changes had a lease
// to revert, every server's server.hsconf must be byte for byte the same known file,
// every server's services must run on that file's address (what they read at their
// start), and `rollout status` must say neither SPLIT FLEET nor NOT CONVERGED. Disabled
// by default; tests/soak/soak.sh runs it.
//
// Environment: SOAK_RUNS (default 20), SOAK_MINUTES (stop starting runs after this long;
// default unlimited), SOAK_SEED, SOAK_RESULTS (summary file), SOAK_FAILURE_DIR (default
// /tmp: failures are captured in <dir>/soak-failure-N/).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/model/hsconf.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

constexpr absl::Duration kLease = absl::Seconds(2);

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::string(v);
}

std::string HsconfAt(const std::string& address) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFile(FixturePath("sqlserver-dc.hsconf")));
  std::vector<EndpointEdit> edits;
  for (DatabaseId id : kAllDatabases) edits.push_back({id, address});
  return ApplyEdits(*doc, edits)->bytes;
}

// Alive and not a zombie.
bool Running(pid_t pid) {
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// The simulated services a killed agent left behind (they serve its hsconf path).
void KillOrphans(const std::string& hsconf) {
  RunProgram(
      {"/bin/sh", "-c",
       absl::StrCat("for p in $(pgrep -f -- '--hsconf ", hsconf, "'); do kill -9 $p; done; true")});
}

enum class Fault { kNone, kKillAgent, kKillOsctl, kStopOsctl, kRefusedRestart };

const char* FaultName(Fault f) {
  switch (f) {
    case Fault::kNone:
      return "none";
    case Fault::kKillAgent:
      return "kill -9 agent + restart";
    case Fault::kKillOsctl:
      return "kill -9 osctl + rollback/resume";
    case Fault::kStopOsctl:
      return "SIGSTOP osctl past lease + SIGCONT";
    case Fault::kRefusedRestart:
      return "refused restart (fe05 cannot reach target)";
  }
  return "?";
}

TEST(Soak, DISABLED_Soak) {
  int runs = 20;
  (void)absl::SimpleAtoi(Env("SOAK_RUNS", "20"), &runs);
  double minutes = 0;
  (void)absl::SimpleAtod(Env("SOAK_MINUTES", "0"), &minutes);
  uint64_t seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  (void)absl::SimpleAtoi(Env("SOAK_SEED", std::to_string(seed)), &seed);
  const std::string results_path = Env("SOAK_RESULTS", "soak-results.txt");
  const std::string failure_root = Env("SOAK_FAILURE_DIR", "/tmp");
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };

  TempDir tmp;
  FakeDatabase alt(tmp.Sub("alt-db"), "16.0.4120.1");
  ASSERT_TRUE(alt.WaitReady());
  FarmOptions options;
  options.front_ends = 9;
  options.service_center = false;
  options.stays_up_ms = 300;
  options.min_healthy = "300ms";
  options.configuration_tool = true;
  options.cuttable = {"dc01"};
  for (int i = 1; i <= 9; ++i) options.cuttable.push_back(absl::StrCat("fe0", i));
  // fe05's services treat the third database as not answering: a rollout there fails
  // when fe05 restarts, after the DC and some Front-Ends already changed.
  options.service_args["fe05"] = {"--unreachable", alt.address()};
  Farm farm(tmp.Sub("farm"), options);
  ASSERT_TRUE(farm.Start());

  const std::map<std::string, std::string> files = {{"old", farm.original()},
                                                    {"new", HsconfAt(farm.new_db().address())},
                                                    {"alt", HsconfAt(alt.address())}};
  const std::map<std::string, std::string> address = {
      {"old", farm.old_db().address()}, {"new", farm.new_db().address()}, {"alt", alt.address()}};
  std::vector<std::string> names;
  for (auto& a : farm.agents()) names.push_back(a->options().name);

  // Which known file every server has; "" when they differ (or an unknown file).
  auto fleet_state = [&]() -> std::string {
    std::string first = farm.Hsconf(names[0]);
    for (const std::string& n : names) {
      if (farm.Hsconf(n) != first) return "";
    }
    for (const auto& [k, v] : files) {
      if (v == first) return k;
    }
    return "unknown-file";
  };

  std::map<std::string, int> faults, landed, outcome, follow_ups;
  int mixed = 0, done = 0, hung = 0, not_running = 0, follow_up_failures = 0, services_split = 0;
  std::vector<double> seconds;
  std::string current = "old";
  const absl::Time soak_start = absl::Now();
  std::printf("soak: seed %llu, %d runs%s\n", static_cast<unsigned long long>(seed), runs,
              minutes > 0 ? absl::StrCat(", at most ", minutes, " min").c_str() : "");

  for (int run = 1; run <= runs; ++run) {
    if (minutes > 0 && absl::Now() - soak_start > absl::Minutes(minutes)) break;
    const double dice = uniform(0, 1);
    const Fault fault = dice < 0.15   ? Fault::kNone
                        : dice < 0.4  ? Fault::kKillAgent
                        : dice < 0.65 ? Fault::kKillOsctl
                        : dice < 0.85 ? Fault::kStopOsctl
                                      : Fault::kRefusedRestart;
    const std::string target =
        fault == Fault::kRefusedRestart ? "alt" : (current == "new" ? "old" : "new");
    const std::string log = tmp.Sub(absl::StrCat("osctl-", run, ".log"));
    const absl::Time t0 = absl::Now();
    std::vector<std::string> args = {"rollout",    "apply",
                                     "--yes",      "--batch",
                                     "3",          "--lease",
                                     "2s",         "--skip-service-center",
                                     "--platform", address.at(target),
                                     "--log",      address.at(target),
                                     "--session",  address.at(target)};
    auto osctl = std::make_unique<ChildProcess>(farm.OsctlArgv(args), log, farm.OsctlEnv());
    const pid_t pid = osctl->pid();
    std::atomic<bool> exited{false};
    std::thread watchdog([&] {  // a hung osctl is a finding, not a stuck soak
      const absl::Time give_up = absl::Now() + absl::Seconds(180);
      while (!exited && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(100));
      if (!exited) {
        ++hung;
        kill(pid, SIGCONT);
        kill(pid, SIGKILL);
      }
    });
    std::string detail;
    bool hit = false;
    if (fault != Fault::kNone && fault != Fault::kRefusedRestart) {
      absl::SleepFor(absl::Seconds(uniform(0.3, 5.0)));
      hit = Running(pid);
    }
    std::string follow;
    switch (fault) {
      case Fault::kNone:
      case Fault::kRefusedRestart:
        break;
      case Fault::kKillAgent: {
        const std::string victim = names[std::uniform_int_distribution<size_t>(0, 9)(rng)];
        farm.agent(victim).process().Stop(SIGKILL);
        KillOrphans(farm.agent(victim).hsconf());
        const double down = uniform(0, 3);
        absl::SleepFor(absl::Seconds(down));
        const bool back = farm.RestartAgent(victim);
        detail = absl::StrFormat("%s down %.1fs%s", victim, down, back ? "" : " (RESTART FAILED)");
        break;
      }
      case Fault::kKillOsctl:
        kill(pid, SIGKILL);
        break;
      case Fault::kStopOsctl: {
        kill(pid, SIGSTOP);
        const double frozen = absl::ToDoubleSeconds(kLease) + uniform(0.5, 2.0);
        absl::SleepFor(absl::Seconds(frozen));
        kill(pid, SIGCONT);
        detail = absl::StrFormat("frozen %.1fs", frozen);
        break;
      }
    }
    const int code = osctl->Wait();
    exited = true;
    watchdog.join();
    if (fault == Fault::kKillOsctl) {
      follow = uniform(0, 1) < 0.5 ? "rollback" : "resume";
      std::vector<std::string> args = {"rollout", follow};
      if (follow == "resume") args.push_back("--yes");
      ProcessResult r = farm.Osctl(args);
      WriteFile(log + "." + follow, absl::StrCat("exit ", r.exit_code, "\n", r.out, r.err));
      follow = absl::StrCat(follow, "=", r.exit_code);
      if (r.exit_code != 0) {
        std::string said = r.err.empty() ? r.out : r.err;
        while (!said.empty() && said.back() == '\n') said.pop_back();
        if (said.rfind('\n') != std::string::npos) said = said.substr(said.rfind('\n') + 1);
        detail = absl::StrCat("(", said.substr(0, 100), ")");
        if (++follow_up_failures <= 3) {  // kept for a look: not a split fleet by itself
          const std::string keep = absl::StrCat(failure_root, "/soak-followup-", run);
          RunProgram({"/bin/sh", "-c",
                      absl::StrCat("mkdir -p ", keep, " && cp ", log, "* ", keep, "/ && cp -r ",
                                   farm.journal_dir(), " ", keep, "/journal; for a in ",
                                   absl::StrJoin(names, " "), "; do cp ", tmp.Sub("farm"),
                                   "/$a/osagent.log ", keep, "/$a.osagent.log; done; true")});
        }
      }
      ++follow_ups[follow];
    }
    // Pending changes revert within a lease: give them two, then the fleet must agree.
    absl::SleepFor(kLease * 2 + absl::Milliseconds(500));
    std::string state;
    WaitFor([&] { return !(state = fleet_state()).empty(); }, absl::Seconds(30));
    absl::SleepFor(absl::Milliseconds(300));
    const std::string again = fleet_state();
    // The services too: each must run on what its file names (read at its start).
    const bool services_agree =
        address.count(state) > 0 && WaitFor(
                                        [&] {
                                          for (const std::string& n : names) {
                                            if (!farm.ServicesRunOn(n, address.at(state))) {
                                              return false;
                                            }
                                          }
                                          return true;
                                        },
                                        absl::Seconds(30));
    if (!services_agree) ++services_split;
    ProcessResult status = farm.Osctl({"rollout", "status"});
    const bool split = absl::StartsWith(status.out, "SPLIT FLEET") ||
                       absl::StartsWith(status.out, "NOT CONVERGED") || state.empty() ||
                       state == "unknown-file" || again != state || !services_agree;
    if (!WaitFor([&] { return farm.AllRunningEverywhere(); }, absl::Seconds(30))) ++not_running;
    const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
    seconds.push_back(secs);
    ++done;
    ++faults[FaultName(fault)];
    if (hit || fault == Fault::kRefusedRestart) ++landed[FaultName(fault)];
    ++outcome[split ? "MIXED" : (state == target ? "on target" : "back where it was")];
    std::printf(
        "run %3d  %-44s %s%s -> %s, osctl exit %d%s%s, fleet: %s, %.1fs\n", run, FaultName(fault),
        hit ? "[hit] "
            : (fault == Fault::kNone || fault == Fault::kRefusedRestart ? "" : "[missed] "),
        current.c_str(), target.c_str(), code, detail.empty() ? "" : (", " + detail).c_str(),
        follow.empty() ? "" : (", " + follow).c_str(),
        split ? absl::StrCat("MIXED (", again, ") ", status.out.substr(0, 120)).c_str()
              : state.c_str(),
        secs);
    std::fflush(stdout);
    if (split) {
      ++mixed;
      const std::string dir = absl::StrCat(failure_root, "/soak-failure-", mixed);
      RunProgram(
          {"/bin/sh", "-c",
           absl::StrCat("mkdir -p ", dir, " && cp -r ", farm.journal_dir(), " ", dir,
                        "/journal; cp ", log, "* ", dir, "/; for a in ", absl::StrJoin(names, " "),
                        "; do mkdir -p ", dir, "/$a; cp ", tmp.Sub("farm"), "/$a/osagent.log ",
                        tmp.Sub("farm"), "/$a/server.hsconf ", dir, "/$a/; done; true")});
      WriteFile(dir + "/status.txt", status.out + status.err);
      WriteFile(dir + "/run.txt",
                absl::StrCat("seed ", seed, " run ", run, " fault ", FaultName(fault), " ", detail,
                             " ", follow, " from ", current, " to ", target, "\n"));
      ProcessResult fix = farm.Osctl({"rollout", "rollback", "--yes"});  // to carry on
      WriteFile(dir + "/repair.txt", fix.out + fix.err);
      absl::SleepFor(kLease * 2);
      state = fleet_state();
      if (state.empty()) break;
    }
    current = state;
  }

  std::sort(seconds.begin(), seconds.end());
  const double total = absl::ToDoubleSeconds(absl::Now() - soak_start);
  std::string summary = absl::StrFormat(
      "soak summary: seed %llu; %d runs in %.1f min (%.1f s per run: median %.1f, max %.1f)\n",
      static_cast<unsigned long long>(seed), done, total / 60, done ? total / done : 0,
      seconds.empty() ? 0 : seconds[seconds.size() / 2], seconds.empty() ? 0 : seconds.back());
  for (const auto& [k, v] : faults) {
    absl::StrAppendFormat(&summary, "  fault %-44s %3d runs, landed while osctl ran: %d\n", k, v,
                          landed[k]);
  }
  for (const auto& [k, v] : follow_ups) {
    absl::StrAppendFormat(&summary, "  follow-up %s: %d\n", k, v);
  }
  for (const auto& [k, v] : outcome) absl::StrAppendFormat(&summary, "  ended %s: %d\n", k, v);
  absl::StrAppendFormat(&summary,
                        "  mixed: %d (services on another address than their file: %d); osctl "
                        "hung: %d; services not all running: %d\n",
                        mixed, services_split, hung, not_running);
  std::printf("%s", summary.c_str());
  std::ofstream(results_path) << summary;
  EXPECT_EQ(mixed, 0);
  EXPECT_EQ(hung, 0);
}

}  // namespace
}  // namespace osfleet::testing
