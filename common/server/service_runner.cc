#include "common/server/service_runner.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/db/connection.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"
#include "common/server/undecodable_requests.h"
#include "common/tls/credentials.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

// jemalloc's settings (read at start-up): two arenas, and a background thread that hands pages
// freed for a second back to the kernel, so the resident set follows the live heap.
extern "C" const char* malloc_conf = "background_thread:true,narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";

namespace flywheel {
namespace {

// Waits for SIGTERM or SIGINT on its own thread; the signals are blocked everywhere else.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any other thread starts
  }
  // Blocks until a signal arrives; returns its number.
  int Wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

// The grpc.health.v1 services of the main server and, when there is one, of the plaintext
// probe server; every status change goes to both. Readiness is served under "" and under the
// service's own name (probes and meshes that check by name); "liveness" only says the process
// serves.
class HealthStatuses {
 public:
  explicit HealthStatuses(std::string service_full_name) : service_full_name_(std::move(service_full_name)) {}
  void Add(grpc::HealthCheckServiceInterface* health) { services_.push_back(health); }
  void SetReady(bool serving) {
    Set("", serving);
    Set(service_full_name_, serving);
  }
  void Set(const std::string& service, bool serving) {
    for (auto* h : services_) h->SetServingStatus(service, serving);
  }
  void Shutdown() {
    for (auto* h : services_) h->Shutdown();
  }

 private:
  std::string service_full_name_;
  std::vector<grpc::HealthCheckServiceInterface*> services_;
};

// Probes the database on its own connection and mirrors the result into the health service.
class DatabaseHealthWatcher {
 public:
  DatabaseHealthWatcher(const DatabaseConfig& config, absl::Duration interval, HealthStatuses* health)
      : config_(config), interval_(interval), health_(health) {
    config_.connect_timeout = absl::Seconds(1);
    config_.io_timeout = absl::Seconds(2);
    thread_ = std::thread([this] { Loop(); });
  }
  ~DatabaseHealthWatcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_ptr<db::Connection> conn;
    int last = -1;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      if (conn && !conn->Ping()) conn.reset();
      if (!conn) {
        auto opened = db::Connection::Open(config_);
        if (opened.ok()) conn = std::move(*opened);
      }
      int serving = conn ? 1 : 0;
      if (serving != last) {
        health_->SetReady(serving == 1);  // "liveness" stays SERVING
        log::Write(serving ? log::Level::kInfo : log::Level::kWarning,
                   serving ? "database reachable: SERVING" : "database unreachable: NOT_SERVING");
        last = serving;
      }
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [&] { return stop_; });
    }
  }

  DatabaseConfig config_;
  absl::Duration interval_;
  HealthStatuses* health_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::string RandomSecret() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof bytes);
  return std::string(reinterpret_cast<char*>(bytes), sizeof bytes);
}

bool WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int RunService(int argc, char** argv, const ServiceDefinition& definition) {
  // absl::Mutex (which gRPC locks on every call) records lock-order edges for deadlock detection
  // in a graph that is never given back: off, as in a release build of absl.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  RouteProtobufLog();
  SignalWatcher signals;
  auto loaded = LoadServerConfig(argc, argv, definition.defaults);
  if (!loaded.ok()) {
    std::fprintf(stderr, "configuration: %s\n", std::string(loaded.status().message()).c_str());
    return 2;
  }
  const ServerConfig& config = *loaded;
  log::Level level;
  if (!log::ParseLevel(config.log_level, &level)) {
    std::fprintf(stderr, "configuration: log_level must be debug, info, warning or error\n");
    return 2;
  }
  log::SetLevel(level);
  std::string command = config.positional.empty() ? "serve" : config.positional[0];
  if (command != "serve" && command != "migrate") {
    std::fprintf(stderr, "unknown command %s: use serve or migrate\n", command.c_str());
    return 2;
  }

  if (command == "migrate" && !definition.migrations) return 0;
  if (command == "migrate") {
    auto applied = db::ApplyMigrations(config.database, *definition.migrations);
    if (!applied.ok()) {
      log::Error("migrate failed", {{"error", std::string(applied.status().message())}});
      return 1;
    }
    log::Info("migrate done", {{"applied", absl::StrCat(*applied)}});
    return 0;
  }

  // Serve: the database may still be starting, so migrations are retried until they apply
  // or the process is told to stop.
  std::atomic<bool> stop_requested{false};
  std::thread early_signal([&] {
    signals.Wait();
    stop_requested = true;
  });
  for (int attempt = 1; definition.migrations; ++attempt) {
    auto applied = db::ApplyMigrations(config.database, *definition.migrations);
    if (applied.ok()) break;
    if (stop_requested) {
      early_signal.join();
      return 0;
    }
    log::Warning("migrations not applied yet; retrying",
                 {{"attempt", absl::StrCat(attempt)}, {"error", std::string(applied.status().message())}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (stop_requested) {
    early_signal.join();
    return 0;
  }

  db::ConnectionPool pool(config.database);
  WorkerPool workers(config.worker_threads, /*max_queued=*/10000);
  std::string secret = config.page_token_secret;
  if (secret.empty()) {
    log::Warning("page_token_secret not set: page tokens are valid for this process only");
    secret = RandomSecret();
  }
  paging::PageTokenCodec page_tokens(secret);
  auto gate = auth::CallGate::Create(definition.service_full_name,
                                     {config.security.jwt_hs256_secret, config.security.jwt_rs256_public_key},
                                     Clock::Real());
  if (!gate.ok()) {
    log::Error("cannot start", {{"error", std::string(gate.status().message())}});
    return 1;
  }
  if (!gate->enabled()) log::Warning("no token keys configured: auth is off, every caller may do everything");
  if (config.security.tls_cert.empty()) log::Warning("no TLS certificate configured: serving plaintext");
  auth::OutgoingIdentity identity(absl::StrCat("service:", config.service_name), config.security.service_token_file);
  ServiceContext context{config, pool, workers, page_tokens, Clock::Real(), *gate, identity};
  std::vector<std::unique_ptr<grpc::Service>> services = definition.make_services(context);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen_address, tls::ServerCredentialsFor(config.security), &port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  // gRPC grows a connection's receive window with its bandwidth-delay estimate, without bound
  // when no memory quota presses: a client streaming faster than the database takes it then
  // parks tens of MB in the transport (80 MB in health under the benchmark's usage feed, more
  // each round on the same connection). Without the probe the window stays at its default and
  // still opens for a whole message; the streams read one message ahead anyway.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  for (auto& service : services) builder.RegisterService(service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(UndecodableRequestInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    log::Error("cannot listen", {{"address", config.listen_address}});
    return 1;
  }
  // With TLS on, the kubelet's gRPC probes (plaintext only) use a second server that serves
  // nothing but grpc.health.v1.
  std::unique_ptr<grpc::Server> probe_server;
  if (!config.probe_listen.empty()) {
    grpc::ServerBuilder probe_builder;
    int probe_port = 0;
    probe_builder.AddListeningPort(config.probe_listen, grpc::InsecureServerCredentials(), &probe_port);
    probe_server = probe_builder.BuildAndStart();
    if (!probe_server || probe_port == 0) {
      log::Error("cannot listen for probes", {{"address", config.probe_listen}});
      return 1;
    }
  }
  HealthStatuses statuses(definition.service_full_name);
  statuses.Add(server->GetHealthCheckService());
  if (probe_server) statuses.Add(probe_server->GetHealthCheckService());
  HealthStatuses* health = &statuses;
  // "" (readiness) follows the database; "liveness" says only that the process serves, so an
  // orchestrator's liveness probe never restarts a service for a database outage.
  health->SetReady(!definition.migrations);
  health->Set("liveness", true);
  std::unique_ptr<DatabaseHealthWatcher> watcher;
  if (definition.migrations) {
    watcher = std::make_unique<DatabaseHealthWatcher>(config.database, config.health_check_interval, health);
  }
  if (!config.port_file.empty() && !WritePortFile(config.port_file, port)) {
    log::Error("cannot write port file", {{"path", config.port_file}});
  }
  std::unique_ptr<metrics::Server> metrics_server;
  if (!config.metrics_listen.empty()) {
    metrics::AddGauge("flywheel_db_pool_in_use", "Database connections leased right now",
                      [&pool] { return static_cast<double>(pool.in_use()); });
    metrics::AddGauge("flywheel_db_pool_size", "Database connections the pool may open",
                      [&pool] { return static_cast<double>(pool.config().pool_size); });
    auto started = metrics::Server::Start(config.metrics_listen);
    if (!started.ok()) {
      log::Error("cannot serve metrics", {{"error", std::string(started.status().message())}});
      return 1;
    }
    metrics_server = *std::move(started);
  }
  log::Info("serving", {{"service", config.service_name}, {"port", absl::StrCat(port)},
                        {"metrics_port", absl::StrCat(metrics_server ? metrics_server->port() : 0)}});

  early_signal.join();  // blocks until SIGTERM or SIGINT
  log::Info("draining", {{"deadline_s", absl::StrCat(absl::ToInt64Seconds(config.drain_deadline))}});
  watcher.reset();
  health->Shutdown();  // NOT_SERVING from now on, so load balancers stop sending
  server->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(config.drain_deadline));
  workers.Stop();
  server->Wait();
  if (probe_server) probe_server->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace flywheel
