#include "tests/fakes/fake_sqlserver.h"

#include <arpa/inet.h>
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
  std::unique_ptr<FakeTdsSession> session;
};

namespace {

absl::Status Errno(absl::string_view what) {
  return absl::ErrnoToStatus(errno, absl::StrCat("fake SQL Server: ", what));
}

// Binds a socket of `type` to ip:port (port 0: any); returns it and the port it got.
absl::Status Bind(int type, const std::string& ip, UniqueFd& fd, uint16_t& port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("fake SQL Server: listen address '", ip, "' is not an IPv4 address"));
  }
  fd = UniqueFd(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket");
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Errno(absl::StrCat("bind ", ip, ":", port));
  }
  if (type == SOCK_STREAM && listen(fd.get(), 128) != 0) return Errno("listen");
  socklen_t length = sizeof(address);
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Errno("getsockname");
  }
  port = ntohs(address.sin_port);
  return absl::OkStatus();
}

// Answers are small and the loopback buffer large: a non-blocking send takes them whole.
void SendBestEffort(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

FakeTdsBehaviour::Kind KindOf(FakeSqlServer::Mode mode) {
  switch (mode) {
    case FakeSqlServer::Mode::kSilent:
      return FakeTdsBehaviour::Kind::kSilent;
    case FakeSqlServer::Mode::kGarbage:
      return FakeTdsBehaviour::Kind::kGarbage;
    case FakeSqlServer::Mode::kBadTls:
      return FakeTdsBehaviour::Kind::kBadTls;
    case FakeSqlServer::Mode::kAnswer:
      break;
  }
  return FakeTdsBehaviour::Kind::kAnswer;
}

}  // namespace

absl::Status FakeSqlServer::Start(const Options& options) {
  if (thread_.joinable()) return absl::FailedPreconditionError("fake SQL Server already started");
  options_ = options;
  if (absl::StatusOr<std::string> r = agent::tds::BuildPreloginResponse(options.version); !r.ok()) {
    return r.status();
  }
  if (absl::Status s = PrepareTls(); !s.ok()) return s;
  behaviour_ = FakeTdsBehaviour{KindOf(options.mode),     options.version,
                                options.instance,         options.tls != TlsSource::kNone,
                                options.force_encryption, options.strict,
                                identity_.tds7.get(),     identity_.tds8.get()};
  if (absl::Status s = BindAll(); !s.ok()) return s;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return Errno("pipe2");
  wake_read_ = UniqueFd(pipe_fds[0]);
  wake_write_ = UniqueFd(pipe_fds[1]);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

absl::Status FakeSqlServer::PrepareTls() {
  absl::StatusOr<FakeTlsIdentity> identity;
  switch (options_.tls) {
    case TlsSource::kNone:
      return absl::OkStatus();
    case TlsSource::kFallback:
      identity = MakeFallbackIdentity();
      break;
    case TlsSource::kFiles:
      identity = LoadIdentity(options_.cert_file, options_.key_file);
      break;
  }
  if (!identity.ok()) return identity.status();
  identity_ = *std::move(identity);
  return absl::OkStatus();
}

absl::Status FakeSqlServer::BindAll() {
  if (options_.listen.empty()) {
    return absl::InvalidArgumentError("fake SQL Server: no listen address");
  }
  tcp_port_ = options_.port;
  for (const std::string& ip : options_.listen) {
    UniqueFd fd;
    if (absl::Status s = Bind(SOCK_STREAM, ip, fd, tcp_port_); !s.ok()) return s;
    listeners_.push_back(std::move(fd));
  }
  if (!options_.serve_browser) return absl::OkStatus();
  return Bind(SOCK_DGRAM, options_.listen.front(), browser_, browser_port_);
}

void FakeSqlServer::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 'x';
  (void)write(wake_write_.get(), &byte, 1);
  thread_.join();
  listeners_.clear();
  browser_.Reset();
  wake_read_.Reset();
  wake_write_.Reset();
}

void FakeSqlServer::Serve() {
  std::vector<Client> clients;
  while (true) {
    std::vector<pollfd> fds = {{wake_read_.get(), POLLIN, 0}};
    for (const UniqueFd& l : listeners_) fds.push_back({l.get(), POLLIN, 0});
    const size_t browser_index = fds.size();
    if (browser_.valid()) fds.push_back({browser_.get(), POLLIN, 0});
    const size_t first_client = fds.size();
    for (const Client& c : clients) fds.push_back({c.fd.get(), POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // Stop(); `clients` closes every connection
    const size_t polled_clients = clients.size();
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[1 + i].revents != 0) AcceptAll(listeners_[i].get(), clients);
    }
    if (browser_.valid() && fds[browser_index].revents != 0) AnswerBrowser();
    // Serve the clients polled this round (AcceptAll appended new ones after them).
    std::vector<Client> kept;
    for (size_t i = 0; i < clients.size(); ++i) {
      const bool polled = i < polled_clients && fds[first_client + i].revents != 0;
      if (!polled || ServeClient(clients[i])) kept.push_back(std::move(clients[i]));
    }
    clients = std::move(kept);
  }
}

void FakeSqlServer::AcceptAll(int listener, std::vector<Client>& clients) {
  while (true) {
    UniqueFd fd(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;  // EAGAIN: nothing more to accept (or a transient error)
    connections_accepted_.fetch_add(1);
    clients.push_back(
        Client{std::move(fd), std::make_unique<FakeTdsSession>(behaviour_, counters_)});
  }
}

bool FakeSqlServer::ServeClient(Client& client) {
  char buffer[16384];
  const ssize_t n = recv(client.fd.get(), buffer, sizeof(buffer), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) return false;  // the client closed (or reset) the connection
  const std::string out =
      client.session->OnBytes(absl::string_view(buffer, static_cast<size_t>(n)));
  if (!out.empty()) SendBestEffort(client.fd.get(), out);
  return !client.session->closing();
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
