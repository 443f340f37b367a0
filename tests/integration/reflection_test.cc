// Server reflection as grpcurl and grpcui use it (issue 24): everything the client knows
// comes from the agent's reflection, in both protocol versions (grpc.reflection.v1, which
// current tools try first, and v1alpha): list, describe (grpc.health.v1.Health included),
// call each service's read-only method with GenericStub on serialized bytes, and a stream
// used for many requests answering each exactly once.
#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/model/revision.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/integration/reflection_client.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

const std::vector<std::string> kServed = {"osfleet.v1.Agent",
                                          "osfleet.v1.Endpoints",
                                          "osfleet.v1.Services",
                                          "osfleet.v1.ServiceCenter",
                                          "grpc.health.v1.Health",
                                          "grpc.reflection.v1.ServerReflection",
                                          "grpc.reflection.v1alpha.ServerReflection"};

// A field of a reflected message as text: strings as they are, enums by name, repeated
// fields by count, "<missing NAME>" when the descriptor has no such field.
std::string FieldText(const Message& m, const std::string& name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr) return "<missing " + name + ">";
  const google::protobuf::Reflection* r = m.GetReflection();
  if (f->is_repeated()) return std::to_string(r->FieldSize(m, f));
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return r->GetString(m, f);
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) return r->GetEnum(m, f)->name();
  return "<not text " + name + ">";
}

class ReflectionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    WriteFile(dir + "/agent.yaml",
              "services:\n  - name: OutSystems Scheduler Service\n    backend: command\n"
              "    start: \"true\"\n    stop: \"true\"\n    status: \"exit 3\"\n");
    AgentOptions options;
    options.extra_args = {"--config", dir + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    channel_ = grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials());
  }

  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_P(ReflectionTest, ListsDescribesAndCallsEveryServiceByReflectionAlone) {
  ReflectedServer server(channel_, GetParam());
  absl::StatusOr<std::vector<std::string>> names = server.ListServices();
  ASSERT_OK(names);
  EXPECT_THAT(*names, UnorderedElementsAreArray(kServed));
  for (const std::string& name : *names) {
    absl::StatusOr<const google::protobuf::ServiceDescriptor*> service = server.Describe(name);
    ASSERT_OK(service) << name;
    EXPECT_GT((*service)->method_count(), 0) << name;
  }
  struct Read {
    std::string service, method, field, want;
  };
  const std::vector<Read> reads = {
      {"osfleet.v1.Agent", "GetInfo", "name", "dc01"},
      {"osfleet.v1.Endpoints", "Get", "revision", Sha256Hex(ReadFile(agent_->hsconf()))},
      {"osfleet.v1.Services", "List", "services", "1"},
      {"grpc.health.v1.Health", "Check", "status", "SERVING"},
  };
  for (const Read& read : reads) {
    SCOPED_TRACE(read.service + "/" + read.method);
    absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
        server.Describe(read.service);
    ASSERT_OK(service);
    const google::protobuf::MethodDescriptor* method = (*service)->FindMethodByName(read.method);
    ASSERT_NE(method, nullptr);
    absl::StatusOr<std::unique_ptr<Message>> answer = server.Call(method, "");
    ASSERT_OK(answer);
    EXPECT_EQ(FieldText(**answer, read.field), read.want) << (*answer)->DebugString();
    // Every byte of the answer is described by the reflected descriptors.
    EXPECT_EQ((*answer)->GetReflection()->GetUnknownFields(**answer).field_count(), 0)
        << (*answer)->DebugString();
  }
  const google::protobuf::ServiceDescriptor* phase = *server.Describe("osfleet.v1.ServiceCenter");
  ASSERT_NE(phase->FindMethodByName("RunPhase"), nullptr);
  EXPECT_TRUE(phase->FindMethodByName("RunPhase")->server_streaming());
  // What grpcurl describes for a call: the imported well-known types came by reflection too.
  EXPECT_TRUE(server.files().count("google/protobuf/duration.proto") > 0);
}

TEST_P(ReflectionTest, DescribesTheHealthService) {
  ReflectedServer server(channel_, GetParam());
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> health =
      server.Describe("grpc.health.v1.Health");
  ASSERT_OK(health);
  const google::protobuf::MethodDescriptor* check = (*health)->FindMethodByName("Check");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->input_type()->full_name(), "grpc.health.v1.HealthCheckRequest");
  ASSERT_NE(check->output_type()->FindFieldByName("status"), nullptr);
  EXPECT_NE(
      check->output_type()->FindFieldByName("status")->enum_type()->FindValueByName("NOT_SERVING"),
      nullptr);
  ASSERT_NE((*health)->FindMethodByName("Watch"), nullptr);
  EXPECT_TRUE((*health)->FindMethodByName("Watch")->server_streaming());
  EXPECT_EQ(server.files().count("grpc/health/v1/health.proto"), 1u);
}

refl::ServerReflectionRequest Request(const std::string& text) {
  refl::ServerReflectionRequest r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &r)) << text;
  return r;
}

// All requests written first, then read: exactly one answer per request, in order, each
// holding only its own answer (gRPC 1.51's plugin added each answer to the ones before).
TEST_P(ReflectionTest, AReusedStreamAnswersEachRequestExactlyOnce) {
  using Case = refl::ServerReflectionResponse::MessageResponseCase;
  const std::vector<std::pair<std::string, Case>> asked = {
      {"list_services: '*'", Case::kListServicesResponse},
      {"list_services: '*'", Case::kListServicesResponse},
      {"file_containing_symbol: 'osfleet.v1.Endpoints'", Case::kFileDescriptorResponse},
      {"file_containing_symbol: 'osfleet.v1.Endpoints'", Case::kFileDescriptorResponse},
      {"file_by_filename: 'osfleet/v1/types.proto'", Case::kFileDescriptorResponse},
      {"file_containing_symbol: 'no.such.Symbol'", Case::kErrorResponse},
      {"host: 'dc01'", Case::kErrorResponse},
      {"all_extension_numbers_of_type: 'osfleet.v1.AgentInfo'", Case::kAllExtensionNumbersResponse},
      {"list_services: ''", Case::kListServicesResponse},
  };
  std::unique_ptr<ReflectionStream> stream = OpenReflection(channel_, GetParam());
  for (const auto& [text, _] : asked) ASSERT_TRUE(stream->Write(Request(text))) << text;
  ASSERT_TRUE(stream->WritesDone());
  std::vector<refl::ServerReflectionResponse> answers;
  for (refl::ServerReflectionResponse r; stream->Read(&r);) answers.push_back(r);
  ASSERT_OK(stream->Finish());
  ASSERT_EQ(answers.size(), asked.size());
  for (size_t i = 0; i < asked.size(); ++i) {
    SCOPED_TRACE(asked[i].first);
    EXPECT_TRUE(MessageDifferencer::Equals(answers[i].original_request(), Request(asked[i].first)));
    EXPECT_EQ(answers[i].message_response_case(), asked[i].second);
  }
  // The same request twice in a row gets the same answer twice, not a doubled one.
  EXPECT_EQ(answers[0].list_services_response().service_size(), kServed.size());
  EXPECT_TRUE(MessageDifferencer::Equals(answers[0].list_services_response(),
                                         answers[1].list_services_response()));
  EXPECT_TRUE(MessageDifferencer::Equals(answers[2], answers[3]));
  EXPECT_EQ(answers[2].file_descriptor_response().file_descriptor_proto(0).size(),
            answers[3].file_descriptor_response().file_descriptor_proto(0).size());
  EXPECT_EQ(answers[4].file_descriptor_response().file_descriptor_proto_size(), 1);
  EXPECT_EQ(answers[5].error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(answers[5].error_response().error_message(), HasSubstr("\"no.such.Symbol\""));
  EXPECT_EQ(answers[6].error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(answers[6].valid_host(), "dc01");
  EXPECT_EQ(answers[7].all_extension_numbers_response().base_type_name(), "osfleet.v1.AgentInfo");
  EXPECT_TRUE(MessageDifferencer::Equals(answers[0].list_services_response(),
                                         answers[8].list_services_response()));
}

// Reflection and health are admitted as they always were: by the transport alone (no
// role, no call slot), so a certificate of the fleet CA without an osfleet role can read
// them but still call nothing of ours.
TEST(ReflectionOverMtlsTest, AnyFleetCertificateReadsReflectionButRolesStillRuleTheRpcs) {
  TempDir tmp;
  OpensslPki pki(tmp.Sub("pki"), "fleet-ca");
  pki.Issue("dc01", "osfleet:agent");
  pki.Issue("viewer", "osfleet:viewer");
  pki.Issue("nobody", "ops");
  AgentOptions options;
  options.insecure = false;
  options.extra_args = {"--tls-cert",         pki.Path("dc01.pem"), "--tls-key",
                        pki.Path("dc01.key"), "--tls-ca",           pki.Path("ca.pem")};
  Agent agent(tmp.Sub("dc01"), options);
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  for (const std::string who : {"viewer", "nobody"}) {
    SCOPED_TRACE(who);
    ReflectedServer server(pki.Channel(who, agent.address(), "dc01"), "v1");
    absl::StatusOr<std::vector<std::string>> names = server.ListServices();
    ASSERT_OK(names);
    EXPECT_THAT(*names, UnorderedElementsAreArray(kServed));
    absl::StatusOr<const google::protobuf::ServiceDescriptor*> health =
        server.Describe("grpc.health.v1.Health");
    ASSERT_OK(health);
    absl::StatusOr<std::unique_ptr<Message>> check =
        server.Call((*health)->FindMethodByName("Check"), "");
    ASSERT_OK(check);
    EXPECT_EQ(FieldText(**check, "status"), "SERVING");
    absl::StatusOr<const google::protobuf::ServiceDescriptor*> agent_service =
        server.Describe("osfleet.v1.Agent");
    ASSERT_OK(agent_service);
    absl::StatusOr<std::unique_ptr<Message>> info =
        server.Call((*agent_service)->FindMethodByName("GetInfo"), "");
    if (who == "viewer") {
      ASSERT_OK(info);
      EXPECT_EQ(FieldText(**info, "name"), "dc01");
    } else {
      EXPECT_THAT(info, StatusIs(absl::StatusCode::kPermissionDenied));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, ReflectionTest, ::testing::Values("v1", "v1alpha"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace osfleet::testing
