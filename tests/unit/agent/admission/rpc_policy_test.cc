// The RPC policy table against the API as protoc compiled it: every RPC of every service in
// protos/osfleet/v1/*.proto has exactly one row, every row names an RPC that exists, and
// the row streams when the RPC does. The .proto files are listed from disk, so a new file or
// a new RPC is checked without touching this test; its descriptors are those compiled into
// this binary (the generated pool). gRPC's health and reflection services have no rows:
// they need no role and take no slot (rpc_policy.h).
#include "agent/admission/rpc_policy.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/admission/call_gate.h"
#include "osfleet/v1/agent.grpc.pb.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"

namespace osfleet::agent {
namespace {

using ::testing::IsEmpty;

constexpr absl::string_view kPackage = "osfleet.v1.";

// "Endpoints.Set" -> whether it streams, for every RPC of every osfleet.v1 service.
std::map<std::string, bool> CompiledRpcs() {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  // The generated code registers a file with the pool only when it is linked in: naming each
  // service keeps them linked (the walk below finds them by file, not by these names).
  for (const char* service :
       {v1::Agent::service_full_name(), v1::Endpoints::service_full_name(),
        v1::Services::service_full_name(), v1::ServiceCenter::service_full_name()}) {
    EXPECT_NE(pool->FindServiceByName(service), nullptr) << service;
  }
  std::map<std::string, bool> rpcs;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(OSFLEET_SOURCE_DIR) +
                                                               "/protos/osfleet/v1")) {
    if (entry.path().extension() != ".proto") continue;
    const std::string name = absl::StrCat("osfleet/v1/", entry.path().filename().string());
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(name);
    EXPECT_NE(file, nullptr) << name << " is not compiled into the tests";
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = service->method(m);
        const std::string full = method->full_name();  // "osfleet.v1.Endpoints.Set"
        EXPECT_TRUE(absl::StartsWith(full, kPackage)) << full;
        rpcs[full.substr(kPackage.size())] = method->server_streaming();
        EXPECT_FALSE(method->client_streaming()) << full << ": no handler reads a stream";
      }
    }
  }
  return rpcs;
}

TEST(RpcPolicyTest, EveryRpcHasARowAndEveryRowAnRpc) {
  const std::map<std::string, bool> compiled = CompiledRpcs();
  ASSERT_GE(compiled.size(), 17u);  // Agent 2, Endpoints 12, Services 2, ServiceCenter 1
  std::set<std::string> rows;
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    const std::string name(rpc->name);
    EXPECT_TRUE(rows.insert(name).second) << name << " has two rows";
    EXPECT_EQ(compiled.count(name), 1u) << name << ": a row for an RPC the protos do not have";
  }
  std::set<std::string> without_row;
  for (const auto& [name, streams] : compiled) {
    if (rows.count(name) == 0) without_row.insert(name);
  }
  EXPECT_THAT(without_row, IsEmpty()) << "RPCs without a row in agent/admission/rpc_policy.h";
}

TEST(RpcPolicyTest, ARowStreamsWhenItsRpcDoes) {
  const std::map<std::string, bool> compiled = CompiledRpcs();
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    const auto it = compiled.find(std::string(rpc->name));
    if (it == compiled.end()) continue;  // reported above
    EXPECT_EQ(rpc->reply == Reply::kStream, it->second) << rpc->name;
  }
}

TEST(RpcPolicyTest, EachRowIsFoundByItsNameAndUnknownNamesAreTheStrictest) {
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    EXPECT_EQ(&RpcPolicyNamed(rpc->name), rpc) << rpc->name;
  }
  for (absl::string_view name : {"", "Endpoints.DeleteEverything", "endpoints.set", "Set"}) {
    SCOPED_TRACE(name);
    const RpcPolicy& rpc = RpcPolicyNamed(name);
    EXPECT_EQ(&rpc, &rpcs::kUnknown);
    EXPECT_EQ(rpc.role, ClientRole::kOperator);
    EXPECT_EQ(rpc.audit, Audit::kEveryCall);
    EXPECT_EQ(rpc.call_class, CallClass::kRead);
  }
}

// The rules the rows keep, whoever adds one: a read is a viewer's and never audited, a
// change an operator's and audited; only Renew notes its lines instead; the reserve and the
// long-call cap hold the calls call_limiter.h says.
TEST(RpcPolicyTest, RowsKeepTheRulesOfRolesAuditAndClasses) {
  std::set<std::string> reserved, long_calls, when_acted;
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    SCOPED_TRACE(rpc->name);
    EXPECT_EQ(rpc->mutating(), rpc->role == ClientRole::kOperator);
    EXPECT_EQ(rpc->audit == Audit::kNever, rpc->role == ClientRole::kViewer);
    if (rpc->call_class == CallClass::kReserved) reserved.insert(std::string(rpc->name));
    if (IsLong(*rpc)) long_calls.insert(std::string(rpc->name));
    if (rpc->audit == Audit::kWhenActed) when_acted.insert(std::string(rpc->name));
    // What the gate reads by name is the row.
    EXPECT_EQ(RequiredRole(rpc->name), rpc->role);
    EXPECT_EQ(IsMutating(rpc->name), rpc->mutating());
    EXPECT_EQ(IsAudited(rpc->name), rpc->audit == Audit::kEveryCall);
    EXPECT_EQ(ClassOf(rpc->name), rpc->call_class);
  }
  EXPECT_EQ(reserved,
            (std::set<std::string>{"Endpoints.Confirm", "Endpoints.Renew", "Endpoints.Rollback",
                                   "Endpoints.RenewHold", "Endpoints.ReleaseHold"}));
  EXPECT_EQ(long_calls,
            (std::set<std::string>{"Endpoints.Set", "Endpoints.Probe", "Endpoints.Connections",
                                   "Services.Control", "ServiceCenter.RunPhase", "Agent.Check"}));
  EXPECT_EQ(when_acted, (std::set<std::string>{"Endpoints.Renew"}));
}

// The lanes the handlers run on (agent_server.h): nothing long shares the critical lane.
TEST(RpcPolicyTest, NothingLongRunsOnTheCriticalLane) {
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    if (rpc->lane == Lane::kCritical) {
      EXPECT_FALSE(IsLong(*rpc)) << rpc->name;
    }
  }
  EXPECT_EQ(rpcs::kEndpointsRollback.lane, Lane::kRollback);
  EXPECT_EQ(rpcs::kEndpointsSet.lane, Lane::kChanges);
  EXPECT_EQ(rpcs::kEndpointsProbe.lane, Lane::kProbes);
  EXPECT_EQ(rpcs::kEndpointsConnections.lane, Lane::kProbes);
  EXPECT_EQ(rpcs::kServiceCenterRunPhase.lane, Lane::kPhase);
}

// Each RPC's lane and role as the handlers chose them before the table existed (issue 27
// moved them here): a row edited by mistake fails this, not a production agent.
TEST(RpcPolicyTest, EachRpcKeepsItsLaneAndRole) {
  const std::map<std::string, Lane> lanes = {
      {"Agent.GetInfo", Lane::kCritical},         {"Agent.Check", Lane::kChecks},
      {"Endpoints.Get", Lane::kCritical},         {"Endpoints.Plan", Lane::kCritical},
      {"Endpoints.ListBackups", Lane::kCritical}, {"Endpoints.Probe", Lane::kProbes},
      {"Endpoints.Set", Lane::kChanges},          {"Endpoints.Restart", Lane::kChanges},
      {"Endpoints.Rollback", Lane::kRollback},    {"Endpoints.Confirm", Lane::kCritical},
      {"Endpoints.Renew", Lane::kCritical},       {"Endpoints.TakeHold", Lane::kCritical},
      {"Endpoints.RenewHold", Lane::kCritical},   {"Endpoints.ReleaseHold", Lane::kCritical},
      {"Services.List", Lane::kCritical},         {"Services.Control", Lane::kControl},
      {"ServiceCenter.RunPhase", Lane::kPhase},   {"Endpoints.Connections", Lane::kProbes},
      {"Agent.GetActivity", Lane::kCritical},
  };
  const std::set<std::string> viewers = {
      "Agent.GetInfo",  "Agent.Check",           "Endpoints.Get",
      "Endpoints.Plan", "Endpoints.ListBackups", "Endpoints.Probe",
      "Services.List",  "Endpoints.Connections", "Agent.GetActivity"};
  ASSERT_EQ(AllRpcPolicies().size(), lanes.size());
  for (const RpcPolicy* rpc : AllRpcPolicies()) {
    const std::string name(rpc->name);
    SCOPED_TRACE(name);
    ASSERT_EQ(lanes.count(name), 1u);
    EXPECT_EQ(rpc->lane, lanes.at(name));
    EXPECT_EQ(rpc->role, viewers.count(name) ? ClientRole::kViewer : ClientRole::kOperator);
  }
}

}  // namespace
}  // namespace osfleet::agent
