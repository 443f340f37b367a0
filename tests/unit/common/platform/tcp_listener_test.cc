// The accept loop's caps with real loopback sockets: one address holds at most its share,
// connections never take the descriptors kept in reserve, and a connection closed since
// (its descriptor reused) no longer counts.
#include "common/platform/tcp_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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
  // Closes the connections whose other end (or the listener, by shutdown) ended them, as
  // gRPC does when it sees one end.
  int CloseEnded() {
    std::lock_guard<std::mutex> lock(mu_);
    int closed = 0;
    for (auto it = fds_.begin(); it != fds_.end();) {
      pollfd p{*it, POLLIN | POLLRDHUP, 0};
      char byte;
      if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0 &&
          recv(*it, &byte, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) {
        close(*it);
        it = fds_.erase(it);
        ++closed;
      } else {
        ++it;
      }
    }
    return closed;
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

// A client socket numbered far above the listener's range, so that the test's own ends of
// the connections take none of the descriptors the listener counts.
int ConnectFromHigh(const std::string& source, int port, int above) {
  const int low = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int fd = fcntl(low, F_DUPFD_CLOEXEC, above);
  close(low);
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

// Two addresses flood the listener up to its ceiling; a third (an operator) still gets a
// connection, at once or at its first retry, because the heaviest address loses its oldest.
TEST(TcpListenerTest, AFloodFromSeveralAddressesLeavesRoomForAnother) {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < 512) GTEST_SKIP() << "needs a descriptor limit of 512 or more";
  const int above = static_cast<int>(std::min<rlim_t>(nofile.rlim_cur - 100, 4096));
  ListenerLimits limits{64, LowestFree() + 32, 1000};
  Result<std::unique_ptr<TcpListener>> l = TcpListener::Bind("127.0.0.1", 0, limits);
  ASSERT_TRUE(l.ok()) << l.error().Message();
  Taker taker;
  (*l)->Start([&](int fd) { taker.Take(fd); }, nullptr);
  std::vector<int> clients;
  std::uint64_t total = 0;
  for (int i = 0; i < 80 && (*l)->counters().refused_full == 0; ++i) {
    clients.push_back(ConnectFromHigh(i % 2 ? "127.0.0.3" : "127.0.0.2", (*l)->port(), above));
    ASSERT_TRUE(WaitForTotal(**l, ++total));
  }
  ASSERT_GT((*l)->counters().refused_full, 0u) << "the flood never reached the ceiling";
  EXPECT_EQ((*l)->counters().evicted, 0u);  // the flood never evicts itself
  const std::uint64_t accepted = (*l)->counters().accepted;
  bool in = false;
  for (int attempt = 0; attempt < 2 && !in; ++attempt) {
    clients.push_back(ConnectFromHigh("127.0.0.9", (*l)->port(), above));
    ASSERT_TRUE(WaitForTotal(**l, ++total));
    in = (*l)->counters().accepted > accepted;
    taker.CloseEnded();  // what gRPC does with the connection the listener ended
  }
  EXPECT_TRUE(in) << "refused_full " << (*l)->counters().refused_full;
  EXPECT_GE((*l)->counters().evicted, 1u);
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
