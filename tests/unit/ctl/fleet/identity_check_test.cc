// The inventory against what each agent says it is: swapped roles and an entry that
// reaches another agent are named with both sides; a silent server is left to the command.
#include "ctl/fleet/identity_check.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Server Make(const std::string& name, v1::ServerRole role, uint32_t port) {
  Server s;
  s.name = name;
  s.address.host = "127.0.0.1";
  s.address.port = port;
  s.role = role;
  return s;
}

HostReply<v1::AgentInfo> Answer(const Server& server, const std::string& name,
                                v1::ServerRole role) {
  HostReply<v1::AgentInfo> r;
  r.server = &server;
  r.response.set_name(name);
  r.response.set_role(role);
  return r;
}

constexpr v1::ServerRole kDc = v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER;
constexpr v1::ServerRole kFe = v1::SERVER_ROLE_FRONT_END;

TEST(IdentityCheckTest, AgentsThatAreWhatTheInventorySaysPass) {
  const Server dc = Make("dc01", kDc, 7001), fe = Make("fe01", kFe, 7002);
  const std::vector<HostReply<v1::AgentInfo>> info = {Answer(dc, "dc01", kDc),
                                                      Answer(fe, "fe01", kFe)};
  EXPECT_TRUE(IdentityMismatches(info).empty());
  EXPECT_OK(CheckIdentities(info));
}

TEST(IdentityCheckTest, SwappedRolesNameBothSides) {
  // The inventory has dc01 and fe01 swapped: each entry reaches the other agent.
  const Server dc = Make("dc01", kDc, 7002), fe = Make("fe01", kFe, 7001);
  const std::vector<HostReply<v1::AgentInfo>> info = {Answer(dc, "fe01", kFe),
                                                      Answer(fe, "dc01", kDc)};
  EXPECT_THAT(IdentityMismatches(info),
              ElementsAre("dc01: the inventory says deployment_controller, its agent (named "
                          "fe01) says front_end",
                          "fe01: the inventory says front_end, its agent (named dc01) says "
                          "deployment_controller"));
  const absl::Status status = CheckIdentities(info);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status.message(), HasSubstr("nothing was changed"));
  EXPECT_THAT(status.message(), HasSubstr("dc01: the inventory says deployment_controller"));
}

TEST(IdentityCheckTest, AnEntryReachingAnotherAgentOfTheSameRoleIsNamed) {
  const Server fe1 = Make("fe01", kFe, 7002), fe2 = Make("fe02", kFe, 7003);
  const std::vector<HostReply<v1::AgentInfo>> info = {Answer(fe1, "fe01", kFe),
                                                      Answer(fe2, "fe01", kFe)};
  EXPECT_THAT(IdentityMismatches(info),
              ElementsAre("fe02: the inventory's address 127.0.0.1:7003 reaches the agent "
                          "named fe01 (front_end)"));
}

TEST(IdentityCheckTest, ServersThatDidNotAnswerAreLeftToTheCommand) {
  const Server dc = Make("dc01", kDc, 7001);
  HostReply<v1::AgentInfo> silent;
  silent.server = &dc;
  silent.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused");
  EXPECT_OK(CheckIdentities({silent}));
}

TEST(IdentityCheckTest, AgentNamesAreShownEscaped) {
  const Server fe = Make("fe01", kFe, 7002);
  const std::vector<std::string> lines = IdentityMismatches({Answer(fe, "evil\x1b[2J", kDc)});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::Not(HasSubstr("\x1b")));
  EXPECT_THAT(lines[0], HasSubstr("its agent (named evil\\u001b[2J) says deployment_controller"));
}

}  // namespace
}  // namespace osfleet::ctl
