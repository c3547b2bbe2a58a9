// flywheelctl commands of the handoff service: the scheduled exception report, exceptions,
// handoffs, success paths and rules.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

// `report exceptions …`: runs the report and prints what it found; non-zero when it fails.
int RunReportCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args);
// `exceptions …`, `handoffs …`, `paths …`, `rules …`.
int RunExceptionsCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args);
int RunHandoffsCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args);
// `accounts` resolves external account ids for `paths assign-all --external_source`.
int RunPathsCommand(std::shared_ptr<grpc::Channel> channel, std::shared_ptr<grpc::Channel> accounts,
                    const std::vector<std::string>& args);
int RunRulesCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args);

}  // namespace flywheel::ctl
