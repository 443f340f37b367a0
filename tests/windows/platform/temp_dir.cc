#include "tests/windows/platform/temp_dir.h"

#include <atomic>

namespace osfleet::platform::testing {
namespace {

void RemoveTree(const std::wstring& path) {
  WIN32_FIND_DATAW entry;
  HANDLE find = FindFirstFileW((path + L"\\*").c_str(), &entry);
  if (find != INVALID_HANDLE_VALUE) {
    do {
      const std::wstring name = entry.cFileName;
      if (name == L"." || name == L"..") continue;
      const std::wstring child = path + L"\\" + name;
      SetFileAttributesW(child.c_str(), FILE_ATTRIBUTE_NORMAL);
      if ((entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        RemoveTree(child);
      } else {
        DeleteFileW(child.c_str());
      }
    } while (FindNextFileW(find, &entry));
    FindClose(find);
  }
  RemoveDirectoryW(path.c_str());
}

}  // namespace

TempDir::TempDir(const std::string& name_hint) {
  static std::atomic<int> counter{0};
  wchar_t temp[MAX_PATH + 1];
  const DWORD n = GetTempPathW(MAX_PATH + 1, temp);
  std::string base = win::Utf8(std::wstring_view(temp, n));
  if (!base.empty() && win::IsSeparator(base.back())) base.pop_back();
  for (int attempt = 0; attempt < 100 && path_.empty(); ++attempt) {
    const std::string candidate = base + "\\osfleet " + name_hint + " " +
                                  std::to_string(GetCurrentProcessId()) + "-" +
                                  std::to_string(counter++);
    if (CreateDirectoryW(win::Wide(candidate).c_str(), nullptr)) path_ = candidate;
  }
  EXPECT_FALSE(path_.empty());
}

TempDir::~TempDir() {
  if (!path_.empty()) RemoveTree(win::Wide(path_));
}

void WriteRaw(const std::string& path, const std::string& bytes) {
  win::UniqueHandle file(CreateFileW(win::Wide(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ,
                                     nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
  ASSERT_TRUE(file.valid()) << path << ": error " << GetLastError();
  DWORD written = 0;
  ASSERT_TRUE(
      WriteFile(file.get(), bytes.data(), static_cast<DWORD>(bytes.size()), &written, nullptr));
  ASSERT_EQ(written, bytes.size());
}

std::string ReadRaw(const std::string& path) {
  win::UniqueHandle file(CreateFileW(win::Wide(path).c_str(), GENERIC_READ,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                     nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return "<cannot open " + path + ">";
  std::string out;
  char buffer[4096];
  DWORD n = 0;
  while (ReadFile(file.get(), buffer, sizeof(buffer), &n, nullptr) && n > 0) out.append(buffer, n);
  return out;
}

bool Exists(const std::string& path) {
  return GetFileAttributesW(win::Wide(path).c_str()) != INVALID_FILE_ATTRIBUTES;
}

}  // namespace osfleet::platform::testing
