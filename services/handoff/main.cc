// flywheel-handoff: wires the handoff, exception and webhook repositories, the accounts, health and
// stakeholders clients and the gRPC adapter into the common server.
#include "common/server/service_runner.h"
#include "common/server/upstream_channel.h"
#include "services/handoff/grpc/handoff_service.h"
#include "services/handoff/storage/mysql_exception_repository.h"
#include "services/handoff/storage/mysql_handoff_repository.h"
#include "services/handoff/storage/mysql_webhook_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HandoffMigrations();
}  // namespace flywheel

int main(int argc, char** argv) {
  using namespace flywheel;
  static std::unique_ptr<handoff::MysqlHandoffRepository> handoffs;
  static std::unique_ptr<handoff::MysqlExceptionRepository> exceptions;
  static std::unique_ptr<handoff::MysqlWebhookRepository> webhooks;
  static std::unique_ptr<accounts::AccountsClient> accounts_client;
  static std::unique_ptr<health::HealthClient> health_client;
  static std::unique_ptr<stakeholders::StakeholdersClient> stakeholders_client;
  ServiceDefinition definition;
  definition.defaults = {"handoff", 50054, "flywheel_handoff"};
  definition.service_full_name = handoff::v1::HandoffService::service_full_name();
  definition.migrations = &HandoffMigrations();
  definition.make_services = [](ServiceContext& context) {
    handoffs = std::make_unique<handoff::MysqlHandoffRepository>(context.pool);
    exceptions = std::make_unique<handoff::MysqlExceptionRepository>(context.pool);
    webhooks = std::make_unique<handoff::MysqlWebhookRepository>(context.pool);
    accounts::AccountsClient::Options options;
    options.deadline = context.config.upstream_deadline;
    options.identity = &context.identity;
    accounts_client = std::make_unique<accounts::AccountsClient>(
        UpstreamChannel(context.config.accounts_address, context.config), options,
        context.clock);
    health_client = std::make_unique<health::HealthClient>(
        UpstreamChannel(context.config.health_address, context.config),
        context.config.upstream_deadline, context.identity);
    stakeholders_client = std::make_unique<stakeholders::StakeholdersClient>(
        UpstreamChannel(context.config.stakeholders_address, context.config),
        context.config.upstream_deadline, context.identity);
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<handoff::HandoffServiceImpl>(
        context, *handoffs, *exceptions, *webhooks,
        handoff::Upstreams{*accounts_client, *health_client, *stakeholders_client}));
    return services;
  };
  return RunService(argc, argv, definition);
}
