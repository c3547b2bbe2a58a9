// The stakeholders service's use cases that need only its repository and the accounts service:
// stakeholder creates, updates, deletes and upserts (one CRM record or a stream of them), RACI
// activities and assignments, change initiatives and their ADKAR stages. Domain types only; no
// gRPC and no SQL. grpc/stakeholder_service.cc decodes a request, calls one, encodes the answer.
// Field violations are named as the API request names them ("stakeholder.email").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "common/status/errors.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/raci.h"
#include "services/stakeholders/storage/stakeholder_repository.h"

namespace flywheel::stakeholders {

// What the use cases need of the accounts service.
class AccountsPeer {
 public:
  virtual ~AccountsPeer() = default;
  // OK when the account exists and is live; NOT_FOUND naming it otherwise, UNAVAILABLE when the
  // accounts service cannot answer.
  virtual absl::Status RequireLive(const std::string& account_id) = 0;
  // OK when every account of `ids` is live; otherwise the first problem found.
  virtual absl::Status RequireAllLive(const std::vector<std::string>& ids) = 0;
};

// A stakeholder as decoded from a request, with what could not be decoded in it (violations
// named within the stakeholder).
struct StakeholderDraft {
  Stakeholder stakeholder;
  FieldViolations problems;
};

class StakeholderUseCases {
 public:
  StakeholderUseCases(StakeholderRepository& repository, AccountsPeer& accounts)
      : repository_(repository), accounts_(accounts) {}

  // Checks the draft (required) and its account, then creates it with a new id; a replayed
  // request id answers the first response.
  absl::StatusOr<Created<Stakeholder>> Create(std::optional<StakeholderDraft> draft, const std::string& request_id,
                                              const WriteContext& write, const RecordResponse<Stakeholder>& record);
  // Writes the fields `paths` names from `patch` to the live stakeholder `id` (etag any when empty).
  absl::StatusOr<Stakeholder> Update(const std::string& id, const Stakeholder& patch,
                                     const std::vector<std::string>& paths, const std::string& etag,
                                     const WriteContext& write);
  absl::StatusOr<Stakeholder> Delete(const std::string& id, const std::string& etag, const WriteContext& write);

  // A CRM's record of a stakeholder; see AccountUseCases::UpsertRecord.
  struct UpsertRecord {
    std::string source;
    std::string external_id;
    std::optional<StakeholderDraft> draft;
    std::vector<std::string> paths;
  };
  static UpsertInput CheckUpsert(UpsertRecord record, FieldViolations& v);
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& write);
  // Each record's outcome; a record of an unknown account fails alone (accounts are confirmed
  // once per call). Fails as a whole only when the accounts service or the database cannot answer.
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs,
                                                                       bool dry_run, const WriteContext& write);

  absl::StatusOr<RaciActivity> CreateActivity(RaciActivity activity, const WriteContext& write);
  // The activity and the warnings (a row without A, …) after storing `assignments`.
  struct Assigned {
    RaciActivity activity;
    std::vector<std::string> warnings;
  };
  absl::StatusOr<Assigned> SetAssignments(const std::string& activity_id,
                                          const std::vector<RaciAssignment>& assignments, const WriteContext& write);

  // Checks the initiative against the account's live stakeholders, derives its follow-ups and
  // creates it at the Awareness stage.
  absl::StatusOr<Created<ChangeInitiative>> CreateInitiative(ChangeInitiative initiative, FieldViolations problems,
                                                             const std::string& request_id, const WriteContext& write,
                                                             const RecordResponse<ChangeInitiative>& record);
  absl::StatusOr<ChangeInitiative> Advance(const std::string& id, AdkarStage to, const WriteContext& write);

  // OK when `account_id` is a well-formed id of a live account; violations named `field`.
  absl::Status RequireAccount(const std::string& account_id, const std::string& field);
  // The live stakeholders of an account.
  absl::StatusOr<std::vector<Stakeholder>> LiveOf(const std::string& account_id);

 private:
  StakeholderRepository& repository_;
  AccountsPeer& accounts_;
};

// The stakeholder's problems and the rules' violations (its account id among them), named from
// `prefix`.
void CheckStakeholder(const StakeholderDraft& draft, const std::string& prefix, FieldViolations& v);

}  // namespace flywheel::stakeholders
