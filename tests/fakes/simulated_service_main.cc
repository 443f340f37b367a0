// A simulated OutSystems service (Deployment, Scheduler, ...) for tests and the demo, as
// strict as the real one about its configuration:
//   - it reads server.hsconf ONCE, when it starts, and never again: a change or a revert
//     of the file takes effect only when the service is restarted (OutSystems services load
//     their configuration at start-up: docs-product "server.hsconf Configuration File
//     Reference" and the Configuration Tool's "Apply and Exit", which restarts the services
//     for a change to apply; DESIGN.md §11). A file it cannot read or parse at start
//     fails the start (exit 3), as the real services do.
//   - it connects to the Platform, Log and Session databases it read at start the way the
//     agent's probe does (TCP + TDS PRELOGIN for SQL Server) and stays up only while they
//     all answer; it exits 3 with a clear message as soon as one does not, so a wrong
//     endpoint really breaks it (the real services fail to start, or stop, without their
//     databases).
//   - it reports which addresses it runs on: in its log line at start and, with --report,
//     in a JSON file written at start ({"name", "pid", "revision", "platform", "log",
//     "session"}), so a test can tell a service running on an old address from its file.
//
//   osfleet-simulated-service --name "OutSystems Deployment Service" --hsconf F
//                             [--check-interval-ms 200] [--timeout-ms 1000]
//                             [--unreachable ADDRESS] [--report FILE] [--as-service]
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

#include <nlohmann/json.hpp>
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/probe/probe.h"

#include "common/io/atomic_file.h"
#include "common/model/hsconf.h"
#include "common/platform/host_info.h"
#include "common/platform/os_service.h"
#include "common/platform/stop_signal.h"
#include "common/text/json_util.h"

namespace {

std::atomic<bool> g_stop{false};

struct Options {
  std::string name = "OutSystems Service";
  std::string hsconf;
  int check_interval_ms = 200;
  int timeout_ms = 1000;
  std::string unreachable;
  std::string report;
  bool as_service = false;
};

// What the service read at start and runs on until it stops.
struct RunningConfig {
  std::string revision;
  std::vector<osfleet::DatabaseSection> sections;  // kAllDatabases order
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
    } else if (flag == "--report") {
      o.report = value;
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

// server.hsconf as it is now (read once, at start); an error says why it cannot be used.
absl::StatusOr<RunningConfig> LoadConfig(const Options& o) {
  absl::StatusOr<std::string> bytes = osfleet::ReadFileCapped(o.hsconf, osfleet::kMaxHsconfBytes);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<osfleet::HsconfDocument> doc = osfleet::ParseHsconf(*std::move(bytes));
  if (!doc.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(o.hsconf, ": ", doc.status().message()));
  }
  RunningConfig config{doc->revision, {}};
  for (osfleet::DatabaseId id : osfleet::kAllDatabases) config.sections.push_back(doc->section(id));
  return config;
}

// Empty when every database answers; otherwise what is wrong.
std::string CheckDatabases(const Options& o, const RunningConfig& config) {
  osfleet::agent::ProbeOptions options;
  options.timeout = absl::Milliseconds(o.timeout_ms);
  for (size_t i = 0; i < config.sections.size(); ++i) {
    const osfleet::DatabaseSection& s = config.sections[i];
    const absl::string_view name = osfleet::ShortName(osfleet::kAllDatabases[i]);
    if (!o.unreachable.empty() && s.address == o.unreachable) {
      return absl::StrCat("cannot reach the ", name, " database at ", s.address,
                          ": connection timed out (blocked on this server)");
    }
    osfleet::agent::ProbeOutcome r = Reach(s, options);
    if (!r.ok) {
      return absl::StrCat("cannot reach the ", name, " database at ", s.address, ": ", r.error);
    }
  }
  return "";
}

std::string Describe(const RunningConfig& config) {
  std::string text;
  for (size_t i = 0; i < config.sections.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ", ", osfleet::ShortName(osfleet::kAllDatabases[i]), " ",
                    config.sections[i].address);
  }
  return absl::StrCat(text, " (server.hsconf revision ", config.revision, ")");
}

// --report: what the service runs on, written once at start (atomically).
std::string WriteReport(const Options& o, const RunningConfig& config) {
  if (o.report.empty()) return "";
  nlohmann::json j = {{"name", o.name},
                      {"pid", static_cast<int64_t>(osfleet::platform::CurrentProcessId())},
                      {"revision", config.revision}};
  for (size_t i = 0; i < config.sections.size(); ++i) {
    j[std::string(osfleet::ShortName(osfleet::kAllDatabases[i]))] = config.sections[i].address;
  }
  absl::Status s = osfleet::WriteFileAtomically(o.report, osfleet::DumpJson(j, 2) + "\n");
  return s.ok() ? "" : std::string(s.message());
}

// Checks the databases read at start every interval until a stop request; 3 as soon as
// one does not answer. ready() runs after the first check that passed.
int RunService(const Options& o, const std::function<void()>& ready) {
  absl::StatusOr<RunningConfig> config = LoadConfig(o);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: cannot start: %s\n", o.name.c_str(),
                 std::string(config.status().message()).c_str());
    return 3;
  }
  bool announced = false;
  while (!g_stop) {
    const std::string problem = CheckDatabases(o, *config);
    if (!problem.empty()) {
      std::fprintf(stderr, "%s: %s\n", o.name.c_str(), problem.c_str());
      return 3;
    }
    if (!announced) {
      if (const std::string failed = WriteReport(o, *config); !failed.empty()) {
        std::fprintf(stderr, "%s: --report: %s\n", o.name.c_str(), failed.c_str());
        return 3;
      }
      std::fprintf(stderr, "%s: running on %s; every database answers\n", o.name.c_str(),
                   Describe(*config).c_str());
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
                 "[--timeout-ms N] [--unreachable ADDRESS] [--report FILE] [--as-service]\n",
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
