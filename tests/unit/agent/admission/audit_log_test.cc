// Audit lines: JSON, one per line, every field, RFC 3339 UTC time; the file is 0600 and
// only appended to.
#include "agent/admission/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AuditLogTest : public ::testing::Test {
 protected:
  static std::vector<std::string> Lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  static AuditRecord SetRecord() {
    AuditRecord r;
    r.time = absl::FromUnixSeconds(1795833349) + absl::Milliseconds(537);
    r.identity = "alice";
    r.peer = "ipv4:127.0.0.1:51234";
    r.rpc = "Endpoints.Set";
    r.before = "aaaa";
    r.after = "bbbb";
    r.change_id = "chg-1";
    r.result = "OK";
    r.details = {{"backup_id", "bk-1"}};
    return r;
  }

  osfleet::testing::TempDir tmp_;
};

TEST_F(AuditLogTest, LineIsOneJsonObjectWithEveryField) {
  const std::string line = FormatAuditLine(SetRecord());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-11-28T02:35:49.537Z");
  EXPECT_EQ(j["identity"], "alice");
  EXPECT_EQ(j["peer"], "ipv4:127.0.0.1:51234");
  EXPECT_EQ(j["rpc"], "Endpoints.Set");
  EXPECT_EQ(j["before"], "aaaa");
  EXPECT_EQ(j["after"], "bbbb");
  EXPECT_EQ(j["change_id"], "chg-1");
  EXPECT_EQ(j["result"], "OK");
  EXPECT_EQ(j["backup_id"], "bk-1");
}

TEST_F(AuditLogTest, ResultNamesTheCode) {
  EXPECT_EQ(AuditResult(absl::OkStatus()), "OK");
  EXPECT_EQ(AuditResult(absl::PermissionDeniedError("Endpoints.Set needs the operator role")),
            "PERMISSION_DENIED: Endpoints.Set needs the operator role");
}

TEST_F(AuditLogTest, NewlinesAndBadBytesStayOnOneLine) {
  AuditRecord r = SetRecord();
  r.result = "ABORTED: two\nlines";
  r.identity = std::string("bad\xff\xfe utf8");
  const std::string line = FormatAuditLine(r);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(nlohmann::json::parse(line)["result"], "ABORTED: two\nlines");
}

TEST_F(AuditLogTest, AppendsWithMode0600) {
  AuditLog log(tmp_.Sub("audit.log"));
  ASSERT_TRUE(log.Append(SetRecord()).ok());
  AuditRecord second = SetRecord();
  second.rpc = "Endpoints.Confirm";
  ASSERT_TRUE(log.Append(second).ok());
  struct stat st {};
  ASSERT_EQ(stat(log.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::vector<std::string> lines = Lines(log.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["rpc"], "Endpoints.Set");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["rpc"], "Endpoints.Confirm");
  // A second writer (an agent restart) appends too; nothing is truncated.
  AuditLog again(log.path());
  ASSERT_TRUE(again.Append(SetRecord()).ok());
  EXPECT_EQ(Lines(log.path()).size(), 3u);
}

TEST_F(AuditLogTest, UnwritablePathIsAnErrorNotACrash) {
  AuditLog log(tmp_.Sub("no/such/dir/audit.log"));
  absl::Status s = log.Append(SetRecord());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("audit log"));
}

TEST_F(AuditLogTest, QueuedLinesKeepTheirOrderAndAreWrittenBeforeTheLogGoes) {
  const std::string path = tmp_.Sub("audit.log");
  std::atomic<int> done{0};
  {
    AuditLog log(path);
    for (int i = 0; i < 50; ++i) {
      AuditRecord r = SetRecord();
      r.change_id = "chg-" + std::to_string(i);
      log.AppendThen(r, [&](absl::Status s) {
        EXPECT_TRUE(s.ok()) << s;
        ++done;
      });
    }
  }  // the destructor flushes
  EXPECT_EQ(done.load(), 50);
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(nlohmann::json::parse(lines[i])["change_id"], "chg-" + std::to_string(i));
  }
}

TEST_F(AuditLogTest, AppendThenReturnsBeforeTheWriteAndReportsItsOutcome) {
  AuditLog log(tmp_.Sub("no/such/dir/audit.log"));
  absl::Notification reported;
  absl::Status outcome;
  log.AppendThen(SetRecord(), [&](absl::Status s) {
    outcome = s;
    reported.Notify();
  });
  ASSERT_TRUE(reported.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(outcome.code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuditLogTest, OnlyTheRecordsFieldsAreWritten) {
  // The format has no place for anything but the record: a record built from a call's
  // outcome carries no password, and none appears.
  AuditRecord r = SetRecord();
  const std::string line = FormatAuditLine(r);
  for (const char* secret : {"Password", "password", "hash", "Authorization"}) {
    EXPECT_THAT(line, Not(HasSubstr(secret)));
  }
  EXPECT_EQ(nlohmann::json::parse(line).size(), 9u);
}

}  // namespace
}  // namespace osfleet::agent
