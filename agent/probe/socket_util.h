// Small POSIX socket helpers for the probe and its test fakes: an owning descriptor,
// numeric address text, and waits bounded by a deadline (poll(), never a busy loop).
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace osfleet::agent {

// Closes a descriptor on every return path.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();

 private:
  int fd_ = -1;
};

// A resolved socket address and its numeric text ("10.0.0.5", "2001:db8::5").
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string ip;
};

// "10.0.0.5:1433", "[2001:db8::5]:1433".
std::string FormatEndpoint(const std::string& ip, unsigned port);

// `address` with its port set (network byte order is handled here).
SocketAddress WithPort(const SocketAddress& address, unsigned port);

// Numeric host text of a sockaddr; empty when the family is unknown.
std::string NumericHost(const sockaddr* address, socklen_t length);

// Parses an IPv4/IPv6 literal (no brackets) without touching DNS; nullopt if it is not one.
std::optional<SocketAddress> ParseIpLiteral(const std::string& text);

enum class WaitResult { kReady, kTimedOut, kError };

// poll()s `fd` for `events` until ready or `deadline`; retries on EINTR. On kError errno
// is set. POLLERR/POLLHUP count as ready: the next read/write reports what happened.
WaitResult WaitFor(int fd, short events, absl::Time deadline);

// "3s", "200ms": how long a step was allowed, for error messages.
std::string FormatTimeout(absl::Duration timeout);

}  // namespace osfleet::agent
