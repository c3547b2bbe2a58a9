// The Account aggregate as the domain sees it (no protobuf, no SQL), the list of fields a
// caller may write (used for update masks, upserts, change detection and audit), and etags.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/fields/writable_fields.h"
#include "common/money/money.h"

namespace flywheel::accounts {

enum class LifecycleStage { kSales = 1, kOnboarding, kAdoption, kValue, kRenewal, kChurned };

// "SALES", "ONBOARDING", …: the stable name stored in the database and shown to people.
absl::string_view StageName(LifecycleStage stage);
std::optional<LifecycleStage> StageFromName(absl::string_view name);

struct ValueTarget {
  Money amount;             // per contract year
  std::string description;  // e.g. "cost reduction"
  friend bool operator==(const ValueTarget& a, const ValueTarget& b) {
    return a.amount == b.amount && a.description == b.description;
  }
};

struct Account {
  std::string id;
  std::string name;
  std::map<std::string, std::string> external_ids;  // source → id
  std::string parent_id;
  std::string segment;
  std::string industry;
  std::string region;
  std::optional<Money> arr;
  int64_t licensed_seats = 0;
  LifecycleStage lifecycle_stage = LifecycleStage::kSales;
  std::string csm_owner;
  std::optional<absl::CivilDay> contract_start;
  std::optional<absl::CivilDay> renewal_date;
  std::optional<ValueTarget> value_target;
  std::map<std::string, std::string> labels;
  int64_t version = 0;  // bumped by every write; the etag and the audit sequence
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> delete_time;

  bool deleted() const { return delete_time.has_value(); }
};

// A field callers may write, by its API name ("name", "arr", "labels", …).
using AccountField = WritableField<Account>;

// Every writable field, in API order.
const std::vector<AccountField>& WritableFields();
// The writable field called `name`, or nullptr.
const AccountField* FindWritableField(absl::string_view name);

// The names of the writable fields whose values differ between `a` and `b`.
std::vector<std::string> ChangedFields(const Account& a, const Account& b);

// Copies the fields named in `paths` (all writable fields when empty) from `from` to `to`.
// Paths must already be known writable fields (see ValidateFieldMask).
void ApplyFields(const Account& from, const std::vector<std::string>& paths, Account& to);

std::string EtagOf(const Account& account);
// OK when `etag` is empty or matches; ABORTED (reason ETAG_MISMATCH) when stale.
absl::Status CheckEtag(const Account& current, absl::string_view etag);

}  // namespace flywheel::accounts
