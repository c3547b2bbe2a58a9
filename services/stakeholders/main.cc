// flywheel-stakeholders: wires the stakeholder repository, the accounts and health clients
// and the gRPC adapter into the common server.
#include "common/server/service_runner.h"
#include "common/server/upstream_channel.h"
#include "services/accounts/client/accounts_client.h"
#include "services/health/client/health_client.h"
#include "services/stakeholders/grpc/stakeholder_service.h"
#include "services/stakeholders/storage/mysql_stakeholder_repository.h"

namespace flywheel {
const std::vector<db::Migration>& StakeholdersMigrations();
}  // namespace flywheel

int main(int argc, char** argv) {
  using namespace flywheel;
  static std::unique_ptr<stakeholders::MysqlStakeholderRepository> repository;
  static std::unique_ptr<accounts::AccountsClient> accounts_client;
  static std::unique_ptr<health::HealthClient> health_client;
  ServiceDefinition definition;
  definition.defaults = {"stakeholders", 50053, "flywheel_stakeholders"};
  definition.service_full_name = stakeholders::v1::StakeholderService::service_full_name();
  definition.migrations = &StakeholdersMigrations();
  definition.make_services = [](ServiceContext& context) {
    repository = std::make_unique<stakeholders::MysqlStakeholderRepository>(context.pool);
    accounts::AccountsClient::Options options;
    options.deadline = context.config.upstream_deadline;
    options.identity = &context.identity;
    accounts_client = std::make_unique<accounts::AccountsClient>(
        UpstreamChannel(context.config.accounts_address, context.config), options,
        context.clock);
    health_client = std::make_unique<health::HealthClient>(
        UpstreamChannel(context.config.health_address, context.config),
        context.config.upstream_deadline, context.identity);
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<stakeholders::StakeholderServiceImpl>(context, *repository, *accounts_client,
                                                                             *health_client));
    return services;
  };
  return RunService(argc, argv, definition);
}
