// A database that hangs: a TCP listener on 127.0.0.1 whose connections are accepted (and
// counted) and never answered, so a probe of it waits out its PRELOGIN timeout.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::testing {

class SilentDatabase {
 public:
  SilentDatabase();
  ~SilentDatabase();
  SilentDatabase(const SilentDatabase&) = delete;
  SilentDatabase& operator=(const SilentDatabase&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1,PORT", SQL Server's form
  int connections() const;      // accepted so far

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  std::vector<int> accepted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::testing
