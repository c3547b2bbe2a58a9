// Idempotent creates (AIP-155) at the gRPC edge: the record a create stores with its write
// so that a replay of the same request id returns the first response.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

#include "common/db/write_context.h"
#include "google/protobuf/message.h"

namespace flywheel {

// The message's deterministic wire bytes (map order fixed), to fingerprint a request.
std::string DeterministicBytes(const google::protobuf::Message& message);

// The record for `request_id` (none when it is empty): the fingerprint of `request` and
// the serialized `response`.
std::optional<IdempotencyRecord> IdempotencyFor(const std::string& request_id, const google::protobuf::Message& request,
                                                const google::protobuf::Message& response);

// The edge of every idempotent create: `create` is given the recorder of the first response
// (the created resource encoded by `encode` into `response`, fingerprinted with `request`); on a
// replay `response` becomes the stored first response.
template <typename T, typename Response, typename Encode>
absl::Status AnswerCreate(const std::string& request_id, const google::protobuf::Message& request, Response& response,
                          Encode encode,
                          const std::function<absl::StatusOr<Created<T>>(const RecordResponse<T>&)>& create) {
  auto created = create([&](const T& resource) {
    response = encode(resource);
    return IdempotencyFor(request_id, request, response);
  });
  if (!created.ok()) return created.status();
  if (!created->result.replayed) {
    response = encode(created->resource);
  } else if (!response.ParseFromString(created->result.replayed_response)) {
    return absl::InternalError("stored response for request_id cannot be read");
  }
  return absl::OkStatus();
}

}  // namespace flywheel
