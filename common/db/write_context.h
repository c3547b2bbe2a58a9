// What every repository write carries and reports: who writes and when (the audit trail's
// who/when), idempotency records for creates (AIP-155), and upsert outcomes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace flywheel {

struct WriteContext {
  std::string principal;
  std::string request_id;
  absl::Time now;
};

// One entry of an audit trail; `sequence` orders it: the account's version after the write
// (account_audit), or the entry's id in the service's audit_log (see db/audit.h).
struct AuditEntry {
  int64_t sequence = 0;
  absl::Time time;
  std::string principal;
  std::string action;  // CREATE, UPDATE, DELETE, UNDELETE, UPSERT, SET_OVERRIDE, …
  std::vector<std::string> changed_fields;
  std::string request_id;
};

// The first response to an idempotent create, stored with the write.
struct IdempotencyRecord {
  std::string request_id;
  std::string fingerprint;
  std::string response;
};

struct CreateResult {
  bool replayed = false;
  std::string replayed_response;  // set when replayed
};

// How a create stores its first response for replays: given the resource as created, the record
// to write with it (nullopt without a request id). Made by the API edge, which owns the encoding.
template <typename T>
using RecordResponse = std::function<std::optional<IdempotencyRecord>(const T& created)>;

// What an idempotent create gives back: the resource it wrote, or, on a replay, the first
// response (result.replayed_response) and a resource that was not written.
template <typename T>
struct Created {
  T resource;
  CreateResult result;
};

enum class UpsertOutcome { kCreated, kUpdated, kUnchanged };

}  // namespace flywheel
