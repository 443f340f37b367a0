// A simulated OutSystems service (Deployment, Scheduler, ...) for tests and the demo: it
// reads server.hsconf, connects to its Platform, Log and Session databases the way the
// agent's probe does (TCP + TDS PRELOGIN for SQL Server), and stays up only while they
// all answer. It exits 3 with a clear message as soon as one does not, so a wrong
// endpoint really breaks it.
//
//   osfleet-simulated-service --name "OutSystems Deployment Service" --hsconf F
//                             [--check-interval-ms 200] [--timeout-ms 1000]
//                             [--unreachable ADDRESS] [--as-service]
// --unreachable makes the service treat one database address as not answering, like a
// firewall rule that only this server's services hit. --as-service (Windows): run as the
// Service Control Manager's service NAME, reporting running once every database answered
// (so a start against a wrong address fails while start-pending, as a real one does).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/probe/probe.h"
#include "common/atomic_file.h"
#include "common/hsconf.h"
#include "common/platform/os_service.h"
#include "common/platform/stop_signal.h"

namespace {

std::atomic<bool> g_stop{false};

struct Options {
  std::string name = "OutSystems Service";
  std::string hsconf;
  int check_interval_ms = 200;
  int timeout_ms = 1000;
  std::string unreachable;
  bool as_service = false;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--as-service") == 0) {
      o.as_service = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string flag = args[i], value = args[i + 1];
    if (flag == "--name") {
      o.name = value;
    } else if (flag == "--hsconf") {
      o.hsconf = value;
    } else if (flag == "--check-interval-ms") {
      if (!absl::SimpleAtoi(value, &o.check_interval_ms)) return false;
    } else if (flag == "--unreachable") {
      o.unreachable = value;
    } else if (flag == "--timeout-ms") {
      if (!absl::SimpleAtoi(value, &o.timeout_ms)) return false;
    } else {
      return false;
    }
  }
  return args.size() % 2 == 0 && !o.hsconf.empty();
}

osfleet::agent::ProbeOutcome Reach(const osfleet::DatabaseSection& s,
                                   const osfleet::agent::ProbeOptions& options) {
  osfleet::agent::ProbeOutcome out;
  if (s.sql_server.has_value()) return osfleet::agent::ProbeSqlServer(*s.sql_server, options);
  if (s.oracle.has_value()) return osfleet::agent::ProbeOracle(*s.oracle, options);
  out.error = absl::StrCat("cannot use the address '", s.address, "'");
  return out;
}

// Empty when every database answers; otherwise what is wrong.
std::string CheckDatabases(const Options& o) {
  absl::StatusOr<std::string> bytes = osfleet::ReadFileCapped(o.hsconf, osfleet::kMaxHsconfBytes);
  if (!bytes.ok()) return std::string(bytes.status().message());
  absl::StatusOr<osfleet::HsconfDocument> doc = osfleet::ParseHsconf(*std::move(bytes));
  if (!doc.ok()) return absl::StrCat(o.hsconf, ": ", doc.status().message());
  osfleet::agent::ProbeOptions options;
  options.timeout = absl::Milliseconds(o.timeout_ms);
  for (osfleet::DatabaseId id : osfleet::kAllDatabases) {
    const osfleet::DatabaseSection& s = doc->section(id);
    if (!o.unreachable.empty() && s.address == o.unreachable) {
      return absl::StrCat("cannot reach the ", osfleet::ShortName(id), " database at ", s.address,
                          ": connection timed out (blocked on this server)");
    }
    osfleet::agent::ProbeOutcome r = Reach(s, options);
    if (!r.ok) {
      return absl::StrCat("cannot reach the ", osfleet::ShortName(id), " database at ", s.address,
                          ": ", r.error);
    }
  }
  return "";
}

// Checks the databases every interval until a stop request; 3 as soon as one does not
// answer. ready() runs after the first check that passed.
int RunService(const Options& o, const std::function<void()>& ready) {
  bool announced = false;
  while (!g_stop) {
    const std::string problem = CheckDatabases(o);
    if (!problem.empty()) {
      std::fprintf(stderr, "%s: %s\n", o.name.c_str(), problem.c_str());
      return 3;
    }
    if (!announced) {
      std::fprintf(stderr, "%s: running; every database answers\n", o.name.c_str());
      ready();
      announced = true;
    }
    for (int waited = 0; waited < o.check_interval_ms && !g_stop; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::fprintf(stderr, "%s: stopped\n", o.name.c_str());
  return 0;
}

// The stop request (SIGTERM/SIGINT, Ctrl-C, the SCM's stop) sets g_stop.
int WithStopSignal(const Options& o, const std::function<void()>& ready) {
  osfleet::platform::StopSignal stop;
  std::thread waiter([&stop] {
    stop.Wait();
    g_stop = true;
  });
  waiter.detach();  // a service that fails ends the process with the waiter still blocked
  return RunService(o, ready);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s --name NAME --hsconf FILE [--check-interval-ms N] "
                 "[--timeout-ms N] [--unreachable ADDRESS] [--as-service]\n",
                 argv[0]);
    return 2;
  }
  if (!o.as_service) return WithStopSignal(o, [] {});
  osfleet::platform::Result<int> ran = osfleet::platform::RunAsService(
      o.name, [&o](const std::function<void()>& ready) { return WithStopSignal(o, ready); });
  if (!ran.ok()) {
    std::fprintf(stderr, "%s: %s\n", o.name.c_str(), ran.error().Message().c_str());
    return 2;
  }
  return *ran;
}
