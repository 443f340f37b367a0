#include "ctl/fleet/inventory.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "ctl/output/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = dir_ + "/inv.yaml";
  }

  absl::StatusOr<Inventory> Load(const std::string& yaml) {
    std::ofstream(path_, std::ios::trunc) << yaml;
    return LoadInventory(path_);
  }
  // Expects INVALID_ARGUMENT whose message starts at "inv.yaml:LINE: " and has `text`.
  void ExpectError(const std::string& yaml, int line, const std::string& text) {
    absl::StatusOr<Inventory> inv = Load(yaml);
    ASSERT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument));
    const std::string message(inv.status().message());
    EXPECT_THAT(message, HasSubstr(absl::StrCat(path_, ":", line, ": "))) << yaml;
    EXPECT_THAT(message, HasSubstr(text)) << yaml;
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_, path_;
};

constexpr char kGood[] =
    "defaults:\n"
    "  port: 7500\n"
    "  tls: {ca: pki/ca.pem, cert: /abs/operator.pem, key: pki/operator.key}\n"
    "servers:\n"
    "  - name: dc01\n"
    "    address: 10.0.0.5\n"
    "    role: deployment_controller\n"
    "    labels: {site: lisbon, tier: core}\n"
    "  - name: fe01\n"
    "    address: fe01.corp.example.com:9000\n"
    "    role: front_end\n"
    "  - name: fe02\n"
    "    address: \"[2001:db8::7]\"\n"
    "    role: fe\n";

TEST_F(InventoryTest, LoadsServersInOrderWithDefaults) {
  absl::StatusOr<Inventory> inv = Load(kGood);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->path, path_);
  EXPECT_EQ(inv->default_port, 7500u);
  ASSERT_EQ(inv->servers.size(), 3u);
  EXPECT_EQ(inv->servers[0].name, "dc01");
  EXPECT_EQ(inv->servers[0].role, v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(inv->servers[0].Target(), "10.0.0.5:7500");
  EXPECT_THAT(inv->servers[0].labels, ElementsAre(Pair("site", "lisbon"), Pair("tier", "core")));
  EXPECT_EQ(inv->servers[1].Target(), "fe01.corp.example.com:9000");
  EXPECT_EQ(inv->servers[1].role, v1::SERVER_ROLE_FRONT_END);
  EXPECT_TRUE(inv->servers[1].labels.empty());
  EXPECT_EQ(inv->servers[2].address.host, "2001:db8::7");
  EXPECT_EQ(inv->servers[2].Target(), "[2001:db8::7]:7500");
}

TEST_F(InventoryTest, RelativeTlsPathsResolveAgainstTheInventoryFolder) {
  absl::StatusOr<Inventory> inv = Load(kGood);
  ASSERT_OK(inv);
  EXPECT_EQ(inv->tls.ca, dir_ + "/pki/ca.pem");
  EXPECT_EQ(inv->tls.cert, "/abs/operator.pem");
  EXPECT_EQ(inv->tls.key, dir_ + "/pki/operator.key");
}

// The one absolute-path rule (common/text/absolute_path.h): osctl.exe's inventory names
// its TLS files with drive and UNC paths, kept as written on every OS.
TEST_F(InventoryTest, WindowsAbsoluteTlsPathsAreKeptAsWritten) {
  absl::StatusOr<Inventory> inv = Load(
      "defaults:\n"
      "  tls: {ca: 'C:\\pki\\ca.pem', cert: 'D:/pki/operator.pem', "
      "key: '\\\\fs01\\pki\\operator.key'}\n"
      "servers:\n  - {name: a, address: h1, role: dc}\n");
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->tls.ca, "C:\\pki\\ca.pem");
  EXPECT_EQ(inv->tls.cert, "D:/pki/operator.pem");
  EXPECT_EQ(inv->tls.key, "\\\\fs01\\pki\\operator.key");
}

TEST_F(InventoryTest, DefaultPortIs7443) {
  absl::StatusOr<Inventory> inv = Load("servers:\n  - {name: a, address: h1, role: dc}\n");
  ASSERT_OK(inv);
  EXPECT_EQ(inv->default_port, 7443u);
  ASSERT_EQ(inv->servers.size(), 1u);
  ASSERT_TRUE(inv->servers[0].address.port.has_value());
  EXPECT_EQ(*inv->servers[0].address.port, 7443u);
  EXPECT_EQ(inv->servers[0].Target(), "h1:7443");
}

TEST_F(InventoryTest, UnknownTopLevelKey) {
  ExpectError("servers:\n  - {name: a, address: h1, role: dc}\nserver: []\n", 3,
              "unknown key 'server'");
}

TEST_F(InventoryTest, UnknownServerKey) {
  ExpectError(
      "servers:\n"
      "  - name: a\n"
      "    address: h1\n"
      "    rol: dc\n",
      4, "unknown key 'rol'");
}

TEST_F(InventoryTest, UnknownDefaultsKeys) {
  ExpectError("defaults:\n  prot: 1\nservers:\n  - {name: a, address: h, role: dc}\n", 2,
              "unknown key 'prot'");
  ExpectError("defaults:\n  tls:\n    ca: x\n    crt: y\nservers: []\n", 4, "unknown key 'crt'");
}

TEST_F(InventoryTest, MissingRequiredFields) {
  const char* header = "servers:\n  - {name: ok, address: h0, role: dc}\n";
  ExpectError(absl::StrCat(header, "  - address: h1\n    role: fe\n"), 3, "missing 'name'");
  ExpectError(absl::StrCat(header, "  - name: b\n    role: fe\n"), 3, "missing 'address'");
  ExpectError(absl::StrCat(header, "  - name: b\n    address: h1\n"), 3, "missing 'role'");
}

TEST_F(InventoryTest, DuplicateNames) {
  ExpectError(
      "servers:\n"
      "  - {name: fe01, address: h1, role: fe}\n"
      "  - {name: fe02, address: h2, role: fe}\n"
      "  - {name: fe01, address: h3, role: fe}\n",
      4, "'fe01' appears more than once");
}

TEST_F(InventoryTest, BadAddress) {
  ExpectError(
      "servers:\n"
      "  - name: fe01\n"
      "    role: fe\n"
      "    address: bad_host!:7443\n",
      4, "address");
  ExpectError("servers:\n  - {name: a, role: fe,\n     address: 'h:99999'}\n", 3, "port");
  ExpectError("servers:\n  - {name: a, role: fe, address: '2001:db8::1'}\n", 2, "IPv6");
}

TEST_F(InventoryTest, BadRole) {
  ExpectError(
      "servers:\n"
      "  - name: fe01\n"
      "    address: h1\n"
      "    role: backend\n",
      4, "role 'backend'");
}

TEST_F(InventoryTest, TwoDeploymentControllers) {
  ExpectError(
      "servers:\n"
      "  - {name: dc01, address: h1, role: dc}\n"
      "  - {name: fe01, address: h2, role: fe}\n"
      "  - {name: dc02, address: h3, role: deployment_controller}\n",
      4, "'dc02' is a second deployment_controller");
}

TEST_F(InventoryTest, EmptyOrMissingServerList) {
  for (const char* yaml : {"servers: []\n", "defaults: {port: 1}\n", "servers:\n"}) {
    absl::StatusOr<Inventory> inv = Load(yaml);
    EXPECT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument)) << yaml;
    EXPECT_THAT(std::string(inv.status().message()), HasSubstr(path_ + ": 'servers:'")) << yaml;
  }
}

TEST_F(InventoryTest, BadDefaultPort) {
  ExpectError("defaults:\n  port: 0\nservers:\n  - {name: a, address: h, role: dc}\n", 2,
              "port: must be 1..65535");
  ExpectError("defaults:\n  port: many\nservers:\n  - {name: a, address: h, role: dc}\n", 2,
              "port: expected an integer");
}

TEST_F(InventoryTest, LabelsMustBeAMapOfStrings) {
  ExpectError("servers:\n  - name: a\n    address: h\n    role: dc\n    labels: [x]\n", 5,
              "labels: expected a mapping");
  ExpectError("servers:\n  - name: a\n    address: h\n    role: dc\n    labels:\n      k: [1]\n", 6,
              "k: expected a string");
}

TEST_F(InventoryTest, YamlSyntaxErrorHasFileAndLine) {
  absl::StatusOr<Inventory> inv = Load("servers:\n  - {name: a, address: h\n");
  EXPECT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(inv.status().message()), HasSubstr(path_ + ":"));
}

TEST_F(InventoryTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadInventory(dir_ + "/none.yaml"), StatusIs(absl::StatusCode::kNotFound));
}

// An empty name cannot be selected, certified or reported.
TEST_F(InventoryTest, EmptyNameIsRefused) {
  ExpectError("servers:\n  - {name: '', address: h1, role: dc}\n", 2, "name");
}

// Port 0 can be listened on, never dialled.
TEST_F(InventoryTest, AgentPortZeroIsRefused) {
  ExpectError("servers:\n  - {name: a, address: 'h1:0', role: dc}\n", 2, "port");
}

// A repeated key is an error, not "first one wins".
TEST_F(InventoryTest, RepeatedKeyIsRefused) {
  ExpectError("servers:\n  - name: a\n    name: b\n    address: h1\n    role: dc\n", 3, "name");
}

// Names must be usable in --limit and certificates.
TEST_F(InventoryTest, NameWithLimitSyntaxIsRefused) {
  ExpectError("servers:\n  - {name: 'fe01,fe02', address: h1, role: dc}\n", 2, "name");
  ExpectError("servers:\n  - {name: all, address: h1, role: dc}\n", 2, "not 'all'");
}

// Saved in a code page: osctl exits 2 and names the file, the line and the column.
TEST_F(InventoryTest, FileThatIsNotUtf8IsUsageErrorWithFileAndLine) {
  absl::StatusOr<Inventory> inv =
      Load("servers:\n  - name: dc01\n    address: caf\xE9.corp\n    role: dc\n");
  ASSERT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(inv.status().message(), HasSubstr(absl::StrCat(path_, ":3:17: not valid UTF-8")));
  EXPECT_EQ(ExitCodeFor(inv.status()), kExitUsage);
}

TEST_F(InventoryTest, FileThatIsNotYamlIsUsageErrorWithFileAndLine) {
  for (const std::string bad : {"servers: [\n  {name: dc01\n",
                                "\x7F"
                                "ELF\x01\x02\x01\n[",
                                "- a\nb: c\n"}) {
    absl::StatusOr<Inventory> inv = Load(bad);
    ASSERT_THAT(inv, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(inv.status().message()), ::testing::MatchesRegex(path_ + ":[0-9]+:.*"));
    EXPECT_EQ(ExitCodeFor(inv.status()), kExitUsage);
  }
  // A document that is YAML but not a mapping.
  ExpectError("just a string\n", 1, "inventory: expected a mapping");
}

}  // namespace
}  // namespace osfleet::ctl
