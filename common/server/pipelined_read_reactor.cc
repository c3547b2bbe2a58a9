#include "common/server/pipelined_read_reactor.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"

namespace flywheel {
namespace {

// A whole response rides along as a detail only while it leaves room in the trailers (which
// clients cap at 8 kB) for the message and the other details.
constexpr size_t kMaxResponseDetail = 2048;

}  // namespace

absl::Status WithStreamResults(absl::Status status, int64_t messages_handled,
                               const google::protobuf::Message& response) {
  using google::protobuf::FieldDescriptor;
  google::rpc::ErrorInfo info;
  if (auto existing = status.GetPayload(kErrorInfoTypeUrl); !existing || !info.ParseFromString(std::string(*existing))) {
    info.Clear();
    info.set_reason("STREAM_ENDED_EARLY");
    info.set_domain(kErrorDomain);
  }
  auto& metadata = *info.mutable_metadata();
  metadata["messages_handled"] = absl::StrCat(messages_handled);
  const google::protobuf::Descriptor* type = response.GetDescriptor();
  const google::protobuf::Reflection* fields = response.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->is_repeated()) continue;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT64: metadata[f->name()] = absl::StrCat(fields->GetInt64(response, f)); break;
      case FieldDescriptor::CPPTYPE_INT32: metadata[f->name()] = absl::StrCat(fields->GetInt32(response, f)); break;
      case FieldDescriptor::CPPTYPE_BOOL: metadata[f->name()] = fields->GetBool(response, f) ? "true" : "false"; break;
      default: break;
    }
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  std::string encoded = response.SerializeAsString();
  if (encoded.size() <= kMaxResponseDetail) {
    status.SetPayload(absl::StrCat("type.googleapis.com/", type->full_name()), absl::Cord(std::move(encoded)));
  }
  return status;
}

}  // namespace flywheel
