// The `services:` section: each backend's keys, readiness, timeouts, and each mistake named
// with its file and line.
#include "agent/outsystems_services/services_section.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// `services:` of `yaml`, read as agent.yaml's.
absl::StatusOr<std::vector<ServiceConfig>> Load(const std::string& yaml) {
  return LoadServices("agent.yaml", YAML::Load(yaml)["services"]);
}

std::string Message(const absl::StatusOr<std::vector<ServiceConfig>>& services) {
  return std::string(services.status().message());
}

TEST(ServicesSectionTest, ReadsEachBackendInOrder) {
  absl::StatusOr<std::vector<ServiceConfig>> services = Load(
      "services:\n"
      "  - name: OutSystems Deployment Service\n"
      "    backend: process\n"
      "    command: [/opt/os/deployment, --port, '12001']\n"
      "    env: {ASPNET_ENV: Production}\n"
      "    working_dir: /opt/os\n"
      "    ready: {tcp_port: 12001}\n"
      "    start_timeout: 45s\n"
      "  - name: OutSystems Scheduler Service\n"
      "    backend: command\n"
      "    start: systemctl start os-scheduler\n"
      "    stop: systemctl stop os-scheduler\n"
      "    status: systemctl is-active --quiet os-scheduler\n"
      "    stop_timeout: 5s\n"
      "  - {name: OutSystems Log Service, backend: windows}\n");
  ASSERT_TRUE(services.ok()) << services.status();
  ASSERT_EQ(services->size(), 3u);
  const ServiceConfig& process = (*services)[0];
  EXPECT_EQ(process.name, "OutSystems Deployment Service");
  EXPECT_EQ(process.backend, BackendKind::kProcess);
  EXPECT_THAT(process.command, ElementsAre("/opt/os/deployment", "--port", "12001"));
  EXPECT_THAT(process.env, ElementsAre(Pair("ASPNET_ENV", "Production")));
  EXPECT_EQ(process.working_dir, "/opt/os");
  EXPECT_EQ(process.ready.tcp_port, 12001);
  EXPECT_EQ(process.start_timeout, absl::Seconds(45));
  const ServiceConfig& command = (*services)[1];
  EXPECT_EQ(command.backend, BackendKind::kCommand);
  EXPECT_EQ(command.start_command, "systemctl start os-scheduler");
  EXPECT_EQ(command.stop_command, "systemctl stop os-scheduler");
  EXPECT_EQ(command.status_command, "systemctl is-active --quiet os-scheduler");
  EXPECT_EQ(command.stop_timeout, absl::Seconds(5));
  EXPECT_EQ((*services)[2].backend, BackendKind::kWindows);
}

// One absolute-path rule for every command: (issue 25): a service's program may be a
// Windows drive or UNC path, as the Configuration Tool's and the command driver's may.
// (Moved from agent_config_test.cc, where it read the same section through the file.)
TEST(ServicesSectionTest, ServiceProgramsTakeTheOneAbsolutePathRule) {
  for (const char* program :
       {"/usr/bin/osfleet-simulated-service", "C:\\Program Files\\OutSystems\\svc.exe",
        "\\\\fs01\\tools\\svc.exe"}) {
    absl::StatusOr<std::vector<ServiceConfig>> c = Load(
        absl::StrCat("services:\n  - name: OutSystems Deployment Service\n    backend: process\n"
                     "    command: ['",
                     program, "']\n"));
    EXPECT_TRUE(c.ok()) << program << ": " << c.status();
  }
  absl::StatusOr<std::vector<ServiceConfig>> bad = Load(
      "services:\n  - name: OutSystems Deployment Service\n    backend: process\n"
      "    command: [svc.exe]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Message(bad), HasSubstr("the program 'svc.exe' must be an absolute path"));
}

TEST(ServicesSectionTest, MistakesNameTheirLine) {
  struct Bad {
    std::string yaml, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"services: {name: x}\n", "agent.yaml:1: services: expected a list of services"},
           {"services:\n  - name: x\n", "agent.yaml:2: service: needs name and backend"},
           {"services:\n  - {name: x, backend: systemd}\n",
            "agent.yaml:2: backend: 'systemd' is not process, command or windows"},
           {"services:\n  - {name: '', backend: windows}\n", "agent.yaml:2: name: empty"},
           {"services:\n  - {name: x, backend: windows, comand: [/x]}\n",
            "agent.yaml:2: service: unknown key 'comand'"},
           {"services:\n  - {name: x, backend: process}\n",
            "agent.yaml:2: command: a process service needs `command: [program, args...]`"},
           {"services:\n  - {name: x, backend: command, start: a, status: c}\n",
            "agent.yaml:2: a command service needs 'stop'"},
           {"services:\n  - {name: x, backend: process, command: [/x],\n"
            "     ready: {tcp_port: 70000}}\n",
            "agent.yaml:3: tcp_port: 1..65535"},
           {"services:\n  - {name: x, backend: process, command: [/x], ready: {stays_up_ms: 0}}\n",
            "agent.yaml:2: stays_up_ms: 1..3600000"},
           {"services:\n  - {name: x, backend: windows, start_timeout: soon}\n",
            "agent.yaml:2: start_timeout: 'soon' is not a duration"},
           {"services:\n  - {name: x, backend: windows}\n  - {name: x, backend: windows}\n",
            "agent.yaml:3: service 'x' appears twice"},
       }) {
    absl::StatusOr<std::vector<ServiceConfig>> c = Load(bad.yaml);
    ASSERT_FALSE(c.ok()) << bad.yaml;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad.yaml;
    EXPECT_THAT(Message(c), HasSubstr(bad.message)) << bad.yaml;
  }
}

}  // namespace
}  // namespace osfleet::agent
