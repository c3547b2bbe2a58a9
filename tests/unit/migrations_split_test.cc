#include "common/db/migrations.h"
#include "gtest/gtest.h"

namespace flywheel::db {
namespace {

TEST(SplitSqlStatements, SplitsAtLineEndSemicolonsAndDropsComments) {
  auto statements = SplitSqlStatements(
      "-- a comment\nCREATE TABLE a (\n  x INT\n);\n\nCREATE TABLE b (y INT);\nINSERT INTO b VALUES (1)");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (\n  x INT\n)");
  EXPECT_EQ(statements[1], "CREATE TABLE b (y INT)");
  EXPECT_EQ(statements[2], "INSERT INTO b VALUES (1)");
}

}  // namespace
}  // namespace flywheel::db
