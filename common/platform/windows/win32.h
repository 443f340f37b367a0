// Windows implementation helpers (not part of the platform API): <windows.h> without its
// clashing macros, UTF-8 <-> UTF-16 at every Windows call, Windows error codes as
// std::error_code, and owned HANDLEs.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform::win {

// UTF-8 -> UTF-16. Bytes that are not UTF-8 become U+FFFD (such a path names nothing).
std::wstring Wide(std::string_view utf8);
// UTF-16 -> UTF-8. Unpaired surrogates become U+FFFD.
std::string Utf8(std::wstring_view wide);

// Windows error codes (GetLastError(), WSAGetLastError()). message() is FormatMessageW's
// text in UTF-8 ("Access is denied. (error 5)"); default_error_condition() maps the codes
// callers test (file not found, access denied, connection refused, ...) to std::errc, so
// that Error::NotFound() and os_status.cc's mapping work as on POSIX.
const std::error_category& WindowsCategory();

inline Error WinError(unsigned long code, std::string what) {
  return Error{std::error_code(static_cast<int>(code), WindowsCategory()), std::move(what)};
}
inline Error LastError(std::string what) { return WinError(GetLastError(), std::move(what)); }
inline Error PlatformError(Errc errc, std::string what) {
  return Error{make_error_code(errc), std::move(what)};
}

// An owned HANDLE (INVALID_HANDLE_VALUE and null both mean none), closed when destroyed.
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE handle) : handle_(handle) {}
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.Release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = other.Release();
    }
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle() { Reset(); }

  HANDLE get() const { return handle_; }
  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  HANDLE Release() { return std::exchange(handle_, INVALID_HANDLE_VALUE); }
  void Reset() {
    if (valid()) CloseHandle(handle_);
    handle_ = INVALID_HANDLE_VALUE;
  }

 private:
  HANDLE handle_ = INVALID_HANDLE_VALUE;
};

// argv as one command line that CommandLineToArgvW and the C runtime read back
// unchanged (CreateProcessW, a service's ImagePath).
std::wstring CommandLine(const std::vector<std::string>& argv);

// Either separator: "C:\a\b" and "C:/a/b".
inline bool IsSeparator(wchar_t c) { return c == L'\\' || c == L'/'; }
inline bool IsSeparator(char c) { return c == '\\' || c == '/'; }

// "C:\a\b.txt" -> {"C:\a", "b.txt"}; "C:\b" -> {"C:\", "b"}; "b" -> {".", "b"}.
std::pair<std::string, std::string> SplitPath(const std::string& path);
// folder + '\' + name (no doubled separator).
std::string JoinPath(const std::string& folder, const std::string& name);

}  // namespace osfleet::platform::win
