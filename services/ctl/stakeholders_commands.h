// flywheelctl commands of the stakeholders service: list, CSV load, coverage and briefings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

// `accounts` resolves external account ids for `stakeholders load --external_source`.
int RunStakeholdersCommand(std::shared_ptr<grpc::Channel> channel, std::shared_ptr<grpc::Channel> accounts,
                           const std::vector<std::string>& args);

}  // namespace flywheel::ctl
