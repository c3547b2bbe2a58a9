// The real accounts and health binaries, each on a free port with its own database, called
// through the generated clients: ingest → score → explanation → summary → drill-down.
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

flywheel::type::v1::Date D(int y, int m, int d) { return testing::Day(y, m, d); }
std::unique_ptr<grpc::ClientContext> Ctx() { return testing::CallContext(); }

class HealthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_ = std::make_unique<ServiceProcess>(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig());
    health_ = std::make_unique<ServiceProcess>(
        FLYWHEEL_HEALTH_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
        // These tests store scores for fixed past days with RescorePortfolio; live rescoring
        // (today's scores) has its own test (live_e2e_test).
        std::vector<std::string>{absl::StrCat("--accounts_addr=", accounts_->address()), "--live_rescore=false"});
    accounts_stub_ = apb::AccountService::NewStub(accounts_->channel());
    stub_ = hpb::HealthService::NewStub(health_->channel());
    utility_ = CreateAccount("Northbridge Utilities Contact Centre", 400, 100000000);
  }

  std::string CreateAccount(const std::string& name, int seats, int64_t target_minor) {
    apb::CreateAccountRequest req;
    auto* a = req.mutable_account();
    a->set_name(name);
    a->set_licensed_seats(seats);
    a->mutable_arr()->set_currency_code("GBP");
    a->mutable_arr()->set_minor_units(48000000);
    a->set_csm_owner("casey@vendor.example");
    *a->mutable_contract_start() = D(2026, 1, 1);
    if (target_minor > 0) {
      a->mutable_value_target()->mutable_amount()->set_currency_code("GBP");
      a->mutable_value_target()->mutable_amount()->set_minor_units(target_minor);
      a->mutable_value_target()->set_description("cost reduction");
    }
    apb::Account out;
    grpc::Status s = accounts_stub_->CreateAccount(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  hpb::UsageReading Reading(const std::string& account, flywheel::type::v1::Date day, const std::string& metric,
                            double value) {
    hpb::UsageReading r;
    r.set_account_id(account);
    *r.mutable_day() = day;
    r.set_metric(metric);
    r.set_value(value);
    r.set_source("telemetry");
    return r;
  }

  void Survey(const std::string& account, const std::string& id, int score, int month, int day) {
    hpb::RecordSurveyResponseRequest req;
    auto* r = req.mutable_response();
    r->set_account_id(account);
    r->set_response_id(id);
    r->set_kind(hpb::SURVEY_KIND_NPS);
    r->set_score(score);
    r->set_respondent(id + "@utility.example");
    r->set_reason("survey");
    r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, month, day), absl::UTCTimeZone())));
    hpb::SurveyResponse out;
    grpc::Status s = stub_->RecordSurveyResponse(Ctx().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The seed scenario: full presence, £320k of £1m realised by 26 May, NPS 9, 10, 3.
  void LoadScenario() {
    hpb::RecordUsageRequest usage;
    *usage.add_readings() = Reading(utility_, D(2026, 5, 25), "active_users_28d", 320);
    *usage.add_readings() = Reading(utility_, D(2026, 5, 10), "logins", 5000);
    hpb::RecordUsageResponse accepted;
    ASSERT_TRUE(stub_->RecordUsage(Ctx().get(), usage, &accepted).ok());
    EXPECT_EQ(accepted.accepted(), 2);
    Survey(utility_, "r1", 9, 5, 1);
    Survey(utility_, "r2", 10, 5, 2);
    Survey(utility_, "r3", 3, 5, 3);
    hpb::RecordValueRequest value;
    value.mutable_record()->set_account_id(utility_);
    value.mutable_record()->set_record_id("v1");
    value.mutable_record()->mutable_amount()->set_currency_code("GBP");
    value.mutable_record()->mutable_amount()->set_minor_units(32000000);
    *value.mutable_record()->mutable_day() = D(2026, 5, 20);
    value.mutable_record()->set_description("automation savings H1");
    hpb::ValueRecord stored;
    ASSERT_TRUE(stub_->RecordValue(Ctx().get(), value, &stored).ok());
  }

  hpb::AccountHealth Health(const std::string& account, flywheel::type::v1::Date as_of) {
    hpb::GetHealthRequest req;
    req.set_account_id(account);
    *req.mutable_as_of() = as_of;
    hpb::AccountHealth out;
    grpc::Status s = stub_->GetHealth(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  hpb::RescorePortfolioResponse Rescore(flywheel::type::v1::Date as_of) {
    hpb::RescorePortfolioRequest req;
    *req.mutable_as_of() = as_of;
    hpb::RescorePortfolioResponse out;
    grpc::Status s = stub_->RescorePortfolio(Ctx().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::unique_ptr<ServiceProcess> accounts_;
  std::unique_ptr<ServiceProcess> health_;
  std::unique_ptr<apb::AccountService::Stub> accounts_stub_;
  std::unique_ptr<hpb::HealthService::Stub> stub_;
  std::string utility_;
};

const hpb::Measure& MeasureOf(const hpb::AccountHealth& h, const std::string& name) {
  for (const auto& m : h.measures()) {
    if (m.name() == name) return m;
  }
  return hpb::Measure::default_instance();
}

TEST_F(HealthE2eTest, IngestScoreExplainSummarizeAndDrillDown) {
  LoadScenario();
  hpb::AccountHealth h = Health(utility_, D(2026, 5, 26));
  EXPECT_EQ(MeasureOf(h, "presence").score(), 100);
  EXPECT_EQ(MeasureOf(h, "value").score(), 80);
  EXPECT_TRUE(MeasureOf(h, "use_cases").missing());
  EXPECT_TRUE(MeasureOf(h, "csat").missing());
  EXPECT_NEAR(MeasureOf(h, "presence").effective_weight(), 40.0 / 70, 1e-9);
  EXPECT_NEAR(h.behavioural(), (40 * 100 + 30 * 80) / 70.0, 1e-5);
  EXPECT_NEAR(MeasureOf(h, "nps").score(), 100.0 * 2 / 3, 1e-5);  // NPS +33.3 → 66.7
  EXPECT_NEAR(h.overall(), ((40 * 100 + 30 * 80) / 70.0 + 200.0 / 3) / 2, 1e-5);
  EXPECT_EQ(h.band(), hpb::BAND_GREEN);
  EXPECT_EQ(h.quadrant(), hpb::QUADRANT_THRIVING);
  EXPECT_EQ(h.prescription(), hpb::PRESCRIPTION_ADVOCACY);
  EXPECT_EQ(h.value_level(), hpb::VALUE_LEVEL_PRESENCE);  // no key use cases on the default scorecard
  EXPECT_EQ(h.scorecard_id(), "default");

  hpb::GetValueTrackingRequest vt;
  vt.set_account_id(utility_);
  *vt.mutable_as_of() = D(2026, 5, 26);
  hpb::ValueTracking tracking;
  ASSERT_TRUE(stub_->GetValueTracking(Ctx().get(), vt, &tracking).ok());
  EXPECT_EQ(tracking.elapsed_days(), 146);
  EXPECT_EQ(tracking.projected_annual().minor_units(), 80000000);
  EXPECT_EQ(tracking.gap().minor_units(), 20000000);
  EXPECT_FALSE(tracking.on_track());

  std::string quiet = CreateAccount("Quiet Customer", 50, 0);
  hpb::RescorePortfolioResponse rescored = Rescore(D(2026, 5, 26));
  EXPECT_EQ(rescored.accounts_scored(), 2);

  hpb::GetPortfolioSummaryRequest sreq;
  hpb::PortfolioSummary summary;
  ASSERT_TRUE(stub_->GetPortfolioSummary(Ctx().get(), sreq, &summary).ok());
  EXPECT_EQ(summary.accounts(), 2);
  std::map<int, int64_t> bands;
  for (const auto& b : summary.bands()) bands[b.band()] = b.accounts();
  EXPECT_EQ(bands[hpb::BAND_GREEN], 1);
  EXPECT_EQ(bands[hpb::BAND_UNKNOWN], 1);
  ASSERT_EQ(summary.value_gap_size(), 1);
  EXPECT_EQ(summary.value_gap(0).minor_units(), 20000000);
  ASSERT_GE(summary.top_value_gaps_size(), 1);
  EXPECT_EQ(summary.top_value_gaps(0).account_id(), utility_);

  // Drill down: from the summary row to the account's list entry and its signals.
  hpb::ListHealthRequest lreq;
  lreq.set_band(hpb::BAND_GREEN);
  hpb::ListHealthResponse list;
  ASSERT_TRUE(stub_->ListHealth(Ctx().get(), lreq, &list).ok());
  ASSERT_EQ(list.rows_size(), 1);
  EXPECT_EQ(list.rows(0).account_id(), summary.top_value_gaps(0).account_id());
  hpb::ListSignalsRequest sig;
  sig.set_account_id(utility_);
  sig.set_kind(hpb::SIGNAL_KIND_USAGE);
  sig.set_metric("active_users_28d");
  *sig.mutable_start_day() = D(2026, 5, 1);
  *sig.mutable_end_day() = D(2026, 5, 31);
  hpb::ListSignalsResponse signals;
  ASSERT_TRUE(stub_->ListSignals(Ctx().get(), sig, &signals).ok());
  ASSERT_EQ(signals.signals_size(), 1);
  EXPECT_EQ(signals.signals(0).usage().value(), 320);

  hpb::GetHealthHistoryRequest hist;
  hist.set_account_id(utility_);
  *hist.mutable_start_day() = D(2026, 1, 1);
  *hist.mutable_end_day() = D(2026, 12, 31);
  hpb::GetHealthHistoryResponse history;
  ASSERT_TRUE(stub_->GetHealthHistory(Ctx().get(), hist, &history).ok());
  ASSERT_EQ(history.points_size(), 1);
  EXPECT_NEAR(history.points(0).overall(), h.overall(), 1e-6);
  hist.set_account_id("acc_0000000000000000000000000q");  // no such account: not an empty history
  EXPECT_EQ(stub_->GetHealthHistory(Ctx().get(), hist, &history).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthE2eTest, ResentFeedsChangeNothing) {
  LoadScenario();
  hpb::AccountHealth before = Health(utility_, D(2026, 5, 26));
  LoadScenario();  // the same usage, the same survey and value ids
  hpb::AccountHealth after = Health(utility_, D(2026, 5, 26));
  EXPECT_EQ(before.overall(), after.overall());
  EXPECT_EQ(MeasureOf(after, "nps").inputs_size(), MeasureOf(before, "nps").inputs_size());
  hpb::ListSignalsRequest sig;
  sig.set_account_id(utility_);
  *sig.mutable_start_day() = D(2026, 1, 1);
  *sig.mutable_end_day() = D(2026, 12, 31);
  hpb::ListSignalsResponse signals;
  ASSERT_TRUE(stub_->ListSignals(Ctx().get(), sig, &signals).ok());
  EXPECT_EQ(signals.signals_size(), 2 + 3 + 1);
}

TEST_F(HealthE2eTest, BadOrUnknownInputWritesNothing) {
  hpb::RecordUsageRequest usage;
  *usage.add_readings() = Reading(utility_, D(2026, 5, 25), "active_users_28d", 10);
  *usage.add_readings() = Reading(utility_, D(2026, 5, 25), "Bad Metric", -4);
  hpb::RecordUsageResponse out;
  grpc::Status s = stub_->RecordUsage(Ctx().get(), usage, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) fields.insert(v.field);
  EXPECT_EQ(fields, (std::set<std::string>{"readings[1].metric", "readings[1].value"}));

  hpb::RecordUsageRequest unknown;
  *unknown.add_readings() = Reading(utility_, D(2026, 5, 25), "logins", 1);
  *unknown.add_readings() = Reading("acc_0000000000000000000000000q", D(2026, 5, 25), "logins", 1);
  EXPECT_EQ(stub_->RecordUsage(Ctx().get(), unknown, &out).error_code(), grpc::StatusCode::NOT_FOUND);

  hpb::ListSignalsRequest sig;
  sig.set_account_id(utility_);
  *sig.mutable_start_day() = D(2026, 1, 1);
  *sig.mutable_end_day() = D(2026, 12, 31);
  hpb::ListSignalsResponse signals;
  ASSERT_TRUE(stub_->ListSignals(Ctx().get(), sig, &signals).ok());
  EXPECT_EQ(signals.signals_size(), 0);
}

TEST_F(HealthE2eTest, StreamUsageAcceptsALargeFeed) {
  grpc::ClientContext ctx;
  hpb::RecordUsageResponse resp;
  auto writer = stub_->StreamUsage(&ctx, &resp);
  for (int m = 0; m < 5; ++m) {
    hpb::RecordUsageRequest msg;
    for (int d = 0; d < 1000; ++d) {
      absl::CivilDay day = absl::CivilDay(2026, 1, 1) + (d % 300);
      *msg.add_readings() = Reading(utility_, D(day.year(), day.month(), day.day()), absl::StrCat("metric_", m, "_", d / 300), d);
    }
    ASSERT_TRUE(writer->Write(msg));
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.accepted(), 5000);
}

// A large set of readings is written as several transactions, split between accounts: every reading
// lands once, and a key given twice keeps the value given last, wherever its account falls.
TEST_F(HealthE2eTest, ALargeInterleavedFeedIsStoredWholeWithTheLastValueOfARepeatedKey) {
  std::vector<std::string> accounts = {utility_};
  for (int i = 1; i < 4; ++i) accounts.push_back(CreateAccount(absl::StrCat("Feed account ", i), 50, 0));
  const char* metrics[] = {"logins", "active_users_28d", "use_case.reporting"};
  hpb::RecordUsageRequest usage;
  for (int d = 0; d < 200; ++d) {
    absl::CivilDay day = absl::CivilDay(2026, 1, 1) + d;
    for (const auto& account : accounts) {
      for (int m = 0; m < 3; ++m) {
        *usage.add_readings() =
            Reading(account, D(day.year(), day.month(), day.day()), metrics[m], d + 1000 * m);
      }
    }
  }
  for (const auto& account : accounts) {
    *usage.add_readings() = Reading(account, D(2026, 1, 1), "logins", 777);  // replaces the first one
  }
  hpb::RecordUsageResponse accepted;
  grpc::Status s = stub_->RecordUsage(Ctx().get(), usage, &accepted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(accepted.accepted(), 2404);

  for (const auto& account : accounts) {
    hpb::ListSignalsRequest req;
    req.set_account_id(account);
    req.set_kind(hpb::SIGNAL_KIND_USAGE);
    *req.mutable_start_day() = D(2026, 1, 1);
    *req.mutable_end_day() = D(2026, 12, 31);
    req.set_page_size(1000);
    hpb::ListSignalsResponse signals;
    ASSERT_TRUE(stub_->ListSignals(Ctx().get(), req, &signals).ok());
    ASSERT_EQ(signals.signals_size(), 600) << account;
    std::map<std::pair<std::string, int>, double> by_key;  // (metric, day of year) -> value
    for (const auto& sig : signals.signals()) {
      const auto& u = sig.usage();
      absl::CivilDay day(u.day().year(), u.day().month(), u.day().day());
      by_key[{u.metric(), static_cast<int>(day - absl::CivilDay(2026, 1, 1))}] = u.value();
    }
    EXPECT_EQ(by_key.size(), 600u) << account;
    EXPECT_EQ((by_key[{"logins", 0}]), 777) << account;
    EXPECT_EQ((by_key[{"logins", 1}]), 1) << account;
    EXPECT_EQ((by_key[{"use_case.reporting", 199}]), 2199) << account;
  }
}

// A message whose string field is not UTF-8 cannot be decoded; gRPC would take it for the end of
// the stream and the call would end OK. The stream ends INVALID_ARGUMENT naming the field and
// where the stream stopped; the message before it is recorded, as for any bad message.
TEST_F(HealthE2eTest, StreamUsageStopsAtAMessageThatDoesNotDecode) {
  grpc::ClientContext ctx;
  hpb::RecordUsageResponse resp;
  auto writer = stub_->StreamUsage(&ctx, &resp);
  hpb::RecordUsageRequest good;
  *good.add_readings() = Reading(utility_, D(2026, 3, 3), "decode_probe", 7);
  ASSERT_TRUE(writer->Write(good));
  hpb::RecordUsageRequest bad;
  *bad.add_readings() = Reading(utility_, D(2026, 3, 4), "decode_probe\xff", 8);
  writer->Write(bad);  // protobuf serializes it (and logs a complaint); the server cannot parse it
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  std::vector<FieldViolation> violations = GetFieldViolations(FromGrpcStatus(s));
  ASSERT_EQ(violations.size(), 1u) << s.error_message();
  EXPECT_EQ(violations[0].field, "flywheel.health.v1.UsageReading.metric");
  EXPECT_TRUE(absl::StrContains(violations[0].description, "message 2 of the stream")) << violations[0].description;
  // What was done before it travels with the error.
  EXPECT_EQ(GetErrorReason(FromGrpcStatus(s)), "STREAM_ENDED_EARLY");
  EXPECT_EQ(GetErrorMetadata(FromGrpcStatus(s), "accepted"), "1");
  EXPECT_EQ(GetErrorMetadata(FromGrpcStatus(s), "messages_handled"), "1");

  hpb::ListSignalsRequest sig;
  sig.set_account_id(utility_);
  *sig.mutable_start_day() = D(2026, 3, 1);
  *sig.mutable_end_day() = D(2026, 3, 31);
  hpb::ListSignalsResponse signals;
  ASSERT_TRUE(stub_->ListSignals(Ctx().get(), sig, &signals).ok());
  std::vector<double> probes;
  for (const auto& signal : signals.signals()) {
    if (absl::StartsWith(signal.usage().metric(), "decode_probe")) probes.push_back(signal.usage().value());
  }
  EXPECT_EQ(probes, std::vector<double>{7});
}

TEST_F(HealthE2eTest, OverrideAppliesAndClears) {
  LoadScenario();
  hpb::SetOverrideRequest req;
  auto* o = req.mutable_override();
  o->set_account_id(utility_);
  o->set_value(30);
  o->set_reason("executive escalation open");
  o->set_author("vp.cs@vendor.example");
  o->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
  hpb::Override set;
  {
    auto ctx = Ctx();
    ctx->AddMetadata("x-flywheel-principal", "csm.lead@vendor.example");  // auth off: the caller named here
    ASSERT_TRUE(stub_->SetOverride(ctx.get(), req, &set).ok());
  }
  // The author is who called; the name the caller gave is whom it acted for.
  EXPECT_EQ(set.author(), "csm.lead@vendor.example");
  EXPECT_EQ(set.on_behalf_of(), "vp.cs@vendor.example");
  hpb::AccountHealth h = Health(utility_, D(2026, 5, 26));
  EXPECT_EQ(h.override().author(), "csm.lead@vendor.example");
  EXPECT_EQ(h.overall(), 30);
  EXPECT_EQ(h.band(), hpb::BAND_RED);
  EXPECT_EQ(h.override().reason(), "executive escalation open");
  EXPECT_GT(h.computed_overall(), 75);

  hpb::ClearOverrideRequest clear;
  clear.set_account_id(utility_);
  hpb::ClearOverrideResponse cleared;
  ASSERT_TRUE(stub_->ClearOverride(Ctx().get(), clear, &cleared).ok());
  EXPECT_EQ(Health(utility_, D(2026, 5, 26)).band(), hpb::BAND_GREEN);

  // Both writes are in the service's audit trail, readable by account and by resource, paged.
  hpb::ListAuditEntriesRequest trail_req;
  trail_req.set_account_id(utility_);
  trail_req.set_page_size(1);
  std::vector<std::string> trail;
  for (;;) {
    hpb::ListAuditEntriesResponse page;
    ASSERT_TRUE(stub_->ListAuditEntries(Ctx().get(), trail_req, &page).ok());
    for (const auto& e : page.entries()) {
      trail.push_back(absl::StrCat(e.action(), " ", e.resource_id(), " by ", e.principal()));
      EXPECT_EQ(e.account_id(), utility_);
    }
    if (page.next_page_token().empty()) break;
    trail_req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(trail, (std::vector<std::string>{absl::StrCat("SET_OVERRIDE ", utility_, " by csm.lead@vendor.example"),
                                             absl::StrCat("CLEAR_OVERRIDE ", utility_, " by ")}));
  hpb::ListAuditEntriesRequest neither;
  hpb::ListAuditEntriesResponse none;
  EXPECT_EQ(stub_->ListAuditEntries(Ctx().get(), neither, &none).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  o->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  o->set_value(101);
  grpc::Status s = stub_->SetOverride(Ctx().get(), req, &set);
  std::set<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) fields.insert(v.field);
  EXPECT_EQ(fields, (std::set<std::string>{"override.value", "override.expire_time"}));
}

TEST_F(HealthE2eTest, WatchHealthResumesWithoutMissingChanges) {
  LoadScenario();
  // First subscriber: sees the first scoring of the account.
  std::string token;
  {
    grpc::ClientContext ctx;
    hpb::WatchHealthRequest req;
    auto reader = stub_->WatchHealth(&ctx, req);
    reader->WaitForInitialMetadata();  // the watch has fixed its start point
    Rescore(D(2026, 5, 26));
    hpb::HealthChange change;
    ASSERT_TRUE(reader->Read(&change));
    EXPECT_EQ(change.account_id(), utility_);
    EXPECT_EQ(change.previous_band(), hpb::BAND_UNKNOWN);
    EXPECT_EQ(change.band(), hpb::BAND_GREEN);
    token = change.resume_token();
    ctx.TryCancel();
    reader->Finish();
  }
  // While nobody watches, detractors arrive and a rescore moves the band.
  for (int i = 0; i < 12; ++i) Survey(utility_, absl::StrCat("d", i), 0, 6, 1);
  Rescore(D(2026, 6, 2));
  // The returning subscriber resumes after its token and gets exactly that change.
  grpc::ClientContext ctx;
  hpb::WatchHealthRequest req;
  req.set_resume_token(token);
  auto reader = stub_->WatchHealth(&ctx, req);
  hpb::HealthChange change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.account_id(), utility_);
  EXPECT_EQ(change.previous_band(), hpb::BAND_GREEN);
  EXPECT_NE(change.band(), hpb::BAND_GREEN);
  EXPECT_EQ(change.as_of().month(), 6);
  ctx.TryCancel();
  reader->Finish();

  hpb::WatchHealthRequest forged;
  forged.set_resume_token("forged");
  grpc::ClientContext fctx;
  auto bad = stub_->WatchHealth(&fctx, forged);
  EXPECT_FALSE(bad->Read(&change));
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HealthE2eTest, RescoreIsShardableAndSafeToRunTwice) {
  for (int i = 0; i < 20; ++i) CreateAccount(absl::StrCat("Shard customer ", i), 10, 0);
  int64_t total = 0;
  for (int k = 0; k < 3; ++k) {
    hpb::RescorePortfolioRequest req;
    *req.mutable_as_of() = D(2026, 5, 26);
    req.set_shard_index(k);
    req.set_shard_count(3);
    hpb::RescorePortfolioResponse out;
    ASSERT_TRUE(stub_->RescorePortfolio(Ctx().get(), req, &out).ok());
    total += out.accounts_scored();
  }
  EXPECT_EQ(total, 21);
  hpb::RescorePortfolioResponse again = Rescore(D(2026, 5, 26));
  EXPECT_EQ(again.accounts_scored(), 21);
  EXPECT_EQ(again.band_changes(), 0);
  hpb::ListHealthRequest lreq;
  lreq.set_page_size(7);
  int rows = 0;
  for (;;) {
    hpb::ListHealthResponse page;
    ASSERT_TRUE(stub_->ListHealth(Ctx().get(), lreq, &page).ok());
    rows += page.rows_size();
    if (page.next_page_token().empty()) break;
    lreq.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(rows, 21);
  hpb::RescorePortfolioRequest bad;
  bad.set_shard_index(3);
  bad.set_shard_count(3);
  hpb::RescorePortfolioResponse out;
  EXPECT_EQ(stub_->RescorePortfolio(Ctx().get(), bad, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HealthE2eTest, CustomScorecardIsVersionedAndAssignedPerAccount) {
  LoadScenario();
  hpb::RecordUsageRequest usage;
  *usage.add_readings() = Reading(utility_, D(2026, 5, 20), "use_case.reporting", 3);
  *usage.add_readings() = Reading(utility_, D(2026, 5, 21), "use_case.routing", 1);
  hpb::RecordUsageResponse accepted;
  ASSERT_TRUE(stub_->RecordUsage(Ctx().get(), usage, &accepted).ok());

  hpb::CreateScorecardRequest create;
  auto* sc = create.mutable_scorecard();
  sc->set_name("Contact centre");
  sc->mutable_weights()->set_presence(40);
  sc->mutable_weights()->set_use_cases(30);
  sc->mutable_weights()->set_value(30);
  sc->mutable_weights()->set_nps(60);
  sc->mutable_weights()->set_csat(40);
  sc->set_red_max(50);
  sc->set_amber_max(75);
  sc->set_presence_target(0.8);
  for (const char* k : {"reporting", "routing", "automation", "surveys"}) sc->add_key_use_cases(k);
  create.set_request_id("scorecard-cc-1");
  hpb::Scorecard created;
  ASSERT_TRUE(stub_->CreateScorecard(Ctx().get(), create, &created).ok());
  EXPECT_EQ(created.version(), 1);
  hpb::Scorecard replayed;
  ASSERT_TRUE(stub_->CreateScorecard(Ctx().get(), create, &replayed).ok());
  EXPECT_EQ(replayed.id(), created.id());
  hpb::CreateScorecardRequest reused = create;  // the same request id with another request
  reused.mutable_scorecard()->set_name("Another scorecard");
  grpc::Status refused = stub_->CreateScorecard(Ctx().get(), reused, &replayed);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetFieldViolations(FromGrpcStatus(refused)).at(0).field, "request_id");

  hpb::AssignScorecardRequest assign;
  assign.set_account_id(utility_);
  assign.set_scorecard_id(created.id());
  hpb::AssignScorecardResponse assigned;
  ASSERT_TRUE(stub_->AssignScorecard(Ctx().get(), assign, &assigned).ok());
  hpb::AccountHealth h = Health(utility_, D(2026, 5, 26));
  EXPECT_EQ(h.scorecard_id(), created.id());
  EXPECT_EQ(MeasureOf(h, "use_cases").score(), 50);
  EXPECT_EQ(h.value_level(), hpb::VALUE_LEVEL_VALUE);  // presence, half the use cases, value realised, short of ROI

  hpb::UpdateScorecardRequest update;
  update.mutable_scorecard()->set_id(created.id());
  update.mutable_scorecard()->set_etag(created.etag());
  update.mutable_scorecard()->set_amber_max(95);
  update.mutable_scorecard()->set_red_max(50);
  update.mutable_update_mask()->add_paths("amber_max");
  hpb::Scorecard updated;
  ASSERT_TRUE(stub_->UpdateScorecard(Ctx().get(), update, &updated).ok());
  EXPECT_EQ(updated.version(), 2);
  hpb::AccountHealth after = Health(utility_, D(2026, 5, 26));
  EXPECT_EQ(after.scorecard_version(), 2);
  EXPECT_EQ(after.band(), hpb::BAND_AMBER);
  // The old etag is stale now; a bad threshold is named.
  update.mutable_scorecard()->set_amber_max(10);
  grpc::Status s = stub_->UpdateScorecard(Ctx().get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  update.mutable_scorecard()->set_etag(updated.etag());
  s = stub_->UpdateScorecard(Ctx().get(), update, &updated);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetFieldViolations(FromGrpcStatus(s)).at(0).field, "scorecard.amber_max");
}

}  // namespace
}  // namespace flywheel
