#include "services/accounts/grpc/account_proto.h"

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/enums/enum_map.h"

namespace flywheel::accounts {

namespace {

// The lifecycle stage on the wire (see common/enums/enum_map.h).
constexpr EnumMap<LifecycleStage, pb::LifecycleStage, 6> kProtoStage{
    {{{LifecycleStage::kSales, pb::LIFECYCLE_STAGE_SALES},
      {LifecycleStage::kOnboarding, pb::LIFECYCLE_STAGE_ONBOARDING},
      {LifecycleStage::kAdoption, pb::LIFECYCLE_STAGE_ADOPTION},
      {LifecycleStage::kValue, pb::LIFECYCLE_STAGE_VALUE},
      {LifecycleStage::kRenewal, pb::LIFECYCLE_STAGE_RENEWAL},
      {LifecycleStage::kChurned, pb::LIFECYCLE_STAGE_CHURNED}}}};
static_assert(kProtoStage.OneToOne());

}  // namespace

pb::LifecycleStage StageToProto(LifecycleStage stage) { return kProtoStage.To(stage); }

std::optional<LifecycleStage> StageFromProto(int value, const std::string& field, FieldViolations& violations) {
  return FromRequest(kProtoStage, value, field, violations);
}

namespace {

// The one body of both ToProto forms: `AccountRef` is `const Account&` (strings copied) or
// `Account` (an rvalue: strings moved, so a page read from the database hands them on).
template <typename AccountRef>
void FillProto(AccountRef&& a, pb::Account& m) {
  constexpr bool kMove = !std::is_lvalue_reference_v<AccountRef>;
  auto take = [](auto& value) -> decltype(auto) {
    if constexpr (kMove) {
      return std::move(value);
    } else {
      return std::as_const(value);
    }
  };
  m.set_id(take(a.id));
  m.set_name(take(a.name));
  for (auto& [k, v] : a.external_ids) (*m.mutable_external_ids())[k] = take(v);
  m.set_parent_id(take(a.parent_id));
  m.set_segment(take(a.segment));
  m.set_industry(take(a.industry));
  m.set_region(take(a.region));
  if (a.arr) convert::ToProto(*a.arr, *m.mutable_arr());
  m.set_licensed_seats(static_cast<int32_t>(a.licensed_seats));
  m.set_lifecycle_stage(StageToProto(a.lifecycle_stage));
  m.set_csm_owner(take(a.csm_owner));
  if (a.contract_start) convert::ToProto(*a.contract_start, *m.mutable_contract_start());
  if (a.renewal_date) convert::ToProto(*a.renewal_date, *m.mutable_renewal_date());
  if (a.value_target) {
    convert::ToProto(a.value_target->amount, *m.mutable_value_target()->mutable_amount());
    m.mutable_value_target()->set_description(take(a.value_target->description));
  }
  for (auto& [k, v] : a.labels) (*m.mutable_labels())[k] = take(v);
  m.set_etag(EtagOf(a));
  convert::ToTimestamp(a.create_time, *m.mutable_create_time());
  convert::ToTimestamp(a.update_time, *m.mutable_update_time());
  if (a.delete_time) convert::ToTimestamp(*a.delete_time, *m.mutable_delete_time());
}

}  // namespace

void ToProto(const Account& a, pb::Account& m) { FillProto(a, m); }

void ToProto(Account&& a, pb::Account& m) { FillProto(std::move(a), m); }

pb::Account ToProto(const Account& a) {
  pb::Account m;
  ToProto(a, m);
  return m;
}

Account FromProto(const pb::Account& m, FieldViolations& v) {
  Account a;
  a.id = m.id();
  a.name = m.name();
  a.external_ids.insert(m.external_ids().begin(), m.external_ids().end());
  a.parent_id = m.parent_id();
  a.segment = m.segment();
  a.industry = m.industry();
  a.region = m.region();
  if (m.has_arr()) a.arr = convert::FromProto(m.arr());
  a.licensed_seats = m.licensed_seats();
  a.lifecycle_stage = StageFromProto(m.lifecycle_stage(), "lifecycle_stage", v).value_or(LifecycleStage::kSales);
  a.csm_owner = m.csm_owner();
  if (m.has_contract_start()) a.contract_start = convert::FromProto(m.contract_start(), "contract_start", v);
  if (m.has_renewal_date()) a.renewal_date = convert::FromProto(m.renewal_date(), "renewal_date", v);
  if (m.has_value_target()) {
    a.value_target = ValueTarget{convert::FromProto(m.value_target().amount()), m.value_target().description()};
    if (!m.value_target().has_amount()) v.Add("value_target.amount", "is required");
  }
  a.labels.insert(m.labels().begin(), m.labels().end());
  return a;
}

pb::AccountTreeNode ToProto(const TreeNode& n) {
  pb::AccountTreeNode m;
  m.set_account_id(n.account_id);
  m.set_name(n.name);
  m.set_parent_id(n.parent_id);
  m.set_depth(n.depth);
  if (n.arr) *m.mutable_arr() = convert::ToProto(*n.arr);
  m.set_licensed_seats(static_cast<int32_t>(n.licensed_seats));
  for (const auto& [currency, units] : n.rolled_up_arr) *m.add_rolled_up_arr() = convert::ToProto(Money{currency, units});
  m.set_rolled_up_seats(n.rolled_up_seats);
  m.set_descendant_count(n.descendant_count);
  return m;
}

pb::UpsertOutcome ToProto(UpsertOutcome outcome) {
  switch (outcome) {
    case UpsertOutcome::kCreated: return pb::UPSERT_OUTCOME_CREATED;
    case UpsertOutcome::kUpdated: return pb::UPSERT_OUTCOME_UPDATED;
    case UpsertOutcome::kUnchanged: return pb::UPSERT_OUTCOME_UNCHANGED;
  }
  return pb::UPSERT_OUTCOME_UNSPECIFIED;
}

}  // namespace flywheel::accounts
