// The identity verdict from hand-made probe outcomes: every rule of agent/probe/identity.h
// and every conflict between them, the order of the evidence, and its wording.
#include "agent/probe/identity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');
const std::string kShaC(64, 'c');

TlsCertificate Cert(const std::string& sha, bool self_signed) {
  return {sha, self_signed ? "CN=SSL_Self_Signed_Fallback" : "CN=*.corp.example",
          self_signed ? "CN=SSL_Self_Signed_Fallback" : "CN=Corp CA", self_signed};
}

ProbeOutcome Answered(std::vector<std::string> ips, std::optional<TlsCertificate> cert,
                      std::string version = "15.0.4153.1") {
  ProbeOutcome o;
  o.ok = true;
  o.resolved = std::move(ips);
  o.port = 1433;
  o.server_version = std::move(version);
  o.fingerprint.encryption = cert ? TdsEncryption::kOff : TdsEncryption::kNotSupported;
  o.fingerprint.certificate = std::move(cert);
  if (!o.fingerprint.certificate) {
    o.fingerprint.certificate_note = "the server does not support encryption";
  }
  return o;
}

// db01\OUTSYS (current) against db-new\OUTSYS; the current one's certificate is stable.
SqlServerSides Sides(ProbeOutcome current, ProbeOutcome candidate) {
  SqlServerSides s;
  s.current_address = *ParseSqlServerAddress("db01\\OUTSYS");
  s.candidate_address = *ParseSqlServerAddress("db-new\\OUTSYS");
  s.current_again = current;
  s.current = std::move(current);
  s.candidate = std::move(candidate);
  return s;
}

const Evidence* Find(const Identity& id, const std::string& kind) {
  for (const Evidence& e : id.evidence) {
    if (e.kind == kind) return &e;
  }
  return nullptr;
}

TEST(IdentityTest, AFailedProbeIsUnknownAndSaysWhich) {
  ProbeOutcome down;
  down.error = "TCP connect to 10.0.0.9:1433 refused";
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), down));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  ASSERT_EQ(id.evidence.size(), 1u);
  EXPECT_EQ(id.evidence[0].detail,
            "the new address db-new\\OUTSYS did not answer: TCP connect to 10.0.0.9:1433 refused");
  EXPECT_EQ(id.current_address, "db01\\OUTSYS");

  id = JudgeSqlServer(Sides(down, Answered({"10.0.0.5"}, Cert(kShaA, true))));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_THAT(id.evidence[0].detail, HasSubstr("the current address db01\\OUTSYS did not answer"));
}

TEST(IdentityTest, DnsOverlapOnTheSamePortIsSame) {
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5", "10.0.0.6"}, std::nullopt),
                                     Answered({"10.0.0.7", "10.0.0.5"}, std::nullopt)));
  EXPECT_EQ(id.verdict, Verdict::kSame);
  EXPECT_EQ(id.evidence[0].kind, "dns");
  EXPECT_EQ(id.evidence[0].detail,
            "DNS: db-new and db01 both resolve to 10.0.0.5; port 1433 on both");
}

TEST(IdentityTest, DnsOverlapOnAnotherPortDecidesNothing) {
  ProbeOutcome other_port = Answered({"10.0.0.5"}, std::nullopt);
  other_port.port = 50123;
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, std::nullopt), other_port));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_EQ(Find(id, "dns")->points_to, Verdict::kUnknown);
  EXPECT_THAT(Find(id, "dns")->detail, HasSubstr("port 50123 and 1433"));
}

TEST(IdentityTest, DifferentVersionIsDifferent) {
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, std::nullopt),
                                     Answered({"10.0.0.9"}, std::nullopt, "16.0.1000.6")));
  EXPECT_EQ(id.verdict, Verdict::kDifferent);
  EXPECT_EQ(id.evidence[0].kind, "version");  // the decisive line comes first
  EXPECT_EQ(id.evidence[0].detail,
            "PRELOGIN VERSION: db01\\OUTSYS runs SQL Server 15.0.4153.1, db-new\\OUTSYS runs "
            "16.0.1000.6");
}

TEST(IdentityTest, SameVersionIsWeakAndDecidesNothing) {
  Identity id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, std::nullopt), Answered({"10.0.0.9"}, std::nullopt)));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_TRUE(Find(id, "version")->weak);
  EXPECT_EQ(id.evidence.back().kind, "version");  // weak lines last
}

TEST(IdentityTest, InstoptRejectingTheCurrentInstanceIsDifferent) {
  ProbeOutcome cand = Answered({"10.0.0.9"}, std::nullopt);
  cand.fingerprint.instance_sent = "OUTSYS";
  cand.fingerprint.instance_accepted = false;
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, std::nullopt), cand));
  EXPECT_EQ(id.verdict, Verdict::kDifferent);
  EXPECT_EQ(Find(id, "instance")->detail,
            "the server at db-new\\OUTSYS answered INSTOPT: not instance OUTSYS");
}

// "host,port" names no instance: nothing was sent, so the server's acceptance says nothing.
TEST(IdentityTest, NoInstanceSentForAPortAloneGivesNoInstanceEvidence) {
  ProbeOutcome cand = Answered({"10.0.0.9"}, std::nullopt);
  cand.fingerprint.instance_accepted = true;
  SqlServerSides sides = Sides(Answered({"10.0.0.5"}, std::nullopt), cand);
  sides.current_address = *ParseSqlServerAddress("10.0.0.5,14330");
  sides.candidate_address = *ParseSqlServerAddress("db-new,14330");
  Identity id = JudgeSqlServer(sides);
  EXPECT_EQ(Find(id, "instance"), nullptr);
}

TEST(IdentityTest, InstoptRejectedOnBothSidesDecidesNothing) {
  ProbeOutcome cur = Answered({"10.0.0.5"}, std::nullopt);
  cur.fingerprint.instance_accepted = false;
  ProbeOutcome cand = Answered({"10.0.0.9"}, std::nullopt);
  cand.fingerprint.instance_accepted = false;
  Identity id = JudgeSqlServer(Sides(cur, cand));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_EQ(Find(id, "instance")->points_to, Verdict::kUnknown);
}

TEST(IdentityTest, IdenticalSelfSignedCertificatesAreSame) {
  Identity id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.9"}, Cert(kShaA, true))));
  EXPECT_EQ(id.verdict, Verdict::kSame);
  EXPECT_EQ(id.evidence[0].kind, "certificate");
  EXPECT_THAT(id.evidence[0].detail,
              HasSubstr("both present the self-signed certificate aaaaaaaaaaaaaaaa "
                        "(CN=SSL_Self_Signed_Fallback)"));
  EXPECT_THAT(id.evidence[0].detail, ::testing::Not(HasSubstr(kShaA)));  // shortened
}

TEST(IdentityTest, IdenticalCaIssuedCertificatesAreNotProof) {
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, Cert(kShaA, false)),
                                     Answered({"10.0.0.9"}, Cert(kShaA, false))));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("issued by CN=Corp CA"));
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("not proof"));
}

TEST(IdentityTest, ADifferentSelfSignedCertificateWhileTheCurrentIsStableIsDifferent) {
  Identity id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.9"}, Cert(kShaB, true))));
  EXPECT_EQ(id.verdict, Verdict::kDifferent);
  EXPECT_THAT(Find(id, "certificate")->detail,
              HasSubstr("db01\\OUTSYS presents the self-signed certificate aaaaaaaaaaaaaaaa"));
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("bbbbbbbbbbbbbbbb"));
  // One side self-signed is enough.
  id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, false)), Answered({"10.0.0.9"}, Cert(kShaB, true))));
  EXPECT_EQ(id.verdict, Verdict::kDifferent);
}

TEST(IdentityTest, DifferentCaIssuedCertificatesAreUnknown) {
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, Cert(kShaA, false)),
                                     Answered({"10.0.0.9"}, Cert(kShaB, false))));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("both CA-issued"));
}

TEST(IdentityTest, AnUnstableCurrentCertificateIsAProxyAndProvesNothing) {
  SqlServerSides s =
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.9"}, Cert(kShaB, true)));
  s.current_again = Answered({"10.0.0.5"}, Cert(kShaC, true));
  Identity id = JudgeSqlServer(s);
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_THAT(
      Find(id, "certificate")->detail,
      HasSubstr("changed between two connections (aaaaaaaaaaaaaaaa, then cccccccccccccccc)"));
  // Even an identical self-signed one: the proxy may hand either backend.
  s.candidate = Answered({"10.0.0.9"}, Cert(kShaA, true));
  EXPECT_EQ(JudgeSqlServer(s).verdict, Verdict::kUnknown);
}

TEST(IdentityTest, TheSecondConnectionFailingLeavesStabilityUnknown) {
  SqlServerSides s =
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.9"}, Cert(kShaB, true)));
  s.current_again = ProbeOutcome();
  s.current_again.error = "TCP connect to 10.0.0.5:1433 timed out";
  Identity id = JudgeSqlServer(s);
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("timed out"));
}

TEST(IdentityTest, NoCertificateOnOneSideSaysWhy) {
  Identity id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.9"}, std::nullopt)));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_EQ(Find(id, "certificate")->detail,
            "no certificate from db-new\\OUTSYS: the server does not support encryption");
}

TEST(IdentityTest, Tds8StrictCertificatesCountLikeAnyOther) {
  ProbeOutcome cur = Answered({"10.0.0.5"}, Cert(kShaA, true));
  ProbeOutcome cand = Answered({"10.0.0.9"}, Cert(kShaA, true));
  cur.fingerprint.encryption = TdsEncryption::kStrict;
  cand.fingerprint.encryption = TdsEncryption::kStrict;
  Identity id = JudgeSqlServer(Sides(cur, cand));
  EXPECT_EQ(id.verdict, Verdict::kSame);
  EXPECT_THAT(Find(id, "certificate")->detail, HasSubstr("over TDS 8.0"));
}

TEST(IdentityTest, DnsOverlapWithDifferentCertificatesIsAProxyAndUnknown) {
  Identity id = JudgeSqlServer(
      Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)), Answered({"10.0.0.5"}, Cert(kShaB, true))));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  ASSERT_NE(Find(id, "dns"), nullptr);
  EXPECT_EQ(Find(id, "dns")->points_to, Verdict::kSame);
  EXPECT_EQ(Find(id, "certificate")->points_to, Verdict::kDifferent);
}

TEST(IdentityTest, SameCertificateButAnotherVersionIsAConflict) {
  Identity id = JudgeSqlServer(Sides(Answered({"10.0.0.5"}, Cert(kShaA, true)),
                                     Answered({"10.0.0.9"}, Cert(kShaA, true), "16.0.1000.6")));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
}

TEST(IdentityTest, TheBrowserIsWeakEitherWay) {
  ProbeOutcome cur = Answered({"10.0.0.5"}, std::nullopt);
  ProbeOutcome cand = Answered({"10.0.0.9"}, std::nullopt);
  cur.fingerprint.browser = sqlbrowser::BrowserInstance{"DB01", "OUTSYS", "15.0.4153.1", 1433};
  cand.fingerprint.browser = sqlbrowser::BrowserInstance{"DB02", "OUTSYS", "15.0.4153.1", 1433};
  Identity id = JudgeSqlServer(Sides(cur, cand));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  const Evidence* b = Find(id, "sql_browser");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->weak);
  EXPECT_EQ(b->points_to, Verdict::kDifferent);
  EXPECT_THAT(b->detail, HasSubstr("names server DB01, instance OUTSYS"));
  cand.fingerprint.browser->server_name = "db01";
  id = JudgeSqlServer(Sides(cur, cand));
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_EQ(Find(id, "sql_browser")->points_to, Verdict::kSame);
}

TEST(IdentityTest, InstanceOfADefaultInstanceIsMssqlserver) {
  EXPECT_EQ(InstanceOf(*ParseSqlServerAddress("db01")), "MSSQLSERVER");
  EXPECT_EQ(InstanceOf(*ParseSqlServerAddress("db01\\outsys,1433")), "OUTSYS");
  // A port alone may reach a named instance on a static port: no name is guessed.
  EXPECT_EQ(InstanceOf(*ParseSqlServerAddress("10.0.0.5,14330")), "");
}

// ---- Oracle ----

OracleSides Oracle(TnsAnswer answer, int error, std::vector<std::string> candidate_ips) {
  OracleSides s;
  s.current_address = *ParseOracleAddress("ora01:1521/OSSVC");
  s.candidate_address = *ParseOracleAddress("ora-new:1521/OSSVC");
  s.current.ok = true;
  s.current.resolved = {"10.0.0.5"};
  s.current.port = 1521;
  s.current.fingerprint.tns = TnsAnswer::kAccept;
  s.candidate.ok = true;
  s.candidate.resolved = std::move(candidate_ips);
  s.candidate.port = 1521;
  s.candidate.fingerprint.tns = answer;
  s.candidate.fingerprint.tns_error = error;
  return s;
}

TEST(IdentityTest, OracleRefusingTheServiceIsDifferent) {
  Identity id = JudgeOracle(Oracle(TnsAnswer::kRefuse, 12514, {"10.0.0.9"}));
  EXPECT_EQ(id.verdict, Verdict::kDifferent);
  EXPECT_EQ(id.evidence[0].detail,
            "the listener at ora-new:1521 does not know service OSSVC (REFUSE, ERR=12514)");
  EXPECT_THAT(JudgeOracle(Oracle(TnsAnswer::kRefuse, 12505, {"10.0.0.9"})).evidence[0].detail,
              HasSubstr("does not know SID OSSVC"));
}

TEST(IdentityTest, OracleAcceptIsPresenceNotIdentity) {
  for (TnsAnswer a : {TnsAnswer::kAccept, TnsAnswer::kRedirect, TnsAnswer::kResend}) {
    Identity id = JudgeOracle(Oracle(a, 0, {"10.0.0.9"}));
    EXPECT_EQ(id.verdict, Verdict::kUnknown);
    EXPECT_THAT(Find(id, "tns")->detail, HasSubstr("knows service OSSVC"));
  }
  EXPECT_EQ(JudgeOracle(Oracle(TnsAnswer::kAccept, 0, {"10.0.0.5"})).verdict, Verdict::kSame);
}

TEST(IdentityTest, OracleOtherRefusalsAndBothSidesRefusingDecideNothing) {
  EXPECT_EQ(JudgeOracle(Oracle(TnsAnswer::kRefuse, 12519, {"10.0.0.9"})).verdict,
            Verdict::kUnknown);
  OracleSides s = Oracle(TnsAnswer::kRefuse, 12514, {"10.0.0.9"});
  s.current.fingerprint.tns = TnsAnswer::kRefuse;
  s.current.fingerprint.tns_error = 12514;
  EXPECT_EQ(JudgeOracle(s).verdict, Verdict::kUnknown);
}

TEST(IdentityTest, OracleDnsOverlapWithARefusalIsAConflict) {
  EXPECT_EQ(JudgeOracle(Oracle(TnsAnswer::kRefuse, 12514, {"10.0.0.5"})).verdict,
            Verdict::kUnknown);
}

TEST(IdentityTest, InconclusiveSaysWhy) {
  Identity id = Inconclusive("db01", "the current address is encrypted in server.hsconf");
  EXPECT_EQ(id.verdict, Verdict::kUnknown);
  EXPECT_EQ(id.evidence[0].detail, "the current address is encrypted in server.hsconf");
  EXPECT_STREQ(VerdictName(Verdict::kDifferent), "different");
}

}  // namespace
}  // namespace osfleet::agent
