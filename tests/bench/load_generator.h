// The load generator behind every RPC benchmark: `concurrency` calls in flight over `channels`
// gRPC callback-client channels for a warm-up and then a measured duration. Closed loop (each
// finished call is replaced at once, which finds the peak) or, with `rate`, paced (calls start
// on a fixed schedule and latency counts from the scheduled start, so a stalled server cannot
// hide its queueing). Reports QPS, latency percentiles, calls by status code and, for the
// processes named, CPU time per call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flywheel::bench {

// CPU time (user + system) the process `pid` (0: this one) has used, in microseconds; -1 when
// it cannot be read.
double CpuMicros(int pid);
// The `p` quantile (0..1) of `sorted` (ascending); 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

struct LoadOptions {
  std::string target;              // host:port
  std::string method;              // GetAccount, ListAccounts, GetHealth or Echo (the floor)
  std::vector<std::string> ids;    // account ids the calls take in turn
  int concurrency = 32;
  int channels = 4;
  double duration_seconds = 10;
  double warmup_seconds = 2;
  double rate = 0;                 // calls per second; 0 = closed loop
  // Processes whose CPU time over the measured window is reported per answered call, by name;
  // pid 0 is the generator's own process. CPU per call is steadier than QPS on a shared machine.
  std::map<std::string, int> cpu_of;
};

struct LoadResult {
  double qps = 0;                        // OK calls a second
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> codes;  // measured calls by status code name, or "wrong answer"
                                         // for an OK call whose response does not match its request
  std::string error;                      // set when the load could not run (unknown method)
  std::map<std::string, double> cpu_us_per_call;  // by the names of LoadOptions::cpu_of

  std::string Summary() const;  // one human line
  std::string Json(const LoadOptions& options) const;
};

LoadResult RunLoad(const LoadOptions& options);

}  // namespace flywheel::bench
