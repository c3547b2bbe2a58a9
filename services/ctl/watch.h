// flywheelctl's `watch` verbs (health watch, exceptions watch): follow a resumable Watch
// stream and print one line per event (or one JSON object a line with --format=json). A
// dropped connection is reopened after a backoff from the last event's resume token, so an
// operator's terminal or a script sees every event once. Stops after --count=N events or
// --for=SECONDS, otherwise runs until interrupted; --resume=TOKEN starts after an event seen
// earlier. Exits 1 when the service refuses the request (bad filter or token, no access).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "services/ctl/options.h"

namespace flywheel::ctl {

template <typename Request, typename Message>
int Watch(Request request, const Options& o,
          const std::function<std::unique_ptr<grpc::ClientReaderInterface<Message>>(grpc::ClientContext*, const Request&)>& open,
          const std::function<std::string(const Message&)>& line) {
  int64_t count = 0, seconds = 0;
  if ((!o.Flag("count").empty() && !absl::SimpleAtoi(o.Flag("count"), &count)) ||
      (!o.Flag("for").empty() && !absl::SimpleAtoi(o.Flag("for"), &seconds))) {
    std::fprintf(stderr, "--count and --for take whole numbers\n");
    return 2;
  }
  if (!o.Flag("resume").empty()) request.set_resume_token(o.Flag("resume"));
  const bool json = o.Flag("format") == "json";
  const absl::Time stop = seconds > 0 ? absl::Now() + absl::Seconds(seconds) : absl::InfiniteFuture();
  int64_t seen = 0;
  absl::Duration backoff = absl::Seconds(1);
  while (absl::Now() < stop) {
    grpc::ClientContext ctx;
    ApplyIdentity(&ctx);
    if (stop != absl::InfiniteFuture()) ctx.set_deadline(absl::ToChronoTime(stop));
    auto reader = open(&ctx, request);
    Message m;
    while (reader->Read(&m)) {
      backoff = absl::Seconds(1);
      if (json) {
        std::string out;
        google::protobuf::util::JsonPrintOptions options;
        (void)google::protobuf::util::MessageToJsonString(m, &out, options);
        std::printf("%s\n", out.c_str());
      } else {
        std::printf("%s\n", line(m).c_str());
      }
      std::fflush(stdout);
      request.set_resume_token(m.resume_token());
      if (count > 0 && ++seen >= count) {
        ctx.TryCancel();
        reader->Finish();
        return 0;
      }
    }
    grpc::Status s = reader->Finish();
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && absl::Now() >= stop) break;
    switch (s.error_code()) {
      case grpc::StatusCode::INVALID_ARGUMENT:
      case grpc::StatusCode::UNAUTHENTICATED:
      case grpc::StatusCode::PERMISSION_DENIED:
      case grpc::StatusCode::UNIMPLEMENTED:
        return Fail(s);
      default:
        break;
    }
    std::fprintf(stderr, "stream ended (%s); resuming in %.0f s\n", s.error_message().c_str(),
                 absl::ToDoubleSeconds(backoff));
    absl::SleepFor(std::min(backoff, stop - absl::Now()));
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
  return 0;
}

}  // namespace flywheel::ctl
