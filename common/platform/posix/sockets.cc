#include "common/platform/sockets.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {
namespace {

using posix::ErrnoError;
using Clock = std::chrono::steady_clock;

static_assert(sizeof(sockaddr_storage) <= sizeof(SocketAddress::storage));

enum class WaitResult { kReady, kTimedOut, kError };

// poll()s fd for events until ready or the deadline; retries on EINTR. On kError errno is
// set. POLLERR/POLLHUP count as ready: the next read/write reports what happened.
WaitResult WaitFor(int fd, short events, Deadline deadline) {
  while (true) {
    const Clock::duration left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return WaitResult::kTimedOut;
    // Round up so a wait never ends a hair before the deadline and spins.
    const auto ms = std::min<std::chrono::milliseconds>(
        std::chrono::ceil<std::chrono::milliseconds>(left), std::chrono::milliseconds(60000));
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(ms.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return WaitResult::kError;
    if (n > 0) return WaitResult::kReady;
  }
}

// getaddrinfo's EAI_* codes, with gai_strerror's text.
class ResolverCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "getaddrinfo"; }
  std::string message(int value) const override { return gai_strerror(value); }
};

const std::error_category& Resolver() {
  static const ResolverCategory category;
  return category;
}

std::string NumericHost(const sockaddr* address, socklen_t length) {
  char text[NI_MAXHOST];
  if (getnameinfo(address, length, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) != 0) {
    return "";
  }
  return text;
}

SocketAddress FromAddrinfo(const addrinfo& a) {
  SocketAddress address;
  std::memcpy(address.storage.data(), a.ai_addr, a.ai_addrlen);
  address.length = a.ai_addrlen;
  address.ip = NumericHost(a.ai_addr, a.ai_addrlen);
  return address;
}

Error ResolveError(int rc, int system_errno, const std::string& host) {
  const std::string what = "resolving '" + host + "' failed";
  switch (rc) {
    case EAI_NONAME:
      return posix::PlatformError(Errc::kNoSuchHost, what + ": " + gai_strerror(rc));
#ifdef EAI_NODATA
    case EAI_NODATA:
      return posix::PlatformError(Errc::kNoAddresses, what + ": " + gai_strerror(rc));
#endif
    case EAI_AGAIN:
      return posix::PlatformError(Errc::kTryAgain, what + ": " + gai_strerror(rc));
    case EAI_SYSTEM:
      return ErrnoError(system_errno, what);
    default:
      return Error{std::error_code(rc, Resolver()), what};
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
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* result = nullptr;
  if (getaddrinfo(text.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  SocketAddress out = FromAddrinfo(*result);
  freeaddrinfo(result);
  return out;
}

Result<std::vector<SocketAddress>> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  const int system_errno = errno;
  if (rc != 0) return ResolveError(rc, system_errno, host);
  std::vector<SocketAddress> addresses;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    SocketAddress address = FromAddrinfo(*a);
    bool seen = false;
    for (const SocketAddress& s : addresses) seen = seen || s.ip == address.ip;
    if (!seen && !address.ip.empty()) addresses.push_back(std::move(address));
  }
  if (list != nullptr) freeaddrinfo(list);
  return addresses;
}

Socket::Socket(Socket&& other) noexcept : handle_(std::exchange(other.handle_, kNone)) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (handle_ != kNone) close(static_cast<int>(handle_));
    handle_ = std::exchange(other.handle_, kNone);
  }
  return *this;
}

Socket::~Socket() {
  if (handle_ != kNone) close(static_cast<int>(handle_));
}

Result<void> Socket::SendAll(std::string_view bytes, Deadline deadline) {
  const int fd = static_cast<int>(handle_);
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return ErrnoError(errno, "sending");
    }
    if (WaitFor(fd, POLLOUT, deadline) == WaitResult::kTimedOut) {
      return posix::PlatformError(Errc::kDeadlineExceeded, "sending did not finish in time");
    }
  }
  return {};
}

Result<std::size_t> Socket::Receive(char* buffer, std::size_t size, Deadline deadline) {
  const int fd = static_cast<int>(handle_);
  for (;;) {
    if (WaitFor(fd, POLLIN, deadline) == WaitResult::kTimedOut) {
      return posix::PlatformError(Errc::kDeadlineExceeded, "nothing arrived in time");
    }
    const ssize_t n = recv(fd, buffer, size, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n < 0) return ErrnoError(errno, "receiving");
    return static_cast<std::size_t>(n);
  }
}

Result<void> Socket::SendDatagram(std::string_view bytes) {
  if (send(static_cast<int>(handle_), bytes.data(), bytes.size(), 0) < 0) {
    return ErrnoError(errno, "sending");
  }
  return {};
}

Result<std::optional<std::string>> Socket::ReceiveDatagram(Deadline deadline) {
  const int fd = static_cast<int>(handle_);
  std::string buffer(65536, '\0');
  while (WaitFor(fd, POLLIN, deadline) == WaitResult::kReady) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n >= 0) return std::optional<std::string>(buffer.substr(0, static_cast<std::size_t>(n)));
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
    return ErrnoError(errno, "receiving");
  }
  return std::optional<std::string>();
}

Result<Socket> ConnectTcp(const SocketAddress& address, Deadline deadline) {
  Socket socket(::socket(Family(address), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return ErrnoError(errno, "connecting");
  const int fd = static_cast<int>(socket.handle_);
  if (connect(fd, Raw(address), static_cast<socklen_t>(address.length)) == 0) return socket;
  if (errno != EINPROGRESS) return ErrnoError(errno, "connecting");
  const WaitResult wait = WaitFor(fd, POLLOUT, deadline);
  if (wait == WaitResult::kTimedOut) {
    return posix::PlatformError(Errc::kDeadlineExceeded, "connecting did not finish in time");
  }
  if (wait == WaitResult::kError) return ErrnoError(errno, "connecting");
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) return ErrnoError(error, "connecting");
  return socket;
}

Result<Socket> ConnectUdp(const SocketAddress& address) {
  Socket socket(::socket(Family(address), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return ErrnoError(errno, "connecting");
  if (connect(static_cast<int>(socket.handle_), Raw(address),
              static_cast<socklen_t>(address.length)) != 0) {
    return ErrnoError(errno, "connecting");
  }
  return socket;
}

bool LoopbackPortAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace osfleet::platform
