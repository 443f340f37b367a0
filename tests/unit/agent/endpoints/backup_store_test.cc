#include "agent/endpoints/backup_store.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/model/revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kKeep = 3;

class BackupStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    dir_ = root_ + "/backups";
  }

  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    if (d == nullptr) return names;
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  BackupInfo MustSave(BackupStore& store, const std::string& bytes, const std::string& reason) {
    absl::StatusOr<BackupInfo> info = store.Save(bytes, reason);
    EXPECT_OK(info);
    return info.ok() ? *info : BackupInfo{};
  }

  static void WriteFile(const std::string& path, const std::string& bytes) {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string root_;
  std::string dir_;
};

TEST_F(BackupStoreTest, SaveReturnsInfoAndReadReturnsTheBytes) {
  BackupStore store(dir_, kKeep);
  const std::string bytes = "<EnvironmentConfiguration>one</EnvironmentConfiguration>\r\n";
  const BackupInfo info = MustSave(store, bytes, "before set");
  EXPECT_EQ(info.revision, Sha256Hex(bytes));
  EXPECT_EQ(info.size_bytes, bytes.size());
  EXPECT_EQ(info.reason, "before set");
  EXPECT_TRUE(absl::EndsWith(info.id, absl::StrCat("-", info.revision.substr(0, 8)))) << info.id;
  absl::StatusOr<std::string> read = store.Read(info.id);
  ASSERT_OK(read);
  EXPECT_EQ(*read, bytes);
}

TEST_F(BackupStoreTest, ListIsNewestFirstAndCarriesEveryField) {
  BackupStore store(dir_, kKeep);
  const BackupInfo first = MustSave(store, "first", "reason one");
  const BackupInfo second = MustSave(store, "second!", "reason two");
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, second.id);
  EXPECT_EQ((*list)[1].id, first.id);
  EXPECT_EQ((*list)[0].revision, Sha256Hex("second!"));
  EXPECT_EQ((*list)[0].size_bytes, 7u);
  EXPECT_EQ((*list)[0].reason, "reason two");
  EXPECT_EQ((*list)[1].reason, "reason one");
}

TEST_F(BackupStoreTest, CreatedAtParsesBackWithinASecondOfNow) {
  BackupStore store(dir_, kKeep);
  const absl::Time before = absl::Now();
  MustSave(store, "bytes", "r");
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  const absl::Duration skew = (*list)[0].created_at - before;
  EXPECT_LT(absl::AbsDuration(skew), absl::Seconds(1)) << (*list)[0].created_at;
}

TEST_F(BackupStoreTest, RotationKeepsExactlyTheNewestN) {
  BackupStore store(dir_, kKeep);
  std::vector<BackupInfo> saved;
  for (int i = 0; i < kKeep + 3; ++i) saved.push_back(MustSave(store, absl::StrCat("v", i), "r"));
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), static_cast<size_t>(kKeep));
  for (int i = 0; i < kKeep; ++i) EXPECT_EQ((*list)[i].id, saved[saved.size() - 1 - i].id);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(store.Read(saved[i].id), StatusIs(absl::StatusCode::kNotFound)) << i;
  }
  // One data file and one reason file per kept backup, nothing else left behind.
  EXPECT_EQ(Files().size(), static_cast<size_t>(2 * kKeep));
}

TEST_F(BackupStoreTest, ReadOfUnknownIdIsNotFound) {
  BackupStore store(dir_, kKeep);
  MustSave(store, "bytes", "r");
  absl::Status s = store.Read("2020-01-01T000000.000000Z-deadbeef").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(s.message()), HasSubstr("2020-01-01T000000.000000Z-deadbeef"));
}

TEST_F(BackupStoreTest, ReadRefusesIdsThatAreNotOurs) {
  BackupStore store(dir_, kKeep);
  for (const char* id : {"../x", "a/b", "", "x\\y", "id with space"}) {
    EXPECT_THAT(store.Read(id), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
  }
  EXPECT_THAT(store.Read(std::string(65, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BackupStoreTest, FilesAreMode0600AndFolder0700) {
  BackupStore store(dir_, kKeep);
  const BackupInfo info = MustSave(store, "secret-ish", "r");
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  for (const char* ext : {".hsconf", ".reason"}) {
    const std::string path = absl::StrCat(dir_, "/", info.id, ext);
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 07777, 0600u) << path;
  }
}

TEST_F(BackupStoreTest, ListOfAMissingFolderIsEmpty) {
  BackupStore store(dir_, kKeep);
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(BackupStoreTest, ReasonRoundTripsIncludingUtf8) {
  BackupStore store(dir_, kKeep);
  const std::string reason = "chg-1: move to SQL novo \xE2\x86\x92 sqlnew01";
  const BackupInfo info = MustSave(store, "b", reason);
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, info.id);
  EXPECT_EQ((*list)[0].reason, reason);
}

// ----- Ordered by sequence number, not by the clock ------------------------------------

TEST_F(BackupStoreTest, IdsCarryAGrowingSequenceNumber) {
  BackupStore store(dir_, kKeep);
  EXPECT_TRUE(absl::StartsWith(MustSave(store, "a", "r").id, "s000001-"));
  EXPECT_TRUE(absl::StartsWith(MustSave(store, "b", "r").id, "s000002-"));
  const std::string third = MustSave(store, "c", "r").id;
  EXPECT_TRUE(absl::StartsWith(third, "s000003-")) << third;
  EXPECT_LE(third.size(), 64u);
}

// Backups named by a clock that was years ahead (an older version named them by time)
// sort after today's by name; the new backup must still be the newest and survive.
TEST_F(BackupStoreTest, BackupsFromAClockThatWasAheadNeverEvictTheNewOne) {
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  for (int i = 0; i < kKeep + 1; ++i) {
    const std::string id = absl::StrCat("2099-01-0", i + 1, "T000000.000000Z-deadbee", i);
    WriteFile(dir_ + "/" + id + ".hsconf", "future");
    WriteFile(dir_ + "/" + id + ".reason", "r");
  }
  BackupStore store(dir_, kKeep);
  const BackupInfo saved = MustSave(store, "today", "r");
  absl::StatusOr<std::string> read = store.Read(saved.id);
  ASSERT_OK(read);
  EXPECT_EQ(*read, "today");
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), static_cast<size_t>(kKeep));
  EXPECT_EQ((*list)[0].id, saved.id);
  // The oldest of the future-dated ones went first (by their names, among themselves).
  EXPECT_EQ((*list)[1].id, "2099-01-04T000000.000000Z-deadbee3");
  EXPECT_EQ((*list)[2].id, "2099-01-03T000000.000000Z-deadbee2");
}

// A numbered backup with a time far in the future (the clock was ahead when it was
// taken) is still older than the next one.
TEST_F(BackupStoreTest, TheSequenceWinsOverTheTimeInTheName) {
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  const std::string future = "s000007-2099-01-01T000000.000000Z-deadbeef";
  WriteFile(dir_ + "/" + future + ".hsconf", "future");
  BackupStore store(dir_, kKeep);
  const BackupInfo saved = MustSave(store, "today", "r");
  EXPECT_TRUE(absl::StartsWith(saved.id, "s000008-")) << saved.id;
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, saved.id);
  EXPECT_EQ((*list)[1].id, future);
  EXPECT_EQ((*list)[1].created_at,
            absl::FromCivil(absl::CivilSecond(2099, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
}

TEST_F(BackupStoreTest, BackupsOfAnOlderVersionAreListedReadAndRotatedLast) {
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  const std::string old_id = "2026-01-02T030405.000006Z-1a2b3c4d";
  WriteFile(dir_ + "/" + old_id + ".hsconf", "old bytes");
  WriteFile(dir_ + "/" + old_id + ".reason", "written by 0.x");
  BackupStore store(dir_, kKeep);
  const BackupInfo saved = MustSave(store, "new", "r");
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, saved.id);
  EXPECT_EQ((*list)[1].id, old_id);
  EXPECT_EQ((*list)[1].reason, "written by 0.x");
  EXPECT_EQ((*list)[1].created_at,
            absl::FromCivil(absl::CivilSecond(2026, 1, 2, 3, 4, 5), absl::UTCTimeZone()) +
                absl::Microseconds(6));
  ASSERT_OK(store.Read(old_id));
  for (int i = 0; i < kKeep - 1; ++i) MustSave(store, absl::StrCat("more", i), "r");
  EXPECT_THAT(store.Read(old_id), StatusIs(absl::StatusCode::kNotFound));
}

// The backup a pending change reverts to survives any number of newer backups.
TEST_F(BackupStoreTest, APinnedBackupIsNeverRotatedAway) {
  BackupStore store(dir_, 1);
  const BackupInfo pinned = MustSave(store, "before the change", "r");
  store.set_pinned([&] { return std::vector<std::string>{pinned.id}; });
  BackupInfo last;
  for (int i = 0; i < 5; ++i) last = MustSave(store, absl::StrCat("v", i), "r");
  EXPECT_OK(store.Read(pinned.id));
  EXPECT_OK(store.Read(last.id));
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_OK(list);
  EXPECT_EQ(list->size(), 2u);
  store.set_pinned(nullptr);
  MustSave(store, "after", "r");
  EXPECT_THAT(store.Read(pinned.id), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BackupStoreTest, StaleTempFilesAreRemovedAndNothingElse) {
  BackupStore store(dir_, kKeep);
  const BackupInfo saved = MustSave(store, "kept", "r");
  WriteFile(dir_ + "/." + saved.id + ".hsconf.tmp-Ab12Cd", std::string(1000, 'x'));
  WriteFile(dir_ + "/.x.reason.tmp-zzzzzz", "x");
  WriteFile(dir_ + "/notes.tmp-abcdef", "not ours: no leading dot");
  absl::StatusOr<std::vector<std::string>> removed = store.RemoveStaleTempFiles();
  ASSERT_OK(removed);
  EXPECT_EQ(removed->size(), 2u);
  EXPECT_THAT(Files(), ::testing::UnorderedElementsAre(saved.id + ".hsconf", saved.id + ".reason",
                                                       "notes.tmp-abcdef"));
  unlink((dir_ + "/notes.tmp-abcdef").c_str());
}

}  // namespace
}  // namespace osfleet::agent
