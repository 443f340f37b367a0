// The database administrator's credentials against a careless fan-out (issue 26, finding
// 6), on a simulated farm of real agents that run the fake ConfigurationTool.com: osctl
// sends each agent only the credentials its tool's placeholders name — nothing to an
// agent without a tool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// A password of this run only: nothing else in any process holds it by chance.
std::string RandomPassword() {
  std::random_device random;
  std::string out = "Zq9-";
  const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 28; ++i) out += hex[random() % 16];
  return out;
}

class HostileCredentialsTest : public ::testing::Test {
 protected:
  std::string FarmDir() const { return tmp_.Sub("farm"); }
  std::string Record(const std::string& name) const {
    return FarmDir() + "/" + name + ".tool.jsonl";
  }

  // `apply` per server that runs the fake Configuration Tool; the others run none.
  void StartFarm(const std::map<std::string, std::string>& apply, int front_ends) {
    FarmOptions o;
    o.front_ends = front_ends;
    for (const auto& [name, switches] : apply) {
      const std::string log = FarmDir() + "/" + name + ".tool.log";
      o.extra_config[name] = absl::StrCat(
          "configuration_tool:\n  command: [\"", BinDir(), "/osfleet-fake-configuration-tool\", ",
          "\"--hsconf=", FarmDir(), "/", name, "/server.hsconf\", \"--record=", Record(name),
          "\", \"--log=", log, "\", \"--delay-ms=50\"]\n  apply: ", switches,
          "\n  timeout: 60s\n  log_file: ", log, "\n");
    }
    farm_ = std::make_unique<Farm>(FarmDir(), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }

  std::string CredentialsFile(const std::string& password) {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\ndb_admin_password: \"", password, "\"\n"));
    chmod(path.c_str(), 0600);
    return path;
  }

  // The audit lines of `rpc` on server `name`.
  std::vector<nlohmann::json> Audited(const std::string& name, const std::string& rpc) {
    std::vector<nlohmann::json> out;
    const std::string audit = ReadFile(farm_->agent(name).dir() + "/state/audit.log");
    for (absl::string_view line : absl::StrSplit(audit, '\n', absl::SkipEmpty())) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("rpc", "") == rpc) out.push_back(std::move(j));
    }
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(HostileCredentialsTest, ARolloutSendsEachAgentOnlyTheCredentialsItsToolNames) {
  // dc01's tool names user and password, fe01's the user only, fe02 runs no tool.
  StartFarm({{"dc01",
              "[/UpgradeInstall, '/SetPlatformDBAdminUser:${db_admin_user}', "
              "'/SetPlatformDBAdminPassword:${db_admin_password}']"},
             {"fe01", "[/UpgradeInstall, '/SetPlatformDBAdminUser:${db_admin_user}']"}},
            2);
  const std::string credentials = CredentialsFile(RandomPassword());
  ProcessResult r = farm_->Osctl({"rollout", "apply", "--yes", "--batch", "100%",
                                  "--skip-service-center", "--platform",
                                  farm_->new_db().address(), "--db-admin-credentials",
                                  credentials});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ProcessResult back =
      farm_->Osctl({"rollout", "rollback", "--db-admin-credentials", credentials});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;

  const std::map<std::string, std::string> expected = {
      {"dc01", "db_admin_password,db_admin_user"}, {"fe01", "db_admin_user"}, {"fe02", ""}};
  for (const auto& [name, names] : expected) {
    for (const std::string rpc : {"Endpoints.Set", "Endpoints.Rollback"}) {
      const std::vector<nlohmann::json> lines = Audited(name, rpc);
      ASSERT_FALSE(lines.empty()) << name << " " << rpc;
      for (const nlohmann::json& j : lines) {
        if (names.empty()) {
          EXPECT_FALSE(j.contains("credentials")) << name << " got credentials: " << j.dump();
        } else {
          EXPECT_EQ(j.value("credential_names", ""), names) << name << ": " << j.dump();
        }
      }
    }
  }
}

}  // namespace
}  // namespace osfleet::testing
