// What an exception report reads from the other services, in domain terms: the accounts of a
// shard (accounts service), each batch's health inputs (health service) and the live
// stakeholders in each flywheel role (stakeholders service). The service reads them through
// its gRPC clients (grpc/report_sources.h); the report runner only sees this interface, so
// its batching and threading are tested on their own.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/handoff/domain/exceptions.h"

namespace flywheel::handoff {

// What a run keeps of each account of its shard.
struct ShardAccount {
  std::string id;
  std::string csm_owner;
};

// Daily series to read for one account: `names` (metric names, seats, nps, csat) from `start`.
struct SeriesAsk {
  std::string account_id;
  absl::CivilDay start;
  std::vector<std::string> names;
};

// What the rules read of one account's health as of the run's day.
struct HealthInputs {
  std::string account_id;
  std::optional<double> presence;  // the presence measure, 0–100, when not missing
  std::optional<double> active_users_28d;
  HealthQuadrant quadrant = HealthQuadrant::kUnknown;
  struct Value {
    std::string currency;
    int64_t target = 0, projected = 0, gap = 0;  // minor units
    int contract_days_elapsed = 0;
  };
  std::optional<Value> value;  // when the account has a value target
  std::vector<Detractor> detractors;
  std::optional<double> overall, overall_30_days_earlier;
  // The asked series, a value a day from series_start (NaN: no value that day).
  std::optional<absl::CivilDay> series_start;
  std::map<std::string, std::vector<double>> series;
};

// A live stakeholder, as a finding addresses them.
struct RolePerson {
  std::string account_id;
  std::string role;        // OWNER, CHAMPION, ENABLER, PRODUCER
  bool learning = false;   // an Enabler whose focus is Learning and Development
  std::string contact;     // email, or name when there is none
};

class ReportSources {
 public:
  virtual ~ReportSources() = default;
  // Calls `visit` with every live account until it returns false. Called once per run.
  virtual absl::Status ForEachAccount(const std::function<bool(const ShardAccount&)>& visit) = 0;
  // The inputs of `account_ids`, in their order; NOT_FOUND (metadata "id") naming an account
  // that is gone. Called from several threads at once.
  virtual absl::StatusOr<std::vector<HealthInputs>> ReportInputs(absl::CivilDay as_of,
                                                                 const std::vector<std::string>& account_ids,
                                                                 const std::vector<SeriesAsk>& series) = 0;
  // `account_ids` as a run keeps them, in order; one deleted or unknown has no CSM (the run
  // then finds it gone and resolves its exceptions).
  virtual absl::StatusOr<std::vector<ShardAccount>> Accounts(const std::vector<std::string>& account_ids) = 0;
  // The live stakeholders of `account_ids`; NOT_FOUND as above. Called from several threads.
  virtual absl::StatusOr<std::vector<RolePerson>> People(const std::vector<std::string>& account_ids) = 0;
};

}  // namespace flywheel::handoff
