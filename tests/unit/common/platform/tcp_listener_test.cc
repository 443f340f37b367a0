// The accept loop's caps with real loopback sockets: one address holds at most its share,
// connections never take the descriptors kept in reserve, and a connection closed since
// (its descriptor reused) no longer counts.
#include "common/platform/tcp_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

int ConnectFrom(const std::string& source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  return fd;
}

int LowestFree() {
  const int fd = fcntl(0, F_DUPFD, 0);
  close(fd);
  return fd;
}

// Keeps what the listener hands over, as gRPC would.
class Taker {
 public:
  void Take(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
  }
  void CloseOne() {
    std::lock_guard<std::mutex> lock(mu_);
    close(fds_.back());
    fds_.pop_back();
  }
  ~Taker() {
    for (int fd : fds_) close(fd);
  }

 private:
  std::mutex mu_;
  std::vector<int> fds_;
};

bool WaitForTotal(const TcpListener& l, std::uint64_t total) {
  for (int i = 0; i < 500; ++i) {
    const ListenerCounters c = l.counters();
    if (c.accepted + c.refused_full + c.refused_peer >= total) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(TcpListenerTest, OneAddressHoldsAtMostItsShare) {
  Result<std::unique_ptr<TcpListener>> l = TcpListener::Bind("127.0.0.1", 0, {128, 1024, 4});
  ASSERT_TRUE(l.ok()) << l.error().Message();
  ASSERT_NE((*l)->port(), 0);
  Taker taker;
  (*l)->Start([&](int fd) { taker.Take(fd); }, nullptr);
  std::vector<int> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(ConnectFrom("127.0.0.2", (*l)->port()));
  ASSERT_TRUE(WaitForTotal(**l, 10));
  EXPECT_EQ((*l)->counters().accepted, 4u);
  EXPECT_EQ((*l)->counters().refused_peer, 6u);
  // Another address is not held back by the first one's.
  clients.push_back(ConnectFrom("127.0.0.3", (*l)->port()));
  ASSERT_TRUE(WaitForTotal(**l, 11));
  EXPECT_EQ((*l)->counters().accepted, 5u);
  // Once one of them is closed (gRPC did), the first address gets a connection again.
  taker.CloseOne();
  taker.CloseOne();
  clients.push_back(ConnectFrom("127.0.0.2", (*l)->port()));
  ASSERT_TRUE(WaitForTotal(**l, 12));
  EXPECT_EQ((*l)->counters().accepted, 6u);
  for (int fd : clients) close(fd);
}

TEST(TcpListenerTest, ConnectionsNeverTakeTheReserve) {
  // The ceiling sits 6 descriptors above those in use (this test's own sockets count too).
  ListenerLimits limits{128, LowestFree() + 6, 1000};
  Result<std::unique_ptr<TcpListener>> l = TcpListener::Bind("127.0.0.1", 0, limits);
  ASSERT_TRUE(l.ok()) << l.error().Message();
  Taker taker;
  (*l)->Start([&](int fd) { taker.Take(fd); }, nullptr);
  std::vector<int> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(ConnectFrom("127.0.0." + std::to_string(10 + i), (*l)->port()));
    ASSERT_TRUE(WaitForTotal(**l, i + 1));
  }
  const ListenerCounters c = (*l)->counters();
  EXPECT_GT(c.refused_full, 10u);
  EXPECT_LT(c.accepted, 6u);
  for (int fd : clients) close(fd);
}

TEST(TcpListenerTest, AnAddressInUseIsAnError) {
  Result<std::unique_ptr<TcpListener>> first = TcpListener::Bind("127.0.0.1", 0, {});
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<TcpListener>> second =
      TcpListener::Bind("127.0.0.1", (*first)->port(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().Message(),
            "binding 127.0.0.1:" + std::to_string((*first)->port()) + ": Address already in use");
}

}  // namespace
}  // namespace osfleet::platform
