// TNS packets: the CONNECT we build (inline and long form), the listener's answers parsed
// strictly, and every truncated or foreign byte string refused with a precise error.
#include "agent/probe/tns_packet.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent::tns {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

ConnectData Data(const std::string& service) {
  ConnectData data;
  data.service_name = service;
  data.client_host = "APP01";
  data.address_host = "10.0.0.5";
  data.address_port = 1521;
  return data;
}

uint16_t U16(const std::string& bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[at]) << 8) |
                               static_cast<uint8_t>(bytes[at + 1]));
}

const char kRefuseData[] =
    "(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514)(EMFI=4))))";

TEST(TnsDescriptorTest, NamesTheServiceTheProgramAndTheListener) {
  EXPECT_EQ(*BuildConnectDescriptor(Data("OSSVC")),
            "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=OSSVC)(CID=(PROGRAM=osagent)(HOST=APP01)"
            "(USER=osagent)))(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.5)(PORT=1521)))");
  ConnectData by_sid = Data("");
  by_sid.sid = "ORCL";
  EXPECT_THAT(*BuildConnectDescriptor(by_sid), HasSubstr("(CONNECT_DATA=(SID=ORCL)(CID="));
}

TEST(TnsDescriptorTest, RefusesValuesTheSyntaxCannotCarry) {
  EXPECT_THAT(BuildConnectDescriptor(Data("OS)(SID=X")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "TNS CONNECT: the service name holds byte 0x29 at position 3, which a "
                       "connect descriptor cannot carry"));
  EXPECT_THAT(BuildConnectDescriptor(Data("")), StatusIs(absl::StatusCode::kInvalidArgument,
                                                         "TNS CONNECT: the service name is empty"));
  ConnectData host = Data("OSSVC");
  host.address_host = "db host";
  EXPECT_THAT(BuildConnectDescriptor(host), StatusIs(absl::StatusCode::kInvalidArgument,
                                                     HasSubstr("listener host holds byte 0x20")));
  EXPECT_EQ(DescriptorSafe("web(1) é"), "web_1____");
}

TEST(TnsConnectPacketTest, ShortDescriptorTravelsInline) {
  const std::string descriptor = *BuildConnectDescriptor(Data("OSSVC"));
  absl::StatusOr<std::string> packet = BuildConnect(descriptor);
  ASSERT_OK(packet);
  ASSERT_EQ(packet->size(), kConnectDataOffset + descriptor.size());
  EXPECT_EQ(U16(*packet, 0), packet->size());        // length
  EXPECT_EQ(U16(*packet, 2), 0);                     // packet checksum
  EXPECT_EQ(static_cast<uint8_t>((*packet)[4]), 1);  // CONNECT
  EXPECT_EQ(U16(*packet, 8), 314);
  EXPECT_EQ(U16(*packet, 10), 300);
  EXPECT_EQ(U16(*packet, 14), 8192);  // SDU
  EXPECT_EQ(U16(*packet, 24), descriptor.size());
  EXPECT_EQ(U16(*packet, 26), kConnectDataOffset);
  EXPECT_EQ(packet->substr(kConnectDataOffset), descriptor);
  absl::StatusOr<ConnectRequest> parsed = ParseConnect(*packet);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->version, 314);
  EXPECT_FALSE(parsed->data_follows);
  EXPECT_EQ(parsed->descriptor, descriptor);
}

TEST(TnsConnectPacketTest, LongDescriptorFollowsInADataPacket) {
  ConnectData data = Data("OSSVC");
  data.client_host = std::string(200, 'h');
  const std::string descriptor = *BuildConnectDescriptor(data);
  ASSERT_GT(descriptor.size(), kMaxInlineConnectData);
  absl::StatusOr<std::string> bytes = BuildConnect(descriptor);
  ASSERT_OK(bytes);
  const std::string connect = bytes->substr(0, kConnectDataOffset);
  const std::string data_packet = bytes->substr(kConnectDataOffset);
  EXPECT_EQ(U16(connect, 0), kConnectDataOffset);
  EXPECT_EQ(U16(connect, 24), descriptor.size());
  absl::StatusOr<ConnectRequest> parsed = ParseConnect(connect);
  ASSERT_OK(parsed);
  EXPECT_TRUE(parsed->data_follows);
  EXPECT_EQ(parsed->data_length, descriptor.size());
  EXPECT_EQ(static_cast<uint8_t>(data_packet[4]), kPacketData);
  EXPECT_EQ(U16(data_packet, 0), data_packet.size());
  EXPECT_EQ(*ParseConnectDataPacket(data_packet), descriptor);
  EXPECT_THAT(BuildConnect(std::string(9000, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 8182 fit")));
}

TEST(TnsConnectPacketTest, MalformedConnectIsRefused) {
  std::string packet = *BuildConnect(*BuildConnectDescriptor(Data("OSSVC")));
  std::string past = packet;
  past[24] = 0x7F;  // data length 0x7Fxx: runs past the packet
  EXPECT_THAT(ParseConnect(past), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("run past")));
  std::string inside = packet;
  inside[27] = 10;  // data offset 10: inside the fixed fields
  EXPECT_THAT(ParseConnect(inside),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("points into its fields")));
  EXPECT_FALSE(ParseConnect(BuildPacket(kPacketConnect, "short")).ok());
  EXPECT_FALSE(ParseConnect(BuildResend()).ok());
}

TEST(TnsPacketSizeTest, WaitsForTheHeaderThenGivesTheLength) {
  const std::string refuse = BuildRefuse(kRefuseData, 0x22, 0);
  EXPECT_EQ(*PacketSize(""), 0u);
  EXPECT_EQ(*PacketSize(refuse.substr(0, 7)), 0u);
  EXPECT_EQ(*PacketSize(refuse.substr(0, 8)), refuse.size());
}

TEST(TnsPacketSizeTest, ForeignBytesAreNotTns) {
  EXPECT_THAT(PacketSize("HTTP/1.1 400 Bad Request\r\n"),
              StatusIs(absl::StatusCode::kDataLoss,
                       "something that is not TNS (packet type 0x2f at byte 5; TNS types are 1 "
                       "to 19)"));
  EXPECT_THAT(PacketSize(std::string("\x00\x20\x12\x34\x02\x00\x00\x00", 8)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("packet checksum field 0x1234")));
  EXPECT_THAT(PacketSize(std::string("\x00\x05\x00\x00\x02\x00\x00\x00", 8)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("declared packet length 5 is shorter than the 8-byte header")));
  EXPECT_THAT(PacketSize(std::string("\x40\x00\x00\x00\x02\x00\x00\x00", 8)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("declared packet length 16384 is more than the 8192")));
  // A TDS answer (type 0x04 at byte 0) has a length where TNS has its checksum.
  EXPECT_FALSE(PacketSize(std::string("\x04\x01\x00\x2b\x00\x00\x01\x00", 8)).ok());
}

TEST(TnsAnswerTest, ParsesEachAnswerKind) {
  absl::StatusOr<Answer> accept = ParseAnswer(BuildAccept(314));
  ASSERT_OK(accept);
  EXPECT_EQ(accept->kind, TnsAnswer::kAccept);
  EXPECT_EQ(accept->version, 314);

  absl::StatusOr<Answer> refuse = ParseAnswer(BuildRefuse(kRefuseData, 0x22, 0));
  ASSERT_OK(refuse);
  EXPECT_EQ(refuse->kind, TnsAnswer::kRefuse);
  EXPECT_EQ(refuse->error, 12514);
  EXPECT_EQ(refuse->user_reason, 0x22);
  EXPECT_EQ(refuse->data, kRefuseData);

  absl::StatusOr<Answer> redirect = ParseAnswer(BuildRedirect("(ADDRESS=(HOST=x)(PORT=1))"));
  ASSERT_OK(redirect);
  EXPECT_EQ(redirect->kind, TnsAnswer::kRedirect);
  EXPECT_EQ(redirect->data, "(ADDRESS=(HOST=x)(PORT=1))");
  EXPECT_FALSE(redirect->data_follows);

  EXPECT_EQ(ParseAnswer(BuildResend())->kind, TnsAnswer::kResend);
  absl::StatusOr<Answer> marker = ParseAnswer(BuildPacket(12, std::string("\x01\x00\x02", 3)));
  ASSERT_OK(marker);
  EXPECT_EQ(marker->kind, TnsAnswer::kOther);
  EXPECT_EQ(marker->type, 12);
}

TEST(TnsAnswerTest, RedirectDataMayFollowInTheNextPacket) {
  absl::StatusOr<Answer> redirect =
      ParseAnswer(BuildPacket(kPacketRedirect, std::string("\x00\x40", 2)));
  ASSERT_OK(redirect);
  EXPECT_TRUE(redirect->data_follows);
  EXPECT_EQ(redirect->data, "");
}

TEST(TnsAnswerTest, LengthsPastThePacketAreMalformed) {
  std::string refuse = BuildRefuse(kRefuseData, 0x22, 0);
  refuse[11] = static_cast<char>(refuse[11] + 1);  // data length one more than follows
  EXPECT_THAT(ParseAnswer(refuse),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("a malformed TNS REFUSE (data length 92 but 91 bytes follow)")));
  EXPECT_THAT(ParseAnswer(BuildPacket(kPacketAccept, "\x01\x3a")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("a malformed TNS ACCEPT (10 bytes, fewer than its 24")));
  std::string accept = BuildAccept(314);
  accept[19] = 5;  // 5 bytes of accept data at offset 24: past the 24-byte packet
  EXPECT_THAT(ParseAnswer(accept),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("run past its 24 bytes")));
  EXPECT_THAT(ParseAnswer(BuildPacket(kPacketRedirect, std::string("\x00\x09(ADDR", 7))),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("data length 9 but 5 bytes")));
}

TEST(TnsAnswerTest, EveryTruncationOfEveryAnswerIsAnError) {
  for (const std::string& whole : {BuildAccept(314), BuildRefuse(kRefuseData, 0x22, 0),
                                   BuildRedirect("(ADDRESS=)"), BuildResend()}) {
    ASSERT_OK(ParseAnswer(whole));
    for (size_t n = 0; n < whole.size(); ++n) {
      EXPECT_FALSE(ParseAnswer(whole.substr(0, n)).ok()) << n << " of " << whole.size();
    }
  }
}

TEST(TnsNvTextTest, FindsValuesInAnyCaseAndSpacing) {
  EXPECT_EQ(*FindValue("(DESCRIPTION=(CONNECT_DATA=( service_name = OSSVC )))", "SERVICE_NAME"),
            "OSSVC");
  EXPECT_EQ(*FindValue("(a=(sid=orcl))", "SID"), "orcl");
  EXPECT_FALSE(FindValue("(SIDE=1)", "SID").has_value());
  EXPECT_FALSE(FindValue("SID=1", "SID").has_value());
  EXPECT_EQ(FindErrorCode(kRefuseData), 12514);
  EXPECT_EQ(FindErrorCode("(DESCRIPTION=(ERR=abc))"), 0);
  EXPECT_EQ(FindErrorCode("(DESCRIPTION=(TMP=))"), 0);
  EXPECT_EQ(FindErrorCode("(err=12505)"), 12505);
}

}  // namespace
}  // namespace osfleet::agent::tns
