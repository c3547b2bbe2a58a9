#include "common/status/errors.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace flywheel {
namespace {

template <typename Message>
std::optional<Message> ReadPayload(const absl::Status& status, const char* type_url) {
  auto payload = status.GetPayload(type_url);
  if (!payload) return std::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

}  // namespace

std::string ClipForWire(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return absl::StrCat(text.substr(0, cut), "…");
}

void FieldViolations::Add(std::string field, std::string description) {
  items_.push_back({std::move(field), std::move(description)});
}

void FieldViolations::AddAll(absl::string_view prefix, const FieldViolations& other) {
  for (const auto& v : other.items_) items_.push_back({absl::StrCat(prefix, v.field), v.description});
}

void FieldViolations::AddFrom(const absl::Status& status) {
  for (auto& v : GetFieldViolations(status)) items_.push_back(std::move(v));
}

absl::Status FieldViolations::ToStatus() const {
  if (items_.empty()) return absl::OkStatus();
  return InvalidArgumentError(items_);
}

absl::Status InvalidArgumentError(std::vector<FieldViolation> violations) {
  google::rpc::BadRequest detail;
  std::vector<std::string> parts;
  if (violations.size() > kMaxViolations) {
    size_t more = violations.size() - kMaxViolations + 1;
    violations.resize(kMaxViolations - 1);
    violations.push_back({"…", absl::StrCat("and ", more, " more")});
  }
  for (const auto& v : violations) {
    auto* fv = detail.add_field_violations();
    fv->set_field(ClipForWire(v.field));
    fv->set_description(ClipForWire(v.description));
    parts.push_back(absl::StrCat(fv->field(), ": ", fv->description()));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status InvalidFieldError(std::string field, std::string description) {
  return InvalidArgumentError({{std::move(field), std::move(description)}});
}

absl::Status FailedPreconditionError(absl::string_view message,
                                     std::vector<PreconditionViolation> violations) {
  google::rpc::PreconditionFailure detail;
  std::vector<std::string> parts;
  for (const auto& v : violations) {
    auto* pv = detail.add_violations();
    pv->set_type(v.type);
    pv->set_subject(ClipForWire(v.subject));
    pv->set_description(ClipForWire(v.description));
    parts.push_back(pv->description());
  }
  absl::Status status = absl::FailedPreconditionError(
      parts.empty() ? std::string(message) : absl::StrCat(message, ": ", absl::StrJoin(parts, "; ")));
  status.SetPayload(kPreconditionFailureTypeUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status NotFoundError(absl::string_view resource_type, absl::string_view id) {
  return WithErrorInfo(absl::NotFoundError(absl::StrCat(resource_type, " ", ClipForWire(id), " not found")),
                       "RESOURCE_NOT_FOUND",
                       {{"resource_type", std::string(resource_type)}, {"id", std::string(id)}});
}

absl::Status DeletedError(absl::string_view resource_type, absl::string_view id, absl::string_view refused) {
  return FailedPreconditionError(absl::StrCat(resource_type, " ", id, " is deleted"),
                                 {{"DELETED", std::string(id), absl::StrCat("a deleted ", resource_type, " cannot be ", refused)}});
}

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  for (auto& [k, v] : metadata) (*info.mutable_metadata())[k] = ClipForWire(v);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  if (auto detail = ReadPayload<google::rpc::BadRequest>(status, kBadRequestTypeUrl)) {
    for (const auto& fv : detail->field_violations()) out.push_back({fv.field(), fv.description()});
  }
  return out;
}

std::vector<PreconditionViolation> GetPreconditionViolations(const absl::Status& status) {
  std::vector<PreconditionViolation> out;
  if (auto detail =
          ReadPayload<google::rpc::PreconditionFailure>(status, kPreconditionFailureTypeUrl)) {
    for (const auto& v : detail->violations()) out.push_back({v.type(), v.subject(), v.description()});
  }
  return out;
}

std::string GetErrorReason(const absl::Status& status) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoTypeUrl);
  return info ? info->reason() : "";
}

std::string GetErrorMetadata(const absl::Status& status, absl::string_view key) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoTypeUrl);
  if (!info) return "";
  auto it = info->metadata().find(std::string(key));
  return it == info->metadata().end() ? "" : it->second;
}

absl::Status UnderField(absl::Status status, absl::string_view prefix,
                        const std::function<bool(absl::string_view field)>& of_resource) {
  std::vector<FieldViolation> violations = GetFieldViolations(status);
  if (violations.empty()) return status;
  FieldViolations named;
  for (const auto& v : violations) {
    named.Add(of_resource(v.field) ? absl::StrCat(prefix, v.field) : v.field, v.description);
  }
  absl::Status out = named.ToStatus();
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url != kBadRequestTypeUrl) out.SetPayload(type_url, payload);
  });
  return out;
}

absl::Status CheckEtag(absl::string_view resource_type, absl::string_view id, absl::string_view current_etag,
                       absl::string_view etag) {
  if (etag.empty() || etag == current_etag) return absl::OkStatus();
  return WithErrorInfo(absl::AbortedError(absl::StrCat(resource_type, " ", id, " was changed by someone else (etag ",
                                                       etag, " is stale; current is ", current_etag, ")")),
                       "ETAG_MISMATCH", {{"id", std::string(id)}, {"current_etag", std::string(current_etag)}});
}

}  // namespace flywheel
