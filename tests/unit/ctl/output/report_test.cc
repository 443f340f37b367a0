#include "ctl/output/report.h"

#include <string>

#include "common/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet::ctl {
namespace {

using ::testing::HasSubstr;

constexpr char kFffd[] = "\xEF\xBF\xBD";

// An agent (an old one, or not ours) sending a status message that is not UTF-8: osctl's
// JSON and text stay valid, and nothing throws.
TEST(ReportTest, StatusTextAndJsonAreValidUtf8) {
  const grpc::Status status(grpc::StatusCode::FAILED_PRECONDITION, "start: \xFF\xFE caf\xC3");
  EXPECT_EQ(StatusText(status),
            absl::StrCat("FAILED_PRECONDITION: start: ", kFffd, kFffd, " caf", kFffd));
  const nlohmann::json j = StatusJson(status);
  EXPECT_EQ(j["message"], absl::StrCat("start: ", kFffd, kFffd, " caf", kFffd));
}

TEST(ReportTest, PrintJsonAndPrintOutNeverThrowAndPrintValidUtf8) {
  ::testing::internal::CaptureStdout();
  PrintJson({{"raw", "caf\xE9"}}, OutputFormat::kJsonl);
  PrintOut("line \xFF\n");
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(IsValidUtf8(out)) << out;
  EXPECT_EQ(out, absl::StrCat("{\"raw\":\"caf", kFffd, "\"}\nline ", kFffd, "\n"));
}

TEST(ReportTest, ProtoToJsonOfAServiceEvent) {
  v1::ServiceEvent event;
  event.set_service("OutSystems Scheduler Service");
  event.set_detail("S\xC3\xA3o Paulo");
  const nlohmann::json j = ProtoToJson(event);
  EXPECT_EQ(j["service"], "OutSystems Scheduler Service");
  EXPECT_EQ(j["detail"], "S\xC3\xA3o Paulo");
}

}  // namespace
}  // namespace osfleet::ctl
