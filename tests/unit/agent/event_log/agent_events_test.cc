// What osagent writes to the event log behind the platform seam (a recording EventLog in
// place of Windows' RegisterEventSourceW/ReportEventW): the source, and for the start, the
// stop, a failure, a warning, an error and an audit line their type, category, id and
// text; nothing once detached; a log that cannot be opened or written breaks nothing.
#include "agent/event_log/agent_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "agent/admission/audit_log.h"
#include "common/api/logging.h"
#include "tests/support/files.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using platform::EventRecord;
using platform::EventType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Records every event; `fail` makes Report fail as ReportEventW does (e.g.
// ERROR_INVALID_PARAMETER) after recording the attempt.
class RecordingEventLog final : public platform::EventLog {
 public:
  struct Shared {
    absl::Mutex mu;
    std::vector<std::string> sources ABSL_GUARDED_BY(mu);
    std::vector<EventRecord> events ABSL_GUARDED_BY(mu);
    bool fail ABSL_GUARDED_BY(mu) = false;
  };
  explicit RecordingEventLog(Shared* shared) : shared_(shared) {}
  platform::Result<void> Report(const EventRecord& event) override {
    absl::MutexLock lock(&shared_->mu);
    shared_->events.push_back(event);
    if (shared_->fail) {
      return platform::Error{std::error_code(87, std::system_category()), "ReportEventW"};
    }
    return {};
  }

 private:
  Shared* shared_;
};

MATCHER_P4(Event, type, category, id, text, "") {
  return arg.type == type && arg.category == static_cast<std::uint16_t>(category) &&
         arg.id == static_cast<std::uint32_t>(id) && arg.text == text;
}

class AgentEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    ASSERT_OK(SetUpFileLogging("osagent", "info", log_file_));
  }
  void TearDown() override {
    DetachEventLog();
    spdlog::set_default_logger(previous_);
  }
  EventLogOpener Opener() {
    return
        [this](const std::string& source) -> platform::Result<std::unique_ptr<platform::EventLog>> {
          absl::MutexLock lock(&shared_.mu);
          shared_.sources.push_back(source);
          return std::unique_ptr<platform::EventLog>(std::make_unique<RecordingEventLog>(&shared_));
        };
  }
  std::vector<EventRecord> Events() {
    absl::MutexLock lock(&shared_.mu);
    return shared_.events;
  }

  osfleet::testing::TempDir tmp_;
  const std::string log_file_ = tmp_.path() + "/osagent.log";
  std::shared_ptr<spdlog::logger> previous_;
  RecordingEventLog::Shared shared_;
};

TEST_F(AgentEventsTest, WrittenUnderTheSourceOsagent) {
  AttachEventLog(Opener());
  absl::MutexLock lock(&shared_.mu);
  EXPECT_THAT(shared_.sources, ElementsAre("osagent"));
}

TEST_F(AgentEventsTest, StartStopAndFailureAreServiceEvents) {
  AttachEventLog(Opener());
  AgentConfig config;
  config.name = "fe01";
  config.role = v1::SERVER_ROLE_FRONT_END;
  config.listen = "0.0.0.0:7443";
  ReportStarted(StartedText(config, "C:\\ProgramData\\osfleet\\agent.yaml",
                            "C:\\ProgramData\\osfleet\\logs\\osagent.log"));
  ReportStopped(0, "C:\\ProgramData\\osfleet\\logs\\osagent.log");
  ReportStopped(2, "C:\\ProgramData\\osfleet\\logs\\osagent.log");
  EXPECT_THAT(
      Events(),
      ElementsAre(Event(EventType::kInformation, 1, 100,
                        "osagent " OSFLEET_VERSION " serves fe01 (front_end) on 0.0.0.0:7443 with "
                        "C:\\ProgramData\\osfleet\\agent.yaml; log "
                        "C:\\ProgramData\\osfleet\\logs\\osagent.log"),
                  Event(EventType::kInformation, 1, 101, "exit code 0"),
                  Event(EventType::kError, 1, 102,
                        "exit code 2; the errors logged before this event say why, and so does "
                        "C:\\ProgramData\\osfleet\\logs\\osagent.log")));
}

TEST_F(AgentEventsTest, WarningsAndErrorsOfTheLogAreLogEventsAndInfoIsNot) {
  AttachEventLog(Opener());
  spdlog::info("serving");
  spdlog::debug("details");
  spdlog::warn("descriptor limit {} is low", 512);
  spdlog::error("audit log {}: no room", "C:\\audit.log");
  spdlog::critical("agent.yaml: line 3: listen: 'x' is not HOST:PORT");
  EXPECT_THAT(Events(),
              ElementsAre(Event(EventType::kWarning, 2, 200, "descriptor limit 512 is low"),
                          Event(EventType::kError, 2, 201, "audit log C:\\audit.log: no room"),
                          Event(EventType::kError, 2, 201,
                                "agent.yaml: line 3: listen: 'x' is not HOST:PORT")));
  EXPECT_THAT(osfleet::testing::ReadFile(log_file_), HasSubstr("descriptor limit 512 is low"))
      << "the log file keeps every record too";
}

TEST_F(AgentEventsTest, TextIsTheLogFilesOneLineEscapedAndRedacted) {
  AttachEventLog(Opener());
  spdlog::error("bad reply\n\x1b[31mAuthorization: Basic YWRtaW46c2VjcmV0");
  ASSERT_EQ(Events().size(), 1u);
  const std::string text = Events()[0].text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_THAT(text, Not(HasSubstr("YWRtaW46c2VjcmV0")));
  EXPECT_EQ(text, SafeLogText("bad reply\n\x1b[31mAuthorization: Basic YWRtaW46c2VjcmV0"));
}

TEST_F(AgentEventsTest, TheLogLevelGatesTheEventsToo) {
  ASSERT_OK(SetUpFileLogging("osagent", "error", log_file_));
  AttachEventLog(Opener());
  spdlog::warn("not logged, not an event");
  spdlog::error("logged and an event");
  EXPECT_THAT(Events(), ElementsAre(Event(EventType::kError, 2, 201, "logged and an event")));
}

TEST_F(AgentEventsTest, EachAuditLineWrittenIsAnAuditEvent) {
  AttachEventLog(Opener());
  AuditRecord record;
  record.time = absl::FromUnixSeconds(1795833349);
  record.identity = "alice";
  record.peer = "ipv4:10.0.0.5:51234";
  record.rpc = "Endpoints.Set";
  record.result = "OK";
  {
    AuditLog audit(tmp_.path() + "/audit.log");
    ASSERT_OK(audit.Append(record));
  }
  std::string line = FormatAuditLine(record);
  line.pop_back();  // its '\n'
  EXPECT_THAT(Events(), ElementsAre(Event(EventType::kInformation, 3, 300, line)));
  EXPECT_EQ(osfleet::testing::ReadFile(tmp_.path() + "/audit.log"), line + "\n");
}

TEST_F(AgentEventsTest, DetachedNothingIsWritten) {
  AttachEventLog(Opener());
  DetachEventLog();
  spdlog::error("after the stop");
  ReportStopped(0, "");
  ReportAudit("{}");
  EXPECT_THAT(Events(), ElementsAre());
}

TEST_F(AgentEventsTest, AttachedTwiceOneSinkOneEventPerRecord) {
  AttachEventLog(Opener());
  AttachEventLog(Opener());
  spdlog::warn("once");
  EXPECT_THAT(Events(), ElementsAre(Event(EventType::kWarning, 2, 200, "once")));
}

TEST_F(AgentEventsTest, ALogThatRefusesEventsBreaksNothing) {
  AttachEventLog(Opener());
  {
    absl::MutexLock lock(&shared_.mu);
    shared_.fail = true;
  }
  spdlog::error("first");
  spdlog::error("second");
  ReportStopped(1, "");
  EXPECT_EQ(Events().size(), 3u) << "every event is still tried";
  EXPECT_THAT(osfleet::testing::ReadFile(log_file_), HasSubstr("second"));
}

TEST_F(AgentEventsTest, ALogThatCannotBeOpenedIsAWarningInTheLogFile) {
  AttachEventLog(
      [](const std::string& source) -> platform::Result<std::unique_ptr<platform::EventLog>> {
        return platform::Error{std::error_code(5, std::system_category()),
                               "opening the event log as " + source};
      });
  spdlog::error("still logged");
  ReportAudit("{}");
  const std::string log = osfleet::testing::ReadFile(log_file_);
  EXPECT_THAT(log,
              HasSubstr("warning osagent: no events in the event log: opening the event log as "
                        "osagent"));
  EXPECT_THAT(log, HasSubstr("still logged"));
}

}  // namespace
}  // namespace osfleet::agent
