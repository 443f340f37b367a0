#include "common/platform/sockets.h"

// Winsock first: its headers must come before <windows.h>.
#include "common/platform/windows/winsock.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

static_assert(sizeof(sockaddr_storage) <= sizeof(SocketAddress::storage));
static_assert(static_cast<std::intptr_t>(INVALID_SOCKET) == -1, "Socket::kNone is INVALID_SOCKET");
// ws2tcpip.h's EAI_* are the WSA codes: one switch covers both names.
static_assert(EAI_NONAME == WSAHOST_NOT_FOUND && EAI_NODATA == WSANO_DATA &&
              EAI_AGAIN == WSATRY_AGAIN);

// mstcpip.h's SIO_TCP_INITIAL_RTO (Windows 10 1709 and later), which mingw-w64 lacks.
constexpr DWORD kSioTcpInitialRto = 0x98000011;  // _WSAIOW(IOC_VENDOR, 17)
struct TcpInitialRtoParameters {
  USHORT rtt;
  UCHAR max_syn_retransmissions;
};
constexpr USHORT kUnspecifiedRtt = 0xFFFF;
constexpr UCHAR kNoSynRetransmissions = 0xFE;

// How long LoopbackPortAccepts waits: longer than the ~2 s a Windows older than 1709 spends
// retrying a refused SYN, so that a closed port is an answer there too, not a timeout.
constexpr std::chrono::seconds kLoopbackPatience = 3s;

using win::LastSocketError;
using win::StartWinsock;

SOCKET Handle(std::intptr_t handle) { return static_cast<SOCKET>(handle); }

enum class WaitResult { kReady, kTimedOut, kError };
enum class Want { kRead, kWrite };

// select()s until the socket is readable / writable or the deadline. select, not WSAPoll:
// WSAPoll does not report a failed connect() on Windows 10 before 2004. The socket is also
// in the except set, where a failed connect() shows: that counts as ready, and the next
// call reports what happened. On kError WSAGetLastError() says why.
WaitResult WaitFor(SOCKET socket, Want want, Deadline deadline) {
  while (true) {
    const Clock::duration left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return WaitResult::kTimedOut;
    // Round up so a wait never ends a hair before the deadline and spins.
    const auto us = std::min<std::chrono::microseconds>(
        std::chrono::ceil<std::chrono::microseconds>(left), std::chrono::microseconds(60s));
    fd_set ready;
    fd_set failed;
    FD_ZERO(&ready);
    FD_ZERO(&failed);
    FD_SET(socket, &ready);
    FD_SET(socket, &failed);
    timeval timeout{static_cast<long>(us.count() / 1000000),
                    static_cast<long>(us.count() % 1000000)};
    const int n = select(0, want == Want::kRead ? &ready : nullptr,
                         want == Want::kWrite ? &ready : nullptr, &failed, &timeout);
    if (n == SOCKET_ERROR) return WaitResult::kError;
    if (n > 0) return WaitResult::kReady;
  }
}

std::string NumericHost(const sockaddr* address, std::size_t length) {
  wchar_t text[NI_MAXHOST];
  if (GetNameInfoW(address, static_cast<socklen_t>(length), text, NI_MAXHOST, nullptr, 0,
                   NI_NUMERICHOST) != 0) {
    return "";
  }
  return win::Utf8(text);
}

SocketAddress FromAddrinfo(const ADDRINFOW& a) {
  SocketAddress address;
  std::memcpy(address.storage.data(), a.ai_addr, a.ai_addrlen);
  address.length = a.ai_addrlen;
  address.ip = NumericHost(a.ai_addr, a.ai_addrlen);
  return address;
}

// Windows' getaddrinfo also reads "[::1]" as ::1; glibc's (the POSIX side) does not, so
// neither does this: brackets belong to "[addr]:port", which callers take apart first.
bool HasBrackets(const std::string& text) { return text.find_first_of("[]") != std::string::npos; }

Error ResolveError(int rc, const std::string& host) {
  const std::string what = "resolving '" + host + "' failed";
  const std::string reason = win::WindowsCategory().message(rc);
  switch (rc) {
    case WSAHOST_NOT_FOUND:  // EAI_NONAME
      return win::PlatformError(Errc::kNoSuchHost, what + ": " + reason);
    case WSANO_DATA:  // EAI_NODATA
      return win::PlatformError(Errc::kNoAddresses, what + ": " + reason);
    case WSATRY_AGAIN:  // EAI_AGAIN
      return win::PlatformError(Errc::kTryAgain, what + ": " + reason);
    default:
      return win::WinError(static_cast<unsigned long>(rc), what);
  }
}

const sockaddr* Raw(const SocketAddress& address) {
  return reinterpret_cast<const sockaddr*>(address.storage.data());
}

int Family(const SocketAddress& address) {
  sockaddr_storage storage;
  std::memcpy(&storage, address.storage.data(), sizeof(storage));
  return storage.ss_family;
}

bool IsLoopback(const SocketAddress& address) {
  sockaddr_storage storage;
  std::memcpy(&storage, address.storage.data(), sizeof(storage));
  if (storage.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(storage);
    return (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
  }
  if (storage.ss_family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(storage).sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

// A socket of the family, not inherited by child processes (POSIX: SOCK_CLOEXEC) and, like
// socket()'s, overlapped (what gRPC's I/O completion port needs of a socket).
SOCKET NewSocket(int family, int type, int protocol) {
  return WSASocketW(family, type, protocol, nullptr, 0,
                    WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

bool MakeNonBlocking(SOCKET socket) {
  u_long on = 1;
  return ioctlsocket(socket, FIONBIO, &on) == 0;
}

// Windows answers a refused SYN (an RST) by sending the SYN again, twice, ~2 s in all,
// before it reports WSAECONNREFUSED. For a loopback target a refusal is final, so this
// socket does not retry. Best effort: Windows before 10 1709 and Wine refuse the ioctl
// (WSAEOPNOTSUPP) and keep their own timing.
void FailFastOnLoopback(SOCKET socket, const SocketAddress& address) {
  if (!IsLoopback(address)) return;
  TcpInitialRtoParameters parameters{kUnspecifiedRtt, kNoSynRetransmissions};
  DWORD returned = 0;
  WSAIoctl(socket, kSioTcpInitialRto, &parameters, sizeof(parameters), nullptr, 0, &returned,
           nullptr, nullptr);
}

// The refusal (ICMP port unreachable) a connected UDP socket has waiting. Windows' recv()
// reports it as WSAECONNRESET; Wine wakes neither select() nor WSAPoll for it and its recv()
// may say WSAEWOULDBLOCK, but it does keep it in SO_ERROR (reading it clears it).
bool TakePendingRefusal(SOCKET socket) {
  int error = 0;
  int length = sizeof(error);
  if (getsockopt(socket, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length) != 0) {
    return false;
  }
  return error == WSAECONNREFUSED || error == WSAECONNRESET;
}

// What the header promises for a refused UDP query: a code whose condition is
// std::errc::connection_refused (Windows itself says WSAECONNRESET for it).
Error UdpRefused() { return win::WinError(WSAECONNREFUSED, "receiving"); }

// At most INT_MAX bytes per send()/recv(), which take an int.
int Chunk(std::size_t size) { return static_cast<int>(std::min<std::size_t>(size, 1u << 30)); }

}  // namespace

SocketAddress SocketAddress::WithPort(std::uint16_t port) const {
  SocketAddress out = *this;
  sockaddr_storage storage;
  std::memcpy(&storage, out.storage.data(), sizeof(storage));
  const std::uint16_t net_port = htons(port);
  if (storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_port = net_port;
  } else if (storage.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = net_port;
  }
  std::memcpy(out.storage.data(), &storage, sizeof(storage));
  return out;
}

std::optional<SocketAddress> ParseNumericAddress(const std::string& text) {
  // Windows' getaddrinfo takes "" for this machine; glibc's finds no such name.
  if (text.empty() || HasBrackets(text)) return std::nullopt;
  StartWinsock();
  ADDRINFOW hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  ADDRINFOW* result = nullptr;
  if (GetAddrInfoW(win::Wide(text).c_str(), nullptr, &hints, &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  SocketAddress out = FromAddrinfo(*result);
  FreeAddrInfoW(result);
  return out;
}

Result<std::vector<SocketAddress>> ResolveHost(const std::string& host) {
  // As glibc: "" is no name (Windows would list this machine's addresses), and neither is
  // a bracketed literal.
  if (host.empty() || HasBrackets(host)) return ResolveError(WSAHOST_NOT_FOUND, host);
  StartWinsock();
  ADDRINFOW hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  ADDRINFOW* list = nullptr;
  // The W call: host names are UTF-8 here, and the A call would read them in the ANSI code
  // page.
  const int rc = GetAddrInfoW(win::Wide(host).c_str(), nullptr, &hints, &list);
  if (rc != 0) return ResolveError(rc, host);
  std::vector<SocketAddress> addresses;
  for (const ADDRINFOW* a = list; a != nullptr; a = a->ai_next) {
    SocketAddress address = FromAddrinfo(*a);
    bool seen = false;
    for (const SocketAddress& s : addresses) seen = seen || s.ip == address.ip;
    if (!seen && !address.ip.empty()) addresses.push_back(std::move(address));
  }
  if (list != nullptr) FreeAddrInfoW(list);
  return addresses;
}

Socket::Socket(Socket&& other) noexcept : handle_(std::exchange(other.handle_, kNone)) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (handle_ != kNone) closesocket(Handle(handle_));
    handle_ = std::exchange(other.handle_, kNone);
  }
  return *this;
}

Socket::~Socket() {
  if (handle_ != kNone) closesocket(Handle(handle_));
}

Result<void> Socket::SendAll(std::string_view bytes, Deadline deadline) {
  const SOCKET socket = Handle(handle_);
  while (!bytes.empty()) {
    // No MSG_NOSIGNAL: Windows has no SIGPIPE.
    const int n = send(socket, bytes.data(), Chunk(bytes.size()), 0);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n == SOCKET_ERROR && WSAGetLastError() != WSAEWOULDBLOCK) {
      return LastSocketError("sending");
    }
    if (WaitFor(socket, Want::kWrite, deadline) == WaitResult::kTimedOut) {
      return win::PlatformError(Errc::kDeadlineExceeded, "sending did not finish in time");
    }
  }
  return {};
}

Result<std::size_t> Socket::Receive(char* buffer, std::size_t size, Deadline deadline) {
  const SOCKET socket = Handle(handle_);
  for (;;) {
    if (WaitFor(socket, Want::kRead, deadline) == WaitResult::kTimedOut) {
      return win::PlatformError(Errc::kDeadlineExceeded, "nothing arrived in time");
    }
    const int n = recv(socket, buffer, Chunk(size), 0);
    if (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) continue;
    if (n == SOCKET_ERROR) return LastSocketError("receiving");
    return static_cast<std::size_t>(n);
  }
}

Result<void> Socket::SendDatagram(std::string_view bytes) {
  if (send(Handle(handle_), bytes.data(), Chunk(bytes.size()), 0) == SOCKET_ERROR) {
    return LastSocketError("sending");
  }
  return {};
}

Result<std::optional<std::string>> Socket::ReceiveDatagram(Deadline deadline) {
  const SOCKET socket = Handle(handle_);
  std::string buffer(65536, '\0');  // more than any UDP payload
  for (;;) {
    if (TakePendingRefusal(socket)) return UdpRefused();
    const WaitResult wait = WaitFor(socket, Want::kRead, deadline);
    if (wait == WaitResult::kTimedOut) {
      if (TakePendingRefusal(socket)) return UdpRefused();
      return std::optional<std::string>();
    }
    if (wait == WaitResult::kError) return LastSocketError("receiving");
    const int n = recv(socket, buffer.data(), static_cast<int>(buffer.size()), 0);
    if (n >= 0) return std::optional<std::string>(buffer.substr(0, static_cast<std::size_t>(n)));
    const int code = WSAGetLastError();
    if (code == WSAEWOULDBLOCK) continue;
    if (code == WSAECONNRESET || code == WSAECONNREFUSED) return UdpRefused();
    return LastSocketError("receiving");
  }
}

Result<Socket> ConnectTcp(const SocketAddress& address, Deadline deadline) {
  StartWinsock();
  Socket socket(static_cast<std::intptr_t>(NewSocket(Family(address), SOCK_STREAM, IPPROTO_TCP)));
  if (!socket.valid()) return LastSocketError("connecting");
  const SOCKET handle = Handle(socket.handle_);
  if (!MakeNonBlocking(handle)) return LastSocketError("connecting");
  FailFastOnLoopback(handle, address);
  if (connect(handle, Raw(address), static_cast<int>(address.length)) == 0) return socket;
  // Windows says WSAEWOULDBLOCK where POSIX says EINPROGRESS.
  if (WSAGetLastError() != WSAEWOULDBLOCK) return LastSocketError("connecting");
  const WaitResult wait = WaitFor(handle, Want::kWrite, deadline);
  if (wait == WaitResult::kTimedOut) {
    return win::PlatformError(Errc::kDeadlineExceeded, "connecting did not finish in time");
  }
  if (wait == WaitResult::kError) return LastSocketError("connecting");
  int error = 0;
  int length = sizeof(error);
  if (getsockopt(handle, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length) != 0) {
    error = WSAGetLastError();
  }
  if (error != 0) return win::WinError(static_cast<unsigned long>(error), "connecting");
  return socket;
}

Result<Socket> ConnectUdp(const SocketAddress& address) {
  StartWinsock();
  Socket socket(static_cast<std::intptr_t>(NewSocket(Family(address), SOCK_DGRAM, IPPROTO_UDP)));
  if (!socket.valid()) return LastSocketError("connecting");
  const SOCKET handle = Handle(socket.handle_);
  if (!MakeNonBlocking(handle)) return LastSocketError("connecting");
  if (connect(handle, Raw(address), static_cast<int>(address.length)) != 0) {
    return LastSocketError("connecting");
  }
  return socket;
}

// A connect with a deadline rather than POSIX's blocking one: a refused loopback SYN is not
// answered "at once" on every Windows (see FailFastOnLoopback).
bool LoopbackPortAccepts(int port) {
  std::optional<SocketAddress> loopback = ParseNumericAddress("127.0.0.1");
  if (!loopback) return false;
  return ConnectTcp(loopback->WithPort(static_cast<std::uint16_t>(port)),
                    Clock::now() + kLoopbackPatience)
      .ok();
}

}  // namespace osfleet::platform
