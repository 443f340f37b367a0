// A cable a test can pull: a TCP relay on 127.0.0.1:0 in front of one agent. Cut() makes
// it a partition — every byte either way is dropped and no connection is refused, as when
// a network fails between sites; Restore() ends the connections that lost bytes and lets
// new ones through. Real sockets, no root needed.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::testing {

class NetCut {
 public:
  explicit NetCut(int upstream_port);
  ~NetCut();
  NetCut(const NetCut&) = delete;
  NetCut& operator=(const NetCut&) = delete;

  int port() const { return port_; }
  void Cut() { cut_ = true; }
  void Restore();
  // New connections go to this port (an agent restarted on another one).
  void set_upstream(int port) { upstream_port_ = port; }

 private:
  void AcceptLoop();
  void Relay(int client);
  void Pump(int from, int to);

  std::atomic<int> upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false};
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  std::vector<int> open_ ABSL_GUARDED_BY(mu_);  // every relayed socket, to end them
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace osfleet::testing
