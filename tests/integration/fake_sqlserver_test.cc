// osfleet-fake-sqlserver as a process: one instance on two loopback addresses (the identity
// tests' "same server under a second name"), its TLS certificate read through the probe.
#include <string>

#include "absl/strings/numbers.h"
#include "agent/probe/probe.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::testing {
namespace {

TEST(FakeSqlServerProcessTest, TwoListenAddressesServeOneInstance) {
  TempDir tmp;
  const std::string port_file = tmp.Sub("port");
  ChildProcess fake({BinDir() + "/osfleet-fake-sqlserver", "--listen-port-file", port_file,
                     "--listen", "127.0.0.1", "--listen", "127.0.0.2", "--instance", "OUTSYS"},
                    tmp.Sub("fake.log"));
  uint32_t port = 0;
  ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(port_file), &port) && port > 0; },
                      absl::Seconds(10)));
  agent::ProbeOptions options;
  options.identity = true;
  options.instance_name = "OUTSYS";
  std::string certificates[2];
  const std::string hosts[2] = {"127.0.0.1", "127.0.0.2"};
  for (int i = 0; i < 2; ++i) {
    SqlServerAddress address;
    address.host = hosts[i];
    address.port = port;
    const agent::ProbeOutcome outcome = agent::ProbeSqlServer(address, options);
    ASSERT_TRUE(outcome.ok) << hosts[i] << ": " << outcome.error;
    ASSERT_TRUE(outcome.fingerprint.certificate.has_value())
        << hosts[i] << ": " << outcome.fingerprint.certificate_note;
    EXPECT_EQ(outcome.fingerprint.instance_accepted, true);
    certificates[i] = outcome.fingerprint.certificate->sha256;
  }
  EXPECT_EQ(certificates[0], certificates[1]);
  EXPECT_EQ(fake.Stop(SIGTERM), 0);
}

TEST(FakeSqlServerProcessTest, BadFlagsAreNamed) {
  TempDir tmp;
  ChildProcess fake({BinDir() + "/osfleet-fake-sqlserver", "--listen-port-file", tmp.Sub("p"),
                     "--tls", "sometimes"},
                    tmp.Sub("fake.log"));
  EXPECT_EQ(fake.Wait(), 2);
  EXPECT_THAT(ReadFile(tmp.Sub("fake.log")), ::testing::HasSubstr("unknown --tls 'sometimes'"));
}

}  // namespace
}  // namespace osfleet::testing
