// The fixture of ChangeManager's tests (change_manager_test.cc: windows, reverts and
// restarts; change_manager_lease_test.cc: leases): a real server.hsconf in a temp dir, a
// clock the test moves, and a revert hook that records.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "agent/endpoints/backup_store.h"
#include "agent/endpoints/change_manager.h"
#include "agent/endpoints/hsconf_store.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {

// Not in an anonymous namespace: both files' tests are one suite, on one fixture class.
class ChangeManagerTest : public ::testing::Test {
 protected:
  static constexpr char kNewAddress[] = "sqlnew01.corp.example.com";
  static constexpr absl::Duration kWindow = absl::Minutes(10);
  // Bounds a wait for the timer thread in real time; it is never slept.
  static constexpr absl::Duration kPatience = absl::Seconds(30);
  static constexpr char kOwner[] = "alice (serial 0A)";

  static std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

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
  ::osfleet::testing::FakeClock clock_;
  std::filesystem::path dir_;
  std::string hsconf_, original_;
  std::unique_ptr<BackupStore> backups_;
  std::unique_ptr<HsconfStore> store_;
  std::unique_ptr<ServiceManager> services_;
  std::unique_ptr<ChangeManager> manager_;
  std::unique_ptr<absl::Notification> reverted_;
  AutoRevert last_revert_;
};

}  // namespace osfleet::agent
