#include "agent/outsystems_services/service_manager.h"

#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kNoHold = absl::ZeroDuration();

class ServiceManagerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (manager_ != nullptr) {
      EXPECT_TRUE(manager_->Control(ServiceAction::kStop, {}, kNoHold, nullptr).ok());
    }
  }

  static ServiceConfig Process(const std::string& name, std::vector<std::string> command) {
    ServiceConfig config;
    config.name = name;
    config.command = std::move(command);
    config.ready.stays_up = absl::Milliseconds(50);
    config.start_timeout = absl::Seconds(10);
    config.stop_timeout = absl::Seconds(5);
    return config;
  }
  // Sets manager_ over process backends for these configs, in this order.
  void MakeManager(const std::vector<ServiceConfig>& configs, absl::Duration min_healthy) {
    std::vector<std::unique_ptr<ServiceBackend>> backends;
    for (const ServiceConfig& config : configs) {
      absl::StatusOr<std::unique_ptr<ServiceBackend>> backend =
          MakeServiceBackend(config, tmp_.Sub("state"));
      ASSERT_TRUE(backend.ok()) << backend.status();
      backends.push_back(std::move(*backend));
    }
    manager_ = std::make_unique<ServiceManager>(std::move(backends), min_healthy);
  }
  ServiceEventSink Recorder() {
    return [this](const ServiceEvent& event) {
      events_.push_back(absl::StrCat(event.service, " ", ServiceStateName(event.state)));
      if (!event.detail.empty()) details_.push_back(event.detail);
    };
  }
  std::vector<int64_t> Pids() {
    std::vector<int64_t> pids;
    for (const ServiceStatus& status : manager_->List()) pids.push_back(status.pid);
    return pids;
  }

  osfleet::testing::TempDir tmp_;
  std::unique_ptr<ServiceManager> manager_;
  std::vector<std::string> events_;
  std::vector<std::string> details_;
};

TEST_F(ServiceManagerTest, RestartStopsInReverseAndStartsInOrder) {
  MakeManager({Process("A", {"/bin/sleep", "60"}), Process("B", {"/bin/sleep", "60"}),
               Process("C", {"/bin/sleep", "60"})},
              kNoHold);
  EXPECT_THAT(manager_->Names(), ElementsAre("A", "B", "C"));
  ASSERT_TRUE(manager_->Control(ServiceAction::kStart, {}, kNoHold, nullptr).ok());
  const std::vector<int64_t> before = Pids();

  ASSERT_TRUE(manager_->Control(ServiceAction::kRestart, {}, kNoHold, Recorder()).ok());
  EXPECT_THAT(events_, ElementsAre("C stopping", "C stopped", "B stopping", "B stopped",
                                   "A stopping", "A stopped", "A starting", "A running",
                                   "B starting", "B running", "C starting", "C running"));
  const std::vector<int64_t> after = Pids();
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_GT(after[i], 0);
    EXPECT_NE(after[i], before[i]);
    EXPECT_NE(kill(static_cast<pid_t>(before[i]), 0), 0);
  }
}

TEST_F(ServiceManagerTest, NamedServicesKeepTheConfiguredOrder) {
  MakeManager({Process("A", {"/bin/sleep", "60"}), Process("B", {"/bin/sleep", "60"}),
               Process("C", {"/bin/sleep", "60"})},
              kNoHold);
  ASSERT_TRUE(manager_->Control(ServiceAction::kRestart, {"C", "A"}, kNoHold, Recorder()).ok());
  EXPECT_THAT(events_, ElementsAre("C stopping", "C stopped", "A stopping", "A stopped",
                                   "A starting", "A running", "C starting", "C running"));
  const std::vector<ServiceStatus> list = manager_->List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].state, ServiceState::kRunning);
  EXPECT_EQ(list[1].state, ServiceState::kStopped);
  EXPECT_EQ(list[2].state, ServiceState::kRunning);
}

TEST_F(ServiceManagerTest, UnknownNameIsRefusedWithNothingDone) {
  MakeManager({Process("A", {"/bin/sleep", "60"}), Process("B", {"/bin/sleep", "60"})}, kNoHold);
  const absl::Status status =
      manager_->Control(ServiceAction::kStart, {"A", "Nope"}, kNoHold, Recorder());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown service \"Nope\"; known: \"A\", \"B\""));
  EXPECT_THAT(events_, IsEmpty());
  for (const ServiceStatus& s : manager_->List()) EXPECT_EQ(s.state, ServiceState::kStopped);
}

TEST_F(ServiceManagerTest, ServiceDyingWithinMinHealthyFailsTheStart) {
  MakeManager({Process("A", {"/bin/sleep", "60"}),
               Process("B", {"/bin/sh", "-c", "sleep 0.2; echo bye >&2; exit 5"})},
              absl::Milliseconds(1000));
  const absl::Status status =
      manager_->Control(ServiceAction::kStart, {}, absl::Seconds(-1), Recorder());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("B stopped within min_healthy (1s): exited with "
                                          "status 5: bye"));
  EXPECT_THAT(events_,
              ElementsAre("A starting", "A running", "B starting", "B running", "B failed"));
  ASSERT_EQ(details_.size(), 1u);
  EXPECT_THAT(details_[0], HasSubstr("bye"));
}

TEST_F(ServiceManagerTest, HoldsMinHealthyWhenAllStayUp) {
  MakeManager({Process("A", {"/bin/sleep", "60"})}, absl::Seconds(30));
  const absl::Time before = absl::Now();
  ASSERT_TRUE(
      manager_->Control(ServiceAction::kStart, {}, absl::Milliseconds(300), Recorder()).ok());
  EXPECT_GE(absl::Now() - before, absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - before, absl::Seconds(30));  // the call's min_healthy wins
  EXPECT_THAT(events_, ElementsAre("A starting", "A running"));
}

TEST_F(ServiceManagerTest, FailedStartStopsTheSequence) {
  MakeManager({Process("A", {"/bin/false"}), Process("B", {"/bin/sleep", "60"})}, kNoHold);
  const absl::Status status = manager_->Control(ServiceAction::kStart, {}, kNoHold, Recorder());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("A exited with status 1 during start"));
  EXPECT_THAT(events_, ElementsAre("A starting", "A failed"));
  EXPECT_EQ(manager_->List()[1].state, ServiceState::kStopped);
}

// A backend (say a future one) whose texts are not UTF-8: the manager's events, statuses and
// errors are valid anyway.
class CodePageBackend final : public ServiceBackend {
 public:
  const std::string& name() const override { return name_; }
  absl::Status Start() override { return absl::FailedPreconditionError("D\xE9marrage \xFF"); }
  absl::Status Stop() override { return absl::OkStatus(); }
  ServiceStatus Status() override {
    ServiceStatus status;
    status.name = name_;
    status.state = ServiceState::kFailed;
    status.detail = "arr\xEAt\xC3";
    return status;
  }
  absl::Status CheckKnown() override { return absl::NotFoundError("inconnu \xFF"); }

 private:
  const std::string name_ = "OutSystems Scheduler Service";
};

TEST(ServiceManagerUtf8Test, EventsStatusesAndErrorsAreValidUtf8) {
  std::vector<std::unique_ptr<ServiceBackend>> backends;
  backends.push_back(std::make_unique<CodePageBackend>());
  ServiceManager manager(std::move(backends), absl::ZeroDuration());
  std::vector<std::string> details;
  const absl::Status status =
      manager.Control(ServiceAction::kRestart, {}, absl::ZeroDuration(),
                      [&details](const ServiceEvent& e) { details.push_back(e.detail); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "D\xEF\xBF\xBDmarrage \xEF\xBF\xBD");
  for (const std::string& detail : details) EXPECT_TRUE(IsValidUtf8(detail)) << detail;
  EXPECT_THAT(details, ::testing::Contains("D\xEF\xBF\xBDmarrage \xEF\xBF\xBD"));
  EXPECT_EQ(manager.List()[0].detail, "arr\xEF\xBF\xBDt\xEF\xBF\xBD");
  const std::vector<ServiceManager::Known> known = manager.CheckKnown();
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known[0].known.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(known[0].known.message(), "inconnu \xEF\xBF\xBD");
  EXPECT_EQ(known[0].status.detail, "arr\xEF\xBF\xBDt\xEF\xBF\xBD");
}

TEST(ServiceBackendTest, StateNames) {
  EXPECT_STREQ(ServiceStateName(ServiceState::kRunning), "running");
  EXPECT_STREQ(ServiceStateName(ServiceState::kStopping), "stopping");
  EXPECT_STREQ(ServiceStateName(ServiceState::kUnknown), "unknown");
}

TEST(ServiceBackendTest, WindowsBackendIsRefusedOffWindows) {
  ServiceConfig config;
  config.name = "OutSystems Deployment Service";
  config.backend = BackendKind::kWindows;
  const absl::StatusOr<std::unique_ptr<ServiceBackend>> backend =
      MakeServiceBackend(config, ::testing::TempDir());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(backend.status().message(),
              HasSubstr("backend windows is only available on Windows"));
}

}  // namespace
}  // namespace osfleet::agent
