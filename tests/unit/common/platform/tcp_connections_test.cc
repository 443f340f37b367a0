// ListTcpConnections on Linux against real processes: a child (bash holding a connection
// through /dev/tcp) connects to a listener in this test; its connection is listed with
// the child's pid and name, and is gone once the child has exited.
#include "common/platform/tcp_connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

// An IPv4 loopback listener on port 0, closed when destroyed.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(a);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 4) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &size) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1:0";
    }
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }
  unsigned port() const { return port_; }

  // The accepted connection's descriptor and its peer's port; nullopt when none came in
  // 10 s.
  std::optional<std::pair<int, unsigned>> Accept() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) return std::nullopt;
    sockaddr_in peer{};
    socklen_t size = sizeof(peer);
    const int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_CLOEXEC);
    if (fd < 0) return std::nullopt;
    return std::make_pair(fd, static_cast<unsigned>(ntohs(peer.sin_port)));
  }

 private:
  int fd_ = -1;
  unsigned port_ = 0;
};

// bash connects to 127.0.0.1:port and holds the connection until its stdin closes.
pid_t StartHolder(unsigned port, int* stdin_fd) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  const std::string script =
      "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + " || exit 3; read -r _; exit 0";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[0], 0);
    execl("/bin/bash", "bash", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[0]);
  *stdin_fd = pipe_fds[1];
  return pid;
}

std::vector<TcpConnectionInfo> To(unsigned port) {
  Result<std::vector<TcpConnectionInfo>> all = ListTcpConnections();
  EXPECT_TRUE(all.ok()) << all.error().Message();
  std::vector<TcpConnectionInfo> out;
  if (!all.ok()) return out;
  for (const TcpConnectionInfo& c : *all) {
    if (c.remote_ip == "127.0.0.1" && c.remote_port == port) out.push_back(c);
  }
  return out;
}

TEST(TcpConnectionsTest, AChildsConnectionIsListedWithItsPidAndNameUntilItExits) {
  Listener listener;
  int holder_stdin = -1;
  const pid_t child = StartHolder(listener.port(), &holder_stdin);
  ASSERT_GT(child, 0);
  const std::optional<std::pair<int, unsigned>> accepted = listener.Accept();
  ASSERT_TRUE(accepted.has_value()) << "the child did not connect";

  const std::vector<TcpConnectionInfo> held = To(listener.port());
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].pid, static_cast<long>(child));
  EXPECT_EQ(held[0].process, "bash");
  EXPECT_EQ(held[0].local_ip, "127.0.0.1");
  EXPECT_EQ(held[0].local_port, accepted->second);
  EXPECT_EQ(held[0].remote_port, listener.port());

  // This side of the same connection is ours: listed with this test's pid.
  bool ours = false;
  Result<std::vector<TcpConnectionInfo>> all = ListTcpConnections();
  ASSERT_TRUE(all.ok());
  for (const TcpConnectionInfo& c : *all) {
    if (c.local_port == listener.port() && c.remote_port == accepted->second) {
      ours = c.pid == static_cast<long>(getpid());
    }
  }
  EXPECT_TRUE(ours);

  close(holder_stdin);  // `read` ends, bash exits and its socket closes
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(To(listener.port()).empty());
  close(accepted->first);
}

TEST(TcpConnectionsTest, IPv6ConnectionsAreListedToo) {
  const int server = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  socklen_t size = sizeof(a);
  if (bind(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(server);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  ASSERT_EQ(listen(server, 1), 0);
  ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr*>(&a), &size), 0);
  const int client = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const unsigned port = ntohs(a.sin6_port);
  Result<std::vector<TcpConnectionInfo>> all = ListTcpConnections();
  ASSERT_TRUE(all.ok()) << all.error().Message();
  int found = 0;
  for (const TcpConnectionInfo& c : *all) {
    if (c.remote_ip == "::1" && c.remote_port == port) {
      ++found;
      EXPECT_EQ(c.pid, static_cast<long>(getpid()));
      EXPECT_EQ(c.local_ip, "::1");
    }
  }
  EXPECT_EQ(found, 1);
  close(client);
  close(server);
}

}  // namespace
}  // namespace osfleet::platform
