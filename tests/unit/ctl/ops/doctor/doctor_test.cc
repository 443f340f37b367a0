// osctl doctor's own rows: the clock skew corrected by the network's half of the round trip,
// its thresholds, osctl's certificate with an injected time, and the agent's rows as read.
#include "ctl/ops/doctor/doctor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::ctl {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// The agent answered 1 s into a 4 s round trip of which it worked 2 s: the network took
// 2 s, 1 s each way, so osctl's clock read received - 1 s when the agent read its own.
TEST(DoctorTest, SkewTakesTheChecksOutOfTheRoundTrip) {
  const absl::Time received = kT0 + absl::Seconds(4);
  EXPECT_EQ(ClockSkew(received - absl::Seconds(1), received, absl::Seconds(4), absl::Seconds(2)),
            absl::ZeroDuration());
  EXPECT_EQ(ClockSkew(received + absl::Seconds(59), received, absl::Seconds(4), absl::Seconds(2)),
            absl::Minutes(1));
  EXPECT_EQ(ClockSkew(received - absl::Seconds(41), received, absl::Seconds(4), absl::Seconds(2)),
            absl::Seconds(-40));
  // Work reported longer than the round trip (clocks tick differently): no network share.
  EXPECT_EQ(ClockSkew(received, received, absl::Seconds(1), absl::Seconds(2)),
            absl::ZeroDuration());
}

// warn over 30 s, fail over 5 min, either way.
TEST(DoctorTest, SkewThresholds) {
  const absl::Duration rtt = absl::Milliseconds(20);
  EXPECT_EQ(SkewRow("fe01", absl::Seconds(30), rtt, rtt).verdict, Verdict::kOk);
  EXPECT_EQ(SkewRow("fe01", absl::Seconds(-31), rtt, rtt).verdict, Verdict::kWarn);
  EXPECT_EQ(SkewRow("fe01", absl::Minutes(5), rtt, rtt).verdict, Verdict::kWarn);
  const DoctorRow fail = SkewRow("fe01", absl::Minutes(5) + absl::Seconds(1), rtt, rtt);
  EXPECT_EQ(fail.verdict, Verdict::kFail);
  EXPECT_EQ(fail.check, "clock.skew");
  EXPECT_EQ(fail.server, "fe01");
  EXPECT_THAT(fail.reason, HasSubstr("agent clock ahead of osctl's by 301.000 s"));
  EXPECT_THAT(SkewRow("fe01", absl::Seconds(-2), rtt, rtt).reason,
              HasSubstr("agent clock behind osctl's by 2.000 s"));
}

TEST(DoctorTest, OsctlCertificateDaysLeft) {
  ConnectionOptions tls;
  tls.tls.cert = "/pki/tester.pem";
  const CertificateValidity v{kT0, kT0 + absl::Hours(24 * 100)};
  DoctorRow row = OsctlCertificateRow(tls, v, kT0);
  EXPECT_EQ(row.server, "osctl");
  EXPECT_EQ(row.check, "osctl.certificate");
  EXPECT_EQ(row.verdict, Verdict::kOk);
  EXPECT_THAT(row.reason, HasSubstr("/pki/tester.pem valid until "));
  EXPECT_THAT(row.reason, HasSubstr("(100 days left)"));
  EXPECT_EQ(OsctlCertificateRow(tls, v, kT0 + absl::Hours(24 * 71)).verdict, Verdict::kWarn);
  EXPECT_EQ(OsctlCertificateRow(tls, v, kT0 + absl::Hours(24 * 101)).verdict, Verdict::kFail);
  EXPECT_EQ(OsctlCertificateRow(tls, absl::InvalidArgumentError("not PEM"), kT0).verdict,
            Verdict::kFail);
  ConnectionOptions insecure;
  insecure.insecure = true;
  EXPECT_EQ(OsctlCertificateRow(insecure, CertificateValidity{}, kT0).verdict, Verdict::kOk);
}

TEST(DoctorTest, AgentRowsAsSentAndAnUnknownLevelFails) {
  v1::CheckResponse response;
  v1::CheckResult* ok = response.add_results();
  ok->set_check("hsconf.parsed");
  ok->set_level(v1::CHECK_LEVEL_OK);
  ok->set_reason("fine");
  v1::CheckResult* odd = response.add_results();
  odd->set_check("future.check");
  const std::vector<DoctorRow> rows = AgentRows("dc01", response);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].server, "dc01");
  EXPECT_EQ(rows[0].verdict, Verdict::kOk);
  EXPECT_EQ(rows[1].verdict, Verdict::kFail);
  EXPECT_EQ(Worst(rows), Verdict::kFail);
  EXPECT_EQ(Worst({rows[0]}), Verdict::kOk);
  EXPECT_EQ(Worst({}), Verdict::kOk);
}

}  // namespace
}  // namespace osfleet::ctl
