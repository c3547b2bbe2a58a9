// The live flow with the real binaries (DESIGN §2 "Live flow"): a usage reading, or an edit of
// the account's own fields in the accounts service, is rescored by health within seconds,
// stored as today's score and streamed by WatchHealth; handoff follows and opens the exception
// a detractor's response calls for, streamed by WatchExceptions; the change streams resume
// where a client left them.
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/handoff/domain/webhooks.h"
#include "tests/e2e/webhook_receiver.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace xpb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

absl::CivilDay Today() { return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()); }

flywheel::type::v1::Date ToDate(absl::CivilDay d) {
  return testing::Day(static_cast<int>(d.year()), d.month(), d.day());
}

// A WatchHealth call that reads on until a change of one account arrives.
class HealthWatch {
 public:
  HealthWatch(hpb::HealthService::Stub& stub, bool include_unchanged_band) {
    ctx_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    hpb::WatchHealthRequest req;
    req.set_include_unchanged_band(include_unchanged_band);
    reader_ = stub.WatchHealth(&ctx_, req);
    reader_->WaitForInitialMetadata();  // the start point is fixed
  }
  ~HealthWatch() {
    ctx_.TryCancel();
    reader_->Finish();
  }
  // The next change of `account_id`.
  std::optional<hpb::HealthChange> NextOf(const std::string& account_id) {
    hpb::HealthChange change;
    while (reader_->Read(&change)) {
      if (change.account_id() == account_id) return change;
    }
    return std::nullopt;
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<hpb::HealthChange>> reader_;
};

class LiveE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_ = std::make_unique<ServiceProcess>(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig());
    // Live rescoring is the default: no flag.
    health_ = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
                                               std::vector<std::string>{absl::StrCat("--accounts_addr=", accounts_->address())});
    accounts_stub_ = apb::AccountService::NewStub(accounts_->channel());
    stub_ = hpb::HealthService::NewStub(health_->channel());
  }

  // Stakeholders and handoff, following health (live exceptions are the default too).
  void StartHandoff() {
    std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts_->address());
    std::string health_flag = absl::StrCat("--health_addr=", health_->address());
    stakeholders_ = std::make_unique<ServiceProcess>(FLYWHEEL_STAKEHOLDERS_BINARY,
                                                     TestMariaDb::Shared().NewDatabaseConfig(),
                                                     std::vector<std::string>{accounts_flag, health_flag});
    handoff_ = std::make_unique<ServiceProcess>(
        FLYWHEEL_HANDOFF_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
        std::vector<std::string>{accounts_flag, health_flag,
                                 absl::StrCat("--stakeholders_addr=", stakeholders_->address())});
    handoff_stub_ = xpb::HandoffService::NewStub(handoff_->channel());
  }

  void RecordNps(const std::string& account_id, const std::string& response_id, int score) {
    hpb::RecordSurveyResponseRequest req;
    auto* r = req.mutable_response();
    r->set_account_id(account_id);
    r->set_response_id(response_id);
    r->set_kind(hpb::SURVEY_KIND_NPS);
    r->set_score(score);
    r->set_respondent(response_id + "@harbourline.example");
    r->set_reason("support response times");
    r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    hpb::SurveyResponse out;
    grpc::Status s = stub_->RecordSurveyResponse(testing::CallContext().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  apb::Account CreateAccount(int seats) {
    apb::CreateAccountRequest req;
    auto* a = req.mutable_account();
    a->set_name("Harbourline Logistics");
    a->set_licensed_seats(seats);
    a->mutable_arr()->set_currency_code("GBP");
    a->mutable_arr()->set_minor_units(36000000);
    a->set_csm_owner("casey@vendor.example");
    *a->mutable_contract_start() = ToDate(Today() - 60);
    apb::Account out;
    grpc::Status s = accounts_stub_->CreateAccount(testing::CallContext().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  void RecordActiveUsers(const std::string& account_id, double users) {
    hpb::RecordUsageRequest req;
    auto* r = req.add_readings();
    r->set_account_id(account_id);
    *r->mutable_day() = ToDate(Today());
    r->set_metric("active_users_28d");
    r->set_value(users);
    r->set_source("telemetry");
    hpb::RecordUsageResponse out;
    grpc::Status s = stub_->RecordUsage(testing::CallContext().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::unique_ptr<ServiceProcess> accounts_, health_, stakeholders_, handoff_;
  std::unique_ptr<apb::AccountService::Stub> accounts_stub_;
  std::unique_ptr<hpb::HealthService::Stub> stub_;
  std::unique_ptr<xpb::HandoffService::Stub> handoff_stub_;
};

TEST_F(LiveE2eTest, AUsageReadingIsScoredStoredAndStreamedWithinSeconds) {
  HealthWatch every(*stub_, true);
  HealthWatch bands(*stub_, false);
  // A new account is scored as soon as health learns of it from the accounts' change stream.
  apb::Account account = CreateAccount(100);
  auto created = every.NextOf(account.id());
  ASSERT_TRUE(created.has_value()) << "the new account was not scored";
  EXPECT_EQ(created->cause(), hpb::CHANGE_CAUSE_SIGNAL);
  EXPECT_EQ(created->previous_band(), hpb::BAND_UNKNOWN);  // its first score

  absl::Time sent = absl::Now();
  RecordActiveUsers(account.id(), 80);
  auto change = every.NextOf(account.id());
  ASSERT_TRUE(change.has_value()) << "no change streamed within 60 s";
  absl::Duration latency = absl::Now() - sent;
  EXPECT_EQ(change->cause(), hpb::CHANGE_CAUSE_SIGNAL);
  EXPECT_EQ(change->as_of().day(), ToDate(Today()).day());
  EXPECT_NE(change->band(), hpb::BAND_UNKNOWN);
  EXPECT_GT(change->overall(), 0);
  std::cout << "reading -> streamed change: " << absl::ToDoubleMilliseconds(latency) << " ms\n";

  // The stored portfolio view holds the same score, as of today.
  hpb::ListHealthRequest list;
  hpb::ListHealthResponse rows;
  ASSERT_TRUE(stub_->ListHealth(testing::CallContext().get(), list, &rows).ok());
  ASSERT_EQ(rows.rows_size(), 1);
  EXPECT_EQ(rows.rows(0).account_id(), account.id());
  EXPECT_DOUBLE_EQ(rows.rows(0).overall(), change->overall());
  EXPECT_EQ(rows.rows(0).as_of().day(), ToDate(Today()).day());

  // A second reading with another value moves the overall.
  RecordActiveUsers(account.id(), 5);
  auto second = every.NextOf(account.id());
  ASSERT_TRUE(second.has_value()) << "the second reading was not rescored";
  EXPECT_LT(second->overall(), change->overall());

  // A watcher of bands hears of this account only when its band or quadrant moved.
  auto moved = bands.NextOf(account.id());
  ASSERT_TRUE(moved.has_value());
  EXPECT_TRUE(moved->previous_band() != moved->band() || moved->previous_quadrant() != moved->quadrant());
  EXPECT_FALSE(moved->resume_token().empty());
}

TEST_F(LiveE2eTest, AnEditOfTheAccountInTheAccountsServiceIsRescored) {
  HealthWatch every(*stub_, true);
  apb::Account account = CreateAccount(100);
  ASSERT_TRUE(every.NextOf(account.id()).has_value());  // scored once created
  RecordActiveUsers(account.id(), 80);
  auto first = every.NextOf(account.id());
  ASSERT_TRUE(first.has_value());
  // Ten times the seats: the same users are a tenth of the presence. Health learns of it only
  // through the accounts' change stream.
  apb::UpdateAccountRequest update;
  *update.mutable_account() = account;
  update.mutable_account()->set_licensed_seats(1000);
  update.mutable_update_mask()->add_paths("licensed_seats");
  apb::Account updated;
  grpc::Status s = accounts_stub_->UpdateAccount(testing::CallContext().get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto second = every.NextOf(account.id());
  ASSERT_TRUE(second.has_value()) << "the seat change was not rescored";
  EXPECT_EQ(second->cause(), hpb::CHANGE_CAUSE_SIGNAL);
  EXPECT_LT(second->overall(), first->overall());
}

TEST_F(LiveE2eTest, ADetractorsResponseOpensItsExceptionWithinSeconds) {
  StartHandoff();
  apb::Account account = CreateAccount(100);
  RecordActiveUsers(account.id(), 80);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  xpb::WatchExceptionsRequest req;
  req.set_account_id(account.id());
  auto reader = handoff_stub_->WatchExceptions(&ctx, req);
  reader->WaitForInitialMetadata();

  absl::Time sent = absl::Now();
  RecordNps(account.id(), "nps-1", 3);
  xpb::ExceptionEvent event;
  std::optional<xpb::ExceptionEvent> opened;
  std::string token;
  while (!opened && reader->Read(&event)) {
    // The account's ROLE_GAP (nobody named yet) may open first, from its first score.
    if (event.type() == xpb::EXCEPTION_EVENT_TYPE_OPENED && event.exception().rule() == xpb::RULE_KIND_DETRACTOR) opened = event;
    token = event.resume_token();
  }
  ASSERT_TRUE(opened.has_value()) << "no DETRACTOR exception within 60 s";
  std::cout << "detractor response -> open exception event: " << absl::ToDoubleMilliseconds(absl::Now() - sent)
            << " ms\n";
  EXPECT_EQ(opened->exception().account_id(), account.id());
  EXPECT_EQ(opened->exception().status(), xpb::EXCEPTION_STATUS_OPEN);
  EXPECT_EQ(opened->exception().assignee(), "casey@vendor.example");
  EXPECT_FALSE(opened->event_id().empty());
  ctx.TryCancel();
  reader->Finish();

  // The exception is stored, and a person's action on it is the next event of a resumed watch.
  xpb::GetExceptionRequest get;
  get.set_id(opened->exception().id());
  xpb::Exception stored;
  ASSERT_TRUE(handoff_stub_->GetException(testing::CallContext().get(), get, &stored).ok());
  EXPECT_EQ(stored.rule(), xpb::RULE_KIND_DETRACTOR);
  xpb::AcknowledgeExceptionRequest ack;
  ack.set_id(stored.id());
  xpb::Exception acknowledged;
  ASSERT_TRUE(handoff_stub_->AcknowledgeException(testing::CallContext().get(), ack, &acknowledged).ok());
  grpc::ClientContext rctx;
  rctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  req.set_resume_token(token);
  auto resumed = handoff_stub_->WatchExceptions(&rctx, req);
  std::optional<xpb::ExceptionEvent> acked;
  while (!acked && resumed->Read(&event)) {
    EXPECT_NE(event.event_id(), opened->event_id());  // nothing before the token again
    if (event.type() == xpb::EXCEPTION_EVENT_TYPE_ACKNOWLEDGED) acked = event;
  }
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(acked->exception().id(), stored.id());
  EXPECT_EQ(acked->exception().status(), xpb::EXCEPTION_STATUS_ACKNOWLEDGED);
  rctx.TryCancel();
  resumed->Finish();
}

constexpr char kSecret[] = "whsec-0123456789abcdef";

// The deliveries `receiver` got whose body holds `needle`.
std::vector<testing::WebhookReceiver::Request> With(const std::vector<testing::WebhookReceiver::Request>& all,
                                                    const std::string& needle) {
  std::vector<testing::WebhookReceiver::Request> out;
  for (const auto& r : all) {
    if (absl::StrContains(r.body, needle)) out.push_back(r);
  }
  return out;
}

class WebhookE2eTest : public LiveE2eTest {
 protected:
  void SetUp() override {
    LiveE2eTest::SetUp();
    StartHandoff();
  }
  xpb::Webhook AddWebhook(int max_attempts, xpb::WebhookEventKind kind) {
    xpb::CreateWebhookRequest req;
    req.mutable_webhook()->set_url(receiver_.url());
    req.mutable_webhook()->set_secret(kSecret);
    req.mutable_webhook()->add_kinds(kind);
    req.mutable_webhook()->set_max_attempts(max_attempts);
    xpb::Webhook out;
    grpc::Status s = handoff_stub_->CreateWebhook(testing::CallContext().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(out.secret().empty());  // never returned
    return out;
  }
  std::vector<xpb::WebhookDelivery> Deliveries(const std::string& webhook_id, xpb::DeliveryState state) {
    xpb::ListWebhookDeliveriesRequest req;
    req.set_webhook_id(webhook_id);
    req.set_state(state);
    req.set_page_size(1000);
    xpb::ListWebhookDeliveriesResponse out;
    EXPECT_TRUE(handoff_stub_->ListWebhookDeliveries(testing::CallContext().get(), req, &out).ok());
    return {out.deliveries().begin(), out.deliveries().end()};
  }
  // Waits until no delivery of `webhook_id` is pending (at most 60 s).
  bool Settled(const std::string& webhook_id) {
    for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;) {
      if (Deliveries(webhook_id, xpb::DELIVERY_STATE_PENDING).empty()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }
  testing::WebhookReceiver receiver_;
};

TEST_F(WebhookE2eTest, ADetractorsExceptionReachesTheEndpointSignedWithinSeconds) {
  xpb::Webhook hook = AddWebhook(0, xpb::WEBHOOK_EVENT_KIND_EXCEPTIONS);
  EXPECT_EQ(hook.max_attempts(), handoff::kDefaultMaxAttempts);
  apb::Account account = CreateAccount(100);
  RecordActiveUsers(account.id(), 80);
  absl::Time sent = absl::Now();
  RecordNps(account.id(), "nps-1", 2);
  auto detractor = [&](const std::vector<testing::WebhookReceiver::Request>& all) {
    return !With(With(all, "\"exception.opened\""), "RULE_KIND_DETRACTOR").empty();
  };
  ASSERT_TRUE(receiver_.WaitFor(detractor, absl::Seconds(60))) << "no DETRACTOR delivery within 60 s";
  std::cout << "detractor response -> webhook received: " << absl::ToDoubleMilliseconds(absl::Now() - sent) << " ms\n";
  auto got = With(With(receiver_.Received(), "\"exception.opened\""), "RULE_KIND_DETRACTOR")[0];
  EXPECT_TRUE(absl::StrContains(got.body, account.id()));
  EXPECT_TRUE(absl::StrContains(got.body, absl::StrCat("\"id\":\"", got.headers["flywheel-event-id"], "\"")));
  EXPECT_EQ(got.headers["content-type"], "application/json");
  int64_t timestamp = 0;
  ASSERT_TRUE(absl::SimpleAtoi(got.headers["flywheel-timestamp"], &timestamp));
  EXPECT_LE(std::abs(absl::ToUnixSeconds(absl::Now()) - timestamp), 60);
  // The receiver's check: HMAC-SHA256 of the secret over timestamp "." body.
  EXPECT_EQ(got.headers["flywheel-signature"], handoff::Signature(kSecret, timestamp, got.body));
  EXPECT_NE(got.headers["flywheel-signature"], handoff::Signature("another secret!!", timestamp, got.body));
  ASSERT_TRUE(Settled(hook.id()));
  EXPECT_TRUE(Deliveries(hook.id(), xpb::DELIVERY_STATE_DEAD).empty());

  // A test event is delivered like any other.
  xpb::TestWebhookRequest test;
  test.set_id(hook.id());
  xpb::WebhookDelivery queued;
  ASSERT_TRUE(handoff_stub_->TestWebhook(testing::CallContext().get(), test, &queued).ok());
  EXPECT_EQ(queued.event_type(), "webhook.test");
  EXPECT_TRUE(receiver_.WaitFor(
      [&](const auto& all) { return !With(all, queued.event_id()).empty(); }, absl::Seconds(30)));
}

TEST_F(WebhookE2eTest, AnEndpointDownForAWhileGetsEveryEventOnceAfterwardsAndDeadLettersReplay) {
  receiver_.SetFailing(true);
  xpb::Webhook patient = AddWebhook(20, xpb::WEBHOOK_EVENT_KIND_EXCEPTIONS);
  xpb::Webhook hasty = AddWebhook(1, xpb::WEBHOOK_EVENT_KIND_EXCEPTIONS);
  // Three accounts, each with its ROLE_GAP and then a DETRACTOR: events in order per account.
  std::vector<std::string> accounts;
  for (int i = 0; i < 3; ++i) {
    accounts.push_back(CreateAccount(50).id());
    RecordActiveUsers(accounts.back(), 30);
    RecordNps(accounts.back(), absl::StrCat("nps-", i), 1);
  }
  // While the endpoint answers 503, tries fail and are kept (or dead-lettered after one try).
  for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;) {
    auto pending = Deliveries(patient.id(), xpb::DELIVERY_STATE_PENDING);
    bool tried = std::any_of(pending.begin(), pending.end(), [](const auto& d) { return d.attempts() > 0; });
    if (tried && pending.size() >= 6 && Deliveries(hasty.id(), xpb::DELIVERY_STATE_DEAD).size() >= 6) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto pending = Deliveries(patient.id(), xpb::DELIVERY_STATE_PENDING);
  ASSERT_GE(pending.size(), 6u);  // a ROLE_GAP and a DETRACTOR per account, at least
  bool saw_503 = false;
  for (const auto& d : pending) saw_503 |= d.last_status_code() == 503;
  EXPECT_TRUE(saw_503);
  auto dead = Deliveries(hasty.id(), xpb::DELIVERY_STATE_DEAD);
  ASSERT_GE(dead.size(), 6u);
  EXPECT_EQ(dead[0].attempts(), 1);
  EXPECT_TRUE(receiver_.Received().empty());

  // The endpoint is back: everything pending arrives, each event once, in order per account.
  receiver_.SetFailing(false);
  ASSERT_TRUE(Settled(patient.id()));
  auto delivered = Deliveries(patient.id(), xpb::DELIVERY_STATE_DELIVERED);
  std::vector<std::string> ids;
  for (const auto& r : receiver_.Received()) ids.push_back(r.headers.at("flywheel-event-id"));
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size()) << "an event id arrived twice";
  EXPECT_EQ(ids.size(), delivered.size());
  for (const std::string& account : accounts) {
    // Per account, event ids ("evt_<sequence>") arrive in increasing order.
    int64_t last = 0;
    for (const auto& r : With(receiver_.Received(), account)) {
      int64_t sequence = 0;
      ASSERT_TRUE(absl::SimpleAtoi(absl::StripPrefix(r.headers.at("flywheel-event-id"), "evt_"), &sequence));
      EXPECT_GT(sequence, last) << account;
      last = sequence;
    }
  }
  // The dead letters of the hasty endpoint, replayed, arrive too.
  size_t before = receiver_.Received().size();
  xpb::ReplayWebhookDeliveriesRequest replay;
  replay.set_webhook_id(hasty.id());
  xpb::ReplayWebhookDeliveriesResponse replayed;
  ASSERT_TRUE(handoff_stub_->ReplayWebhookDeliveries(testing::CallContext().get(), replay, &replayed).ok());
  EXPECT_EQ(replayed.replayed(), static_cast<int>(dead.size()));
  ASSERT_TRUE(Settled(hasty.id()));
  EXPECT_EQ(receiver_.Received().size(), before + dead.size());
  EXPECT_TRUE(Deliveries(hasty.id(), xpb::DELIVERY_STATE_DEAD).empty());
}

// flywheelctl as an operator uses it: the watches print the live changes, and the webhooks
// commands add, list, test and show deliveries.
TEST_F(WebhookE2eTest, OperatorsFollowTheStreamsAndManageWebhooksWithTheCtl) {
  auto ctl = [&](const std::string& args, std::string* out) {
    std::string command = absl::StrCat(FLYWHEEL_CTL_BINARY, " --health=", health_->address(), " --handoff=",
                                       handoff_->address(), " ", args, " 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out->append(buffer, n);
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string secret_file = absl::StrCat(::testing::TempDir(), "/webhook.secret");
  FILE* f = fopen(secret_file.c_str(), "w");
  fputs(kSecret, f);
  fclose(f);
  std::string added;
  ASSERT_EQ(ctl(absl::StrCat("webhooks add ", receiver_.url(), " --secret_file ", secret_file,
                             " --kinds exceptions,health_bands --max_attempts 3"), &added), 0) << added;
  std::string id(absl::StripTrailingAsciiWhitespace(added));
  EXPECT_TRUE(absl::StartsWith(id, "whk_")) << added;
  std::string listed;
  ASSERT_EQ(ctl("webhooks list", &listed), 0);
  EXPECT_TRUE(absl::StrContains(listed, id) && absl::StrContains(listed, receiver_.url()) &&
              absl::StrContains(listed, "exceptions,health_bands")) << listed;

  // Both watches running, a new account is scored and opens its ROLE_GAP.
  std::string health_lines, exception_lines;
  std::thread health_watch([&] { ctl("health watch --all --count 1 --for 60", &health_lines); });
  std::thread exception_watch([&] { ctl("exceptions watch --count 1 --for 60", &exception_lines); });
  absl::SleepFor(absl::Seconds(1));  // the watches open (they stream what is stored after they start)
  apb::Account account = CreateAccount(40);
  health_watch.join();
  exception_watch.join();
  EXPECT_TRUE(absl::StrContains(health_lines, account.id()) && absl::StrContains(health_lines, "(signal)"))
      << health_lines;
  EXPECT_TRUE(absl::StrContains(exception_lines, "OPENED") && absl::StrContains(exception_lines, account.id()))
      << exception_lines;
  // Its first usage gives it a band: the change goes to the endpoint too, as health.band_changed.
  RecordActiveUsers(account.id(), 30);
  EXPECT_TRUE(receiver_.WaitFor(
      [&](const auto& all) { return !With(With(all, "\"health.band_changed\""), account.id()).empty(); },
      absl::Seconds(30)));

  std::string tested;
  ASSERT_EQ(ctl(absl::StrCat("webhooks test ", id), &tested), 0) << tested;
  EXPECT_TRUE(receiver_.WaitFor([&](const auto& all) { return !With(all, "\"webhook.test\"").empty(); },
                                absl::Seconds(30)));
  ASSERT_TRUE(Settled(id));
  std::string deliveries;
  ASSERT_EQ(ctl(absl::StrCat("webhooks deliveries --webhook ", id, " --state delivered"), &deliveries), 0);
  EXPECT_TRUE(absl::StrContains(deliveries, "webhook.test") && absl::StrContains(deliveries, "health.band_changed"))
      << deliveries;
  std::string refused;
  EXPECT_EQ(ctl("exceptions watch --resume forged --for 5", &refused), 1) << refused;
}

TEST_F(WebhookE2eTest, BadEndpointsAreRefusedNamingEveryField) {
  xpb::CreateWebhookRequest req;
  req.mutable_webhook()->set_url("ftp://example.test/hook");
  req.mutable_webhook()->set_secret("short");
  req.mutable_webhook()->set_max_attempts(500);
  xpb::Webhook out;
  grpc::Status s = handoff_stub_->CreateWebhook(testing::CallContext().get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) fields.insert(v.field);
  EXPECT_EQ(fields, (std::set<std::string>{"webhook.url", "webhook.secret", "webhook.max_attempts"}));
  xpb::ListWebhooksResponse hooks;
  ASSERT_TRUE(handoff_stub_->ListWebhooks(testing::CallContext().get(), xpb::ListWebhooksRequest(), &hooks).ok());
  EXPECT_EQ(hooks.webhooks_size(), 0);
}

TEST_F(LiveE2eTest, TheAccountsChangeStreamResumesAfterItsToken) {
  apb::Account account = CreateAccount(10);
  std::string token;
  auto update = [&](int seats) {
    apb::UpdateAccountRequest req;
    req.mutable_account()->set_id(account.id());
    req.mutable_account()->set_licensed_seats(seats);
    req.mutable_update_mask()->add_paths("licensed_seats");
    apb::Account out;
    ASSERT_TRUE(accounts_stub_->UpdateAccount(testing::CallContext().get(), req, &out).ok());
  };
  {
    grpc::ClientContext ctx;
    apb::WatchAccountChangesRequest req;
    auto reader = accounts_stub_->WatchAccountChanges(&ctx, req);
    reader->WaitForInitialMetadata();
    update(20);
    apb::AccountChange change;
    ASSERT_TRUE(reader->Read(&change));
    EXPECT_EQ(change.account_id(), account.id());
    EXPECT_EQ(change.action(), "UPDATE");
    EXPECT_EQ(std::vector<std::string>(change.changed_fields().begin(), change.changed_fields().end()),
              std::vector<std::string>{"licensed_seats"});
    token = change.resume_token();
    ctx.TryCancel();
    reader->Finish();
  }
  update(30);  // while nobody watches
  grpc::ClientContext ctx;
  apb::WatchAccountChangesRequest req;
  req.set_resume_token(token);
  auto reader = accounts_stub_->WatchAccountChanges(&ctx, req);
  apb::AccountChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.account_id(), account.id());
  EXPECT_EQ(change.version(), 3);  // created, 20 seats, 30 seats
  ctx.TryCancel();
  reader->Finish();

  grpc::ClientContext fctx;
  apb::WatchAccountChangesRequest forged;
  forged.set_resume_token("forged");
  auto bad = accounts_stub_->WatchAccountChanges(&fctx, forged);
  EXPECT_FALSE(bad->Read(&change));
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace flywheel
