// The real flywheel-accounts binary on a free port, against a private MariaDB, called
// through the generated client exactly as integrations call it.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "common/db/connection_pool.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/raw_call.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace pb = flywheel::accounts::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

class AccountsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = TestMariaDb::Shared().NewDatabaseConfig();
    service_ = std::make_unique<ServiceProcess>(FLYWHEEL_ACCOUNTS_BINARY, database_,
                                                std::vector<std::string>{"--drain_deadline_seconds=5"});
    stub_ = pb::AccountService::NewStub(service_->channel());
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& principal = "e2e@test") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    ctx->AddMetadata("x-flywheel-principal", principal);
    return ctx;
  }

  pb::Account ValidAccount(const std::string& name) {
    pb::Account a;
    a.set_name(name);
    a.mutable_arr()->set_currency_code("GBP");
    a.mutable_arr()->set_minor_units(12000000);
    a.set_licensed_seats(100);
    a.set_segment("Enterprise");
    return a;
  }

  pb::Account Create(const pb::Account& account, const std::string& request_id = "") {
    pb::CreateAccountRequest req;
    *req.mutable_account() = account;
    req.set_request_id(request_id);
    pb::Account out;
    grpc::Status s = stub_->CreateAccount(Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Every account visible to ListAccounts with `base`, following page tokens.
  std::vector<pb::Account> ListAll(pb::ListAccountsRequest base) {
    std::vector<pb::Account> out;
    for (;;) {
      pb::ListAccountsResponse resp;
      grpc::Status s = stub_->ListAccounts(Context().get(), base, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), resp.accounts().begin(), resp.accounts().end());
      if (resp.next_page_token().empty()) break;
      base.set_page_token(resp.next_page_token());
    }
    return out;
  }

  // The overall status (readiness), or the named one ("liveness").
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service = "") {
    auto health = grpc::health::v1::Health::NewStub(service_->channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = health->Check(&ctx, req, &resp);
    return s.ok() ? resp.status() : grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }

  // Seconds until Health() reports `want`, or -1 after `limit`.
  double SecondsUntilHealth(grpc::health::v1::HealthCheckResponse::ServingStatus want, absl::Duration limit) {
    absl::Time start = absl::Now();
    while (absl::Now() - start < limit) {
      if (Health() == want) return absl::ToDoubleSeconds(absl::Now() - start);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling an observable state
    }
    return -1;
  }

  std::set<std::string> ViolationFields(const grpc::Status& s) {
    std::set<std::string> out;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) out.insert(v.field);
    return out;
  }

  DatabaseConfig database_;
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<pb::AccountService::Stub> stub_;
};

TEST_F(AccountsE2eTest, ServesHealthAndReflection) {
  EXPECT_GE(SecondsUntilHealth(grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(10)), 0);

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(service_->channel());
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  grpc::reflection::v1alpha::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  std::set<std::string> services;
  for (const auto& s : resp.list_services_response().service()) services.insert(s.name());
  EXPECT_TRUE(services.count("flywheel.accounts.v1.AccountService"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));

  // The descriptor of the service is served too, so a generic client can call it.
  grpc::reflection::v1alpha::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("flywheel.accounts.v1.AccountService");
  ASSERT_TRUE(stream->Write(symbol));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_GT(resp.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  // A stream the client closes ends OK (gRPC delivers the close like a message that did not decode).
  grpc::Status closed = stream->Finish();
  EXPECT_TRUE(closed.ok()) << closed.error_code() << " " << closed.error_message();
}

TEST_F(AccountsE2eTest, HealthFollowsTheDatabaseWithoutRestart) {
  ASSERT_GE(SecondsUntilHealth(grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(10)), 0);
  pb::Account kept = Create(ValidAccount("Kept through the outage"));
  TestMariaDb::Shared().Stop();
  double down = SecondsUntilHealth(grpc::health::v1::HealthCheckResponse::NOT_SERVING, absl::Seconds(10));
  pb::GetAccountRequest get;
  get.set_id(kept.id());
  pb::Account out;
  grpc::Status during = stub_->GetAccount(Context().get(), get, &out);
  // Liveness does not follow the database: an orchestrator must not restart the process for it.
  auto live_during = Health("liveness");
  // Readiness by the service's own name (how meshes and name-checking probes ask) follows it.
  auto named_during = Health("flywheel.accounts.v1.AccountService");
  TestMariaDb::Shared().Restart();
  double up = SecondsUntilHealth(grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(10));
  std::printf("health: NOT_SERVING after %.2f s, SERVING %.2f s after restart\n", down, up);
  EXPECT_GE(down, 0);
  EXPECT_LE(down, 5);
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(live_during, grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(named_during, grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health("flywheel.accounts.v1.AccountService"), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_GE(up, 0);
  EXPECT_LE(up, 5);
  grpc::Status after = stub_->GetAccount(Context().get(), get, &out);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_EQ(out.name(), "Kept through the outage");
}

TEST_F(AccountsE2eTest, CreateReplayReturnsTheFirstResponseAndWritesNothing) {
  pb::Account first = Create(ValidAccount("Northern Utility"), "crm-req-42");
  pb::Account second = Create(ValidAccount("Northern Utility"), "crm-req-42");
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(first.etag(), second.etag());
  EXPECT_EQ(ListAll({}).size(), 1u);
  // The same id with a different body is refused.
  pb::CreateAccountRequest other;
  *other.mutable_account() = ValidAccount("Someone else");
  other.set_request_id("crm-req-42");
  pb::Account out;
  grpc::Status s = stub_->CreateAccount(Context().get(), other, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationFields(s), std::set<std::string>{"request_id"});
  EXPECT_EQ(ListAll({}).size(), 1u);
}

TEST_F(AccountsE2eTest, BadInputNamesEveryFieldAndWritesNothing) {
  pb::CreateAccountRequest req;
  pb::Account* a = req.mutable_account();
  a->set_name("");
  a->mutable_arr()->set_currency_code("ZZZ");
  a->mutable_arr()->set_minor_units(-1);
  a->set_licensed_seats(-3);
  a->set_lifecycle_stage(static_cast<pb::LifecycleStage>(42));
  a->set_region(std::string(500, 'r'));
  a->set_parent_id("not-an-id");
  a->mutable_contract_start()->set_year(2026);
  a->mutable_contract_start()->set_month(2);
  a->mutable_contract_start()->set_day(30);
  pb::Account out;
  grpc::Status s = stub_->CreateAccount(Context().get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationFields(s),
            (std::set<std::string>{"account.name", "account.arr.currency_code", "account.arr.minor_units",
                                   "account.licensed_seats", "account.lifecycle_stage", "account.region",
                                   "account.contract_start", "account.parent_id"}));
  EXPECT_TRUE(ListAll({}).empty());

  // A bad field and an unknown parent: both named, the parent as the request holds it.
  pb::CreateAccountRequest two;
  *two.mutable_account() = ValidAccount("");
  two.mutable_account()->set_parent_id("acc_0000000000000000000000000b");
  s = stub_->CreateAccount(Context().get(), two, &out);
  EXPECT_EQ(ViolationFields(s), (std::set<std::string>{"account.name", "account.parent_id"}));
  two.mutable_account()->set_name("Alone bad");
  s = stub_->CreateAccount(Context().get(), two, &out);
  EXPECT_EQ(ViolationFields(s), (std::set<std::string>{"account.parent_id"}));
  EXPECT_TRUE(ListAll({}).empty());

  pb::ListAccountsRequest bad_list;
  bad_list.set_page_size(-1);
  bad_list.set_lifecycle_stage(static_cast<pb::LifecycleStage>(99));
  pb::ListAccountsResponse list;
  s = stub_->ListAccounts(Context().get(), bad_list, &list);
  EXPECT_EQ(ViolationFields(s), (std::set<std::string>{"page_size", "lifecycle_stage"}));

  pb::GetAccountRequest missing;
  missing.set_id("acc_0000000000000000000000000a");
  s = stub_->GetAccount(Context().get(), missing, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AccountsE2eTest, UpdateChecksMaskAndEtag) {
  pb::Account a = Create(ValidAccount("Utility"));
  pb::UpdateAccountRequest req;
  *req.mutable_account() = a;
  req.mutable_account()->set_licensed_seats(250);
  req.mutable_update_mask()->add_paths("licensed_seats");
  pb::Account updated;
  ASSERT_TRUE(stub_->UpdateAccount(Context().get(), req, &updated).ok());
  EXPECT_EQ(updated.licensed_seats(), 250);
  EXPECT_NE(updated.etag(), a.etag());

  // The old etag is now stale.
  req.mutable_account()->set_licensed_seats(1);
  grpc::Status stale = stub_->UpdateAccount(Context().get(), req, &updated);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);

  pb::UpdateAccountRequest bad_mask;
  *bad_mask.mutable_account() = updated;
  bad_mask.mutable_update_mask()->add_paths("name");
  bad_mask.mutable_update_mask()->add_paths("create_time");
  grpc::Status s = stub_->UpdateAccount(Context().get(), bad_mask, &updated);
  EXPECT_EQ(ViolationFields(s), std::set<std::string>{"update_mask.paths[1]"});

  // A parent that would make a cycle.
  pb::Account child = ValidAccount("Child");
  child.set_parent_id(a.id());
  child = Create(child);
  pb::GetAccountRequest get;
  get.set_id(a.id());
  pb::Account current;
  ASSERT_TRUE(stub_->GetAccount(Context().get(), get, &current).ok());
  pb::UpdateAccountRequest cycle;
  *cycle.mutable_account() = current;
  cycle.mutable_account()->set_parent_id(child.id());
  cycle.mutable_update_mask()->add_paths("parent_id");
  s = stub_->UpdateAccount(Context().get(), cycle, &updated);
  EXPECT_EQ(ViolationFields(s), std::set<std::string>{"account.parent_id"});
}

TEST_F(AccountsE2eTest, PaginationHasNoGapsOrDuplicatesUnderConcurrentInserts) {
  // 1,100 accounts, loaded with the bulk API.
  grpc::ClientContext ctx;
  pb::BulkUpsertAccountsResponse bulk;
  auto writer = stub_->BulkUpsertAccounts(&ctx, &bulk);
  pb::BulkUpsertAccountsRequest msg;
  for (int i = 0; i < 1100; ++i) {
    auto* r = msg.add_records();
    r->set_source("crm");
    r->set_external_id("p-" + std::to_string(i));
    *r->mutable_account() = ValidAccount("Paged " + std::to_string(10000 + i));
    if (msg.records_size() == 550) {  // two messages: at most 1,000 records a message
      ASSERT_TRUE(writer->Write(msg));
      msg.clear_records();
    }
  }
  ASSERT_TRUE(writer->Write(msg));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(bulk.created(), 1100);
  std::set<std::string> initial;
  for (const auto& r : bulk.results()) initial.insert(r.account_id());

  std::atomic<bool> stop{false};
  std::atomic<int> inserted{0};
  std::thread inserter([&] {
    int i = 0;
    while (!stop) {
      // Names that sort before, among and after the existing ones.
      static const char* kPrefixes[] = {"A", "Paged 105", "Z"};
      Create(ValidAccount(std::string(kPrefixes[i % 3]) + " concurrent " + std::to_string(i)));
      ++i;
      ++inserted;
    }
  });
  pb::ListAccountsRequest req;
  req.set_page_size(100);
  std::vector<pb::Account> pages = ListAll(req);
  stop = true;
  inserter.join();

  std::multiset<std::string> seen;
  for (const auto& a : pages) seen.insert(a.id());
  for (const auto& id : initial) EXPECT_EQ(seen.count(id), 1u) << id;
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "duplicates across pages";
  EXPECT_GT(inserted.load(), 0);
  std::printf("paged %zu accounts while %d were inserted\n", pages.size(), inserted.load());
}

TEST_F(AccountsE2eTest, ForgedOrForeignPageTokensAreRejected) {
  for (int i = 0; i < 3; ++i) Create(ValidAccount("T" + std::to_string(i)));
  pb::ListAccountsRequest req;
  req.set_page_size(1);
  pb::ListAccountsResponse resp;
  ASSERT_TRUE(stub_->ListAccounts(Context().get(), req, &resp).ok());
  ASSERT_FALSE(resp.next_page_token().empty());

  pb::ListAccountsRequest forged = req;
  std::string token = resp.next_page_token();
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  forged.set_page_token(token);
  grpc::Status s = stub_->ListAccounts(Context().get(), forged, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationFields(s), std::set<std::string>{"page_token"});

  pb::ListAccountsRequest foreign = req;
  foreign.set_segment("SMB");  // another query
  ASSERT_TRUE(stub_->ListAccounts(Context().get(), req, &resp).ok());
  foreign.set_page_token(resp.next_page_token());
  s = stub_->ListAccounts(Context().get(), foreign, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AccountsE2eTest, BulkUpsertRefusesAMessageOverTheRecordLimit) {
  grpc::ClientContext ctx;
  pb::BulkUpsertAccountsResponse out;
  auto writer = stub_->BulkUpsertAccounts(&ctx, &out);
  pb::BulkUpsertAccountsRequest msg;
  for (int i = 0; i < 1001; ++i) {
    auto* r = msg.add_records();
    r->set_source("salesforce");
    r->set_external_id("over-" + std::to_string(i));
    *r->mutable_account() = ValidAccount("Over the limit " + std::to_string(i));
  }
  writer->Write(msg);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = GetFieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "records");
  EXPECT_TRUE(ListAll({}).empty());  // nothing of the refused message was written
}

// A message that does not decode ends the stream INVALID_ARGUMENT naming its place, after what
// came before it is written; what came after it is not, and the error says what was done.
TEST_F(AccountsE2eTest, BulkUpsertEndsOnAMessageThatDoesNotDecodeWithWhatWasWrittenBeforeIt) {
  auto message = [&](const std::string& key) {
    pb::BulkUpsertAccountsRequest msg;
    auto* r = msg.add_records();
    r->set_source("salesforce");
    r->set_external_id(key);
    *r->mutable_account() = ValidAccount("Stream " + key);
    return msg.SerializeAsString();
  };
  testing::RawCallOptions options;
  options.metadata.emplace_back("x-flywheel-principal", "e2e@test");
  const std::string path = "/flywheel.accounts.v1.AccountService/BulkUpsertAccounts";
  grpc::Status status = testing::RawCall(service_->channel(), path,
                                         {message("t1"), std::string("\x12\x7f\x0a", 3), message("t3")}, options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "message 2 of the stream is not a valid encoding of its message type");
  absl::Status detailed = FromGrpcStatus(status);
  EXPECT_EQ(GetErrorReason(detailed), "STREAM_ENDED_EARLY");
  EXPECT_EQ(GetErrorMetadata(detailed, "messages_handled"), "1");
  EXPECT_EQ(GetErrorMetadata(detailed, "created"), "1");
  EXPECT_EQ(GetErrorMetadata(detailed, "failed"), "0");
  auto results = detailed.GetPayload("type.googleapis.com/flywheel.accounts.v1.BulkUpsertAccountsResponse");
  ASSERT_TRUE(results.has_value());
  pb::BulkUpsertAccountsResponse written;
  ASSERT_TRUE(written.ParseFromString(std::string(*results)));
  EXPECT_EQ(written.created(), 1);
  ASSERT_EQ(written.results_size(), 1);
  EXPECT_EQ(written.results(0).outcome(), pb::UPSERT_OUTCOME_CREATED);
  std::vector<pb::Account> stored = ListAll({});
  ASSERT_EQ(stored.size(), 1u);  // t1, and not t3
  EXPECT_EQ(stored[0].name(), "Stream t1");
  EXPECT_EQ(stored[0].id(), written.results(0).account_id());

  // A bad first message: nothing is processed, and the answer still says so.
  status = testing::RawCall(service_->channel(), path, {std::string("\x12\x7f\x0a", 3), message("t4")}, options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "message 1 of the stream is not a valid encoding of its message type");
  EXPECT_EQ(GetErrorMetadata(FromGrpcStatus(status), "messages_handled"), "0");
  EXPECT_EQ(ListAll({}).size(), 1u);

  // A message over the record limit after a good one: the good one is written and counted.
  pb::BulkUpsertAccountsRequest over;
  for (int i = 0; i < 1001; ++i) {
    auto* r = over.add_records();
    r->set_source("salesforce");
    r->set_external_id("over-" + std::to_string(i));
    *r->mutable_account() = ValidAccount("Over " + std::to_string(i));
  }
  status = testing::RawCall(service_->channel(), path, {message("t5"), over.SerializeAsString()}, options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetErrorMetadata(FromGrpcStatus(status), "created"), "1");
  EXPECT_EQ(ListAll({}).size(), 2u);
}

TEST_F(AccountsE2eTest, BulkUpsertTenThousandWithInvalidRecordsAndDryRun) {
  auto send = [&](bool dry_run, pb::BulkUpsertAccountsResponse* out) {
    grpc::ClientContext ctx;
    auto writer = stub_->BulkUpsertAccounts(&ctx, out);
    for (int chunk = 0; chunk < 10; ++chunk) {
      pb::BulkUpsertAccountsRequest msg;
      msg.set_dry_run(dry_run);
      for (int j = 0; j < 1000; ++j) {
        int i = chunk * 1000 + j;
        auto* r = msg.add_records();
        r->set_source("salesforce");
        r->set_external_id("sf-" + std::to_string(i));
        *r->mutable_account() = ValidAccount("Bulk customer " + std::to_string(i));
        if (i % 100 == 7) r->mutable_account()->set_licensed_seats(-1);      // invalid
        if (i % 250 == 3) r->mutable_account()->mutable_arr()->set_currency_code("???");  // invalid
      }
      if (!writer->Write(msg)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  };
  const int kInvalid = 100 + 40;
  absl::Time start = absl::Now();
  pb::BulkUpsertAccountsResponse dry;
  ASSERT_TRUE(send(true, &dry).ok());
  EXPECT_TRUE(dry.dry_run());
  EXPECT_EQ(dry.created(), 10000 - kInvalid);
  EXPECT_EQ(dry.failed(), kInvalid);
  EXPECT_TRUE(ListAll({}).empty()) << "a dry run wrote something";

  pb::BulkUpsertAccountsResponse real;
  ASSERT_TRUE(send(false, &real).ok());
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  ASSERT_EQ(real.results_size(), 10000);
  EXPECT_EQ(real.created(), 10000 - kInvalid);
  EXPECT_EQ(real.failed(), kInvalid);
  const auto& bad = real.results(7);
  EXPECT_EQ(bad.index(), 7);
  EXPECT_EQ(bad.outcome(), pb::UPSERT_OUTCOME_FAILED);
  ASSERT_GT(bad.errors_size(), 0);
  EXPECT_EQ(bad.errors(0).field(), "account.licensed_seats");
  EXPECT_EQ(real.results(8).outcome(), pb::UPSERT_OUTCOME_CREATED);
  EXPECT_EQ(ListAll({}).size(), static_cast<size_t>(10000 - kInvalid));

  pb::BulkUpsertAccountsResponse again;
  ASSERT_TRUE(send(false, &again).ok());
  EXPECT_EQ(again.unchanged(), 10000 - kInvalid);
  EXPECT_EQ(again.created(), 0);
  std::printf("bulk upsert: 3 x 10,000 records in %.1f s (dry run + write), re-send all unchanged\n", seconds);
}

// flywheelctl's load of a CRM export as spreadsheets write it: a byte-order mark, CRLF, columns
// in another order and case, quoted names with commas and doubled quotes. A row with a bad cell
// is not sent, is counted in the summary, and makes the command exit 3.
TEST_F(AccountsE2eTest, CtlLoadsACrmExportWithQuotingAndCountsEveryFailedRow) {
  std::string path = absl::StrCat(::testing::TempDir(), "/crm_export_", getpid(), ".csv");
  {
    std::ofstream csv(path, std::ios::binary);
    csv << "\xEF\xBB\xBFName,External_ID,Licensed_Seats,ARR_Currency,ARR_Minor_Units\r\n"
        << "\"Acme, Inc.\",crm-1,10,GBP,100\r\n"
        << "\"The \"\"Best\"\" Ltd\",crm-2,12,GBP,100\r\n"
        << "Bad Seats Ltd,crm-3,lots,GBP,100\r\n";
  }
  std::string command = absl::StrCat(FLYWHEEL_CTL_BINARY, " --accounts=", service_->address(),
                                     " accounts load ", path, " --source=salesforce 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  int status = pclose(pipe);
  std::remove(path.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  EXPECT_NE(out.find("3 records: 2 created, 0 updated, 0 unchanged, 1 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("licensed_seats is not a number"), std::string::npos) << out;
  std::set<std::string> names;
  for (const auto& a : ListAll({})) names.insert(a.name());
  EXPECT_EQ(names, (std::set<std::string>{"Acme, Inc.", "The \"Best\" Ltd"}));
}

TEST_F(AccountsE2eTest, TreeRollsUpArrAndSeats) {
  pb::Account group = ValidAccount("Utility Group");
  group = Create(group);
  pb::Account north = ValidAccount("North");
  north.set_parent_id(group.id());
  north.set_licensed_seats(40);
  north.mutable_arr()->set_minor_units(500);
  north = Create(north);
  pb::Account depot = ValidAccount("North Depot");
  depot.set_parent_id(north.id());
  depot.set_licensed_seats(5);
  depot.mutable_arr()->set_minor_units(50);
  Create(depot);

  pb::GetAccountTreeRequest req;
  req.set_id(group.id());
  pb::AccountTree tree;
  ASSERT_TRUE(stub_->GetAccountTree(Context().get(), req, &tree).ok());
  ASSERT_EQ(tree.nodes_size(), 3);
  EXPECT_EQ(tree.nodes(0).account_id(), group.id());
  EXPECT_EQ(tree.nodes(0).rolled_up_seats(), 145);
  ASSERT_EQ(tree.nodes(0).rolled_up_arr_size(), 1);
  EXPECT_EQ(tree.nodes(0).rolled_up_arr(0).minor_units(), 12000000 + 500 + 50);
  EXPECT_EQ(tree.nodes(0).descendant_count(), 2);
  EXPECT_EQ(tree.nodes(1).rolled_up_seats(), 45);
  EXPECT_EQ(tree.nodes(2).depth(), 2);
}

TEST_F(AccountsE2eTest, SoftDeleteUndeleteAndAuditTrail) {
  pb::Account a = Create(ValidAccount("Temporary"));
  pb::DeleteAccountRequest del;
  del.set_id(a.id());
  pb::Account deleted;
  ASSERT_TRUE(stub_->DeleteAccount(Context("ops@example.com").get(), del, &deleted).ok());
  EXPECT_TRUE(deleted.has_delete_time());
  EXPECT_TRUE(ListAll({}).empty());
  pb::ListAccountsRequest with_deleted;
  with_deleted.set_show_deleted(true);
  EXPECT_EQ(ListAll(with_deleted).size(), 1u);
  EXPECT_EQ(stub_->DeleteAccount(Context().get(), del, &deleted).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  pb::UndeleteAccountRequest undel;
  undel.set_id(a.id());
  pb::Account restored;
  ASSERT_TRUE(stub_->UndeleteAccount(Context("ops@example.com").get(), undel, &restored).ok());
  EXPECT_FALSE(restored.has_delete_time());
  EXPECT_EQ(ListAll({}).size(), 1u);

  pb::ListAccountHistoryRequest hist;
  hist.set_account_id(a.id());
  pb::ListAccountHistoryResponse history;
  ASSERT_TRUE(stub_->ListAccountHistory(Context().get(), hist, &history).ok());
  ASSERT_EQ(history.entries_size(), 3);
  EXPECT_EQ(history.entries(0).action(), "CREATE");
  EXPECT_EQ(history.entries(0).principal(), "e2e@test");
  EXPECT_EQ(history.entries(1).action(), "DELETE");
  EXPECT_EQ(history.entries(1).principal(), "ops@example.com");
  EXPECT_EQ(history.entries(2).action(), "UNDELETE");
  EXPECT_EQ(history.entries(2).sequence(), 3);
}

// GetAccount reads arriving together share statements (ReadCoalescer); each call must still get
// its own account, a missing id its own NOT_FOUND, and a read after a write the written value.
TEST_F(AccountsE2eTest, ConcurrentGetAccountsEachGetTheirOwnAccount) {
  std::vector<pb::Account> accounts;
  for (int i = 0; i < 20; ++i) accounts.push_back(Create(ValidAccount(absl::StrCat("Concurrent ", i))));
  const std::string missing = "acc_0000000000000000000000000z";
  std::atomic<int> wrong{0}, ok{0}, not_found{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&, t] {
      for (int n = 0; n < 200; ++n) {
        size_t pick = static_cast<size_t>(t * 7 + n) % (accounts.size() + 1);
        pb::GetAccountRequest req;
        req.set_id(pick == accounts.size() ? missing : accounts[pick].id());
        pb::Account out;
        grpc::Status s = stub_->GetAccount(Context().get(), req, &out);
        if (pick == accounts.size()) {
          bool named = s.error_code() == grpc::StatusCode::NOT_FOUND && s.error_message().find(missing) != std::string::npos;
          named ? ++not_found : ++wrong;
        } else {
          bool same = s.ok() && out.id() == accounts[pick].id() && out.name() == accounts[pick].name();
          same ? ++ok : ++wrong;
        }
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok.load() + not_found.load(), 1600);
  EXPECT_GT(not_found.load(), 0);

  pb::UpdateAccountRequest rename;
  *rename.mutable_account() = accounts[3];
  rename.mutable_account()->set_name("Renamed");
  rename.mutable_update_mask()->add_paths("name");
  pb::Account renamed;
  ASSERT_TRUE(stub_->UpdateAccount(Context().get(), rename, &renamed).ok());
  pb::GetAccountRequest get;
  get.set_id(accounts[3].id());
  pb::Account after;
  ASSERT_TRUE(stub_->GetAccount(Context().get(), get, &after).ok());
  EXPECT_EQ(after.name(), "Renamed");
  EXPECT_EQ(after.etag(), renamed.etag());
}

TEST_F(AccountsE2eTest, UpsertByExternalIdAndBatchGet) {
  pb::UpsertAccountRequest up;
  up.set_source("hubspot");
  up.set_external_id("hs-1");
  *up.mutable_account() = ValidAccount("Hub Customer");
  pb::UpsertAccountResponse resp;
  ASSERT_TRUE(stub_->UpsertAccount(Context().get(), up, &resp).ok());
  EXPECT_EQ(resp.outcome(), pb::UPSERT_OUTCOME_CREATED);
  std::string etag = resp.account().etag();
  ASSERT_TRUE(stub_->UpsertAccount(Context().get(), up, &resp).ok());
  EXPECT_EQ(resp.outcome(), pb::UPSERT_OUTCOME_UNCHANGED);
  EXPECT_EQ(resp.account().etag(), etag);
  up.mutable_account()->set_csm_owner("casey@vendor.example");
  ASSERT_TRUE(stub_->UpsertAccount(Context().get(), up, &resp).ok());
  EXPECT_EQ(resp.outcome(), pb::UPSERT_OUTCOME_UPDATED);
  EXPECT_EQ(resp.account().csm_owner(), "casey@vendor.example");

  // A sync of a deleted account is refused as an update is, and leaves it deleted.
  pb::DeleteAccountRequest del;
  del.set_id(resp.account().id());
  pb::Account deleted;
  ASSERT_TRUE(stub_->DeleteAccount(Context().get(), del, &deleted).ok());
  up.mutable_account()->set_csm_owner("dana@vendor.example");
  grpc::Status sync = stub_->UpsertAccount(Context().get(), up, &resp);
  EXPECT_EQ(sync.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(sync.error_message(), absl::StrCat("account ", deleted.id(), " is deleted: a deleted account cannot be "
                                                                         "synced (UndeleteAccount restores it)"));
  EXPECT_EQ(stub_->DeleteAccount(Context().get(), del, &deleted).error_message(),
            absl::StrCat("account ", deleted.id(), " is deleted: a deleted account cannot be deleted again"));
  pb::UndeleteAccountRequest undel;
  undel.set_id(deleted.id());
  ASSERT_TRUE(stub_->UndeleteAccount(Context().get(), undel, &deleted).ok());
  EXPECT_EQ(deleted.csm_owner(), "casey@vendor.example");  // the refused sync wrote nothing
  ASSERT_TRUE(stub_->UpsertAccount(Context().get(), up, &resp).ok());
  EXPECT_EQ(resp.outcome(), pb::UPSERT_OUTCOME_UPDATED);

  pb::BatchGetAccountsRequest batch;
  batch.add_ids(resp.account().id());
  pb::BatchGetAccountsResponse got;
  ASSERT_TRUE(stub_->BatchGetAccounts(Context().get(), batch, &got).ok());
  ASSERT_EQ(got.accounts_size(), 1);
  EXPECT_EQ(got.accounts(0).external_ids().at("hubspot"), "hs-1");
  batch.add_ids("acc_0000000000000000000000000z");
  EXPECT_EQ(stub_->BatchGetAccounts(Context().get(), batch, &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AccountsE2eTest, SigtermDrainsAndExitsCleanly) {
  Create(ValidAccount("Before shutdown"));
  absl::Time start = absl::Now();
  int code = service_->Terminate(absl::Seconds(10));
  EXPECT_EQ(code, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));  // within the 5 s drain deadline, plus exit
}

TEST(AccountsBinary, MigrateSubcommandAppliesTheSchemaAndExits) {
  DatabaseConfig db = TestMariaDb::Shared().NewDatabaseConfig();
  std::string command = absl::StrCat(FLYWHEEL_ACCOUNTS_BINARY, " migrate --db_dsn=tcp://127.0.0.1:", db.port, "/",
                                     db.database, " --db_user=flywheel --db_password=flywheel --log_level=error");
  ASSERT_EQ(std::system(command.c_str()), 0);
  db::ConnectionPool pool(db);
  int64_t versions = -1, tables = -1;
  ASSERT_TRUE(db::RunOnConnection(pool, [&](db::Connection& c) {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT COUNT(*) FROM schema_migrations").executeQuery());
    rs->next();
    versions = rs->getInt64(1);
    std::unique_ptr<sql::ResultSet> t(c.Prepare("SELECT COUNT(*) FROM accounts").executeQuery());
    t->next();
    tables = t->getInt64(1);
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(versions, 3);  // 0001 schema, 0002 children in the account row, 0003 the change log
  EXPECT_EQ(tables, 0);
}

TEST(AccountsBinary, BadConfigurationExitsNamingEachSetting) {
  std::string command =
      absl::StrCat(FLYWHEEL_ACCOUNTS_BINARY, " --db_pool_size=0 --db_dsn=nonsense --health_check_interval_ms=1 2>&1");
  FILE* out = popen(command.c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, out)) text.append(buf, n);
  int status = pclose(out);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(text.find("db_pool_size"), std::string::npos) << text;
  EXPECT_NE(text.find("db_dsn"), std::string::npos) << text;
  EXPECT_NE(text.find("health_check_interval_ms"), std::string::npos) << text;
}

}  // namespace
}  // namespace flywheel
