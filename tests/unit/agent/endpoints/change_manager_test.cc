// ChangeManager on a real server.hsconf in a temp dir, with a clock the test moves: the
// confirm window, its automatic revert (also after an agent restart), and a failed
// restart that reverts at once. Leases: change_manager_lease_test.cc.
#include "agent/endpoints/change_manager.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/endpoints/change_manager_fixture.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

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

// /InstallServiceCenter is part of a change's record: its revert runs the tool the same
// way (Service Center goes back onto the restored settings), the agent's own revert after
// a restart included; a change without it is reverted without it.
TEST_F(ChangeManagerTest, ARevertRunsTheConfigurationToolAsTheChangeDid) {
  const std::string runs = (dir_ / "runs").string();
  const std::string script = (dir_ / "tool.sh").string();
  std::ofstream(script) << "#!/bin/sh\necho \"$*\" >> '" << runs << "'\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  ConfigurationToolConfig config;
  config.command = {script};
  config.timeout = absl::Seconds(20);
  const ConfigurationTool tool(config);
  MakeManager();
  manager_->set_configuration_tool(&tool);
  ASSERT_TRUE(ApplyNewPlatform(kWindow, false, absl::ZeroDuration(), {true, {}}).ok());
  MakeManager();  // a new agent process: only the record on disk is left
  manager_->set_configuration_tool(&tool);
  ASSERT_TRUE(manager_->Recover().ok());
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kWindow);
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  EXPECT_EQ(ReadBytes(runs),
            "/UpgradeInstall /InstallServiceCenter\n/UpgradeInstall /InstallServiceCenter\n");

  ASSERT_TRUE(ApplyNewPlatform(kWindow).ok());  // without it
  ASSERT_TRUE(manager_->RevertPending(false, "").ok());
  EXPECT_EQ(ReadBytes(runs),
            "/UpgradeInstall /InstallServiceCenter\n/UpgradeInstall /InstallServiceCenter\n"
            "/UpgradeInstall\n/UpgradeInstall\n");

  // A restore that supersedes such a pending change reverts it the same way.
  std::ofstream(runs, std::ios::trunc).close();
  absl::StatusOr<ApplyOutcome> with =
      ApplyNewPlatform(kWindow, false, absl::ZeroDuration(), {true, {}});
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_TRUE(
      manager_->Restore({with->set.backup_id, with->set.revision, false, "by hand"}, false).ok());
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  EXPECT_EQ(ReadBytes(runs),
            "/UpgradeInstall /InstallServiceCenter\n/UpgradeInstall /InstallServiceCenter\n");
  manager_.reset();  // before the tool it points to
}

TEST_F(ChangeManagerTest, ServicesThatFailToStartRevertTheChangeAtOnce) {
  MakeManagerWithService({"/bin/sh", "-c", "echo cannot reach the database >&2; exit 3"},
                         absl::Milliseconds(200));
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, /*restart=*/true);
  ASSERT_TRUE(absl::IsFailedPrecondition(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("reverted: services failed to start"));
  ASSERT_TRUE(reverted_->HasBeenNotified());  // reported before Apply returned
  EXPECT_THAT(last_revert_.reason, HasSubstr("services failed to start"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  EXPECT_FALSE(manager_->pending().has_value());
  EXPECT_FALSE(std::filesystem::exists(PendingPath()));
}

// Services read server.hsconf only when they start. A change made without a restart,
// whose services were then restarted by hand (now on the new file), must restart them
// again when it is reverted: the change's own "no restart" is not what they run on.
TEST_F(ChangeManagerTest, RevertRestartsServicesThatRunOnTheRevisionItTakesAway) {
  MakeManagerWithService({"/bin/sleep", "60"}, absl::Milliseconds(50));
  RunningRevisions book((dir_ / "services.json").string());
  services_->TrackRevisions(&book, [this] { return store_->CurrentRevision(); });
  const std::string original_revision = store_->CurrentRevision();
  ASSERT_TRUE(services_->Control(ServiceAction::kStart, {}, absl::ZeroDuration(), nullptr).ok());
  const int64_t first_pid = services_->List()[0].pid;

  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow);  // no restart
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(services_->RunningOnOtherThan(out->set.revision), ::testing::SizeIs(1));
  ASSERT_TRUE(services_->Control(ServiceAction::kRestart, {}, absl::ZeroDuration(), nullptr).ok());
  EXPECT_TRUE(services_->RunningOnOtherThan(out->set.revision).empty());
  const int64_t second_pid = services_->List()[0].pid;
  EXPECT_NE(second_pid, first_pid);

  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kWindow);
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(last_revert_.status.ok()) << last_revert_.status;
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  // The revert restarted the service on the restored file.
  EXPECT_TRUE(services_->RunningOnOtherThan(original_revision).empty());
  EXPECT_NE(services_->List()[0].pid, second_pid);
  ASSERT_TRUE(services_->Control(ServiceAction::kStop, {}, absl::ZeroDuration(), nullptr).ok());
}

}  // namespace
}  // namespace osfleet::agent
