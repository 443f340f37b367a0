#include "tests/integration/farm.h"

#include <algorithm>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/model/hsconf.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

constexpr char kScUser[] = "osfleet-admin";
constexpr char kScHash[] = "FarmTestHash0123456789";

std::string HsconfAt(const std::string& fixture, const std::string& address) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFile(FixturePath(fixture)));
  EXPECT_OK(doc) << fixture;
  std::vector<EndpointEdit> edits;
  for (DatabaseId id : kAllDatabases) edits.push_back({id, address});
  absl::StatusOr<EditResult> edit = ApplyEdits(*doc, edits, AdvancedSettingsChoice::kRewrite);
  EXPECT_OK(edit) << fixture;
  return edit.ok() ? edit->bytes : "";
}

std::string Quoted(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) absl::StrAppend(&out, ", \"", a, "\"");
  return out;
}

}  // namespace

Farm::Farm(std::string dir, FarmOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  mkdir(dir_.c_str(), 0755);
}

Farm::~Farm() {
  for (auto& a : agents_) a->process().Stop(SIGTERM);
}

std::string Farm::old_address() const {
  return absl::StrCat(options_.old_host, ",", old_db_->port());
}

Agent& Farm::agent(const std::string& name) {
  for (auto& a : agents_) {
    if (a->options().name == name) return *a;
  }
  return *agents_.front();
}

std::string Farm::AgentYaml(const std::string& name, const std::string& role) const {
  const std::string hsconf = dir_ + "/" + name + "/server.hsconf";
  std::string yaml =
      absl::StrCat("start_services: true\nmin_healthy: ", options_.min_healthy,
                   "\ntls: {cert: ", dir_, "/pki/", name, ".pem, key: ", dir_, "/pki/", name,
                   ".key, ca: ", dir_, "/pki/ca.pem}\n", "services:\n");
  auto extra = options_.service_args.find(name);
  std::vector<std::string> args =
      extra == options_.service_args.end() ? std::vector<std::string>() : extra->second;
  for (std::string& a : args) {
    if (a == "{new}") a = new_db_->address();  // the new database's address, once known
  }
  std::vector<std::string> names = {"OutSystems Deployment Service",
                                    "OutSystems Scheduler Service"};
  if (role == "deployment_controller") {
    names.insert(names.begin(), "OutSystems Deployment Controller Service");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& svc = names[i];
    absl::StrAppend(&yaml, "  - name: ", svc, "\n    backend: process\n    command: [\"", BinDir(),
                    "/osfleet-simulated-service\", --name, \"", svc, "\", --hsconf, \"", hsconf,
                    "\", --report, \"", ReportPath(name, i),
                    "\", --check-interval-ms, \"50\", --timeout-ms, \"500\"", Quoted(args),
                    "]\n    ready: {stays_up_ms: ", options_.stays_up_ms,
                    "}\n    start_timeout: 10s\n    stop_timeout: 5s\n");
  }
  if (role == "deployment_controller" && options_.service_center) {
    absl::StrAppend(&yaml, "service_center:\n  url: http://127.0.0.1:", sc_port_,
                    "\n  user: ", kScUser, "\n  password_hash_file: ", dir_,
                    "/sc.hash\n  poll_interval: 20ms\n");
  }
  if (options_.configuration_tool) {
    const std::string d = dir_ + "/" + name;
    absl::StrAppend(&yaml, "configuration_tool:\n  command: [\"", BinDir(),
                    "/osfleet-fake-configuration-tool\", \"--hsconf=", hsconf, "\", \"--record=", d,
                    "/tool.jsonl\", \"--log=", d,
                    "/tool.log\", \"--delay-ms=", options_.tool_delay_ms,
                    "\", \"--progress-ms=", options_.tool_progress_ms, "\"]\n",
                    "  apply: [/UpgradeInstall]\n  timeout: 60s\n  log_file: ", d, "/tool.log\n");
  }
  auto more = options_.extra_config.find(name);
  const bool own_probe =
      more != options_.extra_config.end() && more->second.find("probe:") != std::string::npos;
  if (options_.new_db_browser && !own_probe) {
    absl::StrAppend(&yaml, "probe: {timeout: 2s, sql_browser_port: ", browser_port_, "}\n");
  }
  if (more != options_.extra_config.end()) {
    yaml += absl::StrReplaceAll(more->second, {{"{new}", new_db_->address()}});
  }
  return yaml;
}

// The farm's PKI, made with `osctl pki`: a CA, a certificate per agent, and the operator
// certificate osctl and the tests use ("tester").
bool Farm::MakePki() {
  const std::string pki = dir_ + "/pki";
  std::vector<std::vector<std::string>> commands = {
      {"pki", "init", "--dir", pki},
      {"pki", "issue", "operator", "tester", "--role", "operator", "--dir", pki}};
  commands.push_back({"pki", "issue", "agent", "dc01", "--dir", pki});
  commands.push_back({"pki", "issue", "agent", "database", "--dir", pki});  // the fake SQL Servers
  for (int i = 1; i <= options_.front_ends; ++i) {
    commands.push_back({"pki", "issue", "agent", absl::StrCat("fe0", i), "--dir", pki});
  }
  for (std::vector<std::string>& args : commands) {
    args.insert(args.begin(), BinDir() + "/osctl");
    ProcessResult r = RunProgram(args);
    if (r.exit_code != 0) {
      ADD_FAILURE() << r.err;
      return false;
    }
  }
  return true;
}

bool Farm::StartAgent(const std::string& name, const std::string& role) {
  const std::string dir = dir_ + "/" + name;
  mkdir(dir.c_str(), 0755);
  WriteFile(dir + "/server.hsconf", original_);
  WriteFile(dir + "/agent.yaml", AgentYaml(name, role));
  AgentOptions options{name, role, ""};
  options.extra_args = {"--config", dir + "/agent.yaml"};
  options.insecure = false;  // mTLS with the farm's PKI (agent.yaml `tls:`)
  agents_.push_back(std::make_unique<Agent>(dir, options));
  return agents_.back()->WaitReady();
}

bool Farm::RestartAgent(const std::string& name) {
  for (auto& a : agents_) {
    if (a->options().name != name) continue;
    const std::string dir = a->dir();
    const AgentOptions options = a->options();
    a = std::make_unique<Agent>(dir, options);
    if (!a->WaitReady()) return false;
    if (nets_.count(name) > 0) nets_[name]->set_upstream(a->port());
    return true;
  }
  return false;
}

bool Farm::Start() {
  if (!MakePki()) return false;
  std::vector<std::string> tls;
  if (options_.shared_db_certificate) {
    tls = {"--tls",  "files",
           "--cert", dir_ + "/pki/database.pem",
           "--key",  dir_ + "/pki/database.key"};
  }
  std::vector<std::string> old_args = tls;
  old_args.insert(old_args.end(), options_.old_db_args.begin(), options_.old_db_args.end());
  old_db_ = std::make_unique<FakeDatabase>(dir_ + "/old-db", "15.0.4153.1", "", old_args);
  new_db_ = std::make_unique<FakeDatabase>(dir_ + "/new-db", "15.0.4153.1",
                                           options_.new_db_browser ? "NEWINST" : "", tls);
  if (!old_db_->WaitReady() || !new_db_->WaitReady()) return false;
  browser_port_ = new_db_->browser_port();
  original_ = HsconfAt(options_.fixture, old_address());
  if (options_.service_center) {
    WriteFile(dir_ + "/sc.hash", absl::StrCat("#", kScHash, "\n"));
    chmod((dir_ + "/sc.hash").c_str(), 0600);
    std::vector<std::string> sc_argv = {
        "/usr/bin/python3", std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py",
        "--port-file",      dir_ + "/sc.port",
        "--user",           kScUser,
        "--hash",           kScHash,
        "--mode",           options_.sc_mode,
        "--request-log",    dir_ + "/sc-requests.jsonl"};
    sc_argv.insert(sc_argv.end(), options_.sc_args.begin(), options_.sc_args.end());
    sc_ = std::make_unique<ChildProcess>(sc_argv, dir_ + "/sc.log");
    if (!WaitFor([this] { return absl::SimpleAtoi(ReadFile(dir_ + "/sc.port"), &sc_port_); },
                 absl::Seconds(20))) {
      return false;
    }
  }
  std::vector<InventoryEntry> entries;
  if (!StartAgent("dc01", "deployment_controller")) return false;
  for (int i = 1; i <= options_.front_ends; ++i) {
    if (!StartAgent(absl::StrCat("fe0", i), "front_end")) return false;
  }
  for (auto& a : agents_) {
    std::string address = a->address();
    const std::string& name = a->options().name;
    if (std::find(options_.cuttable.begin(), options_.cuttable.end(), name) !=
        options_.cuttable.end()) {
      nets_[name] = std::make_unique<NetCut>(a->port());
      address = absl::StrCat("127.0.0.1:", nets_[name]->port());
    }
    entries.push_back({name, address, a->options().role});
  }
  inventory_ = WriteInventory(
      dir_ + "/inventory.yaml", entries,
      "defaults:\n  tls: {ca: pki/ca.pem, cert: pki/tester.pem, key: pki/tester.key}");
  return WaitFor([this] { return AllRunningEverywhere(); }, absl::Seconds(30));
}

std::map<std::string, std::string> Farm::OsctlEnv() const {
  return {{"NO_COLOR", "1"}, {"OSFLEET_STATE_DIR", dir_ + "/osctl-state"}};
}

std::vector<std::string> Farm::OsctlArgv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {BinDir() + "/osctl", "--inventory", inventory_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ProcessResult Farm::Osctl(const std::vector<std::string>& args) const {
  return RunProgram(OsctlArgv(args), OsctlEnv());
}

bool Farm::AllRunning(const std::string& name) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(dir_ + "/pki/ca.pem");
  tls.pem_cert_chain = ReadFile(dir_ + "/pki/tester.pem");
  tls.pem_private_key = ReadFile(dir_ + "/pki/tester.key");
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(name);
  v1::Services::Stub stub(
      grpc::CreateCustomChannel(agent(name).address(), grpc::SslCredentials(tls), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::ListServicesResponse list;
  if (!stub.List(&ctx, {}, &list).ok() || list.services().empty()) return false;
  for (const auto& s : list.services()) {
    if (s.state() != v1::SERVICE_STATE_RUNNING) return false;
  }
  return true;
}

std::string Farm::ReportPath(const std::string& name, size_t service) const {
  return absl::StrCat(dir_, "/", name, "/service-", service, ".running.json");
}

std::vector<std::string> Farm::RunningPlatform(const std::string& name) {
  std::vector<std::string> out;
  const size_t services = name == "dc01" ? 3 : 2;
  for (size_t i = 0; i < services; ++i) {
    nlohmann::json j = nlohmann::json::parse(ReadFile(ReportPath(name, i)), nullptr, false);
    out.push_back(j.is_object() && j["platform"].is_string() ? j["platform"].get<std::string>()
                                                             : "");
  }
  return out;
}

bool Farm::ServicesRunOn(const std::string& name, const std::string& platform) {
  for (const std::string& p : RunningPlatform(name)) {
    if (p != platform) return false;
  }
  return AllRunning(name);
}

std::vector<std::string> Farm::Names() const {
  std::vector<std::string> out;
  for (const auto& a : agents_) out.push_back(a->options().name);
  return out;
}

bool Farm::EveryFileIsTheOriginal(absl::Duration patience) {
  return WaitFor(
      [&] {
        for (const std::string& n : Names()) {
          if (Hsconf(n) != original_) return false;
        }
        return true;
      },
      patience);
}

bool Farm::AllRunningEverywhere() {
  for (auto& a : agents_) {
    if (!AllRunning(a->options().name)) return false;
  }
  return true;
}

std::vector<nlohmann::json> Farm::ScRequests() const {
  std::vector<nlohmann::json> out;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(dir_ + "/sc-requests.jsonl"), '\n', absl::SkipEmpty())) {
    out.push_back(nlohmann::json::parse(std::string(line), nullptr, false));
  }
  return out;
}

nlohmann::json Farm::Journal() const {
  ProcessResult ls = RunProgram({"/bin/sh", "-c", "ls -1 " + journal_dir() + "/*.json | tail -1"});
  std::string path = ls.out;
  while (!path.empty() && path.back() == '\n') path.pop_back();
  if (path.empty()) return nullptr;
  return nlohmann::json::parse(ReadFile(path), nullptr, false);
}

}  // namespace osfleet::testing
