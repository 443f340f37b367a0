// The answers of gRPC server reflection, one per request, from a descriptor pool (by
// default the generated pool: every .proto compiled into the agent, grpc.health.v1
// included). Knows nothing of streams or of the protocol's version: grpc.reflection.v1
// and v1alpha carry the same messages (reflection_service.h serves both).
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.pb.h"

namespace osfleet::agent {

namespace reflection = ::grpc::reflection::v1;

class ReflectionAnswers {
 public:
  // services: the full names list_services answers, as the server serves them.
  explicit ReflectionAnswers(std::vector<std::string> services,
                             const google::protobuf::DescriptorPool* pool =
                                 google::protobuf::DescriptorPool::generated_pool());

  // A fresh response for `request`: valid_host and original_request echoed, and exactly
  // one of the file descriptors (the file first, then every file it imports, each once),
  // the extension numbers, the service list, or an error (NOT_FOUND naming what is not
  // known, INVALID_ARGUMENT for a request that asks nothing).
  reflection::ServerReflectionResponse Answer(
      const reflection::ServerReflectionRequest& request) const;

  const std::vector<std::string>& services() const { return services_; }

 private:
  void AddFile(const google::protobuf::FileDescriptor* file,
               reflection::ServerReflectionResponse* response) const;
  void AddExtensionNumbers(const std::string& type,
                           reflection::ServerReflectionResponse* response) const;
  void AddFileOfExtension(const reflection::ExtensionRequest& extension,
                          reflection::ServerReflectionResponse* response) const;

  std::vector<std::string> services_;
  const google::protobuf::DescriptorPool* pool_;
};

}  // namespace osfleet::agent
