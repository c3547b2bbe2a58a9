// Building and reading errors with rich details. Errors are absl::Status values whose
// payloads hold google.rpc detail messages (BadRequest, PreconditionFailure, ErrorInfo),
// so the gRPC adapter can put them on the wire unchanged (see grpc_status.h).
#pragma once

#include <functional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"

namespace flywheel {

struct FieldViolation {
  std::string field;  // path in the request, e.g. "account.arr.currency_code"
  std::string description;
};

struct PreconditionViolation {
  std::string type;     // e.g. "ETAG", "LIFECYCLE"
  std::string subject;  // what it is about, e.g. an id
  std::string description;
};

// Collects every bad field of a request so one INVALID_ARGUMENT names them all.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  // Adds every violation of `other`, each field prefixed with `prefix`.
  void AddAll(absl::string_view prefix, const FieldViolations& other);
  // Adds the field violations carried by `status` (see GetFieldViolations).
  void AddFrom(const absl::Status& status);
  bool empty() const { return items_.empty(); }
  const std::vector<FieldViolation>& items() const { return items_; }
  // OK when empty, else INVALID_ARGUMENT with a BadRequest detail.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> items_;
};

// Errors travel in response trailers, which clients cap (8 to 16 kB by default): every text a
// detail carries (a field name, a description, a subject) is cut to kMaxErrorText bytes (at a
// UTF-8 boundary, marked with "…"), an INVALID_ARGUMENT lists at most kMaxViolations fields
// (then says how many more there were), and the status message, which joins them, is cut to
// kMaxErrorMessage bytes (the details keep every violation listed).
inline constexpr size_t kMaxErrorText = 256;
inline constexpr size_t kMaxViolations = 20;
inline constexpr size_t kMaxErrorMessage = 1024;
std::string ClipForWire(absl::string_view text, size_t max_bytes = kMaxErrorText);

absl::Status InvalidArgumentError(std::vector<FieldViolation> violations);
absl::Status InvalidFieldError(std::string field, std::string description);
absl::Status FailedPreconditionError(absl::string_view message,
                                     std::vector<PreconditionViolation> violations);
// NOT_FOUND with an ErrorInfo (reason RESOURCE_NOT_FOUND, metadata resource_type and id).
absl::Status NotFoundError(absl::string_view resource_type, absl::string_view id);
// FAILED_PRECONDITION (violation type DELETED) for a write to a soft-deleted resource:
// "account acc_1 is deleted: a deleted account cannot be updated". `refused` says what was
// tried ("updated", "synced", "deleted again").
absl::Status DeletedError(absl::string_view resource_type, absl::string_view id, absl::string_view refused);
// Any status with an ErrorInfo detail attached.
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata = {});

// `status` with each field violation for which `of_resource` holds named under `prefix`
// ("account." + "parent_id"): for an error about a resource's field that the request holds
// inside a message. Other violations (a field of the request itself) are left as they are.
absl::Status UnderField(absl::Status status, absl::string_view prefix,
                        const std::function<bool(absl::string_view field)>& of_resource);

// OK when `etag` is empty or equals `current_etag`; ABORTED (reason ETAG_MISMATCH, metadata
// id and current_etag) when it is stale.
absl::Status CheckEtag(absl::string_view resource_type, absl::string_view id, absl::string_view current_etag,
                       absl::string_view etag);

// The details carried by `status`, empty when it has none.
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);
std::vector<PreconditionViolation> GetPreconditionViolations(const absl::Status& status);
std::string GetErrorReason(const absl::Status& status);
// The value of `key` in the status's ErrorInfo metadata ("" when absent).
std::string GetErrorMetadata(const absl::Status& status, absl::string_view key);

// Type URLs of the detail messages, as google.protobuf.Any names them.
inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kPreconditionFailureTypeUrl[] =
    "type.googleapis.com/google.rpc.PreconditionFailure";
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kErrorDomain[] = "flywheel";

}  // namespace flywheel
