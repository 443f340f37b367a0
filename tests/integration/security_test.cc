// Roles, audit log and limits against real agents with mTLS (certificates from the
// openssl CLI): viewers read, operators change, other certificates get nothing; every
// mutating call and automatic revert leaves a JSON audit line; garbage, oversized
// requests and floods are refused without hurting other clients.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "common/model/revision.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

using RolePki = OpensslPki;

// A generated Endpoints client over TLS; `who` empty: no client certificate.
std::unique_ptr<v1::Endpoints::Stub> TlsStub(const RolePki& pki, const std::string& address,
                                             const std::string& who) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(pki.Path("ca.pem"));
  if (!who.empty()) {
    ssl.pem_cert_chain = ReadFile(pki.Path(who + ".pem"));
    ssl.pem_private_key = ReadFile(pki.Path(who + ".key"));
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("dc01");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::Endpoints::NewStub(
      grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args));
}

std::unique_ptr<grpc::ClientContext> Deadline(int seconds = 10) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

std::vector<nlohmann::json> AuditLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line));  // throws (fails the test) on bad JSON
  }
  return lines;
}

grpc::Status SetPlatform(v1::Endpoints::Stub& stub, const std::string& address,
                         const std::string& revision, int confirm_within_s = 0,
                         v1::SetEndpointsResponse* out = nullptr) {
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address(address);
  req.set_expected_revision(revision);
  if (confirm_within_s > 0) req.mutable_confirm_within()->set_seconds(confirm_within_s);
  v1::SetEndpointsResponse resp;
  return stub.Set(Deadline().get(), req, out != nullptr ? out : &resp);
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<RolePki>(tmp_.Sub("pki"));
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("alice", "osfleet:operator");
    pki_->Issue("bob", "osfleet:viewer");
    pki_->Issue("carl", "");
  }

  void StartAgent(bool require_client_certs = true, std::vector<std::string> extra = {}) {
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.insecure = false;
    options.extra_args = {"--tls-cert", pki_->Path("dc01.pem"), "--tls-key",
                          pki_->Path("dc01.key")};
    if (require_client_certs) {
      options.extra_args.insert(options.extra_args.end(), {"--tls-ca", pki_->Path("ca.pem")});
    }
    options.extra_args.insert(options.extra_args.end(), extra.begin(), extra.end());
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inv.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }

  ProcessResult Osctl(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--tls-ca", pki_->Path("ca.pem"),
                               "--tls-cert", pki_->Path(who + ".pem"), "--tls-key",
                               pki_->Path(who + ".key"), "--timeout", "5s"});
    return RunOsctl(args);
  }
  std::string AuditPath() const { return agent_->dir() + "/state/audit.log"; }
  std::string Revision() const { return Sha256Hex(ReadFile(agent_->hsconf())); }

  TempDir tmp_;
  std::unique_ptr<RolePki> pki_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
};

TEST_F(SecurityTest, ViewerReadsButCannotSet) {
  StartAgent();
  ProcessResult get = Osctl("bob", {"endpoints", "get"});
  EXPECT_EQ(get.exit_code, 0) << get.out << get.err;
  EXPECT_THAT(get.out, HasSubstr("dc01"));
  const std::string before = ReadFile(agent_->hsconf());
  ProcessResult set = Osctl("bob", {"endpoints", "set", "--platform", "SQLNEW"});
  EXPECT_NE(set.exit_code, 0);
  EXPECT_THAT(set.out + set.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(set.out + set.err,
              HasSubstr("Endpoints.Set needs the operator role; CN=bob has viewer"));
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);
  // The refusal is audited; reads are not.
  std::vector<nlohmann::json> lines = AuditLines(AuditPath());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["identity"], "bob");
  EXPECT_EQ(lines[0]["rpc"], "Endpoints.Set");
  EXPECT_THAT(lines[0]["result"].get<std::string>(), HasSubstr("PERMISSION_DENIED"));
}

TEST_F(SecurityTest, OperatorSetsAndEachChangeIsAudited) {
  StartAgent();
  const std::string r0 = Revision();
  ProcessResult set = Osctl("alice", {"endpoints", "set", "--platform", "SQLNEW"});
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  const std::string r1 = Revision();
  ASSERT_NE(r0, r1);
  ProcessResult again = Osctl("alice", {"endpoints", "set", "--log", "SQLLOG2"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  const std::string r2 = Revision();
  std::vector<nlohmann::json> lines = AuditLines(AuditPath());
  ASSERT_EQ(lines.size(), 2u) << ReadFile(AuditPath());  // the plans are reads: no line
  EXPECT_EQ(lines[0]["identity"], "alice");
  EXPECT_EQ(lines[0]["rpc"], "Endpoints.Set");
  EXPECT_EQ(lines[0]["before"], r0);
  EXPECT_EQ(lines[0]["after"], r1);
  EXPECT_EQ(lines[0]["result"], "OK");
  EXPECT_THAT(lines[0]["peer"].get<std::string>(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(lines[0]["time"].get<std::string>(), ::testing::EndsWith("Z"));
  EXPECT_FALSE(lines[0]["change_id"].get<std::string>().empty());
  EXPECT_EQ(lines[1]["before"], r1);
  EXPECT_EQ(lines[1]["after"], r2);
  struct stat st {};
  ASSERT_EQ(stat(AuditPath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // No secret from server.hsconf (its encrypted passwords) reaches the audit log.
  EXPECT_THAT(ReadFile(AuditPath()), ::testing::Not(HasSubstr("Password")));
}

TEST_F(SecurityTest, CertificatesWithoutAClientRoleGetNothing) {
  StartAgent();
  for (const char* who : {"dc01", "carl"}) {
    SCOPED_TRACE(who);
    v1::GetEndpointsResponse resp;
    grpc::Status s = TlsStub(*pki_, agent_->address(), who)->Get(Deadline().get(), {}, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
    EXPECT_EQ(s.error_message(), std::string("client certificate CN=") + who +
                                     " has no osfleet role (OU=osfleet:viewer or "
                                     "osfleet:operator)");
  }
  ProcessResult r = Osctl("dc01", {"endpoints", "get"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("PERMISSION_DENIED"));
}

TEST_F(SecurityTest, NoClientCertificateFailsTheHandshake) {
  StartAgent();
  v1::GetEndpointsResponse resp;
  grpc::Status s = TlsStub(*pki_, agent_->address(), "")->Get(Deadline(3).get(), {}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(SecurityTest, TlsWithoutClientCertificatesIsReadOnly) {
  StartAgent(/*require_client_certs=*/false);
  auto stub = TlsStub(*pki_, agent_->address(), "");
  v1::GetEndpointsResponse get;
  ASSERT_OK(stub->Get(Deadline().get(), {}, &get));
  grpc::Status s = SetPlatform(*stub, "SQLNEW", get.revision());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "Endpoints.Set needs the operator role; CN=anonymous-tls has viewer");
  EXPECT_EQ(Revision(), get.revision());
}

TEST_F(SecurityTest, AutomaticRevertIsAudited) {
  StartAgent();
  auto stub = TlsStub(*pki_, agent_->address(), "alice");
  const std::string r0 = Revision();
  v1::SetEndpointsResponse set;
  ASSERT_OK(SetPlatform(*stub, "SQLA", r0, /*confirm_within_s=*/1, &set));
  ASSERT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
  ASSERT_TRUE(WaitFor([&] { return AuditLines(AuditPath()).size() >= 2; }, absl::Seconds(15)))
      << ReadFile(AuditPath());
  std::vector<nlohmann::json> lines = AuditLines(AuditPath());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["rpc"], "Endpoints.Set");
  EXPECT_EQ(lines[0]["after"], set.revision());
  EXPECT_EQ(lines[1]["rpc"], "AutomaticRevert");
  EXPECT_EQ(lines[1]["identity"], "osagent");
  EXPECT_EQ(lines[1]["change_id"], set.change_id());
  EXPECT_EQ(lines[1]["before"], set.revision());
  EXPECT_EQ(lines[1]["after"], r0);
  EXPECT_EQ(lines[1]["result"], "OK");
  EXPECT_EQ(Revision(), r0);
}

TEST_F(SecurityTest, OversizedRequestIsRefusedAndOthersAreServed) {
  StartAgent();
  auto stub = TlsStub(*pki_, agent_->address(), "alice");
  const std::string before = ReadFile(agent_->hsconf());
  grpc::Status s = SetPlatform(*stub, std::string(2 << 20, 'A'), Revision());
  // Refused by the message size cap (256 KiB), before any handler runs.
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);
  v1::GetEndpointsResponse get;
  EXPECT_OK(stub->Get(Deadline().get(), {}, &get));
  EXPECT_OK(TlsStub(*pki_, agent_->address(), "bob")->Get(Deadline().get(), {}, &get));
}

TEST_F(SecurityTest, FloodFromOneClientLeavesRoomForOthers) {
  StartAgent();
  auto flooder = TlsStub(*pki_, agent_->address(), "bob");
  constexpr int kCalls = 500;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::GetEndpointsResponse> responses(kCalls);
  absl::Mutex mu;
  int done = 0, ok = 0, exhausted = 0, other = 0;
  v1::GetEndpointsRequest req;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(Deadline(20));
    flooder->async()->Get(contexts.back().get(), &req, &responses[i], [&](grpc::Status s) {
      absl::MutexLock lock(&mu);
      ++done;
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++exhausted;
      } else {
        ++other;
      }
    });
  }
  v1::GetEndpointsResponse get;
  EXPECT_OK(TlsStub(*pki_, agent_->address(), "alice")->Get(Deadline().get(), {}, &get));
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int* d) { return *d == kCalls; }, &done));
  EXPECT_EQ(ok + exhausted, kCalls) << other << " calls failed otherwise";
  EXPECT_GT(ok, 0);
  EXPECT_TRUE(agent_->process().running());
  EXPECT_OK(TlsStub(*pki_, agent_->address(), "alice")->Get(Deadline().get(), {}, &get));
}

// Bytes that are not HTTP/2 (or not TLS): the connection is dropped, nothing else.
void SendGarbage(int port, size_t bytes, bool close_at_once) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::mt19937 random(42);
  std::string junk(bytes, '\0');
  for (char& c : junk) c = static_cast<char>(random());
  (void)!send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  if (close_at_once) close(fd);  // else left open: a stalled handshake
}

TEST_F(SecurityTest, GarbageOnThePortDoesNotStopTheAgent) {
  StartAgent();
  for (int i = 0; i < 20; ++i) SendGarbage(agent_->port(), 4096, /*close_at_once=*/true);
  SendGarbage(agent_->port(), 3, /*close_at_once=*/false);
  v1::GetEndpointsResponse get;
  EXPECT_OK(TlsStub(*pki_, agent_->address(), "bob")->Get(Deadline().get(), {}, &get));
  EXPECT_TRUE(agent_->process().running());
}

// A TCP listener that never answers: a probe of it waits out its timeout.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 16);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(CallCapTest, CallsOverTheCapAreRefusedThenServedAgain) {
  TempDir tmp;
  AgentOptions options;
  options.extra_args = {"--max-concurrent-calls", "1"};
  Agent agent(tmp.Sub("agent"), options);
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  AgentClient client(agent.address());
  SilentListener silent;
  v1::ProbeRequest probe;
  probe.add_targets()->set_database(v1::DATABASE_PLATFORM);
  probe.mutable_targets(0)->set_address("127.0.0.1," + std::to_string(silent.port()));
  probe.mutable_timeout()->set_seconds(3);
  // The probe must take the only slot before a read comes in: our own reads may win the
  // race (the probe is then refused, and sent again).
  std::unique_ptr<grpc::ClientContext> probe_ctx;
  v1::ProbeResponse probed;
  std::atomic<bool> probe_done{false};
  std::atomic<int> probe_code{-1};
  v1::GetEndpointsResponse get;
  grpc::Status refused;
  for (int attempt = 0; attempt < 10; ++attempt) {
    probe_ctx = client.Context();
    probe_done = false;
    client.endpoints().async()->Probe(probe_ctx.get(), &probe, &probed, [&](grpc::Status st) {
      probe_code = st.error_code();
      probe_done = true;
    });
    WaitFor(
        [&] {
          refused = client.endpoints().Get(client.Context().get(), {}, &get);
          return refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED || probe_done;
        },
        absl::Seconds(5));
    if (refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    ASSERT_TRUE(WaitFor([&] { return probe_done.load(); }, absl::Seconds(15)));
    ASSERT_EQ(probe_code, grpc::StatusCode::RESOURCE_EXHAUSTED);
    refused = grpc::Status::OK;
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(), "too many calls in progress (1); try again shortly");
  ASSERT_TRUE(WaitFor([&] { return probe_done.load(); }, absl::Seconds(15)));
  EXPECT_OK(client.endpoints().Get(client.Context().get(), {}, &get));
  // Plaintext on loopback is the operator "insecure-loopback", and it is audited as such.
  v1::SetEndpointsResponse set;
  ASSERT_OK(client.Set(v1::DATABASE_PLATFORM, "SQLB", get.revision(), &set));
  std::vector<nlohmann::json> lines = AuditLines(agent.dir() + "/state/audit.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["identity"], "insecure-loopback");
  EXPECT_EQ(lines[0]["before"], get.revision());
  EXPECT_EQ(lines[0]["after"], set.revision());
}

}  // namespace
}  // namespace osfleet::testing
