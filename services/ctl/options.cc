#include "services/ctl/options.h"

#include <cstdio>

#include "absl/status/status.h"
#include <set>

#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "services/ctl/table.h"

namespace flywheel::ctl {

std::string Options::Flag(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

Options ParseOptions(const std::vector<std::string>& args) {
  // Switches take no value; every other flag takes "=value" or the next word.
  static const std::set<std::string> kSwitches = {"dry_run", "overdue", "active", "enabled", "disabled"};
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (absl::StartsWith(a, "--")) {
      absl::string_view body = absl::string_view(a).substr(2);
      size_t eq = body.find('=');
      std::string name = absl::StrReplaceAll(body.substr(0, eq), {{"-", "_"}});
      if (eq != absl::string_view::npos) {
        o.flags[name] = std::string(body.substr(eq + 1));
      } else if (!kSwitches.count(name) && i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) {
        o.flags[name] = args[++i];
      } else {
        o.flags[name] = "true";
      }
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

int Print(const Table& table, const Options& options) {
  std::string name = options.Flag("format", "table");
  std::optional<Format> format = ParseFormat(name);
  if (!format) {
    std::fprintf(stderr, "--format must be table, json or csv (not %s)\n", name.c_str());
    return 2;
  }
  std::string columns = options.Flag("columns");
  if (columns.empty()) {
    std::printf("%s", table.Render(*format).c_str());
  } else {
    std::vector<std::string> names = absl::StrSplit(absl::AsciiStrToUpper(columns), ',');
    std::printf("%s", table.Select(names).Render(*format).c_str());
  }
  return 0;
}

namespace {
const auth::OutgoingIdentity* identity = nullptr;
}  // namespace

void SetIdentity(const auth::OutgoingIdentity* id) { identity = id; }

void ApplyIdentity(grpc::ClientContext* context) {
  if (identity) identity->Apply(context);
}

std::unique_ptr<grpc::ClientContext> NewContext(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  ApplyIdentity(ctx.get());
  return ctx;
}

int Fail(const grpc::Status& status) {
  std::fprintf(stderr, "error: %s: %s\n",
               absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
               status.error_message().c_str());
  for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) {
    std::fprintf(stderr, "  %s: %s\n", v.field.c_str(), v.description.c_str());
  }
  return 1;
}

std::string Money(const flywheel::type::v1::Money& m) {
  return m.currency_code().empty() ? "" : FormatMoney(m.currency_code(), m.minor_units());
}

std::string Day(const flywheel::type::v1::Date& d) {
  return d.year() == 0 ? "" : absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::optional<flywheel::type::v1::Date> ParseDay(const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  flywheel::type::v1::Date out;
  out.set_year(static_cast<int>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
  return out;
}

std::string Label(const std::string& name, const char* prefix) { return std::string(absl::StripPrefix(name, prefix)); }

}  // namespace flywheel::ctl
