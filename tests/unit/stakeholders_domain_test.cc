// DESIGN §3 stakeholder rules: coverage, RACI, follow-ups, ADKAR order, briefings.
#include <set>

#include "gtest/gtest.h"
#include "services/stakeholders/domain/briefing.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/coverage.h"
#include "services/stakeholders/domain/raci.h"

namespace flywheel::stakeholders {
namespace {

Stakeholder Person(std::string id, Role role, std::string name, Engagement e = Engagement::kAware,
                   bool authority = false, std::string function = "") {
  Stakeholder s;
  s.id = std::move(id);
  s.role = role;
  s.name = std::move(name);
  s.email = s.id + "@utility.example";
  s.engagement = e;
  s.decision_authority = authority;
  s.function = std::move(function);
  return s;
}

// The sample utility: Owner, Champion, two Enablers (IT and L&D), two Producers.
std::vector<Stakeholder> Utility() {
  std::vector<Stakeholder> people = {
      Person("owner", Role::kOwner, "Olivia Ops Director", Engagement::kEngaged, true, "Operations"),
      Person("champ", Role::kChampion, "Chris CC Manager", Engagement::kAdvocate, false, "Operations"),
      Person("it", Role::kEnabler, "Ian IT Manager", Engagement::kInvolved, false, "IT"),
      Person("ld", Role::kEnabler, "Laura L&D Manager", Engagement::kAware, false, "Learning"),
      Person("agent", Role::kProducer, "Alex Agent", Engagement::kUnknown),
      Person("lead", Role::kProducer, "Taylor Team Lead", Engagement::kEngaged)};
  people[2].enabler_focus = EnablerFocus::kIt;
  people[3].enabler_focus = EnablerFocus::kLearning;  // by its focus, whatever the function says
  return people;
}

TEST(Stakeholders, OnlyAnEnablerHasAFocus) {
  Stakeholder champion = Person("champ", Role::kChampion, "Chris", Engagement::kAware, false, "L&D");
  EXPECT_FALSE(IsLearningAndDevelopment(champion));  // the function's text decides nothing
  champion.enabler_focus = EnablerFocus::kLearning;
  FieldViolations v;
  ValidateStakeholder(champion, v);
  ASSERT_EQ(v.items().size(), 1u);
  EXPECT_EQ(v.items()[0].field, "enabler_focus");
}

TEST(Coverage, CountsRolesEngagementAndGaps) {
  Coverage c = ComputeCoverage(Utility());
  EXPECT_TRUE(c.complete);
  EXPECT_FALSE(c.single_threaded);
  EXPECT_EQ(c.stakeholders, 6);
  EXPECT_EQ(c.roles[0].stakeholders, 1);
  EXPECT_EQ(c.roles[0].engaged, 1);
  EXPECT_EQ(c.roles[2].stakeholders, 2);
  EXPECT_EQ(c.roles[2].engaged, 0);
  EXPECT_EQ(c.roles[3].engaged, 1);
  EXPECT_FALSE(c.HasGap());

  std::vector<Stakeholder> one = {Person("champ", Role::kChampion, "Chris")};
  Coverage thin = ComputeCoverage(one);
  EXPECT_TRUE(thin.single_threaded);
  EXPECT_EQ(thin.missing_roles, (std::vector<Role>{Role::kOwner, Role::kEnabler, Role::kProducer}));
  auto deleted = Utility();
  deleted[0].delete_time = absl::Now();
  EXPECT_EQ(ComputeCoverage(deleted).missing_roles, std::vector<Role>{Role::kOwner});
  EXPECT_TRUE(ComputeCoverage({}).missing_roles.size() == 4);
}

std::set<std::string> Descriptions(const RaciCheck& c) {
  std::set<std::string> out;
  for (const auto& v : c.violations.items()) out.insert(v.field + ": " + v.description);
  return out;
}

TEST(Raci, AcceptsOneAccountableWithAuthorityAndAResponsible) {
  RaciCheck c = CheckRaci({{"owner", RaciLetter::kAccountable}, {"champ", RaciLetter::kResponsible},
                           {"it", RaciLetter::kConsulted}},
                          Utility());
  EXPECT_TRUE(c.violations.empty()) << c.violations.ToStatus();
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Raci, ZeroAccountableAndNoResponsibleAreBothListed) {
  RaciCheck c = CheckRaci({{"it", RaciLetter::kConsulted}}, Utility());
  EXPECT_EQ(Descriptions(c), (std::set<std::string>{"assignments: needs exactly one Accountable; there is none",
                                                    "assignments: needs at least one Responsible"}));
}

TEST(Raci, TwoAccountableAndAccountableWithoutAuthority) {
  RaciCheck c = CheckRaci({{"owner", RaciLetter::kAccountable}, {"champ", RaciLetter::kAccountable},
                           {"ld", RaciLetter::kResponsible}},
                          Utility());
  EXPECT_EQ(c.violations.items().size(), 2u);
  EXPECT_EQ(Descriptions(c), (std::set<std::string>{
                                 "assignments[1].stakeholder_id: Chris CC Manager is Accountable but has no decision authority",
                                 "assignments: needs exactly one Accountable; there are 2"}));
}

TEST(Raci, ManyConsultedAndInformedIsAWarningNotAnError) {
  std::vector<Stakeholder> people = Utility();
  std::vector<RaciAssignment> a = {{"owner", RaciLetter::kAccountable}, {"champ", RaciLetter::kResponsible}};
  for (int i = 0; i < 6; ++i) {
    people.push_back(Person("p" + std::to_string(i), Role::kProducer, "P" + std::to_string(i)));
    a.push_back({"p" + std::to_string(i), i % 2 ? RaciLetter::kConsulted : RaciLetter::kInformed});
  }
  RaciCheck c = CheckRaci(a, people);
  EXPECT_TRUE(c.violations.empty());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("6 people"), std::string::npos);
}

TEST(Raci, UnknownStakeholdersAreNamed) {
  RaciCheck c = CheckRaci({{"owner", RaciLetter::kAccountable}, {"ghost", RaciLetter::kResponsible}}, Utility());
  EXPECT_EQ(c.violations.items().at(0).field, "assignments[1].stakeholder_id");
}

TEST(FollowUps, TheAutomationChangeSpinsTheWheel) {
  ChangeInitiative change;
  change.title = "More aggressive automation rules";
  change.owner_stakeholder_id = "owner";
  change.needs_training = true;
  change.needs_communication = true;
  auto follow_ups = FollowUpsFor(change, Utility());
  ASSERT_EQ(follow_ups.size(), 3u);
  EXPECT_EQ(follow_ups[0].kind, FollowUpKind::kTrainingContent);
  EXPECT_EQ(follow_ups[0].assignee_stakeholder_id, "ld");  // the L&D Enabler, not IT
  EXPECT_EQ(follow_ups[1].kind, FollowUpKind::kFocusChange);
  EXPECT_EQ(follow_ups[1].assignee_stakeholder_id, "champ");
  EXPECT_EQ(follow_ups[2].kind, FollowUpKind::kCommunication);
  EXPECT_EQ(follow_ups[2].role, Role::kProducer);
  EXPECT_EQ(follow_ups[2].assignee_stakeholder_id, "champ");  // producers are told via the Champion
}

TEST(FollowUps, UnfilledRolesGiveUnassignedFollowUps) {
  ChangeInitiative change;
  change.title = "Reorganise team leads";
  change.needs_organisational_change = true;
  change.needs_training = true;
  std::vector<Stakeholder> only_it = {Person("it", Role::kEnabler, "Ian", Engagement::kAware, false, "IT")};
  auto f = FollowUpsFor(change, only_it);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].assignee_stakeholder_id, "it");  // no L&D Enabler: any Enabler
  EXPECT_EQ(f[1].assignee_stakeholder_id, "");    // no Champion
  EXPECT_EQ(f[2].kind, FollowUpKind::kOrganisationalChange);
  EXPECT_EQ(f[2].assignee_stakeholder_id, "");
  EXPECT_TRUE(FollowUpsFor(ChangeInitiative{}, Utility()).empty());
}

TEST(Adkar, StagesAdvanceOneAtATime) {
  EXPECT_TRUE(CheckAdvance(AdkarStage::kAwareness, AdkarStage::kDesire).ok());
  EXPECT_TRUE(CheckAdvance(AdkarStage::kAbility, AdkarStage::kReinforcement).ok());
  EXPECT_EQ(CheckAdvance(AdkarStage::kAwareness, AdkarStage::kKnowledge).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckAdvance(AdkarStage::kDesire, AdkarStage::kAwareness).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckAdvance(AdkarStage::kDesire, AdkarStage::kDesire).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckAdvance(AdkarStage::kReinforcement, AdkarStage::kReinforcement).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Briefing, EachRoleHasItsOwnMetrics) {
  EXPECT_EQ(KeyMetrics(Role::kOwner).at(0).name, "agent_engagement");
  EXPECT_EQ(KeyMetrics(Role::kChampion).size(), 2u);
  EXPECT_EQ(KeyMetrics(Role::kEnabler).at(0).name, "system_uptime_pct");
  EXPECT_EQ(KeyMetrics(Role::kProducer).at(1).name, kCsatMetric);
}

TEST(Briefing, LatestPreviousAndTrend) {
  absl::CivilDay d(2026, 5, 26);
  BriefingMetric m = Summarize(KeyMetrics(Role::kChampion)[0],
                               {{d - 1, 120}, {d - 8, 100}, {d + 2, 999}, {d - 1, 130}, {d - 15, 90}}, d);
  ASSERT_TRUE(m.latest && m.previous);
  EXPECT_EQ(m.latest->value, 130);  // the day's last reading
  EXPECT_EQ(m.previous->value, 100);
  EXPECT_EQ(m.trend, MetricTrend::kUp);
  EXPECT_EQ(Summarize(KeyMetrics(Role::kChampion)[0], {{d, 5}}, d).trend, MetricTrend::kUnknown);
  EXPECT_EQ(Summarize(KeyMetrics(Role::kChampion)[0], {{d - 2, 5}, {d, 4}}, d).trend, MetricTrend::kDown);
  EXPECT_FALSE(Summarize(KeyMetrics(Role::kChampion)[0], {}, d).latest.has_value());
}

TEST(Briefing, CsatComparesThirtyDayWindows) {
  absl::CivilDay d(2026, 5, 26);
  auto points = CsatPoints({{d - 1, 5}, {d - 10, 4}, {d - 40, 2}, {d - 45, 3}, {d - 70, 1}}, d);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].value, 2.5);
  EXPECT_EQ(points[1].value, 4.5);
  EXPECT_EQ(Summarize(KeyMetrics(Role::kProducer)[1], points, d).trend, MetricTrend::kUp);
}

}  // namespace
}  // namespace flywheel::stakeholders
