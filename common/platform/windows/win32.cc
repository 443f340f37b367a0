#include "common/platform/windows/win32.h"

#include <winsock2.h>

#include <cerrno>

namespace osfleet::platform::win {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "windows"; }

  std::string message(int value) const override {
    wchar_t* text = nullptr;
    const DWORD length = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, static_cast<DWORD>(value), MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
        reinterpret_cast<wchar_t*>(&text), 0, nullptr);
    std::string out;
    if (length != 0 && text != nullptr) out = Utf8(std::wstring_view(text, length));
    if (text != nullptr) LocalFree(text);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
      out.pop_back();
    }
    if (out.empty()) out = "Windows error";
    return out + " (error " + std::to_string(static_cast<unsigned long>(value)) + ")";
  }

  std::error_condition default_error_condition(int value) const noexcept override {
    const std::errc errc = ToErrc(static_cast<DWORD>(value));
    if (errc == std::errc{}) return std::error_condition(value, *this);
    return std::make_error_condition(errc);
  }

 private:
  static std::errc ToErrc(DWORD code) {
    switch (code) {
      case ERROR_FILE_NOT_FOUND:
      case ERROR_PATH_NOT_FOUND:
      case ERROR_INVALID_DRIVE:
      case ERROR_BAD_NETPATH:
      case ERROR_BAD_NET_NAME:
      case ERROR_INVALID_NAME:
        return std::errc::no_such_file_or_directory;
      case ERROR_ACCESS_DENIED:
      case ERROR_PRIVILEGE_NOT_HELD:
      case ERROR_INVALID_OWNER:
      case WSAEACCES:
        return std::errc::permission_denied;
      case ERROR_SHARING_VIOLATION:
      case ERROR_LOCK_VIOLATION:
      case ERROR_USER_MAPPED_FILE:
      case ERROR_BUSY:
        return std::errc::device_or_resource_busy;
      case ERROR_FILE_EXISTS:
      case ERROR_ALREADY_EXISTS:
        return std::errc::file_exists;
      case ERROR_DISK_FULL:
      case ERROR_HANDLE_DISK_FULL:
        return std::errc::no_space_on_device;
      case ERROR_TOO_MANY_OPEN_FILES:
      case WSAEMFILE:
        return std::errc::too_many_files_open;
      case ERROR_NOT_ENOUGH_MEMORY:
      case ERROR_OUTOFMEMORY:
        return std::errc::not_enough_memory;
      case ERROR_INVALID_PARAMETER:
      case WSAEINVAL:
        return std::errc::invalid_argument;
      case ERROR_DIRECTORY:
        return std::errc::not_a_directory;
      case ERROR_DIR_NOT_EMPTY:
        return std::errc::directory_not_empty;
      case ERROR_BROKEN_PIPE:
      case ERROR_NO_DATA:
        return std::errc::broken_pipe;
      case ERROR_TIMEOUT:
      case WAIT_TIMEOUT:
      case WSAETIMEDOUT:
        return std::errc::timed_out;
      case ERROR_NOT_SUPPORTED:
        return std::errc::not_supported;
      case ERROR_CANT_RESOLVE_FILENAME:
        return std::errc::too_many_symbolic_link_levels;
      case WSAECONNREFUSED:
      case ERROR_CONNECTION_REFUSED:
      case ERROR_PORT_UNREACHABLE:
        return std::errc::connection_refused;
      case WSAECONNRESET:
      case ERROR_NETNAME_DELETED:
        return std::errc::connection_reset;
      case WSAECONNABORTED:
      case ERROR_CONNECTION_ABORTED:
        return std::errc::connection_aborted;
      case WSAENETUNREACH:
      case ERROR_NETWORK_UNREACHABLE:
        return std::errc::network_unreachable;
      case WSAEHOSTUNREACH:
      case ERROR_HOST_UNREACHABLE:
        return std::errc::host_unreachable;
      case WSAEADDRINUSE:
        return std::errc::address_in_use;
      case WSAEADDRNOTAVAIL:
        return std::errc::address_not_available;
      case WSAEAFNOSUPPORT:
        return std::errc::address_family_not_supported;
      case WSAEWOULDBLOCK:
        return std::errc::operation_would_block;
      case WSAENOBUFS:
        return std::errc::no_buffer_space;
      default:
        return std::errc{};
    }
  }
};

}  // namespace

std::wstring Wide(std::string_view utf8) {
  if (utf8.empty()) return std::wstring();
  const int size = static_cast<int>(utf8.size());
  const int length = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, nullptr, 0);
  std::wstring out(static_cast<std::size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, out.data(), length);
  return out;
}

std::string Utf8(std::wstring_view wide) {
  if (wide.empty()) return std::string();
  const int size = static_cast<int>(wide.size());
  const int length =
      WideCharToMultiByte(CP_UTF8, 0, wide.data(), size, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(length), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), size, out.data(), length, nullptr, nullptr);
  return out;
}

const std::error_category& WindowsCategory() {
  static const Category category;
  return category;
}

std::pair<std::string, std::string> SplitPath(const std::string& path) {
  std::size_t slash = std::string::npos;
  for (std::size_t i = path.size(); i > 0; --i) {
    if (IsSeparator(path[i - 1])) {
      slash = i - 1;
      break;
    }
  }
  if (slash == std::string::npos) {
    // "C:b" is relative to C:'s current folder; treat "C:" as the folder.
    if (path.size() > 2 && path[1] == ':') return {path.substr(0, 2), path.substr(2)};
    return {".", path};
  }
  std::string folder = path.substr(0, slash);
  // Keep the root's separator: "C:\" and "\" (not "C:" and "").
  if (folder.empty() || (folder.size() == 2 && folder[1] == ':')) {
    folder = path.substr(0, slash + 1);
  }
  return {folder, path.substr(slash + 1)};
}

std::string JoinPath(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  if (IsSeparator(folder.back())) return folder + name;
  return folder + "\\" + name;
}

namespace {

// Appends arg to a command line so that CommandLineToArgvW and the C runtime read it back
// unchanged: quoted when it is empty or holds a space, a tab or a quote; backslashes
// doubled only where they precede a quote.
void AppendQuoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  for (std::size_t i = 0;; ++i) {
    std::size_t backslashes = 0;
    while (i < arg.size() && arg[i] == L'\\') {
      ++i;
      ++backslashes;
    }
    if (i == arg.size()) {
      line.append(backslashes * 2, L'\\');
      break;
    }
    if (arg[i] == L'"') {
      line.append(backslashes * 2 + 1, L'\\');
    } else {
      line.append(backslashes, L'\\');
    }
    line += arg[i];
  }
  line += L'"';
}

}  // namespace

std::wstring CommandLine(const std::vector<std::string>& argv) {
  std::wstring line;
  for (const std::string& arg : argv) AppendQuoted(line, Wide(arg));
  return line;
}

}  // namespace osfleet::platform::win
