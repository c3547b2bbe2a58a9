#include "common/paging/page_token.h"

#include "absl/strings/escaping.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"

namespace flywheel::paging {
namespace {

TEST(PageSize, DefaultsCoercesAndRejectsNegative) {
  EXPECT_EQ(*NormalizePageSize(0), 50);
  EXPECT_EQ(*NormalizePageSize(7), 7);
  EXPECT_EQ(*NormalizePageSize(1000), 1000);
  EXPECT_EQ(*NormalizePageSize(5000), 1000);
  auto negative = NormalizePageSize(-1);
  ASSERT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(negative.status()).at(0).field, "page_size");
}

TEST(PageToken, RoundTripsTheCursor) {
  PageTokenCodec codec("secret");
  std::string token = codec.Encode("q1", {"Acme Utility", "acc_1"});
  auto cursor = codec.Decode(token, "q1");
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, (std::vector<std::string>{"Acme Utility", "acc_1"}));
}

TEST(PageToken, RejectsAnotherQuery) {
  PageTokenCodec codec("secret");
  std::string token = codec.Encode("stage=SALES", {"a", "b"});
  auto cursor = codec.Decode(token, "stage=ADOPTION");
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(cursor.status()).at(0).field, "page_token");
}

TEST(PageToken, RejectsAlteredAndForgedTokens) {
  PageTokenCodec codec("secret");
  std::string token = codec.Encode("q", {"name", "acc_1"});
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  raw[3] ^= 1;  // flip one bit of the cursor
  EXPECT_FALSE(codec.Decode(absl::WebSafeBase64Escape(raw), "q").ok());
  EXPECT_FALSE(codec.Decode("not a token", "q").ok());
  EXPECT_FALSE(codec.Decode("", "q").ok());
  // Same content signed with another key.
  PageTokenCodec other("other secret");
  EXPECT_FALSE(codec.Decode(other.Encode("q", {"name", "acc_1"}), "q").ok());
}

}  // namespace
}  // namespace flywheel::paging
