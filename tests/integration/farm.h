// A whole simulated OutSystems farm on loopback for rollout tests: an old and a new
// database (fake SQL Servers), a fake Service Center, one Deployment Controller and N
// Front-Ends, each a real osagent supervising simulated OutSystems services that stay up
// only while their databases answer. Everything talks mTLS with certificates made by
// `osctl pki`, as a real fleet does.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/integration/net_cut.h"

namespace osfleet::testing {

struct FarmOptions {
  int front_ends = 4;
  bool service_center = true;
  std::string sc_mode = "ok";
  std::vector<std::string> sc_args;  // more arguments for the fake Service Center
  int stays_up_ms = 200;
  std::string min_healthy = "200ms";
  // Per server name: extra arguments for its simulated services, extra agent config YAML
  // ("{new}" in either: the new database's address).
  std::map<std::string, std::vector<std::string>> service_args;
  std::map<std::string, std::string> extra_config;
  // With a SQL Server Browser for instance NEWINST on the new database.
  bool new_db_browser = false;
  // Servers osctl reaches through a NetCut (the inventory names the relay's port).
  std::vector<std::string> cuttable;
  // Every agent runs the fake ConfigurationTool.com (/UpgradeInstall) after each change
  // (its record: <dir>/<name>/tool.jsonl).
  bool configuration_tool = false;
  int tool_delay_ms = 50;    // how long each of its runs takes
  int tool_progress_ms = 0;  // > 0: while it runs, a log line every N ms (--progress-ms)
  // The server.hsconf every server starts from (tests/fixtures/hsconf/), its three
  // addresses set to the old database; advanced-settings addresses naming the fixture's
  // host move with them, so they name the old database's host too.
  std::string fixture = "sqlserver-dc.hsconf";
  // The old database's host as the files name it; e.g. "localhost", so that moving to the
  // new database (127.0.0.1) changes the host and not only the port.
  std::string old_host = "127.0.0.1";
  // The rollout's preflight compares the new database with the old one (agent/probe/
  // identity.h). By default both fakes present one CA-issued certificate (made with the
  // farm's PKI) and report one version: cluster nodes sharing a certificate, whose verdict
  // is `unknown` (a warning), while each can still be stopped on its own. false: each makes
  // its own self-signed certificate, as two separate instances do (`different`).
  bool shared_db_certificate = true;
  // More osfleet-fake-sqlserver arguments for the old database ("--listen", "127.0.0.2").
  std::vector<std::string> old_db_args;
};

class Farm {
 public:
  Farm(std::string dir, FarmOptions options);
  ~Farm();
  // Starts everything and waits until every service of every agent runs.
  bool Start();

  FakeDatabase& old_db() { return *old_db_; }
  FakeDatabase& new_db() { return *new_db_; }
  std::vector<std::unique_ptr<Agent>>& agents() { return agents_; }
  Agent& agent(const std::string& name);
  NetCut& net(const std::string& name) { return *nets_.at(name); }
  // Starts a server's agent again (after the test killed it) on the same files; a
  // cuttable server stays at the same inventory address.
  bool RestartAgent(const std::string& name);
  const std::string& inventory() const { return inventory_; }
  std::string journal_dir() const { return dir_ + "/osctl-state/rollouts"; }

  // osctl with this farm's inventory and state dir (plaintext on loopback).
  std::vector<std::string> OsctlArgv(const std::vector<std::string>& args) const;
  ProcessResult Osctl(const std::vector<std::string>& args) const;
  std::map<std::string, std::string> OsctlEnv() const;

  std::string Hsconf(const std::string& name) { return ReadFile(agent(name).hsconf()); }
  const std::string& original() const { return original_; }
  // The old database's address as the files name it (FarmOptions::old_host).
  std::string old_address() const;
  bool AllRunning(const std::string& name);
  bool AllRunningEverywhere();
  // The servers' names, Deployment Controller first.
  std::vector<std::string> Names() const;
  // Waits until every server's server.hsconf is the original file again.
  bool EveryFileIsTheOriginal(absl::Duration patience);
  // The Platform address each simulated service of `name` runs on: what it read from
  // server.hsconf when it last started (its --report), "" for one that never ran.
  std::vector<std::string> RunningPlatform(const std::string& name);
  // True when every service of `name` runs, started on `platform`.
  bool ServicesRunOn(const std::string& name, const std::string& platform);
  std::vector<nlohmann::json> ScRequests() const;
  // The newest rollout journal, parsed (null when none).
  nlohmann::json Journal() const;

 private:
  bool MakePki();
  bool StartAgent(const std::string& name, const std::string& role);
  std::string AgentYaml(const std::string& name, const std::string& role) const;
  std::string ReportPath(const std::string& name, size_t service) const;

  std::string dir_;
  FarmOptions options_;
  std::unique_ptr<FakeDatabase> old_db_, new_db_;
  std::unique_ptr<ChildProcess> sc_;
  int sc_port_ = 0;
  int browser_port_ = 0;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::map<std::string, std::unique_ptr<NetCut>> nets_;
  std::string inventory_, original_;
};

}  // namespace osfleet::testing
