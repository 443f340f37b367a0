// Addresses hidden in server.hsconf's advanced settings (issue 25, item 5), against real
// agents: `endpoints get` shows them and never a password; plan, set and rollout refuse
// (exit 3, every file identical) when one names the host being moved away from;
// --advanced-settings rewrite moves it with <Server> (rollback restores every byte);
// --advanced-settings keep proceeds and the journal records it; a failover partner
// elsewhere is reported.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/model/hsconf.h"
#include "tests/integration/farm.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every password of the advanced-settings fixtures (sqlserver-advanced-*.hsconf).
constexpr const char* kSecrets[] = {"Adv-Secret", "Hunter2",     "Svc-Secret",
                                    "Pa55",       "Sess-Secret", "Fo-Secret"};

void ExpectNoSecret(const std::string& text, const std::string& where) {
  for (const char* secret : kSecrets) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << where << " shows a password";
  }
}

// `text` with each `from` (found exactly once) replaced by its `to`.
std::string Replaced(std::string text,
                     const std::vector<std::pair<std::string, std::string>>& edits) {
  for (const auto& [from, to] : edits) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " is there twice";
    if (at != std::string::npos) text.replace(at, from.size(), to);
  }
  return text;
}

class AdvancedSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agents_.push_back(std::make_unique<Agent>(
        tmp_.Sub("dc01"),
        AgentOptions{"dc01", "deployment_controller", "sqlserver-advanced-override.hsconf"}));
    agents_.push_back(std::make_unique<Agent>(
        tmp_.Sub("fe01"), AgentOptions{"fe01", "front_end", "sqlserver-advanced-failover.hsconf"}));
    std::vector<InventoryEntry> entries;
    for (auto& a : agents_) {
      ASSERT_TRUE(a->WaitReady()) << ReadFile(a->log());
      entries.push_back({a->options().name, a->address(), a->options().role});
    }
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"), entries);
    originals_ = Files();
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    ProcessResult r = RunOsctl(args);
    ExpectNoSecret(r.out + r.err, "osctl's output");
    return r;
  }

  std::vector<std::string> Files() {
    std::vector<std::string> out;
    for (auto& a : agents_) out.push_back(ReadFile(a->hsconf()));
    return out;
  }

  void TearDown() override {
    for (auto& a : agents_) {
      ExpectNoSecret(ReadFile(a->log()), a->options().name + "'s agent log");
      ExpectNoSecret(ReadFile(a->dir() + "/state/audit.log"), a->options().name + "'s audit");
    }
  }

  TempDir tmp_;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::string inventory_;
  std::vector<std::string> originals_;
};

TEST_F(AdvancedSettingsTest, GetShowsTheAddressKeywordsAndNoPassword) {
  ProcessResult table = Osctl({"endpoints", "get"});
  ASSERT_EQ(table.exit_code, 0) << table.out << table.err;
  EXPECT_THAT(table.out, HasSubstr("Addresses in advanced settings"));
  EXPECT_THAT(table.out, HasSubstr("RuntimeAdvancedSettings"));
  EXPECT_THAT(table.out, HasSubstr("tcp:SQLPROD01.corp.example.com,1433"));
  EXPECT_THAT(table.out, HasSubstr("SQLMIRROR01.corp.example.com"));
  EXPECT_THAT(table.out, HasSubstr("failover partner"));
  EXPECT_THAT(table.out, HasSubstr("sqlprod01\\SESSIONS"));

  ProcessResult json = Osctl({"endpoints", "get", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  const nlohmann::json& platform = doc["hosts"][0]["result"]["endpoints"][0];
  ASSERT_EQ(platform["advancedSettings"].size(), 1u);
  EXPECT_EQ(platform["advancedSettings"][0]["element"], "RuntimeAdvancedSettings");
  EXPECT_EQ(platform["advancedSettings"][0]["keyword"], "Data Source");
  EXPECT_EQ(platform["advancedSettings"][0]["host"], "SQLPROD01.corp.example.com");
  const nlohmann::json& logging = doc["hosts"][0]["result"]["endpoints"][1];
  EXPECT_EQ(logging["advancedSettings"][0]["failoverPartner"], true);
  EXPECT_EQ(doc["hosts"][1]["result"]["endpoints"][0]["advancedSettings"][0]["keyword"],
            "Failover Partner");
}

TEST_F(AdvancedSettingsTest, PlanAndSetRefuseWithExit3AndChangeNothing) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"endpoints", "plan", "--platform", "sqlnew.corp.example.com"},
        std::vector<std::string>{"endpoints", "set", "--yes", "--platform",
                                 "sqlnew.corp.example.com"},
        std::vector<std::string>{"endpoints", "set", "--dry-run", "--platform",
                                 "sqlnew.corp.example.com"}}) {
    ProcessResult r = Osctl(args);
    EXPECT_EQ(r.exit_code, 3) << args[1] << ": " << r.out << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr("dc01"));
    EXPECT_THAT(r.out + r.err, HasSubstr("<RuntimeAdvancedSettings> Data Source="));
    EXPECT_EQ(Files(), originals_) << args[1];
  }
}

TEST_F(AdvancedSettingsTest, RewriteMovesServerAndOverrideAndRollbackRestoresEveryByte) {
  ProcessResult set = Osctl({"endpoints", "set", "--yes", "--advanced-settings", "rewrite",
                             "--confirm-timeout", "5m", "--platform", "sqlnew.corp.example.com",
                             "--session", "sqlnew.corp.example.com"});
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  EXPECT_THAT(set.out, HasSubstr("RuntimeAdvancedSettings Data Source"));
  EXPECT_THAT(set.out, HasSubstr("SessionAdvancedSettings Server"));
  absl::StatusOr<HsconfDocument> dc = ParseHsconf(Files()[0]);
  ASSERT_OK(dc);
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).address, "sqlnew.corp.example.com");
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).advanced_addresses[0].keyword.value,
            "tcp:sqlnew.corp.example.com,1433");
  EXPECT_EQ(dc->section(DatabaseId::kSession).advanced_addresses[0].keyword.value,
            "sqlnew.corp.example.com\\SESSIONS");
  // Only the host bytes moved: each file is the old one with exactly these texts replaced.
  const std::string server = "<Server encrypted=\"false\">";
  const std::string catalog = "</Server>\r\n    <Catalog encrypted=\"false\">";
  std::vector<std::pair<std::string, std::string>> moved;
  for (const char* db : {"outsystems<", "osSession<"}) {
    moved.push_back({server + "SQLPROD01.corp.example.com" + catalog + db,
                     server + "sqlnew.corp.example.com" + catalog + db});
  }
  std::vector<std::pair<std::string, std::string>> dc_moved = moved;
  dc_moved.push_back({"Data Source = tcp:SQLPROD01.corp.example.com,1433 ;",
                      "Data Source = tcp:sqlnew.corp.example.com,1433 ;"});
  dc_moved.push_back({"Server=sqlprod01\\SESSIONS", "Server=sqlnew.corp.example.com\\SESSIONS"});
  EXPECT_EQ(Files()[0], Replaced(originals_[0], dc_moved));
  EXPECT_EQ(Files()[1], Replaced(originals_[1], moved));

  ProcessResult rollback = Osctl({"endpoints", "rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(Files(), originals_);
  EXPECT_THAT(ReadFile(agents_[0]->dir() + "/state/audit.log"),
              HasSubstr("\"advanced_settings\":\"rewrite\""));
}

TEST_F(AdvancedSettingsTest, KeepProceedsAndSaysWhatItLeft) {
  ProcessResult r = Osctl({"endpoints", "set", "--yes", "--advanced-settings", "keep", "--platform",
                           "sqlnew.corp.example.com", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  const std::string warnings = doc["hosts"][0]["result"]["warnings"].dump();
  EXPECT_THAT(warnings, HasSubstr("kept (--advanced-settings keep)"));
  absl::StatusOr<HsconfDocument> dc = ParseHsconf(Files()[0]);
  ASSERT_OK(dc);
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).address, "sqlnew.corp.example.com");
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).advanced_addresses[0].keyword.host,
            "SQLPROD01.corp.example.com");
}

TEST_F(AdvancedSettingsTest, AFailoverPartnerElsewhereIsReportedNotRefused) {
  ProcessResult r =
      Osctl({"--limit", "fe01", "endpoints", "plan", "--platform", "sqlnew.corp.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("warning (fe01): platform database: <RuntimeAdvancedSettings> "
                               "Failover Partner=SQLMIRROR01.corp.example.com names a failover "
                               "partner"));
  ProcessResult json = Osctl({"--limit", "fe01", "endpoints", "plan", "--platform",
                              "sqlnew.corp.example.com", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(nlohmann::json::parse(json.out)["hosts"][0]["result"]["warnings"].dump(),
              HasSubstr("Failover Partner=SQLMIRROR01.corp.example.com"));
}

// A farm whose files hold advanced-settings addresses naming the old database's host
// ("localhost", while the new database is 127.0.0.1): an override of the Platform and
// Session servers, a failover partner elsewhere for the Log, passwords.
class AdvancedSettingsRolloutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FarmOptions o;
    o.front_ends = 1;
    o.fixture = "sqlserver-advanced-override.hsconf";
    o.old_host = "localhost";
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), o);
    ASSERT_TRUE(farm_->Start());
    ASSERT_THAT(farm_->original(), HasSubstr("Data Source = tcp:localhost,1433 ;"));
  }
  ProcessResult Rollout(const std::string& verb, const std::vector<std::string>& extra) {
    const std::string to = farm_->new_db().address();
    std::vector<std::string> args = {"rollout", verb, "--platform", to,
                                     "--log",   to,   "--session",  to};
    if (verb == "apply") args.push_back("--yes");
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = farm_->Osctl(args);
    ExpectNoSecret(r.out + r.err, "osctl rollout's output");
    return r;
  }
  bool EveryFileIsTheOriginal() {
    for (const std::string& n : farm_->Names()) {
      if (farm_->Hsconf(n) != farm_->original()) return false;
    }
    return true;
  }
  void TearDown() override {
    for (auto& a : farm_->agents()) {
      ExpectNoSecret(ReadFile(a->log()), a->options().name + "'s agent log");
      ExpectNoSecret(ReadFile(a->dir() + "/state/audit.log"), a->options().name + "'s audit");
    }
    const nlohmann::json journal = farm_->Journal();
    if (!journal.is_null()) ExpectNoSecret(journal.dump(), "the journal");
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(AdvancedSettingsRolloutTest, PlanAndApplyRefuseWithExit3AndChangeNothing) {
  for (const std::string verb : {"plan", "apply"}) {
    ProcessResult r = Rollout(verb, {});
    EXPECT_EQ(r.exit_code, 3) << verb << ": " << r.out << r.err;
    EXPECT_THAT(r.out + r.err,
                HasSubstr("<RuntimeAdvancedSettings> Data Source=tcp:localhost,1433"));
    EXPECT_THAT(r.out + r.err, HasSubstr("dc01"));
    EXPECT_TRUE(EveryFileIsTheOriginal()) << verb;
  }
  EXPECT_TRUE(farm_->Journal().is_null());  // refused before any journal was written
}

TEST_F(AdvancedSettingsRolloutTest, KeepProceedsAndTheJournalRecordsIt) {
  ProcessResult r = Rollout("apply", {"--advanced-settings", "keep"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("kept (--advanced-settings keep)"));
  EXPECT_THAT(r.out + r.err, HasSubstr("Failover Partner=SQLMIRROR02.corp.example.com names a "
                                       "failover partner"));
  const nlohmann::json journal = farm_->Journal();
  EXPECT_EQ(journal["options"]["advanced_settings"], "keep");
  EXPECT_THAT(journal["hosts"][0]["warnings"].dump(), HasSubstr("kept (--advanced-settings keep)"));
  absl::StatusOr<HsconfDocument> dc = ParseHsconf(farm_->Hsconf("dc01"));
  ASSERT_OK(dc);
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).address, farm_->new_db().address());
  EXPECT_EQ(dc->section(DatabaseId::kPlatform).advanced_addresses[0].keyword.host, "localhost");
}

TEST_F(AdvancedSettingsRolloutTest, RewriteMovesTheOverridesAndRollbackRestoresEveryByte) {
  ProcessResult plan = Rollout("plan", {"--advanced-settings", "rewrite", "--output", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_EQ(nlohmann::json::parse(plan.out)["advanced_settings"], "rewrite");
  ProcessResult r = Rollout("apply", {"--advanced-settings", "rewrite"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(farm_->Journal()["options"]["advanced_settings"], "rewrite");
  for (const std::string& n : farm_->Names()) {
    absl::StatusOr<HsconfDocument> doc = ParseHsconf(farm_->Hsconf(n));
    ASSERT_OK(doc);
    EXPECT_EQ(doc->section(DatabaseId::kPlatform).address, farm_->new_db().address()) << n;
    EXPECT_EQ(doc->section(DatabaseId::kPlatform).advanced_addresses[0].keyword.value,
              "tcp:127.0.0.1,1433")
        << n;
    EXPECT_EQ(doc->section(DatabaseId::kSession).advanced_addresses[0].keyword.value,
              "127.0.0.1\\SESSIONS")
        << n;
  }
  ProcessResult rollback = farm_->Osctl({"rollout", "rollback", "--yes"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(farm_->Journal()["phase"], "rolled_back");
  EXPECT_TRUE(EveryFileIsTheOriginal());
}

}  // namespace
}  // namespace osfleet::testing
