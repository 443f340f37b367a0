// The agent's streaming reactors under calls that end at once, from several threads at
// the same time: Services.Control of a service that does not exist, a Service Center
// phase whose Service Center cannot be reached or answers with a redirect, a phase asked
// of an agent that has none, and clients that cancel the moment their call starts. Each
// stream is finished by one thread while gRPC may already run OnDone on another; the
// agent must answer every call and still be serving afterwards (it used to abort with
// "Mutex unlocked when destroyed" after a few hundred such calls).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

constexpr int kThreads = 4;
constexpr int kCallsPerThread = 250;

std::unique_ptr<grpc::ClientContext> ContextWithDeadline() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

// Drains one server stream and returns its status.
template <typename Reader, typename Event>
grpc::Status Drain(Reader& reader, Event* event) {
  while (reader->Read(event)) {
  }
  return reader->Finish();
}

// A status the transport made up because the agent was gone, not one the agent sent.
bool AgentWentAway(const grpc::Status& s) {
  if (s.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  for (const char* sign : {"Socket closed", "failed to connect", "Connection reset",
                           "Connection refused", "Broken pipe", "GOAWAY"}) {
    if (s.error_message().find(sign) != std::string::npos) return true;
  }
  return false;
}

// Runs call(thread, i) kThreads x kCallsPerThread times; returns the codes seen, counted
// (code -1: the transport reported the agent gone).
std::map<int, int> Hammer(const std::function<grpc::Status(int, int)>& call) {
  std::vector<std::map<int, int>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const grpc::Status s = call(t, i);
        ++seen[t][AgentWentAway(s) ? -1 : s.error_code()];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::map<int, int> total;
  for (const auto& m : seen) {
    for (const auto& [code, n] : m) total[code] += n;
  }
  return total;
}

constexpr int kGone = -1;

std::string Codes(const std::map<int, int>& codes) {
  std::string out;
  for (const auto& [code, n] : codes) absl::StrAppend(&out, " code ", code, " x", n);
  return out;
}

bool StillServing(Agent& agent) {
  if (kill(agent.process().pid(), 0) != 0) return false;
  AgentClient client(agent.address());
  v1::AgentInfo info;
  return client.agent().GetInfo(client.Context().get(), {}, &info).ok();
}

// A one-shot HTTP server on loopback that answers every request with a redirect.
class RedirectingServer {
 public:
  RedirectingServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 64);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RedirectingServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int answered() const { return answered_.load(); }

 private:
  void Serve() {
    for (;;) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      (void)!read(c, buf, sizeof(buf));  // the request line and headers (small)
      const std::string reply =
          "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
          "Content-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, reply.data(), reply.size());
      close(c);
      ++answered_;
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> answered_{0};
};

class HostileStreams : public ::testing::Test {
 protected:
  // An agent whose Service Center phase talks to `sc_url` (none when empty).
  void StartAgent(const std::string& sc_url = "") {
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    if (!sc_url.empty()) {
      WriteFile(dir + "/sc.hash", "#Zx9SecretHashValue0123456789abcdef\n");
      chmod((dir + "/sc.hash").c_str(), 0600);
      WriteFile(dir + "/agent.yaml",
                absl::StrCat("service_center:\n  driver: http\n  url: ", sc_url,
                             "\n  user: osfleet-admin\n  password_hash_file: ", dir,
                             "/sc.hash\n  poll_interval: 20ms\n  request_timeout: 2s\n"));
      options.extra_args = {"--config", dir + "/agent.yaml"};
    }
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    channel_ = grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials());
  }

  grpc::Status ControlUnknown() {
    auto stub = v1::Services::NewStub(channel_);
    v1::ControlServicesRequest req;
    req.set_action(v1::SERVICE_ACTION_RESTART);
    req.add_names("no-such-service");
    auto ctx = ContextWithDeadline();
    auto reader = stub->Control(ctx.get(), req);
    v1::ServiceEvent event;
    return Drain(reader, &event);
  }

  grpc::Status RunPhase(bool dry_run) {
    auto stub = v1::ServiceCenter::NewStub(channel_);
    v1::RunPhaseRequest req;
    req.set_dry_run(dry_run);
    auto ctx = ContextWithDeadline();
    auto reader = stub->RunPhase(ctx.get(), req);
    v1::PhaseEvent event;
    return Drain(reader, &event);
  }

  void ExpectStillServing() {
    EXPECT_TRUE(StillServing(*agent_)) << ReadFile(agent_->log());
    EXPECT_THAT(ReadFile(agent_->log()), ::testing::Not(::testing::HasSubstr("Mutex")));
  }

  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(HostileStreams, ControlOfAnUnknownServiceFromManyThreads) {
  StartAgent();
  const auto codes = Hammer([&](int, int) { return ControlUnknown(); });
  // Every call is answered by the agent: refused (the name, or the cap on long calls),
  // never dropped because the agent went away.
  EXPECT_EQ(codes.count(kGone), 0u) << Codes(codes);
  EXPECT_EQ(codes.count(grpc::StatusCode::OK), 0u) << Codes(codes);
  EXPECT_GT(
      codes.count(grpc::StatusCode::NOT_FOUND) + codes.count(grpc::StatusCode::INVALID_ARGUMENT),
      0u)
      << Codes(codes);
  ExpectStillServing();
}

TEST_F(HostileStreams, PhaseOnAnAgentWithoutOneIsRefusedAtOnceManyTimes) {
  StartAgent();
  const auto codes = Hammer([&](int, int) { return RunPhase(/*dry_run=*/false); });
  EXPECT_EQ(codes.count(kGone), 0u) << Codes(codes);
  EXPECT_EQ(codes.at(grpc::StatusCode::FAILED_PRECONDITION), kThreads * kCallsPerThread)
      << Codes(codes);
  ExpectStillServing();
}

TEST_F(HostileStreams, PhaseAgainstAServiceCenterThatRedirects) {
  RedirectingServer sc;
  StartAgent(absl::StrCat("http://127.0.0.1:", sc.port()));
  const auto codes = Hammer([&](int, int) { return RunPhase(/*dry_run=*/true); });
  EXPECT_EQ(codes.count(kGone), 0u) << Codes(codes);
  EXPECT_EQ(codes.count(grpc::StatusCode::OK), 0u) << Codes(codes);
  EXPECT_GT(sc.answered(), 0);
  ExpectStillServing();
}

TEST_F(HostileStreams, ClientsThatCancelAtOnce) {
  StartAgent();
  const auto codes = Hammer([&](int, int i) {
    auto stub = v1::Services::NewStub(channel_);
    v1::ControlServicesRequest req;
    req.set_action(v1::SERVICE_ACTION_RESTART);
    req.add_names(i % 2 ? "no-such-service" : "");
    auto ctx = ContextWithDeadline();
    auto reader = stub->Control(ctx.get(), req);
    ctx->TryCancel();
    v1::ServiceEvent event;
    return Drain(reader, &event);
  });
  EXPECT_EQ(codes.count(kGone), 0u) << Codes(codes);
  EXPECT_EQ(codes.count(grpc::StatusCode::OK), 0u) << Codes(codes);
  ExpectStillServing();
}

}  // namespace
}  // namespace osfleet::testing
