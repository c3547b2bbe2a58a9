// The milestone-criterion language: parsing, malformed input with positions, evaluation.
#include "services/handoff/domain/criterion.h"

#include "common/status/errors.h"
#include "gtest/gtest.h"

namespace flywheel::handoff {
namespace {

std::optional<bool> Eval(const std::string& text, const std::map<std::string, double>& values) {
  auto c = Criterion::Parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status();
  return c.ok() ? c->Holds(values) : std::nullopt;
}

TEST(Criterion, TheDesignExamples) {
  std::map<std::string, double> v = {{"active_users_28d", 210}, {"seats", 400}, {"use_case.reporting", 3}, {"nps", -10}};
  EXPECT_EQ(Eval("active_users_28d >= 0.5 * seats", v), true);
  v["active_users_28d"] = 199;
  EXPECT_EQ(Eval("active_users_28d >= 0.5 * seats", v), false);
  EXPECT_EQ(Eval("use_case.reporting >= 1", v), true);
  EXPECT_EQ(Eval("nps >= 0", v), false);
}

TEST(Criterion, PrecedenceParenthesesNegationAndAnd) {
  std::map<std::string, double> v = {{"a", 2}, {"b", 3}};
  EXPECT_EQ(Eval("a + b * 2 == 8", v), true);
  EXPECT_EQ(Eval("(a + b) * 2 == 10", v), true);
  EXPECT_EQ(Eval("-a < 0 and b / a > 1.4", v), true);
  EXPECT_EQ(Eval("a > 1 and b > 5", v), false);
  EXPECT_EQ(Eval("a - b - 1 == -2", v), true);  // left-associative
  EXPECT_EQ(Eval(".5 * 4 == a", v), true);
}

TEST(Criterion, MissingDataOrDivisionByZeroIsNotAchieved) {
  EXPECT_EQ(Eval("logins >= 1", {}), std::nullopt);
  EXPECT_EQ(Eval("a / b > 0", {{"a", 1}, {"b", 0}}), std::nullopt);
  // A false side decides an "and" even when the other side is missing.
  EXPECT_EQ(Eval("a > 5 and missing > 1", {{"a", 1}}), false);
}

TEST(Criterion, ListsTheNamesItReads) {
  auto c = Criterion::Parse("active_users_28d >= 0.5 * seats and use_case.reporting >= 1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->names(), (std::set<std::string>{"active_users_28d", "seats", "use_case.reporting"}));
}

TEST(Criterion, MalformedInputNamesThePosition) {
  struct Case {
    std::string text;
    std::string expect;
  } cases[] = {
      {"", "at position 0: expected a number, a name or '(' but the text ended"},
      {"logins", "at position 6: expected a comparison"},
      {"logins >= ", "at position 10: expected a number, a name or '(' but the text ended"},
      {"logins => 1", "at position 7: expected a comparison"},
      {"logins = 1", "at position 7: expected a comparison"},
      {"(logins >= 1", "at position 8: expected ')'"},
      {"logins >= 1 or x > 2", "at position 12: expected \"and\" or the end"},
      {"logins >= 1; drop", "at position 11: unexpected character ';'"},
      {"Logins >= 1", "at position 0: unexpected character 'L'"},
      {"logins >= 1..2", "at position 10: is not a number"},
  };
  for (const auto& c : cases) {
    auto parsed = Criterion::Parse(c.text, "milestones[2].criterion");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    auto violations = GetFieldViolations(parsed.status());
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "milestones[2].criterion");
    EXPECT_EQ(violations[0].description.rfind(c.expect, 0), 0u) << c.text << " → " << violations[0].description;
  }
  EXPECT_FALSE(Criterion::Parse(std::string(600, 'a')).ok());
  EXPECT_FALSE(Criterion::Parse(std::string(100, '(') + "1").ok());  // too deep
}

}  // namespace
}  // namespace flywheel::handoff
