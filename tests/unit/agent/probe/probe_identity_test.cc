// The identity evidence of a SQL Server probe (ProbeOptions::identity) against the
// in-process FakeSqlServer on 127.0.0.1 (and 127.0.0.2) port 0: the TLS certificate inside
// PRELOGIN or TDS 8.0, INSTOPT, the SQL Server Browser. The fake counts LOGIN7 packets: the
// probe never sends one.
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "agent/probe/probe.h"
#include "agent/probe/socket_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/fakes/fake_tls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using fakes::FakeSqlServer;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

SqlServerAddress At(uint16_t port, const std::string& host = "127.0.0.1") {
  SqlServerAddress address;
  address.host = host;
  address.port = port;
  return address;
}

ProbeOptions Identity(const std::string& instance = "") {
  ProbeOptions options;
  options.identity = true;
  options.instance_name = instance;
  return options;
}

// Starts a fake or fails the test.
void StartFake(FakeSqlServer& fake, const FakeSqlServer::Options& options) {
  ASSERT_OK(fake.Start(options));
}

ProbeOutcome ProbeOk(uint16_t port, const ProbeOptions& options,
                     const std::string& host = "127.0.0.1") {
  ProbeOutcome outcome = ProbeSqlServer(At(port, host), options);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  return outcome;
}

std::string Sha(const ProbeOutcome& outcome) {
  return outcome.fingerprint.certificate ? outcome.fingerprint.certificate->sha256 : "(none)";
}

TEST(ProbeIdentityTest, FallbackCertificateIsReadAndStableAcrossConnections) {
  FakeSqlServer fake;
  StartFake(fake, {});
  const ProbeOutcome first = ProbeOk(fake.tcp_port(), Identity());
  const ProbeOutcome second = ProbeOk(fake.tcp_port(), Identity());
  ASSERT_TRUE(first.fingerprint.certificate.has_value()) << first.fingerprint.certificate_note;
  const TlsCertificate& certificate = *first.fingerprint.certificate;
  EXPECT_THAT(certificate.sha256, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(certificate.subject, "CN=SSL_Self_Signed_Fallback");
  EXPECT_EQ(certificate.issuer, "CN=SSL_Self_Signed_Fallback");
  EXPECT_TRUE(certificate.self_signed);
  EXPECT_EQ(Sha(second), certificate.sha256);
  EXPECT_EQ(first.fingerprint.encryption, TdsEncryption::kOff);
  EXPECT_EQ(first.fingerprint.instance_accepted, true);
  EXPECT_EQ(first.server_version, "15.0.4153.1");
  EXPECT_EQ(fake.tls_handshakes(), 2);
  EXPECT_EQ(fake.login7_received(), 0);
}

TEST(ProbeIdentityTest, WithoutIdentityNoHandshakeIsMade) {
  FakeSqlServer fake;
  StartFake(fake, {});
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), ProbeOptions());
  EXPECT_FALSE(outcome.fingerprint.certificate.has_value());
  EXPECT_EQ(fake.tls_handshakes(), 0);
  EXPECT_EQ(fake.login7_received(), 0);
}

TEST(ProbeIdentityTest, TwoListenersOfOneInstanceShowTheSameCertificate) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.listen = {"127.0.0.1", "127.0.0.2"};
  StartFake(fake, options);
  const ProbeOutcome one = ProbeOk(fake.tcp_port(), Identity(), "127.0.0.1");
  const ProbeOutcome two = ProbeOk(fake.tcp_port(), Identity(), "127.0.0.2");
  ASSERT_TRUE(one.fingerprint.certificate.has_value()) << one.fingerprint.certificate_note;
  EXPECT_EQ(Sha(one), Sha(two));
  EXPECT_EQ(fake.connections_accepted(), 2);
}

TEST(ProbeIdentityTest, TwoInstancesOfOneVersionShowDifferentCertificates) {
  FakeSqlServer a, b;
  StartFake(a, {});
  StartFake(b, {});
  const ProbeOutcome one = ProbeOk(a.tcp_port(), Identity());
  const ProbeOutcome two = ProbeOk(b.tcp_port(), Identity());
  ASSERT_TRUE(one.fingerprint.certificate && two.fingerprint.certificate);
  EXPECT_EQ(one.server_version, two.server_version);
  EXPECT_NE(Sha(one), Sha(two));
  EXPECT_TRUE(two.fingerprint.certificate->self_signed);
}

TEST(ProbeIdentityTest, ASharedIssuedCertificateIsIdenticalAndNotSelfSigned) {
  osfleet::testing::TempDir dir;
  ASSERT_OK(
      fakes::WriteIssuedCertificate(dir.Sub("cert.pem"), dir.Sub("key.pem"), "sql.example.test"));
  FakeSqlServer::Options options;
  options.tls = FakeSqlServer::TlsSource::kFiles;
  options.cert_file = dir.Sub("cert.pem");
  options.key_file = dir.Sub("key.pem");
  FakeSqlServer a, b;
  StartFake(a, options);
  StartFake(b, options);
  const ProbeOutcome one = ProbeOk(a.tcp_port(), Identity());
  const ProbeOutcome two = ProbeOk(b.tcp_port(), Identity());
  ASSERT_TRUE(one.fingerprint.certificate.has_value()) << one.fingerprint.certificate_note;
  EXPECT_EQ(Sha(one), Sha(two));
  EXPECT_FALSE(one.fingerprint.certificate->self_signed);
  EXPECT_EQ(one.fingerprint.certificate->subject, "CN=sql.example.test");
  EXPECT_EQ(one.fingerprint.certificate->issuer, "CN=Fake Issuing CA");
}

TEST(ProbeIdentityTest, MissingCertificateFilesFailTheFakesStart) {
  osfleet::testing::TempDir dir;
  FakeSqlServer::Options options;
  options.tls = FakeSqlServer::TlsSource::kFiles;
  options.cert_file = dir.Sub("nope.pem");
  options.key_file = dir.Sub("nope.key");
  FakeSqlServer fake;
  EXPECT_THAT(fake.Start(options).message(), HasSubstr("cannot read " + dir.Sub("nope.pem")));
}

TEST(ProbeIdentityTest, AServerWithoutEncryptionGivesANoteAndTheProbeIsOk) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.tls = FakeSqlServer::TlsSource::kNone;
  StartFake(fake, options);
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), Identity());
  EXPECT_EQ(outcome.fingerprint.encryption, TdsEncryption::kNotSupported);
  EXPECT_FALSE(outcome.fingerprint.certificate.has_value());
  EXPECT_EQ(outcome.fingerprint.certificate_note,
            "the server does not support encryption (no certificate to compare)");
  EXPECT_EQ(fake.login7_received(), 0);
}

TEST(ProbeIdentityTest, ForcedEncryptionIsRecordedAndTheCertificateRead) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.force_encryption = true;
  StartFake(fake, options);
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), Identity());
  EXPECT_EQ(outcome.fingerprint.encryption, TdsEncryption::kRequired);
  EXPECT_TRUE(outcome.fingerprint.certificate.has_value());
}

TEST(ProbeIdentityTest, AStrictServerIsProbedWithTds8EvenWithoutIdentity) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.strict = true;
  options.version = "16.0.4105.2";
  StartFake(fake, options);
  const ProbeOutcome plain = ProbeOk(fake.tcp_port(), ProbeOptions());
  EXPECT_EQ(plain.server_version, "16.0.4105.2");  // read inside TLS
  EXPECT_EQ(plain.fingerprint.encryption, TdsEncryption::kStrict);
  EXPECT_EQ(fake.prelogins_answered(), 1);  // the plain-text one got none
  EXPECT_EQ(fake.connections_accepted(), 2);
  const ProbeOutcome identity = ProbeOk(fake.tcp_port(), Identity("MSSQLSERVER"));
  EXPECT_EQ(identity.fingerprint.encryption, TdsEncryption::kStrict);
  ASSERT_TRUE(identity.fingerprint.certificate.has_value());
  EXPECT_EQ(identity.fingerprint.certificate->subject, "CN=SSL_Self_Signed_Fallback");
  EXPECT_EQ(identity.fingerprint.instance_accepted, true);
  EXPECT_EQ(fake.login7_received(), 0);
}

TEST(ProbeIdentityTest, AnInstoptMismatchIsRecordedWithoutAHandshake) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.instance = "OUTSYS";
  StartFake(fake, options);
  const ProbeOutcome other = ProbeOk(fake.tcp_port(), Identity("OTHER"));
  EXPECT_EQ(other.fingerprint.instance_sent, "OTHER");
  EXPECT_EQ(other.fingerprint.instance_accepted, false);
  EXPECT_FALSE(other.fingerprint.certificate.has_value());
  EXPECT_THAT(other.fingerprint.certificate_note, HasSubstr("not instance 'OTHER'"));
  EXPECT_EQ(fake.tls_handshakes(), 0);
  const ProbeOutcome same = ProbeOk(fake.tcp_port(), Identity("outsys"));  // any case
  EXPECT_EQ(same.fingerprint.instance_accepted, true);
  EXPECT_TRUE(same.fingerprint.certificate.has_value());
}

TEST(ProbeIdentityTest, MalformedTlsFromTheServerGivesAPreciseNote) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.mode = FakeSqlServer::Mode::kBadTls;
  StartFake(fake, options);
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), Identity());
  EXPECT_FALSE(outcome.fingerprint.certificate.has_value());
  EXPECT_THAT(outcome.fingerprint.certificate_note,
              StartsWith("TLS handshake inside PRELOGIN failed: TLS: "));
  EXPECT_EQ(outcome.server_version, "15.0.4153.1");
}

TEST(ProbeIdentityTest, TheBrowsersNamesAreRecorded) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.serve_browser = true;
  options.instance = "OUTSYS";
  options.server_name = "DB01";
  StartFake(fake, options);
  ProbeOptions probe = Identity("OUTSYS");
  probe.sql_browser_port = fake.browser_port();
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), probe);
  ASSERT_TRUE(outcome.fingerprint.browser.has_value()) << outcome.fingerprint.browser_note;
  EXPECT_EQ(outcome.fingerprint.browser->server_name, "DB01");
  EXPECT_EQ(outcome.fingerprint.browser->instance_name, "OUTSYS");
  EXPECT_EQ(outcome.fingerprint.browser->version, "15.0.4153.1");
  EXPECT_EQ(outcome.fingerprint.browser->tcp_port, fake.tcp_port());
}

TEST(ProbeIdentityTest, TheInstancePortLookupIsReusedAsBrowserEvidence) {
  FakeSqlServer fake;
  FakeSqlServer::Options options;
  options.serve_browser = true;
  options.instance = "OUTSYS";
  StartFake(fake, options);
  SqlServerAddress address = At(0);
  address.instance = "OUTSYS";
  ProbeOptions probe = Identity("OUTSYS");
  probe.sql_browser_port = fake.browser_port();
  const ProbeOutcome outcome = ProbeSqlServer(address, probe);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  ASSERT_TRUE(outcome.fingerprint.browser.has_value());
  EXPECT_EQ(outcome.fingerprint.browser->instance_name, "OUTSYS");
  EXPECT_TRUE(outcome.fingerprint.certificate.has_value());
}

TEST(ProbeIdentityTest, ASilentBrowserCostsAtMostASecond) {
  // A bound UDP socket that never answers: the datagrams vanish, as behind a firewall.
  UniqueFd silent(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(silent.get(), reinterpret_cast<sockaddr*>(&address), &length);
  FakeSqlServer fake;
  StartFake(fake, {});
  ProbeOptions probe = Identity("MSSQLSERVER");  // the step timeout stays 3s
  probe.sql_browser_port = ntohs(address.sin_port);
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), probe);
  EXPECT_FALSE(outcome.fingerprint.browser.has_value());
  EXPECT_THAT(outcome.fingerprint.browser_note, HasSubstr("did not answer within 1s"));
  EXPECT_TRUE(outcome.fingerprint.certificate.has_value());
}

TEST(ProbeIdentityTest, NoInstanceNameMeansNoBrowserQuery) {
  FakeSqlServer fake;
  StartFake(fake, {});
  const ProbeOutcome outcome = ProbeOk(fake.tcp_port(), Identity());
  EXPECT_EQ(outcome.fingerprint.browser_note,
            "no instance name to ask the SQL Server Browser about");
}

}  // namespace
}  // namespace osfleet::agent
