// A bounded stress run of one real osagent over mTLS (issue 11): what it survives and
// what an operator still gets while it is attacked. Not a ctest test; run by hand:
//
//   build/bin/osfleet_hostile_bench [--gtest_filter=HostileBench.*]
//
// 1. Failing streams: THREADS threads x CALLS Services.Control of a service that does not
//    exist (each stream ends at once): calls answered, the agent still serving.
// 2. Probe flood: PROBERS viewer clients probe a database that accepts and never answers,
//    without pause, while an operator makes and confirms changes (Set with a confirm
//    window, Renew, Confirm): their latency and failures.
// 3. Connection floods: CONNS idle TCP connections that never start a TLS handshake, from
//    one other address and from nine, held open while the operator keeps working.
// During each phase a sampler reads the agent's threads and open descriptors from /proc.
// Environment: OSFLEET_BENCH_THREADS (8), OSFLEET_BENCH_CALLS (2500),
// OSFLEET_BENCH_PROBERS (66), OSFLEET_BENCH_CONNS (1100), OSFLEET_BENCH_SECONDS (10).
// Prints Markdown; docs/BENCHMARKS.md ("Hostile clients") holds the recorded results.
#include <arpa/inet.h>
#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/integration/silent_database.h"

namespace osfleet::testing {
namespace {

using Clock = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  int v = 0;
  const char* s = std::getenv(name);
  return s != nullptr && absl::SimpleAtoi(s, &v) && v > 0 ? v : fallback;
}

std::unique_ptr<grpc::ClientContext> Within(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

// The agent's threads and open descriptors, sampled every 20 ms; the peaks.
class Sampler {
 public:
  explicit Sampler(pid_t pid) : pid_(pid), thread_([this] { Run(); }) {}
  ~Sampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int peak_threads() const { return peak_threads_; }
  int peak_fds() const { return peak_fds_; }

 private:
  void Run() {
    while (!stop_) {
      peak_threads_ = std::max(peak_threads_.load(), Threads());
      peak_fds_ = std::max(peak_fds_.load(), Fds());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a sampling period
    }
  }
  int Threads() const {
    const std::string status = ReadFile(absl::StrCat("/proc/", pid_, "/status"));
    const size_t at = status.find("Threads:");
    int n = 0;
    if (at != std::string::npos) {
      (void)absl::SimpleAtoi(status.substr(at + 8, status.find('\n', at) - at - 8), &n);
    }
    return n;
  }
  int Fds() const {
    DIR* d = opendir(absl::StrCat("/proc/", pid_, "/fd").c_str());
    if (d == nullptr) return 0;
    int n = 0;
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    return n - 2;
  }

  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<int> peak_threads_{0}, peak_fds_{0};
  std::thread thread_;
};

// Latencies of one kind of call, in milliseconds, and its failures by code.
struct Latencies {
  absl::Mutex mu;
  std::vector<double> ms ABSL_GUARDED_BY(mu);
  std::map<int, int> failures ABSL_GUARDED_BY(mu);
  void Add(Clock::time_point started, const grpc::Status& s) {
    absl::MutexLock lock(&mu);
    if (s.ok()) {
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    } else {
      ++failures[s.error_code()];
    }
  }
  std::string Row(const std::string& what) {
    absl::MutexLock lock(&mu);
    std::sort(ms.begin(), ms.end());
    const std::vector<double>& sorted = ms;  // the analysis reads a lambda apart from `lock`
    auto at = [&](double q) {
      return sorted.empty() ? 0.0 : sorted[static_cast<size_t>(q * (sorted.size() - 1))];
    };
    std::string failed;
    for (const auto& [code, n] : failures) {
      absl::StrAppend(&failed, failed.empty() ? "" : ", ", n, " x code ", code);
    }
    return absl::StrFormat("| %s | %d | %.1f | %.1f | %.1f | %s |", what, ms.size(), at(0.5),
                           at(0.99), ms.empty() ? 0.0 : ms.back(),
                           failed.empty() ? "none" : failed);
  }
};

class HostileBench : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);  // the flood below needs more than 1024 here
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
    std::printf(
        "\n| phase | calls | p50 ms | p99 ms | max ms | failures |\n|---|---|---|---|---|---|\n");
  }

  void SetUp() override {
    pki_ = std::make_unique<OpensslPki>(tmp_.Sub("pki"));
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("alice", "osfleet:operator");
    pki_->Issue("bob", "osfleet:viewer");
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    AgentOptions options;
    options.insecure = false;
    options.extra_args = {"--tls-cert", pki_->Path("dc01.pem"), "--tls-key", pki_->Path("dc01.key"),
                          "--tls-ca",   pki_->Path("ca.pem")};
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& who) {
    return pki_->Channel(who, agent_->address(), "dc01");
  }

  // Get -> Set (confirm window 60 s) -> Renew -> Confirm, alternating two addresses, until `stop`.
  void Operate(const std::atomic<bool>& stop, Latencies* get, Latencies* set, Latencies* renew,
               Latencies* confirm) {
    auto stub = v1::Endpoints::NewStub(Channel("alice"));
    for (int i = 0; !stop; ++i) {
      v1::GetEndpointsResponse got;
      Clock::time_point t = Clock::now();
      const grpc::Status read = stub->Get(Within(5).get(), {}, &got);
      get->Add(t, read);
      if (!read.ok()) continue;
      v1::SetEndpointsRequest req;
      req.add_changes()->set_database(v1::DATABASE_PLATFORM);
      req.mutable_changes(0)->set_address(i % 2 ? "db-a.example.com" : "db-b.example.com");
      req.set_expected_revision(got.revision());
      req.mutable_confirm_within()->set_seconds(60);
      req.mutable_lease()->set_seconds(30);
      v1::SetEndpointsResponse changed;
      t = Clock::now();
      grpc::Status s = stub->Set(Within(5).get(), req, &changed);
      set->Add(t, s);
      if (!s.ok()) continue;
      v1::RenewRequest rr;
      rr.set_change_id(changed.change_id());
      rr.mutable_lease()->set_seconds(30);
      v1::RenewResponse renewed;
      t = Clock::now();
      renew->Add(t, stub->Renew(Within(2).get(), rr, &renewed));
      v1::ConfirmRequest cr;
      cr.set_change_id(changed.change_id());
      v1::ConfirmResponse confirmed;
      t = Clock::now();
      confirm->Add(t, stub->Confirm(Within(2).get(), cr, &confirmed));
    }
  }

  void Report(const std::string& phase, const Sampler& sampler, const std::string& extra) {
    std::printf("| %s: agent peak %d threads, %d descriptors; %s | | | | | |\n", phase.c_str(),
                sampler.peak_threads(), sampler.peak_fds(), extra.c_str());
  }

  bool Serving() {
    auto stub = v1::Endpoints::NewStub(Channel("alice"));
    v1::GetEndpointsResponse got;
    return kill(agent_->process().pid(), 0) == 0 && stub->Get(Within(5).get(), {}, &got).ok();
  }

  // Idle TCP connections that never start a handshake, from `sources` addresses
  // (127.0.0.2, .3, ...), round robin, held for the whole run while the operator (from
  // 127.0.0.1) keeps working.
  void Flood(int conns, int sources) {
    const int seconds = EnvInt("OSFLEET_BENCH_SECONDS", 10);
    Sampler sampler(agent_->process().pid());
    std::vector<int> held;
    int refused = 0;
    for (int i = 0; i < conns; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in from{};
      from.sin_family = AF_INET;
      from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + static_cast<uint32_t>(i % sources));
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      to.sin_port = htons(static_cast<uint16_t>(agent_->port()));
      if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
          connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
        ++refused;
        if (fd >= 0) close(fd);
        continue;
      }
      held.push_back(fd);
    }
    std::atomic<bool> stop{false};
    Latencies get, set, renew, confirm;
    std::thread op([&] { Operate(stop, &get, &set, &renew, &confirm); });
    std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the length of the flood
    stop = true;
    op.join();
    int closed_by_agent = 0;
    for (int fd : held) {
      char c;
      if (recv(fd, &c, 1, MSG_DONTWAIT) == 0) ++closed_by_agent;
      close(fd);
    }
    sampler.Stop();
    const std::string what = absl::StrCat(conns, " idle connections from ", sources,
                                          sources == 1 ? " address" : " addresses");
    std::printf("%s\n", get.Row(absl::StrCat("operator Get, ", what)).c_str());
    std::printf("%s\n", set.Row(absl::StrCat("operator Set, ", what)).c_str());
    std::printf("%s\n", renew.Row(absl::StrCat("operator Renew, ", what)).c_str());
    std::printf("%s\n", confirm.Row(absl::StrCat("operator Confirm, ", what)).c_str());
    Report("connection flood", sampler,
           absl::StrCat(held.size(), " connected, ", refused, " refused, ", closed_by_agent,
                        " closed by the agent within ", seconds,
                        " s; still serving: ", Serving() ? "yes" : "NO"));
    EXPECT_TRUE(Serving());
  }

  TempDir tmp_;
  std::unique_ptr<OpensslPki> pki_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HostileBench, FailingStreams) {
  const int threads = EnvInt("OSFLEET_BENCH_THREADS", 8);
  const int calls = EnvInt("OSFLEET_BENCH_CALLS", 2500);
  Sampler sampler(agent_->process().pid());
  Latencies control;
  const Clock::time_point started = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto stub = v1::Services::NewStub(Channel("alice"));
      for (int i = 0; i < calls; ++i) {
        v1::ControlServicesRequest req;
        req.set_action(v1::SERVICE_ACTION_RESTART);
        req.add_names("no-such-service");
        auto ctx = Within(10);
        const Clock::time_point t0 = Clock::now();
        auto reader = stub->Control(ctx.get(), req);
        v1::ServiceEvent e;
        while (reader->Read(&e)) {
        }
        grpc::Status s = reader->Finish();
        // The expected answer (the name is unknown) counts as answered.
        control.Add(t0,
                    s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? grpc::Status::OK : s);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  sampler.Stop();
  std::printf("%s\n",
              control.Row(absl::StrCat("failing streams (", threads, "x", calls, ")")).c_str());
  Report("failing streams", sampler,
         absl::StrFormat("%.0f calls/s; still serving: %s", threads * calls / seconds,
                         Serving() ? "yes" : "NO"));
  EXPECT_TRUE(Serving());
}

TEST_F(HostileBench, ProbeFlood) {
  const int probers = EnvInt("OSFLEET_BENCH_PROBERS", 66);
  const int seconds = EnvInt("OSFLEET_BENCH_SECONDS", 10);
  SilentDatabase silent;
  Sampler sampler(agent_->process().pid());
  std::atomic<bool> stop{false};
  Latencies probe, get, set, renew, confirm;
  std::vector<std::thread> workers;
  for (int p = 0; p < probers; ++p) {
    workers.emplace_back([&] {
      auto stub = v1::Endpoints::NewStub(Channel("bob"));
      while (!stop) {
        v1::ProbeRequest req;
        for (v1::Database db :
             {v1::DATABASE_PLATFORM, v1::DATABASE_LOGGING, v1::DATABASE_SESSION}) {
          v1::EndpointChange* t = req.add_targets();
          t->set_database(db);
          t->set_address(silent.address());
        }
        req.mutable_timeout()->set_seconds(5);
        v1::ProbeResponse resp;
        const Clock::time_point t0 = Clock::now();
        probe.Add(t0, stub->Probe(Within(10).get(), req, &resp));
      }
    });
  }
  std::thread op([&] { Operate(stop, &get, &set, &renew, &confirm); });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the length of the flood
  stop = true;
  op.join();
  for (std::thread& w : workers) w.join();
  sampler.Stop();
  std::printf("%s\n",
              probe.Row(absl::StrCat("viewer Probe x", probers, " (silent database)")).c_str());
  std::printf("%s\n", get.Row("operator Get, under the Probe flood").c_str());
  std::printf("%s\n", set.Row("operator Set, under the Probe flood").c_str());
  std::printf("%s\n", renew.Row("operator Renew, under the Probe flood").c_str());
  std::printf("%s\n", confirm.Row("operator Confirm, under the Probe flood").c_str());
  Report("Probe flood", sampler, absl::StrCat("still serving: ", Serving() ? "yes" : "NO"));
  EXPECT_TRUE(Serving());
}

TEST_F(HostileBench, ConnectionFloodFromOneAddress) {
  Flood(EnvInt("OSFLEET_BENCH_CONNS", 1100), 1);
}

TEST_F(HostileBench, ConnectionFloodFromNineAddresses) {
  Flood(EnvInt("OSFLEET_BENCH_CONNS", 1100), 9);
}

}  // namespace
}  // namespace osfleet::testing
