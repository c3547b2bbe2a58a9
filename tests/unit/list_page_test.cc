#include "common/server/list_page.h"

#include <utility>
#include <vector>

#include "common/server/watch_stream.h"
#include "common/status/errors.h"

#include "flywheel/accounts/v1/accounts.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

using accounts::v1::ListAccountsRequest;

struct Row {
  std::string name, id;
};

std::vector<std::string> CursorOf(const Row& r) { return {r.name, r.id}; }

class ListPageTest : public ::testing::Test {
 protected:
  paging::PageTokenCodec codec{"secret"};
};

TEST_F(ListPageTest, CutsThePageAndBindsItsTokenToEveryOtherField) {
  ListAccountsRequest request;
  request.set_page_size(2);
  request.set_segment("enterprise");
  request.set_csm_owner("alice");
  FieldViolations v;
  ListPage first(codec, request, 2, v);
  ASSERT_TRUE(v.empty());
  EXPECT_FALSE(first.cursor().has_value());
  EXPECT_EQ(first.limit(), 3);
  std::vector<Row> rows = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  std::string token = first.Finish(rows, CursorOf);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_FALSE(token.empty());

  // The next page: same query, another page size, decodes to the last row's cursor.
  request.set_page_token(token);
  request.set_page_size(10);
  FieldViolations next_v;
  ListPage next(codec, request, 2, next_v);
  ASSERT_TRUE(next_v.empty()) << next_v.ToStatus();
  ASSERT_TRUE(next.cursor().has_value());
  EXPECT_EQ(*next.cursor(), (std::vector<std::string>{"b", "2"}));
  std::vector<Row> last = {{"d", "4"}};
  EXPECT_EQ(next.Finish(last, CursorOf), "");

  // Any other field changed (here one no code names) makes the token refused.
  for (auto change : {+[](ListAccountsRequest& r) { r.set_segment("smb"); },
                      +[](ListAccountsRequest& r) { r.set_show_deleted(true); },
                      +[](ListAccountsRequest& r) { r.set_label("tier=gold"); }}) {
    ListAccountsRequest other = request;
    change(other);
    FieldViolations bad;
    ListPage refused(codec, other, 2, bad);
    ASSERT_EQ(bad.items().size(), 1u);
    EXPECT_EQ(bad.items()[0].field, "page_token");
    EXPECT_FALSE(refused.cursor().has_value());
  }
}

TEST_F(ListPageTest, ANegativePageSizeIsNamed) {
  ListAccountsRequest request;
  request.set_page_size(-1);
  FieldViolations v;
  ListPage page(codec, request, 2, v);
  ASSERT_EQ(v.items().size(), 1u);
  EXPECT_EQ(v.items()[0].field, "page_size");
}

}  // namespace
}  // namespace flywheel

namespace flywheel {
namespace {

TEST(ResumeTokenTest, ATokenResumesItsOwnStreamOnly) {
  std::string token = ResumeToken("health.watch:casey@vendor.example:0", 42);
  auto point = ResumePoint(token, "health.watch:casey@vendor.example:0");
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ(*point, 42);
  // Another filter, another stream, a token that is not one: INVALID_ARGUMENT on resume_token.
  for (const auto& [bad, query] : std::vector<std::pair<std::string, std::string>>{
           {token, "health.watch::0"}, {token, "accounts.watch"}, {"forged", "accounts.watch"},
           {ResumeToken("accounts.watch", -1), "accounts.watch"}}) {
    auto refused = ResumePoint(bad, query);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad << " " << query;
    EXPECT_EQ(GetFieldViolations(refused.status()).at(0).field, "resume_token");
  }
}

}  // namespace
}  // namespace flywheel
