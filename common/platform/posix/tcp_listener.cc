#include "common/platform/tcp_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/platform/posix/errno_error.h"
#include "common/platform/sockets.h"
#include "common/platform/unique_fd.h"

namespace osfleet::platform {

using posix::ErrnoError;

// A connection handed over: enough to tell later whether its descriptor still is it.
struct Tracked {
  bool used = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string peer;
};

struct TcpListener::State {
  ListenerLimits limits;
  std::vector<UniqueFd> sockets;
  UniqueFd wake_read, wake_write;
  std::thread thread;
  std::function<void(int)> hand_over;
  OnRefused on_refused;
  int base = 0;  // the lowest free descriptor when accepting started
  // Touched by the accept thread only.
  std::vector<Tracked> by_fd;
  std::unordered_map<std::string, std::vector<int>> by_peer;
  // std::mutex (not seen by -Wthread-safety): the platform layer is standard C++, no Abseil.
  mutable std::mutex mu;
  ListenerCounters counters;  // guarded by mu

  void Run();
  void AcceptFrom(int listening);
  bool Admit(int fd, const std::string& peer);
  bool Refuse(int fd, const std::string& peer, std::uint64_t ListenerCounters::*field,
              const std::string& why);
  int Ceiling() const;
  int PressureMark(int ceiling) const;
  int OpenFrom(const std::string& peer);
  std::pair<std::string, int> Heaviest();
  void MakeRoomFor(int mine, const std::pair<std::string, int>& heaviest);
  bool StillTheSame(int fd);
  void Forget(int fd);
  void Count(std::uint64_t ListenerCounters::*field) {
    std::lock_guard<std::mutex> lock(mu);
    ++(counters.*field);
  }
};

namespace {

std::string PeerOf(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof(text));
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

Result<std::vector<SocketAddress>> AddressesOf(const std::string& host) {
  const std::string h = host.empty() ? "::" : host;
  if (std::optional<SocketAddress> numeric = ParseNumericAddress(h)) {
    return std::vector<SocketAddress>{*numeric};
  }
  return ResolveHost(h);
}

Result<UniqueFd> Listen(const SocketAddress& address, bool dual_stack) {
  const std::string where =
      address.ip.find(':') == std::string::npos ? address.ip : "[" + address.ip + "]";
  const auto* sa = reinterpret_cast<const sockaddr*>(address.storage.data());
  UniqueFd fd(::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoError(errno, "creating a socket for " + where);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (sa->sa_family == AF_INET6) {
    const int v6only = dual_stack ? 0 : 1;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  }
  if (::bind(fd.get(), sa, static_cast<socklen_t>(address.length)) != 0) {
    return ErrnoError(errno, "binding " + where);
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) return ErrnoError(errno, "listening on " + where);
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

int LowestFreeDescriptor() {
  const int fd = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return 0;
  ::close(fd);
  return fd;
}

}  // namespace

Result<std::unique_ptr<TcpListener>> TcpListener::Bind(const std::string& host, int port,
                                                       ListenerLimits limits) {
  Result<std::vector<SocketAddress>> addresses = AddressesOf(host);
  if (!addresses.ok()) return addresses.error();
  auto state = std::make_unique<State>();
  state->limits = limits;
  const bool has_v4 = std::any_of(addresses->begin(), addresses->end(), [](const auto& a) {
    return reinterpret_cast<const sockaddr*>(a.storage.data())->sa_family == AF_INET;
  });
  int bound = port;
  for (const SocketAddress& a : *addresses) {
    Result<UniqueFd> fd = Listen(a.WithPort(static_cast<std::uint16_t>(bound)), !has_v4);
    if (!fd.ok()) {
      Error e = fd.error();
      e.what += ":" + std::to_string(bound);
      return e;
    }
    if (bound == 0) bound = BoundPort(fd->get());
    state->sockets.push_back(std::move(*fd));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return ErrnoError(errno, "creating a pipe");
  state->wake_read = UniqueFd(pipe_fds[0]);
  state->wake_write = UniqueFd(pipe_fds[1]);
  return std::unique_ptr<TcpListener>(new TcpListener(std::move(state), bound));
}

TcpListener::TcpListener(std::unique_ptr<State> state, int port)
    : state_(std::move(state)), port_(port) {}

TcpListener::~TcpListener() { Stop(); }

void TcpListener::Start(std::function<void(int fd)> hand_over, OnRefused on_refused) {
  state_->hand_over = std::move(hand_over);
  state_->on_refused = std::move(on_refused);
  state_->base = LowestFreeDescriptor();
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
}

void TcpListener::Stop() {
  if (!state_->thread.joinable()) return;
  const char byte = 0;
  (void)!::write(state_->wake_write.get(), &byte, 1);
  state_->thread.join();
  state_->sockets.clear();
}

bool ListenerHandsOverDescriptors() { return true; }

ListenerCounters TcpListener::counters() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->counters;
}

void TcpListener::State::Run() {
  std::vector<pollfd> fds;
  fds.push_back({wake_read.get(), POLLIN, 0});
  for (const UniqueFd& s : sockets) fds.push_back({s.get(), POLLIN, 0});
  bool out_of_descriptors = false;
  for (;;) {
    // Out of descriptors, the queued connections wait in the backlog; retry in 100 ms.
    const nfds_t n = out_of_descriptors ? 1 : fds.size();
    const int ready = ::poll(fds.data(), n, out_of_descriptors ? 100 : -1);
    if (ready < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;
    out_of_descriptors = false;
    for (nfds_t i = 1; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      for (;;) {
        sockaddr_storage addr{};
        socklen_t len = sizeof(addr);
        const int fd = ::accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&addr), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            out_of_descriptors = true;
          }
          if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
          break;  // EAGAIN: none left; otherwise try again at the next poll
        }
        const std::string peer = PeerOf(addr);
        if (!Admit(fd, peer)) continue;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        Count(&ListenerCounters::accepted);
        hand_over(fd);
      }
    }
  }
}

int TcpListener::State::Ceiling() const {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t soft = limit.rlim_cur == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_cur;
  const long room = static_cast<long>(soft) - limits.reserve;
  return static_cast<int>(std::clamp<long>(room, 0, limits.max_connection_fds));
}

// Past this descriptor number the connections are near the ceiling: the room left goes to
// the addresses holding fewest connections (an eighth of the room, at least one).
int TcpListener::State::PressureMark(int ceiling) const {
  return ceiling - std::max(1, (ceiling - base) / 8);
}

bool TcpListener::State::StillTheSame(int fd) {
  struct stat st {};
  const Tracked& t = by_fd[fd];
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == t.ino && st.st_dev == t.dev;
}

// The address holding the most open connections, and how many ("" and 0 when none).
std::pair<std::string, int> TcpListener::State::Heaviest() {
  std::vector<std::string> peers;
  for (const auto& [p, fds] : by_peer) peers.push_back(p);
  std::pair<std::string, int> heaviest{"", 0};
  for (const std::string& p : peers) {
    const int n = OpenFrom(p);
    if (n > heaviest.second) heaviest = {p, n};
  }
  return heaviest;
}

// Ends the oldest connection of the heaviest address (when it holds more than one and more
// than the newcomer's address, holding `mine`, would), so that the next newcomer finds a
// descriptor. shutdown(), not close(): gRPC owns the descriptor, sees the connection end
// and closes it itself.
void TcpListener::State::MakeRoomFor(int mine, const std::pair<std::string, int>& heaviest) {
  const auto& [heavy, count] = heaviest;
  if (count <= 1 || mine + 1 >= count) return;
  const int oldest = by_peer[heavy].front();
  if (StillTheSame(oldest)) ::shutdown(oldest, SHUT_RDWR);
  Forget(oldest);
  Count(&ListenerCounters::evicted);
}

bool TcpListener::State::Refuse(int fd, const std::string& peer,
                                std::uint64_t ListenerCounters::*field, const std::string& why) {
  ::close(fd);
  Count(field);
  if (on_refused) on_refused(peer, why);
  return false;
}

void TcpListener::State::Forget(int fd) {
  if (fd >= static_cast<int>(by_fd.size()) || !by_fd[fd].used) return;
  std::vector<int>& list = by_peer[by_fd[fd].peer];
  list.erase(std::remove(list.begin(), list.end(), fd), list.end());
  if (list.empty()) by_peer.erase(by_fd[fd].peer);
  by_fd[fd] = Tracked{};
}

// Connections from peer still open: a descriptor counts while it is the same socket.
int TcpListener::State::OpenFrom(const std::string& peer) {
  auto it = by_peer.find(peer);
  if (it == by_peer.end()) return 0;
  const std::vector<int> fds = it->second;
  for (int fd : fds) {
    if (!StillTheSame(fd)) Forget(fd);
  }
  it = by_peer.find(peer);
  return it == by_peer.end() ? 0 : static_cast<int>(it->second.size());
}

bool TcpListener::State::Admit(int fd, const std::string& peer) {
  const int ceiling = Ceiling();
  if (by_fd.size() <= static_cast<size_t>(fd)) by_fd.resize(fd + 1);
  Forget(fd);  // its number was another connection's, which gRPC has closed since
  if (fd >= ceiling) {
    // Its retry finds a descriptor, unless it is the flood itself.
    MakeRoomFor(OpenFrom(peer), Heaviest());
    return Refuse(fd, peer, &ListenerCounters::refused_full,
                  "no descriptor left for connections (" + std::to_string(fd) +
                      " in use, ceiling " + std::to_string(ceiling) + ")");
  }
  const int share = std::max(1, std::min(limits.per_peer, (ceiling - base) / 2));
  const int mine = OpenFrom(peer);
  if (mine >= share) {
    return Refuse(fd, peer, &ListenerCounters::refused_peer,
                  "this address holds " + std::to_string(share) + " connections already");
  }
  if (fd >= PressureMark(ceiling)) {
    // Near the ceiling (a flood from several addresses): a newcomer from an address that
    // holds as many as the heaviest is refused; one from a lighter address (an operator)
    // gets in, and the heaviest address loses its oldest connection.
    const std::pair<std::string, int> heaviest = Heaviest();
    if (heaviest.second > 1 && mine + 1 >= heaviest.second) {
      return Refuse(fd, peer, &ListenerCounters::refused_full,
                    "near the connection ceiling (" + std::to_string(ceiling) +
                        ") and this address holds " + std::to_string(mine) +
                        ": the room left is for addresses holding fewer");
    }
    MakeRoomFor(mine, heaviest);
  }
  struct stat st {};
  ::fstat(fd, &st);
  by_fd[fd] = Tracked{true, st.st_dev, st.st_ino, peer};
  by_peer[peer].push_back(fd);
  return true;
}

}  // namespace osfleet::platform
