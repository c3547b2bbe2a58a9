// Command-line front of the load generator (tests/bench/load_generator.h), for measuring one
// method by hand. Prints the human summary and one JSON line for machines.
//   loadgen --target=HOST:PORT --method=GetAccount|ListAccounts|GetHealth|Echo --ids=FILE
//           [--concurrency=32] [--channels=4] [--duration=10] [--warmup=2] [--rate=0]
// --ids names a file of account ids (one a line) the calls take in turn.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tests/bench/load_generator.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "service address");
ABSL_FLAG(std::string, method, "GetAccount", "GetAccount, ListAccounts, GetHealth or Echo (the floor)");
ABSL_FLAG(std::string, ids, "", "file of account ids, one a line");
ABSL_FLAG(int, concurrency, 32, "calls in flight (at most, when paced)");
ABSL_FLAG(int, channels, 4, "channels the calls spread over");
ABSL_FLAG(double, duration, 10, "measured seconds");
ABSL_FLAG(double, warmup, 2, "seconds before measuring");
ABSL_FLAG(double, rate, 0, "calls per second on a fixed schedule; 0 = closed loop");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  flywheel::bench::LoadOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.method = absl::GetFlag(FLAGS_method);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.duration_seconds = absl::GetFlag(FLAGS_duration);
  options.warmup_seconds = absl::GetFlag(FLAGS_warmup);
  options.rate = absl::GetFlag(FLAGS_rate);
  if (!absl::GetFlag(FLAGS_ids).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_ids));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) options.ids.push_back(line);
    }
  }
  flywheel::bench::LoadResult result = flywheel::bench::RunLoad(options);
  if (!result.error.empty()) {
    std::fprintf(stderr, "%s\n", result.error.c_str());
    return 2;
  }
  std::printf("%s on %s: %d in flight over %d channels\n%s\n%s\n", options.method.c_str(), options.target.c_str(),
              options.concurrency, options.channels, result.Summary().c_str(), result.Json(options).c_str());
  return 0;
}
