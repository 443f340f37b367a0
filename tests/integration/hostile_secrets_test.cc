// What must never reach a terminal or a log. (1) The Service Center credentials: a
// Service Center, or a proxy in front of it, that echoes what it was sent puts the hash
// or `Authorization: Basic base64(user:#hash)` in an error page, a SOAP fault or a publish
// message, whole, cut short or folded over lines; none of it may reach osctl's output
// (table or JSON), the agent's log or the audit log. (2) Terminal escapes: ESC, BEL, CR,
// C1 controls and bidi overrides in server.hsconf values or a backup reason are shown as
// visible escapes by osctl, never sent to the terminal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
// No piece of it may be a word osfleet prints (the WSDL URL names PlatformServices).
constexpr char kHash[] = "Qx7PltfrmEncrypted+Value/9f8e7d6c5b4a==";

// A Service Center that answers Modules_Get with two modules and then, depending on its
// mode, echoes the credentials back the way a broken proxy or a chatty server would.
constexpr char kEchoServer[] = R"PY(
import base64, re, sys, os, tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, port_file = sys.argv[1], sys.argv[2]
last_auth = ['']  # the Authorization header of the REST call, echoed by later answers
ENV = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
       'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>%s</soap:Body>'
       '</soap:Envelope>')
MODULES = ('<Modules_GetResponse xmlns="http://www.outsystems.com"><Modules_GetResult>'
           '<Module><Name>Home</Name><Key>k1</Key><Kind>eSpace</Kind></Module>'
           '<Module><Name>Ext</Name><Key>k2</Key><Kind>Extension</Kind></Module>'
           '</Modules_GetResult></Modules_GetResponse>')

def xml_escape(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype='text/xml; charset=utf-8'):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        auth = self.headers.get('Authorization', '')
        if 'rest/' in self.path.lower():
            return self.rest(auth)
        op = re.search(r'<(\w+) xmlns="http://www.outsystems.com"', body).group(1)
        password = re.search(r'<password>(.*?)</password>', body).group(1)
        if op == 'Modules_Get' and mode == 'soap-cut':
            # A 400 page that echoes the request body: the hash straddles byte 200.
            pad = 'x' * (200 - len('Bad request: ') - len('<password>') - 12)
            return self.answer(400, 'Bad request: %s<password>%s</password>' % (pad, password),
                               'text/plain')
        if op == 'Modules_Get' and mode == 'soap-fault':
            user = re.search(r'<username>(.*?)</username>', body).group(1)
            token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
            fault = ('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Login failed '
                     'for %s (credentials %s, password %s)</faultstring></soap:Fault>'
                     % (xml_escape(user), token, xml_escape(password)))
            return self.answer(500, ENV % fault)
        if op == 'Modules_Get':
            return self.answer(200, ENV % MODULES)
        if op == 'SolutionPack_GetPublishMessages':
            msg = ('<SolutionPack_GetPublishMessagesResponse xmlns="http://www.outsystems.com">'
                   '<SolutionPack_GetPublishMessagesResult><Message><Id>1</Id><Type>Warning'
                   '</Type><Message>proxy: request was Authorization: %s</Message><Detail>'
                   'retry with %s</Detail></Message></SolutionPack_GetPublishMessagesResult>'
                   '<lastMessageId>1</lastMessageId><finished>true</finished>'
                   '</SolutionPack_GetPublishMessagesResponse>'
                   % (last_auth[0], last_auth[0].split(' ')[-1]))
            return self.answer(200, ENV % msg)
        return self.answer(200, ENV % ('<%sResponse xmlns="http://www.outsystems.com"/>' % op))

    def rest(self, auth):
        last_auth[0] = auth
        if mode == 'rest-echo':      # the header, whole, at the start of an error page
            return self.answer(400, 'Bad Request\r\nAuthorization: %s\r\nHost: sc' % auth,
                               'text/plain')
        if mode == 'rest-cut':       # cut by the 200-byte snippet 30 characters in
            pad = 'y' * (200 - len('Authorization: Basic ') - 30)
            return self.answer(400, pad + 'Authorization: ' + auth, 'text/plain')
        if mode == 'rest-folded':    # folded over two lines (obsolete line folding)
            token = auth.split(' ')[1]
            return self.answer(502, 'Proxy error; sent Authorization: Basic %s\r\n   %s\r\n'
                               % (token[:25], token[25:]), 'text/plain')
        if mode == 'rest-json':
            return self.answer(409,
                               '{"Errors":[{"Message":"conflict","Detail":"%s"}]}' % auth,
                               'application/json')
        return self.answer(200, '{"publishId": 42}', 'application/json')

server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(port_file))
os.write(fd, str(server.server_address[1]).encode())
os.close(fd)
os.rename(tmp, port_file)
server.serve_forever()
)PY";

std::string Token() { return absl::Base64Escape(absl::StrCat(kUser, ":#", kHash)); }

// Every 8-character piece of the hash, and of the Basic token from where it carries bits
// of the hash: finding any of them in a text is a leak.
std::vector<std::string> SecretPieces() {
  std::vector<std::string> pieces;
  const std::string hash = kHash;
  for (size_t i = 0; i + 8 <= hash.size(); ++i) pieces.push_back(hash.substr(i, 8));
  const std::string token = Token();
  const size_t first_secret = (sizeof(kUser) - 1 + 2) * 8 / 6;  // after "user:#"
  for (size_t i = first_secret > 7 ? first_secret - 7 : 0; i + 8 <= token.size(); ++i) {
    pieces.push_back(token.substr(i, 8));
  }
  return pieces;
}

void ExpectNoSecret(const std::string& text, const std::string& where) {
  for (const std::string& piece : SecretPieces()) {
    ASSERT_THAT(text, Not(HasSubstr(piece))) << where << " leaks \"" << piece << "\":\n" << text;
  }
}

class HostileSecretsTest : public ::testing::Test {
 protected:
  void Start(const std::string& mode) {
    const std::string sc = tmp_.Sub("sc");
    mkdir(sc.c_str(), 0755);
    WriteFile(sc + "/echo.py", kEchoServer);
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/python3", sc + "/echo.py", mode, sc + "/port"},
        sc + "/server.log");
    int port = 0;
    ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(sc + "/port"), &port); },
                        absl::Seconds(20)));
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    WriteFile(dir + "/sc.hash", absl::StrCat("#", kHash, "\n"));
    chmod((dir + "/sc.hash").c_str(), 0600);
    WriteFile(dir + "/agent.yaml",
              absl::StrCat("service_center:\n  driver: http\n  url: http://127.0.0.1:", port,
                           "\n  user: ", kUser, "\n  password_hash_file: ", dir,
                           "/sc.hash\n  poll_interval: 20ms\n  request_timeout: 5s\n"));
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.extra_args = {"--config", dir + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }

  // `osctl sc run` as a table and as JSON; then the agent's log and audit log. Each must
  // hold no piece of the secret, and `expect` where the echo was.
  void RunAndCheck(int exit_code, const std::string& expect) {
    for (const char* format : {"table", "json", "jsonl"}) {
      const ProcessResult r =
          RunOsctl({"--inventory", inventory_, "--insecure", "--output", format, "sc", "run"});
      EXPECT_EQ(r.exit_code, exit_code) << r.out << r.err;
      ExpectNoSecret(r.out, absl::StrCat("osctl --output ", format, " (stdout)"));
      ExpectNoSecret(r.err, absl::StrCat("osctl --output ", format, " (stderr)"));
      EXPECT_THAT(r.out + r.err, HasSubstr(expect)) << r.out << r.err;
      if (std::string(format) == "json") {
        EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << r.out;
      }
    }
    ExpectNoSecret(ReadFile(agent_->log()), "the agent's log");
    const std::string audit = ReadFile(agent_->dir() + "/state/audit.log");
    EXPECT_THAT(audit, HasSubstr("ServiceCenter.RunPhase"));
    ExpectNoSecret(audit, "the audit log");
  }

  TempDir tmp_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
};

TEST_F(HostileSecretsTest, EchoedBasicHeaderIsMasked) {
  Start("rest-echo");
  RunAndCheck(1, "Authorization: Basic ***");
}

TEST_F(HostileSecretsTest, BasicHeaderCutByTheSnippetIsMasked) {
  Start("rest-cut");
  RunAndCheck(1, "Authorization: Basic ***");
}

TEST_F(HostileSecretsTest, BasicHeaderFoldedOverLinesIsMasked) {
  Start("rest-folded");
  RunAndCheck(1, "Authorization: Basic ***");
}

TEST_F(HostileSecretsTest, BasicHeaderInAJsonErrorIsMasked) {
  Start("rest-json");
  RunAndCheck(1, "Basic ***");
}

TEST_F(HostileSecretsTest, HashCutByTheSnippetIsMasked) {
  Start("soap-cut");
  RunAndCheck(1, "<password>***");
}

TEST_F(HostileSecretsTest, HashAndBase64InASoapFaultAreMasked) {
  Start("soap-fault");
  RunAndCheck(1, "credentials ***, password ***");
}

TEST_F(HostileSecretsTest, EchoInPublishMessagesIsMasked) {
  Start("ok");
  RunAndCheck(0, "request was Authorization: Basic ***");
}

// --- Terminal escapes -----------------------------------------------------------------

// ESC ] 0 ; … BEL retitles the window, ESC [ 2 J clears the screen, CR overwrites the line,
// U+009B is an 8-bit CSI, U+202E reverses what follows.
constexpr char kHostile[] =
    "evil\x1b]0;pwned\x07\x1b[2J\rFAKE\xC2\x9B"
    "1m\xE2\x80\xAE"
    "x";
constexpr char kShown[] = "evil\\u001b]0;pwned\\u0007\\u001b[2J\\rFAKE\\u009b1m\\u202ex";
// XML turns a CR read from a file into LF (end-of-line handling): a file value comes back so.
constexpr char kHostileFromXml[] =
    "evil\x1b]0;pwned\x07\x1b[2J\nFAKE\xC2\x9B"
    "1m\xE2\x80\xAE"
    "x";
constexpr char kShownFromXml[] = "evil\\u001b]0;pwned\\u0007\\u001b[2J\\nFAKE\\u009b1m\\u202ex";

void ExpectNoControls(const std::string& text, const std::string& where) {
  for (const char* raw : {"\x1b", "\x07", "\r", "\xC2\x9B", "\xE2\x80\xAE"}) {
    EXPECT_THAT(text, Not(HasSubstr(raw))) << where << ":\n" << absl::CHexEscape(text);
  }
}

class HostileEscapesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("fe01");
    mkdir(dir_.c_str(), 0755);
    // The Log database's server and catalog hold the hostile text.
    std::string hsconf = ReadFile(FixturePath("sqlserver-dc.hsconf"));
    const size_t catalog = hsconf.find(">outsystems_log<");
    ASSERT_NE(catalog, std::string::npos) << "fixture changed?";
    hsconf.replace(catalog + 1, std::string("outsystems_log").size(), kHostile);
    const size_t server_end = hsconf.rfind("</Server>", catalog);
    const size_t server_begin = hsconf.rfind('>', server_end) + 1;
    hsconf.replace(server_begin, server_end - server_begin, kHostile);
    WriteFile(dir_ + "/server.hsconf", hsconf);
    AgentOptions options{"fe01", "front_end", ""};
    options.hsconf = dir_ + "/server.hsconf";
    agent_ = std::make_unique<Agent>(dir_, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ =
        WriteInventory(tmp_.Sub("inventory.yaml"), {{"fe01", agent_->address(), "front_end"}});
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    return RunOsctl(args);
  }

  TempDir tmp_;
  std::string dir_, inventory_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HostileEscapesTest, FileValuesAreShownEscaped) {
  const ProcessResult table = Osctl({"endpoints", "get"});
  EXPECT_EQ(table.exit_code, 0) << table.out << table.err;
  ExpectNoControls(table.out + table.err, "endpoints get");
  EXPECT_THAT(table.out, HasSubstr(kShownFromXml)) << absl::CHexEscape(table.out);
  // JSON keeps the value itself (escaped the JSON way): it parses back to the same text.
  const ProcessResult json = Osctl({"endpoints", "get", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  ExpectNoControls(json.out, "endpoints get --output json");
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  bool found = false;
  for (const auto& e : doc["hosts"][0]["result"]["endpoints"]) {
    if (e.value("catalog", "") == kHostileFromXml) found = true;
  }
  EXPECT_TRUE(found) << json.out;
}

TEST_F(HostileEscapesTest, BackupReasonIsShownEscaped) {
  const ProcessResult set =
      Osctl({"endpoints", "set", "--platform", "SQLNEW01.corp.example.com", "--reason", kHostile});
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  const ProcessResult backups = Osctl({"endpoints", "backups"});
  EXPECT_EQ(backups.exit_code, 0) << backups.out << backups.err;
  ExpectNoControls(backups.out + backups.err, "endpoints backups");
  EXPECT_THAT(backups.out, HasSubstr(kShown)) << absl::CHexEscape(backups.out);
  const std::string audit = ReadFile(dir_ + "/state/audit.log");
  ExpectNoControls(audit, "the audit log");
  ExpectNoControls(ReadFile(agent_->log()), "the agent's log");
}

}  // namespace
}  // namespace osfleet::testing
