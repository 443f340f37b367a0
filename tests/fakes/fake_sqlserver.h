// An in-process stand-in for a SQL Server: a TCP listener on 127.0.0.1:0 that answers a TDS
// PRELOGIN with a chosen version (or stays silent, or answers garbage), and optionally a
// SQL Server Browser on UDP 127.0.0.1:0 that maps one instance name to that TCP port.
// One background thread serves everything with poll(); Stop() (or the destructor) joins it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "agent/probe/socket_util.h"

namespace osfleet::fakes {

class FakeSqlServer {
 public:
  enum class Mode {
    kAnswer,   // answer each PRELOGIN like a SQL Server
    kSilent,   // accept and read, never answer (timeout tests)
    kGarbage,  // answer the first bytes with an HTTP error (not TDS)
  };

  struct Options {
    Mode mode = Mode::kAnswer;
    std::string version = "15.0.4153.1";  // reported in the PRELOGIN answer
    bool serve_browser = false;           // also answer SQL Server Browser queries (UDP)
    std::string instance = "OUTSYS";      // the instance the Browser knows
    std::string server_name = "FAKESQL";
  };

  FakeSqlServer() = default;
  FakeSqlServer(const FakeSqlServer&) = delete;
  FakeSqlServer& operator=(const FakeSqlServer&) = delete;
  ~FakeSqlServer() { Stop(); }

  // Binds the sockets and starts serving; ports are known when it returns.
  absl::Status Start(const Options& options);
  // Stops serving and closes every socket; idempotent.
  void Stop();

  uint16_t tcp_port() const { return tcp_port_; }
  uint16_t browser_port() const { return browser_port_; }  // 0 without a Browser
  int connections_accepted() const { return connections_accepted_.load(); }
  int prelogins_answered() const { return prelogins_answered_.load(); }

 private:
  struct Client;

  void Serve();
  void AcceptAll(std::vector<Client>& clients);
  void AnswerBrowser();
  // False when the client is done and its connection should close.
  bool ServeClient(Client& client);

  Options options_;
  std::string prelogin_response_;
  agent::UniqueFd listener_;
  agent::UniqueFd browser_;
  agent::UniqueFd wake_read_;
  agent::UniqueFd wake_write_;
  uint16_t tcp_port_ = 0;
  uint16_t browser_port_ = 0;
  std::atomic<int> connections_accepted_{0};
  std::atomic<int> prelogins_answered_{0};
  std::thread thread_;
};

}  // namespace osfleet::fakes
