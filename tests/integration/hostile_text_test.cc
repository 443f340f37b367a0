// Text from outside that is not UTF-8 (a service's control command writing in its code
// page, a server.hsconf saved in Windows-1252) and input files that are not UTF-8 or not
// YAML: osctl does not crash, everything it prints and every proto string the agent sends
// is valid UTF-8, with U+FFFD where the bad bytes were; bad files and flags exit 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/text/utf8.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFffd[] = "\xEF\xBF\xBD";

// Bytes 0xFF 0xFE, then "caf" and the first byte of a two-byte character, and exit 1.
constexpr char kGarbageAndFail[] = "printf '\\\\377\\\\376 caf\\\\303'; exit 1";

// What a crash or an escaped exception would leave behind.
void ExpectCleanRun(const ProcessResult& r) {
  EXPECT_LT(r.exit_code, 128) << r.err;  // not killed by SIGABRT/SIGSEGV
  EXPECT_THAT(r.err, Not(HasSubstr("terminate called"))) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("internal error"))) << r.err;
  EXPECT_TRUE(IsValidUtf8(r.out)) << r.out;
  EXPECT_TRUE(IsValidUtf8(r.err)) << r.err;
}

// Every line of jsonl, or the whole of json, parses (nlohmann refuses invalid UTF-8).
void ExpectJson(const std::string& out, bool lines) {
  std::vector<std::string> docs;
  if (lines) {
    size_t from = 0;
    for (size_t nl; (nl = out.find('\n', from)) != std::string::npos; from = nl + 1) {
      if (nl > from) docs.push_back(out.substr(from, nl - from));
    }
  } else {
    docs.push_back(out);
  }
  ASSERT_FALSE(docs.empty());
  for (const std::string& doc : docs) {
    EXPECT_FALSE(nlohmann::json::parse(doc, nullptr, false).is_discarded()) << doc;
  }
}

class HostileTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("fe01");
    mkdir(dir_.c_str(), 0755);
    // The catalog saved in Windows-1252 ("caf\xE9").
    WriteFile(dir_ + "/server.hsconf",
              absl::StrReplaceAll(ReadFile(FixturePath("sqlserver-dc.hsconf")),
                                  {{">outsystems<", ">caf\xE9<"}}));
    // Stopped (status 3, with a code-page byte on stdout); every start fails with garbage.
    WriteFile(dir_ + "/agent.yaml",
              absl::StrCat("services:\n  - name: OutSystems Scheduler Service\n",
                           "    backend: command\n", "    start: \"", kGarbageAndFail, "\"\n",
                           "    stop: \"true\"\n", "    status: \"printf '\\\\351'; exit 3\"\n",
                           "    start_timeout: 10s\n    stop_timeout: 5s\n"));
    AgentOptions options{"fe01", "front_end", ""};
    options.hsconf = dir_ + "/server.hsconf";
    options.extra_args = {"--config", dir_ + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir_, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ =
        WriteInventory(tmp_.Sub("inventory.yaml"), {{"fe01", agent_->address(), "front_end"}});
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    return RunOsctl(args);
  }

  TempDir tmp_;
  std::string dir_, inventory_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HostileTextTest, ServicesRestartWithGarbageOutput) {
  const ProcessResult table = Osctl({"services", "restart"});
  ExpectCleanRun(table);
  EXPECT_EQ(table.exit_code, 1) << table.out << table.err;
  EXPECT_THAT(table.out, HasSubstr(absl::StrCat(kFffd, kFffd, " caf", kFffd))) << table.out;
  EXPECT_THAT(table.out, HasSubstr("1 server: 0 ok, 1 failed"));

  for (const char* format : {"json", "jsonl"}) {
    const ProcessResult json = Osctl({"services", "restart", "--output", format});
    ExpectCleanRun(json);
    EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
    ExpectJson(json.out, std::string(format) == "jsonl");
    // nlohmann escapes nothing but control characters: U+FFFD appears as itself.
    EXPECT_THAT(json.out, HasSubstr(kFffd)) << json.out;
  }
}

TEST_F(HostileTextTest, EndpointsSetWithRestartWithGarbageOutput) {
  const std::string before = ReadFile(agent_->hsconf());
  const ProcessResult table =
      Osctl({"endpoints", "set", "--restart", "--log", "sqlnew01.corp.example.com"});
  ExpectCleanRun(table);
  EXPECT_EQ(table.exit_code, 1) << table.out << table.err;
  EXPECT_THAT(table.out + table.err, HasSubstr(kFffd)) << table.out << table.err;

  const ProcessResult json = Osctl(
      {"endpoints", "set", "--restart", "--log", "sqlnew01.corp.example.com", "--output", "json"});
  ExpectCleanRun(json);
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  ExpectJson(json.out, false);
  EXPECT_THAT(json.out, HasSubstr(kFffd)) << json.out;
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);  // the failed restart was reverted
}

TEST_F(HostileTextTest, EndpointsAndServicesShowReplacementCharacters) {
  for (const char* format : {"table", "json"}) {
    const ProcessResult get = Osctl({"endpoints", "get", "--output", format});
    ExpectCleanRun(get);
    EXPECT_EQ(get.exit_code, 0) << get.out << get.err;
    const ProcessResult list = Osctl({"services", "list", "--output", format});
    ExpectCleanRun(list);
    EXPECT_EQ(list.exit_code, 0) << list.out << list.err;
  }
  const ProcessResult json = Osctl({"endpoints", "get", "--output", "json"});
  EXPECT_THAT(json.out, HasSubstr(absl::StrCat("caf", kFffd))) << json.out;
}

// A C++ generated client: proto3 strings that are not UTF-8 would fail its parse.
TEST_F(HostileTextTest, ProtoStringsTheAgentSendsAreValidUtf8) {
  AgentClient client(agent_->address());
  v1::GetEndpointsResponse get;
  ASSERT_OK(client.endpoints().Get(client.Context().get(), {}, &get));
  EXPECT_EQ(get.endpoints(0).catalog(), absl::StrCat("caf", kFffd));
  v1::AgentInfo info;
  ASSERT_OK(client.agent().GetInfo(client.Context().get(), {}, &info));
  EXPECT_TRUE(IsValidUtf8(info.hostname()));

  v1::Services::Stub services(
      grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
  v1::ControlServicesRequest request;
  request.set_action(v1::SERVICE_ACTION_RESTART);
  auto ctx = client.Context();
  auto reader = services.Control(ctx.get(), request);
  v1::ServiceEvent event;
  std::string details;
  while (reader->Read(&event)) details += event.detail();
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_TRUE(IsValidUtf8(status.error_message())) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat(kFffd, kFffd, " caf", kFffd)));
  EXPECT_THAT(details, HasSubstr(kFffd));
}

// --- Input files and flags ----------------------------------------------------------

TEST(HostileInput, InventoryNotUtf8OrNotYamlExitsTwoNamingFileAndLine) {
  TempDir tmp;
  const std::string path = tmp.Sub("inventory.yaml");
  WriteFile(path, "servers:\n  - name: caf\xE9\n    address: 127.0.0.1\n    role: fe\n");
  ProcessResult r = RunOsctl({"--inventory", path, "--insecure", "fleet", "status"});
  ExpectCleanRun(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(path, ":2:14: not valid UTF-8 (byte 0xE9)")));

  WriteFile(path, "servers:\n  - {name: fe01, address: 127.0.0.1\n");
  r = RunOsctl({"--inventory", path, "--insecure", "fleet", "status", "--output", "json"});
  ExpectCleanRun(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::ContainsRegex(path + ":[0-9]+:[0-9]+: "));
}

TEST(HostileInput, AgentConfigNotUtf8OrNotYamlExitsTwoNamingFileAndLine) {
  TempDir tmp;
  const std::string path = tmp.Sub("agent.yaml");
  WriteFile(path, "role: fe\nname: Servidor-Jo\xE3o\n");
  ProcessResult r = RunProgram({BinDir() + "/osagent", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(path, ":2:18: not valid UTF-8 (byte 0xE3)")));
  EXPECT_TRUE(IsValidUtf8(r.err)) << r.err;

  WriteFile(path, "role: fe\nservices: [\n");
  r = RunProgram({BinDir() + "/osagent", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::ContainsRegex(path + ":[0-9]+:[0-9]+: "));
}

TEST(HostileInput, BadFlagsExitTwoWithoutCrashing) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--concurrency", "abc", "fleet", "status"},
           {"--concurrency", "99999999999999999999", "fleet", "status"},
           {"fleet", "status", "--no-such-flag"},
           {"services", "restart", "--min-healthy"},
           {"--output", "caf\xE9", "fleet", "status"},
           {"caf\xE9"}}) {
    const ProcessResult r = RunOsctl(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << r.err;
    ExpectCleanRun(r);  // CLI11 quotes a bad argument: valid UTF-8 all the same
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--max-concurrent-calls", "abc"},
                                             {"--max-concurrent-calls", "99999999999999999999"},
                                             {"--no-such-flag"},
                                             {"--config"},
                                             {"--name", "caf\xE9", "--bogus"}}) {
    const ProcessResult r = RunProgram([&] {
      std::vector<std::string> argv = {BinDir() + "/osagent"};
      argv.insert(argv.end(), args.begin(), args.end());
      return argv;
    }());
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << r.err;
    EXPECT_TRUE(IsValidUtf8(r.err)) << r.err;
  }
}

}  // namespace
}  // namespace osfleet::testing
