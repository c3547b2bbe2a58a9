#include "services/accounts/client/accounts_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"

namespace flywheel::accounts {

AccountsClient::AccountsClient(std::shared_ptr<grpc::ChannelInterface> channel, Options options, const Clock& clock)
    : stub_(v1::AccountService::NewStub(channel)), options_(std::move(options)), clock_(clock) {}

std::unique_ptr<grpc::ClientContext> AccountsClient::NewContext() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (options_.identity) options_.identity->Apply(ctx.get());
  return ctx;
}

absl::StatusOr<v1::Account> AccountsClient::Get(const std::string& id, bool fresh) {
  absl::Time now = clock_.Now();
  if (!fresh) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() && it->second.expires > now) return it->second.account;
  }
  v1::GetAccountRequest req;
  req.set_id(id);
  v1::Account account;
  absl::Status status = FromGrpcStatus(stub_->GetAccount(NewContext().get(), req, &account));
  absl::StatusOr<v1::Account> result = account;
  if (status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kNotFound ||
      (status.ok() && account.has_delete_time())) {
    result = NotFoundError("account", id);
  } else if (!status.ok()) {
    // Outages are not cached: the next call tries again.
    return absl::UnavailableError(absl::StrCat("accounts service: ", status.message()));
  }
  Remember(id, result, now);
  return result;
}

void AccountsClient::Remember(const std::string& id, absl::StatusOr<v1::Account> account, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= options_.cache_capacity) cache_.clear();
  cache_[id] = Entry{std::move(account), now + options_.cache_ttl};
}

absl::Status AccountsClient::RequireAll(const std::vector<std::string>& ids) {
  absl::Time now = clock_.Now();
  std::vector<std::string> unknown;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& id : ids) {
      auto it = cache_.find(id);
      if (it == cache_.end() || it->second.expires <= now) {
        unknown.push_back(id);
      } else if (!it->second.account.ok()) {
        return it->second.account.status();
      }
    }
  }
  constexpr size_t kBatch = 1000;
  for (size_t first = 0; first < unknown.size(); first += kBatch) {
    v1::BatchGetAccountsRequest req;
    for (size_t i = first; i < std::min(unknown.size(), first + kBatch); ++i) req.add_ids(unknown[i]);
    v1::BatchGetAccountsResponse resp;
    absl::Status status = FromGrpcStatus(stub_->BatchGetAccounts(NewContext().get(), req, &resp));
    if (status.code() == absl::StatusCode::kNotFound || status.code() == absl::StatusCode::kInvalidArgument) {
      // Some id is unknown: find which, one by one (and cache the answers).
      for (const auto& id : req.ids()) {
        if (auto a = Get(id); !a.ok()) return a.status();
      }
      continue;
    }
    if (!status.ok()) return absl::UnavailableError(absl::StrCat("accounts service: ", status.message()));
    for (const auto& a : resp.accounts()) {
      if (a.has_delete_time()) {
        Remember(a.id(), NotFoundError("account", a.id()), now);
        return NotFoundError("account", a.id());
      }
      Remember(a.id(), a, now);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Account>> AccountsClient::GetAll(const std::vector<std::string>& ids) {
  if (absl::Status s = RequireAll(ids); !s.ok()) return s;
  std::vector<v1::Account> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto a = Get(id);
    if (!a.ok()) return a.status();
    out.push_back(*std::move(a));
  }
  return out;
}

void AccountsClient::StartWatch(grpc::ClientContext* context, const v1::WatchAccountChangesRequest* request,
                                grpc::ClientReadReactor<v1::AccountChange>* reactor) {
  if (options_.identity) options_.identity->Apply(context);
  stub_->async()->WatchAccountChanges(context, request, reactor);
}

void AccountsClient::Forget(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ids) cache_.erase(id);
}

absl::StatusOr<v1::Account> AccountsClient::Update(const v1::Account& account, const std::vector<std::string>& mask) {
  v1::UpdateAccountRequest req;
  *req.mutable_account() = account;
  for (const auto& path : mask) req.mutable_update_mask()->add_paths(path);
  v1::Account out;
  absl::Status status = FromGrpcStatus(stub_->UpdateAccount(NewContext().get(), req, &out));
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.erase(account.id());
  }
  switch (status.code()) {
    case absl::StatusCode::kOk: return out;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition: return status;
    default: return absl::UnavailableError(absl::StrCat("accounts service: ", status.message()));
  }
}

absl::Status AccountsClient::ForEach(const std::function<bool(const v1::Account&)>& visit) {
  v1::ListAccountsRequest req;
  req.set_page_size(1000);
  for (;;) {
    auto page = ListPage(req);
    if (!page.ok()) return page.status();
    for (const auto& a : page->accounts()) {
      if (!visit(a)) return absl::OkStatus();
    }
    if (page->next_page_token().empty()) return absl::OkStatus();
    req.set_page_token(page->next_page_token());
  }
}

absl::StatusOr<v1::ListAccountsResponse> AccountsClient::ListPage(const v1::ListAccountsRequest& request) {
  v1::ListAccountsResponse resp;
  absl::Status status = FromGrpcStatus(stub_->ListAccounts(NewContext().get(), request, &resp));
  if (!status.ok()) return absl::UnavailableError(absl::StrCat("accounts service: ", status.message()));
  return resp;
}

}  // namespace flywheel::accounts
