// Network calls of the probe and the readiness checks: name resolution, TCP connect and
// send / receive bounded by a deadline, and UDP request / response (the SQL Server
// Browser). Waits never spin: they sleep in the OS until ready or the deadline.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

using Deadline = std::chrono::steady_clock::time_point;

// A resolved IPv4 or IPv6 socket address and its numeric text ("10.0.0.5", "2001:db8::5").
struct SocketAddress {
  std::array<unsigned char, 128> storage{};  // the OS's sockaddr_storage, as bytes
  std::size_t length = 0;
  std::string ip;

  // This address with its port set.
  SocketAddress WithPort(std::uint16_t port) const;
};

// Parses an IPv4/IPv6 literal (no brackets) without touching DNS; nullopt if it is not one.
std::optional<SocketAddress> ParseNumericAddress(const std::string& text);

// Every address of host (IPv4 and IPv6), in the resolver's order, without repeats. Blocks
// as long as the resolver does, which has no timeout of its own: run it on a thread of its
// own. Errors: Errc::kNoSuchHost, Errc::kNoAddresses, Errc::kTryAgain; otherwise the
// resolver's or the OS's code, with `what` "resolving 'HOST' failed".
Result<std::vector<SocketAddress>> ResolveHost(const std::string& host);

// An open socket (TCP or UDP), closed when destroyed.
class Socket {
 public:
  Socket() = default;
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  bool valid() const { return handle_ != kNone; }

  // TCP: sends all of bytes before the deadline. Errors: Errc::kDeadlineExceeded when the
  // peer does not take them in time; the OS's ("sending").
  Result<void> SendAll(std::string_view bytes, Deadline deadline);
  // TCP: waits until bytes arrive and reads up to size of them; 0 when the peer closed the
  // connection. Errors: Errc::kDeadlineExceeded; the OS's ("receiving").
  Result<std::size_t> Receive(char* buffer, std::size_t size, Deadline deadline);

  // UDP: sends one datagram. Error: the OS's ("sending").
  Result<void> SendDatagram(std::string_view bytes);
  // UDP: waits for one datagram; nullopt when none came before the deadline. Errors:
  // std::errc::connection_refused when the peer's port is closed (ICMP port unreachable);
  // the OS's ("receiving").
  Result<std::optional<std::string>> ReceiveDatagram(Deadline deadline);

 private:
  friend Result<Socket> ConnectTcp(const SocketAddress& address, Deadline deadline);
  friend Result<Socket> ConnectUdp(const SocketAddress& address);
  static constexpr std::intptr_t kNone = -1;
  explicit Socket(std::intptr_t handle) : handle_(handle) {}

  std::intptr_t handle_ = kNone;  // a descriptor (POSIX) or a SOCKET (Windows)
};

// Connects over TCP before the deadline. Errors: Errc::kDeadlineExceeded; the OS's
// otherwise (std::errc::connection_refused when nothing listens), `what` "connecting".
Result<Socket> ConnectTcp(const SocketAddress& address, Deadline deadline);

// A UDP socket that sends to and receives from `address` only. Error: the OS's
// ("connecting").
Result<Socket> ConnectUdp(const SocketAddress& address);

// Whether 127.0.0.1:port accepts a TCP connection now (loopback answers at once).
bool LoopbackPortAccepts(int port);

}  // namespace osfleet::platform
