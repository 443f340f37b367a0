// A client that knows nothing of the agent but what server reflection tells it, as
// grpcurl and grpcui do: list the services, fetch their files by symbol (and any import
// left out, by file name) into a DescriptorPool of its own, build requests as
// DynamicMessages and call methods with grpc::GenericStub on serialized bytes.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc/reflection/v1/reflection.pb.h"

namespace osfleet::testing {

namespace refl = ::grpc::reflection::v1;

// One ServerReflectionInfo stream of either version, in v1 messages (the same on the wire).
class ReflectionStream {
 public:
  virtual ~ReflectionStream() = default;
  virtual bool Write(const refl::ServerReflectionRequest& request) = 0;
  virtual bool Read(refl::ServerReflectionResponse* response) = 0;
  virtual bool WritesDone() = 0;
  virtual grpc::Status Finish() = 0;
};

// version: "v1" or "v1alpha". The stream's deadline is 20 s away.
std::unique_ptr<ReflectionStream> OpenReflection(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& version);

// One request, its one answer (an error status when the stream gives none).
absl::StatusOr<refl::ServerReflectionResponse> Ask(ReflectionStream& stream,
                                                   const refl::ServerReflectionRequest& request);

class ReflectedServer {
 public:
  ReflectedServer(std::shared_ptr<grpc::Channel> channel, const std::string& version);

  absl::StatusOr<std::vector<std::string>> ListServices();
  // Loads the file defining `symbol` and everything it imports; then finds the service.
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> Describe(const std::string& service);
  // Calls a unary method with `request_text` (text format of its input type) and returns
  // the answer decoded with the reflected descriptors.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Call(
      const google::protobuf::MethodDescriptor* method, const std::string& request_text);
  // The names of the files reflection sent so far.
  const std::set<std::string>& files() const { return files_; }

 private:
  absl::Status AddFiles(const refl::ServerReflectionResponse& response);
  absl::Status LoadMissingImports();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ReflectionStream> stream_;
  std::set<std::string> files_;
  google::protobuf::SimpleDescriptorDatabase database_;
  google::protobuf::DescriptorPool pool_{&database_};
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

}  // namespace osfleet::testing
