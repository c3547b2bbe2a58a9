// flywheel-accounts: wires the accounts repository and gRPC adapter into the common server.
#include "common/server/service_runner.h"
#include "common/server/side_by_side.h"
#include "services/accounts/grpc/account_service.h"
#include "services/accounts/storage/mysql_account_repository.h"

namespace flywheel {
const std::vector<db::Migration>& AccountsMigrations();
}  // namespace flywheel

int main(int argc, char** argv) {
  using namespace flywheel;
  static std::unique_ptr<accounts::MysqlAccountRepository> repository;
  ServiceDefinition definition;
  definition.defaults = {"accounts", 50051, "flywheel_accounts"};
  definition.service_full_name = accounts::v1::AccountService::service_full_name();
  definition.migrations = &AccountsMigrations();
  definition.make_services = [](ServiceContext& context) {
    repository = std::make_unique<accounts::MysqlAccountRepository>(context.pool, SideBySideOn(context.workers));
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<accounts::AccountServiceImpl>(context, *repository));
    return services;
  };
  return RunService(argc, argv, definition);
}
