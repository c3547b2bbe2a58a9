#include "common/metrics/metrics.h"

#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flywheel::metrics {
namespace {

// Gauges computed at scrape time.
class CallbackGauges : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, std::function<double()> read) {
    std::lock_guard<std::mutex> lock(mu_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const auto& g : gauges_) {
      prometheus::MetricFamily family;
      family.name = g.name;
      family.help = g.help;
      family.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric metric;
      metric.gauge.value = g.read();
      family.metric.push_back(std::move(metric));
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::vector<Gauge> gauges_;
};

// Everything this process exports; built once, never destroyed (metrics outlive every caller).
struct State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<CallbackGauges> gauges = std::make_shared<CallbackGauges>();
  prometheus::Family<prometheus::Counter>& rpcs = prometheus::BuildCounter()
                                                      .Name("flywheel_rpc_total")
                                                      .Help("RPCs finished, by method and status code")
                                                      .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("flywheel_rpc_duration_seconds")
                                                           .Help("RPC latency from arrival to finish, by method")
                                                           .Register(*registry);
  prometheus::Family<prometheus::Counter>& db_errors = prometheus::BuildCounter()
                                                           .Name("flywheel_db_errors_total")
                                                           .Help("Database errors, by the status they map to")
                                                           .Register(*registry);
  std::mutex mu;  // guards `counters`
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
};

State& GetState() {
  static State* state = new State();
  return *state;
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *buckets;
}

}  // namespace

void RecordRpc(absl::string_view method, absl::StatusCode code, double seconds) {
  State& s = GetState();
  std::string name(method);
  s.rpcs.Add({{"method", name}, {"code", absl::StatusCodeToString(code)}}).Increment();
  s.latency.Add({{"method", name}}, LatencyBuckets()).Observe(seconds);
}

void RecordDbError(absl::StatusCode code) {
  GetState().db_errors.Add({{"code", absl::StatusCodeToString(code)}}).Increment();
}

prometheus::Counter& Counter(const std::string& name, const std::string& help,
                             const std::map<std::string, std::string>& labels) {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.counters.find(name);
  if (it == s.counters.end()) {
    it = s.counters.emplace(name, &prometheus::BuildCounter().Name(name).Help(help).Register(*s.registry)).first;
  }
  return it->second->Add(labels);
}

void AddGauge(const std::string& name, const std::string& help, std::function<double()> read) {
  GetState().gauges->Add(name, help, std::move(read));
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const std::string& listen) {
  std::unique_ptr<Server> server(new Server());
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("metrics_listen ", listen, ": ", e.what()));
  }
  server->exposer_->RegisterCollectable(GetState().registry);
  server->exposer_->RegisterCollectable(GetState().gauges);
  auto ports = server->exposer_->GetListeningPorts();
  server->port_ = ports.empty() ? 0 : ports.front();
  return server;
}

Server::~Server() = default;

}  // namespace flywheel::metrics
