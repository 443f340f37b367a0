// A listening TCP socket whose accept loop keeps idle or hostile connections from taking
// the descriptors the process needs for its own files. gRPC 1.51 has no cap on incoming
// connections, so the agent accepts them itself and hands each admitted descriptor over
// (to gRPC's external connection acceptor). A connection is closed at once when
//  - its descriptor number is at or above the ceiling: min(max_connection_fds, the soft
//    RLIMIT_NOFILE - reserve). accept() returns the lowest free number, so every number
//    below it is in use: connections never take the top `reserve` descriptors;
//  - its peer address already holds per_peer connections (still open: checked by the
//    socket's identity, so a descriptor that gRPC closed and the OS reused is not counted);
//  - near the ceiling (the last eighth of the room), its address holds as many connections
//    as the one holding most: the room left goes to lighter addresses.
// Near or at the ceiling, a newcomer from a lighter address also ends (shutdown) the
// oldest connection of the address holding most, so that an operator connecting during a
// flood from several addresses gets in at once, or at its first retry.
// The one place where the platform API hands a descriptor to its caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/platform/result.h"

namespace osfleet::platform {

struct ListenerLimits {
  int reserve = 128;              // descriptors under the limit kept for the process's files
  int max_connection_fds = 1024;  // connection descriptors are numbered below this
  int per_peer = 128;             // connections at once from one address (at most half the room)
};

struct ListenerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t refused_full = 0;  // no descriptor left for connections
  std::uint64_t refused_peer = 0;  // the address held its share
  std::uint64_t evicted = 0;       // oldest connections of the heaviest address, ended
};

class TcpListener {
 public:
  // A refused connection: its peer ("127.0.0.2") and why ("...").
  using OnRefused = std::function<void(const std::string& peer, const std::string& why)>;

  // Binds every address of host (a literal or a name; "" and "0.0.0.0" / "::" as usual) on
  // port, 0 meaning any free port (the same one for every address). Errors: the resolver's,
  // or the OS's with `what` "binding ADDRESS:PORT" / "listening on ...".
  static Result<std::unique_ptr<TcpListener>> Bind(const std::string& host, int port,
                                                   ListenerLimits limits);
  ~TcpListener();  // stops the accept thread and closes the listening sockets
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  int port() const { return port_; }
  // Starts accepting. hand_over(fd) owns the descriptor of each admitted connection.
  void Start(std::function<void(int fd)> hand_over, OnRefused on_refused);
  // Stops accepting (queued connections are then refused by the OS when the socket closes).
  void Stop();
  ListenerCounters counters() const;

  struct State;  // the OS side (posix/tcp_listener.cc)

 private:
  explicit TcpListener(std::unique_ptr<State> state, int port);
  std::unique_ptr<State> state_;
  int port_ = 0;
};

// Whether accepted connections can be handed to gRPC as descriptors (TcpListener::Start's
// hand_over). False on Windows: gRPC 1.51 has no external connection acceptor there, so the
// caller lets gRPC listen itself (without the descriptor ceiling or per-peer cap).
bool ListenerHandsOverDescriptors();

}  // namespace osfleet::platform
