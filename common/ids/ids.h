// Resource identifiers: opaque strings with a type prefix ("acc_…"), assigned by the server.
#pragma once

#include <map>
#include <string>
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace flywheel::ids {

// A new random id: `prefix` + "_" + 26 characters of base32 (128 random bits).
std::string NewId(absl::string_view prefix);

// True when `id` looks like an id made by NewId with this prefix.
bool HasPrefix(absl::string_view id, absl::string_view prefix);

// "" when `id` is a well-formed id with `prefix`, else what is wrong ("is required", …).
std::string IdProblem(absl::string_view id, absl::string_view prefix);
// Adds a violation on `field` when `id` is not a well-formed id with `prefix`.
void RequireId(absl::string_view id, absl::string_view prefix, absl::string_view field, FieldViolations& v);
// RequireId's answer on its own: OK, or INVALID_ARGUMENT naming `field`.
absl::Status Required(absl::string_view id, absl::string_view prefix, absl::string_view field);

// External (CRM) ids, by source: a source name ("salesforce", "hubspot") is 1–64 of
// [a-z0-9_.-]; the id within the source is 1–128 bytes; a resource has at most 20. Said once
// here for every service that keys records by (source, external id).
bool IsValidSourceName(absl::string_view source);
inline constexpr size_t kMaxExternalIdBytes = 128;
inline constexpr size_t kMaxExternalIds = 20;
// A resource's external ids (source → id); violations named "external_ids[source]".
void CheckExternalIds(const std::map<std::string, std::string>& external_ids, FieldViolations& v);
// A create's request_id (AIP-155): empty, or at most kMaxRequestIdBytes; else a violation on
// field "request_id".
inline constexpr size_t kMaxRequestIdBytes = 128;
void CheckRequestId(absl::string_view request_id, FieldViolations& v);
// The (source, external id) key of an upsert; violations named `prefix` + "source" / "external_id".
void CheckExternalKey(absl::string_view source, absl::string_view external_id, absl::string_view prefix,
                      FieldViolations& v);

}  // namespace flywheel::ids

namespace flywheel::ids {

// The shard (0 … count−1) an account belongs to: a stable FNV-1a hash of its id, the same
// in every process and release, so report and rescore jobs can split the portfolio.
int ShardOf(absl::string_view account_id, int count);

// A job's shard: `count` from 0 (no sharding) to kMaxShards, `index` from 0 to count − 1 (only
// 0 without sharding); violations on "shard_count" and "shard_index".
inline constexpr int kMaxShards = 10000;
void CheckShard(int count, int index, FieldViolations& v);

}  // namespace flywheel::ids
