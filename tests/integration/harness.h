// Test harness for integration tests: temp dirs, real osagent processes on
// 127.0.0.1:0 (the bound port read from --port-file), and osctl runs with their output.
#pragma once

#include <sys/types.h>

#include <signal.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::testing {

std::string BinDir();                              // where osagent and osctl were built
std::string FixturePath(const std::string& name);  // tests/fixtures/hsconf/<name>

struct ProcessResult {
  int exit_code = -1;  // 128+signal when killed
  std::string out;
  std::string err;
};

// Runs a program to completion (stdin closed) and captures stdout and stderr.
ProcessResult RunProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});
ProcessResult RunOsctl(const std::vector<std::string>& args);

struct MeasuredRun {
  int exit_code = -1;       // 128+signal when killed
  int64_t max_rss_kib = 0;  // the process's peak resident set (VmHWM), from wait4
  std::string output;       // stdout and stderr, interleaved
};

// osctl with stdout and stderr in `out_path` (its output may be large), reaped with wait4
// for its peak memory: a memory bound is asserted on that, never on timing.
MeasuredRun RunOsctlMeasured(const std::vector<std::string>& args, const std::string& out_path);

// A child process started with fork/exec; SIGTERM and reaped on destruction.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
                        const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  pid_t pid() const { return pid_; }
  // Sends sig and waits for the exit status (128+signal when killed by it).
  int Stop(int sig);
  // Waits for the process to exit by itself; its exit status.
  int Wait();
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

struct AgentOptions {
  std::string name = "dc01";
  std::string role = "deployment_controller";
  std::string fixture = "sqlserver-dc.hsconf";  // copied to <dir>/server.hsconf
  std::vector<std::string> extra_args{};        // e.g. TLS flags instead of --insecure
  bool insecure = true;
  std::string hsconf{};  // serve this path instead of <dir>/server.hsconf (fixture unused)
};

// A real osagent serving a copy of a fixture from its own folder.
class Agent {
 public:
  Agent(const std::string& dir, AgentOptions options);
  // Waits for the port file (the agent writes it once serving). False on timeout or exit.
  bool WaitReady(absl::Duration timeout = absl::Seconds(20));
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& hsconf() const { return hsconf_; }
  const std::string& dir() const { return dir_; }
  const std::string& log() const { return log_; }
  const AgentOptions& options() const { return options_; }
  ChildProcess& process() { return *process_; }

 private:
  std::string dir_, hsconf_, port_file_, log_;
  AgentOptions options_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

struct InventoryEntry {
  std::string name, address, role;
  std::map<std::string, std::string> labels{};
};

// Writes an inventory YAML file and returns its path.
std::string WriteInventory(const std::string& path, const std::vector<InventoryEntry>& servers,
                           const std::string& defaults_yaml = "");

// A free loopback port nobody listens on (bound, then closed).
int UnusedPort();

// Polls `ready` every few milliseconds until it is true or `timeout` passes. For waiting
// on a condition another process brings about; never a fixed sleep.
bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout);

// osfleet-fake-sqlserver as a real process on 127.0.0.1:0 (a "database").
class FakeDatabase {
 public:
  // instance: also answer as a SQL Server Browser for this named instance. extra: more
  // osfleet-fake-sqlserver arguments ("--listen", "127.0.0.2", "--tls", "none", ...).
  FakeDatabase(const std::string& dir, const std::string& version = "15.0.4153.1",
               const std::string& instance = "", const std::vector<std::string>& extra = {});
  int browser_port() const { return browser_port_; }
  bool WaitReady();
  int port() const { return port_; }
  // "127.0.0.1,PORT": its address in SQL Server form.
  std::string address() const { return "127.0.0.1," + std::to_string(port_); }
  void Stop() { process_->Stop(SIGTERM); }

 private:
  std::string port_file_, browser_port_file_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  int browser_port_ = 0;
};

}  // namespace osfleet::testing
