// The accounts service as the health use cases see it (AccountsPeer), answered from a map of
// live accounts: for tests of the use cases, in process or against MariaDB.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status/errors.h"
#include "services/health/app/health_use_cases.h"

namespace flywheel::health {

class MemoryAccounts : public AccountsPeer {
 public:
  std::map<std::string, AccountFacts> live;
  absl::StatusOr<AccountFacts> Facts(const std::string& id) override {
    auto it = live.find(id);
    if (it == live.end()) return NotFoundError("account", id);
    return it->second;
  }
  absl::StatusOr<std::vector<AccountFacts>> AllFacts(const std::vector<std::string>& ids) override {
    std::vector<AccountFacts> out;
    for (const auto& id : ids) {
      auto f = Facts(id);
      if (!f.ok()) return f.status();
      out.push_back(*f);
    }
    return out;
  }
  absl::Status RequireAllLive(const std::vector<std::string>& ids) override { return AllFacts(ids).status(); }
  absl::Status ForEach(const std::function<void(const AccountFacts&)>& visit) override {
    for (const auto& [id, f] : live) visit(f);
    return absl::OkStatus();
  }
  void Forget(const std::vector<std::string>& ids) override { forgotten.insert(forgotten.end(), ids.begin(), ids.end()); }
  std::vector<std::string> forgotten;
};

}  // namespace flywheel::health
