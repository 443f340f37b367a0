// The verdicts and thresholds of the agent's doctor rows, from plain inputs and times.
#include "agent/doctor/check_rows.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint64_t kMiB = uint64_t{1} << 20;

std::string Fixture(const std::string& name) {
  std::ifstream in(absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/", name, ".hsconf"),
                   std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(CheckRowsTest, HsconfParsedListsDatabasesAndAddresses) {
  const CheckRow row = HsconfParsedRow("/x/server.hsconf", ParseHsconf(Fixture("sqlserver-dc")));
  EXPECT_EQ(row.check, "hsconf.parsed");
  EXPECT_EQ(row.level, CheckLevel::kOk) << row.reason;
  EXPECT_THAT(row.reason, HasSubstr("PlatformDatabaseConfiguration SqlServer "));
  EXPECT_THAT(row.reason, HasSubstr("LoggingDatabaseConfiguration SqlServer "));
  EXPECT_THAT(row.reason, HasSubstr("SessionDatabaseConfiguration SqlServer "));
  EXPECT_THAT(row.reason, HasSubstr("Deployment Controller "));
}

TEST(CheckRowsTest, HsconfThatDoesNotParseFailsWithTheParsersReason) {
  const CheckRow row = HsconfParsedRow("/x/server.hsconf", ParseHsconf(Fixture("bad-truncated")));
  EXPECT_EQ(row.level, CheckLevel::kFail);
  EXPECT_THAT(row.reason, HasSubstr("/x/server.hsconf: "));
}

TEST(CheckRowsTest, AnAddressARolloutCannotChangeIsAWarning) {
  const CheckRow tns = HsconfParsedRow("f", ParseHsconf(Fixture("oracle-tnsname")));
  EXPECT_EQ(tns.level, CheckLevel::kWarn) << tns.reason;
  EXPECT_THAT(tns.reason, HasSubstr("TNS alias"));
  const absl::StatusOr<HsconfDocument> encrypted = ParseHsconf(Fixture("bad-encrypted-server"));
  ASSERT_OK(encrypted);
  const CheckRow row = HsconfParsedRow("f", encrypted);
  EXPECT_EQ(row.level, CheckLevel::kWarn);
  EXPECT_THAT(row.reason, HasSubstr("address is encrypted"));
}

TEST(CheckRowsTest, AdvancedSettingsAddressesAreWarningsAndNeverShowAPassword) {
  const CheckRow none = AdvancedSettingsRow(ParseHsconf(Fixture("sqlserver-dc")));
  EXPECT_EQ(none.check, "hsconf.advanced_settings");
  EXPECT_EQ(none.level, CheckLevel::kOk) << none.reason;

  const CheckRow row = AdvancedSettingsRow(ParseHsconf(Fixture("sqlserver-advanced-override")));
  EXPECT_EQ(row.level, CheckLevel::kWarn);
  EXPECT_THAT(row.reason, HasSubstr("<RuntimeAdvancedSettings>"));
  EXPECT_THAT(row.reason, HasSubstr("SQLPROD01.corp.example.com"));
  EXPECT_THAT(row.reason, HasSubstr("<SessionAdvancedSettings>"));
  for (const char* secret : {"Hunter2", "Adv-Secret", "Sess-Secret-77", "Svc-Secret"}) {
    EXPECT_THAT(row.reason, Not(HasSubstr(secret)));
  }

  const CheckRow failover =
      AdvancedSettingsRow(ParseHsconf(Fixture("sqlserver-advanced-failover")));
  EXPECT_EQ(failover.level, CheckLevel::kWarn);
  EXPECT_THAT(failover.reason, HasSubstr("Failover Partner"));

  EXPECT_EQ(AdvancedSettingsRow(ParseHsconf(Fixture("bad-truncated"))).level, CheckLevel::kFail);
}

TEST(CheckRowsTest, WritableNeedsTheFileAndItsFolder) {
  EXPECT_EQ(HsconfWritableRow("/d/f", absl::OkStatus(), "/d", absl::OkStatus()).level,
            CheckLevel::kOk);
  const CheckRow file = HsconfWritableRow(
      "/d/f", absl::PermissionDeniedError("Read-only file system"), "/d", absl::OkStatus());
  EXPECT_EQ(file.level, CheckLevel::kFail);
  EXPECT_THAT(file.reason, HasSubstr("may not write /d/f: Read-only file system"));
  const CheckRow folder =
      HsconfWritableRow("/d/f", absl::OkStatus(), "/d", absl::PermissionDeniedError("denied"));
  EXPECT_EQ(folder.level, CheckLevel::kFail);
  EXPECT_THAT(folder.reason, HasSubstr("may not create files in /d"));
}

// fail below 2 x size + 1 MiB; warn below max_backups x size + 100 MiB.
TEST(CheckRowsTest, SpaceThresholds) {
  const uint64_t size = 4096;
  const uint64_t fail_below = 2 * size + kMiB;
  const uint64_t warn_below = 20 * size + 100 * kMiB;
  EXPECT_EQ(StateDirSpaceRow("/s", fail_below - 1, size, 20).level, CheckLevel::kFail);
  EXPECT_EQ(StateDirSpaceRow("/s", fail_below, size, 20).level, CheckLevel::kWarn);
  EXPECT_EQ(StateDirSpaceRow("/s", warn_below - 1, size, 20).level, CheckLevel::kWarn);
  const CheckRow ok = StateDirSpaceRow("/s", warn_below, size, 20);
  EXPECT_EQ(ok.level, CheckLevel::kOk);
  EXPECT_THAT(ok.reason, HasSubstr("free for /s (server.hsconf is 4096 bytes)"));
  const CheckRow fail = StateDirSpaceRow("/s", 0, size, 20);
  EXPECT_THAT(fail.reason, HasSubstr("could not keep its backup"));
  const CheckRow unknown = StateDirSpaceRow(
      "/s", absl::FailedPreconditionError("inspecting the free space of /s"), size, 20);
  EXPECT_EQ(unknown.level, CheckLevel::kFail);
  EXPECT_EQ(unknown.reason, "inspecting the free space of /s");
}

TEST(CheckRowsTest, ServiceUnknownToItsBackendFails) {
  ServiceManager::Known k;
  k.status.name = "OutSystems Scheduler Service";
  k.status.state = ServiceState::kRunning;
  k.status.pid = 42;
  EXPECT_EQ(ServiceRow(k).check, "services.OutSystems Scheduler Service");
  EXPECT_EQ(ServiceRow(k).level, CheckLevel::kOk);
  EXPECT_EQ(ServiceRow(k).reason, "running (pid 42)");
  k.status.state = ServiceState::kStopped;
  EXPECT_EQ(ServiceRow(k).level, CheckLevel::kWarn);
  k.known = absl::FailedPreconditionError("its program /opt/x cannot be run: No such file");
  const CheckRow missing = ServiceRow(k);
  EXPECT_EQ(missing.level, CheckLevel::kFail);
  EXPECT_THAT(missing.reason, HasSubstr("not known to its backend: its program /opt/x"));
}

TEST(CheckRowsTest, ConfigurationToolPresentMissingOrNone) {
  EXPECT_EQ(ConfigurationToolRow(std::nullopt, absl::OkStatus(), "").level, CheckLevel::kOk);
  ConfigurationToolConfig tool;
  tool.command = {"/opt/os/ConfigurationTool.com"};
  const CheckRow missing =
      ConfigurationToolRow(tool, absl::PermissionDeniedError("No such file or directory"), "");
  EXPECT_EQ(missing.level, CheckLevel::kFail);
  EXPECT_THAT(missing.reason, HasSubstr("/opt/os/ConfigurationTool.com cannot be run: No such"));
  EXPECT_THAT(missing.reason, HasSubstr("Platform Server version unknown"));
  const CheckRow present = ConfigurationToolRow(tool, absl::OkStatus(), "11.26.0.41111");
  EXPECT_EQ(present.level, CheckLevel::kOk);
  EXPECT_THAT(present.reason, HasSubstr("Platform Server 11.26.0.41111 (the registry: "));
}

// warn within 30 days of the end, fail once expired or before its start; whole days left.
TEST(CheckRowsTest, CertificateDaysLeftWithAnInjectedTime) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  CertificateValidity v{now - absl::Hours(24), now + absl::Hours(24 * 31)};
  CheckRow row = AgentCertificateRow(false, "/pki/dc01.pem", v, now);
  EXPECT_EQ(row.level, CheckLevel::kOk);
  EXPECT_THAT(row.reason, HasSubstr("(31 days left)"));
  row = AgentCertificateRow(false, "/pki/dc01.pem", v, now + absl::Hours(24 * 2));
  EXPECT_EQ(row.level, CheckLevel::kWarn);
  EXPECT_THAT(row.reason, HasSubstr("29 days left"));
  row = AgentCertificateRow(false, "/pki/dc01.pem", v, now + absl::Hours(24 * 32));
  EXPECT_EQ(row.level, CheckLevel::kFail);
  EXPECT_THAT(row.reason, HasSubstr("expired on"));
  row = AgentCertificateRow(false, "/pki/dc01.pem", v, now - absl::Hours(48));
  EXPECT_EQ(row.level, CheckLevel::kFail);
  EXPECT_THAT(row.reason, HasSubstr("is not valid before"));
  row = AgentCertificateRow(false, "/pki/dc01.pem",
                            absl::InvalidArgumentError("--tls-cert /pki/dc01.pem: not PEM"), now);
  EXPECT_EQ(row.level, CheckLevel::kFail);
  EXPECT_EQ(AgentCertificateRow(true, "", CertificateValidity{}, now).level, CheckLevel::kOk);
  EXPECT_THAT(AgentCertificateRow(true, "", CertificateValidity{}, now).reason,
              Not(HasSubstr("days")));
}

}  // namespace
}  // namespace osfleet::agent
