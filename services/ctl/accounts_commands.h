// flywheelctl's `accounts` commands: list, get, tree, history and load (a CRM export as CSV,
// sent through BulkUpsertAccounts), each printing a readable table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

// Runs `accounts <args…>` against `channel`; returns the process exit code.
int RunAccountsCommand(const std::shared_ptr<grpc::Channel>& channel, const std::vector<std::string>& args);

}  // namespace flywheel::ctl
