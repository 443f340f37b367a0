// Address flags to EndpointChange: order, empty flags skipped, bad text names its flag.
#include "ctl/fleet/endpoint_addresses.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

TEST(EndpointChangesTest, GivenAddressesInPlatformLogSessionOrder) {
  const std::vector<v1::EndpointChange> changes = EndpointChanges({"SQLP", "", "SQLS,1433"});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].database(), v1::DATABASE_PLATFORM);
  EXPECT_EQ(changes[0].address(), "SQLP");
  EXPECT_EQ(changes[1].database(), v1::DATABASE_SESSION);
  EXPECT_EQ(changes[1].address(), "SQLS,1433");
  EXPECT_TRUE(EndpointChanges({}).empty());
  EXPECT_TRUE(EndpointAddresses{}.empty());
  EXPECT_FALSE((EndpointAddresses{"", "L", ""}.empty()));
}

TEST(EndpointChangesTest, CheckedNamesTheFlagOfABadAddress) {
  absl::StatusOr<std::vector<v1::EndpointChange>> bad =
      CheckedEndpointChanges({"ok", "bad<host", ""});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.status().message(), HasSubstr("--log"));
  absl::StatusOr<std::vector<v1::EndpointChange>> good =
      CheckedEndpointChanges({"SQLP", "SQLL", "SQLS"});
  ASSERT_OK(good);
  EXPECT_EQ(good->size(), 3u);
  EXPECT_EQ((*good)[1].database(), v1::DATABASE_LOGGING);
  // No address at all is not an error here: `probe` then checks the current ones.
  EXPECT_OK(CheckedEndpointChanges({}));
}

TEST(EndpointChangesTest, CheckedValidatesEachAddressAsTheAgentsWould) {
  absl::StatusOr<std::vector<v1::EndpointChange>> slip =
      CheckedEndpointChanges({"sqlp01:1433", "", ""});
  ASSERT_FALSE(slip.ok());
  EXPECT_THAT(slip, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(slip.status().message(),
              HasSubstr("--platform: SQL Server address \"sqlp01:1433\": SQL Server takes the "
                        "port after a comma: host,port; write \"sqlp01,1433\""));
  absl::StatusOr<std::vector<v1::EndpointChange>> pipe =
      CheckedEndpointChanges({"", "", "np:sqls01"});
  ASSERT_FALSE(pipe.ok());
  EXPECT_THAT(pipe.status().message(), HasSubstr("--session: SQL Server address"));
  EXPECT_THAT(pipe.status().message(), HasSubstr("named pipes and shared memory"));
  absl::StatusOr<std::vector<v1::EndpointChange>> oracle =
      CheckedEndpointChanges({"ora01:1521/OSPROD", "[::1],1433", "sql\\INST"});
  ASSERT_OK(oracle);
  EXPECT_EQ((*oracle)[2].address(), "sql\\INST");  // sent as typed
}

}  // namespace
}  // namespace osfleet
