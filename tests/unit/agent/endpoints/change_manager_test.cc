// ChangeManager on a real server.hsconf in a temp dir, with a clock the test moves: the
// confirm window, its automatic revert (also after an agent restart), and a failed
// restart that reverts at once.
#include "agent/endpoints/change_manager.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "agent/endpoints/backup_store.h"
#include "agent/endpoints/hsconf_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::HasSubstr;

constexpr char kNewAddress[] = "sqlnew01.corp.example.com";
constexpr absl::Duration kWindow = absl::Minutes(10);
// Bounds a wait for the timer thread in real time; it is never slept.
constexpr absl::Duration kPatience = absl::Seconds(30);

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ChangeManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("change_manager_test.", ::getpid(), ".", counter_++);
    std::filesystem::create_directories(dir_);
    hsconf_ = (dir_ / "server.hsconf").string();
    std::filesystem::copy_file(absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/sqlserver-dc.hsconf"),
                               hsconf_);
    original_ = ReadBytes(hsconf_);
    backups_ = std::make_unique<BackupStore>((dir_ / "backups").string(), 20);
    store_ = std::make_unique<HsconfStore>(hsconf_, backups_.get());
  }
  void TearDown() override {
    manager_.reset();
    services_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A manager over `backends` (none by default), its revert hook recording into
  // reverted_.
  void MakeManager(std::vector<std::unique_ptr<ServiceBackend>> backends = {}) {
    manager_.reset();
    services_ = std::make_unique<ServiceManager>(std::move(backends), absl::ZeroDuration());
    manager_ = std::make_unique<ChangeManager>(store_.get(), services_.get(), PendingPath(),
                                               absl::ZeroDuration(), &clock_);
    reverted_ = std::make_unique<absl::Notification>();
    manager_->set_auto_revert_hook([this](const AutoRevert& r) {
      last_revert_ = r;
      reverted_->Notify();
    });
  }
  std::string PendingPath() const { return (dir_ / "pending.json").string(); }

  absl::StatusOr<ApplyOutcome> ApplyNewPlatform(absl::Duration window, bool restart = false) {
    absl::StatusOr<HsconfDocument> doc = store_->Read();
    if (!doc.ok()) return doc.status();
    ApplyInput input;
    input.set.edits = {{DatabaseId::kPlatform, kNewAddress}};
    input.set.expected_revision = doc->revision;
    input.confirm_within = window;
    input.restart_services = restart;
    return manager_->Apply(std::move(input), nullptr);
  }
  bool FileHasNewAddress() const {
    return ReadBytes(hsconf_).find(kNewAddress) != std::string::npos;
  }

  static inline int counter_ = 0;
  FakeClock clock_;
  std::filesystem::path dir_;
  std::string hsconf_, original_;
  std::unique_ptr<BackupStore> backups_;
  std::unique_ptr<HsconfStore> store_;
  std::unique_ptr<ServiceManager> services_;
  std::unique_ptr<ChangeManager> manager_;
  std::unique_ptr<absl::Notification> reverted_;
  AutoRevert last_revert_;
};

TEST_F(ChangeManagerTest, ChangeWithoutWindowIsFinalAndArmsNoTimer) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(absl::ZeroDuration());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->pending);
  EXPECT_FALSE(manager_->pending().has_value());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
  clock_.Advance(absl::Hours(48));
  EXPECT_EQ(clock_.NextDeadline(), absl::InfiniteFuture());
  EXPECT_TRUE(FileHasNewAddress());
}

TEST_F(ChangeManagerTest, WindowEndsExactlyConfirmWithinAfterTheChange) {
  MakeManager();
  const absl::Time start = clock_.Now();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->pending);
  EXPECT_EQ(out->confirm_deadline, start + kWindow);
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  EXPECT_EQ(clock_.NextDeadline(), start + kWindow);
  EXPECT_TRUE(std::filesystem::exists(PendingPath()));
  EXPECT_TRUE(FileHasNewAddress());
}

TEST_F(ChangeManagerTest, ConfirmInsideTheWindowKeepsTheChange) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kWindow - absl::Seconds(1));
  absl::StatusOr<std::string> confirmed = manager_->Confirm(out->set.change_id);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(*confirmed, out->set.change_id);
  EXPECT_FALSE(manager_->pending().has_value());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
  clock_.Advance(absl::Hours(1));  // long past the window: nothing reverts a confirmed change
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_TRUE(FileHasNewAddress());
  // Confirming again (a client retrying a lost answer) is fine.
  EXPECT_TRUE(manager_->Confirm(out->set.change_id).ok());
}

TEST_F(ChangeManagerTest, UnconfirmedChangeRevertsByItselfWhenTheWindowEnds) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kWindow);
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(last_revert_.status.ok()) << last_revert_.status;
  EXPECT_EQ(last_revert_.change_id, out->set.change_id);
  EXPECT_THAT(last_revert_.reason, HasSubstr("not confirmed by"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);  // byte for byte
  EXPECT_FALSE(manager_->pending().has_value());
  // The hook runs while the revert still holds the change token: a new manager (as after
  // an agent restart) waits for the timer thread to let go, and has nothing to confirm.
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
  absl::StatusOr<std::string> late = manager_->Confirm(out->set.change_id);
  EXPECT_TRUE(absl::IsNotFound(late.status())) << late.status();
}

TEST_F(ChangeManagerTest, NoOtherChangeWhileOneIsPending) {
  MakeManager();
  ASSERT_TRUE(ApplyNewPlatform(kWindow).ok());
  absl::StatusOr<ApplyOutcome> second = ApplyNewPlatform(kWindow);
  EXPECT_TRUE(absl::IsAborted(second.status())) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr("is pending confirmation until"));
}

TEST_F(ChangeManagerTest, AgentRestartedInsideTheWindowStillRevertsAtItsEnd) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(absl::Minutes(4));
  MakeManager();  // a new agent process: only the record on disk is left
  ASSERT_TRUE(manager_->Recover().ok());
  ASSERT_TRUE(manager_->pending().has_value());
  EXPECT_EQ(manager_->pending()->change_id, out->set.change_id);
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  EXPECT_EQ(clock_.NextDeadline(), out->confirm_deadline);  // the same window, not a new one
  clock_.Advance(absl::Minutes(6));
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, AgentStartedAfterTheWindowEndedRevertsAtOnce) {
  MakeManager();
  ASSERT_TRUE(ApplyNewPlatform(kWindow).ok());
  manager_.reset();  // the agent is down when the window ends
  clock_.Advance(kWindow + absl::Minutes(1));
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(last_revert_.status.ok()) << last_revert_.status;
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, FileChangedOutsideTheAgentIsNotReverted) {
  MakeManager();
  ASSERT_TRUE(ApplyNewPlatform(kWindow).ok());
  manager_.reset();
  std::string edited = ReadBytes(hsconf_) + "\n";
  std::ofstream(hsconf_, std::ios::binary | std::ios::trunc) << edited;
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  EXPECT_FALSE(manager_->pending().has_value());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
  EXPECT_EQ(ReadBytes(hsconf_), edited);
}

TEST_F(ChangeManagerTest, ExplicitRevertOfThePendingChange) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<RevertOutcome> back = manager_->RevertPending(false, "");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->reverted_change_id, out->set.change_id);
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  EXPECT_FALSE(manager_->pending().has_value());
  clock_.Advance(kWindow * 2);
  EXPECT_FALSE(reverted_->HasBeenNotified());  // nothing left for the timer
}

TEST_F(ChangeManagerTest, ServicesThatFailToStartRevertTheChangeAtOnce) {
  ServiceConfig config;
  config.name = "OutSystems Deployment Service";
  config.command = {"/bin/sh", "-c", "echo cannot reach the database >&2; exit 3"};
  config.ready.stays_up = absl::Milliseconds(200);
  config.start_timeout = absl::Seconds(10);
  config.stop_timeout = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<ServiceBackend>> backend =
      MakeServiceBackend(config, (dir_ / "services").string());
  ASSERT_TRUE(backend.ok()) << backend.status();
  std::vector<std::unique_ptr<ServiceBackend>> backends;
  backends.push_back(std::move(*backend));
  MakeManager(std::move(backends));
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, /*restart=*/true);
  ASSERT_TRUE(absl::IsFailedPrecondition(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("reverted: services failed to start"));
  ASSERT_TRUE(reverted_->HasBeenNotified());  // reported before Apply returned
  EXPECT_THAT(last_revert_.reason, HasSubstr("services failed to start"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  EXPECT_FALSE(manager_->pending().has_value());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
}

}  // namespace
}  // namespace osfleet::agent
