// The gRPC adapter of flywheel.accounts.v1.AccountService: decodes each request, calls its use
// case (app/account_use_cases.h) on a worker thread, encodes the answer and maps every result
// through the one status conversion.
#pragma once

#include "common/server/arena_messages.h"
#include "common/server/service_context.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "services/accounts/app/account_use_cases.h"
#include "services/accounts/storage/account_repository.h"

namespace flywheel::accounts {

class AccountServiceImpl final : public v1::AccountService::WithRawCallbackMethod_BulkUpsertAccounts<v1::AccountService::CallbackService> {
 public:
  AccountServiceImpl(ServiceContext& context, AccountRepository& repository);

  grpc::ServerUnaryReactor* CreateAccount(grpc::CallbackServerContext* ctx, const v1::CreateAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* ctx, const v1::GetAccountRequest* request,
                                       v1::Account* response) override;
  grpc::ServerUnaryReactor* BatchGetAccounts(grpc::CallbackServerContext* ctx,
                                             const v1::BatchGetAccountsRequest* request,
                                             v1::BatchGetAccountsResponse* response) override;
  grpc::ServerUnaryReactor* ListAccounts(grpc::CallbackServerContext* ctx, const v1::ListAccountsRequest* request,
                                         v1::ListAccountsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateAccount(grpc::CallbackServerContext* ctx, const v1::UpdateAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(grpc::CallbackServerContext* ctx, const v1::DeleteAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* UndeleteAccount(grpc::CallbackServerContext* ctx,
                                            const v1::UndeleteAccountRequest* request, v1::Account* response) override;
  grpc::ServerUnaryReactor* GetAccountTree(grpc::CallbackServerContext* ctx, const v1::GetAccountTreeRequest* request,
                                           v1::AccountTree* response) override;
  grpc::ServerUnaryReactor* UpsertAccount(grpc::CallbackServerContext* ctx, const v1::UpsertAccountRequest* request,
                                          v1::UpsertAccountResponse* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* BulkUpsertAccounts(grpc::CallbackServerContext* ctx, grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAccountHistory(grpc::CallbackServerContext* ctx,
                                               const v1::ListAccountHistoryRequest* request,
                                               v1::ListAccountHistoryResponse* response) override;
  grpc::ServerWriteReactor<v1::AccountChange>* WatchAccountChanges(grpc::CallbackServerContext* ctx,
                                                                  const v1::WatchAccountChangesRequest* request) override;

 private:

  ServiceContext& context_;
  AccountRepository& repository_;  // GetAccount's coalesced reads
  AccountUseCases use_cases_;
  ReadCoalescer<Account> account_reads_;  // GetAccount's reads, batched under load
  // Pages and batches of accounts are built on an arena: ~1.5 kB of fields per account in memory.
  ArenaMessages<v1::ListAccountsRequest, v1::ListAccountsResponse> list_messages_{64 * 1024};
  ArenaMessages<v1::BatchGetAccountsRequest, v1::BatchGetAccountsResponse> batch_get_messages_{64 * 1024};
};

}  // namespace flywheel::accounts
