// The Windows side of common/platform/atomic_replace.h: a temp file in the same folder,
// FlushFileBuffers, MoveFileExW; the file's security descriptor kept; a replace while
// other handles have the file open; EditableFile's lock and identity checks.
#include "common/platform/atomic_replace.h"

#include <future>
#include <thread>

#include "common/platform/files.h"
#include "common/platform/windows/security.h"
#include "gtest/gtest.h"
#include "tests/windows/platform/temp_dir.h"
// After <windows.h>.
#include <aclapi.h>
#include <sddl.h>

namespace osfleet::platform::testing {
namespace {

constexpr char kHsconf[] =
    "\xEF\xBB\xBF<?xml "
    "version=\"1.0\"?>\r\n<EnvironmentConfiguration>\r\n</EnvironmentConfiguration>\r\n";

std::vector<std::string> TempFilesIn(const std::string& folder) {
  std::vector<std::string> out;
  for (const std::string& name : *ListFolder(folder)) {
    if (IsReplaceTempName(name)) out.push_back(name);
  }
  return out;
}

TEST(WindowsAtomicReplace, ReplacesByteExactUnderAPathWithSpacesAndAccents) {
  TempDir dir("Program Files Platform Sérver");
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "old");
  std::vector<ReplaceStep> steps;
  ReplaceOptions options;
  options.after_step = [&](ReplaceStep step) { steps.push_back(step); };
  Result<void> done = ReplaceFileAtomically(path, kHsconf, options);
  ASSERT_TRUE(done.ok()) << done.error().Message();
  EXPECT_EQ(ReadRaw(path), kHsconf);
  EXPECT_EQ(steps, (std::vector<ReplaceStep>{ReplaceStep::kTempCreated, ReplaceStep::kTempWritten,
                                             ReplaceStep::kTempSynced, ReplaceStep::kRenamed,
                                             ReplaceStep::kDirSynced}));
  EXPECT_TRUE(TempFilesIn(dir.path()).empty());
}

TEST(WindowsAtomicReplace, CreatesAMissingFile) {
  TempDir dir;
  ASSERT_TRUE(ReplaceFileAtomically(dir.Sub("new"), "x").ok());
  EXPECT_EQ(ReadRaw(dir.Sub("new")), "x");
}

TEST(WindowsAtomicReplace, WaitsForAHandleThatDoesNotShareDeleteThenReplaces) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "old");
  win::UniqueHandle holder(CreateFileW(win::Wide(path).c_str(), GENERIC_READ, FILE_SHARE_READ,
                                       nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  ASSERT_TRUE(holder.valid());
  // The holder lets go once the temp file is synced: the rename cannot have succeeded
  // before (the holder does not share delete), so it is waiting in its retry loop.
  std::promise<void> synced;
  ReplaceOptions options;
  options.after_step = [&](ReplaceStep step) {
    if (step == ReplaceStep::kTempSynced) synced.set_value();
  };
  std::thread release([&, ready = synced.get_future()] {
    ready.wait_for(std::chrono::seconds(30));
    EXPECT_EQ(ReadRaw(path), "old");
    holder.Reset();
  });
  Result<void> done = ReplaceFileAtomically(path, "new", options);
  release.join();
  ASSERT_TRUE(done.ok()) << done.error().Message();
  EXPECT_EQ(ReadRaw(path), "new");
  EXPECT_TRUE(TempFilesIn(dir.path()).empty());
}

TEST(WindowsAtomicReplace, KeepsTheFilesOwnerAndDacl) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "old");
  const auto sddl = [](const std::string& p) {
    PSECURITY_DESCRIPTOR sd = nullptr;
    GetNamedSecurityInfoW(win::Wide(p).c_str(), SE_FILE_OBJECT,
                          OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, nullptr, nullptr,
                          nullptr, nullptr, &sd);
    wchar_t* text = nullptr;
    ConvertSecurityDescriptorToStringSecurityDescriptorW(
        sd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &text,
        nullptr);
    const std::string out = text != nullptr ? win::Utf8(text) : "";
    LocalFree(text);
    LocalFree(sd);
    return out;
  };
  const std::string before = sddl(path);
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(ReplaceFileAtomically(path, "new").ok());
  EXPECT_EQ(ReadRaw(path), "new");
  EXPECT_EQ(sddl(path), before);
}

TEST(WindowsAtomicReplace, AFailureLeavesTheFileAndNoTempFile) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "old");
  win::UniqueHandle holder(CreateFileW(win::Wide(path).c_str(), GENERIC_READ, FILE_SHARE_READ,
                                       nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  ASSERT_TRUE(holder.valid());
  Result<void> done = ReplaceFileAtomically(path, "new");  // held for longer than the retries
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().what.find("still in use after"), std::string::npos)
      << done.error().Message();
  holder.Reset();
  EXPECT_EQ(ReadRaw(path), "old");
  EXPECT_TRUE(TempFilesIn(dir.path()).empty());
}

TEST(WindowsAtomicReplace, RefusesAFolder) {
  TempDir dir;
  Result<void> done = ReplaceFileAtomically(dir.path(), "x");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, Errc::kNotRegularFile);
}

TEST(WindowsAtomicReplace, RemovesStaleTempFilesOnly) {
  TempDir dir;
  WriteRaw(dir.Sub(".server.hsconf.tmp-AbC123"), "partial");
  WriteRaw(dir.Sub(".other.tmp-AbC123"), "keep");
  WriteRaw(dir.Sub("server.hsconf"), "keep");
  Result<std::vector<std::string>> removed = RemoveStaleTempFiles(dir.path(), "server.hsconf");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::vector<std::string>{dir.Sub(".server.hsconf.tmp-AbC123")});
  EXPECT_TRUE(Exists(dir.Sub(".other.tmp-AbC123")));
  EXPECT_TRUE(RemoveStaleTempFiles(dir.Sub("none")).ok());
}

TEST(WindowsEditableFile, ReadsComparesAndReplaces) {
  TempDir dir("Platform Server");
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, kHsconf);
  EditableFile::Options locked;
  locked.lock = true;
  Result<EditableFile> file = EditableFile::Open(path, locked);
  ASSERT_TRUE(file.ok()) << file.error().Message();
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(*file->Read(1 << 20), kHsconf);
  Result<std::string> who = file->WhoElseCanReplace();
  ASSERT_TRUE(who.ok()) << who.error().Message();
  EXPECT_EQ(*who, "");
  Result<bool> replaced = file->Replace("new");
  ASSERT_TRUE(replaced.ok()) << replaced.error().Message();
  EXPECT_TRUE(*replaced);
  EXPECT_EQ(ReadRaw(path), "new");
}

TEST(WindowsEditableFile, DoesNotReplaceAFileSwappedUnderIt) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "first");
  Result<EditableFile> file = EditableFile::Open(path, {});
  ASSERT_TRUE(file.ok());
  // Someone else puts another file at the name meanwhile (ours is open sharing delete,
  // so it can be renamed away).
  ASSERT_TRUE(MoveFileExW(win::Wide(path).c_str(), win::Wide(dir.Sub("moved")).c_str(), 0));
  WriteRaw(path, "theirs");
  Result<bool> replaced = file->Replace("ours");
  ASSERT_TRUE(replaced.ok()) << replaced.error().Message();
  EXPECT_FALSE(*replaced);
  EXPECT_EQ(ReadRaw(path), "theirs");
  EXPECT_TRUE(TempFilesIn(dir.path()).empty());
}

TEST(WindowsEditableFile, NoOneCanRenameTheFolderWhileItIsOpen) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Sub("Platform Server"), 0755).ok());
  const std::string path = dir.Sub("Platform Server") + "\\server.hsconf";
  WriteRaw(path, "x");
  Result<EditableFile> file = EditableFile::Open(path, {});
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(MoveFileExW(win::Wide(dir.Sub("Platform Server")).c_str(),
                           win::Wide(dir.Sub("elsewhere")).c_str(), 0));
}

TEST(WindowsEditableFile, TheLockExcludesASecondLockerButNotReaders) {
  TempDir dir;
  const std::string path = dir.Sub("server.hsconf");
  WriteRaw(path, "content");
  EditableFile::Options locked;
  locked.lock = true;
  Result<EditableFile> first = EditableFile::Open(path, locked);
  ASSERT_TRUE(first.ok()) << first.error().Message();
  // The OutSystems services still read it.
  EXPECT_EQ(ReadRaw(path), "content");
  int waits = 0;
  locked.lock_wait = std::chrono::milliseconds(50);
  locked.on_lock_wait = [&] { ++waits; };
  Result<EditableFile> second = EditableFile::Open(path, locked);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kLockHeld);
  EXPECT_EQ(second.error().what, path + " is locked by another process (waited 50 ms)");
  EXPECT_EQ(waits, 1);
  // Released with the first: the next one gets it.
  first = Result<EditableFile>(Error{});
  EXPECT_TRUE(EditableFile::Open(path, locked).ok());
}

TEST(WindowsEditableFile, ReportsAFolderOthersMayRemoveFilesFrom) {
  TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Sub("open"), 0755).ok());
  const std::string path = dir.Sub("open") + "\\server.hsconf";
  WriteRaw(path, "x");
  PSECURITY_DESCRIPTOR sd = nullptr;
  // Everyone: full control of the folder.
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(A;OICI;FA;;;WD)",
                                                                   SDDL_REVISION_1, &sd, nullptr));
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  ASSERT_EQ(SetNamedSecurityInfoW(const_cast<wchar_t*>(win::Wide(dir.Sub("open")).c_str()),
                                  SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, dacl,
                                  nullptr),
            static_cast<DWORD>(ERROR_SUCCESS));
  LocalFree(sd);
  Result<EditableFile> file = EditableFile::Open(path, {});
  ASSERT_TRUE(file.ok());
  Result<std::string> who = file->WhoElseCanReplace();
  ASSERT_TRUE(who.ok()) << who.error().Message();
  EXPECT_NE(who->find("Everyone"), std::string::npos) << *who;
}

}  // namespace
}  // namespace osfleet::platform::testing
