#include "tests/integration/net_cut.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace osfleet::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

NetCut::NetCut(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

NetCut::~NetCut() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  Restore();
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
  absl::MutexLock lock(&mu_);
  for (int fd : open_) ::close(fd);
}

void NetCut::Restore() {
  absl::MutexLock lock(&mu_);
  if (cut_) {
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  cut_ = false;
}

void NetCut::AcceptLoop() {
  for (;;) {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    absl::MutexLock lock(&mu_);
    open_.push_back(client);
    threads_.emplace_back([this, client] { Relay(client); });
  }
}

void NetCut::Relay(int client) {
  const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(upstream_port_);
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::shutdown(client, SHUT_RDWR);
    ::close(upstream);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    open_.push_back(upstream);
  }
  std::thread back([this, upstream, client] { Pump(upstream, client); });
  Pump(client, upstream);
  back.join();
}

void NetCut::Pump(int from, int to) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) break;
    if (cut_) continue;  // dropped on the floor: the other side hears nothing
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
      if (w <= 0) {
        ::shutdown(from, SHUT_RDWR);
        return;
      }
      done += w;
    }
  }
  ::shutdown(to, SHUT_RDWR);
}

}  // namespace osfleet::testing
