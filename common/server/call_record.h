// The record of one RPC as it finishes: one JSON log line (method, status code, latency,
// principal and request id when known) and the RPC metrics. Unary calls get it from
// RunUnary; streaming reactors hold one and call Finished with their final status; a request
// that never reaches a handler (it did not decode) gets one from the interceptor that answers it.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace flywheel {

class CallRecord {
 public:
  // Captures the start time and the request id (x-request-id) of the call, made by `principal`
  // (as admitted by the call gate; "" when unknown).
  CallRecord(const grpc::ServerContextBase* context, const char* method, std::string principal);

  // Logs the call (info; warning for codes that mean the server failed) and counts it.
  void Finished(const absl::Status& status) const;
  void Finished(const grpc::Status& status) const;

 private:
  const char* method_;
  absl::Time start_;
  std::string principal_;
  std::string request_id_;
};

}  // namespace flywheel
