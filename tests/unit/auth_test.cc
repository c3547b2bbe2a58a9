// Bearer tokens and roles: what a token must be to be accepted, and what each role may do.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/auth/token.h"
#include "common/auth/verified_tokens.h"
#include "gtest/gtest.h"

namespace flywheel::auth {
namespace {

using type::v1::Access;

const absl::Time kNow = absl::FromUnixSeconds(1790000000);
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

RsaKeyPair NewRsaKeyPair() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, key);
  auto read = [](BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, n);
  };
  RsaKeyPair pair{read(priv), read(pub)};
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return pair;
}

const RsaKeyPair& Rsa() {
  static const RsaKeyPair pair = NewRsaKeyPair();
  return pair;
}

std::string Mint(Algorithm alg, const std::string& key, std::vector<Role> roles, absl::Duration ttl = absl::Hours(1),
                 absl::Time at = kNow) {
  auto token = MintToken(alg, key, "ops@example.com", roles, at, ttl);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.value_or("");
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

// An HS256 token with exactly `payload` as its claims, signed with kSecret.
std::string SignedHs256(absl::string_view payload) {
  std::string input = absl::StrCat(B64(R"({"alg":"HS256","typ":"JWT"})"), ".", B64(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &n);
  return absl::StrCat(input, ".", B64(absl::string_view(reinterpret_cast<char*>(mac), n)));
}

TEST(Token, Hs256RoundTripsPrincipalAndRoles) {
  std::string token = Mint(Algorithm::kHs256, kSecret, {Role::kEditor, Role::kViewer});
  auto caller = VerifyToken(token, {kSecret, ""}, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal, "ops@example.com");
  EXPECT_EQ(caller->roles, (std::vector<Role>{Role::kEditor, Role::kViewer}));
}

TEST(Token, Rs256VerifiesWithThePublicKey) {
  std::string token = Mint(Algorithm::kRs256, Rsa().private_pem, {Role::kAdmin});
  auto caller = VerifyToken(token, {"", Rsa().public_pem}, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->roles, std::vector<Role>{Role::kAdmin});
  // Both keys configured: each algorithm still verifies with its own key.
  EXPECT_TRUE(VerifyToken(token, {kSecret, Rsa().public_pem}, kNow).ok());
  EXPECT_TRUE(VerifyToken(Mint(Algorithm::kHs256, kSecret, {Role::kViewer}), {kSecret, Rsa().public_pem}, kNow).ok());
}

TEST(Token, RefusesWrongKeysAndAlgorithms) {
  std::string hs = Mint(Algorithm::kHs256, kSecret, {Role::kAdmin});
  EXPECT_EQ(VerifyToken(hs, {"another-secret-another-secret-0000", ""}, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyToken(hs, {"", Rsa().public_pem}, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  // An HS256 token whose "secret" is the public key (the classic confusion attack) is refused
  // by an RS256-only verifier.
  std::string forged = Mint(Algorithm::kHs256, Rsa().public_pem, {Role::kAdmin});
  EXPECT_EQ(VerifyToken(forged, {"", Rsa().public_pem}, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  // alg "none": no signature at all.
  std::string none = absl::StrCat(B64(R"({"alg":"none","typ":"JWT"})"), ".",
                                  B64(R"({"sub":"x","exp":1890000000,"roles":["admin"]})"), ".");
  EXPECT_EQ(VerifyToken(none, {kSecret, Rsa().public_pem}, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  // A valid token with one byte of its payload changed.
  std::string tampered = hs;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_EQ(VerifyToken(tampered, {kSecret, ""}, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  for (const char* junk : {"", "a.b.c", "not a token", "....", "eyJ.eyJ.sig"}) {
    EXPECT_EQ(VerifyToken(junk, {kSecret, ""}, kNow).status().code(), absl::StatusCode::kUnauthenticated) << junk;
  }
}

TEST(Token, SaysUntilWhenItIsAccepted) {
  std::string token = Mint(Algorithm::kHs256, kSecret, {Role::kViewer}, absl::Minutes(10));
  auto caller = VerifyToken(token, {kSecret, ""}, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  // exp plus the leeway: verified a moment before that instant, refused at it.
  EXPECT_TRUE(VerifyToken(token, {kSecret, ""}, caller->expires - absl::Seconds(1)).ok());
  EXPECT_FALSE(VerifyToken(token, {kSecret, ""}, caller->expires).ok());
  EXPECT_GT(caller->expires, kNow + absl::Minutes(10));
}

TEST(VerifiedTokens, RemembersTheExactTokenUntilItExpires) {
  VerifiedTokens verified;
  Caller ops{"ops@example.com", {Role::kEditor}, kNow + absl::Minutes(5)};
  verified.Add("token-a", ops);
  std::optional<Caller> found = verified.Find("token-a", kNow);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->principal, "ops@example.com");
  EXPECT_EQ(found->roles, std::vector<Role>{Role::kEditor});
  EXPECT_FALSE(verified.Find("token-a ", kNow).has_value());  // another string is another token
  EXPECT_FALSE(verified.Find("token-b", kNow).has_value());
  EXPECT_TRUE(verified.Find("token-a", kNow + absl::Minutes(5) - absl::Seconds(1)).has_value());
  EXPECT_FALSE(verified.Find("token-a", kNow + absl::Minutes(5)).has_value());
}

TEST(VerifiedTokens, StaysWithinItsCapacity) {
  VerifiedTokens verified(/*capacity=*/3);
  Caller ops{"ops@example.com", {Role::kViewer}, kNow + absl::Hours(1)};
  for (int i = 0; i < 3; ++i) verified.Add(absl::StrCat("t", i), ops);
  EXPECT_TRUE(verified.Find("t0", kNow).has_value());
  verified.Add("t3", ops);  // full: starts over with the newest
  EXPECT_FALSE(verified.Find("t0", kNow).has_value());
  EXPECT_TRUE(verified.Find("t3", kNow).has_value());
}

TEST(Token, RefusesExpiredAndFutureTokens) {
  std::string token = Mint(Algorithm::kHs256, kSecret, {Role::kViewer}, absl::Minutes(10));
  EXPECT_TRUE(VerifyToken(token, {kSecret, ""}, kNow + absl::Minutes(9)).ok());
  auto expired = VerifyToken(token, {kSecret, ""}, kNow + absl::Minutes(11));
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos) << expired.status();
}

TEST(Token, RequiresExpiryAndPrincipal) {
  EXPECT_TRUE(VerifyToken(SignedHs256(R"({"sub":"a","exp":1890000000})"), {kSecret, ""}, kNow).ok());
  EXPECT_EQ(VerifyToken(SignedHs256(R"({"sub":"a"})"), {kSecret, ""}, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyToken(SignedHs256(R"({"exp":1890000000})"), {kSecret, ""}, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyToken(SignedHs256(R"({"sub":"a","exp":1890000000,"nbf":1890000000})"), {kSecret, ""}, kNow)
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(MintToken(Algorithm::kHs256, kSecret, "", {Role::kViewer}, kNow, absl::Hours(1)).ok());
  EXPECT_FALSE(MintToken(Algorithm::kRs256, "not a pem key", "x", {Role::kViewer}, kNow, absl::Hours(1)).ok());
}

TEST(Token, APrincipalLongerThanTheAuditColumnsIsRefusedWithTheReason) {
  std::string at_limit(kMaxPrincipalBytes, 'p');
  auto ok = VerifyToken(SignedHs256(absl::StrCat(R"({"sub":")", at_limit, R"(","exp":1890000000})")), {kSecret, ""}, kNow);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->principal, at_limit);
  auto refused =
      VerifyToken(SignedHs256(absl::StrCat(R"({"sub":")", at_limit, R"(q","exp":1890000000})")), {kSecret, ""}, kNow);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.status().message(), "bearer token refused: sub: the principal is 201 bytes; at most 200 are allowed");
  EXPECT_EQ(PrincipalProblem(at_limit), "");
  EXPECT_EQ(PrincipalProblem(""), "the principal is empty");
}

TEST(Token, UnknownRolesGrantNothingAndRolesMustBeNames) {
  auto caller = VerifyToken(SignedHs256(R"({"sub":"a","exp":1890000000,"roles":["superuser","viewer"]})"),
                            {kSecret, ""}, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->roles, std::vector<Role>{Role::kViewer});
  for (const char* payload : {R"({"sub":"a","exp":1890000000,"roles":"admin"})",
                              R"({"sub":"a","exp":1890000000,"roles":[1,2]})"}) {
    EXPECT_EQ(VerifyToken(SignedHs256(payload), {kSecret, ""}, kNow).status().code(), absl::StatusCode::kUnauthenticated)
        << payload;
  }
  EXPECT_EQ(ParseRole("superuser"), std::nullopt);
  EXPECT_EQ(ParseRole("editor"), Role::kEditor);
}

TEST(Roles, EachRoleGrantsItsAccessOnly) {
  struct Case {
    Role role;
    bool read, ingest, write, admin;
  };
  for (const Case& c : {Case{Role::kViewer, true, false, false, false}, Case{Role::kIntegration, false, true, false, false},
                        Case{Role::kEditor, true, true, true, false}, Case{Role::kAdmin, true, true, true, true}}) {
    SCOPED_TRACE(RoleName(c.role));
    EXPECT_EQ(Grants({c.role}, type::v1::ACCESS_READ), c.read);
    EXPECT_EQ(Grants({c.role}, type::v1::ACCESS_INGEST), c.ingest);
    EXPECT_EQ(Grants({c.role}, type::v1::ACCESS_WRITE), c.write);
    EXPECT_EQ(Grants({c.role}, type::v1::ACCESS_ADMIN), c.admin);
    EXPECT_FALSE(Grants({c.role}, type::v1::ACCESS_UNSPECIFIED));
  }
  EXPECT_TRUE(Grants({Role::kViewer, Role::kIntegration}, type::v1::ACCESS_INGEST));
  EXPECT_FALSE(Grants({}, type::v1::ACCESS_READ));
  EXPECT_EQ(RolesGranting(type::v1::ACCESS_WRITE), "editor or admin");
}

}  // namespace
}  // namespace flywheel::auth
