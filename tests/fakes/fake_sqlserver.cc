#include "tests/fakes/fake_sqlserver.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/probe/sql_browser.h"
#include "agent/probe/tds_prelogin.h"

namespace osfleet::fakes {

using agent::UniqueFd;

struct FakeSqlServer::Client {
  UniqueFd fd;
  std::string received;
  bool answered = false;
};

namespace {

// What an HTTP server says to a TDS client: the probe must call it "not TDS" (0x48 'H').
constexpr absl::string_view kGarbage = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

absl::Status Errno(absl::string_view what) {
  return absl::ErrnoToStatus(errno, absl::StrCat("fake SQL Server: ", what));
}

// Binds a socket of `type` to 127.0.0.1:0; returns it and the port it got.
absl::Status BindLoopback(int type, UniqueFd& fd, uint16_t& port) {
  fd = UniqueFd(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Errno("bind");
  }
  if (type == SOCK_STREAM && listen(fd.get(), 128) != 0) return Errno("listen");
  socklen_t length = sizeof(address);
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Errno("getsockname");
  }
  port = ntohs(address.sin_port);
  return absl::OkStatus();
}

void SendBestEffort(int fd, absl::string_view bytes) {
  // Answers are tiny and the socket buffer empty: one send() takes them whole.
  (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

}  // namespace

absl::Status FakeSqlServer::Start(const Options& options) {
  if (thread_.joinable()) return absl::FailedPreconditionError("fake SQL Server already started");
  options_ = options;
  absl::StatusOr<std::string> response = agent::tds::BuildPreloginResponse(options.version);
  if (!response.ok()) return response.status();
  prelogin_response_ = *std::move(response);
  if (absl::Status s = BindLoopback(SOCK_STREAM, listener_, tcp_port_); !s.ok()) return s;
  if (options.serve_browser) {
    if (absl::Status s = BindLoopback(SOCK_DGRAM, browser_, browser_port_); !s.ok()) return s;
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return Errno("pipe2");
  wake_read_ = UniqueFd(pipe_fds[0]);
  wake_write_ = UniqueFd(pipe_fds[1]);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void FakeSqlServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 'x';
  (void)write(wake_write_.get(), &byte, 1);
  thread_.join();
  listener_.Reset();
  browser_.Reset();
  wake_read_.Reset();
  wake_write_.Reset();
}

void FakeSqlServer::Serve() {
  std::vector<Client> clients;
  while (true) {
    std::vector<pollfd> fds = {{wake_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    if (browser_.valid()) fds.push_back({browser_.get(), POLLIN, 0});
    const size_t first_client = fds.size();
    for (const Client& c : clients) fds.push_back({c.fd.get(), POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // Stop(); `clients` closes every connection
    if (fds[1].revents != 0) AcceptAll(clients);
    if (browser_.valid() && fds[2].revents != 0) AnswerBrowser();
    // Serve the clients polled this round (AcceptAll appended new ones after them).
    std::vector<Client> kept;
    for (size_t i = 0; i < clients.size(); ++i) {
      const bool polled = first_client + i < fds.size() && fds[first_client + i].revents != 0;
      if (!polled || ServeClient(clients[i])) kept.push_back(std::move(clients[i]));
    }
    clients = std::move(kept);
  }
}

void FakeSqlServer::AcceptAll(std::vector<Client>& clients) {
  while (true) {
    UniqueFd fd(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;  // EAGAIN: nothing more to accept (or a transient error)
    connections_accepted_.fetch_add(1);
    clients.push_back(Client{std::move(fd), "", false});
  }
}

bool FakeSqlServer::ServeClient(Client& client) {
  char buffer[4096];
  const ssize_t n = recv(client.fd.get(), buffer, sizeof(buffer), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) return false;  // the client closed (or reset) the connection
  if (client.answered || options_.mode == Mode::kSilent) return true;
  if (options_.mode == Mode::kGarbage) {
    SendBestEffort(client.fd.get(), kGarbage);
    client.answered = true;
    return true;
  }
  client.received.append(buffer, static_cast<size_t>(n));
  if (client.received.size() < agent::tds::kHeaderSize) return true;
  const size_t length =
      (static_cast<uint8_t>(client.received[2]) << 8) | static_cast<uint8_t>(client.received[3]);
  if (static_cast<uint8_t>(client.received[0]) != agent::tds::kPacketPrelogin) return false;
  if (client.received.size() < length) return true;
  prelogins_answered_.fetch_add(1);  // before sending: a client that got it sees the count
  SendBestEffort(client.fd.get(), prelogin_response_);
  client.answered = true;
  return true;
}

void FakeSqlServer::AnswerBrowser() {
  char buffer[1024];
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof(peer);
  const ssize_t n = recvfrom(browser_.get(), buffer, sizeof(buffer), 0,
                             reinterpret_cast<sockaddr*>(&peer), &peer_length);
  if (n <= 0) return;
  const absl::string_view query(buffer, static_cast<size_t>(n));
  const agent::sqlbrowser::BrowserInstance instance{options_.server_name, options_.instance,
                                                    options_.version, tcp_port_};
  const bool list = query[0] == agent::sqlbrowser::kClientUnicastEx;
  // Like the real Browser, stay silent when asked for an instance it does not know.
  const bool known =
      query[0] == agent::sqlbrowser::kClientUnicastInst &&
      absl::EqualsIgnoreCase(query.substr(1, query.find('\0') - 1), options_.instance);
  if (!list && !known) return;
  const std::string response = agent::sqlbrowser::BuildBrowserResponse({instance});
  (void)sendto(browser_.get(), response.data(), response.size(), 0,
               reinterpret_cast<sockaddr*>(&peer), peer_length);
}

}  // namespace osfleet::fakes
