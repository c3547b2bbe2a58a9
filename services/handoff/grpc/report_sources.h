// The exception report's reads (app/report_sources.h) through the gRPC clients of the
// accounts, health and stakeholders services, their answers turned into domain terms.
#pragma once

#include "services/accounts/client/accounts_client.h"
#include "services/handoff/app/report_sources.h"
#include "services/health/client/health_client.h"
#include "services/stakeholders/client/stakeholders_client.h"

namespace flywheel::handoff {

// The clients of the services the handoff service calls.
struct Upstreams {
  accounts::AccountsClient& accounts;
  health::HealthClient& health;
  stakeholders::StakeholdersClient& stakeholders;
};

class ClientReportSources final : public ReportSources {
 public:
  explicit ClientReportSources(Upstreams upstreams) : upstreams_(upstreams) {}
  absl::Status ForEachAccount(const std::function<bool(const ShardAccount&)>& visit) override;
  absl::StatusOr<std::vector<HealthInputs>> ReportInputs(absl::CivilDay as_of, const std::vector<std::string>& account_ids,
                                                         const std::vector<SeriesAsk>& series) override;
  absl::StatusOr<std::vector<RolePerson>> People(const std::vector<std::string>& account_ids) override;
  absl::StatusOr<std::vector<ShardAccount>> Accounts(const std::vector<std::string>& account_ids) override;

 private:
  Upstreams upstreams_;
};

}  // namespace flywheel::handoff
