#include "common/convert/type_convert.h"

namespace flywheel::convert {

void ToProto(const Money& money, flywheel::type::v1::Money& out) {
  out.set_currency_code(money.currency_code);
  out.set_minor_units(money.minor_units);
}

flywheel::type::v1::Money ToProto(const Money& money) {
  flywheel::type::v1::Money out;
  ToProto(money, out);
  return out;
}

Money FromProto(const flywheel::type::v1::Money& money) { return Money{money.currency_code(), money.minor_units()}; }

void ToProto(absl::CivilDay day, flywheel::type::v1::Date& out) {
  out.set_year(static_cast<int32_t>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
}

flywheel::type::v1::Date ToProto(absl::CivilDay day) {
  flywheel::type::v1::Date out;
  ToProto(day, out);
  return out;
}

std::optional<absl::CivilDay> FromProto(const flywheel::type::v1::Date& date, const std::string& field,
                                        FieldViolations& violations) {
  absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 1900 || date.year() > 9999 || day.year() != date.year() || day.month() != date.month() ||
      day.day() != date.day()) {
    violations.Add(field, "is not a valid calendar day (year 1900-9999)");
    return std::nullopt;
  }
  return day;
}

std::optional<absl::CivilDay> OptionalDay(bool present, const flywheel::type::v1::Date& date, const std::string& field,
                                          FieldViolations& violations) {
  if (!present) return std::nullopt;
  return FromProto(date, field, violations);
}

void ToTimestamp(absl::Time time, google::protobuf::Timestamp& out) {
  int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest * 1000));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  ToTimestamp(time, out);
  return out;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::optional<absl::Time> FromTimestamp(const google::protobuf::Timestamp& timestamp, const std::string& field,
                                        FieldViolations& violations) {
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  if (timestamp.seconds() < kMinSeconds || timestamp.seconds() > kMaxSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    violations.Add(field, "is not a valid time (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, nanos 0-999999999)");
    return std::nullopt;
  }
  return FromTimestamp(timestamp);
}

flywheel::type::v1::AuditEntry ToProto(const AuditEntry& e) {
  flywheel::type::v1::AuditEntry m;
  m.set_sequence(e.sequence);
  ToTimestamp(e.time, *m.mutable_time());
  m.set_principal(e.principal);
  m.set_action(e.action);
  for (const auto& f : e.changed_fields) m.add_changed_fields(f);
  m.set_request_id(e.request_id);
  return m;
}

}  // namespace flywheel::convert
