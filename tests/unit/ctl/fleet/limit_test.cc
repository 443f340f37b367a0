#include "ctl/fleet/limit.h"

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
using ::testing::Not;

Server Make(const std::string& name, v1::ServerRole role,
            std::map<std::string, std::string> labels = {}) {
  Server s;
  s.name = name;
  s.address.host = name + ".corp";
  s.address.port = kDefaultAgentPort;
  s.role = role;
  s.labels = std::move(labels);
  return s;
}

std::vector<Server> Fleet() {
  const auto fe = v1::SERVER_ROLE_FRONT_END;
  return {Make("dc01", v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER, {{"site", "lisbon"}}),
          Make("fe01", fe, {{"site", "lisbon"}}), Make("fe02", fe, {{"site", "porto"}}),
          Make("fe03", fe, {{"site", "porto"}, {"canary", "yes"}}), Make("web10", fe)};
}

// The selected names, or the error message prefixed with "error: ".
std::vector<std::string> Select(absl::string_view expression) {
  absl::StatusOr<std::vector<Server>> selected = SelectServers(Fleet(), expression);
  if (!selected.ok()) return {"error: " + std::string(selected.status().message())};
  std::vector<std::string> names;
  for (const Server& s : *selected) names.push_back(s.name);
  return names;
}

absl::Status Error(absl::string_view expression) {
  return SelectServers(Fleet(), expression).status();
}

TEST(SelectServersTest, EmptyExpressionSelectsEveryServer) {
  EXPECT_THAT(Select(""), ElementsAre("dc01", "fe01", "fe02", "fe03", "web10"));
  EXPECT_THAT(Select("  "), ElementsAre("dc01", "fe01", "fe02", "fe03", "web10"));
  EXPECT_THAT(Select("all"), ElementsAre("dc01", "fe01", "fe02", "fe03", "web10"));
}

TEST(SelectServersTest, NamesAndGlobsKeepInventoryOrder) {
  EXPECT_THAT(Select("fe02"), ElementsAre("fe02"));
  EXPECT_THAT(Select("fe03,dc01"), ElementsAre("dc01", "fe03"));
  EXPECT_THAT(Select("fe0*"), ElementsAre("fe01", "fe02", "fe03"));
  EXPECT_THAT(Select("fe0[13], web?0"), ElementsAre("fe01", "fe03", "web10"));
  EXPECT_THAT(Select("fe01,fe0*"), ElementsAre("fe01", "fe02", "fe03"));  // no duplicates
}

TEST(SelectServersTest, ByRole) {
  EXPECT_THAT(Select("role:front_end"), ElementsAre("fe01", "fe02", "fe03", "web10"));
  EXPECT_THAT(Select("role:dc"), ElementsAre("dc01"));
}

TEST(SelectServersTest, ByLabel) {
  EXPECT_THAT(Select("label:site=porto"), ElementsAre("fe02", "fe03"));
  EXPECT_THAT(Select("label:site=lisbon,label:canary=yes"), ElementsAre("dc01", "fe01", "fe03"));
}

TEST(SelectServersTest, ExclusionsApplyAfterInclusions) {
  EXPECT_THAT(Select("all,!fe03"), ElementsAre("dc01", "fe01", "fe02", "web10"));
  EXPECT_THAT(Select("!fe03,all"), ElementsAre("dc01", "fe01", "fe02", "web10"));
  EXPECT_THAT(Select("!role:dc"), ElementsAre("fe01", "fe02", "fe03", "web10"));
  EXPECT_THAT(Select("role:fe,!label:site=porto"), ElementsAre("fe01", "web10"));
  EXPECT_THAT(Select("fe0*,!fe02"), ElementsAre("fe01", "fe03"));
}

TEST(SelectServersTest, TermMatchingNothingIsAnError) {
  absl::Status s = Error("dc01,fe99");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("'fe99' matches no server"));
  EXPECT_THAT(Error("!fe99"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(Error("label:site=paris").message()),
              HasSubstr("'label:site=paris' matches no server"));
  EXPECT_THAT(Error("db*"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SelectServersTest, MalformedTermsAreErrors) {
  EXPECT_THAT(std::string(Error("role:backend").message()), HasSubstr("--limit: role 'backend'"));
  EXPECT_THAT(std::string(Error("label:site").message()), HasSubstr("must be label:KEY=VALUE"));
  EXPECT_THAT(std::string(Error("label:=x").message()), HasSubstr("must be label:KEY=VALUE"));
  EXPECT_THAT(std::string(Error("dc01,,fe01").message()), HasSubstr("empty term"));
  EXPECT_THAT(std::string(Error("dc01,").message()), HasSubstr("empty term"));
}

TEST(SelectServersTest, ExcludingEverythingIsAnError) {
  absl::Status s = Error("dc01,!dc01");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(s.message()), HasSubstr("leaves no server selected"));
}

std::vector<std::string> Complete(absl::string_view typed) {
  return LimitCompletions(Fleet(), typed);
}

TEST(LimitCompletionsTest, OffersEveryTermThatSelectsSomething) {
  EXPECT_THAT(
      Complete(""),
      ElementsAre("all", "dc01", "fe01", "fe02", "fe03", "web10", "role:deployment_controller",
                  "role:front_end", "label:site=lisbon", "label:site=porto", "label:canary=yes"));
  EXPECT_THAT(Complete("fe"), ElementsAre("fe01", "fe02", "fe03"));
  EXPECT_THAT(Complete("role:"), ElementsAre("role:deployment_controller", "role:front_end"));
  EXPECT_THAT(Complete("label:site=p"), ElementsAre("label:site=porto"));
  EXPECT_THAT(Complete("zz"), ElementsAre());
}

TEST(LimitCompletionsTest, CompletesTheTermAfterTheLastComma) {
  EXPECT_THAT(Complete("dc01,f"), ElementsAre("dc01,fe01", "dc01,fe02", "dc01,fe03"));
  EXPECT_THAT(Complete("dc01,fe01,fe"), ElementsAre("dc01,fe01,fe02", "dc01,fe01,fe03"));
  EXPECT_THAT(Complete("role:fe, w"), ElementsAre());  // the term is "w" after a blank: none
  EXPECT_THAT(Complete("role:fe,w"), ElementsAre("role:fe,web10"));
}

TEST(LimitCompletionsTest, ExclusionsKeepTheirBangAndNeverExcludeAll) {
  EXPECT_THAT(Complete("all,!fe0"), ElementsAre("all,!fe01", "all,!fe02", "all,!fe03"));
  EXPECT_THAT(Complete("!a"), ElementsAre());
  EXPECT_THAT(Complete("!role:d"), ElementsAre("!role:deployment_controller"));
}

TEST(LimitCompletionsTest, TermsAlreadyListedAreNotOfferedAgain) {
  EXPECT_THAT(Complete("fe01,!fe02,fe0"), ElementsAre("fe01,!fe02,fe02", "fe01,!fe02,fe03"));
  EXPECT_THAT(Complete("fe01,!fe02,!fe0"), ElementsAre("fe01,!fe02,!fe01", "fe01,!fe02,!fe03"));
}

TEST(LimitCompletionsTest, EveryOfferedTermIsOneSelectServersAccepts) {
  for (const std::string& term : Complete("")) {
    EXPECT_THAT(Select(term), Not(ElementsAre(::testing::StartsWith("error: ")))) << term;
    if (term != "all") {
      EXPECT_THAT(Select("all,!" + term), Not(ElementsAre(::testing::StartsWith("error: "))))
          << term;
    }
  }
  for (const std::string& expression : Complete("role:fe,")) {
    EXPECT_THAT(Select(expression), Not(ElementsAre(::testing::StartsWith("error: "))))
        << expression;
  }
}

}  // namespace
}  // namespace osfleet::ctl
