// flywheelctl's output: aligned text, JSON and CSV renderings of one table, and column selection.
#include "gtest/gtest.h"
#include "services/ctl/table.h"

namespace flywheel::ctl {
namespace {

Table Sample() {
  Table t({"RULE", "DETAIL", "TARGETS"});
  t.AddRow({"MILESTONE_OVERDUE", "\"Reporting\" is 24 days late, call", "CHAMPION: £ané"});
  t.AddRow({"ROLE_GAP", "line\nbreak", ""});
  return t;
}

TEST(Table, CsvQuotesWhatNeedsIt) {
  EXPECT_EQ(Sample().Render(Format::kCsv),
            "RULE,DETAIL,TARGETS\r\n"
            "MILESTONE_OVERDUE,\"\"\"Reporting\"\" is 24 days late, call\",CHAMPION: £ané\r\n"
            "ROLE_GAP,\"line\nbreak\",\r\n");
}

TEST(Table, JsonEscapesAndKeepsUtf8) {
  EXPECT_EQ(Sample().Render(Format::kJson),
            "[\n"
            " {\"rule\": \"MILESTONE_OVERDUE\", \"detail\": \"\\\"Reporting\\\" is 24 days late, call\", "
            "\"targets\": \"CHAMPION: £ané\"},\n"
            " {\"rule\": \"ROLE_GAP\", \"detail\": \"line\\u000abreak\", \"targets\": \"\"}\n"
            "]\n");
  EXPECT_EQ(Table({"A"}).Render(Format::kJson), "[]\n");
}

TEST(Table, TextAlignsByCodePointsAndSelectKeepsNamedColumns) {
  Table t({"A", "B"});
  t.AddRow({"£1", "x"});
  EXPECT_EQ(t.Render(), "A   B\n--  -\n£1  x\n");
  EXPECT_EQ(Sample().Select({"TARGETS", "RULE", "NOPE"}).Render(Format::kCsv),
            "TARGETS,RULE\r\nCHAMPION: £ané,MILESTONE_OVERDUE\r\n,ROLE_GAP\r\n");
  EXPECT_FALSE(ParseFormat("yaml").has_value());
}

}  // namespace
}  // namespace flywheel::ctl
