// The real accounts and health binaries with auth and mutual TLS on: who may call what, that the
// audit records the token's principal, that health's calls to accounts carry its own token, and
// that plaintext or certificate-less clients do not get in. Certificates and keys are made by
// deploy/local/make-credentials.sh (openssl); tokens are minted per test.
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/testing/free_port.h"
#include "common/testing/service_process.h"
#include "common/testing/test_credentials.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
using auth::Role;
using testing::ServiceProcess;
using testing::TestCredentials;
using testing::TestMariaDb;

const TestCredentials& Credentials() { return TestCredentials::Shared(); }

class SecurityE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    probe_address_ = absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort());
    std::vector<std::string> flags = Credentials().ServerFlags();
    flags.push_back(absl::StrCat("--probe_listen=", probe_address_));
    accounts_ = new ServiceProcess(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig(), flags);
  }
  static void TearDownTestSuite() {
    delete accounts_;
    accounts_ = nullptr;
  }

  // A health service calling accounts over mTLS, presenting the token in `token_file`.
  static std::unique_ptr<ServiceProcess> StartHealth(const std::string& token_file) {
    std::vector<std::string> flags = Credentials().ServerFlags();
    flags.push_back(absl::StrCat("--accounts_addr=", accounts_->address()));
    flags.push_back(absl::StrCat("--tls_ca_file=", Credentials().Path("ca.pem")));
    if (!token_file.empty()) flags.push_back(absl::StrCat("--service_token_file=", token_file));
    return std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, TestMariaDb::Shared().NewDatabaseConfig(), flags);
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return ctx;
  }

  std::unique_ptr<apb::AccountService::Stub> Accounts(bool client_certificate = true) {
    return apb::AccountService::NewStub(Credentials().Channel(accounts_->address(), client_certificate));
  }

  static apb::CreateAccountRequest NewAccount(const std::string& name) {
    apb::CreateAccountRequest req;
    req.mutable_account()->set_name(name);
    req.mutable_account()->mutable_arr()->set_currency_code("GBP");
    req.mutable_account()->mutable_arr()->set_minor_units(100000);
    return req;
  }

  static ServiceProcess* accounts_;
  static std::string probe_address_;
};

ServiceProcess* SecurityE2eTest::accounts_ = nullptr;
std::string SecurityE2eTest::probe_address_;

TEST_F(SecurityE2eTest, CallsWithoutAValidTokenAreUnauthenticatedButHealthIsOpen) {
  auto stub = Accounts();
  apb::GetAccountRequest get;
  get.set_id("acc_unknown");
  apb::Account out;
  EXPECT_EQ(stub->GetAccount(As("").get(), get, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub->GetAccount(As("not-a-jwt").get(), get, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto wrong_scheme = As("");
  wrong_scheme->AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(stub->GetAccount(wrong_scheme.get(), get, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A principal header alone proves nothing.
  auto header_only = As("");
  header_only->AddMetadata("x-flywheel-principal", "admin");
  EXPECT_EQ(stub->GetAccount(header_only.get(), get, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Streaming calls go through the same gate.
  apb::BulkUpsertAccountsResponse bulk;
  auto stream_ctx = As("");
  auto writer = stub->BulkUpsertAccounts(stream_ctx.get(), &bulk);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  auto health = grpc::health::v1::Health::NewStub(Credentials().Channel(accounts_->address()));
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(As("").get(), check, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(SecurityE2eTest, EachRoleMayDoWhatItsAccessAllows) {
  auto stub = Accounts();
  std::string viewer = Credentials().Token("viewer@example.com", {Role::kViewer});
  std::string integration = Credentials().Token("crm-sync", {Role::kIntegration});
  std::string editor = Credentials().Token("csm@example.com", {Role::kEditor});
  std::string admin = Credentials().Token("ops-admin", {Role::kAdmin}, auth::Algorithm::kRs256);

  apb::Account created;
  EXPECT_EQ(stub->CreateAccount(As(viewer).get(), NewAccount("Viewer Co"), &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub->CreateAccount(As(integration).get(), NewAccount("Integration Co"), &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The editor's create is audited under the token's principal, whatever header is sent.
  auto editor_ctx = As(editor);
  editor_ctx->AddMetadata("x-flywheel-principal", "someone-else");
  ASSERT_TRUE(stub->CreateAccount(editor_ctx.get(), NewAccount("Utility plc"), &created).ok());

  apb::GetAccountRequest get;
  get.set_id(created.id());
  apb::Account read;
  EXPECT_TRUE(stub->GetAccount(As(viewer).get(), get, &read).ok());
  EXPECT_EQ(read.name(), "Utility plc");
  EXPECT_EQ(stub->GetAccount(As(integration).get(), get, &read).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  apb::UpsertAccountRequest upsert;
  upsert.set_source("salesforce");
  upsert.set_external_id("0015g00000XyZ");
  upsert.mutable_account()->set_name("Synced Ltd");
  upsert.mutable_account()->mutable_arr()->set_currency_code("GBP");
  apb::UpsertAccountResponse upserted;
  grpc::Status upsert_status = stub->UpsertAccount(As(integration).get(), upsert, &upserted);
  EXPECT_TRUE(upsert_status.ok()) << upsert_status.error_message();

  apb::DeleteAccountRequest del;
  del.set_id(created.id());
  apb::Account deleted;
  grpc::Status denied = stub->DeleteAccount(As(editor).get(), del, &deleted);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("admin"), std::string::npos) << denied.error_message();
  ASSERT_TRUE(stub->DeleteAccount(As(admin).get(), del, &deleted).ok());

  apb::ListAccountHistoryRequest history;
  history.set_account_id(created.id());
  apb::ListAccountHistoryResponse entries;
  ASSERT_TRUE(stub->ListAccountHistory(As(viewer).get(), history, &entries).ok());
  ASSERT_EQ(entries.entries_size(), 2);
  EXPECT_EQ(entries.entries(0).principal(), "csm@example.com");
  EXPECT_EQ(entries.entries(1).principal(), "ops-admin");
}

TEST_F(SecurityE2eTest, PlaintextAndCertificatelessClientsAreTurnedAway) {
  apb::GetAccountRequest get;
  get.set_id("acc_unknown");
  apb::Account out;
  std::string viewer = Credentials().Token("viewer@example.com", {Role::kViewer});
  auto plaintext = apb::AccountService::NewStub(grpc::CreateChannel(accounts_->address(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(plaintext->GetAccount(As(viewer).get(), get, &out).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Accounts(/*client_certificate=*/false)->GetAccount(As(viewer).get(), get, &out).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // The same call with the client certificate reaches the service (which checks the id).
  EXPECT_EQ(Accounts()->GetAccount(As(viewer).get(), get, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SecurityE2eTest, ThePlaintextProbePortServesHealthAndNothingElse) {
  auto channel = grpc::CreateChannel(probe_address_, grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(As("").get(), check, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  check.set_service("liveness");
  ASSERT_TRUE(health->Check(As("").get(), check, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  apb::GetAccountRequest get;
  get.set_id("acc_unknown");
  apb::Account out;
  std::string admin = Credentials().Token("ops-admin", {Role::kAdmin});
  EXPECT_EQ(apb::AccountService::NewStub(channel)->GetAccount(As(admin).get(), get, &out).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(SecurityE2eTest, ServicesPresentTheirOwnTokenUpstream) {
  std::string editor = Credentials().Token("csm@example.com", {Role::kEditor});
  apb::Account account;
  ASSERT_TRUE(Accounts()->CreateAccount(As(editor).get(), NewAccount("Surveyed plc"), &account).ok());

  hpb::RecordSurveyResponseRequest survey;
  auto* r = survey.mutable_response();
  r->set_account_id(account.id());
  r->set_response_id("nps-1");
  r->set_kind(hpb::SURVEY_KIND_NPS);
  r->set_score(9);
  r->set_respondent("agent@utility.example");
  r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  std::string integration = Credentials().Token("survey-feed", {Role::kIntegration});

  // With a viewer token of its own, health may look the account up.
  auto health = StartHealth(Credentials().TokenFile("service:health", {Role::kViewer}));
  auto stub = hpb::HealthService::NewStub(Credentials().Channel(health->address()));
  hpb::SurveyResponse stored;
  grpc::Status ok = stub->RecordSurveyResponse(As(integration).get(), survey, &stored);
  EXPECT_TRUE(ok.ok()) << ok.error_message();

  // Without one, accounts turns it away and nothing is recorded.
  auto anonymous = StartHealth("");
  auto anonymous_stub = hpb::HealthService::NewStub(Credentials().Channel(anonymous->address()));
  grpc::Status refused = anonymous_stub->RecordSurveyResponse(As(integration).get(), survey, &stored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  hpb::ListSignalsRequest list;
  list.set_account_id(account.id());
  list.set_kind(hpb::SIGNAL_KIND_SURVEY);
  hpb::ListSignalsResponse signals;
  ASSERT_TRUE(anonymous_stub->ListSignals(As(Credentials().Token("v", {Role::kViewer})).get(), list, &signals).ok());
  EXPECT_EQ(signals.signals_size(), 0);
}

}  // namespace
}  // namespace flywheel
