#include "services/ctl/token_command.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/auth/token.h"
#include "services/ctl/options.h"

namespace flywheel::ctl {
namespace {

constexpr const char* kUsage =
    "flywheelctl token mint --principal NAME --roles viewer,integration,editor,admin --ttl 24h\n"
    "                       (--hs256_secret_file FILE | --rs256_key_file FILE)\n";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

int RunTokenCommand(const std::vector<std::string>& args) {
  Options o = ParseOptions(args);
  if (o.positional.empty() || o.positional[0] != "mint") {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  std::vector<std::string> bad;
  std::string principal = o.Flag("principal");
  if (principal.empty()) {
    bad.push_back("--principal is required");
  } else if (std::string problem = auth::PrincipalProblem(principal); !problem.empty()) {
    bad.push_back(absl::StrCat("--principal: ", problem));
  }
  std::vector<auth::Role> roles;
  for (absl::string_view name : absl::StrSplit(o.Flag("roles"), ',', absl::SkipEmpty())) {
    std::optional<auth::Role> role = auth::ParseRole(name);
    if (role) {
      roles.push_back(*role);
    } else {
      bad.push_back("--roles: " + std::string(name) + " is not viewer, integration, editor or admin");
    }
  }
  if (roles.empty()) bad.push_back("--roles needs at least one role");
  absl::Duration ttl;
  if (!absl::ParseDuration(o.Flag("ttl", "24h"), &ttl) || ttl <= absl::ZeroDuration()) {
    bad.push_back("--ttl must be a positive duration such as 30m or 720h");
  }
  std::string secret_file = o.Flag("hs256_secret_file"), rsa_file = o.Flag("rs256_key_file");
  std::string key;
  auth::Algorithm algorithm = auth::Algorithm::kHs256;
  if (secret_file.empty() == rsa_file.empty()) {
    bad.push_back("give exactly one of --hs256_secret_file and --rs256_key_file");
  } else if (!secret_file.empty()) {
    if (!ReadFile(secret_file, &key)) bad.push_back("--hs256_secret_file cannot be read");
    key = std::string(absl::StripTrailingAsciiWhitespace(key));
  } else {
    algorithm = auth::Algorithm::kRs256;
    if (!ReadFile(rsa_file, &key)) bad.push_back("--rs256_key_file cannot be read");
  }
  if (!bad.empty()) {
    for (const auto& b : bad) std::fprintf(stderr, "%s\n", b.c_str());
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  auto token = auth::MintToken(algorithm, key, principal, roles, absl::Now(), ttl);
  if (!token.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(token.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}

}  // namespace flywheel::ctl
