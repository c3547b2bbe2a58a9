// What the benchmarks share: dates for requests, a process's peak RSS, elapsed seconds, and
// the synthetic accounts both portfolios start from.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/type/v1/types.pb.h"

namespace flywheel::bench {

inline flywheel::type::v1::Date D(absl::CivilDay d) {
  flywheel::type::v1::Date out;
  out.set_year(static_cast<int>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

// The peak resident set (VmHWM) of process `pid` in KiB, -1 when unknown.
inline long PeakRssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

inline double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

// Creates `n` accounts through BulkUpsertAccounts (1,000 a message): seats 50–449, ARR, a CSM
// of 25, contract starts over 120 days from 2026-01-01, a £500,000 value target. The ids in
// order, or empty (with the reason printed) when the stream fails.
inline std::vector<std::string> CreateAccounts(flywheel::accounts::v1::AccountService::Stub& stub, int n) {
  namespace apb = flywheel::accounts::v1;
  grpc::ClientContext ctx;
  apb::BulkUpsertAccountsResponse resp;
  auto writer = stub.BulkUpsertAccounts(&ctx, &resp);
  apb::BulkUpsertAccountsRequest msg;
  for (int i = 0; i < n; ++i) {
    auto* r = msg.add_records();
    r->set_source("bench");
    r->set_external_id(absl::StrCat("b", i));
    auto* a = r->mutable_account();
    a->set_name(absl::StrCat("Customer ", i));
    a->set_licensed_seats(50 + i % 400);
    a->mutable_arr()->set_currency_code("GBP");
    a->mutable_arr()->set_minor_units(1000000 + 1000 * (i % 997));
    a->set_csm_owner(absl::StrCat("csm", i % 25, "@vendor.example"));
    *a->mutable_contract_start() = D(absl::CivilDay(2026, 1, 1) + i % 120);
    a->mutable_value_target()->mutable_amount()->set_currency_code("GBP");
    a->mutable_value_target()->mutable_amount()->set_minor_units(50000000);
    if (msg.records_size() == 1000 || i + 1 == n) {
      writer->Write(msg);
      msg.clear_records();
    }
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  std::vector<std::string> ids;
  if (!s.ok()) {
    std::fprintf(stderr, "bulk upsert failed: %s\n", s.error_message().c_str());
    return ids;
  }
  for (const auto& r : resp.results()) ids.push_back(r.account_id());
  return ids;
}

}  // namespace flywheel::bench
