#include "tests/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/bench/v1/echo.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::bench {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace epb = flywheel::bench::v1;

constexpr int kListPageSize = 50;

using Done = std::function<void(grpc::Status)>;
// One call type: starts a call for `id` and reports its status to `done`.
using Starter = std::function<void(grpc::ClientContext*, const std::string& id, Done done)>;

// An OK answer whose message is not what was asked for counts under this code.
constexpr char kWrongAnswer[] = "wrong answer";

// A starter for one method: `fill` builds the request for an id, `call` starts it on `stub`,
// `right` says whether an OK response answers the request. The generator shares the machine with
// what it measures, so a call's messages live on one arena: decoding a page of 50 accounts is then
// a few bump allocations, not a malloc and a free per field taken from the services' CPU.
template <typename Request, typename Response, typename Stub, typename Fill, typename Call, typename Right>
Starter StarterFor(std::shared_ptr<Stub> stub, Fill fill, Call call, Right right) {
  return [stub, fill, call, right](grpc::ClientContext* ctx, const std::string& id, Done done) {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 64 * 1024;
    auto arena = std::make_shared<google::protobuf::Arena>(options);
    auto* req = google::protobuf::Arena::CreateMessage<Request>(arena.get());
    auto* resp = google::protobuf::Arena::CreateMessage<Response>(arena.get());
    fill(*req, id);
    call(*stub, ctx, req, resp, [arena, req, resp, right, done](grpc::Status s) {
      if (s.ok() && !right(*req, *resp)) s = grpc::Status(grpc::StatusCode::UNKNOWN, kWrongAnswer);
      done(s);
    });
  };
}

Starter MakeStarter(const std::string& method, const std::shared_ptr<grpc::Channel>& channel) {
  if (method == "GetAccount") {
    return StarterFor<apb::GetAccountRequest, apb::Account>(
        std::shared_ptr<apb::AccountService::Stub>(apb::AccountService::NewStub(channel)),
        [](apb::GetAccountRequest& r, const std::string& id) { r.set_id(id); },
        [](auto& stub, auto... args) { stub.async()->GetAccount(args...); },
        [](const apb::GetAccountRequest& r, const apb::Account& a) { return a.id() == r.id(); });
  }
  if (method == "ListAccounts") {
    return StarterFor<apb::ListAccountsRequest, apb::ListAccountsResponse>(
        std::shared_ptr<apb::AccountService::Stub>(apb::AccountService::NewStub(channel)),
        [](apb::ListAccountsRequest& r, const std::string&) { r.set_page_size(kListPageSize); },
        [](auto& stub, auto... args) { stub.async()->ListAccounts(args...); },
        // A full page, or a last page of a smaller portfolio.
        [](const apb::ListAccountsRequest&, const apb::ListAccountsResponse& page) {
          return page.accounts_size() == kListPageSize || (page.accounts_size() > 0 && page.next_page_token().empty());
        });
  }
  if (method == "GetHealth") {
    return StarterFor<hpb::GetHealthRequest, hpb::AccountHealth>(
        std::shared_ptr<hpb::HealthService::Stub>(hpb::HealthService::NewStub(channel)),
        [](hpb::GetHealthRequest& r, const std::string& id) { r.set_account_id(id); },
        [](auto& stub, auto... args) { stub.async()->GetHealth(args...); },
        [](const hpb::GetHealthRequest& r, const hpb::AccountHealth& h) { return h.account_id() == r.account_id(); });
  }
  if (method == "Echo") {
    return StarterFor<epb::EchoRequest, epb::EchoResponse>(
        std::shared_ptr<epb::EchoService::Stub>(epb::EchoService::NewStub(channel)),
        [](epb::EchoRequest& r, const std::string& id) { r.set_id(id); },
        [](auto& stub, auto... args) { stub.async()->Echo(args...); },
        [](const epb::EchoRequest& r, const epb::EchoResponse& e) { return e.id() == r.id(); });
  }
  return nullptr;
}

std::string CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                                 "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                 "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  int n = static_cast<int>(code);
  return n >= 0 && n < 17 ? kNames[n] : absl::StrCat(n);
}


// The calls of one run: starts them, records the measured ones, and knows when all are done.
class Run {
 public:
  Run(const LoadOptions& options, std::vector<Starter> starters)
      : options_(options), starters_(std::move(starters)) {
    begin_ = absl::Now();
    measure_from_ = begin_ + absl::Seconds(options.warmup_seconds);
    end_ = measure_from_ + absl::Seconds(options.duration_seconds);
    contexts_.resize(options.concurrency);
    for (int i = options.concurrency - 1; i >= 0; --i) free_slots_.push_back(static_cast<size_t>(i));
  }

  LoadResult Execute() {
    // Samples the watched processes' CPU time as the measured window opens and closes.
    std::map<std::string, double> cpu_at_start, cpu_used;
    std::thread cpu_sampler([&] {
      absl::SleepFor(measure_from_ - absl::Now());
      for (const auto& [name, pid] : options_.cpu_of) cpu_at_start[name] = CpuMicros(pid);
      absl::SleepFor(end_ - absl::Now());
      for (const auto& [name, pid] : options_.cpu_of) cpu_used[name] = CpuMicros(pid) - cpu_at_start[name];
    });
    if (options_.rate > 0) {
      Paced();
    } else {
      for (int i = 0; i < options_.concurrency; ++i) StartClosedLoop(static_cast<size_t>(i));
    }
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [&] { return in_flight_ == 0 && (options_.rate > 0 || loops_left_ == 0); });
    cpu_sampler.join();
    LoadResult result;
    std::sort(latencies_ms_.begin(), latencies_ms_.end());
    result.codes = codes_;
    result.ok = codes_.count("OK") ? codes_.at("OK") : 0;
    result.qps = static_cast<double>(result.ok) / options_.duration_seconds;  // answered calls only
    result.p50_ms = Percentile(latencies_ms_, 0.5);
    result.p90_ms = Percentile(latencies_ms_, 0.9);
    result.p99_ms = Percentile(latencies_ms_, 0.99);
    result.max_ms = latencies_ms_.empty() ? 0 : latencies_ms_.back();
    for (const auto& [name, used] : cpu_used) {
      if (result.ok > 0 && cpu_at_start[name] >= 0 && used >= 0) {
        result.cpu_us_per_call[name] = used / static_cast<double>(result.ok);
      }
    }
    return result;
  }

 private:
  // Starts call number `n` in `slot` (whose previous call has finished), counted from
  // `scheduled`; `then` runs after it is recorded.
  void Start(size_t slot, size_t n, absl::Time scheduled, std::function<void()> then) {
    auto& context = contexts_[slot];
    context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const std::string& id = options_.ids.empty() ? empty_ : options_.ids[n % options_.ids.size()];
    starters_[slot % starters_.size()](context.get(), id, [this, scheduled, then](grpc::Status s) {
      absl::Time now = absl::Now();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (scheduled >= measure_from_ && now <= end_) {
          latencies_ms_.push_back(absl::ToDoubleMilliseconds(now - scheduled));
          codes_[s.error_message() == kWrongAnswer ? kWrongAnswer : CodeName(s.error_code())]++;
        }
      }
      then();
    });
  }

  // Slot `slot` of the closed loop: a call, then the next, until the end.
  void StartClosedLoop(size_t slot) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (absl::Now() >= end_) {
        if (--loops_left_ == 0) idle_.notify_all();
        return;
      }
    }
    size_t n = slot * 7919 + next_call_++;
    Start(slot, n, absl::Now(), [this, slot] { StartClosedLoop(slot); });
  }

  // Calls on a fixed schedule, at most `concurrency` in flight (a late one waits for a slot).
  void Paced() {
    const absl::Duration interval = absl::Seconds(1.0 / options_.rate);
    for (size_t k = 0;; ++k) {
      absl::Time scheduled = begin_ + interval * static_cast<double>(k);
      if (scheduled >= end_) break;
      absl::SleepFor(scheduled - absl::Now());
      size_t slot;
      {
        std::unique_lock<std::mutex> lock(mu_);
        idle_.wait(lock, [&] { return !free_slots_.empty(); });
        slot = free_slots_.back();
        free_slots_.pop_back();
        ++in_flight_;
      }
      Start(slot, k, scheduled, [this, slot] {
        std::lock_guard<std::mutex> lock(mu_);
        --in_flight_;
        free_slots_.push_back(slot);
        idle_.notify_all();
      });
    }
  }

  const LoadOptions& options_;
  std::vector<Starter> starters_;
  absl::Time begin_, measure_from_, end_;
  std::atomic<size_t> next_call_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_;  // one per slot
  std::vector<size_t> free_slots_;                                // paced mode
  int in_flight_ = 0;                                             // paced mode
  int loops_left_ = options_.concurrency;                         // closed loop
  std::vector<double> latencies_ms_;
  std::map<std::string, int64_t> codes_;
  const std::string empty_;
};

}  // namespace

// CPU time (user + system) the process `pid` (0: this one) has used, in microseconds; -1 when
// it cannot be read.
double CpuMicros(int pid) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/stat") : absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(in, line)) return -1;
  // Fields after the command name, which is in parentheses and may hold spaces.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<absl::string_view> fields = absl::StrSplit(absl::string_view(line).substr(close + 2), ' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) || !absl::SimpleAtod(fields[12], &stime)) return -1;
  return (utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

LoadResult RunLoad(const LoadOptions& options) {
  std::vector<Starter> starters;
  for (int c = 0; c < std::max(1, options.channels); ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct channels, not one shared subchannel
    auto channel = grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
    starters.push_back(MakeStarter(options.method, channel));
    if (!starters.back()) {
      LoadResult failed;
      failed.error = absl::StrCat("unknown method ", options.method);
      return failed;
    }
  }
  LoadOptions checked = options;
  checked.concurrency = std::max(1, options.concurrency);
  Run run(checked, std::move(starters));
  return run.Execute();
}

std::string LoadResult::Summary() const {
  std::vector<std::string> by_code;
  for (const auto& [code, n] : codes) by_code.push_back(absl::StrCat(code, " ", n));
  std::vector<std::string> cpu;
  for (const auto& [name, us] : cpu_us_per_call) cpu.push_back(absl::StrFormat("%s %.0f", name, us));
  return absl::StrFormat("QPS %.0f  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  calls {%s}%s", qps, p50_ms,
                         p90_ms, p99_ms, max_ms, absl::StrJoin(by_code, ", "),
                         cpu.empty() ? "" : absl::StrCat("  CPU µs/call {", absl::StrJoin(cpu, ", "), "}"));
}

std::string LoadResult::Json(const LoadOptions& o) const {
  std::vector<std::string> by_code, cpu;
  for (const auto& [code, n] : codes) by_code.push_back(absl::StrCat("\"", code, "\":", n));
  for (const auto& [name, us] : cpu_us_per_call) cpu.push_back(absl::StrFormat("\"%s\":%.1f", name, us));
  return absl::StrFormat(
      "{\"method\":\"%s\",\"concurrency\":%d,\"channels\":%d,\"rate\":%.0f,\"seconds\":%.1f,\"qps\":%.1f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"codes\":{%s},\"cpu_us_per_call\":{%s}}",
      o.method, o.concurrency, o.channels, o.rate, o.duration_seconds, qps, p50_ms, p90_ms, p99_ms, max_ms,
      absl::StrJoin(by_code, ","), absl::StrJoin(cpu, ","));
}

}  // namespace flywheel::bench
