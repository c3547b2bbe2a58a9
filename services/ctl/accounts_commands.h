// flywheelctl's `accounts` commands: list, get, tree, history and load (a CRM export as CSV,
// sent through BulkUpsertAccounts), each printing a readable table.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

// Runs `accounts <args…>` against `channel`; returns the process exit code.
int RunAccountsCommand(const std::shared_ptr<grpc::Channel>& channel, const std::vector<std::string>& args);

// Turns the account column of a CSV into account ids: as written, or, with an external
// source (e.g. "salesforce"), by the accounts' external ids for that source, looked up once
// by walking ListAccounts.
class AccountResolver {
 public:
  AccountResolver(std::shared_ptr<grpc::Channel> accounts, std::string source)
      : accounts_(std::move(accounts)), source_(std::move(source)) {}
  // The account id for `text`, or "" when the source has no such external id (or the
  // accounts service cannot be read; the reason is printed once).
  std::string Resolve(const std::string& text);

 private:
  std::shared_ptr<grpc::Channel> accounts_;
  std::string source_;
  bool loaded_ = false;
  std::map<std::string, std::string> by_external_id_;
};

}  // namespace flywheel::ctl
