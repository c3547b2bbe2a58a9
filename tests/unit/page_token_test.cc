#include "common/paging/page_token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <thread>
#include <vector>

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
  // Named as the field that held it.
  std::vector<FieldViolation> as_resume = GetFieldViolations(codec.Decode("bogus", "q", "resume_token").status());
  ASSERT_EQ(as_resume.size(), 1u);
  EXPECT_EQ(as_resume[0].field, "resume_token");
  EXPECT_EQ(as_resume[0].description, "is not a resume token issued by this service");
  EXPECT_EQ(GetFieldViolations(codec.Decode("bogus", "q").status()).at(0).description,
            "is not a page token issued by this service");
  // Same content signed with another key.
  PageTokenCodec other("other secret");
  EXPECT_FALSE(codec.Decode(other.Encode("q", {"name", "acc_1"}), "q").ok());
}

// The token's last 16 bytes are HMAC-SHA256 over the query's length (4 bytes, little-endian),
// the query and the payload. Computed here with OpenSSL's one-shot HMAC, independently of the
// codec's keyed context: tokens stay valid between replicas of older and newer builds.
TEST(PageToken, IsSignedWithHmacSha256OfQueryAndCursor) {
  PageTokenCodec codec("secret");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode("q1", {"Acme", "acc_1"}), &raw));
  ASSERT_GT(raw.size(), 16u);
  std::string payload = raw.substr(0, raw.size() - 16);
  std::string message = std::string("\x02\0\0\0q1", 6) + payload;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), "secret", 6, reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &length);
  EXPECT_EQ(absl::BytesToHexString(raw.substr(raw.size() - 16)),
            absl::BytesToHexString(std::string(reinterpret_cast<char*>(digest), 16)));
}

// One codec serves every list call of a process, from many threads at once.
TEST(PageToken, OneCodecSignsAndChecksFromManyThreads) {
  PageTokenCodec codec("secret");
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string id = "acc_" + std::to_string(t * 1000 + i);
        auto cursor = codec.Decode(codec.Encode("q", {"name", id}), "q");
        if (!cursor.ok() || cursor->at(1) != id) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace flywheel::paging
