// The exception rules of DESIGN §3, one by one, and reconciliation with stored exceptions.
#include <set>

#include "gtest/gtest.h"
#include "services/handoff/domain/exceptions.h"

namespace flywheel::handoff {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

// A healthy account: nothing fires.
AccountSnapshot Healthy() {
  AccountSnapshot a;
  a.account_id = "acc_1";
  a.as_of = kDay;
  a.path_start = kDay - 60;
  a.active_users_28d = 300;
  a.presence = 90;
  a.quadrant = HealthQuadrant::kThriving;
  a.has_value_target = true;
  a.value_target = 100000000;
  a.value_projected = 95000000;
  a.value_gap = 5000000;
  a.value_currency = "GBP";
  a.contract_days_elapsed = 146;
  a.has_owner = a.has_champion = true;
  a.overall = 80;
  a.overall_30_days_earlier = 82;
  return a;
}

std::vector<Finding> Fired(const AccountSnapshot& a) { return Evaluate(a, DefaultRules()); }

// The one finding of `rule` (by value: the findings are often a temporary).
std::optional<Finding> Only(const std::vector<Finding>& f, Rule rule) {
  std::optional<Finding> found;
  for (const auto& x : f) {
    if (x.rule == rule) {
      EXPECT_FALSE(found.has_value()) << RuleName(rule) << " fired twice";
      found = x;
    }
  }
  return found;
}

TEST(Rules, AHealthyAccountFiresNothing) { EXPECT_TRUE(Fired(Healthy()).empty()); }

TEST(Rules, NoPresenceSevenDaysAfterTheHandoff) {
  AccountSnapshot a = Healthy();
  a.active_users_28d = 0;
  a.path_start = kDay - 6;
  EXPECT_FALSE(Only(Fired(a), Rule::kNoPresenceAfterHandoff).has_value());
  a.path_start = kDay - 7;
  std::optional<Finding> f = Only(Fired(a), Rule::kNoPresenceAfterHandoff);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->remedy, Remedy::kCourtesyCall);
  EXPECT_EQ(f->target_role, "CHAMPION");
  EXPECT_EQ(f->evidence.at("days_since_path_start"), "7");
}

TEST(Rules, MilestoneOverdueSendsContentThenACall) {
  AccountSnapshot a = Healthy();
  a.path.milestones = {{"summaries", "Call summaries in daily use", "use_case.call_summaries >= 1", 30,
                        "Summaries module", "https://kb/sum"}};
  a.milestones = {{"summaries", MilestoneStatus::kOverdue, std::nullopt, kDay - 10, 10}};
  std::optional<Finding> f = Only(Fired(a), Rule::kMilestoneOverdue);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->subject, "summaries");
  EXPECT_EQ(f->remedy, Remedy::kContent);
  EXPECT_EQ(f->target_role, "PRODUCER");
  EXPECT_NE(f->remedy_detail.find("https://kb/sum"), std::string::npos);
  a.milestones[0].days_late = 15;
  f = Only(Fired(a), Rule::kMilestoneOverdue);
  EXPECT_EQ(f->remedy, Remedy::kCourtesyCall);
}

TEST(Rules, LowPresenceAfterThirtyDays) {
  AccountSnapshot a = Healthy();
  a.presence = 49.9;
  a.path_start = kDay - 29;
  EXPECT_FALSE(Only(Fired(a), Rule::kLowPresence).has_value());
  a.path_start = kDay - 30;
  std::optional<Finding> f = Only(Fired(a), Rule::kLowPresence);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->remedy, Remedy::kTraining);
  EXPECT_EQ(f->target_role, "ENABLER");
}

TEST(Rules, DetractorsAreCollectedIntoOneException) {
  AccountSnapshot a = Healthy();
  a.detractors = {{"it.manager@utility.example", 4, kDay - 3}, {"agent@utility.example", 2, kDay - 9}};
  std::optional<Finding> f = Only(Fired(a), Rule::kDetractor);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->target_people.size(), 2u);
  EXPECT_EQ(f->evidence.at("detractors"), "2");
}

TEST(Rules, QuadrantsValueGapStalledHandoffRoleGapAndHealthDrop) {
  AccountSnapshot a = Healthy();
  a.quadrant = HealthQuadrant::kCaptive;
  EXPECT_EQ(Only(Fired(a), Rule::kCaptive)->remedy, Remedy::kRelationship);
  a.quadrant = HealthQuadrant::kDormant;
  EXPECT_EQ(Only(Fired(a), Rule::kDormant)->remedy, Remedy::kEducation);

  AccountSnapshot v = Healthy();
  v.value_projected = 80000000;  // the seed example: £800k of £1m
  v.value_gap = 20000000;
  std::optional<Finding> gap = Only(Fired(v), Rule::kValueGap);
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(gap->evidence.at("gap_minor_units"), "20000000");
  EXPECT_EQ(gap->target_role, "OWNER");
  v.value_projected = 90000000;  // exactly 90 %: not below
  EXPECT_FALSE(Only(Fired(v), Rule::kValueGap).has_value());
  v.value_projected = 10;
  v.contract_days_elapsed = 89;  // too early in the year
  EXPECT_FALSE(Only(Fired(v), Rule::kValueGap).has_value());

  AccountSnapshot h = Healthy();
  h.stalled_handoffs = {{"hof_1", "IMPLEMENTATION", kDay - 1}, {"hof_2", "CUSTOMER_SUCCESS", kDay + 1}};
  std::optional<Finding> stalled = Only(Fired(h), Rule::kHandoffStalled);
  ASSERT_TRUE(stalled.has_value());
  EXPECT_EQ(stalled->subject, "hof_1");
  EXPECT_EQ(stalled->target_role, "IMPLEMENTATION");

  AccountSnapshot r = Healthy();
  r.has_champion = false;
  EXPECT_EQ(Only(Fired(r), Rule::kRoleGap)->evidence.at("missing_roles"), "CHAMPION");

  AccountSnapshot d = Healthy();
  d.overall = 60;
  d.overall_30_days_earlier = 75;
  EXPECT_TRUE(Only(Fired(d), Rule::kHealthDrop).has_value());
  d.overall = 60.1;
  EXPECT_FALSE(Only(Fired(d), Rule::kHealthDrop).has_value());
}

TEST(Rules, DisabledRulesDoNotFire) {
  AccountSnapshot a = Healthy();
  a.has_owner = false;
  auto rules = DefaultRules();
  for (auto& r : rules) r.enabled = r.rule != Rule::kRoleGap;
  EXPECT_TRUE(Evaluate(a, rules).empty());
}

Finding F(Rule rule, std::string subject = "") {
  return Finding{rule, std::move(subject), Severity::kMedium, {}, Remedy::kCourtesyCall, "", "CSM", {}, kDay + 7};
}

TEST(Reconcile, RerunsUpdateInsteadOfDuplicating) {
  auto plan = Reconcile({F(Rule::kRoleGap)}, {{"exc_1", Rule::kRoleGap, "", ExceptionStatus::kOpen, std::nullopt}}, kDay);
  EXPECT_TRUE(plan.open.empty());
  ASSERT_EQ(plan.update.size(), 1u);
  EXPECT_EQ(plan.update[0].first, "exc_1");
  EXPECT_TRUE(plan.resolve.empty());
}

TEST(Reconcile, ClearedConditionsAreResolvedAndNewOnesOpened) {
  auto plan = Reconcile({F(Rule::kMilestoneOverdue, "routing")},
                        {{"exc_1", Rule::kRoleGap, "", ExceptionStatus::kAcknowledged, std::nullopt},
                         {"exc_2", Rule::kMilestoneOverdue, "summaries", ExceptionStatus::kOpen, std::nullopt},
                         {"exc_3", Rule::kDetractor, "", ExceptionStatus::kResolved, std::nullopt}},
                        kDay);
  ASSERT_EQ(plan.open.size(), 1u);
  EXPECT_EQ(plan.open[0].subject, "routing");
  EXPECT_EQ(std::set<std::string>(plan.resolve.begin(), plan.resolve.end()), (std::set<std::string>{"exc_1", "exc_2"}));
}

TEST(Reconcile, SnoozesHoldUntilTheirDayAndDismissalsKeepQuiet) {
  std::vector<ExistingException> snoozed = {{"exc_1", Rule::kDetractor, "", ExceptionStatus::kSnoozed, kDay + 1}};
  auto quiet = Reconcile({F(Rule::kDetractor)}, snoozed, kDay);
  EXPECT_TRUE(quiet.open.empty());
  EXPECT_TRUE(quiet.update.empty());
  EXPECT_TRUE(quiet.resolve.empty());
  auto back = Reconcile({F(Rule::kDetractor)}, snoozed, kDay + 1);  // the snooze has run out
  ASSERT_EQ(back.update.size(), 1u);
  auto cleared = Reconcile({}, snoozed, kDay + 2);
  EXPECT_EQ(cleared.resolve, std::vector<std::string>{"exc_1"});
  auto dismissed = Reconcile({F(Rule::kCaptive)}, {{"exc_9", Rule::kCaptive, "", ExceptionStatus::kDismissed, std::nullopt}},
                             kDay);
  EXPECT_TRUE(dismissed.open.empty());
  EXPECT_TRUE(dismissed.release.empty());
}

TEST(Reconcile, ADismissalIsReleasedWhenItsConditionClears) {
  std::vector<ExistingException> dismissed = {{"exc_9", Rule::kCaptive, "", ExceptionStatus::kDismissed, std::nullopt}};
  auto cleared = Reconcile({}, dismissed, kDay);
  EXPECT_EQ(cleared.release, std::vector<std::string>{"exc_9"});
  EXPECT_TRUE(cleared.resolve.empty());
  // Once released the storage no longer returns it, so the condition opens afresh.
  auto again = Reconcile({F(Rule::kCaptive)}, {}, kDay + 1);
  ASSERT_EQ(again.open.size(), 1u);
}

TEST(CheckExceptionTransition, UsersMoveExceptionsAlongTheirLifecycle) {
  using S = ExceptionStatus;
  EXPECT_TRUE(CheckExceptionTransition("exc_1", S::kOpen, S::kAcknowledged).ok());
  EXPECT_TRUE(CheckExceptionTransition("exc_1", S::kAcknowledged, S::kSnoozed).ok());
  EXPECT_TRUE(CheckExceptionTransition("exc_1", S::kSnoozed, S::kResolved).ok());
  EXPECT_TRUE(CheckExceptionTransition("exc_1", S::kSnoozed, S::kSnoozed).ok());  // reassigning a snoozed one
  EXPECT_TRUE(CheckExceptionTransition("exc_1", S::kOpen, S::kDismissed).ok());
  EXPECT_EQ(CheckExceptionTransition("exc_1", S::kSnoozed, S::kAcknowledged).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckExceptionTransition("exc_1", S::kResolved, S::kDismissed).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckExceptionTransition("exc_1", S::kDismissed, S::kDismissed).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckExceptionTransition("exc_1", S::kAcknowledged, S::kOpen).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace flywheel::handoff
