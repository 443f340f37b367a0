// osfleet-fake-oracle as a real process: one port on each --listen IP, the services and
// SIDs it is given, and a clean exit on SIGTERM. Probed with the agent's own ProbeOracle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/numbers.h"
#include "agent/probe/probe.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

agent::ProbeOutcome Probe(const std::string& ip, int port, const std::string& service) {
  agent::ProbeOptions options;
  options.identity = true;
  options.timeout = absl::Seconds(10);
  return agent::ProbeOracle(OracleAddress{ip, static_cast<uint32_t>(port), service}, options);
}

TEST(FakeOracleProgramTest, ServesOnePortOnTwoAddresses) {
  TempDir tmp;
  const std::string port_file = tmp.Sub("port");
  ChildProcess fake({BinDir() + "/osfleet-fake-oracle", "--listen-port-file", port_file, "--listen",
                     "127.0.0.1", "--listen", "127.0.0.2", "--service", "OSSVC", "--sid", "ORCL"},
                    tmp.Sub("fake.log"));
  int port = 0;
  ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(port_file), &port) && port > 0; },
                      absl::Seconds(20)))
      << ReadFile(tmp.Sub("fake.log"));
  for (const std::string ip : {"127.0.0.1", "127.0.0.2"}) {
    const agent::ProbeOutcome known = Probe(ip, port, "OSSVC");
    EXPECT_TRUE(known.ok) << ip << ": " << known.error;
    EXPECT_EQ(known.fingerprint.tns, agent::TnsAnswer::kAccept) << known.fingerprint.tns_note;
    const agent::ProbeOutcome unknown = Probe(ip, port, "OTHER");
    EXPECT_EQ(unknown.fingerprint.tns, agent::TnsAnswer::kRefuse) << ip;
    EXPECT_EQ(unknown.fingerprint.tns_error, 12514) << unknown.fingerprint.tns_note;
  }
  EXPECT_EQ(fake.Stop(SIGTERM), 0);
}

TEST(FakeOracleProgramTest, ModesAndBadFlags) {
  TempDir tmp;
  const std::string port_file = tmp.Sub("port");
  ChildProcess fake(
      {BinDir() + "/osfleet-fake-oracle", "--listen-port-file", port_file, "--mode", "redirect"},
      tmp.Sub("fake.log"));
  int port = 0;
  ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(port_file), &port) && port > 0; },
                      absl::Seconds(20)));
  EXPECT_EQ(Probe("127.0.0.1", port, "OSSVC").fingerprint.tns, agent::TnsAnswer::kRedirect);
  EXPECT_EQ(fake.Stop(SIGTERM), 0);

  const ProcessResult bad = RunProgram(
      {BinDir() + "/osfleet-fake-oracle", "--listen-port-file", port_file, "--mode", "chatty"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("unknown --mode 'chatty'"));
  const ProcessResult no_ip = RunProgram({BinDir() + "/osfleet-fake-oracle", "--listen-port-file",
                                          port_file, "--listen", "db.example"});
  EXPECT_EQ(no_ip.exit_code, 1);
  EXPECT_THAT(no_ip.err, ::testing::HasSubstr("'db.example' is not an IP"));
}

}  // namespace
}  // namespace osfleet::testing
