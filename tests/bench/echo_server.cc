// flywheel-echo: the floor for RPC benchmarks. The same bootstrap as the services (flags,
// worker threads, RunUnary, health, reflection, metrics, drain) with no database: Echo
// returns its request on a worker, so the generator measures everything but the storage.
#include "common/server/service_runner.h"
#include "flywheel/bench/v1/echo.grpc.pb.h"

namespace {

class EchoServiceImpl final : public flywheel::bench::v1::EchoService::CallbackService {
 public:
  explicit EchoServiceImpl(flywheel::ServiceContext& context) : context_(context) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const flywheel::bench::v1::EchoRequest* request,
                                 flywheel::bench::v1::EchoResponse* response) override {
    return flywheel::RunUnary(ctx, context_, "Echo", [=]() -> absl::Status {
      response->set_id(request->id());
      return absl::OkStatus();
    });
  }

 private:
  flywheel::ServiceContext& context_;
};

}  // namespace

int main(int argc, char** argv) {
  flywheel::ServiceDefinition definition;
  definition.defaults = {"echo", 50059, "none"};
  definition.service_full_name = flywheel::bench::v1::EchoService::service_full_name();
  definition.make_services = [](flywheel::ServiceContext& context) {
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<EchoServiceImpl>(context));
    return services;
  };
  return flywheel::RunService(argc, argv, definition);
}
