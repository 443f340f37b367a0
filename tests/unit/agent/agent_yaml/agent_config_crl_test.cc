// tls.crl in the agent's config: loaded from the tls section, and only with client
// certificates (tls.ca) to check it against.
#include <fstream>
#include <string>

#include "agent/agent_yaml/agent_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

TEST(AgentConfigCrlTest, TlsCrlIsLoadedAndNeedsTlsCa) {
  osfleet::testing::TempDir tmp;
  const std::string path = tmp.Sub("osagent.yaml");
  std::ofstream(path) << "role: front_end\n"
                         "tls:\n"
                         "  cert: /etc/osagent/pki/fe01.pem\n"
                         "  key: /etc/osagent/pki/fe01.key\n"
                         "  ca: /etc/osagent/pki/ca.pem\n"
                         "  crl: /etc/osagent/pki/crl.pem\n";
  absl::StatusOr<AgentConfig> c = LoadAgentConfig(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tls_crl, "/etc/osagent/pki/crl.pem");
  EXPECT_TRUE(ValidateAgentConfig(*c).ok());
  c->tls.ca.clear();
  absl::Status s = ValidateAgentConfig(*c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tls.crl: revocation needs client certificates"));
}

}  // namespace
}  // namespace osfleet::agent
