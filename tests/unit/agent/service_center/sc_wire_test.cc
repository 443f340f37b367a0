// The Service Center wire format: requests built, answers read leniently, no sockets.
#include "agent/service_center/sc_wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agent/service_center/command_driver.h"
#include "common/text/utf8.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent::sc_wire {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const Credentials kCredentials{"admin", "#s3cr3t<&>hash"};

std::string Envelope11(const std::string& body) {
  return absl::StrCat(R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope )",
                      R"(xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" )",
                      R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>)", body,
                      "</soap:Body></soap:Envelope>");
}

std::string Envelope12(const std::string& body) {
  return absl::StrCat(R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">)",
                      "<env:Body>", body, "</env:Body></env:Envelope>");
}

// The text of the operation's parameter `name` in an envelope we built.
std::string Param(const std::string& envelope, const std::string& name) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(envelope.c_str()));
  const pugi::xml_node op = doc.document_element().first_child().first_child();
  return op.child(name.c_str()).text().get();
}

TEST(ScWireTest, BuildsSoap11ModulesGet) {
  const PostRequest r = ModulesGetRequest("https://dc01.example.com/", kCredentials);
  EXPECT_EQ(r.url, "https://dc01.example.com/ServiceCenter/PlatformServices_v8_0_0.asmx");
  EXPECT_EQ(r.operation, "Modules_Get");
  EXPECT_THAT(r.headers, Contains("Content-Type: text/xml; charset=utf-8"));
  EXPECT_THAT(r.headers, Contains("SOAPAction: \"http://www.outsystems.com/Modules_Get\""));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(r.body.c_str()));
  const pugi::xml_node envelope = doc.document_element();
  EXPECT_STREQ(envelope.name(), "soap:Envelope");
  EXPECT_STREQ(envelope.attribute("xmlns:soap").value(),
               "http://schemas.xmlsoap.org/soap/envelope/");
  const pugi::xml_node op = envelope.child("soap:Body").child("Modules_Get");
  ASSERT_TRUE(op);
  EXPECT_STREQ(op.attribute("xmlns").value(), "http://www.outsystems.com");
  EXPECT_STREQ(op.child("username").text().get(), "admin");
  EXPECT_STREQ(op.child("password").text().get(), "#s3cr3t<&>hash");
  EXPECT_THAT(r.body, HasSubstr("#s3cr3t&lt;&amp;&gt;hash"));  // escaped on the wire
}

TEST(ScWireTest, TheServiceCenterUrlAsAdministratorsKnowItNamesTheSameServer) {
  for (const char* url :
       {"https://dc01.example.com", "https://dc01.example.com/",
        "https://dc01.example.com/ServiceCenter", "https://dc01.example.com/servicecenter/"}) {
    EXPECT_EQ(ModulesGetRequest(url, kCredentials).url,
              "https://dc01.example.com/ServiceCenter/PlatformServices_v8_0_0.asmx")
        << url;
    EXPECT_EQ(ServerPart(url), "https://dc01.example.com") << url;
  }
  EXPECT_EQ(ServerPart("https://ServiceCenter"), "https://ServiceCenter") << "a host of that name";
}

TEST(ScWireTest, BuildsSoap12WithActionInContentType) {
  const PostRequest r =
      GetPublishMessagesRequest("http://dc01:8080", kCredentials, "42", 7, SoapVersion::k12);
  EXPECT_THAT(r.headers, ElementsAre("Content-Type: application/soap+xml; charset=utf-8; "
                                     "action=\"http://www.outsystems.com/"
                                     "SolutionPack_GetPublishMessages\""));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(r.body.c_str()));
  EXPECT_STREQ(doc.document_element().attribute("xmlns:soap12").value(),
               "http://www.w3.org/2003/05/soap-envelope");
  EXPECT_EQ(Param(r.body, "publishId"), "42");
  EXPECT_EQ(Param(r.body, "afterMessageId"), "7");
  EXPECT_EQ(Param(r.body, "username"), "admin");
}

TEST(ScWireTest, BuildsPublishAbort) {
  const PostRequest r = PublishAbortRequest("http://dc01", kCredentials, "43");
  EXPECT_EQ(r.operation, "SolutionPack_PublishAbort");
  EXPECT_EQ(Param(r.body, "publishId"), "43");
  EXPECT_THAT(r.headers,
              Contains("SOAPAction: \"http://www.outsystems.com/SolutionPack_PublishAbort\""));
}

TEST(ScWireTest, BuildsRestPublish) {
  const PostRequest r =
      PublishRequest("https://dc01", kCredentials, "osfleet run/1 & more",
                     {{"Home", "k-1", "eSpace", {}}, {"Ext\"1", "k-2", "Extension", {}}});
  EXPECT_EQ(r.url,
            "https://dc01/ServiceCenter/rest/PlatformServices/Staging_PublishWith2StepOption"
            "?StagingName=osfleet%20run%2F1%20%26%20more&TwoStepMode=false");
  EXPECT_THAT(r.headers, Contains(absl::StrCat("Authorization: Basic ",
                                               absl::Base64Escape("admin:#s3cr3t<&>hash"))));
  EXPECT_THAT(r.headers, Contains(HasSubstr("Content-Type: application/json")));
  const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded());
  EXPECT_EQ(body["ApplicationsToUpdate"], nlohmann::json::array());
  ASSERT_EQ(body["ModulesToPublish"].size(), 2u);
  EXPECT_EQ(body["ModulesToPublish"][1]["REST_Module"]["Name"], "Ext\"1");
  EXPECT_EQ(body["ModulesToPublish"][0]["REST_Module"]["Key"], "k-1");
  EXPECT_EQ(body["ModulesToPublish"][0]["REST_Module"]["Kind"], "eSpace");
}

TEST(ScWireTest, ReadsModulesWhateverTheItemNamesAndPrefixes) {
  const std::string xml =
      Envelope12(R"(<os:modules_getresponse xmlns:os="http://www.outsystems.com">)"
                 "<os:Modules_GetResult>"
                 "<os:Module><os:Name>Home</os:Name><os:Key>k1</os:Key><os:Kind>eSpace</os:Kind>"
                 "<os:StatusMessages/></os:Module>"
                 "<Anything><NAME> Ext </NAME><key>k2</key><KIND>Extension</KIND></Anything>"
                 "</os:Modules_GetResult></os:modules_getresponse>");
  absl::StatusOr<std::vector<ScModule>> modules = ParseModulesGetResponse(xml);
  ASSERT_OK(modules);
  ASSERT_EQ(modules->size(), 2u);
  EXPECT_EQ((*modules)[0].name, "Home");
  EXPECT_EQ((*modules)[0].key, "k1");
  EXPECT_EQ((*modules)[1].name, "Ext");
  EXPECT_EQ((*modules)[1].kind, "Extension");
}

// OutSystems.SetupTools filters Modules_Get on StatusMessages.Id (6, 13); the item and
// text element names are not published: any item, its Id and Message, extra fields ignored.
TEST(ScWireTest, ReadsEachModulesStatusMessages) {
  const std::string xml = Envelope11(
      R"(<Modules_GetResponse xmlns="http://www.outsystems.com"><Modules_GetResult>)"
      "<CS_Module><Name>Home</Name><Key>k1</Key><Kind>eSpace</Kind><StatusMessages>"
      "<StatusMessage><Id>6</Id><Message>Outdated references</Message><Extra>x</Extra>"
      "</StatusMessage><CS_StatusMessage><id> 13 </id></CS_StatusMessage>"
      "</StatusMessages></CS_Module>"
      "<CS_Module><Name>Ext</Name><Key>k2</Key><StatusMessages xsi:nil=\"true\"/></CS_Module>"
      "<CS_Module><Name>Other</Name><Key>k3</Key></CS_Module>"
      "</Modules_GetResult></Modules_GetResponse>");
  absl::StatusOr<std::vector<ScModule>> modules = ParseModulesGetResponse(xml);
  ASSERT_OK(modules);
  ASSERT_EQ(modules->size(), 3u);
  const std::vector<ScStatusMessage>& home = (*modules)[0].status_messages;
  ASSERT_EQ(home.size(), 2u);
  EXPECT_EQ(home[0].id, 6);
  EXPECT_EQ(home[0].message, "Outdated references");
  EXPECT_EQ(home[1].id, 13);
  EXPECT_EQ(home[1].message, "");
  EXPECT_TRUE(IsFlagged((*modules)[0]));
  EXPECT_TRUE((*modules)[1].status_messages.empty());
  EXPECT_TRUE((*modules)[2].status_messages.empty());
  EXPECT_FALSE(IsFlagged((*modules)[2]));
}

TEST(ScWireTest, RefusesStatusMessagesWithoutANumericId) {
  for (const std::string status : {"<S><Message>no id</Message></S>", "<S><Id>six</Id></S>"}) {
    absl::Status s =
        ParseModulesGetResponse(
            Envelope11(absl::StrCat(
                "<Modules_GetResponse><Modules_GetResult><M><Name>Home</Name>"
                "<Key>k</Key><StatusMessages>",
                status, "</StatusMessages></M></Modules_GetResult></Modules_GetResponse>")))
            .status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInternal)) << status;
    EXPECT_THAT(s.message(), AllOf(HasSubstr("module Home"), HasSubstr("status message (<S>)")));
  }
}

TEST(ScWireTest, ReadsAnEmptyModuleList) {
  absl::StatusOr<std::vector<ScModule>> modules = ParseModulesGetResponse(
      Envelope11(R"(<Modules_GetResponse xmlns="http://www.outsystems.com"><Modules_GetResult />)"
                 "</Modules_GetResponse>"));
  ASSERT_OK(modules);
  EXPECT_TRUE(modules->empty());
}

TEST(ScWireTest, RefusesModulesOfTheWrongShape) {
  EXPECT_EQ(ParseModulesGetResponse(Envelope11("<Modules_GetResponse/>")).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParseModulesGetResponse(Envelope11("<OtherResponse/>")).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParseModulesGetResponse("<html><body>IIS</body></html>").status().code(),
            absl::StatusCode::kInternal);
  absl::Status no_key =
      ParseModulesGetResponse(Envelope11("<Modules_GetResponse><Modules_GetResult><M><Name>A</Name>"
                                         "</M></Modules_GetResult></Modules_GetResponse>"))
          .status();
  EXPECT_THAT(no_key, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(no_key.message(), HasSubstr("no Name or no Key"));
}

TEST(ScWireTest, MalformedXmlIsDataLoss) {
  const std::string cut = Envelope11("<Modules_GetResponse>").substr(0, 60);
  absl::Status status = ParseModulesGetResponse(cut).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(status.message(), AllOf(HasSubstr("Modules_Get"), HasSubstr("not XML")));
  EXPECT_THAT(ParsePublishMessagesResponse(""), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(ScWireTest, ReadsPublishMessagesAndOutParamsInAnyCase) {
  const std::string xml =
      Envelope11(R"(<SolutionPack_GetPublishMessagesResponse xmlns="http://www.outsystems.com">)"
                 "<SolutionPack_GetPublishMessagesResult>"
                 "<PublishMessage><Id>5</Id><Type>Info</Type><Message>Publishing Home</Message>"
                 "<Detail/></PublishMessage>"
                 "<Msg><id>6</id><type>warning</type><message>Home: 1 warning</message>"
                 "<detail>Deprecated</detail></Msg>"
                 "<Msg><Id>7</Id><Type>Error</Type><Message>boom</Message></Msg>"
                 "<Msg><Id>8</Id><Type>PublishStop</Type></Msg>"
                 "<Msg><Id>9</Id><Type>Verbose</Type></Msg>"
                 "</SolutionPack_GetPublishMessagesResult>"
                 "<LASTMESSAGEID>9</LASTMESSAGEID><Finished>TRUE</Finished>"
                 "</SolutionPack_GetPublishMessagesResponse>");
  absl::StatusOr<PublishMessagesPage> page = ParsePublishMessagesResponse(xml);
  ASSERT_OK(page);
  ASSERT_EQ(page->messages.size(), 5u);
  EXPECT_EQ(page->messages[0].id, 5);
  EXPECT_EQ(page->messages[0].message, "Publishing Home");
  EXPECT_EQ(page->messages[1].type, PublishMessageType::kWarning);
  EXPECT_EQ(page->messages[1].type_text, "warning");
  EXPECT_EQ(page->messages[1].detail, "Deprecated");
  EXPECT_EQ(page->messages[2].type, PublishMessageType::kError);
  EXPECT_EQ(page->messages[3].type, PublishMessageType::kPublishStop);
  EXPECT_EQ(page->messages[4].type, PublishMessageType::kOther);
  EXPECT_EQ(page->last_message_id, 9);
  EXPECT_TRUE(page->finished);
}

TEST(ScWireTest, ReadsAPageWithoutMessages) {
  absl::StatusOr<PublishMessagesPage> page = ParsePublishMessagesResponse(
      Envelope12("<x:SolutionPack_GetPublishMessagesResponse xmlns:x=\"urn:whatever\">"
                 "<x:SolutionPack_GetPublishMessagesResult />"
                 "<x:finished>false</x:finished></x:SolutionPack_GetPublishMessagesResponse>"));
  ASSERT_OK(page);
  EXPECT_TRUE(page->messages.empty());
  EXPECT_FALSE(page->last_message_id.has_value());
  EXPECT_FALSE(page->finished);
}

// Without its list, a page is not "no messages": a failed publication would pass for a
// finished one.
TEST(ScWireTest, RefusesAPageWithoutItsList) {
  absl::Status status =
      ParsePublishMessagesResponse(
          Envelope11("<SolutionPack_GetPublishMessagesResponse><Messages><M><Id>1</Id>"
                     "<Type>Error</Type></M></Messages><finished>true</finished>"
                     "</SolutionPack_GetPublishMessagesResponse>"))
          .status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(status.message(), AllOf(HasSubstr("SolutionPack_GetPublishMessagesResult"),
                                      HasSubstr("not reading it as \"no messages\"")));
}

TEST(ScWireTest, RefusesPagesWithoutFinishedOrWithBadIds) {
  const std::string head =
      "<SolutionPack_GetPublishMessagesResponse><SolutionPack_GetPublishMessagesResult/>";
  const std::string tail = "</SolutionPack_GetPublishMessagesResponse>";
  absl::Status no_finished =
      ParsePublishMessagesResponse(Envelope11(head + "<lastMessageId>1</lastMessageId>" + tail))
          .status();
  EXPECT_THAT(no_finished, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(no_finished.message(), HasSubstr("finished"));
  EXPECT_EQ(ParsePublishMessagesResponse(Envelope11(head + "<finished>maybe</finished>" + tail))
                .status()
                .code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(
      ParsePublishMessagesResponse(
          Envelope11(head + "<lastMessageId>x</lastMessageId><finished>true</finished>" + tail))
          .status()
          .code(),
      absl::StatusCode::kInternal);
}

TEST(ScWireTest, ReadsSoapFaults) {
  const std::string fault11 = Envelope11(
      "<soap:Fault><faultcode>soap:Client</faultcode>"
      "<faultstring>Unknown publishId 9</faultstring><detail/></soap:Fault>");
  const std::string fault12 = Envelope12(
      "<env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason>"
      "<env:Text xml:lang=\"en\">Server was unable to read request</env:Text></env:Reason>"
      "</env:Fault>");
  EXPECT_EQ(SoapFaultText(fault11), "Unknown publishId 9");
  EXPECT_EQ(SoapFaultText(fault12), "Server was unable to read request");
  EXPECT_EQ(SoapFaultText("not xml"), std::nullopt);
  EXPECT_EQ(SoapFaultText(Envelope11("<Modules_GetResponse/>")), std::nullopt);
  absl::Status status = ParsePublishAbortResponse(fault11);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("SolutionPack_PublishAbort"), HasSubstr("Unknown publishId 9")));
  EXPECT_OK(ParsePublishAbortResponse(Envelope11("<SolutionPack_PublishAbortResponse/>")));
}

TEST(ScWireTest, MapsHttpStatuses) {
  EXPECT_OK(CheckHttpStatus("Modules_Get", 200, "", "admin"));
  absl::Status unauthorized = CheckHttpStatus("Modules_Get", 401, "denied", "admin");
  EXPECT_THAT(unauthorized, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(unauthorized.message(),
              HasSubstr("Service Center refused the credentials of user admin"));
  absl::Status fault = CheckHttpStatus(
      "Modules_Get", 500,
      Envelope11("<soap:Fault><faultstring>Invalid login</faultstring></soap:Fault>"), "admin");
  EXPECT_THAT(fault, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(fault.message(), HasSubstr("Invalid login"));
  absl::Status crash = CheckHttpStatus("Modules_Get", 500, "<html>\n\n Runtime Error</html>", "a");
  EXPECT_THAT(crash, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(crash.message(), HasSubstr("HTTP 500: <html> Runtime Error</html>"));
  EXPECT_THAT(CheckHttpStatus("x", 503, "", "a"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CheckHttpStatus("x", 404, "", "a"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckHttpStatus("x", 302, "", "a"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckHttpStatus("x", 403, "", "a"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(CheckHttpStatus("x", 400, "Unknown module 'X'.", "a").code(),
            absl::StatusCode::kInternal);
}

TEST(ScWireTest, ReadsPublishIdInAnyCaseAsNumberOrString) {
  EXPECT_EQ(ParsePublishResponse(R"({"publishId": 42})").value().publish_id, "42");
  EXPECT_EQ(ParsePublishResponse(R"({"PUBLISHID": " 43 "})").value().publish_id, "43");
  EXPECT_EQ(ParsePublishResponse(R"({"Other": 1, "publishid": "44"})").value().publish_id, "44");
  EXPECT_EQ(ParsePublishResponse("45").value().publish_id, "45");
}

// publishId 0 or none: Service Center refused the publish, and says why in Messages,
// each bare or wrapped as REST_PublicationMessage.
TEST(ScWireTest, ReadsARefusedPublish) {
  absl::StatusOr<PublishAnswer> wrapped = ParsePublishResponse(
      R"({"publishId": 0, "Messages": [{"REST_PublicationMessage": {"Message": "Module3 )"
      R"(is broken", "Detail": "fix it"}}, {"rest_publicationmessage": {"message": "no"}}]})");
  ASSERT_OK(wrapped);
  EXPECT_EQ(wrapped->publish_id, "");
  ASSERT_EQ(wrapped->messages.size(), 2u);
  EXPECT_EQ(wrapped->messages[0].message, "Module3 is broken");
  EXPECT_EQ(wrapped->messages[0].detail, "fix it");
  EXPECT_EQ(wrapped->messages[0].type, PublishMessageType::kError);
  EXPECT_EQ(wrapped->messages[1].message, "no");
  absl::StatusOr<PublishAnswer> bare =
      ParsePublishResponse(R"({"messages": [{"Message": "refused", "Detail": "because"}]})");
  ASSERT_OK(bare);
  EXPECT_EQ(bare->publish_id, "");
  ASSERT_EQ(bare->messages.size(), 1u);
  EXPECT_EQ(bare->messages[0].detail, "because");
  EXPECT_EQ(ParsePublishResponse(R"({"publishId": "0"})").value().publish_id, "");
  EXPECT_EQ(ParsePublishResponse(R"({"id": 42})").value().publish_id, "");
  EXPECT_EQ(ParsePublishResponse(R"({"publishId": null})").value().publish_id, "");
}

TEST(ScWireTest, RefusesBadPublishAnswers) {
  absl::Status cut = ParsePublishResponse(R"({"publishId": )").status();
  EXPECT_THAT(cut, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(cut.message(),
              AllOf(HasSubstr("Staging_PublishWith2StepOption"), HasSubstr("not JSON")));
  EXPECT_EQ(ParsePublishResponse(R"({"publishId": "abc"})").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParsePublishResponse(R"({"publishId": 4.5})").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_THAT(ParsePublishResponse("\xff\xfe"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(ScWireTest, ParsesMessageTypes) {
  EXPECT_EQ(ParseMessageType("INFO"), PublishMessageType::kInfo);
  EXPECT_EQ(ParseMessageType(" Error "), PublishMessageType::kError);
  EXPECT_EQ(ParseMessageType("publishstop"), PublishMessageType::kPublishStop);
  EXPECT_EQ(ParseMessageType(""), PublishMessageType::kOther);
}

TEST(ScWireTest, ClassifiesCommandLines) {
  const PublishMessage warning = ClassifyCommandLine("WARNING: Home has 1 warning", 3);
  EXPECT_EQ(warning.type, PublishMessageType::kWarning);
  EXPECT_EQ(warning.message, "Home has 1 warning");
  EXPECT_EQ(warning.id, 3);
  EXPECT_EQ(ClassifyCommandLine("ERROR:boom", 1).type, PublishMessageType::kError);
  EXPECT_EQ(ClassifyCommandLine("  ERROR: not at the start", 1).type, PublishMessageType::kInfo);
  EXPECT_THAT(ClassifyCommandLine("Publishing Home", 1).message, Not(HasSubstr("INFO")));
}

TEST(ScWireTest, TextThatIsNotUtf8BecomesReplacementCharacters) {
  // A Service Center (or a proxy) answering in Windows-1252: "Caf\xE9" and a cut euro sign.
  const std::string xml = Envelope11(
      "<SolutionPack_GetPublishMessagesResponse><SolutionPack_GetPublishMessagesResult>"
      "<M><Id>1</Id><Type>Error</Type><Message>Caf\xE9 failed</Message><Detail>\xE2\x82"
      "</Detail></M></SolutionPack_GetPublishMessagesResult>"
      "<lastMessageId>1</lastMessageId><finished>true</finished>"
      "</SolutionPack_GetPublishMessagesResponse>");
  absl::StatusOr<PublishMessagesPage> page = ParsePublishMessagesResponse(xml);
  ASSERT_OK(page);
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].message, "Caf\xEF\xBF\xBD failed");
  EXPECT_EQ(page->messages[0].detail, "\xEF\xBF\xBD");
  absl::Status bad = ParseModulesGetResponse("<html>\xFF\xFE IIS</html>").status();
  EXPECT_TRUE(IsValidUtf8(bad.message())) << bad.message();
}

}  // namespace
}  // namespace osfleet::agent::sc_wire
