#include "tests/fakes/fake_tns_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/probe/tns_packet.h"
#include "tests/fakes/fake_listen.h"

namespace osfleet::fakes {

namespace tns = agent::tns;
using agent::UniqueFd;

struct FakeTnsListener::Client {
  UniqueFd fd;
  std::string received;
  int connects = 0;         // CONNECT packets on this connection
  size_t pending_data = 0;  // a long CONNECT's data length, awaited in a DATA packet
  bool accepted = false;
};

namespace {

constexpr uint8_t kRefuseUserReason = 0x22;
constexpr uint8_t kRefuseSystemReason = 0x00;
constexpr int kVsnnum19c = 318767104;

// The REFUSE data a listener sends for `error`.
std::string ListenerError(int error) {
  return absl::StrCat("(DESCRIPTION=(TMP=)(VSNNUM=", kVsnnum19c, ")(ERR=", error,
                      ")(ERROR_STACK=(ERROR=(CODE=", error, ")(EMFI=4))))");
}

void SendBestEffort(int fd, absl::string_view bytes) {
  // Answers are small and the socket buffer empty: one send() takes them whole.
  (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

bool Contains(const std::vector<std::string>& names, absl::string_view name, bool any_case) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& known) {
    return any_case ? absl::EqualsIgnoreCase(known, name) : known == name;
  });
}

}  // namespace

absl::Status FakeTnsListener::Start(const Options& options) {
  if (thread_.joinable()) return absl::FailedPreconditionError("fake listener already started");
  options_ = options;
  absl::StatusOr<Listeners> listeners = ListenTcp(options.listen, options.port);
  if (!listeners.ok()) return listeners.status();
  listeners_ = std::move(listeners->fds);
  port_ = listeners->port;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::ErrnoToStatus(errno, "fake listener: pipe2");
  }
  wake_read_ = UniqueFd(pipe_fds[0]);
  wake_write_ = UniqueFd(pipe_fds[1]);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void FakeTnsListener::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 'x';
  (void)write(wake_write_.get(), &byte, 1);
  thread_.join();
  listeners_.clear();
  wake_read_.Reset();
  wake_write_.Reset();
}

std::string FakeTnsListener::last_descriptor() const {
  absl::MutexLock lock(&mutex_);
  return last_descriptor_;
}

void FakeTnsListener::Serve() {
  std::vector<Client> clients;
  while (true) {
    std::vector<pollfd> fds = {{wake_read_.get(), POLLIN, 0}};
    for (const UniqueFd& l : listeners_) fds.push_back({l.get(), POLLIN, 0});
    const size_t first_client = fds.size();
    for (const Client& c : clients) fds.push_back({c.fd.get(), POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // Stop(); `clients` closes every connection
    std::vector<Client> kept;
    for (size_t i = 0; i < clients.size(); ++i) {
      const bool polled = fds[first_client + i].revents != 0;
      if (!polled || ServeClient(clients[i])) kept.push_back(std::move(clients[i]));
    }
    clients = std::move(kept);
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[1 + i].revents != 0) AcceptAll(listeners_[i].get(), clients);
    }
  }
}

void FakeTnsListener::AcceptAll(int listener, std::vector<Client>& clients) {
  while (true) {
    UniqueFd fd(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;  // EAGAIN: nothing more to accept (or a transient error)
    connections_accepted_.fetch_add(1);
    Client client;
    client.fd = std::move(fd);
    clients.push_back(std::move(client));
  }
}

bool FakeTnsListener::ServeClient(Client& client) {
  char buffer[4096];
  const ssize_t n = recv(client.fd.get(), buffer, sizeof(buffer), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {  // the client closed (or reset) the connection
    client_closes_.fetch_add(1);
    return false;
  }
  if (client.accepted) {
    bytes_after_accept_.fetch_add(static_cast<int>(n));
    return true;
  }
  if (options_.mode == Mode::kSilent) return true;
  client.received.append(buffer, static_cast<size_t>(n));
  while (true) {
    absl::StatusOr<size_t> size = tns::PacketSize(client.received, 0xFFFF);
    if (!size.ok()) return false;  // not TNS: drop the client
    if (*size == 0 || client.received.size() < *size) return true;
    const std::string packet = client.received.substr(0, *size);
    client.received.erase(0, *size);
    if (!HandlePacket(client, packet)) return false;
    if (client.accepted) {
      bytes_after_accept_.fetch_add(static_cast<int>(client.received.size()));
      return true;
    }
  }
}

bool FakeTnsListener::HandlePacket(Client& client, absl::string_view packet) {
  if (client.pending_data > 0) {  // the DATA packet after a long CONNECT
    absl::StatusOr<std::string> descriptor = tns::ParseConnectDataPacket(packet);
    if (!descriptor.ok() || descriptor->size() != client.pending_data) return false;
    client.pending_data = 0;
    return Answer(client, *descriptor);
  }
  absl::StatusOr<tns::ConnectRequest> request = tns::ParseConnect(packet);
  if (!request.ok()) return false;  // the first packet must be a well-formed CONNECT
  connects_received_.fetch_add(1);
  ++client.connects;
  if (request->data_follows) {
    client.pending_data = request->data_length;
    return true;
  }
  return Answer(client, request->descriptor);
}

bool FakeTnsListener::Answer(Client& client, const std::string& descriptor) {
  {
    absl::MutexLock lock(&mutex_);
    last_descriptor_ = descriptor;
  }
  if (options_.mode == Mode::kResend && client.connects == 1) {
    SendBestEffort(client.fd.get(), tns::BuildResend());
    return true;
  }
  const std::optional<std::string> service = tns::FindValue(descriptor, "SERVICE_NAME");
  const std::optional<std::string> sid = tns::FindValue(descriptor, "SID");
  int error = 0;
  if (service) {
    if (!Contains(options_.services, *service, /*any_case=*/true)) error = 12514;
  } else if (sid) {
    if (!Contains(options_.sids, *sid, /*any_case=*/false)) error = 12505;
  } else {
    error = 12504;
  }
  if (error != 0) {
    refused_.fetch_add(1);
    SendBestEffort(client.fd.get(),
                   tns::BuildRefuse(ListenerError(error), kRefuseUserReason, kRefuseSystemReason));
    return false;
  }
  if (options_.mode == Mode::kRedirect) {
    const std::string to = absl::StrCat("(ADDRESS=(PROTOCOL=TCP)(HOST=", options_.listen.front(),
                                        ")(PORT=", port_, "))");
    SendBestEffort(client.fd.get(),
                   tns::BuildRedirect(absl::StrCat(to, std::string(1, '\0'), descriptor)));
    return false;
  }
  accepted_.fetch_add(1);  // before sending: a client that got it sees the count
  SendBestEffort(client.fd.get(), tns::BuildAccept(tns::kVersion));
  client.accepted = true;
  return true;
}

}  // namespace osfleet::fakes
