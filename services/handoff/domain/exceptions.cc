#include "services/handoff/domain/exceptions.h"

#include <algorithm>

#include "common/status/errors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace flywheel::handoff {

const std::vector<WritableField<RuleConfig>>& RuleConfigFields() {
  static const auto* fields = new std::vector<WritableField<RuleConfig>>{
      MakeField<RuleConfig, &RuleConfig::enabled>("enabled"),
      MakeField<RuleConfig, &RuleConfig::severity>("severity"),
      MakeField<RuleConfig, &RuleConfig::sla_days>("sla_days"),
      MakeField<RuleConfig, &RuleConfig::threshold>("threshold"),
  };
  return *fields;
}
namespace {

std::string Number(double v) { return absl::StrFormat("%.10g", v); }

const char* StatusName(ExceptionStatus s) {
  switch (s) {
    case ExceptionStatus::kOpen: return "OPEN";
    case ExceptionStatus::kAcknowledged: return "ACKNOWLEDGED";
    case ExceptionStatus::kResolved: return "RESOLVED";
    case ExceptionStatus::kDismissed: return "DISMISSED";
    case ExceptionStatus::kSnoozed: return "SNOOZED";
  }
  return "";
}

}  // namespace

const char* RuleName(Rule rule) {
  switch (rule) {
    case Rule::kNoPresenceAfterHandoff: return "NO_PRESENCE_AFTER_HANDOFF";
    case Rule::kMilestoneOverdue: return "MILESTONE_OVERDUE";
    case Rule::kLowPresence: return "LOW_PRESENCE";
    case Rule::kDetractor: return "DETRACTOR";
    case Rule::kCaptive: return "CAPTIVE";
    case Rule::kDormant: return "DORMANT";
    case Rule::kValueGap: return "VALUE_GAP";
    case Rule::kHandoffStalled: return "HANDOFF_STALLED";
    case Rule::kRoleGap: return "ROLE_GAP";
    case Rule::kHealthDrop: return "HEALTH_DROP";
  }
  return "";
}

std::vector<RuleConfig> DefaultRules() {
  return {
      {Rule::kNoPresenceAfterHandoff, true, Severity::kHigh, 3, 7},
      {Rule::kMilestoneOverdue, true, Severity::kMedium, 7, 14},
      {Rule::kLowPresence, true, Severity::kMedium, 7, 30},
      {Rule::kDetractor, true, Severity::kHigh, 3, 30},
      {Rule::kCaptive, true, Severity::kMedium, 14, 0},
      {Rule::kDormant, true, Severity::kMedium, 14, 0},
      {Rule::kValueGap, true, Severity::kHigh, 14, 90},
      {Rule::kHandoffStalled, true, Severity::kHigh, 1, 0},
      {Rule::kRoleGap, true, Severity::kMedium, 14, 0},
      {Rule::kHealthDrop, true, Severity::kMedium, 7, 15},
  };
}

absl::string_view QuadrantName(HealthQuadrant quadrant) {
  switch (quadrant) {
    case HealthQuadrant::kThriving: return "THRIVING";
    case HealthQuadrant::kCaptive: return "CAPTIVE";
    case HealthQuadrant::kDormant: return "DORMANT";
    case HealthQuadrant::kAtRisk: return "AT_RISK";
    case HealthQuadrant::kUnknown: break;
  }
  return "UNKNOWN";
}

std::vector<Finding> Evaluate(const AccountSnapshot& a, const std::vector<RuleConfig>& rules) {
  std::vector<Finding> out;
  for (const RuleConfig& r : rules) {
    if (!r.enabled) continue;
    auto fire = [&](std::string subject, std::map<std::string, std::string> evidence, Remedy remedy,
                    std::string detail, std::string role, std::vector<std::string> people = {}) {
      out.push_back({r.rule, std::move(subject), r.severity, std::move(evidence), remedy, std::move(detail),
                     std::move(role), std::move(people), a.as_of + r.sla_days});
    };
    int days_on_path = a.path_start ? static_cast<int>(a.as_of - *a.path_start) : -1;
    switch (r.rule) {
      case Rule::kNoPresenceAfterHandoff:
        if (days_on_path >= r.threshold && a.active_users_28d && *a.active_users_28d == 0) {
          fire("", {{"days_since_path_start", absl::StrCat(days_on_path)}, {"active_users_28d", "0"}},
               Remedy::kCourtesyCall, "nobody has logged in since the handoff", "CHAMPION");
        }
        break;
      case Rule::kMilestoneOverdue:
        for (size_t i = 0; i < a.milestones.size() && i < a.path.milestones.size(); ++i) {
          const MilestoneProgress& p = a.milestones[i];
          if (p.status != MilestoneStatus::kOverdue) continue;
          const Milestone& m = a.path.milestones[i];
          bool call = p.days_late > r.threshold;
          fire(m.key,
               {{"milestone", m.key}, {"criterion", m.criterion}, {"due_day", absl::FormatCivilTime(p.due_day)},
                {"days_late", absl::StrCat(p.days_late)}},
               call ? Remedy::kCourtesyCall : Remedy::kContent,
               call ? absl::StrCat("\"", m.name, "\" is ", p.days_late, " days late")
                    : absl::StrCat(m.remedy_title, " ", m.remedy_link),
               call ? "CHAMPION" : "PRODUCER");
        }
        break;
      case Rule::kLowPresence:
        if (days_on_path >= r.threshold && a.presence && *a.presence < 50) {
          fire("", {{"days_since_path_start", absl::StrCat(days_on_path)}, {"presence", Number(*a.presence)}},
               Remedy::kTraining, "training for the users who are not logging in", "ENABLER");
        }
        break;
      case Rule::kDetractor:
        if (!a.detractors.empty()) {
          std::vector<std::string> people, scores;
          for (const auto& d : a.detractors) {
            people.push_back(d.respondent);
            scores.push_back(absl::StrCat(d.respondent, "=", d.score));
          }
          fire("", {{"detractors", absl::StrCat(a.detractors.size())}, {"scores", absl::StrJoin(scores, ",")}},
               Remedy::kCourtesyCall, "call each detractor about their score", "RESPONDENTS", people);
        }
        break;
      case Rule::kCaptive:
        if (a.quadrant == HealthQuadrant::kCaptive) {
          fire("", {{"quadrant", std::string(QuadrantName(a.quadrant))}}, Remedy::kRelationship,
               "executive sponsor call and service recovery", "OWNER");
        }
        break;
      case Rule::kDormant:
        if (a.quadrant == HealthQuadrant::kDormant) {
          fire("", {{"quadrant", std::string(QuadrantName(a.quadrant))}}, Remedy::kEducation,
               "awareness content and training", "CHAMPION");
        }
        break;
      case Rule::kValueGap:
        if (a.has_value_target && a.contract_days_elapsed >= r.threshold &&
            a.value_projected * 10 < a.value_target * 9) {
          fire("",
               {{"currency", a.value_currency}, {"target_minor_units", absl::StrCat(a.value_target)},
                {"projected_minor_units", absl::StrCat(a.value_projected)},
                {"gap_minor_units", absl::StrCat(a.value_gap)},
                {"days_into_contract_year", absl::StrCat(a.contract_days_elapsed)}},
               Remedy::kExecReview, "value review with target, projection, gap and how to close it", "OWNER");
        }
        break;
      case Rule::kHandoffStalled:
        for (const auto& h : a.stalled_handoffs) {
          if (h.due_day >= a.as_of) continue;
          fire(h.handoff_id, {{"handoff", h.handoff_id}, {"sla_due_day", absl::FormatCivilTime(h.due_day)}},
               Remedy::kEscalation, "the receiving team has not accepted the handoff", h.receiving_team);
        }
        break;
      case Rule::kRoleGap:
        if (!a.has_owner || !a.has_champion) {
          std::vector<std::string> missing;
          if (!a.has_owner) missing.push_back("OWNER");
          if (!a.has_champion) missing.push_back("CHAMPION");
          fire("", {{"missing_roles", absl::StrJoin(missing, ",")}}, Remedy::kCourtesyCall,
               "multi-thread the account: find the missing roles", "CSM");
        }
        break;
      case Rule::kHealthDrop:
        if (a.overall && a.overall_30_days_earlier && *a.overall_30_days_earlier - *a.overall >= r.threshold) {
          fire("", {{"overall", Number(*a.overall)}, {"overall_30_days_earlier", Number(*a.overall_30_days_earlier)}},
               Remedy::kCourtesyCall, "health fell sharply: find out why", "CHAMPION");
        }
        break;
    }
  }
  return out;
}

ExceptionEvent EventOfUserChange(ExceptionStatus from, ExceptionStatus to) {
  if (from == to) return ExceptionEvent::kReassigned;
  switch (to) {
    case ExceptionStatus::kAcknowledged: return ExceptionEvent::kAcknowledged;
    case ExceptionStatus::kResolved: return ExceptionEvent::kResolved;
    case ExceptionStatus::kDismissed: return ExceptionEvent::kDismissed;
    case ExceptionStatus::kSnoozed: return ExceptionEvent::kSnoozed;
    case ExceptionStatus::kOpen: return ExceptionEvent::kUpdated;
  }
  return ExceptionEvent::kUpdated;
}

absl::Status CheckExceptionTransition(const std::string& id, ExceptionStatus from, ExceptionStatus to) {
  auto is = [&](std::initializer_list<ExceptionStatus> set) { return std::find(set.begin(), set.end(), from) != set.end(); };
  bool active = is({ExceptionStatus::kOpen, ExceptionStatus::kAcknowledged, ExceptionStatus::kSnoozed});
  bool allowed = false;
  if (from == to) {
    allowed = active;  // a change that keeps the status (reassigning)
  } else {
    switch (to) {
      case ExceptionStatus::kAcknowledged: allowed = from == ExceptionStatus::kOpen; break;
      case ExceptionStatus::kSnoozed: allowed = is({ExceptionStatus::kOpen, ExceptionStatus::kAcknowledged}); break;
      case ExceptionStatus::kResolved:
      case ExceptionStatus::kDismissed: allowed = active; break;
      case ExceptionStatus::kOpen: break;
    }
  }
  if (allowed) return absl::OkStatus();
  return FailedPreconditionError(absl::StrCat("exception ", id, " cannot go from ", StatusName(from), " to ", StatusName(to)),
                                 {{"STATUS", id, absl::StrCat("exception is ", StatusName(from))}});
}

ReconcilePlan Reconcile(const std::vector<Finding>& findings, const std::vector<ExistingException>& existing,
                        absl::CivilDay as_of) {
  ReconcilePlan plan;
  auto key_of = [](Rule rule, const std::string& subject) { return std::make_pair(static_cast<int>(rule), subject); };
  std::map<std::pair<int, std::string>, std::vector<const ExistingException*>> by_key;
  for (const auto& e : existing) by_key[key_of(e.rule, e.subject)].push_back(&e);
  std::set<std::string> matched;
  for (const auto& f : findings) {
    const ExistingException* live = nullptr;
    bool quiet = false;
    for (const ExistingException* e : by_key[key_of(f.rule, f.subject)]) {
      switch (e->status) {
        case ExceptionStatus::kOpen:
        case ExceptionStatus::kAcknowledged: live = e; break;
        case ExceptionStatus::kSnoozed:
          if (e->snoozed_until && *e->snoozed_until > as_of) {
            quiet = true;
            matched.insert(e->id);
          } else {
            live = e;
          }
          break;
        case ExceptionStatus::kDismissed:
          quiet = true;
          matched.insert(e->id);
          break;
        case ExceptionStatus::kResolved: break;
      }
    }
    if (live) {
      plan.update.push_back({live->id, f});
      matched.insert(live->id);
    } else if (!quiet) {
      plan.open.push_back(f);
    }
  }
  for (const auto& e : existing) {
    bool active = e.status == ExceptionStatus::kOpen || e.status == ExceptionStatus::kAcknowledged ||
                  (e.status == ExceptionStatus::kSnoozed && (!e.snoozed_until || *e.snoozed_until <= as_of));
    if (matched.count(e.id)) continue;
    if (active) plan.resolve.push_back(e.id);
    if (e.status == ExceptionStatus::kDismissed) plan.release.push_back(e.id);
  }
  return plan;
}

}  // namespace flywheel::handoff
