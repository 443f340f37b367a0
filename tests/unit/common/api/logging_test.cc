#include "common/api/logging.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

// One record through the agent's own formatter.
std::string LogLine(const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("osagent", sink);
  logger.set_formatter(MakeLogFormatter());
  logger.info("{}", message);
  return out.str();
}

TEST(LoggingTest, ALineHasTheUsualShape) {
  const std::string line = LogLine("Endpoints.Set from ipv4:127.0.0.1:5 (alice): OK");
  EXPECT_THAT(line, ::testing::MatchesRegex(
                        "[0-9-]+T[0-9:.]+Z info osagent: Endpoints.Set from ipv4:127.0.0.1:5 "
                        "\\(alice\\): OK\n"));
}

TEST(LoggingTest, ControlCharactersAreEscapedAndARecordIsOneLine) {
  const std::string line =
      LogLine("caller (bob\x1b]0;pwned\x07\x1b[2J)\nFAKE 2026-01-01T00:00:00Z info forged\rX");
  EXPECT_THAT(line, Not(HasSubstr("\x1b")));
  EXPECT_THAT(line, Not(HasSubstr("\x07")));
  EXPECT_THAT(line, Not(HasSubstr("\r")));
  EXPECT_EQ(line.find('\n'), line.size() - 1) << absl::CHexEscape(line);
  EXPECT_THAT(line, HasSubstr("(bob\\u001b]0;pwned\\u0007\\u001b[2J)\\nFAKE"));
  EXPECT_THAT(line, EndsWith("forged\\rX\n"));
}

TEST(LoggingTest, NonAsciiLettersAreKept) {
  EXPECT_THAT(LogLine("servidor Jo\xC3\xA3o \xE2\x86\x92 caf\xC3\xA9"),
              HasSubstr("servidor Jo\xC3\xA3o \xE2\x86\x92 caf\xC3\xA9\n"));
}

TEST(LoggingTest, BasicCredentialsAreMasked) {
  const std::string token = absl::Base64Escape("osfleet-admin:#SecretHashValue");
  const std::string line = LogLine(absl::StrCat("echo: Authorization: Basic ", token));
  EXPECT_THAT(line, HasSubstr("Authorization: Basic ***"));
  EXPECT_THAT(line, Not(HasSubstr(token.substr(12))));
}

// SetUpFileLogging replaces the default logger: each test puts the previous one back.
class FileLoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    dir_ = tmp_.path();
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::shared_ptr<spdlog::logger> previous_;
  std::string dir_;
};

TEST_F(FileLoggingTest, RecordsGoToTheFileInAFolderItMakesAndAreThereAtOnce) {
  const std::string file = dir_ + "/logs/osagent.log";
  ASSERT_OK(SetUpFileLogging("osagent", "info", file));
  spdlog::debug("below the level");
  spdlog::info("serving on port {}", 7443);
  // No flush, no shutdown: a service killed now still leaves this line.
  EXPECT_THAT(Read(file),
              ::testing::MatchesRegex("[0-9-]+T[0-9:.]+Z info osagent: serving on port 7443\n"));
}

TEST_F(FileLoggingTest, ABadLevelOrAFileThatCannotBeOpenedIsNamed) {
  absl::Status level = SetUpFileLogging("osagent", "loud", dir_ + "/osagent.log");
  EXPECT_THAT(level, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(level.message(), HasSubstr("'loud'"));
  std::ofstream(dir_ + "/plain") << "a file, not a folder";
  const std::string file = dir_ + "/plain/osagent.log";
  absl::Status open = SetUpFileLogging("osagent", "info", file);
  EXPECT_THAT(open, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(open.message(), HasSubstr(file));
}

}  // namespace
}  // namespace osfleet
