#include "tests/integration/reflection_client.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace osfleet::testing {
namespace {

template <typename To, typename From>
void Recode(const From& from, To* to) {
  to->ParseFromString(from.SerializeAsString());
}

template <typename Service>
class TypedStream final : public ReflectionStream {
 public:
  explicit TypedStream(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(Service::NewStub(channel)) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    stream_ = stub_->ServerReflectionInfo(&context_);
  }
  bool Write(const refl::ServerReflectionRequest& request) override {
    typename Service::ServerReflectionRequest typed;
    Recode(request, &typed);
    return stream_->Write(typed);
  }
  bool Read(refl::ServerReflectionResponse* response) override {
    typename Service::ServerReflectionResponse typed;
    if (!stream_->Read(&typed)) return false;
    Recode(typed, response);
    return true;
  }
  bool WritesDone() override { return stream_->WritesDone(); }
  grpc::Status Finish() override { return stream_->Finish(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<typename Service::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<typename Service::ServerReflectionRequest,
                                           typename Service::ServerReflectionResponse>>
      stream_;
};

struct V1 {
  using Stub = refl::ServerReflection::Stub;
  using ServerReflectionRequest = refl::ServerReflectionRequest;
  using ServerReflectionResponse = refl::ServerReflectionResponse;
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return refl::ServerReflection::NewStub(c);
  }
};
struct V1Alpha {
  using Stub = ::grpc::reflection::v1alpha::ServerReflection::Stub;
  using ServerReflectionRequest = ::grpc::reflection::v1alpha::ServerReflectionRequest;
  using ServerReflectionResponse = ::grpc::reflection::v1alpha::ServerReflectionResponse;
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return ::grpc::reflection::v1alpha::ServerReflection::NewStub(c);
  }
};

absl::Status ErrorOf(const refl::ServerReflectionResponse& response) {
  if (!response.has_error_response()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(response.error_response().error_code()),
                      response.error_response().error_message());
}

}  // namespace

std::unique_ptr<ReflectionStream> OpenReflection(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& version) {
  if (version == "v1alpha") return std::make_unique<TypedStream<V1Alpha>>(channel);
  return std::make_unique<TypedStream<V1>>(channel);
}

absl::StatusOr<refl::ServerReflectionResponse> Ask(ReflectionStream& stream,
                                                   const refl::ServerReflectionRequest& request) {
  refl::ServerReflectionResponse response;
  if (!stream.Write(request)) return absl::UnavailableError("the request could not be sent");
  if (!stream.Read(&response)) {
    grpc::Status s = stream.Finish();
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("no answer: ", s.error_message()));
  }
  return response;
}

ReflectedServer::ReflectedServer(std::shared_ptr<grpc::Channel> channel, const std::string& version)
    : channel_(std::move(channel)), stream_(OpenReflection(channel_, version)) {}

absl::StatusOr<std::vector<std::string>> ReflectedServer::ListServices() {
  refl::ServerReflectionRequest request;
  request.set_list_services("*");
  absl::StatusOr<refl::ServerReflectionResponse> response = Ask(*stream_, request);
  if (!response.ok()) return response.status();
  if (absl::Status s = ErrorOf(*response); !s.ok()) return s;
  std::vector<std::string> names;
  for (const refl::ServiceResponse& s : response->list_services_response().service()) {
    names.push_back(s.name());
  }
  return names;
}

absl::Status ReflectedServer::AddFiles(const refl::ServerReflectionResponse& response) {
  if (absl::Status s = ErrorOf(response); !s.ok()) return s;
  if (!response.has_file_descriptor_response()) {
    return absl::InternalError("the answer holds no file descriptors");
  }
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) {
      return absl::InternalError("a file descriptor does not parse");
    }
    if (!files_.insert(file.name()).second) continue;
    if (!database_.Add(file)) return absl::InternalError(absl::StrCat("cannot add ", file.name()));
  }
  return LoadMissingImports();
}

// grpcurl's way: an import the server left out is asked for by file name.
absl::Status ReflectedServer::LoadMissingImports() {
  google::protobuf::FileDescriptorProto file;
  for (const std::string& name : std::set<std::string>(files_)) {
    if (!database_.FindFileByName(name, &file)) continue;
    for (const std::string& import : file.dependency()) {
      if (files_.count(import) > 0) continue;
      refl::ServerReflectionRequest request;
      request.set_file_by_filename(import);
      absl::StatusOr<refl::ServerReflectionResponse> response = Ask(*stream_, request);
      if (!response.ok()) return response.status();
      if (absl::Status s = AddFiles(*response); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const google::protobuf::ServiceDescriptor*> ReflectedServer::Describe(
    const std::string& service) {
  refl::ServerReflectionRequest request;
  request.set_file_containing_symbol(service);
  absl::StatusOr<refl::ServerReflectionResponse> response = Ask(*stream_, request);
  if (!response.ok()) return response.status();
  if (absl::Status s = AddFiles(*response); !s.ok()) return s;
  const google::protobuf::ServiceDescriptor* found = pool_.FindServiceByName(service);
  if (found == nullptr) return absl::NotFoundError(absl::StrCat(service, " not in the files"));
  return found;
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ReflectedServer::Call(
    const google::protobuf::MethodDescriptor* method, const std::string& request_text) {
  std::unique_ptr<google::protobuf::Message> request(
      factory_.GetPrototype(method->input_type())->New());
  if (!google::protobuf::TextFormat::ParseFromString(request_text, request.get())) {
    return absl::InvalidArgumentError(absl::StrCat("bad request text: ", request_text));
  }
  const std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::GenericStub stub(channel_);
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, absl::StrCat("/", method->service()->full_name(), "/", method->name()),
                 grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!out.Dump(&slices).ok()) return absl::InternalError("cannot read the answer's bytes");
  std::string answer;
  for (const grpc::Slice& s : slices) answer.append(s.begin(), s.end());
  std::unique_ptr<google::protobuf::Message> response(
      factory_.GetPrototype(method->output_type())->New());
  if (!response->ParseFromString(answer)) return absl::InternalError("the answer does not parse");
  return response;
}

}  // namespace osfleet::testing
