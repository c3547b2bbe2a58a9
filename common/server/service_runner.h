// The bootstrap every service binary's main() calls: reads configuration, applies the
// service's migrations (or only that, for the `migrate` subcommand), serves the service's
// gRPC handlers with grpc.health.v1 and server reflection, keeps health in step with the
// database, and drains gracefully on SIGTERM/SIGINT within the configured deadline.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/config/server_config.h"
#include "common/db/migrations.h"
#include "common/server/service_context.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"

namespace flywheel {

struct ServiceDefinition {
  ServiceDefaults defaults;
  // The full name of the gRPC service served (e.g. "flywheel.accounts.v1.AccountService"); the
  // call gate reads each method's access level from its descriptor.
  std::string service_full_name;
  // The service's schema; none (nullptr) for a service without a database, which then
  // serves as soon as it listens (the benchmarks' echo floor).
  const std::vector<db::Migration>* migrations = nullptr;
  // Builds the service's handlers; they may keep references into the context.
  std::function<std::vector<std::unique_ptr<grpc::Service>>(ServiceContext&)> make_services;
};

// Returns the process exit code.
int RunService(int argc, char** argv, const ServiceDefinition& definition);

}  // namespace flywheel
