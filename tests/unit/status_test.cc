#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

TEST(StatusConversion, FieldViolationsTravelAsGoogleRpcBadRequest) {
  FieldViolations v;
  v.Add("account.name", "must not be empty");
  v.Add("account.arr.currency_code", "\"XXX\" is not an ISO 4217 currency code");
  grpc::Status wire = ToGrpcStatus(v.ToStatus());
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(wire.error_message().find("account.name"), std::string::npos);

  // Decode as any rich-error client would: google.rpc.Status with an Any detail.
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(wire.error_details()));
  EXPECT_EQ(rpc.code(), 3);
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(rpc.details(0).type_url(), "type.googleapis.com/google.rpc.BadRequest");
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(rpc.details(0).value()));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(1).field(), "account.arr.currency_code");
}

TEST(StatusConversion, RoundTripKeepsCodeMessageAndDetails) {
  absl::Status original = FailedPreconditionError("gates failed", {{"GATE", "OWNER_IDENTIFIED", "no owner"},
                                                                   {"GATE", "VALUE_TARGET_SET", "no target"}});
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(back.message(), original.message());
  auto violations = GetPreconditionViolations(back);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].subject, "OWNER_IDENTIFIED");
  EXPECT_EQ(violations[1].description, "no target");
}

TEST(StatusConversion, NotFoundCarriesErrorInfo) {
  absl::Status back = FromGrpcStatus(ToGrpcStatus(NotFoundError("account", "acc_1")));
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetErrorReason(back), "RESOURCE_NOT_FOUND");
}

TEST(StatusConversion, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FieldViolations().ToStatus().ok());
}

}  // namespace
}  // namespace flywheel

namespace flywheel {
namespace {

TEST(ErrorSize, LongTextsAreClippedAtCharacterBoundariesAndViolationsCapped) {
  EXPECT_EQ(ClipForWire("short"), "short");
  std::string euros;
  for (int i = 0; i < 200; ++i) euros += "€";  // 3 bytes each
  std::string clipped = ClipForWire(euros, 10);
  EXPECT_EQ(clipped, "€€€…");  // 9 bytes of whole characters, then the mark
  FieldViolations v;
  for (int i = 0; i < 100; ++i) v.Add("records[" + std::to_string(i) + "].name", std::string(5000, 'x'));
  absl::Status status = v.ToStatus();
  std::vector<FieldViolation> sent = GetFieldViolations(status);
  ASSERT_EQ(sent.size(), kMaxViolations);
  EXPECT_EQ(sent.back().description, "and 81 more");
  EXPECT_LE(sent[0].description.size(), kMaxErrorText + 3);
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_LT(wire.error_details().size() + wire.error_message().size(), 16384u);
  EXPECT_LE(wire.error_message().size(), kMaxErrorMessage + 3);  // the cut, then "…"
  EXPECT_TRUE(absl::EndsWith(wire.error_message(), "…"));
  // The details still list every violation the status carries.
  EXPECT_EQ(GetFieldViolations(FromGrpcStatus(wire)).size(), kMaxViolations);

  // Fifty bad ids (BatchGetAccounts): twenty named, a message of at most kMaxErrorMessage bytes.
  FieldViolations ids;
  for (int i = 0; i < 50; ++i) ids.Add("ids[" + std::to_string(i) + "]", "must be an id starting acc_ (28 characters)");
  grpc::Status batch = ToGrpcStatus(ids.ToStatus());
  EXPECT_LE(batch.error_message().size(), kMaxErrorMessage + 3);
  EXPECT_EQ(GetFieldViolations(FromGrpcStatus(batch)).size(), kMaxViolations);
}

}  // namespace
}  // namespace flywheel
