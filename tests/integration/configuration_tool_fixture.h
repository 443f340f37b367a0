// The Configuration Tool tests' fixture: a simulated farm whose agents each run a fake
// ConfigurationTool.com (tests/fakes) after every change of server.hsconf, recording what
// it was run with; osctl against it; the credentials files an operator gives.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "Pa55-w0rd!for-the-SA";
constexpr char kWindowsAuthSettings[] =
    "[/ApplySettingsFactory, /WithWindowsAuthentication, '${windows_auth_password}']";

struct ToolSetup {
  std::string apply = "[/UpgradeInstall]";
  std::string apply_settings;  // empty: the default ([/ApplySettingsFactory])
  std::map<std::string, std::string> fail_on_address;  // server -> address it fails on
  std::string fail_file;                               // every tool fails while it exists
  std::string echo;  // how a failing tool echoes its switches: json, utf16, cut (--echo)
};

class ConfigurationToolTest : public ::testing::Test {
 protected:
  std::string FarmDir() const { return tmp_.Sub("farm"); }
  std::string Record(const std::string& name) const {
    return FarmDir() + "/" + name + ".tool.jsonl";
  }

  void StartFarm(const ToolSetup& setup, int front_ends = 2,
                 std::vector<std::string> sc_args = {}) {
    FarmOptions o;
    o.front_ends = front_ends;
    o.sc_args = std::move(sc_args);
    std::vector<std::string> names = {"dc01"};
    for (int i = 1; i <= front_ends; ++i) names.push_back(absl::StrCat("fe0", i));
    for (const std::string& name : names) {
      const std::string log = FarmDir() + "/" + name + ".tool.log";
      std::string command = absl::StrCat(
          "[\"", BinDir(), "/osfleet-fake-configuration-tool\", \"--hsconf=", FarmDir(), "/", name,
          "/server.hsconf\", \"--record=", Record(name), "\", \"--log=", log,
          "\", \"--delay-ms=150\", \"--settings-applied-file=", FarmDir(), "/settings-applied\"");
      auto fail = setup.fail_on_address.find(name);
      if (fail != setup.fail_on_address.end()) {
        absl::StrAppend(&command, ", \"--fail-on-address=", fail->second, "\"");
      }
      if (!setup.fail_file.empty()) {
        absl::StrAppend(&command, ", \"--fail-file=", setup.fail_file, "\"");
      }
      if (!setup.echo.empty()) absl::StrAppend(&command, ", \"--echo=", setup.echo, "\"");
      command += "]";
      o.extra_config[name] =
          absl::StrCat("configuration_tool:\n  command: ", command, "\n  apply: ", setup.apply,
                       "\n  timeout: 60s\n  log_file: ", log, "\n");
      if (!setup.apply_settings.empty()) {
        absl::StrAppend(&o.extra_config[name], "  apply_settings: ", setup.apply_settings, "\n");
      }
      names_.push_back(name);
    }
    farm_ = std::make_unique<Farm>(FarmDir(), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }

  std::vector<std::string> MoveAll() const {
    const std::string a = farm_->new_db().address();
    return {"--platform", a, "--log", a, "--session", a};
  }
  ProcessResult Apply(std::vector<std::string> extra) {
    std::vector<std::string> args = {"rollout", "apply", "--yes",
                                     "--batch", "100%",  "--skip-service-center"};
    for (const std::string& m : MoveAll()) args.push_back(m);
    args.insert(args.end(), extra.begin(), extra.end());
    return farm_->Osctl(args);
  }
  // The fake tool's runs on one server, oldest first.
  std::vector<nlohmann::json> Runs(const std::string& name) const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(Record(name)), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }
  std::string Credentials(mode_t mode, const std::string& name = "db_admin_password") {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\n", name, ": \"", kPassword, "\"\n"));
    chmod(path.c_str(), mode);
    return path;
  }
  // A password as a YAML single-quoted scalar (no escapes: '"' and '\' as they are).
  std::string CredentialsWithPassword(const std::string& password) {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\ndb_admin_password: '", password, "'\n"));
    chmod(path.c_str(), 0600);
    return path;
  }
  // Every text osfleet itself wrote: agent logs, audit logs, the journal, the tool's
  // masked tails as osctl printed them (`out`).
  std::string EverythingWritten(const ProcessResult& r) {
    std::string all = r.out + r.err;
    for (const std::string& name : names_) {
      all += ReadFile(farm_->agent(name).log());
      all += ReadFile(farm_->agent(name).dir() + "/state/audit.log");
    }
    all += farm_->Journal().dump();
    return all;
  }

  // ServiceCenter.RunPhase on dc01's agent straight from a gRPC client (mTLS, the farm's
  // operator certificate), as a client that never asked GetInfo would.
  grpc::Status RunPhaseDirectly(const std::map<std::string, std::string>& credentials) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(FarmDir() + "/pki/ca.pem");
    tls.pem_cert_chain = ReadFile(FarmDir() + "/pki/tester.pem");
    tls.pem_private_key = ReadFile(FarmDir() + "/pki/tester.key");
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("dc01");
    auto stub = v1::ServiceCenter::NewStub(
        grpc::CreateCustomChannel(farm_->agent("dc01").address(), grpc::SslCredentials(tls), args));
    v1::RunPhaseRequest request;
    for (const auto& [name, value] : credentials) (*request.mutable_credentials())[name] = value;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto reader = stub->RunPhase(&ctx, request);
    v1::PhaseEvent event;
    while (reader->Read(&event)) events_.push_back(event);
    return reader->Finish();
  }
  // The republished module names, in order.
  std::vector<std::string> Published() const {
    std::vector<std::string> published;
    for (const nlohmann::json& req : farm_->ScRequests()) {
      if (req.value("op", "") != "Staging_PublishWith2StepOption" || !req["modules"].is_array()) {
        continue;
      }
      for (const auto& m : req["modules"]) published.push_back(m.get<std::string>());
    }
    return published;
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
  std::vector<std::string> names_;
  std::vector<v1::PhaseEvent> events_;
};

}  // namespace osfleet::testing
