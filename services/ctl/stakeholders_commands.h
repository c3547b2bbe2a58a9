// flywheelctl commands of the stakeholders service: list, CSV load, coverage and briefings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

int RunStakeholdersCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args);

}  // namespace flywheel::ctl
