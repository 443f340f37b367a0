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
constexpr char kOwner[] = "alice (serial 0A)";

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
  // A manager over one `process` service running `command`, ready once up `stays_up`.
  void MakeManagerWithService(std::vector<std::string> command, absl::Duration stays_up) {
    ServiceConfig config;
    config.name = "OutSystems Deployment Service";
    config.command = std::move(command);
    config.ready.stays_up = stays_up;
    config.start_timeout = absl::Seconds(10);
    config.stop_timeout = absl::Seconds(5);
    absl::StatusOr<std::unique_ptr<ServiceBackend>> backend =
        MakeServiceBackend(config, (dir_ / "services").string());
    ASSERT_TRUE(backend.ok()) << backend.status();
    std::vector<std::unique_ptr<ServiceBackend>> backends;
    backends.push_back(std::move(*backend));
    MakeManager(std::move(backends));
  }
  std::string PendingPath() const { return (dir_ / "pending.json").string(); }

  absl::StatusOr<ApplyOutcome> ApplyNewPlatform(absl::Duration window, bool restart = false,
                                                absl::Duration lease = absl::ZeroDuration(),
                                                ToolRequest tool = {}) {
    absl::StatusOr<HsconfDocument> doc = store_->Read();
    if (!doc.ok()) return doc.status();
    ApplyInput input;
    input.set.edits = {{DatabaseId::kPlatform, kNewAddress}};
    input.set.expected_revision = doc->revision;
    input.confirm_within = window;
    input.restart_services = restart;
    input.lease = lease;
    input.tool = std::move(tool);
    input.owner = kOwner;
    return manager_->Apply(std::move(input), nullptr);
  }
  // Polls (up to kPatience of real time) until the timer thread sleeps until `deadline`.
  bool AlarmAt(absl::Duration deadline) {
    const absl::Time give_up = absl::Now() + kPatience;
    while (clock_.NextAlarm() != deadline) {
      if (absl::Now() > give_up) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }
  // The owner's Renew (zero: the length granted); a refusal fails the test.
  RenewOutcome Renew(const std::string& change_id, absl::Duration lease = absl::ZeroDuration()) {
    absl::StatusOr<RenewOutcome> r = manager_->Renew(change_id, lease, kOwner);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RenewOutcome{};
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

// --- leases ---

constexpr absl::Duration kLease = absl::Seconds(30);

TEST_F(ChangeManagerTest, LeaseThatIsNotRenewedRevertsLongBeforeTheWindowEnds) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.Advance(kLease - absl::Milliseconds(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kPending);
  clock_.Advance(kLease);  // no renewal for a whole lease
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_THAT(last_revert_.reason, HasSubstr("lease of 30s ended"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
  const RenewOutcome late = Renew(out->set.change_id);
  EXPECT_EQ(late.status, ChangeStatus::kReverted);
  EXPECT_THAT(late.detail, HasSubstr("lease of 30s ended"));
  absl::StatusOr<std::string> confirm = manager_->Confirm(out->set.change_id);
  EXPECT_TRUE(absl::IsFailedPrecondition(confirm.status())) << confirm.status();
}

TEST_F(ChangeManagerTest, RenewedLeaseHoldsTheChangeUntilConfirmed) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  for (int i = 0; i < 20; ++i) {  // 20 x 20s: far past one lease, inside the window
    clock_.Advance(absl::Seconds(20));
    const RenewOutcome r = Renew(out->set.change_id);
    ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
    EXPECT_EQ(r.lease_remaining, kLease);
    EXPECT_EQ(r.confirm_remaining, kWindow - absl::Seconds(20) * (i + 1));
    EXPECT_EQ(r.revision, out->set.revision);
  }
  EXPECT_FALSE(reverted_->HasBeenNotified());
  ASSERT_TRUE(manager_->Confirm(out->set.change_id).ok());
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kConfirmed);
  clock_.Advance(absl::Hours(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_TRUE(FileHasNewAddress());
}

TEST_F(ChangeManagerTest, RenewalNeverOutlivesTheWindow) {
  MakeManager();
  const absl::Duration window = absl::Seconds(45);
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(window, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(absl::Seconds(25));
  const RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_EQ(r.lease_remaining, absl::Seconds(20));  // capped by the window
  clock_.Advance(absl::Seconds(20));
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, EndedLeaseIsNeverRenewedEvenBeforeTheRevertRuns) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(kLease);
  // The timer may or may not have reverted yet: either way the change is not pending.
  const RenewOutcome r = Renew(out->set.change_id);
  EXPECT_NE(r.status, ChangeStatus::kPending);
  EXPECT_THAT(r.detail, HasSubstr("lease of 30s ended"));
  EXPECT_FALSE(manager_->Confirm(out->set.change_id).ok());
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, WallClockJumpsNeitherEndNorExtendALease) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));
  clock_.SetWallClock(clock_.Now() + absl::Hours(2));  // forward past the window
  RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
  EXPECT_EQ(r.confirm_remaining, kWindow);
  ASSERT_TRUE(manager_->Confirm(out->set.change_id).ok());
  EXPECT_FALSE(reverted_->HasBeenNotified());

  // A backward jump does not keep a lease alive either.
  MakeManager();
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  ASSERT_TRUE(doc.ok());
  ApplyInput input;
  input.set.edits = {{DatabaseId::kPlatform, "sqlother.corp.example.com"}};
  input.set.expected_revision = doc->revision;
  input.confirm_within = kWindow;
  input.lease = kLease;
  absl::StatusOr<ApplyOutcome> second = manager_->Apply(std::move(input), nullptr);
  ASSERT_TRUE(second.ok()) << second.status();
  clock_.SetWallClock(clock_.Now() - absl::Hours(2));
  clock_.Advance(kLease);
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(last_revert_.change_id, second->set.change_id);
}

TEST_F(ChangeManagerTest, RestartedAgentGivesAWholeLeaseAndOnlyWhatIsLeftOfTheWindow) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  clock_.Advance(absl::Seconds(20));
  manager_.reset();  // the agent stops for 4 minutes (longer than the lease)
  clock_.Advance(absl::Minutes(4));
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  const RenewOutcome r = Renew(out->set.change_id);
  ASSERT_EQ(r.status, ChangeStatus::kPending) << r.detail;
  EXPECT_EQ(r.confirm_remaining, kWindow - absl::Seconds(20) - absl::Minutes(4));
  EXPECT_EQ(r.lease_remaining, kLease);
  clock_.Advance(kLease);  // the client is gone: one lease later it is reverted
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, RenewOfAChangeThisAgentNeverMadeSaysUnknown) {
  MakeManager();
  const RenewOutcome r = Renew("20261202-000000-dead");
  EXPECT_EQ(r.status, ChangeStatus::kUnknown);
  EXPECT_THAT(r.detail, HasSubstr("not known to this agent"));
}

TEST_F(ChangeManagerTest, AnotherClientsRenewIsRefusedNamingTheOwnerAndChangesNothing) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<RenewOutcome> other =
      manager_->Renew(out->set.change_id, absl::Milliseconds(500), "mallory (serial 0B)");
  EXPECT_TRUE(absl::IsPermissionDenied(other.status())) << other.status();
  EXPECT_THAT(other.status().message(), HasSubstr("held by alice (serial 0A)"));
  // The same CN on another certificate is another client.
  EXPECT_TRUE(absl::IsPermissionDenied(
      manager_->Renew(out->set.change_id, absl::ZeroDuration(), "alice (serial 0C)").status()));
  clock_.Advance(kLease - absl::Seconds(1));
  EXPECT_FALSE(reverted_->HasBeenNotified());
  EXPECT_TRUE(manager_->Confirm(out->set.change_id).ok());
}

TEST_F(ChangeManagerTest, OwnerShorteningTheLeaseRevertsWhenTheShortLeaseEnds) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(clock_.WaitForWaiters(1, kPatience));  // the timer sleeps until the lease's end
  const absl::Time before = clock_.Now();
  const RenewOutcome r = Renew(out->set.change_id, absl::Seconds(1));
  ASSERT_EQ(r.status, ChangeStatus::kPending);
  EXPECT_EQ(r.lease_remaining, absl::Seconds(1));
  EXPECT_TRUE(r.moved);
  EXPECT_EQ(r.lease_end_before, before + kLease);
  EXPECT_EQ(r.lease_end_after, before + absl::Seconds(1));
  // The timer was woken and sleeps again until the new, earlier end.
  ASSERT_TRUE(AlarmAt(clock_.Monotonic() + absl::Seconds(1))) << clock_.NextAlarm();
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(reverted_->WaitForNotificationWithTimeout(kPatience));
  EXPECT_THAT(last_revert_.reason, HasSubstr("shortened to 1s by its owner's last renewal"));
  EXPECT_EQ(ReadBytes(hsconf_), original_);
}

TEST_F(ChangeManagerTest, OwnershipSurvivesAnAgentRestart) {
  MakeManager();
  absl::StatusOr<ApplyOutcome> out = ApplyNewPlatform(kWindow, false, kLease);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(ReadBytes(PendingPath()), HasSubstr("\"owner\": \"alice (serial 0A)\""));
  manager_.reset();
  MakeManager();
  ASSERT_TRUE(manager_->Recover().ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      manager_->Renew(out->set.change_id, absl::ZeroDuration(), "mallory (serial 0B)").status()));
  EXPECT_EQ(Renew(out->set.change_id).status, ChangeStatus::kPending);
}

}  // namespace
}  // namespace osfleet::agent
