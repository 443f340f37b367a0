#include "agent/probe/tds_prelogin.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent::tds {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// A SQL Server 2019 answer as seen on the wire: four options, THREADID empty.
std::string RealWorldResponse() {
  return Bytes({0x04, 0x01, 0x00, 0x25, 0x00, 0x00, 0x01, 0x00,  // header, 37 bytes
                0x00, 0x00, 0x15, 0x00, 0x06,                    // VERSION at 21, 6 bytes
                0x01, 0x00, 0x1B, 0x00, 0x01,                    // ENCRYPTION at 27
                0x02, 0x00, 0x1C, 0x00, 0x01,                    // INSTOPT at 28
                0x03, 0x00, 0x1D, 0x00, 0x00,                    // THREADID at 29, empty
                0xFF,                                            // terminator
                0x0F, 0x00, 0x10, 0xA1, 0x00, 0x00,              // 15.0.4257.0
                0x00, 0x00});
}

TEST(TdsPreloginTest, RequestMatchesTheSpecLayoutByteForByte) {
  // Same layout as MS-TDS 4.1 (offsets 0x1A, 0x20, 0x21, 0x22, 0x26; length 0x2F), with
  // our values: client version 0, ENCRYPT_OFF, empty instance, thread 0, MARS off.
  const std::string expected =
      Bytes({0x12, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x01, 0x00,  // type, EOM, length, SPID, id, window
             0x00, 0x00, 0x1A, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02,
             0x00, 0x21, 0x00, 0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00,
             0x26, 0x00, 0x01, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // VERSION
             0x00,                                                        // ENCRYPTION: ENCRYPT_OFF
             0x00,                                                        // INSTOPT: ""
             0x00, 0x00, 0x00, 0x00,                                      // THREADID
             0x00});                                                      // MARS
  EXPECT_EQ(BuildPreloginPacket(), expected);
}

TEST(TdsPreloginTest, HeaderLengthFieldIsBigEndianAndCountsTheWholePacket) {
  const std::string packet = BuildPreloginPacket();
  ASSERT_GE(packet.size(), kHeaderSize);
  EXPECT_EQ(static_cast<uint8_t>(packet[0]), kPacketPrelogin);
  EXPECT_EQ(static_cast<uint8_t>(packet[1]), kStatusEndOfMessage);
  EXPECT_EQ((static_cast<uint8_t>(packet[2]) << 8) | static_cast<uint8_t>(packet[3]),
            static_cast<int>(packet.size()));
}

TEST(TdsPreloginTest, ParsesARealWorldResponse) {
  absl::StatusOr<std::string> version = ParsePreloginResponse(RealWorldResponse());
  ASSERT_OK(version);
  EXPECT_EQ(*version, "15.0.4257.0");
}

TEST(TdsPreloginTest, ResponseRoundTripsTheVersion) {
  for (const char* text : {"15.0.4153.1", "16.0.1000.6", "11.0.7001.0", "255.255.65535.65535"}) {
    absl::StatusOr<std::string> packet = BuildPreloginResponse(text);
    ASSERT_OK(packet);
    absl::StatusOr<std::string> version = ParsePreloginResponse(*packet);
    ASSERT_OK(version);
    EXPECT_EQ(*version, text);
  }
}

TEST(TdsPreloginTest, ResponseEncodesVersionBuildBigEndian) {
  absl::StatusOr<std::string> packet = BuildPreloginResponse("15.0.4153.1");
  ASSERT_OK(packet);
  EXPECT_EQ(static_cast<uint8_t>((*packet)[0]), kPacketTabularResult);
  // 8-byte header, 5 options * 5 bytes + terminator = 26: VERSION data starts at 34.
  EXPECT_EQ(packet->substr(34, 6), Bytes({0x0F, 0x00, 0x10, 0x39, 0x00, 0x01}));
}

TEST(TdsPreloginTest, ThreePartVersionGetsSubbuildZero) {
  absl::StatusOr<std::string> packet = BuildPreloginResponse("16.0.1000");
  ASSERT_OK(packet);
  EXPECT_EQ(*ParsePreloginResponse(*packet), "16.0.1000.0");
}

TEST(TdsPreloginTest, BuildResponseRejectsBadVersions) {
  for (const char* text :
       {"", "15", "15.0", "256.0.0", "15.0.70000", "a.b.c", "15.0.1.2.3", "15..1", "-1.0.0"}) {
    EXPECT_FALSE(BuildPreloginResponse(text).ok()) << text;
  }
}

void ExpectRejected(const std::string& packet, const std::string& message_part) {
  absl::StatusOr<std::string> version = ParsePreloginResponse(packet);
  ASSERT_FALSE(version.ok()) << "parsed as " << *version;
  EXPECT_THAT(std::string(version.status().message()), HasSubstr(message_part));
}

TEST(TdsPreloginTest, RejectsNonTds) {
  ExpectRejected("", "empty");
  ExpectRejected("HTTP/1.1 400 Bad Request\r\n\r\n", "something that is not TDS (first byte 0x48)");
  std::string request = BuildPreloginPacket();  // right format, wrong direction (0x12)
  ExpectRejected(request, "not TDS (first byte 0x12)");
}

TEST(TdsPreloginTest, RejectsTruncatedAndOverlongPackets) {
  const std::string good = RealWorldResponse();
  ExpectRejected(good.substr(0, 3), "truncated TDS header");
  ExpectRejected(good.substr(0, 7), "truncated TDS header (7 of 8 bytes)");
  ExpectRejected(good.substr(0, good.size() - 1), "truncated TDS packet (the header says 37");
  ExpectRejected(good + "x", "overlong TDS packet");
}

TEST(TdsPreloginTest, RejectsBadHeaderFields) {
  std::string bad = RealWorldResponse();
  bad[1] = 0x00;
  ExpectRejected(bad, "not end-of-message");
  bad = RealWorldResponse();
  bad[2] = 0x00;
  bad[3] = 0x05;
  ExpectRejected(bad, "packet length of 5");
  bad[2] = 0x7F;
  bad[3] = static_cast<char>(0xFF);
  ExpectRejected(bad, "32767 bytes, more than the 4096");
}

TEST(TdsPreloginTest, RejectsOptionsPastTheEnd) {
  std::string bad = RealWorldResponse();
  bad[8 + 2] = 0x40;  // VERSION offset 64 in a 29-byte payload
  ExpectRejected(bad, "VERSION at offset 64, length 6, past the end of the 29-byte payload");
  bad = RealWorldResponse();
  bad[8 + 5 + 4] = 0x30;  // ENCRYPTION length 48
  ExpectRejected(bad, "ENCRYPTION at offset 27, length 48");
}

TEST(TdsPreloginTest, RejectsBrokenOptionTables) {
  // Header + one option entry cut after 3 bytes.
  ExpectRejected(Bytes({0x04, 0x01, 0x00, 0x0B, 0, 0, 1, 0, 0x00, 0x00, 0x05}),
                 "cut off in option 0x00");
  ExpectRejected(Bytes({0x04, 0x01, 0x00, 0x0D, 0, 0, 1, 0, 0x01, 0x00, 0x05, 0x00, 0x00}),
                 "without its 0xFF terminator");
  ExpectRejected(
      Bytes({0x04, 0x01, 0x00, 0x0F, 0, 0, 1, 0, 0x01, 0x00, 0x06, 0x00, 0x01, 0xFF, 0x00}),
      "without a VERSION option");
  std::string short_version = RealWorldResponse();
  short_version[8 + 4] = 0x03;
  ExpectRejected(short_version, "VERSION of 3 bytes (expected 6)");
}

TEST(TdsPreloginTest, NoPrefixOrSingleByteChangeCrashesTheParser) {
  const std::string good = RealWorldResponse();
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParsePreloginResponse(good.substr(0, n)).ok());
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
      std::string mutated = good;
      mutated[i] = static_cast<char>(v);
      (void)ParsePreloginResponse(mutated);  // must only return; ASan checks the reads
    }
  }
}

TEST(TdsPreloginTest, ExpectedResponseSizeNeedsFourBytesAndFailsOnTheFirstBadOne) {
  const std::string good = RealWorldResponse();
  EXPECT_EQ(*ExpectedResponseSize(""), 0u);
  EXPECT_EQ(*ExpectedResponseSize(good.substr(0, 3)), 0u);
  EXPECT_EQ(*ExpectedResponseSize(good.substr(0, 4)), 37u);
  EXPECT_FALSE(ExpectedResponseSize("H").ok());
}

TEST(TdsPreloginTest, InstoptCarriesTheInstanceNameAndANul) {
  const std::string packet = BuildPreloginPacket("OUTSYS");
  absl::StatusOr<PreloginRequest> request = ParsePreloginRequest(packet);
  ASSERT_OK(request);
  EXPECT_EQ(request->instance, "OUTSYS");
  EXPECT_EQ(request->encryption, kEncryptOff);
  EXPECT_NE(packet.find(std::string("OUTSYS\0", 7)), std::string::npos);
  absl::StatusOr<PreloginRequest> any = ParsePreloginRequest(BuildPreloginPacket());
  ASSERT_OK(any);
  EXPECT_EQ(any->instance, "");
}

TEST(TdsPreloginTest, AnswerGivesEncryptionAndInstopt) {
  absl::StatusOr<PreloginAnswer> real = ParsePreloginAnswer(RealWorldResponse());
  ASSERT_OK(real);
  EXPECT_EQ(real->encryption, 0x00);
  EXPECT_EQ(real->instance, 0x00);
  absl::StatusOr<std::string> built = BuildPreloginResponse("16.0.1000.6", kEncryptRequired, false);
  ASSERT_OK(built);
  absl::StatusOr<PreloginAnswer> answer = ParsePreloginAnswer(*built);
  ASSERT_OK(answer);
  EXPECT_EQ(answer->version, "16.0.1000.6");
  EXPECT_EQ(answer->encryption, kEncryptRequired);
  EXPECT_EQ(answer->instance, kInstanceMismatch);
}

TEST(TdsPreloginTest, RequestParserRejectsWhatIsNotAPrelogin) {
  EXPECT_THAT(ParsePreloginRequest(Bytes({0x10, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00}))
                  .status()
                  .message(),
              HasSubstr("type 0x10, not PRELOGIN"));
  EXPECT_THAT(ParsePreloginRequest("\x12\x01").status().message(),
              HasSubstr("truncated TDS header"));
}

TEST(TdsPreloginTest, TlsPayloadIsSplitIntoPreloginPacketsLastOneEndOfMessage) {
  const std::string payload(5000, 'x');
  const std::string packets = PreloginDataPackets(payload);
  ASSERT_EQ(packets.size(), payload.size() + 2 * kHeaderSize);
  EXPECT_EQ(static_cast<uint8_t>(packets[0]), kPacketPrelogin);
  EXPECT_EQ(static_cast<uint8_t>(packets[1]), 0x00);  // more follows
  EXPECT_EQ((static_cast<uint8_t>(packets[2]) << 8) | static_cast<uint8_t>(packets[3]),
            static_cast<int>(kMaxPreloginPacket));
  const std::string second = packets.substr(kMaxPreloginPacket);
  EXPECT_EQ(static_cast<uint8_t>(second[1]), kStatusEndOfMessage);
  EXPECT_EQ(static_cast<uint8_t>(second[6]), 2);  // packet id
  EXPECT_EQ(PreloginDataPackets("ab").size(), kHeaderSize + 2);
}

}  // namespace
}  // namespace osfleet::agent::tds
