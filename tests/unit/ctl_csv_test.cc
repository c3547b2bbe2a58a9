// flywheelctl's CSV reader against what real CRM exports hold: RFC 4180 quoting (embedded
// commas, doubled quotes, line breaks), CRLF, a byte-order mark, columns in any order and case,
// comments and blank rows, and the line of every row and error.
#include "services/ctl/csv.h"

#include <sstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace flywheel::ctl {
namespace {

TEST(Csv, ReadsQuotedFieldsAsRfc4180Says) {
  absl::StatusOr<CsvTable> t = ParseCsv(
      "external_id,name,notes\n"
      "1,\"Acme, Inc.\",\"said \"\"hello\"\"\"\n"
      "2,\"Two\nLines\",plain\n"
      "3,Third,\n");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].Get("name"), "Acme, Inc.");
  EXPECT_EQ(t->rows[0].Get("notes"), "said \"hello\"");
  EXPECT_EQ(t->rows[1].Get("name"), "Two\nLines");
  EXPECT_EQ(t->rows[1].Get("notes"), "plain");
  EXPECT_EQ(t->rows[2].Get("notes"), "");
  // The line each row starts on: the quoted line break makes row 3 start on line 5.
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].line, 3);
  EXPECT_EQ(t->rows[2].line, 5);
}

TEST(Csv, TakesCrlfABomAndColumnsByNameInAnyOrderAndCase) {
  absl::StatusOr<CsvTable> t =
      ParseCsv("\xEF\xBB\xBFName , External_ID\r\n\"Acme, Inc.\" , 001\r\n\r\n# a comment, with a comma\r\nBeta,002\r\n",
               {"external_id", "name"});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->header->columns, (std::vector<std::string>{"name", "external_id"}));
  EXPECT_EQ(t->rows[0].Get("external_id"), "001");
  EXPECT_EQ(t->rows[0].Get("name"), "Acme, Inc.");
  EXPECT_EQ(t->rows[1].Get("name"), "Beta");
  EXPECT_EQ(t->rows[1].line, 5);
  EXPECT_EQ(t->rows[1].Get("no_such_column"), "");
}

TEST(Csv, NamesWhatIsWrongWithAFileAndWhere) {
  absl::StatusOr<CsvTable> missing = ParseCsv("name,segment\nAcme,SMB\n", {"external_id", "name", "region"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "the header lacks the columns external_id, region");
  absl::StatusOr<CsvTable> twice = ParseCsv("name,NAME\nA,B\n");
  EXPECT_EQ(twice.status().message(), "line 1: the column name appears twice");
  absl::StatusOr<CsvTable> stray = ParseCsv("a,b\n1,2\n3,x\"y\"z\n");
  EXPECT_EQ(stray.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(stray.status().message(), "line 3: ")) << stray.status();
  absl::StatusOr<CsvTable> open = ParseCsv("a,b\n1,\"never closed\n2,3\n");
  EXPECT_EQ(open.status().message(), "line 2: a quoted field is not closed before the end of the file");
  EXPECT_EQ(ParseCsv("").status().message(), "the file has no header row");
}

TEST(Csv, StreamsRowsAndStopsAtTheFirstErrorTheCallerReturns) {
  std::istringstream in("k\n1\n2\n3\n");
  std::vector<std::string> seen;
  absl::Status s = ReadCsv(
      in, [](const CsvHeader& h) { return h.Require({"k"}); },
      [&](const CsvRow& row) {
        seen.push_back(row.Get("k"));
        return row.Get("k") == "2" ? absl::CancelledError("enough") : absl::OkStatus();
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace flywheel::ctl
