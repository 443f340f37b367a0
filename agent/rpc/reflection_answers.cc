#include "agent/rpc/reflection_answers.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/support/status.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/text/escape.h"

namespace osfleet::agent {
namespace {

using google::protobuf::FileDescriptor;

// Names from the request are echoed in errors at most this long (requests may be 256 KiB).
constexpr size_t kMaxEchoedName = 200;

std::string Named(const std::string& name) {
  if (name.size() <= kMaxEchoedName) return QuotedEscaped(name);
  return absl::StrCat(QuotedEscaped(name.substr(0, kMaxEchoedName)), "... (", name.size(),
                      " bytes)");
}

void SetError(grpc::StatusCode code, std::string message,
              reflection::ServerReflectionResponse* response) {
  reflection::ErrorResponse* error = response->mutable_error_response();
  error->set_error_code(static_cast<int32_t>(code));
  error->set_error_message(std::move(message));
}

void SetNotFound(absl::string_view what, const std::string& name,
                 reflection::ServerReflectionResponse* response) {
  SetError(grpc::StatusCode::NOT_FOUND,
           absl::StrCat(what, " ", Named(name), " is not known to this agent"), response);
}

}  // namespace

ReflectionAnswers::ReflectionAnswers(std::vector<std::string> services,
                                     const google::protobuf::DescriptorPool* pool)
    : services_(std::move(services)), pool_(pool) {}

reflection::ServerReflectionResponse ReflectionAnswers::Answer(
    const reflection::ServerReflectionRequest& request) const {
  reflection::ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  using Request = reflection::ServerReflectionRequest;
  switch (request.message_request_case()) {
    case Request::kListServices:
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(name);
      }
      break;
    case Request::kFileByFilename:
      if (const FileDescriptor* file = pool_->FindFileByName(request.file_by_filename())) {
        AddFile(file, &response);
      } else {
        SetNotFound("file", request.file_by_filename(), &response);
      }
      break;
    case Request::kFileContainingSymbol:
      if (const FileDescriptor* file =
              pool_->FindFileContainingSymbol(request.file_containing_symbol())) {
        AddFile(file, &response);
      } else {
        SetNotFound("symbol", request.file_containing_symbol(), &response);
      }
      break;
    case Request::kFileContainingExtension:
      AddFileOfExtension(request.file_containing_extension(), &response);
      break;
    case Request::kAllExtensionNumbersOfType:
      AddExtensionNumbers(request.all_extension_numbers_of_type(), &response);
      break;
    case Request::MESSAGE_REQUEST_NOT_SET:
      SetError(grpc::StatusCode::INVALID_ARGUMENT,
               "the request asks nothing: set one of list_services, file_by_filename, "
               "file_containing_symbol, file_containing_extension, "
               "all_extension_numbers_of_type",
               &response);
      break;
  }
  return response;
}

// The file first, then what it imports, depth first, each file once.
void ReflectionAnswers::AddFile(const FileDescriptor* file,
                                reflection::ServerReflectionResponse* response) const {
  std::set<const FileDescriptor*> seen{file};
  std::vector<const FileDescriptor*> todo{file};
  reflection::FileDescriptorResponse* out = response->mutable_file_descriptor_response();
  while (!todo.empty()) {
    const FileDescriptor* f = todo.back();
    todo.pop_back();
    google::protobuf::FileDescriptorProto proto;
    f->CopyTo(&proto);
    out->add_file_descriptor_proto(proto.SerializeAsString());
    for (int i = f->dependency_count() - 1; i >= 0; --i) {
      if (seen.insert(f->dependency(i)).second) todo.push_back(f->dependency(i));
    }
  }
}

void ReflectionAnswers::AddFileOfExtension(const reflection::ExtensionRequest& extension,
                                           reflection::ServerReflectionResponse* response) const {
  const google::protobuf::Descriptor* type =
      pool_->FindMessageTypeByName(extension.containing_type());
  if (type == nullptr) return SetNotFound("message type", extension.containing_type(), response);
  const google::protobuf::FieldDescriptor* field =
      pool_->FindExtensionByNumber(type, extension.extension_number());
  if (field == nullptr) {
    return SetError(grpc::StatusCode::NOT_FOUND,
                    absl::StrCat("message type ", Named(extension.containing_type()),
                                 " has no extension number ", extension.extension_number(),
                                 " known to this agent"),
                    response);
  }
  AddFile(field->file(), response);
}

void ReflectionAnswers::AddExtensionNumbers(const std::string& type_name,
                                            reflection::ServerReflectionResponse* response) const {
  const google::protobuf::Descriptor* type = pool_->FindMessageTypeByName(type_name);
  if (type == nullptr) return SetNotFound("message type", type_name, response);
  std::vector<const google::protobuf::FieldDescriptor*> extensions;
  pool_->FindAllExtensions(type, &extensions);
  reflection::ExtensionNumberResponse* out = response->mutable_all_extension_numbers_response();
  out->set_base_type_name(type->full_name());
  for (const google::protobuf::FieldDescriptor* e : extensions) {
    out->add_extension_number(e->number());
  }
}

}  // namespace osfleet::agent
