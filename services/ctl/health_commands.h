// flywheelctl's `health` commands: get (a score with its explanation), summary (the
// portfolio view), rescore (RescorePortfolio, optionally one shard), each printed as tables;
// load (signals from CSV) and watch (follow WatchHealth, resuming after a dropped connection).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

// `accounts` resolves external account ids for `health load --external_source`.
int RunHealthCommand(const std::shared_ptr<grpc::Channel>& channel, const std::shared_ptr<grpc::Channel>& accounts,
                     const std::vector<std::string>& args);

}  // namespace flywheel::ctl
