// flywheel-health: wires the health repository, the accounts client and the gRPC adapter
// into the common server.
#include "common/logging/log.h"
#include "common/server/service_runner.h"
#include "common/server/side_by_side.h"
#include "common/server/upstream_channel.h"
#include "services/accounts/client/accounts_client.h"
#include "services/health/grpc/health_service.h"
#include "services/health/storage/mysql_health_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HealthMigrations();
}  // namespace flywheel

int main(int argc, char** argv) {
  using namespace flywheel;
  static std::unique_ptr<health::MysqlHealthRepository> repository;
  static std::unique_ptr<accounts::AccountsClient> accounts_client;
  ServiceDefinition definition;
  definition.defaults = {"health", 50052, "flywheel_health"};
  definition.service_full_name = health::v1::HealthService::service_full_name();
  definition.migrations = &HealthMigrations();
  definition.make_services = [](ServiceContext& context) {
    repository = std::make_unique<health::MysqlHealthRepository>(context.pool, SideBySideOn(context.workers),
                                                                   context.config.live_rescore);
    if (absl::Status s = repository->EnsureDefaultScorecard(health::DefaultScorecard()); !s.ok()) {
      log::Warning("default scorecard not written yet", {{"error", std::string(s.message())}});
    }
    accounts::AccountsClient::Options options;
    options.deadline = context.config.upstream_deadline;
    options.identity = &context.identity;
    accounts_client = std::make_unique<accounts::AccountsClient>(
        UpstreamChannel(context.config.accounts_address, context.config), options,
        context.clock);
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<health::HealthServiceImpl>(context, *repository, *accounts_client));
    return services;
  };
  return RunService(argc, argv, definition);
}
