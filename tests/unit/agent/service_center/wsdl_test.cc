// The WSDL model: each dialect the fake Service Center speaks (tests/fixtures/wsdl/, kept
// equal to the fake's by its own test), WSDLs that lack what the phase needs, and the
// requests and replies built and read from the model.
#include "agent/service_center/wsdl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <pugixml.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "agent/service_center/sc_wire.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent::sc_wire {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Fixture(const std::string& dialect) {
  std::ifstream in(absl::StrCat(OSFLEET_FIXTURES_DIR, "/wsdl/", dialect, ".wsdl"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << dialect;
  return text.str();
}

Wire Parsed(const std::string& text) {
  absl::StatusOr<Wire> wire = ParseWsdl(text, "test.wsdl");
  EXPECT_OK(wire);
  return wire.ok() ? *wire : Wire{};
}

absl::Status Refusal(const std::string& text) { return ParseWsdl(text, "test.wsdl").status(); }

TEST(WsdlTest, DotnetDialect) {
  const Wire wire = Parsed(Fixture("dotnet"));
  EXPECT_EQ(wire.source, "test.wsdl");
  const OperationWire& get = wire.modules_get;
  EXPECT_EQ(get.version, SoapVersion::k11);  // 1.1 preferred when both are bound
  EXPECT_EQ(get.action, "http://www.outsystems.com/Modules_Get");
  EXPECT_EQ(get.path, "/ServiceCenter/PlatformServices_v8_0_0.asmx");
  EXPECT_EQ(get.request_element, "Modules_Get");
  EXPECT_EQ(get.request_namespace, "http://www.outsystems.com");
  EXPECT_TRUE(get.qualified_inputs);
  EXPECT_THAT(get.inputs, ElementsAre("username", "password"));
  EXPECT_EQ(get.response_element, "Modules_GetResponse");
  EXPECT_THAT(get.list_path, ElementsAre("Modules_GetResult"));
  EXPECT_EQ(get.item, "CS_Module");
  const OperationWire& page = wire.get_publish_messages;
  EXPECT_THAT(page.inputs, ElementsAre("username", "password", "publishId", "afterMessageId"));
  EXPECT_THAT(page.list_path, ElementsAre("SolutionPack_GetPublishMessagesResult"));
  EXPECT_EQ(page.item, "PublishMessage");
  EXPECT_THAT(page.last_id_path, ElementsAre("lastMessageId"));
  EXPECT_THAT(page.finished_path, ElementsAre("finished"));
  EXPECT_THAT(wire.publish_abort.inputs, ElementsAre("username", "password", "publishId"));
  EXPECT_THAT(wire.publish_abort.list_path, IsEmpty());
}

TEST(WsdlTest, OutSystemsDialect) {
  const Wire wire = Parsed(Fixture("outsystems"));
  EXPECT_EQ(wire.modules_get.action,
            "http://www.outsystems.com/PlatformServices_v8_0_0/Modules_Get");
  EXPECT_THAT(wire.modules_get.inputs, ElementsAre("UserName", "Password"));
  EXPECT_THAT(wire.modules_get.list_path, ElementsAre("Modules"));
  EXPECT_EQ(wire.modules_get.item, "Module");
  const OperationWire& page = wire.get_publish_messages;
  EXPECT_THAT(page.inputs, ElementsAre("UserName", "Password", "PublishId", "AfterId"));
  EXPECT_THAT(page.list_path, ElementsAre("Messages"));
  EXPECT_EQ(page.item, "Message");
  EXPECT_THAT(page.last_id_path, ElementsAre("LastMessageId"));  // an s:long
  EXPECT_THAT(page.finished_path, ElementsAre("Finished"));
}

TEST(WsdlTest, Soap12OnlyDialectWithAWrappedPage) {
  const Wire wire = Parsed(Fixture("soap12"));
  EXPECT_EQ(wire.modules_get.version, SoapVersion::k12);
  EXPECT_EQ(wire.modules_get.action, "urn:outsystems:PlatformServices:Modules_Get");
  const OperationWire& page = wire.get_publish_messages;
  EXPECT_EQ(page.version, SoapVersion::k12);
  EXPECT_THAT(page.list_path, ElementsAre("SolutionPack_GetPublishMessagesResult", "Messages"));
  EXPECT_EQ(page.item, "PublishMessage");
  EXPECT_THAT(page.last_id_path,
              ElementsAre("SolutionPack_GetPublishMessagesResult", "LastMessageId"));
  EXPECT_THAT(page.finished_path, ElementsAre("SolutionPack_GetPublishMessagesResult", "Finished"));
}

// Prefixes are whatever the WSDL declares: the same WSDL with other prefixes reads the same.
TEST(WsdlTest, PrefixesAreResolvedNotAssumed) {
  std::string text = Fixture("dotnet");
  text = absl::StrReplaceAll(text, {{"<wsdl:", "<w:"},
                                    {"</wsdl:", "</w:"},
                                    {"xmlns:wsdl=", "xmlns:w="},
                                    {"<s:", "<xsd:"},
                                    {"</s:", "</xsd:"},
                                    {"\"s:", "\"xsd:"},
                                    {"xmlns:s=", "xmlns:xsd="},
                                    {"\"tns:", "\"os:"},
                                    {"xmlns:tns=", "xmlns:os="}});
  ASSERT_EQ(text.find("wsdl:"), std::string::npos);
  const Wire wire = Parsed(text);
  EXPECT_THAT(wire.get_publish_messages.inputs,
              ElementsAre("username", "password", "publishId", "afterMessageId"));
  EXPECT_THAT(wire.get_publish_messages.finished_path, ElementsAre("finished"));
  // A 1.2 binding is told from a 1.1 one by its namespace, not its prefix.
  text =
      absl::StrReplaceAll(Fixture("soap12"), {{"soap12:", "soap:"}, {"xmlns:soap=", "xmlns:x="}});
  text = absl::StrReplaceAll(text, {{"xmlns:soap12=", "xmlns:soap="}});
  EXPECT_EQ(Parsed(text).modules_get.version, SoapVersion::k12);
}

TEST(WsdlTest, EveryOperationMustBeThere) {
  std::string text = absl::StrReplaceAll(
      Fixture("dotnet"), {{"name=\"SolutionPack_PublishAbort\"", "name=\"SolutionPack_Other\""}});
  absl::Status status = Refusal(text);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("test.wsdl"), HasSubstr("SolutionPack_PublishAbort"),
                    HasSubstr("no such operation")));
}

TEST(WsdlTest, AnOperationWithoutASoapBindingIsNamed) {
  // The operation declared in the port type, bound nowhere (only an HttpGet binding).
  std::string text = Fixture("dotnet");
  for (const std::string binding : {"Soap", "Soap12"}) {
    const std::string open =
        absl::StrCat("<wsdl:binding name=\"PlatformServices_v8_0_0", binding, "\"");
    const size_t at = text.find(open);
    ASSERT_NE(at, std::string::npos);
    const size_t op = text.find("<wsdl:operation name=\"Modules_Get\"", at);
    const size_t end = text.find("</wsdl:operation>", op) + std::string("</wsdl:operation>").size();
    text.erase(op, end - op);
  }
  absl::Status status = Refusal(text);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("Modules_Get"), HasSubstr("no SOAP 1.1 or 1.2 binding binds it")));
}

TEST(WsdlTest, ArrayOfDetectionAndItsAmbiguity) {
  // A direct repeated output (no ArrayOf container): the items sit in the response.
  std::string text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{R"(<s:element minOccurs="0" maxOccurs="1" name="Modules_GetResult" type="tns:ArrayOfCS_Module" />)",
        R"(<s:element minOccurs="0" maxOccurs="unbounded" name="Module" type="tns:CS_Module" />)"}});
  const Wire direct = Parsed(text);
  EXPECT_THAT(direct.modules_get.list_path, IsEmpty());
  EXPECT_EQ(direct.modules_get.item, "Module");
  // Two lists: which one holds the modules cannot be told.
  text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{R"(name="Modules_GetResult" type="tns:ArrayOfCS_Module" />)",
        R"(name="Modules_GetResult" type="tns:ArrayOfCS_Module" /><s:element name="Others" type="tns:ArrayOfCS_Module" />)"}});
  EXPECT_THAT(Refusal(text).message(),
              AllOf(HasSubstr("Modules_Get"), HasSubstr("2 array-typed outputs"),
                    HasSubstr("Modules_GetResult/CS_Module"), HasSubstr("Others/CS_Module")));
  // No list at all.
  text = absl::StrReplaceAll(Fixture("dotnet"),
                             {{R"(type="tns:ArrayOfCS_Module")", R"(type="s:string")"}});
  EXPECT_THAT(Refusal(text).message(),
              AllOf(HasSubstr("Modules_Get"), HasSubstr("no array-typed output")));
}

TEST(WsdlTest, ThePageNeedsOneBooleanAndAtMostOneInteger) {
  std::string text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{R"(name="finished" type="s:boolean")", R"(name="finished" type="s:string")"}});
  EXPECT_THAT(Refusal(text).message(),
              AllOf(HasSubstr("SolutionPack_GetPublishMessages"), HasSubstr("0 boolean outputs")));
  text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{R"(name="lastMessageId" type="s:int" />)",
        R"(name="lastMessageId" type="s:int" /><s:element name="n" type="s:long" />)"}});
  EXPECT_THAT(Refusal(text).message(), HasSubstr("2 integer outputs"));
}

TEST(WsdlTest, InputsAreCountedBecauseTheyAreTakenByPosition) {
  std::string text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{R"(<s:element minOccurs="1" maxOccurs="1" name="afterMessageId" type="s:int" />)", ""}});
  EXPECT_THAT(Refusal(text).message(),
              AllOf(HasSubstr("SolutionPack_GetPublishMessages"), HasSubstr("takes 3 input(s)"),
                    HasSubstr("user, password, publish id, after message id")));
}

TEST(WsdlTest, TextThatIsNotAWsdl) {
  EXPECT_THAT(Refusal("<html><body>Service Center</body></html>").message(),
              HasSubstr("is not a WSDL (its root element is <html>"));
  EXPECT_THAT(Refusal("not xml at all").message(), HasSubstr("is not XML"));
  EXPECT_FALSE(LooksLikeWsdl("<html/>"));
  EXPECT_TRUE(LooksLikeWsdl(Fixture("soap12")));
}

TEST(WsdlTest, TheEndpointKeepsTheWsdlsPathOnly) {
  const std::string text = absl::StrReplaceAll(
      Fixture("dotnet"),
      {{"http://dc01.corp.example.com/ServiceCenter/PlatformServices_v8_0_0.asmx",
        "https://elsewhere:8443/sc/PlatformServices_v8_0_0.asmx"}});
  const Wire wire = Parsed(text);
  EXPECT_EQ(wire.modules_get.path, "/sc/PlatformServices_v8_0_0.asmx");
  const PostRequest r =
      ModulesGetRequest("http://127.0.0.1:8080/ServiceCenter", {"u", "#p"}, wire.modules_get);
  EXPECT_EQ(r.url, "http://127.0.0.1:8080/sc/PlatformServices_v8_0_0.asmx");
}

// Requests built from the model: the WSDL's names, filled by position.
TEST(WsdlTest, RequestsCarryTheWsdlsNamesByPosition) {
  const Wire wire = Parsed(Fixture("outsystems"));
  const PostRequest r = GetPublishMessagesRequest("http://dc01", {"admin", "#secret"}, "42", 7,
                                                  wire.get_publish_messages);
  EXPECT_THAT(r.headers, Contains("SOAPAction: \"http://www.outsystems.com/PlatformServices_v8_0_0/"
                                  "SolutionPack_GetPublishMessages\""));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(r.body.c_str()));
  const pugi::xml_node op = doc.document_element().first_child().first_child();
  EXPECT_STREQ(op.name(), "SolutionPack_GetPublishMessages");
  EXPECT_STREQ(op.attribute("xmlns").value(), "http://www.outsystems.com");
  EXPECT_STREQ(op.child("UserName").text().get(), "admin");
  EXPECT_STREQ(op.child("Password").text().get(), "#secret");
  EXPECT_STREQ(op.child("PublishId").text().get(), "42");
  EXPECT_STREQ(op.child("AfterId").text().get(), "7");

  const Wire soap12 = Parsed(Fixture("soap12"));
  const PostRequest abort =
      PublishAbortRequest("http://dc01", {"admin", "#secret"}, "42", soap12.publish_abort);
  EXPECT_THAT(abort.headers, ElementsAre("Content-Type: application/soap+xml; charset=utf-8; "
                                         "action=\"urn:outsystems:PlatformServices:"
                                         "SolutionPack_PublishAbort\""));
  EXPECT_THAT(abort.body, HasSubstr("http://www.w3.org/2003/05/soap-envelope"));
}

TEST(WsdlTest, UnqualifiedInputsHaveNoNamespace) {
  OperationWire op = ConventionalWire().modules_get;
  op.qualified_inputs = false;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(SoapEnvelope(op, {"u", "p"}).c_str()));
  const pugi::xml_node request = doc.document_element().first_child().first_child();
  EXPECT_STREQ(request.name(), "op:Modules_Get");
  EXPECT_STREQ(request.attribute("xmlns:op").value(), "http://www.outsystems.com");
  EXPECT_STREQ(request.child("username").text().get(), "u");
}

std::string Envelope(const std::string& body) {
  return absl::StrCat(R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">)",
                      "<soap:Body>", body, "</soap:Body></soap:Envelope>");
}

// Replies read where the model says: with and without a Result element.
TEST(WsdlTest, RepliesWithoutAResultElement) {
  const Wire wire = Parsed(Fixture("outsystems"));
  absl::StatusOr<std::vector<ScModule>> modules = ParseModulesGetResponse(
      Envelope(R"(<Modules_GetResponse xmlns="http://www.outsystems.com"><Modules>)"
               "<Module><Name>Home</Name><Key>k1</Key><Kind>eSpace</Kind><StatusMessages>"
               "<StatusMessage><Id>6</Id><Message>outdated</Message></StatusMessage>"
               "</StatusMessages></Module></Modules></Modules_GetResponse>"),
      wire.modules_get);
  ASSERT_OK(modules);
  ASSERT_EQ(modules->size(), 1u);
  EXPECT_EQ((*modules)[0].name, "Home");
  EXPECT_EQ((*modules)[0].status_messages[0].id, 6);

  absl::StatusOr<PublishMessagesPage> page = ParsePublishMessagesResponse(
      Envelope(R"(<SolutionPack_GetPublishMessagesResponse xmlns="http://www.outsystems.com">)"
               "<Messages><Message><Id>3</Id><Type>Error</Type><Message>boom</Message>"
               "<Detail>why</Detail></Message></Messages><LastMessageId>3</LastMessageId>"
               "<Finished>false</Finished></SolutionPack_GetPublishMessagesResponse>"),
      wire.get_publish_messages);
  ASSERT_OK(page);
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].type, PublishMessageType::kError);
  EXPECT_EQ(page->messages[0].message, "boom");
  EXPECT_EQ(page->last_message_id, 3);
  EXPECT_FALSE(page->finished);
}

TEST(WsdlTest, RepliesInsideAResultWrapper) {
  const Wire wire = Parsed(Fixture("soap12"));
  absl::StatusOr<PublishMessagesPage> page = ParsePublishMessagesResponse(
      Envelope("<SolutionPack_GetPublishMessagesResponse><SolutionPack_GetPublishMessagesResult>"
               "<Messages><PublishMessage><Id>9</Id><Type>Info</Type><Message>done</Message>"
               "</PublishMessage></Messages><LastMessageId>9</LastMessageId>"
               "<Finished>true</Finished></SolutionPack_GetPublishMessagesResult>"
               "</SolutionPack_GetPublishMessagesResponse>"),
      wire.get_publish_messages);
  ASSERT_OK(page);
  EXPECT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->last_message_id, 9);
  EXPECT_TRUE(page->finished);
}

// The silent failure: a reply whose list is elsewhere is an error, never "0 messages,
// finished".
TEST(WsdlTest, APageWhoseListIsMissingIsAnError) {
  const Wire wire = Parsed(Fixture("outsystems"));
  // What a dotnet-style reply looks like to an outsystems-dialect reader, and vice versa.
  absl::Status status =
      ParsePublishMessagesResponse(
          Envelope(
              "<SolutionPack_GetPublishMessagesResponse><SolutionPack_GetPublishMessagesResult>"
              "<PublishMessage><Id>1</Id><Type>Error</Type></PublishMessage>"
              "</SolutionPack_GetPublishMessagesResult><lastMessageId>1</lastMessageId>"
              "<finished>true</finished></SolutionPack_GetPublishMessagesResponse>"),
          wire.get_publish_messages)
          .status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(status.message(), AllOf(HasSubstr("has no <SolutionPack_GetPublishMessagesResponse>/"
                                                "Messages"),
                                      HasSubstr("not reading it as \"no messages\"")));
  status = ParsePublishMessagesResponse(
               Envelope("<SolutionPack_GetPublishMessagesResponse><Messages><Message><Id>1</Id>"
                        "</Message></Messages><Finished>true</Finished>"
                        "</SolutionPack_GetPublishMessagesResponse>"))
               .status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  // Items of another name than the WSDL's are not skipped in silence either.
  status = ParsePublishMessagesResponse(
               Envelope("<SolutionPack_GetPublishMessagesResponse><Messages><Other><Id>1</Id>"
                        "</Other></Messages><Finished>true</Finished>"
                        "</SolutionPack_GetPublishMessagesResponse>"),
               wire.get_publish_messages)
               .status();
  EXPECT_THAT(status.message(), HasSubstr("holds <Other> in its list"));
}

TEST(WsdlTest, ConventionsAreTodaysNames) {
  const Wire wire = ConventionalWire();
  EXPECT_EQ(wire.source, "conventions");
  EXPECT_EQ(wire.get_publish_messages.action,
            "http://www.outsystems.com/SolutionPack_GetPublishMessages");
  EXPECT_THAT(wire.get_publish_messages.inputs,
              ElementsAre("username", "password", "publishId", "afterMessageId"));
  EXPECT_THAT(DescribeOperation(wire.modules_get),
              AllOf(HasSubstr("Modules_Get: SOAP 1.1"), HasSubstr("(username, password)"),
                    HasSubstr("list Modules_GetResult/*")));
}

}  // namespace
}  // namespace osfleet::agent::sc_wire
