// What each service runs on: recorded at each start through ServiceManager (real
// process backends), kept across an agent restart, unknown for a service the agent did
// not start or that runs under another process than recorded.
#include "agent/outsystems_services/running_revisions.h"

#include <fstream>
#include <string>
#include <vector>

#include "agent/outsystems_services/service_manager.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kNoHold = absl::ZeroDuration();

class RunningRevisionsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (manager_ != nullptr) {
      EXPECT_TRUE(manager_->Control(ServiceAction::kStop, {}, kNoHold, nullptr).ok());
    }
  }
  std::string Record() const { return tmp_.Sub("services.json"); }
  // manager_ over two sleeping process services, tracked in book_ (read from Record()).
  void MakeManager() {
    std::vector<std::unique_ptr<ServiceBackend>> backends;
    for (const char* name : {"A", "B"}) {
      ServiceConfig config;
      config.name = name;
      config.command = {"/bin/sleep", "60"};
      config.ready.stays_up = absl::Milliseconds(50);
      config.start_timeout = absl::Seconds(10);
      config.stop_timeout = absl::Seconds(5);
      absl::StatusOr<std::unique_ptr<ServiceBackend>> b = MakeServiceBackend(config, tmp_.path());
      ASSERT_TRUE(b.ok()) << b.status();
      backends.push_back(*std::move(b));
    }
    book_ = std::make_unique<RunningRevisions>(Record());
    ASSERT_TRUE(book_->Load().ok());
    manager_ = std::make_unique<ServiceManager>(std::move(backends), kNoHold);
    manager_->TrackRevisions(book_.get(), [this] { return file_revision_; });
  }
  std::vector<std::string> RevisionsNow() {
    std::vector<std::string> out;
    for (const ServiceRevision& r : manager_->Revisions()) {
      out.push_back(r.service + (r.running ? " running " : " stopped ") + r.revision);
    }
    return out;
  }

  osfleet::testing::TempDir tmp_;
  std::string file_revision_ = "r1";
  std::unique_ptr<RunningRevisions> book_;
  std::unique_ptr<ServiceManager> manager_;
};

TEST_F(RunningRevisionsTest, AStartRecordsTheFileItReadsAndOnlyARestartChangesIt) {
  MakeManager();
  ASSERT_TRUE(manager_->Control(ServiceAction::kStart, {}, kNoHold, nullptr).ok());
  EXPECT_THAT(RevisionsNow(), ElementsAre("A running r1", "B running r1"));
  EXPECT_THAT(manager_->RunningOnOtherThan("r1"), IsEmpty());
  file_revision_ = "r2";  // the file changes; the services keep what they read
  EXPECT_THAT(manager_->RunningOnOtherThan("r2"), ElementsAre("A", "B"));
  // A start of a running service does not restart it: it still runs on r1.
  ASSERT_TRUE(manager_->Control(ServiceAction::kStart, {}, kNoHold, nullptr).ok());
  EXPECT_THAT(RevisionsNow(), ElementsAre("A running r1", "B running r1"));
  ASSERT_TRUE(manager_->Control(ServiceAction::kRestart, {"B"}, kNoHold, nullptr).ok());
  EXPECT_THAT(RevisionsNow(), ElementsAre("A running r1", "B running r2"));
  EXPECT_THAT(manager_->RunningOnOtherThan("r2"), ElementsAre("A"));
  ASSERT_TRUE(manager_->Control(ServiceAction::kStop, {"A"}, kNoHold, nullptr).ok());
  EXPECT_THAT(RevisionsNow(), ElementsAre("A stopped ", "B running r2"));
  EXPECT_THAT(manager_->RunningOnOtherThan("r2"), IsEmpty());  // a stopped one lags nothing
}

TEST_F(RunningRevisionsTest, ARestartedAgentStillKnowsWhatItsServicesRunOn) {
  MakeManager();
  ASSERT_TRUE(manager_->Control(ServiceAction::kStart, {}, kNoHold, nullptr).ok());
  std::vector<ServiceStatus> running = manager_->List();
  // A new agent process reads the record; the services (still running) are found by pid.
  RunningRevisions again(Record());
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.RevisionOf(running[0]), "r1");
  EXPECT_EQ(again.RevisionOf(running[1]), "r1");
  // Under another process (restarted by something else since): the agent cannot tell.
  ServiceStatus other = running[0];
  other.pid += 100000;
  EXPECT_EQ(again.RevisionOf(other), "");
  ServiceStatus stopped = running[0];
  stopped.state = ServiceState::kStopped;
  EXPECT_EQ(again.RevisionOf(stopped), "");
}

TEST_F(RunningRevisionsTest, AServiceTheAgentDidNotStartRunsOnAnUnknownRevision) {
  RunningRevisions book(Record());
  ASSERT_TRUE(book.Load().ok());  // no record yet
  ServiceStatus s;
  s.name = "OutSystems Deployment Service";
  s.state = ServiceState::kRunning;
  s.pid = 4242;
  EXPECT_EQ(book.RevisionOf(s), "");
  book.Started(s.name, "r7", 0);  // a backend that knows no pid: the record is trusted
  EXPECT_EQ(book.RevisionOf(s), "r7");
}

TEST_F(RunningRevisionsTest, ACorruptRecordIsReportedAndReplaced) {
  std::ofstream(Record()) << "{not json";
  RunningRevisions book(Record());
  absl::Status loaded = book.Load();
  EXPECT_TRUE(absl::IsDataLoss(loaded)) << loaded;
  EXPECT_THAT(loaded.message(), HasSubstr(Record()));
  book.Started("A", "r1", 0);
  RunningRevisions again(Record());
  EXPECT_TRUE(again.Load().ok());
}

}  // namespace
}  // namespace osfleet::agent
