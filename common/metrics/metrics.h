// Prometheus metrics of one service process (Debian's prometheus-cpp): every RPC by method
// and status code with a latency histogram, database errors, pool use (read at each scrape)
// and the events services count (report runs, rescoring). Served as text on
// http://<--metrics_listen>/metrics when that flag is set.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Counter;
class Exposer;
}  // namespace prometheus

namespace flywheel::metrics {

// Counts one finished RPC of `method` with `code` and observes its latency.
void RecordRpc(absl::string_view method, absl::StatusCode code, double seconds);

// Counts one database error by its status code (UNAVAILABLE, ABORTED for deadlocks, …).
void RecordDbError(absl::StatusCode code);

// The counter `name` (a valid Prometheus name ending in _total) with `labels`, created on
// first use; the reference stays valid for the life of the process.
prometheus::Counter& Counter(const std::string& name, const std::string& help,
                             const std::map<std::string, std::string>& labels = {});

// A gauge whose value `read` supplies at each scrape (e.g. connections in use).
void AddGauge(const std::string& name, const std::string& help, std::function<double()> read);

// Serves /metrics on `listen` ("host:port") until destroyed.
class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const std::string& listen);
  ~Server();
  int port() const { return port_; }

 private:
  Server() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace flywheel::metrics
