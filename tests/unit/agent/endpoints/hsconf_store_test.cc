#include "agent/endpoints/hsconf_store.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/endpoints/backup_store.h"
#include "common/model/hsconf.h"
#include "common/model/revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kOldAddress[] = "SQLPROD01.corp.example.com";
constexpr char kNewAddress[] = "sqlnew01.corp.example.com";

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string FixturePath(const std::string& name) {
  return absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/", name, ".hsconf");
}

std::vector<EndpointEdit> PlatformTo(const std::string& address) {
  return {{DatabaseId::kPlatform, address}};
}

class HsconfStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = dir_ + "/server.hsconf";
    backup_dir_ = dir_ + "/backups";
    backup_store_ = std::make_unique<BackupStore>(backup_dir_, 1000);
    store_ = std::make_unique<HsconfStore>(path_, backup_store_.get());
    UseFixture("sqlserver-dc");
  }
  void UseFixture(const std::string& name) {
    original_ = ReadBytes(FixturePath(name));
    ASSERT_FALSE(original_.empty()) << name;
    WriteCurrent(original_);
  }
  void WriteCurrent(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
    ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  }
  std::string Current() const { return ReadBytes(path_); }
  size_t BackupCount() const {
    absl::StatusOr<std::vector<BackupInfo>> list = backup_store_->List();
    EXPECT_OK(list);
    return list.ok() ? list->size() : 0;
  }
  SetInput SetTo(const std::string& address, const std::string& revision) {
    SetInput in;
    in.edits = PlatformTo(address);
    in.expected_revision = revision;
    return in;
  }

  HsconfStore& Store() { return *store_; }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_, path_, backup_dir_, original_;
  std::unique_ptr<BackupStore> backup_store_;
  std::unique_ptr<HsconfStore> store_;
};

TEST_F(HsconfStoreTest, ReadParsesTheFileAndItsRevision) {
  absl::StatusOr<HsconfDocument> doc = Store().Read();
  ASSERT_OK(doc);
  EXPECT_EQ(doc->revision, Sha256Hex(original_));
  EXPECT_EQ(doc->section(DatabaseId::kPlatform).address, kOldAddress);
}

TEST_F(HsconfStoreTest, PlanReportsTheDiffAndChangesNothing) {
  const std::vector<EndpointEdit> edits = PlatformTo(kNewAddress);
  absl::StatusOr<PlanOutcome> plan = Store().Plan(edits, Sha256Hex(original_));
  ASSERT_OK(plan);
  EXPECT_EQ(plan->revision, Sha256Hex(original_));
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].database, DatabaseId::kPlatform);
  EXPECT_EQ(plan->changes[0].element, "Server");
  EXPECT_EQ(plan->changes[0].old_value, kOldAddress);
  EXPECT_EQ(plan->changes[0].new_value, kNewAddress);
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, PlanWithAStaleRevisionIsAborted) {
  const std::vector<EndpointEdit> edits = PlatformTo(kNewAddress);
  absl::StatusOr<PlanOutcome> plan = Store().Plan(edits, Sha256Hex("something else"));
  EXPECT_THAT(plan, StatusIs(absl::StatusCode::kAborted));
}

TEST_F(HsconfStoreTest, SetWritesAndBacksUpTheOldBytes) {
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(out);
  const std::string now = Current();
  EXPECT_NE(now, original_);
  EXPECT_EQ(out->previous_revision, Sha256Hex(original_));
  EXPECT_EQ(out->revision, Sha256Hex(now));
  ASSERT_EQ(out->changes.size(), 1u);
  EXPECT_EQ(out->changes[0].new_value, kNewAddress);
  EXPECT_THAT(out->change_id, HasSubstr("chg-"));
  absl::StatusOr<std::string> backup = backup_store_->Read(out->backup_id);
  ASSERT_OK(backup);
  EXPECT_EQ(*backup, original_);
  EXPECT_EQ(BackupCount(), 1u);
  absl::StatusOr<HsconfDocument> doc = Store().Read();
  ASSERT_OK(doc);
  EXPECT_EQ(doc->section(DatabaseId::kPlatform).address, kNewAddress);
  EXPECT_EQ(doc->section(DatabaseId::kLogging).address, kOldAddress);
}

TEST_F(HsconfStoreTest, SetReasonIsRecordedInTheBackup) {
  SetInput in = SetTo(kNewAddress, Sha256Hex(original_));
  in.reason = "ticket OPS-42";
  absl::StatusOr<SetOutcome> out = Store().Set(in);
  ASSERT_OK(out);
  absl::StatusOr<std::vector<BackupInfo>> list = backup_store_->List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].reason, absl::StrCat(out->change_id, ": ticket OPS-42"));
}

TEST_F(HsconfStoreTest, SetWithAStaleRevisionIsAbortedAndTouchesNothing) {
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo(kNewAddress, Sha256Hex("old bytes")));
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("revision conflict"));
  // Both revisions in full: cut to 12 digits, two revisions can look equal.
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr(absl::StrCat("at revision ", Sha256Hex(original_), ", not at the expected ",
                                     Sha256Hex("old bytes"))));
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, SetWithoutRevisionNeedsForce) {
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo(kNewAddress, ""));
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("expected_revision"));
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, ForcedSetWorksWithoutRevision) {
  SetInput in = SetTo(kNewAddress, "");
  in.force = true;
  absl::StatusOr<SetOutcome> out = Store().Set(in);
  ASSERT_OK(out);
  EXPECT_EQ(out->revision, Sha256Hex(Current()));
  EXPECT_NE(Current(), original_);
  EXPECT_EQ(BackupCount(), 1u);
}

TEST_F(HsconfStoreTest, NoOpSetWritesNothingAndMakesNoBackup) {
  struct stat before, after;
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo(kOldAddress, Sha256Hex(original_)));
  ASSERT_OK(out);
  EXPECT_THAT(out->changes, IsEmpty());
  EXPECT_EQ(out->revision, Sha256Hex(original_));
  EXPECT_EQ(out->previous_revision, out->revision);
  EXPECT_EQ(out->backup_id, "");
  ASSERT_EQ(stat(path_.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // not replaced by a rename
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, InvalidAddressIsRefusedAndTouchesNothing) {
  for (const char* bad : {"bad host!", "sql<01>", "sql01,99999", ""}) {
    absl::StatusOr<SetOutcome> out = Store().Set(SetTo(bad, Sha256Hex(original_)));
    EXPECT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, SetKeepsTheFileMode) {
  ASSERT_EQ(chmod(path_.c_str(), 0640), 0);
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(out);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(HsconfStoreTest, EveryBadFixtureIsRefusedBySetUntouched) {
  for (const char* name : {"bad-duplicate-server", "bad-encrypted-server", "bad-missing-session",
                           "bad-truncated", "bad-unknown-provider", "bad-wrong-root"}) {
    UseFixture(name);
    SetInput in;
    in.edits = {{DatabaseId::kPlatform, kNewAddress},
                {DatabaseId::kLogging, kNewAddress},
                {DatabaseId::kSession, kNewAddress}};
    in.expected_revision = Sha256Hex(original_);
    absl::StatusOr<SetOutcome> out = Store().Set(in);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition)
        << name << ": " << out.status();
    EXPECT_EQ(Current(), original_) << name;
  }
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, RollbackRestoresTheBackupExactly) {
  absl::StatusOr<SetOutcome> set = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(set);
  const std::string changed = Current();
  RollbackInput in{set->backup_id, set->revision, false, "undo"};
  absl::StatusOr<RollbackOutcome> out = Store().Rollback(in);
  ASSERT_OK(out);
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(out->previous_revision, Sha256Hex(changed));
  EXPECT_EQ(out->revision, Sha256Hex(original_));
  ASSERT_EQ(out->changes.size(), 1u);
  EXPECT_EQ(out->changes[0].old_value, kNewAddress);
  EXPECT_EQ(out->changes[0].new_value, kOldAddress);
  absl::StatusOr<std::string> pre_rollback = backup_store_->Read(out->backup_id);
  ASSERT_OK(pre_rollback);
  EXPECT_EQ(*pre_rollback, changed);
  EXPECT_EQ(BackupCount(), 2u);
}

TEST_F(HsconfStoreTest, RollbackWithAStaleRevisionIsAborted) {
  absl::StatusOr<SetOutcome> set = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(set);
  const std::string changed = Current();
  RollbackInput in{set->backup_id, Sha256Hex(original_), false, ""};
  EXPECT_THAT(Store().Rollback(in), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Current(), changed);
  EXPECT_EQ(BackupCount(), 1u);
}

TEST_F(HsconfStoreTest, RollbackToAnUnknownBackupIsNotFound) {
  RollbackInput in{"2020-01-01T000000.000000Z-deadbeef", Sha256Hex(original_), false, ""};
  EXPECT_THAT(Store().Rollback(in), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

TEST_F(HsconfStoreTest, ForcedRollbackWorksWithoutRevision) {
  absl::StatusOr<SetOutcome> set = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(set);
  RollbackInput in{set->backup_id, "", false, ""};
  EXPECT_THAT(Store().Rollback(in), StatusIs(absl::StatusCode::kInvalidArgument));
  in.force = true;
  absl::StatusOr<RollbackOutcome> out = Store().Rollback(in);
  ASSERT_OK(out);
  EXPECT_EQ(Current(), original_);
}

TEST_F(HsconfStoreTest, RollbackToAnUnusableBackupIsRefused) {
  absl::StatusOr<BackupInfo> junk = backup_store_->Save("<not-an-hsconf/>", "junk");
  ASSERT_OK(junk);
  RollbackInput in{junk->id, Sha256Hex(original_), false, ""};
  absl::StatusOr<RollbackOutcome> out = Store().Rollback(in);
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("not a usable server.hsconf"));
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 1u);
}

TEST_F(HsconfStoreTest, SameDatabaseTwiceIsRefused) {
  SetInput in = SetTo(kNewAddress, Sha256Hex(original_));
  in.edits.push_back({DatabaseId::kPlatform, "sqlother"});
  EXPECT_THAT(Store().Set(in), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Current(), original_);
  EXPECT_EQ(BackupCount(), 0u);
}

// Many writers at once, each with the revision it read: each either wins or is told
// ABORTED, and no successful write is based on a revision another write replaced.
TEST_F(HsconfStoreTest, ConcurrentSetsNeverLoseAnUpdate) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 15;
  HsconfStore& store = Store();
  absl::Mutex mu;
  std::vector<SetOutcome> wins;
  std::atomic<int> aborted{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<HsconfDocument> doc = store.Read();
        if (!doc.ok()) {  // a reader never sees a half-written file
          ++other;
          continue;
        }
        absl::StatusOr<SetOutcome> out =
            store.Set(SetTo(absl::StrCat("sql-t", t, "-", i, ".corp"), doc->revision));
        if (out.ok()) {
          absl::MutexLock lock(&mu);
          wins.push_back(*std::move(out));
        } else if (absl::IsAborted(out.status())) {
          ++aborted;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(wins.size() + aborted.load(), static_cast<size_t>(kThreads * kPerThread));
  ASSERT_FALSE(wins.empty());
  absl::StatusOr<HsconfDocument> final_doc = store.Read();
  ASSERT_OK(final_doc);
  std::set<std::string> bases, backup_ids;
  for (const SetOutcome& w : wins) {
    bases.insert(w.previous_revision);
    backup_ids.insert(w.backup_id);
  }
  EXPECT_EQ(bases.size(), wins.size()) << "two wins were based on the same revision";
  EXPECT_EQ(backup_ids.size(), wins.size());
  EXPECT_EQ(BackupCount(), wins.size());
}

// ----- The file opened once, its folder, its lock ----------------------------------------

// Swapped for a link between the read and the write (before_write runs in between): the
// write is refused and the link's target untouched.
TEST_F(HsconfStoreTest, AFileSwappedForALinkBeforeTheWriteIsRefused) {
  const std::string victim = dir_ + "/victim";
  { std::ofstream(victim) << "precious"; }
  SetInput in = SetTo(kNewAddress, Sha256Hex(original_));
  in.before_write = [&](const std::string&, const BackupInfo&, const std::string&) {
    EXPECT_EQ(rename(path_.c_str(), (dir_ + "/moved").c_str()), 0);
    EXPECT_EQ(symlink(victim.c_str(), path_.c_str()), 0);
    return absl::OkStatus();
  };
  absl::StatusOr<SetOutcome> out = Store().Set(in);
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("was replaced while it was being changed"));
  EXPECT_EQ(ReadBytes(victim), "precious");
  EXPECT_EQ(ReadBytes(dir_ + "/moved"), original_);
  unlink(path_.c_str());
  unlink((dir_ + "/moved").c_str());
  unlink(victim.c_str());
}

TEST_F(HsconfStoreTest, AFolderOthersMayWriteIsRefusedForSetAndRollback) {
  absl::StatusOr<SetOutcome> first = Store().Set(SetTo(kNewAddress, Sha256Hex(original_)));
  ASSERT_OK(first);
  const std::string now = Current();
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  absl::StatusOr<SetOutcome> out = Store().Set(SetTo("sqlother01", Sha256Hex(now)));
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("refusing to change " + path_ + ": the folder " + dir_ +
                        " is writable by others (mode 0777, no sticky bit)"));
  absl::StatusOr<RollbackOutcome> back =
      Store().Rollback({first->backup_id, Sha256Hex(now), false, ""});
  EXPECT_THAT(back, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Current(), now);
  EXPECT_TRUE(Store().Read().ok());  // reading is still fine
  ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
}

TEST_F(HsconfStoreTest, StaleTempFilesNextToTheFileAndInBackupsAreRemoved) {
  const std::string hsconf_temp = dir_ + "/.server.hsconf.tmp-Ab12Cd";
  const std::string other = dir_ + "/.other.conf.tmp-Ab12Cd";
  std::ofstream(hsconf_temp) << "half";
  std::ofstream(other) << "another file's temp: not ours to remove";
  ASSERT_EQ(mkdir(backup_dir_.c_str(), 0700), 0);
  const std::string backup_temp = backup_dir_ + "/.s000001-x.hsconf.tmp-zzzzzz";
  std::ofstream(backup_temp) << "half";
  Store().RemoveStaleTempFiles();
  EXPECT_NE(access(other.c_str(), F_OK), -1);
  EXPECT_EQ(access(hsconf_temp.c_str(), F_OK), -1);
  EXPECT_EQ(access(backup_temp.c_str(), F_OK), -1);
  EXPECT_EQ(Current(), original_);
  unlink(other.c_str());
}

// ----- DiffAddresses ---------------------------------------------------------------------

HsconfDocument ParsePath(const std::string& path) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadBytes(path));
  EXPECT_OK(doc) << path;
  return doc.ok() ? *std::move(doc) : HsconfDocument{};
}

TEST(DiffAddressesTest, SameDocumentHasNoDifferences) {
  const HsconfDocument doc = ParsePath(FixturePath("sqlserver-dc"));
  EXPECT_THAT(DiffAddresses(doc, doc), IsEmpty());
}

TEST(DiffAddressesTest, ReportsOnlyTheChangedElements) {
  const HsconfDocument before = ParsePath(FixturePath("oracle"));
  const std::vector<EndpointEdit> edits = {{DatabaseId::kSession, "ora-new.corp:1522/OSSESS"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(before, edits);
  ASSERT_OK(edit);
  absl::StatusOr<HsconfDocument> after = ParseHsconf(edit->bytes);
  ASSERT_OK(after);
  const std::vector<FieldChange> diff = DiffAddresses(before, *after);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].database, DatabaseId::kSession);
  EXPECT_EQ(diff[0].element, "Host");
  EXPECT_EQ(diff[0].old_value, "ora-sess.corp.example.com");
  EXPECT_EQ(diff[0].new_value, "ora-new.corp");
}

TEST(DiffAddressesTest, ReportsEverySectionThatDiffers) {
  const HsconfDocument before = ParsePath(FixturePath("sqlserver-dc"));
  const std::vector<EndpointEdit> edits = {{DatabaseId::kPlatform, "sqlA"},
                                           {DatabaseId::kLogging, "sqlB,1500"}};
  absl::StatusOr<EditResult> edit = ApplyEdits(before, edits);
  ASSERT_OK(edit);
  absl::StatusOr<HsconfDocument> after = ParseHsconf(edit->bytes);
  ASSERT_OK(after);
  const std::vector<FieldChange> diff = DiffAddresses(before, *after);
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0].database, DatabaseId::kPlatform);
  EXPECT_EQ(diff[0].new_value, "sqlA");
  EXPECT_EQ(diff[1].database, DatabaseId::kLogging);
  EXPECT_EQ(diff[1].new_value, "sqlB,1500");
  // And back: the same fields, the other way round.
  const std::vector<FieldChange> back = DiffAddresses(*after, before);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].old_value, "sqlB,1500");
  EXPECT_EQ(back[1].new_value, kOldAddress);
}

}  // namespace
}  // namespace osfleet::agent
