#include "tests/integration/silent_database.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace osfleet::testing {

SilentDatabase::SilentDatabase() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(fd_, 4096);
  socklen_t len = sizeof(addr);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    for (;;) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      absl::MutexLock lock(&mu_);
      accepted_.push_back(c);
    }
  });
}

SilentDatabase::~SilentDatabase() {
  shutdown(fd_, SHUT_RDWR);
  close(fd_);
  acceptor_.join();
  absl::MutexLock lock(&mu_);
  for (int c : accepted_) close(c);
}

std::string SilentDatabase::address() const { return absl::StrCat("127.0.0.1,", port_); }

int SilentDatabase::connections() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(accepted_.size());
}

}  // namespace osfleet::testing
