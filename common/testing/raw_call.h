// Calls a method with messages given as bytes, through gRPC's generic stub: how tests send what
// a generated client cannot (bytes that are not a valid encoding, text that is not UTF-8), and
// call unary and streaming methods the same way.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::testing {

struct RawCallOptions {
  std::vector<std::pair<std::string, std::string>> metadata;  // e.g. {"authorization", "Bearer …"}
  std::chrono::seconds deadline{20};
  bool first_response_only = false;  // cancel after the first response (a watch never ends)
};

// Sends `messages` in order, closes the sending side, reads every response (their bytes into
// `responses`, when given) and returns the call's status.
grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                     const std::vector<std::string>& messages, const RawCallOptions& options = {},
                     std::vector<std::string>* responses = nullptr);

}  // namespace flywheel::testing
