// Idempotent creates (AIP-155) at the gRPC edge: the record a create stores with its write
// so that a replay of the same request id returns the first response.
#pragma once

#include <optional>
#include <string>

#include "common/db/write_context.h"
#include "google/protobuf/message.h"

namespace flywheel {

// The message's deterministic wire bytes (map order fixed), to fingerprint a request.
std::string DeterministicBytes(const google::protobuf::Message& message);

// The record for `request_id` (none when it is empty): the fingerprint of `request` and
// the serialized `response`.
std::optional<IdempotencyRecord> IdempotencyFor(const std::string& request_id, const google::protobuf::Message& request,
                                                const google::protobuf::Message& response);

}  // namespace flywheel
