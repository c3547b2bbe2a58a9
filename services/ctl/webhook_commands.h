// flywheelctl's `webhooks` commands: list, add (the secret read from a file), delete and test
// endpoints; list deliveries with their state and last answer; replay dead-lettered ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

int RunWebhooksCommand(std::shared_ptr<grpc::Channel> handoff, const std::vector<std::string>& args);

}  // namespace flywheel::ctl
