#include "common/platform/atomic_replace.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using ::testing::ElementsAre;
using testing::ModeOf;
using testing::ReadFile;
using testing::SetMode;
using testing::TempDir;
using testing::WriteFile;

TEST(ReplaceFileAtomicallyTest, ReplacingKeepsTheModeOfTheFile) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "old");
  SetMode(path, 0640);
  ASSERT_TRUE(ReplaceFileAtomically(path, "new contents").ok());
  EXPECT_EQ(ReadFile(path), "new contents");
  EXPECT_EQ(ModeOf(path), 0640u);
}

TEST(ReplaceFileAtomicallyTest, ANewFileGetsExactlyTheRequestedMode) {
  TempDir dir;
  const std::string path = dir.Sub("pending.json");
  ReplaceOptions options;
  options.new_file_mode = 0600;
  std::vector<ReplaceStep> steps;
  options.after_step = [&steps](ReplaceStep step) { steps.push_back(step); };
  ASSERT_TRUE(ReplaceFileAtomically(path, std::string("a\0b", 3), options).ok());
  EXPECT_EQ(ReadFile(path), std::string("a\0b", 3));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_THAT(
      steps, ElementsAre(ReplaceStep::kTempCreated, ReplaceStep::kTempWritten,
                         ReplaceStep::kTempSynced, ReplaceStep::kRenamed, ReplaceStep::kDirSynced));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(ReplaceFileAtomicallyTest, ASymlinkKeepsPointingAtTheReplacedTarget) {
  TempDir dir;
  WriteFile(dir.Sub("real"), "old");
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("real"), dir.Sub("link"), error);
  ASSERT_FALSE(error);
  ASSERT_TRUE(ReplaceFileAtomically(dir.Sub("link"), "new").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(dir.Sub("link")));
  EXPECT_EQ(ReadFile(dir.Sub("real")), "new");
}

TEST(ReplaceFileAtomicallyTest, RefusesAFolderAndAMissingParent) {
  TempDir dir;
  Result<void> folder = ReplaceFileAtomically(dir.path(), "x");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
  EXPECT_EQ(folder.error().Message(), dir.path() + " is not a regular file");
  Result<void> no_parent = ReplaceFileAtomically(dir.Sub("missing/f"), "x");
  ASSERT_FALSE(no_parent.ok());
  EXPECT_TRUE(no_parent.error().NotFound());
  EXPECT_EQ(no_parent.error().what, "creating a temp file in " + dir.Sub("missing"));
}

TEST(ReplaceFileAtomicallyTest, TheTempFileHasTheFinalModeBeforeAnyByteIsWritten) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "old");
  SetMode(path, 0640);
  ReplaceOptions options;
  std::vector<unsigned> modes;
  options.after_step = [&](ReplaceStep step) {
    if (step != ReplaceStep::kTempCreated) return;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      const std::string name = entry.path().filename().string();
      if (IsReplaceTempName(name, "server.hsconf")) modes.push_back(ModeOf(entry.path().string()));
    }
  };
  ASSERT_TRUE(ReplaceFileAtomically(path, "new", options).ok());
  EXPECT_THAT(modes, ElementsAre(0640u));
}

TEST(ReplaceTempNamesTest, OnlyOurOwnPattern) {
  EXPECT_TRUE(IsReplaceTempName(".server.hsconf.tmp-Ab12Cd", "server.hsconf"));
  EXPECT_TRUE(IsReplaceTempName(".server.hsconf.tmp-Ab12Cd"));
  EXPECT_TRUE(IsReplaceTempName(".pending.json.tmp-zzzzzz"));
  EXPECT_FALSE(IsReplaceTempName(".server.hsconf.tmp-Ab12Cd", "other.hsconf"));
  EXPECT_FALSE(IsReplaceTempName(".server.hsconf.tmp-Ab12C"));    // five
  EXPECT_FALSE(IsReplaceTempName(".server.hsconf.tmp-Ab12Cde"));  // seven
  EXPECT_FALSE(IsReplaceTempName(".server.hsconf.tmp-Ab1_Cd"));   // not a letter or digit
  EXPECT_FALSE(IsReplaceTempName("server.hsconf.tmp-Ab12Cd"));    // no leading dot
  EXPECT_FALSE(IsReplaceTempName("..tmp-Ab12Cd"));                // no base
  EXPECT_FALSE(IsReplaceTempName(".server.hsconf.bak-Ab12Cd"));
}

TEST(RemoveStaleTempFilesTest, RemovesOurRegularTempFilesOnly) {
  TempDir dir;
  WriteFile(dir.Sub(".server.hsconf.tmp-Ab12Cd"), std::string(4096, 'x'));
  WriteFile(dir.Sub(".pending.json.tmp-000000"), "{}");
  WriteFile(dir.Sub("server.hsconf"), "kept");
  WriteFile(dir.Sub(".other.tmp-x"), "kept: not our pattern");
  std::filesystem::create_directory(dir.Sub(".folder.tmp-AAAAAA"));
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("server.hsconf"), dir.Sub(".link.tmp-BBBBBB"), error);
  ASSERT_FALSE(error);
  Result<std::vector<std::string>> all = RemoveStaleTempFiles(dir.path(), "server.hsconf");
  ASSERT_TRUE(all.ok()) << all.error().Message();
  EXPECT_THAT(*all, ElementsAre(dir.Sub(".server.hsconf.tmp-Ab12Cd")));
  all = RemoveStaleTempFiles(dir.path());
  ASSERT_TRUE(all.ok()) << all.error().Message();
  EXPECT_THAT(*all, ElementsAre(dir.Sub(".pending.json.tmp-000000")));
  EXPECT_EQ(ReadFile(dir.Sub("server.hsconf")), "kept");
  EXPECT_TRUE(std::filesystem::exists(dir.Sub(".other.tmp-x")));
  EXPECT_TRUE(std::filesystem::is_directory(dir.Sub(".folder.tmp-AAAAAA")));
  EXPECT_TRUE(std::filesystem::is_symlink(dir.Sub(".link.tmp-BBBBBB")));
  Result<std::vector<std::string>> missing = RemoveStaleTempFiles(dir.Sub("missing"));
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

// ----- EditableFile ---------------------------------------------------------------------

EditableFile MustOpen(const std::string& path, const EditableFile::Options& options = {}) {
  Result<EditableFile> file = EditableFile::Open(path, options);
  EXPECT_TRUE(file.ok()) << file.error().Message();
  return *std::move(file);
}

TEST(EditableFileTest, ALinkIsResolvedOnceAndTheTargetReplaced) {
  TempDir dir;
  WriteFile(dir.Sub("real"), "old");
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("real"), dir.Sub("link"), error);
  ASSERT_FALSE(error);
  EditableFile file = MustOpen(dir.Sub("link"));
  EXPECT_EQ(file.path(), std::filesystem::canonical(dir.Sub("real")).string());
  Result<std::string> bytes = file.Read(100);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "old");
  // The link now points elsewhere: the file that was read is the one replaced.
  WriteFile(dir.Sub("elsewhere"), "untouched");
  std::filesystem::remove(dir.Sub("link"));
  std::filesystem::create_symlink(dir.Sub("elsewhere"), dir.Sub("link"), error);
  Result<bool> replaced = file.Replace("new");
  ASSERT_TRUE(replaced.ok()) << replaced.error().Message();
  EXPECT_TRUE(*replaced);
  EXPECT_EQ(ReadFile(dir.Sub("real")), "new");
  EXPECT_EQ(ReadFile(dir.Sub("elsewhere")), "untouched");
}

TEST(EditableFileTest, ANameSwappedAfterTheReadIsNotReplaced) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "old");
  WriteFile(dir.Sub("victim"), "precious");
  EditableFile file = MustOpen(path);
  std::filesystem::rename(path, dir.Sub("moved"));
  std::error_code error;
  std::filesystem::create_symlink(dir.Sub("victim"), path, error);
  ASSERT_FALSE(error);
  Result<bool> replaced = file.Replace("new");
  ASSERT_TRUE(replaced.ok()) << replaced.error().Message();
  EXPECT_FALSE(*replaced);
  EXPECT_EQ(ReadFile(dir.Sub("victim")), "precious");
  EXPECT_EQ(ReadFile(dir.Sub("moved")), "old");
  EXPECT_TRUE(std::filesystem::is_symlink(path));
  // and no temp file is left behind
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 3);
}

TEST(EditableFileTest, RefusesWhatIsNotARegularFileAndAMissingOne) {
  TempDir dir;
  Result<EditableFile> folder = EditableFile::Open(dir.path(), {});
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
  Result<EditableFile> missing = EditableFile::Open(dir.Sub("missing"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().NotFound());
  EXPECT_EQ(missing.error().what, "opening " + dir.Sub("missing"));
  WriteFile(dir.Sub("big"), std::string(200, 'x'));
  Result<std::string> big = MustOpen(dir.Sub("big")).Read(100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::kTooLarge);
}

TEST(EditableFileTest, KeepsModeAndReportsEveryStep) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "old");
  SetMode(path, 0640);
  std::vector<ReplaceStep> steps;
  ReplaceOptions options;
  options.after_step = [&steps](ReplaceStep step) { steps.push_back(step); };
  Result<bool> replaced = MustOpen(path).Replace("new", options);
  ASSERT_TRUE(replaced.ok() && *replaced);
  EXPECT_EQ(ModeOf(path), 0640u);
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_THAT(
      steps, ElementsAre(ReplaceStep::kTempCreated, ReplaceStep::kTempWritten,
                         ReplaceStep::kTempSynced, ReplaceStep::kRenamed, ReplaceStep::kDirSynced));
}

TEST(EditableFileTest, AFolderOthersMayWriteIsReported) {
  TempDir dir;
  const std::string sub = dir.Sub("os");
  std::filesystem::create_directory(sub);
  WriteFile(sub + "/server.hsconf", "x");
  SetMode(sub, 0755);
  Result<std::string> who = MustOpen(sub + "/server.hsconf").WhoElseCanReplace();
  ASSERT_TRUE(who.ok()) << who.error().Message();
  EXPECT_EQ(*who, "");
  SetMode(sub, 0777);
  who = MustOpen(sub + "/server.hsconf").WhoElseCanReplace();
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "the folder " + sub + " is writable by others (mode 0777, no sticky bit)");
  SetMode(sub, 0775);
  who = MustOpen(sub + "/server.hsconf").WhoElseCanReplace();
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "the folder " + sub + " is writable by its group (mode 0775, no sticky bit)");
  SetMode(sub, 01777);  // like /tmp: others cannot replace a file they do not own
  who = MustOpen(sub + "/server.hsconf").WhoElseCanReplace();
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "");
  // A folder above counts too.
  SetMode(sub, 0755);
  SetMode(dir.path(), 0777);
  who = MustOpen(sub + "/server.hsconf").WhoElseCanReplace();
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "the folder " + dir.path() + " is writable by others (mode 0777, no sticky bit)");
  SetMode(dir.path(), 0700);
}

TEST(EditableFileTest, ALockedFileMakesTheNextLockerWaitThenGiveUp) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "x");
  EditableFile::Options lock;
  lock.lock = true;
  EditableFile first = MustOpen(path, lock);
  int waits = 0;
  lock.lock_wait = std::chrono::milliseconds(50);
  lock.on_lock_wait = [&waits] { ++waits; };
  Result<EditableFile> second = EditableFile::Open(path, lock);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kLockHeld);
  EXPECT_EQ(second.error().Message(), std::filesystem::canonical(path).string() +
                                          " is locked by another process (waited 50 ms)");
  EXPECT_EQ(waits, 1);
  // Unlocked reads are never held up.
  EXPECT_TRUE(EditableFile::Open(path, {}).ok());
  first = MustOpen(dir.Sub("server.hsconf"));  // the locked one is closed: released
  EXPECT_TRUE(EditableFile::Open(path, lock).ok());
}

// While B waits, A replaces the file: B's lock must end up on the new file, not on the
// one A renamed over (or B would compare against bytes no longer there).
TEST(EditableFileTest, AWaiterLocksTheFileThatReplacedTheOneItWaitedFor) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteFile(path, "v1");
  EditableFile::Options lock;
  lock.lock = true;
  std::optional<EditableFile> a(MustOpen(path, lock));
  lock.lock_wait = std::chrono::seconds(10);
  std::promise<void> waiting;
  lock.on_lock_wait = [&waiting] { waiting.set_value(); };
  std::future<Result<EditableFile>> b =
      std::async(std::launch::async, [&] { return EditableFile::Open(path, lock); });
  waiting.get_future().wait();
  Result<bool> replaced = a->Replace("v2");
  ASSERT_TRUE(replaced.ok() && *replaced);
  a.reset();
  Result<EditableFile> got = b.get();
  ASSERT_TRUE(got.ok()) << got.error().Message();
  Result<std::string> bytes = got->Read(100);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "v2");
}

}  // namespace
}  // namespace osfleet::platform
