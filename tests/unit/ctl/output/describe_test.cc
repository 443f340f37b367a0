// The Service Center phase's wire event as osctl prints it: where the names come from,
// each operation's request element, inputs in order and action; yellow when guessed.
#include "ctl/output/describe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::ctl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

v1::PhaseEvent WireEvent(const std::string& note) {
  v1::PhaseEvent e;
  v1::WireInUse* wire = e.mutable_wire();
  wire->set_source(note.empty() ? "WSDL http://dc01/ServiceCenter/x.asmx?WSDL" : "conventions");
  wire->set_note(note);
  for (const char* name : {"Modules_Get", "SolutionPack_PublishAbort"}) {
    v1::WireOperation* op = wire->add_operations();
    op->set_name(name);
    op->set_soap_version("1.2");
    op->set_request_element(name);
    op->set_action(std::string("urn:x:") + name);
    op->add_inputs("UserName");
    op->add_inputs("Password");
  }
  return e;
}

TEST(DescribeTest, TheWireSaysWhereEachNameComesFrom) {
  EXPECT_THAT(DescribePhaseEvent(WireEvent("")),
              AllOf(HasSubstr("wire: WSDL http://dc01/ServiceCenter/x.asmx?WSDL: SOAP 1.2; "),
                    HasSubstr("Modules_Get <Modules_Get>(UserName, Password) action "
                              "\"urn:x:Modules_Get\"; SolutionPack_PublishAbort")));
  EXPECT_EQ(PhaseEventColor(WireEvent("")), Color::kNone);
  const v1::PhaseEvent guessed = WireEvent("GET …?WSDL answered HTTP 404");
  EXPECT_THAT(DescribePhaseEvent(guessed),
              HasSubstr("wire: conventions (GET …?WSDL answered HTTP 404): SOAP 1.2"));
  EXPECT_EQ(PhaseEventColor(guessed), Color::kYellow);
  EXPECT_FALSE(IsBadPhaseEvent(guessed));
}

}  // namespace
}  // namespace osfleet::ctl
