// The stakeholders service's use cases: stakeholder creates, updates, deletes and upserts (one
// CRM record or a stream of them), coverage and the portfolio's coverage gaps, RACI activities,
// assignments and the matrix, change initiatives and their ADKAR stages, and role briefings.
// Domain types only, the accounts and health services behind interfaces; no gRPC and no SQL. grpc/stakeholder_service.cc decodes a request, calls one, encodes the answer.
// Field violations are named as the API request names them ("stakeholder.email").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "common/status/errors.h"
#include "common/money/money.h"
#include "services/stakeholders/domain/briefing.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/coverage.h"
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
  // One page of the live accounts of `csm_owner` (every owner's when empty), in id order.
  struct IdPage {
    std::vector<std::string> ids;
    std::string next_page_token;  // "" after the last page
  };
  virtual absl::StatusOr<IdPage> ListIds(const std::string& csm_owner, const std::string& page_token) = 0;
};

// What a briefing needs of the health service.
class HealthPeer {
 public:
  virtual ~HealthPeer() = default;
  // The account's readings of usage `metric` on days [start, end].
  virtual absl::StatusOr<std::vector<MetricPoint>> Usage(const std::string& account_id, const std::string& metric,
                                                         absl::CivilDay start, absl::CivilDay end) = 0;
  // The account's CSAT responses (day, score) on days [start, end].
  virtual absl::StatusOr<std::vector<std::pair<absl::CivilDay, int>>> CsatResponses(const std::string& account_id,
                                                                                    absl::CivilDay start,
                                                                                    absl::CivilDay end) = 0;
  // The account's value figures on `day`; nullopt when it has no value target.
  struct ValueFigures {
    Money target, projected_annual, gap, realised;
  };
  virtual absl::StatusOr<std::optional<ValueFigures>> Value(const std::string& account_id, absl::CivilDay day) = 0;
};

// The coverage of accounts: each asked-for account's coverage, in order, and their people.
struct CoverageOf {
  std::vector<std::pair<std::string, Coverage>> coverages;
  std::vector<Stakeholder> stakeholders;
};

// One page of coverage gaps, in account id order. The cursor is the accounts page being walked
// (its token) and the last account given; nullopt after the last page.
struct GapsPage {
  std::vector<std::pair<std::string, Coverage>> gaps;
  std::optional<std::pair<std::string, std::string>> next;
};

// The RACI matrix: a column per live stakeholder, a row per activity with each column's letter
// (nullopt for none; A wins over R for one person).
struct RaciMatrix {
  std::vector<Stakeholder> columns;
  struct Row {
    RaciActivity activity;
    std::vector<std::optional<RaciLetter>> letters;
  };
  std::vector<Row> rows;
};

// Who a briefing is for: a stakeholder (their account and role), or an account and a role.
struct BriefingRequest {
  std::string account_id;
  std::string stakeholder_id;
  std::optional<Role> role;
  std::optional<absl::CivilDay> as_of;  // today when unset
};

struct Briefing {
  std::string account_id;
  Role role = Role::kOwner;
  std::vector<Stakeholder> holders;  // the live stakeholders in the role
  std::vector<BriefingMetric> metrics;
  std::optional<HealthPeer::ValueFigures> value;  // the Owner's, when the account has a target
  std::string summary;
  bool role_unfilled() const { return holders.empty(); }
};

// A stakeholder as decoded from a request, with what could not be decoded in it (violations
// named within the stakeholder).
struct StakeholderDraft {
  Stakeholder stakeholder;
  FieldViolations problems;
};

class StakeholderUseCases {
 public:
  StakeholderUseCases(StakeholderRepository& repository, AccountsPeer& accounts, HealthPeer& health)
      : repository_(repository), accounts_(accounts), health_(health) {}

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
  // The change initiatives of a live account.
  absl::StatusOr<std::vector<ChangeInitiative>> Initiatives(const std::string& account_id);
  absl::StatusOr<ChangeInitiative> Advance(const std::string& id, AdkarStage to, const WriteContext& write);

  absl::StatusOr<Coverage> CoverageOfAccount(const std::string& account_id);
  // 1–1,000 well-formed ids (violations named "account_ids[i]").
  absl::StatusOr<CoverageOf> BatchCoverage(const std::vector<std::string>& account_ids);
  // Up to `page_size` accounts of `csm_owner` with a gap, after `cursor` (see GapsPage).
  absl::StatusOr<GapsPage> Gaps(const std::string& csm_owner, const std::optional<std::pair<std::string, std::string>>& cursor,
                                int page_size);
  absl::StatusOr<RaciMatrix> Matrix(const std::string& account_id);
  // The role's people and key metrics (and the Owner's value figures) as of a day; `today`
  // when the request names none.
  absl::StatusOr<Briefing> Brief(const BriefingRequest& request, absl::CivilDay today);

  // OK when `account_id` is a well-formed id of a live account; violations named `field`.
  absl::Status RequireAccount(const std::string& account_id, const std::string& field);
  // The live stakeholders of an account.
  absl::StatusOr<std::vector<Stakeholder>> LiveOf(const std::string& account_id);

 private:
  StakeholderRepository& repository_;
  AccountsPeer& accounts_;
  HealthPeer& health_;
};

// The stakeholder's problems and the rules' violations (its account id among them), named from
// `prefix`.
void CheckStakeholder(const StakeholderDraft& draft, const std::string& prefix, FieldViolations& v);

}  // namespace flywheel::stakeholders
