// Conversions between the shared protobuf value types (flywheel.type.v1 Money and Date,
// google.protobuf.Timestamp) and their domain forms. Each conversion is written once here; the
// forms that write into `out` fill a message in place (one that lives on an arena, say) without
// building and copying a temporary.
#pragma once

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/db/write_context.h"
#include "common/money/money.h"
#include "common/status/errors.h"
#include "flywheel/type/v1/types.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace flywheel::convert {

flywheel::type::v1::Money ToProto(const Money& money);
void ToProto(const Money& money, flywheel::type::v1::Money& out);
Money FromProto(const flywheel::type::v1::Money& money);

flywheel::type::v1::Date ToProto(absl::CivilDay day);
void ToProto(absl::CivilDay day, flywheel::type::v1::Date& out);
// The day, or a violation on `field` when it is not a real calendar day.
std::optional<absl::CivilDay> FromProto(const flywheel::type::v1::Date& date, const std::string& field,
                                        FieldViolations& violations);

google::protobuf::Timestamp ToTimestamp(absl::Time time);
void ToTimestamp(absl::Time time, google::protobuf::Timestamp& out);
// An optional day of a request: nullopt when absent (`present` false), else as FromProto.
std::optional<absl::CivilDay> OptionalDay(bool present, const flywheel::type::v1::Date& date, const std::string& field,
                                          FieldViolations& violations);

// For timestamps the services made themselves (a peer's answer, a stored row).
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);
// For a timestamp a caller sent: the instant, or a violation on `field` when it is outside
// google.protobuf.Timestamp's valid range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, nanos
// 0 to 999,999,999), which would otherwise be stored as another instant.
std::optional<absl::Time> FromTimestamp(const google::protobuf::Timestamp& timestamp, const std::string& field,
                                        FieldViolations& violations);

// An audit entry as the shared flywheel.type.v1.AuditEntry (resource and account left unset).
flywheel::type::v1::AuditEntry ToProto(const AuditEntry& entry);

}  // namespace flywheel::convert
