// The client other services use to reach flywheel.accounts.v1: one reused channel and stub,
// a deadline on every call, errors mapped back to absl::Status (NOT_FOUND stays NOT_FOUND,
// an unreachable service is UNAVAILABLE), and a short-lived cache of single lookups so that
// a burst of signals for one account costs one round trip.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/outgoing_identity.h"
#include "common/clock/clock.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"

namespace flywheel::accounts {

class AccountsClient {
 public:
  struct Options {
    absl::Duration deadline = absl::Seconds(5);
    absl::Duration cache_ttl = absl::Seconds(30);
    size_t cache_capacity = 20000;  // ~20 MB of accounts at most; a full cache starts over
    const auth::OutgoingIdentity* identity = nullptr;  // who calls (must outlive the client); none: anonymous
  };

  AccountsClient(std::shared_ptr<grpc::ChannelInterface> channel, Options options, const Clock& clock = Clock::Real());

  // The live account `id`; NOT_FOUND when it does not exist or is deleted. Cached, unless
  // `fresh` (then the answer refreshes the cache).
  absl::StatusOr<v1::Account> Get(const std::string& id, bool fresh = false);

  // OK when every account of `ids` exists and is live, else NOT_FOUND naming one that is not.
  // Uncached ids are fetched with BatchGetAccounts, up to 1,000 a call.
  absl::Status RequireAll(const std::vector<std::string>& ids);

  // The live accounts `ids`, in order (RequireAll, then the cache).
  absl::StatusOr<std::vector<v1::Account>> GetAll(const std::vector<std::string>& ids);

  // Starts WatchAccountChanges on `context` (no deadline: the stream stays open) for a
  // follower's `reactor` (see StreamFollower).
  void StartWatch(grpc::ClientContext* context, const v1::WatchAccountChangesRequest* request,
                  grpc::ClientReadReactor<v1::AccountChange>* reactor);

  // Drops the cached accounts `ids` (they changed).
  void Forget(const std::vector<std::string>& ids);

  // Updates `account` (id and etag set) with `mask`; the updated account. Clears the cached one.
  absl::StatusOr<v1::Account> Update(const v1::Account& account, const std::vector<std::string>& mask);

  // Calls `visit` for every live account, page by page (1,000 a page). Stops at the first
  // error, or when `visit` returns false.
  absl::Status ForEach(const std::function<bool(const v1::Account&)>& visit);

  // One page of ListAccounts as `request` asks for it; UNAVAILABLE when the service fails.
  absl::StatusOr<v1::ListAccountsResponse> ListPage(const v1::ListAccountsRequest& request);

 private:
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  void Remember(const std::string& id, absl::StatusOr<v1::Account> account, absl::Time now);

  std::unique_ptr<v1::AccountService::Stub> stub_;
  Options options_;
  const Clock& clock_;
  struct Entry {
    absl::StatusOr<v1::Account> account;
    absl::Time expires;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace flywheel::accounts
