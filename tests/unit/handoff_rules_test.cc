// Handoff gates and states, success-path rules and progress (DESIGN §3).
#include <set>

#include "gtest/gtest.h"
#include "services/handoff/domain/handoff.h"
#include "services/handoff/domain/success_path.h"

namespace flywheel::handoff {
namespace {

TEST(Gates, EveryFailingGateIsListedTogether) {
  Handoff h;
  h.success_criteria = "  ";
  auto failed = FailedGates(h, GateFacts{});
  std::set<std::string> subjects;
  for (const auto& v : failed) {
    EXPECT_EQ(v.type, "GATE");
    subjects.insert(v.subject);
  }
  EXPECT_EQ(subjects, (std::set<std::string>{"VALUE_TARGET_SET", "OWNER_IDENTIFIED", "CHAMPION_IDENTIFIED",
                                             "SUCCESS_CRITERIA_DOCUMENTED", "SUCCESS_PATH_ASSIGNED",
                                             "RECEIVING_OWNER_SET"}));
  h.success_criteria = "£1m cost reduction in year one";
  h.receiving_owner = "impl.lead@vendor.example";
  EXPECT_TRUE(FailedGates(h, GateFacts{true, true, true, true}).empty());
  auto one = FailedGates(h, GateFacts{true, true, false, true});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].subject, "CHAMPION_IDENTIFIED");
}

TEST(States, TransitionsFollowTheLifecycle) {
  Handoff h;
  EXPECT_TRUE(CheckTransition(h, HandoffState::kSubmitted).ok());
  EXPECT_EQ(CheckTransition(h, HandoffState::kAccepted).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckTransition(h, HandoffState::kCancelled).ok());
  h.state = HandoffState::kSubmitted;
  EXPECT_TRUE(CheckTransition(h, HandoffState::kAccepted).ok());
  EXPECT_EQ(CheckTransition(h, HandoffState::kRejected).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckTransition(h, HandoffState::kRejected, "no success criteria agreed").ok());
  EXPECT_EQ(CheckTransition(h, HandoffState::kSubmitted).code(), absl::StatusCode::kFailedPrecondition);
  h.state = HandoffState::kAccepted;
  h.id = "hnd_1";
  absl::Status closed = CheckTransition(h, HandoffState::kCancelled);
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.message(), "an ACCEPTED handoff cannot become CANCELLED: handoff hnd_1 is ACCEPTED");
  h.state = HandoffState::kCancelled;
  EXPECT_EQ(CheckTransition(h, HandoffState::kSubmitted).message(),
            "a CANCELLED handoff cannot become SUBMITTED: handoff hnd_1 is CANCELLED");
}

TEST(States, SlaIsThreeDaysFromSubmission) {
  Handoff h;
  absl::Time submitted = absl::FromUnixSeconds(1780000000);
  EXPECT_FALSE(SlaDue(h).has_value());
  h.state = HandoffState::kSubmitted;
  h.submit_time = submitted;
  EXPECT_EQ(*SlaDue(h), submitted + absl::Hours(72));
  EXPECT_FALSE(Overdue(h, submitted + absl::Hours(72)));
  EXPECT_TRUE(Overdue(h, submitted + absl::Hours(73)));
  h.state = HandoffState::kAccepted;
  EXPECT_FALSE(Overdue(h, submitted + absl::Hours(100)));
}

TEST(States, AcceptMovesTheLifecycleStage) {
  EXPECT_EQ(StageAfterAccept(Team::kSales, Team::kImplementation), AccountStage::kOnboarding);
  EXPECT_EQ(StageAfterAccept(Team::kImplementation, Team::kCustomerSuccess), AccountStage::kAdoption);
  EXPECT_FALSE(StageAfterAccept(Team::kCustomerSuccess, Team::kSupport).has_value());
}

SuccessPath ContactCentrePath() {
  SuccessPath p;
  p.product = "cc-automation";
  p.name = "Contact centre go-live";
  p.milestones = {
      {"first_logins", "Agents log in", "active_users_28d >= 0.5 * seats", 14, "Log-in guide", "https://kb/login"},
      {"summaries", "Call summaries in daily use", "use_case.call_summaries >= 1", 30, "Summaries module", "https://kb/sum"},
      {"routing", "Intent routing live", "use_case.intent_routing >= 1", 60, "Routing setup", "https://kb/route"},
  };
  return p;
}

TEST(SuccessPaths, ValidationNamesEveryBadField) {
  FieldViolations ok;
  ValidateSuccessPath(ContactCentrePath(), ok);
  EXPECT_TRUE(ok.empty()) << ok.ToStatus();
  SuccessPath bad = ContactCentrePath();
  bad.milestones[1].criterion = "use_case.call_summaries >=";
  bad.milestones[2].key = "first_logins";
  bad.milestones[2].due_offset_days = 10;
  bad.milestones[0].remedy_link = "";
  FieldViolations v;
  ValidateSuccessPath(bad, v);
  std::set<std::string> fields;
  for (const auto& i : v.items()) fields.insert(i.field);
  EXPECT_EQ(fields, (std::set<std::string>{"milestones[0].remedy_link", "milestones[1].criterion",
                                           "milestones[2].key", "milestones[2].due_offset_days"}));
}

TEST(SuccessPaths, AtMostFiveActivePerProduct) {
  EXPECT_TRUE(CheckActivePathLimit("cc-automation", 4).ok());
  EXPECT_EQ(CheckActivePathLimit("cc-automation", 5).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SuccessPaths, ProgressFindsTheDayEachMilestoneWasAchieved) {
  absl::CivilDay start(2026, 3, 1);
  // Logins reach half the seats on day 10; summaries start on day 35 (late); no routing.
  auto values_on = [&](absl::CivilDay day) {
    std::map<std::string, double> v = {{"seats", 400}};
    int n = static_cast<int>(day - start);
    v["active_users_28d"] = 20.0 * n;
    if (n >= 35) v["use_case.call_summaries"] = 3;
    return v;
  };
  auto progress = PathProgress(ContactCentrePath(), start, start + 70, values_on);
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress[0].status, MilestoneStatus::kAchieved);
  EXPECT_EQ(progress[0].achieved_day, start + 10);
  EXPECT_EQ(progress[1].status, MilestoneStatus::kAchieved);
  EXPECT_EQ(progress[1].achieved_day, start + 35);
  EXPECT_EQ(progress[2].status, MilestoneStatus::kOverdue);
  EXPECT_EQ(progress[2].days_late, 10);
  // Earlier in the path, later milestones are simply due.
  auto early = PathProgress(ContactCentrePath(), start, start + 20, values_on);
  EXPECT_EQ(early[1].status, MilestoneStatus::kDue);
  EXPECT_EQ(early[2].due_day, start + 60);
}

}  // namespace
}  // namespace flywheel::handoff
