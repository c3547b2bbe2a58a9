// Command arguments for flywheelctl subcommands: positional words and --name=value flags,
// plus the helpers every command shares (call contexts, error printing, money and days).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/outgoing_identity.h"
#include "flywheel/type/v1/types.pb.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::ctl {

struct Options {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  std::string Flag(const std::string& name, const std::string& fallback = "") const;
};

// "--name=value", "--name value" and switches ("--dry_run"); dashes in names become
// underscores ("--as-of" is "as_of").
Options ParseOptions(const std::vector<std::string>& args);

class Table;
// Prints `table` in the --format the options name (table, json, csv), with only the
// --columns named (comma-separated headers) when given; 2 on a bad format.
int Print(const Table& table, const Options& options);

// Who flywheelctl calls as (principal "flywheelctl", the token of --token_file); main sets it
// once before any command runs.
void SetIdentity(const auth::OutgoingIdentity* identity);
// Adds the identity's headers to `context`.
void ApplyIdentity(grpc::ClientContext* context);

// A context with a deadline and the identity.
std::unique_ptr<grpc::ClientContext> NewContext(int seconds = 30);

// Prints the status and its field violations to stderr; returns exit code 1.
int Fail(const grpc::Status& status);

std::string Money(const flywheel::type::v1::Money& money);
std::string Day(const flywheel::type::v1::Date& date);
// An enum value's name without its type prefix: Label("BAND_GREEN", "BAND_") is "GREEN".
std::string Label(const std::string& name, const char* prefix);
// Parses YYYY-MM-DD.
std::optional<flywheel::type::v1::Date> ParseDay(const std::string& text);

}  // namespace flywheel::ctl
