// An audit log that cannot be written (a full disk, no descriptor left) and floods of idle
// TCP connections, against real agents: a mutating call either leaves its audit line or
// does not run, every line of the log parses as JSON, automatic reverts still happen, and
// idle connections never take the descriptors the agent needs for its own files.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/model/revision.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// A tiny tmpfs mounted for the test's lifetime (root only).
class TinyDisk {
 public:
  TinyDisk(const std::string& dir, const std::string& size) : dir_(dir) {
    mkdir(dir_.c_str(), 0755);
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~TinyDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

  // Writes `name` until the disk is full.
  void Fill(const std::string& name) const {
    const int fd = open((dir_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const std::string page(4096, 'x');
    while (write(fd, page.data(), page.size()) > 0) {
    }
    while (write(fd, page.data(), 1) > 0) {
    }
    close(fd);
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// Every line of the audit log, each of which must parse as a JSON object.
std::vector<nlohmann::json> ParsedLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON line: " << line;
    out.push_back(std::move(j));
  }
  return out;
}

int CountRpc(const std::vector<nlohmann::json>& lines, const std::string& rpc) {
  int n = 0;
  for (const nlohmann::json& j : lines) n += j.is_object() && j.value("rpc", "") == rpc;
  return n;
}

// How many descriptors process `pid` has open now.
int OpenDescriptors(pid_t pid) {
  int n = 0;
  if (DIR* d = opendir(absl::StrCat("/proc/", pid, "/fd").c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// The lowest descriptor number process `pid` does not use: with that as its limit, it
// cannot open anything.
rlim_t LowestFreeDescriptor(pid_t pid) {
  std::set<int> used;
  if (DIR* d = opendir(absl::StrCat("/proc/", pid, "/fd").c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') used.insert(std::atoi(e->d_name));
    }
    closedir(d);
  }
  int n = 0;
  while (used.count(n) != 0) ++n;
  return static_cast<rlim_t>(n);
}

void SetDescriptorLimit(pid_t pid, rlim_t soft, rlim_t hard) {
  rlimit limit{soft, hard};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0) << strerror(errno);
}

rlimit DescriptorLimit(pid_t pid) {
  rlimit limit{};
  EXPECT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &limit), 0) << strerror(errno);
  return limit;
}

// An idle TCP connection to 127.0.0.1:port from `source` (127.0.0.x) that sends nothing.
int IdleConnection(const std::string& source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A client bound to the whole agent (not to a source address).
grpc::Status SetWithConfirm(AgentClient& client, const std::string& address, absl::Duration window,
                            v1::SetEndpointsResponse* resp) {
  v1::SetEndpointsRequest req;
  v1::EndpointChange* c = req.add_changes();
  c->set_database(v1::DATABASE_PLATFORM);
  c->set_address(address);
  req.set_expected_revision(client.Revision());
  req.mutable_confirm_within()->set_seconds(absl::ToInt64Seconds(window));
  return client.endpoints().Set(client.Context().get(), req, resp);
}

class HostileAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tiny tmpfs needs root";
    disk_ = std::make_unique<TinyDisk>(tmp_.Sub("disk"), "256k");
    if (!disk_->mounted()) GTEST_SKIP() << "cannot mount tmpfs here";
    audit_ = tmp_.Sub("disk/audit.log");
  }

  // A log whose last page has `room` bytes left: the next line spills into a new page.
  void PrepareLogWithRoom(size_t room) {
    const std::string head = "{\"pad\":\"";
    const std::string tail = "\"}\n";
    WriteFile(audit_, head + std::string(4096 - room - head.size() - tail.size(), 'p') + tail);
    chmod(audit_.c_str(), 0600);
  }

  void StartAgent() {
    AgentOptions options;
    options.extra_args = {"--audit-log", audit_};
    agent_ = std::make_unique<Agent>(tmp_.Sub("agent"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  }

  TempDir tmp_;
  std::unique_ptr<TinyDisk> disk_;
  std::string audit_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HostileAudit, AFullDiskRefusesTheSetBeforeItChangesAnything) {
  PrepareLogWithRoom(100);
  StartAgent();
  AgentClient client(agent_->address());
  v1::SetEndpointsResponse resp;
  ASSERT_OK(client.Set(v1::DATABASE_PLATFORM, "SQLNEW", client.Revision(), &resp));
  disk_->Fill("filler");
  const std::string before = ReadFile(agent_->hsconf());
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "SQLNEWER", client.Revision(), &resp);
  EXPECT_EQ(set.error_code(), grpc::StatusCode::UNAVAILABLE) << set.error_message();
  EXPECT_THAT(set.error_message(), HasSubstr("audit log " + audit_));
  EXPECT_THAT(set.error_message(), HasSubstr("No space left on device"));
  EXPECT_EQ(ReadFile(agent_->hsconf()), before);  // nothing changed
  // Once there is room again the next line starts on a line of its own: all parse.
  unlink(tmp_.Sub("disk/filler").c_str());
  ASSERT_OK(client.Set(v1::DATABASE_PLATFORM, "SQLNEWER", client.Revision(), &resp));
  const std::vector<nlohmann::json> lines = ParsedLines(audit_);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().value("rpc", ""), "Endpoints.Set");
  EXPECT_EQ(lines.back().value("result", ""), "OK");
  EXPECT_EQ(lines.back().value("after", ""), Sha256Hex(ReadFile(agent_->hsconf())));
}

TEST_F(HostileAudit, ACallThatFillsTheDiskItselfIsStillAudited) {
  // The backups share the tiny disk: the Set's own backup finds no room.
  PrepareLogWithRoom(100);
  AgentOptions options;
  options.extra_args = {"--audit-log", audit_};
  options.hsconf = tmp_.Sub("server.hsconf");
  CopyFile(FixturePath("sqlserver-dc.hsconf"), options.hsconf);
  options.fixture = "";
  agent_ = std::make_unique<Agent>(tmp_.Sub("disk/agent"), options);
  ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  AgentClient client(agent_->address());
  const std::string revision = client.Revision();
  disk_->Fill("filler");
  v1::SetEndpointsResponse resp;
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "SQLNEW", revision, &resp);
  ASSERT_FALSE(set.ok());
  const std::vector<nlohmann::json> lines = ParsedLines(audit_);
  if (absl::StrContains(set.error_message(), "audit log")) {
    EXPECT_EQ(CountRpc(lines, "Endpoints.Set"), 0);  // refused before it ran
  } else {
    // It ran, failed on the full disk, and its line is there (in the reserved room).
    ASSERT_EQ(CountRpc(lines, "Endpoints.Set"), 1) << set.error_message();
    EXPECT_THAT(lines.back().value("result", ""), HasSubstr("No space left on device"));
  }
  EXPECT_EQ(Sha256Hex(ReadFile(options.hsconf)), revision);
}

// No root needed from here on: the audit log is on the normal disk.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

TEST(HostileAuditFiles, NoDescriptorLeftTheConfirmIsAuditedOrRefused) {
  if (kSanitized) {
    // UBSan's vptr check tests memory through a pipe: in a process with no descriptor
    // left it reports every checked object as having an invalid vptr (seen here, on
    // ConfirmRequest's constructor) and the sanitized agent stops.
    GTEST_SKIP() << "not meaningful under the sanitizers: they need descriptors themselves";
  }
  TempDir tmp;
  const std::string audit = tmp.Sub("audit.log");
  AgentOptions options;
  options.extra_args = {"--audit-log", audit};
  Agent agent(tmp.Sub("agent"), options);
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  AgentClient client(agent.address());
  v1::SetEndpointsResponse resp;
  ASSERT_OK(SetWithConfirm(client, "SQLNEW", absl::Minutes(10), &resp));
  ASSERT_EQ(resp.state(), v1::CHANGE_STATE_PENDING);
  const pid_t pid = agent.process().pid();
  const rlimit saved = DescriptorLimit(pid);
  SetDescriptorLimit(pid, LowestFreeDescriptor(pid), saved.rlim_max);  // none left
  v1::ConfirmRequest confirm;
  confirm.set_change_id(resp.change_id());
  v1::ConfirmResponse confirmed;
  grpc::Status s = client.endpoints().Confirm(client.Context().get(), confirm, &confirmed);
  SetDescriptorLimit(pid, saved.rlim_cur, saved.rlim_max);
  const std::vector<nlohmann::json> lines = ParsedLines(audit);
  if (s.ok()) {
    ASSERT_EQ(CountRpc(lines, "Endpoints.Confirm"), 1) << ReadFile(agent.log());
    EXPECT_EQ(lines.back().value("result", ""), "OK");
  } else if (absl::StrContains(s.error_message(), "audit log " + audit)) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    EXPECT_EQ(CountRpc(lines, "Endpoints.Confirm"), 0);
  } else {
    // gRPC itself found no descriptor (a poller's, a new connection's) and dropped the
    // call: whether the Confirm ran or not, it must not have run unaudited.
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    // The channel lost its connection: wait for it to connect again.
    std::unique_ptr<grpc::ClientContext> ctx = client.Context();
    ctx->set_wait_for_ready(true);
    v1::GetEndpointsResponse now;
    const grpc::Status got = client.endpoints().Get(ctx.get(), {}, &now);
    ASSERT_OK(got) << ReadFile(agent.log());
    if (!now.has_pending()) {
      EXPECT_EQ(CountRpc(ParsedLines(audit), "Endpoints.Confirm"), 1) << ReadFile(agent.log());
    }
  }
  // The agent is alive and answers once descriptors are back.
  std::unique_ptr<grpc::ClientContext> ctx = client.Context();
  ctx->set_wait_for_ready(true);
  v1::GetEndpointsResponse after;
  EXPECT_OK(client.endpoints().Get(ctx.get(), {}, &after)) << ReadFile(agent.log());
}

TEST(HostileAuditFiles, TheAutomaticRevertHappensEvenWhenItCannotBeAudited) {
  TempDir tmp;
  const std::string audit = tmp.Sub("audit.log");
  AgentOptions options;
  options.extra_args = {"--audit-log", audit};
  Agent agent(tmp.Sub("agent"), options);
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  AgentClient client(agent.address());
  const std::string original = ReadFile(agent.hsconf());
  v1::SetEndpointsResponse resp;
  ASSERT_OK(SetWithConfirm(client, "SQLNEW", absl::Seconds(2), &resp));
  ASSERT_NE(ReadFile(agent.hsconf()), original);
  // The log is moved away and a folder takes its name: no line can be written there.
  ASSERT_EQ(rename(audit.c_str(), tmp.Sub("audit.log.1").c_str()), 0);
  ASSERT_EQ(mkdir(audit.c_str(), 0700), 0);
  EXPECT_TRUE(WaitFor([&] { return ReadFile(agent.hsconf()) == original; }, absl::Seconds(20)))
      << ReadFile(agent.log());
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(ReadFile(agent.log()), "NOT AUDITED"); },
                      absl::Seconds(5)))
      << ReadFile(agent.log());
}

// Idle connections that never finish a handshake cannot take the agent's descriptors:
// with its limit lowered to 256, 356 of them leave room for a Set, which a client already
// connected (and, from another address, a new one) gets through.
TEST(HostileConnections, AnIdleFloodLeavesDescriptorsForAnOperator) {
  TempDir tmp;
  Agent agent(tmp.Sub("agent"), AgentOptions{});
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  const pid_t pid = agent.process().pid();
  constexpr int kLimit = 256;
  SetDescriptorLimit(pid, kLimit, kLimit);
  AgentClient connected(agent.address());
  ASSERT_FALSE(connected.Revision().empty());
  std::vector<int> flood;
  int peak = 0;
  for (int i = 0; i < kLimit + 100; ++i) {
    const int fd = IdleConnection("127.0.0.2", agent.port());
    if (fd >= 0) flood.push_back(fd);
    if (i % 16 == 0) peak = std::max(peak, OpenDescriptors(pid));
  }
  // The agent has taken in (or turned away) every connection it will.
  int last = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        const int now = OpenDescriptors(pid);
        peak = std::max(peak, now);
        const bool steady = now == last;
        last = now;
        return steady;
      },
      absl::Seconds(5)));
  const absl::Time start = absl::Now();
  v1::SetEndpointsResponse resp;
  grpc::Status set = connected.Set(v1::DATABASE_PLATFORM, "SQLNEW", connected.Revision(), &resp);
  EXPECT_OK(set) << ReadFile(agent.log());
  const absl::Duration set_latency = absl::Now() - start;
  // A new connection from another address gets in as well.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
  auto fresh = v1::Endpoints::NewStub(
      grpc::CreateCustomChannel(agent.address(), grpc::InsecureChannelCredentials(), args));
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address("SQLNEWER");
  req.set_force(true);
  grpc::Status again = fresh->Set(connected.Context().get(), req, &resp);
  EXPECT_OK(again) << ReadFile(agent.log());
  peak = std::max(peak, OpenDescriptors(pid));
  EXPECT_LT(peak, kLimit - 32) << "peak descriptors";
  std::printf("[ figures ] flood %zu idle connections, limit %d: peak %d descriptors, Set %s\n",
              flood.size(), kLimit, peak, absl::FormatDuration(set_latency).c_str());
  for (int fd : flood) close(fd);
}

// Idle connections from four addresses fill every connection descriptor (limit 256): a
// client that connects only now, from a fifth address, still gets in (at once, or at its
// first reconnect, once the heaviest address lost its oldest connection) and its Set runs.
TEST(HostileConnections, AFloodFromSeveralAddressesLeavesRoomForANewClient) {
  TempDir tmp;
  Agent agent(tmp.Sub("agent"), AgentOptions{});
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  const pid_t pid = agent.process().pid();
  constexpr int kLimit = 256;
  SetDescriptorLimit(pid, kLimit, kLimit);
  std::vector<int> flood;
  for (int i = 0; i < kLimit + 100; ++i) {
    const int fd = IdleConnection(absl::StrCat("127.0.0.", 2 + i % 4), agent.port());
    if (fd >= 0) flood.push_back(fd);
  }
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(ReadFile(agent.log()), "closed at once"); },
                      absl::Seconds(10)))
      << "the flood never reached the ceiling:\n"
      << ReadFile(agent.log());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  auto fresh = v1::Endpoints::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(agent.port()), grpc::InsecureChannelCredentials(), args));
  v1::SetEndpointsRequest req;
  req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  req.mutable_changes(0)->set_address("SQLNEW");
  req.set_force(true);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(8));
  ctx.set_wait_for_ready(true);  // reconnect after a refusal instead of failing at once
  v1::SetEndpointsResponse resp;
  const grpc::Status set = fresh->Set(&ctx, req, &resp);
  EXPECT_OK(set) << ReadFile(agent.log());
  EXPECT_LT(OpenDescriptors(pid), kLimit) << "never at the limit itself";
  for (int fd : flood) close(fd);
}

// With its own (raised) limit, 1 100 idle connections from one address leave the agent
// far from it, and a Set goes through.
TEST(HostileConnections, ElevenHundredIdleConnectionsDoNotExhaustTheAgent) {
  TempDir tmp;
  // Started with the usual soft limit of 1024 (and a higher hard one).
  rlimit own{};
  getrlimit(RLIMIT_NOFILE, &own);
  if (own.rlim_max < 4096) GTEST_SKIP() << "the hard descriptor limit is below 4096";
  rlimit lowered{1024, own.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  Agent agent(tmp.Sub("agent"), AgentOptions{});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  const pid_t pid = agent.process().pid();
  const rlimit limit = DescriptorLimit(pid);
  EXPECT_EQ(limit.rlim_cur, limit.rlim_max) << "the agent raises its soft limit at start";
  std::vector<int> flood;
  int peak = 0;
  for (int i = 0; i < 1100; ++i) {
    const int fd = IdleConnection("127.0.0.3", agent.port());
    if (fd >= 0) flood.push_back(fd);
    if (i % 32 == 0) peak = std::max(peak, OpenDescriptors(pid));
  }
  AgentClient client(agent.address());
  const absl::Time start = absl::Now();
  v1::SetEndpointsResponse resp;
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "SQLNEW", client.Revision(), &resp);
  const absl::Duration set_latency = absl::Now() - start;
  EXPECT_OK(set) << ReadFile(agent.log());
  peak = std::max(peak, OpenDescriptors(pid));
  EXPECT_LT(peak, 512) << "one address holds at most a share of the connections";
  std::printf("[ figures ] flood %zu idle connections, limit %llu: peak %d descriptors, Set %s\n",
              flood.size(), static_cast<unsigned long long>(limit.rlim_cur), peak,
              absl::FormatDuration(set_latency).c_str());
  for (int fd : flood) close(fd);
}

}  // namespace
}  // namespace osfleet::testing
