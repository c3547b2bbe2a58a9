// What an exception report reads from the other services: the accounts of a shard (accounts
// service), each batch's health inputs (health service) and stakeholder coverage (stakeholders
// service). The service reads them through the gRPC clients (ClientReportSources); the report
// runner only sees this interface, so its batching and threading can be tested on their own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/accounts/client/accounts_client.h"
#include "services/health/client/health_client.h"
#include "services/stakeholders/client/stakeholders_client.h"

namespace flywheel::handoff {

// The clients of the services the handoff service calls.
struct Upstreams {
  accounts::AccountsClient& accounts;
  health::HealthClient& health;
  stakeholders::StakeholdersClient& stakeholders;
};

class ReportSources {
 public:
  virtual ~ReportSources() = default;
  // Calls `visit` with every account until it returns false. Called once per run.
  virtual absl::Status ForEachAccount(const std::function<bool(const accounts::v1::Account&)>& visit) = 0;
  // The inputs of the accounts asked, in the order asked. Called from several threads at once.
  virtual absl::StatusOr<health::v1::BatchGetReportInputsResponse> ReportInputs(
      const health::v1::BatchGetReportInputsRequest& request) = 0;
  // The coverage of each account, in the order asked, and their live stakeholders. Called from
  // several threads at once.
  virtual absl::StatusOr<stakeholders::v1::BatchGetCoverageResponse> Coverage(
      const std::vector<std::string>& account_ids) = 0;
};

class ClientReportSources final : public ReportSources {
 public:
  explicit ClientReportSources(Upstreams upstreams) : upstreams_(upstreams) {}
  absl::Status ForEachAccount(const std::function<bool(const accounts::v1::Account&)>& visit) override {
    return upstreams_.accounts.ForEach(visit);
  }
  absl::StatusOr<health::v1::BatchGetReportInputsResponse> ReportInputs(
      const health::v1::BatchGetReportInputsRequest& request) override {
    return upstreams_.health.BatchGetReportInputs(request);
  }
  absl::StatusOr<stakeholders::v1::BatchGetCoverageResponse> Coverage(
      const std::vector<std::string>& account_ids) override {
    return upstreams_.stakeholders.BatchGetCoverage(account_ids);
  }

 private:
  Upstreams upstreams_;
};

}  // namespace flywheel::handoff
