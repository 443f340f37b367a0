// The API reference (docs/api.md) and the operations guide (docs/operations.md) name every
// RPC of every service in protos/osfleet/v1/*.proto, and no RPC that does not exist. The
// .proto files are read as they are on disk (protobuf's own tokenizer), so a new RPC or a
// new file is checked without touching this test.
#include <gmock/gmock.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "osfleet/v1/agent.pb.h"
#include "osfleet/v1/endpoints.pb.h"
#include "osfleet/v1/service_center.pb.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet {
namespace {

using ::testing::IsEmpty;

const std::string kSourceDir = OSFLEET_SOURCE_DIR;

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors += absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message, "\n");
  }
  std::string errors;

 private:
  std::string file_;
};

// "Service/Method" for every rpc of every service of one .proto file, read with protobuf's
// own tokenizer (comments and strings are not statements): `service NAME {` at the top
// level, `rpc NAME` right inside it.
std::set<std::string> RpcsInProto(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  google::protobuf::io::IstreamInputStream input(&in);
  CollectErrors errors(path);
  google::protobuf::io::Tokenizer tokens(&input, &errors);
  std::set<std::string> rpcs;
  std::string service, previous;
  int depth = 0;
  while (tokens.Next()) {
    const std::string& token = tokens.current().text;
    if (token == "{") {
      ++depth;
    } else if (token == "}") {
      if (--depth == 0) service.clear();
    } else if (tokens.current().type == google::protobuf::io::Tokenizer::TYPE_IDENTIFIER) {
      if (previous == "service" && depth == 0) service = token;
      if (previous == "rpc" && depth == 1 && !service.empty()) {
        rpcs.insert(absl::StrCat(service, "/", token));
      }
    }
    previous = token;
  }
  EXPECT_EQ(depth, 0) << path << ": unbalanced braces";
  EXPECT_EQ(errors.errors, "");
  return rpcs;
}

// "Endpoints/Get" for every rpc of every service of protos/osfleet/v1/*.proto.
std::set<std::string> RpcsInProtos() {
  std::set<std::string> rpcs;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir + "/protos/osfleet/v1")) {
    if (entry.path().extension() != ".proto") continue;
    std::set<std::string> in_file = RpcsInProto(entry.path().string());
    rpcs.insert(in_file.begin(), in_file.end());
  }
  return rpcs;
}

// The same, from the descriptors compiled into this binary (each file named once here).
std::set<std::string> RpcsCompiledIn() {
  std::set<std::string> rpcs;
  for (const google::protobuf::FileDescriptor* file :
       {v1::GetInfoRequest::descriptor()->file(), v1::GetEndpointsRequest::descriptor()->file(),
        v1::ListServicesRequest::descriptor()->file(), v1::RunPhaseRequest::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        rpcs.insert(absl::StrCat(service->name(), "/", service->method(m)->name()));
      }
    }
  }
  return rpcs;
}

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Every "Service/Method" the text names, bare or as "osfleet.v1.Service/Method", and
// "Service/A|B|C" for several. Paths ("/ServiceCenter/rest", "protos/osfleet") and other
// packages' names ("grpc.health.v1.Health/Check") are not RPCs of ours.
std::set<std::string> RpcsNamedIn(const std::string& text) {
  std::set<std::string> named;
  for (size_t slash = text.find('/'); slash != std::string::npos;
       slash = text.find('/', slash + 1)) {
    size_t begin = slash;
    while (begin > 0 && IsNameChar(text[begin - 1])) --begin;
    size_t end = slash + 1;
    while (end < text.size() && (IsNameChar(text[end]) || text[end] == '|')) ++end;
    const std::string service = text.substr(begin, slash - begin);
    if (service.empty() || !absl::ascii_isupper(static_cast<unsigned char>(service[0]))) continue;
    const absl::string_view before = absl::string_view(text).substr(0, begin);
    if (absl::EndsWith(before, "/") ||
        (absl::EndsWith(before, ".") && !absl::EndsWith(before, "osfleet.v1."))) {
      continue;
    }
    for (absl::string_view method : absl::StrSplit(text.substr(slash + 1, end - slash - 1), '|')) {
      if (method.empty() || !absl::ascii_isupper(static_cast<unsigned char>(method[0]))) continue;
      named.insert(absl::StrCat(service, "/", method));
    }
  }
  return named;
}

std::string ReadDoc(const std::string& name) {
  std::ifstream in(kSourceDir + "/docs/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read docs/" << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What `wanted` holds that `have` does not, e.g. {"Endpoints/Renew"}.
std::set<std::string> Missing(const std::set<std::string>& wanted,
                              const std::set<std::string>& have) {
  std::set<std::string> out;
  for (const std::string& w : wanted) {
    if (have.count(w) == 0) out.insert(w);
  }
  return out;
}

// The named RPCs of our services (the part before the '/') that the protos do not have.
std::set<std::string> Unknown(const std::set<std::string>& named,
                              const std::set<std::string>& rpcs) {
  std::set<std::string> services;
  for (const std::string& rpc : rpcs) services.insert(rpc.substr(0, rpc.find('/')));
  std::set<std::string> out;
  for (const std::string& n : Missing(named, rpcs)) {
    if (services.count(n.substr(0, n.find('/'))) > 0) out.insert(n);
  }
  return out;
}

TEST(RpcDocsTest, ReadsRpcNamesInEveryForm) {
  EXPECT_EQ(RpcsNamedIn("`osfleet.v1.Endpoints/Get|Plan|ListBackups` and `Agent/GetInfo`; "
                        "| `Services/List` |"),
            (std::set<std::string>{"Endpoints/Get", "Endpoints/Plan", "Endpoints/ListBackups",
                                   "Agent/GetInfo", "Services/List"}));
  EXPECT_THAT(RpcsNamedIn("protos/osfleet/v1, /ServiceCenter/PlatformServices_v8_0_0.asmx, "
                          "grpc.health.v1.Health/Check, start/stop, docs/Operations.md"),
              IsEmpty());
}

// The reading of the .proto files agrees with protoc's.
TEST(RpcDocsTest, TheProtosHaveTheRpcsTheCompilerSees) {
  const std::set<std::string> rpcs = RpcsInProtos();
  EXPECT_EQ(rpcs, RpcsCompiledIn());
  EXPECT_EQ(rpcs.count("Endpoints/Renew"), 1u);
  EXPECT_EQ(rpcs.count("ServiceCenter/RunPhase"), 1u);
}

TEST(RpcDocsTest, ApiReferenceNamesEveryRpcAndNoOther) {
  const std::set<std::string> rpcs = RpcsInProtos();
  const std::set<std::string> named = RpcsNamedIn(ReadDoc("api.md"));
  EXPECT_THAT(Missing(rpcs, named), IsEmpty()) << "RPCs docs/api.md does not name";
  EXPECT_THAT(Unknown(named, rpcs), IsEmpty()) << "RPCs docs/api.md names that do not exist";
}

TEST(RpcDocsTest, OperationsGuideNamesEveryRpcAndNoOther) {
  const std::set<std::string> rpcs = RpcsInProtos();
  const std::set<std::string> named = RpcsNamedIn(ReadDoc("operations.md"));
  EXPECT_THAT(Missing(rpcs, named), IsEmpty()) << "RPCs docs/operations.md does not name";
  EXPECT_THAT(Unknown(named, rpcs), IsEmpty()) << "RPCs docs/operations.md names that do not exist";
}

// Health and both reflection versions are part of the API the docs describe.
TEST(RpcDocsTest, BothDocsNameHealthAndBothReflectionVersions) {
  for (const std::string doc : {"api.md", "operations.md"}) {
    const std::string text = ReadDoc(doc);
    EXPECT_TRUE(absl::StrContains(text, "grpc.health.v1.Health")) << doc;
    EXPECT_TRUE(absl::StrContains(text, "grpc.reflection.v1.ServerReflection")) << doc;
    EXPECT_TRUE(absl::StrContains(text, "grpc.reflection.v1alpha.ServerReflection")) << doc;
  }
}

}  // namespace
}  // namespace osfleet
