// The Windows side of TcpListener. The agent does not use it on Windows (gRPC 1.51 takes no
// accepted socket there: ListenerHandsOverDescriptors() is false and gRPC listens itself),
// but it keeps the header's contract for other callers, with these differences:
//  - hand_over(fd) receives the accepted SOCKET cast to int. SOCKETs are kernel handles,
//    which 64-bit Windows keeps within 32 bits (safe to truncate and to sign-extend back):
//    the receiver owns static_cast<SOCKET>(static_cast<std::intptr_t>(fd)) and closes it
//    with closesocket(). It is non-blocking, not inheritable, with TCP_NODELAY, as on POSIX.
//  - Windows does not number sockets lowest-free-first and has no descriptor limit, so the
//    ceiling is a count: at most max_connection_fds connections handed over and still open
//    at once; `reserve` has nothing to keep free and is ignored. "Near the ceiling" is the
//    last eighth of that count.
//  - A connection counts while the SOCKET handed over is still that connection: same local
//    and peer address and port (a value that the owner closed and Windows reused for
//    another socket names another connection, or none). Unlike POSIX, a connection whose
//    peer Windows no longer reports (getpeername fails: reset, say) stops counting before
//    its owner closes it: it holds no peer's share then.
#include "common/platform/tcp_listener.h"

// Winsock first: its headers must come before <windows.h>.
#include "common/platform/windows/winsock.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/platform/ip_address.h"
#include "common/platform/sockets.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// How long the accept loop waits before retrying when Windows has no buffers or sockets
// left for a new connection (the queued ones wait in the backlog meanwhile).
constexpr DWORD kOutOfResourcesRetryMs = 100;

using win::LastSocketError;
using win::StartWinsock;

// An owned listening SOCKET, closed when destroyed.
class UniqueSocket {
 public:
  UniqueSocket() = default;
  explicit UniqueSocket(SOCKET socket) : socket_(socket) {}
  UniqueSocket(UniqueSocket&& other) noexcept
      : socket_(std::exchange(other.socket_, INVALID_SOCKET)) {}
  UniqueSocket& operator=(UniqueSocket&& other) noexcept {
    if (this != &other) {
      Reset();
      socket_ = std::exchange(other.socket_, INVALID_SOCKET);
    }
    return *this;
  }
  UniqueSocket(const UniqueSocket&) = delete;
  UniqueSocket& operator=(const UniqueSocket&) = delete;
  ~UniqueSocket() { Reset(); }

  SOCKET get() const { return socket_; }
  bool valid() const { return socket_ != INVALID_SOCKET; }
  void Reset() {
    if (valid()) closesocket(socket_);
    socket_ = INVALID_SOCKET;
  }

 private:
  SOCKET socket_ = INVALID_SOCKET;
};

// A socket address as getsockname / getpeername give it.
struct Endpoint {
  sockaddr_storage address{};
  int length = 0;

  bool operator==(const Endpoint& other) const {
    return length == other.length && std::memcmp(&address, &other.address, length) == 0;
  }
};

std::optional<Endpoint> LocalOf(SOCKET socket) {
  Endpoint e;
  e.length = sizeof(e.address);
  if (getsockname(socket, reinterpret_cast<sockaddr*>(&e.address), &e.length) != 0) return {};
  return e;
}

std::optional<Endpoint> PeerEndpointOf(SOCKET socket) {
  Endpoint e;
  e.length = sizeof(e.address);
  if (getpeername(socket, reinterpret_cast<sockaddr*>(&e.address), &e.length) != 0) return {};
  return e;
}

// A connection handed over: enough to tell later whether its SOCKET still is it.
struct Tracked {
  SOCKET socket = INVALID_SOCKET;
  Endpoint local;
  Endpoint remote;
};

// The peer's address as text, the same on every platform (ip_address.h's canonical form).
std::string PeerOf(const sockaddr_storage& address) {
  IpAddress ip;
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    std::memcpy(ip.bytes.data(), &v4.sin_addr, 4);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    ip.v6 = true;
    std::memcpy(ip.bytes.data(), &v6.sin6_addr, 16);
  } else {
    return "";
  }
  return FormatIpAddress(ip);
}

}  // namespace

struct TcpListener::State {
  ListenerLimits limits;
  std::vector<UniqueSocket> sockets;
  std::vector<win::UniqueHandle> accept_events;  // one per socket, FD_ACCEPT
  win::UniqueHandle stop;                        // set by Stop()
  std::thread thread;
  std::function<void(int)> hand_over;
  OnRefused on_refused;
  // Touched by the accept thread only: each address's open connections, oldest first.
  std::unordered_map<std::string, std::vector<Tracked>> by_peer;
  int tracked = 0;  // all of by_peer, some perhaps closed since
  mutable std::mutex mu;
  ListenerCounters counters;

  void Run();
  bool AcceptFrom(SOCKET listening);
  bool Admit(SOCKET socket, const std::string& peer);
  bool Refuse(SOCKET socket, const std::string& peer, std::uint64_t ListenerCounters::*field,
              const std::string& why);
  int Ceiling() const { return std::max(0, limits.max_connection_fds); }
  int PressureMark(int ceiling) const { return ceiling - std::max(1, ceiling / 8); }
  int OpenTotal(int pressure_mark);
  int OpenFrom(const std::string& peer);
  std::pair<std::string, int> Heaviest();
  void MakeRoomFor(int mine, const std::pair<std::string, int>& heaviest);
  void Track(SOCKET socket, const std::string& peer);
  void Count(std::uint64_t ListenerCounters::*field) {
    std::lock_guard<std::mutex> lock(mu);
    ++(counters.*field);
  }
};

namespace {

Result<std::vector<SocketAddress>> AddressesOf(const std::string& host) {
  const std::string h = host.empty() ? "::" : host;
  if (std::optional<SocketAddress> numeric = ParseNumericAddress(h)) {
    return std::vector<SocketAddress>{*numeric};
  }
  return ResolveHost(h);
}

int FamilyOf(const SocketAddress& address) {
  return reinterpret_cast<const sockaddr*>(address.storage.data())->sa_family;
}

// No SO_REUSEADDR, unlike POSIX: on Windows it would let another socket bind the same port
// and take its connections. Windows' default already refuses an address in use
// (WSAEADDRINUSE) yet, unlike Linux's, lets a new listener bind while connections of an
// old one linger in TIME_WAIT; it is also what gRPC does on Windows.
Result<UniqueSocket> Listen(const SocketAddress& address, bool dual_stack) {
  const std::string where =
      address.ip.find(':') == std::string::npos ? address.ip : "[" + address.ip + "]";
  const auto* sa = reinterpret_cast<const sockaddr*>(address.storage.data());
  // Overlapped (as socket() makes them; gRPC's I/O completion port needs it of the accepted
  // sockets, which inherit it) and not inherited by child processes.
  UniqueSocket socket(WSASocketW(sa->sa_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                 WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT));
  if (!socket.valid()) return LastSocketError("creating a socket for " + where);
  if (sa->sa_family == AF_INET6) {
    // Set either way: Windows' default is IPv6 only, Linux's is dual stack.
    const DWORD v6only = dual_stack ? 0 : 1;
    setsockopt(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&v6only),
               sizeof(v6only));
  }
  if (bind(socket.get(), sa, static_cast<int>(address.length)) != 0) {
    return LastSocketError("binding " + where);
  }
  if (listen(socket.get(), SOMAXCONN) != 0) return LastSocketError("listening on " + where);
  return socket;
}

int BoundPort(SOCKET socket) {
  const std::optional<Endpoint> local = LocalOf(socket);
  if (!local) return 0;
  if (local->address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(local->address).sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6&>(local->address).sin6_port);
}

// The accept loop's wake-up: a manual-reset event that WSAEventSelect signals on FD_ACCEPT
// (and makes the socket non-blocking, which the loop needs anyway).
Result<win::UniqueHandle> AcceptEvent(SOCKET socket) {
  win::UniqueHandle event(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event.valid()) return win::LastError("creating an event");
  if (WSAEventSelect(socket, event.get(), FD_ACCEPT) != 0) {
    return LastSocketError("watching a listening socket");
  }
  return event;
}

// An accepted socket inherits the listening one's event selection; the new owner waits on
// it in its own way, so that goes. It stays non-blocking (POSIX: SOCK_NONBLOCK), is not
// inherited by child processes (POSIX: SOCK_CLOEXEC) and sends small messages at once.
void PrepareAccepted(SOCKET socket) {
  WSAEventSelect(socket, nullptr, 0);
  SetHandleInformation(reinterpret_cast<HANDLE>(socket), HANDLE_FLAG_INHERIT, 0);
  const BOOL one = TRUE;
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof(one));
}

// Whether tracked still is the connection it was when handed over (see the top).
bool StillTheSame(const Tracked& tracked) {
  const std::optional<Endpoint> local = LocalOf(tracked.socket);
  const std::optional<Endpoint> remote = PeerEndpointOf(tracked.socket);
  return local && remote && *local == tracked.local && *remote == tracked.remote;
}

// Drops the connections of list that are closed since.
int Prune(std::vector<Tracked>& list) {
  const auto closed =
      std::remove_if(list.begin(), list.end(), [](const Tracked& t) { return !StillTheSame(t); });
  const int dropped = static_cast<int>(list.end() - closed);
  list.erase(closed, list.end());
  return dropped;
}

}  // namespace

Result<std::unique_ptr<TcpListener>> TcpListener::Bind(const std::string& host, int port,
                                                       ListenerLimits limits) {
  StartWinsock();
  Result<std::vector<SocketAddress>> addresses = AddressesOf(host);
  if (!addresses.ok()) return addresses.error();
  auto state = std::make_unique<State>();
  state->limits = limits;
  const bool has_v4 = std::any_of(addresses->begin(), addresses->end(),
                                  [](const SocketAddress& a) { return FamilyOf(a) == AF_INET; });
  int bound = port;
  for (const SocketAddress& a : *addresses) {
    Result<UniqueSocket> socket = Listen(a.WithPort(static_cast<std::uint16_t>(bound)), !has_v4);
    if (!socket.ok()) {
      Error e = socket.error();
      e.what += ":" + std::to_string(bound);
      return e;
    }
    if (bound == 0) bound = BoundPort(socket->get());
    Result<win::UniqueHandle> event = AcceptEvent(socket->get());
    if (!event.ok()) return event.error();
    state->sockets.push_back(std::move(*socket));
    state->accept_events.push_back(std::move(*event));
  }
  state->stop = win::UniqueHandle(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!state->stop.valid()) return win::LastError("creating an event");
  return std::unique_ptr<TcpListener>(new TcpListener(std::move(state), bound));
}

TcpListener::TcpListener(std::unique_ptr<State> state, int port)
    : state_(std::move(state)), port_(port) {}

TcpListener::~TcpListener() { Stop(); }

void TcpListener::Start(std::function<void(int fd)> hand_over, OnRefused on_refused) {
  state_->hand_over = std::move(hand_over);
  state_->on_refused = std::move(on_refused);
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
}

void TcpListener::Stop() {
  if (!state_->thread.joinable()) return;
  SetEvent(state_->stop.get());
  state_->thread.join();
  state_->sockets.clear();
}

bool ListenerHandsOverDescriptors() { return false; }

ListenerCounters TcpListener::counters() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->counters;
}

void TcpListener::State::Run() {
  // The stop event first: WaitForMultipleObjects reports the lowest signalled one.
  std::vector<HANDLE> events{stop.get()};
  for (const win::UniqueHandle& e : accept_events) events.push_back(e.get());
  bool out_of_resources = false;
  for (;;) {
    // Out of resources, the queued connections wait in the backlog; retry in a while.
    const DWORD wait = WaitForMultipleObjects(
        out_of_resources ? 1 : static_cast<DWORD>(events.size()), events.data(), FALSE,
        out_of_resources ? kOutOfResourcesRetryMs : INFINITE);
    if (wait == WAIT_OBJECT_0 || wait == WAIT_FAILED) return;
    out_of_resources = false;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      // Resets the event; accept() below signals it again while connections remain queued.
      WSANETWORKEVENTS happened;
      WSAEnumNetworkEvents(sockets[i].get(), accept_events[i].get(), &happened);
      if (AcceptFrom(sockets[i].get())) out_of_resources = true;
    }
  }
}

// Accepts every queued connection. True when Windows had no resources left for one.
bool TcpListener::State::AcceptFrom(SOCKET listening) {
  for (;;) {
    sockaddr_storage address{};
    int length = sizeof(address);
    const SOCKET socket = accept(listening, reinterpret_cast<sockaddr*>(&address), &length);
    if (socket == INVALID_SOCKET) {
      const int code = WSAGetLastError();
      if (code == WSAEMFILE || code == WSAENOBUFS) return true;
      // The peer reset a queued connection: go on with the next one.
      if (code == WSAECONNRESET || code == WSAEINTR) continue;
      return false;  // WSAEWOULDBLOCK: none left; otherwise try again at the next wake-up
    }
    PrepareAccepted(socket);
    const std::string peer = PeerOf(address);
    if (!Admit(socket, peer)) continue;
    Count(&ListenerCounters::accepted);
    hand_over(static_cast<int>(socket));  // see the top: a SOCKET fits in an int
  }
}

// Connections still open: the count of those tracked, an upper bound, unless that reaches
// the pressure mark; then (and only then: it asks Windows about each) the exact count.
int TcpListener::State::OpenTotal(int pressure_mark) {
  if (tracked < pressure_mark) return tracked;
  for (auto it = by_peer.begin(); it != by_peer.end();) {
    tracked -= Prune(it->second);
    it = it->second.empty() ? by_peer.erase(it) : std::next(it);
  }
  return tracked;
}

// Connections from peer still open.
int TcpListener::State::OpenFrom(const std::string& peer) {
  auto it = by_peer.find(peer);
  if (it == by_peer.end()) return 0;
  tracked -= Prune(it->second);
  const int open = static_cast<int>(it->second.size());
  if (open == 0) by_peer.erase(it);
  return open;
}

// The address holding the most open connections, and how many ("" and 0 when none).
std::pair<std::string, int> TcpListener::State::Heaviest() {
  std::vector<std::string> peers;
  for (const auto& [p, list] : by_peer) peers.push_back(p);
  std::pair<std::string, int> heaviest{"", 0};
  for (const std::string& p : peers) {
    const int n = OpenFrom(p);
    if (n > heaviest.second) heaviest = {p, n};
  }
  return heaviest;
}

// Ends the oldest connection of the heaviest address (when it holds more than one and more
// than the newcomer's address, holding `mine`, would), so that the next newcomer finds
// room. shutdown(), not closesocket(): the owner holds the SOCKET, sees the connection end
// and closes it itself.
void TcpListener::State::MakeRoomFor(int mine, const std::pair<std::string, int>& heaviest) {
  const auto& [heavy, count] = heaviest;
  if (count <= 1 || mine + 1 >= count) return;
  std::vector<Tracked>& list = by_peer[heavy];
  if (StillTheSame(list.front())) shutdown(list.front().socket, SD_BOTH);
  list.erase(list.begin());
  --tracked;
  Count(&ListenerCounters::evicted);
}

bool TcpListener::State::Refuse(SOCKET socket, const std::string& peer,
                                std::uint64_t ListenerCounters::*field, const std::string& why) {
  closesocket(socket);
  Count(field);
  if (on_refused) on_refused(peer, why);
  return false;
}

void TcpListener::State::Track(SOCKET socket, const std::string& peer) {
  Tracked t;
  t.socket = socket;
  if (std::optional<Endpoint> local = LocalOf(socket)) t.local = *local;
  if (std::optional<Endpoint> remote = PeerEndpointOf(socket)) t.remote = *remote;
  by_peer[peer].push_back(t);
  ++tracked;
}

bool TcpListener::State::Admit(SOCKET socket, const std::string& peer) {
  const int ceiling = Ceiling();
  const int pressure_mark = PressureMark(ceiling);
  const int open = OpenTotal(pressure_mark);
  if (open >= ceiling) {
    // Its retry finds room, unless it is the flood itself.
    MakeRoomFor(OpenFrom(peer), Heaviest());
    return Refuse(socket, peer, &ListenerCounters::refused_full,
                  "no room left for connections (" + std::to_string(open) + " open, ceiling " +
                      std::to_string(ceiling) + ")");
  }
  const int share = std::max(1, std::min(limits.per_peer, ceiling / 2));
  const int mine = OpenFrom(peer);
  if (mine >= share) {
    return Refuse(socket, peer, &ListenerCounters::refused_peer,
                  "this address holds " + std::to_string(share) + " connections already");
  }
  if (open >= pressure_mark) {
    // Near the ceiling (a flood from several addresses): a newcomer from an address that
    // holds as many as the heaviest is refused; one from a lighter address (an operator)
    // gets in, and the heaviest address loses its oldest connection.
    const std::pair<std::string, int> heaviest = Heaviest();
    if (heaviest.second > 1 && mine + 1 >= heaviest.second) {
      return Refuse(socket, peer, &ListenerCounters::refused_full,
                    "near the connection ceiling (" + std::to_string(ceiling) +
                        ") and this address holds " + std::to_string(mine) +
                        ": the room left is for addresses holding fewer");
    }
    MakeRoomFor(mine, heaviest);
  }
  Track(socket, peer);
  return true;
}

}  // namespace osfleet::platform
