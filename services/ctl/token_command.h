// `flywheelctl token mint`: signs a bearer token for a principal and roles with the HS256
// secret or the RS256 private key, for operators, the local set-up and service Secrets. Runs
// locally; no service is called.
#pragma once

#include <string>
#include <vector>

namespace flywheel::ctl {

int RunTokenCommand(const std::vector<std::string>& args);

}  // namespace flywheel::ctl
