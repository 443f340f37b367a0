#include "agent/probe/socket_util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace osfleet::agent {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string FormatEndpoint(const std::string& ip, unsigned port) {
  if (ip.find(':') != std::string::npos) return absl::StrCat("[", ip, "]:", port);
  return absl::StrCat(ip, ":", port);
}

SocketAddress WithPort(const SocketAddress& address, unsigned port) {
  SocketAddress out = address;
  const uint16_t net_port = htons(static_cast<uint16_t>(port));
  if (out.storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&out.storage)->sin_port = net_port;
  } else if (out.storage.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&out.storage)->sin6_port = net_port;
  }
  return out;
}

std::string NumericHost(const sockaddr* address, socklen_t length) {
  char text[NI_MAXHOST];
  if (getnameinfo(address, length, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) != 0) {
    return "";
  }
  return text;
}

std::optional<SocketAddress> ParseIpLiteral(const std::string& text) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* result = nullptr;
  if (getaddrinfo(text.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  SocketAddress out;
  out.length = result->ai_addrlen;
  std::memcpy(&out.storage, result->ai_addr, result->ai_addrlen);
  out.ip = NumericHost(result->ai_addr, result->ai_addrlen);
  freeaddrinfo(result);
  return out;
}

WaitResult WaitFor(int fd, short events, absl::Time deadline) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return WaitResult::kTimedOut;
    // Round up so a wait never ends a hair before the deadline and spins.
    const int64_t ms = std::min<int64_t>(
        absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), 60000);
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(ms));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return WaitResult::kError;
    if (n > 0) return WaitResult::kReady;
  }
}

std::string FormatTimeout(absl::Duration timeout) { return absl::FormatDuration(timeout); }

}  // namespace osfleet::agent
