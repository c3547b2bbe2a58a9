#include "common/server/idempotency.h"

#include "common/db/request_log.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace flywheel {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::optional<IdempotencyRecord> IdempotencyFor(const std::string& request_id, const google::protobuf::Message& request,
                                                const google::protobuf::Message& response) {
  if (request_id.empty()) return std::nullopt;
  return IdempotencyRecord{request_id, db::RequestFingerprint(DeterministicBytes(request)), response.SerializeAsString()};
}

}  // namespace flywheel
