// The Windows side of common/platform/files.h: UTF-8 paths with spaces and non-ASCII
// letters, capped reads, folders (private ones), listings, and the secret-file DACL check.
#include "common/platform/files.h"

#include <algorithm>

#include "common/platform/windows/security.h"
// After <windows.h>.
#include <aclapi.h>
#include <sddl.h>
#include "gtest/gtest.h"
#include "tests/windows/platform/temp_dir.h"

namespace osfleet::platform::testing {
namespace {

TEST(WindowsFiles, ReadsAFileWhoseNameHasSpacesAndNonAsciiLetters) {
  TempDir dir("Platform Sérver");
  const std::string path = dir.Sub("sérver ünïcode.hsconf");
  WriteRaw(path, "\xEF\xBB\xBFline\r\n");
  Result<std::string> read = ReadFileCapped(path, 1024);
  ASSERT_TRUE(read.ok()) << read.error().Message();
  EXPECT_EQ(*read, "\xEF\xBB\xBFline\r\n");
}

TEST(WindowsFiles, RefusesAFolderAndAFileOverTheLimit) {
  TempDir dir;
  Result<std::string> folder = ReadFileCapped(dir.path(), 1024);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
  WriteRaw(dir.Sub("big"), std::string(2000, 'x'));
  Result<std::string> big = ReadFileCapped(dir.Sub("big"), 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::kTooLarge);
  EXPECT_EQ(big.error().Message(),
            dir.Sub("big") + " is 2000 bytes, more than the 1000-byte limit");
}

TEST(WindowsFiles, AMissingFileIsNotFoundWithTheWindowsText) {
  TempDir dir;
  Result<std::string> read = ReadFileCapped(dir.Sub("absent"), 10);
  ASSERT_FALSE(read.ok());
  EXPECT_TRUE(read.error().NotFound()) << read.error().Message();
  EXPECT_EQ(read.error().what, "opening " + dir.Sub("absent"));
  EXPECT_NE(read.error().Message().find("(error 2)"), std::string::npos) << read.error().Message();
}

TEST(WindowsFiles, KindsAndExistence) {
  TempDir dir;
  WriteRaw(dir.Sub("f"), "x");
  EXPECT_EQ(*KindOf(dir.Sub("f")), PathKind::kFile);
  EXPECT_EQ(*KindOf(dir.path()), PathKind::kFolder);
  EXPECT_FALSE(KindOf(dir.Sub("none")).ok());
  EXPECT_TRUE(PathExists(dir.Sub("f")));
  EXPECT_FALSE(PathExists(dir.Sub("none")));
}

TEST(WindowsFiles, MakeDirsCreatesEveryMissingFolderWithEitherSeparator) {
  TempDir dir;
  const std::string deep = dir.path() + "\\état/b c\\d";
  ASSERT_TRUE(MakeDirs(deep, 0755).ok());
  EXPECT_EQ(*KindOf(deep), PathKind::kFolder);
  EXPECT_TRUE(MakeDirs(deep, 0755).ok());  // existing: fine
  WriteRaw(dir.Sub("file"), "x");
  Result<void> blocked = MakeDirs(dir.Sub("file") + "\\sub", 0755);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().what, "cannot create " + dir.Sub("file") + "\\sub");
}

TEST(WindowsFiles, MakePrivateDirFailsWhenItExists) {
  TempDir dir;
  ASSERT_TRUE(MakePrivateDir(dir.Sub("state")).ok());
  Result<void> again = MakePrivateDir(dir.Sub("state"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code.default_error_condition(), std::errc::file_exists);
}

TEST(WindowsFiles, ListsAndRemoves) {
  TempDir dir;
  WriteRaw(dir.Sub("a"), "1");
  WriteRaw(dir.Sub("bé"), "2");
  Result<std::vector<std::string>> names = ListFolder(dir.path());
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "bé"}));
  ASSERT_TRUE(RemoveFile(dir.Sub("a")).ok());
  ASSERT_TRUE(RemoveFile(dir.Sub("a")).ok());  // already gone: fine
  EXPECT_FALSE(PathExists(dir.Sub("a")));
  Result<std::vector<std::string>> missing = ListFolder(dir.Sub("none"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().NotFound());
}

// Wine keeps no DACL of its own on a Unix file system: it derives one from the mode bits
// (and maps a DACL it is given back to them only roughly). What only real Windows can show
// is skipped there, saying so.
bool UnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

struct Sddl {
  explicit Sddl(const wchar_t* text) {
    EXPECT_TRUE(
        ConvertStringSecurityDescriptorToSecurityDescriptorW(text, SDDL_REVISION_1, &sd, nullptr));
    BOOL present = FALSE, defaulted = FALSE;
    GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
    if (!present) dacl = nullptr;
    GetSecurityDescriptorOwner(sd, &owner, &defaulted);
  }
  ~Sddl() { LocalFree(sd); }
  PSECURITY_DESCRIPTOR sd = nullptr;
  PACL dacl = nullptr;
  PSID owner = nullptr;
};

// The secret-file rule: only the agent's account, SYSTEM and Administrators may read.
TEST(WindowsSecurity, WhoMayReadASecretFile) {
  EXPECT_FALSE(win::DaclLetsOthersRead(Sddl(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)").dacl));
  EXPECT_TRUE(win::DaclLetsOthersRead(Sddl(L"D:P(A;;FA;;;SY)(A;;FR;;;WD)").dacl));       // Everyone
  EXPECT_TRUE(win::DaclLetsOthersRead(Sddl(L"D:(A;;FA;;;SY)(A;;0x1200a9;;;BU)").dacl));  // Users
  EXPECT_TRUE(win::DaclLetsOthersRead(Sddl(L"D:(A;;GA;;;AU)").dacl));  // Authenticated Users
  // Inherit-only entries are for what a folder will hold, not for the object.
  EXPECT_FALSE(win::DaclLetsOthersRead(Sddl(L"D:(A;;FA;;;SY)(A;OICIIO;FR;;;BU)").dacl));
  // Rights without reading the data (attributes, the DACL) do not count.
  EXPECT_FALSE(win::DaclLetsOthersRead(Sddl(L"D:(A;;FA;;;SY)(A;;0x120080;;;BU)").dacl));
  EXPECT_TRUE(win::DaclLetsOthersRead(nullptr));  // a NULL DACL: everyone
}

// Who could swap server.hsconf: a folder's DELETE_CHILD, an entry's DELETE / WRITE_DAC /
// WRITE_OWNER, a file's data; an untrusted owner.
TEST(WindowsSecurity, WhoMayReplaceAFileOrWhatAFolderHolds) {
  // C:\Program Files\OutSystems\Platform Server as the installer leaves it.
  EXPECT_EQ(win::UntrustedWritersIn(nullptr,
                                    Sddl(L"D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
                                         L"(A;OICIIO;GA;;;CO)")
                                        .dacl,
                                    true),
            "");
  EXPECT_NE(win::UntrustedWritersIn(nullptr, Sddl(L"D:(A;;FA;;;SY)(A;;FA;;;BU)").dacl, true)
                .find("may remove or rename what it holds"),
            std::string::npos);
  // Creating entries in a folder (C:\ lets Authenticated Users make folders) is harmless.
  EXPECT_EQ(win::UntrustedWritersIn(nullptr, Sddl(L"D:(A;;FA;;;SY)(A;;0x4;;;AU)").dacl, true), "");
  EXPECT_NE(win::UntrustedWritersIn(nullptr, Sddl(L"D:(A;;FA;;;SY)(A;;FW;;;BU)").dacl, false)
                .find("may write to it"),
            std::string::npos);
  EXPECT_NE(win::UntrustedWritersIn(nullptr, Sddl(L"D:(A;;FA;;;SY)(A;;WD;;;WD)").dacl, false)
                .find("may delete, rename or re-permission it"),
            std::string::npos);
  const Sddl guest_owned(L"O:BGD:(A;;FA;;;SY)");
  EXPECT_NE(win::UntrustedWritersIn(guest_owned.owner, guest_owned.dacl, false).find("owns it"),
            std::string::npos);
}

TEST(WindowsFiles, SecretFileIsPrivateReadsTheFilesDacl) {
  TempDir dir;
  const std::string path = dir.Sub("password.secret");
  WriteRaw(path, "#secret");
  Result<bool> is_private = SecretFileIsPrivate(path);
  ASSERT_TRUE(is_private.ok()) << is_private.error().Message();
  // A new file in a temp folder inherits "Everyone: read" under Wine (mode 0644), and
  // Users' read on Windows.
  EXPECT_FALSE(*is_private);
  EXPECT_FALSE(SecretFileIsPrivate(dir.Sub("none")).ok());
  if (UnderWine()) {
    GTEST_SKIP() << "Wine keeps no DACL set on a file (it derives one from the mode bits)";
  }
  ASSERT_TRUE(SetFileMode(path, 0600).ok());
  EXPECT_TRUE(*SecretFileIsPrivate(path));
  EXPECT_EQ(ReadRaw(path), "#secret");  // still ours to read
}

TEST(WindowsFiles, CheckAccess) {
  TempDir dir;
  WriteRaw(dir.Sub("tool.exe"), "MZ");
  EXPECT_TRUE(CheckAccess(dir.Sub("tool.exe"), Access::kRead).ok());
  EXPECT_TRUE(CheckAccess(dir.Sub("tool.exe"), Access::kExecute).ok());
  EXPECT_FALSE(CheckAccess(dir.Sub("none.exe"), Access::kExecute).ok());
  EXPECT_FALSE(CheckAccess(dir.path(), Access::kExecute).ok());
}

// osctl doctor's hsconf.writable and state_dir.space: asked, nothing written.
TEST(WindowsFiles, CheckAccessForWritingAndAvailableBytes) {
  TempDir dir;
  WriteRaw(dir.Sub("server.hsconf"), "<x/>");
  EXPECT_TRUE(CheckAccess(dir.Sub("server.hsconf"), Access::kWrite).ok());
  EXPECT_TRUE(CheckAccess(dir.path(), Access::kWrite).ok());
  EXPECT_FALSE(CheckAccess(dir.Sub("none.hsconf"), Access::kWrite).ok());
  Result<std::uint64_t> free = AvailableBytes(dir.path());
  ASSERT_TRUE(free.ok()) << free.error().Message();
  EXPECT_GT(*free, 0u);
  EXPECT_FALSE(AvailableBytes(dir.Sub("none")).ok());
}

// The end of a log another process keeps open for writing (the Configuration Tool's),
// from an offset and capped.
TEST(WindowsFiles, ReadsTheTailOfAFileFromAnOffset) {
  TempDir dir("Platform Sérver");
  const std::string path = dir.Sub("tool ünïcode.log");
  WriteRaw(path, "0123456789");
  Result<FileTail> tail = ReadFileTail(path, 4, 100);
  ASSERT_TRUE(tail.ok()) << tail.error().Message();
  EXPECT_EQ(tail->bytes, "456789");
  EXPECT_EQ(tail->size, 10u);
  tail = ReadFileTail(path, 0, 3);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "789");
  EXPECT_EQ(tail->offset, 7u);
  tail = ReadFileTail(path, 50, 3);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "789");
  Result<FileTail> folder = ReadFileTail(dir.path(), 0, 3);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::kNotRegularFile);
}

}  // namespace
}  // namespace osfleet::platform::testing
