// Client certificates that are not what an operator's certificate must be, against a real
// agent over mTLS (certificates from the openssl CLI, signed by the fleet CA): both the
// viewer and the operator OU, an OU that only looks like a role, a CA certificate, no CN,
// a blank CN, two CNs. Each is refused with UNAUTHENTICATED saying what is wrong (the
// credential itself is unusable, whatever the call), for reads and writes alike, and a
// refused mutating call leaves an audit line that says so. A CN holding terminal escapes
// is shown escaped in osctl's output and in the agent's log.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCaExtensions[] =
    "basicConstraints=critical,CA:TRUE\n"
    "keyUsage=critical,digitalSignature,keyCertSign,cRLSign\n";

class HostileRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<OpensslPki>(tmp_.Sub("pki"));
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("alice", "osfleet:operator");
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.insecure = false;
    options.extra_args = {"--tls-cert", pki_->Path("dc01.pem"), "--tls-key", pki_->Path("dc01.key"),
                          "--tls-ca",   pki_->Path("ca.pem")};
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inv.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }

  // file.pem / file.key: a certificate with this exact subject (openssl -subj syntax)
  // and these extensions, signed by the fleet CA.
  void IssueRaw(const std::string& file, const std::string& subject,
                const std::string& extensions = "") {
    const std::string ext = pki_->Path(file + ".ext");
    WriteFile(ext, extensions + "subjectAltName=DNS:client\n");
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", pki_->Path(file + ".key"), "-out", pki_->Path(file + ".csr"), "-subj",
              subject, "-multivalue-rdn"},
             {"x509", "-req", "-in", pki_->Path(file + ".csr"), "-CA", pki_->Path("ca.pem"),
              "-CAkey", pki_->Path("ca.key"), "-CAcreateserial", "-out", pki_->Path(file + ".pem"),
              "-days", "2", "-extfile", ext}}) {
      std::vector<std::string> argv = {"/usr/bin/openssl"};
      argv.insert(argv.end(), args.begin(), args.end());
      const ProcessResult r = RunProgram(argv);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  // The certificate's serial as openssl prints it, without leading zeros.
  std::string SerialOf(const std::string& file) {
    const ProcessResult r = RunProgram(
        {"/usr/bin/openssl", "x509", "-in", pki_->Path(file + ".pem"), "-noout", "-serial"});
    std::string serial = r.out.substr(r.out.find('=') + 1);
    while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r')) serial.pop_back();
    return Unpadded(serial);
  }
  static std::string Unpadded(std::string hex) {
    while (hex.size() > 1 && hex[0] == '0') hex.erase(0, 1);
    return hex;
  }
  // "serial:00AB" and "serial:AB" are the same identity.
  static std::string Normalized(std::string identity) {
    if (identity.rfind("serial:", 0) == 0) return "serial:" + Unpadded(identity.substr(7));
    return identity;
  }

  std::unique_ptr<v1::Endpoints::Stub> Stub(const std::string& who) {
    return v1::Endpoints::NewStub(pki_->Channel(who, agent_->address(), "dc01"));
  }

  grpc::Status Get(const std::string& who) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetEndpointsResponse resp;
    return Stub(who)->Get(&ctx, {}, &resp);
  }

  ProcessResult Osctl(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--tls-ca", pki_->Path("ca.pem"),
                               "--tls-cert", pki_->Path(who + ".pem"), "--tls-key",
                               pki_->Path(who + ".key"), "--timeout", "5s"});
    return RunOsctl(args);
  }

  std::vector<nlohmann::json> AuditLines() {
    std::vector<nlohmann::json> lines;
    std::istringstream in(ReadFile(agent_->dir() + "/state/audit.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  // `who` is refused with UNAUTHENTICATED and `why`: a read from a generated client, a
  // Set from osctl and one from a generated client (neither changes anything), and the
  // Set's audit line.
  void ExpectRefused(const std::string& who, const std::string& why, const std::string& identity) {
    const grpc::Status get = Get(who);
    EXPECT_EQ(get.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << who << ": " << get.error_message();
    EXPECT_THAT(get.error_message(), HasSubstr(why));
    const std::string before = ReadFile(agent_->hsconf());
    const ProcessResult set = Osctl(who, {"endpoints", "set", "--platform", "SQLNEW"});
    EXPECT_NE(set.exit_code, 0) << set.out;
    EXPECT_THAT(set.out + set.err, HasSubstr("UNAUTHENTICATED")) << set.out << set.err;
    EXPECT_THAT(set.out + set.err, HasSubstr(why)) << set.out << set.err;
    EXPECT_EQ(ReadFile(agent_->hsconf()), before);
    // osctl stops at its first read; a generated client sends the Set itself, which is
    // refused and audited.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SetEndpointsRequest req;
    req.add_changes()->set_database(v1::DATABASE_PLATFORM);
    req.mutable_changes(0)->set_address("SQLNEW");
    req.set_force(true);
    v1::SetEndpointsResponse resp;
    const grpc::Status direct = Stub(who)->Set(&ctx, req, &resp);
    EXPECT_EQ(direct.error_code(), grpc::StatusCode::UNAUTHENTICATED) << direct.error_message();
    EXPECT_THAT(direct.error_message(), HasSubstr(why));
    EXPECT_EQ(ReadFile(agent_->hsconf()), before);
    const std::vector<nlohmann::json> lines = AuditLines();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back()["rpc"], "Endpoints.Set");
    EXPECT_EQ(Normalized(lines.back()["identity"].get<std::string>()), identity);
    EXPECT_THAT(lines.back()["result"].get<std::string>(),
                HasSubstr(absl::StrCat("UNAUTHENTICATED: client certificate")));
    EXPECT_THAT(lines.back()["result"].get<std::string>(), HasSubstr(why));
  }

  TempDir tmp_;
  std::unique_ptr<OpensslPki> pki_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
};

TEST_F(HostileRolesTest, AGoodOperatorIsStillServed) {
  EXPECT_OK(Get("alice"));
  const ProcessResult set = Osctl("alice", {"endpoints", "set", "--platform", "SQLNEW"});
  EXPECT_EQ(set.exit_code, 0) << set.out << set.err;
}

TEST_F(HostileRolesTest, ViewerAndOperatorOuIsRefused) {
  IssueRaw("mallory", "/OU=osfleet:viewer/OU=osfleet:operator/CN=mallory");
  ExpectRefused("mallory",
                "has 2 role OUs (\"osfleet:viewer\", \"osfleet:operator\"); a certificate must "
                "have exactly one",
                "mallory");
}

TEST_F(HostileRolesTest, RepeatedRoleOuAndMultiValuedRdnAreRefused) {
  IssueRaw("twice", "/OU=osfleet:operator/OU=osfleet:operator/CN=twice");
  ExpectRefused("twice", "has 2 role OUs", "twice");
  IssueRaw("plus", "/OU=osfleet:viewer+OU=osfleet:operator/CN=plus");
  ExpectRefused("plus", "has 2 role OUs", "plus");
}

TEST_F(HostileRolesTest, OuThatOnlyLooksLikeARoleIsRefused) {
  IssueRaw("eve", "/OU=OSFLEET:Operator/CN=eve");
  ExpectRefused("eve", "has OU \"OSFLEET:Operator\", which is not a role", "eve");
  IssueRaw("admin", "/OU=osfleet:admin/CN=admin");
  ExpectRefused("admin", "has OU \"osfleet:admin\", which is not a role", "admin");
}

TEST_F(HostileRolesTest, CaCertificateIsRefusedAsAClient) {
  IssueRaw("subca", "/OU=osfleet:operator/CN=subca", kCaExtensions);
  ExpectRefused("subca", "is a CA certificate (basicConstraints CA:TRUE)", "subca");
}

TEST_F(HostileRolesTest, CertificateWithoutACommonNameIsRefused) {
  IssueRaw("nocn", "/OU=osfleet:operator/O=nobody");
  ExpectRefused("nocn", "has no CN", absl::StrCat("serial:", SerialOf("nocn")));
  IssueRaw("blank", "/OU=osfleet:operator/CN=\\ ");
  ExpectRefused("blank", "has an empty CN (\" \")", absl::StrCat("serial:", SerialOf("blank")));
}

TEST_F(HostileRolesTest, CertificateWithTwoCommonNamesIsRefused) {
  IssueRaw("twocn", "/OU=osfleet:operator/CN=alice/CN=admin");
  ExpectRefused("twocn",
                "has 2 CNs (\"alice\", \"admin\"); a client certificate must have exactly one",
                absl::StrCat("serial:", SerialOf("twocn")));
}

TEST_F(HostileRolesTest, CommonNameWithTerminalEscapesIsShownEscaped) {
  IssueRaw("esc", "/OU=osfleet:viewer/CN=bob\x1b]0;pwned\x07\x1b[2J");
  const ProcessResult set = Osctl("esc", {"endpoints", "set", "--platform", "SQLNEW"});
  EXPECT_NE(set.exit_code, 0);
  const std::string shown = "CN=bob\\u001b]0;pwned\\u0007\\u001b[2J has viewer";
  EXPECT_THAT(set.out + set.err, HasSubstr(shown)) << absl::CHexEscape(set.out + set.err);
  const std::string log = ReadFile(agent_->log());
  for (const std::string& text : {set.out, set.err, log}) {
    EXPECT_THAT(text, Not(HasSubstr("\x1b"))) << absl::CHexEscape(text);
    EXPECT_THAT(text, Not(HasSubstr("\x07"))) << absl::CHexEscape(text);
  }
  EXPECT_THAT(log, HasSubstr("(bob\\u001b]0;pwned\\u0007\\u001b[2J)")) << log;
}

}  // namespace
}  // namespace osfleet::testing
