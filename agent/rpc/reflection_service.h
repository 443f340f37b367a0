// gRPC server reflection, grpc.reflection.v1 and grpc.reflection.v1alpha, from one set of
// answers (reflection_answers.h): grpcurl, grpcui and evans list, describe and call every
// service without the .proto files, grpc.health.v1.Health included. Replaces gRPC 1.51's
// own plugin, which served only v1alpha, could not describe the health service and, on a
// stream used for several requests, answered each with the answers before it accumulated.
//
// Each stream answers one request at a time: the next request is read only once the
// answer was written, so a client gets exactly one response per request and cannot queue
// work; answers are computed on the callback thread from the in-memory descriptor pool
// (microseconds, nothing that waits). Like gRPC's health service, reflection needs no
// role: any client the transport admits may read it (docs/api.md).
#pragma once

#include <string>
#include <vector>

#include "agent/rpc/reflection_answers.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace osfleet::agent {

class ReflectionService {
 public:
  // services: the full names of the other services the server serves; the two reflection
  // services are added to what list_services answers. A name the descriptor pool does not
  // know is logged as an error (it could not be described).
  explicit ReflectionService(std::vector<std::string> services);

  grpc::Service* v1() { return &v1_; }
  grpc::Service* v1alpha() { return &v1alpha_; }
  const ReflectionAnswers& answers() const { return answers_; }

 private:
  class V1 final : public ::grpc::reflection::v1::ServerReflection::CallbackService {
   public:
    explicit V1(const ReflectionAnswers* answers) : answers_(answers) {}
    grpc::ServerBidiReactor<::grpc::reflection::v1::ServerReflectionRequest,
                            ::grpc::reflection::v1::ServerReflectionResponse>*
    ServerReflectionInfo(grpc::CallbackServerContext* context) override;

   private:
    const ReflectionAnswers* answers_;
  };
  class V1Alpha final : public ::grpc::reflection::v1alpha::ServerReflection::CallbackService {
   public:
    explicit V1Alpha(const ReflectionAnswers* answers) : answers_(answers) {}
    grpc::ServerBidiReactor<::grpc::reflection::v1alpha::ServerReflectionRequest,
                            ::grpc::reflection::v1alpha::ServerReflectionResponse>*
    ServerReflectionInfo(grpc::CallbackServerContext* context) override;

   private:
    const ReflectionAnswers* answers_;
  };

  ReflectionAnswers answers_;
  V1 v1_;
  V1Alpha v1alpha_;
};

}  // namespace osfleet::agent
