#include "agent/endpoints/backup_store.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

constexpr int kKeep = 3;

class BackupStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "backup_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/backups";
  }
  void TearDown() override {
    for (const std::string& name : Files()) unlink((dir_ + "/" + name).c_str());
    rmdir(dir_.c_str());
    rmdir(root_.c_str());
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
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? *info : BackupInfo{};
  }

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
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
}

TEST_F(BackupStoreTest, ListIsNewestFirstAndCarriesEveryField) {
  BackupStore store(dir_, kKeep);
  const BackupInfo first = MustSave(store, "first", "reason one");
  const BackupInfo second = MustSave(store, "second!", "reason two");
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_TRUE(list.ok()) << list.status();
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
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  const absl::Duration skew = (*list)[0].created_at - before;
  EXPECT_LT(absl::AbsDuration(skew), absl::Seconds(1)) << (*list)[0].created_at;
}

TEST_F(BackupStoreTest, RotationKeepsExactlyTheNewestN) {
  BackupStore store(dir_, kKeep);
  std::vector<BackupInfo> saved;
  for (int i = 0; i < kKeep + 3; ++i) saved.push_back(MustSave(store, absl::StrCat("v", i), "r"));
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), static_cast<size_t>(kKeep));
  for (int i = 0; i < kKeep; ++i) EXPECT_EQ((*list)[i].id, saved[saved.size() - 1 - i].id);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(store.Read(saved[i].id).status().code(), absl::StatusCode::kNotFound) << i;
  }
  // One data file and one reason file per kept backup, nothing else left behind.
  EXPECT_EQ(Files().size(), static_cast<size_t>(2 * kKeep));
}

TEST_F(BackupStoreTest, ReadOfUnknownIdIsNotFound) {
  BackupStore store(dir_, kKeep);
  MustSave(store, "bytes", "r");
  absl::Status s = store.Read("2020-01-01T000000.000000Z-deadbeef").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("2020-01-01T000000.000000Z-deadbeef"));
}

TEST_F(BackupStoreTest, ReadRefusesIdsThatAreNotOurs) {
  BackupStore store(dir_, kKeep);
  for (const char* id : {"../x", "a/b", "", "x\\y", "id with space"}) {
    EXPECT_EQ(store.Read(id).status().code(), absl::StatusCode::kInvalidArgument) << id;
  }
  EXPECT_EQ(store.Read(std::string(65, 'a')).status().code(), absl::StatusCode::kInvalidArgument);
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
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());
}

TEST_F(BackupStoreTest, ReasonRoundTripsIncludingUtf8) {
  BackupStore store(dir_, kKeep);
  const std::string reason = "chg-1: move to SQL novo \xE2\x86\x92 sqlnew01";
  const BackupInfo info = MustSave(store, "b", reason);
  absl::StatusOr<std::vector<BackupInfo>> list = store.List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, info.id);
  EXPECT_EQ((*list)[0].reason, reason);
}

}  // namespace
}  // namespace osfleet::agent
