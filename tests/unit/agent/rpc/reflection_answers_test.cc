#include "agent/rpc/reflection_answers.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <set>

#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Case = reflection::ServerReflectionResponse::MessageResponseCase;

reflection::ServerReflectionResponse Ask(const ReflectionAnswers& answers,
                                         void (*fill)(reflection::ServerReflectionRequest*)) {
  reflection::ServerReflectionRequest request;
  request.set_host("dc01");
  fill(&request);
  return answers.Answer(request);
}

std::vector<std::string> FileNames(const reflection::ServerReflectionResponse& r) {
  std::vector<std::string> names;
  for (const std::string& bytes : r.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(file.ParseFromString(bytes));
    names.push_back(file.name());
  }
  return names;
}

TEST(ReflectionAnswersTest, ListsTheServicesItWasGiven) {
  (void)v1::GetEndpointsRequest::descriptor();  // endpoints.proto linked in
  ReflectionAnswers answers({"osfleet.v1.Endpoints", "grpc.health.v1.Health"});
  auto r = Ask(answers, [](auto* q) { q->set_list_services("*"); });
  ASSERT_EQ(r.message_response_case(), Case::kListServicesResponse);
  ASSERT_EQ(r.list_services_response().service_size(), 2);
  EXPECT_EQ(r.list_services_response().service(1).name(), "grpc.health.v1.Health");
  EXPECT_EQ(r.valid_host(), "dc01");
  EXPECT_EQ(r.original_request().list_services(), "*");
}

TEST(ReflectionAnswersTest, SendsTheFileFirstThenEachImportOnce) {
  ReflectionAnswers answers({});
  auto r = Ask(answers, [](auto* q) { q->set_file_containing_symbol("osfleet.v1.Endpoints.Set"); });
  std::vector<std::string> names = FileNames(r);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "osfleet/v1/endpoints.proto");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_THAT(names, ::testing::Contains("osfleet/v1/types.proto"));
  auto by_name = Ask(answers, [](auto* q) { q->set_file_by_filename("osfleet/v1/types.proto"); });
  EXPECT_THAT(FileNames(by_name), ElementsAre("osfleet/v1/types.proto"));
}

TEST(ReflectionAnswersTest, UnknownNamesAreNotFoundAndNamed) {
  ReflectionAnswers answers({});
  auto symbol = Ask(answers, [](auto* q) { q->set_file_containing_symbol("osfleet.v1.Nope"); });
  EXPECT_EQ(symbol.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(symbol.error_response().error_message(),
            "symbol \"osfleet.v1.Nope\" is not known to this agent");
  auto file = Ask(answers, [](auto* q) { q->set_file_by_filename("x.proto"); });
  EXPECT_THAT(file.error_response().error_message(), HasSubstr("file \"x.proto\""));
  auto ext = Ask(answers, [](auto* q) {
    q->mutable_file_containing_extension()->set_containing_type("osfleet.v1.AgentInfo");
    q->mutable_file_containing_extension()->set_extension_number(99);
  });
  EXPECT_THAT(ext.error_response().error_message(), HasSubstr("no extension number 99"));
  auto long_name = Ask(answers, [](auto* q) { q->set_file_by_filename(std::string(5000, 'a')); });
  EXPECT_LT(long_name.error_response().error_message().size(), 300u);
  EXPECT_THAT(long_name.error_response().error_message(), HasSubstr("(5000 bytes)"));
}

TEST(ReflectionAnswersTest, ExtensionNumbersOfAKnownTypeAndAnEmptyRequest) {
  ReflectionAnswers answers({});
  auto numbers =
      Ask(answers, [](auto* q) { q->set_all_extension_numbers_of_type("osfleet.v1.AgentInfo"); });
  ASSERT_EQ(numbers.message_response_case(), Case::kAllExtensionNumbersResponse);
  EXPECT_EQ(numbers.all_extension_numbers_response().base_type_name(), "osfleet.v1.AgentInfo");
  EXPECT_EQ(numbers.all_extension_numbers_response().extension_number_size(), 0);
  auto empty = Ask(answers, [](auto*) {});
  EXPECT_EQ(empty.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_response().error_message(), HasSubstr("asks nothing"));
}

}  // namespace
}  // namespace osfleet::agent
