#include "agent/rpc/reflection_service.h"

#include <spdlog/spdlog.h>

#include <type_traits>
#include <utility>

#include "grpc/health/v1/health.pb.h"

namespace osfleet::agent {
namespace {

namespace v1alpha = ::grpc::reflection::v1alpha;

// v1alpha and v1 carry the same messages, field for field: one is the other's bytes.
template <typename To, typename From>
void Recode(From&& from, To* to) {
  if constexpr (std::is_same_v<std::decay_t<From>, To>) {
    *to = std::forward<From>(from);
  } else {
    to->ParseFromString(from.SerializeAsString());
  }
}

// One stream: read a request, write its one answer, read the next; the client's
// half-close ends the call with OK.
template <typename Request, typename Response>
class ReflectionReactor final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit ReflectionReactor(const ReflectionAnswers* answers) : answers_(answers) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // half-closed by the client, or the call is over
      this->Finish(grpc::Status::OK);
      return;
    }
    reflection::ServerReflectionRequest request;
    Recode(request_, &request);
    // A fresh message each time: the answer replaces the last one, never adds to it.
    Recode(answers_->Answer(request), &response_);
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the answer could not be sent"));
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionAnswers* answers_;
  Request request_;
  Response response_;
};

std::vector<std::string> WithReflection(std::vector<std::string> services) {
  services.push_back(::grpc::reflection::v1::ServerReflection::service_full_name());
  services.push_back(v1alpha::ServerReflection::service_full_name());
  return services;
}

}  // namespace

ReflectionService::ReflectionService(std::vector<std::string> services)
    : answers_(WithReflection(std::move(services))), v1_(&answers_), v1alpha_(&answers_) {
  // gRPC's health service is not built from generated protobuf code; naming one of
  // health.proto's messages links its descriptors into the agent, so they can be served.
  (void)::grpc::health::v1::HealthCheckRequest::descriptor();
  for (const std::string& name : answers_.services()) {
    if (google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name) == nullptr) {
      spdlog::error("server reflection cannot describe {}: no descriptor compiled in", name);
    }
  }
}

grpc::ServerBidiReactor<reflection::ServerReflectionRequest, reflection::ServerReflectionResponse>*
ReflectionService::V1::ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<reflection::ServerReflectionRequest,
                               reflection::ServerReflectionResponse>(answers_);
}

grpc::ServerBidiReactor<v1alpha::ServerReflectionRequest, v1alpha::ServerReflectionResponse>*
ReflectionService::V1Alpha::ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<v1alpha::ServerReflectionRequest, v1alpha::ServerReflectionResponse>(
      answers_);
}

}  // namespace osfleet::agent
