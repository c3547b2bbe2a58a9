#include "services/handoff/domain/handoff.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace flywheel::handoff {

absl::string_view TeamName(Team team) {
  switch (team) {
    case Team::kSales: return "SALES";
    case Team::kImplementation: return "IMPLEMENTATION";
    case Team::kCustomerSuccess: return "CUSTOMER_SUCCESS";
    case Team::kSupport: return "SUPPORT";
  }
  return "";
}

const std::vector<WritableField<Handoff>>& HandoffFields() {
  static const auto* fields = new std::vector<WritableField<Handoff>>{
      MakeField<Handoff, &Handoff::sending_owner>("sending_owner"),
      MakeField<Handoff, &Handoff::receiving_owner>("receiving_owner"),
      MakeField<Handoff, &Handoff::success_criteria>("success_criteria"),
      MakeField<Handoff, &Handoff::sla_days>("sla_days"),
  };
  return *fields;
}
namespace {

absl::string_view StateName(HandoffState s) {
  switch (s) {
    case HandoffState::kDraft: return "DRAFT";
    case HandoffState::kSubmitted: return "SUBMITTED";
    case HandoffState::kAccepted: return "ACCEPTED";
    case HandoffState::kRejected: return "REJECTED";
    case HandoffState::kCancelled: return "CANCELLED";
  }
  return "";
}

}  // namespace

std::vector<PreconditionViolation> FailedGates(const Handoff& h, const GateFacts& f) {
  std::vector<PreconditionViolation> out;
  auto gate = [&](bool holds, const char* name, const char* why) {
    if (!holds) out.push_back({"GATE", name, why});
  };
  gate(f.value_target_set, "VALUE_TARGET_SET", "the account has no value target");
  gate(f.owner_identified, "OWNER_IDENTIFIED", "no stakeholder holds the OWNER role");
  gate(f.champion_identified, "CHAMPION_IDENTIFIED", "no stakeholder holds the CHAMPION role");
  gate(!absl::StripAsciiWhitespace(h.success_criteria).empty(), "SUCCESS_CRITERIA_DOCUMENTED",
       "the handoff documents no success criteria");
  gate(f.success_path_assigned, "SUCCESS_PATH_ASSIGNED", "the account has no success path assigned");
  gate(!absl::StripAsciiWhitespace(h.receiving_owner).empty(), "RECEIVING_OWNER_SET",
       "nobody on the receiving team owns the handoff");
  return out;
}

absl::Status CheckTransition(const Handoff& h, HandoffState to, const std::string& reason) {
  bool allowed = false;
  switch (to) {
    case HandoffState::kSubmitted: allowed = h.state == HandoffState::kDraft; break;
    case HandoffState::kAccepted:
    case HandoffState::kRejected: allowed = h.state == HandoffState::kSubmitted; break;
    case HandoffState::kCancelled:
      allowed = h.state == HandoffState::kDraft || h.state == HandoffState::kSubmitted;
      break;
    case HandoffState::kDraft: break;
  }
  if (!allowed) {
    return FailedPreconditionError(
        absl::StrCat(absl::string_view("AEIOU").find(StateName(h.state)[0]) == absl::string_view::npos ? "a " : "an ",
                     StateName(h.state), " handoff cannot become ", StateName(to)),
        {{"STATE", h.id, absl::StrCat("handoff ", h.id, " is ", StateName(h.state))}});
  }
  if (to == HandoffState::kRejected && absl::StripAsciiWhitespace(reason).empty()) {
    return InvalidFieldError("reason", "a rejection needs a reason");
  }
  return absl::OkStatus();
}

std::optional<absl::Time> SlaDue(const Handoff& h) {
  if (!h.submit_time) return std::nullopt;
  return *h.submit_time + absl::Hours(24 * h.sla_days);
}

bool Overdue(const Handoff& h, absl::Time now) {
  auto due = SlaDue(h);
  return h.state == HandoffState::kSubmitted && due && now > *due;
}

std::optional<AccountStage> StageAfterAccept(Team from, Team to) {
  if (from == Team::kSales && to == Team::kImplementation) return AccountStage::kOnboarding;
  if (from == Team::kImplementation && to == Team::kCustomerSuccess) return AccountStage::kAdoption;
  return std::nullopt;
}

}  // namespace flywheel::handoff
