#include "common/platform/windows/winsock.h"

#include <utility>

#include "common/platform/windows/win32.h"

namespace osfleet::platform::win {

void StartWinsock() {
  static const int started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  (void)started;
}

Error LastSocketError(std::string what) {
  return WinError(static_cast<unsigned long>(WSAGetLastError()), std::move(what));
}

}  // namespace osfleet::platform::win
