// Small helpers for tests and benchmarks that call the services: dates and call contexts.
#pragma once

#include <chrono>
#include <memory>

#include "flywheel/type/v1/types.pb.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::testing {

inline flywheel::type::v1::Date Day(int year, int month, int day) {
  flywheel::type::v1::Date out;
  out.set_year(year);
  out.set_month(month);
  out.set_day(day);
  return out;
}

// A client context with a deadline `seconds` from now.
inline std::unique_ptr<grpc::ClientContext> CallContext(int seconds = 300) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

}  // namespace flywheel::testing
