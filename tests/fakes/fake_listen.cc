#include "tests/fakes/fake_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace osfleet::fakes {
namespace {

absl::Status Errno(absl::string_view what, const std::string& ip) {
  return absl::ErrnoToStatus(errno, absl::StrCat("fake listener: ", what, " on ", ip));
}

// The socket address of `ip` at `port`; false when `ip` is not an IP literal.
bool ToSockaddr(const std::string& ip, uint16_t port, sockaddr_storage& out, socklen_t& length) {
  out = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

absl::StatusOr<agent::UniqueFd> ListenOn(const std::string& ip, uint16_t port, uint16_t& bound) {
  sockaddr_storage address;
  socklen_t length = 0;
  if (!ToSockaddr(ip, port, address, length)) {
    return absl::InvalidArgumentError(absl::StrCat("fake listener: '", ip, "' is not an IP"));
  }
  agent::UniqueFd fd(socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket", ip);
  const int on = 1;
  (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return Errno(absl::StrCat("bind to port ", port), ip);
  }
  if (listen(fd.get(), 128) != 0) return Errno("listen", ip);
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Errno("getsockname", ip);
  }
  bound =
      ntohs(address.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return fd;
}

}  // namespace

absl::StatusOr<Listeners> ListenTcp(const std::vector<std::string>& ips, uint16_t port) {
  if (ips.empty()) return absl::InvalidArgumentError("fake listener: no IP to listen on");
  Listeners listeners;
  listeners.port = port;
  for (const std::string& ip : ips) {
    absl::StatusOr<agent::UniqueFd> fd = ListenOn(ip, listeners.port, listeners.port);
    if (!fd.ok()) return fd.status();
    listeners.fds.push_back(*std::move(fd));
  }
  return listeners;
}

}  // namespace osfleet::fakes
