// Closed-loop load generator on the gRPC callback client: `concurrency` calls in flight at all
// times over `channels` channels, each finished call immediately replaced by the next, for a
// warm-up and then a measured duration. Prints QPS, latency percentiles and errors by status
// code, and one JSON summary line for machines.
//   loadgen --target=HOST:PORT --method=GetAccount|ListAccounts|GetHealth|Echo --ids=FILE
//           [--concurrency=32] [--channels=4] [--duration=10] [--warmup=2]
// --ids names a file of account ids (one a line) the calls pick from in turn.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/bench/v1/echo.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "service address");
ABSL_FLAG(std::string, method, "GetAccount", "GetAccount, ListAccounts, GetHealth or Echo (the floor)");
ABSL_FLAG(std::string, ids, "", "file of account ids, one a line");
ABSL_FLAG(int, concurrency, 32, "calls in flight");
ABSL_FLAG(int, channels, 4, "channels the calls spread over");
ABSL_FLAG(int, duration, 10, "measured seconds");
ABSL_FLAG(int, warmup, 2, "seconds before measuring");

namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;

// One call type: starts a call and reports its status to `done`.
using Starter = std::function<void(grpc::ClientContext*, const std::string& id, std::function<void(grpc::Status)> done)>;

Starter MakeStarter(const std::string& method, const std::shared_ptr<grpc::Channel>& channel) {
  if (method == "GetAccount") {
    auto stub = std::shared_ptr<apb::AccountService::Stub>(apb::AccountService::NewStub(channel));
    return [stub](grpc::ClientContext* ctx, const std::string& id, std::function<void(grpc::Status)> done) {
      auto req = std::make_shared<apb::GetAccountRequest>();
      auto resp = std::make_shared<apb::Account>();
      req->set_id(id);
      stub->async()->GetAccount(ctx, req.get(), resp.get(), [req, resp, done](grpc::Status s) { done(s); });
    };
  }
  if (method == "ListAccounts") {
    auto stub = std::shared_ptr<apb::AccountService::Stub>(apb::AccountService::NewStub(channel));
    return [stub](grpc::ClientContext* ctx, const std::string&, std::function<void(grpc::Status)> done) {
      auto req = std::make_shared<apb::ListAccountsRequest>();
      auto resp = std::make_shared<apb::ListAccountsResponse>();
      req->set_page_size(50);
      stub->async()->ListAccounts(ctx, req.get(), resp.get(), [req, resp, done](grpc::Status s) { done(s); });
    };
  }
  if (method == "GetHealth") {
    auto stub = std::shared_ptr<hpb::HealthService::Stub>(hpb::HealthService::NewStub(channel));
    return [stub](grpc::ClientContext* ctx, const std::string& id, std::function<void(grpc::Status)> done) {
      auto req = std::make_shared<hpb::GetHealthRequest>();
      auto resp = std::make_shared<hpb::AccountHealth>();
      req->set_account_id(id);
      stub->async()->GetHealth(ctx, req.get(), resp.get(), [req, resp, done](grpc::Status s) { done(s); });
    };
  }
  if (method == "Echo") {
    auto stub = std::shared_ptr<flywheel::bench::v1::EchoService::Stub>(flywheel::bench::v1::EchoService::NewStub(channel));
    return [stub](grpc::ClientContext* ctx, const std::string& id, std::function<void(grpc::Status)> done) {
      auto req = std::make_shared<flywheel::bench::v1::EchoRequest>();
      auto resp = std::make_shared<flywheel::bench::v1::EchoResponse>();
      req->set_id(id);
      stub->async()->Echo(ctx, req.get(), resp.get(), [req, resp, done](grpc::Status s) { done(s); });
    };
  }
  return nullptr;
}

struct Results {
  std::mutex mu;
  std::vector<double> latencies_ms;  // measured calls only
  std::map<std::string, int64_t> codes;
};

// One slot of the closed loop: issues a call, records it, issues the next until `end`.
class Slot {
 public:
  Slot(Starter start, const std::vector<std::string>& ids, size_t offset, absl::Time measure_from, absl::Time end,
       Results& results, std::function<void()> finished)
      : start_(std::move(start)), ids_(ids), next_(offset), measure_from_(measure_from), end_(end),
        results_(results), finished_(std::move(finished)) {}

  void Issue() {
    if (absl::Now() >= end_) {
      finished_();
      return;
    }
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const std::string& id = ids_.empty() ? empty_ : ids_[next_++ % ids_.size()];
    absl::Time began = absl::Now();
    start_(context_.get(), id, [this, began](grpc::Status s) {
      absl::Time now = absl::Now();
      if (began >= measure_from_ && now <= end_) {
        std::lock_guard<std::mutex> lock(results_.mu);
        results_.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - began));
        results_.codes[grpc_status_code_name(s.error_code())]++;
      }
      Issue();
    });
  }

 private:
  static std::string grpc_status_code_name(grpc::StatusCode code) {
    static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                                   "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                   "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
                                   "UNAUTHENTICATED"};
    int n = static_cast<int>(code);
    return n >= 0 && n < 17 ? kNames[n] : absl::StrCat(n);
  }

  Starter start_;
  const std::vector<std::string>& ids_;
  size_t next_;
  absl::Time measure_from_, end_;
  Results& results_;
  std::function<void()> finished_;
  std::unique_ptr<grpc::ClientContext> context_;
  const std::string empty_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string method = absl::GetFlag(FLAGS_method);
  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  const int channel_count = std::max(1, absl::GetFlag(FLAGS_channels));
  std::vector<std::string> ids;
  if (!absl::GetFlag(FLAGS_ids).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_ids));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ids.push_back(line);
    }
  }
  std::vector<Starter> starters;
  for (int c = 0; c < channel_count; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct channels, not one shared subchannel
    auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args);
    starters.push_back(MakeStarter(method, channel));
    if (!starters.back()) {
      std::fprintf(stderr, "unknown --method %s\n", method.c_str());
      return 2;
    }
  }
  absl::Time start = absl::Now();
  absl::Time measure_from = start + absl::Seconds(absl::GetFlag(FLAGS_warmup));
  absl::Time end = measure_from + absl::Seconds(absl::GetFlag(FLAGS_duration));
  Results results;
  std::mutex mu;
  std::condition_variable cv;
  int running = concurrency;
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(starters[i % channel_count], ids, static_cast<size_t>(i) * 7919,
                                           measure_from, end, results, [&] {
                                             std::lock_guard<std::mutex> lock(mu);
                                             if (--running == 0) cv.notify_all();
                                           }));
  }
  for (auto& s : slots) s->Issue();
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return running == 0; });
  }
  std::vector<double>& lat = results.latencies_ms;
  std::sort(lat.begin(), lat.end());
  double seconds = absl::ToDoubleSeconds(end - measure_from);
  double qps = static_cast<double>(lat.size()) / seconds;
  std::vector<std::string> codes;
  for (const auto& [code, n] : results.codes) codes.push_back(absl::StrCat("\"", code, "\":", n));
  std::printf("%s on %s: %d in flight over %d channels, %.0f s measured\n", method.c_str(),
              absl::GetFlag(FLAGS_target).c_str(), concurrency, channel_count, seconds);
  std::printf("QPS %.0f  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  calls by code {%s}\n", qps,
              Percentile(lat, 0.5), Percentile(lat, 0.9), Percentile(lat, 0.99), lat.empty() ? 0.0 : lat.back(),
              absl::StrJoin(codes, ", ").c_str());
  std::printf("{\"method\":\"%s\",\"concurrency\":%d,\"channels\":%d,\"seconds\":%.1f,\"qps\":%.1f,\"p50_ms\":%.3f,"
              "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"codes\":{%s}}\n",
              method.c_str(), concurrency, channel_count, seconds, qps, Percentile(lat, 0.5), Percentile(lat, 0.9),
              Percentile(lat, 0.99), lat.empty() ? 0.0 : lat.back(), absl::StrJoin(codes, ",").c_str());
  return 0;
}
