// Windows implementation helpers (not part of the platform API): Winsock's headers in the
// order they need (before win32.h: <winsock2.h> includes <windows.h> itself, so the
// macros that keep out min/max and the old winsock.h are set first), starting Winsock, and
// its errors as Errors.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include <string>

#include "common/platform/result.h"

namespace osfleet::platform::win {

// Winsock refuses every call before WSAStartup. Once per process, never undone: sockets
// live until the process ends. A failure shows in the first call (WSANOTINITIALISED).
void StartWinsock();

// WSAGetLastError() as an Error, `what` as given.
Error LastSocketError(std::string what);

}  // namespace osfleet::platform::win
